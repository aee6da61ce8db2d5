#include "config.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-bridge-private.h"
#include "atrium-window-private.h"
#include "webkit-harness.h"

/* Large calls: the runtime uploads the message as a POST body and then
 * names it in a short call message. Each test makes its own app, since the
 * upload threshold, the size limit and the CSP are fixed per app. */

static void
worker_echo_cb (AtriumCall *call,
                gpointer    user_data)
{
  harness_echo_cb (call, user_data);
}

static AtriumApp *
upload_app_new (gsize       upload_min,
                gsize       max_message,
                const char *csp)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  AtriumApp *app;

  g_assert_no_error (error);
  app = harness_app_new (assets);
  _atrium_app_set_upload_min (app, upload_min);
  if (max_message > 0)
    atrium_app_set_max_message_size (app, max_message);
  if (csp != NULL)
    atrium_app_set_content_security_policy (app, csp);
  atrium_app_bind (app, "echo", harness_echo_cb, NULL, NULL, 0);
  atrium_app_bind (app, "echo.worker", worker_echo_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  return app;
}

static guint64
uploads_received (AtriumWindow *window)
{
  guint64 received;
  guint waiting;

  _atrium_bridge_get_upload_stats (_atrium_window_get_bridge (window), &received, &waiting);
  g_assert_cmpuint (waiting, ==, 0);
  return received;
}

static void
test_large_echo (void)
{
  g_autoptr(AtriumApp) app = upload_app_new (1024, 0, NULL);
  AtriumWindow *window = harness_open (app, "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    "const values = ['x'.repeat(2000), 'üñíçødé 😀 \\u2028'.repeat(500),"
    "  'x'.repeat(1024 * 1024), {list: Array.from({length: 3000}, (_, i) => ({i, s: 'é' + i}))},"
    "  'quote\" back\\\\slash\\n'.repeat(300)];"
    "const out = [];"
    "for (const v of values) {"
    "  const r = await atrium.call('echo', v);"
    "  out.push(JSON.stringify(r) === JSON.stringify(v));"
    "}"
    /* In flight at once, on a worker, all through uploads. */
    "const many = await Promise.all(values.map((v) => atrium.call('echo.worker', v)));"
    "out.push(many.every((r, i) => JSON.stringify(r) === JSON.stringify(values[i])));"
    /* A small call is still a plain message. */
    "out.push(await atrium.call('echo', 'small') === 'small');"
    "return out;");
  JsonArray *a = json_node_get_array (result);

  g_assert_cmpuint (json_array_get_length (a), ==, 7);
  for (guint i = 0; i < 7; i++)
    {
      g_test_message ("value %u", i);
      g_assert_true (json_array_get_boolean_element (a, i));
    }
  /* Five one by one and five at once went up as uploads, and were all
   * claimed; the small call did not. */
  g_assert_cmpuint (uploads_received (window), ==, 10);
  g_assert_cmpuint (_atrium_bridge_get_n_calls (_atrium_window_get_bridge (window)), ==, 0);

  harness_close (window);
}

static void
test_too_large (void)
{
  /* 'é' is one UTF-16 unit but two UTF-8 bytes: the runtime's own length
   * check lets 3000 of them through and C refuses the upload. */
  g_autoptr(AtriumApp) app = upload_app_new (1024, 4096, NULL);
  AtriumWindow *window = harness_open (app, "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    HARNESS_JS_CODE
    "return [await code(() => atrium.call('echo', 'é'.repeat(3000))),"
    "        await code(() => atrium.call('echo', 'x'.repeat(5000))),"
    "        await atrium.call('echo', 'x'.repeat(2000)) === 'x'.repeat(2000)];");
  JsonArray *a = json_node_get_array (result);

  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "too-large");
  g_assert_cmpstr (json_array_get_string_element (a, 1), ==, "too-large");
  g_assert_true (json_array_get_boolean_element (a, 2));

  harness_close (window);
}

/* The page's own fetches without the token, and call messages naming
 * uploads that are not there. An upload is kept unread until the runtime's
 * token-checked call message claims it; only then is its body read, and
 * refused without the token. */
static void
test_hostile (void)
{
  g_autoptr(AtriumApp) app = upload_app_new (1024, 0, NULL);
  AtriumWindow *window = harness_open (app, "/");
  g_autofree char *body = g_strdup_printf (
    "const T = '%s';"
    HARNESS_JS_RAW ("'atrium'")
    "const post = async (query, body, method = 'POST') => {"
    "  const r = await fetch('/__atrium/upload' + query, method === 'POST' ? {method, body} : {method});"
    "  let code = null; try { code = (await r.json()).code; } catch (_) { }"
    "  return r.status + ' ' + code;"
    "};"
    "const message = T + JSON.stringify(['echo', ['x'.repeat(2000)], 1]);"
    "return ["
    "  await post('?abcd', 'no token here ' + 'x'.repeat(100)), await raw(T + 'Uabcd'),"
    "  await post('?dead', T.slice(1)), await raw(T + 'Udead'),"
    "  await post('?not-hex', message),"
    "  await post('', message),"
    "  await post('?' + 'a'.repeat(33), message),"
    "  await post('?abcd', null, 'GET'),"
    "  await raw(T + 'Uabcd'), await raw(T + 'U'), await raw(T + 'Uxyz'),"
    "  await raw('U' + T + 'abcd'),"
    /* An upload is claimed once: the second claim finds nothing. */
    "  await post('?beef', message), await raw(T + 'Ubeef'), await raw(T + 'Ubeef'),"
    /* A key named twice is dropped, body unread, and its claim fails. */
    "  await post('?f00d', message), await post('?f00d', message), await raw(T + 'Uf00d'),"
    "];", _atrium_app_get_token (app));
  g_autoptr(JsonNode) result = harness_run_js_json (window, body);
  JsonArray *a = json_node_get_array (result);
  static const char * const expected[] = {
    "204 null", "forbidden",
    "204 null", "forbidden",
    "400 bad-args", "400 bad-args", "400 bad-args",
    "405 null",
    "bad-args", "bad-args", "bad-args",
    "forbidden",
    "204 null", "resolved", "bad-args",
    "204 null", "409 null", "bad-args",
  };

  g_assert_cmpuint (json_array_get_length (a), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_test_message ("request %u", i);
      g_assert_cmpstr (json_array_get_string_element (a, i), ==, expected[i]);
    }

  harness_close (window);
}

/* With fetch refused by the page's CSP, large calls go the usual way. */
static void
test_csp_fallback (void)
{
  g_autoptr(AtriumApp) app =
    upload_app_new (1024, 0, "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                             "connect-src 'none'");
  AtriumWindow *window = harness_open (app, "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    "const v = 'y'.repeat(300000);"
    "return await atrium.call('echo', v) === v;");

  g_assert_true (json_node_get_boolean (result));
  g_assert_cmpuint (uploads_received (window), ==, 0);

  harness_close (window);
}

static GInputStream *
stream_for (const char *a,
            const char *b)
{
  g_autofree char *text = g_strconcat (a, b, NULL);
  gsize length = strlen (text);

  return g_memory_input_stream_new_from_data (g_steal_pointer (&text), length, g_free);
}

static guint n_opened;

/* Stands for webkit_uri_scheme_request_get_http_body(): the source is the
 * body itself, or a GObject without one. */
static GInputStream *
open_stream_cb (GObject *source)
{
  n_opened++;
  return G_IS_INPUT_STREAM (source) ? g_object_ref (G_INPUT_STREAM (source)) : NULL;
}

static gboolean
add (AtriumBridge  *bridge,
     const char    *key,
     GObject       *source,
     GError       **error)
{
  return _atrium_bridge_add_upload (bridge, key, strlen (key), source, open_stream_cb, error);
}

/* Straight at the bridge: what is kept, what a claim reads or refuses, and
 * the bounds. */
static void
test_bridge_limits (void)
{
  g_autoptr(AtriumApp) app = upload_app_new (1024, 4096, NULL);
  AtriumWindow *window = harness_open (app, "/");
  AtriumBridge *bridge = _atrium_window_get_bridge (window);
  const char *token = _atrium_app_get_token (app);
  g_autofree char *big = g_strnfill (5000, 'x');
  g_autofree char *just_fits = g_strnfill (4096, 'x');

  struct {
    const char *key;
    const char *head;
    const char *tail;
    int         add_code;    /* -1: kept */
    int         claim_code;  /* -1: read */
  } cases[] = {
    { "01", token, "[\"echo\",[1],1]", -1, -1 },
    { "02", token, just_fits, -1, -1 },
    { "03", token, big, -1, ATRIUM_ERROR_TOO_LARGE },
    { "04", "", "", -1, ATRIUM_ERROR_FORBIDDEN },
    { "05", "short", "", -1, ATRIUM_ERROR_FORBIDDEN },
    { "", token, "[]", ATRIUM_ERROR_BAD_ARGS, ATRIUM_ERROR_BAD_ARGS },
    { "0g", token, "[]", ATRIUM_ERROR_BAD_ARGS, ATRIUM_ERROR_BAD_ARGS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInputStream) stream = stream_for (cases[i].head, cases[i].tail);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = NULL;
      gboolean ok = add (bridge, cases[i].key, G_OBJECT (stream), &error);

      g_test_message ("case %u", i);
      if (cases[i].add_code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_error (error, ATRIUM_ERROR, cases[i].add_code);
          g_assert_false (ok);
          g_clear_error (&error);
        }

      bytes = _atrium_bridge_claim_upload (bridge, cases[i].key, strlen (cases[i].key), &error);
      if (cases[i].claim_code < 0)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (g_bytes_get_size (bytes), ==,
                            strlen (cases[i].head) + strlen (cases[i].tail));
        }
      else
        {
          g_assert_error (error, ATRIUM_ERROR, cases[i].claim_code);
          g_assert_null (bytes);
        }
    }

  /* No body at all. */
  {
    g_autoptr(GObject) nothing = g_object_new (G_TYPE_OBJECT, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true (add (bridge, "06", nothing, &error));
    g_assert_null (_atrium_bridge_claim_upload (bridge, "06", 2, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN);
  }

  /* A key named twice: the second is refused, neither body is ever opened,
   * and the claim finds nothing. */
  {
    g_autoptr(GInputStream) first = stream_for (token, "[\"echo\",[],1]");
    g_autoptr(GInputStream) second = stream_for (token, "[\"echo\",[],2]");
    g_autoptr(GError) error = NULL;
    guint opened = n_opened;

    g_assert_true (add (bridge, "07", G_OBJECT (first), &error));
    g_assert_false (add (bridge, "07", G_OBJECT (second), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
    g_clear_error (&error);
    g_assert_null (_atrium_bridge_claim_upload (bridge, "07", 2, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
    g_assert_cmpuint (n_opened, ==, opened);
  }

  /* Bounded: past ATRIUM_BRIDGE_MAX_UPLOADS waiting, the next is refused as queue-full
   * (and the runtime then sends that call the usual way). */
  for (guint i = 0; ; i++)
    {
      g_autofree char *key = g_strdup_printf ("%x", 0x100 + i);
      g_autoptr(GInputStream) stream = stream_for (token, "[\"echo\",[],1]");
      g_autoptr(GError) error = NULL;

      if (!add (bridge, key, G_OBJECT (stream), &error))
        {
          g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL);
          g_assert_cmpuint (i, ==, ATRIUM_BRIDGE_MAX_UPLOADS);
          break;
        }
      g_assert_cmpuint (i, <, ATRIUM_BRIDGE_MAX_UPLOADS);
    }

  /* Closing the window drops what was never claimed (valgrind and ASan
   * see nothing left behind). */
  harness_close (window);
}

int
main (int   argc,
      char *argv[])
{
  /* The upload route is the script messages' way for large calls: these
   * tests hold the page to that transport (test-transport.c has the web
   * process extension's). */
  g_setenv ("ATRIUM_TRANSPORT", "script", TRUE);

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/upload/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  g_test_add_func ("/atrium/upload/large-echo", test_large_echo);
  g_test_add_func ("/atrium/upload/too-large", test_too_large);
  g_test_add_func ("/atrium/upload/hostile", test_hostile);
  g_test_add_func ("/atrium/upload/csp-fallback", test_csp_fallback);
  g_test_add_func ("/atrium/upload/bridge-limits", test_bridge_limits);

  return g_test_run ();
}

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
echo_cb (AtriumCall *call,
         gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);

  atrium_call_return_value (call, arg != NULL ? json_node_copy (arg) : NULL);
}

static void
worker_echo_cb (AtriumCall *call,
                gpointer    user_data)
{
  echo_cb (call, user_data);
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
  atrium_app_bind (app, "echo", echo_cb, NULL, NULL, 0);
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
 * uploads that are not there. */
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
    "  await post('?abcd', 'no token here ' + 'x'.repeat(100)),"
    "  await post('?abcd', T.slice(1)),"
    "  await post('?not-hex', message),"
    "  await post('', message),"
    "  await post('?' + 'a'.repeat(33), message),"
    "  await post('?abcd', null, 'GET'),"
    "  await raw(T + 'Uabcd'), await raw(T + 'U'), await raw(T + 'Uxyz'),"
    "  await raw('U' + T + 'abcd'),"
    /* An upload is claimed once: the second claim finds nothing. */
    "  await post('?beef', message), await raw(T + 'Ubeef'), await raw(T + 'Ubeef'),"
    "];", _atrium_app_get_token (app));
  g_autoptr(JsonNode) result = harness_run_js_json (window, body);
  JsonArray *a = json_node_get_array (result);
  static const char * const expected[] = {
    "403 forbidden", "403 forbidden", "400 bad-args", "400 bad-args", "400 bad-args",
    "405 null",
    "bad-args", "bad-args", "bad-args",
    "forbidden",
    "204 null", "resolved", "bad-args",
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

/* Straight at the bridge: what is kept, what is refused, and the bounds. */
static void
test_bridge_limits (void)
{
  g_autoptr(AtriumApp) app = upload_app_new (1024, 4096, NULL);
  AtriumWindow *window = harness_open (app, "/");
  AtriumBridge *bridge = _atrium_window_get_bridge (window);
  const char *token = _atrium_app_get_token (app);
  g_autofree char *big = g_strnfill (5000, 'x');
  g_autofree char *just_fits = g_strnfill (4096, 'x');
  guint stored = 0;

  struct {
    const char *key;
    const char *head;
    const char *tail;
    int         code;   /* -1: kept */
  } cases[] = {
    { "01", token, "[\"echo\",[1],1]", -1 },
    { "02", token, just_fits, -1 },
    { "03", token, big, ATRIUM_ERROR_TOO_LARGE },
    { "04", "", "", ATRIUM_ERROR_FORBIDDEN },
    { "05", "short", "", ATRIUM_ERROR_FORBIDDEN },
    { "", token, "[]", ATRIUM_ERROR_BAD_ARGS },
    { "0g", token, "[]", ATRIUM_ERROR_BAD_ARGS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GInputStream) stream = stream_for (cases[i].head, cases[i].tail);
      g_autoptr(GError) error = NULL;
      gboolean ok = _atrium_bridge_add_upload (bridge, cases[i].key, stream, -1, &error);

      g_test_message ("case %u", i);
      if (cases[i].code < 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          stored++;
        }
      else
        {
          g_assert_error (error, ATRIUM_ERROR, cases[i].code);
          g_assert_false (ok);
        }
    }

  /* No body at all. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (_atrium_bridge_add_upload (bridge, "06", NULL, -1, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN);
  }

  /* Bounded: past 64 waiting uploads, the next is refused as queue-full
   * (and the runtime then sends that call the usual way). */
  for (guint i = stored; ; i++)
    {
      g_autofree char *key = g_strdup_printf ("%x", 0x100 + i);
      g_autoptr(GInputStream) stream = stream_for (token, "[\"echo\",[],1]");
      g_autoptr(GError) error = NULL;

      if (!_atrium_bridge_add_upload (bridge, key, stream, -1, &error))
        {
          g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL);
          g_assert_cmpuint (i, ==, 64);
          break;
        }
      g_assert_cmpuint (i, <, 64);
    }

  /* Closing the window drops what was never claimed (valgrind and ASan
   * see nothing left behind). */
  harness_close (window);
}

int
main (int   argc,
      char *argv[])
{
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

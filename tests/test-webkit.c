#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include <libsoup/soup.h>

#include "atrium-app-private.h"
#include "atrium-screenshot-private.h"
#include "atrium-window-private.h"
#include "webkit-harness.h"

/* A real window, a real web process, a real page: the whole call path. */

static AtriumApp *dir_app;
static GThread *main_thread;
static AtriumCall *held_call;
static int sentinel_calls;
static int sleep_outcome;     /* atomic: 0 running, 1 ran out, 2 cancelled */
static int sleep_started;     /* atomic */

static void
fail_cb (AtriumCall *call,
         gpointer    user_data)
{
  atrium_call_return_error (call, ATRIUM_ERROR_FAILED, "it broke: %s", "on purpose");
}

static void
title_cb (AtriumCall *call,
          gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, gtk_window_get_title (GTK_WINDOW (window)));
  atrium_call_return_value (call, node);
}

static gboolean
finish_later_cb (gpointer data)
{
  AtriumCall *call = data;
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, "later");
  atrium_call_return_value (call, node);
  return G_SOURCE_REMOVE;
}

static void
async_cb (AtriumCall *call,
          gpointer    user_data)
{
  g_idle_add (finish_later_cb, call);
}

static void
worker_cb (AtriumCall *call,
           gpointer    user_data)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_boolean (node, g_thread_self () != main_thread);
  atrium_call_return_value (call, node);
}

static void
hold_cb (AtriumCall *call,
         gpointer    user_data)
{
  g_assert_null (held_call);
  held_call = call;
}

/* Counts calls: a foreign frame must never get it above zero. */
static void
sentinel_cb (AtriumCall *call,
             gpointer    user_data)
{
  g_atomic_int_inc (&sentinel_calls);
  atrium_call_return_value (call, NULL);
}

/* Waits on its cancellable for up to the given milliseconds. */
static void
sleep_cb (AtriumCall *call,
          gpointer    user_data)
{
  GCancellable *cancellable = atrium_call_get_cancellable (call);
  GPollFD pollfd;

  g_atomic_int_set (&sleep_started, TRUE);
  g_assert_true (g_cancellable_make_pollfd (cancellable, &pollfd));
  g_poll (&pollfd, 1, json_node_get_int (atrium_call_get_arg (call, 0)));
  g_cancellable_release_fd (cancellable);

  if (g_cancellable_is_cancelled (cancellable))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_CANCELLED, "stopped early");
      g_atomic_int_set (&sleep_outcome, 2);
    }
  else
    {
      atrium_call_return_value (call, NULL);
      g_atomic_int_set (&sleep_outcome, 1);
    }
}

static void
twice_cb (AtriumCall *call,
          gpointer    user_data)
{
  atrium_call_ref (call);
  atrium_call_return_value (call, NULL);
  /* The second finish is refused with a critical, tested in test-bridge; here
   * it is enough that the first answer arrives and nothing breaks. */
  atrium_call_unref (call);
}

/* Destroys the window its page called from, then answers (to nobody). */
static void
destroy_window_cb (AtriumCall *call,
                   gpointer    user_data)
{
  gtk_window_destroy (GTK_WINDOW (atrium_call_get_window (call)));
  atrium_call_return_value (call, NULL);
}

/* Held until cancelled; its cancel handler destroys the call's window. */
typedef struct
{
  AtriumCall   *call;
  AtriumWindow *window;
} DestroyOnCancel;

static int held_for_cancel;   /* a call waits in hold_destroy_on_cancel_cb */

static void
destroy_on_cancel_cb (GCancellable    *cancellable,
                      DestroyOnCancel *d)
{
  gtk_window_destroy (GTK_WINDOW (d->window));
  atrium_call_return_error (g_steal_pointer (&d->call), ATRIUM_ERROR_CANCELLED, "cancelled");
}

static void
hold_destroy_on_cancel_cb (AtriumCall *call,
                           gpointer    user_data)
{
  DestroyOnCancel *d = g_new0 (DestroyOnCancel, 1);

  d->call = call;
  d->window = atrium_call_get_window (call);
  g_cancellable_connect (atrium_call_get_cancellable (call), G_CALLBACK (destroy_on_cancel_cb),
                         d, g_free);
  held_for_cancel = TRUE;
}

static void
bind_test_methods (AtriumApp *app)
{
  atrium_app_bind (app, "test.sentinel", sentinel_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "test.sleep", sleep_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "test.worker.echo", harness_echo_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "test.twice", twice_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "echo", harness_echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "test.fail", fail_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "test.title", title_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "test.async", async_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  atrium_app_bind (app, "test.worker", worker_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "test.hold", hold_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  atrium_app_bind (app, "test.destroyWindow", destroy_window_cb, NULL, NULL,
                   ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "test.holdDestroyOnCancel", hold_destroy_on_cancel_cb, NULL, NULL,
                   ATRIUM_BIND_ASYNC);
}

static AtriumApp *
get_dir_app (void)
{
  if (dir_app == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumAssets) assets =
        atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);

      g_assert_no_error (error);
      dir_app = harness_app_new (assets);
      bind_test_methods (dir_app);
    }
  return dir_app;
}

/* Every kind of JSON value, each sent to echo and compared on return. */
static const char echo_values_js[] =
  "const values = ['', 'hello', 'üñíçødé 😀', 'quote\" back\\\\slash', 'line\\nbreak\\u2028tab\\t',"
  "  0, -1, 3.5, 0.1, -0.000001, 1e300, 5e-324, 9007199254740991, -9007199254740991,"
  "  true, false, null, [], {}, [1, [2, [3, [4, []]]]],"
  "  {a: {b: {c: [1, 'x', null, {d: false}]}}, 'key with space': 1, 'ü': 'ß'},"
  "  Array.from({length: 100}, (_, i) => i * 1.5),"
  "  'x'.repeat(100000)];"
  "const out = [];"
  "for (const v of values) {"
  "  const r = await atrium.call('echo', v);"
  "  out.push(JSON.stringify(r) === JSON.stringify(v) && typeof r === typeof v);"
  "}"
  "out.push(await atrium.call('echo') === null);"
  "out.push(await atrium.call('echo', undefined) === null);"
  "return out;";

static void
assert_all_true (JsonNode *node,
                 guint     expected_length)
{
  JsonArray *array = json_node_get_array (node);

  g_assert_cmpuint (json_array_get_length (array), ==, expected_length);
  for (guint i = 0; i < expected_length; i++)
    {
      g_test_message ("value %u", i);
      g_assert_true (json_array_get_boolean_element (array, i));
    }
}

static void
test_echo_directory (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window, echo_values_js);

  assert_all_true (result, 25);
  harness_assert_transport (window);
  harness_close (window);
}

static void
test_echo_resource (void)
{
  g_autoptr(AtriumAssets) assets = atrium_assets_new_for_resource ("/dev/atrium/Test/web");
  g_autoptr(AtriumApp) app = harness_app_new (assets);
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;

  bind_test_methods (app);
  window = harness_open (app, "/");
  result = harness_run_js_json (window, echo_values_js);
  assert_all_true (result, 25);

  /* The page itself came from the resource, not from a directory. */
  g_autoptr(JsonNode) title = harness_run_js_json (window, "return document.title;");
  g_assert_cmpstr (json_node_get_string (title), ==, "Atrium asset test");

  harness_close (window);
}

static void
test_not_found (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    "try { await atrium.call('no.such.method', 1); return 'resolved'; }"
    "catch (e) { return [e instanceof Error, e.name, e.code, e.message]; }");
  JsonArray *a = json_node_get_array (result);

  g_assert_true (json_array_get_boolean_element (a, 0));
  g_assert_cmpstr (json_array_get_string_element (a, 1), ==, "AtriumError");
  g_assert_cmpstr (json_array_get_string_element (a, 2), ==, "not-found");
  g_assert_nonnull (strstr (json_array_get_string_element (a, 3), "no.such.method"));

  harness_close (window);
}

static void
test_failed (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    "try { await atrium.call('test.fail'); return 'resolved'; }"
    "catch (e) { return [e.code, e.message]; }");
  JsonArray *a = json_node_get_array (result);

  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "failed");
  g_assert_cmpstr (json_array_get_string_element (a, 1), ==, "it broke: on purpose");

  harness_close (window);
}

static void
test_bad_messages (void)
{
  AtriumApp *app = get_dir_app ();
  AtriumWindow *window = harness_open (app, "/");
  g_autofree char *body = g_strdup_printf (
    "const T = '%s';"
    HARNESS_JS_RAW ("'atrium'") HARNESS_JS_CODE
    "const cyclic = {}; cyclic.self = cyclic;"
    "return ["
    "  await raw(42), await raw({method: 'echo'}), await raw(null), await raw('garbage'),"
    "  await raw('[\"echo\",[1]]'), await raw(T + 'not json'), await raw(T + '[\"echo\",5]'),"
    "  await raw(T + '{}'), await raw(T + '[\"echo\",[\"\\\\ud800\"]]'), await raw(T.slice(1) + '[\"echo\",[1]]'),"
    "  await code(() => atrium.call(123)), await code(() => atrium.call('')),"
    "  await code(() => atrium.call('echo', 10n)), await code(() => atrium.call('echo', cyclic)),"
    "  await atrium.call('echo', 'still alive')"
    "];", _atrium_app_get_token (app));
  g_autoptr(JsonNode) result = harness_run_js_json (window, body);
  JsonArray *a = json_node_get_array (result);
  static const char * const expected[] = {
    "bad-args", "bad-args", "bad-args", "forbidden",
    "forbidden", "bad-args", "bad-args",
    "bad-args", "bad-args", "forbidden",
    "bad-args", "bad-args",
    "bad-args", "bad-args",
    "still alive",
  };

  g_assert_cmpuint (json_array_get_length (a), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_test_message ("message %u", i);
      g_assert_cmpstr (json_array_get_string_element (a, i), ==, expected[i]);
    }

  harness_close (window);
}

static void
test_status_codes (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    "const get = async (p) => { const r = await fetch(p);"
    "  return [r.status, r.headers.get('content-type'), (await r.text()).length]; };"
    "return [await get('/style.css'), await get('/data.json'), await get('/missing.txt'),"
    "        await get('/%2e%2e%2f%2e%2e%2fetc/passwd'), await get('/a%00b'), await get('/')];");
  JsonArray *a = json_node_get_array (result);
  JsonArray *css = json_array_get_array_element (a, 0);
  JsonArray *json = json_array_get_array_element (a, 1);
  JsonArray *missing = json_array_get_array_element (a, 2);
  JsonArray *escape = json_array_get_array_element (a, 3);
  JsonArray *nul = json_array_get_array_element (a, 4);
  JsonArray *root = json_array_get_array_element (a, 5);

  g_assert_cmpint (json_array_get_int_element (css, 0), ==, 200);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (css, 1), "text/css"));
  g_assert_cmpint (json_array_get_int_element (json, 0), ==, 200);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (json, 1), "application/json"));
  g_assert_cmpint (json_array_get_int_element (missing, 0), ==, 404);
  g_assert_cmpint (json_array_get_int_element (escape, 0), >=, 400);
  g_assert_cmpint (json_array_get_int_element (escape, 0), <, 500);
  g_assert_cmpint (json_array_get_int_element (nul, 0), >=, 400);
  g_assert_cmpint (json_array_get_int_element (nul, 0), <, 500);
  g_assert_cmpint (json_array_get_int_element (root, 0), ==, 200);
  g_assert_true (g_str_has_prefix (json_array_get_string_element (root, 1), "text/html"));

  harness_close (window);
}

static void
test_modes (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    "return [await atrium.call('test.async'), await atrium.call('test.worker'),"
    "        await Promise.all(Array.from({length: 200}, (_, i) =>"
    "          atrium.call(i % 2 ? 'test.worker' : 'echo', i)))];");
  JsonArray *a = json_node_get_array (result);
  JsonArray *mixed = json_array_get_array_element (a, 2);

  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "later");
  g_assert_true (json_array_get_boolean_element (a, 1));
  g_assert_cmpuint (json_array_get_length (mixed), ==, 200);
  for (guint i = 0; i < 200; i++)
    {
      if (i % 2)
        g_assert_true (json_array_get_boolean_element (mixed, i));
      else
        g_assert_cmpint (json_array_get_int_element (mixed, i), ==, i);
    }

  harness_close (window);
}

static void
test_windows (void)
{
  AtriumApp *app = get_dir_app ();
  AtriumWindow *first = harness_open (app, "/");
  AtriumWindow *second = harness_open (app, "/");
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  gtk_window_set_title (GTK_WINDOW (first), "First");
  gtk_window_set_title (GTK_WINDOW (second), "Second");
  gtk_window_set_resizable (GTK_WINDOW (second), FALSE);
  atrium_window_set_min_size (second, 400, 300);

  /* Each page's call names its own window. */
  a = harness_run_js_json (first, "return await atrium.call('test.title');");
  b = harness_run_js_json (second, "return await atrium.call('test.title');");
  g_assert_cmpstr (json_node_get_string (a), ==, "First");
  g_assert_cmpstr (json_node_get_string (b), ==, "Second");

  g_assert_false (gtk_window_get_resizable (GTK_WINDOW (second)));
  {
    int w, h;

    gtk_widget_get_size_request (GTK_WIDGET (atrium_window_get_web_view (second)), &w, &h);
    g_assert_cmpint (w, ==, 400);
    g_assert_cmpint (h, ==, 300);
  }
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), >=, 2);

  harness_close (first);
  harness_close (second);
}

static void
test_close_mid_call (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  g_autoptr(GCancellable) cancellable = NULL;
  AtriumBridge *bridge = _atrium_window_get_bridge (window);
  JsonNode *late;

  g_autofree char *ignored = harness_run_js (window,
    "window.pendingCall = atrium.call('test.hold'); return true;");
  harness_wait_for (test_pointer_is_set, &held_call, "the page's call to test.hold");

  g_assert_cmpuint (_atrium_bridge_get_n_calls (bridge), ==, 1);
  g_assert_true (atrium_call_get_window (held_call) == window);
  cancellable = g_object_ref (atrium_call_get_cancellable (held_call));
  g_assert_false (g_cancellable_is_cancelled (cancellable));

  harness_close (window);

  /* The window is gone: the call knows, and a late result is dropped. */
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  g_assert_null (atrium_call_get_window (held_call));
  late = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (late, "too late");
  atrium_call_return_value (g_steal_pointer (&held_call), late);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
set_flag_cb (GtkWidget *widget,
             gboolean  *flag)
{
  *flag = TRUE;
}

/* A page's emit; the first listener destroys the sender. */
static void
destroy_sender_cb (AtriumApp    *app,
                   const char   *name,
                   JsonNode     *data,
                   AtriumWindow *sender,
                   gpointer      user_data)
{
  gtk_window_destroy (GTK_WINDOW (sender));
}

static void
record_sender_cb (AtriumApp    *app,
                  const char   *name,
                  JsonNode     *data,
                  AtriumWindow *sender,
                  gpointer      user_data)
{
  *(guint *) user_data = atrium_window_get_id (sender);
}

/* Closes the window from navigation-blocked, as an app that gives up on a
 * page that wandered off might. */
static gboolean
destroy_on_block_cb (AtriumWindow *window,
                     const char   *uri,
                     gboolean      user_gesture,
                     gboolean     *blocked)
{
  *blocked = TRUE;
  gtk_window_destroy (GTK_WINDOW (window));
  return TRUE;
}

static gboolean
load_failed_hook (GSignalInvocationHint *hint,
                  guint                  n_params,
                  const GValue          *params,
                  gpointer               data)
{
  *(gboolean *) data = TRUE;
  return TRUE;
}

/* A loopback port nothing listens on: one the kernel gave and took back. */
static guint
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

/* Runs @script in the page and asks for no answer: the window may be gone
 * before the page could give one. */
static void
page_runs (AtriumWindow *window,
           const char   *script)
{
  webkit_web_view_evaluate_javascript (atrium_window_get_web_view (window), script, -1,
                                       NULL, NULL, NULL, NULL, NULL);
}

/* Opens a window whose destruction sets *destroyed. */
static AtriumWindow *
open_watched (AtriumApp *app,
              gboolean  *destroyed)
{
  AtriumWindow *window = harness_open (app, "/");

  *destroyed = FALSE;
  g_signal_connect (window, "destroy", G_CALLBACK (set_flag_cb), destroyed);
  return window;
}

/* A call the page makes and C holds until it is cancelled. */
static void
hold_for_cancel (AtriumWindow *window)
{
  g_autofree char *ignored = NULL;

  held_for_cancel = FALSE;
  ignored = harness_run_js (window,
                            "window.p = atrium.call('test.holdDestroyOnCancel'); return true;");
  harness_wait_for (test_flag_is_set, &held_for_cancel, "the page's call to be held");
}

/* App code that runs inside Atrium's handling of a page's message or of
 * its load may destroy the window there and then: a main-thread method,
 * the first of two event listeners, a call's cancel handler (for the
 * page's cancel, and for the end of its web process), a
 * navigation-blocked handler (from a commit and from a failed load).
 * Atrium's handlers keep what they still touch alive, the next listener
 * gets the window, and the app keeps working. A use after free in Atrium
 * shows under ASan (CI's asanwebkit run); WebKit's own reads of a freed
 * view (after web-process-terminated, after load-failed) crashed this test
 * more often than not, and show every time under valgrind:
 *   tests/headless-run valgrind build/tests/test-webkit \
 *     -p /atrium/webkit/app-destroys-window-mid-message
 * (with the environment meson gives the suite). */
static void
test_app_destroys_window_mid_message (void)
{
  AtriumApp *app = get_dir_app ();
  gboolean destroyed = FALSE;
  gboolean blocked = FALSE;
  guint seen_id = 0;
  guint id;
  gulong first, second;
  AtriumWindow *window;

  /* A method. */
  window = open_watched (app, &destroyed);
  page_runs (window, "atrium.call('test.destroyWindow');");
  harness_wait_for (test_flag_is_set, &destroyed, "the method to destroy its own window");

  /* Event listeners: the second still gets the sender. */
  window = open_watched (app, &destroyed);
  id = atrium_window_get_id (window);
  first = atrium_app_on (app, "test.destroy-sender", destroy_sender_cb, NULL, NULL);
  second = atrium_app_on (app, "test.destroy-sender", record_sender_cb, &seen_id, NULL);
  page_runs (window, "atrium.emit('test.destroy-sender', 1);");
  harness_wait_for (test_flag_is_set, &seen_id, "the second listener to get the event");
  g_assert_true (destroyed);
  g_assert_cmpuint (seen_id, ==, id);
  g_assert_true (atrium_app_off (app, first));
  g_assert_true (atrium_app_off (app, second));

  /* A cancel handler, for the page's cancel. */
  window = open_watched (app, &destroyed);
  hold_for_cancel (window);
  page_runs (window, "window.p.cancel();");
  harness_wait_for (test_flag_is_set, &destroyed, "the cancel handler to destroy the window");

  /* A cancel handler, for the end of the page's web process. */
  window = open_watched (app, &destroyed);
  hold_for_cancel (window);
  webkit_web_view_terminate_web_process (atrium_window_get_web_view (window));
  harness_wait_for (test_flag_is_set, &destroyed,
                    "the cancel handler to destroy the window as its web process ended");

  /* navigation-blocked, from the top frame's commit of about:blank. */
  window = open_watched (app, &destroyed);
  g_signal_connect (window, "navigation-blocked", G_CALLBACK (destroy_on_block_cb), &blocked);
  page_runs (window, "location.href = 'about:blank';");
  harness_wait_for (test_flag_is_set, &blocked, "the navigation to about:blank to be blocked");
  g_assert_true (destroyed);

  /* navigation-blocked, from a load of the web that failed: a loopback
   * port just let go of refuses the connection (port 1 would not do:
   * WebKit refuses restricted ports without a load-failed). */
  {
    g_autofree char *script = g_strdup_printf ("location.href = 'http://127.0.0.1:%u/';",
                                               closed_port ());

    guint load_failed = g_signal_lookup ("load-failed", WEBKIT_TYPE_WEB_VIEW);
    gboolean failed = FALSE;
    gulong hook;

    blocked = FALSE;
    window = open_watched (app, &destroyed);
    g_signal_connect (window, "navigation-blocked", G_CALLBACK (destroy_on_block_cb), &blocked);
    /* That it was load-failed that blocked it (the window's handler stops
     * the emission, so the hook sees it). */
    hook = g_signal_add_emission_hook (load_failed, 0, load_failed_hook, &failed, NULL);
    page_runs (window, script);
    harness_wait_for (test_flag_is_set, &blocked, "the failed load of the web to be blocked");
    g_signal_remove_emission_hook (load_failed, hook);
    g_assert_true (destroyed);
    g_assert_true (failed);
  }

  /* The app goes on. */
  window = harness_open (app, "/");
  {
    g_autoptr(JsonNode) result = harness_run_js_json (window,
                                                      "return await atrium.call('echo', 'on');");

    g_assert_cmpstr (json_node_get_string (result), ==, "on");
  }
  harness_close (window);
}

static void
test_cancel (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *ignored = NULL;
  JsonArray *a;

  g_atomic_int_set (&sleep_outcome, 0);
  g_atomic_int_set (&sleep_started, FALSE);
  ignored = harness_run_js (window, "window.p = atrium.call('test.sleep', 60000); return true;");
  /* Cancel once the method is running, to see it stop early. */
  harness_wait_for (test_flag_is_set, &sleep_started, "test.sleep to start on its worker");

  result = harness_run_js_json (window,
    "const p = window.p;"
    "const first = p.cancel();"
    "let code;"
    "try { await p; code = 'resolved'; } catch (e) { code = e.code; }"
    "return [first, p.cancel(), code];");
  a = json_node_get_array (result);
  g_assert_true (json_array_get_boolean_element (a, 0));
  g_assert_false (json_array_get_boolean_element (a, 1));
  g_assert_cmpstr (json_array_get_string_element (a, 2), ==, "cancelled");

  /* The Promise settled at once; the worker hears about it and stops early
   * instead of sleeping for a minute. */
  harness_wait_for (test_flag_is_set, &sleep_outcome, "the cancelled test.sleep to return");
  g_assert_cmpint (g_atomic_int_get (&sleep_outcome), ==, 2);

  harness_close (window);
}

static void
test_close_with_worker_in_flight (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  AtriumBridge *bridge = _atrium_window_get_bridge (window);
  g_autofree char *ignored = NULL;

  g_atomic_int_set (&sleep_outcome, 0);
  g_atomic_int_set (&sleep_started, FALSE);
  ignored = harness_run_js (window, "window.p = atrium.call('test.sleep', 60000); return true;");
  /* Close once the method runs on its worker, to see it stop early; a call
   * cancelled before a thread takes it is answered without running. */
  harness_wait_for (test_flag_is_set, &sleep_started, "test.sleep to start on its worker");
  g_assert_cmpuint (_atrium_bridge_get_n_calls (bridge), ==, 1);

  harness_close (window);

  /* Closing cancelled the call; its late result finds no window. */
  harness_wait_for (test_flag_is_set, &sleep_outcome,
                    "test.sleep, cancelled by closing its window, to return");
  g_assert_cmpint (g_atomic_int_get (&sleep_outcome), ==, 2);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
test_many_in_flight (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    "const n = 20000;"
    "const answers = await Promise.all(Array.from({length: n}, (_, i) =>"
    "  atrium.call(i % 2 ? 'test.worker.echo' : 'echo', {i, s: 'v' + i})));"
    "let wrong = 0;"
    "answers.forEach((a, i) => { if (a.i !== i || a.s !== 'v' + i) wrong++; });"
    "return [answers.length, wrong];");
  JsonArray *a = json_node_get_array (result);

  g_assert_cmpint (json_array_get_int_element (a, 0), ==, 20000);
  g_assert_cmpint (json_array_get_int_element (a, 1), ==, 0);

  harness_close (window);
}

static void
test_bad_input_via_runtime (void)
{
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    HARNESS_JS_CODE
    "let deep = []; for (let i = 0; i < 100000; i++) deep = [deep];"
    "let over = []; for (let i = 0; i < 600; i++) over = [over];"
    "let under = []; for (let i = 0; i < 500; i++) under = [under];"
    "return ["
    "  await code(() => atrium.call('echo', deep)),"
    "  await code(() => atrium.call('echo', over)),"
    "  await code(() => atrium.call('echo', under)),"
    "  await code(() => atrium.call('echo', 'lone \\ud800 surrogate')),"
    "  await code(() => atrium.call('echo', {f() {}}.f)),"
    "  await code(() => atrium.call('test.twice')),"
    "  await atrium.call('echo', 'still alive')"
    "];");
  JsonArray *a = json_node_get_array (result);

  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "bad-args");
  g_assert_cmpstr (json_array_get_string_element (a, 1), ==, "bad-args");
  g_assert_cmpstr (json_array_get_string_element (a, 2), ==, "resolved");
  g_assert_cmpstr (json_array_get_string_element (a, 3), ==, "bad-args");
  /* A function serialises to nothing: JSON.stringify([f]) is [null]. */
  g_assert_cmpstr (json_array_get_string_element (a, 4), ==, "resolved");
  g_assert_cmpstr (json_array_get_string_element (a, 5), ==, "resolved");
  g_assert_cmpstr (json_array_get_string_element (a, 6), ==, "still alive");

  harness_close (window);
}

static void
test_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  g_autoptr(AtriumApp) app = harness_app_new (assets);
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *body = NULL;
  JsonArray *a;

  bind_test_methods (app);
  atrium_app_set_max_message_size (app, 1000);
  window = harness_open (app, "/");

  /* The runtime refuses it before copying it to C; a message that gets past
   * the runtime (posted by hand with the token) is refused by C. */
  body = g_strdup_printf (
    HARNESS_JS_CODE HARNESS_JS_RAW ("'atrium'")
    "return ["
    "  await code(() => atrium.call('echo', 'x'.repeat(2000))),"
    "  await raw('%s' + JSON.stringify(['echo', ['x'.repeat(2000)], 1])),"
    "  await code(() => atrium.call('echo', 'x'.repeat(900))),"
    "];", _atrium_app_get_token (app));
  result = harness_run_js_json (window, body);
  a = json_node_get_array (result);
  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "too-large");
  g_assert_cmpstr (json_array_get_string_element (a, 1), ==, "too-large");
  g_assert_cmpstr (json_array_get_string_element (a, 2), ==, "resolved");

  harness_close (window);
}

/* A plain HTTP origin that is not the app, for foreign frames to come from. */
static void
foreign_server_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (g_strcmp0 (path, "/foreign.js") == 0)
    {
      g_file_get_contents (g_test_get_filename (G_TEST_DIST, "pages", "foreign.js", NULL),
                           &contents, &length, NULL);
      soup_server_message_set_response (msg, "text/javascript", SOUP_MEMORY_COPY, contents, length);
    }
  else
    {
      static const char page[] =
        "<!DOCTYPE html><title>foreign</title>"
        "<script data-kind=\"http\" src=\"/foreign.js\"></script>";
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, page, strlen (page));
    }
  soup_server_message_set_status (msg, 200, NULL);
}

static char *
start_foreign_server (SoupServer **out)
{
  guint port;

  *out = harness_foreign_server_new (foreign_server_cb, NULL, &port);
  return g_strdup_printf ("http://127.0.0.1:%u/", port);
}

static void
test_foreign_frames (void)
{
  g_autoptr(SoupServer) server = NULL;
  g_autofree char *base = start_foreign_server (&server);
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) result = NULL;
  JsonArray *frames;

  /* Remote frames are the app's to allow: this one does. */
  g_assert_no_error (error);
  app = harness_app_new (assets);
  bind_test_methods (app);
  atrium_app_set_remote_frames (app, TRUE);
  window = harness_open (app, "/");

  g_atomic_int_set (&sentinel_calls, 0);
  body = g_strdup_printf (
    "const reports = new Promise((resolve) => {"
    "  const got = {};"
    "  window.addEventListener('message', (e) => {"
    "    got[e.data.kind] = e.data.results;"
    "    if (Object.keys(got).length === 3) resolve(got);"
    "  });"
    "});"
    "const add = (attrs) => { const f = document.createElement('iframe');"
    "  Object.assign(f, attrs); document.body.appendChild(f); return f; };"
    /* Inline: frames of other origins, opaque ones included, cannot load
     * app:// scripts (atrium-scheme.c). */
    "const source = await (await fetch('/foreign.js')).text();"
    "const s = add({}); s.setAttribute('sandbox', 'allow-scripts');"
    "s.srcdoc = '<script data-kind=\"sandboxed\">' + source + '</' + 'script>';"
    "add({src: 'data:text/html,' + encodeURIComponent("
    "  '<script data-kind=\"data\">' + source + '</' + 'script>')});"
    "add({src: '%sframe.html'});"
    "const got = await reports;"
    "return [got.sandboxed, got.data, got.http];", base);
  result = harness_run_js_json (window, body);
  frames = json_node_get_array (result);

  for (guint f = 0; f < 3; f++)
    {
      JsonArray *results = json_array_get_array_element (frames, f);
      guint n = json_array_get_length (results);

      g_test_message ("frame %u", f);
      /* Each frame tried, got no runtime of its own, and could not reach
       * the parent's. */
      g_assert_cmpuint (n, >=, 3);
      g_assert_cmpstr (json_array_get_string_element (results, n - 2), ==, "parent:blocked");
      g_assert_cmpstr (json_array_get_string_element (results, n - 1), ==,
                       "own-runtime:undefined");
      for (guint i = 0; i < n - 2; i++)
        g_assert_false (g_str_equal (json_array_get_string_element (results, i), "atrium:resolved"));
    }

  /* Whatever they posted, no bound method ran. */
  g_assert_cmpint (g_atomic_int_get (&sentinel_calls), ==, 0);

  /* The app's own page still can. */
  g_clear_pointer (&result, json_node_unref);
  result = harness_run_js_json (window, "await atrium.call('test.sentinel'); return true;");
  g_assert_cmpint (g_atomic_int_get (&sentinel_calls), ==, 1);

  harness_close (window);
}

/* Records the URI and keeps the default handler from opening a browser. */
static gboolean
navigation_blocked_cb (AtriumWindow *window,
                       const char   *uri,
                       gboolean      user_gesture,
                       char        **out)
{
  g_free (*out);
  *out = g_strdup (uri);
  return TRUE;
}

static void
test_top_level_navigation (void)
{
  g_autoptr(SoupServer) server = NULL;
  g_autofree char *base = start_foreign_server (&server);
  AtriumWindow *window = harness_open (get_dir_app (), "/");
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  const char *targets[] = { NULL, "data:text/html,<p>away</p>" };
  g_autofree char *frame = g_strconcat (base, "frame.html", NULL);

  targets[0] = frame;
  g_atomic_int_set (&sentinel_calls, 0);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *blocked = NULL;
      g_autofree char *body = g_strdup_printf ("location.href = '%s'; return true;", targets[i]);
      g_autofree char *ignored = NULL;
      gulong id = g_signal_connect (window, "navigation-blocked",
                                    G_CALLBACK (navigation_blocked_cb), &blocked);

      ignored = harness_run_js (window, body);
      harness_wait_for (test_pointer_is_set, &blocked, "the navigation to be blocked");
      g_signal_handler_disconnect (window, id);

      g_test_message ("blocked %s", blocked);
      g_assert_true (g_str_has_prefix (webkit_web_view_get_uri (web_view), "app://localhost/"));
    }

  /* window.open() to the web is blocked the same way. */
  {
    g_autofree char *blocked = NULL;
    g_autofree char *ignored = NULL;
    gulong id = g_signal_connect (window, "navigation-blocked",
                                  G_CALLBACK (navigation_blocked_cb), &blocked);

    ignored = harness_run_js (window, "window.open('https://example.org/'); return true;");
    harness_wait_for (test_pointer_is_set, &blocked, "window.open() to the web to be blocked");
    g_signal_handler_disconnect (window, id);
    g_assert_cmpstr (blocked, ==, "https://example.org/");
  }

  /* Still the app, with its runtime, and nothing foreign ran a method. */
  {
    g_autoptr(JsonNode) result = harness_run_js_json (window,
      "return [location.protocol, await atrium.call('echo', 'home')];");
    JsonArray *a = json_node_get_array (result);

    g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "app:");
    g_assert_cmpstr (json_array_get_string_element (a, 1), ==, "home");
  }
  g_assert_cmpint (g_atomic_int_get (&sentinel_calls), ==, 0);
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (get_dir_app ()))),
                    ==, 1);

  harness_close (window);
}

static void
kill_at_load_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 guint           *killed)
{
  if (event == WEBKIT_LOAD_FINISHED && *killed == 0)
    {
      (*killed)++;
      webkit_web_view_terminate_web_process (web_view);
    }
}

static gboolean
app_quit (gpointer app)
{
  return atrium_app_get_exit_status (app) >= 0;
}

/* The web process ending under --screenshot (it crashes now and then on a
 * loaded machine) used to fail every later snapshot: the page is loaded
 * again in a new one and the picture is taken. */
static void
test_screenshot_survives_web_process_end (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  g_autoptr(AtriumApp) app = NULL;
  g_autofree char *dir = g_dir_make_tmp ("atrium-shot-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "shot.png", NULL);
  g_autoptr(GdkTexture) texture = NULL;
  AtriumWindow *window;
  guint killed = 0;

  g_assert_no_error (error);
  app = harness_app_new (assets);
  window = atrium_window_new (app);
  _atrium_screenshot_start (app, window, path);
  g_signal_connect (atrium_window_get_web_view (window), "load-changed",
                    G_CALLBACK (kill_at_load_cb), &killed);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  atrium_window_load (window, "/");
  gtk_window_present (GTK_WINDOW (window));

  test_stdout_to_stderr_begin ();
  harness_wait_for (app_quit, app, "the screenshot to be taken after the web process ended");
  test_stdout_to_stderr_end ();
  g_assert_cmpuint (killed, ==, 1);
  g_assert_cmpint (atrium_app_get_exit_status (app), ==, 0);
  texture = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), >, 0);

  harness_close (window);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/webkit/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  main_thread = g_thread_self ();

  g_test_add_func ("/atrium/webkit/echo/directory", test_echo_directory);
  g_test_add_func ("/atrium/webkit/echo/resource", test_echo_resource);
  g_test_add_func ("/atrium/webkit/errors/not-found", test_not_found);
  g_test_add_func ("/atrium/webkit/errors/failed", test_failed);
  g_test_add_func ("/atrium/webkit/errors/bad-messages", test_bad_messages);
  g_test_add_func ("/atrium/webkit/scheme/status-codes", test_status_codes);
  g_test_add_func ("/atrium/webkit/modes", test_modes);
  g_test_add_func ("/atrium/webkit/windows", test_windows);
  g_test_add_func ("/atrium/webkit/close-mid-call", test_close_mid_call);
  g_test_add_func ("/atrium/webkit/close-with-worker-in-flight", test_close_with_worker_in_flight);
  g_test_add_func ("/atrium/webkit/cancel", test_cancel);
  g_test_add_func ("/atrium/webkit/app-destroys-window-mid-message",
                   test_app_destroys_window_mid_message);
  g_test_add_func ("/atrium/webkit/many-in-flight", test_many_in_flight);
  g_test_add_func ("/atrium/webkit/errors/bad-input-via-runtime", test_bad_input_via_runtime);
  g_test_add_func ("/atrium/webkit/errors/too-large", test_too_large);
  g_test_add_func ("/atrium/webkit/foreign/frames", test_foreign_frames);
  g_test_add_func ("/atrium/webkit/foreign/top-level-navigation", test_top_level_navigation);
  g_test_add_func ("/atrium/webkit/screenshot/web-process-ends",
                   test_screenshot_survives_web_process_end);

  status = g_test_run ();

  g_clear_object (&dir_app);
  return status;
}

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "atrium-app-private.h"
#include "atrium-bridge-private.h"
#include "atrium-window-private.h"
#include "webkit-harness.h"

/* The web process extension's transport for calls (shell/extension/):
 * which transport a page gets (the extension when it is loaded, script
 * messages when it is missing or switched off), bytes across it at the
 * sizes around its memfd threshold, and who can reach its native function:
 * the runtime only, never the page, an iframe of any kind or a page of
 * another host. test-bytes runs its whole suite over both transports too
 * (tests/meson.build); test-wire has what a web process could forge, unit
 * by unit, and /hostile-web-process sends it from a web process. */

#define REPORT_DEADLINE_MS 20000
static SoupServer *foreign;
static guint foreign_port;

#define JS_HELPERS \
  "const bytes = (n, seed = 0) => { const a = new Uint8Array(n);" \
  "  for (let i = 0; i < n; i++) a[i] = (i * 7 + seed) & 255; return a; };" \
  "const same = (a, b) => { if (!(a instanceof Uint8Array) || a.length !== b.length) return false;" \
  "  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false; return true; };"

#define FRAME_REPORT_JS HARNESS_JS_FRAME_REPORT (REPORT_DEADLINE_MS)

/* What a frame reports of itself: whether it sees the native function,
 * the runtime, or anything of either through its parent. */
#define PROBE_JS \
  "const probe = () => { let parentNative = 'blocked';" \
  "  try { parentNative = typeof parent.__atriumNative; } catch (_) { }" \
  "  return [typeof window.__atriumNative, '__atriumNative' in window, typeof window.atrium," \
  "    parentNative].join(' '); };"

static void
foreign_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  static const char page[] =
    "<!DOCTYPE html><meta charset=utf-8><script>" PROBE_JS
    "window.probed = probe(); if (parent !== window)"
    "  parent.postMessage({from: 'foreign', results: window.probed}, '*');"
    "</script>";

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, page, strlen (page));
}

typedef struct
{
  const char *transport;      /* ATRIUM_TRANSPORT, or NULL */
  const char *extensions_dir; /* ATRIUM_WEB_EXTENSIONS_DIR, or NULL for the test's */
} Setup;

/* An app made under @setup's environment, which an app reads when it makes
 * its web context (its first window): the environment is put back after. */
static AtriumWindow *
open_with (const Setup  *setup,
           AtriumApp   **app_out)
{
  g_autofree char *saved_transport = g_strdup (g_getenv ("ATRIUM_TRANSPORT"));
  g_autofree char *saved_dir = g_strdup (g_getenv ("ATRIUM_WEB_EXTENSIONS_DIR"));
  AtriumApp *app = harness_app_new_for_pages (ATRIUM_BUILTIN_NONE);
  AtriumWindow *window;

  atrium_app_set_remote_frames (app, TRUE);
  atrium_app_bind (app, "echo", harness_echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "echo.worker", harness_echo_cb, NULL, NULL, ATRIUM_BIND_WORKER);

  if (setup->transport != NULL)
    g_setenv ("ATRIUM_TRANSPORT", setup->transport, TRUE);
  else
    g_unsetenv ("ATRIUM_TRANSPORT");
  if (setup->extensions_dir != NULL)
    g_setenv ("ATRIUM_WEB_EXTENSIONS_DIR", setup->extensions_dir, TRUE);
  window = harness_open (app, "/");
  if (saved_transport != NULL)
    g_setenv ("ATRIUM_TRANSPORT", saved_transport, TRUE);
  else
    g_unsetenv ("ATRIUM_TRANSPORT");
  if (saved_dir != NULL)
    g_setenv ("ATRIUM_WEB_EXTENSIONS_DIR", saved_dir, TRUE);
  else
    g_unsetenv ("ATRIUM_WEB_EXTENSIONS_DIR");

  *app_out = app;
  return window;
}

static void
get_stats (AtriumWindow *window,
           guint64      *script_calls,
           guint64      *extension_calls)
{
  _atrium_bridge_get_transport_stats (_atrium_window_get_bridge (window), script_calls,
                                      extension_calls);
}

/* Tests */

static void
test_round_trips (void)
{
  static const Setup setup = { NULL, NULL };
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;
  guint64 script_calls, extension_calls;

  g_test_summary ("With the extension loaded, calls go through it: bytes round trips at 0, 1, "
                  "64 KiB - 1, 64 KiB (the memfd threshold) and 16 MiB, 300 values of 64 KiB "
                  "(more than WebKit carries files in one message), on the main thread and "
                  "a worker, nested and mixed with JSON, every kind of binary value, and the "
                  "page never sees the native function");
  if (!harness_need_web_extension ())
    return;

  window = open_with (&setup, &app);
  harness_assert_js (window,
    JS_HELPERS
    "const sizes = [0, 1, 65535, 65536, 16 * 1024 * 1024];"
    "for (const n of sizes) {"
    "  const a = bytes(n, n);"
    "  if (!same(await atrium.call('echo', a), a)) return 'echo ' + n;"
    "  if (!same(await atrium.call('echo.worker', a), a)) return 'worker ' + n;"
    "}"
    /* More large values than WebKit carries files in one message. */
    "const many = Array.from({length: 300}, (_, i) => bytes(65536, i));"
    "for (const m of ['echo', 'echo.worker']) {"
    "  const back = await atrium.call(m, many);"
    "  if (back.length !== 300 || !back.every((b, i) => same(b, many[i]))) return m + ' many';"
    "}"
    /* A string result comes as itself, never parsed: one that reads as
     * JSON stays a string. */
    "const texts = ['', 'a', 'null', '[1]', '\"x\"', '{}', 'é\\u2028\\u2029😀\\\\', 'x'.repeat(1 << 20)];"
    "for (const m of ['echo', 'echo.worker'])"
    "  for (const t of texts) { const back = await atrium.call(m, t);"
    "    if (typeof back !== 'string' || back !== t) return m + ' text ' + JSON.stringify(t.slice(0, 9)); }"
    "const mixed = await atrium.call('echo', {s: 'é\\u2028', n: [1, 2.5, null, true],"
    "  deep: {small: bytes(3), large: bytes(70000), list: [bytes(1), 'x', bytes(65536, 1)]}});"
    "if (mixed.s !== 'é\\u2028' || JSON.stringify(mixed.n) !== '[1,2.5,null,true]') return 'json';"
    "if (!same(mixed.deep.small, bytes(3)) || !same(mixed.deep.large, bytes(70000))"
    "    || !same(mixed.deep.list[0], bytes(1)) || mixed.deep.list[1] !== 'x'"
    "    || !same(mixed.deep.list[2], bytes(65536, 1))) return 'nested';"
    "for (const T of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,"
    "    Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]) {"
    "  const t = new T(new ArrayBuffer(64 * T.BYTES_PER_ELEMENT + 8), 8, 64);"
    "  new Uint8Array(t.buffer).forEach((_, i, u) => { u[i] = i; });"
    "  const view = new Uint8Array(t.buffer, t.byteOffset, t.byteLength);"
    "  if (!same(await atrium.call('echo', t), view)) return T.name;"
    "}"
    "const dv = new DataView(bytes(100).buffer, 10, 20);"
    "if (!same(await atrium.call('echo', dv), bytes(100).subarray(10, 30))) return 'DataView';"
    "if (!same(await atrium.call('echo', bytes(9).buffer), bytes(9))) return 'ArrayBuffer';"
    "if (!same(await atrium.call('echo', new Blob([bytes(70000)])), bytes(70000))) return 'Blob';"
    "if (!same(await atrium.call('echo', new File([bytes(5)], 'f.bin')), bytes(5))) return 'File';"
    /* The view sent is the view as it was at the call. */
    "const changing = bytes(10); const p = atrium.call('echo', changing); changing[0] = 99;"
    "if ((await p)[0] !== 0) return 'snapshot';"
    "return ['__atriumNative' in window, typeof window.__atriumNative].join(' ');",
    "\"false undefined\"");

  get_stats (window, &script_calls, &extension_calls);
  g_assert_cmpuint (script_calls, ==, 0);
  g_assert_cmpuint (extension_calls, >=, 10 + 1 + 11 + 5);
}

/* The page gets no native function and its calls go as script messages. */
static void
assert_script_path (const Setup *setup)
{
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window = open_with (setup, &app);
  guint64 script_calls, extension_calls;

  harness_assert_js (window,
    JS_HELPERS
    "const a = bytes(70000);"
    "if (!same(await atrium.call('echo', a), a)) return 'echo';"
    "return typeof window.__atriumNative;",
    "\"undefined\"");
  get_stats (window, &script_calls, &extension_calls);
  g_assert_cmpuint (script_calls, >=, 1);
  g_assert_cmpuint (extension_calls, ==, 0);
}

static void
test_fallback_missing (void)
{
  g_autofree char *empty = g_dir_make_tmp ("atrium-no-extension-XXXXXX", NULL);
  const Setup setup = { NULL, empty };

  g_test_summary ("Without the extension where libatrium looks for it, calls go as script "
                  "messages, by themselves");
  g_assert_nonnull (empty);
  assert_script_path (&setup);
  rmdir (empty);
}

static void
test_forced_off (void)
{
  static const Setup setup = { "script", NULL };

  g_test_summary ("ATRIUM_TRANSPORT=script keeps calls on script messages with the extension "
                  "built and found");
  assert_script_path (&setup);
}

static void
test_forced_on_missing (void)
{
  g_autofree char *empty = g_dir_make_tmp ("atrium-no-extension-XXXXXX", NULL);
  const Setup setup = { "extension", empty };
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;
  guint64 script_calls, extension_calls;

  g_test_summary ("ATRIUM_TRANSPORT=extension without the extension fails calls with failed "
                  "rather than falling back unnoticed");
  window = open_with (&setup, &app);
  harness_assert_js (window, HARNESS_JS_CODE "return await code(() => atrium.call('echo', 1));",
                     "\"failed\"");
  get_stats (window, &script_calls, &extension_calls);
  g_assert_cmpuint (script_calls + extension_calls, ==, 0);
  rmdir (empty);
}

typedef struct
{
  gboolean  done;
  char     *value;
} Probe;

static void
probe_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Probe *probe = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JSCValue) value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (source),
                                                                          result, &error);

  g_assert_no_error (error);
  probe->value = jsc_value_to_string (value);
  probe->done = TRUE;
}

static void
test_hostile_frames (void)
{
  static const Setup setup = { NULL, NULL };
  g_autoptr(AtriumApp) app = NULL;
  g_autofree char *body = NULL;
  g_autoptr(WebKitWebView) foreign_view = NULL;
  g_autofree char *foreign_uri = NULL;
  AtriumWindow *window;

  g_test_summary ("Only the app's own top frame gets the native function, and its runtime "
                  "takes it away before the page runs: an iframe of the app, a sandboxed "
                  "srcdoc frame, a foreign iframe and a page of another host in a view of the "
                  "app's web context see none");
  if (!harness_need_web_extension ())
    return;

  window = open_with (&setup, &app);
  body = g_strdup_printf (
    FRAME_REPORT_JS PROBE_JS
    "const inner = (from) => '<!DOCTYPE html><script>' + probe.toString().replace(/^/, 'const probe = ')"
    "  + '; parent.postMessage({from: ' + JSON.stringify(from) + ', results: probe()}, `*`);<' + '/script>';"
    "const own = await new Promise((resolve) => { const f = frame({src: '/index.html'});"
    "  f.onload = () => resolve([typeof f.contentWindow.__atriumNative,"
    "    '__atriumNative' in f.contentWindow, typeof f.contentWindow.atrium].join(' '));"
    "  document.body.append(f); });"
    "return {top: probe(), own,"
    "  sandboxed: await report('sandboxed', frame({sandbox: 'allow-scripts', srcdoc: inner('sandboxed')})),"
    "  sameOriginSandbox: await report('sos', frame({sandbox: 'allow-scripts allow-same-origin',"
    "    srcdoc: inner('sos')})),"
    "  foreign: await report('foreign', frame({src: 'http://127.0.0.1:%u/probe.html'})),"
    /* The call still works: nothing was taken from the runtime. */
    "  echo: await atrium.call('echo', 'still')};", foreign_port);
  {
    g_autoptr(JsonNode) result = harness_run_js_json (window, body);
    JsonObject *all = json_node_get_object (result);

    /* top: the page's own view of itself, parent is itself. */
    g_assert_cmpstr (json_object_get_string_member (all, "top"), ==,
                     "undefined false object undefined");
    g_assert_cmpstr (json_object_get_string_member (all, "own"), ==, "undefined false undefined");
    g_assert_cmpstr (json_object_get_string_member (all, "sandboxed"), ==,
                     "undefined false undefined blocked");
    g_assert_cmpstr (json_object_get_string_member (all, "sameOriginSandbox"), ==,
                     "undefined false undefined undefined");
    g_assert_cmpstr (json_object_get_string_member (all, "foreign"), ==,
                     "undefined false undefined blocked");
    g_assert_cmpstr (json_object_get_string_member (all, "echo"), ==, "still");
  }

  /* A page of another host, top frame of a view on the app's context: it
   * probes itself as it loads (window.probed). */
  foreign_view = g_object_ref_sink (g_object_new (WEBKIT_TYPE_WEB_VIEW, "web-context",
                                                  atrium_app_get_web_context (app), NULL));
  foreign_uri = g_strdup_printf ("http://127.0.0.1:%u/probe.html", foreign_port);
  harness_load_uri (foreign_view, foreign_uri,
                    "the foreign page to load in a view of the app's web context");
  {
    Probe probe = { FALSE, NULL };

    webkit_web_view_evaluate_javascript (foreign_view, "window.probed", -1, NULL, NULL, NULL,
                                         probe_done_cb, &probe);
    harness_wait (&probe.done, "the foreign page's probe");
    g_assert_cmpstr (probe.value, ==, "undefined false undefined undefined");
    g_free (probe.value);
  }
}

static AtriumCall *held;

/* hold(x): keeps the call, unanswered. */
static void
hold_cb (AtriumCall *call,
         gpointer    user_data)
{
  held = call;
}

static void
terminated_cb (WebKitWebView                     *web_view,
               WebKitWebProcessTerminationReason  reason,
               gboolean                          *done)
{
  *done = TRUE;
}

typedef struct
{
  char     *reason;
  gboolean  calls_cancelled;  /* the held call was, when the window said so */
} Gone;

static void
window_gone_cb (AtriumWindow *window,
                const char   *reason,
                Gone         *gone)
{
  g_assert_null (gone->reason);
  gone->reason = g_strdup (reason);
  gone->calls_cancelled = held != NULL && atrium_call_is_cancelled (held);
}

static void
test_process_gone (void)
{
  static const Setup setup = { NULL, NULL };
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GBytes) late = g_bytes_new_static ("late", 4);
  AtriumWindow *window;
  AtriumBridge *bridge;
  WebKitWebView *web_view;
  guint64 script_calls, extension_calls;
  gboolean gone = FALSE;
  Gone reported = { NULL, FALSE };

  g_test_summary ("A web process that ends with calls in flight: C cancels and forgets them "
                  "(a late answer is dropped), the window says so once with the reason "
                  "(web-process-gone, after the calls are cancelled), and the page loaded "
                  "next calls through the extension again");
  if (!harness_need_web_extension ())
    return;

  window = open_with (&setup, &app);
  atrium_app_bind (app, "hold", hold_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  bridge = _atrium_window_get_bridge (window);
  web_view = atrium_window_get_web_view (window);
  harness_assert_js (window,
    JS_HELPERS "window.pending = atrium.call('hold', bytes(70000)); return 1;", "1");
  harness_wait_for (test_pointer_is_set, &held, "the held call to reach C");
  g_assert_cmpuint (_atrium_bridge_get_n_calls (bridge), ==, 1);
  g_assert_false (atrium_call_is_cancelled (held));

  g_signal_connect (web_view, "web-process-terminated", G_CALLBACK (terminated_cb), &gone);
  g_signal_connect (window, "web-process-gone", G_CALLBACK (window_gone_cb), &reported);
  webkit_web_view_terminate_web_process (web_view);
  harness_wait (&gone, "the web process to end");
  g_assert_cmpstr (reported.reason, ==, "terminated");
  g_assert_true (reported.calls_cancelled);
  g_clear_pointer (&reported.reason, g_free);
  g_assert_cmpuint (_atrium_bridge_get_n_calls (bridge), ==, 0);
  g_assert_true (atrium_call_is_cancelled (held));
  /* Its answer now goes nowhere. */
  atrium_call_return_bytes (g_steal_pointer (&held), late);

  atrium_window_load (window, "/");
  harness_wait_load (window);
  get_stats (window, &script_calls, &extension_calls);
  harness_assert_js (window, "return await atrium.call('echo', 'again');", "\"again\"");
  {
    guint64 script_after, extension_after;

    get_stats (window, &script_after, &extension_after);
    g_assert_cmpuint (extension_after, ==, extension_calls + 1);
    g_assert_cmpuint (script_after, ==, script_calls);
  }
  /* The handlers hold this frame's variables. */
  g_signal_handlers_disconnect_by_data (web_view, &gone);
  g_signal_handlers_disconnect_by_data (window, &reported);
  harness_close (window);
}

static void
spy_cb (AtriumCall *call,
        gpointer    user_data)
{
  guint *heard = user_data;

  (*heard)++;
  atrium_call_return_value (call, json_node_init_string (json_node_alloc (), "heard"));
}

/* What a compromised web process sends the UI process, one fault each
 * (tests/hostile-extension/), and the code C answers with. */
static const struct
{
  const char *kind;
  const char *code;   /* NULL: the call goes through */
} hostile_messages[] = {
  { "valid", NULL },
  { "valid-memfd", NULL },
  { "no-token", "forbidden" },
  { "malformed", "bad-args" },
  { "inline-size-lies", "bad-args" },
  { "unsealed", "bad-args" },
  { "writable", "bad-args" },
  { "size-lies", "bad-args" },
  { "too-large", "too-large" },
  { "missing-file", "bad-args" },
  { "file-out-of-range", "bad-args" },
  { "pipe", "bad-args" },
};

static void
test_hostile_web_process (void)
{
  Setup setup = { NULL, g_getenv ("ATRIUM_TEST_HOSTILE_EXTENSIONS_DIR") };
  g_autoptr(AtriumApp) app = NULL;
  g_autofree char *module = NULL;
  AtriumWindow *window;
  guint64 script_calls, extension_calls, script_after, extension_after;
  g_autofree char *checks = NULL;
  AtriumBridge *bridge;
  guint heard = 0, through = 0;

  g_test_summary ("A compromised web process (an extension of its own next to libatrium's, "
                  "with the token) sends call messages made wrong one way each: a wrong "
                  "token, the wrong shape, parts that lie about their size, memfds unsealed, "
                  "writable or too large, a file it does not carry, a pipe. Each is refused "
                  "with its code before the method runs, the same message made right goes "
                  "through, and the page's own calls still work after");
  if (!harness_need_web_extension ())
    return;
  module = setup.extensions_dir != NULL
    ? g_build_filename (setup.extensions_dir, "libhostile-web-extension.so", NULL) : NULL;
  if (module == NULL || !g_file_test (module, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("The hostile web process extension is not built "
                   "(ATRIUM_TEST_HOSTILE_EXTENSIONS_DIR)");
      return;
    }

  window = open_with (&setup, &app);
  bridge = _atrium_window_get_bridge (window);
  atrium_app_bind (app, "spy", spy_cb, &heard, NULL, ATRIUM_BIND_DEFAULT);
  harness_assert_js (window, "return typeof window.__hostile;", "\"function\"");
  get_stats (window, &script_calls, &extension_calls);

  for (guint i = 0; i < G_N_ELEMENTS (hostile_messages); i++)
    {
      g_autofree char *js = g_strdup_printf (
        "const [kind, text] = await new Promise((resolve) =>"
        "  window.__hostile('%s', (k, t) => resolve([k, t])));"
        "return kind === 0 || kind === 3 ? 'ok ' + text : JSON.parse(text).code;",
        hostile_messages[i].kind);
      g_autofree char *answer = harness_run_js (window, js);
      g_autofree char *expected = g_strdup_printf ("\"%s\"", hostile_messages[i].code != NULL
                                                   ? hostile_messages[i].code : "ok heard");

      g_test_message ("%s: %s", hostile_messages[i].kind, answer);
      g_assert_cmpstr (answer, ==, expected);
      if (hostile_messages[i].code == NULL)
        through++;
      g_assert_cmpuint (heard, ==, through);
      /* Refused by C, each of them: the extension passes on what it is
       * given to send. */
      g_assert_cmpuint (_atrium_bridge_get_extension_refused (bridge), ==, i + 1 - through);
    }

  /* libatrium's native function, in the hands of a page that has the
   * token: the extension checks what it is given before it sends anything
   * (the UI process checks again), and answers with the code. */
  checks = harness_run_js (window,
    "const N = window.__hostileNative, T = window.__hostileToken;"
    "const ask = (...args) => new Promise((resolve) =>"
    "  N(...args, (k, t) => resolve(k === 0 || k === 3 ? 'ok ' + t : JSON.parse(t).code)));"
    "return [await ask('0'.repeat(T.length), '[\"spy\",[],1]', null),"
    "  await ask(42, '[\"spy\",[],1]', null),"
    "  await ask(T, 42, null),"
    "  await ask(T, '[\"spy\",[],1]', {length: 1}),"
    "  await ask(T, '[\"spy\",[],1]', [new Uint16Array(2)]),"
    "  await ask(T, '[\"spy\",[],1]', new Array(5000).fill(new Uint8Array(1))),"
    "  await ask(T, '[\"spy\",[],1]', [new Uint8Array(64 * 1024 * 1024 + 1)]),"
    "  await ask(T, '[\"spy\",[],1]', null)].join(' ');");
  g_assert_cmpstr (checks, ==, "\"forbidden forbidden bad-args bad-args bad-args bad-args too-large ok heard\"");
  through++;
  g_assert_cmpuint (heard, ==, through);
  /* Those the extension refused never reached C. */
  g_assert_cmpuint (_atrium_bridge_get_extension_refused (bridge), ==,
                    G_N_ELEMENTS (hostile_messages) - (through - 1));

  /* Only the well-made ones were calls; nothing is left in flight, and the
   * page's runtime still calls through the extension. */
  get_stats (window, &script_after, &extension_after);
  g_assert_cmpuint (extension_after, ==, extension_calls + through);
  g_assert_cmpuint (script_after, ==, script_calls);
  g_assert_cmpuint (_atrium_bridge_get_n_calls (_atrium_window_get_bridge (window)), ==, 0);
  harness_assert_js (window, "return await atrium.call('echo', 'after');", "\"after\"");
  get_stats (window, &script_after, &extension_after);
  g_assert_cmpuint (extension_after, ==, extension_calls + through + 1);
  /* spy counts into this frame. */
  harness_close (window);
}

/* Calls the extension refuses before its function returns (more binary
 * values than a message may hold), queued behind one that waits for its
 * Blob to be read: once it is, they are refused one by one in the order
 * they were made, without the lane starting each from inside the last. */
static void
test_refused_at_once (void)
{
  static const Setup setup = { NULL, NULL };
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;

  g_test_summary ("Calls refused at once by the extension, queued behind a Blob being read, "
                  "reject in the order they were made, and the calls after them work");
  if (!harness_need_web_extension ())
    return;

  window = open_with (&setup, &app);
  harness_assert_js (window,
    "const held = atrium.call('echo', new Blob([new Uint8Array([1, 2, 3])]));"
    "const one = new Uint8Array(1);"
    "const order = [];"
    "const refused = [];"
    "for (let i = 0; i < 1000; i++)"
    "  refused.push(atrium.call('echo', new Array(5000).fill(one))"
    "    .then(() => 'answered', (e) => { order.push(i); return e.code; }));"
    "const codes = await Promise.all(refused);"
    "const back = await held;"
    "if (!codes.every((c) => c === 'bad-args')) return 'codes: ' + [...new Set(codes)].join();"
    "if (!order.every((v, i) => v === i)) return 'out of order: ' + order.slice(0, 5).join();"
    "if (!(back instanceof Uint8Array) || back.join() !== '1,2,3') return 'the Blob call';"
    "return await atrium.call('echo', 'after');", "\"after\"");
  harness_close (window);
}

static void
test_navigated_mid_call (void)
{
  static const Setup setup = { NULL, NULL };
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;
  WebKitWebView *web_view;
  gboolean gone = FALSE;
  gulong id;

  g_test_summary ("A page that goes away with a call in flight: the answer that comes after "
                  "(bytes in a memfd-sized result) reaches a frame that is gone, and the web "
                  "process and the next page are fine");
  if (!harness_need_web_extension ())
    return;

  window = open_with (&setup, &app);
  atrium_app_bind (app, "hold", hold_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  web_view = atrium_window_get_web_view (window);
  id = g_signal_connect (web_view, "web-process-terminated", G_CALLBACK (terminated_cb), &gone);
  harness_assert_js (window, "window.pending = atrium.call('hold', 1); return 1;", "1");
  harness_wait_for (test_pointer_is_set, &held, "the held call to reach C");

  atrium_window_load (window, "/index.html?next");
  harness_wait_load (window);
  {
    g_autofree guint8 *data = g_malloc0 (256 * 1024);
    g_autoptr(GBytes) big = g_bytes_new_take (g_steal_pointer (&data), 256 * 1024);

    atrium_call_return_bytes (g_steal_pointer (&held), big);
  }
  harness_assert_js (window,
    "const r = await atrium.call('echo', new Uint8Array(100000).fill(7));"
    "return [location.search, r.length, r[99999]].join(' ');",
    "\"?next 100000 7\"");
  g_assert_false (gone);
  g_signal_handler_disconnect (web_view, id);
}

int
main (int   argc,
      char *argv[])
{
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/transport/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  foreign = harness_foreign_server_new (foreign_cb, NULL, &foreign_port);

  g_test_add_func ("/atrium/transport/round-trips", test_round_trips);
  g_test_add_func ("/atrium/transport/fallback-missing", test_fallback_missing);
  g_test_add_func ("/atrium/transport/forced-off", test_forced_off);
  g_test_add_func ("/atrium/transport/forced-on-missing", test_forced_on_missing);
  g_test_add_func ("/atrium/transport/hostile-frames", test_hostile_frames);
  g_test_add_func ("/atrium/transport/process-gone", test_process_gone);
  g_test_add_func ("/atrium/transport/hostile-web-process", test_hostile_web_process);
  g_test_add_func ("/atrium/transport/refused-at-once", test_refused_at_once);
  g_test_add_func ("/atrium/transport/navigated-mid-call", test_navigated_mid_call);

  return g_test_run ();
}

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "atrium-app-private.h"
#include "atrium-bridge-private.h"
#include "atrium-window-private.h"
#include "webkit-harness.h"
#include "test-util.h"

/* The app:// scheme path attacked from every kind of frame, one test per
 * hole a security review found there:
 *   - a POST of a Blob, FormData, … to /__atrium/upload crashed the app;
 *   - a foreign frame ran the app's scripts and probed its files;
 *   - a file that changed while it streamed broke its Content-Length;
 *   - an overflowing Range answered 200 instead of 416.
 * Frames of another origin are served by a SoupServer on 127.0.0.1 started
 * here. Every wait has a deadline that names what it waited for. */

/* How long a page may take to report back, in ms: a deadline for a wait
 * that normally ends in well under a second, not a measurement. */
#define REPORT_DEADLINE_MS 20000

#define DATA_LENGTH 65536
#define CHANGING_LENGTH (256 * 1024)

static char *root;
static SoupServer *foreign;
static guint foreign_port;

/* Fixture */

/* The attacker's script: POSTs every kind of body fetch() takes to the
 * upload route, keyed so that C can tell the frame (the first hex digit),
 * the body (the next two) and the mode (the last) apart, and reports what
 * each fetch() saw to the parent. */
#define ATTACK_JS \
  "const SHAPES = [" \
  "  ['blob', () => new Blob(['x'.repeat(2000)])]," \
  "  ['blob-typed', () => new Blob(['x'], {type: 'text/plain;charset=UTF-8'})]," \
  "  ['file', () => new File(['x'], 'f.txt')]," \
  "  ['form', () => { const f = new FormData(); f.append('a', 'b'); return f; }]," \
  "  ['form-blob', () => { const f = new FormData(); f.append('a', new Blob(['x'])); return f; }]," \
  "  ['array-buffer', () => new Uint8Array([1, 2, 3]).buffer]," \
  "  ['typed-array', () => new Uint8Array([1, 2, 3])]," \
  "  ['url-search-params', () => new URLSearchParams('a=b')]," \
  "  ['readable-stream', () => new ReadableStream({start(c) {" \
  "     c.enqueue(new Uint8Array([1])); c.close(); }})]," \
  "  ['nested-blob', () => new Blob(['a', new Blob(['b'])])]," \
  "  ['blob-forged-type', () => new Blob(['x']), 'text/plain;charset=UTF-8']," \
  "  ['form-blob-forged-type', () => { const f = new FormData();" \
  "     f.append('a', new File(['x'], 'f.txt')); return f; }, 'text/plain;charset=UTF-8']," \
  "  ['string', () => 'no token']," \
  "];" \
  "const attack = async (frame, modes) => {" \
  "  const out = {};" \
  "  for (const [m, mode] of modes.entries())" \
  "    for (const [i, [name, make, type]] of SHAPES.entries()) {" \
  "      const key = frame + i.toString(16).padStart(2, '0') + m;" \
  "      const init = {method: 'POST', body: make(), mode, duplex: 'half'};" \
  "      if (type) init.headers = {'Content-Type': type};" \
  "      let seen;" \
  "      try {" \
  "        const r = await fetch('app://localhost/__atrium/upload?' + key, init);" \
  "        seen = r.type === 'opaque' ? 'opaque' : String(r.status);" \
  "      } catch (e) { seen = e.name; }" \
  "      out[key] = name + ' ' + seen;" \
  "    }" \
  "  return out;" \
  "};"

static void
foreign_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  g_autofree char *page = NULL;

  if (strcmp (path, "/attack.html") == 0)
    page = g_strdup ("<!DOCTYPE html><meta charset=utf-8><script>" ATTACK_JS
                     "attack('d', ['no-cors', 'cors']).then((results) =>"
                     "  parent.postMessage({from: 'foreign', results}, '*'));"
                     "</script>");
  else if (strcmp (path, "/corp.html") == 0)
    /* What a remote iframe would do with the app's files: run its scripts
     * to read their globals, and tell which exist from onload/onerror. */
    page = g_strdup ("<!DOCTYPE html><meta charset=utf-8><script>"
                     "const load = (src) => new Promise((resolve) => {"
                     "  const s = document.createElement('script'); s.src = src;"
                     "  s.onload = () => resolve('load'); s.onerror = () => resolve('error');"
                     "  document.head.append(s);"
                     "});"
                     "(async () => {"
                     "  const results = [await load('app://localhost/config.js'),"
                     "    typeof window.appConfig, await load('app://localhost/missing.js')];"
                     "  parent.postMessage({from: 'corp', results}, '*');"
                     "})();"
                     "</script>");

  if (page == NULL)
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&page), strlen (page));
  soup_server_message_set_status (msg, 200, NULL);
}

static void
setup_fixture (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_malloc (DATA_LENGTH);
  g_autofree char *changing = g_malloc (CHANGING_LENGTH);

  root = g_dir_make_tmp ("atrium-security-scheme-XXXXXX", &error);
  g_assert_no_error (error);

  test_write_file (root, "index.html", "<!DOCTYPE html><html><head><meta charset=utf-8>"
                   "<title>security</title></head><body><p>index</p></body></html>", -1);
  test_write_file (root, "config.js", "window.appConfig = {apiKey: 'k-123', lang: 'en'};\n", -1);
  for (guint i = 0; i < DATA_LENGTH; i++)
    data[i] = (char) (i * 7 + (i >> 8));
  test_write_file (root, "data.bin", data, DATA_LENGTH);
  memset (changing, 'a', CHANGING_LENGTH);
  test_write_file (root, "grows.txt", changing, CHANGING_LENGTH);
  test_write_file (root, "shrinks.txt", changing, CHANGING_LENGTH);

  foreign = harness_foreign_server_new (foreign_cb, NULL, &foreign_port);
}

static AtriumApp *
app_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets = atrium_assets_new_for_directory (root, &error);
  AtriumApp *app;

  g_assert_no_error (error);
  app = harness_app_new (assets);
  /* Every call over 1 KiB goes up as an upload. */
  _atrium_app_set_upload_min (app, 1024);
  /* The attacks come from remote frames: this app lets them load. */
  atrium_app_set_remote_frames (app, TRUE);
  atrium_app_bind (app, "echo", harness_echo_cb, NULL, NULL, 0);
  return app;
}

/* What app:// answered to each upload, by key, whichever frame sent it:
 * a frame may not be able to read the status, so C reads it. */

typedef struct
{
  GHashTable *status;  /* key → status as a string */
  guint       pending;
} UploadLog;

static const char *
upload_key (const char *uri)
{
  return g_str_has_prefix (uri, "app://localhost/__atrium/upload?")
         ? uri + strlen ("app://localhost/__atrium/upload?") : NULL;
}

static void
resource_done_cb (WebKitWebResource *resource,
                  UploadLog         *log)
{
  WebKitURIResponse *response = webkit_web_resource_get_response (resource);
  const char *key = upload_key (webkit_web_resource_get_uri (resource));

  g_hash_table_replace (log->status, g_strdup (key),
                        g_strdup_printf ("%u", response != NULL
                                               ? webkit_uri_response_get_status_code (response)
                                               : 0));
  log->pending--;
}

static void
resource_load_started_cb (WebKitWebView     *web_view,
                          WebKitWebResource *resource,
                          WebKitURIRequest  *request,
                          UploadLog         *log)
{
  if (upload_key (webkit_uri_request_get_uri (request)) == NULL)
    return;
  log->pending++;
  /* Emitted last, after "failed" too. */
  g_signal_connect (resource, "finished", G_CALLBACK (resource_done_cb), log);
}

static gboolean
deadline_cb (gpointer user_data)
{
  g_error ("Gave up waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Iterates the main loop until *@flag, failing the test past the deadline
 * with @what it waited for. */
static void
spin_until (gboolean   *flag,
            const char *what)
{
  test_wait_for (NULL, REPORT_DEADLINE_MS / 1000, test_flag_is_set, flag, what);
}

static gboolean
uploads_settled (gpointer data)
{
  return ((UploadLog *) data)->pending == 0;
}

static void
load_finished_cb (WebKitWebView   *web_view,
                  WebKitLoadEvent  event,
                  gboolean        *done)
{
  if (event == WEBKIT_LOAD_FINISHED)
    *done = TRUE;
}

static void
title_set_cb (WebKitWebView *web_view,
              GParamSpec    *pspec,
              gboolean      *done)
{
  const char *title = webkit_web_view_get_title (web_view);

  if (title != NULL && title[0] == '[')
    *done = TRUE;
}

/* Waits for a page that reports by setting its title to a JSON array. */
static void
wait_for_title (WebKitWebView *web_view,
                const char    *what)
{
  gboolean done = FALSE;
  gulong id = g_signal_connect (web_view, "notify::title", G_CALLBACK (title_set_cb), &done);

  spin_until (&done, what);
  g_signal_handler_disconnect (web_view, id);
}

/* Runs @body in @window's page with a deadline on the whole. */
static JsonNode *
run_js (AtriumWindow *window,
        const char   *what,
        const char   *body)
{
  guint deadline = g_timeout_add (REPORT_DEADLINE_MS * 2, deadline_cb, (gpointer) what);
  JsonNode *result = harness_run_js_json (window, body);

  g_source_remove (deadline);
  return result;
}

/* JS: appends a frame and resolves with what it posts back under @from,
 * or rejects past the deadline, naming the frame. */
#define FRAME_REPORT_JS HARNESS_JS_FRAME_REPORT (REPORT_DEADLINE_MS)

/* Tests */

/* The upload route's other paths: odd methods, bodies with GET, huge headers,
 * and requests from a web view that is not an app window, to the assets
 * and to the upload route. None may crash, none may be served as more than
 * a read, and none may reach a body. */
static void
check_unexpected_shapes (AtriumApp    *app,
                         AtriumWindow *window)
{
  g_autoptr(JsonNode) result = NULL;
  JsonArray *a;
  static const char * const expected[] = {
    "405", "405", "405", "405", "405", "405", "405",   /* assets: odd methods */
    "405", "405", "405",                               /* upload: not POST */
    "206", "200", "200",                               /* huge headers, XHR GET body */
    "GET, HEAD", "POST",                               /* what 405 allows */
  };

  result = run_js (window, "odd requests",
    "const s = async (url, init) => { try { return String((await fetch(url, init)).status); }"
    "  catch (e) { return e.name; } };"
    "const xhr = () => new Promise((resolve) => { const x = new XMLHttpRequest();"
    "  x.open('GET', '/data.bin'); x.onloadend = () => resolve(String(x.status));"
    "  x.send(new Blob(['ignored'])); });"
    "return [await s('/index.html', {method: 'PUT', body: new Blob(['x'])}),"
    "  await s('/index.html', {method: 'DELETE'}), await s('/index.html', {method: 'OPTIONS'}),"
    "  await s('/index.html', {method: 'PATCH', body: new FormData()}),"
    "  await s('/index.html', {method: 'POST', body: new Blob(['x'])}),"
    "  await s('/', {method: 'FOO', body: 'x'}), await s('/', {method: 'CONNECTX'}),"
    "  await s('/__atrium/upload?ab', {method: 'PUT', body: new Blob(['x'])}),"
    "  await s('/__atrium/upload?ab', {method: 'OPTIONS'}),"
    "  await s('/__atrium/upload?ab', {method: 'GET'}),"
    "  await s('/data.bin', {headers: {Range: 'bytes=' + '0'.repeat(100000) + '-'}}),"
    "  await s('/data.bin', {headers: {'X-Big': 'b'.repeat(1 << 20)}}),"
    "  await xhr(),"
    "  (await fetch('/', {method: 'DELETE'})).headers.get('allow'),"
    "  (await fetch('/__atrium/upload?ab', {method: 'PUT'})).headers.get('allow'),"
    "];");
  a = json_node_get_array (result);
  g_assert_cmpuint (json_array_get_length (a), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_test_message ("request %u", i);
      g_assert_cmpstr (json_array_get_string_element (a, i), ==, expected[i]);
    }

  /* A web view of the app's web context that is not an app window: it
   * may read assets, but its uploads, whatever the body, are refused
   * before the body is touched. */
  {
    WebKitWebView *plain = g_object_new (WEBKIT_TYPE_WEB_VIEW, "web-context",
                                         atrium_app_get_web_context (app), NULL);
    GtkWidget *holder = gtk_window_new ();
    gboolean loaded = FALSE;
    gulong id;

    gtk_window_set_child (GTK_WINDOW (holder), GTK_WIDGET (plain));
    gtk_window_present (GTK_WINDOW (holder));
    id = g_signal_connect (plain, "load-changed", G_CALLBACK (load_finished_cb), &loaded);
    webkit_web_view_load_uri (plain, "app://localhost/");
    spin_until (&loaded, "the plain web view to load app://localhost/");
    g_signal_handler_disconnect (plain, id);

    webkit_web_view_evaluate_javascript (plain,
      "(async () => { const out = [];"
      "  for (const body of [new Blob(['x']), 'x']) {"
      "    const r = await fetch('/__atrium/upload?ab', {method: 'POST', body,"
      "      headers: {'Content-Type': 'text/plain;charset=UTF-8'}});"
      "    out.push(r.status); }"
      "  out.push((await fetch('/config.js')).status);"
      "  document.title = JSON.stringify(out); })(); 0", -1, NULL, NULL, NULL, NULL, NULL);
    wait_for_title (plain, "the plain web view's uploads");
    g_assert_cmpstr (webkit_web_view_get_title (plain), ==, "[403,403,200]");

    gtk_window_destroy (GTK_WINDOW (holder));
  }
}

/* Every body fetch() can send, POSTed to the upload route from
 * the app's own page, a sandboxed srcdoc frame, a data: frame, a blob:
 * frame and a foreign-origin frame, in no-cors and cors modes. The app
 * keeps running; each is refused before its body is touched: 415 for a
 * body that is not a string, 403 from a frame that is not an app page,
 * and no request at all from frames not at the app's origin, which may not
 * load app:// (see below). A same-origin page that forges the runtime's
 * very headers gets its body kept unread and never claimed. A large call
 * still works after, even when the page makes the runtime's upload key
 * predictable (if the runtime let it) and uploads a Blob under it first. */
static void
test_upload_body_shapes (void)
{
  g_autoptr(AtriumApp) app = app_new ();
  AtriumWindow *window = harness_open (app, "/");
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  AtriumBridge *bridge = _atrium_window_get_bridge (window);
  UploadLog log = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free), 0 };
  gulong handler = g_signal_connect (web_view, "resource-load-started",
                                     G_CALLBACK (resource_load_started_cb), &log);
  g_autoptr(JsonNode) attack_source = json_node_new (JSON_NODE_VALUE);
  g_autofree char *attack_literal = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) after = NULL;
  JsonObject *all;
  guint64 received;
  guint waiting;
  g_autoptr(GList) frames = NULL;
  guint n_checked = 0;

  /* The frames run the same attack: its source goes to them as a string. */
  json_node_set_string (attack_source, ATTACK_JS);
  attack_literal = json_to_string (attack_source, FALSE);
  body = g_strdup_printf (
    ATTACK_JS FRAME_REPORT_JS
    "const ATTACK = %s;"
    "const inner = (from, frame, modes) => '<!DOCTYPE html><script>' + ATTACK"
    "  + 'attack(' + JSON.stringify(frame) + ', ' + JSON.stringify(modes) + ').then((results) =>'"
    "  + ' parent.postMessage({from: ' + JSON.stringify(from) + ', results}, `*`));<' + '/script>';"
    "const all = {app: await attack('a', ['same-origin'])};"
    "all.sandboxed = await report('sandboxed', frame({sandbox: 'allow-scripts',"
    "  srcdoc: inner('sandboxed', 'b', ['no-cors', 'cors'])}));"
    "all.data = await report('data', frame({src: 'data:text/html,'"
    "  + encodeURIComponent(inner('data', 'c', ['no-cors', 'cors']))}));"
    "all.blob = await report('blob', frame({src: URL.createObjectURL(new Blob("
    "  [inner('blob', 'e', ['same-origin'])], {type: 'text/html'}))}));"
    "all.foreign = await report('foreign', frame({src: 'http://127.0.0.1:%u/attack.html'}));"
    "return all;", attack_literal, foreign_port);
  result = run_js (window, "the attacks on the upload route", body);
  all = json_node_get_object (result);

  /* Loads end after the page has its answers; wait for the last. */
  test_wait_for (NULL, REPORT_DEADLINE_MS / 1000, uploads_settled, &log,
                 "WebKit to report the end of every upload's load");
  g_signal_handler_disconnect (web_view, handler);

  /* What each frame saw, and what app:// answered. */
  frames = json_object_get_members (all);
  for (GList *f = frames; f != NULL; f = f->next)
    {
      JsonObject *seen = json_object_get_object_member (all, f->data);
      gboolean same_origin = strcmp (f->data, "app") == 0;
      g_autoptr(GList) keys = json_object_get_members (seen);

      for (GList *k = keys; k != NULL; k = k->next)
        {
          const char *what = json_object_get_string_member (seen, k->data);
          const char *page_saw = strchr (what, ' ') + 1;
          const char *status = g_hash_table_lookup (log.status, k->data);
          g_autofree char *shape = g_strndup (what, page_saw - 1 - what);
          const char *expected;

          g_test_message ("%s frame, %s (key %s): page saw %s, app:// answered %s",
                          (char *) f->data, shape, (char *) k->data, page_saw,
                          status != NULL ? status : "nothing");
          if (strcmp (shape, "readable-stream") == 0)
            {
              /* WebKit refuses to upload a stream: no request is made. */
              g_assert_null (status);
              g_assert_cmpstr (page_saw, ==, "NotSupportedError");
              continue;
            }
          if (strcmp (f->data, "blob") != 0 && !same_origin)
            {
              /* Frames not at the app's origin cannot load app:// at all
               * (atrium-scheme.c): the request is never made. */
              g_assert_null (status);
              g_assert_cmpstr (page_saw, ==, "TypeError");
              n_checked++;
              continue;
            }
          if (!same_origin)
            expected = "403";  /* a blob: document's Referer is not an app page */
          else if (strstr (shape, "forged") != NULL || strcmp (shape, "string") == 0)
            expected = "204";  /* kept unread, and never claimed */
          else
            expected = "415";  /* not a string body */
          g_assert_cmpstr (status, ==, expected);
          /* The app's page reads the very status. */
          if (same_origin)
            g_assert_cmpstr (page_saw, ==, expected);
          n_checked++;
        }
    }
  /* 12 bodies a request is made for, in 1 + 2 + 2 + 1 + 2 frame modes. */
  g_assert_cmpuint (n_checked, ==, 12 * 8);

  /* Only the app page's three runtime-shaped requests were kept, unread. */
  _atrium_bridge_get_upload_stats (bridge, &received, &waiting);
  g_assert_cmpuint (received, ==, 3);
  g_assert_cmpuint (waiting, ==, 3);

  /* Still running, and a large call still goes through an upload; then one
   * whose key the page made predictable and uploaded a Blob under first,
   * which the runtime's upload finds taken and sends the usual way. */
  after = run_js (window, "the large calls after the attacks",
    "const v = 'y'.repeat(300000);"
    "const plain = await atrium.call('echo', v) === v;"
    "crypto.getRandomValues = (a) => a.fill(0xabcd);"
    "const key = Array.from(new Uint32Array(4).fill(0xabcd),"
    "  (w) => w.toString(16).padStart(8, '0')).join('');"
    "const r = await fetch('/__atrium/upload?' + key, {method: 'POST', body: new Blob(['x']),"
    "  headers: {'Content-Type': 'text/plain;charset=UTF-8'}});"
    "const predicted = await atrium.call('echo', v) === v;"
    "return [plain, r.status, predicted];");
  g_assert_true (json_array_get_boolean_element (json_node_get_array (after), 0));
  g_assert_cmpint (json_array_get_int_element (json_node_get_array (after), 1), ==, 204);
  g_assert_true (json_array_get_boolean_element (json_node_get_array (after), 2));
  _atrium_bridge_get_upload_stats (bridge, &received, &waiting);
  g_assert_cmpuint (received, >=, 5);

  check_unexpected_shapes (app, window);

  g_hash_table_unref (log.status);
  harness_close (window);
}

/* A foreign-origin frame runs <script src="app://localhost/…">
 * to read the app's globals, and tells files that exist from files that do
 * not by onload/onerror. Both must fail alike, while the app's own page
 * still runs the same script. A sandboxed frame of the app, whose origin
 * is opaque, is another origin too. */
static void
test_corp (void)
{
  g_autoptr(AtriumApp) app = app_new ();
  AtriumWindow *window = harness_open (app, "/");
  g_autofree char *body = g_strdup_printf (
    FRAME_REPORT_JS
    "const load = (src) => new Promise((resolve) => {"
    "  const s = document.createElement('script'); s.src = src;"
    "  s.onload = () => resolve('load'); s.onerror = () => resolve('error');"
    "  document.head.append(s);"
    "});"
    "const own = [await load('/config.js'), window.appConfig?.apiKey];"
    "const foreign = await report('corp', frame({src: 'http://127.0.0.1:%u/corp.html'}));"
    "const sandboxed = await report('sandboxed-corp', frame({sandbox: 'allow-scripts', srcdoc:"
    "  '<script>const s = document.createElement(`script`);"
    "   s.src = `app://localhost/config.js`;"
    "   s.onload = () => parent.postMessage({from: `sandboxed-corp`, results: `load`}, `*`);"
    "   s.onerror = () => parent.postMessage({from: `sandboxed-corp`, results: `error`}, `*`);"
    "   document.head.append(s);<' + '/script>'}));"
    "const r = await fetch('/config.js');"
    "return [own, foreign, sandboxed, r.headers.get('cross-origin-resource-policy'),"
    "  (await fetch('/missing.js')).headers.get('cross-origin-resource-policy')];",
    foreign_port);
  g_autoptr(JsonNode) result = run_js (window, "the script loads", body);
  JsonArray *a = json_node_get_array (result);
  JsonArray *own = json_array_get_array_element (a, 0);
  JsonArray *remote = json_array_get_array_element (a, 1);

  g_assert_cmpstr (json_array_get_string_element (own, 0), ==, "load");
  g_assert_cmpstr (json_array_get_string_element (own, 1), ==, "k-123");
  /* The foreign frame: the script does not run, and an existing file
   * fails exactly like a missing one. */
  g_assert_cmpstr (json_array_get_string_element (remote, 0), ==, "error");
  g_assert_cmpstr (json_array_get_string_element (remote, 1), ==, "undefined");
  g_assert_cmpstr (json_array_get_string_element (remote, 2), ==, "error");
  g_assert_cmpstr (json_array_get_string_element (a, 2), ==, "error");
  /* On every answer, errors included. */
  g_assert_cmpstr (json_array_get_string_element (a, 3), ==, "same-origin");
  g_assert_cmpstr (json_array_get_string_element (a, 4), ==, "same-origin");

  harness_close (window);
}

/* The file changes between the answer's headers and its body.
 * The test process is WebKit's UI process, where app:// files are read, so
 * it stands between the asset stream and the file: the first read() of
 * the armed file truncates it (or appends to it) before reading, after
 * its size went into Content-Length. No timing is involved. */

typedef enum
{
  CHANGE_NONE,
  CHANGE_SHRINK,
  CHANGE_GROW,
} Change;

static struct
{
  gint    armed;  /* atomic: a Change */
  dev_t   dev;
  ino_t   ino;
  char   *path;
  gint    fired;  /* atomic */
} change;

/* Interposes on libc's read(): GIO's GUnixInputStream, which reads asset
 * files, calls it through the PLT, and the executable's definition comes
 * first. Everything else is passed straight to the system call. */
ssize_t read (int fd, void *buffer, size_t count);

ssize_t
read (int     fd,
      void   *buffer,
      size_t  count)
{
  Change armed = g_atomic_int_get (&change.armed);
  struct stat st;

  if (armed != CHANGE_NONE && fstat (fd, &st) == 0 && S_ISREG (st.st_mode)
      && st.st_dev == change.dev && st.st_ino == change.ino
      && g_atomic_int_compare_and_exchange (&change.armed, armed, CHANGE_NONE))
    {
      int errsv = errno;

      if (armed == CHANGE_SHRINK)
        g_assert_cmpint (truncate (change.path, CHANGING_LENGTH / 4), ==, 0);
      else
        {
          int out = open (change.path, O_WRONLY | O_APPEND | O_CLOEXEC);
          static const char more[4096] = { 'z' };

          g_assert_cmpint (out, >=, 0);
          g_assert_cmpint (write (out, more, sizeof more), ==, sizeof more);
          close (out);
        }
      g_atomic_int_set (&change.fired, TRUE);
      errno = errsv;
    }

  return syscall (SYS_read, fd, buffer, count);
}

static void
arm_change (const char *name,
            Change      what)
{
  struct stat st;

  g_free (change.path);
  change.path = g_build_filename (root, name, NULL);
  g_assert_cmpint (g_stat (change.path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, CHANGING_LENGTH);
  change.dev = st.st_dev;
  change.ino = st.st_ino;
  g_atomic_int_set (&change.fired, FALSE);
  g_atomic_int_set (&change.armed, what);
}

static void
test_content_length (void)
{
  g_autoptr(AtriumApp) app = app_new ();
  AtriumWindow *window = harness_open (app, "/");
  static const char fetch_js[] =
    "try {"
    "  const r = await fetch('%s');"
    "  const bytes = new Uint8Array(await r.arrayBuffer());"
    "  return ['resolved', Number(r.headers.get('content-length')), bytes.length,"
    "          bytes.every((b) => b === 0x61)];"
    "} catch (e) { return ['rejected', e.name]; }";
  g_autofree char *shrink_js = g_strdup_printf (fetch_js, "/shrinks.txt");
  g_autofree char *grow_js = g_strdup_printf (fetch_js, "/grows.txt");
  g_autoptr(JsonNode) shrunk = NULL;
  g_autoptr(JsonNode) grown = NULL;
  JsonArray *a;

  /* Shrinks to a quarter once the headers said 256 KiB: the load fails,
   * where it used to succeed with 64 KiB. */
  arm_change ("shrinks.txt", CHANGE_SHRINK);
  shrunk = run_js (window, "the fetch of a shrinking file", shrink_js);
  g_assert_true (g_atomic_int_get (&change.fired));
  a = json_node_get_array (shrunk);
  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "rejected");

  /* Grows by 4 KiB: exactly the announced 256 KiB arrive, all of the
   * file as it was, none of what came after. */
  arm_change ("grows.txt", CHANGE_GROW);
  grown = run_js (window, "the fetch of a growing file", grow_js);
  g_assert_true (g_atomic_int_get (&change.fired));
  a = json_node_get_array (grown);
  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "resolved");
  g_assert_cmpint (json_array_get_int_element (a, 1), ==, CHANGING_LENGTH);
  g_assert_cmpint (json_array_get_int_element (a, 2), ==, CHANGING_LENGTH);
  g_assert_true (json_array_get_boolean_element (a, 3));

  g_clear_pointer (&change.path, g_free);
  harness_close (window);
}

/* Asks the loopback media route for @path with @range over a plain socket
 * (a page's fetch() cannot send such a Range cross-origin without a
 * preflight) and returns the answer's head. */
static char *
media_head (AtriumMediaServer *media,
            const char        *range)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) base = g_uri_parse (_atrium_media_server_get_base (media), G_URI_FLAGS_NONE,
                                      &error);
  g_autofree char *request = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  GInputStream *in;
  char c;

  g_assert_no_error (error);
  /* A deadline on the socket: the route answers at once or never. */
  g_socket_client_set_timeout (client, REPORT_DEADLINE_MS / 1000);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (base), NULL,
                                                &error);
  g_assert_no_error (error);
  request = g_strdup_printf ("GET %s/data.bin HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                             "Range: %s\r\nConnection: close\r\n\r\n",
                             g_uri_get_path (base), g_uri_get_port (base), range);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      gssize n = g_input_stream_read (in, &c, 1, NULL, &error);

      test_fail_if_timed_out (error, REPORT_DEADLINE_MS / 1000,
                              "the loopback route's answer to a Range request");
      g_assert_no_error (error);
      if (n == 0)
        break;
      g_string_append_c (head, c);
    }
  return g_string_free (g_steal_pointer (&head), FALSE);
}

/* A Range whose first byte overflows a 64-bit number is
 * well-formed and past the end of every file: 416 on app:// and on the
 * loopback media route, which share the parser; not the whole file. */
static void
test_range_overflow (void)
{
  static const char * const ranges[] = {
    "bytes=99999999999999999999-",
    "bytes=18446744073709551616-",   /* 2^64, which wraps to 0 */
    "bytes=9223372036854775808-9223372036854775809",
  };
  g_autoptr(AtriumApp) app = app_new ();
  AtriumWindow *window = harness_open (app, "/");
  AtriumMediaServer *media = _atrium_app_get_media_server (app);
  g_autoptr(GString) body = g_string_new (
    "const get = async (range) => { const r = await fetch('/data.bin', {headers: {Range: range}});"
    "  return [r.status, r.headers.get('content-range'), (await r.arrayBuffer()).byteLength]; };"
    "return [");
  g_autoptr(JsonNode) result = NULL;
  JsonArray *a;

  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    g_string_append_printf (body, "await get('%s'),", ranges[i]);
  g_string_append (body, "];");
  result = run_js (window, "the range requests", body->str);
  a = json_node_get_array (result);

  g_assert_cmpuint (json_array_get_length (a), ==, G_N_ELEMENTS (ranges));
  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    {
      JsonArray *r = json_array_get_array_element (a, i);

      g_test_message ("app://, %s", ranges[i]);
      g_assert_cmpint (json_array_get_int_element (r, 0), ==, 416);
      g_assert_cmpstr (json_array_get_string_element (r, 1), ==, "bytes */65536");
      g_assert_cmpint (json_array_get_int_element (r, 2), <, DATA_LENGTH);
    }

  g_assert_nonnull (media);
  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    {
      g_autofree char *head = media_head (media, ranges[i]);

      g_test_message ("loopback route, %s: %s", ranges[i], head);
      g_assert_true (g_str_has_prefix (head, "HTTP/1.1 416 "));
      g_assert_nonnull (strstr (head, "\r\nContent-Range: bytes */65536\r\n"));
    }

  harness_close (window);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* The upload route is the script messages' way for large calls: these
   * tests hold the page to that transport (test-transport.c has the web
   * process extension's). */
  g_setenv ("ATRIUM_TRANSPORT", "script", TRUE);

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/security/scheme/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  setup_fixture ();

  g_test_add_func ("/atrium/security/scheme/upload-body-shapes", test_upload_body_shapes);
  g_test_add_func ("/atrium/security/scheme/corp", test_corp);
  g_test_add_func ("/atrium/security/scheme/content-length", test_content_length);
  g_test_add_func ("/atrium/security/scheme/range-overflow", test_range_overflow);

  status = g_test_run ();

  g_clear_object (&foreign);
  test_remove_tree (root);
  g_clear_pointer (&root, g_free);
  return status;
}

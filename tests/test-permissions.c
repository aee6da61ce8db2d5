#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "atrium-app-private.h"
#include "atrium-permissions-private.h"
#include "atrium-window-private.h"
#include "desktop-harness.h"
#include "test-util.h"
#include "webkit-harness.h"

/* WebKit's permission requests under the app's policy, with WebKit's mock
 * capture devices standing for a camera: denied by default (with a line
 * in the page's console), allowed, and asked of the user in a dialog that
 * the test answers from the keyboard under openbox, as a user would. A
 * frame of another origin is denied even where the app allows. */

#define ASK_TITLE "Permission request"

static SoupServer *foreign;
static guint foreign_port;

/* The foreign page: asks for the camera as soon as it loads, and tells its
 * parent what it got. */
/* What a realm has of the device APIs, and what getUserMedia() gives it:
 * probe(window) in the foreign pages. */
#define JS_PROBE \
  "const probe = async (w) => {" \
  "  const n = w.navigator, md = n.mediaDevices;" \
  "  const r = {" \
  "    getUserMedia: typeof (md && md.getUserMedia)," \
  "    getDisplayMedia: typeof (md && md.getDisplayMedia)," \
  "    prototype: typeof (w.MediaDevices && w.MediaDevices.prototype.getUserMedia)," \
  "    legacy: typeof n.getUserMedia," \
  "    webkit: typeof n.webkitGetUserMedia," \
  "    geolocation: typeof n.geolocation," \
  "    notification: typeof w.Notification," \
  "    clipboard: typeof (n.clipboard && n.clipboard.readText)," \
  "  };" \
  "  try { r.top = typeof w.top.MediaDevices.prototype.getUserMedia; }" \
  "  catch (e) { r.top = e.name; }" \
  "  try {" \
  "    const s = await md.getUserMedia({video: true});" \
  "    r.outcome = 'granted ' + s.getVideoTracks().length;" \
  "    s.getTracks().forEach((t) => t.stop());" \
  "  } catch (e) { r.outcome = e.name; }" \
  "  try {" \
  "    n.geolocation.getCurrentPosition(() => {}, () => {});" \
  "    r.position = 'asked';" \
  "  } catch (e) { r.position = e.name; }" \
  "  return r;" \
  "};"

/* The foreign page that probes itself, delegated the devices with allow=
 * by the app's markup; then, as an attacker would, the realms it makes
 * itself: an about:blank child (probed as soon as it exists), a srcdoc
 * child, and a data: child (an opaque origin) that reports on its own. */
static const char probe_page[] =
  "<!DOCTYPE html><body><script>" JS_PROBE
  "(async () => {"
  "  const report = {self: await probe(window)};"
  "  const child = (setup) => {"
  "    const f = document.createElement('iframe');"
  "    f.allow = 'camera; microphone; geolocation; display-capture';"
  "    setup(f);"
  "    document.body.append(f);"
  "    return f;"
  "  };"
  "  report.blank = await probe(child(() => {}).contentWindow);"
  "  const srcdoc = child((f) => { f.srcdoc = '<p>child</p>'; });"
  "  await new Promise((resolve) => srcdoc.addEventListener('load', resolve));"
  "  report.srcdoc = await probe(srcdoc.contentWindow);"
  "  const fromData = new Promise((resolve) => addEventListener('message', (e) => {"
  "    if (e.data && e.data.from === 'data') resolve(e.data.report); }));"
  "  child((f) => { f.src = 'data:text/html,' + encodeURIComponent("
  "    '<script>' + probe.toString().replace(/^/, \"const probe = \") + ';'"
  "    + 'probe(window).then((report) => parent.postMessage({from: \"data\", report}, \"*\"));'"
  "    + '<' + '/script>'); });"
  "  report.data = await fromData;"
  "  parent.postMessage({from: 'foreign', outcome: report}, '*');"
  "})();"
  "</script>";

/* The foreign page that reaches past the stripping: a sandboxed child
 * without scripts (allow-same-origin keeps it of the foreign origin) is a
 * realm the web process extension never sees, since WebKit clears no
 * window object where scripts cannot run; the foreign page's own script
 * uses that realm's device APIs, delegated on by allow=. */
static const char scriptless_page[] =
  "<!DOCTYPE html><body><script>"
  "(async () => {"
  "  const f = document.createElement('iframe');"
  "  f.allow = 'camera; microphone; geolocation; display-capture';"
  "  f.sandbox = 'allow-same-origin';"
  "  f.src = '/index.html';"
  "  const loaded = new Promise((resolve) => f.addEventListener('load', resolve));"
  "  document.body.append(f);"
  "  await loaded;"
  "  const w = f.contentWindow, n = w.navigator;"
  "  const r = {getUserMedia: typeof (n.mediaDevices && n.mediaDevices.getUserMedia),"
  "             notification: typeof w.Notification};"
  "  try {"
  "    const s = await n.mediaDevices.getUserMedia({video: true});"
  "    r.outcome = 'granted ' + s.getVideoTracks().length;"
  "    s.getTracks().forEach((t) => t.stop());"
  "  } catch (e) { r.outcome = e.name; }"
  "  try { r.notifications = await w.Notification.requestPermission(); }"
  "  catch (e) { r.notifications = e.name; }"
  "  parent.postMessage({from: 'foreign', outcome: r}, '*');"
  "})();"
  "</script>";


/* A realm's own report on getUserMedia(), posted to its parent: NAME is
 * replaced by the realm's name (a JSON string). Used in the realms the
 * foreign page makes below. */
#define JS_SELF_PROBE \
  "(async () => { let o;" \
  "  try {" \
  "    const md = navigator.mediaDevices;" \
  "    if (!md || !md.getUserMedia) o = 'stripped';" \
  "    else {" \
  "      const s = await md.getUserMedia({video: true});" \
  "      o = 'granted ' + s.getVideoTracks().length;" \
  "      s.getTracks().forEach((t) => t.stop());" \
  "    }" \
  "  } catch (e) { o = e.name; }" \
  "  o += ' (origin ' + window.origin + ', marker ' + typeof window.__marker + ')';" \
  "  parent.postMessage({from: 'realm', name: NAME, outcome: o}, '*');" \
  "})();"

/* The foreign page (delegated the devices) tries realms whose first
 * script might run without window-object-cleared, or be taken for the
 * app's: a javascript: URL child, a child written through contentDocument
 * without its window ever being touched, <object> and <embed> of HTML, a
 * sandboxed srcdoc with scripts and an opaque origin, and an about:blank
 * child whose window.origin it forges (a [Replaceable] attribute) before
 * navigating it, its Window kept, to srcdoc and to a page of its own
 * origin. Each realm reports what getUserMedia() gave it; a worker says
 * what it has. */
static const char realms_page[] =
  "<!DOCTYPE html><body><script>"
  "const SELF = \"@SELF@\";"
  "const html = (name) => '<script>' + SELF.replace('NAME', JSON.stringify(name)) + '<' + '/script>';"
  "const names = ['jsurl', 'write', 'object', 'embed', 'sandboxed', 'forged-srcdoc', 'forged-http',"
  "               'forged-scriptless'];"
  "const report = {};"
  "const all = new Promise((resolve) => addEventListener('message', (e) => {"
  "  if (!e.data || e.data.from !== 'realm') return;"
  "  report[e.data.name] = e.data.outcome;"
  "  if (names.every((n) => n in report)) resolve();"
  "}));"
  "const child = (setup) => {"
  "  const f = document.createElement('iframe');"
  "  f.allow = 'camera; microphone; geolocation; display-capture';"
  "  setup(f);"
  "  document.body.append(f);"
  "  return f;"
  "};"
  "child((f) => { f.src = 'javascript:' + encodeURIComponent(JSON.stringify(html('jsurl'))); });"
  "{ const d = child(() => {}).contentDocument; d.open(); d.write(html('write')); d.close(); }"
  "{ const o = document.createElement('object'); o.type = 'text/html';"
  "  o.data = '/self.html?name=object'; document.body.append(o); }"
  "{ const o = document.createElement('embed'); o.type = 'text/html';"
  "  o.src = '/self.html?name=embed'; document.body.append(o); }"
  "child((f) => { f.sandbox = 'allow-scripts'; f.srcdoc = html('sandboxed'); });"
  "{ const f = child(() => {}); f.contentWindow.origin = 'app://localhost'; f.contentWindow.__marker = 1;"
  "  f.srcdoc = html('forged-srcdoc'); }"
  "{ const f = child(() => {}); f.contentWindow.origin = 'app://localhost'; f.contentWindow.__marker = 1;"
  "  f.src = '/self.html?name=forged-http'; }"
  "{ const f = child((f) => { f.sandbox = 'allow-same-origin'; });"
  "  f.contentWindow.origin = 'app://localhost'; f.contentWindow.__marker = 1;"
  "  f.sandbox = 'allow-same-origin allow-scripts';"
  "  f.srcdoc = html('forged-scriptless'); }"
  "const worker = new Promise((resolve) => {"
  "  const w = new Worker(URL.createObjectURL(new Blob(["
  "    'postMessage([typeof navigator.mediaDevices, typeof self.Notification,'"
  "    + ' typeof (self.Notification && Notification.requestPermission)].join(\" \"))'])));"
  "  w.onmessage = (e) => resolve(e.data);"
  "});"
  "(async () => {"
  "  await all;"
  "  report.worker = await worker;"
  "  parent.postMessage({from: 'foreign', outcome: report}, '*');"
  "})();"
  "</script>";


/* The foreign page with a sandboxed child without scripts (as
 * scriptless_page), driven by its parent: "ask" asks for the camera
 * through the child, "top" navigates the top frame to the URL given. */
static const char driven_page[] =
  "<!DOCTYPE html><body><script>"
  "const f = document.createElement('iframe');"
  "f.allow = 'camera; microphone; geolocation; display-capture';"
  "f.sandbox = 'allow-same-origin';"
  "f.src = '/index.html';"
  "const loaded = new Promise((resolve) => f.addEventListener('load', resolve));"
  "document.body.append(f);"
  "const ask = async () => {"
  "  try {"
  "    const s = await f.contentWindow.navigator.mediaDevices.getUserMedia({video: true});"
  "    s.getTracks().forEach((t) => t.stop());"
  "    return 'granted ' + s.getVideoTracks().length;"
  "  } catch (e) { return e.name; }"
  "};"
  "addEventListener('message', async (e) => {"
  "  if (!e.data || e.data.to !== 'foreign') return;"
  "  let value = 'done';"
  "  if (e.data.cmd === 'ask') value = await ask();"
  "  else if (e.data.cmd === 'top') top.location.href = e.data.url;"
  "  else if (e.data.cmd === 'race') { ask(); top.location.href = e.data.url; }"
  "  parent.postMessage({from: 'driven', id: e.data.id, value}, '*');"
  "});"
  "loaded.then(() => parent.postMessage({from: 'foreign', outcome: 'ready'}, '*'));"
  "</script>";

static void
foreign_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  static const char page[] =
    "<!DOCTYPE html><script>"
    "(async () => {"
    "  let outcome;"
    "  try {"
    "    if (!navigator.mediaDevices) outcome = 'no mediaDevices';"
    "    else {"
    "      const s = await navigator.mediaDevices.getUserMedia({video: true});"
    "      outcome = 'granted ' + s.getVideoTracks().length;"
    "      s.getTracks().forEach((t) => t.stop());"
    "    }"
    "  } catch (e) { outcome = e.name; }"
    "  parent.postMessage({from: 'foreign', outcome}, '*');"
    "})();"
    "</script>";

  soup_server_message_set_status (msg, 200, NULL);
  if (strcmp (path, "/index.html") == 0)
    soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, "<!DOCTYPE html>",
                                      strlen ("<!DOCTYPE html>"));
  else if (strcmp (path, "/scriptless.html") == 0)
    soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, scriptless_page,
                                      sizeof scriptless_page - 1);
  else if (strcmp (path, "/realms.html") == 0)
    {
      g_autoptr(GString) self_probe = g_string_new (JS_SELF_PROBE);
      char *body;

      /* In a JS string literal between double quotes. */
      g_string_replace (self_probe, "\"", "\\\"", 0);
      g_autoptr(GString) text = g_string_new (realms_page);

      g_string_replace (text, "@SELF@", self_probe->str, 1);
      body = g_string_free (g_steal_pointer (&text), FALSE);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_TAKE, body, strlen (body));
    }
  else if (strcmp (path, "/self.html") == 0)
    {
      const char *name = query != NULL ? g_hash_table_lookup (query, "name") : NULL;
      g_autoptr(GString) script = g_string_new (JS_SELF_PROBE);
      g_autofree char *literal = g_strdup_printf ("'%s'", name != NULL ? name : "unnamed");
      char *body;

      g_string_replace (script, "NAME", literal, 1);
      body = g_strdup_printf ("<!DOCTYPE html><script>%s</script>", script->str);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_TAKE, body, strlen (body));
    }
  else if (strcmp (path, "/driven.html") == 0)
    soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, driven_page,
                                      sizeof driven_page - 1);
  else if (strcmp (path, "/probe.html") == 0)
    soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, probe_page,
                                      sizeof probe_page - 1);
  else
    soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, page,
                                      sizeof page - 1);
}

static AtriumApp *
new_app (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  AtriumApp *app;

  g_assert_no_error (error);
  app = harness_app_new (assets);
  atrium_app_set_remote_frames (app, TRUE);
  return app;
}

/* A window whose page spies on its console and has WebKit's mock camera. */
static AtriumWindow *
open_window (AtriumApp *app)
{
  AtriumWindow *window = harness_open (app, "/index.html");
  WebKitSettings *settings = webkit_web_view_get_settings (atrium_window_get_web_view (window));
  g_autofree char *text = NULL;

  webkit_settings_set_enable_mock_capture_devices (settings, TRUE);
  text = harness_run_js (window,
    "window.__warnings = [];"
    "const warn = console.warn;"
    "console.warn = (...a) => { window.__warnings.push(a.join(' ')); warn.apply(console, a); };"
    "return true;");
  g_assert_cmpstr (text, ==, "true");
  return window;
}

#define JS_CAMERA \
  "window.__r = undefined;" \
  "(async () => {" \
  "  try {" \
  "    if (!navigator.mediaDevices) { window.__r = 'no mediaDevices'; return; }" \
  "    const s = await navigator.mediaDevices.getUserMedia({video: true});" \
  "    window.__r = 'granted ' + s.getVideoTracks().length;" \
  "    s.getTracks().forEach((t) => t.stop());" \
  "  } catch (e) { window.__r = e.name; }" \
  "})();" \
  "return true;"

typedef struct
{
  AtriumWindow *window;
} PageWait;

static gboolean
page_answered (gpointer data)
{
  PageWait *wait = data;
  g_autofree char *text = harness_run_js (wait->window, "return window.__r !== undefined;");

  return g_strcmp0 (text, "true") == 0;
}

static gboolean
page_focused (gpointer data)
{
  PageWait *wait = data;
  g_autofree char *text = harness_run_js (wait->window, "return document.hasFocus();");

  return g_strcmp0 (text, "true") == 0;
}

/* WebKit holds a page's getUserMedia() back until the page has the focus:
 * the window is given it as a user would, through the window manager. */
static void
focus_window (AtriumWindow *window,
              const char   *title)
{
  PageWait wait = { window };

  gtk_window_set_title (GTK_WINDOW (window), title);
  desktop_focus (desktop_wait_window (title));
  harness_wait_for (page_focused, &wait, "the page to have the focus");
}

/* Asks for the camera; returns what the page got, once it has. */
static void
start_camera (AtriumWindow *window)
{
  g_autofree char *text = harness_run_js (window, JS_CAMERA);

  g_assert_cmpstr (text, ==, "true");
}

static char *
camera_outcome (AtriumWindow *window)
{
  PageWait wait = { window };

  harness_wait_for (page_answered, &wait, "the page's getUserMedia() to settle");
  return harness_run_js (window, "return window.__r;");
}

static char *
ask_camera (AtriumWindow *window)
{
  start_camera (window);
  return camera_outcome (window);
}

static guint
count_dialogs (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        n++;
    }
  return n;
}

static gboolean
dialog_shown (gpointer data)
{
  return count_dialogs () > 0;
}

/* Everything denied by default: the capture kinds leave WebKit's media
 * stream off, so the page has no navigator.mediaDevices at all. */
static void
test_default (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autofree char *outcome = NULL;

  for (guint kind = 0; kind < ATRIUM_PERMISSION_N; kind++)
    {
      g_assert_cmpint (atrium_app_get_permission_policy (app, kind), ==, ATRIUM_POLICY_DENY);
      g_assert_cmpint (_atrium_app_get_permission_policy (app, kind), ==, ATRIUM_POLICY_DENY);
    }
  window = open_window (app);
  g_assert_false (webkit_settings_get_enable_media_stream (
                    webkit_web_view_get_settings (atrium_window_get_web_view (window))));
  outcome = ask_camera (window);
  g_assert_cmpstr (outcome, ==, "\"no mediaDevices\"");
  harness_close (window);
}

/* The camera denied while the microphone is allowed (so the page has
 * mediaDevices): NotAllowedError, and one console line, however often the
 * page asks, that names the call that allows it. */
static void
test_deny (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(JsonNode) warnings = NULL;
  JsonArray *array;

  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_MICROPHONE, ATRIUM_POLICY_ALLOW);
  window = open_window (app);
  g_assert_true (webkit_settings_get_enable_media_stream (
                   webkit_web_view_get_settings (atrium_window_get_web_view (window))));
  first = ask_camera (window);
  g_assert_cmpstr (first, ==, "\"NotAllowedError\"");
  second = ask_camera (window);
  g_assert_cmpstr (second, ==, "\"NotAllowedError\"");

  warnings = harness_run_js_json (window, "return window.__warnings;");
  array = json_node_get_array (warnings);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_nonnull (strstr (json_array_get_string_element (array, 0),
                            "atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_CAMERA, "
                            "ATRIUM_POLICY_ALLOW)"));
  g_assert_nonnull (strstr (json_array_get_string_element (array, 0), "camera access"));

  /* Turning the last capture kind off takes mediaDevices away again. */
  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_MICROPHONE, ATRIUM_POLICY_DENY);
  g_assert_false (webkit_settings_get_enable_media_stream (
                    webkit_web_view_get_settings (atrium_window_get_web_view (window))));
  harness_close (window);
}

static void
test_allow (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autofree char *outcome = NULL;
  g_autoptr(JsonNode) warnings = NULL;

  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_CAMERA, ATRIUM_POLICY_ALLOW);
  window = open_window (app);
  outcome = ask_camera (window);
  g_assert_cmpstr (outcome, ==, "\"granted 1\"");
  warnings = harness_run_js_json (window, "return window.__warnings.length;");
  g_assert_cmpint (json_node_get_int (warnings), ==, 0);
  g_assert_cmpuint (count_dialogs (), ==, 0);
  harness_close (window);
}

/* Asked: the dialog names the app's origin; Allow grants it, and the
 * answer holds for the next request without a dialog. A second app's user
 * says Deny (Escape), which holds too. */
static void
test_ask (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumApp) other = NULL;
  AtriumWindow *window;
  gulong dialog;
  g_autofree char *outcome = NULL;
  g_autofree char *again = NULL;
  g_autofree char *denied = NULL;
  g_autofree char *denied_again = NULL;

  if (!desktop_need_wm ())
    return;
  app = new_app ();
  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_CAMERA, ATRIUM_POLICY_ASK);
  window = open_window (app);
  focus_window (window, "Asks for the camera");
  start_camera (window);
  harness_wait_for (dialog_shown, NULL, "the permission dialog to be made");
  dialog = desktop_wait_window (ASK_TITLE);
  g_assert_cmpuint (count_dialogs (), ==, 1);
  {
    GListModel *toplevels = gtk_window_get_toplevels ();
    gboolean named = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GObject) object = g_list_model_get_item (toplevels, i);
        g_autofree char *secondary = NULL;

        if (!GTK_IS_MESSAGE_DIALOG (object))
          continue;
        g_object_get (object, "secondary-text", &secondary, NULL);
        named = secondary != NULL && strstr (secondary, "app://localhost") != NULL;
      }
    g_assert_true (named);
  }
  desktop_key (dialog, "alt+a");
  outcome = camera_outcome (window);
  g_assert_cmpstr (outcome, ==, "\"granted 1\"");
  desktop_wait_window_gone (ASK_TITLE);
  g_assert_cmpint (_atrium_app_get_permission_policy (app, ATRIUM_PERMISSION_CAMERA), ==,
                   ATRIUM_POLICY_ALLOW);
  again = ask_camera (window);
  g_assert_cmpstr (again, ==, "\"granted 1\"");
  g_assert_cmpuint (count_dialogs (), ==, 0);
  harness_close (window);

  other = new_app ();
  atrium_app_set_permission_policy (other, ATRIUM_PERMISSION_CAMERA, ATRIUM_POLICY_ASK);
  window = open_window (other);
  focus_window (window, "Asks for the camera again");
  start_camera (window);
  harness_wait_for (dialog_shown, NULL, "the permission dialog to be made");
  dialog = desktop_wait_window (ASK_TITLE);
  desktop_key (dialog, "Escape");
  denied = camera_outcome (window);
  g_assert_cmpstr (denied, ==, "\"NotAllowedError\"");
  desktop_wait_window_gone (ASK_TITLE);
  denied_again = ask_camera (window);
  g_assert_cmpstr (denied_again, ==, "\"NotAllowedError\"");
  g_assert_cmpuint (count_dialogs (), ==, 0);
  harness_close (window);
}

/* Sees every request, before any handler decides it. */
static gboolean
count_request_hook (GSignalInvocationHint *hint,
                    guint                  n_values,
                    const GValue          *values,
                    gpointer               data)
{
  guint *count = data;

  (*count)++;
  return TRUE;
}

/* The page's console has the one line saying why a page that holds a
 * frame of another origin got no device, naming that origin. */
static void
assert_foreign_warning (AtriumWindow *window)
{
  g_autoptr(JsonNode) warnings = harness_run_js_json (window, "return window.__warnings;");
  JsonArray *array = json_node_get_array (warnings);
  g_autofree char *origin = g_strdup_printf ("http://127.0.0.1:%u", foreign_port);
  guint found = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *line = json_array_get_string_element (array, i);

      g_test_message ("console: %s", line);
      if (strstr (line, "holds a frame of another origin") != NULL)
        {
          g_assert_nonnull (strstr (line, origin));
          found++;
        }
    }
  g_assert_cmpuint (found, ==, 1);
}

/* The app's own page asks for the camera while it holds a frame of
 * another origin: denied (WebKit does not say who asks), with the line in
 * its console; loaded anew without the frame, granted. Without the
 * extension (sanitizer builds) nothing says such a frame is there, and the
 * page gets it at once. */
static void
assert_own_camera (AtriumWindow *window,
                   guint        *requests)
{
  guint before = *requests;
  g_autofree char *own = ask_camera (window);

  if (harness_have_web_extension ())
    {
      g_assert_cmpstr (own, ==, "\"NotAllowedError\"");
      g_assert_cmpuint (*requests, ==, ++before);
      assert_foreign_warning (window);
      harness_load_uri (atrium_window_get_web_view (window), "app://localhost/index.html",
                        "the app's page loaded anew");
      g_free (own);
      own = ask_camera (window);
    }
  g_assert_cmpstr (own, ==, "\"granted 1\"");
  g_assert_cmpuint (*requests, ==, before + 1);
}

/* A window of an app that allows @allowed (bits of AtriumPermission),
 * whose permission requests are counted as they reach C. */
typedef struct
{
  AtriumApp    *app;
  AtriumWindow *window;
  guint         requests;
  guint         unflagged;  /* requests that came while the window knew of no foreign frame */
  guint         signal_id;
  gulong        hook;
  gulong        unflagged_hook;
} Counted;

/* Counts the requests that reach C while the window does not know that its
 * page holds a frame of another origin: once a foreign frame has been
 * loaded, each is one answered as the app. */
static gboolean
unflagged_request_hook (GSignalInvocationHint *hint,
                        guint                  n_values,
                        const GValue          *values,
                        gpointer               data)
{
  Counted *c = data;

  g_test_message ("permission-request: window knows of %s",
                  _atrium_window_get_foreign_frame (c->window));
  if (g_value_get_object (&values[0]) == (gpointer) atrium_window_get_web_view (c->window)
      && _atrium_window_get_foreign_frame (c->window) == NULL)
    {
      c->unflagged++;
      g_test_message ("a permission request came while the window knew of no foreign frame");
    }
  return TRUE;
}

static void
counted_open (Counted *c,
              guint    allowed)
{
  c->app = new_app ();
  for (guint kind = 0; kind < ATRIUM_PERMISSION_N; kind++)
    if (allowed & (1u << kind))
      atrium_app_set_permission_policy (c->app, kind, ATRIUM_POLICY_ALLOW);
  c->window = open_window (c->app);
  c->requests = 0;
  c->signal_id = g_signal_lookup ("permission-request", WEBKIT_TYPE_WEB_VIEW);
  c->hook = g_signal_add_emission_hook (c->signal_id, 0, count_request_hook, &c->requests, NULL);
  c->unflagged = 0;
  c->unflagged_hook = g_signal_add_emission_hook (c->signal_id, 0, unflagged_request_hook, c, NULL);
}

static void
counted_close (Counted *c)
{
  g_signal_remove_emission_hook (c->signal_id, c->hook);
  g_signal_remove_emission_hook (c->signal_id, c->unflagged_hook);
  harness_close (c->window);
  g_clear_object (&c->app);
}

/* Loads the foreign server's @path in an iframe (that the app's markup
 * delegates every device to, if @delegate) and returns what the page there
 * posts back. */
static JsonNode *
load_foreign (AtriumWindow *window,
              const char   *path,
              gboolean      delegate)
{
  g_autofree char *script = g_strdup_printf (
    "const got = new Promise((resolve) => addEventListener('message', (e) => {"
    "  if (e.data && e.data.from === 'foreign') resolve(e.data.outcome); }));"
    "const f = document.createElement('iframe');"
    "%s"
    "f.src = 'http://127.0.0.1:%u%s';"
    "document.body.append(f);"
    "return await got;",
    delegate ? "f.allow = 'camera; microphone; geolocation; display-capture';" : "",
    foreign_port, path);

  return harness_run_js_json (window, script);
}

#define BIT(kind) (1u << (kind))

/* The app allows the camera; a frame of another origin that asks for it
 * is denied all the same, before its request reaches C: the web process
 * extension took getUserMedia() from its realm. (WebKitGTK 2.50 does not
 * say which frame a request comes from.) The app's own page is denied
 * while it holds the frame. */
static void
test_foreign_frame (void)
{
  Counted c;
  g_autoptr(JsonNode) result = NULL;

  counted_open (&c, BIT (ATRIUM_PERMISSION_CAMERA));
  result = load_foreign (c.window, "/camera.html", FALSE);
  g_assert_cmpstr (json_node_get_string (result), !=, "granted 1");
  /* Without the extension (sanitizer builds), WebKit's own permissions
   * policy denies the frame that was not delegated the camera. */
  g_assert_cmpstr (json_node_get_string (result), ==,
                   harness_have_web_extension () ? "TypeError" : "NotAllowedError");
  g_assert_cmpuint (c.requests, ==, 0);

  assert_own_camera (c.window, &c.requests);
  counted_close (&c);
}

/* Every device API of one probed realm is gone, and asking threw. */
static void
assert_stripped (JsonObject *report,
                 const char *realm)
{
  static const char * const absent[] = {
    "getUserMedia", "getDisplayMedia", "prototype", "legacy", "webkit", "geolocation",
    "notification", "clipboard",
  };
  JsonObject *probe;

  g_test_message ("Checking the foreign %s realm", realm);
  g_assert_true (json_object_has_member (report, realm));
  probe = json_object_get_object_member (report, realm);
  for (gsize i = 0; i < G_N_ELEMENTS (absent); i++)
    {
      g_test_message ("%s: %s", absent[i], json_object_get_string_member (probe, absent[i]));
      g_assert_cmpstr (json_object_get_string_member (probe, absent[i]), ==, "undefined");
    }
  g_assert_cmpstr (json_object_get_string_member (probe, "outcome"), ==, "TypeError");
  g_assert_cmpstr (json_object_get_string_member (probe, "position"), ==, "TypeError");
  /* Nor through the app's realm, which the browser keeps out of reach. */
  g_assert_cmpstr (json_object_get_string_member (probe, "top"), ==, "SecurityError");
}

/* The app's markup delegates the devices to a foreign frame (allow=),
 * which WebKit's permissions policy then lets ask, and the app allows
 * them: before the extension, its getUserMedia() got the camera as the
 * app. Now the frame has none of the device APIs and no request reaches
 * C, while the app's own page, its about:blank child and a same-origin
 * iframe keep theirs; the page's own request is denied while it holds the
 * foreign frame, and granted once it has loaded anew. */
static void
test_foreign_frame_delegated (void)
{
  Counted c;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) own_frames = NULL;

  if (!harness_need_web_extension ())
    return;

  counted_open (&c, BIT (ATRIUM_PERMISSION_CAMERA) | BIT (ATRIUM_PERMISSION_MICROPHONE)
                    | BIT (ATRIUM_PERMISSION_NOTIFICATIONS));
  result = load_foreign (c.window, "/probe.html", TRUE);
  assert_stripped (json_node_get_object (result), "self");
  g_assert_cmpuint (c.requests, ==, 0);

  /* The app's own frames: untouched. */
  own_frames = harness_run_js_json (c.window,
    "const kinds = (w) => [typeof w.navigator.mediaDevices.getUserMedia,"
    "                      typeof w.MediaDevices.prototype.getDisplayMedia,"
    "                      typeof w.Notification, typeof w.navigator.clipboard.readText].join(' ');"
    "const blank = document.createElement('iframe');"
    "document.body.append(blank);"
    "const same = document.createElement('iframe');"
    "same.src = '/index.html';"
    "const loaded = new Promise((resolve) => same.addEventListener('load', resolve));"
    "document.body.append(same);"
    "await loaded;"
    "return [kinds(window), kinds(blank.contentWindow), kinds(same.contentWindow)];");
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (json_array_get_string_element (json_node_get_array (own_frames), i), ==,
                     "function function function function");
  assert_own_camera (c.window, &c.requests);
  counted_close (&c);
}

/* The foreign frame makes frames of its own to find pristine functions in
 * a fresh realm: an about:blank child (read the moment it exists), a
 * srcdoc child and a data: child (an opaque origin). Each is stripped
 * before the foreign frame's script can reach it. */
static void
test_foreign_frame_children (void)
{
  Counted c;
  g_autoptr(JsonNode) result = NULL;

  if (!harness_need_web_extension ())
    return;

  counted_open (&c, BIT (ATRIUM_PERMISSION_CAMERA) | BIT (ATRIUM_PERMISSION_GEOLOCATION));
  result = load_foreign (c.window, "/probe.html", TRUE);
  assert_stripped (json_node_get_object (result), "blank");
  assert_stripped (json_node_get_object (result), "srcdoc");
  assert_stripped (json_node_get_object (result), "data");
  g_assert_cmpuint (c.requests, ==, 0);
  counted_close (&c);
}

/* The foreign frame, delegated the devices, uses them through a sandboxed
 * child without scripts: a realm the extension cannot strip. WebKit does
 * not say which frame asks, so C denies the page every device while it
 * holds a frame of another origin: the child's getUserMedia() and
 * Notification.requestPermission() are refused though the app allows
 * both, and the page's console says why. */
static void
test_foreign_frame_scriptless (void)
{
  Counted c;
  g_autoptr(JsonNode) result = NULL;
  JsonObject *report;

  if (!harness_need_web_extension ())
    return;

  counted_open (&c, BIT (ATRIUM_PERMISSION_CAMERA) | BIT (ATRIUM_PERMISSION_NOTIFICATIONS));
  result = load_foreign (c.window, "/scriptless.html", TRUE);
  report = json_node_get_object (result);
  g_test_message ("scriptless child: getUserMedia %s, outcome %s, notifications %s",
                  json_object_get_string_member (report, "getUserMedia"),
                  json_object_get_string_member (report, "outcome"),
                  json_object_get_string_member (report, "notifications"));
  g_assert_cmpstr (json_object_get_string_member (report, "getUserMedia"), ==, "function");
  g_assert_cmpstr (json_object_get_string_member (report, "outcome"), ==, "NotAllowedError");
  g_assert_cmpstr (json_object_get_string_member (report, "notifications"), !=, "granted");
  /* The request reached C, which said no, and said why in the console. */
  g_assert_cmpuint (c.requests, >=, 1);
  assert_foreign_warning (c.window);
  counted_close (&c);
}


/* Review: the realms a foreign frame might reach before the web process
 * extension strips them or says the page holds it (realms_page). None
 * gets the camera, though the app allows it and its markup delegates it,
 * and no request reaches C while the window does not know of the frame. */
static void
test_foreign_frame_realms (void)
{
  Counted c;
  g_autoptr(JsonNode) result = NULL;
  JsonObject *report;
  g_autoptr(GList) members = NULL;

  if (!harness_need_web_extension ())
    return;

  counted_open (&c, BIT (ATRIUM_PERMISSION_CAMERA) | BIT (ATRIUM_PERMISSION_NOTIFICATIONS));
  result = load_foreign (c.window, "/realms.html", TRUE);
  report = json_node_get_object (result);
  members = json_object_get_members (report);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *outcome = json_object_get_string_member (report, l->data);

      g_test_message ("realm %s: %s", (const char *) l->data, outcome);
      g_assert_false (g_str_has_prefix (outcome, "granted"));
    }
  g_test_message ("requests %u, of which unflagged %u", c.requests, c.unflagged);
  g_assert_cmpuint (c.unflagged, ==, 0);
  counted_close (&c);
}


/* Sends the driven foreign frame (the page's first frame) @cmd; returns
 * its answer, a JSON string. Each command has an id its answer carries: a
 * command whose answer is not awaited ("top") may answer after the next
 * command is sent, which must not take that answer for its own. */
static char *
drive_foreign (AtriumWindow *window,
               const char   *cmd,
               const char   *url)
{
  static guint next_id = 1;
  guint id = next_id++;
  g_autofree char *script = g_strdup_printf (
    "const got = new Promise((resolve) => addEventListener('message', (e) => {"
    "  if (e.data && e.data.from === 'driven' && e.data.id === %u) resolve(e.data.value); }));"
    "frames[0].postMessage({to: 'foreign', id: %u, cmd: '%s', url: '%s'}, '*');"
    "return %s;", id, id, cmd, url != NULL ? url : "",
    /* A script that awaits across a top-frame navigation never returns. */
    url != NULL ? "true" : "await got");

  return harness_run_js (window, script);
}

/* The camera through the driven frame's scriptless child: denied, the
 * window still knowing of the frame, no request unflagged. */
static void
assert_still_denied (Counted    *c,
                     const char *after)
{
  g_autofree char *outcome = drive_foreign (c->window, "ask", NULL);

  g_test_message ("after %s: %s (window knows of %s; unflagged %u)", after, outcome,
                  _atrium_window_get_foreign_frame (c->window), c->unflagged);
  g_assert_cmpstr (outcome, ==, "\"NotAllowedError\"");
  g_assert_nonnull (_atrium_window_get_foreign_frame (c->window));
  g_assert_cmpuint (c->unflagged, ==, 0);
}

/* Review: the foreign frame tries to make the window forget that the page
 * holds it, without the top frame loading anew: a fragment navigation of
 * the top frame (and the app's own pushState()), the app's own
 * document.open() before a new foreign frame. Each time its scriptless child then asks for the camera,
 * which the app allows: still denied. */
static void
test_foreign_frame_reset (void)
{
  Counted c;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *done = NULL;
  HarnessJsWait hash = { NULL, "return location.hash === '#review';" };

  if (!harness_need_web_extension ())
    return;

  counted_open (&c, BIT (ATRIUM_PERMISSION_CAMERA));
  result = load_foreign (c.window, "/driven.html", TRUE);
  g_assert_cmpstr (json_node_get_string (result), ==, "ready");
  assert_still_denied (&c, "loading");

  done = drive_foreign (c.window, "top", "app://localhost/index.html#review");
  hash.window = c.window;
  harness_wait_for (harness_js_true, &hash, "the top frame's fragment navigation");
  assert_still_denied (&c, "a fragment navigation of the top frame");

  harness_assert_js (c.window, "history.pushState({}, '', '/elsewhere.html'); return true;",
                     "true");
  assert_still_denied (&c, "the app's pushState()");

  /* (A top-frame navigation to another site is not tried: WebKit does not
   * let a third-party frame make one without a click. One to an app file
   * that is a download is refused without a commit:
   * tests/test-downloads.c, app-file-foreign-frame.) */

  /* The app's own document.open() clears the top frame's document without
   * a commit (the window keeps what it knew) and may clear its window
   * object (the extension then forgets that it told): a foreign frame
   * loaded after it is still known. */
  harness_assert_js (c.window,
                     "document.open(); document.write('<!DOCTYPE html><body>'); document.close();"
                     "return document.querySelectorAll('iframe').length === 0;", "true");
  g_test_message ("after document.open(): window knows of %s",
                  _atrium_window_get_foreign_frame (c.window));
  json_node_unref (result);
  result = load_foreign (c.window, "/driven.html", TRUE);
  g_assert_cmpstr (json_node_get_string (result), ==, "ready");
  assert_still_denied (&c, "the app's document.open() and a new foreign frame");
  counted_close (&c);
}


static void
count_loaded_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 gpointer         data)
{
  if (event == WEBKIT_LOAD_FINISHED)
    (*(guint *) data)++;
}

typedef struct
{
  guint *count;
  guint  target;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *wait = data;

  return *wait->count >= wait->target;
}

/* Review: the foreign frame's scriptless child asks for the camera and,
 * in the same task, the frame takes the top frame to a new app page (a
 * same-site navigation WebKit lets it make): WebKit's UI process answers
 * getUserMedia() after asynchronous steps, so the request could reach C
 * after the commit that made the window forget the frame. Counted: any
 * request that reaches C then is answered as the app. */
static void
test_foreign_frame_race (void)
{
  Counted c;
  guint loaded = 0;
  gulong id;

  if (!harness_need_web_extension ())
    return;

  counted_open (&c, BIT (ATRIUM_PERMISSION_CAMERA));
  id = g_signal_connect (atrium_window_get_web_view (c.window), "load-changed",
                         G_CALLBACK (count_loaded_cb), &loaded);
  for (guint round = 0; round < 5; round++)
    {
      g_autoptr(JsonNode) result = load_foreign (c.window, "/driven.html", TRUE);
      g_autofree char *done = NULL;
      CountWait wait = { &loaded, loaded + 1 };

      g_assert_cmpstr (json_node_get_string (result), ==, "ready");
      done = drive_foreign (c.window, "race", "app://localhost/index.html");
      harness_wait_for (count_reached, &wait, "the new app page to load");
      /* A round trip through the web process, after which anything the
       * old page sent has arrived. */
      harness_assert_js (c.window, "return true;", "true");
      harness_assert_js (c.window, "return true;", "true");
      g_test_message ("round %u: requests %u, unflagged %u", round, c.requests, c.unflagged);
    }
  g_signal_handler_disconnect (atrium_window_get_web_view (c.window), id);
  g_assert_cmpuint (c.unflagged, ==, 0);
  counted_close (&c);
}

/* Hands the window's web view a user message named as the extension's
 * word on foreign frames, with @params; returns whether it was taken. */
static gboolean
emit_foreign_word (AtriumWindow *window,
                   GVariant     *params)
{
  g_autoptr(WebKitUserMessage) message =
    g_object_ref_sink (webkit_user_message_new ("atrium-foreign-frame", params));
  gboolean handled = FALSE;

  g_signal_emit_by_name (atrium_window_get_web_view (window), "user-message-received", message,
                         &handled);
  return handled;
}

/* The extension's word that the page holds a foreign frame, forged as a
 * web process could: with parameters of the wrong type it still counts
 * (it can only take devices away), and a new page starts clean; an origin
 * of 6 KiB reaches the console cut short and still UTF-8; only the first
 * word of a page is kept. */
static void
test_foreign_frame_message (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autofree char *outcome = NULL;
  g_autoptr(JsonNode) warnings = NULL;
  g_autoptr(GString) origin = g_string_new ("x");
  const char *line;

  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_CAMERA, ATRIUM_POLICY_ALLOW);
  window = open_window (app);
  g_assert_true (emit_foreign_word (window, g_variant_new ("(u)", 7)));
  outcome = ask_camera (window);
  g_assert_cmpstr (outcome, ==, "\"NotAllowedError\"");
  harness_load_uri (atrium_window_get_web_view (window), "app://localhost/index.html",
                    "the app's page loaded anew");
  g_clear_pointer (&outcome, g_free);
  outcome = ask_camera (window);
  g_assert_cmpstr (outcome, ==, "\"granted 1\"");
  harness_close (window);

  /* 3,000 two-byte characters after one byte: cut at 256 bytes, the cut
   * falls inside one. */
  for (guint i = 0; i < 3000; i++)
    g_string_append (origin, "\xc3\xa9");
  window = open_window (app);
  g_assert_true (emit_foreign_word (window, g_variant_new ("(s)", origin->str)));
  g_assert_true (emit_foreign_word (window, g_variant_new ("(s)", "http://second.example")));
  g_assert_true (emit_foreign_word (window, NULL));
  g_clear_pointer (&outcome, g_free);
  outcome = ask_camera (window);
  g_assert_cmpstr (outcome, ==, "\"NotAllowedError\"");
  warnings = harness_run_js_json (window, "return window.__warnings;");
  g_assert_cmpuint (json_array_get_length (json_node_get_array (warnings)), ==, 1);
  line = json_array_get_string_element (json_node_get_array (warnings), 0);
  g_test_message ("console: %s", line);
  g_assert_true (g_utf8_validate (line, -1, NULL));
  g_assert_nonnull (strstr (line, "holds a frame of another origin (x\xc3\xa9"));
  g_assert_null (strstr (line, "second.example"));
  g_assert_cmpuint (strlen (line), <, 1024);
  harness_close (window);
}

/* Geolocation allowed by the app and delegated by its markup: the foreign
 * frame has no navigator.geolocation (nor Geolocation's methods), the
 * app's page has it. */
static void
test_foreign_frame_geolocation (void)
{
  Counted c;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) own = NULL;
  JsonObject *self;

  if (!harness_need_web_extension ())
    return;

  counted_open (&c, BIT (ATRIUM_PERMISSION_GEOLOCATION));
  result = load_foreign (c.window, "/probe.html", TRUE);
  self = json_object_get_object_member (json_node_get_object (result), "self");
  g_assert_cmpstr (json_object_get_string_member (self, "geolocation"), ==, "undefined");
  g_assert_cmpstr (json_object_get_string_member (self, "position"), ==, "TypeError");
  g_assert_cmpuint (c.requests, ==, 0);

  own = harness_run_js_json (c.window,
    "return [typeof navigator.geolocation,"
    "        typeof Geolocation.prototype.getCurrentPosition].join(' ');");
  g_assert_cmpstr (json_node_get_string (own), ==, "object function");
  counted_close (&c);
}

/* On a dev server the app's origin is the server's (http, a host and a
 * port): its page (a blank one, /index.html on the foreign server) keeps
 * the device APIs and gets the camera. */
static void
test_dev_server (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", foreign_port);
  AtriumWindow *window;
  g_autoptr(JsonNode) kinds = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *expected = g_strdup_printf ("http://127.0.0.1:%u function object",
                                               foreign_port);

  g_assert_true (atrium_app_set_dev_url (app, url, &error));
  g_assert_no_error (error);
  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_CAMERA, ATRIUM_POLICY_ALLOW);
  window = open_window (app);
  kinds = harness_run_js_json (window,
    "return [location.origin, typeof navigator.mediaDevices.getUserMedia,"
    "        typeof navigator.geolocation].join(' ');");
  g_assert_cmpstr (json_node_get_string (kinds), ==, expected);
  outcome = ask_camera (window);
  g_assert_cmpstr (outcome, ==, "\"granted 1\"");
  harness_close (window);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  desktop_wm_start ();
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/permissions/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  foreign = harness_foreign_server_new (foreign_cb, NULL, &foreign_port);

  g_test_add_func ("/atrium/permissions/default", test_default);
  g_test_add_func ("/atrium/permissions/deny", test_deny);
  g_test_add_func ("/atrium/permissions/allow", test_allow);
  g_test_add_func ("/atrium/permissions/ask", test_ask);
  g_test_add_func ("/atrium/permissions/foreign-frame", test_foreign_frame);
  g_test_add_func ("/atrium/permissions/foreign-frame-delegated", test_foreign_frame_delegated);
  g_test_add_func ("/atrium/permissions/foreign-frame-children", test_foreign_frame_children);
  g_test_add_func ("/atrium/permissions/foreign-frame-scriptless",
                   test_foreign_frame_scriptless);
  g_test_add_func ("/atrium/permissions/foreign-frame-message", test_foreign_frame_message);
  g_test_add_func ("/atrium/permissions/foreign-frame-realms", test_foreign_frame_realms);
  g_test_add_func ("/atrium/permissions/foreign-frame-reset", test_foreign_frame_reset);
  g_test_add_func ("/atrium/permissions/foreign-frame-race", test_foreign_frame_race);
  g_test_add_func ("/atrium/permissions/foreign-frame-geolocation",
                   test_foreign_frame_geolocation);
  g_test_add_func ("/atrium/permissions/dev-server", test_dev_server);

  status = g_test_run ();
  soup_server_disconnect (foreign);
  g_clear_object (&foreign);
  desktop_wm_stop ();
  return status;
}

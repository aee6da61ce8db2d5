#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "atrium-app-private.h"
#include "atrium-permissions-private.h"
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

/* The app allows the camera; a frame of another origin that asks for it
 * is denied all the same, before its request reaches C: the web process
 * extension took getUserMedia() from its realm. (WebKitGTK 2.50 does not
 * say which frame a request comes from.) */
static void
test_foreign_frame (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autofree char *script = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *own = NULL;

  guint requests = 0;

  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_CAMERA, ATRIUM_POLICY_ALLOW);
  window = open_window (app);
  guint signal_id = g_signal_lookup ("permission-request", WEBKIT_TYPE_WEB_VIEW);
  gulong hook = g_signal_add_emission_hook (signal_id, 0, count_request_hook, &requests, NULL);

  script = g_strdup_printf (
    "const got = new Promise((resolve) => addEventListener('message', (e) => {"
    "  if (e.data && e.data.from === 'foreign') resolve(e.data.outcome); }));"
    "const f = document.createElement('iframe');"
    "f.src = 'http://127.0.0.1:%u/camera.html';"
    "document.body.append(f);"
    "return await got;", foreign_port);
  result = harness_run_js_json (window, script);
  g_assert_cmpstr (json_node_get_string (result), !=, "granted 1");
  /* Without the extension (sanitizer builds), WebKit's own permissions
   * policy denies the frame that was not delegated the camera. */
  g_assert_cmpstr (json_node_get_string (result), ==,
                   harness_have_web_extension () ? "TypeError" : "NotAllowedError");
  g_assert_cmpuint (requests, ==, 0);

  /* The app's own page still gets it. */
  own = ask_camera (window);
  g_assert_cmpstr (own, ==, "\"granted 1\"");
  g_assert_cmpuint (requests, ==, 1);
  g_signal_remove_emission_hook (signal_id, hook);
  harness_close (window);
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

/* Loads the probing foreign page in an iframe the app's markup delegates
 * every device to, and returns its report. */
static JsonNode *
probe_foreign (AtriumWindow *window)
{
  g_autofree char *script = g_strdup_printf (
    "const got = new Promise((resolve) => addEventListener('message', (e) => {"
    "  if (e.data && e.data.from === 'foreign') resolve(e.data.outcome); }));"
    "const f = document.createElement('iframe');"
    "f.allow = 'camera; microphone; geolocation; display-capture';"
    "f.src = 'http://127.0.0.1:%u/probe.html';"
    "document.body.append(f);"
    "return await got;", foreign_port);

  return harness_run_js_json (window, script);
}

/* The app's markup delegates the devices to a foreign frame (allow=),
 * which WebKit's permissions policy then lets ask, and the app allows
 * them: before the extension, its getUserMedia() got the camera as the
 * app. Now the frame has none of the device APIs and no request reaches
 * C, while the app's own page, its about:blank child and a same-origin
 * iframe keep theirs. */
static void
test_foreign_frame_delegated (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) own_frames = NULL;
  g_autofree char *own = NULL;
  guint requests = 0;
  guint signal_id;
  gulong hook;

  if (!harness_have_web_extension ())
    {
      g_test_skip (HARNESS_NO_EXTENSION);
      return;
    }

  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_CAMERA, ATRIUM_POLICY_ALLOW);
  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_MICROPHONE, ATRIUM_POLICY_ALLOW);
  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_NOTIFICATIONS, ATRIUM_POLICY_ALLOW);
  window = open_window (app);
  signal_id = g_signal_lookup ("permission-request", WEBKIT_TYPE_WEB_VIEW);
  hook = g_signal_add_emission_hook (signal_id, 0, count_request_hook, &requests, NULL);

  result = probe_foreign (window);
  assert_stripped (json_node_get_object (result), "self");
  g_assert_cmpuint (requests, ==, 0);

  /* The app's own frames: untouched. */
  own_frames = harness_run_js_json (window,
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
  own = ask_camera (window);
  g_assert_cmpstr (own, ==, "\"granted 1\"");
  g_assert_cmpuint (requests, ==, 1);
  g_signal_remove_emission_hook (signal_id, hook);
  harness_close (window);
}

/* The foreign frame makes frames of its own to find pristine functions in
 * a fresh realm: an about:blank child (read the moment it exists), a
 * srcdoc child and a data: child (an opaque origin). Each is stripped
 * before the foreign frame's script can reach it. */
static void
test_foreign_frame_children (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  guint requests = 0;
  guint signal_id;
  gulong hook;

  if (!harness_have_web_extension ())
    {
      g_test_skip (HARNESS_NO_EXTENSION);
      return;
    }

  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_CAMERA, ATRIUM_POLICY_ALLOW);
  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_GEOLOCATION, ATRIUM_POLICY_ALLOW);
  window = open_window (app);
  signal_id = g_signal_lookup ("permission-request", WEBKIT_TYPE_WEB_VIEW);
  hook = g_signal_add_emission_hook (signal_id, 0, count_request_hook, &requests, NULL);

  result = probe_foreign (window);
  assert_stripped (json_node_get_object (result), "blank");
  assert_stripped (json_node_get_object (result), "srcdoc");
  assert_stripped (json_node_get_object (result), "data");
  g_assert_cmpuint (requests, ==, 0);
  g_signal_remove_emission_hook (signal_id, hook);
  harness_close (window);
}

/* Geolocation allowed by the app and delegated by its markup: the foreign
 * frame has no navigator.geolocation (nor Geolocation's methods), the
 * app's page has it. */
static void
test_foreign_frame_geolocation (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) own = NULL;
  JsonObject *self;
  guint requests = 0;
  guint signal_id;
  gulong hook;

  if (!harness_have_web_extension ())
    {
      g_test_skip (HARNESS_NO_EXTENSION);
      return;
    }

  atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_GEOLOCATION, ATRIUM_POLICY_ALLOW);
  window = open_window (app);
  signal_id = g_signal_lookup ("permission-request", WEBKIT_TYPE_WEB_VIEW);
  hook = g_signal_add_emission_hook (signal_id, 0, count_request_hook, &requests, NULL);

  result = probe_foreign (window);
  self = json_object_get_object_member (json_node_get_object (result), "self");
  g_assert_cmpstr (json_object_get_string_member (self, "geolocation"), ==, "undefined");
  g_assert_cmpstr (json_object_get_string_member (self, "position"), ==, "TypeError");
  g_assert_cmpuint (requests, ==, 0);

  own = harness_run_js_json (window,
    "return [typeof navigator.geolocation,"
    "        typeof Geolocation.prototype.getCurrentPosition].join(' ');");
  g_assert_cmpstr (json_node_get_string (own), ==, "object function");
  g_signal_remove_emission_hook (signal_id, hook);
  harness_close (window);
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
  g_test_add_func ("/atrium/permissions/foreign-frame-geolocation",
                   test_foreign_frame_geolocation);
  g_test_add_func ("/atrium/permissions/dev-server", test_dev_server);

  status = g_test_run ();
  soup_server_disconnect (foreign);
  g_clear_object (&foreign);
  desktop_wm_stop ();
  return status;
}

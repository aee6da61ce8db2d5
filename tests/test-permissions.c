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
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, page, sizeof page - 1);
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
 * is denied all the same, before its request reaches C. (WebKitGTK 2.50
 * does not say which frame a request comes from: what keeps the frame out
 * is WebKit's permissions policy, whose default allowlist for the camera
 * is the frame's own document; the README tells apps not to widen it
 * with allow=.) */
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
  g_assert_cmpstr (json_node_get_string (result), ==, "NotAllowedError");
  g_assert_cmpuint (requests, ==, 0);

  /* The app's own page still gets it. */
  own = ask_camera (window);
  g_assert_cmpstr (own, ==, "\"granted 1\"");
  g_assert_cmpuint (requests, ==, 1);
  g_signal_remove_emission_hook (signal_id, hook);
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

  status = g_test_run ();
  soup_server_disconnect (foreign);
  g_clear_object (&foreign);
  desktop_wm_stop ();
  return status;
}

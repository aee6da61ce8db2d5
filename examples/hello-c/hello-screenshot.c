/* Test hooks, not part of the tutorial: `hello --screenshot FILE` loads the
 * page, waits until it is ready, saves a PNG of it and exits;
 * `--log-console` prints the page's console lines. The example's tests use
 * them; your own app does not need them. */

#include "hello-screenshot.h"

#include <stdio.h>

/* A guard against a page that never gets ready, not a pause. */
#define TIMEOUT_SECONDS 60

/* WebKit fails a snapshot now and then on a loaded machine; the next
 * frame's works. */
#define SNAPSHOT_ATTEMPTS 5

static char *screenshot_path;
static guint snapshot_attempts;

static void snapshot_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data);

static gboolean
snapshot_again_cb (GtkWidget     *widget,
                   GdkFrameClock *frame_clock,
                   gpointer       user_data)
{
  snapshot_attempts++;
  webkit_web_view_get_snapshot (WEBKIT_WEB_VIEW (widget), WEBKIT_SNAPSHOT_REGION_VISIBLE,
                                WEBKIT_SNAPSHOT_OPTIONS_NONE, NULL, snapshot_cb, user_data);
  return G_SOURCE_REMOVE;
}

static void
snapshot_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumApp *app = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = webkit_web_view_get_snapshot_finish (WEBKIT_WEB_VIEW (object), result, &error);
  if (texture == NULL && snapshot_attempts < SNAPSHOT_ATTEMPTS)
    {
      gtk_widget_add_tick_callback (GTK_WIDGET (object), snapshot_again_cb, app, NULL);
      return;
    }
  if (texture == NULL || !gdk_texture_save_to_png (texture, screenshot_path))
    {
      fprintf (stderr, "hello: cannot save the screenshot to %s: %s\n", screenshot_path,
               error != NULL ? error->message : "write failed");
      atrium_app_quit (app, 1);
      return;
    }
  printf ("Saved screenshot to %s\n", screenshot_path);
  fflush (stdout);
  atrium_app_quit (app, 0);
}

static void
settled_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(JSCValue) value = NULL;
  g_autoptr(GError) error = NULL;

  value = webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object),
                                                                 result, &error);
  if (value == NULL)
    fprintf (stderr, "hello: the page did not get ready: %s\n", error->message);
  snapshot_again_cb (GTK_WIDGET (object), NULL, user_data);
}

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 AtriumApp       *app)
{
  /* The page sets window.atriumReady to the promise of its start-up work. */
  static const char settle[] =
    "await document.fonts.ready;"
    "if (window.atriumReady) await window.atriumReady;"
    "await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));"
    "return true;";

  if (event != WEBKIT_LOAD_FINISHED)
    return;
  g_signal_handlers_disconnect_by_func (web_view, load_changed_cb, app);
  webkit_web_view_call_async_javascript_function (web_view, settle, -1, NULL, NULL, NULL, NULL,
                                                  settled_cb, app);
}

/* The window's web view is made after the window joins the app, so the
 * page is watched from the moment the window is shown. */
static void
window_shown_cb (GtkWidget *window,
                 AtriumApp *app)
{
  g_signal_handlers_disconnect_by_func (window, window_shown_cb, app);
  g_signal_connect_object (atrium_window_get_web_view (ATRIUM_WINDOW (window)), "load-changed",
                           G_CALLBACK (load_changed_cb), app, 0);
}

static void
window_added_cb (GtkApplication *application,
                 GtkWindow      *window,
                 gpointer        user_data)
{
  if (screenshot_path == NULL || !ATRIUM_IS_WINDOW (window))
    return;
  g_signal_connect_object (window, "show", G_CALLBACK (window_shown_cb), application, 0);
}

static gboolean
timeout_cb (gpointer user_data)
{
  fprintf (stderr, "hello: the page did not get ready in %d seconds\n", TIMEOUT_SECONDS);
  atrium_app_quit (ATRIUM_APP (user_data), 1);
  return G_SOURCE_REMOVE;
}

static int
handle_local_options_cb (GApplication *application,
                         GVariantDict *options,
                         gpointer      user_data)
{
  if (g_variant_dict_contains (options, "log-console"))
    atrium_app_set_log_console (ATRIUM_APP (application), TRUE);
  if (g_variant_dict_lookup (options, "screenshot", "^ay", &screenshot_path))
    g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, application);
  return -1;
}

void
hello_screenshot_setup (AtriumApp *app)
{
  g_application_add_main_option (G_APPLICATION (app), "screenshot", 0, G_OPTION_FLAG_HIDDEN,
                                 G_OPTION_ARG_FILENAME, "Save a PNG of the page and exit",
                                 "FILE");
  g_application_add_main_option (G_APPLICATION (app), "log-console", 0, G_OPTION_FLAG_HIDDEN,
                                 G_OPTION_ARG_NONE, "Print the page's console lines", NULL);
  g_signal_connect (app, "handle-local-options", G_CALLBACK (handle_local_options_cb), NULL);
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), NULL);
}

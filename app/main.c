#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <atrium.h>

#include "demo-services.h"

#define APP_ID        "dev.atrium.Atrium"
#define DEMO_RESOURCE "/dev/atrium/Atrium/web"

/* How long --screenshot waits for the page before it gives up: a guard for
 * a page that never finishes loading, not a pause. */
#define SCREENSHOT_TIMEOUT_SECONDS 60

typedef struct
{
  char     *dir;
  char     *dev_url;
  char     *title;
  char     *screenshot;
  char     *emit_dts;
  char     *emit_js;
  int       width;
  int       height;
  gboolean  log_console;
} Options;

static Options options = { NULL, NULL, NULL, NULL, NULL, NULL, 1024, 720, FALSE };

static void
fail (AtriumApp  *app,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (AtriumApp  *app,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "atrium: %s\n", message);
  atrium_app_quit (app, 1);
}

#define SNAPSHOT_ATTEMPTS 5

static guint snapshot_attempts;

static void snapshot_ready_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data);

static void
take_snapshot (WebKitWebView *web_view,
               AtriumApp     *app)
{
  snapshot_attempts++;
  webkit_web_view_get_snapshot (web_view, WEBKIT_SNAPSHOT_REGION_VISIBLE,
                                WEBKIT_SNAPSHOT_OPTIONS_NONE, NULL, snapshot_ready_cb, app);
}

static gboolean
snapshot_again_cb (GtkWidget     *widget,
                   GdkFrameClock *frame_clock,
                   gpointer       user_data)
{
  take_snapshot (WEBKIT_WEB_VIEW (widget), user_data);
  return G_SOURCE_REMOVE;
}

static void
snapshot_ready_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  AtriumApp *app = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (options.screenshot);
  g_autofree char *path = g_file_get_path (file);

  texture = webkit_web_view_get_snapshot_finish (WEBKIT_WEB_VIEW (object), result, &error);
  if (texture == NULL && snapshot_attempts < SNAPSHOT_ATTEMPTS)
    {
      /* WebKit fails a snapshot now and then on a loaded machine ("There
       * was an error creating the snapshot"); the next frame's works. */
      g_message ("Taking the screenshot again: %s", error->message);
      gtk_widget_add_tick_callback (GTK_WIDGET (object), snapshot_again_cb, app, NULL);
      return;
    }
  if (texture == NULL)
    {
      fail (app, "could not take a screenshot: %s", error->message);
      return;
    }
  if (!gdk_texture_save_to_png (texture, path))
    {
      fail (app, "could not write the screenshot to %s", path);
      return;
    }

  printf ("Saved screenshot to %s\n", path);
  fflush (stdout);
  atrium_app_quit (app, 0);
}

static void
page_settled_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AtriumApp *app = user_data;
  g_autoptr(JSCValue) value = NULL;
  g_autoptr(GError) error = NULL;

  value = webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object),
                                                                 result, &error);
  if (value == NULL)
    g_message ("The page did not settle (%s); taking the screenshot anyway", error->message);

  take_snapshot (WEBKIT_WEB_VIEW (object), app);
}

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 AtriumApp       *app)
{
  /* Wait for web fonts, for the page's own calls to C to answer and for
   * the promise a page may leave in window.atriumReady (its start-up work:
   * calls, then the events they bring), then for two frames, so the
   * picture shows what a user would see. */
  static const char settle[] =
    "await document.fonts.ready;"
    "if (window.atriumReady) await Promise.resolve(window.atriumReady).catch(() => {});"
    "if (window.atrium) await window.atrium.__whenIdle();"
    "await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));"
    "return true;";
  WebKitWebResource *resource;
  WebKitURIResponse *response;
  guint status;

  if (event != WEBKIT_LOAD_FINISHED)
    return;

  resource = webkit_web_view_get_main_resource (web_view);
  response = resource != NULL ? webkit_web_resource_get_response (resource) : NULL;
  status = response != NULL ? webkit_uri_response_get_status_code (response) : 0;
  if (status >= 400)
    {
      fail (app, "could not load %s: HTTP status %u", webkit_web_view_get_uri (web_view), status);
      return;
    }

  g_signal_handlers_disconnect_by_func (web_view, load_changed_cb, app);
  webkit_web_view_call_async_javascript_function (web_view, settle, -1, NULL, NULL, NULL, NULL,
                                                  page_settled_cb, app);
}

static gboolean
load_failed_cb (WebKitWebView   *web_view,
                WebKitLoadEvent  event,
                const char      *uri,
                GError          *error,
                AtriumApp       *app)
{
  fail (app, "could not load %s: %s", uri, error->message);
  return TRUE;
}

static gboolean
screenshot_timeout_cb (gpointer user_data)
{
  fail (ATRIUM_APP (user_data), "the page did not finish loading in %d seconds",
        SCREENSHOT_TIMEOUT_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
activate_cb (AtriumApp *app,
             gpointer   user_data)
{
  AtriumWindow *window = atrium_window_new (app);
  WebKitWebView *web_view = atrium_window_get_web_view (window);

  gtk_window_set_title (GTK_WINDOW (window), options.title != NULL ? options.title : "Atrium");
  gtk_window_set_default_size (GTK_WINDOW (window), options.width, options.height);
  atrium_window_set_min_size (window, 320, 240);

  if (options.screenshot != NULL)
    {
      g_signal_connect_object (web_view, "load-changed", G_CALLBACK (load_changed_cb), app, 0);
      g_signal_connect_object (web_view, "load-failed", G_CALLBACK (load_failed_cb), app, 0);
      g_timeout_add_seconds (SCREENSHOT_TIMEOUT_SECONDS, screenshot_timeout_cb, app);
    }

  atrium_window_load (window, atrium_app_get_start_path (app));
  gtk_window_present (GTK_WINDOW (window));
}

static gboolean
parse_options (int    *argc,
               char ***argv)
{
  const GOptionEntry entries[] = {
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.dir,
      "Serve the frontend from DIR instead of the built-in demo", "DIR" },
    { "dev-url", 0, 0, G_OPTION_ARG_STRING, &options.dev_url,
      "Load the frontend from a dev server such as http://localhost:5173", "URL" },
    { "title", 't', 0, G_OPTION_ARG_STRING, &options.title, "The window title", "TITLE" },
    { "width", 'W', 0, G_OPTION_ARG_INT, &options.width, "The window width (1024)", "PIXELS" },
    { "height", 'H', 0, G_OPTION_ARG_INT, &options.height, "The window height (720)", "PIXELS" },
    { "log-console", 0, 0, G_OPTION_ARG_NONE, &options.log_console,
      "Print the page's console lines to standard output", NULL },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &options.screenshot,
      "Load the page, save a PNG of it to FILE and exit", "FILE" },
    /* Handled by AtriumApp, as in every app on libatrium: parsed here so
     * that --help lists them, and passed on. */
    { "emit-dts", 0, 0, G_OPTION_ARG_FILENAME, &options.emit_dts,
      "Write TypeScript declarations of the runtime and the demo methods to FILE and exit",
      "FILE" },
    { "emit-js", 0, 0, G_OPTION_ARG_FILENAME, &options.emit_js,
      "Write an ES module of typed wrappers for the demo methods to FILE and exit", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- run a web frontend as a desktop app");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Atrium shows a web frontend in a GTK window and lets it call C.\n"
    "Without --dir or --dev-url it shows the built-in demo.");

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      fprintf (stderr, "atrium: %s (see --help)\n", error->message);
      return FALSE;
    }
  if (*argc > 1)
    {
      fprintf (stderr, "atrium: unexpected argument “%s” (see --help)\n", (*argv)[1]);
      return FALSE;
    }
  if (options.width <= 0 || options.height <= 0)
    {
      fprintf (stderr, "atrium: --width and --height must be positive\n");
      return FALSE;
    }
  if (options.dir != NULL && options.dev_url != NULL)
    {
      fprintf (stderr, "atrium: --dir and --dev-url cannot be used together\n");
      return FALSE;
    }

  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) app_argv = g_ptr_array_new ();
  int status;

  if (!parse_options (&argc, &argv))
    return 2;

  g_ptr_array_add (app_argv, argv[0]);
  if (options.emit_dts != NULL)
    {
      g_ptr_array_add (app_argv, "--emit-dts");
      g_ptr_array_add (app_argv, options.emit_dts);
    }
  if (options.emit_js != NULL)
    {
      g_ptr_array_add (app_argv, "--emit-js");
      g_ptr_array_add (app_argv, options.emit_js);
    }
  g_ptr_array_add (app_argv, NULL);

  if (options.dir != NULL)
    {
      assets = atrium_assets_new_for_directory (options.dir, &error);
      if (assets == NULL)
        {
          fprintf (stderr, "atrium: --dir %s: %s\n", options.dir, error->message);
          return 2;
        }
    }
  else
    {
      assets = atrium_assets_new_for_resource (DEMO_RESOURCE);
    }

  /* Not unique: every launch serves its own --dir, and tests run several. */
  app = atrium_app_new (APP_ID, G_APPLICATION_NON_UNIQUE);
  if (options.dev_url != NULL && !atrium_app_set_dev_url (app, options.dev_url, &error))
    {
      fprintf (stderr, "atrium: --dev-url: %s\n", error->message);
      return 2;
    }
  atrium_app_set_assets (app, assets);
  atrium_app_set_log_console (app, options.log_console);
  demo_services_bind (app);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  status = g_application_run (G_APPLICATION (app), app_argv->len - 1, (char **) app_argv->pdata);
  if (atrium_app_get_exit_status (app) >= 0)
    status = atrium_app_get_exit_status (app);

  return status;
}

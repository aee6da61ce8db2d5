#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <atrium.h>

#include "demo-services.h"

#define APP_ID        "dev.atrium.Atrium"
#define DEMO_RESOURCE "/dev/atrium/Atrium/web"

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
activate_cb (AtriumApp *app,
             gpointer   user_data)
{
  AtriumWindow *window = atrium_window_new (app);

  gtk_window_set_title (GTK_WINDOW (window), options.title != NULL ? options.title : "Atrium");
  gtk_window_set_default_size (GTK_WINDOW (window), options.width, options.height);
  atrium_window_set_min_size (window, 320, 240);

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
    /* Handled by AtriumApp, as in every app on libatrium: parsed here so
     * that --help lists them, and passed on. */
    { "log-console", 0, 0, G_OPTION_ARG_NONE, &options.log_console,
      "Print the page's console lines to standard output", NULL },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &options.screenshot,
      "Load the page, save a PNG of it to FILE and exit", "FILE" },
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
  if (options.screenshot != NULL)
    {
      g_ptr_array_add (app_argv, "--screenshot");
      g_ptr_array_add (app_argv, options.screenshot);
    }
  if (options.log_console)
    g_ptr_array_add (app_argv, "--log-console");
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
  demo_services_bind (app);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  status = g_application_run (G_APPLICATION (app), app_argv->len - 1, (char **) app_argv->pdata);
  if (atrium_app_get_exit_status (app) >= 0)
    status = atrium_app_get_exit_status (app);

  return status;
}

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atrium.h>

#include "demo-services.h"

#define APP_ID        "dev.atrium.Atrium"
#define DEMO_RESOURCE "/dev/atrium/Atrium/web"

typedef struct
{
  char     *dir;
  char     *dev_url;
  char     *title;
  int       width;
  int       height;
  char     *app_id;
  char    **url_schemes;
  char     *state_key;
} Options;

static Options options = { NULL, NULL, NULL, 1024, 720, NULL, NULL, NULL };

/* What atrium_window_set_state_key() takes. */
#define STATE_KEY_MAX 256

static void
activate_cb (AtriumApp *app,
             gpointer   user_data)
{
  AtriumWindow *window = atrium_window_new (app);

  gtk_window_set_title (GTK_WINDOW (window), options.title != NULL ? options.title : "Atrium");
  gtk_window_set_default_size (GTK_WINDOW (window), options.width, options.height);
  atrium_window_set_min_size (window, 320, 240);
  /* After the default size: a remembered one wins. */
  if (options.state_key != NULL)
    atrium_window_set_state_key (window, options.state_key);

  atrium_window_load (window, atrium_app_get_start_path (app));
  gtk_window_present (GTK_WINDOW (window));
}

/* One parse, one --help: the launcher's own options go into the same main
 * group as the options every app on libatrium accepts, which AtriumApp
 * declares and acts on (atrium_app_get_option_group()). The launcher
 * parses itself, rather than leaving it to GApplication, so that a bad
 * option is one line and exit status 2. */
static gboolean
parse_options (AtriumApp  *app,
               int        *argc,
               char     ***argv)
{
  const GOptionEntry entries[] = {
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &options.dir,
      "Serve the frontend from DIR instead of the built-in demo", "DIR" },
    { "dev-url", 0, 0, G_OPTION_ARG_STRING, &options.dev_url,
      "Load the frontend from a dev server such as http://localhost:5173", "URL" },
    { "title", 't', 0, G_OPTION_ARG_STRING, &options.title, "The window title", "TITLE" },
    { "width", 'W', 0, G_OPTION_ARG_INT, &options.width, "The window width (1024)", "PIXELS" },
    { "height", 'H', 0, G_OPTION_ARG_INT, &options.height, "The window height (720)", "PIXELS" },
    { "app-id", 0, 0, G_OPTION_ARG_STRING, &options.app_id,
      "Run as a single instance under ID: a second launch with the same ID hands its arguments "
      "to the first, and exits", "ID" },
    { "url-scheme", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.url_schemes,
      "Take SCHEME:… URLs given as arguments as deep links (repeatable)", "SCHEME" },
    { "state-key", 0, 0, G_OPTION_ARG_STRING, &options.state_key,
      "Remember the window's size, maximised and fullscreen state (and position on X11) "
      "under KEY, in ~/.local/state/" APP_ID "/", "KEY" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("[ARGUMENT…] - run a web frontend as a desktop app");
  g_autoptr(GError) error = NULL;

  g_option_context_set_main_group (context, atrium_app_get_option_group (app));
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Atrium shows a web frontend in a GTK window and lets it call C.\n"
    "Without --dir or --dev-url it shows the built-in demo. With --app-id or\n"
    "--url-scheme, the ARGUMENTs (URLs and files) go to the page as events.");

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      fprintf (stderr, "atrium: %s (see --help)\n", error->message);
      return FALSE;
    }
  /* Arguments are for the page (atrium:app.* events), which only a
   * single instance or an app with URL schemes hands on. */
  if (*argc > 1 && options.app_id == NULL && options.url_schemes == NULL)
    {
      fprintf (stderr, "atrium: unexpected argument “%s” (see --help)\n", (*argv)[1]);
      return FALSE;
    }
  if (options.app_id != NULL && !g_application_id_is_valid (options.app_id))
    {
      fprintf (stderr, "atrium: --app-id: “%s” is not an application id such as "
               "org.example.App\n", options.app_id);
      return FALSE;
    }
  if (options.width <= 0 || options.height <= 0)
    {
      fprintf (stderr, "atrium: --width and --height must be positive\n");
      return FALSE;
    }
  if (options.state_key != NULL
      && (options.state_key[0] == '\0' || strlen (options.state_key) > STATE_KEY_MAX
          || !g_utf8_validate (options.state_key, -1, NULL)))
    {
      fprintf (stderr, "atrium: --state-key must be 1 to %d bytes of UTF-8\n", STATE_KEY_MAX);
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
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  int status;

  /* Not unique: every launch serves its own --dir, and tests run several.
   * With --app-id it is one instance under that id. */
  app = atrium_app_new (APP_ID, G_APPLICATION_NON_UNIQUE);
  if (!parse_options (app, &argc, &argv))
    return 2;
  if (options.app_id != NULL)
    {
      g_application_set_application_id (G_APPLICATION (app), options.app_id);
      atrium_app_set_single_instance (app, TRUE);
    }
  for (guint i = 0; options.url_schemes != NULL && options.url_schemes[i] != NULL; i++)
    if (!atrium_app_register_url_scheme (app, options.url_schemes[i], &error))
      {
        fprintf (stderr, "atrium: --url-scheme: %s\n", error->message);
        return 2;
      }

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

  if (options.dev_url != NULL && !atrium_app_set_dev_url (app, options.dev_url, &error))
    {
      fprintf (stderr, "atrium: --dev-url: %s\n", error->message);
      return 2;
    }
  atrium_app_set_assets (app, assets);
  /* The launcher is for trying things: every built-in group is on. */
  atrium_app_set_builtins (app, ATRIUM_BUILTIN_ALL);
  demo_services_bind (app);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  /* Everything is parsed: the app runs with the program's name and the
   * arguments left, behind a "--" so that GApplication, which parses again,
   * takes none of them for an option. */
  g_ptr_array_add (args, argv[0]);
  if (argc > 1)
    g_ptr_array_add (args, "--");
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);
  status = g_application_run (G_APPLICATION (app), (int) args->len - 1, (char **) args->pdata);
  if (atrium_app_get_exit_status (app) >= 0)
    status = atrium_app_get_exit_status (app);

  return status;
}

/* {{NAME}}: a desktop app on libatrium. The window shows the page, which
 * is embedded in the program as a GResource; the page calls the methods in
 * backend.c. */

#include <stdio.h>

#include <atrium.h>

#include "backend.h"

#define APP_ID        "{{ID}}"
#define APP_TITLE     "{{TITLE}}"
#define RESOURCE_PATH "/{{ID_PATH}}/web"

static char *dev_url;

static void
activate_cb (AtriumApp *app,
             gpointer   user_data)
{
  AtriumWindow *window = atrium_window_new (app);

  gtk_window_set_title (GTK_WINDOW (window), APP_TITLE);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  atrium_window_set_min_size (window, 360, 280);
  atrium_window_load (window, atrium_app_get_start_path (app));
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AtriumApp) app = atrium_app_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_autoptr(AtriumAssets) assets = atrium_assets_new_for_resource (RESOURCE_PATH);
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "dev-url", 0, 0, G_OPTION_ARG_STRING, &dev_url,
      "Load the page from a dev server such as http://127.0.0.1:5173", "URL" },
    { NULL }
  };
  char *args[] = { argv[0], NULL };
  int status;

  /* One parse for ours and for the options every app on libatrium takes
   * (--screenshot, --log-console, --emit-dts, …): bad ones exit 2. */
  g_option_context_set_main_group (context, atrium_app_get_option_group (app));
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s: %s (see --help)\n", g_get_prgname (), error->message);
      return 2;
    }
  if (argc > 1)
    {
      fprintf (stderr, "%s: unexpected argument “%s” (see --help)\n", g_get_prgname (), argv[1]);
      return 2;
    }
  if (dev_url != NULL && !atrium_app_set_dev_url (app, dev_url, &error))
    {
      fprintf (stderr, "%s: --dev-url: %s\n", g_get_prgname (), error->message);
      return 2;
    }

  atrium_app_set_assets (app, assets);
  backend_bind (app);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  status = g_application_run (G_APPLICATION (app), 1, args);
  return atrium_app_get_exit_status (app) >= 0 ? atrium_app_get_exit_status (app) : status;
}

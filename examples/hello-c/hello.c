/* Hello: a small desktop app on libatrium.
 *
 * The window shows web/index.html, embedded in the program as a GResource.
 * The page calls three C methods, one for each way a method can run, and
 * C and the page exchange events. README.md walks through it. */

#include <string.h>

#include <atrium.h>


#define APP_ID "org.example.Hello"

/* --- hello.greet: runs on the main thread --------------------------------- */

/* The default kind of method: it runs on the main thread as soon as the page
 * calls it and must finish its call before it returns. Fine for quick work;
 * anything slow would freeze the window. */
static void
greet_cb (AtriumCall *call,
          gpointer    user_data)
{
  JsonNode *name = atrium_call_get_arg (call, 0);
  g_autofree char *greeting = NULL;
  JsonNode *result;

  if (name == NULL || !JSON_NODE_HOLDS_VALUE (name)
      || json_node_get_value_type (name) != G_TYPE_STRING)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "hello.greet(name) takes a string");
      return;
    }

  greeting = g_strdup_printf ("Hello, %s! This string was made in C.",
                              json_node_get_string (name));
  result = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (result, greeting);
  atrium_call_return_value (call, result);
}

/* --- hello.count_primes: runs on a worker thread ------------------------- */

/* A worker method runs on a thread pool, so it may take its time. It must
 * not touch GTK or WebKit, but it may emit events: here, progress. It checks
 * for cancellation (the page's p.cancel(), or its window closing) as it
 * goes. */
static void
count_primes_cb (AtriumCall *call,
                 gpointer    user_data)
{
  AtriumApp *app = user_data;
  JsonNode *arg = atrium_call_get_arg (call, 0);
  gint64 limit, count = 0;
  JsonNode *result;

  if (arg == NULL || !JSON_NODE_HOLDS_VALUE (arg)
      || (json_node_get_value_type (arg) != G_TYPE_INT64
          && json_node_get_value_type (arg) != G_TYPE_DOUBLE)
      || (limit = (gint64) json_node_get_double (arg)) < 0 || limit > 100000000)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "hello.count_primes(limit) takes a number from 0 to 100000000");
      return;
    }

  for (gint64 n = 2; n < limit; n++)
    {
      gboolean prime = TRUE;

      for (gint64 d = 2; d * d <= n && prime; d++)
        prime = n % d != 0;
      count += prime;

      if (n % 50000 == 0)
        {
          g_autoptr(JsonNode) progress = json_node_new (JSON_NODE_VALUE);

          if (atrium_call_is_cancelled (call))
            {
              atrium_call_return_error (call, ATRIUM_ERROR_CANCELLED, "Counting was cancelled");
              return;
            }
          json_node_set_double (progress, (double) n / limit);
          atrium_app_emit (app, "hello.progress", progress, NULL);
        }
    }

  result = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (result, count);
  atrium_call_return_value (call, result);
}

/* --- hello.system_info: asynchronous ------------------------------------- */

/* An async method starts its work and returns at once; the call is finished
 * later, from a callback (or from any thread). Here it reads a file with
 * GIO's asynchronous API, so the window stays responsive meanwhile. */
static void
os_release_loaded_cb (GObject      *object,
                      GAsyncResult *res,
                      gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *os = NULL;
  g_autofree char *gtk = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  if (!g_file_load_contents_finish (G_FILE (object), res, &contents, NULL, NULL, &error))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_FAILED, "Cannot read os-release: %s",
                                error->message);
      return;
    }

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL && os == NULL; i++)
    if (g_str_has_prefix (lines[i], "PRETTY_NAME="))
      os = g_shell_unquote (lines[i] + strlen ("PRETTY_NAME="), NULL);
  gtk = g_strdup_printf ("%u.%u.%u", gtk_get_major_version (), gtk_get_minor_version (),
                         gtk_get_micro_version ());

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "os");
  json_builder_add_string_value (builder, os != NULL ? os : "an unknown system");
  json_builder_set_member_name (builder, "atrium");
  json_builder_add_string_value (builder, atrium_get_version ());
  json_builder_set_member_name (builder, "gtk");
  json_builder_add_string_value (builder, gtk);
  json_builder_end_object (builder);
  atrium_call_return_value (call, json_builder_get_root (builder));
}

static void
system_info_cb (AtriumCall *call,
                gpointer    user_data)
{
  g_autoptr(GFile) file = g_file_new_for_path ("/etc/os-release");

  /* The call is handed to the callback, which finishes it. */
  g_file_load_contents_async (file, atrium_call_get_cancellable (call),
                              os_release_loaded_cb, call);
}

/* --- events --------------------------------------------------------------- */

/* C → page: the time, every second, to every window. Only the newest
 * matters, so a window that falls behind gets the latest, not a backlog. */
static gboolean
clock_tick_cb (gpointer user_data)
{
  AtriumApp *app = user_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M:%S");
  g_autoptr(JsonNode) data = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (data, time);
  atrium_app_emit (app, "hello.clock", data, NULL);
  return G_SOURCE_CONTINUE;
}

/* Page → C: a wave. C listeners run on the main thread; this one answers
 * the window that waved with an event of its own. */
static void
wave_cb (AtriumApp    *app,
         const char   *name,
         JsonNode     *data,
         AtriumWindow *sender,
         gpointer      user_data)
{
  guint *waves = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *message = NULL;
  const char *from = "someone";

  if (data != NULL && JSON_NODE_HOLDS_VALUE (data)
      && json_node_get_value_type (data) == G_TYPE_STRING)
    from = json_node_get_string (data);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, ++*waves);
  json_builder_set_member_name (builder, "message");
  message = g_strdup_printf ("C waves back at %s", from);
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  reply = json_builder_get_root (builder);

  if (sender != NULL)
    atrium_app_emit_to (app, atrium_window_get_id (sender), "hello.waved", reply, NULL);
}

/* --- deep links ------------------------------------------------------------ */

/* hello://greet/Ada, given to Hello at launch, to a second launch, or by the
 * desktop (the .desktop file's MimeType=x-scheme-handler/hello), reaches the
 * page as atrium:app.open-url (web/app.js). C is asked first: returning TRUE
 * would keep it from the page. */
static gboolean
open_url_cb (AtriumApp  *app,
             const char *url,
             gpointer    user_data)
{
  g_message ("Opening %s", url);
  return FALSE;
}

/* --- the app --------------------------------------------------------------- */

static void
startup_cb (GApplication *application,
            gpointer      user_data)
{
  g_timeout_add_seconds (1, clock_tick_cb, application);
}

/* The app opens its own window, to give it a title and a size; without an
 * ::activate handler libatrium opens a plain one on the start page. */
static void
activate_cb (AtriumApp *app,
             gpointer   user_data)
{
  AtriumWindow *window = atrium_window_new (app);

  gtk_window_set_title (GTK_WINDOW (window), "Hello");
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 620);
  atrium_window_set_min_size (window, 480, 360);
  atrium_window_load (window, "/");
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AtriumApp) app = atrium_app_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_autoptr(AtriumAssets) assets = atrium_assets_new_for_resource ("/org/example/Hello/web");
  g_autoptr(GError) error = NULL;
  guint waves = 0;
  int status;

  atrium_app_set_assets (app, assets);

  /* One Hello per session: launching it again brings this window to the
   * front, and its arguments (links, files) come here. */
  atrium_app_set_single_instance (app, TRUE);
  if (!atrium_app_register_url_scheme (app, "hello", &error))
    g_error ("%s", error->message);
  g_signal_connect (app, "open-url", G_CALLBACK (open_url_cb), NULL);

  /* Methods, and their TypeScript signatures for --emit-dts/--emit-js. */
  atrium_app_bind (app, "hello.greet", greet_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_set_signature (app, "hello.greet", "(name: string) => string",
                            "Greets name, on the main thread.", NULL);
  atrium_app_bind (app, "hello.count_primes", count_primes_cb, app, NULL, ATRIUM_BIND_WORKER);
  atrium_app_set_signature (app, "hello.count_primes", "(limit: number) => number",
                            "Counts the primes below limit on a worker thread.", NULL);
  atrium_app_bind (app, "hello.system_info", system_info_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  atrium_app_set_signature (app, "hello.system_info",
                            "() => { os: string, atrium: string, gtk: string }",
                            "Reads the system's name asynchronously.", NULL);

  /* Events. */
  atrium_app_set_event_policy (app, "hello.clock", ATRIUM_EVENT_COALESCE);
  atrium_app_set_event_policy (app, "hello.progress", ATRIUM_EVENT_COALESCE);
  atrium_app_on (app, "hello.wave", wave_cb, &waves, NULL);
  g_signal_connect (app, "startup", G_CALLBACK (startup_cb), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  status = g_application_run (G_APPLICATION (app), argc, argv);
  return atrium_app_get_exit_status (app) >= 0 ? atrium_app_get_exit_status (app) : status;
}

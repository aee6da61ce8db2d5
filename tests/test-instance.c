#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "atrium-app-instance-private.h"
#include "webkit-harness.h"

/* Single instance, deep links and file associations, on the private D-Bus
 * session that dbus-run-session gives: the launcher as the first instance
 * and as the second; this process's own AtriumApp as the first, with a
 * launcher or raw org.gtk.Application.CommandLine calls (any bytes, any
 * size) as the second. What the page gets is read from the page; what C
 * gets, from AtriumApp's signals. */

#define SCHEME "atrium-test"

/* The lines libatrium logs about what it refused or left out, counted by
 * what they say (messages, as every line others can cause is). */
static int unregistered_warnings;
static int limit_warnings;
static int left_out_warnings;
static int utf8_warnings;

static const struct
{
  const char *needle;
  int        *counter;
} counted[] = {
  { "is not a URL scheme the app registered", &unregistered_warnings },
  { "over the limit", &limit_warnings },
  { "left out", &left_out_warnings },
  { "not UTF-8", &utf8_warnings },
};

static GLogWriterOutput
counting_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING))
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
        for (gsize j = 0; j < G_N_ELEMENTS (counted); j++)
          if (strstr (fields[i].value, counted[j].needle) != NULL)
            g_atomic_int_inc (counted[j].counter);
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static const char *
launcher (void)
{
  const char *path = g_getenv ("ATRIUM_LAUNCHER");

  g_assert_nonnull (path);
  return path;
}

/* Unique on the bus for this run: the session may outlive one test. */
static char *
new_app_id (void)
{
  static guint serial;

  return g_strdup_printf ("dev.atrium.InstanceTest.p%d.n%u", (int) getpid (), ++serial);
}

static char *
new_cwd (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("atrium-instance-XXXXXX", &error);

  g_assert_no_error (error);
  test_write_file (dir, "a.txt", "a", 1);
  test_write_file (dir, "b.txt", "b", 1);
  return dir;
}

/* --- launches --- */

typedef struct
{
  GSubprocess *process;
  char        *out;
  char        *err;
  gboolean     done;
  GError      *error;
} Launch;

static void
launch_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Launch *launch = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &launch->out,
                                        &launch->err, &launch->error);
  launch->done = TRUE;
}

/* Starts the launcher in @cwd with @args; what it prints is collected as it
 * goes, in the default main context, so an AtriumApp of this process can
 * answer it meanwhile. */
static Launch *
launch_start (const char         *cwd,
              const char * const *args)
{
  g_autoptr(GSubprocessLauncher) spawner =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Launch *launch = g_new0 (Launch, 1);

  g_ptr_array_add (argv, (char *) launcher ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_cwd (spawner, cwd);
  launch->process = g_subprocess_launcher_spawnv (spawner, (const char * const *) argv->pdata,
                                                  &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (launch->process, NULL, NULL, launch_done_cb, launch);
  return launch;
}

static gboolean
launch_is_done (gpointer data)
{
  return ((Launch *) data)->done;
}

/* Waits for the launch to end; returns its exit status and frees it. */
static int
launch_finish (Launch *launch)
{
  int status;

  harness_wait_for (launch_is_done, launch, "a launch of the launcher to exit");
  g_assert_no_error (launch->error);
  g_test_message ("launch: stdout %s\nstderr %s", launch->out, launch->err);
  status = g_subprocess_get_if_exited (launch->process)
           ? g_subprocess_get_exit_status (launch->process) : -1;
  g_object_unref (launch->process);
  g_free (launch->out);
  g_free (launch->err);
  g_free (launch);
  return status;
}

/* The launcher that stays: its stdout read line by line as it comes. */
typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GString          *text;
  gboolean          eof;
  gboolean          exited;
} First;

static void
read_line_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  First *first = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (first->out, result, NULL,
                                                                     &error);

  g_assert_no_error (error);
  if (line == NULL)
    {
      first->eof = TRUE;
      return;
    }
  g_string_append_printf (first->text, "%s\n", line);
  g_data_input_stream_read_line_async (first->out, G_PRIORITY_DEFAULT, NULL, read_line_cb, first);
}

static void
first_exited_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  First *first = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  first->exited = TRUE;
}

static First *
first_start (const char         *cwd,
             const char * const *args)
{
  g_autoptr(GSubprocessLauncher) spawner =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  First *first = g_new0 (First, 1);

  g_ptr_array_add (argv, (char *) launcher ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_cwd (spawner, cwd);
  first->process = g_subprocess_launcher_spawnv (spawner, (const char * const *) argv->pdata,
                                                 &error);
  g_assert_no_error (error);
  first->text = g_string_new (NULL);
  first->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (first->process));
  g_data_input_stream_read_line_async (first->out, G_PRIORITY_DEFAULT, NULL, read_line_cb, first);
  g_subprocess_wait_async (first->process, NULL, first_exited_cb, first);
  return first;
}

typedef struct
{
  First      *first;
  const char *needle;
} Printed;

static gboolean
printed (gpointer data)
{
  Printed *p = data;

  return strstr (p->first->text->str, p->needle) != NULL;
}

static void
first_wait_for_line (First      *first,
                     const char *line)
{
  g_autofree char *needle = g_strconcat (line, "\n", NULL);
  g_autofree char *what = g_strdup_printf ("the first launch to print “%s”", line);
  Printed p = { first, needle };

  harness_wait_for (printed, &p, what);
}

static gboolean
first_is_over (gpointer data)
{
  First *first = data;

  return first->exited && first->eof;
}

/* --- the launcher, first and second --- */

/* A deep link and a file with the first launch, before its page listens
 * (the test page adds its listeners late, on purpose); then a second launch
 * from another folder, whose arguments, folder, link and file reach the
 * first's page; a third ends it. */
static void
test_launcher_cold_and_warm (void)
{
  g_autofree char *id = new_app_id ();
  g_autofree char *cwd1 = new_cwd ();
  g_autofree char *cwd2 = new_cwd ();
  const char *dir = g_test_get_filename (G_TEST_DIST, "instance", NULL);
  const char * const first_args[] = {
    "--app-id", id, "--url-scheme", SCHEME, "--log-console", "--dir", dir,
    SCHEME "://cold/1", "a.txt", NULL,
  };
  const char * const second_args[] = {
    "--app-id", id, "hello", SCHEME "://warm/2", "b.txt", NULL,
  };
  const char * const third_args[] = { "--app-id", id, "quit-now", NULL };
  g_autofree char *cold_files = g_strdup_printf (
    "EVENT atrium:app.open-files {\"paths\":[\"%s/a.txt\"]}", cwd1);
  g_autofree char *second = g_strdup_printf (
    "EVENT atrium:app.second-instance {\"args\":[\"hello\",\"" SCHEME "://warm/2\",\"b.txt\"],"
    "\"cwd\":\"%s\"}", cwd2);
  g_autofree char *warm_files = g_strdup_printf (
    "EVENT atrium:app.open-files {\"paths\":[\"%s/b.txt\"]}", cwd2);
  g_autofree char *third = g_strdup_printf (
    "EVENT atrium:app.second-instance {\"args\":[\"quit-now\"],\"cwd\":\"%s\"}", cwd2);
  g_autofree char *expected = NULL;
  First *first;

  first = first_start (cwd1, first_args);
  first_wait_for_line (first, "EVENT atrium:app.open-url {\"url\":\"" SCHEME "://cold/1\"}");
  first_wait_for_line (first, cold_files);
  /* Kept until the page listened, and in the order they came. */
  g_assert_true (g_str_has_prefix (first->text->str, "LISTENING\n"));

  g_assert_cmpint (launch_finish (launch_start (cwd2, second_args)), ==, 0);
  first_wait_for_line (first, second);
  first_wait_for_line (first, "EVENT atrium:app.open-url {\"url\":\"" SCHEME "://warm/2\"}");
  first_wait_for_line (first, warm_files);

  g_assert_cmpint (launch_finish (launch_start (cwd2, third_args)), ==, 0);
  harness_wait_for (first_is_over, first, "the first launch to quit");
  g_assert_true (g_subprocess_get_if_exited (first->process));
  g_assert_cmpint (g_subprocess_get_exit_status (first->process), ==, 0);

  /* Nothing else: "hello" and "quit-now" are no files, and no event twice. */
  expected = g_strdup_printf ("LISTENING\n"
                              "EVENT atrium:app.open-url {\"url\":\"" SCHEME "://cold/1\"}\n"
                              "%s\n%s\n"
                              "EVENT atrium:app.open-url {\"url\":\"" SCHEME "://warm/2\"}\n"
                              "%s\n%s\n", cold_files, second, warm_files, third);
  g_assert_cmpstr (first->text->str, ==, expected);

  g_object_unref (first->out);
  g_object_unref (first->process);
  g_string_free (first->text, TRUE);
  g_free (first);
  test_remove_tree (cwd1);
  test_remove_tree (cwd2);
}

/* Without --app-id the launcher stays non-unique; a deep link given to it
 * goes through GApplication's own ::open. */
static void
test_launcher_not_unique (void)
{
  g_autofree char *cwd = new_cwd ();
  const char * const args[] = {
    "--url-scheme", SCHEME, "--log-console",
    "--dir", g_test_get_filename (G_TEST_DIST, "instance", NULL), SCHEME "://local/quit", NULL,
  };
  First *first = first_start (cwd, args);

  harness_wait_for (first_is_over, first, "the launcher to quit");
  g_assert_cmpint (g_subprocess_get_exit_status (first->process), ==, 0);
  g_assert_cmpstr (first->text->str, ==,
                   "LISTENING\nEVENT atrium:app.open-url {\"url\":\"" SCHEME "://local/quit\"}\n");
  g_object_unref (first->out);
  g_object_unref (first->process);
  g_string_free (first->text, TRUE);
  g_free (first);
  test_remove_tree (cwd);
}

/* Bad --app-id and --url-scheme values are refused in one line, and
 * arguments still need one of them. */
static void
test_launcher_options (void)
{
  static const char * const cases[][3] = {
    { "--app-id", "not an id", "is not an application id" },
    { "--url-scheme", "http", "reserved" },
    { "--url-scheme", "1app", "is not a URL scheme" },
    { "--url-scheme", "my app", "is not a URL scheme" },
    { "some-file.txt", NULL, "unexpected argument" },
  };
  g_autofree char *cwd = new_cwd ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char * const args[] = { cases[i][0], cases[i][1], NULL };
      Launch *launch = launch_start (cwd, args);

      harness_wait_for (launch_is_done, launch, "the launcher to refuse its options");
      g_assert_true (g_str_has_prefix (launch->err, "atrium: "));
      g_assert_nonnull (strstr (launch->err, cases[i][2]));
      g_assert_cmpint (launch_finish (launch), ==, 2);
    }
  test_remove_tree (cwd);
}

/* --- this process as the first instance --- */

typedef struct
{
  char         *id;
  char         *cwd;
  AtriumApp    *app;
  AtriumWindow *window;
  GDBusConnection *other;      /* a second launch's connection, for raw calls */

  /* What C's signals saw. */
  guint         n_second;
  GPtrArray    *second_args;   /* the last second launch's */
  char         *second_cwd;
  GPtrArray    *urls;          /* every URL, in order */
  GPtrArray    *files;         /* every path of every open-files, in order */
  guint         n_open_files;
  gboolean      keep_urls;     /* ::open-url returns TRUE */
} Fixture;

static gboolean
second_instance_cb (AtriumApp   *app,
                    char       **args,
                    const char  *cwd,
                    Fixture     *f)
{
  f->n_second++;
  g_ptr_array_set_size (f->second_args, 0);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (f->second_args, g_strdup (args[i]));
  g_free (f->second_cwd);
  f->second_cwd = g_strdup (cwd);
  return FALSE;
}

static gboolean
open_url_cb (AtriumApp  *app,
             const char *url,
             Fixture    *f)
{
  g_ptr_array_add (f->urls, g_strdup (url));
  return f->keep_urls;
}

static gboolean
open_files_cb (AtriumApp  *app,
               char      **paths,
               Fixture    *f)
{
  f->n_open_files++;
  for (guint i = 0; paths[i] != NULL; i++)
    g_ptr_array_add (f->files, g_strdup (paths[i]));
  return FALSE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  f->id = new_app_id ();
  f->cwd = new_cwd ();
  f->second_args = g_ptr_array_new_with_free_func (g_free);
  f->urls = g_ptr_array_new_with_free_func (g_free);
  f->files = g_ptr_array_new_with_free_func (g_free);

  f->app = atrium_app_new (f->id, G_APPLICATION_DEFAULT_FLAGS);
  atrium_app_set_single_instance (f->app, TRUE);
  g_assert_true (atrium_app_get_single_instance (f->app));
  g_assert_true (atrium_app_register_url_scheme (f->app, SCHEME, &error));
  g_assert_no_error (error);
  assets = atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "instance", NULL),
                                            &error);
  g_assert_no_error (error);
  atrium_app_set_assets (f->app, assets);
  g_signal_connect (f->app, "second-instance", G_CALLBACK (second_instance_cb), f);
  g_signal_connect (f->app, "open-url", G_CALLBACK (open_url_cb), f);
  g_signal_connect (f->app, "open-files", G_CALLBACK (open_files_cb), f);
  g_application_register (G_APPLICATION (f->app), NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (f->app)));

  f->window = harness_open (f->app, "/record.html");

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  f->other = g_dbus_connection_new_for_address_sync (
    address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
             | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_dbus_connection_close_sync (f->other, NULL, NULL);
  g_clear_object (&f->other);
  harness_close (f->window);
  g_clear_object (&f->app);
  test_remove_tree (f->cwd);
  g_free (f->cwd);
  g_free (f->id);
  g_free (f->second_cwd);
  g_ptr_array_unref (f->second_args);
  g_ptr_array_unref (f->urls);
  g_ptr_array_unref (f->files);
}

static guint
pending (Fixture *f)
{
  return _atrium_app_instance_count_pending (f->app, NULL);
}

/* The page's events once it has @n: [[name, data], …]. */
static JsonArray *
page_events (Fixture *f,
             guint    n)
{
  g_autofree char *body = g_strdup_printf ("return await waitFor(%u);", n);
  JsonNode *node = harness_run_js_json (f->window, body);
  JsonArray *events;

  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  events = json_array_ref (json_node_get_array (node));
  json_node_unref (node);
  g_assert_cmpuint (json_array_get_length (events), >=, n);
  return events;
}

static const char *
event_name (JsonArray *events,
            guint      i)
{
  return json_array_get_string_element (json_array_get_array_element (events, i), 0);
}

static JsonObject *
event_data (JsonArray *events,
            guint      i)
{
  return json_array_get_object_element (json_array_get_array_element (events, i), 1);
}

static void
listen (Fixture *f)
{
  g_autofree char *done = harness_run_js (f->window, "listen(); return 'listening';");

  g_assert_cmpstr (done, ==, "\"listening\"");
}

/* --- raw second launches: org.gtk.Application.CommandLine --- */

typedef struct
{
  guint sent;
  guint answered;
  int   status;      /* the last answer's */
} Calls;

static void
command_line_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Calls *calls = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result,
                                                             &error);

  g_assert_no_error (error);
  g_variant_get (reply, "(i)", &calls->status);
  calls->answered++;
}

/* What GApplication's second launch sends, with any bytes in @args (the
 * program's name first) and @cwd. */
static void
send_command_line (Fixture            *f,
                   const char * const *args,
                   gssize              n_args,
                   const char         *cwd,
                   Calls              *calls)
{
  g_autofree char *path = g_strconcat ("/", f->id, NULL);
  GVariantBuilder platform;

  for (char *p = path; *p != '\0'; p++)
    if (*p == '.')
      *p = '/';
  g_variant_builder_init (&platform, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&platform, "{sv}", "cwd", g_variant_new_bytestring (cwd));
  g_dbus_connection_call (f->other, f->id, path, "org.gtk.Application", "CommandLine",
                          g_variant_new ("(o@aay@a{sv})", "/dev/atrium/test/CommandLine",
                                         g_variant_new_bytestring_array (args, n_args),
                                         g_variant_builder_end (&platform)),
                          G_VARIANT_TYPE ("(i)"), G_DBUS_CALL_FLAGS_NONE,
                          HARNESS_WAIT_SECONDS * 1000, NULL, command_line_cb, calls);
  calls->sent++;
}

static gboolean
calls_answered (gpointer data)
{
  Calls *calls = data;

  return calls->answered == calls->sent;
}

/* One raw second launch; asserts it exits 0. */
static void
second_launch_raw (Fixture            *f,
                   const char * const *args,
                   gssize              n_args)
{
  Calls calls = { 0, 0, -1 };

  send_command_line (f, args, n_args, f->cwd, &calls);
  harness_wait_for (calls_answered, &calls, "the first instance to answer a second launch");
  g_assert_cmpint (calls.status, ==, 0);
}

static gboolean
page_answers (Fixture *f)
{
  g_autofree char *answer = harness_run_js (f->window, "return 6 * 7;");

  return g_strcmp0 (answer, "42") == 0;
}

/* --- cases --- */

/* A launcher with the same id hands over its arguments and folder, comes
 * to the front (here: shown again), and exits 0; the page, listening
 * later, gets it all in order, and the next launch at once. */
static void
test_second_launch (Fixture       *f,
                    gconstpointer  data)
{
  const char * const args[] = { "--app-id", f->id, "hello", "a.txt", SCHEME "://warm/1", NULL };
  const char * const again[] = { "--app-id", f->id, "b.txt", NULL };
  g_autofree char *a = g_build_filename (f->cwd, "a.txt", NULL);
  g_autofree char *b = g_build_filename (f->cwd, "b.txt", NULL);
  g_autoptr(JsonArray) events = NULL;
  JsonArray *list;

  gtk_widget_set_visible (GTK_WIDGET (f->window), FALSE);
  g_assert_cmpint (launch_finish (launch_start (f->cwd, args)), ==, 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->window)));

  g_assert_cmpuint (f->n_second, ==, 1);
  g_assert_cmpuint (f->second_args->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (f->second_args, 0), ==, "hello");
  g_assert_cmpstr (g_ptr_array_index (f->second_args, 1), ==, "a.txt");
  g_assert_cmpstr (g_ptr_array_index (f->second_args, 2), ==, SCHEME "://warm/1");
  g_assert_cmpstr (f->second_cwd, ==, f->cwd);
  g_assert_cmpuint (f->urls->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->urls, 0), ==, SCHEME "://warm/1");
  g_assert_cmpuint (f->files->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->files, 0), ==, a);
  /* The page does not listen yet: all three wait for it. */
  g_assert_cmpuint (pending (f), ==, 3);

  listen (f);
  events = page_events (f, 3);
  g_assert_cmpstr (event_name (events, 0), ==, "atrium:app.second-instance");
  list = json_object_get_array_member (event_data (events, 0), "args");
  g_assert_cmpuint (json_array_get_length (list), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (list, 0), ==, "hello");
  g_assert_cmpstr (json_object_get_string_member (event_data (events, 0), "cwd"), ==, f->cwd);
  g_assert_cmpstr (event_name (events, 1), ==, "atrium:app.open-url");
  g_assert_cmpstr (json_object_get_string_member (event_data (events, 1), "url"), ==,
                   SCHEME "://warm/1");
  g_assert_cmpstr (event_name (events, 2), ==, "atrium:app.open-files");
  list = json_object_get_array_member (event_data (events, 2), "paths");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (list, 0), ==, a);
  g_assert_cmpuint (pending (f), ==, 0);
  g_clear_pointer (&events, json_array_unref);

  /* Listening now: the next launch goes straight to the page. */
  g_assert_cmpint (launch_finish (launch_start (f->cwd, again)), ==, 0);
  events = page_events (f, 5);
  g_assert_cmpstr (event_name (events, 3), ==, "atrium:app.second-instance");
  g_assert_cmpstr (event_name (events, 4), ==, "atrium:app.open-files");
  list = json_object_get_array_member (event_data (events, 4), "paths");
  g_assert_cmpstr (json_array_get_string_element (list, 0), ==, b);
  g_assert_cmpuint (pending (f), ==, 0);
}

/* Cold start through GApplication's ::open (what the desktop does for a
 * file or a link): kept until the page listens, never lost; a page that
 * navigates listens no more until its new runtime says so; and a C handler
 * that returns TRUE keeps an event from the pages. */
static void
test_open_cold_start (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *a = g_build_filename (f->cwd, "a.txt", NULL);
  g_autoptr(GFile) url = g_file_new_for_uri (SCHEME ":cold?x=1#y");
  g_autoptr(GFile) later = g_file_new_for_uri (SCHEME "://after-reload");
  g_autoptr(GFile) kept = g_file_new_for_uri (SCHEME "://kept-by-c");
  g_autoptr(GFile) file = g_file_new_for_path (a);
  g_autoptr(JsonArray) events = NULL;
  GFile *files[] = { url, file };

  g_application_open (G_APPLICATION (f->app), files, 2, "");
  g_assert_cmpuint (pending (f), ==, 2);
  g_assert_cmpuint (f->urls->len, ==, 1);
  g_assert_cmpuint (f->n_open_files, ==, 1);

  listen (f);
  events = page_events (f, 2);
  g_assert_cmpstr (event_name (events, 0), ==, "atrium:app.open-url");
  g_assert_cmpstr (json_object_get_string_member (event_data (events, 0), "url"), ==,
                   SCHEME ":cold?x=1#y");
  g_assert_cmpstr (event_name (events, 1), ==, "atrium:app.open-files");
  g_assert_cmpuint (pending (f), ==, 0);
  g_clear_pointer (&events, json_array_unref);

  /* A new page listens to nothing until it says so. */
  webkit_web_view_reload (atrium_window_get_web_view (f->window));
  harness_wait_load (f->window);
  g_application_open (G_APPLICATION (f->app), &later, 1, "");
  g_assert_cmpuint (pending (f), ==, 1);

  /* C keeps this one. */
  f->keep_urls = TRUE;
  g_application_open (G_APPLICATION (f->app), &kept, 1, "");
  g_assert_cmpuint (f->urls->len, ==, 3);
  g_assert_cmpuint (pending (f), ==, 1);
  f->keep_urls = FALSE;

  listen (f);
  g_application_open (G_APPLICATION (f->app), &file, 1, "");
  events = page_events (f, 2);
  g_assert_cmpuint (json_array_get_length (events), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (event_data (events, 0), "url"), ==,
                   SCHEME "://after-reload");
  g_assert_cmpstr (event_name (events, 1), ==, "atrium:app.open-files");
}

/* Hostile: schemes the app did not register, javascript: among them. */
static void
test_unregistered_scheme (Fixture       *f,
                          gconstpointer  data)
{
  const char * const args[] = {
    "atrium", "evil://x", "javascript:alert(1)", "http://example.com/", "ATRIUM-TEST://ok", NULL,
  };
  int before = g_atomic_int_get (&unregistered_warnings);

  second_launch_raw (f, args, -1);
  g_assert_cmpuint (f->n_second, ==, 1);
  g_assert_cmpuint (f->second_args->len, ==, 4);
  /* Schemes are case-insensitive: only that one is the app's. */
  g_assert_cmpuint (f->urls->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->urls, 0), ==, "ATRIUM-TEST://ok");
  g_assert_cmpuint (f->n_open_files, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&unregistered_warnings), >, before);
  g_assert_true (page_answers (f));
}

/* Hostile: a 1 MiB URL (over D-Bus: the kernel caps one argument of a real
 * command line at 128 KiB). Refused, and left out of the page's args. */
static void
test_huge_url (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *url = g_malloc (1024 * 1024 + 1);
  const char *args[] = { "atrium", url, "small", NULL };
  g_autoptr(JsonArray) events = NULL;
  JsonArray *list;
  int limits = g_atomic_int_get (&limit_warnings);
  int left_out = g_atomic_int_get (&left_out_warnings);

  memset (url, 'a', 1024 * 1024);
  memcpy (url, SCHEME "://", strlen (SCHEME "://"));
  url[1024 * 1024] = '\0';

  second_launch_raw (f, args, -1);
  g_assert_cmpuint (f->n_second, ==, 1);
  g_assert_cmpuint (strlen (g_ptr_array_index (f->second_args, 0)), ==, 1024 * 1024);
  g_assert_cmpuint (f->urls->len, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&limit_warnings), >, limits);
  g_assert_cmpint (g_atomic_int_get (&left_out_warnings), >, left_out);

  listen (f);
  events = page_events (f, 1);
  list = json_object_get_array_member (event_data (events, 0), "args");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (list, 0), ==, "small");
  g_assert_true (page_answers (f));
}

/* Hostile: 10,000 files in one launch. C has the first 1,024; so has the
 * page, in one event. */
static void
test_many_files (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(JsonArray) events = NULL;
  int left_out = g_atomic_int_get (&left_out_warnings);
  gsize bytes;

  g_ptr_array_add (args, "atrium");
  for (guint i = 0; i < 10000; i++)
    g_ptr_array_add (args, i % 2 == 0 ? "a.txt" : "b.txt");
  second_launch_raw (f, (const char * const *) args->pdata, args->len);

  g_assert_cmpuint (f->n_open_files, ==, 1);
  g_assert_cmpuint (f->files->len, ==, ATRIUM_APP_ITEMS_MAX);
  g_assert_cmpint (g_atomic_int_get (&left_out_warnings), >, left_out);
  g_assert_cmpuint (pending (f), ==, 2);
  _atrium_app_instance_count_pending (f->app, &bytes);
  g_assert_cmpuint (bytes, <=, ATRIUM_APP_PENDING_BYTES_MAX);

  listen (f);
  events = page_events (f, 2);
  g_assert_cmpstr (event_name (events, 0), ==, "atrium:app.second-instance");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (event_data (events, 0),
                                                                         "args")),
                    ==, ATRIUM_APP_ITEMS_MAX);
  g_assert_cmpstr (event_name (events, 1), ==, "atrium:app.open-files");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (event_data (events, 1),
                                                                         "paths")),
                    ==, ATRIUM_APP_ITEMS_MAX);
  g_assert_true (page_answers (f));
}

/* Hostile: arguments that are not UTF-8. C gets the bytes as they were;
 * the page gets the arguments with U+FFFD, and no path that would name
 * another file. */
static void
test_not_utf8 (Fixture       *f,
               gconstpointer  data)
{
  const char *bad_name = "\xff\xfe.txt";
  const char * const args[] = { "atrium", "caf\xe9", bad_name, SCHEME "://caf\xe9", NULL };
  const char * const after[] = { "atrium", "a.txt", NULL };
  g_autofree char *bad_path = g_build_filename (f->cwd, bad_name, NULL);
  g_autofree char *a = g_build_filename (f->cwd, "a.txt", NULL);
  g_autoptr(JsonArray) events = NULL;
  JsonArray *list;
  int utf8 = g_atomic_int_get (&utf8_warnings);

  test_write_file (f->cwd, bad_name, "x", 1);
  second_launch_raw (f, args, -1);
  g_assert_cmpstr (g_ptr_array_index (f->second_args, 0), ==, "caf\xe9");
  g_assert_cmpuint (f->urls->len, ==, 0);
  g_assert_cmpuint (f->files->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->files, 0), ==, bad_path);
  g_assert_cmpint (g_atomic_int_get (&utf8_warnings), >, utf8);

  second_launch_raw (f, after, -1);
  listen (f);
  events = page_events (f, 3);
  /* second-instance, second-instance, open-files (a.txt alone): the bad
   * path never reached the page. */
  g_assert_cmpuint (json_array_get_length (events), ==, 3);
  list = json_object_get_array_member (event_data (events, 0), "args");
  g_assert_cmpuint (json_array_get_length (list), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (list, 0), ==, "caf\xef\xbf\xbd");
  g_assert_true (g_utf8_validate (json_array_get_string_element (list, 1), -1, NULL));
  g_assert_cmpstr (event_name (events, 2), ==, "atrium:app.open-files");
  list = json_object_get_array_member (event_data (events, 2), "paths");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (list, 0), ==, a);
}

/* Hostile: a flood of second launches while no page listens: real
 * launchers at once, then 300 raw ones. What waits is bounded (the oldest
 * go), every launch exits 0, the app keeps running, and the page gets the
 * newest 64 in order. */
static void
test_flood (Fixture       *f,
            gconstpointer  data)
{
  enum { N_LAUNCHERS = 12, N_RAW = 300 };
  Launch *launches[N_LAUNCHERS];
  g_autoptr(JsonArray) events = NULL;
  Calls calls = { 0, 0, -1 };
  int left_out = g_atomic_int_get (&left_out_warnings);
  gsize bytes;

  for (guint i = 0; i < N_LAUNCHERS; i++)
    {
      g_autofree char *word = g_strdup_printf ("launch-%u", i);
      const char * const args[] = { "--app-id", f->id, word, NULL };

      launches[i] = launch_start (f->cwd, args);
    }
  for (guint i = 0; i < N_LAUNCHERS; i++)
    g_assert_cmpint (launch_finish (launches[i]), ==, 0);
  g_assert_cmpuint (f->n_second, ==, N_LAUNCHERS);

  for (guint i = 0; i < N_RAW; i++)
    {
      g_autofree char *word = g_strdup_printf ("flood-%u", i);
      const char * const args[] = { "atrium", word, NULL };

      send_command_line (f, args, -1, f->cwd, &calls);
    }
  harness_wait_for (calls_answered, &calls, "the first instance to answer 300 second launches");
  g_assert_cmpint (calls.status, ==, 0);
  g_assert_cmpuint (f->n_second, ==, N_LAUNCHERS + N_RAW);

  g_assert_cmpuint (_atrium_app_instance_count_pending (f->app, &bytes), ==,
                    ATRIUM_APP_PENDING_MAX);
  g_assert_cmpuint (bytes, <=, ATRIUM_APP_PENDING_BYTES_MAX);
  g_assert_cmpint (g_atomic_int_get (&left_out_warnings), >, left_out);
  g_assert_true (page_answers (f));

  listen (f);
  events = page_events (f, ATRIUM_APP_PENDING_MAX);
  g_assert_cmpuint (json_array_get_length (events), ==, ATRIUM_APP_PENDING_MAX);
  for (guint i = 0; i < ATRIUM_APP_PENDING_MAX; i++)
    {
      JsonArray *list = json_object_get_array_member (event_data (events, i), "args");
      g_autofree char *word = g_strdup_printf ("flood-%u", N_RAW - ATRIUM_APP_PENDING_MAX + i);

      g_assert_cmpstr (event_name (events, i), ==, "atrium:app.second-instance");
      g_assert_cmpstr (json_array_get_string_element (list, 0), ==, word);
    }
  g_assert_cmpuint (pending (f), ==, 0);
}

/* The runtime's built-in takes only the three names, and only while the
 * group is on. */
static void
test_listen_refused (void)
{
  g_autoptr(AtriumAssets) assets = atrium_assets_new_for_directory (
    g_test_get_filename (G_TEST_DIST, "instance", NULL), NULL);
  g_autoptr(AtriumApp) app = harness_app_new (assets);
  g_autoptr(AtriumApp) off = harness_app_new (assets);
  AtriumWindow *window, *off_window;
  g_autofree char *codes = NULL;
  g_autofree char *forbidden = NULL;

  atrium_app_set_builtins (off, ATRIUM_BUILTIN_DEFAULT & ~ATRIUM_BUILTIN_APP);
  window = harness_open (app, "/record.html");
  off_window = harness_open (off, "/record.html");

  codes = harness_run_js (window, HARNESS_JS_CODE
    "return [await code(() => atrium.call('atrium:app.listen', 'atrium:window.resized')),"
    "        await code(() => atrium.call('atrium:app.listen', 5)),"
    "        await code(() => atrium.call('atrium:app.listen')),"
    "        await code(() => atrium.call('atrium:app.listen', 'x'.repeat(100000))),"
    "        await code(() => atrium.call('atrium:app.listen', 'atrium:app.open-url'))];");
  g_assert_cmpstr (codes, ==, "[\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\",\"resolved\"]");
  forbidden = harness_run_js (off_window, HARNESS_JS_CODE
    "return await code(() => atrium.call('atrium:app.listen', 'atrium:app.open-url'));");
  g_assert_cmpstr (forbidden, ==, "\"forbidden\"");

  harness_close (window);
  harness_close (off_window);
}

/* atrium_app_register_url_scheme(): RFC 3986 schemes only, and none of the
 * reserved ones; a refusal changes nothing. */
static void
test_url_schemes (void)
{
  static const char * const good[] = { "myapp", "my-app+v2.x", "MyApp", "x" };
  static const char * const bad[] = {
    "", "1app", "my app", "myapp:", "my/app", "-app", "ünï", "myapp://",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  };
  static const char * const reserved[] = {
    "app", "http", "HTTPS", "file", "javascript", "data", "about", "blob", "ws",
  };
  g_autoptr(AtriumApp) app = atrium_app_new ("dev.atrium.InstanceSchemes",
                                             G_APPLICATION_NON_UNIQUE);
  GApplication *application = G_APPLICATION (app);

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (atrium_app_register_url_scheme (app, good[i], &error));
      g_assert_no_error (error);
      g_assert_true (atrium_app_handles_url_scheme (app, good[i]));
    }
  g_assert_true (atrium_app_handles_url_scheme (app, "MYAPP"));
  g_assert_true (g_application_get_flags (application) & G_APPLICATION_HANDLES_OPEN);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (atrium_app_register_url_scheme (app, bad[i], &error));
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
      g_test_message ("%s", error->message);
    }
  for (guint i = 0; i < G_N_ELEMENTS (reserved); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (atrium_app_register_url_scheme (app, reserved[i], &error));
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN);
      g_assert_nonnull (strstr (error->message, "reserved"));
      g_assert_false (atrium_app_handles_url_scheme (app, reserved[i]));
    }
  g_assert_false (atrium_app_handles_url_scheme (app, "1app"));

  /* At most ATRIUM_APP_SCHEMES_MAX. */
  for (guint i = G_N_ELEMENTS (good) - 1; i < ATRIUM_APP_SCHEMES_MAX; i++)
    {
      g_autofree char *scheme = g_strdup_printf ("scheme%u", i);

      g_assert_true (atrium_app_register_url_scheme (app, scheme, NULL));
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (atrium_app_register_url_scheme (app, "onetoomany", &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
    g_assert_false (atrium_app_handles_url_scheme (app, "onetoomany"));
  }

  /* Single instance on and off again: the flags go back. */
  atrium_app_set_single_instance (app, TRUE);
  g_assert_false (g_application_get_flags (application) & G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_get_flags (application) & G_APPLICATION_HANDLES_COMMAND_LINE);
  atrium_app_set_single_instance (app, FALSE);
  g_assert_true (g_application_get_flags (application) & G_APPLICATION_NON_UNIQUE);
  g_assert_false (g_application_get_flags (application) & G_APPLICATION_HANDLES_COMMAND_LINE);
}

static void
skip_no_bus (void)
{
  g_test_skip ("No D-Bus session bus to be unique on: run under dbus-run-session "
               "(make test does)");
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int   argc,
      char *argv[])
{
  gboolean display;

  g_log_set_writer_func (counting_writer, NULL, NULL);
  display = harness_init (&argc, &argv);

  g_test_add_func ("/atrium/instance/url-schemes", test_url_schemes);
  if (!display)
    {
      g_test_add_func ("/atrium/instance/needs-display", harness_skip_no_display);
      return g_test_run ();
    }
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_test_add_func ("/atrium/instance/needs-session-bus", skip_no_bus);
      return g_test_run ();
    }

  g_test_add_func ("/atrium/instance/launcher-options", test_launcher_options);
  g_test_add_func ("/atrium/instance/launcher-cold-and-warm", test_launcher_cold_and_warm);
  g_test_add_func ("/atrium/instance/launcher-not-unique", test_launcher_not_unique);
  g_test_add_func ("/atrium/instance/listen-refused", test_listen_refused);
  ADD ("/atrium/instance/second-launch", test_second_launch);
  ADD ("/atrium/instance/open-cold-start", test_open_cold_start);
  ADD ("/atrium/instance/unregistered-scheme", test_unregistered_scheme);
  ADD ("/atrium/instance/huge-url", test_huge_url);
  ADD ("/atrium/instance/many-files", test_many_files);
  ADD ("/atrium/instance/not-utf8", test_not_utf8);
  ADD ("/atrium/instance/flood", test_flood);

  return g_test_run ();
}

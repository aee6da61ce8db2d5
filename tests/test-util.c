#include "config.h"

#include "test-util.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

/* Removes @path and, if it is a directory, everything below it, without
 * following symbolic links out of it. Cleanup: what cannot be removed is
 * left behind. */
void
test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

/* The user's npm cache, which the Vite builds read offline. Call it before
 * anything moves HOME: tests/headless-run gives each test a home of its own
 * and passes the user's cache on as npm_config_cache. */
char *
test_npm_cache (void)
{
  const char *cache = g_getenv ("npm_config_cache");
  const char *home = g_getenv ("HOME");

  if (cache != NULL && *cache != '\0')
    return g_strdup (cache);
  return g_build_filename (home != NULL ? home : g_get_home_dir (), ".npm", NULL);
}

/* Writes @length bytes of @contents (-1: a string) to @dir/@name, or fails
 * the test. */
void
test_write_file (const char *dir,
                 const char *name,
                 const void *contents,
                 gssize      length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

/* Makes a handler that records what it is given (a line each) the
 * default application for @types (MIME types and x-scheme-handler/…) of
 * this test's XDG folders: a script in @dir, @name.desktop beside the
 * user's applications, and mimeapps.list. Returns the record's path. */
char *
test_install_recorder (const char         *dir,
                       const char         *name,
                       const char * const *types)
{
  g_autofree char *script = g_build_filename (dir, "record.sh", NULL);
  g_autofree char *apps = g_build_filename (g_get_user_data_dir (), "applications", NULL);
  g_autofree char *desktop_id = g_strconcat (name, ".desktop", NULL);
  g_autofree char *body = NULL;
  g_autofree char *mime_list = NULL;
  g_autofree char *desktop = NULL;
  g_autoptr(GString) mimeapps = g_string_new ("[Default Applications]\n");
  char *record_path = g_build_filename (dir, "record.txt", NULL);

  body = g_strdup_printf ("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> '%s'\n", record_path);
  g_assert_true (g_file_set_contents (script, body, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);

  for (gsize i = 0; types[i] != NULL; i++)
    g_string_append_printf (mimeapps, "%s=%s\n", types[i], desktop_id);
  mime_list = g_strjoinv (";", (char **) types);
  desktop = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=%s\n"
                             "Exec=%s %%u\nNoDisplay=true\nMimeType=%s;\n",
                             name, script, mime_list);
  g_assert_cmpint (g_mkdir_with_parents (apps, 0700), ==, 0);
  test_write_file (apps, desktop_id, desktop, -1);
  test_write_file (g_get_user_config_dir (), "mimeapps.list", mimeapps->str, -1);
  return record_path;
}

/* What the recorder has been given so far; "" before anything. */
char *
test_read_recorded (const char *record_path)
{
  char *text = NULL;

  if (!g_file_get_contents (record_path, &text, NULL, NULL))
    text = g_strdup ("");
  return text;
}

#define MAX_COUNTED 4

static struct
{
  const char *needle;
  int        *counter;
} counted[MAX_COUNTED];

static GLogWriterOutput
counting_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE))
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
        for (guint j = 0; j < MAX_COUNTED && counted[j].needle != NULL; j++)
          if (strstr (fields[i].value, counted[j].needle) != NULL)
            {
              g_atomic_int_inc (counted[j].counter);
              return G_LOG_WRITER_HANDLED;
            }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* g_test_expect_message() does not see structured logs in GLib 2.74: the
 * warnings (and messages) a test provokes on purpose, those whose message
 * holds @needle,
 * are counted in @counter (atomically) instead of being fatal; every other
 * message goes to the default writer. Call it before g_test_init(), once
 * per kind of warning (at most four). */
void
test_count_warnings (const char *needle,
                     int        *counter)
{
  guint i = 0;

  while (i < MAX_COUNTED && counted[i].needle != NULL)
    i++;
  if (i == MAX_COUNTED)
    g_error ("test_count_warnings() counts %d kinds of warning at most", MAX_COUNTED);
  counted[i].needle = needle;
  counted[i].counter = counter;
  /* GLib takes a writer once per process. */
  if (i == 0)
    g_log_set_writer_func (counting_writer, NULL, NULL);
}

gboolean
test_flag_is_set (gpointer flag)
{
  return g_atomic_int_get ((int *) flag) != 0;
}

gboolean
test_pointer_is_set (gpointer pointer)
{
  return g_atomic_pointer_get ((gpointer *) pointer) != NULL;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates @context until @done holds or the monotonic clock passes
 * @deadline; says which. A condition set by another thread wakes nothing
 * (a worker that blocks, or finishes, does not touch the main loop), so a
 * tick makes the loop look again every 10 ms, and check the deadline
 * even when nothing else happens.
 *
 * The tick has the lowest priority of all: one iteration dispatches only
 * the ready sources of the best priority, and a condition that takes
 * 10 ms or more to look at (one that runs xdotool) would otherwise find
 * the tick ready every time and starve everything below
 * G_PRIORITY_DEFAULT. WebKit's run loop is one (G_PRIORITY_HIGH_IDLE: its
 * IPC, so the page's alert() never reached C), GTK's layout and painting
 * others. */
static gboolean
wait_until (GMainContext  *context,
            gint64         deadline,
            TestCondition  done,
            gpointer       data)
{
  GSource *tick = g_timeout_source_new (10);
  gboolean met;

  g_source_set_priority (tick, G_PRIORITY_LOW);
  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, context);
  while (!(met = done (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  return met;
}

/* Iterates @context (NULL: the global default) until @done (@data) holds;
 * past @seconds the test fails, saying it waited for @what. */
void
test_wait_for (GMainContext  *context,
               guint          seconds,
               TestCondition  done,
               gpointer       data,
               const char    *what)
{
  if (!wait_until (context, g_get_monotonic_time () + seconds * G_USEC_PER_SEC, done, data))
    g_error ("Waited %u s for %s", seconds, what);
}

/* As test_wait_for() on the global default context, for a wait that may
 * run out (the caller then tries something else): whether @done held
 * within @seconds. */
gboolean
test_wait_for_at_most (guint          seconds,
                       TestCondition  done,
                       gpointer       data)
{
  return wait_until (NULL, g_get_monotonic_time () + seconds * G_USEC_PER_SEC, done, data);
}

/* The same off the main loop, or where iterating the caller's context
 * would change what is tested (deliver what a producer waits on): looks at
 * @done (@data) every 10 ms, on a context of its own that holds nothing
 * else. Safe from any thread. */
void
test_poll_for (guint          seconds,
               TestCondition  done,
               gpointer       data,
               const char    *what)
{
  g_autoptr(GMainContext) context = g_main_context_new ();

  test_wait_for (context, seconds, done, data, what);
}

typedef struct
{
  char    *out;
  char    *err;
  GError  *error;
  gboolean done;
} Communicate;

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communicate *c = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &c->out, &c->err,
                                        &c->error);
  c->done = TRUE;
}

/* Collects what @process writes to its stdout and stderr pipes (either may
 * be NULL if not piped) until it exits. Past @seconds it is killed and the
 * test fails, saying it waited for @what. Only a context of its own is
 * iterated meanwhile, as g_subprocess_communicate_utf8() would do. */
void
test_communicate (GSubprocess  *process,
                  guint         seconds,
                  const char   *what,
                  char        **out,
                  char        **err)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  Communicate c = { NULL, NULL, NULL, FALSE };

  g_main_context_push_thread_default (context);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &c);
  if (!wait_until (context, g_get_monotonic_time () + seconds * G_USEC_PER_SEC,
                   test_flag_is_set, &c.done))
    {
      g_subprocess_force_exit (process);
      g_error ("Waited %u s for %s", seconds, what);
    }
  g_main_context_pop_thread_default (context);

  g_assert_no_error (c.error);
  if (out != NULL)
    *out = g_steal_pointer (&c.out);
  if (err != NULL)
    *err = g_steal_pointer (&c.err);
  g_free (c.out);
  g_free (c.err);
}

/* For blocking I/O on a socket given a timeout (g_socket_client_set_timeout):
 * a read or write that timed out fails the test saying what it waited for.
 * Any other error is the caller's to assert on. */
void
test_fail_if_timed_out (const GError *error,
                        guint         seconds,
                        const char   *what)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_error ("Waited %u s for %s", seconds, what);
}

struct _TestThread
{
  GThread     *thread;
  GThreadFunc  func;
  gpointer     data;
  int          returned;   /* atomic */
};

static gpointer
test_thread_run (gpointer data)
{
  TestThread *t = data;
  gpointer result = t->func (t->data);

  g_atomic_int_set (&t->returned, TRUE);
  return result;
}

/* Starts @func (@data) on a thread of its own, as g_thread_new() does. */
TestThread *
test_thread_new (const char  *name,
                 GThreadFunc  func,
                 gpointer     data)
{
  TestThread *t = g_new0 (TestThread, 1);

  t->func = func;
  t->data = data;
  t->thread = g_thread_new (name, test_thread_run, t);
  return t;
}

/* Waits for @thread's function to return and gives what it returned; past
 * @seconds the test fails, saying it waited for @what. Frees @thread. */
gpointer
test_thread_join (TestThread *thread,
                  guint       seconds,
                  const char *what)
{
  gpointer result;

  test_poll_for (seconds, test_flag_is_set, &thread->returned, what);
  result = g_thread_join (thread->thread);
  g_free (thread);
  return result;
}

/* A stand-in D-Bus service on the session bus: a connection of its own (as
 * a real service's, with its own unique name), run by a thread of its own,
 * so the test's main thread may make blocking calls to it. */
struct _TestBusService
{
  const char                 *name;
  const char                 *path;
  const char                 *xml;
  const GDBusInterfaceVTable *vtable;
  TestThread                 *thread;
  GMainContext               *context;
  GMainLoop                  *loop;
  GDBusConnection            *bus;
  int                         ready;   /* atomic */
};

static void
service_name_acquired_cb (GDBusConnection *bus,
                          const char      *name,
                          gpointer         user_data)
{
  TestBusService *service = user_data;

  g_atomic_int_set (&service->ready, TRUE);
}

static gpointer
service_thread (gpointer data)
{
  TestBusService *service = data;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (service->xml, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  g_main_context_push_thread_default (service->context);
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  service->bus = g_dbus_connection_new_for_address_sync (
    address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
             | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (service->bus, service->path, info->interfaces[0],
                                     service->vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (service->bus, service->name, G_BUS_NAME_OWNER_FLAGS_NONE,
                                service_name_acquired_cb, NULL, service, NULL);
  g_main_loop_run (service->loop);
  g_main_context_pop_thread_default (service->context);
  return NULL;
}

/* Starts the service (@xml's first interface at @path, answered by
 * @vtable in the service's thread) and waits, at most @seconds, until it
 * owns @name. */
TestBusService *
test_bus_service_start (const char                 *name,
                        const char                 *path,
                        const char                 *xml,
                        const GDBusInterfaceVTable *vtable,
                        guint                       seconds)
{
  TestBusService *service = g_new0 (TestBusService, 1);
  g_autofree char *what = g_strdup_printf ("the stand-in %s to own its name", name);

  service->name = name;
  service->path = path;
  service->xml = xml;
  service->vtable = vtable;
  service->context = g_main_context_new ();
  service->loop = g_main_loop_new (service->context, FALSE);
  service->thread = test_thread_new (name, service_thread, service);
  test_poll_for (seconds, test_flag_is_set, &service->ready, what);
  return service;
}

/* The service's own connection, to emit its signals from. */
GDBusConnection *
test_bus_service_get_connection (TestBusService *service)
{
  return service->bus;
}

void
test_bus_service_stop (TestBusService *service,
                       guint           seconds)
{
  g_autofree char *what = g_strdup_printf ("the stand-in %s to stop", service->name);

  g_main_loop_quit (service->loop);
  test_thread_join (service->thread, seconds, what);
  /* Closed, not only unreferenced: the name's owner keeps a reference,
   * and a service started again under the name must be able to take it. */
  g_dbus_connection_close_sync (service->bus, NULL, NULL);
  g_clear_object (&service->bus);
  g_main_loop_unref (service->loop);
  g_main_context_unref (service->context);
  g_free (service);
}

static int saved_stdout = -1;

void
test_stdout_to_stderr_begin (void)
{
  g_assert_cmpint (saved_stdout, ==, -1);
  fflush (stdout);
  saved_stdout = dup (STDOUT_FILENO);
  g_assert_cmpint (saved_stdout, >=, 0);
  g_assert_cmpint (dup2 (STDERR_FILENO, STDOUT_FILENO), ==, STDOUT_FILENO);
}

void
test_stdout_to_stderr_end (void)
{
  g_assert_cmpint (saved_stdout, >=, 0);
  fflush (stdout);
  g_assert_cmpint (dup2 (saved_stdout, STDOUT_FILENO), ==, STDOUT_FILENO);
  close (saved_stdout);
  saved_stdout = -1;
}

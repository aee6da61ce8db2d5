#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include <libsecret/secret.h>

#include "atrium-app-private.h"
#include "atrium-builtins-private.h"
#include "test-util.h"
#include "webkit-harness.h"

/* atrium.secret on the test's private session bus: with no Secret Service
 * there, `not-supported`; with GNOME Keyring's daemon started on it (its
 * login keyring made and unlocked with a password on its stdin, in a
 * folder of the test's own), a set/get/delete round trip, checked from
 * outside through libsecret too. */

#define SECRET_SERVICE_NAME "org.freedesktop.secrets"

static void
test_forbidden (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  AtriumWindow *window = harness_open (app, "/index.html");

  g_assert_false (ATRIUM_BUILTIN_DEFAULT & ATRIUM_BUILTIN_SECRET);
  harness_assert_js (window, HARNESS_JS_CODE
                     "const s = atrium.secret;"
                     "return [await code(() => s.set('k', 'v')), await code(() => s.get('k')),"
                     "        await code(() => s.delete('k'))];",
                     "[\"forbidden\",\"forbidden\",\"forbidden\"]");
  harness_assert_js (window,
                     "return atrium.secret.get('k').then(() => 'resolved', (e) => e.message);",
                     "\"atrium.secret is off: call atrium_app_set_builtins (app, … | "
                     "ATRIUM_BUILTIN_SECRET)\"");
  harness_close (window);
}

/* Checked before anything asks the bus, so the same with or without a
 * Secret Service. */
static void
test_bad_args (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_SECRET);
  AtriumWindow *window = harness_open (app, "/index.html");

  harness_assert_js (window, HARNESS_JS_CODE
                     "const s = atrium.secret;"
                     "return [await code(() => s.set(5, 'v')), await code(() => s.set('', 'v')),"
                     "        await code(() => s.set('k', 5)), await code(() => s.set('k')),"
                     "        await code(() => s.set('k', null)), await code(() => s.get()),"
                     "        await code(() => s.get({ key: 'k' })),"
                     "        await code(() => s.get('k'.repeat(257))),"
                     "        await code(() => s.set('k', 'v'.repeat(64 * 1024 + 1))),"
                     "        await code(() => s.delete(null)), await code(() => s.delete(''))];",
                     "[\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\","
                     "\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\","
                     "\"bad-args\"]");
  harness_close (window);
}

static gboolean
service_is_running (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", SECRET_SERVICE_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
test_not_supported (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_SECRET);
  AtriumWindow *window;

  if (service_is_running ())
    {
      g_test_skip ("a Secret Service runs on this test's session bus already");
      g_assert_finalize_object (g_steal_pointer (&app));
      return;
    }
  window = harness_open (app, "/index.html");
  harness_assert_js (window, HARNESS_JS_CODE
                     "const s = atrium.secret;"
                     "return [await code(() => s.set('k', 'v')), await code(() => s.get('k')),"
                     "        await code(() => s.delete('k'))];",
                     "[\"not-supported\",\"not-supported\",\"not-supported\"]");
  /* Asking did not start one, though the system may have it activatable. */
  g_assert_false (service_is_running ());
  harness_close (window);
}

/* In the daemon before it runs: it dies with the test, even stopped, so a
 * test that fails while the daemon is stopped leaves nothing behind. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* GNOME Keyring's daemon on this test's bus, its files under a folder of
 * the test's own; NULL (and the reason) where it is not installed. */
static GSubprocess *
keyring_start (const char  *dir,
               char       **why_not)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_find_program_in_path ("gnome-keyring-daemon");
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *runtime = g_build_filename (dir, "runtime", NULL);
  GOutputStream *input;

  if (program == NULL)
    {
      *why_not = g_strdup ("gnome-keyring-daemon is not installed (Debian: gnome-keyring), "
                           "so there is no Secret Service to run in the test's session");
      return NULL;
    }
  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (runtime, 0700), ==, 0);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  /* --unlock makes the login keyring with the password on stdin, unlocks
   * it and makes it the default collection: nothing prompts. */
  daemon = g_subprocess_launcher_spawn (launcher, &error, program, "--foreground",
                                        "--components=secrets", "--unlock", NULL);
  g_assert_no_error (error);
  input = g_subprocess_get_stdin_pipe (daemon);
  g_assert_true (g_output_stream_write_all (input, "atrium-test", strlen ("atrium-test"), NULL,
                                            NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (input, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&daemon);
}

static gboolean
keyring_ready (gpointer data)
{
  return service_is_running ();
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *exited = user_data;

  g_assert_true (g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL));
  *exited = TRUE;
}

/* The state letter of /proc/PID/stat: 'T' once a SIGSTOP has taken. */
static gboolean
process_is_stopped (gpointer data)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", (const char *) data);
  g_autofree char *stat = NULL;
  const char *end;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  /* "PID (COMM) S ...": COMM may hold spaces and parentheses. */
  end = strrchr (stat, ')');
  return end != NULL && end[1] == ' ' && (end[2] == 'T' || end[2] == 't');
}

static void
keyring_stop (GSubprocess *daemon)
{
  gboolean exited = FALSE;

  g_subprocess_send_signal (daemon, SIGTERM);
  g_subprocess_wait_async (daemon, NULL, exited_cb, &exited);
  harness_wait (&exited, "gnome-keyring-daemon to exit");
}

/* What the page stored, read as another program would: under the app's
 * id only. */
static char *
lookup_as (const char *schema_name,
           const char *key)
{
  /* Not g_autoptr(SecretSchema): libsecret 0.20's unrefs it as a GObject. */
  SecretSchema *schema = secret_schema_new (schema_name, SECRET_SCHEMA_NONE,
                                            "key", SECRET_SCHEMA_ATTRIBUTE_STRING, NULL);
  g_autoptr(GError) error = NULL;
  char *value = secret_password_lookup_sync (schema, NULL, &error, "key", key, NULL);

  secret_schema_unref (schema);
  g_assert_no_error (error);
  return value;
}

static void
test_round_trip (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *why_not = NULL;
  g_autofree char *value = NULL;
  g_autoptr(GError) error = NULL;
  AtriumWindow *window;
  const char *id;

  if (service_is_running ())
    {
      g_test_skip ("a Secret Service runs on this test's session bus already: "
                   "the test would write into it");
      return;
    }
  dir = g_dir_make_tmp ("atrium-secret-XXXXXX", &error);
  g_assert_no_error (error);
  daemon = keyring_start (dir, &why_not);
  if (daemon == NULL)
    {
      g_test_skip (why_not);
      test_remove_tree (dir);
      return;
    }
  harness_wait_for (keyring_ready, NULL, "gnome-keyring-daemon to own " SECRET_SERVICE_NAME);

  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_SECRET);
  id = g_application_get_application_id (G_APPLICATION (app));
  window = harness_open (app, "/index.html");

  harness_assert_js (window, "return atrium.secret.get('token');", "null");
  harness_assert_js (window, "return atrium.secret.set('token', 's3cret \u2713');", "null");
  harness_assert_js (window, "return atrium.secret.get('token');", "\"s3cret \u2713\"");

  /* In the keyring under the app's id, and only there. */
  value = lookup_as (id, "token");
  g_assert_cmpstr (value, ==, "s3cret \u2713");
  g_clear_pointer (&value, secret_password_free);
  value = lookup_as ("dev.atrium.SomeoneElse", "token");
  g_assert_null (value);

  /* In the order the page made them, without waiting in between. */
  harness_assert_js (window,
                     "const s = atrium.secret;"
                     "const p = [s.set('token', 'two'), s.get('token'), s.delete('token'),"
                     "           s.get('token'), s.delete('token'), s.get('other')];"
                     "return Promise.all(p);",
                     "[null,\"two\",true,null,false,null]");
  value = lookup_as (id, "token");
  g_assert_null (value);

  /* Bad input changes nothing: the value stays. */
  harness_assert_js (window, "return atrium.secret.set('kept', 'yes');", "null");
  harness_assert_js (window, HARNESS_JS_CODE
                     "const s = atrium.secret;"
                     "return [await code(() => s.set('kept', 5)),"
                     "        await code(() => s.set('kept', 'v'.repeat(64 * 1024 + 1))),"
                     "        await code(() => s.delete('')), await s.get('kept')];",
                     "[\"bad-args\",\"bad-args\",\"bad-args\",\"yes\"]");

  /* At most 64 calls wait behind the one running; the rest are refused at
   * once, and every call is answered. The service is stopped meanwhile, so
   * the first call runs until it is continued. */
  g_subprocess_send_signal (daemon, SIGSTOP);
  /* kill() only asks for the stop; the calls wait until /proc shows it
   * has happened. Under load the first call was once answered after
   * SIGSTOP ("0:ok@16", calls 66 to 79 refused), so the queue never
   * filled. The check below prints every answer and when it came, should
   * it miss again. */
  test_poll_for (HARNESS_WAIT_SECONDS, process_is_stopped,
                 (gpointer) g_subprocess_get_identifier (daemon),
                 "gnome-keyring-daemon to be stopped by SIGSTOP");
  harness_assert_js (window,
                     "const s = atrium.secret, t0 = performance.now();"
                     "window.__codes = []; window.__answers = [];"
                     "const note = (i, c, v) => { __codes.push(c); __answers.push(i + ':' + c +"
                     "  (v === undefined ? '' : ' ' + v) + '@' + Math.round(performance.now() - t0)); };"
                     "for (let i = 0; i < 80; i++) s.get('kept').then((v) => note(i, 'ok', v),"
                     "  (e) => note(i, e.code));"
                     "return true;",
                     "true");
  {
    HarnessJsWait wait = { window, "return __codes.length >= 15;" };
    gboolean refused = test_wait_for_at_most (HARNESS_WAIT_SECONDS, harness_js_true, &wait);
    g_autofree char *answers = harness_run_js (window, "return JSON.stringify(__answers);");
    g_autofree char *all_refused =
      harness_run_js (window, "return __codes.length === 15 &&"
                              "  __codes.every((c) => c === 'queue-full');");

    /* A miss says which calls had answered what, and when (ms after the
     * first), as the soak saw twice. */
    if (!refused)
      g_error ("Waited %d s for 15 calls past the queue's 64 to be refused; the calls had "
               "answered %s", HARNESS_WAIT_SECONDS, answers);
    if (g_strcmp0 (all_refused, "true") != 0)
      g_error ("The first answers to 80 calls to a stopped Secret Service were not 15 "
               "times queue-full: %s", answers);
  }
  g_subprocess_send_signal (daemon, SIGCONT);
  {
    HarnessJsWait wait = { window, "return __codes.length === 80;" };

    harness_wait_for (harness_js_true, &wait, "the 65 queued calls to be answered");
  }
  harness_assert_js (window, "return __codes.filter((c) => c === 'ok').length;", "65");

  /* The service goes away: not-supported again. */
  harness_assert_js (window, "return atrium.secret.delete('kept');", "true");
  keyring_stop (daemon);
  {
    HarnessJsWait wait = { window, "return atrium.secret.get('kept').then(() => false,"
                            "  (e) => e.code === 'not-supported');" };

    harness_wait_for (harness_js_true, &wait, "atrium.secret to see the Secret Service gone");
  }

  harness_close (window);
  test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/secret/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  g_test_add_func ("/atrium/secret/forbidden", test_forbidden);
  g_test_add_func ("/atrium/secret/bad-args", test_bad_args);
  g_test_add_func ("/atrium/secret/not-supported", test_not_supported);
  g_test_add_func ("/atrium/secret/round-trip", test_round_trip);
  return g_test_run ();
}

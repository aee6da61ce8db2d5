#include "config.h"

#include <string.h>

#include <gio/gdesktopappinfo.h>
#include <glib/gstdio.h>

#include "atrium-app-private.h"
#include "atrium-autostart-private.h"
#include "atrium-builtins-private.h"
#include "test-util.h"
#include "webkit-harness.h"

/* Autostart: the entry in the test's private XDG config folder (the
 * harness gives every test process one), checked by desktop-file-validate
 * and by GIO reading it back as the desktop would. */

static char *
autostart_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", NULL);
}

static char *
entry_path (AtriumApp *app)
{
  return _atrium_autostart_path (g_get_user_config_dir (),
                                 g_application_get_application_id (G_APPLICATION (app)));
}

/* desktop-file-validate's verdict on @path: NULL if it is valid, else what it said. */
static char *
validate (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, "desktop-file-validate", path, NULL);
  g_assert_no_error (error);
  test_communicate (process, HARNESS_WAIT_SECONDS, "desktop-file-validate", &out, &err);
  /* It exits 0 with warnings too: any output is a finding. */
  if (g_subprocess_get_exit_status (process) != 0 || *out != '\0' || *err != '\0')
    return g_strdup_printf ("status %d: %s%s", g_subprocess_get_exit_status (process), out, err);
  return NULL;
}

static gboolean
have_validator (void)
{
  g_autofree char *found = g_find_program_in_path ("desktop-file-validate");

  return found != NULL;
}

/* The names in @dir, sorted and joined by spaces ("" when empty). */
static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (handle == NULL)
    return g_strdup ("(no folder)");
  while ((name = g_dir_read_name (handle)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
test_quote (void)
{
  static const char * const cases[][2] = {
    { "/usr/bin/notes", "/usr/bin/notes" },
    { "/opt/My App/notes", "\"/opt/My App/notes\"" },
    { "/opt/a\"b/c", "\"/opt/a\\\"b/c\"" },
    { "/opt/$HOME/`x`", "\"/opt/\\$HOME/\\`x\\`\"" },
    { "/opt/back\\slash", "\"/opt/back\\\\slash\"" },
    { "/opt/100%/notes", "/opt/100%%/notes" },
    { "/opt/it's;(x)", "\"/opt/it's;(x)\"" },
    { "/opt/ünï/notes", "/opt/ünï/notes" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *quoted = _atrium_autostart_quote_exec (cases[i][0]);

      g_assert_cmpstr (quoted, ==, cases[i][1]);
    }
  /* What no Exec line can carry. */
  g_assert_null (_atrium_autostart_quote_exec ("/opt/\xff\xfe/notes"));
  g_assert_null (_atrium_autostart_quote_exec ("/opt/line\nbreak"));
  g_assert_null (_atrium_autostart_quote_exec ("/opt/tab\there"));
  g_assert_null (_atrium_autostart_quote_exec (""));
}

/* An awkward program path goes through the quoting and the key file's
 * escaping, and comes back whole when GIO reads the entry. */
static void
test_entry_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-autostart-XXXXXX", NULL);
  g_autofree char *exe_dir = g_build_filename (dir, "My \"Notes\" $app", "back\\slash",
                                               "it's `x`", NULL);
  g_autofree char *exe = g_build_filename (exe_dir, "notes", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDesktopAppInfo) info = NULL;
  g_autofree char *path = NULL;
  g_autofree char *verdict = NULL;
  g_autofree char *exec_line = NULL;
  g_auto(GStrv) argv = NULL;
  int argc;

  g_assert_nonnull (dir);
  /* GIO reads an entry only if its program is there. */
  g_assert_cmpint (g_mkdir_with_parents (exe_dir, 0700), ==, 0);
  test_write_file (exe_dir, "notes", "#!/bin/sh\n", -1);
  g_assert_cmpint (g_chmod (exe, 0755), ==, 0);
  g_assert_true (_atrium_autostart_enable (dir, "dev.atrium.Odd", "Odd \"name\"", exe, &error));
  g_assert_no_error (error);
  path = _atrium_autostart_path (dir, "dev.atrium.Odd");
  g_assert_true (_atrium_autostart_is_enabled (dir, "dev.atrium.Odd"));

  info = g_desktop_app_info_new_from_filename (path);
  g_assert_nonnull (info);
  /* GIO loads an entry only once it found its program; the Exec line,
   * unquoted as the spec says (a shell's double quotes), is that path. */
  exec_line = g_desktop_app_info_get_string (info, "Exec");
  g_assert_true (g_shell_parse_argv (exec_line, &argc, &argv, NULL));
  g_assert_cmpint (argc, ==, 1);
  g_assert_cmpstr (argv[0], ==, exe);
  g_assert_cmpstr (g_app_info_get_name (G_APP_INFO (info)), ==, "Odd \"name\"");
  if (have_validator ())
    {
      verdict = validate (path);
      g_assert_cmpstr (verdict, ==, NULL);
    }
  else
    g_test_message ("desktop-file-validate is not installed (desktop-file-utils): "
                    "the entry was read back by GIO only");

  /* An entry the user switched off in their session settings is off. */
  g_assert_true (g_file_set_contents (path, "[Desktop Entry]\nType=Application\nName=x\n"
                                      "Exec=x\nX-GNOME-Autostart-enabled=false\n", -1, NULL));
  g_assert_false (_atrium_autostart_is_enabled (dir, "dev.atrium.Odd"));
  g_assert_true (g_file_set_contents (path, "[Desktop Entry]\nType=Application\nName=x\n"
                                      "Exec=x\nHidden=true\n", -1, NULL));
  g_assert_false (_atrium_autostart_is_enabled (dir, "dev.atrium.Odd"));

  g_assert_true (_atrium_autostart_disable (dir, "dev.atrium.Odd", &error));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* Disabling again is no error. */
  g_assert_true (_atrium_autostart_disable (dir, "dev.atrium.Odd", &error));
  g_assert_no_error (error);

  /* A path no Exec line can carry is refused before anything is written. */
  g_assert_false (_atrium_autostart_enable (dir, "dev.atrium.Odd", "x", "/opt/a\nb", &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  test_remove_tree (dir);
}

#define JS_OUTCOME \
  "const outcome = async (f) => { try { return String(await f()); }" \
  "  catch (e) { return e.code + ': ' + e.message; } };"

/* The C API: the entry names this very program, is valid, and goes. */
static void
test_c_api (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  g_autoptr(AtriumApp) anonymous = atrium_app_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDesktopAppInfo) info = NULL;
  g_autofree char *path = entry_path (app);
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *verdict = NULL;

  g_assert_false (atrium_app_get_autostart (app, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_app_set_autostart (app, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_app_get_autostart (app, &error));
  g_assert_no_error (error);

  info = g_desktop_app_info_new_from_filename (path);
  g_assert_nonnull (info);
  g_assert_cmpstr (g_app_info_get_executable (G_APP_INFO (info)), ==, exe);
  g_assert_true (g_desktop_app_info_get_boolean (info, "X-GNOME-Autostart-enabled"));
  if (have_validator ())
    {
      verdict = validate (path);
      g_assert_cmpstr (verdict, ==, NULL);
    }

  /* Enabling twice leaves one entry and no temporary file. */
  g_assert_true (atrium_app_set_autostart (app, TRUE, &error));
  {
    g_autofree char *dir = autostart_dir ();
    g_autofree char *names = list_dir (dir);
    g_autofree char *expected = g_strconcat (g_application_get_application_id (G_APPLICATION (app)),
                                             ".desktop", NULL);

    g_assert_cmpstr (names, ==, expected);
  }

  g_assert_true (atrium_app_set_autostart (app, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (atrium_app_get_autostart (app, &error));
  g_assert_no_error (error);

  /* No id, no file name. */
  g_assert_false (atrium_app_set_autostart (anonymous, TRUE, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (atrium_app_get_autostart (anonymous, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED);
}

/* The page's side: off by default; on, it writes and removes the entry. */
static void
test_page (void)
{
  g_autoptr(AtriumApp) off = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_AUTOSTART);
  g_autofree char *off_path = entry_path (off);
  g_autofree char *path = entry_path (app);
  AtriumWindow *window = harness_open (off, "/index.html");

  g_assert_false (ATRIUM_BUILTIN_DEFAULT & ATRIUM_BUILTIN_AUTOSTART);
  harness_assert_js (window, JS_OUTCOME "return outcome(() => atrium.app.setAutostart(true));",
                     "\"forbidden: atrium.app autostart is off: call atrium_app_set_builtins (app, "
                     "… | "
                     "ATRIUM_BUILTIN_AUTOSTART)\"");
  harness_assert_js (window, HARNESS_JS_CODE "return code(() => atrium.app.isAutostart());",
                     "\"forbidden\"");
  g_assert_false (g_file_test (off_path, G_FILE_TEST_EXISTS));
  harness_close (window);

  window = harness_open (app, "/index.html");
  harness_assert_js (window, HARNESS_JS_CODE
                     "const a = atrium.app;"
                     "return [await code(() => a.setAutostart('yes')), await code(() => "
                     "a.setAutostart()),"
                     "        await code(() => a.setAutostart(1)), await code(() => "
                     "a.setAutostart(null))];",
                     "[\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\"]");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  harness_assert_js (window, "return atrium.app.isAutostart();", "false");
  harness_assert_js (window, "return atrium.app.setAutostart(true);", "null");
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  harness_assert_js (window, "return atrium.app.isAutostart();", "true");
  harness_assert_js (window, "return atrium.app.setAutostart(false);", "null");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  harness_assert_js (window, "return atrium.app.isAutostart();", "false");
  harness_close (window);
}

/* What stands in the way fails the call with the reason, and leaves
 * nothing half-written. (As root, a folder without write permission
 * would not stop the writing: an entry that is a folder stands in.) */
static void
test_hostile (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_AUTOSTART);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = autostart_dir ();
  g_autofree char *path = entry_path (app);
  g_autofree char *inside = g_build_filename (path, "keep", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *names = NULL;
  g_autofree char *expected = NULL;
  AtriumWindow *window = harness_open (app, "/index.html");

  /* The autostart folder is a file. */
  test_remove_tree (dir);
  test_write_file (g_get_user_config_dir (), "autostart", "not a folder", -1);
  harness_assert_js (window, JS_OUTCOME
                     "const r = await outcome(() => atrium.app.setAutostart(true));"
                     "return r.startsWith('failed: Could not make the autostart folder ') &&"
                     "       r.endsWith(': Not a directory') ? 'failed with the reason' : r;",
                     "\"failed with the reason\"");
  g_assert_true (g_file_get_contents (dir, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "not a folder");
  g_assert_false (atrium_app_set_autostart (app, TRUE, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED);
  g_clear_error (&error);
  harness_assert_js (window, "return atrium.app.isAutostart();", "false");
  g_assert_cmpint (g_unlink (dir), ==, 0);

  /* The entry's name is taken by a folder with something in it. */
  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  test_write_file (path, "keep", "mine", -1);
  harness_assert_js (window, JS_OUTCOME
                     "const r = await outcome(() => atrium.app.setAutostart(true));"
                     "return r.startsWith('failed: Could not write the autostart entry: ') ?"
                     "  'failed with the reason' : r;",
                     "\"failed with the reason\"");
  g_assert_true (g_file_test (inside, G_FILE_TEST_IS_REGULAR));
  names = list_dir (dir);
  expected = g_path_get_basename (path);
  g_assert_cmpstr (names, ==, expected);   /* no temporary file left beside it */
  harness_assert_js (window, HARNESS_JS_CODE "return code(() => atrium.app.setAutostart(false));",
                     "\"failed\"");
  g_assert_true (g_file_test (inside, G_FILE_TEST_IS_REGULAR));
  test_remove_tree (path);

  harness_close (window);
}

/* --- inside Flatpak: a stand-in Background portal --- */

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"

static const char portal_xml[] =
  "<node><interface name='org.freedesktop.portal.Background'>"
  "  <method name='RequestBackground'><arg type='s' direction='in'/>"
  "    <arg type='a{sv}' direction='in'/><arg type='o' direction='out'/></method>"
  "</interface></node>";

typedef struct
{
  TestBusService *service;
  GMutex          lock;
  /* Under the lock: what it will answer, and what it was asked last. */
  guint           response;
  gboolean        allow;
  gboolean        answer;      /* FALSE: never answers (the user thinks) */
  guint           asked;
  gboolean        autostart;
  char           *commandline;
  char           *reason;
  char           *sender;      /* who asked last, and the Request's path */
  char           *handle;
} Portal;

static Portal portal;

static void
portal_method_cb (GDBusConnection       *bus,
                  const char            *sender,
                  const char            *path,
                  const char            *interface,
                  const char            *method,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  g_autoptr(GVariant) options = NULL;
  g_autofree char *unique = g_strdelimit (g_strdup (sender + 1), ".", '_');
  g_autofree char *handle = NULL;
  g_autofree const char **commandline = NULL;
  const char *token = "none", *reason = "";
  gboolean autostart = FALSE, answer;
  GVariantBuilder results;
  guint response;

  g_variant_get (parameters, "(&s@a{sv})", NULL, &options);
  g_variant_lookup (options, "handle_token", "&s", &token);
  g_variant_lookup (options, "reason", "&s", &reason);
  g_variant_lookup (options, "autostart", "b", &autostart);
  g_variant_lookup (options, "commandline", "^a&s", &commandline);
  handle = g_strdup_printf (PORTAL_PATH "/request/%s/%s", unique, token);
  g_mutex_lock (&portal.lock);
  portal.asked++;
  portal.autostart = autostart;
  g_free (portal.commandline);
  portal.commandline = commandline != NULL ? g_strjoinv (" ", (char **) commandline) : NULL;
  g_free (portal.reason);
  portal.reason = g_strdup (reason);
  g_free (portal.sender);
  portal.sender = g_strdup (sender);
  g_free (portal.handle);
  portal.handle = g_strdup (handle);
  response = portal.response;
  answer = portal.answer;
  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (portal.allow));
  g_variant_builder_add (&results, "{sv}", "autostart",
                         g_variant_new_boolean (portal.allow && autostart));
  g_mutex_unlock (&portal.lock);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", handle));
  if (answer)
    g_dbus_connection_emit_signal (bus, sender, handle, "org.freedesktop.portal.Request",
                                   "Response", g_variant_new ("(ua{sv})", response, &results),
                                   NULL);
  else
    g_variant_builder_clear (&results);
}

static const GDBusInterfaceVTable portal_vtable = { portal_method_cb, NULL, NULL, { 0 } };

static void
portal_set (guint    response,
            gboolean allow,
            gboolean answer)
{
  g_mutex_lock (&portal.lock);
  portal.response = response;
  portal.allow = allow;
  portal.answer = answer;
  g_mutex_unlock (&portal.lock);
}

static gboolean
portal_was_asked (gpointer data)
{
  guint *count = data;
  gboolean asked;

  g_mutex_lock (&portal.lock);
  asked = portal.asked >= *count;
  g_mutex_unlock (&portal.lock);
  return asked;
}

/* Inside Flatpak the Background portal is asked, never the sandbox's own
 * autostart folder: the page hears what the user answered, isAutostart()
 * what was last allowed; without a portal, not-supported. */
static void
test_flatpak (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_AUTOSTART);
  g_autofree char *path = entry_path (app);
  g_autofree char *info = g_build_filename (g_get_user_config_dir (), "flatpak-info", NULL);
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GError) error = NULL;
  AtriumWindow *window = harness_open (app, "/index.html");
  guint asked = 1;

  test_write_file (g_get_user_config_dir (), "flatpak-info", "[Application]\n", -1);
  _atrium_autostart_set_flatpak_info (info);

  /* No portal on the bus. */
  harness_assert_js (window, JS_OUTCOME
                     "const r = await outcome(() => atrium.app.setAutostart(true));"
                     "return r.startsWith('not-supported: No Background portal on the session bus')"
                     "  ? 'not-supported' : r;",
                     "\"not-supported\"");
  /* The synchronous C call cannot wait for the user. */
  g_assert_false (atrium_app_set_autostart (app, TRUE, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  g_mutex_init (&portal.lock);
  portal.service = test_bus_service_start (PORTAL_NAME, PORTAL_PATH, portal_xml, &portal_vtable,
                                           HARNESS_WAIT_SECONDS);
  portal_set (0, TRUE, TRUE);
  harness_assert_js (window, "return [await atrium.app.setAutostart(true),"
                             "        await atrium.app.isAutostart()];", "[null,true]");
  g_mutex_lock (&portal.lock);
  g_assert_cmpuint (portal.asked, ==, 1);
  g_assert_true (portal.autostart);
  g_assert_cmpstr (portal.commandline, ==, exe);
  g_assert_nonnull (strstr (portal.reason, "asks to start when you log in"));
  g_mutex_unlock (&portal.lock);

  harness_assert_js (window, "return [await atrium.app.setAutostart(false),"
                             "        await atrium.app.isAutostart()];", "[null,false]");

  /* The user says no, dismisses the question, or the portal fails. */
  portal_set (0, FALSE, TRUE);
  harness_assert_js (window, HARNESS_JS_CODE
                     "return [await code(() => atrium.app.setAutostart(true)),"
                     "        await atrium.app.isAutostart()];", "[\"forbidden\",false]");
  portal_set (1, FALSE, TRUE);
  harness_assert_js (window, HARNESS_JS_CODE "return code(() => atrium.app.setAutostart(true));",
                     "\"cancelled\"");
  portal_set (2, FALSE, TRUE);
  harness_assert_js (window, HARNESS_JS_CODE "return code(() => atrium.app.setAutostart(true));",
                     "\"failed\"");

  /* The page takes its question back while the user thinks. */
  portal_set (0, TRUE, FALSE);
  g_mutex_lock (&portal.lock);
  asked = portal.asked + 1;
  g_mutex_unlock (&portal.lock);
  harness_assert_js (window, "window.__p = atrium.app.setAutostart(true);"
                             "window.__p.then(() => window.__c = 'resolved',"
                             "                (e) => window.__c = e.code);"
                             "return true;", "true");
  harness_wait_for (portal_was_asked, &asked, "the portal to be asked");
  harness_assert_js (window, "window.__p.cancel();"
                             "await new Promise((r) => { const t = () => window.__c ? r() :"
                             " setTimeout(t, 10); t(); });"
                             "return [window.__c, await atrium.app.isAutostart()];",
                     "[\"cancelled\",false]");

  /* Another client on the bus answers on the Request's path as if it were
   * the portal, granting it: not heard (the answer is subscribed to from
   * the portal's name, and GDBus checks a signal's sender against that
   * name's owner). The portal's own answer, sent after it, is. */
  portal_set (0, TRUE, FALSE);
  g_mutex_lock (&portal.lock);
  asked = portal.asked + 1;
  g_mutex_unlock (&portal.lock);
  harness_assert_js (window, "window.__q = atrium.app.setAutostart(true);"
                             "window.__q.then(() => window.__d = 'resolved',"
                             "                (e) => window.__d = e.code);"
                             "return true;", "true");
  harness_wait_for (portal_was_asked, &asked, "the portal to be asked");
  {
    g_autoptr(GDBusConnection) forger =
      g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
    GVariantBuilder granted;

    g_assert_no_error (error);
    g_variant_builder_init (&granted, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&granted, "{sv}", "background", g_variant_new_boolean (TRUE));
    g_variant_builder_add (&granted, "{sv}", "autostart", g_variant_new_boolean (TRUE));
    g_mutex_lock (&portal.lock);
    g_assert_true (g_dbus_connection_emit_signal (forger, portal.sender, portal.handle,
                                                  "org.freedesktop.portal.Request", "Response",
                                                  g_variant_new ("(ua{sv})", 0, &granted),
                                                  &error));
    g_assert_no_error (error);
    g_assert_true (g_dbus_connection_flush_sync (forger, NULL, &error));
    g_assert_no_error (error);
    /* The bus has the forged one before this one is sent. */
    g_assert_true (g_dbus_connection_emit_signal (test_bus_service_get_connection (portal.service),
                                                  portal.sender, portal.handle,
                                                  "org.freedesktop.portal.Request", "Response",
                                                  g_variant_new ("(u@a{sv})", 2,
                                                                 g_variant_new_array (
                                                                   G_VARIANT_TYPE ("{sv}"),
                                                                   NULL, 0)),
                                                  &error));
    g_mutex_unlock (&portal.lock);
    g_assert_no_error (error);
  }
  harness_assert_js (window, "await new Promise((r) => { const t = () => window.__d ? r() :"
                             " setTimeout(t, 10); t(); });"
                             "return [window.__d, await atrium.app.isAutostart()];",
                     "[\"failed\",false]");

  /* Nothing went to the sandbox's own autostart folder. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  _atrium_autostart_set_flatpak_info (NULL);
  test_bus_service_stop (portal.service, HARNESS_WAIT_SECONDS);
  harness_close (window);
}

int
main (int   argc,
      char *argv[])
{
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/autostart/quote", test_quote);
      g_test_add_func ("/atrium/autostart/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  g_test_add_func ("/atrium/autostart/quote", test_quote);
  g_test_add_func ("/atrium/autostart/entry-round-trip", test_entry_round_trip);
  g_test_add_func ("/atrium/autostart/flatpak-portal", test_flatpak);
  g_test_add_func ("/atrium/autostart/c-api", test_c_api);
  g_test_add_func ("/atrium/autostart/page", test_page);
  g_test_add_func ("/atrium/autostart/hostile", test_hostile);
  return g_test_run ();
}

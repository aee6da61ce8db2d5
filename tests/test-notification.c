#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "atrium-app-private.h"
#include "atrium-builtins-private.h"
#include "atrium-notification-private.h"
#include "test-util.h"
#include "webkit-harness.h"

/* atrium.notification against a stand-in notification service on this
 * test's private session bus: python3-dbusmock's notification_daemon
 * template, which records every call (read back through its
 * org.freedesktop.DBus.Mock interface) and emits the signals the test asks
 * for, as a desktop's service does when the user clicks. GLib is told to
 * use its freedesktop backend (GNOTIFICATION_BACKEND), which is what it
 * picks outside a sandbox and without GNOME Shell anyway. */

#define NOTIFY_NAME  "org.freedesktop.Notifications"
#define NOTIFY_PATH  "/org/freedesktop/Notifications"
#define MOCK_IFACE   "org.freedesktop.DBus.Mock"
#define ACTION       "app." ATRIUM_NOTIFICATION_ACTION_NAME

static GSubprocess *mock;
static GDBusConnection *bus;
static char *skip_reason;
static char *tmp_dir;
static int ignored;   /* clicks the app logged and dropped */

/* --- the stand-in service --- */

static void
name_appeared_cb (GDBusConnection *connection,
                  const char      *name,
                  const char      *owner,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
mock_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *python = NULL;
  gboolean appeared = FALSE;
  guint watch;

  /* Debian's python3-dbusmock is for Debian's python3. */
  python = g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE)
           ? g_strdup ("/usr/bin/python3") : g_find_program_in_path ("python3");
  if (python == NULL)
    {
      skip_reason = g_strdup ("no python3 for python3-dbusmock (scripts/install-deps)");
      return FALSE;
    }
  {
    const char * const check[] = { python, "-c", "import dbusmock", NULL };
    g_autoptr(GSubprocess) process =
      g_subprocess_newv (check, G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);

    if (process != NULL)
      test_communicate (process, HARNESS_WAIT_SECONDS, "python3 to import dbusmock", NULL,
                        NULL);
    if (process == NULL || !g_subprocess_get_successful (process))
      {
        skip_reason = g_strdup ("python3-dbusmock is not installed (scripts/install-deps)");
        return FALSE;
      }
  }

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  /* Its log of calls on stdout would be read as TAP. */
  mock = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, python, "-m", "dbusmock",
                           "--template", "notification_daemon", NULL);
  g_assert_no_error (error);
  watch = g_bus_watch_name_on_connection (bus, NOTIFY_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          name_appeared_cb, NULL, &appeared, NULL);
  harness_wait (&appeared, "python3-dbusmock to own " NOTIFY_NAME);
  g_bus_unwatch_name (watch);
  return TRUE;
}

static void
mock_stop (void)
{
  if (mock == NULL)
    return;
  g_subprocess_send_signal (mock, SIGTERM);
  test_communicate (mock, HARNESS_WAIT_SECONDS, "python3-dbusmock to end", NULL, NULL);
  g_clear_object (&mock);
}

static gboolean
need_mock (void)
{
  if (skip_reason != NULL)
    {
      g_test_skip (skip_reason);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GVariant *reply;
  GError   *error;
} Reply;

static void
reply_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Reply *reply = user_data;

  reply->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                &reply->error);
}

static gboolean
replied (gpointer data)
{
  Reply *reply = data;

  return reply->reply != NULL || reply->error != NULL;
}

/* Calls the mock's own interface, the main loop running meanwhile. */
static GVariant *
mock_call (const char *method,
           GVariant   *parameters)
{
  Reply reply = { NULL, NULL };
  g_autofree char *what = g_strdup_printf ("python3-dbusmock to answer %s", method);

  g_dbus_connection_call (bus, NOTIFY_NAME, NOTIFY_PATH, MOCK_IFACE, method, parameters, NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, reply_cb, &reply);
  harness_wait_for (replied, &reply, what);
  g_assert_no_error (reply.error);
  return reply.reply;
}

/* The arguments of every call of @method the service got: an array of
 * arrays of variants. */
static GVariant *
calls_of (const char *method)
{
  g_autoptr(GVariant) reply = mock_call ("GetMethodCalls", g_variant_new ("(s)", method));
  g_autoptr(GVariant) calls = g_variant_get_child_value (reply, 0);   /* a(tav) */
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aav"));
  for (gsize i = 0; i < g_variant_n_children (calls); i++)
    {
      g_autoptr(GVariant) call = g_variant_get_child_value (calls, i);

      g_variant_builder_add_value (&builder, g_variant_get_child_value (call, 1));
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static guint
count_calls (const char *method)
{
  g_autoptr(GVariant) calls = calls_of (method);

  return g_variant_n_children (calls);
}

typedef struct
{
  const char *method;
  guint       count;
} CallCount;

static gboolean
has_calls (gpointer data)
{
  CallCount *wait = data;

  return count_calls (wait->method) >= wait->count;
}

static void
wait_calls (const char *method,
            guint       count)
{
  CallCount wait = { method, count };
  g_autofree char *what = g_strdup_printf ("the service to get %u %s", count, method);

  harness_wait_for (has_calls, &wait, what);
}

/* Argument @arg of the @index'th call of @method. */
static GVariant *
call_arg (const char *method,
          guint       index,
          guint       arg)
{
  g_autoptr(GVariant) calls = calls_of (method);
  g_autoptr(GVariant) call = g_variant_get_child_value (calls, index);
  g_autoptr(GVariant) boxed = g_variant_get_child_value (call, arg);

  return g_variant_get_variant (boxed);
}

static char *
call_arg_string (const char *method,
                 guint       index,
                 guint       arg)
{
  g_autoptr(GVariant) value = call_arg (method, index, arg);

  return g_variant_dup_string (value, NULL);
}

static guint32
call_arg_uint (const char *method,
               guint       index,
               guint       arg)
{
  g_autoptr(GVariant) value = call_arg (method, index, arg);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);
  return (guint32) g_variant_get_int32 (value);
}

/* What a desktop's service says when the user clicks @action of the
 * notification it numbered @notify_id. */
static void
click (guint32     notify_id,
       const char *action)
{
  GVariantBuilder args;
  g_autoptr(GVariant) reply = NULL;

  g_variant_builder_init (&args, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&args, "v", g_variant_new_uint32 (notify_id));
  g_variant_builder_add (&args, "v", g_variant_new_string (action));
  reply = mock_call ("EmitSignal", g_variant_new ("(sssav)", NOTIFY_NAME, "ActionInvoked", "us",
                                                  &args));
}

static void
clear_calls (void)
{
  g_autoptr(GVariant) reply = mock_call ("ClearCalls", NULL);
}

/* --- pages --- */

#define JS_OUTCOME \
  "const outcome = async (f) => { try { return String(await f()); }" \
  "  catch (e) { return e.code + ': ' + e.message; } };"

typedef struct
{
  AtriumWindow *window;
  const char   *expression;
} PageWait;

static gboolean
page_true (gpointer data)
{
  PageWait *wait = data;
  g_autofree char *body = g_strdup_printf ("return %s;", wait->expression);
  g_autofree char *text = harness_run_js (wait->window, body);

  return g_strcmp0 (text, "true") == 0;
}

static void
wait_page (AtriumWindow *window,
           const char   *expression,
           const char   *what)
{
  PageWait wait = { window, expression };

  harness_wait_for (page_true, &wait, what);
}

typedef struct
{
  char *id;
  char *action;
  guint count;
} Heard;

static void
notification_action_cb (AtriumApp  *app,
                        const char *id,
                        const char *action,
                        Heard      *heard)
{
  g_free (heard->id);
  g_free (heard->action);
  heard->id = g_strdup (id);
  heard->action = g_strdup (action);
  heard->count++;
}

static void
heard_clear (Heard *heard)
{
  g_free (heard->id);
  g_free (heard->action);
}

/* --- tests --- */

/* Off by default, with the switch named; nothing reaches the service. */
static void
test_forbidden (void)
{
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;

  if (!need_mock ())
    return;
  g_assert_false (ATRIUM_BUILTIN_DEFAULT & ATRIUM_BUILTIN_NOTIFICATION);
  clear_calls ();
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  window = harness_open (app, "/index.html");
  harness_assert_js (window,
                     JS_OUTCOME "return outcome(() => atrium.notification.show({title: 'x'}));",
                     "\"forbidden: atrium.notification is off: call atrium_app_set_builtins (app, "
                     "… | "
                     "ATRIUM_BUILTIN_NOTIFICATION)\"");
  harness_assert_js (window, "return await atrium.screen.list().then(() => 'round trip');",
                     "\"round trip\"");
  g_assert_cmpuint (count_calls ("Notify"), ==, 0);
  harness_close (window);
}

/* The service's number for the notification of the latest Notify call. */
static guint32
latest_notify_id (void)
{
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder none;
  guint32 id;

  g_variant_builder_init (&none, G_VARIANT_TYPE ("as"));
  reply = g_dbus_connection_call_sync (bus, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_NAME, "Notify",
                                       g_variant_new ("(susssasa{sv}i)", "probe", 0, "", "p", "",
                                                      &none, NULL, -1),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       NULL);
  g_assert_nonnull (reply);
  g_variant_get (reply, "(u)", &id);
  return id - 1;
}

/* The title, body and buttons the service got; a click on a button is the
 * page's event and the C signal, once. */
static void
test_show_and_click (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GVariant) actions = NULL;
  g_autoptr(GVariant) hints = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autofree char *desktop_entry = NULL;
  g_autofree const char **strv = NULL;
  Heard heard = { NULL, NULL, 0 };
  AtriumWindow *window;
  guint32 notify_id;

  if (!need_mock ())
    return;
  clear_calls ();
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_NOTIFICATION);
  g_signal_connect (app, "notification-action", G_CALLBACK (notification_action_cb), &heard);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, "window.__actions = [];"
                             "atrium.on('atrium:notification.action', (d) => "
                             "window.__actions.push(d));"
                             "return await atrium.notification.show({id: 'n1', title: 'Hello',"
                             "  body: 'World ✓ <b>&</b> <a href=\\'https://x.invalid/\\'>x</a>', actions: [{id: 'reply', label: 'Reply'},"
                             "                            {id: 'later', label: 'Later'}]});",
                     "\"n1\"");
  wait_calls ("Notify", 1);
  summary = call_arg_string ("Notify", 0, 3);
  body = call_arg_string ("Notify", 0, 4);
  g_assert_cmpstr (summary, ==, "Hello");
  /* Plain text: a service that reads markup shows it as typed. */
  g_assert_cmpstr (body, ==,
                   "World ✓ &lt;b&gt;&amp;&lt;/b&gt; &lt;a href='https://x.invalid/'&gt;x&lt;/a&gt;");
  actions = call_arg ("Notify", 0, 5);
  strv = g_variant_get_strv (actions, NULL);
  g_assert_cmpuint (g_strv_length ((char **) strv), ==, 6);
  g_assert_cmpstr (strv[0], ==, "default");
  g_assert_cmpstr (strv[2], ==, ACTION "(('n1', 'reply'))");
  g_assert_cmpstr (strv[3], ==, "Reply");
  g_assert_cmpstr (strv[5], ==, "Later");
  hints = call_arg ("Notify", 0, 6);
  g_assert_true (g_variant_lookup (hints, "desktop-entry", "s", &desktop_entry));
  g_assert_cmpstr (desktop_entry, ==, g_application_get_application_id (G_APPLICATION (app)));
  g_assert_cmpuint (_atrium_notification_count (app), ==, 1);

  notify_id = call_arg_uint ("Notify", 0, 1);   /* replaces_id: 0, the service numbers it */
  g_assert_cmpuint (notify_id, ==, 0);
  notify_id = latest_notify_id ();
  click (notify_id, ACTION "(('n1', 'reply'))");
  wait_page (window, "window.__actions.length === 1", "atrium:notification.action");
  harness_assert_js (window, "return window.__actions;", "[{\"id\":\"n1\",\"action\":\"reply\"}]");
  g_assert_cmpuint (heard.count, ==, 1);
  g_assert_cmpstr (heard.id, ==, "n1");
  g_assert_cmpstr (heard.action, ==, "reply");
  /* Clicked, it is gone. */
  g_assert_cmpuint (_atrium_notification_count (app), ==, 0);

  harness_close (window);
  heard_clear (&heard);
}

/* A click on the notification itself is the action "default"; a click on
 * an action it does not have, or on a notification the app is not
 * showing, is logged and dropped. */
static void
test_default_and_unknown (void)
{
  g_autoptr(AtriumApp) app = NULL;
  Heard heard = { NULL, NULL, 0 };
  AtriumWindow *window;
  guint notified;

  if (!need_mock ())
    return;
  g_atomic_int_set (&ignored, 0);
  clear_calls ();
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_NOTIFICATION);
  g_signal_connect (app, "notification-action", G_CALLBACK (notification_action_cb), &heard);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, "window.__actions = [];"
                             "atrium.on('atrium:notification.action', (d) => "
                             "window.__actions.push(d));"
                             "return await atrium.notification.show({id: 'n2', title: 'Two',"
                             "  actions: [{id: 'ok', label: 'OK'}]});", "\"n2\"");
  wait_calls ("Notify", 1);
  notified = 1;
  click (latest_notify_id (), ACTION "(('n2', 'bogus'))");
  notified++;   /* the probe */

  /* GLib forgot n2 on that click; the app had not: a new one to click. */
  harness_assert_js (window, "return await atrium.notification.show({id: 'n3', title: 'Three'});",
                     "\"n3\"");
  wait_calls ("Notify", ++notified);
  click (latest_notify_id (), ACTION "(('ghost', 'ok'))");
  notified++;

  harness_assert_js (window, "return await atrium.notification.show({id: 'n4', title: 'Four'});",
                     "\"n4\"");
  wait_calls ("Notify", ++notified);
  click (latest_notify_id (), "default");
  wait_page (window, "window.__actions.length === 1", "the default action's event");
  harness_assert_js (window,
                     "return window.__actions;", "[{\"id\":\"n4\",\"action\":\"default\"}]");
  g_assert_cmpuint (heard.count, ==, 1);
  g_assert_cmpint (g_atomic_int_get (&ignored), ==, 2);
  /* n2 and n3 are still the app's, until it closes them. */
  g_assert_cmpuint (_atrium_notification_count (app), ==, 2);
  harness_assert_js (window, "return [await atrium.notification.close('n2'),"
                             "        await atrium.notification.close('n2'),"
                             "        await atrium.notification.close('nope')];",
                             "[true,false,false]");
  g_assert_cmpuint (_atrium_notification_count (app), ==, 1);
  harness_close (window);
  heard_clear (&heard);
}

/* Any client of the session bus can activate the app's actions
 * (org.gtk.Actions on the app's object path): a forged click for a
 * notification the app is not showing, or for an action it does not
 * have, is dropped; one for a real button is as good as the user's, which
 * is what the desktop's own services do. */
static void
test_forged_activate (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GDBusConnection) attacker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  const char *object_path;
  Heard heard = { NULL, NULL, 0 };
  AtriumWindow *window;
  const char *forged[][2] = { { "ghost", "ok" }, { "f1", "bogus" }, { "f1", "ok" } };

  if (!need_mock ())
    return;
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_NOTIFICATION);
  g_signal_connect (app, "notification-action", G_CALLBACK (notification_action_cb), &heard);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, "window.__actions = [];"
                             "atrium.on('atrium:notification.action', (d) => "
                             "window.__actions.push(d));"
                             "return await atrium.notification.show({id: 'f1', title: 'Forge me',"
                             "  actions: [{id: 'ok', label: 'OK'}]});", "\"f1\"");
  g_atomic_int_set (&ignored, 0);

  /* A connection of its own, as another program's. */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  attacker = g_dbus_connection_new_for_address_sync (address,
                                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                     | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                     NULL, NULL, &error);
  g_assert_no_error (error);
  object_path = g_application_get_dbus_object_path (G_APPLICATION (app));
  g_assert_nonnull (object_path);
  for (gsize i = 0; i < G_N_ELEMENTS (forged); i++)
    {
      GVariantBuilder parameter;
      Reply reply = { NULL, NULL };

      g_variant_builder_init (&parameter, G_VARIANT_TYPE ("av"));
      g_variant_builder_add (&parameter, "v", g_variant_new ("(ss)", forged[i][0], forged[i][1]));
      g_dbus_connection_call (attacker, g_dbus_connection_get_unique_name (bus), object_path,
                              "org.gtk.Actions", "Activate",
                              g_variant_new ("(sava{sv})", ATRIUM_NOTIFICATION_ACTION_NAME,
                                             &parameter, NULL),
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, reply_cb, &reply);
      harness_wait_for (replied, &reply, "the app to answer org.gtk.Actions.Activate");
      g_assert_no_error (reply.error);
      g_variant_unref (reply.reply);
    }
  wait_page (window, "window.__actions.length === 1", "the one real button's event");
  harness_assert_js (window, "return window.__actions;", "[{\"id\":\"f1\",\"action\":\"ok\"}]");
  g_assert_cmpint (g_atomic_int_get (&ignored), ==, 2);
  g_assert_cmpuint (heard.count, ==, 1);
  harness_close (window);
  heard_clear (&heard);
}

/* close(): the service is asked to close the one it numbered. */
static void
test_close (void)
{
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;
  guint32 notify_id;

  if (!need_mock ())
    return;
  clear_calls ();
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_NOTIFICATION);
  window = harness_open (app, "/index.html");
  harness_assert_js (window,
                     "return await atrium.notification.show({id: 'c1', title: 'Close me'});",
                     "\"c1\"");
  wait_calls ("Notify", 1);
  notify_id = latest_notify_id ();
  /* The same id again replaces it at the service. */
  harness_assert_js (window,
                     "return await atrium.notification.show({id: 'c1', title: 'Close me 2'});",
                     "\"c1\"");
  wait_calls ("Notify", 3);
  g_assert_cmpuint (call_arg_uint ("Notify", 2, 1), ==, notify_id);
  g_assert_cmpuint (_atrium_notification_count (app), ==, 1);

  harness_assert_js (window, "return await atrium.notification.close('c1');", "true");
  wait_calls ("CloseNotification", 1);
  g_assert_cmpuint (call_arg_uint ("CloseNotification", 0, 0), ==, notify_id);
  g_assert_cmpuint (_atrium_notification_count (app), ==, 0);
  harness_close (window);
}

/* Wrong types, unknown options, huge strings and too many actions are
 * bad-args, and nothing reaches the service; past 64 showing, the oldest
 * go. */
static void
test_refused (void)
{
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;

  if (!need_mock ())
    return;
  clear_calls ();
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_NOTIFICATION);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, HARNESS_JS_CODE
                     "const n = atrium.notification, big = (k) => 'x'.repeat(k);"
                     "const acts = (k) => Array.from({length: k}, (_, i) => ({id: 'a' + i, label: "
                     "'A'}));"
                     "const r = [];"
                     "for (const f of [() => n.show(), () => n.show('title'), () => n.show([]),"
                     "    () => n.show({}), () => n.show({title: 5}), () => n.show({title: ''}),"
                     "    () => n.show({title: 't', colour: 'red'}), () => n.show({title: 't', id: "
                     "5}),"
                     "    () => n.show({title: 't', id: ''}), () => n.show({title: big(1025)}),"
                     "    () => n.show({title: 't', body: big(16385)}),"
                     "    () => n.show({title: 't', id: big(257)}),"
                     "    () => n.show({title: 't', actions: acts(9)}),"
                     "    () => n.show({title: 't', actions: {}}),"
                     "    () => n.show({title: 't', actions: [5]}),"
                     "    () => n.show({title: 't', actions: [{id: 'a'}]}),"
                     "    () => n.show({title: 't', actions: [{id: 'a', label: 'A', x: 1}]}),"
                     "    () => n.show({title: 't', actions: [{id: 'default', label: 'A'}]}),"
                     "    () => n.show({title: 't', actions: [{id: 'a', label: 'A'}, {id: 'a', "
                     "label: 'B'}]}),"
                     "    () => n.show({title: 't', actions: [{id: big(65), label: 'A'}]}),"
                     "    () => n.show({title: 't', icon: 5}), () => n.show({title: 't', icon: 'a "
                     "b'}),"
                     "    () => n.show({title: 't', icon: 'relative/icon.png'}),"
                     "    () => n.show({title: 't', icon: 'data:text/html,<b>'}),"
                     "    () => n.show({title: 't', icon: 'data:image/png;base64,@@@'}),"
                     "    () => n.show({title: 't', icon: 'data:image/png;base64,aGVsbG8='}),"
                     "    () => n.show({title: '\\ud800'}),"
                     "    () => n.close(), () => n.close(5), () => n.close(big(257))])"
                     "  r.push(await code(f));"
                     "return r.every((c) => c === 'bad-args') ? 'all bad-args' : r;",
                     "\"all bad-args\"");
  harness_assert_js (window, HARNESS_JS_CODE
                     "return [await code(() => atrium.notification.show({title: 't', icon: "
                     "'/no/such.png'})),"
                     "        await code(() => atrium.notification.show({title: 't',"
                     "          icon: 'data:image/png;base64,' + 'A'.repeat(400000)}))];",
                     "[\"not-found\",\"too-large\"]");
  g_assert_cmpuint (_atrium_notification_count (app), ==, 0);
  harness_assert_js (window, "return await atrium.screen.list().then(() => 'round trip');",
                     "\"round trip\"");
  g_assert_cmpuint (count_calls ("Notify"), ==, 0);

  /* 100 shown: the service got 100, the app keeps the newest 64 and asked
   * the service to close the rest. One at a time: GLib can only close one
   * whose number the service has answered with. */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *show = g_strdup_printf (
        "return await atrium.notification.show({id: 'many%u', title: 'Many %u'});", i, i);
      g_autofree char *id = g_strdup_printf ("\"many%u\"", i);

      harness_assert_js (window, show, id);
      wait_calls ("Notify", i + 1);
    }
  g_assert_cmpuint (_atrium_notification_count (app), ==, ATRIUM_NOTIFICATION_LIVE_MAX);
  wait_calls ("CloseNotification", 100 - ATRIUM_NOTIFICATION_LIVE_MAX);
  g_assert_cmpuint (count_calls ("CloseNotification"), ==, 100 - ATRIUM_NOTIFICATION_LIVE_MAX);
  harness_assert_js (window, "return [await atrium.notification.close('many0'),"
                             "        await atrium.notification.close('many99')];", "[false,true]");
  harness_close (window);
}

/* The C API: an icon file reaches the service as image-path; an app
 * without an application id is not-supported. */
static void
test_c_api (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumApp) anonymous = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GIcon) icon = NULL;
  g_autoptr(GVariant) hints = NULL;
  g_autofree char *icon_path = g_build_filename (tmp_dir, "icon.png", NULL);
  g_autofree char *image_path = NULL;
  const AtriumNotificationAction actions[] = { { "open", "Open" } };
  const AtriumNotificationAction bad[] = { { "open", "Open" }, { "open", "Again" } };

  if (!need_mock ())
    return;
  clear_calls ();
  g_assert_true (g_file_set_contents (icon_path, "\x89PNG\r\n\x1a\n", 8, NULL));
  file = g_file_new_for_path (icon_path);
  icon = g_file_icon_new (file);
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  g_assert_true (atrium_app_show_notification (app, "c", "From C", NULL, icon, actions, 1,
                                               &error));
  g_assert_no_error (error);
  wait_calls ("Notify", 1);
  hints = call_arg ("Notify", 0, 6);
  g_assert_true (g_variant_lookup (hints, "image-path", "s", &image_path));
  g_assert_cmpstr (image_path, ==, icon_path);

  g_assert_false (atrium_app_show_notification (app, "d", "Twice", NULL, NULL, bad, 2, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);
  g_assert_false (atrium_app_show_notification (app, "d", "\xff", NULL, NULL, NULL, 0, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);
  g_assert_cmpuint (_atrium_notification_count (app), ==, 1);
  g_assert_true (atrium_app_close_notification (app, "c"));

  anonymous = atrium_app_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_assert_false (atrium_app_show_notification (anonymous, "e", "No id", NULL, NULL, NULL, 0,
                                                &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED);
  g_assert_cmpuint (count_calls ("Notify"), ==, 1);
}

static void
shown_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
show_async (AtriumApp                      *app,
            const char                     *id,
            const char                     *title,
            const AtriumNotificationAction *actions,
            gsize                           n_actions,
            GCancellable                   *cancellable,
            GError                        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  atrium_app_show_notification_async (app, id, title, NULL, NULL, actions, n_actions,
                                      cancellable, shown_cb, &result);
  harness_wait_for (test_pointer_is_set, &result, "atrium_app_show_notification_async");
  return atrium_app_show_notification_finish (app, result, error);
}

/* The GIO-style form: sent once it finishes; bad input is bad-args and
 * a cancel before it is sent shows nothing, as the service confirms. */
static void
test_c_api_async (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumApp) anonymous = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  const AtriumNotificationAction actions[] = { { "open", "Open" } };
  const AtriumNotificationAction bad[] = { { "default", "Open" } };

  if (!need_mock ())
    return;
  clear_calls ();
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  g_assert_true (show_async (app, "async", "From C, async", actions, 1, NULL, &error));
  g_assert_no_error (error);
  wait_calls ("Notify", 1);
  title = call_arg_string ("Notify", 0, 3);
  g_assert_cmpstr (title, ==, "From C, async");
  g_assert_cmpuint (_atrium_notification_count (app), ==, 1);

  g_assert_false (show_async (app, "bad", "Bad", bad, 1, NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);
  g_assert_false (show_async (app, "", "No id", NULL, 0, NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);

  /* Cancelled before it is sent, even after the call returned. */
  atrium_app_show_notification_async (app, "late", "Cancelled", NULL, NULL, NULL, 0, cancellable,
                                      shown_cb, &result);
  g_cancellable_cancel (cancellable);
  harness_wait_for (test_pointer_is_set, &result, "the cancelled notification to finish");
  g_assert_false (atrium_app_show_notification_finish (app, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (_atrium_notification_count (app), ==, 1);

  anonymous = atrium_app_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_assert_false (show_async (anonymous, "e", "No app id", NULL, 0, NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  /* Asked after the refusals (a round trip through the bus, which the
   * app's own messages went ahead of): the service got one Notify. */
  g_assert_cmpuint (count_calls ("Notify"), ==, 1);
  g_assert_true (atrium_app_close_notification (app, "async"));
}

/* The page's icon as PNG bytes (a Uint8Array, a Blob): shown; bytes that
 * are not a PNG are bad-args, more than 256 KiB too-large, and nothing is
 * shown for them. */
static void
test_icon_bytes (void)
{
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;

  if (!need_mock ())
    return;
  clear_calls ();
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_NOTIFICATION);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, HARNESS_JS_CODE
                     "const n = atrium.notification;"
                     "const png = (k) => { const b = new Uint8Array(k);"
                     "  b.set([0x89, 80, 78, 71, 13, 10, 26, 10]); return b; };"
                     "return [await code(() => n.show({title: 't',"
                     "                                 icon: new Uint8Array([1, 2, 3])})),"
                     "        await code(() => n.show({title: 't', icon: new Uint8Array(0)})),"
                     "        await code(() => n.show({title: 't', icon: png(256 * 1024 + 1)})),"
                     "        await code(() => n.show({title: 't', icon: new Blob([png(16)])}))];",
                     "[\"bad-args\",\"bad-args\",\"too-large\",\"resolved\"]");
  harness_assert_js (window, "return atrium.notification.show({id: 'bytes', title: 'Bytes',"
                             "  icon: new Uint8Array([0x89, 80, 78, 71, 13, 10, 26, 10, 0])});",
                     "\"bytes\"");
  wait_calls ("Notify", 2);
  g_assert_cmpuint (count_calls ("Notify"), ==, 2);
  g_assert_cmpuint (_atrium_notification_count (app), ==, 2);
  harness_close (window);
}

/* The page's own Notification: denied unless allowed (the permission
 * policy's part); allowed, it reaches the service the same way, and a click
 * on it is the page's click event. */
static void
test_web_notification (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(WebKitSecurityOrigin) origin = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  GList *allowed;
  AtriumWindow *window;

  if (!need_mock ())
    return;
  clear_calls ();
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, "return await Notification.requestPermission();", "\"denied\"");
  harness_assert_js (window,
                     "new Notification('Nope'); return Notification.permission;", "\"denied\"");
  harness_close (window);

  origin = webkit_security_origin_new_for_uri ("app://localhost/");
  allowed = g_list_append (NULL, origin);
  webkit_web_context_initialize_notification_permissions (atrium_app_get_web_context (app),
                                                          allowed, NULL);
  g_list_free (allowed);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, "return Notification.permission;", "\"granted\"");
  harness_assert_js (window, "window.__clicked = 0;"
                             "const n = new Notification('Web title', {body: 'Web <i>body</i>'});"
                             "n.onclick = () => { window.__clicked++; };"
                             "return true;", "true");
  wait_calls ("Notify", 1);
  summary = call_arg_string ("Notify", 0, 3);
  body = call_arg_string ("Notify", 0, 4);
  g_assert_cmpstr (summary, ==, "Web title");
  g_assert_cmpstr (body, ==, "Web &lt;i&gt;body&lt;/i&gt;");
  g_assert_cmpuint (_atrium_notification_count (app), ==, 1);
  click (latest_notify_id (), "default");
  wait_page (window, "window.__clicked === 1", "the page's Notification to be clicked");
  g_assert_cmpuint (_atrium_notification_count (app), ==, 0);

  /* The window's page notifications go with it. */
  harness_assert_js (window, "new Notification('Going'); return true;", "true");
  wait_calls ("Notify", 3);
  g_assert_cmpuint (_atrium_notification_count (app), ==, 1);
  harness_close (window);
  g_assert_cmpuint (_atrium_notification_count (app), ==, 0);
  wait_calls ("CloseNotification", 1);
}

/* The page's Notification under atrium_app_set_permission_policy(): denied
 * (said or by default), requestPermission() answers "denied" and nothing
 * reaches the service; allowed, it answers "granted" and the page's
 * notification is the service's. */
static void
test_web_notification_policy (void)
{
  static const AtriumPermissionPolicy policies[] = { ATRIUM_POLICY_DENY, ATRIUM_POLICY_ALLOW };
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  guint before;

  if (!need_mock ())
    return;
  clear_calls ();
  for (guint i = 0; i < G_N_ELEMENTS (policies); i++)
    {
      g_autoptr(AtriumApp) app =
        harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_NOTIFICATION);
      AtriumWindow *window;
      g_autofree char *last = NULL;

      atrium_app_set_permission_policy (app, ATRIUM_PERMISSION_NOTIFICATIONS, policies[i]);
      g_assert_cmpint (atrium_app_get_permission_policy (app, ATRIUM_PERMISSION_NOTIFICATIONS),
                       ==, policies[i]);
      window = harness_open (app, "/index.html");
      before = count_calls ("Notify");
      if (policies[i] == ATRIUM_POLICY_DENY)
        {
          harness_assert_js (window, "return await Notification.requestPermission();",
                             "\"denied\"");
          harness_assert_js (window, "window.__errors = 0;"
                                     "const n = new Notification('Denied title');"
                                     "n.onerror = () => { window.__errors++; };"
                                     "return Notification.permission;", "\"denied\"");
          wait_page (window, "window.__errors === 1", "the denied Notification's error event");
          /* C's own notification after it: the service gets that one
           * only, the page's never came. */
          harness_assert_js (window, "return await atrium.notification.show({id: 'after',"
                                     " title: 'After the denied one'});", "\"after\"");
          wait_calls ("Notify", before + 1);
          last = call_arg_string ("Notify", before, 3);
          g_assert_cmpstr (last, ==, "After the denied one");
          g_assert_cmpuint (count_calls ("Notify"), ==, before + 1);
        }
      else
        {
          harness_assert_js (window, "return await Notification.requestPermission();",
                             "\"granted\"");
          harness_assert_js (window, "return Notification.permission;", "\"granted\"");
          harness_assert_js (window, "new Notification('Allowed title', {body: 'Allowed body'});"
                                     "return true;", "true");
          wait_calls ("Notify", before + 1);
          summary = call_arg_string ("Notify", before, 3);
          body = call_arg_string ("Notify", before, 4);
          g_assert_cmpstr (summary, ==, "Allowed title");
          g_assert_cmpstr (body, ==, "Allowed body");
          g_assert_cmpuint (_atrium_notification_count (app), ==, 1);
        }
      harness_close (window);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  /* What GLib picks here anyway; said, so that a desktop's GNOME Shell or
   * a Flatpak portal cannot take the notifications elsewhere. */
  g_setenv ("GNOTIFICATION_BACKEND", "freedesktop", TRUE);
  test_count_warnings ("Ignored a click on notification", &ignored);
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/notification/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  tmp_dir = g_dir_make_tmp ("atrium-notification-XXXXXX", &error);
  g_assert_no_error (error);
  mock_start ();

  g_test_add_func ("/atrium/notification/forbidden", test_forbidden);
  g_test_add_func ("/atrium/notification/show-and-click", test_show_and_click);
  g_test_add_func ("/atrium/notification/default-and-unknown", test_default_and_unknown);
  g_test_add_func ("/atrium/notification/forged-activate", test_forged_activate);
  g_test_add_func ("/atrium/notification/close", test_close);
  g_test_add_func ("/atrium/notification/refused", test_refused);
  g_test_add_func ("/atrium/notification/c-api", test_c_api);
  g_test_add_func ("/atrium/notification/c-api-async", test_c_api_async);
  g_test_add_func ("/atrium/notification/icon-bytes", test_icon_bytes);
  g_test_add_func ("/atrium/notification/web", test_web_notification);
  g_test_add_func ("/atrium/notification/web-policy", test_web_notification_policy);

  status = g_test_run ();
  mock_stop ();
  g_clear_object (&bus);
  test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_free (skip_reason);
  return status;
}

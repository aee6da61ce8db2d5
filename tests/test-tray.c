#include "config.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-builtins-private.h"
#include "test-util.h"
#include "webkit-harness.h"

/* atrium.tray against a stand-in org.kde.StatusNotifierWatcher on the
 * test's private session bus (a connection of its own, in a thread, as a
 * panel would be): it records the items registered with it; the test
 * reads an item's properties and calls Activate as the panel would. */

#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH "/StatusNotifierWatcher"
#define ITEM_IFACE   "org.kde.StatusNotifierItem"

static const char watcher_xml[] =
  "<node><interface name='" WATCHER_NAME "'>"
  "  <method name='RegisterStatusNotifierItem'><arg type='s' direction='in'/></method>"
  "</interface></node>";

typedef struct
{
  TestBusService *service;
  GMutex          lock;
  GPtrArray      *items;   /* under lock: "SENDER PATH" registered */
} Watcher;

static Watcher watcher;

static void
watcher_method_cb (GDBusConnection       *bus,
                   const char            *sender,
                   const char            *path,
                   const char            *interface,
                   const char            *method,
                   GVariant              *parameters,
                   GDBusMethodInvocation *invocation,
                   gpointer               user_data)
{
  const char *service;

  g_variant_get (parameters, "(&s)", &service);
  g_mutex_lock (&watcher.lock);
  g_ptr_array_add (watcher.items, g_strdup_printf ("%s %s", sender, service));
  g_mutex_unlock (&watcher.lock);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable watcher_vtable = { watcher_method_cb, NULL, NULL, { 0 } };

static void
watcher_start (void)
{
  g_mutex_lock (&watcher.lock);
  g_clear_pointer (&watcher.items, g_ptr_array_unref);
  watcher.items = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&watcher.lock);
  watcher.service = test_bus_service_start (WATCHER_NAME, WATCHER_PATH, watcher_xml,
                                            &watcher_vtable, HARNESS_WAIT_SECONDS);
}

static void
watcher_stop (void)
{
  test_bus_service_stop (g_steal_pointer (&watcher.service), HARNESS_WAIT_SECONDS);
}

static gboolean
registered (gpointer data)
{
  guint wanted = GPOINTER_TO_UINT (data);
  gboolean done;

  g_mutex_lock (&watcher.lock);
  done = watcher.items != NULL && watcher.items->len >= wanted;
  g_mutex_unlock (&watcher.lock);
  return done;
}

/* The bus name and object path of the newest item registered. */
static void
last_item (char **name,
           char **path)
{
  g_auto(GStrv) parts = NULL;

  g_mutex_lock (&watcher.lock);
  parts = g_strsplit (g_ptr_array_index (watcher.items, watcher.items->len - 1), " ", 2);
  g_mutex_unlock (&watcher.lock);
  *name = g_strdup (parts[0]);
  *path = g_strdup (parts[1]);
}

static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GVariant **reply = user_data;
  g_autoptr(GError) error = NULL;

  *reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (*reply == NULL)
    *reply = g_variant_ref_sink (g_variant_new_string (error->message));
}

/* Calls the item as the panel would, from the watcher's connection; the
 * reply, or a string with the error's message. */
static GVariant *
panel_call (const char *name,
            const char *path,
            const char *interface,
            const char *method,
            GVariant   *parameters)
{
  GVariant *reply = NULL;

  g_dbus_connection_call (test_bus_service_get_connection (watcher.service), name, path,
                          interface, method, parameters, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          call_done_cb, &reply);
  harness_wait_for (test_pointer_is_set, &reply, "the tray item to answer the panel");
  return reply;
}

static char *
item_property (const char *name,
               const char *path,
               const char *property)
{
  g_autoptr(GVariant) reply = panel_call (name, path, "org.freedesktop.DBus.Properties", "Get",
                                          g_variant_new ("(ss)", ITEM_IFACE, property));
  g_autoptr(GVariant) value = NULL;

  if (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING))
    return g_strdup_printf ("error: %s", g_variant_get_string (reply, NULL));
  g_variant_get (reply, "(v)", &value);
  return g_variant_print (value, FALSE);
}

typedef struct
{
  AtriumWindow *window;
  const char   *body;
} JsWait;

static gboolean
js_true (gpointer data)
{
  JsWait *wait = data;
  g_autofree char *text = harness_run_js (wait->window, wait->body);

  return g_strcmp0 (text, "true") == 0;
}

static void
test_forbidden (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  AtriumWindow *window = harness_open (app, "/index.html");

  g_assert_false (ATRIUM_BUILTIN_DEFAULT & ATRIUM_BUILTIN_TRAY);
  harness_assert_js (window,
                     HARNESS_JS_CODE "return code(() => atrium.tray.create({ icon: 'x' }));",
                     "\"forbidden\"");
  harness_close (window);
}

/* No watcher, not-supported; one appears, the item registers, the panel
 * reads it and activates it, and the page hears; the watcher restarts,
 * the item registers again; bad input changes nothing. */
static void
test_tray (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_TRAY);
  AtriumWindow *window = harness_open (app, "/index.html");
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *value = NULL;
  JsWait wait = { window, NULL };

  harness_assert_js (window, HARNESS_JS_CODE
                     "window.__activated = [];"
                     "atrium.on('atrium:tray.activate', (d) => __activated.push(d.id));"
                     "return code(() => atrium.tray.create({ icon: 'mail-unread' }));",
                     "\"not-supported\"");

  watcher_start ();
  /* The watcher's name reaches the app in its own time: create until it does. */
  wait.body = "return atrium.tray.create({ icon: 'mail-unread', tooltip: '3 new' })"
              "  .then((id) => { window.__id = id; return true; },"
              "        (e) => e.code === 'not-supported' ? false : e.code);";
  harness_wait_for (js_true, &wait, "atrium.tray.create() to find the watcher");
  harness_assert_js (window, "return __id;", "1");
  harness_wait_for (registered, GUINT_TO_POINTER (1), "the item to register with the watcher");
  last_item (&name, &path);
  g_assert_cmpstr (path, ==, "/org/atrium/StatusNotifierItem/1");

  value = item_property (name, path, "IconName");
  g_assert_cmpstr (value, ==, "'mail-unread'");
  g_clear_pointer (&value, g_free);
  value = item_property (name, path, "ToolTip");
  g_assert_cmpstr (value, ==, "('', [], '3 new', '')");
  g_clear_pointer (&value, g_free);
  value = item_property (name, path, "Status");
  g_assert_cmpstr (value, ==, "'Active'");
  g_clear_pointer (&value, g_free);

  g_variant_unref (panel_call (name, path, ITEM_IFACE, "Activate", g_variant_new ("(ii)", 5, 5)));
  wait.body = "return __activated.length === 1 && __activated[0] === __id;";
  harness_wait_for (js_true, &wait, "atrium:tray.activate in the page");

  harness_assert_js (window,
                     "return atrium.tray.update(__id, { icon: 'mail-read', tooltip: 'none' });",
                     "null");
  value = item_property (name, path, "IconName");
  g_assert_cmpstr (value, ==, "'mail-read'");
  g_clear_pointer (&value, g_free);

  /* Bad input: bad-args (or not-supported for menus), and the item as it was. */
  harness_assert_js (window, HARNESS_JS_CODE
                     "const t = atrium.tray;"
                     "return [await code(() => t.create(5)), await code(() => t.create({})),"
                     "        await code(() => t.create({ icon: '../../etc/x' })),"
                     "        await code(() => t.create({ icon: 'a'.repeat(1000) })),"
                     "        await code(() => t.create({ icon: 'x', tooltip: 'y'.repeat(5000) })),"
                     "        await code(() => t.create({ icon: 'x', colour: 'red' })),"
                     "        await code(() => t.create({ icon: 'x', menu: [] })),"
                     "        await code(() => t.update(__id, { icon: 5 })),"
                     "        await code(() => t.update(99, {})), await code(() => "
                     "t.destroy(-1))];",
                     "[\"bad-args\",\"bad-args\",\"bad-args\","
                     "\"bad-args\",\"bad-args\",\"bad-args\","
                     "\"not-supported\",\"bad-args\",\"not-found\",\"bad-args\"]");
  value = item_property (name, path, "IconName");
  g_assert_cmpstr (value, ==, "'mail-read'");
  g_clear_pointer (&value, g_free);

  /* The panel restarts: the item registers with the new watcher. */
  watcher_stop ();
  watcher_start ();
  harness_wait_for (registered, GUINT_TO_POINTER (1), "the item to register again");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&path, g_free);
  last_item (&name, &path);
  g_assert_cmpstr (path, ==, "/org/atrium/StatusNotifierItem/1");

  /* At most 16 items. */
  harness_assert_js (window, HARNESS_JS_CODE
                     "const r = [];"
                     "for (let i = 0; i < 16; i++) r.push(await code(() => atrium.tray.create({ "
                     "icon: 'x' })));"
                     "return r.filter((c) => c === 'queue-full').length;", "1");

  harness_assert_js (window, "return atrium.tray.destroy(__id);", "null");
  value = item_property (name, path, "IconName");
  g_assert_true (g_str_has_prefix (value, "error: "));
  harness_assert_js (window, HARNESS_JS_CODE "return code(() => atrium.tray.destroy(__id));",
                     "\"not-found\"");
  watcher_stop ();
  harness_close (window);
}

int
main (int   argc,
      char *argv[])
{
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/tray/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  g_test_add_func ("/atrium/tray/forbidden", test_forbidden);
  g_test_add_func ("/atrium/tray/tray", test_tray);
  return g_test_run ();
}

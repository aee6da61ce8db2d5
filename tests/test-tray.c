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

/* Fails naming the property when it is not @expected (as printed). */
static void
assert_item_property (const char *name,
                      const char *path,
                      const char *property,
                      const char *expected)
{
  g_autofree char *value = item_property (name, path, property);

  if (g_strcmp0 (value, expected) != 0)
    g_error ("The item's %s is %s, not %s", property, value, expected);
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

static void after_restart (AtriumWindow *window,
                           const char   *name,
                           const char   *path);

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
  HarnessJsWait wait = { window, NULL };

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
  harness_wait_for (harness_js_true, &wait, "atrium.tray.create() to find the watcher");
  harness_assert_js (window, "return __id;", "1");
  harness_wait_for (registered, GUINT_TO_POINTER (1), "the item to register with the watcher");
  last_item (&name, &path);
  g_assert_cmpstr (path, ==, "/org/atrium/StatusNotifierItem/1");

  assert_item_property (name, path, "IconName", "'mail-unread'");
  assert_item_property (name, path, "ToolTip", "('', [], '3 new', '')");
  assert_item_property (name, path, "Status", "'Active'");

  g_variant_unref (panel_call (name, path, ITEM_IFACE, "Activate", g_variant_new ("(ii)", 5, 5)));
  wait.body = "return __activated.length === 1 && __activated[0] === __id;";
  harness_wait_for (harness_js_true, &wait, "atrium:tray.activate in the page");

  harness_assert_js (window,
                     "return atrium.tray.update(__id, { icon: 'mail-read', tooltip: 'none' });",
                     "null");
  assert_item_property (name, path, "IconName", "'mail-read'");

  /* Bad input: bad-args, and the item as it was. */
  harness_assert_js (window, HARNESS_JS_CODE
                     "const t = atrium.tray;"
                     "return [await code(() => t.create(5)), await code(() => t.create({})),"
                     "        await code(() => t.create({ icon: '../../etc/x' })),"
                     "        await code(() => t.create({ icon: 'a'.repeat(1000) })),"
                     "        await code(() => t.create({ icon: 'x', tooltip: 'y'.repeat(5000) })),"
                     "        await code(() => t.create({ icon: 'x', colour: 'red' })),"
                     "        await code(() => t.create({ icon: 'x', menu: 5 })),"
                     "        await code(() => t.update(__id, { icon: 5 })),"
                     "        await code(() => t.update(99, {})), await code(() => "
                     "t.destroy(-1))];",
                     "[\"bad-args\",\"bad-args\",\"bad-args\","
                     "\"bad-args\",\"bad-args\",\"bad-args\","
                     "\"bad-args\",\"bad-args\",\"not-found\",\"bad-args\"]");
  assert_item_property (name, path, "IconName", "'mail-read'");

  /* The panel restarts: the item registers with the new watcher. */
  watcher_stop ();
  watcher_start ();
  harness_wait_for (registered, GUINT_TO_POINTER (1), "the item to register again");
  g_clear_pointer (&name, g_free);
  g_clear_pointer (&path, g_free);
  last_item (&name, &path);
  g_assert_cmpstr (path, ==, "/org/atrium/StatusNotifierItem/1");
  /* And it works for the new watcher as for the old: Activate and a
   * menu item's Event reach the page. */
  after_restart (window, name, path);

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
  /* The app outlives the test (the harness keeps it): its items must not
   * register with the next test's watcher. */
  harness_assert_js (window, HARNESS_JS_CODE
                     "const r = [];"
                     "for (let i = 2; i <= 17; i++) r.push(await code(() => atrium.tray.destroy(i)));"
                     "return r.filter((c) => c === 'resolved').length;", "15");
  watcher_stop ();
  harness_close (window);
}

/* --- menus and PNG icons --- */

#define MENU_IFACE "com.canonical.dbusmenu"

/* What the panel heard of the items' signals, on the main thread (where
 * the test subscribed). */
static struct
{
  guint    layout_updated;
  guint32  revision;       /* of the last LayoutUpdated */
  guint    props_updated;
  GString *props;          /* the last ItemsPropertiesUpdated, printed */
  guint    new_icon;
  guint    subscriptions[2];
} heard;

static GPtrArray *c_clicks;   /* "TRAY ID CHECKED", from ::tray-menu-clicked */

static void
tray_menu_clicked_cb (AtriumApp  *app,
                      guint       tray_id,
                      const char *id,
                      gboolean    checked,
                      gpointer    data)
{
  g_ptr_array_add (c_clicks, g_strdup_printf ("%u %s %d", tray_id, id, checked));
}

static void
signal_cb (GDBusConnection *bus,
           const char      *sender,
           const char      *path,
           const char      *interface,
           const char      *member,
           GVariant        *parameters,
           gpointer         data)
{
  if (strcmp (member, "LayoutUpdated") == 0)
    {
      heard.layout_updated++;
      g_variant_get (parameters, "(ui)", &heard.revision, NULL);
    }
  else if (strcmp (member, "ItemsPropertiesUpdated") == 0)
    {
      g_autofree char *text = g_variant_print (parameters, FALSE);

      heard.props_updated++;
      g_string_assign (heard.props, text);
    }
  else if (strcmp (member, "NewIcon") == 0)
    heard.new_icon++;
}

/* The watcher, with the panel listening to the items' signals. */
static void
panel_start (void)
{
  GDBusConnection *bus;
  g_autoptr(GVariant) reply = NULL;

  watcher_start ();
  bus = test_bus_service_get_connection (watcher.service);
  memset (&heard, 0, sizeof heard);
  heard.props = g_string_new (NULL);
  heard.subscriptions[0] = g_dbus_connection_signal_subscribe (bus, NULL, MENU_IFACE, NULL, NULL,
                                                               NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                               signal_cb, NULL, NULL);
  heard.subscriptions[1] = g_dbus_connection_signal_subscribe (bus, NULL, ITEM_IFACE, "NewIcon",
                                                               NULL, NULL,
                                                               G_DBUS_SIGNAL_FLAGS_NONE,
                                                               signal_cb, NULL, NULL);
  /* The bus answers in order: once it has, the matches are in place. */
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetId", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (reply);
}

static void
panel_stop (void)
{
  GDBusConnection *bus = test_bus_service_get_connection (watcher.service);

  g_dbus_connection_signal_unsubscribe (bus, heard.subscriptions[0]);
  g_dbus_connection_signal_unsubscribe (bus, heard.subscriptions[1]);
  g_string_free (heard.props, TRUE);
  watcher_stop ();
}

typedef struct
{
  const guint *counter;
  guint        wanted;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *wait = data;

  return *wait->counter >= wait->wanted;
}

static void
wait_count (const guint *counter,
            guint        wanted,
            const char  *what)
{
  CountWait wait = { counter, wanted };

  harness_wait_for (count_reached, &wait, what);
}

/* Creates a tray item with @options (JS) once the app has seen the
 * watcher; its id goes to the page's __id, its name and path here. */
static void
create_item (AtriumWindow *window,
             const char   *options,
             char        **name,
             char        **path)
{
  g_autofree char *body = g_strdup_printf ("return atrium.tray.create(%s)"
                                           "  .then((id) => { window.__id = id; return true; },"
                                           "        (e) => e.code === 'not-supported' ? false "
                                           ": e.code + ': ' + e.message);", options);
  HarnessJsWait wait = { window, body };

  harness_wait_for (harness_js_true, &wait, "atrium.tray.create() to find the watcher");
  harness_wait_for (registered, GUINT_TO_POINTER (1), "the item to register with the watcher");
  last_item (name, path);
}

/* A layout as text: labels, "---" for separators, [x]/[ ] for checkboxes,
 * (o)/( ) for radio items, ! when disabled, children in {}; @ids gets
 * label → dbusmenu id. */
static void
describe_layout (GVariant   *layout,
                 GString    *text,
                 GHashTable *ids)
{
  g_autoptr(GVariant) props = NULL;
  g_autoptr(GVariant) children = NULL;
  const char *label = NULL, *type = NULL, *toggle = NULL;
  gboolean enabled = TRUE;
  gint32 id, state = 0;

  g_variant_get (layout, "(i@a{sv}@av)", &id, &props, &children);
  g_variant_lookup (props, "label", "&s", &label);
  g_variant_lookup (props, "type", "&s", &type);
  g_variant_lookup (props, "toggle-type", "&s", &toggle);
  g_variant_lookup (props, "toggle-state", "i", &state);
  g_variant_lookup (props, "enabled", "b", &enabled);
  if (id != 0)
    {
      /* A separator asked only for its label has nothing to show. */
      g_string_append (text, label == NULL || g_strcmp0 (type, "separator") == 0 ? "---" : label);
      if (label != NULL && ids != NULL)
        g_hash_table_insert (ids, g_strdup (label), GINT_TO_POINTER (id));
    }
  if (g_strcmp0 (toggle, "checkmark") == 0)
    g_string_append (text, state ? "[x]" : "[ ]");
  else if (g_strcmp0 (toggle, "radio") == 0)
    g_string_append (text, state ? "(o)" : "( )");
  if (!enabled)
    g_string_append_c (text, '!');
  if (g_variant_n_children (children) > 0)
    {
      g_string_append_c (text, '{');
      for (gsize i = 0; i < g_variant_n_children (children); i++)
        {
          g_autoptr(GVariant) boxed = g_variant_get_child_value (children, i);
          g_autoptr(GVariant) child = g_variant_get_variant (boxed);

          if (i > 0)
            g_string_append (text, ", ");
          describe_layout (child, text, ids);
        }
      g_string_append_c (text, '}');
    }
}

/* GetLayout(parent, depth, names) as text, or "error: …"; the revision. */
static char *
get_layout (const char  *name,
            const char  *path,
            gint32       parent,
            gint32       depth,
            const char **names,
            guint32     *revision,
            GHashTable  *ids)
{
  g_autoptr(GVariant) reply = panel_call (name, path, MENU_IFACE, "GetLayout",
                                          g_variant_new ("(ii^as)", parent, depth, names));
  g_autoptr(GVariant) layout = NULL;
  GString *text = g_string_new (NULL);
  guint32 r;

  if (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING))
    {
      g_string_printf (text, "error: %s", g_variant_get_string (reply, NULL));
      return g_string_free (text, FALSE);
    }
  g_variant_get (reply, "(u@(ia{sv}av))", &r, &layout);
  if (revision != NULL)
    *revision = r;
  describe_layout (layout, text, ids);
  return g_string_free (text, FALSE);
}

static const char *no_names[] = { NULL };

/* Event(id, "clicked") as the panel sends it; NULL, or the error. */
static char *
click (const char *name,
       const char *path,
       gint32      id)
{
  g_autoptr(GVariant) reply = panel_call (name, path, MENU_IFACE, "Event",
                                          g_variant_new ("(isvu)", id, "clicked",
                                                         g_variant_new_int32 (0), 0));

  return g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING)
         ? g_strdup (g_variant_get_string (reply, NULL)) : NULL;
}

static char *
menu_path_of (const char *name,
              const char *path)
{
  g_autofree char *value = item_property (name, path, "Menu");

  g_assert_false (g_str_has_prefix (value, "error"));
  /* g_variant_print() quotes it: 'objectpath '/…'' without annotations is '/…'. */
  return g_strndup (strchr (value, '/'), strrchr (value, '\'') - strchr (value, '/'));
}

/* For test_tray(): the item registered again with a restarted watcher,
 * which calls Activate and then a menu item's Event as its panel would;
 * the page hears both. */
static void
after_restart (AtriumWindow *window,
               const char   *name,
               const char   *path)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *menu = NULL, *layout = NULL;
  HarnessJsWait wait = { window, NULL };

  harness_assert_js (window, "window.__clicks = [];"
                     "atrium.on('atrium:menu.clicked', (d) => __clicks.push(d));"
                     "return atrium.tray.update(__id, { menu: [{ id: 'again', label: 'Again' }] });",
                     "null");
  g_variant_unref (panel_call (name, path, ITEM_IFACE, "Activate", g_variant_new ("(ii)", 1, 1)));
  wait.body = "return __activated.length === 2 && __activated[1] === __id;";
  harness_wait_for (harness_js_true, &wait, "atrium:tray.activate after the watcher restarted");

  menu = menu_path_of (name, path);
  layout = get_layout (name, menu, 0, -1, no_names, NULL, ids);
  g_assert_cmpstr (layout, ==, "{Again}");
  g_assert_null (click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "Again"))));
  wait.body = "return __clicks.length === 1 && __clicks[0].id === 'again'"
              "  && __clicks[0].trayId === __id;";
  harness_wait_for (harness_js_true, &wait, "atrium:menu.clicked after the watcher restarted");
}

/* The panel reads a tray item's menu, clicks its items and the page and C
 * hear; checkboxes and radio items change state; update() replaces it. */
static void
test_menu (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_TRAY);
  AtriumWindow *window = harness_open (app, "/index.html");
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *name = NULL, *path = NULL, *menu = NULL, *layout = NULL, *error = NULL;
  const char *labels_only[] = { "label", NULL };
  guint32 revision = 0, revision2 = 0;
  HarnessJsWait wait = { window, NULL };

  c_clicks = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (app, "tray-menu-clicked", G_CALLBACK (tray_menu_clicked_cb), NULL);
  harness_assert_js (window, "window.__clicks = [];"
                     "atrium.on('atrium:menu.clicked', (d) => __clicks.push(d)); return 1;", "1");
  panel_start ();
  create_item (window,
               "{ icon: 'mail-unread', menu: ["
               "  { id: 'show', label: '_Show window' },"
               "  { id: 'mute', label: 'Mute', type: 'checkbox' },"
               "  { type: 'separator' },"
               "  { label: '_Size', submenu: ["
               "    { id: 'small', label: 'Small', type: 'radio', group: 'size' },"
               "    { id: 'large', label: 'Large', type: 'radio', group: 'size',"
               "      accelerator: '<Control>l' } ] },"
               "  { id: 'off', label: 'Off', enabled: false },"
               "  { role: 'about' } ] }", &name, &path);
  menu = menu_path_of (name, path);
  g_assert_cmpstr (menu, ==, "/org/atrium/StatusNotifierItem/1/Menu");

  layout = get_layout (name, menu, 0, -1, no_names, &revision, ids);
  g_assert_cmpstr (layout, ==,
                   "{_Show window, Mute[ ], ---, _Size{Small(o), Large( )}, Off!, _About}");
  g_clear_pointer (&layout, g_free);
  /* Only what the panel asks for; depth 1 stops at the top level. */
  layout = get_layout (name, menu, 0, 1, labels_only, NULL, NULL);
  g_assert_cmpstr (layout, ==, "{_Show window, Mute, ---, _Size, Off, _About}");
  g_clear_pointer (&layout, g_free);
  /* A submenu's own layout, depth 0 being the item alone. */
  layout = get_layout (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "_Size")), -1,
                       no_names, NULL, NULL);
  g_assert_cmpstr (layout, ==, "_Size{Small(o), Large( )}");
  g_clear_pointer (&layout, g_free);
  layout = get_layout (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "_Size")), 0,
                       no_names, NULL, NULL);
  g_assert_cmpstr (layout, ==, "_Size");
  g_clear_pointer (&layout, g_free);
  {
    g_autoptr(GVariant) reply = panel_call (name, menu, MENU_IFACE, "GetProperty",
                                            g_variant_new ("(is)",
                                                           GPOINTER_TO_INT (g_hash_table_lookup (
                                                                              ids, "Large")),
                                                           "shortcut"));
    g_autofree char *text = g_variant_print (reply, FALSE);

    g_assert_cmpstr (text, ==, "(<[['Control', 'l']]>,)");
  }
  {
    g_autofree char *version = NULL;
    g_autoptr(GVariant) reply = panel_call (name, menu, "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new ("(ss)", MENU_IFACE, "Version"));

    version = g_variant_print (reply, FALSE);
    g_assert_cmpstr (version, ==, "(<uint32 3>,)");
  }

  /* A click: the page and C hear, with the tray item's id. */
  g_assert_null (click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "_Show window"))));
  wait.body = "return __clicks.length === 1 && __clicks[0].id === 'show'"
              "  && __clicks[0].trayId === __id && __clicks[0].windowId === null"
              "  && __clicks[0].checked === false;";
  harness_wait_for (harness_js_true, &wait, "atrium:menu.clicked for 'show' in the page");
  g_assert_cmpuint (c_clicks->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (c_clicks, 0), ==, "1 show 0");

  /* A checkbox flips, and the panel is told. */
  g_assert_null (click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "Mute"))));
  wait_count (&heard.props_updated, 1, "ItemsPropertiesUpdated for the checkbox");
  g_assert_nonnull (strstr (heard.props->str, "'toggle-state': <1>"));
  layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
  g_assert_cmpstr (layout, ==,
                   "{_Show window, Mute[x], ---, _Size{Small(o), Large( )}, Off!, _About}");
  g_clear_pointer (&layout, g_free);
  /* A radio item takes its group's check from the other. */
  g_assert_null (click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "Large"))));
  wait_count (&heard.props_updated, 2, "ItemsPropertiesUpdated for the radio items");
  layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
  g_assert_cmpstr (layout, ==,
                   "{_Show window, Mute[x], ---, _Size{Small( ), Large(o)}, Off!, _About}");
  g_clear_pointer (&layout, g_free);

  /* A disabled item, a separator and a submenu ignore clicks; an unknown
   * id is an error: the next click heard is the one after. */
  g_assert_null (click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "Off"))));
  g_assert_null (click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "_Size"))));
  error = click (name, menu, 424242);
  g_assert_nonnull (strstr (error, "No menu item 424242"));
  g_clear_pointer (&error, g_free);
  error = click (name, menu, -1);
  g_assert_nonnull (error);
  g_clear_pointer (&error, g_free);
  g_assert_null (click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "_Show window"))));
  wait.body = "return __clicks.length === 4 && __clicks.map((c) => c.id).join() === "
              "'show,mute,large,show' && __clicks[1].checked && __clicks[2].checked;";
  harness_wait_for (harness_js_true, &wait, "the clicks in the page, in order, none for the others");
  g_assert_cmpuint (c_clicks->len, ==, 4);

  /* update() with a new menu: a new revision, new ids; the old ids are gone. */
  harness_assert_js (window, "return atrium.tray.update(__id, { menu: ["
                     "  { id: 'again', label: 'Again', type: 'checkbox', checked: true },"
                     "  { role: 'quit' } ] });", "null");
  wait_count (&heard.layout_updated, 1, "LayoutUpdated after update()");
  g_assert_cmpuint (heard.revision, >, revision);
  layout = get_layout (name, menu, 0, -1, no_names, &revision2, NULL);
  g_assert_cmpstr (layout, ==, "{Again[x], _Quit}");
  g_assert_cmpuint (revision2, ==, heard.revision);
  g_clear_pointer (&layout, g_free);
  error = click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "_Show window")));
  g_assert_nonnull (error);
  g_clear_pointer (&error, g_free);

  /* Bad templates: bad-args naming the item, and the menu stays. */
  harness_assert_js (window, HARNESS_JS_CODE
                     "const m = async (menu) => { try { await atrium.tray.update(__id, { menu });"
                     "  return 'resolved'; } catch (e) { return e.code + ': ' + e.message; } };"
                     "let deep = [{ id: 'leaf', label: 'x' }];"
                     "for (let i = 0; i < 20; i++) deep = [{ label: 'd', submenu: deep }];"
                     "return [await m([{ id: 'a' }]), await m([{ role: 'copy' }]),"
                     "        await m([{ label: 'S', submenu: [{ role: 'paste' }] }]),"
                     "        await m(5), await m([{ id: 'x', label: 'x', accelerator: '<Bad' }]),"
                     "        (await m(deep)).split(':')[0],"
                     "        await m([{ id: 'a', label: 'A' }, { id: 'a', label: 'B' }])];",
                     "[\"bad-args: menu item 1 (id 'a'): needs a label\","
                     "\"bad-args: menu item 1: a tray menu has only the roles quit and about, "
                     "not 'copy'\","
                     "\"bad-args: menu item 1.1: a tray menu has only the roles quit and about, "
                     "not 'paste'\","
                     "\"bad-args: A menu template must be an array of items\","
                     "\"bad-args: menu item 1 (id 'x'): malformed accelerator '<Bad' (write it as "
                     "'<Control>s')\","
                     "\"bad-args\","
                     "\"bad-args: menu item 2 (id 'a'): another item has this id\"]");
  layout = get_layout (name, menu, 0, -1, no_names, &revision, NULL);
  g_assert_cmpstr (layout, ==, "{Again[x], _Quit}");
  g_assert_cmpuint (revision, ==, revision2);
  g_clear_pointer (&layout, g_free);

  /* menu: null empties it. */
  harness_assert_js (window, "return atrium.tray.update(__id, { menu: null });", "null");
  layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
  g_assert_cmpstr (layout, ==, "");
  g_clear_pointer (&layout, g_free);

  harness_assert_js (window, "return atrium.tray.destroy(__id);", "null");
  layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
  g_assert_true (g_str_has_prefix (layout, "error: "));
  panel_stop ();
  g_clear_pointer (&c_clicks, g_ptr_array_unref);
  harness_close (window);
}

/* Hostile panels: wrong signatures, absurd depths and lists, unknown ids,
 * a flood of clicks; errors or nothing, and the item keeps working. */
static void
test_menu_hostile (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_TRAY);
  AtriumWindow *window = harness_open (app, "/index.html");
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *name = NULL, *path = NULL, *menu = NULL, *layout = NULL;
  g_autoptr(GPtrArray) many_names = g_ptr_array_new ();
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder builder;
  GDBusConnection *bus;
  const char *wrong_names[] = { "label", "no-such-property", "", NULL };
  gint32 mute;

  c_clicks = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (app, "tray-menu-clicked", G_CALLBACK (tray_menu_clicked_cb), NULL);
  panel_start ();
  bus = test_bus_service_get_connection (watcher.service);
  create_item (window,
               "{ icon: 'x', menu: [{ id: 'mute', label: 'Mute', type: 'checkbox' },"
               "  { label: 'S', submenu: [{ label: 'T', submenu: [{ id: 'deep', label: 'D' }] }] }"
               "] }", &name, &path);
  menu = menu_path_of (name, path);
  layout = get_layout (name, menu, 0, G_MAXINT32, no_names, NULL, ids);
  g_assert_cmpstr (layout, ==, "{Mute[ ], S{T{D}}}");
  g_clear_pointer (&layout, g_free);
  layout = get_layout (name, menu, 0, G_MININT32, wrong_names, NULL, NULL);
  g_assert_cmpstr (layout, ==, "{Mute, S{T{D}}}");
  g_clear_pointer (&layout, g_free);
  layout = get_layout (name, menu, G_MAXINT32, -1, no_names, NULL, NULL);
  g_assert_true (g_str_has_prefix (layout, "error: "));
  g_clear_pointer (&layout, g_free);
  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (many_names, (gpointer) "label");
  g_ptr_array_add (many_names, NULL);
  layout = get_layout (name, menu, 0, -1, (const char **) many_names->pdata, NULL, NULL);
  g_assert_true (g_str_has_prefix (layout, "error: "));
  g_clear_pointer (&layout, g_free);

  /* Wrong signatures never reach the code. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = panel_call (name, menu, MENU_IFACE, "GetLayout", g_variant_new ("(s)", "0"));
  g_assert_true (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING));
  g_clear_pointer (&reply, g_variant_unref);
  reply = panel_call (name, menu, MENU_IFACE, "Event", g_variant_new ("(is)", 1, "clicked"));
  g_assert_true (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING));
  g_clear_pointer (&reply, g_variant_unref);
  reply = panel_call (name, menu, MENU_IFACE, "Nope", NULL);
  g_assert_true (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING));

  /* Lists longer than a menu: errors; unknown ids in a group: named. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ai"));
  for (gint32 i = 0; i < 5000; i++)
    g_variant_builder_add (&builder, "i", i);
  g_clear_pointer (&reply, g_variant_unref);
  reply = panel_call (name, menu, MENU_IFACE, "GetGroupProperties",
                      g_variant_new ("(ai^as)", &builder, no_names));
  g_assert_true (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING));
  g_clear_pointer (&reply, g_variant_unref);
  reply = panel_call (name, menu, MENU_IFACE, "GetGroupProperties",
                      g_variant_new ("(@ai^as)", g_variant_new_fixed_array (G_VARIANT_TYPE_INT32,
                                                                            NULL, 0, 4),
                                     (const char *[]) { "label", NULL }));
  g_assert_false (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING));
  {
    g_autoptr(GVariant) list = g_variant_get_child_value (reply, 0);

    g_assert_cmpuint (g_variant_n_children (list), ==, 5);   /* the root and four items */
  }
  mute = GPOINTER_TO_INT (g_hash_table_lookup (ids, "Mute"));
  g_clear_pointer (&reply, g_variant_unref);
  reply = panel_call (name, menu, MENU_IFACE, "AboutToShowGroup",
                      g_variant_new ("(@ai)", g_variant_new_fixed_array (
                                       G_VARIANT_TYPE_INT32, (gint32[]) { 0, mute, 777 }, 3, 4)));
  {
    g_autofree char *text = g_variant_print (reply, FALSE);

    g_assert_cmpstr (text, ==, "([], [777])");
  }
  g_clear_pointer (&reply, g_variant_unref);
  reply = panel_call (name, menu, MENU_IFACE, "AboutToShow", g_variant_new ("(i)", 777));
  g_assert_true (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING));
  g_clear_pointer (&reply, g_variant_unref);
  reply = panel_call (name, menu, MENU_IFACE, "GetProperty", g_variant_new ("(is)", mute, "x"));
  g_assert_true (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING));
  g_clear_pointer (&reply, g_variant_unref);
  reply = panel_call (name, menu, MENU_IFACE, "EventGroup",
                      g_variant_new_parsed ("([(%i, 'clicked', <0>, uint32 0),"
                                            "  (99999, 'clicked', <0>, uint32 0),"
                                            "  (%i, 'hovered', <0>, uint32 0)],)", mute, mute));
  {
    g_autofree char *text = g_variant_print (reply, FALSE);

    g_assert_cmpstr (text, ==, "([99999],)");
  }
  g_assert_cmpuint (c_clicks->len, ==, 1);

  /* A flood of clicks, all sent before any answer: each one counts, the
   * checkbox ends where an even number of flips leaves it. */
  for (guint i = 0; i < 201; i++)
    g_dbus_connection_call (bus, name, menu, MENU_IFACE, "Event",
                            g_variant_new ("(isvu)", mute, "clicked", g_variant_new_int32 (0), 0),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  {
    CountWait wait = { &c_clicks->len, 202 };

    harness_wait_for (count_reached, &wait, "the flood of clicks to be heard in C");
  }
  layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
  g_assert_cmpstr (layout, ==, "{Mute[ ], S{T{D}}}");
  g_clear_pointer (&layout, g_free);
  g_assert_cmpstr (g_ptr_array_index (c_clicks, 201), ==, "1 mute 0");

  harness_assert_js (window, "return atrium.tray.destroy(__id);", "null");
  panel_stop ();
  g_clear_pointer (&c_clicks, g_ptr_array_unref);
  harness_close (window);
}

/* A small PNG made here: pixel (0,0) opaque #123456, (1,0) transparent,
 * the rest half-transparent red; base64. */
static char *
png_base64 (int width,
            int height)
{
  g_autofree guint8 *pixels = g_malloc0 ((gsize) width * height * 4);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;

  for (int i = 0; i < width * height; i++)
    {
      guint8 *p = pixels + i * 4;

      if (i == 0)
        memcpy (p, (guint8[]) { 0x12, 0x34, 0x56, 0xff }, 4);
      else if (i != 1)
        memcpy (p, (guint8[]) { 0xff, 0x00, 0x00, 0x80 }, 4);
    }
  bytes = g_bytes_new (pixels, (gsize) width * height * 4);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, width * 4);
  png = gdk_texture_save_to_png_bytes (texture);
  return g_base64_encode (g_bytes_get_data (png, NULL), g_bytes_get_size (png));
}

static char *
pixmap_property (const char *name,
                 const char *path,
                 int        *width,
                 int        *height)
{
  g_autoptr(GVariant) reply = panel_call (name, path, "org.freedesktop.DBus.Properties", "Get",
                                          g_variant_new ("(ss)", ITEM_IFACE, "IconPixmap"));
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autoptr(GVariant) data = NULL;
  const guint8 *bytes;
  gsize size;

  g_variant_get (reply, "(v)", &value);
  *width = *height = 0;
  if (g_variant_n_children (value) == 0)
    return g_strdup ("");
  g_assert_cmpuint (g_variant_n_children (value), ==, 1);
  first = g_variant_get_child_value (value, 0);
  g_variant_get (first, "(ii@ay)", width, height, &data);
  bytes = g_variant_get_fixed_array (data, &size, 1);
  g_assert_cmpuint (size, ==, (gsize) *width * *height * 4);
  return g_strdup_printf ("%02x%02x%02x%02x %02x%02x%02x%02x %02x%02x%02x%02x",
                          bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6],
                          bytes[7], bytes[8], bytes[9], bytes[10], bytes[11]);
}

/* PNG icons: the pixmap the panel reads, in ARGB network order; updates
 * in the order made; bad and oversized PNGs refused before decoding. */
static void
test_png (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_TRAY);
  AtriumWindow *window = harness_open (app, "/index.html");
  g_autofree char *name = NULL, *path = NULL, *pixels = NULL, *value = NULL;
  g_autofree char *small = png_base64 (3, 2);
  g_autofree char *other = png_base64 (2, 2);
  g_autofree char *setup = NULL, *options = NULL;
  int width, height;

  setup = g_strdup_printf ("const bytes = (b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0));"
                           "window.__small = bytes('%s'); window.__other = bytes('%s'); return 1;",
                           small, other);
  harness_assert_js (window, setup, "1");
  panel_start ();
  create_item (window, "{ icon: __small, tooltip: 'png' }", &name, &path);
  pixels = pixmap_property (name, path, &width, &height);
  g_assert_cmpint (width, ==, 3);
  g_assert_cmpint (height, ==, 2);
  g_assert_cmpstr (pixels, ==, "ff123456 00000000 80ff0000");
  assert_item_property (name, path, "IconName", "''");
  g_clear_pointer (&pixels, g_free);

  /* As a Blob and an ArrayBuffer; NewIcon each time. */
  harness_assert_js (window, "return atrium.tray.update(__id, { icon: new Blob([__other]) });",
                     "null");
  wait_count (&heard.new_icon, 1, "NewIcon after a PNG update");
  pixels = pixmap_property (name, path, &width, &height);
  g_assert_cmpint (width, ==, 2);
  g_clear_pointer (&pixels, g_free);
  harness_assert_js (window, "return atrium.tray.update(__id, { icon: __small.buffer });", "null");
  pixels = pixmap_property (name, path, &width, &height);
  g_assert_cmpint (width, ==, 3);
  g_clear_pointer (&pixels, g_free);

  /* Updates land in the order made, a PNG still decoding or not. */
  harness_assert_js (window, "return Promise.all([atrium.tray.update(__id, { icon: __other }),"
                     "  atrium.tray.update(__id, { icon: 'mail-read' })]);", "[null,null]");
  assert_item_property (name, path, "IconName", "'mail-read'");
  pixels = pixmap_property (name, path, &width, &height);
  g_assert_cmpstr (pixels, ==, "");
  g_clear_pointer (&pixels, g_free);

  /* Bad PNGs: not a PNG, a header over garbage, a bomb's header, too many
   * bytes; each bad-args or too-large, the icon as it was. */
  harness_assert_js (window, HARNESS_JS_CODE
                     "const header = (w, h, rest) => { const b = new Uint8Array(33 + rest);"
                     "  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13,"
                     "         0x49, 0x48, 0x44, 0x52]);"
                     "  new DataView(b.buffer).setUint32(16, w); new DataView(b.buffer).setUint32(20, h);"
                     "  b[24] = 8; b[25] = 6; return b; };"
                     "const u = (icon) => code(() => atrium.tray.update(__id, { icon }));"
                     "return [await u(new Uint8Array([1, 2, 3])), await u(header(4, 4, 64)),"
                     "        await u(header(100000, 100000, 0)), await u(header(2000, 1, 0)),"
                     "        await u(header(0, 5, 0)),"
                     "        await u(new Uint8Array(5 * 1024 * 1024)), await u({ a: 1 }),"
                     "        await code(() => atrium.tray.create({ icon: header(65536, 65536, 0) }))];",
                     "[\"bad-args\",\"bad-args\",\"too-large\",\"too-large\",\"bad-args\","
                     "\"too-large\",\"bad-args\",\"too-large\"]");
  assert_item_property (name, path, "IconName", "'mail-read'");

  /* Destroyed while a PNG of its decodes: the update fails (or made it
   * first), the item is gone either way. */
  harness_assert_js (window, HARNESS_JS_CODE
                     "const r = await Promise.all([code(() => atrium.tray.update(__id,"
                     "  { icon: __small, tooltip: 'late' })), code(() => atrium.tray.destroy(__id))]);"
                     "return (r[0] === 'not-found' || r[0] === 'resolved') && r[1];", "\"resolved\"");
  value = item_property (name, path, "IconName");
  g_assert_true (g_str_has_prefix (value, "error: "));
  panel_stop ();
  harness_close (window);
}

/* The demo's tray switch (assets/demo): not-supported in the card without
 * a panel, then an icon whose menu's clicks reach the card. */
static void
test_demo (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "..", "assets", "demo", NULL);
  g_autoptr(AtriumAssets) assets = atrium_assets_new_for_directory (dir, &error);
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *name = NULL, *path = NULL, *menu = NULL, *layout = NULL;
  AtriumWindow *window;
  HarnessJsWait wait;

  g_assert_no_error (error);
  app = harness_app_new (assets);
  atrium_app_set_builtins (app, ATRIUM_BUILTIN_ALL);
  window = harness_open (app, "/index.html");
  wait.window = window;
  wait.body = "return document.getElementById('menu-output').textContent === "
              "'Right-click this card';";
  harness_wait_for (harness_js_true, &wait, "the demo's menu card to be set up");

  harness_assert_js (window, "document.getElementById('menu-tray').click(); return 1;", "1");
  wait.body = "const o = document.getElementById('menu-output');"
              "return o.textContent.startsWith('not-supported: ') && o.className === 'output err'"
              "  && !document.getElementById('menu-tray').checked;";
  harness_wait_for (harness_js_true, &wait, "not-supported in the card, the switch off again");

  panel_start ();
  /* Switched on until the app has seen the watcher. */
  wait.body = "const o = document.getElementById('menu-output');"
              "const t = document.getElementById('menu-tray');"
              "if (o.textContent.startsWith('Tray icon 1 ')) return true;"
              "if (!t.checked) t.click(); return false;";
  harness_wait_for (harness_js_true, &wait, "the demo's tray icon");
  harness_wait_for (registered, GUINT_TO_POINTER (1), "the demo's item to register");
  last_item (&name, &path);
  menu = menu_path_of (name, path);
  layout = get_layout (name, menu, 0, -1, no_names, NULL, ids);
  g_assert_cmpstr (layout, ==, "{_Show window, _Quiet[ ], ---, _Quit}");
  g_assert_null (click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "_Quiet"))));
  wait.body = "return document.getElementById('menu-output').textContent === "
              "'Tray menu: tray.quiet (on)';";
  harness_wait_for (harness_js_true, &wait, "the tray menu's click in the card");

  harness_assert_js (window, "document.getElementById('menu-tray').click(); return 1;", "1");
  wait.body = "return document.getElementById('menu-output').textContent === 'Tray icon removed';";
  harness_wait_for (harness_js_true, &wait, "the demo's tray icon to go");
  g_clear_pointer (&layout, g_free);
  layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
  g_assert_true (g_str_has_prefix (layout, "error: "));
  panel_stop ();
  harness_close (window);
}

/* --- the C API --- */

typedef struct
{
  AtriumApp *app;
  guint      id;
} CCreate;

/* Adds a tray item from C until the app has seen the watcher. */
static gboolean
c_created (gpointer data)
{
  CCreate *create = data;
  g_autoptr(GError) error = NULL;

  create->id = atrium_app_add_tray_item (create->app, "mail-unread", "3 new",
                                         "[{\"id\": \"open\", \"label\": \"_Open\"},"
                                         " {\"id\": \"mute\", \"label\": \"Mute\","
                                         "  \"type\": \"checkbox\"}]", &error);
  if (create->id == 0)
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED);
  return create->id != 0;
}

static void
tray_activate_cb (AtriumApp *app,
                  guint      id,
                  GArray    *activated)
{
  g_array_append_val (activated, id);
}

static gboolean
array_filled (gpointer data)
{
  return ((GArray *) data)->len > 0;
}

static void
assert_bad_args (GError     *error,
                 const char *part)
{
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_test_message ("bad-args: %s", error->message);
  g_assert_nonnull (strstr (error->message, part));
}

/* C makes, changes and removes a tray item as a page does: the panel
 * reads it, its Activate and menu clicks reach C and the pages; bad input
 * is an error and changes nothing. */
static void
test_c_api (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_TRAY);
  AtriumWindow *window = harness_open (app, "/index.html");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) activated = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *name = NULL, *path = NULL, *value = NULL, *menu = NULL, *layout = NULL;
  g_autofree char *long_tooltip = g_strnfill (1025, 'y');
  HarnessJsWait wait = { window, NULL };
  CCreate create = { app, 0 };

  /* No watcher: not-supported. */
  g_assert_cmpuint (atrium_app_add_tray_item (app, "mail-unread", NULL, NULL, &error), ==, 0);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  c_clicks = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (app, "tray-menu-clicked", G_CALLBACK (tray_menu_clicked_cb), NULL);
  g_signal_connect (app, "tray-activate", G_CALLBACK (tray_activate_cb), activated);
  harness_assert_js (window, "window.__activated = []; window.__clicks = [];"
                     "atrium.on('atrium:tray.activate', (d) => __activated.push(d.id));"
                     "atrium.on('atrium:menu.clicked', (d) => __clicks.push(d.id + ' ' + d.trayId));"
                     "return 1;", "1");
  panel_start ();
  harness_wait_for (c_created, &create, "atrium_app_add_tray_item() to find the watcher");
  g_assert_cmpuint (create.id, ==, 1);
  harness_wait_for (registered, GUINT_TO_POINTER (1), "the C item to register with the watcher");
  last_item (&name, &path);
  g_assert_cmpstr (path, ==, "/org/atrium/StatusNotifierItem/1");
  assert_item_property (name, path, "IconName", "'mail-unread'");
  assert_item_property (name, path, "ToolTip", "('', [], '3 new', '')");
  menu = menu_path_of (name, path);
  layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
  g_assert_cmpstr (layout, ==, "{_Open, Mute[ ]}");
  g_clear_pointer (&layout, g_free);

  /* Changes: the panel is told and reads them. */
  g_assert_true (atrium_app_set_tray_item_icon_name (app, create.id, "mail-read", &error));
  g_assert_no_error (error);
  wait_count (&heard.new_icon, 1, "NewIcon after atrium_app_set_tray_item_icon_name()");
  assert_item_property (name, path, "IconName", "'mail-read'");
  g_assert_true (atrium_app_set_tray_item_tooltip (app, create.id, "none", &error));
  g_assert_no_error (error);
  assert_item_property (name, path, "ToolTip", "('', [], 'none', '')");
  g_assert_true (atrium_app_set_tray_item_menu (app, create.id,
                                                "[{\"id\": \"again\", \"label\": \"Again\"},"
                                                " {\"role\": \"quit\"}]", &error));
  g_assert_no_error (error);
  wait_count (&heard.layout_updated, 1, "LayoutUpdated after atrium_app_set_tray_item_menu()");
  layout = get_layout (name, menu, 0, -1, no_names, NULL, ids);
  g_assert_cmpstr (layout, ==, "{Again, _Quit}");
  g_clear_pointer (&layout, g_free);

  /* The panel's Activate and click reach C and the page. */
  g_variant_unref (panel_call (name, path, ITEM_IFACE, "Activate", g_variant_new ("(ii)", 0, 0)));
  harness_wait_for (array_filled, activated, "::tray-activate for the C item");
  g_assert_cmpuint (g_array_index (activated, guint, 0), ==, create.id);
  g_assert_null (click (name, menu, GPOINTER_TO_INT (g_hash_table_lookup (ids, "Again"))));
  wait.body = "return __activated.join() === '1' && __clicks.join() === 'again 1';";
  harness_wait_for (harness_js_true, &wait, "the C item's activation and click in the page");
  g_assert_cmpuint (c_clicks->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (c_clicks, 0), ==, "1 again 0");

  /* Bad input: an error, and the item as it was. */
  g_assert_false (atrium_app_set_tray_item_icon_name (app, create.id, "../../etc/x", &error));
  assert_bad_args (error, "icon name");
  g_clear_error (&error);
  g_assert_false (atrium_app_set_tray_item_icon_name (app, create.id, "", &error));
  assert_bad_args (error, "icon name");
  g_clear_error (&error);
  g_assert_false (atrium_app_set_tray_item_tooltip (app, create.id, long_tooltip, &error));
  assert_bad_args (error, "tooltip");
  g_clear_error (&error);
  g_assert_false (atrium_app_set_tray_item_tooltip (app, create.id, "\xff\xfe", &error));
  assert_bad_args (error, "UTF-8");
  g_clear_error (&error);
  g_assert_false (atrium_app_set_tray_item_menu (app, create.id, "[{\"role\": \"copy\"}]",
                                                 &error));
  assert_bad_args (error, "menu item 1: a tray menu has only the roles quit and about");
  g_clear_error (&error);
  g_assert_false (atrium_app_set_tray_item_menu (app, create.id, "[{\"id\": \"a\"}", &error));
  assert_bad_args (error, "not JSON");
  g_clear_error (&error);
  g_assert_false (atrium_app_set_tray_item_menu (app, create.id, "", &error));
  assert_bad_args (error, "not JSON");
  g_clear_error (&error);
  g_assert_false (atrium_app_set_tray_item_menu (app, create.id, "{\"id\": \"a\"}", &error));
  assert_bad_args (error, "array");
  g_clear_error (&error);
  g_assert_cmpuint (atrium_app_add_tray_item (app, "x y", NULL, NULL, &error), ==, 0);
  assert_bad_args (error, "icon name");
  g_clear_error (&error);
  g_assert_false (atrium_app_set_tray_item_tooltip (app, 999, "x", &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_item_property (name, path, "IconName", "'mail-read'");
  assert_item_property (name, path, "ToolTip", "('', [], 'none', '')");
  layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
  g_assert_cmpstr (layout, ==, "{Again, _Quit}");
  g_clear_pointer (&layout, g_free);

  /* A PNG from C: its header checked at once, decoded on a worker, and
   * the panel told. */
  {
    g_autofree char *b64 = png_base64 (3, 2);
    gsize size;
    g_autofree guchar *data = g_base64_decode (b64, &size);
    g_autoptr(GBytes) png = g_bytes_new (data, size);
    g_autoptr(GBytes) garbage = g_bytes_new_static ("not a png", 9);
    g_autofree char *pixels = NULL;
    guint new_icons = heard.new_icon;
    int width, height;

    g_assert_false (atrium_app_set_tray_item_icon_png (app, create.id, garbage, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
    g_clear_error (&error);
    g_assert_false (atrium_app_set_tray_item_icon_png (app, 999, png, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_true (atrium_app_set_tray_item_icon_png (app, create.id, png, &error));
    g_assert_no_error (error);
    wait_count (&heard.new_icon, new_icons + 1, "NewIcon after a PNG from C");
    pixels = pixmap_property (name, path, &width, &height);
    g_assert_cmpint (width, ==, 3);
    g_assert_cmpint (height, ==, 2);
    g_assert_cmpstr (pixels, ==, "ff123456 00000000 80ff0000");
    g_clear_pointer (&value, g_free);
    assert_item_property (name, path, "IconName", "''");
    /* And back to a name, in order behind it. */
    g_assert_true (atrium_app_set_tray_item_icon_png (app, create.id, png, &error));
    g_assert_true (atrium_app_set_tray_item_icon_name (app, create.id, "mail-read", &error));
    g_assert_no_error (error);
    wait_count (&heard.new_icon, new_icons + 3, "NewIcon for the PNG and the name after it");
    assert_item_property (name, path, "IconName", "'mail-read'");
    g_clear_pointer (&pixels, g_free);
    pixels = pixmap_property (name, path, &width, &height);
    g_assert_cmpstr (pixels, ==, "");

    /* Bounded: 4 PNGs decode at once, 8 changes wait on an item (the
     * main loop does not run meanwhile, so none lands). */
    new_icons = heard.new_icon;
    for (guint i = 0; i < 4; i++)
      {
        g_assert_true (atrium_app_set_tray_item_icon_png (app, create.id, png, &error));
        g_assert_no_error (error);
      }
    g_assert_false (atrium_app_set_tray_item_icon_png (app, create.id, png, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL);
    g_clear_error (&error);
    for (guint i = 1; i <= 4; i++)
      {
        g_autofree char *tooltip = g_strdup_printf ("t%u", i);

        g_assert_true (atrium_app_set_tray_item_tooltip (app, create.id, tooltip, &error));
        g_assert_no_error (error);
      }
    g_assert_false (atrium_app_set_tray_item_tooltip (app, create.id, "t5", &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL);
    g_clear_error (&error);
    g_assert_false (atrium_app_set_tray_item_icon_name (app, create.id, "x", &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL);
    g_clear_error (&error);
    g_assert_false (atrium_app_set_tray_item_menu (app, create.id, NULL, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL);
    g_clear_error (&error);
    wait_count (&heard.new_icon, new_icons + 4, "NewIcon for the 4 queued PNGs");
    assert_item_property (name, path, "ToolTip", "('', [], 't4', '')");
    layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
    g_assert_cmpstr (layout, ==, "{Again, _Quit}");
    g_clear_pointer (&layout, g_free);
    g_assert_true (atrium_app_set_tray_item_tooltip (app, create.id, "none", &error));
    g_assert_no_error (error);
  }

  /* A page changes C's item as its own; NULL empties the menu. */
  harness_assert_js (window, "return atrium.tray.update(1, { tooltip: 'page' });", "null");
  assert_item_property (name, path, "ToolTip", "('', [], 'page', '')");
  g_assert_true (atrium_app_set_tray_item_menu (app, create.id, NULL, &error));
  g_assert_no_error (error);
  layout = get_layout (name, menu, 0, -1, no_names, NULL, NULL);
  g_assert_cmpstr (layout, ==, "");
  g_clear_pointer (&layout, g_free);

  /* Removed: gone from the bus, and only once. */
  g_assert_true (atrium_app_remove_tray_item (app, create.id));
  value = item_property (name, path, "IconName");
  g_assert_true (g_str_has_prefix (value, "error: "));
  g_assert_false (atrium_app_remove_tray_item (app, create.id));
  g_assert_false (atrium_app_set_tray_item_tooltip (app, create.id, "x", &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND);

  panel_stop ();
  g_clear_pointer (&c_clicks, g_ptr_array_unref);
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
  g_test_add_func ("/atrium/tray/menu", test_menu);
  g_test_add_func ("/atrium/tray/menu-hostile", test_menu_hostile);
  g_test_add_func ("/atrium/tray/png", test_png);
  g_test_add_func ("/atrium/tray/demo", test_demo);
  g_test_add_func ("/atrium/tray/c-api", test_c_api);
  return g_test_run ();
}

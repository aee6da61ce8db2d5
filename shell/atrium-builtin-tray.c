#include "config.h"

#include "atrium-builtins-private.h"

#include <string.h>

#include "atrium-app-private.h"

/* atrium.tray: icons in the desktop's panel. GTK 4 has no tray, so this
 * speaks the StatusNotifierItem protocol over GDBus itself: each item is
 * an org.kde.StatusNotifierItem object on the app's session connection,
 * registered with the org.kde.StatusNotifierWatcher (the panel's side).
 * Without a watcher on the bus there is no panel to show it: create()
 * is `not-supported`. The watcher's name is watched, so that when a
 * watcher appears later or restarts, every item registers again.
 *
 * Menus (com.canonical.dbusmenu) are not done: an item has no menu yet,
 * and a `menu` option is `not-supported`. Icons are theme icon names.
 *
 * Off by default (ATRIUM_BUILTIN_TRAY): it puts things outside the app's
 * windows, on the desktop's own panel. Main thread only. */

#define WATCHER_NAME   "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH   "/StatusNotifierWatcher"
#define ITEM_INTERFACE "org.kde.StatusNotifierItem"
#define ITEM_PATH      "/org/atrium/StatusNotifierItem/"

#define ITEMS_MAX      16
#define ICON_MAX       256
#define TOOLTIP_MAX    1024

static const char item_xml[] =
  "<node><interface name='" ITEM_INTERFACE "'>"
  "  <property name='Category' type='s' access='read'/>"
  "  <property name='Id' type='s' access='read'/>"
  "  <property name='Title' type='s' access='read'/>"
  "  <property name='Status' type='s' access='read'/>"
  "  <property name='IconName' type='s' access='read'/>"
  "  <property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
  "  <property name='ItemIsMenu' type='b' access='read'/>"
  "  <method name='Activate'><arg type='i' direction='in'/><arg type='i' direction='in'/>"
  "  </method>"
  "  <method name='SecondaryActivate'><arg type='i' direction='in'/>"
  "    <arg type='i' direction='in'/></method>"
  "  <method name='ContextMenu'><arg type='i' direction='in'/><arg type='i' direction='in'/>"
  "  </method>"
  "  <method name='Scroll'><arg type='i' direction='in'/><arg type='s' direction='in'/>"
  "  </method>"
  "  <signal name='NewIcon'/><signal name='NewToolTip'/><signal name='NewTitle'/>"
  "</interface></node>";

typedef struct
{
  AtriumApp       *app;       /* owns us */
  GDBusConnection *bus;
  GDBusNodeInfo   *info;
  GHashTable      *items;     /* id → Item, borrowed: GDBus owns each */
  guint            watch;
  gboolean         watcher;   /* a watcher owns its name */
  guint            next_id;
} Tray;

typedef struct
{
  Tray  *tray;
  guint  id;
  guint  registration;
  char  *path;
  char  *icon;
  char  *tooltip;
} Item;

static const char tray_key[] = "atrium-tray";

static void
item_free (gpointer data)
{
  Item *item = data;

  g_free (item->path);
  g_free (item->icon);
  g_free (item->tooltip);
  g_free (item);
}

static void
register_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                            &error);

  if (reply == NULL)
    g_message ("The panel refused a tray item: %s", error->message);
}

/* Tells the watcher about @item (by its object path on our connection). */
static void
item_announce (Item *item)
{
  g_dbus_connection_call (item->tray->bus, WATCHER_NAME, WATCHER_PATH, WATCHER_NAME,
                          "RegisterStatusNotifierItem", g_variant_new ("(s)", item->path),
                          NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL,
                          register_done_cb, NULL);
}

static void
item_method_cb (GDBusConnection       *bus,
                const char            *sender,
                const char            *path,
                const char            *interface,
                const char            *method,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  Item *item = user_data;

  if (strcmp (method, "Activate") == 0 && g_hash_table_contains (item->tray->items,
                                                                 GUINT_TO_POINTER (item->id)))
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) data = NULL;

      json_object_set_int_member (object, "id", item->id);
      data = json_node_init_object (json_node_alloc (), object);
      _atrium_app_emit_builtin (item->tray->app, 0, 0, "atrium:tray.activate", data);
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static GVariant *
item_get_property_cb (GDBusConnection  *bus,
                      const char       *sender,
                      const char       *path,
                      const char       *interface,
                      const char       *property,
                      GError          **error,
                      gpointer          user_data)
{
  Item *item = user_data;
  const char *id = g_application_get_application_id (G_APPLICATION (item->tray->app));
  const char *title = g_get_application_name ();

  if (strcmp (property, "Category") == 0)
    return g_variant_new_string ("ApplicationStatus");
  if (strcmp (property, "Id") == 0)
    return g_variant_new_string (id != NULL ? id : "atrium");
  if (strcmp (property, "Title") == 0)
    return g_variant_new_string (title != NULL ? title : "");
  if (strcmp (property, "Status") == 0)
    return g_variant_new_string ("Active");
  if (strcmp (property, "IconName") == 0)
    return g_variant_new_string (item->icon);
  if (strcmp (property, "ItemIsMenu") == 0)
    return g_variant_new_boolean (FALSE);
  if (strcmp (property, "ToolTip") == 0)
    return g_variant_new ("(s@a(iiay)ss)", "", g_variant_new_array (G_VARIANT_TYPE ("(iiay)"),
                                                                    NULL, 0),
                          item->tooltip, "");
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property);
  return NULL;
}

static const GDBusInterfaceVTable item_vtable = {
  item_method_cb, item_get_property_cb, NULL, { 0 }
};

static void
watcher_appeared_cb (GDBusConnection *bus,
                     const char      *name,
                     const char      *owner,
                     gpointer         user_data)
{
  Tray *tray = user_data;
  GHashTableIter iter;
  gpointer value;

  tray->watcher = TRUE;
  /* A new watcher (or the first, or one that restarted) knows nothing of
   * our items. */
  g_hash_table_iter_init (&iter, tray->items);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    item_announce (value);
}

static void
watcher_vanished_cb (GDBusConnection *bus,
                     const char      *name,
                     gpointer         user_data)
{
  Tray *tray = user_data;

  tray->watcher = FALSE;
}

static void
tray_free (gpointer data)
{
  Tray *tray = data;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, tray->items);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      guint registration = ((Item *) value)->registration;

      g_hash_table_iter_remove (&iter);
      g_dbus_connection_unregister_object (tray->bus, registration);
    }
  g_hash_table_unref (tray->items);
  if (tray->watch != 0)
    g_bus_unwatch_name (tray->watch);
  g_clear_pointer (&tray->info, g_dbus_node_info_unref);
  g_clear_object (&tray->bus);
  g_free (tray);
}

/* The app's tray, its connection made and the watcher's name watched on
 * first use; NULL with @error set without a session bus. */
static Tray *
get_tray (AtriumApp  *app,
          GError    **error)
{
  Tray *tray = g_object_get_data (G_OBJECT (app), tray_key);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) local = NULL;

  if (tray != NULL)
    return tray;
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local);
  if (bus == NULL)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                   "No tray: there is no session bus (%s)", local->message);
      return NULL;
    }
  tray = g_new0 (Tray, 1);
  tray->app = app;
  tray->bus = g_steal_pointer (&bus);
  tray->info = g_dbus_node_info_new_for_xml (item_xml, NULL);
  g_assert (tray->info != NULL);
  tray->items = g_hash_table_new (NULL, NULL);
  /* Whether a watcher is there now: the bus daemon answers, not an app,
   * so asking while the main loop waits cannot deadlock. */
  reply = g_dbus_connection_call_sync (tray->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", WATCHER_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &tray->watcher);
  tray->watch = g_bus_watch_name_on_connection (tray->bus, WATCHER_NAME,
                                                G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                watcher_appeared_cb, watcher_vanished_cb,
                                                tray, NULL);
  g_object_set_data_full (G_OBJECT (app), tray_key, tray, tray_free);
  return tray;
}

static gboolean
icon_name_is_valid (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* Reads {icon, tooltip, menu}: @icon and @tooltip are left as they were
 * where the options do not say. */
static gboolean
read_options (JsonNode     *node,
              const char  **icon,
              const char  **tooltip,
              GError      **error)
{
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The tray options must be an object");
      return FALSE;
    }
  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *value = json_object_get_member (object, key);

      if (strcmp (key, "icon") == 0)
        {
          if (!_atrium_builtin_node_to_string (value, "icon", ICON_MAX, icon, error))
            return FALSE;
          if (!icon_name_is_valid (*icon))
            {
              g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "icon must be an icon name (letters, digits, - _ .)");
              return FALSE;
            }
        }
      else if (strcmp (key, "tooltip") == 0)
        {
          if (!_atrium_builtin_node_to_string (value, "tooltip", TOOLTIP_MAX, tooltip, error))
            return FALSE;
        }
      else if (strcmp (key, "menu") == 0)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                       "Tray menus are not supported yet");
          return FALSE;
        }
      else
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "Unknown option “%s”", key);
          return FALSE;
        }
    }
  return TRUE;
}

static AtriumApp *
app_of (AtriumCall *call)
{
  AtriumWindow *window = atrium_call_get_window (call);

  if (window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return NULL;
    }
  return atrium_window_get_app (window);
}

static void
create_cb (AtriumCall *call,
           gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  const char *icon = NULL, *tooltip = "";
  AtriumApp *app;
  Tray *tray;
  Item *item;

  if (!read_options (atrium_call_get_arg (call, 0), &icon, &tooltip, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  if (icon == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "A tray item needs an icon");
      return;
    }
  if ((app = app_of (call)) == NULL)
    return;
  if ((tray = get_tray (app, &error)) == NULL)
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  if (!tray->watcher)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_SUPPORTED,
                                "No tray: no " WATCHER_NAME " is on the session bus");
      return;
    }
  if (g_hash_table_size (tray->items) >= ITEMS_MAX)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_QUEUE_FULL,
                                "An app has at most 16 tray items");
      return;
    }

  item = g_new0 (Item, 1);
  item->tray = tray;
  item->id = ++tray->next_id;
  item->path = g_strdup_printf (ITEM_PATH "%u", item->id);
  item->icon = g_strdup (icon);
  item->tooltip = g_strdup (tooltip);
  item->registration = g_dbus_connection_register_object (tray->bus, item->path,
                                                          tray->info->interfaces[0],
                                                          &item_vtable, item, item_free,
                                                          &error);
  if (item->registration == 0)
    {
      item_free (item);
      atrium_call_return_error (call, ATRIUM_ERROR_FAILED, "%s", error->message);
      return;
    }
  g_hash_table_insert (tray->items, GUINT_TO_POINTER (item->id), item);
  item_announce (item);
  _atrium_builtin_return_int (call, item->id);
}

/* The item the call's first argument names, or NULL with the call finished. */
static Item *
arg_item (AtriumCall *call)
{
  AtriumApp *app;
  Tray *tray;
  gint64 id;
  Item *item;

  if (!_atrium_builtin_arg_int (call, 0, "The tray item id", 1, G_MAXUINT32, &id))
    return NULL;
  if ((app = app_of (call)) == NULL)
    return NULL;
  tray = g_object_get_data (G_OBJECT (app), tray_key);
  item = tray != NULL ? g_hash_table_lookup (tray->items, GUINT_TO_POINTER ((guint) id)) : NULL;
  if (item == NULL)
    atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "No such tray item");
  return item;
}

static void
update_cb (AtriumCall *call,
           gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  Item *item = arg_item (call);
  const char *icon, *tooltip;

  if (item == NULL)
    return;
  icon = item->icon;
  tooltip = item->tooltip;
  if (!read_options (atrium_call_get_arg (call, 1), &icon, &tooltip, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  if (icon != item->icon)
    {
      g_free (item->icon);
      item->icon = g_strdup (icon);
      g_dbus_connection_emit_signal (item->tray->bus, NULL, item->path, ITEM_INTERFACE,
                                     "NewIcon", NULL, NULL);
    }
  if (tooltip != item->tooltip)
    {
      g_free (item->tooltip);
      item->tooltip = g_strdup (tooltip);
      g_dbus_connection_emit_signal (item->tray->bus, NULL, item->path, ITEM_INTERFACE,
                                     "NewToolTip", NULL, NULL);
    }
  _atrium_builtin_return_null (call);
}

static void
destroy_cb (AtriumCall *call,
            gpointer    user_data)
{
  Item *item = arg_item (call);
  Tray *tray;
  guint registration;

  if (item == NULL)
    return;
  tray = item->tray;
  registration = item->registration;
  g_hash_table_remove (tray->items, GUINT_TO_POINTER (item->id));
  /* Frees the item; the watcher sees its object go. */
  g_dbus_connection_unregister_object (tray->bus, registration);
  _atrium_builtin_return_null (call);
}

static const AtriumBuiltinMethod methods[] = {
  { "tray.create", create_cb, ATRIUM_BIND_DEFAULT },
  { "tray.update", update_cb, ATRIUM_BIND_DEFAULT },
  { "tray.destroy", destroy_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_tray_group = {
  ATRIUM_BUILTIN_TRAY, "atrium.tray", "ATRIUM_BUILTIN_TRAY", methods, G_N_ELEMENTS (methods),
};

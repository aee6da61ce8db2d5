#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Tray"
#include "config.h"

#include "atrium-builtins-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-dbusmenu-private.h"
#include "atrium-tray.h"

/* atrium.tray: icons in the desktop's panel. GTK 4 has no tray, so this
 * speaks the StatusNotifierItem protocol over GDBus itself: each item is
 * an org.kde.StatusNotifierItem object on the app's session connection,
 * registered with the org.kde.StatusNotifierWatcher (the panel's side).
 * Without a watcher on the bus there is no panel to show it: create()
 * is `not-supported`. The watcher's name is watched, so that when a
 * watcher appears later or restarts, every item registers again.
 *
 * An item's menu is a com.canonical.dbusmenu object beside it
 * (atrium-dbusmenu.c), made from the template format of atrium.menu; its
 * clicks are atrium:menu.clicked with the item's trayId. An icon is a
 * theme icon name, or a PNG decoded on a worker into the IconPixmap the
 * protocol carries (sized from its header first, as the clipboard does).
 *
 * A create() or update() is read and checked whole before anything
 * changes. An update waits behind its item's earlier ones that are still
 * decoding a PNG, so that they land in the order the page made them.
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
/* A PNG icon: at most 4 MiB, 1024 pixels a side (4 MiB as a pixmap). */
#define PNG_BYTES_MAX  (4 * 1024 * 1024)
#define PNG_SIDE_MAX   1024
/* PNGs decoding at once, app-wide, and changes waiting on one item. */
#define DECODING_MAX   4
#define PENDING_MAX    8

static const char item_xml[] =
  "<node><interface name='" ITEM_INTERFACE "'>"
  "  <property name='Category' type='s' access='read'/>"
  "  <property name='Id' type='s' access='read'/>"
  "  <property name='Title' type='s' access='read'/>"
  "  <property name='Status' type='s' access='read'/>"
  "  <property name='IconName' type='s' access='read'/>"
  "  <property name='IconPixmap' type='a(iiay)' access='read'/>"
  "  <property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
  "  <property name='ItemIsMenu' type='b' access='read'/>"
  "  <property name='Menu' type='o' access='read'/>"
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
  guint            decoding;  /* PNGs on workers */
} Tray;

typedef struct
{
  Tray           *tray;
  guint           id;
  guint           registration;
  char           *path;
  char           *icon;       /* "" when the icon is a pixmap */
  GVariant       *pixmap;     /* a(iiay), empty with an icon name */
  char           *tooltip;
  AtriumDbusmenu *menu;
  GQueue          pending;    /* of Change, in call order */
} Item;

/* What one create() or update() asks for, checked whole. */
typedef struct
{
  AtriumCall         *call;       /* NULL once answered */
  guint               item_id;    /* 0 for a create() */
  gboolean            decoding;   /* its PNG is on a worker */
  gboolean            orphaned;   /* its item went while it decoded */
  GError             *error;      /* the decoder's */

  gboolean            set_icon;
  char               *icon;
  GBytes             *png;
  GVariant           *pixmap;
  gboolean            set_tooltip;
  char               *tooltip;
  gboolean            set_menu;
  AtriumMenuTemplate *menu;       /* NULL: no menu */
} Change;

static const char tray_key[] = "atrium-tray";
static guint activate_signal;
static guint menu_clicked_signal;

static void
change_free (Change *change)
{
  g_clear_error (&change->error);
  g_free (change->icon);
  g_clear_pointer (&change->png, g_bytes_unref);
  g_clear_pointer (&change->pixmap, g_variant_unref);
  g_free (change->tooltip);
  _atrium_menu_template_free (change->menu);
  g_free (change);
}

static GVariant *
empty_pixmap (void)
{
  return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0));
}

static void
item_free (gpointer data)
{
  Item *item = data;

  g_assert (g_queue_is_empty (&item->pending));
  g_assert (item->menu == NULL);
  g_free (item->path);
  g_free (item->icon);
  g_clear_pointer (&item->pixmap, g_variant_unref);
  g_free (item->tooltip);
  g_free (item);
}

/* Takes @item off the bus and out of the tray; its waiting changes fail.
 * GDBus frees it later. */
static void
item_remove (Item *item)
{
  Tray *tray = item->tray;
  Change *change;

  g_hash_table_remove (tray->items, GUINT_TO_POINTER (item->id));
  while ((change = g_queue_pop_head (&item->pending)) != NULL)
    {
      if (change->call != NULL)
        atrium_call_return_error (g_steal_pointer (&change->call), ATRIUM_ERROR_NOT_FOUND,
                                  "The tray item was destroyed");
      if (change->decoding)
        change->orphaned = TRUE;   /* the decoder's callback frees it */
      else
        change_free (change);
    }
  /* The menu first: nothing may call back into the item once it is gone. */
  g_clear_pointer (&item->menu, _atrium_dbusmenu_free);
  g_dbus_connection_unregister_object (tray->bus, item->registration);
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
run_role (AtriumApp      *app,
          AtriumMenuRole  role)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (role == ATRIUM_MENU_ROLE_QUIT)
    g_application_quit (G_APPLICATION (app));
  else if (role == ATRIUM_MENU_ROLE_ABOUT)
    gtk_show_about_dialog (active, "program-name", g_get_application_name (), NULL);
}

/* A click in @data's menu: its role is done, then C and the pages hear. */
static void
menu_clicked_cb (AtriumMenuItem *menu_item,
                 gboolean        checked,
                 gpointer        data)
{
  Item *item = data;
  g_autoptr(AtriumApp) app = g_object_ref (item->tray->app);
  g_autofree char *id = g_strdup (menu_item->id);
  AtriumMenuRole role = menu_item->role;
  guint tray_id = item->id;

  /* From here on, a handler may update or destroy the item. */
  if (id != NULL)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) event = NULL;

      json_object_set_string_member (object, "id", id);
      json_object_set_boolean_member (object, "checked", checked);
      json_object_set_null_member (object, "windowId");
      json_object_set_int_member (object, "trayId", tray_id);
      event = json_node_init_object (json_node_alloc (), object);
      g_signal_emit (app, menu_clicked_signal, 0, tray_id, id, checked);
      _atrium_app_emit_builtin (app, 0, 0, "atrium:menu.clicked", event);
    }
  run_role (app, role);
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

  /* ContextMenu needs nothing: the panel shows the Menu itself. */
  g_dbus_method_invocation_return_value (invocation, NULL);
  if (strcmp (method, "Activate") == 0 && g_hash_table_contains (item->tray->items,
                                                                 GUINT_TO_POINTER (item->id)))
    {
      g_autoptr(AtriumApp) app = g_object_ref (item->tray->app);
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) data = NULL;
      guint id = item->id;

      json_object_set_int_member (object, "id", id);
      data = json_node_init_object (json_node_alloc (), object);
      g_signal_emit (app, activate_signal, 0, id);
      _atrium_app_emit_builtin (app, 0, 0, "atrium:tray.activate", data);
    }
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
  if (strcmp (property, "IconPixmap") == 0)
    return g_variant_ref (item->pixmap);
  if (strcmp (property, "ItemIsMenu") == 0)
    return g_variant_new_boolean (FALSE);
  if (strcmp (property, "Menu") == 0 && item->menu != NULL)
    return g_variant_new_object_path (_atrium_dbusmenu_get_path (item->menu));
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
  GList *items = g_hash_table_get_values (tray->items);

  /* A PNG decoding holds the app, so no change of ours is on a worker. */
  g_assert (tray->decoding == 0);
  for (GList *l = items; l != NULL; l = l->next)
    item_remove (l->data);
  g_list_free (items);
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

/* --- reading a create() or update() --- */

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

/* As atrium.menu checks them: GTK parses it, and it names a key. */
static gboolean
accel_check (const char *accelerator)
{
  guint key = 0;
  GdkModifierType mods = 0;

  return gtk_accelerator_parse (accelerator, &key, &mods) && key != 0;
}

/* Roles that mean something away from a window: the rest are refused,
 * naming the item as the template parser does. */
static gboolean
check_roles (GPtrArray  *items,
             GArray     *path,
             GError    **error)
{
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      AtriumMenuItem *item = g_ptr_array_index (items, i);
      gboolean ok;

      g_array_append_val (path, i);
      ok = item->role == ATRIUM_MENU_ROLE_NONE || item->role == ATRIUM_MENU_ROLE_QUIT
           || item->role == ATRIUM_MENU_ROLE_ABOUT;
      if (!ok)
        {
          GString *where = g_string_new ("menu item ");

          for (guint j = 0; j < path->len; j++)
            g_string_append_printf (where, "%s%u", j > 0 ? "." : "",
                                    g_array_index (path, guint, j) + 1);
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                       "%s: a tray menu has only the roles quit and about, not '%s'",
                       where->str, _atrium_menu_role_to_string (item->role));
          g_string_free (where, TRUE);
          return FALSE;
        }
      ok = check_roles (item->submenu, path, error);
      g_array_set_size (path, path->len - 1);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* A PNG's size and header, before anything is decoded. */
static gboolean
check_png (GBytes  *png,
           GError **error)
{
  guint32 width, height;

  if (g_bytes_get_size (png) > PNG_BYTES_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The icon is %" G_GSIZE_FORMAT " bytes, over the limit of %d MiB",
                   g_bytes_get_size (png), PNG_BYTES_MAX / (1024 * 1024));
      return FALSE;
    }
  if (!_atrium_builtin_png_size (png, &width, &height, error))
    return FALSE;
  if (width > PNG_SIDE_MAX || height > PNG_SIDE_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The icon is %u×%u pixels, over the limit of %d×%d", width, height,
                   PNG_SIDE_MAX, PNG_SIDE_MAX);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_icon (AtriumCall  *call,
           JsonNode    *value,
           Change      *change,
           GError     **error)
{
  const char *name;

  change->set_icon = TRUE;
  if (atrium_node_holds_bytes (value))
    {
      if ((change->png = atrium_call_get_bytes_for_node (call, value, error)) == NULL)
        return FALSE;
      return check_png (change->png, error);
    }
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value)
      || json_node_get_value_type (value) != G_TYPE_STRING)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "icon must be an icon name or a PNG (a Uint8Array, ArrayBuffer or Blob)");
      return FALSE;
    }
  if (!_atrium_builtin_node_to_string (value, "icon", ICON_MAX, &name, error))
    return FALSE;
  if (!icon_name_is_valid (name))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "icon must be an icon name (letters, digits, - _ .)");
      return FALSE;
    }
  change->icon = g_strdup (name);
  return TRUE;
}

/* Reads {icon, tooltip, menu} into a change, or NULL with @error set. */
static Change *
read_change (AtriumCall  *call,
             JsonNode    *node,
             GError     **error)
{
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  Change *change;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The tray options must be an object");
      return NULL;
    }
  change = g_new0 (Change, 1);
  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *value = json_object_get_member (object, key);
      const char *tooltip;
      gboolean ok = TRUE;

      if (strcmp (key, "icon") == 0)
        ok = read_icon (call, value, change, error);
      else if (strcmp (key, "tooltip") == 0)
        {
          ok = _atrium_builtin_node_to_string (value, "tooltip", TOOLTIP_MAX, &tooltip, error);
          change->set_tooltip = TRUE;
          change->tooltip = ok ? g_strdup (tooltip) : NULL;
        }
      else if (strcmp (key, "menu") == 0)
        {
          g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint));

          change->set_menu = TRUE;
          if (!JSON_NODE_HOLDS_NULL (value))
            ok = (change->menu = _atrium_menu_template_parse (value, accel_check, error)) != NULL
                 && check_roles (change->menu->items, path, error);
        }
      else
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "Unknown option “%s”", key);
          ok = FALSE;
        }
      if (!ok)
        {
          change_free (change);
          return NULL;
        }
    }
  return change;
}

/* --- PNG icons, decoded on a worker --- */

/* The texture as one SNI pixmap: (width, height, ARGB32 in network byte
 * order, not premultiplied). */
static GVariant *
pixmap_of (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize size = (gsize) width * height * 4;
  g_autofree guint32 *pixels = g_malloc (size);
  guint8 *out = g_malloc (size);
  GVariant *data, *pixmap;

  /* Cairo's ARGB32: native-endian words, premultiplied. */
  gdk_texture_download (texture, (guchar *) pixels, (gsize) width * 4);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      guint32 p = pixels[i];
      guint a = p >> 24;
      guint c[3] = { (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff };

      out[i * 4] = a;
      for (guint k = 0; k < 3; k++)
        out[i * 4 + 1 + k] = a == 0 ? 0 : MIN (255, (c[k] * 255 + a / 2) / a);
    }
  data = g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, out, size, TRUE, g_free, out);
  pixmap = g_variant_new ("(ii@ay)", width, height, data);
  return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), &pixmap, 1));
}

static void
decode_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Change *change = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (change->png, &error);

  if (texture == NULL)
    g_task_return_new_error (task, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                             "The icon is not a PNG GTK can read: %s", error->message);
  else if (gdk_texture_get_width (texture) > PNG_SIDE_MAX
           || gdk_texture_get_height (texture) > PNG_SIDE_MAX)
    g_task_return_new_error (task, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                             "The icon is over the limit of %d×%d", PNG_SIDE_MAX, PNG_SIDE_MAX);
  else
    g_task_return_pointer (task, pixmap_of (texture), (GDestroyNotify) g_variant_unref);
}

static void create_finish (Tray   *tray,
                           Change *change);
static void item_drain    (Item   *item);

/* Back on the main thread; the app is held by the task. */
static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Tray *tray = g_object_get_data (source, tray_key);
  Change *change = g_task_get_task_data (G_TASK (result));
  Item *item;

  tray->decoding--;
  change->decoding = FALSE;
  change->pixmap = g_task_propagate_pointer (G_TASK (result), &change->error);
  if (change->orphaned)
    change_free (change);
  else if (change->item_id == 0)
    create_finish (tray, change);
  else
    {
      item = g_hash_table_lookup (tray->items, GUINT_TO_POINTER (change->item_id));
      g_assert (item != NULL);   /* or it would be orphaned */
      item_drain (item);
    }
}

/* Starts decoding @change's PNG; FALSE with @error set when too many are
 * decoding already. */
static gboolean
decode (Tray    *tray,
        Change  *change,
        GError **error)
{
  g_autoptr(GTask) task = NULL;

  if (tray->decoding >= DECODING_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                   "At most %d tray icons are decoded at once", DECODING_MAX);
      return FALSE;
    }
  tray->decoding++;
  change->decoding = TRUE;
  task = g_task_new (tray->app, NULL, decoded_cb, NULL);
  g_task_set_source_tag (task, decode);
  g_task_set_task_data (task, change, NULL);
  g_task_run_in_thread (task, decode_thread);
  return TRUE;
}

/* --- the methods --- */

/* @announce: tell the panel (not for a new item, which it has not read). */
static void
item_apply (Item     *item,
            Change   *change,
            gboolean  announce)
{
  if (change->set_icon)
    {
      g_free (item->icon);
      item->icon = g_strdup (change->pixmap != NULL ? "" : change->icon);
      g_clear_pointer (&item->pixmap, g_variant_unref);
      item->pixmap = change->pixmap != NULL ? g_steal_pointer (&change->pixmap) : empty_pixmap ();
      if (announce)
        g_dbus_connection_emit_signal (item->tray->bus, NULL, item->path, ITEM_INTERFACE,
                                     "NewIcon", NULL, NULL);
    }
  if (change->set_tooltip)
    {
      g_free (item->tooltip);
      item->tooltip = g_steal_pointer (&change->tooltip);
      if (announce)
        g_dbus_connection_emit_signal (item->tray->bus, NULL, item->path, ITEM_INTERFACE,
                                     "NewToolTip", NULL, NULL);
    }
  if (change->set_menu && announce)
    _atrium_dbusmenu_set_template (item->menu, g_steal_pointer (&change->menu));
}

/* Applies the changes at the head of @item's queue that are ready. */
static void
item_drain (Item *item)
{
  Change *change;

  while ((change = g_queue_peek_head (&item->pending)) != NULL && !change->decoding)
    {
      g_queue_pop_head (&item->pending);
      if (change->error != NULL && change->call != NULL)
        atrium_call_return_gerror (g_steal_pointer (&change->call), change->error);
      else if (change->error != NULL)
        /* C's PNG, found bad only as it decoded: C was told yes already. */
        g_message ("A tray icon from C was left out: %s", change->error->message);
      else
        {
          item_apply (item, change, TRUE);
          if (change->call != NULL)
            _atrium_builtin_return_null (g_steal_pointer (&change->call));
        }
      change_free (change);
    }
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

/* Whether a new item may be made now. */
static gboolean
can_create (Tray    *tray,
            GError **error)
{
  if (!tray->watcher)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                   "No tray: no " WATCHER_NAME " is on the session bus");
      return FALSE;
    }
  if (g_hash_table_size (tray->items) >= ITEMS_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                   "An app has at most %d tray items", ITEMS_MAX);
      return FALSE;
    }
  return TRUE;
}

/* Makes, registers and announces the item @change describes (its PNG
 * decoded, if any): its id, or 0 with @error set. @change stays the
 * caller's, emptied of what the item took. */
static guint
item_create (Tray    *tray,
             Change  *change,
             GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *menu_path = NULL;
  Item *item;

  /* Asked again for a page: the watcher may have gone while the PNG
   * decoded. */
  if (!can_create (tray, error))
    return 0;
  item = g_new0 (Item, 1);
  item->tray = tray;
  item->id = ++tray->next_id;
  item->path = g_strdup_printf (ITEM_PATH "%u", item->id);
  item->tooltip = g_strdup ("");
  g_queue_init (&item->pending);
  menu_path = g_strdup_printf ("%s/Menu", item->path);
  item->menu = _atrium_dbusmenu_new (tray->bus, menu_path, g_steal_pointer (&change->menu),
                                     menu_clicked_cb, item, &local);
  if (item->menu != NULL)
    {
      item_apply (item, change, FALSE);
      item->registration = g_dbus_connection_register_object (tray->bus, item->path,
                                                              tray->info->interfaces[0],
                                                              &item_vtable, item, item_free,
                                                              &local);
    }
  if (item->registration == 0)
    {
      g_clear_pointer (&item->menu, _atrium_dbusmenu_free);
      item_free (item);
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED, "%s", local->message);
      return 0;
    }
  g_hash_table_insert (tray->items, GUINT_TO_POINTER (item->id), item);
  item_announce (item);
  return item->id;
}

/* Makes the item @change describes for the page (its PNG decoded),
 * answers its call, and frees @change. */
static void
create_finish (Tray   *tray,
               Change *change)
{
  g_autoptr(GError) error = NULL;
  AtriumCall *call = g_steal_pointer (&change->call);
  guint id;

  if (change->error != NULL)
    {
      atrium_call_return_gerror (call, change->error);
      change_free (change);
      return;
    }
  id = item_create (tray, change, &error);
  change_free (change);
  if (id == 0)
    atrium_call_return_gerror (call, error);
  else
    _atrium_builtin_return_int (call, id);
}

static void
create_cb (AtriumCall *call,
           gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  AtriumApp *app;
  Change *change;
  Tray *tray;

  if ((change = read_change (call, atrium_call_get_arg (call, 0), &error)) == NULL)
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  change->call = call;
  if (!change->set_icon)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "A tray item needs an icon");
      change_free (change);
      return;
    }
  if ((app = app_of (call)) == NULL || (tray = get_tray (app, &error)) == NULL)
    {
      if (app != NULL)
        atrium_call_return_gerror (call, error);
      change_free (change);
      return;
    }
  if (!can_create (tray, &error))
    {
      atrium_call_return_gerror (call, error);
      change_free (change);
    }
  else if (change->png == NULL)
    create_finish (tray, change);
  else if (!decode (tray, change, &error))
    {
      atrium_call_return_gerror (call, error);
      change_free (change);
    }
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
  Change *change;

  if (item == NULL)
    return;
  if ((change = read_change (call, atrium_call_get_arg (call, 1), &error)) == NULL)
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  change->call = call;
  change->item_id = item->id;
  if (g_queue_get_length (&item->pending) >= PENDING_MAX)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_QUEUE_FULL,
                                "At most %d updates of a tray item wait for its icon",
                                PENDING_MAX);
      change_free (change);
      return;
    }
  if (change->png != NULL && !decode (item->tray, change, &error))
    {
      atrium_call_return_gerror (call, error);
      change_free (change);
      return;
    }
  g_queue_push_tail (&item->pending, change);
  item_drain (item);
}

static void
destroy_cb (AtriumCall *call,
            gpointer    user_data)
{
  Item *item = arg_item (call);

  if (item == NULL)
    return;
  /* The watcher sees its object go. */
  item_remove (item);
  _atrium_builtin_return_null (call);
}

void
_atrium_builtin_tray_class_init (GObjectClass *klass)
{
  /**
   * AtriumApp::tray-activate:
   * @self: the app
   * @id: the tray item's id, as `atrium.tray.create()` returned it
   *
   * The user clicked a tray item (the panel called its `Activate`); the
   * pages get `atrium:tray.activate` as well.
   */
  activate_signal = g_signal_new ("tray-activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /**
   * AtriumApp::tray-menu-clicked:
   * @self: the app
   * @tray_id: the tray item whose menu it was
   * @id: the menu item's id
   * @checked: a checkbox's or radio item's state after the click
   *
   * An item with an id of a tray item's menu was clicked; its role, if
   * any, is done after. The pages get `atrium:menu.clicked` as well, with
   * `trayId` set and `windowId` null.
   */
  menu_clicked_signal = g_signal_new ("tray-menu-clicked", G_TYPE_FROM_CLASS (klass),
                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                      G_TYPE_UINT, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

static const AtriumBuiltinMethod methods[] = {
  { "tray.create", create_cb, ATRIUM_BIND_ASYNC },
  { "tray.update", update_cb, ATRIUM_BIND_ASYNC },
  { "tray.destroy", destroy_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_tray_group = {
  ATRIUM_BUILTIN_TRAY, "atrium.tray", "ATRIUM_BUILTIN_TRAY", methods, G_N_ELEMENTS (methods),
};

/* --- C API --- */

static gboolean
check_icon_name (const char  *icon_name,
                 GError     **error)
{
  if (strlen (icon_name) > ICON_MAX || !icon_name_is_valid (icon_name))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The icon must be an icon name of at most %d letters, digits, - _ and .",
                   ICON_MAX);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_tooltip (const char  *tooltip,
               GError     **error)
{
  if (!g_utf8_validate (tooltip, -1, NULL) || g_utf8_strlen (tooltip, -1) > TOOLTIP_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The tooltip must be UTF-8 of at most %d characters", TOOLTIP_MAX);
      return FALSE;
    }
  return TRUE;
}

/* @menu_json as a checked tray menu template; NULL for an empty menu, or
 * with @error set. */
static gboolean
read_menu_json (const char          *menu_json,
                AtriumMenuTemplate **menu,
                GError             **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) local = NULL;

  *menu = NULL;
  if (menu_json == NULL)
    return TRUE;
  if ((node = json_from_string (menu_json, &local)) == NULL)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The tray menu is not JSON: %s",
                   local != NULL ? local->message : "it is empty");
      return FALSE;
    }
  if ((*menu = _atrium_menu_template_parse (node, accel_check, error)) == NULL)
    return FALSE;
  if (!check_roles ((*menu)->items, path, error))
    {
      g_clear_pointer (menu, _atrium_menu_template_free);
      return FALSE;
    }
  return TRUE;
}

/* @self's item @id, or NULL with @error set. */
static Item *
lookup_item (AtriumApp  *self,
             guint       id,
             GError    **error)
{
  Tray *tray = g_object_get_data (G_OBJECT (self), tray_key);
  Item *item = tray != NULL ? g_hash_table_lookup (tray->items, GUINT_TO_POINTER (id)) : NULL;

  if (item == NULL)
    g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND, "No tray item %u", id);
  return item;
}

/* Whether another change of @item may wait behind a PNG. */
static gboolean
can_queue (Item    *item,
           GError **error)
{
  if (g_queue_get_length (&item->pending) >= PENDING_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                   "At most %d changes of a tray item wait for its icon", PENDING_MAX);
      return FALSE;
    }
  return TRUE;
}

/* Queues @change behind the earlier changes of @item still decoding a
 * PNG, so that it lands in the order made, and applies what is ready.
 * Takes @change. */
static void
item_change (Item   *item,
             Change *change)
{
  change->item_id = item->id;
  g_queue_push_tail (&item->pending, change);
  item_drain (item);
}

/**
 * atrium_app_add_tray_item:
 * @self: an app
 * @icon_name: an icon name of the desktop's theme (letters, digits, `-_.`)
 * @tooltip: (nullable): the item's tooltip, or %NULL for none
 * @menu_json: (nullable): the item's menu, a JSON array in the template
 *   format of `atrium.menu` (only the roles `quit` and `about`), or %NULL
 *   for none
 * @error: return location for an error
 *
 * Puts an icon in the desktop's panel, as `atrium.tray.create()` does for
 * a page, whether or not %ATRIUM_BUILTIN_TRAY is on. A click on it is
 * #AtriumApp::tray-activate, one of its menu's items
 * #AtriumApp::tray-menu-clicked; the pages hear both as they do for their
 * own items. When the panel's `org.kde.StatusNotifierWatcher` restarts,
 * the item registers with it again.
 *
 * Errors are in the %ATRIUM_ERROR domain: %ATRIUM_ERROR_NOT_SUPPORTED
 * without a watcher on the session bus (no panel shows tray items),
 * %ATRIUM_ERROR_BAD_ARGS for an icon name, tooltip or menu that is not
 * right (naming the menu item), %ATRIUM_ERROR_QUEUE_FULL past 16 items an
 * app, the pages' included.
 *
 * Returns: the item's id, which the pages' calls take too, or 0 with
 *   @error set
 */
guint
atrium_app_add_tray_item (AtriumApp   *self,
                          const char  *icon_name,
                          const char  *tooltip,
                          const char  *menu_json,
                          GError     **error)
{
  AtriumMenuTemplate *menu = NULL;
  Change *change;
  Tray *tray;
  guint id;

  g_return_val_if_fail (ATRIUM_IS_APP (self), 0);
  g_return_val_if_fail (icon_name != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!check_icon_name (icon_name, error)
      || (tooltip != NULL && !check_tooltip (tooltip, error))
      || !read_menu_json (menu_json, &menu, error))
    return 0;
  if ((tray = get_tray (self, error)) == NULL)
    {
      _atrium_menu_template_free (menu);
      return 0;
    }
  change = g_new0 (Change, 1);
  change->set_icon = TRUE;
  change->icon = g_strdup (icon_name);
  change->set_tooltip = tooltip != NULL;
  change->tooltip = g_strdup (tooltip);
  change->set_menu = TRUE;
  change->menu = menu;
  id = item_create (tray, change, error);
  change_free (change);
  return id;
}

/**
 * atrium_app_set_tray_item_icon_name:
 * @self: an app
 * @id: a tray item's id
 * @icon_name: an icon name of the desktop's theme (letters, digits, `-_.`)
 * @error: return location for an error
 *
 * Changes the icon of the tray item @id (one C or a page made), after the
 * pages' updates of it that are still decoding a PNG.
 *
 * Returns: %TRUE, or %FALSE with @error set (%ATRIUM_ERROR_NOT_FOUND,
 *   %ATRIUM_ERROR_BAD_ARGS,
 *   %ATRIUM_ERROR_QUEUE_FULL while 8 changes of the item wait for a PNG)
 *   and nothing changed
 */
gboolean
atrium_app_set_tray_item_icon_name (AtriumApp   *self,
                                    guint        id,
                                    const char  *icon_name,
                                    GError     **error)
{
  Change *change;
  Item *item;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (icon_name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((item = lookup_item (self, id, error)) == NULL || !check_icon_name (icon_name, error)
      || !can_queue (item, error))
    return FALSE;
  change = g_new0 (Change, 1);
  change->set_icon = TRUE;
  change->icon = g_strdup (icon_name);
  item_change (item, change);
  return TRUE;
}

/**
 * atrium_app_set_tray_item_icon_png:
 * @self: an app
 * @id: a tray item's id
 * @png: a PNG of at most 4 MiB and 1024×1024 pixels
 * @error: return location for an error
 *
 * Changes the icon of the tray item @id to @png, handed to the panel as
 * the item's `IconPixmap`. Its header is checked here; it is decoded on a
 * worker and lands in order with the other changes of the item. A PNG
 * whose header is right but whose body GTK cannot read leaves the icon as
 * it was, with a message in the log.
 *
 * Returns: %TRUE, or %FALSE with @error set (%ATRIUM_ERROR_NOT_FOUND,
 *   %ATRIUM_ERROR_BAD_ARGS for what is not a PNG, %ATRIUM_ERROR_TOO_LARGE,
 *   %ATRIUM_ERROR_QUEUE_FULL while 4 icons decode, or 8 changes of the
 *   item wait) and nothing changed
 */
gboolean
atrium_app_set_tray_item_icon_png (AtriumApp  *self,
                                   guint       id,
                                   GBytes     *png,
                                   GError    **error)
{
  Change *change;
  Item *item;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (png != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((item = lookup_item (self, id, error)) == NULL || !check_png (png, error)
      || !can_queue (item, error))
    return FALSE;
  change = g_new0 (Change, 1);
  change->set_icon = TRUE;
  change->png = g_bytes_ref (png);
  change->item_id = item->id;   /* the decoder's callback looks for it */
  if (!decode (item->tray, change, error))
    {
      change_free (change);
      return FALSE;
    }
  item_change (item, change);
  return TRUE;
}

/**
 * atrium_app_set_tray_item_tooltip:
 * @self: an app
 * @id: a tray item's id
 * @tooltip: (nullable): the new tooltip (at most 1,024 characters), or
 *   %NULL for none
 * @error: return location for an error
 *
 * Changes the tooltip of the tray item @id, in order with the pages'
 * updates of it.
 *
 * Returns: %TRUE, or %FALSE with @error set (%ATRIUM_ERROR_NOT_FOUND,
 *   %ATRIUM_ERROR_BAD_ARGS,
 *   %ATRIUM_ERROR_QUEUE_FULL while 8 changes of the item wait for a PNG)
 *   and nothing changed
 */
gboolean
atrium_app_set_tray_item_tooltip (AtriumApp   *self,
                                  guint        id,
                                  const char  *tooltip,
                                  GError     **error)
{
  Change *change;
  Item *item;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((item = lookup_item (self, id, error)) == NULL
      || (tooltip != NULL && !check_tooltip (tooltip, error)) || !can_queue (item, error))
    return FALSE;
  change = g_new0 (Change, 1);
  change->set_tooltip = TRUE;
  change->tooltip = g_strdup (tooltip != NULL ? tooltip : "");
  item_change (item, change);
  return TRUE;
}

/**
 * atrium_app_set_tray_item_menu:
 * @self: an app
 * @id: a tray item's id
 * @menu_json: (nullable): the new menu, a JSON array in the template
 *   format of `atrium.menu` (only the roles `quit` and `about`), or %NULL
 *   for none
 * @error: return location for an error
 *
 * Replaces the menu of the tray item @id, in order with the pages'
 * updates of it; the panel is told and reads it again.
 *
 * Returns: %TRUE, or %FALSE with @error set (%ATRIUM_ERROR_NOT_FOUND,
 *   %ATRIUM_ERROR_BAD_ARGS naming the menu item,
 *   %ATRIUM_ERROR_QUEUE_FULL while 8 changes of the item wait for a PNG)
 *   and the menu as it was
 */
gboolean
atrium_app_set_tray_item_menu (AtriumApp   *self,
                               guint        id,
                               const char  *menu_json,
                               GError     **error)
{
  AtriumMenuTemplate *menu = NULL;
  Change *change;
  Item *item;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((item = lookup_item (self, id, error)) == NULL || !can_queue (item, error)
      || !read_menu_json (menu_json, &menu, error))
    return FALSE;
  change = g_new0 (Change, 1);
  change->set_menu = TRUE;
  change->menu = menu;
  item_change (item, change);
  return TRUE;
}

/**
 * atrium_app_remove_tray_item:
 * @self: an app
 * @id: a tray item's id
 *
 * Takes the tray item @id (one C or a page made) out of the panel. The
 * pages' updates of it still waiting fail with `not-found`.
 *
 * Returns: %TRUE if there was such an item
 */
gboolean
atrium_app_remove_tray_item (AtriumApp *self,
                             guint      id)
{
  Item *item;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);

  if ((item = lookup_item (self, id, NULL)) == NULL)
    return FALSE;
  item_remove (item);
  return TRUE;
}

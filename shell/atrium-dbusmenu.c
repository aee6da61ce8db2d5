#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Tray"
#include "config.h"

#include "atrium-dbusmenu-private.h"

#include <string.h>

#include <gtk/gtk.h>

/* A menu template as a com.canonical.dbusmenu object, the protocol a
 * StatusNotifierItem's Menu property points to: the panel asks for the
 * layout (GetLayout, a tree of (id, properties, children)), shows it
 * itself, and sends the user's clicks back (Event). Anyone on the session
 * bus may call it, so every method takes any input: GDBus refuses a wrong
 * signature before we see it; an unknown id is an error; a disabled item,
 * a separator or a submenu ignores a click; a depth is only ever walked as
 * far as the template goes (at most ATRIUM_MENU_DEPTH_MAX); a list of ids,
 * events or property names longer than a menu could need is refused.
 *
 * Ids: the root is 0; item i of the template (in its flat order) is
 * base + i + 1, and base moves past the old template's ids at every new
 * one, so a click the panel sends for a layout it has not reloaded yet
 * finds no item rather than another. Labels keep their `_` mnemonics:
 * dbusmenu writes them the same way (`__` is a literal underscore).
 * Main thread only. */

#define DBUSMENU_INTERFACE "com.canonical.dbusmenu"

/* More ids, events or names in one call than a menu could use. */
#define LIST_MAX (ATRIUM_MENU_ITEMS_MAX + 1)
#define NAMES_MAX 64

static const char menu_xml[] =
  "<node><interface name='" DBUSMENU_INTERFACE "'>"
  "  <method name='GetLayout'>"
  "    <arg type='i' name='parentId' direction='in'/>"
  "    <arg type='i' name='recursionDepth' direction='in'/>"
  "    <arg type='as' name='propertyNames' direction='in'/>"
  "    <arg type='u' name='revision' direction='out'/>"
  "    <arg type='(ia{sv}av)' name='layout' direction='out'/>"
  "  </method>"
  "  <method name='GetGroupProperties'>"
  "    <arg type='ai' name='ids' direction='in'/>"
  "    <arg type='as' name='propertyNames' direction='in'/>"
  "    <arg type='a(ia{sv})' name='properties' direction='out'/>"
  "  </method>"
  "  <method name='GetProperty'>"
  "    <arg type='i' name='id' direction='in'/>"
  "    <arg type='s' name='name' direction='in'/>"
  "    <arg type='v' name='value' direction='out'/>"
  "  </method>"
  "  <method name='Event'>"
  "    <arg type='i' name='id' direction='in'/>"
  "    <arg type='s' name='eventId' direction='in'/>"
  "    <arg type='v' name='data' direction='in'/>"
  "    <arg type='u' name='timestamp' direction='in'/>"
  "  </method>"
  "  <method name='EventGroup'>"
  "    <arg type='a(isvu)' name='events' direction='in'/>"
  "    <arg type='ai' name='idErrors' direction='out'/>"
  "  </method>"
  "  <method name='AboutToShow'>"
  "    <arg type='i' name='id' direction='in'/>"
  "    <arg type='b' name='needUpdate' direction='out'/>"
  "  </method>"
  "  <method name='AboutToShowGroup'>"
  "    <arg type='ai' name='ids' direction='in'/>"
  "    <arg type='ai' name='updatesNeeded' direction='out'/>"
  "    <arg type='ai' name='idErrors' direction='out'/>"
  "  </method>"
  "  <signal name='ItemsPropertiesUpdated'>"
  "    <arg type='a(ia{sv})' name='updatedProps'/>"
  "    <arg type='a(ias)' name='removedProps'/>"
  "  </signal>"
  "  <signal name='LayoutUpdated'>"
  "    <arg type='u' name='revision'/><arg type='i' name='parent'/>"
  "  </signal>"
  "  <signal name='ItemActivationRequested'>"
  "    <arg type='i' name='id'/><arg type='u' name='timestamp'/>"
  "  </signal>"
  "  <property name='Version' type='u' access='read'/>"
  "  <property name='TextDirection' type='s' access='read'/>"
  "  <property name='Status' type='s' access='read'/>"
  "  <property name='IconThemePath' type='as' access='read'/>"
  "</interface></node>";

struct _AtriumDbusmenu
{
  GDBusConnection       *bus;
  GDBusNodeInfo         *info;
  char                  *path;
  guint                  registration;
  AtriumMenuTemplate    *template;    /* nullable: an empty menu */
  gint32                 base;
  guint32                revision;
  AtriumDbusmenuClicked  clicked;     /* NULL once freed */
  gpointer               user_data;
};

/* GDBus's destroy notify: it may come after _atrium_dbusmenu_free(). */
static void
dbusmenu_destroy (gpointer data)
{
  AtriumDbusmenu *self = data;

  _atrium_menu_template_free (self->template);
  g_clear_pointer (&self->info, g_dbus_node_info_unref);
  g_clear_object (&self->bus);
  g_free (self->path);
  g_free (self);
}

/* The template's item of dbusmenu id @id, or NULL (the root, or unknown). */
static AtriumMenuItem *
lookup (AtriumDbusmenu *self,
        gint32          id)
{
  gint64 index = (gint64) id - self->base - 1;

  if (self->template == NULL || id <= 0 || index < 0 || index >= self->template->flat->len)
    return NULL;
  return g_ptr_array_index (self->template->flat, index);
}

static gboolean
id_is_known (AtriumDbusmenu *self,
             gint32          id)
{
  return id == 0 || lookup (self, id) != NULL;
}

static gint32
id_of (AtriumDbusmenu *self,
       AtriumMenuItem *item)
{
  return self->base + (gint32) item->index + 1;
}

static void
add_property (GVariantBuilder    *builder,
              const char * const *names,
              const char         *name,
              GVariant           *value)
{
  g_variant_ref_sink (value);
  if (names == NULL || names[0] == NULL || g_strv_contains (names, name))
    g_variant_builder_add (builder, "{sv}", name, value);
  g_variant_unref (value);
}

/* dbusmenu's shortcut: [[modifiers…, key]], from GTK's `<Control>s`. */
static GVariant *
shortcut_of (const char *accelerator)
{
  static const struct
  {
    GdkModifierType  mask;
    const char      *name;
  } modifiers[] = {
    { GDK_CONTROL_MASK, "Control" }, { GDK_ALT_MASK, "Alt" }, { GDK_SHIFT_MASK, "Shift" },
    { GDK_SUPER_MASK, "Super" },
  };
  GVariantBuilder keys;
  GdkModifierType mods = 0;
  guint key = 0;
  const char *name;
  GVariant *inner;

  if (!gtk_accelerator_parse (accelerator, &key, &mods) || (name = gdk_keyval_name (key)) == NULL)
    return NULL;
  g_variant_builder_init (&keys, G_VARIANT_TYPE ("as"));
  for (guint i = 0; i < G_N_ELEMENTS (modifiers); i++)
    if (mods & modifiers[i].mask)
      g_variant_builder_add (&keys, "s", modifiers[i].name);
  g_variant_builder_add (&keys, "s", name);
  inner = g_variant_builder_end (&keys);
  return g_variant_new_array (G_VARIANT_TYPE ("as"), &inner, 1);
}

/* The properties of @item (NULL: the root), only @names where given. */
static GVariant *
properties_of (AtriumMenuItem     *item,
               const char * const *names)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (item == NULL)
    {
      add_property (&builder, names, "children-display", g_variant_new_string ("submenu"));
      return g_variant_builder_end (&builder);
    }
  if (item->type == ATRIUM_MENU_ITEM_SEPARATOR)
    {
      add_property (&builder, names, "type", g_variant_new_string ("separator"));
      add_property (&builder, names, "visible", g_variant_new_boolean (TRUE));
      return g_variant_builder_end (&builder);
    }
  add_property (&builder, names, "label", g_variant_new_string (item->label));
  add_property (&builder, names, "enabled", g_variant_new_boolean (item->enabled));
  add_property (&builder, names, "visible", g_variant_new_boolean (TRUE));
  if (item->type == ATRIUM_MENU_ITEM_CHECKBOX || item->type == ATRIUM_MENU_ITEM_RADIO)
    {
      add_property (&builder, names, "toggle-type",
                    g_variant_new_string (item->type == ATRIUM_MENU_ITEM_RADIO ? "radio"
                                                                                : "checkmark"));
      add_property (&builder, names, "toggle-state", g_variant_new_int32 (item->checked ? 1 : 0));
    }
  if (item->type == ATRIUM_MENU_ITEM_SUBMENU)
    add_property (&builder, names, "children-display", g_variant_new_string ("submenu"));
  if (item->accelerator != NULL)
    {
      GVariant *shortcut = shortcut_of (item->accelerator);

      if (shortcut != NULL)
        add_property (&builder, names, "shortcut", shortcut);
    }
  return g_variant_builder_end (&builder);
}

/* (ia{sv}av) for @item (NULL: the root) and its children @depth levels
 * down (-1: all). The recursion is bounded by the template's own depth. */
static GVariant *
layout_of (AtriumDbusmenu     *self,
           AtriumMenuItem     *item,
           int                 depth,
           const char * const *names)
{
  GPtrArray *children = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  if (item == NULL)
    children = self->template != NULL ? self->template->items : NULL;
  else if (item->type == ATRIUM_MENU_ITEM_SUBMENU)
    children = item->submenu;
  if (children != NULL && depth != 0)
    for (guint i = 0; i < children->len; i++)
      g_variant_builder_add (&builder, "v",
                             layout_of (self, g_ptr_array_index (children, i),
                                        depth < 0 ? -1 : depth - 1, names));
  return g_variant_new ("(i@a{sv}av)", item != NULL ? id_of (self, item) : 0,
                        properties_of (item, names), &builder);
}

static gboolean
names_ok (GDBusMethodInvocation *invocation,
          const char * const    *names)
{
  if (g_strv_length ((char **) names) <= NAMES_MAX)
    return TRUE;
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                         "At most %d property names", NAMES_MAX);
  return FALSE;
}

static void
unknown_id (GDBusMethodInvocation *invocation,
            gint32                 id)
{
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                         "No menu item %d", id);
}

/* A click on @item: a checkbox flips, a radio item becomes its group's
 * checked one (the panel is told), then the owner hears. */
static void
click (AtriumDbusmenu *self,
       AtriumMenuItem *item)
{
  GVariantBuilder updated;
  gboolean changed = FALSE;

  if (!item->enabled || item->type == ATRIUM_MENU_ITEM_SEPARATOR
      || item->type == ATRIUM_MENU_ITEM_SUBMENU)
    return;
  g_variant_builder_init (&updated, G_VARIANT_TYPE ("a(ia{sv})"));
  if (item->type == ATRIUM_MENU_ITEM_CHECKBOX)
    {
      item->checked = !item->checked;
      changed = TRUE;
    }
  else if (item->type == ATRIUM_MENU_ITEM_RADIO && !item->checked)
    {
      for (guint i = item->radio_first->index; i < self->template->flat->len; i++)
        {
          AtriumMenuItem *other = g_ptr_array_index (self->template->flat, i);

          if (other != item && other->radio_first == item->radio_first && other->checked)
            {
              other->checked = FALSE;
              g_variant_builder_add (&updated, "(i@a{sv})", id_of (self, other),
                                     properties_of (other, (const char *[]) { "toggle-state",
                                                                              NULL }));
            }
        }
      item->checked = TRUE;
      changed = TRUE;
    }
  if (changed)
    {
      g_variant_builder_add (&updated, "(i@a{sv})", id_of (self, item),
                             properties_of (item, (const char *[]) { "toggle-state", NULL }));
      g_dbus_connection_emit_signal (self->bus, NULL, self->path, DBUSMENU_INTERFACE,
                                     "ItemsPropertiesUpdated",
                                     g_variant_new ("(a(ia{sv})a(ias))", &updated, NULL), NULL);
    }
  else
    g_variant_builder_clear (&updated);
  if (self->clicked != NULL)
    self->clicked (item, item->checked, self->user_data);
}

/* One event of Event or EventGroup; FALSE for an unknown id. */
static gboolean
handle_event (AtriumDbusmenu *self,
              gint32          id,
              const char     *event)
{
  AtriumMenuItem *item = lookup (self, id);

  if (!id_is_known (self, id))
    return FALSE;
  /* hovered, opened and closed say nothing the app acts on. */
  if (item != NULL && strcmp (event, "clicked") == 0)
    click (self, item);
  return TRUE;
}

static void
get_layout (AtriumDbusmenu        *self,
            GVariant              *parameters,
            GDBusMethodInvocation *invocation)
{
  g_autofree const char **names = NULL;
  gint32 parent, depth;

  g_variant_get (parameters, "(ii^a&s)", &parent, &depth, &names);
  if (!names_ok (invocation, names))
    return;
  if (!id_is_known (self, parent))
    {
      unknown_id (invocation, parent);
      return;
    }
  /* Any negative depth is "all"; the template is never deeper than 16. */
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(u@(ia{sv}av))", self->revision,
                                                        layout_of (self, lookup (self, parent),
                                                                   depth < 0 ? -1 : depth,
                                                                   names)));
}

static void
get_group_properties (AtriumDbusmenu        *self,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) ids = NULL;
  g_autofree const char **names = NULL;
  GVariantBuilder builder;
  gsize n_ids;
  const gint32 *id;

  g_variant_get (parameters, "(@ai^a&s)", &ids, &names);
  id = g_variant_get_fixed_array (ids, &n_ids, sizeof (gint32));
  if (!names_ok (invocation, names))
    return;
  if (n_ids > LIST_MAX)
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             "At most %d ids", LIST_MAX);
      return;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ia{sv})"));
  if (n_ids == 0)
    {
      /* None named: all of them. */
      g_variant_builder_add (&builder, "(i@a{sv})", 0, properties_of (NULL, names));
      for (guint i = 0; self->template != NULL && i < self->template->flat->len; i++)
        {
          AtriumMenuItem *item = g_ptr_array_index (self->template->flat, i);

          g_variant_builder_add (&builder, "(i@a{sv})", id_of (self, item),
                                 properties_of (item, names));
        }
    }
  for (gsize i = 0; i < n_ids; i++)
    if (id_is_known (self, id[i]))
      g_variant_builder_add (&builder, "(i@a{sv})", id[i],
                             properties_of (lookup (self, id[i]), names));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ia{sv}))", &builder));
}

static void
get_property (AtriumDbusmenu        *self,
              GVariant              *parameters,
              GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *name;
  gint32 id;

  g_variant_get (parameters, "(i&s)", &id, &name);
  if (!id_is_known (self, id))
    {
      unknown_id (invocation, id);
      return;
    }
  properties = g_variant_ref_sink (properties_of (lookup (self, id),
                                                  (const char *[]) { name, NULL }));
  value = g_variant_lookup_value (properties, name, NULL);
  if (value == NULL)
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                           "Menu item %d has no property “%s”", id, name);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
}

static void
event_group (AtriumDbusmenu        *self,
             GVariant              *parameters,
             GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) events = g_variant_get_child_value (parameters, 0);
  g_autoptr(GArray) unknown = g_array_new (FALSE, FALSE, sizeof (gint32));
  gsize n = g_variant_n_children (events);

  if (n > LIST_MAX)
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             "At most %d events", LIST_MAX);
      return;
    }
  for (gsize i = 0; i < n; i++)
    {
      const char *event;
      gint32 id;

      g_variant_get_child (events, i, "(i&svu)", &id, &event, NULL, NULL);
      /* A click may replace the template (its owner updates the menu):
       * every id is looked up again. */
      if (!handle_event (self, id, event))
        g_array_append_val (unknown, id);
    }
  if (n > 0 && unknown->len == n)
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             "No menu item of these events");
      return;
    }
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(@ai)",
                                                        g_variant_new_fixed_array (
                                                          G_VARIANT_TYPE_INT32, unknown->data,
                                                          unknown->len, sizeof (gint32))));
}

static void
about_to_show_group (AtriumDbusmenu        *self,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) ids = g_variant_get_child_value (parameters, 0);
  g_autoptr(GArray) unknown = g_array_new (FALSE, FALSE, sizeof (gint32));
  gsize n_ids;
  const gint32 *id = g_variant_get_fixed_array (ids, &n_ids, sizeof (gint32));

  if (n_ids > LIST_MAX)
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             "At most %d ids", LIST_MAX);
      return;
    }
  for (gsize i = 0; i < n_ids; i++)
    if (!id_is_known (self, id[i]))
      g_array_append_val (unknown, id[i]);
  /* The layout is always up to date: nothing needs an update. */
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(@ai@ai)",
                                                        g_variant_new_fixed_array (
                                                          G_VARIANT_TYPE_INT32, NULL, 0,
                                                          sizeof (gint32)),
                                                        g_variant_new_fixed_array (
                                                          G_VARIANT_TYPE_INT32, unknown->data,
                                                          unknown->len, sizeof (gint32))));
}

static void
method_cb (GDBusConnection       *bus,
           const char            *sender,
           const char            *path,
           const char            *interface,
           const char            *method,
           GVariant              *parameters,
           GDBusMethodInvocation *invocation,
           gpointer               user_data)
{
  AtriumDbusmenu *self = user_data;

  if (strcmp (method, "GetLayout") == 0)
    get_layout (self, parameters, invocation);
  else if (strcmp (method, "GetGroupProperties") == 0)
    get_group_properties (self, parameters, invocation);
  else if (strcmp (method, "GetProperty") == 0)
    get_property (self, parameters, invocation);
  else if (strcmp (method, "Event") == 0)
    {
      const char *event;
      gint32 id;

      g_variant_get (parameters, "(i&svu)", &id, &event, NULL, NULL);
      /* Answered first: the click may replace the template under us. */
      if (!id_is_known (self, id))
        unknown_id (invocation, id);
      else
        {
          g_dbus_method_invocation_return_value (invocation, NULL);
          handle_event (self, id, event);
        }
    }
  else if (strcmp (method, "EventGroup") == 0)
    event_group (self, parameters, invocation);
  else if (strcmp (method, "AboutToShow") == 0)
    {
      gint32 id;

      g_variant_get (parameters, "(i)", &id);
      if (!id_is_known (self, id))
        unknown_id (invocation, id);
      else
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
    }
  else if (strcmp (method, "AboutToShowGroup") == 0)
    about_to_show_group (self, parameters, invocation);
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method);
}

static GVariant *
get_property_cb (GDBusConnection  *bus,
                 const char       *sender,
                 const char       *path,
                 const char       *interface,
                 const char       *property,
                 GError          **error,
                 gpointer          user_data)
{
  if (strcmp (property, "Version") == 0)
    return g_variant_new_uint32 (3);
  if (strcmp (property, "TextDirection") == 0)
    return g_variant_new_string (gtk_widget_get_default_direction () == GTK_TEXT_DIR_RTL
                                 ? "rtl" : "ltr");
  if (strcmp (property, "Status") == 0)
    return g_variant_new_string ("normal");
  if (strcmp (property, "IconThemePath") == 0)
    return g_variant_new_strv (NULL, 0);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property);
  return NULL;
}

static const GDBusInterfaceVTable vtable = { method_cb, get_property_cb, NULL, { 0 } };

AtriumDbusmenu *
_atrium_dbusmenu_new (GDBusConnection        *bus,
                      const char             *path,
                      AtriumMenuTemplate     *template,
                      AtriumDbusmenuClicked   clicked,
                      gpointer                user_data,
                      GError                **error)
{
  AtriumDbusmenu *self = g_new0 (AtriumDbusmenu, 1);

  self->bus = g_object_ref (bus);
  self->path = g_strdup (path);
  self->template = template;
  self->info = g_dbus_node_info_new_for_xml (menu_xml, NULL);
  g_assert (self->info != NULL);
  self->clicked = clicked;
  self->user_data = user_data;
  self->revision = 1;
  self->registration = g_dbus_connection_register_object (bus, path, self->info->interfaces[0],
                                                          &vtable, self, dbusmenu_destroy,
                                                          error);
  if (self->registration == 0)
    {
      dbusmenu_destroy (self);
      return NULL;
    }
  return self;
}

void
_atrium_dbusmenu_set_template (AtriumDbusmenu     *self,
                               AtriumMenuTemplate *template)
{
  guint old = self->template != NULL ? self->template->flat->len : 0;

  _atrium_menu_template_free (self->template);
  self->template = template;
  /* New ids past the old ones, from 1 again before they overflow. */
  if ((gint64) self->base + old + 1 + ATRIUM_MENU_ITEMS_MAX + 1 >= G_MAXINT32)
    self->base = 0;
  else
    self->base += old + 1;
  self->revision++;
  g_dbus_connection_emit_signal (self->bus, NULL, self->path, DBUSMENU_INTERFACE,
                                 "LayoutUpdated", g_variant_new ("(ui)", self->revision, 0),
                                 NULL);
}

gboolean
_atrium_dbusmenu_has_template (AtriumDbusmenu *self)
{
  return self->template != NULL;
}

const char *
_atrium_dbusmenu_get_path (AtriumDbusmenu *self)
{
  return self->path;
}

void
_atrium_dbusmenu_free (AtriumDbusmenu *self)
{
  if (self == NULL)
    return;
  /* GDBus frees us once no call of ours runs; none is dispatched now. */
  self->clicked = NULL;
  g_dbus_connection_unregister_object (self->bus, self->registration);
}

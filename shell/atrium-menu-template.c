#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Menu"
#include "config.h"

#include "atrium-menu-template-private.h"

#include <string.h>

#include "atrium-error.h"

/* Parsing a menu template (atrium-menu-template-private.h). Every error is
 * `bad-args` and names the item by its place ("item 2.1", counted from 1
 * at each level) and its id where it has one, so the page's author finds
 * it; nothing is kept of a template with an error. */

static const struct
{
  const char *name;
  const char *label;
} roles[] = {
  [ATRIUM_MENU_ROLE_NONE] = { NULL, NULL },
  [ATRIUM_MENU_ROLE_UNDO] = { "undo", "_Undo" },
  [ATRIUM_MENU_ROLE_REDO] = { "redo", "_Redo" },
  [ATRIUM_MENU_ROLE_CUT] = { "cut", "Cu_t" },
  [ATRIUM_MENU_ROLE_COPY] = { "copy", "_Copy" },
  [ATRIUM_MENU_ROLE_PASTE] = { "paste", "_Paste" },
  [ATRIUM_MENU_ROLE_SELECT_ALL] = { "selectAll", "Select _All" },
  [ATRIUM_MENU_ROLE_RELOAD] = { "reload", "_Reload" },
  [ATRIUM_MENU_ROLE_ZOOM_IN] = { "zoomIn", "Zoom _In" },
  [ATRIUM_MENU_ROLE_ZOOM_OUT] = { "zoomOut", "Zoom _Out" },
  [ATRIUM_MENU_ROLE_ZOOM_RESET] = { "zoomReset", "_Actual Size" },
  [ATRIUM_MENU_ROLE_TOGGLE_FULLSCREEN] = { "toggleFullscreen", "_Fullscreen" },
  [ATRIUM_MENU_ROLE_TOGGLE_DEVTOOLS] = { "toggleDevTools", "_Developer Tools" },
  [ATRIUM_MENU_ROLE_CLOSE] = { "close", "_Close" },
  [ATRIUM_MENU_ROLE_QUIT] = { "quit", "_Quit" },
  [ATRIUM_MENU_ROLE_ABOUT] = { "about", "_About" },
};

static const char * const types[] = {
  [ATRIUM_MENU_ITEM_NORMAL] = "normal",
  [ATRIUM_MENU_ITEM_CHECKBOX] = "checkbox",
  [ATRIUM_MENU_ITEM_RADIO] = "radio",
  [ATRIUM_MENU_ITEM_SEPARATOR] = "separator",
  [ATRIUM_MENU_ITEM_SUBMENU] = "submenu",
};

const char *
_atrium_menu_role_to_string (AtriumMenuRole role)
{
  g_assert (role < G_N_ELEMENTS (roles));
  return roles[role].name;
}

const char *
_atrium_menu_role_label (AtriumMenuRole role)
{
  g_assert (role < G_N_ELEMENTS (roles));
  return roles[role].label;
}

static void
item_free (AtriumMenuItem *item)
{
  g_free (item->id);
  g_free (item->label);
  g_free (item->accelerator);
  g_free (item->group);
  g_clear_pointer (&item->submenu, g_ptr_array_unref);
  g_free (item);
}

void
_atrium_menu_template_free (AtriumMenuTemplate *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->flat, g_ptr_array_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_free (self);
}

AtriumMenuItem *
_atrium_menu_template_lookup (AtriumMenuTemplate *self,
                              const char         *id)
{
  return id != NULL ? g_hash_table_lookup (self->by_id, id) : NULL;
}

typedef struct
{
  AtriumMenuTemplate   *template;
  AtriumMenuAccelCheck  check;
  GHashTable           *radio_groups;   /* group name → first AtriumMenuItem */
} Parser;

/* "item 2.1 (id 'save')": where @path (1-based positions) points. */
static char *
describe (GArray     *path,
          const char *id)
{
  GString *text = g_string_new ("menu item ");

  for (guint i = 0; i < path->len; i++)
    g_string_append_printf (text, "%s%u", i > 0 ? "." : "", g_array_index (path, guint, i) + 1);
  if (id != NULL)
    {
      /* The id comes from the page: only a bounded, printable piece of it. */
      g_autofree char *shown = g_utf8_make_valid (id, MIN (strlen (id), 64));

      for (char *p = shown; *p != '\0'; p++)
        if ((guchar) *p < 0x20)
          *p = '?';
      g_string_append_printf (text, " (id '%s')", shown);
    }
  return g_string_free (text, FALSE);
}

G_GNUC_PRINTF (4, 5)
static gboolean
fail (GError    **error,
      GArray     *path,
      const char *id,
      const char *format,
      ...)
{
  g_autofree char *where = describe (path, id);
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s: %s", where, what);
  return FALSE;
}

/* A string member of @object, or NULL when absent or null; FALSE when it is
 * there and no string, or longer than @max. */
static gboolean
get_string (JsonObject  *object,
            const char  *name,
            gsize        max,
            const char **value,
            GError     **error,
            GArray      *path,
            const char  *id)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, path, id, "%s must be a string", name);
  *value = json_node_get_string (node);
  if (strlen (*value) > max)
    return fail (error, path, id, "%s is longer than %" G_GSIZE_FORMAT " bytes", name, max);
  return TRUE;
}

static gboolean
get_bool (JsonObject  *object,
          const char  *name,
          gboolean     fallback,
          gboolean    *value,
          GError     **error,
          GArray      *path,
          const char  *id)
{
  JsonNode *node = json_object_get_member (object, name);

  *value = fallback;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (error, path, id, "%s must be true or false", name);
  *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean parse_list (Parser     *parser,
                            JsonNode   *node,
                            GArray     *path,
                            GPtrArray **items,
                            GError    **error);

static gboolean
parse_item (Parser          *parser,
            JsonNode        *node,
            GArray          *path,
            AtriumMenuItem **out,
            GError         **error)
{
  g_autoptr(GError) local = NULL;
  AtriumMenuItem *item;
  JsonObject *object;
  JsonNode *submenu;
  const char *id, *label, *type, *role, *accelerator, *group;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, NULL, "must be an object");
  object = json_node_get_object (node);
  if (!get_string (object, "id", ATRIUM_MENU_ID_MAX, &id, error, path, NULL))
    return FALSE;
  if (id != NULL && *id == '\0')
    return fail (error, path, NULL, "id must not be empty");
  if (!get_string (object, "label", ATRIUM_MENU_LABEL_MAX, &label, error, path, id)
      || !get_string (object, "type", 16, &type, error, path, id)
      || !get_string (object, "role", 32, &role, error, path, id)
      || !get_string (object, "accelerator", ATRIUM_MENU_ACCEL_MAX, &accelerator, error, path, id)
      || !get_string (object, "group", ATRIUM_MENU_ID_MAX, &group, error, path, id))
    return FALSE;

  item = g_new0 (AtriumMenuItem, 1);
  *out = item;   /* the caller frees it, whatever happens next */
  item->index = parser->template->flat->len;
  g_ptr_array_add (parser->template->flat, item);
  if (parser->template->flat->len > ATRIUM_MENU_ITEMS_MAX)
    return fail (error, path, id, "a menu holds at most %d items", ATRIUM_MENU_ITEMS_MAX);

  submenu = json_object_get_member (object, "submenu");
  if (submenu != NULL && JSON_NODE_HOLDS_NULL (submenu))
    submenu = NULL;
  if (type == NULL)
    item->type = submenu != NULL ? ATRIUM_MENU_ITEM_SUBMENU : ATRIUM_MENU_ITEM_NORMAL;
  else
    {
      guint t;

      for (t = 0; t < G_N_ELEMENTS (types); t++)
        if (strcmp (type, types[t]) == 0)
          break;
      if (t == G_N_ELEMENTS (types))
        return fail (error, path, id, "unknown type '%s' (normal, checkbox, radio, separator or "
                     "submenu)", type);
      item->type = t;
    }
  if (role != NULL)
    {
      guint r;

      for (r = 1; r < G_N_ELEMENTS (roles); r++)
        if (strcmp (role, roles[r].name) == 0)
          break;
      if (r == G_N_ELEMENTS (roles))
        return fail (error, path, id, "unknown role '%s'", role);
      if (item->type != ATRIUM_MENU_ITEM_NORMAL)
        return fail (error, path, id, "a role belongs to a normal item");
      item->role = r;
    }

  if (item->type == ATRIUM_MENU_ITEM_SEPARATOR)
    {
      if (id != NULL || label != NULL || accelerator != NULL || submenu != NULL)
        return fail (error, path, id, "a separator has no id, label, accelerator or submenu");
      return TRUE;
    }
  if (id == NULL && item->role == ATRIUM_MENU_ROLE_NONE && item->type != ATRIUM_MENU_ITEM_SUBMENU)
    return fail (error, path, NULL, "needs an id (or a role)");
  if (label == NULL && item->role == ATRIUM_MENU_ROLE_NONE)
    return fail (error, path, id, "needs a label");
  if (id != NULL)
    {
      if (g_hash_table_contains (parser->template->by_id, id))
        return fail (error, path, id, "another item has this id");
      item->id = g_strdup (id);
      g_hash_table_insert (parser->template->by_id, item->id, item);
    }
  item->label = g_strdup (label != NULL ? label : roles[item->role].label);
  if (!g_utf8_validate (item->label, -1, NULL))
    return fail (error, path, id, "label is not UTF-8");
  if (!get_bool (object, "enabled", TRUE, &item->enabled, error, path, id)
      || !get_bool (object, "checked", FALSE, &item->checked, error, path, id))
    return FALSE;
  if (item->checked && item->type != ATRIUM_MENU_ITEM_CHECKBOX
      && item->type != ATRIUM_MENU_ITEM_RADIO)
    return fail (error, path, id, "only checkbox and radio items are checked");

  if (accelerator != NULL)
    {
      if (item->type == ATRIUM_MENU_ITEM_SUBMENU)
        return fail (error, path, id, "a submenu has no accelerator");
      if (parser->check != NULL && !parser->check (accelerator))
        return fail (error, path, id, "malformed accelerator '%s' (write it as '<Control>s')",
                     accelerator);
      item->accelerator = g_strdup (accelerator);
    }

  if (item->type == ATRIUM_MENU_ITEM_RADIO)
    {
      AtriumMenuItem *first;

      if (group == NULL || *group == '\0')
        return fail (error, path, id, "a radio item needs a group");
      item->group = g_strdup (group);
      first = g_hash_table_lookup (parser->radio_groups, group);
      if (first == NULL)
        g_hash_table_insert (parser->radio_groups, item->group, first = item);
      item->radio_first = first;
      if (item->checked && first != item)
        {
          /* One checked item a group: a second one is a mistake. */
          for (guint i = first->index; i < item->index; i++)
            {
              AtriumMenuItem *other = g_ptr_array_index (parser->template->flat, i);

              if (other->radio_first == first && other->checked)
                return fail (error, path, id, "another item of group '%s' is checked already",
                             item->group);
            }
        }
    }
  else if (group != NULL)
    return fail (error, path, id, "only radio items have a group");

  if (item->type == ATRIUM_MENU_ITEM_SUBMENU)
    {
      if (submenu == NULL)
        return fail (error, path, id, "a submenu needs its submenu: […]");
      if (path->len >= ATRIUM_MENU_DEPTH_MAX)
        return fail (error, path, id, "submenus nest at most %d deep", ATRIUM_MENU_DEPTH_MAX);
      return parse_list (parser, submenu, path, &item->submenu, error);
    }
  if (submenu != NULL)
    return fail (error, path, id, "only a submenu has a submenu");
  return TRUE;
}

static gboolean
parse_list (Parser     *parser,
            JsonNode   *node,
            GArray     *path,
            GPtrArray **items,
            GError    **error)
{
  JsonArray *array;
  guint length;

  *items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      if (path->len == 0)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                       "A menu template must be an array of items");
          return FALSE;
        }
      return fail (error, path, NULL, "submenu must be an array of items");
    }
  array = json_node_get_array (node);
  length = json_array_get_length (array);
  for (guint i = 0; i < length; i++)
    {
      AtriumMenuItem *item = NULL;
      gboolean ok;

      g_array_append_val (path, i);
      ok = parse_item (parser, json_array_get_element (array, i), path, &item, error);
      g_array_set_size (path, path->len - 1);
      if (item != NULL)
        g_ptr_array_add (*items, item);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

AtriumMenuTemplate *
_atrium_menu_template_parse (JsonNode              *node,
                             AtriumMenuAccelCheck   check,
                             GError               **error)
{
  g_autoptr(AtriumMenuTemplate) template = g_new0 (AtriumMenuTemplate, 1);
  g_autoptr(GArray) path = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) radio_groups = g_hash_table_new (g_str_hash, g_str_equal);
  Parser parser = { template, check, radio_groups };

  template->flat = g_ptr_array_new ();
  template->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  if (!parse_list (&parser, node, path, &template->items, error))
    return NULL;

  /* A radio group without a checked item has its first one checked: GTK
   * shows a group's state, which is one of its items. */
  for (guint i = 0; i < template->flat->len; i++)
    {
      AtriumMenuItem *item = g_ptr_array_index (template->flat, i);
      gboolean any = FALSE;

      if (item->type != ATRIUM_MENU_ITEM_RADIO || item->radio_first != item)
        continue;
      for (guint j = i; j < template->flat->len; j++)
        {
          AtriumMenuItem *other = g_ptr_array_index (template->flat, j);

          if (other->type == ATRIUM_MENU_ITEM_RADIO && other->radio_first == item)
            any |= other->checked;
        }
      if (!any)
        item->checked = TRUE;
    }
  return g_steal_pointer (&template);
}

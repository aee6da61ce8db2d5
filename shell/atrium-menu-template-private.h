#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A menu template, the one JSON format of every menu a page hands libatrium
 * (the application menu, a window's menu, a popup):
 *
 *   [{id, label, type: 'normal'|'checkbox'|'radio'|'separator'|'submenu',
 *     accelerator: '<Control>s', enabled, checked, group, role, submenu: […]}]
 *
 * parsed here into a checked tree, apart from GTK so that the unit suite
 * tests every way a template can be wrong. Accelerators are checked by a
 * function the caller gives (gtk_accelerator_parse() in the web layer). */

/* The most items one template may hold, and how deep submenus may nest. */
#define ATRIUM_MENU_ITEMS_MAX 1000
#define ATRIUM_MENU_DEPTH_MAX 16
#define ATRIUM_MENU_ID_MAX 256
#define ATRIUM_MENU_LABEL_MAX 1024
#define ATRIUM_MENU_ACCEL_MAX 64

typedef enum {
  ATRIUM_MENU_ITEM_NORMAL,
  ATRIUM_MENU_ITEM_CHECKBOX,
  ATRIUM_MENU_ITEM_RADIO,
  ATRIUM_MENU_ITEM_SEPARATOR,
  ATRIUM_MENU_ITEM_SUBMENU,
} AtriumMenuItemType;

typedef enum {
  ATRIUM_MENU_ROLE_NONE,
  ATRIUM_MENU_ROLE_UNDO,
  ATRIUM_MENU_ROLE_REDO,
  ATRIUM_MENU_ROLE_CUT,
  ATRIUM_MENU_ROLE_COPY,
  ATRIUM_MENU_ROLE_PASTE,
  ATRIUM_MENU_ROLE_SELECT_ALL,
  ATRIUM_MENU_ROLE_RELOAD,
  ATRIUM_MENU_ROLE_ZOOM_IN,
  ATRIUM_MENU_ROLE_ZOOM_OUT,
  ATRIUM_MENU_ROLE_ZOOM_RESET,
  ATRIUM_MENU_ROLE_TOGGLE_FULLSCREEN,
  ATRIUM_MENU_ROLE_TOGGLE_DEVTOOLS,
  ATRIUM_MENU_ROLE_CLOSE,
  ATRIUM_MENU_ROLE_QUIT,
  ATRIUM_MENU_ROLE_ABOUT,
} AtriumMenuRole;

typedef struct _AtriumMenuItem AtriumMenuItem;

struct _AtriumMenuItem
{
  guint               index;        /* in the template's flat order, from 0 */
  AtriumMenuItemType  type;
  AtriumMenuRole      role;
  char               *id;           /* nullable: separators, role items */
  char               *label;        /* never NULL but for separators */
  char               *accelerator;  /* nullable */
  char               *group;        /* radio items: their group's name */
  gboolean            enabled;
  gboolean            checked;
  AtriumMenuItem     *radio_first;  /* radio items: the first of their group */
  GPtrArray          *submenu;      /* of AtriumMenuItem, for submenus */
};

typedef struct
{
  GPtrArray  *items;   /* the top level */
  GPtrArray  *flat;    /* every item, by index (borrowed from the tree) */
  GHashTable *by_id;   /* id → item (borrowed) */
} AtriumMenuTemplate;

typedef gboolean (*AtriumMenuAccelCheck) (const char *accelerator);

AtriumMenuTemplate *_atrium_menu_template_parse  (JsonNode              *node,
                                                  AtriumMenuAccelCheck   check,
                                                  GError               **error);
void                _atrium_menu_template_free   (AtriumMenuTemplate    *self);
AtriumMenuItem     *_atrium_menu_template_lookup (AtriumMenuTemplate    *self,
                                                  const char            *id);
const char         *_atrium_menu_role_to_string  (AtriumMenuRole         role);
/* What a role item says when its template gives no label. */
const char         *_atrium_menu_role_label      (AtriumMenuRole         role);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumMenuTemplate, _atrium_menu_template_free)

G_END_DECLS

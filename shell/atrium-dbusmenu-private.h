#pragma once

#include <gio/gio.h>

#include "atrium-menu-template-private.h"

G_BEGIN_DECLS

/* A menu template exported as a com.canonical.dbusmenu object
 * (atrium-dbusmenu.c), the menu of a tray item: the panel reads its
 * layout and sends its clicks. Main thread only. */

typedef struct _AtriumDbusmenu AtriumDbusmenu;

/* An item with an id or a role was clicked: @checked is its state after
 * the click. The item is valid only during the call; the callback may
 * replace the template. */
typedef void (*AtriumDbusmenuClicked) (AtriumMenuItem *item,
                                       gboolean        checked,
                                       gpointer        user_data);

AtriumDbusmenu *_atrium_dbusmenu_new          (GDBusConnection       *bus,
                                               const char            *path,
                                               AtriumMenuTemplate    *template,
                                               AtriumDbusmenuClicked  clicked,
                                               gpointer               user_data,
                                               GError               **error);
/* Takes @template (nullable: an empty menu) and tells the panel, which
 * new() does not: nobody has read the menu yet. */
void            _atrium_dbusmenu_set_template (AtriumDbusmenu        *self,
                                               AtriumMenuTemplate    *template);
gboolean        _atrium_dbusmenu_has_template (AtriumDbusmenu        *self);
const char     *_atrium_dbusmenu_get_path     (AtriumDbusmenu        *self);
/* Unexports the object; nothing is called back afterwards. */
void            _atrium_dbusmenu_free         (AtriumDbusmenu        *self);

G_END_DECLS

#pragma once

#include "atrium-window.h"

G_BEGIN_DECLS

/* The menu group's hooks (atrium-builtin-menu.c): its state on the app and
 * on each window, and what tests look at. */
void       _atrium_builtin_menu_class_init          (GObjectClass *klass);
void       _atrium_builtin_menu_app_init            (AtriumApp    *app);
void       _atrium_builtin_menu_attach              (AtriumWindow *window);
void       _atrium_builtin_menu_detach              (AtriumWindow *window);

/* The stock actions (WebKitContextMenuAction) of the items left in the last
 * context menu, and a count of the menus seen so far. */
GArray    *_atrium_builtin_menu_get_context_actions (AtriumWindow *window,
                                                     guint        *serial);
GtkWidget *_atrium_builtin_menu_get_bar             (AtriumWindow *window);
GtkWidget *_atrium_builtin_menu_get_popover         (AtriumWindow *window);

G_END_DECLS

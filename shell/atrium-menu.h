#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include "atrium-app.h"
#include "atrium-window.h"

G_BEGIN_DECLS

/**
 * AtriumContextMenuPolicy:
 * @ATRIUM_CONTEXT_MENU_NONE: no menu of WebKit's at all; the page's own
 *   `contextmenu` handler (and `atrium.menu.popup()`) is all there is
 * @ATRIUM_CONTEXT_MENU_EDITING: the default: WebKit's menu keeps only what
 *   edits and copies text (Cut, Copy, Paste, Delete, Select All, spelling,
 *   emoji and input methods) and Inspect Element while developer tools are
 *   on (atrium_app_set_devtools()); Back, Forward, Reload, the link, image
 *   and media items are gone, and where nothing is left nothing shows
 * @ATRIUM_CONTEXT_MENU_DEFAULT: WebKit's whole menu, as in a browser
 *
 * What a right click on a page shows when the page does not handle
 * `contextmenu` itself (see atrium_app_set_context_menu_policy()).
 */
typedef enum {
  ATRIUM_CONTEXT_MENU_NONE,
  ATRIUM_CONTEXT_MENU_EDITING,
  ATRIUM_CONTEXT_MENU_DEFAULT,
} AtriumContextMenuPolicy;

ATRIUM_AVAILABLE_IN_ALL
void                     atrium_app_set_context_menu_policy (AtriumApp               *self,
                                                             AtriumContextMenuPolicy  policy);
ATRIUM_AVAILABLE_IN_ALL
AtriumContextMenuPolicy  atrium_app_get_context_menu_policy (AtriumApp               *self);

ATRIUM_AVAILABLE_IN_ALL
void                     atrium_app_set_menu_model          (AtriumApp               *self,
                                                             GMenuModel              *model);
ATRIUM_AVAILABLE_IN_ALL
void                     atrium_window_set_menu_model       (AtriumWindow            *self,
                                                             GMenuModel              *model);

G_END_DECLS

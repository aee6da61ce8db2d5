#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include "atrium-app.h"

G_BEGIN_DECLS

ATRIUM_AVAILABLE_IN_ALL
guint     atrium_app_add_tray_item           (AtriumApp   *self,
                                              const char  *icon_name,
                                              const char  *tooltip,
                                              const char  *menu_json,
                                              GError     **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_set_tray_item_icon_name (AtriumApp   *self,
                                              guint        id,
                                              const char  *icon_name,
                                              GError     **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_set_tray_item_icon_png  (AtriumApp   *self,
                                              guint        id,
                                              GBytes      *png,
                                              GError     **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_set_tray_item_tooltip   (AtriumApp   *self,
                                              guint        id,
                                              const char  *tooltip,
                                              GError     **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_set_tray_item_menu      (AtriumApp   *self,
                                              guint        id,
                                              const char  *menu_json,
                                              GError     **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_remove_tray_item        (AtriumApp   *self,
                                              guint        id);

G_END_DECLS

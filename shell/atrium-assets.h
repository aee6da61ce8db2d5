#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define ATRIUM_TYPE_ASSETS (atrium_assets_get_type ())

ATRIUM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AtriumAssets, atrium_assets, ATRIUM, ASSETS, GObject)

ATRIUM_AVAILABLE_IN_ALL
AtriumAssets *atrium_assets_new_for_resource   (const char    *resource_path);
ATRIUM_AVAILABLE_IN_ALL
AtriumAssets *atrium_assets_new_for_directory  (const char    *path,
                                                GError       **error);
ATRIUM_AVAILABLE_IN_ALL
GInputStream *atrium_assets_open               (AtriumAssets  *self,
                                                const char    *uri_path,
                                                goffset       *size,
                                                const char   **content_type,
                                                GError       **error);

G_END_DECLS

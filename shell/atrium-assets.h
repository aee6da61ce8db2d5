#pragma once

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

#define ATRIUM_TYPE_ASSETS (atrium_assets_get_type ())

G_DECLARE_FINAL_TYPE (AtriumAssets, atrium_assets, ATRIUM, ASSETS, GObject)

AtriumAssets *atrium_assets_new_for_resource   (const char    *resource_path);
AtriumAssets *atrium_assets_new_for_directory  (const char    *path,
                                                GError       **error);
GInputStream *atrium_assets_open               (AtriumAssets  *self,
                                                const char    *uri_path,
                                                goffset       *size,
                                                const char   **content_type,
                                                GError       **error);

G_END_DECLS

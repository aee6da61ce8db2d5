#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define ATRIUM_TYPE_MIME_CACHE (atrium_mime_cache_get_type ())

ATRIUM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AtriumMimeCache, atrium_mime_cache, ATRIUM, MIME_CACHE, GObject)

ATRIUM_AVAILABLE_IN_ALL
AtriumMimeCache *atrium_mime_cache_new          (void);
ATRIUM_AVAILABLE_IN_ALL
AtriumMimeCache *atrium_mime_cache_get_default  (void);
ATRIUM_AVAILABLE_IN_ALL
const char      *atrium_mime_cache_lookup       (AtriumMimeCache *self,
                                                 const char      *path);
ATRIUM_AVAILABLE_IN_ALL
void             atrium_mime_cache_set          (AtriumMimeCache *self,
                                                 const char      *extension,
                                                 const char      *mime_type);

G_END_DECLS

#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The limits of a store, in bytes: a key's length; a value's, as JSON; and
 * the whole file's. A value or a store over them is refused as
 * %ATRIUM_ERROR_TOO_LARGE. */
#define ATRIUM_STORE_MAX_KEY_LENGTH 256
#define ATRIUM_STORE_MAX_VALUE_SIZE (1024 * 1024)
#define ATRIUM_STORE_MAX_SIZE (4 * 1024 * 1024)
/* How deeply a value may nest. */
#define ATRIUM_STORE_MAX_DEPTH 64

#define ATRIUM_TYPE_STORE (atrium_store_get_type ())

ATRIUM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AtriumStore, atrium_store, ATRIUM, STORE, GObject)

ATRIUM_AVAILABLE_IN_ALL
const char  *atrium_store_get_path   (AtriumStore  *self);
ATRIUM_AVAILABLE_IN_ALL
JsonNode    *atrium_store_get        (AtriumStore  *self,
                                      const char   *key);
ATRIUM_AVAILABLE_IN_ALL
gboolean     atrium_store_set        (AtriumStore  *self,
                                      const char   *key,
                                      JsonNode     *value,
                                      GError      **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean     atrium_store_delete     (AtriumStore  *self,
                                      const char   *key,
                                      GError      **error);
ATRIUM_AVAILABLE_IN_ALL
char       **atrium_store_dup_keys   (AtriumStore  *self);
ATRIUM_AVAILABLE_IN_ALL
gboolean     atrium_store_clear      (AtriumStore  *self,
                                      GError      **error);

G_END_DECLS

#pragma once

#include "atrium-store.h"

G_BEGIN_DECLS

/* The store's file under the XDG config directory, for an app id. */
char        *_atrium_store_path_for_app  (const char    *app_id);

/* A store over the file at @path, read now (a file that is not a store is
 * kept aside as PATH.corrupt, with a warning, and the store starts empty);
 * "changed" is emitted in @context (NULL: the global default context). */
AtriumStore *_atrium_store_new           (const char    *path,
                                          GMainContext  *context);

/* A store file's bytes, as the store reads them: a table of key → entry
 * (opaque) and the file size those entries make, or %NULL with @error set
 * if the bytes are not a store (not JSON, not an object, a bad key, a value
 * a store would refuse, over the limits). Pure: the fuzz target's way in. */
GHashTable  *_atrium_store_parse         (const char    *text,
                                          gsize          length,
                                          gsize         *size,
                                          GError       **error);

gboolean     _atrium_store_key_is_valid  (const char    *key,
                                          GError       **error);

/* atrium_store_delete(), saying whether @key was there. */
gboolean     _atrium_store_delete_full   (AtriumStore   *self,
                                          const char    *key,
                                          gboolean      *existed,
                                          GError       **error);

/* For tests: the size the file has (or would have) now, in bytes. */
gsize        _atrium_store_get_size      (AtriumStore   *self);

G_END_DECLS

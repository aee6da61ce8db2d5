#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Scheme"
#include "config.h"

#include "atrium-mime-cache.h"

#include <string.h>

/* Extension → MIME type for the app:// handler. Every asset request asks it,
 * possibly from several threads, while writes (an app registering a type of
 * its own) are rare: hence a GRWLock, so readers never wait for each other.
 *
 * Values are interned strings. An interned string lives as long as the
 * process, so lookup() can hand one out after dropping the read lock and the
 * caller may keep it even if set() replaces the entry a moment later. */

/* Extensions longer than this are never looked up: no real type has one, and
 * it bounds the stack buffer lookup() lowercases into. */
#define MAX_EXTENSION 16

struct _AtriumMimeCache
{
  GObject     parent_instance;
  GRWLock     lock;
  GHashTable *types;  /* owned lowercase extension → interned MIME type */
};

G_DEFINE_FINAL_TYPE (AtriumMimeCache, atrium_mime_cache, G_TYPE_OBJECT)

/* The built-in table does not ask shared-mime-info: the types a web frontend
 * ships are few and fixed, and a machine without shared-mime-info (or with an
 * old one that calls .js "application/x-javascript") must serve them the same.
 *
 * Charset rule: every text/ type carries "; charset=utf-8", because without it
 * WebKit falls back to windows-1252 for text/plain, text/csv and friends, and
 * a frontend's sources are UTF-8. Other types never carry one: JSON is UTF-8
 * by definition (RFC 8259) and has no charset parameter, XML and SVG declare
 * their encoding inside the document, and the rest are binary. */
static const struct {
  const char *extension;
  const char *mime_type;
} builtin_types[] = {
  { "html",        "text/html; charset=utf-8" },
  { "htm",         "text/html; charset=utf-8" },
  { "js",          "text/javascript; charset=utf-8" },
  { "mjs",         "text/javascript; charset=utf-8" },
  { "cjs",         "text/javascript; charset=utf-8" },
  { "css",         "text/css; charset=utf-8" },
  { "txt",         "text/plain; charset=utf-8" },
  { "csv",         "text/csv; charset=utf-8" },
  { "md",          "text/markdown; charset=utf-8" },
  { "json",        "application/json" },
  { "map",         "application/json" },
  { "webmanifest", "application/manifest+json" },
  { "xml",         "application/xml" },
  { "svg",         "image/svg+xml" },
  { "png",         "image/png" },
  { "jpg",         "image/jpeg" },
  { "jpeg",        "image/jpeg" },
  { "gif",         "image/gif" },
  { "webp",        "image/webp" },
  { "avif",        "image/avif" },
  { "ico",         "image/vnd.microsoft.icon" },
  { "bmp",         "image/bmp" },
  { "woff",        "font/woff" },
  { "woff2",       "font/woff2" },
  { "ttf",         "font/ttf" },
  { "otf",         "font/otf" },
  { "wasm",        "application/wasm" },
  { "pdf",         "application/pdf" },
  { "zip",         "application/zip" },
  { "mp3",         "audio/mpeg" },
  { "wav",         "audio/wav" },
  { "ogg",         "audio/ogg" },
  { "oga",         "audio/ogg" },
  { "opus",        "audio/ogg" },
  { "flac",        "audio/flac" },
  { "m4a",         "audio/mp4" },
  { "ogv",         "video/ogg" },
  { "mp4",         "video/mp4" },
  { "webm",        "video/webm" },
};

static void
atrium_mime_cache_finalize (GObject *object)
{
  AtriumMimeCache *self = ATRIUM_MIME_CACHE (object);

  g_clear_pointer (&self->types, g_hash_table_unref);
  g_rw_lock_clear (&self->lock);

  G_OBJECT_CLASS (atrium_mime_cache_parent_class)->finalize (object);
}

static void
atrium_mime_cache_class_init (AtriumMimeCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = atrium_mime_cache_finalize;
}

static void
atrium_mime_cache_init (AtriumMimeCache *self)
{
  g_rw_lock_init (&self->lock);
  /* Values are interned, so only the keys are freed. */
  self->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (builtin_types); i++)
    g_hash_table_insert (self->types,
                         g_strdup (builtin_types[i].extension),
                         (gpointer) g_intern_static_string (builtin_types[i].mime_type));
}

/**
 * atrium_mime_cache_new:
 *
 * Creates a cache holding the built-in table. Most code wants
 * atrium_mime_cache_get_default() instead.
 *
 * Returns: (transfer full): a new #AtriumMimeCache
 */
AtriumMimeCache *
atrium_mime_cache_new (void)
{
  return g_object_new (ATRIUM_TYPE_MIME_CACHE, NULL);
}

/**
 * atrium_mime_cache_get_default:
 *
 * Gets the process-wide cache, the one the app:// handler uses. It is created
 * on first use, from any thread, and deliberately never freed: lookups may run
 * on worker threads right up to exit, and there is no point at which every one
 * of them is known to be done.
 *
 * Returns: (transfer none): the default #AtriumMimeCache
 */
AtriumMimeCache *
atrium_mime_cache_get_default (void)
{
  static AtriumMimeCache *default_cache;

  if (g_once_init_enter (&default_cache))
    g_once_init_leave (&default_cache, atrium_mime_cache_new ());

  return default_cache;
}

/**
 * atrium_mime_cache_lookup:
 * @self: an #AtriumMimeCache
 * @path: a file name or path, such as `assets/app.min.JS`
 *
 * Finds the MIME type for the extension of the last component of @path,
 * ignoring case. A name without an extension, or one whose only dot leads it
 * (a dotfile such as `.bashrc`), has no type.
 *
 * Returns: (transfer none) (nullable): an interned MIME type, valid for the
 *   life of the process, or %NULL if the extension is unknown
 */
const char *
atrium_mime_cache_lookup (AtriumMimeCache *self,
                          const char      *path)
{
  char extension[MAX_EXTENSION + 1];
  const char *name;
  const char *dot;
  const char *mime_type;
  gsize length;

  g_return_val_if_fail (ATRIUM_IS_MIME_CACHE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  name = strrchr (path, '/');
  name = name != NULL ? name + 1 : path;

  /* Leading dots make a hidden file, not an extension: ".bashrc" has none,
   * ".eslintrc.json" is JSON. */
  while (*name == '.')
    name++;

  dot = strrchr (name, '.');
  if (dot == NULL)
    return NULL;

  length = strlen (dot + 1);
  if (length == 0 || length > MAX_EXTENSION)
    return NULL;

  for (gsize i = 0; i <= length; i++)
    extension[i] = g_ascii_tolower (dot[1 + i]);

  g_rw_lock_reader_lock (&self->lock);
  mime_type = g_hash_table_lookup (self->types, extension);
  g_rw_lock_reader_unlock (&self->lock);

  return mime_type;
}

/**
 * atrium_mime_cache_set:
 * @self: an #AtriumMimeCache
 * @extension: a file extension, with or without its leading dot, in any case
 * @mime_type: the MIME type to serve it as, stored as given (add
 *   `; charset=utf-8` yourself for a text type)
 *
 * Adds a type for @extension, or replaces the one it had. Safe to call while
 * other threads look types up; strings they already got stay valid.
 *
 * @mime_type is interned, so it is kept for the life of the process even once
 * replaced: this is for the handful of types an app serves, not for values
 * that keep changing.
 */
void
atrium_mime_cache_set (AtriumMimeCache *self,
                       const char      *extension,
                       const char      *mime_type)
{
  char *key;

  g_return_if_fail (ATRIUM_IS_MIME_CACHE (self));
  g_return_if_fail (extension != NULL);
  g_return_if_fail (mime_type != NULL && *mime_type != '\0');

  if (*extension == '.')
    extension++;

  /* lookup() only ever asks for what follows the last dot, at most
   * MAX_EXTENSION bytes: anything else could be stored but never found. */
  g_return_if_fail (*extension != '\0');
  g_return_if_fail (strlen (extension) <= MAX_EXTENSION);
  g_return_if_fail (strchr (extension, '.') == NULL && strchr (extension, '/') == NULL);

  key = g_ascii_strdown (extension, -1);

  g_rw_lock_writer_lock (&self->lock);
  g_hash_table_insert (self->types, key, (gpointer) g_intern_string (mime_type));
  g_rw_lock_writer_unlock (&self->lock);
}

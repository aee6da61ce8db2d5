#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Scheme"
/* O_PATH is a GNU extension, and it has to be asked for before the first
 * system header, which the headers below pull in. */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

#include "config.h"

#include "atrium-assets-private.h"

#include "atrium-mime-cache.h"
#include "atrium-sniffer-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

/* Where app://localhost/ files come from, and the rules that keep a request
 * from reaching anything else.
 *
 * Every request path goes through _atrium_assets_normalize_path() first, so
 * both sources only ever see a relative, decoded, valid UTF-8 path without
 * "..", control characters or backslashes. A directory source then resolves
 * symlinks with realpath(), requires the result to lie inside its root, and
 * opens it by walking down from a descriptor of the root with O_NOFOLLOW on
 * every component: if the tree changes between the two steps (a directory
 * swapped for a symlink), the walk fails instead of following it out.
 *
 * Error messages reach the page (the handler puts them in the response
 * body), so they name the request path and never the directory on disk.
 *
 * What the rules cannot see: a hard link. A hard link in the root to a
 * file elsewhere is that file, under a name inside the root; no path leads
 * out, so it is served like any other. Telling it apart (st_nlink > 1)
 * would also refuse every file a build tool or package manager hard-linked
 * from its own cache, and the link can only be made by someone who may
 * write into the root (and, with the kernel's protected_hardlinks, who
 * owns the target or may read and write it), who could as well copy the
 * file there. So it is documented, not refused: an asset directory should
 * hold no hard links to files that are not meant to be served. */

#ifndef O_PATH
# define O_PATH O_RDONLY
#endif

#define INDEX_NAME "index.html"

/* Longest path quoted in an error message, in characters. */
#define MAX_SHOWN_PATH 80

struct _AtriumAssets
{
  GObject  parent_instance;

  /* Exactly one source is set. None of these change after construction,
   * which is what makes atrium_assets_open() safe from any thread. */
  char    *resource_path;  /* GResource prefix, without trailing slash */
  char    *root;           /* canonical directory, without trailing slash */
  int      root_fd;        /* that directory, held open; -1 for resources */
};

G_DEFINE_FINAL_TYPE (AtriumAssets, atrium_assets, G_TYPE_OBJECT)

/* A GUnixInputStream that can seek, for files from a directory source: a
 * GMemoryInputStream from a GResource can, and a Range request should not
 * have to read through everything before the range to answer it. */

#define ATRIUM_TYPE_FILE_STREAM (atrium_file_stream_get_type ())

G_DECLARE_FINAL_TYPE (AtriumFileStream, atrium_file_stream, ATRIUM, FILE_STREAM, GUnixInputStream)

struct _AtriumFileStream
{
  GUnixInputStream parent_instance;
};

static void atrium_file_stream_seekable_iface_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AtriumFileStream, atrium_file_stream, G_TYPE_UNIX_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE,
                                                      atrium_file_stream_seekable_iface_init))

static goffset
atrium_file_stream_tell (GSeekable *seekable)
{
  int fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (seekable));
  off_t offset = lseek (fd, 0, SEEK_CUR);

  return offset < 0 ? 0 : offset;
}

static gboolean
atrium_file_stream_can_seek (GSeekable *seekable)
{
  return TRUE;
}

static gboolean
atrium_file_stream_seek (GSeekable     *seekable,
                         goffset        offset,
                         GSeekType      type,
                         GCancellable  *cancellable,
                         GError       **error)
{
  GInputStream *stream = G_INPUT_STREAM (seekable);
  int fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (seekable));
  int whence;
  off_t result;
  int errsv;

  switch (type)
    {
    case G_SEEK_CUR: whence = SEEK_CUR; break;
    case G_SEEK_SET: whence = SEEK_SET; break;
    case G_SEEK_END: whence = SEEK_END; break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Invalid seek type");
      return FALSE;
    }

  /* Moving the offset under a read in flight would corrupt it. */
  if (!g_input_stream_set_pending (stream, error))
    return FALSE;

  result = lseek (fd, offset, whence);
  errsv = errno;
  g_input_stream_clear_pending (stream);

  if (result < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot seek: %s", g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

static gboolean
atrium_file_stream_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
atrium_file_stream_truncate (GSeekable     *seekable,
                             goffset        offset,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "Assets are read-only");
  return FALSE;
}

static void
atrium_file_stream_seekable_iface_init (GSeekableIface *iface)
{
  iface->tell = atrium_file_stream_tell;
  iface->can_seek = atrium_file_stream_can_seek;
  iface->seek = atrium_file_stream_seek;
  iface->can_truncate = atrium_file_stream_can_truncate;
  iface->truncate_fn = atrium_file_stream_truncate;
}

static void
atrium_file_stream_class_init (AtriumFileStreamClass *klass)
{
}

static void
atrium_file_stream_init (AtriumFileStream *self)
{
}

static GInputStream *
atrium_file_stream_new (int fd)
{
  return g_object_new (ATRIUM_TYPE_FILE_STREAM, "fd", fd, "close-fd", TRUE, NULL);
}

/* Path handling */

/* Makes @path (of @length bytes, or NUL-terminated if -1) fit for an error
 * message: valid UTF-8, no control characters, not too long. */
static char *
shown_path (const char *path,
            gssize      length)
{
  g_autofree char *valid = g_utf8_make_valid (path, length);
  g_autoptr(GString) shown = g_string_new (NULL);
  guint n_chars = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n_chars++ == MAX_SHOWN_PATH)
        {
          g_string_append (shown, "…");
          break;
        }
      if (c < 0x20 || c == 0x7f)
        g_string_append_c (shown, '?');
      else
        g_string_append_unichar (shown, c);
    }

  return g_string_free (g_steal_pointer (&shown), FALSE);
}

static gboolean
invalid_path (GError     **error,
              const char  *uri_path,
              gsize        length,
              const char  *problem)
{
  g_autofree char *shown = shown_path (uri_path, length);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Bad path “%s”: %s", shown, problem);
  return FALSE;
}

/* Percent-decodes the first @length bytes of @uri_path into @decoded,
 * refusing every byte that has no business in a file name. */
static gboolean
decode_path (const char  *uri_path,
             gsize        length,
             GString     *decoded,
             GError     **error)
{
  for (gsize i = 0; i < length; i++)
    {
      guchar c = uri_path[i];

      if (c == '%')
        {
          /* The string is NUL-terminated, so peeking at i + 1 is safe, and
           * i + 2 only once i + 1 proved to be a hex digit. */
          int high = g_ascii_xdigit_value (uri_path[i + 1]);
          int low = high < 0 ? -1 : g_ascii_xdigit_value (uri_path[i + 2]);

          if (low < 0 || i + 2 >= length)
            return invalid_path (error, uri_path, length, "malformed percent-escape");
          c = (high << 4) | low;
          i += 2;
        }

      if (c == '\0')
        return invalid_path (error, uri_path, length, "NUL byte");
      if (c < 0x20 || c == 0x7f)
        return invalid_path (error, uri_path, length, "control character");
      /* A backslash is a separator to some code and a name byte to other
       * code; no web frontend needs one, so none is let through. */
      if (c == '\\')
        return invalid_path (error, uri_path, length, "backslash");
      if (decoded->len == ATRIUM_ASSETS_MAX_PATH)
        return invalid_path (error, uri_path, length, "too long");

      g_string_append_c (decoded, c);
    }

  if (!g_utf8_validate_len (decoded->str, decoded->len, NULL))
    return invalid_path (error, uri_path, length, "not valid UTF-8");

  return TRUE;
}

/**
 * _atrium_assets_normalize_path:
 * @uri_path: the raw path of an app:// request, still percent-encoded
 * @error: return location for a #GError in %G_IO_ERROR
 *
 * Turns a request path into the relative path of a file under an asset root.
 * Percent-escapes are decoded first, so an encoded "/" separates segments
 * like a plain one and "%2e%2e" is "..".
 *
 * Everything refused fails with %G_IO_ERROR_INVALID_ARGUMENT (HTTP 400): a
 * malformed escape, a NUL byte, a control character (below 0x20, or 0x7f), a
 * backslash, invalid UTF-8, more than %ATRIUM_ASSETS_MAX_PATH decoded bytes,
 * and a ".." segment. ".." is refused rather than resolved because WebKit
 * already resolves dot segments, encoded ones included, before a request is
 * made: one that arrives here was written to probe, and a clear 400 is more
 * honest than quietly serving some other file.
 *
 * "." and empty segments are dropped. A path naming a directory (empty, or
 * ending in "/" or "/.") gets "index.html" appended. A query or fragment is
 * cut off before decoding.
 *
 * Returns: (transfer full) (nullable): a relative path without a leading
 *   "/" and without "..", or %NULL with @error set
 */
char *
_atrium_assets_normalize_path (const char  *uri_path,
                               GError     **error)
{
  g_autoptr(GString) decoded = NULL;
  g_autoptr(GString) normal = NULL;
  gboolean is_directory = FALSE;
  gsize length;
  const char *segment;

  g_return_val_if_fail (uri_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  length = strcspn (uri_path, "?#");
  decoded = g_string_sized_new (MIN (length, ATRIUM_ASSETS_MAX_PATH));
  if (!decode_path (uri_path, length, decoded, error))
    return NULL;

  normal = g_string_sized_new (decoded->len + strlen ("/" INDEX_NAME));
  segment = decoded->str;
  for (;;)
    {
      const char *end = strchrnul (segment, '/');
      gsize segment_length = end - segment;

      /* Decides for the last segment: "", "/", "/a/" and "/a/." are all
       * directories. */
      is_directory = segment_length == 0 || (segment_length == 1 && segment[0] == '.');

      if (segment_length == 2 && segment[0] == '.' && segment[1] == '.')
        {
          invalid_path (error, uri_path, length, "“..” segment");
          return NULL;
        }

      if (!is_directory)
        {
          if (normal->len > 0)
            g_string_append_c (normal, '/');
          g_string_append_len (normal, segment, segment_length);
        }

      if (*end == '\0')
        break;
      segment = end + 1;
    }

  if (is_directory)
    {
      if (normal->len > 0)
        g_string_append_c (normal, '/');
      g_string_append (normal, INDEX_NAME);
    }

  return g_string_free (g_steal_pointer (&normal), FALSE);
}

static gboolean
not_found (GError     **error,
           const char  *relative)
{
  g_autofree char *shown = shown_path (relative, -1);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No asset at “/%s”", shown);
  return FALSE;
}

static gboolean
error_from_errno (GError     **error,
                  int          errsv,
                  const char  *relative)
{
  g_autofree char *shown = NULL;

  switch (errsv)
    {
    /* ELOOP is a symlink loop, or (from the O_NOFOLLOW walk) a component
     * that became a symlink: either way there is no file to serve. */
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
      return not_found (error, relative);
    default:
      break;
    }

  shown = shown_path (relative, -1);
  switch (errsv)
    {
    case EACCES:
    case EPERM:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "Cannot read “/%s”", shown);
      break;
    case ENAMETOOLONG:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Bad path “/%s”: too long", shown);
      break;
    default:
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot open “/%s”: %s", shown, g_strerror (errsv));
      break;
    }
  return FALSE;
}

/* GObject */

static void
atrium_assets_finalize (GObject *object)
{
  AtriumAssets *self = ATRIUM_ASSETS (object);

  g_clear_pointer (&self->resource_path, g_free);
  g_clear_pointer (&self->root, g_free);
  if (self->root_fd >= 0)
    close (self->root_fd);

  G_OBJECT_CLASS (atrium_assets_parent_class)->finalize (object);
}

static void
atrium_assets_class_init (AtriumAssetsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = atrium_assets_finalize;
}

static void
atrium_assets_init (AtriumAssets *self)
{
  self->root_fd = -1;
}

/**
 * atrium_assets_new_for_resource:
 * @resource_path: the GResource path the files are under, such as
 *   `/dev/atrium/Demo/web`
 *
 * Serves the files of the registered resources under @resource_path.
 *
 * Returns: (transfer full): a new #AtriumAssets
 */
AtriumAssets *
atrium_assets_new_for_resource (const char *resource_path)
{
  AtriumAssets *self;
  gsize length;

  g_return_val_if_fail (resource_path != NULL, NULL);
  g_return_val_if_fail (resource_path[0] == '/', NULL);

  length = strlen (resource_path);
  while (length > 0 && resource_path[length - 1] == '/')
    length--;

  self = g_object_new (ATRIUM_TYPE_ASSETS, NULL);
  self->resource_path = g_strndup (resource_path, length);

  return self;
}

/**
 * atrium_assets_new_for_directory:
 * @path: a directory
 * @error: return location for a #GError in %G_IO_ERROR
 *
 * Serves the files under @path. Symlinks are followed as long as where they
 * lead is inside @path; anything outside is refused. A hard link is not a
 * way out and is served: keep none in @path to files not meant for pages.
 *
 * The directory is held open, and files only ever come from it: should it
 * be moved away and another put in its place, requests fail rather than
 * serve the newcomer's files.
 *
 * Returns: (transfer full) (nullable): a new #AtriumAssets, or %NULL with
 *   @error set to %G_IO_ERROR_NOT_FOUND or %G_IO_ERROR_NOT_DIRECTORY (or
 *   another code from the system) when @path is not a usable directory
 */
AtriumAssets *
atrium_assets_new_for_directory (const char  *path,
                                 GError     **error)
{
  g_autofree char *root = NULL;
  AtriumAssets *self;
  int fd;
  int errsv;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = realpath (path, NULL);
  if (root == NULL)
    {
      g_autofree char *shown = NULL;

      errsv = errno;
      shown = g_filename_display_name (path);
      if (errsv == ENOENT)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "Asset directory “%s” does not exist", shown);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                     "Cannot use “%s” as the asset directory: %s", shown, g_strerror (errsv));
      return NULL;
    }

  fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      g_autofree char *shown = NULL;

      errsv = errno;
      shown = g_filename_display_name (path);
      if (errsv == ENOTDIR)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                     "Asset directory “%s” is not a directory", shown);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                     "Cannot use “%s” as the asset directory: %s", shown, g_strerror (errsv));
      return NULL;
    }

  self = g_object_new (ATRIUM_TYPE_ASSETS, NULL);
  /* realpath() gives "/" for the root directory and no trailing slash for
   * anything else; "" keeps the containment check below uniform. */
  self->root = g_str_equal (root, "/") ? g_strdup ("") : g_steal_pointer (&root);
  self->root_fd = fd;

  return self;
}

/* Opening */

/* Opens @inner, a path relative to the root with no symlinks, "." or ".."
 * in it as realpath() returned it, by walking down from the root descriptor
 * without following a single symlink. Sets *@fd to a descriptor for a
 * regular file of *@size bytes, or leaves it at -1 and sets *@is_directory. */
static gboolean
open_beneath (AtriumAssets  *self,
              const char    *inner,
              const char    *relative,
              int           *fd,
              goffset       *size,
              gboolean      *is_directory,
              GError       **error)
{
  g_autofree char *components = g_strdup (inner);
  char *name = components;
  char *slash;
  int dir_fd = self->root_fd;
  struct stat st;
  int errsv;

  *fd = -1;
  *is_directory = FALSE;

  if (*name == '\0')
    {
      *is_directory = TRUE;
      return TRUE;
    }

  while ((slash = strchr (name, '/')) != NULL)
    {
      int next;

      *slash = '\0';
      next = openat (dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      errsv = errno;
      if (dir_fd != self->root_fd)
        close (dir_fd);
      if (next < 0)
        return error_from_errno (error, errsv, relative);
      dir_fd = next;
      name = slash + 1;
    }

  /* Looking before opening keeps open() away from FIFOs (which would block)
   * and device nodes (which may act on being opened). */
  if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      errsv = errno;
      goto out_errno;
    }

  if (S_ISDIR (st.st_mode))
    {
      *is_directory = TRUE;
      goto out;
    }
  if (!S_ISREG (st.st_mode))
    {
      /* A symlink here means the tree changed since realpath(); the rest are
       * not files a page can be sent. */
      not_found (error, relative);
      goto out;
    }

  /* Should the entry be swapped between fstatat() and here, O_NOFOLLOW still
   * refuses a symlink, O_NONBLOCK keeps a FIFO from blocking (it makes no
   * difference to a regular file), and the fstat() below catches the rest. */
  *fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (*fd < 0)
    {
      errsv = errno;
      goto out_errno;
    }
  if (fstat (*fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (*fd);
      *fd = -1;
      not_found (error, relative);
      goto out;
    }
  *size = st.st_size;

out:
  if (dir_fd != self->root_fd)
    close (dir_fd);
  return *fd >= 0 || *is_directory;

out_errno:
  if (dir_fd != self->root_fd)
    close (dir_fd);
  return error_from_errno (error, errsv, relative);
}

/* Returns the part of @real below the root ("" for the root itself), or
 * NULL when @real is outside it. */
static const char *
path_inside_root (AtriumAssets *self,
                  const char   *real)
{
  gsize root_length = strlen (self->root);

  if (strncmp (real, self->root, root_length) != 0)
    return NULL;
  if (real[root_length] == '\0')
    return real + root_length;
  if (real[root_length] == '/')
    return real + root_length + 1;
  return NULL;
}

static GInputStream *
open_from_directory (AtriumAssets  *self,
                     const char    *relative,
                     goffset       *size,
                     char         **served,
                     GError       **error)
{
  g_autofree char *path = g_strdup (relative);

  /* A second round only to serve a directory's index.html. */
  for (guint round = 0; round < 2; round++)
    {
      g_autofree char *full = g_strconcat (self->root, "/", path, NULL);
      g_autofree char *real = NULL;
      const char *inner;
      gboolean is_directory;
      int fd;

      real = realpath (full, NULL);
      if (real == NULL)
        {
          error_from_errno (error, errno, path);
          return NULL;
        }

      inner = path_inside_root (self, real);
      if (inner == NULL)
        {
          g_autofree char *shown = shown_path (path, -1);

          /* Refused rather than reported missing: the developer who put the
           * symlink there should learn why it is not served. The page learns
           * only that the link leads somewhere, never where. */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                       "“/%s” leads outside the asset directory", shown);
          return NULL;
        }

      if (!open_beneath (self, inner, path, &fd, size, &is_directory, error))
        return NULL;

      if (is_directory)
        {
          char *with_index = g_strconcat (path, "/" INDEX_NAME, NULL);

          g_free (path);
          path = with_index;
          continue;
        }

      *served = g_steal_pointer (&path);
      return atrium_file_stream_new (fd);
    }

  /* index.html was itself a directory. */
  not_found (error, path);
  return NULL;
}

static GInputStream *
open_from_resource (AtriumAssets  *self,
                    const char    *relative,
                    goffset       *size,
                    char         **served,
                    GError       **error)
{
  g_autofree char *path = g_strconcat (self->resource_path, "/", relative, NULL);
  g_autofree char *served_path = g_strdup (relative);
  g_autoptr(GError) local_error = NULL;
  GInputStream *stream;
  gsize resource_size;

  if (!g_resources_get_info (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &resource_size, NULL, NULL))
    {
      /* A GResource has no entry for a directory, so a miss may be one:
       * try its index.html. Only misses pay for the second lookup. */
      char *with_index = g_strconcat (path, "/" INDEX_NAME, NULL);

      g_free (path);
      path = with_index;
      if (!g_resources_get_info (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &resource_size, NULL, NULL))
        {
          not_found (error, relative);
          return NULL;
        }

      g_free (served_path);
      served_path = g_strconcat (relative, "/" INDEX_NAME, NULL);
    }

  stream = g_resources_open_stream (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);
  if (stream == NULL)
    {
      g_autofree char *shown = shown_path (relative, -1);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Cannot open “/%s”: %s", shown, local_error->message);
      return NULL;
    }

  /* For a compressed resource this is the uncompressed size, which is what
   * the stream yields. */
  *size = resource_size;
  *served = g_steal_pointer (&served_path);
  return stream;
}

/**
 * atrium_assets_open:
 * @self: an #AtriumAssets
 * @uri_path: the raw path of an app:// request, still percent-encoded, such
 *   as `/css/app.css`
 * @size: (out) (optional): return location for the length in bytes, or -1
 *   when it is not known
 * @content_type: (out) (optional) (transfer none): return location for the
 *   MIME type: from the extension when the MIME cache knows it, otherwise
 *   sniffed from the first bytes (`application/octet-stream` when they say
 *   nothing either)
 * @error: return location for a #GError in %G_IO_ERROR
 *
 * Opens the file @uri_path names, for streaming. A directory is served as
 * its index.html. May be called from any thread.
 *
 * Fails with %G_IO_ERROR_INVALID_ARGUMENT for a path that
 * _atrium_assets_normalize_path() refuses, %G_IO_ERROR_NOT_FOUND when there
 * is no such file, and %G_IO_ERROR_PERMISSION_DENIED when the file cannot be
 * read or a symlink leads out of the asset directory.
 *
 * Returns: (transfer full) (nullable): a stream at the start of the file,
 *   or %NULL with @error set
 */
GInputStream *
atrium_assets_open (AtriumAssets  *self,
                    const char    *uri_path,
                    goffset       *size,
                    const char   **content_type,
                    GError       **error)
{
  g_autofree char *relative = NULL;
  g_autofree char *served = NULL;
  GInputStream *stream;
  goffset stream_size = -1;

  g_return_val_if_fail (ATRIUM_IS_ASSETS (self), NULL);
  g_return_val_if_fail (uri_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  relative = _atrium_assets_normalize_path (uri_path, error);
  if (relative == NULL)
    return NULL;

  if (self->root != NULL)
    stream = open_from_directory (self, relative, &stream_size, &served, error);
  else
    stream = open_from_resource (self, relative, &stream_size, &served, error);
  if (stream == NULL)
    return NULL;

  if (content_type != NULL)
    {
      const char *mime_type = atrium_mime_cache_lookup (atrium_mime_cache_get_default (), served);

      /* No type from the name: the first bytes decide, read through a
       * pooled buffer and given back to the stream by seeking. */
      if (mime_type == NULL)
        {
          mime_type = _atrium_sniffer_sniff_stream (_atrium_sniffer_get_default (), stream,
                                                    NULL, error);
          if (mime_type == NULL)
            {
              g_object_unref (stream);
              return NULL;
            }
        }
      *content_type = mime_type;
    }
  if (size != NULL)
    *size = stream_size;

  return stream;
}

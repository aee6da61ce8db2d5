#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#define _GNU_SOURCE 1
#include "config.h"

#include "atrium-wire-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The wire format between libatrium and its web process extension: see
 * atrium-wire-private.h. Compiled into both, so it uses nothing else of
 * libatrium; errors are G_IO_ERROR, which each side turns into its own. */

static int
memfd_with (gconstpointer   data,
            gsize           size,
            GError        **error)
{
  const char *p = data;
  gsize done = 0;
  int fd, saved;

  fd = memfd_create ("atrium-bytes", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    goto fail;
  /* One write of the whole: no mapping of our own to undo, and the page's
   * bytes are copied once, into the file. */
  while (done < size)
    {
      ssize_t n = write (fd, p + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        goto fail;
      done += n;
    }
  if (fcntl (fd, F_ADD_SEALS, ATRIUM_WIRE_SEALS) < 0)
    goto fail;
  return fd;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
               "Could not make a memfd of %" G_GSIZE_FORMAT " bytes: %s", size,
               g_strerror (saved));
  return -1;
}

/* Built and read child by child rather than through format strings: a
 * call of a few bytes spent more in parsing them than in its own work. */
static GVariant *
part_value (gconstpointer data,
            gsize         size,
            gint32        index,
            guint64       length)
{
  GVariant *children[3];

  children[0] = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, size > 0 ? data : "", size, 1);
  children[1] = g_variant_new_handle (index);
  children[2] = g_variant_new_uint64 (length);
  return g_variant_new_tuple (children, G_N_ELEMENTS (children));
}

/* @inline_bytes and @index of a PART: the caller has checked its type. */
static void
part_fields (GVariant  *part,
             GVariant **inline_bytes,
             gint32    *index,
             guint64   *size)
{
  GVariant *child;

  *inline_bytes = g_variant_get_child_value (part, 0);
  child = g_variant_get_child_value (part, 1);
  *index = g_variant_get_handle (child);
  g_variant_unref (child);
  child = g_variant_get_child_value (part, 2);
  *size = g_variant_get_uint64 (child);
  g_variant_unref (child);
}

/**
 * _atrium_wire_part_new:
 * @fds: where a memfd goes
 *
 * Returns: (transfer floating) (nullable): a PART holding a copy of
 *   @data[0..@size): inline below %ATRIUM_WIRE_INLINE_MAX, otherwise in a
 *   sealed memfd appended to @fds, unless @fds is %NULL or holds
 *   %ATRIUM_WIRE_MAX_FDS already (inline then too); %NULL only when a
 *   memfd cannot be made
 */
GVariant *
_atrium_wire_part_new (gconstpointer   data,
                       gsize           size,
                       GUnixFDList    *fds,
                       GError        **error)
{
  int fd, index;

  if (size < ATRIUM_WIRE_INLINE_MAX || fds == NULL
      || g_unix_fd_list_get_length (fds) >= ATRIUM_WIRE_MAX_FDS)
    return part_value (data, size, -1, size);

  fd = memfd_with (data, size, error);
  if (fd < 0)
    return NULL;
  index = g_unix_fd_list_append (fds, fd, error);
  close (fd);
  if (index < 0)
    return NULL;
  return part_value (NULL, 0, index, size);
}

/**
 * _atrium_wire_part_size:
 * @size: (out): the size the part says it has (not checked yet)
 *
 * Returns: whether @part is a PART at all
 */
gboolean
_atrium_wire_part_size (GVariant *part,
                        guint64  *size)
{
  g_autoptr(GVariant) inline_bytes = NULL;
  gint32 fd;

  if (!g_variant_is_of_type (part, G_VARIANT_TYPE (ATRIUM_WIRE_PART_TYPE)))
    return FALSE;
  part_fields (part, &inline_bytes, &fd, size);
  if (fd < 0)
    *size = g_variant_n_children (inline_bytes);
  return TRUE;
}

typedef struct
{
  gpointer map;
  gsize    size;
} Mapping;

static void
mapping_free (gpointer data)
{
  Mapping *mapping = data;

  munmap (mapping->map, mapping->size);
  g_free (mapping);
}

static GBytes *
bad (GError     **error,
     const char  *message)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, message);
  return NULL;
}

/**
 * _atrium_wire_part_read:
 * @fds: (nullable): the message's file descriptors
 *
 * The bytes of a PART. A memfd is checked before it is mapped: it must be
 * sealed with %ATRIUM_WIRE_SEALS (so the sender can change neither its
 * bytes nor its size any more) and be exactly as long as the part says. Its
 * size is the caller's to check against its limits first
 * (_atrium_wire_part_size()).
 *
 * Returns: (transfer full) (nullable): the bytes, inline ones without a
 *   copy, a memfd's mapped read-only; %NULL with @error set to
 *   %G_IO_ERROR_INVALID_DATA when the part is not what it says
 */
GBytes *
_atrium_wire_part_read (GVariant     *part,
                        GUnixFDList  *fds,
                        GError      **error)
{
  g_autoptr(GVariant) inline_bytes = NULL;
  struct stat st;
  Mapping *mapping;
  guint64 size;
  gint32 index;
  int fd, seals;
  gpointer map;

  if (!g_variant_is_of_type (part, G_VARIANT_TYPE (ATRIUM_WIRE_PART_TYPE)))
    return bad (error, "A part of the message is malformed");
  part_fields (part, &inline_bytes, &index, &size);
  if (index < 0)
    {
      if (size != g_variant_n_children (inline_bytes))
        return bad (error, "A part of the message does not have the size it says");
      return g_variant_get_data_as_bytes (inline_bytes);
    }

  if (g_variant_n_children (inline_bytes) != 0 || fds == NULL
      || index >= g_unix_fd_list_get_length (fds))
    return bad (error, "A part of the message names a file it does not carry");
  if (size > G_MAXSSIZE)
    return bad (error, "A part of the message is too large");

  /* Borrowed: the list keeps it open until the message goes. */
  fd = g_unix_fd_list_peek_fds (fds, NULL)[index];
  seals = fcntl (fd, F_GET_SEALS);
  if (seals < 0 || (seals & ATRIUM_WIRE_SEALS) != ATRIUM_WIRE_SEALS)
    return bad (error, "A part of the message is a file that is not sealed");
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || (guint64) st.st_size != size)
    return bad (error, "A part of the message is a file of another size than it says");
  if (size == 0)
    return g_bytes_new (NULL, 0);

  /* Populated at once: one call instead of a fault per page. */
  map = mmap (NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (map == MAP_FAILED)
    return bad (error, "A part of the message could not be mapped");
  mapping = g_new (Mapping, 1);
  mapping->map = map;
  mapping->size = size;
  return g_bytes_new_with_free_func (map, size, mapping_free, mapping);
}

/**
 * _atrium_wire_origin_of:
 * @origin: (out) (transfer full): scheme://host[:port]
 *
 * Returns: whether @uri has an origin that is not opaque (a scheme and a
 *   host)
 */
gboolean
_atrium_wire_origin_of (const char  *uri,
                        char       **origin)
{
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *lower = NULL;
  const char *host;
  GString *text;
  int port;

  if (uri == NULL)
    return FALSE;
  parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  if (parsed == NULL || (host = g_uri_get_host (parsed)) == NULL || host[0] == '\0')
    return FALSE;
  /* As the page's own window.origin says it: the host in lower case, an
   * IPv6 address in brackets (GUri gives it without), and no port where it
   * is the scheme's own. */
  scheme = g_ascii_strdown (g_uri_get_scheme (parsed), -1);
  lower = g_ascii_strdown (host, -1);
  port = g_uri_get_port (parsed);
  if ((port == 80 && strcmp (scheme, "http") == 0) || (port == 443 && strcmp (scheme, "https") == 0))
    port = -1;
  text = g_string_new (scheme);
  g_string_append (text, "://");
  if (strchr (lower, ':') != NULL)
    g_string_append_printf (text, "[%s]", lower);
  else
    g_string_append (text, lower);
  if (port > 0)
    g_string_append_printf (text, ":%d", port);
  *origin = g_string_free (text, FALSE);
  return TRUE;
}

/**
 * _atrium_wire_close_fds:
 * @fds: (nullable): a message's file descriptors
 *
 * Closes them once the message's parts are read: a mapping outlives its
 * file, and a process that kept every call's files until the call ends
 * could run out of descriptors.
 */
void
_atrium_wire_close_fds (GUnixFDList *fds)
{
  g_autofree int *stolen = NULL;
  int n = 0;

  if (fds == NULL || g_unix_fd_list_get_length (fds) == 0)
    return;
  stolen = g_unix_fd_list_steal_fds (fds, &n);
  for (int i = 0; i < n; i++)
    close (stolen[i]);
}

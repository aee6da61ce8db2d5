#include "config.h"

#include "fuzz-common.h"

#include <string.h>

#include <gio/gio.h>

#include "atrium-sniffer-private.h"

/* Content sniffing over the first bytes of a file: always one of the types
 * it knows, decided by the first ATRIUM_SNIFF_LENGTH bytes alone, and the
 * same when read from a stream, which is left where it was. */

static const char * const known_types[] = {
  "text/plain; charset=utf-8", "application/octet-stream", "text/html; charset=utf-8",
  "image/svg+xml", "application/xml", "application/json", "image/png", "image/jpeg",
  "image/gif", "image/webp", "image/bmp", "image/vnd.microsoft.icon", "image/avif",
  "application/pdf", "font/woff", "font/woff2", "font/otf", "font/ttf", "application/wasm",
  "video/mp4", "audio/mp4", "video/webm", "video/ogg", "audio/ogg", "audio/wav", "audio/flac",
  "audio/mpeg", "application/zip",
};

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  const char *type = _atrium_sniff (data, size);
  gboolean known = FALSE;

  g_assert_nonnull (type);
  for (gsize i = 0; i < G_N_ELEMENTS (known_types); i++)
    known = known || strcmp (type, known_types[i]) == 0;
  if (!known)
    g_error ("Sniffed an unknown type: %s", type);

  /* Bytes past the sniff length change nothing. */
  if (size > ATRIUM_SNIFF_LENGTH)
    g_assert_cmpstr (_atrium_sniff (data, ATRIUM_SNIFF_LENGTH), ==, type);

  /* From a stream, at an offset, through the pooled buffers. */
  {
    g_autoptr(GBytes) bytes = g_bytes_new (data, size);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
    goffset offset = size / 3;
    const char *from_stream;

    g_assert_true (g_seekable_seek (G_SEEKABLE (stream), offset, G_SEEK_SET, NULL, &error));
    g_assert_no_error (error);
    from_stream = _atrium_sniffer_sniff_stream (_atrium_sniffer_get_default (), stream, NULL,
                                                &error);
    g_assert_no_error (error);
    g_assert_cmpstr (from_stream, ==,
                     _atrium_sniff (size > 0 ? data + offset : data, size - offset));
    g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, offset);
  }

  return 0;
}

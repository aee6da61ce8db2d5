#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Scheme"
#include "config.h"

#include "atrium-slice-stream-private.h"

/* A stream of exactly a given number of bytes of another: the body of every
 * app:// answer, whose Content-Length was announced from the file's size
 * before the first byte was read (and of a 206 answer once the base stream
 * has been seeked to the range's start). Reads pass straight through (no
 * copy, no buffer of its own).
 *
 * "Exactly" both ways, because the file may change while it streams (a
 * developer's --dir is rebuilt under a running app): a file that grows
 * yields no byte past the announced length, and one that shrinks fails
 * with G_IO_ERROR_PARTIAL_INPUT where it ends, instead of ending early as
 * if it were whole. WebKit turns that error into a failed load, so fetch()
 * rejects rather than resolve with fewer bytes than the headers said; the
 * loopback media route does the same by closing the connection. */

struct _AtriumSliceStream
{
  GFilterInputStream parent_instance;
  goffset            remaining;
};

G_DEFINE_FINAL_TYPE (AtriumSliceStream, _atrium_slice_stream, G_TYPE_FILTER_INPUT_STREAM)

static gssize
short_body (AtriumSliceStream  *self,
            GError            **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
               "The file ended %" G_GOFFSET_FORMAT " bytes before its announced length",
               self->remaining);
  return -1;
}

static gssize
_atrium_slice_stream_read (GInputStream  *stream,
                           void          *buffer,
                           gsize          count,
                           GCancellable  *cancellable,
                           GError       **error)
{
  AtriumSliceStream *self = ATRIUM_SLICE_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));
  gssize n;

  if (self->remaining <= 0)
    return 0;

  n = g_input_stream_read (base, buffer, MIN ((goffset) count, self->remaining),
                           cancellable, error);
  if (n > 0)
    self->remaining -= n;
  else if (n == 0 && count > 0)
    return short_body (self, error);
  return n;
}

static gssize
_atrium_slice_stream_skip (GInputStream  *stream,
                           gsize          count,
                           GCancellable  *cancellable,
                           GError       **error)
{
  AtriumSliceStream *self = ATRIUM_SLICE_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));
  gssize n;

  if (self->remaining <= 0)
    return 0;

  n = g_input_stream_skip (base, MIN ((goffset) count, self->remaining), cancellable, error);
  if (n > 0)
    self->remaining -= n;
  else if (n == 0 && count > 0)
    return short_body (self, error);
  return n;
}

static void
_atrium_slice_stream_class_init (AtriumSliceStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  stream_class->read_fn = _atrium_slice_stream_read;
  stream_class->skip = _atrium_slice_stream_skip;
}

static void
_atrium_slice_stream_init (AtriumSliceStream *self)
{
}

/**
 * _atrium_slice_stream_new:
 * @base: the stream to read from, at the first byte of the slice
 * @length: how many bytes to yield
 *
 * Returns: (transfer full): a stream of exactly the next @length bytes of
 *   @base, which fails with %G_IO_ERROR_PARTIAL_INPUT should @base end
 *   sooner; closing it closes @base
 */
GInputStream *
_atrium_slice_stream_new (GInputStream *base,
                          goffset       length)
{
  AtriumSliceStream *self;

  g_assert (G_IS_INPUT_STREAM (base));
  g_assert (length >= 0);

  self = g_object_new (ATRIUM_TYPE_SLICE_STREAM, "base-stream", base, NULL);
  self->remaining = length;
  return G_INPUT_STREAM (self);
}

/**
 * _atrium_stream_advance_to:
 * @stream: a stream at its start
 * @offset: where the range begins
 *
 * Seeks @stream to @offset, or, for a stream that cannot seek (a compressed
 * GResource), reads and drops the bytes before it.
 *
 * Returns: %TRUE when @stream is at @offset
 */
gboolean
_atrium_stream_advance_to (GInputStream  *stream,
                           goffset        offset,
                           GError       **error)
{
  g_assert (G_IS_INPUT_STREAM (stream));
  g_assert (offset >= 0);

  if (G_IS_SEEKABLE (stream) && g_seekable_can_seek (G_SEEKABLE (stream)))
    return g_seekable_seek (G_SEEKABLE (stream), offset, G_SEEK_SET, NULL, error);

  while (offset > 0)
    {
      gssize n = g_input_stream_skip (stream, MIN (offset, G_MAXSSIZE), NULL, error);

      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "The file ended before the range");
          return FALSE;
        }
      offset -= n;
    }
  return TRUE;
}

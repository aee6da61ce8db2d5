#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Scheme"
#include "config.h"

#include "atrium-sniffer-private.h"

#include <string.h>

/* Content sniffing for files whose name says nothing (no extension, or one
 * the MIME cache does not know): the first bytes decide.
 *
 * _atrium_sniff() is a pure function over untrusted bytes, for a fuzzer to
 * drive alone. _atrium_sniffer_sniff_stream() reads those bytes from the
 * stream that is about to be served into a pooled buffer, then seeks the
 * stream back to where it was, so the file is still streamed whole and
 * nothing is read twice into memory. After warm-up a sniff allocates
 * nothing: the buffers come from an AtriumPool.
 *
 * Only formats a web frontend ships are recognised; what is neither one of
 * them nor text is application/octet-stream, which a page cannot run. */

#define OCTET_STREAM "application/octet-stream"
#define TEXT_PLAIN   "text/plain; charset=utf-8"

/* Enough free buffers for every thread that serves assets at once; one
 * given back past this many is freed. */
#define MAX_FREE_BUFFERS 16

struct _AtriumSniffer
{
  GObject     parent_instance;
  AtriumPool *buffers;  /* NULL for a sniffer that allocates every time */
};

G_DEFINE_FINAL_TYPE (AtriumSniffer, _atrium_sniffer, G_TYPE_OBJECT)

static gboolean
has_prefix (const guint8 *data,
            gsize         length,
            const char   *magic,
            gsize         magic_length)
{
  return length >= magic_length && memcmp (data, magic, magic_length) == 0;
}

#define HAS(data, length, magic) has_prefix ((data), (length), (magic), sizeof (magic) - 1)

static gboolean
has_at (const guint8 *data,
        gsize         length,
        gsize         offset,
        const char   *magic,
        gsize         magic_length)
{
  return length >= offset + magic_length && memcmp (data + offset, magic, magic_length) == 0;
}

static gboolean
is_tag_end (guint8 c)
{
  return c == ' ' || c == '>' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/';
}

/* Markup that starts an HTML document, as the WHATWG sniffing algorithm
 * lists it; each must be followed by a space, ">" (or "/" for the tags). */
static const char * const html_starts[] = {
  "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font",
  "<table", "<a", "<style", "<title", "<b", "<body", "<br", "<p", "<!--",
};

static gboolean
looks_like_html (const guint8 *p,
                 gsize         length)
{
  for (gsize i = 0; i < G_N_ELEMENTS (html_starts); i++)
    {
      gsize n = strlen (html_starts[i]);

      if (length > n && g_ascii_strncasecmp ((const char *) p, html_starts[i], n) == 0
          && (strcmp (html_starts[i], "<!--") == 0 || is_tag_end (p[n])))
        return TRUE;
    }
  return FALSE;
}

static gboolean
contains (const guint8 *data,
          gsize         length,
          const char   *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= length; i++)
    if (g_ascii_strncasecmp ((const char *) data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* Text is valid UTF-8 without control characters other than the usual white
 * space (and ESC and form feed). A character cut off by the end of the
 * sniffed bytes does not count against it. */
static gboolean
looks_like_text (const guint8 *data,
                 gsize         length)
{
  const char *end = NULL;

  for (gsize i = 0; i < length; i++)
    {
      guint8 c = data[i];

      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b)
          || c == 0x7f)
        return FALSE;
    }

  if (g_utf8_validate_len ((const char *) data, length, &end))
    return TRUE;

  /* At most three bytes of a four-byte character can be missing. */
  return length - (end - (const char *) data) < 4
         && g_utf8_get_char_validated (end, length - (end - (const char *) data)) == (gunichar) -2;
}

/**
 * _atrium_sniff:
 * @data: the first bytes of a file
 * @length: how many there are (at most %ATRIUM_SNIFF_LENGTH are looked at)
 *
 * Recognises PNG, JPEG, GIF, WebP, BMP, ICO, PDF, WOFF, WOFF2, OpenType,
 * WebAssembly, MP4, WebM, Ogg, WAV, FLAC, MP3, ZIP, HTML, SVG, XML, JSON and
 * plain UTF-8 text. An empty file is text.
 *
 * Returns: (transfer none): a static MIME type; `application/octet-stream`
 *   when nothing matched
 */
const char *
_atrium_sniff (const guint8 *data,
               gsize         length)
{
  const guint8 *p;
  gsize rest;

  g_assert (data != NULL || length == 0);

  length = MIN (length, ATRIUM_SNIFF_LENGTH);
  if (length == 0)
    return TEXT_PLAIN;

  /* Binary signatures first: none of them is valid text. An ISO media
   * file's first box may have any size, so it goes before the signatures
   * that start with zero bytes. */
  if (has_at (data, length, 4, "ftyp", 4))
    {
      if (has_at (data, length, 8, "M4A ", 4))
        return "audio/mp4";
      if (has_at (data, length, 8, "avif", 4) || has_at (data, length, 8, "avis", 4))
        return "image/avif";
      return "video/mp4";
    }
  if (HAS (data, length, "\x89PNG\r\n\x1a\n"))
    return "image/png";
  if (HAS (data, length, "\xff\xd8\xff"))
    return "image/jpeg";
  if (HAS (data, length, "GIF87a") || HAS (data, length, "GIF89a"))
    return "image/gif";
  if (HAS (data, length, "RIFF") && has_at (data, length, 8, "WEBPVP", 6))
    return "image/webp";
  if (HAS (data, length, "RIFF") && has_at (data, length, 8, "WAVE", 4))
    return "audio/wav";
  if (HAS (data, length, "BM") && length >= 14 && data[6] == 0 && data[7] == 0)
    return "image/bmp";
  if (HAS (data, length, "\x00\x00\x01\x00") && length >= 6 && data[4] != 0)
    return "image/vnd.microsoft.icon";
  if (HAS (data, length, "%PDF-"))
    return "application/pdf";
  if (HAS (data, length, "wOF2"))
    return "font/woff2";
  if (HAS (data, length, "wOFF"))
    return "font/woff";
  if (HAS (data, length, "OTTO"))
    return "font/otf";
  if (HAS (data, length, "\x00\x01\x00\x00") && length >= 12)
    return "font/ttf";
  if (HAS (data, length, "\x00" "asm"))
    return "application/wasm";
  if (HAS (data, length, "\x1a\x45\xdf\xa3"))
    return "video/webm";
  if (HAS (data, length, "OggS"))
    return contains (data, length, "\x80theora") ? "video/ogg" : "audio/ogg";
  if (HAS (data, length, "fLaC"))
    return "audio/flac";
  if (HAS (data, length, "ID3") || (length >= 2 && data[0] == 0xff && (data[1] & 0xe0) == 0xe0))
    return "audio/mpeg";
  if (HAS (data, length, "PK\x03\x04"))
    return "application/zip";

  if (!looks_like_text (data, length))
    return OCTET_STREAM;

  /* Markup and JSON may follow a byte order mark and white space. */
  p = data;
  rest = length;
  if (HAS (p, rest, "\xef\xbb\xbf"))
    p += 3, rest -= 3;
  while (rest > 0 && g_ascii_isspace (*p))
    p++, rest--;

  if (looks_like_html (p, rest))
    return "text/html; charset=utf-8";
  if (HAS (p, rest, "<svg") && rest > 4 && is_tag_end (p[4]))
    return "image/svg+xml";
  if (HAS (p, rest, "<?xml"))
    return contains (p, rest, "<svg") ? "image/svg+xml" : "application/xml";
  if (rest > 0 && (*p == '{' || *p == '['))
    return "application/json";

  return TEXT_PLAIN;
}

/* Pool */

static gpointer
buffer_new_cb (gpointer user_data)
{
  return g_malloc (ATRIUM_SNIFF_LENGTH);
}

static void
_atrium_sniffer_finalize (GObject *object)
{
  AtriumSniffer *self = ATRIUM_SNIFFER (object);

  g_clear_pointer (&self->buffers, _atrium_pool_free);

  G_OBJECT_CLASS (_atrium_sniffer_parent_class)->finalize (object);
}

static void
_atrium_sniffer_class_init (AtriumSnifferClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = _atrium_sniffer_finalize;
}

static void
_atrium_sniffer_init (AtriumSniffer *self)
{
}

/**
 * _atrium_sniffer_new:
 * @pooled: whether buffers are recycled; %FALSE is the naive baseline the
 *   benchmark compares against
 *
 * Returns: (transfer full): a new sniffer
 */
AtriumSniffer *
_atrium_sniffer_new (gboolean pooled)
{
  AtriumSniffer *self = g_object_new (ATRIUM_TYPE_SNIFFER, NULL);

  if (pooled)
    self->buffers = _atrium_pool_new (MAX_FREE_BUFFERS, buffer_new_cb, NULL, g_free, NULL);

  return self;
}

/**
 * _atrium_sniffer_get_default:
 *
 * The process-wide pooled sniffer the asset sources use; created on first
 * use from any thread and never freed, like the default MIME cache.
 *
 * Returns: (transfer none): the default sniffer
 */
AtriumSniffer *
_atrium_sniffer_get_default (void)
{
  static AtriumSniffer *default_sniffer;

  if (g_once_init_enter (&default_sniffer))
    g_once_init_leave (&default_sniffer, _atrium_sniffer_new (TRUE));

  return default_sniffer;
}

/**
 * _atrium_sniffer_sniff_stream:
 * @stream: a seekable stream, about to be served
 *
 * Reads up to %ATRIUM_SNIFF_LENGTH bytes from @stream, sniffs them and
 * seeks the stream back to where it was. A stream that cannot seek is not
 * read at all and gets `application/octet-stream`.
 *
 * Returns: (transfer none) (nullable): a static MIME type, or %NULL with
 *   @error set when reading or seeking failed
 */
const char *
_atrium_sniffer_sniff_stream (AtriumSniffer  *self,
                              GInputStream   *stream,
                              GCancellable   *cancellable,
                              GError        **error)
{
  GSeekable *seekable;
  const char *mime_type = NULL;
  guint8 *buffer;
  gsize n = 0;
  goffset offset;

  g_assert (ATRIUM_IS_SNIFFER (self));
  g_assert (G_IS_INPUT_STREAM (stream));

  if (!G_IS_SEEKABLE (stream) || !g_seekable_can_seek (G_SEEKABLE (stream)))
    return OCTET_STREAM;
  seekable = G_SEEKABLE (stream);
  offset = g_seekable_tell (seekable);

  buffer = self->buffers != NULL ? _atrium_pool_take (self->buffers)
                                 : g_malloc (ATRIUM_SNIFF_LENGTH);

  if (g_input_stream_read_all (stream, buffer, ATRIUM_SNIFF_LENGTH, &n, cancellable, error)
      && g_seekable_seek (seekable, offset, G_SEEK_SET, cancellable, error))
    mime_type = _atrium_sniff (buffer, n);

  if (self->buffers != NULL)
    _atrium_pool_give (self->buffers, buffer);
  else
    g_free (buffer);

  return mime_type;
}

void
_atrium_sniffer_get_stats (AtriumSniffer   *self,
                           AtriumPoolStats *stats)
{
  g_assert (ATRIUM_IS_SNIFFER (self));

  if (self->buffers != NULL)
    _atrium_pool_get_stats (self->buffers, stats);
  else
    memset (stats, 0, sizeof *stats);
}

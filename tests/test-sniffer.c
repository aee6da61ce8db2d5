#include "config.h"

#include "atrium-sniffer-private.h"
#include "test-util.h"

#include <string.h>

/* Content sniffing: each format by its first bytes, text versus binary, and
 * the pooled stream path (position restored, no allocation after warm-up). */

typedef struct
{
  const char *name;
  const char *bytes;
  gsize       length;   /* 0: strlen (bytes) */
  const char *expected;
} SniffCase;

#define BIN(name, literal, type) { name, literal, sizeof (literal) - 1, type }
#define TXT(name, literal, type) { name, literal, 0, type }

static const SniffCase cases[] = {
  BIN ("png",        "\x89PNG\r\n\x1a\n\0\0\0\rIHDR",                 "image/png"),
  BIN ("jpeg",       "\xff\xd8\xff\xe0\0\x10JFIF\0",                 "image/jpeg"),
  BIN ("gif87",      "GIF87a\x01\0\x01\0",                             "image/gif"),
  BIN ("gif89",      "GIF89a\x01\0\x01\0",                             "image/gif"),
  BIN ("webp",       "RIFF\x24\0\0\0WEBPVP8 ",                         "image/webp"),
  BIN ("bmp",        "BM\x36\0\0\0\0\0\0\0\x36\0\0\0",                 "image/bmp"),
  BIN ("ico",        "\0\0\x01\0\x01\0\x10\x10",                       "image/vnd.microsoft.icon"),
  BIN ("avif",       "\0\0\0\x1c" "ftypavif\0\0\0\0",                  "image/avif"),
  TXT ("pdf",        "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",                  "application/pdf"),
  BIN ("woff2",      "wOF2\0\x01\0\0",                                 "font/woff2"),
  BIN ("woff",       "wOFF\0\x01\0\0",                                 "font/woff"),
  BIN ("otf",        "OTTO\0\x0b\0\x80",                               "font/otf"),
  BIN ("ttf",        "\0\x01\0\0\0\x0f\0\x80\0\x03\0\x70",             "font/ttf"),
  BIN ("wasm",       "\0asm\x01\0\0\0",                                "application/wasm"),
  BIN ("mp4",        "\0\0\0\x20" "ftypisom\0\0\x02\0",                "video/mp4"),
  BIN ("mp4 big box", "\0\0\x01\0" "ftypmp42\0\0\0\0",                 "video/mp4"),
  BIN ("m4a",        "\0\0\0\x20" "ftypM4A \0\0\0\0",                  "audio/mp4"),
  BIN ("webm",       "\x1a\x45\xdf\xa3\x9f\x42\x86\x81",               "video/webm"),
  BIN ("ogg",        "OggS\0\x02\0\0\0\0\0\0\0\0\x01vorbis",          "audio/ogg"),
  BIN ("ogv",        "OggS\0\x02\0\0\0\0\0\0\0\0\x80theora",          "video/ogg"),
  BIN ("wav",        "RIFF\x24\0\0\0WAVEfmt ",                         "audio/wav"),
  BIN ("flac",       "fLaC\0\0\0\x22",                                 "audio/flac"),
  BIN ("mp3 id3",    "ID3\x04\0\0\0\0\0\0",                            "audio/mpeg"),
  BIN ("mp3 frame",  "\xff\xfb\x90\x64\0\0",                           "audio/mpeg"),
  BIN ("zip",        "PK\x03\x04\x14\0\0\0",                           "application/zip"),
  TXT ("html doctype", "<!DOCTYPE html>\n<title>x</title>",            "text/html; charset=utf-8"),
  TXT ("html lower", "<!doctype html><p>hi",                           "text/html; charset=utf-8"),
  TXT ("html tag",   "\n\n  <html lang=en>",                           "text/html; charset=utf-8"),
  TXT ("html bom",   "\xef\xbb\xbf<HTML>",                             "text/html; charset=utf-8"),
  TXT ("html comment", "<!-- built -->\n<div>",                        "text/html; charset=utf-8"),
  TXT ("html script", "<script>alert(1)</script>",                     "text/html; charset=utf-8"),
  TXT ("svg",        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",    "image/svg+xml"),
  TXT ("svg xml",    "<?xml version=\"1.0\"?>\n<svg width=\"1\"/>",    "image/svg+xml"),
  TXT ("xml",        "<?xml version=\"1.0\"?>\n<feed/>",               "application/xml"),
  TXT ("json object", "{\"a\": 1}",                                    "application/json"),
  TXT ("json array", "  [1, 2, 3]\n",                                  "application/json"),
  TXT ("text",       "just some words\n",                              "text/plain; charset=utf-8"),
  TXT ("text utf8",  "caf\xc3\xa9 \xf0\x9f\x98\x80\tok\r\n",           "text/plain; charset=utf-8"),
  TXT ("not a tag",  "<htmlish>",                                      "text/plain; charset=utf-8"),
  TXT ("a-ish",      "<abbr>",                                         "text/plain; charset=utf-8"),
  BIN ("empty",      "",                                               "text/plain; charset=utf-8"),
  BIN ("binary nul", "abc\0def",                                       "application/octet-stream"),
  BIN ("binary ctl", "abc\x01" "def",                                  "application/octet-stream"),
  BIN ("bad utf8",   "caf\xe9 au lait",                                "application/octet-stream"),
  BIN ("random",     "\x13\x37\xc0\xde\xba\xbe",                       "application/octet-stream"),
  BIN ("short riff", "RIFF",                                           "text/plain; charset=utf-8"),
};

static void
test_formats (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const SniffCase *c = &cases[i];
      gsize length = c->length != 0 ? c->length : strlen (c->bytes);

      g_test_message ("%s", c->name);
      g_assert_cmpstr (_atrium_sniff ((const guint8 *) c->bytes, length), ==, c->expected);
    }
}

/* Text cut off mid-character by the sniff window is still text. */
static void
test_truncated_utf8 (void)
{
  guint8 buffer[ATRIUM_SNIFF_LENGTH + 8];

  for (gsize cut = 1; cut <= 3; cut++)
    {
      memset (buffer, 'a', sizeof buffer);
      /* A four-byte character straddling the end of the window. */
      memcpy (buffer + ATRIUM_SNIFF_LENGTH - cut, "\xf0\x9f\x98\x80", 4);
      g_assert_cmpstr (_atrium_sniff (buffer, sizeof buffer), ==, "text/plain; charset=utf-8");
    }

  /* Only a real prefix counts: an invalid byte at the end is binary. */
  memset (buffer, 'a', sizeof buffer);
  buffer[ATRIUM_SNIFF_LENGTH - 1] = 0xff;
  g_assert_cmpstr (_atrium_sniff (buffer, ATRIUM_SNIFF_LENGTH), ==, "application/octet-stream");
}

/* Bytes past the window are never looked at. */
static void
test_window (void)
{
  g_autofree guint8 *buffer = g_malloc (ATRIUM_SNIFF_LENGTH * 2);

  memset (buffer, 'x', ATRIUM_SNIFF_LENGTH * 2);
  buffer[ATRIUM_SNIFF_LENGTH + 10] = 0;
  g_assert_cmpstr (_atrium_sniff (buffer, ATRIUM_SNIFF_LENGTH * 2), ==,
                   "text/plain; charset=utf-8");
}

static void
test_stream (void)
{
  g_autoptr(AtriumSniffer) sniffer = _atrium_sniffer_new (TRUE);
  static const char png[] = "\x89PNG\r\n\x1a\nrest of the file";
  g_autoptr(GInputStream) stream =
    g_memory_input_stream_new_from_data (png, sizeof png - 1, NULL);
  g_autoptr(GError) error = NULL;
  char buffer[64];
  gsize n = 0;

  /* From the middle: the position comes back to where it was. */
  g_assert_true (g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, NULL, &error));
  g_assert_cmpstr (_atrium_sniffer_sniff_stream (sniffer, stream, NULL, &error), ==, "image/png");
  g_assert_no_error (error);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 0);

  g_assert_true (g_input_stream_read_all (stream, buffer, sizeof buffer, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, png, sizeof png - 1);

  g_assert_finalize_object (g_steal_pointer (&sniffer));
}

/* A stream that cannot seek back is not read at all. */
static void
test_unseekable (void)
{
  g_autoptr(AtriumSniffer) sniffer = _atrium_sniffer_new (TRUE);
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_data ("<html>", 6, NULL);
  g_autoptr(GCharsetConverter) identity = g_charset_converter_new ("UTF-8", "UTF-8", NULL);
  g_autoptr(GInputStream) stream = g_converter_input_stream_new (base, G_CONVERTER (identity));
  g_autoptr(GError) error = NULL;
  char buffer[16];
  gsize n = 0;

  g_assert_false (G_IS_SEEKABLE (stream) && g_seekable_can_seek (G_SEEKABLE (stream)));
  g_assert_cmpstr (_atrium_sniffer_sniff_stream (sniffer, stream, NULL, &error), ==,
                   "application/octet-stream");
  g_assert_true (g_input_stream_read_all (stream, buffer, sizeof buffer, &n, NULL, &error));
  g_assert_cmpmem (buffer, n, "<html>", 6);

  g_assert_finalize_object (g_steal_pointer (&sniffer));
}

/* After the first sniff on a thread, the pool hands back the same buffer:
 * no further buffer is ever made. */
static void
test_pool_reuse (void)
{
  g_autoptr(AtriumSniffer) sniffer = _atrium_sniffer_new (TRUE);
  AtriumPoolStats stats;

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(GInputStream) stream =
        g_memory_input_stream_new_from_data ("{\"json\": true}", 14, NULL);

      g_assert_cmpstr (_atrium_sniffer_sniff_stream (sniffer, stream, NULL, NULL), ==,
                       "application/json");
    }

  _atrium_sniffer_get_stats (sniffer, &stats);
  g_assert_cmpuint (stats.takes, ==, 1000);
  g_assert_cmpuint (stats.misses, ==, 1);
  g_assert_cmpuint (stats.n_free, ==, 1);

  g_assert_finalize_object (g_steal_pointer (&sniffer));
}

typedef struct
{
  AtriumSniffer *sniffer;
  guint          rounds;
} ThreadData;

static gpointer
sniff_thread (gpointer data)
{
  ThreadData *td = data;

  for (guint i = 0; i < td->rounds; i++)
    {
      g_autoptr(GInputStream) stream =
        g_memory_input_stream_new_from_data ("GIF89a\x01\0\x01\0", 10, NULL);

      g_assert_cmpstr (_atrium_sniffer_sniff_stream (td->sniffer, stream, NULL, NULL), ==,
                       "image/gif");
    }
  return NULL;
}

static void
test_pool_threads (void)
{
  g_autoptr(AtriumSniffer) sniffer = _atrium_sniffer_new (TRUE);
  ThreadData td = { sniffer, 2000 };
  TestThread *threads[4];
  AtriumPoolStats stats;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = test_thread_new ("sniff", sniff_thread, &td);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    test_thread_join (threads[i], TEST_WAIT_SECONDS, "a thread's 2,000 sniffs");

  /* At most one buffer per thread was ever made. */
  _atrium_sniffer_get_stats (sniffer, &stats);
  g_assert_cmpuint (stats.takes, ==, 8000);
  g_assert_cmpuint (stats.misses, <=, G_N_ELEMENTS (threads));

  g_assert_finalize_object (g_steal_pointer (&sniffer));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/sniffer/formats", test_formats);
  g_test_add_func ("/atrium/sniffer/truncated-utf8", test_truncated_utf8);
  g_test_add_func ("/atrium/sniffer/window", test_window);
  g_test_add_func ("/atrium/sniffer/stream", test_stream);
  g_test_add_func ("/atrium/sniffer/unseekable", test_unseekable);
  g_test_add_func ("/atrium/sniffer/pool-reuse", test_pool_reuse);
  g_test_add_func ("/atrium/sniffer/pool-threads", test_pool_threads);

  return g_test_run ();
}

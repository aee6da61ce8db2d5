#include "config.h"

#include "atrium-assets-private.h"
#include "atrium-media-server-private.h"
#include "atrium-slice-stream-private.h"
#include "test-util.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* A 1 GiB file (sparse: it takes no disk and reads as zeros) streams from
 * the asset source, through a Range slice and over the loopback route with
 * flat memory: the process grows by a small fraction of the file, not by
 * the file. No timing is measured. */

#define BIG_SIZE (G_GINT64_CONSTANT (1) << 30)
#define MAX_GROWTH (16 * 1024 * 1024)

static char *dir;
static AtriumAssets *assets;

static gssize
rss_bytes (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  line = status != NULL ? strstr (status, "VmRSS:") : NULL;
  g_assert_nonnull (line);
  return g_ascii_strtoll (line + 6, NULL, 10) * 1024;
}

static goffset
drain (GInputStream *stream)
{
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  g_autoptr(GError) error = NULL;
  goffset total = 0;
  gssize n;

  while ((n = g_input_stream_read (stream, buffer, 64 * 1024, NULL, &error)) > 0)
    total += n;
  test_fail_if_timed_out (error, TEST_WAIT_SECONDS, "the next bytes of the body");
  g_assert_no_error (error);
  return total;
}

static void
test_assets (void)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *type = NULL;
  goffset size = 0;
  gssize before = rss_bytes ();

  stream = atrium_assets_open (assets, "/big.bin", &size, &type, &error);
  g_assert_no_error (error);
  g_assert_cmpint (size, ==, BIG_SIZE);
  g_assert_cmpint (drain (stream), ==, BIG_SIZE);
  g_test_message ("RSS grew by %" G_GSSIZE_FORMAT " KiB", (rss_bytes () - before) / 1024);
  g_assert_cmpint (rss_bytes () - before, <, MAX_GROWTH);
}

/* No extension: the type is sniffed, and the stream still starts at 0. */
static void
test_sniffed (void)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *type = NULL;
  goffset size = 0;

  stream = atrium_assets_open (assets, "/big", &size, &type, &error);
  g_assert_no_error (error);
  /* Zeros are not text. */
  g_assert_cmpstr (type, ==, "application/octet-stream");
  g_assert_cmpint (drain (stream), ==, BIG_SIZE);
}

static void
test_slice (void)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GInputStream) slice = NULL;
  g_autoptr(GError) error = NULL;
  goffset size = 0;

  stream = atrium_assets_open (assets, "/big.bin", &size, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_seekable_seek (G_SEEKABLE (stream), BIG_SIZE / 2, G_SEEK_SET, NULL, &error));
  slice = _atrium_slice_stream_new (stream, BIG_SIZE / 4);
  g_assert_cmpint (drain (slice), ==, BIG_SIZE / 4);
}

static void
test_loopback (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumMediaServer) server = _atrium_media_server_new (assets, "app://localhost",
                                                                  &error);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree char *request = NULL;
  g_autofree char *head = g_malloc0 (4096);
  GInputStream *in;
  gssize before = rss_bytes ();
  gsize filled = 0;
  goffset body = 0;
  char *end;

  g_assert_no_error (error);
  g_socket_client_set_enable_proxy (client, FALSE);
  /* A read that gets nothing for this long fails instead of blocking for
   * good; 1 GiB takes many reads, each its own deadline. */
  g_socket_client_set_timeout (client, TEST_WAIT_SECONDS);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                _atrium_media_server_get_port (server), NULL,
                                                &error);
  g_assert_no_error (error);

  request = g_strdup_printf ("GET %s/big.bin HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                             "Connection: close\r\n\r\n",
                             _atrium_media_server_get_base (server)
                               + strlen (_atrium_media_server_get_origin (server)),
                             _atrium_media_server_get_port (server));
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  while ((end = strstr (head, "\r\n\r\n")) == NULL)
    {
      gssize n = g_input_stream_read (in, head + filled, 4095 - filled, NULL, &error);

      test_fail_if_timed_out (error, TEST_WAIT_SECONDS, "the media server's response head");
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      filled += n;
    }
  g_assert_true (g_str_has_prefix (head, "HTTP/1.1 200 "));
  g_assert_nonnull (strstr (head, "Content-Length: 1073741824\r\n"));
  body = filled - (end + 4 - head);
  body += drain (in);
  g_assert_cmpint (body, ==, BIG_SIZE);

  g_test_message ("RSS grew by %" G_GSSIZE_FORMAT " KiB", (rss_bytes () - before) / 1024);
  g_assert_cmpint (rss_bytes () - before, <, MAX_GROWTH);
  _atrium_media_server_stop (server);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *big = NULL;
  g_autofree char *noext = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  dir = g_dir_make_tmp ("atrium-streaming-XXXXXX", &error);
  g_assert_no_error (error);
  big = g_build_filename (dir, "big.bin", NULL);
  noext = g_build_filename (dir, "big", NULL);
  for (guint i = 0; i < 2; i++)
    {
      int fd = g_open (i == 0 ? big : noext, O_CREAT | O_WRONLY | O_TRUNC, 0600);

      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (ftruncate (fd, BIG_SIZE), ==, 0);
      close (fd);
    }
  assets = atrium_assets_new_for_directory (dir, &error);
  g_assert_no_error (error);

  g_test_add_func ("/atrium/streaming/assets", test_assets);
  g_test_add_func ("/atrium/streaming/sniffed", test_sniffed);
  g_test_add_func ("/atrium/streaming/slice", test_slice);
  g_test_add_func ("/atrium/streaming/loopback", test_loopback);

  status = g_test_run ();

  g_clear_object (&assets);
  g_unlink (big);
  g_unlink (noext);
  g_rmdir (dir);
  g_free (dir);
  return status;
}

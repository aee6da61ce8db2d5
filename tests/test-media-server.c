#include "config.h"

#include "atrium-error.h"
#include "atrium-media-server-private.h"
#include "test-util.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* The loopback route, spoken to over a raw socket the way WebKit's media
 * player and an attacker would: the token, the Host check, Range, HEAD,
 * keep-alive, malformed requests and every path attack. Nothing here needs
 * a display. */

#define SECRET "TOP SECRET, never to be served\n"
#define TONE_LENGTH 5000

typedef struct
{
  char              *outside;    /* a directory holding the root and a secret */
  char              *root;
  AtriumAssets      *assets;
  AtriumMediaServer *server;
  char              *prefix;     /* "/TOKEN" */
} Fixture;

typedef struct
{
  guint       status;
  GHashTable *headers;  /* lowercase name → value */
  GBytes     *body;
} Response;

static void
response_clear (Response *r)
{
  g_clear_pointer (&r->headers, g_hash_table_unref);
  g_clear_pointer (&r->body, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Response, response_clear)

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tone = g_malloc (TONE_LENGTH);
  g_autofree char *link = NULL;
  g_autofree char *target = NULL;
  const char *base;

  f->outside = g_dir_make_tmp ("atrium-media-XXXXXX", &error);
  g_assert_no_error (error);
  f->root = g_build_filename (f->outside, "root", NULL);
  g_assert_cmpint (g_mkdir (f->root, 0700), ==, 0);

  test_write_file (f->outside, "secret.txt", SECRET, -1);
  test_write_file (f->root, "index.html", "<!DOCTYPE html><title>media</title>\n", -1);
  for (guint i = 0; i < TONE_LENGTH; i++)
    tone[i] = (char) (i * 7);
  memcpy (tone, "RIFF\x24\0\0\0WAVEfmt ", 16);
  test_write_file (f->root, "tone.wav", tone, TONE_LENGTH);
  test_write_file (f->root, "noext", "\x89PNG\r\n\x1a\nxxxx", 12);
  test_write_file (f->root, "empty.txt", "", 0);

  link = g_build_filename (f->root, "leak.txt", NULL);
  target = g_build_filename (f->outside, "secret.txt", NULL);
  g_assert_cmpint (symlink (target, link), ==, 0);

  f->assets = atrium_assets_new_for_directory (f->root, &error);
  g_assert_no_error (error);
  f->server = _atrium_media_server_new (f->assets, "app://localhost", &error);
  g_assert_no_error (error);

  base = _atrium_media_server_get_base (f->server);
  g_assert_true (g_str_has_prefix (base, _atrium_media_server_get_origin (f->server)));
  f->prefix = g_strdup (base + strlen (_atrium_media_server_get_origin (f->server)));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  _atrium_media_server_stop (f->server);
  g_clear_object (&f->server);
  g_clear_object (&f->assets);
  test_remove_tree (f->outside);
  g_free (f->outside);
  g_free (f->root);
  g_free (f->prefix);
}

/* Client */

static GSocketConnection *
connect_to (Fixture *f)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  /* No proxy lookup: it would ask GSettings, and loopback has none. */
  g_socket_client_set_enable_proxy (client, FALSE);
  /* Every read and write fails past the deadline instead of blocking for
   * good on a server that never answers. */
  g_socket_client_set_timeout (client, TEST_WAIT_SECONDS);

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                _atrium_media_server_get_port (f->server),
                                                NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static void
send_text (GSocketConnection *connection,
           const char        *text,
           gsize              length)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             text, length, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* A line of a chunked body, byte by byte. */
static char *
read_line (GInputStream *in)
{
  g_autoptr(GString) line = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char c;

  while (!g_str_has_suffix (line->str, "\r\n"))
    {
      gssize n = g_input_stream_read (in, &c, 1, NULL, &error);

      test_fail_if_timed_out (error, TEST_WAIT_SECONDS, "a line of a chunked body");
      g_assert_no_error (error);
      g_assert_cmpint (n, ==, 1);
      g_string_append_c (line, c);
    }
  g_string_truncate (line, line->len - 2);
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* A chunked body, strictly: hex sizes, CRLF after each chunk, a last
 * chunk of 0 and an empty trailer. */
static void
read_chunked (GInputStream *in,
              Response     *r)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  for (;;)
    {
      g_autofree char *size_line = read_line (in);
      g_autofree char *end = NULL;
      char *after;
      guint64 size = g_ascii_strtoull (size_line, &after, 16);
      gsize n = 0;
      char crlf[2];

      g_assert_true (after != size_line && *after == '\0');
      if (size == 0)
        {
          end = read_line (in);
          g_assert_cmpstr (end, ==, "");
          break;
        }
      g_byte_array_set_size (body, body->len + size);
      g_input_stream_read_all (in, body->data + body->len - size, size, &n, NULL, &error);
      test_fail_if_timed_out (error, TEST_WAIT_SECONDS, "a chunk");
      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, size);
      g_input_stream_read_all (in, crlf, 2, &n, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (crlf, n, "\r\n", 2);
    }
  r->body = g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

/* Reads one response. Its body is Content-Length bytes long (none for
 * HEAD); *@closed tells whether the server then closed the connection. */
static void
read_response (GSocketConnection *connection,
               gboolean           is_head,
               Response          *r)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  g_autoptr(GString) head = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  const char *length_text;
  guint64 length;
  char c;

  /* Byte by byte, so nothing past the head is consumed. */
  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      gssize n = g_input_stream_read (in, &c, 1, NULL, &error);

      test_fail_if_timed_out (error, TEST_WAIT_SECONDS, "the media server's response head");
      g_assert_no_error (error);
      g_assert_cmpint (n, ==, 1);
      g_string_append_c (head, c);
    }

  lines = g_strsplit (head->str, "\r\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "HTTP/1.1 "));
  r->status = atoi (lines[0] + 9);
  r->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      const char *colon = strchr (lines[i], ':');

      g_assert_nonnull (colon);
      g_hash_table_insert (r->headers, g_ascii_strdown (lines[i], colon - lines[i]),
                           g_strdup (colon + 2));
    }

  if (r->status == 204)
    {
      g_assert_null (g_hash_table_lookup (r->headers, "content-length"));
      r->body = g_bytes_new (NULL, 0);
      return;
    }
  if (g_strcmp0 (g_hash_table_lookup (r->headers, "transfer-encoding"), "chunked") == 0)
    {
      read_chunked (in, r);
      return;
    }

  length_text = g_hash_table_lookup (r->headers, "content-length");
  g_assert_nonnull (length_text);
  length = g_ascii_strtoull (length_text, NULL, 10);
  if (is_head)
    length = 0;

  {
    g_autofree char *body = g_malloc (length + 1);
    gsize n = 0;

    g_input_stream_read_all (in, body, length, &n, NULL, &error);
    test_fail_if_timed_out (error, TEST_WAIT_SECONDS, "the media server's response body");
    g_assert_no_error (error);
    g_assert_cmpuint (n, ==, length);
    r->body = g_bytes_new_take (g_steal_pointer (&body), length);
  }
}

static void
request (Fixture    *f,
         const char *text,
         Response   *r)
{
  g_autoptr(GSocketConnection) connection = connect_to (f);

  send_text (connection, text, strlen (text));
  read_response (connection, g_str_has_prefix (text, "HEAD "), r);
}

static void
get (Fixture    *f,
     const char *target,
     const char *extra_headers,
     Response   *r)
{
  g_autofree char *text =
    g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sConnection: close\r\n\r\n",
                     target, _atrium_media_server_get_port (f->server),
                     extra_headers != NULL ? extra_headers : "");

  g_test_message ("GET %s", target);
  request (f, text, r);
}

static const char *
header (Response   *r,
        const char *name)
{
  return g_hash_table_lookup (r->headers, name);
}

static void
assert_no_secret (Response *r)
{
  gsize n;
  const char *data = g_bytes_get_data (r->body, &n);

  g_assert_null (g_strstr_len (data, n, "TOP SECRET"));
}

/* Tests */

static void
test_serves (Fixture       *f,
             gconstpointer  data)
{
  g_auto(Response) r = { 0 };
  g_autofree char *target = g_strconcat (f->prefix, "/tone.wav", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *tone_path = NULL;
  gsize n;

  get (f, target, NULL, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (header (&r, "content-type"), ==, "audio/wav");
  g_assert_cmpstr (header (&r, "content-length"), ==, "5000");
  g_assert_cmpstr (header (&r, "accept-ranges"), ==, "bytes");
  g_assert_cmpstr (header (&r, "x-content-type-options"), ==, "nosniff");
  g_assert_cmpstr (header (&r, "access-control-allow-origin"), ==, "app://localhost");
  g_assert_cmpstr (header (&r, "connection"), ==, "close");

  tone_path = g_build_filename (f->root, "tone.wav", NULL);
  g_file_get_contents (tone_path, &expected, &n, NULL);
  g_assert_cmpmem (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body), expected, n);
}

static void
test_index_and_sniff (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *root = g_strconcat (f->prefix, "/", NULL);
  g_autofree char *noext = g_strconcat (f->prefix, "/noext", NULL);
  g_autofree char *empty = g_strconcat (f->prefix, "/empty.txt", NULL);

  {
    g_auto(Response) r = { 0 };

    get (f, root, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (header (&r, "content-type"), ==, "text/html; charset=utf-8");
  }
  {
    g_auto(Response) r = { 0 };

    get (f, noext, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (header (&r, "content-type"), ==, "image/png");
    g_assert_cmpuint (g_bytes_get_size (r.body), ==, 12);
  }
  {
    g_auto(Response) r = { 0 };

    get (f, empty, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpuint (g_bytes_get_size (r.body), ==, 0);
  }
}

static void
test_head (Fixture       *f,
           gconstpointer  data)
{
  g_auto(Response) r = { 0 };
  g_autoptr(GSocketConnection) connection = connect_to (f);
  g_autofree char *text =
    g_strdup_printf ("HEAD %s/tone.wav HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n"
                     "GET %s/noext HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                     f->prefix, _atrium_media_server_get_port (f->server),
                     f->prefix, _atrium_media_server_get_port (f->server));

  /* HEAD tells the length and sends nothing: the next response on the
   * same connection follows directly. */
  send_text (connection, text, strlen (text));
  read_response (connection, TRUE, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (header (&r, "content-length"), ==, "5000");
  response_clear (&r);

  read_response (connection, FALSE, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpstr (header (&r, "content-type"), ==, "image/png");
}

static void
test_keep_alive (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GSocketConnection) connection = connect_to (f);

  for (guint i = 0; i < 5; i++)
    {
      g_auto(Response) r = { 0 };
      g_autofree char *text =
        g_strdup_printf ("GET %s/tone.wav HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                         "Range: bytes=%u-%u\r\n\r\n",
                         f->prefix, _atrium_media_server_get_port (f->server), i * 100, i * 100 + 9);

      send_text (connection, text, strlen (text));
      read_response (connection, FALSE, &r);
      g_assert_cmpuint (r.status, ==, 206);
      g_assert_cmpuint (g_bytes_get_size (r.body), ==, 10);
      g_assert_cmpstr (header (&r, "connection"), ==, "keep-alive");
    }
}

typedef struct
{
  const char *range;
  guint       status;
  const char *content_range;
  gsize       start;
  gsize       length;
} RangeCase;

static void
test_range (Fixture       *f,
            gconstpointer  data)
{
  static const RangeCase cases[] = {
    { "bytes=0-99",     206, "bytes 0-99/5000",     0,    100 },
    { "bytes=4990-",    206, "bytes 4990-4999/5000", 4990, 10 },
    { "bytes=-16",      206, "bytes 4984-4999/5000", 4984, 16 },
    { "bytes=100-100",  206, "bytes 100-100/5000",  100,  1 },
    { "bytes=10-99999", 206, "bytes 10-4999/5000",  10,   4990 },
    { "bytes=5000-",    416, "bytes */5000",        0,    0 },
    { "bytes=-0",       416, "bytes */5000",        0,    0 },
    { "bytes=0-1,5-6",  200, NULL,                  0,    5000 },
    { "pages=1-2",      200, NULL,                  0,    5000 },
  };
  g_autofree char *target = g_strconcat (f->prefix, "/tone.wav", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *tone_path = NULL;
  gsize n;

  tone_path = g_build_filename (f->root, "tone.wav", NULL);
  g_file_get_contents (tone_path, &expected, &n, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Response) r = { 0 };
      g_autofree char *extra = g_strdup_printf ("Range: %s\r\n", cases[i].range);

      get (f, target, extra, &r);
      g_assert_cmpuint (r.status, ==, cases[i].status);
      g_assert_cmpstr (header (&r, "content-range"), ==, cases[i].content_range);
      g_assert_cmpstr (header (&r, "accept-ranges"), ==, "bytes");
      if (cases[i].status != 416)
        g_assert_cmpmem (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body),
                         expected + cases[i].start, cases[i].length);
    }
}

static void
test_token (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *wrong = g_strdup (f->prefix);
  g_autofree char *no_slash = g_strconcat (f->prefix, "tone.wav", NULL);
  g_autofree char *short_token = g_strndup (f->prefix, strlen (f->prefix) - 1);
  g_autofree char *short_target = g_strconcat (short_token, "/tone.wav", NULL);
  g_autofree char *wrong_target = NULL;
  const char *targets[] = { "/tone.wav", "/", "/index.html", NULL, NULL, NULL, "*" };

  /* The same length, one character off. */
  wrong[1] = wrong[1] == '0' ? '1' : '0';
  wrong_target = g_strconcat (wrong, "/tone.wav", NULL);
  targets[3] = wrong_target;
  targets[4] = no_slash;
  targets[5] = short_target;

  for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_auto(Response) r = { 0 };

      get (f, targets[i], NULL, &r);
      g_assert_cmpuint (r.status, ==, 404);
      /* The page says nothing about what is there. */
      g_assert_null (g_strstr_len (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body),
                                   "tone"));
    }
}

static void
test_host (Fixture       *f,
           gconstpointer  data)
{
  guint port = _atrium_media_server_get_port (f->server);
  g_autofree char *h1 = g_strdup_printf ("GET %s/tone.wav HTTP/1.1\r\nHost: localhost:%u\r\n\r\n",
                                         f->prefix, port);
  g_autofree char *h2 = g_strdup_printf ("GET %s/tone.wav HTTP/1.1\r\nHost: evil.example\r\n\r\n",
                                         f->prefix);
  g_autofree char *h3 = g_strdup_printf ("GET %s/tone.wav HTTP/1.1\r\n\r\n", f->prefix);
  g_autofree char *h4 = g_strdup_printf ("GET %s/tone.wav HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                                         f->prefix);
  g_autofree char *h5 = g_strdup_printf ("GET %s/tone.wav HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                         "Host: evil.example\r\n\r\n", f->prefix, port);
  const char *requests[] = { h1, h2, h3, h4 };

  for (gsize i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_auto(Response) r = { 0 };

      request (f, requests[i], &r);
      g_assert_cmpuint (r.status, ==, 403);
      g_assert_cmpstr (header (&r, "connection"), ==, "close");
    }

  {
    g_auto(Response) r = { 0 };

    /* Two Host headers is a malformed request. */
    request (f, h5, &r);
    g_assert_cmpuint (r.status, ==, 400);
  }
}

static void
test_methods (Fixture       *f,
              gconstpointer  data)
{
  guint port = _atrium_media_server_get_port (f->server);
  g_autofree char *post = g_strdup_printf ("POST %s/tone.wav HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                           "Content-Length: 0\r\nConnection: close\r\n\r\n",
                                           f->prefix, port);
  g_autofree char *body = g_strdup_printf ("GET %s/tone.wav HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                           "Content-Length: 4\r\n\r\nabcd", f->prefix, port);
  g_autofree char *chunked = g_strdup_printf ("GET %s/tone.wav HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                              "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                                              f->prefix, port);

  {
    g_auto(Response) r = { 0 };

    request (f, post, &r);
    g_assert_cmpuint (r.status, ==, 405);
    g_assert_cmpstr (header (&r, "allow"), ==, "GET, HEAD");
  }
  {
    g_auto(Response) r = { 0 };

    request (f, body, &r);
    g_assert_cmpuint (r.status, ==, 400);
  }
  {
    g_auto(Response) r = { 0 };

    request (f, chunked, &r);
    g_assert_cmpuint (r.status, ==, 400);
  }
}

static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  static const char * const requests[] = {
    "GET\r\n\r\n",
    "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
    "GET  / HTTP/1.1\r\n\r\n",
    "GET / HTTP/1.1\r\nNo-Colon\r\n\r\n",
    "GET / HTTP/1.1\r\nName : value\r\n\r\n",
    "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
    "GET / HTTP/1.1\nHost: x\n\n\r\n\r\n",
    "GET /\x01 HTTP/1.1\r\n\r\n",
    "G@T / HTTP/1.1\r\n\r\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_auto(Response) r = { 0 };
      g_autofree char *shown = g_strescape (requests[i], NULL);

      g_test_message ("%s", shown);
      request (f, requests[i], &r);
      g_assert_cmpuint (r.status, ==, 400);
    }
}

static void
test_head_too_large (Fixture       *f,
                     gconstpointer  data)
{
  g_auto(Response) r = { 0 };
  g_autoptr(GSocketConnection) connection = connect_to (f);
  g_autofree char *filler = g_strnfill (ATRIUM_HTTP_MAX_HEAD, 'a');
  g_autofree char *text = g_strdup_printf ("GET /%s HTTP/1.1\r\n\r\n", filler);

  send_text (connection, text, strlen (text));
  read_response (connection, FALSE, &r);
  g_assert_cmpuint (r.status, ==, 431);
}

static void
test_path_attacks (Fixture       *f,
                   gconstpointer  data)
{
  static const struct {
    const char *path;
    guint       status;
  } attacks[] = {
    { "/../secret.txt",              400 },
    { "/%2e%2e/secret.txt",          400 },
    { "/%2E%2E%2Fsecret.txt",        400 },
    { "/.%2e/secret.txt",            400 },
    { "/a/../../secret.txt",         400 },
    { "/..%5csecret.txt",            400 },
    { "/%5c..%5csecret.txt",         400 },
    { "/..\\secret.txt",             400 },
    { "/secret.txt%00.wav",          400 },
    { "/%00",                        400 },
    { "/%ff%fe",                     400 },
    { "/%c0%ae%c0%ae/secret.txt",    400 },
    { "/%252e%252e/secret.txt",      404 },   /* decoded once: a name, "%2e%2e" */
    { "/leak.txt",                   403 },   /* a symlink out of the root */
    { "/secret.txt",                 404 },
    { "//secret.txt",                404 },
    { "/tone.wav/..",                400 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (attacks); i++)
    {
      g_auto(Response) r = { 0 };
      g_autofree char *target = g_strconcat (f->prefix, attacks[i].path, NULL);

      get (f, target, NULL, &r);
      g_assert_cmpuint (r.status, ==, attacks[i].status);
      assert_no_secret (&r);
    }

  /* Overlong: 5000 bytes of path, within the request head limit. */
  {
    g_auto(Response) r = { 0 };
    g_autofree char *filler = g_strnfill (5000, 'a');
    g_autofree char *target = g_strconcat (f->prefix, "/", filler, NULL);

    get (f, target, NULL, &r);
    g_assert_cmpuint (r.status, ==, 400);
  }
}

static void
test_assets_change (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *target = g_strconcat (f->prefix, "/tone.wav", NULL);

  _atrium_media_server_set_assets (f->server, NULL);
  {
    g_auto(Response) r = { 0 };

    get (f, target, NULL, &r);
    g_assert_cmpuint (r.status, ==, 404);
  }
  _atrium_media_server_set_assets (f->server, f->assets);
  {
    g_auto(Response) r = { 0 };

    get (f, target, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
  }
}

static void
test_stop (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port = _atrium_media_server_get_port (f->server);

  g_socket_client_set_enable_proxy (client, FALSE);
  _atrium_media_server_stop (f->server);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

#define BUSY_FILE_LENGTH (8 * 1024 * 1024)

typedef struct
{
  Fixture *f;
  guint    n;
} ConnectionCount;

static gboolean
has_connections (gpointer data)
{
  ConnectionCount *c = data;

  return _atrium_media_server_get_n_connections (c->f->server) == c->n;
}

/* Every connection busy with a request it is being answered (a large file
 * its client does not read): one more is not refused but waits, and is
 * answered once a busy one closes. A media element takes a connection
 * closed under it as a source that failed, for good. */
static void
test_busy_cap (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) busy = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocketConnection) late = NULL;
  g_autofree char *big = g_malloc0 (BUSY_FILE_LENGTH);
  g_autofree char *busy_request = NULL;
  g_autofree char *late_request = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Response) r = { 0 };
  guint16 port = _atrium_media_server_get_port (f->server);

  /* No connection times out while the test is slow. */
  _atrium_media_server_set_timeouts (f->server, 600000, 600000);
  test_write_file (f->root, "big.bin", big, BUSY_FILE_LENGTH);
  busy_request = g_strdup_printf ("GET %s/big.bin HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                                  f->prefix, port);
  for (guint i = 0; i < ATRIUM_MEDIA_MAX_CONNECTIONS; i++)
    {
      GSocketConnection *connection = connect_to (f);

      send_text (connection, busy_request, strlen (busy_request));
      g_ptr_array_add (busy, connection);
    }
  test_poll_for (TEST_WAIT_SECONDS, has_connections,
                 &(ConnectionCount) { f, ATRIUM_MEDIA_MAX_CONNECTIONS },
                 "every busy connection to be accepted");

  late = connect_to (f);
  late_request = g_strdup_printf ("GET %s/tone.wav HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                  "Connection: close\r\n\r\n", f->prefix, port);
  send_text (late, late_request, strlen (late_request));

  /* A busy client goes; the late one takes its place. */
  g_io_stream_close (G_IO_STREAM (busy->pdata[0]), NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_remove_index (busy, 0);
  read_response (late, FALSE, &r);
  g_assert_cmpuint (r.status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (r.body), ==, TONE_LENGTH);
  g_assert_cmpuint (_atrium_media_server_get_n_connections (f->server), <=,
                    ATRIUM_MEDIA_MAX_CONNECTIONS);
}

/* Two servers never share a token. */
static void
test_tokens_differ (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumMediaServer) other = _atrium_media_server_new (f->assets, "app://localhost",
                                                                 &error);

  g_assert_no_error (error);
  g_assert_cmpstr (_atrium_media_server_get_base (other) + strlen ("http://127.0.0.1:") + 6, !=,
                   _atrium_media_server_get_base (f->server) + strlen ("http://127.0.0.1:") + 6);
  g_assert_cmpuint (strlen (f->prefix), ==, 1 + 32);
  _atrium_media_server_stop (other);
}

/* A GResource source streams from memory instead of sendfile(): the same
 * answers. The resource is compiled into this test (test-assets.gresource.xml). */
static void
test_resource (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) resources = atrium_assets_new_for_resource ("/dev/atrium/Test/web");
  g_autoptr(GBytes) expected = g_resources_lookup_data ("/dev/atrium/Test/web/index.html", 0,
                                                        &error);
  Fixture f = { 0 };
  gsize n;
  const char *data;

  g_assert_no_error (error);
  data = g_bytes_get_data (expected, &n);
  f.server = _atrium_media_server_new (resources, "app://localhost", &error);
  g_assert_no_error (error);
  f.prefix = g_strdup (_atrium_media_server_get_base (f.server)
                       + strlen (_atrium_media_server_get_origin (f.server)));

  {
    g_auto(Response) r = { 0 };
    g_autofree char *target = g_strconcat (f.prefix, "/", NULL);

    get (&f, target, NULL, &r);
    g_assert_cmpuint (r.status, ==, 200);
    g_assert_cmpstr (header (&r, "content-type"), ==, "text/html; charset=utf-8");
    g_assert_cmpmem (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body), data, n);
  }
  {
    g_auto(Response) r = { 0 };
    g_autofree char *target = g_strconcat (f.prefix, "/index.html", NULL);

    get (&f, target, "Range: bytes=5-9\r\n", &r);
    g_assert_cmpuint (r.status, ==, 206);
    g_assert_cmpmem (g_bytes_get_data (r.body, NULL), g_bytes_get_size (r.body), data + 5, 5);
  }
  {
    g_auto(Response) r = { 0 };
    g_autofree char *target = g_strconcat (f.prefix, "/%2e%2e/runtime/atrium.js", NULL);

    get (&f, target, NULL, &r);
    g_assert_cmpuint (r.status, ==, 400);
  }

  _atrium_media_server_stop (f.server);
  g_clear_object (&f.server);
  g_free (f.prefix);
}

/* The request head parser alone. */
static void
test_parse (void)
{
  static const struct {
    const char *head;
    gboolean    ok;
    const char *method, *target, *host, *range;
    gboolean    keep_alive, has_body;
  } cases[] = {
    { "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", TRUE, "GET", "/a", "h", NULL, TRUE, FALSE },
    { "GET /a HTTP/1.0\r\n\r\n", TRUE, "GET", "/a", NULL, NULL, FALSE, FALSE },
    { "GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", TRUE, "GET", "/a", NULL, NULL, TRUE,
      FALSE },
    { "HEAD /a?b HTTP/1.1\r\nrange:  bytes=0-1 \r\nConnection: foo, close\r\n\r\n", TRUE, "HEAD",
      "/a?b", NULL, "bytes=0-1", FALSE, FALSE },
    { "GET / HTTP/1.1\r\nContent-Length: 000\r\n\r\n", TRUE, "GET", "/", NULL, NULL, TRUE, FALSE },
    { "GET / HTTP/1.1\r\nContent-Length: 1\r\n\r\n", TRUE, "GET", "/", NULL, NULL, TRUE, TRUE },
    { "GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", TRUE, "GET", "/", NULL, NULL, TRUE,
      TRUE },
    { "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", FALSE },
    { "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", FALSE },
    { "GET / HTTP/1.1\r\nRange: a\r\nRange: b\r\n\r\n", FALSE },
    { "GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n", FALSE },
    { "GET / HTTP/1.1\r\nA: b\r\n\r", FALSE },
    { "GET / HTTP/1.1\r\n\r\n\r\n", FALSE },
    { "GET / HTTP/1.1\r\n:x\r\n\r\n", FALSE },
    { "GET / HTTP/1.1", FALSE },
    { "", FALSE },
    { "GET / HTTP/1.1 \r\n\r\n", FALSE },
    { " GET / HTTP/1.1\r\n\r\n", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *head = g_strdup (cases[i].head);
      g_autofree char *shown = g_strescape (cases[i].head, NULL);
      AtriumHttpRequest request;

      g_test_message ("%s", shown);
      g_assert_cmpint (_atrium_http_parse_request (head, strlen (head), &request), ==,
                       cases[i].ok);
      if (!cases[i].ok)
        continue;
      g_assert_cmpstr (request.method, ==, cases[i].method);
      g_assert_cmpstr (request.target, ==, cases[i].target);
      g_assert_cmpstr (request.host, ==, cases[i].host);
      g_assert_cmpstr (request.range, ==, cases[i].range);
      g_assert_cmpint (request.keep_alive, ==, cases[i].keep_alive);
      g_assert_cmpint (request.has_body, ==, cases[i].has_body);
    }

  /* A NUL inside the head. */
  {
    char head[] = "GET /a\0b HTTP/1.1\r\n\r\n";
    AtriumHttpRequest request;

    g_assert_false (_atrium_http_parse_request (head, sizeof head - 1, &request));
  }
}

/* Streams */

#define APP_ORIGIN "Origin: app://localhost\r\n"

static GInputStream *
pattern_stream (gsize n)
{
  guint8 *data = g_malloc (n + 1);

  for (gsize i = 0; i < n; i++)
    data[i] = i & 255;
  return g_memory_input_stream_new_from_data (data, n, g_free);
}

static gboolean
stream_is_closed (gpointer stream)
{
  return g_input_stream_is_closed (stream);
}

static void
assert_pattern (GBytes *bytes,
                gsize   n)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (size, ==, n);
  for (gsize i = 0; i < n; i++)
    if (data[i] != (i & 255))
      g_error ("byte %" G_GSIZE_FORMAT " is %u", i, data[i]);
}

/* The target of a stream URL the server gave: what follows the origin. */
static const char *
target_of (Fixture    *f,
           const char *url)
{
  g_assert_true (g_str_has_prefix (url, _atrium_media_server_get_base (f->server)));
  return url + strlen (_atrium_media_server_get_origin (f->server));
}

/* A stream is served once, to a GET with the app's Origin, whole, with or
 * without a length; then closed, and its URL is dead. */
static void
test_stream_serves (Fixture       *f,
                    gconstpointer  data)
{
  static const gsize sizes[] = { 0, 1, 65535, 65536, 65537, 300000 };

  for (guint sized = 0; sized < 2; sized++)
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
      {
        g_autoptr(GInputStream) stream = pattern_stream (sizes[i]);
        g_autoptr(GError) error = NULL;
        g_autofree char *url = _atrium_media_server_add_stream (f->server, stream, "x/y; a=b",
                                                                sized ? (goffset) sizes[i] : -1,
                                                                f, &error);
        g_auto(Response) r = { 0 };
        g_auto(Response) again = { 0 };

        g_assert_no_error (error);
        g_assert_nonnull (url);
        get (f, target_of (f, url), APP_ORIGIN, &r);
        g_assert_cmpuint (r.status, ==, 200);
        g_assert_cmpstr (header (&r, "content-type"), ==, "x/y; a=b");
        g_assert_cmpstr (header (&r, "access-control-allow-origin"), ==, "app://localhost");
        g_assert_cmpstr (header (&r, "cache-control"), ==, "no-store");
        if (sized)
          g_assert_null (header (&r, "transfer-encoding"));
        else
          g_assert_null (header (&r, "content-length"));
        assert_pattern (r.body, sizes[i]);
        test_poll_for (TEST_WAIT_SECONDS, stream_is_closed, stream, "the stream to be closed");

        /* Read once: the same URL again finds nothing. */
        get (f, target_of (f, url), APP_ORIGIN, &again);
        g_assert_cmpuint (again.status, ==, 404);
      }
  g_assert_cmpuint (_atrium_media_server_get_n_streams (f->server, NULL), ==, 0);
}

/* As the attacker: a request that is not the runtime's fetch (no Origin,
 * another origin, HEAD, POST) is refused and leaves the stream to the
 * page; a guessed key, a key of the wrong length, another server's token
 * find nothing. */
static void
test_stream_hostile (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GInputStream) stream = pattern_stream (1000);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = _atrium_media_server_add_stream (f->server, stream, "text/plain", 1000,
                                                          f, &error);
  g_autofree char *guessed = NULL;
  g_autofree char *short_key = NULL;
  g_autofree char *head = NULL;
  const char *target;
  static const char *const refused_origins[] = {
    "", "Origin: null\r\n", "Origin: http://127.0.0.1\r\n", "Origin: app://localhost.evil\r\n",
    "Origin: APP://LOCALHOST\r\n",
  };

  g_assert_no_error (error);
  target = target_of (f, url);

  for (guint i = 0; i < G_N_ELEMENTS (refused_origins); i++)
    {
      g_auto(Response) r = { 0 };

      get (f, target, refused_origins[i], &r);
      g_assert_cmpuint (r.status, ==, 403);
    }

  {
    g_auto(Response) r = { 0 };

    head = g_strdup_printf ("HEAD %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n" APP_ORIGIN
                            "Connection: close\r\n\r\n",
                            target, _atrium_media_server_get_port (f->server));
    request (f, head, &r);
    g_assert_cmpuint (r.status, ==, 405);
  }

  /* Two Origin headers are a malformed request. */
  {
    g_auto(Response) r = { 0 };

    get (f, target, APP_ORIGIN APP_ORIGIN, &r);
    g_assert_cmpuint (r.status, ==, 400);
  }

  /* A guess of the right shape, a prefix of the real key, the real key
   * under a wrong token. */
  guessed = g_strdup (target);
  guessed[strlen (guessed) - 1] = guessed[strlen (guessed) - 1] == 'a' ? 'b' : 'a';
  short_key = g_strndup (target, strlen (target) - 1);
  {
    g_auto(Response) r1 = { 0 };
    g_auto(Response) r2 = { 0 };
    g_auto(Response) r3 = { 0 };
    g_autofree char *wrong_token = g_strdup (target);

    wrong_token[1] = wrong_token[1] == 'a' ? 'b' : 'a';
    get (f, guessed, APP_ORIGIN, &r1);
    get (f, short_key, APP_ORIGIN, &r2);
    get (f, wrong_token, APP_ORIGIN, &r3);
    g_assert_cmpuint (r1.status, ==, 404);
    g_assert_cmpuint (r2.status, ==, 404);
    g_assert_cmpuint (r3.status, ==, 404);
  }

  /* None of that took the stream away from the page. */
  g_assert_false (g_input_stream_is_closed (stream));
  {
    g_auto(Response) r = { 0 };

    get (f, target, APP_ORIGIN, &r);
    g_assert_cmpuint (r.status, ==, 200);
    assert_pattern (r.body, 1000);
  }
}

/* Bad content types are refused; one owner has at most
 * ATRIUM_MEDIA_STREAMS_PER_OWNER unread streams, another is not held back;
 * streams nobody reads expire, closed; dropping an owner closes its own. */
static void
test_stream_limits (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) streams = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GInputStream) other = pattern_stream (10);
  g_autoptr(GError) error = NULL;
  static const char *const bad_types[] = { "", "text", "text/plain\r\nX-Evil: 1", "t\xc3\xa9xt/plain" };
  int owner_a, owner_b;
  char *url;

  for (guint i = 0; i < G_N_ELEMENTS (bad_types); i++)
    {
      g_assert_null (_atrium_media_server_add_stream (f->server, other, bad_types[i], 10,
                                                      &owner_a, &error));
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
      g_clear_error (&error);
    }

  for (guint i = 0; i < ATRIUM_MEDIA_STREAMS_PER_OWNER; i++)
    {
      GInputStream *stream = pattern_stream (10);

      g_ptr_array_add (streams, stream);
      url = _atrium_media_server_add_stream (f->server, stream, "text/plain", 10, &owner_a, &error);
      g_assert_no_error (error);
      g_free (url);
    }
  g_assert_null (_atrium_media_server_add_stream (f->server, other, "text/plain", 10, &owner_a,
                                                  &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  g_assert_false (g_input_stream_is_closed (other));

  /* Owner b is not held back by a, and a's drop leaves b's alone. */
  url = _atrium_media_server_add_stream (f->server, other, "text/plain", 10, &owner_b, &error);
  g_assert_no_error (error);
  g_free (url);
  _atrium_media_server_drop_streams (f->server, &owner_a);
  for (guint i = 0; i < streams->len; i++)
    g_assert_true (g_input_stream_is_closed (streams->pdata[i]));
  g_assert_false (g_input_stream_is_closed (other));
  g_assert_cmpuint (_atrium_media_server_get_n_streams (f->server, NULL), ==, 1);

  /* Unread past its lifetime: closed on the server's thread. */
  _atrium_media_server_set_stream_lifetime (f->server, 50);
  {
    g_autoptr(GInputStream) late = pattern_stream (10);

    url = _atrium_media_server_add_stream (f->server, late, "text/plain", 10, &owner_b, &error);
    g_assert_no_error (error);
    g_free (url);
    test_poll_for (TEST_WAIT_SECONDS, stream_is_closed, late, "an unread stream to expire");
  }
}

/* The owner goes while a client reads slowly, with the socket full: the
 * connection is shut and the stream closed at once, not at the idle
 * timeout. */
static void
test_stream_dropped_while_served (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GInputStream) stream = pattern_stream (64 * 1024 * 1024);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = _atrium_media_server_add_stream (f->server, stream, "text/plain", -1,
                                                          f, &error);
  g_autoptr(GSocketConnection) connection = connect_to (f);
  g_autofree char *text = NULL;
  char buffer[1024];
  gsize n = 0;

  g_assert_no_error (error);
  text = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n" APP_ORIGIN "\r\n",
                          target_of (f, url), _atrium_media_server_get_port (f->server));
  send_text (connection, text, strlen (text));
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connection)), buffer,
                           sizeof buffer, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, sizeof buffer);
  g_assert_true (g_str_has_prefix (buffer, "HTTP/1.1 200 "));

  /* The server holds the stream while the client reads nothing more. */
  g_assert_cmpuint (_atrium_media_server_get_n_streams (f->server, f), ==, 1);
  _atrium_media_server_drop_streams (f->server, f);
  test_poll_for (TEST_WAIT_SECONDS, stream_is_closed, stream,
                 "the stream being served to be closed once its owner went");
  g_assert_cmpuint (_atrium_media_server_get_n_streams (f->server, NULL), ==, 0);
}

/* An app's stream whose read connects a handler to the read's cancellable
 * that calls the server (an upload stream waiting for its POST does: it
 * takes the server's lock). The read blocks until it is cancelled. */
G_DECLARE_FINAL_TYPE (LockStream, lock_stream, TEST, LOCK_STREAM, GInputStream)

struct _LockStream
{
  GInputStream       parent_instance;
  AtriumMediaServer *server;
  int                reading;
  int                handled;
};

G_DEFINE_FINAL_TYPE (LockStream, lock_stream, G_TYPE_INPUT_STREAM)

static void
lock_stream_cancelled_cb (GCancellable *cancellable,
                          gpointer      data)
{
  LockStream *self = data;

  _atrium_media_server_get_n_streams (self->server, NULL);
  g_atomic_int_set (&self->handled, 1);
}

static gboolean
is_cancelled (gpointer cancellable)
{
  return g_cancellable_is_cancelled (cancellable);
}

static gssize
lock_stream_read (GInputStream  *stream,
                  void          *buffer,
                  gsize          count,
                  GCancellable  *cancellable,
                  GError       **error)
{
  LockStream *self = TEST_LOCK_STREAM (stream);
  gulong id;

  g_assert_nonnull (cancellable);
  id = g_cancellable_connect (cancellable, G_CALLBACK (lock_stream_cancelled_cb), self, NULL);
  g_atomic_int_set (&self->reading, 1);
  test_poll_for (TEST_WAIT_SECONDS, is_cancelled, cancellable,
                 "the read of a dropped stream to be cancelled");
  g_cancellable_disconnect (cancellable, id);
  g_cancellable_set_error_if_cancelled (cancellable, error);
  return -1;
}

static gboolean
lock_stream_close (GInputStream  *stream,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return TRUE;
}

static void
lock_stream_class_init (LockStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = lock_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = lock_stream_close;
}

static void
lock_stream_init (LockStream *self)
{
}

static gpointer
drop_streams_thread (gpointer data)
{
  Fixture *f = data;

  _atrium_media_server_drop_streams (f->server, f);
  return NULL;
}

/* The owner goes while a worker is in the app's read: the read's
 * cancellable is cancelled off the server's lock, so a handler that calls
 * the server does not deadlock the thread that drops the streams. */
static void
test_stream_dropped_cancels_unlocked (Fixture       *f,
                                      gconstpointer  data)
{
  LockStream *lock = g_object_new (lock_stream_get_type (), NULL);
  g_autoptr(GInputStream) stream = G_INPUT_STREAM (lock);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GSocketConnection) connection = connect_to (f);
  g_autofree char *text = NULL;

  lock->server = f->server;
  url = _atrium_media_server_add_stream (f->server, stream, "text/plain", -1, f, &error);
  g_assert_no_error (error);
  text = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n" APP_ORIGIN "\r\n",
                          target_of (f, url), _atrium_media_server_get_port (f->server));
  send_text (connection, text, strlen (text));
  test_poll_for (TEST_WAIT_SECONDS, test_flag_is_set, &lock->reading,
                 "a worker to read the app's stream");

  test_thread_join (test_thread_new ("drop-streams", drop_streams_thread, f), TEST_WAIT_SECONDS,
                    "the streams to be dropped while a cancel handler calls the server");
  g_assert_cmpint (g_atomic_int_get (&lock->handled), ==, 1);
  test_poll_for (TEST_WAIT_SECONDS, stream_is_closed, stream,
                 "the dropped stream to be closed");
  g_assert_cmpuint (_atrium_media_server_get_n_streams (f->server, NULL), ==, 0);
}

/* Stopping the server closes what waits and what is being served. */
static void
test_stream_stop (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GInputStream) unread = pattern_stream (10);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = _atrium_media_server_add_stream (f->server, unread, "text/plain", 10,
                                                          f, &error);

  g_assert_no_error (error);
  _atrium_media_server_stop (f->server);
  g_clear_object (&f->server);
  g_assert_true (g_input_stream_is_closed (unread));
  f->server = _atrium_media_server_new (f->assets, "app://localhost", &error);
  g_assert_no_error (error);
}

/* Uploads */

#define UPLOAD_KEY "00112233445566778899aabbccddeeff"

/* Sends a stream's POST head (and @body) on a new connection. */
static GSocketConnection *
post_upload (Fixture    *f,
             const char *key,
             const char *extra_headers,
             const char *body)
{
  GSocketConnection *connection = connect_to (f);
  g_autofree char *text =
    g_strdup_printf ("POST %s/__atrium/upload/%s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s\r\n%s",
                     f->prefix, key, _atrium_media_server_get_port (f->server),
                     extra_headers, body);

  send_text (connection, text, strlen (text));
  return connection;
}

static char *
read_all_of (GInputStream *stream,
             GError      **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  char buffer[7];
  gssize n;

  /* Small reads, to cross the bytes that came with the head. */
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, error)) > 0)
    g_string_append_len (out, buffer, n);
  return n < 0 ? NULL : g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
uploads_kept (gpointer server)
{
  return _atrium_media_server_get_n_uploads (server) > 0;
}

static gboolean
two_uploads_kept (gpointer server)
{
  return _atrium_media_server_get_n_uploads (server) == 2;
}

static gboolean
uploads_gone (gpointer server)
{
  return _atrium_media_server_get_n_uploads (server) == 0;
}

/* The POST first or the claim first, C reads exactly the body, and the
 * page then gets 204; the upload is forgotten once the stream closes. */
static void
test_upload_serves (Fixture       *f,
                    gconstpointer  data)
{
  for (guint claim_first = 0; claim_first < 2; claim_first++)
    {
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GInputStream) stream = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *body = NULL;
      g_auto(Response) r = { 0 };

      if (claim_first)
        stream = _atrium_media_server_claim_upload (f->server, UPLOAD_KEY, 20, NULL, &error);
      connection = post_upload (f, UPLOAD_KEY,
                                "Origin: app://localhost\r\nContent-Length: 20\r\n",
                                "0123456789abcdefghij");
      if (!claim_first)
        {
          test_poll_for (TEST_WAIT_SECONDS, uploads_kept,
                         f->server, "the POST to be kept");
          stream = _atrium_media_server_claim_upload (f->server, UPLOAD_KEY, 20, NULL, &error);
        }
      g_assert_no_error (error);
      body = read_all_of (stream, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (body, ==, "0123456789abcdefghij");
      read_response (connection, FALSE, &r);
      g_assert_cmpuint (r.status, ==, 204);
      g_assert_cmpstr (header (&r, "access-control-allow-origin"), ==, "app://localhost");
      g_input_stream_close (stream, NULL, NULL);
      g_assert_cmpuint (_atrium_media_server_get_n_uploads (f->server), ==, 0);
    }
}

/* As the attacker: a POST that is not the runtime's is refused before its
 * body is read (no Origin, another origin, a bad key, no length, over the
 * limit, the wrong token, bytes past its length); a key used twice is
 * spoilt for both, and its claim refused; a claim of another size is
 * refused; a key the call let go is refused when its POST comes. */
static void
test_upload_hostile (Fixture       *f,
                     gconstpointer  data)
{
  static const struct { const char *key, *headers, *body; guint status; } refused[] = {
    { UPLOAD_KEY, "Content-Length: 2\r\n", "ab", 403 },
    { UPLOAD_KEY, "Origin: null\r\nContent-Length: 2\r\n", "ab", 403 },
    { UPLOAD_KEY, "Origin: http://127.0.0.1\r\nContent-Length: 2\r\n", "ab", 403 },
    { "00112233445566778899AABBCCDDEEFF", "Origin: app://localhost\r\nContent-Length: 2\r\n", "ab", 404 },
    { "0011", "Origin: app://localhost\r\nContent-Length: 2\r\n", "ab", 404 },
    { UPLOAD_KEY, "Origin: app://localhost\r\nTransfer-Encoding: chunked\r\n", "2\r\nab\r\n0\r\n\r\n", 411 },
    { UPLOAD_KEY, "Origin: app://localhost\r\nContent-Length: 101\r\n", "ab", 413 },
    { UPLOAD_KEY, "Origin: app://localhost\r\nContent-Length: 1\r\n", "ab", 400 },
  };
  g_autoptr(GError) error = NULL;

  _atrium_media_server_set_max_upload (f->server, 100);
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GSocketConnection) connection = post_upload (f, refused[i].key, refused[i].headers,
                                                             refused[i].body);
      g_auto(Response) r = { 0 };

      g_test_message ("refused POST %" G_GSIZE_FORMAT, i);
      read_response (connection, FALSE, &r);
      g_assert_cmpuint (r.status, ==, refused[i].status);
    }
  g_assert_cmpuint (_atrium_media_server_get_n_uploads (f->server), ==, 0);

  /* The wrong token: a request with a body, refused as malformed. */
  {
    g_autofree char *text =
      g_strdup_printf ("POST /%032d/__atrium/upload/" UPLOAD_KEY " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                       "Origin: app://localhost\r\nContent-Length: 2\r\n\r\nab", 0,
                       _atrium_media_server_get_port (f->server));
    g_auto(Response) r = { 0 };

    request (f, text, &r);
    g_assert_cmpuint (r.status, ==, 400);
  }

  /* A key POSTed twice: the second is refused, the first closed, the claim
   * refused. */
  {
    g_autoptr(GSocketConnection) first = post_upload (f, UPLOAD_KEY,
      "Origin: app://localhost\r\nContent-Length: 2\r\n", "ab");
    g_autoptr(GSocketConnection) second = NULL;
    g_auto(Response) r = { 0 };
    char c;

    test_poll_for (TEST_WAIT_SECONDS, uploads_kept,
                   f->server, "the first POST to be kept");
    second = post_upload (f, UPLOAD_KEY, "Origin: app://localhost\r\nContent-Length: 2\r\n", "ab");
    read_response (second, FALSE, &r);
    g_assert_cmpuint (r.status, ==, 409);
    g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (first)), &c, 1,
                                          NULL, NULL), <=, 0);
    g_assert_null (_atrium_media_server_claim_upload (f->server, UPLOAD_KEY, 2, NULL, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN);
    g_clear_error (&error);
  }

  /* A claim of another size than the POST's. */
  {
    g_autoptr(GSocketConnection) post = post_upload (f, "ffeeddccbbaa99887766554433221100",
      "Origin: app://localhost\r\nContent-Length: 2\r\n", "ab");

    /* Beside the spoilt key, kept until it expires. */
    test_poll_for (TEST_WAIT_SECONDS, two_uploads_kept, f->server, "the POST to be kept");
    g_assert_null (_atrium_media_server_claim_upload (f->server,
                                                      "ffeeddccbbaa99887766554433221100", 3,
                                                      NULL, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN);
    g_clear_error (&error);
  }

  /* Let go before its POST came: the POST is refused. */
  {
    g_autoptr(GSocketConnection) post = NULL;
    g_auto(Response) r = { 0 };

    _atrium_media_server_release_upload (f->server, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    post = post_upload (f, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                        "Origin: app://localhost\r\nContent-Length: 2\r\n", "ab");
    read_response (post, FALSE, &r);
    g_assert_cmpuint (r.status, ==, 409);
  }
}

/* A read waiting for the page stops when the call is cancelled; a claim
 * whose POST never comes, and a POST never claimed, expire. */
static void
test_upload_cancel_expire (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GInputStream) orphan = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  char buffer[16];

  /* Cancelled while a read waits for bytes the page holds back. */
  connection = post_upload (f, UPLOAD_KEY, "Origin: app://localhost\r\nContent-Length: 20\r\n", "abc");
  stream = _atrium_media_server_claim_upload (f->server, UPLOAD_KEY, 20, cancellable, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (stream, buffer, sizeof buffer, NULL, &error), ==, 3);
  g_cancellable_cancel (cancellable);
  g_assert_cmpint (g_input_stream_read (stream, buffer, sizeof buffer, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&stream);
  g_assert_cmpuint (_atrium_media_server_get_n_uploads (f->server), ==, 0);

  _atrium_media_server_set_stream_lifetime (f->server, 50);
  orphan = _atrium_media_server_claim_upload (f->server, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 5, NULL,
                                              &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (orphan, buffer, sizeof buffer, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_object (&orphan);
  g_clear_object (&connection);
  /* Seen kept under a lifetime longer than any wait here (a short one could
   * expire it before a loaded machine let this thread look), then shortened:
   * counted from its arrival, it expires at once. */
  _atrium_media_server_set_stream_lifetime (f->server, 60 * 60 * 1000);
  connection = post_upload (f, "cccccccccccccccccccccccccccccccc",
                            "Origin: app://localhost\r\nContent-Length: 2\r\n", "ab");
  test_poll_for (TEST_WAIT_SECONDS, uploads_kept,
                 f->server, "the unclaimed POST to be kept");
  _atrium_media_server_set_stream_lifetime (f->server, 50);
  test_poll_for (TEST_WAIT_SECONDS, uploads_gone, f->server, "the unclaimed POST to expire");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/atrium/media-server/parse", test_parse);
  g_test_add_func ("/atrium/media-server/resource", test_resource);
#define ADD(name, func) \
  g_test_add ("/atrium/media-server/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("serves", test_serves);
  ADD ("index-and-sniff", test_index_and_sniff);
  ADD ("head", test_head);
  ADD ("keep-alive", test_keep_alive);
  ADD ("range", test_range);
  ADD ("token", test_token);
  ADD ("host", test_host);
  ADD ("methods", test_methods);
  ADD ("malformed", test_malformed);
  ADD ("head-too-large", test_head_too_large);
  ADD ("path-attacks", test_path_attacks);
  ADD ("assets-change", test_assets_change);
  ADD ("stop", test_stop);
  ADD ("busy-cap", test_busy_cap);
  ADD ("tokens-differ", test_tokens_differ);
  ADD ("stream-serves", test_stream_serves);
  ADD ("stream-hostile", test_stream_hostile);
  ADD ("stream-limits", test_stream_limits);
  ADD ("stream-dropped-while-served", test_stream_dropped_while_served);
  ADD ("stream-dropped-cancels-unlocked", test_stream_dropped_cancels_unlocked);
  ADD ("stream-stop", test_stream_stop);
  ADD ("upload-serves", test_upload_serves);
  ADD ("upload-hostile", test_upload_hostile);
  ADD ("upload-cancel-expire", test_upload_cancel_expire);
#undef ADD

  return g_test_run ();
}

/* memmem() and readlink() */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

#include "config.h"

#include "fuzz-common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "atrium-media-server-private.h"

/* The loopback media route's connection handling, without a socket: the
 * input is what a client sends on one connection. It goes in pieces
 * through the server's own AtriumHttpReader (framing, pipelining, the head
 * limit) and every head the reader gives goes through the server's own
 * response decision (parse, method, Host, token, path, Range), against a
 * directory with files and a symlink that leads out to a secret, exactly
 * as a connection's job does. Checked for every answer: it is one
 * well-formed response whose Content-Length frames what follows; nothing
 * is served without the token and the exact Host; a file that opens is
 * inside the root and its range inside the file; an answer that says
 * "Connection: close" ends the connection, so no byte after a refused
 * request (a body, a smuggled request) is ever read as a request; a
 * stream's upload is passed on only with everything checked.
 *
 * "{T}" in the input stands for the server's token and "{H}" for its
 * Host, so that the fuzzer reaches past the token check; the first byte
 * sets the size of the pieces. */

#define PORT 8080
#define SECRET "TOP SECRET"

static char *base;      /* the temporary directory, canonical */
static char *root;      /* base/root */
static char *token;
static AtriumMediaServer *server;

static const char * const tree[] = {
  "root/index.html", "root/tone.wav", "root/empty.txt", "root/sub/a.txt", "root/leak",
  "root/sub", "root", "secret.txt",
};

static void
write_file (const char *relative,
            const char *contents,
            gssize      length)
{
  g_autofree char *path = g_build_filename (base, relative, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, contents, length, &error))
    g_error ("%s", error->message);
}

static void
remove_tree (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      g_autofree char *path = g_build_filename (base, tree[i], NULL);

      remove (path);
    }
  rmdir (base);
  g_clear_object (&server);
  g_clear_pointer (&token, g_free);
  g_clear_pointer (&root, g_free);
  g_clear_pointer (&base, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *made = g_dir_make_tmp ("atrium-fuzz-media-XXXXXX", &error);
  g_autofree char *tone = g_malloc (1000);
  g_autofree char *sub = NULL;
  g_autofree char *link = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  const char *server_base;

  if (made == NULL)
    g_error ("%s", error->message);
  base = realpath (made, NULL);
  root = g_build_filename (base, "root", NULL);
  sub = g_build_filename (root, "sub", NULL);
  if (g_mkdir (root, 0700) < 0 || g_mkdir (sub, 0700) < 0)
    g_error ("mkdir: %s", g_strerror (errno));

  for (guint i = 0; i < 1000; i++)
    tone[i] = (char) (i * 7);
  memcpy (tone, "RIFF\x24\0\0\0WAVEfmt ", 16);
  write_file ("secret.txt", SECRET "\n", -1);
  write_file ("root/index.html", "<!doctype html><p>index", -1);
  write_file ("root/tone.wav", tone, 1000);
  write_file ("root/empty.txt", "", 0);
  write_file ("root/sub/a.txt", "a", -1);
  link = g_build_filename (root, "leak", NULL);
  if (symlink ("../secret.txt", link) < 0)
    g_error ("symlink: %s", g_strerror (errno));
  atexit (remove_tree);

  assets = atrium_assets_new_for_directory (root, &error);
  if (assets == NULL)
    g_error ("%s", error->message);
  server = _atrium_media_server_new_offline (assets, "app://localhost", PORT, &error);
  if (server == NULL)
    g_error ("%s", error->message);
  server_base = _atrium_media_server_get_base (server);
  token = g_strdup (strrchr (server_base, '/') + 1);
  g_assert_cmpuint (strlen (token), ==, 32);
  return 0;
}

/* The input with its placeholders filled in. */
static GByteArray *
expand (const uint8_t *data,
        size_t         size)
{
  GByteArray *out = g_byte_array_sized_new (size);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", PORT);

  for (size_t i = 0; i < size; i++)
    {
      if (i + 3 <= size && memcmp (data + i, "{T}", 3) == 0)
        {
          g_byte_array_append (out, (const guint8 *) token, 32);
          i += 2;
        }
      else if (i + 3 <= size && memcmp (data + i, "{H}", 3) == 0)
        {
          g_byte_array_append (out, (const guint8 *) host, strlen (host));
          i += 2;
        }
      else
        g_byte_array_append (out, data + i, 1);
    }
  return out;
}

static const char *
header_value (const char *head,
              const char *name)
{
  g_autofree char *needle = g_strdup_printf ("\r\n%s: ", name);
  const char *found = strstr (head, needle);

  return found != NULL ? found + strlen (needle) : NULL;
}

/* The file behind @fd is inside the root. */
static void
check_descriptor (int fd)
{
  g_autofree char *proc = g_strdup_printf ("/proc/self/fd/%d", fd);
  char target[4096];
  ssize_t n = readlink (proc, target, sizeof target - 1);

  g_assert_cmpint (n, >, 0);
  target[n] = '\0';
  g_assert_true (g_str_has_prefix (target, root) && target[strlen (root)] == '/');
}

/* Whether a header line of @request is "Host:" (any case) with exactly
 * this server's host as its value, give or take white space: checked
 * apart from the parser, by other means. */
static gboolean
has_exact_host (const char *request)
{
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", PORT);
  g_auto(GStrv) lines = g_strsplit (request, "\r\n", -1);

  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *value;

      if (g_ascii_strncasecmp (lines[i], "host:", 5) != 0)
        continue;
      value = g_strstrip (lines[i] + 5);
      if (strcmp (value, host) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Whether @request has a Transfer-Encoding, or a Content-Length that is
 * not all zeros: by other means than the parser's. */
static gboolean
announces_body (const char *request)
{
  g_auto(GStrv) lines = g_strsplit (request, "\r\n", -1);

  for (guint i = 1; lines[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (lines[i], "transfer-encoding:", 18) == 0)
        return TRUE;
      if (g_ascii_strncasecmp (lines[i], "content-length:", 15) == 0)
        {
          const char *value = g_strstrip (lines[i] + 15);

          if (strspn (value, "0") != strlen (value) || *value == '\0')
            return TRUE;
        }
    }
  return FALSE;
}

static void
check_response (AtriumMediaResponse *response,
                const char          *request,
                gsize                request_length)
{
  const char *out = response->out->str;
  const char *end = strstr (out, "\r\n\r\n");
  g_autofree char *head = NULL;
  const char *value;
  gsize head_length;
  gsize tail;
  goffset content_length;
  guint status;

  /* One response head, its lines ending in CRLF, no stray line ends. */
  g_assert_nonnull (end);
  head_length = end + 4 - out;
  head = g_strndup (out, head_length - 2);
  g_assert_true (g_str_has_prefix (head, "HTTP/1.1 "));
  status = atoi (head + 9);
  g_assert_cmpuint (status, ==, response->status);
  for (const char *p = head; *p != '\0'; p++)
    if (*p == '\r' || *p == '\n')
      g_assert_true (p[0] == '\r' ? p[1] == '\n' : p[-1] == '\r');

  switch (status)
    {
    case 200: case 206: case 400: case 403: case 404: case 405: case 416: case 431: case 500:
      break;
    case 411: case 413:
      /* Only an upload, with the token, is told its length is missing or
       * over the limit; its connection serves nothing after it. */
      g_assert_false (response->keep_alive);
      g_assert_true (g_str_has_prefix (request, "POST /"));
      g_assert_nonnull (memmem (request, request_length, token, strlen (token)));
      break;
    default:
      g_error ("Unexpected status %u", status);
    }

  value = header_value (head, "Content-Length");
  g_assert_nonnull (value);
  content_length = g_ascii_strtoll (value, NULL, 10);
  g_assert_cmpint (content_length, >=, 0);

  value = header_value (head, "Connection");
  g_assert_nonnull (value);
  g_assert_true (g_str_has_prefix (value, response->keep_alive ? "keep-alive\r\n" : "close\r\n"));

  /* A request that announces a body ends the connection, so the body is
   * never read as the next request; so do a head too large and a wrong
   * Host. */
  if (response->keep_alive)
    {
      g_assert_cmpuint (status, !=, 431);
      g_assert_false (announces_body (request));
      g_assert_true (has_exact_host (request));
    }

  /* Served only with the token, for the exact Host. */
  if (status == 200 || status == 206 || status == 416)
    {
      g_autofree char *slash_token = g_strdup_printf ("/%s/", token);
      const char *target = memchr (request, ' ', request_length);

      g_assert_nonnull (target);
      g_assert_true (strncmp (target + 1, slash_token, strlen (slash_token)) == 0);
      g_assert_true (has_exact_host (request));
    }

  /* What follows the head is exactly what Content-Length says. */
  tail = response->out->len - head_length;
  if (response->body != NULL)
    {
      g_autofree char *bytes = NULL;

      g_assert_cmpuint (tail, ==, 0);
      g_assert_cmpint (response->length, ==, content_length);
      g_assert_cmpint (response->length, >, 0);
      g_assert_true (status == 200 || status == 206);

      value = header_value (head, "Content-Range");
      if (status == 206)
        {
          goffset first, last, size;

          g_assert_nonnull (value);
          g_assert_cmpint (sscanf (value, "bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%"
                                   G_GINT64_FORMAT, &first, &last, &size), ==, 3);
          g_assert_cmpint (first, ==, response->start);
          g_assert_cmpint (last - first + 1, ==, response->length);
          g_assert_cmpint (last, <, size);
        }
      else
        g_assert_null (value);

      /* The body is in the root, and there is as much of it as said. */
      bytes = g_malloc (response->length);
      if (response->fd >= 0)
        {
          check_descriptor (response->fd);
          g_assert_cmpint (pread (response->fd, bytes, response->length, response->start), ==,
                           response->length);
        }
      else
        {
          gsize n = 0;

          g_assert_true (g_input_stream_read_all (response->body, bytes, response->length, &n,
                                                  NULL, NULL));
          g_assert_cmpuint (n, ==, response->length);
        }
      g_assert_null (memmem (bytes, response->length, SECRET, strlen (SECRET)));
    }
  else
    {
      /* A status page, whole, or nothing after the head (HEAD). */
      g_assert_true (tail == 0 || (goffset) tail == content_length);
      g_assert_null (memmem (out, response->out->len, SECRET, strlen (SECRET)));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GByteArray) stream = expand (data, size);
  g_autofree AtriumHttpReader *reader = g_new0 (AtriumHttpReader, 1);
  g_autofree char *head = g_malloc (ATRIUM_HTTP_MAX_HEAD);
  AtriumMediaResponse response = { .fd = -1 };
  gsize piece = size > 0 ? 1 + data[0] % 61 : 1;
  gsize offset = 0;
  gboolean open = TRUE;

  while (open && offset < stream->len)
    {
      gsize n = MIN (MIN (piece, stream->len - offset), ATRIUM_HTTP_MAX_HEAD - reader->filled);

      /* A full buffer is always answered before more is read. */
      g_assert_cmpuint (n, >, 0);
      memcpy (reader->data + reader->filled, stream->data + offset, n);
      reader->filled += n;
      offset += n;

      /* As the server's thread does: hand over once a head is whole. */
      if (!_atrium_http_reader_has_head (reader))
        continue;

      /* As a connection's job does: answer until more bytes are needed. */
      while (open)
        {
          g_autofree char *request = NULL;
          gsize length;
          AtriumHttpNext next = _atrium_http_reader_take (reader, head, &length);

          if (next == ATRIUM_HTTP_NEED_MORE)
            break;
          if (next == ATRIUM_HTTP_TOO_LARGE)
            {
              g_assert_cmpuint (reader->filled, ==, ATRIUM_HTTP_MAX_HEAD);
              _atrium_media_server_respond_status (server, 431, "Request head too large",
                                                   &response);
              check_response (&response, "", 0);
            }
          else
            {
              g_assert_cmpuint (length, >=, 4);
              g_assert_cmpuint (length, <=, ATRIUM_HTTP_MAX_HEAD);
              g_assert_true (memcmp (head + length - 4, "\r\n\r\n", 4) == 0);
              /* The head as received: parsing writes into @head. */
              request = g_strndup (head, length);
              _atrium_media_server_respond (server, head, length, &response);
              if (response.upload)
                {
                  /* A stream's POST, passed on unread: only with the token,
                   * the Host, the app's Origin and a length, and the
                   * connection serves nothing after it. */
                  g_assert_null (response.out);
                  g_assert_true (g_str_has_prefix (request, "POST /"));
                  g_assert_nonnull (memmem (request, length, token, strlen (token)));
                  g_assert_nonnull (strstr (request, "app://localhost"));
                  g_assert_cmpuint (strspn (response.upload_key, "0123456789abcdef"), ==, 32);
                  g_assert_cmpint (response.upload_length, >=, 0);
                  g_assert_false (response.keep_alive);
                }
              else
                check_response (&response, request, length);
            }
          open = response.keep_alive;
          _atrium_media_response_clear (&response);
        }
    }

  return 0;
}

/* sendfile() and TCP options */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

#include "config.h"

#include "atrium-media-server-private.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sendfile.h>

#include <gio/gunixinputstream.h>

#include "atrium-range-private.h"
#include "atrium-scheme-private.h"
#include "atrium-slice-stream-private.h"

/* The loopback route: a small HTTP/1.1 server on 127.0.0.1 that serves the
 * app's asset source to the parts of WebKitGTK that cannot read a custom
 * scheme, above all the GStreamer media player (an <audio> or <video> with
 * an app:// source fails with MEDIA_ERR_SRC_NOT_SUPPORTED), and to large
 * downloads, which a custom scheme delivers in 8 KiB chunks over IPC.
 *
 * What keeps it private to the app:
 * - it listens on 127.0.0.1 only, on a port the kernel picks;
 * - every URL starts with a 128-bit token from the kernel's CSPRNG, made
 *   anew for each server; a request without it gets 404 and learns nothing;
 * - the Host header must be exactly 127.0.0.1:PORT, so a web page that
 *   rebinds some DNS name to 127.0.0.1 cannot reach it through its own name;
 * - files come from the same AtriumAssets as app:// does, through the same
 *   path normalisation and the same O_NOFOLLOW walk: nothing outside the
 *   asset root is reachable here either;
 * - GET and HEAD only, no request bodies, bounded request heads.
 *
 * Connections are accepted on a thread of the server's own, so that serving
 * never waits for the app's main loop (nor the main loop for serving), and
 * each connection is served on a pool thread (GThreadedSocketService) with
 * blocking I/O; file bodies go out with sendfile(), so a large file is never
 * in memory and never copied through user space. */

#define TOKEN_BYTES 16
#define MAX_THREADS 32
/* A connection with nothing to do for this long is closed; the media player
 * reopens one with a Range when it wants more. */
#define IDLE_TIMEOUT_SECONDS 60
#define COPY_BUFFER_SIZE (64 * 1024)

/* Request heads */

static gboolean
is_tchar (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static char *
trim_ows (char *start,
          char *end)
{
  while (start < end && (*start == ' ' || *start == '\t'))
    start++;
  while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  *end = '\0';
  return start;
}

static gboolean
has_token (const char *list,
           const char *token)
{
  gsize n = strlen (token);

  for (const char *p = list; *p != '\0';)
    {
      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      if (g_ascii_strncasecmp (p, token, n) == 0
          && (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
        return TRUE;
      while (*p != '\0' && *p != ',')
        p++;
    }
  return FALSE;
}

/**
 * _atrium_http_parse_request:
 * @head: the request line and headers, ending in the empty line, modified
 *   in place (the strings in @request point into it)
 * @length: its length in bytes, at most %ATRIUM_HTTP_MAX_HEAD
 * @request: (out caller-allocates): what the head says
 *
 * Parses an HTTP/1.0 or 1.1 request head strictly: lines end in CRLF; the
 * method is a token, the target visible ASCII; header names are tokens
 * followed directly by ":", values have no control characters; no line
 * folding, no NUL, no second Host, Range or Content-Length. A pure
 * function over untrusted bytes, for a fuzzer to drive alone.
 *
 * Returns: %TRUE when @head is a well-formed request head
 */
gboolean
_atrium_http_parse_request (char              *head,
                            gsize              length,
                            AtriumHttpRequest *request)
{
  char *end = head + length;
  char *line = head;
  char *eol;
  char *p;
  gboolean seen_length = FALSE;
  gboolean close = FALSE;
  gboolean keep_alive = FALSE;

  g_assert (head != NULL && request != NULL);

  memset (request, 0, sizeof *request);
  if (length < 4 || length > ATRIUM_HTTP_MAX_HEAD || memcmp (end - 4, "\r\n\r\n", 4) != 0)
    return FALSE;
  if (memchr (head, '\0', length) != NULL)
    return FALSE;

  /* Request line: METHOD SP TARGET SP HTTP/1.x */
  eol = memchr (line, '\r', end - line);
  if (eol == NULL || eol[1] != '\n')
    return FALSE;
  *eol = '\0';

  request->method = p = line;
  while (is_tchar (*p))
    p++;
  if (p == line || *p != ' ')
    return FALSE;
  *p++ = '\0';

  request->target = p;
  while (*p > 0x20 && *p < 0x7f)
    p++;
  if (p == request->target || *p != ' ')
    return FALSE;
  *p++ = '\0';

  if (strcmp (p, "HTTP/1.1") == 0)
    request->version = 1;
  else if (strcmp (p, "HTTP/1.0") == 0)
    request->version = 0;
  else
    return FALSE;

  /* Header fields, up to the empty line. */
  for (line = eol + 2; line < end - 2; line = eol + 2)
    {
      char *colon;
      char *name;
      char *value;

      eol = memchr (line, '\r', end - line);
      if (eol == NULL || eol[1] != '\n' || eol == line)
        return FALSE;
      *eol = '\0';

      name = line;
      for (colon = line; is_tchar (*colon); colon++)
        ;
      /* No name, white space before the colon, or an obsolete folded line. */
      if (colon == name || *colon != ':')
        return FALSE;
      *colon = '\0';

      for (p = colon + 1; p < eol; p++)
        if ((guchar) *p < 0x20 ? *p != '\t' : *p == 0x7f)
          return FALSE;
      value = trim_ows (colon + 1, eol);

      if (g_ascii_strcasecmp (name, "Host") == 0)
        {
          if (request->host != NULL)
            return FALSE;
          request->host = value;
        }
      else if (g_ascii_strcasecmp (name, "Range") == 0)
        {
          if (request->range != NULL)
            return FALSE;
          request->range = value;
        }
      else if (g_ascii_strcasecmp (name, "Content-Length") == 0)
        {
          if (seen_length || *value == '\0')
            return FALSE;
          seen_length = TRUE;
          for (p = value; *p != '\0'; p++)
            if (!g_ascii_isdigit (*p))
              return FALSE;
          if (strspn (value, "0") != strlen (value))
            request->has_body = TRUE;
        }
      else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
        {
          request->has_body = TRUE;
        }
      else if (g_ascii_strcasecmp (name, "Connection") == 0)
        {
          close = close || has_token (value, "close");
          keep_alive = keep_alive || has_token (value, "keep-alive");
        }
    }

  request->keep_alive = !close && (request->version == 1 || keep_alive);
  return TRUE;
}

/* The server */

struct _AtriumMediaServer
{
  GObject                 parent_instance;

  GSocketService         *service;
  GThread                *thread;       /* accepts connections */
  GMainContext           *context;      /* that thread's */
  GMainLoop              *loop;
  GCond                   ready_cond;   /* listening (or failed); a connection ended */
  gboolean                ready;        /* under lock */
  GError                 *error;        /* from listening, under lock */
  GMutex                  lock;
  AtriumAssets           *assets;       /* under lock */
  GHashTable             *connections;  /* GSocket → itself, under lock */
  gboolean                stopped;      /* under lock */

  char                    token[TOKEN_BYTES * 2 + 1];
  char                   *host;         /* "127.0.0.1:PORT" */
  char                   *origin;       /* "http://127.0.0.1:PORT" */
  char                   *base;         /* origin + "/" + token */
  char                   *allowed_origin;
  guint16                 port;
};

G_DEFINE_FINAL_TYPE (AtriumMediaServer, _atrium_media_server, G_TYPE_OBJECT)

static gboolean
make_token (char    out[TOKEN_BYTES * 2 + 1],
            GError **error)
{
  guint8 bytes[TOKEN_BYTES];
  gsize filled = 0;

  while (filled < sizeof bytes)
    {
      gssize n = getrandom (bytes + filled, sizeof bytes - filled, 0);

      if (n < 0 && errno != EINTR)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "getrandom() failed: %s", g_strerror (errsv));
          return FALSE;
        }
      if (n > 0)
        filled += n;
    }

  for (gsize i = 0; i < sizeof bytes; i++)
    {
      out[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
      out[2 * i + 1] = "0123456789abcdef"[bytes[i] & 0xf];
    }
  out[TOKEN_BYTES * 2] = '\0';
  return TRUE;
}

/* Compares in time that does not depend on where the first difference is,
 * so the token cannot be found a byte at a time by timing. */
static gboolean
token_matches (const char *candidate,
               const char *token)
{
  guchar diff = 0;

  for (gsize i = 0; i < TOKEN_BYTES * 2; i++)
    {
      if (candidate[i] == '\0')
        return FALSE;
      diff |= candidate[i] ^ token[i];
    }
  return diff == 0;
}

static gboolean
write_head (GOutputStream *out,
            guint          status,
            const char    *content_type,
            goffset        length,
            const char    *extra,
            gboolean       keep_alive,
            const char    *allowed_origin)
{
  g_autofree char *head =
    g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %" G_GOFFSET_FORMAT "\r\n"
                     "Accept-Ranges: bytes\r\n"
                     "Cache-Control: no-cache\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Access-Control-Allow-Origin: %s\r\n"
                     "%s"
                     "Connection: %s\r\n"
                     "\r\n",
                     status, _atrium_scheme_reason_for (status), content_type, length,
                     allowed_origin, extra != NULL ? extra : "",
                     keep_alive ? "keep-alive" : "close");

  return g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
}

static gboolean
write_status (GOutputStream *out,
              guint          status,
              const char    *message,
              const char    *extra,
              gboolean       keep_alive,
              gboolean       with_body,
              const char    *allowed_origin)
{
  g_autofree char *body = g_strdup_printf ("%u %s: %s\n", status,
                                           _atrium_scheme_reason_for (status), message);
  gsize length = strlen (body);

  if (!write_head (out, status, "text/plain; charset=utf-8", length, extra, keep_alive,
                   allowed_origin))
    return FALSE;
  return !with_body || g_output_stream_write_all (out, body, length, NULL, NULL, NULL);
}

/* Sends @length bytes of the file behind @fd from @offset, straight from the
 * page cache to the socket. */
static gboolean
send_file (GSocket *socket,
           int      fd,
           goffset  offset,
           goffset  length)
{
  int socket_fd = g_socket_get_fd (socket);
  off_t position = offset;

  while (length > 0)
    {
      ssize_t n = sendfile (socket_fd, fd, &position, MIN (length, (goffset) 1 << 30));

      if (n > 0)
        {
          length -= n;
          continue;
        }
      if (n == 0)
        return FALSE;  /* the file shrank under us */
      if (errno == EINTR)
        continue;
      /* GSocket keeps its descriptor non-blocking and emulates blocking with
       * a wait that honours the socket's timeout. */
      if (errno != EAGAIN || !g_socket_condition_wait (socket, G_IO_OUT, NULL, NULL))
        return FALSE;
    }
  return TRUE;
}

static gboolean
copy_stream (GInputStream  *stream,
             GOutputStream *out,
             goffset        length)
{
  g_autofree guint8 *buffer = g_malloc (COPY_BUFFER_SIZE);

  while (length > 0)
    {
      gssize n = g_input_stream_read (stream, buffer, MIN (length, COPY_BUFFER_SIZE), NULL, NULL);

      if (n <= 0 || !g_output_stream_write_all (out, buffer, n, NULL, NULL, NULL))
        return FALSE;
      length -= n;
    }
  return TRUE;
}

/* Answers one request. Returns whether the connection may carry another. */
static gboolean
serve (AtriumMediaServer *self,
       GSocket           *socket,
       GOutputStream     *out,
       char              *head,
       gsize              head_length)
{
  AtriumHttpRequest request;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content_range = NULL;
  const char *allowed = self->allowed_origin;
  const char *content_type = NULL;
  gboolean is_head;
  gboolean keep;
  goffset size = -1;
  goffset start = 0;
  goffset length;
  guint status = 200;

  if (!_atrium_http_parse_request (head, head_length, &request) || request.has_body)
    {
      write_status (out, 400, "Malformed request", NULL, FALSE, TRUE, allowed);
      return FALSE;
    }

  keep = request.keep_alive;
  is_head = strcmp (request.method, "HEAD") == 0;

  /* DNS rebinding: a page that points its own name at 127.0.0.1 still
   * sends that name. Only requests for this very address are served. */
  if (request.host == NULL || strcmp (request.host, self->host) != 0)
    {
      write_status (out, 403, "Wrong host", NULL, FALSE, !is_head, allowed);
      return FALSE;
    }

  if (!is_head && strcmp (request.method, "GET") != 0)
    return write_status (out, 405, "Assets are read-only", "Allow: GET, HEAD\r\n", keep, TRUE,
                         allowed) && keep;

  if (request.target[0] != '/' || !token_matches (request.target + 1, self->token)
      || request.target[1 + TOKEN_BYTES * 2] != '/')
    return write_status (out, 404, "Not found", NULL, keep, !is_head, allowed) && keep;

  g_mutex_lock (&self->lock);
  if (self->assets != NULL)
    assets = g_object_ref (self->assets);
  g_mutex_unlock (&self->lock);

  if (assets == NULL)
    return write_status (out, 404, "The app has no assets", NULL, keep, !is_head, allowed) && keep;

  stream = atrium_assets_open (assets, request.target + 1 + TOKEN_BYTES * 2, &size,
                               &content_type, &error);
  if (stream == NULL)
    return write_status (out, _atrium_scheme_status_for (error), error->message, NULL, keep,
                         !is_head, allowed) && keep;

  /* Every source knows its sizes; a stream without one cannot be framed
   * by Content-Length, and this server does not chunk. */
  if (size < 0)
    {
      write_status (out, 500, "The file has no known size", NULL, FALSE, !is_head, allowed);
      return FALSE;
    }

  length = size;
  switch (_atrium_range_parse (request.range, size, &start, &length))
    {
    case ATRIUM_RANGE_NONE:
      length = size;
      break;

    case ATRIUM_RANGE_UNSATISFIABLE:
      content_range = g_strdup_printf ("Content-Range: bytes */%" G_GOFFSET_FORMAT "\r\n", size);
      return write_status (out, 416, "The range is outside the file", content_range, keep,
                           !is_head, allowed) && keep;

    case ATRIUM_RANGE_SATISFIABLE:
      status = 206;
      content_range = g_strdup_printf ("Content-Range: bytes %" G_GOFFSET_FORMAT "-%"
                                       G_GOFFSET_FORMAT "/%" G_GOFFSET_FORMAT "\r\n",
                                       start, start + length - 1, size);
      break;
    }

  if (!write_head (out, status, content_type, length, content_range, keep, allowed))
    return FALSE;
  if (is_head || length == 0)
    return keep;

  if (G_IS_UNIX_INPUT_STREAM (stream))
    return send_file (socket, g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream)),
                      start, length) && keep;

  if (start > 0 && !_atrium_stream_advance_to (stream, start, NULL))
    return FALSE;
  return copy_stream (stream, out, length) && keep;
}

/* Reads until the buffer holds a whole request head; returns its length
 * (through the empty line), or 0 at end of stream, on error, or when the
 * head does not fit (after answering 431). */
static gsize
read_head (GInputStream  *in,
           GOutputStream *out,
           char          *buffer,
           gsize         *filled,
           const char    *allowed)
{
  gsize searched = 0;

  for (;;)
    {
      gssize n;

      for (gsize i = searched; i + 4 <= *filled; i++)
        if (memcmp (buffer + i, "\r\n\r\n", 4) == 0)
          return i + 4;
      searched = *filled >= 3 ? *filled - 3 : 0;

      if (*filled == ATRIUM_HTTP_MAX_HEAD)
        {
          write_status (out, 431, "Request head too large", NULL, FALSE, TRUE, allowed);
          return 0;
        }

      n = g_input_stream_read (in, buffer + *filled, ATRIUM_HTTP_MAX_HEAD - *filled, NULL, NULL);
      if (n <= 0)
        return 0;
      *filled += n;
    }
}

static gboolean
run_cb (GThreadedSocketService *service,
        GSocketConnection      *connection,
        GObject                *source_object,
        AtriumMediaServer      *self)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autofree char *buffer = g_malloc (ATRIUM_HTTP_MAX_HEAD);
  g_autofree char *head = g_malloc (ATRIUM_HTTP_MAX_HEAD);
  gsize filled = 0;

  g_mutex_lock (&self->lock);
  if (self->stopped)
    {
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  g_hash_table_add (self->connections, socket);
  g_mutex_unlock (&self->lock);

  g_socket_set_timeout (socket, IDLE_TIMEOUT_SECONDS);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  for (;;)
    {
      gsize head_length = read_head (in, out, buffer, &filled, self->allowed_origin);
      gboolean keep;

      if (head_length == 0)
        break;

      /* Parsed from a copy: what follows the head (a pipelined request)
       * stays intact in the buffer. */
      memcpy (head, buffer, head_length);
      keep = serve (self, socket, out, head, head_length);
      memmove (buffer, buffer + head_length, filled - head_length);
      filled -= head_length;

      if (!keep)
        break;
    }

  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->connections, socket);
  g_cond_broadcast (&self->ready_cond);
  g_mutex_unlock (&self->lock);

  return TRUE;
}

static void
_atrium_media_server_dispose (GObject *object)
{
  _atrium_media_server_stop (ATRIUM_MEDIA_SERVER (object));

  G_OBJECT_CLASS (_atrium_media_server_parent_class)->dispose (object);
}

static void
_atrium_media_server_finalize (GObject *object)
{
  AtriumMediaServer *self = ATRIUM_MEDIA_SERVER (object);

  g_clear_object (&self->service);
  g_clear_object (&self->assets);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_cond_clear (&self->ready_cond);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_mutex_clear (&self->lock);
  g_free (self->host);
  g_free (self->origin);
  g_free (self->base);
  g_free (self->allowed_origin);

  G_OBJECT_CLASS (_atrium_media_server_parent_class)->finalize (object);
}

static void
_atrium_media_server_class_init (AtriumMediaServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = _atrium_media_server_dispose;
  object_class->finalize = _atrium_media_server_finalize;
}

static void
_atrium_media_server_init (AtriumMediaServer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->ready_cond);
  self->connections = g_hash_table_new (NULL, NULL);
}

/**
 * _atrium_media_server_new:
 * @assets: (nullable): what to serve
 * @allowed_origin: the origin allowed to read responses (CORS), such as
 *   `app://localhost`
 *
 * Starts serving @assets on 127.0.0.1 at a port the kernel picks.
 *
 * Returns: (transfer full) (nullable): the running server, or %NULL with
 *   @error set when it cannot listen
 */
static gpointer
accept_thread (gpointer data)
{
  AtriumMediaServer *self = data;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  /* The service accepts on the thread-default context of whoever adds the
   * address and starts it: this thread's. */
  g_main_context_push_thread_default (self->context);

  self->service = g_threaded_socket_service_new (MAX_THREADS);
  if (g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                     G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                     &effective, &error))
    {
      self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
      /* The handler holds the server for as long as the signal is
       * connected, and every connection thread for as long as it runs:
       * stop() breaks the cycle. */
      g_signal_connect_data (self->service, "run", G_CALLBACK (run_cb), g_object_ref (self),
                             (GClosureNotify) (void (*) (void)) g_object_unref, 0);
      g_socket_service_start (self->service);
    }

  g_mutex_lock (&self->lock);
  self->error = g_steal_pointer (&error);
  self->ready = TRUE;
  g_cond_signal (&self->ready_cond);
  g_mutex_unlock (&self->lock);

  if (self->port != 0)
    g_main_loop_run (self->loop);

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/**
 * _atrium_media_server_new:
 * @assets: (nullable): what to serve
 * @allowed_origin: the origin allowed to read responses (CORS), such as
 *   `app://localhost`
 *
 * Starts serving @assets on 127.0.0.1 at a port the kernel picks, and
 * returns once it listens.
 *
 * Returns: (transfer full) (nullable): the running server, or %NULL with
 *   @error set when it cannot listen
 */
AtriumMediaServer *
_atrium_media_server_new (AtriumAssets  *assets,
                          const char    *allowed_origin,
                          GError       **error)
{
  g_autoptr(AtriumMediaServer) self = g_object_new (ATRIUM_TYPE_MEDIA_SERVER, NULL);

  g_assert (assets == NULL || ATRIUM_IS_ASSETS (assets));
  g_assert (allowed_origin != NULL);

  if (!make_token (self->token, error))
    return NULL;

  self->assets = assets != NULL ? g_object_ref (assets) : NULL;
  self->allowed_origin = g_strdup (allowed_origin);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("atrium-media", accept_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->ready_cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      g_thread_join (g_steal_pointer (&self->thread));
      return NULL;
    }

  self->host = g_strdup_printf ("127.0.0.1:%u", self->port);
  self->origin = g_strdup_printf ("http://%s", self->host);
  self->base = g_strdup_printf ("%s/%s", self->origin, self->token);

  return g_steal_pointer (&self);
}

static gboolean
stop_in_thread_cb (gpointer data)
{
  AtriumMediaServer *self = data;

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  /* Drops the handler's reference to the server. */
  g_signal_handlers_disconnect_by_func (self->service, run_cb, self);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/**
 * _atrium_media_server_stop:
 *
 * Stops listening and shuts down the connections in progress. Idempotent.
 */
void
_atrium_media_server_stop (AtriumMediaServer *self)
{
  GHashTableIter iter;
  gpointer socket;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  if (self->stopped || self->thread == NULL)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->stopped = TRUE;
  /* Connections in progress end now rather than at their idle timeout. */
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &socket, NULL))
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  /* Shut down, they end at once: wait for them, so that no thread serves
   * from the assets after stop() returns. */
  while (g_hash_table_size (self->connections) > 0)
    g_cond_wait (&self->ready_cond, &self->lock);
  g_mutex_unlock (&self->lock);

  g_main_context_invoke (self->context, stop_in_thread_cb, self);
  g_thread_join (g_steal_pointer (&self->thread));
}

/**
 * _atrium_media_server_set_assets:
 * @assets: (nullable): what to serve from now on
 */
void
_atrium_media_server_set_assets (AtriumMediaServer *self,
                                 AtriumAssets      *assets)
{
  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  g_set_object (&self->assets, assets);
  g_mutex_unlock (&self->lock);
}

/* "http://127.0.0.1:PORT", for the CSP. */
const char *
_atrium_media_server_get_origin (AtriumMediaServer *self)
{
  return self->origin;
}

/* "http://127.0.0.1:PORT/TOKEN": the loopback URL of app://localhost/x is
 * this followed by "/x". */
const char *
_atrium_media_server_get_base (AtriumMediaServer *self)
{
  return self->base;
}

guint16
_atrium_media_server_get_port (AtriumMediaServer *self)
{
  return self->port;
}

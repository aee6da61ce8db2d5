/* sendfile() and TCP options */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Media"
#include "config.h"

#include "atrium-media-server-private.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <gio/gunixinputstream.h>

#include "atrium-error.h"
#include "atrium-slice-stream-private.h"
#include "atrium-token-private.h"

/* The loopback route: a small HTTP/1.1 server on 127.0.0.1 that serves the
 * app's asset source to the parts of WebKitGTK that cannot read a custom
 * scheme, above all the GStreamer media player (an <audio> or <video> with
 * an app:// source fails with MEDIA_ERR_SRC_NOT_SUPPORTED), and to large
 * downloads, which a custom scheme delivers in 8 KiB chunks over IPC.
 *
 * What keeps it private to the app:
 * - it listens on 127.0.0.1 only, on a port the kernel picks;
 * - every URL starts with a 128-bit token from the kernel's CSPRNG, made
 *   anew for each server and compared in constant time; a request without
 *   it gets 404 and learns nothing;
 * - the Host header must be exactly 127.0.0.1:PORT, so a web page that
 *   rebinds some DNS name to 127.0.0.1 cannot reach it through its own name;
 * - files come from the same AtriumAssets as app:// does, through the same
 *   path normalisation and the same O_NOFOLLOW walk: nothing outside the
 *   asset root is reachable here either;
 * - GET and HEAD only, no request bodies (a request that announces one is
 *   answered 400 and the connection closed, so its bytes are never read as
 *   a request), bounded request heads.
 *
 * What keeps it up: anything on the machine can connect, without the token
 * (33 idle connections used to block an earlier version and, closed,
 * crash the app, because GThreadedSocketService stopped and restarted its
 * listener from a pool thread, onto the main thread's context, whenever its
 * 32 threads were busy). So nothing here waits on a client:
 * - the server's own thread accepts on a listening socket it owns, always,
 *   and never blocks: every socket is non-blocking;
 * - at most ATRIUM_MEDIA_MAX_CONNECTIONS are open; one more makes the server
 *   close, at once, the connection that has waited longest for a request
 *   (idle, or its head trickling in). A client that connects to send a
 *   request sends its head at once, so an attacker's flood evicts its own
 *   connections first. When every connection has a whole request to be
 *   answered, the server stops accepting until one closes: new connections
 *   wait in the kernel's backlog, never refused for being one too many (a
 *   media element takes a refused connection as a source that failed, for
 *   good). Only requests with the token keep a connection busy for longer
 *   than it takes to answer them, so a flood without it cannot keep the
 *   page waiting;
 * - a request head must arrive whole within ATRIUM_MEDIA_HEAD_DEADLINE_MS
 *   of its first byte (408, then closed), and a connection that waits with
 *   nothing to do (between requests, or for a reader to take more of a
 *   response) is closed after ATRIUM_MEDIA_IDLE_TIMEOUT_MS;
 * - heads are read on the server's thread, without parsing; a whole head is
 *   handed to a pool of ATRIUM_MEDIA_WORKERS threads, which open the file
 *   (the only blocking part: the disk) and send until the socket is full.
 *   Then the connection goes back to the server's thread to wait for room,
 *   so a client that reads slowly holds no thread. The pool's queue holds
 *   at most one job per open connection, so it is bounded by the cap, and
 *   a job yields its worker after SEND_BUDGET bytes.
 * File bodies go out with sendfile(), so a large file is never in memory and
 * never copied through user space.
 *
 * Streams (atrium_call_return_stream()): a method's GInputStream waits here
 * under a one-time URL, TOKEN/__atrium/stream/KEY with a second 128-bit key,
 * until the runtime of the window it answers fetches it: GET only, with the
 * app's Origin, once (the entry is claimed by the first such request and
 * is gone for any other), within ATRIUM_MEDIA_STREAM_LIFETIME_MS, and at
 * most ATRIUM_MEDIA_STREAMS_PER_OWNER per window. The body is read on a
 * worker in COPY_BUFFER_SIZE pieces, only as fast as the client takes it
 * (a full socket hands the connection back to the server's thread, as for
 * files), so a stream of any size never sits in memory: TCP is the
 * back-pressure that WebKit's custom-scheme API lacks. A stream without a
 * known size goes out chunked. The app's stream is closed when the
 * response ends, the client goes, its window closes
 * (_atrium_media_server_drop_streams()) or its URL expires unread; always
 * on the server's thread or the caller's, never under the lock.
 *
 * Uploads (atrium_call_get_stream()): the other way, the runtime POSTs a
 * Blob the page passed as atrium.stream(blob) to TOKEN/__atrium/upload/KEY,
 * with the app's Origin and a Content-Length, and names KEY in its call
 * message. The head is checked (token, Origin, key, length within the
 * app's limit) and the body left unread: the connection leaves the server
 * (its socket, and any body bytes that came with the head) for an Upload
 * under KEY, which waits at most ATRIUM_MEDIA_STREAM_LIFETIME_MS for the
 * call to claim it. The claim (_atrium_media_server_claim_upload(), from
 * the token-checked call message only) gives C a GInputStream that reads
 * the socket itself, blocking on the reader's thread, so TCP is again the
 * back-pressure and at most a socket buffer is in memory. A second POST
 * under a key poisons it (both are refused: there is no telling which was
 * the runtime's). The call's cancellable shuts the socket, so a call
 * cancelled or a window closed ends every read at once; the page gets 204
 * once C has read the whole body.
 *
 * Why not libsoup's SoupServer, which WebKit already loads: measured
 * against a SoupServer doing the same job on its own thread and context
 * (the same files in 64 KiB chunks, Range; raw clients over loopback;
 * medians of per-round ratios over 9 interleaved rounds, 2 shared cores),
 * 64 KiB Range requests, the media player's pattern, ran 1.6x as fast
 * here on one connection and 1.9x on eight; 64 MiB bodies came out even
 * (0.9x, spread 0.6-1.2x), and through WebKit both are far above what its
 * network process takes (about 140 MB/s), so speed alone would not decide
 * it. What decides it, also measured: SoupServer 3.2 hands its handler 11
 * of 13 malformed or ambiguous heads that the parser here refuses (bare LF
 * line ends, folded lines, a space before the colon, two Host headers, of
 * which the handler sees the last, Content-Length with Transfer-Encoding,
 * "+4" as a length, control bytes), so the exact Host check and the
 * promise of no smuggled requests would rest on re-reading what it has
 * already accepted; it reads a request's body before the handler runs;
 * it has no connection cap, head deadline or idle timeout, so everything
 * above would be wrapped around it anyway (soup_server_accept_iostream()
 * from a listener of our own); and its documentation says it is not meant
 * to face untrusted clients, which this route does (every local process,
 * and every web page through the browser). The part kept by hand, the
 * head parser, is small, strict and fuzzed (fuzz-http-request,
 * fuzz-media-connection).
 *
 * Thread-safety: the fields of AtriumMediaServer say what protects them.
 * A connection belongs to exactly one thread at a time: the server's
 * thread while it waits (CONN_WAITING, CONN_BLOCKED: its sources are
 * attached there), or the worker running its job (CONN_BUSY). The state,
 * the set of connections and the waiting queue are under the server's
 * lock; a hand-over changes the state and attaches or destroys the
 * sources under that lock. Lock order: the server's lock, then the
 * server context's own. */

/* Bytes one job sends before it lets the other connections have its worker. */
#define SEND_BUDGET (4 * 1024 * 1024)
/* Bytes a request costs against the budget, so that a pipeline of empty
 * answers also yields. */
#define REQUEST_COST (16 * 1024)
#define COPY_BUFFER_SIZE (64 * 1024)
/* Room before and after a piece of a stream for its chunk framing. */
#define CHUNK_HEAD 12
#define CHUNK_TAIL 2
/* Connections accepted per wake-up, so that a flood cannot starve the
 * timers and reads on the same thread. */
#define ACCEPT_BATCH 64
/* After accept() fails for want of descriptors, wait this long. */
#define ACCEPT_RETRY_MS 100


/* The server */

typedef struct _Connection Connection;

struct _AtriumMediaServer
{
  GObject                 parent_instance;

  /* Set before the server's thread starts, read-only after. */
  char                    token[ATRIUM_TOKEN_LENGTH + 1];
  char                   *host;         /* "127.0.0.1:PORT" */
  char                   *origin;       /* "http://127.0.0.1:PORT" */
  char                   *base;         /* origin + "/" + token */
  char                   *allowed_origin;
  guint16                 port;
  GSocket                *listener;     /* closed on the server's thread at stop */
  GMainContext           *context;      /* the server's thread's */
  GMainLoop              *loop;
  GThread                *thread;       /* the caller of new() and stop() */
  GThreadPool            *pool;         /* the caller of new() and stop() */

  /* The server's thread only. */
  GSource                *accept_source;
  GSource                *accept_retry;
  gboolean                accept_failing;

  /* Atomic: read whenever a timer is armed. */
  gint                    head_deadline_ms;
  gint                    idle_timeout_ms;

  GMutex                  lock;
  AtriumAssets           *assets;       /* under lock */
  GHashTable             *connections;  /* Connection → itself, under lock */
  GQueue                  waiting;      /* CONN_WAITING, longest waiting first, under lock */
  gboolean                stopped;      /* under lock */
  gboolean                accept_paused; /* full of busy connections, under lock */
  GHashTable             *streams;      /* key → StreamEntry, under lock */
  GSource                *stream_expiry; /* while streams or uploads wait, under lock */
  GHashTable             *uploads;      /* key → Upload, under lock */
  GCond                   upload_cond;  /* an upload arrived or failed; with the lock */
  guint64                 max_upload;   /* under lock */
  gint                    stream_lifetime_ms; /* atomic */
};

/* A stream waiting for its one fetch, then being served. */
typedef struct
{
  char           key[ATRIUM_TOKEN_LENGTH + 1];
  GInputStream  *stream;       /* moved into the response when claimed */
  GCancellable  *cancellable;  /* cancelled when its owner drops it */
  char          *content_type;
  goffset        size;         /* -1: unknown */
  gconstpointer  owner;
  gint64         expires;      /* monotonic µs, while unclaimed */
  gboolean       claimed;
  GSocket       *socket;       /* the connection serving it, once known */
} StreamEntry;

/* A stream the page sends: its POST, its claim, in either order. */
typedef struct
{
  char           key[ATRIUM_TOKEN_LENGTH + 1];
  GSocket       *socket;       /* the POST's, once it came */
  GBytes        *leftover;     /* body bytes read with its head */
  gint64         length;       /* its Content-Length, -1 before it came */
  gint64         expires;      /* monotonic µs: for the POST or the claim to come */
  gboolean       claimed;      /* a stream reads it; only the stream frees it then */
  guint64        claimed_size;
  gboolean       failed;       /* poisoned, cancelled, expired or stopped */
} Upload;

static void
upload_free (Upload *upload)
{
  if (upload->socket != NULL)
    {
      g_socket_close (upload->socket, NULL);
      g_object_unref (upload->socket);
    }
  g_clear_pointer (&upload->leftover, g_bytes_unref);
  g_free (upload);
}

G_DEFINE_FINAL_TYPE (AtriumMediaServer, _atrium_media_server, G_TYPE_OBJECT)

typedef enum
{
  CONN_WAITING,   /* for a request head (idle, or part of one), server's thread */
  CONN_BUSY,      /* being answered, or queued to be, on a worker */
  CONN_BLOCKED,   /* for room to send the rest of a response, server's thread */
} ConnState;

struct _Connection
{
  AtriumMediaServer   *server;     /* not owned: it outlives its connections */
  GSocket             *socket;
  ConnState            state;      /* under the server's lock */
  GList                link;       /* in server->waiting while CONN_WAITING */
  GSource             *io_source;  /* while CONN_WAITING or CONN_BLOCKED */
  GSource             *timer;      /* idle timeout or head deadline, likewise */
  gboolean             in_head;    /* the timer is the head deadline */

  /* Whoever owns the connection. */
  AtriumHttpReader     reader;
  AtriumMediaResponse  response;
  gboolean             responding;
  gsize                out_sent;
  guint8              *copy;       /* for bodies without a descriptor */
  gsize                copy_length; /* the end of what is to send in @copy */
  gsize                copy_sent;   /* from the start of @copy */
};

/* Responses */

void
_atrium_media_response_clear (AtriumMediaResponse *response)
{
  if (response->out != NULL)
    g_string_free (response->out, TRUE);
  if (response->is_stream && response->body != NULL)
    g_input_stream_close (response->body, NULL, NULL);
  g_clear_object (&response->body);
  g_clear_object (&response->cancellable);
  memset (response, 0, sizeof *response);
  response->fd = -1;
}

static void
stream_entry_free (gpointer data)
{
  StreamEntry *entry = data;

  g_assert (entry->stream == NULL);
  g_clear_object (&entry->cancellable);
  g_free (entry->content_type);
  g_free (entry);
}

static gboolean
close_stream_idle_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static void
close_stream (gpointer data)
{
  GInputStream *stream = data;

  g_input_stream_close (stream, NULL, NULL);
  g_object_unref (stream);
}

/* Closes the app's @stream on the server's thread, where no lock is held
 * (or, once the server has stopped, when its context goes). */
static void
close_stream_later (AtriumMediaServer *self,
                    GInputStream      *stream)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, close_stream_idle_cb, stream, close_stream);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
append_head (AtriumMediaServer   *self,
             AtriumMediaResponse *response,
             guint                status,
             const char          *content_type,
             goffset              length,
             const char          *extra,
             gboolean             keep_alive)
{
  response->status = status;
  response->keep_alive = keep_alive;
  if (response->out == NULL)
    response->out = g_string_sized_new (512);
  g_string_append_printf (response->out,
                          "HTTP/1.1 %u %s\r\n"
                          "Content-Type: %s\r\n"
                          "Content-Length: %" G_GOFFSET_FORMAT "\r\n"
                          "Accept-Ranges: bytes\r\n"
                          "Cache-Control: no-cache\r\n"
                          "X-Content-Type-Options: nosniff\r\n"
                          "Access-Control-Allow-Origin: %s\r\n"
                          "%s"
                          "Connection: %s\r\n"
                          "\r\n",
                          status, _atrium_http_reason_phrase (status), content_type, length,
                          self->allowed_origin, extra != NULL ? extra : "",
                          keep_alive ? "keep-alive" : "close");
}

/* A short text/plain answer; @with_body is FALSE for HEAD. */
static void
status_page (AtriumMediaServer   *self,
             AtriumMediaResponse *response,
             guint                status,
             const char          *message,
             const char          *extra,
             gboolean             keep_alive,
             gboolean             with_body)
{
  g_autofree char *body = _atrium_http_status_body (status, message);
  gsize length = strlen (body);

  append_head (self, response, status, "text/plain; charset=utf-8", length, extra, keep_alive);
  if (with_body)
    g_string_append_len (response->out, body, length);
}

/**
 * _atrium_media_server_respond_status:
 * @status: an error status, such as 408 or 431
 * @response: (out caller-allocates): the answer, which closes the connection
 *
 * The answer to something that is not a request the server can read.
 */
void
_atrium_media_server_respond_status (AtriumMediaServer   *self,
                                     guint                status,
                                     const char          *message,
                                     AtriumMediaResponse *response)
{
  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  _atrium_media_response_clear (response);
  status_page (self, response, status, message, NULL, FALSE, TRUE);
}

/* A stream's one fetch. Everything is checked before the entry is
 * claimed, so a request that fails a check (another origin, HEAD) leaves
 * the stream to the runtime. */
static void
respond_stream (AtriumMediaServer       *self,
                const AtriumHttpRequest *request,
                const char              *key,
                AtriumMediaResponse     *response)
{
  StreamEntry *entry = NULL;
  g_autofree char *extra = NULL;

  if (strcmp (request->method, "GET") != 0)
    {
      status_page (self, response, 405, "A stream is read once, with GET", "Allow: GET\r\n", FALSE,
                   strcmp (request->method, "HEAD") != 0);
      return;
    }
  /* The runtime's fetch is a CORS request from the app's origin; a frame
   * of another origin, or a no-cors fetch that would only take the stream
   * away from the page, says otherwise. */
  if (request->origin == NULL || strcmp (request->origin, self->allowed_origin) != 0)
    {
      status_page (self, response, 403, "Streams are for the app's own pages", NULL, FALSE, TRUE);
      return;
    }

  g_mutex_lock (&self->lock);
  if (strlen (key) == ATRIUM_TOKEN_LENGTH)
    entry = g_hash_table_lookup (self->streams, key);
  if (entry != NULL && (entry->claimed || entry->expires < g_get_monotonic_time ()))
    entry = NULL;
  if (entry != NULL)
    {
      entry->claimed = TRUE;
      response->body = g_steal_pointer (&entry->stream);
      response->cancellable = g_object_ref (entry->cancellable);
      response->owner = entry->owner;
      response->is_stream = TRUE;
      response->stream_entry = entry;
      response->chunked = entry->size < 0;
      response->length = entry->size < 0 ? G_MAXINT64 : entry->size;
    }
  g_mutex_unlock (&self->lock);

  if (entry == NULL)
    {
      status_page (self, response, 404, "No such stream, or it was read already", NULL, FALSE,
                   TRUE);
      return;
    }

  /* The content type is the app's, checked when it was added. */
  response->status = 200;
  response->keep_alive = FALSE;
  response->out = g_string_sized_new (512);
  if (response->chunked)
    extra = g_strdup ("Transfer-Encoding: chunked\r\n");
  else
    extra = g_strdup_printf ("Content-Length: %" G_GOFFSET_FORMAT "\r\n", response->length);
  g_string_append_printf (response->out,
                          "HTTP/1.1 200 OK\r\n"
                          "Content-Type: %s\r\n"
                          "%s"
                          "Cache-Control: no-store\r\n"
                          "X-Content-Type-Options: nosniff\r\n"
                          "Access-Control-Allow-Origin: %s\r\n"
                          "Connection: close\r\n"
                          "\r\n",
                          entry->content_type, extra, self->allowed_origin);
}

/* A POST to TOKEN/__atrium/upload/…, the token checked. */
static gboolean
is_upload (AtriumMediaServer       *self,
           const AtriumHttpRequest *request)
{
  const char *target = request->target;

  return strcmp (request->method, "POST") == 0 && target[0] == '/'
         && _atrium_token_matches (target + 1, strlen (target + 1), self->token)
         && g_str_has_prefix (target + 1 + ATRIUM_TOKEN_LENGTH, ATRIUM_MEDIA_UPLOAD_PATH);
}

/* An upload's head: everything is checked here, before a byte of its body
 * is looked at; what passes goes to its claim (job_cb() parks it). Every
 * refusal closes the connection, its body unread. */
static void
respond_upload (AtriumMediaServer       *self,
                const AtriumHttpRequest *request,
                AtriumMediaResponse     *response)
{
  const char *key = request->target + 1 + ATRIUM_TOKEN_LENGTH + strlen (ATRIUM_MEDIA_UPLOAD_PATH);
  guint64 max;

  if (request->origin == NULL || strcmp (request->origin, self->allowed_origin) != 0)
    {
      status_page (self, response, 403, "Uploads are for the app's own pages", NULL, FALSE, TRUE);
      return;
    }
  if (strlen (key) != ATRIUM_TOKEN_LENGTH || strspn (key, "0123456789abcdef") != ATRIUM_TOKEN_LENGTH)
    {
      status_page (self, response, 404, "No such upload", NULL, FALSE, TRUE);
      return;
    }
  if (request->content_length < 0)
    {
      status_page (self, response, 411, "An upload says its length", NULL, FALSE, TRUE);
      return;
    }
  g_mutex_lock (&self->lock);
  max = self->max_upload;
  g_mutex_unlock (&self->lock);
  if ((guint64) request->content_length > max)
    {
      status_page (self, response, 413, "The upload is over the app's limit", NULL, FALSE, TRUE);
      return;
    }
  response->upload = TRUE;
  response->keep_alive = FALSE;
  memcpy (response->upload_key, key, ATRIUM_TOKEN_LENGTH + 1);
  response->upload_length = request->content_length;
}

/**
 * _atrium_media_server_respond:
 * @head: a request head as _atrium_http_reader_take() gives it, modified
 * @length: its length
 * @response: (out caller-allocates): the answer; clear it with
 *   _atrium_media_response_clear()
 *
 * Decides the answer to one request and opens the file it names (which
 * may block on the disk: call it on a worker). Sends nothing, so that a
 * fuzzer can drive it with bytes alone.
 */
void
_atrium_media_server_respond (AtriumMediaServer   *self,
                              char                *head,
                              gsize                length,
                              AtriumMediaResponse *response)
{
  AtriumHttpRequest request;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content_range = NULL;
  const char *content_type = NULL;
  gboolean is_head;
  gboolean keep;
  goffset size = -1;
  goffset start = 0;
  goffset body_length;
  guint status = 200;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  _atrium_media_response_clear (response);

  /* A body would be the next request's bytes if the connection stayed
   * open: refused, and the connection closed, so they are never read.
   * Only an upload has one, and its connection never serves another. */
  if (!_atrium_http_parse_request (head, length, &request)
      || (request.has_body && !is_upload (self, &request)))
    {
      status_page (self, response, 400, "Malformed request", NULL, FALSE, TRUE);
      return;
    }

  keep = request.keep_alive;
  is_head = strcmp (request.method, "HEAD") == 0;

  /* DNS rebinding: a page that points its own name at 127.0.0.1 still
   * sends that name. Only requests for this very address are served. */
  if (request.host == NULL || strcmp (request.host, self->host) != 0)
    {
      status_page (self, response, 403, "Wrong host", NULL, FALSE, !is_head);
      return;
    }

  if (is_upload (self, &request))
    {
      respond_upload (self, &request, response);
      return;
    }

  if (!is_head && strcmp (request.method, "GET") != 0)
    {
      status_page (self, response, 405, "Assets are read-only", "Allow: GET, HEAD\r\n", keep,
                   TRUE);
      return;
    }

  if (request.target[0] != '/' || !_atrium_token_matches (request.target + 1, strlen (request.target + 1), self->token)
      || request.target[1 + ATRIUM_TOKEN_LENGTH] != '/')
    {
      status_page (self, response, 404, "Not found", NULL, keep, !is_head);
      return;
    }

  if (g_str_has_prefix (request.target + 1 + ATRIUM_TOKEN_LENGTH, ATRIUM_MEDIA_STREAM_PATH))
    {
      respond_stream (self, &request,
                      request.target + 1 + ATRIUM_TOKEN_LENGTH + strlen (ATRIUM_MEDIA_STREAM_PATH),
                      response);
      return;
    }

  g_mutex_lock (&self->lock);
  if (self->assets != NULL)
    assets = g_object_ref (self->assets);
  g_mutex_unlock (&self->lock);

  if (assets == NULL)
    {
      status_page (self, response, 404, "The app has no assets", NULL, keep, !is_head);
      return;
    }

  stream = atrium_assets_open (assets, request.target + 1 + ATRIUM_TOKEN_LENGTH, &size,
                               &content_type, &error);
  if (stream == NULL)
    {
      status_page (self, response, _atrium_http_status_for_error (error), error->message, NULL, keep,
                   !is_head);
      return;
    }

  /* Every source knows its sizes; a stream without one cannot be framed
   * by Content-Length, and this server does not chunk. */
  if (size < 0)
    {
      status_page (self, response, 500, "The file has no known size", NULL, FALSE, !is_head);
      return;
    }

  status = _atrium_http_plan_range (request.range, size, &start, &body_length);
  if (status != 200)
    {
      g_autofree char *value = _atrium_http_content_range (status, start, body_length, size);

      content_range = g_strdup_printf ("Content-Range: %s\r\n", value);
    }
  if (status == 416)
    {
      status_page (self, response, 416, "The range is outside the file", content_range, keep,
                   !is_head);
      return;
    }

  append_head (self, response, status, content_type, body_length, content_range, keep);
  if (is_head || body_length == 0)
    return;

  if (G_IS_UNIX_INPUT_STREAM (stream))
    response->fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
  else if (start > 0 && !_atrium_stream_advance_to (stream, start, NULL))
    {
      /* Nothing is sent yet: a plain error instead. */
      _atrium_media_server_respond_status (self, 500, "The file cannot be read", response);
      return;
    }
  response->body = g_steal_pointer (&stream);
  response->start = start;
  response->length = body_length;
}

/* Connections */

static gboolean readable_cb (GSocket      *socket,
                             GIOCondition  condition,
                             gpointer      data);
static gboolean writable_cb (GSocket      *socket,
                             GIOCondition  condition,
                             gpointer      data);
static gboolean timeout_cb  (gpointer      data);

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Under the lock. */
static void
connection_free (Connection *conn)
{
  AtriumMediaResponse *response = &conn->response;

  g_assert (conn->io_source == NULL && conn->timer == NULL);

  if (response->is_stream)
    {
      /* The entry goes with the connection that claimed it. */
      StreamEntry *entry = response->stream_entry;

      if (entry != NULL)
        g_hash_table_remove (conn->server->streams, entry->key);
      response->stream_entry = NULL;
      if (response->body != NULL)
        close_stream_later (conn->server, g_steal_pointer (&response->body));
    }

  g_socket_close (conn->socket, NULL);
  g_object_unref (conn->socket);
  _atrium_media_response_clear (&conn->response);
  g_free (conn->copy);
  g_free (conn);
}

static gboolean resume_accepting_cb (gpointer data);

/* Room for a connection again after accepting paused: the server's thread
 * accepts again, from its own loop. Under the lock, any thread. */
static void
resume_accepting_locked (AtriumMediaServer *self)
{
  GSource *source = g_idle_source_new ();

  self->accept_paused = FALSE;
  g_source_set_callback (source, resume_accepting_cb, self, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* Under the lock; by the connection's owner. */
static void
close_locked (Connection *conn)
{
  AtriumMediaServer *self = conn->server;

  if (conn->state == CONN_WAITING)
    g_queue_unlink (&self->waiting, &conn->link);
  clear_source (&conn->io_source);
  clear_source (&conn->timer);
  g_hash_table_remove (self->connections, conn);
  connection_free (conn);
  if (self->accept_paused && !self->stopped)
    resume_accepting_locked (self);
}

static void
connection_close (Connection *conn)
{
  AtriumMediaServer *self = conn->server;

  g_mutex_lock (&self->lock);
  close_locked (conn);
  g_mutex_unlock (&self->lock);
}

static void
arm_timer_locked (Connection *conn,
                  gboolean    head_deadline)
{
  AtriumMediaServer *self = conn->server;
  gint ms = g_atomic_int_get (head_deadline ? &self->head_deadline_ms : &self->idle_timeout_ms);

  clear_source (&conn->timer);
  conn->in_head = head_deadline;
  conn->timer = g_timeout_source_new (ms);
  g_source_set_callback (conn->timer, timeout_cb, conn, NULL);
  g_source_attach (conn->timer, self->context);
}

/* Hands @conn to the server's thread to wait for a request head. Under the
 * lock, by the connection's owner (any thread). */
static void
wait_for_head_locked (Connection *conn)
{
  AtriumMediaServer *self = conn->server;

  g_assert (conn->io_source == NULL);

  conn->state = CONN_WAITING;
  g_queue_push_tail_link (&self->waiting, &conn->link);
  conn->io_source = g_socket_create_source (conn->socket, G_IO_IN, NULL);
  g_source_set_callback (conn->io_source, (GSourceFunc) (void (*) (void)) readable_cb, conn, NULL);
  g_source_attach (conn->io_source, self->context);
  /* Bytes a client pipelined are part of a head already. */
  arm_timer_locked (conn, conn->reader.filled > 0);
}

/* Hands @conn to the server's thread to wait for room to send. */
static void
wait_for_room_locked (Connection *conn)
{
  AtriumMediaServer *self = conn->server;

  g_assert (conn->io_source == NULL);

  conn->state = CONN_BLOCKED;
  conn->io_source = g_socket_create_source (conn->socket, G_IO_OUT, NULL);
  g_source_set_callback (conn->io_source, (GSourceFunc) (void (*) (void)) writable_cb, conn, NULL);
  g_source_attach (conn->io_source, self->context);
  arm_timer_locked (conn, FALSE);
}

/* Hands @conn from the server's thread to a worker, under the lock. */
static void
dispatch_locked (Connection *conn)
{
  AtriumMediaServer *self = conn->server;

  if (conn->state == CONN_WAITING)
    g_queue_unlink (&self->waiting, &conn->link);
  clear_source (&conn->io_source);
  clear_source (&conn->timer);
  conn->state = CONN_BUSY;
  /* stop() frees the pool once it has set stopped: nothing is queued after. */
  if (self->stopped)
    close_locked (conn);
  else
    /* At most one job per connection: the queue is bounded by the cap. */
    g_thread_pool_push (self->pool, conn, NULL);
}

static void
dispatch (Connection *conn)
{
  AtriumMediaServer *self = conn->server;

  g_mutex_lock (&self->lock);
  dispatch_locked (conn);
  g_mutex_unlock (&self->lock);
}

/* Reads what the client has sent so far, without waiting, on the server's
 * thread. FALSE at the end of the stream or on an error: nothing more
 * will come. */
static gboolean
receive_pending (Connection *conn)
{
  AtriumHttpReader *reader = &conn->reader;

  while (reader->filled < ATRIUM_HTTP_MAX_HEAD)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (conn->socket, reader->data + reader->filled,
                                   ATRIUM_HTTP_MAX_HEAD - reader->filled, NULL, &error);

      if (n > 0)
        reader->filled += n;
      else
        return n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    }
  return TRUE;
}

static gboolean
timeout_cb (gpointer data)
{
  Connection *conn = data;

  /* A head that is late gets a word; an idle connection just closes, as
   * keep-alive connections do. */
  if (conn->state == CONN_WAITING && conn->in_head)
    {
      AtriumMediaResponse response = { .fd = -1 };

      _atrium_media_server_respond_status (conn->server, 408, "The request head came too slowly",
                                           &response);
      g_socket_send (conn->socket, response.out->str, response.out->len, NULL, NULL);
      _atrium_media_response_clear (&response);
    }
  g_debug ("Loopback media route: closing a connection at its %s",
           conn->in_head ? "head deadline" : "idle timeout");
  connection_close (conn);
  return G_SOURCE_REMOVE;
}

static gboolean
readable_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      data)
{
  Connection *conn = data;
  AtriumHttpReader *reader = &conn->reader;
  gboolean was_empty = reader->filled == 0;

  if (!receive_pending (conn))
    {
      connection_close (conn);
      return G_SOURCE_REMOVE;
    }

  if (_atrium_http_reader_has_head (reader))
    {
      dispatch (conn);
      return G_SOURCE_REMOVE;
    }

  /* The first byte of a head starts its deadline. */
  if (was_empty && reader->filled > 0)
    {
      g_mutex_lock (&conn->server->lock);
      arm_timer_locked (conn, TRUE);
      g_mutex_unlock (&conn->server->lock);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
writable_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      data)
{
  dispatch (data);
  return G_SOURCE_REMOVE;
}

typedef enum
{
  SENT_ALL,
  SENT_FULL,     /* the socket is full */
  SENT_SHARE,    /* this job has sent its share */
  SENT_ERROR,
} SendResult;

static SendResult
send_buffer (GSocket    *socket,
             const char *data,
             gsize       length,
             gsize      *sent,
             gssize     *budget)
{
  while (*sent < length)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (socket, data + *sent, length - *sent, NULL, &error);

      if (n < 0)
        return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) ? SENT_FULL
                                                                           : SENT_ERROR;
      *sent += n;
      *budget -= n;
    }
  return SENT_ALL;
}

/* Reads the next piece of a stream of unknown length and frames it as a
 * chunk in conn->copy: its size line before it, CRLF after it; at the end
 * of the stream, the last chunk. -1 when the stream fails. */
static gssize
read_chunk (Connection *conn)
{
  AtriumMediaResponse *response = &conn->response;
  char size_line[CHUNK_HEAD + 1];
  gssize n;
  int head;

  n = g_input_stream_read (response->body, conn->copy + CHUNK_HEAD, COPY_BUFFER_SIZE,
                           response->cancellable, NULL);
  if (n < 0)
    return -1;
  if (n == 0)
    {
      memcpy (conn->copy, "0\r\n\r\n", 5);
      conn->copy_length = 5;
      conn->copy_sent = 0;
      response->length = 0;
      return 0;
    }
  head = g_snprintf (size_line, sizeof size_line, "%" G_GSSIZE_MODIFIER "x\r\n", n);
  memcpy (conn->copy + CHUNK_HEAD - head, size_line, head);
  memcpy (conn->copy + CHUNK_HEAD + n, "\r\n", CHUNK_TAIL);
  conn->copy_sent = CHUNK_HEAD - head;
  conn->copy_length = CHUNK_HEAD + n + CHUNK_TAIL;
  return n;
}

/* Sends what it can of the response in progress, without waiting. */
static SendResult
send_some (Connection *conn,
           gssize     *budget)
{
  AtriumMediaResponse *response = &conn->response;
  SendResult result;

  result = send_buffer (conn->socket, response->out->str, response->out->len, &conn->out_sent,
                        budget);
  if (result != SENT_ALL)
    return result;

  while (response->length > 0 || conn->copy_sent < conn->copy_length)
    {
      if (*budget <= 0)
        return SENT_SHARE;

      if (response->fd >= 0)
        {
          off_t position = response->start;
          ssize_t n = sendfile (g_socket_get_fd (conn->socket), response->fd, &position,
                                MIN (response->length, MAX (*budget, COPY_BUFFER_SIZE)));

          if (n > 0)
            {
              response->start += n;
              response->length -= n;
              *budget -= n;
              continue;
            }
          if (n == 0)
            return SENT_ERROR;  /* the file shrank under us */
          if (errno == EINTR)
            continue;
          return errno == EAGAIN ? SENT_FULL : SENT_ERROR;
        }

      if (conn->copy_sent == conn->copy_length)
        {
          gssize n;

          if (conn->copy == NULL)
            conn->copy = g_malloc (CHUNK_HEAD + COPY_BUFFER_SIZE + CHUNK_TAIL);
          if (response->chunked)
            {
              n = read_chunk (conn);
              if (n < 0)
                return SENT_ERROR;
            }
          else
            {
              n = g_input_stream_read (response->body, conn->copy + CHUNK_HEAD,
                                       MIN (response->length, COPY_BUFFER_SIZE),
                                       response->cancellable, NULL);
              if (n <= 0)
                return SENT_ERROR;
              response->length -= n;
              conn->copy_length = CHUNK_HEAD + n;
              conn->copy_sent = CHUNK_HEAD;
            }
        }
      result = send_buffer (conn->socket, (const char *) conn->copy, conn->copy_length,
                            &conn->copy_sent, budget);
      if (result != SENT_ALL)
        return result;
    }
  return SENT_ALL;
}

static void arm_expiry_locked (AtriumMediaServer *self);

/* Hands an upload's connection over to its Upload: the server forgets it
 * (its socket and the body bytes read with the head go to the Upload),
 * or, when the key cannot take it, makes conn->response a refusal and
 * returns FALSE. On the connection's worker. */
static gboolean
park_upload (Connection *conn)
{
  AtriumMediaServer *self = conn->server;
  AtriumMediaResponse *response = &conn->response;
  Upload *upload;
  guint status = 0;
  const char *why = NULL;

  g_mutex_lock (&self->lock);
  upload = g_hash_table_lookup (self->uploads, response->upload_key);
  if (conn->reader.filled > (guint64) response->upload_length)
    status = 400, why = "More bytes than the upload's length";
  else if (upload != NULL && (upload->socket != NULL || upload->failed))
    {
      /* A second request for the key: neither can be told to be the
       * runtime's, so the key is spoilt for both. */
      status = 409, why = "The upload's key was used twice";
      if (!upload->failed)
        {
          upload->failed = TRUE;
          g_socket_shutdown (upload->socket, TRUE, TRUE, NULL);
          g_cond_broadcast (&self->upload_cond);
        }
    }
  else if (upload != NULL && upload->claimed_size != (guint64) response->upload_length)
    {
      status = 400, why = "The upload's length is not the stream's size";
      upload->failed = TRUE;
      g_cond_broadcast (&self->upload_cond);
    }
  else if (upload == NULL && g_hash_table_size (self->uploads) >= ATRIUM_MEDIA_MAX_UPLOADS)
    status = 503, why = "Too many uploads wait for their calls";

  if (status != 0)
    {
      g_mutex_unlock (&self->lock);
      _atrium_media_server_respond_status (self, status, why, response);
      return FALSE;
    }

  if (upload == NULL)
    {
      upload = g_new0 (Upload, 1);
      memcpy (upload->key, response->upload_key, sizeof upload->key);
      upload->expires = g_get_monotonic_time ()
                        + (gint64) g_atomic_int_get (&self->stream_lifetime_ms) * 1000;
      g_hash_table_insert (self->uploads, upload->key, upload);
      arm_expiry_locked (self);
    }
  upload->length = response->upload_length;
  upload->leftover = g_bytes_new (conn->reader.data, conn->reader.filled);
  upload->socket = g_steal_pointer (&conn->socket);
  /* A page that stops sending fails the read that waits for it. */
  g_socket_set_timeout (upload->socket, ATRIUM_MEDIA_UPLOAD_TIMEOUT_S);
  g_cond_broadcast (&self->upload_cond);

  g_hash_table_remove (self->connections, conn);
  _atrium_media_response_clear (&conn->response);
  g_free (conn->copy);
  g_free (conn);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* A worker's job: answers the requests @conn holds until it must wait for
 * the client, then hands it back to the server's thread. */
static void
job_cb (gpointer data,
        gpointer user_data)
{
  Connection *conn = data;
  AtriumMediaServer *self = user_data;
  gssize budget = SEND_BUDGET;
  char head[ATRIUM_HTTP_MAX_HEAD];
  gboolean stopped;

  g_mutex_lock (&self->lock);
  stopped = self->stopped;
  g_mutex_unlock (&self->lock);
  if (stopped)
    {
      connection_close (conn);
      return;
    }

  for (;;)
    {
      gsize length;

      if (conn->responding)
        {
          switch (send_some (conn, &budget))
            {
            case SENT_ALL:
              break;

            case SENT_FULL:
              g_mutex_lock (&self->lock);
              if (self->stopped)
                close_locked (conn);
              else
                wait_for_room_locked (conn);
              g_mutex_unlock (&self->lock);
              return;

            case SENT_SHARE:
              g_mutex_lock (&self->lock);
              if (self->stopped)
                close_locked (conn);
              else
                g_thread_pool_push (self->pool, conn, NULL);
              g_mutex_unlock (&self->lock);
              return;

            case SENT_ERROR:
              connection_close (conn);
              return;
            }

          conn->responding = FALSE;
          if (!conn->response.keep_alive)
            {
              /* Said "Connection: close": what the client sent after this
               * request is never read. */
              g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
              connection_close (conn);
              return;
            }
          _atrium_media_response_clear (&conn->response);
          conn->copy_length = conn->copy_sent = 0;
          if (budget <= 0)
            {
              g_mutex_lock (&self->lock);
              if (self->stopped)
                close_locked (conn);
              else
                g_thread_pool_push (self->pool, conn, NULL);
              g_mutex_unlock (&self->lock);
              return;
            }
        }

      switch (_atrium_http_reader_take (&conn->reader, head, &length))
        {
        case ATRIUM_HTTP_HEAD:
          _atrium_media_server_respond (self, head, length, &conn->response);
          if (conn->response.upload && park_upload (conn))
            return;
          if (conn->response.stream_entry != NULL)
            {
              /* So that its owner's going can shut the connection down
               * while it waits for the client. */
              g_mutex_lock (&self->lock);
              ((StreamEntry *) conn->response.stream_entry)->socket = conn->socket;
              g_mutex_unlock (&self->lock);
            }
          break;

        case ATRIUM_HTTP_TOO_LARGE:
          _atrium_media_server_respond_status (self, 431, "Request head too large",
                                               &conn->response);
          break;

        case ATRIUM_HTTP_NEED_MORE:
          g_mutex_lock (&self->lock);
          if (self->stopped)
            close_locked (conn);
          else
            wait_for_head_locked (conn);
          g_mutex_unlock (&self->lock);
          return;
        }
      conn->responding = TRUE;
      conn->out_sent = 0;
      budget -= REQUEST_COST;
    }
}

/* Listening */

static gboolean accept_cb (GSocket      *socket,
                           GIOCondition  condition,
                           gpointer      data);

static void
start_accepting (AtriumMediaServer *self)
{
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, (GSourceFunc) (void (*) (void)) accept_cb, self,
                         NULL);
  g_source_attach (self->accept_source, self->context);
}

/* The server's thread; its loop stops running sources once stopped, but
 * one may already be on its way. */
static gboolean
resume_accepting_cb (gpointer data)
{
  AtriumMediaServer *self = data;
  gboolean stopped;

  g_mutex_lock (&self->lock);
  stopped = self->stopped;
  g_mutex_unlock (&self->lock);
  if (!stopped && self->accept_source == NULL && self->accept_retry == NULL)
    start_accepting (self);
  return G_SOURCE_REMOVE;
}

static gboolean
accept_retry_cb (gpointer data)
{
  AtriumMediaServer *self = data;

  g_clear_pointer (&self->accept_retry, g_source_unref);
  start_accepting (self);
  return G_SOURCE_REMOVE;
}

/* Makes room for one more connection, under the lock, on the server's
 * thread: closes the one that has waited longest for a request, idle or
 * with a head trickling in. What a waiting connection has been sent but
 * the server has not read yet (a burst of connections arrives before
 * their reads are handled) is read first, so that a whole request goes
 * to be answered instead, and a head that is not whole once everything
 * sent is read counts as trickling: a client that sends a request sends
 * its head at once. FALSE when no connection can go. */
static gboolean
make_room_locked (AtriumMediaServer *self)
{
  GList *next;

  if (g_hash_table_size (self->connections) < ATRIUM_MEDIA_MAX_CONNECTIONS)
    return TRUE;
  for (GList *l = g_queue_peek_head_link (&self->waiting); l != NULL; l = next)
    {
      Connection *conn = l->data;

      next = l->next;
      if (conn->reader.filled == 0 && g_socket_get_available_bytes (conn->socket) > 0)
        {
          if (!receive_pending (conn))
            {
              close_locked (conn);
              return TRUE;
            }
          if (_atrium_http_reader_has_head (&conn->reader))
            {
              dispatch_locked (conn);
              continue;
            }
        }
      close_locked (conn);
      return TRUE;
    }
  return FALSE;
}

static gboolean
accept_cb (GSocket      *listener,
           GIOCondition  condition,
           gpointer      data)
{
  AtriumMediaServer *self = data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = NULL;
      Connection *conn;

      /* Full: room is made (an idle connection closed) only for a
       * connection that waits to be accepted. Evicting first and finding
       * nobody (the batch past the last one) closed a client for nothing:
       * one that had connected and not yet sent its request. */
      g_mutex_lock (&self->lock);
      if (!self->stopped && g_hash_table_size (self->connections) >= ATRIUM_MEDIA_MAX_CONNECTIONS
          && !(g_socket_condition_check (listener, G_IO_IN) & G_IO_IN))
        {
          g_mutex_unlock (&self->lock);
          return G_SOURCE_CONTINUE;
        }
      /* Full of connections with requests to answer: the next ones wait
       * in the backlog until one of these closes. */
      if (!self->stopped && !make_room_locked (self))
        {
          self->accept_paused = TRUE;
          g_mutex_unlock (&self->lock);
          g_clear_pointer (&self->accept_source, g_source_unref);
          return G_SOURCE_REMOVE;
        }
      g_mutex_unlock (&self->lock);

      socket = g_socket_accept (listener, NULL, &error);

      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;
          /* A client that gave up before it was accepted. */
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES)
              && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED))
            continue;
          /* Out of descriptors or memory: the connection stays in the
           * kernel's queue, and the socket stays readable, so wait a little
           * rather than spin; and say so once, not at every retry. */
          if (!self->accept_failing)
            g_warning ("Loopback media route: accept() failed: %s", error->message);
          self->accept_failing = TRUE;
          g_clear_pointer (&self->accept_source, g_source_unref);
          self->accept_retry = g_timeout_source_new (ACCEPT_RETRY_MS);
          g_source_set_callback (self->accept_retry, accept_retry_cb, self, NULL);
          g_source_attach (self->accept_retry, self->context);
          return G_SOURCE_REMOVE;
        }

      self->accept_failing = FALSE;
      g_socket_set_blocking (socket, FALSE);
      g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

      g_mutex_lock (&self->lock);
      if (self->stopped || !make_room_locked (self))
        {
          /* Stopped (room was made above, and only this thread adds
           * connections): this one goes, now. */
          g_mutex_unlock (&self->lock);
          g_socket_close (socket, NULL);
          continue;
        }
      conn = g_new0 (Connection, 1);
      conn->server = self;
      conn->socket = g_steal_pointer (&socket);
      conn->link.data = conn;
      conn->response.fd = -1;
      g_hash_table_add (self->connections, conn);
      wait_for_head_locked (conn);
      g_mutex_unlock (&self->lock);
    }
  return G_SOURCE_CONTINUE;
}

static gpointer
server_thread (gpointer data)
{
  AtriumMediaServer *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
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

  g_assert (self->pool == NULL && self->thread == NULL);
  g_assert (g_hash_table_size (self->connections) == 0);

  /* Streams nobody fetched; their closes queued on the context run as it goes. */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->streams);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      {
        StreamEntry *entry = value;

        if (entry->stream != NULL)
          close_stream (g_steal_pointer (&entry->stream));
      }
    g_clear_pointer (&self->streams, g_hash_table_unref);
  }
  /* Claimed uploads hold a reference on the server: none is left. */
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_cond_clear (&self->upload_cond);

  g_clear_object (&self->listener);
  g_clear_object (&self->assets);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
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
  self->connections = g_hash_table_new (NULL, NULL);
  self->streams = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, stream_entry_free);
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) upload_free);
  g_cond_init (&self->upload_cond);
  self->max_upload = G_GUINT64_CONSTANT (16) << 30;
  self->stream_lifetime_ms = ATRIUM_MEDIA_STREAM_LIFETIME_MS;
  self->head_deadline_ms = ATRIUM_MEDIA_HEAD_DEADLINE_MS;
  self->idle_timeout_ms = ATRIUM_MEDIA_IDLE_TIMEOUT_MS;
}

static AtriumMediaServer *
server_new (AtriumAssets  *assets,
            const char    *allowed_origin,
            GError       **error)
{
  g_autoptr(AtriumMediaServer) self = g_object_new (ATRIUM_TYPE_MEDIA_SERVER, NULL);

  g_assert (assets == NULL || ATRIUM_IS_ASSETS (assets));
  g_assert (allowed_origin != NULL);

  _atrium_token_generate (self->token);
  self->assets = assets != NULL ? g_object_ref (assets) : NULL;
  self->allowed_origin = g_strdup (allowed_origin);
  return g_steal_pointer (&self);
}

static void
set_port (AtriumMediaServer *self,
          guint16            port)
{
  self->port = port;
  self->host = g_strdup_printf ("127.0.0.1:%u", port);
  self->origin = g_strdup_printf ("http://%s", self->host);
  self->base = g_strdup_printf ("%s/%s", self->origin, self->token);
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
  g_autoptr(AtriumMediaServer) self = server_new (assets, allowed_origin, error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  if (self == NULL)
    return NULL;

  self->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, error);
  if (self->listener == NULL)
    return NULL;
  g_socket_set_blocking (self->listener, FALSE);
  /* A burst of connections waits in the kernel, not refused, while the
   * server's thread accepts them ACCEPT_BATCH at a time. */
  g_socket_set_listen_backlog (self->listener, SOMAXCONN);
  if (!g_socket_bind (self->listener, address, FALSE, error)
      || !g_socket_listen (self->listener, error))
    return NULL;
  effective = g_socket_get_local_address (self->listener, error);
  if (effective == NULL)
    return NULL;
  set_port (self, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));

  self->pool = g_thread_pool_new (job_cb, self, ATRIUM_MEDIA_WORKERS, FALSE, error);
  if (self->pool == NULL)
    return NULL;

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  start_accepting (self);
  self->thread = g_thread_new ("atrium-media", server_thread, self);

  return g_steal_pointer (&self);
}

/**
 * _atrium_media_server_new_offline:
 * @port: the port its Host header and URLs name
 *
 * A server that does not listen: it answers through
 * _atrium_media_server_respond() only, for the fuzzer.
 *
 * Returns: (transfer full) (nullable): the server
 */
AtriumMediaServer *
_atrium_media_server_new_offline (AtriumAssets  *assets,
                                  const char    *allowed_origin,
                                  guint16        port,
                                  GError       **error)
{
  AtriumMediaServer *self = server_new (assets, allowed_origin, error);

  if (self != NULL)
    set_port (self, port);
  return self;
}

static gboolean
stop_in_thread_cb (gpointer data)
{
  AtriumMediaServer *self = data;
  GHashTableIter iter;
  gpointer conn;

  clear_source (&self->accept_source);
  clear_source (&self->accept_retry);
  g_socket_close (self->listener, NULL);
  g_mutex_lock (&self->lock);
  clear_source (&self->stream_expiry);
  {
    GHashTableIter uploads;
    gpointer value;

    /* Unclaimed uploads go; claimed ones fail, and their streams free them. */
    g_hash_table_iter_init (&uploads, self->uploads);
    while (g_hash_table_iter_next (&uploads, NULL, &value))
      {
        Upload *upload = value;

        if (!upload->claimed)
          g_hash_table_iter_remove (&uploads);
        else
          {
            upload->failed = TRUE;
            if (upload->socket != NULL)
              g_socket_shutdown (upload->socket, TRUE, TRUE, NULL);
          }
      }
    g_cond_broadcast (&self->upload_cond);
  }
  g_mutex_unlock (&self->lock);

  /* No worker is left: every connection waits on this thread. */
  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &conn, NULL))
    {
      Connection *c = conn;

      g_assert (c->state != CONN_BUSY);
      if (c->state == CONN_WAITING)
        g_queue_unlink (&self->waiting, &c->link);
      clear_source (&c->io_source);
      clear_source (&c->timer);
      g_hash_table_iter_remove (&iter);
      connection_free (c);
    }
  g_mutex_unlock (&self->lock);

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/**
 * _atrium_media_server_stop:
 *
 * Stops listening and closes every connection; returns once no thread
 * serves from the assets any more. Idempotent.
 */
void
_atrium_media_server_stop (AtriumMediaServer *self)
{
  GHashTableIter iter;
  gpointer conn;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  if (self->stopped || self->thread == NULL)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->stopped = TRUE;
  /* A worker blocked in a send (or, for a reader's sake, in sendfile())
   * returns at once from a socket shut down. */
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &conn, NULL))
    g_socket_shutdown (((Connection *) conn)->socket, TRUE, TRUE, NULL);
  g_mutex_unlock (&self->lock);

  /* Queued jobs run and see the server stopped; none is queued after. */
  g_thread_pool_free (g_steal_pointer (&self->pool), FALSE, TRUE);

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

/**
 * _atrium_media_server_set_timeouts:
 * @head_deadline_ms: how long a request head may take from its first byte
 * @idle_timeout_ms: how long a connection may wait with nothing to do
 *
 * For tests, which make them short rather than wait. Timers already
 * running keep their length.
 */
void
_atrium_media_server_set_timeouts (AtriumMediaServer *self,
                                   guint              head_deadline_ms,
                                   guint              idle_timeout_ms)
{
  g_assert (ATRIUM_IS_MEDIA_SERVER (self));
  g_assert (head_deadline_ms > 0 && head_deadline_ms <= G_MAXINT);
  g_assert (idle_timeout_ms > 0 && idle_timeout_ms <= G_MAXINT);

  g_atomic_int_set (&self->head_deadline_ms, head_deadline_ms);
  g_atomic_int_set (&self->idle_timeout_ms, idle_timeout_ms);
}

/* How many connections are open now, for tests. */
guint
_atrium_media_server_get_n_connections (AtriumMediaServer *self)
{
  guint n;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->connections);
  g_mutex_unlock (&self->lock);
  return n;
}

/* Streams */

static gboolean
stream_expiry_cb (gpointer data)
{
  AtriumMediaServer *self = data;
  g_autoptr(GPtrArray) expired = g_ptr_array_new_with_free_func (close_stream);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer value;
  gboolean waiting = FALSE;

  g_mutex_lock (&self->lock);
  /* Replaced by a new lifetime while it waited for the lock. */
  if (g_source_is_destroyed (g_main_current_source ()))
    {
      g_mutex_unlock (&self->lock);
      return G_SOURCE_REMOVE;
    }
  /* Uploads whose call never claimed them, and claims whose POST never
   * came. */
  g_hash_table_iter_init (&iter, self->uploads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Upload *upload = value;

      if (upload->claimed)
        {
          /* Its stream frees it; a claim whose POST never came fails. */
          if (upload->failed || upload->socket != NULL)
            continue;
          if (upload->expires > now)
            waiting = TRUE;
          else
            {
              upload->failed = TRUE;
              g_cond_broadcast (&self->upload_cond);
            }
        }
      else if (upload->expires > now)
        waiting = TRUE;
      else
        g_hash_table_iter_remove (&iter);
    }

  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      StreamEntry *entry = value;

      if (entry->claimed)
        continue;
      if (entry->expires <= now)
        {
          g_ptr_array_add (expired, g_steal_pointer (&entry->stream));
          g_hash_table_iter_remove (&iter);
        }
      else
        waiting = TRUE;
    }
  if (!waiting)
    g_clear_pointer (&self->stream_expiry, g_source_unref);
  g_mutex_unlock (&self->lock);

  if (expired->len > 0)
    g_debug ("Loopback route: %u streams expired unread", expired->len);
  /* Closed here, on the server's thread, with no lock held. */
  return waiting ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
arm_expiry_locked (AtriumMediaServer *self)
{
  if (self->stream_expiry != NULL || self->stopped || self->context == NULL)
    return;
  self->stream_expiry = g_timeout_source_new (MAX (g_atomic_int_get (&self->stream_lifetime_ms) / 4, 10));
  g_source_set_callback (self->stream_expiry, stream_expiry_cb, self, NULL);
  g_source_attach (self->stream_expiry, self->context);
}

/**
 * _atrium_media_check_content_type:
 *
 * Whether a stream's @content_type may go into a response head: a type
 * and parameters, printable ASCII, nothing that could end the line (a
 * pulled stream's Response takes it as a header too).
 *
 * Returns: %TRUE, or %FALSE with @error set to %ATRIUM_ERROR_BAD_ARGS
 */
gboolean
_atrium_media_check_content_type (const char  *content_type,
                                  GError     **error)
{
  if (content_type == NULL || content_type[0] == '\0' || strlen (content_type) > 255
      || strchr (content_type, '/') == NULL)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "“%s” is not a content type",
                   content_type != NULL ? content_type : "(null)");
      return FALSE;
    }
  for (const char *p = content_type; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p >= 0x7f)
      {
        g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                             "A content type is printable ASCII");
        return FALSE;
      }
  return TRUE;
}

/**
 * _atrium_media_server_add_stream:
 * @stream: (transfer none): what the URL serves; the server takes a
 *   reference, reads it on its workers and closes it when done
 * @content_type: the response's Content-Type, a MIME type
 * @size: the stream's length in bytes, or -1 when unknown (then chunked)
 * @owner: who the stream is for (a window's bridge): what
 *   _atrium_media_server_drop_streams() drops, and what the per-owner cap
 *   counts
 *
 * Keeps @stream under a new one-time URL on the route. Any thread.
 *
 * Returns: (transfer full) (nullable): the URL, or %NULL with @error set
 *   to %ATRIUM_ERROR_QUEUE_FULL when @owner (or everyone) has too many
 *   streams waiting, %ATRIUM_ERROR_BAD_ARGS for a content type that is
 *   not one, %ATRIUM_ERROR_FAILED when the server has stopped
 */
char *
_atrium_media_server_add_stream (AtriumMediaServer *self,
                                 GInputStream      *stream,
                                 const char        *content_type,
                                 goffset            size,
                                 gconstpointer      owner,
                                 GError           **error)
{
  StreamEntry *entry;
  GHashTableIter iter;
  gpointer value;
  guint mine = 0;
  char *url;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));
  g_assert (G_IS_INPUT_STREAM (stream));
  g_assert (owner != NULL);

  if (!_atrium_media_check_content_type (content_type, error))
    return NULL;

  entry = g_new0 (StreamEntry, 1);
  _atrium_token_generate (entry->key);
  entry->stream = g_object_ref (stream);
  entry->cancellable = g_cancellable_new ();
  entry->content_type = g_strdup (content_type);
  entry->size = size < 0 ? -1 : size;
  entry->owner = owner;

  g_mutex_lock (&self->lock);
  /* Stamped under the lock, where a new lifetime moves every stamp. */
  entry->expires = g_get_monotonic_time ()
                   + (gint64) g_atomic_int_get (&self->stream_lifetime_ms) * 1000;
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((StreamEntry *) value)->owner == owner)
      mine++;
  if (self->stopped || self->thread == NULL || mine >= ATRIUM_MEDIA_STREAMS_PER_OWNER
      || g_hash_table_size (self->streams) >= ATRIUM_MEDIA_MAX_STREAMS)
    {
      gboolean stopped = self->stopped || self->thread == NULL;

      g_mutex_unlock (&self->lock);
      if (stopped)
        g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                             "The loopback route has stopped");
      else
        g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                     "Too many streams wait for the page to read them (at most %u per window)",
                     ATRIUM_MEDIA_STREAMS_PER_OWNER);
      g_clear_object (&entry->stream);
      stream_entry_free (entry);
      return NULL;
    }
  g_hash_table_insert (self->streams, entry->key, entry);
  arm_expiry_locked (self);
  url = g_strconcat (self->base, ATRIUM_MEDIA_STREAM_PATH, entry->key, NULL);
  g_mutex_unlock (&self->lock);

  return url;
}

/**
 * _atrium_media_server_drop_streams:
 * @owner: whose streams
 *
 * Forgets @owner's streams: those not fetched yet are closed now, on the
 * calling thread; those being served are cancelled and their connections
 * shut down, and close on the server's side. Any thread; the window's
 * bridge calls it as the window goes.
 */
void
_atrium_media_server_drop_streams (AtriumMediaServer *self,
                                   gconstpointer      owner)
{
  g_autoptr(GPtrArray) unread = g_ptr_array_new_with_free_func (close_stream);
  g_autoptr(GPtrArray) cancel = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      StreamEntry *entry = value;

      if (entry->owner != owner)
        continue;
      g_ptr_array_add (cancel, g_object_ref (entry->cancellable));
      if (!entry->claimed)
        {
          g_ptr_array_add (unread, g_steal_pointer (&entry->stream));
          g_hash_table_iter_remove (&iter);
        }
      else if (entry->socket != NULL)
        {
          /* A worker blocked on it returns; one waiting for room wakes. */
          g_socket_shutdown (entry->socket, TRUE, TRUE, NULL);
        }
    }
  g_mutex_unlock (&self->lock);

  /* Off the lock: a read of the app's stream may have connected a handler
   * that takes it (an upload stream waiting for its POST does). */
  for (guint i = 0; i < cancel->len; i++)
    g_cancellable_cancel (cancel->pdata[i]);
}

/* How many streams of @owner (NULL: anyone) wait or are served; for tests. */
guint
_atrium_media_server_get_n_streams (AtriumMediaServer *self,
                                    gconstpointer      owner)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (owner == NULL || ((StreamEntry *) value)->owner == owner)
      n++;
  g_mutex_unlock (&self->lock);
  return n;
}

/* For tests, which make it short rather than wait. It applies to what
 * waits already, counted from when each began to wait: a test can see a
 * stream kept under a long lifetime and then watch it expire. */
void
_atrium_media_server_set_stream_lifetime (AtriumMediaServer *self,
                                          guint              ms)
{
  GHashTableIter iter;
  gpointer value;
  gint64 change;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));
  g_assert (ms > 0 && ms <= G_MAXINT);

  g_mutex_lock (&self->lock);
  change = ((gint64) ms - g_atomic_int_get (&self->stream_lifetime_ms)) * 1000;
  g_atomic_int_set (&self->stream_lifetime_ms, ms);
  g_hash_table_iter_init (&iter, self->uploads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((Upload *) value)->expires += change;
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((StreamEntry *) value)->expires += change;
  /* The check's period follows the lifetime; a read waiting for its POST
   * looks at its new deadline. */
  if (self->stream_expiry != NULL)
    {
      clear_source (&self->stream_expiry);
      arm_expiry_locked (self);
    }
  g_cond_broadcast (&self->upload_cond);
  g_mutex_unlock (&self->lock);
}

/* Uploads: the stream C reads */

#define ATRIUM_TYPE_UPLOAD_STREAM (_atrium_upload_stream_get_type ())
G_DECLARE_FINAL_TYPE (AtriumUploadStream, _atrium_upload_stream, ATRIUM, UPLOAD_STREAM, GInputStream)

/* Thread-safety: one reader at a time (GInputStream's pending flag);
 * @upload is the server's, under its lock, as is the cancel handler's
 * shutdown of its socket. */
struct _AtriumUploadStream
{
  GInputStream       parent_instance;
  AtriumMediaServer *server;       /* a reference: uploads outlive no server */
  Upload            *upload;       /* claimed: this stream frees it */
  GSocket           *socket;       /* a reference, once the POST is here */
  GBytes            *leftover;
  gsize              leftover_used;
  guint64            remaining;
  gboolean           answered;
  GCancellable      *call_cancellable;
  gulong             cancelled_id;
};

G_DEFINE_FINAL_TYPE (AtriumUploadStream, _atrium_upload_stream, G_TYPE_INPUT_STREAM)

/* The call was cancelled, or its window closed: fail the upload and wake
 * any read, blocked on the socket or waiting for it. Any thread. */
static void
upload_cancelled_cb (GCancellable *cancellable,
                     gpointer      data)
{
  AtriumUploadStream *self = data;
  AtriumMediaServer *server = self->server;

  g_mutex_lock (&server->lock);
  if (self->upload != NULL)
    {
      self->upload->failed = TRUE;
      if (self->upload->socket != NULL)
        g_socket_shutdown (self->upload->socket, TRUE, TRUE, NULL);
    }
  g_cond_broadcast (&server->upload_cond);
  g_mutex_unlock (&server->lock);
}

/* Waits for the POST; FALSE with @error set if it cannot come. */
static gboolean
wait_for_socket (AtriumUploadStream  *self,
                 GCancellable        *cancellable,
                 GError             **error)
{
  AtriumMediaServer *server = self->server;
  gulong id = 0;
  gboolean ok;

  if (self->socket != NULL)
    return TRUE;

  /* Connected off the lock: it runs at once if already cancelled. */
  if (cancellable != NULL)
    id = g_cancellable_connect (cancellable, G_CALLBACK (upload_cancelled_cb), self, NULL);
  g_mutex_lock (&server->lock);
  while (!self->upload->failed && self->upload->socket == NULL && !server->stopped)
    if (!g_cond_wait_until (&server->upload_cond, &server->lock, self->upload->expires))
      self->upload->failed = TRUE;
  ok = !self->upload->failed && !server->stopped && self->upload->socket != NULL;
  if (ok)
    {
      self->socket = g_object_ref (self->upload->socket);
      self->leftover = g_steal_pointer (&self->upload->leftover);
    }
  g_mutex_unlock (&server->lock);
  if (id != 0)
    g_cancellable_disconnect (cancellable, id);

  if (!ok)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error)
          || g_cancellable_set_error_if_cancelled (self->call_cancellable, error))
        return FALSE;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "The page's stream did not come, or its key was used twice");
    }
  return ok;
}

static gssize
_atrium_upload_stream_read (GInputStream  *stream,
                            void          *buffer,
                            gsize          count,
                            GCancellable  *cancellable,
                            GError       **error)
{
  AtriumUploadStream *self = ATRIUM_UPLOAD_STREAM (stream);
  GCancellable *watch = cancellable != NULL ? cancellable : self->call_cancellable;
  gssize n;

  if (g_cancellable_set_error_if_cancelled (self->call_cancellable, error)
      || !wait_for_socket (self, watch, error))
    return -1;

  count = MIN (count, self->remaining);
  if (count == 0)
    {
      /* The whole body is read: the page's fetch gets its answer. */
      if (!self->answered)
        {
          g_autofree char *head =
            g_strdup_printf ("HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: %s\r\n"
                             "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                             self->server->allowed_origin);

          self->answered = TRUE;
          g_socket_send_with_blocking (self->socket, head, strlen (head), TRUE, NULL, NULL);
        }
      return 0;
    }

  if (self->leftover != NULL && self->leftover_used < g_bytes_get_size (self->leftover))
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (self->leftover, &size);

      n = MIN (count, size - self->leftover_used);
      memcpy (buffer, data + self->leftover_used, n);
      self->leftover_used += n;
      self->remaining -= n;
      return n;
    }

  n = g_socket_receive_with_blocking (self->socket, buffer, count, TRUE, watch, error);
  if (n <= 0)
    {
      /* A socket shut by a cancel reads as an error or an early end. */
      if (g_cancellable_is_cancelled (watch) || g_cancellable_is_cancelled (self->call_cancellable))
        {
          g_clear_error (error);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The call was cancelled");
        }
      else if (n == 0)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                             "The page's stream ended before its size");
      return -1;
    }
  self->remaining -= n;
  return n;
}

static gboolean
_atrium_upload_stream_close (GInputStream  *stream,
                             GCancellable  *cancellable,
                             GError       **error)
{
  AtriumUploadStream *self = ATRIUM_UPLOAD_STREAM (stream);
  AtriumMediaServer *server = self->server;

  if (self->cancelled_id != 0)
    g_cancellable_disconnect (self->call_cancellable, self->cancelled_id);
  self->cancelled_id = 0;

  /* Read whole or not, the page's request ends here; one not read whole
   * fails in the page. */
  g_mutex_lock (&server->lock);
  if (self->upload != NULL)
    {
      g_hash_table_remove (server->uploads, self->upload->key);
      self->upload = NULL;
    }
  g_mutex_unlock (&server->lock);
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  return TRUE;
}

static void
_atrium_upload_stream_finalize (GObject *object)
{
  AtriumUploadStream *self = ATRIUM_UPLOAD_STREAM (object);

  /* GInputStream's dispose closed it. */
  g_assert (self->upload == NULL);
  g_clear_object (&self->socket);
  g_clear_pointer (&self->leftover, g_bytes_unref);
  g_clear_object (&self->call_cancellable);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (_atrium_upload_stream_parent_class)->finalize (object);
}

static void
_atrium_upload_stream_class_init (AtriumUploadStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = _atrium_upload_stream_finalize;
  stream_class->read_fn = _atrium_upload_stream_read;
  stream_class->close_fn = _atrium_upload_stream_close;
}

static void
_atrium_upload_stream_init (AtriumUploadStream *self)
{
}

/**
 * _atrium_media_server_claim_upload:
 * @key: the key the call message names, 32 hex digits
 * @size: the size it names
 * @cancellable: (nullable): the call's: cancelling it ends every read
 *
 * Claims the page's upload under @key, whether its POST has come or not:
 * only the call message, which carries the token, may. Any thread; does
 * not block (the stream's reads do).
 *
 * Returns: (transfer full) (nullable): the stream, or %NULL with @error set
 *   to %ATRIUM_ERROR_FORBIDDEN when the key was claimed or spoilt already,
 *   %ATRIUM_ERROR_QUEUE_FULL when too many uploads wait
 */
GInputStream *
_atrium_media_server_claim_upload (AtriumMediaServer *self,
                                   const char        *key,
                                   guint64            size,
                                   GCancellable      *cancellable,
                                   GError           **error)
{
  g_autoptr(AtriumUploadStream) stream = NULL;
  Upload *upload;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  upload = g_hash_table_lookup (self->uploads, key);
  if (self->stopped || (upload != NULL && (upload->claimed || upload->failed
                                           || (guint64) upload->length != size)))
    {
      g_mutex_unlock (&self->lock);
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                           "The page's stream was taken, spoilt or is not the size its call says");
      return NULL;
    }
  if (upload == NULL && g_hash_table_size (self->uploads) >= 2 * ATRIUM_MEDIA_MAX_UPLOADS)
    {
      g_mutex_unlock (&self->lock);
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                           "Too many streams from pages are under way");
      return NULL;
    }
  if (upload == NULL)
    {
      upload = g_new0 (Upload, 1);
      g_strlcpy (upload->key, key, sizeof upload->key);
      upload->length = -1;
      g_hash_table_insert (self->uploads, upload->key, upload);
    }
  upload->claimed = TRUE;
  upload->claimed_size = size;
  upload->expires = g_get_monotonic_time ()
                    + (gint64) g_atomic_int_get (&self->stream_lifetime_ms) * 1000;
  arm_expiry_locked (self);

  stream = g_object_new (ATRIUM_TYPE_UPLOAD_STREAM, NULL);
  stream->server = g_object_ref (self);
  stream->upload = upload;
  stream->remaining = size;
  g_mutex_unlock (&self->lock);

  if (cancellable != NULL)
    {
      stream->call_cancellable = g_object_ref (cancellable);
      stream->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (upload_cancelled_cb),
                                                    stream, NULL);
    }
  return G_INPUT_STREAM (g_steal_pointer (&stream));
}

/**
 * _atrium_media_server_release_upload:
 * @key: an upload's key that a call named and never claimed
 *
 * Lets the upload go: its connection is closed now, or, when its POST is
 * still to come, refused when it does. Any thread.
 */
void
_atrium_media_server_release_upload (AtriumMediaServer *self,
                                     const char        *key)
{
  Upload *upload;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  upload = g_hash_table_lookup (self->uploads, key);
  if (upload != NULL && !upload->claimed)
    g_hash_table_remove (self->uploads, key);
  else if (upload == NULL && !self->stopped
           && g_hash_table_size (self->uploads) < ATRIUM_MEDIA_MAX_UPLOADS)
    {
      /* A tombstone: the POST finds its key spoilt, until it expires. */
      upload = g_new0 (Upload, 1);
      g_strlcpy (upload->key, key, sizeof upload->key);
      upload->length = -1;
      upload->failed = TRUE;
      upload->expires = g_get_monotonic_time ()
                        + (gint64) g_atomic_int_get (&self->stream_lifetime_ms) * 1000;
      g_hash_table_insert (self->uploads, upload->key, upload);
      arm_expiry_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

void
_atrium_media_server_set_max_upload (AtriumMediaServer *self,
                                     guint64            max_size)
{
  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  self->max_upload = max_size;
  g_mutex_unlock (&self->lock);
}

/* Uploads kept, claimed or not; for tests. */
guint
_atrium_media_server_get_n_uploads (AtriumMediaServer *self)
{
  guint n;

  g_assert (ATRIUM_IS_MEDIA_SERVER (self));

  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->uploads);
  g_mutex_unlock (&self->lock);
  return n;
}

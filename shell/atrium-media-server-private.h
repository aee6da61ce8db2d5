#pragma once

#include <gio/gio.h>

#include "atrium-assets.h"
#include "atrium-http-private.h"

G_BEGIN_DECLS

/* Limits of the loopback server (atrium-media-server.c says why each). */
#define ATRIUM_MEDIA_MAX_CONNECTIONS   128
#define ATRIUM_MEDIA_WORKERS           4
#define ATRIUM_MEDIA_HEAD_DEADLINE_MS  5000
#define ATRIUM_MEDIA_IDLE_TIMEOUT_MS   30000

/* Streams waiting for the page to fetch them (atrium_call_return_stream). */
#define ATRIUM_MEDIA_STREAMS_PER_OWNER 64
#define ATRIUM_MEDIA_MAX_STREAMS       1024
#define ATRIUM_MEDIA_STREAM_LIFETIME_MS 30000
/* The path of a stream's one-time URL, after the route's base. */
#define ATRIUM_MEDIA_STREAM_PATH       "/__atrium/stream/"
/* Where the runtime POSTs a Blob the page sends as a stream, + its key. */
#define ATRIUM_MEDIA_UPLOAD_PATH       "/__atrium/upload/"
/* Uploads whose call has not claimed them yet. */
#define ATRIUM_MEDIA_MAX_UPLOADS       64
/* How long a read of an upload waits for the page's next bytes. */
#define ATRIUM_MEDIA_UPLOAD_TIMEOUT_S  30

/* What the server answers to one request: @out is sent first (the
 * response head, and the whole body of a status page), then @length bytes
 * of @body from @start (sendfile() from @fd when it has one). */
typedef struct
{
  guint         status;
  GString      *out;
  GInputStream *body;       /* NULL when @out is the whole response */
  int           fd;         /* @body's descriptor, or -1 */
  goffset       start;
  goffset       length;
  gboolean      keep_alive; /* whether the connection may carry another request */
  gboolean      chunked;    /* @body has no known length: chunked framing */
  gboolean      is_stream;  /* @body is the app's stream: closed at the end, off the lock */
  GCancellable *cancellable; /* cancels reads of the app's stream */
  gconstpointer owner;      /* the stream's owner, see _atrium_media_server_add_stream() */
  gpointer      stream_entry; /* the server's record of it, under the server's lock */
  gboolean      upload;     /* a POST of a stream: the connection goes to its claim */
  char          upload_key[33];
  gint64        upload_length;
} AtriumMediaResponse;

void _atrium_media_response_clear (AtriumMediaResponse *response);

#define ATRIUM_TYPE_MEDIA_SERVER (_atrium_media_server_get_type ())

G_DECLARE_FINAL_TYPE (AtriumMediaServer, _atrium_media_server, ATRIUM, MEDIA_SERVER, GObject)

AtriumMediaServer *_atrium_media_server_new          (AtriumAssets      *assets,
                                                      const char        *allowed_origin,
                                                      GError           **error);
AtriumMediaServer *_atrium_media_server_new_offline  (AtriumAssets      *assets,
                                                      const char        *allowed_origin,
                                                      guint16            port,
                                                      GError           **error);
void               _atrium_media_server_stop         (AtriumMediaServer *self);
void               _atrium_media_server_set_assets   (AtriumMediaServer *self,
                                                      AtriumAssets      *assets);
const char        *_atrium_media_server_get_origin   (AtriumMediaServer *self);
const char        *_atrium_media_server_get_base     (AtriumMediaServer *self);
guint16            _atrium_media_server_get_port     (AtriumMediaServer *self);

void               _atrium_media_server_respond      (AtriumMediaServer   *self,
                                                      char                *head,
                                                      gsize                length,
                                                      AtriumMediaResponse *response);
void               _atrium_media_server_respond_status (AtriumMediaServer   *self,
                                                        guint                status,
                                                        const char          *message,
                                                        AtriumMediaResponse *response);

gboolean           _atrium_media_check_content_type  (const char        *content_type,
                                                      GError           **error);
char              *_atrium_media_server_add_stream   (AtriumMediaServer *self,
                                                      GInputStream      *stream,
                                                      const char        *content_type,
                                                      goffset            size,
                                                      gconstpointer      owner,
                                                      GError           **error);
void               _atrium_media_server_drop_streams (AtriumMediaServer *self,
                                                      gconstpointer      owner);

GInputStream      *_atrium_media_server_claim_upload (AtriumMediaServer *self,
                                                      const char        *key,
                                                      guint64            size,
                                                      GCancellable      *cancellable,
                                                      GError           **error);
void               _atrium_media_server_release_upload (AtriumMediaServer *self,
                                                        const char        *key);
void               _atrium_media_server_set_max_upload (AtriumMediaServer *self,
                                                        guint64            max_size);

/* For tests. */
guint              _atrium_media_server_get_n_uploads (AtriumMediaServer *self);
void               _atrium_media_server_set_stream_lifetime (AtriumMediaServer *self,
                                                             guint              ms);
guint              _atrium_media_server_get_n_streams (AtriumMediaServer *self,
                                                       gconstpointer      owner);
void               _atrium_media_server_set_timeouts (AtriumMediaServer *self,
                                                      guint              head_deadline_ms,
                                                      guint              idle_timeout_ms);
guint              _atrium_media_server_get_n_connections (AtriumMediaServer *self);

G_END_DECLS

#pragma once

#include <gio/gio.h>

#include "atrium-assets.h"

G_BEGIN_DECLS

/* Longest request head (request line and headers) the loopback server reads. */
#define ATRIUM_HTTP_MAX_HEAD 8192

/* Limits of the loopback server (atrium-media-server.c says why each). */
#define ATRIUM_MEDIA_MAX_CONNECTIONS   128
#define ATRIUM_MEDIA_WORKERS           4
#define ATRIUM_MEDIA_HEAD_DEADLINE_MS  5000
#define ATRIUM_MEDIA_IDLE_TIMEOUT_MS   30000

/* The parts of a request head the loopback server looks at. The strings
 * point into the buffer given to _atrium_http_parse_request(). */
typedef struct
{
  const char *method;
  const char *target;
  const char *host;         /* NULL when absent */
  const char *range;        /* NULL when absent */
  guint       version;      /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
  gboolean    keep_alive;
  gboolean    has_body;     /* Content-Length other than 0, or Transfer-Encoding */
} AtriumHttpRequest;

gboolean _atrium_http_parse_request (char              *head,
                                     gsize              length,
                                     AtriumHttpRequest *request);

/* The bytes a connection has received and not yet answered: at most one
 * request head's worth, plus whatever a client pipelined after it. */
typedef struct
{
  char  data[ATRIUM_HTTP_MAX_HEAD];
  gsize filled;
  gsize searched;           /* bytes already known to hold no CRLFCRLF end */
} AtriumHttpReader;

typedef enum
{
  ATRIUM_HTTP_NEED_MORE,    /* no whole head yet, and room for more */
  ATRIUM_HTTP_HEAD,         /* a whole head was taken out */
  ATRIUM_HTTP_TOO_LARGE,    /* the buffer is full and holds no whole head */
} AtriumHttpNext;

gboolean       _atrium_http_reader_has_head (AtriumHttpReader *reader);
AtriumHttpNext _atrium_http_reader_take     (AtriumHttpReader *reader,
                                             char             *head,
                                             gsize            *length);

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

/* For tests. */
void               _atrium_media_server_set_timeouts (AtriumMediaServer *self,
                                                      guint              head_deadline_ms,
                                                      guint              idle_timeout_ms);
guint              _atrium_media_server_get_n_connections (AtriumMediaServer *self);

G_END_DECLS

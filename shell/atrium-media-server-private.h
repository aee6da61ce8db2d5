#pragma once

#include <gio/gio.h>

#include "atrium-assets.h"

G_BEGIN_DECLS

/* Longest request head (request line and headers) the loopback server reads. */
#define ATRIUM_HTTP_MAX_HEAD 8192

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

#define ATRIUM_TYPE_MEDIA_SERVER (_atrium_media_server_get_type ())

G_DECLARE_FINAL_TYPE (AtriumMediaServer, _atrium_media_server, ATRIUM, MEDIA_SERVER, GObject)

AtriumMediaServer *_atrium_media_server_new          (AtriumAssets      *assets,
                                                      const char        *allowed_origin,
                                                      GError           **error);
void               _atrium_media_server_stop         (AtriumMediaServer *self);
void               _atrium_media_server_set_assets   (AtriumMediaServer *self,
                                                      AtriumAssets      *assets);
const char        *_atrium_media_server_get_origin   (AtriumMediaServer *self);
const char        *_atrium_media_server_get_base     (AtriumMediaServer *self);
guint16            _atrium_media_server_get_port     (AtriumMediaServer *self);

G_END_DECLS

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* HTTP for both of Atrium's servers: status codes and their reasons (the
 * app:// scheme and the loopback media route answer alike), and the
 * loopback route's strict request-head parser and framing, kept apart
 * from any socket so that fuzzers can drive them alone. No GTK, no WebKit. */

guint       _atrium_http_status_for_error (const GError *error);
const char *_atrium_http_reason_phrase    (guint         status);
char       *_atrium_http_status_body      (guint         status,
                                           const char   *message);

/* Planning an answer to a Range header (see atrium-range.c): the status
 * (200, 206 or 416), the bytes to send, and the Content-Range to say so. */
guint       _atrium_http_plan_range       (const char   *range,
                                           goffset       size,
                                           goffset      *start,
                                           goffset      *length);
char       *_atrium_http_content_range    (guint         status,
                                           goffset       start,
                                           goffset       length,
                                           goffset       size);

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
  const char *origin;       /* NULL when absent */
  gint64      content_length; /* -1 when absent (or with Transfer-Encoding) */
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

G_END_DECLS

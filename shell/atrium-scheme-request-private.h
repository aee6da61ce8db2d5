#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ATRIUM_SCHEME "app"
#define ATRIUM_ORIGIN "app://localhost"

/* Where the runtime uploads large call messages, and the one content type
 * it sends them with: what fetch() sets for a string body. */
#define ATRIUM_UPLOAD_PATH "/__atrium/upload"
#define ATRIUM_UPLOAD_CONTENT_TYPE "text/plain;charset=UTF-8"
#define ATRIUM_UPLOAD_KEY_MAX 32

/* An app:// request as plain data: what the handler can learn about it
 * without touching its body. Every string is NUL-terminated and may be
 * anything the page chose; %NULL means absent. */
typedef struct
{
  const char *uri;           /* the whole URI, as WebKit gives it */
  const char *path;          /* its path, still percent-encoded */
  const char *method;        /* WebKit's default, GET, when %NULL */
  const char *origin;        /* the Origin header */
  const char *referer;       /* the Referer header */
  const char *content_type;  /* the Content-Type header */
  gboolean    from_app_window;  /* its web view is an app window with a bridge */
  gboolean    has_assets;       /* the app has an asset source */
} AtriumSchemeRequest;

typedef enum
{
  ATRIUM_SCHEME_REFUSE,  /* answer @status with @message and nothing else */
  ATRIUM_SCHEME_SERVE,   /* open the asset at the path (headers only for HEAD) */
  ATRIUM_SCHEME_UPLOAD,  /* keep the request, its body unread, under @key */
} AtriumSchemeAction;

typedef struct
{
  AtriumSchemeAction  action;
  guint               status;      /* REFUSE */
  const char         *message;     /* REFUSE: static text the page may read */
  int                 error_code;  /* REFUSE: an AtriumError code for a JSON
                                    * answer the runtime reads, or -1 for text */
  const char         *allow;       /* REFUSE with 405: the Allow header */
  gboolean            head;        /* SERVE: the body stays empty */
  const char         *key;         /* UPLOAD: inside the request's uri */
  gsize               key_length;  /* UPLOAD */
} AtriumSchemeDecision;

void     _atrium_scheme_decide          (const AtriumSchemeRequest *request,
                                         AtriumSchemeDecision      *decision);
gboolean _atrium_upload_key_is_valid    (const char                *key,
                                         gsize                      length);
char    *_atrium_scheme_frame_rules     (const char                *origin);

G_END_DECLS

#pragma once

#include <webkit/webkit.h>

#include "atrium-call-message-private.h"
#include "atrium-call-private.h"
#include "atrium-scheme-request-private.h"
#include "atrium-token-private.h"

G_BEGIN_DECLS

typedef struct _AtriumEvents AtriumEvents;

/* Runs a worker method's call off the main thread (the app's pool). */
typedef void     (*AtriumBridgeRunFunc)    (AtriumCall *call,
                                            gpointer    data);
/* Whether @uri is one of the app's own pages. */
typedef gboolean (*AtriumBridgeOriginFunc) (const char *uri,
                                            gpointer    data);

/* What a bridge works with, given by the app when a window is built (see
 * _atrium_app_get_bridge_setup()): the bridge never asks the app. The
 * pointers belong to @owner, which the bridge keeps alive until it
 * closes; the limits are fixed once the app has started. */
typedef struct
{
  GObject                *owner;
  const char             *token;
  AtriumRegistry         *registry;
  AtriumEvents           *events;
  AtriumMediaServer      *media;          /* NULL: no loopback route (a dev server) */
  WebKitUserScript       *runtime;        /* the runtime script, token filled in */
  gsize                   max_message_size;
  guint64                 max_stream_size;
  guint                   max_depth;
  gboolean                log_console;    /* take the page's console lines */
  AtriumBridgeRunFunc     run_on_worker;
  AtriumBridgeOriginFunc  is_app_uri;
} AtriumBridgeSetup;

/* Calls one window may have in flight in C; see the runtime's lanes. */
#define ATRIUM_BRIDGE_MAX_CALLS 8192
/* Uploads one window may have waiting for their calls. */
#define ATRIUM_BRIDGE_MAX_UPLOADS 16
/* From what size the runtime uploads call messages (to ATRIUM_UPLOAD_PATH). */
#define ATRIUM_DEFAULT_UPLOAD_MIN (256 * 1024)

/* Default limit on one message from the page, in bytes. */
#define ATRIUM_DEFAULT_MAX_MESSAGE_SIZE (64 * 1024 * 1024)

#define ATRIUM_TYPE_BRIDGE (_atrium_bridge_get_type ())

G_DECLARE_FINAL_TYPE (AtriumBridge, _atrium_bridge, ATRIUM, BRIDGE, GObject)

AtriumBridge *_atrium_bridge_new          (const AtriumBridgeSetup  *setup,
                                           AtriumWindow             *window,
                                           WebKitUserContentManager *manager);
void          _atrium_bridge_close        (AtriumBridge             *self);
AtriumWindow *_atrium_bridge_get_window   (AtriumBridge             *self);
guint         _atrium_bridge_get_n_calls  (AtriumBridge             *self);
guint         _atrium_bridge_get_n_pull_streams (AtriumBridge *self);
void          _atrium_bridge_set_pull_lifetime (AtriumBridge *self,
                                                guint         ms);
void          _atrium_bridge_set_upload_lifetime (AtriumBridge *self,
                                                  guint         ms);
void          _atrium_bridge_deliver      (AtriumCall               *call);

char         *_atrium_bridge_error_to_json (const GError            *error);
/* Opens the body of a kept upload (see _atrium_bridge_add_upload()). */
typedef GInputStream * (*AtriumUploadOpenFunc) (GObject *source);

gboolean      _atrium_bridge_add_upload   (AtriumBridge             *self,
                                           const char               *key,
                                           gsize                     key_length,
                                           GObject                  *source,
                                           AtriumUploadOpenFunc      open_body,
                                           GError                  **error);
GBytes       *_atrium_bridge_claim_upload (AtriumBridge             *self,
                                           const char               *key,
                                           gsize                     key_length,
                                           GError                  **error);
void          _atrium_bridge_get_upload_stats (AtriumBridge         *self,
                                           guint64                  *received,
                                           guint                    *waiting);
void          _atrium_bridge_get_transport_stats (AtriumBridge *self,
                                                  guint64      *script_calls,
                                                  guint64      *extension_calls);
guint64       _atrium_bridge_get_extension_refused (AtriumBridge *self);

void _atrium_bridge_page_changed (AtriumBridge *self);
void _atrium_bridge_process_gone (AtriumBridge *self);

G_END_DECLS

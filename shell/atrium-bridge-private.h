#pragma once

#include <webkit/webkit.h>

#include "atrium-call-private.h"

G_BEGIN_DECLS

typedef struct _AtriumApp AtriumApp;

/* Length of the per-launch token that prefixes every message. */
#define ATRIUM_TOKEN_LENGTH 32

/* Default limit on one message from the page, in bytes. */
#define ATRIUM_DEFAULT_MAX_MESSAGE_SIZE (64 * 1024 * 1024)

#define ATRIUM_TYPE_BRIDGE (_atrium_bridge_get_type ())

G_DECLARE_FINAL_TYPE (AtriumBridge, _atrium_bridge, ATRIUM, BRIDGE, GObject)

AtriumBridge *_atrium_bridge_new          (AtriumApp                *app,
                                           AtriumWindow             *window,
                                           WebKitUserContentManager *manager);
void          _atrium_bridge_close        (AtriumBridge             *self);
AtriumWindow *_atrium_bridge_get_window   (AtriumBridge             *self);
guint         _atrium_bridge_get_n_calls  (AtriumBridge             *self);
void          _atrium_bridge_deliver      (AtriumCall               *call);

JsonNode     *_atrium_bridge_decode       (const char               *text,
                                           gsize                     length,
                                           const char               *token,
                                           gsize                     max_size,
                                           guint                     max_depth,
                                           GError                  **error);
char         *_atrium_bridge_error_to_json (const GError            *error);

G_END_DECLS

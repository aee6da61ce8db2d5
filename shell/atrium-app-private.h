#pragma once

#include "atrium-app.h"
#include "atrium-app-instance-private.h"
#include "atrium-bridge-private.h"
#include "atrium-call-private.h"
#include "atrium-events-private.h"
#include "atrium-media-server-private.h"

G_BEGIN_DECLS

#define ATRIUM_DEFAULT_MAX_WINDOWS 32


AtriumRegistry   *_atrium_app_get_registry     (AtriumApp  *self);
const char       *_atrium_app_get_token        (AtriumApp  *self);
void              _atrium_app_window_created   (AtriumApp    *self,
                                                AtriumWindow *window);
void              _atrium_app_set_upload_min   (AtriumApp  *self,
                                                gsize       upload_min);
void              _atrium_app_start            (AtriumApp  *self);
void              _atrium_app_get_bridge_setup (AtriumApp         *self,
                                                AtriumBridgeSetup *setup);
WebKitWebView    *_atrium_app_get_related_view (AtriumApp    *self,
                                                AtriumWindow *window);
gboolean          _atrium_app_is_app_uri       (AtriumApp  *self,
                                                const char *uri);
void              _atrium_app_run_on_worker    (AtriumApp  *self,
                                                AtriumCall *call);

const char        *_atrium_app_get_origin       (AtriumApp  *self);
char              *_atrium_app_resolve          (AtriumApp  *self,
                                                 const char *path_or_uri);
const char        *_atrium_app_get_csp          (AtriumApp  *self);
AtriumMediaServer *_atrium_app_get_media_server (AtriumApp  *self);
AtriumEvents      *_atrium_app_get_events       (AtriumApp  *self);
AtriumAppInstance *_atrium_app_get_instance     (AtriumApp  *self);
void               _atrium_app_close_refused    (AtriumApp  *self);
gboolean           _atrium_app_emit_builtin     (AtriumApp  *self,
                                                 guint       target,
                                                 guint       exclude,
                                                 const char *name,
                                                 JsonNode   *data);

G_END_DECLS

#pragma once

#include "atrium-app.h"
#include "atrium-call-private.h"

G_BEGIN_DECLS

AtriumRegistry   *_atrium_app_get_registry     (AtriumApp  *self);
const char       *_atrium_app_get_token        (AtriumApp  *self);
WebKitUserScript *_atrium_app_get_user_script  (AtriumApp  *self);
gboolean          _atrium_app_is_app_uri       (AtriumApp  *self,
                                                const char *uri);
void              _atrium_app_run_on_worker    (AtriumApp  *self,
                                                AtriumCall *call);

G_END_DECLS

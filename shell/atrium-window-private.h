#pragma once

#include "atrium-window.h"
#include "atrium-bridge-private.h"

G_BEGIN_DECLS

AtriumBridge *_atrium_window_get_bridge   (AtriumWindow *self);
void          _atrium_window_grant_open   (AtriumWindow *self,
                                           const char   *uri,
                                           gsize         length);
void          _atrium_window_get_refusals (AtriumWindow *self,
                                           guint        *downloads,
                                           guint        *opens);

G_END_DECLS

#pragma once

#include "atrium-window.h"
#include "atrium-bridge-private.h"

G_BEGIN_DECLS

AtriumBridge *_atrium_window_get_bridge (AtriumWindow *self);

G_END_DECLS

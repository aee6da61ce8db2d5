#pragma once

#include "atrium-app.h"
#include "atrium-window.h"

G_BEGIN_DECLS

void _atrium_screenshot_start (AtriumApp    *app,
                               AtriumWindow *window,
                               const char   *path);

G_END_DECLS

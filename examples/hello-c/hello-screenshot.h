#pragma once

#include <atrium.h>

G_BEGIN_DECLS

void hello_screenshot_setup (AtriumApp *app);

G_END_DECLS

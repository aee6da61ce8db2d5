#pragma once

#include <atrium.h>

G_BEGIN_DECLS

void demo_services_bind (AtriumApp *app);

G_END_DECLS

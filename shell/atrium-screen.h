#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

ATRIUM_AVAILABLE_IN_ALL
JsonNode *atrium_screen_list         (GdkDisplay *display);
ATRIUM_AVAILABLE_IN_ALL
JsonNode *atrium_screen_get_current  (GtkWindow  *window);

G_END_DECLS

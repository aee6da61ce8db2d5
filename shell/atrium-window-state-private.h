#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void        _atrium_window_state_attach   (GtkWindow  *window,
                                           const char *app_id,
                                           const char *key);
const char *_atrium_window_state_get_key  (GtkWindow  *window);
void        _atrium_window_state_flush    (GtkWindow  *window);

G_END_DECLS

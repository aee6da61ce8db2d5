#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gtk/gtk.h>
#include <webkit/webkit.h>

#include "atrium-app.h"

G_BEGIN_DECLS

#define ATRIUM_TYPE_WINDOW (atrium_window_get_type ())

ATRIUM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AtriumWindow, atrium_window, ATRIUM, WINDOW, GtkApplicationWindow)

ATRIUM_AVAILABLE_IN_ALL
AtriumWindow  *atrium_window_new           (AtriumApp    *app);
ATRIUM_AVAILABLE_IN_ALL
AtriumApp     *atrium_window_get_app       (AtriumWindow *self);
ATRIUM_AVAILABLE_IN_ALL
guint          atrium_window_get_id        (AtriumWindow *self);
ATRIUM_AVAILABLE_IN_ALL
WebKitWebView *atrium_window_get_web_view  (AtriumWindow *self);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_window_load          (AtriumWindow *self,
                                            const char   *path_or_uri);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_window_set_min_size  (AtriumWindow *self,
                                            int           width,
                                            int           height);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_window_set_state_key (AtriumWindow *self,
                                            const char   *key);
ATRIUM_AVAILABLE_IN_ALL
const char    *atrium_window_get_state_key (AtriumWindow *self);

G_END_DECLS

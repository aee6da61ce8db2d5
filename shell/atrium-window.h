#pragma once

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gtk/gtk.h>
#include <webkit/webkit.h>

#include "atrium-app.h"

G_BEGIN_DECLS

#define ATRIUM_TYPE_WINDOW (atrium_window_get_type ())

G_DECLARE_FINAL_TYPE (AtriumWindow, atrium_window, ATRIUM, WINDOW, GtkApplicationWindow)

AtriumWindow  *atrium_window_new           (AtriumApp    *app);
AtriumApp     *atrium_window_get_app       (AtriumWindow *self);
guint          atrium_window_get_id        (AtriumWindow *self);
WebKitWebView *atrium_window_get_web_view  (AtriumWindow *self);
void           atrium_window_load          (AtriumWindow *self,
                                            const char   *path_or_uri);
void           atrium_window_set_min_size  (AtriumWindow *self,
                                            int           width,
                                            int           height);

G_END_DECLS

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
void           atrium_window_set_frameless (AtriumWindow *self,
                                            gboolean      frameless);
ATRIUM_AVAILABLE_IN_ALL
gboolean       atrium_window_get_frameless (AtriumWindow *self);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_window_set_file_drop (AtriumWindow *self,
                                            gboolean      file_drop);
ATRIUM_AVAILABLE_IN_ALL
gboolean       atrium_window_get_file_drop (AtriumWindow *self);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_window_set_state_key (AtriumWindow *self,
                                            const char   *key);
ATRIUM_AVAILABLE_IN_ALL
const char    *atrium_window_get_state_key (AtriumWindow *self);

ATRIUM_AVAILABLE_IN_ALL
void           atrium_window_set_max_size  (AtriumWindow *self,
                                            int           width,
                                            int           height);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_window_set_background_color (AtriumWindow  *self,
                                                   const GdkRGBA *color);
ATRIUM_AVAILABLE_IN_ALL
guint          atrium_window_get_close_timeout (AtriumWindow *self);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_window_set_close_timeout (AtriumWindow *self,
                                                guint         timeout_ms);

ATRIUM_AVAILABLE_IN_ALL
gboolean       atrium_window_move          (AtriumWindow *self,
                                            int           x,
                                            int           y,
                                            GError      **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean       atrium_window_get_position  (AtriumWindow *self,
                                            int          *x,
                                            int          *y,
                                            GError      **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean       atrium_window_center        (AtriumWindow *self,
                                            GError      **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean       atrium_window_set_keep_above (AtriumWindow *self,
                                             gboolean      keep_above,
                                             GError      **error);

G_END_DECLS

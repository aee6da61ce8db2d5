#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A window's frame: frameless or not, and what a page's drag regions ask
 * of the window manager (atrium-window-frame.c). Main thread. */

void     _atrium_window_frame_init            (GtkWindow  *window);
void     _atrium_window_frame_set_frameless   (GtkWindow  *window,
                                               gboolean    frameless);
gboolean _atrium_window_frame_is_frameless    (GtkWindow  *window);
gboolean _atrium_window_frame_begin_move      (GtkWindow  *window,
                                               GError    **error);
gboolean _atrium_window_frame_toggle_maximize (GtkWindow  *window,
                                               GError    **error);
gboolean _atrium_window_frame_show_menu       (GtkWindow  *window,
                                               GError    **error);

guint      _atrium_window_frame_get_moves     (GtkWindow  *window);
void       _atrium_window_frame_get_toggles   (GtkWindow  *window,
                                               guint      *refused,
                                               guint      *done);
GtkWidget *_atrium_window_frame_get_menu      (GtkWindow  *window);
gboolean   _atrium_window_frame_menu_is_pending (GtkWindow *window);

G_END_DECLS

#pragma once

#include "atrium-window.h"

G_BEGIN_DECLS

/* Files dropped from the desktop onto a window that allows it
 * (atrium-window-drop.c). Main thread. */

/* At most this many paths in one atrium:window.files-dropped, each at
 * most this many bytes; the rest are left out, with a log line. */
#define ATRIUM_DROP_PATHS_MAX  1024
#define ATRIUM_DROP_PATH_MAX   4096

void           _atrium_window_drop_init         (AtriumWindow *window);
void           _atrium_window_drop_set_enabled  (AtriumWindow *window,
                                                 gboolean      enabled);
gboolean       _atrium_window_drop_get_enabled  (AtriumWindow *window);

/* The window's drop target, for tests that hand it a drop. */
GtkDropTarget *_atrium_window_drop_get_target   (AtriumWindow *window);

/* Whether a drop offering @formats is the window's (files from a file
 * manager) rather than the page's (text, links, the page's own drags). */
gboolean       _atrium_window_drop_wants        (GdkContentFormats *formats);

/* The local paths among @files, in order, bounded as above: a new array
 * of strings; @left_out counts the files that are not in it. */
GPtrArray     *_atrium_window_drop_paths        (GSList       *files,
                                                 guint        *left_out);

G_END_DECLS

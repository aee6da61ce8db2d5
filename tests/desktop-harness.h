#pragma once

/* For tests that need a desktop: a real window manager (openbox) on the
 * Xvfb display, started before GTK opens it, and the X tools that act and
 * look from outside the process (xdotool, xprop, xwininfo, wmctrl). */

#include <glib.h>

G_BEGIN_DECLS

/* Before gtk_init(): starts openbox, or notes why there is none, and
 * waits until openbox has said what it supports. */
void      desktop_wm_start        (void);
void      desktop_wm_stop         (void);
/* For a failure's message: whether openbox still runs, and what the root
 * window says of it. */
char     *desktop_wm_describe     (void);
gboolean  desktop_has_wm          (void);
/* FALSE, having skipped the test with the reason, without a window manager. */
gboolean  desktop_need_wm         (void);

/* Runs an X tool to its end and returns what it printed; @status (if not
 * NULL) gets its wait status. The main loop does not run meanwhile. */
char     *desktop_run_tool        (const char * const *argv,
                                   int                *status);

/* The X window (visible, titled exactly @title), or 0. */
gulong    desktop_find_window     (const char *title);
/* Iterates the main loop until a window titled @title shows (its id), or
 * until none does. */
gulong    desktop_wait_window     (const char *title);
void      desktop_wait_window_gone (const char *title);
/* Gives @window the focus through the window manager, and waits until
 * X says it has it. */
void      desktop_focus           (gulong      window);
/* Gives @window the focus through the window manager, then sends @keys
 * (xdotool's names, such as "ctrl+l" or "Escape") from the keyboard. */
void      desktop_key             (gulong      window,
                                   const char *keys);
/* Where X has @window (its client area, in root coordinates) and how big,
 * from xwininfo; aborts the test if xwininfo cannot tell. */
void      desktop_get_geometry    (gulong      window,
                                   int        *x,
                                   int        *y,
                                   int        *width,
                                   int        *height);
/* Where the pointer is, in root coordinates. */
void      desktop_get_pointer     (int        *x,
                                   int        *y);
/* Moves the pointer to @x, @y in @window and clicks the primary button
 * there, as the user would. */
void      desktop_click           (gulong      window,
                                   int         x,
                                   int         y);
/* Types @text on the keyboard into @window, which has the focus. */
void      desktop_type            (gulong      window,
                                   const char *text);

G_END_DECLS

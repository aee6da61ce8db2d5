#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Window"
#include "config.h"

#include "atrium-window-frame-private.h"

#include "atrium-error.h"

/* Frameless windows, and the drag regions a page draws instead of a title
 * bar (elements with data-atrium-drag; the runtime asks for the move).
 *
 * Frameless is an undecorated window: neither the window manager nor GTK
 * draws a frame, and the page gets the whole of the window's size. (GTK's
 * own client-side frame with an empty title bar would keep resize edges,
 * but takes a theme's title bar height and borders from the page.) So the
 * edges are this file's: a press of the primary button within EDGE pixels
 * of a frameless window's border starts a resize there, and the page does
 * not see it.
 *
 * A page may move, maximise or show the window menu only while the user is
 * pressing a mouse button on the window, as a title bar does: the window
 * keeps the press in progress, seen first (capture phase), and the window
 * manager is handed that press. A page that asks without one is refused,
 * so it cannot move the window under the user.
 *
 * The window menu is the window manager's where it has one for clients to
 * open (_GTK_SHOW_WINDOW_MENU: Mutter, KWin, Xfwm). Where it has none (as
 * openbox), the window shows its own, as GTK's title bars do: a popover
 * at the pointer with GtkWindow's own actions (maximise or restore,
 * minimise, close, which asks the page as the close button does). It opens
 * when that button goes up: a popover that took the pointer while the
 * window still had the press would get a release for a press it never saw
 * (GTK warns of its broken accounting). */

/* A double click's second press is at most this old when its dblclick
 * reaches C: the click goes through the web process and back, which on a
 * loaded machine (or under ASan) took over a second. */
#define GESTURE_WINDOW_US (5 * G_USEC_PER_SEC)

/* How close to a frameless window's border a press resizes it. */
#define EDGE 6

typedef struct
{
  GtkWindow *window;
  GdkEvent  *press;       /* the button press in progress, if any */
  gint64     press_time;  /* monotonic µs of the last press */
  guint32    event_time;  /* X server time of the last pointer event */
  guint      moves;       /* moves handed to the window manager, for tests */
  guint      toggles_refused; /* maximise toggles, for tests */
  guint      toggles_done;
  gboolean   frameless;
  GtkWidget *menu;        /* our window menu, once shown; a child of the window */
  GdkEvent  *menu_press;  /* the press our menu opens for, when its button goes up */
} Frame;

static void show_own_menu (Frame    *self,
                           GdkEvent *press);

static const char frame_key[] = "atrium-window-frame";

static Frame *
get_frame (GtkWindow *window)
{
  return g_object_get_data (G_OBJECT (window), frame_key);
}

/* Which border of a frameless window a press at @x, @y (surface
 * coordinates) is on; FALSE in the middle. */
static gboolean
edge_at (Frame          *self,
         GdkSurface     *surface,
         double          x,
         double          y,
         GdkSurfaceEdge *edge)
{
  int width = gdk_surface_get_width (surface);
  int height = gdk_surface_get_height (surface);
  gboolean left = x < EDGE, right = x >= width - EDGE;
  gboolean top = y < EDGE, bottom = y >= height - EDGE;

  if (!self->frameless || !gtk_window_get_resizable (self->window)
      || gtk_window_is_maximized (self->window) || gtk_window_is_fullscreen (self->window))
    return FALSE;
  if (top)
    *edge = left ? GDK_SURFACE_EDGE_NORTH_WEST : right ? GDK_SURFACE_EDGE_NORTH_EAST
            : GDK_SURFACE_EDGE_NORTH;
  else if (bottom)
    *edge = left ? GDK_SURFACE_EDGE_SOUTH_WEST : right ? GDK_SURFACE_EDGE_SOUTH_EAST
            : GDK_SURFACE_EDGE_SOUTH;
  else if (left)
    *edge = GDK_SURFACE_EDGE_WEST;
  else if (right)
    *edge = GDK_SURFACE_EDGE_EAST;
  else
    return FALSE;
  return TRUE;
}

static gboolean
event_cb (GtkEventControllerLegacy *controller,
          GdkEvent                 *event,
          Frame                    *self)
{
  GdkSurface *surface = gdk_event_get_surface (event);
  GdkSurfaceEdge edge;
  double x, y;

  switch (gdk_event_get_event_type (event))
    {
    case GDK_MOTION_NOTIFY:
      self->event_time = gdk_event_get_time (event);
      break;

    case GDK_BUTTON_PRESS:
      self->event_time = gdk_event_get_time (event);
      if (gdk_button_event_get_button (event) == GDK_BUTTON_PRIMARY && GDK_IS_TOPLEVEL (surface)
          && gdk_event_get_position (event, &x, &y) && edge_at (self, surface, x, y, &edge))
        {
          gdk_toplevel_begin_resize (GDK_TOPLEVEL (surface), edge, gdk_event_get_device (event),
                                     GDK_BUTTON_PRIMARY, x, y, gdk_event_get_time (event));
          return GDK_EVENT_STOP;
        }
      g_clear_pointer (&self->press, gdk_event_unref);
      self->press = gdk_event_ref (event);
      self->press_time = g_get_monotonic_time ();
      break;

    case GDK_BUTTON_RELEASE:
      self->event_time = gdk_event_get_time (event);
      g_clear_pointer (&self->press, gdk_event_unref);
      if (self->menu_press != NULL
          && gdk_button_event_get_button (event) == gdk_button_event_get_button (self->menu_press))
        {
          GdkEvent *press = g_steal_pointer (&self->menu_press);

          show_own_menu (self, press);
          gdk_event_unref (press);
        }
      break;

    default:
      break;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
frame_free (Frame *self)
{
  g_clear_pointer (&self->press, gdk_event_unref);
  g_clear_pointer (&self->menu_press, gdk_event_unref);
  g_free (self);
}

/* A window must have let go of its children by the time it is finalized. */
static void
destroy_cb (GtkWidget *window,
            Frame     *self)
{
  g_clear_pointer (&self->menu, gtk_widget_unparent);
}

void
_atrium_window_frame_init (GtkWindow *window)
{
  Frame *self = g_new0 (Frame, 1);
  GtkEventController *controller = gtk_event_controller_legacy_new ();

  self->window = window;
  g_object_set_data_full (G_OBJECT (window), frame_key, self, (GDestroyNotify) frame_free);
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "event", G_CALLBACK (event_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (window), controller);
  g_signal_connect (window, "destroy", G_CALLBACK (destroy_cb), self);
}

void
_atrium_window_frame_set_frameless (GtkWindow *window,
                                    gboolean   frameless)
{
  Frame *self = get_frame (window);

  frameless = !!frameless;
  if (self->frameless == frameless)
    return;
  self->frameless = frameless;
  gtk_window_set_decorated (window, !frameless);
}

gboolean
_atrium_window_frame_is_frameless (GtkWindow *window)
{
  return get_frame (window)->frameless;
}

/* The press in progress, if the button is still down now: a release the
 * window did not see (the window manager took the pointer) leaves no
 * stale press behind. */
static GdkEvent *
held_press (Frame   *self,
            GError **error)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self->window));
  GdkModifierType state = 0;
  guint button;

  if (self->press != NULL && surface != NULL)
    {
      button = gdk_button_event_get_button (self->press);
      gdk_surface_get_device_position (surface, gdk_event_get_device (self->press), NULL, NULL,
                                       &state);
      if (button >= 1 && button <= 5 && (state & (GDK_BUTTON1_MASK << (button - 1))))
        return self->press;
    }
  g_clear_pointer (&self->press, gdk_event_unref);
  g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                       "Only while the user holds a mouse button on the window");
  return NULL;
}

gboolean
_atrium_window_frame_begin_move (GtkWindow  *window,
                                 GError    **error)
{
  Frame *self = get_frame (window);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GdkEvent *press = held_press (self, error);
  double x, y;

  if (press == NULL)
    return FALSE;
  if (!GDK_IS_TOPLEVEL (surface) || !gdk_event_get_position (press, &x, &y))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                           "This window cannot be moved");
      return FALSE;
    }
  /* Where the button went down, as GTK's own title bar does: the window
   * manager moves the window by how far the pointer goes from there, so
   * the point the user took stays under the pointer however far the
   * pointer went before the page asked (past its threshold, and the trip
   * through the web process). The time is the latest pointer event's.
   * The window manager takes the pointer here and moves the window on the
   * motion that follows; a button that goes up without moving again
   * leaves the window where it was. */
  gdk_toplevel_begin_move (GDK_TOPLEVEL (surface), gdk_event_get_device (press),
                           gdk_button_event_get_button (press), x, y, self->event_time);
  /* The window manager has the pointer until the button goes up. */
  g_clear_pointer (&self->press, gdk_event_unref);
  self->moves++;
  return TRUE;
}

gboolean
_atrium_window_frame_toggle_maximize (GtkWindow  *window,
                                      GError    **error)
{
  Frame *self = get_frame (window);

  /* A double click's dblclick comes after its release: what counts is that
   * the user pressed a moment ago. */
  if (self->press_time == 0 || g_get_monotonic_time () - self->press_time > GESTURE_WINDOW_US)
    {
      self->toggles_refused++;
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                           "Only right after the user clicked the window");
      return FALSE;
    }
  self->press_time = 0;
  self->toggles_done++;
  if (gtk_window_is_maximized (window))
    gtk_window_unmaximize (window);
  else
    gtk_window_maximize (window);
  return TRUE;
}

/* The window's own menu, at @press, where the window manager has none. */
static void
show_own_menu (Frame    *self,
               GdkEvent *press)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) last = g_menu_new ();
  double x = 0, y = 0, dx, dy;

  gdk_event_get_position (press, &x, &y);
  /* The press is in the surface's coordinates, the popover points in the
   * window's. */
  gtk_native_get_surface_transform (GTK_NATIVE (self->window), &dx, &dy);

  g_menu_append (menu, gtk_window_is_maximized (self->window) ? "Restore" : "Maximize",
                 "window.toggle-maximized");
  g_menu_append (menu, "Minimize", "window.minimize");
  g_menu_append (last, "Close", "window.close");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (last));
  if (self->menu == NULL)
    {
      self->menu = gtk_popover_menu_new_from_model (NULL);
      gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
      gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
      gtk_popover_set_position (GTK_POPOVER (self->menu), GTK_POS_BOTTOM);
      gtk_widget_set_parent (self->menu, GTK_WIDGET (self->window));
    }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->menu), G_MENU_MODEL (menu));
  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu),
                               &(GdkRectangle) { (int) (x - dx), (int) (y - dy), 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->menu));
  gtk_popover_present (GTK_POPOVER (self->menu));
}

gboolean
_atrium_window_frame_show_menu (GtkWindow  *window,
                                GError    **error)
{
  Frame *self = get_frame (window);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GdkEvent *press = held_press (self, error);

  if (press == NULL)
    return FALSE;
  if (!GDK_IS_TOPLEVEL (surface))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                           "This window has no window menu to show");
      return FALSE;
    }
  if (!gdk_toplevel_show_window_menu (GDK_TOPLEVEL (surface), press))
    {
      g_clear_pointer (&self->menu_press, gdk_event_unref);
      self->menu_press = gdk_event_ref (press);
    }
  return TRUE;
}

/* For tests: whether the window's own menu opens when the button goes
 * up. */
gboolean
_atrium_window_frame_menu_is_pending (GtkWindow *window)
{
  return get_frame (window)->menu_press != NULL;
}

/* For tests: how many moves the window handed to the window manager. */
guint
_atrium_window_frame_get_moves (GtkWindow *window)
{
  return get_frame (window)->moves;
}

/* For tests: how many maximise toggles the page asked for were refused (no
 * press a moment before) and how many were done. */
void
_atrium_window_frame_get_toggles (GtkWindow *window,
                                  guint     *refused,
                                  guint     *done)
{
  Frame *self = get_frame (window);

  *refused = self->toggles_refused;
  *done = self->toggles_done;
}

/* For tests: the window's own menu, if it has shown it. */
GtkWidget *
_atrium_window_frame_get_menu (GtkWindow *window)
{
  return get_frame (window)->menu;
}

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Window"
#include "config.h"

#include "atrium-window-state-private.h"

#include <string.h>

#ifdef GDK_WINDOWING_X11
# include <gdk/x11/gdkx.h>
#endif

#include "atrium-window.h"
#include "atrium-window-private.h"
#include "atrium-window-state-file-private.h"

/* A window that remembers its size, maximised and fullscreen state under a
 * state key (atrium_window_set_state_key()): restored when the key is set,
 * saved a moment after each change and when the window goes. The file is
 * atrium-window-state-file.c's.
 *
 * On X11 its position too. GTK 4 neither tells nor sets it, so X does: a
 * move is the window's ConfigureNotify (the window manager sends one when
 * it moves the frame, ICCCM 4.1.5), seen through the display's "xevent"
 * signal; the position read is the frame's corner
 * (atrium_window_get_position()). It is put back with atrium_window_move()
 * when X says the window is mapped (MapNotify): the window manager has
 * placed it and framed it by then, so the whole frame is fitted into a
 * monitor's work area. A maximised or fullscreen window keeps the position
 * it goes back to.
 *
 * The size GTK knows (its default size) changes only at the next frame
 * after X resized the window, so a window closed in between (an app busy
 * while the user resizes and closes it) would keep the size before. On X11
 * the size is read from the last ConfigureNotify too, less the margin
 * GTK puts around its default size (the shadows of client-side
 * decorations): X's size is the surface's. The margin is read where GTK
 * sets the default size from the surface's size, at a layout of the
 * surface at a new size (the surface's "layout" signal, after GTK's own
 * handler); not from the default size of the moment, which an app may
 * have just set for a resize X has not made yet: counted with X's resize
 * as well, a window of 640 made 700 wide was saved 760 wide, when the
 * save came between X's resize and GTK's next frame, as it does on a
 * busy machine. Nor at a layout at the size before (a move X told of
 * while the app's resize was on its way), where GTK leaves the default
 * size alone. Before GTK's first layout, the margin is the one it showed
 * the window with: X's size when it mapped the window, less the default
 * size then. A busy app's window can be mapped, resized by its user and
 * closed before that first layout (the launcher's, while it starts its
 * web process, in test-builtins state-across-launches under load). Main
 * thread. */

#define SAVE_DELAY_MS 500

typedef struct
{
  GtkWindow         *window;    /* holds us */
  char              *path;
  char              *key;
  guint              save_id;
  gboolean           warned;
  AtriumWindowState  saved;
  GdkDisplay        *display;   /* whose xevent handler is ours; X11 only */
  gulong             xevent_id;
  gboolean           place;     /* saved.x, saved.y still to be applied when mapped */
  gboolean           known;     /* x, y: the last position read */
  int                x;
  int                y;
  gboolean           configured; /* configured_*: the last size X gave, in GDK's units */
  int                configured_width;
  int                configured_height;
  GdkSurface        *surface;   /* whose "layout" handler is ours, while realized */
  gulong             layout_id;
  int                laid_width;  /* the surface's size at the last layout */
  int                laid_height;
  gboolean           laid_out;    /* margin_*: known, and the window as it restores */
  int                margin_width;   /* the surface's size less the default size */
  int                margin_height;
} Tracker;

static const char tracker_key[] = "atrium-window-state";

/* Where the window is, if it is shown and the display tells. */
static void
read_position (Tracker *self)
{
  int x, y;

  if (ATRIUM_IS_WINDOW (self->window) && gtk_widget_get_mapped (GTK_WIDGET (self->window))
      && atrium_window_get_position (ATRIUM_WINDOW (self->window), &x, &y, NULL)
      && ABS (x) <= ATRIUM_WINDOW_STATE_MAX_SIZE && ABS (y) <= ATRIUM_WINDOW_STATE_MAX_SIZE)
    {
      self->known = TRUE;
      self->x = x;
      self->y = y;
    }
}

static void
read_state (Tracker           *self,
            AtriumWindowState *state)
{
  memset (state, 0, sizeof *state);
  gtk_window_get_default_size (self->window, &state->width, &state->height);
  state->maximized = gtk_window_is_maximized (self->window);
  state->fullscreen = gtk_window_is_fullscreen (self->window);
  /* A resize X made that GTK may not have laid out yet. */
  if (self->configured && self->laid_out && !state->maximized && !state->fullscreen)
    {
      state->width = self->configured_width - self->margin_width;
      state->height = self->configured_height - self->margin_height;
    }
  /* Not where the window manager put it before the saved position went
   * back; and a maximised or fullscreen window's position is not the one
   * it goes back to. */
  if (!self->place && !state->maximized && !state->fullscreen)
    read_position (self);
  state->has_position = self->known;
  state->x = self->x;
  state->y = self->y;
}

static void
save_now (Tracker *self)
{
  g_autoptr(GError) error = NULL;
  AtriumWindowState state;

  g_clear_handle_id (&self->save_id, g_source_remove);
  read_state (self, &state);
  /* A window never given a size has none worth keeping. */
  if (state.width <= 0 || state.height <= 0
      || state.width > ATRIUM_WINDOW_STATE_MAX_SIZE || state.height > ATRIUM_WINDOW_STATE_MAX_SIZE)
    return;
  if (memcmp (&state, &self->saved, sizeof state) == 0)
    return;
  if (!_atrium_window_state_save (self->path, self->key, &state, &error))
    {
      if (!self->warned)
        g_warning ("Cannot save the state of window “%s”: %s", self->key, error->message);
      self->warned = TRUE;
      return;
    }
  self->saved = state;
}

static gboolean
save_cb (gpointer data)
{
  Tracker *self = data;

  self->save_id = 0;
  save_now (self);
  return G_SOURCE_REMOVE;
}

/* Resizing sends a change per frame: they are saved together. */
static void
schedule_save (Tracker *self)
{
  if (self->save_id == 0)
    self->save_id = g_timeout_add (SAVE_DELAY_MS, save_cb, self);
}

static void
changed_cb (GObject    *object,
            GParamSpec *pspec,
            Tracker    *self)
{
  schedule_save (self);
}

/* The work areas of the display's monitors (the whole monitor where the
 * work area is not known); @n_areas of them, at most one per monitor. */
static AtriumWindowArea *
get_work_areas (GtkWindow *window,
                guint     *n_areas)
{
  GListModel *monitors = gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (window)));
  guint n = g_list_model_get_n_items (monitors);
  AtriumWindowArea *areas = g_new0 (AtriumWindowArea, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
      GdkRectangle rect;

      gdk_monitor_get_geometry (monitor, &rect);
#ifdef GDK_WINDOWING_X11
      if (GDK_IS_X11_MONITOR (monitor))
        gdk_x11_monitor_get_workarea (monitor, &rect);
#endif
      areas[i] = (AtriumWindowArea) { rect.x, rect.y, rect.width, rect.height };
    }
  *n_areas = n;
  return areas;
}

/* The saved position goes back where the window manager has placed and
 * framed the window: the frame, not only the page, on a monitor. */
static void
place_now (Tracker *self)
{
  g_autofree AtriumWindowArea *areas = NULL;
  AtriumWindowState frame = self->saved;
  guint n_areas;
  int extents[4], area;

  self->place = FALSE;
  if (!ATRIUM_IS_WINDOW (self->window) || gtk_window_is_maximized (self->window)
      || gtk_window_is_fullscreen (self->window))
    return;
  _atrium_window_get_frame_extents (ATRIUM_WINDOW (self->window), extents);
  frame.width += extents[0] + extents[1];
  frame.height += extents[2] + extents[3];
  areas = get_work_areas (self->window, &n_areas);
  area = _atrium_window_state_pick_area (&frame, areas, n_areas);
  if (area >= 0)
    _atrium_window_state_clamp (&frame, &areas[area]);
  if (atrium_window_move (ATRIUM_WINDOW (self->window), frame.x, frame.y, NULL))
    {
      self->x = frame.x;
      self->y = frame.y;
    }
}

/* Whether GTK keeps @self's window's default size as the surface's less
 * its margin (should_remember_size() in GTK): not for a maximised,
 * fullscreen, tiled or minimised window, nor one the user cannot resize,
 * whose default size stays the app's. */
static gboolean
as_it_restores (Tracker    *self,
                GdkSurface *surface)
{
  GdkToplevelState other = GDK_TOPLEVEL_STATE_FULLSCREEN | GDK_TOPLEVEL_STATE_MAXIMIZED
    | GDK_TOPLEVEL_STATE_TILED | GDK_TOPLEVEL_STATE_TOP_TILED | GDK_TOPLEVEL_STATE_RIGHT_TILED
    | GDK_TOPLEVEL_STATE_BOTTOM_TILED | GDK_TOPLEVEL_STATE_LEFT_TILED
    | GDK_TOPLEVEL_STATE_MINIMIZED;

  return gtk_window_get_resizable (self->window) && GDK_IS_TOPLEVEL (surface)
    && (gdk_toplevel_get_state (GDK_TOPLEVEL (surface)) & other) == 0;
}

static void
read_margin (Tracker *self)
{
  int width, height;

  gtk_window_get_default_size (self->window, &width, &height);
  self->margin_width = self->laid_width - width;
  self->margin_height = self->laid_height - height;
  self->laid_out = TRUE;
}

#ifdef GDK_WINDOWING_X11
/* Before GTK's first layout: the margin GTK showed the window with, X's
 * size as it mapped the window (the last ConfigureNotify before its
 * MapNotify) less the default size, taken for the one GTK showed it at
 * (an app that sets another in between has the difference counted as
 * margin). Not where the window manager made the window smaller than GTK
 * asked (fitting it and its frame into the work area): that margin would
 * be negative, and is not known. */
static void
read_shown_margin (Tracker    *self,
                   GdkSurface *surface)
{
  int width, height;

  if (!self->configured || !as_it_restores (self, surface)
      || gtk_window_is_maximized (self->window) || gtk_window_is_fullscreen (self->window))
    return;
  gtk_window_get_default_size (self->window, &width, &height);
  if (self->configured_width < width || self->configured_height < height)
    return;
  self->margin_width = self->configured_width - width;
  self->margin_height = self->configured_height - height;
  self->laid_out = TRUE;
}

static gboolean
xevent_cb (GdkX11Display *display,
           const XEvent  *event,
           Tracker       *self)
{
  GdkSurface *surface;

  if (event->type != ConfigureNotify && event->type != MapNotify)
    return GDK_EVENT_PROPAGATE;
  surface = gtk_native_get_surface (GTK_NATIVE (self->window));
  /* What X says of the window itself (its own StructureNotify, and the
   * window manager's synthetic ConfigureNotify). */
  if (surface == NULL || !GDK_IS_X11_SURFACE (surface)
      || event->xany.window != gdk_x11_surface_get_xid (surface))
    return GDK_EVENT_PROPAGATE;
  if (event->type == MapNotify)
    {
      /* Once: mapped again before that layout, X's size is the user's. */
      if (self->laid_width == 0 && !self->laid_out)
        read_shown_margin (self, surface);
      if (self->place)
        place_now (self);
      return GDK_EVENT_PROPAGATE;
    }
  /* As GDK will read it, at its next layout. */
  if (event->xconfigure.event == event->xconfigure.window)
    {
      int scale = gdk_surface_get_scale_factor (surface);

      self->configured = TRUE;
      self->configured_width = (event->xconfigure.width + scale - 1) / scale;
      self->configured_height = (event->xconfigure.height + scale - 1) / scale;
    }
  /* Read now, not when saving: a window closed before then has no
   * position to read. */
  if (!self->place && !gtk_window_is_maximized (self->window)
      && !gtk_window_is_fullscreen (self->window))
    read_position (self);
  schedule_save (self);
  return GDK_EVENT_PROPAGATE;
}
#endif

/* After GTK's own handler, which sets the default size from the surface's
 * size when that changed since its last layout (gtk_window_native_layout()):
 * then, and only then, the margin can be read. */
static void
layout_cb (GdkSurface *surface,
           int         width,
           int         height,
           Tracker    *self)
{
  gboolean resized = width != self->laid_width || height != self->laid_height;

  self->laid_width = width;
  self->laid_height = height;
  if (!as_it_restores (self, surface))
    self->laid_out = FALSE;
  else if (resized)
    read_margin (self);
}

static void
unwatch_layout (Tracker *self)
{
  if (self->surface == NULL)
    return;
  g_signal_handler_disconnect (self->surface, self->layout_id);
  self->layout_id = 0;
  g_clear_object (&self->surface);
  self->laid_out = FALSE;
  self->laid_width = self->laid_height = 0;
}

static void
watch_layout (Tracker *self)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self->window));

  unwatch_layout (self);
  if (surface == NULL)
    return;
  self->surface = g_object_ref (surface);
  self->layout_id = g_signal_connect_after (surface, "layout", G_CALLBACK (layout_cb), self);
  /* A key set on a window already shown and laid out: the margin as it
   * stands (the default size is GTK's, unless the app has just set
   * another), until the next layout at a new size. Before GTK's first
   * layout the surface's size is not X's yet (1×1): that layout, or X's
   * MapNotify before it, gives the margin. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self->window))
      && gtk_widget_get_width (GTK_WIDGET (self->window)) > 0)
    {
      self->laid_width = gdk_surface_get_width (surface);
      self->laid_height = gdk_surface_get_height (surface);
      if (as_it_restores (self, surface))
        read_margin (self);
    }
}

static void
realize_cb (GtkWidget *widget,
            Tracker   *self)
{
  watch_layout (self);
}

/* A change still waiting is saved as the window goes: before its surface
 * does (unrealize), while its size can still be read. */
static void
going_cb (GtkWidget *widget,
          Tracker   *self)
{
  if (self->save_id != 0)
    save_now (self);
}

static void
unrealize_cb (GtkWidget *widget,
              Tracker   *self)
{
  going_cb (widget, self);
  unwatch_layout (self);
  self->configured = FALSE;
}

static void
tracker_free (Tracker *self)
{
  g_clear_handle_id (&self->save_id, g_source_remove);
  unwatch_layout (self);
  g_signal_handlers_disconnect_by_data (self->window, self);
  if (self->xevent_id != 0)
    g_signal_handler_disconnect (self->display, self->xevent_id);
  g_clear_object (&self->display);
  g_free (self->path);
  g_free (self->key);
  g_free (self);
}

static void
restore (Tracker *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree AtriumWindowArea *areas = NULL;
  AtriumWindowState state = { 0 };
  guint n_areas;
  int area;

  if (!_atrium_window_state_load (self->path, self->key, &state, &error))
    {
      if (error != NULL)
        g_warning ("Window “%s” opens with its default size: %s", self->key, error->message);
      return;
    }
  /* A position is only ever applied where it was read. */
  if (self->display == NULL)
    state.has_position = FALSE;
  /* On the monitor it was on, if that is still there; where it can be
   * seen in any case. */
  areas = get_work_areas (self->window, &n_areas);
  area = _atrium_window_state_pick_area (&state, areas, n_areas);
  if (area >= 0)
    _atrium_window_state_clamp (&state, &areas[area]);
  gtk_window_set_default_size (self->window, state.width, state.height);
  if (state.maximized)
    gtk_window_maximize (self->window);
  if (state.fullscreen)
    gtk_window_fullscreen (self->window);
  self->saved = state;
  self->known = state.has_position;
  self->x = state.x;
  self->y = state.y;
  self->place = state.has_position;
  if (self->place && gtk_widget_get_mapped (GTK_WIDGET (self->window)))
    place_now (self);
}

/* Restores the state saved under @key, then keeps it. A second call moves
 * the window to another key; %NULL stops remembering. */
void
_atrium_window_state_attach (GtkWindow  *window,
                             const char *app_id,
                             const char *key)
{
  Tracker *self;

  /* What the old key had not saved yet is saved under it first. */
  _atrium_window_state_flush (window);
  if (key == NULL)
    {
      g_object_set_data (G_OBJECT (window), tracker_key, NULL);
      return;
    }

  self = g_new0 (Tracker, 1);
  self->window = window;
  self->path = _atrium_window_state_path (app_id);
  self->key = g_strdup (key);
  g_object_set_data_full (G_OBJECT (window), tracker_key, self, (GDestroyNotify) tracker_free);
#ifdef GDK_WINDOWING_X11
  if (GDK_IS_X11_DISPLAY (gtk_widget_get_display (GTK_WIDGET (window))))
    {
      self->display = g_object_ref (gtk_widget_get_display (GTK_WIDGET (window)));
      self->xevent_id = g_signal_connect (self->display, "xevent", G_CALLBACK (xevent_cb), self);
    }
#endif

  restore (self);
  g_signal_connect (window, "notify::default-width", G_CALLBACK (changed_cb), self);
  g_signal_connect (window, "notify::default-height", G_CALLBACK (changed_cb), self);
  g_signal_connect (window, "notify::maximized", G_CALLBACK (changed_cb), self);
  g_signal_connect (window, "notify::fullscreened", G_CALLBACK (changed_cb), self);
  g_signal_connect (window, "realize", G_CALLBACK (realize_cb), self);
  g_signal_connect (window, "unrealize", G_CALLBACK (unrealize_cb), self);
  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    watch_layout (self);
  g_signal_connect (window, "destroy", G_CALLBACK (going_cb), self);
}

/* Saves a change still waiting for its moment: when the key changes, and
 * when the app shuts down (its windows may never be destroyed). */
void
_atrium_window_state_flush (GtkWindow *window)
{
  Tracker *self = g_object_get_data (G_OBJECT (window), tracker_key);

  if (self != NULL && self->save_id != 0)
    save_now (self);
}

const char *
_atrium_window_state_get_key (GtkWindow *window)
{
  Tracker *self = g_object_get_data (G_OBJECT (window), tracker_key);

  return self != NULL ? self->key : NULL;
}

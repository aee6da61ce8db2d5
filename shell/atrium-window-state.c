#include "config.h"

#include "atrium-window-state-private.h"

#include <string.h>

#ifdef GDK_WINDOWING_X11
# include <gdk/x11/gdkx.h>
#endif

#include "atrium-window-state-file-private.h"

/* A window that remembers its size, maximised and fullscreen state under a
 * state key (atrium_window_set_state_key()): restored when the key is set,
 * saved a moment after each change and when the window goes. The file is
 * atrium-window-state-file.c's. Position is not restored: GTK 4 neither
 * reads nor sets it, and X11 alone would allow it. Main thread. */

#define SAVE_DELAY_MS 500

typedef struct
{
  GtkWindow         *window;    /* holds us */
  char              *path;
  char              *key;
  guint              save_id;
  gboolean           warned;
  AtriumWindowState  saved;
} Tracker;

static const char tracker_key[] = "atrium-window-state";

static void
read_state (Tracker           *self,
            AtriumWindowState *state)
{
  memset (state, 0, sizeof *state);
  gtk_window_get_default_size (self->window, &state->width, &state->height);
  state->maximized = gtk_window_is_maximized (self->window);
  state->fullscreen = gtk_window_is_fullscreen (self->window);
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
changed_cb (GObject    *object,
            GParamSpec *pspec,
            Tracker    *self)
{
  if (self->save_id == 0)
    self->save_id = g_timeout_add (SAVE_DELAY_MS, save_cb, self);
}

static void
destroy_cb (GtkWidget *widget,
            Tracker   *self)
{
  if (self->save_id != 0)
    save_now (self);
}

static void
tracker_free (Tracker *self)
{
  g_clear_handle_id (&self->save_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (self->window, self);
  g_free (self->path);
  g_free (self->key);
  g_free (self);
}

/* The biggest work area of the display's monitors (the whole monitor where
 * the work area is not known). */
static void
get_work_area (GtkWindow        *window,
               AtriumWindowArea *area)
{
  GListModel *monitors = gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (window)));

  memset (area, 0, sizeof *area);
  for (guint i = 0; i < g_list_model_get_n_items (monitors); i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
      GdkRectangle rect;

      gdk_monitor_get_geometry (monitor, &rect);
#ifdef GDK_WINDOWING_X11
      if (GDK_IS_X11_MONITOR (monitor))
        gdk_x11_monitor_get_workarea (monitor, &rect);
#endif
      if ((gint64) rect.width * rect.height > (gint64) area->width * area->height)
        *area = (AtriumWindowArea) { rect.x, rect.y, rect.width, rect.height };
    }
}

static void
restore (Tracker *self)
{
  g_autoptr(GError) error = NULL;
  AtriumWindowState state = { 0 };
  AtriumWindowArea area;

  if (!_atrium_window_state_load (self->path, self->key, &state, &error))
    {
      if (error != NULL)
        g_warning ("Window “%s” opens with its default size: %s", self->key, error->message);
      return;
    }
  get_work_area (self->window, &area);
  state.has_position = FALSE;
  _atrium_window_state_clamp (&state, &area);
  gtk_window_set_default_size (self->window, state.width, state.height);
  if (state.maximized)
    gtk_window_maximize (self->window);
  if (state.fullscreen)
    gtk_window_fullscreen (self->window);
  self->saved = state;
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

  restore (self);
  g_signal_connect (window, "notify::default-width", G_CALLBACK (changed_cb), self);
  g_signal_connect (window, "notify::default-height", G_CALLBACK (changed_cb), self);
  g_signal_connect (window, "notify::maximized", G_CALLBACK (changed_cb), self);
  g_signal_connect (window, "notify::fullscreened", G_CALLBACK (changed_cb), self);
  g_signal_connect (window, "destroy", G_CALLBACK (destroy_cb), self);
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

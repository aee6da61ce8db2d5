#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Screen"
#include "config.h"

#include "atrium-screen.h"

#include "atrium-builtins-private.h"

#include "atrium-app-private.h"

#ifdef GDK_WINDOWING_X11
# include <gdk/x11/gdkx.h>
#endif

/* atrium.screen: the display's monitors, read only. list() describes each
 * as {name, x, y, width, height, workArea, scale, primary}; current() the
 * one the calling window is on. Sizes are GDK's: logical pixels, what CSS
 * pixels are at zoom 1. The work area is the part panels leave free (X11's
 * _NET_WORKAREA; elsewhere the whole monitor). Primary is X11's primary
 * output (RandR), or the first monitor where there is none.
 *
 * When monitors come, go or change, pages hear atrium:screen.changed
 * {screens}. The app watches its first window's display once (state on the
 * app under STATE_KEY, main thread only), and a burst of changes (a
 * monitor's geometry and scale arrive one by one) is one event.
 *
 * C reads the same descriptions with atrium_screen_list() and
 * atrium_screen_get_current(), which the methods wrap. */

#define STATE_KEY "atrium-screens"

typedef struct
{
  AtriumApp  *app;        /* unowned: the state is the app's data */
  GListModel *monitors;   /* the display's, owned */
  guint       idle;       /* the pending atrium:screen.changed */
} Screens;

static void
screens_free (Screens *state)
{
  g_clear_handle_id (&state->idle, g_source_remove);
  if (state->monitors != NULL)
    g_signal_handlers_disconnect_by_data (state->monitors, state);
  for (guint i = 0; state->monitors != NULL && i < g_list_model_get_n_items (state->monitors); i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (state->monitors, i);

      g_signal_handlers_disconnect_by_data (monitor, state);
    }
  g_clear_object (&state->monitors);
  g_free (state);
}

static GdkMonitor *
primary_of (GdkDisplay *display)
{
#ifdef GDK_WINDOWING_X11
  if (GDK_IS_X11_DISPLAY (display))
    return gdk_x11_display_get_primary_monitor (display);
#endif
  {
    GListModel *monitors = gdk_display_get_monitors (display);
    g_autoptr(GdkMonitor) first = g_list_model_get_n_items (monitors) > 0
                                  ? g_list_model_get_item (monitors, 0) : NULL;

    /* The display's list holds it: a borrowed pointer, as X11's is. */
    return first;
  }
}

static JsonObject *
rectangle (const GdkRectangle *rect)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "x", rect->x);
  json_object_set_int_member (object, "y", rect->y);
  json_object_set_int_member (object, "width", rect->width);
  json_object_set_int_member (object, "height", rect->height);
  return object;
}

static JsonNode *
describe (GdkMonitor *monitor,
          GdkMonitor *primary)
{
  JsonObject *object;
  GdkRectangle geometry;
  GdkRectangle work_area;
  const char *name = gdk_monitor_get_connector (monitor);

  if (name == NULL)
    name = gdk_monitor_get_model (monitor);
  gdk_monitor_get_geometry (monitor, &geometry);
  work_area = geometry;
#ifdef GDK_WINDOWING_X11
  if (GDK_IS_X11_MONITOR (monitor))
    gdk_x11_monitor_get_workarea (monitor, &work_area);
#endif

  object = rectangle (&geometry);
  json_object_set_string_member (object, "name", name != NULL ? name : "");
  json_object_set_object_member (object, "workArea", rectangle (&work_area));
  json_object_set_int_member (object, "scale", gdk_monitor_get_scale_factor (monitor));
  json_object_set_boolean_member (object, "primary", monitor == primary);
  return json_node_init_object (json_node_alloc (), object);
}

static JsonNode *
describe_all (GdkDisplay *display)
{
  GListModel *monitors = gdk_display_get_monitors (display);
  GdkMonitor *primary = primary_of (display);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < g_list_model_get_n_items (monitors); i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);

      json_array_add_element (array, describe (monitor, primary));
    }
  return json_node_init_array (json_node_alloc (), array);
}

/**
 * atrium_screen_list:
 * @display: a display, such as gdk_display_get_default()
 *
 * Describes @display's monitors as `atrium.screen.list()` does: a JSON
 * array of `{name, x, y, width, height, workArea: {x, y, width, height},
 * scale, primary}`, sizes in GDK's logical pixels. The work area is the
 * part panels leave free (X11's `_NET_WORKAREA`; elsewhere the whole
 * monitor); primary is X11's primary output, or the first monitor. Main
 * thread.
 *
 * Returns: (transfer full): the array, empty without monitors
 */
JsonNode *
atrium_screen_list (GdkDisplay *display)
{
  g_return_val_if_fail (GDK_IS_DISPLAY (display), NULL);

  return describe_all (display);
}

/**
 * atrium_screen_get_current:
 * @window: a window
 *
 * Describes the monitor @window is on (the one it overlaps most), in
 * atrium_screen_list()'s shape, as `atrium.screen.current()` does. Main
 * thread.
 *
 * Returns: (transfer full) (nullable): the monitor's description, or
 *   %NULL while @window is not on any (not shown yet)
 */
JsonNode *
atrium_screen_get_current (GtkWindow *window)
{
  GdkDisplay *display;
  GdkSurface *surface;
  GdkMonitor *monitor;

  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);

  display = gtk_widget_get_display (GTK_WIDGET (window));
  surface = gtk_native_get_surface (GTK_NATIVE (window));
  monitor = surface != NULL ? gdk_display_get_monitor_at_surface (display, surface) : NULL;
  return monitor != NULL ? describe (monitor, primary_of (display)) : NULL;
}

/* --- methods --- */

static AtriumWindow *
window_of (AtriumCall *call)
{
  AtriumWindow *window = atrium_call_get_window (call);

  if (window == NULL)
    atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
  return window;
}

static void
list_cb (AtriumCall *call,
         gpointer    user_data)
{
  AtriumWindow *window = window_of (call);

  if (window != NULL)
    atrium_call_return_value (call, atrium_screen_list (gtk_widget_get_display (
                                                          GTK_WIDGET (window))));
}

static void
current_cb (AtriumCall *call,
            gpointer    user_data)
{
  AtriumWindow *window = window_of (call);
  JsonNode *screen;

  if (window == NULL)
    return;
  screen = atrium_screen_get_current (GTK_WINDOW (window));
  if (screen == NULL)
    _atrium_builtin_return_null (call);   /* not on any screen (not shown yet) */
  else
    atrium_call_return_value (call, screen);
}

/* --- atrium:screen.changed --- */

static gboolean
emit_changed_cb (gpointer user_data)
{
  Screens *state = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (state->app));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;

  state->idle = 0;
  if (windows == NULL
      || !_atrium_builtins_group_check (state->app, &_atrium_builtin_screen_group, NULL))
    return G_SOURCE_REMOVE;
  object = json_object_new ();
  json_object_set_member (object, "screens",
                          describe_all (gtk_widget_get_display (windows->data)));
  data = json_node_init_object (json_node_alloc (), object);
  _atrium_app_emit_builtin (state->app, 0, 0, "atrium:screen.changed", data);
  return G_SOURCE_REMOVE;
}

static void
changed (Screens *state)
{
  if (state->idle == 0)
    state->idle = g_idle_add (emit_changed_cb, state);
}

void
_atrium_builtin_screen_changed (AtriumApp *app)
{
  Screens *state = g_object_get_data (G_OBJECT (app), STATE_KEY);

  if (state != NULL)
    changed (state);
}

static void
monitor_notify_cb (GObject    *monitor,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  changed (user_data);
}

static void
watch_monitor (Screens    *state,
               GdkMonitor *monitor)
{
  g_signal_handlers_disconnect_by_data (monitor, state);
  g_signal_connect (monitor, "notify::geometry", G_CALLBACK (monitor_notify_cb), state);
  g_signal_connect (monitor, "notify::scale-factor", G_CALLBACK (monitor_notify_cb), state);
}

static void
items_changed_cb (GListModel *monitors,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Screens *state = user_data;

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);

      watch_monitor (state, monitor);
    }
  changed (state);
}

void
_atrium_builtin_screen_attach (AtriumWindow *window)
{
  AtriumApp *app = atrium_window_get_app (window);
  Screens *state;

  if (app == NULL || g_object_get_data (G_OBJECT (app), STATE_KEY) != NULL)
    return;
  state = g_new0 (Screens, 1);
  state->app = app;
  state->monitors = g_object_ref (gdk_display_get_monitors (
                                    gtk_widget_get_display (GTK_WIDGET (window))));
  g_object_set_data_full (G_OBJECT (app), STATE_KEY, state, (GDestroyNotify) screens_free);
  for (guint i = 0; i < g_list_model_get_n_items (state->monitors); i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (state->monitors, i);

      watch_monitor (state, monitor);
    }
  g_signal_connect (state->monitors, "items-changed", G_CALLBACK (items_changed_cb), state);
}

static const AtriumBuiltinMethod methods[] = {
  { "screen.list", list_cb, ATRIUM_BIND_DEFAULT },
  { "screen.current", current_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_screen_group = {
  ATRIUM_BUILTIN_SCREEN, "atrium.screen", "ATRIUM_BUILTIN_SCREEN", methods,
  G_N_ELEMENTS (methods),
};

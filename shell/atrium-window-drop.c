#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Window"
#include "config.h"

#include "atrium-window-drop-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-log-limit-private.h"

/* Files dropped from the desktop: a window that allows it (fileDrop)
 * takes a drop of files itself and tells its page the paths in
 * atrium:window.files-dropped {paths, x, y}. A browser gives a page only
 * File objects; a desktop app wants the paths.
 *
 * The window's drop target sits in the capture phase, so it sees the drop
 * before the web view's own. It takes only what is the window's: a drop
 * from another program, offering a list of files and not a link (a
 * browser's link drag offers text/uri-list too, beside its own URL
 * formats). Everything else, text and links from elsewhere and the page's
 * own HTML drag and drop (a drag of this process), it refuses at once, and
 * the web view handles it as it would without us. Once the window has
 * taken a drop, its motions stop here too: the web view would otherwise
 * answer the source for the page, which has no say in it. */

typedef struct
{
  AtriumWindow       *window;
  GtkDropTarget      *target;   /* owned by the window */
  gboolean            enabled;
  gboolean            view_hidden;  /* the web view is out of a drop's way */
} Drop;

static const char drop_key[] = "atrium-window-drop";

static Drop *
get_drop (AtriumWindow *window)
{
  return g_object_get_data (G_OBJECT (window), drop_key);
}

gboolean
_atrium_window_drop_wants (GdkContentFormats *formats)
{
  /* What a browser adds when the drag is a link, not a file. */
  static const char * const link_types[] = {
    "text/x-moz-url", "_NETSCAPE_URL", "text/x-moz-url-data", "application/x-chromium-url",
  };

  if (formats == NULL)
    return FALSE;
  if (!gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST)
      && !gdk_content_formats_contain_mime_type (formats, "text/uri-list"))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (link_types); i++)
    if (gdk_content_formats_contain_mime_type (formats, link_types[i]))
      return FALSE;
  return TRUE;
}

GPtrArray *
_atrium_window_drop_paths (GSList *files,
                           guint  *left_out)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

  *left_out = 0;
  for (GSList *l = files; l != NULL; l = l->next)
    {
      char *path = G_IS_FILE (l->data) ? g_file_get_path (l->data) : NULL;

      /* Only real files: a remote URI has no path, and a path that is not
       * UTF-8 cannot be said in JSON. */
      if (path == NULL || paths->len >= ATRIUM_DROP_PATHS_MAX
          || strlen (path) > ATRIUM_DROP_PATH_MAX || !g_utf8_validate (path, -1, NULL))
        {
          (*left_out)++;
          g_free (path);
          continue;
        }
      g_ptr_array_add (paths, path);
    }
  return paths;
}

static gboolean
accept_cb (GtkDropTarget *target,
           GdkDrop       *drop,
           Drop          *self)
{
  /* A drag of this process is the page's own (or another window's page):
   * HTML drag and drop, left to WebKit. */
  return self->enabled && gdk_drop_get_drag (drop) == NULL
         && _atrium_window_drop_wants (gdk_drop_get_formats (drop));
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         Drop          *self)
{
  AtriumApp *app = atrium_window_get_app (self->window);
  GdkFileList *list;
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GSList) files = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;
  JsonArray *array;
  WebKitWebView *view = atrium_window_get_web_view (self->window);
  double view_x = x, view_y = y, zoom;
  guint left_out;

  if (!self->enabled || app == NULL || !G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = g_value_get_boxed (value);
  if (list == NULL)
    return FALSE;
  files = gdk_file_list_get_files (list);
  paths = _atrium_window_drop_paths (files, &left_out);
  if (left_out > 0)
    _atrium_log_page (G_LOG_LEVEL_MESSAGE,
                      "Window %u: %u dropped files were left out (not local, not UTF-8, "
                      "too long, or past %d)", atrium_window_get_id (self->window), left_out,
                      ATRIUM_DROP_PATHS_MAX);
  if (paths->len == 0)
    return FALSE;

  /* Where, as the page measures it: CSS pixels in the web view. */
  if (view != NULL)
    {
      if (!gtk_widget_translate_coordinates (GTK_WIDGET (self->window), GTK_WIDGET (view),
                                             x, y, &view_x, &view_y))
        view_x = x, view_y = y;
      zoom = webkit_web_view_get_zoom_level (view);
      if (zoom > 0)
        view_x /= zoom, view_y /= zoom;
    }

  object = json_object_new ();
  array = json_array_sized_new (paths->len);
  for (guint i = 0; i < paths->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (paths, i));
  json_object_set_array_member (object, "paths", array);
  json_object_set_double_member (object, "x", view_x);
  json_object_set_double_member (object, "y", view_y);
  data = json_node_init_object (json_node_alloc (), object);
  _atrium_app_emit_builtin (app, atrium_window_get_id (self->window), 0,
                            "atrium:window.files-dropped", data);
  return TRUE;
}

/* Once the window has taken a drop, its motions go no further: the drop
 * target (run before this) has answered the source, and the web view would
 * answer it again for the page. */
static void
view_targetable (Drop     *self,
                 gboolean  targetable)
{
  WebKitWebView *view = atrium_window_get_web_view (self->window);

  self->view_hidden = !targetable;
  if (view != NULL)
    gtk_widget_set_can_target (GTK_WIDGET (view), targetable);
}

static void
current_drop_cb (GObject    *target,
                 GParamSpec *pspec,
                 Drop       *self)
{
  if (self->view_hidden && gtk_drop_target_get_current_drop (self->target) == NULL)
    view_targetable (self, TRUE);
}

/* A drop the window will take: the web view is out of the way before GTK
 * picks a widget for it, so WebKit neither hears of it nor answers the
 * source about it (late, once the drop is over: a GDK critical). GTK does
 * not hand GDK_DRAG_ENTER to controllers, so this looks at the surface's
 * events before GTK does, through an emission hook (one per process, main
 * thread), for the windows of ours that allow drops. */
static gboolean
surface_event_hook (GSignalInvocationHint *hint,
                    guint                  n_values,
                    const GValue          *values,
                    gpointer               user_data)
{
  GdkSurface *surface = g_value_get_object (&values[0]);
  GdkEvent *event = g_value_get_pointer (&values[1]);
  GtkNative *native;
  GdkDrop *drop;
  Drop *self;

  if (event == NULL || gdk_event_get_event_type (event) != GDK_DRAG_ENTER)
    return TRUE;
  native = gtk_native_get_for_surface (surface);
  if (!ATRIUM_IS_WINDOW (native))
    return TRUE;
  self = get_drop (ATRIUM_WINDOW (native));
  drop = gdk_dnd_event_get_drop (event);
  if (self != NULL && drop != NULL && self->enabled && gdk_drop_get_drag (drop) == NULL
      && _atrium_window_drop_wants (gdk_drop_get_formats (drop)))
    view_targetable (self, FALSE);
  return TRUE;
}

static void
hook_surface_events (void)
{
  static gboolean hooked;

  if (hooked)
    return;
  hooked = TRUE;
  g_signal_add_emission_hook (g_signal_lookup ("event", GDK_TYPE_SURFACE), 0,
                              surface_event_hook, NULL, NULL);
}

static gboolean
event_cb (GtkEventControllerLegacy *controller,
          GdkEvent                 *event,
          Drop                     *self)
{
  GdkEventType type = gdk_event_get_event_type (event);

  if (type == GDK_DRAG_LEAVE && self->view_hidden
      && gtk_drop_target_get_current_drop (self->target) == NULL)
    view_targetable (self, TRUE);

  if (type != GDK_DRAG_MOTION && type != GDK_DROP_START)
    return GDK_EVENT_PROPAGATE;
  if (gtk_drop_target_get_current_drop (self->target) == NULL
      || gtk_drop_target_get_current_drop (self->target) != gdk_dnd_event_get_drop (event))
    return GDK_EVENT_PROPAGATE;
  return GDK_EVENT_STOP;
}

void
_atrium_window_drop_init (AtriumWindow *window)
{
  Drop *self = g_new0 (Drop, 1);
  GtkEventController *stopper = gtk_event_controller_legacy_new ();

  self->window = window;
  self->target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_object_set_data_full (G_OBJECT (window), drop_key, self, g_free);

  /* GTK runs a widget's controllers of one phase newest first: the
   * stopper goes in first so that it runs after the drop target. */
  gtk_event_controller_set_propagation_phase (stopper, GTK_PHASE_CAPTURE);
  g_signal_connect (stopper, "event", G_CALLBACK (event_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (window), stopper);

  gtk_event_controller_set_name (GTK_EVENT_CONTROLLER (self->target), "atrium-file-drop");
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (self->target),
                                              GTK_PHASE_CAPTURE);
  g_signal_connect (self->target, "accept", G_CALLBACK (accept_cb), self);
  g_signal_connect (self->target, "drop", G_CALLBACK (drop_cb), self);
  g_signal_connect (self->target, "notify::current-drop", G_CALLBACK (current_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (window), GTK_EVENT_CONTROLLER (self->target));
}

void
_atrium_window_drop_set_enabled (AtriumWindow *window,
                                 gboolean      enabled)
{
  get_drop (window)->enabled = !!enabled;
  if (enabled)
    hook_surface_events ();
}

gboolean
_atrium_window_drop_get_enabled (AtriumWindow *window)
{
  return get_drop (window)->enabled;
}

GtkDropTarget *
_atrium_window_drop_get_target (AtriumWindow *window)
{
  return get_drop (window)->target;
}

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Window"
#include "config.h"

#include "atrium-builtins-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-window-frame-private.h"
#include "atrium-window-private.h"
#include "atrium-window-state-file-private.h"

/* atrium.window: the page's own window and the app's others. Every method
 * but current, list and open takes the target window first: null for the
 * calling window (atrium.window.setTitle()), an id for a handle's
 * (atrium.window.get(id).setTitle()). Where GTK has the call, the method
 * is a thin wrapper over it; where it has none (maximum size, position,
 * keep-above, background, close interception) the logic is in
 * AtriumWindow, for C apps to use too.
 *
 * The group also tells each window's page what happens to it, with
 * reserved events on the window's own queue: atrium:window.resized and
 * atrium:window.state on every change, and atrium:window.closed to the
 * other windows; only to pages that listen to them (the runtime says so,
 * once per page, when the first listener is added), so a page that does
 * not care gets nothing on its queue. Its per-window state is kept on the
 * window under STATE_KEY, main thread only. */

#define STATE_KEY "atrium-builtin-window"
#define TITLE_MAX 4096
#define PATH_MAX_BYTES 4096
#define COLOR_MAX 256

typedef struct
{
  AtriumWindow *window;
  AtriumApp    *app;         /* held: GTK lets go of it before the window goes */
  gulong        surface_handler;
  GdkSurface   *surface;     /* weak: watched while the window is realized */
  int           width;       /* the page's size as last told, 0: never */
  int           height;
  guint         state;       /* STATE_* as last told */
  gboolean      told_state;
  gboolean      watching;    /* the page listens to atrium:window.* events */
} WindowState;

enum {
  STATE_MAXIMIZED  = 1 << 0,
  STATE_MINIMIZED  = 1 << 1,
  STATE_FULLSCREEN = 1 << 2,
  STATE_FOCUSED    = 1 << 3,
};

static gboolean
group_on (AtriumApp *app)
{
  return app != NULL && _atrium_builtins_group_check (app, &_atrium_builtin_window_group, NULL);
}

static guint
current_state (AtriumWindow *window)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  guint state = 0;

  if (gtk_window_is_maximized (GTK_WINDOW (window)))
    state |= STATE_MAXIMIZED;
  if (gtk_window_is_fullscreen (GTK_WINDOW (window)))
    state |= STATE_FULLSCREEN;
  if (gtk_window_is_active (GTK_WINDOW (window)))
    state |= STATE_FOCUSED;
  if (GDK_IS_TOPLEVEL (surface)
      && (gdk_toplevel_get_state (GDK_TOPLEVEL (surface)) & GDK_TOPLEVEL_STATE_MINIMIZED))
    state |= STATE_MINIMIZED;
  return state;
}

static void
tell_state (WindowState *ws)
{
  AtriumApp *app = ws->app;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;
  guint state = current_state (ws->window);

  if ((ws->told_state && state == ws->state) || !ws->watching || !group_on (app))
    return;
  ws->state = state;
  ws->told_state = TRUE;

  object = json_object_new ();
  json_object_set_int_member (object, "id", atrium_window_get_id (ws->window));
  json_object_set_boolean_member (object, "maximized", (state & STATE_MAXIMIZED) != 0);
  json_object_set_boolean_member (object, "minimized", (state & STATE_MINIMIZED) != 0);
  json_object_set_boolean_member (object, "fullscreen", (state & STATE_FULLSCREEN) != 0);
  json_object_set_boolean_member (object, "focused", (state & STATE_FOCUSED) != 0);
  data = json_node_init_object (json_node_alloc (), object);
  _atrium_app_emit_builtin (app, atrium_window_get_id (ws->window), 0, "atrium:window.state",
                            data);
}

static void
state_changed_cb (GObject     *object,
                  GParamSpec  *pspec,
                  WindowState *ws)
{
  tell_state (ws);
}

static void
unwatch_surface (WindowState *ws)
{
  if (ws->surface != NULL)
    {
      g_clear_signal_handler (&ws->surface_handler, ws->surface);
      g_object_remove_weak_pointer (G_OBJECT (ws->surface), (gpointer *) &ws->surface);
      ws->surface = NULL;
    }
}

static void
realize_cb (GtkWidget   *widget,
            WindowState *ws)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (widget));

  unwatch_surface (ws);
  if (surface == NULL)
    return;
  ws->surface = surface;
  g_object_add_weak_pointer (G_OBJECT (surface), (gpointer *) &ws->surface);
  /* Minimised is only in the surface's state; the rest has window
   * properties too, but one watch sees all of it. */
  ws->surface_handler = g_signal_connect (surface, "notify::state",
                                          G_CALLBACK (state_changed_cb), ws);
}

static void
unrealize_cb (GtkWidget   *widget,
              WindowState *ws)
{
  unwatch_surface (ws);
}

/* A new page has a new runtime, which has asked for nothing yet. */
static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 WindowState     *ws)
{
  if (event == WEBKIT_LOAD_COMMITTED)
    ws->watching = FALSE;
}

static void
window_state_free (WindowState *ws)
{
  unwatch_surface (ws);
  g_clear_object (&ws->app);
  g_free (ws);
}

void
_atrium_builtin_window_attach (AtriumWindow *window)
{
  WindowState *ws = g_new0 (WindowState, 1);
  AtriumApp *app = atrium_window_get_app (window);

  ws->window = window;
  ws->app = app != NULL ? g_object_ref (app) : NULL;
  g_object_set_data_full (G_OBJECT (window), STATE_KEY, ws, (GDestroyNotify) window_state_free);
  g_signal_connect (window, "realize", G_CALLBACK (realize_cb), ws);
  g_signal_connect (window, "unrealize", G_CALLBACK (unrealize_cb), ws);
  g_signal_connect (window, "notify::is-active", G_CALLBACK (state_changed_cb), ws);
  g_signal_connect (window, "notify::maximized", G_CALLBACK (state_changed_cb), ws);
  g_signal_connect (window, "notify::fullscreened", G_CALLBACK (state_changed_cb), ws);
  g_signal_connect (atrium_window_get_web_view (window), "load-changed",
                    G_CALLBACK (load_changed_cb), ws);
  /* A page that falls behind gets the latest size, not every step of a drag. */
  if (app != NULL)
    _atrium_events_set_policy (_atrium_app_get_events (app), "atrium:window.resized",
                               ATRIUM_EVENT_COALESCE);
}

/* The window is going: the other windows' pages hear of it. */
void
_atrium_builtin_window_detach (AtriumWindow *window)
{
  WindowState *ws = g_object_get_data (G_OBJECT (window), STATE_KEY);

  if (ws == NULL)
    return;
  /* GTK still signals on the way down (unmap, unrealize, is-active). */
  g_signal_handlers_disconnect_by_data (window, ws);
  g_signal_handlers_disconnect_by_data (atrium_window_get_web_view (window), ws);
  if (group_on (ws->app))
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) data = NULL;

      json_object_set_int_member (object, "id", atrium_window_get_id (window));
      data = json_node_init_object (json_node_alloc (), object);
      for (GList *l = gtk_application_get_windows (GTK_APPLICATION (ws->app)); l != NULL;
           l = l->next)
        {
          WindowState *other = ATRIUM_IS_WINDOW (l->data) && l->data != (gpointer) window
            ? g_object_get_data (l->data, STATE_KEY) : NULL;

          if (other != NULL && other->watching)
            _atrium_app_emit_builtin (ws->app, atrium_window_get_id (l->data), 0,
                                      "atrium:window.closed", data);
        }
    }
  g_object_set_data (G_OBJECT (window), STATE_KEY, NULL);
}

/* After each allocation: a new size for the page is told once. */
void
_atrium_builtin_window_allocated (AtriumWindow *window)
{
  WindowState *ws = g_object_get_data (G_OBJECT (window), STATE_KEY);
  GtkWidget *view = GTK_WIDGET (atrium_window_get_web_view (window));
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;
  int width, height;

  if (ws == NULL || view == NULL)
    return;
  width = gtk_widget_get_width (view);
  height = gtk_widget_get_height (view);
  if ((width == ws->width && height == ws->height) || width <= 0 || height <= 0)
    return;
  ws->width = width;
  ws->height = height;
  if (!ws->watching || !group_on (ws->app))
    return;

  object = json_object_new ();
  json_object_set_int_member (object, "id", atrium_window_get_id (window));
  json_object_set_int_member (object, "width", width);
  json_object_set_int_member (object, "height", height);
  data = json_node_init_object (json_node_alloc (), object);
  _atrium_app_emit_builtin (ws->app, atrium_window_get_id (window), 0, "atrium:window.resized",
                            data);
}

/* --- methods --- */

static AtriumApp *
caller_app (AtriumCall *call)
{
  AtriumWindow *caller = atrium_call_get_window (call);

  return caller != NULL ? atrium_window_get_app (caller) : NULL;
}

static void
current_cb (AtriumCall *call,
            gpointer    user_data)
{
  AtriumWindow *window;

  if (_atrium_builtin_arg_window (call, 0, &window))
    _atrium_builtin_return_int (call, atrium_window_get_id (window));
}

static JsonObject *
describe (AtriumWindow *window)
{
  JsonObject *object = json_object_new ();
  const char *title = gtk_window_get_title (GTK_WINDOW (window));

  json_object_set_int_member (object, "id", atrium_window_get_id (window));
  json_object_set_string_member (object, "title", title != NULL ? title : "");
  json_object_set_boolean_member (object, "focused", gtk_window_is_active (GTK_WINDOW (window)));
  json_object_set_boolean_member (object, "visible", gtk_widget_get_visible (GTK_WIDGET (window)));
  return object;
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  guint x = atrium_window_get_id (*(AtriumWindow **) a);
  guint y = atrium_window_get_id (*(AtriumWindow **) b);

  return (x > y) - (x < y);
}

static void
list_cb (AtriumCall *call,
         gpointer    user_data)
{
  AtriumApp *app = caller_app (call);
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(GPtrArray) windows = g_ptr_array_new ();

  if (app != NULL)
    for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
      if (ATRIUM_IS_WINDOW (l->data))
        g_ptr_array_add (windows, l->data);
  /* GTK lists the most recently focused first; pages get opening order. */
  g_ptr_array_sort (windows, compare_ids);
  for (guint i = 0; i < windows->len; i++)
    json_array_add_object_element (array, describe (g_ptr_array_index (windows, i)));
  json_node_take_array (node, array);
  atrium_call_return_value (call, node);
}

/* What open() may be given, read in full before anything is made, so that
 * a bad option opens nothing. */
typedef struct
{
  const char *title;
  int         width, height;
  int         min_width, min_height;
  int         max_width, max_height;
  int         resizable;      /* -1: unset */
  gboolean    has_background;
  GdkRGBA     background;
  gboolean    center;
  gboolean    hidden;
  gboolean    frameless;
  gboolean    file_drop;
  const char *state_key;
} OpenOptions;

static gboolean
read_color (JsonNode     *node,
            const char   *what,
            GdkRGBA      *color,
            GError      **error)
{
  const char *text;

  if (!_atrium_builtin_node_to_string (node, what, COLOR_MAX, &text, error))
    return FALSE;
  /* CSS's keyword, which gdk_rgba_parse() of GTK 4.8 does not know. */
  if (g_ascii_strcasecmp (text, "transparent") == 0)
    {
      *color = (GdkRGBA) { 0, 0, 0, 0 };
      return TRUE;
    }
  if (!gdk_rgba_parse (color, text))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "%s must be a CSS colour such as “#202020” or “transparent”", what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_open_options (JsonNode     *node,
                   OpenOptions  *options,
                   GError      **error)
{
  JsonObject *object;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  memset (options, 0, sizeof *options);
  options->resizable = -1;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "The options must be an object");
      return FALSE;
    }

  object = json_node_get_object (node);
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &key, &value))
    {
      gboolean ok, flag;

      if (strcmp (key, "title") == 0)
        ok = _atrium_builtin_node_to_string (value, "title", TITLE_MAX, &options->title, error);
      else if (strcmp (key, "width") == 0)
        ok = _atrium_builtin_node_to_size (value, "width", &options->width, error);
      else if (strcmp (key, "height") == 0)
        ok = _atrium_builtin_node_to_size (value, "height", &options->height, error);
      else if (strcmp (key, "minWidth") == 0)
        ok = _atrium_builtin_node_to_size (value, "minWidth", &options->min_width, error);
      else if (strcmp (key, "minHeight") == 0)
        ok = _atrium_builtin_node_to_size (value, "minHeight", &options->min_height, error);
      else if (strcmp (key, "maxWidth") == 0)
        ok = _atrium_builtin_node_to_size (value, "maxWidth", &options->max_width, error);
      else if (strcmp (key, "maxHeight") == 0)
        ok = _atrium_builtin_node_to_size (value, "maxHeight", &options->max_height, error);
      else if (strcmp (key, "resizable") == 0)
        {
          ok = _atrium_builtin_node_to_bool (value, "resizable", &flag, error);
          options->resizable = flag;
        }
      else if (strcmp (key, "background") == 0)
        ok = options->has_background = read_color (value, "background", &options->background,
                                                   error);
      else if (strcmp (key, "transparent") == 0)
        {
          ok = _atrium_builtin_node_to_bool (value, "transparent", &flag, error);
          if (ok && flag)
            {
              options->has_background = TRUE;
              options->background = (GdkRGBA) { 0, 0, 0, 0 };
            }
        }
      else if (strcmp (key, "center") == 0)
        ok = _atrium_builtin_node_to_bool (value, "center", &options->center, error);
      else if (strcmp (key, "hidden") == 0)
        ok = _atrium_builtin_node_to_bool (value, "hidden", &options->hidden, error);
      else if (strcmp (key, "stateKey") == 0)
        {
          ok = _atrium_builtin_node_to_string (value, "stateKey", 256, &options->state_key, error);
          if (ok && !_atrium_window_state_key_is_valid (options->state_key))
            {
              g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                                   "stateKey is not a valid state key");
              ok = FALSE;
            }
        }
      else if (strcmp (key, "frameless") == 0)
        ok = _atrium_builtin_node_to_bool (value, "frameless", &options->frameless, error);
      else if (strcmp (key, "fileDrop") == 0)
        ok = _atrium_builtin_node_to_bool (value, "fileDrop", &options->file_drop, error);
      else
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "Unknown option “%s”", key);
          ok = FALSE;
        }
      if (!ok)
        return FALSE;
    }

  if ((options->min_width > 0 && options->max_width > 0 && options->min_width > options->max_width)
      || (options->min_height > 0 && options->max_height > 0
          && options->min_height > options->max_height))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "A minimum size is larger than the maximum");
      return FALSE;
    }
  return TRUE;
}

static gboolean
center_later_cb (gpointer data)
{
  g_autoptr(AtriumWindow) window = data;

  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    atrium_window_center (window, NULL);
  return G_SOURCE_REMOVE;
}

static void
open_cb (AtriumCall *call,
         gpointer    user_data)
{
  AtriumApp *app = caller_app (call);
  g_autoptr(GError) error = NULL;
  OpenOptions options;
  AtriumWindow *window;
  const char *path;

  if (!_atrium_builtin_arg_string (call, 0, "The path", PATH_MAX_BYTES, &path))
    return;
  /* A path in the app, never a URI: the new window's top frame is an app
   * page with the runtime, like the caller's. */
  if (path[0] != '/' || path[1] == '/' || strchr (path, '\\') != NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "The path must be a path of the app, starting with one “/”");
      return;
    }
  if (!read_open_options (atrium_call_get_arg (call, 1), &options, &error)
      || !atrium_app_may_open_window (app, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  if (options.state_key != NULL && g_application_get_application_id (G_APPLICATION (app)) == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_SUPPORTED,
                                "stateKey needs an app with an application id");
      return;
    }

  window = atrium_window_new (app);
  if (options.title != NULL)
    gtk_window_set_title (GTK_WINDOW (window), options.title);
  if (options.width > 0 || options.height > 0)
    {
      int width, height;

      gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
      gtk_window_set_default_size (GTK_WINDOW (window),
                                   options.width > 0 ? options.width : width,
                                   options.height > 0 ? options.height : height);
    }
  if (options.min_width > 0 || options.min_height > 0)
    atrium_window_set_min_size (window, options.min_width > 0 ? options.min_width : -1,
                                options.min_height > 0 ? options.min_height : -1);
  if (options.max_width > 0 || options.max_height > 0)
    atrium_window_set_max_size (window, options.max_width > 0 ? options.max_width : -1,
                                options.max_height > 0 ? options.max_height : -1);
  if (options.resizable >= 0)
    gtk_window_set_resizable (GTK_WINDOW (window), options.resizable);
  if (options.has_background)
    atrium_window_set_background_color (window, &options.background);
  if (options.frameless)
    atrium_window_set_frameless (window, TRUE);
  if (options.file_drop)
    atrium_window_set_file_drop (window, TRUE);
  /* After the size: what was remembered wins over it. */
  if (options.state_key != NULL)
    atrium_window_set_state_key (window, options.state_key);
  atrium_window_load (window, path);
  if (!options.hidden)
    {
      gtk_window_present (GTK_WINDOW (window));
      if (options.center)
        g_idle_add (center_later_cb, g_object_ref (window));
    }
  _atrium_builtin_return_int (call, atrium_window_get_id (window));
}

/* Per-window methods: the target first. */

#define TARGET(call, window) \
  AtriumWindow *window; \
  if (!_atrium_builtin_arg_window (call, 0, &window)) \
    return

static void
set_title_cb (AtriumCall *call,
              gpointer    user_data)
{
  const char *title;
  TARGET (call, window);

  if (!_atrium_builtin_arg_string (call, 1, "The title", TITLE_MAX, &title))
    return;
  gtk_window_set_title (GTK_WINDOW (window), title);
  _atrium_builtin_return_null (call);
}

static void
get_title_cb (AtriumCall *call,
              gpointer    user_data)
{
  const char *title;
  TARGET (call, window);

  title = gtk_window_get_title (GTK_WINDOW (window));
  _atrium_builtin_return_string (call, title != NULL ? title : "");
}

static void
set_size_cb (AtriumCall *call,
             gpointer    user_data)
{
  int width, height;
  TARGET (call, window);

  if (!_atrium_builtin_arg_size (call, 1, "The width", &width)
      || !_atrium_builtin_arg_size (call, 2, "The height", &height))
    return;
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  _atrium_builtin_return_null (call);
}

static void
get_size_cb (AtriumCall *call,
             gpointer    user_data)
{
  GtkWidget *view;
  int width, height;
  TARGET (call, window);

  /* What the page sees; the size asked for until the window is shown. */
  view = GTK_WIDGET (atrium_window_get_web_view (window));
  width = gtk_widget_get_width (view);
  height = gtk_widget_get_height (view);
  if (width <= 0 || height <= 0)
    gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  _atrium_builtin_return_pair (call, "width", width, "height", height);
}

static void
set_min_size_cb (AtriumCall *call,
                 gpointer    user_data)
{
  int width, height;
  TARGET (call, window);

  if (!_atrium_builtin_arg_size (call, 1, "The width", &width)
      || !_atrium_builtin_arg_size (call, 2, "The height", &height))
    return;
  atrium_window_set_min_size (window, width, height);
  _atrium_builtin_return_null (call);
}

static void
set_max_size_cb (AtriumCall *call,
                 gpointer    user_data)
{
  int width, height;
  TARGET (call, window);

  if (!_atrium_builtin_arg_size (call, 1, "The width", &width)
      || !_atrium_builtin_arg_size (call, 2, "The height", &height))
    return;
  atrium_window_set_max_size (window, width, height);
  _atrium_builtin_return_null (call);
}

static void
set_resizable_cb (AtriumCall *call,
                  gpointer    user_data)
{
  gboolean resizable;
  TARGET (call, window);

  if (!_atrium_builtin_arg_bool (call, 1, "resizable", &resizable))
    return;
  gtk_window_set_resizable (GTK_WINDOW (window), resizable);
  _atrium_builtin_return_null (call);
}

static void
return_result (AtriumCall *call,
               gboolean    ok,
               GError     *error)
{
  if (ok)
    _atrium_builtin_return_null (call);
  else
    atrium_call_return_gerror (call, error);
  g_clear_error (&error);
}

static void
center_cb (AtriumCall *call,
           gpointer    user_data)
{
  GError *error = NULL;
  TARGET (call, window);

  return_result (call, atrium_window_center (window, &error), error);
}

static void
set_position_cb (AtriumCall *call,
                 gpointer    user_data)
{
  GError *error = NULL;
  gint64 x, y;
  TARGET (call, window);

  if (!_atrium_builtin_arg_int (call, 1, "x", -ATRIUM_BUILTIN_SIZE_MAX - 1,
                                ATRIUM_BUILTIN_SIZE_MAX, &x)
      || !_atrium_builtin_arg_int (call, 2, "y", -ATRIUM_BUILTIN_SIZE_MAX - 1,
                                   ATRIUM_BUILTIN_SIZE_MAX, &y))
    return;
  return_result (call, atrium_window_move (window, (int) x, (int) y, &error), error);
}

static void
get_position_cb (AtriumCall *call,
                 gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  int x, y;
  TARGET (call, window);

  if (atrium_window_get_position (window, &x, &y, &error))
    _atrium_builtin_return_pair (call, "x", x, "y", y);
  else
    atrium_call_return_gerror (call, error);
}

static void
set_always_on_top_cb (AtriumCall *call,
                      gpointer    user_data)
{
  GError *error = NULL;
  gboolean above;
  TARGET (call, window);

  if (!_atrium_builtin_arg_bool (call, 1, "alwaysOnTop", &above))
    return;
  return_result (call, atrium_window_set_keep_above (window, above, &error), error);
}

/* The state calls: GTK's, as C apps make them. */
#define WINDOW_ACTION(fn, action) \
  static void \
  fn (AtriumCall *call, \
      gpointer    user_data) \
  { \
    TARGET (call, window); \
    action (GTK_WINDOW (window)); \
    _atrium_builtin_return_null (call); \
  }

#define WINDOW_QUERY(fn, query) \
  static void \
  fn (AtriumCall *call, \
      gpointer    user_data) \
  { \
    TARGET (call, window); \
    _atrium_builtin_return_bool (call, query (window)); \
  }

static void
restore (GtkWindow *window)
{
  gtk_window_unminimize (window);
  gtk_window_present (window);
}

static void
show (GtkWindow *window)
{
  gtk_widget_set_visible (GTK_WIDGET (window), TRUE);
}

static void
hide (GtkWindow *window)
{
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
}

static gboolean
is_maximized (AtriumWindow *window)
{
  return gtk_window_is_maximized (GTK_WINDOW (window));
}

static gboolean
is_fullscreen (AtriumWindow *window)
{
  return gtk_window_is_fullscreen (GTK_WINDOW (window));
}

static gboolean
is_focused (AtriumWindow *window)
{
  return gtk_window_is_active (GTK_WINDOW (window));
}

WINDOW_ACTION (maximize_cb, gtk_window_maximize)
WINDOW_ACTION (unmaximize_cb, gtk_window_unmaximize)
WINDOW_ACTION (minimize_cb, gtk_window_minimize)
WINDOW_ACTION (restore_cb, restore)
WINDOW_ACTION (fullscreen_cb, gtk_window_fullscreen)
WINDOW_ACTION (unfullscreen_cb, gtk_window_unfullscreen)
WINDOW_ACTION (show_cb, show)
WINDOW_ACTION (hide_cb, hide)
WINDOW_ACTION (focus_cb, gtk_window_present)
WINDOW_QUERY (is_maximized_cb, is_maximized)
WINDOW_QUERY (is_fullscreen_cb, is_fullscreen)
WINDOW_QUERY (is_focused_cb, is_focused)

/* close() and destroy() act from the main loop, after the answer is sent:
 * the calling window, its bridge included, must not go away under the
 * handler of the message that asked. */
static gboolean
close_idle_cb (gpointer data)
{
  AtriumWindow *window = data;

  if (atrium_window_get_web_view (window) != NULL)
    gtk_window_close (GTK_WINDOW (window));
  return G_SOURCE_REMOVE;
}

static gboolean
destroy_idle_cb (gpointer data)
{
  AtriumWindow *window = data;

  if (atrium_window_get_web_view (window) != NULL)
    _atrium_window_destroy (window);
  return G_SOURCE_REMOVE;
}

static void
close_cb (AtriumCall *call,
          gpointer    user_data)
{
  TARGET (call, window);

  g_idle_add_full (G_PRIORITY_DEFAULT, close_idle_cb, g_object_ref (window), g_object_unref);
  _atrium_builtin_return_null (call);
}

static void
destroy_cb (AtriumCall *call,
            gpointer    user_data)
{
  TARGET (call, window);

  g_idle_add_full (G_PRIORITY_DEFAULT, destroy_idle_cb, g_object_ref (window), g_object_unref);
  _atrium_builtin_return_null (call);
}

static void
set_background_color_cb (AtriumCall *call,
                         gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  GdkRGBA color;
  TARGET (call, window);

  if (!read_color (atrium_call_get_arg (call, 1), "The colour", &color, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  atrium_window_set_background_color (window, &color);
  _atrium_builtin_return_null (call);
}

#define ZOOM_MIN 0.25
#define ZOOM_MAX 5.0

static void
set_zoom_cb (AtriumCall *call,
             gpointer    user_data)
{
  double zoom;
  TARGET (call, window);

  if (!_atrium_builtin_arg_number (call, 1, "The zoom", ZOOM_MIN, ZOOM_MAX, &zoom))
    return;
  webkit_web_view_set_zoom_level (atrium_window_get_web_view (window), zoom);
  _atrium_builtin_return_null (call);
}

static void
get_zoom_cb (AtriumCall *call,
             gpointer    user_data)
{
  WebKitWebView *view;
  TARGET (call, window);

  view = atrium_window_get_web_view (window);
  _atrium_builtin_return_double (call, webkit_web_view_get_zoom_level (view));
}

static gboolean
devtools_on (AtriumCall   *call,
             AtriumWindow *window)
{
  WebKitSettings *settings = webkit_web_view_get_settings (atrium_window_get_web_view (window));

  if (webkit_settings_get_enable_developer_extras (settings))
    return TRUE;
  atrium_call_return_error (call, ATRIUM_ERROR_FORBIDDEN,
                            "Developer tools are off: call atrium_app_set_devtools (app, TRUE) "
                            "or set ATRIUM_DEVTOOLS=1");
  return FALSE;
}

static void
open_dev_tools_cb (AtriumCall *call,
                   gpointer    user_data)
{
  TARGET (call, window);

  if (!devtools_on (call, window))
    return;
  webkit_web_inspector_show (webkit_web_view_get_inspector (atrium_window_get_web_view (window)));
  _atrium_builtin_return_null (call);
}

static void
close_dev_tools_cb (AtriumCall *call,
                    gpointer    user_data)
{
  TARGET (call, window);

  if (!devtools_on (call, window))
    return;
  webkit_web_inspector_close (webkit_web_view_get_inspector (atrium_window_get_web_view (window)));
  _atrium_builtin_return_null (call);
}

/* The runtime's own: the page added its first listener of an
 * atrium:window.* event. The current state and size follow at once, so
 * the page starts from what is. */
static void
watch_events_cb (AtriumCall *call,
                 gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  WindowState *ws = g_object_get_data (G_OBJECT (window), STATE_KEY);

  _atrium_builtin_return_null (call);
  if (ws != NULL && !ws->watching)
    {
      ws->watching = TRUE;
      ws->told_state = FALSE;
      ws->width = ws->height = 0;
      tell_state (ws);
      _atrium_builtin_window_allocated (window);
    }
}

/* The runtime's own: the page set (or dropped its last) onCloseRequested
 * handler. Its own window only. */
static void
intercept_close_cb (AtriumCall *call,
                    gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  gboolean intercept;

  if (!_atrium_builtin_arg_bool (call, 0, "intercept", &intercept))
    return;
  _atrium_window_set_page_intercepts_close (window, intercept);
  _atrium_builtin_return_null (call);
}

/* The runtime's own: the page's handlers have answered close request
 * serial; prevent says whether one of them called preventDefault(). */
static void
answer_close_cb (AtriumCall *call,
                 gpointer    user_data)
{
  g_autoptr(AtriumWindow) window = g_object_ref (atrium_call_get_window (call));
  gboolean prevent;
  gint64 serial;

  if (!_atrium_builtin_arg_int (call, 0, "The serial", 1, G_MAXINT64 / 2, &serial)
      || !_atrium_builtin_arg_bool (call, 1, "prevent", &prevent))
    return;
  /* Answered before the window may close: closing drops its calls. An
   * answer to no request waiting (a late one, a forged one) does nothing. */
  _atrium_builtin_return_null (call);
  _atrium_window_answer_close (window, (guint64) serial, prevent);
}

/* What the runtime asks for on a page's drag regions (data-atrium-drag):
 * the calling window only, and only while the user holds a button on it
 * (see atrium-window-frame.c). */
static void
frame_action (AtriumCall *call,
              gboolean  (*action) (GtkWindow *, GError **))
{
  AtriumWindow *window = atrium_call_get_window (call);
  g_autoptr(GError) error = NULL;

  if (window == NULL || !action (GTK_WINDOW (window), &error))
    {
      if (error != NULL)
        atrium_call_return_gerror (call, error);
      else
        atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The window has closed");
      return;
    }
  _atrium_builtin_return_null (call);
}

static void
start_drag_cb (AtriumCall *call,
               gpointer    user_data)
{
  frame_action (call, _atrium_window_frame_begin_move);
}

static void
toggle_maximize_cb (AtriumCall *call,
                    gpointer    user_data)
{
  frame_action (call, _atrium_window_frame_toggle_maximize);
}

static void
show_menu_cb (AtriumCall *call,
              gpointer    user_data)
{
  frame_action (call, _atrium_window_frame_show_menu);
}

static const AtriumBuiltinMethod methods[] = {
  { "window.current", current_cb, ATRIUM_BIND_DEFAULT },
  { "window.list", list_cb, ATRIUM_BIND_DEFAULT },
  { "window.open", open_cb, ATRIUM_BIND_DEFAULT },
  { "window.set_title", set_title_cb, ATRIUM_BIND_DEFAULT },
  { "window.get_title", get_title_cb, ATRIUM_BIND_DEFAULT },
  { "window.set_size", set_size_cb, ATRIUM_BIND_DEFAULT },
  { "window.get_size", get_size_cb, ATRIUM_BIND_DEFAULT },
  { "window.set_min_size", set_min_size_cb, ATRIUM_BIND_DEFAULT },
  { "window.set_max_size", set_max_size_cb, ATRIUM_BIND_DEFAULT },
  { "window.set_resizable", set_resizable_cb, ATRIUM_BIND_DEFAULT },
  { "window.center", center_cb, ATRIUM_BIND_DEFAULT },
  { "window.maximize", maximize_cb, ATRIUM_BIND_DEFAULT },
  { "window.unmaximize", unmaximize_cb, ATRIUM_BIND_DEFAULT },
  { "window.is_maximized", is_maximized_cb, ATRIUM_BIND_DEFAULT },
  { "window.minimize", minimize_cb, ATRIUM_BIND_DEFAULT },
  { "window.restore", restore_cb, ATRIUM_BIND_DEFAULT },
  { "window.fullscreen", fullscreen_cb, ATRIUM_BIND_DEFAULT },
  { "window.unfullscreen", unfullscreen_cb, ATRIUM_BIND_DEFAULT },
  { "window.is_fullscreen", is_fullscreen_cb, ATRIUM_BIND_DEFAULT },
  { "window.is_focused", is_focused_cb, ATRIUM_BIND_DEFAULT },
  { "window.show", show_cb, ATRIUM_BIND_DEFAULT },
  { "window.hide", hide_cb, ATRIUM_BIND_DEFAULT },
  { "window.focus", focus_cb, ATRIUM_BIND_DEFAULT },
  { "window.close", close_cb, ATRIUM_BIND_DEFAULT },
  { "window.destroy", destroy_cb, ATRIUM_BIND_DEFAULT },
  { "window.set_background_color", set_background_color_cb, ATRIUM_BIND_DEFAULT },
  { "window.set_zoom", set_zoom_cb, ATRIUM_BIND_DEFAULT },
  { "window.get_zoom", get_zoom_cb, ATRIUM_BIND_DEFAULT },
  { "window.open_dev_tools", open_dev_tools_cb, ATRIUM_BIND_DEFAULT },
  { "window.close_dev_tools", close_dev_tools_cb, ATRIUM_BIND_DEFAULT },
  { "window.set_position", set_position_cb, ATRIUM_BIND_DEFAULT },
  { "window.get_position", get_position_cb, ATRIUM_BIND_DEFAULT },
  { "window.set_always_on_top", set_always_on_top_cb, ATRIUM_BIND_DEFAULT },
  { "window.watch_events", watch_events_cb, ATRIUM_BIND_DEFAULT },
  { "window.intercept_close", intercept_close_cb, ATRIUM_BIND_DEFAULT },
  { "window.answer_close", answer_close_cb, ATRIUM_BIND_DEFAULT },
  { "window.start_drag", start_drag_cb, ATRIUM_BIND_DEFAULT },
  { "window.toggle_maximize", toggle_maximize_cb, ATRIUM_BIND_DEFAULT },
  { "window.show_menu", show_menu_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_window_group = {
  ATRIUM_BUILTIN_WINDOW, "atrium.window", "ATRIUM_BUILTIN_WINDOW", methods, G_N_ELEMENTS (methods),
};

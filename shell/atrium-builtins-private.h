#pragma once

#include "atrium-builtins.h"
#include "atrium-registry-private.h"
#include "atrium-window.h"

G_BEGIN_DECLS

/* Built-ins: libatrium's own methods, bound in the app's registry under
 * reserved names ("atrium:window.set_title"), so that they travel the
 * bridge as the app's methods do. Each group is a table in a file of its
 * own (atrium-builtin-window.c, …); this file's registration wraps every
 * method in the check that its group is on. */

#define ATRIUM_BUILTIN_PREFIX "atrium:"

/* The largest width or height a page may ask for: X11's limit. */
#define ATRIUM_BUILTIN_SIZE_MAX 32767

typedef struct
{
  const char       *name;    /* after "atrium:", such as "window.set_title" */
  AtriumMethodFunc  func;    /* called with the group's check passed */
  AtriumBindFlags   flags;
} AtriumBuiltinMethod;

typedef struct
{
  AtriumBuiltins             group;
  const char                *js_name;    /* "atrium.window", for messages */
  const char                *flag_name;  /* "ATRIUM_BUILTIN_WINDOW" */
  const AtriumBuiltinMethod *methods;
  gsize                      n_methods;
} AtriumBuiltinGroup;

extern const AtriumBuiltinGroup _atrium_builtin_window_group;
extern const AtriumBuiltinGroup _atrium_builtin_theme_group;
extern const AtriumBuiltinGroup _atrium_builtin_dialog_group;
extern const AtriumBuiltinGroup _atrium_builtin_shell_group;
extern const AtriumBuiltinGroup _atrium_builtin_clipboard_group;
extern const AtriumBuiltinGroup _atrium_builtin_clipboard_read_group;
extern const AtriumBuiltinGroup _atrium_builtin_store_group;
extern const AtriumBuiltinGroup _atrium_builtin_path_group;
extern const AtriumBuiltinGroup _atrium_builtin_log_group;
extern const AtriumBuiltinGroup _atrium_builtin_app_group;
extern const AtriumBuiltinGroup _atrium_builtin_notification_group;
extern const AtriumBuiltinGroup _atrium_builtin_screen_group;
extern const AtriumBuiltinGroup _atrium_builtin_print_group;
extern const AtriumBuiltinGroup _atrium_builtin_print_to_file_group;
extern const AtriumBuiltinGroup _atrium_builtin_autostart_group;
extern const AtriumBuiltinGroup _atrium_builtin_tray_group;
extern const AtriumBuiltinGroup _atrium_builtin_menu_group;
extern const AtriumBuiltinGroup _atrium_builtin_secret_group;

void      _atrium_builtins_register          (AtriumRegistry  *registry);
gboolean  _atrium_builtins_is_reserved       (const char      *name);
gboolean  _atrium_builtins_group_check       (AtriumApp                *app,
                                              const AtriumBuiltinGroup *group,
                                              GError                  **error);

/* What the page may pass, checked without GTK: each returns FALSE with
 * @error set to %ATRIUM_ERROR_BAD_ARGS naming @what. A missing argument is
 * a %NULL node. */
gboolean  _atrium_builtin_node_to_size       (JsonNode    *node,
                                              const char  *what,
                                              int         *value,
                                              GError     **error);
gboolean  _atrium_builtin_node_to_number     (JsonNode    *node,
                                              const char  *what,
                                              double       min,
                                              double       max,
                                              double      *value,
                                              GError     **error);
gboolean  _atrium_builtin_node_to_int        (JsonNode    *node,
                                              const char  *what,
                                              gint64       min,
                                              gint64       max,
                                              gint64      *value,
                                              GError     **error);
gboolean  _atrium_builtin_node_to_bool       (JsonNode    *node,
                                              const char  *what,
                                              gboolean    *value,
                                              GError     **error);
gboolean  _atrium_builtin_node_to_string     (JsonNode    *node,
                                              const char  *what,
                                              gsize        max_length,
                                              const char **value,
                                              GError     **error);

/* The same on a call's argument @index: on failure the call is finished
 * with the error (its reference consumed) and FALSE returned. */
gboolean  _atrium_builtin_arg_size           (AtriumCall   *call,
                                              guint         index,
                                              const char   *what,
                                              int          *value);
gboolean  _atrium_builtin_arg_number         (AtriumCall   *call,
                                              guint         index,
                                              const char   *what,
                                              double        min,
                                              double        max,
                                              double       *value);
gboolean  _atrium_builtin_arg_int            (AtriumCall   *call,
                                              guint         index,
                                              const char   *what,
                                              gint64        min,
                                              gint64        max,
                                              gint64       *value);
gboolean  _atrium_builtin_arg_bool           (AtriumCall   *call,
                                              guint         index,
                                              const char   *what,
                                              gboolean     *value);
gboolean  _atrium_builtin_arg_string         (AtriumCall   *call,
                                              guint         index,
                                              const char   *what,
                                              gsize         max_length,
                                              const char  **value);
/* Argument @index names the target window: null (or absent) for the
 * calling window, or a window id; `not-found` for an id no open window has. */
gboolean  _atrium_builtin_arg_window         (AtriumCall    *call,
                                              guint          index,
                                              AtriumWindow **window);

void      _atrium_builtin_return_null        (AtriumCall   *call);
void      _atrium_builtin_return_bool        (AtriumCall   *call,
                                              gboolean      value);
void      _atrium_builtin_return_int         (AtriumCall   *call,
                                              gint64        value);
void      _atrium_builtin_return_double      (AtriumCall   *call,
                                              double        value);
void      _atrium_builtin_return_string      (AtriumCall   *call,
                                              const char   *value);
void      _atrium_builtin_return_pair        (AtriumCall   *call,
                                              const char   *first_name,
                                              gint64        first,
                                              const char   *second_name,
                                              gint64        second);

/* The width and height a PNG's header says, before anything is decoded;
 * %ATRIUM_ERROR_BAD_ARGS for what is not a PNG, or an empty one. */
gboolean  _atrium_builtin_png_size           (GBytes      *png,
                                              guint32     *width,
                                              guint32     *height,
                                              GError     **error);

AtriumWindow *_atrium_builtin_lookup_window  (AtriumApp    *app,
                                              guint         id);

/* The window group's per-window part (atrium-builtin-window.c): events
 * for the page, and the page's say in closing. */
void      _atrium_builtin_window_attach      (AtriumWindow *window);
void      _atrium_builtin_window_detach      (AtriumWindow *window);
void      _atrium_builtin_window_allocated   (AtriumWindow *window);

/* The theme group (atrium-builtin-theme.c): the app's theme-changed
 * signal becomes the pages' atrium:theme.changed. */
void      _atrium_builtin_theme_attach       (AtriumApp    *app);

/* The screen group (atrium-builtin-screen.c): the display's monitors
 * changing become the pages' atrium:screen.changed. Once per window;
 * the app listens once per display. */
void      _atrium_builtin_screen_attach      (AtriumWindow *window);
/* What a monitor's change does: atrium:screen.changed, once, from an idle
 * (for tests, where Xvfb's one screen never changes). */
void      _atrium_builtin_screen_changed     (AtriumApp    *app);

/* The print group (atrium-builtin-print.c): the page's window.print()
 * goes the way atrium.print() does. */
void      _atrium_builtin_print_attach       (AtriumWindow *window);

/* The tray group (atrium-builtin-tray.c): AtriumApp's ::tray-activate
 * and ::tray-menu-clicked. */
void      _atrium_builtin_tray_class_init    (GObjectClass    *klass);

/* The app's own folder under an XDG base directory @base: @base/APP-ID
 * (atrium-builtin-store.c, for the store and atrium.path). */
char     *_atrium_builtin_app_folder         (AtriumApp    *app,
                                              const char   *base);

/* The log group (atrium-builtin-log.c): --log-level, process-wide. */
gboolean  _atrium_log_set_level              (const char      *name,
                                              GError         **error);
gboolean  _atrium_log_level_allows           (GLogLevelFlags   level);
/* A console line of @window's page (--log-console): @level is the console
 * method's name ("log", "warn", …), neither is NUL-terminated. */
void      _atrium_builtin_log_console        (AtriumWindow    *window,
                                              const char      *level,
                                              gsize            level_length,
                                              const char      *line,
                                              gsize            line_length);

G_END_DECLS

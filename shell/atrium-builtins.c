#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-builtins-private.h"

#include <math.h>
#include <string.h>

#include "atrium-app-private.h"
#include "atrium-window.h"

/* Registration of the built-in groups, the check that a group is on, and
 * the argument checks every group shares. Each group's methods live in its
 * own file; they reach here only through these helpers. */

static const AtriumBuiltinGroup * const groups[] = {
  &_atrium_builtin_window_group,
  &_atrium_builtin_theme_group,
  &_atrium_builtin_dialog_group,
  &_atrium_builtin_shell_group,
  &_atrium_builtin_clipboard_group,
  &_atrium_builtin_clipboard_read_group,
  &_atrium_builtin_store_group,
  &_atrium_builtin_path_group,
  &_atrium_builtin_log_group,
  &_atrium_builtin_app_group,
  &_atrium_builtin_notification_group,
  &_atrium_builtin_screen_group,
  &_atrium_builtin_print_group,
  &_atrium_builtin_print_to_file_group,
  &_atrium_builtin_autostart_group,
  &_atrium_builtin_tray_group,
  &_atrium_builtin_menu_group,
  &_atrium_builtin_secret_group,
};

typedef struct
{
  const AtriumBuiltinGroup  *group;
  const AtriumBuiltinMethod *method;
} Bound;

gboolean
_atrium_builtins_is_reserved (const char *name)
{
  return name != NULL && g_str_has_prefix (name, ATRIUM_BUILTIN_PREFIX);
}

gboolean
_atrium_builtins_group_check (AtriumApp                *app,
                              const AtriumBuiltinGroup *group,
                              GError                  **error)
{
  if (app != NULL && (atrium_app_get_builtins (app) & group->group) == group->group)
    return TRUE;
  g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
               "%s is off: call atrium_app_set_builtins (app, … | %s)",
               group->js_name, group->flag_name);
  return FALSE;
}

/* Every built-in comes in here: its group must be on for the app of the
 * calling window. */
static void
dispatch_cb (AtriumCall *call,
             gpointer    user_data)
{
  Bound *bound = user_data;
  AtriumWindow *window = atrium_call_get_window (call);
  g_autoptr(GError) error = NULL;

  if (!_atrium_builtins_group_check (window != NULL ? atrium_window_get_app (window) : NULL,
                                     bound->group, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  bound->method->func (call, NULL);
}

/* Binds every built-in of every group, whether it is on or not: a group
 * that is off answers `forbidden` with the switch to turn it on, where an
 * unbound name would answer a puzzling `not-found`. */
void
_atrium_builtins_register (AtriumRegistry *registry)
{
  for (gsize g = 0; g < G_N_ELEMENTS (groups); g++)
    for (gsize m = 0; m < groups[g]->n_methods; m++)
      {
        g_autofree char *name = g_strconcat (ATRIUM_BUILTIN_PREFIX, groups[g]->methods[m].name,
                                             NULL);
        Bound *bound = g_new (Bound, 1);

        bound->group = groups[g];
        bound->method = &groups[g]->methods[m];
        _atrium_registry_bind (registry, name, dispatch_cb, bound, g_free,
                               groups[g]->methods[m].flags);
      }
}

/* --- arguments --- */

static gboolean
node_is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

gboolean
_atrium_builtin_node_to_number (JsonNode    *node,
                                const char  *what,
                                double       min,
                                double       max,
                                double      *value,
                                GError     **error)
{
  double number;

  /* NaN and the infinities reach C as null (JSON has no word for them),
   * so they are refused as what they became: not a number. */
  if (!node_is_number (node))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s must be a number", what);
      return FALSE;
    }
  number = json_node_get_double (node);
  if (!isfinite (number) || number < min || number > max)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "%s must be from %g to %g", what, min, max);
      return FALSE;
    }
  *value = number;
  return TRUE;
}

gboolean
_atrium_builtin_node_to_int (JsonNode    *node,
                             const char  *what,
                             gint64       min,
                             gint64       max,
                             gint64      *value,
                             GError     **error)
{
  double number;

  if (!node_is_number (node))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s must be a number", what);
      return FALSE;
    }
  /* 640.0 is 640; 640.5 is no number of pixels. */
  number = json_node_get_double (node);
  if (!isfinite (number) || number != floor (number) || number < (double) min
      || number > (double) max)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "%s must be a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                   what, min, max);
      return FALSE;
    }
  *value = (gint64) number;
  return TRUE;
}

gboolean
_atrium_builtin_node_to_size (JsonNode    *node,
                              const char  *what,
                              int         *value,
                              GError     **error)
{
  gint64 size;

  if (!_atrium_builtin_node_to_int (node, what, 1, ATRIUM_BUILTIN_SIZE_MAX, &size, error))
    return FALSE;
  *value = (int) size;
  return TRUE;
}

gboolean
_atrium_builtin_node_to_bool (JsonNode    *node,
                              const char  *what,
                              gboolean    *value,
                              GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s must be true or false", what);
      return FALSE;
    }
  *value = json_node_get_boolean (node);
  return TRUE;
}

gboolean
_atrium_builtin_node_to_string (JsonNode    *node,
                                const char  *what,
                                gsize        max_length,
                                const char **value,
                                GError     **error)
{
  const char *text;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s must be a string", what);
      return FALSE;
    }
  text = json_node_get_string (node);
  if (strlen (text) > max_length)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "%s is longer than %" G_GSIZE_FORMAT " bytes", what, max_length);
      return FALSE;
    }
  *value = text;
  return TRUE;
}

/* Finishes @call with @error, if the check failed. */
gboolean
_atrium_builtin_png_size (GBytes   *png,
                          guint32  *width,
                          guint32  *height,
                          GError  **error)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  gsize size;
  const guint8 *data = g_bytes_get_data (png, &size);
  guint32 value;

  /* The signature, then IHDR first, as the format requires. */
  if (size < 33 || memcmp (data, signature, sizeof signature) != 0
      || memcmp (data + 12, "IHDR", 4) != 0)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "The image is not a PNG (a Uint8Array, ArrayBuffer or Blob of one)");
      return FALSE;
    }
  memcpy (&value, data + 16, 4);
  *width = GUINT32_FROM_BE (value);
  memcpy (&value, data + 20, 4);
  *height = GUINT32_FROM_BE (value);
  if (*width == 0 || *height == 0)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "The image is empty");
      return FALSE;
    }
  return TRUE;
}

static gboolean
finish_unless (AtriumCall *call,
               gboolean    ok,
               GError    **error)
{
  if (!ok)
    {
      atrium_call_return_gerror (call, *error);
      g_clear_error (error);
    }
  return ok;
}

gboolean
_atrium_builtin_arg_size (AtriumCall *call,
                          guint       index,
                          const char *what,
                          int        *value)
{
  JsonNode *arg = atrium_call_get_arg (call, index);
  GError *error = NULL;
  gboolean ok = _atrium_builtin_node_to_size (arg, what, value, &error);

  return finish_unless (call, ok, &error);
}

gboolean
_atrium_builtin_arg_number (AtriumCall *call,
                            guint       index,
                            const char *what,
                            double      min,
                            double      max,
                            double     *value)
{
  JsonNode *arg = atrium_call_get_arg (call, index);
  GError *error = NULL;
  gboolean ok = _atrium_builtin_node_to_number (arg, what, min, max, value, &error);

  return finish_unless (call, ok, &error);
}

gboolean
_atrium_builtin_arg_int (AtriumCall *call,
                         guint       index,
                         const char *what,
                         gint64      min,
                         gint64      max,
                         gint64     *value)
{
  JsonNode *arg = atrium_call_get_arg (call, index);
  GError *error = NULL;
  gboolean ok = _atrium_builtin_node_to_int (arg, what, min, max, value, &error);

  return finish_unless (call, ok, &error);
}

gboolean
_atrium_builtin_arg_bool (AtriumCall *call,
                          guint       index,
                          const char *what,
                          gboolean   *value)
{
  JsonNode *arg = atrium_call_get_arg (call, index);
  GError *error = NULL;
  gboolean ok = _atrium_builtin_node_to_bool (arg, what, value, &error);

  return finish_unless (call, ok, &error);
}

gboolean
_atrium_builtin_arg_string (AtriumCall  *call,
                            guint        index,
                            const char  *what,
                            gsize        max_length,
                            const char **value)
{
  JsonNode *arg = atrium_call_get_arg (call, index);
  GError *error = NULL;
  gboolean ok = _atrium_builtin_node_to_string (arg, what, max_length, value, &error);

  return finish_unless (call, ok, &error);
}

AtriumWindow *
_atrium_builtin_lookup_window (AtriumApp *app,
                               guint      id)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (ATRIUM_IS_WINDOW (l->data) && atrium_window_get_id (l->data) == id)
      return l->data;
  return NULL;
}

gboolean
_atrium_builtin_arg_window (AtriumCall    *call,
                            guint          index,
                            AtriumWindow **window)
{
  JsonNode *node = atrium_call_get_arg (call, index);
  AtriumWindow *caller = atrium_call_get_window (call);
  AtriumApp *app = caller != NULL ? atrium_window_get_app (caller) : NULL;
  gint64 id;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *window = caller;
    }
  else
    {
      if (!_atrium_builtin_arg_int (call, index, "The window id", 1, G_MAXUINT, &id))
        return FALSE;
      *window = app != NULL ? _atrium_builtin_lookup_window (app, (guint) id) : NULL;
    }
  if (*window == NULL && (node == NULL || JSON_NODE_HOLDS_NULL (node)))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return FALSE;
    }
  if (*window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND,
                                "No open window has id %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  return TRUE;
}

/* --- results --- */

void
_atrium_builtin_return_null (AtriumCall *call)
{
  atrium_call_return_value (call, json_node_new (JSON_NODE_NULL));
}

void
_atrium_builtin_return_bool (AtriumCall *call,
                             gboolean    value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_boolean (node, value);
  atrium_call_return_value (call, node);
}

void
_atrium_builtin_return_int (AtriumCall *call,
                            gint64      value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (node, value);
  atrium_call_return_value (call, node);
}

void
_atrium_builtin_return_double (AtriumCall *call,
                               double      value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_double (node, value);
  atrium_call_return_value (call, node);
}

void
_atrium_builtin_return_string (AtriumCall *call,
                               const char *value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, value);
  atrium_call_return_value (call, node);
}

void
_atrium_builtin_return_pair (AtriumCall *call,
                             const char *first_name,
                             gint64      first,
                             const char *second_name,
                             gint64      second)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_int_member (object, first_name, first);
  json_object_set_int_member (object, second_name, second);
  json_node_take_object (node, object);
  atrium_call_return_value (call, node);
}

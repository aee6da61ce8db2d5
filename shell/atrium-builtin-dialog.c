#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Dialog"
#include "config.h"

#include "atrium-builtins-private.h"

#include <string.h>

#include "atrium-dialog-private.h"
#include "atrium-window-private.h"

/* atrium.dialog: the file chooser and message dialogs of atrium-dialog.c,
 * modal to the calling window. Every option is read and checked before
 * anything is shown, so bad input shows nothing; every size a page
 * controls is bounded (the title, the text, the number of buttons,
 * filters and patterns). The call's cancellable is the operation's: the
 * page's p.cancel() closes the dialog, and so does its window's end. */

#define TITLE_MAX        4096
#define TEXT_MAX         16384     /* message and detail, each */
#define BUTTONS_MAX      8
#define LABEL_MAX        256
#define FILTERS_MAX      32
#define PATTERNS_MAX     64        /* patterns and MIME types, each, per filter */
#define PATTERN_MAX      256
#define PATH_MAX_BYTES   4096
#define NAME_MAX_BYTES   255

static gboolean
fail (GError    **error,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError    **error,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  *error = g_error_new_valist (ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, format, args);
  va_end (args);
  return FALSE;
}

static gboolean
read_path (JsonNode    *node,
           const char  *what,
           const char **path,
           GError     **error)
{
  if (!_atrium_builtin_node_to_string (node, what, PATH_MAX_BYTES, path, error))
    return FALSE;
  if (!g_path_is_absolute (*path))
    return fail (error, "%s must be an absolute path", what);
  return TRUE;
}

static gboolean
read_name (JsonNode    *node,
           const char **name,
           GError     **error)
{
  if (!_atrium_builtin_node_to_string (node, "defaultName", NAME_MAX_BYTES, name, error))
    return FALSE;
  if (**name == '\0' || strchr (*name, '/') != NULL || strcmp (*name, ".") == 0
      || strcmp (*name, "..") == 0)
    return fail (error, "defaultName must be a file name, without a folder");
  return TRUE;
}

/* "type/subtype", as shared-mime-info names them; a subtype of "*"
 * stands for any. */
static gboolean
mime_type_is_valid (const char *text)
{
  const char *slash = strchr (text, '/');

  if (slash == NULL || slash == text || slash[1] == '\0' || strchr (slash + 1, '/') != NULL)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/+-.*_", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
read_strings (JsonNode    *node,
              const char  *what,
              guint        max_count,
              gsize        max_length,
              GPtrArray   *out,
              GError     **error)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, "%s must be an array of strings", what);
  array = json_node_get_array (node);
  if (json_array_get_length (array) > max_count)
    return fail (error, "%s has more than %u entries", what, max_count);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *text;

      if (!_atrium_builtin_node_to_string (json_array_get_element (array, i), what, max_length,
                                           &text, error))
        return FALSE;
      if (*text == '\0')
        return fail (error, "%s cannot hold an empty string", what);
      g_ptr_array_add (out, (gpointer) text);
    }
  return TRUE;
}

static GtkFileFilter *
read_filter (JsonNode  *node,
             GError   **error)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GPtrArray) patterns = g_ptr_array_new ();
  g_autoptr(GPtrArray) types = g_ptr_array_new ();
  const char *name = NULL;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (error, "Each filter must be an object {name, patterns, mimeTypes}");
      return NULL;
    }
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value))
    {
      gboolean ok;

      if (strcmp (key, "name") == 0)
        ok = _atrium_builtin_node_to_string (value, "A filter's name", LABEL_MAX, &name, error);
      else if (strcmp (key, "patterns") == 0)
        ok = read_strings (value, "A filter's patterns", PATTERNS_MAX, PATTERN_MAX, patterns,
                           error);
      else if (strcmp (key, "mimeTypes") == 0)
        ok = read_strings (value, "A filter's mimeTypes", PATTERNS_MAX, PATTERN_MAX, types,
                           error);
      else
        ok = fail (error, "A filter has no option “%s”", key);
      if (!ok)
        return NULL;
    }
  if (patterns->len == 0 && types->len == 0)
    {
      fail (error, "A filter needs patterns or mimeTypes");
      return NULL;
    }
  for (guint i = 0; i < types->len; i++)
    if (!mime_type_is_valid (g_ptr_array_index (types, i)))
      {
        fail (error, "“%s” is not a MIME type", (const char *) g_ptr_array_index (types, i));
        return NULL;
      }

  if (name != NULL)
    gtk_file_filter_set_name (filter, name);
  for (guint i = 0; i < patterns->len; i++)
    gtk_file_filter_add_pattern (filter, g_ptr_array_index (patterns, i));
  for (guint i = 0; i < types->len; i++)
    gtk_file_filter_add_mime_type (filter, g_ptr_array_index (types, i));
  return g_steal_pointer (&filter);
}

static gboolean
read_filters (JsonNode    *node,
              GListStore **filters,
              GError     **error)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, "filters must be an array");
  array = json_node_get_array (node);
  if (json_array_get_length (array) > FILTERS_MAX)
    return fail (error, "filters has more than %u entries", FILTERS_MAX);
  *filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(GtkFileFilter) filter = read_filter (json_array_get_element (array, i), error);

      if (filter == NULL)
        {
          g_clear_object (filters);
          return FALSE;
        }
      g_list_store_append (*filters, filter);
    }
  return TRUE;
}

/* What open() and save() may be given. */
typedef struct
{
  const char *title;
  gboolean    multiple;
  gboolean    directory;
  GListStore *filters;
  const char *default_path;
  const char *default_name;
} FileOptions;

static void
file_options_clear (FileOptions *options)
{
  g_clear_object (&options->filters);
}

static gboolean
read_file_options (JsonNode     *node,
                   gboolean      save,
                   FileOptions  *options,
                   GError      **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  memset (options, 0, sizeof *options);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, "The options must be an object");

  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value))
    {
      gboolean ok;

      if (strcmp (key, "title") == 0)
        ok = _atrium_builtin_node_to_string (value, "title", TITLE_MAX, &options->title, error);
      else if (strcmp (key, "filters") == 0 && options->filters == NULL)
        ok = read_filters (value, &options->filters, error);
      else if (strcmp (key, "defaultPath") == 0)
        ok = read_path (value, "defaultPath", &options->default_path, error);
      else if (!save && strcmp (key, "multiple") == 0)
        ok = _atrium_builtin_node_to_bool (value, "multiple", &options->multiple, error);
      else if (!save && strcmp (key, "directory") == 0)
        ok = _atrium_builtin_node_to_bool (value, "directory", &options->directory, error);
      else if (save && strcmp (key, "defaultName") == 0)
        ok = read_name (value, &options->default_name, error);
      else
        ok = fail (error, "%s() has no option “%s”", save ? "save" : "open", key);
      if (!ok)
        {
          file_options_clear (options);
          return FALSE;
        }
    }
  return TRUE;
}

static AtriumWindow *
caller_or_fail (AtriumCall *call)
{
  AtriumWindow *window = atrium_call_get_window (call);

  if (window == NULL || atrium_window_get_web_view (window) == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return NULL;
    }
  return window;
}

/* JSON carries UTF-8 only: a path in another encoding is one the page
 * could not name back. */
static JsonNode *
paths_to_node (char     **paths,
               GError   **error)
{
  g_autoptr(JsonArray) array = json_array_new ();

  for (guint i = 0; paths[i] != NULL; i++)
    {
      if (!g_utf8_validate (paths[i], -1, NULL))
        {
          g_autofree char *shown = g_filename_display_name (paths[i]);

          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                       "The chosen path %s is not valid UTF-8", shown);
          return NULL;
        }
      json_array_add_string_element (array, paths[i]);
    }
  return json_node_init_array (json_node_alloc (), array);
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) paths = atrium_dialog_open_finish (result, &error);
  JsonNode *node;

  if (error != NULL)
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  if (paths == NULL)
    {
      _atrium_builtin_return_null (call);
      return;
    }
  node = paths_to_node (paths, &error);
  if (node == NULL)
    atrium_call_return_gerror (call, error);
  else
    atrium_call_return_value (call, node);
}

static void
open_cb (AtriumCall *call,
         gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  FileOptions options;
  AtriumWindow *window = caller_or_fail (call);

  if (window == NULL)
    return;
  if (!read_file_options (atrium_call_get_arg (call, 0), FALSE, &options, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  atrium_dialog_open_async (window, options.title,
                            (options.multiple ? ATRIUM_DIALOG_MULTIPLE : 0)
                            | (options.directory ? ATRIUM_DIALOG_DIRECTORY : 0),
                            G_LIST_MODEL (options.filters), options.default_path,
                            atrium_call_get_cancellable (call), open_done_cb, call);
  file_options_clear (&options);
}

static void
save_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = atrium_dialog_save_finish (result, &error);

  if (error != NULL)
    atrium_call_return_gerror (call, error);
  else if (path == NULL)
    _atrium_builtin_return_null (call);
  else if (!g_utf8_validate (path, -1, NULL))
    atrium_call_return_error (call, ATRIUM_ERROR_FAILED, "The chosen path is not valid UTF-8");
  else
    _atrium_builtin_return_string (call, path);
}

static void
save_cb (AtriumCall *call,
         gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  FileOptions options;
  AtriumWindow *window = caller_or_fail (call);

  if (window == NULL)
    return;
  if (!read_file_options (atrium_call_get_arg (call, 0), TRUE, &options, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  atrium_dialog_save_async (window, options.title, G_LIST_MODEL (options.filters),
                            options.default_path, options.default_name,
                            atrium_call_get_cancellable (call), save_done_cb, call);
  file_options_clear (&options);
}

/* What message() and confirm() may be given. */
typedef struct
{
  AtriumMessageKind  kind;
  const char        *title;
  const char        *message;
  const char        *detail;
  GPtrArray         *buttons;          /* borrowed labels, NULL-terminated */
  gint64             default_button;
  gint64             cancel_button;
  const char        *ok_label;         /* confirm() */
  const char        *cancel_label;
} MessageOptions;

static gboolean
read_kind (JsonNode           *node,
           AtriumMessageKind  *kind,
           GError            **error)
{
  static const char * const kinds[] = { "info", "warning", "error", "question" };
  const char *text;

  if (!_atrium_builtin_node_to_string (node, "kind", 16, &text, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (text, kinds[i]) == 0)
      {
        *kind = (AtriumMessageKind) i;
        return TRUE;
      }
  return fail (error, "kind must be 'info', 'warning', 'error' or 'question'");
}

static gboolean
read_message_options (JsonNode        *node,
                      gboolean         confirm,
                      MessageOptions  *options,
                      GError         **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;
  JsonNode *default_node = NULL, *cancel_node = NULL;
  gint64 n;

  options->kind = confirm ? ATRIUM_MESSAGE_QUESTION : ATRIUM_MESSAGE_INFO;
  options->default_button = -1;
  options->cancel_button = -1;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (confirm)
        return TRUE;
      return fail (error, "message() needs options with a message");
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, "The options must be an object");

  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value))
    {
      gboolean ok;

      if (strcmp (key, "kind") == 0)
        ok = read_kind (value, &options->kind, error);
      else if (strcmp (key, "title") == 0)
        ok = _atrium_builtin_node_to_string (value, "title", TITLE_MAX, &options->title, error);
      else if (strcmp (key, "detail") == 0)
        ok = _atrium_builtin_node_to_string (value, "detail", TEXT_MAX, &options->detail, error);
      else if (!confirm && strcmp (key, "message") == 0)
        ok = _atrium_builtin_node_to_string (value, "message", TEXT_MAX, &options->message,
                                             error);
      else if (!confirm && strcmp (key, "buttons") == 0 && options->buttons == NULL)
        {
          options->buttons = g_ptr_array_new ();
          ok = read_strings (value, "buttons", BUTTONS_MAX, LABEL_MAX, options->buttons, error);
        }
      else if (!confirm && strcmp (key, "defaultButton") == 0)
        {
          default_node = value;
          ok = TRUE;
        }
      else if (!confirm && strcmp (key, "cancelButton") == 0)
        {
          cancel_node = value;
          ok = TRUE;
        }
      else if (confirm && strcmp (key, "okLabel") == 0)
        ok = _atrium_builtin_node_to_string (value, "okLabel", LABEL_MAX, &options->ok_label,
                                             error);
      else if (confirm && strcmp (key, "cancelLabel") == 0)
        ok = _atrium_builtin_node_to_string (value, "cancelLabel", LABEL_MAX,
                                             &options->cancel_label, error);
      else
        ok = fail (error, "%s() has no option “%s”", confirm ? "confirm" : "message", key);
      if (!ok)
        return FALSE;
    }

  if (!confirm && options->message == NULL)
    return fail (error, "message() needs a message");
  /* The indices are checked against the buttons there are: one "OK"
   * without any. */
  n = options->buttons != NULL && options->buttons->len > 0 ? options->buttons->len : 1;
  if (default_node != NULL
      && !_atrium_builtin_node_to_int (default_node, "defaultButton", 0, n - 1,
                                       &options->default_button, error))
    return FALSE;
  if (cancel_node != NULL
      && !_atrium_builtin_node_to_int (cancel_node, "cancelButton", 0, n - 1,
                                       &options->cancel_button, error))
    return FALSE;
  if (options->buttons != NULL)
    g_ptr_array_add (options->buttons, NULL);
  return TRUE;
}

static void
message_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  int button = atrium_dialog_message_finish (result, &error);

  if (error != NULL)
    atrium_call_return_gerror (call, error);
  else
    _atrium_builtin_return_int (call, button);
}

static void
message_cb (AtriumCall *call,
            gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  MessageOptions options = { 0 };
  AtriumWindow *window = caller_or_fail (call);

  if (window == NULL)
    return;
  if (!read_message_options (atrium_call_get_arg (call, 0), FALSE, &options, &error))
    {
      g_clear_pointer (&options.buttons, g_ptr_array_unref);
      atrium_call_return_gerror (call, error);
      return;
    }
  _atrium_dialog_message_start (window, options.kind, options.title, options.message,
                                options.detail,
                                options.buttons != NULL
                                ? (const char * const *) options.buttons->pdata : NULL,
                                (int) options.default_button, (int) options.cancel_button, NULL,
                                atrium_call_get_cancellable (call), atrium_dialog_message_async,
                                message_done_cb, call);
  g_clear_pointer (&options.buttons, g_ptr_array_unref);
}

static void
confirm_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  int button = atrium_dialog_message_finish (result, &error);

  if (error != NULL)
    atrium_call_return_gerror (call, error);
  else
    _atrium_builtin_return_bool (call, button == 1);
}

/* confirm(message, options): Cancel and OK (in GTK's order), OK by
 * Return, Cancel by Escape; true for OK. */
static void
confirm_cb (AtriumCall *call,
            gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  MessageOptions options = { 0 };
  const char *labels[3];
  AtriumWindow *window = caller_or_fail (call);

  if (window == NULL)
    return;
  if (!_atrium_builtin_arg_string (call, 0, "The message", TEXT_MAX, &options.message))
    return;
  if (!read_message_options (atrium_call_get_arg (call, 1), TRUE, &options, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  labels[0] = options.cancel_label != NULL ? options.cancel_label
                                           : g_dgettext ("gtk40", "_Cancel");
  labels[1] = options.ok_label != NULL ? options.ok_label : g_dgettext ("gtk40", "_OK");
  labels[2] = NULL;
  _atrium_dialog_message_start (window, options.kind, options.title, options.message,
                                options.detail, labels, 1, 0, NULL,
                                atrium_call_get_cancellable (call), atrium_dialog_message_async,
                                confirm_done_cb, call);
}

static const AtriumBuiltinMethod methods[] = {
  { "dialog.open", open_cb, ATRIUM_BIND_ASYNC },
  { "dialog.save", save_cb, ATRIUM_BIND_ASYNC },
  { "dialog.message", message_cb, ATRIUM_BIND_ASYNC },
  { "dialog.confirm", confirm_cb, ATRIUM_BIND_ASYNC },
};

const AtriumBuiltinGroup _atrium_builtin_dialog_group = {
  ATRIUM_BUILTIN_DIALOG, "atrium.dialog", "ATRIUM_BUILTIN_DIALOG", methods, G_N_ELEMENTS (methods),
};

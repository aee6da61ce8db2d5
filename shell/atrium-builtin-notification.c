#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Notification"
#include "config.h"

#include "atrium-builtins-private.h"

#include <string.h>

#include "atrium-notification-private.h"
#include "atrium-window-private.h"

/* atrium.notification: show({id, title, body, icon, actions}) → id and
 * close(id), over atrium_app_show_notification(); clicks come back as
 * atrium:notification.action (atrium-notification.c). Off by default
 * (ATRIUM_BUILTIN_NOTIFICATION). */

#define ICON_NAME_MAX  128
#define ICON_PATH_MAX  4096
#define ICON_DATA_MAX  (256 * 1024)     /* the PNG, decoded */
#define PNG_DATA_URL   "data:image/png;base64,"

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
icon_name_is_valid (const char *name)
{
  if (name[0] == '\0' || strlen (name) > ICON_NAME_MAX)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.' && *p != '+')
      return FALSE;
  return TRUE;
}

static GIcon *
png_icon (GBytes  *png,
          GError **error)
{
  gsize length = g_bytes_get_size (png);

  if (length > ICON_DATA_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The icon is larger than %d bytes", ICON_DATA_MAX);
      return NULL;
    }
  if (length < 8 || memcmp (g_bytes_get_data (png, NULL), "\x89PNG\r\n\x1a\n", 8) != 0)
    {
      fail (error, "The icon's data is not a PNG");
      return NULL;
    }
  return g_bytes_icon_new (png);
}

/* An icon name ("mail-unread"), an absolute path to an image file, or a
 * PNG: bytes (a Uint8Array, an ArrayBuffer, a Blob…) or a data: URL. */
static GIcon *
read_icon (JsonNode  *node,
           GError   **error)
{
  const char *text;

  if (atrium_node_holds_bytes (node))
    {
      g_autoptr(GBytes) png = atrium_bytes_node_get_bytes (node, error);

      return png != NULL ? png_icon (png, error) : NULL;
    }
  if (!_atrium_builtin_node_to_string (node, "icon", ICON_PATH_MAX + ICON_DATA_MAX * 2, &text,
                                       error))
    return NULL;
  if (g_str_has_prefix (text, "data:"))
    {
      const char *base64 = text + strlen (PNG_DATA_URL);
      g_autofree guchar *data = NULL;
      gsize length = 0;

      if (!g_str_has_prefix (text, PNG_DATA_URL))
        {
          fail (error, "An icon data: URL must be " PNG_DATA_URL "…");
          return NULL;
        }
      if (strlen (base64) > (ICON_DATA_MAX / 3 + 1) * 4)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                       "The icon is larger than %d bytes", ICON_DATA_MAX);
          return NULL;
        }
      for (const char *p = base64; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
          {
            fail (error, "The icon's data: URL is not base64");
            return NULL;
          }
      data = g_base64_decode (base64, &length);
      {
        g_autoptr(GBytes) png = g_bytes_new_take (g_steal_pointer (&data), length);

        return png_icon (png, error);
      }
    }
  if (text[0] == '/')
    {
      g_autoptr(GFile) file = NULL;

      if (strlen (text) > ICON_PATH_MAX)
        {
          fail (error, "The icon's path is longer than %d bytes", ICON_PATH_MAX);
          return NULL;
        }
      if (!g_file_test (text, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND, "No icon file at %s", text);
          return NULL;
        }
      file = g_file_new_for_path (text);
      return g_file_icon_new (file);
    }
  if (!icon_name_is_valid (text))
    {
      fail (error, "The icon must be an icon name, an absolute path, PNG bytes or a "
            PNG_DATA_URL " URL");
      return NULL;
    }
  return g_themed_icon_new (text);
}

static gboolean
read_actions (JsonNode                  *node,
              AtriumNotificationAction **actions,
              gsize                     *n_actions,
              GError                   **error)
{
  JsonArray *array;
  guint length;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, "actions must be an array");
  array = json_node_get_array (node);
  length = json_array_get_length (array);
  if (length > ATRIUM_NOTIFICATION_ACTIONS_MAX)
    return fail (error, "A notification has at most %d actions", ATRIUM_NOTIFICATION_ACTIONS_MAX);
  *actions = g_new0 (AtriumNotificationAction, MAX (length, 1));
  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        return fail (error, "An action must be an object {id, label}");
      json_object_iter_init (&iter, json_node_get_object (element));
      while (json_object_iter_next (&iter, &key, &value))
        {
          gboolean ok;

          if (strcmp (key, "id") == 0)
            ok = _atrium_builtin_node_to_string (value, "An action's id",
                                                 ATRIUM_NOTIFICATION_ACTION_MAX,
                                                 &(*actions)[i].id, error);
          else if (strcmp (key, "label") == 0)
            ok = _atrium_builtin_node_to_string (value, "An action's label",
                                                 ATRIUM_NOTIFICATION_LABEL_MAX,
                                                 &(*actions)[i].label, error);
          else
            ok = fail (error, "An action has no option “%s”", key);
          if (!ok)
            return FALSE;
        }
    }
  *n_actions = length;
  return TRUE;
}

static void
show_cb (AtriumCall *call,
         gpointer    user_data)
{
  static guint serial;
  AtriumWindow *window = atrium_call_get_window (call);
  JsonNode *node = atrium_call_get_arg (call, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIcon) icon = NULL;
  g_autofree AtriumNotificationAction *actions = NULL;
  g_autofree char *generated = NULL;
  gsize n_actions = 0;
  const char *id = NULL;
  const char *title = NULL;
  const char *body = NULL;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "show() takes an object {id, title, body, icon, actions}");
      return;
    }
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value))
    {
      gboolean ok;

      if (strcmp (key, "id") == 0)
        ok = _atrium_builtin_node_to_string (value, "id", ATRIUM_NOTIFICATION_ID_MAX, &id, &error);
      else if (strcmp (key, "title") == 0)
        ok = _atrium_builtin_node_to_string (value, "title", ATRIUM_NOTIFICATION_TITLE_MAX, &title,
                                             &error);
      else if (strcmp (key, "body") == 0)
        ok = _atrium_builtin_node_to_string (value, "body", ATRIUM_NOTIFICATION_BODY_MAX, &body,
                                             &error);
      else if (strcmp (key, "icon") == 0 && icon == NULL)
        ok = (icon = read_icon (value, &error)) != NULL;
      else if (strcmp (key, "actions") == 0 && actions == NULL)
        ok = read_actions (value, &actions, &n_actions, &error);
      else
        ok = fail (&error, "show() has no option “%s”", key);
      if (!ok)
        {
          atrium_call_return_gerror (call, error);
          return;
        }
    }
  if (title == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "show() needs a title");
      return;
    }
  if (window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  if (id == NULL)
    id = generated = g_strdup_printf ("atrium-%u", ++serial);
  if (!atrium_app_show_notification (atrium_window_get_app (window), id, title, body, icon,
                                     actions, n_actions, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  _atrium_builtin_return_string (call, id);
}

static void
close_cb (AtriumCall *call,
          gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  const char *id;

  if (!_atrium_builtin_arg_string (call, 0, "The id", ATRIUM_NOTIFICATION_ID_MAX, &id))
    return;
  if (window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  _atrium_builtin_return_bool (call, atrium_app_close_notification (atrium_window_get_app (window),
                                                                    id));
}

static const AtriumBuiltinMethod methods[] = {
  { "notification.show", show_cb, ATRIUM_BIND_DEFAULT },
  { "notification.close", close_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_notification_group = {
  ATRIUM_BUILTIN_NOTIFICATION, "atrium.notification", "ATRIUM_BUILTIN_NOTIFICATION", methods,
  G_N_ELEMENTS (methods),
};

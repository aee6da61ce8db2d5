#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Shell"
#include "config.h"

#include "atrium-shell.h"

#include <string.h>

#include "atrium-builtins-private.h"
#include "atrium-window-private.h"

/* atrium.shell: what the desktop does with a URL or a file. openUrl()
 * hands a URL to the desktop's handler for its scheme: http, https and
 * mailto, and the schemes the app allowed with
 * atrium_app_allow_url_scheme(); never javascript:, file: or data:, which
 * would run or open something of the page's choosing outside the app.
 * openPath() opens a file with its default application, showInFolder()
 * shows it in the file manager (org.freedesktop.FileManager1, else its
 * folder opened), trash() moves it to the trash. The app's allowed
 * schemes are kept on the app object under SCHEMES_KEY, main thread only.
 *
 * C has the same four as atrium_shell_*_async(); the methods below are
 * thin wrappers over them, so the scheme and path policy is one piece of
 * code (url_check(), file_check()) whichever side asks. */

#define SCHEMES_KEY     "atrium-shell-schemes"
#define URL_MAX         8192
#define PATH_MAX_BYTES  4096
#define SCHEME_MAX      64
#define SHOW_TIMEOUT_MS 10000

static const char * const default_schemes[] = { "http", "https", "mailto" };
static const char * const refused_schemes[] = { "javascript", "file", "data", "vbscript",
                                                "blob", "about" };

static gboolean
scheme_is_refused (const char *scheme)
{
  for (gsize i = 0; i < G_N_ELEMENTS (refused_schemes); i++)
    if (g_ascii_strcasecmp (scheme, refused_schemes[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
scheme_is_valid (const char *scheme)
{
  if (!g_ascii_isalpha (scheme[0]) || strlen (scheme) > SCHEME_MAX)
    return FALSE;
  for (const char *p = scheme; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

/**
 * atrium_app_allow_url_scheme:
 * @scheme: a URL scheme, such as "zoommtg" or "steam"
 *
 * Lets the app's pages hand URLs of @scheme to the desktop with
 * `atrium.shell.openUrl()`, besides http, https and mailto. `javascript`,
 * `file` and `data` (and `vbscript`, `blob`, `about`) can never be
 * allowed: a page would run or open something of its choosing outside the
 * app. Main thread.
 */
void
atrium_app_allow_url_scheme (AtriumApp  *self,
                             const char *scheme)
{
  GHashTable *schemes;

  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (scheme != NULL && scheme_is_valid (scheme));
  g_return_if_fail (!scheme_is_refused (scheme));

  schemes = g_object_get_data (G_OBJECT (self), SCHEMES_KEY);
  if (schemes == NULL)
    {
      schemes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_object_set_data_full (G_OBJECT (self), SCHEMES_KEY, schemes,
                              (GDestroyNotify) g_hash_table_unref);
    }
  g_hash_table_add (schemes, g_ascii_strdown (scheme, -1));
}

static gboolean
scheme_is_allowed (AtriumApp  *app,
                   const char *scheme)
{
  GHashTable *schemes = app != NULL ? g_object_get_data (G_OBJECT (app), SCHEMES_KEY) : NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (default_schemes); i++)
    if (strcmp (scheme, default_schemes[i]) == 0)
      return TRUE;
  return schemes != NULL && g_hash_table_contains (schemes, scheme);
}

/* --- showing a file in its folder --- */

static gboolean file_check (GFile             *file,
                            GError           **error);
static void     launch     (GTask             *task,
                            const char        *uri,
                            GAppLaunchContext *context);

static void
show_items_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  g_autoptr(GFile) folder = NULL;
  g_autofree char *uri = NULL;

  if (reply != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* No file manager on the bus: its folder, opened as any folder is. */
  folder = g_file_get_parent (g_task_get_task_data (task));
  uri = g_file_get_uri (folder != NULL ? folder : g_task_get_task_data (task));
  launch (g_object_ref (task), uri, NULL);
}

/**
 * atrium_shell_show_in_folder_async:
 * @file: a local file or folder
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the file manager has it
 *
 * Shows @file in the desktop's file manager, selected, through
 * `org.freedesktop.FileManager1`'s ShowItems on the session bus; without
 * one there, opens its folder with the default application for folders.
 * The path policy is `atrium.shell.showInFolder()`'s: a local file that
 * exists.
 */
void
atrium_shell_show_in_folder_async (GFile               *file,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autofree char *uri = NULL;
  const char *uris[2] = { NULL, NULL };
  GError *error = NULL;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_shell_show_in_folder_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  if (!file_check (file, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  uri = g_file_get_uri (file);
  uris[0] = uri;
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, NULL);
  if (bus == NULL)
    {
      g_autoptr(GFile) folder = g_file_get_parent (file);
      g_autofree char *folder_uri = g_file_get_uri (folder != NULL ? folder : file);

      launch (g_steal_pointer (&task), folder_uri, NULL);
      return;
    }
  g_dbus_connection_call (bus, "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1", "ShowItems",
                          g_variant_new ("(^ass)", uris, ""), NULL,
                          G_DBUS_CALL_FLAGS_NONE, SHOW_TIMEOUT_MS, cancellable,
                          show_items_done_cb, g_steal_pointer (&task));
}

/**
 * atrium_shell_show_in_folder_finish:
 *
 * Returns: %TRUE once shown; %FALSE with @error set: %ATRIUM_ERROR_BAD_ARGS
 *   for a file that is not local, %ATRIUM_ERROR_NOT_FOUND for nothing
 *   there, %G_IO_ERROR_CANCELLED, or the desktop's reason
 */
gboolean
atrium_shell_show_in_folder_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- the policy both sides share --- */

/* A URL the desktop may be handed for @app's pages: a valid URL of an
 * allowed scheme, never one of the refused ones, and http(s) with a host. */
static gboolean
url_check (AtriumApp   *app,
           const char  *text,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *scheme = NULL;

  if (strlen (text) > URL_MAX || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The URL must be valid UTF-8 of at most %d bytes", URL_MAX);
      return FALSE;
    }
  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "The URL is not a valid URL");
      return FALSE;
    }
  scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  if (scheme_is_refused (scheme))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN, "openUrl() never opens %s: URLs",
                   scheme);
      return FALSE;
    }
  if (!scheme_is_allowed (app, scheme))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                   "%s: URLs are not allowed: call atrium_app_allow_url_scheme (app, \"%s\")",
                   scheme, scheme);
      return FALSE;
    }
  if ((strcmp (scheme, "http") == 0 || strcmp (scheme, "https") == 0)
      && (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0'))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "The URL has no host");
      return FALSE;
    }
  return TRUE;
}

/* A local file that exists (a dangling symbolic link counts: it is there
 * to be trashed). */
static gboolean
file_check (GFile   *file,
            GError **error)
{
  g_autofree char *path = g_file_get_path (file);

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%.256s is not a local file", uri);
      return FALSE;
    }
  if (strlen (path) > PATH_MAX_BYTES)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The path is longer than %d bytes", PATH_MAX_BYTES);
      return FALSE;
    }
  if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL)
      == G_FILE_TYPE_UNKNOWN)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND, "Nothing is at %s", path);
      return FALSE;
    }
  return TRUE;
}

static GAppLaunchContext *
default_launch_context (void)
{
  GdkDisplay *display = gdk_display_get_default ();

  return display != NULL ? G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (display))
                         : NULL;
}

static void
launched_task_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_app_info_launch_default_for_uri_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Hands @uri to its default handler unless @task's cancellable is
 * cancelled already: GIO may start the handler before it looks. */
static void
launch (GTask             *task,
        const char        *uri,
        GAppLaunchContext *context)
{
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  g_app_info_launch_default_for_uri_async (uri, context, g_task_get_cancellable (task),
                                           launched_task_cb, task);
}

static void
open_url (AtriumApp           *app,
          const char          *url,
          GAppLaunchContext   *context,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, atrium_shell_open_url_async);
  if (!url_check (app, url, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  launch (task, url, context);
}

static void
open_file (GFile               *file,
           GAppLaunchContext   *context,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *uri = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, atrium_shell_open_path_async);
  if (!file_check (file, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  uri = g_file_get_uri (file);
  launch (task, uri, context);
}

/**
 * atrium_shell_open_url_async:
 * @app: the app whose allowed schemes apply
 * @url: the URL
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the desktop's handler has it
 *
 * Hands @url to the desktop's default handler for its scheme, under the
 * policy `atrium.shell.openUrl()` has: http, https and mailto, and the
 * schemes allowed with atrium_app_allow_url_scheme(). Main thread.
 */
void
atrium_shell_open_url_async (AtriumApp           *app,
                             const char          *url,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GAppLaunchContext) context = NULL;

  g_return_if_fail (ATRIUM_IS_APP (app));
  g_return_if_fail (url != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  context = default_launch_context ();
  open_url (app, url, context, cancellable, callback, user_data);
}

/**
 * atrium_shell_open_url_finish:
 *
 * Returns: %TRUE once handed over; %FALSE with @error set: %ATRIUM_ERROR_BAD_ARGS
 *   for a URL that is not one (or an http(s) URL without a host),
 *   %ATRIUM_ERROR_FORBIDDEN for a scheme refused or not allowed,
 *   %G_IO_ERROR_CANCELLED, or the desktop's own error (no handler…)
 */
gboolean
atrium_shell_open_url_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * atrium_shell_open_path_async:
 * @file: a local file or folder
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once its default application has it
 *
 * Opens @file with the desktop's default application for its type, as
 * `atrium.shell.openPath()` does. Main thread.
 */
void
atrium_shell_open_path_async (GFile               *file,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GAppLaunchContext) context = NULL;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  context = default_launch_context ();
  open_file (file, context, cancellable, callback, user_data);
}

/**
 * atrium_shell_open_path_finish:
 *
 * Returns: %TRUE once opened; %FALSE with @error set: %ATRIUM_ERROR_BAD_ARGS
 *   for a file that is not local, %ATRIUM_ERROR_NOT_FOUND for nothing
 *   there, %G_IO_ERROR_CANCELLED, or the desktop's own error
 */
gboolean
atrium_shell_open_path_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
trashed_task_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (g_file_trash_finish (G_FILE (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * atrium_shell_trash_async:
 * @file: a local file or folder
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once it is in the trash
 *
 * Moves @file to the desktop's trash, as `atrium.shell.trash()` does.
 */
void
atrium_shell_trash_async (GFile               *file,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  GError *error = NULL;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_shell_trash_async);
  if (!file_check (file, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  g_file_trash_async (file, G_PRIORITY_DEFAULT, cancellable, trashed_task_cb, task);
}

/**
 * atrium_shell_trash_finish:
 *
 * Returns: %TRUE once trashed; %FALSE with @error set: %ATRIUM_ERROR_BAD_ARGS
 *   for a file that is not local, %ATRIUM_ERROR_NOT_FOUND for nothing
 *   there, %G_IO_ERROR_CANCELLED, or GIO's error (no trash on its file system…)
 */
gboolean
atrium_shell_trash_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- methods --- */

static AtriumApp *
caller_app (AtriumCall *call)
{
  AtriumWindow *caller = atrium_call_get_window (call);

  return caller != NULL ? atrium_window_get_app (caller) : NULL;
}

/* The desktop's failures are `failed` with its reason; the call's
 * cancellation is `cancelled`; the policy's own errors as they are. */
static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    _atrium_builtin_return_null (call);
  else
    atrium_call_return_gerror (call, error);
}

static GAppLaunchContext *
launch_context (AtriumCall *call)
{
  AtriumWindow *window = atrium_call_get_window (call);
  GdkDisplay *display = window != NULL ? gtk_widget_get_display (GTK_WIDGET (window))
                                       : gdk_display_get_default ();

  return display != NULL ? G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (display))
                         : NULL;
}

static void
open_url_cb (AtriumCall *call,
             gpointer    user_data)
{
  g_autoptr(GAppLaunchContext) context = NULL;
  const char *text;

  if (!_atrium_builtin_arg_string (call, 0, "The URL", URL_MAX, &text))
    return;
  context = launch_context (call);
  open_url (caller_app (call), text, context, atrium_call_get_cancellable (call), done_cb, call);
}

/* An absolute path; finishes @call otherwise. */
static GFile *
arg_path (AtriumCall *call)
{
  const char *path;

  if (!_atrium_builtin_arg_string (call, 0, "The path", PATH_MAX_BYTES, &path))
    return NULL;
  if (!g_path_is_absolute (path))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "The path must be absolute");
      return NULL;
    }
  return g_file_new_for_path (path);
}

static void
open_path_cb (AtriumCall *call,
              gpointer    user_data)
{
  g_autoptr(GAppLaunchContext) context = NULL;
  g_autoptr(GFile) file = arg_path (call);

  if (file == NULL)
    return;
  context = launch_context (call);
  open_file (file, context, atrium_call_get_cancellable (call), done_cb, call);
}

static void
show_in_folder_cb (AtriumCall *call,
                   gpointer    user_data)
{
  g_autoptr(GFile) file = arg_path (call);

  if (file != NULL)
    atrium_shell_show_in_folder_async (file, atrium_call_get_cancellable (call), done_cb, call);
}

static void
trash_cb (AtriumCall *call,
          gpointer    user_data)
{
  g_autoptr(GFile) file = arg_path (call);

  if (file != NULL)
    atrium_shell_trash_async (file, atrium_call_get_cancellable (call), done_cb, call);
}

static const AtriumBuiltinMethod methods[] = {
  { "shell.open_url", open_url_cb, ATRIUM_BIND_ASYNC },
  { "shell.open_path", open_path_cb, ATRIUM_BIND_ASYNC },
  { "shell.show_in_folder", show_in_folder_cb, ATRIUM_BIND_ASYNC },
  { "shell.trash", trash_cb, ATRIUM_BIND_ASYNC },
};

const AtriumBuiltinGroup _atrium_builtin_shell_group = {
  ATRIUM_BUILTIN_SHELL, "atrium.shell", "ATRIUM_BUILTIN_SHELL", methods, G_N_ELEMENTS (methods),
};

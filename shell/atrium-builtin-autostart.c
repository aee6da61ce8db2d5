#include "config.h"

#include "atrium-builtins-private.h"

#include "atrium-app-private.h"
#include "atrium-autostart-private.h"

/* Autostart: the app starts when the user logs in. An entry in the user's
 * XDG autostart folder naming this program (atrium-autostart.c does the
 * file work); inside Flatpak that folder is the sandbox's, and the
 * Background portal would be the way, which is not done yet.
 *
 * Its own group, ATRIUM_BUILTIN_AUTOSTART, off by default: it writes into
 * the user's configuration, outside the app's folders, something that
 * runs a program at every login. A page (or a script injected into one)
 * should not be able to do that unless the app chose to offer it. */

static char *
app_name (AtriumApp *self)
{
  const char *name = g_get_application_name ();

  return g_strdup (name != NULL ? name
                   : g_application_get_application_id (G_APPLICATION (self)));
}

static gboolean
check_can (AtriumApp  *self,
           GError    **error)
{
  if (_atrium_autostart_in_flatpak ())
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                   "Autostart inside Flatpak goes through the Background portal, "
                   "which Atrium does not use yet");
      return FALSE;
    }
  if (g_application_get_application_id (G_APPLICATION (self)) == NULL)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                   "The app has no application id to name its autostart entry after "
                   "(atrium_app_new() with an id, or the launcher's --app-id)");
      return FALSE;
    }
  return TRUE;
}

/**
 * atrium_app_set_autostart:
 * @self: an #AtriumApp
 * @enabled: whether the app starts when the user logs in
 * @error: return location for an error
 *
 * Makes the app start, or no longer start, when the user logs in: an
 * entry `APP-ID.desktop` in the user's XDG autostart folder
 * (`$XDG_CONFIG_HOME/autostart`) that runs this program (the running
 * executable, without arguments), written whole or not at all; removed
 * when @enabled is %FALSE. The pages reach it as
 * `atrium.app.setAutostart()` when %ATRIUM_BUILTIN_AUTOSTART is on.
 *
 * Fails with %ATRIUM_ERROR_NOT_SUPPORTED for an app without an
 * application id and inside Flatpak, and with %ATRIUM_ERROR_FAILED, the
 * reason in the message, when the folder or the file cannot be written.
 *
 * Returns: %TRUE on success
 */
gboolean
atrium_app_set_autostart (AtriumApp  *self,
                          gboolean    enabled,
                          GError    **error)
{
  const char *id;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_can (self, error))
    return FALSE;
  id = g_application_get_application_id (G_APPLICATION (self));
  if (enabled)
    {
      g_autoptr(GError) local = NULL;
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", &local);
      g_autofree char *name = NULL;

      if (exe == NULL)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                       "Could not find the program's path: %s", local->message);
          return FALSE;
        }
      name = app_name (self);
      return _atrium_autostart_enable (g_get_user_config_dir (), id, name, exe, error);
    }
  return _atrium_autostart_disable (g_get_user_config_dir (), id, error);
}

/**
 * atrium_app_get_autostart:
 * @self: an #AtriumApp
 * @error: return location for an error
 *
 * Whether the app starts when the user logs in: its autostart entry (see
 * atrium_app_set_autostart()) is there and not switched off. Fails as
 * atrium_app_set_autostart() does where it cannot know.
 *
 * Returns: %TRUE if the app starts at login; %FALSE if not, or with @error set
 */
gboolean
atrium_app_get_autostart (AtriumApp  *self,
                          GError    **error)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_can (self, error))
    return FALSE;
  return _atrium_autostart_is_enabled (g_get_user_config_dir (),
                                       g_application_get_application_id (G_APPLICATION (self)));
}

static AtriumApp *
app_of (AtriumCall *call)
{
  AtriumWindow *window = atrium_call_get_window (call);

  if (window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return NULL;
    }
  return atrium_window_get_app (window);
}

static void
set_autostart_cb (AtriumCall *call,
                  gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean enabled;
  AtriumApp *app;

  if (!_atrium_builtin_arg_bool (call, 0, "enabled", &enabled))
    return;
  app = app_of (call);
  if (app == NULL)
    return;
  if (!atrium_app_set_autostart (app, enabled, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  _atrium_builtin_return_null (call);
}

static void
is_autostart_cb (AtriumCall *call,
                 gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  AtriumApp *app = app_of (call);
  gboolean enabled;

  if (app == NULL)
    return;
  enabled = atrium_app_get_autostart (app, &error);
  if (error != NULL)
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  _atrium_builtin_return_bool (call, enabled);
}

static const AtriumBuiltinMethod methods[] = {
  { "app.set_autostart", set_autostart_cb, ATRIUM_BIND_DEFAULT },
  { "app.is_autostart", is_autostart_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_autostart_group = {
  ATRIUM_BUILTIN_AUTOSTART, "atrium.app autostart", "ATRIUM_BUILTIN_AUTOSTART",
  methods, G_N_ELEMENTS (methods),
};

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Autostart"
#include "config.h"

#include "atrium-builtins-private.h"

#include "atrium-app-private.h"
#include "atrium-autostart-private.h"

/* Autostart: the app starts when the user logs in. An entry in the user's
 * XDG autostart folder naming this program (atrium-autostart.c does the
 * file work). Inside Flatpak that folder is the sandbox's own, so the
 * Background portal (org.freedesktop.portal.Background) is asked instead:
 * it may ask the user, so that way is asynchronous only
 * (atrium_app_set_autostart_async()), and what it answered is kept in the
 * app's config folder for atrium_app_get_autostart(), since the sandbox
 * cannot read the entry the portal writes on the host.
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

#define PORTAL_NAME      "org.freedesktop.portal.Desktop"
#define PORTAL_PATH      "/org/freedesktop/portal/desktop"
#define PORTAL_REQUEST   "org.freedesktop.portal.Request"
#define PORTAL_RECORD    "atrium-autostart"   /* in the sandbox's config folder */

static gboolean
check_can (AtriumApp  *self,
           GError    **error)
{
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
 * application id and inside Flatpak (where the Background portal decides,
 * and may ask the user: atrium_app_set_autostart_async()), and with
 * %ATRIUM_ERROR_FAILED, the reason in the message, when the folder or the
 * file cannot be written.
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
  if (_atrium_autostart_in_flatpak ())
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                   "Inside Flatpak autostart goes through the Background portal, which may "
                   "ask the user: use atrium_app_set_autostart_async()");
      return FALSE;
    }
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
  if (_atrium_autostart_in_flatpak ())
    {
      g_autofree char *record = g_build_filename (g_get_user_config_dir (), PORTAL_RECORD, NULL);
      g_autofree char *text = NULL;

      return g_file_get_contents (record, &text, NULL, NULL) && g_strcmp0 (text, "true") == 0;
    }
  return _atrium_autostart_is_enabled (g_get_user_config_dir (),
                                       g_application_get_application_id (G_APPLICATION (self)));
}

/* --- inside Flatpak: the Background portal --- */

typedef struct
{
  GDBusConnection *bus;
  char            *handle;       /* the Request object the answer comes on */
  guint            response_id;
  gulong           cancelled_id;
  gboolean         enabled;
} PortalAsk;

static void
portal_ask_free (PortalAsk *ask)
{
  if (ask->response_id != 0)
    g_dbus_connection_signal_unsubscribe (ask->bus, ask->response_id);
  g_clear_object (&ask->bus);
  g_free (ask->handle);
  g_free (ask);
}

/* The task's end, once: the answer, an error, or cancellation. */
static void
portal_done (GTask  *task,
             GError *error)
{
  PortalAsk *ask = g_task_get_task_data (task);

  if (ask->response_id != 0)
    {
      g_dbus_connection_signal_unsubscribe (ask->bus, ask->response_id);
      ask->response_id = 0;
    }
  if (ask->cancelled_id != 0 && g_task_get_cancellable (task) != NULL)
    g_cancellable_disconnect (g_task_get_cancellable (task), ask->cancelled_id);
  ask->cancelled_id = 0;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);   /* the reference the portal's answer held */
}

static void
portal_response_cb (GDBusConnection *bus,
                    const char      *sender,
                    const char      *path,
                    const char      *interface,
                    const char      *signal,
                    GVariant        *parameters,
                    gpointer         user_data)
{
  GTask *task = user_data;
  PortalAsk *ask = g_task_get_task_data (task);
  g_autoptr(GVariant) results = NULL;
  g_autofree char *record = NULL;
  gboolean autostart = FALSE;
  guint32 response;

  if (ask->response_id == 0 || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;
  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  if (response == 1)
    {
      portal_done (task, g_error_new_literal (ATRIUM_ERROR, ATRIUM_ERROR_CANCELLED,
                                              "The user dismissed the request to run in the "
                                              "background"));
      return;
    }
  if (response != 0)
    {
      portal_done (task, g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                                      "The Background portal could not do it (response %u)",
                                      response));
      return;
    }
  g_variant_lookup (results, "autostart", "b", &autostart);
  if (ask->enabled && !autostart)
    {
      portal_done (task, g_error_new_literal (ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                                              "The user did not allow the app to start at "
                                              "login"));
      return;
    }
  record = g_build_filename (g_get_user_config_dir (), PORTAL_RECORD, NULL);
  g_mkdir_with_parents (g_get_user_config_dir (), 0700);
  g_file_set_contents (record, autostart ? "true" : "false", -1, NULL);
  portal_done (task, NULL);
}

static void
portal_called_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;   /* the call's own reference */
  PortalAsk *ask = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  const char *handle;

  if (ask->response_id == 0)
    return;   /* answered already, or cancelled */
  if (reply == NULL)
    {
      gboolean absent = g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
                        || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)
                        || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)
                        || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE)
                        || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT);

      g_dbus_error_strip_remote_error (error);
      portal_done (task, g_error_new (ATRIUM_ERROR,
                                      absent ? ATRIUM_ERROR_NOT_SUPPORTED : ATRIUM_ERROR_FAILED,
                                      "%s: %s", absent ? "No Background portal on the session bus"
                                                       : "The Background portal failed",
                                      error->message));
      return;
    }
  g_variant_get (reply, "(&o)", &handle);
  if (g_strcmp0 (handle, ask->handle) != 0)
    {
      /* An older portal chose its own path: listen there instead. */
      g_dbus_connection_signal_unsubscribe (ask->bus, ask->response_id);
      g_free (ask->handle);
      ask->handle = g_strdup (handle);
      ask->response_id = g_dbus_connection_signal_subscribe (
        ask->bus, PORTAL_NAME, PORTAL_REQUEST, "Response", ask->handle, NULL,
        G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE, portal_response_cb, task, NULL);
    }
}

static void
portal_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  PortalAsk *ask = g_task_get_task_data (task);

  /* The portal takes the question back; the page hears `cancelled` now. */
  g_dbus_connection_call (ask->bus, PORTAL_NAME, ask->handle, PORTAL_REQUEST, "Close", NULL,
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  /* Disconnecting from inside the handler would wait for itself. */
  ask->cancelled_id = 0;
  if (ask->response_id == 0)
    return;   /* the answer came first */
  portal_done (task, g_error_new_literal (ATRIUM_ERROR, ATRIUM_ERROR_CANCELLED,
                                          "The request to start at login was cancelled"));
}

static void
portal_ask (AtriumApp *self,
            GTask     *task,
            gboolean   enabled)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  g_autoptr(GTask) hold = NULL;
  PortalAsk *ask;
  g_autofree char *sender = NULL;
  g_autofree char *token = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *name = app_name (self);
  g_autofree char *reason = NULL;
  const char *commandline[] = { exe, NULL };
  GVariantBuilder options;

  if (bus == NULL || exe == NULL)
    {
      g_task_return_new_error (task, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                               "The Background portal needs the session bus and the "
                               "program's path");
      g_object_unref (task);
      return;
    }
  hold = g_object_ref (task);   /* across a cancellation that answers at once */
  ask = g_new0 (PortalAsk, 1);
  ask->bus = g_object_ref (bus);
  ask->enabled = enabled;
  g_task_set_task_data (task, ask, (GDestroyNotify) portal_ask_free);

  /* The Request's path is known before the call (the portal's rule), so
   * the answer is listened for first and cannot be missed. */
  sender = g_strdelimit (g_strdup (g_dbus_connection_get_unique_name (bus) + 1), ".", '_');
  token = g_strdup_printf ("atrium%u", g_random_int ());
  ask->handle = g_strdup_printf (PORTAL_PATH "/request/%s/%s", sender, token);
  ask->response_id = g_dbus_connection_signal_subscribe (
    bus, PORTAL_NAME, PORTAL_REQUEST, "Response", ask->handle, NULL,
    G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE, portal_response_cb, task, NULL);
  if (g_task_get_cancellable (task) != NULL)
    ask->cancelled_id = g_cancellable_connect (g_task_get_cancellable (task),
                                               G_CALLBACK (portal_cancelled_cb), task, NULL);
  if (ask->response_id == 0)
    return;   /* cancelled already: answered by the handler, just now */

  reason = g_strdup_printf ("%s asks to start when you log in", name);
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason", g_variant_new_string (reason));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (enabled));
  g_variant_builder_add (&options, "{sv}", "commandline",
                         g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (bus, PORTAL_NAME, PORTAL_PATH, "org.freedesktop.portal.Background",
                          "RequestBackground", g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                          portal_called_cb, g_object_ref (task));
}

/**
 * atrium_app_set_autostart_async:
 * @self: an #AtriumApp
 * @enabled: whether the app starts when the user logs in
 * @cancellable: (nullable): to take the request back
 * @callback: called with the outcome
 * @user_data: for @callback
 *
 * As atrium_app_set_autostart(), and inside Flatpak too: there the
 * Background portal is asked (it may ask the user), which fails with
 * %ATRIUM_ERROR_FORBIDDEN when the user does not allow it,
 * %ATRIUM_ERROR_CANCELLED when the user dismisses the question, and
 * %ATRIUM_ERROR_NOT_SUPPORTED without a portal.
 */
void
atrium_app_set_autostart_async (AtriumApp           *self,
                                gboolean             enabled,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  GError *error = NULL;

  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_app_set_autostart_async);
  if (_atrium_autostart_in_flatpak ())
    {
      if (check_can (self, &error))
        portal_ask (self, task, enabled);   /* takes the task */
      else
        {
          g_task_return_error (task, error);
          g_object_unref (task);
        }
      return;
    }
  /* Outside Flatpak the file is written at once (its own checks). */
  if (atrium_app_set_autostart (self, enabled, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

/**
 * atrium_app_set_autostart_finish:
 * @self: an #AtriumApp
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE if the app now starts (or no longer starts) at login
 */
gboolean
atrium_app_set_autostart_finish (AtriumApp     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
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
set_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;

  if (atrium_app_set_autostart_finish (ATRIUM_APP (source), result, &error))
    _atrium_builtin_return_null (call);
  else
    atrium_call_return_gerror (call, error);
}

static void
set_autostart_cb (AtriumCall *call,
                  gpointer    user_data)
{
  gboolean enabled;
  AtriumApp *app;

  if (!_atrium_builtin_arg_bool (call, 0, "enabled", &enabled))
    return;
  app = app_of (call);
  if (app == NULL)
    return;
  atrium_app_set_autostart_async (app, enabled, atrium_call_get_cancellable (call), set_done_cb,
                                  call);
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
  { "app.set_autostart", set_autostart_cb, ATRIUM_BIND_ASYNC },
  { "app.is_autostart", is_autostart_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_autostart_group = {
  ATRIUM_BUILTIN_AUTOSTART, "atrium.app autostart", "ATRIUM_BUILTIN_AUTOSTART",
  methods, G_N_ELEMENTS (methods),
};

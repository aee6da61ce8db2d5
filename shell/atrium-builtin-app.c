#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-App"
#include "config.h"

#include "atrium-builtins-private.h"

#include "atrium-app-private.h"

/* atrium.app: the app's life on the desktop. For now the runtime's own
 * part of atrium-app-instance.c: a page says it listens to one of
 * atrium:app.second-instance, atrium:app.open-url and atrium:app.open-files
 * (the runtime calls this when the page adds its first listener of that
 * name), and what waited for a page is sent to it. */

#define EVENT_NAME_MAX 64

static void
listen_cb (AtriumCall *call,
           gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  AtriumApp *app = window != NULL ? atrium_window_get_app (window) : NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  if (!_atrium_builtin_arg_string (call, 0, "The event name", EVENT_NAME_MAX, &name))
    return;
  if (app == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  if (!_atrium_app_instance_listen (app, window, name, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  _atrium_builtin_return_null (call);
}

static const AtriumBuiltinMethod methods[] = {
  { "app.listen", listen_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_app_group = {
  ATRIUM_BUILTIN_APP, "atrium.app", "ATRIUM_BUILTIN_APP", methods, G_N_ELEMENTS (methods),
};

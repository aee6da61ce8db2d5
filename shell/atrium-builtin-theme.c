#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Theme"
#include "config.h"

#include "atrium-builtins-private.h"

#include "atrium-app-private.h"

/* atrium.theme: the app's light or dark, as atrium-theme.c settles it (the
 * desktop's preference from the Settings portal, or what the app forces).
 * Pages ask with atrium.theme.get() and hear each change as
 * atrium:theme.changed {scheme}. */

static void
theme_changed_cb (AtriumApp *app,
                  gboolean   dark,
                  gpointer   user_data)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;

  if (!_atrium_builtins_group_check (app, &_atrium_builtin_theme_group, NULL))
    return;
  object = json_object_new ();
  json_object_set_string_member (object, "scheme", dark ? "dark" : "light");
  data = json_node_init_object (json_node_alloc (), object);
  _atrium_app_emit_builtin (app, 0, 0, "atrium:theme.changed", data);
}

/* With the app: its theme-changed signal becomes the pages' event. */
void
_atrium_builtin_theme_attach (AtriumApp *app)
{
  g_signal_connect (app, "theme-changed", G_CALLBACK (theme_changed_cb), NULL);
}

static void
get_cb (AtriumCall *call,
        gpointer    user_data)
{
  AtriumWindow *caller = atrium_call_get_window (call);
  AtriumApp *app = caller != NULL ? atrium_window_get_app (caller) : NULL;

  _atrium_builtin_return_string (call, app != NULL && atrium_app_is_dark (app) ? "dark" : "light");
}

static const AtriumBuiltinMethod methods[] = {
  { "theme.get", get_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_theme_group = {
  ATRIUM_BUILTIN_THEME, "atrium.theme", "ATRIUM_BUILTIN_THEME", methods, G_N_ELEMENTS (methods),
};

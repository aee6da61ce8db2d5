#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Path"
#include "config.h"

#include "atrium-builtins-private.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "atrium-app-private.h"

/* atrium.path: where the app keeps its files, and the user's folders.
 *
 * config(), data(), cache() and state() are the app's own folders under
 * the XDG base directories ($XDG_CONFIG_HOME/APP-ID, …), made (0700) the
 * first time a page asks; home(), downloads(), documents(), pictures() and
 * temp() are the user's, as GLib knows them (the XDG user directories),
 * and null where the user has none configured. Nothing here takes an
 * argument from the page, so there is nothing to check. */

static void
return_app_folder (AtriumCall *call,
                   const char *base)
{
  AtriumWindow *caller = atrium_call_get_window (call);
  AtriumApp *app = caller != NULL ? atrium_window_get_app (caller) : NULL;
  g_autofree char *folder = NULL;

  if (app == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  folder = _atrium_builtin_app_folder (app, base);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;

      atrium_call_return_error (call, ATRIUM_ERROR_FAILED, "Cannot make the folder %s: %s",
                                folder, g_strerror (saved));
      return;
    }
  _atrium_builtin_return_string (call, folder);
}

static void
return_nullable (AtriumCall *call,
                 const char *path)
{
  if (path != NULL)
    _atrium_builtin_return_string (call, path);
  else
    _atrium_builtin_return_null (call);
}

static void
config_cb (AtriumCall *call,
           gpointer    user_data)
{
  return_app_folder (call, g_get_user_config_dir ());
}

static void
data_cb (AtriumCall *call,
         gpointer    user_data)
{
  return_app_folder (call, g_get_user_data_dir ());
}

static void
cache_cb (AtriumCall *call,
          gpointer    user_data)
{
  return_app_folder (call, g_get_user_cache_dir ());
}

static void
state_cb (AtriumCall *call,
          gpointer    user_data)
{
  return_app_folder (call, g_get_user_state_dir ());
}

static void
home_cb (AtriumCall *call,
         gpointer    user_data)
{
  _atrium_builtin_return_string (call, g_get_home_dir ());
}

static void
downloads_cb (AtriumCall *call,
              gpointer    user_data)
{
  return_nullable (call, g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD));
}

static void
documents_cb (AtriumCall *call,
              gpointer    user_data)
{
  return_nullable (call, g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS));
}

static void
pictures_cb (AtriumCall *call,
             gpointer    user_data)
{
  return_nullable (call, g_get_user_special_dir (G_USER_DIRECTORY_PICTURES));
}

static void
temp_cb (AtriumCall *call,
         gpointer    user_data)
{
  _atrium_builtin_return_string (call, g_get_tmp_dir ());
}

static const AtriumBuiltinMethod methods[] = {
  { "path.config", config_cb, ATRIUM_BIND_DEFAULT },
  { "path.data", data_cb, ATRIUM_BIND_DEFAULT },
  { "path.cache", cache_cb, ATRIUM_BIND_DEFAULT },
  { "path.state", state_cb, ATRIUM_BIND_DEFAULT },
  { "path.home", home_cb, ATRIUM_BIND_DEFAULT },
  { "path.downloads", downloads_cb, ATRIUM_BIND_DEFAULT },
  { "path.documents", documents_cb, ATRIUM_BIND_DEFAULT },
  { "path.pictures", pictures_cb, ATRIUM_BIND_DEFAULT },
  { "path.temp", temp_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_path_group = {
  ATRIUM_BUILTIN_PATH, "atrium.path", "ATRIUM_BUILTIN_PATH", methods, G_N_ELEMENTS (methods),
};

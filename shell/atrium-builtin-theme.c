#include "config.h"

#include "atrium-builtins-private.h"

#include "atrium-app-private.h"

/* atrium.theme: the desktop's light or dark preference. GTK 4.8 does not
 * follow it by itself, so it is read from the XDG Settings portal
 * (org.freedesktop.appearance color-scheme: 1 dark, 2 light, 0 no
 * preference) and watched for changes; the app may force either. The
 * result drives GtkSettings:gtk-application-prefer-dark-theme, which is
 * what WebKitGTK's prefers-color-scheme follows, and pages hear of each
 * change as atrium:theme.changed {scheme}. Without a portal, light.
 *
 * Its state is kept on the app under STATE_KEY; main thread only. */

#define STATE_KEY "atrium-builtin-theme"
#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_SETTINGS "org.freedesktop.portal.Settings"
#define APPEARANCE "org.freedesktop.appearance"

typedef struct
{
  AtriumApp         *app;          /* owns us */
  GDBusConnection   *bus;
  GCancellable      *cancellable;
  guint              subscription;
  AtriumColorScheme  forced;
  gboolean           desktop_dark;
  gboolean           dark;         /* in effect, as last applied */
  gboolean           applied;
} ThemeState;

static void
theme_state_free (ThemeState *ts)
{
  g_cancellable_cancel (ts->cancellable);
  g_clear_object (&ts->cancellable);
  if (ts->subscription != 0)
    g_dbus_connection_signal_unsubscribe (ts->bus, ts->subscription);
  g_clear_object (&ts->bus);
  g_free (ts);
}

static ThemeState *
get_state (AtriumApp *app)
{
  ThemeState *ts = g_object_get_data (G_OBJECT (app), STATE_KEY);

  if (ts == NULL)
    {
      ts = g_new0 (ThemeState, 1);
      ts->app = app;
      ts->cancellable = g_cancellable_new ();
      g_object_set_data_full (G_OBJECT (app), STATE_KEY, ts, (GDestroyNotify) theme_state_free);
    }
  return ts;
}

static gboolean
is_dark (ThemeState *ts)
{
  switch (ts->forced)
    {
    case ATRIUM_COLOR_SCHEME_DARK:  return TRUE;
    case ATRIUM_COLOR_SCHEME_LIGHT: return FALSE;
    case ATRIUM_COLOR_SCHEME_DEFAULT:
    default:                        return ts->desktop_dark;
    }
}

static void
apply (ThemeState *ts)
{
  GtkSettings *settings = gtk_settings_get_default ();
  gboolean dark = is_dark (ts);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;
  gboolean first = !ts->applied;

  if (!first && dark == ts->dark)
    return;
  ts->dark = dark;
  ts->applied = TRUE;
  if (settings != NULL)
    g_object_set (settings, "gtk-application-prefer-dark-theme", dark, NULL);

  /* The first is no change: pages start from what get() says. */
  if (first || !_atrium_builtins_group_check (ts->app, &_atrium_builtin_theme_group, NULL))
    return;
  object = json_object_new ();
  json_object_set_string_member (object, "scheme", dark ? "dark" : "light");
  data = json_node_init_object (json_node_alloc (), object);
  _atrium_app_emit_builtin (ts->app, 0, 0, "atrium:theme.changed", data);
}

/* The portal wraps the value in one variant (ReadOne) or two (Read). */
static void
take_color_scheme (ThemeState *ts,
                   GVariant   *value)
{
  g_autoptr(GVariant) inner = g_variant_ref (value);

  while (g_variant_is_of_type (inner, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *next = g_variant_get_variant (inner);

      g_variant_unref (inner);
      inner = next;
    }
  ts->desktop_dark = g_variant_is_of_type (inner, G_VARIANT_TYPE_UINT32)
                     && g_variant_get_uint32 (inner) == 1;
  apply (ts);
}

static void
setting_changed_cb (GDBusConnection *bus,
                    const char      *sender,
                    const char      *path,
                    const char      *interface,
                    const char      *signal,
                    GVariant        *parameters,
                    gpointer         user_data)
{
  ThemeState *ts = user_data;
  const char *namespace, *key;
  g_autoptr(GVariant) value = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssv)")))
    return;
  g_variant_get (parameters, "(&s&sv)", &namespace, &key, &value);
  if (g_str_equal (namespace, APPEARANCE) && g_str_equal (key, "color-scheme"))
    take_color_scheme (ts, value);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  g_autoptr(GVariant) value = NULL;
  ThemeState *ts;

  if (reply == NULL)
    {
      /* No portal, or one without the key: light, as the issue asks. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No colour scheme from the desktop: %s", error->message);
      return;
    }
  ts = user_data;
  g_variant_get (reply, "(v)", &value);
  take_color_scheme (ts, value);
}

/* With the app's first window: ask the desktop once, then listen. */
void
_atrium_builtin_theme_start (AtriumApp *app)
{
  ThemeState *ts = get_state (app);
  GDBusConnection *bus;

  if (ts->applied)
    return;
  apply (ts);
  /* The app's own connection: no second one, and none at all for an app
   * that is not registered on the session bus. */
  bus = g_application_get_dbus_connection (G_APPLICATION (app));
  if (bus == NULL)
    return;
  ts->bus = g_object_ref (bus);
  ts->subscription = g_dbus_connection_signal_subscribe (ts->bus, PORTAL_NAME, PORTAL_SETTINGS,
                                                         "SettingChanged", PORTAL_PATH,
                                                         APPEARANCE, G_DBUS_SIGNAL_FLAGS_NONE,
                                                         setting_changed_cb, ts, NULL);
  /* Not started for us: an app must not wait for a portal to start. */
  g_dbus_connection_call (ts->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_SETTINGS, "Read",
                          g_variant_new ("(ss)", APPEARANCE, "color-scheme"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000,
                          ts->cancellable, read_cb, ts);
}

/**
 * atrium_app_set_color_scheme:
 * @scheme: %ATRIUM_COLOR_SCHEME_DEFAULT to follow the desktop, or
 *   %ATRIUM_COLOR_SCHEME_LIGHT or %ATRIUM_COLOR_SCHEME_DARK to force one
 *
 * What the pages' `prefers-color-scheme` and `atrium.theme.get()` say, and
 * what GTK draws. Changes at once, for open windows too (their pages get
 * `atrium:theme.changed`).
 */
void
atrium_app_set_color_scheme (AtriumApp         *self,
                             AtriumColorScheme  scheme)
{
  ThemeState *ts;

  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (scheme == ATRIUM_COLOR_SCHEME_DEFAULT || scheme == ATRIUM_COLOR_SCHEME_LIGHT
                    || scheme == ATRIUM_COLOR_SCHEME_DARK);

  ts = get_state (self);
  ts->forced = scheme;
  if (ts->applied || ts->bus != NULL)
    apply (ts);
}

AtriumColorScheme
atrium_app_get_color_scheme (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), ATRIUM_COLOR_SCHEME_DEFAULT);

  return get_state (self)->forced;
}

static void
get_cb (AtriumCall *call,
        gpointer    user_data)
{
  AtriumWindow *caller = atrium_call_get_window (call);
  AtriumApp *app = caller != NULL ? atrium_window_get_app (caller) : NULL;

  _atrium_builtin_return_string (call, app != NULL && is_dark (get_state (app)) ? "dark" : "light");
}

static const AtriumBuiltinMethod methods[] = {
  { "theme.get", get_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_theme_group = {
  ATRIUM_BUILTIN_THEME, "atrium.theme", "ATRIUM_BUILTIN_THEME", methods, G_N_ELEMENTS (methods),
};

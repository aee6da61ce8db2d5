#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Theme"
#include "config.h"

#include "atrium-theme-private.h"

#include <gtk/gtk.h>

/* GTK 4.8 does not follow the desktop's light/dark preference, and the
 * page's prefers-color-scheme follows GtkSettings'
 * gtk-application-prefer-dark-theme (WebKitGTK 2.50, at start and live).
 * So the preference is read here from the XDG Settings portal,
 * org.freedesktop.appearance color-scheme (0 none, 1 dark, 2 light), on
 * the session bus, and written into GtkSettings; the portal's
 * SettingChanged keeps it live. Without a portal it is light. The app can
 * force either (atrium_app_set_color_scheme()).
 *
 * The first read is synchronous, with a short timeout and without
 * starting a portal that is not running: the first window must not paint
 * light and then flip. */

#define PORTAL_NAME      "org.freedesktop.portal.Desktop"
#define PORTAL_PATH      "/org/freedesktop/portal/desktop"
#define PORTAL_SETTINGS  "org.freedesktop.portal.Settings"
#define APPEARANCE       "org.freedesktop.appearance"
#define COLOR_SCHEME     "color-scheme"
#define READ_TIMEOUT_MS  1000

/* How long start-up waits for the portal's answer; a test, on a loaded
 * machine, waits as long as its own waits. */
static guint read_timeout_ms = READ_TIMEOUT_MS;

struct _AtriumTheme
{
  GDBusConnection    *bus;
  guint               subscription;
  guint               watch;
  char               *owner;          /* the portal's unique name, if it runs */
  gboolean            desktop_known;  /* the portal answered */
  gboolean            desktop_dark;
  gboolean            settings_dark;  /* GtkSettings' own, for when it did not */
  AtriumColorScheme   forced;
  gboolean            dark;          /* what GtkSettings was given */
  AtriumThemeChanged  changed;
  gpointer            user_data;
};

/* The portal's value, as Read gives it (a variant in a variant, on older
 * portals a variant in a variant in a variant) or as SettingChanged does:
 * 1 means dark; anything else, including a wrong type, light. */
gboolean
_atrium_theme_portal_is_dark (GVariant *value)
{
  g_autoptr(GVariant) inner = value != NULL ? g_variant_ref (value) : NULL;

  for (int depth = 0; inner != NULL && depth < 3
       && g_variant_is_of_type (inner, G_VARIANT_TYPE_VARIANT); depth++)
    {
      GVariant *next = g_variant_get_variant (inner);

      g_variant_unref (inner);
      inner = next;
    }
  return inner != NULL && g_variant_is_of_type (inner, G_VARIANT_TYPE_UINT32)
         && g_variant_get_uint32 (inner) == 1;
}

static void
apply (AtriumTheme *self)
{
  GtkSettings *settings = gtk_settings_get_default ();
  gboolean dark;

  /* Without a portal, GtkSettings' own value stands (a settings.ini, say). */
  if (self->forced != ATRIUM_COLOR_SCHEME_DEFAULT)
    dark = self->forced == ATRIUM_COLOR_SCHEME_DARK;
  else if (self->desktop_known)
    dark = self->desktop_dark;
  else
    dark = self->settings_dark;

  if (dark == self->dark)
    return;
  self->dark = dark;
  if (settings != NULL)
    g_object_set (settings, "gtk-application-prefer-dark-theme", dark, NULL);
  if (self->changed != NULL)
    self->changed (dark, self->user_data);
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
  AtriumTheme *self = user_data;
  g_autoptr(GVariant) value = NULL;
  const char *namespace, *key;

  /* GDBus filters by the name's owner only where GLib has the fix for
   * CVE-2024-34397; checked here too, so no other peer on the bus (a
   * signal sent to this connection alone) can flip the app's theme. */
  if (self->owner == NULL || g_strcmp0 (sender, self->owner) != 0
      || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssv)")))
    return;
  g_variant_get (parameters, "(&s&sv)", &namespace, &key, &value);
  if (!g_str_equal (namespace, APPEARANCE) || !g_str_equal (key, COLOR_SCHEME))
    return;
  self->desktop_known = TRUE;
  self->desktop_dark = _atrium_theme_portal_is_dark (value);
  apply (self);
}

static void
owner_appeared_cb (GDBusConnection *bus,
                   const char      *name,
                   const char      *owner,
                   gpointer         user_data)
{
  AtriumTheme *self = user_data;

  g_free (self->owner);
  self->owner = g_strdup (owner);
}

static void
owner_vanished_cb (GDBusConnection *bus,
                   const char      *name,
                   gpointer         user_data)
{
  AtriumTheme *self = user_data;

  g_clear_pointer (&self->owner, g_free);
}

/* The portal's unique name now, for the first signals: the watch tells
 * of changes only from the main loop. */
static void
get_owner (AtriumTheme *self)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (self->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetNameOwner",
                                       g_variant_new ("(s)", PORTAL_NAME), G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, read_timeout_ms, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(s)", &self->owner);
}

static void
read_desktop (AtriumTheme *self)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (self->bus, PORTAL_NAME, PORTAL_PATH, PORTAL_SETTINGS,
                                       "Read", g_variant_new ("(ss)", APPEARANCE, COLOR_SCHEME),
                                       G_VARIANT_TYPE ("(v)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, read_timeout_ms,
                                       NULL, NULL);
  if (reply == NULL)
    return;
  g_variant_get (reply, "(v)", &value);
  self->desktop_known = TRUE;
  self->desktop_dark = _atrium_theme_portal_is_dark (value);
}

/* For tests, on the main thread: apps started from now on wait this long
 * for the portal; 0 for the default again. */
void
_atrium_theme_set_read_timeout (guint ms)
{
  g_assert (ms <= G_MAXINT);

  read_timeout_ms = ms != 0 ? ms : READ_TIMEOUT_MS;
}

/**
 * _atrium_theme_new:
 * @bus: (nullable): the session bus; without one, GtkSettings' own value
 *   unless forced
 */
AtriumTheme *
_atrium_theme_new (GDBusConnection *bus)
{
  AtriumTheme *self = g_new0 (AtriumTheme, 1);
  GtkSettings *settings = gtk_settings_get_default ();

  if (settings != NULL)
    g_object_get (settings, "gtk-application-prefer-dark-theme", &self->settings_dark, NULL);
  self->dark = self->settings_dark;
  if (bus != NULL)
    {
      self->bus = g_object_ref (bus);
      /* Subscribed before the read, so no change falls between the two;
       * only the portal's own signals count (GDBus follows the name's
       * owner), not any peer's on the bus. */
      self->subscription =
        g_dbus_connection_signal_subscribe (bus, PORTAL_NAME, PORTAL_SETTINGS, "SettingChanged",
                                            PORTAL_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                            setting_changed_cb, self, NULL);
      self->watch = g_bus_watch_name_on_connection (bus, PORTAL_NAME,
                                                    G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                    owner_appeared_cb, owner_vanished_cb,
                                                    self, NULL);
      get_owner (self);
      if (self->owner != NULL)
        read_desktop (self);
    }
  apply (self);
  return self;
}

/* @changed is called when the theme flips, after GtkSettings has. */
void
_atrium_theme_set_changed (AtriumTheme        *self,
                           AtriumThemeChanged  changed,
                           gpointer            user_data)
{
  self->changed = changed;
  self->user_data = user_data;
}

void
_atrium_theme_set_forced (AtriumTheme       *self,
                          AtriumColorScheme  scheme)
{
  self->forced = scheme;
  apply (self);
}

gboolean
_atrium_theme_is_dark (AtriumTheme *self)
{
  return self->dark;
}

void
_atrium_theme_free (AtriumTheme *self)
{
  if (self == NULL)
    return;
  if (self->subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->subscription);
  if (self->watch != 0)
    g_bus_unwatch_name (self->watch);
  g_clear_pointer (&self->owner, g_free);
  g_clear_object (&self->bus);
  g_free (self);
}

#include "config.h"

#include "webkit-harness.h"

#include "atrium-theme-private.h"
#include "test-util.h"

/* The desktop's light/dark preference, from a stand-in XDG Settings portal
 * on this test's private session bus (make test runs under
 * dbus-run-session): read at start, followed live, forced by the app, and
 * never taken from a peer that is not the portal. */

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_IFACE "org.freedesktop.portal.Settings"

static const char portal_xml[] =
  "<node><interface name='" PORTAL_IFACE "'>"
  "  <method name='Read'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "    <arg type='v' direction='out'/></method>"
  "  <signal name='SettingChanged'><arg type='s'/><arg type='s'/><arg type='v'/></signal>"
  "</interface></node>";

typedef struct
{
  TestBusService  *service;
  GDBusConnection *bus;      /* the service's own, as a real portal's */
  guint            value;    /* atomic: color-scheme, 1 dark, 2 light */
} Portal;

static Portal portal;

static void
portal_method_cb (GDBusConnection       *bus,
                  const char            *sender,
                  const char            *path,
                  const char            *interface,
                  const char            *method,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  const char *namespace, *key;

  g_variant_get (parameters, "(&s&s)", &namespace, &key);
  if (!g_str_equal (namespace, "org.freedesktop.appearance") || !g_str_equal (key, "color-scheme"))
    {
      g_dbus_method_invocation_return_dbus_error (invocation,
                                                  "org.freedesktop.portal.Error.NotFound",
                                                  "Requested setting not found");
      return;
    }
  /* As xdg-desktop-portal answers Read: a variant holding a variant. */
  g_dbus_method_invocation_return_value (invocation, g_variant_new (
    "(v)", g_variant_new_variant (g_variant_new_uint32 (g_atomic_int_get (&portal.value)))));
}

static const GDBusInterfaceVTable portal_vtable = { portal_method_cb, NULL, NULL, { 0 } };

static void
portal_start (guint value)
{
  g_atomic_int_set (&portal.value, value);
  portal.service = test_bus_service_start (PORTAL_NAME, PORTAL_PATH, portal_xml, &portal_vtable,
                                           HARNESS_WAIT_SECONDS);
  portal.bus = test_bus_service_get_connection (portal.service);
}

static void
portal_set_to (GDBusConnection *from,
               const char      *destination,
               guint            value)
{
  g_autoptr(GError) error = NULL;

  g_atomic_int_set (&portal.value, value);
  g_dbus_connection_emit_signal (from, destination, PORTAL_PATH, PORTAL_IFACE, "SettingChanged",
                                 g_variant_new ("(ssv)", "org.freedesktop.appearance",
                                                "color-scheme", g_variant_new_uint32 (value)),
                                 &error);
  g_assert_no_error (error);
}

static void
portal_set (GDBusConnection *from,
            guint            value)
{
  portal_set_to (from, NULL, value);
}

typedef struct
{
  AtriumApp *app;
  gboolean   dark;
} DarkWait;

static gboolean
is_dark_now (gpointer data)
{
  DarkWait *w = data;

  return atrium_app_is_dark (w->app) == w->dark;
}

static void
theme_changed_cb (AtriumApp *app,
                  gboolean   dark,
                  GString   *log)
{
  g_string_append (log, dark ? "dark;" : "light;");
}

static gboolean
gtk_prefers_dark (void)
{
  gboolean dark;

  g_object_get (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", &dark, NULL);
  return dark;
}

static const char watch_js[] =
  "const mq = matchMedia('(prefers-color-scheme: dark)');"
  "window.flipped = new Promise((r) => mq.addEventListener('change', (e) => r(e.matches),"
  "                                                       { once: true }));"
  "return mq.matches;";

static void
expect_page (AtriumWindow *window,
             const char   *body,
             gboolean      dark)
{
  g_autoptr(JsonNode) matches = harness_run_js_json (window, body);

  g_assert_cmpint (json_node_get_boolean (matches), ==, dark);
}

static void
test_follows_desktop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  GDBusConnection *own;
  AtriumWindow *window;
  DarkWait w;

  g_assert_no_error (error);
  /* Start-up's 1 s for the portal is a bound this test is not about: a
   * loaded machine may not schedule the stand-in portal's thread in it. */
  _atrium_theme_set_read_timeout (HARNESS_WAIT_SECONDS * 1000);
  app = harness_app_new (assets);
  _atrium_theme_set_read_timeout (0);
  w.app = app;
  g_signal_connect (app, "theme-changed", G_CALLBACK (theme_changed_cb), log);

  /* Read at start: the first page is dark from its first paint. */
  g_assert_true (atrium_app_is_dark (app));
  g_assert_true (gtk_prefers_dark ());
  window = harness_open (app, "/");
  expect_page (window, watch_js, TRUE);

  /* Followed live. */
  portal_set (portal.bus, 2);
  w.dark = FALSE;
  harness_wait_for (is_dark_now, &w, "the app to follow the portal to light");
  g_assert_false (gtk_prefers_dark ());
  expect_page (window, "return await window.flipped;", FALSE);
  g_assert_cmpstr (log->str, ==, "light;");

  /* A peer that is not the portal cannot flip it. Its signal comes back to
   * this connection before the answer to a call made after it. */
  own = g_application_get_dbus_connection (G_APPLICATION (app));
  g_assert_nonnull (own);
  portal_set (own, 1);
  /* Nor by a signal sent to the app's connection alone, which no match
   * rule on the bus filters. */
  portal_set_to (own, g_dbus_connection_get_unique_name (own), 1);
  g_atomic_int_set (&portal.value, 2);
  {
    g_autoptr(GVariant) reply =
      g_dbus_connection_call_sync (own, PORTAL_NAME, PORTAL_PATH, PORTAL_IFACE, "Read",
                                   g_variant_new ("(ss)", "org.freedesktop.appearance",
                                                  "color-scheme"),
                                   NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    g_assert_no_error (error);
  }
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (atrium_app_is_dark (app));
  g_assert_cmpstr (log->str, ==, "light;");

  /* Forced by the app, whatever the desktop says; and back. */
  expect_page (window, watch_js, FALSE);
  atrium_app_set_color_scheme (app, ATRIUM_COLOR_SCHEME_DARK);
  g_assert_cmpint (atrium_app_get_color_scheme (app), ==, ATRIUM_COLOR_SCHEME_DARK);
  g_assert_true (atrium_app_is_dark (app));
  expect_page (window, "return await window.flipped;", TRUE);
  portal_set (portal.bus, 2);
  expect_page (window, watch_js, TRUE);
  atrium_app_set_color_scheme (app, ATRIUM_COLOR_SCHEME_DEFAULT);
  g_assert_false (atrium_app_is_dark (app));
  expect_page (window, "return await window.flipped;", FALSE);
  g_assert_cmpstr (log->str, ==, "light;dark;light;");

  harness_close (window);
}

/* What the portal may send, well formed or not. */
static void
test_portal_values (void)
{
  struct { GVariant *value; gboolean dark; } cases[] = {
    { g_variant_new_uint32 (1), TRUE },
    { g_variant_new_variant (g_variant_new_uint32 (1)), TRUE },
    { g_variant_new_variant (g_variant_new_variant (g_variant_new_uint32 (1))), TRUE },
    { g_variant_new_uint32 (0), FALSE },
    { g_variant_new_uint32 (2), FALSE },
    { g_variant_new_uint32 (7), FALSE },
    { g_variant_new_int32 (1), FALSE },
    { g_variant_new_string ("1"), FALSE },
    { g_variant_new_variant (g_variant_new_variant (g_variant_new_variant (
        g_variant_new_variant (g_variant_new_uint32 (1))))), FALSE },
  };

  g_assert_false (_atrium_theme_portal_is_dark (NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_variant_ref_sink (cases[i].value);
      g_assert_cmpint (_atrium_theme_portal_is_dark (cases[i].value), ==, cases[i].dark);
      g_variant_unref (cases[i].value);
    }
}

static void
skip_no_session_bus (void)
{
  g_test_skip ("No session bus for a stand-in portal: run under dbus-run-session (make test does)");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/theme/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  g_test_add_func ("/atrium/theme/portal-values", test_portal_values);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_test_add_func ("/atrium/theme/follows-desktop", skip_no_session_bus);
  else
    {
      portal_start (1);
      g_test_add_func ("/atrium/theme/follows-desktop", test_follows_desktop);
    }
  status = g_test_run ();

  if (portal.service != NULL)
    test_bus_service_stop (portal.service, HARNESS_WAIT_SECONDS);
  return status;
}

#include "config.h"

#include <string.h>

#include "atrium-app-private.h"

/* The app's policy, tested without a window or a display: the default
 * Content-Security-Policy and what changes it, the dev server's origin and
 * which URIs count as the app's, and that settings are fixed once the
 * first window starts. */

static void
test_default_csp (void)
{
  g_autoptr(AtriumApp) app = atrium_app_new ("dev.atrium.PolicyTest", G_APPLICATION_NON_UNIQUE);
  const char *csp = _atrium_app_get_csp (app);

  g_test_summary ("The default policy keeps remote code, connections and frames out.");
  g_assert_nonnull (strstr (csp, "default-src 'self' app://localhost data: blob:"));
  g_assert_nonnull (strstr (csp, "frame-src 'self' app://localhost data: blob:;"));
  g_assert_null (strstr (csp, "http:"));
  g_assert_nonnull (strstr (csp, "object-src 'none'"));
  g_assert_nonnull (strstr (csp, "base-uri 'self' app://localhost"));
}

static void
test_remote_frames (void)
{
  g_autoptr(AtriumApp) app = atrium_app_new ("dev.atrium.PolicyTest", G_APPLICATION_NON_UNIQUE);
  g_autoptr(AtriumApp) own = atrium_app_new ("dev.atrium.PolicyTest", G_APPLICATION_NON_UNIQUE);

  g_test_summary ("atrium_app_set_remote_frames() lets web frames in under the default "
                  "policy, and leaves the app's own policy alone.");
  atrium_app_set_remote_frames (app, TRUE);
  g_assert_nonnull (strstr (_atrium_app_get_csp (app), "frame-src 'self' app://localhost data: "
                                                       "blob: https: http:;"));
  /* Scripts stay the app's own. */
  g_assert_null (strstr (strstr (_atrium_app_get_csp (app), "script-src"), "https:;"));

  atrium_app_set_content_security_policy (own, "default-src 'self'");
  atrium_app_set_remote_frames (own, TRUE);
  g_assert_cmpstr (_atrium_app_get_csp (own), ==, "default-src 'self'");
  atrium_app_set_content_security_policy (own, "");
  g_assert_null (_atrium_app_get_csp (own));
}

static void
test_app_uris (void)
{
  g_autoptr(AtriumApp) app = atrium_app_new ("dev.atrium.PolicyTest", G_APPLICATION_NON_UNIQUE);
  g_autoptr(AtriumApp) dev = atrium_app_new ("dev.atrium.PolicyTest", G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) error = NULL;
  static const char * const bad_urls[] = {
    "ftp://localhost:5173", "file:///tmp", "http://", "http://user@localhost:5173",
    "javascript:alert(1)", "not a url",
  };

  g_test_summary ("Only the app's own origin counts as the app's: scheme, host and port, "
                  "with no look-alike prefix.");
  g_assert_true (_atrium_app_is_app_uri (app, "app://localhost/"));
  g_assert_true (_atrium_app_is_app_uri (app, "app://localhost"));
  g_assert_false (_atrium_app_is_app_uri (app, "app://localhost.evil/"));
  g_assert_false (_atrium_app_is_app_uri (app, "app://localhostx/"));
  g_assert_false (_atrium_app_is_app_uri (app, "http://localhost/"));

  g_assert_true (atrium_app_set_dev_url (dev, "HTTP://LocalHost:5173/app/", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (_atrium_app_get_origin (dev), ==, "http://localhost:5173");
  g_assert_true (_atrium_app_is_app_uri (dev, "http://localhost:5173/x"));
  g_assert_false (_atrium_app_is_app_uri (dev, "http://localhost:51730/"));
  g_assert_false (_atrium_app_is_app_uri (dev, "http://localhost:5173.evil/"));
  g_assert_false (_atrium_app_is_app_uri (dev, "app://localhost/"));

  /* The default port is no part of an origin. */
  g_assert_true (atrium_app_set_dev_url (dev, "https://example.test:443/", &error));
  g_assert_cmpstr (_atrium_app_get_origin (dev), ==, "https://example.test");

  for (gsize i = 0; i < G_N_ELEMENTS (bad_urls); i++)
    {
      g_assert_false (atrium_app_set_dev_url (dev, bad_urls[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      /* Refused, and nothing changed. */
      g_assert_cmpstr (_atrium_app_get_origin (dev), ==, "https://example.test");
    }
}

static void
test_fixed_once_started (void)
{
  g_test_summary ("Settings that go into the runtime or every response cannot change once "
                  "the first window has started; trying is a programming error.");
  if (g_test_subprocess ())
    {
      g_autoptr(AtriumApp) app = atrium_app_new ("dev.atrium.PolicyTest",
                                                 G_APPLICATION_NON_UNIQUE);

      _atrium_app_start (app);
      atrium_app_set_content_security_policy (app, "");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*!self->started*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/app-policy/default-csp", test_default_csp);
  g_test_add_func ("/atrium/app-policy/remote-frames", test_remote_frames);
  g_test_add_func ("/atrium/app-policy/app-uris", test_app_uris);
  g_test_add_func ("/atrium/app-policy/fixed-once-started", test_fixed_once_started);

  return g_test_run ();
}

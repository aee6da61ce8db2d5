#include "config.h"

#include "webkit-harness.h"

/* Windows of one app share a web process unless the app isolates them
 * (atrium_app_set_isolated_windows()); either way each window keeps its
 * own page, bridge and event queue. */

#define N_WINDOWS 3

static AtriumApp *
new_app (gboolean isolated)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  AtriumApp *app;

  g_assert_no_error (error);
  app = harness_app_new (assets);
  atrium_app_bind (app, "echo", harness_echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  if (isolated)
    atrium_app_set_isolated_windows (app, TRUE);
  return app;
}

/* Each window's page answers through its own bridge, and an event for one
 * window reaches that window only. */
static void
check_windows_apart (AtriumApp     *app,
                     AtriumWindow **windows)
{
  for (guint i = 0; i < N_WINDOWS; i++)
    {
      g_autofree char *body = g_strdup_printf (
        "window.heard = 0;"
        "window.heardOnce = new Promise((resolve) => atrium.on('only', (d) => {"
        "  window.heard += d; resolve(); }));"
        "window.mark = %u; return await atrium.call('echo', %u);", i, i);
      g_autoptr(JsonNode) echoed = harness_run_js_json (windows[i], body);

      g_assert_cmpint (json_node_get_int (echoed), ==, i);
    }

  for (guint i = 0; i < N_WINDOWS; i++)
    {
      g_autoptr(JsonNode) data = json_node_new (JSON_NODE_VALUE);
      g_autoptr(GError) error = NULL;

      json_node_set_int (data, 10 + i);
      g_assert_true (atrium_app_emit_to (app, atrium_window_get_id (windows[i]), "only", data,
                                         &error));
      g_assert_no_error (error);
    }

  for (guint i = 0; i < N_WINDOWS; i++)
    {
      g_autoptr(JsonNode) seen = harness_run_js_json (windows[i],
        "await window.heardOnce; return [window.mark, window.heard];");
      JsonArray *a = json_node_get_array (seen);

      g_assert_cmpint (json_array_get_int_element (a, 0), ==, i);
      g_assert_cmpint (json_array_get_int_element (a, 1), ==, 10 + i);
    }
}

/* How many of @now were not in @before: a web process of an earlier
 * test may still be on its way out. */
static guint
count_new (GArray *before,
           GArray *now)
{
  guint n = 0;

  for (guint i = 0; i < now->len; i++)
    {
      gboolean seen = FALSE;

      for (guint j = 0; j < before->len && !seen; j++)
        seen = g_array_index (before, int, j) == g_array_index (now, int, i);
      n += !seen;
    }
  return n;
}

static void
run (gboolean isolated,
     guint    expected_processes)
{
  g_autoptr(AtriumApp) app = new_app (isolated);
  g_autoptr(GArray) before = harness_web_processes (NULL);
  g_autoptr(GArray) after = NULL;
  AtriumWindow *windows[N_WINDOWS];

  g_assert_cmpint (atrium_app_get_isolated_windows (app), ==, isolated);
  for (guint i = 0; i < N_WINDOWS; i++)
    windows[i] = harness_open (app, "/");

  after = harness_web_processes (NULL);
  g_assert_cmpuint (count_new (before, after), ==, expected_processes);
  check_windows_apart (app, windows);

  /* A window that closes leaves the others working, in the same process. */
  harness_close (windows[0]);
  {
    g_autoptr(JsonNode) echoed = harness_run_js_json (windows[1],
                                                      "return await atrium.call('echo', 'still');");

    g_assert_cmpstr (json_node_get_string (echoed), ==, "still");
  }
  for (guint i = 1; i < N_WINDOWS; i++)
    harness_close (windows[i]);
}

static void
test_shared (void)
{
  run (FALSE, 1);
}

static void
test_isolated (void)
{
  run (TRUE, N_WINDOWS);
}

int
main (int   argc,
      char *argv[])
{
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/processes/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  g_test_add_func ("/atrium/processes/shared", test_shared);
  g_test_add_func ("/atrium/processes/isolated", test_isolated);

  return g_test_run ();
}

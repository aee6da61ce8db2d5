#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench-common.h"
#include "bench-results.h"

/* What a window costs: the resident memory (VmRSS) of the UI process and
 * every web process, with one window open and then with ten, in a fresh
 * process each round. The windows of an app share one web process by
 * default (WebKit's related views); with atrium_app_set_isolated_windows()
 * each has its own, which is the baseline. Rounds alternate which mode
 * runs first.
 *
 * And what a page pays to open one: from asking to the new page's first
 * script reaching C, atrium.window.open() from a page against the same
 * window opened from C, alternating, in this process.
 *
 *   bench-windows [--json FILE] [--rounds N] [--quick]
 *   bench-windows --child shared|isolated   (what the rounds spawn) */

#define WINDOWS 10

static guint rounds = 3;

static void
ready_cb (AtriumCall *call,
          gpointer    user_data)
{
  atrium_call_return_value (call, NULL);
}

/* The page (page-startup) calls ready() from its first script. */
static gint64 ready_at;

static void
ready_at_cb (AtriumCall *call,
             gpointer    user_data)
{
  ready_at = g_get_monotonic_time ();
  atrium_call_return_value (call, NULL);
}

static void
wait_ready (void)
{
  while (ready_at == 0)
    g_main_context_iteration (NULL, TRUE);
}

static double
open_from_c (AtriumApp *app)
{
  gint64 start = g_get_monotonic_time ();
  AtriumWindow *window;

  ready_at = 0;
  window = atrium_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  atrium_window_load (window, "/");
  gtk_window_present (GTK_WINDOW (window));
  wait_ready ();
  gtk_window_destroy (GTK_WINDOW (window));
  return (ready_at - start) / 1000.0;
}

static double
open_from_page (AtriumApp    *app,
                AtriumWindow *opener)
{
  gint64 start = g_get_monotonic_time ();
  double id;
  AtriumWindow *window = NULL;

  ready_at = 0;
  id = bench_run_js (atrium_window_get_web_view (opener),
                     "return await atrium.window.open('/', { width: 800, height: 600 });");
  wait_ready ();
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (ATRIUM_IS_WINDOW (l->data) && atrium_window_get_id (l->data) == (guint) id)
      window = l->data;
  if (window == NULL)
    g_error ("bench-windows: window %.0f is not open", id);
  gtk_window_destroy (GTK_WINDOW (window));
  return (ready_at - start) / 1000.0;
}

static void
bench_open (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *from_c = g_new (double, rounds);
  g_autofree double *from_page = g_new (double, rounds);
  AtriumWindow *opener;

  assets = atrium_assets_new_for_directory (BENCH_PAGE_DIR, &error);
  if (assets == NULL)
    g_error ("bench-windows: %s", error->message);
  app = atrium_app_new ("dev.atrium.BenchWindowsOpen", G_APPLICATION_NON_UNIQUE);
  atrium_app_set_assets (app, assets);
  atrium_app_bind (app, "ready", ready_at_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  g_application_register (G_APPLICATION (app), NULL, NULL);

  ready_at = 0;
  opener = atrium_window_new (app);
  bench_open_page (opener, "/");
  wait_ready ();
  /* One of each unmeasured: the page and the runtime are cached after. */
  open_from_c (app);
  open_from_page (app, opener);
  for (guint r = 0; r < rounds; r++)
    {
      if (r % 2 == 0)
        {
          from_c[r] = open_from_c (app);
          from_page[r] = open_from_page (app, opener);
        }
      else
        {
          from_page[r] = open_from_page (app, opener);
          from_c[r] = open_from_c (app);
        }
    }
  bench_results_add ("e2e", "a new window to its page's first script", BENCH_KIND_FLOOR,
                     "opened from C", "atrium.window.open()", "ms", from_c, from_page, rounds);
  gtk_window_destroy (GTK_WINDOW (opener));
}

static void
print_rss (const char *label)
{
  printf ("%s %" G_GSIZE_FORMAT " %" G_GSIZE_FORMAT "\n", label, bench_self_kb ("VmRSS:"),
          bench_web_process_kb ("VmRSS:"));
  fflush (stdout);
}

static int
run_child (const char *mode)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  AtriumWindow *windows[WINDOWS];

  if (!gtk_init_check ())
    return 77;
  if (!g_str_equal (mode, "shared") && !g_str_equal (mode, "isolated"))
    {
      fprintf (stderr, "bench-windows: --child takes shared or isolated\n");
      return 2;
    }

  assets = atrium_assets_new_for_directory (BENCH_PAGE_DIR, &error);
  if (assets == NULL)
    g_error ("bench-windows: %s", error->message);
  app = atrium_app_new ("dev.atrium.BenchWindows", G_APPLICATION_NON_UNIQUE);
  atrium_app_set_assets (app, assets);
  atrium_app_set_isolated_windows (app, g_str_equal (mode, "isolated"));
  atrium_app_bind (app, "ready", ready_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  g_application_register (G_APPLICATION (app), NULL, NULL);

  for (guint i = 0; i < WINDOWS; i++)
    {
      windows[i] = atrium_window_new (app);
      gtk_window_set_default_size (GTK_WINDOW (windows[i]), 800, 600);
      bench_open_page (windows[i], "/");
      /* The page is up and its runtime answers. */
      bench_run_js (atrium_window_get_web_view (windows[i]),
                    "await atrium.call('ready'); return 1;");
      if (i == 0)
        print_rss ("one");
    }
  print_rss ("ten");

  for (guint i = 0; i < WINDOWS; i++)
    gtk_window_destroy (GTK_WINDOW (windows[i]));
  return 0;
}

typedef struct
{
  double one_mib;   /* UI + web processes, one window */
  double ten_mib;
} Sample;

static double
read_total (GDataInputStream *out,
            const char       *label,
            const char       *mode)
{
  g_autofree char *line = g_data_input_stream_read_line (out, NULL, NULL, NULL);
  g_autofree char *format = g_strdup_printf ("%s %%" G_GUINT64_FORMAT " %%" G_GUINT64_FORMAT,
                                             label);
  guint64 ui_kb, web_kb;

  if (line == NULL || sscanf (line, format, &ui_kb, &web_kb) != 2)
    g_error ("bench-windows: the %s child gave no “%s” figures", mode, label);
  return (ui_kb + web_kb) / 1024.0;
}

static Sample
spawn_round (const char *self,
             const char *mode)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  Sample s;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self, "--child", mode,
                              NULL);
  if (process == NULL)
    g_error ("bench-windows: %s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  s.one_mib = read_total (out, "one", mode);
  s.ten_mib = read_total (out, "ten", mode);
  if (!g_subprocess_wait_check (process, NULL, &error))
    g_error ("bench-windows: the %s child failed: %s", mode, error->message);
  return s;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *self = NULL;
  g_autofree double *iso_one = NULL, *iso_ten = NULL, *iso_each = NULL;
  g_autofree double *sh_one = NULL, *sh_ten = NULL, *sh_each = NULL;

  if (argc == 3 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2]);

  bench_results_init ("windows", &argc, argv, rounds, 1);
  rounds = bench_results_rounds ();
  if (argc != 1)
    {
      fprintf (stderr, "usage: bench-windows [--json FILE] [--rounds N] [--quick]\n");
      return 2;
    }
  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-windows: no display; run it under xvfb-run\n");
      return 77;
    }
  self = bench_self_path (argv[0]);

  iso_one = g_new (double, rounds);
  iso_ten = g_new (double, rounds);
  iso_each = g_new (double, rounds);
  sh_one = g_new (double, rounds);
  sh_ten = g_new (double, rounds);
  sh_each = g_new (double, rounds);

  printf ("# bench-windows: RSS of the UI and web processes, 1 and %u windows, "
          "%u rounds, alternating, medians\n", WINDOWS, rounds);
  for (guint r = 0; r < rounds; r++)
    {
      Sample iso, sh;

      if (r % 2 == 0)
        {
          iso = spawn_round (self, "isolated");
          sh = spawn_round (self, "shared");
        }
      else
        {
          sh = spawn_round (self, "shared");
          iso = spawn_round (self, "isolated");
        }
      iso_one[r] = iso.one_mib;
      iso_ten[r] = iso.ten_mib;
      iso_each[r] = (iso.ten_mib - iso.one_mib) / (WINDOWS - 1);
      sh_one[r] = sh.one_mib;
      sh_ten[r] = sh.ten_mib;
      sh_each[r] = (sh.ten_mib - sh.one_mib) / (WINDOWS - 1);
      printf ("# round %u: isolated %.0f → %.0f MiB (%.1f per extra window), "
              "shared %.0f → %.0f MiB (%.1f per extra window)\n",
              r + 1, iso.one_mib, iso.ten_mib, iso_each[r], sh.one_mib, sh.ten_mib, sh_each[r]);
    }

  bench_open ();

  /* Info, not a gain: sharing is the app's choice, not the default path. */
  bench_results_add ("memory", "RSS per extra window (1 → 10 windows)",
                     BENCH_KIND_INFO, "a web process each", "one shared web process",
                     "MiB/window", iso_each, sh_each, rounds);
  bench_results_add ("memory", "RSS, one window", BENCH_KIND_INFO, "a web process each",
                     "one shared web process", "MiB", iso_one, sh_one, rounds);
  bench_results_add ("memory", "RSS, ten windows", BENCH_KIND_INFO, "a web process each",
                     "one shared web process", "MiB", iso_ten, sh_ten, rounds);
  bench_results_finish ();
  return 0;
}

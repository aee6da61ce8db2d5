#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atrium-json-private.h"
#include "bench-common.h"
#include "bench-results.h"

/* Start-up and memory against the raw WebKitGTK floor, each in a fresh
 * process: Atrium (AtriumApp + AtriumWindow on app://, the runtime injected)
 * against a bare GtkWindow + WebKitWebView loading the same page from
 * file://. Measured from spawning the process to the page's first message
 * reaching C (the page's first script posts it), then, under a sustained
 * load — 10 × 200 echo calls of 1 KiB in flight and 20,000 events of 64 B,
 * the bare side delivering events the naive way (one evaluate_javascript
 * each) — the peak resident memory (VmHWM) of the UI and the web process.
 * Rounds alternate which side starts first.
 *
 *   bench-startup [--json FILE] [--rounds N] [--quick]
 *   bench-startup --child atrium|bare   (what the rounds spawn) */

#define CALL_BATCHES 10
#define CALLS_IN_FLIGHT 200
#define CALL_SIZE 1024
#define EVENTS 20000

static guint rounds = 7;

/* The child */

typedef struct
{
  GtkWindow     *window;
  WebKitWebView *web_view;
  AtriumApp     *app;       /* NULL in the bare child */
  guint          window_id;
  gboolean       ready;
  gboolean       done;
  int            wrong;
} Child;

static Child child;

static void
ready (void)
{
  /* The parent's clock stops here. */
  printf ("ready\n");
  fflush (stdout);
  child.ready = TRUE;
}

static void
ready_call_cb (AtriumCall *call,
               gpointer    user_data)
{
  ready ();
  atrium_call_return_value (call, NULL);
}

static void
ready_message_cb (WebKitUserContentManager *manager,
                  JSCValue                 *value,
                  gpointer                  user_data)
{
  ready ();
}

static gboolean
floor_message_cb (WebKitUserContentManager *manager,
                  JSCValue                 *value,
                  WebKitScriptMessageReply *reply,
                  gpointer                  user_data)
{
  webkit_script_message_reply_return_value (reply, value);
  return TRUE;
}

static void
done_message_cb (WebKitUserContentManager *manager,
                 JSCValue                 *value,
                 gpointer                  user_data)
{
  child.wrong = jsc_value_to_int32 (value);
  child.done = TRUE;
}

static void
echo_cb (AtriumCall *call,
         gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);

  atrium_call_return_value (call, arg != NULL ? json_node_copy (arg) : NULL);
}

static JsonNode *
event_data (guint seq)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  g_autofree char *payload = g_strnfill (64, 'e');

  json_object_set_int_member (object, "seq", seq);
  json_object_set_string_member (object, "payload", payload);
  json_node_take_object (node, object);
  return node;
}

static gpointer
emit_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < EVENTS; i++)
    {
      g_autoptr(JsonNode) node = event_data (i);

      if (!atrium_app_emit_to (child.app, child.window_id, "load", node, &error))
        g_error ("bench-startup: %s", error->message);
    }
  return NULL;
}

static void
run_load (void)
{
  g_autofree char *calls = g_strdup_printf ("return await window.load.calls(%u, %u, %u);",
                                            CALL_BATCHES, CALLS_IN_FLIGHT, CALL_SIZE);
  g_autofree char *expect = g_strdup_printf ("return window.load.expect(%u);", EVENTS);

  if (bench_run_js (child.web_view, calls) != CALL_BATCHES * CALLS_IN_FLIGHT)
    g_error ("bench-startup: the calls did not all come back");

  bench_run_js (child.web_view, expect);
  if (child.app != NULL)
    {
      GThread *thread = g_thread_new ("emitter", emit_thread, NULL);

      while (!child.done)
        g_main_context_iteration (NULL, TRUE);
      g_thread_join (thread);
    }
  else
    {
      for (guint i = 0; i < EVENTS; i++)
        {
          g_autoptr(JsonNode) node = event_data (i);
          g_autoptr(GString) script = g_string_new ("window.__naive([\"load\",");

          _atrium_json_write (script, node);
          g_string_append (script, ",null])");
          webkit_web_view_evaluate_javascript (child.web_view, script->str, script->len, NULL,
                                               NULL, NULL, NULL, NULL);
        }
      while (!child.done)
        g_main_context_iteration (NULL, TRUE);
    }
  if (child.wrong != 0)
    g_error ("bench-startup: %d events out of order", child.wrong);

  printf ("rss %" G_GSIZE_FORMAT " %" G_GSIZE_FORMAT "\n", bench_self_kb ("VmHWM:"),
          bench_web_process_kb ("VmHWM:"));
  fflush (stdout);
}

static int
run_child (const char *mode)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  WebKitUserContentManager *manager;

  if (!gtk_init_check ())
    return 77;

  if (g_str_equal (mode, "atrium"))
    {
      AtriumWindow *window;

      assets = atrium_assets_new_for_directory (BENCH_PAGE_DIR, &error);
      if (assets == NULL)
        g_error ("bench-startup: %s", error->message);
      app = atrium_app_new ("dev.atrium.BenchStartup", G_APPLICATION_NON_UNIQUE);
      atrium_app_set_assets (app, assets);
      atrium_app_bind (app, "ready", ready_call_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
      atrium_app_bind (app, "echo", echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
      g_application_register (G_APPLICATION (app), NULL, NULL);
      window = atrium_window_new (app);
      child.app = app;
      child.window = GTK_WINDOW (window);
      child.window_id = atrium_window_get_id (window);
      child.web_view = atrium_window_get_web_view (window);
    }
  else if (g_str_equal (mode, "bare"))
    {
      child.window = GTK_WINDOW (gtk_window_new ());
      child.web_view = WEBKIT_WEB_VIEW (webkit_web_view_new ());
      gtk_window_set_child (child.window, GTK_WIDGET (child.web_view));
    }
  else
    {
      fprintf (stderr, "bench-startup: --child takes atrium or bare\n");
      return 2;
    }

  manager = webkit_web_view_get_user_content_manager (child.web_view);
  webkit_user_content_manager_register_script_message_handler (manager, "done", NULL);
  g_signal_connect (manager, "script-message-received::done", G_CALLBACK (done_message_cb), NULL);
  if (child.app == NULL)
    {
      g_autofree char *index = g_build_filename (BENCH_PAGE_DIR, "index.html", NULL);
      g_autofree char *uri = g_filename_to_uri (index, NULL, NULL);

      webkit_user_content_manager_register_script_message_handler (manager, "ready", NULL);
      g_signal_connect (manager, "script-message-received::ready",
                        G_CALLBACK (ready_message_cb), NULL);
      webkit_user_content_manager_register_script_message_handler_with_reply (manager, "floor",
                                                                              NULL);
      g_signal_connect (manager, "script-message-with-reply-received::floor",
                        G_CALLBACK (floor_message_cb), NULL);
      webkit_web_view_load_uri (child.web_view, uri);
    }
  else
    atrium_window_load (ATRIUM_WINDOW (child.window), "/");

  gtk_window_set_default_size (child.window, 800, 600);
  gtk_window_present (child.window);
  while (!child.ready)
    g_main_context_iteration (NULL, TRUE);

  run_load ();
  gtk_window_destroy (child.window);
  return 0;
}

/* The parent */

typedef struct
{
  double startup_ms;
  double ui_mib;
  double web_mib;
} Sample;

static Sample
spawn_round (const char *self,
             const char *mode)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *rss = NULL;
  Sample s = { 0 };
  gint64 start = g_get_monotonic_time ();
  guint64 ui_kb, web_kb;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self, "--child", mode,
                              NULL);
  if (process == NULL)
    g_error ("bench-startup: %s", error->message);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  s.startup_ms = (g_get_monotonic_time () - start) / 1000.0;
  if (line == NULL || !g_str_equal (line, "ready"))
    g_error ("bench-startup: the %s child did not start: %s", mode,
             error != NULL ? error->message : "no ready line");
  rss = g_data_input_stream_read_line (out, NULL, NULL, &error);
  if (rss == NULL || sscanf (rss, "rss %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &ui_kb,
                             &web_kb) != 2)
    g_error ("bench-startup: the %s child gave no memory figures", mode);
  if (!g_subprocess_wait_check (process, NULL, &error))
    g_error ("bench-startup: the %s child failed: %s", mode, error->message);
  s.ui_mib = ui_kb / 1024.0;
  s.web_mib = web_kb / 1024.0;
  return s;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *self = NULL;
  g_autofree double *bare_ms = NULL, *atrium_ms = NULL;
  g_autofree double *bare_ui = NULL, *atrium_ui = NULL;
  g_autofree double *bare_web = NULL, *atrium_web = NULL;

  if (argc == 3 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2]);

  bench_results_init ("startup", &argc, argv, rounds, 3);
  rounds = bench_results_rounds ();
  if (argc != 1)
    {
      fprintf (stderr, "usage: bench-startup [--json FILE] [--rounds N] [--quick]\n");
      return 2;
    }
  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-startup: no display; run it under xvfb-run\n");
      return 77;
    }
  self = bench_self_path (argv[0]);

  bare_ms = g_new (double, rounds);
  atrium_ms = g_new (double, rounds);
  bare_ui = g_new (double, rounds);
  atrium_ui = g_new (double, rounds);
  bare_web = g_new (double, rounds);
  atrium_web = g_new (double, rounds);

  printf ("# bench-startup: fresh processes, %u rounds, alternating, medians\n", rounds);
  /* One unmeasured launch each: the page cache, fontconfig's and WebKit's
   * on-disk caches warm up here. */
  spawn_round (self, "bare");
  spawn_round (self, "atrium");
  for (guint r = 0; r < rounds; r++)
    {
      Sample b, a;

      if (r % 2 == 0)
        {
          b = spawn_round (self, "bare");
          a = spawn_round (self, "atrium");
        }
      else
        {
          a = spawn_round (self, "atrium");
          b = spawn_round (self, "bare");
        }
      bare_ms[r] = b.startup_ms;
      atrium_ms[r] = a.startup_ms;
      bare_ui[r] = b.ui_mib;
      atrium_ui[r] = a.ui_mib;
      bare_web[r] = b.web_mib;
      atrium_web[r] = a.web_mib;
    }

  printf ("%-44s %10s %10s %8s\n", "measure", "bare", "atrium", "ratio");
  printf ("%-44s %10.1f %10.1f %7.3fx\n", "process start to first page message, ms",
          bench_median (bare_ms, rounds), bench_median (atrium_ms, rounds),
          bench_median (atrium_ms, rounds) / bench_median (bare_ms, rounds));
  printf ("%-44s %10.1f %10.1f %7.3fx\n", "UI process peak RSS under load, MiB",
          bench_median (bare_ui, rounds), bench_median (atrium_ui, rounds),
          bench_median (atrium_ui, rounds) / bench_median (bare_ui, rounds));
  printf ("%-44s %10.1f %10.1f %7.3fx\n", "web process peak RSS under load, MiB",
          bench_median (bare_web, rounds), bench_median (atrium_web, rounds),
          bench_median (atrium_web, rounds) / bench_median (bare_web, rounds));

  bench_results_add ("e2e", "process start to first page message", BENCH_KIND_FLOOR,
                     "bare GtkWindow + WebKitWebView", "AtriumApp + AtriumWindow", "ms",
                     bare_ms, atrium_ms, rounds);
  bench_results_add ("memory", "UI process peak RSS, 2,000 calls + 20,000 events",
                     BENCH_KIND_FLOOR, "bare WebKit, naive events", "Atrium", "MiB",
                     bare_ui, atrium_ui, rounds);
  bench_results_add ("memory", "web process peak RSS, 2,000 calls + 20,000 events",
                     BENCH_KIND_FLOOR, "bare WebKit, naive events", "Atrium", "MiB",
                     bare_web, atrium_web, rounds);
  bench_results_finish ();
  return 0;
}

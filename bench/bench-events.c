#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atrium-app-private.h"
#include "atrium-events-private.h"
#include "atrium-json-private.h"
#include "bench-common.h"
#include "bench-results.h"

/* C → JS events through Atrium's batched queue against the naive way, one
 * webkit_web_view_evaluate_javascript() per event with the event in the
 * script's source; and JS → C → JS ping/pong against a bare script message
 * handler answered by one evaluate_javascript. Same page, same web process,
 * alternating rounds, medians.
 *
 *   bench-events [--json FILE] [--rounds N] [--quick] [PAGE_DIR] */

static guint rounds = 7;

/* ATRIUM_BENCH_ONLY=ping (say) runs only the scenarios whose label has it. */
static gboolean
selected (const char *label)
{
  const char *only = g_getenv ("ATRIUM_BENCH_ONLY");

  return only == NULL || strstr (label, only) != NULL;
}

typedef struct
{
  AtriumApp     *app;
  AtriumWindow  *window;
  WebKitWebView *web_view;
  guint          window_id;
  gboolean       done;
  int            wrong;
} Bench;

static Bench bench;

/* Plumbing */

static void
done_message_cb (WebKitUserContentManager *manager,
                 JSCValue                 *value,
                 gpointer                  user_data)
{
  bench.wrong = jsc_value_to_int32 (value);
  bench.done = TRUE;
}

static void
naive_ping_cb (WebKitUserContentManager *manager,
               JSCValue                 *value,
               gpointer                  user_data)
{
  g_autofree char *text = jsc_value_to_string (value);
  g_autofree char *script = g_strconcat ("window.__naivePong(", text, ")", NULL);

  webkit_web_view_evaluate_javascript (bench.web_view, script, -1, NULL, NULL, NULL, NULL, NULL);
}

static void
pong_cb (AtriumApp    *app,
         const char   *name,
         JsonNode     *data,
         AtriumWindow *sender,
         gpointer      user_data)
{
  atrium_app_emit_to (app, atrium_window_get_id (sender), "bench.pong", data, NULL);
}

static double
run_js (const char *body)
{
  return bench_run_js (bench.web_view, body);
}

/* Bursts */

static GString *
event_json (const char *name,
            guint       seq,
            const char *payload)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) name_node = json_node_new (JSON_NODE_VALUE);
  GString *text = g_string_new ("window.__naive([");

  json_object_set_int_member (object, "seq", seq);
  json_object_set_string_member (object, "payload", payload);
  json_node_set_object (node, object);
  json_node_set_string (name_node, name);
  _atrium_json_write (text, name_node);
  g_string_append_c (text, ',');
  _atrium_json_write (text, node);
  g_string_append (text, ",null])");
  return text;
}

typedef struct
{
  const char *name;
  guint       count;
  const char *payload;
} Burst;

static gpointer
emit_thread (gpointer data)
{
  Burst *b = data;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_int_member (object, "seq", 0);
  json_object_set_string_member (object, "payload", b->payload);
  json_node_set_object (node, object);
  for (guint i = 0; i < b->count; i++)
    {
      json_object_set_int_member (object, "seq", i);
      if (!atrium_app_emit_to (bench.app, bench.window_id, b->name, node, &error))
        g_error ("bench-events: %s", error->message);
    }
  return NULL;
}

static void
reset_page (guint count)
{
  g_autofree char *body = g_strdup_printf ("return window.bench.reset(%u);", count);

  run_js (body);
  bench.done = FALSE;
  bench.wrong = -1;
}

static void
wait_done (void)
{
  while (!bench.done)
    g_main_context_iteration (NULL, TRUE);
  if (bench.wrong != 0)
    g_error ("bench-events: the page saw %d events out of order", bench.wrong);
}

/* Milliseconds from the first emit until the page has every event. */
static double
burst_atrium (const Burst *b)
{
  gint64 start;
  GThread *thread;

  reset_page (b->count);
  start = g_get_monotonic_time ();
  thread = g_thread_new ("emitter", emit_thread, (gpointer) b);
  wait_done ();
  g_thread_join (thread);
  return (g_get_monotonic_time () - start) / 1000.0;
}

static double
burst_naive (const Burst *b)
{
  gint64 start;

  reset_page (b->count);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < b->count; i++)
    {
      g_autoptr(GString) script = event_json (b->name, i, b->payload);

      webkit_web_view_evaluate_javascript (bench.web_view, script->str, script->len, NULL, NULL,
                                           NULL, NULL, NULL);
    }
  wait_done ();
  return (g_get_monotonic_time () - start) / 1000.0;
}

static double
burst_round (gboolean atrium,
             gpointer user_data)
{
  return (atrium ? burst_atrium : burst_naive) (user_data);
}

static void
compare_burst (const char *label,
               const Burst *b,
               const char *target)
{
  g_autofree double *naive = g_new (double, rounds);
  g_autofree double *atrium = g_new (double, rounds);
  double n_ms, a_ms;

  if (!selected (label))
    return;
  bench_alternate (rounds, burst_round, (gpointer) b, naive, atrium);

  bench_results_add ("channel", label, BENCH_KIND_OPTIMIZATION, "evaluate_javascript per event",
                     "batched event queue", "ms/burst", naive, atrium, rounds);
  n_ms = bench_median (naive, rounds);
  a_ms = bench_median (atrium, rounds);
  printf ("%-34s %10.1f %10.1f %12.0f %12.0f %8.2fx  %s\n", label, n_ms, a_ms,
          b->count / n_ms * 1000, b->count / a_ms * 1000, n_ms / a_ms, target);
  fflush (stdout);
}

/* The resident memory of every WebKitWebProcess below this process. */
static gsize
web_process_rss (void)
{
  return bench_web_process_kb ("VmRSS:") * 1024;
}

/* How events are delivered for a memory row: naive or Atrium, @count
 * events with @payload as their data's payload. */
typedef void (*DeliverFunc) (gboolean    atrium,
                             guint       count,
                             const char *payload);

static void
burst_events (gboolean    atrium,
              guint       count,
              const char *payload)
{
  Burst b = { "big", count, payload };

  (atrium ? burst_atrium : burst_naive) (&b);
}

/* The web process's growth over @count events, after @warm to warm up:
 * Atrium first, then naive, since what naive keeps it keeps for good. One
 * measurement each, and growth near zero (or below: the web process gives
 * memory back) has no meaningful ratio: the row is information, and what
 * it must show is that neither side grows without bound. */
static void
compare_growth (const char  *row,
                const char  *label,
                const char  *optimized,
                DeliverFunc  deliver,
                guint        warm,
                guint        count,
                const char  *payload)
{
  double growth[2];

  for (guint k = 0; k < 2; k++)
    {
      gsize before;

      deliver (k == 0, warm, payload);
      before = web_process_rss ();
      deliver (k == 0, count, payload);
      growth[k] = ((double) web_process_rss () - before) / (1024 * 1024);
    }

  bench_results_add_one ("memory", row, BENCH_KIND_INFO, "evaluate_javascript per event",
                         optimized, "MiB", growth[1], growth[0]);
  printf ("%-34s %10.0f %10.0f %12s %12s %9s  (MiB of web process RSS growth)\n",
          label, growth[1], growth[0], "", "", "");
  fflush (stdout);
}

/* Lone events, one at a time, each handled before the next: Atrium sends
 * each by script, so what must not grow is what WebKit keeps of scripts. */
static void
script_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(JSCValue) value =
    webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (source), result, NULL);

  *(gboolean *) user_data = TRUE;
}

static void
lone_events (gboolean    atrium,
             guint       count,
             const char *payload)
{
  AtriumEvents *events = _atrium_app_get_events (bench.app);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  AtriumEventQueueStats stats;

  json_object_set_string_member (object, "payload", payload);
  json_node_set_object (node, object);
  reset_page (count);
  for (guint i = 0; i < count; i++)
    {
      if (atrium)
        {
          guint64 target;

          _atrium_events_get_queue_stats (events, bench.window_id, &stats);
          target = stats.delivered + 1;
          json_object_set_int_member (object, "seq", i);
          if (!atrium_app_emit_to (bench.app, bench.window_id, "burst", node, NULL))
            g_error ("bench-events: emit failed");
          while (_atrium_events_get_queue_stats (events, bench.window_id, &stats),
                 stats.delivered < target)
            g_main_context_iteration (NULL, TRUE);
        }
      else
        {
          g_autoptr(GString) script = event_json ("burst", i, payload);
          gboolean finished = FALSE;

          webkit_web_view_evaluate_javascript (bench.web_view, script->str, script->len, NULL,
                                               NULL, NULL, script_done_cb, &finished);
          while (!finished)
            g_main_context_iteration (NULL, TRUE);
        }
    }
  wait_done ();
}

static void
compare_memory (void)
{
  g_autofree char *mib = g_strnfill (1024 * 1024, 'm');
  g_autofree char *kib = g_strnfill (1024, 'k');

  if (!selected ("memory"))
    return;
  compare_growth ("web process RSS growth, 400 x 1 MiB events", "memory, 400 x 1 MiB",
                  "batched event queue", burst_events, 100, 400, mib);
  compare_growth ("web process RSS growth, 10,000 lone 1 KiB events",
                  "memory, 10,000 lone x 1 KiB", "events by script", lone_events, 1000, 10000,
                  kib);
}

typedef struct
{
  guint       n;
  const char *payload_js;
} Ping;

static double
ping (gboolean atrium,
      gpointer user_data)
{
  guint n = ((Ping *) user_data)->n;
  const char *payload_js = ((Ping *) user_data)->payload_js;
  g_autofree char *body = g_strdup_printf ("return await window.bench.%s(%u, %s);",
                                           atrium ? "pingAtrium" : "pingNaive", n, payload_js);

  return run_js (body) / n;
}

static void
compare_ping (const char *label,
              guint       n,
              const char *payload_js)
{
  g_autofree double *naive = g_new (double, rounds);
  g_autofree double *atrium = g_new (double, rounds);
  double n_ms, a_ms;

  if (!selected (label))
    return;
  bench_alternate (rounds, ping, &(Ping) { n, payload_js }, naive, atrium);

  bench_results_add ("e2e", label, BENCH_KIND_FLOOR, "bare handler + evaluate_javascript",
                     "atrium.emit + atrium.on", "ms/ping", naive, atrium, rounds);
  n_ms = bench_median (naive, rounds);
  a_ms = bench_median (atrium, rounds);
  printf ("%-34s %10.4f %10.4f %12.0f %12.0f %8.2fx  atrium/naive %.3f (target <= 1.15)\n",
          label, n_ms, a_ms, 1000 / n_ms, 1000 / a_ms, n_ms / a_ms, a_ms / n_ms);
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *small = g_strnfill (16, 'x');
  g_autofree char *big = g_strnfill (64 * 1024, 'x');
  const char *page_dir = BENCH_PAGE_DIR;
  WebKitUserContentManager *manager;
  AtriumEvents *events;

  bench_results_init ("events", &argc, argv, rounds, 3);
  rounds = bench_results_rounds ();
  if (argc > 1)
    page_dir = argv[1];

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-events: no display; run it under xvfb-run\n");
      return 77;
    }

  assets = atrium_assets_new_for_directory (page_dir, &error);
  if (assets == NULL)
    g_error ("bench-events: %s", error->message);

  bench.app = atrium_app_new ("dev.atrium.BenchEvents", G_APPLICATION_NON_UNIQUE);
  atrium_app_set_assets (bench.app, assets);
  atrium_app_on (bench.app, "bench.ping", pong_cb, NULL, NULL);
  g_application_register (G_APPLICATION (bench.app), NULL, NULL);
  events = _atrium_app_get_events (bench.app);

  bench.window = atrium_window_new (bench.app);
  bench.window_id = atrium_window_get_id (bench.window);
  bench.web_view = atrium_window_get_web_view (bench.window);
  manager = webkit_web_view_get_user_content_manager (bench.web_view);
  webkit_user_content_manager_register_script_message_handler (manager, "done", NULL);
  g_signal_connect (manager, "script-message-received::done", G_CALLBACK (done_message_cb), NULL);
  webkit_user_content_manager_register_script_message_handler (manager, "naiveping", NULL);
  g_signal_connect (manager, "script-message-received::naiveping",
                    G_CALLBACK (naive_ping_cb), NULL);

  bench_open_page (bench.window, "/");

  printf ("# bench-events: %u rounds, alternating, medians; naive = one evaluate_javascript "
          "per event, the event in the source\n", rounds);
  printf ("%-34s %10s %10s %12s %12s %9s\n", "scenario", "naive ms", "atrium ms", "naive ev/s",
          "atrium ev/s", "speedup");

  {
    Burst b = { "burst", 20000, small };
    compare_burst ("burst 20,000 x 16 B", &b, "(target >= 5)");
  }
  {
    Burst b = { "big", 200, big };
    compare_burst ("200 x 64 KiB", &b, "(target >= 0.8)");
  }
  compare_ping ("ping/pong, small object", 300, "({id: 7, name: 'small', ok: true})");
  compare_ping ("ping/pong, 1 KiB string", 300, "'x'.repeat(1024)");
  compare_memory ();

  /* The channel buffer: what queue capacity and batch size do to a burst. */
  if (selected ("capacity and batch"))
  {
    static const guint capacities[] = { 256, 10000 };
    static const guint batches[] = { 1, 64, 1024, 4096 };
    Burst b = { "burst", 20000, small };
    guint table_rounds = MIN (3, rounds);

    printf ("\n# burst 20,000 x 16 B: events/s (median of %u) by queue capacity and batch size\n",
            table_rounds);
    printf ("%-12s", "capacity");
    for (guint j = 0; j < G_N_ELEMENTS (batches); j++)
      {
        g_autofree char *header = g_strdup_printf ("batch %u", batches[j]);

        printf (" %12s", header);
      }
    printf ("\n");
    for (guint i = 0; i < G_N_ELEMENTS (capacities); i++)
      {
        double one_by_one[3] = { 0 };

        printf ("%-12u", capacities[i]);
        for (guint j = 0; j < G_N_ELEMENTS (batches); j++)
          {
            double ms[3];
            g_autofree char *name = NULL;

            atrium_app_set_event_queue_limits (bench.app, capacities[i],
                                               ATRIUM_EVENT_QUEUE_MAX_BYTES);
            _atrium_events_set_batch_limits (events, batches[j], ATRIUM_EVENT_BATCH_MAX_BYTES);
            burst_atrium (&b);
            for (guint r = 0; r < table_rounds; r++)
              ms[r] = burst_atrium (&b);
            printf (" %12.0f", b.count / bench_median (ms, table_rounds) * 1000);
            fflush (stdout);

            /* The baseline of each row is one event per delivery, at the
             * same capacity, round for round. The default (capacity 10,000,
             * batches of 4,096) is the optimization the shell ships; the
             * rest of the sweep is context. */
            if (j == 0)
              memcpy (one_by_one, ms, sizeof ms);
            else
              {
                name = g_strdup_printf ("burst 20,000 x 16 B, capacity %u, batch %u vs 1",
                                        capacities[i], batches[j]);
                bench_results_add ("channel", name,
                                   capacities[i] == ATRIUM_EVENT_QUEUE_MAX_EVENTS
                                   && batches[j] == ATRIUM_EVENT_BATCH_MAX_EVENTS
                                   ? BENCH_KIND_OPTIMIZATION : BENCH_KIND_INFO,
                                   "batch 1", "batched", "ms/burst", one_by_one, ms,
                                   table_rounds);
              }
          }
        printf ("\n");
      }
    atrium_app_set_event_queue_limits (bench.app, ATRIUM_EVENT_QUEUE_MAX_EVENTS,
                                       ATRIUM_EVENT_QUEUE_MAX_BYTES);
    _atrium_events_set_batch_limits (events, ATRIUM_EVENT_BATCH_MAX_EVENTS,
                                     ATRIUM_EVENT_BATCH_MAX_BYTES);
  }

  gtk_window_destroy (GTK_WINDOW (bench.window));
  g_object_unref (bench.app);
  bench_results_finish ();
  return 0;
}

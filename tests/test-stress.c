#include "config.h"

#include <string.h>
#include <unistd.h>

#include "atrium-app-private.h"
#include "atrium-window-private.h"
#include "webkit-harness.h"

/* Many windows open and close for a fixed time (ATRIUM_STRESS_SECONDS,
 * 180 by default) while their pages keep calls to main-thread, worker and
 * async methods in flight, emit events both ways (forwarded between windows
 * too), fetch assets (whole and by Range) and cancel calls; a C thread emits
 * bursts to every window and the main thread coalesced progress events.
 * Windows are closed in the middle of all that. At the end: every window
 * and bridge is finalized, every call a method received was finished, no
 * page saw a wrong answer, and this process's resident memory is back near
 * where it was after warm-up. ATRIUM_STRESS_SHARED=1 makes the windows share
 * one web process (atrium_app_set_isolated_windows (app, FALSE)). */

#define DEFAULT_SECONDS 180
#define LIVE_WINDOWS    4
#define WARM_UP_WINDOWS 8
#define BURST_EVENTS    200
/* A leak check, not a timing threshold: a leak of even a few KiB per call
 * would exceed it over the hundreds of thousands of calls made. */
#define RSS_SLACK       (64 * 1024 * 1024)

typedef struct
{
  AtriumApp    *app;
  int           received;   /* atomic: calls the methods got */
  int           finished;   /* atomic: calls the methods finished */
  guint         pings;      /* main thread: stress.ping events C got */
  guint         windows_alive;
  guint         bridges_alive;

  /* The burst thread: window ids to emit to, 0 to stop. */
  GAsyncQueue  *bursts;
  GThread      *burst_thread;
  int           burst_events;  /* atomic: events the thread emitted */
  int           burst_stopped; /* atomic: the thread is about to return */
} Stress;

static Stress stress;

/* Methods. Each echoes its first argument. */

static void
finish_echo (AtriumCall *call)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);

  atrium_call_return_value (call, arg != NULL ? json_node_copy (arg) : NULL);
  g_atomic_int_inc (&stress.finished);
}

static void
echo_cb (AtriumCall *call,
         gpointer    user_data)
{
  g_atomic_int_inc (&stress.received);
  finish_echo (call);
}

static void
worker_cb (AtriumCall *call,
           gpointer    user_data)
{
  g_atomic_int_inc (&stress.received);
  /* A cancelled call still has to be finished; what it answers is dropped. */
  if (atrium_call_is_cancelled (call))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_CANCELLED, "Cancelled");
      g_atomic_int_inc (&stress.finished);
      return;
    }
  finish_echo (call);
}

static gboolean
finish_later_cb (gpointer data)
{
  finish_echo (data);
  return G_SOURCE_REMOVE;
}

static void
async_cb (AtriumCall *call,
          gpointer    user_data)
{
  g_atomic_int_inc (&stress.received);
  g_idle_add (finish_later_cb, call);
}

static void
ping_cb (AtriumApp    *app,
         const char   *name,
         JsonNode     *data,
         AtriumWindow *sender,
         gpointer      user_data)
{
  g_assert_nonnull (sender);
  stress.pings++;
}

/* How long the burst thread waits for its next window id: longer than
 * the harness's 90 s, because between two ids the main thread may wait
 * for several things in turn. It opens a window and checks and closes
 * another, and at the end checks and closes every live window before it
 * sends the stop: each a harness wait of its own. */
#define BURST_WAIT_SECONDS ((LIVE_WINDOWS + 2) * HARNESS_WAIT_SECONDS)

/* Emits BURST_EVENTS events to each window id it is given, blocking while
 * the window's queue is full; a window that closes meanwhile ends its
 * burst with NOT_FOUND. */
static gpointer
burst_thread (gpointer data)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  guint id;

  json_node_set_string (node, "burst payload");
  for (;;)
    {
      gpointer item = g_async_queue_timeout_pop (stress.bursts,
                                                 BURST_WAIT_SECONDS * G_USEC_PER_SEC);

      if (item == NULL)
        g_error ("The burst thread waited %d s for a window id from the main thread",
                 BURST_WAIT_SECONDS);
      id = GPOINTER_TO_UINT (item);
      if (id == G_MAXUINT)
        break;
      for (guint i = 0; i < BURST_EVENTS; i++)
        {
          g_autoptr(GError) error = NULL;

          if (!atrium_app_emit_to (stress.app, id, "stress.burst", node, &error))
            {
              g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND);
              break;
            }
          g_atomic_int_inc (&stress.burst_events);
        }
    }
  g_atomic_int_set (&stress.burst_stopped, TRUE);
  return NULL;
}

/* The page's workload: rounds of calls, events, fetches and a cancel, for
 * as long as the page lives. stats() answers after the first whole round,
 * so every window closed by the test has done at least one. */
static const char workload_js[] =
  "window.stress = (() => {"
  "  const s = {ok: 0, wrong: 0, events: 0, bursts: 0, forwarded: 0, fetches: 0, rounds: 0,"
  "             lastError: null};"
  "  let firstRound;"
  "  const first = new Promise((resolve) => { firstRound = resolve; });"
  "  const fail = (what) => (e) => { s.wrong++; s.lastError = what + ': ' + (e && e.code) +"
  "                                  ' ' + (e && e.message || e); };"
  "  atrium.on('stress.progress', () => { s.events++; });"
  "  atrium.on('stress.burst', (d) => { if (d === 'burst payload') s.bursts++; else s.wrong++; });"
  "  atrium.on('stress.chat', (d, e) => { if (typeof e.sender === 'number') s.forwarded++;"
  "                                       else s.wrong++; });"
  "  const check = (p, expect, what) => p.then((v) => {"
  "    if (JSON.stringify(v) === JSON.stringify(expect)) s.ok++;"
  "    else fail(what)({message: JSON.stringify(v)});"
  "  }, fail(what));"
  "  (async () => {"
  "    for (let i = 0; ; i++) {"
  "      const x = {i, s: 'x'.repeat(i % 64) + '\\u00e9\\u2028', a: [1, 2.5, null, true, {}]};"
  "      const ps = [];"
  "      for (let j = 0; j < 8; j++) {"
  "        ps.push(check(atrium.call('stress.echo', x), x, 'echo'));"
  "        ps.push(check(atrium.call('stress.worker', x), x, 'worker'));"
  "        ps.push(check(atrium.call('stress.async', x), x, 'async'));"
  "      }"
  "      const c = atrium.call('stress.worker', x);"
  "      c.cancel();"
  "      ps.push(c.then(fail('cancel'), (e) => { if (e.code === 'cancelled') s.ok++;"
  "                                             else fail('cancel')(e); }));"
  "      ps.push(atrium.emit('stress.ping', {i}).then(() => s.ok++, fail('ping')));"
  "      ps.push(atrium.emit('stress.chat', {i}).then(() => s.ok++, fail('chat')));"
  "      ps.push(fetch('/data.json').then((r) => r.json()).then((d) => {"
  "        if (d.answer === 42) s.fetches++; else fail('json')(d); }, fail('fetch')));"
  "      ps.push(fetch('/style.css', {headers: {Range: 'bytes=0-3'}}).then((r) => {"
  "        if (r.status !== 206) throw new Error('status ' + r.status);"
  "        return r.arrayBuffer(); }).then((b) => {"
  "        if (b.byteLength === 4) s.fetches++; else fail('range')(b.byteLength); },"
  "        fail('range')));"
  "      await Promise.all(ps);"
  "      if (++s.rounds === 1) firstRound();"
  "    }"
  "  })();"
  "  return {stats: async () => { await first; return s; }};"
  "})();";

static gboolean
all_calls_finished (gpointer data)
{
  return g_atomic_int_get (&stress.finished) == g_atomic_int_get (&stress.received)
         && !g_main_context_pending (NULL);
}

static gsize
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  g_auto(GStrv) fields = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  fields = g_strsplit (statm, " ", -1);
  g_assert_nonnull (fields[1]);
  return g_ascii_strtoull (fields[1], NULL, 10) * sysconf (_SC_PAGESIZE);
}

static void
window_finalized_cb (gpointer  data,
                     GObject  *where_the_object_was)
{
  stress.windows_alive--;
}

static void
bridge_finalized_cb (gpointer  data,
                     GObject  *where_the_object_was)
{
  stress.bridges_alive--;
}

static AtriumWindow *
open_busy_window (void)
{
  AtriumWindow *window = harness_open (stress.app, "/");

  stress.windows_alive++;
  stress.bridges_alive++;
  g_object_weak_ref (G_OBJECT (window), window_finalized_cb, NULL);
  g_object_weak_ref (G_OBJECT (_atrium_window_get_bridge (window)), bridge_finalized_cb, NULL);

  webkit_web_view_evaluate_javascript (atrium_window_get_web_view (window), workload_js, -1,
                                       NULL, NULL, NULL, NULL, NULL);
  return window;
}

/* Checks a window's page before it is closed, with its workload still
 * running: calls are in flight when it goes. */
static void
check_and_close (AtriumWindow *window,
                 guint64      *rounds)
{
  g_autoptr(JsonNode) node = harness_run_js_json (window, "return await window.stress.stats();");
  JsonObject *s = json_node_get_object (node);

  if (json_object_get_int_member (s, "wrong") != 0)
    g_error ("A page saw %" G_GINT64_FORMAT " wrong answers, the last: %s",
             json_object_get_int_member (s, "wrong"),
             json_object_get_string_member_with_default (s, "lastError", "?"));
  g_assert_cmpint (json_object_get_int_member (s, "rounds"), >=, 1);
  g_assert_cmpint (json_object_get_int_member (s, "ok"), >=, 8 * 3 + 3);
  g_assert_cmpint (json_object_get_int_member (s, "fetches"), >=, 2);
  *rounds += json_object_get_int_member (s, "rounds");

  harness_close (window);
}

static void
test_stress (void)
{
  const char *env = g_getenv ("ATRIUM_STRESS_SECONDS");
  guint seconds = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : DEFAULT_SECONDS;
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  g_autoptr(GPtrArray) live = g_ptr_array_new ();
  g_autoptr(JsonNode) progress = json_node_new (JSON_NODE_VALUE);
  gint64 deadline;
  gsize rss_warm = 0, rss_end;
  guint opened = 0;
  guint64 rounds = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (seconds, >, 0);
  stress.app = harness_app_new (assets);
  /* ATRIUM_STRESS_SHARED=1: the windows share one web process. */
  if (g_strcmp0 (g_getenv ("ATRIUM_STRESS_SHARED"), "1") == 0)
    atrium_app_set_isolated_windows (stress.app, FALSE);
  atrium_app_bind (stress.app, "stress.echo", echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (stress.app, "stress.worker", worker_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (stress.app, "stress.async", async_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  atrium_app_on (stress.app, "stress.ping", ping_cb, NULL, NULL);
  atrium_app_set_event_forwarding (stress.app, "stress.chat", TRUE);
  atrium_app_set_event_policy (stress.app, "stress.progress", ATRIUM_EVENT_COALESCE);

  stress.bursts = g_async_queue_new ();
  stress.burst_thread = g_thread_new ("stress-bursts", burst_thread, NULL);

  g_test_message ("Stressing for %u s (ATRIUM_STRESS_SECONDS)", seconds);
  deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline || opened < WARM_UP_WINDOWS + LIVE_WINDOWS)
    {
      AtriumWindow *window = open_busy_window ();

      g_ptr_array_add (live, window);
      opened++;

      /* A burst from the worker to every live window, and a coalesced
       * progress event from the main thread to all of them. */
      for (guint i = 0; i < live->len; i++)
        g_async_queue_push (stress.bursts,
                            GUINT_TO_POINTER (atrium_window_get_id (live->pdata[i])));
      json_node_set_int (progress, opened);
      g_assert_true (atrium_app_emit (stress.app, "stress.progress", progress, &error));
      g_assert_no_error (error);

      if (live->len > LIVE_WINDOWS)
        check_and_close (g_ptr_array_steal_index (live, 0), &rounds);

      /* After warm-up the pools, caches and heaps have grown to what this
       * load needs; from here memory should stay flat. */
      if (opened == WARM_UP_WINDOWS)
        rss_warm = resident_bytes ();
    }

  while (live->len > 0)
    check_and_close (g_ptr_array_steal_index (live, 0), &rounds);

  /* Stop the burst thread (its pending bursts find their windows gone),
   * then let every late result and idle finish run. */
  g_async_queue_push (stress.bursts, GUINT_TO_POINTER (G_MAXUINT));
  harness_wait_for (test_flag_is_set, &stress.burst_stopped,
                    "the burst thread to finish its bursts and stop");
  g_thread_join (stress.burst_thread);
  g_async_queue_unref (stress.bursts);
  harness_wait_for (all_calls_finished, NULL,
                    "every call a method received to be finished, and the main loop idle");

  rss_end = resident_bytes ();
  g_test_message ("%u windows, %" G_GUINT64_FORMAT " page rounds, %d calls, %u pings from "
                  "pages, %d burst events; RSS %" G_GSIZE_FORMAT " MiB after warm-up, %"
                  G_GSIZE_FORMAT " MiB at the end",
                  opened, rounds, g_atomic_int_get (&stress.received), stress.pings,
                  g_atomic_int_get (&stress.burst_events), rss_warm >> 20, rss_end >> 20);

  /* No leaked windows, bridges or calls. */
  g_assert_cmpuint (stress.windows_alive, ==, 0);
  g_assert_cmpuint (stress.bridges_alive, ==, 0);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (stress.app)));
  g_assert_cmpint (g_atomic_int_get (&stress.finished), ==, g_atomic_int_get (&stress.received));
  g_assert_cmpuint (rounds, >=, opened);
  g_assert_cmpuint (stress.pings, >=, opened);
  g_assert_cmpint (g_atomic_int_get (&stress.burst_events), >, 0);

  /* Memory back near where it was after warm-up. */
  g_assert_cmpuint (rss_end, <, rss_warm + RSS_SLACK);

  g_clear_object (&stress.app);
}

int
main (int   argc,
      char *argv[])
{
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/stress/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  g_test_add_func ("/atrium/stress/windows-calls-events-assets", test_stress);
  return g_test_run ();
}

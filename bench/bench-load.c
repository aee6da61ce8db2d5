#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "atrium-channel-private.h"
#include "bench-common.h"
#include "bench-results.h"

/* Concurrent load, each side against its naive twin in the same run:
 *
 * 1. Results from many worker threads to the main loop: an AtriumChannel
 *    (bounded, drained in batches by one GSource) against one g_idle_add()
 *    per result, with 1, 4 and 16 producers.
 * 2. Calls in flight from the page, a mix of main-thread and worker
 *    methods: atrium.call against a naive shell written the obvious way on
 *    raw WebKitGTK — a script message handler with reply that answers main
 *    methods at once and hands worker methods to a GThreadPool as JSON text,
 *    each result coming back with its own g_idle_add().
 *
 * Medians of interleaved rounds.
 *
 *   bench-load [--json FILE] [--rounds N] [--quick] [native] [webkit] */

static guint rounds = 9;

/* 1. Results to the main loop */

#define RESULTS 40000

typedef struct
{
  AtriumChannel *channel;   /* NULL: g_idle_add per result */
  guint          per_thread;
  guint          delivered; /* main thread only */
} Drain;

static void
item_cb (gpointer item,
         gpointer user_data)
{
  Drain *d = user_data;

  g_free (item);
  d->delivered++;
}

typedef struct
{
  gpointer item;
  Drain   *drain;
} IdleResult;

static gboolean
idle_result_cb (gpointer data)
{
  IdleResult *r = data;

  item_cb (r->item, r->drain);
  g_free (r);
  return G_SOURCE_REMOVE;
}

static gpointer
producer_thread (gpointer data)
{
  Drain *d = data;

  for (guint i = 0; i < d->per_thread; i++)
    {
      /* Something the size of a small result, as a worker would make. */
      guint64 *item = g_new (guint64, 4);

      item[0] = i;
      if (d->channel != NULL)
        {
          if (!_atrium_channel_push (d->channel, item))
            g_error ("bench-load: the channel closed");
        }
      else
        {
          IdleResult *r = g_new (IdleResult, 1);

          r->item = item;
          r->drain = d;
          g_idle_add_full (G_PRIORITY_DEFAULT, idle_result_cb, r, NULL);
        }
    }
  return NULL;
}

/* Milliseconds until the main loop has every result. */
static double
drain_round (guint    n_threads,
             gboolean channel)
{
  Drain d = { NULL, RESULTS / n_threads, 0 };
  GThread *threads[16];
  gint64 start;

  g_assert (n_threads <= G_N_ELEMENTS (threads));
  if (channel)
    {
      d.channel = _atrium_channel_new (4096, 256, item_cb, &d, g_free);
      _atrium_channel_attach (d.channel, NULL);
    }

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n_threads; i++)
    threads[i] = g_thread_new ("producer", producer_thread, &d);
  while (d.delivered < d.per_thread * n_threads)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
  start = g_get_monotonic_time () - start;

  if (d.channel != NULL)
    {
      _atrium_channel_close (d.channel);
      _atrium_channel_free (d.channel);
    }
  return start / 1000.0;
}

static double
drain_alternate_cb (gboolean channel,
                    gpointer user_data)
{
  return drain_round (GPOINTER_TO_UINT (user_data), channel);
}

static void
bench_native (void)
{
  static const guint producers[] = { 1, 4, 16 };

  printf ("# %u worker results to the main loop, ms (median of %u)\n", RESULTS, rounds);
  printf ("%-14s %14s %14s %9s\n", "producers", "g_idle_add", "AtriumChannel", "ratio");
  for (gsize p = 0; p < G_N_ELEMENTS (producers); p++)
    {
      guint n = producers[p];
      g_autofree double *idle = g_new (double, rounds);
      g_autofree double *chan = g_new (double, rounds);
      g_autofree char *name = g_strdup_printf ("%u worker results to the main loop, %u producer%s",
                                               RESULTS, n, n > 1 ? "s" : "");
      double i_ms, c_ms;

      bench_alternate (rounds, drain_alternate_cb, GUINT_TO_POINTER (n), idle, chan);
      i_ms = bench_median (idle, rounds);
      c_ms = bench_median (chan, rounds);
      printf ("%-14u %14.2f %14.2f %8.3fx\n", n, i_ms, c_ms, c_ms / i_ms);
      fflush (stdout);
      bench_results_add (n == 1 ? "channel" : "concurrency", name, BENCH_KIND_OPTIMIZATION,
                         "g_idle_add per result", "AtriumChannel", "ms/round", idle, chan, rounds);
    }
}

/* 2. Calls in flight */

static const char page[] =
  "<!DOCTYPE html><html><head><meta charset=utf-8><title>bench-load</title><script>"
  /* i % every === 0 goes to the worker method. Every result is checked. */
  "const pick = (i, every) => every > 0 && i % every === 0;"
  "const check = (r, i) => { if (r.i !== i || r.s.length !== 64) throw new Error('wrong ' + i); };"
  "const arg = (i) => ({i, s: 'x'.repeat(64), tags: ['a', 'b'], ok: true});"
  "window.mixAtrium = async (n, every) => {"
  "  const t0 = performance.now();"
  "  await Promise.all(Array.from({length: n}, (_, i) =>"
  "    atrium.call(pick(i, every) ? 'echo.worker' : 'echo', arg(i)).then((r) => check(r, i))));"
  "  return performance.now() - t0;"
  "};"
  "window.mixNaive = async (n, every) => {"
  "  const h = window.webkit.messageHandlers.naive;"
  "  const t0 = performance.now();"
  "  await Promise.all(Array.from({length: n}, (_, i) =>"
  "    h.postMessage([pick(i, every) ? 'echo.worker' : 'echo', arg(i)]).then((r) => check(r, i))));"
  "  return performance.now() - t0;"
  "};"
  "</script></head><body>bench-load</body></html>";

static GThreadPool *naive_pool;

typedef struct
{
  WebKitScriptMessageReply *reply;
  JSCContext               *context;
  char                     *json;
} NaiveCall;

static gboolean
naive_reply_cb (gpointer data)
{
  NaiveCall *c = data;
  g_autoptr(JSCValue) value = jsc_value_new_from_json (c->context, c->json);

  webkit_script_message_reply_return_value (c->reply, value);
  webkit_script_message_reply_unref (c->reply);
  g_object_unref (c->context);
  g_free (c->json);
  g_free (c);
  return G_SOURCE_REMOVE;
}

/* The worker: parse the argument, run the method (echo), write the result. */
static void
naive_worker_cb (gpointer data,
                 gpointer user_data)
{
  NaiveCall *c = data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, c->json, -1, &error))
    g_error ("bench-load: %s", error->message);
  json_generator_set_root (generator, json_parser_get_root (parser));
  g_free (c->json);
  c->json = json_generator_to_data (generator, NULL);
  g_idle_add_full (G_PRIORITY_DEFAULT, naive_reply_cb, c, NULL);
}

static gboolean
naive_message_cb (WebKitUserContentManager *manager,
                  JSCValue                 *message,
                  WebKitScriptMessageReply *reply,
                  gpointer                  user_data)
{
  g_autoptr(JSCValue) method = jsc_value_object_get_property_at_index (message, 0);
  g_autoptr(JSCValue) arg = jsc_value_object_get_property_at_index (message, 1);
  g_autofree char *name = jsc_value_to_string (method);

  if (g_str_equal (name, "echo"))
    webkit_script_message_reply_return_value (reply, arg);
  else
    {
      NaiveCall *c = g_new (NaiveCall, 1);

      c->reply = webkit_script_message_reply_ref (reply);
      c->context = g_object_ref (jsc_value_get_context (arg));
      c->json = jsc_value_to_json (arg, 0);
      g_thread_pool_push (naive_pool, c, NULL);
    }
  return TRUE;
}

static void
echo_cb (AtriumCall *call,
         gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);

  atrium_call_return_value (call, arg != NULL ? json_node_copy (arg) : NULL);
}

typedef struct
{
  const char *name;
  guint       calls;
  guint       every;     /* every n-th call goes to a worker; 0 for none */
  guint       threads;   /* worker threads on both sides */
} Mix;

static double
mix_round (WebKitWebView *web_view,
           const Mix     *m,
           gboolean       atrium)
{
  g_autofree char *body = g_strdup_printf ("return await window.mix%s(%u, %u);",
                                           atrium ? "Atrium" : "Naive", m->calls, m->every);

  return bench_run_js (web_view, body) / m->calls;
}

typedef struct
{
  WebKitWebView *web_view;
  const Mix     *mix;
} MixRound;

static double
mix_alternate_cb (gboolean atrium,
                  gpointer user_data)
{
  MixRound *round = user_data;

  return mix_round (round->web_view, round->mix, atrium);
}

static int
bench_webkit (void)
{
  static const Mix mixes[] = {
    { "2000 in flight, 1 in 2 on 4 workers", 2000, 2, 4 },
    { "2000 in flight, all on 4 workers", 2000, 1, 4 },
    { "2000 in flight, all on 16 workers", 2000, 1, 16 },
    { "2000 in flight, 1 in 8 on 16 workers", 2000, 8, 16 },
  };
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *index = NULL;
  WebKitUserContentManager *manager;
  WebKitWebView *web_view;
  AtriumWindow *window;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-load: no display for the WebKit part; run it under xvfb-run\n");
      return 77;
    }

  root = g_dir_make_tmp ("atrium-bench-load-XXXXXX", &error);
  if (root == NULL)
    g_error ("bench-load: %s", error->message);
  index = g_build_filename (root, "index.html", NULL);
  if (!g_file_set_contents (index, page, -1, &error))
    g_error ("bench-load: %s", error->message);
  assets = atrium_assets_new_for_directory (root, &error);
  if (assets == NULL)
    g_error ("bench-load: %s", error->message);

  app = atrium_app_new ("dev.atrium.BenchLoad", G_APPLICATION_NON_UNIQUE);
  atrium_app_set_assets (app, assets);
  atrium_app_bind (app, "echo", echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "echo.worker", echo_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  naive_pool = g_thread_pool_new (naive_worker_cb, NULL, 4, FALSE, NULL);

  window = atrium_window_new (app);
  web_view = atrium_window_get_web_view (window);
  manager = webkit_web_view_get_user_content_manager (web_view);
  webkit_user_content_manager_register_script_message_handler_with_reply (manager, "naive", NULL);
  g_signal_connect (manager, "script-message-with-reply-received::naive",
                    G_CALLBACK (naive_message_cb), NULL);
  bench_open_page (window, "/");

  printf ("\n# mixed main/worker calls in flight, ms per call (median of %u)\n", rounds);
  printf ("%-40s %10s %10s %9s\n", "scenario", "naive", "atrium", "ratio");
  for (gsize i = 0; i < G_N_ELEMENTS (mixes); i++)
    {
      const Mix *m = &mixes[i];
      g_autofree double *naive = g_new (double, rounds);
      g_autofree double *atrium = g_new (double, rounds);
      double n_ms, a_ms;

      atrium_app_set_worker_threads (app, m->threads);
      g_thread_pool_set_max_threads (naive_pool, m->threads, NULL);
      bench_alternate (rounds, mix_alternate_cb, &(MixRound) { web_view, m }, naive, atrium);
      n_ms = bench_median (naive, rounds);
      a_ms = bench_median (atrium, rounds);
      printf ("%-40s %10.4f %10.4f %8.3fx\n", m->name, n_ms, a_ms, a_ms / n_ms);
      fflush (stdout);
      bench_results_add ("concurrency", m->name, BENCH_KIND_OPTIMIZATION,
                         "raw handler + GThreadPool + g_idle_add", "atrium.call", "ms/call",
                         naive, atrium, rounds);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  g_thread_pool_free (naive_pool, FALSE, TRUE);
  g_unlink (index);
  g_rmdir (root);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  int status = 0;

  bench_keep_to_script_messages ();
  bench_results_init ("load", &argc, argv, rounds, 3);
  rounds = bench_results_rounds ();

  if (argc < 2 || g_strv_contains ((const char * const *) argv + 1, "native"))
    bench_native ();
  if (argc < 2 || g_strv_contains ((const char * const *) argv + 1, "webkit"))
    status = bench_webkit ();
  bench_results_finish ();
  return status;
}

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atrium-bridge-private.h"
#include "atrium-call-private.h"
#include "atrium-json-private.h"
#include "atrium-pool-private.h"
#include "atrium-registry-private.h"
#include "bench-results.h"

/* The native halves of a call, without WebKit: each optimized path of the
 * shell against the naive twin it replaced, measured in the same run.
 *
 * Every case is calibrated first (its iteration count doubled until one run
 * takes TARGET_NS), then the two variants run in interleaved rounds, the
 * order flipping each round so neither always runs on a warmer cache. The
 * table shows medians per operation; the spread is the min–max over rounds.
 *
 *   bench-native [--json FILE] [--rounds N] [--quick]
 *   bench-native --dispatch-only optimized|naive N
 *
 * The second form runs only one dispatch loop N times, for
 * bench/dhat-allocs.sh to count its allocations under valgrind.
 * ATRIUM_BENCH_ROUNDS sets the number of rounds; ATRIUM_BENCH_DEBUG prints
 * the calibrated iteration counts. The JSON schema is bench-results.h's. */

#define TARGET_NS        (10 * 1000 * 1000)
#define DEFAULT_ROUNDS   11
#define QUICK_ROUNDS     5
#define TOKEN            "0123456789abcdef0123456789abcdef"

static guint rounds = DEFAULT_ROUNDS;

/* Timing */

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

typedef void (*RunFunc) (gpointer data,
                         guint64  n);

typedef struct
{
  const char *category;
  const char *name;
  const char *unit;
  RunFunc     baseline;
  RunFunc     optimized;
  gpointer    data;
  guint       ops_per_n;   /* operations one unit of n stands for (threads) */
  guint64     min_n;       /* floor for calibration, so thread start-up or
                            * one scheduling hiccup cannot make n tiny */
} Case;

static double
time_run (RunFunc  run,
          gpointer data,
          guint64  n,
          guint    ops_per_n)
{
  gint64 start = now_ns ();

  run (data, n);
  return (double) (now_ns () - start) / ((double) n * ops_per_n);
}

/* Nanoseconds per unit the case reports in. */
static double
unit_scale (const char *unit)
{
  return g_str_has_prefix (unit, "us") ? 1000.0 : 1.0;
}

static guint64
calibrate (RunFunc  run,
           gpointer data)
{
  guint64 n = 1;

  for (;;)
    {
      gint64 start = now_ns ();

      run (data, n);
      if (now_ns () - start >= TARGET_NS / 4)
        break;
      n *= 2;
    }
  /* Scale the last run up to the target. */
  return n * 4;
}

static void
print_header (const char *title)
{
  printf ("\n## %s\n", title);
  printf ("%-38s %12s %12s %9s  %-8s %s\n", "case", "baseline", "optimized", "speedup",
          "unit", "spread (baseline | optimized, min-max)");
}

static void
report (const char *name,
        const char *unit,
        double      base,
        double      opt,
        double      base_min,
        double      base_max,
        double      opt_min,
        double      opt_max)
{
  double ratio = opt > 0 ? base / opt : 0;

  printf ("%-38s %12.2f %12.2f %8.2fx  %-8s %.2f-%.2f | %.2f-%.2f%s\n", name, base, opt, ratio,
          unit, base_min, base_max, opt_min, opt_max, ratio < 1.0 ? "   (slower)" : "");
  fflush (stdout);
}

/* The report's category and labels for this file's case groups. */
static void
record (const Case   *c,
        const double *base,
        const double *opt)
{
  static const struct
  {
    const char *group, *category, *kind, *baseline_label, *optimized_label;
  } groups[] = {
    { "ids", "atomic", BENCH_KIND_OPTIMIZATION, "GMutex counter", "atomic fetch_add" },
    { "json", "json", BENCH_KIND_OPTIMIZATION, "JsonParser + JsonGenerator", "Atrium codec" },
    /* Removed from the library (bench/FINDINGS.md): shown, never counted. */
    { "json-pooling", "json", BENCH_KIND_INFO, "fresh GString", "pooled GString" },
    { "call-struct", "memory", BENCH_KIND_OPTIMIZATION, "g_new0/g_free", "AtriumPool take/give" },
    { "dispatch", "json", BENCH_KIND_OPTIMIZATION, "json-glib + hash table",
      "Atrium bridge path" },
  };
  g_autofree char *name = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (groups); i++)
    if (g_str_equal (c->category, groups[i].group))
      {
        name = g_strdup_printf ("%s: %s", c->category, c->name);
        bench_results_add (groups[i].category, name, groups[i].kind,
                           groups[i].baseline_label, groups[i].optimized_label, c->unit, base,
                           opt, rounds);
        return;
      }
  g_error ("bench-native: no report category for %s", c->category);
}

static void
run_case (const Case *c)
{
  g_autofree double *base = g_new (double, rounds);
  g_autofree double *opt = g_new (double, rounds);
  guint64 n_base, n_opt;
  double base_min, base_max, opt_min, opt_max;

  /* Calibration doubles as warm-up: pools fill, caches and branch
   * predictors settle before anything is recorded. */
  n_base = calibrate (c->baseline, c->data);
  n_opt = calibrate (c->optimized, c->data);
  n_base = MAX (n_base, c->min_n);
  n_opt = MAX (n_opt, c->min_n);
  if (g_getenv ("ATRIUM_BENCH_DEBUG") != NULL)
    fprintf (stderr, "# %s/%s: n = %" G_GUINT64_FORMAT " baseline, %" G_GUINT64_FORMAT
             " optimized\n", c->category, c->name, n_base, n_opt);

  for (guint r = 0; r < rounds; r++)
    {
      if (r % 2 == 0)
        {
          base[r] = time_run (c->baseline, c->data, n_base, c->ops_per_n);
          opt[r] = time_run (c->optimized, c->data, n_opt, c->ops_per_n);
        }
      else
        {
          opt[r] = time_run (c->optimized, c->data, n_opt, c->ops_per_n);
          base[r] = time_run (c->baseline, c->data, n_base, c->ops_per_n);
        }
    }

  for (guint r = 0; r < rounds; r++)
    {
      base[r] /= unit_scale (c->unit);
      opt[r] /= unit_scale (c->unit);
    }
  record (c, base, opt);
  base_min = bench_quantile (base, rounds, 0);
  base_max = bench_quantile (base, rounds, 1);
  opt_min = bench_quantile (opt, rounds, 0);
  opt_max = bench_quantile (opt, rounds, 1);
  report (c->name, c->unit, bench_median (base, rounds), bench_median (opt, rounds),
          base_min, base_max, opt_min, opt_max);
}

/* Running the same loop on several threads at once. */

typedef struct
{
  RunFunc  run;
  gpointer data;
  guint64  n;
} ThreadJob;

static gpointer
thread_job (gpointer data)
{
  ThreadJob *job = data;

  job->run (job->data, job->n);
  return NULL;
}

static void
run_on_threads (guint    n_threads,
                RunFunc  run,
                gpointer data,
                guint64  n)
{
  ThreadJob jobs[8];
  GThread *threads[8];

  g_assert (n_threads <= G_N_ELEMENTS (threads));

  if (n_threads == 1)
    {
      run (data, n);
      return;
    }
  for (guint i = 0; i < n_threads; i++)
    {
      jobs[i] = (ThreadJob) { run, data, n };
      threads[i] = g_thread_new ("bench", thread_job, &jobs[i]);
    }
  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
}

/* 1. Call ids: one relaxed atomic counter against a counter behind a mutex. */

static GMutex id_lock;
static guint64 locked_next_id = 1;

G_GNUC_NO_INLINE static guint64
locked_call_next_id (void)
{
  guint64 id;

  g_mutex_lock (&id_lock);
  id = locked_next_id++;
  g_mutex_unlock (&id_lock);
  return id;
}

static volatile guint64 id_sink;

static void
ids_atomic_loop (gpointer data,
                 guint64  n)
{
  guint64 last = 0;

  for (guint64 i = 0; i < n; i++)
    last = _atrium_call_next_id ();
  id_sink = last;
}

static void
ids_mutex_loop (gpointer data,
                guint64  n)
{
  guint64 last = 0;

  for (guint64 i = 0; i < n; i++)
    last = locked_call_next_id ();
  id_sink = last;
}

static void
ids_atomic (gpointer data,
            guint64  n)
{
  run_on_threads (GPOINTER_TO_UINT (data), ids_atomic_loop, NULL, n);
}

static void
ids_mutex (gpointer data,
           guint64  n)
{
  run_on_threads (GPOINTER_TO_UINT (data), ids_mutex_loop, NULL, n);
}

/* 2. JSON: decode and encode one call message. */

typedef struct
{
  const char *text;
  gsize       length;
  JsonNode   *node;      /* decoded once, for the encode-only cases */
} JsonCase;

static const char small_message[] =
  "[\"echo\",[{\"id\":7,\"name\":\"small\",\"tags\":[\"a\",\"b\"],\"ok\":true}],1]";

/* About 100 KiB of the same kind of objects, with some strings to escape
 * and numbers of both kinds, in one argument. */
static char *
make_large_message (gsize target)
{
  GString *s = g_string_new ("[\"echo\",[[");

  for (guint i = 0; s->len < target; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append_printf (s,
                              "{\"id\":%u,\"name\":\"item %u \\\"quoted\\\" \\u00e9\","
                              "\"score\":%u.25,\"tags\":[\"a\",\"b\",\"c\"],\"ok\":%s,"
                              "\"next\":null}",
                              i, i, i * 7, i % 2 ? "true" : "false");
    }
  g_string_append (s, "]],2]");
  return g_string_free (s, FALSE);
}

static volatile gsize json_sink;

static void
json_ours (gpointer data,
           guint64  n)
{
  JsonCase *c = data;

  for (guint64 i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = _atrium_json_parse (c->text, c->length, ATRIUM_JSON_DEFAULT_MAX_DEPTH,
                                           &error);
      GString *out;

      g_assert (node != NULL);
      out = g_string_sized_new (256);
      _atrium_json_write (out, node);
      json_sink += out->len;
      g_string_free (out, TRUE);
      json_node_unref (node);
    }
}

static void
json_naive (gpointer data,
            guint64  n)
{
  JsonCase *c = data;

  for (guint64 i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonParser *parser = json_parser_new ();
      JsonGenerator *generator;
      char *out;
      gsize length;

      if (!json_parser_load_from_data (parser, c->text, c->length, &error))
        g_error ("naive parse: %s", error->message);
      generator = json_generator_new ();
      json_generator_set_root (generator, json_parser_get_root (parser));
      out = json_generator_to_data (generator, &length);
      json_sink += length;
      g_free (out);
      g_object_unref (generator);
      g_object_unref (parser);
    }
}

/* The pooled output buffers libatrium had until this benchmark showed they
 * do not pay (1.03× small, 0.97× at 100 KiB): the library now writes into
 * a fresh GString; the experiment stays here so the finding can be rerun. */
static AtriumPool *buffer_pool;

static gpointer
buffer_new (gpointer user_data)
{
  return g_string_sized_new (256);
}

static gboolean
buffer_reset (gpointer item,
              gpointer user_data)
{
  GString *buffer = item;

  if (buffer->allocated_len > 256 * 1024)
    return FALSE;
  g_string_truncate (buffer, 0);
  return TRUE;
}

static void
buffer_free (gpointer item)
{
  g_string_free (item, TRUE);
}

static void
write_pooled (gpointer data,
              guint64  n)
{
  JsonCase *c = data;

  for (guint64 i = 0; i < n; i++)
    {
      GString *out = _atrium_pool_take (buffer_pool);

      _atrium_json_write (out, c->node);
      json_sink += out->len;
      _atrium_pool_give (buffer_pool, out);
    }
}

static void
write_fresh (gpointer data,
             guint64  n)
{
  JsonCase *c = data;

  for (guint64 i = 0; i < n; i++)
    {
      GString *out = g_string_new (NULL);

      _atrium_json_write (out, c->node);
      json_sink += out->len;
      g_string_free (out, TRUE);
    }
}

/* 3. Call structs: a pool like the one in atrium-call.c against malloc. */

static gpointer
call_struct_new (gpointer user_data)
{
  return g_new0 (AtriumCall, 1);
}

static AtriumPool *call_pool;

static void
structs_pooled_loop (gpointer data,
                     guint64  n)
{
  for (guint64 i = 0; i < n; i++)
    {
      AtriumCall *call = _atrium_pool_take (call_pool);

      /* _atrium_call_new() clears a recycled struct; so does g_new0(). */
      memset (call, 0, sizeof *call);
      call->id = i;
      _atrium_pool_give (call_pool, call);
    }
}

static void
structs_malloc_loop (gpointer data,
                     guint64  n)
{
  for (guint64 i = 0; i < n; i++)
    {
      AtriumCall *call = g_new0 (AtriumCall, 1);

      call->id = i;
      g_free (call);
    }
}

static void
structs_pooled (gpointer data,
                guint64  n)
{
  run_on_threads (GPOINTER_TO_UINT (data), structs_pooled_loop, NULL, n);
}

static void
structs_malloc (gpointer data,
                guint64  n)
{
  run_on_threads (GPOINTER_TO_UINT (data), structs_malloc_loop, NULL, n);
}

/* 4. Native dispatch: what the bridge does per call, minus WebKit. */

typedef struct
{
  char           *text;        /* token + message, as the page posts it */
  gsize           length;
  AtriumRegistry *registry;
  GHashTable     *naive_table; /* name → NaiveFunc */
} Dispatch;

typedef JsonNode *(*NaiveFunc) (JsonArray *args);

static void
echo_cb (AtriumCall *call,
         gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);

  atrium_call_return_value (call, arg != NULL ? json_node_copy (arg) : NULL);
}

static JsonNode *
naive_echo (JsonArray *args)
{
  return json_node_copy (json_array_get_element (args, 0));
}

static void
dispatch_setup (Dispatch   *d,
                const char *message)
{
  d->text = g_strconcat (TOKEN, message, NULL);
  d->length = strlen (d->text);
  d->registry = _atrium_registry_new ();
  _atrium_registry_bind (d->registry, "echo", echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  d->naive_table = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (d->naive_table, (gpointer) "echo", (gpointer) naive_echo);
}

static void
dispatch_teardown (Dispatch *d)
{
  g_free (d->text);
  g_object_unref (d->registry);
  g_hash_table_unref (d->naive_table);
}

/* The bridge's path: _atrium_call_message_decode() (token, size, depth, shape),
 * the registry lookup, an AtriumCall from the pool, the method, the result
 * written into a pooled buffer, the call released. With the default main
 * context owned here the call finishes in place, as a main-thread method's
 * does; the bridge-less call skips only the WebKit reply. */
static void
dispatch_optimized (gpointer data,
                    guint64  n)
{
  Dispatch *d = data;

  for (guint64 i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *message;
      const char *name;
      AtriumMethod *method;
      AtriumCall *call;

      message = _atrium_call_message_decode (d->text, d->length, TOKEN, ATRIUM_DEFAULT_MAX_MESSAGE_SIZE,
                                       ATRIUM_JSON_DEFAULT_MAX_DEPTH, &error);
      g_assert (message != NULL);
      name = json_array_get_string_element (json_node_get_array (message), 0);
      method = _atrium_registry_lookup (d->registry, name);
      g_assert (method != NULL);
      call = _atrium_call_new (method, message, NULL, NULL, NULL);
      method->func (atrium_call_ref (call), method->user_data);
      g_assert (_atrium_call_is_finished (call));
      json_sink += call->result != NULL ? call->result->len : 0;
      atrium_call_unref (call);
      _atrium_method_unref (method);
    }
}

/* The same steps the obvious way: json-glib in and out, a hash table. */
static void
dispatch_naive (gpointer data,
                guint64  n)
{
  Dispatch *d = data;

  for (guint64 i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonParser *parser;
      JsonGenerator *generator;
      JsonArray *array;
      JsonNode *root, *result;
      NaiveFunc func;
      char *out;
      gsize length;

      g_assert (strncmp (d->text, TOKEN, strlen (TOKEN)) == 0);
      parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, d->text + strlen (TOKEN),
                                       d->length - strlen (TOKEN), &error))
        g_error ("naive parse: %s", error->message);
      root = json_parser_get_root (parser);
      g_assert (JSON_NODE_HOLDS_ARRAY (root));
      array = json_node_get_array (root);
      func = g_hash_table_lookup (d->naive_table, json_array_get_string_element (array, 0));
      g_assert (func != NULL);
      result = func (json_array_get_array_element (array, 1));

      generator = json_generator_new ();
      json_generator_set_root (generator, result);
      out = json_generator_to_data (generator, &length);
      json_sink += length;

      g_free (out);
      g_object_unref (generator);
      json_node_unref (result);
      g_object_unref (parser);
    }
}

static int
dispatch_only (const char *mode,
               const char *count)
{
  Dispatch d;
  guint64 n = g_ascii_strtoull (count, NULL, 10);

  dispatch_setup (&d, small_message);
  if (g_str_equal (mode, "optimized"))
    dispatch_optimized (&d, n);
  else if (g_str_equal (mode, "naive"))
    dispatch_naive (&d, n);
  else
    {
      fprintf (stderr, "bench-native: --dispatch-only optimized|naive N\n");
      return 2;
    }
  dispatch_teardown (&d);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *large_message = NULL;
  g_autofree char *small_name = NULL;
  JsonCase small, large;
  Dispatch dispatch_small, dispatch_large;
  gint64 start = now_ns ();

  /* Main-thread methods finish in place when the default context is ours. */
  g_main_context_acquire (NULL);

  if (argc == 4 && g_str_equal (argv[1], "--dispatch-only"))
    return dispatch_only (argv[2], argv[3]);
  bench_results_init ("native", &argc, argv, DEFAULT_ROUNDS, QUICK_ROUNDS);
  if (argc != 1)
    {
      fprintf (stderr, "usage: bench-native [--json FILE] [--rounds N] [--quick]\n"
                       "       bench-native --dispatch-only optimized|naive N\n");
      return 2;
    }
  rounds = bench_results_rounds ();

  printf ("# bench-native: optimized paths against their naive twins, %u interleaved rounds,\n"
          "# medians; speedup = baseline / optimized (above 1 means the optimization pays)\n",
          rounds);

  print_header ("Call ids: atomic fetch_add vs GMutex counter (wall ns per id, all threads)");
  for (guint t = 1; t <= 4; t++)
    {
      g_autofree char *name = g_strdup_printf ("%u thread%s", t, t > 1 ? "s" : "");
      Case c = { "ids", name, "ns/op", ids_mutex, ids_atomic, GUINT_TO_POINTER (t), t, 1000000 };

      run_case (&c);
    }

  small = (JsonCase) { small_message, strlen (small_message), NULL };
  large_message = make_large_message (100 * 1024);
  large = (JsonCase) { large_message, strlen (large_message), NULL };
  small.node = _atrium_json_parse (small.text, small.length, 512, NULL);
  large.node = _atrium_json_parse (large.text, large.length, 512, NULL);
  g_assert (small.node != NULL && large.node != NULL);

  print_header ("JSON decode+encode: ours vs JsonParser + JsonGenerator");
  small_name = g_strdup_printf ("small call message (%zu B)", small.length);
  run_case (&(Case) { "json", small_name, "ns/op", json_naive, json_ours,
                      &small, 1 });
  run_case (&(Case) { "json", "100 KiB call message", "us/op", json_naive, json_ours,
                      &large, 1 });

  print_header ("JSON encode only: pooled buffer vs fresh g_string_new (removed from the library)");
  buffer_pool = _atrium_pool_new (64, buffer_new, buffer_reset, buffer_free, NULL);
  run_case (&(Case) { "json-pooling", "small result", "ns/op", write_fresh, write_pooled,
                      &small, 1 });
  run_case (&(Case) { "json-pooling", "100 KiB result", "us/op", write_fresh, write_pooled,
                      &large, 1 });

  call_pool = _atrium_pool_new (1024, call_struct_new, NULL, g_free, NULL);
  print_header ("Call structs: AtriumPool take/give vs g_new0/g_free (wall ns per pair)");
  run_case (&(Case) { "call-struct", "1 thread", "ns/op", structs_malloc, structs_pooled,
                      GUINT_TO_POINTER (1), 1, 100000 });
  run_case (&(Case) { "call-struct", "4 threads", "ns/op", structs_malloc, structs_pooled,
                      GUINT_TO_POINTER (4), 4, 500000 });

  dispatch_setup (&dispatch_small, small_message);
  dispatch_setup (&dispatch_large, large_message);
  print_header ("Native dispatch: decode, lookup, call echo, encode (no WebKit)");
  run_case (&(Case) { "dispatch", "small call message", "ns/call", dispatch_naive,
                      dispatch_optimized, &dispatch_small, 1 });
  run_case (&(Case) { "dispatch", "100 KiB call message", "us/call", dispatch_naive,
                      dispatch_optimized, &dispatch_large, 1 });

  printf ("\n# total %.1f s\n", (now_ns () - start) / 1e9);

  dispatch_teardown (&dispatch_small);
  dispatch_teardown (&dispatch_large);
  _atrium_pool_free (call_pool);
  _atrium_pool_free (buffer_pool);
  json_node_unref (small.node);
  json_node_unref (large.node);
  bench_results_finish ();
  g_main_context_release (NULL);

  return 0;
}

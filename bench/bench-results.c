#include "config.h"

#include "bench-results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

static char *bench_name;
static char *json_path;
static guint rounds;
static gboolean quick;
static JsonBuilder *builder;
static GMutex lock;

static void
usage_error (const char *message)
{
  fprintf (stderr, "bench-%s: %s\n", bench_name, message);
  exit (2);
}

/* Takes --json FILE, --rounds N and --quick out of @argv and leaves the
 * benchmark's own arguments. */
void
bench_results_init (const char  *bench,
                    int         *argc,
                    char       **argv,
                    guint        default_rounds,
                    guint        quick_rounds)
{
  const char *env = g_getenv ("ATRIUM_BENCH_ROUNDS");
  int kept = 1;

  bench_name = g_strdup (bench);
  rounds = default_rounds;
  if (env != NULL && atoi (env) > 0)
    rounds = atoi (env);

  for (int i = 1; i < *argc; i++)
    {
      if (g_str_equal (argv[i], "--json"))
        {
          if (i + 1 >= *argc)
            usage_error ("--json needs a file name");
          json_path = g_strdup (argv[++i]);
        }
      else if (g_str_equal (argv[i], "--rounds"))
        {
          guint64 n;

          if (i + 1 >= *argc || !g_ascii_string_to_unsigned (argv[i + 1], 10, 1, 1000, &n, NULL))
            usage_error ("--rounds needs a number from 1 to 1000");
          rounds = n;
          i++;
        }
      else if (g_str_equal (argv[i], "--quick"))
        quick = TRUE;
      else
        argv[kept++] = argv[i];
    }
  argv[kept] = NULL;
  *argc = kept;
  if (quick && env == NULL)
    rounds = MIN (rounds, quick_rounds);

  builder = json_builder_new ();
  json_builder_begin_array (builder);
}

guint
bench_results_rounds (void)
{
  return rounds;
}

gboolean
bench_results_quick (void)
{
  return quick;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The @q quantile of @values, interpolated; @values is left as it was. */
double
bench_quantile (const double *values,
                guint         n,
                double        q)
{
  g_autofree double *sorted = g_memdup2 (values, n * sizeof *values);
  double pos;
  guint i;

  qsort (sorted, n, sizeof *sorted, compare_doubles);
  pos = q * (n - 1);
  i = (guint) pos;
  return i + 1 < n ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

double
bench_median (const double *values,
              guint         n)
{
  return bench_quantile (values, n, 0.5);
}

/* JSON has no NaN or infinity: a ratio against zero is written as null. */
static void
add_number (const char *member,
            double      value)
{
  json_builder_set_member_name (builder, member);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_pair (const char *member,
          double      a,
          double      b)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  json_builder_add_double_value (builder, isfinite (a) ? a : 0);
  json_builder_add_double_value (builder, isfinite (b) ? b : 0);
  json_builder_end_array (builder);
}

/* Records one comparison from @n paired rounds: @baseline[i] and
 * @optimized[i] were measured in the same round. */
void
bench_results_add (const char   *category,
                   const char   *name,
                   const char   *kind,
                   const char   *baseline_label,
                   const char   *optimized_label,
                   const char   *unit,
                   const double *baseline,
                   const double *optimized,
                   guint         n)
{
  g_autofree double *ratios = g_new (double, n);
  double base, opt;

  g_assert (builder != NULL && n > 0);

  for (guint i = 0; i < n; i++)
    ratios[i] = baseline[i] > 0 ? optimized[i] / baseline[i] : NAN;
  base = bench_median (baseline, n);
  opt = bench_median (optimized, n);

  g_mutex_lock (&lock);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, category);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, kind);
  json_builder_set_member_name (builder, "baseline_label");
  json_builder_add_string_value (builder, baseline_label);
  json_builder_set_member_name (builder, "optimized_label");
  json_builder_add_string_value (builder, optimized_label);
  add_number ("baseline", base);
  add_number ("optimized", opt);
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, unit);
  add_number ("ratio", base > 0 ? opt / base : NAN);
  add_pair ("spread", bench_quantile (ratios, n, 0), bench_quantile (ratios, n, 1));
  add_pair ("iqr", bench_quantile (ratios, n, 0.25), bench_quantile (ratios, n, 0.75));
  json_builder_set_member_name (builder, "rounds");
  json_builder_add_int_value (builder, n);
  json_builder_end_object (builder);
  g_mutex_unlock (&lock);
}

/* Records one measurement per side (a count, a peak): rounds is 1. */
void
bench_results_add_one (const char *category,
                       const char *name,
                       const char *kind,
                       const char *baseline_label,
                       const char *optimized_label,
                       const char *unit,
                       double      baseline,
                       double      optimized)
{
  bench_results_add (category, name, kind, baseline_label, optimized_label, unit, &baseline,
                     &optimized, 1);
}

/* Every benchmark ends with the same table: ratio and spread per result. */
static void
print_summary (JsonArray *results)
{
  guint n = json_array_get_length (results);

  if (n == 0)
    return;
  printf ("\n# bench-%s: ratio = optimized / baseline of the medians (below 1: the optimized "
          "side wins);\n# spread = min-max of the per-round ratios\n", bench_name);
  printf ("%-68s %-12s %8s  %s\n", "result", "kind", "ratio", "spread");
  for (guint i = 0; i < n; i++)
    {
      JsonObject *r = json_array_get_object_element (results, i);
      JsonArray *spread = json_object_get_array_member (r, "spread");
      JsonNode *ratio = json_object_get_member (r, "ratio");
      g_autofree char *name = g_strdup_printf ("%s: %s",
                                               json_object_get_string_member (r, "category"),
                                               json_object_get_string_member (r, "name"));

      printf ("%-68s %-12s %8.3f  ", name, json_object_get_string_member (r, "kind"),
              JSON_NODE_HOLDS_NULL (ratio) ? NAN : json_node_get_double (ratio));
      if (json_object_get_int_member (r, "rounds") > 1)
        printf ("%.3f-%.3f\n", json_array_get_double_element (spread, 0),
                json_array_get_double_element (spread, 1));
      else
        printf ("(one round)\n");
    }
  fflush (stdout);
}

/* Writes the file if --json asked for one; a file that cannot be written
 * ends the benchmark with an error. */
void
bench_results_finish (void)
{
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  if (builder == NULL)
    return;
  json_builder_end_array (builder);
  root = json_node_new (JSON_NODE_OBJECT);
  object = json_object_new ();
  json_object_set_string_member (object, "bench", bench_name);
  json_object_set_boolean_member (object, "quick", quick);
  json_object_set_member (object, "results", json_builder_get_root (builder));
  print_summary (json_object_get_array_member (object, "results"));
  json_node_take_object (root, object);
  g_clear_object (&builder);

  if (json_path != NULL)
    {
      generator = json_generator_new ();
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      if (!json_generator_to_file (generator, json_path, &error))
        {
          fprintf (stderr, "bench-%s: cannot write %s: %s\n", bench_name, json_path,
                 error->message);
          exit (1);
        }
    }
  g_clear_pointer (&json_path, g_free);
  g_clear_pointer (&bench_name, g_free);
}

/* One unmeasured round of each side (the JIT, caches and connections warm
 * up), then @n_rounds measured ones; the side that goes first rotates, so
 * drift in the machine favours none. @times[side][round] gets the times. */
void
bench_alternate_sides (guint           n_rounds,
                       guint           n_sides,
                       BenchSideFunc   round,
                       gpointer        user_data,
                       double        **times)
{
  for (guint side = 0; side < n_sides; side++)
    round (side, user_data);
  for (guint r = 0; r < n_rounds; r++)
    for (guint i = 0; i < n_sides; i++)
      {
        guint side = (r + i) % n_sides;

        times[side][r] = round (side, user_data);
      }
}

typedef struct
{
  BenchRoundFunc round;
  gpointer       user_data;
} TwoSides;

static double
two_sides_cb (guint    side,
              gpointer user_data)
{
  TwoSides *two = user_data;

  return two->round (side == 1, two->user_data);
}

/* bench_alternate_sides() for a baseline and an optimized side: they swap
 * places every round. */
void
bench_alternate (guint           n_rounds,
                 BenchRoundFunc  round,
                 gpointer        user_data,
                 double         *baseline,
                 double         *optimized)
{
  double *times[] = { baseline, optimized };

  bench_alternate_sides (n_rounds, 2, two_sides_cb, &(TwoSides) { round, user_data }, times);
}

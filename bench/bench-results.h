#pragma once

/* One schema for every benchmark's machine-readable results, and the
 * options every benchmark takes:
 *
 *   --json FILE   write the results to FILE (a JSON object, see below)
 *   --rounds N    interleaved rounds per comparison
 *   --quick       the benchmark's own small round count (for CI)
 *
 * ATRIUM_BENCH_ROUNDS=N does what --rounds does. The file holds
 *
 *   {"bench": "call", "quick": false, "results": [
 *     {"category": "e2e", "name": "...", "kind": "floor",
 *      "baseline_label": "...", "optimized_label": "...",
 *      "baseline": 0.31, "optimized": 0.35, "unit": "ms/call",
 *      "ratio": 1.12, "spread": [1.05, 1.20], "iqr": [1.09, 1.14], "rounds": 11}, ...]}
 *
 * Every unit is lower-is-better (time, bytes, allocations), and ratio is
 * optimized / baseline of the medians: below 1 the optimized side wins.
 * spread is the min–max and iqr the interquartile range of the per-round
 * ratios (each round measures both sides, interleaved). kind says how the
 * report reads a row: "optimization" (an optimized path against its naive
 * twin: counts towards the category's gain), "floor" (Atrium against raw
 * WebKitGTK: the overhead, never a gain) or "info" (a sweep or a figure
 * shown for context). */

#include <glib.h>

G_BEGIN_DECLS

#define BENCH_KIND_OPTIMIZATION "optimization"
#define BENCH_KIND_FLOOR        "floor"
#define BENCH_KIND_INFO         "info"

void      bench_results_init     (const char   *bench,
                                  int          *argc,
                                  char        **argv,
                                  guint         default_rounds,
                                  guint         quick_rounds);
guint     bench_results_rounds   (void);
gboolean  bench_results_quick    (void);
void      bench_results_add      (const char   *category,
                                  const char   *name,
                                  const char   *kind,
                                  const char   *baseline_label,
                                  const char   *optimized_label,
                                  const char   *unit,
                                  const double *baseline,
                                  const double *optimized,
                                  guint         n);
void      bench_results_add_one  (const char   *category,
                                  const char   *name,
                                  const char   *kind,
                                  const char   *baseline_label,
                                  const char   *optimized_label,
                                  const char   *unit,
                                  double        baseline,
                                  double        optimized);
void      bench_results_finish   (void);

double    bench_quantile         (const double   *values,
                                  guint           n,
                                  double          q);
double    bench_median           (const double   *values,
                                  guint           n);

/* One round of a comparison, timed: the baseline side when @optimized is
 * FALSE. */
typedef double (*BenchRoundFunc) (gboolean optimized,
                                  gpointer user_data);

void      bench_alternate        (guint           n_rounds,
                                  BenchRoundFunc  round,
                                  gpointer        user_data,
                                  double         *baseline,
                                  double         *optimized);

/* One round of side @side of an n-way comparison, timed. */
typedef double (*BenchSideFunc)  (guint    side,
                                  gpointer user_data);

void      bench_alternate_sides  (guint           n_rounds,
                                  guint           n_sides,
                                  BenchSideFunc   round,
                                  gpointer        user_data,
                                  double        **times);

G_END_DECLS

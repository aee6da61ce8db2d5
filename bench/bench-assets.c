#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include <atrium.h>

#include "atrium-app-private.h"
#include "atrium-sniffer-private.h"
#include "bench-common.h"
#include "bench-results.h"

/* The asset server against naive baselines, same process, same run:
 *
 * 1. MIME cache hits under contention: the real cache (GRWLock) against the
 *    same table behind a GMutex, 1–4 threads.
 * 2. Sniffing: the pooled sniffer against one that allocates its buffer
 *    every time (ns per sniff, and every malloc in the process counted).
 * 3. End to end in WebKit: fetch() of app:// files against a raw scheme
 *    handler of our own (g_file_read, no Atrium code), 600 sequential 1 KiB
 *    files and 16 MiB files; and 16 MiB over the loopback route.
 *
 * Medians of repeated rounds; rounds alternate which side goes first. Name
 * parts on the command line (mime, sniff, webkit) to run only those.
 *
 *   bench-assets [--json FILE] [--rounds N] [--quick] [mime] [sniff] [webkit] */

static guint rounds = 7;

/* 1. MIME cache */

/* The baseline: the same lookup over the same kind of table, behind a
 * GMutex, so readers serialise. */
typedef struct
{
  GMutex      lock;
  GHashTable *types;
} MutexCache;

static const char *
mutex_cache_lookup (MutexCache *cache,
                    const char *path)
{
  char extension[17];
  const char *dot = strrchr (path, '.');
  const char *type;
  gsize length;

  if (dot == NULL || (length = strlen (dot + 1)) == 0 || length > 16)
    return NULL;
  for (gsize i = 0; i <= length; i++)
    extension[i] = g_ascii_tolower (dot[1 + i]);

  g_mutex_lock (&cache->lock);
  type = g_hash_table_lookup (cache->types, extension);
  g_mutex_unlock (&cache->lock);
  return type;
}

static const char * const names[] = {
  "index.html", "assets/app.4f3a.js", "assets/style.css", "img/logo.svg", "fonts/inter.woff2",
  "data/config.json", "media/clip.webm", "vendor.mjs", "photo.JPG", "module.wasm",
};

#define LOOKUPS_PER_THREAD 2000000

typedef struct
{
  AtriumMimeCache *cache;
  MutexCache      *mutex_cache;
  GMutex           start_lock;
  GCond            start_cond;
  gboolean         go;
} MimeBench;

static gpointer
mime_thread (gpointer data)
{
  MimeBench *b = data;
  gsize found = 0;

  g_mutex_lock (&b->start_lock);
  while (!b->go)
    g_cond_wait (&b->start_cond, &b->start_lock);
  g_mutex_unlock (&b->start_lock);

  for (guint i = 0; i < LOOKUPS_PER_THREAD; i++)
    {
      const char *name = names[i % G_N_ELEMENTS (names)];

      found += (b->cache != NULL ? atrium_mime_cache_lookup (b->cache, name)
                                 : mutex_cache_lookup (b->mutex_cache, name)) != NULL;
    }
  return GSIZE_TO_POINTER (found);
}

/* Nanoseconds per lookup, wall time over all threads' lookups. */
static double
mime_round (AtriumMimeCache *cache,
            MutexCache      *mutex_cache,
            guint            n_threads)
{
  MimeBench b = { cache, mutex_cache };
  GThread *threads[8];
  gint64 t0;

  g_mutex_init (&b.start_lock);
  g_cond_init (&b.start_cond);
  for (guint i = 0; i < n_threads; i++)
    threads[i] = g_thread_new ("mime", mime_thread, &b);

  t0 = g_get_monotonic_time ();
  g_mutex_lock (&b.start_lock);
  b.go = TRUE;
  g_cond_broadcast (&b.start_cond);
  g_mutex_unlock (&b.start_lock);
  for (guint i = 0; i < n_threads; i++)
    g_assert (GPOINTER_TO_SIZE (g_thread_join (threads[i])) == LOOKUPS_PER_THREAD);

  g_mutex_clear (&b.start_lock);
  g_cond_clear (&b.start_cond);
  return (g_get_monotonic_time () - t0) * 1000.0 / ((double) LOOKUPS_PER_THREAD * n_threads);
}

static void
bench_mime (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();
  MutexCache mutex_cache;

  g_mutex_init (&mutex_cache.lock);
  mutex_cache.types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *ext = strrchr (names[i], '.') + 1;

      g_hash_table_insert (mutex_cache.types, g_ascii_strdown (ext, -1),
                           (gpointer) atrium_mime_cache_lookup (cache, names[i]));
    }

  printf ("# MIME cache hit, ns per lookup (%u lookups per thread), median of %u\n",
          LOOKUPS_PER_THREAD, rounds);
  printf ("%-10s %12s %12s %10s\n", "threads", "GMutex", "GRWLock", "rw/mutex");
  for (guint n = 1; n <= 4; n++)
    {
      g_autofree double *mutex_ns = g_new (double, rounds);
      g_autofree double *rw_ns = g_new (double, rounds);
      double m, r;

      for (guint i = 0; i < rounds; i++)
        {
          if (i % 2 == 0)
            {
              mutex_ns[i] = mime_round (NULL, &mutex_cache, n);
              rw_ns[i] = mime_round (cache, NULL, n);
            }
          else
            {
              rw_ns[i] = mime_round (cache, NULL, n);
              mutex_ns[i] = mime_round (NULL, &mutex_cache, n);
            }
        }
      m = bench_median (mutex_ns, rounds);
      r = bench_median (rw_ns, rounds);
      printf ("%-10u %12.1f %12.1f %9.2fx\n", n, m, r, r / m);
      {
        g_autofree char *name = g_strdup_printf ("MIME cache hit, %u thread%s", n,
                                                 n > 1 ? "s" : "");

        bench_results_add ("assets", name, BENCH_KIND_OPTIMIZATION, "GMutex table",
                           "GRWLock cache", "ns/lookup", mutex_ns, rw_ns, rounds);
      }
      fflush (stdout);
    }

  g_hash_table_unref (mutex_cache.types);
  g_mutex_clear (&mutex_cache.lock);
}

/* 2. Sniffer */

#define SNIFFS 200000

/* Every allocation in the process, counted: these definitions interpose
 * glibc's for the whole program, GLib included, and pass straight on. */
extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *p, size_t size);

static gint allocations;

void *malloc (size_t size);
void *calloc (size_t n, size_t size);
void *realloc (void *p, size_t size);

void *
malloc (size_t size)
{
  g_atomic_int_inc (&allocations);
  return __libc_malloc (size);
}

void *
calloc (size_t n,
        size_t size)
{
  g_atomic_int_inc (&allocations);
  return __libc_calloc (n, size);
}

void *
realloc (void   *p,
         size_t  size)
{
  g_atomic_int_inc (&allocations);
  return __libc_realloc (p, size);
}

static double
sniff_round (AtriumSniffer *sniffer,
             GInputStream  *stream,
             double        *allocs_per_sniff)
{
  gint before = g_atomic_int_get (&allocations);
  gint64 t0 = g_get_monotonic_time ();
  double ns;

  for (guint i = 0; i < SNIFFS; i++)
    if (_atrium_sniffer_sniff_stream (sniffer, stream, NULL, NULL) == NULL)
      g_error ("sniff failed");
  ns = (g_get_monotonic_time () - t0) * 1000.0 / SNIFFS;
  *allocs_per_sniff = (g_atomic_int_get (&allocations) - before) / (double) SNIFFS;
  return ns;
}

static void
bench_sniff (void)
{
  g_autoptr(AtriumSniffer) pooled = _atrium_sniffer_new (TRUE);
  g_autoptr(AtriumSniffer) fresh = _atrium_sniffer_new (FALSE);
  static const char text[] = "<!DOCTYPE html><html><head><title>t</title></head><body>x</body>";
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (text, sizeof text - 1,
                                                                         NULL);
  g_autofree double *pooled_ns = g_new (double, rounds);
  g_autofree double *fresh_ns = g_new (double, rounds);
  AtriumPoolStats stats;
  double p, f;

  double pooled_allocs = 0, fresh_allocs = 0;

  /* Warm-up: the pool makes its one buffer here. */
  sniff_round (pooled, stream, &pooled_allocs);

  for (guint i = 0; i < rounds; i++)
    {
      if (i % 2 == 0)
        {
          fresh_ns[i] = sniff_round (fresh, stream, &fresh_allocs);
          pooled_ns[i] = sniff_round (pooled, stream, &pooled_allocs);
        }
      else
        {
          pooled_ns[i] = sniff_round (pooled, stream, &pooled_allocs);
          fresh_ns[i] = sniff_round (fresh, stream, &fresh_allocs);
        }
    }
  p = bench_median (pooled_ns, rounds);
  f = bench_median (fresh_ns, rounds);
  _atrium_sniffer_get_stats (pooled, &stats);

  printf ("\n# Sniff from a stream (%u sniffs per round), median of %u\n", SNIFFS, rounds);
  printf ("%-10s %12s %16s %16s\n", "", "ns/sniff", "mallocs/sniff", "buffers made");
  printf ("%-10s %12.1f %16.3f %16" G_GUINT64_FORMAT "\n", "fresh", f, fresh_allocs,
          (guint64) SNIFFS * rounds);
  printf ("%-10s %12.1f %16.3f %16" G_GUINT64_FORMAT "\n", "pooled", p, pooled_allocs,
          stats.misses);
  printf ("pooled/fresh %.2fx time\n", p / f);
  bench_results_add ("assets", "sniff a stream", BENCH_KIND_OPTIMIZATION, "fresh buffer",
                     "pooled buffer", "ns/sniff", fresh_ns, pooled_ns, rounds);
  bench_results_add_one ("memory", "sniffer mallocs per sniff", BENCH_KIND_OPTIMIZATION,
                         "fresh buffer", "pooled buffer", "allocs/sniff", fresh_allocs,
                         pooled_allocs);
  fflush (stdout);
}

/* 3. End to end */

static const char page[] =
  "<!DOCTYPE html><html><head><meta charset=utf-8><title>bench-assets</title><script>"
  "window.fetchSeq = async (url, n) => {"
  "  const t0 = performance.now(); let bytes = 0;"
  "  for (let i = 0; i < n; i++) {"
  "    const r = await fetch(url, {cache: 'no-store'});"
  "    if (!r.ok) throw new Error(url + ': ' + r.status);"
  "    bytes += (await r.arrayBuffer()).byteLength;"
  "  }"
  "  return [performance.now() - t0, bytes];"
  "};"
  "</script></head><body>bench</body></html>";

static char *root;

static void
raw_request_cb (WebKitURISchemeRequest *request,
                gpointer                user_data)
{
  g_autofree char *path = g_build_filename (root, webkit_uri_scheme_request_get_path (request),
                                            NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, &error);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(WebKitURISchemeResponse) response = NULL;
  SoupMessageHeaders *headers;

  if (stream == NULL)
    {
      webkit_uri_scheme_request_finish_error (request, error);
      return;
    }
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);
  response = webkit_uri_scheme_response_new (G_INPUT_STREAM (stream), g_file_info_get_size (info));
  webkit_uri_scheme_response_set_content_type (response, "application/octet-stream");
  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  webkit_uri_scheme_response_set_http_headers (response, headers);
  webkit_uri_scheme_request_finish_with_response (request, response);
}

typedef struct
{
  gboolean  done;
  JSCValue *value;
  GError   *error;
} Wait;

static void
js_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *w = user_data;

  w->value = webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object),
                                                                    result, &w->error);
  w->done = TRUE;
}

/* Milliseconds for @n sequential fetches of @url. */
static double
fetch_round (WebKitWebView *web_view,
             const char    *url,
             guint          n,
             gsize          expected_bytes)
{
  g_autofree char *body = g_strdup_printf ("return await window.fetchSeq('%s', %u);", url, n);
  g_autoptr(JSCValue) ms = NULL;
  g_autoptr(JSCValue) bytes = NULL;
  Wait w = { FALSE, NULL, NULL };
  double result;

  webkit_web_view_call_async_javascript_function (web_view, body, -1, NULL, NULL, NULL, NULL,
                                                  js_done_cb, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  if (w.error != NULL)
    g_error ("bench-assets: %s: %s", url, w.error->message);

  ms = jsc_value_object_get_property_at_index (w.value, 0);
  bytes = jsc_value_object_get_property_at_index (w.value, 1);
  if ((gsize) jsc_value_to_double (bytes) != expected_bytes * n)
    g_error ("bench-assets: %s: %g bytes, expected %" G_GSIZE_FORMAT, url,
             jsc_value_to_double (bytes), expected_bytes * n);
  result = jsc_value_to_double (ms);
  g_object_unref (w.value);
  return result;
}

typedef struct
{
  const char *name;
  const char *file;
  gsize       size;
  guint       n;
} Scenario;

typedef struct
{
  WebKitWebView  *web_view;
  const Scenario *scenario;
  const char     *url_a;
  const char     *url_b;
} FetchPair;

static double
fetch_alternate_cb (gboolean b,
                    gpointer user_data)
{
  FetchPair *pair = user_data;

  return fetch_round (pair->web_view, b ? pair->url_b : pair->url_a,
                      pair->scenario->n, pair->scenario->size);
}

static void
compare (WebKitWebView  *web_view,
         const Scenario *s,
         const char     *category,
         const char     *kind,
         const char     *label_a,
         const char     *label_b,
         const char     *label,
         const char     *url_a,     /* the baseline */
         const char     *url_b)
{
  g_autofree double *a_ms = g_new (double, rounds);
  g_autofree double *b_ms = g_new (double, rounds);
  double a, b, mb = (double) s->size * s->n / (1024.0 * 1024.0);

  bench_alternate (rounds, fetch_alternate_cb, &(FetchPair) { web_view, s, url_a, url_b },
                   a_ms, b_ms);
  a = bench_median (a_ms, rounds);
  b = bench_median (b_ms, rounds);
  printf ("%-26s %-18s %10.1f %10.1f %8.3fx %9.1f %9.1f\n", s->name, label, a, b, b / a,
          mb / (a / 1000.0), mb / (b / 1000.0));
  fflush (stdout);
  {
    g_autofree char *name = g_strdup_printf ("fetch %s, %s", s->name, label);

    bench_results_add (category, name, kind, label_a, label_b, "ms/round", a_ms, b_ms, rounds);
  }
}

static void
write_file (const char *name,
            gsize       size)
{
  g_autofree char *path = g_build_filename (root, name, NULL);
  g_autofree char *data = g_malloc (size);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (char) (i * 131 + (i >> 10));
  if (!g_file_set_contents (path, data, size, &error))
    g_error ("bench-assets: %s", error->message);
}

static void
remove_root (void)
{
  static const char * const files[] = { "index.html", "small.bin", "big.bin" };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (root, files[i], NULL);

      g_remove (path);
    }
  g_rmdir (root);
}

static int
bench_webkit (void)
{
  static const Scenario small = { "600 x 1 KiB sequential", "small.bin", 1024, 600 };
  static const Scenario big = { "16 MiB", "big.bin", 16 * 1024 * 1024, 2 };
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *index = NULL;
  g_autofree char *loopback_big = NULL;
  WebKitWebContext *context;
  WebKitWebView *web_view;
  AtriumWindow *window;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-assets: no display for the WebKit part; run it under xvfb-run\n");
      return 77;
    }

  root = g_dir_make_tmp ("atrium-bench-assets-XXXXXX", &error);
  if (root == NULL)
    g_error ("bench-assets: %s", error->message);
  index = g_build_filename (root, "index.html", NULL);
  g_file_set_contents (index, page, -1, NULL);
  write_file (small.file, small.size);
  write_file (big.file, big.size);

  assets = atrium_assets_new_for_directory (root, &error);
  app = atrium_app_new ("dev.atrium.BenchAssets", G_APPLICATION_NON_UNIQUE);
  atrium_app_set_assets (app, assets);
  /* The default policy, plus the raw scheme and any loopback port for the
   * comparisons. */
  atrium_app_set_content_security_policy (app,
    "default-src 'self' app://localhost raw: http://127.0.0.1:*; "
    "script-src 'self' app://localhost 'unsafe-inline'");
  g_application_register (G_APPLICATION (app), NULL, NULL);

  context = atrium_app_get_web_context (app);
  webkit_web_context_register_uri_scheme (context, "raw", raw_request_cb, NULL, NULL);
  webkit_security_manager_register_uri_scheme_as_secure (
    webkit_web_context_get_security_manager (context), "raw");
  webkit_security_manager_register_uri_scheme_as_cors_enabled (
    webkit_web_context_get_security_manager (context), "raw");

  window = atrium_window_new (app);
  web_view = atrium_window_get_web_view (window);
  bench_open_page (window, "/");

  printf ("\n# fetch() end to end in WebKit, ms per round (median of %u), ratio, MB/s\n", rounds);
  printf ("%-26s %-18s %10s %10s %9s %9s %9s\n", "scenario", "A vs B", "A ms", "B ms", "B/A",
          "A MB/s", "B MB/s");
  compare (web_view, &small, "e2e", BENCH_KIND_FLOOR, "raw scheme handler", "app://",
           "raw vs app://", "raw://localhost/small.bin", "/small.bin");
  compare (web_view, &big, "e2e", BENCH_KIND_FLOOR, "raw scheme handler", "app://",
           "raw vs app://", "raw://localhost/big.bin", "/big.bin");

  if (_atrium_app_get_media_server (app) != NULL)
    {
      AtriumMediaServer *media = _atrium_app_get_media_server (app);

      loopback_big = g_strconcat (_atrium_media_server_get_base (media), "/big.bin", NULL);
      compare (web_view, &big, "e2e", BENCH_KIND_INFO, "raw scheme handler", "loopback route",
               "raw vs loopback", "raw://localhost/big.bin", loopback_big);
      compare (web_view, &big, "assets", BENCH_KIND_OPTIMIZATION, "app://", "loopback route",
               "app:// vs loopback", "/big.bin", loopback_big);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  remove_root ();
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  int status = 0;

  bench_results_init ("assets", &argc, argv, rounds, 3);
  rounds = bench_results_rounds ();

  /* Parts may be named on the command line: mime, sniff, webkit. */
  if (argc < 2 || g_strv_contains ((const char * const *) argv + 1, "mime"))
    bench_mime ();
  if (argc < 2 || g_strv_contains ((const char * const *) argv + 1, "sniff"))
    bench_sniff ();
  if (argc < 2 || g_strv_contains ((const char * const *) argv + 1, "webkit"))
    status = bench_webkit ();
  bench_results_finish ();
  return status;
}

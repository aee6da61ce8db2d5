#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "atrium-app-private.h"
#include "atrium-media-server-private.h"
#include "bench-common.h"
#include "bench-results.h"
#include "demo-services.h"

/* Streams from C to the page (atrium_call_return_stream()), read by the
 * page through r.body.getReader(), in the same page and rounds
 * alternating with a baseline:
 *
 * - memory: 256 MiB, the UI process's peak resident growth while the page
 *   reads it (VmHWM after resetting it through /proc/self/clear_refs),
 *   against a 256 MiB file fetched from app://, which WebKit's custom
 *   scheme API reads with no flow control;
 * - throughput: 1 GiB of demo.stream (made as it is read, in 64 KiB
 *   pieces; through the web process extension the page pulls it in 1 MiB
 *   pieces, atrium-pull-streams.c, else it comes over the loopback route)
 *   against the same size served by the loopback route from a file with
 *   sendfile(), the fastest WebKit's network stack takes it: the floor;
 * - for context, the route alone: 1 GiB of demo.stream read by a plain
 *   socket client on a thread of this process, no WebKit, against the
 *   same client reading the file: what the route itself can give.
 *
 *   bench-stream [--json FILE] [--rounds N] [--quick] */

#define MiB (1024 * 1024)
#define MEMORY_SIZE (256 * MiB)
#define THROUGHPUT_SIZE (G_GINT64_CONSTANT (1024) * MiB)

/* read(source, n): fetches the stream (or URL), reads it whole through the
 * reader, checks its length and the first byte of every piece, and returns
 * the elapsed ms. */
static const char page_js[] =
  "if (!window.benchStream) {"
  "  const drain = async (r, n) => { const reader = r.body.getReader(); let got = 0;"
  "    for (;;) { const { done, value } = await reader.read(); if (done) break;"
  "      if (value.length > 0 && value[0] !== (window.zeros ? 0 : got & 255))"
  "        throw new Error('wrong byte at ' + got);"
  "      got += value.length; }"
  "    if (got !== n) throw new Error('read ' + got + ' of ' + n); };"
  "  window.benchStream = {"
  "    async stream(n) { const t0 = performance.now(); window.zeros = false;"
  "      await drain(await atrium.call('demo.stream', n), n); return performance.now() - t0; },"
  "    async url(url, n) { const t0 = performance.now(); window.zeros = true;"
  "      await drain(await fetch(url, { cache: 'no-store' }), n); return performance.now() - t0; },"
  "  };"
  "}";

typedef struct
{
  WebKitWebView *web_view;
  const char    *baseline_url;
  gint64         size;
  gboolean       memory;       /* measure RSS growth, not time */
} Round;

static gsize
self_kb (const char *field)
{
  return bench_self_kb (field);
}

/* "5" in clear_refs resets the peak (VmHWM) to what is resident now.
 * Written in place: g_file_set_contents() would write a new file beside it. */
static void
reset_peak (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");

  if (f == NULL || fputs ("5", f) < 0 || fclose (f) != 0)
    g_error ("bench-stream: cannot reset the peak RSS through /proc/self/clear_refs");
}

static double
run_round (gboolean optimized,
           gpointer user_data)
{
  Round *round = user_data;
  g_autofree char *body = NULL;
  gsize before;
  double ms;

  if (optimized)
    body = g_strdup_printf ("%s return await window.benchStream.stream(%" G_GINT64_FORMAT ");",
                            page_js, round->size);
  else
    body = g_strdup_printf ("%s return await window.benchStream.url('%s', %" G_GINT64_FORMAT ");",
                            page_js, round->baseline_url, round->size);

  reset_peak ();
  before = self_kb ("VmRSS:");
  ms = bench_run_js (round->web_view, body);
  if (round->memory)
    return (self_kb ("VmHWM:") - MIN (before, self_kb ("VmHWM:"))) / 1024.0;
  return ms;
}

/* The route without WebKit: a client thread GETs @url (a stream's, with
 * the app's Origin, or a file's) and reads it to the end. */
typedef struct
{
  guint16     port;
  char       *target;
  gint64      size;
  double      ms;
  gboolean    done;
} RawRead;

static gpointer
raw_read_thread (gpointer data)
{
  RawRead *r = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  g_autofree char *buffer = g_malloc (256 * 1024);
  GInputStream *in;
  gint64 got = 0, start = g_get_monotonic_time ();
  gsize head = 0;
  gssize n;

  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", r->port, NULL, &error);
  if (connection == NULL)
    g_error ("bench-stream: %s", error->message);
  request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nOrigin: app://localhost\r\n"
                             "Connection: close\r\n\r\n", r->target, r->port);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                             strlen (request), NULL, NULL, &error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  while ((n = g_input_stream_read (in, buffer, 256 * 1024, NULL, &error)) > 0)
    {
      if (head == 0)
        {
          char *end = g_strstr_len (buffer, n, "\r\n\r\n");

          if (end == NULL)
            g_error ("bench-stream: a response head in one read");
          head = end + 4 - buffer;
          got += n - head;
        }
      else
        got += n;
    }
  if (got != r->size)
    g_error ("bench-stream: read %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, got, r->size);
  r->ms = (g_get_monotonic_time () - start) / 1000.0;
  g_atomic_int_set (&r->done, TRUE);
  return NULL;
}

typedef struct
{
  AtriumMediaServer *media;
  const char        *file_target;
} RawRound;

static double
run_raw_round (gboolean optimized,
               gpointer user_data)
{
  RawRound *round = user_data;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *url = NULL;
  RawRead r = { _atrium_media_server_get_port (round->media), NULL, THROUGHPUT_SIZE, 0, FALSE };
  GThread *thread;

  if (optimized)
    {
      stream = demo_pattern_stream_new (THROUGHPUT_SIZE);
      url = _atrium_media_server_add_stream (round->media, stream, "application/octet-stream",
                                             THROUGHPUT_SIZE, round, NULL);
      r.target = g_strdup (url + strlen (_atrium_media_server_get_origin (round->media)));
    }
  else
    r.target = g_strdup (round->file_target);
  thread = g_thread_new ("bench-raw", raw_read_thread, &r);
  g_thread_join (thread);
  g_free (r.target);
  return r.ms;
}

static char *
make_file (const char *root,
           const char *name,
           gint64      size)
{
  char *path = g_build_filename (root, name, NULL);
  int fd = g_open (path, O_CREAT | O_WRONLY | O_TRUNC, 0600);

  /* Sparse: no disk, read as zeros. */
  if (fd < 0 || ftruncate (fd, size) != 0)
    g_error ("bench-stream: cannot make %s", path);
  close (fd);
  return path;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *index = NULL;
  g_autofree char *memory_file = NULL;
  g_autofree char *throughput_file = NULL;
  g_autofree char *loopback_url = NULL;
  g_autofree char *small_url = NULL;
  g_autofree char *small_file = NULL;
  AtriumWindow *window;
  WebKitWebView *web_view;
  guint rounds;

  bench_results_init ("stream", &argc, argv, 3, 1);
  rounds = bench_results_rounds ();

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-stream: no display; run it under xvfb-run\n");
      return 77;
    }

  root = g_dir_make_tmp ("atrium-bench-stream-XXXXXX", &error);
  if (root == NULL)
    g_error ("bench-stream: %s", error->message);
  index = g_build_filename (root, "index.html", NULL);
  g_file_set_contents (index, "<!DOCTYPE html><title>bench-stream</title>", -1, NULL);
  memory_file = make_file (root, "memory.bin", MEMORY_SIZE);
  throughput_file = make_file (root, "throughput.bin", THROUGHPUT_SIZE);
  small_file = make_file (root, "small.bin", MiB);

  assets = atrium_assets_new_for_directory (root, &error);
  if (assets == NULL)
    g_error ("bench-stream: %s", error->message);

  app = atrium_app_new ("dev.atrium.BenchStream", G_APPLICATION_NON_UNIQUE);
  atrium_app_set_assets (app, assets);
  demo_services_bind (app);
  g_application_register (G_APPLICATION (app), NULL, NULL);

  window = atrium_window_new (app);
  web_view = atrium_window_get_web_view (window);
  bench_open_page (window, "/");
  if (_atrium_app_get_media_server (app) == NULL)
    g_error ("bench-stream: no loopback route");
  loopback_url = g_strconcat (_atrium_media_server_get_base (_atrium_app_get_media_server (app)),
                              "/throughput.bin", NULL);
  small_url = g_strconcat (_atrium_media_server_get_base (_atrium_app_get_media_server (app)),
                           "/small.bin", NULL);

  /* Warm up both paths. */
  run_round (TRUE, &(Round) { web_view, "app://localhost/memory.bin", MiB, FALSE });
  run_round (FALSE, &(Round) { web_view, small_url, MiB, FALSE });

  printf ("# bench-stream: the page reads a stream through its reader, %u rounds, medians\n",
          rounds);

  {
    g_autofree double *base = g_new (double, rounds);
    g_autofree double *opt = g_new (double, rounds);
    double b, a;

    bench_alternate (rounds, run_round,
                     &(Round) { web_view, "app://localhost/memory.bin", MEMORY_SIZE, TRUE },
                     base, opt);
    b = bench_median (base, rounds);
    a = bench_median (opt, rounds);
    printf ("%-44s %14s %14s %8s\n", "256 MiB read, UI-process peak RSS growth", "app:// MiB",
            "stream MiB", "ratio");
    printf ("%-44s %14.1f %14.1f %7.3fx\n", "", b, a, b > 0 ? a / b : 0);
    for (guint i = 0; i < rounds; i++)
      printf ("#   round %u: app:// %.1f MiB, stream %.1f MiB\n", i, base[i], opt[i]);
    /* A memory figure, shown as such: not a speed-up to count in the gain. */
    bench_results_add ("memory", "256 MiB read by the page, UI-process peak RSS growth",
                       BENCH_KIND_INFO, "fetch of an app:// file", "demo.stream",
                       "MiB", base, opt, rounds);
    fflush (stdout);
  }

  {
    g_autofree double *base = g_new (double, rounds);
    g_autofree double *opt = g_new (double, rounds);
    double b, a;

    bench_alternate (rounds, run_round,
                     &(Round) { web_view, loopback_url, THROUGHPUT_SIZE, FALSE }, base, opt);
    b = bench_median (base, rounds);
    a = bench_median (opt, rounds);
    printf ("%-44s %14s %14s %8s\n", "1 GiB read, ms (MB/s)", "route file", "stream", "ratio");
    printf ("%-44s %7.0f (%4.0f) %7.0f (%4.0f) %7.3fx\n", "", b, THROUGHPUT_SIZE / 1e3 / b, a,
            THROUGHPUT_SIZE / 1e3 / a, a / b);
    bench_results_add ("e2e", "1 GiB read by the page", BENCH_KIND_FLOOR,
                       "the route's sendfile() of a file", "demo.stream", "ms/GiB", base, opt,
                       rounds);
    for (guint i = 0; i < rounds; i++)
      printf ("#   round %u: route file %.0f ms, stream %.0f ms\n", i, base[i], opt[i]);
    fflush (stdout);
  }

  {
    g_autofree double *base = g_new (double, rounds);
    g_autofree double *opt = g_new (double, rounds);
    AtriumMediaServer *media = _atrium_app_get_media_server (app);
    g_autofree char *file_target = g_strdup (loopback_url + strlen (_atrium_media_server_get_origin (media)));
    double b, a;

    bench_alternate (rounds, run_raw_round, &(RawRound) { media, file_target }, base, opt);
    b = bench_median (base, rounds);
    a = bench_median (opt, rounds);
    printf ("%-44s %14s %14s %8s\n", "1 GiB by a raw client, no WebKit, ms (MB/s)", "route file",
            "stream", "ratio");
    printf ("%-44s %7.0f (%4.0f) %7.0f (%4.0f) %7.3fx\n", "", b, THROUGHPUT_SIZE / 1e3 / b, a,
            THROUGHPUT_SIZE / 1e3 / a, a / b);
    bench_results_add ("assets", "1 GiB read by a raw socket client (the route alone)",
                       BENCH_KIND_INFO, "the route's sendfile() of a file", "demo.stream",
                       "ms/GiB", base, opt, rounds);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  bench_results_finish ();
  g_unlink (memory_file);
  g_unlink (throughput_file);
  g_unlink (small_file);
  g_unlink (index);
  g_rmdir (root);
  return 0;
}

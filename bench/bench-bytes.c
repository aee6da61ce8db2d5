#include "config.h"

#include <stdio.h>
#include <string.h>

#include <atrium.h>

#include "bench-common.h"
#include "bench-results.h"

/* Binary values over the script-message bridge: a Uint8Array round trip
 * through atrium.call('echo', bytes) against the same bytes as base64 over
 * the bytes floor (bench_add_bytes_floor(): the page's native
 * Uint8Array.prototype.toBase64 and JSON.stringify, a bare WebKit handler
 * answering with the message's bytes, JSON.parse and Uint8Array.fromBase64),
 * the least a JSON bridge can do with bytes, in the same page and rounds
 * alternating. Also, for context, the same bytes sent by the page itself as
 * a base64 string through echo (btoa on the way out, atob on the way back,
 * as a page without binary values would), and that with the native base64.
 * Each round checks the bytes that came back.
 *
 *   bench-bytes [--json FILE] [--rounds N] [--quick] [PAGE_DIR] */

typedef struct
{
  const char *name;
  gsize       size;
  guint       calls;   /* round trips per round */
} Scenario;

static const Scenario scenarios[] = {
  { "Uint8Array 1 KiB", 1024, 200 },
  { "Uint8Array 1 MiB", 1024 * 1024, 4 },
  { "Uint8Array 16 MiB", 16 * 1024 * 1024, 1 },
};

/* The page's side: bytes(n) made once per size; each function runs n
 * round trips, checks what came back and returns the elapsed ms. */
static const char page_js[] =
  "if (!window.benchBytes) {"
  "  const same = (a, b) => {"
  "    if (!(a instanceof Uint8Array) || a.length !== b.length) throw new Error('wrong type or size');"
  "    for (let i = 0; i < a.length; i += 4093) if (a[i] !== b[i]) throw new Error('wrong bytes');"
  "  };"
  "  const btoaBytes = (a) => { let s = '';"
  "    for (let i = 0; i < a.length; i += 0x8000)"
  "      s += String.fromCharCode.apply(null, a.subarray(i, i + 0x8000));"
  "    return btoa(s); };"
  "  const atobBytes = (t) => { const s = atob(t); const a = new Uint8Array(s.length);"
  "    for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; };"
  "  const cache = new Map();"
  "  const data = (size) => { if (!cache.has(size)) { const a = new Uint8Array(size);"
  "    for (let i = 0; i < size; i++) a[i] = (i * 31 + 7) & 255; cache.set(size, a); }"
  "    return cache.get(size); };"
  "  window.benchBytes = {"
  "    async bytes(size, n) { const a = data(size); const t0 = performance.now();"
  "      for (let i = 0; i < n; i++) same(await atrium.call('echo', a), a);"
  "      return performance.now() - t0; },"
  "    async base64(size, n) { const a = data(size); const t0 = performance.now();"
  "      for (let i = 0; i < n; i++) same(atobBytes(await atrium.call('echo', btoaBytes(a))), a);"
  "      return performance.now() - t0; },"
  "    async native64(size, n) { const a = data(size); const t0 = performance.now();"
  "      for (let i = 0; i < n; i++)"
  "        same(Uint8Array.fromBase64(await atrium.call('echo', a.toBase64())), a);"
  "      return performance.now() - t0; },"
  "    async floor64(size, n) { const a = data(size); const h = webkit.messageHandlers.bytesFloor;"
  "      const t0 = performance.now();"
  "      for (let i = 0; i < n; i++) same(Uint8Array.fromBase64("
  "        JSON.parse(await h.postMessage(JSON.stringify(a.toBase64())))), a);"
  "      return performance.now() - t0; },"
  "  };"
  "}";

typedef struct
{
  WebKitWebView  *web_view;
  const Scenario *scenario;
  const char     *baseline;   /* the page's function for the baseline side */
} Round;

static double
run_round (gboolean optimized,
           gpointer user_data)
{
  Round *round = user_data;
  const Scenario *s = round->scenario;
  g_autofree char *body = g_strdup_printf ("%s return await window.benchBytes.%s(%" G_GSIZE_FORMAT
                                           ", %u);", page_js,
                                           optimized ? "bytes" : round->baseline, s->size,
                                           s->calls);

  return bench_run_js (round->web_view, body) / s->calls;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  const char *page_dir;
  AtriumWindow *window;
  WebKitWebView *web_view;
  guint rounds;

  bench_keep_to_script_messages ();
  bench_results_init ("bytes", &argc, argv, 7, 3);
  rounds = bench_results_rounds ();
  page_dir = argc > 1 ? argv[1] : BENCH_PAGE_DIR;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-bytes: no display; run it under xvfb-run\n");
      return 77;
    }

  assets = atrium_assets_new_for_directory (page_dir, &error);
  if (assets == NULL)
    g_error ("bench-bytes: %s", error->message);

  app = atrium_app_new ("dev.atrium.BenchBytes", G_APPLICATION_NON_UNIQUE);
  atrium_app_set_assets (app, assets);
  atrium_app_bind (app, "echo", bench_echo_json_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  g_application_register (G_APPLICATION (app), NULL, NULL);

  window = atrium_window_new (app);
  web_view = atrium_window_get_web_view (window);
  bench_add_bytes_floor (web_view);
  bench_open_page (window, "/");

  printf ("# bench-bytes: Uint8Array round trips through echo, %u rounds, medians\n", rounds);
  printf ("# baselines: base64 over the bytes floor (the row that counts); the page sending\n"
          "# the bytes as a base64 string through echo, with btoa/atob and with native base64\n");
  printf ("%-20s %-28s %12s %12s %10s %10s %8s\n", "scenario", "baseline", "base ms", "bytes ms",
          "base MB/s", "bytes MB/s", "ratio");

  for (gsize i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      static const struct { const char *fn, *label; const char *kind; } baselines[] = {
        { "floor64", "base64 over the bytes floor", BENCH_KIND_FLOOR },
        { "base64", "page btoa/atob", BENCH_KIND_INFO },
        { "native64", "page toBase64/fromBase64", BENCH_KIND_INFO },
      };

      for (gsize j = 0; j < G_N_ELEMENTS (baselines); j++)
        {
          const Scenario *s = &scenarios[i];
          g_autofree double *base_ms = g_new (double, rounds);
          g_autofree double *bytes_ms = g_new (double, rounds);
          g_autofree char *name = g_strdup_printf ("%s vs %s", s->name, baselines[j].label);
          double b, a;

          bench_alternate (rounds, run_round, &(Round) { web_view, s, baselines[j].fn },
                           base_ms, bytes_ms);
          b = bench_median (base_ms, rounds);
          a = bench_median (bytes_ms, rounds);
          /* MB/s of the bytes themselves, counted once per round trip. */
          printf ("%-20s %-28s %12.3f %12.3f %10.1f %10.1f %7.3fx\n", s->name, baselines[j].label,
                  b, a, s->size / 1e3 / b, s->size / 1e3 / a, a / b);
          /* Against the bytes floor, Atrium's overhead on the same bytes;
           * against base64 through echo, shown for context: a gain there is
           * the page's encoding as much as the bridge's. */
          bench_results_add ("e2e", name, baselines[j].kind,
                             baselines[j].label, "atrium.call with a Uint8Array", "ms/call",
                             base_ms, bytes_ms, rounds);
          fflush (stdout);
        }
    }

  gtk_window_destroy (GTK_WINDOW (window));
  bench_results_finish ();
  return 0;
}

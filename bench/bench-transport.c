#include "config.h"

#include <stdio.h>
#include <string.h>

#include <atrium.h>

#include "bench-common.h"
#include "demo-services.h"
#include "bench-results.h"

/* The web process extension's transport against WebKitGTK's bytes floor:
 * a bare script message handler that takes the page's string as bytes and
 * answers with a string made from bytes (nothing is left to win on that
 * path). Two apps in one process, one window each: one whose calls go
 * through the extension, one with ATRIUM_TRANSPORT=script; the floor's
 * handler sits on the first window's content manager.
 *
 *   strings:    atrium.call('echo', s) through the extension, against s
 *               through the floor;
 *   Uint8Array: atrium.call('echo', a) through the extension, against the
 *               same bytes as base64 (the page's native toBase64 and
 *               fromBase64) through the floor.
 *
 * The script path's figures for the same calls are printed for context.
 * Each round checks what came back.
 *
 *   bench-transport [--json FILE] [--rounds N] [--quick] [PAGE_DIR]
 *
 * ATRIUM_BENCH_ONLY=TEXT runs only the scenarios whose name holds TEXT. */

typedef struct
{
  const char *name;
  gboolean    binary;
  gsize       size;
  guint       calls;   /* round trips per round */
} Scenario;

static const Scenario scenarios[] = {
  { "string 0 B", FALSE, 0, 500 },
  { "string 100 KiB", FALSE, 100 * 1024, 20 },
  { "string 1 MiB", FALSE, 1024 * 1024, 4 },
  { "string 16 MiB", FALSE, 16 * 1024 * 1024, 1 },
  { "Uint8Array 1 KiB", TRUE, 1024, 200 },
  { "Uint8Array 1 MiB", TRUE, 1024 * 1024, 4 },
  { "Uint8Array 16 MiB", TRUE, 16 * 1024 * 1024, 1 },
};

static const char page_js[] =
  "if (!window.benchTransport) {"
  "  const floor = (m) => window.webkit.messageHandlers['bench-floor'].postMessage(m);"
  "  const same = (a, b) => {"
  "    if (!(a instanceof Uint8Array) || a.length !== b.length) throw new Error('wrong type or size');"
  "    for (let i = 0; i < a.length; i += 4093) if (a[i] !== b[i]) throw new Error('wrong bytes');"
  "  };"
  "  const sameText = (a, b) => { if (a !== b) throw new Error('wrong text'); };"
  "  const cache = new Map();"
  "  const data = (size) => { if (!cache.has(size)) { const a = new Uint8Array(size);"
  "    for (let i = 0; i < size; i++) a[i] = (i * 31 + 7) & 255; cache.set(size, a); }"
  "    return cache.get(size); };"
  "  const text = (size) => { const k = 't' + size; if (!cache.has(k))"
  "    cache.set(k, 'abcdefghijklmnopqrstuvwxyz0123456789 é'.repeat(Math.ceil(size / 40) + 1).slice(0, size));"
  "    return cache.get(k); };"
  "  window.benchTransport = {"
  "    async callText(size, n) { const s = text(size); const t0 = performance.now();"
  "      for (let i = 0; i < n; i++) sameText(await atrium.call('echo', s), s);"
  "      return performance.now() - t0; },"
  "    async floorText(size, n) { const s = text(size); const t0 = performance.now();"
  "      for (let i = 0; i < n; i++) sameText(await floor(s), s);"
  "      return performance.now() - t0; },"
  "    async callBytes(size, n) { const a = data(size); const t0 = performance.now();"
  "      for (let i = 0; i < n; i++) same(await atrium.call('echo', a), a);"
  "      return performance.now() - t0; },"
  "    async floorBytes(size, n) { const a = data(size); const t0 = performance.now();"
  "      for (let i = 0; i < n; i++) same(Uint8Array.fromBase64(await floor(a.toBase64())), a);"
  "      return performance.now() - t0; },"
  "  };"
  "}";

typedef struct
{
  WebKitWebView  *floor_view;   /* the extension app's: the floor and the extension */
  WebKitWebView  *script_view;  /* the script app's */
  const Scenario *scenario;
  gboolean        script;       /* the optimized side is the script path */
  double         *cpu_ms[2];    /* per round, warm-up first: the floor's, the call's
                                 * CPU ms per call */
  guint           n_cpu[2];
} Round;

static double
run_js (WebKitWebView  *view,
        const char     *fn,
        const Scenario *s)
{
  g_autofree char *body = g_strdup_printf ("%s return await window.benchTransport.%s(%"
                                           G_GSIZE_FORMAT ", %u);", page_js, fn, s->size,
                                           s->calls);

  return bench_run_js (view, body) / s->calls;
}

static double
run_round (gboolean optimized,
           gpointer user_data)
{
  Round *round = user_data;
  const Scenario *s = round->scenario;
  g_autoptr(GArray) tree = bench_process_tree ();
  double cpu = bench_cpu_ms (tree), ms;

  if (!optimized)
    ms = run_js (round->floor_view, s->binary ? "floorBytes" : "floorText", s);
  else
    ms = run_js (round->script ? round->script_view : round->floor_view,
                 s->binary ? "callBytes" : "callText", s);
  round->cpu_ms[optimized][round->n_cpu[optimized]++] = (bench_cpu_ms (tree) - cpu) / s->calls;
  return ms;
}

/* The floor: the string as bytes, and back as a string made from them. */
static gboolean
on_floor_cb (WebKitUserContentManager *manager,
             JSCValue                 *value,
             WebKitScriptMessageReply *reply,
             gpointer                  user_data)
{
  g_autoptr(GBytes) bytes = jsc_value_to_string_as_bytes (value);
  g_autoptr(JSCValue) answer = NULL;
  gsize size = g_bytes_get_size (bytes);
  g_autoptr(GBytes) text = g_bytes_new_from_bytes (bytes, 0,
                                                   size > 0 && ((const char *) g_bytes_get_data (
                                                     bytes, NULL))[size - 1] == '\0' ? size - 1
                                                                                     : size);

  answer = jsc_value_new_string_from_bytes (jsc_value_get_context (value), text);
  webkit_script_message_reply_return_value (reply, answer);
  return TRUE;
}

static AtriumApp *
new_app (const char   *id,
         AtriumAssets *assets,
         const char   *transport)
{
  AtriumApp *app;

  /* Read when the app makes its web context, with its first window. */
  g_setenv ("ATRIUM_TRANSPORT", transport, TRUE);
  app = atrium_app_new (id, G_APPLICATION_NON_UNIQUE);
  atrium_app_set_assets (app, assets);
  atrium_app_bind (app, "echo", demo_echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  return app;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumApp) script_app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  const char *page_dir;
  AtriumWindow *window, *script_window;
  WebKitWebView *web_view, *script_view;
  WebKitUserContentManager *manager;
  guint rounds;

  bench_results_init ("transport", &argc, argv, 7, 3);
  rounds = bench_results_rounds ();
  page_dir = argc > 1 ? argv[1] : BENCH_PAGE_DIR;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-transport: no display; run it under xvfb-run\n");
      return 77;
    }

  assets = atrium_assets_new_for_directory (page_dir, &error);
  if (assets == NULL)
    g_error ("bench-transport: %s", error->message);

  app = new_app ("dev.atrium.BenchTransport", assets, "extension");
  window = atrium_window_new (app);
  web_view = atrium_window_get_web_view (window);
  manager = webkit_web_view_get_user_content_manager (web_view);
  webkit_user_content_manager_register_script_message_handler_with_reply (manager, "bench-floor",
                                                                          NULL);
  g_signal_connect (manager, "script-message-with-reply-received::bench-floor",
                    G_CALLBACK (on_floor_cb), NULL);
  bench_open_page (window, "/");

  script_app = new_app ("dev.atrium.BenchTransportScript", assets, "script");
  script_window = atrium_window_new (script_app);
  script_view = atrium_window_get_web_view (script_window);
  bench_open_page (script_window, "/");
  g_unsetenv ("ATRIUM_TRANSPORT");

  printf ("# bench-transport: round trips through echo, %u rounds, medians\n", rounds);
  printf ("# baseline: WebKitGTK's bytes floor (strings as they are, Uint8Arrays as base64)\n");
  printf ("# cpu: CPU ms per call of this process and every process below it (all threads),\n"
          "# which other work on the machine moves much less than the clock\n");
  printf ("%-20s %-10s %12s %12s %10s %10s %8s %10s %10s %8s\n", "scenario", "path", "floor ms",
          "call ms", "floor MB/s", "call MB/s", "ratio", "floor cpu", "call cpu", "cpu ratio");

  for (gsize i = 0; i < G_N_ELEMENTS (scenarios); i++)
    for (int script = 0; script < 2; script++)
      {
        const Scenario *s = &scenarios[i];
        const char *path = script ? "script" : "extension";
        const char *only = g_getenv ("ATRIUM_BENCH_ONLY");
        g_autofree double *base_ms = g_new (double, rounds);
        g_autofree double *call_ms = g_new (double, rounds);
        /* The first of each is bench_alternate()'s warm-up round. */
        g_autofree double *base_cpu = g_new (double, rounds + 1);
        g_autofree double *call_cpu = g_new (double, rounds + 1);
        g_autofree char *name = g_strdup_printf ("%s through the %s", s->name, path);
        double b, a, bc, ac;

        if (only != NULL && strstr (s->name, only) == NULL)
          continue;
        bench_alternate (rounds, run_round,
                         &(Round) { web_view, script_view, s, script, { base_cpu, call_cpu } },
                         base_ms, call_ms);
        b = bench_median (base_ms, rounds);
        a = bench_median (call_ms, rounds);
        bc = bench_median (base_cpu + 1, rounds);
        ac = bench_median (call_cpu + 1, rounds);
        printf ("%-20s %-10s %12.3f %12.3f %10.1f %10.1f %7.3fx %10.3f %10.3f %7.3fx\n", s->name,
                path, b, a, s->size / 1e3 / b, s->size / 1e3 / a, a / b, bc, ac, ac / bc);
        bench_results_add ("e2e", name, BENCH_KIND_INFO,
                           s->binary ? "base64 over the bytes floor" : "the bytes floor",
                           script ? "atrium.call (script messages)"
                                  : "atrium.call (web process extension)",
                           "ms/call", base_ms, call_ms, rounds);
        fflush (stdout);
      }

  gtk_window_destroy (GTK_WINDOW (script_window));
  gtk_window_destroy (GTK_WINDOW (window));
  bench_results_finish ();
  return 0;
}

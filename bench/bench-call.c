#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atrium.h>

#include "bench-common.h"
#include "demo-services.h"
#include "bench-results.h"

/* JS → C → JS round trips: Atrium's `atrium.call('echo', x)` against two
 * floors, bare script message handlers with reply (raw WebKitGTK, no Atrium
 * code on the path). The bytes floor (bench_add_bytes_floor()) does what
 * any JSON bridge must: the page posts JSON.stringify(x) and JSON.parses the
 * answer, C takes the message as bytes and answers with them; each row's
 * ratio is against it. The raw floor returns its JSCValue argument as it
 * came, with no conversion at all; it stays as an info row. All three live
 * in the same page of the same web view, so they share the web process, the
 * IPC and the main loop; rounds rotate and the medians are compared.
 *
 *   bench-call [--json FILE] [--rounds N] [--quick] [PAGE_DIR] */

typedef struct
{
  const char *name;
  const char *method;       /* the Atrium method: echo or echo.worker */
  const char *payload_js;   /* an expression evaluated in the page */
  guint       calls;        /* round trips per round */
  gboolean    in_flight;    /* all at once rather than one after another */
} Scenario;

static const Scenario scenarios[] = {
  { "sequential small object", "echo",
    "({id: 7, name: 'small', tags: ['a', 'b'], ok: true})", 300, FALSE },
  { "sequential string 1 KiB", "echo", "'x'.repeat(1024)", 300, FALSE },
  { "2000 in flight, small object", "echo", "({id: 7, name: 'small', ok: true})", 2000, TRUE },
  { "sequential worker, small object", "echo.worker",
    "({id: 7, name: 'small', tags: ['a', 'b'], ok: true})", 300, FALSE },
  { "sequential string 100 KiB", "echo", "'x'.repeat(100 * 1024)", 40, FALSE },
  { "sequential string 1 MiB", "echo", "'x'.repeat(1024 * 1024)", 8, FALSE },
};

static guint rounds = 11;

enum { RAW_FLOOR, BYTES_FLOOR, ATRIUM, N_SIDES };

static gboolean
floor_message_cb (WebKitUserContentManager *manager,
                  JSCValue                 *value,
                  WebKitScriptMessageReply *reply,
                  gpointer                  user_data)
{
  webkit_script_message_reply_return_value (reply, value);
  return TRUE;
}

typedef struct
{
  WebKitWebView  *web_view;
  const Scenario *scenario;
} Round;

#define BUILTIN_CALLS 300

/* atrium.window.getSize() (the built-in, with its group check and target
 * lookup) against atrium.call('echo', null), one after another. */
static double
run_builtin_round (gboolean builtin,
                   gpointer user_data)
{
  g_autofree char *body = g_strdup_printf ("return await window.bench.%s(%u);",
                                           builtin ? "getSize" : "echoNull", BUILTIN_CALLS);

  return bench_run_js (user_data, body) / BUILTIN_CALLS;
}

static double
run_round (guint    side,
           gpointer user_data)
{
  static const char *const functions[N_SIDES] = {
    [RAW_FLOOR] = "floor", [BYTES_FLOOR] = "bytesFloor", [ATRIUM] = "atrium",
  };
  Round *round = user_data;
  WebKitWebView *web_view = round->web_view;
  const Scenario *s = round->scenario;
  g_autofree char *body = g_strdup_printf ("return await window.bench.%s%s(%u, %s, '%s');",
                                           functions[side],
                                           s->in_flight ? "InFlight" : "",
                                           s->calls, s->payload_js, s->method);
  return bench_run_js (web_view, body) / s->calls;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumAssets) assets = NULL;
  g_autoptr(GError) error = NULL;
  const char *page_dir;
  WebKitUserContentManager *manager;
  WebKitWebView *web_view;
  AtriumWindow *window;
  int exit_status = 0;

  bench_keep_to_script_messages ();
  bench_results_init ("call", &argc, argv, rounds, 3);
  rounds = bench_results_rounds ();
  page_dir = argc > 1 ? argv[1] : BENCH_PAGE_DIR;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "bench-call: no display; run it under xvfb-run\n");
      return 77;
    }

  assets = atrium_assets_new_for_directory (page_dir, &error);
  if (assets == NULL)
    g_error ("bench-call: %s", error->message);

  app = atrium_app_new ("dev.atrium.BenchCall", G_APPLICATION_NON_UNIQUE);
  atrium_app_set_assets (app, assets);
  atrium_app_bind (app, "echo", demo_echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "echo.worker", demo_echo_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  g_application_register (G_APPLICATION (app), NULL, NULL);

  window = atrium_window_new (app);
  web_view = atrium_window_get_web_view (window);
  manager = webkit_web_view_get_user_content_manager (web_view);
  webkit_user_content_manager_register_script_message_handler_with_reply (manager, "floor", NULL);
  g_signal_connect (manager, "script-message-with-reply-received::floor",
                    G_CALLBACK (floor_message_cb), NULL);
  bench_add_bytes_floor (web_view);

  bench_open_page (window, "/");

  printf ("# bench-call: JS → C → JS round trips, %u rounds, medians (ms per call)\n", rounds);
  printf ("# ratio: atrium / bytes floor (JSON in the page, bytes in C); "
          "raw: atrium / raw floor\n");
  printf ("%-32s %11s %11s %11s %8s %8s\n", "scenario", "raw floor", "bytes floor", "atrium",
          "ratio", "raw");

  for (gsize i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      const Scenario *s = &scenarios[i];
      g_autofree double *raw_ms = g_new (double, rounds);
      g_autofree double *bytes_ms = g_new (double, rounds);
      g_autofree double *atrium_ms = g_new (double, rounds);
      double *times[N_SIDES] = { [RAW_FLOOR] = raw_ms, [BYTES_FLOOR] = bytes_ms,
                                 [ATRIUM] = atrium_ms };
      g_autofree char *raw_name = g_strdup_printf ("%s, raw floor", s->name);
      const char *label = g_str_equal (s->method, "echo") ? "atrium.call" : "atrium.call (worker)";
      double r, b, a;

      bench_alternate_sides (rounds, N_SIDES, run_round, &(Round) { web_view, s }, times);

      r = bench_median (raw_ms, rounds);
      b = bench_median (bytes_ms, rounds);
      a = bench_median (atrium_ms, rounds);
      printf ("%-32s %11.4f %11.4f %11.4f %7.3fx %7.3fx\n", s->name, r, b, a, a / b, a / r);
      bench_results_add ("e2e", s->name, BENCH_KIND_FLOOR, "bytes floor (JSON, WebKit handler)",
                         label, "ms/call", bytes_ms, atrium_ms, rounds);
      bench_results_add ("e2e", raw_name, BENCH_KIND_INFO, "raw WebKit handler", label,
                         "ms/call", raw_ms, atrium_ms, rounds);
      fflush (stdout);
    }

  {
    g_autofree double *echo_ms = g_new (double, rounds);
    g_autofree double *builtin_ms = g_new (double, rounds);
    double e, b;

    bench_alternate (rounds, run_builtin_round, web_view, echo_ms, builtin_ms);
    e = bench_median (echo_ms, rounds);
    b = bench_median (builtin_ms, rounds);
    printf ("%-32s %11s %11.4f %11.4f %7.3fx   (echo, atrium.window.getSize)\n",
            "built-in query", "", e, b, b / e);
    bench_results_add ("e2e", "built-in query: atrium.window.getSize()", BENCH_KIND_INFO,
                       "atrium.call('echo', null)", "atrium.window.getSize()", "ms/call",
                       echo_ms, builtin_ms, rounds);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  bench_results_finish ();
  return exit_status;
}

#include "config.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-media-server-private.h"
#include "atrium-window-private.h"
#include "demo-services.h"
#include "webkit-harness.h"

/* Streams from C to the page (atrium_call_return_stream()): the launcher's
 * demo.stream through real windows, at the sizes around the edges, read
 * each way a page reads a Response; cancelled, dropped and cut short by a
 * window that closes, each time checking that the C stream was closed;
 * and, as the attacker, every way into the route's stream URLs. */

#define MiB (1024 * 1024)

static AtriumApp *shared_app;

static AtriumApp *
new_app (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  AtriumApp *app;

  g_assert_no_error (error);
  app = harness_app_new (assets);
  demo_services_bind (app);
  return app;
}

static AtriumApp *
get_app (void)
{
  if (shared_app == NULL)
    shared_app = new_app ();
  return shared_app;
}

static gboolean
no_stream_open (gpointer data)
{
  return demo_pattern_streams_open () == 0;
}

/* Every demo stream made so far has been closed by libatrium. */
static void
wait_streams_closed (const char *what)
{
  harness_wait_for (no_stream_open, NULL, what);
}

static gssize
rss_bytes (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  line = status != NULL ? strstr (status, "VmRSS:") : NULL;
  g_assert_nonnull (line);
  return g_ascii_strtoll (line + 6, NULL, 10) * 1024;
}

/* JS: check(u8, offset) whether u8 holds the pattern from @offset, every
 * byte; read(r) reads a Response through its reader and checks it, giving
 * its length or the first bad offset as a string. */
#define JS_HELPERS \
  "const check = (u8, offset) => { for (let i = 0; i < u8.length; i++)" \
  "  if (u8[i] !== ((offset + i) & 255)) return false; return true; };" \
  "const read = async (r) => { const reader = r.body.getReader(); let n = 0;" \
  "  for (;;) { const { done, value } = await reader.read(); if (done) return n;" \
  "    if (!check(value, n)) return 'bad at ' + n; n += value.length; } };"

/* 0 bytes, 1 byte, and sizes around the route's 64 KiB pieces, with and
 * without a length (chunked), each way a page reads a body: arrayBuffer(),
 * the reader, and a Blob through an object URL. */
static void
test_sizes (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");

  harness_assert_js (window, JS_HELPERS
    "const out = [];"
    "for (const n of [0, 1, 65535, 65536, 65537, 200000]) {"
    "  for (const sized of [true, false]) {"
    "    const r = await atrium.call('demo.stream', n, sized);"
    "    if (!(r instanceof Response) || r.status !== 200) return 'not a Response for ' + n;"
    "    if (r.headers.get('content-type') !== 'application/octet-stream') return 'type';"
    "    const b = new Uint8Array(await r.arrayBuffer());"
    "    if (b.length !== n || !check(b, 0)) return 'arrayBuffer ' + n + ' ' + sized;"
    "    const n2 = await read(await atrium.call('demo.stream', n, sized));"
    "    if (n2 !== n) return 'reader ' + n + ' ' + sized + ': ' + n2;"
    "    const blob = await (await atrium.call('demo.stream', n, sized)).blob();"
    "    const url = URL.createObjectURL(blob);"
    "    const again = new Uint8Array(await (await fetch(url)).arrayBuffer());"
    "    URL.revokeObjectURL(url);"
    "    if (again.length !== n || !check(again, 0)) return 'blob ' + n + ' ' + sized;"
    "  }"
    "}"
    "return 'ok';", "\"ok\"");
  wait_streams_closed ("every stream read whole to be closed");
  harness_close (window);
}

/* 256 MiB read through the reader: the UI process (this one) grows by a
 * small part of it, since the route sends only what the page takes. */
static void
test_256m (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");
  gssize before, after;

  /* Warm up: the route's threads and the page's first fetch. */
  harness_assert_js (window, JS_HELPERS
    "return await read(await atrium.call('demo.stream', 1 << 20));", "1048576");
  before = rss_bytes ();
  harness_assert_js (window, JS_HELPERS
    "return await read(await atrium.call('demo.stream', 256 * 1024 * 1024));", "268435456");
  after = rss_bytes ();
  g_test_message ("UI process RSS grew by %" G_GSSIZE_FORMAT " KiB over 256 MiB",
                  (after - before) / 1024);
  g_assert_cmpint (after - before, <, 64 * MiB);
  wait_streams_closed ("the 256 MiB stream to be closed");
  harness_close (window);
}

/* p.cancel() once some of a 1 GiB stream has been read: the reader fails
 * and the C stream is closed, long before its end. */
static void
test_cancel (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");

  harness_assert_js (window,
    "const p = atrium.call('demo.stream', 1024 * 1024 * 1024);"
    "const reader = (await p).body.getReader(); let n = 0;"
    "while (n < 4 * 1024 * 1024) n += (await reader.read()).value.length;"
    "p.cancel();"
    "try { for (;;) { const { done, value } = await reader.read(); if (done) return 'ended';"
    "  n += value.length; } } catch (e) { return n < 1024 * 1024 * 1024 ? e.name : 'all read'; }",
    "\"AbortError\"");
  wait_streams_closed ("the cancelled stream to be closed");

  /* Cancelled before C answered: the stream C returns later is closed. */
  harness_assert_js (window, HARNESS_JS_CODE
    "const p = atrium.call('demo.stream', 1024);"
    "p.cancel(); return await code(() => p);", "\"cancelled\"");
  wait_streams_closed ("the stream of a call cancelled early to be closed");
  harness_close (window);
}

/* The page drops the body (r.body.cancel(), reader.cancel()) or reads part
 * of it and lets it go: the C stream is closed. */
static void
test_dropped (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");

  harness_assert_js (window,
    "const r = await atrium.call('demo.stream', 1024 * 1024 * 1024);"
    "await r.body.cancel(); return true;", "true");
  wait_streams_closed ("a stream whose body the page cancelled to be closed");

  harness_assert_js (window,
    "const reader = (await atrium.call('demo.stream', 1024 * 1024 * 1024, false)).body.getReader();"
    "let n = 0; while (n < 1024 * 1024) n += (await reader.read()).value.length;"
    "await reader.cancel(); return n >= 1024 * 1024;", "true");
  wait_streams_closed ("a stream whose reader the page cancelled to be closed");
  harness_close (window);
}

/* The window closes while its page reads a stream, and while another
 * waits, unread, on the route: both C streams are closed, and the route
 * keeps nothing of the window's. */
static void
test_window_closes (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window = harness_open (app, "/");
  AtriumMediaServer *media = _atrium_app_get_media_server (app);
  g_autoptr(GInputStream) unread = demo_pattern_stream_new (1024);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  g_assert_nonnull (media);
  harness_assert_js (window,
    "window.got = 0; let enough; const half = new Promise((r) => { enough = r; });"
    "(async () => { const reader = (await atrium.call('demo.stream', 1024 * 1024 * 1024))"
    "  .body.getReader();"
    "  for (;;) { const { done, value } = await reader.read(); if (done) break;"
    "    window.got += value.length; if (window.got >= 8 * 1024 * 1024) enough(); } })();"
    "await half; return true;", "true");
  /* What the route's bridge-less owner would be: the window's bridge. */
  url = _atrium_media_server_add_stream (media, unread, "text/plain", 1024,
                                         _atrium_window_get_bridge (window), &error);
  g_assert_no_error (error);
  g_clear_object (&unread);
  g_assert_cmpuint (_atrium_media_server_get_n_streams (media, NULL), ==, 2);

  harness_close (window);
  wait_streams_closed ("the streams of a closed window to be closed");
  g_assert_cmpuint (_atrium_media_server_get_n_streams (media, NULL), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/stream/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  g_test_add_func ("/atrium/stream/sizes", test_sizes);
  g_test_add_func ("/atrium/stream/256m", test_256m);
  g_test_add_func ("/atrium/stream/cancel", test_cancel);
  g_test_add_func ("/atrium/stream/dropped", test_dropped);
  g_test_add_func ("/atrium/stream/window-closes", test_window_closes);

  status = g_test_run ();

  g_clear_object (&shared_app);
  return status;
}

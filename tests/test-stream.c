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

/* stream.hold(blob): reads the first 64 KiB of a streamed Blob, says so,
 * then waits (bounded) for its call to be cancelled and reads again; what
 * that read gave is kept for the test. On a worker. */
typedef struct
{
  int     started;     /* atomic */
  int     finished;    /* atomic */
  GError *error;       /* of the read after the wait, set before finished */
  gssize  first;
} Hold;

static Hold hold;

static void
hold_cb (AtriumCall *call,
         gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = atrium_call_get_stream (call, 0, &error);
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  GCancellable *cancellable = atrium_call_get_cancellable (call);
  GPollFD pollfd;
  gsize n = 0;

  g_assert_no_error (error);
  g_input_stream_read_all (stream, buffer, 64 * 1024, &n, NULL, &error);
  hold.first = error == NULL ? (gssize) n : -1;
  g_clear_error (&error);
  g_atomic_int_set (&hold.started, TRUE);
  /* The test cancels; this waits for it, up to a deadline. */
  g_assert_true (g_cancellable_make_pollfd (cancellable, &pollfd));
  g_poll (&pollfd, 1, TEST_WAIT_SECONDS * 1000);
  g_cancellable_release_fd (cancellable);
  if (g_input_stream_read (stream, buffer, 64 * 1024, NULL, &hold.error) >= 0)
    g_set_error_literal (&hold.error, G_IO_ERROR, G_IO_ERROR_FAILED, "the read succeeded");
  g_atomic_int_set (&hold.finished, TRUE);
  atrium_call_return_value (call, NULL);
}

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
  atrium_app_bind (app, "stream.hold", hold_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  return app;
}

static AtriumApp *
get_app (void)
{
  if (shared_app == NULL)
    shared_app = new_app ();
  return shared_app;
}

/* Whether this run's pages pull their streams through the extension (else
 * they come over the loopback route). */
static gboolean
pulls (void)
{
  return harness_have_web_extension () && g_strcmp0 (g_getenv ("ATRIUM_TRANSPORT"), "script") != 0;
}

/* For a test of the pull path only: skipped, saying why, where there is
 * none. */
static gboolean
need_pulls (void)
{
  if (!harness_need_web_extension ())
    return FALSE;
  if (!pulls ())
    {
      g_test_skip ("Over script messages streams come over the loopback route: nothing is pulled");
      return FALSE;
    }
  return TRUE;
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
  harness_assert_transport (window);
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
  /* The page's stream is on the route too over script messages; through
   * the extension it is one the page pulls. */
  g_assert_cmpuint (_atrium_media_server_get_n_streams (media, NULL)
                    + _atrium_bridge_get_n_pull_streams (_atrium_window_get_bridge (window)), ==, 2);
  g_assert_cmpuint (_atrium_bridge_get_n_pull_streams (_atrium_window_get_bridge (window)), ==,
                    pulls () ? 1 : 0);

  harness_close (window);
  wait_streams_closed ("the streams of a closed window to be closed");
  g_assert_cmpuint (_atrium_media_server_get_n_streams (media, NULL), ==, 0);
}

/* As the attacker, from the page: the reads the runtime makes of a stream
 * it pulls through the extension are calls named atrium:stream.read and
 * atrium:stream.cancel, which the page can make itself. An id its page has
 * no stream under (the other window's stream has it), sizes and ids out of
 * range or of the wrong type, a name under the prefix that is neither:
 * each refused with its code; a cancel of an unknown id does nothing; and
 * the other window's stream still reads whole. Over script messages no
 * method has those names. */
static void
test_pull_hostile (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");
  AtriumWindow *other = harness_open (get_app (), "/");
  gboolean pulled = pulls ();

  harness_assert_js (other, "window.r = await atrium.call('demo.stream', 300000); return true;",
                     "true");
  harness_assert_js (window, HARNESS_JS_CODE
    "const read = (...a) => code(() => atrium.call('atrium:stream.read', ...a));"
    "return [await read(1, 10), await read(1, 0), await read(1, 1024 * 1024 + 1),"
    "  await read(1, 'x'), await read(-1, 10), await read('1', 10), await read(),"
    "  await code(() => atrium.call('atrium:stream.cancel', 1.5)),"
    "  await code(() => atrium.call('atrium:stream.bogus', 1, 10)),"
    "  await code(() => atrium.call('atrium:stream.cancel', 1))].join(' ');",
    pulled ? "\"not-found bad-args bad-args bad-args bad-args bad-args bad-args bad-args "
             "not-found resolved\""
           : "\"not-found not-found not-found not-found not-found not-found not-found "
             "not-found not-found not-found\"");
  harness_close (window);
  harness_assert_js (other, JS_HELPERS "return await read(window.r);", "300000");
  harness_close (other);
  wait_streams_closed ("the other window's stream to be closed");
}

/* A stream for the review of pull streams: each read says so, then
 * blocks until its cancellable is cancelled (honours) or, for one that
 * ignores it, until the test opens the gate (the end) or gives it a
 * ticket (as many bytes as the read asks for). Its close is counted. */
typedef struct
{
  GInputStream parent_instance;
  gboolean     honours;
} GateStream;

typedef GInputStreamClass GateStreamClass;

static GType gate_stream_get_type (void);
G_DEFINE_TYPE (GateStream, gate_stream, G_TYPE_INPUT_STREAM)

static struct
{
  GMutex lock;
  GCond  cond;
  gboolean open;         /* under lock: the gate is open */
  int    tickets;        /* under lock: reads to let through, full */
  int    reading;        /* atomic: reads blocked now */
  int    closed;         /* atomic */
} gate;

#define GATE_SECONDS (4 * HARNESS_WAIT_SECONDS)

static gssize
gate_stream_read (GInputStream  *stream,
                  void          *buffer,
                  gsize          count,
                  GCancellable  *cancellable,
                  GError       **error)
{
  GateStream *self = (GateStream *) stream;
  gboolean ticket = FALSE;
  /* A read the test never releases fails the test, rather than holding a
   * worker (and the window's close, or the app's end) for good. A test
   * holds a read across several of its own waits, each bounded by
   * HARNESS_WAIT_SECONDS: this bound is far past them. */
  gint64 deadline = g_get_monotonic_time () + GATE_SECONDS * G_USEC_PER_SEC;

  g_atomic_int_inc (&gate.reading);
  if (self->honours && cancellable != NULL)
    {
      GPollFD pollfd;

      g_assert_true (g_cancellable_make_pollfd (cancellable, &pollfd));
      while (!g_cancellable_is_cancelled (cancellable))
        {
          gint64 left = deadline - g_get_monotonic_time ();

          if (left <= 0)
            g_error ("Waited %d s for a blocked read of a gate stream to be cancelled",
                     GATE_SECONDS);
          g_poll (&pollfd, 1, (int) (left / 1000) + 1);
        }
      g_cancellable_release_fd (cancellable);
    }
  else
    {
      g_mutex_lock (&gate.lock);
      while (!gate.open && gate.tickets == 0)
        if (!g_cond_wait_until (&gate.cond, &gate.lock, deadline)
            && !gate.open && gate.tickets == 0)
          g_error ("Waited %d s for the test to open the gate (or give a ticket) of a read "
                   "that ignores its cancellable", GATE_SECONDS);
      if (!gate.open)
        {
          gate.tickets--;
          ticket = TRUE;
        }
      g_mutex_unlock (&gate.lock);
    }
  g_atomic_int_dec_and_test (&gate.reading);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (ticket)
    {
      memset (buffer, 0, count);
      return count;
    }
  return 0;
}

static gboolean
gate_stream_close (GInputStream  *stream,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_atomic_int_inc (&gate.closed);
  return TRUE;
}

static void
gate_stream_class_init (GateStreamClass *klass)
{
  klass->read_fn = gate_stream_read;
  klass->close_fn = gate_stream_close;
}

static void
gate_stream_init (GateStream *self)
{
}

/* test.gate(honours): a GateStream, of no known size. */
static void
gate_cb (AtriumCall *call,
         gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);
  g_autoptr(GInputStream) stream = g_object_new (gate_stream_get_type (), NULL);

  ((GateStream *) stream)->honours = arg != NULL && JSON_NODE_HOLDS_VALUE (arg)
                                     && json_node_get_boolean (arg);
  atrium_call_return_stream (call, stream, NULL, -1);
}

static gboolean
gate_reading (gpointer data)
{
  return g_atomic_int_get (&gate.reading) == GPOINTER_TO_INT (data);
}

static gboolean
gate_closed (gpointer data)
{
  return g_atomic_int_get (&gate.closed) == GPOINTER_TO_INT (data);
}

static void
gate_let (gboolean open,
          int      tickets)
{
  g_mutex_lock (&gate.lock);
  gate.open = open;
  gate.tickets += tickets;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

static void
gate_reset (void)
{
  g_mutex_lock (&gate.lock);
  gate.open = FALSE;
  gate.tickets = 0;
  g_mutex_unlock (&gate.lock);
  g_atomic_int_set (&gate.closed, 0);
}

/* test.lying(n, size): a stream of n bytes of demo.stream's pattern that
 * says it has size bytes. */
static void
lying_cb (AtriumCall *call,
          gpointer    user_data)
{
  gint64 n = json_node_get_int (atrium_call_get_arg (call, 0));
  gint64 size = json_node_get_int (atrium_call_get_arg (call, 1));
  g_autofree guint8 *data = g_malloc (n);
  g_autoptr(GInputStream) stream = NULL;

  for (gint64 i = 0; i < n; i++)
    data[i] = i & 255;
  stream = g_memory_input_stream_new_from_data (g_steal_pointer (&data), n, g_free);
  atrium_call_return_stream (call, stream, NULL, size);
}

/* test.typed(type): 10 bytes of the pattern, said to be of @type. */
static void
typed_cb (AtriumCall *call,
          gpointer    user_data)
{
  g_autoptr(GInputStream) stream = demo_pattern_stream_new (10);

  atrium_call_return_stream (call, stream, json_node_get_string (atrium_call_get_arg (call, 0)),
                             10);
}

/* test.late(): held until the test finishes it. */
static AtriumCall *late_call;

static void
late_cb (AtriumCall *call,
         gpointer    user_data)
{
  late_call = call;
}

static gboolean
late_called (gpointer data)
{
  return late_call != NULL;
}

/* Loads the window's page again, and waits for it. */
static void
reload (AtriumWindow *window)
{
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  g_autofree char *uri = g_strdup (webkit_web_view_get_uri (web_view));

  harness_load_uri (web_view, uri, "the page loaded again");
}

static void
bind_review_methods (AtriumApp *app)
{
  atrium_app_bind (app, "test.gate", gate_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "test.lying", lying_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "test.late", late_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  atrium_app_bind (app, "test.typed", typed_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
}

/* A stream whose read blocks: the window closes, or its page changes,
 * while the page waits on a read. A read that honours its cancellable is
 * cancelled and the stream closed; one that ignores it holds its thread,
 * but the window still closes, and the stream is closed once the read
 * returns. */
static void
test_pull_blocked (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  const char *start_read =
    "window.r = await atrium.call('test.gate', %s);"
    "window.got = 'pending'; window.r.body.getReader().read()"
    "  .then((x) => { window.got = 'done ' + x.done; }, (e) => { window.got = e.name; });"
    "return true;";
  g_autofree char *honours = g_strdup_printf (start_read, "true");
  g_autofree char *ignores = g_strdup_printf (start_read, "false");

  bind_review_methods (app);

  /* Window closes mid-read (honours the cancellable). */
  gate_reset ();
  window = harness_open (app, "/");
  harness_assert_js (window, honours, "true");
  harness_wait_for (gate_reading, GINT_TO_POINTER (1), "the page's read to block in C");
  harness_close (window);
  harness_wait_for (gate_closed, GINT_TO_POINTER (1),
                    "the blocked stream of a closed window to be closed");
  harness_wait_for (gate_reading, GINT_TO_POINTER (0), "the blocked read to end");

  /* The page changes mid-read (honours the cancellable). */
  gate_reset ();
  window = harness_open (app, "/");
  harness_assert_js (window, honours, "true");
  harness_wait_for (gate_reading, GINT_TO_POINTER (1), "the page's read to block in C");
  reload (window);
  harness_wait_for (gate_closed, GINT_TO_POINTER (1),
                    "the blocked stream of a page gone to be closed");
  harness_assert_js (window, "return (await atrium.call('demo.stream', 10)).status;", "200");
  harness_close (window);

  /* Window closes mid-read (ignores the cancellable): the close does not
   * wait for it; the stream closes once the read returns. */
  gate_reset ();
  window = harness_open (app, "/");
  harness_assert_js (window, ignores, "true");
  harness_wait_for (gate_reading, GINT_TO_POINTER (1), "the page's read to block in C");
  harness_close (window);
  g_assert_cmpint (g_atomic_int_get (&gate.closed), ==, 0);
  gate_let (TRUE, 0);
  harness_wait_for (gate_closed, GINT_TO_POINTER (1),
                    "the stream whose read ignored the cancellable to be closed");
  harness_wait_for (gate_reading, GINT_TO_POINTER (0), "the blocked read to end");
}

/* atrium_call_return_stream() promises: a stream that ends before its
 * size fails the body with a network error; one with more is cut at its
 * size. A pulled stream keeps both. (The route cuts a long one, but serves
 * a short one as if whole: not checked here.) */
static void
test_pull_size_contract (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  gboolean pulled = pulls ();

  bind_review_methods (app);
  window = harness_open (app, "/");
  harness_assert_js (window,
    "const len = async (p) => { try { return (await (await p).arrayBuffer()).byteLength; }"
    "  catch (e) { return 'failed'; } };"
    "return [await len(atrium.call('test.lying', 3000000, 2000000)),"
    "  await len(atrium.call('test.lying', 30, 20))].join(' ');",
    "\"2000000 20\"");
  if (pulled)
    harness_assert_js (window,
      "const len = async (p) => { try { return (await (await p).arrayBuffer()).byteLength; }"
      "  catch (e) { return 'failed'; } };"
      "return [await len(atrium.call('test.lying', 1500000, 2000000)),"
      "  await len(atrium.call('test.lying', 10, 20)),"
      "  await len(atrium.call('test.lying', 0, 1))].join(' ');",
      "\"failed failed failed\"");
  harness_close (window);
}

static gboolean
no_call_left (gpointer window)
{
  return _atrium_bridge_get_n_calls (_atrium_window_get_bridge (window)) == 0;
}

/* A call of a page that has gone, answered with a stream: nobody will read
 * it, so it is closed, and the new page's streams are not charged for it. */
static void
test_pull_late (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  g_autoptr(GInputStream) stream = NULL;
  AtriumWindow *window;

  bind_review_methods (app);
  window = harness_open (app, "/");
  harness_assert_js (window, "atrium.call('test.late'); return true;", "true");
  harness_wait_for (late_called, NULL, "test.late to be called");
  reload (window);
  harness_assert_js (window, "return typeof atrium;", "\"object\"");
  stream = demo_pattern_stream_new (10);
  atrium_call_return_stream (g_steal_pointer (&late_call), stream, NULL, 10);
  g_clear_object (&stream);
  harness_wait_for (no_call_left, window, "the late call to be answered");
  g_assert_cmpuint (_atrium_bridge_get_n_pull_streams (_atrium_window_get_bridge (window)), ==, 0);
  g_assert_cmpuint (_atrium_media_server_get_n_streams (_atrium_app_get_media_server (app), NULL),
                    ==, 0);
  wait_streams_closed ("the stream of a gone page's call to be closed");
  harness_close (window);
}

/* A page holding 65 Responses at once, each begun: the route takes them
 * (its limit is on streams not begun); pull streams should too. */
static void
test_pull_many (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");

  harness_assert_js (window, JS_HELPERS
    "const rs = []; let n = 0;"
    "try { for (let i = 0; i < 65; i++) { const r = (await atrium.call('demo.stream', 2621440)).body.getReader();"
    "  n += (await r.read()).value.length; rs.push(r); } } catch (e) { return 'call ' + rs.length + ': ' + e.code; }"
    "for (const r of rs) for (;;) { const { done, value } = await r.read(); if (done) break; n += value.length; }"
    "return n;", "170393600");
  wait_streams_closed ("65 streams read whole to be closed");
  harness_close (window);
}

/* The page swaps ReadableStream, Response, addEventListener and the
 * stream controller's methods before it calls: the runtime made its pulled
 * body with the ones it took first, so the Response is a real one, reads
 * whole, and p.cancel() still ends the read and closes the C stream. */
static void
test_pull_tampered (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");

  harness_assert_js (window,
    "const R = Response;"
    "window.ReadableStream = function () { throw new Error('tampered'); };"
    "window.Response = function () { throw new Error('tampered'); };"
    "EventTarget.prototype.addEventListener = function () { throw new Error('tampered'); };"
    "Object.defineProperty(Object.prototype, 'highWaterMark',"
    "  { get () { throw new Error('tampered'); }, configurable: true });"
    "const p = atrium.call('demo.stream', 64 * 1024 * 1024);"
    "const r = await p; const reader = r.body.getReader();"
    "const first = (await reader.read()).value.length;"
    "p.cancel(); let end = 'read all';"
    "try { for (;;) { if ((await reader.read()).done) break; } } catch (e) { end = e.name; }"
    "return [r instanceof R, first > 0, end].join(' ');", "\"true true AbortError\"");
  wait_streams_closed ("the cancelled stream of a tampered page to be closed");
  harness_close (window);

  /* The controller's methods too: a pulled body fed through a throwing
   * enqueue() would stall, its read never settling. */
  window = harness_open (get_app (), "/");
  harness_assert_js (window, JS_HELPERS
    "let c; new ReadableStream({ start: (x) => { c = x; } });"
    "const C = Object.getPrototypeOf(c);"
    "for (const m of ['enqueue', 'close', 'error']) C[m] = function () { throw new Error('tampered'); };"
    "return await read(await atrium.call('demo.stream', 3 * 1024 * 1024 + 5));", "3145733");
  wait_streams_closed ("the stream of a page with a tampered controller to be closed");
  harness_close (window);
}

/* A method's content type that no response head may carry (a character
 * past Latin-1, a newline): refused with bad-args by either transport, and
 * the C stream closed, where a pulled body's Response could not be made
 * and the call never settled. */
static void
test_pull_bad_type (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;

  bind_review_methods (app);
  window = harness_open (app, "/");
  harness_assert_js (window, HARNESS_JS_CODE
    "const one = (type) => code(() => atrium.call('test.typed', type));"
    "return [await one('text/plain; name=\\u6587'), await one('text/plain\\nX-A: b'),"
    "  await code(async () => (await atrium.call('test.typed', 'text/plain; charset=utf-8')).text())"
    "].join(' ');", "\"bad-args bad-args resolved\"");
  wait_streams_closed ("the streams of bad types to be closed");
  harness_close (window);
}

static gboolean
no_pull_stream (gpointer window)
{
  return _atrium_bridge_get_n_pull_streams (_atrium_window_get_bridge (window)) == 0;
}

/* The page reads its own stream by id (atrium:stream.read) between two
 * reads of the runtime's body; the body's next pull is refused as
 * "being read already" and the body fails: then the C stream is closed
 * too, not left open until the page goes. */
static void
test_pull_stolen (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;

  if (!need_pulls ())
    return;
  bind_review_methods (app);
  gate_reset ();
  window = harness_open (app, "/");
  /* The body's first pull, for the page's first read. */
  harness_assert_js (window, "window.r = await atrium.call('test.gate', false);"
                             "window.reader = window.r.body.getReader();"
                             "window.first = window.reader.read(); return true;", "true");
  harness_wait_for (gate_reading, GINT_TO_POINTER (1), "the body's first pull");
  gate_let (FALSE, 1);
  harness_wait_for (gate_reading, GINT_TO_POINTER (0), "the body's first piece");
  /* The page's own read, blocked in C. */
  harness_assert_js (window, HARNESS_JS_CODE
    "window.stolen = code(() => atrium.call('atrium:stream.read', 1, 10)); return true;", "true");
  harness_wait_for (gate_reading, GINT_TO_POINTER (1), "the page's own read");
  harness_assert_js (window, HARNESS_JS_CODE
    "const a = await window.first;"
    "return [a.value.length, await code(() => window.reader.read())].join(' ');",
    "\"1048576 bad-args\"");
  harness_wait_for (no_pull_stream, window, "the failed body's C stream to be dropped");
  gate_let (TRUE, 0);
  harness_wait_for (gate_closed, GINT_TO_POINTER (1), "the failed body's C stream to be closed");
  harness_close (window);
}

/* Streams the page never reads, through the extension: at most 64 wait
 * for a first read (the 65th call is queue-full, as on the route), a read
 * frees a place (a stream being read does not count), and one left unread
 * is closed once its time is up (here 100 ms; 30 s by default). */
static void
test_pull_unread (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;

  if (!need_pulls ())
    return;
  window = harness_open (app, "/");
  /* Kept past the 65 calls however slowly a loaded machine makes them:
   * the 30 s is not what this window counts. */
  _atrium_bridge_set_pull_lifetime (_atrium_window_get_bridge (window), G_MAXINT);
  harness_assert_js (window, HARNESS_JS_CODE
    "window.kept = [];"
    "for (let i = 0; i < 64; i++) window.kept.push(await atrium.call('demo.stream', 100));"
    "const full = await code(() => atrium.call('demo.stream', 100));"
    "const first = new Uint8Array(await window.kept[0].arrayBuffer()).length;"
    "const again = await code(() => atrium.call('demo.stream', 100));"
    "return [full, first, again].join(' ');", "\"queue-full 100 resolved\"");
  harness_close (window);
  wait_streams_closed ("the unread streams of a closed window to be closed");

  window = harness_open (app, "/");
  _atrium_bridge_set_pull_lifetime (_atrium_window_get_bridge (window), 100);
  harness_assert_js (window, "window.r = await atrium.call('demo.stream', 100); return true;",
                     "true");
  harness_wait_for (no_pull_stream, window, "the unread stream's time to be up");
  wait_streams_closed ("the unread stream to be closed");
  harness_assert_js (window,
    "try { await window.r.arrayBuffer(); return 'read'; } catch (e) { return 'failed'; }",
    "\"failed\"");
  harness_close (window);
}

/* JS: blob(n) is a Blob of n bytes, byte i being (i * 7) & 255, and
 * sha(b) its SHA-256 in hex, by the page. */
#define JS_BLOBS \
  "const blob = (n) => { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = (i * 7) & 255;" \
  "  return new Blob([a], { type: 'image/png' }); };" \
  "const sha = async (b) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256'," \
  "  await b.arrayBuffer()))).map((x) => x.toString(16).padStart(2, '0')).join('');"

/* A Blob sent as atrium.stream(blob) reaches C whole and exact (demo's
 * sha256Stream hashes what it reads), at 0 bytes, 1 byte and around the
 * pieces, with other arguments and a File; a plain Blob still works as
 * bytes; and a stream is not a value a method can take for bytes. */
static void
test_upload_sizes (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");

  harness_assert_js (window, JS_BLOBS HARNESS_JS_CODE
    "for (const n of [0, 1, 65535, 65536, 65537, 1000000]) {"
    "  const b = blob(n);"
    "  const got = await atrium.call('demo.sha256Stream', atrium.stream(b));"
    "  if (got !== await sha(b)) return 'stream ' + n;"
    "  if (await atrium.call('demo.sha256Stream', b) !== got) return 'bytes ' + n;"
    "}"
    "const f = new File([blob(3000)], 'x.bin');"
    "if (await atrium.call('demo.sha256Stream', atrium.stream(f)) !== await sha(f)) return 'file';"
    "if (await code(() => atrium.call('demo.sha256', atrium.stream(blob(10)))) !== 'bad-args')"
    "  return 'a stream passed for bytes';"
    "let threw = '';"
    "try { atrium.stream('not a blob'); } catch (e) { threw = e.code; }"
    "if (threw !== 'bad-args') return 'stream() of a string';"
    "if (JSON.stringify(atrium.stream(blob(1))) !== '{}') return 'the page sees a marker';"
    "return 'ok';", "\"ok\"");
  harness_close (window);
}

/* 256 MiB from the page: the UI process (this one) does not hold it. */
static void
test_upload_256m (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");
  g_autofree char *expected = NULL;
  gssize before, after;

  harness_assert_js (window,
    "const a = new Uint8Array(256 * 1024 * 1024); for (let i = 0; i < a.length; i += 4096) a[i] = i >> 12;"
    "window.big = new Blob([a]); window.bigSha = Array.from(new Uint8Array(await crypto.subtle.digest("
    "  'SHA-256', a))).map((x) => x.toString(16).padStart(2, '0')).join(''); return true;", "true");
  before = rss_bytes ();
  expected = harness_run_js (window, "return window.bigSha;");
  harness_assert_js (window,
    "return await atrium.call('demo.sha256Stream', atrium.stream(window.big));", expected);
  after = rss_bytes ();
  g_test_message ("UI process RSS grew by %" G_GSSIZE_FORMAT " KiB over a 256 MiB upload",
                  (after - before) / 1024);
  g_assert_cmpint (after - before, <, 64 * MiB);
  harness_close (window);
}

static gboolean
hold_started (gpointer data)
{
  return g_atomic_int_get (&hold.started);
}

static gboolean
hold_finished (gpointer data)
{
  return g_atomic_int_get (&hold.finished);
}

static gboolean
no_upload_left (gpointer media)
{
  return _atrium_media_server_get_n_uploads (media) == 0;
}

static void
hold_reset (void)
{
  g_clear_error (&hold.error);
  hold.started = hold.finished = FALSE;
  hold.first = 0;
}

/* The page cancels a call whose stream C is reading, and then a window
 * closes while C reads another: C's next read fails as cancelled, at
 * once, and the route keeps nothing. */
static void
test_upload_cancelled (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window = harness_open (app, "/");
  AtriumMediaServer *media = _atrium_app_get_media_server (app);

  hold_reset ();
  harness_assert_js (window,
    "window.p = atrium.call('stream.hold', atrium.stream(new Blob([new Uint8Array(64 << 20)])));"
    "window.p.catch(() => {}); return true;", "true");
  harness_wait_for (hold_started, NULL, "C to read the start of the stream");
  g_assert_cmpint (hold.first, ==, 64 * 1024);
  harness_assert_js (window, "return window.p.cancel();", "true");
  harness_wait_for (hold_finished, NULL, "C's read after the cancel to end");
  g_assert_error (hold.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  hold_reset ();
  harness_assert_js (window,
    "atrium.call('stream.hold', atrium.stream(new Blob([new Uint8Array(64 << 20)])))"
    "  .catch(() => {}); return true;", "true");
  harness_wait_for (hold_started, NULL, "C to read the start of the second stream");
  harness_close (window);
  harness_wait_for (hold_finished, NULL, "C's read after the window closed to end");
  g_assert_error (hold.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  hold_reset ();
  harness_wait_for (no_upload_left, media, "the route to forget both uploads");
}

/* As the attacker, from the page: another window's stream URL (read, and
 * unread once that window closed), a URL guessed, one fetched twice, and
 * one fetched by a frame of another origin: none gives a byte; the route's
 * limits give their codes. */
static void
server_cb (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  /* The foreign frame fetches what its URL's query names, and reports. */
  static const char page[] =
    "<!DOCTYPE html><script>"
    "fetch(decodeURIComponent(location.search.slice(1)), { mode: 'cors' })"
    "  .then((r) => r.text().then((t) => parent.postMessage('status ' + r.status, '*')),"
    "        (e) => parent.postMessage('failed', '*'));"
    "</script>";

  soup_server_message_set_response (message, "text/html", SOUP_MEMORY_STATIC, page, strlen (page));
  soup_server_message_set_status (message, 200, NULL);
}

static void
test_hostile (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window, *other;
  AtriumMediaServer *media;
  g_autoptr(GInputStream) unread = demo_pattern_stream_new (1000);
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autofree char *url = NULL;
  g_autofree char *js = NULL;
  g_autofree char *read_url = NULL;
  g_autofree char *transport = NULL;
  guint port;

  /* A small limit for streams from the page; frames of other origins may
   * load, for one to try the route. */
  atrium_app_set_max_stream_size (app, 100000);
  atrium_app_set_remote_frames (app, TRUE);
  /* The route's URLs are what is attacked here: this app's calls go as
   * script messages, whose streams wait on the route (through the
   * extension a page pulls its streams by id, from its own bridge only). */
  transport = g_strdup (g_getenv ("ATRIUM_TRANSPORT"));
  g_setenv ("ATRIUM_TRANSPORT", "script", TRUE);
  window = harness_open (app, "/");
  other = harness_open (app, "/");
  if (transport != NULL)
    g_setenv ("ATRIUM_TRANSPORT", transport, TRUE);
  else
    g_unsetenv ("ATRIUM_TRANSPORT");
  media = _atrium_app_get_media_server (app);

  /* Fetched twice: the page's own second fetch of a URL it read. */
  read_url = harness_run_js (window,
    "const r = await atrium.call('demo.stream', 10); await r.arrayBuffer();"
    "const again = await fetch(r.url, { mode: 'cors' }); return [r.url, again.status];");
  g_assert_true (g_str_has_suffix (read_url, ",404]"));

  /* A URL guessed, of the right shape. */
  harness_assert_js (window,
    "const r = await atrium.call('demo.stream', 10);"
    "const guess = r.url.slice(0, -32) + '0123456789abcdef0123456789abcdef';"
    "return (await fetch(guess, { mode: 'cors' })).status;", "404");

  /* Another window's URL, once read there. */
  js = g_strdup_printf ("return (await fetch(%.*s, { mode: 'cors' })).status;",
                        (int) (strchr (read_url, ',') - read_url - 1), read_url + 1);
  harness_assert_js (other, js, "404");

  /* A stream of a window waiting unread: gone when that window closes. */
  url = _atrium_media_server_add_stream (media, unread, "text/plain", 1000,
                                         _atrium_window_get_bridge (window), &error);
  g_assert_no_error (error);
  harness_close (window);
  g_clear_pointer (&js, g_free);
  js = g_strdup_printf ("return (await fetch('%s', { mode: 'cors' })).status;", url);
  harness_assert_js (other, js, "404");
  g_assert_true (g_input_stream_is_closed (unread));

  /* A frame of another origin, told a live URL, fetches it: refused (its
   * Origin is not the app's), and the stream is still the page's. */
  g_clear_object (&unread);
  g_clear_pointer (&url, g_free);
  unread = demo_pattern_stream_new (1000);
  url = _atrium_media_server_add_stream (media, unread, "text/plain", 1000,
                                         _atrium_window_get_bridge (other), &error);
  g_assert_no_error (error);
  server = harness_foreign_server_new (server_cb, NULL, &port);
  g_clear_pointer (&js, g_free);
  js = g_strdup_printf (
    "const said = new Promise((r) => addEventListener('message', (e) => r(e.data), { once: true }));"
    "const f = document.createElement('iframe');"
    "f.src = 'http://127.0.0.1:%u/frame?' + encodeURIComponent('%s');"
    "document.body.append(f); return await said;", port, url);
  {
    g_autofree char *said = harness_run_js (other, js);

    g_test_message ("the foreign frame said %s", said);
    g_assert_true (g_str_equal (said, "\"status 403\"") || g_str_equal (said, "\"failed\""));
  }
  g_assert_false (g_input_stream_is_closed (unread));
  g_clear_pointer (&js, g_free);
  js = g_strdup_printf ("return (await (await fetch('%s', { mode: 'cors' })).text()).length;", url);
  harness_assert_js (other, js, "1000");

  /* Limits: a call naming a stream over the app's limit is refused before
   * anything is read; one at the limit goes. */
  harness_assert_js (other, HARNESS_JS_CODE
    "const over = await code(() => atrium.call('demo.sha256Stream',"
    "  atrium.stream(new Blob([new Uint8Array(100001)]))));"
    "const at = await code(() => atrium.call('demo.sha256Stream',"
    "  atrium.stream(new Blob([new Uint8Array(100000)]))));"
    "return [over, at];", "[\"too-large\",\"resolved\"]");
  harness_close (other);
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
  g_test_add_func ("/atrium/stream/pull-hostile", test_pull_hostile);
  g_test_add_func ("/atrium/stream/pull-blocked", test_pull_blocked);
  g_test_add_func ("/atrium/stream/pull-size-contract", test_pull_size_contract);
  g_test_add_func ("/atrium/stream/pull-late", test_pull_late);
  g_test_add_func ("/atrium/stream/pull-many", test_pull_many);
  g_test_add_func ("/atrium/stream/pull-tampered", test_pull_tampered);
  g_test_add_func ("/atrium/stream/pull-bad-type", test_pull_bad_type);
  g_test_add_func ("/atrium/stream/pull-stolen", test_pull_stolen);
  g_test_add_func ("/atrium/stream/pull-unread", test_pull_unread);
  g_test_add_func ("/atrium/stream/upload-sizes", test_upload_sizes);
  g_test_add_func ("/atrium/stream/upload-256m", test_upload_256m);
  g_test_add_func ("/atrium/stream/upload-cancelled", test_upload_cancelled);
  g_test_add_func ("/atrium/stream/hostile", test_hostile);

  status = g_test_run ();

  g_clear_object (&shared_app);
  return status;
}

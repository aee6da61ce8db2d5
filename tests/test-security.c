#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "atrium-app-private.h"
#include "atrium-bridge-private.h"
#include "atrium-log-limit-private.h"
#include "atrium-window-private.h"
#include "webkit-harness.h"

/* The security suite: each test is one finding of a hostile review,
 * written as the attacker would try it (a page that replaces built-ins, a
 * <base href>, a flood of messages, frames of other origins, a web server
 * that redirects or sends attachments). Every one of them failed before
 * the fix it guards.
 *
 * A web server of "another origin" runs in this process on 127.0.0.1: it
 * counts what reaches it, so a test can tell that nothing did. */

/* --- the foreign origin --- */

typedef struct
{
  SoupServer *server;
  char       *origin;     /* http://127.0.0.1:PORT */
  guint       requests;
} Foreign;

static void
foreign_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Foreign *foreign = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  foreign->requests++;
  if (strcmp (path, "/redirect") == 0)
    {
      soup_server_message_set_redirect (msg, 302, "app://localhost/landed.html?from=redirect");
    }
  else if (strcmp (path, "/attachment") == 0)
    {
      soup_message_headers_replace (headers, "Content-Disposition",
                                    "attachment; filename=\"atrium-attack.txt\"");
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "pwned\n", 6);
    }
  else if (strcmp (path, "/navtop") == 0)
    {
      static const char page[] =
        "<!DOCTYPE html><script>top.location = 'app://localhost/landed.html?from=navtop'"
        "</script>";

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, page,
                                        sizeof page - 1);
    }
  else if (strcmp (path, "/popup") == 0)
    {
      static const char page[] =
        "<!DOCTYPE html><script>window.open('app://localhost/landed.html?from=foreign-popup')"
        "</script>";

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, page,
                                        sizeof page - 1);
    }
  else
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "foreign\n", 8);
    }
}

static Foreign *
foreign_new (void)
{
  Foreign *foreign = g_new0 (Foreign, 1);
  guint port;

  foreign->server = harness_foreign_server_new (foreign_cb, foreign, &port);
  foreign->origin = g_strdup_printf ("http://127.0.0.1:%u", port);
  return foreign;
}

static void
foreign_free (Foreign *foreign)
{
  soup_server_disconnect (foreign->server);
  g_object_unref (foreign->server);
  g_free (foreign->origin);
  g_free (foreign);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Foreign, foreign_free)

/* --- the app --- */

/* Never finishes until cancelled: lets a page hold a call in flight. */
static void
hold_cancelled_cb (GCancellable *cancellable,
                   AtriumCall   *call)
{
  atrium_call_return_error (call, ATRIUM_ERROR_CANCELLED, "cancelled");
}

static void
hold_cb (AtriumCall *call,
         gpointer    user_data)
{
  g_cancellable_connect (atrium_call_get_cancellable (call), G_CALLBACK (hold_cancelled_cb),
                         call, NULL);
}

static AtriumApp *
security_app_new (const char *csp,
                  gboolean    log_console)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "security", NULL), &error);
  AtriumApp *app;

  g_assert_no_error (error);
  app = harness_app_new (assets);
  _atrium_app_set_upload_min (app, 1024);
  if (csp != NULL)
    atrium_app_set_content_security_policy (app, csp);
  atrium_app_set_log_console (app, log_console);
  atrium_app_bind (app, "echo", harness_echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "hold", hold_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  return app;
}

static guint64
uploads_received (AtriumWindow *window)
{
  guint64 received;
  guint waiting;

  _atrium_bridge_get_upload_stats (_atrium_window_get_bridge (window), &received, &waiting);
  return received;
}

/* --- 1. the token, and every built-in the runtime could touch --- */

/* Installs spies on every built-in the runtime could call: each records
 * the strings it is handed (as `this`, as an argument, or as a `body` in
 * an options object) and then does what the original did. Getters on
 * Object.prototype catch options objects with a prototype. */
#define JS_SPIES \
  "const RA = Reflect.apply, GOPD = Object.getOwnPropertyDescriptor, DP = Object.defineProperty;" \
  "const pushO = Array.prototype.push, sliceO = String.prototype.slice;" \
  "const seen = [];" \
  "let busy = false;" \
  "const note = (v) => {" \
  "  if (typeof v === 'string') { if (v.length >= 16) RA(pushO, seen, [RA(sliceO, v, [0, 4096])]); }" \
  "  else if (v !== null && (typeof v === 'object' || typeof v === 'function')) {" \
  "    for (const k of ['body', 'message', '0']) {" \
  "      let d; try { d = GOPD(v, k); } catch (_) { continue; }" \
  "      if (d && typeof d.value === 'string' && d.value.length >= 16)" \
  "        RA(pushO, seen, [RA(sliceO, d.value, [0, 4096])]);" \
  "    }" \
  "  }" \
  "};" \
  "const spy = (owner, name) => {" \
  "  const d = GOPD(owner, name);" \
  "  if (!d || typeof d.value !== 'function' || (!d.configurable && !d.writable)) return;" \
  "  const original = d.value;" \
  "  DP(owner, name, { ...d, value: function (...args) {" \
  "    if (!busy) { busy = true; try { note(this); for (let i = 0; i < args.length; i++) note(args[i]); }" \
  "      finally { busy = false; } }" \
  "    return new.target ? Reflect.construct(original, args, new.target) : RA(original, this, args);" \
  "  } });" \
  "};" \
  "const protos = [String.prototype, Array.prototype, Function.prototype, Promise.prototype," \
  "  Map.prototype, Set.prototype, Object.prototype, Number.prototype, Response.prototype," \
  "  Element.prototype, EventTarget.prototype, Uint32Array.prototype, RegExp.prototype];" \
  "for (const p of protos) for (const n of Reflect.ownKeys(p)) if (n !== 'constructor') spy(p, n);" \
  "for (const o of [JSON, Object, Reflect, Array, Promise, String, Math, Crypto.prototype," \
  "  console]) for (const n of Reflect.ownKeys(o)) spy(o, n);" \
  "spy(window, 'fetch');" \
  "const handlerProto = Object.getPrototypeOf(window.webkit.messageHandlers.atrium);" \
  "for (const n of Reflect.ownKeys(handlerProto)) spy(handlerProto, n);" \
  "for (const n of ['body', 'method', 'headers', 'signal', 'mode', 'credentials', 'cache'," \
  "  'redirect', 'referrer', 'referrerPolicy', 'integrity', 'keepalive', 'window', 'priority'," \
  "  'duplex', 'then', 'toJSON', 'get', 'set', 'value'])" \
  "  DP(Object.prototype, n, { configurable: true, get() { note(this); return undefined; }," \
  "    set(v) { note(this); note(v); DP(this, n, { value: v, writable: true, enumerable: true," \
  "      configurable: true }); } });"

typedef struct
{
  guint  count;
  char  *last;
} Received;

static void
count_event_cb (AtriumApp    *app,
                const char   *name,
                JsonNode     *data,
                AtriumWindow *sender,
                gpointer      user_data)
{
  Received *received = user_data;

  received->count++;
  g_free (received->last);
  received->last = json_to_string (data, FALSE);
}

/* C answers a page's "spied"/"broken" event with "from-c". */
static void
answer_cb (AtriumApp    *app,
           const char   *name,
           JsonNode     *data,
           AtriumWindow *sender,
           gpointer      user_data)
{
  g_autoptr(JsonNode) answer = json_from_string ("\"answer\"", NULL);

  atrium_app_emit_to (app, atrium_window_get_id (sender), "from-c", answer, NULL);
}

/* The review's attack: a spy on String.prototype.charCodeAt and one forged
 * atrium.__deliver() read the token; so did spies on the handlers'
 * postMessage (cancel, console) and a getter on Object.prototype (the
 * upload's fetch options). Here the page spies on every built-in it can
 * reach, then uses every part of the runtime; none of them hands the
 * token to the page. */
static void
test_token_spies (void)
{
  g_autoptr(AtriumApp) app = security_app_new (NULL, TRUE);
  const char *token = _atrium_app_get_token (app);
  Received received = { 0, NULL };
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  JsonObject *object;
  JsonArray *seen;

  atrium_app_on (app, "spied", count_event_cb, &received, NULL);
  atrium_app_on (app, "spied", answer_cb, NULL, NULL);
  window = harness_open (app, "/");
  result = harness_run_js_json (window,
    JS_SPIES
    "const out = {};"
    "try {"
    "  out.small = await atrium.call('echo', 'small value');"
    "  out.large = (await atrium.call('echo', 'L'.repeat(4096))).length;"
    "  const held = atrium.call('hold');"
    "  out.cancelled = held.cancel();"
    "  try { await held; } catch (e) { out.heldCode = e.code; }"
    "  const got = new Promise((resolve) => atrium.once('from-c', resolve));"
    "  await atrium.emit('spied', {hello: 'world'});"
    "  out.fromC = await got;"
    "  console.log('# a console line long enough to be noted (TAP comment)');"
    "  try { atrium.__deliver(['z'.repeat(32), [['from-c', 'forged', null]]]); out.forged = 'accepted'; }"
    "  catch (e) { out.forged = e.code; }"
    "  window.open('/other.html');"
    "} finally {"
    "  for (const n of ['body', 'method', 'headers', 'signal', 'mode', 'credentials', 'cache',"
    "    'redirect', 'referrer', 'referrerPolicy', 'integrity', 'keepalive', 'window', 'priority',"
    "    'duplex', 'then', 'toJSON', 'get', 'set', 'value']) delete Object.prototype[n];"
    "}"
    "out.seen = seen;"
    "return out;");

  object = json_node_get_object (result);
  g_assert_cmpstr (json_object_get_string_member (object, "small"), ==, "small value");
  g_assert_cmpint (json_object_get_int_member (object, "large"), ==, 4096);
  g_assert_true (json_object_get_boolean_member (object, "cancelled"));
  g_assert_cmpstr (json_object_get_string_member (object, "heldCode"), ==, "cancelled");
  g_assert_cmpstr (json_object_get_string_member (object, "forged"), ==, "bad-token");
  /* The large call went up the upload route over script messages; the
   * extension carries it itself. */
  g_assert_cmpuint (uploads_received (window), ==, harness_transport_is_script () ? 1 : 0);
  g_assert_cmpuint (received.count, ==, 1);

  /* The spies saw plenty (the page's own strings, the runtime's
   * messages' payloads), just never the token. */
  seen = json_object_get_array_member (object, "seen");
  g_assert_cmpuint (json_array_get_length (seen), >, 0);
  for (guint i = 0; i < json_array_get_length (seen); i++)
    {
      const char *s = json_array_get_string_element (seen, i);

      if (strstr (s, token) != NULL)
        g_error ("A spy saw the token in: %.200s", s);
    }

  g_free (received.last);
  harness_close (window);
}

/* The page breaks every built-in it can (each throws), then uses the
 * runtime: calls, uploads, cancels and events still work, because the
 * runtime holds its own copies. */
static void
test_token_broken_builtins (void)
{
  g_autoptr(AtriumApp) app = security_app_new (NULL, FALSE);
  Received received = { 0, NULL };
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  JsonObject *object;

  atrium_app_on (app, "broken", count_event_cb, &received, NULL);
  atrium_app_on (app, "broken", answer_cb, NULL, NULL);
  window = harness_open (app, "/");
  result = harness_run_js_json (window,
    "const RA = Reflect.apply, GOPD = Object.getOwnPropertyDescriptor, DP = Object.defineProperty;"
    "const stringify = JSON.stringify, ownKeys = Reflect.ownKeys, saved = [];"
    "const pushO = Array.prototype.push;"
    "const breakAll = (owner) => {"
    "  const keys = ownKeys(owner);"
    "  for (let k = 0; k < keys.length; k++) {"
    "    const n = keys[k];"
    "    if (n === 'constructor') continue;"
    "    const d = GOPD(owner, n);"
    "    if (!d || typeof d.value !== 'function' || !d.configurable) continue;"
    "    RA(pushO, saved, [[owner, n, d]]);"
    "    DP(owner, n, { ...d, value: function () { throw new TypeError('broken by the page'); } });"
    "  }"
    "};"
    "const owners = [String.prototype, Array.prototype, Map.prototype, Set.prototype,"
    "  Number.prototype, JSON, Object, Response.prototype, Element.prototype, Crypto.prototype];"
    "const handlerProto = Object.getPrototypeOf(window.webkit.messageHandlers.atrium);"
    "const restore = () => { for (let i = saved.length - 1; i >= 0; i--) DP(saved[i][0], saved[i][1], saved[i][2]); };"
    "const out = {};"
    "const got = new Promise((resolve) => atrium.once('from-c', resolve));"
    "const bigValue = 'B'.repeat(5000);"
    "for (let i = 0; i < owners.length; i++) breakAll(owners[i]);"
    "breakAll(handlerProto);"
    "DP(window, 'fetch', { value: () => { throw new TypeError('broken'); }, configurable: true, writable: true });"
    "DP(Array.prototype, Symbol.iterator, { value: function () { throw new TypeError('broken'); }, configurable: true, writable: true });"
    "try {"
    "  out.small = await atrium.call('echo', 'still works');"
    "  const big = await atrium.call('echo', bigValue);"
    "  out.large = big.length;"
    "  const held = atrium.call('hold');"
    "  out.cancelled = held.cancel();"
    "  try { await held; } catch (e) { out.heldCode = e.code; }"
    "  await atrium.emit('broken', 7);"
    "  out.fromC = await got;"
    "} catch (e) { out.error = String(e); }"
    "finally { restore(); delete window.fetch; }"
    "return out;");

  object = json_node_get_object (result);
  g_assert_false (json_object_has_member (object, "error"));
  g_assert_cmpstr (json_object_get_string_member (object, "small"), ==, "still works");
  g_assert_cmpint (json_object_get_int_member (object, "large"), ==, 5000);
  g_assert_true (json_object_get_boolean_member (object, "cancelled"));
  g_assert_cmpstr (json_object_get_string_member (object, "heldCode"), ==, "cancelled");
  g_assert_cmpuint (received.count, ==, 1);
  g_assert_cmpstr (received.last, ==, "7");
  g_assert_cmpuint (uploads_received (window), ==, harness_transport_is_script () ? 1 : 0);

  g_free (received.last);
  harness_close (window);
}

/* --- 2. <base href> and the upload --- */

/* With a CSP of "" (which the README offers), a <base href> used to send
 * a large call, token first, to another origin. */
static void
test_upload_base_href (void)
{
  g_autoptr(Foreign) foreign = foreign_new ();
  g_autoptr(AtriumApp) app = security_app_new ("", FALSE);
  AtriumWindow *window = harness_open (app, "/");
  g_autofree char *script = g_strdup_printf (
    "const base = document.createElement('base');"
    "base.href = '%s/';"
    "document.head.prepend(base);"
    "const value = 'x'.repeat(100000);"
    "const back = await atrium.call('echo', value);"
    "return [document.baseURI, back === value];", foreign->origin);
  g_autoptr(JsonNode) result = harness_run_js_json (window, script);
  JsonArray *array = json_node_get_array (result);

  g_assert_true (g_str_has_prefix (json_array_get_string_element (array, 0), foreign->origin));
  g_assert_true (json_array_get_boolean_element (array, 1));
  /* It went up as an upload (over script messages; the extension carries
   * it itself), to the app, and nothing reached the other origin. */
  g_assert_cmpuint (uploads_received (window), ==, harness_transport_is_script () ? 1 : 0);
  g_assert_cmpuint (foreign->requests, ==, 0);

  harness_close (window);
}

/* --- 6. back-pressure from the page, and the log it can cause --- */

typedef struct
{
  guint    count;
  guint64  last_seq;
  gboolean in_order;
} Flood;

static void
flood_cb (AtriumApp    *app,
          const char   *name,
          JsonNode     *data,
          AtriumWindow *sender,
          gpointer      user_data)
{
  Flood *flood = user_data;
  guint64 seq = json_node_get_int (data);

  if (flood->count > 0 && seq != flood->last_seq + 1)
    flood->in_order = FALSE;
  flood->last_seq = seq;
  flood->count++;
}

/* 200,000 emits in one go: the page keeps at most a lane's worth in flight,
 * queues 100,000 more and refuses the rest at once with queue-full; a call
 * made after them overtakes the queue; everything taken arrives in order. */
static void
test_page_backpressure (void)
{
  g_autoptr(AtriumApp) app = security_app_new (NULL, FALSE);
  Flood flood = { 0, 0, TRUE };
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  JsonObject *object;
  gint64 accepted;

  atrium_app_on (app, "flood", flood_cb, &flood, NULL);
  window = harness_open (app, "/");
  result = harness_run_js_json (window,
    "const n = 200000; const taken = []; let full = 0, other = 0;"
    "for (let i = 0; i < n; i++) {"
    "  taken.push(atrium.emit('flood', i).then(() => true, (e) => {"
    "    if (e.code === 'queue-full') full++; else other++; return false; }));"
    "}"
    "const echoed = await atrium.call('echo', 'overtakes');"
    "const pendingAtEcho = (await Promise.race([Promise.all(taken).then(() => 'all'),"
    "  Promise.resolve('some')]));"
    "const results = await Promise.all(taken);"
    "let firstRefused = results.indexOf(false);"
    "return {echoed, pendingAtEcho, full, other, accepted: results.filter((r) => r).length,"
    "  firstRefused, refusedAfter: results.slice(firstRefused).every((r) => !r)};");
  object = json_node_get_object (result);

  g_assert_cmpstr (json_object_get_string_member (object, "echoed"), ==, "overtakes");
  /* The echo was answered while events still waited in the page. */
  g_assert_cmpstr (json_object_get_string_member (object, "pendingAtEcho"), ==, "some");
  g_assert_cmpint (json_object_get_int_member (object, "other"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object, "full"), >, 0);
  accepted = json_object_get_int_member (object, "accepted");
  g_assert_cmpint (accepted + json_object_get_int_member (object, "full"), ==, 200000);
  /* What was refused is the tail: the queue took the first ones. */
  g_assert_cmpint (json_object_get_int_member (object, "firstRefused"), ==, accepted);
  g_assert_true (json_object_get_boolean_member (object, "refusedAfter"));
  g_assert_cmpuint (flood.count, ==, accepted);
  g_assert_true (flood.in_order);

  harness_close (window);
}

typedef struct
{
  GLogWriterFunc  chained;
  guint           refused_lines;
} LogCount;

static LogCount log_count;

static GLogWriterOutput
count_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0
        && g_str_has_prefix (fields[i].value, "Refused a call"))
      {
        log_count.refused_lines++;
        return G_LOG_WRITER_HANDLED;
      }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* 20,000 forged messages straight to the call handler: each is refused,
 * and the log gets a few lines a second about them, not 20,000. */
static void
test_log_rate_limited (void)
{
  g_autoptr(AtriumApp) app = security_app_new (NULL, FALSE);
  AtriumWindow *window = harness_open (app, "/");
  guint64 suppressed_before = _atrium_log_page_suppressed ();
  gint64 start = g_get_monotonic_time ();
  g_autoptr(JsonNode) result = NULL;
  gint64 seconds;

  log_count.refused_lines = 0;
  result = harness_run_js_json (window,
    HARNESS_JS_RAW ("'atrium'")
    "const all = [];"
    "for (let i = 0; i < 20000; i++) all.push(raw('not the token ' + i));"
    "const codes = await Promise.all(all);"
    "return codes.filter((c) => c === 'forbidden').length;");
  seconds = (g_get_monotonic_time () - start) / G_USEC_PER_SEC + 1;

  g_assert_cmpint (json_node_get_int (result), ==, 20000);
  /* At most the budget of each second the flood spanned (the clock's
   * windows may split it over one more). */
  g_assert_cmpuint (log_count.refused_lines, <=, ATRIUM_LOG_PAGE_PER_SECOND * (seconds + 1));
  g_assert_cmpuint (_atrium_log_page_suppressed () - suppressed_before, >=,
                    20000 - ATRIUM_LOG_PAGE_PER_SECOND * (seconds + 1));

  harness_close (window);
}

/* --- 5. downloads --- */

typedef struct
{
  guint started;
  guint failed;
  guint finished_ok;
} Downloads;

static void
download_failed_cb (WebKitDownload *download,
                    GError         *error,
                    Downloads      *downloads)
{
  downloads->failed++;
}

static void
download_finished_cb (WebKitDownload *download,
                      Downloads      *downloads)
{
  if (g_object_get_data (G_OBJECT (download), "failed") == NULL)
    downloads->finished_ok++;
}

static void
mark_failed_cb (WebKitDownload *download,
                GError         *error,
                gpointer        user_data)
{
  g_object_set_data (G_OBJECT (download), "failed", GINT_TO_POINTER (1));
}

static void
download_started_cb (WebKitNetworkSession *session,
                     WebKitDownload       *download,
                     Downloads            *downloads)
{
  downloads->started++;
  g_signal_connect (download, "failed", G_CALLBACK (mark_failed_cb), NULL);
  g_signal_connect (download, "failed", G_CALLBACK (download_failed_cb), downloads);
  g_signal_connect (download, "finished", G_CALLBACK (download_finished_cb), downloads);
}

typedef struct
{
  AtriumWindow *window;
  Downloads    *downloads;
} DownloadWait;

/* Both attempts refused, and every download WebKit started has ended. */
static gboolean
downloads_settled (gpointer data)
{
  DownloadWait *wait = data;
  AtriumWindowRefusals refused;

  _atrium_window_get_refusals (wait->window, &refused);
  return refused.downloads >= 2
         && wait->downloads->failed + wait->downloads->finished_ok >= wait->downloads->started;
}

/* A data: iframe's <a download> and a foreign iframe's attachment: WebKit
 * used to save both in the user's download folder, with no prompt. */
static void
test_downloads_refused (void)
{
  g_autoptr(Foreign) foreign = foreign_new ();
  g_autoptr(AtriumApp) app = security_app_new ("", FALSE);
  AtriumWindow *window = harness_open (app, "/");
  WebKitNetworkSession *session =
    webkit_web_view_get_network_session (atrium_window_get_web_view (window));
  Downloads downloads = { 0, 0, 0 };
  gulong id = g_signal_connect (session, "download-started", G_CALLBACK (download_started_cb),
                                &downloads);
  g_autofree char *script = g_strdup_printf (
    "const a = document.createElement('iframe');"
    "a.src = 'data:text/html,<a download=\"atrium-attack.txt\" href=\"data:text/plain,pwned\">x</a>"
    "<script>document.querySelector(\"a\").click()</scr' + 'ipt>';"
    "document.body.append(a);"
    "const b = document.createElement('iframe');"
    "b.src = '%s/attachment';"
    "document.body.append(b);"
    "return true;", foreign->origin);
  g_autofree char *answer = harness_run_js (window, script);
  DownloadWait wait = { window, &downloads };
  AtriumWindowRefusals refused;

  harness_wait_for (downloads_settled, &wait, "both downloads to be refused");
  _atrium_window_get_refusals (window, &refused);
  g_assert_cmpuint (refused.downloads, ==, 2);
  g_assert_cmpuint (downloads.finished_ok, ==, 0);
  g_assert_cmpuint (downloads.failed, ==, downloads.started);

  g_signal_handler_disconnect (session, id);
  harness_close (window);
}

/* --- 7. the top frame never leaves the app --- */

typedef struct
{
  guint  count;
  char  *uri;
} Blocked;

static gboolean
navigation_blocked_cb (AtriumWindow *window,
                       const char   *uri,
                       gboolean      user_gesture,
                       Blocked      *blocked)
{
  blocked->count++;
  g_free (blocked->uri);
  blocked->uri = g_strdup (uri);
  return TRUE;
}

typedef struct
{
  Blocked       *blocked;
  WebKitWebView *web_view;
} BlockWait;

/* Blocked, and the window done loading (back on, or still on, the app). */
static gboolean
blocked_and_settled (gpointer data)
{
  BlockWait *wait = data;

  return wait->blocked->count > 0 && !webkit_web_view_is_loading (wait->web_view);
}

/* about:blank, and a web page that fails to load (WebKit's error page at
 * the foreign URL): the window used to stay there, with no way back. */
static void
test_top_frame_held (void)
{
  g_autoptr(AtriumApp) app = security_app_new (NULL, FALSE);
  AtriumWindow *window = harness_open (app, "/");
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  g_autofree char *unreachable = NULL;
  const char *targets[2] = { "about:blank", NULL };

  /* A port nothing listens on (port 1 and the like WebKit refuses
   * before it even asks the policy). */
  {
    g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
    g_autoptr(GSocketAddress) bound = NULL;

    g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
    bound = g_socket_get_local_address (socket, NULL);
    unreachable = g_strdup_printf ("http://127.0.0.1:%u/unreachable",
                                   g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  }
  targets[1] = unreachable;

  for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      Blocked blocked = { 0, NULL };
      gulong b = g_signal_connect (window, "navigation-blocked",
                                   G_CALLBACK (navigation_blocked_cb), &blocked);
      g_autofree char *script = g_strdup_printf ("location.href = '%s'; return true;", targets[i]);
      g_autofree char *answer = harness_run_js (window, script);
      g_autofree char *what = g_strdup_printf ("the navigation to %s to be blocked", targets[i]);
      BlockWait wait = { &blocked, web_view };
      g_autofree char *status = NULL;

      harness_wait_for (blocked_and_settled, &wait, what);
      g_assert_cmpstr (blocked.uri, ==, targets[i]);
      g_assert_cmpstr (webkit_web_view_get_uri (web_view), ==, "app://localhost/");
      status = harness_run_js (window, "return typeof atrium.call + ' ' + document.title;");
      g_assert_cmpstr (status, ==, "\"function Atrium security tests\"");

      g_signal_handler_disconnect (window, b);
      g_free (blocked.uri);
    }

  harness_close (window);
}

/* --- 10. who may open app windows --- */

static guint
count_windows (AtriumApp *app)
{
  return g_list_length (gtk_application_get_windows (GTK_APPLICATION (app)));
}

typedef struct
{
  AtriumApp    *app;
  AtriumWindow *window;
  Foreign      *foreign;
} OpenWait;

/* The three frames' popups refused, the redirect blocked, and the window
 * done loading its frames. */
static gboolean
frames_refused (gpointer data)
{
  OpenWait *wait = data;
  AtriumWindowRefusals refused;

  _atrium_window_get_refusals (wait->window, &refused);
  return refused.opens >= 4 && refused.redirects >= 1
         && !webkit_web_view_is_loading (atrium_window_get_web_view (wait->window));
}

/* Two more windows opened and two refused: the limit of 3 reached. */
static gboolean
limit_reached (gpointer data)
{
  OpenWait *wait = data;
  AtriumWindowRefusals refused;

  _atrium_window_get_refusals (wait->window, &refused);
  return refused.opens >= 6 && count_windows (wait->app) >= 3;
}

/* A sandboxed frame with allow-popups and a foreign frame opened app
 * windows at a path of their choosing; a foreign page that redirects to
 * app:// landed with the runtime. The app's own window.open() still
 * works, up to the app's window limit. */
static void
test_windows_only_for_the_app (void)
{
  g_autoptr(Foreign) foreign = foreign_new ();
  g_autoptr(AtriumApp) app = security_app_new ("", FALSE);
  Received landed = { 0, NULL };
  AtriumWindow *window;
  WebKitSettings *settings;
  g_autofree char *script = NULL;
  g_autofree char *answer = NULL;
  OpenWait wait = { app, NULL, foreign };
  AtriumWindowRefusals refused;

  atrium_app_on (app, "landed", count_event_cb, &landed, NULL);
  atrium_app_set_max_windows (app, 3);
  window = harness_open (app, "/");
  /* Popups without a click, so that frames can try. */
  settings = webkit_web_view_get_settings (atrium_window_get_web_view (window));
  webkit_settings_set_javascript_can_open_windows_automatically (settings, TRUE);

  /* A click on a plain link in the app's page (which navigates, it opens
   * no window) used to hand its URL to any frame that asked next. */
  script = g_strdup_printf (
    "const a = document.createElement('a');"
    "a.href = '/landed.html?from=plain-link';"
    "a.addEventListener('click', (e) => e.preventDefault());"
    "document.body.append(a);"
    "a.click();"
    "const frames = ["
    "  ['sandbox', 'allow-scripts allow-popups', 'srcdoc',"
    "   '<script>window.open(\"app://localhost/landed.html?from=plain-link\")</scr' + 'ipt>'],"
    "  ['sandbox', 'allow-scripts allow-popups', 'srcdoc',"
    "   '<script>window.open(\"app://localhost/landed.html?from=sandbox\")</scr' + 'ipt>'],"
    "  ['sandbox', 'allow-scripts allow-popups allow-same-origin', 'srcdoc',"
    "   '<script>window.open(\"app://localhost/landed.html?from=same-origin-sandbox\")</scr' + 'ipt>'],"
    "  [null, null, 'src', '%s/popup'],"
    "  [null, null, 'src', '%s/redirect'],"
    "];"
    "for (const [attr, value, key, src] of frames) {"
    "  const f = document.createElement('iframe');"
    "  if (attr) f.setAttribute(attr, value);"
    "  f[key] = src;"
    "  document.body.append(f);"
    "}"
    "return true;", foreign->origin, foreign->origin);
  answer = harness_run_js (window, script);

  wait.window = window;
  harness_wait_for (frames_refused, &wait, "the frames' four popups and the foreign redirect "
                    "to be refused");
  _atrium_window_get_refusals (window, &refused);
  g_assert_cmpuint (refused.opens, ==, 4);
  g_assert_cmpuint (refused.redirects, ==, 1);
  g_assert_cmpuint (count_windows (app), ==, 1);

  /* The app's own window.open() works, up to the limit of 3 windows. */
  g_clear_pointer (&answer, g_free);
  answer = harness_run_js (window,
    "for (let i = 0; i < 4; i++) window.open('/other.html?' + i);"
    "return true;");
  harness_wait_for (limit_reached, &wait, "two windows opened and two refused at the limit of 3");
  _atrium_window_get_refusals (window, &refused);
  g_assert_cmpuint (count_windows (app), ==, 3);
  g_assert_cmpuint (refused.opens, ==, 6);

  /* Whatever was refused never ran with the runtime's reach. */
  g_assert_cmpuint (landed.count, ==, 0);

  while (count_windows (app) > 0)
    harness_close (ATRIUM_WINDOW (gtk_application_get_windows (GTK_APPLICATION (app))->data));
}


/* --- the hostile review of the fixes --- */

/* A remote frame navigated the top frame to an app page of its choosing,
 * with no click (WebKit allows it for the top's own origin, and C cannot
 * tell who started it). Remote frames are now the app's to allow: under
 * the default policy the frame does not load at all. */
static void
test_remote_frames_opt_in (void)
{
  g_autoptr(Foreign) foreign = foreign_new ();
  g_autoptr(AtriumApp) app = security_app_new (NULL, FALSE);
  Received landed = { 0, NULL };
  AtriumWindow *window;
  g_autofree char *script = NULL;
  g_autofree char *answer = NULL;

  atrium_app_on (app, "landed", count_event_cb, &landed, NULL);
  window = harness_open (app, "/");
  script = g_strdup_printf (
    "const refused = new Promise((resolve) => document.addEventListener("
    "  'securitypolicyviolation', (e) => resolve(e.effectiveDirective), {once: true}));"
    "const f = document.createElement('iframe');"
    "f.src = '%s/navtop';"
    "document.body.append(f);"
    "return await refused;", foreign->origin);
  answer = harness_run_js (window, script);

  g_assert_cmpstr (answer, ==, "\"frame-src\"");
  g_assert_cmpuint (foreign->requests, ==, 0);
  g_assert_cmpstr (webkit_web_view_get_uri (atrium_window_get_web_view (window)), ==,
                   "app://localhost/");
  g_assert_cmpuint (landed.count, ==, 0);

  g_free (landed.last);
  harness_close (window);
}

static GPtrArray *never_calls;

/* Never finishes on its own, and ignores its cancellable: a long poll. */
static void
never_cb (AtriumCall *call,
          gpointer    user_data)
{
  g_ptr_array_add (never_calls, call);
}

/* Calls the page cancels used to keep their slot in the page's lane until
 * C answered, so 4,096 cancelled long polls stopped every later call. C
 * now answers a cancelled call at once and forgets it. */
static void
test_cancelled_calls_free_their_slot (void)
{
  g_autoptr(AtriumApp) app = security_app_new (NULL, FALSE);
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  JsonObject *object;

  never_calls = g_ptr_array_new ();
  atrium_app_bind (app, "never", never_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  window = harness_open (app, "/");
  result = harness_run_js_json (window,
    "const codes = [];"
    "for (let i = 0; i < 5000; i++) {"
    "  const p = atrium.call('never', i);"
    "  codes.push(p.then(() => 'resolved', (e) => e.code));"
    "  p.cancel();"
    "}"
    "const all = await Promise.all(codes);"
    "return {cancelled: all.filter((c) => c === 'cancelled').length,"
    "        after: await atrium.call('echo', 'after')};");
  object = json_node_get_object (result);

  g_assert_cmpint (json_object_get_int_member (object, "cancelled"), ==, 5000);
  g_assert_cmpstr (json_object_get_string_member (object, "after"), ==, "after");
  /* C holds none of them: each was answered and forgotten. */
  g_assert_cmpuint (_atrium_bridge_get_n_calls (_atrium_window_get_bridge (window)), ==, 0);

  /* What the method answers now is dropped. */
  for (guint i = 0; i < never_calls->len; i++)
    atrium_call_return_value (never_calls->pdata[i], NULL);
  g_clear_pointer (&never_calls, g_ptr_array_unref);
  {
    g_autofree char *still = harness_run_js (window, "return await atrium.call('echo', 'still');");

    g_assert_cmpstr (still, ==, "\"still\"");
  }
  harness_close (window);
}

/* A page that breaks Promise's species (a constructor that is not one)
 * made every call throw and jammed the call lane for good. */
static void
test_promise_species_broken (void)
{
  g_autoptr(AtriumApp) app = security_app_new (NULL, FALSE);
  AtriumWindow *window = harness_open (app, "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    "const d = Object.getOwnPropertyDescriptor(Promise.prototype, 'constructor');"
    "const out = {};"
    "Object.defineProperty(Promise.prototype, 'constructor', {value: 1, configurable: true,"
    "  writable: true});"
    "const pending = [];"
    "try {"
    "  for (let i = 0; i < 5000; i++) pending.push(atrium.call('echo', i));"
    "  pending.push(atrium.call('echo', 'L'.repeat(4096)));"
    "  pending.push(atrium.emit('species', 1));"
    "} catch (e) { out.threw = String(e); }"
    "Object.defineProperty(Promise.prototype, 'constructor', d);"
    "const values = await Promise.all(pending);"
    "out.sum = values.slice(0, 5000).reduce((a, b) => a + b, 0);"
    "out.large = values[5000].length;"
    "out.after = await atrium.call('echo', 'after');"
    "return out;");
  JsonObject *object = json_node_get_object (result);

  g_assert_false (json_object_has_member (object, "threw"));
  g_assert_cmpint (json_object_get_int_member (object, "sum"), ==, 5000 * 4999 / 2);
  g_assert_cmpint (json_object_get_int_member (object, "large"), ==, 4096);
  g_assert_cmpstr (json_object_get_string_member (object, "after"), ==, "after");
  harness_close (window);
}

static gboolean
page_reloaded (gpointer data)
{
  AtriumWindow *window = data;
  guint64 received;
  guint waiting;

  _atrium_bridge_get_upload_stats (_atrium_window_get_bridge (window), &received, &waiting);
  return waiting == 0 && !webkit_web_view_is_loading (atrium_window_get_web_view (window));
}

/* Uploads that no call claims were kept until the window closed, 64 of
 * them of any size. Now at most 16 wait, and none past their page. */
static void
test_unclaimed_uploads (void)
{
  g_autoptr(AtriumApp) app = security_app_new (NULL, FALSE);
  AtriumWindow *window = harness_open (app, "/");
  g_autoptr(JsonNode) result = NULL;
  JsonArray *statuses;
  guint64 received;
  guint waiting;

  /* The 30 s an upload waits is not what this counts: a loaded machine
   * could take that long over the twenty POSTs. */
  _atrium_bridge_set_upload_lifetime (_atrium_window_get_bridge (window), G_MAXINT);
  result = harness_run_js_json (window,
    "const statuses = [];"
    "for (let i = 0; i < 20; i++) {"
    "  const r = await fetch('app://localhost/__atrium/upload?' + (0xa000 + i).toString(16),"
    "    {method: 'POST', body: 'never claimed ' + i});"
    "  statuses.push(r.status);"
    "}"
    "return statuses;");
  statuses = json_node_get_array (result);

  for (guint i = 0; i < 20; i++)
    g_assert_cmpint (json_array_get_int_element (statuses, i), ==, i < 16 ? 204 : 503);
  _atrium_bridge_get_upload_stats (_atrium_window_get_bridge (window), &received, &waiting);
  g_assert_cmpuint (waiting, ==, 16);

  g_free (harness_run_js (window, "location.reload(); return true;"));
  harness_wait_for (page_reloaded, window, "the page to reload and its uploads to be dropped");
  {
    g_autofree char *large = harness_run_js (window, "return await atrium.call('echo', "
                                                     "'x'.repeat(5000)) === 'x'.repeat(5000);");

    g_assert_cmpstr (large, ==, "true");
  }
  harness_close (window);
}

/* --- the built-ins (atrium.window) --- */

static void
set_flag_cb (GtkWidget *widget,
             gboolean  *flag)
{
  *flag = TRUE;
}

/* A page that spies on every built-in, breaks the array iterator and puts
 * setters for the runtime's member names on Object.prototype still gets
 * atrium.window working, and never the token; its forgeries of the
 * runtime's close protocol close nothing; a message without the token
 * changes nothing. */
static void
test_builtins_hostile (void)
{
  g_autoptr(AtriumApp) app = security_app_new (NULL, FALSE);
  const char *token = _atrium_app_get_token (app);
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  JsonObject *object;
  JsonArray *seen;
  gboolean destroyed = FALSE;

  window = harness_open (app, "/");
  g_signal_connect (window, "destroy", G_CALLBACK (set_flag_cb), &destroyed);
  gtk_window_set_title (GTK_WINDOW (window), "before");
  result = harness_run_js_json (window,
    JS_SPIES
    HARNESS_JS_RAW ("'atrium'")
    "const out = { __proto__: null };"
    "for (const n of ['id', 'current', 'list', 'open', 'get', 'onCloseRequested', 'serial'])"
    "  DP(Object.prototype, n, { __proto__: null, configurable: true,"
    "    get() { note(this); return undefined; },"
    "    set(v) { note(this); note(v); throw new TypeError('taken by the page'); } });"
    "try {"
    "  await atrium.window.setTitle('set through spies');"
    "  out.title = await atrium.window.getTitle();"
    "  out.current = await atrium.window.current();"
    "  out.handleTitle = await atrium.window.get(out.current).getTitle();"
    "  out.handleId = atrium.window.get(out.current).id;"
    "  atrium.on('atrium:window.state', () => {});"
    "  out.stop = typeof atrium.window.onCloseRequested((e) => e.preventDefault());"
    "  const code = async (f) => { try { await f(); return 'resolved'; } catch (e) { return e.code; } };"
    "  out.forgedAnswer = await code(() => atrium.call('atrium:window.answer_close', 12345, false));"
    "  out.junkAnswer = await code(() => atrium.call('atrium:window.answer_close', 'x', 'y'));"
    "  out.junkIntercept = await code(() => atrium.call('atrium:window.intercept_close', 'yes'));"
    "  try { atrium.__deliver(['z'.repeat(32), [['atrium:window.close-requested', {id: 1, serial: 1}, null]]]);"
    "    out.forgedDeliver = 'accepted'; } catch (e) { out.forgedDeliver = e.code; }"
    "  out.rawNoToken = await raw('x'.repeat(32) + JSON.stringify(['atrium:window.set_title', [null, 'pwned'], 1]));"
    "  out.emitReserved = await code(() => atrium.emit('atrium:window.close-requested', {serial: 1}));"
    "} catch (e) { out.error = String(e); }"
    "finally {"
    "  for (const n of ['body', 'method', 'headers', 'signal', 'mode', 'credentials', 'cache',"
    "    'redirect', 'referrer', 'referrerPolicy', 'integrity', 'keepalive', 'window', 'priority',"
    "    'duplex', 'then', 'toJSON', 'get', 'set', 'value', 'id', 'current', 'list', 'open',"
    "    'onCloseRequested', 'serial']) delete Object.prototype[n];"
    "}"
    "out.seen = seen;"
    "return out;");

  object = json_node_get_object (result);
  g_assert_false (json_object_has_member (object, "error"));
  g_assert_cmpstr (json_object_get_string_member (object, "title"), ==, "set through spies");
  g_assert_cmpint (json_object_get_int_member (object, "current"), ==,
                   atrium_window_get_id (window));
  g_assert_cmpstr (json_object_get_string_member (object, "handleTitle"), ==,
                   "set through spies");
  g_assert_cmpint (json_object_get_int_member (object, "handleId"), ==,
                   atrium_window_get_id (window));
  g_assert_cmpstr (json_object_get_string_member (object, "stop"), ==, "function");
  g_assert_cmpstr (json_object_get_string_member (object, "forgedAnswer"), ==, "resolved");
  g_assert_cmpstr (json_object_get_string_member (object, "junkAnswer"), ==, "bad-args");
  g_assert_cmpstr (json_object_get_string_member (object, "junkIntercept"), ==, "bad-args");
  g_assert_cmpstr (json_object_get_string_member (object, "forgedDeliver"), ==, "bad-token");
  g_assert_cmpstr (json_object_get_string_member (object, "rawNoToken"), ==, "forbidden");
  g_assert_cmpstr (json_object_get_string_member (object, "emitReserved"), ==, "bad-args");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "set through spies");

  seen = json_object_get_array_member (object, "seen");
  g_assert_cmpuint (json_array_get_length (seen), >, 0);
  for (guint i = 0; i < json_array_get_length (seen); i++)
    if (strstr (json_array_get_string_element (seen, i), token) != NULL)
      g_error ("A spy saw the token in: %.200s", json_array_get_string_element (seen, i));

  /* The forged answer closed nothing: the window is open and the page's
   * handler still keeps it so. */
  g_assert_false (destroyed);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_false (destroyed);
  g_assert_nonnull (atrium_window_get_app (window));
  harness_close (window);

  /* In a page without the spies (theirs use for-of), with the array
   * iterator broken (spread, for-of, destructuring): the wrappers still
   * work, as they pass their arguments without spreading. */
  {
    AtriumWindow *fresh = harness_open (app, "/");
    g_autofree char *text = harness_run_js (fresh,
      "const DP = Object.defineProperty, saved = Array.prototype[Symbol.iterator];"
      "DP(Array.prototype, Symbol.iterator, { __proto__: null,"
      "  value: function () { throw new TypeError('broken'); }, configurable: true, writable: true });"
      "try {"
      "  await atrium.window.setTitle('through a broken iterator');"
      "  return await atrium.window.get(await atrium.window.current()).getTitle();"
      "} catch (e) { return 'threw: ' + e; }"
      "finally { DP(Array.prototype, Symbol.iterator, { __proto__: null, value: saved,"
      "  configurable: true, writable: true }); }");

    g_assert_cmpstr (text, ==, "\"through a broken iterator\"");
    harness_close (fresh);
  }
}

int
main (int   argc,
      char *argv[])
{
  /* Script messages unless the environment says otherwise: meson runs
   * this suite once as it is and once with ATRIUM_TRANSPORT=extension
   * (security-extension), the same attacks on the runtime with calls
   * through the extension, where a large call does not take the upload
   * route (the script messages' way for them) at all. */
  if (g_getenv ("ATRIUM_TRANSPORT") == NULL)
    g_setenv ("ATRIUM_TRANSPORT", "script", TRUE);

  if (!harness_init (&argc, &argv))
    {
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/atrium/security/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  g_log_set_writer_func (count_writer, NULL, NULL);

  g_test_add_func ("/atrium/security/token/spies", test_token_spies);
  g_test_add_func ("/atrium/security/token/broken-builtins", test_token_broken_builtins);
  g_test_add_func ("/atrium/security/builtins/hostile", test_builtins_hostile);
  g_test_add_func ("/atrium/security/upload/base-href", test_upload_base_href);
  g_test_add_func ("/atrium/security/page/back-pressure", test_page_backpressure);
  g_test_add_func ("/atrium/security/page/log-rate-limited", test_log_rate_limited);
  g_test_add_func ("/atrium/security/downloads/refused", test_downloads_refused);
  g_test_add_func ("/atrium/security/top-frame/held", test_top_frame_held);
  g_test_add_func ("/atrium/security/windows/only-for-the-app", test_windows_only_for_the_app);
  g_test_add_func ("/atrium/security/frames/remote-opt-in", test_remote_frames_opt_in);
  g_test_add_func ("/atrium/security/page/cancelled-calls-free-their-slot",
                   test_cancelled_calls_free_their_slot);
  g_test_add_func ("/atrium/security/token/promise-species", test_promise_species_broken);
  g_test_add_func ("/atrium/security/upload/unclaimed", test_unclaimed_uploads);

  return g_test_run ();
}

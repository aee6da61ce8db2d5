#include "config.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-bytes-private.h"
#include "demo-services.h"
#include "webkit-harness.h"

/* Binary values through real windows, over script messages: every kind of
 * binary value the page has, in calls and events both ways, nested and
 * mixed with JSON, and what a page may try to pass for one. The launcher's
 * own services (echo, demo.bytes, demo.sha256) are bound, as in the
 * launcher. */

static AtriumApp *shared_app;

/* A JS helper for the bodies below: bytes(n) is n bytes, byte i = i & 255,
 * and same(a, b) whether two Uint8Arrays hold the same bytes. */
#define JS_HELPERS \
  "const bytes = (n, seed = 0) => { const a = new Uint8Array(n);" \
  "  for (let i = 0; i < n; i++) a[i] = (i + seed) & 255; return a; };" \
  "const same = (a, b) => { if (!(a instanceof Uint8Array) || a.length !== b.length) return false;" \
  "  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false; return true; };" \
  "const view = (x) => new Uint8Array(x.buffer || x, x.byteOffset || 0," \
  "  x.byteLength === undefined ? x.length : x.byteLength);"

/* bytes.inspect(top, {nested: {data}}): what C reads of a top-level binary
 * argument (atrium_call_get_bytes()) and of a nested one
 * (atrium_call_get_bytes_for_node()): [size, sum of the bytes] of each, or
 * the error's message where it is not bytes. */
static JsonNode *
describe (GBytes       *bytes,
          const GError *error)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();

  if (bytes != NULL)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (bytes, &size);
      guint64 sum = 0;

      for (gsize i = 0; i < size; i++)
        sum += data[i];
      json_array_add_int_element (array, size);
      json_array_add_int_element (array, sum);
    }
  else
    {
      json_array_add_string_element (array, atrium_error_to_code (error->code));
    }
  json_node_take_array (node, array);
  return node;
}

static void
inspect_cb (AtriumCall *call,
            gpointer    user_data)
{
  g_autoptr(GError) top_error = NULL;
  g_autoptr(GError) nested_error = NULL;
  g_autoptr(GBytes) top = atrium_call_get_bytes (call, 0, &top_error);
  JsonNode *arg = atrium_call_get_arg (call, 1);
  JsonNode *nested = NULL;
  g_autoptr(GBytes) inner = NULL;
  JsonNode *result = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();

  g_assert_true ((top == NULL) == (top_error != NULL));
  if (arg != NULL && JSON_NODE_HOLDS_OBJECT (arg))
    {
      JsonObject *object = json_node_get_object (arg);

      if (json_object_has_member (object, "nested")
          && JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "nested")))
        nested = json_object_get_member (json_object_get_object_member (object, "nested"), "data");
    }
  inner = atrium_call_get_bytes_for_node (call, nested, &nested_error);
  g_assert_true ((inner == NULL) == (nested_error != NULL));

  json_array_add_element (array, describe (top, top_error));
  json_array_add_element (array, describe (inner, nested_error));
  json_node_take_array (result, array);
  atrium_call_return_value (call, result);
}

/* bytes.nested(n): {label, data: <n bytes>, list: [1, <2 bytes>, "x"]}:
 * bytes nested in a result made with atrium_bytes_node_new(). */
static void
nested_cb (AtriumCall *call,
           gpointer    user_data)
{
  gint64 n = json_node_get_int (atrium_call_get_arg (call, 0));
  g_autofree guint8 *data = g_malloc (n + 1);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = g_bytes_new_static ("\xff\x00", 2);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  for (gint64 i = 0; i < n; i++)
    data[i] = (i * 7) & 255;
  first = g_bytes_new (data, n);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "label");
  json_builder_add_string_value (builder, "nested");
  json_builder_set_member_name (builder, "data");
  json_builder_add_value (builder, atrium_bytes_node_new (first));
  json_builder_set_member_name (builder, "list");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, 1);
  json_builder_add_value (builder, atrium_bytes_node_new (second));
  json_builder_add_string_value (builder, "x");
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  atrium_call_return_value (call, json_builder_get_root (builder));
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
  atrium_app_bind (app, "bytes.inspect", inspect_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "bytes.nested", nested_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  return app;
}

static AtriumApp *
get_app (void)
{
  if (shared_app == NULL)
    shared_app = new_app ();
  return shared_app;
}

static void
assert_all_true (JsonNode   *result,
                 const char *what)
{
  JsonArray *array = json_node_get_array (result);

  g_assert_cmpuint (json_array_get_length (array), >, 0);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_BOOLEAN
          || !json_node_get_boolean (element))
        g_error ("%s: case %u failed", what, i);
    }
}

/* A Uint8Array through echo, and through echo on a worker, comes back a
 * Uint8Array holding the same bytes, at the sizes around the interesting
 * edges (nothing, one byte, 64 KiB, 1 MiB). */
static void
test_round_trip (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    JS_HELPERS
    "const out = [];"
    "for (const n of [0, 1, 2, 3, 65535, 65536, 1 << 20]) {"
    "  const sent = bytes(n, n);"
    "  out.push(same(await atrium.call('echo', sent), sent));"
    "  out.push(same(await atrium.call('echo.worker', sent), sent));"
    "}"
    "return out;");

  assert_all_true (result, "round trip");
  harness_assert_transport (window);
  harness_close (window);
}

/* 16 MiB each way; the time is reported, not judged (bench-bytes measures). */
static void
test_round_trip_16m (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    JS_HELPERS
    "const sent = bytes(16 << 20, 5);"
    "const t0 = performance.now();"
    "const back = await atrium.call('echo', sent);"
    "const ms = performance.now() - t0;"
    "return [same(back, sent), ms];");
  JsonArray *array = json_node_get_array (result);

  g_test_message ("16 MiB round trip through echo: %.0f ms",
                  json_array_get_double_element (array, 1));
  g_assert_true (json_array_get_boolean_element (array, 0));
  harness_close (window);
}


/* Binary values nested in objects and arrays, among JSON values, keep
 * their places; a result made in C with atrium_bytes_node_new() nested in
 * a JsonBuilder's object arrives as Uint8Arrays in theirs. */
static void
test_nested (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    JS_HELPERS
    "const a = bytes(10), b = bytes(300, 3), c = bytes(0);"
    "const back = await atrium.call('echo', {name: 'mixed', n: 42, list: [1, a, 'x', [b, null]],"
    "  inner: {c, ok: true, deep: [[[{d: a}]]]}, nothing: null});"
    "const two = await atrium.call('echo', [a, b]);"
    "const built = await atrium.call('bytes.nested', 5);"
    "const expect = new Uint8Array([0, 7, 14, 21, 28]);"
    "return [back.name === 'mixed', back.n === 42, back.list.length === 4, back.list[0] === 1,"
    "  same(back.list[1], a), back.list[2] === 'x', same(back.list[3][0], b),"
    "  back.list[3][1] === null, same(back.inner.c, c), back.inner.ok === true,"
    "  same(back.inner.deep[0][0][0].d, a), back.nothing === null,"
    "  Object.keys(back).join() === 'name,n,list,inner,nothing',"
    "  same(two[0], a), same(two[1], b),"
    "  built.label === 'nested', same(built.data, expect), built.list[0] === 1,"
    "  same(built.list[1], new Uint8Array([255, 0])), built.list[2] === 'x'];");

  assert_all_true (result, "nested");
  harness_close (window);
}

/* Every kind of binary value the page has: each sends exactly its own
 * bytes (a view with an offset only its window onto the buffer), and C
 * reads top-level and nested ones with atrium_call_get_bytes() and
 * atrium_call_get_bytes_for_node(). */
static void
test_kinds (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    JS_HELPERS
    "const buffer = bytes(64, 1).buffer;"
    "const kinds = [new Int8Array([-1, 2, -3]), new Uint8Array([1, 2, 255]),"
    "  new Uint8ClampedArray([0, 128, 255]), new Int16Array([-2, 300]), new Uint16Array([65535, 1]),"
    "  new Int32Array([-5, 1 << 30]), new Uint32Array([4294967295, 7]),"
    "  new Float32Array([1.5, -2.25]), new Float64Array([Math.PI, -0]),"
    "  new BigInt64Array([-1n, 1n << 62n]), new BigUint64Array([18446744073709551615n]),"
    "  new DataView(buffer, 3, 9), buffer, new Uint8Array(buffer, 10, 20),"
    "  new Uint8Array(buffer).subarray(60), new Float64Array(buffer, 8, 2), new Uint8Array(buffer, 64)];"
    "const out = [];"
    "for (const k of kinds) {"
    "  const expect = view(k).slice();"
    "  out.push(same(await atrium.call('echo', k), expect));"
    "  const sum = expect.reduce((s, x) => s + x, 0);"
    "  const seen = await atrium.call('bytes.inspect', k, {nested: {data: k}});"
    "  out.push(JSON.stringify(seen) === JSON.stringify([[expect.length, sum], [expect.length, sum]]));"
    "}"
    "out.push(JSON.stringify(await atrium.call('bytes.inspect', 'text', {nested: {data: [1]}}))"
    "  === '[[\"bad-args\"],[\"bad-args\"]]');"
    "out.push(JSON.stringify(await atrium.call('bytes.inspect')) === '[[\"bad-args\"],[\"bad-args\"]]');"
    "return out;");

  assert_all_true (result, "kinds");
  harness_close (window);
}

/* Blobs and Files are read before they are sent, nested too, and mixed
 * with typed arrays in one call; calls behind one that reads a Blob stay
 * in order; a page's own JSON.stringify writes what it always did. */
static void
test_blob_file (void)
{
  AtriumWindow *window = harness_open (get_app (), "/");
  g_autoptr(JsonNode) result = harness_run_js_json (window,
    JS_HELPERS
    "const a = bytes(1000, 9), b = bytes(70000, 2);"
    "const blob = new Blob([a, b]);"
    "const file = new File([b], 'b.bin', {type: 'application/octet-stream'});"
    "const both = new Uint8Array(71000); both.set(a); both.set(b, 1000);"
    "const one = await atrium.call('echo', blob);"
    "const many = await atrium.call('echo', {first: a, blob, list: [file, new Blob([])], last: b});"
    "const order = [];"
    "const calls = [atrium.call('echo', new Blob([a])).then(() => order.push('blob')),"
    "  atrium.call('echo', 1).then(() => order.push('plain'))];"
    "await Promise.all(calls);"
    "const digest = await atrium.call('demo.sha256', file);"
    "const expected = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', b)),"
    "  (x) => x.toString(16).padStart(2, '0')).join('');"
    "return [same(one, both), same(many.first, a), same(many.blob, both), same(many.list[0], b),"
    "  same(many.list[1], new Uint8Array(0)), same(many.last, b), order.join() === 'blob,plain',"
    "  digest === expected,"
    "  JSON.stringify(new Uint8Array([1, 2])) === '{\"0\":1,\"1\":2}',"
    "  JSON.stringify({b: new ArrayBuffer(2), blob}) === '{\"b\":{},\"blob\":{}}',"
    "  Uint8Array.prototype.toJSON.call(a) === a];");

  assert_all_true (result, "blob and file");
  harness_close (window);
}

/* demo.bytes(n): n bytes, byte i = i & 255; bad n is refused. */
static void
test_demo_bytes (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;

  atrium_app_set_max_message_size (app, 4 << 20);
  window = harness_open (app, "/");
  result = harness_run_js_json (window,
    JS_HELPERS HARNESS_JS_CODE
    "const out = [];"
    "for (const n of [0, 1, 255, 256, 257, 100000, 4 << 20]) {"
    "  const got = await atrium.call('demo.bytes', n);"
    "  let ok = got instanceof Uint8Array && got.length === n;"
    "  for (let i = 0; ok && i < n; i++) ok = got[i] === (i & 255);"
    "  out.push(ok);"
    "}"
    "out.push(await code(() => atrium.call('demo.bytes', -1)) === 'bad-args');"
    "out.push(await code(() => atrium.call('demo.bytes', 1.5)) === 'bad-args');"
    "out.push(await code(() => atrium.call('demo.bytes', '5')) === 'bad-args');"
    "out.push(await code(() => atrium.call('demo.bytes')) === 'bad-args');"
    "out.push(await code(() => atrium.call('demo.bytes', (4 << 20) + 1)) === 'too-large');"
    "out.push(await code(() => atrium.call('demo.sha256', 'not bytes')) === 'bad-args');"
    "return out;");

  assert_all_true (result, "demo.bytes");
  harness_close (window);
}

typedef struct
{
  guint   count;
  GString *log;   /* name:size:sum per event */
} Heard;

static void
heard_cb (AtriumApp    *app,
          const char   *name,
          JsonNode     *data,
          AtriumWindow *sender,
          gpointer      user_data)
{
  Heard *heard = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = data;
  g_autoptr(GBytes) bytes = NULL;

  /* The data is the bytes, or {seq, data: bytes}. */
  if (JSON_NODE_HOLDS_OBJECT (data) && json_object_has_member (json_node_get_object (data), "data"))
    node = json_object_get_member (json_node_get_object (data), "data");
  bytes = atrium_bytes_node_get_bytes (node, &error);
  if (bytes == NULL)
    g_string_append_printf (heard->log, "%s:none ", name);
  else
    {
      gsize size;
      const guint8 *p = g_bytes_get_data (bytes, &size);
      guint64 sum = 0;

      for (gsize i = 0; i < size; i++)
        sum += p[i];
      g_string_append_printf (heard->log, "%s:%" G_GSIZE_FORMAT ":%" G_GUINT64_FORMAT " ",
                              name, size, sum);
    }
  heard->count++;
}

/* Events carry bytes both ways, in order with the others: C's
 * atrium_app_emit() with bytes in the data (by script and by poll), the
 * page's atrium.emit() with typed arrays and Blobs to C listeners, and
 * forwarded to another window. */
static void
test_events (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window = harness_open (app, "/");
  AtriumWindow *other = harness_open (app, "/");
  Heard heard = { 0, g_string_new (NULL) };
  g_autoptr(GBytes) small = g_bytes_new_static ("\x01\x02\x03", 3);
  g_autofree guint8 *big_data = g_malloc (200000);
  g_autoptr(GBytes) big = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) forwarded = NULL;
  g_autoptr(GError) error = NULL;
  gulong ids[4];

  for (guint i = 0; i < 200000; i++)
    big_data[i] = i & 255;
  big = g_bytes_new (big_data, 200000);

  /* Each page resolves window.all once it has heard @n events. */
  g_free (harness_run_js (window,
    "window.got = []; let done; window.all = new Promise((r) => { done = r; });"
    "for (const name of ['plain', 'small', 'big', 'nested'])"
    "  atrium.on(name, (data) => { window.got.push([name, data]); if (window.got.length === 4) done(); });"
    "return true;"));
  g_free (harness_run_js (other,
    "window.got = []; let done; window.all = new Promise((r) => { done = r; });"
    "atrium.on('page.bytes', (data) => { window.got.push(data); done(); });"
    "return true;"));

  /* C to the page: plain, small bytes (a script), big bytes (a poll),
   * bytes nested in an object: in that order. */
  {
    g_autoptr(JsonNode) plain = json_node_new (JSON_NODE_VALUE);
    g_autoptr(JsonNode) node_small = atrium_bytes_node_new (small);
    g_autoptr(JsonNode) node_big = atrium_bytes_node_new (big);
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) nested = NULL;

    json_node_set_int (plain, 1);
    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "seq");
    json_builder_add_int_value (builder, 4);
    json_builder_set_member_name (builder, "data");
    json_builder_add_value (builder, atrium_bytes_node_new (small));
    json_builder_end_object (builder);
    nested = json_builder_get_root (builder);

    g_assert_true (atrium_app_emit_to (app, atrium_window_get_id (window), "plain", plain, &error));
    g_assert_true (atrium_app_emit_to (app, atrium_window_get_id (window), "small", node_small,
                                       &error));
    g_assert_true (atrium_app_emit_to (app, atrium_window_get_id (window), "big", node_big, &error));
    g_assert_true (atrium_app_emit_to (app, atrium_window_get_id (window), "nested", nested,
                                       &error));
    g_assert_no_error (error);
  }
  result = harness_run_js_json (window,
    JS_HELPERS
    "await window.all;"
    "const g = window.got;"
    "return [g.length === 4, g.map((e) => e[0]).join() === 'plain,small,big,nested',"
    "  g[0][1] === 1, same(g[1][1], new Uint8Array([1, 2, 3])), same(g[2][1], bytes(200000)),"
    "  g[3][1].seq === 4, same(g[3][1].data, new Uint8Array([1, 2, 3]))];");
  assert_all_true (result, "C to page");
  json_node_unref (g_steal_pointer (&result));

  /* The page to C, in order: a plain event between ones with bytes, a
   * Blob first (read before it goes, the others waiting behind it). */
  ids[0] = atrium_app_on (app, "page.blob", heard_cb, &heard, NULL);
  ids[1] = atrium_app_on (app, "page.plain", heard_cb, &heard, NULL);
  ids[2] = atrium_app_on (app, "page.bytes", heard_cb, &heard, NULL);
  ids[3] = atrium_app_on (app, "page.view", heard_cb, &heard, NULL);
  atrium_app_set_event_forwarding (app, "page.bytes", TRUE);
  result = harness_run_js_json (window,
    JS_HELPERS
    "await Promise.all([atrium.emit('page.blob', new Blob([bytes(100000)])),"
    "  atrium.emit('page.plain', 5),"
    "  atrium.emit('page.bytes', {seq: 1, data: bytes(10)}),"
    "  atrium.emit('page.view', new DataView(bytes(50).buffer, 40))]);"
    "return [true];");
  assert_all_true (result, "page to C");
  g_assert_cmpuint (heard.count, ==, 4);
  g_assert_cmpstr (heard.log->str, ==,
                   "page.blob:100000:12742320 page.plain:none page.bytes:10:45 page.view:10:445 ");

  /* Forwarded to the other window, with the bytes encoded again. */
  forwarded = harness_run_js_json (other,
    JS_HELPERS
    "await window.all;"
    "return [window.got.length === 1, window.got[0].seq === 1, same(window.got[0].data, bytes(10))];");
  assert_all_true (forwarded, "forwarded");

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    atrium_app_off (app, ids[i]);
  g_string_free (heard.log, TRUE);
  harness_close (other);
  harness_close (window);
}


static void
count_cb (AtriumApp    *app,
          const char   *name,
          JsonNode     *data,
          AtriumWindow *sender,
          gpointer      user_data)
{
  (*(guint *) user_data)++;
}

/* What a page may try to pass for a binary value, or send as one, posted
 * by hand with the token or through the runtime: a marker of its own
 * making in plain data (escaped too), markers that do not match the base64
 * one to one, bad base64, sizes over the limit counted decoded, and a
 * toJSON of its own. Each is refused with its code before any method or
 * listener runs, and the bridge works on. */
static void
test_hostile (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *body = NULL;
  guint heard = 0;
  gulong id;

  atrium_app_set_max_message_size (app, 4096);
  /* Messages of 1 KiB and more go up as uploads (their limit counts bytes
   * decoded too); smaller ones as script messages. */
  _atrium_app_set_upload_min (app, 1024);
  id = atrium_app_on (app, "ev", count_cb, &heard, NULL);
  window = harness_open (app, "/");
  body = g_strdup_printf (
    "const T = '%s';"
    JS_HELPERS HARNESS_JS_CODE
    "const post = async (handler, m) => {"
    "  try { return ['ok', await window.webkit.messageHandlers[handler].postMessage(m)]; }"
    "  catch (e) { try { return [JSON.parse(e.message).code]; } catch (_) { return ['unparsed']; } } };"
    "const call = (m) => post('atrium', T + m);"
    "const ev = (m) => post('atrium-event', T + '0:' + m);"
    "const upload = async (m) => {"
    "  const r = await fetch('/__atrium/upload?b17e', {method: 'POST', body: T + m});"
    "  return r.status === 204 ? (await call('Ub17e'))[0] : 'upload ' + r.status; };"
    "const ECHO = 'B[\"echo\",[{\"$atrium-bytes\":0}],1]\\n';"
    "return ["
    /* Through the runtime: the page's own objects using the name. */
    "  await code(() => atrium.call('echo', {'$atrium-bytes': 'AAAA'})),"
    "  await code(() => atrium.call('echo', [{a: {'$atrium-bytes': 0, x: 1}}])),"
    "  await code(() => atrium.call('echo', bytes(3), {'$atrium-bytes': 0})),"
    "  await code(() => atrium.emit('ev', {'$atrium-bytes': 'AAAA'})),"
    /* By hand, with the token. */
    "  (await call('[\"echo\",[{\"\\\\u0024atrium-bytes\":\"AAAA\"}],1]'))[0],"
    "  (await call('B[\"echo\",[{\"$atrium-bytes\":0},{\"$atrium-bytes\":0}],1]\\nAAAA'))[0],"
    "  (await call('B[\"echo\",[{\"$atrium-bytes\":0}],1]\\nAAAA\\nAAAA'))[0],"
    "  (await call('B[\"echo\",[{\"$atrium-bytes\":1}],1]\\nAAAA'))[0],"
    "  (await call('B[\"echo\",[{\"$atrium-bytes\":0,\"x\":1}],1]\\nAAAA'))[0],"
    "  (await call('B[\"echo\",[{\"$atrium-bytes\":\"0\"}],1]\\nAAAA'))[0],"
    "  (await call('B[\"echo\",[{\"$atrium-bytes\":0}],1]'))[0],"
    "  (await call(ECHO + '@@@@'))[0], (await call(ECHO + 'AAA'))[0],"
    "  (await call(ECHO + 'AA==AAAA'))[0], (await call(ECHO + 'AB=='))[0],"
    "  (await call(ECHO + 'AAAA\\n'))[0],"
    "  (await ev('B[\"ev\",{\"$atrium-bytes\":0}]\\n!!!!'))[0],"
    "  (await ev('[\"ev\",{\"$atrium-bytes\":\"AAAA\"}]'))[0],"
    "  (await ev('B[\"ev\",[{\"$atrium-bytes\":0},{\"$atrium-bytes\":0}]]\\nAAAA'))[0],"
    /* Sizes count decoded: 3072 bytes as base64 are 4096 characters. */
    "  (await call(ECHO + 'A'.repeat(5460)))[0],"
    "  (await call(ECHO + 'A'.repeat(12000)))[0],"
    "  (await ev('B[\"ev\",{\"$atrium-bytes\":0}]\\n' + 'A'.repeat(5460)))[0],"
    "  await code(() => atrium.call('echo', bytes(4097))),"
    "  await code(() => atrium.call('echo', new Blob([bytes(4097)]))),"
    "  await code(() => atrium.emit('ev', bytes(4097))),"
    "  await upload(ECHO + 'A'.repeat(5460)), await upload(ECHO + 'A'.repeat(12000)),"
    "  await upload(ECHO + 'AAA' + 'A'.repeat(4000)),"
    /* What is well-formed goes, escaped name and all, and comes back. */
    "  JSON.stringify(await call(ECHO + 'AAEC')),"
    "  JSON.stringify(await call('B[\"echo\",[{\"\\\\u0024atrium-bytes\":0}],1]\\n'))," 
    "  same(await atrium.call('echo', bytes(3000)), bytes(3000)),"
    /* Over the limit as base64, within it decoded: as an upload. */
    "  same(await atrium.call('echo', bytes(3050)), bytes(3050)),"
    /* A toJSON of the page's own cannot take the runtime's place. */
    "  (() => { try { Uint8Array.prototype.toJSON = () => 'mine'; } catch (_) { }"
    "    try { Object.defineProperty(ArrayBuffer.prototype, 'toJSON', {value: () => 'mine'}); return 'replaced'; }"
    "    catch (_) { return 'kept'; } })(),"
    "  same(await atrium.call('echo', bytes(5)), bytes(5)),"
    "  same(await atrium.call('echo', bytes(5).buffer), bytes(5)),"
    "];", _atrium_app_get_token (app));
  result = harness_run_js_json (window, body);

  {
    static const char * const expected[] = {
      "bad-args", "bad-args", "bad-args", "bad-args",
      "bad-args", "bad-args", "bad-args", "bad-args", "bad-args", "bad-args", "bad-args",
      "bad-args", "bad-args", "bad-args", "bad-args", "bad-args",
      "bad-args", "bad-args", "bad-args",
      "too-large", "too-large", "too-large", "too-large", "too-large", "too-large",
      "too-large", "too-large", "bad-args",
      "[\"ok\",\"B{\\\"$atrium-bytes\\\":\\\"AAEC\\\"}\"]",
      "[\"ok\",\"B{\\\"$atrium-bytes\\\":\\\"\\\"}\"]",
      NULL, NULL, "kept", NULL, NULL,
    };
    JsonArray *array = json_node_get_array (result);

    g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (expected));
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        JsonNode *element = json_array_get_element (array, i);

        g_test_message ("case %u", i);
        if (expected[i] != NULL)
          g_assert_cmpstr (json_node_get_string (element), ==, expected[i]);
        else
          g_assert_true (json_node_get_boolean (element));
      }
  }
  /* No refused event reached the listener. */
  g_assert_cmpuint (heard, ==, 0);

  /* Setters on the prototypes the runtime's own objects would inherit
   * from change nothing either. */
  json_node_unref (g_steal_pointer (&result));
  result = harness_run_js_json (window,
    JS_HELPERS
    "Object.defineProperty(Array.prototype, '0', {set() { throw new Error('setter'); }, configurable: true});"
    "Object.defineProperty(Object.prototype, '0', {set() { throw new Error('setter'); }, configurable: true});"
    "Object.defineProperty(Object.prototype, 'n', {set() { throw new Error('setter'); }, configurable: true});"
    "const back = await atrium.call('echo', {list: [bytes(4)], one: bytes(2)});"
    "const answer = [same(back.list[0], bytes(4)), same(back.one, bytes(2))];"
    "delete Array.prototype[0]; delete Object.prototype[0]; delete Object.prototype.n;"
    "return answer;");
  assert_all_true (result, "prototype setters");

  atrium_app_off (app, id);
  harness_close (window);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/bytes/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  g_test_add_func ("/atrium/bytes/round-trip", test_round_trip);
  g_test_add_func ("/atrium/bytes/round-trip-16m", test_round_trip_16m);
  g_test_add_func ("/atrium/bytes/nested", test_nested);
  g_test_add_func ("/atrium/bytes/kinds", test_kinds);
  g_test_add_func ("/atrium/bytes/blob-file", test_blob_file);
  g_test_add_func ("/atrium/bytes/demo-bytes", test_demo_bytes);
  g_test_add_func ("/atrium/bytes/events", test_events);
  g_test_add_func ("/atrium/bytes/hostile", test_hostile);

  status = g_test_run ();

  g_clear_object (&shared_app);
  return status;
}

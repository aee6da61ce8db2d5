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

  status = g_test_run ();

  g_clear_object (&shared_app);
  return status;
}

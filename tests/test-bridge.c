#include "config.h"

#include <string.h>

#include "atrium-bridge-private.h"
#include "atrium-json-private.h"

#define TOKEN "0123456789abcdef0123456789abcdef"

static JsonNode *
decode (const char  *body,
        gsize        max_size,
        guint        max_depth,
        GError     **error)
{
  g_autofree char *text = g_strconcat (TOKEN, body, NULL);

  return _atrium_call_message_decode (text, strlen (text), TOKEN, max_size, max_depth, error);
}

static void
test_valid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = decode ("[\"math.add\",[1,2.5,\"x\",{\"a\":[true,null]}]]",
                                     1024, 16, &error);
  JsonArray *args;

  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_cmpstr (json_array_get_string_element (json_node_get_array (node), 0), ==, "math.add");
  args = json_array_get_array_element (json_node_get_array (node), 1);
  g_assert_cmpuint (json_array_get_length (args), ==, 4);
  g_assert_cmpint (json_array_get_int_element (args, 0), ==, 1);
  g_assert_cmpfloat (json_array_get_double_element (args, 1), ==, 2.5);
  g_assert_cmpstr (json_array_get_string_element (args, 2), ==, "x");
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_array_get_element (args, 3)));
}

static void
test_no_args (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = decode ("[\"app.version\",[]]", 1024, 16, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_array_get_array_element (json_node_get_array (node), 1)),
                    ==, 0);
}

static void
test_malformed (void)
{
  static const char * const bodies[] = {
    "",
    "not json",
    "[\"echo\",[1,]]",
    "[\"echo\",[1]",
    "[\"echo\",[\"unterminated]]",
    "{\"method\":\"echo\"}",
    "[\"echo\"]",
    "[\"echo\",[1],\"x\"]",
    "[\"echo\",[1],2,3]",
    "[\"echo\",[1],2.5]",
    "[\"echo\",{}]",
    "[\"echo\",\"x\"]",
    "[1,[]]",
    "[null,[]]",
    "[[\"echo\"],[]]",
    "[\"\",[]]",
    "\"echo\"",
    "[\"echo\",[]] trailing",
    "[\"echo\",[\"\xff\xfe\"]]",
    "[\"echo\",[\"\\ud800\"]]",
    "[\"echo\",[NaN]]",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = decode (bodies[i], 1024, 16, &error);
      g_autofree char *escaped = g_strescape (bodies[i], NULL);

      g_test_message ("body %zu: %s", i, escaped);
      g_assert_null (node);
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
    }
}

static void
test_long_method_name (void)
{
  g_autofree char *name = g_strnfill (300, 'm');
  g_autofree char *body = g_strdup_printf ("[\"%s\",[]]", name);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = decode (body, 4096, 16, &error);

  g_assert_null (node);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
}

static void
test_token (void)
{
  static const char * const texts[] = {
    "",
    "[\"echo\",[1]]",
    "0123456789abcdef0123456789abcdeX[\"echo\",[1]]",
    "1123456789abcdef0123456789abcdef[\"echo\",[1]]",
    "0123456789abcdef",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = _atrium_call_message_decode (texts[i], strlen (texts[i]), TOKEN,
                                                        1024, 16, &error);

      g_assert_null (node);
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN);
    }
}

static void
test_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) fits = NULL;
  g_autoptr(JsonNode) over = NULL;
  const char *body = "[\"echo\",[\"0123456789\"]]";
  gsize size = strlen (body);

  fits = decode (body, size, 16, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fits);

  over = decode (body, size - 1, 16, &error);
  g_assert_null (over);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
}

static char *
nested (guint depth)
{
  GString *s = g_string_new ("[\"echo\",[");

  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append (s, "]]");
  return g_string_free (s, FALSE);
}

static void
test_depth (void)
{
  /* The envelope and the argument list are two levels of their own, not
   * counted: an argument may nest max_depth levels. */
  g_autofree char *ok = nested (8);
  g_autofree char *deep = nested (8 + 1);
  g_autofree char *very_deep = nested (100000);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = decode (ok, G_MAXSIZE, 8, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_clear_pointer (&node, json_node_unref);

  node = decode (deep, G_MAXSIZE, 8, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);

  node = decode (very_deep, G_MAXSIZE, ATRIUM_JSON_DEFAULT_MAX_DEPTH, &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
}

static void
test_error_json (void)
{
  g_autoptr(GError) error = g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND,
                                         "No method \"x\"\n");
  g_autoptr(GError) foreign = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BUSY, "busy");
  g_autofree char *json = _atrium_bridge_error_to_json (error);
  g_autofree char *json2 = _atrium_bridge_error_to_json (foreign);

  g_assert_cmpstr (json, ==, "{\"code\":\"not-found\",\"message\":\"No method \\\"x\\\"\\n\"}");
  g_assert_cmpstr (json2, ==, "{\"code\":\"failed\",\"message\":\"busy\"}");
}

static void
test_error_codes (void)
{
  g_assert_cmpstr (atrium_error_to_code (ATRIUM_ERROR_FAILED), ==, "failed");
  g_assert_cmpstr (atrium_error_to_code (ATRIUM_ERROR_NOT_FOUND), ==, "not-found");
  g_assert_cmpstr (atrium_error_to_code (ATRIUM_ERROR_BAD_ARGS), ==, "bad-args");
  g_assert_cmpstr (atrium_error_to_code (ATRIUM_ERROR_CANCELLED), ==, "cancelled");
  g_assert_cmpstr (atrium_error_to_code (ATRIUM_ERROR_TOO_LARGE), ==, "too-large");
  g_assert_cmpstr (atrium_error_to_code (ATRIUM_ERROR_FORBIDDEN), ==, "forbidden");
}

static void
noop_cb (AtriumCall *call,
         gpointer    user_data)
{
}

static AtriumCall *
new_call (void)
{
  g_autoptr(AtriumRegistry) registry = _atrium_registry_new ();
  g_autoptr(AtriumMethod) method = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *message = decode ("[\"noop\",[1,\"two\"],7]", 1024, 16, &error);

  g_assert_no_error (error);
  _atrium_registry_bind (registry, "noop", noop_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  method = _atrium_registry_lookup (registry, "noop");
  return _atrium_call_new (method, message, NULL, NULL, NULL);
}

static void
test_call_accessors (void)
{
  g_autoptr(AtriumCall) call = new_call ();
  g_autoptr(AtriumCall) other = new_call ();

  g_assert_cmpstr (atrium_call_get_method (call), ==, "noop");
  g_assert_cmpuint (atrium_call_get_n_args (call), ==, 2);
  g_assert_cmpint (json_node_get_int (atrium_call_get_arg (call, 0)), ==, 1);
  g_assert_cmpstr (json_node_get_string (atrium_call_get_arg (call, 1)), ==, "two");
  g_assert_null (atrium_call_get_arg (call, 2));
  g_assert_cmpint (call->page_id, ==, 7);
  g_assert_null (atrium_call_get_window (call));
  g_assert_cmpuint (atrium_call_get_id (other), >, atrium_call_get_id (call));
}

static void
test_call_cancel_before_cancellable (void)
{
  g_autoptr(AtriumCall) call = new_call ();
  g_autoptr(AtriumCall) late = new_call ();

  g_assert_false (atrium_call_is_cancelled (call));
  g_assert_false (g_cancellable_is_cancelled (atrium_call_get_cancellable (call)));
  _atrium_call_cancel (call);
  g_assert_true (atrium_call_is_cancelled (call));
  g_assert_true (g_cancellable_is_cancelled (atrium_call_get_cancellable (call)));

  /* Cancelled before anyone asked: the cancellable is born cancelled. */
  _atrium_call_cancel (late);
  g_assert_true (g_cancellable_is_cancelled (atrium_call_get_cancellable (late)));
}

static void
test_call_finish_twice (void)
{
  if (g_test_subprocess ())
    {
      AtriumCall *call = new_call ();

      /* Criticals are fatal in tests; here the point is that in an app the
       * second finish is reported and refused, not a crash. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      atrium_call_ref (call);
      atrium_call_return_value (call, NULL);
      atrium_call_return_error (call, ATRIUM_ERROR_FAILED, "again");
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*already finished*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/atrium/bridge/decode/valid", test_valid);
  g_test_add_func ("/atrium/bridge/decode/no-args", test_no_args);
  g_test_add_func ("/atrium/bridge/decode/malformed", test_malformed);
  g_test_add_func ("/atrium/bridge/decode/long-method-name", test_long_method_name);
  g_test_add_func ("/atrium/bridge/decode/token", test_token);
  g_test_add_func ("/atrium/bridge/decode/too-large", test_too_large);
  g_test_add_func ("/atrium/bridge/decode/depth", test_depth);
  g_test_add_func ("/atrium/bridge/error-json", test_error_json);
  g_test_add_func ("/atrium/bridge/error-codes", test_error_codes);
  g_test_add_func ("/atrium/bridge/call/accessors", test_call_accessors);
  g_test_add_func ("/atrium/bridge/call/cancel-before-cancellable", test_call_cancel_before_cancellable);
  g_test_add_func ("/atrium/bridge/call/finish-twice", test_call_finish_twice);

  return g_test_run ();
}

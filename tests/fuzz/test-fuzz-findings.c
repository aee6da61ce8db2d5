#include "config.h"

#include <string.h>

#include "atrium-error.h"
#include "atrium-json-private.h"

/* What each file in regressions/ found, asserted directly: the replay tests
 * only prove the targets' invariants hold on them. */

static char *
read_regression (const char *name)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (g_test_get_filename (G_TEST_DIST, "fuzz", "regressions", name, NULL),
                       &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* Repeated keys cost a search of the object's key list each (quadratic in
 * all): past a budget the message is refused, before it, still taken. */
static void
test_repeated_keys (void)
{
  g_autofree char *text = read_regression ("fuzz-bridge-decode/repeated-keys-quadratic");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = _atrium_json_parse (text, strlen (text), 0, &error);
  g_autoptr(GString) few = g_string_new ("{");
  g_autoptr(JsonNode) accepted = NULL;
  JsonObject *object;

  g_assert_null (node);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_assert_nonnull (strstr (error->message, "too many repeated keys"));
  g_clear_error (&error);

  /* 100 keys each given twice: well within the budget. */
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < 100; i++)
      g_string_append_printf (few, "%s\"k%u\":%u", few->len > 1 ? "," : "", i, round);
  g_string_append_c (few, '}');
  accepted = _atrium_json_parse (few->str, few->len, 0, &error);
  g_assert_no_error (error);
  object = json_node_get_object (accepted);
  g_assert_cmpuint (json_object_get_size (object), ==, 100);
  g_assert_cmpint (json_object_get_int_member (object, "k7"), ==, 1);
}

/* The depth limit counts the text's nesting, a value a repeated key
 * drops included: refused at the depth of the tree that stays, accepted at
 * the text's. */
static void
test_repeated_key_deeper_value (void)
{
  g_autofree char *text = read_regression ("fuzz-bridge-decode/repeated-key-deeper-value");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) refused = _atrium_json_parse (text, strlen (text), 3, &error);
  g_autoptr(JsonNode) accepted = NULL;
  JsonNode *args;
  JsonObject *object;

  g_assert_null (refused);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);

  accepted = _atrium_json_parse (text, strlen (text), 4, &error);
  g_assert_no_error (error);
  args = json_array_get_element (json_node_get_array (accepted), 1);
  object = json_array_get_object_element (json_node_get_array (args), 0);
  g_assert_cmpuint (json_object_get_size (object), ==, 1);
  g_assert_true (JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "b")));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/atrium/fuzz-findings/repeated-keys", test_repeated_keys);
  g_test_add_func ("/atrium/fuzz-findings/repeated-key-deeper-value",
                   test_repeated_key_deeper_value);

  return g_test_run ();
}

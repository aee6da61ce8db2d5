#include "config.h"

#include <string.h>

#include "atrium-bytes-private.h"
#include "atrium-error.h"
#include "atrium-event-queue-private.h"
#include "atrium-json-private.h"

/* The binary values' wire format without a display: base64 both ways,
 * the page's messages with markers (atrium-bytes.c), the writer's count
 * and the events' flag. */

#define LIMIT 4096

static JsonNode *
parse (const char  *text,
       GError     **error)
{
  return _atrium_bytes_parse (text, strlen (text), 64, LIMIT, error);
}

static void
assert_refused (const char  *text,
                int          code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse (text, &error);

  if (node != NULL)
    g_error ("accepted: %s", text);
  g_assert_error (error, ATRIUM_ERROR, code);
}

/* Every size from 0 to 300 and every byte value round trip, and the text
 * is GLib's. */
static void
test_base64_round_trip (void)
{
  guint8 data[300];

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (i * 151 + 17) & 255;

  for (gsize size = 0; size <= sizeof data; size++)
    {
      gsize length, decoded;
      g_autofree char *text = _atrium_base64_encode (data, size, &length);
      g_autofree char *expected = g_base64_encode (data, size);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) back = NULL;

      g_assert_cmpstr (text, ==, expected);
      g_assert_cmpuint (length, ==, strlen (expected));
      g_assert_true (_atrium_base64_check (text, length, &decoded));
      g_assert_cmpuint (decoded, ==, size);
      back = _atrium_base64_decode (text, length, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, size);
    }
}

/* Only strict base64 is taken: what a lenient decoder would skip or
 * guess at is refused. */
static void
test_base64_strict (void)
{
  static const char * const bad[] = {
    "A", "AA", "AAA", "AAAAA", "====", "A===", "AA=A", "AA==AAAA", "AAA=AAAA", "AB==", "AAB=",
    "AA A", "AAAA\n", " AAA", "AA-_", "AA\xc3\xa9", "AA.A", "AA\0A",
  };
  static const char * const good[] = { "", "AA==", "AAA=", "AAAA", "+/+/", "/w==", "AQID" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gsize length = i == G_N_ELEMENTS (bad) - 1 ? 4 : strlen (bad[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = _atrium_base64_decode (bad[i], length, &error);

      g_test_message ("bad %" G_GSIZE_FORMAT ": %s", i, bad[i]);
      g_assert_false (_atrium_base64_check (bad[i], length, NULL));
      g_assert_null (bytes);
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (_atrium_base64_check (good[i], strlen (good[i]), NULL));
}

/* The markers become {"$atrium-bytes": "BASE64"} in place, nested or not,
 * and read back as the bytes sent. */
static void
test_parse_markers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root =
    parse ("B[\"m\",[{\"$atrium-bytes\":1},{\"a\":[1,{\"$atrium-bytes\":0}]},\"x\"],3]"
           "\nAQID\n", &error);
  JsonArray *args;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  JsonNode *nested;

  g_assert_no_error (error);
  g_assert_nonnull (root);
  args = json_array_get_array_element (json_node_get_array (root), 1);
  g_assert_true (atrium_node_holds_bytes (json_array_get_element (args, 0)));
  nested = json_array_get_element (json_object_get_array_member (
    json_array_get_object_element (args, 1), "a"), 1);
  g_assert_true (atrium_node_holds_bytes (nested));
  g_assert_false (atrium_node_holds_bytes (json_array_get_element (args, 2)));
  g_assert_false (atrium_node_holds_bytes (NULL));

  first = atrium_bytes_node_get_bytes (json_array_get_element (args, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (first), ==, 0);
  second = atrium_bytes_node_get_bytes (nested, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (second, NULL), 3, "\x01\x02\x03", 3);

  g_assert_null (atrium_bytes_node_get_bytes (json_array_get_element (args, 2), &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
}

/* Plain messages, as before; the reserved name in the page's own data,
 * however spelt, and markers that do not match the base64 one to one, are
 * refused. */
static void
test_parse_forged (void)
{
  static const char * const forged[] = {
    "[{\"$atrium-bytes\":\"AAAA\"}]",
    "[{\"\\u0024atrium-bytes\":\"AAAA\"}]",
    "[{\"a\":{\"$atrium-bytes\":0}}]",
    "B[{\"$atrium-bytes\":0},{\"$atrium-bytes\":0}]\nAAAA",
    "B[{\"$atrium-bytes\":0}]\nAAAA\nAAAA",
    "B[{\"$atrium-bytes\":0},{\"$atrium-bytes\":1}]\nAAAA",
    "B[{\"$atrium-bytes\":1}]\nAAAA",
    "B[{\"$atrium-bytes\":-1}]\nAAAA",
    "B[{\"$atrium-bytes\":0.0}]\nAAAA",
    "B[{\"$atrium-bytes\":\"0\"}]\nAAAA",
    "B[{\"$atrium-bytes\":null}]\nAAAA",
    "B[{\"$atrium-bytes\":0,\"x\":1}]\nAAAA",
    "B[{\"$atrium-bytes\":0,\"$atrium-bytes\":0}]\nAAAA",
    "B[{\"$atrium-bytes\":[0]}]\nAAAA",
    "B[1]",
    "B",
    "B[1]\n",
    "B[{\"$atrium-bytes\":0}]\nAA=A",
    "B[{\"$atrium-bytes\":0}]\nAAAA\n",
    "B[{\"$atrium-bytes\":0}\n]\nAAAA",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) plain = parse ("[\"m\",[1,\"$atrium-bytes\",{\"atrium-bytes\":2}]]", &error);

  g_assert_no_error (error);
  g_assert_nonnull (plain);

  for (gsize i = 0; i < G_N_ELEMENTS (forged); i++)
    {
      g_test_message ("forged %" G_GSIZE_FORMAT ": %s", i, forged[i]);
      assert_refused (forged[i], ATRIUM_ERROR_BAD_ARGS);
    }
}

/* Sizes come first: the JSON plus the decoded bytes against the limit,
 * from the lengths alone (the JSON here is not even valid, and too large
 * is what is said), and the raw length against twice the limit. A run of
 * separators cannot make it allocate per separator. */
static void
test_parse_limits (void)
{
  g_autofree char *fits = NULL;
  g_autofree char *over = NULL;
  g_autofree char *raw_over = NULL;
  g_autofree char *newlines = NULL;
  const char *json = "[{\"$atrium-bytes\":0}]";
  gsize json_length = strlen (json);
  gsize room = LIMIT - json_length;   /* the decoded bytes that fit */
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  {
    g_autofree char *zeros = g_malloc0 (room);
    g_autofree char *text = _atrium_base64_encode (zeros, room, NULL);

    g_free (fits);
    fits = g_strdup_printf ("B%s\n%s", json, text);
  }
  node = parse (fits, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  {
    g_autofree char *zeros = g_malloc0 (room + 1);
    g_autofree char *text = _atrium_base64_encode (zeros, room + 1, NULL);

    g_autofree char *not_json = g_strnfill (json_length, 'x');

    over = g_strdup_printf ("B%s\n%s", not_json, text);
  }
  assert_refused (over, ATRIUM_ERROR_TOO_LARGE);

  raw_over = g_strnfill (2 * LIMIT + 65, 'A');
  raw_over[0] = 'B';
  assert_refused (raw_over, ATRIUM_ERROR_TOO_LARGE);

  /* A plain message over the limit by one byte. */
  {
    g_autofree char *plain = g_strnfill (LIMIT + 1, ' ');

    plain[0] = '1';
    assert_refused (plain, ATRIUM_ERROR_TOO_LARGE);
  }

  newlines = g_strnfill (2 * LIMIT, '\n');
  newlines[0] = 'B';
  newlines[1] = '1';
  assert_refused (newlines, ATRIUM_ERROR_BAD_ARGS);
}

/* What goes to a page: markers are counted, look-alikes are not, and an
 * event holding bytes carries the flag. */
static void
test_write (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("\xff\x00\x10", 3);
  g_autoptr(JsonNode) node = atrium_bytes_node_new (bytes);
  g_autoptr(JsonNode) plain = json_from_string ("{\"$atrium-bytes\":1,\"x\":[{\"$atrium-bytes\":5}]}",
                                                NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) mixed = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumEvent) with_bytes = NULL;
  g_autoptr(AtriumEvent) without = NULL;
  const char *text;
  gsize length;

  g_assert_true (atrium_node_holds_bytes (node));
  g_assert_cmpuint (_atrium_bytes_write (out, node), ==, 1);
  g_assert_cmpstr (out->str, ==, "{\"$atrium-bytes\":\"/wAQ\"}");

  g_string_truncate (out, 0);
  g_assert_cmpuint (_atrium_bytes_write (out, plain), ==, 0);

  json_builder_begin_array (builder);
  json_builder_add_value (builder, json_node_copy (node));
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "b");
  json_builder_add_value (builder, atrium_bytes_node_new (bytes));
  json_builder_end_object (builder);
  json_builder_add_value (builder, json_node_copy (plain));
  json_builder_end_array (builder);
  mixed = json_builder_get_root (builder);
  g_string_truncate (out, 0);
  g_assert_cmpuint (_atrium_bytes_write (out, mixed), ==, 2);

  with_bytes = _atrium_event_encode ("e", mixed, 0, &error);
  g_assert_no_error (error);
  text = _atrium_event_get_text (with_bytes, &length);
  g_assert_true (g_str_has_suffix (text, ",null,1]"));
  without = _atrium_event_encode ("e", plain, 3, &error);
  g_assert_no_error (error);
  text = _atrium_event_get_text (without, &length);
  g_assert_true (g_str_has_suffix (text, "}]},3]"));
}

#define KEY "0123456789abcdef0123456789abcdef"

static JsonNode *
parse_call (const char  *text,
            GError     **error)
{
  return _atrium_bytes_parse_full (text, strlen (text), 64, LIMIT, 1000000, error);
}

/* A stream's segment gives a node that names it (and is not bytes); its
 * size counts against the stream limit, not the message's; a malformed
 * one, one over the limit, and any in an event are refused. */
static void
test_parse_streams (void)
{
  static const char *const malformed[] = {
    "B[{\"$atrium-bytes\":0}]\n~" KEY,
    "B[{\"$atrium-bytes\":0}]\n~" KEY ":",
    "B[{\"$atrium-bytes\":0}]\n~" KEY ":01",
    "B[{\"$atrium-bytes\":0}]\n~" KEY ":-1",
    "B[{\"$atrium-bytes\":0}]\n~" KEY ":1x",
    "B[{\"$atrium-bytes\":0}]\n~0123456789ABCDEF0123456789abcdef:1",
    "B[{\"$atrium-bytes\":0}]\n~0123456789abcdef0123456789abcde:10",
    "B[{\"$atrium-bytes\":0}]\n~" KEY "0:1",
    "B[{\"$atrium-bytes\":0}]\n~" KEY ":99999999999999999999",
    "B[{\"$atrium-bytes\":0},{\"$atrium-bytes\":0}]\n~" KEY ":1",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *key = NULL;
  guint64 size = 0;
  JsonArray *array;

  node = parse_call ("B[1,{\"$atrium-bytes\":1},{\"$atrium-bytes\":0}]\nAAE=\n~" KEY ":1000000",
                     &error);
  g_assert_no_error (error);
  array = json_node_get_array (node);
  g_assert_true (_atrium_node_get_stream_ref (json_array_get_element (array, 1), &key, &size));
  g_assert_cmpstr (key, ==, KEY);
  g_assert_cmpuint (size, ==, 1000000);
  g_assert_false (atrium_node_holds_bytes (json_array_get_element (array, 1)));
  g_assert_true (atrium_node_holds_bytes (json_array_get_element (array, 2)));
  g_assert_false (_atrium_node_get_stream_ref (json_array_get_element (array, 2), &key, &size));
  g_clear_pointer (&node, json_node_unref);

  for (gsize i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      node = parse_call (malformed[i], &error);
      if (node != NULL)
        g_error ("accepted: %s", malformed[i]);
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
      g_clear_error (&error);
    }

  node = parse_call ("B[{\"$atrium-bytes\":0}]\n~" KEY ":1000001", &error);
  g_assert_null (node);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* Not in an event, nor anything parsed without the stream limit. */
  assert_refused ("B[{\"$atrium-bytes\":0}]\n~" KEY ":1", ATRIUM_ERROR_BAD_ARGS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/bytes-codec/base64/round-trip", test_base64_round_trip);
  g_test_add_func ("/atrium/bytes-codec/base64/strict", test_base64_strict);
  g_test_add_func ("/atrium/bytes-codec/parse/markers", test_parse_markers);
  g_test_add_func ("/atrium/bytes-codec/parse/forged", test_parse_forged);
  g_test_add_func ("/atrium/bytes-codec/parse/limits", test_parse_limits);
  g_test_add_func ("/atrium/bytes-codec/write", test_write);
  g_test_add_func ("/atrium/bytes-codec/parse/streams", test_parse_streams);

  return g_test_run ();
}

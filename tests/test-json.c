#include "config.h"

#include "atrium-json-private.h"

#include "atrium-error.h"

#include <math.h>
#include <string.h>

/* Every parse goes through an exactly sized heap copy with no terminating
 * NUL, so valgrind and ASan catch any read past @length. */
static JsonNode *
parse_exact (const char  *text,
             gssize       length,
             guint        max_depth,
             GError     **error)
{
  g_autofree char *copy = NULL;
  gsize len = length < 0 ? strlen (text) : (gsize) length;

  copy = g_memdup2 (text, len);
  return _atrium_json_parse (copy, len, max_depth, error);
}

static JsonNode *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = parse_exact (text, -1, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static char *
write_to_string (JsonNode *node)
{
  GString *out = g_string_new (NULL);

  _atrium_json_write (out, node);
  return g_string_free (out, FALSE);
}

static void
assert_round_trip (const char *input,
                   const char *expected)
{
  g_autoptr(JsonNode) node = parse_ok (input);
  g_autofree char *written = write_to_string (node);

  g_assert_cmpstr (written, ==, expected);
}

static void
assert_parse_fails (const char *text,
                    gssize      length,
                    guint       max_depth,
                    const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse_exact (text, length, max_depth, &error);

  g_assert_null (node);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  if (error != NULL && strstr (error->message, message) == NULL)
    g_test_fail_printf ("Parsing “%s”: expected an error containing “%s”, got “%s”",
                        text, message, error->message);
}

/* Escapes the way the writer should, one byte at a time, as a reference for
 * the word-at-a-time scanners. */
static char *
reference_escape (const char *str)
{
  GString *out = g_string_new ("\"");

  for (const guchar *p = (const guchar *) str; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append (out, "\\\"");
      else if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\r')
        g_string_append (out, "\\r");
      else if (*p == '\t')
        g_string_append (out, "\\t");
      else if (*p == '\b')
        g_string_append (out, "\\b");
      else if (*p == '\f')
        g_string_append (out, "\\f");
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xa8)
        {
          g_string_append (out, "\\u2028");
          p += 2;
        }
      else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0xa9)
        {
          g_string_append (out, "\\u2029");
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }

  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static char *
nested (const char *open,
        const char *middle,
        const char *close,
        guint       depth)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (out, open);
  g_string_append (out, middle);
  for (guint i = 0; i < depth; i++)
    g_string_append (out, close);

  return g_string_free (out, FALSE);
}

static void
test_scalars (void)
{
  static const struct {
    const char *input;
    const char *expected;
    GType type;
  } cases[] = {
    { "null", "null", G_TYPE_INVALID },
    { "true", "true", G_TYPE_BOOLEAN },
    { "false", "false", G_TYPE_BOOLEAN },
    { "0", "0", G_TYPE_INT64 },
    { "-1", "-1", G_TYPE_INT64 },
    { "42", "42", G_TYPE_INT64 },
    { "1.5", "1.5", G_TYPE_DOUBLE },
    { "-2.25e1", "-22.5", G_TYPE_DOUBLE },
    { "1E2", "100", G_TYPE_DOUBLE },
    { "\"hi\"", "\"hi\"", G_TYPE_STRING },
    { "\"\"", "\"\"", G_TYPE_STRING },
    { " \t\r\n 7 \n\t\r ", "7", G_TYPE_INT64 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse_ok (cases[i].input);
      g_autofree char *written = write_to_string (node);

      if (cases[i].type == G_TYPE_INVALID)
        g_assert_true (JSON_NODE_HOLDS_NULL (node));
      else
        g_assert_cmpint (json_node_get_value_type (node), ==, cases[i].type);
      g_assert_cmpstr (written, ==, cases[i].expected);
    }
}

static void
test_nested (void)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  JsonArray *array;

  assert_round_trip ("[]", "[]");
  assert_round_trip ("{}", "{}");
  assert_round_trip ("[[]]", "[[]]");
  assert_round_trip ("[{}]", "[{}]");
  assert_round_trip (" [ 1 , [ 2 , [ ] ] , { } ] ", "[1,[2,[]],{}]");
  assert_round_trip ("{ \"a\" : [ 1 , { \"b\" : null } ] ,\n\"c\" : { } , \"d\":true}",
                     "{\"a\":[1,{\"b\":null}],\"c\":{},\"d\":true}");
  assert_round_trip ("[\"echo\",[{\"a\":1,\"b\":\"hi\",\"c\":[1,2,3]}]]",
                     "[\"echo\",[{\"a\":1,\"b\":\"hi\",\"c\":[1,2,3]}]]");

  node = parse_ok ("{\"a\":[1,{\"b\":\"x\"}],\"c\":{}}");
  object = json_node_get_object (node);
  g_assert_cmpuint (json_object_get_size (object), ==, 2);
  array = json_object_get_array_member (object, "a");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpint (json_array_get_int_element (array, 0), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 1), "b"),
                   ==, "x");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (object, "c")), ==, 0);
}

static void
test_member_order (void)
{
  assert_round_trip ("{\"z\":1,\"a\":2,\"m\":3,\"b\":4}", "{\"z\":1,\"a\":2,\"m\":3,\"b\":4}");
}

static void
test_duplicate_keys (void)
{
  g_autoptr(JsonNode) node = parse_ok ("{\"a\":1,\"b\":2,\"a\":{\"x\":[3]}}");
  g_autofree char *written = write_to_string (node);
  JsonObject *object = json_node_get_object (node);

  /* JSON.parse keeps the first key's position and the last key's value. */
  g_assert_cmpuint (json_object_get_size (object), ==, 2);
  g_assert_cmpstr (written, ==, "{\"a\":{\"x\":[3]},\"b\":2}");
}

static void
test_integers (void)
{
  static const char *const exact[] = {
    "9007199254740993",
    "-9007199254740993",
    "9223372036854775807",
    "-9223372036854775808",
    "1000000000000000000",
  };
  g_autoptr(JsonNode) max = parse_ok ("9223372036854775807");
  g_autoptr(JsonNode) min = parse_ok ("-9223372036854775808");
  g_autoptr(JsonNode) over = parse_ok ("9223372036854775808");
  g_autoptr(JsonNode) under = parse_ok ("-9223372036854775809");
  g_autoptr(JsonNode) huge = parse_ok ("123456789012345678901234567890");
  g_autoptr(JsonNode) minus_zero = parse_ok ("-0");
  g_autoptr(JsonNode) zero = parse_ok ("0");

  for (guint i = 0; i < G_N_ELEMENTS (exact); i++)
    {
      g_autoptr(JsonNode) node = parse_ok (exact[i]);

      g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
      assert_round_trip (exact[i], exact[i]);
    }

  g_assert_cmpint (json_node_get_int (max), ==, G_MAXINT64);
  g_assert_cmpint (json_node_get_int (min), ==, G_MININT64);

  /* Past gint64 the value degrades to the nearest double, as in JS. */
  g_assert_cmpint (json_node_get_value_type (over), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (over), ==, 9223372036854775808.0);
  g_assert_cmpint (json_node_get_value_type (under), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (under), ==, -9223372036854775808.0);
  g_assert_cmpint (json_node_get_value_type (huge), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (huge), ==, 123456789012345678901234567890.0);
  assert_round_trip ("9223372036854775808", "9.223372036854776e+18");

  /* "-0" keeps its sign, so it has to be a double. */
  g_assert_cmpint (json_node_get_value_type (minus_zero), ==, G_TYPE_DOUBLE);
  g_assert_true (signbit (json_node_get_double (minus_zero)));
  g_assert_cmpint (json_node_get_value_type (zero), ==, G_TYPE_INT64);
}

static void
test_doubles (void)
{
  static const double values[] = {
    0.1, 1e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
    0.30000000000000004, 1.0 / 3.0, -123456.789, 6.02214076e23, 1e21, 1e-7,
  };
  g_autoptr(JsonNode) tiny = parse_ok ("5e-324");
  g_autoptr(JsonNode) minus_zero = parse_ok ("-0.0");
  g_autoptr(JsonNode) underflow = parse_ok ("1e-400");

  assert_round_trip ("0.1", "0.1");
  assert_round_trip ("1e300", "1e+300");
  assert_round_trip ("-1.5E-3", "-0.0015");
  assert_round_trip ("0.30000000000000004", "0.30000000000000004");
  assert_round_trip ("3.0", "3");
  assert_round_trip ("-0.0", "-0");

  g_assert_cmpfloat (json_node_get_double (tiny), ==, 5e-324);
  g_assert_true (signbit (json_node_get_double (minus_zero)));
  g_assert_cmpfloat (json_node_get_double (minus_zero), ==, 0.0);
  g_assert_cmpfloat (json_node_get_double (underflow), ==, 0.0);

  /* Whatever digits the writer picks must read back as the same double. */
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(JsonNode) node = json_node_init_double (json_node_alloc (), values[i]);
      g_autofree char *written = write_to_string (node);
      g_autoptr(JsonNode) again = parse_ok (written);

      g_assert_cmpfloat (json_node_get_double (again), ==, values[i]);
      g_assert_cmpuint (strlen (written), <=, 24);
    }
}

static void
test_write_non_finite (void)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(JsonArray) array = json_array_new ();
  g_autofree char *written = NULL;

  json_array_add_double_element (array, INFINITY);
  json_array_add_double_element (array, -INFINITY);
  json_array_add_double_element (array, NAN);
  json_node_set_array (node, array);

  written = write_to_string (node);
  g_assert_cmpstr (written, ==, "[null,null,null]");
}

static void
test_write_values (void)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) from_gint = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonNode) from_gfloat = json_node_new (JSON_NODE_VALUE);
  g_auto(GValue) gint_value = G_VALUE_INIT;
  g_auto(GValue) gfloat_value = G_VALUE_INIT;
  g_autofree char *written = NULL;
  g_autofree char *empty_object = NULL;
  g_autofree char *unset_value = NULL;
  GString *out = g_string_new ("x");

  g_value_init (&gint_value, G_TYPE_INT);
  g_value_set_int (&gint_value, -7);
  json_node_set_value (from_gint, &gint_value);
  g_value_init (&gfloat_value, G_TYPE_FLOAT);
  g_value_set_float (&gfloat_value, 0.5f);
  json_node_set_value (from_gfloat, &gfloat_value);

  json_object_set_int_member (object, "i", G_MININT64);
  json_object_set_double_member (object, "d", 0.1);
  json_object_set_boolean_member (object, "t", TRUE);
  json_object_set_boolean_member (object, "f", FALSE);
  json_object_set_null_member (object, "n");
  json_object_set_string_member (object, "s", "é");
  json_object_set_member (object, "gint", g_steal_pointer (&from_gint));
  json_object_set_member (object, "gfloat", g_steal_pointer (&from_gfloat));
  json_node_set_object (node, object);

  written = write_to_string (node);
  g_assert_cmpstr (written, ==,
                   "{\"i\":-9223372036854775808,\"d\":0.1,\"t\":true,\"f\":false,\"n\":null,"
                   "\"s\":\"é\",\"gint\":-7,\"gfloat\":0.5}");

  /* A NULL node, and nodes with nothing in them, write as null rather
   * than crash; output is appended, not replaced. */
  _atrium_json_write (out, NULL);
  g_assert_cmpstr (out->str, ==, "xnull");
  g_string_free (out, TRUE);

  {
    g_autoptr(JsonNode) bare_object = json_node_new (JSON_NODE_OBJECT);
    g_autoptr(JsonNode) bare_value = json_node_new (JSON_NODE_VALUE);

    empty_object = write_to_string (bare_object);
    unset_value = write_to_string (bare_value);
  }
  g_assert_cmpstr (empty_object, ==, "null");
  g_assert_cmpstr (unset_value, ==, "null");
}

static void
test_escapes (void)
{
  g_autoptr(JsonNode) node =
    parse_ok ("\"\\\"\\\\\\/\\b\\f\\n\\r\\t"
              "\\u0041\\u00e9\\u00E9\\u20ac\\ud83d\\ude00\\uD83D\\uDE00x\"");
  g_autoptr(JsonNode) emoji = parse_ok ("\"\\ud83d\\ude00\"");
  g_autoptr(JsonNode) max = parse_ok ("\"\\udbff\\udfff\"");
  g_autofree char *written = write_to_string (node);

  g_assert_cmpstr (json_node_get_string (node), ==, "\"\\/\b\f\n\r\tAéé€😀😀x");
  g_assert_cmpstr (json_node_get_string (emoji), ==, "😀");
  g_assert_cmpstr (json_node_get_string (max), ==, "\xf4\x8f\xbf\xbf");
  g_assert_cmpstr (written, ==, "\"\\\"\\\\/\\b\\f\\n\\r\\tAéé€😀😀x\"");

  /* Escaped keys decode like values. */
  assert_round_trip ("{\"a\\n\\u00e9\":1}", "{\"a\\né\":1}");
}

static void
test_write_escapes (void)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  g_autoptr(GString) controls = g_string_new (NULL);
  g_autofree char *written = NULL;
  g_autofree char *separators = NULL;
  g_autofree char *lookalikes = NULL;

  for (int c = 1; c < 0x20; c++)
    g_string_append_c (controls, c);

  /* DEL (0x7f) is not a control character to JSON and stays raw. */
  g_string_append_c (controls, 0x7f);
  json_node_set_string (node, controls->str);
  written = write_to_string (node);
  g_assert_cmpstr (written, ==,
                   "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
                   "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
                   "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\x7f\"");

  /* U+2028 and U+2029 end lines in JS source, so they are escaped; their
   * neighbours sharing the E2 80 prefix stay raw. */
  json_node_set_string (node, "a\u2028b\u2029c");
  separators = write_to_string (node);
  g_assert_cmpstr (separators, ==, "\"a\\u2028b\\u2029c\"");

  json_node_set_string (node, "\u2027\u202a\u20ac\xe2");
  lookalikes = write_to_string (node);
  g_assert_cmpstr (lookalikes, ==, "\"\u2027\u202a\u20ac\xe2\"");
}

/* The scanners look at 8 bytes at a time: put each interesting character at
 * every offset of strings of every length around the word size and compare
 * against the byte-at-a-time reference, both ways. */
static void
test_word_boundaries (void)
{
  static const char *const specials[] = {
    "\"", "\\", "\n", "\x01", "\x1f", " ", "~", "\x7f", "é", "€", "😀",
    "\u2028", "\u2029", "\u2027",
  };

  for (guint s = 0; s < G_N_ELEMENTS (specials); s++)
    for (guint length = 0; length <= 20; length++)
      for (guint offset = 0; offset <= length; offset++)
        {
          g_autoptr(GString) str = g_string_new (NULL);
          g_autofree char *expected = NULL;
          g_autofree char *written = NULL;
          g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
          g_autoptr(JsonNode) parsed = NULL;
          g_autoptr(GError) error = NULL;

          for (guint i = 0; i < length; i++)
            {
              if (i == offset)
                g_string_append (str, specials[s]);
              g_string_append_c (str, 'a' + i % 26);
            }
          if (offset == length)
            g_string_append (str, specials[s]);

          expected = reference_escape (str->str);
          json_node_set_string (node, str->str);
          written = write_to_string (node);
          g_assert_cmpstr (written, ==, expected);

          parsed = parse_exact (expected, -1, 0, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (json_node_get_string (parsed), ==, str->str);
        }
}

/* Bytes a string may not hold raw must be caught wherever they fall
 * relative to the 8-byte words the scanner reads. */
static void
test_word_boundaries_invalid (void)
{
  static const struct {
    const char *bytes;
    gsize length;
    gboolean utf8;
  } bad[] = {
    { "\x01", 1, FALSE },
    { "\x1f", 1, FALSE },
    { "\n", 1, FALSE },
    { "\0", 1, FALSE },
    { "\xff", 1, TRUE },
    { "\xc0\xaf", 2, TRUE },
    { "\xed\xa0\x80", 3, TRUE },
  };

  for (guint b = 0; b < G_N_ELEMENTS (bad); b++)
    for (guint length = 1; length <= 24; length++)
      for (guint offset = 0; offset < length; offset++)
        {
          g_autoptr(GString) text = g_string_new ("\"");
          g_autofree char *message = NULL;

          for (guint i = 0; i < length; i++)
            {
              if (i == offset)
                g_string_append_len (text, bad[b].bytes, bad[b].length);
              g_string_append_c (text, 'a' + i % 26);
            }
          g_string_append_c (text, '"');

          /* The opening quote is byte 0. */
          if (bad[b].utf8)
            message = g_strdup_printf ("Invalid UTF-8 in JSON string at byte %u", offset + 1);
          else
            message = g_strdup_printf ("Invalid JSON at byte %u: control character in string",
                                       offset + 1);
          assert_parse_fails (text->str, text->len, 0, message);
        }
}

static void
test_raw_utf8 (void)
{
  /* The first and last code point of each UTF-8 length, and each side of
   * the surrogate gap. */
  static const char *const valid[] = {
    "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
    "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autofree char *text = g_strdup_printf ("\"%s\"", valid[i]);
      g_autoptr(JsonNode) node = parse_ok (text);

      g_assert_cmpstr (json_node_get_string (node), ==, valid[i]);
      assert_round_trip (text, text);
    }
}

static void
test_malformed (void)
{
  static const struct {
    const char *text;
    gssize length;
    const char *message;
  } cases[] = {
    { "", -1, "Invalid JSON at byte 0: unexpected end of input" },
    { "  \n", -1, "Invalid JSON at byte 3: unexpected end of input" },
    { "[", -1, "at byte 1: unexpected end of input" },
    { "[1,]", -1, "Invalid JSON at byte 3: expected a value" },
    { "[1,,2]", -1, "at byte 3: expected a value" },
    { "[1 2]", -1, "at byte 3: expected ',' or ']'" },
    { "[1}", -1, "at byte 2: expected ',' or ']'" },
    { "]", -1, "at byte 0: expected a value" },
    { "{\"a\"}", -1, "Invalid JSON at byte 4: expected ':'" },
    { "{\"a\":1,}", -1, "Invalid JSON at byte 7: expected a string key" },
    { "{\"a\":}", -1, "at byte 5: expected a value" },
    { "{\"a\":1 \"b\":2}", -1, "at byte 7: expected ',' or '}'" },
    { "{1:2}", -1, "at byte 1: expected a string key" },
    { "{,}", -1, "at byte 1: expected a string key" },
    { "{'a':1}", -1, "at byte 1: expected a string key" },
    { "[1]]", -1, "at byte 3: unexpected data after the value" },
    { "[1] x", -1, "at byte 4: unexpected data after the value" },
    { "1 2", -1, "at byte 2: unexpected data after the value" },
    { "\"abc", -1, "at byte 0: unterminated string" },
    { "[\"abc", -1, "at byte 1: unterminated string" },
    { "\"abc\\", -1, "unexpected end of input" },
    { "\"a\x01z\"", -1, "at byte 2: control character in string" },
    { "\"a\nb\"", -1, "at byte 2: control character in string" },
    { "\"\xff\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\x80\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"ab\xc0\xaf\"", -1, "Invalid UTF-8 in JSON string at byte 3" },
    { "\"\xc1\xbf\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\xe0\x80\xaf\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\xf0\x80\x80\xaf\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\xed\xa0\x80\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\xed\xbf\xbf\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\xf4\x90\x80\x80\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\xf5\x80\x80\x80\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\xe2\x82\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\xc3\"", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "\"\xe2\x82", -1, "Invalid UTF-8 in JSON string at byte 1" },
    { "{\"\xff\":1}", -1, "Invalid UTF-8 in JSON string at byte 2" },
    { "\"\\ud800\"", -1, "at byte 1: lone surrogate in \\u escape" },
    { "\"\\udc00\"", -1, "at byte 1: lone surrogate in \\u escape" },
    { "\"\\ud800\\u0041\"", -1, "lone surrogate in \\u escape" },
    { "\"\\ud800\\ud800\"", -1, "lone surrogate in \\u escape" },
    { "\"\\ud800x\"", -1, "lone surrogate in \\u escape" },
    { "\"\\u12\"", -1, "at byte 1: invalid \\u escape" },
    { "\"\\u12g4\"", -1, "invalid \\u escape" },
    { "\"\\x\"", -1, "at byte 1: invalid escape in string" },
    { "\"\\U0041\"", -1, "invalid escape in string" },
    { "\"\\u0000\"", -1, "\\u0000 in a string is not supported" },
    { "NaN", -1, "at byte 0: expected a value" },
    { "nan", -1, "at byte 0: expected a value" },
    { "Infinity", -1, "at byte 0: expected a value" },
    { "-Infinity", -1, "at byte 1: expected a digit" },
    { "01", -1, "at byte 0: leading zero in number" },
    { "-01", -1, "at byte 1: leading zero in number" },
    { "[00]", -1, "at byte 1: leading zero in number" },
    { "+1", -1, "at byte 0: expected a value" },
    { ".5", -1, "at byte 0: expected a value" },
    { "-", -1, "unexpected end of input" },
    { "1.", -1, "unexpected end of input" },
    { "1.e5", -1, "at byte 2: expected a digit" },
    { "1e", -1, "unexpected end of input" },
    { "1e+", -1, "unexpected end of input" },
    { "[1ex]", -1, "at byte 3: expected a digit" },
    { "0x10", -1, "at byte 1: unexpected data after the value" },
    { "1e400", -1, "at byte 0: number out of range" },
    { "[-1e400]", -1, "at byte 1: number out of range" },
    { "tru", -1, "at byte 0: expected a value" },
    { "True", -1, "at byte 0: expected a value" },
    { "nul", -1, "at byte 0: expected a value" },
    { "[fals]", -1, "at byte 1: expected a value" },
    { "nulll", -1, "at byte 4: unexpected data after the value" },
    { "'a'", -1, "at byte 0: expected a value" },
    { "\xef\xbb\xbf" "1", -1, "at byte 0: expected a value" },
    { "\f1", -1, "at byte 0: expected a value" },
    { "[1,\0 2]", 7, "at byte 3: expected a value" },
    { "[1]\0", 4, "at byte 3: unexpected data after the value" },
    { "\0", 1, "at byte 0: expected a value" },
    { "\"a\0b\"", 5, "at byte 2: control character in string" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_parse_fails (cases[i].text, cases[i].length, 0, cases[i].message);
}

static void
test_malformed_no_error (void)
{
  /* Callers that do not care why may pass no GError. */
  g_assert_null (parse_exact ("[1,", -1, 0, NULL));
  g_assert_null (parse_exact ("\"\xff\"", -1, 0, NULL));
  g_assert_null (parse_exact ("[[1]]", -1, 1, NULL));
}

static void
test_length_bounds (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) array = parse_exact ("[1,2]garbage", 5, 0, &error);
  g_autoptr(JsonNode) number = parse_exact ("12345", 2, 0, &error);
  g_autoptr(JsonNode) literal = parse_exact ("nullx", 4, 0, &error);
  g_autofree char *written = write_to_string (array);

  g_assert_no_error (error);
  g_assert_cmpstr (written, ==, "[1,2]");
  g_assert_cmpint (json_node_get_int (number), ==, 12);
  g_assert_true (JSON_NODE_HOLDS_NULL (literal));

  assert_parse_fails ("\"ab\"", 3, 0, "unterminated string");
  assert_parse_fails ("true", 3, 0, "expected a value");
  assert_parse_fails ("\"\\u0041\"", 6, 0, "invalid \\u escape");
  assert_parse_fails ("\"\\ud83d\\ude00\"", 12, 0, "lone surrogate");
}

static void
test_depth_default (void)
{
  g_autofree char *arrays = nested ("[", "1", "]", ATRIUM_JSON_DEFAULT_MAX_DEPTH);
  g_autofree char *too_deep = nested ("[", "1", "]", ATRIUM_JSON_DEFAULT_MAX_DEPTH + 1);
  g_autofree char *objects = nested ("{\"a\":", "1", "}", ATRIUM_JSON_DEFAULT_MAX_DEPTH);
  g_autofree char *objects_too_deep =
    nested ("{\"a\":", "{}", "}", ATRIUM_JSON_DEFAULT_MAX_DEPTH);
  g_autoptr(JsonNode) node = parse_ok (arrays);
  g_autoptr(JsonNode) object_node = parse_ok (objects);
  g_autofree char *written = write_to_string (node);

  g_assert_cmpstr (written, ==, arrays);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (object_node));
  assert_parse_fails (too_deep, -1, 0, "JSON nested deeper than 512 levels");
  assert_parse_fails (objects_too_deep, -1, 0, "JSON nested deeper than 512 levels");
}

static void
test_depth_custom (void)
{
  g_autoptr(JsonNode) scalar = NULL;
  g_autoptr(JsonNode) flat = NULL;
  g_autoptr(JsonNode) three = NULL;
  g_autoptr(JsonNode) mixed = NULL;
  g_autoptr(JsonNode) wide = NULL;
  g_autoptr(GError) error = NULL;

  scalar = parse_exact ("1", -1, 1, &error);
  g_assert_no_error (error);
  flat = parse_exact ("[1,[],{}]", -1, 2, &error);
  g_assert_no_error (error);
  three = parse_exact ("[[[1]]]", -1, 3, &error);
  g_assert_no_error (error);
  mixed = parse_exact ("{\"a\":[{\"b\":1}]}", -1, 3, &error);
  g_assert_no_error (error);
  /* Depth is nesting, not the number of containers. */
  wide = parse_exact ("[[[]],[[]],[[]],[[]],[[]]]", -1, 3, &error);
  g_assert_no_error (error);
  g_assert_nonnull (scalar);
  g_assert_nonnull (flat);
  g_assert_nonnull (three);
  g_assert_nonnull (mixed);
  g_assert_nonnull (wide);

  assert_parse_fails ("[[]]", -1, 1, "JSON nested deeper than 1 levels");
  assert_parse_fails ("[[[[1]]]]", -1, 3, "JSON nested deeper than 3 levels");
  assert_parse_fails ("{\"a\":[{\"b\":[]}]}", -1, 3, "JSON nested deeper than 3 levels");
  assert_parse_fails ("[[],[[[]]]]", -1, 3, "JSON nested deeper than 3 levels");
}

static void
test_depth_huge (void)
{
  const guint depth = 100000;
  g_autofree char *open = g_strnfill (depth, '[');
  g_autofree char *balanced = nested ("[", "", "]", depth);
  g_autofree char *objects = nested ("{\"a\":", "1", "}", depth);
  g_autofree char *then_bad = g_strconcat (open, "\xff\"", NULL);

  assert_parse_fails (open, -1, 0, "JSON nested deeper than 512 levels");
  assert_parse_fails (balanced, -1, 0, "JSON nested deeper than 512 levels");
  assert_parse_fails (objects, -1, 0, "JSON nested deeper than 512 levels");
  assert_parse_fails (open, -1, 20000, "JSON nested deeper than 20000 levels");

  /* It stops at the limit instead of walking the rest of the input: what
   * follows, an error of its own, is never read. */
  assert_parse_fails (then_bad, -1, 0, "JSON nested deeper than 512 levels");
}

static void
test_write_depth_cap (void)
{
  /* The cap warns; with G_LOG_USE_STRUCTURED g_test_expect_message cannot
   * see that, so the write runs in a subprocess whose stderr we check. */
  if (g_test_subprocess ())
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      g_autoptr(JsonArray) array = json_array_new ();
      g_autofree char *written = NULL;
      g_autofree char *expected = nested ("[", "null", "]", 10000);

      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

      /* An array holding itself would otherwise be written forever. */
      json_node_set_array (node, array);
      json_array_add_element (array, json_node_ref (node));
      written = write_to_string (node);
      json_array_remove_element (array, 0);

      g_assert_cmpstr (written, ==, expected);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*JSON nested deeper than 10000 levels*");
}

static void
test_big_string (void)
{
  const gsize size = 1024 * 1024;
  static const char *const pieces[] = { "abcdefghij", "é", "€", "😀", " ", "0123456789" };
  g_autoptr(GString) str = g_string_sized_new (size + 8);
  g_autoptr(GString) text = NULL;
  g_autofree char *escaped_text = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) escaped_node = NULL;
  g_autofree char *written = NULL;
  g_autofree char *escaped_written = NULL;

  for (guint i = 0; str->len < size; i++)
    g_string_append (str, pieces[(i * 7) % G_N_ELEMENTS (pieces)]);

  text = g_string_new ("\"");
  g_string_append_len (text, str->str, str->len);
  g_string_append_c (text, '"');

  node = parse_ok (text->str);
  g_assert_cmpuint (strlen (json_node_get_string (node)), ==, str->len);
  g_assert_true (memcmp (json_node_get_string (node), str->str, str->len) == 0);
  written = write_to_string (node);
  g_assert_cmpuint (strlen (written), ==, text->len);
  g_assert_true (memcmp (written, text->str, text->len) == 0);

  /* The same with an escape every few hundred bytes. */
  for (gsize i = 0; i < str->len; i += 333)
    if ((guchar) str->str[i] < 0x80)
      str->str[i] = (i / 333) % 2 ? '\n' : '"';
  escaped_text = reference_escape (str->str);
  escaped_node = parse_ok (escaped_text);
  g_assert_cmpstr (json_node_get_string (escaped_node), ==, str->str);
  escaped_written = write_to_string (escaped_node);
  g_assert_cmpstr (escaped_written, ==, escaped_text);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/atrium/json/scalars", test_scalars);
  g_test_add_func ("/atrium/json/nested", test_nested);
  g_test_add_func ("/atrium/json/member-order", test_member_order);
  g_test_add_func ("/atrium/json/duplicate-keys", test_duplicate_keys);
  g_test_add_func ("/atrium/json/integers", test_integers);
  g_test_add_func ("/atrium/json/doubles", test_doubles);
  g_test_add_func ("/atrium/json/write-non-finite", test_write_non_finite);
  g_test_add_func ("/atrium/json/write-values", test_write_values);
  g_test_add_func ("/atrium/json/escapes", test_escapes);
  g_test_add_func ("/atrium/json/write-escapes", test_write_escapes);
  g_test_add_func ("/atrium/json/word-boundaries", test_word_boundaries);
  g_test_add_func ("/atrium/json/word-boundaries-invalid", test_word_boundaries_invalid);
  g_test_add_func ("/atrium/json/raw-utf8", test_raw_utf8);
  g_test_add_func ("/atrium/json/malformed", test_malformed);
  g_test_add_func ("/atrium/json/malformed-no-error", test_malformed_no_error);
  g_test_add_func ("/atrium/json/length-bounds", test_length_bounds);
  g_test_add_func ("/atrium/json/depth-default", test_depth_default);
  g_test_add_func ("/atrium/json/depth-custom", test_depth_custom);
  g_test_add_func ("/atrium/json/depth-huge", test_depth_huge);
  g_test_add_func ("/atrium/json/write-depth-cap", test_write_depth_cap);
  g_test_add_func ("/atrium/json/big-string", test_big_string);

  return g_test_run ();
}

#include "config.h"

#include "fuzz-common.h"
#include "fuzz-json-check.h"

#include <string.h>

#include "atrium-bridge-private.h"
#include "atrium-error.h"
#include "atrium-registry-private.h"

/* The call message decoder: the input is what follows the token, as the
 * runtime posts it (`["method", [args…], id]`). The JSON codec is checked
 * on it too (depth limit, parse → write → parse), and the token and size
 * checks in front of it. */

#define MAX_DEPTH 64
#define TOKEN "0123456789abcdef0123456789abcdef"

G_STATIC_ASSERT (sizeof TOKEN - 1 == ATRIUM_TOKEN_LENGTH);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

static JsonNode *
decode (const char *text,
        gsize       length,
        const char *token,
        gsize       max_size,
        GError    **error)
{
  /* Exactly the message, so ASan sees any read past its end. */
  g_autofree char *message = g_malloc (ATRIUM_TOKEN_LENGTH + length);

  memcpy (message, TOKEN, ATRIUM_TOKEN_LENGTH);
  if (length > 0)
    memcpy (message + ATRIUM_TOKEN_LENGTH, text, length);
  return _atrium_call_message_decode (message, ATRIUM_TOKEN_LENGTH + length, token, max_size,
                                MAX_DEPTH, error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) message = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  gsize json_size;
  gboolean framed;

  /* With binary values ('B'), the JSON runs to the first newline and the
   * base64 follows (fuzz-bytes-decode looks at those). */
  framed = size > 0 && text[0] == 'B';
  json_size = size;
  if (framed)
    {
      const char *newline = memchr (text, '\n', size);

      json_size = newline != NULL ? (gsize) (newline - text) - 1 : size - 1;
    }

  /* The decoder allows two more levels, for the envelope and the argument list. */
  parsed = fuzz_json_check (text + framed, json_size, MAX_DEPTH + 2);

  message = decode (text, size, TOKEN, ATRIUM_DEFAULT_MAX_MESSAGE_SIZE, &error);
  if (message == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == ATRIUM_ERROR);
      g_assert_cmpint (error->code, ==, ATRIUM_ERROR_BAD_ARGS);
      /* Every refusal can be sent to the page as an AtriumError. */
      {
        g_autofree char *json = _atrium_bridge_error_to_json (error);
        g_autoptr(JsonNode) back = _atrium_json_parse (json, strlen (json), 2, NULL);

        g_assert_nonnull (back);
        g_assert_cmpstr (json_object_get_string_member (json_node_get_object (back), "code"),
                         ==, "bad-args");
      }
    }
  else
    {
      JsonArray *array;
      guint length;

      g_assert_no_error (error);
      /* The decoder accepts only what the JSON parser accepts. */
      g_assert_nonnull (parsed);
      g_assert_true (JSON_NODE_HOLDS_ARRAY (message));
      array = json_node_get_array (message);
      length = json_array_get_length (array);
      g_assert_cmpuint (length, >=, 2);
      g_assert_cmpuint (length, <=, 3);
      g_assert_true (_atrium_method_name_is_valid (json_array_get_string_element (array, 0)));
      g_assert_true (JSON_NODE_HOLDS_ARRAY (json_array_get_element (array, 1)));
      if (length == 3)
        g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 2)), ==,
                         G_TYPE_INT64);
    }
  g_clear_error (&error);

  /* Without the right token nothing is even parsed. */
  {
    g_autoptr(JsonNode) forged = decode (text, size, "1123456789abcdef0123456789abcdef",
                                         ATRIUM_DEFAULT_MAX_MESSAGE_SIZE, &error);

    g_assert_null (forged);
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN);
    g_clear_error (&error);
  }

  /* One byte over the limit is too large, whatever the bytes are; binary
   * values count at their decoded size, so that is for plain messages. */
  if (size > 0 && !framed)
    {
      g_autoptr(JsonNode) large = decode (text, size, TOKEN, size - 1, &error);

      g_assert_null (large);
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
      g_clear_error (&error);
    }

  /* A message shorter than the token is refused, not read past. */
  {
    gsize n = MIN (size, (gsize) ATRIUM_TOKEN_LENGTH - 1);
    g_autofree char *short_message = g_memdup2 (text, MAX (n, 1));
    g_autoptr(JsonNode) truncated = _atrium_call_message_decode (short_message, n, TOKEN,
                                                           ATRIUM_DEFAULT_MAX_MESSAGE_SIZE,
                                                           MAX_DEPTH, &error);

    g_assert_null (truncated);
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN);
  }

  return 0;
}

#include "config.h"

#include "fuzz-common.h"
#include "fuzz-json-check.h"

#include <string.h>

#include "atrium-bridge-private.h"
#include "atrium-error.h"
#include "atrium-events-private.h"

/* An event from the page, as it follows the token: the id of the last
 * batch the page handled, ':', then `["name", data]`. Decoded as the bridge
 * and the event bus do it (_atrium_call_message_split_event, _atrium_event_decode),
 * and the raw input is also tried as an event name. */

#define MAX_DEPTH 64

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

/* The rule from README.md, written out independently. */
static gboolean
name_is_valid (const char *name)
{
  gsize length = strlen (name);

  return length >= 1 && length <= ATRIUM_EVENT_NAME_MAX
         && g_utf8_validate (name, length, NULL)
         && strncmp (name, "atrium:", 7) != 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) event = NULL;
  g_autofree char *as_name = g_strndup (text, size);
  guint64 ack = G_MAXUINT64;
  gsize prefix, json_size;
  gboolean framed;

  g_assert_cmpint (_atrium_event_name_is_valid (as_name, &error), ==, name_is_valid (as_name));
  g_assert_true ((error == NULL) == name_is_valid (as_name));
  g_clear_error (&error);

  prefix = _atrium_call_message_split_event (text, size, &ack, &error);
  if (prefix == 0)
    {
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (prefix, >=, 2);
  g_assert_cmpuint (prefix, <=, 20);
  g_assert_cmpuint (prefix, <=, size);
  g_assert_cmpint (text[prefix - 1], ==, ':');
  for (gsize i = 0; i + 1 < prefix; i++)
    g_assert_true (g_ascii_isdigit (text[i]));
  g_assert_cmpuint (ack, ==, g_ascii_strtoull (text, NULL, 10));

  text += prefix;
  size -= prefix;

  /* With binary values ('B'), the JSON runs to the first newline and the
   * base64 follows (fuzz-bytes-decode looks at those). */
  framed = size > 0 && text[0] == 'B';
  json_size = size;
  if (framed)
    {
      const char *newline = memchr (text, '\n', size);

      json_size = newline != NULL ? (gsize) (newline - text) - 1 : size - 1;
    }

  {
    /* The decoder allows one more level, for the envelope. */
    g_autoptr(JsonNode) parsed = fuzz_json_check (text + framed, json_size, MAX_DEPTH + 1);

    event = _atrium_event_decode (text, size, MAX_DEPTH, G_MAXSIZE / 4, &error);
    if (event == NULL)
      {
        g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
        return 0;
      }
    g_assert_nonnull (parsed);
  }
  g_assert_no_error (error);

  g_assert_true (JSON_NODE_HOLDS_ARRAY (event));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (event)), ==, 2);
  g_assert_true (name_is_valid (json_array_get_string_element (json_node_get_array (event), 0)));

  /* Forwarding appends the sender in place of the closing bracket, after
   * trimming white space as _atrium_events_receive() does: that bracket
   * must be there for everything the decoder accepts. */
  if (framed)
    return 0;   /* forwarded as encoded again */
  while (size > 0 && g_ascii_isspace (text[size - 1]))
    size--;
  g_assert_cmpuint (size, >, 0);
  g_assert_cmpint (text[size - 1], ==, ']');

  return 0;
}

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-call-message-private.h"

#include "atrium-bytes-private.h"
#include "atrium-error.h"
#include "atrium-registry-private.h"
#include "atrium-token-private.h"

/* The page's messages, parsed here as pure functions a fuzzer can drive
 * alone: a call message, checked the same way whichever transport brought
 * it (a script message, _atrium_call_message_decode(), or a user message
 * from the web process extension, _atrium_wire_decode_call()), and the ids
 * that frame the runtime's other messages (cancel, poll, emit). The bridge
 * (atrium-bridge.c) receives them and acts. */

/* Parses the decimal id at the start of @data (a call's, a cancel's, a
 * poll's or an emit's batch id): at most 19 digits, so it cannot overflow
 * and a long run is not walked. Returns the number of
 * digits, 0 if there are none. */
gsize
_atrium_call_message_parse_id (const char *data,
                               gsize       length,
                               guint64    *id)
{
  gsize n = 0;

  *id = 0;
  while (n < MIN (length, 19) && g_ascii_isdigit (data[n]))
    *id = *id * 10 + (data[n++] - '0');
  return n;
}

/**
 * _atrium_call_message_decode:
 * @text: the message as the page posted it: token, then `[method, [args…]]`,
 *   or token, 'B', that and its binary values (see atrium-bytes.c)
 * @max_size: the message limit; binary values count at their decoded size
 *
 * Checks and decodes one call message.
 *
 * Returns: (transfer full) (nullable): the decoded `[method, args]` array
 *   node, or %NULL with @error set: %ATRIUM_ERROR_FORBIDDEN without the
 *   token, %ATRIUM_ERROR_TOO_LARGE over @max_size, %ATRIUM_ERROR_BAD_ARGS for
 *   anything malformed
 */
JsonNode *
_atrium_call_message_decode (const char  *text,
                             gsize        length,
                             const char  *token,
                             gsize        max_size,
                             guint        max_depth,
                             GError     **error)
{
  return _atrium_call_message_decode_full (text, length, token, max_size,
                                           ATRIUM_DEFAULT_MAX_STREAM_SIZE, max_depth, error);
}

/* _atrium_call_message_decode() with the app's limit on streams the call
 * names. */
JsonNode *
_atrium_call_message_decode_full (const char  *text,
                                  gsize        length,
                                  const char  *token,
                                  gsize        max_size,
                                  guint64      max_stream_size,
                                  guint        max_depth,
                                  GError     **error)
{
  g_autoptr(JsonNode) root = NULL;

  if (!_atrium_token_matches (text, length, token))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                           "The message does not come from the app's runtime");
      return NULL;
    }
  text += ATRIUM_TOKEN_LENGTH;
  length -= ATRIUM_TOKEN_LENGTH;

  /* The size limit first, then the JSON, with binary values if the message
   * has any (atrium-bytes.c). The envelope and the argument list are two
   * levels of their own: an argument may itself nest max_depth levels
   * deep. */
  root = _atrium_bytes_parse_full (text, length, MIN (max_depth, G_MAXUINT - 2) + 2, max_size,
                                   max_stream_size, error);
  if (root == NULL)
    return NULL;

  if (!_atrium_call_message_check (root, error))
    return NULL;

  return g_steal_pointer (&root);
}

/**
 * _atrium_call_message_split_event:
 * @data: an event message after the token: `ack:["name", data]`
 * @ack: (out): the id of the last event batch the page handled
 *
 * Reads the batch id and the colon in front of an event.
 *
 * Returns: how many bytes they take (the event's JSON follows), or 0 with
 *   @error set to %ATRIUM_ERROR_BAD_ARGS
 */
gsize
_atrium_call_message_split_event (const char  *data,
                                  gsize        length,
                                  guint64     *ack,
                                  GError     **error)
{
  gsize digits = _atrium_call_message_parse_id (data, length, ack);

  if (digits == 0 || digits >= length || data[digits] != ':')
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "An event message must be a batch id, ':' and [\"name\", data]");
      return 0;
    }
  return digits + 1;
}


/**
 * _atrium_call_message_check:
 * @root: a decoded message
 *
 * Returns: whether @root is `["method", [arguments…]]` with an optional
 *   integer id after them and a valid method name; %FALSE with @error set
 *   to %ATRIUM_ERROR_BAD_ARGS otherwise
 */
gboolean
_atrium_call_message_check (JsonNode  *root,
                            GError   **error)
{
  JsonArray *array;
  JsonNode *name;

  if (!JSON_NODE_HOLDS_ARRAY (root)
      || json_array_get_length (array = json_node_get_array (root)) < 2
      || json_array_get_length (array) > 3
      || !JSON_NODE_HOLDS_VALUE (name = json_array_get_element (array, 0))
      || json_node_get_value_type (name) != G_TYPE_STRING
      || !JSON_NODE_HOLDS_ARRAY (json_array_get_element (array, 1))
      || (json_array_get_length (array) == 3
          && (!JSON_NODE_HOLDS_VALUE (json_array_get_element (array, 2))
              || json_node_get_value_type (json_array_get_element (array, 2)) != G_TYPE_INT64)))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "A call message must be [\"method\", [arguments…], id]");
      return FALSE;
    }

  if (!_atrium_method_name_is_valid (json_node_get_string (name)))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "The method name is empty or too long");
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
refuse (GError      **error,
        AtriumError   code,
        const char   *message)
{
  g_set_error_literal (error, ATRIUM_ERROR, code, message);
  return NULL;
}

/**
 * _atrium_wire_decode_call:
 * @params: the user message's parameters (%ATRIUM_WIRE_CALL_TYPE)
 * @fds: (nullable): its file descriptors
 * @max_size: the message limit: the JSON and its binary values
 * @parts: (out) (optional) (transfer full): the binary values, their
 *   markers not yet given base64 (see _atrium_bytes_parse_parts()); without
 *   it they are given it now
 *
 * Checks and decodes a call that came through the web process extension,
 * in this order: the shape, the token, the sizes every part says it has
 * against @max_size (nothing is mapped or copied before), then each part
 * (a memfd's seals and true size before it is mapped), then the JSON and
 * its markers as _atrium_bytes_parse_parts() does and the call's shape as
 * _atrium_call_message_check() does.
 *
 * Returns: (transfer full) (nullable): the `[method, args, id]` node, or
 *   %NULL with @error set: %ATRIUM_ERROR_FORBIDDEN without the token,
 *   %ATRIUM_ERROR_TOO_LARGE over @max_size, %ATRIUM_ERROR_BAD_ARGS for
 *   anything malformed (a file that is not sealed or lies about its size)
 */
JsonNode *
_atrium_wire_decode_call (GVariant          *params,
                          GUnixFDList       *fds,
                          const char        *token,
                          gsize              max_size,
                          guint              max_depth,
                          AtriumBytesParts **parts,
                          GError           **error)
{
  g_autoptr(GVariant) token_bytes = NULL;
  g_autoptr(GVariant) body_part = NULL;
  g_autoptr(GVariant) parts_variant = NULL;
  g_autoptr(GPtrArray) values = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(AtriumBytesParts) deferred = NULL;
  const char *token_data;
  gsize token_length, n_parts, json_length;
  guint64 size, total;

  if (params == NULL || !g_variant_is_of_type (params, G_VARIANT_TYPE (ATRIUM_WIRE_CALL_TYPE)))
    return refuse (error, ATRIUM_ERROR_BAD_ARGS, "A call message is malformed");
  token_bytes = g_variant_get_child_value (params, 0);
  body_part = g_variant_get_child_value (params, 1);
  parts_variant = g_variant_get_child_value (params, 2);

  token_data = g_variant_get_fixed_array (token_bytes, &token_length, 1);
  if (token_length != ATRIUM_TOKEN_LENGTH
      || !_atrium_token_matches (token_data, token_length, token))
    return refuse (error, ATRIUM_ERROR_FORBIDDEN,
                   "The message does not come from the app's runtime");

  if (fds != NULL && g_unix_fd_list_get_length (fds) > ATRIUM_WIRE_MAX_FDS)
    return refuse (error, ATRIUM_ERROR_BAD_ARGS, "A call message carries too many files");
  n_parts = g_variant_n_children (parts_variant);
  if (n_parts > ATRIUM_WIRE_MAX_PARTS)
    return refuse (error, ATRIUM_ERROR_BAD_ARGS, "A message holds too many binary values");

  /* Sizes first, as the parts say them: nothing is mapped or copied
   * before the message is known to fit. */
  _atrium_wire_part_size (body_part, &total);
  if (total > max_size)
    goto too_large;
  for (gsize i = 0; i < n_parts; i++)
    {
      g_autoptr(GVariant) part = g_variant_get_child_value (parts_variant, i);

      _atrium_wire_part_size (part, &size);
      if (size > max_size - total)
        goto too_large;
      total += size;
    }

  body = _atrium_wire_part_read (body_part, fds, &local_error);
  if (body == NULL)
    return refuse (error, ATRIUM_ERROR_BAD_ARGS, local_error->message);
  values = g_ptr_array_new_full (n_parts, (GDestroyNotify) g_bytes_unref);
  for (gsize i = 0; i < n_parts; i++)
    {
      g_autoptr(GVariant) part = g_variant_get_child_value (parts_variant, i);
      GBytes *bytes = _atrium_wire_part_read (part, fds, &local_error);

      if (bytes == NULL)
        return refuse (error, ATRIUM_ERROR_BAD_ARGS, local_error->message);
      g_ptr_array_add (values, bytes);
    }

  /* The envelope and the argument list are two levels of their own, as
   * in _atrium_call_message_decode(). */
  json_length = g_bytes_get_size (body);
  root = _atrium_bytes_parse_parts (g_bytes_get_data (body, NULL), json_length,
                                    MIN (max_depth, G_MAXUINT - 2) + 2, values,
                                    parts != NULL ? &deferred : NULL, error);
  if (root == NULL || !_atrium_call_message_check (root, error))
    return NULL;
  if (parts != NULL)
    {
      _atrium_bytes_parts_note_args (deferred,
                                     json_array_get_array_element (json_node_get_array (root), 1));
      *parts = g_steal_pointer (&deferred);
    }
  return g_steal_pointer (&root);

too_large:
  g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
               "The message and its binary values are over the limit of %" G_GSIZE_FORMAT
               " bytes", max_size);
  return NULL;
}

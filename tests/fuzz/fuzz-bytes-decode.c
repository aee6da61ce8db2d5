#include "config.h"

#include "fuzz-common.h"
#include "fuzz-json-check.h"

#include <string.h>

#include "atrium-bytes-private.h"
#include "atrium-error.h"

/* A page's message with binary values, as it follows the token (and an
 * event's ack): JSON, or 'B', JSON and '\n'-separated base64
 * (atrium-bytes.c). Whatever the decoder accepts is checked against the
 * rules written out again here, and the input is also tried as base64. */

#define MAX_DEPTH 64
#define MAX_SIZE  (1024 * 1024)

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

/* Every object in @root that has the reserved member, without recursion;
 * each must be a binary value whose base64 is canonical. Returns how many,
 * adding their decoded sizes to @total. */
static guint
check_markers (JsonNode *root,
               gsize    *total)
{
  g_autoptr(GPtrArray) nodes = g_ptr_array_new ();
  guint n = 0;

  g_ptr_array_add (nodes, root);
  while (nodes->len > 0)
    {
      JsonNode *node = g_ptr_array_steal_index_fast (nodes, nodes->len - 1);
      g_autoptr(GList) children = NULL;

      if (JSON_NODE_HOLDS_OBJECT (node)
          && json_object_has_member (json_node_get_object (node), ATRIUM_BYTES_KEY))
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GBytes) bytes = atrium_bytes_node_get_bytes (node, &error);
          g_autofree char *again = NULL;
          const char *base64;

          g_assert_true (atrium_node_holds_bytes (node));
          g_assert_no_error (error);
          base64 = json_object_get_string_member (json_node_get_object (node), ATRIUM_BYTES_KEY);
          again = _atrium_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                         NULL);
          g_assert_cmpstr (again, ==, base64);
          *total += g_bytes_get_size (bytes);
          n++;
          continue;
        }
      if (JSON_NODE_HOLDS_ARRAY (node))
        children = json_array_get_elements (json_node_get_array (node));
      else if (JSON_NODE_HOLDS_OBJECT (node))
        children = json_object_get_values (json_node_get_object (node));
      for (GList *l = children; l != NULL; l = l->next)
        g_ptr_array_add (nodes, l->data);
    }
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  gboolean framed = size > 0 && text[0] == 'B';

  /* As base64: the check and the decoder agree, and what decodes encodes
   * back to the same text; any bytes encode to what decodes back to them. */
  {
    g_autoptr(GBytes) decoded = _atrium_base64_decode (text, size, &error);
    g_autofree char *encoded = _atrium_base64_encode (data, size, NULL);
    g_autoptr(GBytes) back = NULL;
    gsize n;

    g_assert_cmpint (_atrium_base64_check (text, size, &n), ==, decoded != NULL);
    if (decoded != NULL)
      {
        g_autofree char *again = _atrium_base64_encode (g_bytes_get_data (decoded, NULL),
                                                        g_bytes_get_size (decoded), NULL);

        g_assert_cmpuint (n, ==, g_bytes_get_size (decoded));
        g_assert_cmpuint (strlen (again), ==, size);
        g_assert_true (memcmp (again, text, size) == 0);
      }
    else
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
    g_clear_error (&error);

    back = _atrium_base64_decode (encoded, strlen (encoded), &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, size);
  }

  root = _atrium_bytes_parse (text, size, MAX_DEPTH, MAX_SIZE, &error);
  if (root == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == ATRIUM_ERROR);
      g_assert_true (error->code == ATRIUM_ERROR_BAD_ARGS || error->code == ATRIUM_ERROR_TOO_LARGE);
      return 0;
    }
  g_assert_no_error (error);

  {
    const char *newline = framed ? memchr (text, '\n', size) : NULL;
    gsize json_size = framed ? (gsize) (newline - text) - 1 : size;
    gsize segments = 0, total = 0;
    g_autoptr(JsonNode) parsed = fuzz_json_check (text + framed, json_size, MAX_DEPTH);
    g_autoptr(GString) out = g_string_new (NULL);
    guint markers;

    /* What is accepted is JSON; as many markers as base64 texts, every
     * one a binary value, none in a plain message; within the limit. */
    g_assert_true (!framed || newline != NULL);
    g_assert_nonnull (parsed);
    for (gsize i = 0; i < size; i++)
      segments += framed && text[i] == '\n';
    markers = check_markers (root, &total);
    g_assert_cmpuint (markers, ==, segments);
    g_assert_cmpuint (json_size + total, <=, MAX_SIZE);
    g_assert_cmpuint (_atrium_bytes_write (out, root), ==, markers);
  }

  return 0;
}

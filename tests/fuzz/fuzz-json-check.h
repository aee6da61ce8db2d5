#pragma once

/* Checks shared by the targets that decode JSON from the page. */

#include <json-glib/json-glib.h>

#include "atrium-error.h"
#include "atrium-json-private.h"

/* How deep @root nests (a scalar is 0, `[1]` is 1), walked without
 * recursion, like the parser: the fuzzer makes trees as deep as it likes. */
static inline guint
fuzz_json_depth (JsonNode *root)
{
  g_autoptr(GPtrArray) nodes = g_ptr_array_new ();
  g_autoptr(GArray) depths = g_array_new (FALSE, FALSE, sizeof (guint));
  guint max = 0;
  guint zero = 0;

  g_ptr_array_add (nodes, root);
  g_array_append_val (depths, zero);

  while (nodes->len > 0)
    {
      JsonNode *node = g_ptr_array_steal_index_fast (nodes, nodes->len - 1);
      guint depth = g_array_index (depths, guint, depths->len - 1);
      g_autoptr(GList) children = NULL;

      g_array_set_size (depths, depths->len - 1);

      if (JSON_NODE_HOLDS_ARRAY (node))
        children = json_array_get_elements (json_node_get_array (node));
      else if (JSON_NODE_HOLDS_OBJECT (node))
        children = json_object_get_values (json_node_get_object (node));
      else
        continue;

      depth++;
      max = MAX (max, depth);
      for (GList *l = children; l != NULL; l = l->next)
        {
          g_ptr_array_add (nodes, l->data);
          g_array_append_val (depths, depth);
        }
    }

  return max;
}

/* How deep the text @data nests, counting brackets outside strings. The
 * depth limit is on the text, not on the tree: a repeated key can drop a
 * value nested deeper than what stays (`{"a":[[1]],"a":1}` nests 3 deep
 * and keeps a tree 1 deep). Only called on text the parser accepted. */
static inline guint
fuzz_json_text_depth (const char *data,
                      gsize       size)
{
  gboolean in_string = FALSE;
  guint depth = 0;
  guint max = 0;

  for (gsize i = 0; i < size; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          depth++;
          max = MAX (max, depth);
        }
      else if (c == ']' || c == '}')
        depth--;
    }

  return max;
}

/* What the writer makes is strict JSON that is also safe in JS source:
 * valid UTF-8, no raw control characters, no raw U+2028 or U+2029. */
static inline void
fuzz_json_check_written (const GString *text)
{
  g_assert_true (g_utf8_validate_len (text->str, text->len, NULL));
  for (gsize i = 0; i < text->len; i++)
    {
      guchar c = text->str[i];

      g_assert_cmpint (c, >=, 0x20);
      if (c == 0xe2 && i + 2 < text->len && (guchar) text->str[i + 1] == 0x80)
        g_assert_true ((guchar) text->str[i + 2] != 0xa8 && (guchar) text->str[i + 2] != 0xa9);
    }
}

/* Parses @data under @max_depth and checks, when it is accepted, that the
 * depth limit is exact (on the text) and that writing and parsing again is stable:
 * parse → write → parse → write gives the same text twice. (Not the input
 * text: "1.0" is written "1", and a repeated key keeps its last value.)
 * Returns the tree, or NULL when @data was refused. */
static inline JsonNode *
fuzz_json_check (const char *data,
                 gsize       size,
                 guint       max_depth)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(GString) first = g_string_new (NULL);
  g_autoptr(GString) second = g_string_new (NULL);
  guint depth;
  guint text_depth;

  root = _atrium_json_parse (data, size, max_depth, &error);
  if (root == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == ATRIUM_ERROR);
      g_assert_cmpint (error->code, ==, ATRIUM_ERROR_BAD_ARGS);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return NULL;
    }
  g_assert_no_error (error);

  /* Accepted at exactly the text's depth, refused one level shallower;
   * the tree kept is no deeper than the text. */
  depth = fuzz_json_depth (root);
  text_depth = fuzz_json_text_depth (data, size);
  g_assert_cmpuint (text_depth, <=, max_depth);
  g_assert_cmpuint (depth, <=, text_depth);
  if (text_depth >= 2)
    {
      g_autoptr(JsonNode) shallower = _atrium_json_parse (data, size, text_depth - 1, NULL);
      g_autoptr(JsonNode) exact = _atrium_json_parse (data, size, text_depth, NULL);

      g_assert_null (shallower);
      g_assert_nonnull (exact);
    }

  _atrium_json_write (first, root);
  fuzz_json_check_written (first);
  again = _atrium_json_parse (first->str, first->len, max_depth, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpuint (fuzz_json_depth (again), ==, depth);
  _atrium_json_write (second, again);
  g_assert_cmpstr (first->str, ==, second->str);

  return g_steal_pointer (&root);
}

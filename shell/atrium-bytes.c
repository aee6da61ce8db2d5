#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-bytes-private.h"

#include <string.h>

#include "atrium-error.h"
#include "atrium-json-private.h"

/* Binary values across the script-message bridge.
 *
 * WebKitGTK's script messages carry strings only (an ArrayBuffer arrives
 * as an empty object, a Uint8Array as an object with one key per byte), so
 * bytes travel as base64. In C a binary value is a JSON node of one shape,
 * {"$atrium-bytes": "BASE64"}, so that it can sit anywhere in an argument,
 * a result or an event's data, be copied and be written like any node.
 *
 * Page to C (a call's or an event's message, after the token and, for an
 * event, its ack): a message without binary values is its JSON, as
 * before. One with binary values is
 *
 *     'B' JSON ('\n' BASE64)*
 *
 * where the runtime put {"$atrium-bytes": i} in the JSON for the i-th
 * binary value (JSON.stringify never writes a raw newline), and the i-th
 * base64 text after it. The base64 is not part of the JSON, so neither
 * side scans it as a JSON string; C copies it into its node as it is and
 * decodes it only when a method asks (atrium_bytes_node_get_bytes()).
 *
 * Nothing a page writes in its own data can pass for a binary value: the
 * member name is reserved in what pages send. A plain message that uses it
 * anywhere (escaped or not: the parser looks at the decoded names) is
 * refused, and in a message with bytes every object that uses it must be a
 * marker, {"$atrium-bytes": i} and nothing else, and the markers must name
 * each base64 text exactly once. A marker the page forged can therefore
 * only stand for bytes the page really sent, and C never takes a page's
 * own object for bytes.
 *
 * Limits come before allocation: the size a message counts against the
 * message limit is its JSON plus the decoded size of its bytes (what the
 * base64 lengths say, checked before anything is decoded or copied), and
 * its raw length may be at most _atrium_bytes_raw_limit(). Base64 is
 * checked strictly (the standard alphabet, padding only at the end, no
 * stray bits) and anything else is ATRIUM_ERROR_BAD_ARGS.
 *
 * A call's argument may also be a stream (atrium.stream(blob) in the page,
 * atrium_call_get_stream() in C): its segment is '~', a 32-digit hex key
 * and ':' and its decimal size instead of base64, and its marker becomes
 * {"$atrium-bytes": {"stream": KEY, "size": SIZE}} in the tree, which is
 * not bytes (atrium_node_holds_bytes() says no). The Blob itself goes up
 * apart, as the body of a POST to the loopback route under that key
 * (atrium-media-server.c), and is read only when C asks for the stream.
 * Its size counts against max_stream_size, not the message limit; events
 * cannot carry streams.
 *
 * C to page: a reply or an event is plain JSON in which markers hold their
 * base64 inline; the bridge tells the runtime that a reply holds some
 * (_atrium_bytes_write() counts them) and the runtime makes a Uint8Array
 * of each. */

/* The shortest marker JSON.stringify writes, {"$atrium-bytes":0}, is 19
 * bytes: a message cannot hold more base64 texts than its JSON has room
 * for markers, which bounds what is allocated for them before the JSON is
 * parsed. */
#define MARKER_MIN_LENGTH 16

static const char encode_table[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Each character's value plus one; 0 for a byte outside the alphabet ('='
 * included: padding is handled apart, in the last group of four). So
 * `decode_table[c] - 1` is the value, or has bit 7 set (it wraps). */
static const guint8 decode_table[256] = {
  ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
  ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
  ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
  ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
  ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
  ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
  ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
  ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* The decoded size @length characters of base64 stand for, from the length
 * and the padding alone; FALSE if no well-formed base64 is that long or
 * ends that way. */
static gboolean
decoded_size (const char *text,
              gsize       length,
              gsize      *size)
{
  gsize padding = 0;

  if (length % 4 != 0)
    return FALSE;
  if (length > 0 && text[length - 1] == '=')
    padding = length > 1 && text[length - 2] == '=' ? 2 : 1;
  *size = length / 4 * 3 - padding;
  return TRUE;
}

/* Decodes the last group of four, padding and all, into @out (which has
 * room for what decoded_size() said). */
static gboolean
decode_last (const guchar *p,
             guint8       *out)
{
  guint a = decode_table[p[0]] - 1u, b = decode_table[p[1]] - 1u;
  guint c, d;

  if ((a | b) & 0x80)
    return FALSE;
  if (p[2] == '=')
    {
      /* "xx==": one byte; the four bits b leaves over must be zero. */
      if (p[3] != '=' || (b & 0x0f) != 0)
        return FALSE;
      if (out != NULL)
        out[0] = (a << 2) | (b >> 4);
      return TRUE;
    }
  c = decode_table[p[2]] - 1u;
  if (c & 0x80)
    return FALSE;
  if (p[3] == '=')
    {
      if ((c & 0x03) != 0)
        return FALSE;
      if (out != NULL)
        {
          out[0] = (a << 2) | (b >> 4);
          out[1] = ((b & 0x0f) << 4) | (c >> 2);
        }
      return TRUE;
    }
  d = decode_table[p[3]] - 1u;
  if (d & 0x80)
    return FALSE;
  if (out != NULL)
    {
      out[0] = (a << 2) | (b >> 4);
      out[1] = ((b & 0x0f) << 4) | (c >> 2);
      out[2] = ((c & 0x03) << 6) | d;
    }
  return TRUE;
}

/* Decodes (or with @out NULL, only checks) @length characters whose size
 * decoded_size() accepted. Every group but the last is decoded without a
 * branch per character; a bad character anywhere is noticed at the end. */
static gboolean
decode (const char *text,
        gsize       length,
        guint8     *out)
{
  const guchar *p = (const guchar *) text;
  const guchar *last;
  guint bad = 0;

  if (length == 0)
    return TRUE;
  last = p + length - 4;

  if (out != NULL)
    for (; p < last; p += 4, out += 3)
      {
        guint a = decode_table[p[0]] - 1u, b = decode_table[p[1]] - 1u;
        guint c = decode_table[p[2]] - 1u, d = decode_table[p[3]] - 1u;
        guint32 v = ((a & 0x3f) << 18) | ((b & 0x3f) << 12) | ((c & 0x3f) << 6) | (d & 0x3f);

        bad |= a | b | c | d;
        out[0] = v >> 16;
        out[1] = v >> 8;
        out[2] = v;
      }
  else
    for (; p < last; p += 4)
      bad |= (decode_table[p[0]] - 1u) | (decode_table[p[1]] - 1u)
             | (decode_table[p[2]] - 1u) | (decode_table[p[3]] - 1u);

  return (bad & 0x80) == 0 && decode_last (p, out);
}

/**
 * _atrium_base64_check:
 * @decoded_size: (out) (optional): how many bytes @text stands for
 *
 * Returns: whether @text[0..@length) is standard base64, strictly: the
 *   alphabet with `+` and `/`, a length that is a multiple of four,
 *   padding only at the end and no bits set past the last byte
 */
gboolean
_atrium_base64_check (const char *text,
                      gsize       length,
                      gsize      *size)
{
  gsize n;

  if (!decoded_size (text, length, &n) || !decode (text, length, NULL))
    return FALSE;
  if (size != NULL)
    *size = n;
  return TRUE;
}

/**
 * _atrium_base64_decode:
 *
 * Returns: (transfer full) (nullable): the bytes @text stands for, or
 *   %NULL with @error set to %ATRIUM_ERROR_BAD_ARGS when it is not base64
 *   as _atrium_base64_check() takes it
 */
GBytes *
_atrium_base64_decode (const char  *text,
                       gsize        length,
                       GError     **error)
{
  guint8 *data;
  gsize size;

  if (!decoded_size (text, length, &size))
    goto bad;
  data = g_malloc (MAX (size, 1));
  if (!decode (text, length, data))
    {
      g_free (data);
      goto bad;
    }
  return g_bytes_new_take (data, size);

bad:
  g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                       "A binary value is not valid base64");
  return NULL;
}

/* The two characters for each 12 bits, as they lie in memory: half the
 * lookups of one table per character (the web process extension's
 * arguments are encoded as they arrive, at up to the message limit). */
static const guint16 *
get_encode_pairs (void)
{
  static guint16 pairs[4096];
  static gsize ready;

  if (g_once_init_enter (&ready))
    {
      for (guint v = 0; v < 4096; v++)
        {
          const char two[2] = { encode_table[v >> 6], encode_table[v & 0x3f] };

          memcpy (&pairs[v], two, 2);
        }
      g_once_init_leave (&ready, 1);
    }
  return pairs;
}

/**
 * _atrium_base64_encode:
 * @length: (out) (optional): the length of the text
 *
 * Returns: (transfer full): @data[0..@size) as standard base64, padded,
 *   NUL-terminated
 */
char *
_atrium_base64_encode (gconstpointer  data,
                       gsize          size,
                       gsize         *length)
{
  const guint8 *p = data;
  gsize n = (size + 2) / 3 * 4;
  const guint16 *pairs;
  char *text, *q;
  gsize i;

  g_assert (size <= (G_MAXSIZE - 1) / 4 * 3 - 3);

  pairs = get_encode_pairs ();
  q = text = g_malloc (n + 1);
  for (i = 0; i + 3 <= size; i += 3, q += 4)
    {
      guint32 v = ((guint32) p[i] << 16) | ((guint32) p[i + 1] << 8) | p[i + 2];

      memcpy (q, &pairs[v >> 12], 2);
      memcpy (q + 2, &pairs[v & 0xfff], 2);
    }
  if (size - i == 1)
    {
      q[0] = encode_table[p[i] >> 2];
      q[1] = encode_table[(p[i] & 0x03) << 4];
      q[2] = q[3] = '=';
      q += 4;
    }
  else if (size - i == 2)
    {
      q[0] = encode_table[p[i] >> 2];
      q[1] = encode_table[((p[i] & 0x03) << 4) | (p[i + 1] >> 4)];
      q[2] = encode_table[(p[i + 1] & 0x0f) << 2];
      q[3] = '=';
      q += 4;
    }
  *q = '\0';
  if (length != NULL)
    *length = n;
  return text;
}

/**
 * _atrium_bytes_raw_limit:
 * @max_size: the message limit
 *
 * Returns: the longest a message with bytes may be as it arrives, base64
 *   and separators included, for its JSON and decoded bytes to fit in
 *   @max_size: base64 is 4/3 of the bytes, and each marker in the JSON has
 *   room for a separator and padding
 */
gsize
_atrium_bytes_raw_limit (gsize max_size)
{
  if (max_size > (G_MAXSIZE - 64) / 2)
    return G_MAXSIZE;
  return 2 * max_size + 64;
}

static JsonNode *
refuse (GError     **error,
        AtriumError  code,
        const char  *message)
{
  g_set_error_literal (error, ATRIUM_ERROR, code, message);
  return NULL;
}

typedef struct
{
  gsize offset;
  gsize length;
} Segment;

/**
 * _atrium_bytes_parse:
 * @text: a page's message after its token (and an event's ack): JSON, or
 *   'B', JSON and the base64 of its binary values (see the top of the file)
 * @max_size: the message limit: the JSON plus the decoded bytes
 *
 * Parses a page's message, binary values included: each marker is checked
 * and given its base64, so the tree holds {"$atrium-bytes": "BASE64"}
 * wherever the page had a binary value, and nowhere else.
 *
 * Returns: (transfer full) (nullable): the JSON value, or %NULL with @error
 *   set: %ATRIUM_ERROR_TOO_LARGE over the limit, %ATRIUM_ERROR_BAD_ARGS
 *   for bad JSON, bad base64, a forged or malformed marker, or the reserved
 *   name used in the page's own data
 */
JsonNode *
_atrium_bytes_parse (const char  *text,
                     gsize        length,
                     guint        max_depth,
                     gsize        max_size,
                     GError     **error)
{
  return _atrium_bytes_parse_full (text, length, max_depth, max_size, 0, error);
}

/* A stream segment: '~', 32 lowercase hex digits, ':', a decimal size
 * without leading zeros. */
static gboolean
parse_stream_segment (const char *p,
                      gsize       length,
                      guint64    *size)
{
  gsize i;

  if (length < 1 + 32 + 2 || length > 1 + 32 + 1 + 19 || p[0] != ATRIUM_STREAM_SEGMENT
      || p[33] != ':')
    return FALSE;
  for (i = 1; i < 33; i++)
    if (!g_ascii_isdigit (p[i]) && !(p[i] >= 'a' && p[i] <= 'f'))
      return FALSE;
  if (p[34] == '0' && length > 35)
    return FALSE;
  *size = 0;
  for (i = 34; i < length; i++)
    {
      if (!g_ascii_isdigit (p[i]) || *size > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      *size = *size * 10 + (p[i] - '0');
    }
  return TRUE;
}

/* Every use of the reserved name is a marker, {"$atrium-bytes": i} and
 * nothing else, and the markers name each of the @n values once: the page's
 * own objects cannot pass for bytes. */
static gboolean
check_markers (GPtrArray  *marked,
               guint       n,
               GError    **error)
{
  g_autofree guint8 *seen = NULL;

  if (marked->len != n)
    goto bad;
  seen = g_new0 (guint8, MAX (n, 1));
  for (guint i = 0; i < marked->len; i++)
    {
      JsonObject *object = g_ptr_array_index (marked, i);
      JsonNode *index = json_object_get_member (object, ATRIUM_BYTES_KEY);
      gint64 k;

      if (json_object_get_size (object) != 1 || !JSON_NODE_HOLDS_VALUE (index)
          || json_node_get_value_type (index) != G_TYPE_INT64
          || (k = json_node_get_int (index)) < 0 || (guint64) k >= n || seen[k])
        goto bad;
      seen[k] = 1;
    }
  return TRUE;

bad:
  g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                       "The binary values do not match their markers; “" ATRIUM_BYTES_KEY
                       "” is reserved for them");
  return FALSE;
}

struct _AtriumBytesParts
{
  gatomicrefcount  ref_count;
  GPtrArray       *bytes;    /* GBytes, in the page's numbering */
  GPtrArray       *marked;   /* JsonObject, the markers, each with a reference */
  JsonArray       *tree;     /* the call's arguments, once noted */
  GArray          *args;     /* gint per top-level argument: its value, or -1 */
  GPtrArray       *arg_markers; /* JsonObject per top-level argument: its marker, or
                                 * NULL; kept alive by @marked */
  GMutex           lock;     /* the rest, and every marker's member */
  GArray          *shown;    /* gboolean per top-level argument: revealed */
  gboolean         all;      /* every marker revealed */
  GHashTable      *known;    /* member → GBytes, as revealed */
};

/* Gives @object, a marker, its value's base64, as a sealed member, unless
 * it has it already, and, with @known, notes the member's bytes. */
static void
reveal_marker (JsonObject *object,
               GPtrArray  *bytes,
               GHashTable *known)
{
  JsonNode *index = json_object_get_member (object, ATRIUM_BYTES_KEY);
  g_autofree char *base64 = NULL;
  gconstpointer data;
  GBytes *value;
  JsonNode *member;
  gsize size;

  if (json_node_get_value_type (index) != G_TYPE_INT64)
    return;
  value = g_ptr_array_index (bytes, json_node_get_int (index));
  data = g_bytes_get_data (value, &size);
  base64 = _atrium_base64_encode (data, size, NULL);
  member = json_node_init_string (json_node_alloc (), base64);
  json_node_seal (member);
  json_object_set_member (object, ATRIUM_BYTES_KEY, member);
  if (known != NULL)
    g_hash_table_insert (known, json_node_ref (member), g_bytes_ref (value));
}

static void
reveal (GPtrArray  *marked,
        GPtrArray  *bytes,
        GHashTable *known)
{
  for (guint i = 0; i < marked->len; i++)
    reveal_marker (g_ptr_array_index (marked, i), bytes, known);
}

/* Reveals the markers in @node's tree (check_markers() made every object
 * that has the name one), without recursion. */
static void
reveal_tree (JsonNode   *node,
             GPtrArray  *bytes,
             GHashTable *known)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  g_ptr_array_add (stack, node);
  while (stack->len > 0)
    {
      JsonNode *top = g_ptr_array_steal_index_fast (stack, stack->len - 1);

      if (JSON_NODE_HOLDS_ARRAY (top))
        {
          JsonArray *array = json_node_get_array (top);

          for (guint i = 0; i < json_array_get_length (array); i++)
            g_ptr_array_add (stack, json_array_get_element (array, i));
        }
      else if (JSON_NODE_HOLDS_OBJECT (top))
        {
          JsonObject *object = json_node_get_object (top);
          JsonObjectIter iter;
          JsonNode *member;

          if (json_object_has_member (object, ATRIUM_BYTES_KEY))
            {
              reveal_marker (object, bytes, known);
              continue;
            }
          json_object_iter_init (&iter, object);
          while (json_object_iter_next (&iter, NULL, &member))
            g_ptr_array_add (stack, member);
        }
    }
}

/**
 * _atrium_bytes_parse_parts:
 * @json: a message's JSON, binary values replaced by their markers
 * @bytes: (element-type GBytes): the binary values, which the caller
 *   counted against the message limit already
 * @parts: (out) (optional) (transfer full): the values, to reveal later
 *
 * _atrium_bytes_parse() for a message whose binary values came apart from
 * its JSON, as bytes (the web process extension's messages): the markers
 * are checked as for one with base64. Without @parts each is given its
 * value's base64 now. With @parts the markers keep the page's index until
 * _atrium_bytes_parts_reveal(): base64 costs more than the rest of a
 * large value's way through, and a method that takes its bytes with
 * atrium_call_get_bytes() never needs it.
 *
 * Returns: (transfer full) (nullable): the JSON value, or %NULL with @error
 *   set to %ATRIUM_ERROR_BAD_ARGS
 */
JsonNode *
_atrium_bytes_parse_parts (const char        *json,
                           gsize              length,
                           guint              max_depth,
                           GPtrArray         *bytes,
                           AtriumBytesParts **parts,
                           GError           **error)
{
  g_autoptr(GPtrArray) marked = g_ptr_array_new ();
  g_autoptr(JsonNode) root = NULL;
  AtriumBytesParts *deferred;

  root = _atrium_json_parse_marked (json, length, max_depth, ATRIUM_BYTES_KEY, marked, error);
  if (root == NULL || !check_markers (marked, bytes->len, error))
    return NULL;
  if (parts == NULL)
    {
      reveal (marked, bytes, NULL);
      return g_steal_pointer (&root);
    }

  deferred = g_new0 (AtriumBytesParts, 1);
  g_atomic_ref_count_init (&deferred->ref_count);
  deferred->bytes = g_ptr_array_ref (bytes);
  deferred->marked = g_ptr_array_new_full (marked->len, (GDestroyNotify) json_object_unref);
  for (guint i = 0; i < marked->len; i++)
    g_ptr_array_add (deferred->marked, json_object_ref (g_ptr_array_index (marked, i)));
  deferred->args = g_array_new (FALSE, FALSE, sizeof (gint));
  deferred->arg_markers = g_ptr_array_new ();
  deferred->shown = g_array_new (FALSE, TRUE, sizeof (gboolean));
  g_mutex_init (&deferred->lock);
  deferred->known = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) json_node_unref,
                                           (GDestroyNotify) g_bytes_unref);
  *parts = deferred;
  return g_steal_pointer (&root);
}

/**
 * _atrium_bytes_parts_note_args:
 * @args: the call's arguments, from the tree @parts came with
 *
 * Notes which top-level arguments are binary values, before anyone else
 * has the tree, so that _atrium_bytes_parts_get_arg() never reads it.
 */
void
_atrium_bytes_parts_note_args (AtriumBytesParts *parts,
                               JsonArray        *args)
{
  g_return_if_fail (parts->tree == NULL);

  parts->tree = json_array_ref (args);
  g_array_set_size (parts->shown, json_array_get_length (args));
  for (guint i = 0; i < json_array_get_length (args); i++)
    {
      JsonNode *node = json_array_get_element (args, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      gint index = -1;

      /* check_markers() made every object that has the name a marker. */
      if (object != NULL && json_object_has_member (object, ATRIUM_BYTES_KEY))
        index = json_object_get_int_member (object, ATRIUM_BYTES_KEY);
      g_array_append_val (parts->args, index);
      g_ptr_array_add (parts->arg_markers, index >= 0 ? object : NULL);
    }
}

/**
 * _atrium_bytes_parts_get_arg:
 *
 * Returns: (transfer full) (nullable): the bytes of top-level argument
 *   @index, or %NULL when it is not a binary value; only the argument
 *   array is read, to check that the app has not put something else in
 *   that place since (as over script messages, the array as it is now
 *   decides)
 */
GBytes *
_atrium_bytes_parts_get_arg (AtriumBytesParts *parts,
                             guint             index)
{
  JsonNode *node;
  gint k;

  if (index >= parts->args->len || (k = g_array_index (parts->args, gint, index)) < 0
      || index >= json_array_get_length (parts->tree)
      || !JSON_NODE_HOLDS_OBJECT (node = json_array_get_element (parts->tree, index))
      || json_node_get_object (node) != g_ptr_array_index (parts->arg_markers, index))
    return NULL;
  return g_bytes_ref (g_ptr_array_index (parts->bytes, k));
}

/**
 * _atrium_bytes_parts_reveal:
 *
 * Gives every marker its base64 (once; a thread that asks meanwhile waits
 * for it): what the tree must hold before anyone reads it as JSON.
 */
void
_atrium_bytes_parts_reveal (AtriumBytesParts *parts)
{
  g_mutex_lock (&parts->lock);
  if (!parts->all)
    reveal (parts->marked, parts->bytes, parts->known);
  parts->all = TRUE;
  g_mutex_unlock (&parts->lock);
}

/**
 * _atrium_bytes_parts_reveal_arg:
 * @index: a top-level argument (see _atrium_bytes_parts_note_args())
 *
 * _atrium_bytes_parts_reveal() for the markers in one argument: a method
 * that reads its path as JSON and its bytes with atrium_call_get_bytes()
 * never pays for their base64.
 */
void
_atrium_bytes_parts_reveal_arg (AtriumBytesParts *parts,
                                guint             index)
{
  g_return_if_fail (parts->tree != NULL);

  g_mutex_lock (&parts->lock);
  if (!parts->all && index < parts->shown->len && !g_array_index (parts->shown, gboolean, index))
    {
      if (parts->bytes->len > 0)
        reveal_tree (json_array_get_element (parts->tree, index), parts->bytes, parts->known);
      g_array_index (parts->shown, gboolean, index) = TRUE;
    }
  g_mutex_unlock (&parts->lock);
}

/**
 * _atrium_bytes_parts_lookup:
 * @member: a marker's member
 *
 * Returns: (transfer none) (nullable): @member's bytes, when it is one of
 *   the revealed members (sealed, so its base64 still says these bytes)
 */
GBytes *
_atrium_bytes_parts_lookup (AtriumBytesParts *parts,
                            JsonNode         *member)
{
  GBytes *bytes;

  g_mutex_lock (&parts->lock);
  bytes = g_hash_table_lookup (parts->known, member);
  g_mutex_unlock (&parts->lock);
  return bytes;
}

AtriumBytesParts *
_atrium_bytes_parts_ref (AtriumBytesParts *parts)
{
  g_atomic_ref_count_inc (&parts->ref_count);
  return parts;
}

void
_atrium_bytes_parts_unref (AtriumBytesParts *parts)
{
  if (!g_atomic_ref_count_dec (&parts->ref_count))
    return;
  g_ptr_array_unref (parts->bytes);
  g_ptr_array_unref (parts->marked);
  g_clear_pointer (&parts->tree, json_array_unref);
  g_array_unref (parts->args);
  g_ptr_array_unref (parts->arg_markers);
  g_array_unref (parts->shown);
  g_hash_table_unref (parts->known);
  g_mutex_clear (&parts->lock);
  g_free (parts);
}

/**
 * _atrium_bytes_parse_full:
 * @max_stream_size: the largest stream the message may name; 0 refuses
 *   streams (events)
 *
 * _atrium_bytes_parse() for a call's message, which may name streams.
 */
JsonNode *
_atrium_bytes_parse_full (const char  *text,
                          gsize        length,
                          guint        max_depth,
                          gsize        max_size,
                          guint64      max_stream_size,
                          GError     **error)
{
  g_autoptr(GPtrArray) marked = g_ptr_array_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GArray) segments = NULL;
  const char *json, *end = text + length, *p;
  gsize json_length, total;

  if (length == 0 || text[0] != ATRIUM_BYTES_FRAME)
    {
      if (length > max_size)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                       "The message is %" G_GSIZE_FORMAT " bytes, over the limit of %"
                       G_GSIZE_FORMAT, length, max_size);
          return NULL;
        }
      root = _atrium_json_parse_marked (text, length, max_depth, ATRIUM_BYTES_KEY, marked, error);
      if (root == NULL)
        return NULL;
      if (marked->len > 0)
        return refuse (error, ATRIUM_ERROR_BAD_ARGS,
                       "“" ATRIUM_BYTES_KEY "” is reserved for binary values; "
                       "the page's own data cannot use it as a member name");
      return g_steal_pointer (&root);
    }

  if (length > _atrium_bytes_raw_limit (max_size))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The message is %" G_GSIZE_FORMAT " bytes, over the limit of %"
                   G_GSIZE_FORMAT, length, max_size);
      return NULL;
    }

  json = text + 1;
  p = memchr (json, '\n', end - json);
  if (p == NULL)
    return refuse (error, ATRIUM_ERROR_BAD_ARGS, "A message with binary values holds none");
  json_length = p - json;

  /* Sizes first, from the lengths alone: nothing is decoded, copied or
   * parsed before the message is known to fit. */
  segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  total = json_length;
  while (p < end)
    {
      const char *start = p + 1;
      const char *next = start < end ? memchr (start, '\n', end - start) : NULL;
      Segment segment = { start - text, (next != NULL ? next : end) - start };
      gsize size;

      if (segments->len >= json_length / MARKER_MIN_LENGTH + 1)
        return refuse (error, ATRIUM_ERROR_BAD_ARGS,
                       "A message holds more binary values than markers");
      if (segment.length > 0 && start[0] == ATRIUM_STREAM_SEGMENT)
        {
          guint64 stream_size;

          if (max_stream_size == 0)
            return refuse (error, ATRIUM_ERROR_BAD_ARGS, "Only a call's arguments can be streams");
          if (!parse_stream_segment (start, segment.length, &stream_size))
            return refuse (error, ATRIUM_ERROR_BAD_ARGS, "A stream's reference is malformed");
          if (stream_size > max_stream_size)
            {
              g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                           "A stream of %" G_GUINT64_FORMAT " bytes is over the limit of %"
                           G_GUINT64_FORMAT, stream_size, max_stream_size);
              return NULL;
            }
          g_array_append_val (segments, segment);
          p = next != NULL ? next : end;
          continue;
        }
      if (!decoded_size (start, segment.length, &size))
        return refuse (error, ATRIUM_ERROR_BAD_ARGS, "A binary value is not valid base64");
      if (size > max_size - total)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                       "The message and its binary values are over the limit of %"
                       G_GSIZE_FORMAT " bytes", max_size);
          return NULL;
        }
      total += size;
      g_array_append_val (segments, segment);
      p = next != NULL ? next : end;
    }

  root = _atrium_json_parse_marked (json, json_length, max_depth, ATRIUM_BYTES_KEY, marked,
                                    error);
  if (root == NULL)
    return NULL;

  if (!check_markers (marked, segments->len, error))
    return NULL;

  for (guint i = 0; i < marked->len; i++)
    {
      JsonObject *object = g_ptr_array_index (marked, i);
      gint64 n = json_object_get_int_member (object, ATRIUM_BYTES_KEY);
      const Segment *segment = &g_array_index (segments, Segment, n);
      const char *base64 = text + segment->offset;
      g_autofree char *copy = NULL;

      if (segment->length > 0 && base64[0] == ATRIUM_STREAM_SEGMENT)
        {
          JsonObject *ref = json_object_new ();
          JsonNode *ref_node = json_node_new (JSON_NODE_OBJECT);
          guint64 stream_size = 0;

          parse_stream_segment (base64, segment->length, &stream_size);
          json_object_set_string_member (ref, "stream", (copy = g_strndup (base64 + 1, 32)));
          json_object_set_int_member (ref, "size", (gint64) stream_size);
          json_node_take_object (ref_node, ref);
          json_object_set_member (object, ATRIUM_BYTES_KEY, ref_node);
          continue;
        }
      if (!_atrium_base64_check (base64, segment->length, NULL))
        return refuse (error, ATRIUM_ERROR_BAD_ARGS, "A binary value is not valid base64");
      copy = g_strndup (base64, segment->length);
      json_object_set_member (object, ATRIUM_BYTES_KEY,
                              json_node_init_string (json_node_alloc (), copy));
    }

  return g_steal_pointer (&root);
}

/**
 * _atrium_node_get_stream_ref:
 * @key: (out): the stream's key, borrowed from @node
 * @size: (out): its size
 *
 * Returns: whether @node is a stream the page sent in a call's arguments
 */
gboolean
_atrium_node_get_stream_ref (JsonNode    *node,
                             const char **key,
                             guint64     *size)
{
  JsonObject *object, *ref;
  JsonNode *member, *key_node, *size_node;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)
      || json_object_get_size (object = json_node_get_object (node)) != 1
      || (member = json_object_get_member (object, ATRIUM_BYTES_KEY)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (member))
    return FALSE;
  ref = json_node_get_object (member);
  key_node = json_object_get_member (ref, "stream");
  size_node = json_object_get_member (ref, "size");
  if (key_node == NULL || size_node == NULL || !JSON_NODE_HOLDS_VALUE (key_node)
      || json_node_get_value_type (key_node) != G_TYPE_STRING || !JSON_NODE_HOLDS_VALUE (size_node)
      || json_node_get_value_type (size_node) != G_TYPE_INT64)
    return FALSE;
  *key = json_node_get_string (key_node);
  *size = json_node_get_int (size_node);
  return TRUE;
}

/**
 * _atrium_bytes_write:
 *
 * _atrium_json_write() for what goes to a page.
 *
 * Returns: how many binary values @node held: the runtime looks for them
 *   only where this says there are some
 */
guint
_atrium_bytes_write (GString  *out,
                     JsonNode *node)
{
  return _atrium_json_write_marked (out, node, ATRIUM_BYTES_KEY);
}

/**
 * _atrium_bytes_write_parts:
 * @parts: (element-type GBytes): where the binary values go, decoded
 * @known: (nullable): a message's binary values (see
 *   _atrium_bytes_parse_parts()): the members of those revealed are not
 *   decoded
 *
 * _atrium_bytes_write() for the web process extension: each binary value
 * is written as the marker {"$atrium-bytes": i} and its bytes are the i-th
 * of @parts.
 *
 * Returns: how many binary values @node held, or %G_MAXUINT (and @parts as
 *   far as it got) when one of them is not valid base64
 */
guint
_atrium_bytes_write_parts (GString          *out,
                           JsonNode         *node,
                           GPtrArray        *parts,
                           AtriumBytesParts *known)
{
  g_autoptr(GPtrArray) members = g_ptr_array_new ();
  guint n = _atrium_json_write_parts (out, node, ATRIUM_BYTES_KEY, members);

  for (guint i = 0; i < members->len; i++)
    {
      JsonNode *member = g_ptr_array_index (members, i);
      GBytes *bytes = known != NULL ? _atrium_bytes_parts_lookup (known, member) : NULL;
      const char *text;

      if (bytes != NULL)
        {
          g_ptr_array_add (parts, g_bytes_ref (bytes));
          continue;
        }
      text = json_node_get_string (member);
      bytes = _atrium_base64_decode (text, strlen (text), NULL);

      if (bytes == NULL)
        return G_MAXUINT;
      g_ptr_array_add (parts, bytes);
    }
  return n;
}

/* Public API */

/**
 * atrium_bytes_node_new:
 * @bytes: the bytes
 *
 * Makes a binary value to put anywhere in a call's result
 * (atrium_call_return_value()) or an event's data (atrium_app_emit()): the
 * page receives a `Uint8Array` there. The node is the marker object
 * described at %ATRIUM_BYTES_KEY, holding @bytes as base64; it is an
 * ordinary node, to add to a #JsonObject, a #JsonArray or a
 * #JsonBuilder (json_builder_add_value()), copy or keep. @bytes is read
 * now, not kept.
 *
 * Returns: (transfer full): the node
 */
JsonNode *
atrium_bytes_node_new (GBytes *bytes)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *base64 = NULL;
  JsonNode *node;
  gconstpointer data;
  gsize size;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &size);
  base64 = _atrium_base64_encode (data, size, NULL);
  json_object_set_member (object, ATRIUM_BYTES_KEY,
                          json_node_init_string (json_node_alloc (), base64));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  return node;
}

/**
 * atrium_node_holds_bytes:
 * @node: (nullable): a node
 *
 * Returns: whether @node is a binary value: an object with one member,
 *   %ATRIUM_BYTES_KEY, holding a string
 */
gboolean
atrium_node_holds_bytes (JsonNode *node)
{
  JsonObject *object;
  JsonNode *member;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node)
         && (object = json_node_get_object (node)) != NULL
         && json_object_get_size (object) == 1
         && (member = json_object_get_member (object, ATRIUM_BYTES_KEY)) != NULL
         && JSON_NODE_HOLDS_VALUE (member)
         && json_node_get_value_type (member) == G_TYPE_STRING;
}

/**
 * atrium_bytes_node_get_bytes:
 * @node: (nullable): a binary value, as a page sent it or
 *   atrium_bytes_node_new() made it
 * @error: return location for a #GError
 *
 * Decodes a binary value. Each call decodes again: keep the result rather
 * than asking twice.
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL with @error
 *   set to %ATRIUM_ERROR_BAD_ARGS when @node is not a binary value (see
 *   atrium_node_holds_bytes()) or its base64 is not valid
 */
GBytes *
atrium_bytes_node_get_bytes (JsonNode  *node,
                             GError   **error)
{
  const char *base64;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!atrium_node_holds_bytes (node))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "The value is not bytes");
      return NULL;
    }
  base64 = json_object_get_string_member (json_node_get_object (node), ATRIUM_BYTES_KEY);
  return _atrium_base64_decode (base64, strlen (base64), error);
}

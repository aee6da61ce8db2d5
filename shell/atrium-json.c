#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-json-private.h"

#include "atrium-error.h"

#include <math.h>
#include <string.h>

/* Messages from a web page are untrusted, so decoding never recurses: open
 * arrays and objects live on an explicit stack bounded by max_depth.  We keep
 * json-glib's data model but not its JsonParser, which is GScanner-based, slow,
 * and recurses without a limit.
 *
 * Depth counts open containers: a scalar is at depth 0, `[1]` reaches depth 1
 * and `[[1]]` depth 2.  Input reaching exactly max_depth is accepted; opening
 * one container more is refused.  The limit matters beyond parsing, too:
 * json-glib frees (and apps often walk) trees recursively, so it should stay
 * in the hundreds or low thousands. */

/* Nodes we write come from the app, not the page, but a cycle (an array added
 * to itself) or a runaway builder must still end.  Beyond this depth the
 * writer emits `null` and warns. */
#define WRITE_MAX_DEPTH 10000

/* Number spans at most this long are copied to the stack for g_ascii_strtod;
 * longer ones (thousands of digits are legal JSON) go to the heap. */
#define NUMBER_BUF_SIZE 64

/* How many member comparisons repeated keys may cost one message: a few
 * milliseconds' worth. */
#define REPEATED_KEY_BUDGET (1024 * 1024)

#define ONES  G_GUINT64_CONSTANT (0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

/* Bytes the string scanner must stop at.  Non-ASCII bytes are not among
 * them: a run that contained any is validated as UTF-8 in one pass once its
 * end is found, which is much faster than stopping at every sequence. */
enum {
  SCAN_PLAIN,
  SCAN_QUOTE,
  SCAN_ESCAPE,
  SCAN_CONTROL,
};

static const guint8 scan_class[256] = {
  [0x00 ... 0x1f] = SCAN_CONTROL,
  ['"'] = SCAN_QUOTE,
  ['\\'] = SCAN_ESCAPE,
};

typedef struct
{
  /* Exactly one is set.  Both are borrowed: the container was attached to
   * its parent (or made the root) when it was opened. */
  JsonArray  *array;
  JsonObject *object;
} Frame;

typedef struct
{
  const guchar *text;
  const guchar *end;
  GError      **error;

  JsonNode     *root;

  /* Frames past the first few spill to the heap; max_depth bounds them. */
  Frame        *stack;
  Frame         local_stack[32];
  guint         depth;
  guint         stack_size;
  guint         max_depth;

  /* Reused across strings so a message costs no allocation per string
   * beyond the copy json-glib makes.  The key must survive until the member
   * value is attached, so it gets a buffer of its own. */
  GString      *buf;
  GString      *key;

  /* Members compared so far to replace repeated keys. */
  gsize         repeat_cost;

  /* When set, every object that has a member named @mark is added to
   * @marked, once per such member (see _atrium_json_parse_marked()). */
  const char   *mark;
  gsize         mark_length;
  GPtrArray    *marked;
} Parser;

/* Sets "Invalid JSON at byte N: @what", or "unexpected end of input" when
 * @p is past the end, whatever was expected there. */
static gboolean
fail (Parser       *ps,
      const guchar *p,
      const char   *what)
{
  if (p >= ps->end)
    g_set_error (ps->error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                 "Invalid JSON at byte %" G_GSIZE_FORMAT ": unexpected end of input",
                 (gsize) (ps->end - ps->text));
  else
    g_set_error (ps->error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                 "Invalid JSON at byte %" G_GSIZE_FORMAT ": %s", (gsize) (p - ps->text), what);
  return FALSE;
}

static inline const guchar *
skip_space (const guchar *p,
            const guchar *end)
{
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

/* Whether none of the 8 bytes in @v ends a run: no quote, backslash or
 * control character.  Each test is exact as a yes/no answer (a borrow can
 * only mark bytes above one that really matched), and `& ~v` keeps bytes
 * of 0x80 and up from matching. */
static inline gboolean
word_is_plain (guint64 v)
{
  guint64 quote = v ^ (ONES * '"');
  guint64 backslash = v ^ (ONES * '\\');

  return ((((v - ONES * 0x20) & ~v)
           | ((quote - ONES) & ~quote)
           | ((backslash - ONES) & ~backslash)) & HIGHS) == 0;
}

/* Returns the length of the well-formed UTF-8 sequence at @p (Unicode table
 * 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static inline gsize
utf8_sequence_length (const guchar *p,
                      const guchar *end)
{
  gsize avail = end - p;
  guchar c = p[0];
  guchar lo = 0x80, hi = 0xbf;
  gsize len;

  if (c >= 0xc2 && c <= 0xdf)
    len = 2;
  else if (c >= 0xe0 && c <= 0xef)
    {
      len = 3;
      if (c == 0xe0)
        lo = 0xa0;
      else if (c == 0xed)
        hi = 0x9f;
    }
  else if (c >= 0xf0 && c <= 0xf4)
    {
      len = 4;
      if (c == 0xf0)
        lo = 0x90;
      else if (c == 0xf4)
        hi = 0x8f;
    }
  else
    return 0;

  if (avail < len || p[1] < lo || p[1] > hi)
    return 0;
  for (gsize i = 2; i < len; i++)
    if ((p[i] & 0xc0) != 0x80)
      return 0;

  return len;
}

/* Returns the first byte of [@p, @end) that is not well-formed UTF-8, or
 * @end.  ASCII is skipped a word at a time and the common two- and
 * three-byte forms are checked without the full table. */
static const guchar *
validate_utf8 (const guchar *p,
               const guchar *end)
{
  while (p < end)
    {
      guchar c = *p;
      gsize len;

      if (c < 0x80)
        {
          guint64 word;

          p++;
          while (end - p >= 8)
            {
              memcpy (&word, p, sizeof word);
              if ((word & HIGHS) != 0)
                break;
              p += 8;
            }
          while (p < end && *p < 0x80)
            p++;
          continue;
        }

      if (c >= 0xe1 && c <= 0xef && c != 0xed && end - p >= 3
          && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80)
        {
          p += 3;
          continue;
        }
      if (c >= 0xc2 && c <= 0xdf && end - p >= 2 && (p[1] & 0xc0) == 0x80)
        {
          p += 2;
          continue;
        }

      len = utf8_sequence_length (p, end);
      if (len == 0)
        return p;
      p += len;
    }

  return p;
}

static inline int
hex_value (guchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Reads the four hex digits after `\u` at @p, or returns -1. */
static int
read_hex4 (const guchar *p,
           const guchar *end)
{
  int value = 0;

  if (end - p < 4)
    return -1;

  for (int i = 0; i < 4; i++)
    {
      int digit = hex_value (p[i]);

      if (digit < 0)
        return -1;
      value = (value << 4) | digit;
    }

  return value;
}

/* Decodes the escape at *@pp (which points at the backslash) onto @buf. */
static gboolean
parse_escape (Parser        *ps,
              const guchar **pp,
              GString       *buf)
{
  const guchar *p = *pp;
  char utf8[6];
  int cp, low;

  if (p + 1 >= ps->end)
    return fail (ps, ps->end, "unterminated string");

  switch (p[1])
    {
    case '"':  g_string_append_c (buf, '"');  *pp = p + 2; return TRUE;
    case '\\': g_string_append_c (buf, '\\'); *pp = p + 2; return TRUE;
    case '/':  g_string_append_c (buf, '/');  *pp = p + 2; return TRUE;
    case 'b':  g_string_append_c (buf, '\b'); *pp = p + 2; return TRUE;
    case 'f':  g_string_append_c (buf, '\f'); *pp = p + 2; return TRUE;
    case 'n':  g_string_append_c (buf, '\n'); *pp = p + 2; return TRUE;
    case 'r':  g_string_append_c (buf, '\r'); *pp = p + 2; return TRUE;
    case 't':  g_string_append_c (buf, '\t'); *pp = p + 2; return TRUE;
    case 'u':  break;
    default:   return fail (ps, p, "invalid escape in string");
    }

  cp = read_hex4 (p + 2, ps->end);
  if (cp < 0)
    return fail (ps, p, "invalid \\u escape");
  p += 6;

  if (cp >= 0xdc00 && cp <= 0xdfff)
    return fail (ps, p - 6, "lone surrogate in \\u escape");

  if (cp >= 0xd800 && cp <= 0xdbff)
    {
      if (ps->end - p < 6 || p[0] != '\\' || p[1] != 'u'
          || (low = read_hex4 (p + 2, ps->end)) < 0xdc00 || low > 0xdfff)
        return fail (ps, p - 6, "lone surrogate in \\u escape");
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
      p += 6;
    }

  /* JsonNode strings are NUL-terminated: keeping a NUL would silently cut
   * the string short, which could turn "a.txt\u0000.png" into "a.txt". */
  if (cp == 0)
    return fail (ps, p - 6, "\\u0000 in a string is not supported");

  g_string_append_len (buf, utf8, g_unichar_to_utf8 (cp, utf8));
  *pp = p;
  return TRUE;
}

/* Parses the string whose opening quote is at *@pp into @buf, which ends up
 * NUL-terminated and valid UTF-8.  Runs between escapes are found with a
 * word-wide scan, validated only if they hold non-ASCII bytes, and copied
 * with one append each. */
static gboolean
parse_string (Parser        *ps,
              const guchar **pp,
              GString       *buf)
{
  const guchar *start = *pp;
  const guchar *end = ps->end;
  const guchar *p = start + 1;
  const guchar *run = p;
  guint64 high = 0;

  g_string_truncate (buf, 0);

  for (;;)
    {
      guint64 word;
      const guchar *bad;

      while (end - p >= 8)
        {
          memcpy (&word, p, sizeof word);
          if (!word_is_plain (word))
            break;
          high |= word;
          p += 8;
        }
      while (p < end && scan_class[*p] == SCAN_PLAIN)
        high |= *p++;

      /* Validate before looking at what stopped the scan, so the first
       * error in the input is the one reported. */
      if ((high & HIGHS) != 0 && (bad = validate_utf8 (run, p)) != p)
        {
          g_set_error (ps->error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                       "Invalid UTF-8 in JSON string at byte %" G_GSIZE_FORMAT,
                       (gsize) (bad - ps->text));
          return FALSE;
        }
      high = 0;

      if (p >= end)
        return fail (ps, start, "unterminated string");

      switch (scan_class[*p])
        {
        case SCAN_QUOTE:
          g_string_append_len (buf, (const char *) run, p - run);
          *pp = p + 1;
          return TRUE;

        case SCAN_ESCAPE:
          g_string_append_len (buf, (const char *) run, p - run);
          if (!parse_escape (ps, &p, buf))
            return FALSE;
          run = p;
          break;

        case SCAN_CONTROL:
          return fail (ps, p, "control character in string");

        default:
          g_assert_not_reached ();
        }
    }
}

static JsonNode *
parse_number (Parser        *ps,
              const guchar **pp)
{
  const guchar *start = *pp;
  const guchar *end = ps->end;
  const guchar *p = start;
  gboolean negative = FALSE;
  gboolean integral = TRUE;
  guint64 magnitude = 0;
  guint n_digits = 0;
  char local[NUMBER_BUF_SIZE];
  g_autofree char *heap = NULL;
  char *span;
  gsize span_len;
  double value;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }

  if (p >= end || *p < '0' || *p > '9')
    {
      fail (ps, p, "expected a digit");
      return NULL;
    }

  if (*p == '0')
    {
      p++;
      if (p < end && *p >= '0' && *p <= '9')
        {
          fail (ps, p - 1, "leading zero in number");
          return NULL;
        }
      n_digits = 1;
    }
  else
    {
      /* 19 decimal digits always fit in a guint64; longer integers take the
       * double path below anyway. */
      for (; p < end && *p >= '0' && *p <= '9'; p++, n_digits++)
        if (n_digits < 19)
          magnitude = magnitude * 10 + (*p - '0');
    }

  if (p < end && *p == '.')
    {
      integral = FALSE;
      p++;
      if (p >= end || *p < '0' || *p > '9')
        {
          fail (ps, p, "expected a digit");
          return NULL;
        }
      while (p < end && *p >= '0' && *p <= '9')
        p++;
    }

  if (p < end && (*p == 'e' || *p == 'E'))
    {
      integral = FALSE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || *p < '0' || *p > '9')
        {
          fail (ps, p, "expected a digit");
          return NULL;
        }
      while (p < end && *p >= '0' && *p <= '9')
        p++;
    }

  *pp = p;

  /* "-0" stays a double so its sign survives a round trip, as in JS. */
  if (integral && n_digits <= 19 && !(negative && magnitude == 0))
    {
      if (!negative && magnitude <= G_MAXINT64)
        return json_node_init_int (json_node_alloc (), (gint64) magnitude);
      if (negative && magnitude <= (guint64) G_MAXINT64 + 1)
        return json_node_init_int (json_node_alloc (), -(gint64) (magnitude - 1) - 1);
    }

  /* The span is already strictly JSON, so g_ascii_strtod cannot wander into
   * hex floats, "inf" or locale decimal points. */
  span_len = p - start;
  if (span_len < sizeof local)
    span = local;
  else
    span = heap = g_malloc (span_len + 1);
  memcpy (span, start, span_len);
  span[span_len] = '\0';

  value = g_ascii_strtod (span, NULL);
  if (!isfinite (value))
    {
      fail (ps, start, "number out of range");
      return NULL;
    }

  return json_node_init_double (json_node_alloc (), value);
}

/* Hands @node to the innermost open container, or makes it the root. */
static inline void
attach (Parser   *ps,
        JsonNode *node)
{
  Frame *top;

  if (ps->depth == 0)
    {
      g_assert (ps->root == NULL);
      ps->root = node;
      return;
    }

  top = &ps->stack[ps->depth - 1];
  if (top->object != NULL)
    json_object_set_member (top->object, ps->key->str, node);
  else
    json_array_add_element (top->array, node);
}

static gboolean
push (Parser     *ps,
      JsonArray  *array,
      JsonObject *object)
{
  if (ps->depth >= ps->max_depth)
    {
      g_set_error (ps->error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "JSON nested deeper than %u levels", ps->max_depth);
      return FALSE;
    }

  if (ps->depth == ps->stack_size)
    {
      guint size = ps->stack_size > ps->max_depth / 2 ? ps->max_depth : ps->stack_size * 2;

      if (ps->stack == ps->local_stack)
        ps->stack = g_memdup2 (ps->local_stack, sizeof (Frame) * ps->stack_size);
      ps->stack = g_renew (Frame, ps->stack, size);
      ps->stack_size = size;
    }

  ps->stack[ps->depth].array = array;
  ps->stack[ps->depth].object = object;
  ps->depth++;
  return TRUE;
}

/* Reads `"key" :` into ps->key; *@pp points at the key's opening quote. */
static gboolean
parse_member_name (Parser        *ps,
                   const guchar **pp)
{
  const guchar *p = skip_space (*pp, ps->end);

  if (p >= ps->end || *p != '"')
    return fail (ps, p, "expected a string key");
  if (!parse_string (ps, &p, ps->key))
    return FALSE;

  /* json_object_set_member() on a key the object already has searches the
   * object's ordered key list, one strcmp() per member, so repeated keys
   * could make a message cost quadratic time (858 KB of them held the main
   * thread for 4.5 s; 64 MiB would hold it for hours). JSON.stringify()
   * never repeats a key; the few a hand-written message may repeat are
   * still taken, the last value winning as in JSON.parse(), up to a budget
   * of such comparisons. */
  {
    JsonObject *object = ps->stack[ps->depth - 1].object;

    if (ps->mark != NULL && ps->key->len == ps->mark_length
        && memcmp (ps->key->str, ps->mark, ps->mark_length) == 0)
      g_ptr_array_add (ps->marked, object);

    if (json_object_has_member (object, ps->key->str))
      {
        ps->repeat_cost += json_object_get_size (object);
        if (ps->repeat_cost > REPEATED_KEY_BUDGET)
          return fail (ps, *pp, "too many repeated keys");
      }
  }

  p = skip_space (p, ps->end);
  if (p >= ps->end || *p != ':')
    return fail (ps, p, "expected ':'");

  *pp = p + 1;
  return TRUE;
}

/* Builds the tree in ps->root; on failure ps->root holds whatever part of
 * it was built. */
static gboolean
parse (Parser *ps)
{
  const guchar *end = ps->end;
  const guchar *p = ps->text;
  JsonNode *node;

  /* Two states joined by gotos, so nesting costs ps->stack entries rather
   * than C stack: `value` reads one value, opening containers as it meets
   * them; `next` reads what may follow a complete value. */
value:
  p = skip_space (p, end);
  if (p >= end)
    return fail (ps, p, "expected a value");

  switch (*p)
    {
    case '[':
      {
        JsonArray *array = json_array_new ();

        node = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (node, array);
        attach (ps, node);
        if (!push (ps, array, NULL))
          return FALSE;

        p = skip_space (p + 1, end);
        if (p < end && *p == ']')
          {
            ps->depth--;
            p++;
            goto next;
          }
        goto value;
      }

    case '{':
      {
        JsonObject *object = json_object_new ();

        node = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (node, object);
        attach (ps, node);
        if (!push (ps, NULL, object))
          return FALSE;

        p = skip_space (p + 1, end);
        if (p < end && *p == '}')
          {
            ps->depth--;
            p++;
            goto next;
          }
        if (!parse_member_name (ps, &p))
          return FALSE;
        goto value;
      }

    case '"':
      if (!parse_string (ps, &p, ps->buf))
        return FALSE;
      node = json_node_init_string (json_node_alloc (), ps->buf->str);
      break;

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      node = parse_number (ps, &p);
      if (node == NULL)
        return FALSE;
      break;

    case 't':
      if (end - p < 4 || memcmp (p, "true", 4) != 0)
        return fail (ps, p, "expected a value");
      node = json_node_init_boolean (json_node_alloc (), TRUE);
      p += 4;
      break;

    case 'f':
      if (end - p < 5 || memcmp (p, "false", 5) != 0)
        return fail (ps, p, "expected a value");
      node = json_node_init_boolean (json_node_alloc (), FALSE);
      p += 5;
      break;

    case 'n':
      if (end - p < 4 || memcmp (p, "null", 4) != 0)
        return fail (ps, p, "expected a value");
      node = json_node_init_null (json_node_alloc ());
      p += 4;
      break;

    default:
      return fail (ps, p, "expected a value");
    }

  attach (ps, node);

next:
  /* A value just ended: continue the innermost container or finish. */
  while (ps->depth > 0)
    {
      Frame *top = &ps->stack[ps->depth - 1];
      char close = top->object != NULL ? '}' : ']';

      p = skip_space (p, end);
      if (p < end && *p == ',')
        {
          p++;
          if (top->object != NULL && !parse_member_name (ps, &p))
            return FALSE;
          goto value;
        }
      if (p < end && *p == close)
        {
          ps->depth--;
          p++;
          continue;
        }

      return fail (ps, p, top->object != NULL ? "expected ',' or '}'" : "expected ',' or ']'");
    }

  p = skip_space (p, end);
  if (p < end)
    return fail (ps, p, "unexpected data after the value");

  return TRUE;
}

/* Returns: (transfer full) (nullable): the single JSON value in
 * @text[0..@length), or %NULL with @error set (ATRIUM_ERROR_BAD_ARGS).
 * @text need not be NUL-terminated.  A @max_depth of 0 means
 * ATRIUM_JSON_DEFAULT_MAX_DEPTH; see the top of this file for how depth
 * counts. */
JsonNode *
_atrium_json_parse (const char  *text,
                    gsize        length,
                    guint        max_depth,
                    GError     **error)
{
  return _atrium_json_parse_marked (text, length, max_depth, NULL, NULL, error);
}

/**
 * _atrium_json_parse_marked:
 * @mark: (nullable): a member name to look out for
 * @marked: (element-type JsonObject): where the objects holding a member
 *   named @mark go, borrowed from the tree, once per such member (so an
 *   object that repeats the name is there more than once)
 *
 * _atrium_json_parse(), noting where a reserved member name occurs: what
 * finds markers ("$atrium-bytes") wherever they are, escapes included, at
 * the cost of one length comparison per member.
 */
JsonNode *
_atrium_json_parse_marked (const char  *text,
                           gsize        length,
                           guint        max_depth,
                           const char  *mark,
                           GPtrArray   *marked,
                           GError     **error)
{
  Parser ps = { 0, };
  JsonNode *result = NULL;

  g_assert (text != NULL || length == 0);

  if (text == NULL)
    text = "";

  ps.text = (const guchar *) text;
  ps.end = ps.text + length;
  ps.error = error;
  ps.stack = ps.local_stack;
  ps.stack_size = G_N_ELEMENTS (ps.local_stack);
  ps.max_depth = max_depth != 0 ? max_depth : ATRIUM_JSON_DEFAULT_MAX_DEPTH;
  ps.buf = g_string_sized_new (64);
  ps.key = g_string_sized_new (32);
  ps.mark = mark;
  ps.mark_length = mark != NULL ? strlen (mark) : 0;
  ps.marked = marked;
  g_assert (mark == NULL || marked != NULL);

  /* On failure the partial tree hangs off the root, attached as it was
   * built, so one unref frees all of it. */
  if (parse (&ps))
    result = g_steal_pointer (&ps.root);
  g_clear_pointer (&ps.root, json_node_unref);
  if (ps.stack != ps.local_stack)
    g_free (ps.stack);
  g_string_free (ps.buf, TRUE);
  g_string_free (ps.key, TRUE);

  return result;
}

/* Writer. */

/* 1 for bytes a JSON string cannot carry raw (quote, backslash, controls);
 * 2 for 0xE2, the lead byte of U+2028 and U+2029, which JSON allows raw but
 * JS source before ES2019 takes as line ends, so the output could not be
 * pasted into a script. */
static const guint8 write_class[256] = {
  [0x00 ... 0x1f] = 1,
  ['"'] = 1,
  ['\\'] = 1,
  [0xe2] = 2,
};

static inline gboolean
word_is_safe (guint64 v)
{
  guint64 quote = v ^ (ONES * '"');
  guint64 backslash = v ^ (ONES * '\\');
  guint64 e2 = v ^ (ONES * 0xe2);

  return ((((v - ONES * 0x20) & ~v)
           | ((quote - ONES) & ~quote)
           | ((backslash - ONES) & ~backslash)
           | ((e2 - ONES) & ~e2)) & HIGHS) == 0;
}

static void
write_string (GString    *out,
              const char *str)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *p = (const guchar *) str;
  const guchar *run;
  gsize len = strlen (str);
  const guchar *end = p + len;

  g_string_append_c (out, '"');

  run = p;
  for (;;)
    {
      guint64 word;
      guchar c;

      while (end - p >= 8)
        {
          memcpy (&word, p, sizeof word);
          if (!word_is_safe (word))
            break;
          p += 8;
        }
      while (p < end && write_class[*p] == 0)
        p++;

      if (p >= end)
        break;

      c = *p;
      if (write_class[c] == 2)
        {
          if (end - p >= 3 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
            {
              g_string_append_len (out, (const char *) run, p - run);
              g_string_append (out, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
              p += 3;
              run = p;
            }
          else
            p++;
          continue;
        }

      g_string_append_len (out, (const char *) run, p - run);
      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          {
            const char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };

            g_string_append_len (out, esc, sizeof esc);
          }
          break;
        }
      p++;
      run = p;
    }

  g_string_append_len (out, (const char *) run, p - run);
  g_string_append_c (out, '"');
}

/* The shortest of %.15g, %.16g and %.17g that reads back as @value: 0.1
 * stays "0.1", and %.17g always round-trips a double. */
static void
write_double (GString *out,
              double   value)
{
  static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buf, sizeof buf, formats[i], value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }

  g_string_append (out, buf);
}

/* By hand rather than with printf, which costs several times as much for
 * the small integers messages are full of. */
static void
write_int (GString *out,
           gint64   value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 magnitude = value < 0 ? 0 - (guint64) value : (guint64) value;

  do
    {
      *--p = '0' + magnitude % 10;
      magnitude /= 10;
    }
  while (magnitude != 0);
  if (value < 0)
    *--p = '-';

  g_string_append_len (out, p, buf + sizeof buf - p);
}

static void
write_value (GString  *out,
             JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_STRING)
    {
      const char *str = json_node_get_string (node);

      if (str != NULL)
        write_string (out, str);
      else
        g_string_append (out, "null");
    }
  else if (type == G_TYPE_INT64)
    write_int (out, json_node_get_int (node));
  else if (type == G_TYPE_DOUBLE)
    write_double (out, json_node_get_double (node));
  else if (type == G_TYPE_BOOLEAN)
    g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
  else
    g_string_append (out, "null");
}

typedef struct
{
  /* Exactly one is set; both are borrowed from the node being written. */
  JsonArray      *array;
  JsonObject     *object;
  guint           index;
  JsonObjectIter  iter;
} WriteFrame;

/* Appends compact JSON for @node (NULL writes `null`) to @out.  Strings are
 * escaped so the text is also safe inside JS source (U+2028, U+2029). */
void
_atrium_json_write (GString  *out,
                    JsonNode *node)
{
  _atrium_json_write_marked (out, node, NULL);
}

/* Whether @object is a marker: one member, named @mark, holding a string. */
static inline gboolean
is_marker (JsonObject *object,
           const char *mark)
{
  JsonNode *member;

  return json_object_get_size (object) == 1
         && (member = json_object_get_member (object, mark)) != NULL
         && JSON_NODE_HOLDS_VALUE (member)
         && json_node_get_value_type (member) == G_TYPE_STRING;
}

/**
 * _atrium_json_write_marked:
 * @mark: (nullable): a member name to count
 *
 * _atrium_json_write(), also counting the objects written that have
 * exactly one member, named @mark, holding a string: how the bridge knows
 * that a result holds bytes ("$atrium-bytes") without walking it twice.
 *
 * Returns: how many such objects were written
 */
guint
_atrium_json_write_marked (GString    *out,
                           JsonNode   *node,
                           const char *mark)
{
  return _atrium_json_write_parts (out, node, mark, NULL);
}

/**
 * _atrium_json_write_parts:
 * @parts: (nullable) (element-type JsonNode): where the markers' members
 *   (string nodes) go, borrowed from @node
 *
 * _atrium_json_write_marked(), writing each marker as {"@mark": i}
 * instead, where i is its member's index in @parts.
 */
guint
_atrium_json_write_parts (GString    *out,
                          JsonNode   *node,
                          const char *mark,
                          GPtrArray  *parts)
{
  g_autoptr(GArray) stack = NULL;
  gboolean warned = FALSE;
  guint marked = 0;

  g_assert (out != NULL);

  for (;;)
    {
      WriteFrame *top;
      const char *name;

      /* Write @node, opening it if it is a container. */
      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        g_string_append (out, "null");
      else if (JSON_NODE_HOLDS_VALUE (node))
        write_value (out, node);
      else if ((stack != NULL ? stack->len : 0) >= WRITE_MAX_DEPTH)
        {
          if (!warned)
            g_warning ("JSON nested deeper than %d levels; writing null there", WRITE_MAX_DEPTH);
          warned = TRUE;
          g_string_append (out, "null");
        }
      else if (JSON_NODE_HOLDS_ARRAY (node) && json_node_get_array (node) != NULL)
        {
          WriteFrame frame = { .array = json_node_get_array (node) };

          if (stack == NULL)
            stack = g_array_sized_new (FALSE, FALSE, sizeof (WriteFrame), 16);
          g_array_append_val (stack, frame);
          g_string_append_c (out, '[');
        }
      else if (JSON_NODE_HOLDS_OBJECT (node) && json_node_get_object (node) != NULL)
        {
          WriteFrame frame = { .object = json_node_get_object (node) };

          if (mark != NULL && is_marker (frame.object, mark))
            {
              marked++;
              if (parts != NULL)
                {
                  g_string_append_c (out, '{');
                  write_string (out, mark);
                  g_string_append_printf (out, ":%u}", parts->len);
                  g_ptr_array_add (parts, json_object_get_member (frame.object, mark));
                  goto written;
                }
            }
          if (stack == NULL)
            stack = g_array_sized_new (FALSE, FALSE, sizeof (WriteFrame), 16);
          g_array_append_val (stack, frame);
          json_object_iter_init_ordered (&g_array_index (stack, WriteFrame, stack->len - 1).iter,
                                         frame.object);
          g_string_append_c (out, '{');
        }
      else
        g_string_append (out, "null");

written:
      /* Find the next node to write, closing finished containers. */
      for (;;)
        {
          if (stack == NULL || stack->len == 0)
            return marked;

          top = &g_array_index (stack, WriteFrame, stack->len - 1);
          if (top->array != NULL)
            {
              if (top->index < json_array_get_length (top->array))
                {
                  if (top->index > 0)
                    g_string_append_c (out, ',');
                  node = json_array_get_element (top->array, top->index++);
                  break;
                }
              g_string_append_c (out, ']');
            }
          else
            {
              if (json_object_iter_next_ordered (&top->iter, &name, &node))
                {
                  if (top->index++ > 0)
                    g_string_append_c (out, ',');
                  write_string (out, name);
                  g_string_append_c (out, ':');
                  break;
                }
              g_string_append_c (out, '}');
            }

          g_array_set_size (stack, stack->len - 1);
        }
    }
}

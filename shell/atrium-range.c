#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Scheme"
#include "config.h"

#include "atrium-range-private.h"

#include <string.h>

/* The Range request header (RFC 9110, section 14), for one range of bytes.
 *
 * This is a pure function over untrusted text, so that a fuzzer can drive it
 * alone: no allocation, no locale, no overflow. Anything it does not
 * understand is ignored rather than refused, as the RFC allows: a multipart
 * answer to several ranges, another unit, or a malformed value all get the
 * whole file with 200, which every client handles.
 *
 * A number too large for a goffset is still a well-formed number, and one
 * larger than any file: it saturates at G_MAXINT64 instead of making the
 * whole header malformed. So `bytes=99999999999999999999-` starts past the
 * end of every file and is answered 416, as the RFC asks, not ignored into
 * a 200 with the whole file. */

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

/* A run of decimal digits and its value, saturated at G_MAXINT64. */
typedef struct
{
  const char *digits;      /* the first significant digit (or the last zero) */
  gsize       n_digits;
  goffset     value;
  gboolean    saturated;   /* the number is larger than G_MAXINT64 */
} Number;

/* Parses a run of decimal digits at *@p, advancing it. Fails only when
 * there is no digit. */
static gboolean
parse_number (const char **p,
              Number      *number)
{
  const char *s = *p;

  if (!g_ascii_isdigit (*s))
    return FALSE;

  /* Leading zeros do not count when two saturated numbers are compared. */
  while (s[0] == '0' && g_ascii_isdigit (s[1]))
    s++;

  number->digits = s;
  number->value = 0;
  number->saturated = FALSE;
  for (; g_ascii_isdigit (*s); s++)
    {
      int digit = *s - '0';

      if (number->saturated || number->value > (G_MAXINT64 - digit) / 10)
        {
          number->saturated = TRUE;
          number->value = G_MAXINT64;
          continue;
        }
      number->value = number->value * 10 + digit;
    }
  number->n_digits = s - number->digits;

  *p = s;
  return TRUE;
}

/* Whether @a < @b, for numbers that may both have saturated: then their
 * digits decide (no leading zeros, so the longer one is larger). */
static gboolean
number_less (const Number *a,
             const Number *b)
{
  if (!a->saturated || !b->saturated)
    return a->value < b->value;
  if (a->n_digits != b->n_digits)
    return a->n_digits < b->n_digits;
  return memcmp (a->digits, b->digits, a->n_digits) < 0;
}

/**
 * _atrium_range_parse:
 * @header: (nullable): the value of the request's Range header
 * @size: the length of the file in bytes
 * @start: (out): the first byte to serve, when satisfiable
 * @length: (out): how many bytes to serve, when satisfiable
 *
 * Understands `bytes=a-b`, `bytes=a-` and `bytes=-n` (the last @n bytes),
 * with the unit in any case and optional whitespace around the range. An
 * end past the file is cut to the file; a suffix longer than the file is
 * the whole file.
 *
 * Returns: %ATRIUM_RANGE_SATISFIABLE with @start and @length set;
 *   %ATRIUM_RANGE_UNSATISFIABLE for a well-formed range that starts at or
 *   past the end (any range of an empty file, and `bytes=-0`); and
 *   %ATRIUM_RANGE_NONE when there is no header or it is to be ignored
 */
AtriumRangeResult
_atrium_range_parse (const char *header,
                     goffset     size,
                     goffset    *start,
                     goffset    *length)
{
  const char *p = header;
  Number first = { NULL, 0, -1, FALSE };
  Number last = { NULL, 0, -1, FALSE };
  Number suffix = { NULL, 0, -1, FALSE };
  goffset end;

  g_assert (size >= 0);

  if (header == NULL)
    return ATRIUM_RANGE_NONE;

  while (is_ows (*p))
    p++;
  if (g_ascii_strncasecmp (p, "bytes", 5) != 0)
    return ATRIUM_RANGE_NONE;
  p += 5;
  while (is_ows (*p))
    p++;
  if (*p++ != '=')
    return ATRIUM_RANGE_NONE;
  while (is_ows (*p))
    p++;

  if (*p == '-')
    {
      p++;
      if (!parse_number (&p, &suffix))
        return ATRIUM_RANGE_NONE;
    }
  else
    {
      if (!parse_number (&p, &first))
        return ATRIUM_RANGE_NONE;
      if (*p++ != '-')
        return ATRIUM_RANGE_NONE;
      if (g_ascii_isdigit (*p) && !parse_number (&p, &last))
        return ATRIUM_RANGE_NONE;
      if (last.value >= 0 && number_less (&last, &first))
        return ATRIUM_RANGE_NONE;
    }

  while (is_ows (*p))
    p++;
  /* A list of ranges (or trailing junk) is not answered piecemeal. */
  if (*p != '\0')
    return ATRIUM_RANGE_NONE;

  /* A saturated value stands for a number past every file, and every
   * comparison below holds for it as it would for the real number. */
  if (suffix.value >= 0)
    {
      if (suffix.value == 0 || size == 0)
        return ATRIUM_RANGE_UNSATISFIABLE;
      *length = MIN (suffix.value, size);
      *start = size - *length;
      return ATRIUM_RANGE_SATISFIABLE;
    }

  if (first.value >= size)
    return ATRIUM_RANGE_UNSATISFIABLE;
  end = last.value;
  if (end < 0 || end >= size)
    end = size - 1;
  *start = first.value;
  *length = end - first.value + 1;
  return ATRIUM_RANGE_SATISFIABLE;
}

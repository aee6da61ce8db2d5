#include "config.h"

#include "atrium-range-private.h"

/* The Range request header (RFC 9110, section 14), for one range of bytes.
 *
 * This is a pure function over untrusted text, so that a fuzzer can drive it
 * alone: no allocation, no locale, no overflow. Anything it does not
 * understand is ignored rather than refused, as the RFC allows: a multipart
 * answer to several ranges, another unit, or a malformed value all get the
 * whole file with 200, which every client handles. */

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

/* Parses a run of decimal digits at *@p, advancing it. Fails on no digits or
 * a value that does not fit a goffset. */
static gboolean
parse_number (const char **p,
              goffset     *value)
{
  const char *s = *p;
  goffset v = 0;

  if (!g_ascii_isdigit (*s))
    return FALSE;

  for (; g_ascii_isdigit (*s); s++)
    {
      int digit = *s - '0';

      if (v > (G_MAXINT64 - digit) / 10)
        return FALSE;
      v = v * 10 + digit;
    }

  *p = s;
  *value = v;
  return TRUE;
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
  goffset first = -1;
  goffset last = -1;
  goffset suffix = -1;

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
      if (last >= 0 && last < first)
        return ATRIUM_RANGE_NONE;
    }

  while (is_ows (*p))
    p++;
  /* A list of ranges (or trailing junk) is not answered piecemeal. */
  if (*p != '\0')
    return ATRIUM_RANGE_NONE;

  if (suffix >= 0)
    {
      if (suffix == 0 || size == 0)
        return ATRIUM_RANGE_UNSATISFIABLE;
      *length = MIN (suffix, size);
      *start = size - *length;
      return ATRIUM_RANGE_SATISFIABLE;
    }

  if (first >= size)
    return ATRIUM_RANGE_UNSATISFIABLE;
  if (last < 0 || last >= size)
    last = size - 1;
  *start = first;
  *length = last - first + 1;
  return ATRIUM_RANGE_SATISFIABLE;
}

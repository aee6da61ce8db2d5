#include "config.h"

#include "fuzz-common.h"

#include <string.h>

#include "atrium-range-private.h"

/* The Range header parser. An input is `SIZE\nHEADER`: the file's size in
 * decimal (1000 without a first line), then the header's value, which ends
 * at the first NUL as a header string does. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

static void
check (const char *header,
       goffset     size)
{
  goffset start = -7, length = -7;
  goffset upper_start = -7, upper_length = -7;
  g_autofree char *upper = g_ascii_strup (header, -1);
  AtriumRangeResult result = _atrium_range_parse (header, size, &start, &length);

  switch (result)
    {
    case ATRIUM_RANGE_SATISFIABLE:
      /* Some of the file, none of it past the end. */
      g_assert_cmpint (start, >=, 0);
      g_assert_cmpint (length, >=, 1);
      g_assert_cmpint (start, <, size);
      g_assert_cmpint (length, <=, size - start);
      break;

    case ATRIUM_RANGE_UNSATISFIABLE:
    case ATRIUM_RANGE_NONE:
      /* Nothing is set for a range that is not served. */
      g_assert_cmpint (start, ==, -7);
      g_assert_cmpint (length, ==, -7);
      break;

    default:
      g_assert_not_reached ();
    }

  /* Only the unit is letters, and it is case-insensitive. */
  g_assert_cmpint (_atrium_range_parse (upper, size, &upper_start, &upper_length), ==, result);
  if (result == ATRIUM_RANGE_SATISFIABLE)
    {
      g_assert_cmpint (upper_start, ==, start);
      g_assert_cmpint (upper_length, ==, length);
    }

  /* An empty file has no satisfiable range. */
  g_assert_cmpint (_atrium_range_parse (header, 0, &upper_start, &upper_length), !=,
                   ATRIUM_RANGE_SATISFIABLE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  const char *header = text;
  const char *newline = strchr (text, '\n');
  goffset file_size = 1000;

  if (newline != NULL)
    {
      guint64 value = 0;

      /* Digits only, saturating: any size up to G_MAXINT64 can be asked. */
      for (const char *p = text; p < newline; p++)
        if (g_ascii_isdigit (*p))
          value = value > (guint64) G_MAXINT64 / 10 ? (guint64) G_MAXINT64
                                                     : MIN (value * 10 + (*p - '0'),
                                                            (guint64) G_MAXINT64);
      file_size = (goffset) value;
      header = newline + 1;
    }

  check (header, file_size);
  /* The same header against the largest and smallest files. */
  check (header, G_MAXINT64);
  check (header, 1);

  g_assert_cmpint (_atrium_range_parse (NULL, file_size, NULL, NULL), ==, ATRIUM_RANGE_NONE);

  return 0;
}

#include "config.h"

#include "atrium-range-private.h"
#include "atrium-slice-stream-private.h"

/* The Range header parser, case by case. A fuzzer drives it too; these are
 * the cases a reader can check against RFC 9110 by eye. */

typedef struct
{
  const char        *header;
  goffset            size;
  AtriumRangeResult  result;
  goffset            start;
  goffset            length;
} RangeCase;

#define NONE ATRIUM_RANGE_NONE, 0, 0
#define UNSAT ATRIUM_RANGE_UNSATISFIABLE, 0, 0
#define OK(s, l) ATRIUM_RANGE_SATISFIABLE, (s), (l)

static const RangeCase cases[] = {
  /* Closed ranges */
  { "bytes=0-99",              1000, OK (0, 100) },
  { "bytes=0-0",               1000, OK (0, 1) },
  { "bytes=999-999",           1000, OK (999, 1) },
  { "bytes=500-1499",          1000, OK (500, 500) },   /* end cut to the file */
  { "bytes=0-999999999999",    1000, OK (0, 1000) },
  { "bytes=1000-1000",         1000, UNSAT },
  { "bytes=1000-2000",         1000, UNSAT },
  { "bytes=5-4",               1000, NONE },            /* last < first: invalid */
  /* Open-ended */
  { "bytes=0-",                1000, OK (0, 1000) },
  { "bytes=990-",              1000, OK (990, 10) },
  { "bytes=999-",              1000, OK (999, 1) },
  { "bytes=1000-",             1000, UNSAT },
  /* Suffixes */
  { "bytes=-1",                1000, OK (999, 1) },
  { "bytes=-100",              1000, OK (900, 100) },
  { "bytes=-1000",             1000, OK (0, 1000) },
  { "bytes=-5000",             1000, OK (0, 1000) },
  { "bytes=-0",                1000, UNSAT },
  /* Empty files have no satisfiable range. */
  { "bytes=0-",                   0, UNSAT },
  { "bytes=-10",                  0, UNSAT },
  { "bytes=0-0",                  0, UNSAT },
  /* Spelling */
  { "BYTES=0-9",               1000, OK (0, 10) },
  { "Bytes = 0-9",             1000, OK (0, 10) },
  { " bytes=0-9 ",             1000, OK (0, 10) },
  { "bytes=\t0-9\t",           1000, OK (0, 10) },
  { "bytes=00-09",             1000, OK (0, 10) },
  /* Ignored: not one well-formed byte range */
  { NULL,                      1000, NONE },
  { "",                        1000, NONE },
  { "bytes",                   1000, NONE },
  { "bytes=",                  1000, NONE },
  { "bytes=-",                 1000, NONE },
  { "bytes=--1",               1000, NONE },
  { "bytes=a-b",               1000, NONE },
  { "bytes=0-9x",              1000, NONE },
  { "bytes=0 -9",              1000, NONE },
  { "bytes=0- 9",              1000, NONE },
  { "bytes=+0-9",              1000, NONE },
  { "bytes=-+9",               1000, NONE },
  { "bytes=0x10-20",           1000, NONE },
  { "bytes=1e2-",              1000, NONE },
  { "bytes=0-9,20-29",         1000, NONE },            /* multipart is not offered */
  { "bytes=0-9,",              1000, NONE },
  { "items=0-9",               1000, NONE },
  { "bytesx=0-9",              1000, NONE },
  { "bytes:0-9",               1000, NONE },
  { "bytes=0-9\n",             1000, NONE },
  /* Numbers past goffset do not wrap: they are past every file, so a
   * first byte there is unsatisfiable (416, not the whole file with 200),
   * a last byte there is cut to the file and a suffix that long is all of
   * it. Saturated numbers still compare by their digits. */
  { "bytes=9223372036854775807-",            1000, UNSAT },
  { "bytes=9223372036854775808-",            1000, UNSAT },
  { "bytes=99999999999999999999999999-",     1000, UNSAT },
  { "bytes=18446744073709551616-",           1000, UNSAT },  /* 2^64: wraps to 0 */
  { "bytes=99999999999999999999-99999999999999999999", 1000, UNSAT },
  { "bytes=9223372036854775808-",   G_MAXINT64, UNSAT },
  { "bytes=0-9223372036854775808",           1000, OK (0, 1000) },
  { "bytes=0-99999999999999999999999999",    1000, OK (0, 1000) },
  { "bytes=-9223372036854775808",            1000, OK (0, 1000) },
  { "bytes=-9223372036854775807",            1000, OK (0, 1000) },
  { "bytes=-99999999999999999999999999",     1000, OK (0, 1000) },
  { "bytes=99999999999999999999-99999999999999999998", 1000, NONE },  /* last < first */
  { "bytes=99999999999999999999-9",          1000, NONE },
  { "bytes=0099999999999999999999-99999999999999999999", 1000, UNSAT },
  /* Huge files */
  { "bytes=4294967296-",       G_GINT64_CONSTANT (8589934592),
    OK (G_GINT64_CONSTANT (4294967296), G_GINT64_CONSTANT (4294967296)) },
};

static void
test_cases (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const RangeCase *c = &cases[i];
      g_autofree char *shown = c->header != NULL ? g_strescape (c->header, NULL) : g_strdup ("NULL");
      goffset start = -7;
      goffset length = -7;
      AtriumRangeResult result;

      g_test_message ("\"%s\" of %" G_GOFFSET_FORMAT, shown, c->size);
      result = _atrium_range_parse (c->header, c->size, &start, &length);
      g_assert_cmpint (result, ==, c->result);
      if (result == ATRIUM_RANGE_SATISFIABLE)
        {
          g_assert_cmpint (start, ==, c->start);
          g_assert_cmpint (length, ==, c->length);
        }
      else
        {
          /* Untouched unless satisfiable. */
          g_assert_cmpint (start, ==, -7);
          g_assert_cmpint (length, ==, -7);
        }
    }
}

/* Whatever the input, a satisfiable answer lies inside the file. */
static void
test_invariants (void)
{
  static const char * const headers[] = {
    "bytes=0-", "bytes=-1", "bytes=3-", "bytes=0-2", "bytes=-7", "bytes=2-100", "bytes=6-6",
  };

  for (goffset size = 0; size < 10; size++)
    for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
      {
        goffset start = 0, length = 0;

        if (_atrium_range_parse (headers[i], size, &start, &length) == ATRIUM_RANGE_SATISFIABLE)
          {
            g_assert_cmpint (start, >=, 0);
            g_assert_cmpint (length, >=, 1);
            g_assert_cmpint (start + length, <=, size);
          }
      }
}

/* A range of a stream that cannot seek (a compressed GResource is one) is
 * reached by reading past the bytes before it, then sliced. */
static void
test_unseekable_slice (void)
{
  static const char text[] = "0123456789abcdefghij";
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_data (text, 20, NULL);
  g_autoptr(GCharsetConverter) identity = g_charset_converter_new ("UTF-8", "UTF-8", NULL);
  g_autoptr(GInputStream) stream = g_converter_input_stream_new (base, G_CONVERTER (identity));
  g_autoptr(GInputStream) slice = NULL;
  g_autoptr(GError) error = NULL;
  char buffer[32];
  gsize n = 0;
  goffset start = 0, length = 0;

  g_assert_cmpint (_atrium_range_parse ("bytes=5-9", 20, &start, &length), ==,
                   ATRIUM_RANGE_SATISFIABLE);
  g_assert_true (_atrium_stream_advance_to (stream, start, &error));
  g_assert_no_error (error);
  slice = _atrium_slice_stream_new (stream, length);
  g_assert_true (g_input_stream_read_all (slice, buffer, sizeof buffer, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, "56789", 5);

  /* Past the end of what is there: an error, not a hang. */
  g_assert_false (_atrium_stream_advance_to (stream, 100, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

/* A slice yields exactly its length: no byte more from a base that goes
 * on (a file that grew), and an error, not a quiet end, from one that
 * ends sooner (a file that shrank). */
static void
test_slice_exact (void)
{
  static const char text[] = "0123456789";
  g_autoptr(GInputStream) longer = g_memory_input_stream_new_from_data (text, 10, NULL);
  g_autoptr(GInputStream) shorter = g_memory_input_stream_new_from_data (text, 10, NULL);
  g_autoptr(GInputStream) slice = NULL;
  g_autoptr(GError) error = NULL;
  char buffer[32];
  gsize n = 0;

  slice = _atrium_slice_stream_new (longer, 4);
  g_assert_true (g_input_stream_read_all (slice, buffer, sizeof buffer, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (buffer, n, "0123", 4);
  g_clear_object (&slice);

  slice = _atrium_slice_stream_new (shorter, 12);
  g_assert_false (g_input_stream_read_all (slice, buffer, sizeof buffer, &n, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  g_assert_cmpuint (n, ==, 10);
  g_clear_error (&error);
  g_assert_cmpint (g_input_stream_skip (slice, 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/range/cases", test_cases);
  g_test_add_func ("/atrium/range/invariants", test_invariants);
  g_test_add_func ("/atrium/range/unseekable-slice", test_unseekable_slice);
  g_test_add_func ("/atrium/range/slice-exact", test_slice_exact);

  return g_test_run ();
}

#include "config.h"

#include "fuzz-common.h"

#include <string.h>

#include "atrium-media-server-private.h"
#include "atrium-range-private.h"

/* The request head parser of the loopback media route: anything on this
 * machine can connect to it, and any web page can make a browser send it
 * requests. The input is the head as read from the socket. What an
 * accepted head gives is checked, and its Range is parsed as serve() does. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

/* Inside the buffer, and a string that ends there. */
static void
check_string (const char *s,
              const char *head,
              gsize       size)
{
  g_assert_true (s >= head && s < head + size);
  g_assert_nonnull (memchr (s, '\0', head + size - s));
}

static gboolean
is_tchar (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* Exactly @size bytes, as read from the socket: no NUL after them. */
  g_autofree char *head = g_malloc (MAX (size, 1));
  AtriumHttpRequest request;

  if (size > 0)
    memcpy (head, data, size);
  if (!_atrium_http_parse_request (head, size, &request))
    return 0;

  g_assert_cmpuint (size, <=, ATRIUM_HTTP_MAX_HEAD);
  g_assert_true (memcmp (data + size - 4, "\r\n\r\n", 4) == 0);
  g_assert_null (memchr (data, '\0', size));

  check_string (request.method, head, size);
  g_assert_true (request.method[0] != '\0');
  for (const char *p = request.method; *p != '\0'; p++)
    g_assert_true (is_tchar (*p));

  check_string (request.target, head, size);
  g_assert_true (request.target[0] != '\0');
  for (const char *p = request.target; *p != '\0'; p++)
    g_assert_true (*p > 0x20 && *p < 0x7f);

  g_assert_cmpuint (request.version, <=, 1);

  /* Header values carry no line ends or other control characters. */
  if (request.host != NULL)
    {
      check_string (request.host, head, size);
      for (const char *p = request.host; *p != '\0'; p++)
        g_assert_true ((guchar) *p >= 0x20 || *p == '\t');
    }
  if (request.range != NULL)
    {
      goffset start = -1, length = -1;

      check_string (request.range, head, size);
      for (const char *p = request.range; *p != '\0'; p++)
        g_assert_true ((guchar) *p >= 0x20 || *p == '\t');
      if (_atrium_range_parse (request.range, 1000, &start, &length) == ATRIUM_RANGE_SATISFIABLE)
        {
          g_assert_cmpint (start, >=, 0);
          g_assert_cmpint (length, >=, 1);
          g_assert_cmpint (start + length, <=, 1000);
        }
    }

  return 0;
}

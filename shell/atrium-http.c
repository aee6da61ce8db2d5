#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Scheme"
#include "config.h"

#include "atrium-http-private.h"

#include <string.h>

#include "atrium-error.h"
#include "atrium-range-private.h"

/* Status codes */

guint
_atrium_http_status_for_error (const GError *error)
{
  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_NOT_FOUND:
        case G_IO_ERROR_IS_DIRECTORY:
        case G_IO_ERROR_NOT_DIRECTORY:
          return 404;
        case G_IO_ERROR_PERMISSION_DENIED:
          return 403;
        case G_IO_ERROR_INVALID_ARGUMENT:
        case G_IO_ERROR_INVALID_FILENAME:
        case G_IO_ERROR_FILENAME_TOO_LONG:
          return 400;
        default:
          break;
        }
    }
  else if (error->domain == G_RESOURCE_ERROR && error->code == G_RESOURCE_ERROR_NOT_FOUND)
    {
      return 404;
    }
  else if (error->domain == ATRIUM_ERROR)
    {
      switch (error->code)
        {
        case ATRIUM_ERROR_BAD_ARGS:  return 400;
        case ATRIUM_ERROR_FORBIDDEN: return 403;
        case ATRIUM_ERROR_TOO_LARGE: return 413;
        case ATRIUM_ERROR_QUEUE_FULL: return 503;
        default: break;
        }
    }
  return 500;
}

const char *
_atrium_http_reason_phrase (guint status)
{
  switch (status)
    {
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 408: return "Request Timeout";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default:  return "Internal Server Error";
    }
}

/* Request heads */

static gboolean
is_tchar (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static char *
trim_ows (char *start,
          char *end)
{
  while (start < end && (*start == ' ' || *start == '\t'))
    start++;
  while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  *end = '\0';
  return start;
}

static gboolean
has_token (const char *list,
           const char *token)
{
  gsize n = strlen (token);

  for (const char *p = list; *p != '\0';)
    {
      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      if (g_ascii_strncasecmp (p, token, n) == 0
          && (p[n] == '\0' || p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
        return TRUE;
      while (*p != '\0' && *p != ',')
        p++;
    }
  return FALSE;
}

/**
 * _atrium_http_parse_request:
 * @head: the request line and headers, ending in the empty line, modified
 *   in place (the strings in @request point into it)
 * @length: its length in bytes, at most %ATRIUM_HTTP_MAX_HEAD
 * @request: (out caller-allocates): what the head says
 *
 * Parses an HTTP/1.0 or 1.1 request head strictly: lines end in CRLF; the
 * method is a token, the target visible ASCII; header names are tokens
 * followed directly by ":", values have no control characters; no line
 * folding, no NUL, no second Host, Range, Origin or Content-Length. A pure
 * function over untrusted bytes, for a fuzzer to drive alone.
 *
 * Returns: %TRUE when @head is a well-formed request head
 */
gboolean
_atrium_http_parse_request (char              *head,
                            gsize              length,
                            AtriumHttpRequest *request)
{
  char *end = head + length;
  char *line = head;
  char *eol;
  char *p;
  gboolean seen_length = FALSE;
  gboolean seen_te = FALSE;
  gboolean close = FALSE;
  gboolean keep_alive = FALSE;

  g_assert (head != NULL && request != NULL);

  memset (request, 0, sizeof *request);
  request->content_length = -1;
  if (length < 4 || length > ATRIUM_HTTP_MAX_HEAD || memcmp (end - 4, "\r\n\r\n", 4) != 0)
    return FALSE;
  if (memchr (head, '\0', length) != NULL)
    return FALSE;

  /* Request line: METHOD SP TARGET SP HTTP/1.x */
  eol = memchr (line, '\r', end - line);
  if (eol == NULL || eol[1] != '\n')
    return FALSE;
  *eol = '\0';

  request->method = p = line;
  while (is_tchar (*p))
    p++;
  if (p == line || *p != ' ')
    return FALSE;
  *p++ = '\0';

  request->target = p;
  while (*p > 0x20 && *p < 0x7f)
    p++;
  if (p == request->target || *p != ' ')
    return FALSE;
  *p++ = '\0';

  if (strcmp (p, "HTTP/1.1") == 0)
    request->version = 1;
  else if (strcmp (p, "HTTP/1.0") == 0)
    request->version = 0;
  else
    return FALSE;

  /* Header fields, up to the empty line. */
  for (line = eol + 2; line < end - 2; line = eol + 2)
    {
      char *colon;
      char *name;
      char *value;

      eol = memchr (line, '\r', end - line);
      if (eol == NULL || eol[1] != '\n' || eol == line)
        return FALSE;
      *eol = '\0';

      name = line;
      for (colon = line; is_tchar (*colon); colon++)
        ;
      /* No name, white space before the colon, or an obsolete folded line. */
      if (colon == name || *colon != ':')
        return FALSE;
      *colon = '\0';

      for (p = colon + 1; p < eol; p++)
        if ((guchar) *p < 0x20 ? *p != '\t' : *p == 0x7f)
          return FALSE;
      value = trim_ows (colon + 1, eol);

      if (g_ascii_strcasecmp (name, "Host") == 0)
        {
          if (request->host != NULL)
            return FALSE;
          request->host = value;
        }
      else if (g_ascii_strcasecmp (name, "Range") == 0)
        {
          if (request->range != NULL)
            return FALSE;
          request->range = value;
        }
      else if (g_ascii_strcasecmp (name, "Origin") == 0)
        {
          if (request->origin != NULL)
            return FALSE;
          request->origin = value;
        }
      else if (g_ascii_strcasecmp (name, "Content-Length") == 0)
        {
          gint64 n = 0;

          if (seen_length || *value == '\0')
            return FALSE;
          seen_length = TRUE;
          for (p = value; *p != '\0'; p++)
            {
              if (!g_ascii_isdigit (*p))
                return FALSE;
              /* Past 2^62 is no length a client means. */
              if (n > (G_GINT64_CONSTANT (1) << 62) / 10)
                return FALSE;
              n = n * 10 + (*p - '0');
            }
          request->content_length = n;
          if (n > 0)
            request->has_body = TRUE;
        }
      else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
        {
          request->has_body = TRUE;
          seen_te = TRUE;
        }
      else if (g_ascii_strcasecmp (name, "Connection") == 0)
        {
          close = close || has_token (value, "close");
          keep_alive = keep_alive || has_token (value, "keep-alive");
        }
    }

  request->keep_alive = !close && (request->version == 1 || keep_alive);
  if (seen_te)
    request->content_length = -1;
  return TRUE;
}

/* Request head framing */

/**
 * _atrium_http_reader_has_head:
 * @reader: what a connection has received
 *
 * Looks for the end of a request head (CRLFCRLF) in what @reader holds,
 * searching each byte once however many times it is asked.
 *
 * Returns: whether a whole head, or a full buffer, is waiting to be taken
 */
gboolean
_atrium_http_reader_has_head (AtriumHttpReader *reader)
{
  g_assert (reader->filled <= ATRIUM_HTTP_MAX_HEAD);

  if (reader->filled >= 4)
    for (gsize i = reader->searched; i + 4 <= reader->filled; i++)
      if (memcmp (reader->data + i, "\r\n\r\n", 4) == 0)
        return TRUE;
  reader->searched = reader->filled >= 3 ? reader->filled - 3 : 0;
  return reader->filled == ATRIUM_HTTP_MAX_HEAD;
}

/**
 * _atrium_http_reader_take:
 * @reader: what a connection has received
 * @head: (out caller-allocates): %ATRIUM_HTTP_MAX_HEAD bytes for the head
 * @length: (out): its length, through the empty line
 *
 * Takes the first whole request head out of @reader; what a client sent
 * after it (a pipelined request) stays, at the start of the buffer. The
 * head is copied because parsing writes into it.
 *
 * Returns: %ATRIUM_HTTP_HEAD with the head in @head, or why not
 */
AtriumHttpNext
_atrium_http_reader_take (AtriumHttpReader *reader,
                          char             *head,
                          gsize            *length)
{
  gsize end = 0;

  g_assert (reader->filled <= ATRIUM_HTTP_MAX_HEAD);

  *length = 0;
  for (gsize i = 0; i + 4 <= reader->filled; i++)
    if (memcmp (reader->data + i, "\r\n\r\n", 4) == 0)
      {
        end = i + 4;
        break;
      }

  if (end == 0)
    {
      reader->searched = reader->filled >= 3 ? reader->filled - 3 : 0;
      return reader->filled == ATRIUM_HTTP_MAX_HEAD ? ATRIUM_HTTP_TOO_LARGE
                                                     : ATRIUM_HTTP_NEED_MORE;
    }

  memcpy (head, reader->data, end);
  memmove (reader->data, reader->data + end, reader->filled - end);
  reader->filled -= end;
  reader->searched = 0;
  *length = end;
  return ATRIUM_HTTP_HEAD;
}

/**
 * _atrium_http_plan_range:
 * @range: (nullable): the request's Range header
 * @size: the file's length in bytes, or -1 when it is not known
 * @start: (out): the first byte to send
 * @length: (out): how many bytes to send: exactly this many, which the
 *   response announces as its Content-Length (-1 when @size is)
 *
 * Returns: the status: 200 for the whole file, 206 for a part of it, 416
 *   for a range outside it
 */
guint
_atrium_http_plan_range (const char *range,
                         goffset     size,
                         goffset    *start,
                         goffset    *length)
{
  *start = 0;
  *length = size;
  if (size < 0)
    return 200;

  switch (_atrium_range_parse (range, size, start, length))
    {
    case ATRIUM_RANGE_SATISFIABLE:
      return 206;
    case ATRIUM_RANGE_UNSATISFIABLE:
      *length = 0;
      return 416;
    case ATRIUM_RANGE_NONE:
    default:
      *start = 0;
      *length = size;
      return 200;
    }
}

/**
 * _atrium_http_content_range:
 * @status: what _atrium_http_plan_range() returned: 206 or 416
 *
 * Returns: (nullable): the Content-Range value for the planned answer
 *   (without the header's name), or %NULL for a status that has none
 */
char *
_atrium_http_content_range (guint   status,
                            goffset start,
                            goffset length,
                            goffset size)
{
  if (status == 206)
    return g_strdup_printf ("bytes %" G_GOFFSET_FORMAT "-%" G_GOFFSET_FORMAT "/%" G_GOFFSET_FORMAT,
                            start, start + length - 1, size);
  if (status == 416)
    return g_strdup_printf ("bytes */%" G_GOFFSET_FORMAT, size);
  return NULL;
}

/* The text/plain body both servers answer an error with: the status, its
 * reason and what went wrong, on one line. */
char *
_atrium_http_status_body (guint       status,
                          const char *message)
{
  return g_strdup_printf ("%u %s: %s\n", status, _atrium_http_reason_phrase (status), message);
}

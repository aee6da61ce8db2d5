#include "config.h"

#include "atrium-scheme-private.h"

#include <string.h>

#include "atrium-app-private.h"

/* The app:// handler: request → asset source → response. Everything goes
 * through WebKitURISchemeResponse so that the status code and headers reach
 * the page (fetch() sees a real 404, not a network error). */

guint
_atrium_scheme_status_for (const GError *error)
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
  return 500;
}

static const char *
reason_for (guint status)
{
  switch (status)
    {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    default:  return "Internal Server Error";
    }
}

static SoupMessageHeaders *
new_headers (const char *content_type,
             goffset     size)
{
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);

  soup_message_headers_replace (headers, "Content-Type", content_type);
  if (size >= 0)
    soup_message_headers_set_content_length (headers, size);
  /* The files are local and may change under a developer's --dir: always
   * revalidate, never serve a stale copy. */
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");

  return headers;
}

static void
finish (WebKitURISchemeRequest *request,
        GInputStream           *stream,
        goffset                 size,
        guint                   status,
        const char             *content_type)
{
  g_autoptr(WebKitURISchemeResponse) response = webkit_uri_scheme_response_new (stream, size);

  webkit_uri_scheme_response_set_status (response, status, reason_for (status));
  webkit_uri_scheme_response_set_content_type (response, content_type);
  webkit_uri_scheme_response_set_http_headers (response, new_headers (content_type, size));
  webkit_uri_scheme_request_finish_with_response (request, response);
}

static void
finish_with_status (WebKitURISchemeRequest *request,
                    guint                   status,
                    const char             *message)
{
  g_autofree char *body = g_strdup_printf ("%u %s: %s\n", status, reason_for (status), message);
  gsize length = strlen (body);
  g_autoptr(GInputStream) stream =
    g_memory_input_stream_new_from_data (g_steal_pointer (&body), length, g_free);

  finish (request, stream, length, status, "text/plain; charset=utf-8");
}

void
_atrium_scheme_request_cb (WebKitURISchemeRequest *request,
                           gpointer                user_data)
{
  AtriumApp *app = ATRIUM_APP (user_data);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *uri = webkit_uri_scheme_request_get_uri (request);
  const char *method = webkit_uri_scheme_request_get_http_method (request);
  const char *content_type = NULL;
  goffset size = -1;
  guint status;

  if (!g_str_has_prefix (uri, ATRIUM_ORIGIN "/"))
    {
      finish_with_status (request, 404, "Only app://localhost/ is served");
      return;
    }

  if (method != NULL && strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
    {
      finish_with_status (request, 405, "Assets are read-only");
      return;
    }

  if (atrium_app_get_assets (app) == NULL)
    {
      finish_with_status (request, 404, "The app has no assets");
      return;
    }

  stream = atrium_assets_open (atrium_app_get_assets (app),
                               webkit_uri_scheme_request_get_path (request),
                               &size, &content_type, &error);
  if (stream == NULL)
    {
      status = _atrium_scheme_status_for (error);
      g_debug ("%s: %u %s", uri, status, error->message);
      finish_with_status (request, status, error->message);
      return;
    }

  finish (request, stream, size, 200, content_type);
}

#include "config.h"

#include "atrium-scheme-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-bridge-private.h"
#include "atrium-range-private.h"
#include "atrium-slice-stream-private.h"
#include "atrium-window-private.h"

/* The app:// handler: request → asset source → response. Everything goes
 * through WebKitURISchemeResponse so that the status code and headers reach
 * the page (fetch() sees a real 404, not a network error, and a Range
 * request gets 206 with Content-Range).
 *
 * Files are never read here: the asset source's stream goes to WebKit as it
 * is (or through a slice of it for a range), and WebKit pulls it in chunks.
 * Media elements cannot use a custom scheme at all in WebKitGTK, so their
 * files go through the loopback route instead (atrium-media-server.c),
 * which shares the asset source and so its path safety. */

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
_atrium_scheme_reason_for (guint status)
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
    case 413: return "Content Too Large";
    case 416: return "Range Not Satisfiable";
    case 503: return "Service Unavailable";
    default:  return "Internal Server Error";
    }
}

static SoupMessageHeaders *
new_headers (AtriumApp  *app,
             const char *content_type,
             goffset     length)
{
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  const char *csp = _atrium_app_get_csp (app);

  soup_message_headers_replace (headers, "Content-Type", content_type);
  if (length >= 0)
    soup_message_headers_set_content_length (headers, length);
  /* The files are local and may change under a developer's --dir: always
   * revalidate, never serve a stale copy. */
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  if (csp != NULL)
    soup_message_headers_replace (headers, "Content-Security-Policy", csp);

  return headers;
}

static void
finish (WebKitURISchemeRequest *request,
        GInputStream           *stream,
        goffset                 length,
        guint                   status,
        const char             *content_type,
        SoupMessageHeaders     *headers)
{
  g_autoptr(WebKitURISchemeResponse) response = webkit_uri_scheme_response_new (stream, length);

  webkit_uri_scheme_response_set_status (response, status, _atrium_scheme_reason_for (status));
  webkit_uri_scheme_response_set_content_type (response, content_type);
  webkit_uri_scheme_response_set_http_headers (response, headers);
  webkit_uri_scheme_request_finish_with_response (request, response);
}

static void
finish_with_status (WebKitURISchemeRequest *request,
                    AtriumApp              *app,
                    guint                   status,
                    const char             *message,
                    goffset                 file_size)
{
  g_autofree char *body = g_strdup_printf ("%u %s: %s\n", status,
                                           _atrium_scheme_reason_for (status), message);
  gsize length = strlen (body);
  g_autoptr(GInputStream) stream =
    g_memory_input_stream_new_from_data (g_steal_pointer (&body), length, g_free);
  SoupMessageHeaders *headers = new_headers (app, "text/plain; charset=utf-8", length);

  if (status == 416)
    {
      g_autofree char *content_range =
        g_strdup_printf ("bytes */%" G_GOFFSET_FORMAT, file_size);

      soup_message_headers_replace (headers, "Content-Range", content_range);
      soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
    }

  finish (request, stream, length, status, "text/plain; charset=utf-8", headers);
}

/* Replaces @stream, positioned at the range's start, with a stream of
 * @length bytes of it. */
static GInputStream *
take_slice (GInputStream *stream,
            goffset       length)
{
  GInputStream *slice = _atrium_slice_stream_new (stream, length);

  g_object_unref (stream);
  return slice;
}

/* A request the SPA fallback answers with index.html: a page route such as
 * /settings/profile, which has no file of its own. Names with an extension
 * are files the page asked for, and their 404 must stay a 404. */
/* POST app://localhost/__atrium/upload?KEY: a large call message from the
 * runtime (see _atrium_bridge_add_upload()). 204 when it is stored; else
 * the error as {"code", "message"}, which the runtime turns into the
 * call's rejection. */
static void
receive_upload (WebKitURISchemeRequest *request,
                AtriumApp              *app,
                const char             *method)
{
  WebKitWebView *web_view = webkit_uri_scheme_request_get_web_view (request);
  const char *uri = webkit_uri_scheme_request_get_uri (request);
  const char *key = strchr (uri, '?');
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *request_headers;
  GtkRoot *root;
  goffset size_hint = -1;

  if (strcmp (method, "POST") != 0)
    {
      finish_with_status (request, app, 405, "Uploads are POST only", -1);
      return;
    }

  root = web_view != NULL ? gtk_widget_get_root (GTK_WIDGET (web_view)) : NULL;
  if (!ATRIUM_IS_WINDOW (root) || _atrium_window_get_bridge (ATRIUM_WINDOW (root)) == NULL)
    {
      finish_with_status (request, app, 404, "Uploads come from an app window", -1);
      return;
    }

  request_headers = webkit_uri_scheme_request_get_http_headers (request);
  if (request_headers != NULL
      && soup_message_headers_get_encoding (request_headers) == SOUP_ENCODING_CONTENT_LENGTH)
    size_hint = soup_message_headers_get_content_length (request_headers);

  body = webkit_uri_scheme_request_get_http_body (request);
  if (_atrium_bridge_add_upload (_atrium_window_get_bridge (ATRIUM_WINDOW (root)),
                                 key != NULL ? key + 1 : NULL, body, size_hint, &error))
    {
      g_autoptr(GInputStream) empty = g_memory_input_stream_new ();

      finish (request, empty, 0, 204, "text/plain; charset=utf-8",
              new_headers (app, "text/plain; charset=utf-8", 0));
    }
  else
    {
      g_autofree char *json = _atrium_bridge_error_to_json (error);
      gsize length = strlen (json);
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&json), length);
      g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
      guint status = _atrium_scheme_status_for (error);

      finish (request, stream, length, status, "application/json",
              new_headers (app, "application/json", length));
    }
}

static gboolean
is_route (const char *path)
{
  const char *name = strrchr (path, '/');

  name = name != NULL ? name + 1 : path;
  return strchr (name, '.') == NULL;
}

void
_atrium_scheme_request_cb (WebKitURISchemeRequest *request,
                           gpointer                user_data)
{
  AtriumApp *app = ATRIUM_APP (user_data);
  AtriumAssets *assets = atrium_app_get_assets (app);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *uri = webkit_uri_scheme_request_get_uri (request);
  const char *method = webkit_uri_scheme_request_get_http_method (request);
  const char *path = webkit_uri_scheme_request_get_path (request);
  SoupMessageHeaders *request_headers;
  SoupMessageHeaders *headers;
  const char *content_type = NULL;
  const char *range = NULL;
  goffset size = -1;
  goffset start = 0;
  goffset length;
  guint status = 200;

  if (!g_str_has_prefix (uri, ATRIUM_ORIGIN "/"))
    {
      finish_with_status (request, app, 404, "Only app://localhost/ is served", -1);
      return;
    }

  if (strcmp (path, ATRIUM_UPLOAD_PATH) == 0)
    {
      receive_upload (request, app, method != NULL ? method : "GET");
      return;
    }

  if (method != NULL && strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0)
    {
      finish_with_status (request, app, 405, "Assets are read-only", -1);
      return;
    }

  if (assets == NULL)
    {
      finish_with_status (request, app, 404, "The app has no assets", -1);
      return;
    }

  stream = atrium_assets_open (assets, path, &size, &content_type, &error);
  if (stream == NULL && atrium_app_get_spa_fallback (app)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) && is_route (path))
    {
      g_clear_error (&error);
      stream = atrium_assets_open (assets, "/", &size, &content_type, &error);
    }
  if (stream == NULL)
    {
      status = _atrium_scheme_status_for (error);
      g_debug ("%s: %u %s", uri, status, error->message);
      finish_with_status (request, app, status, error->message, -1);
      return;
    }

  request_headers = webkit_uri_scheme_request_get_http_headers (request);
  if (request_headers != NULL)
    range = soup_message_headers_get_one (request_headers, "Range");

  length = size;
  if (size >= 0)
    {
      switch (_atrium_range_parse (range, size, &start, &length))
        {
        case ATRIUM_RANGE_NONE:
          length = size;
          break;

        case ATRIUM_RANGE_UNSATISFIABLE:
          finish_with_status (request, app, 416, "The range is outside the file", size);
          return;

        case ATRIUM_RANGE_SATISFIABLE:
          if (start > 0 && !_atrium_stream_advance_to (stream, start, &error))
            {
              finish_with_status (request, app, 500, error->message, -1);
              return;
            }
          stream = take_slice (stream, length);
          status = 206;
          break;
        }
    }

  headers = new_headers (app, content_type, length);
  soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
  if (status == 206)
    {
      g_autofree char *content_range =
        g_strdup_printf ("bytes %" G_GOFFSET_FORMAT "-%" G_GOFFSET_FORMAT "/%" G_GOFFSET_FORMAT,
                         start, start + length - 1, size);

      soup_message_headers_replace (headers, "Content-Range", content_range);
    }

  if (method != NULL && strcmp (method, "HEAD") == 0)
    {
      /* The headers tell the size; the body is empty. */
      g_autoptr(GInputStream) empty = g_memory_input_stream_new ();

      finish (request, empty, 0, status, content_type, headers);
      return;
    }

  finish (request, stream, length, status, content_type, headers);
}

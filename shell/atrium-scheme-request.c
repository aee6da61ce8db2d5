#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Scheme"
#include "config.h"

#include "atrium-scheme-request-private.h"

#include <string.h>

#include "atrium-error.h"

/* What the app:// handler does with a request, decided from plain data: the
 * URI, the method and a few headers, never the body. atrium-scheme.c reads
 * those from WebKit and acts on the answer; a fuzzer drives this file alone
 * (tests/fuzz/fuzz-scheme-request.c).
 *
 * Why the body is never part of a decision: in WebKitGTK 2.50,
 * webkit_uri_scheme_request_get_http_body() dereferences NULL in the UI
 * process for any body that holds a Blob (a Blob, a File, a FormData with
 * one), because it resolves blob references with a registry that only the
 * network process has. One fetch() from any frame would crash the app. And
 * nothing WebKit shows of the request before the body tells such a body
 * from the runtime's string: a same-origin page may send a Blob with the
 * very Content-Type, Referer and method the runtime's fetch() has. So an
 * upload is only ever kept here, unread; its body is read when the runtime
 * claims it with the token (see _atrium_bridge_claim_upload()), and the
 * runtime only claims keys it uploaded itself, as strings.
 *
 * The checks below still refuse, with a clear status, everything that is
 * not the runtime's own request: they keep other frames from filling the
 * bounded store of uploads, and they tell a prober no more than "no". */

static void
refuse (AtriumSchemeDecision *decision,
        guint                 status,
        const char           *message,
        int                   error_code)
{
  decision->action = ATRIUM_SCHEME_REFUSE;
  decision->status = status;
  decision->message = message;
  decision->error_code = error_code;
}

/**
 * _atrium_upload_key_is_valid:
 * @key: (array length=length): the key an upload is stored under
 *
 * Returns: whether @key is 1 to %ATRIUM_UPLOAD_KEY_MAX hex digits, what the
 *   runtime makes from 128 random bits
 */
gboolean
_atrium_upload_key_is_valid (const char *key,
                             gsize       length)
{
  if (key == NULL || length == 0 || length > ATRIUM_UPLOAD_KEY_MAX)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isxdigit (key[i]))
      return FALSE;
  return TRUE;
}

/* POST app://localhost/__atrium/upload?KEY from the runtime: method, then
 * who sends it, then what it says it sends, then the key. Refusals the
 * runtime should fall back from (send the call as a script message) are
 * plain text; only a malformed key is its own error, answered as JSON. */
static void
decide_upload (const AtriumSchemeRequest *request,
               const char                *method,
               AtriumSchemeDecision      *decision)
{
  const char *query;

  if (strcmp (method, "POST") != 0)
    {
      refuse (decision, 405, "Uploads are POST only", -1);
      decision->allow = "POST";
      return;
    }

  /* A web view of the app's own, and in it a frame of the app's origin.
   * WebKitGTK 2.50 sends Origin "null" from sandboxed and data: frames, a
   * foreign frame's origin in CORS mode, and a Referer with the sending
   * frame's URL (blob:, about:srcdoc, http:…) on every POST, even one
   * whose fetch() asked for no referrer. A page cannot set either to
   * another origin's. Neither is required, though: the runtime asks for no
   * referrer, and a WebKit that honours that must not turn its uploads
   * away (they would only fall back to script messages, but still). */
  if (!request->from_app_window)
    {
      refuse (decision, 403, "Uploads come from an app window", -1);
      return;
    }
  if ((request->origin != NULL && strcmp (request->origin, ATRIUM_ORIGIN) != 0)
      || (request->referer != NULL && !g_str_has_prefix (request->referer, ATRIUM_ORIGIN "/")))
    {
      refuse (decision, 403, "Uploads come from the app's own pages", -1);
      return;
    }

  /* Byte for byte what fetch() sets for a string body. A Blob's type is
   * lower-cased by the File API, so even a Blob typed like it differs; a
   * FormData, URLSearchParams or ArrayBuffer body has another type or none.
   * A page can still set this header by hand, which is why the body is
   * not read here either way. */
  if (request->content_type == NULL
      || strcmp (request->content_type, ATRIUM_UPLOAD_CONTENT_TYPE) != 0)
    {
      refuse (decision, 415, "Uploads are strings (" ATRIUM_UPLOAD_CONTENT_TYPE ")", -1);
      return;
    }

  query = strchr (request->uri, '?');
  if (query == NULL || !_atrium_upload_key_is_valid (query + 1, strlen (query + 1)))
    {
      refuse (decision, 400, "An upload needs a key of 1 to 32 hex digits",
              ATRIUM_ERROR_BAD_ARGS);
      return;
    }

  decision->action = ATRIUM_SCHEME_UPLOAD;
  decision->key = query + 1;
  decision->key_length = strlen (query + 1);
}

/**
 * _atrium_scheme_decide:
 * @request: what is known of the request before its body
 * @decision: (out caller-allocates): what to do with it
 *
 * Decides what the app:// handler does with @request. Pure: no I/O, no
 * allocation, no global state, so any input is safe to try.
 */
void
_atrium_scheme_decide (const AtriumSchemeRequest *request,
                       AtriumSchemeDecision      *decision)
{
  const char *method = request->method != NULL ? request->method : "GET";
  gboolean is_head;

  memset (decision, 0, sizeof *decision);
  decision->error_code = -1;

  /* Only app://localhost/: another host under the scheme, a port or user
   * information is another origin the app never serves. */
  if (request->uri == NULL || request->path == NULL
      || !g_str_has_prefix (request->uri, ATRIUM_ORIGIN "/"))
    {
      refuse (decision, 404, "Only app://localhost/ is served", -1);
      return;
    }

  /* The path is reserved whatever the method: it is never an asset. */
  if (strcmp (request->path, ATRIUM_UPLOAD_PATH) == 0)
    {
      decide_upload (request, method, decision);
      return;
    }

  /* Anything else only reads: a body sent with GET or HEAD is never
   * looked at, and every other method (OPTIONS, so every CORS preflight,
   * included) is refused without the headers that would let it pass. */
  is_head = strcmp (method, "HEAD") == 0;
  if (!is_head && strcmp (method, "GET") != 0)
    {
      refuse (decision, 405, "Assets are read-only", -1);
      decision->allow = "GET, HEAD";
      return;
    }

  if (!request->has_assets)
    {
      refuse (decision, 404, "The app has no assets", -1);
      return;
    }

  decision->action = ATRIUM_SCHEME_SERVE;
  decision->head = is_head;
}

/* Appends @text to @json as the inside of a JSON string that is a content
 * blocker regular expression matching @text literally. */
static void
append_literal_pattern (GString    *json,
                        const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (strchr (".*+?^$()[]{}|\\", *p) != NULL)
        g_string_append (json, "\\\\");   /* a regex backslash, escaped for JSON */
      if (*p == '"' || *p == '\\')
        g_string_append_printf (json, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (json, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (json, *p);
    }
}

/**
 * _atrium_scheme_frame_rules:
 * @origin: the origin of the app's pages: app://localhost, or its dev
 *   server's (scheme, host and port, no trailing slash)
 *
 * The WebKit content blocker rules that keep frames of other origins from
 * loading app:// resources (scripts, styles, images, fetches, …) as
 * subresources: what Cross-Origin-Resource-Policy: same-origin asks, and
 * what WebKitGTK 2.50 does not do for a custom scheme (it checks that
 * header only in the network process, which app:// never passes through).
 *
 * A content blocker knows the URL of the frame that loads, not its
 * origin. Frames at the app's origin (and blob: documents it made) may
 * load; every other frame may not: a remote page, a data: or sandboxed
 * srcdoc frame (opaque origins, which CORP refuses too), and also an
 * about:blank or srcdoc frame of the app's own, whose URL does not say
 * whose it is (a foreign page could make one as easily). Documents are
 * left alone, so the app's own iframes (src="/page.html") load: the frame
 * URL of a new frame is not yet its own.
 *
 * Returns: (transfer full): the rules, as JSON
 */
char *
_atrium_scheme_frame_rules (const char *origin)
{
  const char *origins[] = { ATRIUM_ORIGIN, origin };
  GString *json = g_string_new (
    "[{\"trigger\": {\"url-filter\": \"^app://\", "
    "\"resource-type\": [\"image\", \"style-sheet\", \"script\", \"font\", \"raw\", "
    "\"svg-document\", \"media\", \"ping\", \"fetch\", \"websocket\", \"other\"], "
    "\"unless-frame-url\": [");

  for (guint i = 0; i < G_N_ELEMENTS (origins); i++)
    {
      if (i > 0 && (origins[i] == NULL || strcmp (origins[i], ATRIUM_ORIGIN) == 0))
        continue;
      if (i > 0)
        g_string_append (json, ", ");
      g_string_append (json, "\"^");
      append_literal_pattern (json, origins[i]);
      g_string_append (json, "/\", \"^blob:");
      append_literal_pattern (json, origins[i]);
      g_string_append (json, "/\"");
    }
  g_string_append (json, "]}, \"action\": {\"type\": \"block\"}}]");

  return g_string_free (json, FALSE);
}

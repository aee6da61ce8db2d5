#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Scheme"
#include "config.h"

#include "atrium-scheme-private.h"

#include <string.h>
#include <unistd.h>

#include "atrium-app-private.h"
#include "atrium-http-private.h"
#include "atrium-bridge-private.h"
#include "atrium-slice-stream-private.h"
#include "atrium-window-private.h"

/* The app:// handler: request → asset source → response. Everything goes
 * through WebKitURISchemeResponse so that the status code and headers reach
 * the page (fetch() sees a real 404, not a network error, and a Range
 * request gets 206 with Content-Range).
 *
 * What to do with a request is decided from plain data, never its body, by
 * _atrium_scheme_decide() (atrium-scheme-request.c, which says why and is
 * fuzzed); this file only reads those facts from WebKit and acts on the
 * answer.
 *
 * Files are never read here: the asset source's stream goes to WebKit as it
 * is (or through a slice of it for a range), and WebKit pulls it in chunks.
 * Media elements cannot use a custom scheme at all in WebKitGTK, so their
 * files go through the loopback route instead (atrium-media-server.c),
 * which shares the asset source and so its path safety. */

/* Headers every app:// answer carries, errors included. */
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
  /* Only the app's own origin may use what it serves. A frame of another
   * origin (a remote iframe the CSP lets in, a sandboxed or data: frame)
   * could otherwise run <script src="app://localhost/config.js"> and read
   * the globals it defines, or tell which files exist from which loads
   * fail; fetch() from another origin is blocked already by CORS, as
   * nothing here sends Access-Control-Allow-Origin. On every answer,
   * errors included, so a 404 looks like a 200 to such a frame.
   *
   * WebKitGTK 2.50 honours this header only in the network process, which
   * app:// never goes through (and on reuse from its memory cache): what
   * does the refusing today is the frame guard below. The header says the
   * same for whatever checks it, now or later.
   *
   * Not sent: Cross-Origin-Opener-Policy, since an app page has no
   * cross-origin opener or popup to sever (the top frame never leaves the
   * app and foreign windows are refused at ::create), and in WebKit it
   * swaps processes on navigation, under the runtime's injection and the
   * window's load tracking; and Cross-Origin-Embedder-Policy, which would
   * block the remote iframes the default CSP allows and the loopback media
   * route (another origin) unless each sent CORP itself, and whose only use,
   * crossOriginIsolated, hands the page sharper timers rather than taking
   * anything from an attacker. */
  soup_message_headers_replace (headers, "Cross-Origin-Resource-Policy", "same-origin");
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

  webkit_uri_scheme_response_set_status (response, status, _atrium_http_reason_phrase (status));
  webkit_uri_scheme_response_set_content_type (response, content_type);
  webkit_uri_scheme_response_set_http_headers (response, headers);
  webkit_uri_scheme_request_finish_with_response (request, response);
}

/* A short text answer: "STATUS REASON: MESSAGE". A 416 says the file's
 * size, a 405 what is allowed. */
static void
finish_with_status_full (WebKitURISchemeRequest *request,
                         AtriumApp              *app,
                         guint                   status,
                         const char             *message,
                         goffset                 file_size,
                         const char             *allow)
{
  g_autofree char *body = _atrium_http_status_body (status, message);
  gsize length = strlen (body);
  g_autoptr(GInputStream) stream =
    g_memory_input_stream_new_from_data (g_steal_pointer (&body), length, g_free);
  SoupMessageHeaders *headers = new_headers (app, "text/plain; charset=utf-8", length);

  if (status == 416)
    {
      g_autofree char *content_range = _atrium_http_content_range (416, 0, 0, file_size);

      soup_message_headers_replace (headers, "Content-Range", content_range);
      soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
    }
  if (allow != NULL)
    soup_message_headers_replace (headers, "Allow", allow);

  finish (request, stream, length, status, "text/plain; charset=utf-8", headers);
}

static void
finish_with_status (WebKitURISchemeRequest *request,
                    AtriumApp              *app,
                    guint                   status,
                    const char             *message,
                    goffset                 file_size)
{
  finish_with_status_full (request, app, status, message, file_size, NULL);
}

/* An error the runtime reads: {"code", "message"}, which it turns into the
 * call's rejection (or, for queue-full, into sending the call as a script
 * message). */
static void
finish_with_error (WebKitURISchemeRequest *request,
                   AtriumApp              *app,
                   const GError           *error)
{
  g_autofree char *json = _atrium_bridge_error_to_json (error);
  gsize length = strlen (json);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&json), length);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);

  finish (request, stream, length, _atrium_http_status_for_error (error), "application/json",
          new_headers (app, "application/json", length));
}

static void
finish_refused (WebKitURISchemeRequest     *request,
                AtriumApp                  *app,
                const AtriumSchemeDecision *decision)
{
  if (decision->error_code >= 0)
    {
      g_autoptr(GError) error = g_error_new_literal (ATRIUM_ERROR, decision->error_code,
                                                     decision->message);

      finish_with_error (request, app, error);
      return;
    }

  finish_with_status_full (request, app, decision->status, decision->message, -1,
                           decision->allow);
}

/* The upload's body, opened only when the runtime claims it with the
 * token: so only for the runtime's own request, whose body is a string.
 * For a body that holds a Blob, WebKitGTK 2.50 dereferences NULL in here. */
static GInputStream *
open_upload_body (GObject *source)
{
  return webkit_uri_scheme_request_get_http_body (WEBKIT_URI_SCHEME_REQUEST (source));
}

/* POST app://localhost/__atrium/upload?KEY that passed every check of
 * _atrium_scheme_decide (): kept, body unread, until the runtime's call
 * message claims KEY (see _atrium_bridge_add_upload()). 204 when kept;
 * JSON for what the runtime reads (queue-full: it sends the call as a
 * script message instead); text for a key named twice, from which the
 * runtime falls back the same way. */
static void
receive_upload (WebKitURISchemeRequest     *request,
                AtriumApp                  *app,
                AtriumBridge               *bridge,
                const AtriumSchemeDecision *decision)
{
  g_autoptr(GError) error = NULL;

  if (_atrium_bridge_add_upload (bridge, decision->key, decision->key_length,
                                 G_OBJECT (request), open_upload_body, &error))
    {
      g_autoptr(GInputStream) empty = g_memory_input_stream_new ();

      finish (request, empty, 0, 204, "text/plain; charset=utf-8",
              new_headers (app, "text/plain; charset=utf-8", 0));
    }
  else if (error->domain == ATRIUM_ERROR)
    finish_with_error (request, app, error);
  else
    finish_with_status (request, app, 409, error->message, -1);
}

/* A request the SPA fallback answers with index.html: a page route such as
 * /settings/profile, which has no file of its own. Names with an extension
 * are files the page asked for, and their 404 must stay a 404. */
static gboolean
is_route (const char *path)
{
  const char *name = strrchr (path, '/');

  name = name != NULL ? name + 1 : path;
  return strchr (name, '.') == NULL;
}

static void
serve (WebKitURISchemeRequest *request,
       AtriumApp              *app,
       const char             *range,
       gboolean                head)
{
  AtriumAssets *assets = atrium_app_get_assets (app);
  const char *uri = webkit_uri_scheme_request_get_uri (request);
  const char *path = webkit_uri_scheme_request_get_path (request);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  const char *content_type = NULL;
  goffset size = -1;
  goffset start = 0;
  goffset length;
  guint status;

  stream = atrium_assets_open (assets, path, &size, &content_type, &error);
  if (stream == NULL && atrium_app_get_spa_fallback (app)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) && is_route (path))
    {
      g_clear_error (&error);
      stream = atrium_assets_open (assets, "/", &size, &content_type, &error);
    }
  if (stream == NULL)
    {
      status = _atrium_http_status_for_error (error);
      g_debug ("%s: %u %s", uri, status, error->message);
      finish_with_status (request, app, status, error->message, -1);
      return;
    }

  status = _atrium_http_plan_range (range, size, &start, &length);
  if (status == 416)
    {
      finish_with_status (request, app, 416, "The range is outside the file", size);
      return;
    }
  if (start > 0 && !_atrium_stream_advance_to (stream, start, &error))
    {
      finish_with_status (request, app, 500, error->message, -1);
      return;
    }

  /* Exactly the announced length, whether the file grows or shrinks while
   * it streams (see atrium-slice-stream.c). Every source knows its sizes. */
  if (length >= 0)
    {
      GInputStream *slice = _atrium_slice_stream_new (stream, length);

      g_object_unref (stream);
      stream = slice;
    }

  headers = new_headers (app, content_type, length);
  soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
  if (status == 206)
    {
      g_autofree char *content_range = _atrium_http_content_range (206, start, length, size);

      soup_message_headers_replace (headers, "Content-Range", content_range);
    }

  if (head)
    {
      /* The headers tell the size; the body is empty. */
      g_autoptr(GInputStream) empty = g_memory_input_stream_new ();

      finish (request, empty, 0, status, content_type, headers);
      return;
    }

  finish (request, stream, length, status, content_type, headers);
}

/* An app:// file as a download (atrium-downloads.c) reads it: the same
 * decision a GET of @uri from an app window gets, then the same asset
 * source, so a download reaches exactly the files a page can load and
 * nothing the scheme handler would refuse. No SPA fallback: a route is a
 * page, never a file to save. */
GInputStream *
_atrium_scheme_open_file (AtriumApp   *app,
                          const char  *uri,
                          goffset     *size,
                          GError     **error)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  AtriumSchemeRequest facts = {
    .uri = uri,
    .path = parsed != NULL ? g_uri_get_path (parsed) : NULL,
    .method = "GET",
    .from_app_window = TRUE,
    .has_assets = atrium_app_get_assets (app) != NULL,
  };
  AtriumSchemeDecision decision;
  GInputStream *stream;

  g_return_val_if_fail (size != NULL, NULL);

  _atrium_scheme_decide (&facts, &decision);
  if (decision.action != ATRIUM_SCHEME_SERVE || decision.head)
    {
      g_set_error (error, G_IO_ERROR, decision.status == 404 ? G_IO_ERROR_NOT_FOUND
                                                             : G_IO_ERROR_PERMISSION_DENIED,
                   "%s", decision.message != NULL ? decision.message : "Not served");
      return NULL;
    }
  stream = atrium_assets_open (atrium_app_get_assets (app), facts.path, size, NULL, error);
  /* As served: exactly the size announced, and a file that shrinks while
   * it is read fails rather than ends early as if complete. */
  if (stream != NULL && *size >= 0)
    {
      GInputStream *slice = _atrium_slice_stream_new (stream, *size);

      g_object_unref (stream);
      stream = slice;
    }
  return stream;
}

/* The bridge of the app window whose web view made @request, or NULL: a
 * request may come from a web view that is not an app window (an app may
 * make its own in the app's web context), or from none at all. */
static AtriumBridge *
bridge_for (WebKitURISchemeRequest *request)
{
  WebKitWebView *web_view = webkit_uri_scheme_request_get_web_view (request);
  GtkRoot *root = web_view != NULL ? gtk_widget_get_root (GTK_WIDGET (web_view)) : NULL;

  return ATRIUM_IS_WINDOW (root) ? _atrium_window_get_bridge (ATRIUM_WINDOW (root)) : NULL;
}

void
_atrium_scheme_request_cb (WebKitURISchemeRequest *request,
                           gpointer                user_data)
{
  AtriumApp *app = ATRIUM_APP (user_data);
  SoupMessageHeaders *request_headers = webkit_uri_scheme_request_get_http_headers (request);
  AtriumBridge *bridge = bridge_for (request);
  AtriumSchemeRequest facts = {
    .uri = webkit_uri_scheme_request_get_uri (request),
    .path = webkit_uri_scheme_request_get_path (request),
    .method = webkit_uri_scheme_request_get_http_method (request),
    .from_app_window = bridge != NULL,
    .has_assets = atrium_app_get_assets (app) != NULL,
  };
  AtriumSchemeDecision decision;

  /* Everything the decision needs, none of it from the body (see
   * atrium-scheme-request.c for why the body must wait). */
  if (request_headers != NULL)
    {
      facts.origin = soup_message_headers_get_one (request_headers, "Origin");
      facts.referer = soup_message_headers_get_one (request_headers, "Referer");
      facts.content_type = soup_message_headers_get_one (request_headers, "Content-Type");
    }

  _atrium_scheme_decide (&facts, &decision);
  switch (decision.action)
    {
    case ATRIUM_SCHEME_REFUSE:
      finish_refused (request, app, &decision);
      break;

    case ATRIUM_SCHEME_UPLOAD:
      receive_upload (request, app, bridge, &decision);
      break;

    case ATRIUM_SCHEME_SERVE:
    default:
      serve (request, app,
             request_headers != NULL ? soup_message_headers_get_one (request_headers, "Range")
                                     : NULL,
             decision.head);
      break;
    }
}

/* Frames of other origins
 *
 * WebKitGTK 2.50 checks Cross-Origin-Resource-Policy only in the network
 * process, and app:// answers never go through it: a remote iframe's
 * <script src="app://localhost/config.js"> runs whatever the header says,
 * and neither its request nor any other shows the handler which frame made
 * it (no Origin on a no-cors load, often no Referer). So every app window
 * carries a content blocker that refuses app:// subresources to frames not
 * at the app's origin (see _atrium_scheme_frame_rules() for exactly
 * which), compiled once per app. Until it is ready, atrium_window_load()
 * holds its page back, so no frame ever runs without it. */

typedef struct
{
  WebKitUserContentFilter *filter;    /* NULL until compiled, or if it could not be */
  gboolean                 ready;     /* compiled, or failed */
  GPtrArray               *managers;  /* GWeakRef *: content managers waiting for it */
  GPtrArray               *pending;   /* PendingLoad *: pages waiting for it */
  char                    *identifier;
  GBytes                  *rules;
  guint                    attempt;   /* which of store_directory()'s places */
} FrameGuard;

typedef struct
{
  GWeakRef  web_view;
  char     *uri;
} PendingLoad;

static void
weak_ref_free (GWeakRef *ref)
{
  g_weak_ref_clear (ref);
  g_free (ref);
}

static void
pending_load_free (PendingLoad *load)
{
  g_weak_ref_clear (&load->web_view);
  g_free (load->uri);
  g_free (load);
}

static void
frame_guard_clear (FrameGuard *guard)
{
  g_clear_pointer (&guard->filter, webkit_user_content_filter_unref);
  g_clear_pointer (&guard->managers, g_ptr_array_unref);
  g_clear_pointer (&guard->pending, g_ptr_array_unref);
  g_clear_pointer (&guard->identifier, g_free);
  g_clear_pointer (&guard->rules, g_bytes_unref);
}

/* Where WebKit may compile the rules: the user's cache, else the runtime
 * directory, else a directory of this user's in /tmp (a read-only or full
 * home must not leave the app without its guard). NULL past the last. */
static char *
store_directory (guint attempt)
{
  switch (attempt)
    {
    case 0:
      return g_build_filename (g_get_user_cache_dir (), "atrium", "content-filters", NULL);
    case 1:
      return g_build_filename (g_get_user_runtime_dir (), "atrium", "content-filters", NULL);
    case 2:
      {
        g_autofree char *name = g_strdup_printf ("atrium-content-filters-%u", (guint) getuid ());

        return g_build_filename (g_get_tmp_dir (), name, NULL);
      }
    default:
      return NULL;
    }
}

static void frame_filter_saved_cb (GObject      *object,
                                   GAsyncResult *result,
                                   gpointer      user_data);

/* Compiles the rules in the next place to try; FALSE when none is left. */
static gboolean
frame_guard_compile (FrameGuard *guard)
{
  g_autofree char *directory = store_directory (guard->attempt++);
  g_autoptr(WebKitUserContentFilterStore) store = NULL;

  if (directory == NULL)
    return FALSE;
  store = webkit_user_content_filter_store_new (directory);
  webkit_user_content_filter_store_save (store, guard->identifier, guard->rules, NULL,
                                         frame_filter_saved_cb, g_rc_box_acquire (guard));
  return TRUE;
}

static void
frame_guard_unref (FrameGuard *guard)
{
  g_rc_box_release_full (guard, (GDestroyNotify) frame_guard_clear);
}

static void
frame_guard_ready (FrameGuard              *guard,
                   WebKitUserContentFilter *filter)
{
  g_autoptr(GPtrArray) managers = g_steal_pointer (&guard->managers);
  g_autoptr(GPtrArray) pending = g_steal_pointer (&guard->pending);

  guard->filter = filter;
  guard->ready = TRUE;
  guard->managers = g_ptr_array_new_with_free_func ((GDestroyNotify) weak_ref_free);
  guard->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_load_free);

  for (guint i = 0; i < managers->len; i++)
    {
      g_autoptr(WebKitUserContentManager) manager = g_weak_ref_get (managers->pdata[i]);

      if (manager != NULL && filter != NULL)
        webkit_user_content_manager_add_filter (manager, filter);
    }
  for (guint i = 0; i < pending->len; i++)
    {
      PendingLoad *load = pending->pdata[i];
      g_autoptr(WebKitWebView) web_view = g_weak_ref_get (&load->web_view);

      if (web_view != NULL)
        webkit_web_view_load_uri (web_view, load->uri);
    }
}

static void
frame_filter_saved_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  FrameGuard *guard = user_data;
  g_autoptr(GError) error = NULL;
  WebKitUserContentFilter *filter =
    webkit_user_content_filter_store_save_finish (WEBKIT_USER_CONTENT_FILTER_STORE (object),
                                                  result, &error);

  if (filter == NULL && frame_guard_compile (guard))
    {
      g_message ("Compiling the frame guard again elsewhere: %s", error->message);
      frame_guard_unref (guard);
      return;
    }
  /* Nowhere to compile it at all: pages still load without it rather than
   * leave a dead app, and frames of other origins can then read app
   * files. That is worth more than a warning. */
  if (filter == NULL)
    g_critical ("Frames of other origins can load app:// files: %s", error->message);
  frame_guard_ready (guard, filter);
  frame_guard_unref (guard);
}

static FrameGuard *
get_frame_guard (AtriumApp *app)
{
  static GQuark quark;
  FrameGuard *guard;
  g_autofree char *rules = NULL;
  g_autofree char *checksum = NULL;

  if (quark == 0)
    quark = g_quark_from_static_string ("atrium-frame-guard");
  guard = g_object_get_qdata (G_OBJECT (app), quark);
  if (guard != NULL)
    return guard;

  guard = g_rc_box_new0 (FrameGuard);
  guard->managers = g_ptr_array_new_with_free_func ((GDestroyNotify) weak_ref_free);
  guard->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_load_free);
  g_object_set_qdata_full (G_OBJECT (app), quark, guard, (GDestroyNotify) frame_guard_unref);

  /* WebKit compiles rules into a store on disk. The name is the rules'
   * checksum, so apps and launches that share the cache share the file. */
  rules = _atrium_scheme_frame_rules (_atrium_app_get_origin (app));
  checksum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, rules, -1);
  guard->identifier = g_strdup_printf ("atrium-frames-%.16s", checksum);
  guard->rules = g_bytes_new (rules, strlen (rules));
  frame_guard_compile (guard);
  return guard;
}

/* Every app window's content manager: called as its bridge is made. */
void
_atrium_scheme_guard_frames (AtriumApp                *app,
                             WebKitUserContentManager *manager)
{
  FrameGuard *guard = get_frame_guard (app);
  GWeakRef *ref;

  if (guard->ready)
    {
      if (guard->filter != NULL)
        webkit_user_content_manager_add_filter (manager, guard->filter);
      return;
    }
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, manager);
  g_ptr_array_add (guard->managers, ref);
}

/* Loads @uri in @web_view once the frame guard is on its content manager. */
void
_atrium_scheme_load_guarded (AtriumApp     *app,
                             WebKitWebView *web_view,
                             const char    *uri)
{
  FrameGuard *guard = get_frame_guard (app);
  PendingLoad *load;

  if (guard->ready)
    {
      webkit_web_view_load_uri (web_view, uri);
      return;
    }
  /* The last request wins, as it would have with load_uri (). */
  for (guint i = 0; i < guard->pending->len; i++)
    {
      g_autoptr(WebKitWebView) other = NULL;

      load = guard->pending->pdata[i];
      other = g_weak_ref_get (&load->web_view);
      if (other == web_view)
        {
          g_free (load->uri);
          load->uri = g_strdup (uri);
          return;
        }
    }
  load = g_new0 (PendingLoad, 1);
  g_weak_ref_init (&load->web_view, web_view);
  load->uri = g_strdup (uri);
  g_ptr_array_add (guard->pending, load);
}

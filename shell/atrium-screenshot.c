#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Screenshot"
#include "config.h"

#include "atrium-screenshot-private.h"

#include <stdio.h>

#include "atrium-app-private.h"

/* `--screenshot FILE`, which every app on libatrium accepts: the app's
 * first window loads its page, the page settles, a PNG of it is saved and
 * the app quits — 0 with "Saved screenshot to FILE" on standard output, 1
 * with one line on standard error when the page fails to load (an HTTP
 * error included) or no picture can be taken. For CI and for looking at
 * what you build without a display. */

/* A guard for a page that never finishes loading, not a pause. */
#define TIMEOUT_SECONDS 60

/* A snapshot that fails while the web process runs is tried again, backing
 * off from 50 ms, doubling: about 1.5 s in all before giving up. */
#define SNAPSHOT_ATTEMPTS 6
#define SNAPSHOT_RETRY_MS 50

/* The web process can end under the page (on a loaded machine it crashes
 * now and then, in its GL compositor under Xvfb). Nothing relaunches it,
 * so every settle script and snapshot after that fails ("Unsupported result
 * type", "There was an error creating the snapshot"). The page is loaded
 * again in a new web process, this many times. */
#define RELOAD_ATTEMPTS 2

typedef struct
{
  AtriumApp     *app;
  WebKitWebView *web_view;
  char          *path;
  char          *uri;           /* the page that loaded, for a reload */
  GCancellable  *cancellable;   /* the settle script and snapshot in flight */
  guint          timeout_id;
  guint          retry_id;
  guint          reload_id;
  guint          attempts;
  guint          reloads;
} Screenshot;

static void load_changed_cb (WebKitWebView   *web_view,
                             WebKitLoadEvent  event,
                             Screenshot      *shot);
static gboolean load_failed_cb (WebKitWebView   *web_view,
                                WebKitLoadEvent  event,
                                const char      *uri,
                                GError          *error,
                                Screenshot      *shot);

static void
screenshot_free (Screenshot *shot)
{
  g_clear_handle_id (&shot->timeout_id, g_source_remove);
  g_clear_handle_id (&shot->retry_id, g_source_remove);
  g_clear_handle_id (&shot->reload_id, g_source_remove);
  g_clear_object (&shot->web_view);
  g_clear_object (&shot->cancellable);
  g_free (shot->path);
  g_free (shot->uri);
  g_free (shot);
}

static void
finish (Screenshot *shot,
        int         status)
{
  g_clear_handle_id (&shot->timeout_id, g_source_remove);
  g_clear_handle_id (&shot->retry_id, g_source_remove);
  g_clear_handle_id (&shot->reload_id, g_source_remove);
  /* Whatever the web view still answers is ignored; let it go with its
   * window. */
  if (shot->web_view != NULL)
    g_signal_handlers_disconnect_by_data (shot->web_view, shot);
  g_clear_object (&shot->web_view);
  atrium_app_quit (shot->app, status);
}

static void
fail (Screenshot *shot,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (Screenshot *shot,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "%s: %s\n", g_get_prgname () != NULL ? g_get_prgname () : "atrium", message);
  finish (shot, 1);
}

static void snapshot_ready_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data);

static void
take_snapshot (Screenshot *shot)
{
  shot->attempts++;
  webkit_web_view_get_snapshot (shot->web_view, WEBKIT_SNAPSHOT_REGION_VISIBLE,
                                WEBKIT_SNAPSHOT_OPTIONS_NONE, shot->cancellable,
                                snapshot_ready_cb, shot);
}

static gboolean
snapshot_again_cb (gpointer user_data)
{
  Screenshot *shot = user_data;

  shot->retry_id = 0;
  take_snapshot (shot);
  return G_SOURCE_REMOVE;
}

static void
snapshot_ready_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Screenshot *shot = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = webkit_web_view_get_snapshot_finish (WEBKIT_WEB_VIEW (object), result, &error);
  if (shot->web_view == NULL)
    return;   /* finished already: it timed out meanwhile */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the web process ended: the page is loading again */
  if (texture == NULL && shot->attempts < SNAPSHOT_ATTEMPTS)
    {
      g_message ("Taking the screenshot again: %s", error->message);
      shot->retry_id = g_timeout_add (SNAPSHOT_RETRY_MS << (shot->attempts - 1),
                                      snapshot_again_cb, shot);
      return;
    }
  if (texture == NULL)
    {
      fail (shot, "could not take a screenshot: %s", error->message);
      return;
    }
  if (!gdk_texture_save_to_png (texture, shot->path))
    {
      fail (shot, "could not write the screenshot to %s", shot->path);
      return;
    }

  printf ("Saved screenshot to %s\n", shot->path);
  fflush (stdout);
  finish (shot, 0);
}

static void
page_settled_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Screenshot *shot = user_data;
  g_autoptr(JSCValue) value = NULL;
  g_autoptr(GError) error = NULL;

  value = webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object),
                                                                 result, &error);
  if (shot->web_view == NULL)
    return;   /* finished already: it timed out meanwhile */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the web process ended: the page is loading again */
  if (value == NULL)
    g_message ("The page did not settle (%s); taking the screenshot anyway", error->message);

  take_snapshot (shot);
}

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 Screenshot      *shot)
{
  /* Wait for web fonts, for the promise a page may leave in
   * window.atriumReady (its start-up work: calls, then the events they
   * bring), for the page's own calls to C to answer, then for two frames,
   * so the picture shows what a user would see. */
  static const char settle[] =
    "await document.fonts.ready;"
    "if (window.atriumReady) await Promise.resolve(window.atriumReady).catch(() => {});"
    "if (window.atrium) await window.atrium.__whenIdle();"
    "await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));"
    "return true;";
  WebKitWebResource *resource;
  WebKitURIResponse *response;
  guint status;

  /* The page asked for, to load again should the web process end. */
  if (webkit_web_view_get_uri (web_view) != NULL && *webkit_web_view_get_uri (web_view) != '\0')
    {
      g_free (shot->uri);
      shot->uri = g_strdup (webkit_web_view_get_uri (web_view));
    }
  if (event != WEBKIT_LOAD_FINISHED)
    return;

  g_signal_handlers_disconnect_by_func (web_view, load_changed_cb, shot);
  g_signal_handlers_disconnect_by_func (web_view, load_failed_cb, shot);
  resource = webkit_web_view_get_main_resource (web_view);
  response = resource != NULL ? webkit_web_resource_get_response (resource) : NULL;
  status = response != NULL ? webkit_uri_response_get_status_code (response) : 0;
  if (status >= 400)
    {
      fail (shot, "could not load %s: HTTP status %u", webkit_web_view_get_uri (web_view), status);
      return;
    }

  webkit_web_view_call_async_javascript_function (web_view, settle, -1, NULL, NULL, NULL,
                                                  shot->cancellable, page_settled_cb, shot);
}

static gboolean
load_failed_cb (WebKitWebView   *web_view,
                WebKitLoadEvent  event,
                const char      *uri,
                GError          *error,
                Screenshot      *shot)
{
  g_signal_handlers_disconnect_by_func (web_view, load_changed_cb, shot);
  g_signal_handlers_disconnect_by_func (web_view, load_failed_cb, shot);
  fail (shot, "could not load %s: %s", uri, error->message);
  return TRUE;
}

static gboolean
reload_cb (gpointer user_data)
{
  Screenshot *shot = user_data;

  shot->reload_id = 0;
  g_signal_connect (shot->web_view, "load-changed", G_CALLBACK (load_changed_cb), shot);
  g_signal_connect (shot->web_view, "load-failed", G_CALLBACK (load_failed_cb), shot);
  /* A new web process; the frame guard is on the content manager already. */
  webkit_web_view_load_uri (shot->web_view, shot->uri);
  return G_SOURCE_REMOVE;
}

static void
web_process_terminated_cb (WebKitWebView                     *web_view,
                           WebKitWebProcessTerminationReason  reason,
                           Screenshot                        *shot)
{
  const char *why = reason == WEBKIT_WEB_PROCESS_EXCEEDED_MEMORY_LIMIT ? "ran out of memory"
                    : reason == WEBKIT_WEB_PROCESS_TERMINATED_BY_API ? "was terminated"
                    : "crashed";

  if (shot->web_view == NULL)
    return;
  /* No load asked for yet (it waits for the frame guard): that load starts
   * a new web process itself. */
  if (shot->uri == NULL)
    return;
  if (shot->reloads >= RELOAD_ATTEMPTS)
    {
      fail (shot, "could not take a screenshot: the web process %s", why);
      return;
    }
  shot->reloads++;
  shot->attempts = 0;
  g_message ("The web process %s; loading the page again", why);
  /* What was asked of the old process answers with errors: drop it. */
  g_cancellable_cancel (shot->cancellable);
  g_clear_object (&shot->cancellable);
  shot->cancellable = g_cancellable_new ();
  g_clear_handle_id (&shot->retry_id, g_source_remove);
  g_signal_handlers_disconnect_by_func (web_view, load_changed_cb, shot);
  g_signal_handlers_disconnect_by_func (web_view, load_failed_cb, shot);
  /* After WebKit is done with the process that ended (it finishes the
   * load it had, which must not count as the new page). */
  if (shot->reload_id == 0)
    shot->reload_id = g_idle_add (reload_cb, shot);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Screenshot *shot = user_data;

  shot->timeout_id = 0;
  fail (shot, "the page did not finish loading in %d seconds", TIMEOUT_SECONDS);
  return G_SOURCE_REMOVE;
}

/* Watches @window's page for --screenshot @path. The state lives as long
 * as the app, since a snapshot or the settle script may still answer while
 * the app quits. */
void
_atrium_screenshot_start (AtriumApp    *app,
                          AtriumWindow *window,
                          const char   *path)
{
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  Screenshot *shot = g_new0 (Screenshot, 1);

  shot->app = app;
  shot->web_view = g_object_ref (web_view);
  shot->path = g_strdup (path);
  shot->cancellable = g_cancellable_new ();
  g_object_set_data_full (G_OBJECT (app), "atrium-screenshot", shot,
                          (GDestroyNotify) screenshot_free);

  g_signal_connect (web_view, "load-changed", G_CALLBACK (load_changed_cb), shot);
  g_signal_connect (web_view, "load-failed", G_CALLBACK (load_failed_cb), shot);
  g_signal_connect (web_view, "web-process-terminated",
                    G_CALLBACK (web_process_terminated_cb), shot);
  shot->timeout_id = g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, shot);
}

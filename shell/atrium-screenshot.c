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

/* WebKit fails a snapshot now and then on a loaded machine ("There was an
 * error creating the snapshot"); a later one works. Retries back off from
 * 50 ms, doubling: about 1.5 s in all before giving up. */
#define SNAPSHOT_ATTEMPTS 6
#define SNAPSHOT_RETRY_MS 50

typedef struct
{
  AtriumApp     *app;
  WebKitWebView *web_view;
  char          *path;
  guint          timeout_id;
  guint          retry_id;
  guint          attempts;
} Screenshot;

static void
screenshot_free (Screenshot *shot)
{
  g_clear_handle_id (&shot->timeout_id, g_source_remove);
  g_clear_handle_id (&shot->retry_id, g_source_remove);
  g_clear_object (&shot->web_view);
  g_free (shot->path);
  g_free (shot);
}

static void
finish (Screenshot *shot,
        int         status)
{
  g_clear_handle_id (&shot->timeout_id, g_source_remove);
  g_clear_handle_id (&shot->retry_id, g_source_remove);
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
                                WEBKIT_SNAPSHOT_OPTIONS_NONE, NULL, snapshot_ready_cb, shot);
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

  if (event != WEBKIT_LOAD_FINISHED)
    return;

  g_signal_handlers_disconnect_by_data (web_view, shot);
  resource = webkit_web_view_get_main_resource (web_view);
  response = resource != NULL ? webkit_web_resource_get_response (resource) : NULL;
  status = response != NULL ? webkit_uri_response_get_status_code (response) : 0;
  if (status >= 400)
    {
      fail (shot, "could not load %s: HTTP status %u", webkit_web_view_get_uri (web_view), status);
      return;
    }

  webkit_web_view_call_async_javascript_function (web_view, settle, -1, NULL, NULL, NULL, NULL,
                                                  page_settled_cb, shot);
}

static gboolean
load_failed_cb (WebKitWebView   *web_view,
                WebKitLoadEvent  event,
                const char      *uri,
                GError          *error,
                Screenshot      *shot)
{
  g_signal_handlers_disconnect_by_data (web_view, shot);
  fail (shot, "could not load %s: %s", uri, error->message);
  return TRUE;
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
  g_object_set_data_full (G_OBJECT (app), "atrium-screenshot", shot,
                          (GDestroyNotify) screenshot_free);

  g_signal_connect (web_view, "load-changed", G_CALLBACK (load_changed_cb), shot);
  g_signal_connect (web_view, "load-failed", G_CALLBACK (load_failed_cb), shot);
  shot->timeout_id = g_timeout_add_seconds (TIMEOUT_SECONDS, timeout_cb, shot);
}

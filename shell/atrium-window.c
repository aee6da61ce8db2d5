#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Window"
#include "config.h"

#include "atrium-window-private.h"
#include "atrium-window-frame-private.h"
#include "atrium-window-drop-private.h"
#include "atrium-window-state-file-private.h"
#include "atrium-window-state-private.h"

#include "atrium-app-private.h"
#include "atrium-builtin-menu-private.h"
#include "atrium-builtins-private.h"
#include "atrium-downloads-private.h"
#include "atrium-wire-private.h"
#include "atrium-events-private.h"
#include "atrium-log-limit-private.h"
#include "atrium-scheme-private.h"

#include <string.h>

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#include <X11/Xatom.h>
#endif

/* How many app windows the runtime may have asked for at once, and for how
 * long such a grant holds. */
#define OPEN_GRANTS_MAX 16
#define OPEN_GRANT_LIFETIME (10 * G_USEC_PER_SEC)

/* How long a page may take to answer a close request by default. */
#define DEFAULT_CLOSE_TIMEOUT_MS 5000

typedef struct
{
  char   *uri;
  gint64  expires;   /* monotonic µs */
} OpenGrant;

struct _AtriumWindow
{
  GtkApplicationWindow  parent_instance;

  AtriumApp            *app;           /* held until dispose: see there */
  WebKitWebView        *web_view;
  AtriumBridge         *bridge;
  AtriumEvents         *events;       /* the app's, which we keep alive */
  AtriumEventDelivery  *event_delivery;
  gboolean              process_gone;  /* its web process ended; no new page since */
  guint                 id;
  char                 *gesture_uri;   /* last navigation the user asked for */
  gboolean              gesture_link;  /* …and it was a link's (in the top frame: see
                                        * on_decide_policy_cb()) */
  char                 *app_uri;       /* the last app page the top frame committed */
  char                 *foreign_frame; /* the page holds a frame of another origin: its
                                        * origin, as the extension said; NULL: none */
  GQueue                open_grants;   /* OpenGrant: app windows the runtime asked for */
  AtriumWindowRefusals  refused;

  /* Sizes the page may not grow past (-1: no limit); GTK 4 has none. */
  int                   max_width;
  int                   max_height;
  guint                 max_size_idle;

  /* Close interception: the page asked to be asked (onCloseRequested), the
   * request it has not answered yet, and whether the next close-request is
   * one that was asked already and goes through. */
  guint                 close_timeout_ms;
  guint64               close_serial;
  guint                 close_timeout;  /* source while a request waits */
  gint64                close_asked_us; /* when it was asked (monotonic) */
  gboolean              page_intercepts_close;
  gboolean              close_confirmed;
};

G_DEFINE_FINAL_TYPE (AtriumWindow, atrium_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_APP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  NAVIGATION_BLOCKED,
  CLOSE_REQUESTED,
  WEB_PROCESS_GONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
open_externally (AtriumWindow *self,
                 const char   *uri)
{
  /* Only the web's own schemes leave the app; file:, data:, javascript: and
   * anything else a page might try are dropped. */
  if (!g_str_has_prefix (uri, "https:") && !g_str_has_prefix (uri, "http:")
      && !g_str_has_prefix (uri, "mailto:"))
    {
      _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Blocked a navigation to %s", uri);
      return;
    }

  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Opening %s in the default browser", uri);
  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

static void
block (AtriumWindow *self,
       const char   *uri,
       gboolean      user_gesture)
{
  gboolean handled = FALSE;

  g_signal_emit (self, signals[NAVIGATION_BLOCKED], 0, uri, user_gesture, &handled);
}

/* What WebKit would save as a download: an attachment, or a type it cannot
 * show. */
static gboolean
is_download (WebKitResponsePolicyDecision *response)
{
  WebKitURIResponse *uri_response = webkit_response_policy_decision_get_response (response);
  SoupMessageHeaders *headers = webkit_uri_response_get_http_headers (uri_response);
  const char *disposition = headers != NULL
    ? soup_message_headers_get_one (headers, "Content-Disposition") : NULL;

  if (disposition != NULL && g_ascii_strncasecmp (disposition, "attachment", 10) == 0)
    return TRUE;
  return !webkit_response_policy_decision_is_mime_type_supported (response);
}

void
_atrium_window_note_refused_download (AtriumWindow *self)
{
  self->refused.downloads++;
}

static gboolean
atrium_window_real_navigation_blocked (AtriumWindow *self,
                                       const char   *uri,
                                       gboolean      user_gesture)
{
  if (user_gesture)
    open_externally (self, uri);
  else
    _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Blocked a navigation away from the app to %s", uri);
  return TRUE;
}

static void
open_grant_free (OpenGrant *grant)
{
  g_free (grant->uri);
  g_free (grant);
}

/* The runtime in this window's top frame is about to open @uri in a new
 * window (window.open(), a link with a target): remember that it asked.
 * WebKitGTK does not say which frame a new-window request comes from, and
 * a sandboxed or foreign frame with allow-popups must not open privileged
 * app windows at a path of its choosing; only the runtime, which holds the
 * token, can grant one. */
void
_atrium_window_grant_open (AtriumWindow *self,
                           const char   *uri,
                           gsize         length)
{
  OpenGrant *grant;

  while (g_queue_get_length (&self->open_grants) >= OPEN_GRANTS_MAX)
    open_grant_free (g_queue_pop_head (&self->open_grants));
  grant = g_new0 (OpenGrant, 1);
  grant->uri = g_strndup (uri, length);
  grant->expires = g_get_monotonic_time () + OPEN_GRANT_LIFETIME;
  g_queue_push_tail (&self->open_grants, grant);
}

static gboolean
take_open_grant (AtriumWindow *self,
                 const char   *uri)
{
  gint64 now = g_get_monotonic_time ();

  for (GList *l = self->open_grants.head; l != NULL;)
    {
      OpenGrant *grant = l->data;
      GList *next = l->next;

      if (grant->expires <= now || strcmp (grant->uri, uri) == 0)
        {
          gboolean match = grant->expires > now;

          g_queue_delete_link (&self->open_grants, l);
          open_grant_free (grant);
          if (match)
            return TRUE;
        }
      l = next;
    }
  return FALSE;
}

/* A page asks for a new window on @uri: an app window when the app's own
 * runtime asked for it and the app has room for one more; the browser for
 * what the user clicked elsewhere; nothing otherwise. */
static void
open_from_page (AtriumWindow           *self,
                WebKitNavigationAction *action,
                const char             *uri)
{
  AtriumApp *app = atrium_window_get_app (self);
  g_autoptr(GError) error = NULL;

  if (app == NULL || !_atrium_app_is_app_uri (app, uri))
    {
      block (self, uri, webkit_navigation_action_is_user_gesture (action));
      return;
    }
  if (!take_open_grant (self, uri))
    {
      self->refused.opens++;
      _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused to open %s: only the app's own top "
                        "frame opens app windows", uri);
      return;
    }
  if (!atrium_app_may_open_window (app, &error))
    {
      self->refused.opens++;
      _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused to open %s: %s", uri, error->message);
      return;
    }
  atrium_app_open_window (app, uri);
}

/* window.open() and links with a target: WebKit asks for a new web view. */
static WebKitWebView *
on_create_cb (WebKitWebView          *web_view,
              WebKitNavigationAction *action,
              AtriumWindow           *self)
{
  const char *uri = webkit_uri_request_get_uri (webkit_navigation_action_get_request (action));

  open_from_page (self, action, uri);

  /* The page's window.open() returns null: the new window, if any, is an
   * app window of its own, not a child the opener can script. */
  return NULL;
}

/* The window never leaves the app: a page of another origin in the top
 * frame would be a page the user trusts with the app's native methods.
 *
 * Navigation actions arrive for every frame and WebKitGTK does not say which
 * frame they target, so foreign iframes (an embedded video, a sandboxed
 * srcdoc) are let through there — the runtime is never injected into them
 * and the bridge refuses their messages — and the top frame is held at the
 * response, the first point that knows it is the main frame. What the user
 * clicked opens in their browser instead. */
static gboolean
on_decide_policy_cb (WebKitWebView            *web_view,
                     WebKitPolicyDecision     *decision,
                     WebKitPolicyDecisionType  type,
                     AtriumWindow             *self)
{
  AtriumApp *app = atrium_window_get_app (self);
  WebKitNavigationAction *action;
  const char *uri;

  if (app == NULL)
    return FALSE;

  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    {
      WebKitResponsePolicyDecision *response = WEBKIT_RESPONSE_POLICY_DECISION (decision);

      /* What WebKit would save as a download (an attachment, a type it
       * cannot show) becomes one only from the app's own origin; the
       * policy and the dialog come once it starts (atrium-downloads.c).
       * Another origin's, in any frame, is refused here, before a byte of
       * it arrives. */
      if (is_download (response))
        {
          uri = webkit_uri_request_get_uri (webkit_response_policy_decision_get_request (response));
          /* The app's own file: WebKit's network process, which would
           * download it, does not serve app://, so it is read from the
           * assets and written by us instead. Only for the top frame: a
           * frame cannot be told apart from a foreign one that navigated
           * itself there. And where the page holds a frame of another
           * origin, only on the user's click: that frame can navigate the
           * top frame, and WebKit does not say who did. */
          if (g_str_has_prefix (uri, ATRIUM_ORIGIN "/") && _atrium_app_is_app_uri (app, uri))
            {
              webkit_policy_decision_ignore (decision);
              if (webkit_response_policy_decision_is_main_frame_main_resource (response)
                  && self->foreign_frame != NULL
                  && (g_strcmp0 (uri, self->gesture_uri) != 0 || !self->gesture_link))
                {
                  self->refused.downloads++;
                  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused a download of %s: the page "
                                    "holds a frame of another origin (%s), and the user did "
                                    "not click for it", uri, self->foreign_frame);
                  return TRUE;
                }
              if (webkit_response_policy_decision_is_main_frame_main_resource (response))
                {
                  WebKitURIResponse *answer =
                    webkit_response_policy_decision_get_response (response);

                  _atrium_downloads_start_app_file (
                    app, self, uri, webkit_uri_response_get_suggested_filename (answer));
                  return TRUE;
                }
              self->refused.downloads++;
              _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused a download of %s: only the app's "
                                "top frame downloads its files", uri);
              return TRUE;
            }
          if (_atrium_downloads_may_start (app, uri))
            {
              webkit_policy_decision_download (decision);
              return TRUE;
            }
          webkit_policy_decision_ignore (decision);
          self->refused.downloads++;
          _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused a download of %s: only the app's own "
                            "pages download, not a frame of another origin", uri);
          return TRUE;
        }
      if (!webkit_response_policy_decision_is_main_frame_main_resource (response))
        return FALSE;
      uri = webkit_uri_request_get_uri (webkit_response_policy_decision_get_request (response));
      if (_atrium_app_is_app_uri (app, uri))
        return FALSE;

      webkit_policy_decision_ignore (decision);
      block (self, uri, g_strcmp0 (uri, self->gesture_uri) == 0);
      return TRUE;
    }

  action = webkit_navigation_policy_decision_get_navigation_action (
             WEBKIT_NAVIGATION_POLICY_DECISION (decision));
  uri = webkit_uri_request_get_uri (webkit_navigation_action_get_request (action));

  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION)
    {
      /* app:// never redirects, so a redirect that lands there started on
       * another origin: a web page must not bring up an app page (with the
       * runtime, in the top frame) at a path of its choosing. */
      if (webkit_navigation_action_is_redirect (action)
          && g_str_has_prefix (uri, ATRIUM_ORIGIN "/"))
        {
          webkit_policy_decision_ignore (decision);
          self->refused.redirects++;
          _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Blocked a redirect from another origin to %s",
                            uri);
          return TRUE;
        }
      /* Remembered for the response: a click on a link to the web opens
       * the browser once the top frame turns out to be its target. */
      g_free (self->gesture_uri);
      self->gesture_uri = webkit_navigation_action_is_user_gesture (action) ? g_strdup (uri) : NULL;
      /* A gesture is not a click on this link: WebKit carries the user's
       * gesture into a foreign frame's message handler when the app's own
       * click handler posts to it, and that frame can then set
       * top.location. Such a navigation is not a link's; a foreign frame's
       * link with target=_top comes as a new window instead (refused in
       * open_from_page()). So where the page holds a foreign frame, an app
       * file downloads only for a link the user clicked. */
      self->gesture_link = self->gesture_uri != NULL
                           && webkit_navigation_action_get_navigation_type (action)
                              == WEBKIT_NAVIGATION_TYPE_LINK_CLICKED;
      return FALSE;
    }

  if (type != WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION)
    return FALSE;

  webkit_policy_decision_ignore (decision);
  /* window.open() and target=_blank on the app's own pages open another
   * app window. */
  open_from_page (self, action, uri);
  return TRUE;
}

/* The top frame failed to load a page of another origin: WebKit would
 * show its error page there, at that URL, with no way back to the app.
 * The window stays on the page it has. */
static gboolean
on_load_failed_cb (WebKitWebView   *web_view,
                   WebKitLoadEvent  event,
                   const char      *uri,
                   GError          *error,
                   AtriumWindow    *self)
{
  AtriumApp *app = atrium_window_get_app (self);

  if (app == NULL || _atrium_app_is_app_uri (app, uri))
    return FALSE;
  if (!g_error_matches (error, WEBKIT_POLICY_ERROR,
                        WEBKIT_POLICY_ERROR_FRAME_LOAD_INTERRUPTED_BY_POLICY_CHANGE)
      && !g_error_matches (error, WEBKIT_NETWORK_ERROR, WEBKIT_NETWORK_ERROR_CANCELLED))
    block (self, uri, g_strcmp0 (uri, self->gesture_uri) == 0);
  return TRUE;
}

static gboolean
on_load_failed_with_tls_errors_cb (WebKitWebView        *web_view,
                                   const char           *uri,
                                   GTlsCertificate      *certificate,
                                   GTlsCertificateFlags  errors,
                                   AtriumWindow         *self)
{
  AtriumApp *app = atrium_window_get_app (self);

  /* No "accept this certificate" page either. */
  return app != NULL && !_atrium_app_is_app_uri (app, uri);
}

/* Whatever slipped past the policy (about:blank, about:srcdoc, a document
 * WebKit commits without a response) is caught where the top frame
 * commits it: the window goes back to the app page it had. */
/* The web process extension's word that the page holds a frame of another
 * origin (atrium-wire-private.h), ahead of anything that frame's scripts
 * do. It holds until the top frame commits a new page: the page cache is
 * off, so a page never comes back with its old frames unseen. Whatever the
 * parameters, the word counts: it can only take things away. */
static gboolean
on_user_message_cb (WebKitWebView     *web_view,
                    WebKitUserMessage *message,
                    AtriumWindow      *self)
{
  GVariant *params;
  const char *origin = "unknown";

  if (g_strcmp0 (webkit_user_message_get_name (message), ATRIUM_WIRE_FOREIGN_FRAME) != 0)
    return FALSE;
  params = webkit_user_message_get_parameters (message);
  if (params != NULL && g_variant_is_of_type (params, G_VARIANT_TYPE (ATRIUM_WIRE_FOREIGN_FRAME_TYPE)))
    g_variant_get (params, "(&s)", &origin);
  if (self->foreign_frame == NULL)
    self->foreign_frame = g_utf8_make_valid (origin, MIN (strlen (origin), FOREIGN_ORIGIN_MAX));
  return TRUE;
}

/**
 * _atrium_window_get_foreign_frame:
 *
 * Returns: (nullable): the origin of a frame of another origin the page
 *   holds (the first the web process extension told of), or %NULL. Such a
 *   page gets no device (atrium-permissions.c) and no app file downloads
 *   without the user's click: WebKitGTK does not say which frame asks.
 */
const char *
_atrium_window_get_foreign_frame (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), NULL);

  return self->foreign_frame;
}

static void
on_load_changed_cb (WebKitWebView   *web_view,
                    WebKitLoadEvent  event,
                    AtriumWindow    *self)
{
  /* A handler of navigation-blocked may close or destroy the window. */
  g_autoptr(AtriumWindow) hold = g_object_ref (self);
  AtriumApp *app = atrium_window_get_app (self);
  const char *uri;

  if (event == WEBKIT_LOAD_COMMITTED)
    g_clear_pointer (&self->foreign_frame, g_free);
  if (app == NULL || event != WEBKIT_LOAD_COMMITTED)
    return;
  self->process_gone = FALSE;
  /* A new page: the old one's grants, uploads and say in closing go with it. */
  g_queue_clear_full (&self->open_grants, (GDestroyNotify) open_grant_free);
  self->page_intercepts_close = FALSE;
  if (self->bridge != NULL)
    _atrium_bridge_page_changed (self->bridge);
  uri = webkit_web_view_get_uri (web_view);
  if (uri != NULL && _atrium_app_is_app_uri (app, uri))
    {
      g_free (self->app_uri);
      self->app_uri = g_strdup (uri);
      return;
    }

  block (self, uri != NULL ? uri : "", FALSE);
  if (self->web_view == NULL)
    return;
  if (self->app_uri != NULL)
    webkit_web_view_load_uri (web_view, self->app_uri);
  else
    atrium_window_load (self, "/");
}

static void
on_download_started_cb (WebKitNetworkSession *session,
                        WebKitDownload       *download,
                        AtriumWindow         *self)
{
  AtriumApp *app = atrium_window_get_app (self);

  if (webkit_download_get_web_view (download) != self->web_view)
    return;
  if (app == NULL)
    {
      webkit_download_cancel (download);
      return;
    }
  _atrium_downloads_started (app, self, download);
}

static void
on_web_process_terminated_cb (WebKitWebView                     *web_view,
                              WebKitWebProcessTerminationReason  reason,
                              AtriumWindow                      *self)
{
  /* A method's cancel handler may close or destroy the window. */
  g_autoptr(AtriumWindow) hold = g_object_ref (self);
  const char *name = "terminated";   /* the signal's reason */
  const char *why = "was ended by the app";

  if (reason == WEBKIT_WEB_PROCESS_CRASHED)
    name = why = "crashed";
  else if (reason == WEBKIT_WEB_PROCESS_EXCEEDED_MEMORY_LIMIT)
    {
      name = "memory-limit";
      why = "went over its memory limit";
    }

  self->process_gone = TRUE;
  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Window %u's web process %s", self->id, why);
  /* The calls first: a handler that reloads the page starts afresh. */
  if (self->bridge != NULL)
    _atrium_bridge_process_gone (self->bridge);
  if (self->web_view != NULL)
    g_signal_emit (self, signals[WEB_PROCESS_GONE], 0, name);
}

/* Whether a new window may join this one's web process: not one that has
 * ended (a view related to it never loads). */
gboolean
_atrium_window_has_live_process (AtriumWindow *self)
{
  return self->web_view != NULL && !self->process_gone;
}

static void
atrium_window_constructed (GObject *object)
{
  AtriumWindow *self = ATRIUM_WINDOW (object);
  AtriumApp *app = self->app;
  g_autoptr(WebKitUserContentManager) manager = webkit_user_content_manager_new ();
  WebKitWebView *related;
  WebKitSettings *settings;
  GtkWidget *box;

  G_OBJECT_CLASS (atrium_window_parent_class)->constructed (object);

  /* GtkWindow:application is not a construct property, so the app comes in
   * through our own and the window joins it here, before the web view that
   * needs its context is made. */
  g_assert (ATRIUM_IS_APP (app));
  gtk_window_set_application (GTK_WINDOW (self), GTK_APPLICATION (app));
  /* The first window starts the app: its settings are fixed from here. */
  _atrium_app_start (app);

  /* Another window's view, if the app shares a web process between its
   * windows (atrium_app_set_isolated_windows()): its context is ours. */
  related = _atrium_app_get_related_view (app, self);
  if (related != NULL)
    self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                   "related-view", related,
                                   "user-content-manager", manager,
                                   NULL);
  else
    self->web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                                   "web-context", atrium_app_get_web_context (app),
                                   "user-content-manager", manager,
                                   NULL);
  {
    AtriumBridgeSetup setup;

    _atrium_app_get_bridge_setup (app, &setup);
    self->bridge = _atrium_bridge_new (&setup, self, manager);
  }
  /* Frames of other origins get nothing from app:// (see atrium-scheme.c). */
  _atrium_scheme_guard_frames (app, manager);
  self->events = _atrium_app_get_events (app);
  self->event_delivery = _atrium_events_add_window (self->events, self->id, self->web_view);

  settings = webkit_web_view_get_settings (self->web_view);
  webkit_settings_set_enable_developer_extras (settings, atrium_app_get_devtools (app)
                                                         || g_getenv ("ATRIUM_DEVTOOLS") != NULL);
  webkit_settings_set_enable_back_forward_navigation_gestures (settings, FALSE);
  /* A page back from the page cache would bring its frames back without
   * the web process extension seeing them again: the window would not know
   * that it holds a frame of another origin (on_user_message_cb()). */
  webkit_settings_set_enable_page_cache (settings, FALSE);

  g_signal_connect_object (self->web_view, "decide-policy",
                           G_CALLBACK (on_decide_policy_cb), self, 0);
  g_signal_connect_object (self->web_view, "create", G_CALLBACK (on_create_cb), self, 0);
  g_signal_connect_object (self->web_view, "load-failed", G_CALLBACK (on_load_failed_cb), self, 0);
  g_signal_connect_object (self->web_view, "load-failed-with-tls-errors",
                           G_CALLBACK (on_load_failed_with_tls_errors_cb), self, 0);
  g_signal_connect_object (self->web_view, "web-process-terminated",
                           G_CALLBACK (on_web_process_terminated_cb), self, 0);
  g_signal_connect_object (self->web_view, "user-message-received",
                           G_CALLBACK (on_user_message_cb), self, 0);
  g_signal_connect_object (self->web_view, "load-changed", G_CALLBACK (on_load_changed_cb), self,
                           0);
  g_signal_connect_object (webkit_web_view_get_network_session (self->web_view),
                           "download-started", G_CALLBACK (on_download_started_cb), self, 0);

  /* In a box, so that a menu bar can go above it (atrium-builtin-menu.c);
   * GtkApplicationWindow's own bar would show only the app's menu. */
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_vexpand (GTK_WIDGET (self->web_view), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->web_view), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->web_view));
  gtk_window_set_child (GTK_WINDOW (self), box);
  gtk_application_window_set_show_menubar (GTK_APPLICATION_WINDOW (self), FALSE);
  _atrium_window_frame_init (GTK_WINDOW (self));
  _atrium_window_drop_init (self);
  _atrium_builtin_window_attach (self);
  _atrium_builtin_menu_attach (self);
  _atrium_app_window_created (app, self);
}

static gboolean
release_view_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static void
atrium_window_dispose (GObject *object)
{
  AtriumWindow *self = ATRIUM_WINDOW (object);

  g_clear_handle_id (&self->close_timeout, g_source_remove);
  g_clear_handle_id (&self->max_size_idle, g_source_remove);
  if (self->web_view != NULL)
    {
      _atrium_builtin_menu_detach (self);
      _atrium_builtin_window_detach (self);
    }

  /* Drop the calls in flight before the web view goes, so no reply is ever
   * sent to a page that has been torn down. */
  if (self->bridge != NULL)
    {
      _atrium_bridge_close (self->bridge);
      g_clear_object (&self->bridge);
    }
  /* Events for this window stop here: emitters waiting for its page are
   * released and what it had not received yet is freed. */
  if (self->event_delivery != NULL)
    _atrium_events_remove_window (self->events, g_steal_pointer (&self->event_delivery));
  /* The window may go from app code run inside one of the view's own
   * signals (a method, a listener, navigation-blocked from load-failed),
   * and WebKit reads its view after some of them return without holding
   * it (after web-process-terminated: valgrind saw it): then the view
   * lives until the main loop is back. A nested main loop run by that app
   * code would release it sooner. */
  if (self->web_view != NULL && g_signal_get_invocation_hint (self->web_view) != NULL)
    g_idle_add_full (G_PRIORITY_HIGH, release_view_cb, g_object_ref (self->web_view),
                     g_object_unref);
  self->web_view = NULL;
  g_clear_pointer (&self->gesture_uri, g_free);
  g_clear_pointer (&self->foreign_frame, g_free);
  g_clear_pointer (&self->app_uri, g_free);
  g_queue_clear_full (&self->open_grants, (GDestroyNotify) open_grant_free);
  /* Last: the window may hold the app's last reference (GTK lets go of
   * its own before dispose), and what the window let go of above (the
   * bridge, its queue on the bus) belongs to the app. */
  g_clear_object (&self->app);

  G_OBJECT_CLASS (atrium_window_parent_class)->dispose (object);
}

static void
atrium_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  AtriumWindow *self = ATRIUM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_APP:
      self->app = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* --- closing --- */

static void
close_now (AtriumWindow *self)
{
  self->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
close_now_cb (gpointer data)
{
  AtriumWindow *self = data;

  if (self->web_view != NULL)
    close_now (self);
  return G_SOURCE_REMOVE;
}

static gboolean
close_timeout_cb (gpointer data)
{
  AtriumWindow *self = data;

  self->close_timeout = 0;
  g_warning ("Window %u: its page did not answer a close request within %u ms; closing it",
             self->id, self->close_timeout_ms);
  close_now (self);
  return G_SOURCE_REMOVE;
}

static gboolean
deadline_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  return callback (user_data);
}

/* A source due at an instant rather than after an interval: the close
 * timeout is counted from the asking, whenever its length is set. */
static GSourceFuncs deadline_funcs = { NULL, NULL, deadline_dispatch, NULL, NULL, NULL };

static void
arm_close_timeout (AtriumWindow *self)
{
  GSource *source = g_source_new (&deadline_funcs, sizeof (GSource));

  g_source_set_static_name (source, "[atrium] close timeout");
  g_source_set_ready_time (source, self->close_asked_us + (gint64) self->close_timeout_ms * 1000);
  g_source_set_callback (source, close_timeout_cb, self, NULL);
  self->close_timeout = g_source_attach (source, NULL);
  g_source_unref (source);
}

/* The close button, the window manager's close (Alt+F4), gtk_window_close()
 * and atrium.window.close() all come here. C is asked first (the
 * close-requested signal), then the page if it asked to be, for at most
 * close_timeout_ms; the window then closes, or stays if either said no. */
static gboolean
atrium_window_close_request (GtkWindow *window)
{
  AtriumWindow *self = ATRIUM_WINDOW (window);
  AtriumApp *app = atrium_window_get_app (self);
  g_autoptr(JsonNode) data = NULL;
  g_autoptr(JsonObject) object = NULL;
  GtkWindowClass *parent = GTK_WINDOW_CLASS (atrium_window_parent_class);
  gboolean keep = FALSE;

  /* Asked and allowed: once only (a hide-on-close window asks again). */
  if (self->close_confirmed)
    {
      self->close_confirmed = FALSE;
      return parent->close_request (window);
    }

  g_signal_emit (self, signals[CLOSE_REQUESTED], 0, &keep);
  if (keep)
    {
      if (app != NULL)
        _atrium_app_close_refused (app);
      return TRUE;
    }

  if (!self->page_intercepts_close || app == NULL
      || !_atrium_builtins_group_check (app, &_atrium_builtin_window_group, NULL))
    return parent->close_request (window);

  /* Asked already: the page's answer (or the timeout) decides. */
  if (self->close_timeout != 0)
    return TRUE;

  object = json_object_new ();
  json_object_set_int_member (object, "id", self->id);
  json_object_set_int_member (object, "serial", (gint64) ++self->close_serial);
  data = json_node_init_object (json_node_alloc (), object);
  if (!_atrium_app_emit_builtin (app, self->id, 0, "atrium:window.close-requested", data))
    return parent->close_request (window);
  self->close_asked_us = g_get_monotonic_time ();
  arm_close_timeout (self);
  return TRUE;
}

void
_atrium_window_set_page_intercepts_close (AtriumWindow *self,
                                          gboolean      intercepts)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (self));

  self->page_intercepts_close = !!intercepts;
}

/* The page's answer to close request @serial. Returns FALSE for a serial
 * that is not the one waiting (answered already, or timed out). */
gboolean
_atrium_window_answer_close (AtriumWindow *self,
                             guint64       serial,
                             gboolean      prevent)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), FALSE);

  if (self->close_timeout == 0 || serial != self->close_serial)
    return FALSE;
  g_clear_handle_id (&self->close_timeout, g_source_remove);
  /* From the main loop: the answer comes in a call from this window's
   * page, whose bridge must outlive the handler of that message. */
  if (!prevent)
    g_idle_add_full (G_PRIORITY_DEFAULT, close_now_cb, g_object_ref (self), g_object_unref);
  else if (atrium_window_get_app (self) != NULL)
    _atrium_app_close_refused (atrium_window_get_app (self));
  return TRUE;
}

void
_atrium_window_destroy (AtriumWindow *self)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (self));

  g_clear_handle_id (&self->close_timeout, g_source_remove);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* --- size --- */

static gboolean
max_size_idle_cb (gpointer data)
{
  AtriumWindow *self = data;
  GtkWindow *window = GTK_WINDOW (self);
  int width, height;

  self->max_size_idle = 0;
  if (self->web_view == NULL || gtk_window_is_maximized (window)
      || gtk_window_is_fullscreen (window))
    return G_SOURCE_REMOVE;
  width = gtk_widget_get_width (GTK_WIDGET (self->web_view));
  height = gtk_widget_get_height (GTK_WIDGET (self->web_view));
  if ((self->max_width > 0 && width > self->max_width)
      || (self->max_height > 0 && height > self->max_height))
    gtk_window_set_default_size (window,
                                 self->max_width > 0 ? MIN (width, self->max_width) : width,
                                 self->max_height > 0 ? MIN (height, self->max_height) : height);
  return G_SOURCE_REMOVE;
}

static void
atrium_window_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  AtriumWindow *self = ATRIUM_WINDOW (widget);

  GTK_WIDGET_CLASS (atrium_window_parent_class)->size_allocate (widget, width, height, baseline);

  if (self->web_view == NULL)
    return;
  /* Not from inside the allocation: a new default size queues another. */
  if ((self->max_width > 0 || self->max_height > 0) && self->max_size_idle == 0)
    self->max_size_idle = g_idle_add (max_size_idle_cb, self);
  _atrium_builtin_window_allocated (self);
}

static void
atrium_window_class_init (AtriumWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = atrium_window_constructed;
  object_class->dispose = atrium_window_dispose;
  object_class->set_property = atrium_window_set_property;
  widget_class->size_allocate = atrium_window_size_allocate;
  window_class->close_request = atrium_window_close_request;

  /**
   * AtriumWindow:app:
   *
   * The app whose assets and methods the window's pages use.
   */
  properties[PROP_APP] =
    g_param_spec_object ("app", NULL, NULL,
                         ATRIUM_TYPE_APP,
                         (G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AtriumWindow::navigation-blocked:
   * @self: the window
   * @uri: where the page tried to go
   * @user_gesture: whether the user asked for it (a click)
   *
   * The page tried to navigate the window, or open a new one, away from the
   * app's origin. The window stays where it is. The default handler opens
   * what the user asked for in the default browser; return %TRUE from a
   * handler to do something else instead.
   *
   * Returns: %TRUE if the navigation was dealt with
   */
  signals[NAVIGATION_BLOCKED] =
    g_signal_new_class_handler ("navigation-blocked",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST,
                                G_CALLBACK (atrium_window_real_navigation_blocked),
                                g_signal_accumulator_true_handled, NULL, NULL,
                                G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  /**
   * AtriumWindow::close-requested:
   * @self: the window
   *
   * Someone asked the window to close: the title bar's close button, the
   * window manager (Alt+F4), gtk_window_close() or the page's
   * `atrium.window.close()`. Emitted before the page is asked (if it set
   * `atrium.window.onCloseRequested()`); return %TRUE to keep the window
   * open, for an "unsaved changes" dialog say, and call gtk_window_close()
   * again later to ask again. gtk_window_destroy() and the page's
   * `atrium.window.destroy()` do not ask.
   *
   * Returns: %TRUE to keep the window open
   */
  signals[CLOSE_REQUESTED] =
    g_signal_new ("close-requested",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 0);

  /**
   * AtriumWindow::web-process-gone:
   * @self: the window
   * @reason: why: `"crashed"`, `"memory-limit"` (WebKit ended it for
   *   using too much memory) or `"terminated"` (the app ended it,
   *   webkit_web_view_terminate_web_process())
   *
   * The web process that ran the window's page has ended, and the page
   * with it: the window shows nothing until a page is loaded again. By
   * the time this is emitted every call the page had in flight is
   * cancelled (atrium_call_is_cancelled() says so, and whatever the
   * methods answer goes nowhere). Windows that share a web process
   * (atrium_app_set_isolated_windows()) each get it. A handler may load
   * the page again with atrium_window_load(); it should not do so without
   * end for a page that takes its process down as it loads.
   */
  signals[WEB_PROCESS_GONE] =
    g_signal_new ("web-process-gone",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
atrium_window_init (AtriumWindow *self)
{
  static guint next_id = 1;

  /* Ids are never reused, so an id a worker kept names no other window. */
  self->id = g_atomic_int_add (&next_id, 1);
  self->max_width = -1;
  self->max_height = -1;
  self->close_timeout_ms = DEFAULT_CLOSE_TIMEOUT_MS;
  gtk_window_set_default_size (GTK_WINDOW (self), 960, 640);
}

/**
 * atrium_window_new:
 * @app: the app the window belongs to
 *
 * Creates a window whose web view serves @app's assets and reaches its
 * bound methods. Set its title, size and the rest through #GtkWindow, then
 * atrium_window_load() and gtk_window_present().
 *
 * Returns: (transfer none): the new window, owned by GTK until it closes
 */
AtriumWindow *
atrium_window_new (AtriumApp *app)
{
  g_return_val_if_fail (ATRIUM_IS_APP (app), NULL);

  return g_object_new (ATRIUM_TYPE_WINDOW, "app", app, NULL);
}

/**
 * atrium_window_get_app:
 *
 * Returns: (transfer none) (nullable): the window's app, or %NULL once the
 *   window has been removed from it
 */
AtriumApp *
atrium_window_get_app (AtriumWindow *self)
{
  GtkApplication *app;

  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), NULL);

  app = gtk_window_get_application (GTK_WINDOW (self));
  return ATRIUM_IS_APP (app) ? ATRIUM_APP (app) : NULL;
}

/**
 * atrium_window_get_web_view:
 *
 * Returns: (transfer none) (nullable): the web view, or %NULL once the
 *   window is being destroyed
 */
WebKitWebView *
atrium_window_get_web_view (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), NULL);

  return self->web_view;
}

/**
 * atrium_window_load:
 * @path_or_uri: a path in the app such as `/` or `/settings.html`, or a
 *   whole URI of the app's origin
 *
 * Loads a page of the app in the window.
 */
void
atrium_window_load (AtriumWindow *self,
                    const char   *path_or_uri)
{
  g_autofree char *uri = NULL;

  g_return_if_fail (ATRIUM_IS_WINDOW (self));
  g_return_if_fail (path_or_uri != NULL);
  g_return_if_fail (self->web_view != NULL);

  /* A path is in the app's origin: app://localhost, or its dev server. */
  if (atrium_window_get_app (self) != NULL)
    uri = _atrium_app_resolve (atrium_window_get_app (self), path_or_uri);
  else if (path_or_uri[0] == '/')
    uri = g_strconcat (ATRIUM_ORIGIN, path_or_uri, NULL);
  else
    uri = g_strdup (path_or_uri);

  g_debug ("Window %u loads %s", self->id, uri);
  /* Not before the window's frame guard is on (see atrium-scheme.c). */
  if (atrium_window_get_app (self) != NULL)
    _atrium_scheme_load_guarded (atrium_window_get_app (self), self->web_view, uri);
  else
    webkit_web_view_load_uri (self->web_view, uri);
}

/**
 * atrium_window_set_min_size:
 * @width: the least width of the page, or -1 for none
 * @height: the least height of the page, or -1 for none
 *
 * Keeps the user from making the window smaller than this.
 */
void
atrium_window_set_min_size (AtriumWindow *self,
                            int           width,
                            int           height)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (self));
  g_return_if_fail (width >= -1 && height >= -1);

  if (self->web_view != NULL)
    gtk_widget_set_size_request (GTK_WIDGET (self->web_view), width, height);
}

/**
 * atrium_window_get_id:
 *
 * The window's id for atrium_app_emit_to(), which any thread may call with
 * it; it is what `event.sender` holds in the pages for events this
 * window's page emits. Main thread.
 *
 * Returns: a positive number unique to this window within the process
 */
guint
atrium_window_get_id (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), 0);

  return self->id;
}

/**
 * atrium_window_set_max_size:
 * @width: the greatest width of the page, or -1 for none
 * @height: the greatest height of the page, or -1 for none
 *
 * GTK 4 has no maximum size: a window made larger than this (by the user or
 * by C) is brought back within it. Maximised and fullscreen windows are
 * left alone.
 */
void
atrium_window_set_max_size (AtriumWindow *self,
                            int           width,
                            int           height)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (self));
  g_return_if_fail (width == -1 || width > 0);
  g_return_if_fail (height == -1 || height > 0);

  self->max_width = width;
  self->max_height = height;
  if (self->max_size_idle == 0 && (width > 0 || height > 0))
    self->max_size_idle = g_idle_add (max_size_idle_cb, self);
}

static void
ensure_transparent_css (void)
{
  static gboolean done;
  g_autoptr(GtkCssProvider) provider = NULL;

  if (done || gdk_display_get_default () == NULL)
    return;
  done = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, "window.atrium-transparent { background: none; }",
                                   -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/**
 * atrium_window_set_background_color:
 * @color: what shows where the page draws nothing, and before its first
 *   paint; an alpha below 1 lets what is behind the window show through
 *   (where the display has a compositor)
 *
 * Sets the web view's background and, for a transparent colour, takes the
 * window's own background away too.
 */
void
atrium_window_set_background_color (AtriumWindow  *self,
                                    const GdkRGBA *color)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (self));
  g_return_if_fail (color != NULL);

  if (self->web_view != NULL)
    webkit_web_view_set_background_color (self->web_view, color);
  ensure_transparent_css ();
  if (color->alpha < 1.0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "atrium-transparent");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "atrium-transparent");
}

guint
atrium_window_get_close_timeout (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), 0);

  return self->close_timeout_ms;
}

/**
 * atrium_window_set_close_timeout:
 * @timeout_ms: how long the page may take to answer a close request
 *
 * A page that asked to be asked before its window closes
 * (`atrium.window.onCloseRequested()`) and does not answer within this many
 * milliseconds (5,000 by default) has its window closed anyway, with a
 * warning. A request already waiting gets the new timeout, counted from
 * when the page was asked.
 */
void
atrium_window_set_close_timeout (AtriumWindow *self,
                                 guint         timeout_ms)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (self));
  g_return_if_fail (timeout_ms > 0);

  self->close_timeout_ms = timeout_ms;
  /* Due already, it closes the window from the main loop, as an answer
   * does: never inside the caller's call. */
  if (self->close_timeout != 0)
    {
      g_source_remove (self->close_timeout);
      arm_close_timeout (self);
    }
}

/* For tests: when the close request waiting was made and when its timeout
 * is due (monotonic µs). FALSE when none waits. */
gboolean
_atrium_window_get_close_wait (AtriumWindow *self,
                               gint64       *asked_us,
                               gint64       *due_us)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), FALSE);

  if (self->close_timeout == 0)
    return FALSE;
  *asked_us = self->close_asked_us;
  *due_us = g_source_get_ready_time (g_main_context_find_source_by_id (NULL, self->close_timeout));
  return TRUE;
}

/* --- X11 only: GTK 4 does not move windows or keep them above --- */

#ifdef GDK_WINDOWING_X11
static gboolean
x11_window (AtriumWindow  *self,
            Display      **display,
            Window        *xid,
            GError       **error)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));

  if (!GDK_IS_X11_DISPLAY (gtk_widget_get_display (GTK_WIDGET (self))))
    goto unsupported;
  if (surface == NULL)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                           "The window is not shown yet");
      return FALSE;
    }
  *display = gdk_x11_display_get_xdisplay (gtk_widget_get_display (GTK_WIDGET (self)));
  *xid = gdk_x11_surface_get_xid (surface);
  return TRUE;

unsupported:
  g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                       "Only on X11: this display server does not let apps place windows");
  return FALSE;
}

/* The window manager's frame around the window: left, right, top, bottom. */
static void
frame_extents (Display *display,
               Window   xid,
               long     extents[4])
{
  Atom type;
  int format;
  unsigned long n, after;
  unsigned char *data = NULL;

  memset (extents, 0, 4 * sizeof (long));
  if (XGetWindowProperty (display, xid, XInternAtom (display, "_NET_FRAME_EXTENTS", False), 0, 4,
                          False, XA_CARDINAL, &type, &format, &n, &after, &data) == Success
      && data != NULL && type == XA_CARDINAL && format == 32 && n == 4)
    memcpy (extents, data, 4 * sizeof (long));
  if (data != NULL)
    XFree (data);
}
#else
static gboolean
x11_unsupported (GError **error)
{
  g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                       "Only on X11: this build of libatrium has no X11 support");
  return FALSE;
}
#endif

/**
 * atrium_window_move:
 * @x: where the left edge of the window's frame goes, in screen pixels
 * @y: where its top edge goes
 * @error: return location for a #GError in %ATRIUM_ERROR
 *
 * X11 only; GTK 4 has no call for it.
 *
 * Returns: %TRUE, or %FALSE with @error set: %ATRIUM_ERROR_NOT_SUPPORTED
 *   elsewhere (Wayland), %ATRIUM_ERROR_FAILED before the window is shown
 */
gboolean
atrium_window_move (AtriumWindow  *self,
                    int            x,
                    int            y,
                    GError       **error)
{
#ifdef GDK_WINDOWING_X11
  Display *display;
  Window xid;

  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), FALSE);

  if (!x11_window (self, &display, &xid, error))
    return FALSE;
  /* With the default (north-west) gravity, the window manager puts the
   * frame's corner where the client asks. */
  XMoveWindow (display, xid, x, y);
  XFlush (display);
  return TRUE;
#else
  return x11_unsupported (error);
#endif
}

/**
 * atrium_window_get_position:
 * @x: (out): the left edge of the window's frame, in screen pixels
 * @y: (out): its top edge
 * @error: return location for a #GError in %ATRIUM_ERROR
 *
 * X11 only.
 *
 * Returns: %TRUE, or %FALSE with @error set as atrium_window_move() does
 */
gboolean
atrium_window_get_position (AtriumWindow  *self,
                            int           *x,
                            int           *y,
                            GError       **error)
{
#ifdef GDK_WINDOWING_X11
  Display *display;
  Window xid, child;
  long extents[4];
  int root_x = 0, root_y = 0;

  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), FALSE);

  if (!x11_window (self, &display, &xid, error))
    return FALSE;
  XTranslateCoordinates (display, xid, DefaultRootWindow (display), 0, 0, &root_x, &root_y,
                         &child);
  frame_extents (display, xid, extents);
  *x = root_x - (int) extents[0];
  *y = root_y - (int) extents[2];
  return TRUE;
#else
  return x11_unsupported (error);
#endif
}

/* The window manager's frame around the window, as it says
 * (_NET_FRAME_EXTENTS): left, right, top, bottom; zeros where it says
 * nothing, before the window is shown, and off X11. */
void
_atrium_window_get_frame_extents (AtriumWindow *self,
                                  int           extents[4])
{
#ifdef GDK_WINDOWING_X11
  Display *display;
  Window xid;
  long values[4];

  memset (extents, 0, 4 * sizeof (int));
  if (!x11_window (self, &display, &xid, NULL))
    return;
  frame_extents (display, xid, values);
  for (int i = 0; i < 4; i++)
    extents[i] = (int) CLAMP (values[i], 0, G_MAXINT16);
#else
  memset (extents, 0, 4 * sizeof (int));
#endif
}

/**
 * atrium_window_center:
 * @error: return location for a #GError in %ATRIUM_ERROR
 *
 * Moves the window to the middle of its monitor. X11 only.
 *
 * Returns: %TRUE, or %FALSE with @error set as atrium_window_move() does
 */
gboolean
atrium_window_center (AtriumWindow  *self,
                      GError       **error)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface;
  GdkMonitor *monitor;
  GdkRectangle area;
  Display *display;
  Window xid;
  long extents[4];
  int width, height;

  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), FALSE);

  if (!x11_window (self, &display, &xid, error))
    return FALSE;
  surface = gtk_native_get_surface (GTK_NATIVE (self));
  monitor = gdk_display_get_monitor_at_surface (gtk_widget_get_display (GTK_WIDGET (self)),
                                                surface);
  if (monitor == NULL)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED, "The window is on no monitor");
      return FALSE;
    }
  gdk_monitor_get_geometry (monitor, &area);
  frame_extents (display, xid, extents);
  width = gdk_surface_get_width (surface) + (int) (extents[0] + extents[1]);
  height = gdk_surface_get_height (surface) + (int) (extents[2] + extents[3]);
  return atrium_window_move (self, area.x + MAX (0, (area.width - width) / 2),
                             area.y + MAX (0, (area.height - height) / 2), error);
#else
  return x11_unsupported (error);
#endif
}

/**
 * atrium_window_set_keep_above:
 * @keep_above: whether the window stays above the others
 * @error: return location for a #GError in %ATRIUM_ERROR
 *
 * Asks the window manager (_NET_WM_STATE_ABOVE). X11 only.
 *
 * Returns: %TRUE, or %FALSE with @error set as atrium_window_move() does
 */
gboolean
atrium_window_set_keep_above (AtriumWindow  *self,
                              gboolean       keep_above,
                              GError       **error)
{
#ifdef GDK_WINDOWING_X11
  Display *display;
  Window xid;
  XEvent event = { 0 };

  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), FALSE);

  if (!x11_window (self, &display, &xid, error))
    return FALSE;
  event.xclient.type = ClientMessage;
  event.xclient.window = xid;
  event.xclient.message_type = XInternAtom (display, "_NET_WM_STATE", False);
  event.xclient.format = 32;
  event.xclient.data.l[0] = keep_above ? 1 : 0;   /* _NET_WM_STATE_ADD, _REMOVE */
  event.xclient.data.l[1] = (long) XInternAtom (display, "_NET_WM_STATE_ABOVE", False);
  event.xclient.data.l[3] = 1;                    /* from an application */
  XSendEvent (display, DefaultRootWindow (display), False,
              SubstructureRedirectMask | SubstructureNotifyMask, &event);
  XFlush (display);
  return TRUE;
#else
  return x11_unsupported (error);
#endif
}

AtriumBridge *
_atrium_window_get_bridge (AtriumWindow *self)
{
  return self->bridge;
}

/* For tests: what the window refused. */
void
_atrium_window_get_refusals (AtriumWindow         *self,
                             AtriumWindowRefusals *refusals)
{
  *refusals = self->refused;
}

/**
 * atrium_window_set_state_key:
 * @key: (nullable): a name for this window's state, such as "main"; %NULL
 *   to stop remembering
 *
 * Remembers the window's size, whether it is maximised or fullscreen, and
 * on X11 its position, under @key: what was saved under it is restored now
 * (the position once the window is shown), fitted to the work area of the
 * monitor it was on, or of the biggest one if that is gone; each change is
 * saved a moment after it happens and when the window closes. The state is kept per application id
 * in the XDG state directory (`~/.local/state/APP-ID/window-state.json`),
 * written atomically; a file that cannot be read means the window's
 * defaults and a warning, never a failure to open. Call it before the
 * window is shown, after any gtk_window_set_default_size() of your own.
 * The app needs an application id.
 */
void
atrium_window_set_state_key (AtriumWindow *self,
                             const char   *key)
{
  AtriumApp *app;
  const char *app_id;

  g_return_if_fail (ATRIUM_IS_WINDOW (self));
  g_return_if_fail (key == NULL || _atrium_window_state_key_is_valid (key));

  app = atrium_window_get_app (self);
  app_id = app != NULL ? g_application_get_application_id (G_APPLICATION (app)) : NULL;
  if (key != NULL && app_id == NULL)
    {
      g_warning ("Window state needs an application id: “%s” is not remembered", key);
      return;
    }
  _atrium_window_state_attach (GTK_WINDOW (self), app_id, key);
}

/**
 * atrium_window_get_state_key:
 *
 * Returns: (nullable): the key set with atrium_window_set_state_key()
 */
const char *
atrium_window_get_state_key (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), NULL);

  return _atrium_window_state_get_key (GTK_WINDOW (self));
}

/**
 * atrium_window_set_frameless:
 * @frameless: whether the window goes without the system's title bar
 *
 * A frameless window has no title bar of the system's: the page draws its
 * own. Elements with the attribute `data-atrium-drag` then move the window
 * when dragged (`data-atrium-no-drag` inside them, and form controls, opt
 * out), a double click on them maximises or restores it, and a right click
 * shows the window manager's menu. The window keeps its resize edges.
 * Drag regions work in framed windows too.
 */
void
atrium_window_set_frameless (AtriumWindow *self,
                             gboolean      frameless)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (self));

  _atrium_window_frame_set_frameless (GTK_WINDOW (self), frameless);
}

gboolean
atrium_window_get_frameless (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), FALSE);

  return _atrium_window_frame_is_frameless (GTK_WINDOW (self));
}

/**
 * atrium_window_set_file_drop:
 * @file_drop: whether files dropped on the window go to its page as paths
 *
 * Lets the user drop files from the desktop (a file manager) onto the
 * window: the page gets the event `atrium:window.files-dropped` with
 * `{paths, x, y}`, the files' absolute paths (local files only, at most
 * 1,024) and where they were dropped, in the page's CSS pixels. Text and
 * links dropped, and the page's own HTML drag and drop, stay the page's.
 * Off by default: a page learns paths only when the app says so.
 */
void
atrium_window_set_file_drop (AtriumWindow *self,
                             gboolean      file_drop)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (self));

  _atrium_window_drop_set_enabled (self, file_drop);
}

/**
 * atrium_window_get_file_drop:
 *
 * Returns: whether atrium_window_set_file_drop() turned file drops on
 */
gboolean
atrium_window_get_file_drop (AtriumWindow *self)
{
  g_return_val_if_fail (ATRIUM_IS_WINDOW (self), FALSE);

  return _atrium_window_drop_get_enabled (self);
}

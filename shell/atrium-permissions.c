#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Permissions"
#include "config.h"

#include "atrium-permissions-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-dialog.h"
#include "atrium-log-limit-private.h"
#include "atrium-window-private.h"

/* WebKit's permission requests (the web view's ::permission-request): one
 * policy per kind, set by the app in C. Left alone, WebKit denies them
 * all; here each kind is denied (the default), allowed, or asked of the
 * user in a dialog naming the app and its origin, whose answer holds for
 * the rest of the run.
 *
 * A denial by policy puts one line in the page's console (once per kind
 * and page) saying which call in C allows it, since the page itself only
 * sees a NotAllowedError. The capture kinds also need WebKit's media
 * stream, which is switched on only while one of them is not denied: a
 * page of an app that takes no camera has no navigator.mediaDevices.
 *
 * Requests that come while a dialog is up for the same window wait for its
 * answer (at most PENDING_MAX of them; more are denied).
 *
 * A page that holds a frame of another origin gets no device at all,
 * whatever the policy, until it loads anew: WebKitGTK 2.50 does not say
 * which frame a request comes from, and although the web process
 * extension takes the device APIs from every foreign realm it sees, a
 * foreign frame can reach one it never sees (a sandboxed child without
 * scripts, whose window object WebKit never clears) and ask from there.
 * The extension says when a page holds such a frame
 * (ATRIUM_WIRE_FOREIGN_FRAME, kept by the window), ahead of anything the
 * frame's scripts do.
 * Main thread only. */

#define PENDING_MAX 32

typedef struct
{
  AtriumApp               *app;    /* owns us */
  AtriumPermissionPolicy   policy[ATRIUM_PERMISSION_N];
  /* The user's answers to ASK: 0 (not asked yet), ALLOW or DENY. */
  AtriumPermissionPolicy   answer[ATRIUM_PERMISSION_N];
  gboolean                 answered[ATRIUM_PERMISSION_N];
} Permissions;

/* A request waiting for the user. */
typedef struct
{
  WebKitPermissionRequest *request;
  guint                    kinds;   /* bits of AtriumPermission */
} Pending;

/* One window's: its dialog and what waits for it; the kinds whose denial
 * its page has been told of, and whether it was told of its foreign frame. */
typedef struct
{
  GCancellable *dialog;    /* while asking */
  GQueue        pending;   /* Pending* */
  guint         told;      /* bits: console line written on this page */
  gboolean      told_foreign;
} WindowPermissions;

static const char * const kind_names[ATRIUM_PERMISSION_N] = {
  "camera", "microphone", "display capture", "geolocation", "notifications", "clipboard",
};

static const char * const kind_symbols[ATRIUM_PERMISSION_N] = {
  "ATRIUM_PERMISSION_CAMERA", "ATRIUM_PERMISSION_MICROPHONE",
  "ATRIUM_PERMISSION_DISPLAY_CAPTURE", "ATRIUM_PERMISSION_GEOLOCATION",
  "ATRIUM_PERMISSION_NOTIFICATIONS", "ATRIUM_PERMISSION_CLIPBOARD",
};

#define CAPTURE_KINDS ((1u << ATRIUM_PERMISSION_CAMERA) | (1u << ATRIUM_PERMISSION_MICROPHONE) \
                       | (1u << ATRIUM_PERMISSION_DISPLAY_CAPTURE))

static Permissions *
get_permissions (AtriumApp *app)
{
  static GQuark quark;
  Permissions *self;

  if (quark == 0)
    quark = g_quark_from_static_string ("atrium-permissions");
  self = g_object_get_qdata (G_OBJECT (app), quark);
  if (self == NULL)
    {
      /* Every kind denied: ATRIUM_POLICY_DENY is 0. */
      self = g_new0 (Permissions, 1);
      self->app = app;
      g_object_set_qdata_full (G_OBJECT (app), quark, self, g_free);
    }
  return self;
}

AtriumPermissionPolicy
_atrium_app_get_permission_policy (AtriumApp        *app,
                                   AtriumPermission  permission)
{
  Permissions *self;

  g_return_val_if_fail (ATRIUM_IS_APP (app), ATRIUM_POLICY_DENY);
  g_return_val_if_fail (permission < ATRIUM_PERMISSION_N, ATRIUM_POLICY_DENY);

  self = get_permissions (app);
  if (self->policy[permission] == ATRIUM_POLICY_ASK && self->answered[permission])
    return self->answer[permission];
  return self->policy[permission];
}

/* --- the page's console --- */

/* @line in the log and in the page's console. */
static void
warn_page (AtriumWindow *window,
           const char   *line)
{
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *literal = NULL;
  g_autofree char *script = NULL;

  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "%s", line);
  if (web_view == NULL)
    return;
  node = json_node_init_string (json_node_alloc (), line);
  literal = json_to_string (node, FALSE);
  script = g_strdup_printf ("console.warn(%s);", literal);
  webkit_web_view_evaluate_javascript (web_view, script, -1, NULL, NULL, NULL, NULL, NULL);
}

static void
tell_page (AtriumWindow      *window,
           WindowPermissions *wp,
           guint              kinds)
{
  for (guint kind = 0; kind < ATRIUM_PERMISSION_N; kind++)
    {
      g_autofree char *line = NULL;

      if (!(kinds & (1u << kind)) || (wp->told & (1u << kind)))
        continue;
      wp->told |= 1u << kind;
      line = g_strdup_printf ("Atrium: %s access was denied by the app's permission policy. "
                              "The app allows it in C with atrium_app_set_permission_policy "
                              "(app, %s, ATRIUM_POLICY_ALLOW), or ATRIUM_POLICY_ASK to ask "
                              "the user.", kind_names[kind], kind_symbols[kind]);
      warn_page (window, line);
    }
}

/* Why a page that holds a frame of another origin got nothing: once per
 * page. */
static void
tell_page_foreign (AtriumWindow      *window,
                   WindowPermissions *wp)
{
  g_autofree char *line = NULL;

  if (wp->told_foreign)
    return;
  wp->told_foreign = TRUE;
  line = g_strdup_printf ("Atrium: device access was denied because this page holds a frame of "
                          "another origin (%s). WebKitGTK does not say which frame asks, so "
                          "no page with such a frame gets the camera, microphone, screen, "
                          "location, notifications or clipboard, whatever the app allows. "
                          "The page gets them again once it has loaded anew without one.",
                          _atrium_window_get_foreign_frame (window));
  warn_page (window, line);
}

/* --- deciding --- */

/* The kinds @request asks for, or 0 for a request this policy leaves to
 * WebKit (pointer lock, media keys, website data). */
static guint
request_kinds (WebKitPermissionRequest *request)
{
  if (WEBKIT_IS_USER_MEDIA_PERMISSION_REQUEST (request))
    {
      WebKitUserMediaPermissionRequest *media = WEBKIT_USER_MEDIA_PERMISSION_REQUEST (request);
      guint kinds = 0;

      if (webkit_user_media_permission_is_for_audio_device (media))
        kinds |= 1u << ATRIUM_PERMISSION_MICROPHONE;
      if (webkit_user_media_permission_is_for_video_device (media))
        kinds |= 1u << ATRIUM_PERMISSION_CAMERA;
      if (webkit_user_media_permission_is_for_display_device (media))
        kinds |= 1u << ATRIUM_PERMISSION_DISPLAY_CAPTURE;
      /* A request for nothing we know of is a capture request still. */
      return kinds != 0 ? kinds : CAPTURE_KINDS;
    }
  if (WEBKIT_IS_GEOLOCATION_PERMISSION_REQUEST (request))
    return 1u << ATRIUM_PERMISSION_GEOLOCATION;
  if (WEBKIT_IS_NOTIFICATION_PERMISSION_REQUEST (request))
    return 1u << ATRIUM_PERMISSION_NOTIFICATIONS;
  if (WEBKIT_IS_CLIPBOARD_PERMISSION_REQUEST (request))
    return 1u << ATRIUM_PERMISSION_CLIPBOARD;
  return 0;
}

typedef enum {
  DECIDED_DENY,
  DECIDED_ALLOW,
  DECIDED_ASK,
} Decided;

/* What the policy and the user's answers say of @kinds: denied if any is
 * (by the policy: @denied; by the user), allowed if all are, else the user
 * must be asked about @ask. */
static Decided
decide (Permissions *self,
        guint        kinds,
        guint       *denied,
        guint       *ask)
{
  gboolean user_denied = FALSE;

  *denied = 0;
  *ask = 0;
  for (guint kind = 0; kind < ATRIUM_PERMISSION_N; kind++)
    {
      if (!(kinds & (1u << kind)))
        continue;
      switch (self->policy[kind])
        {
        case ATRIUM_POLICY_DENY:
          *denied |= 1u << kind;
          break;

        case ATRIUM_POLICY_ASK:
          if (!self->answered[kind])
            *ask |= 1u << kind;
          else if (self->answer[kind] != ATRIUM_POLICY_ALLOW)
            user_denied = TRUE;
          break;

        case ATRIUM_POLICY_ALLOW:
        default:
          break;
        }
    }
  if (*denied != 0 || user_denied)
    return DECIDED_DENY;
  return *ask != 0 ? DECIDED_ASK : DECIDED_ALLOW;
}

static char *
kinds_text (guint kinds)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GString *text = g_string_new (NULL);

  for (guint kind = 0; kind < ATRIUM_PERMISSION_N; kind++)
    if (kinds & (1u << kind))
      g_ptr_array_add (names, (gpointer) kind_names[kind]);
  for (guint i = 0; i < names->len; i++)
    {
      if (i > 0)
        g_string_append (text, i + 1 == names->len ? " and " : ", ");
      g_string_append (text, g_ptr_array_index (names, i));
    }
  return g_string_free (text, FALSE);
}

static void pending_settle (AtriumWindow *window, WindowPermissions *wp);
static void ask_user (AtriumWindow *window, WindowPermissions *wp, guint kinds);

static WindowPermissions *get_window_permissions (AtriumWindow *window);

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->request);
  g_free (pending);
}

/* Answers what can be answered now; asks about the first that cannot. */
static void
pending_settle (AtriumWindow      *window,
                WindowPermissions *wp)
{
  AtriumApp *app = atrium_window_get_app (window);
  Permissions *self = app != NULL ? get_permissions (app) : NULL;

  while (!g_queue_is_empty (&wp->pending) && wp->dialog == NULL)
    {
      Pending *pending = g_queue_peek_head (&wp->pending);
      guint denied, ask;
      Decided decided = self != NULL ? decide (self, pending->kinds, &denied, &ask) : DECIDED_DENY;

      if (decided == DECIDED_ASK)
        {
          ask_user (window, wp, ask);
          return;
        }
      g_queue_pop_head (&wp->pending);
      if (decided == DECIDED_ALLOW)
        webkit_permission_request_allow (pending->request);
      else
        webkit_permission_request_deny (pending->request);
      pending_free (pending);
    }
}

typedef struct
{
  AtriumWindow *window;
  guint         kinds;
} Asking;

static void
ask_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Asking *asking = user_data;
  g_autoptr(AtriumWindow) window = asking->window;
  g_autoptr(GError) error = NULL;
  int button = atrium_dialog_message_finish (result, &error);
  AtriumApp *app = atrium_window_get_app (window);
  WindowPermissions *wp = get_window_permissions (window);
  guint kinds = asking->kinds;

  g_free (asking);
  g_clear_object (&wp->dialog);
  if (error != NULL || app == NULL)
    {
      /* Closed with its window, or cancelled: no answer to remember, and
       * nothing waits any more. */
      g_queue_clear_full (&wp->pending, (GDestroyNotify) pending_free);
      return;
    }
  for (guint kind = 0; kind < ATRIUM_PERMISSION_N; kind++)
    if (kinds & (1u << kind))
      {
        Permissions *self = get_permissions (app);

        self->answered[kind] = TRUE;
        self->answer[kind] = button == 1 ? ATRIUM_POLICY_ALLOW : ATRIUM_POLICY_DENY;
      }
  pending_settle (window, wp);
}

static void
ask_user (AtriumWindow      *window,
          WindowPermissions *wp,
          guint              kinds)
{
  AtriumApp *app = atrium_window_get_app (window);
  const char *name = g_get_application_name ();
  g_autofree char *what = kinds_text (kinds);
  g_autofree char *message = NULL;
  g_autofree char *detail = NULL;
  const char *buttons[] = { "_Deny", "_Allow", NULL };
  Asking *asking = g_new0 (Asking, 1);

  if (name == NULL && app != NULL)
    name = g_application_get_application_id (G_APPLICATION (app));
  message = g_strdup_printf ("Allow %s to use your %s?", name != NULL ? name : "this app", what);
  detail = g_strdup_printf ("The app's page at %s asks for it. Your answer holds until the app "
                            "quits.", app != NULL ? _atrium_app_get_origin (app) : "");
  asking->window = g_object_ref (window);
  asking->kinds = kinds;
  wp->dialog = g_cancellable_new ();
  atrium_dialog_message_async (window, ATRIUM_MESSAGE_QUESTION, "Permission request", message,
                               detail, buttons, 0, 0, wp->dialog, ask_done_cb, asking);
}

static gboolean
permission_request_cb (WebKitWebView           *web_view,
                       WebKitPermissionRequest *request,
                       AtriumWindow            *window)
{
  AtriumApp *app = atrium_window_get_app (window);
  WindowPermissions *wp = get_window_permissions (window);
  Permissions *self;
  guint kinds, denied, ask;
  Pending *pending;

  /* A frame of another origin may be the one asking. */
  if (_atrium_window_get_foreign_frame (window) != NULL
      && (WEBKIT_IS_DEVICE_INFO_PERMISSION_REQUEST (request) || request_kinds (request) != 0))
    {
      webkit_permission_request_deny (request);
      tell_page_foreign (window, wp);
      return TRUE;
    }
  if (WEBKIT_IS_DEVICE_INFO_PERMISSION_REQUEST (request))
    {
      /* Device labels (enumerateDevices()): only where the camera or the
       * microphone is allowed, never worth a question of its own. */
      if (app != NULL
          && (_atrium_app_get_permission_policy (app, ATRIUM_PERMISSION_CAMERA)
              == ATRIUM_POLICY_ALLOW
              || _atrium_app_get_permission_policy (app, ATRIUM_PERMISSION_MICROPHONE)
                 == ATRIUM_POLICY_ALLOW))
        webkit_permission_request_allow (request);
      else
        webkit_permission_request_deny (request);
      return TRUE;
    }
  kinds = request_kinds (request);
  if (kinds == 0)
    return FALSE;
  if (app == NULL)
    {
      webkit_permission_request_deny (request);
      return TRUE;
    }
  self = get_permissions (app);

  switch (decide (self, kinds, &denied, &ask))
    {
    case DECIDED_ALLOW:
      webkit_permission_request_allow (request);
      return TRUE;

    case DECIDED_DENY:
      webkit_permission_request_deny (request);
      tell_page (window, wp, denied);
      return TRUE;

    case DECIDED_ASK:
    default:
      break;
    }

  if (g_queue_get_length (&wp->pending) >= PENDING_MAX)
    {
      _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Denied a permission request: %u are waiting for "
                        "the user already", PENDING_MAX);
      webkit_permission_request_deny (request);
      return TRUE;
    }
  pending = g_new0 (Pending, 1);
  pending->request = g_object_ref (request);
  pending->kinds = kinds;
  g_queue_push_tail (&wp->pending, pending);
  pending_settle (window, wp);
  return TRUE;
}

/* --- windows --- */

static void
window_permissions_free (WindowPermissions *wp)
{
  if (wp->dialog != NULL)
    g_cancellable_cancel (wp->dialog);
  g_clear_object (&wp->dialog);
  /* Dropped requests are denied by WebKit as they go. */
  g_queue_clear_full (&wp->pending, (GDestroyNotify) pending_free);
  g_free (wp);
}

static WindowPermissions *
get_window_permissions (AtriumWindow *window)
{
  WindowPermissions *wp = g_object_get_data (G_OBJECT (window), "atrium-permissions");

  if (wp == NULL)
    {
      wp = g_new0 (WindowPermissions, 1);
      g_queue_init (&wp->pending);
      g_object_set_data_full (G_OBJECT (window), "atrium-permissions", wp,
                              (GDestroyNotify) window_permissions_free);
    }
  return wp;
}

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 AtriumWindow    *window)
{
  WindowPermissions *wp;

  if (event != WEBKIT_LOAD_COMMITTED)
    return;
  /* A new page is told again. */
  wp = get_window_permissions (window);
  wp->told = 0;
  wp->told_foreign = FALSE;
}

static void
apply_settings (AtriumApp     *app,
                WebKitWebView *web_view)
{
  Permissions *self = get_permissions (app);
  WebKitSettings *settings = webkit_web_view_get_settings (web_view);
  gboolean capture = self->policy[ATRIUM_PERMISSION_CAMERA] != ATRIUM_POLICY_DENY
                     || self->policy[ATRIUM_PERMISSION_MICROPHONE] != ATRIUM_POLICY_DENY
                     || self->policy[ATRIUM_PERMISSION_DISPLAY_CAPTURE] != ATRIUM_POLICY_DENY;

  if (webkit_settings_get_enable_media_stream (settings) != capture)
    webkit_settings_set_enable_media_stream (settings, capture);
}

void
_atrium_permissions_attach (AtriumWindow *window)
{
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  AtriumApp *app = atrium_window_get_app (window);

  get_window_permissions (window);
  if (app != NULL)
    apply_settings (app, web_view);
  g_signal_connect_object (web_view, "permission-request", G_CALLBACK (permission_request_cb),
                           window, 0);
  g_signal_connect_object (web_view, "load-changed", G_CALLBACK (load_changed_cb), window, 0);
}

/**
 * atrium_app_set_permission_policy:
 * @permission: a kind of permission
 * @policy: deny (the default for every kind), allow, or ask the user
 *
 * How the app answers its pages' requests for @permission. Frames of
 * other origins are denied whatever the policy, and so is a page that holds
 * one: WebKitGTK does not say which frame asks. The capture kinds turn
 * WebKit's media stream (`navigator.mediaDevices`) on in every window
 * while one of them is not denied, and off again when all are. Setting a
 * policy forgets the user's answer to an earlier ask of that kind.
 */
void
atrium_app_set_permission_policy (AtriumApp              *self,
                                  AtriumPermission        permission,
                                  AtriumPermissionPolicy  policy)
{
  Permissions *permissions;

  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (permission < ATRIUM_PERMISSION_N);
  g_return_if_fail (policy <= ATRIUM_POLICY_ASK);

  permissions = get_permissions (self);
  permissions->policy[permission] = policy;
  permissions->answered[permission] = FALSE;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (ATRIUM_IS_WINDOW (l->data) && atrium_window_get_web_view (l->data) != NULL)
      apply_settings (self, atrium_window_get_web_view (l->data));
}

/**
 * atrium_app_get_permission_policy:
 * @permission: a kind of permission
 *
 * Returns: the policy atrium_app_set_permission_policy() set for it
 */
AtriumPermissionPolicy
atrium_app_get_permission_policy (AtriumApp        *self,
                                  AtriumPermission  permission)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), ATRIUM_POLICY_DENY);
  g_return_val_if_fail (permission < ATRIUM_PERMISSION_N, ATRIUM_POLICY_DENY);

  return get_permissions (self)->policy[permission];
}

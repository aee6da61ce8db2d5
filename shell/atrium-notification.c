#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Notification"
#include "config.h"

#include "atrium-notification-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-builtins-private.h"
#include "atrium-json-private.h"
#include "atrium-log-limit-private.h"
#include "atrium-window-private.h"

/* The app's notifications, through GNotification (so the desktop's own
 * service shows them: org.freedesktop.Notifications, the portal inside
 * Flatpak, or GNOME Shell's org.gtk.Notifications, as GLib picks).
 *
 * Every button, and the notification itself, activates one app action,
 * "app.atrium-notification-action", with the target (id, action). GLib
 * forgets its side of a notification once the user clicks it; this file
 * keeps its own table of what the app shows (at most
 * ATRIUM_NOTIFICATION_LIVE_MAX, the oldest withdrawn past it, since the
 * user's dismissals are never reported back through GNotification) and
 * acts on a click only for a notification in it and one of that
 * notification's actions: anyone on the session bus can activate an app
 * action, and a click on something the app is not showing is logged and
 * dropped.
 *
 * The state hangs on the app object under STATE_KEY and is main thread
 * only, as GApplication's actions are. */

#define STATE_KEY "atrium-notifications"

typedef struct
{
  char               *id;
  GStrv               actions;     /* the ids of its buttons */
  WebKitNotification *web;         /* a page's Notification, or NULL */
  guint               window_id;   /* the window of @web's page */
} Live;

typedef struct
{
  AtriumApp  *app;     /* unowned: the state is the app's data */
  GHashTable *by_id;   /* id → Live, owned */
  GQueue      order;   /* the same Lives, oldest first */
} Notifications;

static void
live_free (Live *live)
{
  if (live->web != NULL)
    {
      g_signal_handlers_disconnect_by_data (live->web, live);
      g_object_unref (live->web);
    }
  g_free (live->id);
  g_strfreev (live->actions);
  g_free (live);
}

static void
notifications_free (Notifications *state)
{
  g_queue_clear (&state->order);
  g_hash_table_unref (state->by_id);
  g_free (state);
}

static void action_activate_cb (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data);

static Notifications *
state_of (AtriumApp *app,
          gboolean   create)
{
  Notifications *state = g_object_get_data (G_OBJECT (app), STATE_KEY);
  g_autoptr(GSimpleAction) action = NULL;

  if (state != NULL || !create)
    return state;
  state = g_new0 (Notifications, 1);
  state->app = app;
  state->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) live_free);
  g_queue_init (&state->order);
  g_object_set_data_full (G_OBJECT (app), STATE_KEY, state, (GDestroyNotify) notifications_free);

  /* Added with the first notification, so an app that never shows one
   * exports no such action on the bus. */
  action = g_simple_action_new (ATRIUM_NOTIFICATION_ACTION_NAME, G_VARIANT_TYPE ("(ss)"));
  g_signal_connect_object (action, "activate", G_CALLBACK (action_activate_cb), app, 0);
  g_action_map_add_action (G_ACTION_MAP (app), G_ACTION (action));
  return state;
}

/* Forgets @live, withdrawing it from the desktop if @withdraw. */
static void
forget (Notifications *state,
        Live          *live,
        gboolean       withdraw)
{
  if (withdraw)
    g_application_withdraw_notification (G_APPLICATION (state->app), live->id);
  g_queue_remove (&state->order, live);
  g_hash_table_remove (state->by_id, live->id);
}

guint
_atrium_notification_count (AtriumApp *app)
{
  Notifications *state = state_of (app, FALSE);

  return state != NULL ? g_hash_table_size (state->by_id) : 0;
}

/* --- checks --- */

static gboolean
check_text (const char  *text,
            const char  *what,
            gsize        min,
            gsize        max,
            GError     **error)
{
  gsize length = strlen (text);

  if (!g_utf8_validate (text, -1, NULL))
    g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s is not valid UTF-8", what);
  else if (length < min)
    g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s is empty", what);
  else if (length > max)
    g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                 "%s is longer than %" G_GSIZE_FORMAT " bytes", what, max);
  else
    return TRUE;
  return FALSE;
}

static gboolean
check_actions (const AtriumNotificationAction *actions,
               gsize                           n_actions,
               GError                        **error)
{
  if (n_actions > ATRIUM_NOTIFICATION_ACTIONS_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "A notification has at most %d actions", ATRIUM_NOTIFICATION_ACTIONS_MAX);
      return FALSE;
    }
  for (gsize i = 0; i < n_actions; i++)
    {
      if (actions[i].id == NULL || actions[i].label == NULL)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                       "An action needs an id and a label");
          return FALSE;
        }
      if (!check_text (actions[i].id, "An action's id", 1, ATRIUM_NOTIFICATION_ACTION_MAX, error)
          || !check_text (actions[i].label, "An action's label", 1, ATRIUM_NOTIFICATION_LABEL_MAX,
                          error))
        return FALSE;
      if (strcmp (actions[i].id, "default") == 0)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                       "“default” is the notification's own click, not an action's id");
          return FALSE;
        }
      for (gsize j = 0; j < i; j++)
        if (strcmp (actions[i].id, actions[j].id) == 0)
          {
            g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                         "Two actions have the id “%s”", actions[i].id);
            return FALSE;
          }
    }
  return TRUE;
}

static gboolean
check_app (AtriumApp  *app,
           GError    **error)
{
  GApplication *application = G_APPLICATION (app);

  if (g_application_get_application_id (application) == NULL)
    g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                 "Notifications need an application id (atrium_app_new (\"org.example.App\", …))");
  else if (!g_application_get_is_registered (application)
           || g_application_get_is_remote (application))
    g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                 "Notifications need the app registered as the primary instance");
  else if (g_application_get_dbus_connection (application) == NULL)
    g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                 "Notifications need a session bus");
  else
    return TRUE;
  return FALSE;
}

/* --- showing --- */

static GVariant *
target (const char *id,
        const char *action)
{
  return g_variant_new ("(ss)", id, action);
}

/* The body is plain text. Notification services that read markup in it
 * (GNOME Shell, KDE, dunst… the freedesktop "body-markup" capability)
 * would otherwise show a page's <b> as bold and its <a href> as a link to
 * wherever the page likes; &, < and > are escaped so they show as typed. */
static char *
escape_body (const char *body)
{
  GString *escaped = g_string_sized_new (strlen (body));

  for (const char *p = body; *p != '\0'; p++)
    switch (*p)
      {
      case '&': g_string_append (escaped, "&amp;"); break;
      case '<': g_string_append (escaped, "&lt;"); break;
      case '>': g_string_append (escaped, "&gt;"); break;
      default: g_string_append_c (escaped, *p); break;
      }
  return g_string_free (escaped, FALSE);
}

static void
show (AtriumApp                      *app,
      const char                     *id,
      const char                     *title,
      const char                     *body,
      GIcon                          *icon,
      const AtriumNotificationAction *actions,
      gsize                           n_actions,
      WebKitNotification             *web,
      guint                           window_id)
{
  g_autoptr(GNotification) notification = g_notification_new (title);
  Notifications *state = state_of (app, TRUE);
  Live *live;

  if (body != NULL && body[0] != '\0')
    {
      g_autofree char *escaped = escape_body (body);

      g_notification_set_body (notification, escaped);
    }
  if (icon != NULL)
    g_notification_set_icon (notification, icon);
  /* The notification itself is clicked as the action "default": without
   * a default action GLib would activate the app, and an app's activate
   * handler typically opens a window. */
  g_notification_set_default_action_and_target_value (notification,
                                                      "app." ATRIUM_NOTIFICATION_ACTION_NAME,
                                                      target (id, "default"));
  for (gsize i = 0; i < n_actions; i++)
    g_notification_add_button_with_target_value (notification, actions[i].label,
                                                 "app." ATRIUM_NOTIFICATION_ACTION_NAME,
                                                 target (id, actions[i].id));

  /* The same id replaces what was there, and counts as new. */
  live = g_hash_table_lookup (state->by_id, id);
  if (live != NULL)
    forget (state, live, FALSE);
  live = g_new0 (Live, 1);
  live->id = g_strdup (id);
  live->actions = g_new0 (char *, n_actions + 1);
  for (gsize i = 0; i < n_actions; i++)
    live->actions[i] = g_strdup (actions[i].id);
  live->web = web != NULL ? g_object_ref (web) : NULL;
  live->window_id = window_id;
  g_hash_table_insert (state->by_id, live->id, live);
  g_queue_push_tail (&state->order, live);

  g_application_send_notification (G_APPLICATION (app), id, notification);

  while (g_queue_get_length (&state->order) > ATRIUM_NOTIFICATION_LIVE_MAX)
    forget (state, g_queue_peek_head (&state->order), TRUE);
}

static gboolean
check_all (AtriumApp                      *app,
           const char                     *id,
           const char                     *title,
           const char                     *body,
           const AtriumNotificationAction *actions,
           gsize                           n_actions,
           GError                        **error)
{
  return check_text (id, "The id", 1, ATRIUM_NOTIFICATION_ID_MAX, error)
         && check_text (title, "The title", 1, ATRIUM_NOTIFICATION_TITLE_MAX, error)
         && (body == NULL || check_text (body, "The body", 0, ATRIUM_NOTIFICATION_BODY_MAX, error))
         && check_actions (actions, n_actions, error)
         && check_app (app, error);
}

/* A notification atrium_app_show_notification_async() sends on the main
 * loop's next turn: its own copies. */
typedef struct
{
  char                     *id;
  char                     *title;
  char                     *body;
  GIcon                    *icon;
  AtriumNotificationAction *actions;   /* the strings owned */
  gsize                     n_actions;
} Pending;

static void
pending_free (Pending *pending)
{
  for (gsize i = 0; i < pending->n_actions; i++)
    {
      g_free ((char *) pending->actions[i].id);
      g_free ((char *) pending->actions[i].label);
    }
  g_free (pending->actions);
  g_clear_object (&pending->icon);
  g_free (pending->id);
  g_free (pending->title);
  g_free (pending->body);
  g_free (pending);
}

static gboolean
send_pending_cb (gpointer user_data)
{
  GTask *task = user_data;
  AtriumApp *app = g_task_get_source_object (task);
  Pending *pending = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;
  /* The app may have lost its bus or registration meanwhile. */
  if (!check_app (app, &error))
    {
      g_task_return_error (task, error);
      return G_SOURCE_REMOVE;
    }
  show (app, pending->id, pending->title, pending->body, pending->icon, pending->actions,
        pending->n_actions, NULL, 0);
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

/**
 * atrium_app_show_notification:
 * @id: the notification's id, 1 to %ATRIUM_NOTIFICATION_ID_MAX bytes: one
 *   with the same id is replaced
 * @title: its title, 1 to %ATRIUM_NOTIFICATION_TITLE_MAX bytes
 * @body: (nullable): its text, at most %ATRIUM_NOTIFICATION_BODY_MAX bytes:
 *   plain text, escaped for services that read markup in it
 * @icon: (nullable): its icon (GLib's freedesktop backend passes on only
 *   a #GFileIcon)
 * @actions: (array length=n_actions) (nullable): its buttons
 * @n_actions: how many, at most %ATRIUM_NOTIFICATION_ACTIONS_MAX
 * @error: `bad-args` for text that is not UTF-8 or too long, too many or
 *   repeated actions; `not-supported` for an app without an application id,
 *   not registered, or without a session bus
 *
 * Shows a notification through the desktop's notification service
 * (g_application_send_notification()). A click on it or on one of its
 * buttons is #AtriumApp::notification-action, and the pages' event
 * `atrium:notification.action` `{id, action}` while %ATRIUM_BUILTIN_NOTIFICATION
 * is on. The app keeps at most %ATRIUM_NOTIFICATION_LIVE_MAX notifications:
 * the oldest is withdrawn past that. The id space is the app's, shared
 * with its pages' `atrium.notification.show()`. Main thread.
 *
 * Returns: %TRUE once sent
 */
gboolean
atrium_app_show_notification (AtriumApp                      *self,
                              const char                     *id,
                              const char                     *title,
                              const char                     *body,
                              GIcon                          *icon,
                              const AtriumNotificationAction *actions,
                              gsize                           n_actions,
                              GError                        **error)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (title != NULL, FALSE);
  g_return_val_if_fail (icon == NULL || G_IS_ICON (icon), FALSE);
  g_return_val_if_fail (actions != NULL || n_actions == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_all (self, id, title, body, actions, n_actions, error))
    return FALSE;
  show (self, id, title, body, icon, actions, n_actions, NULL, 0);
  return TRUE;
}

/**
 * atrium_app_show_notification_async:
 * @id: as for atrium_app_show_notification()
 * @title: as for atrium_app_show_notification()
 * @body: (nullable): as for atrium_app_show_notification()
 * @icon: (nullable): as for atrium_app_show_notification()
 * @actions: (array length=n_actions) (nullable): as for atrium_app_show_notification()
 * @n_actions: how many
 * @cancellable: (nullable): a #GCancellable: cancelled before the
 *   notification is sent, nothing is shown
 * @callback: called once it is sent
 *
 * atrium_app_show_notification() in the GIO style, for code that handles
 * every platform call the same way (`atrium.notification.show()`'s C
 * side). The notification is checked at once and sent from the main
 * loop's next turn, unless @cancellable is cancelled by then; GNotification
 * hands it to the desktop's service without waiting for an answer, so the
 * operation ends when it is sent, not when the service has shown it. The
 * strings and actions are copied. Main thread.
 */
void
atrium_app_show_notification_async (AtriumApp                      *self,
                                    const char                     *id,
                                    const char                     *title,
                                    const char                     *body,
                                    GIcon                          *icon,
                                    const AtriumNotificationAction *actions,
                                    gsize                           n_actions,
                                    GCancellable                   *cancellable,
                                    GAsyncReadyCallback             callback,
                                    gpointer                        user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Pending *pending;

  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail (title != NULL);
  g_return_if_fail (icon == NULL || G_IS_ICON (icon));
  g_return_if_fail (actions != NULL || n_actions == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_app_show_notification_async);
  if (!check_all (self, id, title, body, actions, n_actions, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  pending = g_new0 (Pending, 1);
  pending->id = g_strdup (id);
  pending->title = g_strdup (title);
  pending->body = g_strdup (body);
  pending->icon = icon != NULL ? g_object_ref (icon) : NULL;
  pending->actions = g_new0 (AtriumNotificationAction, MAX (n_actions, 1));
  pending->n_actions = n_actions;
  for (gsize i = 0; i < n_actions; i++)
    {
      pending->actions[i].id = g_strdup (actions[i].id);
      pending->actions[i].label = g_strdup (actions[i].label);
    }
  g_task_set_task_data (task, pending, (GDestroyNotify) pending_free);
  g_idle_add_full (G_PRIORITY_DEFAULT, send_pending_cb, g_steal_pointer (&task), g_object_unref);
}

/**
 * atrium_app_show_notification_finish:
 *
 * Returns: %TRUE once sent; %FALSE with @error set: as
 *   atrium_app_show_notification()'s, or %G_IO_ERROR_CANCELLED
 */
gboolean
atrium_app_show_notification_finish (AtriumApp     *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * atrium_app_close_notification:
 * @id: a notification's id
 *
 * Withdraws the app's notification @id. Main thread.
 *
 * Returns: %TRUE if the app was showing it
 */
gboolean
atrium_app_close_notification (AtriumApp  *self,
                               const char *id)
{
  Notifications *state;
  Live *live;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  state = state_of (self, FALSE);
  live = state != NULL ? g_hash_table_lookup (state->by_id, id) : NULL;
  if (live == NULL)
    return FALSE;
  forget (state, live, TRUE);
  return TRUE;
}

/* --- clicks --- */

static void
action_activate_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  AtriumApp *app = user_data;
  Notifications *state = state_of (app, FALSE);
  const char *id;
  const char *name;
  Live *live;
  g_autofree char *live_id = NULL;
  g_autofree char *name_copy = NULL;
  g_autoptr(WebKitNotification) web = NULL;
  guint window_id;

  g_variant_get (parameter, "(&s&s)", &id, &name);
  live = state != NULL ? g_hash_table_lookup (state->by_id, id) : NULL;
  if (live == NULL)
    {
      _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Ignored a click on notification “%.*s”, which the "
                        "app is not showing", (int) MIN (strlen (id), 64), id);
      return;
    }
  if (strcmp (name, "default") != 0 && !g_strv_contains ((const char * const *) live->actions,
                                                         name))
    {
      _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Ignored a click on notification “%.*s”'s action "
                        "“%.*s”, which it does not have", (int) MIN (strlen (id), 64), id,
                        (int) MIN (strlen (name), 64), name);
      return;
    }

  /* Clicked, it is gone from the desktop (and from GLib's table). */
  live_id = g_strdup (live->id);
  name_copy = g_strdup (name);
  web = live->web != NULL ? g_object_ref (live->web) : NULL;
  window_id = live->window_id;
  forget (state, live, FALSE);

  if (web != NULL)
    {
      /* A page's Notification: its click event, if its window is still open. */
      if (_atrium_builtin_lookup_window (app, window_id) != NULL)
        webkit_notification_clicked (web);
      return;
    }

  g_signal_emit_by_name (app, "notification-action", live_id, name_copy);
  if (_atrium_builtins_group_check (app, &_atrium_builtin_notification_group, NULL))
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) data = NULL;

      json_object_set_string_member (object, "id", live_id);
      json_object_set_string_member (object, "action", name_copy);
      data = json_node_init_object (json_node_alloc (), object);
      _atrium_app_emit_builtin (app, 0, 0, "atrium:notification.action", data);
    }
}

/* --- the page's own Notification --- */

/* @text cut to at most @max bytes, on a character's boundary. */
static char *
cut (const char *text,
     gsize       max)
{
  const char *end;

  if (text == NULL)
    return g_strdup ("");
  if (strlen (text) <= max)
    return g_strdup (text);
  end = g_utf8_find_prev_char (text, text + max + 1);
  return g_strndup (text, end != NULL ? (gsize) (end - text) : 0);
}

static void
web_closed_cb (WebKitNotification *notification,
               gpointer            user_data)
{
  Live *live = user_data;
  AtriumApp *app = g_object_get_data (G_OBJECT (notification), "atrium-app");
  Notifications *state = app != NULL ? state_of (app, FALSE) : NULL;

  if (state != NULL && g_hash_table_lookup (state->by_id, live->id) == live)
    forget (state, live, TRUE);
}

gboolean
_atrium_notification_show_web (AtriumWindow       *window,
                               WebKitNotification *notification)
{
  AtriumApp *app = atrium_window_get_app (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  Live *live;

  g_return_val_if_fail (ATRIUM_IS_WINDOW (window), FALSE);
  g_return_val_if_fail (WEBKIT_IS_NOTIFICATION (notification), FALSE);

  if (app == NULL || !check_app (app, &error))
    {
      _atrium_log_page (G_LOG_LEVEL_MESSAGE, "A page's notification was not shown: %s",
                        error != NULL ? error->message : "its window is closing");
      return FALSE;
    }
  id = g_strdup_printf ("atrium-web-%" G_GUINT64_FORMAT, webkit_notification_get_id (notification));
  title = cut (webkit_notification_get_title (notification), ATRIUM_NOTIFICATION_TITLE_MAX);
  body = cut (webkit_notification_get_body (notification), ATRIUM_NOTIFICATION_BODY_MAX);
  if (title[0] == '\0' || !g_utf8_validate (title, -1, NULL) || !g_utf8_validate (body, -1, NULL))
    {
      _atrium_log_page (G_LOG_LEVEL_MESSAGE, "A page's notification without a title was not shown");
      return FALSE;
    }
  show (app, id, title, body, NULL, NULL, 0, notification, atrium_window_get_id (window));
  live = g_hash_table_lookup (state_of (app, FALSE)->by_id, id);
  if (live != NULL)
    {
      g_object_set_data (G_OBJECT (notification), "atrium-app", app);
      g_signal_connect (notification, "closed", G_CALLBACK (web_closed_cb), live);
    }
  return TRUE;
}

static gboolean
show_notification_cb (WebKitWebView      *web_view,
                      WebKitNotification *notification,
                      gpointer            user_data)
{
  _atrium_notification_show_web (user_data, notification);
  /* Handled either way: WebKit's own fallback would show it past the app. */
  return TRUE;
}

/* A closing window's page notifications go with it. */
static void
window_destroy_cb (GtkWidget *widget,
                   gpointer   user_data)
{
  AtriumWindow *window = ATRIUM_WINDOW (widget);
  AtriumApp *app = atrium_window_get_app (window);
  Notifications *state = app != NULL ? state_of (app, FALSE) : NULL;
  guint id = atrium_window_get_id (window);
  GList *l;

  if (state == NULL)
    return;
  l = state->order.head;
  while (l != NULL)
    {
      Live *live = l->data;

      l = l->next;
      if (live->web != NULL && live->window_id == id)
        forget (state, live, TRUE);
    }
}

void
_atrium_notification_attach (AtriumWindow *window)
{
  g_signal_connect_object (atrium_window_get_web_view (window), "show-notification",
                           G_CALLBACK (show_notification_cb), window, 0);
  g_signal_connect (window, "destroy", G_CALLBACK (window_destroy_cb), NULL);
}

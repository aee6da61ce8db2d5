#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Events"
#include "config.h"

#include "atrium-app-private.h"
#include "atrium-events-private.h"

/* The events API on AtriumApp: argument checks and documentation here, the
 * bus itself in atrium-events.c, which never asks the app for anything. */

/**
 * atrium_app_emit:
 * @name: the event's name: 1 to 256 bytes of UTF-8, not starting with `atrium:`
 * @data: (nullable) (transfer none): the event's data; %NULL is JS `null`
 * @error: return location for a #GError in %ATRIUM_ERROR
 *
 * Emits an event to every window's page (`atrium.on(name, fn)`) and to the
 * app's C listeners (atrium_app_on(), with a %NULL sender). Safe from any
 * thread; @data is encoded before this returns, on the calling thread.
 *
 * Events from one thread arrive in the order they were emitted, none lost.
 * A worker that finds a window's queue full waits until its page catches
 * up (or the window closes); on the main thread, which cannot wait, the
 * emit fails with %ATRIUM_ERROR_QUEUE_FULL for that window and the others
 * still get the event.
 *
 * Returns: %TRUE, or %FALSE with @error set: %ATRIUM_ERROR_BAD_ARGS for a
 *   bad name or data that is not UTF-8, %ATRIUM_ERROR_TOO_LARGE for data over
 *   the queue's byte limit, %ATRIUM_ERROR_QUEUE_FULL as above
 */
gboolean
atrium_app_emit (AtriumApp   *self,
                 const char  *name,
                 JsonNode    *data,
                 GError     **error)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_atrium_events_emit (_atrium_app_get_events (self), 0, name, data, error))
    return FALSE;
  /* Checked first: formatting a line per event is not free, and it is
   * seen only with G_MESSAGES_DEBUG=Atrium-Events (or all). */
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("C emitted %s to every window", name);
  return TRUE;
}

/**
 * atrium_app_emit_to:
 * @window_id: atrium_window_get_id() of the window
 * @name: the event's name
 * @data: (nullable) (transfer none): the event's data
 * @error: return location for a #GError in %ATRIUM_ERROR
 *
 * Like atrium_app_emit(), for one window's page only (C listeners do not
 * hear it). Safe from any thread: take the id on the main thread and pass
 * it to the worker, never the window.
 *
 * Returns: %TRUE, or %FALSE with @error set as atrium_app_emit() does, or
 *   to %ATRIUM_ERROR_NOT_FOUND if no window has that id or it closed while
 *   the emitter waited
 */
gboolean
atrium_app_emit_to (AtriumApp   *self,
                    guint        window_id,
                    const char  *name,
                    JsonNode    *data,
                    GError     **error)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (window_id != 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_atrium_events_emit (_atrium_app_get_events (self), window_id, name, data, error))
    return FALSE;
  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    g_debug ("C emitted %s to window %u", name, window_id);
  return TRUE;
}

/**
 * atrium_app_on:
 * @name: the event's name
 * @func: (scope notified): called on the main thread for each event of
 *   that name a page emits (`atrium.emit()`) or C broadcasts
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the listener is removed
 *
 * Returns: the listener's id, for atrium_app_off()
 */
gulong
atrium_app_on (AtriumApp       *self,
               const char      *name,
               AtriumEventFunc  func,
               gpointer         user_data,
               GDestroyNotify   destroy)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), 0);
  g_return_val_if_fail (name != NULL && *name != '\0', 0);
  g_return_val_if_fail (func != NULL, 0);

  return _atrium_events_add_listener (_atrium_app_get_events (self), name, func, user_data,
                                      destroy, FALSE);
}

/**
 * atrium_app_once:
 *
 * Like atrium_app_on(), but the listener is removed before it first runs.
 *
 * Returns: the listener's id, for atrium_app_off()
 */
gulong
atrium_app_once (AtriumApp       *self,
                 const char      *name,
                 AtriumEventFunc  func,
                 gpointer         user_data,
                 GDestroyNotify   destroy)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), 0);
  g_return_val_if_fail (name != NULL && *name != '\0', 0);
  g_return_val_if_fail (func != NULL, 0);

  return _atrium_events_add_listener (_atrium_app_get_events (self), name, func, user_data,
                                      destroy, TRUE);
}

/**
 * atrium_app_off:
 * @handler_id: what atrium_app_on() or atrium_app_once() returned
 *
 * Removes a listener. One removed while an event is being dispatched is
 * not called for it.
 *
 * Returns: %TRUE if there was such a listener
 */
gboolean
atrium_app_off (AtriumApp *self,
                gulong     handler_id)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);

  return _atrium_events_remove_listener (_atrium_app_get_events (self), handler_id);
}

/**
 * atrium_app_set_event_policy:
 * @name: an event name
 * @policy: what to do with events of @name on their way to a page
 *
 * %ATRIUM_EVENT_COALESCE suits progress: a page that falls behind gets the
 * latest value, not every step, and the emitter never waits for it.
 */
void
atrium_app_set_event_policy (AtriumApp         *self,
                             const char        *name,
                             AtriumEventPolicy  policy)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (policy == ATRIUM_EVENT_QUEUE || policy == ATRIUM_EVENT_COALESCE);

  _atrium_events_set_policy (_atrium_app_get_events (self), name, policy);
}

/**
 * atrium_app_set_event_forwarding:
 * @name: (nullable): an event name, or %NULL for every name without a
 *   setting of its own
 * @forward: whether events a page emits reach the other windows' pages
 *
 * Off by default: a page's `atrium.emit()` reaches C listeners only. With
 * forwarding, every other window's page gets it too, with the emitting
 * window's id as `event.sender`.
 */
void
atrium_app_set_event_forwarding (AtriumApp  *self,
                                 const char *name,
                                 gboolean    forward)
{
  g_return_if_fail (ATRIUM_IS_APP (self));

  _atrium_events_set_forwarding (_atrium_app_get_events (self), name, forward);
}

/**
 * atrium_app_set_event_queue_limits:
 * @max_events: how many events each window's queue holds, 10,000 by default
 * @max_bytes: how many bytes of their JSON it holds, 64 MiB by default; a
 *   larger event is refused with %ATRIUM_ERROR_TOO_LARGE
 *
 * The bounds on what waits for each page, the batch being delivered
 * included. Applies to open windows too.
 */
void
atrium_app_set_event_queue_limits (AtriumApp *self,
                                   guint      max_events,
                                   gsize      max_bytes)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (max_events > 0);
  g_return_if_fail (max_bytes > 0);

  _atrium_events_set_queue_limits (_atrium_app_get_events (self), max_events, max_bytes);
}

/* For the built-ins: an event under a reserved `atrium:` name to window
 * @target (or, when @target is 0, to every window but @exclude), on the
 * same queues as the app's events. Main thread: a page too far behind to
 * take it is logged, not waited for. */
gboolean
_atrium_app_emit_builtin (AtriumApp   *self,
                          guint        target,
                          guint        exclude,
                          const char  *name,
                          JsonNode    *data)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (name != NULL && g_str_has_prefix (name, "atrium:"), FALSE);

  if (_atrium_events_emit_reserved (_atrium_app_get_events (self), target, exclude, name, data,
                                    &error))
    return TRUE;
  if (!g_error_matches (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND))
    g_message ("Event %s not delivered: %s", name, error->message);
  return FALSE;
}

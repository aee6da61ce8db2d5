#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "atrium-app.h"
#include "atrium-window.h"

G_BEGIN_DECLS

/**
 * AtriumEventPolicy:
 * @ATRIUM_EVENT_QUEUE: every event of the name is delivered, in order; an
 *   emitter waits (worker) or fails (main thread) while a window's queue is full
 * @ATRIUM_EVENT_COALESCE: a queued event of the name that a window has not
 *   received yet is replaced by the newest one, which takes its place at the
 *   end of the queue; for progress and state updates where only the latest
 *   value matters
 *
 * What happens to events of one name on their way to a window.
 */
typedef enum {
  ATRIUM_EVENT_QUEUE,
  ATRIUM_EVENT_COALESCE,
} AtriumEventPolicy;

/**
 * AtriumEventFunc:
 * @app: the app
 * @name: the event's name
 * @data: (nullable): the event's data; borrowed for the duration of the call
 * @sender: (nullable): the window whose page emitted the event, or %NULL
 *   when C code emitted it with atrium_app_emit(). A listener before this
 *   one may have closed it: atrium_window_get_app() then returns %NULL
 * @user_data: the data given to atrium_app_on()
 *
 * A C listener. It always runs on the main thread.
 */
typedef void (*AtriumEventFunc) (AtriumApp    *app,
                                 const char   *name,
                                 JsonNode     *data,
                                 AtriumWindow *sender,
                                 gpointer      user_data);

/* Default bounds of each window's event queue. */
#define ATRIUM_EVENT_QUEUE_MAX_EVENTS 10000
#define ATRIUM_EVENT_QUEUE_MAX_BYTES  (64 * 1024 * 1024)

ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_emit                    (AtriumApp          *self,
                                              const char         *name,
                                              JsonNode           *data,
                                              GError            **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_emit_to                 (AtriumApp          *self,
                                              guint               window_id,
                                              const char         *name,
                                              JsonNode           *data,
                                              GError            **error);
ATRIUM_AVAILABLE_IN_ALL
gulong    atrium_app_on                      (AtriumApp          *self,
                                              const char         *name,
                                              AtriumEventFunc     func,
                                              gpointer            user_data,
                                              GDestroyNotify      destroy);
ATRIUM_AVAILABLE_IN_ALL
gulong    atrium_app_once                    (AtriumApp          *self,
                                              const char         *name,
                                              AtriumEventFunc     func,
                                              gpointer            user_data,
                                              GDestroyNotify      destroy);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_off                     (AtriumApp          *self,
                                              gulong              handler_id);
ATRIUM_AVAILABLE_IN_ALL
void      atrium_app_set_event_policy        (AtriumApp          *self,
                                              const char         *name,
                                              AtriumEventPolicy   policy);
ATRIUM_AVAILABLE_IN_ALL
void      atrium_app_set_event_forwarding    (AtriumApp          *self,
                                              const char         *name,
                                              gboolean            forward);
ATRIUM_AVAILABLE_IN_ALL
void      atrium_app_set_event_queue_limits  (AtriumApp          *self,
                                              guint               max_events,
                                              gsize               max_bytes);

G_END_DECLS

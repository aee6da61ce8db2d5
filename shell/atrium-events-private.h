#pragma once

#include <webkit/webkit.h>

#include "atrium-event-queue-private.h"
#include "atrium-events.h"

G_BEGIN_DECLS

/* AtriumEvents: the app's event bus. Each window has an AtriumEventQueue
 * (atrium-event-queue.c), bounded by count and bytes, that its
 * AtriumEventDelivery (atrium-event-delivery.c) takes to its page in
 * batches. */
typedef struct _AtriumEvents        AtriumEvents;
typedef struct _AtriumEventDelivery AtriumEventDelivery;

AtriumEvents     *_atrium_events_new              (AtriumApp             *app,
                                                   const char            *token);
gboolean          _atrium_events_emit             (AtriumEvents          *self,
                                                   guint                  target,
                                                   const char            *name,
                                                   JsonNode              *data,
                                                   GError               **error);
gboolean          _atrium_events_emit_reserved    (AtriumEvents          *self,
                                                   guint                  target,
                                                   guint                  exclude,
                                                   const char            *name,
                                                   JsonNode              *data,
                                                   GError               **error);
gulong            _atrium_events_add_listener     (AtriumEvents          *self,
                                                   const char            *name,
                                                   AtriumEventFunc        func,
                                                   gpointer               user_data,
                                                   GDestroyNotify         destroy,
                                                   gboolean               once);
gboolean          _atrium_events_remove_listener  (AtriumEvents          *self,
                                                   gulong                 handler_id);
void              _atrium_events_set_policy       (AtriumEvents          *self,
                                                   const char            *name,
                                                   AtriumEventPolicy      policy);
void              _atrium_events_set_forwarding   (AtriumEvents          *self,
                                                   const char            *name,
                                                   gboolean               forward);
void              _atrium_events_set_queue_limits (AtriumEvents          *self,
                                                   guint                  max_events,
                                                   gsize                  max_bytes);
void              _atrium_events_shutdown         (AtriumEvents          *self);
void              _atrium_events_free             (AtriumEvents          *self);

AtriumEventDelivery *_atrium_events_add_window    (AtriumEvents          *self,
                                                   guint                  window_id,
                                                   WebKitWebView         *web_view);
void              _atrium_events_remove_window    (AtriumEvents          *self,
                                                   AtriumEventDelivery   *delivery);

void              _atrium_events_poll             (AtriumEvents          *self,
                                                   guint                  window_id,
                                                   guint64                ack,
                                                   WebKitScriptMessageReply *reply,
                                                   JSCContext            *context);
gboolean          _atrium_events_take_from_page   (AtriumEvents          *self,
                                                   AtriumWindow          *sender,
                                                   guint64                ack,
                                                   const char            *text,
                                                   gsize                  length,
                                                   guint                  max_depth,
                                                   gsize                  max_size,
                                                   GBytes               **batch,
                                                   GError               **error);
gboolean          _atrium_events_receive          (AtriumEvents          *self,
                                                   AtriumWindow          *sender,
                                                   const char            *text,
                                                   gsize                  length,
                                                   guint                  max_depth,
                                                   gsize                  max_size,
                                                   GError               **error);
JsonNode         *_atrium_event_decode            (const char            *text,
                                                   gsize                  length,
                                                   guint                  max_depth,
                                                   gsize                  max_size,
                                                   GError               **error);

gboolean          _atrium_events_get_queue_stats  (AtriumEvents          *self,
                                                   guint                  window_id,
                                                   AtriumEventQueueStats *stats);
gboolean          _atrium_events_set_paused       (AtriumEvents          *self,
                                                   guint                  window_id,
                                                   gboolean               paused);
void              _atrium_events_set_batch_limits (AtriumEvents          *self,
                                                   guint                  max_events,
                                                   gsize                  max_bytes);

G_END_DECLS

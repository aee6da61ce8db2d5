#pragma once

#include <webkit/webkit.h>

#include "atrium-events.h"

G_BEGIN_DECLS

/* AtriumEvents: the app's event bus. Each window has an AtriumEventQueue,
 * bounded by count and bytes, from which its page pulls its events in
 * batches (see atrium-events.c). */
typedef struct _AtriumEvents     AtriumEvents;
typedef struct _AtriumEventQueue AtriumEventQueue;

/* How many events, and bytes of their JSON, one delivery carries at most. */
#define ATRIUM_EVENT_BATCH_MAX_EVENTS 4096
#define ATRIUM_EVENT_BATCH_MAX_BYTES  (1024 * 1024)

/* Names are at most this many bytes; names starting with "atrium:" are
 * reserved for libatrium. */
#define ATRIUM_EVENT_NAME_MAX 256

typedef struct
{
  guint   queued;       /* waiting, not yet sent to the page */
  gsize   bytes;        /* JSON bytes held: queued and in flight */
  guint   in_flight;    /* events in the batches the page is handling */
  guint   waiting;      /* emitters blocked on a full queue right now */
  guint64 pushed;
  guint64 delivered;    /* events the page confirmed */
  guint64 batches;
  guint64 scripts;      /* of the batches, those sent by script */
  guint   max_batch;
  guint64 coalesced;    /* events replaced by a newer one of their name */
  guint64 blocked;      /* pushes that had to wait for room */
  guint64 refused;      /* main-thread pushes into a full queue */
  guint64 dropped;      /* lost with the page: navigation, crash, no runtime */
} AtriumEventQueueStats;

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
void              _atrium_events_free             (AtriumEvents          *self);

AtriumEventQueue *_atrium_events_add_window       (AtriumEvents          *self,
                                                   guint                  window_id,
                                                   WebKitWebView         *web_view);
void              _atrium_event_queue_close       (AtriumEventQueue      *queue);
void              _atrium_event_queue_unref       (AtriumEventQueue      *queue);

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
                                                   GBytes               **batch,
                                                   GError               **error);
gboolean          _atrium_events_receive          (AtriumEvents          *self,
                                                   AtriumWindow          *sender,
                                                   const char            *text,
                                                   gsize                  length,
                                                   guint                  max_depth,
                                                   GError               **error);
gboolean          _atrium_event_name_is_valid     (const char            *name,
                                                   GError               **error);
JsonNode         *_atrium_event_decode            (const char            *text,
                                                   gsize                  length,
                                                   guint                  max_depth,
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

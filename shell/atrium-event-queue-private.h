#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The encoded event and the per-window event queue: core, no GTK and no
 * WebKit (see atrium-event-queue.c). The bus (atrium-events.c) pushes into
 * queues; the WebKit delivery (atrium-event-delivery.c) takes batches out
 * of them. */

typedef struct _AtriumEvent      AtriumEvent;
typedef struct _AtriumEventQueue AtriumEventQueue;

/* Names are at most this many bytes; names starting with "atrium:" are
 * reserved for libatrium. */
#define ATRIUM_EVENT_NAME_MAX 256

/* How many events, and bytes of their JSON, one delivery carries at most. */
#define ATRIUM_EVENT_BATCH_MAX_EVENTS 4096
#define ATRIUM_EVENT_BATCH_MAX_BYTES  (1024 * 1024)

/* A backlog this small goes by script; at most SCRIPT_DEPTH at once. */
#define ATRIUM_EVENT_SCRIPT_MAX_BYTES 8192
#define ATRIUM_EVENT_SCRIPT_DEPTH     2

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

/* The encoded event: ["name",data,sender] as JSON text, immutable once
 * made, shared by reference between the queues it was pushed into. */
gboolean          _atrium_event_name_is_valid        (const char        *name,
                                                      GError           **error);
AtriumEvent      *_atrium_event_encode               (const char        *name,
                                                      JsonNode          *data,
                                                      guint              sender,
                                                      GError           **error);
AtriumEvent      *_atrium_event_new_take             (const char        *name,
                                                      GString           *text);
AtriumEvent      *_atrium_event_ref                  (AtriumEvent       *event);
void              _atrium_event_unref                (AtriumEvent       *event);
const char       *_atrium_event_get_name             (AtriumEvent       *event);
const char       *_atrium_event_get_text             (AtriumEvent       *event,
                                                      gsize             *length);
void              _atrium_event_set_coalesce         (AtriumEvent       *event,
                                                      gboolean           coalesce);

/* The queue's way to its delivery. @wake is called with the queue's lock
 * held, from any thread, when something can be sent and no flush is on
 * its way: it may only schedule one (g_source_set_ready_time()). @flush is
 * called without the lock, on the main thread, after a main-thread push,
 * so a lone event goes out at once. */
typedef struct
{
  void (*wake)  (gpointer user_data);
  void (*flush) (gpointer user_data);
} AtriumEventQueueSink;

typedef enum {
  ATRIUM_EVENT_PUSH_OK,
  ATRIUM_EVENT_PUSH_CLOSED,
  ATRIUM_EVENT_PUSH_FULL,
} AtriumEventPush;

/* What _atrium_event_queue_take() gave the delivery to send. */
typedef enum {
  ATRIUM_EVENT_SEND_NONE,
  ATRIUM_EVENT_SEND_SCRIPT,   /* a script's source; its completion acknowledges it */
  ATRIUM_EVENT_SEND_POLL,     /* [id,[event,…]], the answer to the oldest poll */
} AtriumEventSend;

AtriumEventQueue *_atrium_event_queue_new            (guint              window_id,
                                                      const char        *token,
                                                      guint              poll_depth);
AtriumEventQueue *_atrium_event_queue_ref            (AtriumEventQueue  *queue);
void              _atrium_event_queue_unref          (AtriumEventQueue  *queue);
guint             _atrium_event_queue_get_window_id  (AtriumEventQueue  *queue);
void              _atrium_event_queue_set_sink       (AtriumEventQueue  *queue,
                                                      const AtriumEventQueueSink *sink,
                                                      gpointer           user_data);
void              _atrium_event_queue_set_limits     (AtriumEventQueue  *queue,
                                                      guint              max_events,
                                                      gsize              max_bytes);
void              _atrium_event_queue_set_batch_limits (AtriumEventQueue *queue,
                                                      guint              max_events,
                                                      gsize              max_bytes);

/* Emitters, any thread. */
AtriumEventPush   _atrium_event_queue_push           (AtriumEventQueue  *queue,
                                                      AtriumEvent       *event,
                                                      gboolean           block);

/* The delivery, one thread (the main one). */
AtriumEventSend   _atrium_event_queue_take           (AtriumEventQueue  *queue,
                                                      GBytes           **batch,
                                                      guint64           *id);
gboolean          _atrium_event_queue_ask            (AtriumEventQueue  *queue,
                                                      guint64            ack);
gboolean          _atrium_event_queue_script_done    (AtriumEventQueue  *queue,
                                                      guint64            id,
                                                      gboolean           taken,
                                                      guint             *released);
guint             _atrium_event_queue_reset          (AtriumEventQueue  *queue);
void              _atrium_event_queue_hold           (AtriumEventQueue  *queue,
                                                      guint64            ack);
GBytes           *_atrium_event_queue_release        (AtriumEventQueue  *queue,
                                                      gboolean           take);
void              _atrium_event_queue_flush          (AtriumEventQueue  *queue);
void              _atrium_event_queue_set_paused     (AtriumEventQueue  *queue,
                                                      gboolean           paused);
void              _atrium_event_queue_close          (AtriumEventQueue  *queue);
gboolean          _atrium_event_queue_is_closed      (AtriumEventQueue  *queue);
void              _atrium_event_queue_get_stats      (AtriumEventQueue  *queue,
                                                      AtriumEventQueueStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumEventQueue, _atrium_event_queue_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumEvent, _atrium_event_unref)

G_END_DECLS

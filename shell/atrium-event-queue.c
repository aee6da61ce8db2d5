#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* memmem() */
#endif

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Events"
#include "config.h"

#include "atrium-event-queue-private.h"

#include <string.h>

#include "atrium-bytes-private.h"
#include "atrium-error.h"
#include "atrium-json-private.h"

/* The per-window event queue, and the protocol that empties it.
 *
 * An event is encoded once, on the thread that emits it, as the JSON text
 * ["name",data,sender] (["name",data,sender,1] when the data holds binary
 * values, see atrium-bytes.c) and pushed (shared, by reference) into the queue of
 * every window it is for. The queue goes to its page in batches, one of
 * two ways (atrium-event-delivery.c does the sending):
 *
 * - By poll, for a backlog (a burst) or a big event: the page keeps
 *   poll_depth requests posted, each carrying the id of the batch it last
 *   handled (_atrium_event_queue_ask()), and each is answered with the next
 *   batch, [id,[event,…]], as soon as there is one. At most poll_depth
 *   batches are in flight, and the next goes only when the page asks, so a
 *   page that stops reading stops its queue.
 *
 * - By script, when all that waits fits in SCRIPT_MAX_BYTES (a lone event,
 *   an answer to the page's event): atrium.__deliver(["token",[event,…]]),
 *   whose completion acknowledges it (_atrium_event_queue_script_done());
 *   at most SCRIPT_DEPTH in flight. Only events that read the same as JS
 *   and as JSON go this way: no "__proto__" key (in a literal it sets the
 *   prototype), which JSON can spell only as is or with \u escapes.
 *
 * The two ways never overlap: a batch goes by script only when no poll
 * batch is in flight, and by poll only when no script is, so the page
 * handles batches in the order sent. While the page's own event is being
 * handled (hold/release), what C emits to that window meanwhile waits for
 * the event's reply instead of a poll.
 *
 * Back-pressure. A queue holds at most max_events events and max_bytes of
 * their JSON (in flight included). An emitter on a worker thread that finds
 * it full waits until the page catches up or the window closes; the main
 * thread cannot wait for itself, so there the push fails and a warning is
 * logged. Nothing is dropped silently: events are lost only with the page
 * they were for (the window closes, the page navigates or crashes while a
 * batch is in flight), and that is counted in the stats. Events of a
 * coalescing name keep only their newest undelivered one.
 *
 * Everything here is under the queue's own lock, and nothing here knows
 * about GTK or WebKit, so tests/test-event-queue.c runs the protocol
 * without a display. */

struct _AtriumEvent
{
  gatomicrefcount  ref_count;
  gboolean         coalesce;
  gboolean         scriptable;
  gsize            length;
  char            *name;
  char            *text;      /* ["name",data,sender(,1)], valid UTF-8 */
};

typedef struct
{
  guint64  id;
  guint    n;
  gsize    bytes;
  gboolean script;
} Flight;

struct _AtriumEventQueue
{
  gatomicrefcount  ref_count;
  guint            window_id;
  guint            poll_depth;
  char            *token;

  GMutex           lock;
  GCond            room;
  GQueue           pending;     /* AtriumEvent, oldest first */
  GHashTable      *latest;      /* coalescing name → its link in pending */
  guint            count;       /* pending + in flight */
  gsize            bytes;       /* pending + in flight */
  guint            max_events;
  gsize            max_bytes;
  guint            batch_events;
  gsize            batch_bytes;
  guint            in_flight;   /* events in the batches being delivered */
  gsize            in_flight_bytes;
  guint64          batch_id;    /* of the last batch sent */
  GQueue           flights;     /* Flight: batches sent, not acknowledged */
  guint            scripts;     /* of the flights, those sent by script */
  guint            unscriptable; /* pending events that cannot go by script */
  guint            asks;        /* the page's polls, not yet answered */
  guint            holding;     /* see _atrium_event_queue_hold() */
  gboolean         polling;     /* a backlog went by poll: no scripts until idle */
  gboolean         ready;       /* the page's runtime has polled */
  gboolean         closed;
  gboolean         paused;      /* tests: the page stops reading */
  gboolean         woken;
  gboolean         warned_full;
  AtriumEventQueueSink sink;
  gpointer         sink_data;
  AtriumEventQueueStats stats;
};

/* Events */

AtriumEvent *
_atrium_event_ref (AtriumEvent *event)
{
  g_atomic_ref_count_inc (&event->ref_count);
  return event;
}

void
_atrium_event_unref (AtriumEvent *event)
{
  if (event == NULL || !g_atomic_ref_count_dec (&event->ref_count))
    return;
  g_free (event->name);
  g_free (event->text);
  g_free (event);
}

const char *
_atrium_event_get_name (AtriumEvent *event)
{
  return event->name;
}

const char *
_atrium_event_get_text (AtriumEvent *event,
                        gsize       *length)
{
  *length = event->length;
  return event->text;
}

/* Before the event is pushed anywhere: the bus knows the name's policy. */
void
_atrium_event_set_coalesce (AtriumEvent *event,
                            gboolean     coalesce)
{
  event->coalesce = !!coalesce;
}

/**
 * _atrium_event_new_take:
 * @text: (transfer full): the event's JSON, ["name",data,sender], valid UTF-8
 */
AtriumEvent *
_atrium_event_new_take (const char *name,
                        GString    *text)
{
  AtriumEvent *event = g_new0 (AtriumEvent, 1);

  g_atomic_ref_count_init (&event->ref_count);
  event->name = g_strdup (name);
  event->length = text->len;
  event->text = g_string_free (text, FALSE);
  /* Whether the text, a JSON literal in a script's source, means what
   * JSON.parse makes of it. It does unless a key is "__proto__", which in
   * an object literal sets the prototype instead; JSON can spell it only
   * as is or with \u escapes. Small events only: big ones go by poll. */
  event->scriptable = event->length <= ATRIUM_EVENT_SCRIPT_MAX_BYTES
                      && memmem (event->text, event->length, "__proto__", 9) == NULL
                      && memmem (event->text, event->length, "\\u", 2) == NULL;
  return event;
}

/* Any bytes outside ASCII are checked by GLib; most JSON has none, and
 * those are passed over a word at a time. */
static gboolean
text_is_utf8 (const char *text,
              gsize       length)
{
  const char *p = text, *end = text + length;

  while (end - p >= 8)
    {
      guint64 word;

      memcpy (&word, p, sizeof word);
      if (word & G_GUINT64_CONSTANT (0x8080808080808080))
        break;
      p += 8;
    }
  return g_utf8_validate_len (p, end - p, NULL);
}

gboolean
_atrium_event_name_is_valid (const char  *name,
                             GError     **error)
{
  gsize length = name != NULL ? strlen (name) : 0;

  if (length == 0 || length > ATRIUM_EVENT_NAME_MAX || !g_utf8_validate_len (name, length, NULL))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "An event name is a non-empty string of at most %d bytes",
                   ATRIUM_EVENT_NAME_MAX);
      return FALSE;
    }
  if (g_str_has_prefix (name, "atrium:"))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "Event names starting with “atrium:” are reserved");
      return FALSE;
    }
  return TRUE;
}

/**
 * _atrium_event_encode:
 * @sender: the window the event comes from, 0 for C
 *
 * On the emitting thread: the whole cost of encoding is the emitter's.
 *
 * Returns: (transfer full) (nullable): the event, or %NULL with @error set
 *   to %ATRIUM_ERROR_BAD_ARGS when a string in @data is not UTF-8
 */
AtriumEvent *
_atrium_event_encode (const char  *name,
                      JsonNode    *data,
                      guint        sender,
                      GError     **error)
{
  g_autoptr(JsonNode) name_node = json_node_new (JSON_NODE_VALUE);
  GString *text = g_string_sized_new (64);
  gboolean has_bytes;

  json_node_set_string (name_node, name);
  g_string_append_c (text, '[');
  _atrium_json_write (text, name_node);
  g_string_append_c (text, ',');
  has_bytes = _atrium_bytes_write (text, data) > 0;
  if (sender != 0)
    g_string_append_printf (text, ",%u", sender);
  else
    g_string_append (text, ",null");
  /* Binary values ride inline ({"$atrium-bytes":"BASE64"}); a fourth
   * element tells the runtime to look for them (atrium-bytes.c). */
  g_string_append (text, has_bytes ? ",1]" : "]");

  /* The batch reaches WebKit as a trusted GVariant string, so it must be
   * UTF-8: a C string in the data that is not is refused here. */
  if (!text_is_utf8 (text->str, text->len))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The data of event “%s” holds a string that is not UTF-8", name);
      g_string_free (text, TRUE);
      return NULL;
    }
  return _atrium_event_new_take (name, text);
}

/* The queue */

/**
 * _atrium_event_queue_new:
 * @token: the runtime's, for the scripts' source
 * @poll_depth: how many polls the page keeps posted
 */
AtriumEventQueue *
_atrium_event_queue_new (guint       window_id,
                         const char *token,
                         guint       poll_depth)
{
  AtriumEventQueue *queue = g_new0 (AtriumEventQueue, 1);

  g_atomic_ref_count_init (&queue->ref_count);
  queue->window_id = window_id;
  queue->token = g_strdup (token);
  queue->poll_depth = poll_depth;
  g_mutex_init (&queue->lock);
  g_cond_init (&queue->room);
  g_queue_init (&queue->pending);
  queue->latest = g_hash_table_new (g_str_hash, g_str_equal);
  queue->max_events = G_MAXUINT;
  queue->max_bytes = G_MAXSIZE;
  queue->batch_events = ATRIUM_EVENT_BATCH_MAX_EVENTS;
  queue->batch_bytes = ATRIUM_EVENT_BATCH_MAX_BYTES;
  return queue;
}

AtriumEventQueue *
_atrium_event_queue_ref (AtriumEventQueue *queue)
{
  g_atomic_ref_count_inc (&queue->ref_count);
  return queue;
}

void
_atrium_event_queue_unref (AtriumEventQueue *queue)
{
  if (queue == NULL || !g_atomic_ref_count_dec (&queue->ref_count))
    return;

  _atrium_event_queue_close (queue);
  g_clear_pointer (&queue->latest, g_hash_table_unref);
  g_clear_pointer (&queue->token, g_free);
  g_mutex_clear (&queue->lock);
  g_cond_clear (&queue->room);
  g_free (queue);
}

guint
_atrium_event_queue_get_window_id (AtriumEventQueue *queue)
{
  return queue->window_id;
}

/* Before anything is pushed; %NULL detaches the delivery. */
void
_atrium_event_queue_set_sink (AtriumEventQueue           *queue,
                              const AtriumEventQueueSink *sink,
                              gpointer                    user_data)
{
  g_mutex_lock (&queue->lock);
  if (sink != NULL)
    queue->sink = *sink;
  else
    memset (&queue->sink, 0, sizeof queue->sink);
  queue->sink_data = user_data;
  g_mutex_unlock (&queue->lock);
}

/* Applies at once: emitters waiting for room look again. */
void
_atrium_event_queue_set_limits (AtriumEventQueue *queue,
                                guint             max_events,
                                gsize             max_bytes)
{
  g_mutex_lock (&queue->lock);
  queue->max_events = max_events;
  queue->max_bytes = max_bytes;
  g_cond_broadcast (&queue->room);
  g_mutex_unlock (&queue->lock);
}

void
_atrium_event_queue_set_batch_limits (AtriumEventQueue *queue,
                                      guint             max_events,
                                      gsize             max_bytes)
{
  g_assert (max_events > 0 && max_bytes > 0);

  g_mutex_lock (&queue->lock);
  queue->batch_events = max_events;
  queue->batch_bytes = max_bytes;
  g_mutex_unlock (&queue->lock);
}

/* Called with the lock held: whether the next batch goes by script: the
 * page's runtime is there, all that waits is small and scriptable, and no
 * poll batch is in flight. Once a backlog has gone by poll, the queue
 * stays with polls until it is idle, so a burst does not switch back and
 * forth (each switch waits for the other way's batches). */
static gboolean
goes_by_script_locked (AtriumEventQueue *queue)
{
  return queue->ready && !queue->polling && queue->unscriptable == 0
         && queue->scripts < ATRIUM_EVENT_SCRIPT_DEPTH
         && queue->flights.length == queue->scripts
         && queue->bytes - queue->in_flight_bytes <= ATRIUM_EVENT_SCRIPT_MAX_BYTES
         && queue->pending.length <= queue->batch_events;
}

/* Called with the lock held: whether a poll may be answered now. Not
 * while a script is in flight (the batch could overtake it), nor while the
 * page's own event is handled (what comes goes with its reply). */
static gboolean
goes_by_poll_locked (AtriumEventQueue *queue)
{
  return queue->asks > 0 && queue->holding == 0 && queue->scripts == 0;
}

/* Called with the lock held: ask the delivery for a flush if one could
 * send something now. When one could not, whatever changes that flushes
 * by itself: the page's poll, a script's completion, the release. */
static void
wake_locked (AtriumEventQueue *queue)
{
  if (!queue->woken && queue->sink.wake != NULL && !queue->paused && queue->pending.length > 0
      && (goes_by_poll_locked (queue) || goes_by_script_locked (queue)))
    {
      queue->woken = TRUE;
      queue->sink.wake (queue->sink_data);
    }
}

/* Called with the lock held: the batches in flight up to @ack (all of them
 * for G_MAXUINT64) are done with, one way or the other, and their room is
 * free. Returns how many events that was. */
static guint
release_in_flight_locked (AtriumEventQueue *queue,
                          guint64           ack)
{
  guint released = 0;
  Flight *flight;

  while ((flight = g_queue_peek_head (&queue->flights)) != NULL && flight->id <= ack)
    {
      g_queue_pop_head (&queue->flights);
      queue->count -= flight->n;
      queue->bytes -= flight->bytes;
      queue->in_flight -= flight->n;
      queue->in_flight_bytes -= flight->bytes;
      if (flight->script)
        queue->scripts--;
      released += flight->n;
      g_free (flight);
    }
  /* Idle: the next lone event may go by script again. */
  if (queue->flights.length == 0 && queue->pending.length == 0)
    queue->polling = FALSE;
  if (released > 0)
    {
      queue->warned_full = FALSE;
      g_cond_broadcast (&queue->room);
    }
  return released;
}

/* Called with the lock held: whether @event finds no room, @replaced (the
 * waiting event of its coalescing name, if any) being gone by then. An
 * empty queue always takes one event: the bus refuses one over the bytes
 * limit before. */
static gboolean
is_full_locked (AtriumEventQueue *queue,
                AtriumEvent      *event,
                AtriumEvent      *replaced)
{
  guint count = queue->count - (replaced != NULL);
  gsize bytes = queue->bytes - (replaced != NULL ? replaced->length : 0);

  return count >= queue->max_events || (count > 0 && bytes + event->length > queue->max_bytes);
}

/* Called with the lock held: the waiting event of @event's name, if it
 * coalesces. Looked up again after every wait: another emitter may have
 * replaced it meanwhile, or the page taken it. */
static GList *
waiting_link_locked (AtriumEventQueue *queue,
                     AtriumEvent      *event)
{
  return event->coalesce ? g_hash_table_lookup (queue->latest, event->name) : NULL;
}

/**
 * _atrium_event_queue_push:
 * @block: whether to wait for room (any thread but the main one)
 *
 * Returns: %ATRIUM_EVENT_PUSH_OK; %ATRIUM_EVENT_PUSH_FULL when the queue
 *   had no room and @block was %FALSE (counted, and logged once until it
 *   has room again; the queue is left as it was); %ATRIUM_EVENT_PUSH_CLOSED
 *   when the window went first
 */
AtriumEventPush
_atrium_event_queue_push (AtriumEventQueue *queue,
                          AtriumEvent      *event,
                          gboolean          block)
{
  AtriumEvent *replaced = NULL;
  gboolean waited = FALSE;
  GList *old;

  g_mutex_lock (&queue->lock);

  for (;;)
    {
      old = queue->closed ? NULL : waiting_link_locked (queue, event);
      if (queue->closed || !is_full_locked (queue, event, old != NULL ? old->data : NULL))
        break;
      if (!block)
        {
          gboolean warn = !queue->warned_full;

          queue->warned_full = TRUE;
          queue->stats.refused++;
          g_mutex_unlock (&queue->lock);
          if (warn)
            g_warning ("The event queue of window %u is full (its page is not keeping up); "
                       "events emitted on the main thread are refused until it has room",
                       queue->window_id);
          return ATRIUM_EVENT_PUSH_FULL;
        }
      if (!waited)
        {
          waited = TRUE;
          queue->stats.blocked++;
        }
      queue->stats.waiting++;
      g_cond_wait (&queue->room, &queue->lock);
      queue->stats.waiting--;
    }

  if (queue->closed)
    {
      g_mutex_unlock (&queue->lock);
      return ATRIUM_EVENT_PUSH_CLOSED;
    }

  /* The newest event of a coalescing name replaces the one still waiting,
   * and goes to the end: what the page sees stays in the order sent. Only
   * now that it is taken, so a refused event leaves the older one. */
  if (old != NULL)
    {
      replaced = old->data;
      g_queue_delete_link (&queue->pending, old);
      if (!replaced->scriptable)
        queue->unscriptable--;
      queue->count--;
      queue->bytes -= replaced->length;
      queue->stats.coalesced++;
    }

  g_queue_push_tail (&queue->pending, _atrium_event_ref (event));
  if (!event->scriptable)
    queue->unscriptable++;
  /* Replace, not insert: the key must be the name of the event the link
   * holds, which outlives the one it replaced. */
  if (event->coalesce)
    g_hash_table_replace (queue->latest, event->name, queue->pending.tail);
  _atrium_event_unref (replaced);
  queue->count++;
  queue->bytes += event->length;
  queue->stats.pushed++;
  /* On the main thread an idle queue sends at once: a lone event (a reply
   * to a page's event, say) does not wait for the next main loop
   * iteration, and a burst still batches behind the one in flight. */
  if (!block)
    {
      g_mutex_unlock (&queue->lock);
      _atrium_event_queue_flush (queue);
      return ATRIUM_EVENT_PUSH_OK;
    }
  wake_locked (queue);
  g_mutex_unlock (&queue->lock);

  return ATRIUM_EVENT_PUSH_OK;
}

/* Called with the lock held: takes the next batch, the oldest events
 * within the limits (at least one). For a poll, the text [id,[event,…]];
 * by script, the script's source, with no batch id: its completion is
 * what acknowledges it. */
static GBytes *
take_batch_locked (AtriumEventQueue *queue,
                   gboolean          script)
{
  Flight *flight;
  GString *text;
  guint n = 0;
  gsize size = 0, length;

  for (GList *l = queue->pending.head; l != NULL && n < queue->batch_events; l = l->next)
    {
      AtriumEvent *event = l->data;

      if (n > 0 && size + event->length > queue->batch_bytes)
        break;
      size += event->length;
      n++;
      if (event->coalesce && g_hash_table_lookup (queue->latest, event->name) == l)
        g_hash_table_remove (queue->latest, event->name);
    }

  flight = g_new (Flight, 1);
  flight->id = ++queue->batch_id;
  flight->n = n;
  flight->bytes = size;
  flight->script = script;
  g_queue_push_tail (&queue->flights, flight);
  if (script)
    {
      queue->scripts++;
      queue->stats.scripts++;
    }
  else
    queue->polling = TRUE;

  text = g_string_sized_new (size + n + 64);
  if (script)
    g_string_append_printf (text, "atrium.__deliver([\"%s\",[", queue->token);
  else
    g_string_append_printf (text, "[%" G_GUINT64_FORMAT ",[", flight->id);
  for (guint i = 0; i < n; i++)
    {
      AtriumEvent *event = g_queue_pop_head (&queue->pending);

      if (i > 0)
        g_string_append_c (text, ',');
      g_string_append_len (text, event->text, event->length);
      if (!event->scriptable)
        queue->unscriptable--;
      _atrium_event_unref (event);
    }
  g_string_append (text, script ? "]])" : "]]");

  queue->in_flight += n;
  queue->in_flight_bytes += size;
  queue->stats.batches++;
  queue->stats.max_batch = MAX (queue->stats.max_batch, n);

  /* Every event was checked for UTF-8 when it was made. */
  length = text->len;
  return g_bytes_new_take (g_string_free (text, FALSE), length);
}

/**
 * _atrium_event_queue_take:
 * @batch: (out) (transfer full): what to send, for SCRIPT and POLL
 * @id: (out) (optional): the batch's id
 *
 * The delivery's next step: a batch to send by script, the answer to the
 * oldest poll, or nothing (the queue is empty, paused or closed, or must
 * wait for the page).
 */
AtriumEventSend
_atrium_event_queue_take (AtriumEventQueue  *queue,
                          GBytes           **batch,
                          guint64           *id)
{
  AtriumEventSend send = ATRIUM_EVENT_SEND_NONE;

  g_mutex_lock (&queue->lock);
  queue->woken = FALSE;
  if (queue->closed || queue->paused || queue->pending.length == 0)
    ;
  else if (goes_by_script_locked (queue))
    {
      *batch = take_batch_locked (queue, TRUE);
      send = ATRIUM_EVENT_SEND_SCRIPT;
    }
  else if (goes_by_poll_locked (queue))
    {
      *batch = take_batch_locked (queue, FALSE);
      queue->asks--;
      send = ATRIUM_EVENT_SEND_POLL;
    }
  if (id != NULL)
    *id = queue->batch_id;
  g_mutex_unlock (&queue->lock);

  return send;
}

/**
 * _atrium_event_queue_ask:
 * @ack: the id of the last batch the page handled, 0 for none
 *
 * The page posted a poll: the batches up to @ack are delivered, and the
 * page's runtime is there.
 *
 * Returns: %TRUE when the page now has more polls posted than it keeps
 *   (poll_depth): the oldest is stale, and the delivery drops it
 */
gboolean
_atrium_event_queue_ask (AtriumEventQueue *queue,
                         guint64           ack)
{
  gboolean stale = FALSE;

  g_mutex_lock (&queue->lock);
  queue->stats.delivered += release_in_flight_locked (queue, ack);
  queue->ready = TRUE;
  queue->asks++;
  if (queue->asks > queue->poll_depth)
    {
      queue->asks--;
      stale = TRUE;
    }
  g_mutex_unlock (&queue->lock);

  return stale;
}

/**
 * _atrium_event_queue_script_done:
 * @id: the batch the script carried
 * @taken: whether the page ran it; a script that failed took its events
 *   with it (the page navigated, crashed or has no runtime)
 * @released: (out): how many events that was
 *
 * Returns: %FALSE if the queue is closed (its delivery is gone)
 */
gboolean
_atrium_event_queue_script_done (AtriumEventQueue *queue,
                                 guint64           id,
                                 gboolean          taken,
                                 guint            *released)
{
  g_mutex_lock (&queue->lock);
  if (queue->closed)
    {
      g_mutex_unlock (&queue->lock);
      *released = 0;
      return FALSE;
    }
  *released = release_in_flight_locked (queue, id);
  if (taken)
    queue->stats.delivered += *released;
  else if (*released > 0)
    {
      queue->stats.dropped += *released;
      queue->ready = FALSE;
    }
  /* Else the script was the old page's, whose batches went with it at the
   * reset; the new page may have polled since and is ready. */
  g_mutex_unlock (&queue->lock);
  return TRUE;
}

/* A new document replaced the page: its polls can no longer be answered,
 * and the batches it was handling are gone with it. Returns how many
 * events were lost. */
guint
_atrium_event_queue_reset (AtriumEventQueue *queue)
{
  guint lost;

  g_mutex_lock (&queue->lock);
  lost = release_in_flight_locked (queue, G_MAXUINT64);
  queue->stats.dropped += lost;
  queue->ready = FALSE;
  queue->asks = 0;
  g_mutex_unlock (&queue->lock);
  return lost;
}

/**
 * _atrium_event_queue_hold:
 * @ack: the id of the last batch the page handled
 *
 * While a page's event message is handled: what C emits to that window
 * meanwhile (a listener answering it, say) is kept for the message's
 * reply, _atrium_event_queue_release(), instead of a poll's. Only
 * _atrium_events_take_from_page() calls the two, in that order.
 */
void
_atrium_event_queue_hold (AtriumEventQueue *queue,
                          guint64           ack)
{
  g_mutex_lock (&queue->lock);
  queue->holding++;
  queue->stats.delivered += release_in_flight_locked (queue, ack);
  g_mutex_unlock (&queue->lock);
}

/**
 * _atrium_event_queue_release:
 * @take: whether the caller can send a batch with its reply
 *
 * Ends _atrium_event_queue_hold(). The caller flushes afterwards, for
 * what is left.
 *
 * Returns: (transfer full) (nullable): the next batch, [id,[event,…]], for
 *   the reply, or %NULL
 */
GBytes *
_atrium_event_queue_release (AtriumEventQueue *queue,
                             gboolean          take)
{
  GBytes *batch = NULL;

  g_mutex_lock (&queue->lock);
  g_assert (queue->holding > 0);
  queue->holding--;
  /* A request/response pair — a page's event and C's answer to it — then
   * costs two messages, as a call does, not four. */
  if (take && !queue->closed && !queue->paused && queue->pending.length > 0
      && queue->scripts == 0)
    {
      gboolean polling = queue->polling;
      Flight *flight;

      batch = take_batch_locked (queue, FALSE);
      /* The page takes this batch with its answer and never acknowledges
       * it apart (its polls are posted already): it is delivered as it
       * goes, or its room would stay taken until the page's next message,
       * which may never come. */
      flight = g_queue_pop_tail (&queue->flights);
      queue->count -= flight->n;
      queue->bytes -= flight->bytes;
      queue->in_flight -= flight->n;
      queue->in_flight_bytes -= flight->bytes;
      queue->stats.delivered += flight->n;
      queue->polling = polling && queue->flights.length + queue->pending.length > 0;
      queue->warned_full = FALSE;
      g_cond_broadcast (&queue->room);
      g_free (flight);
    }
  g_mutex_unlock (&queue->lock);
  return batch;
}

/* Main thread: has the delivery send what it can now. */
void
_atrium_event_queue_flush (AtriumEventQueue *queue)
{
  AtriumEventQueueSink sink;
  gpointer data;

  g_mutex_lock (&queue->lock);
  sink = queue->sink;
  data = queue->sink_data;
  g_mutex_unlock (&queue->lock);

  /* The sink is detached only on the main thread, so it is still there. */
  if (sink.flush != NULL)
    sink.flush (data);
}

/* For tests: a paused queue sends nothing, as if its page had stopped
 * reading. */
void
_atrium_event_queue_set_paused (AtriumEventQueue *queue,
                                gboolean          paused)
{
  g_mutex_lock (&queue->lock);
  queue->paused = !!paused;
  g_mutex_unlock (&queue->lock);
  _atrium_event_queue_flush (queue);
}

/* When the window goes: no more events for it; emitters waiting for room
 * are released (their push fails); what is queued is freed; a batch in
 * flight is forgotten; the delivery is detached. */
void
_atrium_event_queue_close (AtriumEventQueue *queue)
{
  GQueue pending = G_QUEUE_INIT;

  g_mutex_lock (&queue->lock);
  if (queue->closed)
    {
      g_mutex_unlock (&queue->lock);
      return;
    }
  queue->closed = TRUE;
  pending = queue->pending;
  g_queue_init (&queue->pending);
  g_hash_table_remove_all (queue->latest);
  queue->unscriptable = 0;
  queue->count = 0;
  queue->bytes = 0;
  queue->in_flight = 0;
  queue->in_flight_bytes = 0;
  queue->asks = 0;
  g_queue_clear_full (&queue->flights, g_free);
  memset (&queue->sink, 0, sizeof queue->sink);
  queue->sink_data = NULL;
  g_cond_broadcast (&queue->room);
  g_mutex_unlock (&queue->lock);

  g_queue_clear_full (&pending, (GDestroyNotify) _atrium_event_unref);
}

gboolean
_atrium_event_queue_is_closed (AtriumEventQueue *queue)
{
  gboolean closed;

  g_mutex_lock (&queue->lock);
  closed = queue->closed;
  g_mutex_unlock (&queue->lock);
  return closed;
}

void
_atrium_event_queue_get_stats (AtriumEventQueue      *queue,
                               AtriumEventQueueStats *stats)
{
  g_mutex_lock (&queue->lock);
  *stats = queue->stats;
  stats->queued = queue->pending.length;
  stats->bytes = queue->bytes;
  stats->in_flight = queue->in_flight;
  g_mutex_unlock (&queue->lock);
}

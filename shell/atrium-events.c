#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1  /* memmem() */
#endif

#include "config.h"

#include "atrium-events-private.h"

#include <string.h>

#include "atrium-log-limit-private.h"
#include "atrium-runtime-private.h"
#include "atrium-thread-private.h"
#include "atrium-channel-private.h"
#include "atrium-json-private.h"

/* The event bus, both ways.
 *
 * C → JS. An event is encoded once, on the thread that emits it, as the
 * JSON text ["name",data,sender] and pushed (shared, by reference) into the
 * queue of every window it is for. Each window's queue goes to its page in
 * batches, one of two ways:
 *
 * - By poll, for a backlog (a burst) or a big event: the runtime keeps
 *   POLL_DEPTH messages with reply posted to `atrium-event-poll` (with the
 *   token, and the id of the batch it last handled), and C answers each
 *   with the next batch, [id,[event,…]], as soon as there is one. The batch
 *   becomes a JS string straight from its bytes, and nothing is compiled:
 *   one evaluate_javascript per event, with the payload in the source, grew
 *   another shell's web process to 6 GB. At most POLL_DEPTH batches are in
 *   flight (C builds the next while the page parses one), and the next
 *   goes only when the page asks, so a page that stops reading stops its
 *   queue.
 *
 * - By script, when all that waits fits in SCRIPT_MAX_BYTES (a lone event,
 *   an answer to the page's event): one evaluate_javascript of
 *   `atrium.__deliver(["token",[event,…]])`, whose completion acknowledges
 *   it; at most SCRIPT_DEPTH in flight. A script costs less than a message
 *   reply (WebKit 2.50 here: a reply is 1.0–1.3× a script), which keeps a
 *   JS → C → JS round trip level with one evaluate_javascript. The source is
 *   a call with a single JSON argument, which JSC runs through its JSON
 *   parser without compiling anything; any other shape (two arguments, or
 *   the batch as a string for JSON.parse) is compiled, and that grew the
 *   web process by about a script's size per event until a full GC.
 *   Only events that read the same as JS and as JSON go this way: no
 *   "__proto__" key (in a literal it sets the prototype), which JSON can
 *   spell only as is or with \u escapes.
 *
 * The two ways never overlap: a batch goes by script only when no poll
 * batch is in flight, and by poll only when no script is, so the page
 * handles batches in the order sent. Only the runtime, which holds the
 * token, can take a poll's answer, and only C can deliver by script.
 *
 * Back-pressure. A queue holds at most max_events events and max_bytes of
 * their JSON (in flight included). An emitter on a worker thread that finds
 * it full waits until the page catches up or the window closes; the main
 * thread cannot wait for itself, so there the emit fails with
 * ATRIUM_ERROR_QUEUE_FULL and a warning is logged. Nothing is dropped
 * silently: events are lost only with the page they were for (the window
 * closes, the page navigates or crashes while a batch is in flight), and
 * that is counted in the queue's stats and logged. Names with the
 * ATRIUM_EVENT_COALESCE policy keep only their newest undelivered event.
 *
 * JS → C. The runtime posts [name, data] with the token; C listeners run on
 * the main thread, and the event is forwarded to the other windows if the
 * app asked for it. */

typedef struct
{
  gatomicrefcount  ref_count;
  gboolean         coalesce;
  gboolean         scriptable;
  gsize            length;
  char            *name;
  char            *text;      /* ["name",data,sender], valid UTF-8 */
} AtriumEvent;

typedef struct
{
  gatomicrefcount  ref_count;
  gulong           id;
  char            *name;
  AtriumEventFunc  func;
  gpointer         user_data;
  GDestroyNotify   destroy;
  gboolean         once;
  int              removed;   /* atomic */
} Listener;

struct _AtriumEvents
{
  AtriumApp      *app;          /* owns us; handed to C listeners, never asked */
  char           *token;        /* the runtime's, for script delivery */

  GMutex          lock;
  GHashTable     *queues;       /* window id → AtriumEventQueue, ref */
  GHashTable     *coalesce;     /* names with ATRIUM_EVENT_COALESCE */
  GHashTable     *forward;      /* name → GINT_TO_POINTER (1 + forward) */
  gboolean        forward_all;
  guint           max_events;
  gsize           max_bytes;
  guint           batch_events;
  gsize           batch_bytes;

  GHashTable     *listeners;    /* name → GPtrArray of Listener */
  GHashTable     *listener_ids; /* id → Listener, borrowed */
  gulong          next_listener_id;

  /* Events C broadcasts to its own listeners go through the main loop, so
   * they run on the main thread, in order, and never inside the emit. */
  AtriumChannel  *local;
};

typedef struct
{
  GSource           source;
  AtriumEventQueue *queue;
} QueueSource;

struct _AtriumEventQueue
{
  gatomicrefcount  ref_count;
  guint            window_id;
  AtriumEvents    *events;      /* only while open */

  /* Main thread only. */
  WebKitWebView   *web_view;
  gulong           load_handler;

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
  gboolean         polling;     /* a backlog went by poll: no scripts until idle */
  gboolean         ready;       /* the page's runtime has polled */
  GCancellable    *cancellable; /* the scripts in flight */
  char            *token;
  GQueue           polls;       /* Poll: the page's requests for a batch */
  guint            holding;     /* main thread: see _atrium_events_hold() */
  GSource         *source;
  gboolean         closed;
  gboolean         paused;      /* tests: the page stops reading */
  gboolean         woken;
  gboolean         warned_full;
  AtriumEventQueueStats stats;
};

/* How many polls the runtime keeps posted: batches in flight per window. */
#define POLL_DEPTH ATRIUM_RUNTIME_POLL_DEPTH

/* A backlog this small goes by script; at most SCRIPT_DEPTH at once. */
#define SCRIPT_MAX_BYTES 8192
#define SCRIPT_DEPTH 2

typedef struct
{
  WebKitScriptMessageReply *reply;
  JSCContext               *context;   /* the page's, for the reply's string */
} Poll;

typedef struct
{
  guint64  id;
  guint    n;
  gsize    bytes;
  gboolean script;
} Flight;

static void
poll_free (Poll *poll)
{
  webkit_script_message_reply_unref (poll->reply);
  g_object_unref (poll->context);
  g_free (poll);
}

static void flush (AtriumEventQueue *queue);
static gboolean goes_by_script_locked (AtriumEventQueue *queue);
static AtriumEventQueue *lookup_queue (AtriumEvents *self,
                                      guint         window_id);

/* Events */

static AtriumEvent *
event_ref (AtriumEvent *event)
{
  g_atomic_ref_count_inc (&event->ref_count);
  return event;
}

static void
event_unref (AtriumEvent *event)
{
  if (!g_atomic_ref_count_dec (&event->ref_count))
    return;
  g_free (event->name);
  g_free (event->text);
  g_free (event);
}

static AtriumEvent *
event_new_take (const char *name,
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
  event->scriptable = event->length <= SCRIPT_MAX_BYTES
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

/* On the emitting thread: the whole cost of encoding is the emitter's. */
static AtriumEvent *
event_encode (const char  *name,
              JsonNode    *data,
              guint        sender,
              GError     **error)
{
  g_autoptr(JsonNode) name_node = json_node_new (JSON_NODE_VALUE);
  GString *text = g_string_sized_new (64);

  json_node_set_string (name_node, name);
  g_string_append_c (text, '[');
  _atrium_json_write (text, name_node);
  g_string_append_c (text, ',');
  _atrium_json_write (text, data);
  if (sender != 0)
    g_string_append_printf (text, ",%u]", sender);
  else
    g_string_append (text, ",null]");

  /* The batch reaches WebKit as a trusted GVariant string, so it must be
   * UTF-8: a C string in the data that is not is refused here. */
  if (!text_is_utf8 (text->str, text->len))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The data of event “%s” holds a string that is not UTF-8", name);
      g_string_free (text, TRUE);
      return NULL;
    }
  return event_new_take (name, text);
}

/* Listeners */

static Listener *
listener_ref (Listener *listener)
{
  g_atomic_ref_count_inc (&listener->ref_count);
  return listener;
}

static void
listener_unref (Listener *listener)
{
  if (!g_atomic_ref_count_dec (&listener->ref_count))
    return;
  if (listener->destroy != NULL)
    listener->destroy (listener->user_data);
  g_free (listener->name);
  g_free (listener);
}

/* Called with the lock held. Returns the list's reference to the listener
 * for the caller to drop once the lock is released, since that may run the
 * app's destroy notify. */
static Listener *
remove_listener_locked (AtriumEvents *self,
                        Listener     *listener)
{
  GPtrArray *list;
  guint index;

  if (g_atomic_int_get (&listener->removed))
    return NULL;
  g_atomic_int_set (&listener->removed, TRUE);
  g_hash_table_remove (self->listener_ids, &listener->id);
  list = g_hash_table_lookup (self->listeners, listener->name);
  if (list == NULL || !g_ptr_array_find (list, listener, &index))
    return NULL;
  g_ptr_array_steal_index (list, index);
  if (list->len == 0)
    g_hash_table_remove (self->listeners, listener->name);
  return listener;
}

/* Main thread. Listeners may add and remove listeners while they run: the
 * list is copied first, and one removed meanwhile is skipped. */
static void
dispatch_listeners (AtriumEvents *self,
                    const char   *name,
                    JsonNode     *data,
                    AtriumWindow *sender)
{
  g_autoptr(GPtrArray) snapshot = NULL;
  GPtrArray *list;

  g_mutex_lock (&self->lock);
  list = g_hash_table_lookup (self->listeners, name);
  if (list != NULL)
    {
      snapshot = g_ptr_array_new_full (list->len, (GDestroyNotify) listener_unref);
      for (guint i = 0; i < list->len; i++)
        g_ptr_array_add (snapshot, listener_ref (g_ptr_array_index (list, i)));
    }
  g_mutex_unlock (&self->lock);

  if (snapshot == NULL)
    return;

  for (guint i = 0; i < snapshot->len; i++)
    {
      Listener *listener = g_ptr_array_index (snapshot, i);

      if (g_atomic_int_get (&listener->removed))
        continue;
      if (listener->once)
        {
          Listener *removed;

          g_mutex_lock (&self->lock);
          removed = remove_listener_locked (self, listener);
          g_mutex_unlock (&self->lock);
          if (removed != NULL)
            listener_unref (removed);
        }
      listener->func (self->app, name, data, sender, listener->user_data);
    }
}

static void
local_event_cb (gpointer item,
                gpointer user_data)
{
  AtriumEvents *self = user_data;
  AtriumEvent *event = item;
  g_autoptr(JsonNode) root = NULL;

  /* The listeners get the data as the pages do: decoded from the text,
   * never a node the emitting thread might still change. */
  root = _atrium_json_parse (event->text, event->length, G_MAXUINT, NULL);
  if (root != NULL)
    dispatch_listeners (self, event->name,
                        json_array_get_element (json_node_get_array (root), 1), NULL);
  event_unref (event);
}

/* Queues */

static AtriumEventQueue *
queue_ref (AtriumEventQueue *queue)
{
  g_atomic_ref_count_inc (&queue->ref_count);
  return queue;
}

void
_atrium_event_queue_unref (AtriumEventQueue *queue)
{
  if (queue == NULL || !g_atomic_ref_count_dec (&queue->ref_count))
    return;

  g_assert (queue->closed);
  g_clear_pointer (&queue->latest, g_hash_table_unref);
  g_clear_object (&queue->cancellable);
  g_clear_pointer (&queue->token, g_free);
  g_mutex_clear (&queue->lock);
  g_cond_clear (&queue->room);
  g_free (queue);
}

/* Called with the lock held: wake the main loop to send a batch. */
static void
wake_locked (AtriumEventQueue *queue)
{
  if (!queue->woken && queue->source != NULL && !queue->paused && queue->pending.length > 0
      && (queue->polls.length > 0 || goes_by_script_locked (queue)))
    {
      queue->woken = TRUE;
      g_source_set_ready_time (queue->source, 0);
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

typedef enum {
  PUSH_OK,
  PUSH_CLOSED,
  PUSH_FULL,
} PushResult;

static PushResult
queue_push (AtriumEventQueue *queue,
            AtriumEvent      *event,
            gboolean          block)
{
  GList *old;

  g_mutex_lock (&queue->lock);

  /* The newest event of a coalescing name replaces the one still waiting,
   * and goes to the end: what the page sees stays in the order sent. */
  if (event->coalesce && !queue->closed
      && (old = g_hash_table_lookup (queue->latest, event->name)) != NULL)
    {
      AtriumEvent *replaced = old->data;

      g_hash_table_remove (queue->latest, replaced->name);
      g_queue_delete_link (&queue->pending, old);
      if (!replaced->scriptable)
        queue->unscriptable--;
      queue->count--;
      queue->bytes -= replaced->length;
      queue->stats.coalesced++;
      event_unref (replaced);
    }

  if (!queue->closed
      && (queue->count >= queue->max_events
          || (queue->count > 0 && queue->bytes + event->length > queue->max_bytes)))
    {
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
          return PUSH_FULL;
        }

      queue->stats.blocked++;
      queue->stats.waiting++;
      while (!queue->closed
             && (queue->count >= queue->max_events
                 || (queue->count > 0 && queue->bytes + event->length > queue->max_bytes)))
        g_cond_wait (&queue->room, &queue->lock);
      queue->stats.waiting--;
    }

  if (queue->closed)
    {
      g_mutex_unlock (&queue->lock);
      return PUSH_CLOSED;
    }

  g_queue_push_tail (&queue->pending, event_ref (event));
  if (!event->scriptable)
    queue->unscriptable++;
  if (event->coalesce)
    g_hash_table_insert (queue->latest, event->name, queue->pending.tail);
  queue->count++;
  queue->bytes += event->length;
  queue->stats.pushed++;
  /* On the main thread an idle queue sends at once: a lone event (a reply
   * to a page's event, say) does not wait for the next main loop
   * iteration, and a burst still batches behind the one in flight. */
  if (!block)
    {
      g_mutex_unlock (&queue->lock);
      flush (queue);
      return PUSH_OK;
    }
  wake_locked (queue);
  g_mutex_unlock (&queue->lock);

  return PUSH_OK;
}

/* Called with the lock held: takes the next batch, the oldest events
 * within the limits (at least one). For a poll, the text [id,[event,…]];
 * by script, the script's source (see the top of this file), with no
 * batch id: its completion is what acknowledges it. */
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
      event_unref (event);
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

/* Called with the lock held: whether the next batch goes by script: the
 * page's runtime is there, all that waits is small and scriptable, and no
 * poll batch is in flight. Once a backlog has gone by poll, the queue
 * stays with polls until it is idle, so a burst does not switch back and
 * forth (each switch waits for the other way's batches). */
static gboolean
goes_by_script_locked (AtriumEventQueue *queue)
{
  return queue->ready && !queue->polling && queue->unscriptable == 0
         && queue->scripts < SCRIPT_DEPTH && queue->flights.length == queue->scripts
         && queue->bytes - queue->in_flight_bytes <= SCRIPT_MAX_BYTES
         && queue->pending.length <= queue->batch_events;
}

typedef struct
{
  AtriumEventQueue *queue;
  guint64           id;
} Script;

static void
script_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autofree Script *script = user_data;
  AtriumEventQueue *queue = script->queue;
  g_autoptr(JSCValue) value = NULL;
  g_autoptr(GError) error = NULL;
  guint released;

  value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (source), result, &error);

  g_mutex_lock (&queue->lock);
  if (queue->closed)
    {
      g_mutex_unlock (&queue->lock);
      _atrium_event_queue_unref (queue);
      return;
    }
  /* Done with, one way or the other: a script that failed took its events
   * with it (the page navigated, crashed or has no runtime). */
  released = release_in_flight_locked (queue, script->id);
  if (error == NULL)
    queue->stats.delivered += released;
  else
    {
      queue->stats.dropped += released;
      queue->ready = FALSE;
    }
  g_mutex_unlock (&queue->lock);

  if (error != NULL && released > 0)
    _atrium_log_page (G_LOG_LEVEL_WARNING, "Window %u lost %u events: the page did not take "
                      "them (%s)", queue->window_id, released, error->message);
  flush (queue);
  _atrium_event_queue_unref (queue);
}

/* Main thread: runs the script take_batch_locked() made, batch @id. */
static void
send_script (AtriumEventQueue *queue,
             GBytes           *source,
             guint64           id)
{
  Script *script = g_new (Script, 1);
  gsize length;
  const char *text = g_bytes_get_data (source, &length);

  script->queue = queue_ref (queue);
  script->id = id;
  webkit_web_view_evaluate_javascript (queue->web_view, text, length, NULL, NULL,
                                       queue->cancellable, script_done_cb, script);
}

/* Main thread: sends what is waiting, by script when it is little, else as
 * the answers to the page's pending polls. */
static void
flush (AtriumEventQueue *queue)
{
  for (;;)
    {
      g_autoptr(JSCValue) value = NULL;
      g_autoptr(GBytes) bytes = NULL;
      Poll *poll;

      g_mutex_lock (&queue->lock);
      queue->woken = FALSE;
      if (queue->closed || queue->paused || queue->pending.length == 0)
        {
          g_mutex_unlock (&queue->lock);
          return;
        }
      if (goes_by_script_locked (queue))
        {
          guint64 id;

          bytes = take_batch_locked (queue, TRUE);
          id = queue->batch_id;
          g_mutex_unlock (&queue->lock);
          send_script (queue, bytes, id);
          continue;
        }
      if (queue->polls.length == 0 || queue->holding > 0 || queue->scripts > 0)
        {
          g_mutex_unlock (&queue->lock);
          return;
        }
      bytes = take_batch_locked (queue, FALSE);
      poll = g_queue_pop_head (&queue->polls);
      g_mutex_unlock (&queue->lock);

      /* From bytes, JSC makes the string about ten times faster than from a
       * C string (see _atrium_bridge_deliver()). */
      value = jsc_value_new_string_from_bytes (poll->context, bytes);
      webkit_script_message_reply_return_value (poll->reply, value);
      poll_free (poll);
    }
}

/**
 * events_hold:
 * @ack: the id of the last batch the page handled
 *
 * Main thread, while a page's event message is handled: what C emits to
 * that window meanwhile (a listener answering it, say) is kept for the
 * message's reply, events_release(), instead of a poll's. Only
 * _atrium_events_take_from_page() calls the two, in that order.
 */
static void
events_hold (AtriumEvents *self,
             guint         window_id,
             guint64       ack)
{
  AtriumEventQueue *queue = lookup_queue (self, window_id);

  if (queue == NULL)
    return;

  g_mutex_lock (&queue->lock);
  queue->holding++;
  queue->stats.delivered += release_in_flight_locked (queue, ack);
  g_mutex_unlock (&queue->lock);
  _atrium_event_queue_unref (queue);
}

/**
 * events_release:
 * @take: whether the caller can send a batch with its reply
 *
 * Ends events_hold().
 *
 * Returns: (transfer full) (nullable): the next batch, for the reply, or
 *   %NULL; the rest goes to the page's polls
 */
static GBytes *
events_release (AtriumEvents *self,
                guint         window_id,
                gboolean      take)
{
  AtriumEventQueue *queue = lookup_queue (self, window_id);
  GBytes *batch = NULL;

  if (queue == NULL)
    return NULL;

  g_mutex_lock (&queue->lock);
  g_assert (queue->holding > 0);
  queue->holding--;
  /* A request/response pair — a page's event and C's answer to it — then
   * costs two messages, as a call does, not four. */
  if (take && !queue->closed && !queue->paused && queue->pending.length > 0
      && queue->scripts == 0)
    batch = take_batch_locked (queue, FALSE);
  g_mutex_unlock (&queue->lock);

  flush (queue);
  _atrium_event_queue_unref (queue);
  return batch;
}

/**
 * _atrium_events_poll:
 * @window_id: the window whose page asks
 * @ack: the id of the last batch the page handled, 0 for none
 * @reply: the message's reply, answered with a batch
 * @context: the page's JS context
 *
 * Main thread: the page's runtime asks for a batch of events.
 */
void
_atrium_events_poll (AtriumEvents             *self,
                     guint                     window_id,
                     guint64                   ack,
                     WebKitScriptMessageReply *reply,
                     JSCContext               *context)
{
  AtriumEventQueue *queue = lookup_queue (self, window_id);
  Poll *poll, *stale = NULL;

  if (queue == NULL)
    return;

  poll = g_new (Poll, 1);
  poll->reply = webkit_script_message_reply_ref (reply);
  poll->context = g_object_ref (context);

  g_mutex_lock (&queue->lock);
  queue->stats.delivered += release_in_flight_locked (queue, ack);
  queue->ready = TRUE;
  g_queue_push_tail (&queue->polls, poll);
  /* The runtime keeps POLL_DEPTH posted; more can only be stale. */
  if (queue->polls.length > POLL_DEPTH)
    stale = g_queue_pop_head (&queue->polls);
  g_mutex_unlock (&queue->lock);

  g_clear_pointer (&stale, poll_free);
  flush (queue);
  _atrium_event_queue_unref (queue);
}

static gboolean
queue_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  AtriumEventQueue *queue = ((QueueSource *) source)->queue;

  g_source_set_ready_time (source, -1);
  flush (queue);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs queue_source_funcs = {
  NULL, NULL, queue_source_dispatch, NULL, NULL, NULL,
};

static void
load_changed_cb (WebKitWebView    *web_view,
                 WebKitLoadEvent   load_event,
                 AtriumEventQueue *queue)
{
  GQueue stale = G_QUEUE_INIT;
  guint lost;

  if (load_event != WEBKIT_LOAD_COMMITTED)
    return;

  /* A new document has replaced the one that polled: its polls can no
   * longer be answered, and the batches it was handling are gone with it.
   * The new page's runtime polls as soon as its DOM is loaded. */
  g_mutex_lock (&queue->lock);
  lost = release_in_flight_locked (queue, G_MAXUINT64);
  queue->stats.dropped += lost;
  queue->ready = FALSE;
  stale = queue->polls;
  g_queue_init (&queue->polls);
  g_mutex_unlock (&queue->lock);

  g_queue_clear_full (&stale, (GDestroyNotify) poll_free);
  if (lost > 0)
    _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Window %u navigated with %u events on their way "
                      "to the old page", queue->window_id, lost);
}

AtriumEventQueue *
_atrium_events_add_window (AtriumEvents  *self,
                           guint          window_id,
                           WebKitWebView *web_view)
{
  AtriumEventQueue *queue = g_new0 (AtriumEventQueue, 1);
  QueueSource *source;

  g_atomic_ref_count_init (&queue->ref_count);
  queue->window_id = window_id;
  queue->events = self;
  queue->web_view = web_view;
  g_mutex_init (&queue->lock);
  g_cond_init (&queue->room);
  g_queue_init (&queue->pending);
  queue->latest = g_hash_table_new (g_str_hash, g_str_equal);
  queue->cancellable = g_cancellable_new ();
  queue->token = g_strdup (self->token);

  g_mutex_lock (&self->lock);
  queue->max_events = self->max_events;
  queue->max_bytes = self->max_bytes;
  queue->batch_events = self->batch_events;
  queue->batch_bytes = self->batch_bytes;
  g_mutex_unlock (&self->lock);

  source = (QueueSource *) g_source_new (&queue_source_funcs, sizeof (QueueSource));
  source->queue = queue;
  g_source_set_static_name ((GSource *) source, "AtriumEventQueue");
  g_source_attach ((GSource *) source, g_main_context_default ());
  queue->source = (GSource *) source;

  queue->load_handler = g_signal_connect (web_view, "load-changed",
                                          G_CALLBACK (load_changed_cb), queue);

  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->queues, GUINT_TO_POINTER (window_id), queue_ref (queue));
  g_mutex_unlock (&self->lock);

  return queue;
}

/* Main thread, when the window goes: no more events for it; emitters
 * waiting for room are released (their push for this window fails); what
 * is queued is freed; a batch in flight is forgotten. */
void
_atrium_event_queue_close (AtriumEventQueue *queue)
{
  g_autoptr(GQueue) pending = NULL;
  AtriumEvents *self = queue->events;
  GQueue polls = G_QUEUE_INIT;
  GSource *source;

  if (queue->closed)
    return;

  if (self != NULL)
    {
      g_mutex_lock (&self->lock);
      if (g_hash_table_lookup (self->queues, GUINT_TO_POINTER (queue->window_id)) == queue)
        g_hash_table_remove (self->queues, GUINT_TO_POINTER (queue->window_id));
      g_mutex_unlock (&self->lock);
    }

  g_mutex_lock (&queue->lock);
  queue->closed = TRUE;
  queue->events = NULL;
  pending = g_queue_copy (&queue->pending);
  g_queue_clear (&queue->pending);
  g_hash_table_remove_all (queue->latest);
  queue->unscriptable = 0;
  queue->count = 0;
  queue->bytes = 0;
  queue->in_flight = 0;
  queue->in_flight_bytes = 0;
  g_queue_clear_full (&queue->flights, g_free);
  polls = queue->polls;
  g_queue_init (&queue->polls);
  g_cond_broadcast (&queue->room);
  source = g_steal_pointer (&queue->source);
  g_mutex_unlock (&queue->lock);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
  g_cancellable_cancel (queue->cancellable);
  g_queue_free_full (g_steal_pointer (&pending), (GDestroyNotify) event_unref);
  g_queue_clear_full (&polls, (GDestroyNotify) poll_free);
  if (queue->web_view != NULL)
    g_clear_signal_handler (&queue->load_handler, queue->web_view);
  queue->web_view = NULL;
}

/* The bus */

static void
queue_unref_cb (gpointer data)
{
  AtriumEventQueue *queue = data;

  _atrium_event_queue_unref (queue);
}

AtriumEvents *
_atrium_events_new (AtriumApp  *app,
                    const char *token)
{
  AtriumEvents *self = g_new0 (AtriumEvents, 1);

  self->app = app;
  self->token = g_strdup (token);
  g_mutex_init (&self->lock);
  self->queues = g_hash_table_new_full (NULL, NULL, NULL, queue_unref_cb);
  self->coalesce = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->forward = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->listeners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
  self->listener_ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->max_events = ATRIUM_EVENT_QUEUE_MAX_EVENTS;
  self->max_bytes = ATRIUM_EVENT_QUEUE_MAX_BYTES;
  self->batch_events = ATRIUM_EVENT_BATCH_MAX_EVENTS;
  self->batch_bytes = ATRIUM_EVENT_BATCH_MAX_BYTES;

  self->local = _atrium_channel_new (ATRIUM_EVENT_QUEUE_MAX_EVENTS, 256, local_event_cb, self,
                                     (GDestroyNotify) event_unref);
  _atrium_channel_attach (self->local, g_main_context_default ());

  return self;
}

void
_atrium_events_free (AtriumEvents *self)
{
  g_autoptr(GList) queues = NULL;

  if (self == NULL)
    return;

  g_mutex_lock (&self->lock);
  queues = g_hash_table_get_values (self->queues);
  for (GList *l = queues; l != NULL; l = l->next)
    queue_ref (l->data);
  g_mutex_unlock (&self->lock);
  for (GList *l = queues; l != NULL; l = l->next)
    {
      _atrium_event_queue_close (l->data);
      _atrium_event_queue_unref (l->data);
    }

  g_clear_pointer (&self->local, _atrium_channel_free);
  g_hash_table_unref (self->queues);
  g_hash_table_unref (self->coalesce);
  g_hash_table_unref (self->forward);
  g_hash_table_unref (self->listener_ids);
  g_hash_table_unref (self->listeners);
  g_mutex_clear (&self->lock);
  g_free (self->token);
  g_free (self);
}

static gboolean
has_listeners_locked (AtriumEvents *self,
                      const char   *name)
{
  return g_hash_table_contains (self->listeners, name);
}

/* Pushes @event to window @target (0: every window but @exclude) and, if
 * @local, to C listeners. */
static gboolean
emit_event (AtriumEvents  *self,
            AtriumEvent   *event,
            guint          target,
            guint          exclude,
            gboolean       local,
            GError       **error)
{
  g_autoptr(GPtrArray) queues = g_ptr_array_new_with_free_func (queue_unref_cb);
  gboolean block = !_atrium_is_main_thread ();
  gboolean listeners;
  guint full = 0, closed = 0;

  if (event->length > self->max_bytes)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "Event “%s” is %" G_GSIZE_FORMAT " bytes of JSON, over the queue's limit of %"
                   G_GSIZE_FORMAT, event->name, event->length, self->max_bytes);
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  event->coalesce = g_hash_table_contains (self->coalesce, event->name);
  if (target != 0)
    {
      AtriumEventQueue *queue = g_hash_table_lookup (self->queues, GUINT_TO_POINTER (target));

      if (queue != NULL)
        g_ptr_array_add (queues, queue_ref (queue));
    }
  else
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, self->queues);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (GPOINTER_TO_UINT (key) != exclude)
          g_ptr_array_add (queues, queue_ref (value));
    }
  listeners = local && has_listeners_locked (self, event->name);
  g_mutex_unlock (&self->lock);

  if (target != 0 && queues->len == 0)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND, "No window has id %u", target);
      return FALSE;
    }

  for (guint i = 0; i < queues->len; i++)
    {
      switch (queue_push (g_ptr_array_index (queues, i), event, block))
        {
        case PUSH_FULL: full++; break;
        case PUSH_CLOSED: closed++; break;
        case PUSH_OK: break;
        }
    }

  if (listeners)
    {
      event_ref (event);
      if (!(block ? _atrium_channel_push : _atrium_channel_try_push) (self->local, event))
        {
          event_unref (event);
          full++;
        }
    }

  if (full > 0)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                   "Event “%s” was refused by %u full queue%s: the main thread cannot wait "
                   "for a page to catch up", event->name, full, full == 1 ? "" : "s");
      return FALSE;
    }
  if (target != 0 && closed > 0)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND,
                   "Window %u closed before it took event “%s”", target, event->name);
      return FALSE;
    }
  return TRUE;
}

/* The app-facing API (atrium-app-events.c) comes in through these: the
 * checks of its arguments are done there, the work here. */

gboolean
_atrium_events_emit (AtriumEvents  *self,
                     guint          target,
                     const char    *name,
                     JsonNode      *data,
                     GError       **error)
{
  AtriumEvent *event;
  gboolean ok;

  if (!_atrium_event_name_is_valid (name, error))
    return FALSE;
  event = event_encode (name, data, 0, error);
  if (event == NULL)
    return FALSE;
  ok = emit_event (self, event, target, 0, target == 0, error);
  event_unref (event);
  return ok;
}

/* libatrium's own events ("atrium:window.resized", …), which the name
 * check above refuses to everyone else: to window @target only, or to
 * every window but @exclude when @target is 0; never to C listeners. */
gboolean
_atrium_events_emit_reserved (AtriumEvents  *self,
                              guint          target,
                              guint          exclude,
                              const char    *name,
                              JsonNode      *data,
                              GError       **error)
{
  AtriumEvent *event;
  gboolean ok;

  g_assert (g_str_has_prefix (name, "atrium:") && strlen (name) <= ATRIUM_EVENT_NAME_MAX);

  event = event_encode (name, data, 0, error);
  if (event == NULL)
    return FALSE;
  ok = emit_event (self, event, target, exclude, FALSE, error);
  event_unref (event);
  return ok;
}

gulong
_atrium_events_add_listener (AtriumEvents    *self,
                             const char      *name,
                             AtriumEventFunc  func,
                             gpointer         user_data,
                             GDestroyNotify   destroy,
                             gboolean         once)
{
  Listener *listener = g_new0 (Listener, 1);
  GPtrArray *list;

  g_atomic_ref_count_init (&listener->ref_count);
  listener->name = g_strdup (name);
  listener->func = func;
  listener->user_data = user_data;
  listener->destroy = destroy;
  listener->once = once;

  g_mutex_lock (&self->lock);
  listener->id = ++self->next_listener_id;
  list = g_hash_table_lookup (self->listeners, name);
  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_unref);
      g_hash_table_insert (self->listeners, g_strdup (name), list);
    }
  g_ptr_array_add (list, listener);
  g_hash_table_insert (self->listener_ids, &listener->id, listener);
  g_mutex_unlock (&self->lock);

  return listener->id;
}

gboolean
_atrium_events_remove_listener (AtriumEvents *self,
                                gulong        handler_id)
{
  Listener *listener, *removed = NULL;

  g_mutex_lock (&self->lock);
  listener = g_hash_table_lookup (self->listener_ids, &handler_id);
  if (listener != NULL)
    removed = remove_listener_locked (self, listener);
  g_mutex_unlock (&self->lock);
  if (removed != NULL)
    listener_unref (removed);

  return listener != NULL;
}

void
_atrium_events_set_policy (AtriumEvents      *self,
                           const char        *name,
                           AtriumEventPolicy  policy)
{
  g_mutex_lock (&self->lock);
  if (policy == ATRIUM_EVENT_COALESCE)
    g_hash_table_add (self->coalesce, g_strdup (name));
  else
    g_hash_table_remove (self->coalesce, name);
  g_mutex_unlock (&self->lock);
}

void
_atrium_events_set_forwarding (AtriumEvents *self,
                               const char   *name,
                               gboolean      forward)
{
  g_mutex_lock (&self->lock);
  if (name == NULL)
    self->forward_all = !!forward;
  else
    g_hash_table_insert (self->forward, g_strdup (name), GINT_TO_POINTER (1 + !!forward));
  g_mutex_unlock (&self->lock);
}

/* Applies to open windows too. Lock order: the bus, then each queue. */
void
_atrium_events_set_queue_limits (AtriumEvents *self,
                                 guint         max_events,
                                 gsize         max_bytes)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  self->max_events = max_events;
  self->max_bytes = max_bytes;
  g_hash_table_iter_init (&iter, self->queues);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AtriumEventQueue *queue = value;

      g_mutex_lock (&queue->lock);
      queue->max_events = max_events;
      queue->max_bytes = max_bytes;
      g_cond_broadcast (&queue->room);
      g_mutex_unlock (&queue->lock);
    }
  g_mutex_unlock (&self->lock);
}

void
_atrium_events_set_batch_limits (AtriumEvents *self,
                                 guint         max_events,
                                 gsize         max_bytes)
{
  GHashTableIter iter;
  gpointer value;

  g_assert (max_events > 0 && max_bytes > 0);

  g_mutex_lock (&self->lock);
  self->batch_events = max_events;
  self->batch_bytes = max_bytes;
  g_hash_table_iter_init (&iter, self->queues);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      AtriumEventQueue *queue = value;

      g_mutex_lock (&queue->lock);
      queue->batch_events = max_events;
      queue->batch_bytes = max_bytes;
      g_mutex_unlock (&queue->lock);
    }
  g_mutex_unlock (&self->lock);
}

static AtriumEventQueue *
lookup_queue (AtriumEvents *self,
              guint         window_id)
{
  AtriumEventQueue *queue;

  g_mutex_lock (&self->lock);
  queue = g_hash_table_lookup (self->queues, GUINT_TO_POINTER (window_id));
  if (queue != NULL)
    queue_ref (queue);
  g_mutex_unlock (&self->lock);
  return queue;
}

gboolean
_atrium_events_get_queue_stats (AtriumEvents          *self,
                                guint                  window_id,
                                AtriumEventQueueStats *stats)
{
  AtriumEventQueue *queue = lookup_queue (self, window_id);

  if (queue == NULL)
    return FALSE;

  g_mutex_lock (&queue->lock);
  *stats = queue->stats;
  stats->queued = queue->pending.length;
  stats->bytes = queue->bytes;
  stats->in_flight = queue->in_flight;
  g_mutex_unlock (&queue->lock);
  _atrium_event_queue_unref (queue);
  return TRUE;
}

/* For tests: a paused queue sends nothing, as if its page had stopped
 * reading. Main thread. */
gboolean
_atrium_events_set_paused (AtriumEvents *self,
                           guint         window_id,
                           gboolean      paused)
{
  AtriumEventQueue *queue = lookup_queue (self, window_id);

  if (queue == NULL)
    return FALSE;

  g_mutex_lock (&queue->lock);
  queue->paused = !!paused;
  g_mutex_unlock (&queue->lock);
  flush (queue);
  _atrium_event_queue_unref (queue);
  return TRUE;
}

static gboolean
forwards (AtriumEvents *self,
          const char   *name)
{
  gpointer setting;
  gboolean forward;

  g_mutex_lock (&self->lock);
  setting = g_hash_table_lookup (self->forward, name);
  forward = setting != NULL ? GPOINTER_TO_INT (setting) == 2 : self->forward_all;
  g_mutex_unlock (&self->lock);
  return forward;
}

/**
 * _atrium_event_decode:
 * @text: `["name", data]` as the runtime wrote it, after the token and ack
 *
 * The pure part of _atrium_events_receive(), for tests and the fuzzer:
 * parses the message and checks its shape and the event's name.
 *
 * Returns: (transfer full) (nullable): the `["name", data]` array node, or
 *   %NULL with @error set to %ATRIUM_ERROR_BAD_ARGS
 */
JsonNode *
_atrium_event_decode (const char  *text,
                      gsize        length,
                      guint        max_depth,
                      GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;
  JsonNode *name_node;

  /* The envelope is a level of its own: the data may nest max_depth. */
  root = _atrium_json_parse (text, length, MIN (max_depth, G_MAXUINT - 1) + 1, error);
  if (root == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_ARRAY (root)
      || json_array_get_length (array = json_node_get_array (root)) != 2
      || !JSON_NODE_HOLDS_VALUE (name_node = json_array_get_element (array, 0))
      || json_node_get_value_type (name_node) != G_TYPE_STRING)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "An event message must be [\"name\", data]");
      return NULL;
    }
  if (!_atrium_event_name_is_valid (json_node_get_string (name_node), error))
    return NULL;

  return g_steal_pointer (&root);
}

/**
 * _atrium_events_receive:
 * @sender: the window whose page sent the event
 * @text: `["name", data]` as the runtime wrote it, after the token
 *
 * Main thread: checks an event from a page, runs the C listeners and
 * forwards it to the other windows if the app asked for that.
 *
 * Returns: %TRUE, or %FALSE with @error set: %ATRIUM_ERROR_BAD_ARGS for a
 *   malformed message, %ATRIUM_ERROR_QUEUE_FULL when a window to forward to
 *   had no room (the listeners and the other windows still got it)
 */
gboolean
_atrium_events_receive (AtriumEvents  *self,
                        AtriumWindow  *sender,
                        const char    *text,
                        gsize          length,
                        guint          max_depth,
                        GError       **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;
  const char *name;
  guint sender_id = atrium_window_get_id (sender);

  root = _atrium_event_decode (text, length, max_depth, error);
  if (root == NULL)
    return FALSE;
  array = json_node_get_array (root);
  name = json_array_get_string_element (array, 0);

  dispatch_listeners (self, name, json_array_get_element (array, 1), sender);

  if (forwards (self, name))
    {
      g_autoptr(GString) forwarded = NULL;
      AtriumEvent *event;
      gboolean ok;

      /* The page's own JSON, checked by the parser, with the sender added
       * in place of the closing bracket: nothing is encoded again. */
      while (length > 0 && g_ascii_isspace (text[length - 1]))
        length--;
      g_assert (length > 0 && text[length - 1] == ']');
      forwarded = g_string_sized_new (length + 12);
      g_string_append_len (forwarded, text, length - 1);
      g_string_append_printf (forwarded, ",%u]", sender_id);
      event = event_new_take (name, g_steal_pointer (&forwarded));
      ok = emit_event (self, event, 0, sender_id, FALSE, error);
      event_unref (event);
      return ok;
    }

  return TRUE;
}

/**
 * _atrium_events_take_from_page:
 * @sender: the window whose page emitted the event
 * @ack: the id of the last event batch that page handled
 * @text: the event's JSON, `["name", data]`
 * @max_depth: how deeply its data may nest
 * @batch: (out) (transfer full) (nullable): events for the page's reply
 *
 * The whole of the emit protocol, in its one order: hold the window's
 * events (so what C listeners emit to it meanwhile rides on this reply),
 * hand the event to the listeners and forward it, then release and take
 * what came. Main thread.
 *
 * Returns: %TRUE, or %FALSE with @error set when the event is refused
 */
gboolean
_atrium_events_take_from_page (AtriumEvents  *self,
                               AtriumWindow  *sender,
                               guint64        ack,
                               const char    *text,
                               gsize          length,
                               guint          max_depth,
                               GBytes       **batch,
                               GError       **error)
{
  guint window_id = atrium_window_get_id (sender);
  gboolean ok;

  events_hold (self, window_id, ack);
  ok = _atrium_events_receive (self, sender, text, length, max_depth, error);
  *batch = events_release (self, window_id, ok);
  return ok;
}

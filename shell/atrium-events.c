#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Events"
#include "config.h"

#include "atrium-events-private.h"

#include "atrium-bytes-private.h"
#include "atrium-channel-private.h"
#include "atrium-event-delivery-private.h"
#include "atrium-json-private.h"
#include "atrium-runtime-private.h"
#include "atrium-thread-private.h"

/* The event bus, both ways. Events are three parts, each its own object
 * with its own struct (so that a queue's state and lock can never again
 * be shared with WebKit's), and the public API over them:
 *
 * - atrium-event-queue.c (core): the encoded event, and each window's
 *   queue with its back-pressure, coalescing, batching and the protocol
 *   that empties it, under its own lock;
 * - atrium-event-delivery.c: the WebKit half, which sends a queue's
 *   batches to its page by script or as answers to the page's polls;
 * - this file: the bus, which knows the windows' queues and the C
 *   listeners, encodes C's events and pushes them, and takes the page's;
 * - atrium-app-events.c: atrium_app_emit() and the rest, checks, then the
 *   bus.
 *
 * C → JS. An event is encoded once, on the thread that emits it, and
 * pushed (shared, by reference) into the queue of every window it is for.
 * An emitter on a worker thread that finds a queue full waits until the
 * page catches up or the window closes; the main thread cannot wait for
 * itself, so there the emit fails with ATRIUM_ERROR_QUEUE_FULL.
 *
 * JS → C. The runtime posts [name, data] with the token; C listeners run on
 * the main thread, and the event is forwarded to the other windows if the
 * app asked for it.
 *
 * Lock order: the bus's lock, then a queue's. */

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
  GHashTable     *windows;      /* window id → AtriumEventDelivery, the window's */
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

static AtriumEventQueue *lookup_queue (AtriumEvents *self,
                                       guint         window_id);

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
 * list is copied first, and one removed meanwhile is skipped. One may
 * close or destroy @sender: the rest still get it, closed but alive. */
static void
dispatch_listeners (AtriumEvents *self,
                    const char   *name,
                    JsonNode     *data,
                    AtriumWindow *sender)
{
  g_autoptr(GPtrArray) snapshot = NULL;
  g_autoptr(AtriumWindow) hold = sender != NULL ? g_object_ref (sender) : NULL;
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
  const char *text;
  gsize length;

  /* The listeners get the data as the pages do: decoded from the text,
   * never a node the emitting thread might still change. */
  text = _atrium_event_get_text (event, &length);
  root = _atrium_json_parse (text, length, G_MAXUINT, NULL);
  if (root != NULL)
    dispatch_listeners (self, _atrium_event_get_name (event),
                        json_array_get_element (json_node_get_array (root), 1), NULL);
  _atrium_event_unref (event);
}

/* Windows */

static void
queue_unref_cb (gpointer data)
{
  _atrium_event_queue_unref (data);
}

/**
 * _atrium_events_add_window:
 *
 * Main thread: the window's queue, with the bus's limits, and its
 * delivery to @web_view. The window frees it with
 * _atrium_events_remove_window().
 */
AtriumEventDelivery *
_atrium_events_add_window (AtriumEvents  *self,
                           guint          window_id,
                           WebKitWebView *web_view)
{
  g_autoptr(AtriumEventQueue) queue = NULL;
  AtriumEventDelivery *delivery;

  queue = _atrium_event_queue_new (window_id, self->token, ATRIUM_RUNTIME_POLL_DEPTH);
  delivery = _atrium_event_delivery_new (queue, web_view);

  g_mutex_lock (&self->lock);
  _atrium_event_queue_set_limits (queue, self->max_events, self->max_bytes);
  _atrium_event_queue_set_batch_limits (queue, self->batch_events, self->batch_bytes);
  g_hash_table_insert (self->windows, GUINT_TO_POINTER (window_id), delivery);
  g_mutex_unlock (&self->lock);

  return delivery;
}

/* Main thread, when the window goes: no more events for it; emitters
 * waiting for room are released (their push for this window fails); what
 * is queued is freed; a batch in flight is forgotten. */
void
_atrium_events_remove_window (AtriumEvents        *self,
                              AtriumEventDelivery *delivery)
{
  guint window_id = _atrium_event_queue_get_window_id (_atrium_event_delivery_get_queue (delivery));

  g_mutex_lock (&self->lock);
  if (g_hash_table_lookup (self->windows, GUINT_TO_POINTER (window_id)) == delivery)
    g_hash_table_remove (self->windows, GUINT_TO_POINTER (window_id));
  g_mutex_unlock (&self->lock);

  _atrium_event_delivery_free (delivery);
}

/* Main thread, when the app shuts down: the main loop has stopped, so no
 * page will take another event and no C listener will run. Every queue
 * closes and the listeners' channel with them, so an emitter waiting for
 * room (a worker method the app's shutdown waits for) returns instead of
 * waiting for ever. Emits after this fail as for closed windows. */
void
_atrium_events_shutdown (AtriumEvents *self)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _atrium_event_queue_close (_atrium_event_delivery_get_queue (value));
  g_mutex_unlock (&self->lock);
  _atrium_channel_close (self->local);
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
  AtriumEventDelivery *delivery;

  /* Deliveries go only on this thread, so this one stays. */
  g_mutex_lock (&self->lock);
  delivery = g_hash_table_lookup (self->windows, GUINT_TO_POINTER (window_id));
  g_mutex_unlock (&self->lock);

  if (delivery != NULL)
    _atrium_event_delivery_poll (delivery, ack, reply, context);
}

/* The bus */

AtriumEvents *
_atrium_events_new (AtriumApp  *app,
                    const char *token)
{
  AtriumEvents *self = g_new0 (AtriumEvents, 1);

  self->app = app;
  self->token = g_strdup (token);
  g_mutex_init (&self->lock);
  self->windows = g_hash_table_new (NULL, NULL);
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
                                     (GDestroyNotify) _atrium_event_unref);
  _atrium_channel_attach (self->local, g_main_context_default ());

  return self;
}

/* With the app, after its last window: each window holds the app. */
void
_atrium_events_free (AtriumEvents *self)
{
  if (self == NULL)
    return;

  g_warn_if_fail (g_hash_table_size (self->windows) == 0);
  g_clear_pointer (&self->local, _atrium_channel_free);
  g_hash_table_unref (self->windows);
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
  const char *name = _atrium_event_get_name (event);
  gsize length;
  gboolean block = !_atrium_is_main_thread ();
  gboolean listeners;
  guint full = 0, closed = 0;

  _atrium_event_get_text (event, &length);

  /* The windows' queues are taken here, under the bus's lock; a delivery
   * is freed only after it has left the table, under the same lock. */
  g_mutex_lock (&self->lock);
  if (length > self->max_bytes)
    {
      gsize max_bytes = self->max_bytes;

      g_mutex_unlock (&self->lock);
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "Event “%s” is %" G_GSIZE_FORMAT " bytes of JSON, over the queue's limit of %"
                   G_GSIZE_FORMAT, name, length, max_bytes);
      return FALSE;
    }
  _atrium_event_set_coalesce (event, g_hash_table_contains (self->coalesce, name));
  if (target != 0)
    {
      AtriumEventDelivery *delivery = g_hash_table_lookup (self->windows,
                                                           GUINT_TO_POINTER (target));

      if (delivery != NULL)
        g_ptr_array_add (queues,
                         _atrium_event_queue_ref (_atrium_event_delivery_get_queue (delivery)));
    }
  else
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, self->windows);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (GPOINTER_TO_UINT (key) != exclude)
          g_ptr_array_add (queues,
                           _atrium_event_queue_ref (_atrium_event_delivery_get_queue (value)));
    }
  listeners = local && has_listeners_locked (self, name);
  g_mutex_unlock (&self->lock);

  if (target != 0 && queues->len == 0)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND, "No window has id %u", target);
      return FALSE;
    }

  for (guint i = 0; i < queues->len; i++)
    {
      switch (_atrium_event_queue_push (g_ptr_array_index (queues, i), event, block))
        {
        case ATRIUM_EVENT_PUSH_FULL: full++; break;
        case ATRIUM_EVENT_PUSH_CLOSED: closed++; break;
        case ATRIUM_EVENT_PUSH_OK: break;
        }
    }

  if (listeners)
    {
      _atrium_event_ref (event);
      if (!(block ? _atrium_channel_push : _atrium_channel_try_push) (self->local, event))
        {
          _atrium_event_unref (event);
          full++;
        }
    }

  if (full > 0)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                   "Event “%s” was refused by %u full queue%s: the main thread cannot wait "
                   "for a page to catch up", name, full, full == 1 ? "" : "s");
      return FALSE;
    }
  if (target != 0 && closed > 0)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND,
                   "Window %u closed before it took event “%s”", target, name);
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
  event = _atrium_event_encode (name, data, 0, error);
  if (event == NULL)
    return FALSE;
  ok = emit_event (self, event, target, 0, target == 0, error);
  _atrium_event_unref (event);
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

  event = _atrium_event_encode (name, data, 0, error);
  if (event == NULL)
    return FALSE;
  ok = emit_event (self, event, target, exclude, FALSE, error);
  _atrium_event_unref (event);
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

/* Applies to open windows too. */
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
  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _atrium_event_queue_set_limits (_atrium_event_delivery_get_queue (value),
                                    max_events, max_bytes);
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
  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _atrium_event_queue_set_batch_limits (_atrium_event_delivery_get_queue (value),
                                          max_events, max_bytes);
  g_mutex_unlock (&self->lock);
}

static AtriumEventQueue *
lookup_queue (AtriumEvents *self,
              guint         window_id)
{
  AtriumEventDelivery *delivery;
  AtriumEventQueue *queue = NULL;

  g_mutex_lock (&self->lock);
  delivery = g_hash_table_lookup (self->windows, GUINT_TO_POINTER (window_id));
  if (delivery != NULL)
    queue = _atrium_event_queue_ref (_atrium_event_delivery_get_queue (delivery));
  g_mutex_unlock (&self->lock);
  return queue;
}

gboolean
_atrium_events_get_queue_stats (AtriumEvents          *self,
                                guint                  window_id,
                                AtriumEventQueueStats *stats)
{
  g_autoptr(AtriumEventQueue) queue = lookup_queue (self, window_id);

  if (queue == NULL)
    return FALSE;
  _atrium_event_queue_get_stats (queue, stats);
  return TRUE;
}

/* For tests: a paused queue sends nothing, as if its page had stopped
 * reading. Main thread. */
gboolean
_atrium_events_set_paused (AtriumEvents *self,
                           guint         window_id,
                           gboolean      paused)
{
  g_autoptr(AtriumEventQueue) queue = lookup_queue (self, window_id);

  if (queue == NULL)
    return FALSE;
  _atrium_event_queue_set_paused (queue, paused);
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
 * @text: `["name", data]` as the runtime wrote it, after the token and
 *   ack, or 'B', that and its binary values (see atrium-bytes.c)
 * @max_size: the message limit
 *
 * The pure part of _atrium_events_receive(), for tests and the fuzzer:
 * parses the message and checks its shape and the event's name.
 *
 * Returns: (transfer full) (nullable): the `["name", data]` array node, or
 *   %NULL with @error set to %ATRIUM_ERROR_BAD_ARGS, or
 *   %ATRIUM_ERROR_TOO_LARGE over @max_size
 */
JsonNode *
_atrium_event_decode (const char  *text,
                      gsize        length,
                      guint        max_depth,
                      gsize        max_size,
                      GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;
  JsonNode *name_node;

  /* The envelope is a level of its own: the data may nest max_depth.
   * Binary values in the data count at their decoded size. */
  root = _atrium_bytes_parse (text, length, MIN (max_depth, G_MAXUINT - 1) + 1, max_size, error);
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
                        gsize          max_size,
                        GError       **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;
  const char *name;
  guint sender_id = atrium_window_get_id (sender);

  root = _atrium_event_decode (text, length, max_depth, max_size, error);
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

      /* Binary values came apart from the JSON: encoded again, inline, as
       * C's own events carry them. */
      if (length > 0 && text[0] == ATRIUM_BYTES_FRAME)
        {
          event = _atrium_event_encode (name, json_array_get_element (array, 1), sender_id,
                                        error);
          if (event == NULL)
            return FALSE;
          ok = emit_event (self, event, 0, sender_id, FALSE, error);
          _atrium_event_unref (event);
          return ok;
        }

      /* The page's own JSON, checked by the parser, with the sender added
       * in place of the closing bracket: nothing is encoded again. */
      while (length > 0 && g_ascii_isspace (text[length - 1]))
        length--;
      g_assert (length > 0 && text[length - 1] == ']');
      forwarded = g_string_sized_new (length + 12);
      g_string_append_len (forwarded, text, length - 1);
      g_string_append_printf (forwarded, ",%u]", sender_id);
      event = _atrium_event_new_take (name, g_steal_pointer (&forwarded));
      ok = emit_event (self, event, 0, sender_id, FALSE, error);
      _atrium_event_unref (event);
      return ok;
    }

  return TRUE;
}

/**
 * _atrium_events_take_from_page:
 * @sender: the window whose page emitted the event
 * @ack: the id of the last event batch that page handled
 * @text: the event's JSON, `["name", data]`, or 'B', that and its binary values
 * @max_depth: how deeply its data may nest
 * @max_size: the message limit
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
                               gsize          max_size,
                               GBytes       **batch,
                               GError       **error)
{
  g_autoptr(AtriumEventQueue) queue = lookup_queue (self, atrium_window_get_id (sender));
  gboolean ok;

  if (queue != NULL)
    _atrium_event_queue_hold (queue, ack);
  ok = _atrium_events_receive (self, sender, text, length, max_depth, max_size, error);
  *batch = NULL;
  if (queue != NULL)
    {
      *batch = _atrium_event_queue_release (queue, ok);
      _atrium_event_queue_flush (queue);
    }
  return ok;
}

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Events"
#include "config.h"

#include "atrium-event-delivery-private.h"

#include "atrium-log-limit-private.h"

/* The WebKit half of a window's events: the queue (atrium-event-queue.c)
 * decides what goes and when; this sends it.
 *
 * By poll: the runtime keeps POLL_DEPTH messages with reply posted to
 * `atrium-event-poll`, and each is answered with a batch that becomes a JS
 * string straight from its bytes; nothing is compiled. One
 * evaluate_javascript per event, with the payload in the source, grew
 * another shell's web process to 6 GB.
 *
 * By script: one evaluate_javascript of `atrium.__deliver(…)`, whose
 * completion acknowledges it. A script costs less than a message reply
 * (WebKit 2.50 here: a reply is 1.0–1.3× a script), which keeps a JS → C
 * → JS round trip level with one evaluate_javascript. The source is a call
 * with a single JSON argument, which JSC runs through its JSON parser
 * without compiling anything; any other shape (two arguments, or the batch
 * as a string for JSON.parse) is compiled, and that grew the web process
 * by about a script's size per event until a full GC.
 *
 * Only the runtime, which holds the token, can take a poll's answer, and
 * only C can deliver by script. */

typedef struct
{
  WebKitScriptMessageReply *reply;
  JSCContext               *context;   /* the page's, for the reply's string */
} Poll;

typedef struct
{
  GSource              source;
  AtriumEventDelivery *delivery;
} WakeSource;

struct _AtriumEventDelivery
{
  AtriumEventQueue *queue;
  WebKitWebView    *web_view;
  gulong            load_handler;
  gulong            terminated_handler;
  GSource          *source;       /* flushes when an emitter on a worker wakes it */
  GCancellable     *cancellable;  /* the scripts in flight */
  GQueue            polls;        /* Poll, oldest first: as many as the queue's asks */
};

static void
poll_free (Poll *poll)
{
  webkit_script_message_reply_unref (poll->reply);
  g_object_unref (poll->context);
  g_free (poll);
}

static void flush (AtriumEventDelivery *self);

typedef struct
{
  AtriumEventDelivery *delivery;
  AtriumEventQueue    *queue;
  guint64              id;
} Script;

static void
script_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Script *script = user_data;
  g_autoptr(JSCValue) value = NULL;
  g_autoptr(GError) error = NULL;
  guint released;

  value = webkit_web_view_evaluate_javascript_finish (WEBKIT_WEB_VIEW (source), result, &error);

  /* A closed queue means the delivery is gone (both close together, on
   * this thread). */
  if (_atrium_event_queue_script_done (script->queue, script->id, error == NULL, &released))
    {
      if (error != NULL && released > 0)
        _atrium_log_page (G_LOG_LEVEL_WARNING, "Window %u lost %u events: the page did not "
                          "take them (%s)", _atrium_event_queue_get_window_id (script->queue),
                          released, error->message);
      flush (script->delivery);
    }
  _atrium_event_queue_unref (script->queue);
  g_free (script);
}

static void
send_script (AtriumEventDelivery *self,
             GBytes              *source,
             guint64              id)
{
  Script *script = g_new (Script, 1);
  gsize length;
  const char *text = g_bytes_get_data (source, &length);

  script->delivery = self;
  script->queue = _atrium_event_queue_ref (self->queue);
  script->id = id;
  webkit_web_view_evaluate_javascript (self->web_view, text, length, NULL, NULL,
                                       self->cancellable, script_done_cb, script);
}

/* Sends what is waiting, by script when it is little, else as the answers
 * to the page's pending polls. */
static void
flush (AtriumEventDelivery *self)
{
  for (;;)
    {
      g_autoptr(JSCValue) value = NULL;
      g_autoptr(GBytes) bytes = NULL;
      guint64 id;
      Poll *poll;

      switch (_atrium_event_queue_take (self->queue, &bytes, &id))
        {
        case ATRIUM_EVENT_SEND_NONE:
          return;

        case ATRIUM_EVENT_SEND_SCRIPT:
          send_script (self, bytes, id);
          break;

        case ATRIUM_EVENT_SEND_POLL:
          poll = g_queue_pop_head (&self->polls);
          g_assert (poll != NULL);
          /* From bytes, JSC makes the string about ten times faster than
           * from a C string (see _atrium_bridge_deliver()). */
          value = jsc_value_new_string_from_bytes (poll->context, bytes);
          webkit_script_message_reply_return_value (poll->reply, value);
          poll_free (poll);
          break;
        }
    }
}

/**
 * _atrium_event_delivery_poll:
 * @ack: the id of the last batch the page handled, 0 for none
 * @reply: the message's reply, answered with a batch
 * @context: the page's JS context
 *
 * The page's runtime asks for a batch of events.
 */
void
_atrium_event_delivery_poll (AtriumEventDelivery      *self,
                             guint64                   ack,
                             WebKitScriptMessageReply *reply,
                             JSCContext               *context)
{
  Poll *poll = g_new (Poll, 1);

  poll->reply = webkit_script_message_reply_ref (reply);
  poll->context = g_object_ref (context);
  g_queue_push_tail (&self->polls, poll);
  /* The runtime keeps POLL_DEPTH posted; more can only be stale. */
  if (_atrium_event_queue_ask (self->queue, ack))
    poll_free (g_queue_pop_head (&self->polls));
  flush (self);
}

static gboolean
wake_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  flush (((WakeSource *) source)->delivery);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs wake_source_funcs = {
  NULL, NULL, wake_source_dispatch, NULL, NULL, NULL,
};

/* Any thread, with the queue's lock held. */
static void
sink_wake (gpointer user_data)
{
  AtriumEventDelivery *self = user_data;

  g_source_set_ready_time (self->source, 0);
}

static void
sink_flush (gpointer user_data)
{
  flush (user_data);
}

static const AtriumEventQueueSink delivery_sink = { sink_wake, sink_flush };

static void
load_changed_cb (WebKitWebView       *web_view,
                 WebKitLoadEvent      load_event,
                 AtriumEventDelivery *self)
{
  guint lost;

  if (load_event != WEBKIT_LOAD_COMMITTED)
    return;

  /* A new document has replaced the one that polled. The new page's
   * runtime polls as soon as its DOM is loaded. */
  lost = _atrium_event_queue_reset (self->queue);
  g_queue_clear_full (&self->polls, (GDestroyNotify) poll_free);
  if (lost > 0)
    _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Window %u navigated with %u events on their way "
                      "to the old page", _atrium_event_queue_get_window_id (self->queue), lost);
}

/* The page's web process ended (a crash, or the memory limit): its polls
 * will never be answered by a page, and what it was handling is gone, as
 * when it navigates. Events for the window wait, bounded, for a new page
 * (the app reloads it). Windows that share the process all get here. */
static void
web_process_terminated_cb (WebKitWebView                     *web_view,
                           WebKitWebProcessTerminationReason  reason,
                           AtriumEventDelivery               *self)
{
  guint lost = _atrium_event_queue_reset (self->queue);

  g_queue_clear_full (&self->polls, (GDestroyNotify) poll_free);
  if (lost > 0)
    _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Window %u's web process ended with %u events on "
                      "their way to its page", _atrium_event_queue_get_window_id (self->queue),
                      lost);
}

AtriumEventDelivery *
_atrium_event_delivery_new (AtriumEventQueue *queue,
                            WebKitWebView    *web_view)
{
  AtriumEventDelivery *self = g_new0 (AtriumEventDelivery, 1);
  WakeSource *source;

  self->queue = _atrium_event_queue_ref (queue);
  self->web_view = web_view;
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->polls);

  source = (WakeSource *) g_source_new (&wake_source_funcs, sizeof (WakeSource));
  source->delivery = self;
  g_source_set_static_name ((GSource *) source, "AtriumEventDelivery");
  g_source_attach ((GSource *) source, g_main_context_default ());
  self->source = (GSource *) source;

  self->load_handler = g_signal_connect (web_view, "load-changed",
                                         G_CALLBACK (load_changed_cb), self);
  self->terminated_handler = g_signal_connect (web_view, "web-process-terminated",
                                               G_CALLBACK (web_process_terminated_cb), self);
  _atrium_event_queue_set_sink (queue, &delivery_sink, self);
  return self;
}

AtriumEventQueue *
_atrium_event_delivery_get_queue (AtriumEventDelivery *self)
{
  return self->queue;
}

/* When the window goes: closes the queue (emitters waiting for its room
 * are released, what it held is freed), then stops what is on its way.
 * A script still running finds the queue closed and leaves this alone. */
void
_atrium_event_delivery_free (AtriumEventDelivery *self)
{
  if (self == NULL)
    return;

  /* After this no wake comes, from any thread: the sink is detached under
   * the queue's lock. */
  _atrium_event_queue_close (self->queue);
  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  g_queue_clear_full (&self->polls, (GDestroyNotify) poll_free);
  g_clear_signal_handler (&self->load_handler, self->web_view);
  g_clear_signal_handler (&self->terminated_handler, self->web_view);
  _atrium_event_queue_unref (self->queue);
  g_free (self);
}

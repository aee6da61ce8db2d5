#include "config.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-events-private.h"
#include "test-util.h"

/* The event bus without a window: names, errors, and C listeners hearing
 * C's broadcasts from any thread, in order, on the main thread; and each
 * window's queue alone, its back-pressure, coalescing and batching. */

static void
test_names (void)
{
  g_autofree char *longest = g_strnfill (ATRIUM_EVENT_NAME_MAX, 'n');
  g_autofree char *too_long = g_strnfill (ATRIUM_EVENT_NAME_MAX + 1, 'n');
  const char *bad[] = { NULL, "", "atrium:x", "bad \xff utf-8", too_long };
  const char *good[] = { "x", "progress", "a:b", "ü 😀", "atrium", longest };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (_atrium_event_name_is_valid (bad[i], &error));
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (_atrium_event_name_is_valid (good[i], NULL));
}

static void
test_emit_errors (void)
{
  g_autoptr(AtriumApp) app = atrium_app_new ("dev.atrium.TestEventQueue", G_APPLICATION_NON_UNIQUE);
  g_autoptr(JsonNode) big = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonNode) bad = json_node_new (JSON_NODE_VALUE);
  g_autofree char *payload = g_strnfill (2000, 'p');
  g_autoptr(GError) error = NULL;

  /* No window has that id. */
  g_assert_false (atrium_app_emit_to (app, 12345, "x", NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* With no window, a broadcast reaches nobody, and that is fine. */
  g_assert_true (atrium_app_emit (app, "x", NULL, &error));
  g_assert_no_error (error);

  atrium_app_set_event_queue_limits (app, 10, 1000);
  json_node_set_string (big, payload);
  g_assert_false (atrium_app_emit (app, "x", big, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
  g_clear_error (&error);

  json_node_set_string (bad, "\xc3\x28");
  g_assert_false (atrium_app_emit (app, "x", bad, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);

  g_assert_false (atrium_app_emit (app, "atrium:reserved", NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
}

typedef struct
{
  GThread *main_thread;
  GString *log;
  guint    calls;
  guint    wrong_thread;
  gint64   next;
  guint    out_of_order;
  guint    expected;       /* how many calls heard_all() waits for */
} Heard;

static gboolean
heard_all (gpointer data)
{
  Heard *heard = data;

  return heard->calls >= heard->expected;
}

static void
heard_cb (AtriumApp    *app,
          const char   *name,
          JsonNode     *data,
          AtriumWindow *sender,
          gpointer      user_data)
{
  Heard *h = user_data;

  h->calls++;
  if (g_thread_self () != h->main_thread)
    h->wrong_thread++;
  g_assert_null (sender);
  if (JSON_NODE_HOLDS_VALUE (data) && json_node_get_value_type (data) == G_TYPE_INT64)
    {
      if (json_node_get_int (data) != h->next)
        h->out_of_order++;
      h->next++;
    }
  else
    {
      g_autofree char *text = json_to_string (data, FALSE);

      g_string_append_printf (h->log, "%s=%s;", name, text);
    }
}

static void
never_cb (AtriumApp    *app,
          const char   *name,
          JsonNode     *data,
          AtriumWindow *sender,
          gpointer      user_data)
{
  g_assert_not_reached ();
}

static void
count_destroy_cb (gpointer data)
{
  (*(guint *) data)++;
}

static gpointer
emit_thread (gpointer data)
{
  AtriumApp *app = data;

  for (gint64 i = 0; i < 20000; i++)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

      json_node_set_int (node, i);
      g_assert_true (atrium_app_emit (app, "count", node, NULL));
    }
  return NULL;
}

static void
test_c_listeners (void)
{
  g_autoptr(AtriumApp) app = atrium_app_new ("dev.atrium.TestEventQueue2", G_APPLICATION_NON_UNIQUE);
  Heard on = { g_thread_self (), g_string_new (NULL), 0, 0, 0, 0, 0 };
  Heard once = { g_thread_self (), g_string_new (NULL), 0, 0, 0, 0, 0 };
  Heard counter = { g_thread_self (), g_string_new (NULL), 0, 0, 0, 0, 0 };
  g_autoptr(JsonNode) data = json_from_string ("{\"a\":[1,\"two\",null]}", NULL);
  guint destroyed = 0;
  gulong id;
  TestThread *thread;

  atrium_app_on (app, "x", heard_cb, &on, NULL);
  atrium_app_once (app, "x", heard_cb, &once, NULL);
  id = atrium_app_on (app, "x", never_cb, &destroyed, count_destroy_cb);
  g_assert_true (atrium_app_off (app, id));
  g_assert_false (atrium_app_off (app, id));
  g_assert_cmpuint (destroyed, ==, 1);

  g_assert_true (atrium_app_emit (app, "x", data, NULL));
  /* The caller keeps its node and may change it at once. */
  json_array_add_int_element (json_object_get_array_member (json_node_get_object (data), "a"), 4);
  g_assert_true (atrium_app_emit (app, "x", data, NULL));
  g_assert_true (atrium_app_emit (app, "y", data, NULL));

  /* Later, on the main loop, never inside the emit. */
  g_assert_cmpuint (on.calls, ==, 0);
  on.expected = 2;
  test_wait_for (NULL, TEST_WAIT_SECONDS, heard_all, &on, "the listener to hear both x events");
  g_assert_cmpstr (on.log->str, ==, "x={\"a\":[1,\"two\",null]};x={\"a\":[1,\"two\",null,4]};");
  g_assert_cmpuint (once.calls, ==, 1);

  /* From a worker: in order, on the main thread. */
  atrium_app_on (app, "count", heard_cb, &counter, NULL);
  thread = test_thread_new ("emitter", emit_thread, app);
  counter.expected = 20000;
  test_wait_for (NULL, TEST_WAIT_SECONDS, heard_all, &counter,
                 "the listener to hear a worker's 20,000 events");
  test_thread_join (thread, TEST_WAIT_SECONDS, "the worker's emits to return");
  g_assert_cmpuint (counter.out_of_order, ==, 0);
  g_assert_cmpuint (counter.wrong_thread, ==, 0);
  g_assert_cmpuint (on.wrong_thread, ==, 0);

  g_string_free (on.log, TRUE);
  g_string_free (once.log, TRUE);
  g_string_free (counter.log, TRUE);
}

/* The queue alone: no app, no window, no display. The page is played by
 * the test: it asks (a poll), takes batches and acknowledges them. */

static int full_warnings;   /* atomic */


static AtriumEvent *
make_event (const char *name,
            gsize       size,
            gboolean    coalesce)
{
  g_autoptr(JsonNode) data = json_node_new (JSON_NODE_VALUE);
  g_autofree char *payload = g_strnfill (size, 'p');
  AtriumEvent *event;

  json_node_set_string (data, payload);
  event = _atrium_event_encode (name, data, 0, NULL);
  _atrium_event_set_coalesce (event, coalesce);
  return event;
}

static AtriumEventPush
push_new (AtriumEventQueue *queue,
          const char       *name,
          gsize             size,
          gboolean          block)
{
  g_autoptr(AtriumEvent) event = make_event (name, size, FALSE);

  return _atrium_event_queue_push (queue, event, block);
}

/* The names in a batch's text, in order: "a,b,c". */
static char *
batch_names (GBytes *batch)
{
  gsize length;
  const char *text = g_bytes_get_data (batch, &length);
  g_autoptr(GString) names = g_string_new (NULL);
  const char *p = text;

  while ((p = g_strstr_len (p, text + length - p, "[\"")) != NULL)
    {
      const char *end = strchr (p + 2, '"');

      if (g_str_has_prefix (p, "[\"tok"))
        {
          p = end;
          continue;
        }
      if (names->len > 0)
        g_string_append_c (names, ',');
      g_string_append_len (names, p + 2, end - p - 2);
      p = end;
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static AtriumEventQueueStats
stats_of (AtriumEventQueue *queue)
{
  AtriumEventQueueStats stats;

  _atrium_event_queue_get_stats (queue, &stats);
  return stats;
}

static void
test_queue_batches (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);
  g_autoptr(GBytes) first = NULL, second = NULL, third = NULL;
  g_autofree char *names = NULL;
  guint64 id = 0;

  /* Events too big for a script, so they go by poll, three at a time. */
  _atrium_event_queue_set_batch_limits (queue, 3, G_MAXSIZE);
  for (guint i = 0; i < 8; i++)
    {
      char name[8];

      g_snprintf (name, sizeof name, "e%u", i);
      g_assert_cmpint (push_new (queue, name, ATRIUM_EVENT_SCRIPT_MAX_BYTES, TRUE), ==,
                       ATRIUM_EVENT_PUSH_OK);
    }

  /* Nothing goes before the page asks. */
  g_assert_cmpint (_atrium_event_queue_take (queue, &first, &id), ==, ATRIUM_EVENT_SEND_NONE);
  g_assert_false (_atrium_event_queue_ask (queue, 0));
  g_assert_false (_atrium_event_queue_ask (queue, 0));
  /* A third poll is one more than the page keeps: stale. */
  g_assert_true (_atrium_event_queue_ask (queue, 0));

  g_assert_cmpint (_atrium_event_queue_take (queue, &first, &id), ==, ATRIUM_EVENT_SEND_POLL);
  g_assert_cmpuint (id, ==, 1);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (first, NULL), "[1,[[\"e0\","));
  names = batch_names (first);
  g_assert_cmpstr (names, ==, "e0,e1,e2");
  g_clear_pointer (&names, g_free);
  g_assert_cmpint (_atrium_event_queue_take (queue, &second, &id), ==, ATRIUM_EVENT_SEND_POLL);
  names = batch_names (second);
  g_assert_cmpstr (names, ==, "e3,e4,e5");
  g_clear_pointer (&names, g_free);
  /* Both polls answered: the rest waits for the page. */
  g_assert_cmpint (_atrium_event_queue_take (queue, &third, &id), ==, ATRIUM_EVENT_SEND_NONE);
  g_assert_cmpuint (stats_of (queue).in_flight, ==, 6);
  g_assert_cmpuint (stats_of (queue).queued, ==, 2);

  /* The page handled batch 1 and asks again. */
  g_assert_false (_atrium_event_queue_ask (queue, 1));
  g_assert_cmpuint (stats_of (queue).delivered, ==, 3);
  g_assert_cmpint (_atrium_event_queue_take (queue, &third, &id), ==, ATRIUM_EVENT_SEND_POLL);
  names = batch_names (third);
  g_assert_cmpstr (names, ==, "e6,e7");
  g_assert_cmpuint (stats_of (queue).batches, ==, 3);
  g_assert_cmpuint (stats_of (queue).max_batch, ==, 3);

  g_assert_false (_atrium_event_queue_ask (queue, 3));
  g_assert_cmpuint (stats_of (queue).delivered, ==, 8);
  g_assert_cmpuint (stats_of (queue).bytes, ==, 0);
}

static void
test_queue_batch_bytes (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);
  g_autoptr(GBytes) batch = NULL, big = NULL;
  g_autofree char *names = NULL;

  /* A batch stops before the event that would take it over its bytes,
   * but always carries one, however big. */
  _atrium_event_queue_set_batch_limits (queue, 100, 3 * ATRIUM_EVENT_SCRIPT_MAX_BYTES);
  push_new (queue, "a", ATRIUM_EVENT_SCRIPT_MAX_BYTES, TRUE);
  push_new (queue, "b", ATRIUM_EVENT_SCRIPT_MAX_BYTES, TRUE);
  push_new (queue, "c", ATRIUM_EVENT_SCRIPT_MAX_BYTES, TRUE);
  push_new (queue, "huge", 10 * ATRIUM_EVENT_SCRIPT_MAX_BYTES, TRUE);
  _atrium_event_queue_ask (queue, 0);
  _atrium_event_queue_ask (queue, 0);
  g_assert_cmpint (_atrium_event_queue_take (queue, &batch, NULL), ==, ATRIUM_EVENT_SEND_POLL);
  names = batch_names (batch);
  g_assert_cmpstr (names, ==, "a,b");
  g_clear_pointer (&names, g_free);
  g_clear_pointer (&batch, g_bytes_unref);
  g_assert_cmpint (_atrium_event_queue_take (queue, &batch, NULL), ==, ATRIUM_EVENT_SEND_POLL);
  names = batch_names (batch);
  g_assert_cmpstr (names, ==, "c");
  g_clear_pointer (&names, g_free);
  _atrium_event_queue_ask (queue, 2);
  g_assert_cmpint (_atrium_event_queue_take (queue, &big, NULL), ==, ATRIUM_EVENT_SEND_POLL);
  names = batch_names (big);
  g_assert_cmpstr (names, ==, "huge");
}

static void
test_queue_script_or_poll (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);
  g_autoptr(GBytes) script = NULL, poll = NULL, again = NULL;
  g_autoptr(AtriumEvent) proto = NULL;
  g_autoptr(JsonNode) data = NULL;
  guint64 id = 0;
  guint released;

  /* Before the runtime is there, nothing goes by script either. */
  push_new (queue, "lone", 10, TRUE);
  g_assert_cmpint (_atrium_event_queue_take (queue, &script, &id), ==, ATRIUM_EVENT_SEND_NONE);

  /* Once it is, a little goes by script, with the token, even with polls
   * posted; and the polls stay for later. */
  _atrium_event_queue_ask (queue, 0);
  g_assert_cmpint (_atrium_event_queue_take (queue, &script, &id), ==, ATRIUM_EVENT_SEND_SCRIPT);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (script, NULL),
                                   "atrium.__deliver([\"tok\",[[\"lone\","));
  g_assert_true (g_str_has_suffix (g_bytes_get_data (script, NULL), "]])"));

  /* While a script is in flight, a big event waits: a poll batch now could
   * overtake it. */
  push_new (queue, "big", ATRIUM_EVENT_SCRIPT_MAX_BYTES, TRUE);
  g_assert_cmpint (_atrium_event_queue_take (queue, &poll, NULL), ==, ATRIUM_EVENT_SEND_NONE);
  g_assert_true (_atrium_event_queue_script_done (queue, id, TRUE, &released));
  g_assert_cmpuint (released, ==, 1);
  g_assert_cmpint (_atrium_event_queue_take (queue, &poll, NULL), ==, ATRIUM_EVENT_SEND_POLL);

  /* While a poll batch is in flight, a lone small event waits for a poll
   * too, rather than overtake it by script. */
  push_new (queue, "small", 10, TRUE);
  g_assert_cmpint (_atrium_event_queue_take (queue, &again, NULL), ==, ATRIUM_EVENT_SEND_NONE);
  _atrium_event_queue_ask (queue, 2);
  g_assert_cmpint (_atrium_event_queue_take (queue, &again, NULL), ==, ATRIUM_EVENT_SEND_POLL);
  g_clear_pointer (&again, g_bytes_unref);

  /* Idle again: by script. But never an event with a "__proto__" key,
   * which a literal reads differently from JSON. */
  _atrium_event_queue_ask (queue, 3);
  data = json_from_string ("{\"__proto__\":{\"polluted\":true}}", NULL);
  proto = _atrium_event_encode ("proto", data, 0, NULL);
  _atrium_event_queue_push (queue, proto, TRUE);
  g_assert_cmpint (_atrium_event_queue_take (queue, &again, NULL), ==, ATRIUM_EVENT_SEND_POLL);
  g_assert_cmpuint (stats_of (queue).scripts, ==, 1);

  /* A script the page did not run took its events with it, counted. */
  _atrium_event_queue_ask (queue, 4);
  push_new (queue, "lost", 10, TRUE);
  g_clear_pointer (&script, g_bytes_unref);
  g_assert_cmpint (_atrium_event_queue_take (queue, &script, &id), ==, ATRIUM_EVENT_SEND_SCRIPT);
  g_assert_true (_atrium_event_queue_script_done (queue, id, FALSE, &released));
  g_assert_cmpuint (released, ==, 1);
  g_assert_cmpuint (stats_of (queue).dropped, ==, 1);
  /* …and until the page asks again, nothing goes by script: the next
   * small event answers the poll still posted. */
  push_new (queue, "after", 10, TRUE);
  g_clear_pointer (&script, g_bytes_unref);
  g_assert_cmpint (_atrium_event_queue_take (queue, &script, &id), ==, ATRIUM_EVENT_SEND_POLL);
}

static void
test_queue_coalesce (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);
  g_autoptr(GBytes) batch = NULL, next = NULL;
  g_autofree char *names = NULL;
  const char *text;
  AtriumEvent *event;

  event = make_event ("progress", 1, TRUE);
  _atrium_event_queue_push (queue, event, TRUE);
  _atrium_event_unref (event);
  push_new (queue, "other", 1, TRUE);
  event = make_event ("progress", 2, TRUE);
  _atrium_event_queue_push (queue, event, TRUE);
  _atrium_event_unref (event);

  /* The newest replaced the waiting one, and went to the end. */
  g_assert_cmpuint (stats_of (queue).queued, ==, 2);
  g_assert_cmpuint (stats_of (queue).coalesced, ==, 1);
  _atrium_event_queue_ask (queue, 0);
  g_assert_cmpint (_atrium_event_queue_take (queue, &batch, NULL), ==, ATRIUM_EVENT_SEND_SCRIPT);
  names = batch_names (batch);
  g_assert_cmpstr (names, ==, "other,progress");
  text = g_bytes_get_data (batch, NULL);
  g_assert_nonnull (strstr (text, "\"pp\""));

  /* One on its way is not replaced: the next waits behind it. */
  event = make_event ("progress", 3, TRUE);
  _atrium_event_queue_push (queue, event, TRUE);
  _atrium_event_unref (event);
  g_assert_cmpuint (stats_of (queue).queued, ==, 1);
  g_assert_cmpuint (stats_of (queue).coalesced, ==, 1);
}

typedef struct
{
  AtriumEventQueue *queue;
  guint             n;
  AtriumEventPush   result;   /* of the last push */
  guint             pushed;   /* atomic */
} Pusher;

static gpointer
push_thread (gpointer data)
{
  Pusher *p = data;

  for (guint i = 0; i < p->n; i++)
    {
      p->result = push_new (p->queue, "w", 10, TRUE);
      if (p->result != ATRIUM_EVENT_PUSH_OK)
        break;
      g_atomic_int_inc (&p->pushed);
    }
  return NULL;
}

static gboolean
one_waiting (gpointer data)
{
  Pusher *p = data;

  return stats_of (p->queue).waiting == 1;
}

static gboolean
refilled (gpointer data)
{
  Pusher *p = data;

  return g_atomic_int_get (&p->pushed) == 2 && stats_of (p->queue).waiting == 1;
}

static void
test_queue_back_pressure (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);
  g_autoptr(GBytes) batch = NULL;
  Pusher p = { queue, 6, ATRIUM_EVENT_PUSH_OK, 0 };
  TestThread *thread;
  guint64 id;

  _atrium_event_queue_set_limits (queue, 4, G_MAXSIZE);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (push_new (queue, "m", 10, FALSE), ==, ATRIUM_EVENT_PUSH_OK);

  /* The main thread cannot wait: refused, counted, and nothing changed;
   * warned once until there is room again. */
  g_atomic_int_set (&full_warnings, 0);
  g_assert_cmpint (push_new (queue, "m", 10, FALSE), ==, ATRIUM_EVENT_PUSH_FULL);
  g_assert_cmpint (push_new (queue, "m", 10, FALSE), ==, ATRIUM_EVENT_PUSH_FULL);
  g_assert_cmpint (g_atomic_int_get (&full_warnings), ==, 1);
  g_assert_cmpuint (stats_of (queue).refused, ==, 2);
  g_assert_cmpuint (stats_of (queue).queued, ==, 4);

  /* A worker waits for room… */
  thread = test_thread_new ("pusher", push_thread, &p);
  test_poll_for (TEST_WAIT_SECONDS, one_waiting, &p, "the worker to block on the full queue");
  g_assert_cmpuint (g_atomic_int_get (&p.pushed), ==, 0);

  /* …which a batch on its way does not make: it is still held… */
  _atrium_event_queue_ask (queue, 0);
  _atrium_event_queue_set_batch_limits (queue, 2, G_MAXSIZE);
  g_assert_cmpint (_atrium_event_queue_take (queue, &batch, &id), ==, ATRIUM_EVENT_SEND_POLL);
  g_assert_cmpuint (stats_of (queue).waiting, ==, 1);
  g_assert_cmpuint (g_atomic_int_get (&p.pushed), ==, 0);

  /* …until the page confirms it. Then the worker fills the room again and
   * waits once more. */
  _atrium_event_queue_ask (queue, id);
  g_assert_cmpuint (stats_of (queue).delivered, ==, 2);
  test_poll_for (TEST_WAIT_SECONDS, refilled, &p, "the worker to fill the room and block again");
  g_assert_cmpuint (g_atomic_int_get (&p.pushed), ==, 2);
  g_assert_cmpuint (stats_of (queue).queued, ==, 4);

  /* Closing the window releases it: its push fails, and it stops. */
  _atrium_event_queue_close (queue);
  test_thread_join (thread, TEST_WAIT_SECONDS, "the blocked worker to return once the window closed");
  g_assert_cmpint (p.result, ==, ATRIUM_EVENT_PUSH_CLOSED);
  g_assert_cmpuint (g_atomic_int_get (&p.pushed), ==, 2);
  g_assert_cmpuint (stats_of (queue).blocked, ==, 2);
  g_assert_cmpuint (stats_of (queue).queued, ==, 0);
  g_assert_cmpint (push_new (queue, "late", 10, FALSE), ==, ATRIUM_EVENT_PUSH_CLOSED);
}

static void
test_queue_bytes_limit (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);

  /* An empty queue takes one event, whatever its size (the bus refuses one
   * over the limit before); after that, the bytes count. */
  _atrium_event_queue_set_limits (queue, 100, 1000);
  g_assert_cmpint (push_new (queue, "big", 2000, FALSE), ==, ATRIUM_EVENT_PUSH_OK);
  g_atomic_int_set (&full_warnings, 0);
  g_assert_cmpint (push_new (queue, "small", 1, FALSE), ==, ATRIUM_EVENT_PUSH_FULL);
  g_assert_cmpint (g_atomic_int_get (&full_warnings), ==, 1);

  /* Raising the limit makes room at once. */
  _atrium_event_queue_set_limits (queue, 100, 4000);
  g_assert_cmpint (push_new (queue, "small", 1, FALSE), ==, ATRIUM_EVENT_PUSH_OK);
}

static void
test_queue_hold (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);
  g_autoptr(GBytes) batch = NULL, none = NULL;
  g_autofree char *names = NULL;

  _atrium_event_queue_ask (queue, 0);
  /* While the page's own event is handled, what C sends back rides on
   * the reply rather than a poll. */
  _atrium_event_queue_hold (queue, 0);
  push_new (queue, "answer", ATRIUM_EVENT_SCRIPT_MAX_BYTES, FALSE);
  g_assert_cmpint (_atrium_event_queue_take (queue, &none, NULL), ==, ATRIUM_EVENT_SEND_NONE);
  batch = _atrium_event_queue_release (queue, TRUE);
  g_assert_nonnull (batch);
  names = batch_names (batch);
  g_assert_cmpstr (names, ==, "answer");
  /* A refused event sends nothing with its reply. */
  _atrium_event_queue_hold (queue, 1);
  push_new (queue, "later", ATRIUM_EVENT_SCRIPT_MAX_BYTES, FALSE);
  g_assert_null (_atrium_event_queue_release (queue, FALSE));
  g_assert_cmpint (_atrium_event_queue_take (queue, &none, NULL), ==, ATRIUM_EVENT_SEND_POLL);
}

static void
test_queue_reset (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);
  g_autoptr(GBytes) batch = NULL, none = NULL;

  push_new (queue, "a", ATRIUM_EVENT_SCRIPT_MAX_BYTES, TRUE);
  push_new (queue, "b", ATRIUM_EVENT_SCRIPT_MAX_BYTES, TRUE);
  _atrium_event_queue_set_batch_limits (queue, 1, G_MAXSIZE);
  _atrium_event_queue_ask (queue, 0);
  g_assert_cmpint (_atrium_event_queue_take (queue, &batch, NULL), ==, ATRIUM_EVENT_SEND_POLL);

  /* The page navigated: the batch it had is lost and counted, its polls
   * are gone, and what waits stays for the next page. */
  g_assert_cmpuint (_atrium_event_queue_reset (queue), ==, 1);
  g_assert_cmpuint (stats_of (queue).dropped, ==, 1);
  g_assert_cmpuint (stats_of (queue).queued, ==, 1);
  g_assert_cmpint (_atrium_event_queue_take (queue, &none, NULL), ==, ATRIUM_EVENT_SEND_NONE);
  _atrium_event_queue_ask (queue, 0);
  g_assert_cmpint (_atrium_event_queue_take (queue, &none, NULL), ==, ATRIUM_EVENT_SEND_POLL);
}

typedef struct
{
  guint wakes;     /* atomic */
  guint flushes;
} Sink;

static void
sink_wake (gpointer data)
{
  g_atomic_int_inc (&((Sink *) data)->wakes);
}

static void
sink_flush (gpointer data)
{
  ((Sink *) data)->flushes++;
}

static gboolean
all_pushed (gpointer data)
{
  Pusher *p = data;

  return (guint) g_atomic_int_get (&p->pushed) == p->n;
}

static void
test_queue_wake (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);
  static const AtriumEventQueueSink funcs = { sink_wake, sink_flush };
  Sink sink = { 0, 0 };
  Pusher p = { queue, 100, ATRIUM_EVENT_PUSH_OK, 0 };
  g_autoptr(GBytes) batch = NULL;
  TestThread *thread;

  _atrium_event_queue_set_sink (queue, &funcs, &sink);

  /* A main-thread push flushes at once, without a wake. */
  push_new (queue, "m", 10, FALSE);
  g_assert_cmpuint (sink.flushes, ==, 1);
  g_assert_cmpuint (g_atomic_int_get (&sink.wakes), ==, 0);

  /* A worker's pushes wake the delivery only when something can go (the
   * page has asked), and once until it has taken. */
  thread = test_thread_new ("pusher", push_thread, &p);
  test_poll_for (TEST_WAIT_SECONDS, all_pushed, &p, "100 pushes into a roomy queue");
  test_thread_join (thread, TEST_WAIT_SECONDS, "the worker to return");
  g_assert_cmpuint (g_atomic_int_get (&sink.wakes), ==, 0);
  g_assert_false (_atrium_event_queue_ask (queue, 0));
  push_new (queue, "w", 10, TRUE);
  push_new (queue, "w", 10, TRUE);
  g_assert_cmpuint (g_atomic_int_get (&sink.wakes), ==, 1);
  g_assert_cmpint (_atrium_event_queue_take (queue, &batch, NULL), ==, ATRIUM_EVENT_SEND_SCRIPT);
  g_clear_pointer (&batch, g_bytes_unref);
  /* A second script may follow the first. */
  push_new (queue, "w", 10, TRUE);
  g_assert_cmpuint (g_atomic_int_get (&sink.wakes), ==, 2);
  g_assert_cmpint (_atrium_event_queue_take (queue, &batch, NULL), ==, ATRIUM_EVENT_SEND_SCRIPT);
  /* Two scripts are in flight, and a poll must wait for them: no wake;
   * a script's completion flushes by itself. */
  push_new (queue, "w", 10, TRUE);
  g_assert_cmpuint (g_atomic_int_get (&sink.wakes), ==, 2);

  /* Closed: the sink is detached, and nothing wakes it. */
  _atrium_event_queue_close (queue);
  g_assert_cmpint (push_new (queue, "w", 10, TRUE), ==, ATRIUM_EVENT_PUSH_CLOSED);
  _atrium_event_queue_flush (queue);
  g_assert_cmpuint (sink.flushes, ==, 1);
  g_assert_cmpuint (g_atomic_int_get (&sink.wakes), ==, 2);
}

static void
test_queue_paused (void)
{
  g_autoptr(AtriumEventQueue) queue = _atrium_event_queue_new (7, "tok", 2);
  g_autoptr(GBytes) batch = NULL;

  _atrium_event_queue_ask (queue, 0);
  _atrium_event_queue_set_paused (queue, TRUE);
  push_new (queue, "x", 10, TRUE);
  g_assert_cmpint (_atrium_event_queue_take (queue, &batch, NULL), ==, ATRIUM_EVENT_SEND_NONE);
  _atrium_event_queue_set_paused (queue, FALSE);
  g_assert_cmpint (_atrium_event_queue_take (queue, &batch, NULL), ==, ATRIUM_EVENT_SEND_SCRIPT);
}

int
main (int   argc,
      char *argv[])
{
  test_count_warnings ("is full", &full_warnings);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/event-queue/names", test_names);
  g_test_add_func ("/atrium/event-queue/emit-errors", test_emit_errors);
  g_test_add_func ("/atrium/event-queue/c-listeners", test_c_listeners);
  g_test_add_func ("/atrium/event-queue/queue/batches", test_queue_batches);
  g_test_add_func ("/atrium/event-queue/queue/batch-bytes", test_queue_batch_bytes);
  g_test_add_func ("/atrium/event-queue/queue/script-or-poll", test_queue_script_or_poll);
  g_test_add_func ("/atrium/event-queue/queue/coalesce", test_queue_coalesce);
  g_test_add_func ("/atrium/event-queue/queue/back-pressure", test_queue_back_pressure);
  g_test_add_func ("/atrium/event-queue/queue/bytes-limit", test_queue_bytes_limit);
  g_test_add_func ("/atrium/event-queue/queue/hold", test_queue_hold);
  g_test_add_func ("/atrium/event-queue/queue/reset", test_queue_reset);
  g_test_add_func ("/atrium/event-queue/queue/wake", test_queue_wake);
  g_test_add_func ("/atrium/event-queue/queue/paused", test_queue_paused);

  return g_test_run ();
}

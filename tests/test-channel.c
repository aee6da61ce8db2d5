#include "config.h"

#include "atrium-channel-private.h"
#include "test-util.h"

/* Every test gets a main context of its own, so nothing a test leaves
 * behind can be dispatched by the next one, and the default context stays
 * untouched. Waiting for a producer to block is done by watching the
 * channel's own counter, never by sleeping; every wait fails the test
 * past TEST_WAIT_SECONDS, so a lost wake-up is a failure that says so,
 * not a hang. */

/* Items are non-NULL integers: producer in the high byte, 1-based sequence
 * number below. */
#define ITEM(producer, seq) GUINT_TO_POINTER (((guint) (producer) << 24) | (guint) (seq))
#define ITEM_PRODUCER(item) (GPOINTER_TO_UINT (item) >> 24)
#define ITEM_SEQ(item)      (GPOINTER_TO_UINT (item) & 0xffffff)

#define MAX_PRODUCERS 8

typedef struct
{
  AtriumChannel *channel;
  guint          capacity;
  guint          delivered;
  guint          last[MAX_PRODUCERS];   /* the last sequence number seen */
  guint          max_length;            /* most items queued at a delivery */
  int            freed;                 /* items given to item_free */
} Sink;

static void
sink_cb (gpointer item,
         gpointer user_data)
{
  Sink *sink = user_data;
  guint producer = ITEM_PRODUCER (item);
  guint seq = ITEM_SEQ (item);

  g_assert_cmpuint (producer, <, MAX_PRODUCERS);
  /* In order, none lost, none twice: each producer's next item is exactly
   * the one after its last. */
  g_assert_cmpuint (seq, ==, sink->last[producer] + 1);
  sink->last[producer] = seq;
  sink->delivered++;
  if (sink->channel != NULL)
    sink->max_length = MAX (sink->max_length, _atrium_channel_get_length (sink->channel));
}

static void
count_free_cb (gpointer item)
{
  int *freed = *(int **) item;

  (*freed)++;
  g_free (item);
}

typedef struct
{
  Sink  *sink;
  guint  n;
} Drained;

static gboolean
drained (gpointer data)
{
  Drained *d = data;

  return d->sink->delivered >= d->n;
}

static void
drain (GMainContext *context,
       Sink         *sink,
       guint         n)
{
  Drained d = { sink, n };
  g_autofree char *what = g_strdup_printf ("the channel to deliver %u items", n);

  test_wait_for (context, TEST_WAIT_SECONDS, drained, &d, what);
  g_assert_cmpuint (sink->delivered, ==, n);
}

typedef struct
{
  AtriumChannel *channel;
  guint64        n;
} Blocked;

static gboolean
blocked (gpointer data)
{
  Blocked *b = data;
  AtriumChannelStats stats;

  _atrium_channel_get_stats (b->channel, &stats);
  return stats.blocked >= b->n;
}

/* Not by iterating the context: that would deliver items and make room. */
static void
wait_until_blocked (AtriumChannel *channel,
                    guint64        n)
{
  Blocked b = { channel, n };
  g_autofree char *what = g_strdup_printf ("%" G_GUINT64_FORMAT " pushes to wait for room", n);

  /* The counter is bumped under the channel lock right before the producer
   * waits on its condition, so once it is seen the producer is waiting. */
  test_poll_for (TEST_WAIT_SECONDS, blocked, &b, what);
}

typedef struct
{
  AtriumChannel *channel;
  guint          producer;
  guint          n;
  guint          refused;
} Producer;

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;

  for (guint i = 1; i <= p->n; i++)
    if (!_atrium_channel_push (p->channel, ITEM (p->producer, i)))
      p->refused++;

  return NULL;
}

static void
test_ordering (void)
{
  GMainContext *context = g_main_context_new ();
  Sink sink = { 0 };
  Producer p = { NULL, 0, 100000, 0 };
  AtriumChannelStats stats;
  TestThread *thread;

  p.channel = _atrium_channel_new (256, 64, sink_cb, &sink, NULL);
  _atrium_channel_attach (p.channel, context);

  thread = test_thread_new ("producer", producer_thread, &p);
  drain (context, &sink, p.n);
  test_thread_join (thread, TEST_WAIT_SECONDS, "the producer to return");

  g_assert_cmpuint (p.refused, ==, 0);
  g_assert_cmpuint (sink.last[0], ==, p.n);
  _atrium_channel_get_stats (p.channel, &stats);
  g_assert_cmpuint (stats.pushed, ==, p.n);
  g_assert_cmpuint (stats.delivered, ==, p.n);
  g_assert_cmpuint (stats.max_batch, <=, 64);
  g_assert_cmpuint (_atrium_channel_get_length (p.channel), ==, 0);

  _atrium_channel_free (p.channel);
  g_main_context_unref (context);
}

static void
test_many_producers (void)
{
  GMainContext *context = g_main_context_new ();
  AtriumChannel *channel;
  Sink sink = { 0 };
  Producer producers[4];
  TestThread *threads[4];
  AtriumChannelStats stats;

  channel = _atrium_channel_new (1024, 128, sink_cb, &sink, NULL);
  _atrium_channel_attach (channel, context);

  for (guint i = 0; i < 4; i++)
    {
      producers[i] = (Producer) { channel, i, 25000, 0 };
      threads[i] = test_thread_new ("producer", producer_thread, &producers[i]);
    }
  drain (context, &sink, 4 * 25000);
  for (guint i = 0; i < 4; i++)
    {
      test_thread_join (threads[i], TEST_WAIT_SECONDS, "a producer to return");
      g_assert_cmpuint (producers[i].refused, ==, 0);
      g_assert_cmpuint (sink.last[i], ==, 25000);
    }

  /* Nothing more arrives: nothing was duplicated after the count was met. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (sink.delivered, ==, 100000);

  _atrium_channel_get_stats (channel, &stats);
  g_assert_cmpuint (stats.pushed, ==, 100000);
  g_assert_cmpuint (stats.delivered, ==, 100000);
  g_assert_cmpuint (stats.max_batch, <=, 128);

  _atrium_channel_free (channel);
  g_main_context_unref (context);
}

/* Producers keep blocking on a tiny channel while one item at a time is
 * let through: a wake-up lost between them would hang here. */
static void
test_many_blocked_producers (void)
{
  GMainContext *context = g_main_context_new ();
  AtriumChannel *channel;
  Sink sink = { 0 };
  Producer producers[4];
  TestThread *threads[4];
  AtriumChannelStats stats;

  channel = _atrium_channel_new (2, 1, sink_cb, &sink, NULL);
  sink.channel = channel;
  _atrium_channel_attach (channel, context);

  for (guint i = 0; i < 4; i++)
    {
      producers[i] = (Producer) { channel, i, 2000, 0 };
      threads[i] = test_thread_new ("producer", producer_thread, &producers[i]);
    }
  drain (context, &sink, 4 * 2000);
  for (guint i = 0; i < 4; i++)
    {
      test_thread_join (threads[i], TEST_WAIT_SECONDS, "a producer to return");
      g_assert_cmpuint (producers[i].refused, ==, 0);
      g_assert_cmpuint (sink.last[i], ==, 2000);
    }

  g_assert_cmpuint (sink.max_length, <=, 2);
  _atrium_channel_get_stats (channel, &stats);
  g_assert_cmpuint (stats.max_batch, ==, 1);
  g_assert_cmpuint (stats.delivered, ==, 8000);
  g_test_message ("%" G_GUINT64_FORMAT " of 8000 pushes waited for room", stats.blocked);

  _atrium_channel_free (channel);
  g_main_context_unref (context);
}

static void
test_capacity (void)
{
  GMainContext *context = g_main_context_new ();
  AtriumChannel *channel;
  Sink sink = { 0 };
  AtriumChannelStats stats;
  guint i;

  channel = _atrium_channel_new (8, 3, sink_cb, &sink, NULL);
  _atrium_channel_attach (channel, context);

  for (i = 1; i <= 8; i++)
    g_assert_true (_atrium_channel_try_push (channel, ITEM (0, i)));
  g_assert_cmpuint (_atrium_channel_get_length (channel), ==, 8);
  g_assert_false (_atrium_channel_try_push (channel, ITEM (0, 9)));
  g_assert_false (_atrium_channel_try_push (channel, ITEM (0, 9)));

  /* One dispatch delivers one batch and makes exactly that much room. */
  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (sink.delivered, ==, 3);
  g_assert_cmpuint (_atrium_channel_get_length (channel), ==, 5);
  for (i = 9; i <= 11; i++)
    g_assert_true (_atrium_channel_try_push (channel, ITEM (0, i)));
  g_assert_false (_atrium_channel_try_push (channel, ITEM (0, 12)));

  drain (context, &sink, 11);
  g_assert_cmpuint (sink.last[0], ==, 11);
  g_assert_cmpuint (_atrium_channel_get_length (channel), ==, 0);

  _atrium_channel_get_stats (channel, &stats);
  g_assert_cmpuint (stats.pushed, ==, 11);
  g_assert_cmpuint (stats.blocked, ==, 0);
  g_assert_cmpuint (stats.max_batch, ==, 3);

  _atrium_channel_free (channel);
  g_main_context_unref (context);
}

static void
test_push_blocks (void)
{
  GMainContext *context = g_main_context_new ();
  Sink sink = { 0 };
  Producer p = { NULL, 0, 1000, 0 };
  AtriumChannelStats stats;
  TestThread *thread;

  p.channel = _atrium_channel_new (4, 2, sink_cb, &sink, NULL);
  sink.channel = p.channel;
  _atrium_channel_attach (p.channel, context);

  /* Fill the channel first, so the producer's very first push must wait. */
  for (guint i = 1; i <= 4; i++)
    g_assert_true (_atrium_channel_try_push (p.channel, ITEM (1, i)));

  thread = test_thread_new ("producer", producer_thread, &p);
  wait_until_blocked (p.channel, 1);
  g_assert_cmpuint (sink.delivered, ==, 0);

  drain (context, &sink, 1004);
  test_thread_join (thread, TEST_WAIT_SECONDS, "the producer to return");

  g_assert_cmpuint (p.refused, ==, 0);
  g_assert_cmpuint (sink.last[1], ==, 4);
  g_assert_cmpuint (sink.last[0], ==, 1000);
  g_assert_cmpuint (sink.max_length, <=, 4);

  _atrium_channel_get_stats (p.channel, &stats);
  g_assert_cmpuint (stats.blocked, >, 0);
  g_assert_cmpuint (stats.pushed, ==, 1004);
  g_assert_cmpuint (stats.delivered, ==, 1004);
  g_assert_cmpuint (stats.max_batch, <=, 2);
  g_test_message ("%" G_GUINT64_FORMAT " of 1000 pushes waited for room", stats.blocked);

  _atrium_channel_free (p.channel);
  g_main_context_unref (context);
}

static void
check_burst (gboolean attach_first)
{
  GMainContext *context = g_main_context_new ();
  AtriumChannel *channel;
  Sink sink = { 0 };
  AtriumChannelStats stats;
  const guint n = 10000, batch = 256;

  channel = _atrium_channel_new (n, batch, sink_cb, &sink, NULL);
  if (attach_first)
    _atrium_channel_attach (channel, context);
  for (guint i = 1; i <= n; i++)
    g_assert_true (_atrium_channel_try_push (channel, ITEM (0, i)));
  if (!attach_first)
    _atrium_channel_attach (channel, context);

  drain (context, &sink, n);
  g_assert_false (g_main_context_pending (context));

  _atrium_channel_get_stats (channel, &stats);
  g_assert_cmpuint (stats.delivered, ==, n);
  g_assert_cmpuint (stats.max_batch, ==, batch);
  /* Full batches only: one wake-up per batch, not one per item. */
  g_assert_cmpuint (stats.wakeups, <=, (n + batch - 1) / batch);
  g_assert_cmpuint (stats.wakeups, ==, (n + batch - 1) / batch);

  _atrium_channel_free (channel);
  g_main_context_unref (context);
}

static void
test_wakeups (void)
{
  check_burst (TRUE);
}

static void
test_wakeups_before_attach (void)
{
  check_burst (FALSE);
}

static gpointer
new_counted_item (int *freed)
{
  int **item = g_new (int *, 1);

  *item = freed;
  return item;
}

static void
never_cb (gpointer item,
          gpointer user_data)
{
  g_assert_not_reached ();
}

static void
test_close_frees_queued (void)
{
  GMainContext *context = g_main_context_new ();
  AtriumChannel *channel;
  AtriumChannelStats stats;
  int freed = 0;
  gpointer late;

  channel = _atrium_channel_new (16, 4, never_cb, NULL, count_free_cb);
  _atrium_channel_attach (channel, context);
  for (guint i = 0; i < 10; i++)
    g_assert_true (_atrium_channel_push (channel, new_counted_item (&freed)));
  g_assert_true (g_main_context_pending (context));

  _atrium_channel_close (channel);
  g_assert_cmpint (freed, ==, 10);
  g_assert_cmpuint (_atrium_channel_get_length (channel), ==, 0);

  /* Closed: pushes fail and leave the item with the caller. */
  late = new_counted_item (&freed);
  g_assert_false (_atrium_channel_push (channel, late));
  g_assert_false (_atrium_channel_try_push (channel, late));
  g_assert_cmpint (freed, ==, 10);
  count_free_cb (late);

  /* Nothing is delivered after close. */
  g_assert_false (g_main_context_iteration (context, FALSE));

  _atrium_channel_get_stats (channel, &stats);
  g_assert_cmpuint (stats.pushed, ==, 10);
  g_assert_cmpuint (stats.delivered, ==, 0);

  /* Closing twice, then freeing a closed channel, is harmless. */
  _atrium_channel_close (channel);
  _atrium_channel_free (channel);
  _atrium_channel_free (NULL);
  g_assert_cmpint (freed, ==, 11);
  g_main_context_unref (context);
}

typedef struct
{
  AtriumChannel *channel;
  gpointer       item;
  gboolean       pushed;
} BlockedPush;

static gpointer
blocked_push_thread (gpointer data)
{
  BlockedPush *b = data;

  b->pushed = _atrium_channel_push (b->channel, b->item);
  return NULL;
}

/* A channel of two, full, and a producer waiting for room in it. */
static TestThread *
start_blocked_producer (BlockedPush  *b,
                        GMainContext *context,
                        int          *freed)
{
  TestThread *thread;

  b->channel = _atrium_channel_new (2, 2, never_cb, NULL, count_free_cb);
  _atrium_channel_attach (b->channel, context);
  g_assert_true (_atrium_channel_try_push (b->channel, new_counted_item (freed)));
  g_assert_true (_atrium_channel_try_push (b->channel, new_counted_item (freed)));

  b->item = new_counted_item (freed);
  thread = test_thread_new ("blocked", blocked_push_thread, b);
  wait_until_blocked (b->channel, 1);
  return thread;
}

static void
test_close_releases_producer (void)
{
  GMainContext *context = g_main_context_new ();
  BlockedPush b = { NULL, NULL, TRUE };
  int freed = 0;
  TestThread *thread = start_blocked_producer (&b, context, &freed);

  _atrium_channel_close (b.channel);
  test_thread_join (thread, TEST_WAIT_SECONDS,
                    "closing the channel to release its waiting producer");

  g_assert_false (b.pushed);
  /* The two queued items were freed by the channel; the refused one is
   * still the producer's. */
  g_assert_cmpint (freed, ==, 2);
  count_free_cb (b.item);
  g_assert_cmpint (freed, ==, 3);

  _atrium_channel_free (b.channel);
  g_main_context_unref (context);
}

/* Nobody attends the channel (the app quits and waits for its workers): a
 * producer waiting for room fails instead of waiting for good, so does the
 * next push into the full channel; what is queued stays, and once attended
 * again the channel delivers and takes pushes as before. */
static void
test_unattended_releases_producer (void)
{
  GMainContext *context = g_main_context_new ();
  BlockedPush b = { NULL, NULL, TRUE };
  int freed = 0;
  TestThread *thread = start_blocked_producer (&b, context, &freed);
  gpointer refused;

  _atrium_channel_set_unattended (b.channel, TRUE);
  test_thread_join (thread, TEST_WAIT_SECONDS,
                    "an unattended channel to release its waiting producer");
  g_assert_false (b.pushed);
  refused = new_counted_item (&freed);
  g_assert_false (_atrium_channel_push (b.channel, refused));
  g_assert_cmpuint (_atrium_channel_get_length (b.channel), ==, 2);
  g_assert_cmpint (freed, ==, 0);
  count_free_cb (b.item);
  count_free_cb (refused);
  g_assert_cmpint (freed, ==, 2);

  /* Attended again: a push into the full channel waits for room again. */
  _atrium_channel_set_unattended (b.channel, FALSE);
  b.item = new_counted_item (&freed);
  thread = test_thread_new ("blocked-again", blocked_push_thread, &b);
  wait_until_blocked (b.channel, 2);
  _atrium_channel_close (b.channel);
  test_thread_join (thread, TEST_WAIT_SECONDS,
                    "closing the channel to release its waiting producer");
  g_assert_false (b.pushed);
  count_free_cb (b.item);
  g_assert_cmpint (freed, ==, 5);

  _atrium_channel_free (b.channel);
  g_main_context_unref (context);
}

static gboolean
probe_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

static void
test_free_detaches (void)
{
  GMainContext *context = g_main_context_new ();
  AtriumChannel *channel;
  GSource *probe, *source;
  Sink sink = { 0 };
  int freed = 0;
  guint probe_id;

  /* Source ids count up per context: the channel's source is the one
   * attached right after the probe. */
  probe = g_idle_source_new ();
  g_source_set_callback (probe, probe_cb, NULL, NULL);
  probe_id = g_source_attach (probe, context);

  channel = _atrium_channel_new (8, 8, sink_cb, &sink, count_free_cb);
  _atrium_channel_attach (channel, context);
  source = g_main_context_find_source_by_id (context, probe_id + 1);
  g_assert_nonnull (source);
  g_assert_cmpstr (g_source_get_name (source), ==, "AtriumChannel");

  g_source_destroy (probe);
  g_source_unref (probe);

  for (guint i = 0; i < 3; i++)
    g_assert_true (_atrium_channel_push (channel, new_counted_item (&freed)));

  _atrium_channel_free (channel);
  g_assert_cmpint (freed, ==, 3);
  g_assert_null (g_main_context_find_source_by_id (context, probe_id + 1));
  g_assert_false (g_main_context_pending (context));
  g_assert_false (g_main_context_iteration (context, FALSE));
  g_assert_cmpuint (sink.delivered, ==, 0);

  g_main_context_unref (context);
}

typedef struct
{
  AtriumChannel *channel;
  int            delivered;
} SelfFreeing;

static void
free_channel_cb (gpointer item,
                 gpointer user_data)
{
  SelfFreeing *f = user_data;

  f->delivered++;
  count_free_cb (item);
  /* The first delivery frees the channel that is delivering it. */
  g_clear_pointer (&f->channel, _atrium_channel_free);
}

/* A callback may free its own channel mid-batch: the rest of the batch is
 * freed with item_free, not delivered, and nothing touches the freed
 * channel (valgrind and ASan would see it). */
static void
test_callback_frees_channel (void)
{
  GMainContext *context = g_main_context_new ();
  SelfFreeing f = { 0 };
  int freed = 0;

  f.channel = _atrium_channel_new (16, 8, free_channel_cb, &f, count_free_cb);
  _atrium_channel_attach (f.channel, context);
  for (guint i = 0; i < 5; i++)
    g_assert_true (_atrium_channel_push (f.channel, new_counted_item (&freed)));

  g_assert_true (g_main_context_iteration (context, FALSE));
  g_assert_null (f.channel);
  g_assert_cmpint (f.delivered, ==, 1);
  g_assert_cmpint (freed, ==, 5);
  g_assert_false (g_main_context_iteration (context, FALSE));

  g_main_context_unref (context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/channel/ordering", test_ordering);
  g_test_add_func ("/atrium/channel/many-producers", test_many_producers);
  g_test_add_func ("/atrium/channel/many-blocked-producers", test_many_blocked_producers);
  g_test_add_func ("/atrium/channel/capacity", test_capacity);
  g_test_add_func ("/atrium/channel/push-blocks", test_push_blocks);
  g_test_add_func ("/atrium/channel/wakeups", test_wakeups);
  g_test_add_func ("/atrium/channel/wakeups-before-attach", test_wakeups_before_attach);
  g_test_add_func ("/atrium/channel/close-frees-queued", test_close_frees_queued);
  g_test_add_func ("/atrium/channel/close-releases-producer", test_close_releases_producer);
  g_test_add_func ("/atrium/channel/unattended-releases-producer",
                   test_unattended_releases_producer);
  g_test_add_func ("/atrium/channel/free-detaches", test_free_detaches);
  g_test_add_func ("/atrium/channel/callback-frees-channel", test_callback_frees_channel);

  return g_test_run ();
}

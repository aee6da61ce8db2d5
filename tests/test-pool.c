#include "config.h"

#include "atrium-pool-private.h"
#include "test-util.h"

/* Items are small counted blocks: every make and every free is tallied, so
 * each test can prove where each item went. The counters are atomic for the
 * threaded test. */
typedef struct
{
  int    created;
  int    freed;
  int    resets;
  gboolean refuse;   /* reset_func returns FALSE: "too big to keep" */
} Counters;

typedef struct
{
  Counters *counters;
  guint     serial;
  guint     dirty;   /* the reset func must clear it */
} Item;

static gpointer
item_new (gpointer user_data)
{
  Counters *c = user_data;
  Item *item = g_new0 (Item, 1);

  item->counters = c;
  item->serial = (guint) g_atomic_int_add (&c->created, 1);
  return item;
}

static gboolean
item_reset (gpointer item,
            gpointer user_data)
{
  Counters *c = user_data;

  g_atomic_int_inc (&c->resets);
  ((Item *) item)->dirty = 0;
  return !c->refuse;
}

static void
item_free (gpointer data)
{
  Item *item = data;

  g_atomic_int_inc (&item->counters->freed);
  g_free (item);
}

static AtriumPool *
counted_pool (Counters *c,
              guint     max_free)
{
  return _atrium_pool_new (max_free, item_new, item_reset, item_free, c);
}

static void
test_take_makes_new (void)
{
  Counters c = { 0 };
  AtriumPool *pool = counted_pool (&c, 4);
  AtriumPoolStats stats;
  Item *a, *b;

  a = _atrium_pool_take (pool);
  b = _atrium_pool_take (pool);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (a != b);
  g_assert_cmpint (c.created, ==, 2);

  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.takes, ==, 2);
  g_assert_cmpuint (stats.misses, ==, 2);
  g_assert_cmpuint (stats.n_free, ==, 0);
  g_assert_cmpuint (stats.max_free, ==, 4);

  _atrium_pool_give (pool, a);
  _atrium_pool_give (pool, b);
  _atrium_pool_free (pool);
  g_assert_cmpint (c.freed, ==, 2);
}

static void
test_reuse (void)
{
  Counters c = { 0 };
  AtriumPool *pool = counted_pool (&c, 4);
  AtriumPoolStats stats;
  Item *first, *again;

  first = _atrium_pool_take (pool);
  first->dirty = 42;
  _atrium_pool_give (pool, first);
  g_assert_cmpint (c.resets, ==, 1);

  again = _atrium_pool_take (pool);
  g_assert_true (again == first);
  g_assert_cmpuint (again->dirty, ==, 0);
  g_assert_cmpint (c.created, ==, 1);

  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.takes, ==, 2);
  g_assert_cmpuint (stats.misses, ==, 1);

  /* Last in, first out: the most recently given item is the warm one. */
  {
    Item *x = _atrium_pool_take (pool);
    _atrium_pool_give (pool, again);
    _atrium_pool_give (pool, x);
    g_assert_true (_atrium_pool_take (pool) == x);
    _atrium_pool_give (pool, x);
  }

  _atrium_pool_free (pool);
  g_assert_cmpint (c.freed, ==, c.created);
}

static void
test_reset_refuses (void)
{
  Counters c = { 0 };
  AtriumPool *pool = counted_pool (&c, 4);
  AtriumPoolStats stats;
  Item *item;

  c.refuse = TRUE;
  item = _atrium_pool_take (pool);
  _atrium_pool_give (pool, item);
  g_assert_cmpint (c.resets, ==, 1);
  g_assert_cmpint (c.freed, ==, 1);

  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.n_free, ==, 0);

  /* Nothing was kept, so the next take has to make a new item. */
  item = _atrium_pool_take (pool);
  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.misses, ==, 2);
  g_assert_cmpint (c.created, ==, 2);

  c.refuse = FALSE;
  _atrium_pool_give (pool, item);
  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.n_free, ==, 1);
  g_assert_cmpint (c.freed, ==, 1);

  _atrium_pool_free (pool);
  g_assert_cmpint (c.freed, ==, 2);
}

static void
test_no_reset_func (void)
{
  Counters c = { 0 };
  AtriumPool *pool = _atrium_pool_new (2, item_new, NULL, item_free, &c);
  Item *item = _atrium_pool_take (pool);

  item->dirty = 9;
  _atrium_pool_give (pool, item);
  /* Without a reset func the item comes back as it was given. */
  g_assert_true (_atrium_pool_take (pool) == item);
  g_assert_cmpuint (item->dirty, ==, 9);
  _atrium_pool_give (pool, item);
  _atrium_pool_give (pool, NULL);

  _atrium_pool_free (pool);
  g_assert_cmpint (c.created, ==, 1);
  g_assert_cmpint (c.freed, ==, 1);
}

static void
test_max_free (void)
{
  Counters c = { 0 };
  AtriumPool *pool = counted_pool (&c, 3);
  AtriumPoolStats stats;
  Item *items[10];

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    items[i] = _atrium_pool_take (pool);
  g_assert_cmpint (c.created, ==, 10);

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      _atrium_pool_give (pool, items[i]);
      _atrium_pool_get_stats (pool, &stats);
      g_assert_cmpuint (stats.n_free, ==, MIN (i + 1, 3));
      g_assert_cmpint (c.freed, ==, i < 3 ? 0 : (int) i - 2);
    }

  g_assert_cmpint (c.freed, ==, 7);
  _atrium_pool_free (pool);
  g_assert_cmpint (c.freed, ==, 10);
}

static void
test_trim (void)
{
  Counters c = { 0 };
  AtriumPool *pool = counted_pool (&c, 16);
  AtriumPoolStats stats;
  Item *items[10];

  /* Nothing to trim in an empty pool. */
  g_assert_cmpuint (_atrium_pool_trim (pool), ==, 0);

  /* A burst: ten in flight at once, then all back. */
  for (guint i = 0; i < 10; i++)
    items[i] = _atrium_pool_take (pool);
  for (guint i = 0; i < 10; i++)
    _atrium_pool_give (pool, items[i]);
  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.n_free, ==, 10);

  /* All ten were in use since the previous trim: none is spare yet. */
  g_assert_cmpuint (_atrium_pool_trim (pool), ==, 0);
  g_assert_cmpint (c.freed, ==, 0);

  /* Steady load of two at a time: the low-water mark is 8, so the eight
   * that sat idle go and the two in use stay. */
  for (guint round = 0; round < 5; round++)
    {
      Item *a = _atrium_pool_take (pool);
      Item *b = _atrium_pool_take (pool);

      _atrium_pool_give (pool, b);
      _atrium_pool_give (pool, a);
    }
  g_assert_cmpuint (_atrium_pool_trim (pool), ==, 8);
  g_assert_cmpint (c.freed, ==, 8);
  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.n_free, ==, 2);

  /* The survivors are the recently used ones, still served without misses. */
  {
    guint64 misses = stats.misses;
    Item *a = _atrium_pool_take (pool);
    Item *b = _atrium_pool_take (pool);

    _atrium_pool_get_stats (pool, &stats);
    g_assert_cmpuint (stats.misses, ==, misses);
    _atrium_pool_give (pool, b);
    _atrium_pool_give (pool, a);
  }
  g_assert_cmpuint (_atrium_pool_trim (pool), ==, 0);

  /* No activity at all since the last trim: the rest goes. */
  g_assert_cmpuint (_atrium_pool_trim (pool), ==, 2);
  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.n_free, ==, 0);
  g_assert_cmpint (c.freed, ==, 10);
  g_assert_cmpuint (_atrium_pool_trim (pool), ==, 0);

  _atrium_pool_free (pool);
  g_assert_cmpint (c.freed, ==, c.created);
}

static void
test_trim_idle (void)
{
  Counters c = { 0 };
  AtriumPool *pool = counted_pool (&c, 8);
  Item *items[5];

  for (guint i = 0; i < 5; i++)
    items[i] = _atrium_pool_take (pool);
  for (guint i = 0; i < 5; i++)
    _atrium_pool_give (pool, items[i]);

  /* Two trims with nothing between them shrink a burst-grown pool to zero. */
  g_assert_cmpuint (_atrium_pool_trim (pool), ==, 0);
  g_assert_cmpuint (_atrium_pool_trim (pool), ==, 5);
  g_assert_cmpint (c.freed, ==, 5);

  /* And it still works afterwards. */
  g_assert_nonnull (items[0] = _atrium_pool_take (pool));
  _atrium_pool_give (pool, items[0]);
  _atrium_pool_free (pool);
  g_assert_cmpint (c.freed, ==, 6);
  g_assert_cmpint (c.created, ==, 6);
}

static void
test_stats (void)
{
  Counters c = { 0 };
  AtriumPool *pool = counted_pool (&c, 2);
  AtriumPoolStats stats;
  Item *a, *b, *d;

  a = _atrium_pool_take (pool);   /* miss */
  b = _atrium_pool_take (pool);   /* miss */
  _atrium_pool_give (pool, a);
  d = _atrium_pool_take (pool);   /* hit */
  g_assert_true (d == a);
  _atrium_pool_give (pool, b);
  _atrium_pool_give (pool, d);

  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.takes, ==, 3);
  g_assert_cmpuint (stats.misses, ==, 2);
  g_assert_cmpuint (stats.n_free, ==, 2);
  g_assert_cmpuint (stats.max_free, ==, 2);

  _atrium_pool_free (pool);
  _atrium_pool_free (NULL);
  g_assert_cmpint (c.freed, ==, 2);
}

#define N_THREADS 4
#define N_ROUNDS  100000

static gpointer
hammer_thread (gpointer data)
{
  AtriumPool *pool = data;

  for (guint i = 0; i < N_ROUNDS; i++)
    {
      Item *item = _atrium_pool_take (pool);
      /* An item handed to two threads at once would show up here. */
      g_assert_cmpuint (item->dirty, ==, 0);
      item->dirty = 1;
      if (i % 3 == 0)
        {
          /* Sometimes hold two, so the pool sees misses and overflow. */
          Item *other = _atrium_pool_take (pool);
          g_assert_true (other != item);
          g_assert_cmpuint (other->dirty, ==, 0);
          other->dirty = 1;
          _atrium_pool_give (pool, other);
        }
      _atrium_pool_give (pool, item);
    }

  return NULL;
}

static void
test_threads (void)
{
  Counters c = { 0 };
  AtriumPool *pool = counted_pool (&c, 3);
  TestThread *threads[N_THREADS];
  AtriumPoolStats stats;
  guint64 expected_takes = (guint64) N_THREADS * (N_ROUNDS + (N_ROUNDS + 2) / 3);

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = test_thread_new ("pool-hammer", hammer_thread, pool);
  for (guint i = 0; i < N_THREADS; i++)
    test_thread_join (threads[i], TEST_WAIT_SECONDS, "a thread's rounds on the pool");

  _atrium_pool_get_stats (pool, &stats);
  g_assert_cmpuint (stats.takes, ==, expected_takes);
  g_assert_cmpuint (stats.misses, ==, (guint64) g_atomic_int_get (&c.created));
  /* Each thread works on its own shard, and each shard keeps at most 3. */
  g_assert_cmpuint (stats.n_free, <=, 3 * N_THREADS);
  /* Every item made is either in the pool or was freed on overflow. */
  g_assert_cmpint (g_atomic_int_get (&c.created), ==,
                   g_atomic_int_get (&c.freed) + (int) stats.n_free);
  g_assert_cmpint (c.resets, ==, (int) expected_takes);

  _atrium_pool_free (pool);
  g_assert_cmpint (g_atomic_int_get (&c.created), ==, g_atomic_int_get (&c.freed));
  g_test_message ("%d items made for %" G_GUINT64_FORMAT " takes", c.created, expected_takes);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/pool/take-makes-new", test_take_makes_new);
  g_test_add_func ("/atrium/pool/reuse", test_reuse);
  g_test_add_func ("/atrium/pool/reset-refuses", test_reset_refuses);
  g_test_add_func ("/atrium/pool/no-reset-func", test_no_reset_func);
  g_test_add_func ("/atrium/pool/max-free", test_max_free);
  g_test_add_func ("/atrium/pool/trim", test_trim);
  g_test_add_func ("/atrium/pool/trim-idle", test_trim_idle);
  g_test_add_func ("/atrium/pool/stats", test_stats);
  g_test_add_func ("/atrium/pool/threads", test_threads);

  return g_test_run ();
}

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-pool-private.h"

#include <stdlib.h>
#include <string.h>

/* The pool is split into shards, each with its own lock and its own stack
 * of free items, and every thread works on the shard it was given the first
 * time it touched a pool. One thread (the main thread, which takes and gives
 * nearly every call struct) never waits; several threads mostly land on
 * different shards instead of queueing on one lock. A single shared lock
 * made the pool 4–5× slower than malloc with four threads (bench-native);
 * malloc itself keeps per-thread arenas for the same reason. */
#define N_SHARDS 8

typedef struct
{
  GMutex    lock;
  gpointer *items;       /* a stack of max_free slots, made on first give */
  guint     n_free;
  guint     low_water;   /* least n_free since the last trim */
  guint64   takes;
  guint64   misses;
} __attribute__((aligned (64))) AtriumPoolShard;

struct _AtriumPool
{
  AtriumPoolShard     shards[N_SHARDS];
  guint               max_free;
  AtriumPoolNewFunc   new_func;
  AtriumPoolResetFunc reset_func;
  GDestroyNotify      free_func;
  gpointer            user_data;
};

/* initial-exec: libatrium is linked, not dlopen()ed, so the variable can
 * live in the static TLS block and be read without a __tls_get_addr()
 * call on every take and give. */
static __thread int thread_shard __attribute__((tls_model ("initial-exec"))) = -1;

static AtriumPoolShard *
get_shard (AtriumPool *pool)
{
  static int next_shard;

  if (G_UNLIKELY (thread_shard < 0))
    thread_shard = (guint) g_atomic_int_add (&next_shard, 1) % N_SHARDS;

  return &pool->shards[thread_shard];
}

AtriumPool *
_atrium_pool_new (guint               max_free,
                  AtriumPoolNewFunc   new_func,
                  AtriumPoolResetFunc reset_func,
                  GDestroyNotify      free_func,
                  gpointer            user_data)
{
  AtriumPool *pool;

  g_assert (max_free > 0);
  g_assert (new_func != NULL);
  g_assert (free_func != NULL);

  /* g_aligned_alloc0 would do, but needs GLib 2.76. */
  if (posix_memalign ((void **) &pool, 64, sizeof *pool) != 0)
    g_error ("Out of memory making a pool");
  memset (pool, 0, sizeof *pool);

  for (guint i = 0; i < N_SHARDS; i++)
    g_mutex_init (&pool->shards[i].lock);
  pool->max_free = max_free;
  pool->new_func = new_func;
  pool->reset_func = reset_func;
  pool->free_func = free_func;
  pool->user_data = user_data;

  return pool;
}

void
_atrium_pool_free (AtriumPool *pool)
{
  if (pool == NULL)
    return;

  for (guint s = 0; s < N_SHARDS; s++)
    {
      AtriumPoolShard *shard = &pool->shards[s];

      for (guint i = 0; i < shard->n_free; i++)
        pool->free_func (shard->items[i]);
      g_free (shard->items);
      g_mutex_clear (&shard->lock);
    }
  free (pool);
}

gpointer
_atrium_pool_take (AtriumPool *pool)
{
  AtriumPoolShard *shard = get_shard (pool);
  gpointer item = NULL;

  g_mutex_lock (&shard->lock);
  shard->takes++;
  if (shard->n_free > 0)
    {
      item = shard->items[--shard->n_free];
      shard->low_water = MIN (shard->low_water, shard->n_free);
    }
  else
    {
      shard->misses++;
    }
  g_mutex_unlock (&shard->lock);

  /* Made outside the lock: construction may be slow and needs no lock. */
  return item != NULL ? item : pool->new_func (pool->user_data);
}

void
_atrium_pool_give (AtriumPool *pool,
                   gpointer    item)
{
  AtriumPoolShard *shard;

  if (item == NULL)
    return;

  if (pool->reset_func != NULL && !pool->reset_func (item, pool->user_data))
    {
      pool->free_func (item);
      return;
    }

  shard = get_shard (pool);
  g_mutex_lock (&shard->lock);
  if (shard->items == NULL)
    shard->items = g_new (gpointer, pool->max_free);
  if (shard->n_free < pool->max_free)
    {
      shard->items[shard->n_free++] = item;
      item = NULL;
    }
  g_mutex_unlock (&shard->lock);

  if (item != NULL)
    pool->free_func (item);
}

/* Frees the items nobody needed since the previous trim: the low-water
 * mark is how many were never taken in that time. Returns how many went. */
guint
_atrium_pool_trim (AtriumPool *pool)
{
  guint total = 0;

  for (guint s = 0; s < N_SHARDS; s++)
    {
      AtriumPoolShard *shard = &pool->shards[s];
      gpointer *spare;
      guint n;

      g_mutex_lock (&shard->lock);
      n = MIN (shard->low_water, shard->n_free);
      spare = n > 0 ? g_memdup2 (shard->items, n * sizeof (gpointer)) : NULL;
      /* The oldest items sit at the bottom of the stack; drop those. */
      if (n > 0)
        memmove (shard->items, shard->items + n, (shard->n_free - n) * sizeof (gpointer));
      shard->n_free -= n;
      shard->low_water = shard->n_free;
      g_mutex_unlock (&shard->lock);

      for (guint i = 0; i < n; i++)
        pool->free_func (spare[i]);
      g_free (spare);
      total += n;
    }

  return total;
}

void
_atrium_pool_get_stats (AtriumPool      *pool,
                        AtriumPoolStats *stats)
{
  memset (stats, 0, sizeof *stats);
  stats->max_free = pool->max_free;

  for (guint s = 0; s < N_SHARDS; s++)
    {
      AtriumPoolShard *shard = &pool->shards[s];

      g_mutex_lock (&shard->lock);
      stats->takes += shard->takes;
      stats->misses += shard->misses;
      stats->n_free += shard->n_free;
      g_mutex_unlock (&shard->lock);
    }
}

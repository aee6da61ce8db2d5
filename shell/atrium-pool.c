#include "config.h"

#include "atrium-pool-private.h"

#include <string.h>

struct _AtriumPool
{
  GMutex              lock;
  gpointer           *items;       /* a stack of max_free slots */
  guint               n_free;
  guint               max_free;
  guint               low_water;   /* least n_free since the last trim */
  guint64             takes;
  guint64             misses;
  AtriumPoolNewFunc   new_func;
  AtriumPoolResetFunc reset_func;
  GDestroyNotify      free_func;
  gpointer            user_data;
};

AtriumPool *
_atrium_pool_new (guint               max_free,
                  AtriumPoolNewFunc   new_func,
                  AtriumPoolResetFunc reset_func,
                  GDestroyNotify      free_func,
                  gpointer            user_data)
{
  AtriumPool *pool = g_new0 (AtriumPool, 1);

  g_assert (max_free > 0);
  g_assert (new_func != NULL);
  g_assert (free_func != NULL);

  g_mutex_init (&pool->lock);
  pool->items = g_new (gpointer, max_free);
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

  for (guint i = 0; i < pool->n_free; i++)
    pool->free_func (pool->items[i]);
  g_free (pool->items);
  g_mutex_clear (&pool->lock);
  g_free (pool);
}

gpointer
_atrium_pool_take (AtriumPool *pool)
{
  gpointer item = NULL;

  g_mutex_lock (&pool->lock);
  pool->takes++;
  if (pool->n_free > 0)
    {
      item = pool->items[--pool->n_free];
      pool->low_water = MIN (pool->low_water, pool->n_free);
    }
  else
    {
      pool->misses++;
    }
  g_mutex_unlock (&pool->lock);

  /* Made outside the lock: construction may be slow and needs no lock. */
  return item != NULL ? item : pool->new_func (pool->user_data);
}

void
_atrium_pool_give (AtriumPool *pool,
                   gpointer    item)
{
  if (item == NULL)
    return;

  if (pool->reset_func != NULL && !pool->reset_func (item, pool->user_data))
    {
      pool->free_func (item);
      return;
    }

  g_mutex_lock (&pool->lock);
  if (pool->n_free < pool->max_free)
    {
      pool->items[pool->n_free++] = item;
      item = NULL;
    }
  g_mutex_unlock (&pool->lock);

  if (item != NULL)
    pool->free_func (item);
}

/* Frees the items nobody needed since the previous trim: the low-water
 * mark is how many were never taken in that time. Returns how many went. */
guint
_atrium_pool_trim (AtriumPool *pool)
{
  gpointer *spare;
  guint n;

  g_mutex_lock (&pool->lock);
  n = MIN (pool->low_water, pool->n_free);
  spare = g_memdup2 (pool->items, n * sizeof (gpointer));
  /* The oldest items sit at the bottom of the stack; drop those. */
  memmove (pool->items, pool->items + n, (pool->n_free - n) * sizeof (gpointer));
  pool->n_free -= n;
  pool->low_water = pool->n_free;
  g_mutex_unlock (&pool->lock);

  for (guint i = 0; i < n; i++)
    pool->free_func (spare[i]);
  g_free (spare);

  return n;
}

void
_atrium_pool_get_stats (AtriumPool      *pool,
                        AtriumPoolStats *stats)
{
  g_mutex_lock (&pool->lock);
  stats->takes = pool->takes;
  stats->misses = pool->misses;
  stats->n_free = pool->n_free;
  stats->max_free = pool->max_free;
  g_mutex_unlock (&pool->lock);
}

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* AtriumPool: the one bounded, thread-safe free list that call structs and
 * sniffer buffers are recycled through. take() hands out a free item or
 * makes a new one; give() resets an item and keeps it, or frees it when the
 * pool is full; trim() frees what has sat unused since the last trim, so a
 * pool that grew in a burst shrinks back (the call pool is trimmed each
 * time a window closes). The pool is sharded
 * by thread, and max_free bounds each shard's free list. */

typedef struct _AtriumPool AtriumPool;

typedef gpointer (*AtriumPoolNewFunc)   (gpointer user_data);
/* Returns FALSE when the item should be freed instead of kept (for
 * instance a buffer that grew too large to be worth keeping). */
typedef gboolean (*AtriumPoolResetFunc) (gpointer item,
                                         gpointer user_data);

typedef struct
{
  guint64 takes;
  guint64 misses;      /* takes that had to make a new item */
  guint   n_free;      /* items in the pool now, all shards */
  guint   max_free;    /* per shard */
} AtriumPoolStats;

AtriumPool *_atrium_pool_new        (guint               max_free,
                                     AtriumPoolNewFunc   new_func,
                                     AtriumPoolResetFunc reset_func,
                                     GDestroyNotify      free_func,
                                     gpointer            user_data);
void        _atrium_pool_free       (AtriumPool         *pool);
gpointer    _atrium_pool_take       (AtriumPool         *pool);
void        _atrium_pool_give       (AtriumPool         *pool,
                                     gpointer            item);
guint       _atrium_pool_trim       (AtriumPool         *pool);
void        _atrium_pool_get_stats  (AtriumPool         *pool,
                                     AtriumPoolStats    *stats);

G_END_DECLS

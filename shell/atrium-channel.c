#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-channel-private.h"

typedef struct
{
  GSource        source;
  AtriumChannel *channel;
} ChannelSource;

struct _AtriumChannel
{
  GAsyncQueue       *queue;
  GSource           *source;
  AtriumChannelFunc  func;
  gpointer           user_data;
  GDestroyNotify     item_free;
  guint              capacity;
  guint              batch_size;

  /* Room in the queue: producers wait on `room` while `used` is at capacity.
   * `used` counts items pushed and not yet delivered. */
  GMutex             lock;
  GCond              room;
  guint              used;
  gboolean           closed;
  gboolean           unattended;   /* nobody delivers: a full channel refuses */
  gboolean           waiting;      /* a producer is blocked on `room` */
  gboolean           woken;        /* the source's ready time is set */

  AtriumChannelStats stats;
};

static gboolean
channel_source_dispatch (GSource     *source,
                         GSourceFunc  callback,
                         gpointer     user_data)
{
  AtriumChannel *self = ((ChannelSource *) source)->channel;
  guint n = 0;
  gpointer item;

  g_mutex_lock (&self->lock);
  g_source_set_ready_time (source, -1);
  self->woken = FALSE;
  g_mutex_unlock (&self->lock);

  /* Take a bounded batch so one flood cannot starve the rest of the main
   * loop; whatever is left re-arms the source for the next iteration. */
  while (n < self->batch_size && (item = g_async_queue_try_pop (self->queue)) != NULL)
    {
      self->func (item, self->user_data);
      n++;
      /* The callback closed the channel, or freed it: stop here and touch
       * nothing more of it (the source itself lives until we return). */
      if (g_source_is_destroyed (source))
        return G_SOURCE_REMOVE;
    }

  g_mutex_lock (&self->lock);
  self->used -= n;
  self->stats.delivered += n;
  self->stats.wakeups++;
  self->stats.max_batch = MAX (self->stats.max_batch, n);
  if (self->waiting)
    g_cond_broadcast (&self->room);
  if (self->used > 0 && !self->woken)
    {
      self->woken = TRUE;
      g_source_set_ready_time (source, 0);
    }
  g_mutex_unlock (&self->lock);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs channel_source_funcs = {
  NULL, NULL, channel_source_dispatch, NULL, NULL, NULL,
};

AtriumChannel *
_atrium_channel_new (guint              capacity,
                     guint              batch_size,
                     AtriumChannelFunc  func,
                     gpointer           user_data,
                     GDestroyNotify     item_free)
{
  AtriumChannel *self = g_new0 (AtriumChannel, 1);

  g_assert (capacity > 0);
  g_assert (batch_size > 0);
  g_assert (func != NULL);

  self->queue = g_async_queue_new ();
  self->capacity = capacity;
  self->batch_size = batch_size;
  self->func = func;
  self->user_data = user_data;
  self->item_free = item_free;
  g_mutex_init (&self->lock);
  g_cond_init (&self->room);

  return self;
}

void
_atrium_channel_attach (AtriumChannel *self,
                        GMainContext  *context)
{
  ChannelSource *source;

  GSource *new_source;

  g_assert (self->source == NULL);

  new_source = g_source_new (&channel_source_funcs, sizeof (ChannelSource));
  source = (ChannelSource *) new_source;
  source->channel = self;
  g_source_set_static_name (new_source, "AtriumChannel");
  g_source_set_priority (new_source, G_PRIORITY_DEFAULT);
  g_source_attach (new_source, context);

  g_mutex_lock (&self->lock);
  self->source = new_source;
  if (self->used > 0)
    {
      self->woken = TRUE;
      g_source_set_ready_time (self->source, 0);
    }
  g_mutex_unlock (&self->lock);
}

static gboolean
push (AtriumChannel *self,
      gpointer       item,
      gboolean       block)
{
  g_mutex_lock (&self->lock);
  if (!self->closed && self->used >= self->capacity)
    {
      if (!block || self->unattended)
        {
          g_mutex_unlock (&self->lock);
          return FALSE;
        }
      self->stats.blocked++;
      while (!self->closed && !self->unattended && self->used >= self->capacity)
        {
          self->waiting = TRUE;
          g_cond_wait (&self->room, &self->lock);
        }
      self->waiting = FALSE;
    }
  if (self->closed || self->used >= self->capacity)
    {
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  self->used++;
  self->stats.pushed++;
  g_async_queue_push (self->queue, item);
  /* Only the push that finds the source asleep wakes the main context; the
   * rest of a burst rides along with it. Done under the lock so that close()
   * cannot destroy the source in between. */
  if (!self->woken && self->source != NULL)
    {
      self->woken = TRUE;
      g_source_set_ready_time (self->source, 0);
    }
  g_mutex_unlock (&self->lock);

  return TRUE;
}

/* Blocks while the channel is full. Returns FALSE, keeping nothing, once the
 * channel is closed, or when it is full and unattended. */
gboolean
_atrium_channel_push (AtriumChannel *self,
                      gpointer       item)
{
  return push (self, item, TRUE);
}

/* Like _atrium_channel_push() but fails instead of waiting for room. */
gboolean
_atrium_channel_try_push (AtriumChannel *self,
                          gpointer       item)
{
  return push (self, item, FALSE);
}

guint
_atrium_channel_get_length (AtriumChannel *self)
{
  guint used;

  g_mutex_lock (&self->lock);
  used = self->used;
  g_mutex_unlock (&self->lock);

  return used;
}

void
_atrium_channel_get_stats (AtriumChannel      *self,
                           AtriumChannelStats *stats)
{
  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

/* While nothing will deliver (the main loop has ended and the caller waits
 * for the producers to finish), a push into a full channel fails at once
 * instead of waiting for room that would never come, and those waiting
 * now wake and fail. What fits is still kept. Main thread.
 *
 * Returns: whether the channel was unattended before */
gboolean
_atrium_channel_set_unattended (AtriumChannel *self,
                                gboolean       unattended)
{
  gboolean was;

  g_mutex_lock (&self->lock);
  was = self->unattended;
  self->unattended = !!unattended;
  g_cond_broadcast (&self->room);
  g_mutex_unlock (&self->lock);
  return was;
}

/* Refuses further pushes, wakes blocked producers (their pushes fail), and
 * frees what is still queued with item_free: nothing is delivered after
 * close. Main thread. */
void
_atrium_channel_close (AtriumChannel *self)
{
  gpointer item;

  GSource *source;

  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  g_cond_broadcast (&self->room);
  source = g_steal_pointer (&self->source);
  g_mutex_unlock (&self->lock);

  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }

  while ((item = g_async_queue_try_pop (self->queue)) != NULL)
    {
      if (self->item_free != NULL)
        self->item_free (item);
      g_mutex_lock (&self->lock);
      self->used--;
      g_mutex_unlock (&self->lock);
    }
}

void
_atrium_channel_free (AtriumChannel *self)
{
  if (self == NULL)
    return;

  _atrium_channel_close (self);
  g_async_queue_unref (self->queue);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->room);
  g_free (self);
}

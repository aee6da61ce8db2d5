#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* AtriumChannel: a bounded queue from any thread to one main context. It is
 * a GAsyncQueue plus a GSource that, once woken, drains up to batch_size
 * items per dispatch: a burst of results from workers costs one wake-up of
 * the main loop, not one per item. Pushing into a full channel blocks the
 * producer (back-pressure on workers, not a drop); pushing into a closed
 * channel, or into a full one nobody attends (see
 * _atrium_channel_set_unattended()), fails and leaves the item with the
 * caller. */

typedef struct _AtriumChannel AtriumChannel;

typedef void (*AtriumChannelFunc) (gpointer item,
                                   gpointer user_data);

typedef struct
{
  guint64 pushed;
  guint64 delivered;
  guint64 wakeups;      /* dispatches of the source */
  guint   max_batch;    /* most items delivered by one dispatch */
  guint64 blocked;      /* pushes that had to wait for room */
} AtriumChannelStats;

AtriumChannel *_atrium_channel_new         (guint              capacity,
                                            guint              batch_size,
                                            AtriumChannelFunc  func,
                                            gpointer           user_data,
                                            GDestroyNotify     item_free);
void           _atrium_channel_attach      (AtriumChannel     *self,
                                            GMainContext      *context);
gboolean       _atrium_channel_push        (AtriumChannel     *self,
                                            gpointer           item);
gboolean       _atrium_channel_try_push    (AtriumChannel     *self,
                                            gpointer           item);
guint          _atrium_channel_get_length  (AtriumChannel     *self);
void           _atrium_channel_get_stats   (AtriumChannel     *self,
                                            AtriumChannelStats *stats);
gboolean       _atrium_channel_set_unattended (AtriumChannel  *self,
                                               gboolean        unattended);
void           _atrium_channel_close       (AtriumChannel     *self);
void           _atrium_channel_free        (AtriumChannel     *self);

G_END_DECLS

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Streams a window's page reads piece by piece through the web process
 * extension (atrium_call_return_stream() on that transport): see
 * atrium-pull-streams.c. Main thread only. */

typedef struct _AtriumPullStreams AtriumPullStreams;

/* Most streams one window's page may have waiting for its first read (as
 * on the loopback route); each waits at most
 * ATRIUM_PULL_STREAM_LIFETIME_MS for it, and is closed then. */
#define ATRIUM_PULL_STREAMS_MAX 64
#define ATRIUM_PULL_STREAM_LIFETIME_MS 30000
/* Most streams one window's page may have open, read or not. */
#define ATRIUM_PULL_STREAMS_OPEN_MAX 256
/* Most bytes one read asks for (the runtime asks for this much). */
#define ATRIUM_PULL_READ_MAX (1024 * 1024)
/* Most reads under way at once in one page, each with a buffer of its
 * size: more wait their turn, so the buffers are 16 MiB at most. */
#define ATRIUM_PULL_READS_MAX 16

/* A read's answer: @chunk (1 byte or more; its bytes are the read's
 * buffer, good only until this returns, so copy them, as a reply does),
 * or %NULL at the end (@error
 * %NULL) or on failure. Called exactly once per read: from the main loop,
 * or before _atrium_pull_streams_read() returns for a read it refuses. */
typedef void (*AtriumPullReadFunc) (GBytes       *chunk,
                                    const GError *error,
                                    gpointer      user_data);

AtriumPullStreams *_atrium_pull_streams_new    (void);
void               _atrium_pull_streams_free   (AtriumPullStreams  *self);
guint64            _atrium_pull_streams_add    (AtriumPullStreams  *self,
                                                GInputStream       *stream,
                                                goffset             size,
                                                GError            **error);
void               _atrium_pull_streams_read   (AtriumPullStreams  *self,
                                                guint64             id,
                                                gsize               max,
                                                AtriumPullReadFunc  done,
                                                gpointer            user_data);
gboolean           _atrium_pull_streams_cancel (AtriumPullStreams  *self,
                                                guint64             id);
void               _atrium_pull_streams_clear  (AtriumPullStreams  *self);
guint              _atrium_pull_streams_get_n  (AtriumPullStreams  *self);
void               _atrium_pull_streams_set_lifetime (AtriumPullStreams *self,
                                                      guint              ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumPullStreams, _atrium_pull_streams_free)

G_END_DECLS

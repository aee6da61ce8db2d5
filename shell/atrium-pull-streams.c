#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-pull-streams-private.h"

#include "atrium-error.h"

/* A method's stream (atrium_call_return_stream()) answering a call that
 * came through the web process extension: instead of the loopback route,
 * where WebKit's network stack caps a page's reading at about 60 MB/s, the
 * page pulls it piece by piece through the extension, each piece a sealed
 * memfd it copies once (README, "How it works"). The page's
 * ReadableStream asks for the next piece only when its reader wants one,
 * and one read is in flight per stream at most, so what is in memory is a
 * piece or two whatever the stream's size: the back-pressure.
 *
 * Each stream has an id the page names in its reads; a read fills up to
 * its size with g_input_stream_read_all_async() (pieces as large as the
 * page asked, however small the stream's own reads are), so a GInputStream
 * that blocks runs on GIO's threads, never here. The stream is closed at
 * its end, on an error, when the page cancels it, and when the table goes
 * (the window closes or its page changes): a read in flight then ends as
 * cancelled and closes it.
 *
 * Main thread only. */

typedef struct _Entry Entry;

struct _Entry
{
  int                 refs;
  AtriumPullStreams  *owner;       /* NULL once dropped from the table */
  guint64             id;
  GInputStream       *stream;
  GCancellable       *cancellable;
  guint8             *buffer;      /* the pieces are read into it, one at a time */
  gsize               buffer_size;
  gint64              remaining;   /* bytes still to give, or -1: the size is not known */
  /* The read in flight: */
  gsize               max;
  AtriumPullReadFunc  done;
  gpointer            user_data;
};

struct _AtriumPullStreams
{
  GHashTable *entries;             /* guint64 id → Entry*, a reference each */
  guint64     next_id;
};

static Entry *
entry_ref (Entry *entry)
{
  entry->refs++;
  return entry;
}

static void
entry_unref (Entry *entry)
{
  if (--entry->refs > 0)
    return;
  /* Closed without blocking: a stream whose read was cancelled has given
   * up its thread by now. */
  g_input_stream_close (entry->stream, NULL, NULL);
  g_object_unref (entry->stream);
  g_object_unref (entry->cancellable);
  g_free (entry->buffer);
  g_free (entry);
}

/* Out of the table: a read in flight stops, and the stream closes once
 * nothing holds it. */
static void
entry_drop (Entry *entry)
{
  entry->owner = NULL;
  g_cancellable_cancel (entry->cancellable);
  entry_unref (entry);
}

AtriumPullStreams *
_atrium_pull_streams_new (void)
{
  AtriumPullStreams *self = g_new0 (AtriumPullStreams, 1);

  self->entries = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                         (GDestroyNotify) entry_drop);
  return self;
}

void
_atrium_pull_streams_clear (AtriumPullStreams *self)
{
  g_hash_table_remove_all (self->entries);
}

void
_atrium_pull_streams_free (AtriumPullStreams *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
  g_free (self);
}

guint
_atrium_pull_streams_get_n (AtriumPullStreams *self)
{
  return g_hash_table_size (self->entries);
}

/**
 * _atrium_pull_streams_add:
 * @stream: (transfer none): the method's stream; the table takes a
 *   reference and closes it
 * @size: the bytes @stream gives, or -1 when not known: as on the route,
 *   a stream that ends sooner fails, and one with more is cut there
 *
 * Returns: its id (never 0), or 0 with @error set to
 *   %ATRIUM_ERROR_QUEUE_FULL when the page holds ATRIUM_PULL_STREAMS_MAX
 *   already (@stream is closed then too)
 */
guint64
_atrium_pull_streams_add (AtriumPullStreams  *self,
                          GInputStream       *stream,
                          goffset             size,
                          GError            **error)
{
  Entry *entry;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), 0);

  if (g_hash_table_size (self->entries) >= ATRIUM_PULL_STREAMS_MAX)
    {
      g_input_stream_close (stream, NULL, NULL);
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                   "Too many streams are open in this page (at most %u)",
                   ATRIUM_PULL_STREAMS_MAX);
      return 0;
    }
  entry = g_new0 (Entry, 1);
  entry->refs = 1;
  entry->owner = self;
  entry->id = ++self->next_id;
  entry->stream = g_object_ref (stream);
  entry->cancellable = g_cancellable_new ();
  entry->remaining = size >= 0 ? size : -1;
  g_hash_table_insert (self->entries, &entry->id, entry);
  return entry->id;
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Entry *entry = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  AtriumPullReadFunc done = g_steal_pointer (&entry->done);
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_error (&error);
          g_set_error_literal (&error, ATRIUM_ERROR, ATRIUM_ERROR_CANCELLED,
                               "The stream was cancelled");
        }
      else
        {
          g_autofree char *message = g_steal_pointer (&error->message);

          g_clear_error (&error);
          g_set_error (&error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                       "The stream could not be read: %s", message);
        }
    }
  else if (entry->owner == NULL)
    g_set_error_literal (&error, ATRIUM_ERROR, ATRIUM_ERROR_CANCELLED,
                         "The stream was cancelled");
  else if (entry->remaining >= 0 && n < entry->max)
    /* read_all gives fewer bytes than asked only at the end. */
    g_set_error (&error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                 "The stream ended %" G_GINT64_FORMAT " bytes before its size",
                 entry->remaining - (gint64) n);
  else if (n > 0)
    {
      /* A view of the buffer, good for as long as @done runs (which copies
       * it into its message): the next read fills the same buffer. */
      chunk = g_bytes_new_static (entry->buffer, n);
      if (entry->remaining > 0)
        entry->remaining -= n;
    }

  /* At its end or failed: the stream goes. */
  if (chunk == NULL && entry->owner != NULL)
    g_hash_table_remove (entry->owner->entries, &entry->id);
  done (chunk, error, entry->user_data);
  entry_unref (entry);
}

/**
 * _atrium_pull_streams_read:
 * @max: the most bytes the piece may have (1 to ATRIUM_PULL_READ_MAX)
 * @done: called once (before this returns for a read refused at once,
 *   else from the main loop) with the piece, the end, or an error: %ATRIUM_ERROR_NOT_FOUND for an id the table does not hold (never
 *   given, ended, cancelled), %ATRIUM_ERROR_BAD_ARGS for a size out of
 *   range or a read while another is in flight (the stream stays),
 *   %ATRIUM_ERROR_CANCELLED when the stream is cancelled meanwhile,
 *   %ATRIUM_ERROR_FAILED when it could not be read
 *
 * Reads the next piece: as many bytes as @max, fewer only at the end.
 */
void
_atrium_pull_streams_read (AtriumPullStreams  *self,
                           guint64             id,
                           gsize               max,
                           AtriumPullReadFunc  done,
                           gpointer            user_data)
{
  g_autoptr(GError) error = NULL;
  Entry *entry = g_hash_table_lookup (self->entries, &id);

  if (entry == NULL)
    g_set_error (&error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND,
                 "No stream %" G_GUINT64_FORMAT " is open in this page", id);
  else if (max == 0 || max > ATRIUM_PULL_READ_MAX)
    g_set_error (&error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                 "A read asks for 1 to %u bytes", ATRIUM_PULL_READ_MAX);
  else if (entry->done != NULL)
    g_set_error_literal (&error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                         "The stream is being read already");
  if (error != NULL)
    {
      done (NULL, error, user_data);
      return;
    }
  /* Its size given whole: the end, whatever more the stream has. */
  if (entry->remaining == 0)
    {
      g_hash_table_remove (self->entries, &id);
      done (NULL, NULL, user_data);
      return;
    }
  if (entry->remaining > 0 && (gint64) max > entry->remaining)
    max = (gsize) entry->remaining;

  if (entry->buffer_size < max)
    {
      g_free (entry->buffer);
      entry->buffer = g_malloc (max);
      entry->buffer_size = max;
    }
  entry->max = max;
  entry->done = done;
  entry->user_data = user_data;
  g_input_stream_read_all_async (entry->stream, entry->buffer, max, G_PRIORITY_DEFAULT,
                                 entry->cancellable, read_done_cb, entry_ref (entry));
}

/**
 * _atrium_pull_streams_cancel:
 *
 * Closes stream @id: a read in flight ends as cancelled.
 *
 * Returns: whether the table held it
 */
gboolean
_atrium_pull_streams_cancel (AtriumPullStreams *self,
                             guint64            id)
{
  return g_hash_table_remove (self->entries, &id);
}

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
 * its end, on an error, when the page cancels it, when the page has not
 * asked for its first piece within ATRIUM_PULL_STREAM_LIFETIME_MS, and
 * when the table goes (the window closes or its page changes): a read in
 * flight then ends as cancelled and closes it. At most
 * ATRIUM_PULL_READS_MAX reads are under way per table, each with its own
 * buffer; more wait their turn, in order.
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
  gint64              remaining;   /* bytes still to give, or -1: the size is not known */
  gboolean            begun;       /* the page has asked for a piece */
  guint               expiry;      /* until it has: the source that closes it */
  /* The read asked for, waiting its turn or under way: */
  AtriumPullStreams  *reader;      /* the table it is under way in, while it is */
  guint8             *buffer;      /* while under way */
  gsize               buffer_size;
  gsize               max;
  AtriumPullReadFunc  done;
  gpointer            user_data;
};

struct _AtriumPullStreams
{
  GHashTable *entries;             /* guint64 id → Entry*, a reference each */
  guint64     next_id;
  guint       waiting;             /* entries not begun */
  guint       lifetime_ms;
  GQueue      under_way;           /* Entry*: reads under way (no reference) */
  GQueue      turns;               /* Entry*: reads waiting for one to end (a reference each) */
  guint8     *spare;               /* a buffer of ATRIUM_PULL_READ_MAX to reuse, or NULL */
};

static void read_start (AtriumPullStreams *self, Entry *entry);
static void next_turn  (AtriumPullStreams *self);

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

/* The page did not ask for a piece in time: closed, as the route closes a
 * stream its URL expired on. */
static gboolean
expired_cb (gpointer data)
{
  Entry *entry = data;

  entry->expiry = 0;
  g_hash_table_remove (entry->owner->entries, &entry->id);
  return G_SOURCE_REMOVE;
}

/* Out of the table: a read in flight or waiting its turn stops, and the
 * stream closes once nothing holds it. */
static void
entry_drop (Entry *entry)
{
  if (!entry->begun)
    entry->owner->waiting--;
  g_clear_handle_id (&entry->expiry, g_source_remove);
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
  self->lifetime_ms = ATRIUM_PULL_STREAM_LIFETIME_MS;
  g_queue_init (&self->turns);
  g_queue_init (&self->under_way);
  return self;
}

/* For tests: how long a stream waits for its first read. */
void
_atrium_pull_streams_set_lifetime (AtriumPullStreams *self,
                                   guint              ms)
{
  self->lifetime_ms = ms;
}

static void
set_cancelled (GError **error)
{
  g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_CANCELLED, "The stream was cancelled");
}

/* A read that waited its turn ends, unread: its stream went meanwhile. */
static void
read_cancelled (Entry *entry)
{
  g_autoptr(GError) error = NULL;
  AtriumPullReadFunc done = g_steal_pointer (&entry->done);

  set_cancelled (&error);
  done (NULL, error, entry->user_data);
}

/* Reads waiting their turn end as cancelled (their streams are gone). */
static void
turns_cancel (AtriumPullStreams *self)
{
  Entry *entry;

  while ((entry = g_queue_pop_head (&self->turns)) != NULL)
    {
      read_cancelled (entry);
      entry_unref (entry);
    }
}

void
_atrium_pull_streams_clear (AtriumPullStreams *self)
{
  g_hash_table_remove_all (self->entries);
  turns_cancel (self);
}

void
_atrium_pull_streams_free (AtriumPullStreams *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
  turns_cancel (self);
  /* Reads still under way end without it. */
  for (GList *l = self->under_way.head; l != NULL; l = l->next)
    ((Entry *) l->data)->reader = NULL;
  g_queue_clear (&self->under_way);
  g_free (self->spare);
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
 *   %ATRIUM_ERROR_QUEUE_FULL when ATRIUM_PULL_STREAMS_MAX of the page's
 *   wait for their first read, or it holds ATRIUM_PULL_STREAMS_OPEN_MAX
 *   (@stream is closed then too)
 */
guint64
_atrium_pull_streams_add (AtriumPullStreams  *self,
                          GInputStream       *stream,
                          goffset             size,
                          GError            **error)
{
  Entry *entry;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), 0);

  if (self->waiting >= ATRIUM_PULL_STREAMS_MAX
      || g_hash_table_size (self->entries) >= ATRIUM_PULL_STREAMS_OPEN_MAX)
    {
      g_input_stream_close (stream, NULL, NULL);
      if (self->waiting >= ATRIUM_PULL_STREAMS_MAX)
        g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                     "Too many streams wait for the page to read them (at most %u per window)",
                     ATRIUM_PULL_STREAMS_MAX);
      else
        g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                     "Too many streams are open in this page (at most %u)",
                     ATRIUM_PULL_STREAMS_OPEN_MAX);
      return 0;
    }
  entry = g_new0 (Entry, 1);
  entry->refs = 1;
  entry->owner = self;
  entry->id = ++self->next_id;
  entry->stream = g_object_ref (stream);
  entry->cancellable = g_cancellable_new ();
  entry->remaining = size >= 0 ? size : -1;
  entry->expiry = g_timeout_add (self->lifetime_ms, expired_cb, entry);
  self->waiting++;
  g_hash_table_insert (self->entries, &entry->id, entry);
  return entry->id;
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Entry *entry = user_data;
  AtriumPullStreams *reader = g_steal_pointer (&entry->reader);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  AtriumPullReadFunc done = g_steal_pointer (&entry->done);
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_error (&error);
          set_cancelled (&error);
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
    set_cancelled (&error);
  else if (entry->remaining >= 0 && n < entry->max)
    /* read_all gives fewer bytes than asked only at the end. */
    g_set_error (&error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                 "The stream ended %" G_GINT64_FORMAT " bytes before its size",
                 entry->remaining - (gint64) n);
  else if (n > 0)
    {
      /* A view of the buffer, good for as long as @done runs (which copies
       * it into its message): then the next read takes the buffer. */
      chunk = g_bytes_new_static (entry->buffer, n);
      if (entry->remaining > 0)
        entry->remaining -= n;
    }

  /* At its end or failed: the stream goes. */
  if (chunk == NULL && entry->owner != NULL)
    g_hash_table_remove (entry->owner->entries, &entry->id);
  done (chunk, error, entry->user_data);
  g_clear_pointer (&chunk, g_bytes_unref);

  /* Its slot is free: the buffer goes to the next read (one of the full
   * size is kept), and the next read waiting its turn starts. */
  if (reader != NULL)
    {
      g_queue_remove (&reader->under_way, entry);
      if (reader->spare == NULL && entry->buffer_size == ATRIUM_PULL_READ_MAX)
        reader->spare = g_steal_pointer (&entry->buffer);
      next_turn (reader);
    }
  g_clear_pointer (&entry->buffer, g_free);
  entry_unref (entry);
}

/* The next read waiting its turn, if a slot is free; one whose stream was
 * dropped meanwhile ends as cancelled without reading. */
static void
next_turn (AtriumPullStreams *self)
{
  while (self->under_way.length < ATRIUM_PULL_READS_MAX && !g_queue_is_empty (&self->turns))
    {
      Entry *next = g_queue_pop_head (&self->turns);

      if (next->owner == NULL)
        {
          read_cancelled (next);
        }
      else
        read_start (self, next);
      entry_unref (next);
    }
}

/* Takes a slot and a buffer and reads. */
static void
read_start (AtriumPullStreams *self,
            Entry             *entry)
{
  entry->reader = self;
  g_queue_push_tail (&self->under_way, entry);
  if (self->spare != NULL)
    {
      entry->buffer = g_steal_pointer (&self->spare);
      entry->buffer_size = ATRIUM_PULL_READ_MAX;
    }
  else
    {
      entry->buffer = g_malloc (entry->max);
      entry->buffer_size = entry->max;
    }
  g_input_stream_read_all_async (entry->stream, entry->buffer, entry->max, G_PRIORITY_DEFAULT,
                                 entry->cancellable, read_done_cb, entry_ref (entry));
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

  if (!entry->begun)
    {
      entry->begun = TRUE;
      self->waiting--;
      g_clear_handle_id (&entry->expiry, g_source_remove);
    }
  entry->max = max;
  entry->done = done;
  entry->user_data = user_data;
  if (self->under_way.length >= ATRIUM_PULL_READS_MAX)
    {
      g_queue_push_tail (&self->turns, entry_ref (entry));
      return;
    }
  read_start (self, entry);
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

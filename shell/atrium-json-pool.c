#include "config.h"

#include "atrium-json-pool-private.h"

/* Pooled GString buffers for encoding results (seed stage 2). Our own
 * parser needs no pooled state (it keeps its stack on the C stack), so what
 * pools here is the text a result is written into: a buffer that has
 * already grown to the size of typical replies is reused as it is. */

static AtriumPool *buffers;

static gpointer
buffer_new (gpointer user_data)
{
  return g_string_sized_new (256);
}

static gboolean
buffer_reset (gpointer item,
              gpointer user_data)
{
  GString *buffer = item;

  if (buffer->allocated_len > ATRIUM_JSON_BUFFER_KEEP_MAX)
    return FALSE;
  g_string_truncate (buffer, 0);
  return TRUE;
}

static void
buffer_free (gpointer item)
{
  g_string_free (item, TRUE);
}

static AtriumPool *
get_pool (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      buffers = _atrium_pool_new (64, buffer_new, buffer_reset, buffer_free, NULL);
      g_once_init_leave (&once, 1);
    }
  return buffers;
}

GString *
_atrium_json_buffer_take (void)
{
  return _atrium_pool_take (get_pool ());
}

void
_atrium_json_buffer_give (GString *buffer)
{
  _atrium_pool_give (get_pool (), buffer);
}

void
_atrium_json_buffer_get_stats (AtriumPoolStats *stats)
{
  _atrium_pool_get_stats (get_pool (), stats);
}

void
_atrium_json_pool_trim (void)
{
  _atrium_pool_trim (get_pool ());
}

/* Nothing pooled outlives the library: valgrind sees no leak at exit. */
__attribute__((destructor)) static void
atrium_json_pool_cleanup (void)
{
  g_clear_pointer (&buffers, _atrium_pool_free);
}

#include "config.h"

#include "atrium-call-private.h"

#include <stdlib.h>
#include <string.h>

#include "atrium-json-pool-private.h"
#include "atrium-json-private.h"

#define N_THREADS 4
#define N_IDS     100000

static void
test_ids_increase (void)
{
  guint64 previous = _atrium_call_next_id ();

  g_assert_cmpuint (previous, >, 0);
  for (guint i = 0; i < N_IDS; i++)
    {
      guint64 id = _atrium_call_next_id ();

      /* One thread alone sees every id it gets one above the last. */
      g_assert_cmpuint (id, ==, previous + 1);
      previous = id;
    }
}

static gpointer
collect_ids_thread (gpointer data)
{
  guint64 *ids = data;

  for (guint i = 0; i < N_IDS; i++)
    ids[i] = _atrium_call_next_id ();

  return NULL;
}

static int
compare_ids (const void *a,
             const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return (x > y) - (x < y);
}

static void
test_ids_unique (void)
{
  g_autofree guint64 *ids = g_new (guint64, N_THREADS * N_IDS);
  GThread *threads[N_THREADS];

  for (guint t = 0; t < N_THREADS; t++)
    threads[t] = g_thread_new ("ids", collect_ids_thread, ids + t * N_IDS);
  for (guint t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);

  /* Each thread's own ids still increase... */
  for (guint t = 0; t < N_THREADS; t++)
    for (guint i = 1; i < N_IDS; i++)
      g_assert_cmpuint (ids[t * N_IDS + i], >, ids[t * N_IDS + i - 1]);

  /* ...and no id went to two calls. */
  qsort (ids, N_THREADS * N_IDS, sizeof *ids, compare_ids);
  g_assert_cmpuint (ids[0], >, 0);
  for (guint i = 1; i < N_THREADS * N_IDS; i++)
    if (ids[i] == ids[i - 1])
      g_error ("id %" G_GUINT64_FORMAT " was handed out twice", ids[i]);

  /* Relaxed ordering loses nothing: the ids are one contiguous run. */
  g_assert_cmpuint (ids[N_THREADS * N_IDS - 1] - ids[0], ==, N_THREADS * N_IDS - 1);
}

static void
test_buffer_reuse (void)
{
  g_autoptr(JsonNode) node = json_from_string ("{\"id\":7,\"tags\":[\"a\",\"b\"],\"ok\":true}",
                                               NULL);
  AtriumPoolStats before, after;
  GString *buffer, *again;

  /* Warm up: whatever the pool held, it now holds at least this one. */
  buffer = _atrium_json_buffer_take ();
  _atrium_json_write (buffer, node);
  _atrium_json_buffer_give (buffer);
  _atrium_json_buffer_get_stats (&before);
  g_assert_cmpuint (before.n_free, >=, 1);

  for (guint i = 0; i < 1000; i++)
    {
      again = _atrium_json_buffer_take ();
      /* It comes back empty, never with the previous text in it. */
      g_assert_cmpuint (again->len, ==, 0);
      g_assert_cmpstr (again->str, ==, "");
      _atrium_json_write (again, node);
      g_assert_cmpstr (again->str, ==, "{\"id\":7,\"tags\":[\"a\",\"b\"],\"ok\":true}");
      _atrium_json_buffer_give (again);
    }

  _atrium_json_buffer_get_stats (&after);
  g_assert_cmpuint (after.takes, ==, before.takes + 1000);
  g_assert_cmpuint (after.misses, ==, before.misses);
  g_assert_cmpuint (after.n_free, ==, before.n_free);

  /* The same buffer, last in first out. */
  buffer = _atrium_json_buffer_take ();
  _atrium_json_buffer_give (buffer);
  again = _atrium_json_buffer_take ();
  g_assert_true (again == buffer);
  _atrium_json_buffer_give (again);
}

static void
test_buffer_too_big (void)
{
  AtriumPoolStats before, after;
  GString *buffer, *small;

  buffer = _atrium_json_buffer_take ();
  _atrium_json_buffer_get_stats (&before);

  /* Grown past the limit, as by one huge reply. */
  g_string_set_size (buffer, ATRIUM_JSON_BUFFER_KEEP_MAX + 1);
  g_assert_cmpuint (buffer->allocated_len, >, ATRIUM_JSON_BUFFER_KEEP_MAX);
  _atrium_json_buffer_give (buffer);

  _atrium_json_buffer_get_stats (&after);
  g_assert_cmpuint (after.n_free, ==, before.n_free);

  /* A buffer just under the limit is still worth keeping. */
  small = _atrium_json_buffer_take ();
  g_string_set_size (small, ATRIUM_JSON_BUFFER_KEEP_MAX / 2);
  g_assert_cmpuint (small->allocated_len, <=, ATRIUM_JSON_BUFFER_KEEP_MAX);
  _atrium_json_buffer_get_stats (&before);
  _atrium_json_buffer_give (small);
  _atrium_json_buffer_get_stats (&after);
  g_assert_cmpuint (after.n_free, ==, before.n_free + 1);
  buffer = _atrium_json_buffer_take ();
  g_assert_true (buffer == small);
  g_assert_cmpuint (buffer->len, ==, 0);
  _atrium_json_buffer_give (buffer);
}

static void
test_buffer_trim (void)
{
  GString *buffers[8];
  AtriumPoolStats stats;

  for (guint i = 0; i < G_N_ELEMENTS (buffers); i++)
    buffers[i] = _atrium_json_buffer_take ();
  for (guint i = 0; i < G_N_ELEMENTS (buffers); i++)
    _atrium_json_buffer_give (buffers[i]);
  _atrium_json_buffer_get_stats (&stats);
  g_assert_cmpuint (stats.n_free, >=, 8);

  /* Two trims with nothing in between let the whole burst go. */
  _atrium_json_pool_trim ();
  _atrium_json_pool_trim ();
  _atrium_json_buffer_get_stats (&stats);
  g_assert_cmpuint (stats.n_free, ==, 0);
}

static void
echo_cb (AtriumCall *call,
         gpointer    user_data)
{
  atrium_call_return_value (call, json_node_copy (atrium_call_get_arg (call, 0)));
}

static void
count_destroy_cb (gpointer data)
{
  (*(int *) data)++;
}

/* A call made, finished and released goes back to its pool, with its
 * result buffer and its reference on the method. */
static void
test_struct_reuse (void)
{
  g_autoptr(AtriumRegistry) registry = _atrium_registry_new ();
  AtriumPoolStats warm, after, buffers_before, buffers_after;
  AtriumMethod *method;
  guint64 last_id = 0;
  int destroyed = 0;

  /* Owning the default context makes a main-thread finish deliver in place
   * instead of going through the result channel. */
  g_assert_true (g_main_context_acquire (NULL));

  _atrium_registry_bind (registry, "echo", echo_cb, &destroyed, count_destroy_cb, 0);
  method = _atrium_registry_lookup (registry, "echo");

  for (guint i = 0; i < 100; i++)
    {
      static const char text[] = "[\"echo\",[{\"a\":[1,2]}],5]";
      JsonNode *message = _atrium_json_parse (text, strlen (text), 16, NULL);
      AtriumCall *call;

      g_assert_nonnull (message);
      call = _atrium_call_new (method, message, NULL, NULL, NULL);
      g_assert_cmpuint (call->id, >, last_id);
      last_id = call->id;
      g_assert_cmpint (call->page_id, ==, 5);
      g_assert_cmpuint (atrium_call_get_n_args (call), ==, 1);
      g_assert_cmpstr (atrium_call_get_method (call), ==, "echo");
      g_assert_false (_atrium_call_is_finished (call));

      if (i == 0)
        {
          _atrium_call_get_pool_stats (&warm);
          _atrium_json_buffer_get_stats (&buffers_before);
        }

      method->func (atrium_call_ref (call), method->user_data);
      g_assert_true (_atrium_call_is_finished (call));
      g_assert_nonnull (call->result);
      g_assert_cmpstr (call->result->str, ==, "{\"a\":[1,2]}");
      atrium_call_unref (call);
    }

  /* After the first, every call reused the struct the previous one left. */
  _atrium_call_get_pool_stats (&after);
  g_assert_cmpuint (after.takes, ==, warm.takes + 99);
  g_assert_cmpuint (after.misses, ==, warm.misses);
  g_assert_cmpuint (after.n_free, >=, 1);

  /* Result buffers went back too. */
  _atrium_json_buffer_get_stats (&buffers_after);
  g_assert_cmpuint (buffers_after.misses, <=, buffers_before.misses + 1);
  g_assert_cmpuint (buffers_after.n_free, >=, 1);

  /* The calls let go of the method: unbinding now destroys its data. */
  _atrium_method_unref (method);
  g_assert_cmpint (destroyed, ==, 0);
  g_assert_true (_atrium_registry_unbind (registry, "echo"));
  g_assert_cmpint (destroyed, ==, 1);

  g_main_context_release (NULL);
  g_assert_finalize_object (g_steal_pointer (&registry));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/call/ids-increase", test_ids_increase);
  g_test_add_func ("/atrium/call/ids-unique", test_ids_unique);
  g_test_add_func ("/atrium/call/buffer-reuse", test_buffer_reuse);
  g_test_add_func ("/atrium/call/buffer-too-big", test_buffer_too_big);
  g_test_add_func ("/atrium/call/buffer-trim", test_buffer_trim);
  g_test_add_func ("/atrium/call/struct-reuse", test_struct_reuse);

  return g_test_run ();
}

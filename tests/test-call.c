#include "config.h"

#include "atrium-call-private.h"

#include <stdlib.h>
#include <string.h>

#include "atrium-json-private.h"
#include "test-util.h"

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
  TestThread *threads[N_THREADS];

  for (guint t = 0; t < N_THREADS; t++)
    threads[t] = test_thread_new ("ids", collect_ids_thread, ids + t * N_IDS);
  for (guint t = 0; t < N_THREADS; t++)
    test_thread_join (threads[t], TEST_WAIT_SECONDS, "a thread to collect its call ids");

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
  AtriumPoolStats warm, after;
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
  g_test_add_func ("/atrium/call/struct-reuse", test_struct_reuse);

  return g_test_run ();
}

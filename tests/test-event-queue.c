#include "config.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-events-private.h"
#include "test-util.h"

/* The event bus without a window: names, errors, and C listeners hearing
 * C's broadcasts from any thread, in order, on the main thread. */

static void
test_names (void)
{
  g_autofree char *longest = g_strnfill (ATRIUM_EVENT_NAME_MAX, 'n');
  g_autofree char *too_long = g_strnfill (ATRIUM_EVENT_NAME_MAX + 1, 'n');
  const char *bad[] = { NULL, "", "atrium:x", "bad \xff utf-8", too_long };
  const char *good[] = { "x", "progress", "a:b", "ü 😀", "atrium", longest };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (_atrium_event_name_is_valid (bad[i], &error));
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (_atrium_event_name_is_valid (good[i], NULL));
}

static void
test_emit_errors (void)
{
  g_autoptr(AtriumApp) app = atrium_app_new ("dev.atrium.TestEventQueue", G_APPLICATION_NON_UNIQUE);
  g_autoptr(JsonNode) big = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonNode) bad = json_node_new (JSON_NODE_VALUE);
  g_autofree char *payload = g_strnfill (2000, 'p');
  g_autoptr(GError) error = NULL;

  /* No window has that id. */
  g_assert_false (atrium_app_emit_to (app, 12345, "x", NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* With no window, a broadcast reaches nobody, and that is fine. */
  g_assert_true (atrium_app_emit (app, "x", NULL, &error));
  g_assert_no_error (error);

  atrium_app_set_event_queue_limits (app, 10, 1000);
  json_node_set_string (big, payload);
  g_assert_false (atrium_app_emit (app, "x", big, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
  g_clear_error (&error);

  json_node_set_string (bad, "\xc3\x28");
  g_assert_false (atrium_app_emit (app, "x", bad, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);

  g_assert_false (atrium_app_emit (app, "atrium:reserved", NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
}

typedef struct
{
  GThread *main_thread;
  GString *log;
  guint    calls;
  guint    wrong_thread;
  gint64   next;
  guint    out_of_order;
  guint    expected;       /* how many calls heard_all() waits for */
} Heard;

static gboolean
heard_all (gpointer data)
{
  Heard *heard = data;

  return heard->calls >= heard->expected;
}

static void
heard_cb (AtriumApp    *app,
          const char   *name,
          JsonNode     *data,
          AtriumWindow *sender,
          gpointer      user_data)
{
  Heard *h = user_data;

  h->calls++;
  if (g_thread_self () != h->main_thread)
    h->wrong_thread++;
  g_assert_null (sender);
  if (JSON_NODE_HOLDS_VALUE (data) && json_node_get_value_type (data) == G_TYPE_INT64)
    {
      if (json_node_get_int (data) != h->next)
        h->out_of_order++;
      h->next++;
    }
  else
    {
      g_autofree char *text = json_to_string (data, FALSE);

      g_string_append_printf (h->log, "%s=%s;", name, text);
    }
}

static void
never_cb (AtriumApp    *app,
          const char   *name,
          JsonNode     *data,
          AtriumWindow *sender,
          gpointer      user_data)
{
  g_assert_not_reached ();
}

static void
count_destroy_cb (gpointer data)
{
  (*(guint *) data)++;
}

static gpointer
emit_thread (gpointer data)
{
  AtriumApp *app = data;

  for (gint64 i = 0; i < 20000; i++)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

      json_node_set_int (node, i);
      g_assert_true (atrium_app_emit (app, "count", node, NULL));
    }
  return NULL;
}

static void
test_c_listeners (void)
{
  g_autoptr(AtriumApp) app = atrium_app_new ("dev.atrium.TestEventQueue2", G_APPLICATION_NON_UNIQUE);
  Heard on = { g_thread_self (), g_string_new (NULL), 0, 0, 0, 0, 0 };
  Heard once = { g_thread_self (), g_string_new (NULL), 0, 0, 0, 0, 0 };
  Heard counter = { g_thread_self (), g_string_new (NULL), 0, 0, 0, 0, 0 };
  g_autoptr(JsonNode) data = json_from_string ("{\"a\":[1,\"two\",null]}", NULL);
  guint destroyed = 0;
  gulong id;
  TestThread *thread;

  atrium_app_on (app, "x", heard_cb, &on, NULL);
  atrium_app_once (app, "x", heard_cb, &once, NULL);
  id = atrium_app_on (app, "x", never_cb, &destroyed, count_destroy_cb);
  g_assert_true (atrium_app_off (app, id));
  g_assert_false (atrium_app_off (app, id));
  g_assert_cmpuint (destroyed, ==, 1);

  g_assert_true (atrium_app_emit (app, "x", data, NULL));
  /* The caller keeps its node and may change it at once. */
  json_array_add_int_element (json_object_get_array_member (json_node_get_object (data), "a"), 4);
  g_assert_true (atrium_app_emit (app, "x", data, NULL));
  g_assert_true (atrium_app_emit (app, "y", data, NULL));

  /* Later, on the main loop, never inside the emit. */
  g_assert_cmpuint (on.calls, ==, 0);
  on.expected = 2;
  test_wait_for (NULL, TEST_WAIT_SECONDS, heard_all, &on, "the listener to hear both x events");
  g_assert_cmpstr (on.log->str, ==, "x={\"a\":[1,\"two\",null]};x={\"a\":[1,\"two\",null,4]};");
  g_assert_cmpuint (once.calls, ==, 1);

  /* From a worker: in order, on the main thread. */
  atrium_app_on (app, "count", heard_cb, &counter, NULL);
  thread = test_thread_new ("emitter", emit_thread, app);
  counter.expected = 20000;
  test_wait_for (NULL, TEST_WAIT_SECONDS, heard_all, &counter,
                 "the listener to hear a worker's 20,000 events");
  test_thread_join (thread, TEST_WAIT_SECONDS, "the worker's emits to return");
  g_assert_cmpuint (counter.out_of_order, ==, 0);
  g_assert_cmpuint (counter.wrong_thread, ==, 0);
  g_assert_cmpuint (on.wrong_thread, ==, 0);

  g_string_free (on.log, TRUE);
  g_string_free (once.log, TRUE);
  g_string_free (counter.log, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/event-queue/names", test_names);
  g_test_add_func ("/atrium/event-queue/emit-errors", test_emit_errors);
  g_test_add_func ("/atrium/event-queue/c-listeners", test_c_listeners);

  return g_test_run ();
}

#include "config.h"

#include "demo-services.h"

/* The services the launcher binds for every page it loads. */

static void
echo_cb (AtriumCall *call,
         gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);

  atrium_call_return_value (call, arg != NULL ? json_node_copy (arg) : NULL);
}

static void
app_quit_cb (AtriumCall *call,
             gpointer    user_data)
{
  AtriumApp *app = user_data;
  JsonNode *arg = atrium_call_get_arg (call, 0);
  gint64 status = 0;

  if (arg != NULL && !JSON_NODE_HOLDS_NULL (arg))
    {
      double value;

      if (!JSON_NODE_HOLDS_VALUE (arg)
          || (json_node_get_value_type (arg) != G_TYPE_INT64
              && json_node_get_value_type (arg) != G_TYPE_DOUBLE))
        {
          atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                    "app.quit(code) takes an exit status from 0 to 255");
          return;
        }
      value = json_node_get_double (arg);
      if (value < 0 || value > 255 || value != (double) (gint64) value)
        {
          atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                    "app.quit(code) takes an exit status from 0 to 255");
          return;
        }
      status = (gint64) value;
    }

  atrium_call_return_value (call, NULL);
  atrium_app_quit (app, (int) status);
}

static void
app_version_cb (AtriumCall *call,
                gpointer    user_data)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, atrium_get_version ());
  atrium_call_return_value (call, node);
}

/* demo.sleep(ms): sleeps on a worker, waking at once if the page cancels
 * the call (p.cancel()) or its window closes. */
static void
demo_sleep_cb (AtriumCall *call,
               gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);
  GCancellable *cancellable;
  GPollFD pollfd;
  double ms;
  JsonNode *result;

  if (arg == NULL || !JSON_NODE_HOLDS_VALUE (arg)
      || (json_node_get_value_type (arg) != G_TYPE_INT64
          && json_node_get_value_type (arg) != G_TYPE_DOUBLE)
      || (ms = json_node_get_double (arg)) < 0 || ms > 3600 * 1000)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "demo.sleep(ms) takes a number of milliseconds from 0 to 3600000");
      return;
    }

  cancellable = atrium_call_get_cancellable (call);
  if (g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      g_poll (&pollfd, 1, (int) ms);
      g_cancellable_release_fd (cancellable);
    }

  if (g_cancellable_is_cancelled (cancellable))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_CANCELLED, "demo.sleep was cancelled");
      return;
    }

  result = json_node_copy (arg);
  atrium_call_return_value (call, result);
}

static void
demo_fail_cb (AtriumCall *call,
              gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);

  if (arg != NULL && JSON_NODE_HOLDS_VALUE (arg) && json_node_get_value_type (arg) == G_TYPE_STRING)
    atrium_call_return_error (call, ATRIUM_ERROR_FAILED, "%s", json_node_get_string (arg));
  else
    atrium_call_return_error (call, ATRIUM_ERROR_FAILED, "demo.fail was called");
}

void
demo_services_bind (AtriumApp *app)
{
  atrium_app_bind (app, "echo", echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "echo.worker", echo_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "demo.sleep", demo_sleep_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "demo.fail", demo_fail_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "app.quit", app_quit_cb, app, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "app.version", app_version_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
}

/* The C side of {{NAME}}: the methods its page calls. */

#include "backend.h"

/* backend.greet(name) runs on the main thread and answers at once. Slow
 * work goes on a worker thread instead: bind it with ATRIUM_BIND_WORKER. */
static void
greet_cb (AtriumCall *call,
          gpointer    user_data)
{
  JsonNode *name = atrium_call_get_arg (call, 0);
  g_autofree char *greeting = NULL;
  JsonNode *result;

  if (name == NULL || !JSON_NODE_HOLDS_VALUE (name)
      || json_node_get_value_type (name) != G_TYPE_STRING)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "backend.greet(name) takes a string");
      return;
    }

  greeting = g_strdup_printf ("Hello, %s, from C!", json_node_get_string (name));
  result = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (result, greeting);
  atrium_call_return_value (call, result);
}

void
backend_bind (AtriumApp *app)
{
  atrium_app_bind (app, "backend.greet", greet_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_set_signature (app, "backend.greet", "(name: string) => string",
                            "Greets name, from C on the main thread.", NULL);
}

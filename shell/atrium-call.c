#include "config.h"

#include "atrium-call-private.h"

#include <stdatomic.h>

#include "atrium-bridge-private.h"
#include "atrium-json-private.h"

G_DEFINE_BOXED_TYPE (AtriumCall, atrium_call, atrium_call_ref, atrium_call_unref)

static _Atomic guint64 next_id = 1;

/* Call ids come from one lock-free counter shared by every window. */
guint64
_atrium_call_next_id (void)
{
  return atomic_fetch_add_explicit (&next_id, 1, memory_order_relaxed);
}

AtriumCall *
_atrium_call_new (AtriumMethod             *method,
                  JsonNode                 *message,
                  AtriumBridge             *bridge,
                  WebKitScriptMessageReply *reply,
                  JSCContext               *context)
{
  AtriumCall *call = g_new0 (AtriumCall, 1);

  g_atomic_ref_count_init (&call->ref_count);
  call->id = _atrium_call_next_id ();
  call->method = _atrium_method_ref (method);
  call->message = message;
  call->args = json_array_get_array_element (json_node_get_array (message), 1);
  call->cancellable = g_cancellable_new ();
  call->bridge = bridge;
  call->reply = reply != NULL ? webkit_script_message_reply_ref (reply) : NULL;
  call->context = context != NULL ? g_object_ref (context) : NULL;

  return call;
}

/* Drops the WebKit side of the call: called on the main thread once the
 * reply is sent or the window is gone. */
void
_atrium_call_detach (AtriumCall *call)
{
  call->bridge = NULL;
  g_clear_pointer (&call->reply, webkit_script_message_reply_unref);
  g_clear_object (&call->context);
}

static gboolean
detach_on_main_cb (gpointer data)
{
  AtriumCall *call = data;

  _atrium_call_detach (call);
  g_free (call);
  return G_SOURCE_REMOVE;
}

AtriumCall *
atrium_call_ref (AtriumCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);

  g_atomic_ref_count_inc (&call->ref_count);
  return call;
}

void
atrium_call_unref (AtriumCall *call)
{
  g_return_if_fail (call != NULL);

  if (!g_atomic_ref_count_dec (&call->ref_count))
    return;

  g_clear_pointer (&call->method, _atrium_method_unref);
  g_clear_pointer (&call->message, json_node_unref);
  g_clear_object (&call->cancellable);
  g_clear_pointer (&call->result, g_free);
  g_clear_error (&call->error);

  /* WebKit objects may only be released on the main thread; a call that an
   * async method dropped on a worker without finishing gets there late. */
  if (call->reply != NULL || call->context != NULL)
    {
      if (!g_main_context_is_owner (g_main_context_default ()))
        {
          g_idle_add_full (G_PRIORITY_DEFAULT, detach_on_main_cb, call, NULL);
          return;
        }
      _atrium_call_detach (call);
    }

  g_free (call);
}

/**
 * atrium_call_get_id:
 *
 * Returns: the call's id, unique in the process
 */
guint64
atrium_call_get_id (AtriumCall *call)
{
  g_return_val_if_fail (call != NULL, 0);
  return call->id;
}

/**
 * atrium_call_get_method:
 *
 * Returns: (transfer none): the name the method was called by
 */
const char *
atrium_call_get_method (AtriumCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);
  return call->method->name;
}

/**
 * atrium_call_get_args:
 *
 * Returns: (transfer none): the arguments, as a JSON array
 */
JsonArray *
atrium_call_get_args (AtriumCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);
  return call->args;
}

guint
atrium_call_get_n_args (AtriumCall *call)
{
  g_return_val_if_fail (call != NULL, 0);
  return json_array_get_length (call->args);
}

/**
 * atrium_call_get_arg:
 * @index: which argument, from 0
 *
 * Returns: (transfer none) (nullable): the argument, or %NULL when the page
 *   passed fewer than @index + 1
 */
JsonNode *
atrium_call_get_arg (AtriumCall *call,
                     guint       index)
{
  g_return_val_if_fail (call != NULL, NULL);

  if (index >= json_array_get_length (call->args))
    return NULL;
  return json_array_get_element (call->args, index);
}

/**
 * atrium_call_get_cancellable:
 *
 * Returns: (transfer none): cancelled when the page cancels the call or its
 *   window closes; long-running methods should watch it
 */
GCancellable *
atrium_call_get_cancellable (AtriumCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);
  return call->cancellable;
}

/**
 * atrium_call_get_window:
 *
 * Main thread only.
 *
 * Returns: (transfer none) (nullable): the window the call came from, or
 *   %NULL once it has closed
 */
AtriumWindow *
atrium_call_get_window (AtriumCall *call)
{
  g_return_val_if_fail (call != NULL, NULL);
  return call->bridge != NULL ? _atrium_bridge_get_window (call->bridge) : NULL;
}

static gboolean
deliver_on_main_cb (gpointer data)
{
  AtriumCall *call = data;

  _atrium_bridge_deliver (call);
  atrium_call_unref (call);
  return G_SOURCE_REMOVE;
}

/* Takes over the method's reference. */
static void
finish (AtriumCall *call)
{
  if (g_main_context_is_owner (g_main_context_default ()))
    {
      _atrium_bridge_deliver (call);
      atrium_call_unref (call);
    }
  else
    {
      g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, deliver_on_main_cb, call, NULL);
    }
}

static gboolean
claim (AtriumCall *call,
       const char *function)
{
  if (!g_atomic_int_compare_and_exchange (&call->finished, FALSE, TRUE))
    {
      g_critical ("%s: the call to %s (id %" G_GUINT64_FORMAT ") was already finished",
                  function, call->method->name, call->id);
      return FALSE;
    }
  return TRUE;
}

gboolean
_atrium_call_is_finished (AtriumCall *call)
{
  return g_atomic_int_get (&call->finished);
}

/**
 * atrium_call_return_value:
 * @call: (transfer full): the call
 * @result: (transfer full) (nullable): the result; %NULL is JS `null`
 *
 * Finishes @call with @result. The result is encoded on the calling thread,
 * so a worker pays for its own encoding.
 */
void
atrium_call_return_value (AtriumCall *call,
                          JsonNode   *result)
{
  GString *text;

  g_return_if_fail (call != NULL);

  if (!claim (call, G_STRFUNC))
    {
      g_clear_pointer (&result, json_node_unref);
      return;
    }

  text = g_string_sized_new (64);
  _atrium_json_write (text, result);
  call->result = g_string_free (text, FALSE);
  g_clear_pointer (&result, json_node_unref);

  finish (call);
}

/**
 * atrium_call_return_error:
 * @call: (transfer full): the call
 * @code: the error code the page sees as `Error.code`
 * @format: printf-style message
 *
 * Finishes @call by rejecting its Promise.
 */
void
atrium_call_return_error (AtriumCall  *call,
                          AtriumError  code,
                          const char  *format,
                          ...)
{
  va_list args;

  g_return_if_fail (call != NULL);
  g_return_if_fail (format != NULL);

  if (!claim (call, G_STRFUNC))
    return;

  va_start (args, format);
  call->error = g_error_new_valist (ATRIUM_ERROR, code, format, args);
  va_end (args);

  finish (call);
}

/**
 * atrium_call_return_gerror:
 * @call: (transfer full): the call
 * @error: the error; one outside %ATRIUM_ERROR is reported as `failed`,
 *   or `cancelled` for %G_IO_ERROR_CANCELLED
 */
void
atrium_call_return_gerror (AtriumCall   *call,
                           const GError *error)
{
  g_return_if_fail (call != NULL);
  g_return_if_fail (error != NULL);

  if (!claim (call, G_STRFUNC))
    return;

  if (error->domain == ATRIUM_ERROR)
    call->error = g_error_copy (error);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    call->error = g_error_new_literal (ATRIUM_ERROR, ATRIUM_ERROR_CANCELLED, error->message);
  else
    call->error = g_error_new_literal (ATRIUM_ERROR, ATRIUM_ERROR_FAILED, error->message);

  finish (call);
}

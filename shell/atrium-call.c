#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-call-private.h"

#include <stdatomic.h>
#include <string.h>

#include "atrium-bytes-private.h"
#include "atrium-thread-private.h"
#include "atrium-json-private.h"

G_DEFINE_BOXED_TYPE (AtriumCall, atrium_call, atrium_call_ref, atrium_call_unref)

/* How many finished calls may wait for the main thread before the workers
 * that finish more are made to wait, and how many one wake-up delivers. */
#define RESULT_CHANNEL_CAPACITY 4096
#define RESULT_CHANNEL_BATCH    256

static _Atomic guint64 next_id = 1;
static GMutex streams_lock;
static AtriumPool *call_pool;
static AtriumChannel *results;

/* Call ids come from one lock-free counter shared by every window
 * (bench-native measures it against a mutex). */
guint64
_atrium_call_next_id (void)
{
  return atomic_fetch_add_explicit (&next_id, 1, memory_order_relaxed);
}

static gpointer
call_struct_new (gpointer user_data)
{
  return g_new0 (AtriumCall, 1);
}

static void
call_struct_free (gpointer item)
{
  g_free (item);
}

/* Call structs are recycled through a pool. The struct is
 * small; what pooling saves is mostly the allocator round trip on every
 * call, measured in bench-native. */
static AtriumPool *
get_call_pool (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      call_pool = _atrium_pool_new (1024, call_struct_new, NULL, call_struct_free, NULL);
      g_once_init_leave (&once, 1);
    }
  return call_pool;
}

/* Frees the call structs that sat unused since the last time: a window
 * that closes is when a burst of its calls is surely over. */
void
_atrium_call_trim_pool (void)
{
  if (call_pool != NULL)
    _atrium_pool_trim (call_pool);
}

void
_atrium_call_get_pool_stats (AtriumPoolStats *stats)
{
  _atrium_pool_get_stats (get_call_pool (), stats);
}

static void
deliver_result_cb (gpointer item,
                   gpointer user_data)
{
  AtriumCall *call = item;

  if (call->deliver != NULL)
    call->deliver (call);
  atrium_call_unref (call);
}

static void
drop_result (gpointer item)
{
  AtriumCall *call = item;

  _atrium_call_detach (call);
  atrium_call_unref (call);
}

/* Whether the first call has made the channel yet. Main thread. */
gboolean
_atrium_call_has_channel (void)
{
  return results != NULL;
}

/* The one channel every worker-finished call goes back to the main thread
 * through. Made on the main thread, with the first call. */
AtriumChannel *
_atrium_call_get_channel (void)
{
  if (results == NULL)
    {
      results = _atrium_channel_new (RESULT_CHANNEL_CAPACITY, RESULT_CHANNEL_BATCH,
                                     deliver_result_cb, NULL, drop_result);
      _atrium_channel_attach (results, g_main_context_default ());
    }
  return results;
}

__attribute__((destructor)) static void
atrium_call_cleanup (void)
{
  g_clear_pointer (&call_pool, _atrium_pool_free);
}

AtriumCall *
_atrium_call_new (AtriumMethod             *method,
                  JsonNode                 *message,
                  AtriumBridge             *bridge,
                  WebKitScriptMessageReply *reply,
                  JSCContext               *context)
{
  AtriumCall *call = _atrium_pool_take (get_call_pool ());
  JsonArray *array = json_node_get_array (message);

  _atrium_call_get_channel ();

  memset (call, 0, sizeof *call);
  g_atomic_ref_count_init (&call->ref_count);
  call->id = _atrium_call_next_id ();
  call->method = _atrium_method_ref (method);
  call->message = message;
  call->args = json_array_get_array_element (array, 1);
  if (json_array_get_length (array) > 2)
    call->page_id = json_array_get_int_element (array, 2);
  call->bridge = bridge;
  call->reply = reply != NULL ? webkit_script_message_reply_ref (reply) : NULL;
  call->context = context != NULL ? g_object_ref (context) : NULL;

  return call;
}

/* The call came through the web process extension: its answer is the
 * reply to @message, and binary values in its result go apart from the
 * JSON. Main thread, right after _atrium_call_new(). */
void
_atrium_call_set_user_message (AtriumCall        *call,
                               WebKitUserMessage *message)
{
  call->user_message = g_object_ref (message);
  call->by_extension = TRUE;
}

/* Who sends the result, and the window the call came from. Main thread,
 * right after _atrium_call_new(). */
void
_atrium_call_set_delivery (AtriumCall            *call,
                           AtriumCallDeliverFunc  deliver,
                           AtriumWindow          *window)
{
  call->deliver = deliver;
  call->window = window;
}

/* Drops the WebKit side of the call: called on the main thread once the
 * reply is sent or the window is gone. */
void
_atrium_call_detach (AtriumCall *call)
{
  call->bridge = NULL;
  call->window = NULL;
  g_clear_pointer (&call->reply, webkit_script_message_reply_unref);
  g_clear_object (&call->context);
  g_clear_object (&call->user_message);
}

static void
release (AtriumCall *call)
{
  _atrium_call_detach (call);
  _atrium_pool_give (get_call_pool (), call);
}

static gboolean
release_on_main_cb (gpointer data)
{
  release (data);
  return G_SOURCE_REMOVE;
}

/* The streams the call's arguments name and its method never asked for:
 * their uploads are let go on the route, not kept until they expire. */
static void
release_unclaimed (AtriumCall *call)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new ();

  if (call->args == NULL)
    return;
  g_ptr_array_add (stack, call->args);
  while (stack->len > 0)
    {
      JsonArray *array = NULL;
      JsonObject *object = NULL;
      gpointer top = g_ptr_array_steal_index_fast (stack, stack->len - 1);
      g_autoptr(GList) members = NULL;
      guint n;

      /* Arrays and objects both go on the stack, told apart by a tag bit. */
      if (GPOINTER_TO_SIZE (top) & 1)
        object = GSIZE_TO_POINTER (GPOINTER_TO_SIZE (top) & ~(gsize) 1);
      else
        array = top;
      if (object != NULL)
        members = json_object_get_values (object);
      n = array != NULL ? json_array_get_length (array) : g_list_length (members);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = array != NULL ? json_array_get_element (array, i)
                                         : g_list_nth_data (members, i);
          const char *key;
          guint64 size;

          if (_atrium_node_get_stream_ref (node, &key, &size))
            {
              if (call->in_streams == NULL || !g_hash_table_contains (call->in_streams, node))
                _atrium_media_server_release_upload (call->media, key);
            }
          else if (JSON_NODE_HOLDS_ARRAY (node))
            g_ptr_array_add (stack, json_node_get_array (node));
          else if (JSON_NODE_HOLDS_OBJECT (node))
            g_ptr_array_add (stack, GSIZE_TO_POINTER (GPOINTER_TO_SIZE (json_node_get_object (node)) | 1));
        }
    }
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
  GCancellable *cancellable;

  g_return_if_fail (call != NULL);

  if (!g_atomic_ref_count_dec (&call->ref_count))
    return;

  /* Before the arguments go. */
  if (call->has_streams && call->media != NULL)
    release_unclaimed (call);
  g_clear_pointer (&call->method, _atrium_method_unref);
  g_clear_pointer (&call->message, json_node_unref);
  call->args = NULL;
  cancellable = g_atomic_pointer_exchange (&call->cancellable, NULL);
  g_clear_object (&cancellable);
  if (call->result != NULL)
    g_string_free (g_steal_pointer (&call->result), TRUE);
  g_clear_pointer (&call->result_parts, g_ptr_array_unref);
  g_clear_pointer (&call->arg_parts, _atrium_bytes_parts_unref);
  g_clear_error (&call->error);
  /* A stream result the page never got (the call was cancelled, or its
   * window closed): the app learns it from the stream's close. */
  if (call->stream != NULL)
    {
      g_input_stream_close (call->stream, NULL, NULL);
      g_clear_object (&call->stream);
    }
  g_clear_pointer (&call->stream_type, g_free);
  g_clear_pointer (&call->in_streams, g_hash_table_unref);
  g_clear_object (&call->media);

  /* WebKit objects may only be released on the main thread; a call that an
   * async method dropped on a worker without finishing gets there late. */
  if ((call->reply != NULL || call->context != NULL || call->user_message != NULL)
      && !_atrium_is_main_thread ())
    {
      g_idle_add_full (G_PRIORITY_DEFAULT, release_on_main_cb, call, NULL);
      return;
    }

  release (call);
}

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

  if (call->arg_parts != NULL)
    _atrium_bytes_parts_reveal (call->arg_parts);
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
  if (call->arg_parts != NULL)
    _atrium_bytes_parts_reveal_arg (call->arg_parts, index);
  return json_array_get_element (call->args, index);
}

/**
 * atrium_call_get_cancellable:
 *
 * Safe from any thread. The cancellable is made on first request, so calls
 * whose methods never ask do not pay for one.
 *
 * Returns: (transfer none): cancelled when the page cancels the call
 *   (`p.cancel()`) or its window closes; long-running methods watch it
 */
GCancellable *
atrium_call_get_cancellable (AtriumCall *call)
{
  GCancellable *cancellable;

  g_return_val_if_fail (call != NULL, NULL);

  cancellable = g_atomic_pointer_get (&call->cancellable);
  if (cancellable != NULL)
    return cancellable;

  cancellable = g_cancellable_new ();
  if (!g_atomic_pointer_compare_and_exchange (&call->cancellable, NULL, cancellable))
    {
      g_object_unref (cancellable);
      return g_atomic_pointer_get (&call->cancellable);
    }

  /* A cancel that came before the cancellable existed still counts. */
  if (g_atomic_int_get (&call->cancelled))
    g_cancellable_cancel (cancellable);
  return cancellable;
}

/* Any thread. */
void
_atrium_call_cancel (AtriumCall *call)
{
  GCancellable *cancellable;

  g_atomic_int_set (&call->cancelled, TRUE);
  cancellable = g_atomic_pointer_get (&call->cancellable);
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
}

/**
 * atrium_call_is_cancelled:
 *
 * Returns: whether the page or the window cancelled the call; cheaper than
 *   asking the cancellable, for methods that poll
 */
gboolean
atrium_call_is_cancelled (AtriumCall *call)
{
  g_return_val_if_fail (call != NULL, FALSE);
  return g_atomic_int_get (&call->cancelled);
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
  return call->window;
}

/* Takes over the method's reference. */
static void
finish (AtriumCall *call)
{
  if (_atrium_is_main_thread ())
    {
      if (call->deliver != NULL)
        call->deliver (call);
      atrium_call_unref (call);
    }
  else if (!_atrium_channel_push (results, call))
    {
      /* The channel is full and nobody attends it (the app quits or
       * has quit): nobody is left to answer. */
      atrium_call_unref (call);
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
 * so a worker pays for its own encoding. Finishing a call twice is a
 * programming error: the second finish is refused with a critical.
 */
void
atrium_call_return_value (AtriumCall *call,
                          JsonNode   *result)
{
  g_return_if_fail (call != NULL);

  if (!claim (call, G_STRFUNC))
    {
      g_clear_pointer (&result, json_node_unref);
      return;
    }

  /* A string goes through the extension as itself: the page neither
   * parses it nor does C escape it (a 1 MiB string scanned twice less). */
  if (call->by_extension && result != NULL && JSON_NODE_HOLDS_VALUE (result)
      && json_node_get_value_type (result) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (result);
      gsize length = strlen (text);

      if (g_utf8_validate_len (text, length, NULL))
        {
          call->result = g_string_new_len (text, length);
          call->result_is_string = TRUE;
          json_node_unref (result);
          finish (call);
          return;
        }
    }

  call->result = g_string_sized_new (256);
  if (call->by_extension)
    {
      /* Binary values go apart from the JSON, as bytes (atrium-wire.c). */
      call->result_parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      if (_atrium_bytes_write_parts (call->result, result, call->result_parts, call->arg_parts)
          == G_MAXUINT)
        {
          g_string_free (g_steal_pointer (&call->result), TRUE);
          g_clear_pointer (&call->result_parts, g_ptr_array_unref);
          call->error = g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                                     "The result of %s holds a binary value that is not base64",
                                     call->method->name);
        }
    }
  /* A result holding binary values says so with one byte in front (see
   * atrium-bytes.c), so the runtime looks for them only then. */
  else if (_atrium_bytes_write (call->result, result) > 0)
    g_string_prepend_c (call->result, ATRIUM_BYTES_FRAME);
  g_clear_pointer (&result, json_node_unref);

  finish (call);
}

/**
 * atrium_call_return_bytes:
 * @call: (transfer full): the call
 * @bytes: (transfer none): the result
 *
 * Finishes @call with @bytes: the page receives a `Uint8Array`. To return
 * bytes inside a larger value, put an atrium_bytes_node_new() node in it
 * and use atrium_call_return_value().
 */
void
atrium_call_return_bytes (AtriumCall *call,
                          GBytes     *bytes)
{
  g_return_if_fail (call != NULL);
  g_return_if_fail (bytes != NULL);

  /* Through the extension the bytes go as they are, never as base64. */
  if (call->by_extension)
    {
      if (!claim (call, G_STRFUNC))
        return;
      call->result = g_string_new ("{\"" ATRIUM_BYTES_KEY "\":0}");
      call->result_parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_ptr_array_add (call->result_parts, g_bytes_ref (bytes));
      finish (call);
      return;
    }
  atrium_call_return_value (call, atrium_bytes_node_new (bytes));
}

/* A binary value that came through the web process extension is known
 * already: its member is sealed, so its base64 still says these bytes. */
static GBytes *
get_bytes (AtriumCall  *call,
           JsonNode    *node,
           GError     **error)
{
  if (call->arg_parts != NULL && atrium_node_holds_bytes (node))
    {
      JsonNode *member = json_object_get_member (json_node_get_object (node), ATRIUM_BYTES_KEY);
      GBytes *bytes = _atrium_bytes_parts_lookup (call->arg_parts, member);

      if (bytes != NULL)
        return g_bytes_ref (bytes);
    }
  return atrium_bytes_node_get_bytes (node, error);
}

/**
 * atrium_call_get_bytes_for_node:
 * @call: the call
 * @node: (nullable): a node from the call's arguments
 * @error: return location for a #GError
 *
 * Decodes a binary value the page sent anywhere in the arguments (an
 * `ArrayBuffer`, a typed array, a `DataView`, a `Blob` or a `File`):
 * in the argument tree, each is a node of the shape described at
 * %ATRIUM_BYTES_KEY, which atrium_node_holds_bytes() recognises, and a
 * page cannot make a node of that shape any other way. Each call decodes
 * again, so keep the result. Safe on any thread.
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL with @error set
 *   to %ATRIUM_ERROR_BAD_ARGS when @node is not a binary value
 */
GBytes *
atrium_call_get_bytes_for_node (AtriumCall  *call,
                                JsonNode    *node,
                                GError     **error)
{
  g_return_val_if_fail (call != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return get_bytes (call, node, error);
}

/**
 * atrium_call_get_bytes:
 * @call: the call
 * @index: which argument, from 0
 * @error: return location for a #GError
 *
 * atrium_call_get_bytes_for_node() for a top-level argument.
 *
 * Returns: (transfer full) (nullable): the bytes of argument @index, or
 *   %NULL with @error set to %ATRIUM_ERROR_BAD_ARGS when the page passed
 *   no binary value there
 */
GBytes *
atrium_call_get_bytes (AtriumCall  *call,
                       guint        index,
                       GError     **error)
{
  JsonNode *node;
  GBytes *bytes;

  g_return_val_if_fail (call != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Through the extension, without giving the arguments their base64. */
  if (call->arg_parts != NULL
      && (bytes = _atrium_bytes_parts_get_arg (call->arg_parts, index)) != NULL)
    return bytes;
  node = atrium_call_get_arg (call, index);
  if (!atrium_node_holds_bytes (node))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "Argument %u of %s is not bytes", index, call->method->name);
      return NULL;
    }
  return get_bytes (call, node, error);
}

/**
 * atrium_call_return_stream:
 * @call: (transfer full): the call
 * @stream: (transfer none): the result's bytes
 * @content_type: (nullable): their MIME type, such as `image/png`; %NULL
 *   for `application/octet-stream`
 * @size: the number of bytes @stream gives, or -1 when it is not known
 *
 * Finishes @call with a stream: the page receives a `Response` whose body
 * is @stream, read only as fast as the page reads it (`await
 * r.arrayBuffer()`, `r.body.getReader()`, `await r.blob()`), so a stream
 * of any size never sits in memory on either side.
 *
 * libatrium takes a reference to @stream and reads it on a thread of its
 * loopback route (a call that came through the web process extension: on
 * GIO's shared thread pool, with g_input_stream_read_all_async()), never
 * the main thread: a stream whose reads block (a pipe, say) holds that
 * thread meanwhile, so give it a stream that can keep up, and read
 * anything that needs the main thread elsewhere first. Through the
 * extension the stream is closed on the main thread.
 * The stream is closed (g_input_stream_close()) once the page has read it
 * all, or when the page drops or cancels the body (`p.cancel()` or
 * `r.body.cancel()`), the call is cancelled before its answer goes, the
 * window closes, or the page has not begun to read it 30 seconds after the
 * answer; a stream that must not be cut short learns of it there. Reads
 * are given a cancellable that is cancelled when the window closes.
 *
 * With @size known, the stream must give exactly @size bytes: a stream
 * that ends sooner fails the body in the page with a network error; one
 * with more is cut at @size. With -1 the body ends where the stream does.
 *
 * The page gets `queue-full` when the window has 64 streams that it has
 * not begun to read (through the extension also when it holds 256 open),
 * and, over script messages, `not-supported` when the app has no loopback
 * route (it serves from a dev server, or could not listen). Through the
 * extension the stream is read on GIO's threads
 * (g_input_stream_read_all_async(), 16 reads at a time per window) and
 * closed on the main thread: give it one whose close does not block.
 */
void
atrium_call_return_stream (AtriumCall   *call,
                           GInputStream *stream,
                           const char   *content_type,
                           goffset       size)
{
  g_return_if_fail (call != NULL);
  g_return_if_fail (G_IS_INPUT_STREAM (stream));
  g_return_if_fail (size >= -1);

  if (!claim (call, G_STRFUNC))
    return;

  call->stream = g_object_ref (stream);
  call->stream_type = g_strdup (content_type != NULL ? content_type : "application/octet-stream");
  call->stream_size = size;
  finish (call);
}

/**
 * atrium_call_get_stream:
 * @call: the call
 * @index: which argument, from 0
 * @error: return location for a #GError
 *
 * Reads argument @index as a stream. A `Blob` or `File` the page passed as
 * `atrium.stream(blob)` is never read whole: it goes up on its own (a
 * request to libatrium's loopback route, paced by TCP), and the stream
 * gives its bytes as they come, so a file of gigabytes can be hashed,
 * copied or parsed with little memory. Any other binary value the page
 * sent gives a stream over its bytes (a plain `Blob` is read whole first,
 * as for atrium_call_get_bytes()).
 *
 * Reading blocks until the page's bytes arrive: read on a worker
 * (%ATRIUM_BIND_WORKER) or asynchronously, not on the main thread. Reads
 * fail with %G_IO_ERROR_CANCELLED once the page cancels the call or its
 * window closes, with %G_IO_ERROR_TIMED_OUT when the page sends nothing for
 * 30 seconds, and with %G_IO_ERROR_FAILED when the page's body ends early.
 * The stream gives exactly the `Blob`'s size (it is also in the argument:
 * `{"$atrium-bytes": {"stream": …, "size": N}}`). Asking twice for the same
 * argument gives the same stream.
 *
 * Returns: (transfer full) (nullable): the stream, or %NULL with @error set
 *   to %ATRIUM_ERROR_BAD_ARGS when the page passed neither a stream nor
 *   bytes there, %ATRIUM_ERROR_NOT_SUPPORTED without a loopback route
 */
GInputStream *
atrium_call_get_stream (AtriumCall  *call,
                        guint        index,
                        GError     **error)
{
  JsonNode *node;
  const char *key;
  guint64 size;
  GInputStream *stream = NULL;
  GBytes *parts_bytes;

  g_return_val_if_fail (call != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Through the extension, without giving the arguments their base64. */
  if (call->arg_parts != NULL
      && (parts_bytes = _atrium_bytes_parts_get_arg (call->arg_parts, index)) != NULL)
    {
      stream = g_memory_input_stream_new_from_bytes (parts_bytes);
      g_bytes_unref (parts_bytes);
      return stream;
    }
  node = atrium_call_get_arg (call, index);
  if (atrium_node_holds_bytes (node))
    {
      g_autoptr(GBytes) bytes = get_bytes (call, node, error);

      return bytes != NULL ? g_memory_input_stream_new_from_bytes (bytes) : NULL;
    }
  if (!_atrium_node_get_stream_ref (node, &key, &size))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "Argument %u of %s is not a stream", index, call->method->name);
      return NULL;
    }
  if (call->media == NULL)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                           "Streams need the loopback route, which this app does not have");
      return NULL;
    }

  g_mutex_lock (&streams_lock);
  if (call->in_streams == NULL)
    call->in_streams = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  stream = g_hash_table_lookup (call->in_streams, node);
  if (stream != NULL)
    g_object_ref (stream);
  else
    {
      stream = _atrium_media_server_claim_upload (call->media, key, size,
                                                  atrium_call_get_cancellable (call), error);
      if (stream != NULL)
        g_hash_table_insert (call->in_streams, node, g_object_ref (stream));
    }
  g_mutex_unlock (&streams_lock);
  return stream;
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

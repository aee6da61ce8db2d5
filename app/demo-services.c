#include "config.h"

#include "demo-services.h"

#include <string.h>

/* The services the launcher binds for every page it loads. */

/* echo: the argument back, bytes as bytes (the benches bind it too). */
void
demo_echo_cb (AtriumCall *call,
              gpointer    user_data)
{
  g_autoptr(GBytes) bytes = atrium_call_get_bytes (call, 0, NULL);
  JsonNode *arg;

  /* Bytes as bytes: reading them as JSON would make their base64. */
  if (bytes != NULL)
    {
      atrium_call_return_bytes (call, bytes);
      return;
    }
  /* The argument itself, not a copy: it is written out before it goes. */
  arg = atrium_call_get_arg (call, 0);
  atrium_call_return_value (call, arg != NULL ? json_node_ref (arg) : NULL);
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

/* demo.bytes(n): n bytes, byte i being i & 255, so that pages and tests
 * can pull binary values without sending any. On a worker: 64 MiB take a
 * moment to make and encode. At most the app's message limit. */
static void
demo_bytes_cb (AtriumCall *call,
               gpointer    user_data)
{
  AtriumApp *app = user_data;
  JsonNode *arg = atrium_call_get_arg (call, 0);
  gsize max = atrium_app_get_max_message_size (app);
  g_autoptr(GBytes) bytes = NULL;
  guint8 *data;
  double n;

  if (arg == NULL || !JSON_NODE_HOLDS_VALUE (arg)
      || (json_node_get_value_type (arg) != G_TYPE_INT64
          && json_node_get_value_type (arg) != G_TYPE_DOUBLE)
      || (n = json_node_get_double (arg)) < 0 || n != (double) (gint64) n)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "demo.bytes(n) takes a whole number of bytes from 0 to %"
                                G_GSIZE_FORMAT, max);
      return;
    }
  if (n > (double) max)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_TOO_LARGE,
                                "demo.bytes(n) makes at most %" G_GSIZE_FORMAT
                                " bytes, the message limit", max);
      return;
    }

  data = g_malloc ((gsize) n + 1);
  for (gsize i = 0; i < (gsize) n; i++)
    data[i] = i & 255;
  bytes = g_bytes_new_take (data, (gsize) n);
  atrium_call_return_bytes (call, bytes);
}

/* demo.stream(n): a stream of n bytes, byte i being i & 255, made as it
 * is read, never held: a GInputStream of its own that fills each read from
 * one 256-byte period of the pattern. */
#define DEMO_TYPE_PATTERN_STREAM (demo_pattern_stream_get_type ())
G_DECLARE_FINAL_TYPE (DemoPatternStream, demo_pattern_stream, DEMO, PATTERN_STREAM, GInputStream)

struct _DemoPatternStream
{
  GInputStream parent_instance;
  guint64      size;
  guint64      position;
};

G_DEFINE_FINAL_TYPE (DemoPatternStream, demo_pattern_stream, G_TYPE_INPUT_STREAM)

static int pattern_streams_open;
static guint8 pattern[512];

static gssize
demo_pattern_stream_read (GInputStream  *stream,
                          void          *buffer,
                          gsize          count,
                          GCancellable  *cancellable,
                          GError       **error)
{
  DemoPatternStream *self = DEMO_PATTERN_STREAM (stream);
  gsize n = MIN (count, self->size - self->position);
  guint8 *out = buffer;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  for (gsize done = 0; done < n;)
    {
      gsize offset = (self->position + done) & 255;
      gsize piece = MIN (n - done, 256);

      memcpy (out + done, pattern + offset, piece);
      done += piece;
    }
  self->position += n;
  return n;
}

static gboolean
demo_pattern_stream_close (GInputStream  *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_atomic_int_dec_and_test (&pattern_streams_open);
  return TRUE;
}

static void
demo_pattern_stream_class_init (DemoPatternStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  stream_class->read_fn = demo_pattern_stream_read;
  stream_class->close_fn = demo_pattern_stream_close;
  for (guint i = 0; i < G_N_ELEMENTS (pattern); i++)
    pattern[i] = i & 255;
}

static void
demo_pattern_stream_init (DemoPatternStream *self)
{
}

GInputStream *
demo_pattern_stream_new (guint64 n)
{
  DemoPatternStream *self = g_object_new (DEMO_TYPE_PATTERN_STREAM, NULL);

  self->size = n;
  g_atomic_int_inc (&pattern_streams_open);
  return G_INPUT_STREAM (self);
}

guint
demo_pattern_streams_open (void)
{
  return g_atomic_int_get (&pattern_streams_open);
}

/* demo.stream(n, sized = true): n bytes (up to 2^53) as a stream; with
 * sized false the page is not told the length (a chunked body). */
static void
demo_stream_cb (AtriumCall *call,
                gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);
  JsonNode *sized = atrium_call_get_arg (call, 1);
  g_autoptr(GInputStream) stream = NULL;
  double n;

  if (arg == NULL || !JSON_NODE_HOLDS_VALUE (arg)
      || (json_node_get_value_type (arg) != G_TYPE_INT64
          && json_node_get_value_type (arg) != G_TYPE_DOUBLE)
      || (n = json_node_get_double (arg)) < 0 || n > 9007199254740991.0
      || n != (double) (gint64) n
      || (sized != NULL && !JSON_NODE_HOLDS_NULL (sized)
          && (!JSON_NODE_HOLDS_VALUE (sized)
              || json_node_get_value_type (sized) != G_TYPE_BOOLEAN)))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "demo.stream(n, sized) takes a whole number of bytes from 0 to "
                                "2^53 - 1 and an optional boolean");
      return;
    }
  stream = demo_pattern_stream_new ((guint64) n);
  atrium_call_return_stream (call, stream, "application/octet-stream",
                             sized == NULL || JSON_NODE_HOLDS_NULL (sized)
                             || json_node_get_boolean (sized) ? (goffset) n : -1);
}

/* demo.sha256(data): the SHA-256 of the bytes the page sent, in hex, so a
 * page can check what C received. */
static void
demo_sha256_cb (AtriumCall *call,
                gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = atrium_call_get_bytes (call, 0, &error);
  g_autofree char *digest = NULL;
  JsonNode *result;

  if (bytes == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "demo.sha256(data) takes binary data: %s", error->message);
      return;
    }
  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  result = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (result, digest);
  atrium_call_return_value (call, result);
}

/* demo.sha256Stream(blob): the SHA-256, in hex, of a Blob the page sent
 * as atrium.stream(blob) (or of any binary value), read as it arrives in
 * 64 KiB pieces: a file of any size is hashed in little memory. On a
 * worker, since reads wait for the page's bytes. */
static void
demo_sha256_stream_cb (AtriumCall *call,
                       gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = atrium_call_get_stream (call, 0, &error);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = NULL;
  JsonNode *result;
  gssize n;

  if (stream == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "demo.sha256Stream(blob) takes atrium.stream(blob): %s",
                                error->message);
      return;
    }
  buffer = g_malloc (64 * 1024);
  while ((n = g_input_stream_read (stream, buffer, 64 * 1024, NULL, &error)) > 0)
    g_checksum_update (checksum, buffer, n);
  if (n < 0)
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  result = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (result, g_checksum_get_string (checksum));
  atrium_call_return_value (call, result);
}

/* demo.emit(name, count, bytes): count events named name, each
 * {seq: i, payload: "<bytes characters>"}, to the calling window, emitted
 * from a worker thread. The window's id is taken here, on the main thread;
 * the worker only ever sees the id. Resolves with count once all are
 * queued; a full queue makes the worker wait for the page. */
typedef struct
{
  AtriumApp  *app;
  AtriumCall *call;
  char       *name;
  guint       window_id;
  gint64      count;
  gint64      bytes;
} EmitJob;

static void
emit_job_free (EmitJob *job)
{
  g_object_unref (job->app);
  g_free (job->name);
  g_free (job);
}

static void
demo_emit_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  EmitJob *job = task_data;
  g_autofree char *payload = g_malloc (job->bytes + 1);
  g_autoptr(JsonNode) data = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *result;

  memset (payload, 'x', job->bytes);
  payload[job->bytes] = '\0';
  /* One object, its seq updated in place: the payload is not copied per
   * event (the emit encodes the data before it returns). */
  json_object_set_int_member (object, "seq", 0);
  json_object_set_string_member (object, "payload", payload);
  json_node_set_object (data, object);

  for (gint64 i = 0; i < job->count; i++)
    {
      json_object_set_int_member (object, "seq", i);
      if (!atrium_app_emit_to (job->app, job->window_id, job->name, data, &error))
        {
          atrium_call_return_gerror (g_steal_pointer (&job->call), error);
          return;
        }
    }

  result = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (result, job->count);
  atrium_call_return_value (g_steal_pointer (&job->call), result);
}

static gboolean
get_count (JsonNode *node,
           gint64    max,
           gint64   *out)
{
  double value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || (json_node_get_value_type (node) != G_TYPE_INT64
          && json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return FALSE;
  value = json_node_get_double (node);
  if (value < 0 || value > max || value != (double) (gint64) value)
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

static void
demo_emit_cb (AtriumCall *call,
              gpointer    user_data)
{
  AtriumApp *app = user_data;
  AtriumWindow *window = atrium_call_get_window (call);
  JsonNode *name = atrium_call_get_arg (call, 0);
  g_autoptr(GTask) task = NULL;
  EmitJob *job;
  gint64 count, bytes;

  if (name == NULL || !JSON_NODE_HOLDS_VALUE (name)
      || json_node_get_value_type (name) != G_TYPE_STRING
      || !get_count (atrium_call_get_arg (call, 1), 10000000, &count)
      || !get_count (atrium_call_get_arg (call, 2), 64 * 1024 * 1024, &bytes))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "demo.emit(name, count, bytes) takes a name and two counts");
      return;
    }
  if (window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_CANCELLED, "The window has closed");
      return;
    }

  job = g_new0 (EmitJob, 1);
  job->app = g_object_ref (app);
  job->call = call;
  job->name = g_strdup (json_node_get_string (name));
  job->window_id = atrium_window_get_id (window);
  job->count = count;
  job->bytes = bytes;

  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) emit_job_free);
  g_task_run_in_thread (task, demo_emit_thread);
}

/* app.open_window(path): opens another window of the app on one of its
 * pages and returns the new window's id. */
static void
app_open_window_cb (AtriumCall *call,
                    gpointer    user_data)
{
  AtriumApp *app = user_data;
  JsonNode *path = atrium_call_get_arg (call, 0);
  AtriumWindow *window;
  JsonNode *result;
  g_autoptr(GError) error = NULL;

  if (path == NULL || !JSON_NODE_HOLDS_VALUE (path)
      || json_node_get_value_type (path) != G_TYPE_STRING
      || json_node_get_string (path)[0] != '/')
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "app.open_window(path) takes a path in the app, such as \"/\"");
      return;
    }

  /* Each window is a web process of its own: the page gets no more than
   * the app allows it through window.open(). */
  if (!atrium_app_may_open_window (app, &error))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_FAILED, "%s", error->message);
      return;
    }

  window = atrium_app_open_window (app, json_node_get_string (path));
  result = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (result, atrium_window_get_id (window));
  atrium_call_return_value (call, result);
}

/* Every demo.ping a page emits comes back to that page as demo.pong. */
static void
demo_ping_cb (AtriumApp    *app,
              const char   *name,
              JsonNode     *data,
              AtriumWindow *sender,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (sender == NULL)
    return;
  if (!atrium_app_emit_to (app, atrium_window_get_id (sender), "demo.pong", data, &error))
    g_message ("demo.pong: %s", error->message);
}

/* What --emit-dts and --emit-js write for each demo method. */
static const struct
{
  const char *name;
  const char *signature;
  const char *doc;
} signatures[] = {
  { "echo", "(value: unknown) => unknown", "Returns its argument unchanged." },
  { "echo.worker", "(value: unknown) => unknown",
    "Returns its argument unchanged, from a worker thread." },
  { "demo.sleep", "(ms: number) => number",
    "Sleeps ms milliseconds on a worker and returns ms; cancel() stops it early." },
  { "demo.fail", "(message?: string) => never", "Always rejects with code failed and message." },
  { "demo.emit", "(name: string, count: number, bytes: number) => number",
    "Emits count events {seq, payload} named name to the calling window; returns count." },
  { "demo.bytes", "(n: number) => bytes",
    "Returns n bytes, byte i being i & 255 (at most the message limit)." },
  { "demo.sha256", "(data: bytes) => string",
    "The SHA-256 of data, in hex: what C received." },
  { "demo.sha256Stream", "(data: stream) => string",
    "The SHA-256 of a Blob sent as atrium.stream(blob), in hex, read as it arrives." },
  { "demo.stream", "(n: number, sized?: boolean) => stream",
    "A stream of n bytes, byte i being i & 255, made as the page reads it; sized false hides its length." },
  { "app.version", "() => string", "The libatrium version, such as \"0.1.0\"." },
  { "app.quit", "(code?: number) => null", "Quits the launcher with exit status code (0-255)." },
  { "app.open_window", "(path: string) => number",
    "Opens another window on path (\"/...\") and returns its window id." },
};

void
demo_services_bind (AtriumApp *app)
{
  atrium_app_bind (app, "demo.emit", demo_emit_cb, app, NULL, ATRIUM_BIND_ASYNC);
  atrium_app_bind (app, "app.open_window", app_open_window_cb, app, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_on (app, "demo.ping", demo_ping_cb, NULL, NULL);
  atrium_app_bind (app, "echo", demo_echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "echo.worker", demo_echo_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "demo.sleep", demo_sleep_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "demo.fail", demo_fail_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "demo.bytes", demo_bytes_cb, app, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "demo.sha256", demo_sha256_cb, NULL, NULL, ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "demo.stream", demo_stream_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "demo.sha256Stream", demo_sha256_stream_cb, NULL, NULL,
                   ATRIUM_BIND_WORKER);
  atrium_app_bind (app, "app.quit", app_quit_cb, app, NULL, ATRIUM_BIND_DEFAULT);
  atrium_app_bind (app, "app.version", app_version_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);

  for (gsize i = 0; i < G_N_ELEMENTS (signatures); i++)
    {
      g_autoptr(GError) error = NULL;

      if (!atrium_app_set_signature (app, signatures[i].name, signatures[i].signature,
                                     signatures[i].doc, &error))
        g_error ("%s", error->message);
    }
}

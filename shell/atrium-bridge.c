#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-bridge-private.h"
#include "atrium-builtins-private.h"
#include "atrium-bytes-private.h"
#include "atrium-call-message-private.h"
#include "atrium-wire-private.h"

#include <stdio.h>
#include <string.h>
#include <gio/gunixfdlist.h>

#include "atrium-events-private.h"
#include "atrium-json-private.h"
#include "atrium-log-limit-private.h"
#include "atrium-media-server-private.h"
#include "atrium-pull-streams-private.h"
#include "atrium-window-private.h"

/* One bridge per window: it owns the window's script message handlers, turns
 * each message into an AtriumCall, dispatches it by the method's flags and
 * sends the reply. It also keeps the calls in flight, so that when the window
 * closes their replies are dropped instead of sent to a dead page. */
struct _AtriumBridge
{
  GObject                   parent_instance;

  AtriumBridgeSetup         setup;         /* its owner held until we close; all NULL after */
  AtriumWindow             *window;        /* owns us */
  WebKitUserContentManager *manager;
  GHashTable               *calls;         /* AtriumCall → itself, holds a ref */
  GHashTable               *page_ids;      /* the runtime's id → AtriumCall */
  GHashTable               *early_cancels; /* ids cancelled before they came */
  GHashTable               *uploads;       /* key → Upload: bodies waiting for their call */
  guint64                   uploads_received;
  gint64                    upload_lifetime; /* µs: UPLOAD_LIFETIME but in tests */
  WebKitWebView            *view;          /* the extension's messages come from it */
  AtriumPullStreams        *pulls;         /* streams the page reads through the extension */
  guint64                   page_serial;   /* counts the pages the window has committed */
  gulong                    user_message_handler;
  guint64                   script_calls;  /* calls that came by each transport */
  guint64                   extension_calls;
  guint64                   extension_refused;  /* the extension's messages refused */
  gulong                    call_handler;
  gulong                    cancel_handler;
  gulong                    event_handler;
  gulong                    poll_handler;
  gulong                    console_handler;
  gulong                    open_handler;
};



G_DEFINE_FINAL_TYPE (AtriumBridge, _atrium_bridge, G_TYPE_OBJECT)

#define EARLY_CANCELS_MAX 1024

/* Uploads waiting for the call message that claims them: at most this
 * many, for at most UPLOAD_LIFETIME, and none past the page that sent
 * them (_atrium_bridge_page_changed()), so a page that uploads and never
 * claims cannot pin more. Their bodies stay unread, in WebKit's keeping,
 * until then; unread, their size is unknown, so the count is what bounds
 * them. Past it the runtime sends its call as a plain message. */
#define UPLOAD_LIFETIME (30 * G_USEC_PER_SEC)

/* An upload kept under its key. Its body is opened only when the runtime
 * claims it: in WebKitGTK 2.50 merely asking WebKit for a body that holds a
 * Blob crashes the UI process, and only the claim, which carries the
 * token, proves that the request was the runtime's, whose body is a
 * string (see atrium-scheme-request.c). */
typedef struct
{
  GObject              *source;     /* NULL once two requests named the key */
  AtriumUploadOpenFunc  open_body;
  gint64                expires;    /* monotonic µs */
} Upload;

static void
upload_free (Upload *upload)
{
  g_clear_object (&upload->source);
  g_free (upload);
}

/* Reads a side message (event, poll, cancel, console): a string that starts
 * with the token. Returns its bytes, with @payload and @length describing
 * what follows the token; %NULL with @error set otherwise. */
static GBytes *
read_message (AtriumBridge  *self,
              JSCValue      *value,
              const char    *what,
              const char   **payload,
              gsize         *length,
              GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  const char *data;
  gsize size;

  if (!jsc_value_is_string (value))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s must be a string", what);
      return NULL;
    }

  bytes = jsc_value_to_string_as_bytes (value);
  data = g_bytes_get_data (bytes, &size);
  if (size > 0 && data[size - 1] == '\0')
    size--;
  if (!_atrium_token_matches (data, size, self->setup.token))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                           "The message does not come from the app's runtime");
      return NULL;
    }

  *payload = data + ATRIUM_TOKEN_LENGTH;
  *length = size - ATRIUM_TOKEN_LENGTH;
  return g_steal_pointer (&bytes);
}

/* Returns: (transfer full): {"code":…,"message":…}, what the runtime turns
 * into an AtriumError. */
char *
_atrium_bridge_error_to_json (const GError *error)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) object = json_object_new ();
  AtriumError code = error->domain == ATRIUM_ERROR ? error->code : ATRIUM_ERROR_FAILED;
  GString *text = g_string_new (NULL);

  json_object_set_string_member (object, "code", atrium_error_to_code (code));
  json_object_set_string_member (object, "message", error->message);
  json_node_set_object (node, object);
  _atrium_json_write (text, node);

  return g_string_free (text, FALSE);
}

static void
reply_error (WebKitScriptMessageReply *reply,
             const GError             *error)
{
  g_autofree char *json = _atrium_bridge_error_to_json (error);

  webkit_script_message_reply_return_error_message (reply, json);
}

/* Answers a call that came through the web process extension: the body
 * and the parts as atrium-wire-private.h says. A part that cannot be made
 * (no memory for a memfd) turns the answer into that error. */
static void
wire_reply (WebKitUserMessage   *message,
            AtriumWireReplyKind  kind,
            const char          *body,
            gsize                length,
            GPtrArray           *parts)
{
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree GVariant **part_values = NULL;
  GVariant *children[3];
  GVariant *body_part, *params;
  WebKitUserMessage *reply;
  guint n_parts = parts != NULL ? parts->len : 0;
  gboolean large = length >= ATRIUM_WIRE_INLINE_MAX;

  /* A list only for a part that goes as a file: most answers are small,
   * and the list is an object made and dropped for each. */
  for (guint i = 0; !large && parts != NULL && i < parts->len; i++)
    large = g_bytes_get_size (g_ptr_array_index (parts, i)) >= ATRIUM_WIRE_INLINE_MAX;
  if (large)
    fds = g_unix_fd_list_new ();
  part_values = g_new0 (GVariant *, n_parts + 1);
  body_part = _atrium_wire_part_new (body, length, fds, &error);
  for (guint i = 0; body_part != NULL && i < n_parts; i++)
    {
      gconstpointer data;
      gsize size;

      data = g_bytes_get_data (g_ptr_array_index (parts, i), &size);
      part_values[i] = _atrium_wire_part_new (data, size, fds, &error);
      if (part_values[i] == NULL)
        break;
    }

  if (error != NULL)
    {
      g_autofree char *json = _atrium_bridge_error_to_json (error);

      if (body_part != NULL)
        g_variant_unref (g_variant_ref_sink (body_part));
      for (guint i = 0; part_values[i] != NULL; i++)
        g_variant_unref (g_variant_ref_sink (part_values[i]));
      g_clear_object (&fds);
      n_parts = 0;
      kind = ATRIUM_WIRE_REPLY_ERROR;
      /* Inline, whatever its size: no file, so it cannot fail. */
      body_part = _atrium_wire_part_new (json, strlen (json), NULL, NULL);
    }

  /* Built child by child, not through a format string (see atrium-wire.c). */
  children[0] = g_variant_new_uint32 (kind);
  children[1] = body_part;
  children[2] = g_variant_new_array (G_VARIANT_TYPE (ATRIUM_WIRE_PART_TYPE), part_values, n_parts);
  params = g_variant_new_tuple (children, G_N_ELEMENTS (children));
  /* Without files, no list: WebKit then sends no attachments. */
  reply = fds != NULL && g_unix_fd_list_get_length (fds) > 0
    ? webkit_user_message_new_with_fd_list (ATRIUM_WIRE_REPLY, params, fds)
    : webkit_user_message_new (ATRIUM_WIRE_REPLY, params);
  webkit_user_message_send_reply (message, reply);
}

static void
wire_reply_error (WebKitUserMessage *message,
                  const GError      *error)
{
  g_autofree char *json = _atrium_bridge_error_to_json (error);

  wire_reply (message, ATRIUM_WIRE_REPLY_ERROR, json, strlen (json), NULL);
}

/* Answers @call with @error, by whichever transport it came. */
static void
reply_call_error (AtriumCall   *call,
                  const GError *error)
{
  if (call->user_message != NULL)
    wire_reply_error (call->user_message, error);
  else if (call->reply != NULL)
    reply_error (call->reply, error);
}

/* A stream result. A call that came through the extension gets the
 * stream's id in this page's pull streams and {"id":…,"type":…,"size":…};
 * the runtime reads it piece by piece through the extension
 * (atrium-pull-streams.c), which is several times faster than WebKit's
 * network stack. Otherwise the stream waits on the loopback route under a
 * one-time URL for this window, and the page gets 'S' and
 * {"url":…,"type":…,"size":…}, which the runtime fetches at once. Either
 * way the call resolves with a Response. */
static void
reply_stream (AtriumBridge *self,
              AtriumCall   *call)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  AtriumMediaServer *media = self->setup.media;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JSCValue) value = NULL;
  guint64 id = 0;
  GString *text;

  /* The page that made the call has gone: nobody will read the stream, so
   * it is not kept (a pulled one would wait in the next page's table, one
   * on the route for its 30 seconds); the call closes it as it goes. */
  if (call->page_serial != self->page_serial)
    {
      g_set_error_literal (&error, ATRIUM_ERROR, ATRIUM_ERROR_CANCELLED,
                           "The page that made the call has gone");
      reply_call_error (call, error);
      return;
    }

  if (call->user_message != NULL)
    {
      /* The runtime makes the Response with it as a header, which a type
       * the route would refuse cannot be. */
      if (!_atrium_media_check_content_type (call->stream_type, &error))
        {
          reply_call_error (call, error);
          return;
        }
      id = _atrium_pull_streams_add (self->pulls, call->stream, call->stream_size, &error);
      if (id == 0)
        {
          reply_call_error (call, error);
          return;
        }
    }
  else if (media == NULL)
    g_set_error_literal (&error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                         "Streams need the loopback route, which this app does not have "
                         "(it serves from a dev server, or could not listen)");
  else
    url = _atrium_media_server_add_stream (media, call->stream, call->stream_type,
                                           call->stream_size, self, &error);
  if (id == 0 && url == NULL)
    {
      reply_call_error (call, error);
      return;
    }
  /* The route or the pull streams have it now, and close it. */
  g_clear_object (&call->stream);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  if (id != 0)
    {
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, (gint64) id);
    }
  else
    {
      json_builder_set_member_name (builder, "url");
      json_builder_add_string_value (builder, url);
    }
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, call->stream_type);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, call->stream_size);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  if (call->user_message != NULL)
    {
      text = g_string_new (NULL);
      _atrium_json_write (text, node);
      wire_reply (call->user_message, ATRIUM_WIRE_REPLY_STREAM, text->str, text->len, NULL);
      g_string_free (text, TRUE);
      return;
    }
  text = g_string_new ("S");
  _atrium_json_write (text, node);
  bytes = g_string_free_to_bytes (text);
  value = jsc_value_new_string_from_bytes (call->context, bytes);
  webkit_script_message_reply_return_value (call->reply, value);
}

/* Main thread: sends the call's result or error to the page, unless the
 * window has gone, and forgets the call. */
void
_atrium_bridge_deliver (AtriumCall *call)
{
  AtriumBridge *self = call->bridge;

  g_assert (_atrium_call_is_finished (call));

  if (self == NULL || (call->reply == NULL && call->user_message == NULL))
    return;

  if (call->error == NULL && call->stream != NULL)
    reply_stream (self, call);
  else if (call->error != NULL)
    {
      reply_call_error (call, call->error);
    }
  else if (call->user_message != NULL)
    {
      wire_reply (call->user_message,
                  call->result_is_string ? ATRIUM_WIRE_REPLY_STRING : ATRIUM_WIRE_REPLY_VALUE,
                  call->result->str, call->result->len, call->result_parts);
    }
  else
    {
      GString *buffer = g_steal_pointer (&call->result);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(JSCValue) value = NULL;

      /* jsc_value_new_string() converts at ~200 MB/s; from GBytes the same
       * string is made about ten times faster (measured on WebKitGTK 2.50:
       * 5.5 ms against 0.5 ms for 1 MiB). The bytes take the buffer's
       * text over without a copy. */
      bytes = g_string_free_to_bytes (buffer);
      value = jsc_value_new_string_from_bytes (call->context, bytes);
      webkit_script_message_reply_return_value (call->reply, value);
    }

  if (call->page_id != 0 && g_hash_table_lookup (self->page_ids, &call->page_id) == call)
    g_hash_table_remove (self->page_ids, &call->page_id);
  _atrium_call_detach (call);
  g_hash_table_remove (self->calls, call);
}

/* The page cancelled call @page_id and settled its Promise already. If the
 * method has not finished it (a long poll that does not watch its
 * cancellable, say), answer the page's message now, as cancelled, and
 * forget the call: the runtime's lane gets its slot back, and C holds no
 * call the page has given up on. Whatever the method answers later finds
 * no bridge and is dropped. */
static void
forget_cancelled (AtriumBridge *self,
                  gint64        page_id)
{
  g_autoptr(GError) error = NULL;
  AtriumCall *call = g_hash_table_lookup (self->page_ids, &page_id);

  if (call == NULL)
    return;
  error = g_error_new_literal (ATRIUM_ERROR, ATRIUM_ERROR_CANCELLED, "The call was cancelled");
  reply_call_error (call, error);
  g_hash_table_remove (self->page_ids, &page_id);
  _atrium_call_detach (call);
  g_hash_table_remove (self->calls, call);
}

static void
run_main_thread (AtriumCall *call)
{
  g_autoptr(AtriumCall) guard = atrium_call_ref (call);
  AtriumMethod *method = call->method;

  method->func (atrium_call_ref (call), method->user_data);

  if (!(method->flags & ATRIUM_BIND_ASYNC) && !_atrium_call_is_finished (call))
    {
      g_critical ("Method %s returned without finishing its call; bind it with "
                  "ATRIUM_BIND_ASYNC to finish later", method->name);
      atrium_call_return_error (atrium_call_ref (call), ATRIUM_ERROR_FAILED,
                                "The method %s returned no result", method->name);
    }
}

/**
 * _atrium_bridge_add_upload:
 * @key: (array length=key_length): the upload's key, 1 to 32 hex digits,
 *   from the request's query
 * @source: what the body comes from; the bridge keeps a reference
 * @open_body: opens @source's body: called at most once, and only when the
 *   runtime claims @key
 *
 * Keeps a large call message that the runtime sent as the body of a POST
 * to app://localhost/__atrium/upload instead of as a script message: a body
 * arrives as bytes, where getting a JS string of 1 MiB out of a JSCValue
 * costs WebKitGTK 3–5 ms (bench-call). The runtime then sends a short call
 * message that names @key, and _atrium_bridge_claim_upload() reads it.
 *
 * Nothing of the body is read here. A key named twice before its claim is
 * dropped with both bodies: one of the two requests was not the runtime's,
 * and there is no telling which without reading a body that may crash
 * WebKit; the runtime's claim then fails like any for a missing upload.
 *
 * Returns: %TRUE if the upload is kept; %FALSE with @error set to
 *   %ATRIUM_ERROR_FORBIDDEN (the window is closed), %ATRIUM_ERROR_BAD_ARGS
 *   (a malformed key), %G_IO_ERROR_EXISTS (a second request for @key) or,
 *   when too many wait already, %ATRIUM_ERROR_QUEUE_FULL
 */
gboolean
_atrium_bridge_add_upload (AtriumBridge          *self,
                           const char            *key,
                           gsize                  key_length,
                           GObject               *source,
                           AtriumUploadOpenFunc   open_body,
                           GError               **error)
{
  g_autofree char *name = NULL;
  Upload *upload;

  g_return_val_if_fail (ATRIUM_IS_BRIDGE (self), FALSE);
  g_return_val_if_fail (G_IS_OBJECT (source), FALSE);
  g_return_val_if_fail (open_body != NULL, FALSE);

  if (self->manager == NULL)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN, "The window is closed");
      return FALSE;
    }

  if (!_atrium_upload_key_is_valid (key, key_length))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "An upload needs a key of 1 to 32 hex digits");
      return FALSE;
    }
  name = g_strndup (key, key_length);

  upload = g_hash_table_lookup (self->uploads, name);
  if (upload != NULL)
    {
      g_clear_object (&upload->source);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                           "Another upload came under this key; both are dropped");
      return FALSE;
    }

  /* Uploads whose calls never came (the runtime claims its own at once). */
  {
    GHashTableIter iter;
    gint64 now = g_get_monotonic_time ();

    g_hash_table_iter_init (&iter, self->uploads);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &upload))
      if (upload->expires <= now)
        g_hash_table_iter_remove (&iter);
  }

  if (g_hash_table_size (self->uploads) >= ATRIUM_BRIDGE_MAX_UPLOADS)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                           "Too many uploads are waiting for their calls");
      return FALSE;
    }

  upload = g_new0 (Upload, 1);
  upload->source = g_object_ref (source);
  upload->open_body = open_body;
  upload->expires = g_get_monotonic_time () + self->upload_lifetime;
  g_hash_table_replace (self->uploads, g_steal_pointer (&name), upload);
  self->uploads_received++;
  return TRUE;
}

/**
 * _atrium_bridge_claim_upload:
 * @key: (array length=key_length): the key a token-checked call message names
 *
 * Takes the upload kept under @key and reads its body: the token first (only
 * its 32 bytes are read of a body without it), then the call message, never
 * more than one byte past the message size limit.
 *
 * Returns: (transfer full) (nullable): the body, token first; %NULL with
 *   @error set to %ATRIUM_ERROR_BAD_ARGS (no such upload, or one whose key
 *   was named twice, or an unreadable body), %ATRIUM_ERROR_FORBIDDEN (no
 *   token) or %ATRIUM_ERROR_TOO_LARGE
 */
GBytes *
_atrium_bridge_claim_upload (AtriumBridge  *self,
                             const char    *key,
                             gsize          key_length,
                             GError       **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GError) local_error = NULL;
  gpointer stolen = NULL;
  Upload *upload;
  gsize max_size, limit;
  gsize n = 0;

  g_return_val_if_fail (ATRIUM_IS_BRIDGE (self), NULL);

  if (_atrium_upload_key_is_valid (key, key_length))
    {
      name = g_strndup (key, key_length);
      g_hash_table_steal_extended (self->uploads, name, NULL, &stolen);
    }
  upload = stolen;
  if (upload == NULL || upload->source == NULL)
    {
      g_clear_pointer (&upload, upload_free);
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "The call names an upload that is not there");
      return NULL;
    }

  body = upload->open_body (upload->source);
  g_clear_pointer (&upload, upload_free);

  max_size = self->setup.max_message_size;
  limit = max_size + ATRIUM_TOKEN_LENGTH;
  data = g_byte_array_sized_new (ATRIUM_TOKEN_LENGTH);
  g_byte_array_set_size (data, ATRIUM_TOKEN_LENGTH);
  if (body == NULL
      || !g_input_stream_read_all (body, data->data, ATRIUM_TOKEN_LENGTH, &n, NULL, &local_error)
      || !_atrium_token_matches ((const char *) data->data, n, self->setup.token))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                           "The upload does not come from the app's runtime");
      return NULL;
    }

  /* The body is in memory already (WebKit's form data): reading it here is
   * a copy, about 0.2 ms per MiB, and there is no partial state to undo. */
  for (;;)
    {
      gsize have = data->len;
      /* Doubling, and never more than one byte past the limit. */
      gsize want = MIN (MAX (have, 64 * 1024), limit + 1 - have);
      gssize got;

      g_byte_array_set_size (data, have + want);
      got = g_input_stream_read (body, data->data + have, want, NULL, &local_error);
      if (got < 0)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                       "The upload could not be read: %s", local_error->message);
          return NULL;
        }
      g_byte_array_set_size (data, have + got);
      if (got == 0)
        break;
      /* A message with binary values counts them at their decoded size:
       * as base64 it may be longer than the limit (atrium-bytes.c). */
      if (data->len > ATRIUM_TOKEN_LENGTH && data->data[ATRIUM_TOKEN_LENGTH] == ATRIUM_BYTES_FRAME)
        limit = _atrium_bytes_raw_limit (max_size) + ATRIUM_TOKEN_LENGTH;
      if (data->len > limit)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                       "The message is over the limit of %" G_GSIZE_FORMAT " bytes", max_size);
          return NULL;
        }
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

/* Makes the call for a decoded message and runs it by its method's flags;
 * %FALSE with @error set (and nothing kept) when no method has its name.
 * @reply and @context answer a script message, @user_message the
 * extension's.
 *
 * The method may close or destroy the window (so may a cancel handler or
 * an event listener in the other handlers): the window's dispose closes
 * the bridge and lets go of it. So every handler that may run app code
 * holds the bridge until it returns; a closed bridge has forgotten its
 * calls, and what comes after finds none. */
static gboolean
start_call (AtriumBridge             *self,
            JsonNode                 *message,
            WebKitScriptMessageReply *reply,
            JSCContext               *context,
            WebKitUserMessage        *user_message,
            AtriumBytesParts         *arg_parts,
            gboolean                  has_streams,
            GError                  **error)
{
  g_autoptr(AtriumBytesParts) owned_parts = arg_parts;
  g_autoptr(JsonNode) owned = message;
  g_autoptr(AtriumMethod) method = NULL;
  const char *name;
  AtriumCall *call;
  gint64 page_id;
  gboolean early_cancel = FALSE;

  name = json_array_get_string_element (json_node_get_array (message), 0);
  method = _atrium_registry_lookup (self->setup.registry, name);
  if (method == NULL)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND, "No method is bound as “%s”", name);
      return FALSE;
    }

  call = _atrium_call_new (method, g_steal_pointer (&owned), self, reply, context);
  if (user_message != NULL)
    _atrium_call_set_user_message (call, user_message);
  call->arg_parts = g_steal_pointer (&owned_parts);
  /* Read from any thread by atrium_call_get_stream(). */
  if (self->setup.media != NULL)
    call->media = g_object_ref (self->setup.media);
  call->has_streams = has_streams;
  call->page_serial = self->page_serial;
  _atrium_call_set_delivery (call, _atrium_bridge_deliver, self->window);
  g_hash_table_add (self->calls, call);
  page_id = call->page_id;
  if (page_id != 0)
    {
      g_hash_table_replace (self->page_ids, &call->page_id, call);
      if (g_hash_table_remove (self->early_cancels, &page_id))
        {
          _atrium_call_cancel (call);
          early_cancel = TRUE;
        }
    }

  if (method->flags & ATRIUM_BIND_WORKER)
    self->setup.run_on_worker (call, self->setup.owner);
  else
    run_main_thread (call);
  /* @call may be gone by now: only its page id is used. */
  if (early_cancel)
    forget_cancelled (self, page_id);

  return TRUE;
}

static gboolean
on_call_message_cb (WebKitUserContentManager *manager,
                    JSCValue                 *value,
                    WebKitScriptMessageReply *reply,
                    AtriumBridge             *self)
{
  g_autoptr(AtriumBridge) hold = g_object_ref (self);   /* see start_call() */
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) message = NULL;
  g_autoptr(GBytes) text = NULL;
  const char *data;
  gsize length;

  /* Only strings: WebKitGTK 2.50 turns an ArrayBuffer in a script message
   * into an empty object. As bytes, the text comes out about a quarter
   * faster than through jsc_value_to_string(), and its length with it. */
  if (jsc_value_is_string (value))
    {
      text = jsc_value_to_string_as_bytes (value);
      data = g_bytes_get_data (text, &length);
      if (length > 0 && data[length - 1] == '\0')
        length--;
    }
  else
    {
      g_set_error_literal (&error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "A call message must be a string");
      goto refuse;
    }

  /* A large call came ahead as an upload (see _atrium_bridge_add_upload());
   * this message only names it: the token, 'U' and the upload's key. The
   * token is checked before the upload's body is touched. */
  if (length > ATRIUM_TOKEN_LENGTH && data[ATRIUM_TOKEN_LENGTH] == 'U'
      && _atrium_token_matches (data, length, self->setup.token))
    {
      GBytes *body = _atrium_bridge_claim_upload (self, data + ATRIUM_TOKEN_LENGTH + 1,
                                                  length - ATRIUM_TOKEN_LENGTH - 1, &error);

      if (body == NULL)
        goto refuse;
      g_bytes_unref (text);
      text = body;
      data = g_bytes_get_data (text, &length);
    }

  /* The runtime keeps at most 4,096 calls in flight and queues the rest
   * in the page; this only stops a page that got around it. */
  if (g_hash_table_size (self->calls) >= ATRIUM_BRIDGE_MAX_CALLS)
    {
      g_set_error (&error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                   "%u calls are in flight already", ATRIUM_BRIDGE_MAX_CALLS);
      goto refuse;
    }

  message = _atrium_call_message_decode_full (data, length, self->setup.token,
                                        self->setup.max_message_size,
                                        self->setup.max_stream_size,
                                        self->setup.max_depth, &error);
  if (message == NULL)
    goto refuse;

  /* A raw newline then '~' is only ever a stream's segment
   * (JSON.stringify writes none). */
  if (!start_call (self, g_steal_pointer (&message), reply, jsc_value_get_context (value), NULL,
                   NULL, data[ATRIUM_TOKEN_LENGTH] == ATRIUM_BYTES_FRAME
                   && g_strstr_len (data, length, "\n~") != NULL,
                   &error))
    goto refuse;
  self->script_calls++;
  return TRUE;

refuse:
  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused a call: %s", error->message);
  reply_error (reply, error);
  return TRUE;
}

/* The runtime's reads of a pull stream, named as calls are so that they
 * travel the same checked path (token, sizes): [PULL_READ, [id, max]] for
 * the next piece, answered with the piece as bytes or null at the end;
 * [PULL_CANCEL, [id]] when the page lets the body go, answered with null.
 * No method can be bound under the prefix. */
#define PULL_PREFIX "atrium:stream."
#define PULL_READ   PULL_PREFIX "read"
#define PULL_CANCEL PULL_PREFIX "cancel"

static void
pull_done (GBytes       *chunk,
           const GError *error,
           gpointer      user_data)
{
  g_autoptr(WebKitUserMessage) user_message = user_data;
  g_autoptr(GPtrArray) parts = NULL;
  static const char marker[] = "{\"" ATRIUM_BYTES_KEY "\":0}";

  if (error != NULL)
    {
      wire_reply_error (user_message, error);
      return;
    }
  if (chunk == NULL)
    {
      wire_reply (user_message, ATRIUM_WIRE_REPLY_VALUE, "null", 4, NULL);
      return;
    }
  parts = g_ptr_array_new ();
  g_ptr_array_add (parts, chunk);
  wire_reply (user_message, ATRIUM_WIRE_REPLY_VALUE, marker, sizeof marker - 1, parts);
}

/* Reads or cancels a pull stream; FALSE with @error set for a message
 * that is neither. */
static gboolean
pull (AtriumBridge       *self,
      JsonNode           *message,
      WebKitUserMessage  *user_message,
      GError            **error)
{
  JsonArray *array = json_node_get_array (message);
  const char *name = json_array_get_string_element (array, 0);
  JsonArray *args = JSON_NODE_HOLDS_ARRAY (json_array_get_element (array, 1))
                    ? json_array_get_array_element (array, 1) : NULL;
  JsonNode *id_node = args != NULL && json_array_get_length (args) >= 1
                      ? json_array_get_element (args, 0) : NULL;
  JsonNode *max_node = args != NULL && json_array_get_length (args) >= 2
                       ? json_array_get_element (args, 1) : NULL;
  gint64 id, max;

  if (id_node == NULL || json_node_get_value_type (id_node) != G_TYPE_INT64
      || (id = json_node_get_int (id_node)) <= 0)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s takes a stream's id", name);
      return FALSE;
    }
  if (strcmp (name, PULL_CANCEL) == 0)
    {
      _atrium_pull_streams_cancel (self->pulls, (guint64) id);
      wire_reply (user_message, ATRIUM_WIRE_REPLY_VALUE, "null", 4, NULL);
      return TRUE;
    }
  if (strcmp (name, PULL_READ) != 0)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND, "No method is bound as “%s”",
                   name);
      return FALSE;
    }
  if (max_node == NULL || json_node_get_value_type (max_node) != G_TYPE_INT64
      || (max = json_node_get_int (max_node)) <= 0 || max > ATRIUM_PULL_READ_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "%s takes a stream's id and 1 to %u bytes", name, ATRIUM_PULL_READ_MAX);
      return FALSE;
    }
  _atrium_pull_streams_read (self->pulls, (guint64) id, (gsize) max, pull_done,
                             g_object_ref (user_message));
  return TRUE;
}

/* A call through the web process extension (shell/extension/): a user
 * message whose parameters atrium-wire-private.h describes. The token, the
 * sizes and each memfd are checked before anything is mapped or parsed
 * (_atrium_wire_decode_call()); after that it is a call like any. */
static gboolean
on_user_message_cb (WebKitWebView     *view,
                    WebKitUserMessage *user_message,
                    AtriumBridge      *self)
{
  g_autoptr(AtriumBridge) hold = g_object_ref (self);   /* see start_call() */
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) message = NULL;
  g_autoptr(AtriumBytesParts) arg_parts = NULL;

  if (g_strcmp0 (webkit_user_message_get_name (user_message), ATRIUM_WIRE_CALL) != 0)
    return FALSE;

  if (g_hash_table_size (self->calls) >= ATRIUM_BRIDGE_MAX_CALLS)
    {
      g_set_error (&error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                   "%u calls are in flight already", ATRIUM_BRIDGE_MAX_CALLS);
      goto refuse;
    }

  message = _atrium_wire_decode_call (webkit_user_message_get_parameters (user_message),
                                      webkit_user_message_get_fd_list (user_message),
                                      self->setup.token,
                                      self->setup.max_message_size,
                                      self->setup.max_depth, &arg_parts, &error);
  _atrium_wire_close_fds (webkit_user_message_get_fd_list (user_message));
  if (message == NULL)
    goto refuse;
  if (g_str_has_prefix (json_array_get_string_element (json_node_get_array (message), 0),
                        PULL_PREFIX))
    {
      if (!pull (self, message, user_message, &error))
        goto refuse;
      return TRUE;
    }
  /* The runtime sends calls with streams as script messages. */
  if (!start_call (self, g_steal_pointer (&message), NULL, NULL, user_message,
                   g_steal_pointer (&arg_parts), FALSE, &error))
    goto refuse;
  self->extension_calls++;
  return TRUE;

refuse:
  self->extension_refused++;
  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused a call: %s", error->message);
  wire_reply_error (user_message, error);
  return TRUE;
}

/* p.cancel() in the page: the token, then the runtime's id of the call. The
 * Promise has already been rejected; this tells the method. */
static void
on_cancel_message_cb (WebKitUserContentManager *manager,
                      JSCValue                 *value,
                      AtriumBridge             *self)
{
  g_autoptr(AtriumBridge) hold = g_object_ref (self);   /* see start_call() */
  g_autoptr(GBytes) text = NULL;
  AtriumCall *call;
  const char *data;
  gsize length;
  guint64 id;
  gint64 page_id;

  text = read_message (self, value, "A cancel message", &data, &length, NULL);
  if (text == NULL || length == 0 || _atrium_call_message_parse_id (data, length, &id) != length
      || id == 0)
    return;
  page_id = (gint64) id;

  /* The cancel and the call travel through different handlers, and WebKit
   * does not promise to deliver them in order: a cancel for a call that has
   * not come yet is kept for it (a bounded few; past that they are
   * forgotten, as calls that will never come). */
  call = g_hash_table_lookup (self->page_ids, &page_id);
  if (call != NULL)
    {
      _atrium_call_cancel (call);
      forget_cancelled (self, page_id);
    }
  else
    {
      if (g_hash_table_size (self->early_cancels) >= EARLY_CANCELS_MAX)
        g_hash_table_remove_all (self->early_cancels);
      g_hash_table_add (self->early_cancels, g_memdup2 (&page_id, sizeof page_id));
    }
}

/* atrium.emit() in the page: the token, the id of the last event batch
 * the page handled, ':', then ["name", data]. The reply settles the emit's
 * Promise once C has taken the event, and carries the events C emitted to
 * this window meanwhile (an answer to it, typically), if any. */
static gboolean
on_event_message_cb (WebKitUserContentManager *manager,
                     JSCValue                 *value,
                     WebKitScriptMessageReply *reply,
                     AtriumBridge             *self)
{
  g_autoptr(AtriumBridge) hold = g_object_ref (self);   /* see start_call() */
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) text = NULL;
  g_autoptr(JSCValue) answer = NULL;
  g_autoptr(GBytes) batch = NULL;
  AtriumEvents *events;
  const char *data;
  gsize length, max_size, prefix;
  guint64 ack;
  gboolean ok;

  text = read_message (self, value, "An event message", &data, &length, &error);
  if (text == NULL)
    goto refuse;
  /* Binary values count at their decoded size (checked exactly when the
   * event is parsed); as base64 the message may be longer. */
  max_size = self->setup.max_message_size;
  if (length > _atrium_bytes_raw_limit (max_size))
    {
      g_set_error (&error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The event is %" G_GSIZE_FORMAT " bytes, over the limit of %" G_GSIZE_FORMAT,
                   length, max_size);
      goto refuse;
    }

  prefix = _atrium_call_message_split_event (data, length, &ack, &error);
  if (prefix == 0)
    goto refuse;
  data += prefix;
  length -= prefix;

  events = self->setup.events;
  ok = _atrium_events_take_from_page (events, self->window, ack, data, length,
                                      self->setup.max_depth, max_size, &batch,
                                      &error);
  if (!ok)
    goto refuse;

  if (batch != NULL)
    answer = jsc_value_new_string_from_bytes (jsc_value_get_context (value), batch);
  else
    answer = jsc_value_new_null (jsc_value_get_context (value));
  webkit_script_message_reply_return_value (reply, answer);
  return TRUE;

refuse:
  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused an event: %s", error->message);
  reply_error (reply, error);
  return TRUE;
}

/* The runtime asks for its next batch of events: the token, then the id
 * of the batch it last handled. The reply is held until there are events. */
static gboolean
on_poll_message_cb (WebKitUserContentManager *manager,
                    JSCValue                 *value,
                    WebKitScriptMessageReply *reply,
                    AtriumBridge             *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) text = NULL;
  const char *data;
  gsize length;
  guint64 ack;

  text = read_message (self, value, "A poll message", &data, &length, &error);
  if (text == NULL)
    goto refuse;
  if (length == 0 || _atrium_call_message_parse_id (data, length, &ack) != length)
    {
      g_set_error_literal (&error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "A poll message is the token and a batch id");
      goto refuse;
    }

  _atrium_events_poll (self->setup.events, atrium_window_get_id (self->window),
                       ack, reply, jsc_value_get_context (value));
  return TRUE;

refuse:
  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused a poll: %s", error->message);
  reply_error (reply, error);
  return TRUE;
}

static void
on_console_message_cb (WebKitUserContentManager *manager,
                       JSCValue                 *value,
                       AtriumBridge             *self)
{
  g_autoptr(GBytes) text = NULL;
  const char *data, *line;
  gsize length;

  text = read_message (self, value, "A console message", &data, &length, NULL);
  if (text == NULL)
    return;

  /* After the token comes "level:" and the line as the page wrote it. */
  line = memchr (data, ':', length);
  if (line == NULL)
    return;
  line++;

  fwrite (line, 1, length - (line - data), stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  _atrium_builtin_log_console (self->window, data, line - 1 - data, line,
                               length - (line - data));
}

/* The runtime is about to open an app window (window.open(), a link with a
 * target): the token, then the absolute URI. See _atrium_window_grant_open(). */
static void
on_open_message_cb (WebKitUserContentManager *manager,
                    JSCValue                 *value,
                    AtriumBridge             *self)
{
  g_autoptr(GBytes) text = NULL;
  const char *data;
  gsize length;

  text = read_message (self, value, "An open message", &data, &length, NULL);
  if (text == NULL || length == 0 || length > 8192 || self->window == NULL
      || !self->setup.is_app_uri (data, self->setup.owner))
    return;
  _atrium_window_grant_open (self->window, data, length);
}

static void
_atrium_bridge_dispose (GObject *object)
{
  _atrium_bridge_close (ATRIUM_BRIDGE (object));

  G_OBJECT_CLASS (_atrium_bridge_parent_class)->dispose (object);
}

static void
_atrium_bridge_finalize (GObject *object)
{
  AtriumBridge *self = ATRIUM_BRIDGE (object);

  g_clear_pointer (&self->calls, g_hash_table_unref);
  g_clear_pointer (&self->page_ids, g_hash_table_unref);
  g_clear_pointer (&self->early_cancels, g_hash_table_unref);
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_clear_pointer (&self->pulls, _atrium_pull_streams_free);

  G_OBJECT_CLASS (_atrium_bridge_parent_class)->finalize (object);
}

static void
_atrium_bridge_class_init (AtriumBridgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = _atrium_bridge_dispose;
  object_class->finalize = _atrium_bridge_finalize;
}

static void
_atrium_bridge_init (AtriumBridge *self)
{
  self->calls = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) atrium_call_unref, NULL);
  self->page_ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->early_cancels = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) upload_free);
  self->upload_lifetime = UPLOAD_LIFETIME;
  self->pulls = _atrium_pull_streams_new ();
}

AtriumBridge *
_atrium_bridge_new (const AtriumBridgeSetup  *setup,
                    AtriumWindow             *window,
                    WebKitUserContentManager *manager)
{
  AtriumBridge *self = g_object_new (ATRIUM_TYPE_BRIDGE, NULL);

  g_assert (G_IS_OBJECT (setup->owner) && setup->token != NULL && setup->registry != NULL
            && setup->events != NULL && setup->runtime != NULL
            && setup->run_on_worker != NULL && setup->is_app_uri != NULL);
  self->setup = *setup;
  g_object_ref (self->setup.owner);
  self->window = window;
  self->manager = g_object_ref (manager);

  webkit_user_content_manager_add_script (manager, setup->runtime);

  webkit_user_content_manager_register_script_message_handler_with_reply (manager, "atrium", NULL);
  self->call_handler = g_signal_connect (manager, "script-message-with-reply-received::atrium",
                                         G_CALLBACK (on_call_message_cb), self);
  webkit_user_content_manager_register_script_message_handler (manager, "atrium-cancel", NULL);
  self->cancel_handler = g_signal_connect (manager, "script-message-received::atrium-cancel",
                                           G_CALLBACK (on_cancel_message_cb), self);
  webkit_user_content_manager_register_script_message_handler_with_reply (manager,
                                                                          "atrium-event", NULL);
  self->event_handler =
    g_signal_connect (manager, "script-message-with-reply-received::atrium-event",
                      G_CALLBACK (on_event_message_cb), self);
  webkit_user_content_manager_register_script_message_handler_with_reply (manager,
                                                                          "atrium-event-poll", NULL);
  self->poll_handler =
    g_signal_connect (manager, "script-message-with-reply-received::atrium-event-poll",
                      G_CALLBACK (on_poll_message_cb), self);

  self->view = g_object_ref (atrium_window_get_web_view (window));
  self->user_message_handler = g_signal_connect (self->view, "user-message-received",
                                                 G_CALLBACK (on_user_message_cb), self);

  webkit_user_content_manager_register_script_message_handler (manager, "atrium-open", NULL);
  self->open_handler = g_signal_connect (manager, "script-message-received::atrium-open",
                                         G_CALLBACK (on_open_message_cb), self);

  if (setup->log_console)
    {
      webkit_user_content_manager_register_script_message_handler (manager, "atrium-console",
                                                                   NULL);
      self->console_handler = g_signal_connect (manager, "script-message-received::atrium-console",
                                                G_CALLBACK (on_console_message_cb), self);
    }

  return self;
}

/* Main thread: forgets every call in flight and cancels it; whatever its
 * method answers later finds no bridge and is dropped. */
static void
drop_calls (AtriumBridge *self)
{
  GHashTableIter iter;
  AtriumCall *call;

  if (self->calls != NULL && g_hash_table_size (self->calls) > 0)
    {
      g_autoptr(GHashTable) calls = g_steal_pointer (&self->calls);

      self->calls = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) atrium_call_unref, NULL);
      g_hash_table_remove_all (self->page_ids);

      /* Detach before cancelling: a cancel handler may finish its call at
       * once, and that late result must find no bridge to deliver to. */
      g_hash_table_iter_init (&iter, calls);
      while (g_hash_table_iter_next (&iter, (gpointer *) &call, NULL))
        _atrium_call_detach (call);
      g_hash_table_iter_init (&iter, calls);
      while (g_hash_table_iter_next (&iter, (gpointer *) &call, NULL))
        _atrium_call_cancel (call);
    }
  if (self->early_cancels != NULL)
    g_hash_table_remove_all (self->early_cancels);
}

/* The window's web process ended (it crashed, or was killed): its page and
 * every Promise in it are gone, so the calls it had in flight are
 * cancelled and forgotten, as when the window closes, and what it uploaded
 * is dropped. The bridge stays for the page loaded next. */
void
_atrium_bridge_process_gone (AtriumBridge *self)
{
  g_autoptr(AtriumBridge) hold = NULL;

  g_return_if_fail (ATRIUM_IS_BRIDGE (self));

  hold = g_object_ref (self);   /* see start_call() */
  drop_calls (self);
  _atrium_bridge_page_changed (self);
}

/* Main thread: detaches from the web view and drops every call in flight.
 * Their methods may still finish them later, from any thread; the results
 * then find no bridge and are discarded. */
void
_atrium_bridge_close (AtriumBridge *self)
{
  g_assert (ATRIUM_IS_BRIDGE (self));

  if (self->manager != NULL)
    {
      g_clear_signal_handler (&self->call_handler, self->manager);
      g_clear_signal_handler (&self->cancel_handler, self->manager);
      g_clear_signal_handler (&self->event_handler, self->manager);
      g_clear_signal_handler (&self->poll_handler, self->manager);
      g_clear_signal_handler (&self->console_handler, self->manager);
      g_clear_signal_handler (&self->open_handler, self->manager);
      webkit_user_content_manager_unregister_script_message_handler (self->manager, "atrium",
                                                                     NULL);
      webkit_user_content_manager_unregister_script_message_handler (self->manager,
                                                                     "atrium-cancel", NULL);
      webkit_user_content_manager_unregister_script_message_handler (self->manager,
                                                                     "atrium-event", NULL);
      webkit_user_content_manager_unregister_script_message_handler (self->manager,
                                                                     "atrium-event-poll", NULL);
      webkit_user_content_manager_unregister_script_message_handler (self->manager,
                                                                     "atrium-open", NULL);
      if (self->setup.log_console)
        webkit_user_content_manager_unregister_script_message_handler (self->manager,
                                                                       "atrium-console", NULL);
      g_clear_object (&self->manager);
    }

  if (self->view != NULL)
    {
      g_clear_signal_handler (&self->user_message_handler, self->view);
      g_clear_object (&self->view);
    }

  drop_calls (self);

  if (self->uploads != NULL)
    g_hash_table_remove_all (self->uploads);
  if (self->pulls != NULL)
    _atrium_pull_streams_clear (self->pulls);
  if (self->setup.media != NULL)
    _atrium_media_server_drop_streams (self->setup.media, self);

  self->window = NULL;
  /* What the setup named belongs to its owner, which may go now: nothing
   * of it is kept past here. */
  if (self->setup.owner != NULL)
    {
      GObject *owner = self->setup.owner;

      self->setup = (AtriumBridgeSetup) { NULL };
      g_object_unref (owner);
    }
  _atrium_call_trim_pool ();
}

/* The top frame committed another page: what the old one uploaded and
 * never claimed is dropped (its runtime is gone with it). */
void
_atrium_bridge_page_changed (AtriumBridge *self)
{
  g_return_if_fail (ATRIUM_IS_BRIDGE (self));

  self->page_serial++;
  if (self->uploads != NULL)
    g_hash_table_remove_all (self->uploads);
  if (self->pulls != NULL)
    _atrium_pull_streams_clear (self->pulls);
  if (self->setup.media != NULL)
    _atrium_media_server_drop_streams (self->setup.media, self);
}

AtriumWindow *
_atrium_bridge_get_window (AtriumBridge *self)
{
  return self->window;
}

guint
_atrium_bridge_get_n_calls (AtriumBridge *self)
{
  return g_hash_table_size (self->calls);
}

/* For tests: how long a stream waits for the page's first read. */
void
_atrium_bridge_set_pull_lifetime (AtriumBridge *self,
                                  guint         ms)
{
  _atrium_pull_streams_set_lifetime (self->pulls, ms);
}

/* For tests: how long an upload waits for its call, from now on. */
void
_atrium_bridge_set_upload_lifetime (AtriumBridge *self,
                                    guint         ms)
{
  self->upload_lifetime = (gint64) ms * 1000;
}

/* Streams the page reads through the extension, open now: for tests. */
guint
_atrium_bridge_get_n_pull_streams (AtriumBridge *self)
{
  return self->pulls != NULL ? _atrium_pull_streams_get_n (self->pulls) : 0;
}

void
_atrium_bridge_get_upload_stats (AtriumBridge *self,
                                 guint64      *received,
                                 guint        *waiting)
{
  g_return_if_fail (ATRIUM_IS_BRIDGE (self));

  *received = self->uploads_received;
  *waiting = g_hash_table_size (self->uploads);
}

/* How many calls came by each transport: the tests' proof of which one a
 * page uses. */
void
_atrium_bridge_get_transport_stats (AtriumBridge *self,
                                    guint64      *script_calls,
                                    guint64      *extension_calls)
{
  g_return_if_fail (ATRIUM_IS_BRIDGE (self));

  *script_calls = self->script_calls;
  *extension_calls = self->extension_calls;
}

/* How many of the extension's messages C refused (the tests: a web process
 * that sends what the runtime never would is answered here, or, for what
 * the extension checks itself, never gets this far). */
guint64
_atrium_bridge_get_extension_refused (AtriumBridge *self)
{
  g_return_val_if_fail (ATRIUM_IS_BRIDGE (self), 0);

  return self->extension_refused;
}

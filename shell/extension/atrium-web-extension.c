#include "config.h"

#include <string.h>
#include <gio/gunixfdlist.h>
#include <webkit/webkit-web-process-extension.h>

#include "atrium-wire-private.h"

/* libatrium's web process extension: the transport for calls that does not
 * go through a JS string in the UI process (README, "How it works").
 *
 * In the app's own top frame only (the main frame, at one of the origins
 * libatrium names at start-up: never an iframe, a foreign origin or a page
 * on another host), it defines one native function, ATRIUM_WIRE_FUNCTION,
 * which the runtime takes into its closure and deletes before any page
 * script runs:
 *
 *     __atriumNative(token, body, parts, done)
 *
 * body is the call's JSON (binary values replaced by {"$atrium-bytes": i}),
 * parts an array of Uint8Arrays (null when there are none), and done(kind, text, ...parts) is called
 * once with the answer. The message goes to the UI process as a
 * WebKitUserMessage (atrium-wire-private.h): the JSON as UTF-8 bytes, each
 * binary value as bytes, large ones in sealed memfds. The answer's binary
 * values become fresh Uint8Arrays, copied once: wrapping the mapped memory
 * in an ArrayBuffer aborts WebKit's web process.
 *
 * In every frame whose document is not of the app's origin (a foreign
 * iframe, its about:blank, srcdoc, data: or sandboxed children, a foreign
 * page in a top frame), it removes the ways to the user's devices before
 * any of the frame's scripts run: strip_devices() below. WebKitGTK 2.50
 * does not say which frame a permission request comes from, so without
 * this a foreign frame the app's markup delegates to (<iframe
 * allow="camera">) would be answered as the app itself. Stripping is not
 * enough on its own: WebKit clears no window object where scripts cannot
 * run, so a sandboxed child without allow-scripts (of the foreign origin,
 * with allow-same-origin) keeps its device APIs, and the foreign frame's
 * script can call them in that realm. So the extension also tells the UI
 * process, once per document of the top frame and before the foreign
 * frame's scripts run, that the page holds such a frame
 * (ATRIUM_WIRE_FOREIGN_FRAME), and libatrium then denies that page every
 * device. This part runs on both transports: libatrium loads the extension
 * under ATRIUM_TRANSPORT=script too, without the token, and then it
 * defines no function.
 *
 * This file shares nothing with libatrium but the wire format. */

G_MODULE_EXPORT void webkit_web_process_extension_initialize_with_user_data (
  WebKitWebProcessExtension *extension,
  const GVariant            *user_data);

static char *token;               /* the per-launch token; NULL: no function */
static char **origins;            /* the app's origins; NULL: every frame is foreign */
static guint64 max_size;          /* the message limit */

typedef struct
{
  WebKitWebPage *page;            /* weak */
} Binding;

typedef struct
{
  JSCValue *done;
} Pending;

static void
binding_free (gpointer data)
{
  Binding *binding = data;

  g_clear_weak_pointer (&binding->page);
  g_free (binding);
}

static void answer_error (JSCValue   *done,
                          const char *code,
                          const char *message);

/* done(kind, text, ...parts): the parts as arguments, not an array that
 * would be filled through [[Set]], where a page's setter on
 * Array.prototype could catch them. */
static void
answer (JSCValue            *done,
        AtriumWireReplyKind  kind,
        GBytes              *body,
        GPtrArray           *parts)
{
  JSCContext *context = jsc_value_get_context (done);
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JSCValue) result = NULL;

  g_ptr_array_add (args, jsc_value_new_number (context, kind));
  g_ptr_array_add (args, jsc_value_new_string_from_bytes (context, body));
  for (guint i = 0; parts != NULL && i < parts->len; i++)
    {
      gsize size;
      gconstpointer data = g_bytes_get_data (g_ptr_array_index (parts, i), &size);
      JSCValue *view = jsc_value_new_typed_array (context, JSC_TYPED_ARRAY_UINT8, size);

      /* JSC throws (RangeError, out of memory) rather than make it. */
      if (view == NULL)
        {
          jsc_context_clear_exception (context);
          answer_error (done, "too-large",
                        "A binary value of the answer does not fit in the page");
          return;
        }
      if (size > 0)
        memcpy (jsc_value_typed_array_get_data (view, NULL), data, size);
      g_ptr_array_add (args, view);
    }
  result = jsc_value_function_callv (done, args->len, (JSCValue **) args->pdata);
}

static void
answer_error (JSCValue   *done,
              const char *code,
              const char *message)
{
  g_autoptr(GVariant) strings = NULL;
  g_autoptr(GString) json = g_string_new ("{\"code\":\"");
  g_autoptr(GBytes) body = NULL;

  g_string_append (json, code);
  g_string_append (json, "\",\"message\":\"");
  for (const char *p = message; *p != '\0'; p++)
    if (*p == '"' || *p == '\\')
      g_string_append_printf (json, "\\%c", *p);
    else if ((guchar) *p >= 0x20)
      g_string_append_c (json, *p);
  g_string_append (json, "\"}");
  body = g_bytes_new (json->str, json->len);
  answer (done, ATRIUM_WIRE_REPLY_ERROR, body, NULL);
}

static void
on_reply_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Pending *pending = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WebKitUserMessage) reply = NULL;
  g_autoptr(GVariant) kind_value = NULL;
  g_autoptr(GVariant) body_part = NULL;
  g_autoptr(GVariant) parts_variant = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) parts = NULL;
  GVariant *params;
  GUnixFDList *fds;
  guint32 kind;

  reply = webkit_web_page_send_message_to_view_finish (WEBKIT_WEB_PAGE (source), result, &error);
  if (reply == NULL)
    {
      answer_error (pending->done, "failed", error->message);
      goto out;
    }
  params = webkit_user_message_get_parameters (reply);
  fds = webkit_user_message_get_fd_list (reply);
  if (params == NULL || !g_variant_is_of_type (params, G_VARIANT_TYPE (ATRIUM_WIRE_REPLY_TYPE)))
    {
      answer_error (pending->done, "failed", "The app's answer is malformed");
      goto out;
    }
  kind_value = g_variant_get_child_value (params, 0);
  kind = g_variant_get_uint32 (kind_value);
  body_part = g_variant_get_child_value (params, 1);
  parts_variant = g_variant_get_child_value (params, 2);
  body = _atrium_wire_part_read (body_part, fds, &error);
  parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (gsize i = 0; body != NULL && i < g_variant_n_children (parts_variant); i++)
    {
      g_autoptr(GVariant) part = g_variant_get_child_value (parts_variant, i);
      GBytes *bytes = _atrium_wire_part_read (part, fds, &error);

      if (bytes == NULL)
        break;
      g_ptr_array_add (parts, bytes);
    }
  _atrium_wire_close_fds (fds);
  if (error != NULL)
    answer_error (pending->done, "failed", error->message);
  else
    answer (pending->done, kind, body, parts);

out:
  g_object_unref (pending->done);
  g_free (pending);
}

static gboolean
token_matches (JSCValue *value)
{
  g_autoptr(GBytes) bytes = NULL;
  const guchar *data;
  gsize length;
  guchar diff = 0;

  if (!jsc_value_is_string (value))
    return FALSE;
  bytes = jsc_value_to_string_as_bytes (value);
  data = g_bytes_get_data (bytes, &length);
  if (length > 0 && data[length - 1] == '\0')
    length--;
  if (length != strlen (token))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    diff |= data[i] ^ (guchar) token[i];
  return diff == 0;
}

/* __atriumNative(token, body, parts, done) */
static void
native_cb (GPtrArray *args,
           gpointer   user_data)
{
  Binding *binding = user_data;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JSCValue) length_value = NULL;
  g_autofree GVariant **part_values = NULL;
  GVariant *children[3];
  GVariant *body_part, *params;
  WebKitUserMessage *message;
  JSCValue *done, *parts;
  const char *body_data;
  gsize body_length;
  guint64 total;
  guint n;
  gboolean large;
  Pending *pending;

  if (args->len != 4 || !jsc_value_is_function (g_ptr_array_index (args, 3)))
    return;
  done = g_ptr_array_index (args, 3);
  parts = g_ptr_array_index (args, 2);
  if (binding->page == NULL)
    {
      answer_error (done, "failed", "The page is gone");
      return;
    }
  if (!token_matches (g_ptr_array_index (args, 0)))
    {
      answer_error (done, "forbidden", "The message does not come from the app's runtime");
      return;
    }
  if (!jsc_value_is_string (g_ptr_array_index (args, 1))
      || !(jsc_value_is_null (parts) || jsc_value_is_array (parts)))
    {
      answer_error (done, "bad-args", "A call message is malformed");
      return;
    }

  /* Sizes first: nothing is copied before the message is known to fit.
   * Most calls have no binary value, and say so with null. */
  n = 0;
  if (!jsc_value_is_null (parts))
    {
      length_value = jsc_value_object_get_property (parts, "length");
      n = jsc_value_to_int32 (length_value);
    }
  if (n > ATRIUM_WIRE_MAX_PARTS)
    {
      answer_error (done, "bad-args", "A message holds too many binary values");
      return;
    }
  total = 0;
  large = FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JSCValue) view = jsc_value_object_get_property_at_index (parts, i);
      gsize size;

      if (!jsc_value_is_typed_array (view)
          || jsc_value_typed_array_get_type (view) != JSC_TYPED_ARRAY_UINT8)
        {
          answer_error (done, "bad-args", "A binary value is not a Uint8Array");
          return;
        }
      size = jsc_value_typed_array_get_size (view);
      large |= size >= ATRIUM_WIRE_INLINE_MAX;
      total += size;
    }
  body = jsc_value_to_string_as_bytes (g_ptr_array_index (args, 1));
  body_data = g_bytes_get_data (body, &body_length);
  if (body_length > 0 && body_data[body_length - 1] == '\0')
    body_length--;
  if (total > max_size || body_length > max_size - total)
    {
      answer_error (done, "too-large", "The message and its binary values are over the limit");
      return;
    }

  /* A list only for a part that goes as a file: most calls are small, and
   * the list is an object made and dropped for each. */
  if (large || body_length >= ATRIUM_WIRE_INLINE_MAX)
    fds = g_unix_fd_list_new ();
  part_values = g_new0 (GVariant *, n + 1);
  body_part = _atrium_wire_part_new (body_data, body_length, fds, &error);
  for (guint i = 0; body_part != NULL && i < n; i++)
    {
      g_autoptr(JSCValue) view = jsc_value_object_get_property_at_index (parts, i);
      gsize size = jsc_value_typed_array_get_size (view);
      gpointer data = jsc_value_typed_array_get_data (view, NULL);

      part_values[i] = _atrium_wire_part_new (data, size, fds, &error);
      if (part_values[i] == NULL)
        break;
    }
  if (error != NULL)
    {
      if (body_part != NULL)
        g_variant_unref (g_variant_ref_sink (body_part));
      for (guint i = 0; part_values[i] != NULL; i++)
        g_variant_unref (g_variant_ref_sink (part_values[i]));
      answer_error (done, "failed", error->message);
      return;
    }

  /* Built child by child, not through a format string (see atrium-wire.c). */
  children[0] = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, token, strlen (token), 1);
  children[1] = body_part;
  children[2] = g_variant_new_array (G_VARIANT_TYPE (ATRIUM_WIRE_PART_TYPE), part_values, n);
  params = g_variant_new_tuple (children, G_N_ELEMENTS (children));
  /* Without files, no list: WebKit then sends no attachments. */
  message = fds != NULL && g_unix_fd_list_get_length (fds) > 0
    ? webkit_user_message_new_with_fd_list (ATRIUM_WIRE_CALL, params, fds)
    : webkit_user_message_new (ATRIUM_WIRE_CALL, params);
  pending = g_new0 (Pending, 1);
  pending->done = g_object_ref (done);
  webkit_web_page_send_message_to_view (binding->page, message, NULL, on_reply_cb, pending);
}

static gboolean
is_app_origin (const char *uri)
{
  g_autofree char *origin = NULL;

  if (!_atrium_wire_origin_of (uri, &origin))
    return FALSE;
  return origins != NULL && g_strv_contains ((const char * const *) origins, origin);
}

/* What a foreign frame loses, run in its realm before any of its scripts
 * (so every built-in it uses is still the platform's): the capture entry
 * points, legacy ones included, the device list, geolocation, speech recognition (the
 * microphone), notifications and reading the clipboard, on the prototypes
 * and on the instances. Removed rather than replaced by functions that
 * reject: nothing is left
 * in the frame's realm that leads to the real ones, so there is no shim
 * for the frame to take apart, and a page that feature-detects sees a
 * browser without them. The frame cannot get them back from another
 * realm: every realm of its origin (its own about:blank children
 * included: WebKit clears their window objects before the parent's script
 * gets them) is stripped the same way, and other origins' realms are out
 * of its reach. Workers have none of these. Returns whether all are gone. */
static const char strip_script[] =
  "(() => {"
  "  const strip = (o, names) => {"
  "    if (o === null || o === undefined) return;"
  "    for (const n of names) delete o[n];"
  "  };"
  "  const media = ['getUserMedia', 'getDisplayMedia', 'enumerateDevices'];"
  "  const legacy = ['getUserMedia', 'webkitGetUserMedia', 'mozGetUserMedia', 'geolocation'];"
  "  const globals = ['SpeechRecognition', 'webkitSpeechRecognition', 'Notification'];"
  "  const devices = typeof navigator.mediaDevices === 'object' ? navigator.mediaDevices : null;"
  "  strip(devices, media);"
  "  strip(typeof MediaDevices === 'function' ? MediaDevices.prototype : null, media);"
  "  strip(navigator, legacy);"
  "  strip(typeof Navigator === 'function' ? Navigator.prototype : null, legacy);"
  "  strip(typeof Geolocation === 'function' ? Geolocation.prototype : null,"
  "        ['getCurrentPosition', 'watchPosition']);"
  "  const reads = ['read', 'readText'];"
  "  const clipboard = typeof navigator.clipboard === 'object' ? navigator.clipboard : null;"
  "  strip(clipboard, reads);"
  "  strip(typeof Clipboard === 'function' ? Clipboard.prototype : null, reads);"
  "  strip(globalThis, globals);"
  "  strip(typeof Window === 'function' ? Window.prototype : null, globals);"
  "  return !(devices !== null && media.some((n) => n in devices))"
  "    && !legacy.some((n) => n in navigator)"
  "    && !(clipboard !== null && reads.some((n) => n in clipboard))"
  "    && !globals.some((n) => n in globalThis);"
  "})()";

/* Whether the frame's document is of the app's origin: the origin its
 * realm has (which about:blank and srcdoc documents inherit, and which is
 * "null" for data:, sandboxed and other opaque documents), and, where the
 * frame's URI has an origin of its own, that one too. */
static gboolean
is_app_frame (WebKitFrame *frame,
              JSCContext  *context)
{
  g_autoptr(JSCValue) global = jsc_context_get_global_object (context);
  g_autoptr(JSCValue) value = jsc_value_object_get_property (global, "origin");
  g_autofree char *realm = NULL;
  g_autofree char *own = NULL;

  if (origins == NULL || !jsc_value_is_string (value))
    return FALSE;
  realm = jsc_value_to_string (value);
  if (!g_strv_contains ((const char * const *) origins, realm))
    return FALSE;
  if (_atrium_wire_origin_of (webkit_frame_get_uri (frame), &own))
    return g_strv_contains ((const char * const *) origins, own);
  return TRUE;
}

static void
strip_devices (WebKitFrame *frame,
               JSCContext  *context)
{
  static guint warned;
  g_autoptr(JSCValue) result = jsc_context_evaluate (context, strip_script, -1);

  /* A page could make frames where this fails by the thousand: the first
   * few are logged. The UI process denies the page's devices all the same
   * (tell_foreign_frame()). */
  if ((result == NULL || !jsc_value_is_boolean (result) || !jsc_value_to_boolean (result))
      && warned < 8)
    {
      warned++;
      g_warning ("Could not take the device APIs away from the frame at %s%s",
                 webkit_frame_get_uri (frame),
                 warned == 8 ? " (further frames where this fails are not logged)" : "");
    }
  jsc_context_clear_exception (context);
}

#define FOREIGN_FRAME_TOLD "atrium-foreign-frame-told"

/* Tells the UI process that @page holds @frame, of another origin: once
 * per document of the top frame (on_window_object_cleared_cb() forgets it
 * when the top frame's window object is cleared), so that a frame making
 * thousands of children sends one message. The message goes out before
 * any of the frame's scripts run, and ahead of any request they could
 * make on the same connection. */
static void
tell_foreign_frame (WebKitWebPage *page,
                    WebKitFrame   *frame,
                    JSCContext    *context)
{
  g_autoptr(JSCValue) global = jsc_context_get_global_object (context);
  g_autoptr(JSCValue) value = jsc_value_object_get_property (global, "origin");
  g_autofree char *origin = NULL;
  WebKitUserMessage *message;

  if (g_object_get_data (G_OBJECT (page), FOREIGN_FRAME_TOLD) != NULL)
    return;
  g_object_set_data (G_OBJECT (page), FOREIGN_FRAME_TOLD, GINT_TO_POINTER (TRUE));
  /* An opaque origin says "null": the frame's URI says more. */
  if (jsc_value_is_string (value))
    origin = jsc_value_to_string (value);
  if (origin == NULL || strcmp (origin, "null") == 0)
    {
      g_free (origin);
      origin = g_strdup (webkit_frame_get_uri (frame) != NULL
                         ? webkit_frame_get_uri (frame) : "null");
    }
  jsc_context_clear_exception (context);
  message = webkit_user_message_new (ATRIUM_WIRE_FOREIGN_FRAME,
                                     g_variant_new (ATRIUM_WIRE_FOREIGN_FRAME_TYPE, origin));
  webkit_web_page_send_message_to_view (page, message, NULL, NULL, NULL);
}

static void
on_window_object_cleared_cb (WebKitScriptWorld *world,
                             WebKitWebPage     *page,
                             WebKitFrame       *frame,
                             gpointer           data)
{
  g_autoptr(JSCContext) context = NULL;
  g_autoptr(JSCValue) global = NULL;
  g_autoptr(JSCValue) function = NULL;
  Binding *binding;

  /* A new document in the top frame: its frames are all new too. */
  if (webkit_frame_is_main_frame (frame))
    g_object_set_data (G_OBJECT (page), FOREIGN_FRAME_TOLD, NULL);
  context = webkit_frame_get_js_context_for_script_world (frame, world);
  if (!is_app_frame (frame, context))
    {
      strip_devices (frame, context);
      tell_foreign_frame (page, frame, context);
      return;
    }

  /* The app's own top frame only: an iframe, a page of another origin (the
   * window keeps its top frame on the app, but a failed load or about:blank
   * shows there too) or any other world gets nothing. */
  if (token == NULL || !webkit_frame_is_main_frame (frame)
      || !is_app_origin (webkit_frame_get_uri (frame)))
    return;

  global = jsc_context_get_global_object (context);
  binding = g_new0 (Binding, 1);
  g_set_weak_pointer (&binding->page, page);
  function = jsc_value_new_function_variadic (context, ATRIUM_WIRE_FUNCTION,
                                              G_CALLBACK (native_cb), binding, binding_free,
                                              G_TYPE_NONE);
  /* Configurable, so that the runtime can delete it once it has it. */
  jsc_value_object_define_property_data (global, ATRIUM_WIRE_FUNCTION,
                                         JSC_VALUE_PROPERTY_CONFIGURABLE, function);
}

G_MODULE_EXPORT void
webkit_web_process_extension_initialize_with_user_data (WebKitWebProcessExtension *extension,
                                                        const GVariant            *user_data)
{
  GVariantDict dict;

  g_signal_connect (webkit_script_world_get_default (), "window-object-cleared",
                    G_CALLBACK (on_window_object_cleared_cb), NULL);
  if (user_data == NULL || !g_variant_is_of_type ((GVariant *) user_data, G_VARIANT_TYPE_VARDICT))
    return;
  g_variant_dict_init (&dict, (GVariant *) user_data);
  /* Without the app's origins every frame is foreign (it loses its device
   * APIs); without the token and limit (ATRIUM_TRANSPORT=script) the app's
   * frame gets no function. */
  if (!g_variant_dict_lookup (&dict, ATRIUM_WIRE_INIT_ORIGINS, "^as", &origins))
    origins = NULL;
  if (!g_variant_dict_lookup (&dict, ATRIUM_WIRE_INIT_TOKEN, "s", &token)
      || !g_variant_dict_lookup (&dict, ATRIUM_WIRE_INIT_MAX_SIZE, "t", &max_size))
    g_clear_pointer (&token, g_free);
  g_variant_dict_clear (&dict);
}

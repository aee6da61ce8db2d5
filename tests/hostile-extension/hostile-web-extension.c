#define _GNU_SOURCE 1
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>
#include <webkit/webkit-web-process-extension.h>

#include "atrium-wire-private.h"

/* A compromised web process, for test-hostile-web-process: loaded next to
 * libatrium's own extension, it gives every main frame
 *
 *     __hostile(kind, done)
 *
 * which sends the UI process one call message made wrong in the way KIND
 * names, as libatrium's extension never would, and calls done(kind, text)
 * with the answer (text: the error's JSON, or the answer's). It has the
 * per-launch token (WebKit hands every extension in the directory the same
 * start-up data), so each message is wrong in one way only; "valid" is the
 * same message made right, to show the others fail for their fault.
 *
 * It also hands the page libatrium's native function and the token
 * (__hostileNative, __hostileToken), as if the page had got hold of them,
 * so that the test can show the extension's own checks of what the
 * function is given. */

G_MODULE_EXPORT void webkit_web_process_extension_initialize_with_user_data (
  WebKitWebProcessExtension *extension,
  const GVariant            *user_data);

static char *token;
static guint64 max_size;

#define BODY "[\"spy\",[\"hostile\"],1]"

static GVariant *
inline_part (const char *data,
             gsize       size,
             guint64     says)
{
  GVariant *children[3];

  children[0] = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);
  children[1] = g_variant_new_handle (-1);
  children[2] = g_variant_new_uint64 (says);
  return g_variant_new_tuple (children, 3);
}

static GVariant *
file_part (gint32  index,
           guint64 says)
{
  GVariant *children[3];

  children[0] = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1);
  children[1] = g_variant_new_handle (index);
  children[2] = g_variant_new_uint64 (says);
  return g_variant_new_tuple (children, 3);
}

/* A memfd holding BODY, with @seals. */
static int
body_memfd (int seals)
{
  int fd = memfd_create ("hostile", MFD_CLOEXEC | MFD_ALLOW_SEALING);

  g_assert (fd >= 0);
  g_assert (write (fd, BODY, strlen (BODY)) == (ssize_t) strlen (BODY));
  if (seals != 0)
    g_assert (fcntl (fd, F_ADD_SEALS, seals) == 0);
  return fd;
}

static WebKitUserMessage *
message_for (const char *kind)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  const char *use_token = token;
  GVariant *children[3];
  GVariant *body;
  int fd = -1;

  if (g_str_equal (kind, "malformed"))
    return webkit_user_message_new (ATRIUM_WIRE_CALL, g_variant_new ("(s)", BODY));
  if (g_str_equal (kind, "no-token"))
    use_token = "0123456789abcdef0123456789abcdef";

  if (g_str_equal (kind, "valid") || g_str_equal (kind, "no-token"))
    body = inline_part (BODY, strlen (BODY), strlen (BODY));
  else if (g_str_equal (kind, "inline-size-lies"))
    body = inline_part (BODY, strlen (BODY), strlen (BODY) + 1);
  else if (g_str_equal (kind, "valid-memfd"))
    {
      fd = body_memfd (ATRIUM_WIRE_SEALS);
      body = file_part (0, strlen (BODY));
    }
  else if (g_str_equal (kind, "unsealed"))
    {
      fd = body_memfd (0);
      body = file_part (0, strlen (BODY));
    }
  else if (g_str_equal (kind, "writable"))
    {
      fd = body_memfd (ATRIUM_WIRE_SEALS & ~F_SEAL_WRITE);
      body = file_part (0, strlen (BODY));
    }
  else if (g_str_equal (kind, "size-lies"))
    {
      fd = body_memfd (ATRIUM_WIRE_SEALS);
      body = file_part (0, strlen (BODY) + 1);
    }
  else if (g_str_equal (kind, "too-large"))
    {
      fd = body_memfd (ATRIUM_WIRE_SEALS);
      body = file_part (0, max_size + 1);
    }
  else if (g_str_equal (kind, "missing-file"))
    body = file_part (3, strlen (BODY));
  else if (g_str_equal (kind, "file-out-of-range"))
    {
      /* A good file at 0, named as 1. */
      fd = body_memfd (ATRIUM_WIRE_SEALS);
      body = file_part (1, strlen (BODY));
    }
  else if (g_str_equal (kind, "pipe"))
    {
      int pipe_fds[2];

      g_assert (pipe (pipe_fds) == 0);
      g_assert (write (pipe_fds[1], BODY, strlen (BODY)) == (ssize_t) strlen (BODY));
      close (pipe_fds[1]);
      fd = pipe_fds[0];
      body = file_part (0, strlen (BODY));
    }
  else
    g_error ("no such kind: %s", kind);

  if (fd >= 0)
    {
      g_assert (g_unix_fd_list_append (fds, fd, NULL) == 0);
      close (fd);
    }
  children[0] = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, use_token, strlen (use_token), 1);
  children[1] = body;
  children[2] = g_variant_new_array (G_VARIANT_TYPE (ATRIUM_WIRE_PART_TYPE), NULL, 0);
  return webkit_user_message_new_with_fd_list (ATRIUM_WIRE_CALL, g_variant_new_tuple (children, 3),
                                               g_unix_fd_list_get_length (fds) > 0 ? fds : NULL);
}

static void
on_reply_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(JSCValue) done = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WebKitUserMessage) reply = NULL;
  g_autoptr(JSCValue) ignored = NULL;
  g_autoptr(GVariant) body = NULL;
  g_autoptr(GVariant) bytes = NULL;
  g_autofree char *text = NULL;
  GVariant *params;
  guint32 kind;

  reply = webkit_web_page_send_message_to_view_finish (WEBKIT_WEB_PAGE (source), result, &error);
  if (reply == NULL)
    {
      ignored = jsc_value_function_call (done, G_TYPE_INT, -1, G_TYPE_STRING, error->message,
                                         G_TYPE_NONE);
      return;
    }
  params = webkit_user_message_get_parameters (reply);
  g_assert (params != NULL && g_variant_is_of_type (params, G_VARIANT_TYPE (ATRIUM_WIRE_REPLY_TYPE)));
  g_variant_get_child (params, 0, "u", &kind);
  body = g_variant_get_child_value (params, 1);
  bytes = g_variant_get_child_value (body, 0);
  /* Every answer here is small enough to come inline. */
  text = g_strndup (g_variant_get_data (bytes), g_variant_get_size (bytes));
  ignored = jsc_value_function_call (done, G_TYPE_INT, (int) kind, G_TYPE_STRING, text,
                                     G_TYPE_NONE);
}

static void
hostile_cb (const char    *kind,
            JSCValue      *done,
            WebKitWebPage *page)
{
  webkit_web_page_send_message_to_view (page, message_for (kind), NULL, on_reply_cb,
                                        g_object_ref (done));
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
  g_autoptr(JSCValue) native = NULL;

  if (!webkit_frame_is_main_frame (frame) || token == NULL)
    return;
  context = webkit_frame_get_js_context_for_script_world (frame, world);
  global = jsc_context_get_global_object (context);
  function = jsc_value_new_function (context, "__hostile", G_CALLBACK (hostile_cb), page, NULL,
                                     G_TYPE_NONE, 2, G_TYPE_STRING, JSC_TYPE_VALUE);
  jsc_value_object_set_property (global, "__hostile", function);

  /* Connected after libatrium's handler (g_signal_connect_after), so its
   * function is there whichever extension WebKit loaded first. */
  native = jsc_value_object_get_property (global, ATRIUM_WIRE_FUNCTION);
  if (jsc_value_is_function (native))
    {
      g_autoptr(JSCValue) token_value = jsc_value_new_string (context, token);

      jsc_value_object_set_property (global, "__hostileNative", native);
      jsc_value_object_set_property (global, "__hostileToken", token_value);
    }
}

G_MODULE_EXPORT void
webkit_web_process_extension_initialize_with_user_data (WebKitWebProcessExtension *extension,
                                                        const GVariant            *user_data)
{
  GVariantDict dict;

  g_signal_connect_after (webkit_script_world_get_default (), "window-object-cleared",
                          G_CALLBACK (on_window_object_cleared_cb), NULL);
  if (user_data == NULL || !g_variant_is_of_type ((GVariant *) user_data, G_VARIANT_TYPE_VARDICT))
    return;
  g_variant_dict_init (&dict, (GVariant *) user_data);
  if (!g_variant_dict_lookup (&dict, ATRIUM_WIRE_INIT_TOKEN, "s", &token)
      || !g_variant_dict_lookup (&dict, ATRIUM_WIRE_INIT_MAX_SIZE, "t", &max_size))
    g_clear_pointer (&token, g_free);
  g_variant_dict_clear (&dict);
}

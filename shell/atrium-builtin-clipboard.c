#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Clipboard"
#include "config.h"

#include "atrium-clipboard.h"

#include <string.h>

#include "atrium-builtins-private.h"

#include "atrium-window-private.h"

/* atrium.clipboard: the desktop's clipboard, as text or a PNG image. Two
 * groups, since
 * they are not alike: writing (ATRIUM_BUILTIN_CLIPBOARD) replaces what the
 * user copied, and reading (ATRIUM_BUILTIN_CLIPBOARD_READ) hands the page
 * whatever the user copied elsewhere, a password included. Both are off
 * by default; an app that turns on writing has not turned on reading.
 *
 * C has the same four as atrium_clipboard_*() on any GdkClipboard; the
 * methods are thin wrappers over them, so the checks and limits are one
 * piece of code whichever side asks. */

#define TEXT_MAX ATRIUM_CLIPBOARD_TEXT_MAX

/* An image is a PNG of at most 32 MiB and 64 megapixels (256 MiB once
 * decoded), either way; the pixels are counted from the PNG's header
 * before GTK decodes a byte of it, so a small file that inflates to
 * gigabytes is refused first. Decoding and encoding run on a worker. */
#define IMAGE_BYTES_MAX ATRIUM_CLIPBOARD_IMAGE_BYTES_MAX
#define IMAGE_PIXELS_MAX ATRIUM_CLIPBOARD_IMAGE_PIXELS_MAX

/* --- text --- */

/**
 * atrium_clipboard_write_text:
 * @clipboard: a clipboard, such as gtk_widget_get_clipboard()'s
 * @text: UTF-8 text, at most %ATRIUM_CLIPBOARD_TEXT_MAX bytes
 * @error: %ATRIUM_ERROR_BAD_ARGS for text that is not UTF-8,
 *   %ATRIUM_ERROR_TOO_LARGE past the limit
 *
 * Puts @text on @clipboard, as `atrium.clipboard.writeText()` does; on an
 * error the clipboard is left as it was. Main thread.
 *
 * Returns: %TRUE once it is there
 */
gboolean
atrium_clipboard_write_text (GdkClipboard  *clipboard,
                             const char    *text,
                             GError       **error)
{
  g_return_val_if_fail (GDK_IS_CLIPBOARD (clipboard), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (strlen (text) > TEXT_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The text is longer than %d bytes", TEXT_MAX);
      return FALSE;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "The text is not valid UTF-8");
      return FALSE;
    }
  gdk_clipboard_set_text (clipboard, text);
  return TRUE;
}

static void
text_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  if (text != NULL && g_utf8_validate (text, -1, NULL))
    g_task_return_pointer (task, g_steal_pointer (&text), g_free);
  else if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      g_clear_error (&error);
      g_task_return_pointer (task, NULL, NULL);   /* nothing, or nothing that is text */
    }
  else
    g_task_return_error (task, error);
}

/**
 * atrium_clipboard_read_text_async:
 * @clipboard: a clipboard
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the text
 *
 * Reads the text on @clipboard, as `atrium.clipboard.readText()` does,
 * whichever program put it there. Main thread.
 */
void
atrium_clipboard_read_text_async (GdkClipboard        *clipboard,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GDK_IS_CLIPBOARD (clipboard));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (clipboard, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_clipboard_read_text_async);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  gdk_clipboard_read_text_async (clipboard, cancellable, text_read_cb, task);
}

/**
 * atrium_clipboard_read_text_finish:
 *
 * Returns: (transfer full) (nullable): the text; %NULL without @error
 *   when the clipboard holds nothing that is UTF-8 text, %NULL with @error
 *   set (%G_IO_ERROR_CANCELLED, or the other program's failure)
 */
char *
atrium_clipboard_read_text_finish (GdkClipboard  *clipboard,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, clipboard), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- images --- */

static gboolean
image_size_ok (guint64   width,
               guint64   height,
               GError  **error)
{
  if (width == 0 || height == 0)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "The image is empty");
      return FALSE;
    }
  if (width * height > IMAGE_PIXELS_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The image is %" G_GUINT64_FORMAT "×%" G_GUINT64_FORMAT
                   " pixels, over the limit of %d megapixels", width, height,
                   IMAGE_PIXELS_MAX / (1024 * 1024));
      return FALSE;
    }
  return TRUE;
}

/* The pixels are counted from the PNG's header, before GTK decodes it. */
static gboolean
png_header_ok (GBytes  *png,
               GError **error)
{
  gsize size = g_bytes_get_size (png);
  guint32 width, height;

  if (size > IMAGE_BYTES_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The image is %" G_GSIZE_FORMAT " bytes, over the limit of %d MiB", size,
                   IMAGE_BYTES_MAX / (1024 * 1024));
      return FALSE;
    }
  return _atrium_builtin_png_size (png, &width, &height, error)
         && image_size_ok (width, height, error);
}

static void
decode_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  GdkTexture *texture = gdk_texture_new_from_bytes (task_data, &error);

  if (texture == NULL)
    g_task_return_new_error (task, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                             "The image is not a PNG GTK can read: %s", error->message);
  else
    g_task_return_pointer (task, texture, g_object_unref);
  g_clear_error (&error);
}

/* Back on the main thread: the clipboard changes only now, and only if
 * the operation was not cancelled meanwhile. */
static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);

  if (texture == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  gdk_clipboard_set_texture (g_task_get_source_object (task), texture);
  g_task_return_boolean (task, TRUE);
}

/**
 * atrium_clipboard_write_image_async:
 * @clipboard: a clipboard
 * @png: a PNG, at most %ATRIUM_CLIPBOARD_IMAGE_BYTES_MAX bytes and
 *   %ATRIUM_CLIPBOARD_IMAGE_PIXELS_MAX pixels (counted from its header
 *   before anything is decoded)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the image is on the clipboard
 *
 * Decodes @png on a worker and puts the image on @clipboard, as
 * `atrium.clipboard.writeImage()` does; on an error or a cancel the
 * clipboard is left as it was. Main thread.
 */
void
atrium_clipboard_write_image_async (GdkClipboard        *clipboard,
                                    GBytes              *png,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  GTask *decode;
  GError *error = NULL;

  g_return_if_fail (GDK_IS_CLIPBOARD (clipboard));
  g_return_if_fail (png != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (clipboard, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_clipboard_write_image_async);
  if (!png_header_ok (png, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  decode = g_task_new (NULL, cancellable, decoded_cb, task);
  g_task_set_source_tag (decode, decode_thread);
  g_task_set_task_data (decode, g_bytes_ref (png), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (decode, decode_thread);
  g_object_unref (decode);
}

/**
 * atrium_clipboard_write_image_finish:
 *
 * Returns: %TRUE once the image is on the clipboard; %FALSE with @error
 *   set: %ATRIUM_ERROR_BAD_ARGS for bytes that are not a PNG GTK can read
 *   (or an empty image), %ATRIUM_ERROR_TOO_LARGE past the limits,
 *   %G_IO_ERROR_CANCELLED
 */
gboolean
atrium_clipboard_write_image_finish (GdkClipboard  *clipboard,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, clipboard), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
encode_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  g_task_return_pointer (task, gdk_texture_save_to_png_bytes (task_data),
                         (GDestroyNotify) g_bytes_unref);
}

static void
encoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GBytes *png = g_task_propagate_pointer (G_TASK (result), &error);

  if (png == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, png, (GDestroyNotify) g_bytes_unref);
}

static void
texture_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(GdkTexture) texture =
    gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  GCancellable *cancellable;
  GTask *encode;

  if (texture == NULL)
    {
      if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          g_clear_error (&error);
          g_task_return_pointer (task, NULL, NULL);   /* nothing, or nothing that is an image */
        }
      else
        g_task_return_error (task, error);
      return;
    }
  if (!image_size_ok (gdk_texture_get_width (texture), gdk_texture_get_height (texture), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  encode = g_task_new (NULL, cancellable, encoded_cb, g_steal_pointer (&task));
  g_task_set_source_tag (encode, encode_thread);
  g_task_set_task_data (encode, g_object_ref (texture), g_object_unref);
  g_task_run_in_thread (encode, encode_thread);
  g_object_unref (encode);
}

/**
 * atrium_clipboard_read_image_async:
 * @clipboard: a clipboard
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the image
 *
 * Reads the image on @clipboard and encodes it as a PNG on a worker, as
 * `atrium.clipboard.readImage()` does. Main thread.
 */
void
atrium_clipboard_read_image_async (GdkClipboard        *clipboard,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (GDK_IS_CLIPBOARD (clipboard));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (clipboard, cancellable, callback, user_data);
  g_task_set_source_tag (task, atrium_clipboard_read_image_async);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  gdk_clipboard_read_texture_async (clipboard, cancellable, texture_read_cb, task);
}

/**
 * atrium_clipboard_read_image_finish:
 *
 * Returns: (transfer full) (nullable): the image as PNG bytes; %NULL
 *   without @error when the clipboard holds no image, %NULL with @error
 *   set (%ATRIUM_ERROR_TOO_LARGE past %ATRIUM_CLIPBOARD_IMAGE_PIXELS_MAX,
 *   %G_IO_ERROR_CANCELLED, the other program's failure)
 */
GBytes *
atrium_clipboard_read_image_finish (GdkClipboard  *clipboard,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, clipboard), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- methods --- */

static GdkClipboard *
clipboard_of (AtriumCall *call)
{
  AtriumWindow *window = atrium_call_get_window (call);

  if (window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return NULL;
    }
  return gtk_widget_get_clipboard (GTK_WIDGET (window));
}

static void
write_text_cb (AtriumCall *call,
               gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  GdkClipboard *clipboard;
  const char *text;

  if (!_atrium_builtin_arg_string (call, 0, "The text", TEXT_MAX, &text))
    return;
  clipboard = clipboard_of (call);
  if (clipboard == NULL)
    return;
  if (atrium_clipboard_write_text (clipboard, text, &error))
    _atrium_builtin_return_null (call);
  else
    atrium_call_return_gerror (call, error);
}

static void
text_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = atrium_clipboard_read_text_finish (GDK_CLIPBOARD (source), result,
                                                             &error);

  if (error != NULL)
    atrium_call_return_gerror (call, error);
  else if (text == NULL)
    _atrium_builtin_return_null (call);
  else
    _atrium_builtin_return_string (call, text);
}

static void
read_text_cb (AtriumCall *call,
              gpointer    user_data)
{
  GdkClipboard *clipboard = clipboard_of (call);

  if (clipboard != NULL)
    atrium_clipboard_read_text_async (clipboard, atrium_call_get_cancellable (call), text_cb,
                                      call);
}

static void
image_written_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;

  if (atrium_clipboard_write_image_finish (GDK_CLIPBOARD (source), result, &error))
    _atrium_builtin_return_null (call);
  else
    atrium_call_return_gerror (call, error);
}

static void
write_image_cb (AtriumCall *call,
                gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  /* atrium_clipboard_write_image_async() takes a reference of its own. */
  g_autoptr(GBytes) png = atrium_call_get_bytes (call, 0, &error);
  GdkClipboard *clipboard;

  if (png == NULL)
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  clipboard = clipboard_of (call);
  if (clipboard != NULL)
    atrium_clipboard_write_image_async (clipboard, png, atrium_call_get_cancellable (call),
                                        image_written_cb, call);
}

static void
image_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = atrium_clipboard_read_image_finish (GDK_CLIPBOARD (source), result,
                                                              &error);

  if (error != NULL)
    atrium_call_return_gerror (call, error);
  else if (png == NULL)
    _atrium_builtin_return_null (call);
  else
    atrium_call_return_bytes (call, png);
}

static void
read_image_cb (AtriumCall *call,
               gpointer    user_data)
{
  GdkClipboard *clipboard = clipboard_of (call);

  if (clipboard != NULL)
    atrium_clipboard_read_image_async (clipboard, atrium_call_get_cancellable (call), image_cb,
                                       call);
}

static const AtriumBuiltinMethod write_methods[] = {
  { "clipboard.write_text", write_text_cb, ATRIUM_BIND_DEFAULT },
  { "clipboard.write_image", write_image_cb, ATRIUM_BIND_ASYNC },
};

static const AtriumBuiltinMethod read_methods[] = {
  { "clipboard.read_text", read_text_cb, ATRIUM_BIND_ASYNC },
  { "clipboard.read_image", read_image_cb, ATRIUM_BIND_ASYNC },
};

const AtriumBuiltinGroup _atrium_builtin_clipboard_group = {
  ATRIUM_BUILTIN_CLIPBOARD, "atrium.clipboard", "ATRIUM_BUILTIN_CLIPBOARD", write_methods,
  G_N_ELEMENTS (write_methods),
};

const AtriumBuiltinGroup _atrium_builtin_clipboard_read_group = {
  ATRIUM_BUILTIN_CLIPBOARD_READ, "atrium.clipboard.read*", "ATRIUM_BUILTIN_CLIPBOARD_READ",
  read_methods, G_N_ELEMENTS (read_methods),
};

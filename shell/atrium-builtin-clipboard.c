#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Clipboard"
#include "config.h"

#include <string.h>

#include "atrium-builtins-private.h"

#include "atrium-window-private.h"

/* atrium.clipboard: the desktop's clipboard, as text or a PNG image. Two
 * groups, since
 * they are not alike: writing (ATRIUM_BUILTIN_CLIPBOARD) replaces what the
 * user copied, and reading (ATRIUM_BUILTIN_CLIPBOARD_READ) hands the page
 * whatever the user copied elsewhere, a password included. Both are off
 * by default; an app that turns on writing has not turned on reading. */

#define TEXT_MAX (4 * 1024 * 1024)

/* An image is a PNG of at most 32 MiB and 64 megapixels (256 MiB once
 * decoded), either way; the pixels are counted from the PNG's header
 * before GTK decodes a byte of it, so a small file that inflates to
 * gigabytes is refused first. Decoding and encoding run on a worker. */
#define IMAGE_BYTES_MAX (32 * 1024 * 1024)
#define IMAGE_PIXELS_MAX (64 * 1024 * 1024)

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
  GdkClipboard *clipboard;
  const char *text;

  if (!_atrium_builtin_arg_string (call, 0, "The text", TEXT_MAX, &text))
    return;
  clipboard = clipboard_of (call);
  if (clipboard == NULL)
    return;
  gdk_clipboard_set_text (clipboard, text);
  _atrium_builtin_return_null (call);
}

static void
read_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  if (text != NULL && g_utf8_validate (text, -1, NULL))
    _atrium_builtin_return_string (call, text);
  else if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    _atrium_builtin_return_null (call);   /* nothing, or nothing that is text */
  else
    atrium_call_return_gerror (call, error);
}

static void
read_text_cb (AtriumCall *call,
              gpointer    user_data)
{
  GdkClipboard *clipboard = clipboard_of (call);

  if (clipboard != NULL)
    gdk_clipboard_read_text_async (clipboard, atrium_call_get_cancellable (call), read_done_cb,
                                   call);
}

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

/* Back on the main thread; the window may have closed meanwhile. */
static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), &error);
  GdkClipboard *clipboard;

  if (texture == NULL)
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  clipboard = clipboard_of (call);
  if (clipboard == NULL)
    return;
  gdk_clipboard_set_texture (clipboard, texture);
  _atrium_builtin_return_null (call);
}

static void
write_image_cb (AtriumCall *call,
                gpointer    user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  GBytes *png = atrium_call_get_bytes (call, 0, &error);

  if (png == NULL || !png_header_ok (png, &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  task = g_task_new (NULL, atrium_call_get_cancellable (call), decoded_cb, call);
  g_task_set_source_tag (task, write_image_cb);
  g_task_set_task_data (task, g_bytes_ref (png), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, decode_thread);
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
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = g_task_propagate_pointer (G_TASK (result), &error);

  if (png == NULL)
    atrium_call_return_gerror (call, error);
  else
    atrium_call_return_bytes (call, png);
}

static void
read_texture_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture =
    gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  g_autoptr(GTask) task = NULL;

  if (texture == NULL)
    {
      if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        _atrium_builtin_return_null (call);   /* nothing, or nothing that is an image */
      else
        atrium_call_return_gerror (call, error);
      return;
    }
  if (!image_size_ok (gdk_texture_get_width (texture), gdk_texture_get_height (texture), &error))
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  task = g_task_new (NULL, atrium_call_get_cancellable (call), encoded_cb, call);
  g_task_set_source_tag (task, read_texture_cb);
  g_task_set_task_data (task, g_object_ref (texture), g_object_unref);
  g_task_run_in_thread (task, encode_thread);
}

static void
read_image_cb (AtriumCall *call,
               gpointer    user_data)
{
  GdkClipboard *clipboard = clipboard_of (call);

  if (clipboard != NULL)
    gdk_clipboard_read_texture_async (clipboard, atrium_call_get_cancellable (call),
                                      read_texture_cb, call);
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

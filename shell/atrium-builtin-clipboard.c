#include "config.h"

#include "atrium-builtins-private.h"

#include "atrium-window-private.h"

/* atrium.clipboard: the desktop's clipboard, as text. Two groups, since
 * they are not alike: writing (ATRIUM_BUILTIN_CLIPBOARD) replaces what the
 * user copied, and reading (ATRIUM_BUILTIN_CLIPBOARD_READ) hands the page
 * whatever the user copied elsewhere, a password included. Both are off
 * by default; an app that turns on writing has not turned on reading. */

#define TEXT_MAX (4 * 1024 * 1024)

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

static const AtriumBuiltinMethod write_methods[] = {
  { "clipboard.write_text", write_text_cb, ATRIUM_BIND_DEFAULT },
};

static const AtriumBuiltinMethod read_methods[] = {
  { "clipboard.read_text", read_text_cb, ATRIUM_BIND_ASYNC },
};

const AtriumBuiltinGroup _atrium_builtin_clipboard_group = {
  ATRIUM_BUILTIN_CLIPBOARD, "atrium.clipboard", "ATRIUM_BUILTIN_CLIPBOARD", write_methods,
  G_N_ELEMENTS (write_methods),
};

const AtriumBuiltinGroup _atrium_builtin_clipboard_read_group = {
  ATRIUM_BUILTIN_CLIPBOARD_READ, "atrium.clipboard.readText", "ATRIUM_BUILTIN_CLIPBOARD_READ",
  read_methods, G_N_ELEMENTS (read_methods),
};

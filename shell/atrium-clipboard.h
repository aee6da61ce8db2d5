#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What the clipboard functions take and give; larger is `too-large`. */
#define ATRIUM_CLIPBOARD_TEXT_MAX         (4 * 1024 * 1024)
#define ATRIUM_CLIPBOARD_IMAGE_BYTES_MAX  (32 * 1024 * 1024)
#define ATRIUM_CLIPBOARD_IMAGE_PIXELS_MAX (64 * 1024 * 1024)

ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_clipboard_write_text          (GdkClipboard        *clipboard,
                                                const char          *text,
                                                GError             **error);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_clipboard_read_text_async     (GdkClipboard        *clipboard,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
char     *atrium_clipboard_read_text_finish    (GdkClipboard        *clipboard,
                                                GAsyncResult        *result,
                                                GError             **error);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_clipboard_write_image_async   (GdkClipboard        *clipboard,
                                                GBytes              *png,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_clipboard_write_image_finish  (GdkClipboard        *clipboard,
                                                GAsyncResult        *result,
                                                GError             **error);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_clipboard_read_image_async    (GdkClipboard        *clipboard,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
GBytes   *atrium_clipboard_read_image_finish   (GdkClipboard        *clipboard,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS

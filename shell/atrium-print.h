#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gtk/gtk.h>

#include "atrium-window.h"

G_BEGIN_DECLS

ATRIUM_AVAILABLE_IN_ALL
void      atrium_window_print_async          (AtriumWindow        *window,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_window_print_finish         (AtriumWindow        *window,
                                              GAsyncResult        *result,
                                              GError             **error);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_window_print_to_pdf_async   (AtriumWindow        *window,
                                              const char          *path,
                                              GtkPageSetup        *page_setup,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_window_print_to_pdf_finish  (AtriumWindow        *window,
                                              GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS

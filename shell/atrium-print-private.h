#pragma once

#include <webkit/webkit.h>

#include "atrium-print.h"

G_BEGIN_DECLS

/* atrium_window_print_async() on the print operation WebKit made for the
 * page's window.print() (its settings are the page's), or a new one
 * without; finished with atrium_window_print_finish(). */
void  _atrium_print_dialog_async  (AtriumWindow         *window,
                                   WebKitPrintOperation *operation,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);

G_END_DECLS

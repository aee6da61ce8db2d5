#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gio/gio.h>

#include "atrium-app.h"

G_BEGIN_DECLS

ATRIUM_AVAILABLE_IN_ALL
void      atrium_app_allow_url_scheme          (AtriumApp           *self,
                                                const char          *scheme);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_shell_show_in_folder_async    (GFile               *file,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_shell_show_in_folder_finish   (GAsyncResult        *result,
                                                GError             **error);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_shell_open_url_async          (AtriumApp           *app,
                                                const char          *url,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_shell_open_url_finish         (GAsyncResult        *result,
                                                GError             **error);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_shell_open_path_async         (GFile               *file,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_shell_open_path_finish        (GAsyncResult        *result,
                                                GError             **error);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_shell_trash_async             (GFile               *file,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_shell_trash_finish            (GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS

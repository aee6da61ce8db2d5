#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gtk/gtk.h>

#include "atrium-window.h"

G_BEGIN_DECLS

/**
 * AtriumDialogFlags:
 * @ATRIUM_DIALOG_NONE: one file
 * @ATRIUM_DIALOG_MULTIPLE: the user may choose more than one
 * @ATRIUM_DIALOG_DIRECTORY: folders, not files
 *
 * What atrium_dialog_open_async() asks the user for.
 */
typedef enum {
  ATRIUM_DIALOG_NONE      = 0,
  ATRIUM_DIALOG_MULTIPLE  = 1 << 0,
  ATRIUM_DIALOG_DIRECTORY = 1 << 1,
} AtriumDialogFlags;

/**
 * AtriumMessageKind:
 * @ATRIUM_MESSAGE_INFO: information
 * @ATRIUM_MESSAGE_WARNING: a warning
 * @ATRIUM_MESSAGE_ERROR: an error
 * @ATRIUM_MESSAGE_QUESTION: a question
 *
 * The kind of a message dialog, which sets its icon.
 */
typedef enum {
  ATRIUM_MESSAGE_INFO,
  ATRIUM_MESSAGE_WARNING,
  ATRIUM_MESSAGE_ERROR,
  ATRIUM_MESSAGE_QUESTION,
} AtriumMessageKind;

ATRIUM_AVAILABLE_IN_ALL
void      atrium_dialog_open_async      (AtriumWindow        *parent,
                                         const char          *title,
                                         AtriumDialogFlags    flags,
                                         GListModel          *filters,
                                         const char          *default_path,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
char    **atrium_dialog_open_finish     (GAsyncResult        *result,
                                         GError             **error);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_dialog_save_async      (AtriumWindow        *parent,
                                         const char          *title,
                                         GListModel          *filters,
                                         const char          *default_path,
                                         const char          *default_name,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
char     *atrium_dialog_save_finish     (GAsyncResult        *result,
                                         GError             **error);

ATRIUM_AVAILABLE_IN_ALL
void      atrium_dialog_message_async   (AtriumWindow        *parent,
                                         AtriumMessageKind    kind,
                                         const char          *title,
                                         const char          *message,
                                         const char          *detail,
                                         const char * const  *buttons,
                                         int                  default_button,
                                         int                  cancel_button,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
int       atrium_dialog_message_finish  (GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS

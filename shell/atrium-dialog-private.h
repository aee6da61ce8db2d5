#pragma once

#include "atrium-dialog.h"

G_BEGIN_DECLS

/* A message dialog, with a text entry when @prompt_text is not NULL (the
 * page's prompt()): atrium_dialog_message_async() without the checks, its
 * result read with atrium_dialog_message_finish() (any source tag) and,
 * for a prompt answered with a button other than @cancel_button, the
 * entry's text with _atrium_dialog_message_dup_text(). */
void   _atrium_dialog_message_start     (AtriumWindow        *parent,
                                         AtriumMessageKind    kind,
                                         const char          *title,
                                         const char          *message,
                                         const char          *detail,
                                         const char * const  *buttons,
                                         int                  default_button,
                                         int                  cancel_button,
                                         const char          *prompt_text,
                                         GCancellable        *cancellable,
                                         gpointer             source_tag,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char  *_atrium_dialog_message_dup_text  (GAsyncResult        *result);

G_END_DECLS

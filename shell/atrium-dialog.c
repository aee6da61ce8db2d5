#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Dialog"
#include "config.h"

#include "atrium-dialog.h"

#include <string.h>

#include "atrium-dialog-private.h"
#include "atrium-thread-private.h"

/* Native dialogs, modal to a window, in the GIO style: a file chooser
 * (GtkFileChooserNative, which goes through the desktop portal inside a
 * sandbox and is GTK's own dialog elsewhere) and a message dialog.
 *
 * One operation ends exactly once, whichever comes first: the user
 * answers, the cancellable is cancelled (the page's p.cancel(), or the
 * app's), or the parent window is destroyed. The last two close the dialog
 * and end with G_IO_ERROR_CANCELLED. Main thread only, but the cancellable
 * may be cancelled from any thread: its source runs the cancel on the
 * context the operation started on. */

typedef struct
{
  GTask           *task;            /* held until the operation ends */
  GtkWindow       *parent;          /* held; NULL without one */
  GtkApplication  *app;             /* the parent's, held while watched */
  gulong           app_handler;
  GSource         *cancel_source;
  GtkNativeDialog *chooser;         /* a file dialog's, or NULL */
  GtkWidget       *message;         /* a message dialog's, or NULL */
  GtkWidget       *entry;           /* a prompt's text entry, or NULL */
  gulong           response_handler;
  int              cancel_button;   /* a message dialog's answer to Escape */
  int              n_buttons;
  gboolean         multiple;
} Operation;

static void
operation_free (Operation *op)
{
  g_assert (op->task == NULL);
  g_clear_object (&op->parent);
  g_free (op);
}

/* Closes the dialog and lets go of everything but the task, which the
 * caller returns on. */
static GTask *
operation_end (Operation *op)
{
  if (op->app != NULL)
    {
      g_clear_signal_handler (&op->app_handler, op->app);
      g_clear_object (&op->app);
    }
  if (op->cancel_source != NULL)
    {
      g_source_destroy (op->cancel_source);
      g_clear_pointer (&op->cancel_source, g_source_unref);
    }
  if (op->chooser != NULL)
    {
      g_clear_signal_handler (&op->response_handler, op->chooser);
      gtk_native_dialog_hide (op->chooser);
      gtk_native_dialog_destroy (op->chooser);
      g_clear_object (&op->chooser);
    }
  if (op->message != NULL)
    {
      g_clear_signal_handler (&op->response_handler, op->message);
      op->entry = NULL;
      gtk_window_destroy (GTK_WINDOW (op->message));
      g_clear_object (&op->message);
    }
  return g_steal_pointer (&op->task);
}

static void
operation_cancel (Operation  *op,
                  const char *why)
{
  g_autoptr(GTask) task = operation_end (op);

  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", why);
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  operation_cancel (user_data, "The dialog was cancelled");
  return G_SOURCE_REMOVE;
}

/* gtk_window_destroy() takes the window out of its application, and
 * that is the moment it closes: it is disposed (and says "destroy") only
 * once every reference has gone, this operation's included. */
static void
window_removed_cb (GtkApplication *app,
                   GtkWindow      *window,
                   gpointer        user_data)
{
  Operation *op = user_data;

  if (window == op->parent)
    operation_cancel (op, "The dialog's window closed");
}

/* Makes the operation; FALSE if the cancellable was cancelled already (the
 * task has its error then). */
static Operation *
operation_new (AtriumWindow        *parent,
               GCancellable        *cancellable,
               gpointer             source_tag,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  Operation *op = g_new0 (Operation, 1);

  op->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (op->task, source_tag);
  g_task_set_task_data (op->task, op, (GDestroyNotify) operation_free);
  op->parent = parent != NULL ? g_object_ref (GTK_WINDOW (parent)) : NULL;
  op->cancel_button = -1;
  return op;
}

/* Shown: from here the window's end or the cancellable's ends it too. */
static void
operation_watch (Operation *op)
{
  GCancellable *cancellable = g_task_get_cancellable (op->task);

  if (op->parent != NULL && gtk_window_get_application (op->parent) != NULL)
    {
      op->app = g_object_ref (gtk_window_get_application (op->parent));
      op->app_handler = g_signal_connect (op->app, "window-removed",
                                          G_CALLBACK (window_removed_cb), op);
    }
  if (cancellable != NULL)
    {
      op->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (op->cancel_source, G_SOURCE_FUNC (cancelled_cb), op, NULL);
      g_source_attach (op->cancel_source, g_task_get_context (op->task));
    }
}

/* Returns FALSE, having ended the operation, if it cannot start. */
static gboolean
operation_can_start (Operation *op)
{
  g_autoptr(GTask) task = NULL;

  /* A window on its way out has left its app, or let go of its web view. */
  if (op->parent != NULL && (gtk_window_get_application (op->parent) == NULL
                             || atrium_window_get_web_view (ATRIUM_WINDOW (op->parent)) == NULL))
    {
      task = g_steal_pointer (&op->task);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The dialog's window closed");
      return FALSE;
    }
  if (g_cancellable_is_cancelled (g_task_get_cancellable (op->task)))
    {
      task = g_steal_pointer (&op->task);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The dialog was cancelled");
      return FALSE;
    }
  return TRUE;
}

/* --- file dialogs --- */

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  Operation *op = user_data;
  g_autoptr(GListModel) files = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GTask) task = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
  for (guint i = 0; files != NULL && i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);
      char *path = g_file_get_path (file);

      if (path == NULL)
        {
          g_autofree char *uri = g_file_get_uri (file);

          task = operation_end (op);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                   "%s is not a local file", uri);
          return;
        }
      g_ptr_array_add (paths, path);
    }

  task = operation_end (op);
  if (paths->len == 0)
    {
      /* The user cancelled: no paths, and no error. */
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  g_ptr_array_add (paths, NULL);
  g_task_return_pointer (task, g_ptr_array_steal (paths, NULL), (GDestroyNotify) g_strfreev);
}

/* Where the chooser starts: a folder as it is; a file's folder, with the
 * file chosen (open) or its name filled in (save). A path that names
 * nothing is a hint that no longer holds (a folder removed since): the
 * chooser starts where it would without it. */
static void
chooser_set_default (GtkFileChooser *chooser,
                     const char     *default_path,
                     gboolean        save)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) folder = NULL;

  if (default_path == NULL)
    return;
  file = g_file_new_for_path (default_path);
  if (g_file_test (default_path, G_FILE_TEST_IS_DIR))
    {
      gtk_file_chooser_set_current_folder (chooser, file, NULL);
      return;
    }
  folder = g_file_get_parent (file);
  if (folder == NULL || g_file_query_file_type (folder, G_FILE_QUERY_INFO_NONE, NULL)
                        != G_FILE_TYPE_DIRECTORY)
    return;
  gtk_file_chooser_set_current_folder (chooser, folder, NULL);
  if (save)
    {
      g_autofree char *name = g_file_get_basename (file);

      gtk_file_chooser_set_current_name (chooser, name);
    }
  else if (g_file_test (default_path, G_FILE_TEST_EXISTS))
    {
      gtk_file_chooser_set_file (chooser, file, NULL);
    }
}

static void
chooser_show (Operation         *op,
              GtkFileChooserAction action,
              const char        *title,
              GListModel        *filters,
              const char        *default_path,
              const char        *default_name,
              gboolean           multiple)
{
  GtkFileChooserNative *chooser;
  const char *accept;

  if (!operation_can_start (op))
    return;
  if (action == GTK_FILE_CHOOSER_ACTION_SAVE)
    accept = g_dgettext ("gtk40", "_Save");
  else
    accept = g_dgettext ("gtk40", "_Open");
  chooser = gtk_file_chooser_native_new (title, op->parent, action, accept, NULL);
  op->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_set_modal (op->chooser, TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), multiple);

  for (guint i = 0; filters != NULL && i < g_list_model_get_n_items (filters); i++)
    {
      g_autoptr(GtkFileFilter) filter = g_list_model_get_item (filters, i);

      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
    }
  chooser_set_default (GTK_FILE_CHOOSER (chooser), default_path,
                       action == GTK_FILE_CHOOSER_ACTION_SAVE);
  if (default_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), default_name);

  op->response_handler = g_signal_connect (chooser, "response",
                                           G_CALLBACK (chooser_response_cb), op);
  operation_watch (op);
  gtk_native_dialog_show (op->chooser);
}

/**
 * atrium_dialog_open_async:
 * @parent: (nullable): the window the dialog is modal to; destroying it
 *   closes the dialog and ends the operation with %G_IO_ERROR_CANCELLED
 * @title: (nullable): the dialog's title
 * @flags: one file or several, files or folders
 * @filters: (nullable): a list of #GtkFileFilter the user chooses among
 * @default_path: (nullable): an absolute path: the folder to start in, or a
 *   file to start with chosen
 * @cancellable: (nullable): cancelling it closes the dialog
 * @callback: called once the user has answered, or the dialog was closed
 *
 * Asks the user for files or folders to open, with the desktop's file
 * chooser (through the portal inside a sandbox).
 */
void
atrium_dialog_open_async (AtriumWindow        *parent,
                          const char          *title,
                          AtriumDialogFlags    flags,
                          GListModel          *filters,
                          const char          *default_path,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Operation *op;

  g_return_if_fail (parent == NULL || ATRIUM_IS_WINDOW (parent));
  g_return_if_fail (filters == NULL || g_list_model_get_item_type (filters)
                                       == GTK_TYPE_FILE_FILTER);
  g_return_if_fail (default_path == NULL || g_path_is_absolute (default_path));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (_atrium_is_main_thread ());

  op = operation_new (parent, cancellable, atrium_dialog_open_async, callback, user_data);
  chooser_show (op, (flags & ATRIUM_DIALOG_DIRECTORY) ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                      : GTK_FILE_CHOOSER_ACTION_OPEN,
                title, filters, default_path, NULL, (flags & ATRIUM_DIALOG_MULTIPLE) != 0);
}

/**
 * atrium_dialog_open_finish:
 *
 * Returns: (transfer full) (nullable): the absolute paths the user chose,
 *   or %NULL without an error when the user cancelled; %NULL with @error
 *   set (%G_IO_ERROR_CANCELLED) when the cancellable or the window's end
 *   closed the dialog
 */
char **
atrium_dialog_open_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == atrium_dialog_open_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * atrium_dialog_save_async:
 * @parent: (nullable): the window the dialog is modal to
 * @title: (nullable): the dialog's title
 * @filters: (nullable): a list of #GtkFileFilter
 * @default_path: (nullable): an absolute path: the folder to start in, or a
 *   file whose folder and name to start with
 * @default_name: (nullable): the name to start with (a file name, no
 *   folder), over @default_path's
 * @cancellable: (nullable): cancelling it closes the dialog
 * @callback: called once the user has answered, or the dialog was closed
 *
 * Asks the user where to save a file. The chooser asks the user before
 * naming a file that exists.
 */
void
atrium_dialog_save_async (AtriumWindow        *parent,
                          const char          *title,
                          GListModel          *filters,
                          const char          *default_path,
                          const char          *default_name,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Operation *op;

  g_return_if_fail (parent == NULL || ATRIUM_IS_WINDOW (parent));
  g_return_if_fail (filters == NULL || g_list_model_get_item_type (filters)
                                       == GTK_TYPE_FILE_FILTER);
  g_return_if_fail (default_path == NULL || g_path_is_absolute (default_path));
  g_return_if_fail (default_name == NULL || strchr (default_name, '/') == NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (_atrium_is_main_thread ());

  op = operation_new (parent, cancellable, atrium_dialog_save_async, callback, user_data);
  chooser_show (op, GTK_FILE_CHOOSER_ACTION_SAVE, title, filters, default_path, default_name,
                FALSE);
}

/**
 * atrium_dialog_save_finish:
 *
 * Returns: (transfer full) (nullable): the absolute path the user chose,
 *   or %NULL without an error when the user cancelled
 */
char *
atrium_dialog_save_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_auto(GStrv) paths = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == atrium_dialog_save_async,
                        NULL);

  paths = g_task_propagate_pointer (G_TASK (result), error);
  return paths != NULL ? g_strdup (paths[0]) : NULL;
}

/* --- message dialogs --- */

/* A message the page wrote (alert() of 16 KiB with no space in it) must not
 * make a dialog wider or taller than the screen, where its buttons would be
 * out of reach: GtkMessageDialog's labels wrap at words only, so a long
 * word is as wide as it is. Here they break inside words too, and show at
 * most MESSAGE_LINES_MAX lines, the last ending in an ellipsis; the text
 * itself is kept whole (the label's "label"). */
#define MESSAGE_LINES_MAX 24

static void
fit_labels (GtkMessageDialog *dialog)
{
  GtkWidget *area = gtk_message_dialog_get_message_area (dialog);

  for (GtkWidget *child = gtk_widget_get_first_child (area); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LABEL (child))
      {
        gtk_label_set_wrap_mode (GTK_LABEL (child), PANGO_WRAP_WORD_CHAR);
        gtk_label_set_ellipsize (GTK_LABEL (child), PANGO_ELLIPSIZE_END);
        gtk_label_set_lines (GTK_LABEL (child), MESSAGE_LINES_MAX);
      }
}

static void
message_response_cb (GtkDialog *dialog,
                     int        response,
                     gpointer   user_data)
{
  Operation *op = user_data;
  g_autoptr(GTask) task = NULL;
  g_autofree char *text = NULL;

  /* Escape, the close button, the window manager: the cancel button. */
  if (response < 0 || response >= op->n_buttons)
    response = op->cancel_button;
  if (op->entry != NULL && response != op->cancel_button)
    text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (op->entry)));
  task = operation_end (op);
  if (text != NULL)
    g_object_set_data_full (G_OBJECT (task), "atrium-prompt-text", g_steal_pointer (&text),
                            g_free);
  g_task_return_int (task, response);
}

static GtkMessageType
message_type (AtriumMessageKind kind)
{
  switch (kind)
    {
    case ATRIUM_MESSAGE_WARNING:
      return GTK_MESSAGE_WARNING;
    case ATRIUM_MESSAGE_ERROR:
      return GTK_MESSAGE_ERROR;
    case ATRIUM_MESSAGE_QUESTION:
      return GTK_MESSAGE_QUESTION;
    case ATRIUM_MESSAGE_INFO:
    default:
      return GTK_MESSAGE_INFO;
    }
}

void
_atrium_dialog_message_start (AtriumWindow        *parent,
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
                              gpointer             user_data)
{
  const char *ok_only[] = { g_dgettext ("gtk40", "_OK"), NULL };
  const char * const *labels = buttons;
  Operation *op = operation_new (parent, cancellable, source_tag, callback, user_data);
  GtkWidget *dialog;

  if (!operation_can_start (op))
    return;
  if (labels == NULL || labels[0] == NULL)
    labels = ok_only;
  op->n_buttons = g_strv_length ((char **) labels);
  op->cancel_button = cancel_button;

  /* Under Xvfb with openbox, `xwd -root` shows what is under a dialog
   * over its window, not the dialog: xwd rebuilds the screen from the
   * window tree whenever windows have another visual than the root's
   * (GTK 4 takes a depth-32 one when the server has it, a GL-chosen
   * depth-24 one otherwise) and gets that case wrong. The dialog is
   * drawn: a plain XGetImage of the root window shows it, as one of its
   * own window does (test-dialogs checks both). */
  dialog = g_object_new (GTK_TYPE_MESSAGE_DIALOG,
                         "message-type", message_type (kind),
                         "text", message != NULL ? message : "",
                         "secondary-text", detail,
                         "title", title,
                         "modal", TRUE,
                         "destroy-with-parent", TRUE,
                         "transient-for", op->parent,
                         NULL);
  op->message = g_object_ref_sink (dialog);
  fit_labels (GTK_MESSAGE_DIALOG (dialog));
  for (int i = 0; i < op->n_buttons; i++)
    gtk_dialog_add_button (GTK_DIALOG (dialog), labels[i], i);
  if (default_button >= 0 && default_button < op->n_buttons)
    gtk_dialog_set_default_response (GTK_DIALOG (dialog), default_button);

  if (prompt_text != NULL)
    {
      GtkWidget *area = gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (dialog));

      op->entry = gtk_entry_new ();
      gtk_editable_set_text (GTK_EDITABLE (op->entry), prompt_text);
      /* Return in the entry presses the default button (a prompt's OK),
       * as it does anywhere else in the dialog. */
      gtk_entry_set_activates_default (GTK_ENTRY (op->entry), TRUE);
      gtk_box_append (GTK_BOX (area), op->entry);
    }

  op->response_handler = g_signal_connect (dialog, "response",
                                           G_CALLBACK (message_response_cb), op);
  operation_watch (op);
  gtk_window_present (GTK_WINDOW (dialog));
  if (op->entry != NULL)
    gtk_widget_grab_focus (op->entry);
}

char *
_atrium_dialog_message_dup_text (GAsyncResult *result)
{
  return g_strdup (g_object_get_data (G_OBJECT (result), "atrium-prompt-text"));
}

/**
 * atrium_dialog_message_async:
 * @parent: (nullable): the window the dialog is modal to
 * @kind: information, warning, error or question
 * @title: (nullable): the dialog window's title
 * @message: the message, in bold
 * @detail: (nullable): more text under it
 * @buttons: (nullable) (array zero-terminated=1): the buttons' labels, in
 *   order (an underscore marks the mnemonic, as in GTK); %NULL or empty for
 *   one "OK"
 * @default_button: the index of the button Return presses, or -1
 * @cancel_button: the index atrium_dialog_message_finish() returns when
 *   the user closes the dialog without a button (Escape, the close
 *   button), or -1
 * @cancellable: (nullable): cancelling it closes the dialog
 * @callback: called once the user has answered, or the dialog was closed
 *
 * Shows a message and asks the user to press one of its buttons.
 */
void
atrium_dialog_message_async (AtriumWindow        *parent,
                             AtriumMessageKind    kind,
                             const char          *title,
                             const char          *message,
                             const char          *detail,
                             const char * const  *buttons,
                             int                  default_button,
                             int                  cancel_button,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  guint n = buttons != NULL && buttons[0] != NULL ? g_strv_length ((char **) buttons) : 1;

  g_return_if_fail (parent == NULL || ATRIUM_IS_WINDOW (parent));
  g_return_if_fail (kind <= ATRIUM_MESSAGE_QUESTION);
  g_return_if_fail (message != NULL);
  g_return_if_fail (default_button >= -1 && default_button < (int) n);
  g_return_if_fail (cancel_button >= -1 && cancel_button < (int) n);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (_atrium_is_main_thread ());

  _atrium_dialog_message_start (parent, kind, title, message, detail, buttons, default_button,
                                cancel_button, NULL, cancellable, atrium_dialog_message_async,
                                callback, user_data);
}

/**
 * atrium_dialog_message_finish:
 *
 * Returns: the index of the button the user pressed, the cancel button's
 *   when they closed the dialog otherwise; -1 with @error set
 *   (%G_IO_ERROR_CANCELLED) when the cancellable or the window's end
 *   closed it
 */
int
atrium_dialog_message_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);

  return (int) g_task_propagate_int (G_TASK (result), error);
}

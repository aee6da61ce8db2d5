#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Dialog"
#include "config.h"

#include "atrium-page-dialogs-private.h"

#include <string.h>

#include "atrium-dialog-private.h"

/* The page's own dialogs: alert(), confirm(), prompt(), the "leave this
 * page?" question and <input type=file>, shown as the desktop's, modal to
 * the page's window, through the same operations as atrium.dialog. They
 * are the web platform's, not built-ins, so no group switches them: what
 * the page gets is what a browser gives it (an answer, or a file's bytes
 * without its path). WebKit's own would show the first four inside the
 * view. Closing the window closes them, and WebKit hears "cancelled". */

typedef struct
{
  WebKitScriptDialog *dialog;
  WebKitScriptDialogType type;
} ScriptDialog;

static const char *
dialog_title (AtriumWindow *window)
{
  const char *name = g_get_application_name ();

  return name != NULL ? name : gtk_window_get_title (GTK_WINDOW (window));
}

static void
script_dialog_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  ScriptDialog *sd = user_data;
  g_autoptr(GError) error = NULL;
  int button = atrium_dialog_message_finish (result, &error);
  gboolean ok = error == NULL && button == 1;

  switch (sd->type)
    {
    case WEBKIT_SCRIPT_DIALOG_CONFIRM:
    case WEBKIT_SCRIPT_DIALOG_BEFORE_UNLOAD_CONFIRM:
      webkit_script_dialog_confirm_set_confirmed (sd->dialog, ok);
      break;

    case WEBKIT_SCRIPT_DIALOG_PROMPT:
      if (ok)
        {
          g_autofree char *text = _atrium_dialog_message_dup_text (result);

          webkit_script_dialog_prompt_set_text (sd->dialog, text != NULL ? text : "");
        }
      break;

    case WEBKIT_SCRIPT_DIALOG_ALERT:
    default:
      break;
    }
  webkit_script_dialog_close (sd->dialog);
  webkit_script_dialog_unref (sd->dialog);
  g_free (sd);
}

static gboolean
script_dialog_cb (WebKitWebView      *web_view,
                  WebKitScriptDialog *dialog,
                  AtriumWindow       *window)
{
  ScriptDialog *sd = g_new0 (ScriptDialog, 1);
  const char *message = webkit_script_dialog_get_message (dialog);
  g_autofree char *shown = NULL;
  const char *ok = g_dgettext ("gtk40", "_OK");
  const char *cancel = g_dgettext ("gtk40", "_Cancel");
  const char *labels[3] = { cancel, ok, NULL };
  AtriumMessageKind kind = ATRIUM_MESSAGE_QUESTION;
  const char *prompt = NULL;

  sd->dialog = webkit_script_dialog_ref (dialog);
  sd->type = webkit_script_dialog_get_dialog_type (dialog);
  switch (sd->type)
    {
    case WEBKIT_SCRIPT_DIALOG_ALERT:
      labels[0] = ok;
      labels[1] = NULL;
      kind = ATRIUM_MESSAGE_INFO;
      break;

    case WEBKIT_SCRIPT_DIALOG_PROMPT:
      prompt = webkit_script_dialog_prompt_get_default_text (dialog);
      if (prompt == NULL)
        prompt = "";
      break;

    case WEBKIT_SCRIPT_DIALOG_BEFORE_UNLOAD_CONFIRM:
      /* No text of the page's here (browsers show none since pages used it
       * to scare), and WebKit passes an empty one: its own question. */
      message = g_dgettext ("WebKitGTK-6.0", "Are you sure you want to leave this page?");
      labels[0] = g_dgettext ("WebKitGTK-6.0", "Stay on Page");
      labels[1] = g_dgettext ("WebKitGTK-6.0", "Leave Page");
      kind = ATRIUM_MESSAGE_WARNING;
      break;

    case WEBKIT_SCRIPT_DIALOG_CONFIRM:
    default:
      break;
    }
  if (message == NULL)
    message = "";
  if (strlen (message) > ATRIUM_PAGE_DIALOG_TEXT_MAX)
    {
      const char *end = g_utf8_find_prev_char (message,
                                               message + ATRIUM_PAGE_DIALOG_TEXT_MAX + 1);

      shown = g_strdup_printf ("%.*s…", (int) (end - message), message);
      message = shown;
    }
  /* Return answers OK (alert's only button); Escape, Cancel. */
  _atrium_dialog_message_start (window, kind, dialog_title (window),
                                message, NULL, labels,
                                labels[1] != NULL ? 1 : 0, 0, prompt, NULL,
                                atrium_dialog_message_async, script_dialog_done_cb, sd);
  return TRUE;
}

static void
file_chooser_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(WebKitFileChooserRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) paths = atrium_dialog_open_finish (result, &error);

  if (paths != NULL)
    webkit_file_chooser_request_select_files (request, (const char * const *) paths);
  else
    webkit_file_chooser_request_cancel (request);
}

static gboolean
run_file_chooser_cb (WebKitWebView            *web_view,
                     WebKitFileChooserRequest *request,
                     AtriumWindow             *window)
{
  GtkFileFilter *filter = webkit_file_chooser_request_get_mime_types_filter (request);
  gboolean multiple = webkit_file_chooser_request_get_select_multiple (request);
  g_autoptr(GListStore) filters = NULL;

  if (filter != NULL)
    {
      filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
      g_list_store_append (filters, filter);
    }
  atrium_dialog_open_async (window,
                            multiple ? g_dgettext ("WebKitGTK-6.0", "Select Files")
                                     : g_dgettext ("WebKitGTK-6.0", "Select File"),
                            multiple ? ATRIUM_DIALOG_MULTIPLE : ATRIUM_DIALOG_NONE,
                            G_LIST_MODEL (filters), NULL, NULL, file_chooser_done_cb,
                            g_object_ref (request));
  return TRUE;
}

void
_atrium_page_dialogs_attach (AtriumWindow *window)
{
  WebKitWebView *web_view = atrium_window_get_web_view (window);

  g_signal_connect_object (web_view, "script-dialog", G_CALLBACK (script_dialog_cb), window, 0);
  g_signal_connect_object (web_view, "run-file-chooser", G_CALLBACK (run_file_chooser_cb),
                           window, 0);
}

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Print"
#include "config.h"

#include "atrium-print.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtkunixprint.h>

#include "atrium-error.h"
#include "atrium-print-private.h"

/* Printing a window's page, in the GIO style: through the print dialog
 * (GTK's own, GtkPrintUnixDialog, shown without a nested main loop, which
 * webkit_print_operation_run_dialog() would run), or straight to a PDF
 * file with GTK's "Print to File" printer.
 *
 * A PDF is written to a temporary file beside the one asked for (".NAME.
 * XXXXXX") and renamed over it once WebKit says the job is finished; on
 * failure or cancellation the temporary file is deleted, so the path holds
 * the whole PDF or what it held before.
 *
 * One Print lives until both its task has returned and WebKit has finished
 * with the job it was given (a job cannot be stopped once WebKit has it:
 * a cancel returns at once, and the job's end still cleans up). The window
 * closing, or the cancellable, ends the task with G_IO_ERROR_CANCELLED and
 * closes the dialog.
 *
 * One Print per window at a time (the window's BUSY_KEY, from print_new()
 * to print_free()): WebKit never finishes a second print operation on a
 * view while one runs, so a second call is ATRIUM_ERROR_FAILED at once.
 * Main thread only. */

#define BUSY_KEY "atrium-print-busy"

typedef struct
{
  GTask                *task;         /* until it has returned */
  AtriumWindow         *window;       /* held */
  GtkApplication       *app;          /* the window's, held while watched */
  gulong                app_handler;
  GSource              *cancel_source;
  WebKitPrintOperation *operation;    /* held */
  GtkWidget            *dialog;       /* the print dialog while it shows */
  GtkPageSetup         *page_setup;   /* a PDF's */
  char                 *path;         /* a PDF's, and where it is written first */
  char                 *temp;
  char                 *printer;      /* GTK's file printer's name, once found */
  gboolean              printing;     /* WebKit has the job and has not ended it */
  gboolean              enumerating;  /* looking for the file printer */
} Print;

static void
print_free (Print *p)
{
  g_assert (p->task == NULL && !p->printing && !p->enumerating);
  if (p->operation != NULL)
    g_signal_handlers_disconnect_by_data (p->operation, p);
  g_object_set_data (G_OBJECT (p->window), BUSY_KEY, NULL);
  g_clear_object (&p->operation);
  g_clear_object (&p->window);
  g_clear_object (&p->page_setup);
  g_free (p->path);
  g_free (p->temp);
  g_free (p->printer);
  g_free (p);
}

static void
remove_temp (Print *p)
{
  if (p->temp != NULL && g_unlink (p->temp) != 0 && errno != ENOENT)
    g_message ("Could not remove %s: %s", p->temp, g_strerror (errno));
  g_clear_pointer (&p->temp, g_free);
}

/* Lets go of the dialog and the watches, and hands back the task, which
 * the caller returns on; frees @p if WebKit is done with it too. */
static GTask *
print_end (Print *p)
{
  GTask *task = g_steal_pointer (&p->task);

  if (p->app != NULL)
    {
      g_clear_signal_handler (&p->app_handler, p->app);
      g_clear_object (&p->app);
    }
  if (p->cancel_source != NULL)
    {
      g_source_destroy (p->cancel_source);
      g_clear_pointer (&p->cancel_source, g_source_unref);
    }
  if (p->dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (p->dialog, p);
      gtk_window_destroy (GTK_WINDOW (p->dialog));
      g_clear_object (&p->dialog);
    }
  if (!p->printing && !p->enumerating)
    {
      remove_temp (p);
      print_free (p);
    }
  return task;
}

static void
print_return_error (Print  *p,
                    GError *error)
{
  g_autoptr(GTask) task = print_end (p);

  if (task != NULL)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

static void
print_return_boolean (Print    *p,
                      gboolean  value)
{
  g_autoptr(GTask) task = print_end (p);

  if (task != NULL)
    g_task_return_boolean (task, value);
}

static void
print_cancel (Print      *p,
              const char *why)
{
  print_return_error (p, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, why));
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  print_cancel (user_data, "Printing was cancelled");
  return G_SOURCE_REMOVE;
}

static void
window_removed_cb (GtkApplication *app,
                   GtkWindow      *window,
                   gpointer        user_data)
{
  Print *p = user_data;

  if (window == GTK_WINDOW (p->window))
    print_cancel (p, "The window closed");
}

/* Makes the operation, or returns NULL having ended the task, if the
 * window is on its way out or the cancellable was cancelled. */
static Print *
print_new (AtriumWindow         *window,
           WebKitPrintOperation *operation,
           GCancellable         *cancellable,
           gpointer              source_tag,
           GAsyncReadyCallback   callback,
           gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (window, cancellable, callback, user_data);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (window));
  Print *p;

  g_task_set_source_tag (task, source_tag);
  if (app == NULL || atrium_window_get_web_view (window) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The window closed");
      return NULL;
    }
  if (g_task_return_error_if_cancelled (task))
    return NULL;
  if (g_object_get_data (G_OBJECT (window), BUSY_KEY) != NULL)
    {
      g_task_return_new_error (task, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                               "This window is printing already");
      return NULL;
    }

  p = g_new0 (Print, 1);
  p->task = g_steal_pointer (&task);
  p->window = g_object_ref (window);
  g_object_set_data (G_OBJECT (window), BUSY_KEY, p);
  p->operation = operation != NULL ? g_object_ref (operation)
                                   : webkit_print_operation_new (atrium_window_get_web_view (window));
  p->app = g_object_ref (app);
  p->app_handler = g_signal_connect (app, "window-removed", G_CALLBACK (window_removed_cb), p);
  if (cancellable != NULL)
    {
      p->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (p->cancel_source, G_SOURCE_FUNC (cancelled_cb), p, NULL);
      g_source_attach (p->cancel_source, g_task_get_context (p->task));
    }
  return p;
}

/* --- WebKit's job --- */

static void
job_over (Print *p)
{
  g_signal_handlers_disconnect_by_data (p->operation, p);
  p->printing = FALSE;
}

static void
finished_cb (WebKitPrintOperation *operation,
             gpointer              user_data)
{
  Print *p = user_data;

  job_over (p);
  if (p->task != NULL && p->temp != NULL)
    {
      /* An empty file is no PDF: the job ended without writing. */
      GStatBuf st;

      if (g_stat (p->temp, &st) != 0 || st.st_size == 0)
        {
          print_return_error (p, g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                                              "The printer wrote nothing to %s", p->path));
          return;
        }
      if (g_rename (p->temp, p->path) != 0)
        {
          int saved = errno;

          print_return_error (p, g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                                              "Could not write %s: %s", p->path,
                                              g_strerror (saved)));
          return;
        }
      g_clear_pointer (&p->temp, g_free);
    }
  if (p->task != NULL)
    print_return_boolean (p, TRUE);
  else
    print_end (p);   /* cancelled meanwhile: the temporary file goes */
}

static void
failed_cb (WebKitPrintOperation *operation,
           GError               *error,
           gpointer              user_data)
{
  Print *p = user_data;

  job_over (p);
  print_return_error (p, g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_FAILED, "Printing failed: %s",
                                      error != NULL ? error->message : "no reason given"));
}

static void
start_job (Print *p)
{
  p->printing = TRUE;
  g_signal_connect (p->operation, "finished", G_CALLBACK (finished_cb), p);
  g_signal_connect (p->operation, "failed", G_CALLBACK (failed_cb), p);
  webkit_print_operation_print (p->operation);
}

/* --- the dialog --- */

static void
dialog_response_cb (GtkDialog *dialog,
                    int        response,
                    gpointer   user_data)
{
  Print *p = user_data;
  GtkPrintUnixDialog *unix_dialog = GTK_PRINT_UNIX_DIALOG (dialog);
  g_autoptr(GtkPrintSettings) settings = NULL;
  GtkPrinter *printer;

  if (response != GTK_RESPONSE_OK)
    {
      print_return_boolean (p, FALSE);
      return;
    }
  settings = gtk_print_unix_dialog_get_settings (unix_dialog);
  printer = gtk_print_unix_dialog_get_selected_printer (unix_dialog);
  if (printer != NULL)
    gtk_print_settings_set_printer (settings, gtk_printer_get_name (printer));
  webkit_print_operation_set_print_settings (p->operation, settings);
  webkit_print_operation_set_page_setup (p->operation,
                                         gtk_print_unix_dialog_get_page_setup (unix_dialog));
  g_signal_handlers_disconnect_by_data (p->dialog, p);
  gtk_window_destroy (GTK_WINDOW (p->dialog));
  g_clear_object (&p->dialog);
  start_job (p);
}

void
_atrium_print_dialog_async (AtriumWindow         *window,
                            WebKitPrintOperation *operation,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  Print *p = print_new (window, operation, cancellable, atrium_window_print_async, callback,
                        user_data);
  GtkPrintSettings *settings;
  GtkPageSetup *page_setup;

  if (p == NULL)
    return;
  p->dialog = g_object_ref_sink (gtk_print_unix_dialog_new (NULL, GTK_WINDOW (window)));
  gtk_window_set_modal (GTK_WINDOW (p->dialog), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (p->dialog), TRUE);
  gtk_print_unix_dialog_set_embed_page_setup (GTK_PRINT_UNIX_DIALOG (p->dialog), TRUE);
  gtk_print_unix_dialog_set_manual_capabilities (GTK_PRINT_UNIX_DIALOG (p->dialog),
                                                 GTK_PRINT_CAPABILITY_PAGE_SET
                                                 | GTK_PRINT_CAPABILITY_COPIES
                                                 | GTK_PRINT_CAPABILITY_COLLATE
                                                 | GTK_PRINT_CAPABILITY_REVERSE
                                                 | GTK_PRINT_CAPABILITY_SCALE
                                                 | GTK_PRINT_CAPABILITY_GENERATE_PDF
                                                 | GTK_PRINT_CAPABILITY_GENERATE_PS
                                                 | GTK_PRINT_CAPABILITY_NUMBER_UP
                                                 | GTK_PRINT_CAPABILITY_NUMBER_UP_LAYOUT);
  settings = webkit_print_operation_get_print_settings (p->operation);
  if (settings != NULL)
    gtk_print_unix_dialog_set_settings (GTK_PRINT_UNIX_DIALOG (p->dialog), settings);
  page_setup = webkit_print_operation_get_page_setup (p->operation);
  if (page_setup != NULL)
    gtk_print_unix_dialog_set_page_setup (GTK_PRINT_UNIX_DIALOG (p->dialog), page_setup);
  g_signal_connect (p->dialog, "response", G_CALLBACK (dialog_response_cb), p);
  gtk_window_present (GTK_WINDOW (p->dialog));
}

/**
 * atrium_window_print_async:
 * @window: the window whose page to print
 * @cancellable: (nullable): cancelling it closes the dialog
 * @callback: called once the page is printed, or the user said no
 *
 * Shows the print dialog, modal to @window, and prints the page where the
 * user says. The page's own `window.print()` goes this way too.
 */
void
atrium_window_print_async (AtriumWindow        *window,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (ATRIUM_IS_WINDOW (window));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  _atrium_print_dialog_async (window, NULL, cancellable, callback, user_data);
}

/**
 * atrium_window_print_finish:
 *
 * Returns: %TRUE once printed; %FALSE without an error if the user
 *   cancelled the dialog; %FALSE with @error set when printing failed, or
 *   (%G_IO_ERROR_CANCELLED) the cancellable or the window's end closed it
 */
gboolean
atrium_window_print_finish (AtriumWindow  *window,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, window), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == atrium_window_print_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- to a PDF file --- */

/* GTK's "Print to File" printer, whose name GTK translates: the virtual
 * printer that takes PDF. */
static gboolean
printer_found_cb (GtkPrinter *printer,
                  gpointer    user_data)
{
  Print *p = user_data;

  if (gtk_printer_is_virtual (printer) && gtk_printer_accepts_pdf (printer)
      && p->printer == NULL)
    p->printer = g_strdup (gtk_printer_get_name (printer));
  return p->printer != NULL;
}

static void
printers_done_cb (gpointer user_data)
{
  Print *p = user_data;
  g_autoptr(GtkPrintSettings) settings = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;

  p->enumerating = FALSE;
  if (p->task == NULL)
    {
      print_end (p);   /* cancelled meanwhile */
      return;
    }
  if (p->printer == NULL)
    {
      print_return_error (p, g_error_new_literal (ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                                                  "GTK has no Print to File printer here"));
      return;
    }
  file = g_file_new_for_path (p->temp);
  uri = g_file_get_uri (file);
  settings = gtk_print_settings_new ();
  gtk_print_settings_set_printer (settings, p->printer);
  gtk_print_settings_set (settings, GTK_PRINT_SETTINGS_OUTPUT_FILE_FORMAT, "pdf");
  gtk_print_settings_set (settings, GTK_PRINT_SETTINGS_OUTPUT_URI, uri);
  gtk_print_settings_set_orientation (settings, gtk_page_setup_get_orientation (p->page_setup));
  gtk_print_settings_set_paper_size (settings, gtk_page_setup_get_paper_size (p->page_setup));
  webkit_print_operation_set_print_settings (p->operation, settings);
  webkit_print_operation_set_page_setup (p->operation, p->page_setup);
  start_job (p);
}

/**
 * atrium_window_print_to_pdf_async:
 * @window: the window whose page to print
 * @path: an absolute path: the PDF is written there, replacing a file
 * @page_setup: (nullable): the paper and orientation (GTK's default paper,
 *   portrait, without)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called once the file is complete, or printing failed
 *
 * Writes @window's page to a PDF file at @path, without a dialog, through
 * GTK's "Print to File" printer. The file appears whole or not at all: it
 * is written beside @path under a temporary name and renamed once done.
 * A folder of @path that does not exist is %ATRIUM_ERROR_NOT_FOUND.
 */
void
atrium_window_print_to_pdf_async (AtriumWindow        *window,
                                  const char          *path,
                                  GtkPageSetup        *page_setup,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  Print *p;
  int fd;

  g_return_if_fail (ATRIUM_IS_WINDOW (window));
  g_return_if_fail (path != NULL && g_path_is_absolute (path));
  g_return_if_fail (page_setup == NULL || GTK_IS_PAGE_SETUP (page_setup));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  p = print_new (window, NULL, cancellable, atrium_window_print_to_pdf_async, callback, user_data);
  if (p == NULL)
    return;
  p->path = g_strdup (path);
  p->page_setup = page_setup != NULL ? g_object_ref (page_setup) : gtk_page_setup_new ();

  dir = g_path_get_dirname (path);
  name = g_path_get_basename (path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      print_return_error (p, g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND,
                                          "No folder at %s", dir));
      return;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR) || g_str_has_suffix (path, "/"))
    {
      print_return_error (p, g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                                          "%s is a folder", path));
      return;
    }
  p->temp = g_strdup_printf ("%s/.%s.XXXXXX", dir, name);
  fd = g_mkstemp_full (p->temp, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;

      g_clear_pointer (&p->temp, g_free);
      print_return_error (p, g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                                          "Could not write in %s: %s", dir, g_strerror (saved)));
      return;
    }
  close (fd);

  p->enumerating = TRUE;
  gtk_enumerate_printers (printer_found_cb, p, printers_done_cb, FALSE);
}

/**
 * atrium_window_print_to_pdf_finish:
 *
 * Returns: %TRUE once the file is complete; %FALSE with @error set
 */
gboolean
atrium_window_print_to_pdf_finish (AtriumWindow  *window,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, window), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == atrium_window_print_to_pdf_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

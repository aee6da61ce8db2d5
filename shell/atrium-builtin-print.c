#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Print"
#include "config.h"

#include "atrium-builtins-private.h"

#include <string.h>

#include "atrium-log-limit-private.h"
#include "atrium-print-private.h"
#include "atrium-window-private.h"

/* atrium.print(): the print dialog, modal to the calling window
 * (ATRIUM_BUILTIN_PRINT, on by default: the user decides whether and where
 * to print, as with a browser's window.print(), which goes the same way).
 * atrium.print.toPdf(path, {landscape, paperSize}): the page to a PDF file
 * with no dialog (ATRIUM_BUILTIN_PRINT_TO_FILE, off by default: it writes
 * a file at a path of the page's choosing).
 *
 * One print job per window at a time (atrium-print.c): another call
 * meanwhile is `failed`, and the page's window.print() ignored with a log
 * line. */

#define PATH_MAX_BYTES 4096

static const struct
{
  const char *name;        /* what the page says */
  const char *gtk_name;    /* the PWG name GTK knows it by */
} paper_sizes[] = {
  { "a3", GTK_PAPER_NAME_A3 },
  { "a4", GTK_PAPER_NAME_A4 },
  { "a5", GTK_PAPER_NAME_A5 },
  { "b5", GTK_PAPER_NAME_B5 },
  { "letter", GTK_PAPER_NAME_LETTER },
  { "legal", GTK_PAPER_NAME_LEGAL },
  { "executive", GTK_PAPER_NAME_EXECUTIVE },
};

static void
dialog_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AtriumCall *call = user_data;
  AtriumWindow *window = ATRIUM_WINDOW (source);
  g_autoptr(GError) error = NULL;
  gboolean printed = atrium_window_print_finish (window, result, &error);

  if (call == NULL)
    {
      /* The page's window.print(): nobody to answer but the log. */
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _atrium_log_page (G_LOG_LEVEL_MESSAGE, "window.print(): %s", error->message);
      return;
    }
  if (error != NULL)
    atrium_call_return_gerror (call, error);
  else
    _atrium_builtin_return_bool (call, printed);
}

static void
dialog_cb (AtriumCall *call,
           gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);

  if (window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  _atrium_print_dialog_async (window, NULL, atrium_call_get_cancellable (call), dialog_done_cb,
                              call);
}

/* The page's window.print(). */
static gboolean
print_cb (WebKitWebView        *web_view,
          WebKitPrintOperation *operation,
          gpointer              user_data)
{
  AtriumWindow *window = user_data;
  g_autoptr(GError) error = NULL;

  if (!_atrium_builtins_group_check (atrium_window_get_app (window), &_atrium_builtin_print_group,
                                     &error))
    _atrium_log_page (G_LOG_LEVEL_MESSAGE, "window.print() was ignored: %s", error->message);
  else
    _atrium_print_dialog_async (window, operation, NULL, dialog_done_cb, NULL);
  /* Handled either way: WebKit's own would run the dialog in a nested loop. */
  return TRUE;
}

void
_atrium_builtin_print_attach (AtriumWindow *window)
{
  g_signal_connect_object (atrium_window_get_web_view (window), "print", G_CALLBACK (print_cb),
                           window, 0);
}

/* --- toPdf --- */

static gboolean
fail (GError    **error,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (GError    **error,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  *error = g_error_new_valist (ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, format, args);
  va_end (args);
  return FALSE;
}

static gboolean
read_paper_size (JsonNode      *node,
                 GtkPaperSize **paper_size,
                 GError       **error)
{
  const char *name;

  if (!_atrium_builtin_node_to_string (node, "paperSize", 32, &name, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (paper_sizes); i++)
    if (g_ascii_strcasecmp (name, paper_sizes[i].name) == 0)
      {
        *paper_size = gtk_paper_size_new (paper_sizes[i].gtk_name);
        return TRUE;
      }
  return fail (error, "paperSize must be one of a3, a4, a5, b5, letter, legal, executive");
}

static GtkPageSetup *
read_pdf_options (JsonNode  *node,
                  GError   **error)
{
  g_autoptr(GtkPageSetup) page_setup = gtk_page_setup_new ();
  GtkPaperSize *paper_size = NULL;
  gboolean landscape = FALSE;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          fail (error, "The options must be an object {landscape, paperSize}");
          return NULL;
        }
      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &key, &value))
        {
          gboolean ok;

          if (strcmp (key, "landscape") == 0)
            ok = _atrium_builtin_node_to_bool (value, "landscape", &landscape, error);
          else if (strcmp (key, "paperSize") == 0 && paper_size == NULL)
            ok = read_paper_size (value, &paper_size, error);
          else
            ok = fail (error, "toPdf() has no option “%s”", key);
          if (!ok)
            {
              g_clear_pointer (&paper_size, gtk_paper_size_free);
              return NULL;
            }
        }
    }
  if (paper_size != NULL)
    {
      gtk_page_setup_set_paper_size_and_default_margins (page_setup, paper_size);
      gtk_paper_size_free (paper_size);
    }
  gtk_page_setup_set_orientation (page_setup, landscape ? GTK_PAGE_ORIENTATION_LANDSCAPE
                                                        : GTK_PAGE_ORIENTATION_PORTRAIT);
  return g_steal_pointer (&page_setup);
}

static void
pdf_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AtriumCall *call = user_data;
  g_autoptr(GError) error = NULL;

  if (atrium_window_print_to_pdf_finish (ATRIUM_WINDOW (source), result, &error))
    _atrium_builtin_return_null (call);
  else
    atrium_call_return_gerror (call, error);
}

static void
to_pdf_cb (AtriumCall *call,
           gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  g_autoptr(GtkPageSetup) page_setup = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  const char *path;

  if (!_atrium_builtin_arg_string (call, 0, "The path", PATH_MAX_BYTES, &path))
    return;
  if (!g_path_is_absolute (path))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "The path must be absolute");
      return;
    }
  base = g_path_get_basename (path);
  if (g_str_has_suffix (path, "/") || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "The path must name a file");
      return;
    }
  page_setup = read_pdf_options (atrium_call_get_arg (call, 1), &error);
  if (page_setup == NULL)
    {
      atrium_call_return_gerror (call, error);
      return;
    }
  if (atrium_call_get_n_args (call) > 2)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "toPdf() takes a path and options");
      return;
    }
  if (window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  atrium_window_print_to_pdf_async (window, path, page_setup, atrium_call_get_cancellable (call),
                                    pdf_done_cb, call);
}

static const AtriumBuiltinMethod dialog_methods[] = {
  { "print.dialog", dialog_cb, ATRIUM_BIND_ASYNC },
};

static const AtriumBuiltinMethod file_methods[] = {
  { "print.to_pdf", to_pdf_cb, ATRIUM_BIND_ASYNC },
};

const AtriumBuiltinGroup _atrium_builtin_print_group = {
  ATRIUM_BUILTIN_PRINT, "atrium.print", "ATRIUM_BUILTIN_PRINT", dialog_methods,
  G_N_ELEMENTS (dialog_methods),
};

const AtriumBuiltinGroup _atrium_builtin_print_to_file_group = {
  ATRIUM_BUILTIN_PRINT_TO_FILE, "atrium.print.toPdf", "ATRIUM_BUILTIN_PRINT_TO_FILE",
  file_methods, G_N_ELEMENTS (file_methods),
};

#include "config.h"

#include "bench-common.h"

#include <stdlib.h>

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 gboolean        *done)
{
  if (event == WEBKIT_LOAD_FINISHED)
    *done = TRUE;
}

/* Loads @path in @window, presents it and returns once the page has loaded. */
void
bench_open_page (AtriumWindow *window,
                 const char   *path)
{
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  gboolean loaded = FALSE;
  gulong id = g_signal_connect (web_view, "load-changed", G_CALLBACK (load_changed_cb), &loaded);

  atrium_window_load (window, path);
  gtk_window_present (GTK_WINDOW (window));
  while (!loaded)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (web_view, id);
}

typedef struct
{
  gboolean done;
  double   value;
  GError  *error;
} Wait;

static void
js_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *w = user_data;
  g_autoptr(JSCValue) value =
    webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object), result,
                                                           &w->error);

  if (value != NULL)
    w->value = jsc_value_to_double (value);
  w->done = TRUE;
}

/* Runs @body as an async function in the page; returns the number it
 * returns. A failing script ends the benchmark. */
double
bench_run_js (WebKitWebView *web_view,
              const char    *body)
{
  Wait w = { FALSE, 0, NULL };

  webkit_web_view_call_async_javascript_function (web_view, body, -1, NULL, NULL, NULL, NULL,
                                                  js_done_cb, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  if (w.error != NULL)
    g_error ("%s: %s", g_get_prgname (), w.error->message);
  return w.value;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The @q quantile of @values, interpolated; @values is left as it was. */
double
bench_quantile (const double *values,
                guint         n,
                double        q)
{
  g_autofree double *sorted = g_memdup2 (values, n * sizeof *values);
  double pos;
  guint i;

  qsort (sorted, n, sizeof *sorted, compare_doubles);
  pos = q * (n - 1);
  i = (guint) pos;
  return i + 1 < n ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

double
bench_median (const double *values,
              guint         n)
{
  return bench_quantile (values, n, 0.5);
}

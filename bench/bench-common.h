#pragma once

/* What every WebKit benchmark needs: open a window on its page, run a piece
 * of JavaScript and wait for its number, and take medians. */

#include <atrium.h>

G_BEGIN_DECLS

void    bench_open_page  (AtriumWindow  *window,
                          const char    *path);
double  bench_run_js     (WebKitWebView *web_view,
                          const char    *body);
double  bench_quantile   (const double  *values,
                          guint          n,
                          double         q);
double  bench_median     (const double  *values,
                          guint          n);
gsize   bench_web_process_kb (const char *field);
gsize   bench_self_kb    (const char    *field);

G_END_DECLS

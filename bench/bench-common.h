#pragma once

/* What every WebKit benchmark needs: open a window on its page, run a piece
 * of JavaScript and wait for its number. Medians are in bench-results.h. */

#include <atrium.h>

G_BEGIN_DECLS

void    bench_open_page  (AtriumWindow  *window,
                          const char    *path);
double  bench_run_js     (WebKitWebView *web_view,
                          const char    *body);
void    bench_add_bytes_floor (WebKitWebView *web_view);
gsize   bench_web_process_kb (const char *field);
void    bench_echo_json_cb (AtriumCall  *call,
                            gpointer     user_data);
GArray *bench_process_tree (void);
double  bench_cpu_ms     (GArray        *tree);
gsize   bench_self_kb    (const char    *field);
char   *bench_self_path  (const char    *argv0);
void    bench_keep_to_script_messages (void);

G_END_DECLS

#pragma once

/* Helpers for tests that drive a real AtriumWindow: open it, wait for its
 * page, run JavaScript in it and wait for the answer, all by iterating the
 * main loop until the awaited thing has happened (never by sleeping). */

#include <atrium.h>

G_BEGIN_DECLS

void          harness_skip_no_display (void);
gboolean      harness_init         (int          *argc,
                                    char       ***argv);
AtriumApp    *harness_app_new      (AtriumAssets *assets);
AtriumWindow *harness_open         (AtriumApp    *app,
                                    const char   *path);
void          harness_wait_load    (AtriumWindow *window);
char         *harness_run_js       (AtriumWindow *window,
                                    const char   *body);
JsonNode     *harness_run_js_json  (AtriumWindow *window,
                                    const char   *body);
void          harness_spin_until   (gboolean     *flag);
void          harness_close        (AtriumWindow *window);

G_END_DECLS

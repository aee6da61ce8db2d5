#pragma once

/* Helpers for tests that drive a real AtriumWindow: open it, wait for its
 * page, run JavaScript in it and wait for the answer, all by iterating the
 * main loop until the awaited thing has happened (never by sleeping). */

#include <atrium.h>
#include <libsoup/soup.h>

#include "test-util.h"

G_BEGIN_DECLS

/* JavaScript helpers for the bodies given to harness_run_js(), as string
 * literals to put in front of a body:
 *   code(f): 'resolved' if the Promise f() returns resolves, else the
 *     rejection's code (an AtriumError's `code`);
 *   raw(m): posts m to the script message handler HANDLER (a JS string
 *     literal) with reply, bypassing the runtime: 'resolved', or the code in
 *     C's {"code", "message"} error, or 'unparsed' for any other error. */
#define HARNESS_JS_CODE \
  "const code = async (f) => { try { await f(); return 'resolved'; } catch (e) { return e.code; } };"
#define HARNESS_JS_RAW(HANDLER) \
  "const raw = async (m) => {" \
  "  try { await window.webkit.messageHandlers[" HANDLER "].postMessage(m); return 'resolved'; }" \
  "  catch (e) { try { return JSON.parse(e.message).code; } catch (_) { return 'unparsed'; } }" \
  "};"

/* JS: report(from, frame) appends @frame and resolves with the results it
 * posts back under @from, or rejects after DEADLINE_MS, naming the frame;
 * frame(attrs) makes an iframe. */
#define HARNESS_JS_FRAME_REPORT(DEADLINE_MS) \
  "const report = (from, frame) => new Promise((resolve, reject) => {" \
  "  const timer = setTimeout(() => reject(new Error('no report from the ' + from + ' frame')), " \
  G_STRINGIFY (DEADLINE_MS) ");" \
  "  addEventListener('message', (e) => {" \
  "    if (e.data && e.data.from === from) { clearTimeout(timer); resolve(e.data.results); }" \
  "  });" \
  "  document.body.append(frame);" \
  "});" \
  "const frame = (attrs) => Object.assign(document.createElement('iframe'), attrs);"

void          harness_skip_no_display (void);
gboolean      harness_init         (int          *argc,
                                    char       ***argv);
AtriumApp    *harness_app_new      (AtriumAssets *assets);
AtriumApp    *harness_app_new_for_pages (AtriumBuiltins builtins);
AtriumWindow *harness_open         (AtriumApp    *app,
                                    const char   *path);
void          harness_wait_load    (AtriumWindow *window);
gboolean      harness_have_web_extension (void);
gboolean      harness_need_web_extension (void);
gboolean      harness_transport_is_script (void);
void          harness_assert_transport (AtriumWindow *window);
void          harness_load_uri     (WebKitWebView *web_view,
                                    const char    *uri,
                                    const char    *what);
char         *harness_run_js       (AtriumWindow *window,
                                    const char   *body);
JsonNode     *harness_run_js_json  (AtriumWindow *window,
                                    const char   *body);
void          harness_assert_js    (AtriumWindow *window,
                                    const char   *body,
                                    const char   *expected);
#define HARNESS_NO_EXTENSION \
  "ATRIUM_WEB_EXTENSIONS_DIR names no built web process extension (run through meson " \
  "test; sanitizer builds have none)"

/* How long any harness wait may take before the test fails saying what
 * it waited for (meson's timeout for the WebKit tests is 120 s). Waits
 * that need another deadline call test_wait_for() with theirs. */
#define HARNESS_WAIT_SECONDS 90

typedef TestCondition HarnessCondition;

void          harness_wait         (gboolean         *flag,
                                    const char       *what);
/* Runs @start (@window, @data), what makes X resize @window, then iterates
 * the main loop until X says @window is @width wide (a ConfigureNotify;
 * past HARNESS_WAIT_SECONDS the test fails saying it waited for @what).
 * It stops right after the iteration that handled X's event: before the
 * frame in which GTK lays the window out at that size (GDK reads X's
 * events at G_PRIORITY_DEFAULT, its frame clock lays out at a lower
 * priority, G_PRIORITY_DEFAULT + 1 at best). X11 only. */
void          harness_wait_configure (AtriumWindow   *window,
                                      int             width,
                                      GFunc           start,
                                      gpointer        data,
                                      const char     *what);
/* A condition for harness_wait_for(): @body, run in @window's page,
 * returns true. */
typedef struct
{
  AtriumWindow *window;
  const char   *body;
} HarnessJsWait;

gboolean      harness_js_true      (gpointer          wait);

void          harness_wait_for     (HarnessCondition  done,
                                    gpointer          data,
                                    const char       *what);
void          harness_close        (AtriumWindow *window);

/* A method that returns its first argument unchanged (null without one). */
void          harness_echo_cb      (AtriumCall   *call,
                                    gpointer      user_data);

/* A web server of another origin, on 127.0.0.1 and a port the kernel picks:
 * every request goes to @callback. */
SoupServer   *harness_foreign_server_new (SoupServerCallback  callback,
                                          gpointer            user_data,
                                          guint              *port);

/* The WebKitWebProcesses this process started: their pids, and their
 * resident memory summed in @rss. */
GArray       *harness_web_processes      (gsize              *rss);

G_END_DECLS

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "atrium-app-private.h"
#include "atrium-builtins-private.h"
#include "desktop-harness.h"
#include "test-util.h"
#include "webkit-harness.h"

/* atrium.screen and atrium.print under Xvfb (one 1920x1080 screen) and
 * openbox: the screens as the X tools see them from outside the process
 * (xdpyinfo, xrandr, xprop), a PDF's text as pdftotext reads it, and the
 * print dialog found by its title and closed from the keyboard. */

static char *tmp_dir;

#define JS_OUTCOME \
  "const outcome = async (f) => { try { return String(await f()); }" \
  "  catch (e) { return e.code + ': ' + e.message; } };"

static char *
tool (const char * const *argv)
{
  int status = 0;
  char *out = desktop_run_tool (argv, &status);

  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static gboolean
have_program (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);

  return path != NULL;
}

/* --- screens --- */

/* What X says the one screen is: xdpyinfo's size and xrandr's monitor name. */
static void
x_screen (int   *width,
          int   *height,
          char **name)
{
  static const char * const xdpyinfo[] = { "xdpyinfo", NULL };
  static const char * const monitors[] = { "xrandr", "--listmonitors", NULL };
  g_autofree char *info = tool (xdpyinfo);
  g_autofree char *list = tool (monitors);
  g_auto(GStrv) lines = g_strsplit (list, "\n", -1);
  g_auto(GStrv) words = NULL;
  const char *dimensions = strstr (info, "dimensions:");

  g_assert_nonnull (dimensions);
  g_assert_cmpint (sscanf (dimensions, "dimensions: %dx%d", width, height), ==, 2);
  /* "Monitors: 1", then " 0: +screen 1920/508x1080/286+0+0  screen" */
  g_assert_true (g_str_has_prefix (lines[0], "Monitors: 1"));
  words = g_strsplit_set (g_strstrip (lines[1]), " ", -1);
  *name = g_strdup (words[g_strv_length (words) - 1]);
}

static void
test_screen_list (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  AtriumWindow *window = harness_open (app, "/index.html");
  g_autofree char *name = NULL;
  g_autofree char *expected = NULL;
  int width, height;

  g_assert_true (ATRIUM_BUILTIN_DEFAULT & ATRIUM_BUILTIN_SCREEN);
  x_screen (&width, &height, &name);
  g_assert_cmpint (width, ==, 1920);
  g_assert_cmpint (height, ==, 1080);
  expected = g_strdup_printf ("[{\"x\":0,\"y\":0,\"width\":%d,\"height\":%d,\"name\":\"%s\","
                              "\"workArea\":{\"x\":0,\"y\":0,\"width\":%d,\"height\":%d},"
                              "\"scale\":1,\"primary\":true}]",
                              width, height, name, width, height);
  harness_assert_js (window, "return await atrium.screen.list();", expected);
  /* The window is on the one screen. */
  harness_assert_js (window, "return JSON.stringify(await atrium.screen.current())"
                             "  === JSON.stringify((await atrium.screen.list())[0]);", "true");
  harness_close (window);
}

static gboolean
work_area_is (gpointer data)
{
  AtriumWindow *window = data;
  g_autofree char *text = harness_run_js (window,
    "const s = (await atrium.screen.list())[0].workArea;"
    "return [s.x, s.y, s.width, s.height].join(',');");

  return g_strcmp0 (text, "\"0,40,1920,1040\"") == 0;
}

/* The work area is the window manager's _NET_WORKAREA: what the panels
 * leave. The test plays a panel's part by setting it on the root window. */
static void
test_screen_work_area (void)
{
  static const char * const get[] = { "xprop", "-root", "_NET_WORKAREA", NULL };
  static const char * const set[] = { "xprop", "-root", "-f", "_NET_WORKAREA", "32c", "-set",
                                      "_NET_WORKAREA", "0, 40, 1920, 1040", NULL };
  g_autoptr(AtriumApp) app = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  AtriumWindow *window;

  if (!desktop_need_wm ())
    return;
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  window = harness_open (app, "/index.html");
  before = tool (get);
  g_test_message ("openbox's work area: %s", before);
  g_assert_nonnull (strstr (before, "= 0, 0, 1920, 1080"));
  harness_assert_js (window, "const s = (await atrium.screen.list())[0].workArea;"
                             "return [s.x, s.y, s.width, s.height].join(',');",
                             "\"0,0,1920,1080\"");

  g_free (tool (set));
  after = tool (get);
  g_assert_nonnull (strstr (after, "= 0, 40, 1920, 1040"));
  harness_wait_for (work_area_is, window, "the work area to be the one set on the root window");
  harness_close (window);
}

static gboolean
event_seen (gpointer data)
{
  AtriumWindow *window = data;
  g_autofree char *text = harness_run_js (window, "return window.__screens !== undefined;");

  return g_strcmp0 (text, "true") == 0;
}

/* A burst of changes is one atrium:screen.changed with the new list. Two
 * changes in a row from xrandr would each come in their own main-loop
 * turn, so the burst is made the way the display's signals report one. */
static void
test_screen_changed (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  AtriumWindow *window = harness_open (app, "/index.html");

  harness_assert_js (window, "window.__count = 0;"
                             "atrium.on('atrium:screen.changed', (d) => {"
                             "  window.__count++; window.__screens = d.screens; });"
                             "return true;", "true");
  _atrium_builtin_screen_changed (app);
  _atrium_builtin_screen_changed (app);
  harness_wait_for (event_seen, window, "atrium:screen.changed");
  harness_assert_js (window, "return JSON.stringify(window.__screens)"
                             "  === JSON.stringify(await atrium.screen.list());", "true");
  harness_assert_js (window, "return window.__count;", "1");
  harness_close (window);
}

static gboolean
event_says_width (gpointer data)
{
  AtriumWindow *window = data;
  g_autofree char *text =
    harness_run_js (window, "return window.__screens ? window.__screens[0].width : 0;");

  return g_strcmp0 (text, "1280") == 0;
}

/* The same from outside the process: xrandr gives Xvfb's screen a smaller
 * mode (the display's own monitor signals, not a hook), the page hears
 * the new size; the usual mode comes back for the tests after this one. */
static void
test_screen_changed_by_xrandr (void)
{
  g_autoptr(AtriumApp) app = NULL;
  AtriumWindow *window;
  const char * const new_mode[] = { "xrandr", "--newmode", "atrium-1280x720", "74.25", "1280",
                                     "1390", "1430", "1650", "720", "725", "730", "750", NULL };
  const char * const add_mode[] = { "xrandr", "--addmode", "screen", "atrium-1280x720", NULL };
  const char * const small[] = { "xrandr", "--output", "screen", "--mode", "atrium-1280x720",
                                  NULL };
  const char * const usual[] = { "xrandr", "--output", "screen", "--mode", "1920x1080", NULL };

  if (!have_program ("xrandr"))
    {
      g_test_skip ("xrandr is not installed (x11-xserver-utils; scripts/install-deps)");
      return;
    }
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, "atrium.on('atrium:screen.changed', (d) => {"
                             "  window.__screens = d.screens; });"
                             "return true;", "true");
  g_free (tool (new_mode));
  g_free (tool (add_mode));
  g_free (tool (small));
  harness_wait_for (event_says_width, window, "atrium:screen.changed saying 1280 wide");
  harness_assert_js (window, "const s = (await atrium.screen.list())[0];"
                             "return [s.width, s.height];", "[1280,720]");
  g_free (tool (usual));
  harness_assert_js (window, "window.__screens = undefined; return true;", "true");
  harness_wait_for (event_seen, window, "atrium:screen.changed back to the usual mode");
  harness_assert_js (window, "return window.__screens[0].width;", "1920");
  harness_close (window);
}

static void
test_screen_forbidden (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT & ~ATRIUM_BUILTIN_SCREEN);
  AtriumWindow *window = harness_open (app, "/index.html");

  harness_assert_js (window, JS_OUTCOME "return outcome(() => atrium.screen.list());",
                     "\"forbidden: atrium.screen is off: call atrium_app_set_builtins (app, … | "
                     "ATRIUM_BUILTIN_SCREEN)\"");
  harness_close (window);
}

/* --- printing to a PDF --- */

#define MARKER "Printed by Atrium 7f3a"

static char *
pdf_text (const char *path,
          const char *what)
{
  const char * const argv[] = { "pdftotext", path, "-", NULL };

  (void) what;
  return tool (argv);
}

static char *
pdf_page_size (const char *path)
{
  const char * const argv[] = { "pdfinfo", path, NULL };
  g_autofree char *info = tool (argv);
  const char *line = strstr (info, "Page size:");

  g_assert_nonnull (line);
  return g_strndup (line, strcspn (line, "\n"));
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

typedef struct
{
  AtriumWindow *window;
} PageWait6;

/* many0.pdf whole, and no temporary file beside it. */
static gboolean
one_pdf (gpointer data)
{
  g_autoptr(GDir) d = g_dir_open (data, 0, NULL);
  const char *name;
  guint whole = 0, temporary = 0;

  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] == '.')
      temporary++;
    else if (g_str_has_prefix (name, "many"))
      whole++;
  return whole == 1 && temporary == 0;
}

static gboolean
six_settled (gpointer data)
{
  PageWait6 *wait = data;
  g_autofree char *text = harness_run_js (wait->window, "return window.__many.length === 6;");

  return g_strcmp0 (text, "true") == 0;
}

static void
test_pdf (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autofree char *dir = g_build_filename (tmp_dir, "pdf", NULL);
  g_autofree char *path = g_build_filename (dir, "page.pdf", NULL);
  g_autofree char *wide = g_build_filename (dir, "wide.pdf", NULL);
  g_autofree char *many0 = g_build_filename (dir, "many0.pdf", NULL);
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  g_autofree char *size = NULL;
  AtriumWindow *window;

  if (!have_program ("pdftotext"))
    {
      g_test_skip ("pdftotext (poppler-utils) is not installed: scripts/install-deps installs it");
      return;
    }
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_PRINT_TO_FILE);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, "document.getElementById('status').textContent = '" MARKER "';"
                             "return true;", "true");

  body = g_strdup_printf (JS_OUTCOME "return outcome(() => atrium.print.toPdf(%s%s%s, "
                          "{paperSize: 'a4'}));", "'", path, "'");
  harness_assert_js (window, body, "\"null\"");
  text = pdf_text (path, "the page");
  g_test_message ("pdftotext: %s", text);
  g_assert_nonnull (strstr (text, MARKER));
  size = pdf_page_size (path);
  g_test_message ("%s", size);
  g_assert_nonnull (strstr (size, "595"));   /* A4 portrait: 595 x 842 pt */
  g_assert_true (strstr (size, "595") < strstr (size, "842"));
  /* Nothing beside it: the temporary file was renamed. */
  g_assert_cmpuint (count_entries (dir), ==, 1);

  /* Landscape letter, over a file that is there. */
  g_assert_true (g_file_set_contents (wide, "old", -1, NULL));
  g_free (body);
  body = g_strdup_printf (JS_OUTCOME "return outcome(() => atrium.print.toPdf('%s', "
                          "{paperSize: 'letter', landscape: true}));", wide);
  harness_assert_js (window, body, "\"null\"");
  g_free (size);
  size = pdf_page_size (wide);
  g_test_message ("%s", size);
  g_assert_nonnull (strstr (size, "792 x 612"));   /* letter, landscape */
  g_assert_cmpuint (count_entries (dir), ==, 2);

  /* One at a time for a window; the rest fail at once. */
  g_free (body);
  body = g_strdup_printf ("window.__many = [];"
                          "for (let i = 0; i < 6; i++)"
                          "  atrium.print.toPdf('%s/many' + i + '.pdf').then("
                          "    () => window.__many.push('resolved'), (e) => "
                          "window.__many.push(e.code));"
                          "return true;", dir);
  harness_assert_js (window, body, "true");
  /* WebKit cannot run the page's scripts for the harness while it prints
   * (their results come back as "Unsupported result type"), so the wait
   * is for the file, whole, before the page is asked. */
  harness_wait_for (one_pdf, dir, "many0.pdf renamed into place");
  {
    PageWait6 wait = { window };

    harness_wait_for (six_settled, &wait, "six toPdf() calls to settle");
  }
  harness_assert_js (window, "return window.__many.sort().join(',');",
                     "\"failed,failed,failed,failed,failed,resolved\"");
  g_assert_cmpuint (count_entries (dir), ==, 3);
  g_assert_true (g_file_test (many0, G_FILE_TEST_EXISTS));

  harness_close (window);
  test_remove_tree (dir);
}

/* Bad input is bad-args, a missing folder not-found, and nothing is
 * written anywhere. */
static void
test_pdf_refused (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_PRINT_TO_FILE);
  g_autofree char *dir = g_build_filename (tmp_dir, "refused", NULL);
  g_autofree char *body = NULL;
  AtriumWindow *window;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  window = harness_open (app, "/index.html");
  body = g_strdup_printf (
    HARNESS_JS_CODE
    "const d = '%s', p = atrium.print;"
    "const r = [];"
    "for (const f of [() => p.toPdf(), () => p.toPdf(5), () => p.toPdf('relative.pdf'),"
    "                 () => p.toPdf(''), () => p.toPdf(d + '/'), () => p.toPdf(d + '/..'),"
    "                 () => p.toPdf(d + '/x.pdf', 5), () => p.toPdf(d + '/x.pdf', []),"
    "                 () => p.toPdf(d + '/x.pdf', {colour: true}),"
    "                 () => p.toPdf(d + '/x.pdf', {landscape: 'yes'}),"
    "                 () => p.toPdf(d + '/x.pdf', {paperSize: 'napkin'}),"
    "                 () => p.toPdf(d + '/x.pdf', {paperSize: 4}),"
    "                 () => atrium.call('atrium:print.to_pdf', d + '/x.pdf', {}, 'more'),"
    "                 () => p.toPdf(d + '/' + 'x'.repeat(5000)),"
    "                 () => p.toPdf(d + '/\\ud800.pdf'),"
    "                 () => p.toPdf(d + '/nul\\u0000.pdf')])"
    "  r.push(await code(f));"
    "return r.every((c) => c === 'bad-args') ? 'all bad-args' : r;", dir);
  harness_assert_js (window, body, "\"all bad-args\"");
  g_free (body);
  body = g_strdup_printf (JS_OUTCOME "return outcome(() => atrium.print.toPdf('%s/no/such/x.pdf'));",
                          dir);
  {
    g_autofree char *expected = g_strdup_printf ("\"not-found: No folder at %s/no/such\"", dir);

    harness_assert_js (window, body, expected);
  }
  g_free (body);
  body = g_strdup_printf (HARNESS_JS_CODE "return code(() => atrium.print.toPdf('%s'));", dir);
  harness_assert_js (window, body, "\"failed\"");   /* a folder */
  g_assert_cmpuint (count_entries (dir), ==, 0);
  harness_close (window);
  test_remove_tree (dir);
}

static void
pdf_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GError **error = user_data;
  gboolean ok = atrium_window_print_to_pdf_finish (ATRIUM_WINDOW (source), result, error);

  g_assert_true (ok == (*error == NULL));
  if (ok)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "no error: written");
}

static gboolean
dir_is_empty (gpointer data)
{
  return count_entries (data) == 0;
}

/* The C API, and a window closed while its PDF prints: the call ends
 * `cancelled`, and once WebKit lets go of the job nothing is left in the
 * folder, the temporary file included. */
static void
test_pdf_window_closed (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  g_autofree char *dir = g_build_filename (tmp_dir, "closed", NULL);
  g_autofree char *path = g_build_filename (dir, "page.pdf", NULL);
  g_autoptr(GtkPageSetup) setup = gtk_page_setup_new ();
  GError *error = NULL;
  AtriumWindow *window;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  window = harness_open (app, "/index.html");
  atrium_window_print_to_pdf_async (window, path, setup, NULL, pdf_done_cb, &error);
  harness_wait_for (test_pointer_is_set, &error, "the PDF to be written from C");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);   /* written */
  g_clear_error (&error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (g_unlink (path), ==, 0);

  atrium_window_print_to_pdf_async (window, path, NULL, NULL, pdf_done_cb, &error);
  harness_close (window);
  harness_wait_for (test_pointer_is_set, &error, "the PDF's call to end with its window");
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  harness_wait_for (dir_is_empty, dir, "nothing left where the closed window's PDF went");
  test_remove_tree (dir);
}

typedef struct
{
  AtriumApp  *app;
  const char *dir;
  int         sent;
} Pinger;

/* Sends C's next ping each time the loop asks, until the PDF is there. */
static gboolean
ping_until_pdf (gpointer data)
{
  Pinger *pinger = data;
  g_autoptr(JsonNode) ping = json_node_init_int (json_node_alloc (), pinger->sent);
  g_autoptr(GError) error = NULL;

  g_assert_true (atrium_app_emit (pinger->app, "ping", ping, &error));
  g_assert_no_error (error);
  pinger->sent++;
  return one_pdf ((gpointer) pinger->dir);
}

typedef struct
{
  AtriumWindow *window;
  int           count;
} Pings;

static gboolean
pings_seen (gpointer data)
{
  Pings *pings = data;
  g_autofree char *body = g_strdup_printf ("return window.__pings.length === %d;", pings->count);
  g_autofree char *text = harness_run_js (pings->window, body);

  return g_strcmp0 (text, "true") == 0;
}

/* Events C sends while WebKit prints a PDF all arrive, in order. */
static void
test_pdf_events (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_PRINT_TO_FILE);
  g_autofree char *dir = g_build_filename (tmp_dir, "events", NULL);
  g_autofree char *body = NULL;
  Pinger pinger = { app, dir, 0 };
  Pings pings;
  AtriumWindow *window;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  window = harness_open (app, "/index.html");
  body = g_strdup_printf ("window.__pings = [];"
                          "atrium.on('ping', (n) => window.__pings.push(n));"
                          "atrium.print.toPdf('%s/many0.pdf');"
                          "return true;", dir);
  harness_assert_js (window, body, "true");
  harness_wait_for (ping_until_pdf, &pinger, "the PDF, with events sent all along");
  g_test_message ("%d events sent while the PDF was written", pinger.sent);
  pings.window = window;
  pings.count = pinger.sent;
  harness_wait_for (pings_seen, &pings, "every event sent while printing");
  harness_assert_js (window, "return window.__pings.every((n, i) => n === i);", "true");
  harness_close (window);
  test_remove_tree (dir);
}

/* Writing a file is off by default, where the dialog is on. */
static void
test_pdf_forbidden (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  g_autofree char *path = g_build_filename (tmp_dir, "forbidden.pdf", NULL);
  g_autofree char *body = NULL;
  AtriumWindow *window = harness_open (app, "/index.html");

  g_assert_false (ATRIUM_BUILTIN_DEFAULT & ATRIUM_BUILTIN_PRINT_TO_FILE);
  g_assert_true (ATRIUM_BUILTIN_DEFAULT & ATRIUM_BUILTIN_PRINT);
  body = g_strdup_printf (JS_OUTCOME "return outcome(() => atrium.print.toPdf('%s'));", path);
  harness_assert_js (window, body,
                     "\"forbidden: atrium.print.toPdf is off: call atrium_app_set_builtins (app, … "
                     "| "
                     "ATRIUM_BUILTIN_PRINT_TO_FILE)\"");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  harness_close (window);
}

/* --- the print dialog --- */

#define PRINT_DIALOG "Print"

static char *
call_outcome (AtriumWindow *window)
{
  HarnessJsWait wait = { window, "return window.__r !== undefined;" };

  harness_wait_for (harness_js_true, &wait, "the page's print call to settle");
  return harness_run_js (window, "return window.__r;");
}

static void
start_call (AtriumWindow *window,
            const char   *expression)
{
  g_autofree char *body = g_strdup_printf (
    "window.__r = undefined;"
    "window.__p = %s;"
    "window.__p.then((v) => { window.__r = v; }, (e) => { window.__r = 'error:' + e.code; });"
    "return true;", expression);

  harness_assert_js (window, body, "true");
}

static void
test_print_dialog (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autofree char *outcome = NULL;
  AtriumWindow *window;
  gulong dialog;

  if (!desktop_need_wm ())
    return;
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  window = harness_open (app, "/index.html");

  /* atrium.print(): Escape is the user saying no. */
  start_call (window, "atrium.print()");
  dialog = desktop_wait_window (PRINT_DIALOG);
  g_assert_cmpuint (dialog, !=, 0);
  /* One dialog a window: a second call is refused while it shows. */
  harness_assert_js (window, HARNESS_JS_CODE "return code(() => atrium.print());", "\"failed\"");
  desktop_key (dialog, "Escape");
  outcome = call_outcome (window);
  g_assert_cmpstr (outcome, ==, "false");
  desktop_wait_window_gone (PRINT_DIALOG);

  /* The page's own window.print() shows the same dialog. */
  harness_assert_js (window, "setTimeout(() => window.print(), 0); return true;", "true");
  dialog = desktop_wait_window (PRINT_DIALOG);
  g_assert_cmpuint (dialog, !=, 0);
  desktop_key (dialog, "Escape");
  desktop_wait_window_gone (PRINT_DIALOG);

  /* cancel() closes it. */
  start_call (window, "atrium.print()");
  dialog = desktop_wait_window (PRINT_DIALOG);
  g_assert_cmpuint (dialog, !=, 0);
  harness_assert_js (window, "return window.__p.cancel();", "true");
  g_free (outcome);
  outcome = call_outcome (window);
  g_assert_cmpstr (outcome, ==, "\"error:cancelled\"");
  desktop_wait_window_gone (PRINT_DIALOG);

  /* The window closing closes its dialog. */
  start_call (window, "atrium.print()");
  dialog = desktop_wait_window (PRINT_DIALOG);
  g_assert_cmpuint (dialog, !=, 0);
  harness_close (window);
  desktop_wait_window_gone (PRINT_DIALOG);
}

/* With the group off, window.print() shows nothing, and atrium.print()
 * is forbidden. */
static void
test_print_forbidden (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT & ~ATRIUM_BUILTIN_PRINT);
  AtriumWindow *window = harness_open (app, "/index.html");

  harness_assert_js (window, JS_OUTCOME "return outcome(() => atrium.print());",
                     "\"forbidden: atrium.print is off: call atrium_app_set_builtins (app, … | "
                     "ATRIUM_BUILTIN_PRINT)\"");
  /* window.print() returns at once, having shown nothing: WebKit's own
   * dialog would have blocked it. */
  harness_assert_js (window, "window.print(); return document.title;", "\"Atrium test page\"");
  g_assert_cmpuint (desktop_find_window (PRINT_DIALOG), ==, 0);
  harness_close (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  desktop_wm_start ();
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/platform/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  tmp_dir = g_dir_make_tmp ("atrium-platform-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/atrium/platform/screen/list", test_screen_list);
  g_test_add_func ("/atrium/platform/screen/changed-by-xrandr", test_screen_changed_by_xrandr);
  g_test_add_func ("/atrium/platform/screen/work-area", test_screen_work_area);
  g_test_add_func ("/atrium/platform/screen/changed", test_screen_changed);
  g_test_add_func ("/atrium/platform/screen/forbidden", test_screen_forbidden);
  g_test_add_func ("/atrium/platform/print/pdf", test_pdf);
  g_test_add_func ("/atrium/platform/print/pdf-refused", test_pdf_refused);
  g_test_add_func ("/atrium/platform/print/pdf-forbidden", test_pdf_forbidden);
  g_test_add_func ("/atrium/platform/print/pdf-window-closed", test_pdf_window_closed);
  g_test_add_func ("/atrium/platform/print/pdf-events", test_pdf_events);
  g_test_add_func ("/atrium/platform/print/dialog", test_print_dialog);
  g_test_add_func ("/atrium/platform/print/forbidden", test_print_forbidden);

  status = g_test_run ();
  test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  desktop_wm_stop ();
  return status;
}

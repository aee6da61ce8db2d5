#include "config.h"

#include <string.h>

#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>

#include "atrium-app-private.h"
#include "atrium-builtins-private.h"
#include "atrium-window-drop-private.h"
#include "desktop-harness.h"
#include "test-util.h"
#include "webkit-harness.h"

/* Files dropped on a window: for real, from a second X client
 * (drag-source, a GTK drag of a file list over XDND) driven by xdotool's
 * pointer under openbox; and in-process, the window's drop target handed
 * a GdkFileList, for the bounds. */

static char *tmp_dir;

/* The page records what it gets: our event, and WebKit's own DOM drop. */
#define RECORDER \
  "window.__drops = []; window.__dom = []; window.__over = 0;" \
  "atrium.on('atrium:window.files-dropped', (d) => __drops.push(d));" \
  "document.addEventListener('dragover', (e) => { e.preventDefault(); __over++; });" \
  "document.addEventListener('drop', (e) => { e.preventDefault();" \
  "  __dom.push({ files: e.dataTransfer.files.length, types: [...e.dataTransfer.types]," \
  "               text: e.dataTransfer.getData('text/plain') }); });" \
  "return true;"

static AtriumApp *
new_app (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);

  g_assert_no_error (error);
  return harness_app_new (assets);
}

static void
wait_js (AtriumWindow *window,
         const char   *body)
{
  HarnessJsWait wait = { window, body };
  g_autofree char *what = g_strdup_printf ("the page to say true to: %s", body);

  harness_wait_for (harness_js_true, &wait, what);
}

static void
xdotool (const char *a,
         const char *b,
         const char *c,
         const char *d,
         const char *e)
{
  const char * const argv[] = { "xdotool", a, b, c, d, e, NULL };
  g_autofree char *out = NULL;
  int status = 0;

  gdk_display_flush (gdk_display_get_default ());
  out = desktop_run_tool (argv, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static gulong
xid_of (AtriumWindow *window)
{
  return gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window)));
}

typedef struct
{
  GtkDropTarget *target;
  guint          motions;
  guint          seen;
} Motion;

/* "motion" answers with the action: what the window's own handler would. */
static GdkDragAction
motion_cb (GtkDropTarget *target,
           double         x,
           double         y,
           Motion        *motion)
{
  motion->motions++;
  return GDK_ACTION_COPY;
}

static gboolean
moved_on (gpointer data)
{
  Motion *motion = data;

  return motion->motions > motion->seen;
}

/* Until the deadline: iterates the main loop while @done is false, up to
 * @ms milliseconds; whether it became true. */
static gboolean
iterate_until (TestCondition done,
               gpointer      data,
               guint         ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  return done (data);
}

static gboolean
window_has_drop (gpointer data)
{
  return gtk_drop_target_get_current_drop (data) != NULL;
}

/* What the drag source says on its stderr (drag-source.c): whether its
 * window is ready for a press, and whether its drag began. */
typedef struct
{
  GDataInputStream *lines;
  gboolean          ready;    /* its window is laid out and drawn */
  gboolean          began;
  gboolean          ended;    /* its stderr closed: it exited */
} SourceLog;

static void
source_log_clear (SourceLog *log)
{
  g_clear_object (&log->lines);
}

static gboolean
source_ready (gpointer data)
{
  return ((SourceLog *) data)->ready;
}

static gboolean
source_began (gpointer data)
{
  return ((SourceLog *) data)->began;
}

/* Drags from the drag source's window onto @window with the pointer, the
 * button held, and releases it there. @taken: whether the window's drop
 * target is to take the drop (else the page waits for WebKit's dragover). */
static void
drag_onto (GSubprocess  *source,
           AtriumWindow *window,
           gboolean      taken)
{
  GtkDropTarget *target = _atrium_window_drop_get_target (window);
  Motion motion = { target, 0, 0 };
  g_autofree char *src = NULL;
  g_autofree char *dst = g_strdup_printf ("%lu", xid_of (window));
  gint64 deadline = g_get_monotonic_time () + HARNESS_WAIT_SECONDS * G_USEC_PER_SEC;
  gulong handler;
  guint step = 0;

  src = g_strdup_printf ("%lu", desktop_wait_window ("atrium-drag-source"));
  /* Mapped is not enough: a press before the source's first frame goes to
   * its window, not to its drag source, and the drag never begins. */
  harness_wait_for (source_ready, g_object_get_data (G_OBJECT (source), "log"),
                    "the drag source to lay out and draw its window");
  /* Moved for good before the pointer goes anywhere: the window manager
   * moves a window when it gets to it, and a pointer placed relative to
   * where the source was would press beside it once it moved (under load,
   * the drag then never began). */
  xdotool ("windowmove", "--sync", src, "0", "0");
  xdotool ("windowmove", "--sync", dst, "400", "0");
  handler = g_signal_connect (target, "motion", G_CALLBACK (motion_cb), &motion);

  xdotool ("mousemove", "--window", src, "100", "100");
  xdotool ("mousedown", "1", NULL, NULL, NULL);
  xdotool ("mousemove", "--window", src, "130", "130");
  /* The drag starts in the source once it has seen the pointer move with
   * the button down, and it says so. */
  harness_wait_for (source_began, g_object_get_data (G_OBJECT (source), "log"),
                    "the drag to begin in the source (pressed on it, then moved)");
  /* Until our window hears of it, keep moving over it. */
  for (;;)
    {
      g_autofree char *x = g_strdup_printf ("%u", 200 + (step++ % 2) * 10);

      xdotool ("mousemove", "--window", dst, x, "200");
      if (taken)
        {
          if (iterate_until (moved_on, &motion, 200) && window_has_drop (target))
            break;
        }
      else
        {
          g_autofree char *over = harness_run_js (window, "return __over > 0;");

          if (g_strcmp0 (over, "true") == 0)
            break;
        }
      if (g_get_monotonic_time () > deadline)
        g_error ("Waited %d s for the drag to reach the window (XDND under Xvfb)",
                 HARNESS_WAIT_SECONDS);
    }
  /* One more motion, answered, so that the source's last word from us
   * (or the page) is the answer to where the pointer is. */
  motion.seen = motion.motions;
  /* The web view is out of the way of a drop the window takes, only then. */
  g_assert_cmpint (gtk_widget_get_can_target (GTK_WIDGET (atrium_window_get_web_view (window))),
                   ==, !taken);
  if (taken)
    {
      xdotool ("mousemove", "--window", dst, "220", "210");
      harness_wait_for (moved_on, &motion, "the drop target to see the last motion");
    }
  else
    {
      g_autofree char *over = harness_run_js (window, "return __over;");
      g_autofree char *body = g_strdup_printf ("return __over > %s;", over);

      /* The page's dragover for the last position has run, so WebKit has
       * answered the source for it. */
      xdotool ("mousemove", "--window", dst, "220", "210");
      wait_js (window, body);
    }
  xdotool ("mouseup", "1", NULL, NULL, NULL);
  g_signal_handler_disconnect (target, handler);
}

static void
source_log_release (SourceLog *log)
{
  g_rc_box_release_full (log, (GDestroyNotify) source_log_clear);
}

/* Each line the drag source writes, passed on to our own stderr. */
static void
source_line_cb (GObject      *stream,
                GAsyncResult *result,
                gpointer      data)
{
  SourceLog *log = data;
  g_autofree char *line =
    g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (stream), result, NULL, NULL);

  if (line == NULL)
    {
      log->ended = TRUE;
      source_log_release (log);
      return;
    }
  g_printerr ("%s\n", line);
  if (strcmp (line, "drag-source: ready") == 0)
    log->ready = TRUE;
  if (strcmp (line, "drag-source: drag began") == 0)
    log->began = TRUE;
  g_data_input_stream_read_line_async (log->lines, G_PRIORITY_DEFAULT, NULL, source_line_cb, log);
}

static GSubprocess *
start_source (const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  GSubprocess *process;
  SourceLog *log = g_rc_box_new0 (SourceLog);

  g_strv_builder_add (builder, g_test_get_filename (G_TEST_BUILT, "drag-source", NULL));
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);
  process = g_subprocess_newv ((const char * const *) argv, G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  log->lines = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  /* The subprocess keeps one reference, the reads in turn another. */
  g_object_set_data_full (G_OBJECT (process), "log", g_rc_box_acquire (log),
                          (GDestroyNotify) source_log_release);
  g_data_input_stream_read_line_async (log->lines, G_PRIORITY_DEFAULT, NULL, source_line_cb, log);
  return process;
}

static void
source_exited_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static gboolean
source_ended (gpointer data)
{
  return ((SourceLog *) data)->ended;
}

static void
stop_source (GSubprocess *source)
{
  SourceLog *log = g_object_get_data (G_OBJECT (source), "log");
  gboolean exited = FALSE;

  g_subprocess_force_exit (source);
  g_subprocess_wait_async (source, NULL, source_exited_cb, &exited);
  harness_wait_for (test_flag_is_set, &exited, "the drag source to end");
  harness_wait_for (source_ended, log, "the drag source's stderr to close");
  desktop_wait_window_gone ("atrium-drag-source");
}

/* A real drop of two files (one with a space and non-ASCII) over XDND. */
static void
test_xdnd_files (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GSubprocess) source = NULL;
  g_autofree char *one = g_build_filename (tmp_dir, "one.txt", NULL);
  g_autofree char *two = g_build_filename (tmp_dir, "two ünï.txt", NULL);
  g_autofree char *expected = NULL;
  AtriumWindow *window;

  if (!desktop_need_wm ())
    return;
  test_write_file (tmp_dir, "one.txt", "1", -1);
  test_write_file (tmp_dir, "two ünï.txt", "2", -1);
  app = new_app ();
  window = harness_open (app, "/index.html");
  atrium_window_set_file_drop (window, TRUE);
  harness_assert_js (window, RECORDER, "true");

  {
    const char * const args[] = { one, two, NULL };

    source = start_source (args);
  }
  drag_onto (source, window, TRUE);
  wait_js (window, "return __drops.length === 1;");
  expected = g_strdup_printf ("[\"%s\",\"%s\"]", one, two);
  harness_assert_js (window, "return __drops[0].paths;", expected);
  harness_assert_js (window, "const d = __drops[0];"
                             "return d.x >= 0 && d.x <= innerWidth && d.y >= 0 && d.y <= "
                             "innerHeight;",
                     "true");
  /* The window took it: the page's DOM drop never saw it, and the web
   * view takes the next drag again. */
  harness_assert_js (window, "return __dom.length;", "0");
  g_assert_true (gtk_widget_get_can_target (GTK_WIDGET (atrium_window_get_web_view (window))));
  stop_source (source);
  harness_close (window);
}

/* Without fileDrop the drop is the page's, as in a browser: WebKit's
 * DOM drop gets the files, and no paths. */
static void
test_xdnd_off (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GSubprocess) source = NULL;
  g_autofree char *one = g_build_filename (tmp_dir, "one.txt", NULL);
  AtriumWindow *window;

  if (!desktop_need_wm ())
    return;
  test_write_file (tmp_dir, "one.txt", "1", -1);
  app = new_app ();
  window = harness_open (app, "/index.html");
  g_assert_false (atrium_window_get_file_drop (window));
  harness_assert_js (window, RECORDER, "true");
  {
    const char * const args[] = { one, NULL };

    source = start_source (args);
  }
  drag_onto (source, window, FALSE);
  wait_js (window, "return __dom.length === 1;");
  /* WebKitGTK hands the page a drop from elsewhere as its types, files
   * or not: what matters is that the page had it, and no paths. */
  harness_assert_js (window, "return __dom[0].types.length > 0;", "true");
  harness_assert_js (window, "return __drops.length;", "0");
  stop_source (source);
  harness_close (window);
}

/* Text dropped on a window with fileDrop on stays the page's. */
static void
test_xdnd_text (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GSubprocess) source = NULL;
  AtriumWindow *window;

  if (!desktop_need_wm ())
    return;
  app = new_app ();
  window = harness_open (app, "/index.html");
  atrium_window_set_file_drop (window, TRUE);
  harness_assert_js (window, RECORDER, "true");
  {
    const char * const args[] = { "--text", "hello from afar", NULL };

    source = start_source (args);
  }
  drag_onto (source, window, FALSE);
  wait_js (window, "return __dom.length === 1;");
  harness_assert_js (window, "return __dom[0].text;", "\"hello from afar\"");
  harness_assert_js (window, "return __drops.length;", "0");
  stop_source (source);
  harness_close (window);
}

/* What a file manager offers is the window's; a browser's link, text,
 * or nothing like files is the page's. */
static void
test_wants (void)
{
  static const struct { const char *mime[4]; gboolean wanted; } cases[] = {
    { { "text/uri-list", NULL }, TRUE },
    { { "text/uri-list", "text/plain;charset=utf-8", "application/vnd.portal.files", NULL }, TRUE },
    { { "text/x-moz-url", "text/uri-list", "text/html", NULL }, FALSE },
    { { "_NETSCAPE_URL", "text/uri-list", NULL }, FALSE },
    { { "text/plain", "text/html", NULL }, FALSE },
    { { "image/png", NULL }, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GdkContentFormats) formats =
        gdk_content_formats_new ((const char **) cases[i].mime, g_strv_length ((char **) cases[i].mime));

      g_assert_cmpint (_atrium_window_drop_wants (formats), ==, cases[i].wanted);
    }
  {
    g_autoptr(GdkContentFormats) files = gdk_content_formats_new_for_gtype (GDK_TYPE_FILE_LIST);

    g_assert_true (_atrium_window_drop_wants (files));
  }
  g_assert_false (_atrium_window_drop_wants (NULL));
}

static gboolean
emit_drop (AtriumWindow *window,
           GSList       *files)
{
  GValue value = G_VALUE_INIT;
  gboolean taken = FALSE;

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_set_boxed (&value, files);
  g_signal_emit_by_name (_atrium_window_drop_get_target (window), "drop", &value, 10.0, 20.0,
                         &taken);
  g_value_unset (&value);
  return taken;
}

/* The bounds, through GTK's own drop signal: at most 1,024 paths, local
 * files only, no over-long or non-UTF-8 paths; nothing while off. */
static void
test_bounds (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window = harness_open (app, "/index.html");
  g_autoptr(GSList) files = NULL;
  g_autofree char *long_name = g_strnfill (ATRIUM_DROP_PATH_MAX, 'a');
  g_autofree char *long_path = g_build_filename ("/tmp", long_name, NULL);
  guint dropped = 0;

  harness_assert_js (window, RECORDER, "true");
  files = g_slist_prepend (files, g_file_new_for_path ("/tmp/first"));
  g_assert_false (emit_drop (window, files));   /* off */

  atrium_window_set_file_drop (window, TRUE);
  g_assert_true (atrium_window_get_file_drop (window));
  files = g_slist_append (files, g_file_new_for_uri ("https://example.com/not-a-file"));
  files = g_slist_append (files, g_file_new_for_path ("/tmp/\xff\xfe-not-utf8"));
  files = g_slist_append (files, g_file_new_for_path (long_path));
  for (guint i = 0; i < 1100; i++)
    files = g_slist_append (files, g_file_new_for_path ("/tmp/many"));
  g_test_expect_message ("Atrium-Window", G_LOG_LEVEL_MESSAGE, "*dropped files were left out*");
  g_assert_true (emit_drop (window, files));
  g_test_assert_expected_messages ();
  wait_js (window, "return __drops.length === 1;");
  harness_assert_js (window, "const p = __drops[0].paths;"
                             "return [p.length, p[0], p[1], __drops[0].x, __drops[0].y];",
                     "[1024,\"/tmp/first\",\"/tmp/many\",10,20]");
  for (GSList *l = files; l != NULL; l = l->next)
    dropped++;
  g_assert_cmpuint (dropped, ==, 1104);

  /* Nothing local at all: not taken, no event. */
  {
    g_autoptr(GSList) remote = g_slist_prepend (NULL, g_file_new_for_uri ("https://x/y"));

    g_test_expect_message ("Atrium-Window", G_LOG_LEVEL_MESSAGE, "*dropped files were left out*");
    g_assert_false (emit_drop (window, remote));
    g_test_assert_expected_messages ();
    g_slist_free_full (g_steal_pointer (&remote), g_object_unref);
  }
  atrium_window_set_file_drop (window, FALSE);
  g_assert_false (emit_drop (window, files));
  harness_assert_js (window, "return __drops.length;", "1");
  g_slist_free_full (g_steal_pointer (&files), g_object_unref);
  harness_close (window);
}

/* atrium.window.open's fileDrop option. */
static void
test_open_option (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window = harness_open (app, "/index.html");
  g_autofree char *id = NULL;
  AtriumWindow *opened;

  harness_assert_js (window, HARNESS_JS_CODE
                     "return [await code(() => atrium.window.open('/index.html', { fileDrop: 'yes' "
                     "})),"
                     "        await code(() => atrium.window.open('/index.html', { fileDrop: 1 "
                     "}))];",
                     "[\"bad-args\",\"bad-args\"]");
  id = harness_run_js (window, "return atrium.window.open('/index.html', { fileDrop: true });");
  opened = _atrium_builtin_lookup_window (app, (guint) g_ascii_strtoull (id, NULL, 10));
  g_assert_nonnull (opened);
  g_assert_true (atrium_window_get_file_drop (opened));
  g_assert_false (atrium_window_get_file_drop (window));
  harness_close (opened);
  harness_close (window);
}

/* Moves the pointer to @x, 60 in @window (X id @dst), and back and forth
 * by a pixel on each call, until @body says true in the page; each move
 * waits for the page's answer, so the web process has seen the motion
 * before the next. */
static void
move_until (AtriumWindow *window,
            const char   *dst,
            guint         from,
            guint         to,
            const char   *body,
            const char   *what)
{
  gint64 deadline = g_get_monotonic_time () + HARNESS_WAIT_SECONDS * G_USEC_PER_SEC;

  for (guint step = 0;; step++)
    {
      g_autofree char *x = g_strdup_printf ("%u", MIN (from + step * 5, to) + step % 2);
      g_autofree char *done = NULL;

      xdotool ("mousemove", "--window", dst, x, "60");
      done = harness_run_js (window, body);
      if (g_strcmp0 (done, "true") == 0)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("Waited %d s (%u pointer motions) for %s", HARNESS_WAIT_SECONDS, step + 1, what);
    }
}

/* The page's own HTML drag and drop, in a window with fileDrop on: a
 * drag of this process, left to WebKit, reaches the page's drop zone. */
static void
test_html_dnd (void)
{
  g_autoptr(AtriumApp) app = NULL;
  g_autofree char *dst = NULL;
  AtriumWindow *window;

  if (!desktop_need_wm ())
    return;
  app = new_app ();
  window = harness_open (app, "/index.html");
  atrium_window_set_file_drop (window, TRUE);
  harness_assert_js (window, RECORDER
                     "", "true");
  harness_assert_js (window,
                     "document.body.innerHTML = '<div id=src draggable=true style=\"position:fixed;"
                     "left:0;top:0;width:100px;height:100px;background:red\">drag</div>"
                     "<div id=zone "
                     "style=\"position:fixed;left:300px;top:0;width:200px;height:200px;"
                     "background:blue\"></div>';"
                     "window.__started = false; window.__overZone = 0;"
                     "document.getElementById('src').addEventListener('dragstart', (e) => {"
                     "  e.dataTransfer.setData('text/plain', 'from the page'); __started = true; });"
                     "document.getElementById('zone').addEventListener('dragover',"
                     "  () => __overZone++);"
                     "return true;", "true");
  dst = g_strdup_printf ("%lu", xid_of (window));
  /* Moved for good before the pointer is placed in it (see drag_onto()). */
  xdotool ("windowmove", "--sync", dst, "400", "0");
  xdotool ("mousemove", "--window", dst, "50", "50");
  harness_run_js (window, "return 1;");
  xdotool ("mousedown", "1", NULL, NULL, NULL);
  /* Past WebKit's drag threshold, the page's drag starts; then over the
   * zone, until its dragover says the drag is there. */
  move_until (window, dst, 60, 110, "return __started;", "the page's own drag to start");
  move_until (window, dst, 360, 360, "return __overZone > 0;",
              "the page's own drag to reach its drop zone");
  /* WebKitGTK 2.50 ends its own drags with an action that is not one
   * (COPY|MOVE), with or without fileDrop: GDK says so once. */
  g_test_expect_message ("Gdk", G_LOG_LEVEL_CRITICAL, "*gdk_drag_action_is_unique*");
  xdotool ("mouseup", "1", NULL, NULL, NULL);
  wait_js (window, "return __dom.length === 1;");
  harness_assert_js (window, "return __dom[0].text;", "\"from the page\"");
  harness_assert_js (window, "return __drops.length;", "0");
  g_test_assert_expected_messages ();
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
      g_test_add_func ("/atrium/drop/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  tmp_dir = g_dir_make_tmp ("atrium-drop-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/atrium/drop/wants", test_wants);
  g_test_add_func ("/atrium/drop/bounds", test_bounds);
  g_test_add_func ("/atrium/drop/open-option", test_open_option);
  g_test_add_func ("/atrium/drop/xdnd-files", test_xdnd_files);
  g_test_add_func ("/atrium/drop/xdnd-off", test_xdnd_off);
  g_test_add_func ("/atrium/drop/xdnd-text", test_xdnd_text);
  g_test_add_func ("/atrium/drop/html-dnd", test_html_dnd);

  status = g_test_run ();
  test_remove_tree (tmp_dir);
  desktop_wm_stop ();
  return status;
}

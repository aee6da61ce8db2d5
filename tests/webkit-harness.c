#include "config.h"

#include "webkit-harness.h"
#include "atrium-bridge-private.h"
#include "atrium-window-private.h"
#include "test-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#ifdef GDK_WINDOWING_X11
# include <gdk/x11/gdkx.h>
#endif

void
harness_skip_no_display (void)
{
  g_test_skip ("No display to open windows on: run the WebKit tests under xvfb-run "
               "(make test does)");
}

static char *isolated_root;

static void
remove_isolated_root (void)
{
  test_remove_tree (isolated_root);
  g_clear_pointer (&isolated_root, g_free);
}

/* G_TEST_OPTION_ISOLATE_DIRS points the XDG directories at paths that do
 * not exist yet (and at /dev/null between tests), and WebKit's bubblewrap
 * sandbox refuses to start a web process that would bind-mount them. So the
 * WebKit tests make a real private home of their own, for this process and
 * the launchers it starts, and remove it at exit.
 *
 * A test's subprocesses (g_test_trap_subprocess) keep the home they
 * inherit: some end by aborting on purpose, which skips atexit(), and a
 * home of their own would outlive them. */
#define ISOLATED_ROOT_VAR "ATRIUM_TEST_ISOLATED_ROOT"

static void
isolate_dirs (void)
{
  static const char * const vars[][2] = {
    { "HOME", "home" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_STATE_HOME", "state" },
  };
  g_autoptr(GError) error = NULL;

  if (g_getenv (ISOLATED_ROOT_VAR) != NULL)
    return;

  isolated_root = g_dir_make_tmp ("atrium-test-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv (ISOLATED_ROOT_VAR, isolated_root, TRUE);

  for (gsize i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      g_autofree char *path = g_build_filename (isolated_root, vars[i][1], NULL);

      g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
      g_setenv (vars[i][0], path, TRUE);
    }
  atexit (remove_isolated_root);
}

/* Returns FALSE when there is no display to test on. */
gboolean
harness_init (int    *argc,
              char ***argv)
{
  g_autofree char *name = NULL;

  isolate_dirs ();
  g_test_init (argc, argv, NULL);

  /* g_test_init() names the program by its whole path, and WebKit files its
   * data under a directory of that name: give it a plain one. */
  name = g_path_get_basename (g_get_prgname ());
  g_set_prgname (name);

  return gtk_init_check ();
}

AtriumApp *
harness_app_new (AtriumAssets *assets)
{
  static guint serial;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("dev.atrium.Test%u", ++serial);
  AtriumApp *app = atrium_app_new (id, G_APPLICATION_NON_UNIQUE);

  if (assets != NULL)
    atrium_app_set_assets (app, assets);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  return app;
}

/* An app on tests/pages with the built-in groups @builtins on. */
AtriumApp *
harness_app_new_for_pages (AtriumBuiltins builtins)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  AtriumApp *app;

  g_assert_no_error (error);
  app = harness_app_new (assets);
  atrium_app_set_builtins (app, builtins);
  return app;
}

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 gboolean        *done)
{
  if (event == WEBKIT_LOAD_FINISHED)
    *done = TRUE;
}

/* Iterates the main loop until @done holds. Past HARNESS_WAIT_SECONDS
 * the test fails and says what it was waiting for, well before meson's
 * timeout would kill it without a word. */
void
harness_wait_for (HarnessCondition  done,
                  gpointer          data,
                  const char       *what)
{
  test_wait_for (NULL, HARNESS_WAIT_SECONDS, done, data, what);
}

void
harness_wait (gboolean   *flag,
              const char *what)
{
  test_wait_for (NULL, HARNESS_WAIT_SECONDS, test_flag_is_set, flag, what);
}

#ifdef GDK_WINDOWING_X11
typedef struct
{
  Window   xid;
  int      width;
  gboolean seen;
} ConfigureSeen;

static gboolean
configure_seen_cb (GdkX11Display *display,
                   const XEvent  *event,
                   ConfigureSeen *seen)
{
  if (event->type == ConfigureNotify && event->xconfigure.window == seen->xid
      && event->xconfigure.width == seen->width)
    seen->seen = TRUE;
  return GDK_EVENT_PROPAGATE;
}
#endif

void
harness_wait_configure (AtriumWindow *window,
                        int           width,
                        GFunc         start,
                        gpointer      data,
                        const char   *what)
{
#ifdef GDK_WINDOWING_X11
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (window));
  ConfigureSeen seen = { 0, width, FALSE };
  gulong handler;

  g_assert_true (GDK_IS_X11_DISPLAY (display));
  seen.xid = gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window)));
  handler = g_signal_connect (display, "xevent", G_CALLBACK (configure_seen_cb), &seen);
  start (window, data);
  harness_wait (&seen.seen, what);
  g_signal_handler_disconnect (display, handler);
#else
  g_error ("harness_wait_configure() needs X11");
#endif
}

void
harness_wait_load (AtriumWindow *window)
{
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  gboolean done = FALSE;
  gulong id = g_signal_connect (web_view, "load-changed", G_CALLBACK (load_changed_cb), &done);

  harness_wait (&done, "the window's page to finish loading");
  g_signal_handler_disconnect (web_view, id);
}

/* Whether ATRIUM_WEB_EXTENSIONS_DIR names a built web process extension
 * (meson test sets it; sanitizer builds have none). */
gboolean
harness_have_web_extension (void)
{
  const char *dir = g_getenv ("ATRIUM_WEB_EXTENSIONS_DIR");
  g_autofree char *module = NULL;

  if (dir == NULL)
    return FALSE;
  module = g_build_filename (dir, "libatrium-web-extension.so", NULL);
  return g_file_test (module, G_FILE_TEST_IS_REGULAR);
}

/* For a test that needs the extension: whether it is there, else the test
 * is skipped, saying why. */
gboolean
harness_need_web_extension (void)
{
  if (harness_have_web_extension ())
    return TRUE;
  g_test_skip (HARNESS_NO_EXTENSION);
  return FALSE;
}

/* After the page in @window has made calls (none of them with a stream
 * from the page, which always goes as a script message): they all went the
 * way the environment says, script messages only under
 * ATRIUM_TRANSPORT=script, otherwise through the extension whenever it is
 * there. A suite that runs over both transports (tests/meson.build) calls
 * this once, so that it cannot pass twice over one of them, or partly
 * over the other, without saying so. */
/* Whether the environment keeps calls on script messages
 * (ATRIUM_TRANSPORT=script). */
gboolean
harness_transport_is_script (void)
{
  return g_strcmp0 (g_getenv ("ATRIUM_TRANSPORT"), "script") == 0;
}

void
harness_assert_transport (AtriumWindow *window)
{
  guint64 script_calls, extension_calls;

  _atrium_bridge_get_transport_stats (_atrium_window_get_bridge (window), &script_calls,
                                      &extension_calls);
  g_test_message ("calls so far: %" G_GUINT64_FORMAT " as script messages, %" G_GUINT64_FORMAT
                  " through the extension", script_calls, extension_calls);
  if (harness_transport_is_script () || !harness_have_web_extension ())
    {
      g_assert_cmpuint (extension_calls, ==, 0);
      g_assert_cmpuint (script_calls, >, 0);
    }
  else
    {
      g_assert_cmpuint (extension_calls, >, 0);
      g_assert_cmpuint (script_calls, ==, 0);
    }
}

/* Loads @uri in a view of the test's own (not an AtriumWindow's) and
 * waits until it has finished loading. */
void
harness_load_uri (WebKitWebView *web_view,
                  const char    *uri,
                  const char    *what)
{
  gboolean done = FALSE;
  gulong id = g_signal_connect (web_view, "load-changed", G_CALLBACK (load_changed_cb), &done);

  webkit_web_view_load_uri (web_view, uri);
  harness_wait (&done, what);
  g_signal_handler_disconnect (web_view, id);
}

AtriumWindow *
harness_open (AtriumApp  *app,
              const char *path)
{
  AtriumWindow *window = atrium_window_new (app);
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  gboolean done = FALSE;
  gulong id = g_signal_connect (web_view, "load-changed", G_CALLBACK (load_changed_cb), &done);

  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  atrium_window_load (window, path);
  gtk_window_present (GTK_WINDOW (window));
  harness_wait (&done, "a new window's page to finish loading");
  g_signal_handler_disconnect (web_view, id);

  return window;
}

typedef struct
{
  gboolean  done;
  char     *text;
  GError   *error;
} JsResult;

static void
js_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  JsResult *r = user_data;
  g_autoptr(JSCValue) value = NULL;

  value = webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object),
                                                                 result, &r->error);
  if (value != NULL)
    r->text = jsc_value_to_string (value);
  r->done = TRUE;
}

/* Runs @body as the body of an async function in the page and returns what
 * it returns, JSON-encoded. */
char *
harness_run_js (AtriumWindow *window,
                const char   *body)
{
  g_autofree char *wrapped = g_strdup_printf ("return JSON.stringify(await (async () => {\n%s\n})());",
                                              body);
  JsResult r = { FALSE, NULL, NULL };

  webkit_web_view_call_async_javascript_function (atrium_window_get_web_view (window), wrapped, -1,
                                                  NULL, NULL, NULL, NULL, js_done_cb, &r);
  harness_wait (&r.done, "a script in the page to return");
  g_assert_no_error (r.error);

  return r.text;
}

#define HARNESS_JS_MESSAGE_MAX 4096

JsonNode *
harness_run_js_json (AtriumWindow *window,
                     const char   *body)
{
  g_autofree char *text = harness_run_js (window, body);
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  /* Whole up to a few KiB; a longer line is cut, since meson's TAP reader
   * splits a line past 64 KiB and reads the rest as a line that is not TAP. */
  if (strlen (text) <= HARNESS_JS_MESSAGE_MAX)
    g_test_message ("JS returned %s", text);
  else
    g_test_message ("JS returned %.*s… (%zu bytes in all)",
                    HARNESS_JS_MESSAGE_MAX, text, strlen (text));
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

gboolean
harness_js_true (gpointer data)
{
  HarnessJsWait *wait = data;
  g_autofree char *text = harness_run_js (wait->window, wait->body);

  return g_strcmp0 (text, "true") == 0;
}

void
harness_close (AtriumWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  /* Let the web process hear about it before the next test starts. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

void
harness_echo_cb (AtriumCall *call,
                 gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);

  atrium_call_return_value (call, arg != NULL ? json_node_copy (arg) : NULL);
}

SoupServer *
harness_foreign_server_new (SoupServerCallback  callback,
                            gpointer            user_data,
                            guint              *port)
{
  g_autoptr(GError) error = NULL;
  SoupServer *server = soup_server_new (NULL, NULL);
  GSList *uris;

  soup_server_add_handler (server, NULL, callback, user_data, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  *port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

/* The WebKitWebProcesses below this process (through bwrap, if any), from
 * /proc: their pids and, in @rss, their resident memory summed. */
GArray *
harness_web_processes (gsize *rss)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  g_autoptr(GHashTable) parent = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) web = g_array_new (FALSE, FALSE, sizeof (int));
  GArray *ours = g_array_new (FALSE, FALSE, sizeof (int));
  const char *entry;

  g_assert_nonnull (dir);
  if (rss != NULL)
    *rss = 0;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      char *close_paren;
      int pid, ppid;
      char state;

      if (!g_ascii_isdigit (entry[0]))
        continue;
      path = g_build_filename ("/proc", entry, "stat", NULL);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      close_paren = strrchr (stat, ')');
      if (close_paren == NULL || sscanf (close_paren + 2, "%c %d", &state, &ppid) != 2)
        continue;
      pid = atoi (entry);
      g_hash_table_insert (parent, GINT_TO_POINTER (pid), GINT_TO_POINTER (ppid));
      /* The kernel keeps 15 bytes of a name. */
      if (strstr (stat, "(WebKitWebProces") != NULL)
        g_array_append_val (web, pid);
    }

  for (guint i = 0; i < web->len; i++)
    {
      int pid = g_array_index (web, int, i);
      int p = pid;

      while (p > 1 && p != getpid ())
        p = GPOINTER_TO_INT (g_hash_table_lookup (parent, GINT_TO_POINTER (p)));
      if (p != getpid ())
        continue;
      g_array_append_val (ours, pid);
      if (rss != NULL)
        {
          g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
          g_autofree char *status = NULL;
          const char *line;

          if (g_file_get_contents (path, &status, NULL, NULL)
              && (line = strstr (status, "VmRSS:")) != NULL)
            *rss += g_ascii_strtoull (line + 6, NULL, 10) * 1024;
        }
    }
  return ours;
}

/* Runs @body (see harness_run_js()) and checks what it returned,
 * logging both. */
void
harness_assert_js (AtriumWindow *window,
                   const char   *body,
                   const char   *expected)
{
  g_autofree char *text = harness_run_js (window, body);

  g_test_message ("JS %s → %s", body, text);
  g_assert_cmpstr (text, ==, expected);
}

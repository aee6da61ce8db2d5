#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "atrium-app-private.h"
#include "webkit-harness.h"

/* --dev-url: the windows load a dev server (a SoupServer here, standing for
 * Vite), its pages get the runtime and can call, and no other origin does —
 * not even another port of the same host. */

static SoupServer *dev_server;
static SoupServer *foreign_server;
static char *dev_base;       /* "http://127.0.0.1:PORT/" */
static char *foreign_base;

static void
dev_cb (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  const char *title = user_data;
  g_autofree char *page = NULL;

  if (strcmp (path, "/") != 0 && strcmp (path, "/other.html") != 0)
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }

  /* A page that calls C as soon as it loads, as a dev build would. */
  page = g_strdup_printf ("<!DOCTYPE html><html><head><meta charset=utf-8><title>%s%s</title>"
                          "</head><body><p id=out>waiting</p><script>"
                          "if (window.atrium) atrium.call('echo', 'from the page')"
                          "  .then((v) => { document.getElementById('out').textContent = v; });"
                          "</script></body></html>",
                          title, strcmp (path, "/") == 0 ? "" : " other");
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    page, strlen (page));
  soup_server_message_set_status (msg, 200, NULL);
}

static SoupServer *
start_server (const char  *title,
              char       **base)
{
  g_autoptr(GError) error = NULL;
  SoupServer *server = soup_server_new (NULL, NULL);
  GSList *uris;

  soup_server_add_handler (server, NULL, dev_cb, (gpointer) title, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  *base = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return server;
}

static AtriumApp *
dev_app_new (void)
{
  g_autoptr(GError) error = NULL;
  AtriumApp *app = harness_app_new (NULL);

  g_assert_true (atrium_app_set_dev_url (app, dev_base, &error));
  g_assert_no_error (error);
  atrium_app_bind (app, "echo", harness_echo_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  return app;
}

static void
test_validation (void)
{
  static const char * const bad[] = {
    "", "localhost:5173", "ftp://localhost/", "file:///tmp/index.html", "http://",
    "https:///path", "app://localhost/", "javascript:alert(1)", "http://user:pw@host/",
    "http://exa mple/",
  };
  static const char * const good[][2] = {
    { "http://localhost:5173", "http://localhost:5173" },
    { "http://localhost:5173/", "http://localhost:5173" },
    { "https://Dev.Example:8443/app/", "https://dev.example:8443" },
    { "http://127.0.0.1:80/", "http://127.0.0.1" },
    { "https://[::1]:3000", "https://[::1]:3000" },
  };
  g_autoptr(AtriumApp) app = atrium_app_new (NULL, G_APPLICATION_NON_UNIQUE);

  g_assert_cmpstr (_atrium_app_get_origin (app), ==, "app://localhost");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("bad %s", bad[i]);
      g_assert_false (atrium_app_set_dev_url (app, bad[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_null (atrium_app_get_dev_url (app));
      g_assert_cmpstr (_atrium_app_get_origin (app), ==, "app://localhost");
    }
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("good %s", good[i][0]);
      g_assert_true (atrium_app_set_dev_url (app, good[i][0], &error));
      g_assert_no_error (error);
      g_assert_cmpstr (_atrium_app_get_origin (app), ==, good[i][1]);
    }

  g_assert_true (atrium_app_set_dev_url (app, NULL, NULL));
  g_assert_null (atrium_app_get_dev_url (app));
  g_assert_cmpstr (_atrium_app_get_origin (app), ==, "app://localhost");
}

static void
test_is_app_uri (void)
{
  g_autoptr(AtriumApp) app = atrium_app_new (NULL, G_APPLICATION_NON_UNIQUE);
  static const char * const yes[] = {
    "http://localhost:5173", "http://localhost:5173/", "http://localhost:5173/src/main.ts?x",
  };
  static const char * const no[] = {
    "http://localhost:51730/", "http://localhost:5173.evil.example/", "http://localhost:517",
    "https://localhost:5173/", "http://localhost/", "app://localhost/", "http://localhost:5173@evil/",
    "http://127.0.0.1:5173/",
  };

  g_assert_true (_atrium_app_is_app_uri (app, "app://localhost/"));
  g_assert_false (_atrium_app_is_app_uri (app, "app://localhostx/"));
  g_assert_true (atrium_app_set_dev_url (app, "http://localhost:5173", NULL));

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    g_assert_true (_atrium_app_is_app_uri (app, yes[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (no); i++)
    {
      g_test_message ("%s", no[i]);
      g_assert_false (_atrium_app_is_app_uri (app, no[i]));
    }
}

static void
test_calls (void)
{
  g_autoptr(AtriumApp) app = dev_app_new ();
  AtriumWindow *window = harness_open (app, "/");
  g_autoptr(JsonNode) result = NULL;
  JsonArray *a;

  g_assert_cmpstr (webkit_web_view_get_uri (atrium_window_get_web_view (window)), ==, dev_base);
  result = harness_run_js_json (window,
    "await atrium.__whenIdle();"
    "return [document.title, location.origin, typeof window.atrium,"
    "        await atrium.call('echo', {a: [1, 'two']}), document.getElementById('out').textContent];");
  a = json_node_get_array (result);
  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "dev page");
  g_assert_true (g_str_has_prefix (dev_base, json_array_get_string_element (a, 1)));
  g_assert_cmpstr (json_array_get_string_element (a, 2), ==, "object");
  g_assert_cmpint (json_array_get_int_element (
                     json_object_get_array_member (json_array_get_object_element (a, 3), "a"), 0),
                   ==, 1);
  g_assert_cmpstr (json_array_get_string_element (a, 4), ==, "from the page");
  /* The dev server serves the files: no loopback route is started. */
  g_assert_null (_atrium_app_get_media_server (app));
  harness_close (window);

  /* Paths resolve against the dev server's origin. */
  window = harness_open (app, "/other.html");
  g_clear_pointer (&result, json_node_unref);
  result = harness_run_js_json (window, "return [document.title, await atrium.call('echo', 7)];");
  a = json_node_get_array (result);
  g_assert_cmpstr (json_array_get_string_element (a, 0), ==, "dev page other");
  g_assert_cmpint (json_array_get_int_element (a, 1), ==, 7);
  harness_close (window);
}

typedef struct
{
  gboolean  done;
  char     *text;
} JsWait;

static void
js_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  JsWait *w = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JSCValue) value =
    webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object), result,
                                                           &error);

  g_assert_no_error (error);
  w->text = jsc_value_to_string (value);
  w->done = TRUE;
}

/* What a page at @uri sees, in a bare web view that shares an app window's
 * context and content manager (so its runtime script and message handlers)
 * but none of the window's navigation policy: the allow list and the
 * script's own origin check are all that decide. */
static char *
runtime_type_at (AtriumWindow *app_window,
                 const char   *uri)
{
  WebKitWebView *app_view = atrium_window_get_web_view (app_window);
  WebKitWebView *web_view;
  GtkWidget *window = gtk_window_new ();
  JsWait w = { FALSE, NULL };

  web_view = g_object_new (WEBKIT_TYPE_WEB_VIEW,
                           "web-context", webkit_web_view_get_context (app_view),
                           "user-content-manager",
                           webkit_web_view_get_user_content_manager (app_view),
                           NULL);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (web_view));
  gtk_window_present (GTK_WINDOW (window));

  harness_load_uri (web_view, uri, "the dev server's page to load");

  webkit_web_view_call_async_javascript_function (web_view,
                                                  "return document.title + ': ' + typeof window.atrium;",
                                                  -1, NULL, NULL, NULL, NULL, js_done_cb, &w);
  harness_wait (&w.done, "the page's title and atrium type");

  gtk_window_destroy (GTK_WINDOW (window));
  return w.text;
}

/* Another origin — the same host on another port — gets no runtime. */
static void
test_other_origin (void)
{
  g_autoptr(AtriumApp) app = dev_app_new ();
  AtriumWindow *window = harness_open (app, "/");
  g_autofree char *dev = runtime_type_at (window, dev_base);
  g_autofree char *foreign = runtime_type_at (window, foreign_base);

  g_assert_false (_atrium_app_is_app_uri (app, foreign_base));
  g_assert_cmpstr (dev, ==, "dev page: object");
  g_assert_cmpstr (foreign, ==, "foreign page: undefined");
  harness_close (window);
}

/* The default app stays on app://: a dev server page is foreign to it. */
static void
test_app_scheme_unaffected (void)
{
  g_autoptr(AtriumApp) app = harness_app_new (NULL);

  g_assert_false (_atrium_app_is_app_uri (app, dev_base));
  g_assert_true (_atrium_app_is_app_uri (app, "app://localhost/index.html"));
}

typedef struct
{
  gboolean  done;
  int       status;
  char     *out;
  char     *err;
} Launch;

static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Launch *l = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &l->out, &l->err, &error);
  g_assert_no_error (error);
  l->status = g_subprocess_get_if_exited (G_SUBPROCESS (object))
              ? g_subprocess_get_exit_status (G_SUBPROCESS (object)) : -1;
  l->done = TRUE;
}

/* Runs the launcher while this process's main loop keeps serving the dev
 * server it loads. */
static void
launch (Launch             *l,
        const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (char *) g_getenv ("ATRIUM_LAUNCHER"));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, l);
  harness_wait (&l->done, "the launcher to exit");
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", l->status, l->out, l->err);
}

static void
test_launcher (void)
{
  g_autofree char *png = g_build_filename (g_get_tmp_dir (), "atrium-devurl-XXXXXX.png", NULL);
  int fd = g_mkstemp (png);

  g_assert_nonnull (g_getenv ("ATRIUM_LAUNCHER"));
  close (fd);

  {
    const char * const args[] = { "--dev-url", dev_base, "--screenshot", png, NULL };
    Launch l = { 0 };

    launch (&l, args);
    g_assert_cmpint (l.status, ==, 0);
    g_assert_true (g_str_has_prefix (l.out, "Saved screenshot to "));
    g_free (l.out);
    g_free (l.err);
  }

  {
    static const char * const bad[] = { "ftp://localhost/", "localhost:5173", "http://" };

    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        const char * const args[] = { "--dev-url", bad[i], NULL };
        Launch l = { 0 };

        launch (&l, args);
        g_assert_cmpint (l.status, ==, 2);
        /* One line, naming the option. */
        g_assert_true (g_str_has_prefix (l.err, "atrium: --dev-url"));
        g_assert_cmpint (strchr (l.err, '\n') - l.err, ==, strlen (l.err) - 1);
        g_free (l.out);
        g_free (l.err);
      }
  }

  {
    const char * const args[] = { "--dev-url", dev_base, "--dir", ".", NULL };
    Launch l = { 0 };

    launch (&l, args);
    g_assert_cmpint (l.status, ==, 2);
    g_free (l.out);
    g_free (l.err);
  }

  g_remove (png);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/devurl/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  dev_server = start_server ("dev page", &dev_base);
  foreign_server = start_server ("foreign page", &foreign_base);

  g_test_add_func ("/atrium/devurl/validation", test_validation);
  g_test_add_func ("/atrium/devurl/is-app-uri", test_is_app_uri);
  g_test_add_func ("/atrium/devurl/calls", test_calls);
  g_test_add_func ("/atrium/devurl/other-origin", test_other_origin);
  g_test_add_func ("/atrium/devurl/app-scheme-unaffected", test_app_scheme_unaffected);
  g_test_add_func ("/atrium/devurl/launcher", test_launcher);

  status = g_test_run ();

  g_clear_object (&dev_server);
  g_clear_object (&foreign_server);
  g_free (dev_base);
  g_free (foreign_base);
  return status;
}

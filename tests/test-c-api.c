#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "atrium-app-private.h"
#include "test-util.h"
#include "webkit-harness.h"

/* The C side of atrium.shell, atrium.clipboard and atrium.screen: the
 * same policy and data as the pages get, in the GIO style. The shell's
 * handler is a stand-in of our own (a .desktop file in the test's private
 * XDG_DATA_HOME, the default for https, an app scheme, text/plain and
 * folders by its mimeapps.list) whose Exec writes its argument to a file;
 * no file manager is on the test's bus, so showing a file opens its
 * folder. */

static char *record_path;   /* what the recording handler was given, a line each */
static char *work_dir;

static void
install_handler (void)
{
  static const char * const types[] = {
    "x-scheme-handler/https", "x-scheme-handler/atrium-test", "text/plain", "inode/directory",
    NULL
  };

  record_path = test_install_recorder (work_dir, "atrium-c-recorder", types);
}

static char *
recorded_text (void)
{
  return test_read_recorded (record_path);
}

static gboolean
recorded (gpointer data)
{
  g_autofree char *text = recorded_text ();

  return strstr (text, data) != NULL;
}

static void
wait_recorded (const char *line)
{
  g_autofree char *needle = g_strconcat (line, "\n", NULL);
  g_autofree char *what = g_strdup_printf ("the handler to be given %s", line);

  harness_wait_for (recorded, needle, what);
}

/* An async operation's result, waited for with the harness's deadline. */
static GAsyncResult *
wait_result (GAsyncResult **result,
             const char    *what)
{
  harness_wait_for (test_pointer_is_set, result, what);
  return *result;
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GCancellable *
cancelled_cancellable (void)
{
  GCancellable *cancellable = g_cancellable_new ();

  g_cancellable_cancel (cancellable);
  return cancellable;
}

/* --- shell --- */

static gboolean
open_url (AtriumApp    *app,
          const char   *url,
          GCancellable *cancellable,
          GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  atrium_shell_open_url_async (app, url, cancellable, result_cb, &result);
  return atrium_shell_open_url_finish (wait_result (&result, "atrium_shell_open_url_async"),
                                       error);
}

/* The scheme policy is openUrl()'s: bad URLs are bad-args, refused and
 * unallowed schemes forbidden, a cancelled call starts nothing; an allowed
 * one reaches the desktop's handler. */
static void
test_shell_open_url (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  g_autoptr(GCancellable) cancelled = cancelled_cancellable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *long_url = g_strdup_printf ("https://x/%0*d", 9000, 0);
  g_autofree char *text = NULL;
  static const char * const bad[] = { "no scheme", "https:///nohost", "\xff://x" };
  static const char * const forbidden[] = { "javascript:alert(1)", "JavaScript:alert(1)",
                                            "file:///etc/passwd", "data:text/html,<b>x</b>",
                                            "atrium-test:thing", "ftp://example.com/" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (open_url (app, bad[i], NULL, &error));
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
      g_clear_error (&error);
    }
  g_assert_false (open_url (app, long_url, NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);
  for (gsize i = 0; i < G_N_ELEMENTS (forbidden); i++)
    {
      g_assert_false (open_url (app, forbidden[i], NULL, &error));
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN);
      g_clear_error (&error);
    }
  g_assert_false (open_url (app, "https://example.com/cancelled", cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_true (open_url (app, "https://example.com/from-c?a=b", NULL, &error));
  g_assert_no_error (error);
  wait_recorded ("https://example.com/from-c?a=b");
  atrium_app_allow_url_scheme (app, "atrium-test");
  g_assert_true (open_url (app, "atrium-test:from-c", NULL, &error));
  g_assert_no_error (error);
  wait_recorded ("atrium-test:from-c");

  /* Neither the refused nor the cancelled reached the handler. */
  text = recorded_text ();
  g_assert_null (strstr (text, "cancelled"));
  g_assert_null (strstr (text, "thing"));
  g_assert_null (strstr (text, "passwd"));
}

typedef void (*FileAsync) (GFile *, GCancellable *, GAsyncReadyCallback, gpointer);
typedef gboolean (*FileFinish) (GAsyncResult *, GError **);

static gboolean
on_file (FileAsync     start,
         FileFinish    finish,
         GFile        *file,
         GCancellable *cancellable,
         GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  start (file, cancellable, result_cb, &result);
  return finish (wait_result (&result, "a shell operation on a file"), error);
}

/* openPath's and trash's path policy: nothing there is not-found, a file
 * that is not local is bad-args, cancelled changes nothing. */
static void
check_file_refusals (FileAsync  start,
                     FileFinish finish,
                     GFile     *existing)
{
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/atrium/x.txt");
  g_autoptr(GFile) remote = g_file_new_for_uri ("https://example.com/x.txt");
  g_autoptr(GCancellable) cancelled = cancelled_cancellable ();
  g_autoptr(GError) error = NULL;

  g_assert_false (on_file (start, finish, missing, NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (on_file (start, finish, remote, NULL, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);
  g_assert_false (on_file (start, finish, existing, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_file_query_exists (existing, NULL));
}

static void
test_shell_open_path (void)
{
  g_autofree char *path = g_build_filename (work_dir, "notes-from-c.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (g_file_set_contents (path, "hello", -1, NULL));
  check_file_refusals (atrium_shell_open_path_async, atrium_shell_open_path_finish, file);
  text = recorded_text ();
  g_assert_null (strstr (text, path));

  g_assert_true (on_file (atrium_shell_open_path_async, atrium_shell_open_path_finish, file, NULL,
                          &error));
  g_assert_no_error (error);
  /* GIO hands a local file to a %u handler as its path. */
  wait_recorded (path);
}

static void
test_shell_show_in_folder (void)
{
  g_autofree char *dir = g_build_filename (work_dir, "shown", NULL);
  g_autofree char *path = g_build_filename (dir, "shown.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_test_skip ("No session bus: run under dbus-run-session");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "x", -1, NULL));
  check_file_refusals (atrium_shell_show_in_folder_async, atrium_shell_show_in_folder_finish,
                       file);
  text = recorded_text ();
  g_assert_null (strstr (text, dir));

  g_assert_true (on_file (atrium_shell_show_in_folder_async, atrium_shell_show_in_folder_finish,
                          file, NULL, &error));
  g_assert_no_error (error);
  wait_recorded (dir);
}

static void
test_shell_trash (void)
{
  g_autofree char *path = g_build_filename (g_get_home_dir (), "c-to-trash.txt", NULL);
  g_autofree char *trashed = g_build_filename (g_get_user_data_dir (), "Trash", "files",
                                               "c-to-trash.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "bye", -1, NULL));
  check_file_refusals (atrium_shell_trash_async, atrium_shell_trash_finish, file);
  g_assert_false (g_file_test (trashed, G_FILE_TEST_EXISTS));

  g_assert_true (on_file (atrium_shell_trash_async, atrium_shell_trash_finish, file, NULL,
                          &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (trashed, G_FILE_TEST_EXISTS));
}

/* --- clipboard --- */

static char *
read_text (GdkClipboard *clipboard,
           GCancellable *cancellable,
           GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  atrium_clipboard_read_text_async (clipboard, cancellable, result_cb, &result);
  return atrium_clipboard_read_text_finish (clipboard,
                                            wait_result (&result, "the clipboard's text"), error);
}

static gboolean
write_image (GdkClipboard *clipboard,
             GBytes       *png,
             GCancellable *cancellable,
             GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  atrium_clipboard_write_image_async (clipboard, png, cancellable, result_cb, &result);
  return atrium_clipboard_write_image_finish (clipboard,
                                              wait_result (&result, "the image to be written"),
                                              error);
}

static GBytes *
read_image (GdkClipboard *clipboard,
            GCancellable *cancellable,
            GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  atrium_clipboard_read_image_async (clipboard, cancellable, result_cb, &result);
  return atrium_clipboard_read_image_finish (clipboard,
                                             wait_result (&result, "the clipboard's image"),
                                             error);
}

/* Text round-trips, with the page's reader seeing what C wrote; text that
 * is not UTF-8 or too long changes nothing; a cancelled read is cancelled;
 * an image is no text. */
static void
test_clipboard_text (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  g_autoptr(GCancellable) cancelled = cancelled_cancellable ();
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_malloc (ATRIUM_CLIPBOARD_TEXT_MAX + 2);
  g_autofree char *text = NULL;
  static const guint8 rgba[] = { 255, 0, 0, 255 };
  g_autoptr(GBytes) pixels = g_bytes_new_static (rgba, sizeof rgba);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (1, 1, GDK_MEMORY_R8G8B8A8, pixels, 4);
  AtriumWindow *window;

  g_assert_true (atrium_clipboard_write_text (clipboard, "from C ✓", &error));
  g_assert_no_error (error);
  text = read_text (clipboard, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "from C ✓");
  g_clear_pointer (&text, g_free);
  window = harness_open (app, "/index.html");
  harness_assert_js (window, "return atrium.clipboard.readText();", "\"from C ✓\"");
  harness_close (window);

  g_assert_false (atrium_clipboard_write_text (clipboard, "\xff\xfe", &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_clear_error (&error);
  memset (huge, 'x', ATRIUM_CLIPBOARD_TEXT_MAX + 1);
  huge[ATRIUM_CLIPBOARD_TEXT_MAX + 1] = '\0';
  g_assert_false (atrium_clipboard_write_text (clipboard, huge, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_null (read_text (clipboard, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  text = read_text (clipboard, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "from C ✓");

  gdk_clipboard_set_texture (clipboard, texture);
  g_assert_null (read_text (clipboard, NULL, &error));
  g_assert_no_error (error);
}

/* A PNG of @width×@height whose header says so and nothing more: enough
 * for the size check, not for a decoder. */
static GBytes *
png_header (guint32 width,
            guint32 height)
{
  guint8 *png = g_malloc0 (33);

  memcpy (png, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  png[16] = width >> 24; png[17] = width >> 16; png[18] = width >> 8; png[19] = width;
  png[20] = height >> 24; png[21] = height >> 16; png[22] = height >> 8; png[23] = height;
  png[24] = 8; png[25] = 6;
  return g_bytes_new_take (png, 33);
}

/* The pixel at @x, @y of a PNG as 0xAARRGGBB. */
static guint32
png_pixel (GBytes *png,
           int     x,
           int     y)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (png, &error);
  int width;
  g_autofree guint32 *pixels = NULL;

  g_assert_no_error (error);
  width = gdk_texture_get_width (texture);
  pixels = g_new (guint32, width * gdk_texture_get_height (texture));
  gdk_texture_download (texture, (guchar *) pixels, width * 4);
  return pixels[y * width + x];
}

/* A PNG from C round-trips pixel for pixel and reaches the page; what is
 * not a PNG, lies in its header or decodes too large is refused and the
 * clipboard keeps what it had; cancelled writes and reads change
 * nothing; text is no image. */
static void
test_clipboard_image (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  g_autoptr(GCancellable) cancelled = cancelled_cancellable ();
  g_autoptr(GError) error = NULL;
  static const guint8 rgba[] = { 255, 0, 0, 255,   0, 255, 0, 255,
                                 0, 0, 255, 255,   255, 255, 255, 255 };
  static const guint8 blue[] = { 0, 0, 255, 255 };
  g_autoptr(GBytes) pixels = g_bytes_new_static (rgba, sizeof rgba);
  g_autoptr(GdkTexture) square = gdk_memory_texture_new (2, 2, GDK_MEMORY_R8G8B8A8, pixels, 8);
  g_autoptr(GBytes) blue_pixels = g_bytes_new_static (blue, sizeof blue);
  g_autoptr(GdkTexture) dot = gdk_memory_texture_new (1, 1, GDK_MEMORY_R8G8B8A8, blue_pixels, 4);
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (square);
  g_autoptr(GBytes) dot_png = gdk_texture_save_to_png_bytes (dot);
  g_autoptr(GBytes) not_png = g_bytes_new_static ("not a png", 9);
  g_autoptr(GBytes) lying = png_header (4, 4);
  g_autoptr(GBytes) empty = png_header (0, 4);
  g_autoptr(GBytes) bomb = png_header (100000, 100000);
  g_autoptr(GBytes) back = NULL;
  GBytes *refused[] = { not_png, lying, empty, bomb };
  const int codes[] = { ATRIUM_ERROR_BAD_ARGS, ATRIUM_ERROR_BAD_ARGS, ATRIUM_ERROR_BAD_ARGS,
                        ATRIUM_ERROR_TOO_LARGE };
  AtriumWindow *window;

  g_assert_true (write_image (clipboard, png, NULL, &error));
  g_assert_no_error (error);
  back = read_image (clipboard, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmphex (png_pixel (back, 0, 0), ==, 0xffff0000);
  g_assert_cmphex (png_pixel (back, 0, 1), ==, 0xff0000ff);
  g_clear_pointer (&back, g_bytes_unref);
  window = harness_open (app, "/index.html");
  harness_assert_js (window,
                     "const bitmap = await createImageBitmap("
                     "  new Blob([await atrium.clipboard.readImage()]));"
                     "const c = document.createElement('canvas'); c.width = 2; c.height = 2;"
                     "const g = c.getContext('2d'); g.drawImage(bitmap, 0, 0);"
                     "return [bitmap.width, Array.from(g.getImageData(1, 0, 1, 1).data)];",
                     "[2,[0,255,0,255]]");
  harness_close (window);

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_assert_false (write_image (clipboard, refused[i], NULL, &error));
      g_assert_error (error, ATRIUM_ERROR, codes[i]);
      g_clear_error (&error);
    }
  g_assert_false (write_image (clipboard, dot_png, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (read_image (clipboard, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  back = read_image (clipboard, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmphex (png_pixel (back, 1, 0), ==, 0xff00ff00);   /* still the square */
  g_clear_pointer (&back, g_bytes_unref);

  gdk_clipboard_set_text (clipboard, "not an image");
  g_assert_null (read_image (clipboard, NULL, &error));
  g_assert_no_error (error);
}

/* --- screens --- */

/* C's descriptions are the pages' own, byte for byte; a window on no
 * monitor yet has none; what is not a display or a window is refused. */
static void
test_screens (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  g_autoptr(JsonNode) list = atrium_screen_list (gdk_display_get_default ());
  g_autoptr(JsonNode) current = NULL;
  g_autofree char *list_json = NULL;
  g_autofree char *current_json = NULL;
  g_autofree char *js_list = NULL;
  g_autofree char *js_current = NULL;
  GtkWindow *hidden = GTK_WINDOW (gtk_window_new ());
  AtriumWindow *window;
  JsonObject *first;

  g_assert_true (JSON_NODE_HOLDS_ARRAY (list));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), >=, 1);
  first = json_array_get_object_element (json_node_get_array (list), 0);
  g_assert_cmpint (json_object_get_int_member (first, "width"), >, 0);
  g_assert_true (json_object_has_member (first, "workArea"));
  g_assert_true (json_object_has_member (first, "primary"));
  list_json = json_to_string (list, FALSE);

  window = harness_open (app, "/index.html");
  js_list = harness_run_js (window, "return atrium.screen.list();");
  g_assert_cmpstr (js_list, ==, list_json);
  current = atrium_screen_get_current (GTK_WINDOW (window));
  g_assert_nonnull (current);
  current_json = json_to_string (current, FALSE);
  js_current = harness_run_js (window, "return atrium.screen.current();");
  g_assert_cmpstr (js_current, ==, current_json);
  harness_close (window);

  g_assert_null (atrium_screen_get_current (hidden));
  gtk_window_destroy (hidden);

  g_test_expect_message ("Atrium-Screen", G_LOG_LEVEL_CRITICAL, "*GDK_IS_DISPLAY*");
  g_assert_null (atrium_screen_list (NULL));
  g_test_assert_expected_messages ();
  g_test_expect_message ("Atrium-Screen", G_LOG_LEVEL_CRITICAL, "*GTK_IS_WINDOW*");
  g_assert_null (atrium_screen_get_current (NULL));
  g_test_assert_expected_messages ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/c-api/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  work_dir = g_dir_make_tmp ("atrium-c-api-XXXXXX", &error);
  g_assert_no_error (error);
  install_handler ();

  g_test_add_func ("/atrium/c-api/shell-open-url", test_shell_open_url);
  g_test_add_func ("/atrium/c-api/shell-open-path", test_shell_open_path);
  g_test_add_func ("/atrium/c-api/shell-show-in-folder", test_shell_show_in_folder);
  g_test_add_func ("/atrium/c-api/shell-trash", test_shell_trash);
  g_test_add_func ("/atrium/c-api/clipboard-text", test_clipboard_text);
  g_test_add_func ("/atrium/c-api/clipboard-image", test_clipboard_image);
  g_test_add_func ("/atrium/c-api/screens", test_screens);

  status = g_test_run ();
  test_remove_tree (work_dir);
  g_free (work_dir);
  g_free (record_path);
  return status;
}

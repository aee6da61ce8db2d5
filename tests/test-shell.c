#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "atrium-app-private.h"
#include "atrium-builtins-private.h"
#include "test-util.h"
#include "webkit-harness.h"

/* atrium.shell against stand-ins: a handler application of our own (a
 * .desktop file in the test's private XDG_DATA_HOME, made the default for
 * https, mailto, an app scheme, text/plain and folders by its
 * mimeapps.list) whose Exec writes its argument to a file; and a
 * stand-in org.freedesktop.FileManager1 on the test's private session bus,
 * on a connection of its own in a thread, as a real one would be. */

#define FM_NAME  "org.freedesktop.FileManager1"
#define FM_PATH  "/org/freedesktop/FileManager1"

static char *record_path;   /* what the recording handler was given, a line each */
static char *work_dir;

static const char fm_xml[] =
  "<node><interface name='" FM_NAME "'>"
  "  <method name='ShowItems'><arg type='as' direction='in'/><arg type='s' direction='in'/>"
  "  </method>"
  "</interface></node>";

typedef struct
{
  TestBusService  *service;
  GMutex           lock;
  char            *shown;     /* under lock: the URIs ShowItems got, joined */
} FileManager;

static FileManager fm;

static void
fm_method_cb (GDBusConnection       *bus,
              const char            *sender,
              const char            *path,
              const char            *interface,
              const char            *method,
              GVariant              *parameters,
              GDBusMethodInvocation *invocation,
              gpointer               user_data)
{
  g_autofree const char **uris = NULL;
  const char *startup_id;

  g_variant_get (parameters, "(^a&s&s)", &uris, &startup_id);
  g_mutex_lock (&fm.lock);
  g_free (fm.shown);
  fm.shown = g_strjoinv (" ", (char **) uris);
  g_mutex_unlock (&fm.lock);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const GDBusInterfaceVTable fm_vtable = { fm_method_cb, NULL, NULL, { 0 } };

static void
fm_start (void)
{
  fm.service = test_bus_service_start (FM_NAME, FM_PATH, fm_xml, &fm_vtable,
                                       HARNESS_WAIT_SECONDS);
}

static gboolean
fm_shown (gpointer data)
{
  gboolean shown;

  g_mutex_lock (&fm.lock);
  shown = g_strcmp0 (fm.shown, data) == 0;
  g_mutex_unlock (&fm.lock);
  return shown;
}

/* The recording handler, made the default for what the tests open. */
static void
install_handler (void)
{
  static const char * const types[] = {
    "x-scheme-handler/https", "x-scheme-handler/http", "x-scheme-handler/mailto",
    "x-scheme-handler/atrium-test", "text/plain", "inode/directory", NULL
  };

  record_path = test_install_recorder (work_dir, "atrium-recorder", types);
}

static gboolean
recorded (gpointer data)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (record_path, &text, NULL, NULL) && strstr (text, data) != NULL;
}

static void
wait_recorded (const char *line)
{
  g_autofree char *needle = g_strconcat (line, "\n", NULL);
  g_autofree char *what = g_strdup_printf ("the handler to be given %s", line);

  harness_wait_for (recorded, needle, what);
}

#define JS_OUTCOME \
  "const outcome = async (f) => { try { return String(await f()); }" \
  "  catch (e) { return e.code + ': ' + e.message; } };"

static void
test_forbidden (void)
{
  g_autoptr(AtriumApp) app =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_DIALOG);
  AtriumWindow *window = harness_open (app, "/index.html");

  g_assert_false (ATRIUM_BUILTIN_DEFAULT & ATRIUM_BUILTIN_SHELL);
  harness_assert_js (window,
                     JS_OUTCOME
                     "return outcome(() => atrium.shell.openUrl('https://example.com/'));",
                     "\"forbidden: atrium.shell is off: call atrium_app_set_builtins (app, … | "
                     "ATRIUM_BUILTIN_SHELL)\"");
  g_assert_false (g_file_test (record_path, G_FILE_TEST_EXISTS));
  harness_close (window);
}

/* Bad input is bad-args; refused schemes are forbidden, allowed or not;
 * missing paths are not-found; nothing reaches a handler. */
static void
test_refused (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  AtriumWindow *window = harness_open (app, "/index.html");

  harness_assert_js (window, HARNESS_JS_CODE
                     "const s = atrium.shell;"
                     "const r = [];"
                     "for (const f of [() => s.openUrl(5), () => s.openUrl(), () => s.openUrl('no "
                     "scheme'),"
                     "                 () => s.openUrl('https://x/' + 'a'.repeat(9000)),"
                     "                 () => s.openUrl('https:///nohost'),"
                     "                 () => s.openPath('relative.txt'), () => s.openPath(5),"
                     "                 () => s.showInFolder(null), () => s.trash({}),"
                     "                 () => s.trash('')])"
                     "  r.push(await code(f));"
                     "return r.every((c) => c === 'bad-args') ? 'all bad-args' : r;",
                     "\"all bad-args\"");
  harness_assert_js (window, HARNESS_JS_CODE
                     "const s = atrium.shell;"
                     "const r = [];"
                     "for (const u of ['javascript:alert(1)', 'JavaScript:alert(1)', "
                     "'file:///etc/passwd',"
                     "                 'data:text/html,<b>x</b>', 'atrium-test:thing', "
                     "'ftp://example.com/'])"
                     "  r.push(await code(() => s.openUrl(u)));"
                     "return r;",
                     "[\"forbidden\",\"forbidden\",\"forbidden\","
                     "\"forbidden\",\"forbidden\",\"forbidden\"]");
  harness_assert_js (window,
                     JS_OUTCOME "return outcome(() => atrium.shell.openUrl('atrium-test:thing'));",
                     "\"forbidden: atrium-test: URLs are not allowed: call "
                     "atrium_app_allow_url_scheme "
                     "(app, \\\"atrium-test\\\")\"");
  harness_assert_js (window, HARNESS_JS_CODE
                     "const s = atrium.shell;"
                     "const r = [];"
                     "for (const f of [() => s.openPath('/nonexistent/atrium/x.txt'),"
                     "                 () => s.showInFolder('/nonexistent/atrium/x.txt'),"
                     "                 () => s.trash('/nonexistent/atrium/x.txt')])"
                     "  r.push(await code(f));"
                     "return r;",
                     "[\"not-found\",\"not-found\",\"not-found\"]");
  g_assert_false (g_file_test (record_path, G_FILE_TEST_EXISTS));

  /* The schemes that run or open the page's choice cannot be allowed. */
  g_test_expect_message ("Atrium-Shell", G_LOG_LEVEL_CRITICAL, "*scheme_is_refused*");
  atrium_app_allow_url_scheme (app, "javascript");
  g_test_assert_expected_messages ();
  harness_assert_js (window,
                     HARNESS_JS_CODE "return code(() => atrium.shell.openUrl('javascript:1'));",
                     "\"forbidden\"");
  harness_close (window);
}

/* openUrl and openPath reach the desktop's default handler; a scheme the
 * app allowed does too; a scheme with no handler fails with the reason. */
static void
test_open (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  g_autofree char *text_file = g_build_filename (work_dir, "notes.txt", NULL);
  g_autofree char *body = NULL;
  AtriumWindow *window;

  atrium_app_allow_url_scheme (app, "atrium-test");
  atrium_app_allow_url_scheme (app, "atrium-nohandler");
  window = harness_open (app, "/index.html");

  harness_assert_js (window, "return atrium.shell.openUrl('https://example.com/a?b=c#d');", "null");
  wait_recorded ("https://example.com/a?b=c#d");
  harness_assert_js (window, "return atrium.shell.openUrl('mailto:someone@example.com');", "null");
  wait_recorded ("mailto:someone@example.com");
  harness_assert_js (window, "return atrium.shell.openUrl('ATRIUM-TEST:thing');", "null");
  wait_recorded ("ATRIUM-TEST:thing");
  harness_assert_js (window, JS_OUTCOME
                     "const r = await outcome(() => atrium.shell.openUrl('atrium-nohandler:x'));"
                     "return r.startsWith('failed: ') && r.length > 8;", "true");

  g_assert_true (g_file_set_contents (text_file, "hello", -1, NULL));
  body = g_strdup_printf ("return atrium.shell.openPath('%s');", text_file);
  harness_assert_js (window, body, "null");
  /* GIO hands a local file to a %u handler as its path. */
  wait_recorded (text_file);
  harness_close (window);
}

/* showInFolder: the file manager on the bus shows the file; without one,
 * its folder is opened. */
static void
test_show_in_folder (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  g_autofree char *file = g_build_filename (work_dir, "shown.txt", NULL);
  g_autofree char *file_uri = NULL;
  g_autofree char *body = NULL;
  AtriumWindow *window;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_test_skip ("No session bus: run under dbus-run-session");
      return;
    }
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  file_uri = g_filename_to_uri (file, NULL, NULL);
  window = harness_open (app, "/index.html");
  body = g_strdup_printf ("return atrium.shell.showInFolder('%s');", file);

  /* No file manager yet: the folder opens with its default application. */
  harness_assert_js (window, body, "null");
  wait_recorded (work_dir);

  fm_start ();
  harness_assert_js (window, body, "null");
  harness_wait_for (fm_shown, file_uri, "the stand-in file manager to be asked to show the file");
  harness_close (window);
}

static void
test_trash (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  g_autofree char *file = g_build_filename (g_get_home_dir (), "to-trash.txt", NULL);
  g_autofree char *trashed = g_build_filename (g_get_user_data_dir (), "Trash", "files",
                                               "to-trash.txt", NULL);
  g_autofree char *body = NULL;
  AtriumWindow *window;

  g_assert_true (g_file_set_contents (file, "bye", -1, NULL));
  window = harness_open (app, "/index.html");
  body = g_strdup_printf ("return atrium.shell.trash('%s');", file);
  harness_assert_js (window, body, "null");
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (trashed, G_FILE_TEST_EXISTS));
  harness_close (window);
}

static char *
record_text (void)
{
  return test_read_recorded (record_path);
}

/* A path the page gives must be absolute, and what C gets must be what the
 * page named: a NUL (which would cut it short, here to a file that exists)
 * or a lone surrogate (no UTF-8) is bad-args for every call that takes a
 * path, and nothing is opened, shown or trashed. */
static void
test_bad_paths (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  g_autofree char *kept = g_build_filename (work_dir, "kept.txt", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *body = NULL;
  g_autofree char *shown = NULL;
  AtriumWindow *window;

  g_assert_true (g_file_set_contents (kept, "keep me", -1, NULL));
  before = record_text ();
  g_mutex_lock (&fm.lock);
  shown = g_strdup (fm.shown);
  g_mutex_unlock (&fm.lock);
  window = harness_open (app, "/index.html");
  body = g_strdup_printf (HARNESS_JS_CODE
                          "const s = atrium.shell;"
                          "const kept = '%s';"
                          "const paths = ['kept.txt', './kept.txt', '~/kept.txt', '',"
                          "               kept + '\\u0000.png', kept + '\\u0000',"
                          "               kept + '\\ud800', '/\\udc00/kept.txt'];"
                          "const r = [];"
                          "for (const f of [s.openPath, s.showInFolder, s.trash])"
                          "  for (const p of paths) r.push(await code(() => f(p)));"
                          "const odd = r.map((c, i) => [i, c]).filter(([, c]) => c !== 'bad-args');"
                          "return odd.length === 0 ? r.length : odd;", kept);
  harness_assert_js (window, body, "24");
  /* The calls that took no path went nowhere either. */
  harness_assert_js (window, "return atrium.shell.openUrl('https://example.com/after');", "null");
  wait_recorded ("https://example.com/after");
  after = record_text ();
  g_assert_true (g_str_has_prefix (after, before));
  g_assert_cmpstr (after + strlen (before), ==, "https://example.com/after\n");
  g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));
  g_mutex_lock (&fm.lock);
  g_assert_cmpstr (fm.shown, ==, shown);
  g_mutex_unlock (&fm.lock);
  harness_close (window);
}

/* openPath on a file of a type nothing handles: failed, with the
 * desktop's reason; nothing is launched. */
static void
test_open_no_handler (void)
{
  static const char data[] = { 0x00, 0x01, 0x02, (char) 0xff, 0x00, 0x7f };
  g_autoptr(AtriumApp) app = NULL;
  g_autofree char *file = g_build_filename (work_dir, "blob.atrium-nohandler", NULL);
  g_autofree char *type = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *body = NULL;
  g_autofree char *outcome = NULL;
  g_autoptr(GAppInfo) handler = NULL;
  AtriumWindow *window;

  g_assert_true (g_file_set_contents (file, data, sizeof data, NULL));
  type = g_content_type_guess (file, (const guchar *) data, sizeof data, NULL);
  handler = g_app_info_get_default_for_type (type, FALSE);
  if (handler != NULL)
    {
      g_autofree char *why = g_strdup_printf ("This desktop opens %s with %s", type,
                                              g_app_info_get_id (handler));

      g_test_skip (why);
      return;
    }
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  before = record_text ();
  window = harness_open (app, "/index.html");
  body = g_strdup_printf (JS_OUTCOME "return outcome(() => atrium.shell.openPath('%s'));", file);
  outcome = harness_run_js (window, body);
  g_test_message ("openPath on %s (%s): %s", file, type, outcome);
  g_assert_true (g_str_has_prefix (outcome, "\"failed: "));
  g_assert_cmpuint (strlen (outcome), >, strlen ("\"failed: \""));
  after = record_text ();
  g_assert_cmpstr (after, ==, before);
  harness_close (window);
}

/* --- atrium.clipboard --- */

static void
c_read_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  char **text = user_data;
  g_autoptr(GError) error = NULL;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
}

/* Writing and reading are separate switches; the text round-trips
 * through the display's clipboard, to and from C's side of it. */
static void
test_clipboard (void)
{
  g_autoptr(AtriumApp) write_only =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_CLIPBOARD);
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  g_autoptr(AtriumApp) off = harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT);
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  g_autofree char *text = NULL;
  AtriumWindow *window;

  g_assert_false (ATRIUM_BUILTIN_DEFAULT & (ATRIUM_BUILTIN_CLIPBOARD
                                            | ATRIUM_BUILTIN_CLIPBOARD_READ));
  window = harness_open (write_only, "/index.html");
  harness_assert_js (window, JS_OUTCOME
                     "return [await outcome(() => atrium.clipboard.writeText('from the page ✓')),"
                     "        await outcome(() => atrium.clipboard.readText())];",
                     "[\"null\",\"forbidden: atrium.clipboard.read* is off: call "
                     "atrium_app_set_builtins (app, … | ATRIUM_BUILTIN_CLIPBOARD_READ)\"]");
  gdk_clipboard_read_text_async (clipboard, NULL, c_read_done_cb, &text);
  harness_wait_for (test_pointer_is_set, &text, "C to read the clipboard");
  g_assert_cmpstr (text, ==, "from the page ✓");
  harness_close (window);

  window = harness_open (app, "/index.html");
  gdk_clipboard_set_text (clipboard, "from C — ✓");
  harness_assert_js (window, "return atrium.clipboard.readText();", "\"from C — ✓\"");
  harness_assert_js (window, HARNESS_JS_CODE
                     "const r = [];"
                     "for (const t of [5, null, undefined, {}, ['x']])"
                     "  r.push(await code(() => atrium.clipboard.writeText(t)));"
                     "r.push(await atrium.clipboard.readText());"
                     "return r;",
                     "[\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\","
                     "\"from C — ✓\"]");
  harness_close (window);

  window = harness_open (off, "/index.html");
  harness_assert_js (window, HARNESS_JS_CODE "return code(() => atrium.clipboard.writeText('x'));",
                     "\"forbidden\"");
  harness_close (window);
}

/* The page copies a 3×2 PNG it drew: red, its bottom right pixel blue. */
#define JS_COPY_CANVAS \
  "const c = document.createElement('canvas'); c.width = 3; c.height = 2;" \
  "const g = c.getContext('2d');" \
  "g.fillStyle = '#ff0000'; g.fillRect(0, 0, 3, 2);" \
  "g.fillStyle = '#0000ff'; g.fillRect(2, 1, 1, 1);" \
  "return atrium.clipboard.writeImage(await new Promise((r) => c.toBlob(r, 'image/png')));"

static void
c_read_texture_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GdkTexture **texture = user_data;
  g_autoptr(GError) error = NULL;

  *texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
}

static GdkTexture *
c_read_texture (GdkClipboard *clipboard)
{
  GdkTexture *texture = NULL;

  gdk_clipboard_read_texture_async (clipboard, NULL, c_read_texture_cb, &texture);
  harness_wait_for (test_pointer_is_set, &texture, "C to read an image from the clipboard");
  return texture;
}

/* The pixel at @x, @y as 0xAARRGGBB (cairo's ARGB32: opaque pixels here). */
static guint32
texture_pixel (GdkTexture *texture,
               int         x,
               int         y)
{
  int width = gdk_texture_get_width (texture);
  g_autofree guint32 *pixels = g_new (guint32, width * gdk_texture_get_height (texture));

  gdk_texture_download (texture, (guchar *) pixels, width * 4);
  return pixels[y * width + x];
}

/* A PNG the page drew reaches the clipboard as an image C reads back
 * pixel for pixel; C's image reaches the page as PNG bytes. Anything that
 * is not a PNG GTK can decode, or that would decode larger than the
 * limit, is refused before the clipboard changes. */
static void
test_clipboard_image (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  g_autoptr(AtriumApp) write_only =
    harness_app_new_for_pages (ATRIUM_BUILTIN_DEFAULT | ATRIUM_BUILTIN_CLIPBOARD);
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  static const guint8 rgba[] = { 255, 0, 0, 255,   0, 255, 0, 255,
                                 0, 0, 255, 255,   255, 255, 255, 255 };
  g_autoptr(GBytes) pixels = g_bytes_new_static (rgba, sizeof rgba);
  g_autoptr(GdkTexture) from_c =
    gdk_memory_texture_new (2, 2, GDK_MEMORY_R8G8B8A8, pixels, 8);
  g_autoptr(GdkTexture) texture = NULL;
  AtriumWindow *window = harness_open (app, "/index.html");

  harness_assert_js (window, JS_COPY_CANVAS, "null");
  texture = c_read_texture (clipboard);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 3);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 2);
  g_assert_cmphex (texture_pixel (texture, 0, 0), ==, 0xffff0000);
  g_assert_cmphex (texture_pixel (texture, 2, 1), ==, 0xff0000ff);
  g_clear_object (&texture);

  gdk_clipboard_set_texture (clipboard, from_c);
  harness_assert_js (window,
                     "const png = await atrium.clipboard.readImage();"
                     "const bitmap = await createImageBitmap(new Blob([png]));"
                     "const c = document.createElement('canvas'); c.width = 2; c.height = 2;"
                     "const g = c.getContext('2d'); g.drawImage(bitmap, 0, 0);"
                     "return [png instanceof Uint8Array, Array.from(png.subarray(1, 4)),"
                     "        bitmap.width, bitmap.height,"
                     "        Array.from(g.getImageData(0, 1, 1, 1).data)];",
                     "[true,[80,78,71],2,2,[0,0,255,255]]");

  /* Not bytes, not a PNG, a header that lies, an empty image, a bomb. */
  harness_assert_js (window, HARNESS_JS_CODE
                     "const png = (w, h, more) => {"
                     "  const b = new Uint8Array(33 + more); const v = new DataView(b.buffer);"
                     "  b.set([0x89, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]);"
                     "  v.setUint32(16, w); v.setUint32(20, h); b.set([8, 6, 0, 0, 0], 24);"
                     "  return b;"
                     "};"
                     "const r = [];"
                     "for (const x of ['png', 5, null, {}, new Uint8Array([1, 2, 3]),"
                     "                 png(4, 4, 0), png(0, 4, 0), png(100000, 100000, 0),"
                     "                 png(8193, 8193, 64)])"
                     "  r.push(await code(() => atrium.clipboard.writeImage(x)));"
                     "return r;",
                     "[\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\",\"bad-args\","
                     "\"bad-args\",\"bad-args\",\"too-large\",\"too-large\"]");
  texture = c_read_texture (clipboard);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 2);
  g_assert_cmphex (texture_pixel (texture, 0, 1), ==, 0xff0000ff);

  /* Text on the clipboard is not an image. */
  gdk_clipboard_set_text (clipboard, "not an image");
  harness_assert_js (window, "return atrium.clipboard.readImage();", "null");
  harness_close (window);

  window = harness_open (write_only, "/index.html");
  harness_assert_js (window, HARNESS_JS_CODE "return code(() => atrium.clipboard.readImage());",
                     "\"forbidden\"");
  harness_close (window);
}

/* How many of the extension's memfds (binary values a page sent) this
 * process still has mapped: each call's are let go when the call is. */
static guint
count_bytes_mappings (void)
{
  g_autofree char *maps = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  for (const char *p = maps; (p = strstr (p, "/memfd:atrium-bytes")) != NULL; p++)
    n++;
  return n;
}

/* writeImage() keeps no reference of its own to the bytes it was given:
 * through the extension a large argument is a mapped memfd, which would
 * stay mapped for the life of the process, whether the image was written
 * or refused. */
static void
test_clipboard_image_leak (void)
{
  g_autoptr(AtriumApp) app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  AtriumWindow *window;

  g_test_summary ("clipboard.writeImage() lets the bytes it was given go with its call");

  if (!harness_need_web_extension ())
    return;
  window = harness_open (app, "/index.html");
  g_assert_cmpuint (count_bytes_mappings (), ==, 0);
  /* 1 MiB, well past the extension's inline limit, and not a PNG. */
  harness_assert_js (window, HARNESS_JS_CODE
                     "return code(() => atrium.clipboard.writeImage(new Uint8Array(1 << 20)));",
                     "\"bad-args\"");
  g_assert_cmpuint (count_bytes_mappings (), ==, 0);
  harness_close (window);
}

/* Another X client on the clipboard: xclip, run while the main loop runs,
 * since this process answers its selection requests. */
typedef struct
{
  GBytes   *out;
  GError   *error;
  gboolean  done;
} XClient;

static void
x_client_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  XClient *client = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &client->out, NULL,
                                   &client->error);
  client->done = TRUE;
}

/* What `xclip … -o` prints. */
static GBytes *
x_client_read (const char *target)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "xclip", "-selection",
                      "clipboard", "-t", target, "-o", NULL);
  XClient client = { NULL, NULL, FALSE };

  g_assert_no_error (error);
  g_subprocess_communicate_async (process, NULL, NULL, x_client_done_cb, &client);
  harness_wait_for (test_flag_is_set, &client.done, "xclip to read the clipboard");
  g_assert_no_error (client.error);
  g_assert_true (g_subprocess_get_successful (process));
  return client.out;
}

typedef struct
{
  GdkClipboard *clipboard;
  const char   *mime_type;
} ForeignOffer;

static gboolean
foreign_offer_is_up (gpointer data)
{
  ForeignOffer *offer = data;

  return !gdk_clipboard_is_local (offer->clipboard)
         && gdk_content_formats_contain_mime_type (gdk_clipboard_get_formats (offer->clipboard),
                                                   offer->mime_type);
}

/* `xclip -i FILE` owning the clipboard, in the foreground until it is
 * stopped; returned once this process sees its offer. */
static GSubprocess *
x_client_offer (GdkClipboard *clipboard,
                const char   *target,
                const char   *mime_type,
                const char   *file)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *process =
    g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "xclip", "-quiet", "-selection",
                      "clipboard", "-t", target, "-i", file, NULL);
  ForeignOffer offer = { clipboard, mime_type };

  g_assert_no_error (error);
  harness_wait_for (foreign_offer_is_up, &offer, "xclip's offer on the clipboard");
  return process;
}

static gboolean
subprocess_is_done (gpointer data)
{
  return g_subprocess_get_identifier (data) == NULL;
}

static void
x_client_stop (GSubprocess *process)
{
  g_subprocess_force_exit (process);
  g_subprocess_wait_async (process, NULL, NULL, NULL);
  harness_wait_for (subprocess_is_done, process, "xclip to exit");
  g_object_unref (process);
}

/* Round trips with another X client, text and image, both ways. */
static void
test_clipboard_x_client (void)
{
  g_autoptr(AtriumApp) app = NULL;
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  g_autofree char *xclip = g_find_program_in_path ("xclip");
  g_autofree char *text_file = g_build_filename (work_dir, "clip.txt", NULL);
  g_autofree char *png_file = g_build_filename (work_dir, "clip.png", NULL);
  static const guint8 rgba[] = { 0, 255, 0, 255,   0, 0, 255, 255,
                                 255, 0, 0, 255,   0, 0, 0, 255 };
  g_autoptr(GBytes) pixels = g_bytes_new_static (rgba, sizeof rgba);
  g_autoptr(GdkTexture) square = gdk_memory_texture_new (2, 2, GDK_MEMORY_R8G8B8A8, pixels, 8);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *offer;
  AtriumWindow *window;

  if (xclip == NULL)
    {
      g_test_skip ("xclip is not installed (scripts/install-deps installs it)");
      return;
    }
  app = harness_app_new_for_pages (ATRIUM_BUILTIN_ALL);
  window = harness_open (app, "/index.html");

  harness_assert_js (window, "return atrium.clipboard.writeText('to xclip ✓');", "null");
  out = x_client_read ("UTF8_STRING");
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), "to xclip ✓",
                   strlen ("to xclip ✓"));
  g_clear_pointer (&out, g_bytes_unref);

  harness_assert_js (window, JS_COPY_CANVAS, "null");
  out = x_client_read ("image/png");
  texture = gdk_texture_new_from_bytes (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 3);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 2);
  g_assert_cmphex (texture_pixel (texture, 2, 1), ==, 0xff0000ff);

  test_write_file (work_dir, "clip.txt", "from xclip ✓", -1);
  offer = x_client_offer (clipboard, "UTF8_STRING", "text/plain;charset=utf-8", text_file);
  harness_assert_js (window, "return atrium.clipboard.readText();", "\"from xclip ✓\"");
  x_client_stop (offer);

  g_assert_true (gdk_texture_save_to_png (square, png_file));
  offer = x_client_offer (clipboard, "image/png", "image/png", png_file);
  harness_assert_js (window,
                     "const bitmap = await createImageBitmap("
                     "  new Blob([await atrium.clipboard.readImage()]));"
                     "const c = document.createElement('canvas'); c.width = 2; c.height = 2;"
                     "const g = c.getContext('2d'); g.drawImage(bitmap, 0, 0);"
                     "return [bitmap.width, bitmap.height,"
                     "        Array.from(g.getImageData(0, 1, 1, 1).data)];",
                     "[2,2,[255,0,0,255]]");
  x_client_stop (offer);
  harness_close (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/shell/no-display", harness_skip_no_display);
      return g_test_run ();
    }
  work_dir = g_dir_make_tmp ("atrium-shell-XXXXXX", &error);
  g_assert_no_error (error);
  install_handler ();

  g_test_add_func ("/atrium/shell/forbidden", test_forbidden);
  g_test_add_func ("/atrium/shell/refused", test_refused);
  g_test_add_func ("/atrium/shell/open", test_open);
  g_test_add_func ("/atrium/shell/show-in-folder", test_show_in_folder);
  g_test_add_func ("/atrium/shell/trash", test_trash);
  g_test_add_func ("/atrium/shell/bad-paths", test_bad_paths);
  g_test_add_func ("/atrium/shell/open-no-handler", test_open_no_handler);
  g_test_add_func ("/atrium/shell/clipboard", test_clipboard);
  g_test_add_func ("/atrium/shell/clipboard-image", test_clipboard_image);
  g_test_add_func ("/atrium/shell/clipboard-image-leak", test_clipboard_image_leak);
  g_test_add_func ("/atrium/shell/clipboard-x-client", test_clipboard_x_client);

  status = g_test_run ();
  if (fm.service != NULL)
    test_bus_service_stop (fm.service, HARNESS_WAIT_SECONDS);
  test_remove_tree (work_dir);
  return status;
}

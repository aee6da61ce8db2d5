#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "webkit-harness.h"

/* The `atrium` program as a user runs it: options, exit statuses, console
 * lines and screenshots. */

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
launch (Run        *run,
        const char *first,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *launcher = g_getenv ("ATRIUM_LAUNCHER");
  const char *arg;
  va_list args;

  g_assert_nonnull (launcher);
  g_ptr_array_add (argv, (char *) launcher);
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  test_communicate (process, HARNESS_WAIT_SECONDS, "the launcher to exit", &run->out, &run->err);
  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  g_test_message ("exit %d\nstdout: %s\nstderr: %s", run->status, run->out, run->err);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      n++;
  return n;
}

static void
test_help (void)
{
  g_auto(Run) run = { 0 };

  launch (&run, "--help", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < 7; i++)
    {
      static const char * const options[] = {
        "--dir", "--title", "--width", "--height", "--log-console", "--screenshot", "--state-key",
      };
      g_assert_nonnull (strstr (run.out, options[i]));
    }
}

static void
test_bad_option (void)
{
  g_auto(Run) run = { 0 };

  launch (&run, "--no-such-option", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_true (g_str_has_prefix (run.err, "atrium: "));
  g_assert_nonnull (strstr (run.err, "--no-such-option"));
  g_assert_cmpuint (count_lines (run.err), ==, 1);
}

static void
test_bad_values (void)
{
  g_autofree char *long_key = g_strnfill (257, 'k');
  const char * const cases[][2] = {
    { "--width", "0" },
    { "--height", "-5" },
    { "--width", "wide" },
    { "--dir", "/nonexistent/atrium/dir" },
    { "--state-key", "" },
    { "--state-key", long_key },
    { "--state-key", "\xff\xfe" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };

      launch (&run, cases[i][0], cases[i][1], NULL);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_true (g_str_has_prefix (run.err, "atrium: "));
      g_assert_cmpuint (count_lines (run.err), ==, 1);
    }
}

static void
test_dir_is_a_file (void)
{
  g_auto(Run) run = { 0 };

  launch (&run, "--dir", g_test_get_filename (G_TEST_DIST, "pages", "index.html", NULL), NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpuint (count_lines (run.err), ==, 1);
}

static void
assert_not_flat (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = width * 4;
  g_autofree guchar *pixels = g_malloc (stride * height);
  guint32 first, other = 0;
  gboolean varied = FALSE;

  gdk_texture_download (texture, pixels, stride);
  memcpy (&first, pixels, 4);
  for (gsize i = 0; i < (gsize) width * height && !varied; i++)
    {
      memcpy (&other, pixels + 4 * i, 4);
      varied = other != first;
    }
  g_assert_true (varied);
}

static void
test_screenshot (void)
{
  g_auto(Run) run = { 0 };
  g_autofree char *dir = g_dir_make_tmp ("atrium-shot-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "demo.png", NULL);
  g_autofree char *expected = g_strdup_printf ("Saved screenshot to %s\n", png);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  launch (&run, "--width", "800", "--height", "600", "--screenshot", png, NULL);
  if (run.status != 0)
    g_test_message ("the launcher said: %s", run.err);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, expected));

  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), >, 400);
  g_assert_cmpint (gdk_texture_get_width (texture), <=, 800);
  g_assert_cmpint (gdk_texture_get_height (texture), >, 300);
  g_assert_cmpint (gdk_texture_get_height (texture), <=, 600);
  assert_not_flat (texture);

  g_unlink (png);
  g_rmdir (dir);
}

static void
test_screenshot_missing_page (void)
{
  g_auto(Run) run = { 0 };
  g_autofree char *dir = g_dir_make_tmp ("atrium-shot-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "none.png", NULL);

  launch (&run, "--dir", g_test_get_filename (G_TEST_DIST, "empty", NULL),
          "--screenshot", png, NULL);
  g_assert_cmpint (run.status, !=, 0);
  g_assert_nonnull (strstr (run.err, "404"));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

static void
test_log_console_and_quit (void)
{
  g_auto(Run) run = { 0 };
  g_autofree char *expected = g_strdup_printf (
    "hello 42 {\"a\":1} [true,null]\n"
    "careful: ünïcødé\n"
    "bad thing\n"
    "version %s\n", PACKAGE_VERSION);

  launch (&run, "--log-console", "--dir", g_test_get_filename (G_TEST_DIST, "console", NULL), NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_cmpstr (run.out, ==, expected);
}

static void
test_no_console_without_flag (void)
{
  g_auto(Run) run = { 0 };

  launch (&run, "--dir", g_test_get_filename (G_TEST_DIST, "console", NULL), NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_assert_cmpstr (run.out, ==, "");
}

int
main (int   argc,
      char *argv[])
{
  gboolean display = harness_init (&argc, &argv);

  g_test_add_func ("/atrium/launcher/help", test_help);
  g_test_add_func ("/atrium/launcher/bad-option", test_bad_option);
  g_test_add_func ("/atrium/launcher/bad-values", test_bad_values);
  g_test_add_func ("/atrium/launcher/dir-is-a-file", test_dir_is_a_file);

  if (display)
    {
      g_test_add_func ("/atrium/launcher/screenshot", test_screenshot);
      g_test_add_func ("/atrium/launcher/screenshot-missing-page", test_screenshot_missing_page);
      g_test_add_func ("/atrium/launcher/log-console-and-quit", test_log_console_and_quit);
      g_test_add_func ("/atrium/launcher/no-console-without-flag", test_no_console_without_flag);
    }
  else
    {
      g_test_add_func ("/atrium/launcher/needs-display", harness_skip_no_display);
    }

  return g_test_run ();
}

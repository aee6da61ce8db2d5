#include "config.h"

#include "test-examples-common.h"
#include "test-util.h"

#include <string.h>

#include <glib/gstdio.h>

/* Helpers of the example tests: run a program and keep what it said, check
 * a screenshot, clean up a temporary tree. */

void
example_run_clear (ExampleRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* How long one program may run: npm ci, or a C build and install, can
 * take minutes on two busy cores, well past the harness's 90 s; meson
 * gives each example test 300 s in all. */
#define EXAMPLE_RUN_SECONDS 240

/* Runs @argv in @cwd with the NAME, VALUE pairs of @env added to the
 * environment, until it exits (or fails the test past EXAMPLE_RUN_SECONDS). */
void
example_run (ExampleRun         *run,
             const char * const *argv,
             const char * const *env,
             const char         *cwd)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  g_autofree char *what = NULL;

  g_assert_nonnull (argv[0]);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);

  command = g_strjoinv (" ", (char **) argv);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  what = g_strdup_printf ("%s to exit", command);
  test_communicate (process, EXAMPLE_RUN_SECONDS, what, &run->out, &run->err);
  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  g_test_message ("%s\nexit %d\nstdout: %s\nstderr: %s", command, run->status, run->out,
                  run->err);
}

/* The PNG exists, has about the window's size and is not one flat colour:
 * something rendered. */
void
example_assert_screenshot (const char *png,
                           int         max_width,
                           int         max_height)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guchar *pixels = NULL;
  GHashTable *colours;
  int width, height;

  texture = gdk_texture_new_from_filename (png, &error);
  g_assert_no_error (error);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  g_assert_cmpint (width, >, max_width / 2);
  g_assert_cmpint (width, <=, max_width);
  g_assert_cmpint (height, >, max_height / 2);
  g_assert_cmpint (height, <=, max_height);

  pixels = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, pixels, (gsize) width * 4);

  /* A page with text, buttons and cards has many colours; a blank or
   * failed one has a handful. */
  colours = g_hash_table_new (NULL, NULL);
  for (gsize i = 0; i < (gsize) width * height && g_hash_table_size (colours) < 64; i++)
    {
      guint32 pixel;

      memcpy (&pixel, pixels + 4 * i, 4);
      g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
    }
  g_assert_cmpuint (g_hash_table_size (colours), >=, 64);
  g_hash_table_unref (colours);
}

guint
example_count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

const char *
examples_source_root (void)
{
  const char *root = g_getenv ("ATRIUM_SOURCE_ROOT");

  g_assert_nonnull (root);
  return root;
}

#include "config.h"

#include "test-util.h"

#include <glib/gstdio.h>

/* Removes @path and, if it is a directory, everything below it, without
 * following symbolic links out of it. Cleanup: what cannot be removed is
 * left behind. */
void
test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

/* Writes @length bytes of @contents (-1: a string) to @dir/@name, or fails
 * the test. */
void
test_write_file (const char *dir,
                 const char *name,
                 const void *contents,
                 gssize      length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

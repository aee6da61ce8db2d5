#include "config.h"

#include "test-util.h"

#include <string.h>
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

static const char *counted_needle;
static int        *counted_warnings;

static GLogWriterOutput
counting_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if ((log_level & G_LOG_LEVEL_WARNING) && counted_needle != NULL)
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0
          && strstr (fields[i].value, counted_needle) != NULL)
        {
          g_atomic_int_inc (counted_warnings);
          return G_LOG_WRITER_HANDLED;
        }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* g_test_expect_message() does not see structured logs in GLib 2.74: the
 * warnings a test provokes on purpose, those whose message holds @needle,
 * are counted in @counter (atomically) instead of being fatal; every other
 * message goes to the default writer. Call it once, before g_test_init(). */
void
test_count_warnings (const char *needle,
                     int        *counter)
{
  counted_needle = needle;
  counted_warnings = counter;
  g_log_set_writer_func (counting_writer, NULL, NULL);
}

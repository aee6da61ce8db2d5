#include "config.h"

#include "fuzz-common.h"

#include <string.h>

/* Runs a fuzz target's LLVMFuzzerTestOneInput() over files, without
 * libFuzzer, so the seed corpus and every input that once crashed stay
 * checked by the regular `meson test`, under valgrind and the sanitizers.
 *
 *   replay-fuzz-TARGET --tap DIR…
 *
 * Each file in each DIR is one test case, /atrium/fuzz/TARGET/DIR/FILE; a
 * DIR that does not exist is skipped, but there must be some input. */

static void
replay_cb (gconstpointer user_data)
{
  const char *path = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);

  /* A copy of exactly @length bytes, so that ASan and valgrind catch a read
   * past the end, which the NUL g_file_get_contents() adds would hide. */
  {
    g_autofree guint8 *input = g_memdup2 (contents, MAX (length, 1));

    g_assert_cmpint (LLVMFuzzerTestOneInput (length > 0 ? input : NULL, length), ==, 0);
  }
}

static void
no_inputs_cb (void)
{
  g_test_fail_printf ("No inputs: give replay-fuzz-%s directories of files", FUZZ_TARGET);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint n_inputs = 0;

  g_test_init (&argc, &argv, NULL);
  LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *dir_name = g_path_get_basename (argv[i]);
      const char *name;

      /* A target without regressions has no directory for them. */
      if (dir == NULL && g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        continue;
      if (dir == NULL)
        g_error ("%s", error->message);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);

      for (guint j = 0; j < names->len; j++)
        {
          g_autofree char *test_path = g_strdup_printf ("/atrium/fuzz/%s/%s/%s", FUZZ_TARGET,
                                                        dir_name, (char *) names->pdata[j]);
          char *path = g_build_filename (argv[i], names->pdata[j], NULL);

          g_ptr_array_add (paths, path);
          g_test_add_data_func (test_path, path, replay_cb);
          n_inputs++;
        }
    }

  if (n_inputs == 0)
    g_test_add_func ("/atrium/fuzz/" FUZZ_TARGET "/no-inputs", no_inputs_cb);

  return g_test_run ();
}

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atrium-error.h"
#include "atrium-window-state-file-private.h"
#include "test-util.h"

/* The remembered-state file alone: what is written reads back, other keys
 * survive, and anything else in the file means defaults and an error,
 * never a crash or a half-read state. */

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("atrium-state-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "app", "window-state.json", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
write_state_file (Fixture    *f,
                  const char *text)
{
  g_autofree char *dir = g_path_get_dirname (f->path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  test_write_file (dir, "window-state.json", text, -1);
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  AtriumWindowState main = { 800, 600, TRUE, FALSE, TRUE, -20, 30 };
  AtriumWindowState other = { 300, 200, FALSE, TRUE, FALSE, 0, 0 };
  AtriumWindowState read = { 0 };
  g_autoptr(GError) error = NULL;

  /* Nothing yet: no state, no error (the directory does not exist). */
  g_assert_false (_atrium_window_state_load (f->path, "main", &read, &error));
  g_assert_no_error (error);

  g_assert_true (_atrium_window_state_save (f->path, "main", &main, &error));
  g_assert_no_error (error);
  g_assert_true (_atrium_window_state_save (f->path, "ü other", &other, &error));
  g_assert_no_error (error);

  g_assert_true (_atrium_window_state_load (f->path, "main", &read, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (&read, sizeof read, &main, sizeof main);
  memset (&read, 0, sizeof read);
  g_assert_true (_atrium_window_state_load (f->path, "ü other", &read, &error));
  g_assert_cmpmem (&read, sizeof read, &other, sizeof other);
  g_assert_false (_atrium_window_state_load (f->path, "missing", &read, &error));
  g_assert_no_error (error);

  /* Saving one key again keeps the other. */
  main.width = 1024;
  g_assert_true (_atrium_window_state_save (f->path, "main", &main, &error));
  g_assert_true (_atrium_window_state_load (f->path, "ü other", &read, &error));
  g_assert_cmpint (read.width, ==, 300);
  g_assert_true (_atrium_window_state_load (f->path, "main", &read, &error));
  g_assert_cmpint (read.width, ==, 1024);
}

static void
test_corrupt (Fixture       *f,
              gconstpointer  data)
{
  static const char * const bad[] = {
    "",
    "not json",
    "[1,2,3]",
    "{\"main\": 5}",
    "{\"main\": {\"width\": \"800\", \"height\": 600}}",
    "{\"main\": {\"width\": 800}}",
    "{\"main\": {\"width\": 0, \"height\": 600}}",
    "{\"main\": {\"width\": -5, \"height\": 600}}",
    "{\"main\": {\"width\": 40000, \"height\": 600}}",
    "{\"main\": {\"width\": 800.5, \"height\": 600}}",
    "{\"main\": {\"width\": 99999999999999999999, \"height\": 600}}",
    "{\"main\": {\"width\": 800, \"height\": 600}",
    "{\"main\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    "\xff\xfe{}",
  };
  AtriumWindowState defaults = { 640, 480, FALSE, FALSE, FALSE, 0, 0 };
  AtriumWindowState good = { 800, 600, FALSE, FALSE, FALSE, 0, 0 };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      AtriumWindowState read = defaults;
      g_autoptr(GError) error = NULL;

      write_state_file (f, bad[i]);
      g_assert_false (_atrium_window_state_load (f->path, "main", &read, &error));
      g_assert_nonnull (error);
      /* Nothing of it was taken. */
      g_assert_cmpmem (&read, sizeof read, &defaults, sizeof defaults);

      /* Saving replaces what could not be read. */
      g_clear_error (&error);
      g_assert_true (_atrium_window_state_save (f->path, "main", &good, &error));
      g_assert_no_error (error);
      g_assert_true (_atrium_window_state_load (f->path, "main", &read, &error));
      g_assert_cmpint (read.width, ==, 800);
    }

  /* A huge file is not read at all. */
  {
    g_autofree char *huge = g_strnfill (1024 * 1024, ' ');
    AtriumWindowState read = defaults;
    g_autoptr(GError) error = NULL;

    write_state_file (f, huge);
    g_assert_false (_atrium_window_state_load (f->path, "main", &read, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
  }

  /* A position out of range is dropped, the rest kept. */
  {
    AtriumWindowState read = defaults;

    write_state_file (f, "{\"main\": {\"width\": 800, \"height\": 600, \"x\": 99999, \"y\": 3}}");
    g_assert_true (_atrium_window_state_load (f->path, "main", &read, NULL));
    g_assert_false (read.has_position);
    g_assert_cmpint (read.width, ==, 800);
  }
}

static void
test_bounded (Fixture       *f,
              gconstpointer  data)
{
  AtriumWindowState state = { 100, 100, FALSE, FALSE, FALSE, 0, 0 };
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < ATRIUM_WINDOW_STATE_MAX_KEYS; i++)
    {
      g_autofree char *key = g_strdup_printf ("w%d", i);

      g_assert_true (_atrium_window_state_save (f->path, key, &state, &error));
      g_assert_no_error (error);
    }
  /* A new key past the limit is refused; a known one still saves. */
  g_assert_false (_atrium_window_state_save (f->path, "one-too-many", &state, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL);
  g_clear_error (&error);
  state.width = 200;
  g_assert_true (_atrium_window_state_save (f->path, "w0", &state, &error));
  g_assert_no_error (error);

  g_assert_false (_atrium_window_state_key_is_valid (NULL));
  g_assert_false (_atrium_window_state_key_is_valid (""));
  g_assert_false (_atrium_window_state_key_is_valid ("\xff"));
  {
    g_autofree char *longest = g_strnfill (ATRIUM_WINDOW_STATE_KEY_MAX, 'k');
    g_autofree char *too_long = g_strnfill (ATRIUM_WINDOW_STATE_KEY_MAX + 1, 'k');

    g_assert_true (_atrium_window_state_key_is_valid (longest));
    g_assert_false (_atrium_window_state_key_is_valid (too_long));
  }
}

/* Not a regular file at the path: refused at once, never read. */
static void
test_not_a_file (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *dir = g_path_get_dirname (f->path);
  AtriumWindowState state = { 0 };
  AtriumWindowState good = { 800, 600, FALSE, FALSE, FALSE, 0, 0 };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  /* A FIFO with no writer would block a plain read for ever. */
  g_assert_cmpint (mkfifo (f->path, 0600), ==, 0);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (_atrium_window_state_load (f->path, "main", &state, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
  }
  /* Saving replaces it with a file. */
  g_assert_true (_atrium_window_state_save (f->path, "main", &good, NULL));
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
  g_unlink (f->path);

  /* /dev/zero would never end. */
  g_assert_cmpint (symlink ("/dev/zero", f->path), ==, 0);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (_atrium_window_state_load (f->path, "main", &state, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
  }
  g_unlink (f->path);
}

/* What is written can always be read back: a save that would make the
 * file too big is refused, and the file stays as it was. */
static void
test_write_cap (Fixture       *f,
                gconstpointer  data)
{
  AtriumWindowState state = { 100, 100, FALSE, FALSE, FALSE, 0, 0 };
  g_autoptr(GError) error = NULL;
  gboolean refused = FALSE;
  int saved = 0;

  for (int i = 0; i < ATRIUM_WINDOW_STATE_MAX_KEYS && !refused; i++)
    {
      char *key = g_strnfill (ATRIUM_WINDOW_STATE_KEY_MAX, '\x01');

      key[0] = 'a' + i % 26;
      key[1] = 'a' + i / 26;
      if (_atrium_window_state_save (f->path, key, &state, &error))
        saved++;
      else
        refused = TRUE;
      g_free (key);
    }
  g_assert_true (refused);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
  g_assert_cmpint (saved, >, 0);
  {
    g_autofree char *key = g_strnfill (ATRIUM_WINDOW_STATE_KEY_MAX, '\x01');
    AtriumWindowState read = { 0 };

    key[0] = 'a';
    key[1] = 'a';
    g_assert_true (_atrium_window_state_load (f->path, key, &read, NULL));
    g_assert_cmpint (read.width, ==, 100);
  }
}

static void
test_clamp (void)
{
  AtriumWindowArea area = { 0, 30, 1920, 1050 };
  AtriumWindowState big = { 4000, 3000, FALSE, FALSE, FALSE, 0, 0 };
  AtriumWindowState off = { 800, 600, FALSE, FALSE, TRUE, 5000, -400 };
  AtriumWindowState fits = { 800, 600, FALSE, FALSE, TRUE, 100, 100 };
  AtriumWindowArea none = { 0, 0, 0, 0 };

  _atrium_window_state_clamp (&big, &area);
  g_assert_cmpint (big.width, ==, 1920);
  g_assert_cmpint (big.height, ==, 1050);

  /* Saved on a monitor that is gone: back where it can be seen. */
  _atrium_window_state_clamp (&off, &area);
  g_assert_cmpint (off.x, ==, 1920 - 800);
  g_assert_cmpint (off.y, ==, 30);

  _atrium_window_state_clamp (&fits, &area);
  g_assert_cmpint (fits.x, ==, 100);
  g_assert_cmpint (fits.width, ==, 800);

  /* No monitor known: left alone. */
  _atrium_window_state_clamp (&big, &none);
  g_assert_cmpint (big.width, ==, 1920);
}

/* Two monitors side by side, the second one smaller and lower, each with
 * a panel: which one a saved window opens on, and where on it. */
static void
test_pick_area (void)
{
  const AtriumWindowArea areas[] = {
    { 0, 30, 1920, 1050 },
    { 1920, 200, 1280, 994 },
  };
  AtriumWindowState on_second = { 800, 600, FALSE, FALSE, TRUE, 2000, 300 };
  AtriumWindowState straddling = { 800, 600, FALSE, FALSE, TRUE, 1500, 300 };
  AtriumWindowState mostly_second = { 800, 600, FALSE, FALSE, TRUE, 1800, 300 };
  AtriumWindowState gone = { 800, 600, FALSE, FALSE, TRUE, 5000, 300 };
  AtriumWindowState above = { 800, 600, FALSE, FALSE, TRUE, 2000, 0 };
  AtriumWindowState no_position = { 800, 600, FALSE, FALSE, FALSE, 2000, 300 };
  AtriumWindowState any = { 800, 600, FALSE, FALSE, TRUE, 10, 10 };
  const AtriumWindowArea bigger_second[] = {
    { 0, 0, 1024, 768 },
    { 1024, 0, 2560, 1440 },
  };

  g_assert_cmpint (_atrium_window_state_pick_area (&on_second, areas, 2), ==, 1);
  /* Over both: the one it covers most. */
  g_assert_cmpint (_atrium_window_state_pick_area (&straddling, areas, 2), ==, 0);
  g_assert_cmpint (_atrium_window_state_pick_area (&mostly_second, areas, 2), ==, 1);
  /* On none (a monitor that is gone), or without a position: the
   * biggest. */
  g_assert_cmpint (_atrium_window_state_pick_area (&gone, areas, 2), ==, 0);
  g_assert_cmpint (_atrium_window_state_pick_area (&gone, bigger_second, 2), ==, 1);
  g_assert_cmpint (_atrium_window_state_pick_area (&no_position, areas, 2), ==, 0);
  g_assert_cmpint (_atrium_window_state_pick_area (&any, areas, 0), ==, -1);

  /* Then clamped to that one: in the second monitor's work area, below
   * its panel. */
  _atrium_window_state_clamp (&above, &areas[_atrium_window_state_pick_area (&above, areas, 2)]);
  g_assert_cmpint (above.x, ==, 2000);
  g_assert_cmpint (above.y, ==, 200);
  /* Straddling: moved onto the first, whole. */
  _atrium_window_state_clamp (&straddling, &areas[0]);
  g_assert_cmpint (straddling.x, ==, 1920 - 800);
  g_assert_cmpint (straddling.y, ==, 300);
  g_assert_cmpint (straddling.width, ==, 800);
  /* Bigger than the second monitor's work area, at its right edge: as big
   * as the area, at its corner. */
  {
    AtriumWindowState huge = { 3000, 2000, FALSE, FALSE, TRUE, 3000, 900 };

    _atrium_window_state_clamp (&huge, &areas[1]);
    g_assert_cmpint (huge.x, ==, 1920);
    g_assert_cmpint (huge.y, ==, 200);
    g_assert_cmpint (huge.width, ==, 1280);
    g_assert_cmpint (huge.height, ==, 994);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/atrium/window-state/round-trip", Fixture, NULL, fixture_set_up,
              test_round_trip, fixture_tear_down);
  g_test_add ("/atrium/window-state/corrupt", Fixture, NULL, fixture_set_up, test_corrupt,
              fixture_tear_down);
  g_test_add ("/atrium/window-state/bounded", Fixture, NULL, fixture_set_up, test_bounded,
              fixture_tear_down);
  g_test_add ("/atrium/window-state/not-a-file", Fixture, NULL, fixture_set_up,
              test_not_a_file, fixture_tear_down);
  g_test_add ("/atrium/window-state/write-cap", Fixture, NULL, fixture_set_up, test_write_cap,
              fixture_tear_down);
  g_test_add_func ("/atrium/window-state/clamp", test_clamp);
  g_test_add_func ("/atrium/window-state/pick-area", test_pick_area);

  return g_test_run ();
}

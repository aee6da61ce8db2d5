#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "test-examples-common.h"
#include "webkit-harness.h"
#include "test-util.h"

/* The examples as a user runs them: the vanilla frontend in the launcher,
 * the C example as built in the tree and as built against an installed
 * copy of libatrium. Each renders a page that is not blank and completes
 * one call and one event round trip (the page logs a line saying so). */

static void
test_vanilla (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-examples-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "vanilla.png", NULL);
  g_autofree char *page = g_build_filename (examples_source_root (), "examples", "vanilla", NULL);
  g_auto(ExampleRun) run = { 0 };
  const char * const argv[] = {
    g_getenv ("ATRIUM_LAUNCHER"), "--dir", page, "--log-console", "--width", "1000",
    "--height", "640", "--screenshot", png, NULL
  };

  example_run (&run, argv, NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "vanilla example ready: call ok (libatrium " PACKAGE_VERSION
                                     "), event ok (pong #1)\n"));
  example_assert_screenshot (png, 1000, 640);
  test_remove_tree (dir);
}

static void
test_hello_c (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-examples-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "hello.png", NULL);
  g_auto(ExampleRun) run = { 0 };
  const char * const argv[] = {
    g_getenv ("ATRIUM_HELLO"), "--log-console", "--screenshot", png, "hello://greet/Ada", NULL
  };

  g_assert_nonnull (argv[0]);
  example_run (&run, argv, NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "hello ready: call ok (libatrium " PACKAGE_VERSION
                                     "), event ok (wave #1)\n"));
  /* The deep link it was launched with, kept until the page listened. */
  g_assert_nonnull (strstr (run.out, "hello opened hello://greet/Ada\n"));
  example_assert_screenshot (png, 900, 620);
  test_remove_tree (dir);
}

/* Any app on libatrium writes its bindings and exits, without a window;
 * the launcher passes the options on. */
static void
test_emit_bindings (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-examples-XXXXXX", NULL);
  g_autofree char *dts = g_build_filename (dir, "hello.d.ts", NULL);
  g_autofree char *js = g_build_filename (dir, "hello.js", NULL);
  g_autofree char *launcher_dts = g_build_filename (dir, "atrium.d.ts", NULL);
  g_autofree char *contents = NULL;
  g_auto(ExampleRun) run = { 0 };
  g_auto(ExampleRun) launcher = { 0 };
  g_auto(ExampleRun) bad = { 0 };
  const char * const hello[] = { g_getenv ("ATRIUM_HELLO"), "--emit-dts", dts, "--emit-js", js,
                                 NULL };
  const char * const atrium[] = { g_getenv ("ATRIUM_LAUNCHER"), "--emit-dts", launcher_dts,
                                  NULL };
  const char * const unwritable[] = { g_getenv ("ATRIUM_LAUNCHER"), "--emit-js",
                                      "/nonexistent-atrium-dir/x.js", NULL };

  example_run (&run, hello, NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (g_file_get_contents (dts, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "  call(method: \"hello.greet\", name: string): "
                                      "AtriumCall<string>;\n"));
  g_assert_nonnull (strstr (contents, "system_info(): AtriumCall<{ os: string, atrium: string, "
                                      "gtk: string }>;\n"));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (js, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "    count_primes: bind(\"hello.count_primes\"),\n"));
  g_assert_nonnull (strstr (contents, "export const hello = methods.hello;\n"));
  g_clear_pointer (&contents, g_free);

  example_run (&launcher, atrium, NULL, NULL);
  g_assert_cmpint (launcher.status, ==, 0);
  g_assert_true (g_file_get_contents (launcher_dts, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "  call(method: \"demo.sleep\", ms: number): "
                                      "AtriumCall<number>;\n"));

  example_run (&bad, unwritable, NULL, NULL);
  g_assert_cmpint (bad.status, !=, 0);
  g_assert_nonnull (strstr (bad.err, "/nonexistent-atrium-dir/x.js"));
  g_assert_cmpint (example_count_lines (bad.err), ==, 1);
  g_assert_cmpstr (bad.out, ==, "");

  test_remove_tree (dir);
}

/* The Vite example commits the launcher's bindings so that a user can
 * type-check it before building anything; they must be what the launcher
 * writes today (`npm run bindings` in examples/vite-ts rewrites them). */
static void
test_vite_bindings_current (void)
{
  g_autofree char *dir = g_dir_make_tmp ("atrium-examples-XXXXXX", NULL);
  g_autofree char *generated = g_build_filename (examples_source_root (), "examples", "vite-ts",
                                                 "src", "generated", NULL);
  const char *names[] = { "atrium-bindings.d.ts", "atrium-bindings.js" };
  g_autofree char *dts = g_build_filename (dir, names[0], NULL);
  g_autofree char *js = g_build_filename (dir, names[1], NULL);
  g_auto(ExampleRun) run = { 0 };
  const char * const argv[] = { g_getenv ("ATRIUM_LAUNCHER"), "--emit-dts", dts, "--emit-js", js,
                                NULL };

  example_run (&run, argv, NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *fresh_path = g_build_filename (dir, names[i], NULL);
      g_autofree char *committed_path = g_build_filename (generated, names[i], NULL);
      g_autofree char *fresh = NULL;
      g_autofree char *committed = NULL;

      g_assert_true (g_file_get_contents (fresh_path, &fresh, NULL, NULL));
      g_assert_true (g_file_get_contents (committed_path, &committed, NULL, NULL));
      if (g_strcmp0 (fresh, committed) != 0)
        g_test_fail_printf ("%s is stale: run `npm run bindings` in examples/vite-ts (or the launcher with "
                 "--emit-dts/--emit-js) and commit the result", committed_path);
    }
  test_remove_tree (dir);
}

/* Finds the file called @name under @dir. */
static char *
find_file (const char *dir,
           const char *name)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (handle != NULL && (entry = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      char *found;

      if (strcmp (entry, name) == 0)
        return g_steal_pointer (&path);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK)
          && (found = find_file (path, name)) != NULL)
        return found;
    }
  return NULL;
}

/* The C example built as its README says, with `make` and pkg-config,
 * against `meson install --destdir` of this build: the installed headers,
 * atrium-1.pc and library, never the build tree's. */
static void
test_hello_c_installed (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("atrium-examples-XXXXXX", NULL);
  g_autofree char *destdir = g_build_filename (tmp, "dest", NULL);
  g_autofree char *pcdir = g_build_filename (tmp, "pkgconfig", NULL);
  g_autofree char *pc_out = g_build_filename (pcdir, "atrium-1.pc", NULL);
  g_autofree char *copy = g_build_filename (tmp, "hello-c", NULL);
  g_autofree char *hello = g_build_filename (copy, "hello", NULL);
  g_autofree char *png = g_build_filename (tmp, "hello.png", NULL);
  g_autofree char *source = g_build_filename (examples_source_root (), "examples", "hello-c",
                                              NULL);
  g_autofree char *meson = g_find_program_in_path ("meson");
  g_autofree char *make = g_find_program_in_path ("make");
  g_autofree char *pkg_config = g_find_program_in_path ("pkg-config");
  g_autofree char *pc = NULL;
  g_autofree char *pc_text = NULL;
  g_autofree char *libdir = NULL;
  g_autofree char *new_prefix = NULL;
  g_autoptr(GString) relocated = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(ExampleRun) install = { 0 };
  g_auto(ExampleRun) cp = { 0 };
  g_auto(ExampleRun) build = { 0 };
  g_auto(ExampleRun) flags = { 0 };
  g_auto(ExampleRun) ldd = { 0 };
  g_auto(ExampleRun) run = { 0 };

  if (meson == NULL || make == NULL || pkg_config == NULL)
    {
      g_test_skip ("meson, make or pkg-config is not installed: cannot build the example "
                   "against an installed libatrium");
      test_remove_tree (tmp);
      return;
    }

  {
    const char * const argv[] = { meson, "install", "-C", g_getenv ("ATRIUM_BUILD_ROOT"),
                                  "--no-rebuild", "--quiet", "--destdir", destdir, NULL };

    example_run (&install, argv, NULL, NULL);
    g_assert_cmpint (install.status, ==, 0);
  }

  /* atrium-1.pc names its prefix; under a destdir that prefix moves. Only
   * this package's file is rewritten, so gtk4 and the rest still come from
   * the system. */
  /* The runtime module ships beside the library. */
  {
    g_autofree char *mjs = find_file (destdir, "atrium.mjs");
    g_autofree char *dts = find_file (destdir, "atrium.d.ts");

    g_assert_nonnull (mjs);
    g_assert_nonnull (dts);
    g_assert_true (g_str_has_suffix (mjs, "/share/atrium-1/runtime/atrium.mjs"));
    g_assert_true (g_str_has_suffix (dts, "/share/atrium-1/runtime/atrium.d.ts"));
  }

  pc = find_file (destdir, "atrium-1.pc");
  g_assert_nonnull (pc);
  g_assert_true (g_file_get_contents (pc, &pc_text, NULL, NULL));
  lines = g_strsplit (pc_text, "\n", -1);
  relocated = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "prefix="))
        {
          new_prefix = g_strconcat (destdir, lines[i] + strlen ("prefix="), NULL);
          g_string_append_printf (relocated, "prefix=%s\n", new_prefix);
        }
      else
        {
          g_string_append_printf (relocated, "%s\n", lines[i]);
        }
    }
  g_assert_nonnull (new_prefix);
  g_assert_cmpint (g_mkdir (pcdir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (pc_out, relocated->str, -1, NULL));
  libdir = g_path_get_dirname (pc);
  {
    g_autofree char *pkgconfig = g_steal_pointer (&libdir);

    libdir = g_path_get_dirname (pkgconfig);
  }
  g_assert_true (g_file_test (libdir, G_FILE_TEST_IS_DIR));
  g_assert_true (g_str_has_prefix (libdir, destdir));

  {
    const char * const argv[] = { "cp", "-R", source, copy, NULL };

    example_run (&cp, argv, NULL, NULL);
    g_assert_cmpint (cp.status, ==, 0);
  }

  {
    const char * const env[] = { "PKG_CONFIG_PATH", pcdir, NULL };
    const char * const argv[] = { pkg_config, "--cflags", "--libs", "atrium-1", NULL };
    g_autofree char *include = g_strdup_printf ("-I%s/include/atrium-1", new_prefix);

    example_run (&flags, argv, env, NULL);
    g_assert_cmpint (flags.status, ==, 0);
    g_assert_nonnull (strstr (flags.out, include));
    g_assert_nonnull (strstr (flags.out, "-latrium-1"));
  }

  {
    const char * const env[] = { "PKG_CONFIG_PATH", pcdir, NULL };
    const char * const argv[] = { make, "-C", copy, NULL };

    example_run (&build, argv, env, NULL);
    g_assert_cmpint (build.status, ==, 0);
    g_assert_true (g_file_test (hello, G_FILE_TEST_IS_EXECUTABLE));
  }

  /* It loads the installed library. */
  {
    const char * const env[] = { "LD_LIBRARY_PATH", libdir, NULL };
    const char * const argv[] = { "ldd", hello, NULL };
    g_autofree char *expected = g_strdup_printf ("libatrium-1.so.0 => %s/libatrium-1.so.0",
                                                 libdir);

    example_run (&ldd, argv, env, NULL);
    g_assert_cmpint (ldd.status, ==, 0);
    g_assert_nonnull (strstr (ldd.out, expected));
  }

  {
    const char * const env[] = { "LD_LIBRARY_PATH", libdir, NULL };
    const char * const argv[] = { hello, "--log-console", "--screenshot", png, NULL };

    example_run (&run, argv, env, tmp);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "hello ready: call ok (libatrium " PACKAGE_VERSION
                                       "), event ok (wave #1)\n"));
    example_assert_screenshot (png, 900, 620);
  }

  test_remove_tree (tmp);
}

static void
test_hello_c_desktop_file (void)
{
  g_autofree char *validate = g_find_program_in_path ("desktop-file-validate");
  g_autofree char *desktop = g_build_filename (examples_source_root (), "examples", "hello-c",
                                               "org.example.Hello.desktop", NULL);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *mime_types = NULL;
  g_auto(ExampleRun) run = { 0 };

  g_key_file_load_from_file (key_file, desktop, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  exec = g_key_file_get_string (key_file, "Desktop Entry", "Exec", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exec, ==, "hello %U");
  /* Its deep links: hello://… (atrium_app_register_url_scheme() in main()). */
  mime_types = g_key_file_get_string (key_file, "Desktop Entry", "MimeType", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mime_types, ==, "x-scheme-handler/hello;");

  if (validate == NULL)
    {
      g_test_skip ("desktop-file-validate is not installed (desktop-file-utils): "
                   "only the key file was checked");
      return;
    }
  {
    const char * const argv[] = { validate, desktop, NULL };

    example_run (&run, argv, NULL, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "");
  }
}

int
main (int   argc,
      char *argv[])
{
  gboolean display = harness_init (&argc, &argv);

  g_test_add_func ("/atrium/examples/emit-bindings", test_emit_bindings);
  g_test_add_func ("/atrium/examples/hello-c-desktop-file", test_hello_c_desktop_file);
  g_test_add_func ("/atrium/examples/vite-bindings-current", test_vite_bindings_current);
  if (display)
    {
      g_test_add_func ("/atrium/examples/vanilla", test_vanilla);
      g_test_add_func ("/atrium/examples/hello-c", test_hello_c);
      g_test_add_func ("/atrium/examples/hello-c-installed", test_hello_c_installed);
    }
  else
    {
      g_test_add_func ("/atrium/examples/needs-display", harness_skip_no_display);
    }

  return g_test_run ();
}

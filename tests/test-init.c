#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "test-examples-common.h"
#include "test-util.h"

/* atrium-init (init/): bad input refused with one line, exit 2 and nothing
 * written; each template generated, built against `meson install --destdir`
 * of this build with its own `make test`; the Vite template's typed
 * bindings with teeth; and both templates' `make dev` loops: a C edit
 * relaunches the app (and in the C template a page edit too), Ctrl+C leaves
 * no process behind.
 *
 * The Vite template needs Vite and TypeScript: npm ci from npm's cache (or
 * its registry), as tests/test-examples-vite.c does; without them those
 * cases skip, saying why. */

/* The user's npm cache, from before anything moved HOME. */
static char *npm_cache;

/* Shared by the cases, made once: a temporary folder, Atrium installed into
 * it, and the environment that builds against that copy. */
static char *tmp;
static char *destdir;
static char *pcdir;
static char *libdir;
static char *installed_init;
static char *vite_project;
static char *vanilla_project;

static void
remove_tmp (void)
{
  if (tmp != NULL)
    test_remove_tree (tmp);
}

static const char *
init_program (void)
{
  const char *path = g_getenv ("ATRIUM_INIT");

  g_assert_nonnull (path);
  return path;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in @dir, sorted and joined, so a test can say "nothing else". */
static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *entry;

  g_assert_nonnull (handle);
  while ((entry = g_dir_read_name (handle)) != NULL)
    g_ptr_array_add (names, (gpointer) entry);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (char **) names->pdata);
}

/* --- bad input ------------------------------------------------------------ */

typedef struct
{
  const char *what;
  const char *argv[8];
} BadCase;

/* Runs atrium-init with @args in a fresh folder holding only "existing/x"
 * and "file", and checks: exit @status, one line on stderr, nothing on
 * stdout, and the folder as it was. */
static void
assert_refused (const char * const *args,
                const char * const *env,
                int                 status,
                const char         *what)
{
  g_autofree char *parent = g_build_filename (tmp, "bad-XXXXXX", NULL);
  g_autofree char *existing = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *inside = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(ExampleRun) run = { 0 };

  g_test_message ("case: %s", what);
  g_assert_nonnull (g_mkdtemp (parent));
  existing = g_build_filename (parent, "existing", NULL);
  g_assert_cmpint (g_mkdir (existing, 0755), ==, 0);
  test_write_file (existing, "x", "mine", -1);
  test_write_file (parent, "file", "mine", -1);
  before = list_dir (parent);

  g_ptr_array_add (argv, (gpointer) init_program ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  example_run (&run, (const char * const *) argv->pdata, env, parent);

  g_assert_cmpint (run.status, ==, status);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_true (g_str_has_prefix (run.err, "atrium-init: "));
  g_assert_cmpuint (example_count_lines (run.err), ==, 1);
  g_assert_true (g_str_has_suffix (run.err, "\n"));

  after = list_dir (parent);
  g_assert_cmpstr (after, ==, before);
  inside = list_dir (existing);
  g_assert_cmpstr (inside, ==, "x");
  test_remove_tree (parent);
}

static void
test_bad_input (void)
{
  static const BadCase cases[] = {
    { "an id that is not reverse DNS", { "notes", "--id", "notes", NULL } },
    { "an id of two elements", { "notes", "--id", "org.example", NULL } },
    { "an id with an empty element", { "notes", "--id", "org..example.Notes", NULL } },
    { "an id element starting with a digit", { "notes", "--id", "org.example.1Notes", NULL } },
    { "an id with a hyphen", { "notes", "--id", "org.ex-ample.Notes", NULL } },
    { "an id with a slash", { "notes", "--id", "org.example/x.Notes", NULL } },
    { "an id with a quote", { "notes", "--id", "org.example.No'tes", NULL } },
    { "an empty id", { "notes", "--id", "", NULL } },
    { "no id", { "notes", NULL } },
    { "no name", { "--id", "org.example.Notes", NULL } },
    { "a name with a hyphen", { "my-notes", "--id", "org.example.Notes", NULL } },
    { "a name starting with a digit", { "1notes", "--id", "org.example.Notes", NULL } },
    { "a name with a space", { "my notes", "--id", "org.example.Notes", NULL } },
    { "a name with shell", { "x;rm -rf ~", "--id", "org.example.Notes", NULL } },
    { "a name with a slash", { "../notes", "--id", "org.example.Notes", NULL } },
    { "a name of one letter", { "n", "--id", "org.example.Notes", NULL } },
    { "a name not in ASCII", { "nötes", "--id", "org.example.Notes", NULL } },
    { "an empty name", { "", "--id", "org.example.Notes", NULL } },
    { "a name of 65 characters",
      { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "--id",
        "org.example.Notes", NULL } },
    { "an unknown template", { "notes", "--id", "org.example.Notes", "--template", "rust",
                               NULL } },
    { "a title of two lines", { "notes", "--id", "org.example.Notes", "--title", "a\nb",
                                NULL } },
    { "an empty title", { "notes", "--id", "org.example.Notes", "--title", "", NULL } },
    { "a title with a control character", { "notes", "--id", "org.example.Notes", "--title",
                                            "a\033[31m", NULL } },
    { "an existing, non-empty folder", { "notes", "--id", "org.example.Notes", "existing",
                                         NULL } },
    { "an existing file", { "notes", "--id", "org.example.Notes", "file", NULL } },
    { "a folder inside a file", { "notes", "--id", "org.example.Notes", "file/notes", NULL } },
    { "a missing parent", { "notes", "--id", "org.example.Notes", "missing/notes", NULL } },
    { "two folders", { "notes", "--id", "org.example.Notes", "a", "b", NULL } },
    { "an unknown option", { "notes", "--id", "org.example.Notes", "--force", NULL } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_refused (cases[i].argv, NULL, 2, cases[i].what);
}

/* A template that fails halfway (a file that cannot be read, after others
 * were written) leaves nothing: not the project, not its temporary folder. */
static void
test_failure_midway (void)
{
  g_autofree char *templates = g_build_filename (tmp, "broken-templates", NULL);
  g_autofree char *broken = g_build_filename (templates, "c-vanilla", NULL);
  g_autofree char *sub = g_build_filename (broken, "a", NULL);
  g_autofree char *z = g_build_filename (broken, "z", NULL);
  const char * const env[] = { "ATRIUM_INIT_TEMPLATES", templates, NULL };
  const char * const args[] = { "notes", "--id", "org.example.Notes", NULL };
  const char * const title_args[] = { "notes", "--id", "org.example.Notes", "--title",
                                      "Notes", NULL };

  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  test_write_file (sub, "one.c", "/* {{NAME}} */\n", -1);
  test_write_file (broken, "b.md", "# {{TITLE}}\n", -1);
  /* Binary content: templates hold text only. */
  test_write_file (broken, "z", "\0\1", 2);
  assert_refused (args, env, 1, "a template with a binary file");

  /* The title in a file it cannot be escaped for. */
  g_assert_cmpint (g_unlink (z), ==, 0);
  test_write_file (broken, "z.sh", "echo {{TITLE}}\n", -1);
  assert_refused (title_args, env, 1, "a template with the title in a shell script");
  test_remove_tree (templates);
}

/* An existing empty folder is filled (the rename replaces it), and
 * nothing else is left beside it. */
static void
test_empty_dir (void)
{
  g_autofree char *parent = g_build_filename (tmp, "empty-XXXXXX", NULL);
  g_autofree char *target = NULL;
  g_autofree char *meson_build = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *text = NULL;
  g_auto(ExampleRun) run = { 0 };

  g_assert_nonnull (g_mkdtemp (parent));
  target = g_build_filename (parent, "here", NULL);
  g_assert_cmpint (g_mkdir (target, 0755), ==, 0);
  {
    const char * const argv[] = { init_program (), "notes", "--id", "org.example.Notes", "here",
                                  NULL };

    example_run (&run, argv, NULL, parent);
  }
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  listing = list_dir (parent);
  g_assert_cmpstr (listing, ==, "here");
  meson_build = g_build_filename (target, "meson.build", NULL);
  g_assert_true (g_file_get_contents (meson_build, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "project('notes', 'c',"));
  test_remove_tree (parent);
}

/* --- the installed copy --------------------------------------------------- */

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

/* meson install --destdir into tmp, once; atrium-1.pc rewritten for the
 * moved prefix into pcdir (only this package's, so GTK and the rest still
 * come from the system). */
static void
install_atrium (void)
{
  g_autofree char *meson = g_find_program_in_path ("meson");
  g_autofree char *pc = NULL;
  g_autofree char *pc_text = NULL;
  g_autofree char *new_prefix = NULL;
  g_autoptr(GString) relocated = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  g_auto(ExampleRun) install = { 0 };

  if (destdir != NULL)
    return;
  destdir = g_build_filename (tmp, "dest", NULL);
  {
    const char * const argv[] = { meson, "install", "-C", g_getenv ("ATRIUM_BUILD_ROOT"),
                                  "--no-rebuild", "--quiet", "--destdir", destdir, NULL };

    example_run (&install, argv, NULL, NULL);
    g_assert_cmpint (install.status, ==, 0);
  }

  pc = find_file (destdir, "atrium-1.pc");
  g_assert_nonnull (pc);
  g_assert_true (g_file_get_contents (pc, &pc_text, NULL, NULL));
  lines = g_strsplit (pc_text, "\n", -1);
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
  pcdir = g_build_filename (tmp, "pkgconfig", NULL);
  g_assert_cmpint (g_mkdir (pcdir, 0755), ==, 0);
  test_write_file (pcdir, "atrium-1.pc", relocated->str, -1);
  {
    g_autofree char *pkgconfig = g_path_get_dirname (pc);

    libdir = g_path_get_dirname (pkgconfig);
  }

  /* The layout other packaging relies on: the program in bindir, the
   * templates under datadir/atrium-1/templates/. */
  installed_init = g_build_filename (new_prefix, "bin", "atrium-init", NULL);
  g_assert_true (g_file_test (installed_init, G_FILE_TEST_IS_EXECUTABLE));
  for (guint i = 0; i < 2; i++)
    {
      static const char * const names[] = { "c-vanilla", "c-vite-ts" };
      g_autofree char *dir = g_build_filename (new_prefix, "share", "atrium-1", "templates",
                                               names[i], NULL);
      g_autofree char *rules = g_build_filename (dir, "debian", "rules", NULL);

      g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
      g_assert_true (g_file_test (rules, G_FILE_TEST_IS_EXECUTABLE));
    }
}

static const char * const *
build_env (void)
{
  static const char *env[] = { "PKG_CONFIG_PATH", NULL, "LD_LIBRARY_PATH", NULL,
                               "npm_config_cache", NULL, "npm_config_update_notifier", "false",
                               "npm_config_fund", "false", "npm_config_audit", "false",
                               /* Not the build tree's templates: the installed copy finds
                                * its own. */
                               "ATRIUM_INIT_TEMPLATES", "", NULL };

  env[1] = pcdir;
  env[3] = libdir;
  env[5] = npm_cache;
  return env;
}

/* Runs the installed atrium-init (which finds its templates relative to
 * itself, under the destdir) in tmp. */
static char *
generate (const char *name,
          const char *id,
          const char *template,
          const char *title)
{
  g_autofree char *dir = g_build_filename (tmp, name, NULL);
  const char * const argv[] = { installed_init, name, "--id", id, "--template", template,
                                "--title", title, dir, NULL };
  g_auto(ExampleRun) run = { 0 };

  example_run (&run, argv, build_env (), tmp);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_nonnull (strstr (run.out, "Created "));
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  return g_steal_pointer (&dir);
}

/* A title that means something in every kind of file it lands in. */
#define HOSTILE_TITLE "Notes \"&\" <b>Ünï</b> ?" "?/ \\ */ ${x} '"

/* The placeholders went in, escaped where they land: the desktop file and
 * the metainfo read back the title as given. */
static void
assert_substituted (const char *dir,
                    const char *name,
                    const char *id)
{
  g_autofree char *desktop_name = g_strconcat (id, ".desktop", NULL);
  g_autofree char *desktop = g_build_filename (dir, "data", desktop_name, NULL);
  g_autofree char *metainfo_name = g_strconcat (id, ".metainfo.xml", NULL);
  g_autofree char *metainfo = g_build_filename (dir, "data", metainfo_name, NULL);
  g_autofree char *metainfo_text = NULL;
  g_autofree char *escaped = g_markup_escape_text (HOSTILE_TITLE, -1);
  g_autofree char *expected = g_strdup_printf ("<name>%s</name>", escaped);
  g_autofree char *control = g_build_filename (dir, "debian", "control", NULL);
  g_autofree char *control_text = NULL;
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *exec = NULL;

  g_key_file_load_from_file (key_file, desktop, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  title = g_key_file_get_string (key_file, "Desktop Entry", "Name", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (title, ==, HOSTILE_TITLE);
  exec = g_key_file_get_string (key_file, "Desktop Entry", "Exec", &error);
  g_assert_cmpstr (exec, ==, name);

  g_assert_true (g_file_get_contents (metainfo, &metainfo_text, NULL, NULL));
  g_assert_nonnull (strstr (metainfo_text, expected));
  g_assert_null (strstr (metainfo_text, "{{"));

  /* The Flatpak manifest is JSON, on the GNOME runtime, under the id. */
  {
    g_autofree char *manifest_name = g_strconcat (id, ".json", NULL);
    g_autofree char *manifest = g_build_filename (dir, "flatpak", manifest_name, NULL);
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *root;

    json_parser_load_from_file (parser, manifest, &error);
    g_assert_no_error (error);
    root = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (root, "id"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (root, "runtime"), ==, "org.gnome.Platform");
    g_assert_cmpstr (json_object_get_string_member (root, "command"), ==, name);
    /* What the built-ins reach on the session bus outside the portals. */
    {
      static const char * const needed[] = {
        "--share=ipc", "--socket=wayland", "--socket=fallback-x11", "--socket=cups",
        "--talk-name=org.freedesktop.secrets", "--talk-name=org.kde.StatusNotifierWatcher",
        "--talk-name=org.freedesktop.FileManager1",
      };
      JsonArray *finish_args = json_object_get_array_member (root, "finish-args");
      g_autoptr(GPtrArray) args = g_ptr_array_new ();

      g_assert_nonnull (finish_args);
      for (guint i = 0; i < json_array_get_length (finish_args); i++)
        g_ptr_array_add (args, (gpointer) json_array_get_string_element (finish_args, i));
      g_ptr_array_add (args, NULL);
      for (gsize i = 0; i < G_N_ELEMENTS (needed); i++)
        {
          g_test_message ("finish-args has %s", needed[i]);
          g_assert_true (g_strv_contains ((const char * const *) args->pdata, needed[i]));
        }
    }
  }

  /* The README says which portals the built-ins use, and why each
   * permission is there. */
  {
    static const char * const portals[] = {
      "**file chooser**", "**notifications**", "**OpenURI**", "**Background**", "**Print**",
      "**Secret**", "**Settings**", "`--talk-name=org.freedesktop.secrets` | `atrium.secret`",
      "`--talk-name=org.kde.StatusNotifierWatcher` | `atrium.tray`",
    };
    g_autofree char *readme = g_build_filename (dir, "README.md", NULL);
    g_autofree char *readme_text = NULL;

    g_assert_true (g_file_get_contents (readme, &readme_text, NULL, NULL));
    for (gsize i = 0; i < G_N_ELEMENTS (portals); i++)
      {
        g_test_message ("README names %s", portals[i]);
        g_assert_nonnull (strstr (readme_text, portals[i]));
      }
  }

  g_assert_true (g_file_get_contents (control, &control_text, NULL, NULL));
  g_assert_nonnull (strstr (control_text, "Depends: libatrium-1-0"));
  g_assert_nonnull (strstr (control_text, "libatrium-1-dev"));
}

static void
assert_appstream_valid (const char *dir,
                        const char *id)
{
  g_autofree char *appstreamcli = g_find_program_in_path ("appstreamcli");
  g_autofree char *file = g_strconcat (id, ".metainfo.xml", NULL);
  g_autofree char *metainfo = g_build_filename (dir, "data", file, NULL);
  const char * const argv[] = { appstreamcli, "validate", "--no-net", metainfo,
                                NULL };
  g_auto(ExampleRun) run = { 0 };

  if (appstreamcli == NULL)
    {
      g_test_message ("appstreamcli is not installed: the metainfo is not validated");
      return;
    }
  example_run (&run, argv, NULL, NULL);
  g_assert_cmpint (run.status, ==, 0);
}

/* The project's own `make test`, and `make run` without a display. */
static void
make_test_and_run (const char *dir,
                   const char *name)
{
  g_autofree char *make = g_find_program_in_path ("make");
  g_auto(ExampleRun) test = { 0 };
  g_auto(ExampleRun) run = { 0 };

  {
    const char * const argv[] = { make, "-C", dir, "test", "TESTARGS=--verbose", NULL };

    example_run (&test, argv, build_env (), NULL);
    g_assert_cmpint (test.status, ==, 0);
    g_assert_nonnull (strstr (test.out, "ok: call round trip, screenshot 800x600"));
  }

  {
    g_autofree char *shot = g_strdup_printf ("Saved screenshot to build/%s.png\n", name);
    g_autofree char *png = g_strdup_printf ("%s/build/%s.png", dir, name);
    const char * const argv[] = { "env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", make, "-C",
                                  dir, "run", NULL };

    example_run (&run, argv, build_env (), NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, shot));
    example_assert_screenshot (png, 800, 600);
  }
}

static gboolean
have_build_tools (void)
{
  static const char * const tools[] = { "meson", "make", "pkg-config", "xvfb-run",
                                        "dbus-run-session" };

  for (gsize i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *path = g_find_program_in_path (tools[i]);

      if (path == NULL)
        {
          g_autofree char *why = g_strdup_printf ("%s is not installed: cannot build a "
                                                  "generated project", tools[i]);

          g_test_skip (why);
          return FALSE;
        }
    }
  return TRUE;
}

static void
test_c_vanilla (void)
{
  g_autofree char *dir = NULL;

  if (!have_build_tools ())
    return;
  install_atrium ();
  dir = generate ("notes", "org.example.Notes", "c-vanilla", HOSTILE_TITLE);
  assert_substituted (dir, "notes", "org.example.Notes");
  assert_appstream_valid (dir, "org.example.Notes");
  make_test_and_run (dir, "notes");
  vanilla_project = g_steal_pointer (&dir);
}

static void
test_c_vite_ts (void)
{
  g_autofree char *npm = g_find_program_in_path ("npm");
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *dir = NULL;
  g_autofree char *tsc = NULL;
  g_autofree char *bad = NULL;
  g_auto(ExampleRun) ci = { 0 };
  g_auto(ExampleRun) bad_check = { 0 };

  if (!have_build_tools ())
    return;
  if (npm == NULL || node == NULL)
    {
      g_test_skip ("Node.js or npm is not installed: cannot build the Vite template");
      return;
    }
  install_atrium ();
  dir = generate ("sketch_pad", "org.example.SketchPad", "c-vite-ts", HOSTILE_TITLE);
  assert_substituted (dir, "sketch_pad", "org.example.SketchPad");

  /* Offline, with nothing in npm's cache, this is where it ends. */
  {
    const char * const argv[] = { npm, "ci", "--prefer-offline", "--no-audit", "--no-fund",
                                  NULL };

    example_run (&ci, argv, build_env (), dir);
    if (ci.status != 0)
      {
        g_auto(GStrv) lines = g_strsplit (g_strstrip (ci.err), "\n", 2);
        g_autofree char *why = g_strdup_printf ("npm ci failed (offline, or the registry is "
                                                "unreachable?): %s",
                                                lines[0] != NULL ? lines[0] : "");

        g_test_skip (why);
        return;
      }
  }

  make_test_and_run (dir, "sketch_pad");

  /* The page is checked against the app's own bindings: a wrong call is a
   * tsc error. */
  tsc = g_build_filename (dir, "node_modules", ".bin", "tsc", NULL);
  bad = g_build_filename (dir, "web", "bad.ts", NULL);
  g_assert_true (g_file_set_contents (bad,
    "import { backend } from './generated/atrium-bindings.js';\n"
    "backend.greet(42);\n", -1, NULL));
  {
    const char * const argv[] = { tsc, "--noEmit", "-p", dir, NULL };

    example_run (&bad_check, argv, NULL, dir);
    g_assert_cmpint (bad_check.status, !=, 0);
    g_assert_nonnull (strstr (bad_check.out, "bad.ts(2,15): error TS2345"));
  }
  g_assert_cmpint (g_unlink (bad), ==, 0);

  vite_project = g_steal_pointer (&dir);
}

/* A Debian package from a generated project, as its README says: against
 * Atrium's own packages, which only an installed libatrium-1-dev provides
 * (dpkg-shlibdeps needs the library to come from a package). */
static void
test_debian (void)
{
  g_autofree char *dpkg_buildpackage = g_find_program_in_path ("dpkg-buildpackage");
  g_autofree char *dir = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *deb = NULL;
  g_auto(ExampleRun) status = { 0 };
  g_auto(ExampleRun) build = { 0 };
  g_auto(ExampleRun) fields = { 0 };

  if (dpkg_buildpackage == NULL)
    {
      g_test_skip ("dpkg-buildpackage is not installed (dpkg-dev)");
      return;
    }
  {
    const char * const argv[] = { "dpkg-query", "-W", "-f=${Status}", "libatrium-1-dev", NULL };

    example_run (&status, argv, NULL, NULL);
    if (status.status != 0 || strstr (status.out, "install ok installed") == NULL)
      {
        g_test_skip ("libatrium-1-dev (Atrium's Debian package) is not installed: a generated "
                     "project's dpkg-buildpackage needs it");
        return;
      }
  }

  parent = g_build_filename (tmp, "deb", NULL);
  g_assert_cmpint (g_mkdir (parent, 0755), ==, 0);
  dir = g_build_filename (parent, "deb_notes", NULL);
  {
    const char * const argv[] = { init_program (), "deb_notes", "--id", "org.example.DebNotes",
                                  dir, NULL };
    g_auto(ExampleRun) run = { 0 };

    example_run (&run, argv, NULL, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    const char * const argv[] = { dpkg_buildpackage, "-us", "-uc", "-b", NULL };

    example_run (&build, argv, NULL, dir);
    g_assert_cmpint (build.status, ==, 0);
  }
  {
    g_autoptr(GDir) handle = g_dir_open (parent, 0, NULL);
    const char *entry;

    while ((entry = g_dir_read_name (handle)) != NULL)
      if (g_str_has_prefix (entry, "deb-notes_0.1.0_") && g_str_has_suffix (entry, ".deb"))
        deb = g_build_filename (parent, entry, NULL);
  }
  g_assert_nonnull (deb);
  {
    const char * const argv[] = { "dpkg-deb", "-f", deb, "Depends", NULL };

    example_run (&fields, argv, NULL, NULL);
    g_assert_cmpint (fields.status, ==, 0);
    g_assert_nonnull (strstr (fields.out, "libatrium-1-0"));
  }
}

/* --- make dev --------------------------------------------------------------- */

static void
new_process_group_cb (gpointer user_data)
{
  setpgid (0, 0);
}

typedef struct
{
  const char *log;
  const char *needle;
  guint       count;
} LogWait;

static guint
count_in (const char *text,
          const char *needle)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

static gboolean
log_has_cb (gpointer data)
{
  LogWait *wait = data;
  g_autofree char *text = NULL;

  return g_file_get_contents (wait->log, &text, NULL, NULL)
         && count_in (text, wait->needle) >= wait->count;
}

static void
wait_for_log (const char *log,
              const char *needle,
              guint       count)
{
  LogWait wait = { log, needle, count };
  g_autofree char *what = g_strdup_printf ("“%s” %u time(s) in make dev's output", needle, count);

  /* A C build and a relaunch on two busy cores. On a timeout, what make
   * dev said is the first thing anyone needs. */
  if (!test_wait_for_at_most (240, log_has_cb, &wait))
    {
      g_autofree char *text = NULL;

      g_file_get_contents (log, &text, NULL, NULL);
      g_test_message ("make dev said:\n%s", text != NULL ? text : "(nothing)");
      g_error ("Waited 240 s for %s", what);
    }
}

/* Processes whose command line or working folder is inside @dir: make, node
 * (Vite), esbuild, the app. */
static char *
processes_in (const char *dir)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  g_autoptr(GString) found = g_string_new (NULL);
  const char *entry;

  g_assert_nonnull (proc);
  while ((entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *cmdline_path = NULL;
      g_autofree char *cwd_path = NULL;
      g_autofree char *cmdline = NULL;
      g_autofree char *cwd = NULL;
      gsize length = 0;

      if (!g_ascii_isdigit (entry[0]) || atoi (entry) == getpid ())
        continue;
      cmdline_path = g_build_filename ("/proc", entry, "cmdline", NULL);
      cwd_path = g_build_filename ("/proc", entry, "cwd", NULL);
      if (g_file_get_contents (cmdline_path, &cmdline, &length, NULL))
        for (gsize i = 0; i + 1 < length; i++)
          if (cmdline[i] == '\0')
            cmdline[i] = ' ';
      cwd = g_file_read_link (cwd_path, NULL);
      if ((cmdline != NULL && strstr (cmdline, dir) != NULL)
          || (cwd != NULL && g_str_has_prefix (cwd, dir)))
        g_string_append_printf (found, "%s (%s) ", entry, cmdline != NULL ? cmdline : "?");
    }
  return g_string_free (g_steal_pointer (&found), found->len == 0);
}

static gboolean
no_process_in_cb (gpointer data)
{
  g_autofree char *left = processes_in (data);

  return left == NULL;
}

/* Runs `make dev` in @project (the app called @name) and drives it as a
 * developer would: a C edit that does not build leaves the app alone, one
 * that does relaunches it and the page shows the change; with
 * @edit_page, an edit to the page (embedded in the program) relaunches it
 * too; Ctrl+C ends every process it started. */
static void
run_make_dev (const char *project,
              const char *name,
              gboolean    vite,
              gboolean    edit_page)
{
  g_autofree char *make = g_find_program_in_path ("make");
  g_autofree char *log = NULL;
  g_autofree char *backend = NULL;
  g_autofree char *source = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *text = NULL;
  g_autofree char *left = NULL;
  g_autofree char *ready = g_strdup_printf ("%s ready: call ok (Hello, page, from C!)", name);
  g_autofree char *howdy = g_strdup_printf ("%s ready: call ok (Howdy, page, from C!)", name);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) dev = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *env = NULL;
  GPid group;

  log = g_strdup_printf ("%s/dev-%s.log", tmp, name);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  env = build_env ();
  for (guint i = 0; env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  g_subprocess_launcher_set_cwd (launcher, project);
  /* A process group of its own, as a terminal gives a command: Ctrl+C is a
   * SIGINT to all of it. */
  g_subprocess_launcher_set_child_setup (launcher, new_process_group_cb, NULL, NULL);
  {
    const char * const argv[] = { make, "dev", "ARGS=--log-console", NULL };

    dev = g_subprocess_launcher_spawnv (launcher, argv, &error);
    g_assert_no_error (error);
  }
  group = atoi (g_subprocess_get_identifier (dev));

  if (vite)
    wait_for_log (log, "dev: vite on http://127.0.0.1:", 1);
  wait_for_log (log, ready, 1);

  backend = g_build_filename (project, "src", "backend.c", NULL);
  g_assert_true (g_file_get_contents (backend, &source, NULL, NULL));
  g_assert_nonnull (strstr (source, "\"Hello, %s, from C!\""));
  {
    g_auto(GStrv) parts = g_strsplit (source, "\"Hello, %s, from C!\"", 2);

    edited = g_strjoin ("\"Howdy, %s, from C!\"", parts[0], parts[1], NULL);
  }
  /* A C edit that does not build leaves the running app alone... */
  g_assert_true (g_file_set_contents (backend, "this is not C\n", -1, NULL));
  wait_for_log (log, "dev: the build failed: the app runs on as it was", 1);
  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  g_assert_cmpuint (count_in (text, "dev: app started (pid "), ==, 1);
  g_clear_pointer (&text, g_free);

  /* ...and one that does is rebuilt, relaunched, and the page shows it. */
  g_assert_true (g_file_set_contents (backend, edited, -1, NULL));
  wait_for_log (log, "dev: app started (pid ", 2);
  wait_for_log (log, howdy, 1);

  if (edit_page)
    {
      g_autofree char *app_js = g_build_filename (project, "web", "app.js", NULL);
      g_autofree char *page = NULL;
      g_autofree char *page_edited = NULL;
      g_autofree char *again = g_strdup_printf ("%s ready again: call ok (Howdy, page, from C!)",
                                                name);

      g_assert_true (g_file_get_contents (app_js, &page, NULL, NULL));
      g_assert_nonnull (strstr (page, " ready: call ok ("));
      {
        g_auto(GStrv) parts = g_strsplit (page, " ready: call ok (", 2);

        page_edited = g_strjoin (" ready again: call ok (", parts[0], parts[1], NULL);
      }
      g_assert_true (g_file_set_contents (app_js, page_edited, -1, NULL));
      wait_for_log (log, "dev: app started (pid ", 3);
      wait_for_log (log, again, 1);
    }

  /* Ctrl+C: make, the loop and the app all get SIGINT; all end. */
  g_assert_cmpint (kill (-group, SIGINT), ==, 0);
  test_communicate (dev, 60, "make dev to stop after Ctrl+C", NULL, NULL);
  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  g_test_message ("make dev said:\n%s", text);
  g_assert_nonnull (strstr (text, "dev: stopped"));
  test_poll_for (30, no_process_in_cb, (gpointer) project,
                 "every process of make dev (the watcher, the app, Vite and esbuild if any) "
                 "to end");
  left = processes_in (project);
  g_assert_null (left);
}

static void
test_dev (void)
{
  if (vite_project == NULL)
    {
      g_test_skip ("the Vite template was not built (see its case): nothing to run make dev on");
      return;
    }
  run_make_dev (vite_project, "sketch_pad", TRUE, FALSE);
}

/* The C template's make dev: no dev server, the page is in the program, so
 * an edit to it is a rebuild and a relaunch as a C edit is. */
static void
test_dev_vanilla (void)
{
  g_autofree char *inotifywait = g_find_program_in_path ("inotifywait");

  if (vanilla_project == NULL)
    {
      g_test_skip ("the C template was not built (see its case, /atrium/init/c-vanilla): "
                   "nothing to run make dev on");
      return;
    }
  if (inotifywait == NULL)
    {
      g_test_skip ("inotifywait is not installed (inotify-tools): the C template's make dev "
                   "needs it");
      return;
    }
  run_make_dev (vanilla_project, "notes", FALSE, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  npm_cache = test_npm_cache ();
  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("atrium-init-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  atexit (remove_tmp);

  g_test_add_func ("/atrium/init/bad-input", test_bad_input);
  g_test_add_func ("/atrium/init/failure-midway", test_failure_midway);
  g_test_add_func ("/atrium/init/empty-dir", test_empty_dir);
  g_test_add_func ("/atrium/init/c-vanilla", test_c_vanilla);
  g_test_add_func ("/atrium/init/c-vite-ts", test_c_vite_ts);
  g_test_add_func ("/atrium/init/dev", test_dev);
  g_test_add_func ("/atrium/init/dev-vanilla", test_dev_vanilla);
  g_test_add_func ("/atrium/init/debian", test_debian);

  return g_test_run ();
}

#include "config.h"

#include "atrium-mime-cache.h"
#include "test-util.h"

#include <stdlib.h>

/* Every built-in type, written out again here on purpose, apart from the
 * table in atrium-mime-cache.c: a typo there must fail here, not be
 * copied. */
static const struct {
  const char *extension;
  const char *mime_type;
} expected_types[] = {
  { "html",        "text/html; charset=utf-8" },
  { "htm",         "text/html; charset=utf-8" },
  { "js",          "text/javascript; charset=utf-8" },
  { "mjs",         "text/javascript; charset=utf-8" },
  { "cjs",         "text/javascript; charset=utf-8" },
  { "css",         "text/css; charset=utf-8" },
  { "json",        "application/json" },
  { "map",         "application/json" },
  { "webmanifest", "application/manifest+json" },
  { "svg",         "image/svg+xml" },
  { "png",         "image/png" },
  { "jpg",         "image/jpeg" },
  { "jpeg",        "image/jpeg" },
  { "gif",         "image/gif" },
  { "webp",        "image/webp" },
  { "avif",        "image/avif" },
  { "ico",         "image/vnd.microsoft.icon" },
  { "bmp",         "image/bmp" },
  { "woff",        "font/woff" },
  { "woff2",       "font/woff2" },
  { "ttf",         "font/ttf" },
  { "otf",         "font/otf" },
  { "wasm",        "application/wasm" },
  { "txt",         "text/plain; charset=utf-8" },
  { "xml",         "application/xml" },
  { "pdf",         "application/pdf" },
  { "mp3",         "audio/mpeg" },
  { "wav",         "audio/wav" },
  { "ogg",         "audio/ogg" },
  { "oga",         "audio/ogg" },
  { "ogv",         "video/ogg" },
  { "opus",        "audio/ogg" },
  { "flac",        "audio/flac" },
  { "m4a",         "audio/mp4" },
  { "mp4",         "video/mp4" },
  { "webm",        "video/webm" },
  { "csv",         "text/csv; charset=utf-8" },
  { "md",          "text/markdown; charset=utf-8" },
  { "zip",         "application/zip" },
};

static void
test_builtin (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (expected_types); i++)
    {
      g_autofree char *name = g_strconcat ("file.", expected_types[i].extension, NULL);
      const char *mime_type = atrium_mime_cache_lookup (cache, name);

      g_test_message ("%s", name);
      g_assert_cmpstr (mime_type, ==, expected_types[i].mime_type);
      /* Interned: the caller may keep it forever and compare by pointer. */
      g_assert_true (mime_type == g_intern_string (expected_types[i].mime_type));
    }

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_charset (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();

  /* The documented rule: every text/ type names UTF-8, nothing else does. */
  for (gsize i = 0; i < G_N_ELEMENTS (expected_types); i++)
    {
      g_autofree char *name = g_strconcat ("x.", expected_types[i].extension, NULL);
      const char *mime_type = atrium_mime_cache_lookup (cache, name);
      gboolean is_text = g_str_has_prefix (mime_type, "text/");

      g_assert_cmpint (is_text, ==, g_str_has_suffix (mime_type, "; charset=utf-8"));
    }

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_case_insensitive (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();

  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "INDEX.HTML"), ==, "text/html; charset=utf-8");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "assets/app.min.JS"), ==,
                   "text/javascript; charset=utf-8");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "Photo.JpEg"), ==, "image/jpeg");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "font.WOFF2"), ==, "font/woff2");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "site.WebManifest"), ==,
                   "application/manifest+json");

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_multiple_dots (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();

  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "app.min.js"), ==,
                   "text/javascript; charset=utf-8");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "app.js.map"), ==, "application/json");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "archive.tar.zip"), ==, "application/zip");
  /* Only the last extension counts, even when an earlier one is known. */
  g_assert_null (atrium_mime_cache_lookup (cache, "index.html.bak"));
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "a..css"), ==, "text/css; charset=utf-8");

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_no_extension (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();

  g_assert_null (atrium_mime_cache_lookup (cache, ""));
  g_assert_null (atrium_mime_cache_lookup (cache, "Makefile"));
  g_assert_null (atrium_mime_cache_lookup (cache, "dir/README"));
  g_assert_null (atrium_mime_cache_lookup (cache, "trailing."));
  g_assert_null (atrium_mime_cache_lookup (cache, "dir/"));
  g_assert_null (atrium_mime_cache_lookup (cache, "/"));
  /* A bare extension is a dotfile named after it, not a file of that type. */
  g_assert_null (atrium_mime_cache_lookup (cache, "html"));

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_dotfile (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();

  g_assert_null (atrium_mime_cache_lookup (cache, ".bashrc"));
  g_assert_null (atrium_mime_cache_lookup (cache, "home/.bashrc"));
  g_assert_null (atrium_mime_cache_lookup (cache, ".html"));
  g_assert_null (atrium_mime_cache_lookup (cache, "dir/.css"));
  g_assert_null (atrium_mime_cache_lookup (cache, "..css"));
  g_assert_null (atrium_mime_cache_lookup (cache, "."));
  g_assert_null (atrium_mime_cache_lookup (cache, ".."));
  /* A hidden file can still have an extension after its name. */
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, ".eslintrc.json"), ==, "application/json");

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_directory_dots (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();

  g_assert_null (atrium_mime_cache_lookup (cache, "a.b/c"));
  g_assert_null (atrium_mime_cache_lookup (cache, "static.css/file"));
  g_assert_null (atrium_mime_cache_lookup (cache, "/v1.2/x.y.z/README"));
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "a.b/c.css"), ==, "text/css; charset=utf-8");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "/v1.2/logo.png"), ==, "image/png");

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_unknown (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();

  g_assert_null (atrium_mime_cache_lookup (cache, "file.unknown"));
  g_assert_null (atrium_mime_cache_lookup (cache, "file.htmlx"));
  g_assert_null (atrium_mime_cache_lookup (cache, "file.ht"));
  g_assert_null (atrium_mime_cache_lookup (cache, "file.ĥtml"));
  /* Longer than any extension the cache keeps: refused before lowercasing. */
  g_assert_null (atrium_mime_cache_lookup (cache, "file.abcdefghijklmnopq"));
  g_assert_null (atrium_mime_cache_lookup (cache, "file.html                         "));

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_override (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();
  const char *before;

  before = atrium_mime_cache_lookup (cache, "x.png");
  g_assert_cmpstr (before, ==, "image/png");

  atrium_mime_cache_set (cache, "png", "image/x-test-png");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "x.png"), ==, "image/x-test-png");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "X.PNG"), ==, "image/x-test-png");
  /* What a caller got before the override is still a valid string. */
  g_assert_cmpstr (before, ==, "image/png");

  /* With a dot, in upper case: the same key. */
  atrium_mime_cache_set (cache, ".PNG", "image/png");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "x.png"), ==, "image/png");

  /* The default cache is a different instance and keeps its own table. */
  atrium_mime_cache_set (cache, "css", "text/x-test");
  g_assert_cmpstr (atrium_mime_cache_lookup (atrium_mime_cache_get_default (), "a.css"), ==,
                   "text/css; charset=utf-8");

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_add (void)
{
  g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();
  g_autofree char *mime_type = g_strdup ("model/gltf+json");

  g_assert_null (atrium_mime_cache_lookup (cache, "scene.gltf"));
  atrium_mime_cache_set (cache, ".GlTf", mime_type);
  /* The cache must not keep the caller's buffer. */
  mime_type[0] = 'X';
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "scene.gltf"), ==, "model/gltf+json");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "models/SCENE.GLTF"), ==, "model/gltf+json");

  /* The longest extension set() accepts is also the longest lookup() finds. */
  atrium_mime_cache_set (cache, "abcdefghijklmnop", "application/x-sixteen");
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "a.ABCDEFGHIJKLMNOP"), ==,
                   "application/x-sixteen");

  g_assert_finalize_object (g_steal_pointer (&cache));
}

static void
test_set_invalid (void)
{
  /* Each of these could be stored but never found, so it is a programming
   * error, reported as a critical (fatal under the test framework). */
  static const char *const bad[] = { "", ".", "tar.gz", "a/b", "abcdefghijklmnopq" };

  if (g_test_subprocess ())
    {
      g_autoptr(AtriumMimeCache) cache = atrium_mime_cache_new ();
      int which = atoi (g_getenv ("ATRIUM_TEST_BAD_EXTENSION"));

      atrium_mime_cache_set (cache, bad[which], "text/plain");
      return;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *index = g_strdup_printf ("%" G_GSIZE_FORMAT, i);

      g_setenv ("ATRIUM_TEST_BAD_EXTENSION", index, TRUE);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_failed ();
      g_test_trap_assert_stderr ("*CRITICAL*atrium_mime_cache_set*");
    }
  g_unsetenv ("ATRIUM_TEST_BAD_EXTENSION");
}

static void
test_default (void)
{
  AtriumMimeCache *cache = atrium_mime_cache_get_default ();

  g_assert_true (ATRIUM_IS_MIME_CACHE (cache));
  g_assert_true (atrium_mime_cache_get_default () == cache);
  g_assert_cmpstr (atrium_mime_cache_lookup (cache, "index.html"), ==, "text/html; charset=utf-8");
}

/* Concurrency: readers look up built-in types and the entries a writer keeps
 * adding and flipping. A reader must only ever see NULL (not added yet) or one
 * of the values written, never a torn or freed string, and the built-ins must
 * stay put while the table grows and rehashes under them. */

#define N_READERS 4
#define N_WRITES  2000
/* Types are interned for good, and GLib never frees a grown quark table:
 * a few distinct values keep valgrind's view of the test clean. */
#define N_TYPES   16

typedef struct {
  AtriumMimeCache *cache;
  gint             done;
  gint             readers_started;
} Race;

static gboolean
readers_started (gpointer data)
{
  return g_atomic_int_get (&((Race *) data)->readers_started) == N_READERS;
}

static gpointer
reader_thread (gpointer data)
{
  Race *race = data;
  const char *flip_a = g_intern_static_string ("application/x-flip-a");
  const char *flip_b = g_intern_static_string ("application/x-flip-b");
  const char *html = g_intern_static_string ("text/html; charset=utf-8");
  guint rounds = 0;

  g_atomic_int_inc (&race->readers_started);

  /* At least a few rounds even if the writer is already done. */
  while (!g_atomic_int_get (&race->done) || rounds < 100)
    {
      char name[32];
      const char *mime_type;

      g_assert_true (atrium_mime_cache_lookup (race->cache, "index.html") == html);

      mime_type = atrium_mime_cache_lookup (race->cache, "x.flip");
      g_assert_true (mime_type == NULL || mime_type == flip_a || mime_type == flip_b);

      g_snprintf (name, sizeof name, "f.e%u", rounds % N_WRITES);
      mime_type = atrium_mime_cache_lookup (race->cache, name);
      if (mime_type != NULL)
        {
          g_autofree char *expected = g_strdup_printf ("application/x-e%u",
                                                       rounds % N_WRITES % N_TYPES);

          g_assert_cmpstr (mime_type, ==, expected);
        }

      rounds++;
    }

  return GUINT_TO_POINTER (rounds);
}

static gpointer
writer_thread (gpointer data)
{
  Race *race = data;

  /* Start writing only once readers are running, so the two overlap. */
  test_poll_for (TEST_WAIT_SECONDS, readers_started, race, "the readers to start");

  for (guint i = 0; i < N_WRITES; i++)
    {
      char extension[16];
      char mime_type[32];

      g_snprintf (extension, sizeof extension, "e%u", i);
      g_snprintf (mime_type, sizeof mime_type, "application/x-e%u", i % N_TYPES);
      atrium_mime_cache_set (race->cache, extension, mime_type);
      atrium_mime_cache_set (race->cache, "flip",
                             i % 2 ? "application/x-flip-a" : "application/x-flip-b");
    }

  g_atomic_int_set (&race->done, TRUE);
  return NULL;
}

static void
test_concurrent (void)
{
  Race race = { atrium_mime_cache_new (), FALSE, 0 };
  TestThread *readers[N_READERS];
  TestThread *writer;

  for (guint i = 0; i < N_READERS; i++)
    readers[i] = test_thread_new ("mime-reader", reader_thread, &race);
  writer = test_thread_new ("mime-writer", writer_thread, &race);

  test_thread_join (writer, TEST_WAIT_SECONDS, "the writer's 4,000 writes");
  for (guint i = 0; i < N_READERS; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (test_thread_join (readers[i], TEST_WAIT_SECONDS,
                                                          "a reader to see the writer done")),
                      >=, 100);

  /* Every write landed. */
  g_assert_cmpstr (atrium_mime_cache_lookup (race.cache, "x.e0"), ==, "application/x-e0");
  g_assert_cmpstr (atrium_mime_cache_lookup (race.cache, "x.E1999"), ==, "application/x-e15");
  g_assert_cmpstr (atrium_mime_cache_lookup (race.cache, "x.flip"), ==, "application/x-flip-a");

  g_assert_finalize_object (race.cache);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/mime/builtin", test_builtin);
  g_test_add_func ("/atrium/mime/charset", test_charset);
  g_test_add_func ("/atrium/mime/case-insensitive", test_case_insensitive);
  g_test_add_func ("/atrium/mime/multiple-dots", test_multiple_dots);
  g_test_add_func ("/atrium/mime/no-extension", test_no_extension);
  g_test_add_func ("/atrium/mime/dotfile", test_dotfile);
  g_test_add_func ("/atrium/mime/directory-dots", test_directory_dots);
  g_test_add_func ("/atrium/mime/unknown", test_unknown);
  g_test_add_func ("/atrium/mime/override", test_override);
  g_test_add_func ("/atrium/mime/add", test_add);
  g_test_add_func ("/atrium/mime/set-invalid", test_set_invalid);
  g_test_add_func ("/atrium/mime/default", test_default);
  g_test_add_func ("/atrium/mime/concurrent", test_concurrent);

  return g_test_run ();
}

#include "config.h"

#include "atrium-assets-private.h"
#include "test-util.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* The resource cases need tests/test-assets.gresource.xml compiled into this
 * executable; its constructor registers it under /dev/atrium/Test/web. */
#define TEST_RESOURCE "/dev/atrium/Test/web"

#define SECRET "TOP SECRET, never to be served\n"
#define FILE_TEXT "hello, file\n"
#define INDEX_TEXT "<!DOCTYPE html><title>root index</title>\n"
#define SUB_INDEX_TEXT "<!DOCTYPE html><title>sub index</title>\n"

#define HTML_TYPE "text/html; charset=utf-8"
#define TEXT_TYPE "text/plain; charset=utf-8"
#define JS_TYPE "text/javascript; charset=utf-8"

/* Reading */

static GBytes *
read_all (GInputStream *stream)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint8 buffer[4096];
  gssize n;

  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, &error)) > 0)
    g_byte_array_append (bytes, buffer, n);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);

  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/* The check_ functions are quiet, for use from threads; the assert_ ones
 * first say which path is being checked, so a failure can be placed. */
static void
check_serves (AtriumAssets *assets,
              const char   *uri_path,
              const char   *expected_text,
              gssize        expected_length,
              const char   *expected_type)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_type = NULL;
  goffset size = -2;

  if (expected_length < 0)
    expected_length = strlen (expected_text);

  stream = atrium_assets_open (assets, uri_path, &size, &content_type, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stream);
  g_assert_cmpint (size, ==, expected_length);
  g_assert_cmpstr (content_type, ==, expected_type);

  bytes = read_all (stream);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected_text, expected_length);
}

static void
check_refuses (AtriumAssets *assets,
               const char   *uri_path,
               GIOErrorEnum  expected_code)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_type = "unchanged";
  goffset size = -2;

  stream = atrium_assets_open (assets, uri_path, &size, &content_type, &error);
  g_assert_error (error, G_IO_ERROR, (int) expected_code);
  g_assert_null (stream);
  /* Failure leaves the out parameters alone. */
  g_assert_cmpint (size, ==, -2);
  g_assert_cmpstr (content_type, ==, "unchanged");

  /* The message reaches the page: short, valid UTF-8, and silent about what
   * a refused path holds. */
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_cmpuint (strlen (error->message), <, 300);
  g_assert_null (strstr (error->message, "SECRET"));
}

static void
assert_serves (AtriumAssets *assets,
               const char   *uri_path,
               const char   *expected_text,
               gssize        expected_length,
               const char   *expected_type)
{
  g_autofree char *shown = g_strescape (uri_path, NULL);

  g_test_message ("serves \"%s\"", shown);
  check_serves (assets, uri_path, expected_text, expected_length, expected_type);
}

static void
assert_refuses (AtriumAssets *assets,
                const char   *uri_path,
                GIOErrorEnum  expected_code)
{
  g_autofree char *shown = g_strescape (uri_path, NULL);

  g_test_message ("refuses \"%s\"", shown);
  check_refuses (assets, uri_path, expected_code);
}

/* Normalisation */

typedef struct {
  const char *input;
  const char *output;  /* NULL when it must fail */
  GIOErrorEnum code;
} NormalizeCase;

static const NormalizeCase normalize_cases[] = {
  { "",                      "index.html" },
  { "/",                     "index.html" },
  { "/index.html",           "index.html" },
  { "/a/b/",                 "a/b/index.html" },
  { "//a///b",               "a/b" },
  { "/./a/./b",              "a/b" },
  { "/a/.",                  "a/index.html" },
  { "/.",                    "index.html" },
  { "/%2e",                  "index.html" },
  { "/%2f",                  "index.html" },
  { "/a%2fb",                "a/b" },
  { "/a/b//",                "a/b/index.html" },
  { "/css/app.css",          "css/app.css" },
  { "/x?y=1",                "x" },
  { "/x#top",                "x" },
  { "/x#a?b",                "x" },
  { "/?q",                   "index.html" },
  { "/%3F",                  "?" },
  { "/a%20b+c",              "a b+c" },
  { "/caf%C3%A9.txt",        "café.txt" },
  { "/caf%c3%a9.txt",        "café.txt" },
  { "/café.txt",             "café.txt" },
  { "/...",                  "..." },
  { "/..a/b..",              "..a/b.." },
  { "/a/../b",               NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/..",                   NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/../",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "..",                    NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%2e%2e/x",             NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%2E%2E/x",             NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/.%2e/x",               NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%2e./x",               NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/a/%2e%2e/%2e%2e/x",    NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/..%2fx",               NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/x%2f..",               NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/..%5cx",               NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/a\\b",                 NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%5c",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%00",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/a%00b",                NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/a%00.html",            NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%01",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/a%0a",                 NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/a\tb",                 NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%1f",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%7f",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%ff",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/\xff",                 NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%c0%af",               NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%c3",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%ed%a0%80",            NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%zz",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%4",                   NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%4?x",                 NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%",                    NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%%41",                 NULL, G_IO_ERROR_INVALID_ARGUMENT },
  { "/%g1",                  NULL, G_IO_ERROR_INVALID_ARGUMENT },
};

static void
test_normalize (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (normalize_cases); i++)
    {
      const NormalizeCase *c = &normalize_cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *output = NULL;
      g_autofree char *shown = g_strescape (c->input, NULL);

      g_test_message ("\"%s\"", shown);
      output = _atrium_assets_normalize_path (c->input, &error);
      if (c->output != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (output, ==, c->output);
        }
      else
        {
          g_assert_error (error, G_IO_ERROR, (int) c->code);
          g_assert_null (output);
        }
    }
}

static void
test_normalize_invariants (void)
{
  /* Whatever comes out is relative and free of "..", for every case. */
  for (gsize i = 0; i < G_N_ELEMENTS (normalize_cases); i++)
    {
      g_autofree char *output = _atrium_assets_normalize_path (normalize_cases[i].input, NULL);
      g_auto(GStrv) segments = NULL;

      if (output == NULL)
        continue;
      g_assert_false (output[0] == '/');
      g_assert_true (g_utf8_validate (output, -1, NULL));
      segments = g_strsplit (output, "/", -1);
      for (guint j = 0; segments[j] != NULL; j++)
        {
          g_assert_cmpstr (segments[j], !=, "..");
          g_assert_cmpstr (segments[j], !=, ".");
          g_assert_cmpstr (segments[j], !=, "");
        }
    }
}

static void
test_normalize_length (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *longest = NULL;
  g_autofree char *overlong = NULL;
  g_autofree char *encoded = NULL;
  GString *builder;

  /* "/" and 4095 bytes: exactly ATRIUM_ASSETS_MAX_PATH decoded bytes. */
  longest = g_strnfill (ATRIUM_ASSETS_MAX_PATH, 'a');
  longest[0] = '/';
  output = _atrium_assets_normalize_path (longest, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (output), ==, ATRIUM_ASSETS_MAX_PATH - 1);
  g_clear_pointer (&output, g_free);

  overlong = g_strnfill (5000, 'a');
  overlong[0] = '/';
  output = _atrium_assets_normalize_path (overlong, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (output);
  /* The message names the path, but not all 5000 bytes of it. */
  g_assert_true (strstr (error->message, "/aaaa") != NULL);
  g_assert_cmpuint (strlen (error->message), <, 200);
  g_clear_error (&error);

  /* The limit is on the decoded length: 4097 bytes spelled as escapes. */
  builder = g_string_new ("/");
  for (guint i = 0; i < ATRIUM_ASSETS_MAX_PATH; i++)
    g_string_append (builder, "%61");
  encoded = g_string_free (builder, FALSE);
  output = _atrium_assets_normalize_path (encoded, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (output);
}

static void
test_normalize_messages (void)
{
  static const char *const inputs[] = {
    "/%ff", "/\xff\xfe", "/a%00b", "/a\nb\x1b[31m", "/%2e%2e/etc/passwd", "/%zz",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *output = _atrium_assets_normalize_path (inputs[i], &error);

      g_assert_null (output);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      for (const char *p = error->message; *p != '\0'; p++)
        g_assert_cmpint ((guchar) *p, >=, 0x20);
    }

  /* The raw path is what gets named, so the developer sees what was sent. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *output = _atrium_assets_normalize_path ("/%2e%2e/etc/passwd", &error);

    g_assert_nonnull (strstr (error->message, "/%2e%2e/etc/passwd"));
  }
}

/* Directory source */

typedef struct {
  char         *base;
  char         *root;
  char         *outside;
  AtriumAssets *assets;
} DirFixture;

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
make_dir (const char *dir,
          const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_no_errno (g_mkdir (path, 0755));
}

/* Creates @name in the root as a symlink to @target, or skips the test when
 * the file system will not have one. */
static gboolean
make_symlink (DirFixture *fixture,
              const char *target,
              const char *name)
{
  g_autofree char *path = g_build_filename (fixture->root, name, NULL);

  if (symlink (target, path) < 0)
    {
      g_autofree char *reason = g_strdup_printf ("cannot create symlinks here: %s",
                                                 g_strerror (errno));

      g_test_skip (reason);
      return FALSE;
    }
  return TRUE;
}

static void
dir_setup (DirFixture    *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->base = g_dir_make_tmp ("atrium-assets-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->root = g_build_filename (fixture->base, "root", NULL);
  fixture->outside = g_build_filename (fixture->base, "outside", NULL);

  g_assert_no_errno (g_mkdir (fixture->root, 0755));
  g_assert_no_errno (g_mkdir (fixture->outside, 0755));
  write_file (fixture->outside, "secret.txt", SECRET);
  write_file (fixture->outside, "index.html", SECRET);

  write_file (fixture->root, "index.html", INDEX_TEXT);
  write_file (fixture->root, "file.txt", FILE_TEXT);
  write_file (fixture->root, "café.txt", FILE_TEXT);
  write_file (fixture->root, "data.bin", "\x01\x02\x03");
  write_file (fixture->root, "empty.css", "");
  make_dir (fixture->root, "sub");
  write_file (fixture->root, "sub/index.html", SUB_INDEX_TEXT);
  write_file (fixture->root, "sub/app.js", "export {};\n");
  make_dir (fixture->root, "empty");

  fixture->assets = atrium_assets_new_for_directory (fixture->root, &error);
  g_assert_no_error (error);
  g_assert_true (ATRIUM_IS_ASSETS (fixture->assets));
}

/* Removes @path and everything below it, without following symlinks:
 * lstat() sees a link to a directory as the link it is. */
static void
remove_tree (const char *path)
{
  GStatBuf st;

  g_assert_no_errno (g_lstat (path, &st));
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      g_assert_nonnull (dir);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_assert_no_errno (g_rmdir (path));
    }
  else
    {
      g_assert_no_errno (g_unlink (path));
    }
}

static void
dir_teardown (DirFixture    *fixture,
              gconstpointer  data)
{
  /* The source holds its root open; nothing else may hold the source. */
  g_assert_finalize_object (g_steal_pointer (&fixture->assets));

  remove_tree (fixture->base);
  g_assert_false (g_file_test (fixture->base, G_FILE_TEST_EXISTS));

  g_free (fixture->base);
  g_free (fixture->root);
  g_free (fixture->outside);
}

static void
test_dir_file (DirFixture    *fixture,
               gconstpointer  data)
{
  assert_serves (fixture->assets, "/file.txt", FILE_TEXT, -1, TEXT_TYPE);
  assert_serves (fixture->assets, "/sub/app.js", "export {};\n", -1, JS_TYPE);
  assert_serves (fixture->assets, "//sub/./app.js", "export {};\n", -1, JS_TYPE);
  assert_serves (fixture->assets, "/sub%2fapp.js", "export {};\n", -1, JS_TYPE);
  assert_serves (fixture->assets, "/caf%C3%A9.txt", FILE_TEXT, -1, TEXT_TYPE);
  assert_serves (fixture->assets, "/file.txt?v=3#x", FILE_TEXT, -1, TEXT_TYPE);
  assert_serves (fixture->assets, "/empty.css", "", 0, "text/css; charset=utf-8");
  assert_serves (fixture->assets, "/data.bin", "\x01\x02\x03", 3, "application/octet-stream");
}

static void
test_dir_optional_out (DirFixture    *fixture,
                       gconstpointer  data)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  stream = atrium_assets_open (fixture->assets, "/file.txt", NULL, NULL, &error);
  g_assert_no_error (error);
  bytes = read_all (stream);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   FILE_TEXT, strlen (FILE_TEXT));
}

static void
test_dir_big_file (DirFixture    *fixture,
                   gconstpointer  data)
{
  g_autofree char *contents = g_malloc (300 * 1024);

  for (gsize i = 0; i < 300 * 1024; i++)
    contents[i] = 'a' + i % 26;
  {
    g_autofree char *path = g_build_filename (fixture->root, "big.wasm", NULL);
    g_autoptr(GError) error = NULL;

    g_file_set_contents (path, contents, 300 * 1024, &error);
    g_assert_no_error (error);
  }

  assert_serves (fixture->assets, "/big.wasm", contents, 300 * 1024, "application/wasm");
}

static void
test_dir_seek (DirFixture    *fixture,
               gconstpointer  data)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GBytes) rest = NULL;
  g_autoptr(GError) error = NULL;

  /* A Range request must not have to read up to its start. */
  stream = atrium_assets_open (fixture->assets, "/file.txt", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_SEEKABLE (stream));
  g_assert_true (g_seekable_can_seek (G_SEEKABLE (stream)));
  g_assert_false (g_seekable_can_truncate (G_SEEKABLE (stream)));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 0);

  g_assert_true (g_seekable_seek (G_SEEKABLE (stream), 7, G_SEEK_SET, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 7);
  rest = read_all (stream);
  g_assert_cmpmem (g_bytes_get_data (rest, NULL), g_bytes_get_size (rest), "file\n", 5);

  g_assert_false (g_seekable_truncate (G_SEEKABLE (stream), 0, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

static void
test_dir_missing (DirFixture    *fixture,
                  gconstpointer  data)
{
  assert_refuses (fixture->assets, "/missing.txt", G_IO_ERROR_NOT_FOUND);
  assert_refuses (fixture->assets, "/missing/file.txt", G_IO_ERROR_NOT_FOUND);
  assert_refuses (fixture->assets, "/sub/missing.js", G_IO_ERROR_NOT_FOUND);
  /* A file used as a directory. */
  assert_refuses (fixture->assets, "/file.txt/x", G_IO_ERROR_NOT_FOUND);
  assert_refuses (fixture->assets, "/file.txt/", G_IO_ERROR_NOT_FOUND);
  /* Case matters on disk. */
  assert_refuses (fixture->assets, "/FILE.TXT", G_IO_ERROR_NOT_FOUND);
}

static void
test_dir_missing_message (DirFixture    *fixture,
                          gconstpointer  data)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = atrium_assets_open (fixture->assets, "/caf%C3%A9/x.txt", NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "/café/x.txt"));
  /* The page must not learn where the files live on disk. */
  g_assert_null (strstr (error->message, fixture->base));
}

static void
test_dir_index (DirFixture    *fixture,
                gconstpointer  data)
{
  assert_serves (fixture->assets, "/", INDEX_TEXT, -1, HTML_TYPE);
  assert_serves (fixture->assets, "", INDEX_TEXT, -1, HTML_TYPE);
  assert_serves (fixture->assets, "/index.html", INDEX_TEXT, -1, HTML_TYPE);
  assert_serves (fixture->assets, "/sub", SUB_INDEX_TEXT, -1, HTML_TYPE);
  assert_serves (fixture->assets, "/sub/", SUB_INDEX_TEXT, -1, HTML_TYPE);
  assert_serves (fixture->assets, "/sub/.", SUB_INDEX_TEXT, -1, HTML_TYPE);
  assert_refuses (fixture->assets, "/empty", G_IO_ERROR_NOT_FOUND);
  assert_refuses (fixture->assets, "/empty/", G_IO_ERROR_NOT_FOUND);
}

static void
test_dir_index_is_directory (DirFixture    *fixture,
                             gconstpointer  data)
{
  make_dir (fixture->root, "empty/index.html");
  assert_refuses (fixture->assets, "/empty", G_IO_ERROR_NOT_FOUND);
  assert_refuses (fixture->assets, "/empty/", G_IO_ERROR_NOT_FOUND);
}

static void
test_dir_no_root_index (DirFixture    *fixture,
                        gconstpointer  data)
{
  g_autofree char *index = g_build_filename (fixture->root, "index.html", NULL);

  g_assert_no_errno (g_unlink (index));
  assert_refuses (fixture->assets, "/", G_IO_ERROR_NOT_FOUND);
}

static void
test_dir_traversal (DirFixture    *fixture,
                    gconstpointer  data)
{
  assert_refuses (fixture->assets, "/../outside/secret.txt", G_IO_ERROR_INVALID_ARGUMENT);
  assert_refuses (fixture->assets, "/%2e%2e/outside/secret.txt", G_IO_ERROR_INVALID_ARGUMENT);
  assert_refuses (fixture->assets, "/sub/%2E%2E/%2e%2e/outside/secret.txt",
                  G_IO_ERROR_INVALID_ARGUMENT);
  assert_refuses (fixture->assets, "/..%2foutside%2fsecret.txt", G_IO_ERROR_INVALID_ARGUMENT);
  assert_refuses (fixture->assets, "/..%5coutside%5csecret.txt", G_IO_ERROR_INVALID_ARGUMENT);
  assert_refuses (fixture->assets, "/file.txt%00.html", G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_dir_absolute_path (DirFixture    *fixture,
                        gconstpointer  data)
{
  g_autofree char *secret = g_build_filename (fixture->outside, "secret.txt", NULL);
  g_autofree char *doubled = g_strconcat ("/", secret, NULL);

  /* An absolute path in the request is still relative to the root. */
  assert_refuses (fixture->assets, secret, G_IO_ERROR_NOT_FOUND);
  assert_refuses (fixture->assets, doubled, G_IO_ERROR_NOT_FOUND);
}

static void
test_dir_symlink_file_outside (DirFixture    *fixture,
                               gconstpointer  data)
{
  g_autofree char *absolute = g_build_filename (fixture->outside, "secret.txt", NULL);

  if (!make_symlink (fixture, "../outside/secret.txt", "link") ||
      !make_symlink (fixture, absolute, "absolute-link.txt") ||
      !make_symlink (fixture, "../outside/secret.txt", "sub/deep-link.txt"))
    return;

  assert_refuses (fixture->assets, "/link", G_IO_ERROR_PERMISSION_DENIED);
  assert_refuses (fixture->assets, "/absolute-link.txt", G_IO_ERROR_PERMISSION_DENIED);
  assert_refuses (fixture->assets, "/sub/deep-link.txt", G_IO_ERROR_NOT_FOUND);

  /* The relative link in sub/ points at root/outside, which does not exist;
   * point it one level further up so it escapes too. */
  {
    g_autofree char *path = g_build_filename (fixture->root, "sub", "deep-link.txt", NULL);

    g_assert_no_errno (g_unlink (path));
    g_assert_no_errno (symlink ("../../outside/secret.txt", path));
  }
  assert_refuses (fixture->assets, "/sub/deep-link.txt", G_IO_ERROR_PERMISSION_DENIED);
}

static void
test_dir_symlink_dir_outside (DirFixture    *fixture,
                              gconstpointer  data)
{
  if (!make_symlink (fixture, "../outside", "outdir") ||
      !make_symlink (fixture, "/", "slash"))
    return;

  assert_refuses (fixture->assets, "/outdir/secret.txt", G_IO_ERROR_PERMISSION_DENIED);
  /* The directory itself, and the index.html it would be served as. */
  assert_refuses (fixture->assets, "/outdir", G_IO_ERROR_PERMISSION_DENIED);
  assert_refuses (fixture->assets, "/outdir/", G_IO_ERROR_PERMISSION_DENIED);
  assert_refuses (fixture->assets, "/outdir/missing", G_IO_ERROR_NOT_FOUND);
  assert_refuses (fixture->assets, "/slash/etc/passwd", G_IO_ERROR_PERMISSION_DENIED);
}

static void
test_dir_symlink_sibling_prefix (DirFixture    *fixture,
                                 gconstpointer  data)
{
  /* ".../root-evil" starts with ".../root" but is not inside it. */
  g_autofree char *evil = g_build_filename (fixture->base, "root-evil", NULL);

  g_assert_no_errno (g_mkdir (evil, 0755));
  write_file (evil, "secret.txt", SECRET);
  if (!make_symlink (fixture, "../root-evil/secret.txt", "evil.txt"))
    return;

  assert_refuses (fixture->assets, "/evil.txt", G_IO_ERROR_PERMISSION_DENIED);
}

static void
test_dir_symlink_inside (DirFixture    *fixture,
                         gconstpointer  data)
{
  g_autofree char *absolute = g_build_filename (fixture->root, "file.txt", NULL);

  if (!make_symlink (fixture, "file.txt", "alias.txt") ||
      !make_symlink (fixture, absolute, "absolute-alias.txt") ||
      !make_symlink (fixture, "sub", "subalias") ||
      !make_symlink (fixture, "../file.txt", "sub/up.txt") ||
      !make_symlink (fixture, ".", "self"))
    return;

  assert_serves (fixture->assets, "/alias.txt", FILE_TEXT, -1, TEXT_TYPE);
  assert_serves (fixture->assets, "/absolute-alias.txt", FILE_TEXT, -1, TEXT_TYPE);
  assert_serves (fixture->assets, "/subalias/app.js", "export {};\n", -1, JS_TYPE);
  assert_serves (fixture->assets, "/subalias", SUB_INDEX_TEXT, -1, HTML_TYPE);
  assert_serves (fixture->assets, "/sub/up.txt", FILE_TEXT, -1, TEXT_TYPE);
  assert_serves (fixture->assets, "/self/self/file.txt", FILE_TEXT, -1, TEXT_TYPE);
  assert_serves (fixture->assets, "/self", INDEX_TEXT, -1, HTML_TYPE);
}

static void
test_dir_symlink_index (DirFixture    *fixture,
                        gconstpointer  data)
{
  /* The directory's index.html may itself be a link, within the root. */
  make_dir (fixture->root, "docs");
  if (!make_symlink (fixture, "../sub/index.html", "docs/index.html"))
    return;
  assert_serves (fixture->assets, "/docs", SUB_INDEX_TEXT, -1, HTML_TYPE);

  make_dir (fixture->root, "leaky");
  if (!make_symlink (fixture, "../../outside/index.html", "leaky/index.html"))
    return;
  assert_refuses (fixture->assets, "/leaky/", G_IO_ERROR_PERMISSION_DENIED);
}

static void
test_dir_symlink_broken (DirFixture    *fixture,
                         gconstpointer  data)
{
  if (!make_symlink (fixture, "nowhere.txt", "dangling.txt") ||
      !make_symlink (fixture, "loop-b", "loop-a") ||
      !make_symlink (fixture, "loop-a", "loop-b"))
    return;

  assert_refuses (fixture->assets, "/dangling.txt", G_IO_ERROR_NOT_FOUND);
  assert_refuses (fixture->assets, "/loop-a", G_IO_ERROR_NOT_FOUND);
  assert_refuses (fixture->assets, "/loop-a/x", G_IO_ERROR_NOT_FOUND);
}

static void
test_dir_fifo (DirFixture    *fixture,
               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->root, "pipe.txt", NULL);

  if (mkfifo (path, 0644) < 0)
    {
      g_autofree char *reason = g_strdup_printf ("cannot create a FIFO here: %s",
                                                 g_strerror (errno));

      g_test_skip (reason);
      return;
    }

  /* Must answer at once, not wait for a writer that never comes, and not
   * serve it. A child process with a deadline turns a hang into a failure. */
  if (g_test_subprocess ())
    {
      assert_refuses (fixture->assets, "/pipe.txt", G_IO_ERROR_NOT_FOUND);
      return;
    }
  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_dir_unreadable (DirFixture    *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->root, "file.txt", NULL);

  g_assert_no_errno (g_chmod (path, 0));
  if (access (path, R_OK) == 0)
    {
      g_test_skip ("permissions do not apply to this user (root?)");
      return;
    }
  assert_refuses (fixture->assets, "/file.txt", G_IO_ERROR_PERMISSION_DENIED);
}

static void
test_dir_renamed_root (DirFixture    *fixture,
                       gconstpointer  data)
{
  g_autofree char *moved = g_build_filename (fixture->base, "moved", NULL);

  /* The root is held open: a directory later put where it used to be is
   * not served, and the moved one no longer resolves by its old name. */
  g_assert_no_errno (g_rename (fixture->root, moved));
  g_assert_no_errno (g_rename (fixture->outside, fixture->root));
  assert_refuses (fixture->assets, "/secret.txt", G_IO_ERROR_NOT_FOUND);

  g_assert_no_errno (g_rename (fixture->root, fixture->outside));
  g_assert_no_errno (g_rename (moved, fixture->root));
  assert_serves (fixture->assets, "/file.txt", FILE_TEXT, -1, TEXT_TYPE);
}

#define N_THREADS 4
#define N_OPENS   200

static gpointer
open_thread (gpointer data)
{
  AtriumAssets *assets = data;

  for (guint i = 0; i < N_OPENS; i++)
    {
      check_serves (assets, i % 2 ? "/file.txt" : "/sub/", i % 2 ? FILE_TEXT : SUB_INDEX_TEXT,
                    -1, i % 2 ? TEXT_TYPE : HTML_TYPE);
      check_refuses (assets, "/missing", G_IO_ERROR_NOT_FOUND);
    }
  return NULL;
}

static void
test_dir_threads (DirFixture    *fixture,
                  gconstpointer  data)
{
  TestThread *threads[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = test_thread_new ("assets-open", open_thread, fixture->assets);
  for (guint i = 0; i < N_THREADS; i++)
    test_thread_join (threads[i], TEST_WAIT_SECONDS, "a thread's opens of the directory's files");

  /* Nothing leaked a descriptor: the source still opens files. */
  assert_serves (fixture->assets, "/file.txt", FILE_TEXT, -1, TEXT_TYPE);
}

static void
test_new_for_directory_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = g_dir_make_tmp ("atrium-assets-XXXXXX", &error);
  g_autofree char *missing = g_build_filename (base, "missing", NULL);
  g_autofree char *file = g_build_filename (base, "file.txt", NULL);
  g_autofree char *below_file = g_build_filename (file, "x", NULL);
  AtriumAssets *assets;

  g_assert_no_error (error);
  write_file (base, "file.txt", FILE_TEXT);

  assets = atrium_assets_new_for_directory (missing, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (assets);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  assets = atrium_assets_new_for_directory (file, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_null (assets);
  g_assert_nonnull (strstr (error->message, file));
  g_clear_error (&error);

  assets = atrium_assets_new_for_directory (below_file, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_null (assets);
  g_clear_error (&error);

  /* A relative path and a trailing slash both name the directory. */
  {
    g_autofree char *cwd = g_get_current_dir ();
    g_autofree char *with_slash = g_strconcat (base, "/", NULL);

    assets = atrium_assets_new_for_directory (with_slash, &error);
    g_assert_no_error (error);
    assert_serves (assets, "/file.txt", FILE_TEXT, -1, TEXT_TYPE);
    g_assert_finalize_object (assets);

    g_assert_no_errno (g_chdir (base));
    assets = atrium_assets_new_for_directory (".", &error);
    g_assert_no_errno (g_chdir (cwd));
    g_assert_no_error (error);
    assert_serves (assets, "/file.txt", FILE_TEXT, -1, TEXT_TYPE);
    g_assert_finalize_object (assets);
  }

  g_assert_no_errno (g_unlink (file));
  g_assert_no_errno (g_rmdir (base));
}

/* Resource source */

static void
test_resource (void)
{
  g_autoptr(GBytes) index = NULL;
  g_autoptr(GBytes) app = NULL;
  AtriumAssets *assets;

  index = g_resources_lookup_data (TEST_RESOURCE "/index.html", 0, NULL);
  app = g_resources_lookup_data (TEST_RESOURCE "/app.js", 0, NULL);
  if (index == NULL || app == NULL)
    {
      g_test_fail_printf ("the test resource is not linked in: build "
                          "tests/test-assets.gresource.xml into this test");
      return;
    }

  assets = atrium_assets_new_for_resource (TEST_RESOURCE);
  assert_serves (assets, "/", g_bytes_get_data (index, NULL), g_bytes_get_size (index), HTML_TYPE);
  assert_serves (assets, "/index.html", g_bytes_get_data (index, NULL),
                 g_bytes_get_size (index), HTML_TYPE);
  assert_serves (assets, "/app.js", g_bytes_get_data (app, NULL), g_bytes_get_size (app), JS_TYPE);
  assert_serves (assets, "//./app.js?x#y", g_bytes_get_data (app, NULL),
                 g_bytes_get_size (app), JS_TYPE);
  g_assert_nonnull (strstr (g_bytes_get_data (index, NULL), "<html"));
  assert_refuses (assets, "/missing", G_IO_ERROR_NOT_FOUND);
  assert_refuses (assets, "/missing/", G_IO_ERROR_NOT_FOUND);
  assert_refuses (assets, "/APP.JS", G_IO_ERROR_NOT_FOUND);
  assert_refuses (assets, "/app.js/", G_IO_ERROR_NOT_FOUND);
  assert_refuses (assets, "/%2e%2e/x", G_IO_ERROR_INVALID_ARGUMENT);
  assert_refuses (assets, "/%2e%2e/web/app.js", G_IO_ERROR_INVALID_ARGUMENT);
  assert_refuses (assets, "/a%00b", G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_finalize_object (assets);

  /* A trailing slash on the prefix changes nothing. */
  assets = atrium_assets_new_for_resource (TEST_RESOURCE "/");
  assert_serves (assets, "/app.js", g_bytes_get_data (app, NULL), g_bytes_get_size (app), JS_TYPE);
  g_assert_finalize_object (assets);
}

static void
test_resource_directory (void)
{
  g_autoptr(GBytes) index = g_resources_lookup_data (TEST_RESOURCE "/index.html", 0, NULL);
  AtriumAssets *assets;

  if (index == NULL)
    {
      g_test_fail_printf ("the test resource is not linked in: build "
                          "tests/test-assets.gresource.xml into this test");
      return;
    }

  /* One level up, "web" is a directory: it is served as its index.html. */
  assets = atrium_assets_new_for_resource ("/dev/atrium/Test");
  assert_serves (assets, "/web", g_bytes_get_data (index, NULL), g_bytes_get_size (index),
                 HTML_TYPE);
  assert_serves (assets, "/web/", g_bytes_get_data (index, NULL), g_bytes_get_size (index),
                 HTML_TYPE);
  /* No index.html at this level. */
  assert_refuses (assets, "/", G_IO_ERROR_NOT_FOUND);
  g_assert_finalize_object (assets);
}

static void
test_resource_seek (void)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  AtriumAssets *assets = atrium_assets_new_for_resource (TEST_RESOURCE);

  stream = atrium_assets_open (assets, "/app.js", NULL, NULL, &error);
  g_assert_no_error (error);
  /* Both sources hand out seekable streams, so a Range request works alike. */
  g_assert_true (G_IS_SEEKABLE (stream) && g_seekable_can_seek (G_SEEKABLE (stream)));

  g_clear_object (&stream);
  g_assert_finalize_object (assets);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/atrium/assets/normalize", test_normalize);
  g_test_add_func ("/atrium/assets/normalize-invariants", test_normalize_invariants);
  g_test_add_func ("/atrium/assets/normalize-length", test_normalize_length);
  g_test_add_func ("/atrium/assets/normalize-messages", test_normalize_messages);

#define ADD_DIR_TEST(name, func) \
  g_test_add ("/atrium/assets/directory/" name, DirFixture, NULL, dir_setup, func, dir_teardown)

  ADD_DIR_TEST ("file", test_dir_file);
  ADD_DIR_TEST ("optional-out", test_dir_optional_out);
  ADD_DIR_TEST ("big-file", test_dir_big_file);
  ADD_DIR_TEST ("seek", test_dir_seek);
  ADD_DIR_TEST ("missing", test_dir_missing);
  ADD_DIR_TEST ("missing-message", test_dir_missing_message);
  ADD_DIR_TEST ("index", test_dir_index);
  ADD_DIR_TEST ("index-is-directory", test_dir_index_is_directory);
  ADD_DIR_TEST ("no-root-index", test_dir_no_root_index);
  ADD_DIR_TEST ("traversal", test_dir_traversal);
  ADD_DIR_TEST ("absolute-path", test_dir_absolute_path);
  ADD_DIR_TEST ("symlink-file-outside", test_dir_symlink_file_outside);
  ADD_DIR_TEST ("symlink-dir-outside", test_dir_symlink_dir_outside);
  ADD_DIR_TEST ("symlink-sibling-prefix", test_dir_symlink_sibling_prefix);
  ADD_DIR_TEST ("symlink-inside", test_dir_symlink_inside);
  ADD_DIR_TEST ("symlink-index", test_dir_symlink_index);
  ADD_DIR_TEST ("symlink-broken", test_dir_symlink_broken);
  ADD_DIR_TEST ("fifo", test_dir_fifo);
  ADD_DIR_TEST ("unreadable", test_dir_unreadable);
  ADD_DIR_TEST ("renamed-root", test_dir_renamed_root);
  ADD_DIR_TEST ("threads", test_dir_threads);

#undef ADD_DIR_TEST

  g_test_add_func ("/atrium/assets/new-for-directory-errors", test_new_for_directory_errors);
  g_test_add_func ("/atrium/assets/resource/files", test_resource);
  g_test_add_func ("/atrium/assets/resource/directory", test_resource_directory);
  g_test_add_func ("/atrium/assets/resource/seek", test_resource_seek);

  return g_test_run ();
}

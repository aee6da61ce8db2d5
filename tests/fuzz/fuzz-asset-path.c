/* readlink() and realpath() on the descriptors the asset source opens. */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

#include "config.h"

#include "fuzz-common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "atrium-assets-private.h"

/* Request paths against a directory source. The input is the raw path of
 * an app:// request. The tree, made once in a temporary directory, has
 * files, a subdirectory, a FIFO, a symlink that stays inside and symlinks
 * (relative, absolute, to a file and to a directory) that lead out to a
 * secret next to the root. Whatever the path, the checks below hold; the
 * main one is that a file that opens is inside the root. */

static char *base;      /* the temporary directory, holding root/ and outside/ */
static char *base_name; /* its last component */
static char *root;      /* its root/, canonical */
static struct stat secret_st;
static AtriumAssets *assets;

static void
write_file (const char *relative,
            const char *contents)
{
  g_autofree char *path = g_build_filename (base, relative, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, contents, -1, &error))
    g_error ("%s", error->message);
}

static void
make_link (const char *target,
           const char *relative)
{
  g_autofree char *path = g_build_filename (base, relative, NULL);

  if (symlink (target, path) < 0)
    g_error ("symlink %s: %s", path, g_strerror (errno));
}

static void
make_dir (const char *relative)
{
  g_autofree char *path = g_build_filename (base, relative, NULL);

  if (mkdir (path, 0700) < 0)
    g_error ("mkdir %s: %s", path, g_strerror (errno));
}

static const char * const tree[] = {
  "root/index.html", "root/app.js", "root/data", "root/sub/index.html", "root/sub/page.css",
  "root/sub/noext", "root/%41.txt", "root/a b.txt", "root/\xc3\xa9t\xc3\xa9.txt",
  "root/link-in", "root/link-out", "root/link-abs", "root/link-dir-out", "root/sub/link-up",
  "root/link-loop", "root/fifo", "root/sub", "root", "outside/secret.txt", "outside",
};

static void
remove_tree (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      g_autofree char *path = g_build_filename (base, tree[i], NULL);

      remove (path);
    }
  rmdir (base);
  g_clear_object (&assets);
  g_clear_pointer (&root, g_free);
  g_clear_pointer (&base, g_free);
  g_clear_pointer (&base_name, g_free);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *made = g_dir_make_tmp ("atrium-fuzz-XXXXXX", &error);
  g_autofree char *secret = NULL;
  g_autofree char *fifo = NULL;

  if (made == NULL)
    g_error ("%s", error->message);
  base = realpath (made, NULL);
  base_name = g_path_get_basename (base);

  make_dir ("root");
  make_dir ("root/sub");
  make_dir ("outside");
  write_file ("outside/secret.txt", "SECRET");
  write_file ("root/index.html", "<!doctype html><p>index");
  write_file ("root/app.js", "console.log (1);");
  write_file ("root/data", "{\"json\": true}");
  write_file ("root/sub/index.html", "<p>sub");
  write_file ("root/sub/page.css", "p {}");
  write_file ("root/sub/noext", "\x89PNG\r\n\x1a\n");
  write_file ("root/%41.txt", "percent");
  write_file ("root/a b.txt", "space");
  write_file ("root/\xc3\xa9t\xc3\xa9.txt", "utf-8");
  make_link ("app.js", "root/link-in");
  make_link ("../outside/secret.txt", "root/link-out");
  secret = g_build_filename (base, "outside", "secret.txt", NULL);
  make_link (secret, "root/link-abs");
  make_link ("../outside", "root/link-dir-out");
  make_link ("../../outside/secret.txt", "root/sub/link-up");
  make_link ("link-loop", "root/link-loop");
  fifo = g_build_filename (base, "root", "fifo", NULL);
  if (mkfifo (fifo, 0600) < 0)
    g_error ("mkfifo: %s", g_strerror (errno));

  if (stat (secret, &secret_st) < 0)
    g_error ("stat: %s", g_strerror (errno));
  root = g_build_filename (base, "root", NULL);
  assets = atrium_assets_new_for_directory (root, &error);
  if (assets == NULL)
    g_error ("%s", error->message);

  atexit (remove_tree);
  return 0;
}

/* What _atrium_assets_normalize_path() promises of a path it accepts. */
static void
check_normal (const char *normal)
{
  g_auto(GStrv) segments = g_strsplit (normal, "/", -1);
  gsize length = strlen (normal);

  g_assert_cmpuint (length, >, 0);
  g_assert_cmpuint (length, <=, ATRIUM_ASSETS_MAX_PATH + strlen ("/index.html"));
  g_assert_true (g_utf8_validate (normal, length, NULL));
  g_assert_null (strchr (normal, '\\'));
  for (const char *p = normal; *p != '\0'; p++)
    g_assert_true ((guchar) *p >= 0x20 && *p != 0x7f);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      g_assert_cmpstr (segments[i], !=, "");
      g_assert_cmpstr (segments[i], !=, ".");
      g_assert_cmpstr (segments[i], !=, "..");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *uri_path = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autofree char *normal = NULL;
  const char *content_type = NULL;
  goffset file_size = -1;

  normal = _atrium_assets_normalize_path (uri_path, &error);
  if (normal == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_clear_error (&error);
    }
  else
    {
      g_assert_no_error (error);
      check_normal (normal);

      /* Normal form is a fixed point, where no escape or cut can change it. */
      if (strpbrk (normal, "%?#") == NULL)
        {
          g_autofree char *again = _atrium_assets_normalize_path (normal, &error);

          g_assert_no_error (error);
          g_assert_cmpstr (again, ==, normal);
        }
    }

  stream = atrium_assets_open (assets, uri_path, &file_size, &content_type, &error);
  if (stream == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == G_IO_ERROR);
      /* Error messages reach the page: never the directory on disk. (The
       * fuzzer learns the directory's name from this very check, and a
       * message may quote a path that names it: those are left out.) */
      if (strstr (uri_path, base_name) == NULL)
        g_assert_null (strstr (error->message, base));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  g_assert_no_error (error);
  g_assert_nonnull (normal);
  g_assert_nonnull (content_type);

  /* The main check: what opened is a regular file inside the root, and
   * never the secret outside it. */
  {
    int fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
    g_autofree char *link = g_strdup_printf ("/proc/self/fd/%d", fd);
    char target[4096 + 1];
    ssize_t n = readlink (link, target, sizeof target - 1);
    struct stat st;

    g_assert_cmpint (n, >, 0);
    target[n] = '\0';
    if (!g_str_has_prefix (target, root) || target[strlen (root)] != '/')
      g_error ("“%s” opened %s, outside the root %s", uri_path, target, root);

    g_assert_cmpint (fstat (fd, &st), ==, 0);
    g_assert_true (S_ISREG (st.st_mode));
    g_assert_false (st.st_dev == secret_st.st_dev && st.st_ino == secret_st.st_ino);
    g_assert_cmpint (file_size, ==, st.st_size);
  }

  return 0;
}

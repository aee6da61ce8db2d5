#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Downloads"
/* renameat2() */
#define _GNU_SOURCE
#include "config.h"

#include "atrium-download-file-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

/* A download's file: the name the page suggested, made safe to show in a
 * dialog and to create in the user's downloads folder; the temporary file
 * WebKit writes, next to the final one; and the rename that makes it the
 * final one only once it is complete, so a failed or cancelled download
 * leaves nothing at the path the user chose.
 *
 * The suggested name comes from the page (the download attribute, a
 * Content-Disposition header, the last part of a URL): any bytes at all.
 * What comes out is one file name, never a path ("../../.bashrc" cannot
 * climb out of the folder), never hidden (no leading dot), free of control
 * and invisible formatting characters (a right-to-left override makes
 * "evil\u202Etxt.exe" look like "evilexe.txt"), valid UTF-8, and short
 * enough to number and still fit NAME_MAX. */

#define DEFAULT_NAME "download"
/* An extension longer than this is part of the name, as far as cutting the
 * name short goes. */
#define EXTENSION_MAX 16

static gboolean
is_dropped (gunichar c)
{
  /* C0 and C1 controls, DEL, and the invisible format characters (bidi
   * overrides and isolates, zero-width joiners, soft hyphen, BOM). */
  return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)
         || g_unichar_type (c) == G_UNICODE_FORMAT;
}

static gboolean
is_trimmed (gunichar c)
{
  return c == '.' || g_unichar_isspace (c);
}

/* Where the extension starts (its dot), or the end of @name. */
static const char *
extension_of (const char *name)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL || dot == name || strlen (dot) > EXTENSION_MAX)
    return name + strlen (name);
  return dot;
}

/**
 * _atrium_download_sanitize_name:
 * @suggested: (nullable): the name the page or the server suggested
 *
 * Returns: (transfer full): a safe file name, never empty
 */
char *
_atrium_download_sanitize_name (const char *suggested)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) out = NULL;
  const char *start, *end, *extension;
  gsize stem_max;

  if (suggested == NULL)
    return g_strdup (DEFAULT_NAME);

  valid = g_utf8_make_valid (suggested, -1);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_dropped (c))
        continue;
      if (c == '/' || c == '\\')
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }

  /* No leading dot (a hidden file, or "." and ".."), no trailing dots or
   * spaces, which file managers show badly. */
  start = out->str;
  while (*start != '\0' && is_trimmed (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  end = out->str + out->len;
  while (end > start)
    {
      const char *prev = g_utf8_find_prev_char (start, end);

      if (prev == NULL || !is_trimmed (g_utf8_get_char (prev)))
        break;
      end = prev;
    }
  if (start == end)
    return g_strdup (DEFAULT_NAME);
  g_string_truncate (out, end - out->str);
  g_string_erase (out, 0, start - out->str);

  if (out->len <= ATRIUM_DOWNLOAD_NAME_MAX)
    return g_string_free (g_steal_pointer (&out), FALSE);

  /* Too long: the stem is cut (at a character's start), the extension
   * kept, so the file still opens with what it is. */
  extension = extension_of (out->str);
  stem_max = ATRIUM_DOWNLOAD_NAME_MAX - strlen (extension);
  end = out->str + stem_max;
  while (end > out->str && (*end & 0xc0) == 0x80)
    end--;
  return g_strdup_printf ("%.*s%s", (int) (end - out->str), out->str, extension);
}

/**
 * _atrium_download_numbered_name:
 * @name: a sanitised name
 * @n: 1 or more
 *
 * Returns: (transfer full): "stem (n).ext"
 */
char *
_atrium_download_numbered_name (const char *name,
                                guint       n)
{
  const char *extension = extension_of (name);

  return g_strdup_printf ("%.*s (%u)%s", (int) (extension - name), name, n, extension);
}

/**
 * _atrium_download_temp_path:
 * @final_path: where the download ends
 *
 * Returns: (transfer full): a path in the same folder (so the rename is
 *   atomic), hidden, that names no file now
 */
char *
_atrium_download_temp_path (const char *final_path)
{
  static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  g_autofree char *folder = g_path_get_dirname (final_path);

  for (guint attempt = 0;; attempt++)
    {
      char random[11];
      g_autofree char *name = NULL;
      char *path;

      for (gsize i = 0; i < sizeof random - 1; i++)
        random[i] = chars[g_random_int_range (0, sizeof chars - 1)];
      random[sizeof random - 1] = '\0';
      name = g_strdup_printf (".atrium-download-%s.part", random);
      path = g_build_filename (folder, name, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS) || attempt >= 100)
        return path;
      g_free (path);
    }
}

/**
 * _atrium_download_commit:
 * @temp_path: the complete file
 * @final_path: its name from now on
 * @replace: whether a file already at @final_path is replaced (the user
 *   said so in the save dialog) or the commit fails with
 *   %G_IO_ERROR_EXISTS (the downloads folder, where the caller numbers)
 *
 * Returns: %TRUE, or %FALSE with @error set and @temp_path left as it was
 */
gboolean
_atrium_download_commit (const char  *temp_path,
                         const char  *final_path,
                         gboolean     replace,
                         GError     **error)
{
  int saved;

  if (replace)
    {
      if (g_rename (temp_path, final_path) == 0)
        return TRUE;
      saved = errno;
    }
  else
    {
#ifdef RENAME_NOREPLACE
      if (renameat2 (AT_FDCWD, temp_path, AT_FDCWD, final_path, RENAME_NOREPLACE) == 0)
        return TRUE;
      saved = errno;
      if (saved == EINVAL || saved == ENOSYS)
#endif
        {
          /* A file system without renameat2(): link() does not replace
           * either. */
          if (link (temp_path, final_path) == 0)
            {
              g_unlink (temp_path);
              return TRUE;
            }
          saved = errno;
        }
    }
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Could not save %s: %s",
               final_path, g_strerror (saved));
  return FALSE;
}

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Autostart"
#include "config.h"

#include "atrium-autostart-private.h"

#include <errno.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "atrium-error.h"

#define GROUP "Desktop Entry"

static char *flatpak_info;   /* NULL for /.flatpak-info; set by tests before any use */

gboolean
_atrium_autostart_in_flatpak (void)
{
  return g_file_test (flatpak_info != NULL ? flatpak_info : "/.flatpak-info", G_FILE_TEST_EXISTS);
}

void
_atrium_autostart_set_flatpak_info (const char *path)
{
  g_free (flatpak_info);
  flatpak_info = g_strdup (path);
}

/* The characters that make the Desktop Entry spec's Exec argument need
 * quoting ("Exec key", reserved characters). */
static const char reserved[] = " \t\n\"'\\><~|&;$*?#()`";

char *
_atrium_autostart_quote_exec (const char *path)
{
  gboolean quote = FALSE;
  GString *out;

  g_return_val_if_fail (path != NULL, NULL);

  if (*path == '\0' || !g_utf8_validate (path, -1, NULL))
    return NULL;
  for (const char *p = path; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return NULL;
      quote |= strchr (reserved, *p) != NULL;
    }

  out = g_string_new (quote ? "\"" : NULL);
  for (const char *p = path; *p != '\0'; p++)
    {
      if (*p == '%')
        g_string_append (out, "%%");
      else
        {
          if (quote && strchr ("\"`$\\", *p) != NULL)
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
    }
  if (quote)
    g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

char *
_atrium_autostart_entry (const char  *name,
                         const char  *executable,
                         GError     **error)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *exec = _atrium_autostart_quote_exec (executable);

  if (exec == NULL)
    {
      g_autofree char *shown = g_utf8_make_valid (executable, -1);

      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                   "The program's path (%s) cannot be written in a desktop entry: "
                   "it is not UTF-8 or holds a control character", shown);
      return NULL;
    }
  if (!g_utf8_validate (name, -1, NULL))
    name = "Application";

  /* GKeyFile escapes what the key file format needs (the backslashes
   * the quoting added among them), after the Exec quoting: the order the
   * spec reads them back in. */
  g_key_file_set_string (keys, GROUP, "Type", "Application");
  g_key_file_set_string (keys, GROUP, "Name", *name != '\0' ? name : "Application");
  g_key_file_set_string (keys, GROUP, "Exec", exec);
  g_key_file_set_boolean (keys, GROUP, "X-GNOME-Autostart-enabled", TRUE);
  return g_key_file_to_data (keys, NULL, NULL);
}

char *
_atrium_autostart_path (const char *config_dir,
                        const char *app_id)
{
  g_autofree char *file = g_strconcat (app_id, ".desktop", NULL);

  return g_build_filename (config_dir, "autostart", file, NULL);
}

gboolean
_atrium_autostart_enable (const char  *config_dir,
                          const char  *app_id,
                          const char  *name,
                          const char  *executable,
                          GError     **error)
{
  g_autofree char *path = _atrium_autostart_path (config_dir, app_id);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *entry = _atrium_autostart_entry (name, executable, error);
  g_autoptr(GError) local = NULL;

  if (entry == NULL)
    return FALSE;
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                   "Could not make the autostart folder %s: %s", folder, g_strerror (saved));
      return FALSE;
    }
  /* A temporary file renamed over the entry: a reader sees the old entry
   * or the new one, and a failure removes the temporary file. */
  if (!g_file_set_contents_full (path, entry, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT
                                 | G_FILE_SET_CONTENTS_ONLY_EXISTING, 0644, &local))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                   "Could not write the autostart entry: %s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
_atrium_autostart_disable (const char  *config_dir,
                           const char  *app_id,
                           GError     **error)
{
  g_autofree char *path = _atrium_autostart_path (config_dir, app_id);

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                   "Could not remove the autostart entry %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
_atrium_autostart_is_enabled (const char *config_dir,
                              const char *app_id)
{
  g_autofree char *path = _atrium_autostart_path (config_dir, app_id);
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  gboolean enabled;

  if (!g_key_file_load_from_file (keys, path, G_KEY_FILE_NONE, NULL))
    return FALSE;
  if (g_key_file_get_boolean (keys, GROUP, "Hidden", NULL))
    return FALSE;
  enabled = g_key_file_get_boolean (keys, GROUP, "X-GNOME-Autostart-enabled", &error);
  return enabled || error != NULL;
}

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The app's entry in the user's XDG autostart folder
 * ($XDG_CONFIG_HOME/autostart/APP-ID.desktop), as plain file work without
 * GTK (core). atrium_app_set_autostart() (atrium-builtin-autostart.c)
 * decides where it applies; these do the writing. */

/* @path quoted as one argument of a desktop entry's Exec key (the Desktop
 * Entry spec's quoting, `%` doubled), before the key file's own string
 * escaping; NULL if @path is not UTF-8 or holds a control character,
 * which no Exec line can carry. */
char     *_atrium_autostart_quote_exec  (const char  *path);

/* The desktop entry's text: Type, Name, Exec and X-GNOME-Autostart-enabled. */
char     *_atrium_autostart_entry       (const char  *name,
                                         const char  *executable,
                                         GError     **error);

/* The entry's path for @app_id under @config_dir (the user's config folder). */
char     *_atrium_autostart_path        (const char  *config_dir,
                                         const char  *app_id);

/* Writes the entry (the folder made if missing), atomically: a failure
 * leaves what was there before, and no temporary file. */
gboolean  _atrium_autostart_enable      (const char  *config_dir,
                                         const char  *app_id,
                                         const char  *name,
                                         const char  *executable,
                                         GError     **error);
/* Removes the entry; no entry is no error. */
gboolean  _atrium_autostart_disable     (const char  *config_dir,
                                         const char  *app_id,
                                         GError     **error);
/* Whether an entry is there and not switched off (Hidden=true or
 * X-GNOME-Autostart-enabled=false, as the desktops read it). */
gboolean  _atrium_autostart_is_enabled  (const char  *config_dir,
                                         const char  *app_id);

/* Whether this process runs inside Flatpak, where the host's autostart
 * folder is out of reach (the file /.flatpak-info; tests point it
 * elsewhere with _atrium_autostart_set_flatpak_info()). */
gboolean  _atrium_autostart_in_flatpak       (void);
void      _atrium_autostart_set_flatpak_info (const char  *path);

G_END_DECLS

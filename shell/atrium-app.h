#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gtk/gtk.h>
#include <webkit/webkit.h>

#include "atrium-assets.h"
#include "atrium-call.h"
#include "atrium-store.h"

G_BEGIN_DECLS

/**
 * AtriumColorScheme:
 * @ATRIUM_COLOR_SCHEME_DEFAULT: follow the desktop's preference
 * @ATRIUM_COLOR_SCHEME_LIGHT: light, whatever the desktop prefers
 * @ATRIUM_COLOR_SCHEME_DARK: dark, whatever the desktop prefers
 *
 * What the app's windows and pages (`prefers-color-scheme`) show.
 */
typedef enum {
  ATRIUM_COLOR_SCHEME_DEFAULT,
  ATRIUM_COLOR_SCHEME_LIGHT,
  ATRIUM_COLOR_SCHEME_DARK,
} AtriumColorScheme;

#define ATRIUM_TYPE_APP (atrium_app_get_type ())

ATRIUM_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AtriumApp, atrium_app, ATRIUM, APP, GtkApplication)

ATRIUM_AVAILABLE_IN_ALL
AtriumApp        *atrium_app_new                   (const char        *application_id,
                                                    GApplicationFlags  flags);

ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_bind                  (AtriumApp         *self,
                                                    const char        *name,
                                                    AtriumMethodFunc   func,
                                                    gpointer           user_data,
                                                    GDestroyNotify     destroy,
                                                    AtriumBindFlags    flags);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_unbind                (AtriumApp         *self,
                                                    const char        *name);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_set_signature         (AtriumApp         *self,
                                                    const char        *name,
                                                    const char        *signature,
                                                    const char        *doc,
                                                    GError           **error);

ATRIUM_AVAILABLE_IN_ALL
AtriumAssets     *atrium_app_get_assets            (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_assets            (AtriumApp         *self,
                                                    AtriumAssets      *assets);
ATRIUM_AVAILABLE_IN_ALL
const char       *atrium_app_get_dev_url           (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_set_dev_url           (AtriumApp         *self,
                                                    const char        *url,
                                                    GError           **error);
ATRIUM_AVAILABLE_IN_ALL
const char       *atrium_app_get_content_security_policy (AtriumApp   *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_content_security_policy (AtriumApp   *self,
                                                          const char  *policy);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_get_spa_fallback      (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_spa_fallback      (AtriumApp         *self,
                                                    gboolean           spa_fallback);
ATRIUM_AVAILABLE_IN_ALL
const char       *atrium_app_get_start_path        (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_start_path        (AtriumApp         *self,
                                                    const char        *path);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_get_log_console       (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_log_console       (AtriumApp         *self,
                                                    gboolean           log_console);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_get_devtools          (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_devtools          (AtriumApp         *self,
                                                    gboolean           devtools);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_may_open_window       (AtriumApp         *self,
                                                    GError           **error);
ATRIUM_AVAILABLE_IN_ALL
GOptionGroup     *atrium_app_get_option_group      (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_remote_frames     (AtriumApp         *self,
                                                    gboolean           allowed);
ATRIUM_AVAILABLE_IN_ALL
guint             atrium_app_get_max_windows       (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_max_windows       (AtriumApp         *self,
                                                    guint              max_windows);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_isolated_windows  (AtriumApp         *self,
                                                    gboolean           isolated);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_color_scheme      (AtriumApp         *self,
                                                    AtriumColorScheme  scheme);
ATRIUM_AVAILABLE_IN_ALL
AtriumColorScheme atrium_app_get_color_scheme      (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_is_dark               (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_get_isolated_windows  (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
guint64           atrium_app_get_max_stream_size   (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_max_stream_size   (AtriumApp         *self,
                                                    guint64            max_size);
ATRIUM_AVAILABLE_IN_ALL
gsize             atrium_app_get_max_message_size  (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_max_message_size  (AtriumApp         *self,
                                                    gsize              max_size);
ATRIUM_AVAILABLE_IN_ALL
guint             atrium_app_get_max_depth         (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_max_depth         (AtriumApp         *self,
                                                    guint              max_depth);
ATRIUM_AVAILABLE_IN_ALL
guint             atrium_app_get_worker_threads    (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_worker_threads    (AtriumApp         *self,
                                                    guint              n_threads);

ATRIUM_AVAILABLE_IN_ALL
WebKitWebContext *atrium_app_get_web_context       (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
AtriumWindow     *atrium_app_open_window           (AtriumApp         *self,
                                                    const char        *path);

ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_quit                  (AtriumApp         *self,
                                                    int                exit_status);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_request_quit          (AtriumApp         *self,
                                                    int                exit_status);
ATRIUM_AVAILABLE_IN_ALL
int               atrium_app_get_exit_status       (AtriumApp         *self);

/* Single instance, deep links and file associations: atrium-app-instance.c */
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_single_instance   (AtriumApp         *self,
                                                    gboolean           single_instance);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_get_single_instance   (AtriumApp         *self);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_register_url_scheme   (AtriumApp         *self,
                                                    const char        *scheme,
                                                    GError           **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_handles_url_scheme    (AtriumApp         *self,
                                                    const char        *scheme);

/* Autostart at login: atrium-builtin-autostart.c */
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_set_autostart         (AtriumApp         *self,
                                                    gboolean           enabled,
                                                    GError           **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_get_autostart         (AtriumApp         *self,
                                                    GError           **error);
ATRIUM_AVAILABLE_IN_ALL
void              atrium_app_set_autostart_async   (AtriumApp           *self,
                                                    gboolean             enabled,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
ATRIUM_AVAILABLE_IN_ALL
gboolean          atrium_app_set_autostart_finish  (AtriumApp           *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* The settings store: atrium-builtin-store.c */
ATRIUM_AVAILABLE_IN_ALL
AtriumStore    *atrium_app_get_store            (AtriumApp      *self);

G_END_DECLS

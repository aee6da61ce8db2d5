#pragma once

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gtk/gtk.h>
#include <webkit/webkit.h>

#include "atrium-assets.h"
#include "atrium-call.h"

G_BEGIN_DECLS

#define ATRIUM_TYPE_APP (atrium_app_get_type ())

G_DECLARE_FINAL_TYPE (AtriumApp, atrium_app, ATRIUM, APP, GtkApplication)

AtriumApp        *atrium_app_new                   (const char        *application_id,
                                                    GApplicationFlags  flags);

void              atrium_app_bind                  (AtriumApp         *self,
                                                    const char        *name,
                                                    AtriumMethodFunc   func,
                                                    gpointer           user_data,
                                                    GDestroyNotify     destroy,
                                                    AtriumBindFlags    flags);
gboolean          atrium_app_unbind                (AtriumApp         *self,
                                                    const char        *name);
gboolean          atrium_app_set_signature         (AtriumApp         *self,
                                                    const char        *name,
                                                    const char        *signature,
                                                    const char        *doc,
                                                    GError           **error);

AtriumAssets     *atrium_app_get_assets            (AtriumApp         *self);
void              atrium_app_set_assets            (AtriumApp         *self,
                                                    AtriumAssets      *assets);
const char       *atrium_app_get_dev_url           (AtriumApp         *self);
gboolean          atrium_app_set_dev_url           (AtriumApp         *self,
                                                    const char        *url,
                                                    GError           **error);
const char       *atrium_app_get_content_security_policy (AtriumApp   *self);
void              atrium_app_set_content_security_policy (AtriumApp   *self,
                                                          const char  *policy);
gboolean          atrium_app_get_spa_fallback      (AtriumApp         *self);
void              atrium_app_set_spa_fallback      (AtriumApp         *self,
                                                    gboolean           spa_fallback);
const char       *atrium_app_get_start_path        (AtriumApp         *self);
void              atrium_app_set_start_path        (AtriumApp         *self,
                                                    const char        *path);
gboolean          atrium_app_get_log_console       (AtriumApp         *self);
void              atrium_app_set_log_console       (AtriumApp         *self,
                                                    gboolean           log_console);
guint             atrium_app_get_max_windows       (AtriumApp         *self);
void              atrium_app_set_max_windows       (AtriumApp         *self,
                                                    guint              max_windows);
gsize             atrium_app_get_max_message_size  (AtriumApp         *self);
void              atrium_app_set_max_message_size  (AtriumApp         *self,
                                                    gsize              max_size);
guint             atrium_app_get_max_depth         (AtriumApp         *self);
void              atrium_app_set_max_depth         (AtriumApp         *self,
                                                    guint              max_depth);
guint             atrium_app_get_worker_threads    (AtriumApp         *self);
void              atrium_app_set_worker_threads    (AtriumApp         *self,
                                                    guint              n_threads);

WebKitWebContext *atrium_app_get_web_context       (AtriumApp         *self);
AtriumWindow     *atrium_app_open_window           (AtriumApp         *self,
                                                    const char        *path);

void              atrium_app_quit                  (AtriumApp         *self,
                                                    int                exit_status);
int               atrium_app_get_exit_status       (AtriumApp         *self);

G_END_DECLS

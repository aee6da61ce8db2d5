#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gio/gio.h>

#include "atrium-app.h"

G_BEGIN_DECLS

/* What a notification may carry; longer or more is `bad-args`. */
#define ATRIUM_NOTIFICATION_ID_MAX      256
#define ATRIUM_NOTIFICATION_TITLE_MAX   1024
#define ATRIUM_NOTIFICATION_BODY_MAX    (16 * 1024)
#define ATRIUM_NOTIFICATION_ACTION_MAX  64     /* an action's id */
#define ATRIUM_NOTIFICATION_LABEL_MAX   256
#define ATRIUM_NOTIFICATION_ACTIONS_MAX 8
/* How many of the app's notifications are kept showing at once: a new one
 * past this withdraws the oldest. */
#define ATRIUM_NOTIFICATION_LIVE_MAX    64

/**
 * AtriumNotificationAction:
 * @id: what #AtriumApp::notification-action reports when the user clicks it:
 *   1 to %ATRIUM_NOTIFICATION_ACTION_MAX bytes, not "default"
 * @label: the button's text
 *
 * A button on a notification.
 */
typedef struct
{
  const char *id;
  const char *label;
} AtriumNotificationAction;

ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_show_notification   (AtriumApp                      *self,
                                          const char                     *id,
                                          const char                     *title,
                                          const char                     *body,
                                          GIcon                          *icon,
                                          const AtriumNotificationAction *actions,
                                          gsize                           n_actions,
                                          GError                        **error);
ATRIUM_AVAILABLE_IN_ALL
void      atrium_app_show_notification_async  (AtriumApp                      *self,
                                               const char                     *id,
                                               const char                     *title,
                                               const char                     *body,
                                               GIcon                          *icon,
                                               const AtriumNotificationAction *actions,
                                               gsize                           n_actions,
                                               GCancellable                   *cancellable,
                                               GAsyncReadyCallback             callback,
                                               gpointer                        user_data);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_show_notification_finish (AtriumApp                      *self,
                                               GAsyncResult                   *result,
                                               GError                        **error);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_app_close_notification  (AtriumApp                      *self,
                                          const char                     *id);

G_END_DECLS

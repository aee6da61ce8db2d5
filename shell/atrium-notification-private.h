#pragma once

#include <webkit/webkit.h>

#include "atrium-notification.h"
#include "atrium-window.h"

G_BEGIN_DECLS

/* The app action every notification's buttons activate, with the target
 * (notification id, action id). */
#define ATRIUM_NOTIFICATION_ACTION_NAME "atrium-notification-action"

/* Every window: its page's `Notification`s (WebKit's show-notification,
 * which WebKit emits only once the page's permission request was allowed)
 * go the way atrium.notification.show() does. */
void      _atrium_notification_attach   (AtriumWindow        *window);

/* The hook for the permission policy, and what show-notification calls:
 * shows @notification of @window's page as one of the app's notifications
 * (title and body cut to the limits). A click on it is the page's
 * `click` event. */
gboolean  _atrium_notification_show_web (AtriumWindow        *window,
                                         WebKitNotification  *notification);

/* How many notifications the app keeps as showing, for tests. */
guint     _atrium_notification_count    (AtriumApp           *app);

G_END_DECLS

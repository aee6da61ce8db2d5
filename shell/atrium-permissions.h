#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include "atrium-app.h"

G_BEGIN_DECLS

/**
 * AtriumPermission:
 * @ATRIUM_PERMISSION_CAMERA: `getUserMedia({video})`
 * @ATRIUM_PERMISSION_MICROPHONE: `getUserMedia({audio})`
 * @ATRIUM_PERMISSION_DISPLAY_CAPTURE: `getDisplayMedia()`
 * @ATRIUM_PERMISSION_GEOLOCATION: `navigator.geolocation`
 * @ATRIUM_PERMISSION_NOTIFICATIONS: the web `Notification` API
 * @ATRIUM_PERMISSION_CLIPBOARD: the page reading the clipboard
 *   (`navigator.clipboard.read()` and its like)
 *
 * The kinds of WebKit's permission requests the app decides.
 */
typedef enum {
  ATRIUM_PERMISSION_CAMERA,
  ATRIUM_PERMISSION_MICROPHONE,
  ATRIUM_PERMISSION_DISPLAY_CAPTURE,
  ATRIUM_PERMISSION_GEOLOCATION,
  ATRIUM_PERMISSION_NOTIFICATIONS,
  ATRIUM_PERMISSION_CLIPBOARD,
} AtriumPermission;

/**
 * AtriumPermissionPolicy:
 * @ATRIUM_POLICY_DENY: every request is denied, with one line in the
 *   page's console saying how C allows it (the default for every kind)
 * @ATRIUM_POLICY_ALLOW: every request of the app's own pages is allowed
 * @ATRIUM_POLICY_ASK: the user is asked in a dialog naming the app and its
 *   origin; the answer holds until the app quits
 *
 * What the app answers a page that asks for a permission.
 */
typedef enum {
  ATRIUM_POLICY_DENY,
  ATRIUM_POLICY_ALLOW,
  ATRIUM_POLICY_ASK,
} AtriumPermissionPolicy;

ATRIUM_AVAILABLE_IN_ALL
void                    atrium_app_set_permission_policy (AtriumApp              *self,
                                                          AtriumPermission        permission,
                                                          AtriumPermissionPolicy  policy);
ATRIUM_AVAILABLE_IN_ALL
AtriumPermissionPolicy  atrium_app_get_permission_policy (AtriumApp              *self,
                                                          AtriumPermission        permission);

G_END_DECLS

#pragma once

#include "atrium-permissions.h"
#include "atrium-window.h"

G_BEGIN_DECLS

/* WebKit's permission requests under the app's policy
 * (atrium-permissions.c). Main thread only. */

#define ATRIUM_PERMISSION_N (ATRIUM_PERMISSION_CLIPBOARD + 1)

/* Every window, once its web view is made: the policy decides its
 * permission requests, and its media settings follow the policy. */
void                    _atrium_permissions_attach        (AtriumWindow     *window);

/* What the app answers a request of @permission now: the policy, or, for
 * %ATRIUM_POLICY_ASK once the user has answered, the answer
 * (%ATRIUM_POLICY_ALLOW or %ATRIUM_POLICY_DENY) for the rest of the run.
 * For the notifications built-in, which shows what the web Notification
 * API would. */
AtriumPermissionPolicy  _atrium_app_get_permission_policy (AtriumApp        *app,
                                                           AtriumPermission  permission);

G_END_DECLS

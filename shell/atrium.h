#pragma once

#include "atrium-export.h"

#define ATRIUM_INSIDE

#include "atrium-error.h"
#include "atrium-bytes.h"
#include "atrium-call.h"
#include "atrium-mime-cache.h"
#include "atrium-assets.h"
#include "atrium-app.h"
#include "atrium-window.h"
#include "atrium-events.h"
#include "atrium-builtins.h"
#include "atrium-dialog.h"
#include "atrium-downloads.h"
#include "atrium-permissions.h"
#include "atrium-shell.h"
#include "atrium-clipboard.h"
#include "atrium-screen.h"
#include "atrium-notification.h"
#include "atrium-print.h"
#include "atrium-store.h"
#include "atrium-menu.h"
#include "atrium-tray.h"

#undef ATRIUM_INSIDE

G_BEGIN_DECLS

ATRIUM_AVAILABLE_IN_ALL
const char *atrium_get_version (void);

G_END_DECLS

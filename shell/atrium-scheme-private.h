#pragma once

#include <webkit/webkit.h>

#include "atrium-scheme-request-private.h"

G_BEGIN_DECLS

void  _atrium_scheme_request_cb   (WebKitURISchemeRequest *request,
                                   gpointer                user_data);
guint       _atrium_scheme_status_for   (const GError           *error);
const char *_atrium_scheme_reason_for   (guint                   status);

G_END_DECLS

#pragma once

#include <webkit/webkit.h>

#include "atrium-scheme-request-private.h"

G_BEGIN_DECLS

typedef struct _AtriumApp AtriumApp;

void        _atrium_scheme_request_cb   (WebKitURISchemeRequest   *request,
                                         gpointer                  user_data);
void        _atrium_scheme_guard_frames (AtriumApp                *app,
                                         WebKitUserContentManager *manager);
void        _atrium_scheme_load_guarded (AtriumApp                *app,
                                         WebKitWebView            *web_view,
                                         const char               *uri);
GInputStream *_atrium_scheme_open_file  (AtriumApp                *app,
                                         const char               *uri,
                                         goffset                  *size,
                                         GError                  **error);

G_END_DECLS

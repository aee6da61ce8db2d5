#pragma once

#include "atrium-assets.h"

G_BEGIN_DECLS

/* Longest URI path (after percent-decoding) the asset source accepts. */
#define ATRIUM_ASSETS_MAX_PATH 4096

char *_atrium_assets_normalize_path (const char  *uri_path,
                                     GError     **error);

G_END_DECLS

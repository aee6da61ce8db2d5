#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A per-launch secret: 32 lowercase hex digits (128 bits) from the kernel's
 * CSPRNG. The bridge's token and the loopback media route's both come from
 * here, and both are compared here. */
#define ATRIUM_TOKEN_LENGTH 32

void     _atrium_token_generate (char        out[ATRIUM_TOKEN_LENGTH + 1]);
gboolean _atrium_token_matches  (const char *candidate,
                                 gsize       length,
                                 const char *token);

G_END_DECLS

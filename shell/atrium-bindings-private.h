#pragma once

#include "atrium-registry-private.h"

G_BEGIN_DECLS

extern const char _atrium_bindings_builtins_dts[];

AtriumSignature *_atrium_signature_parse       (const char      *signature,
                                                const char      *doc,
                                                GError         **error);

char            *_atrium_bindings_generate_dts (AtriumRegistry  *registry,
                                                const char      *app_id);
char            *_atrium_bindings_generate_js  (AtriumRegistry  *registry,
                                                const char      *app_id);
gboolean         _atrium_bindings_write        (AtriumRegistry  *registry,
                                                const char      *app_id,
                                                const char      *dts_path,
                                                const char      *js_path,
                                                GError         **error);

G_END_DECLS

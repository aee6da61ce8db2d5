#pragma once

#include <json-glib/json-glib.h>

#include "atrium-bytes-private.h"
#include "atrium-wire-private.h"

G_BEGIN_DECLS

/* A call message from the page, whichever way it came (core). */

gboolean  _atrium_call_message_check (JsonNode          *root,
                                      GError           **error);
JsonNode *_atrium_wire_decode_call   (GVariant          *params,
                                      GUnixFDList       *fds,
                                      const char        *token,
                                      gsize              max_size,
                                      guint              max_depth,
                                      AtriumBytesParts **parts,
                                      GError           **error);

G_END_DECLS

#pragma once

#include <json-glib/json-glib.h>

#include "atrium-bytes-private.h"
#include "atrium-wire-private.h"

G_BEGIN_DECLS

/* A call message from the page, whichever way it came (core). */

/* The largest stream a call may name, unless the app says otherwise
 * (atrium_app_set_max_stream_size()). */
#define ATRIUM_DEFAULT_MAX_STREAM_SIZE (G_GUINT64_CONSTANT (16) << 30)

gboolean  _atrium_call_message_check (JsonNode          *root,
                                      GError           **error);
JsonNode *_atrium_call_message_decode (const char       *text,
                                       gsize             length,
                                       const char       *token,
                                       gsize             max_size,
                                       guint             max_depth,
                                       GError          **error);
JsonNode *_atrium_call_message_decode_full (const char  *text,
                                            gsize        length,
                                            const char  *token,
                                            gsize        max_size,
                                            guint64      max_stream_size,
                                            guint        max_depth,
                                            GError     **error);
gsize     _atrium_call_message_parse_id    (const char  *data,
                                            gsize        length,
                                            guint64     *id);
gsize     _atrium_call_message_split_event (const char  *data,
                                            gsize        length,
                                            guint64     *ack,
                                            GError     **error);
JsonNode *_atrium_wire_decode_call   (GVariant          *params,
                                      GUnixFDList       *fds,
                                      const char        *token,
                                      gsize              max_size,
                                      guint              max_depth,
                                      AtriumBytesParts **parts,
                                      GError           **error);

G_END_DECLS

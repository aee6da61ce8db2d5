#pragma once

#include <json-glib/json-glib.h>

#include "atrium-bytes.h"

G_BEGIN_DECLS

/* Binary values across the script-message bridge (core: no GTK, no
 * WebKit). See atrium-bytes.c for the wire format. */

/* What starts a page's message (after the token, and an event's ack) that
 * carries binary values. A plain message starts with the JSON's '['. */
#define ATRIUM_BYTES_FRAME 'B'

gboolean  _atrium_base64_check     (const char    *text,
                                    gsize          length,
                                    gsize         *decoded_size);
GBytes   *_atrium_base64_decode    (const char    *text,
                                    gsize          length,
                                    GError       **error);
char     *_atrium_base64_encode    (gconstpointer  data,
                                    gsize          size,
                                    gsize         *length);

gsize     _atrium_bytes_raw_limit  (gsize          max_size);
JsonNode *_atrium_bytes_parse      (const char    *text,
                                    gsize          length,
                                    guint          max_depth,
                                    gsize          max_size,
                                    GError       **error);
JsonNode *_atrium_bytes_parse_full (const char    *text,
                                    gsize          length,
                                    guint          max_depth,
                                    gsize          max_size,
                                    guint64        max_stream_size,
                                    GError       **error);
/* A stream the page sends (atrium.stream(blob)): in the message, a segment
 * '~' KEY ':' SIZE in place of base64; in the tree, the marker holds
 * {"stream": KEY, "size": SIZE} instead of a string. */
#define ATRIUM_STREAM_SEGMENT '~'
gboolean  _atrium_node_get_stream_ref (JsonNode    *node,
                                       const char **key,
                                       guint64     *size);
/* The binary values of a message that came as bytes: see
 * _atrium_bytes_parse_parts(). */
typedef struct _AtriumBytesParts AtriumBytesParts;
JsonNode *_atrium_bytes_parse_parts (const char        *json,
                                     gsize              length,
                                     guint              max_depth,
                                     GPtrArray         *bytes,
                                     AtriumBytesParts **parts,
                                     GError           **error);
void      _atrium_bytes_parts_note_args (AtriumBytesParts *parts,
                                         JsonArray        *args);
GBytes   *_atrium_bytes_parts_get_arg (AtriumBytesParts *parts,
                                       guint             index);
void      _atrium_bytes_parts_reveal  (AtriumBytesParts *parts);
void      _atrium_bytes_parts_reveal_arg (AtriumBytesParts *parts,
                                          guint             index);
GBytes   *_atrium_bytes_parts_lookup  (AtriumBytesParts *parts,
                                       JsonNode         *member);
AtriumBytesParts *_atrium_bytes_parts_ref   (AtriumBytesParts *parts);
void              _atrium_bytes_parts_unref (AtriumBytesParts *parts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumBytesParts, _atrium_bytes_parts_unref)
guint     _atrium_bytes_write_parts (GString          *out,
                                     JsonNode         *node,
                                     GPtrArray        *parts,
                                     AtriumBytesParts *known);
guint     _atrium_bytes_write      (GString       *out,
                                    JsonNode      *node);

G_END_DECLS

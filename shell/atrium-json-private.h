#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Default nesting limit for decoded messages: deeper input is refused with
 * ATRIUM_ERROR_BAD_ARGS instead of being walked recursively. */
#define ATRIUM_JSON_DEFAULT_MAX_DEPTH 512

JsonNode *_atrium_json_parse  (const char  *text,
                               gsize        length,
                               guint        max_depth,
                               GError     **error);
JsonNode *_atrium_json_parse_marked (const char  *text,
                                     gsize        length,
                                     guint        max_depth,
                                     const char  *mark,
                                     GPtrArray   *marked,
                                     GError     **error);
void      _atrium_json_write  (GString     *out,
                               JsonNode    *node);
guint     _atrium_json_write_marked (GString    *out,
                                     JsonNode   *node,
                                     const char *mark);
guint     _atrium_json_write_parts  (GString    *out,
                                     JsonNode   *node,
                                     const char *mark,
                                     GPtrArray  *parts);

G_END_DECLS

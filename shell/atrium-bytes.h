#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * ATRIUM_BYTES_KEY:
 *
 * The member name of a bytes marker. Binary values (an `ArrayBuffer`, a
 * typed array, a `DataView`, a `Blob` or a `File` in the page; a #GBytes
 * in C) travel inside JSON values as an object with this one member,
 * holding the bytes as standard base64: `{"$atrium-bytes": "AAEC"}`. In
 * C, every node of that shape in the arguments of a call or in the data of
 * an event from a page is a binary value the page sent: the name is
 * reserved, and a page's own object that uses it is refused with
 * %ATRIUM_ERROR_BAD_ARGS before any method or listener sees it. Nodes of
 * that shape that C puts in a result or an event reach the page as a
 * `Uint8Array`. Make them with atrium_bytes_node_new(), read them with
 * atrium_bytes_node_get_bytes().
 */
#define ATRIUM_BYTES_KEY "$atrium-bytes"

ATRIUM_AVAILABLE_IN_ALL
JsonNode *atrium_bytes_node_new       (GBytes    *bytes);
ATRIUM_AVAILABLE_IN_ALL
gboolean  atrium_node_holds_bytes     (JsonNode  *node);
ATRIUM_AVAILABLE_IN_ALL
GBytes   *atrium_bytes_node_get_bytes (JsonNode  *node,
                                       GError   **error);

G_END_DECLS

#pragma once

#include <glib.h>

#include "atrium-pool-private.h"

G_BEGIN_DECLS

/* Output buffers for encoding results. A buffer that grew past this is
 * freed rather than kept, so one huge reply does not pin memory forever. */
#define ATRIUM_JSON_BUFFER_KEEP_MAX (256 * 1024)

GString *_atrium_json_buffer_take       (void);
void     _atrium_json_buffer_give       (GString         *buffer);
void     _atrium_json_buffer_get_stats  (AtriumPoolStats *stats);
void     _atrium_json_pool_trim         (void);

G_END_DECLS

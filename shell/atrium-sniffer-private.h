#pragma once

#include <gio/gio.h>

#include "atrium-pool-private.h"

G_BEGIN_DECLS

/* How many leading bytes a sniff looks at. Every signature below fits; for
 * text it is enough to tell UTF-8 from binary with confidence. */
#define ATRIUM_SNIFF_LENGTH 1024

#define ATRIUM_TYPE_SNIFFER (_atrium_sniffer_get_type ())

G_DECLARE_FINAL_TYPE (AtriumSniffer, _atrium_sniffer, ATRIUM, SNIFFER, GObject)

const char    *_atrium_sniff                  (const guint8   *data,
                                               gsize           length);

AtriumSniffer *_atrium_sniffer_new            (gboolean        pooled);
AtriumSniffer *_atrium_sniffer_get_default    (void);
const char    *_atrium_sniffer_sniff_stream   (AtriumSniffer  *self,
                                               GInputStream   *stream,
                                               GCancellable   *cancellable,
                                               GError        **error);
void           _atrium_sniffer_get_stats      (AtriumSniffer  *self,
                                               AtriumPoolStats *stats);

G_END_DECLS

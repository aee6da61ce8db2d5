#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ATRIUM_TYPE_SLICE_STREAM (_atrium_slice_stream_get_type ())

G_DECLARE_FINAL_TYPE (AtriumSliceStream, _atrium_slice_stream, ATRIUM, SLICE_STREAM,
                      GFilterInputStream)

GInputStream *_atrium_slice_stream_new     (GInputStream  *base,
                                            goffset        length);
gboolean      _atrium_stream_advance_to    (GInputStream  *stream,
                                            goffset        offset,
                                            GError       **error);

G_END_DECLS

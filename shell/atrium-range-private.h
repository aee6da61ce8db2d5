#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a Range request header asks of a file of a known size. */
typedef enum
{
  ATRIUM_RANGE_NONE,           /* no usable Range: serve the whole file, 200 */
  ATRIUM_RANGE_SATISFIABLE,    /* serve [start, start + length), 206 */
  ATRIUM_RANGE_UNSATISFIABLE,  /* nothing of the file is in range, 416 */
} AtriumRangeResult;

AtriumRangeResult _atrium_range_parse (const char *header,
                                       goffset     size,
                                       goffset    *start,
                                       goffset    *length);

G_END_DECLS

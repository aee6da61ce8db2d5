#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-error.h"

G_DEFINE_QUARK (atrium-error-quark, atrium_error)

/**
 * atrium_error_to_code:
 * @error: an #AtriumError
 *
 * Returns: (transfer none): the stable string the JS runtime puts in
 *   `Error.code` for @error, such as `"not-found"`.
 */
const char *
atrium_error_to_code (AtriumError error)
{
  switch (error)
    {
    case ATRIUM_ERROR_NOT_FOUND: return "not-found";
    case ATRIUM_ERROR_BAD_ARGS:  return "bad-args";
    case ATRIUM_ERROR_CANCELLED: return "cancelled";
    case ATRIUM_ERROR_TOO_LARGE: return "too-large";
    case ATRIUM_ERROR_FORBIDDEN: return "forbidden";
    case ATRIUM_ERROR_QUEUE_FULL: return "queue-full";
    case ATRIUM_ERROR_NOT_SUPPORTED: return "not-supported";
    case ATRIUM_ERROR_FAILED:
    default:                     return "failed";
    }
}

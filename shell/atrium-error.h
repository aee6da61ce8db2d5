#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

#define ATRIUM_ERROR (atrium_error_quark ())

/**
 * AtriumError:
 * @ATRIUM_ERROR_FAILED: the method ran and failed (JS code `failed`)
 * @ATRIUM_ERROR_NOT_FOUND: no such method or file (JS code `not-found`)
 * @ATRIUM_ERROR_BAD_ARGS: the message or its arguments are malformed (JS code `bad-args`)
 * @ATRIUM_ERROR_CANCELLED: the call was cancelled (JS code `cancelled`)
 * @ATRIUM_ERROR_TOO_LARGE: the message is larger than the limit (JS code `too-large`)
 * @ATRIUM_ERROR_FORBIDDEN: the caller may not do this (JS code `forbidden`)
 * @ATRIUM_ERROR_QUEUE_FULL: a window's event queue is full and the emitter
 *   cannot wait for room (JS code `queue-full`)
 * @ATRIUM_ERROR_NOT_SUPPORTED: the display server cannot do this, such as
 *   moving a window on Wayland (JS code `not-supported`)
 *
 * Error codes of the %ATRIUM_ERROR domain. Each maps 1:1 onto the `code`
 * property of the `Error` a rejected `atrium.call()` Promise carries.
 */
typedef enum {
  ATRIUM_ERROR_FAILED,
  ATRIUM_ERROR_NOT_FOUND,
  ATRIUM_ERROR_BAD_ARGS,
  ATRIUM_ERROR_CANCELLED,
  ATRIUM_ERROR_TOO_LARGE,
  ATRIUM_ERROR_FORBIDDEN,
  ATRIUM_ERROR_QUEUE_FULL,
  ATRIUM_ERROR_NOT_SUPPORTED,
} AtriumError;

ATRIUM_AVAILABLE_IN_ALL
GQuark       atrium_error_quark          (void);
ATRIUM_AVAILABLE_IN_ALL
const char  *atrium_error_to_code        (AtriumError  error);

G_END_DECLS

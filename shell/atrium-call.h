#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "atrium-bytes.h"
#include "atrium-error.h"

G_BEGIN_DECLS

typedef struct _AtriumWindow AtriumWindow;

#define ATRIUM_TYPE_CALL (atrium_call_get_type ())

/**
 * AtriumCall:
 *
 * One call from JavaScript to a bound C method, in flight. The method
 * receives a reference and finishes the call exactly once with one of the
 * `atrium_call_return_*()` functions, which consume that reference, like
 * #GDBusMethodInvocation. Finishing may happen on any thread; the reply is
 * always sent to the page on the main thread.
 */
typedef struct _AtriumCall AtriumCall;

/**
 * AtriumMethodFunc:
 * @call: (transfer full): the call; finish it with an `atrium_call_return_*()`
 * @user_data: the data given to atrium_app_bind()
 *
 * A bound method. Main-thread and worker methods must finish @call before
 * they return; %ATRIUM_BIND_ASYNC methods may keep it and finish it later.
 */
typedef void (*AtriumMethodFunc) (AtriumCall *call,
                                  gpointer    user_data);

/**
 * AtriumBindFlags:
 * @ATRIUM_BIND_DEFAULT: the method runs on the main thread and finishes the
 *   call before it returns
 * @ATRIUM_BIND_WORKER: the method runs on a worker thread and finishes the
 *   call before it returns; it must not touch GTK or WebKit objects
 * @ATRIUM_BIND_ASYNC: the method runs on the main thread and may finish the
 *   call later, from any thread
 */
typedef enum {
  ATRIUM_BIND_DEFAULT = 0,
  ATRIUM_BIND_WORKER  = 1 << 0,
  ATRIUM_BIND_ASYNC   = 1 << 1,
} AtriumBindFlags;

ATRIUM_AVAILABLE_IN_ALL
GType          atrium_call_get_type          (void) G_GNUC_CONST;
ATRIUM_AVAILABLE_IN_ALL
AtriumCall    *atrium_call_ref               (AtriumCall   *call);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_call_unref             (AtriumCall   *call);

ATRIUM_AVAILABLE_IN_ALL
guint64        atrium_call_get_id            (AtriumCall   *call);
ATRIUM_AVAILABLE_IN_ALL
const char    *atrium_call_get_method        (AtriumCall   *call);
ATRIUM_AVAILABLE_IN_ALL
JsonArray     *atrium_call_get_args          (AtriumCall   *call);
ATRIUM_AVAILABLE_IN_ALL
guint          atrium_call_get_n_args        (AtriumCall   *call);
ATRIUM_AVAILABLE_IN_ALL
JsonNode      *atrium_call_get_arg           (AtriumCall   *call,
                                              guint         index);
ATRIUM_AVAILABLE_IN_ALL
GBytes        *atrium_call_get_bytes         (AtriumCall   *call,
                                              guint         index,
                                              GError      **error);
ATRIUM_AVAILABLE_IN_ALL
GBytes        *atrium_call_get_bytes_for_node (AtriumCall  *call,
                                              JsonNode     *node,
                                              GError      **error);
ATRIUM_AVAILABLE_IN_ALL
GInputStream  *atrium_call_get_stream        (AtriumCall   *call,
                                              guint         index,
                                              GError      **error);
ATRIUM_AVAILABLE_IN_ALL
GCancellable  *atrium_call_get_cancellable   (AtriumCall   *call);
ATRIUM_AVAILABLE_IN_ALL
gboolean       atrium_call_is_cancelled      (AtriumCall   *call);
ATRIUM_AVAILABLE_IN_ALL
AtriumWindow  *atrium_call_get_window        (AtriumCall   *call);

ATRIUM_AVAILABLE_IN_ALL
void           atrium_call_return_value      (AtriumCall   *call,
                                              JsonNode     *result);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_call_return_bytes      (AtriumCall   *call,
                                              GBytes       *bytes);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_call_return_stream     (AtriumCall   *call,
                                              GInputStream *stream,
                                              const char   *content_type,
                                              goffset       size);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_call_return_error      (AtriumCall   *call,
                                              AtriumError   code,
                                              const char   *format,
                                              ...) G_GNUC_PRINTF (3, 4);
ATRIUM_AVAILABLE_IN_ALL
void           atrium_call_return_gerror     (AtriumCall   *call,
                                              const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumCall, atrium_call_unref)

G_END_DECLS

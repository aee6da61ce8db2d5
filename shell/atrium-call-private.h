#pragma once

#include <webkit/webkit.h>

#include "atrium-call.h"
#include "atrium-registry-private.h"

G_BEGIN_DECLS

typedef struct _AtriumBridge AtriumBridge;

struct _AtriumCall
{
  gatomicrefcount  ref_count;
  int              finished;      /* atomic; set by the first return */
  guint64          id;
  AtriumMethod    *method;
  JsonNode        *message;       /* the decoded [method, [args…]] */
  JsonArray       *args;          /* borrowed from message */
  GCancellable    *cancellable;

  /* Written once by the thread that finishes the call, read on the main
   * thread after the hand-over. */
  char            *result;        /* JSON text of the result */
  GError          *error;

  /* Main thread only. The bridge clears them when its window goes away, so a
   * late result finds nothing to reply to and is dropped. */
  AtriumBridge    *bridge;
  WebKitScriptMessageReply *reply;
  JSCContext      *context;
};

guint64     _atrium_call_next_id  (void);
AtriumCall *_atrium_call_new      (AtriumMethod             *method,
                                   JsonNode                 *message,
                                   AtriumBridge             *bridge,
                                   WebKitScriptMessageReply *reply,
                                   JSCContext               *context);
gboolean    _atrium_call_is_finished (AtriumCall            *call);
void        _atrium_call_detach   (AtriumCall               *call);

G_END_DECLS

#pragma once

#include <webkit/webkit.h>

#include "atrium-call.h"
#include "atrium-bytes-private.h"
#include "atrium-channel-private.h"
#include "atrium-media-server-private.h"
#include "atrium-pool-private.h"
#include "atrium-registry-private.h"

G_BEGIN_DECLS

typedef struct _AtriumBridge AtriumBridge;

/* Sends a finished call's reply: the bridge's, given when it makes the
 * call, so that a call never calls into the bridge, window or app (of
 * libatrium it uses only core units: the media server for the streams its
 * arguments name). Main thread; it must cope with a call whose bridge has
 * gone (detached). */
typedef void (*AtriumCallDeliverFunc) (AtriumCall *call);

struct _AtriumCall
{
  gatomicrefcount  ref_count;
  int              finished;      /* atomic; set by the first return */
  int              cancelled;     /* atomic; set by cancel, before or after
                                   * anyone asked for the cancellable */
  guint64          id;
  gint64           page_id;       /* the runtime's id, for p.cancel() */
  AtriumMethod    *method;
  JsonNode        *message;       /* the decoded [method, [args…], id] */
  JsonArray       *args;          /* borrowed from message */
  GCancellable    *cancellable;   /* atomic pointer, made on first request */

  /* Written once by the thread that finishes the call, read on the main
   * thread after the hand-over. */
  GString         *result;        /* JSON text of the result, pooled */
  GPtrArray       *result_parts;  /* by_extension: the result's binary values (GBytes),
                                   * for the markers in @result */
  gboolean         result_is_string; /* by_extension: @result is a string result's own
                                      * UTF-8, not JSON */
  GError          *error;
  AtriumMediaServer *media;       /* set before dispatch, read-only after: uploads */
  gboolean         has_streams;   /* the arguments name streams; likewise */
  gboolean         by_extension;  /* came through the web process extension; likewise */
  AtriumBytesParts *arg_parts;    /* by_extension: the arguments' binary values, revealed
                                   * when the arguments are read as JSON
                                   * (_atrium_bytes_parse_parts()); likewise */
  GHashTable      *in_streams;    /* argument node → the stream handed out, under
                                   * atrium-call.c's streams_lock */
  GInputStream    *stream;        /* a stream result (atrium_call_return_stream()) */
  char            *stream_type;
  goffset          stream_size;

  /* Main thread only. The bridge clears them when its window goes away, so a
   * late result finds nothing to reply to and is dropped. */
  AtriumBridge    *bridge;        /* opaque here: only @deliver looks inside */
  AtriumWindow    *window;
  AtriumCallDeliverFunc deliver;  /* NULL: nothing to send the result to */
  WebKitScriptMessageReply *reply;
  WebKitUserMessage *user_message; /* the extension's message, to reply to */
  JSCContext      *context;
  guint64          page_serial;   /* the bridge's page when the call came */
  gboolean         binary_reply;  /* the page sent bytes: large replies may be */
};

guint64     _atrium_call_next_id      (void);
AtriumCall *_atrium_call_new          (AtriumMethod             *method,
                                       JsonNode                 *message,
                                       AtriumBridge             *bridge,
                                       WebKitScriptMessageReply *reply,
                                       JSCContext               *context);
gboolean    _atrium_call_is_finished  (AtriumCall               *call);
void        _atrium_call_set_delivery (AtriumCall               *call,
                                       AtriumCallDeliverFunc     deliver,
                                       AtriumWindow             *window);
void        _atrium_call_set_user_message (AtriumCall        *call,
                                           WebKitUserMessage *message);
void        _atrium_call_detach       (AtriumCall               *call);
void        _atrium_call_cancel       (AtriumCall               *call);

void        _atrium_call_get_pool_stats (AtriumPoolStats        *stats);
gboolean       _atrium_call_has_channel (void);
AtriumChannel *_atrium_call_get_channel (void);

void _atrium_call_trim_pool (void);

G_END_DECLS

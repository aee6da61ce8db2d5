#pragma once

#include <webkit/webkit.h>

#include "atrium-event-queue-private.h"

G_BEGIN_DECLS

/* A window's event queue taken to its page by WebKit: by script or as the
 * answers to the page's polls (see atrium-event-delivery.c). Main thread
 * only; the window owns it. */
typedef struct _AtriumEventDelivery AtriumEventDelivery;

AtriumEventDelivery *_atrium_event_delivery_new       (AtriumEventQueue         *queue,
                                                       WebKitWebView            *web_view);
AtriumEventQueue    *_atrium_event_delivery_get_queue (AtriumEventDelivery      *self);
void                 _atrium_event_delivery_poll      (AtriumEventDelivery      *self,
                                                       guint64                   ack,
                                                       WebKitScriptMessageReply *reply,
                                                       JSCContext               *context);
void                 _atrium_event_delivery_free      (AtriumEventDelivery      *self);

G_END_DECLS

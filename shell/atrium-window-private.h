#pragma once

#include "atrium-window.h"
#include "atrium-bridge-private.h"

G_BEGIN_DECLS

AtriumBridge *_atrium_window_get_bridge   (AtriumWindow *self);
void          _atrium_window_grant_open   (AtriumWindow *self,
                                           const char   *uri,
                                           gsize         length);
/* What a window refused, for tests. */
typedef struct
{
  guint downloads;
  guint opens;
  guint redirects;
} AtriumWindowRefusals;

void          _atrium_window_get_refusals (AtriumWindow         *self,
                                           AtriumWindowRefusals *refusals);

G_END_DECLS

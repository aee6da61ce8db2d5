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
void          _atrium_window_note_refused_download (AtriumWindow *self);

/* Close interception (atrium.window.onCloseRequested): whether the page
 * wants a say, and its answer to request @serial. */
void          _atrium_window_set_page_intercepts_close (AtriumWindow *self,
                                                        gboolean      intercepts);
gboolean      _atrium_window_answer_close (AtriumWindow *self,
                                           guint64       serial,
                                           gboolean      prevent);
/* Closes without asking anyone: destroy(). */
void          _atrium_window_destroy      (AtriumWindow *self);
/* For tests: the close request waiting for the page. */
gboolean      _atrium_window_get_close_wait (AtriumWindow *self,
                                             gint64       *asked_us,
                                             gint64       *due_us);
gboolean      _atrium_window_has_live_process (AtriumWindow *self);
const char   *_atrium_window_get_foreign_frame (AtriumWindow *self);
void          _atrium_window_get_frame_extents (AtriumWindow *self,
                                                int           extents[4]);

G_END_DECLS

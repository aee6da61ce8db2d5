#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A window's remembered state, and the file that keeps it for every state
 * key of an app (atrium-window-state-file.c). Core: no GTK. */

#define ATRIUM_WINDOW_STATE_KEY_MAX   256   /* bytes of a key */
#define ATRIUM_WINDOW_STATE_MAX_KEYS  64    /* keys in one file */
#define ATRIUM_WINDOW_STATE_MAX_SIZE  32767 /* pixels, as GTK and X11 allow */

typedef struct
{
  int      width;
  int      height;
  gboolean maximized;
  gboolean fullscreen;
  gboolean has_position;   /* X11 only */
  int      x;
  int      y;
} AtriumWindowState;

typedef struct
{
  int x;
  int y;
  int width;
  int height;
} AtriumWindowArea;

char     *_atrium_window_state_path       (const char              *app_id);
gboolean  _atrium_window_state_key_is_valid (const char            *key);
gboolean  _atrium_window_state_load       (const char              *path,
                                           const char              *key,
                                           AtriumWindowState       *state,
                                           GError                 **error);
gboolean  _atrium_window_state_save       (const char              *path,
                                           const char              *key,
                                           const AtriumWindowState *state,
                                           GError                 **error);
void      _atrium_window_state_clamp      (AtriumWindowState       *state,
                                           const AtriumWindowArea  *area);
int       _atrium_window_state_pick_area  (const AtriumWindowState *state,
                                           const AtriumWindowArea  *areas,
                                           guint                    n_areas);

G_END_DECLS

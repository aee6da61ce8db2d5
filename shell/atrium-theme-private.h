#pragma once

#include <gio/gio.h>

#include "atrium-app.h"

G_BEGIN_DECLS

/* The desktop's light or dark preference, followed live, and what the app
 * forces over it (atrium-theme.c). Main thread. */
typedef struct _AtriumTheme AtriumTheme;

typedef void (*AtriumThemeChanged) (gboolean dark,
                                    gpointer user_data);

AtriumTheme *_atrium_theme_new        (GDBusConnection   *bus);
void         _atrium_theme_set_changed (AtriumTheme      *self,
                                       AtriumThemeChanged changed,
                                       gpointer           user_data);
void         _atrium_theme_set_forced (AtriumTheme       *self,
                                       AtriumColorScheme  scheme);
gboolean     _atrium_theme_is_dark    (AtriumTheme       *self);
void         _atrium_theme_free       (AtriumTheme       *self);

gboolean     _atrium_theme_portal_is_dark (GVariant      *value);
void         _atrium_theme_set_read_timeout (guint        ms);

G_END_DECLS

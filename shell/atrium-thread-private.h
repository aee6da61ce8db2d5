#pragma once

#include <glib.h>

G_BEGIN_DECLS

void     _atrium_main_thread_init (void);
gboolean _atrium_is_main_thread   (void);

G_END_DECLS

#pragma once

#include "atrium-window.h"

G_BEGIN_DECLS

/* The page's alert(), confirm(), prompt(), "leave this page?" and
 * <input type=file> as native dialogs (atrium-page-dialogs.c). */
void  _atrium_page_dialogs_attach  (AtriumWindow *window);

G_END_DECLS

#pragma once

#include "atrium-window.h"

G_BEGIN_DECLS

/* The page's alert(), confirm(), prompt(), "leave this page?" and
 * <input type=file> as native dialogs (atrium-page-dialogs.c). */
void  _atrium_page_dialogs_attach  (AtriumWindow *window);

/* How many bytes of the page's text a dialog shows, as
 * atrium.dialog.message() takes at most: a page can pass alert() a
 * string of any length. Longer text is cut at a character's start and
 * ends in "…". */
#define ATRIUM_PAGE_DIALOG_TEXT_MAX 16384

G_END_DECLS

#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include "atrium-app.h"

G_BEGIN_DECLS

/**
 * AtriumDownloadPolicy:
 * @ATRIUM_DOWNLOAD_DEFAULT: from #AtriumApp::decide-download only: no
 *   opinion, the app's policy decides
 * @ATRIUM_DOWNLOAD_ASK: a save dialog, modal to the page's window, asks the
 *   user where the file goes (the default)
 * @ATRIUM_DOWNLOAD_TO_DOWNLOADS: the file goes to the user's downloads
 *   folder (`XDG_DOWNLOAD_DIR`) under the name the page suggested, made
 *   safe and numbered if taken ("report (1).pdf"), without asking
 * @ATRIUM_DOWNLOAD_REFUSE: no file; the page gets `atrium:download.failed`
 * @ATRIUM_DOWNLOAD_TO_PATH: from #AtriumApp::decide-download only: the file
 *   goes to the absolute path the handler set, replacing what is there
 *
 * What happens to a download a page of the app starts (`<a download>`, a
 * response with `Content-Disposition: attachment` or of a type WebKit
 * cannot show, among them the app's own app:// files, a `blob:` link).
 * Frames of other origins never download, whatever the policy.
 */
typedef enum {
  ATRIUM_DOWNLOAD_DEFAULT,
  ATRIUM_DOWNLOAD_ASK,
  ATRIUM_DOWNLOAD_TO_DOWNLOADS,
  ATRIUM_DOWNLOAD_REFUSE,
  ATRIUM_DOWNLOAD_TO_PATH,
} AtriumDownloadPolicy;

/* How many downloads may be under way at once (a save dialog open
 * included); more are refused. */
#define ATRIUM_DOWNLOADS_MAX_ACTIVE 8

ATRIUM_AVAILABLE_IN_ALL
void                  atrium_app_set_download_policy (AtriumApp            *self,
                                                      AtriumDownloadPolicy  policy);
ATRIUM_AVAILABLE_IN_ALL
AtriumDownloadPolicy  atrium_app_get_download_policy (AtriumApp            *self);

G_END_DECLS

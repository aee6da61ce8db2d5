#pragma once

#include "atrium-downloads.h"
#include "atrium-window.h"

G_BEGIN_DECLS

/* Downloads (atrium-downloads.c): the policy, the save dialog, the files,
 * the events to the page that started each one. Main thread only. */

/* AtriumApp::decide-download, installed by the app's class_init. */
void      _atrium_downloads_install_signal (GObjectClass   *app_class);
/* Whether a download of @uri may start at all: only the app's own origin,
 * or a blob: URL that origin made. */
gboolean  _atrium_downloads_may_start      (AtriumApp      *app,
                                            const char     *uri);
/* WebKit started @download in @window's web view. */
void      _atrium_downloads_started        (AtriumApp      *app,
                                            AtriumWindow   *window,
                                            WebKitDownload *download);
/* The top frame of @window's page navigated to @uri, a file of the app's
 * own (app://) that WebKit would save rather than show. WebKit cannot
 * download it, so it is read from the app's assets and written here, as a
 * download like any other; @suggested is the answer's name, if any. */
void      _atrium_downloads_start_app_file (AtriumApp      *app,
                                            AtriumWindow   *window,
                                            const char     *uri,
                                            const char     *suggested);
/* The app is going: every download under way is cancelled and its
 * temporary file removed. */
void      _atrium_downloads_shutdown       (AtriumApp      *app);

/* For tests: while held, downloads wait before their destination is
 * decided (so a flood stays under way); the most that were under way at
 * once, how many are, how many WebKit started in all. */
void      _atrium_downloads_set_held       (AtriumApp      *app,
                                            gboolean        held);
guint     _atrium_downloads_get_peak       (AtriumApp      *app);
guint     _atrium_downloads_get_active     (AtriumApp      *app);
guint     _atrium_downloads_get_started    (AtriumApp      *app);
/* How many wait while held (an app file joins once it is opened). */
guint     _atrium_downloads_get_waiting    (AtriumApp      *app);
/* App files being copied, in all apps: none once every copy let go. */
guint     _atrium_downloads_get_live_copies (void);

G_END_DECLS

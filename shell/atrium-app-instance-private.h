#pragma once

#include "atrium-app.h"
#include "atrium-window.h"

G_BEGIN_DECLS

/* Single instance, deep links and file associations (atrium-app-instance.c):
 * what a launch hands the app (its own, or a second one's through
 * GApplication's D-Bus uniqueness), asked of C first through AtriumApp's
 * signals, then sent to the pages as atrium:app.second-instance,
 * atrium:app.open-url and atrium:app.open-files. What arrives while no page
 * listens waits here until one does. Main thread only. */

/* The events that wait for a page to listen: at most this many, and this
 * many bytes of their strings; past either the oldest goes, with a warning. */
#define ATRIUM_APP_PENDING_MAX        64
#define ATRIUM_APP_PENDING_BYTES_MAX  (8 * 1024 * 1024)
/* A URL longer than this (bytes) is refused. */
#define ATRIUM_APP_URL_MAX            32768
/* One event carries at most this many arguments or paths, and this many
 * bytes of them; one launch opens at most ATRIUM_APP_PENDING_MAX URLs. */
#define ATRIUM_APP_ITEMS_MAX          1024
#define ATRIUM_APP_EVENT_BYTES_MAX    (1024 * 1024)
/* An argument a page is given is at most this long; a path at most PATH_MAX. */
#define ATRIUM_APP_ARG_MAX            32768
#define ATRIUM_APP_PATH_MAX           4096
/* How many URL schemes an app may register, and how long one may be. */
#define ATRIUM_APP_SCHEMES_MAX        32
#define ATRIUM_APP_SCHEME_MAX         64

typedef struct _AtriumAppInstance AtriumAppInstance;

AtriumAppInstance *_atrium_app_instance_new          (void);
void               _atrium_app_instance_free         (AtriumAppInstance *self);
void               _atrium_app_instance_class_init   (GApplicationClass *app_class);

/* Whether @scheme may be registered: RFC 3986's `ALPHA *( ALPHA / DIGIT /
 * "+" / "-" / "." )`, at most ATRIUM_APP_SCHEME_MAX bytes, and none of the
 * web's or libatrium's own (app, http, https, file, javascript, data, …). */
gboolean           _atrium_url_scheme_check          (const char        *scheme,
                                                      GError           **error);

/* The runtime's: @window's page added its first listener of @name, one of
 * the atrium:app.* events. What waits for it is sent to that window now,
 * and what comes later to every window that listens. */
gboolean           _atrium_app_instance_listen       (AtriumApp         *app,
                                                      AtriumWindow      *window,
                                                      const char        *name,
                                                      GError           **error);
/* For tests: how many events wait for a page, and how many of their bytes. */
guint              _atrium_app_instance_count_pending (AtriumApp        *app,
                                                       gsize            *bytes);

G_END_DECLS

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Lines a page can cause (a refused message, a blocked navigation or
 * download) go through here: at most ATRIUM_LOG_PAGE_PER_SECOND of them
 * in any one second of the monotonic clock, and a count of what was left
 * out with the next line that gets through. A page that posts a million
 * bad messages costs a few lines, not a million. Any thread. */
#define ATRIUM_LOG_PAGE_PER_SECOND 20

void    _atrium_log_page_in          (const char     *domain,
                                      GLogLevelFlags  level,
                                      const char     *format,
                                      ...) G_GNUC_PRINTF (3, 4);
/* Logs in the caller's domain: the part of libatrium the page reached. */
#define _atrium_log_page(level, ...) \
  _atrium_log_page_in (G_LOG_DOMAIN, (level), __VA_ARGS__)
guint64 _atrium_log_page_suppressed  (void);
/* The same budget for a caller that writes its own line: TRUE if one may
 * go now, with @skipped set to how many were left out before it. */
gboolean _atrium_log_page_admit      (guint          *skipped);

G_END_DECLS

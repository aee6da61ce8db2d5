#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Page"
#include "config.h"

#include "atrium-log-limit-private.h"

/* One budget for the whole process, not one per window: the windows a page
 * can open are capped, but a budget each would still multiply the lines. */
static GMutex lock;
static gint64 window_start;     /* µs, monotonic; protected by lock */
static guint  in_window;        /* lines logged since window_start; lock */
static guint  held_back;        /* lines left out since the last one logged; lock */
static guint64 suppressed_total; /* every line ever left out; lock */

gboolean
_atrium_log_page_admit (guint *skipped)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&lock);
  if (now - window_start >= G_USEC_PER_SEC)
    {
      window_start = now;
      in_window = 0;
    }
  if (in_window >= ATRIUM_LOG_PAGE_PER_SECOND)
    {
      held_back++;
      suppressed_total++;
      g_mutex_unlock (&lock);
      return FALSE;
    }
  in_window++;
  *skipped = held_back;
  held_back = 0;
  g_mutex_unlock (&lock);
  return TRUE;
}

void
_atrium_log_page_in (const char     *domain,
                     GLogLevelFlags  level,
                     const char     *format,
                     ...)
{
  g_autofree char *line = NULL;
  guint skipped;
  va_list args;

  if (!_atrium_log_page_admit (&skipped))
    return;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  if (skipped > 0)
    g_log (domain, level, "%s (%u more lines caused by pages were left out before it)", line, skipped);
  else
    g_log (domain, level, "%s", line);
}

/* For tests: how many lines have been left out in all. */
guint64
_atrium_log_page_suppressed (void)
{
  guint64 total;

  g_mutex_lock (&lock);
  total = suppressed_total;
  g_mutex_unlock (&lock);
  return total;
}

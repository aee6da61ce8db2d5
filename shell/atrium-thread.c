#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-thread-private.h"

/* "The main thread" is GTK's: the thread that made the first AtriumApp
 * (GTK and WebKit objects live there), whether or not it is iterating the
 * main loop right now (main() emitting before g_application_run(), say).
 * A thread that owns the default main context counts too, so that code
 * driven by a test's own loop agrees. Every part of libatrium that asks
 * asks here, so they cannot disagree about the same thread. */
static GThread *main_thread;

void
_atrium_main_thread_init (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      g_atomic_pointer_set (&main_thread, g_thread_self ());
      g_once_init_leave (&once, 1);
    }
}

gboolean
_atrium_is_main_thread (void)
{
  return g_thread_self () == g_atomic_pointer_get (&main_thread)
         || g_main_context_is_owner (g_main_context_default ());
}

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-runtime-private.h"

#include <string.h>

#include "atrium-error.h"

/* The runtime script (assets/runtime/atrium.js) is a template: each
 * @NAME@ in it is filled in per launch, in one pass over a table. Every
 * placeholder must be known and used exactly once, so a typo in either
 * file fails at once instead of shipping a script with "@TOKEN@" in it.
 * The values are numbers, "true"/"false", hex and a loopback URL: nothing
 * that needs quoting in the JS source. */

typedef struct
{
  const char *name;
  char       *value;
  guint       uses;
} Placeholder;

char *
_atrium_runtime_render (const char                *template_text,
                        const AtriumRuntimeValues *values,
                        GError                   **error)
{
  Placeholder table[] = {
    { "TOKEN", g_strdup (values->token), 0 },
    { "MAX_MESSAGE", g_strdup_printf ("%" G_GSIZE_FORMAT, values->max_message), 0 },
    { "UPLOAD_MIN", g_strdup_printf ("%" G_GSIZE_FORMAT, values->upload_min), 0 },
    { "LOG_CONSOLE", g_strdup (values->log_console ? "true" : "false"), 0 },
    { "MEDIA_BASE", g_strdup (values->media_base != NULL ? values->media_base : ""), 0 },
    /* The same route, for the runtime's streams (its other block). */
    { "STREAM_BASE", g_strdup (values->media_base != NULL ? values->media_base : ""), 0 },
    { "TRANSPORT", g_strdup (values->transport != NULL ? values->transport : "script"), 0 },
    { "POLL_DEPTH", g_strdup_printf ("%d", ATRIUM_RUNTIME_POLL_DEPTH), 0 },
  };
  g_autoptr(GString) out = g_string_sized_new (strlen (template_text) + 256);
  const char *p = template_text;
  gboolean ok = TRUE;

  while (ok)
    {
      const char *at = strchr (p, '@');
      const char *end;
      gsize i;

      if (at == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, at - p);
      end = strchr (at + 1, '@');
      for (i = 0; end != NULL && i < G_N_ELEMENTS (table); i++)
        if ((gsize) (end - at - 1) == strlen (table[i].name)
            && strncmp (at + 1, table[i].name, end - at - 1) == 0)
          break;
      if (end == NULL || i == G_N_ELEMENTS (table))
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                       "The runtime has an unknown placeholder at “%.24s”", at);
          ok = FALSE;
          break;
        }
      g_string_append (out, table[i].value);
      table[i].uses++;
      p = end + 1;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    {
      if (ok && table[i].uses != 1)
        {
          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                       "The runtime uses @%s@ %u times, not once", table[i].name, table[i].uses);
          ok = FALSE;
        }
      g_free (table[i].value);
    }

  return ok ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

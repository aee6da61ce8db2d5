#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How many polls the runtime keeps posted for events: batches in flight to
 * a window. C and the runtime share this one number (@POLL_DEPTH@). */
#define ATRIUM_RUNTIME_POLL_DEPTH 2

/* What a launch fills into the runtime's @PLACEHOLDERS@. */
typedef struct
{
  const char *token;
  gsize       max_message;
  gsize       upload_min;
  gboolean    log_console;
  const char *media_base;      /* "" without a loopback route */
  const char *transport;       /* "auto", "script" or "extension" (NULL: "script") */
} AtriumRuntimeValues;

char *_atrium_runtime_render (const char                *template_text,
                              const AtriumRuntimeValues *values,
                              GError                   **error);

G_END_DECLS

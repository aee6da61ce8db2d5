#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The files of a download (atrium-download-file.c). Core: no GTK, no
 * WebKit; the name a page suggests is untrusted bytes, made safe here by a
 * pure function the unit tests and a fuzz target drive alone. */

/* Bytes of a file name, below NAME_MAX (255) so that " (NNN)" and the
 * temporary name's prefix and suffix still fit. */
#define ATRIUM_DOWNLOAD_NAME_MAX 200

/* How many "name (N).ext" are tried before a folder counts as full. */
#define ATRIUM_DOWNLOAD_UNIQUE_MAX 999

char     *_atrium_download_sanitize_name (const char  *suggested);
char     *_atrium_download_numbered_name (const char  *name,
                                          guint        n);
char     *_atrium_download_temp_path     (const char  *final_path);
gboolean  _atrium_download_commit        (const char  *temp_path,
                                          const char  *final_path,
                                          gboolean     replace,
                                          GError     **error);

G_END_DECLS

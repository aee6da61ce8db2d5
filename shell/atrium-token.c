#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-token-private.h"

#include <errno.h>
#include <sys/random.h>

/**
 * _atrium_token_generate:
 * @out: (out caller-allocates): where the token and a NUL go
 *
 * Makes a token from getrandom(). A token guards native methods or files
 * from other pages and processes, so it never comes from GRand, and there
 * is no fallback: getrandom() without flags only blocks until the kernel's
 * pool is first seeded, and fails only for a kernel without it (ENOSYS) or
 * a bad buffer, in which case the process aborts rather than run unguarded.
 */
void
_atrium_token_generate (char out[ATRIUM_TOKEN_LENGTH + 1])
{
  guint8 bytes[ATRIUM_TOKEN_LENGTH / 2];
  gsize filled = 0;

  while (filled < sizeof bytes)
    {
      gssize n = getrandom (bytes + filled, sizeof bytes - filled, 0);

      if (n < 0 && errno != EINTR)
        g_error ("getrandom() failed: %s", g_strerror (errno));
      if (n > 0)
        filled += n;
    }

  for (gsize i = 0; i < sizeof bytes; i++)
    {
      out[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
      out[2 * i + 1] = "0123456789abcdef"[bytes[i] & 0xf];
    }
  out[ATRIUM_TOKEN_LENGTH] = '\0';
}

/**
 * _atrium_token_matches:
 * @candidate: bytes that should start with the token; need not end in NUL
 * @length: how many bytes @candidate has
 * @token: the token
 *
 * Whether @candidate starts with @token, in time that depends only on the
 * token's length, so a client cannot find it byte by byte.
 */
gboolean
_atrium_token_matches (const char *candidate,
                       gsize       length,
                       const char *token)
{
  guint8 diff = 0;

  if (candidate == NULL || length < ATRIUM_TOKEN_LENGTH)
    return FALSE;
  for (gsize i = 0; i < ATRIUM_TOKEN_LENGTH; i++)
    diff |= (guint8) candidate[i] ^ (guint8) token[i];
  return diff == 0;
}

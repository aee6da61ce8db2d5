#include "config.h"

#include <string.h>

#include "atrium-token-private.h"

static void
test_generate (void)
{
  char a[ATRIUM_TOKEN_LENGTH + 1];
  char b[ATRIUM_TOKEN_LENGTH + 1];

  g_test_summary ("Tokens are 32 lowercase hex digits, and two are never the same.");

  _atrium_token_generate (a);
  _atrium_token_generate (b);
  g_assert_cmpuint (strlen (a), ==, ATRIUM_TOKEN_LENGTH);
  for (guint i = 0; i < ATRIUM_TOKEN_LENGTH; i++)
    g_assert_true (g_ascii_isxdigit (a[i]) && !g_ascii_isupper (a[i]));
  g_assert_cmpstr (a, !=, b);
}

static void
test_matches (void)
{
  const char *token = "0123456789abcdef0123456789abcdef";
  char changed[ATRIUM_TOKEN_LENGTH + 8];

  g_test_summary ("A candidate matches when it starts with the token, and only then.");

  g_assert_true (_atrium_token_matches (token, ATRIUM_TOKEN_LENGTH, token));
  g_assert_true (_atrium_token_matches ("0123456789abcdef0123456789abcdef[\"x\"]",
                                        ATRIUM_TOKEN_LENGTH + 5, token));
  /* Too short, even when what is there matches. */
  g_assert_false (_atrium_token_matches (token, ATRIUM_TOKEN_LENGTH - 1, token));
  g_assert_false (_atrium_token_matches ("", 0, token));
  g_assert_false (_atrium_token_matches (NULL, 0, token));
  /* Any one byte different, first, last or in the middle. */
  for (guint i = 0; i < ATRIUM_TOKEN_LENGTH; i++)
    {
      memcpy (changed, token, ATRIUM_TOKEN_LENGTH);
      changed[i] ^= 1;
      g_assert_false (_atrium_token_matches (changed, ATRIUM_TOKEN_LENGTH, token));
    }
  /* A NUL inside is a difference, not an end. */
  memcpy (changed, token, ATRIUM_TOKEN_LENGTH);
  changed[5] = '\0';
  g_assert_false (_atrium_token_matches (changed, ATRIUM_TOKEN_LENGTH, token));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/token/generate", test_generate);
  g_test_add_func ("/atrium/token/matches", test_matches);

  return g_test_run ();
}

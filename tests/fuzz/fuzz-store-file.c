#include "config.h"

#include "fuzz-common.h"

#include <string.h>

#include "atrium-error.h"
#include "atrium-store-private.h"

/* The bytes of a store file, as the store reads them at start-up: either a
 * store within every limit a change is held to, or an error (the file is
 * then kept aside), never a crash. */

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) entries = NULL;
  GHashTableIter iter;
  const char *key;
  gsize file_size = 0;

  entries = _atrium_store_parse ((const char *) data, size, &file_size, &error);
  if (entries == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == ATRIUM_ERROR);
      g_assert_true (error->code == ATRIUM_ERROR_BAD_ARGS || error->code == ATRIUM_ERROR_TOO_LARGE);
      return 0;
    }

  g_assert_no_error (error);
  g_assert_cmpuint (file_size, >=, 2);
  g_assert_cmpuint (file_size, <=, ATRIUM_STORE_MAX_SIZE + 1);
  g_hash_table_iter_init (&iter, entries);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    {
      gsize length = strlen (key);

      g_assert_cmpuint (length, >=, 1);
      g_assert_cmpuint (length, <=, ATRIUM_STORE_MAX_KEY_LENGTH);
      g_assert_true (g_utf8_validate (key, length, NULL));
    }
  return 0;
}

#define _GNU_SOURCE 1
#include "config.h"

#include "fuzz-common.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "atrium-bytes-private.h"
#include "atrium-call-message-private.h"
#include "atrium-error.h"
#include "atrium-wire-private.h"

/* The UI process's decoding of a call from the web process extension
 * (_atrium_wire_decode_call()): what a compromised web process controls
 * entirely, the user message's parameters and the files it carries. The
 * input is
 *
 *     FLAGS  LEN_LO LEN_HI  FILE[LEN]  VARIANT…
 *
 * FLAGS says whether the message carries a memfd holding FILE (bit 0),
 * which seals it has (bit 1: all of them; bit 2: all but F_SEAL_WRITE),
 * and whether a pipe comes after it (bit 3); VARIANT is the serialised
 * parameters (ATRIUM_WIRE_CALL_TYPE), taken as GLib takes a message it
 * did not make. Bit 4 decodes as the bridge does, with the binary values'
 * base64 deferred (AtriumBytesParts), and then reads them as a method
 * would: each argument's bytes, one argument revealed, then all. */

#define TOKEN "0123456789abcdef0123456789abcdef"
#define MAX_SIZE (1 << 20)
#define MAX_DEPTH 64

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

static void
check_tree (JsonNode *node)
{
  JsonArray *args = json_array_get_array_element (json_node_get_array (node), 1);

  g_assert_true (_atrium_call_message_check (node, NULL));
  for (guint i = 0; i < json_array_get_length (args); i++)
    {
      JsonNode *arg = json_array_get_element (args, i);

      if (atrium_node_holds_bytes (arg))
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GBytes) bytes = atrium_bytes_node_get_bytes (arg, &error);

          /* What the decoder put there is always valid base64. */
          g_assert_no_error (error);
          g_assert_nonnull (bytes);
        }
    }
}

/* As a method reads a call whose markers wait for their base64: the
 * top-level arguments' bytes (each a binary value or NULL, never
 * anything else), the first argument revealed, then the whole tree. */
static void
read_deferred (JsonNode         *node,
               AtriumBytesParts *parts)
{
  JsonArray *args = json_array_get_array_element (json_node_get_array (node), 1);

  /* The decoder noted the arguments already (_atrium_bytes_parts_note_args()). */
  for (guint i = 0; i <= json_array_get_length (args); i++)
    {
      g_autoptr(GBytes) bytes = _atrium_bytes_parts_get_arg (parts, i);

      if (bytes != NULL)
        {
          JsonNode *arg = json_array_get_element (args, i);

          g_assert_true (JSON_NODE_HOLDS_OBJECT (arg));
          g_assert_true (json_object_has_member (json_node_get_object (arg), ATRIUM_BYTES_KEY));
        }
    }
  if (json_array_get_length (args) > 0)
    _atrium_bytes_parts_reveal_arg (parts, 0);
  _atrium_bytes_parts_reveal (parts);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GBytes) variant_bytes = NULL;
  g_autoptr(GVariant) params = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(AtriumBytesParts) parts = NULL;
  guint flags, file_size;

  if (size < 3)
    return 0;
  flags = data[0];
  file_size = data[1] | (data[2] << 8);
  if (file_size > size - 3)
    return 0;

  if (flags & 1)
    {
      int fd = memfd_create ("fuzz-wire", MFD_CLOEXEC | MFD_ALLOW_SEALING);

      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (write (fd, data + 3, file_size), ==, (ssize_t) file_size);
      if (flags & 2)
        fcntl (fd, F_ADD_SEALS, ATRIUM_WIRE_SEALS);
      else if (flags & 4)
        fcntl (fd, F_ADD_SEALS, ATRIUM_WIRE_SEALS & ~F_SEAL_WRITE);
      g_unix_fd_list_append (fds, fd, NULL);
      close (fd);
    }
  if (flags & 8)
    {
      int pipe_fds[2];

      g_assert_cmpint (pipe (pipe_fds), ==, 0);
      g_unix_fd_list_append (fds, pipe_fds[0], NULL);
      close (pipe_fds[0]);
      close (pipe_fds[1]);
    }

  /* A copy of exactly the variant's bytes, so ASan sees a read past them. */
  variant_bytes = g_bytes_new (data + 3 + file_size, size - 3 - file_size);
  params = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (ATRIUM_WIRE_CALL_TYPE),
                                                         variant_bytes, FALSE));

  node = _atrium_wire_decode_call (params, fds, TOKEN, MAX_SIZE, MAX_DEPTH,
                                   (flags & 16) ? &parts : NULL, &error);
  if (node == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == ATRIUM_ERROR);
      g_assert_true (error->code == ATRIUM_ERROR_FORBIDDEN || error->code == ATRIUM_ERROR_BAD_ARGS
                     || error->code == ATRIUM_ERROR_TOO_LARGE);
      return 0;
    }
  g_assert_no_error (error);
  if (parts != NULL)
    read_deferred (node, parts);
  check_tree (node);
  return 0;
}

#define _GNU_SOURCE 1
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "atrium-bytes-private.h"
#include "atrium-call-message-private.h"
#include "atrium-call-private.h"
#include "atrium-registry-private.h"
#include "atrium-error.h"
#include "atrium-json-private.h"
#include "atrium-token-private.h"
#include "atrium-wire-private.h"
#include "test-util.h"

/* The web process extension's wire format (atrium-wire.c) and the UI
 * process's decoding of a call that came that way
 * (_atrium_wire_decode_call()), as an attacker who holds the web process
 * would send it: without the token, with memfds that are not sealed or lie
 * about their size, over the limits. */

static const char token[] = "0123456789abcdef0123456789abcdef";

/* A memfd holding @size bytes of @fill, with @seals. */
static int
memfd_of (gsize size,
          int   fill,
          int   seals)
{
  int fd = memfd_create ("test-wire", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  g_autofree guint8 *data = g_malloc (MAX (size, 1));

  g_assert_cmpint (fd, >=, 0);
  memset (data, fill, size);
  g_assert_cmpint (write (fd, data, size), ==, (gssize) size);
  if (seals != 0)
    g_assert_cmpint (fcntl (fd, F_ADD_SEALS, seals), ==, 0);
  return fd;
}

static GVariant *
inline_part (gconstpointer data,
             gsize         size)
{
  return g_variant_new ("(@ayht)",
                        g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, size > 0 ? data : "", size,
                                                   1),
                        -1, (guint64) size);
}

/* A PART naming fd @fd (appended to @fds) that says it holds @size bytes. */
static GVariant *
fd_part (GUnixFDList *fds,
         int          fd,
         guint64      size)
{
  int index = g_unix_fd_list_append (fds, fd, NULL);

  close (fd);
  g_assert_cmpint (index, >=, 0);
  return g_variant_new ("(@ayht)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1),
                        index, size);
}

static GVariant *
call_message (const char *with_token,
              const char *json,
              GVariant  **parts,
              guint       n_parts)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a" ATRIUM_WIRE_PART_TYPE));
  for (guint i = 0; i < n_parts; i++)
    g_variant_builder_add_value (&builder, parts[i]);
  return g_variant_ref_sink (
    g_variant_new ("(@ay@" ATRIUM_WIRE_PART_TYPE "@a" ATRIUM_WIRE_PART_TYPE ")",
                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, with_token,
                                              strlen (with_token), 1),
                   inline_part (json, strlen (json)), g_variant_builder_end (&builder)));
}

static void
assert_refused (GVariant    *message,
                GUnixFDList *fds,
                gsize        max_size,
                AtriumError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = _atrium_wire_decode_call (message, fds, token, max_size, 64, NULL,
                                                                &error);

  g_assert_null (node);
  g_assert_error (error, ATRIUM_ERROR, (gint) code);
}

static const char echo_two[] = "[\"echo\",[{\"$atrium-bytes\":0},{\"$atrium-bytes\":1}],7]";

static void
test_round_trip (void)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) message = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) small = NULL;
  g_autoptr(GBytes) large = NULL;
  g_autoptr(AtriumBytesParts) known = NULL;
  g_autoptr(GPtrArray) result_parts =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GString) result = g_string_new (NULL);
  g_autoptr(JsonNode) copy = NULL;
  GVariant *parts[2];
  JsonArray *args;
  JsonNode *member;

  g_test_summary ("A call with an inline part and a sealed memfd decodes to the same tree as a "
                  "script message with base64; the parts made by _atrium_wire_part_new() read "
                  "back as they were, at the threshold and on both sides of it");

  parts[0] = _atrium_wire_part_new ("\x01\x02\x03", 3, fds, &error);
  g_assert_no_error (error);
  parts[1] = fd_part (fds, memfd_of (ATRIUM_WIRE_INLINE_MAX, 0xab, ATRIUM_WIRE_SEALS),
                      ATRIUM_WIRE_INLINE_MAX);
  message = call_message (token, echo_two, parts, 2);
  node = _atrium_wire_decode_call (message, fds, token, 1 << 20, 64, &known, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);

  args = json_array_get_array_element (json_node_get_array (node), 1);

  /* Until the tree is read as JSON, the markers keep the page's index and
   * the bytes come without base64. */
  member = json_object_get_member (json_node_get_object (json_array_get_element (args, 1)),
                                   ATRIUM_BYTES_KEY);
  g_assert_cmpint (json_node_get_int (member), ==, 1);
  g_assert_false (atrium_node_holds_bytes (json_array_get_element (args, 1)));
  g_assert_null (_atrium_bytes_parts_lookup (known, member));
  large = _atrium_bytes_parts_get_arg (known, 1);
  g_assert_cmpuint (g_bytes_get_size (large), ==, ATRIUM_WIRE_INLINE_MAX);
  g_clear_pointer (&large, g_bytes_unref);
  g_assert_null (_atrium_bytes_parts_get_arg (known, 2));

  _atrium_bytes_parts_reveal (known);
  _atrium_bytes_parts_reveal (known);
  small = atrium_bytes_node_get_bytes (json_array_get_element (args, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (small, NULL), g_bytes_get_size (small), "\x01\x02\x03", 3);
  large = atrium_bytes_node_get_bytes (json_array_get_element (args, 1), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (large), ==, ATRIUM_WIRE_INLINE_MAX);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (large, NULL))[ATRIUM_WIRE_INLINE_MAX - 1],
                    ==, 0xab);

  /* Each value's member is sealed and its bytes known: a result that holds
   * it (a copy of the argument shares it) goes back without a decode. */
  member = json_object_get_member (json_node_get_object (json_array_get_element (args, 1)),
                                   ATRIUM_BYTES_KEY);
  g_assert_true (json_node_is_immutable (member));
  g_assert_true (g_bytes_equal (_atrium_bytes_parts_lookup (known, member), large));
  copy = json_node_copy (json_array_get_element (args, 1));
  g_assert_cmpuint (_atrium_bytes_write_parts (result, copy, result_parts, known), ==, 1);
  g_assert_cmpstr (result->str, ==, "{\"$atrium-bytes\":0}");
  g_assert_true (g_ptr_array_index (result_parts, 0) == _atrium_bytes_parts_lookup (known, member));

  /* The threshold: below it inline, from it a memfd. */
  for (gsize size = ATRIUM_WIRE_INLINE_MAX - 1; size <= ATRIUM_WIRE_INLINE_MAX; size++)
    {
      g_autoptr(GUnixFDList) list = g_unix_fd_list_new ();
      g_autofree guint8 *data = g_malloc (size);
      g_autoptr(GVariant) part = NULL;
      g_autoptr(GBytes) back = NULL;

      for (gsize i = 0; i < size; i++)
        data[i] = i * 13;
      part = g_variant_ref_sink (_atrium_wire_part_new (data, size, list, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_unix_fd_list_get_length (list), ==,
                       size < ATRIUM_WIRE_INLINE_MAX ? 0 : 1);
      back = _atrium_wire_part_read (part, list, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, size);
    }
}

static gpointer
reveal_thread (gpointer data)
{
  _atrium_bytes_parts_reveal (data);
  return NULL;
}

/* The markers are given their base64 once, whichever of several threads
 * asks first, and a top-level argument's bytes are found by the page's
 * index, whatever order the markers come in. */
static void
test_deferred (void)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) message = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(AtriumBytesParts) parts = NULL;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  TestThread *threads[4];
  GVariant *values[2];
  JsonArray *args;

  g_test_summary ("Deferred base64: arguments found by index before, members sealed and "
                  "known after, made once under concurrent readers");

  values[0] = _atrium_wire_part_new ("\x01\x02\x03", 3, fds, &error);
  values[1] = fd_part (fds, memfd_of (4 * ATRIUM_WIRE_INLINE_MAX, 0x5a, ATRIUM_WIRE_SEALS),
                       4 * ATRIUM_WIRE_INLINE_MAX);
  message = call_message (token, "[\"echo\",[\"x\",{\"$atrium-bytes\":1},"
                          "{\"n\":{\"$atrium-bytes\":0}}],7]", values, 2);
  node = _atrium_wire_decode_call (message, fds, token, 1 << 20, 64, &parts, &error);
  g_assert_no_error (error);
  args = json_array_get_array_element (json_node_get_array (node), 1);

  g_assert_null (_atrium_bytes_parts_get_arg (parts, 0));
  first = _atrium_bytes_parts_get_arg (parts, 1);
  g_assert_cmpuint (g_bytes_get_size (first), ==, 4 * ATRIUM_WIRE_INLINE_MAX);
  g_assert_null (_atrium_bytes_parts_get_arg (parts, 2));

  /* One argument at a time: revealing the nested one (argument 2) leaves
   * argument 1's marker as it was. */
  _atrium_bytes_parts_reveal_arg (parts, 2);
  _atrium_bytes_parts_reveal_arg (parts, 0);
  g_assert_true (atrium_node_holds_bytes (
    json_object_get_member (json_node_get_object (json_array_get_element (args, 2)), "n")));
  g_assert_false (atrium_node_holds_bytes (json_array_get_element (args, 1)));
  g_assert_cmpint (json_node_get_int (json_object_get_member (
    json_node_get_object (json_array_get_element (args, 1)), ATRIUM_BYTES_KEY)), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = test_thread_new ("reveal", reveal_thread, parts);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    test_thread_join (threads[i], TEST_WAIT_SECONDS, "a thread revealing the markers to end");

  g_assert_true (atrium_node_holds_bytes (json_array_get_element (args, 1)));
  second = atrium_bytes_node_get_bytes (
    json_object_get_member (json_node_get_object (json_array_get_element (args, 2)), "n"), &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (second, NULL), g_bytes_get_size (second), "\x01\x02\x03", 3);
  g_assert_true (_atrium_bytes_parts_lookup (parts, json_object_get_member (
    json_node_get_object (json_array_get_element (args, 1)), ATRIUM_BYTES_KEY)) != NULL);
  g_assert_true (g_bytes_equal (first, _atrium_bytes_parts_lookup (parts, json_object_get_member (
    json_node_get_object (json_array_get_element (args, 1)), ATRIUM_BYTES_KEY))));

  /* The array as it is now decides, as over script messages: an app that
   * took argument 1 out gets no bytes where it is not bytes any more. */
  json_array_remove_element (args, 1);
  g_assert_null (_atrium_bytes_parts_get_arg (parts, 1));
  g_assert_null (_atrium_bytes_parts_get_arg (parts, 2));
}

typedef struct
{
  AtriumCall *call;
  GBytes     *expected;  /* argument 1's bytes, as the page numbered them */
} Reader;

/* What app code on a worker may do with a call: each path to argument 1's
 * bytes gives the very bytes that came, and the tree it sees is revealed. */
static gpointer
read_thread (gpointer data)
{
  Reader *reader = data;

  for (guint round = 0; round < 50; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) direct = atrium_call_get_bytes (reader->call, 1, &error);
      g_autoptr(GBytes) stream_bytes = NULL;
      g_autoptr(GBytes) by_node = NULL;
      g_autoptr(GInputStream) stream = NULL;
      JsonNode *arg;

      g_assert_no_error (error);
      g_assert_true (direct == reader->expected);
      if (round % 2 == 0)
        continue;
      arg = atrium_call_get_arg (reader->call, 1);
      g_assert_true (atrium_node_holds_bytes (arg));
      by_node = atrium_call_get_bytes_for_node (reader->call, arg, &error);
      g_assert_no_error (error);
      g_assert_true (by_node == reader->expected);
      g_assert_null (atrium_call_get_bytes (reader->call, 0, NULL));
      stream = atrium_call_get_stream (reader->call, 1, &error);
      g_assert_no_error (error);
      stream_bytes = g_input_stream_read_bytes (stream, 8 * ATRIUM_WIRE_INLINE_MAX, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (stream_bytes, reader->expected));
    }
  return NULL;
}

static void
nothing_cb (AtriumCall *call,
            gpointer    user_data)
{
}

/* A call that came through the extension, read by several threads at
 * once through every public way to its arguments, then answered with one
 * of them: no reader sees an index for a marker, and the answer carries
 * the bytes that came, not a decode of their base64. */
static void
test_call_readers (void)
{
  g_autoptr(AtriumRegistry) registry = _atrium_registry_new ();
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) message = NULL;
  AtriumBytesParts *parts = NULL;
  JsonNode *node;
  GVariant *values[2];
  TestThread *threads[4];
  Reader reader;
  AtriumCall *call;

  g_test_summary ("Concurrent readers of a call through the extension see revealed arguments "
                  "and the bytes that came");

  _atrium_registry_bind (registry, "echo", nothing_cb, NULL, NULL, 0);
  values[0] = fd_part (fds, memfd_of (4 * ATRIUM_WIRE_INLINE_MAX, 0x5a, ATRIUM_WIRE_SEALS),
                       4 * ATRIUM_WIRE_INLINE_MAX);
  values[1] = _atrium_wire_part_new ("\x01\x02\x03", 3, fds, &error);
  /* The page numbered the values against the order of the text. */
  message = call_message (token, "[\"echo\",[{\"n\":{\"$atrium-bytes\":1}},{\"$atrium-bytes\":0}],7]",
                          values, 2);
  node = _atrium_wire_decode_call (message, fds, token, 1 << 20, 64, &parts, &error);
  g_assert_no_error (error);

  call = _atrium_call_new (_atrium_registry_lookup (registry, "echo"), node, NULL, NULL, NULL);
  call->by_extension = TRUE;
  call->arg_parts = parts;
  reader.call = call;
  reader.expected = _atrium_bytes_parts_get_arg (parts, 1);
  g_assert_null (_atrium_bytes_parts_get_arg (parts, 0));
  g_assert_cmpuint (g_bytes_get_size (reader.expected), ==, 4 * ATRIUM_WIRE_INLINE_MAX);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = test_thread_new ("reader", read_thread, &reader);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    test_thread_join (threads[i], TEST_WAIT_SECONDS,
                      "a thread reading a call's bytes from a worker to end");

  atrium_call_return_value (atrium_call_ref (call), json_node_ref (atrium_call_get_arg (call, 1)));
  g_assert_cmpstr (call->result->str, ==, "{\"$atrium-bytes\":0}");
  g_assert_true (g_ptr_array_index (call->result_parts, 0) == reader.expected);
  g_bytes_unref (reader.expected);
  atrium_call_unref (call);
}

static void
test_token (void)
{
  g_autoptr(GVariant) none = call_message ("", "[\"echo\",[],1]", NULL, 0);
  g_autoptr(GVariant) wrong = call_message ("0123456789abcdef0123456789abcdee", "[\"echo\",[],1]",
                                            NULL, 0);
  g_autoptr(GVariant) longer = call_message ("0123456789abcdef0123456789abcdef0",
                                             "[\"echo\",[],1]", NULL, 0);

  g_test_summary ("A call without the token, with another or with more is forbidden");
  assert_refused (none, NULL, 1024, ATRIUM_ERROR_FORBIDDEN);
  assert_refused (wrong, NULL, 1024, ATRIUM_ERROR_FORBIDDEN);
  assert_refused (longer, NULL, 1024, ATRIUM_ERROR_FORBIDDEN);
}

static void
test_memfd_checks (void)
{
  static const int partial_seals[] = {
    0,
    F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL,   /* writable: the page could change it */
    F_SEAL_WRITE | F_SEAL_SEAL,                  /* could shrink under the mapping */
    F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE,  /* more seals could still be added */
  };

  g_test_summary ("A memfd that is not sealed against every change, that is longer or shorter "
                  "than its part says, that is not a memfd, or that the message does not carry "
                  "is refused with bad-args");

  for (gsize i = 0; i < G_N_ELEMENTS (partial_seals); i++)
    {
      g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
      GVariant *parts[2] = { inline_part ("a", 1), NULL };
      g_autoptr(GVariant) message = NULL;

      parts[1] = fd_part (fds, memfd_of (100, 1, partial_seals[i]), 100);
      message = call_message (token, echo_two, parts, 2);
      assert_refused (message, fds, 1024, ATRIUM_ERROR_BAD_ARGS);
    }

  for (int lie = -1; lie <= 1; lie += 2)
    {
      g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
      GVariant *parts[2] = { inline_part ("a", 1), NULL };
      g_autoptr(GVariant) message = NULL;

      parts[1] = fd_part (fds, memfd_of (100, 1, ATRIUM_WIRE_SEALS), 100 + lie);
      message = call_message (token, echo_two, parts, 2);
      assert_refused (message, fds, 1024, ATRIUM_ERROR_BAD_ARGS);
    }

  /* A pipe, and an fd index the list does not have. */
  {
    g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
    GVariant *parts[2] = { inline_part ("a", 1), NULL };
    g_autoptr(GVariant) message = NULL;
    int pipe_fds[2];

    g_assert_cmpint (pipe (pipe_fds), ==, 0);
    close (pipe_fds[1]);
    parts[1] = fd_part (fds, pipe_fds[0], 0);
    message = call_message (token, echo_two, parts, 2);
    assert_refused (message, fds, 1024, ATRIUM_ERROR_BAD_ARGS);
  }
  {
    g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
    GVariant *parts[2] = { inline_part ("a", 1), NULL };
    g_autoptr(GVariant) message = NULL;

    parts[1] = g_variant_new ("(@ayht)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1),
                              3, (guint64) 0);
    message = call_message (token, echo_two, parts, 2);
    assert_refused (message, fds, 1024, ATRIUM_ERROR_BAD_ARGS);
    assert_refused (message, NULL, 1024, ATRIUM_ERROR_BAD_ARGS);
  }
  /* An inline part that says another size, or holds bytes as well as an fd. */
  {
    g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
    GVariant *parts[2] = { inline_part ("a", 1), NULL };
    g_autoptr(GVariant) message = NULL;

    parts[1] = g_variant_new ("(@ayht)",
                              g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "ab", 2, 1),
                              -1, (guint64) 1);
    message = call_message (token, echo_two, parts, 2);
    assert_refused (message, fds, 1024, ATRIUM_ERROR_BAD_ARGS);
  }
  {
    g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
    GVariant *parts[2] = { inline_part ("a", 1), NULL };
    g_autoptr(GVariant) message = NULL;
    int index = g_unix_fd_list_append (fds, memfd_of (2, 1, ATRIUM_WIRE_SEALS), NULL);

    parts[1] = g_variant_new ("(@ayht)",
                              g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "ab", 2, 1),
                              index, (guint64) 2);
    message = call_message (token, echo_two, parts, 2);
    assert_refused (message, fds, 1024, ATRIUM_ERROR_BAD_ARGS);
  }
}

/* WebKit drops a message with more than 253 files without a word: a
 * message never carries more than ATRIUM_WIRE_MAX_FDS, parts past that go
 * inline, one that carries more is refused, and the files are closed once
 * the parts are read. */
static void
test_many_files (void)
{
  g_autoptr(GUnixFDList) made = g_unix_fd_list_new ();
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autofree guint8 *data = g_malloc0 (ATRIUM_WIRE_INLINE_MAX);
  g_autoptr(GVariant) message = NULL;
  GVariant *parts[2] = { inline_part ("a", 1), NULL };

  for (guint i = 0; i < ATRIUM_WIRE_MAX_FDS + 10; i++)
    {
      g_autoptr(GVariant) part = g_variant_ref_sink (
        _atrium_wire_part_new (data, ATRIUM_WIRE_INLINE_MAX, made, NULL));
      g_autoptr(GBytes) bytes = _atrium_wire_part_read (part, made, NULL);

      g_assert_nonnull (bytes);
      g_assert_cmpuint (g_bytes_get_size (bytes), ==, ATRIUM_WIRE_INLINE_MAX);
    }
  g_assert_cmpint (g_unix_fd_list_get_length (made), ==, ATRIUM_WIRE_MAX_FDS);
  _atrium_wire_close_fds (made);
  g_assert_cmpint (g_unix_fd_list_get_length (made), ==, 0);

  /* Without a list, inline whatever the size. */
  {
    g_autoptr(GVariant) part = g_variant_ref_sink (
      _atrium_wire_part_new (data, ATRIUM_WIRE_INLINE_MAX, NULL, NULL));
    gint32 index;

    g_variant_get_child (part, 1, "h", &index);
    g_assert_cmpint (index, ==, -1);
  }

  for (guint i = 0; i <= ATRIUM_WIRE_MAX_FDS; i++)
    {
      int fd = memfd_of (1, 0, ATRIUM_WIRE_SEALS);

      g_assert_cmpint (g_unix_fd_list_append (fds, fd, NULL), >=, 0);
      close (fd);
    }
  parts[1] = fd_part (fds, memfd_of (100, 1, ATRIUM_WIRE_SEALS), 100);
  message = call_message (token, echo_two, parts, 2);
  assert_refused (message, fds, 1024, ATRIUM_ERROR_BAD_ARGS);
}

static void
test_limits (void)
{
  g_test_summary ("Sizes as the parts say them are checked before any memfd is looked at: a "
                  "part over the limit is too-large even when its file would be refused; "
                  "markers that do not match the parts, the reserved name in the page's own "
                  "data, nesting past the limit and a malformed message are bad-args");

  {
    g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
    GVariant *parts[2] = { inline_part ("a", 1), NULL };
    g_autoptr(GVariant) message = NULL;

    /* Unsealed, and lying: still too-large, since nothing is checked first. */
    parts[1] = fd_part (fds, memfd_of (10, 1, 0), G_MAXUINT64);
    message = call_message (token, echo_two, parts, 2);
    assert_refused (message, fds, 1 << 20, ATRIUM_ERROR_TOO_LARGE);
  }
  {
    g_autofree char *big = g_strnfill (600, 'x');
    GVariant *parts[2] = { inline_part (big, 600), inline_part (big, 600) };
    g_autoptr(GVariant) message = call_message (token, echo_two, parts, 2);

    assert_refused (message, NULL, 1024, ATRIUM_ERROR_TOO_LARGE);
  }
  {
    g_autofree char *json = g_strdup_printf ("[\"echo\",[\"%0800d\"],1]", 0);
    g_autoptr(GVariant) message = call_message (token, json, NULL, 0);

    assert_refused (message, NULL, 512, ATRIUM_ERROR_TOO_LARGE);
  }
  {
    GVariant *parts[1] = { inline_part ("a", 1) };
    g_autoptr(GVariant) message = call_message (token, echo_two, parts, 1);

    assert_refused (message, NULL, 1024, ATRIUM_ERROR_BAD_ARGS);
  }
  {
    GVariant *parts[1] = { inline_part ("a", 1) };
    g_autoptr(GVariant) message = call_message (token, "[\"echo\",[],1]", parts, 1);

    assert_refused (message, NULL, 1024, ATRIUM_ERROR_BAD_ARGS);
  }
  {
    g_autoptr(GVariant) message =
      call_message (token, "[\"echo\",[{\"$atrium-bytes\":\"AAAA\"}],1]", NULL, 0);

    assert_refused (message, NULL, 1024, ATRIUM_ERROR_BAD_ARGS);
  }
  {
    g_autoptr(GString) deep = g_string_new ("[\"echo\",[");
    g_autoptr(GVariant) message = NULL;

    for (int i = 0; i < 100; i++)
      g_string_append_c (deep, '[');
    for (int i = 0; i < 100; i++)
      g_string_append_c (deep, ']');
    g_string_append (deep, "],1]");
    message = call_message (token, deep->str, NULL, 0);
    assert_refused (message, NULL, 1 << 20, ATRIUM_ERROR_BAD_ARGS);
  }
  {
    g_autoptr(GVariant) not_a_call = call_message (token, "{\"echo\":1}", NULL, 0);
    g_autoptr(GVariant) wrong_type = g_variant_ref_sink (g_variant_new ("(s)", "x"));

    assert_refused (not_a_call, NULL, 1024, ATRIUM_ERROR_BAD_ARGS);
    assert_refused (wrong_type, NULL, 1024, ATRIUM_ERROR_BAD_ARGS);
  }
}

static void
test_write_parts (void)
{
  g_autoptr(GBytes) data = g_bytes_new_static ("\x00\xff\x10", 3);
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonNode) bad = NULL;
  JsonObject *object;

  g_test_summary ("A result's binary values are written as index markers with their bytes "
                  "apart; a value whose base64 is not valid fails the whole result");

  json_array_add_element (array, atrium_bytes_node_new (data));
  json_array_add_string_element (array, "x");
  json_array_add_element (array, atrium_bytes_node_new (data));
  json_node_set_array (root, array);
  g_assert_cmpuint (_atrium_bytes_write_parts (out, root, parts, NULL), ==, 2);
  g_assert_cmpstr (out->str, ==,
                   "[{\"$atrium-bytes\":0},\"x\",{\"$atrium-bytes\":1}]");
  g_assert_cmpuint (parts->len, ==, 2);
  g_assert_true (g_bytes_equal (g_ptr_array_index (parts, 1), data));

  bad = json_node_new (JSON_NODE_OBJECT);
  object = json_object_new ();
  json_object_set_string_member (object, ATRIUM_BYTES_KEY, "!!!!");
  json_node_take_object (bad, object);
  g_string_truncate (out, 0);
  g_assert_cmpuint (_atrium_bytes_write_parts (out, bad, parts, NULL), ==, G_MAXUINT);
}

static void
test_origin (void)
{
  static const struct { const char *uri, *origin; } cases[] = {
    { "app://localhost/index.html", "app://localhost" },
    { "http://127.0.0.1:5173/x?y", "http://127.0.0.1:5173" },
    { "http://[::1]:5173/", "http://[::1]:5173" },
    { "HTTP://LocalHost:80/", "http://localhost" },
    { "https://example.org:443/a", "https://example.org" },
    { "https://example.org:8443/a", "https://example.org:8443" },
    { "about:blank", NULL },
    { "data:text/html,x", NULL },
    { "app:///index.html", NULL },
    { NULL, NULL },
  };

  g_test_summary ("The extension's origin check: scheme, host and port as window.origin "
                  "says them, and nothing for opaque origins");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *origin = NULL;
      gboolean ok = _atrium_wire_origin_of (cases[i].uri, &origin);

      g_assert_cmpint (ok, ==, cases[i].origin != NULL);
      g_assert_cmpstr (origin, ==, cases[i].origin);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/wire/round-trip", test_round_trip);
  g_test_add_func ("/atrium/wire/deferred", test_deferred);
  g_test_add_func ("/atrium/wire/call-readers", test_call_readers);
  g_test_add_func ("/atrium/wire/token", test_token);
  g_test_add_func ("/atrium/wire/memfd-checks", test_memfd_checks);
  g_test_add_func ("/atrium/wire/limits", test_limits);
  g_test_add_func ("/atrium/wire/many-files", test_many_files);
  g_test_add_func ("/atrium/wire/write-parts", test_write_parts);
  g_test_add_func ("/atrium/wire/origin", test_origin);

  return g_test_run ();
}

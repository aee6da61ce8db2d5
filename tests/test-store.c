#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-error.h"
#include "atrium-store-private.h"
#include "test-util.h"

/* The settings store alone, without a display: what is set reads back
 * (from memory and from the file), changes are announced in order, bad
 * keys and values change nothing, a file that is not a store is kept aside
 * and never stops the store from opening, writers on many threads lose
 * nothing, and a writer killed mid-write leaves the previous file whole. */

typedef struct
{
  char      *dir;
  char      *path;
  GPtrArray *changes;   /* "key=value", "key deleted", "cleared" */
} Fixture;

static int aside_warnings;   /* atomic: warnings that a file was kept aside */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("atrium-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "org.example.Test", "store.json", NULL);
  f->changes = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_ptr_array_unref (f->changes);
}

static JsonNode *
json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static char *
to_text (JsonNode *node)
{
  return node != NULL ? json_to_string (node, FALSE) : g_strdup ("(none)");
}

static char *
get_text (AtriumStore *store,
          const char  *key)
{
  g_autoptr(JsonNode) node = atrium_store_get (store, key);

  return to_text (node);
}

static void
changed_cb (AtriumStore *store,
            const char  *key,
            JsonNode    *value,
            Fixture     *f)
{
  g_autofree char *text = value != NULL ? json_to_string (value, FALSE) : NULL;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  if (key == NULL)
    g_ptr_array_add (f->changes, g_strdup ("cleared"));
  else if (value == NULL)
    g_ptr_array_add (f->changes, g_strdup_printf ("%s deleted", key));
  else
    g_ptr_array_add (f->changes, g_strdup_printf ("%s=%s", key, text));
}

typedef struct
{
  Fixture *f;
  guint    n;
} Count;

static gboolean
has_changes (gpointer data)
{
  Count *count = data;

  return count->f->changes->len >= count->n;
}

static void
wait_changes (Fixture *f,
              guint    n)
{
  Count count = { f, n };
  g_autofree char *what = g_strdup_printf ("%u store changes announced", n);

  test_wait_for (NULL, TEST_WAIT_SECONDS, has_changes, &count, what);
  g_assert_cmpuint (f->changes->len, ==, n);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
test_round_trip (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(AtriumStore) store = _atrium_store_new (f->path, NULL);
  g_autoptr(AtriumStore) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) object = json ("{\"theme\":\"dark\",\"sizes\":[1,2.5,null,true]}");
  g_autoptr(JsonNode) number = json ("42");
  g_auto(GStrv) keys = NULL;
  g_autofree char *text = NULL;
  struct stat st;

  g_test_summary ("Values set read back, from memory and from the file; keys are sorted");

  /* Nothing yet, and no file until the first change. */
  g_assert_null (atrium_store_get (store, "a"));
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));

  g_assert_true (atrium_store_set (store, "prefs", object, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_store_set (store, "ü count", number, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_store_set (store, "gone", number, &error));
  g_assert_no_error (error);
  g_assert_true (atrium_store_delete (store, "gone", &error));
  g_assert_no_error (error);
  /* A key it does not have: no error, nothing changes. */
  g_assert_true (atrium_store_delete (store, "never", &error));
  g_assert_no_error (error);

  text = get_text (store, "prefs");
  g_assert_cmpstr (text, ==, "{\"theme\":\"dark\",\"sizes\":[1,2.5,null,true]}");
  g_clear_pointer (&text, g_free);
  keys = atrium_store_dup_keys (store);
  g_assert_cmpuint (g_strv_length (keys), ==, 2);
  g_assert_cmpstr (keys[0], ==, "prefs");
  g_assert_cmpstr (keys[1], ==, "ü count");

  /* The file is private to the user, and its size is what the store counts. */
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint (st.st_size, ==, _atrium_store_get_size (store));

  again = _atrium_store_new (f->path, NULL);
  text = get_text (again, "ü count");
  g_assert_cmpstr (text, ==, "42");
  g_clear_pointer (&text, g_free);
  text = get_text (again, "prefs");
  g_assert_cmpstr (text, ==, "{\"theme\":\"dark\",\"sizes\":[1,2.5,null,true]}");
  g_clear_pointer (&text, g_free);
  g_assert_null (atrium_store_get (again, "gone"));

  g_assert_true (atrium_store_clear (again, &error));
  g_assert_no_error (error);
  g_clear_object (&again);
  again = _atrium_store_new (f->path, NULL);
  g_clear_pointer (&keys, g_strfreev);
  keys = atrium_store_dup_keys (again);
  g_assert_cmpuint (g_strv_length (keys), ==, 0);
  text = read_text (f->path);
  g_assert_cmpstr (text, ==, "{}");
}

static void
test_changed_in_order (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(AtriumStore) store = _atrium_store_new (f->path, NULL);
  g_autoptr(JsonNode) one = json ("1");
  g_autoptr(JsonNode) two = json ("[2]");
  static const char * const expected[] = {
    "a=1", "b=[2]", "a=[2]", "a deleted", "cleared", "b=1",
  };

  g_test_summary ("Every change is announced once, in the main context, in order; "
                  "one that changes nothing is not");

  g_signal_connect (store, "changed", G_CALLBACK (changed_cb), f);
  g_assert_true (atrium_store_set (store, "a", one, NULL));
  g_assert_true (atrium_store_set (store, "a", one, NULL));   /* the same: no change */
  g_assert_true (atrium_store_set (store, "b", two, NULL));
  g_assert_true (atrium_store_set (store, "a", two, NULL));
  g_assert_true (atrium_store_delete (store, "a", NULL));
  g_assert_true (atrium_store_delete (store, "a", NULL));     /* gone already */
  g_assert_true (atrium_store_clear (store, NULL));
  g_assert_true (atrium_store_clear (store, NULL));           /* empty already */
  g_assert_true (atrium_store_set (store, "b", one, NULL));
  /* Announced later, not from inside the calls. */
  g_assert_cmpuint (f->changes->len, ==, 0);

  wait_changes (f, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (f->changes, i), ==, expected[i]);
  g_signal_handlers_disconnect_by_data (store, f);
}

static void
assert_unchanged (Fixture     *f,
                  AtriumStore *store,
                  const char  *file_before)
{
  g_auto(GStrv) keys = atrium_store_dup_keys (store);
  g_autofree char *file_after = read_text (f->path);
  g_autofree char *text = get_text (store, "kept");

  g_assert_cmpuint (g_strv_length (keys), ==, 1);
  g_assert_cmpstr (text, ==, "\"as it was\"");
  g_assert_cmpstr (file_after, ==, file_before);
}

static JsonNode *
nested (guint depth)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  return json (text->str);
}

static JsonNode *
string_of (gsize length)
{
  g_autofree char *text = g_malloc (length + 1);

  memset (text, 'x', length);
  text[length] = '\0';
  return json_node_init_string (json_node_alloc (), text);
}

static void
test_bad_keys_and_values (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(AtriumStore) store = _atrium_store_new (f->path, NULL);
  g_autoptr(JsonNode) kept = json ("\"as it was\"");
  g_autoptr(JsonNode) one = json ("1");
  g_autofree char *long_key = g_strnfill (ATRIUM_STORE_MAX_KEY_LENGTH + 1, 'k');
  g_autofree char *longest_key = g_strnfill (ATRIUM_STORE_MAX_KEY_LENGTH, 'k');
  g_autofree char *file_before = NULL;
  const char *bad_keys[] = { "", long_key, "caf\xc3", "\xff\xfe" };
  g_autoptr(JsonNode) bad_string = json_node_init_string (json_node_alloc (), "ok");
  g_autoptr(JsonNode) too_deep = nested (ATRIUM_STORE_MAX_DEPTH + 1);
  g_autoptr(JsonNode) deepest = nested (ATRIUM_STORE_MAX_DEPTH);
  g_autoptr(JsonNode) huge = string_of (ATRIUM_STORE_MAX_VALUE_SIZE);
  g_autoptr(JsonNode) largest = string_of (ATRIUM_STORE_MAX_VALUE_SIZE - 2);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) bad_member = NULL;

  g_test_summary ("Bad keys, values that are not JSON a store can read back, and values "
                  "or stores over the limits are refused and change nothing");

  g_signal_connect (store, "changed", G_CALLBACK (changed_cb), f);
  g_assert_true (atrium_store_set (store, "kept", kept, NULL));
  file_before = read_text (f->path);
  wait_changes (f, 1);

  for (guint i = 0; i < G_N_ELEMENTS (bad_keys); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (atrium_store_set (store, bad_keys[i], one, &error));
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
      g_clear_error (&error);
      g_assert_false (atrium_store_delete (store, bad_keys[i], &error));
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
      assert_unchanged (f, store, file_before);
    }

  /* A string node holding bytes that are not UTF-8 (json-glib takes them),
   * directly and as an object member. */
  json_node_set_string (bad_string, "caf\xc3 \xff");
  json_object_set_string_member (object, "name", "\xfe\xff");
  bad_member = json_node_init_object (json_node_alloc (), object);
  {
    JsonNode *bad_values[] = { bad_string, bad_member, too_deep };

    for (guint i = 0; i < G_N_ELEMENTS (bad_values); i++)
      {
        g_autoptr(GError) error = NULL;

        g_assert_false (atrium_store_set (store, "kept", bad_values[i], &error));
        g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
        assert_unchanged (f, store, file_before);
      }
  }

  {
    g_autoptr(GError) error = NULL;

    /* One byte over (the quotes make it so). */
    g_assert_false (atrium_store_set (store, "kept", huge, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
    assert_unchanged (f, store, file_before);
  }

  /* At the limits, accepted; then a store over its limit refused. */
  {
    g_autoptr(GError) error = NULL;
    guint n = 0;

    g_assert_true (atrium_store_set (store, longest_key, deepest, &error));
    g_assert_no_error (error);
    g_assert_true (atrium_store_delete (store, longest_key, &error));
    g_assert_no_error (error);
    g_clear_pointer (&file_before, g_free);
    file_before = read_text (f->path);

    for (;;)
      {
        g_autofree char *key = g_strdup_printf ("big%u", n);

        if (!atrium_store_set (store, key, largest, &error))
          break;
        n++;
        g_assert_cmpuint (n, <=, ATRIUM_STORE_MAX_SIZE / ATRIUM_STORE_MAX_VALUE_SIZE);
      }
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE);
    g_assert_cmpuint (n, ==, ATRIUM_STORE_MAX_SIZE / ATRIUM_STORE_MAX_VALUE_SIZE - 1);
    g_assert_cmpuint (_atrium_store_get_size (store), <=, ATRIUM_STORE_MAX_SIZE);
    g_clear_error (&error);

    /* Deleting makes room again. */
    g_assert_true (atrium_store_delete (store, "big0", &error));
    g_assert_true (atrium_store_set (store, "big0", largest, &error));
    g_assert_no_error (error);
  }
  g_signal_handlers_disconnect_by_data (store, f);
}

static void
test_write_fails (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(AtriumStore) store = _atrium_store_new (f->path, NULL);
  g_autoptr(JsonNode) one = json ("1");
  g_autoptr(JsonNode) two = json ("2");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) keys = NULL;

  g_test_summary ("A change that cannot be written is not made, and not announced");

  g_signal_connect (store, "changed", G_CALLBACK (changed_cb), f);
  g_assert_true (atrium_store_set (store, "a", one, NULL));
  wait_changes (f, 1);

  /* A directory where the file goes: the rename over it fails. */
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  g_assert_cmpint (g_mkdir (f->path, 0700), ==, 0);

  g_assert_false (atrium_store_set (store, "a", two, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (atrium_store_set (store, "b", two, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (atrium_store_delete (store, "a", &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (atrium_store_clear (store, &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED);

  text = get_text (store, "a");
  g_assert_cmpstr (text, ==, "1");
  keys = atrium_store_dup_keys (store);
  g_assert_cmpuint (g_strv_length (keys), ==, 1);

  /* A symbolic link where the file lock goes is not followed. */
  {
    g_autofree char *lock_path = g_strconcat (f->path, ".lock", NULL);

    g_assert_cmpint (g_rmdir (f->path), ==, 0);
    g_assert_cmpint (g_unlink (lock_path), ==, 0);
    g_assert_cmpint (symlink ("/dev/zero", lock_path), ==, 0);
    g_clear_error (&error);
    g_assert_false (atrium_store_set (store, "b", two, &error));
    g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED);
    g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
    g_assert_cmpint (g_unlink (lock_path), ==, 0);
  }

  /* A change made afterwards is the next one announced. */
  g_assert_true (atrium_store_set (store, "c", two, NULL));
  wait_changes (f, 2);
  g_assert_cmpstr (g_ptr_array_index (f->changes, 1), ==, "c=2");
  g_signal_handlers_disconnect_by_data (store, f);
}

/* --- files that are not a store --- */

static void
write_store_file (Fixture    *f,
                  const char *text,
                  gssize      length)
{
  g_autofree char *dir = g_path_get_dirname (f->path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  test_write_file (dir, "store.json", text, length);
}

/* Opens the store at f->path expecting it to be set aside with a warning;
 * returns the store, empty, which still works. */
static AtriumStore *
open_expecting_aside (Fixture *f)
{
  g_autoptr(JsonNode) one = json ("1");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = NULL;
  int before = g_atomic_int_get (&aside_warnings);
  AtriumStore *store;

  store = _atrium_store_new (f->path, NULL);
  g_assert_cmpint (g_atomic_int_get (&aside_warnings), ==, before + 1);

  keys = atrium_store_dup_keys (store);
  g_assert_cmpuint (g_strv_length (keys), ==, 0);
  g_assert_true (atrium_store_set (store, "after", one, &error));
  g_assert_no_error (error);
  return store;
}

static void
test_corrupt_files (Fixture       *f,
                    gconstpointer  data)
{
  static const struct
  {
    const char *what;
    const char *text;
    gssize      length;
  } cases[] = {
    { "not JSON", "{\"a\": 1,", -1 },
    { "not an object", "[1, 2]", -1 },
    { "a bad key", "{\"\": 1}", -1 },
    { "not UTF-8", "{\"a\": \"\xff\xfe\"}", -1 },
    { "a NUL", "{\"a\": 1}\0garbage", 17 },
    { "empty", "", 0 },
  };
  g_autofree char *aside = NULL;

  g_test_summary ("A file that is not a store is kept aside as .corrupt, whole, and the "
                  "store starts empty, with a warning");

  aside = g_strconcat (f->path, ".corrupt", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(AtriumStore) store = NULL;
      g_autofree char *kept = NULL;
      g_autoptr(AtriumStore) again = NULL;
      g_autofree char *text = NULL;
      gsize length;

      g_test_message ("%s", cases[i].what);
      write_store_file (f, cases[i].text, cases[i].length);
      store = open_expecting_aside (f);
      g_assert_true (g_file_get_contents (aside, &kept, &length, NULL));
      g_assert_cmpmem (kept, length, cases[i].text,
                       cases[i].length < 0 ? strlen (cases[i].text) : (gsize) cases[i].length);

      /* What was written after is a store again. */
      again = _atrium_store_new (f->path, NULL);
      text = get_text (again, "after");
      g_assert_cmpstr (text, ==, "1");
    }
}

static void
test_too_deep_file (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new ("{\"a\":");
  g_autoptr(AtriumStore) store = NULL;

  g_test_summary ("A file whose values nest deeper than a store takes is kept aside");

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');
  write_store_file (f, text->str, text->len);
  store = open_expecting_aside (f);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
}

static void
test_huge_file (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(AtriumStore) store = NULL;
  g_autofree char *dir = g_path_get_dirname (f->path);
  g_autofree char *aside = g_strconcat (f->path, ".corrupt", NULL);
  struct stat st;
  int fd;

  g_test_summary ("A file over the size cap is refused by its size, without reading it");

  /* Sparse: 1 GiB that costs no disk. */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  fd = g_open (f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 1 << 30), ==, 0);
  close (fd);

  store = open_expecting_aside (f);
  g_assert_cmpint (g_stat (aside, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, (off_t) 1 << 30);
}

static void
test_fifo_and_devices (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *dir = g_path_get_dirname (f->path);
  g_autofree char *aside = g_strconcat (f->path, ".corrupt", NULL);

  g_test_summary ("A FIFO, or a symbolic link to /dev/zero or to a FIFO, at the store's "
                  "path is refused without blocking or reading, and replaced");

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  /* A FIFO with no writer: opening it to read would block without
   * O_NONBLOCK, and reading it would wait for ever. */
  g_assert_cmpint (mkfifo (f->path, 0600), ==, 0);
  {
    g_autoptr(AtriumStore) store = open_expecting_aside (f);

    g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
  }

  /* A symbolic link to a device that never ends. */
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  g_assert_cmpint (symlink ("/dev/zero", f->path), ==, 0);
  {
    g_autoptr(AtriumStore) store = open_expecting_aside (f);
    struct stat st;

    /* The link itself was moved aside, and the new file is a file, not
     * written through the link. */
    g_assert_cmpint (lstat (aside, &st), ==, 0);
    g_assert_true (S_ISLNK (st.st_mode));
    g_assert_cmpint (lstat (f->path, &st), ==, 0);
    g_assert_true (S_ISREG (st.st_mode));
  }

  /* A symbolic link to a FIFO. */
  {
    g_autofree char *fifo = g_build_filename (f->dir, "fifo", NULL);

    g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
    g_assert_cmpint (g_unlink (f->path), ==, 0);
    g_assert_cmpint (symlink (fifo, f->path), ==, 0);
    {
      g_autoptr(AtriumStore) store = open_expecting_aside (f);
      struct stat st;

      g_assert_cmpint (stat (fifo, &st), ==, 0);
      g_assert_true (S_ISFIFO (st.st_mode));
    }
  }

  /* A directory. */
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  g_assert_cmpint (g_mkdir (f->path, 0700), ==, 0);
  g_assert_cmpint (g_unlink (aside), ==, 0);
  {
    g_autoptr(AtriumStore) store = NULL;
    int before = g_atomic_int_get (&aside_warnings);

    store = _atrium_store_new (f->path, NULL);
    g_assert_cmpint (g_atomic_int_get (&aside_warnings), ==, before + 1);
    g_assert_true (g_file_test (aside, G_FILE_TEST_IS_DIR));
  }
}

/* --- threads --- */

#define N_THREADS 4
#define N_WRITES 40

typedef struct
{
  AtriumStore *store;
  guint        index;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;
  g_autofree char *own = g_strdup_printf ("thread%u", writer->index);

  for (guint i = 0; i < N_WRITES; i++)
    {
      g_autofree char *key = g_strdup_printf ("t%u-%u", writer->index, i);
      g_autoptr(JsonNode) value = json_node_init_int (json_node_alloc (), i);
      g_autoptr(GError) error = NULL;

      /* One key of its own per write, and one key it keeps changing. */
      g_assert_true (atrium_store_set (writer->store, key, value, &error));
      g_assert_no_error (error);
      g_assert_true (atrium_store_set (writer->store, own, value, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(AtriumStore) store = _atrium_store_new (f->path, NULL);
  g_autoptr(AtriumStore) again = NULL;
  Writer writers[N_THREADS];
  TestThread *threads[N_THREADS];
  g_auto(GStrv) keys = NULL;
  guint last[N_THREADS];

  g_test_summary ("Writers on several threads lose no update, in memory or in the file, "
                  "and each thread's changes are announced in the order it made them");

  g_signal_connect (store, "changed", G_CALLBACK (changed_cb), f);
  for (guint t = 0; t < N_THREADS; t++)
    {
      writers[t] = (Writer) { store, t };
      threads[t] = test_thread_new ("writer", writer_thread, &writers[t]);
    }
  for (guint t = 0; t < N_THREADS; t++)
    test_thread_join (threads[t], TEST_WAIT_SECONDS, "a store writer thread's end");

  wait_changes (f, N_THREADS * N_WRITES * 2);

  /* Each thread's own key went 0, 1, 2, … in the announcements. */
  for (guint t = 0; t < N_THREADS; t++)
    last[t] = 0;
  for (guint i = 0; i < f->changes->len; i++)
    {
      const char *change = g_ptr_array_index (f->changes, i);
      guint t, value;

      if (sscanf (change, "thread%u=%u", &t, &value) == 2)
        {
          g_assert_cmpuint (t, <, N_THREADS);
          g_assert_cmpuint (value, ==, last[t]);
          last[t] = value + 1;
        }
    }
  for (guint t = 0; t < N_THREADS; t++)
    g_assert_cmpuint (last[t], ==, N_WRITES);

  /* Read back from the file: every write is there. */
  again = _atrium_store_new (f->path, NULL);
  keys = atrium_store_dup_keys (again);
  g_assert_cmpuint (g_strv_length (keys), ==, N_THREADS * (N_WRITES + 1));
  for (guint t = 0; t < N_THREADS; t++)
    {
      g_autofree char *own = g_strdup_printf ("thread%u", t);
      g_autofree char *text = get_text (again, own);
      g_autofree char *expected = g_strdup_printf ("%u", N_WRITES - 1);

      g_assert_cmpstr (text, ==, expected);
      for (guint i = 0; i < N_WRITES; i++)
        {
          g_autofree char *key = g_strdup_printf ("t%u-%u", t, i);
          g_autofree char *value = get_text (again, key);
          g_autofree char *want = g_strdup_printf ("%u", i);

          g_assert_cmpstr (value, ==, want);
        }
    }
  g_signal_handlers_disconnect_by_data (store, f);
}

/* --- two processes --- */

typedef struct
{
  AtriumStore *store;     /* a store of its own over the shared file */
  guint        index;
} SharedWriter;

static gpointer
shared_writer_thread (gpointer data)
{
  SharedWriter *writer = data;

  for (guint i = 0; i < N_WRITES; i++)
    {
      g_autofree char *key = g_strdup_printf ("p%u-%u", writer->index, i);
      g_autoptr(JsonNode) value = json_node_init_int (json_node_alloc (), i);
      g_autoptr(GError) error = NULL;

      g_assert_true (atrium_store_set (writer->store, key, value, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_two_stores_one_file (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(AtriumStore) first = _atrium_store_new (f->path, NULL);
  g_autoptr(AtriumStore) second = _atrium_store_new (f->path, NULL);
  g_autoptr(AtriumStore) again = NULL;
  g_autoptr(JsonNode) one = json ("1");
  g_autoptr(JsonNode) two = json ("2");
  SharedWriter writers[2] = { { first, 0 }, { second, 1 } };
  TestThread *threads[2];
  g_auto(GStrv) keys = NULL;
  g_autofree char *text = NULL;

  g_test_summary ("Two stores over one file, as two processes of one app have: each sees the "
                  "other's changes and announces them, and concurrent writers lose nothing");

  g_signal_connect (first, "changed", G_CALLBACK (changed_cb), f);

  /* The second's change, seen and announced by the first. */
  g_assert_true (atrium_store_set (second, "from-second", one, NULL));
  text = get_text (first, "from-second");
  g_assert_cmpstr (text, ==, "1");
  wait_changes (f, 1);
  g_assert_cmpstr (g_ptr_array_index (f->changes, 0), ==, "from-second=1");

  /* The first's write keeps the second's key. */
  g_assert_true (atrium_store_set (second, "from-second", two, NULL));
  g_assert_true (atrium_store_set (first, "from-first", one, NULL));
  g_assert_true (atrium_store_delete (second, "from-first", NULL));
  g_clear_pointer (&keys, g_strfreev);
  keys = atrium_store_dup_keys (first);
  g_assert_cmpuint (g_strv_length (keys), ==, 1);
  g_assert_cmpstr (keys[0], ==, "from-second");
  wait_changes (f, 4);
  g_assert_cmpstr (g_ptr_array_index (f->changes, 1), ==, "from-second=2");
  g_assert_cmpstr (g_ptr_array_index (f->changes, 2), ==, "from-first=1");
  g_assert_cmpstr (g_ptr_array_index (f->changes, 3), ==, "from-first deleted");
  g_signal_handlers_disconnect_by_data (first, f);

  /* Both at once, from threads: every write of each is in the file. */
  for (guint t = 0; t < 2; t++)
    threads[t] = test_thread_new ("shared writer", shared_writer_thread, &writers[t]);
  for (guint t = 0; t < 2; t++)
    test_thread_join (threads[t], TEST_WAIT_SECONDS, "a shared store writer thread's end");
  again = _atrium_store_new (f->path, NULL);
  g_clear_pointer (&keys, g_strfreev);
  keys = atrium_store_dup_keys (again);
  g_assert_cmpuint (g_strv_length (keys), ==, 2 * N_WRITES + 1);
  g_clear_pointer (&keys, g_strfreev);
  keys = atrium_store_dup_keys (first);
  g_assert_cmpuint (g_strv_length (keys), ==, 2 * N_WRITES + 1);
}

static int
run_counter (const char *path,
             const char *prefix)
{
  g_autoptr(AtriumStore) store = _atrium_store_new (path, NULL);

  for (guint i = 0; i < N_WRITES; i++)
    {
      g_autofree char *key = g_strdup_printf ("%s-%u", prefix, i);
      g_autoptr(JsonNode) value = json_node_init_int (json_node_alloc (), i);

      if (!atrium_store_set (store, key, value, NULL))
        return 1;
    }
  return 0;
}

static void
test_two_processes (Fixture       *f,
                    gconstpointer  data)
{
  const char *prefixes[] = { "a", "b", "c" };
  GSubprocess *children[G_N_ELEMENTS (prefixes)];
  g_autoptr(AtriumStore) store = NULL;
  g_auto(GStrv) keys = NULL;

  g_test_summary ("Three processes writing one store at once lose no update");

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      g_autoptr(GError) error = NULL;

      children[i] = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                      g_test_get_filename (G_TEST_BUILT, "test-store", NULL),
                                      "--counter", f->path, prefixes[i], NULL);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      test_communicate (children[i], TEST_WAIT_SECONDS, "a writer process's end", NULL, NULL);
      g_assert_true (g_subprocess_get_successful (children[i]));
      g_object_unref (children[i]);
    }

  store = _atrium_store_new (f->path, NULL);
  keys = atrium_store_dup_keys (store);
  g_assert_cmpuint (g_strv_length (keys), ==, G_N_ELEMENTS (prefixes) * N_WRITES);
}

/* --- a writer killed mid-write --- */

/* The child: writes "ready" once the store holds its first value, then
 * rewrites a large value for ever, until it is killed. */
static int
run_writer (const char *path)
{
  g_autoptr(AtriumStore) store = _atrium_store_new (path, NULL);
  g_autoptr(JsonNode) first = json ("\"first\"");
  g_autoptr(GError) error = NULL;

  if (!atrium_store_set (store, "stable", first, &error))
    return 1;
  g_print ("ready\n");
  fflush (stdout);
  for (guint64 i = 0;; i++)
    {
      g_autoptr(JsonNode) big = string_of (ATRIUM_STORE_MAX_VALUE_SIZE / 2 + i % 1000);

      if (!atrium_store_set (store, "big", big, &error))
        return 1;
    }
  return 0;
}

/* The writer as the test waits for it: its first line, then its end. */
typedef struct
{
  GSubprocess *child;
  char        *line;
  GError      *error;
  gboolean     read;
  gboolean     exited;
} WriterWait;

static void
writer_line_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  WriterWait *wait = data;

  wait->line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL,
                                                     &wait->error);
  wait->read = TRUE;
}

/* The deadline of the first line. It kills the writer before failing:
 * left alone it would rewrite the store for ever, and hold open the
 * stderr it shares with the test, which meson waits on. */
static gboolean
writer_line_timeout_cb (gpointer data)
{
  WriterWait *wait = data;

  g_subprocess_force_exit (wait->child);
  g_error ("Waited %d s for the writer's \"ready\" (its first value in the store)",
           TEST_WAIT_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
writer_exited_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  WriterWait *wait = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, &wait->error);
  wait->exited = TRUE;
}

static void
test_killed_mid_write (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(AtriumStore) store = NULL;
  g_autofree char *line = NULL;
  g_autofree char *text = NULL;
  g_autofree char *aside = g_strconcat (f->path, ".corrupt", NULL);
  g_autofree char *big = NULL;
  int before;

  g_test_summary ("A process killed while it writes the store leaves a file that reads "
                  "back whole: the old contents or the new, never a mix");

  for (guint round = 0; round < 3; round++)
    {
      child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                g_test_get_filename (G_TEST_BUILT, "test-store", NULL),
                                "--writer", f->path, NULL);
      g_assert_no_error (error);
      lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
      {
        WriterWait wait = { child, NULL, NULL, FALSE, FALSE };
        GSource *timeout = g_timeout_source_new_seconds (TEST_WAIT_SECONDS);

        /* On a context of its own, so that only the read and its deadline
         * are dispatched: until the child has written its first value (or
         * died), or the deadline kills it and fails the test. */
        g_main_context_push_thread_default (context);
        g_source_set_callback (timeout, writer_line_timeout_cb, &wait, NULL);
        g_source_attach (timeout, context);
        g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, writer_line_cb,
                                             &wait);
        while (!wait.read)
          g_main_context_iteration (context, TRUE);
        g_source_destroy (timeout);
        g_source_unref (timeout);
        g_assert_no_error (wait.error);
        line = g_steal_pointer (&wait.line);
        g_assert_cmpstr (line, ==, "ready");

        g_subprocess_send_signal (child, SIGKILL);
        g_subprocess_wait_async (child, NULL, writer_exited_cb, &wait);
        test_wait_for (context, TEST_WAIT_SECONDS, test_flag_is_set, &wait.exited,
                       "the writer to die of SIGKILL");
        g_main_context_pop_thread_default (context);
        g_assert_no_error (wait.error);
      }
      g_assert_false (g_subprocess_get_successful (child));

      /* No warning: the file is a store. */
      before = g_atomic_int_get (&aside_warnings);
      store = _atrium_store_new (f->path, NULL);
      g_assert_cmpint (g_atomic_int_get (&aside_warnings), ==, before);
      g_assert_false (g_file_test (aside, G_FILE_TEST_EXISTS));
      text = get_text (store, "stable");
      g_assert_cmpstr (text, ==, "\"first\"");
      big = get_text (store, "big");
      g_assert_true (g_str_equal (big, "(none)") || strlen (big) >= ATRIUM_STORE_MAX_VALUE_SIZE / 2);

      g_clear_object (&store);
      g_clear_object (&lines);
      g_clear_object (&child);
      g_clear_pointer (&line, g_free);
      g_clear_pointer (&text, g_free);
      g_clear_pointer (&big, g_free);
    }
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], "--writer"))
    return run_writer (argv[2]);
  if (argc == 4 && g_str_equal (argv[1], "--counter"))
    return run_counter (argv[2], argv[3]);

  test_count_warnings (".corrupt; starting empty", &aside_warnings);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/atrium/store/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("round-trip", test_round_trip);
  ADD ("changed-in-order", test_changed_in_order);
  ADD ("bad-keys-and-values", test_bad_keys_and_values);
  ADD ("write-fails", test_write_fails);
  ADD ("corrupt-files", test_corrupt_files);
  ADD ("too-deep-file", test_too_deep_file);
  ADD ("huge-file", test_huge_file);
  ADD ("fifo-and-devices", test_fifo_and_devices);
  ADD ("threads", test_threads);
  ADD ("two-stores-one-file", test_two_stores_one_file);
  ADD ("two-processes", test_two_processes);
  ADD ("killed-mid-write", test_killed_mid_write);

  return g_test_run ();
}

#include "config.h"

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Store"

#include "atrium-store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-error.h"
#include "atrium-json-private.h"

/**
 * AtriumStore:
 *
 * An app's settings: string keys with JSON values, kept in one file, such
 * as `~/.config/org.example.Notes/store.json` (see atrium_app_get_store()),
 * and shared by every window and thread.
 *
 * Every change is written before the call returns, to a temporary file
 * that then replaces the old one, so a crash mid-write leaves the previous
 * contents whole. A change that cannot be written is not made. A file that
 * is not a store (unreadable JSON, not an object, over the limits, not a
 * regular file) is kept aside as `store.json.corrupt`, with a warning, and
 * the store starts empty: a bad file never stops an app from starting.
 *
 * Thread safety: every function may be called from any thread. One lock
 * (`lock`) protects the entries, their size and the queue of changes not
 * yet announced; the file is written under it, so writes are never
 * interleaved and no update is lost. Nothing is called out of the store
 * with it held.
 *
 * Other processes: an app that runs more than once (the launcher is
 * non-unique) has a store in each process over the same file. A write
 * takes an flock() on `store.json.lock` (after `lock`, always in that
 * order), reads the file again, and only then makes its change and
 * writes; a read looks at the file's identity (a stat) and reads it again
 * if it changed (a read may rarely miss a change made within the same
 * tick of the file times' clock; a write never does). So no process loses another's update, and each announces the
 * other's changes as its own. A file that disappears is not taken as an
 * empty store (nobody but a user removes it): the next change writes it
 * again. #AtriumStore::changed is emitted in the main context the
 * store was made for, one change at a time and in the order the changes
 * were made, whichever thread made them.
 */

/* The file may carry a little more than the limit's worth of bytes (a
 * value written by an older version with other spacing), never much. */
#define MAX_FILE_SIZE (ATRIUM_STORE_MAX_SIZE + 64 * 1024)

typedef struct
{
  char  *json_key;   /* the key as a JSON string, quotes included */
  char  *value;      /* the value as compact JSON */
} Entry;

/* What tells one version of the file from another: a write renames a new
 * file over the old, so the inode changes, and the times and size with it. */
typedef struct
{
  gboolean valid;    /* FALSE: no file seen */
  dev_t    dev;
  ino_t    ino;
  off_t    size;
  gint64   mtime_ns;
  gint64   ctime_ns;
} FileId;

typedef struct
{
  char  *key;        /* NULL: the store was cleared */
  char  *value;      /* NULL: the key was deleted */
} Change;

struct _AtriumStore
{
  GObject       parent_instance;

  /* Read-only once made. */
  char         *path;
  GMainContext *context;

  GMutex        lock;
  GHashTable   *entries;      /* key → Entry; lock */
  gsize         size;         /* the file's size for these entries; lock */
  FileId        seen;         /* the file as last read or written; lock */
  GQueue        changes;      /* Change, not yet announced; lock */
  gboolean      announcing;   /* a source is attached to announce them; lock */
};

G_DEFINE_FINAL_TYPE (AtriumStore, atrium_store, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->json_key);
  g_free (entry->value);
  g_free (entry);
}

static void
change_free (gpointer data)
{
  Change *change = data;

  g_free (change->key);
  g_free (change->value);
  g_free (change);
}

/* What an entry adds to the file: its key, a colon, its value and a comma
 * (one too many for the last, which the braces' two bytes make up for). */
static gsize
entry_size (const Entry *entry)
{
  return strlen (entry->json_key) + 1 + strlen (entry->value) + 1;
}

char *
_atrium_store_path_for_app (const char *app_id)
{
  return g_build_filename (g_get_user_config_dir (), app_id, "store.json", NULL);
}

gboolean
_atrium_store_key_is_valid (const char  *key,
                            GError     **error)
{
  gsize length;

  if (key == NULL || *key == '\0')
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "A store key must be a non-empty string");
      return FALSE;
    }
  length = strlen (key);
  if (length > ATRIUM_STORE_MAX_KEY_LENGTH)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "A store key is at most %d bytes long", ATRIUM_STORE_MAX_KEY_LENGTH);
      return FALSE;
    }
  if (!g_utf8_validate_len (key, length, NULL))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "A store key must be valid UTF-8");
      return FALSE;
    }
  return TRUE;
}

static char *
json_key_new (const char *key)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), key);
  GString *out = g_string_new (NULL);

  _atrium_json_write (out, node);
  return g_string_free (out, FALSE);
}

/* @value as compact JSON, if it is one a store takes: within the size and
 * depth limits, and JSON that reads back (no invalid UTF-8 in a string). */
static char *
encode_value (JsonNode  *value,
              GError   **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) local = NULL;

  _atrium_json_write (out, value);
  if (out->len > ATRIUM_STORE_MAX_VALUE_SIZE)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "A store value is at most %d bytes of JSON; this one is %" G_GSIZE_FORMAT,
                   ATRIUM_STORE_MAX_VALUE_SIZE, out->len);
      return NULL;
    }
  /* Reading it back is the one check that what goes into the file will
   * come out of it: the depth the reader allows, and text the app put in
   * a string node that is not UTF-8. */
  back = _atrium_json_parse (out->str, out->len, ATRIUM_STORE_MAX_DEPTH, &local);
  if (back == NULL)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "A store value must be JSON nested at most %d deep, with UTF-8 strings: %s",
                   ATRIUM_STORE_MAX_DEPTH, local->message);
      return NULL;
    }
  return g_strdup (out->str);
}

/* --- the file --- */

static void
set_aside (AtriumStore *self,
           const char  *why)
{
  g_autofree char *aside = g_strconcat (self->path, ".corrupt", NULL);

  if (g_rename (self->path, aside) == 0)
    g_warning ("The store %s is not readable (%s): kept aside as %s; starting empty",
               self->path, why, aside);
  else
    g_warning ("The store %s is not readable (%s) and could not be kept aside (%s); "
               "starting empty, and the next change replaces it",
               self->path, why, g_strerror (errno));
}

/* The file's bytes, or %NULL with @why set. At most MAX_FILE_SIZE of them
 * are read, from a regular file only: a FIFO, a device or a symbolic link
 * to one is refused before anything is read from it. */
static char *
read_file (const char  *path,
           gsize       *length,
           gboolean    *missing,
           char       **why)
{
  g_autofree char *text = NULL;
  struct stat st;
  gsize total = 0;
  int fd;

  *missing = FALSE;
  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    {
      *missing = errno == ENOENT;
      *why = g_strdup (g_strerror (errno));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      *why = g_strdup ("not a regular file");
      close (fd);
      return NULL;
    }
  if (st.st_size > MAX_FILE_SIZE)
    {
      *why = g_strdup_printf ("%" G_GINT64_FORMAT " bytes, more than a store holds",
                              (gint64) st.st_size);
      close (fd);
      return NULL;
    }

  /* One byte more than the cap tells a file that grew since fstat. */
  text = g_malloc (MAX_FILE_SIZE + 2);
  while (total < MAX_FILE_SIZE + 1)
    {
      gssize n = read (fd, text + total, MAX_FILE_SIZE + 1 - total);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *why = g_strdup (g_strerror (errno));
          close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      total += n;
    }
  close (fd);
  if (total > MAX_FILE_SIZE)
    {
      *why = g_strdup ("it grew past what a store holds while it was read");
      return NULL;
    }
  text[total] = '\0';
  *length = total;
  return g_steal_pointer (&text);
}

GHashTable *
_atrium_store_parse (const char  *text,
                     gsize        length,
                     gsize       *size,
                     GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) entries = NULL;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  *size = 2;
  /* One level for the store's own object. */
  root = _atrium_json_parse (text, length, ATRIUM_STORE_MAX_DEPTH + 1, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "not a JSON object");
      return NULL;
    }

  entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &key, &value))
    {
      g_autoptr(GError) local = NULL;
      Entry *entry, *old;
      char *encoded;

      if (!_atrium_store_key_is_valid (key, &local)
          || (encoded = encode_value (value, &local)) == NULL)
        {
          g_set_error (error, ATRIUM_ERROR, g_error_matches (local, ATRIUM_ERROR,
                                                             ATRIUM_ERROR_TOO_LARGE)
                       ? ATRIUM_ERROR_TOO_LARGE : ATRIUM_ERROR_BAD_ARGS,
                       "a bad entry: %s", local->message);
          return NULL;
        }
      entry = g_new (Entry, 1);
      entry->json_key = json_key_new (key);
      entry->value = encoded;
      /* A repeated key: the last one counts, once. */
      old = g_hash_table_lookup (entries, key);
      if (old != NULL)
        *size -= entry_size (old);
      *size += entry_size (entry);
      g_hash_table_replace (entries, g_strdup (key), entry);
    }
  if (*size > ATRIUM_STORE_MAX_SIZE + 1)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE, "more than a store holds");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

static FileId
file_id (const char *path)
{
  FileId id = { 0 };
  struct stat st;

  if (stat (path, &st) != 0)
    return id;
  id.valid = TRUE;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.size = st.st_size;
  id.mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;
  id.ctime_ns = (gint64) st.st_ctim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_ctim.tv_nsec;
  return id;
}

static gboolean
file_id_equal (const FileId *a,
               const FileId *b)
{
  return a->valid == b->valid
         && (!a->valid || (a->dev == b->dev && a->ino == b->ino && a->size == b->size
                           && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns));
}

static void queue_change_locked (AtriumStore *self,
                                 const char  *key,
                                 const char  *value);

/* Another process replaced the file (or, with @always, may have): takes
 * its entries, announcing what differs. Called with the lock held (and,
 * for a write, the file lock). A
 * file that is gone, or that is not a store, leaves the entries alone: the
 * next change writes the file again. */
static void
sync_locked (AtriumStore *self,
             gboolean     always)
{
  FileId now = file_id (self->path);
  g_autofree char *text = NULL;
  g_autofree char *why = NULL;
  g_autoptr(GHashTable) entries = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  const char *key;
  Entry *entry;
  gboolean missing;
  gsize length, size;

  if (!now.valid || (!always && file_id_equal (&now, &self->seen)))
    return;
  self->seen = now;

  text = read_file (self->path, &length, &missing, &why);
  if (text != NULL)
    entries = _atrium_store_parse (text, length, &size, &error);
  if (entries == NULL)
    {
      g_message ("The store %s changed on disk to something that is not a store (%s); "
                 "keeping what this process has", self->path,
                 error != NULL ? error->message : why);
      return;
    }

  g_hash_table_iter_init (&iter, entries);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &entry))
    {
      Entry *old = g_hash_table_lookup (self->entries, key);

      if (old == NULL || strcmp (old->value, entry->value) != 0)
        queue_change_locked (self, key, entry->value);
    }
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    if (!g_hash_table_contains (entries, key))
      queue_change_locked (self, key, NULL);

  g_hash_table_unref (self->entries);
  self->entries = g_steal_pointer (&entries);
  self->size = size;
}

/* Takes the lock and the file lock, and catches up with the file: the
 * start of every change. Returns the file lock's descriptor, or -1 with
 * @error set (and no lock held). */
static int
write_begin (AtriumStore  *self,
             GError      **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *lock_path = g_strconcat (self->path, ".lock", NULL);
  int fd;

  g_mutex_lock (&self->lock);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_mutex_unlock (&self->lock);
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED, "Cannot make the folder %s: %s",
                   dir, g_strerror (saved));
      return -1;
    }
  fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  while (fd >= 0 && flock (fd, LOCK_EX) != 0)
    if (errno != EINTR)
      {
        close (fd);
        fd = -1;
      }
  if (fd < 0)
    {
      int saved = errno;

      g_mutex_unlock (&self->lock);
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED, "Cannot lock %s: %s",
                   lock_path, g_strerror (saved));
      return -1;
    }
  /* Always read under the file lock: an inode number can come back, with
   * the same size, within one tick of the file times' clock, so the stat
   * that reads trust is not enough to write on. */
  sync_locked (self, TRUE);
  return fd;
}

static void
write_end (AtriumStore *self,
           int          fd)
{
  close (fd);
  g_mutex_unlock (&self->lock);
}

/* Fills the entries from the file; a file that is not a store is kept
 * aside. Called before anyone else can see @self. */
static void
load (AtriumStore *self)
{
  g_autofree char *text = NULL;
  g_autofree char *why = NULL;
  g_autoptr(GError) error = NULL;
  GHashTable *entries;
  gboolean missing;
  gsize length, size;

  text = read_file (self->path, &length, &missing, &why);
  if (text == NULL)
    {
      if (!missing)
        set_aside (self, why);
      return;
    }
  entries = _atrium_store_parse (text, length, &size, &error);
  if (entries == NULL)
    {
      set_aside (self, error->message);
      return;
    }
  g_hash_table_unref (self->entries);
  self->entries = entries;
  self->size = size;
  /* Changed since it was read? Then the first read or write reads it again. */
  self->seen = file_id (self->path);
}

/* Writes the entries; called with the lock held. */
static gboolean
save_locked (AtriumStore  *self,
             GError      **error)
{
  g_autoptr(GString) out = g_string_sized_new (self->size + 1);
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autoptr(GError) local = NULL;
  GHashTableIter iter;
  Entry *entry;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      g_string_append (out, entry->json_key);
      g_string_append_c (out, ':');
      g_string_append (out, entry->value);
    }
  g_string_append_c (out, '}');

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED, "Cannot make the folder %s: %s",
                   dir, g_strerror (saved));
      return FALSE;
    }
  /* CONSISTENT: the new file is on disk before it replaces the old one. */
  if (!g_file_set_contents_full (self->path, out->str, out->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED, "Cannot write the store: %s",
                   local->message);
      return FALSE;
    }
  /* Under the file lock: nobody else has written since. */
  self->seen = file_id (self->path);
  return TRUE;
}

/* --- changes --- */

static gboolean
announce_cb (gpointer data)
{
  AtriumStore *self = data;

  for (;;)
    {
      Change *change;
      g_autoptr(JsonNode) value = NULL;

      g_mutex_lock (&self->lock);
      change = g_queue_pop_head (&self->changes);
      if (change == NULL)
        self->announcing = FALSE;
      g_mutex_unlock (&self->lock);
      if (change == NULL)
        break;

      if (change->value != NULL)
        value = _atrium_json_parse (change->value, strlen (change->value),
                                    ATRIUM_STORE_MAX_DEPTH, NULL);
      g_signal_emit (self, signals[CHANGED], 0, change->key, value);
      change_free (change);
    }
  return G_SOURCE_REMOVE;
}

/* Queues a change to announce; called with the lock held, in the order of
 * the changes. The source holds a reference until it has run. */
static void
queue_change_locked (AtriumStore *self,
                     const char  *key,
                     const char  *value)
{
  Change *change = g_new (Change, 1);

  change->key = g_strdup (key);
  change->value = g_strdup (value);
  g_queue_push_tail (&self->changes, change);
  if (!self->announcing)
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      self->announcing = TRUE;
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, announce_cb, g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[atrium] store changed");
      g_source_attach (source, self->context);
    }
}

/* --- public --- */

/**
 * atrium_store_get_path:
 *
 * Returns: (transfer none): the file the store is kept in
 */
const char *
atrium_store_get_path (AtriumStore *self)
{
  g_return_val_if_fail (ATRIUM_IS_STORE (self), NULL);

  return self->path;
}

/**
 * atrium_store_get:
 * @key: the key
 *
 * Returns: (transfer full) (nullable): a copy of @key's value, or %NULL if
 *   the store has no such key
 */
JsonNode *
atrium_store_get (AtriumStore *self,
                  const char  *key)
{
  g_autofree char *value = NULL;
  Entry *entry;

  g_return_val_if_fail (ATRIUM_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  g_mutex_lock (&self->lock);
  sync_locked (self, FALSE);
  entry = g_hash_table_lookup (self->entries, key);
  value = entry != NULL ? g_strdup (entry->value) : NULL;
  g_mutex_unlock (&self->lock);

  return value != NULL
         ? _atrium_json_parse (value, strlen (value), ATRIUM_STORE_MAX_DEPTH, NULL) : NULL;
}

/**
 * atrium_store_set:
 * @key: a non-empty UTF-8 key of at most %ATRIUM_STORE_MAX_KEY_LENGTH bytes
 * @value: any JSON value (a copy is kept)
 * @error: a #GError
 *
 * Sets @key to @value and writes the store. A value over
 * %ATRIUM_STORE_MAX_VALUE_SIZE bytes of JSON, or one that would take the
 * store past %ATRIUM_STORE_MAX_SIZE, is %ATRIUM_ERROR_TOO_LARGE; a bad key,
 * a value nested deeper than %ATRIUM_STORE_MAX_DEPTH or a string that is not
 * UTF-8 is %ATRIUM_ERROR_BAD_ARGS; a file that cannot be written is
 * %ATRIUM_ERROR_FAILED. On any error nothing changes. Setting a key to the
 * value it has writes nothing and announces nothing.
 *
 * Returns: %TRUE if the store has @key set to @value
 */
gboolean
atrium_store_set (AtriumStore  *self,
                  const char   *key,
                  JsonNode     *value,
                  GError      **error)
{
  g_autofree char *encoded = NULL;
  g_autofree char *old_key = NULL;
  Entry *entry, *old;
  gsize size;
  int fd;

  g_return_val_if_fail (ATRIUM_IS_STORE (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_atrium_store_key_is_valid (key, error))
    return FALSE;
  encoded = encode_value (value, error);
  if (encoded == NULL)
    return FALSE;

  entry = g_new (Entry, 1);
  entry->json_key = json_key_new (key);
  entry->value = g_steal_pointer (&encoded);

  fd = write_begin (self, error);
  if (fd < 0)
    {
      entry_free (entry);
      return FALSE;
    }
  old = g_hash_table_lookup (self->entries, key);
  if (old != NULL && strcmp (old->value, entry->value) == 0)
    {
      write_end (self, fd);
      entry_free (entry);
      return TRUE;
    }
  size = self->size - (old != NULL ? entry_size (old) : 0) + entry_size (entry);
  if (size > ATRIUM_STORE_MAX_SIZE + 1)
    {
      write_end (self, fd);
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The store would be larger than %d bytes", ATRIUM_STORE_MAX_SIZE);
      entry_free (entry);
      return FALSE;
    }

  /* Written with the new entry in place; put back as it was if the write
   * fails, so that what is in memory is always what is on disk. */
  if (old != NULL)
    g_hash_table_steal_extended (self->entries, key, (gpointer *) &old_key, NULL);
  g_hash_table_insert (self->entries, g_strdup (key), entry);
  if (!save_locked (self, error))
    {
      if (old != NULL)
        g_hash_table_insert (self->entries, g_steal_pointer (&old_key), old);
      else
        g_hash_table_remove (self->entries, key);
      write_end (self, fd);
      return FALSE;
    }
  self->size = size;
  queue_change_locked (self, key, entry->value);
  write_end (self, fd);

  if (old != NULL)
    entry_free (old);
  return TRUE;
}

gboolean
_atrium_store_delete_full (AtriumStore  *self,
                           const char   *key,
                           gboolean     *existed,
                           GError      **error)
{
  g_autofree char *old_key = NULL;
  Entry *old;
  int fd;

  *existed = FALSE;
  if (!_atrium_store_key_is_valid (key, error))
    return FALSE;

  fd = write_begin (self, error);
  if (fd < 0)
    return FALSE;
  old = g_hash_table_lookup (self->entries, key);
  if (old == NULL)
    {
      write_end (self, fd);
      return TRUE;
    }
  g_hash_table_steal_extended (self->entries, key, (gpointer *) &old_key, NULL);
  if (!save_locked (self, error))
    {
      g_hash_table_insert (self->entries, g_steal_pointer (&old_key), old);
      write_end (self, fd);
      return FALSE;
    }
  self->size -= entry_size (old);
  queue_change_locked (self, key, NULL);
  write_end (self, fd);

  entry_free (old);
  *existed = TRUE;
  return TRUE;
}

/**
 * atrium_store_delete:
 * @key: the key
 * @error: a #GError
 *
 * Removes @key and writes the store; a key the store does not have is not
 * an error, and changes nothing. A bad key is %ATRIUM_ERROR_BAD_ARGS, a file
 * that cannot be written %ATRIUM_ERROR_FAILED (then @key stays).
 *
 * Returns: %TRUE if the store has no @key now
 */
gboolean
atrium_store_delete (AtriumStore  *self,
                     const char   *key,
                     GError      **error)
{
  gboolean existed;

  g_return_val_if_fail (ATRIUM_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _atrium_store_delete_full (self, key, &existed, error);
}

static int
compare_keys (const void *a,
              const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/**
 * atrium_store_dup_keys:
 *
 * Returns: (transfer full) (array zero-terminated=1): the store's keys, in
 *   byte order
 */
char **
atrium_store_dup_keys (AtriumStore *self)
{
  GStrvBuilder *builder;
  GHashTableIter iter;
  const char *key;
  char **keys;

  g_return_val_if_fail (ATRIUM_IS_STORE (self), NULL);

  builder = g_strv_builder_new ();
  g_mutex_lock (&self->lock);
  sync_locked (self, FALSE);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    g_strv_builder_add (builder, key);
  g_mutex_unlock (&self->lock);

  keys = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  qsort (keys, g_strv_length (keys), sizeof (char *), compare_keys);
  return keys;
}

/**
 * atrium_store_clear:
 * @error: a #GError
 *
 * Removes every key and writes the (empty) store. Announced once, with a
 * %NULL key. A file that cannot be written is %ATRIUM_ERROR_FAILED, and
 * then every key stays.
 *
 * Returns: %TRUE if the store is empty now
 */
gboolean
atrium_store_clear (AtriumStore  *self,
                    GError      **error)
{
  g_autoptr(GHashTable) old = NULL;
  int fd;

  g_return_val_if_fail (ATRIUM_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  fd = write_begin (self, error);
  if (fd < 0)
    return FALSE;
  if (g_hash_table_size (self->entries) == 0)
    {
      write_end (self, fd);
      return TRUE;
    }
  old = self->entries;
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  if (!save_locked (self, error))
    {
      g_hash_table_unref (self->entries);
      self->entries = g_steal_pointer (&old);
      write_end (self, fd);
      return FALSE;
    }
  self->size = 2;
  queue_change_locked (self, NULL, NULL);
  write_end (self, fd);
  return TRUE;
}

gsize
_atrium_store_get_size (AtriumStore *self)
{
  gsize size;

  g_mutex_lock (&self->lock);
  size = self->size - (g_hash_table_size (self->entries) > 0 ? 1 : 0);
  g_mutex_unlock (&self->lock);
  return size;
}

AtriumStore *
_atrium_store_new (const char   *path,
                   GMainContext *context)
{
  AtriumStore *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (ATRIUM_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->context = g_main_context_ref (context != NULL ? context : g_main_context_default ());
  load (self);
  return self;
}

static void
atrium_store_finalize (GObject *object)
{
  AtriumStore *self = ATRIUM_STORE (object);

  g_free (self->path);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_hash_table_unref (self->entries);
  g_queue_clear_full (&self->changes, change_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (atrium_store_parent_class)->finalize (object);
}

static void
atrium_store_class_init (AtriumStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = atrium_store_finalize;

  /**
   * AtriumStore::changed:
   * @key: (nullable): the key that changed, or %NULL when the store was cleared
   * @value: (nullable): its new value, or %NULL when it was deleted
   *
   * A key was set or deleted, or the store cleared, by any window or
   * thread. Emitted in the store's main context (the app's: the main
   * thread), in the order the changes were made.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                   G_TYPE_STRING, JSON_TYPE_NODE);
}

static void
atrium_store_init (AtriumStore *self)
{
  g_mutex_init (&self->lock);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  self->size = 2;
  g_queue_init (&self->changes);
}

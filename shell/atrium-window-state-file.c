#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Window"
#include "config.h"

#include "atrium-window-state-file-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "atrium-error.h"
#include "atrium-json-private.h"

/* Remembered window state: one JSON file per application id under the XDG
 * state directory, an object of state keys, each
 *
 *   {"width": 800, "height": 600, "maximized": false, "fullscreen": false,
 *    "x": 10, "y": 20}
 *
 * (x and y only where the display server tells positions). The file is
 * small and bounded (ATRIUM_WINDOW_STATE_MAX_KEYS keys), read whole and
 * written whole with g_file_set_contents(), which writes a temporary file
 * and renames it over the old one: a crash mid-write leaves the previous
 * state. Whatever in it is not as written here is ignored with an error for
 * the caller to log; the window then opens with its defaults. */

#define MAX_FILE_SIZE (64 * 1024)

char *
_atrium_window_state_path (const char *app_id)
{
  return g_build_filename (g_get_user_state_dir (), app_id, "window-state.json", NULL);
}

gboolean
_atrium_window_state_key_is_valid (const char *key)
{
  gsize length = key != NULL ? strlen (key) : 0;

  return length > 0 && length <= ATRIUM_WINDOW_STATE_KEY_MAX
         && g_utf8_validate_len (key, length, NULL);
}

static gboolean
size_is_valid (gint64 size)
{
  return size > 0 && size <= ATRIUM_WINDOW_STATE_MAX_SIZE;
}

/* json_node_init_object() takes its own reference on the object. */
static JsonNode *
empty_object (void)
{
  g_autoptr(JsonObject) object = json_object_new ();

  return json_node_init_object (json_node_alloc (), object);
}

/* Reads at most MAX_FILE_SIZE bytes of @path, which must be a regular
 * file: never blocks on a FIFO, never reads /dev/zero without end. Returns
 * NULL with G_FILE_ERROR_NOENT for a missing file. */
static char *
read_bounded (const char  *path,
              gsize       *length,
              GError     **error)
{
  g_autofree char *text = NULL;
  struct stat st;
  gsize done = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "Cannot open %s: %s",
                   path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_FILE_SIZE)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "%s is not a regular file of at most %d bytes", path, MAX_FILE_SIZE);
      close (fd);
      return NULL;
    }
  /* One more than the limit: a file that grew since fstat() is caught. */
  text = g_malloc (MAX_FILE_SIZE + 2);
  while (done <= MAX_FILE_SIZE)
    {
      gssize n = read (fd, text + done, MAX_FILE_SIZE + 1 - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "Cannot read %s: %s", path, g_strerror (saved));
          close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      done += n;
    }
  close (fd);
  if (done > MAX_FILE_SIZE)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "%s is more than %d bytes", path, MAX_FILE_SIZE);
      return NULL;
    }
  text[done] = '\0';
  *length = done;
  return g_steal_pointer (&text);
}

/* The file's object, or %NULL with @error set; a missing file is an empty
 * object. An error in %ATRIUM_ERROR means the file is there but is not
 * window state; any other, that it could not be read. */
static JsonNode *
read_file (const char  *path,
           GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gsize length;

  text = read_bounded (path, &length, &local);
  if (text == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return empty_object ();
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  root = _atrium_json_parse (text, length, 4, &local);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "%s is not window state: %s",
                   path, local != NULL ? local->message : "not an object");
      return NULL;
    }
  return g_steal_pointer (&root);
}

static gboolean
get_int (JsonObject *object,
         const char *name,
         gint64     *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

static gboolean
get_bool (JsonObject *object,
          const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

/**
 * _atrium_window_state_load:
 * @state: (out): filled in when found
 *
 * Returns: %TRUE if @path holds a valid state for @key; %FALSE without an
 *   error if it holds none, %FALSE with @error set if the file cannot be
 *   read or is not as written here (then @state is left alone)
 */
gboolean
_atrium_window_state_load (const char         *path,
                           const char         *key,
                           AtriumWindowState  *state,
                           GError            **error)
{
  g_autoptr(JsonNode) root = read_file (path, error);
  JsonNode *entry;
  JsonObject *object;
  gint64 width, height, x, y;

  if (root == NULL)
    return FALSE;
  entry = json_object_get_member (json_node_get_object (root), key);
  if (entry == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (entry)
      || !get_int (object = json_node_get_object (entry), "width", &width)
      || !get_int (object, "height", &height) || !size_is_valid (width) || !size_is_valid (height))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "%s: the state of “%s” has no valid width and height", path, key);
      return FALSE;
    }

  state->width = width;
  state->height = height;
  state->maximized = get_bool (object, "maximized");
  state->fullscreen = get_bool (object, "fullscreen");
  state->has_position = get_int (object, "x", &x) && get_int (object, "y", &y)
                        && ABS (x) <= ATRIUM_WINDOW_STATE_MAX_SIZE
                        && ABS (y) <= ATRIUM_WINDOW_STATE_MAX_SIZE;
  if (state->has_position)
    {
      state->x = x;
      state->y = y;
    }
  return TRUE;
}

/**
 * _atrium_window_state_save:
 *
 * Writes @state for @key, keeping the other keys. A file that cannot be
 * read as state is replaced. At most ATRIUM_WINDOW_STATE_MAX_KEYS keys:
 * past that a new key is refused.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
_atrium_window_state_save (const char               *path,
                           const char               *key,
                           const AtriumWindowState  *state,
                           GError                  **error)
{
  g_autoptr(GError) read_error = NULL;
  g_autoptr(JsonNode) root = read_file (path, &read_error);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  JsonObject *all, *entry;

  g_return_val_if_fail (_atrium_window_state_key_is_valid (key), FALSE);
  g_return_val_if_fail (size_is_valid (state->width) && size_is_valid (state->height), FALSE);

  /* A file that is not window state is replaced; one that could not be
   * read is left alone: it may hold other windows' state. */
  if (root == NULL && read_error->domain != ATRIUM_ERROR)
    {
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }
  if (root == NULL)
    root = empty_object ();
  all = json_node_get_object (root);
  if (!json_object_has_member (all, key) && json_object_get_size (all) >= ATRIUM_WINDOW_STATE_MAX_KEYS)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
                   "%s already holds the state of %d windows", path,
                   ATRIUM_WINDOW_STATE_MAX_KEYS);
      return FALSE;
    }

  entry = json_object_new ();
  json_object_set_int_member (entry, "width", state->width);
  json_object_set_int_member (entry, "height", state->height);
  json_object_set_boolean_member (entry, "maximized", state->maximized);
  json_object_set_boolean_member (entry, "fullscreen", state->fullscreen);
  if (state->has_position)
    {
      json_object_set_int_member (entry, "x", state->x);
      json_object_set_int_member (entry, "y", state->y);
    }
  json_object_set_object_member (all, key, entry);

  _atrium_json_write (text, root);
  g_string_append_c (text, '\n');
  /* Never write what the next read would refuse (64 keys of 256 escaped
   * control characters would be). */
  if (text->len > MAX_FILE_SIZE)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The window state would be %" G_GSIZE_FORMAT " bytes, over %d", text->len,
                   MAX_FILE_SIZE);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot make %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return g_file_set_contents_full (path, text->str, text->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static int
clamp_span (int *start,
            int  span,
            int  area_start,
            int  area_span)
{
  span = MIN (span, area_span);
  *start = CLAMP (*start, area_start, area_start + area_span - span);
  return span;
}

/* Fits @state into @area (a monitor's work area): a window saved on a
 * bigger monitor, or one that is gone, opens where it can be seen. */
void
_atrium_window_state_clamp (AtriumWindowState      *state,
                            const AtriumWindowArea *area)
{
  if (area->width <= 0 || area->height <= 0)
    return;
  state->width = MIN (state->width, area->width);
  state->height = MIN (state->height, area->height);
  if (state->has_position)
    {
      state->width = clamp_span (&state->x, state->width, area->x, area->width);
      state->height = clamp_span (&state->y, state->height, area->y, area->height);
    }
}

static gint64
overlap (int a_start,
         int a_span,
         int b_start,
         int b_span)
{
  gint64 start = MAX (a_start, b_start);
  gint64 end = MIN ((gint64) a_start + a_span, (gint64) b_start + b_span);

  return MAX (end - start, 0);
}

/* Which of @areas (the monitors' work areas) a window saved as @state
 * opens on: the one its saved rectangle covers most, as the window manager
 * would say it is on; without a position, or on none of them (a monitor
 * that is gone), the biggest. -1 without areas. */
int
_atrium_window_state_pick_area (const AtriumWindowState *state,
                                const AtriumWindowArea  *areas,
                                guint                    n_areas)
{
  gint64 best_overlap = 0, best_size = -1;
  int best = -1, biggest = -1;

  for (guint i = 0; i < n_areas; i++)
    {
      const AtriumWindowArea *area = &areas[i];
      gint64 size = (gint64) MAX (area->width, 0) * MAX (area->height, 0);

      if (size > best_size)
        {
          best_size = size;
          biggest = i;
        }
      if (state->has_position)
        {
          gint64 covered = overlap (state->x, state->width, area->x, area->width)
                           * overlap (state->y, state->height, area->y, area->height);

          if (covered > best_overlap)
            {
              best_overlap = covered;
              best = i;
            }
        }
    }
  return best >= 0 ? best : biggest;
}

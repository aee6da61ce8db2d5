#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Downloads"
#include "config.h"

#include "atrium-downloads-private.h"

#include <string.h>

#include <glib/gstdio.h>

#include "atrium-app-private.h"
#include "atrium-dialog.h"
#include "atrium-download-file-private.h"
#include "atrium-events-private.h"
#include "atrium-log-limit-private.h"
#include "atrium-scheme-private.h"
#include "atrium-window-private.h"

/* Downloads: what a page of the app starts with `<a download>`, a
 * response WebKit would save (an attachment, a type it cannot show) or a
 * blob: link.
 *
 * WebKit's own default saves such a file in the downloads folder with no
 * prompt, from any frame: the hostile review's "silent downloads". Here a
 * download is never silent and never a foreign frame's:
 *
 *   - only the app's origin (its app:// URLs, or blob: URLs it made)
 *     downloads; a frame of another origin, a data: URL (which says
 *     nothing of who made it) and the rest are refused at the start;
 *   - at most ATRIUM_DOWNLOADS_MAX_ACTIVE are under way at once, and a
 *     window shows one save dialog at a time; the rest are refused;
 *   - the app's policy (ASK by default: the user chooses in a dialog) or
 *     its AtriumApp::decide-download handler says where the file goes;
 *   - WebKit writes a hidden temporary file next to it, renamed to the
 *     chosen name only once complete: a failed or cancelled download
 *     leaves nothing at the path the user chose;
 *   - the page that started it hears atrium:download.progress (coalesced
 *     on its way, so a page that falls behind gets the latest), then one
 *     atrium:download.finished or atrium:download.failed.
 *
 * The app's own app:// files are the exception to "WebKit downloads":
 * its network process does the downloading and does not serve custom
 * schemes, so a navigation of the top frame to one it would save
 * (atrium-window.c) comes here as a URI instead, and the file is read
 * from where the scheme handler reads it (_atrium_scheme_open_file()) and
 * written here, in the UI process, through the same record: the same
 * limit, policy, dialog, temporary file, names and events.
 *
 * Every download gets an id and ends with exactly one of the last two
 * events, refusals included. Main thread only. */

/* An app file is read and written in pieces of this size. */
#define APP_FILE_CHUNK (64 * 1024)

/* Progress is sent each time this much more has arrived (and at the end). */
#define PROGRESS_STEP_MIN     (64 * 1024)
#define PROGRESS_STEP_UNKNOWN (1024 * 1024)

typedef struct _Downloads Downloads;
typedef struct _Download Download;

/* The save dialog answers later than its download may live (the app goes,
 * or WebKit fails the download, while it asks): its callback gets this,
 * whose @d the download clears when it goes first. */
typedef struct _DialogWait
{
  Download *d;
} DialogWait;

/* An app file on its way to disk: the one read or write under way holds a
 * reference, so the record can go first (the app quits); its callbacks
 * then find @d cleared and stop. */
typedef struct
{
  Download      *d;               /* NULL once the record went */
  GCancellable  *cancellable;
  GInputStream  *source;
  GOutputStream *out;
  GBytes        *chunk;           /* being written */
  char          *temp_path;       /* what is written */
} Transfer;

struct _Download
{
  Downloads      *owner;
  WebKitDownload *download;       /* held until the record goes; NULL for an
                                   * app file, which we copy ourselves */
  GInputStream   *source;         /* app file: opened, until it goes */
  Transfer       *transfer;       /* app file: while it is copied */
  guint           idle;           /* app file: its start, out of WebKit's callback */
  guint64         total;          /* app file: its size, 0 if unknown */
  char           *suggested;      /* the page's name, while held */
  guint           id;
  guint           window_id;
  GWeakRef        window;
  char           *uri;
  char           *final_path;     /* once decided */
  char           *temp_path;      /* what WebKit writes */
  char           *why;            /* our reason, when we cancelled it */
  GCancellable   *dialog;         /* while the save dialog is open */
  struct _DialogWait *dialog_wait; /* what the dialog's answer comes back to */
  gboolean        replace;        /* the final path may be replaced */
  gboolean        counted;        /* one of the active ones */
  gboolean        failed;
  guint64         received;
  guint64         reported;
};

struct _Downloads
{
  AtriumApp            *app;      /* owns us */
  AtriumDownloadPolicy  policy;
  GHashTable           *records;  /* Download*: every one not ended yet */
  guint                 active;
  guint                 peak;
  guint                 next_id;
  gboolean              held;
  GQueue                waiting;  /* ids of the downloads held */
};

static guint decide_download_signal;

/* App files being copied, in every app: for tests, which wait for the
 * last copy to let go once its app has. */
static guint live_copies;

static void download_decide (Download *d, const char *suggested);
static void download_fail   (Download *d, const GError *error);

static void
transfer_clear (Transfer *t)
{
  g_clear_object (&t->cancellable);
  g_clear_object (&t->source);
  g_clear_object (&t->out);
  g_clear_pointer (&t->chunk, g_bytes_unref);
  g_free (t->temp_path);
  live_copies--;
}

static void
transfer_release (Transfer *t)
{
  g_atomic_rc_box_release_full (t, (GDestroyNotify) transfer_clear);
}

/* The record lets go of its copy: what is under way stops. */
static void
transfer_detach (Download *d)
{
  Transfer *t = g_steal_pointer (&d->transfer);

  if (t == NULL)
    return;
  t->d = NULL;
  g_cancellable_cancel (t->cancellable);
  transfer_release (t);
}

static void
downloads_free (Downloads *self)
{
  GHashTableIter iter;
  gpointer key;

  /* The app is going: what is still under way is cancelled, and no
   * temporary file stays behind. */
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Download *d = key;

      if (d->download != NULL)
        {
          g_signal_handlers_disconnect_by_data (d->download, d);
          webkit_download_cancel (d->download);
        }
      transfer_detach (d);
      if (d->temp_path != NULL)
        g_unlink (d->temp_path);
    }
  g_hash_table_unref (self->records);
  g_queue_clear (&self->waiting);
  g_free (self);
}

static void
download_free (Download *d)
{
  if (d->download != NULL)
    {
      g_signal_handlers_disconnect_by_data (d->download, d);
      g_object_unref (d->download);
    }
  g_clear_handle_id (&d->idle, g_source_remove);
  transfer_detach (d);
  g_clear_object (&d->source);
  g_free (d->suggested);
  g_weak_ref_clear (&d->window);
  g_free (d->uri);
  g_free (d->final_path);
  g_free (d->temp_path);
  g_free (d->why);
  if (d->dialog_wait != NULL)
    {
      d->dialog_wait->d = NULL;
      g_cancellable_cancel (d->dialog);
    }
  g_clear_object (&d->dialog);
  g_free (d);
}

static Downloads *
get_downloads (AtriumApp *app)
{
  static GQuark quark;
  Downloads *self;

  if (quark == 0)
    quark = g_quark_from_static_string ("atrium-downloads");
  self = g_object_get_qdata (G_OBJECT (app), quark);
  if (self != NULL)
    return self;

  self = g_new0 (Downloads, 1);
  self->app = app;
  self->policy = ATRIUM_DOWNLOAD_ASK;
  self->records = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) download_free, NULL);
  g_queue_init (&self->waiting);
  g_object_set_qdata_full (G_OBJECT (app), quark, self, (GDestroyNotify) downloads_free);
  /* A page that falls behind gets the latest progress, not every step. */
  _atrium_events_set_policy (_atrium_app_get_events (app), "atrium:download.progress",
                             ATRIUM_EVENT_COALESCE);
  return self;
}

/* --- events --- */

static void
emit (Download   *d,
      const char *name,
      JsonObject *object)
{
  g_autoptr(JsonNode) data = json_node_init_object (json_node_alloc (), object);

  _atrium_app_emit_builtin (d->owner->app, d->window_id, 0, name, data);
  json_object_unref (object);
}

/* The size announced, 0 when unknown. */
static guint64
download_total (Download *d)
{
  WebKitURIResponse *response;

  if (d->download == NULL)
    return d->total;
  response = webkit_download_get_response (d->download);
  return response != NULL ? webkit_uri_response_get_content_length (response) : 0;
}

static void
emit_progress (Download *d)
{
  JsonObject *object = json_object_new ();
  guint64 total = download_total (d);

  d->reported = d->received;
  json_object_set_int_member (object, "id", d->id);
  json_object_set_int_member (object, "received", (gint64) d->received);
  if (total > 0)
    json_object_set_int_member (object, "total", (gint64) total);
  else
    json_object_set_null_member (object, "total");
  emit (d, "atrium:download.progress", object);
}

/* Ends the record: the page hears how, and the slot is free again. */
static void
download_end (Download   *d,
              const char *path,
              const char *message)
{
  Downloads *self = d->owner;
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "id", d->id);
  if (path != NULL)
    json_object_set_string_member (object, "path", path);
  else
    json_object_set_string_member (object, "message", message);
  emit (d, path != NULL ? "atrium:download.finished" : "atrium:download.failed", object);

  if (d->counted)
    self->active--;
  g_hash_table_remove (self->records, d);
}

/* Cancels @d: WebKit answers with ::failed, an app file's copy stops with
 * its next step; the page hears d->why. */
static void
download_cancel (Download *d)
{
  if (d->download != NULL)
    webkit_download_cancel (d->download);
  else if (d->idle != 0)
    return;  /* its start sees d->why */
  else if (d->transfer != NULL)
    g_cancellable_cancel (d->transfer->cancellable);
  else
    download_fail (d, NULL);
}

/* Refuses @d: the page hears @why. */
static void
download_refuse (Download   *d,
                 const char *why)
{
  g_autoptr(AtriumWindow) window = g_weak_ref_get (&d->window);

  if (d->why == NULL)
    d->why = g_strdup (why);
  if (window != NULL)
    _atrium_window_note_refused_download (window);
  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "Refused a download of %s: %s", d->uri,
                    g_str_has_prefix (why, "Refused: ") ? why + strlen ("Refused: ") : why);
  download_cancel (d);
}

/* --- WebKit's signals --- */

static void
note_received (Download *d,
               guint64   length)
{
  guint64 total = download_total (d);
  guint64 step = total > 0 ? MAX (total / 100, PROGRESS_STEP_MIN) : PROGRESS_STEP_UNKNOWN;

  d->received += length;
  if (d->received - d->reported >= step || (total > 0 && d->received == total))
    emit_progress (d);
}

static void
received_data_cb (WebKitDownload *download,
                  guint64         length,
                  Download       *d)
{
  note_received (d, length);
}

/* @d failed (@error NULL: we cancelled it): the temporary file goes, the
 * page hears why. */
static void
download_fail (Download     *d,
               const GError *error)
{
  g_autofree char *message = NULL;

  if (d->failed)
    return;
  d->failed = TRUE;
  if (d->temp_path != NULL)
    g_unlink (d->temp_path);
  if (d->why != NULL)
    message = g_strdup (d->why);
  else if (error == NULL
           || g_error_matches (error, WEBKIT_DOWNLOAD_ERROR,
                               WEBKIT_DOWNLOAD_ERROR_CANCELLED_BY_USER)
           || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    message = g_strdup ("Cancelled: the download was cancelled");
  else
    message = g_strdup_printf ("Failed: %s", error->message);
  download_end (d, NULL, message);
}

static void
failed_cb (WebKitDownload *download,
           GError         *error,
           Download       *d)
{
  download_fail (d, error);
}

/* The numbered names already promised to downloads under way. */
static gboolean
is_promised (Downloads  *self,
             const char *path)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Download *d = key;

      if (d->final_path != NULL && strcmp (d->final_path, path) == 0)
        return TRUE;
    }
  return FALSE;
}

/* @name in @folder, or "name (N).ext" for the first N free: neither a file
 * now nor promised to another download. NULL if all are taken. */
static char *
unique_path (Downloads  *self,
             const char *folder,
             const char *name)
{
  for (guint n = 0; n <= ATRIUM_DOWNLOAD_UNIQUE_MAX; n++)
    {
      g_autofree char *numbered = n > 0 ? _atrium_download_numbered_name (name, n) : NULL;
      g_autofree char *path = g_build_filename (folder, numbered != NULL ? numbered : name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS) && !is_promised (self, path))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* The whole file is in d->temp_path: it takes its name. */
static void
download_complete (Download *d)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *name = NULL;

  /* WebKit says finished after failed too. */
  if (d->failed || d->temp_path == NULL)
    return;
  if (d->reported != d->received)
    emit_progress (d);

  /* In the downloads folder a name taken since it was chosen is numbered
   * again; a chosen path is replaced, as the user or the app said. */
  while (!_atrium_download_commit (d->temp_path, d->final_path, d->replace, &error))
    {
      g_autofree char *again = NULL;

      if (d->replace || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        break;
      g_clear_error (&error);
      folder = folder != NULL ? folder : g_path_get_dirname (d->final_path);
      name = name != NULL ? name : g_path_get_basename (d->final_path);
      g_clear_pointer (&d->final_path, g_free);
      again = unique_path (d->owner, folder, name);
      if (again == NULL)
        {
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "Every name like %s is taken in %s", name, folder);
          break;
        }
      d->final_path = g_steal_pointer (&again);
    }
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf ("Failed: %s", error->message);

      d->failed = TRUE;
      g_unlink (d->temp_path);
      download_end (d, NULL, message);
      return;
    }
  g_clear_pointer (&d->temp_path, g_free);
  download_end (d, d->final_path, NULL);
}

static void
finished_cb (WebKitDownload *download,
             Download       *d)
{
  download_complete (d);
}

/* --- an app file, copied here --- */

static void transfer_read (Transfer *t);

/* The copy of @t failed or was cancelled: the record hears it, if it is
 * still there. Takes the reference of the step that ended. */
static void
transfer_failed (Transfer     *t,
                 const GError *error)
{
  Download *d = t->d;

  if (d != NULL)
    {
      transfer_detach (d);
      download_fail (d, error);
    }
  transfer_release (t);
}

static void
transfer_closed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Transfer *t = user_data;
  g_autoptr(GError) error = NULL;
  Download *d = t->d;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error) || d == NULL)
    {
      transfer_failed (t, error);
      return;
    }
  transfer_detach (d);
  transfer_release (t);
  download_complete (d);
}

static void
transfer_written_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Transfer *t = user_data;
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error)
      || t->d == NULL)
    {
      transfer_failed (t, error);
      return;
    }
  g_clear_pointer (&t->chunk, g_bytes_unref);
  note_received (t->d, written);
  transfer_read (t);
}

static void
transfer_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Transfer *t = user_data;
  g_autoptr(GError) error = NULL;
  GBytes *chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (chunk == NULL || t->d == NULL)
    {
      g_clear_pointer (&chunk, g_bytes_unref);
      transfer_failed (t, error);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      g_bytes_unref (chunk);
      g_output_stream_close_async (t->out, G_PRIORITY_DEFAULT, t->cancellable,
                                   transfer_closed_cb, t);
      return;
    }
  t->chunk = chunk;
  g_output_stream_write_all_async (t->out, g_bytes_get_data (chunk, NULL),
                                   g_bytes_get_size (chunk), G_PRIORITY_DEFAULT,
                                   t->cancellable, transfer_written_cb, t);
}

/* The next piece; the step's reference passes on. */
static void
transfer_read (Transfer *t)
{
  g_input_stream_read_bytes_async (t->source, APP_FILE_CHUNK, G_PRIORITY_DEFAULT,
                                   t->cancellable, transfer_read_cb, t);
}

static void
transfer_created_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Transfer *t = user_data;
  g_autoptr(GError) error = NULL;
  GFileOutputStream *out = g_file_create_finish (G_FILE (source), result, &error);

  if (out == NULL || t->d == NULL)
    {
      /* The record went (the app quit) while the file was being created:
       * it goes too. GTask answers G_IO_ERROR_CANCELLED once the
       * cancellable is cancelled, even when the thread had created the
       * file already, so an error does not mean there is no file; only
       * EXISTS does (the name was someone else's). */
      g_clear_object (&out);
      if (t->d == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        g_unlink (t->temp_path);
      transfer_failed (t, error);
      return;
    }
  t->out = G_OUTPUT_STREAM (out);
  transfer_read (t);
}

/* The destination is known: the file is copied to d->temp_path, which
 * must not exist (as WebKit is told with allow-overwrite off). */
static void
transfer_start (Download *d)
{
  Transfer *t = g_atomic_rc_box_new0 (Transfer);
  g_autoptr(GFile) file = g_file_new_for_path (d->temp_path);

  live_copies++;
  t->d = d;
  t->cancellable = g_cancellable_new ();
  t->source = g_steal_pointer (&d->source);
  t->temp_path = g_strdup (d->temp_path);
  d->transfer = t;
  g_file_create_async (file, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT, t->cancellable,
                       transfer_created_cb, g_atomic_rc_box_acquire (t));
}

/* --- where the file goes --- */

static char *
downloads_folder (void)
{
  const char *folder = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

  /* Without XDG_DOWNLOAD_DIR, GLib has no downloads folder: ~/Downloads,
   * as xdg-user-dirs would name it. */
  if (folder != NULL)
    return g_strdup (folder);
  return g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

/* The destination is known: WebKit writes the temporary file next to it. */
static void
download_go (Download   *d,
             char       *final_path,
             gboolean    replace)
{
  d->final_path = final_path;
  d->replace = replace;
  d->temp_path = _atrium_download_temp_path (final_path);
  if (d->download == NULL)
    {
      transfer_start (d);
      return;
    }
  webkit_download_set_allow_overwrite (d->download, FALSE);
  webkit_download_set_destination (d->download, d->temp_path);
}

static void
save_dialog_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  DialogWait *wait = user_data;
  Download *d = wait->d;
  g_autoptr(GError) error = NULL;
  char *path = atrium_dialog_save_finish (result, &error);

  g_free (wait);
  if (d == NULL)
    {
      /* The download went while the dialog asked. */
      g_free (path);
      return;
    }
  d->dialog_wait = NULL;
  g_clear_object (&d->dialog);
  if (path == NULL)
    {
      d->why = g_strdup (error != NULL ? "Cancelled: the save dialog was closed"
                                       : "Cancelled: the user chose no file");
      download_cancel (d);
      return;
    }
  /* The chooser asked before naming a file that exists. */
  download_go (d, path, TRUE);
}

static gboolean
window_is_asking (Downloads *self,
                  guint      window_id)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Download *d = key;

      if (d->dialog != NULL && d->window_id == window_id)
        return TRUE;
    }
  return FALSE;
}

static void
download_decide (Download   *d,
                 const char *suggested)
{
  Downloads *self = d->owner;
  g_autoptr(AtriumWindow) window = g_weak_ref_get (&d->window);
  g_autofree char *name = _atrium_download_sanitize_name (suggested);
  g_autofree char *folder = NULL;
  char *path = NULL;
  AtriumDownloadPolicy policy = ATRIUM_DOWNLOAD_DEFAULT;

  if (window == NULL || atrium_window_get_web_view (window) == NULL)
    {
      d->why = g_strdup ("Cancelled: its window closed");
      download_cancel (d);
      return;
    }

  g_signal_emit (self->app, decide_download_signal, 0, window, d->uri, name, &path, &policy);
  if (policy == ATRIUM_DOWNLOAD_TO_PATH && (path == NULL || !g_path_is_absolute (path)))
    {
      g_warning ("A decide-download handler answered ATRIUM_DOWNLOAD_TO_PATH without an "
                 "absolute path: the download of %s is refused", d->uri);
      g_clear_pointer (&path, g_free);
      download_refuse (d, "Refused: the app gave no place for it");
      return;
    }
  if (policy != ATRIUM_DOWNLOAD_TO_PATH)
    g_clear_pointer (&path, g_free);
  if (policy == ATRIUM_DOWNLOAD_DEFAULT)
    policy = self->policy;

  switch (policy)
    {
    case ATRIUM_DOWNLOAD_TO_PATH:
      download_go (d, path, TRUE);
      return;

    case ATRIUM_DOWNLOAD_TO_DOWNLOADS:
      folder = downloads_folder ();
      if (g_mkdir_with_parents (folder, 0700) != 0)
        {
          g_autofree char *why = g_strdup_printf ("Failed: no downloads folder at %s", folder);

          d->why = g_steal_pointer (&why);
          download_cancel (d);
          return;
        }
      path = unique_path (self, folder, name);
      if (path == NULL)
        {
          d->why = g_strdup_printf ("Failed: every name like %s is taken in %s", name, folder);
          download_cancel (d);
          return;
        }
      download_go (d, path, FALSE);
      return;

    case ATRIUM_DOWNLOAD_ASK:
      if (window_is_asking (self, d->window_id))
        {
          download_refuse (d, "Refused: a save dialog for another download is open");
          return;
        }
      folder = downloads_folder ();
      d->dialog = g_cancellable_new ();
      d->dialog_wait = g_new0 (DialogWait, 1);
      d->dialog_wait->d = d;
      atrium_dialog_save_async (window, "Save download", NULL,
                                g_file_test (folder, G_FILE_TEST_IS_DIR) ? folder : NULL,
                                name, d->dialog, save_dialog_done_cb, d->dialog_wait);
      return;

    case ATRIUM_DOWNLOAD_REFUSE:
    case ATRIUM_DOWNLOAD_DEFAULT:
    default:
      download_refuse (d, "Refused: the app does not take downloads");
      return;
    }
}

static gboolean
decide_destination_cb (WebKitDownload *download,
                       const char     *suggested,
                       Download       *d)
{
  /* Refused already: WebKit is about to say failed. */
  if (d->why != NULL)
    return TRUE;
  if (d->owner->held)
    {
      d->suggested = g_strdup (suggested);
      g_queue_push_tail (&d->owner->waiting, GUINT_TO_POINTER (d->id));
      return TRUE;
    }
  download_decide (d, suggested);
  /* Decided later (the dialog), or now: either way not WebKit's default,
   * which would save into the downloads folder unasked. */
  return TRUE;
}

/* --- starting --- */

gboolean
_atrium_downloads_may_start (AtriumApp  *app,
                             const char *uri)
{
  if (uri == NULL)
    return FALSE;
  if (g_str_has_prefix (uri, "blob:"))
    uri += strlen ("blob:");
  return _atrium_app_is_app_uri (app, uri);
}

/* A record for a download of @uri from @window's page, admitted or
 * refused (which it hears); FALSE if refused. */
static Download *
download_new (Downloads      *self,
              AtriumWindow   *window,
              const char     *uri,
              WebKitDownload *download)
{
  Download *d = g_new0 (Download, 1);

  d->owner = self;
  d->download = download != NULL ? g_object_ref (download) : NULL;
  d->id = ++self->next_id;
  d->window_id = atrium_window_get_id (window);
  g_weak_ref_init (&d->window, window);
  d->uri = g_strdup (uri != NULL ? uri : "");
  g_hash_table_add (self->records, d);
  return d;
}

static gboolean
download_admit (Download *d)
{
  Downloads *self = d->owner;

  /* WebKit's network process cannot read app://, and a download WebKit
   * started does not say which frame asked for it: a foreign frame's
   * <a download href="app://…"> looks the same as the app's. So the app's
   * files download only the ways that know (atrium-window.c and the
   * runtime's <a download>), and this says how. */
  if (d->download != NULL && g_str_has_prefix (d->uri, ATRIUM_ORIGIN "/"))
    {
      download_refuse (d, "Refused: WebKit cannot download app:// files itself; link to the "
                          "file from the app's page (with or without a download attribute)");
      return FALSE;
    }
  if (!_atrium_downloads_may_start (self->app, d->uri))
    {
      download_refuse (d, g_str_has_prefix (d->uri, "data:")
                          ? "Refused: a data: URL does not say which frame made it; "
                            "download a blob: URL (URL.createObjectURL()) instead"
                          : "Refused: only the app's own pages download, not a frame of "
                            "another origin");
      return FALSE;
    }
  if (self->active >= ATRIUM_DOWNLOADS_MAX_ACTIVE)
    {
      g_autofree char *why = g_strdup_printf ("Refused: %u downloads are under way already, "
                                              "the most there may be at once",
                                              ATRIUM_DOWNLOADS_MAX_ACTIVE);

      download_refuse (d, why);
      return FALSE;
    }
  d->counted = TRUE;
  self->active++;
  self->peak = MAX (self->peak, self->active);
  return TRUE;
}

void
_atrium_downloads_started (AtriumApp      *app,
                           AtriumWindow   *window,
                           WebKitDownload *download)
{
  Downloads *self = get_downloads (app);
  WebKitURIRequest *request = webkit_download_get_request (download);
  Download *d = download_new (self, window,
                              request != NULL ? webkit_uri_request_get_uri (request) : NULL,
                              download);

  g_signal_connect (download, "decide-destination", G_CALLBACK (decide_destination_cb), d);
  g_signal_connect (download, "received-data", G_CALLBACK (received_data_cb), d);
  g_signal_connect (download, "failed", G_CALLBACK (failed_cb), d);
  g_signal_connect (download, "finished", G_CALLBACK (finished_cb), d);
  download_admit (d);
}

/* The name an app file is saved under when its answer suggests none: the
 * last part of its path, decoded (made safe later, as every name is). */
static char *
name_from_uri (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  const char *path = parsed != NULL ? g_uri_get_path (parsed) : "";
  const char *last = strrchr (path, '/');
  char *name;

  last = last != NULL ? last + 1 : path;
  name = g_uri_unescape_string (last, NULL);
  return name != NULL ? name : g_strdup (last);
}

static gboolean
app_file_begin_cb (gpointer user_data)
{
  Download *d = user_data;
  Downloads *self = d->owner;
  g_autoptr(GError) error = NULL;
  goffset size = -1;

  d->idle = 0;
  if (d->why != NULL)
    {
      download_fail (d, NULL);
      return G_SOURCE_REMOVE;
    }
  d->source = _atrium_scheme_open_file (self->app, d->uri, &size, &error);
  if (d->source == NULL)
    {
      d->why = g_strdup_printf ("Failed: could not read %s: %s", d->uri, error->message);
      download_fail (d, NULL);
      return G_SOURCE_REMOVE;
    }
  d->total = size > 0 ? (guint64) size : 0;
  if (self->held)
    {
      g_queue_push_tail (&self->waiting, GUINT_TO_POINTER (d->id));
      return G_SOURCE_REMOVE;
    }
  download_decide (d, d->suggested);
  return G_SOURCE_REMOVE;
}

void
_atrium_downloads_start_app_file (AtriumApp    *app,
                                  AtriumWindow *window,
                                  const char   *uri,
                                  const char   *suggested)
{
  Downloads *self = get_downloads (app);
  Download *d = download_new (self, window, uri, NULL);

  d->suggested = suggested != NULL && suggested[0] != '\0' ? g_strdup (suggested)
                                                           : name_from_uri (uri);
  /* The rest once out of WebKit's callback, refusals included: the page
   * hears of it as of any download, after WebKit has let the load go. */
  d->idle = g_idle_add (app_file_begin_cb, d);
  if (!g_str_has_prefix (d->uri, ATRIUM_ORIGIN "/"))
    download_refuse (d, "Refused: only the app's own app:// files are read as downloads");
  else
    download_admit (d);
}

void
_atrium_downloads_shutdown (AtriumApp *app)
{
  g_object_set_qdata (G_OBJECT (app), g_quark_from_static_string ("atrium-downloads"), NULL);
}

/* --- the policy --- */

static gboolean
decide_accumulator (GSignalInvocationHint *hint,
                    GValue                *return_accu,
                    const GValue          *handler_return,
                    gpointer               data)
{
  int policy = g_value_get_int (handler_return);

  g_value_set_int (return_accu, policy);
  return policy == ATRIUM_DOWNLOAD_DEFAULT;
}

void
_atrium_downloads_install_signal (GObjectClass *app_class)
{
  /**
   * AtriumApp::decide-download:
   * @app: the app
   * @window: the window whose page started the download
   * @uri: what is downloaded (an app:// or blob: URL)
   * @name: the file name the page suggested, made safe: no folders, not
   *   hidden, no control characters, at most 200 bytes
   * @path: (type gpointer): a `char **`: where a handler that answers
   *   %ATRIUM_DOWNLOAD_TO_PATH puts a newly allocated absolute path
   *
   * Decides one download, before the app's policy
   * (atrium_app_set_download_policy()) does. Return
   * %ATRIUM_DOWNLOAD_DEFAULT to leave it to the policy, or
   * %ATRIUM_DOWNLOAD_ASK, %ATRIUM_DOWNLOAD_TO_DOWNLOADS,
   * %ATRIUM_DOWNLOAD_REFUSE, or %ATRIUM_DOWNLOAD_TO_PATH with @path set.
   * The first handler that answers anything but the default decides.
   * Downloads from frames of other origins are refused before this is
   * emitted.
   *
   * Returns: an #AtriumDownloadPolicy
   */
  decide_download_signal =
    g_signal_new ("decide-download", G_TYPE_FROM_CLASS (app_class), G_SIGNAL_RUN_LAST, 0,
                  decide_accumulator, NULL, NULL, G_TYPE_INT, 4, ATRIUM_TYPE_WINDOW,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_POINTER);
}

/**
 * atrium_app_set_download_policy:
 * @policy: %ATRIUM_DOWNLOAD_ASK (the default), %ATRIUM_DOWNLOAD_TO_DOWNLOADS
 *   or %ATRIUM_DOWNLOAD_REFUSE
 *
 * What happens to a download a page of the app starts, unless an
 * #AtriumApp::decide-download handler says otherwise. A download is never
 * silent by default: the user chooses where it goes in a save dialog.
 */
void
atrium_app_set_download_policy (AtriumApp            *self,
                                AtriumDownloadPolicy  policy)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (policy == ATRIUM_DOWNLOAD_ASK || policy == ATRIUM_DOWNLOAD_TO_DOWNLOADS
                    || policy == ATRIUM_DOWNLOAD_REFUSE);

  get_downloads (self)->policy = policy;
}

/**
 * atrium_app_get_download_policy:
 *
 * Returns: the policy atrium_app_set_download_policy() set
 */
AtriumDownloadPolicy
atrium_app_get_download_policy (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), ATRIUM_DOWNLOAD_REFUSE);

  return get_downloads (self)->policy;
}

/* --- for tests --- */

void
_atrium_downloads_set_held (AtriumApp *app,
                            gboolean   held)
{
  Downloads *self = get_downloads (app);

  self->held = held;
  while (!held && !g_queue_is_empty (&self->waiting))
    {
      guint id = GPOINTER_TO_UINT (g_queue_pop_head (&self->waiting));
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, self->records);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          Download *d = key;

          if (d->id == id && d->why == NULL && !d->failed)
            {
              download_decide (d, d->suggested);
              break;
            }
        }
    }
}

guint
_atrium_downloads_get_peak (AtriumApp *app)
{
  return get_downloads (app)->peak;
}

guint
_atrium_downloads_get_started (AtriumApp *app)
{
  return get_downloads (app)->next_id;
}

guint
_atrium_downloads_get_active (AtriumApp *app)
{
  return get_downloads (app)->active;
}

guint
_atrium_downloads_get_waiting (AtriumApp *app)
{
  return g_queue_get_length (&get_downloads (app)->waiting);
}

guint
_atrium_downloads_get_live_copies (void)
{
  return live_copies;
}

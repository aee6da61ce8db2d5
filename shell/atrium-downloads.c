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
 * Every download WebKit starts gets an id and ends with exactly one of the
 * last two events, refusals included. Main thread only. */

/* Progress is sent each time this much more has arrived (and at the end). */
#define PROGRESS_STEP_MIN     (64 * 1024)
#define PROGRESS_STEP_UNKNOWN (1024 * 1024)

typedef struct _Downloads Downloads;

typedef struct
{
  Downloads      *owner;
  WebKitDownload *download;       /* held until the record goes */
  guint           id;
  guint           window_id;
  GWeakRef        window;
  char           *uri;
  char           *final_path;     /* once decided */
  char           *temp_path;      /* what WebKit writes */
  char           *why;            /* our reason, when we cancelled it */
  GCancellable   *dialog;         /* while the save dialog is open */
  gboolean        replace;        /* the final path may be replaced */
  gboolean        counted;        /* one of the active ones */
  gboolean        failed;
  guint64         received;
  guint64         reported;
} Download;

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

static void download_decide (Download *d, const char *suggested);

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

      g_signal_handlers_disconnect_by_data (d->download, d);
      if (d->dialog != NULL)
        g_cancellable_cancel (d->dialog);
      webkit_download_cancel (d->download);
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
  g_signal_handlers_disconnect_by_data (d->download, d);
  g_object_unref (d->download);
  g_weak_ref_clear (&d->window);
  g_free (d->uri);
  g_free (d->final_path);
  g_free (d->temp_path);
  g_free (d->why);
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

static void
emit_progress (Download *d)
{
  JsonObject *object = json_object_new ();
  WebKitURIResponse *response = webkit_download_get_response (d->download);
  guint64 total = response != NULL ? webkit_uri_response_get_content_length (response) : 0;

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

/* Cancels @d in WebKit, which answers with ::failed: the page hears @why. */
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
  webkit_download_cancel (d->download);
}

/* --- WebKit's signals --- */

static void
received_data_cb (WebKitDownload *download,
                  guint64         length,
                  Download       *d)
{
  WebKitURIResponse *response = webkit_download_get_response (download);
  guint64 total = response != NULL ? webkit_uri_response_get_content_length (response) : 0;
  guint64 step = total > 0 ? MAX (total / 100, PROGRESS_STEP_MIN) : PROGRESS_STEP_UNKNOWN;

  d->received += length;
  if (d->received - d->reported >= step || (total > 0 && d->received == total))
    emit_progress (d);
}

static void
failed_cb (WebKitDownload *download,
           GError         *error,
           Download       *d)
{
  g_autofree char *message = NULL;

  if (d->failed)
    return;
  d->failed = TRUE;
  if (d->temp_path != NULL)
    g_unlink (d->temp_path);
  if (d->why != NULL)
    message = g_strdup (d->why);
  else if (g_error_matches (error, WEBKIT_DOWNLOAD_ERROR, WEBKIT_DOWNLOAD_ERROR_CANCELLED_BY_USER))
    message = g_strdup ("Cancelled: the download was cancelled");
  else
    message = g_strdup_printf ("Failed: %s", error->message);
  download_end (d, NULL, message);
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

static void
finished_cb (WebKitDownload *download,
             Download       *d)
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
  webkit_download_set_allow_overwrite (d->download, FALSE);
  webkit_download_set_destination (d->download, d->temp_path);
}

static void
save_dialog_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Download *d = user_data;
  g_autoptr(GError) error = NULL;
  char *path = atrium_dialog_save_finish (result, &error);

  g_clear_object (&d->dialog);
  if (path == NULL)
    {
      d->why = g_strdup (error != NULL ? "Cancelled: the save dialog was closed"
                                       : "Cancelled: the user chose no file");
      webkit_download_cancel (d->download);
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
      webkit_download_cancel (d->download);
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
          webkit_download_cancel (d->download);
          return;
        }
      path = unique_path (self, folder, name);
      if (path == NULL)
        {
          d->why = g_strdup_printf ("Failed: every name like %s is taken in %s", name, folder);
          webkit_download_cancel (d->download);
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
      atrium_dialog_save_async (window, "Save download", NULL,
                                g_file_test (folder, G_FILE_TEST_IS_DIR) ? folder : NULL,
                                name, d->dialog, save_dialog_done_cb, d);
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
      g_object_set_data_full (G_OBJECT (download), "atrium-suggested", g_strdup (suggested),
                              g_free);
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

void
_atrium_downloads_started (AtriumApp      *app,
                           AtriumWindow   *window,
                           WebKitDownload *download)
{
  Downloads *self = get_downloads (app);
  WebKitURIRequest *request = webkit_download_get_request (download);
  Download *d = g_new0 (Download, 1);

  d->owner = self;
  d->download = g_object_ref (download);
  d->id = ++self->next_id;
  d->window_id = atrium_window_get_id (window);
  g_weak_ref_init (&d->window, window);
  d->uri = g_strdup (request != NULL ? webkit_uri_request_get_uri (request) : "");
  g_hash_table_add (self->records, d);

  g_signal_connect (download, "decide-destination", G_CALLBACK (decide_destination_cb), d);
  g_signal_connect (download, "received-data", G_CALLBACK (received_data_cb), d);
  g_signal_connect (download, "failed", G_CALLBACK (failed_cb), d);
  g_signal_connect (download, "finished", G_CALLBACK (finished_cb), d);

  if (!_atrium_downloads_may_start (app, d->uri))
    {
      download_refuse (d, g_str_has_prefix (d->uri, "data:")
                          ? "Refused: a data: URL does not say which frame made it; "
                            "download a blob: URL (URL.createObjectURL()) instead"
                          : "Refused: only the app's own pages download, not a frame of "
                            "another origin");
      return;
    }
  if (self->active >= ATRIUM_DOWNLOADS_MAX_ACTIVE)
    {
      g_autofree char *why = g_strdup_printf ("Refused: %u downloads are under way already, "
                                              "the most there may be at once",
                                              ATRIUM_DOWNLOADS_MAX_ACTIVE);

      download_refuse (d, why);
      return;
    }
  d->counted = TRUE;
  self->active++;
  self->peak = MAX (self->peak, self->active);
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
              download_decide (d, g_object_get_data (G_OBJECT (d->download),
                                                     "atrium-suggested"));
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

#include "config.h"

#include "atrium-app-private.h"
#include "atrium.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "atrium-bridge-private.h"
#include "atrium-json-private.h"
#include "atrium-scheme-private.h"
#include "atrium-window.h"

#define RUNTIME_RESOURCE "/dev/atrium/runtime/atrium.js"

struct _AtriumApp
{
  GtkApplication     parent_instance;

  AtriumRegistry    *registry;
  AtriumAssets      *assets;
  WebKitWebContext  *web_context;
  WebKitUserScript  *user_script;
  GThreadPool       *workers;
  char              *start_path;

  char               token[ATRIUM_TOKEN_LENGTH + 1];
  gsize              max_message_size;
  guint              max_depth;
  guint              worker_threads;
  int                exit_status;
  gboolean           log_console;
};

G_DEFINE_FINAL_TYPE (AtriumApp, atrium_app, GTK_TYPE_APPLICATION)

/**
 * atrium_get_version:
 *
 * Returns: (transfer none): the version of libatrium, such as "0.1.0"
 */
const char *
atrium_get_version (void)
{
  return PACKAGE_VERSION;
}

static void
make_token (char out[ATRIUM_TOKEN_LENGTH + 1])
{
  guint8 bytes[ATRIUM_TOKEN_LENGTH / 2];
  gsize filled = 0;

  /* The token guards every native method from foreign frames, so it comes
   * from the kernel's CSPRNG, not from GRand. */
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

static void
worker_cb (gpointer data,
           gpointer user_data)
{
  AtriumCall *call = data;
  AtriumMethod *method = call->method;

  /* A call cancelled while it waited for a thread is not worth starting. */
  if (atrium_call_is_cancelled (call))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_CANCELLED, "The call was cancelled");
      return;
    }

  method->func (atrium_call_ref (call), method->user_data);

  if (!_atrium_call_is_finished (call))
    {
      g_critical ("Worker method %s returned without finishing its call", method->name);
      atrium_call_return_error (atrium_call_ref (call), ATRIUM_ERROR_FAILED,
                                "The method %s returned no result", method->name);
    }

  atrium_call_unref (call);
}

void
_atrium_app_run_on_worker (AtriumApp  *self,
                           AtriumCall *call)
{
  if (self->workers == NULL)
    self->workers = g_thread_pool_new (worker_cb, self, self->worker_threads, FALSE, NULL);

  g_thread_pool_push (self->workers, atrium_call_ref (call), NULL);
}

static void
atrium_app_activate (GApplication *application)
{
  AtriumApp *self = ATRIUM_APP (application);

  G_APPLICATION_CLASS (atrium_app_parent_class)->activate (application);

  /* An app that opened its own windows in an ::activate handler keeps them;
   * otherwise the start page gets one. */
  if (gtk_application_get_windows (GTK_APPLICATION (self)) == NULL)
    atrium_app_open_window (self, self->start_path);
}

static void
atrium_app_shutdown (GApplication *application)
{
  AtriumApp *self = ATRIUM_APP (application);

  /* Let running worker methods finish before the registry they use goes. */
  if (self->workers != NULL)
    {
      g_thread_pool_free (self->workers, FALSE, TRUE);
      self->workers = NULL;
    }

  G_APPLICATION_CLASS (atrium_app_parent_class)->shutdown (application);
}

static void
atrium_app_dispose (GObject *object)
{
  AtriumApp *self = ATRIUM_APP (object);

  if (self->workers != NULL)
    {
      g_thread_pool_free (self->workers, FALSE, TRUE);
      self->workers = NULL;
    }
  g_clear_object (&self->registry);
  g_clear_object (&self->assets);
  g_clear_object (&self->web_context);
  g_clear_pointer (&self->user_script, webkit_user_script_unref);

  G_OBJECT_CLASS (atrium_app_parent_class)->dispose (object);
}

static void
atrium_app_finalize (GObject *object)
{
  AtriumApp *self = ATRIUM_APP (object);

  g_free (self->start_path);

  G_OBJECT_CLASS (atrium_app_parent_class)->finalize (object);
}

static void
atrium_app_class_init (AtriumAppClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = atrium_app_dispose;
  object_class->finalize = atrium_app_finalize;
  app_class->activate = atrium_app_activate;
  app_class->shutdown = atrium_app_shutdown;
}

static void
atrium_app_init (AtriumApp *self)
{
  self->registry = _atrium_registry_new ();
  self->start_path = g_strdup ("/");
  self->max_message_size = ATRIUM_DEFAULT_MAX_MESSAGE_SIZE;
  self->max_depth = ATRIUM_JSON_DEFAULT_MAX_DEPTH;
  self->worker_threads = 4;
  self->exit_status = -1;
  make_token (self->token);
}

/**
 * atrium_app_new:
 * @application_id: (nullable): a D-Bus style id such as `org.example.Notes`
 * @flags: #GApplication flags
 *
 * Returns: (transfer full): a new app serving an empty asset source until
 *   atrium_app_set_assets() is called
 */
AtriumApp *
atrium_app_new (const char        *application_id,
                GApplicationFlags  flags)
{
  g_return_val_if_fail (application_id == NULL || g_application_id_is_valid (application_id), NULL);

  return g_object_new (ATRIUM_TYPE_APP,
                       "application-id", application_id,
                       "flags", flags,
                       NULL);
}

/**
 * atrium_app_bind:
 * @name: the name JS calls it by, e.g. `"notes.save"`
 * @func: (scope notified): the method
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once the method is unbound and
 *   its last call is done
 * @flags: where the method runs
 *
 * Makes @func callable from the app's pages as `atrium.call(name, …)`.
 * Binding a name again replaces the method.
 */
void
atrium_app_bind (AtriumApp        *self,
                 const char       *name,
                 AtriumMethodFunc  func,
                 gpointer          user_data,
                 GDestroyNotify    destroy,
                 AtriumBindFlags   flags)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (_atrium_method_name_is_valid (name));
  g_return_if_fail (func != NULL);
  g_return_if_fail ((flags & ~(ATRIUM_BIND_WORKER | ATRIUM_BIND_ASYNC)) == 0);
  g_return_if_fail ((flags & ATRIUM_BIND_WORKER) == 0 || (flags & ATRIUM_BIND_ASYNC) == 0);

  _atrium_registry_bind (self->registry, name, func, user_data, destroy, flags);
}

/**
 * atrium_app_unbind:
 *
 * Returns: %TRUE if a method was bound as @name
 */
gboolean
atrium_app_unbind (AtriumApp  *self,
                   const char *name)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return _atrium_registry_unbind (self->registry, name);
}

/**
 * atrium_app_get_assets:
 *
 * Returns: (transfer none) (nullable): where the app's files come from
 */
AtriumAssets *
atrium_app_get_assets (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), NULL);

  return self->assets;
}

/**
 * atrium_app_set_assets:
 * @assets: where `app://localhost/` is served from
 */
void
atrium_app_set_assets (AtriumApp    *self,
                       AtriumAssets *assets)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (ATRIUM_IS_ASSETS (assets));

  g_set_object (&self->assets, assets);
}

const char *
atrium_app_get_start_path (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), NULL);

  return self->start_path;
}

/**
 * atrium_app_set_start_path:
 * @path: the page the first window loads, `/` by default
 */
void
atrium_app_set_start_path (AtriumApp  *self,
                           const char *path)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (path != NULL);

  g_free (self->start_path);
  self->start_path = g_strdup (path);
}

gboolean
atrium_app_get_log_console (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);

  return self->log_console;
}

/**
 * atrium_app_set_log_console:
 *
 * Whether the pages' console.log(), warn() and error() lines are printed to
 * standard output. Set before the first window opens.
 */
void
atrium_app_set_log_console (AtriumApp *self,
                            gboolean   log_console)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (self->user_script == NULL);

  self->log_console = !!log_console;
}

gsize
atrium_app_get_max_message_size (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), 0);

  return self->max_message_size;
}

/**
 * atrium_app_set_max_message_size:
 * @max_size: the largest call message a page may send, in bytes
 *
 * Larger calls are refused with `too-large`. Set before the first window
 * opens; the default is 64 MiB.
 */
void
atrium_app_set_max_message_size (AtriumApp *self,
                                 gsize      max_size)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (max_size > 0);
  g_return_if_fail (self->user_script == NULL);

  self->max_message_size = max_size;
}

guint
atrium_app_get_max_depth (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), 0);

  return self->max_depth;
}

/**
 * atrium_app_set_max_depth:
 * @max_depth: how deeply call arguments may nest
 *
 * Deeper arguments are refused with `bad-args`. The default is 512.
 */
void
atrium_app_set_max_depth (AtriumApp *self,
                          guint      max_depth)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (max_depth > 0);

  self->max_depth = max_depth;
}

guint
atrium_app_get_worker_threads (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), 0);

  return self->worker_threads;
}

/**
 * atrium_app_set_worker_threads:
 * @n_threads: how many threads run %ATRIUM_BIND_WORKER methods; 4 by default
 */
void
atrium_app_set_worker_threads (AtriumApp *self,
                               guint      n_threads)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (n_threads > 0);

  self->worker_threads = n_threads;
  if (self->workers != NULL)
    g_thread_pool_set_max_threads (self->workers, n_threads, NULL);
}

static void
ensure_web_context (AtriumApp *self)
{
  WebKitSecurityManager *security;

  if (self->web_context != NULL)
    return;

  self->web_context = webkit_web_context_new ();
  webkit_web_context_register_uri_scheme (self->web_context, ATRIUM_SCHEME,
                                          _atrium_scheme_request_cb, self, NULL);

  /* A secure context, so that crypto.subtle, service workers and the rest of
   * the modern web platform work on app:// as they do on https://. */
  security = webkit_web_context_get_security_manager (self->web_context);
  webkit_security_manager_register_uri_scheme_as_secure (security, ATRIUM_SCHEME);
  webkit_security_manager_register_uri_scheme_as_cors_enabled (security, ATRIUM_SCHEME);
}

/**
 * atrium_app_get_web_context:
 *
 * Returns: (transfer none): the web context every window of the app shares
 */
WebKitWebContext *
atrium_app_get_web_context (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), NULL);

  ensure_web_context (self);
  return self->web_context;
}

/**
 * atrium_app_open_window:
 * @path: (nullable): the page to load, or %NULL for the start page
 *
 * Opens and presents a new window of the app.
 *
 * Returns: (transfer none): the window
 */
AtriumWindow *
atrium_app_open_window (AtriumApp  *self,
                        const char *path)
{
  AtriumWindow *window;

  g_return_val_if_fail (ATRIUM_IS_APP (self), NULL);

  window = atrium_window_new (self);
  atrium_window_load (window, path != NULL ? path : self->start_path);
  gtk_window_present (GTK_WINDOW (window));

  return window;
}

/**
 * atrium_app_quit:
 * @exit_status: what atrium_app_get_exit_status() returns afterwards
 *
 * Quits the app's main loop with an exit status for the process.
 */
void
atrium_app_quit (AtriumApp *self,
                 int        exit_status)
{
  g_return_if_fail (ATRIUM_IS_APP (self));

  self->exit_status = exit_status;
  g_application_quit (G_APPLICATION (self));
}

/**
 * atrium_app_get_exit_status:
 *
 * Returns: the status given to atrium_app_quit(), or -1 if it was not called
 */
int
atrium_app_get_exit_status (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), -1);

  return self->exit_status;
}

AtriumRegistry *
_atrium_app_get_registry (AtriumApp *self)
{
  return self->registry;
}

const char *
_atrium_app_get_token (AtriumApp *self)
{
  return self->token;
}

gboolean
_atrium_app_is_app_uri (AtriumApp  *self,
                        const char *uri)
{
  return g_str_has_prefix (uri, ATRIUM_ORIGIN "/") || strcmp (uri, ATRIUM_ORIGIN) == 0;
}

static char *
replace (const char *text,
         const char *placeholder,
         const char *value)
{
  g_auto(GStrv) parts = g_strsplit (text, placeholder, -1);

  g_assert (g_strv_length (parts) == 2);
  return g_strjoinv (value, parts);
}

/* The runtime script, built once per app with its token and limits filled
 * in, and shared by every window's content manager. */
WebKitUserScript *
_atrium_app_get_user_script (AtriumApp *self)
{
  static const char * const allow_list[] = { ATRIUM_ORIGIN "/*", NULL };
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *step1 = NULL;
  g_autofree char *step2 = NULL;
  g_autofree char *source = NULL;
  g_autofree char *max = NULL;

  if (self->user_script != NULL)
    return self->user_script;

  bytes = g_resources_lookup_data (RUNTIME_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_assert (bytes != NULL);

  max = g_strdup_printf ("%" G_GSIZE_FORMAT, self->max_message_size);
  step1 = replace (g_bytes_get_data (bytes, NULL), "@TOKEN@", self->token);
  step2 = replace (step1, "@MAX_MESSAGE@", max);
  source = replace (step2, "@LOG_CONSOLE@", self->log_console ? "true" : "false");

  /* Top frame only and only on the app's own pages: frames and pages of
   * other origins never see the runtime, so they never see the token. */
  self->user_script = webkit_user_script_new (source,
                                              WEBKIT_USER_CONTENT_INJECT_TOP_FRAME,
                                              WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START,
                                              allow_list, NULL);
  return self->user_script;
}

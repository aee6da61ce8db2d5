#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-App"
#include "config.h"

#include "atrium-app-private.h"
#include "atrium.h"

#include <errno.h>
#include <string.h>

#include "atrium-app-instance-private.h"
#include "atrium-bindings-private.h"
#include "atrium-bridge-private.h"
#include "atrium-builtin-menu-private.h"
#include "atrium-builtins-private.h"
#include "atrium-call-private.h"
#include "atrium-channel-private.h"
#include "atrium-notification-private.h"
#include "atrium-downloads-private.h"
#include "atrium-page-dialogs-private.h"
#include "atrium-permissions-private.h"
#include "atrium-events-private.h"
#include "atrium-json-private.h"
#include "atrium-media-server-private.h"
#include "atrium-scheme-private.h"
#include "atrium-runtime-private.h"
#include "atrium-screenshot-private.h"
#include "atrium-theme-private.h"
#include "atrium-window-state-private.h"
#include "atrium-thread-private.h"
#include "atrium-window-private.h"
#include "atrium-window.h"
#include "atrium-wire-private.h"

#define RUNTIME_RESOURCE "/dev/atrium/runtime/atrium.js"

struct _AtriumApp
{
  GtkApplication     parent_instance;

  AtriumRegistry    *registry;
  AtriumEvents      *events;
  AtriumAssets      *assets;
  WebKitWebContext  *web_context;
  WebKitUserScript  *user_script;
  GThreadPool       *workers;
  char              *start_path;

  /* Assets: a dev server origin instead of app://localhost, the
   * CSP the app chose (NULL: the default), the loopback media route. */
  char              *dev_url;
  char              *screenshot;   /* --screenshot FILE */
  char              *emit_dts;     /* --emit-dts FILE */
  char              *emit_js;      /* --emit-js FILE */
  char              *origin;
  /* The transport the runtime is told to use for calls: "auto" (the web
   * process extension when it loaded, script messages otherwise), "script"
   * or "extension"; decided when the app starts, before any web context
   * (which needs a display). */
  const char        *transport;
  char              *extensions_dir; /* NULL: no web process extension */
  char              *csp;
  char              *effective_csp;
  AtriumMediaServer *media_server;
  gboolean           csp_set;
  gboolean           remote_frames;
  /* Set when the first window's web view is made (its runtime script is
   * built then): the settings that go into that script or into every
   * response are fixed from there on. */
  gboolean           started;
  gboolean           running;        /* counted in apps_running */
  gboolean           spa_fallback;

  char               token[ATRIUM_TOKEN_LENGTH + 1];
  gsize              max_message_size;
  guint64            max_stream_size;
  gsize              upload_min;
  guint              max_depth;
  guint              worker_threads;
  guint              max_windows;
  gboolean           isolated_windows;
  AtriumColorScheme  color_scheme;
  AtriumTheme       *theme;        /* from startup */
  AtriumAppInstance *instance;     /* single instance, URL schemes, what waits for a page */
  int                exit_status;
  gboolean           log_console;
  AtriumBuiltins     builtins;       /* fixed once started */
  gboolean           devtools;

  /* atrium_app_request_quit(): the windows are being asked to close; the
   * app quits with quit_status once none is left, unless one refused. */
  gboolean           quit_requested;
  int                quit_status;
  guint              quit_idle;
};

G_DEFINE_FINAL_TYPE (AtriumApp, atrium_app, GTK_TYPE_APPLICATION)

enum {
  THEME_CHANGED,
  NOTIFICATION_ACTION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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

/* Options every app on libatrium accepts. --emit-dts FILE and --emit-js
 * FILE run here, after main() has bound the app's methods and before
 * anything opens a window, and end the process; --screenshot FILE watches
 * the first window (see atrium-screenshot.c). */
static const GOptionEntry app_options[] = {
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    "Load the first window's page, save a PNG of it to FILE and exit", "FILE" },
  { "log-console", 0, 0, G_OPTION_ARG_NONE, NULL,
    "Print the page's console lines to standard output", NULL },
  { "emit-dts", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    "Write TypeScript declarations of the runtime and the app's methods to FILE and exit",
    "FILE" },
  { "emit-js", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    "Write an ES module of typed wrappers for the app's methods to FILE and exit", "FILE" },
  { "log-level", 0, 0, G_OPTION_ARG_STRING, NULL,
    "Log only LEVEL and above: error, critical, warning, message, info or debug", "LEVEL" },
  { NULL }
};

static void
set_string (char       **field,
            const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* Acts on one of app_options (@name without its dashes), however it was
 * parsed: by GApplication, or by a program's own context through
 * atrium_app_get_option_group(). */
static gboolean
apply_option (AtriumApp   *self,
              const char  *name,
              const char  *value,
              GError     **error)
{
  if (strcmp (name, "screenshot") == 0)
    set_string (&self->screenshot, value);
  else if (strcmp (name, "log-console") == 0)
    atrium_app_set_log_console (self, TRUE);
  else if (strcmp (name, "emit-dts") == 0)
    set_string (&self->emit_dts, value);
  else if (strcmp (name, "emit-js") == 0)
    set_string (&self->emit_js, value);
  else if (strcmp (name, "log-level") == 0)
    return _atrium_log_set_level (value, error);
  else
    g_assert_not_reached ();
  return TRUE;
}

static int
atrium_app_handle_local_options (GApplication *application,
                                 GVariantDict *options)
{
  AtriumApp *self = ATRIUM_APP (application);
  g_autoptr(GError) error = NULL;

  /* Those given to GApplication; a program that parsed them itself has
   * acted on them already (option_cb()), and none are left here. */
  for (const GOptionEntry *entry = app_options; entry->long_name != NULL; entry++)
    {
      const char *value = NULL;

      if (!g_variant_dict_contains (options, entry->long_name))
        continue;
      if (entry->arg == G_OPTION_ARG_FILENAME)
        g_variant_dict_lookup (options, entry->long_name, "^&ay", &value);
      else if (entry->arg == G_OPTION_ARG_STRING)
        g_variant_dict_lookup (options, entry->long_name, "&s", &value);
      if (!apply_option (self, entry->long_name, value, &error))
        {
          g_printerr ("%s: %s\n", g_get_prgname () != NULL ? g_get_prgname () : "atrium",
                      error->message);
          return 2;
        }
    }

  if (self->emit_dts == NULL && self->emit_js == NULL)
    {
      GApplicationClass *parent = G_APPLICATION_CLASS (atrium_app_parent_class);

      return parent->handle_local_options != NULL
             ? parent->handle_local_options (application, options) : -1;
    }

  if (!_atrium_bindings_write (self->registry, g_application_get_application_id (application),
                               self->emit_dts, self->emit_js, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname () != NULL ? g_get_prgname () : "atrium",
                  error->message);
      return 1;
    }
  return 0;
}

static gboolean
option_cb (const char  *name,
           const char  *value,
           gpointer     data,
           GError     **error)
{
  /* Every one of them is long: "--name". */
  return apply_option (data, name + 2, value, error);
}

/**
 * atrium_app_get_option_group:
 *
 * The options every app on libatrium accepts (`--screenshot`,
 * `--log-console`, `--emit-dts`, `--emit-js`, `--log-level`), for a program that parses
 * its command line with its own #GOptionContext: add the group (or make it
 * the main group, so that `--help` lists them), parse once, and call
 * g_application_run() without them; the app acts on what was parsed.
 * Apps that leave the command line to GApplication need none of this.
 *
 * Returns: (transfer full): a new option group bound to @self
 */
GOptionGroup *
atrium_app_get_option_group (AtriumApp *self)
{
  GOptionEntry entries[G_N_ELEMENTS (app_options)];
  GOptionGroup *group;

  g_return_val_if_fail (ATRIUM_IS_APP (self), NULL);

  /* The same options, each acted on as it is parsed. */
  for (gsize i = 0; i < G_N_ELEMENTS (app_options); i++)
    {
      entries[i] = app_options[i];
      if (entries[i].long_name == NULL)
        break;
      entries[i].flags = entries[i].arg == G_OPTION_ARG_FILENAME ? G_OPTION_FLAG_FILENAME
                         : entries[i].arg == G_OPTION_ARG_NONE ? G_OPTION_FLAG_NO_ARG : 0;
      entries[i].arg = G_OPTION_ARG_CALLBACK;
      entries[i].arg_data = (gpointer) option_cb;
    }

  group = g_option_group_new ("atrium", "Atrium options:", "Show the options of every Atrium app",
                              self, NULL);
  g_option_group_add_entries (group, entries);
  return group;
}

/* Every AtriumWindow, once its web view is made. */
void
_atrium_app_window_created (AtriumApp    *self,
                            AtriumWindow *window)
{
  _atrium_page_dialogs_attach (window);
  _atrium_notification_attach (window);
  _atrium_builtin_screen_attach (window);
  _atrium_builtin_print_attach (window);
  _atrium_permissions_attach (window);
  /* --screenshot is of the first window. */
  if (self->screenshot != NULL)
    {
      _atrium_screenshot_start (self, window, self->screenshot);
      g_clear_pointer (&self->screenshot, g_free);
    }
}

static void
theme_changed_cb (gboolean dark,
                  gpointer user_data)
{
  g_signal_emit (user_data, signals[THEME_CHANGED], 0, dark);
}

/* Apps started and not yet quit in this process (main thread). */
static guint apps_running;

/* GTK is up from here: the theme is settled before the first window. */
static void
atrium_app_startup (GApplication *application)
{
  AtriumApp *self = ATRIUM_APP (application);

  G_APPLICATION_CLASS (atrium_app_parent_class)->startup (application);

  /* The last app to quit in this process left the results unattended. */
  self->running = TRUE;
  if (apps_running++ == 0 && _atrium_call_has_channel ())
    _atrium_channel_set_unattended (_atrium_call_get_channel (), FALSE);

  self->theme = _atrium_theme_new (g_application_get_dbus_connection (application));
  _atrium_theme_set_forced (self->theme, self->color_scheme);
  _atrium_theme_set_changed (self->theme, theme_changed_cb, self);
}

/* At quit (or when an app is let go of): lets running and queued worker
 * methods finish before the registry they use goes. No main loop delivers
 * results meanwhile, so one that finds the results channel full is
 * dropped instead of waited for (its page goes with the app; so would
 * another running app's, in that moment). Once no app runs, the channel
 * stays so, for async methods that finish later from threads of their
 * own, until an app starts again. */
static void
free_workers (AtriumApp *self)
{
  AtriumChannel *results;
  gboolean was;

  /* Started by g_application_register() and let go of without a run (or
   * a quit), an app is not running either. */
  if (self->running)
    {
      self->running = FALSE;
      apps_running--;
    }
  if (!_atrium_call_has_channel ())
    return;
  results = _atrium_call_get_channel ();
  if (self->workers != NULL)
    {
      was = _atrium_channel_set_unattended (results, TRUE);
      g_thread_pool_free (g_steal_pointer (&self->workers), FALSE, TRUE);
      _atrium_channel_set_unattended (results, was);
    }
  if (apps_running == 0)
    _atrium_channel_set_unattended (results, TRUE);
}

static void
atrium_app_shutdown (GApplication *application)
{
  AtriumApp *self = ATRIUM_APP (application);

  g_clear_handle_id (&self->quit_idle, g_source_remove);

  /* Windows are not destroyed when the app quits: the last change to their
   * remembered state is saved here. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    _atrium_window_state_flush (l->data);

  /* No page takes events from here on: a worker method waiting for room in
   * a window's queue would keep the wait below from ending. */
  if (self->events != NULL)
    _atrium_events_shutdown (self->events);

  free_workers (self);

  G_APPLICATION_CLASS (atrium_app_parent_class)->shutdown (application);
}

static void
atrium_app_dispose (GObject *object)
{
  AtriumApp *self = ATRIUM_APP (object);

  free_workers (self);
  _atrium_downloads_shutdown (self);
  if (self->media_server != NULL)
    _atrium_media_server_stop (self->media_server);
  g_clear_object (&self->media_server);
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
  g_free (self->dev_url);
  g_free (self->screenshot);
  g_free (self->emit_dts);
  g_free (self->emit_js);
  g_free (self->origin);
  g_free (self->extensions_dir);
  g_free (self->csp);
  g_free (self->effective_csp);
  g_clear_pointer (&self->events, _atrium_events_free);
  g_clear_pointer (&self->theme, _atrium_theme_free);
  g_clear_pointer (&self->instance, _atrium_app_instance_free);

  G_OBJECT_CLASS (atrium_app_parent_class)->finalize (object);
}

static guint
count_app_windows (AtriumApp *self)
{
  guint n = 0;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (ATRIUM_IS_WINDOW (l->data))
      n++;
  return n;
}

static void
atrium_app_window_removed (GtkApplication *application,
                           GtkWindow      *window)
{
  AtriumApp *self = ATRIUM_APP (application);

  GTK_APPLICATION_CLASS (atrium_app_parent_class)->window_removed (application, window);

  if (self->quit_requested && count_app_windows (self) == 0)
    {
      self->quit_requested = FALSE;
      atrium_app_quit (self, self->quit_status);
    }
}

static void
atrium_app_class_init (AtriumAppClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = atrium_app_dispose;
  object_class->finalize = atrium_app_finalize;
  app_class->activate = atrium_app_activate;
  app_class->startup = atrium_app_startup;
  GTK_APPLICATION_CLASS (klass)->window_removed = atrium_app_window_removed;
  app_class->shutdown = atrium_app_shutdown;
  app_class->handle_local_options = atrium_app_handle_local_options;
  _atrium_app_instance_class_init (app_class);
  _atrium_builtin_menu_class_init (object_class);
  _atrium_builtin_tray_class_init (object_class);

  /**
   * AtriumApp::theme-changed:
   * @dark: whether the app is dark now
   *
   * The app went light or dark: the desktop's preference changed, or
   * atrium_app_set_color_scheme() forced one. Pages see it through
   * `prefers-color-scheme`.
   */
  signals[THEME_CHANGED] = g_signal_new ("theme-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  /**
   * AtriumApp::notification-action:
   * @id: the notification's id
   * @action: the id of the button the user clicked, or "default" for the
   *   notification itself
   *
   * The user clicked one of the app's notifications
   * (atrium_app_show_notification(), or a page's `atrium.notification.show()`).
   * Pages hear it as `atrium:notification.action` too.
   */
  signals[NOTIFICATION_ACTION] = g_signal_new ("notification-action", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  _atrium_downloads_install_signal (object_class);
}

static void
atrium_app_init (AtriumApp *self)
{
  self->instance = _atrium_app_instance_new ();
  self->registry = _atrium_registry_new ();
  _atrium_builtins_register (self->registry);
  self->builtins = ATRIUM_BUILTIN_DEFAULT;
  _atrium_builtin_theme_attach (self);
  _atrium_builtin_menu_app_init (self);
  self->start_path = g_strdup ("/");
  self->origin = g_strdup (ATRIUM_ORIGIN);
  self->max_message_size = ATRIUM_DEFAULT_MAX_MESSAGE_SIZE;
  self->max_stream_size = ATRIUM_DEFAULT_MAX_STREAM_SIZE;
  self->upload_min = ATRIUM_DEFAULT_UPLOAD_MIN;
  self->max_depth = ATRIUM_JSON_DEFAULT_MAX_DEPTH;
  self->worker_threads = 4;
  self->max_windows = ATRIUM_DEFAULT_MAX_WINDOWS;
  self->isolated_windows = TRUE;
  self->exit_status = -1;
  _atrium_main_thread_init ();
  _atrium_token_generate (self->token);
  self->events = _atrium_events_new (self, self->token);
  g_application_add_main_option_entries (G_APPLICATION (self), app_options);
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
 * Binding a name again replaces the method. Names starting with `atrium:`
 * are libatrium's built-ins: binding one is refused as bad arguments
 * (%ATRIUM_ERROR_BAD_ARGS, logged as a critical) and binds nothing.
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

  if (_atrium_builtins_is_reserved (name))
    {
      g_autoptr(GError) error = g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                                             "“%s”: method names starting with “atrium:” are "
                                             "reserved for libatrium's built-ins", name);

      g_critical ("atrium_app_bind: %s (%s)", error->message,
                  atrium_error_to_code (error->code));
      if (destroy != NULL)
        destroy (user_data);
      return;
    }

  _atrium_registry_bind (self->registry, name, func, user_data, destroy, flags);
}

/**
 * atrium_app_unbind:
 *
 * Returns: %TRUE if a method was bound as @name; %FALSE for the reserved
 *   `atrium:` names, which stay bound
 */
gboolean
atrium_app_unbind (AtriumApp  *self,
                   const char *name)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  /* The built-ins are switched off with atrium_app_set_builtins(), never
   * unbound: a page would get not-found instead of the switch's name. */
  if (_atrium_builtins_is_reserved (name))
    return FALSE;
  return _atrium_registry_unbind (self->registry, name);
}

/**
 * atrium_app_set_signature:
 * @name: a method name, bound or to be bound
 * @signature: (nullable): its TypeScript type in arrow notation, such as
 *   `"(a: number, b: number) => number"`, or %NULL to forget it
 * @doc: (nullable): one line saying what the method does
 * @error: return location for a #GError in %ATRIUM_ERROR
 *
 * Describes a method for `--emit-dts` and `--emit-js`, which every app
 * accepts: the declarations get an `atrium.call` overload with these
 * parameters and result, and the module a wrapper such as `math.add(a, b)`.
 * A bound method without a signature is written as taking and returning
 * `unknown`. The signature outlives unbinding and rebinding the name.
 *
 * Returns: %TRUE, or %FALSE with @error set to %ATRIUM_ERROR_BAD_ARGS when
 *   @signature is not one line of the form `(name: type, …) => type`,
 *   @doc is not one line, or @name is a reserved `atrium:` name; the
 *   method's description is then unchanged
 */
gboolean
atrium_app_set_signature (AtriumApp   *self,
                          const char  *name,
                          const char  *signature,
                          const char  *doc,
                          GError     **error)
{
  AtriumSignature *parsed = NULL;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (_atrium_method_name_is_valid (name), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (_atrium_builtins_is_reserved (name))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "“%s”: method names starting with “atrium:” are reserved for libatrium's "
                   "built-ins", name);
      return FALSE;
    }
  if (signature != NULL && (parsed = _atrium_signature_parse (signature, doc, error)) == NULL)
    return FALSE;
  _atrium_registry_set_signature (self->registry, name, parsed);
  return TRUE;
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
  if (self->media_server != NULL)
    _atrium_media_server_set_assets (self->media_server, assets);
}

/**
 * atrium_app_get_dev_url:
 *
 * Returns: (transfer none) (nullable): the dev server the windows load, or
 *   %NULL when they load `app://localhost/`
 */
const char *
atrium_app_get_dev_url (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), NULL);

  return self->dev_url;
}

/* A DNS name, an IPv4 address or (without its brackets) an IPv6 one. */
static gboolean
is_host_name (const char *host)
{
  if (host == NULL || *host == '\0')
    return FALSE;
  if (g_hostname_is_ip_address (host))
    return TRUE;
  for (const char *p = host; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

/**
 * atrium_app_set_dev_url:
 * @url: (nullable): an `http` or `https` URL with a host, such as
 *   `http://localhost:5173`, or %NULL to go back to `app://localhost/`
 * @error: return location for a #GError in %G_IO_ERROR
 *
 * Loads the app's pages from a dev server (Vite, for instance) instead of
 * the asset source: windows open that origin, the runtime is injected into
 * its pages and their calls reach the app's methods. That origin only: a
 * page of any other origin still gets no runtime and cannot call. Paths
 * given to atrium_window_load() are resolved against the origin; the start
 * page is @url itself. Set before the first window opens.
 *
 * Returns: %TRUE, or %FALSE with @error set to
 *   %G_IO_ERROR_INVALID_ARGUMENT when @url is not such a URL
 */
gboolean
atrium_app_set_dev_url (AtriumApp   *self,
                        const char  *url,
                        GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GString) origin = NULL;
  g_autofree char *host = NULL;
  const char *scheme;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (url == NULL)
    {
      g_clear_pointer (&self->dev_url, g_free);
      g_free (self->origin);
      self->origin = g_strdup (ATRIUM_ORIGIN);
      return TRUE;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (scheme == NULL || (strcmp (scheme, "http") != 0 && strcmp (scheme, "https") != 0)
      || !is_host_name (g_uri_get_host (uri)) || g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an http or https URL with a host", url);
      return FALSE;
    }

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  origin = g_string_new (scheme);
  /* Scheme, host and port, as the web defines an origin (and as WebKit
   * writes a page's URI): lowercase host, IPv6 in brackets, no default
   * port. */
  g_string_append_printf (origin, strchr (host, ':') != NULL ? "://[%s]" : "://%s", host);
  if (g_uri_get_port (uri) > 0
      && g_uri_get_port (uri) != (strcmp (scheme, "https") == 0 ? 443 : 80))
    g_string_append_printf (origin, ":%d", g_uri_get_port (uri));

  g_free (self->dev_url);
  self->dev_url = g_uri_to_string (uri);
  g_free (self->origin);
  self->origin = g_string_free (g_steal_pointer (&origin), FALSE);
  return TRUE;
}

/**
 * atrium_app_get_content_security_policy:
 *
 * Returns: (transfer none) (nullable): the policy set with
 *   atrium_app_set_content_security_policy(), or %NULL for the default
 */
const char *
atrium_app_get_content_security_policy (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), NULL);

  return self->csp;
}

/**
 * atrium_app_set_content_security_policy:
 * @policy: (nullable): the `Content-Security-Policy` header of every
 *   `app://localhost/` response, `""` for none, or %NULL for the default
 *
 * The default keeps remote code and connections out: scripts, styles,
 * images, fonts and connections come from the app itself, `data:` or
 * `blob:`; the page's own inline scripts and styles run; media may also
 * come from the app's loopback media route (see the README). An app that
 * sets its own policy and plays media must allow that route itself.
 * Set before the first window opens.
 */
void
atrium_app_set_content_security_policy (AtriumApp  *self,
                                        const char *policy)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (!self->started);

  g_free (self->csp);
  self->csp = g_strdup (policy);
  self->csp_set = policy != NULL;
  g_clear_pointer (&self->effective_csp, g_free);
}

/**
 * atrium_app_set_remote_frames:
 * @allowed: whether pages may embed frames of other origins
 *
 * The default policy keeps frames of other origins out (an embedded video
 * or map is one). Allowing them lets every `http:` and `https:` frame load
 * under the default policy; they get no runtime and cannot call C, but
 * WebKit lets such a frame navigate the top frame to any page of the app
 * without a click, and C cannot tell that from the page's own navigation:
 * embed them with a `sandbox` attribute that leaves out
 * `allow-top-navigation`. No effect on a policy the app set itself. Set
 * before the first window opens.
 */
void
atrium_app_set_remote_frames (AtriumApp *self,
                              gboolean   allowed)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (!self->started);

  self->remote_frames = !!allowed;
  g_clear_pointer (&self->effective_csp, g_free);
}

gboolean
atrium_app_get_spa_fallback (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);

  return self->spa_fallback;
}

/**
 * atrium_app_set_spa_fallback:
 * @spa_fallback: whether a missing page route is answered with index.html
 *
 * For single-page apps with client-side routing: a request for a path that
 * does not exist and whose last segment has no extension (`/settings/you`)
 * gets `/index.html` with status 200. Missing files (`/app.js`) still get
 * 404. Off by default.
 */
void
atrium_app_set_spa_fallback (AtriumApp *self,
                             gboolean   spa_fallback)
{
  g_return_if_fail (ATRIUM_IS_APP (self));

  self->spa_fallback = !!spa_fallback;
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

/**
 * atrium_app_set_builtins:
 * @builtins: the groups of built-in native API the app's pages may use
 *
 * Which of libatrium's built-ins (`atrium.window`, `atrium.theme`, …) the
 * app's pages may call. A call to a group that is off rejects with
 * `forbidden`, naming the flag that turns it on. The default is
 * %ATRIUM_BUILTIN_DEFAULT, the safe set; %ATRIUM_BUILTIN_NONE leaves the
 * pages the app's own methods only. Set before the first window opens.
 */
void
atrium_app_set_builtins (AtriumApp      *self,
                         AtriumBuiltins  builtins)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (!self->started);

  self->builtins = builtins;
}

/**
 * atrium_app_set_devtools:
 * @devtools: whether the app's windows have WebKit's developer tools
 *
 * Turns on the web inspector (right-click, Inspect Element) and lets pages
 * open it with `atrium.window.openDevTools()`. Off by default; the
 * environment variable `ATRIUM_DEVTOOLS` turns it on too. Set before the
 * first window opens.
 */
void
atrium_app_set_devtools (AtriumApp *self,
                         gboolean   devtools)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (!self->started);

  self->devtools = !!devtools;
}

gboolean
atrium_app_get_devtools (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);

  return self->devtools;
}

AtriumBuiltins
atrium_app_get_builtins (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), ATRIUM_BUILTIN_NONE);

  return self->builtins;
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
  g_return_if_fail (!self->started);

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
  g_return_if_fail (!self->started);

  self->max_message_size = max_size;
}

guint64
atrium_app_get_max_stream_size (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), 0);

  return self->max_stream_size;
}

/**
 * atrium_app_set_max_stream_size:
 * @max_size: the largest `Blob` a page may send as a stream
 *   (`atrium.stream(blob)`, read with atrium_call_get_stream()), in bytes
 *
 * A call naming a larger stream is refused with `too-large` before any of
 * it is read. Streams do not count against the message limit: they never
 * sit in memory. Set before the first window opens; the default is 16 GiB.
 */
void
atrium_app_set_max_stream_size (AtriumApp *self,
                                guint64    max_size)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (max_size > 0);
  g_return_if_fail (!self->started);

  self->max_stream_size = max_size;
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
 * Deeper arguments are refused with `bad-args`. Set before the first
 * window opens, as the other limits; the default is 512.
 */
void
atrium_app_set_max_depth (AtriumApp *self,
                          guint      max_depth)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (max_depth > 0);
  g_return_if_fail (!self->started);

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

/* The loopback route for media (and large files): started with the first
 * window when the app serves its own assets. Without it <audio> and <video>
 * cannot play app files, but everything else works, so failing to listen
 * is only a warning. */
static void
ensure_media_server (AtriumApp *self)
{
  g_autoptr(GError) error = NULL;

  if (self->media_server != NULL || self->dev_url != NULL)
    return;

  self->media_server = _atrium_media_server_new (self->assets, ATRIUM_ORIGIN, &error);
  if (self->media_server == NULL)
    g_warning ("No loopback route for media: %s", error->message);
  else
    _atrium_media_server_set_max_upload (self->media_server, self->max_stream_size);
  g_clear_pointer (&self->effective_csp, g_free);
}

/* What each web process's extension gets when it starts: the app's origin
 * (its dev server's, if it has one), from which it tells foreign frames,
 * and, unless calls stay on script messages, the token and the message
 * limit. */
static void
on_initialize_web_process_extensions_cb (WebKitWebContext *context,
                                         AtriumApp        *self)
{
  GVariantBuilder builder;
  const char *origins[] = { self->origin, NULL };

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", ATRIUM_WIRE_INIT_ORIGINS,
                         g_variant_new_strv (origins, -1));
  if (g_strcmp0 (self->transport, "script") != 0)
    {
      g_variant_builder_add (&builder, "{sv}", ATRIUM_WIRE_INIT_TOKEN,
                             g_variant_new_string (self->token));
      g_variant_builder_add (&builder, "{sv}", ATRIUM_WIRE_INIT_MAX_SIZE,
                             g_variant_new_uint64 (self->max_message_size));
    }
  webkit_web_context_set_web_process_extensions_initialization_user_data (
    context, g_variant_builder_end (&builder));
}

/* The web process extension: from ATRIUM_WEB_EXTENSIONS_DIR in the
 * environment (the build tree's, for the tests and `make run`), or where
 * it is installed. It is loaded whatever the transport, since it also
 * takes the device APIs from foreign frames; ATRIUM_TRANSPORT=script keeps
 * calls off it (it gets no token), and ATRIUM_TRANSPORT=extension makes
 * the runtime refuse calls without it (for tests: nothing falls back
 * unnoticed). */
static void
decide_transport (AtriumApp *self)
{
  const char *env = g_getenv ("ATRIUM_TRANSPORT");
  const char *dir = g_getenv ("ATRIUM_WEB_EXTENSIONS_DIR");
  g_autofree char *module = NULL;

  if (self->transport != NULL)
    return;
  if (g_strcmp0 (env, "script") == 0)
    self->transport = "script";
  else
    self->transport = g_strcmp0 (env, "extension") == 0 ? "extension" : "auto";
  if (env != NULL && g_strcmp0 (env, "extension") != 0 && g_strcmp0 (env, "auto") != 0
      && g_strcmp0 (env, "script") != 0)
    g_warning ("ATRIUM_TRANSPORT is “%s”; it can be script, extension or auto", env);

  if (dir == NULL || dir[0] == '\0')
    dir = ATRIUM_WEB_EXTENSIONS_DIR;
  module = g_build_filename (dir, "libatrium-web-extension.so", NULL);
  if (!g_file_test (module, G_FILE_TEST_IS_REGULAR))
    {
      g_debug ("No web process extension at %s: calls go as script messages, and foreign "
               "frames keep their device APIs", module);
      if (g_strcmp0 (self->transport, "auto") == 0)
        self->transport = "script";
      return;
    }
  self->extensions_dir = g_strdup (dir);
}

static void
setup_web_process_extensions (AtriumApp *self)
{
  decide_transport (self);
  if (self->extensions_dir == NULL)
    return;

  /* WebKit's sandbox shows the web process the system's directories only. */
  if (!g_str_has_prefix (self->extensions_dir, "/usr/"))
    webkit_web_context_add_path_to_sandbox (self->web_context, self->extensions_dir, TRUE);
  webkit_web_context_set_web_process_extensions_directory (self->web_context,
                                                           self->extensions_dir);
  g_signal_connect_object (self->web_context, "initialize-web-process-extensions",
                           G_CALLBACK (on_initialize_web_process_extensions_cb), self, 0);
}

static void
ensure_web_context (AtriumApp *self)
{
  WebKitSecurityManager *security;

  if (self->web_context != NULL)
    return;

  self->web_context = webkit_web_context_new ();
  setup_web_process_extensions (self);
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
 * atrium_app_set_max_windows:
 * @max_windows: how many windows the app's pages may have open at once
 *
 * Pages open windows with `window.open()` and links with a target; past
 * this many their requests are refused (and logged). The default is 32. Windows C
 * opens itself are not limited, but count towards it.
 */
void
atrium_app_set_max_windows (AtriumApp *self,
                            guint      max_windows)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (max_windows > 0);

  self->max_windows = max_windows;
}

guint
atrium_app_get_max_windows (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), 0);

  return self->max_windows;
}

/**
 * atrium_app_set_isolated_windows:
 * @isolated: whether each window gets a web process of its own (the
 *   default)
 *
 * With %FALSE the windows of an app share one web process (WebKit's
 * related views), which is safe for what they show, all of it the app's
 * own origin: a window then costs tens of MB instead of the 200 MB or so
 * of a process of its own. The price is that when that process ends (a
 * crash, the memory limit), every window's page goes with it, and under
 * load that is when it ends: the stress test lost every window at once on
 * a loaded machine. So it is the app's choice; a window never joins a
 * process that has ended.
 *
 * Set it before the first window opens.
 */
void
atrium_app_set_isolated_windows (AtriumApp *self,
                                 gboolean   isolated)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (!self->started);

  self->isolated_windows = !!isolated;
}

gboolean
atrium_app_get_isolated_windows (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);

  return self->isolated_windows;
}

/* Main thread, while @window makes its web view: another window's view,
 * whose web process the new one joins; %NULL for a process of its own
 * (the first window, or isolated windows). */
WebKitWebView *
_atrium_app_get_related_view (AtriumApp    *self,
                              AtriumWindow *window)
{
  if (self->isolated_windows)
    return NULL;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      WebKitWebView *view;

      if (l->data == (gpointer) window || !ATRIUM_IS_WINDOW (l->data))
        continue;
      view = atrium_window_get_web_view (l->data);
      if (view != NULL && _atrium_window_has_live_process (l->data))
        return view;
    }
  return NULL;
}

/**
 * atrium_app_set_color_scheme:
 * @scheme: light, dark, or the desktop's preference (the default)
 *
 * By default the app follows the desktop's light or dark preference (the
 * XDG Settings portal's `color-scheme`), live; GTK 4.8 does not on its
 * own. Where there is no portal, GTK's own setting stands. Any time,
 * windows and pages follow at once.
 */
void
atrium_app_set_color_scheme (AtriumApp         *self,
                             AtriumColorScheme  scheme)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (scheme <= ATRIUM_COLOR_SCHEME_DARK);

  self->color_scheme = scheme;
  if (self->theme != NULL)
    _atrium_theme_set_forced (self->theme, scheme);
}

AtriumColorScheme
atrium_app_get_color_scheme (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), ATRIUM_COLOR_SCHEME_DEFAULT);

  return self->color_scheme;
}

/**
 * atrium_app_is_dark:
 *
 * Returns: whether the app shows dark now (see atrium_app_set_color_scheme()),
 *   %FALSE before it has started
 */
gboolean
atrium_app_is_dark (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);

  return self->theme != NULL && _atrium_theme_is_dark (self->theme);
}

/**
 * atrium_app_may_open_window:
 * @error: return location for a #GError in %ATRIUM_ERROR
 *
 * Whether one more window may open for a page (see
 * atrium_app_set_max_windows()): what `window.open()` checks, for methods
 * that open windows on a page's behalf to check too. Main thread.
 *
 * Returns: %TRUE, or %FALSE with @error set to %ATRIUM_ERROR_QUEUE_FULL
 */
gboolean
atrium_app_may_open_window (AtriumApp  *self,
                            GError    **error)
{
  guint n = 0;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (ATRIUM_IS_WINDOW (l->data))
      n++;
  if (n < self->max_windows)
    return TRUE;
  g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_QUEUE_FULL,
               "The app has %u windows open, its limit (atrium_app_set_max_windows())", n);
  return FALSE;
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

static gboolean
request_quit_cb (gpointer data)
{
  AtriumApp *self = data;
  g_autoptr(GPtrArray) windows = g_ptr_array_new_with_free_func (g_object_unref);

  self->quit_idle = 0;
  if (!self->quit_requested)
    return G_SOURCE_REMOVE;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (ATRIUM_IS_WINDOW (l->data))
      g_ptr_array_add (windows, g_object_ref (l->data));
  if (windows->len == 0)
    {
      self->quit_requested = FALSE;
      atrium_app_quit (self, self->quit_status);
      return G_SOURCE_REMOVE;
    }
  /* Each as its close button would; the last one to go quits the app. */
  for (guint i = 0; i < windows->len && self->quit_requested; i++)
    gtk_window_close (g_ptr_array_index (windows, i));
  return G_SOURCE_REMOVE;
}

/**
 * atrium_app_request_quit:
 * @exit_status: what atrium_app_get_exit_status() returns once the app quits
 *
 * Quits the app the way a user closing every window would: each window is
 * asked to close as its close button asks (#AtriumWindow::close-requested,
 * then the page's `atrium.window.onCloseRequested()` handlers, for at most
 * the window's close timeout), and once none is left the app quits with
 * @exit_status. A window that is kept open cancels the quit; the windows
 * closed before it stay closed. atrium_app_quit() quits without asking.
 * The windows are asked from the main loop, not before this returns.
 */
void
atrium_app_request_quit (AtriumApp *self,
                         int        exit_status)
{
  g_return_if_fail (ATRIUM_IS_APP (self));

  self->quit_requested = TRUE;
  self->quit_status = exit_status;
  if (self->quit_idle == 0)
    self->quit_idle = g_idle_add (request_quit_cb, self);
}

/* A window refused to close (its C handler or its page said no): a quit
 * that was asked for is off. */
void
_atrium_app_close_refused (AtriumApp *self)
{
  self->quit_requested = FALSE;
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

/* Call messages of this many characters or more go to C as uploads (a
 * POST body) rather than as script messages; 0 sends none that way. Set
 * before the first window. */
void
_atrium_app_set_upload_min (AtriumApp *self,
                            gsize      upload_min)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (!self->started);

  self->upload_min = upload_min;
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
  gsize length = strlen (self->origin);

  /* The origin and then "/" or nothing: "http://localhost:5173" must not
   * admit "http://localhost:51730/" or "http://localhost:5173.evil/". */
  return strncmp (uri, self->origin, length) == 0 && (uri[length] == '/' || uri[length] == '\0');
}

/* Where the app's pages come from: app://localhost, or the dev server's
 * origin. */
const char *
_atrium_app_get_origin (AtriumApp *self)
{
  return self->origin;
}

/* The URI a window loads for @path_or_uri. */
char *
_atrium_app_resolve (AtriumApp  *self,
                     const char *path_or_uri)
{
  if (path_or_uri[0] != '/')
    return g_strdup (path_or_uri);
  if (self->dev_url != NULL && strcmp (path_or_uri, "/") == 0)
    return g_strdup (self->dev_url);
  return g_strconcat (self->origin, path_or_uri, NULL);
}

AtriumAppInstance *
_atrium_app_get_instance (AtriumApp *self)
{
  return self->instance;
}

AtriumEvents *
_atrium_app_get_events (AtriumApp *self)
{
  return self->events;
}

AtriumMediaServer *
_atrium_app_get_media_server (AtriumApp *self)
{
  return self->media_server;
}

/* Remote scripts, styles, fonts, images, connections and frames stay out;
 * the page's own inline scripts and styles run, and WebAssembly compiles.
 * Remote frames are the app's to allow (its own policy): they get no
 * runtime and cannot call (the bridge's token sees to that), but WebKit
 * lets a frame of another origin navigate the top frame to any page of the
 * top's own origin without a click, and C cannot tell such a navigation
 * from the page's own. The origin is
 * named beside 'self' because frames that inherit the policy (srcdoc,
 * sandboxed, data:) have an opaque origin that 'self' does not match. */
#define CSP_SELF "'self' " ATRIUM_ORIGIN
#define DEFAULT_CSP \
  "default-src " CSP_SELF " data: blob:; " \
  "script-src " CSP_SELF " 'unsafe-inline' 'wasm-unsafe-eval' data: blob:; " \
  "style-src " CSP_SELF " 'unsafe-inline' data: blob:; " \
  "img-src " CSP_SELF " data: blob:; " \
  "font-src " CSP_SELF " data: blob:; " \
  "worker-src " CSP_SELF " blob:; " \
  "frame-src " CSP_SELF " data: blob:%s; " \
  "object-src 'none'; " \
  "base-uri " CSP_SELF "; " \
  "form-action " CSP_SELF

/* The Content-Security-Policy of app:// responses, or NULL for none. */
const char *
_atrium_app_get_csp (AtriumApp *self)
{
  if (self->effective_csp == NULL)
    {
      const char *frames = self->remote_frames ? " https: http:" : "";
      const char *media = self->media_server != NULL
        ? _atrium_media_server_get_origin (self->media_server) : NULL;

      if (self->csp_set)
        self->effective_csp = g_strdup (self->csp);
      else if (media != NULL)
        self->effective_csp =
          g_strdup_printf (DEFAULT_CSP "; media-src " CSP_SELF " data: blob: %s; "
                           "connect-src " CSP_SELF " data: blob: %s", frames, media, media);
      else
        self->effective_csp =
          g_strdup_printf (DEFAULT_CSP "; media-src " CSP_SELF " data: blob:; "
                           "connect-src " CSP_SELF " data: blob:", frames);
    }

  return self->effective_csp[0] != '\0' ? self->effective_csp : NULL;
}

/* The runtime script, built once per app with its token and limits filled
 * in, and shared by every window's content manager. */
static void
build_user_script (AtriumApp *self)
{
  g_autofree char *pattern = NULL;
  const char *allow_list[2] = { NULL, NULL };
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *source = NULL;
  g_autoptr(GError) error = NULL;
  AtriumRuntimeValues values;

  bytes = g_resources_lookup_data (RUNTIME_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_assert (bytes != NULL);

  ensure_media_server (self);
  decide_transport (self);
  values.transport = self->transport;
  values.token = self->token;
  values.max_message = self->max_message_size;
  values.upload_min = self->upload_min;
  values.log_console = self->log_console;
  values.media_base = self->media_server != NULL
    ? _atrium_media_server_get_base (self->media_server) : "";
  source = _atrium_runtime_render (g_bytes_get_data (bytes, NULL), &values, &error);
  /* The template is compiled in: a bad one is a bug in this build. */
  if (source == NULL)
    g_error ("%s", error->message);

  if (self->dev_url != NULL)
    {
      const char *authority = strstr (self->origin, "://") + 3;
      const char *close = authority[0] == '[' ? strchr (authority, ']') : authority;
      const char *port = strchr (close, ':');
      char *guarded;

      /* WebKit's URL patterns have no port: the pattern for
       * http://localhost:5173 admits every port of localhost. So the
       * script checks the whole origin itself before it runs, and another
       * port gets nothing. The origin holds only a scheme, host name
       * characters, brackets, colons and digits: safe to quote. */
      pattern = g_strdup_printf ("%.*s/*",
                                 (int) (port != NULL ? (gsize) (port - self->origin)
                                                     : strlen (self->origin)),
                                 self->origin);
      guarded = g_strdup_printf ("if (location.origin === '%s') {\n%s\n}\n", self->origin, source);
      g_free (source);
      source = guarded;
    }
  else
    {
      pattern = g_strconcat (self->origin, "/*", NULL);
    }
  allow_list[0] = pattern;

  /* Top frame only and only on the app's own pages: frames and pages of
   * other origins never see the runtime, so they never see the token. */
  self->user_script = webkit_user_script_new (source,
                                              WEBKIT_USER_CONTENT_INJECT_TOP_FRAME,
                                              WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START,
                                              (const char * const *) allow_list, NULL);
}

/* The app starts with its first window: the loopback route starts, the
 * transport is chosen and the runtime script is built with the settings as
 * they are then. From here on, what goes into the runtime or into every
 * response is fixed (the setters check `started`). Again: nothing. */
void
_atrium_app_start (AtriumApp *self)
{
  g_return_if_fail (ATRIUM_IS_APP (self));

  if (self->started)
    return;
  self->started = TRUE;
  build_user_script (self);
}

static void
run_on_worker_cb (AtriumCall *call,
                  gpointer    data)
{
  _atrium_app_run_on_worker (ATRIUM_APP (data), call);
}

static gboolean
is_app_uri_cb (const char *uri,
               gpointer    data)
{
  return _atrium_app_is_app_uri (ATRIUM_APP (data), uri);
}

/* What a window's bridge works with: the app is its hub, and gives each
 * part what it needs when it is built rather than being asked later.
 * The window has started the app (_atrium_app_start()) first. */
void
_atrium_app_get_bridge_setup (AtriumApp         *self,
                              AtriumBridgeSetup *setup)
{
  g_assert (ATRIUM_IS_APP (self) && self->started);

  *setup = (AtriumBridgeSetup) {
    .owner = G_OBJECT (self),
    .token = self->token,
    .registry = self->registry,
    .events = self->events,
    .media = self->media_server,
    .runtime = self->user_script,
    .max_message_size = self->max_message_size,
    .max_stream_size = self->max_stream_size,
    .max_depth = self->max_depth,
    .log_console = self->log_console,
    .run_on_worker = run_on_worker_cb,
    .is_app_uri = is_app_uri_cb,
  };
}

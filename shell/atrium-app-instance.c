#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Instance"
#include "config.h"

#include "atrium-app-instance-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-log-limit-private.h"

/* Single instance, deep links and file associations.
 *
 * GApplication does the hard part: with a unique id, a second launch finds
 * the first over D-Bus and hands it its arguments and working directory
 * (G_APPLICATION_HANDLES_COMMAND_LINE), and files or URIs given to the app
 * by the desktop arrive as ::open (G_APPLICATION_HANDLES_OPEN). AtriumApp
 * implements both: each argument is sorted into a URL of a scheme the app
 * registered, a file that exists (resolved against the sender's working
 * directory), an option or a word (left alone), or something refused with
 * a log line, and what is
 * left becomes, in this order, ::second-instance, ::open-url and
 * ::open-files. C is asked first: a handler that returns %TRUE keeps the
 * event from the pages.
 *
 * The pages get atrium:app.second-instance {args, cwd}, atrium:app.open-url
 * {url} and atrium:app.open-files {paths} on the windows' ordinary queues,
 * but only once a page listens: the runtime calls atrium:app.listen the
 * first time it adds a listener of one of these names. Until then (a cold
 * start: the URL came with the launch, the page has not loaded) the event
 * waits here, and the first page that listens gets what waited for it, in
 * order. Listening, rather than a page having loaded, is what counts:
 * frameworks add their listeners when a component mounts, well after load,
 * and an event sent before that would be dispatched to nobody. A window's
 * page forgets it listened when it navigates (load committed), since the
 * new page's runtime has asked for nothing yet.
 *
 * Everything is bounded, because any program of the user's session can
 * launch the app with anything: ATRIUM_APP_URL_MAX per URL, PATH_MAX per
 * path, ATRIUM_APP_ITEMS_MAX arguments or paths and
 * ATRIUM_APP_EVENT_BYTES_MAX bytes per event, ATRIUM_APP_PENDING_MAX URLs
 * per launch, and ATRIUM_APP_PENDING_MAX events (ATRIUM_APP_PENDING_BYTES_MAX
 * bytes) waiting, the oldest dropped first. What is left out is logged
 * through the shared budget for lines others can cause.
 *
 * Main thread only, like GApplication's signals. */

enum {
  KIND_SECOND_INSTANCE,
  KIND_OPEN_URL,
  KIND_OPEN_FILES,
  N_KINDS
};

static const char * const event_names[N_KINDS] = {
  "atrium:app.second-instance",
  "atrium:app.open-url",
  "atrium:app.open-files",
};

static guint signals[N_KINDS];

/* On a window's web view: a bit per kind its page listens to, and whether
 * the reset on navigation is connected. */
#define LISTENING_KEY "atrium-app-listening"
#define HOOKED_KEY    "atrium-app-listening-hooked"

/* URL schemes an app may not register: the web's own and libatrium's. */
static const char * const reserved_schemes[] = {
  "about", "app", "blob", "data", "file", "ftp", "http", "https", "javascript", "resource",
  "view-source", "ws", "wss",
};

typedef struct
{
  guint     kind;
  JsonNode *data;
  gsize     bytes;
} Pending;

struct _AtriumAppInstance
{
  GPtrArray *schemes;          /* registered URL schemes, lowercase */
  GQueue     pending;          /* Pending, oldest first: no page listened yet */
  gsize      pending_bytes;
  gboolean   single_instance;
  gboolean   added_command_line;  /* set_single_instance() set the flag */
};

/* What one launch (or ::open) hands over, sorted. */
typedef struct
{
  GPtrArray *urls;             /* checked, of a registered scheme */
  GPtrArray *paths;            /* absolute, any bytes; NULL-terminated */
  gsize      path_bytes;
  guint      urls_left_out;
  guint      paths_left_out;
} Opened;

static void
pending_free (Pending *pending)
{
  json_node_unref (pending->data);
  g_free (pending);
}

AtriumAppInstance *
_atrium_app_instance_new (void)
{
  AtriumAppInstance *self = g_new0 (AtriumAppInstance, 1);

  self->schemes = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&self->pending);
  return self;
}

void
_atrium_app_instance_free (AtriumAppInstance *self)
{
  g_ptr_array_unref (self->schemes);
  g_queue_clear_full (&self->pending, (GDestroyNotify) pending_free);
  g_free (self);
}

static AtriumAppInstance *
get_instance (AtriumApp *app)
{
  return _atrium_app_get_instance (app);
}

/* A short, printable excerpt of what a launch gave, for a log line: a
 * 1 MiB URL or a control character must not end up in the journal. */
static char *
excerpt (const char *text)
{
  gsize length = strlen (text);
  g_autofree char *head = g_strndup (text, MIN (length, 64));
  g_autofree char *escaped = g_strescape (head, NULL);

  if (length > 64)
    return g_strdup_printf ("“%s…” (%" G_GSIZE_FORMAT " bytes)", escaped, length);
  return g_strdup_printf ("“%s”", escaped);
}

gboolean
_atrium_url_scheme_check (const char  *scheme,
                          GError     **error)
{
  gsize length;

  if (scheme == NULL || scheme[0] == '\0')
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "A URL scheme cannot be empty");
      return FALSE;
    }
  length = strlen (scheme);
  if (length > ATRIUM_APP_SCHEME_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "A URL scheme is at most %d characters; this one has %" G_GSIZE_FORMAT,
                   ATRIUM_APP_SCHEME_MAX, length);
      return FALSE;
    }
  /* RFC 3986, section 3.1: a letter, then letters, digits, "+", "-", ".". */
  for (gsize i = 0; i < length; i++)
    {
      char c = scheme[i];

      if (!g_ascii_isalpha (c) && (i == 0 || (!g_ascii_isdigit (c) && c != '+' && c != '-'
                                              && c != '.')))
        {
          g_autofree char *shown = excerpt (scheme);

          g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                       "%s is not a URL scheme: it starts with a letter and holds only "
                       "letters, digits, “+”, “-” and “.” (RFC 3986), without the “:”",
                       shown);
          return FALSE;
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (reserved_schemes); i++)
    if (g_ascii_strcasecmp (scheme, reserved_schemes[i]) == 0)
      {
        g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                     "“%s” is reserved (the web's own schemes and libatrium's app:// cannot "
                     "be taken by an app): choose a scheme of the app's own, such as its name",
                     reserved_schemes[i]);
        return FALSE;
      }
  return TRUE;
}

/**
 * atrium_app_set_single_instance:
 * @single_instance: whether a second launch goes to the running instance
 *
 * With %TRUE, the app runs once per session under its application id: a
 * second launch hands its arguments and working directory to the running
 * instance, which asks #AtriumApp::second-instance and then tells its pages
 * (`atrium:app.second-instance` `{args, cwd}`), takes the URLs and files
 * among the arguments as if they were opened (#AtriumApp::open-url,
 * #AtriumApp::open-files), and brings its window to the front; the second
 * launch then exits with status 0. The arguments handed over are those
 * g_application_run() gets, after GApplication's and libatrium's own
 * options. It is GApplication's uniqueness over D-Bus
 * (%G_APPLICATION_HANDLES_COMMAND_LINE and %G_APPLICATION_HANDLES_OPEN are
 * set and %G_APPLICATION_NON_UNIQUE cleared); a handler the app connects to
 * #GApplication::command-line itself takes over from libatrium's.
 *
 * The app needs an application id. Set before g_application_run() (or
 * g_application_register()).
 */
void
atrium_app_set_single_instance (AtriumApp *self,
                                gboolean   single_instance)
{
  GApplication *application = G_APPLICATION (self);
  AtriumAppInstance *instance;
  GApplicationFlags flags;

  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (!g_application_get_is_registered (application));
  g_return_if_fail (!single_instance || g_application_get_application_id (application) != NULL);

  instance = get_instance (self);
  flags = g_application_get_flags (application);
  if (single_instance)
    {
      instance->added_command_line |= (flags & G_APPLICATION_HANDLES_COMMAND_LINE) == 0;
      flags &= ~G_APPLICATION_NON_UNIQUE;
      flags |= G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_HANDLES_OPEN;
    }
  else
    {
      flags |= G_APPLICATION_NON_UNIQUE;
      if (instance->added_command_line)
        flags &= ~G_APPLICATION_HANDLES_COMMAND_LINE;
      instance->added_command_line = FALSE;
    }
  g_application_set_flags (application, flags);
  instance->single_instance = !!single_instance;
}

/**
 * atrium_app_get_single_instance:
 *
 * Returns: whether atrium_app_set_single_instance() made the app a single
 *   instance
 */
gboolean
atrium_app_get_single_instance (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);

  return get_instance (self)->single_instance;
}

static gboolean
has_scheme (AtriumAppInstance *self,
            const char        *scheme)
{
  for (guint i = 0; i < self->schemes->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (self->schemes, i), scheme) == 0)
      return TRUE;
  return FALSE;
}

/**
 * atrium_app_register_url_scheme:
 * @scheme: a scheme such as `"myapp"`, without the `:`
 * @error: return location for a #GError in %ATRIUM_ERROR
 *
 * Takes deep links: a `myapp://…` URL given to the app, as an argument at
 * launch or to a running single instance, or through GApplication's
 * ::open (the desktop opening a link), asks #AtriumApp::open-url and then
 * reaches the pages as `atrium:app.open-url` `{url}`. One that arrives
 * before a page listens waits until one does. URLs of schemes not
 * registered are refused with a log line, and so are URLs over 32 KiB and
 * URLs that are not UTF-8 or hold spaces or control characters.
 *
 * The desktop learns of it from the app's `.desktop` file:
 * `MimeType=x-scheme-handler/myapp;` and an `Exec=` line ending in `%U`.
 * Sets %G_APPLICATION_HANDLES_OPEN if the app is not registered yet.
 * Registering a scheme twice is harmless.
 *
 * Returns: %TRUE, or %FALSE with @error set: %ATRIUM_ERROR_BAD_ARGS when
 *   @scheme is not a scheme as RFC 3986 defines one (a letter, then
 *   letters, digits, `+`, `-` or `.`; at most 64), %ATRIUM_ERROR_FORBIDDEN
 *   for the reserved ones (`app`, `http`, `https`, `file`, `javascript`,
 *   `data`, `about`, `blob`, `ftp`, `ws`, `wss`, `resource`,
 *   `view-source`), %ATRIUM_ERROR_TOO_LARGE past 32 schemes
 */
gboolean
atrium_app_register_url_scheme (AtriumApp   *self,
                                const char  *scheme,
                                GError     **error)
{
  AtriumAppInstance *instance;

  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_atrium_url_scheme_check (scheme, error))
    return FALSE;
  instance = get_instance (self);
  if (has_scheme (instance, scheme))
    return TRUE;
  if (instance->schemes->len >= ATRIUM_APP_SCHEMES_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "The app has registered %d URL schemes, the limit", ATRIUM_APP_SCHEMES_MAX);
      return FALSE;
    }
  g_ptr_array_add (instance->schemes, g_ascii_strdown (scheme, -1));
  if (!g_application_get_is_registered (G_APPLICATION (self)))
    g_application_set_flags (G_APPLICATION (self),
                             g_application_get_flags (G_APPLICATION (self))
                             | G_APPLICATION_HANDLES_OPEN);
  return TRUE;
}

/**
 * atrium_app_handles_url_scheme:
 * @scheme: a URL scheme, without the `:`
 *
 * Returns: whether atrium_app_register_url_scheme() registered @scheme
 *   (in any case)
 */
gboolean
atrium_app_handles_url_scheme (AtriumApp  *self,
                               const char *scheme)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), FALSE);
  g_return_val_if_fail (scheme != NULL, FALSE);

  return has_scheme (get_instance (self), scheme);
}

/* --- to the pages --- */

static guint
listening (AtriumWindow *window)
{
  WebKitWebView *view = atrium_window_get_web_view (window);

  return view != NULL ? GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (view), LISTENING_KEY)) : 0;
}

/* A new page has a new runtime, which listens to nothing yet. */
static void
load_changed_cb (WebKitWebView   *view,
                 WebKitLoadEvent  event,
                 gpointer         user_data)
{
  if (event == WEBKIT_LOAD_COMMITTED)
    g_object_set_data (G_OBJECT (view), LISTENING_KEY, NULL);
}

static void
keep (AtriumAppInstance *self,
      guint              kind,
      JsonNode          *data,
      gsize              bytes)
{
  Pending *pending = g_new (Pending, 1);

  pending->kind = kind;
  pending->data = json_node_ref (data);
  pending->bytes = bytes;
  g_queue_push_tail (&self->pending, pending);
  self->pending_bytes += bytes;

  while (self->pending.length > ATRIUM_APP_PENDING_MAX
         || self->pending_bytes > ATRIUM_APP_PENDING_BYTES_MAX)
    {
      Pending *oldest = g_queue_pop_head (&self->pending);

      self->pending_bytes -= oldest->bytes;
      _atrium_log_page (G_LOG_LEVEL_MESSAGE,
                        "%s left out: no page listens to it yet, and %u events (%" G_GSIZE_FORMAT
                        " bytes) already wait for one; the oldest goes",
                        event_names[oldest->kind], self->pending.length, self->pending_bytes);
      pending_free (oldest);
    }
}

/* To every window whose page listens to @kind, or kept until one does. */
static void
to_pages (AtriumApp *app,
          guint      kind,
          JsonNode  *data,
          gsize      bytes)
{
  gboolean heard = FALSE;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (ATRIUM_IS_WINDOW (l->data) && (listening (l->data) & (1u << kind)) != 0)
      {
        heard = TRUE;
        _atrium_app_emit_builtin (app, atrium_window_get_id (l->data), 0, event_names[kind], data);
      }
  if (!heard)
    keep (get_instance (app), kind, data, bytes);
}

gboolean
_atrium_app_instance_listen (AtriumApp     *app,
                             AtriumWindow  *window,
                             const char    *name,
                             GError       **error)
{
  AtriumAppInstance *self = get_instance (app);
  WebKitWebView *view = atrium_window_get_web_view (window);
  guint kind = N_KINDS;
  GList *l;

  for (guint i = 0; i < N_KINDS; i++)
    if (name != NULL && strcmp (name, event_names[i]) == 0)
      kind = i;
  if (kind == N_KINDS)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The name must be atrium:app.second-instance, atrium:app.open-url or "
                   "atrium:app.open-files");
      return FALSE;
    }
  if (view == NULL)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_NOT_FOUND, "The window has closed");
      return FALSE;
    }

  if (g_object_get_data (G_OBJECT (view), HOOKED_KEY) == NULL)
    {
      g_signal_connect (view, "load-changed", G_CALLBACK (load_changed_cb), NULL);
      g_object_set_data (G_OBJECT (view), HOOKED_KEY, GINT_TO_POINTER (TRUE));
    }
  g_object_set_data (G_OBJECT (view), LISTENING_KEY,
                     GUINT_TO_POINTER (listening (window) | (1u << kind)));

  /* What waited for a page, in the order it came. */
  l = self->pending.head;
  while (l != NULL)
    {
      GList *next = l->next;
      Pending *pending = l->data;

      if (pending->kind == kind)
        {
          g_queue_delete_link (&self->pending, l);
          self->pending_bytes -= pending->bytes;
          _atrium_app_emit_builtin (app, atrium_window_get_id (window), 0, event_names[kind],
                                    pending->data);
          pending_free (pending);
        }
      l = next;
    }
  return TRUE;
}

guint
_atrium_app_instance_count_pending (AtriumApp *app,
                                    gsize     *bytes)
{
  AtriumAppInstance *self = get_instance (app);

  if (bytes != NULL)
    *bytes = self->pending_bytes;
  return self->pending.length;
}

/* --- what a launch hands over --- */

static gboolean
check_url (AtriumAppInstance  *self,
           const char         *url,
           GError            **error)
{
  gsize length = strlen (url);
  const char *scheme;

  if (length > ATRIUM_APP_URL_MAX)
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "it is %" G_GSIZE_FORMAT " bytes, over the limit of %d", length,
                   ATRIUM_APP_URL_MAX);
      return FALSE;
    }
  if (!g_utf8_validate (url, length, NULL))
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "it is not UTF-8");
      return FALSE;
    }
  for (const char *p = url; *p != '\0'; p++)
    if ((guchar) *p <= ' ' || *p == 0x7f)
      {
        g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                             "it holds a space or a control character");
        return FALSE;
      }
  scheme = g_uri_peek_scheme (url);
  if (scheme == NULL)
    {
      g_set_error_literal (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS, "it has no scheme");
      return FALSE;
    }
  if (!has_scheme (self, scheme))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FORBIDDEN,
                   "“%s:” is not a URL scheme the app registered "
                   "(atrium_app_register_url_scheme())", scheme);
      return FALSE;
    }
  return TRUE;
}

static void
refuse (const char   *what,
        const char   *text,
        const GError *error)
{
  g_autofree char *shown = excerpt (text);

  _atrium_log_page (G_LOG_LEVEL_MESSAGE, "%s %s refused: %s", what, shown, error->message);
}

static void
opened_init (Opened *opened)
{
  memset (opened, 0, sizeof *opened);
  opened->urls = g_ptr_array_new_with_free_func (g_free);
  opened->paths = g_ptr_array_new_null_terminated (0, g_free, TRUE);
}

static void
opened_clear (Opened *opened)
{
  g_ptr_array_unref (opened->urls);
  g_ptr_array_unref (opened->paths);
}

static void
add_url (Opened     *opened,
         const char *url)
{
  if (opened->urls->len >= ATRIUM_APP_PENDING_MAX)
    opened->urls_left_out++;
  else
    g_ptr_array_add (opened->urls, g_strdup (url));
}

static void
add_path (Opened     *opened,
          const char *path)
{
  gsize length = strlen (path);

  if (length > ATRIUM_APP_PATH_MAX)
    {
      g_autofree char *shown = excerpt (path);

      _atrium_log_page (G_LOG_LEVEL_MESSAGE,
                        "File %s refused: its path is over the limit of %d bytes", shown,
                        ATRIUM_APP_PATH_MAX);
      return;
    }
  /* A file opened is one that exists: a launch's other arguments (words,
   * a name for a file still to be made) stay in atrium:app.second-instance. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_debug ("Not a file opened: nothing is at %s", path);
      return;
    }
  if (opened->paths->len >= ATRIUM_APP_ITEMS_MAX
      || opened->path_bytes + length > ATRIUM_APP_EVENT_BYTES_MAX)
    {
      opened->paths_left_out++;
      return;
    }
  opened->path_bytes += length;
  g_ptr_array_add (opened->paths, g_strdup (path));
}

static void
add_file (AtriumApp *app,
          Opened    *opened,
          GFile     *file,
          gboolean   from_uri)
{
  const char *path = g_file_peek_path (file);
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;

  if (path != NULL)
    {
      add_path (opened, path);
      return;
    }
  /* Not a local file: a deep link, if the scheme is the app's. */
  uri = g_file_get_uri (file);
  if (check_url (get_instance (app), uri, &error))
    add_url (opened, uri);
  else
    refuse (from_uri ? "URL" : "File", uri, error);
}

/* One argument of a launch: an option (left alone), a URL, a file, or
 * refused. */
static void
add_argument (AtriumApp  *app,
              Opened     *opened,
              const char *arg,
              const char *cwd)
{
  const char *scheme = g_uri_peek_scheme (arg);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (arg[0] == '-' || arg[0] == '\0')
    return;
  if (scheme != NULL && strcmp (scheme, "file") != 0)
    {
      if (check_url (get_instance (app), arg, &error))
        add_url (opened, arg);
      else
        refuse ("URL", arg, error);
      return;
    }
  if (strlen (arg) > ATRIUM_APP_URL_MAX)
    {
      g_set_error (&error, ATRIUM_ERROR, ATRIUM_ERROR_TOO_LARGE,
                   "it is %" G_GSIZE_FORMAT " bytes, over the limit of %d", strlen (arg),
                   ATRIUM_APP_URL_MAX);
      refuse ("File", arg, error);
      return;
    }
  if (scheme != NULL)
    file = g_file_new_for_uri (arg);
  else if (g_path_is_absolute (arg))
    file = g_file_new_for_path (arg);
  else if (cwd != NULL)
    file = g_file_new_for_commandline_arg_and_cwd (arg, cwd);
  if (file == NULL)
    {
      g_set_error_literal (&error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                           "a relative path, and the launch gave no working directory");
      refuse ("File", arg, error);
      return;
    }
  add_file (app, opened, file, FALSE);
}

static void
tell_open_url (AtriumApp  *app,
               const char *url)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;
  gboolean handled = FALSE;

  g_signal_emit (app, signals[KIND_OPEN_URL], 0, url, &handled);
  if (handled)
    return;
  object = json_object_new ();
  json_object_set_string_member (object, "url", url);
  data = json_node_init_object (json_node_alloc (), object);
  to_pages (app, KIND_OPEN_URL, data, strlen (url) + 16);
}

static void
tell_open_files (AtriumApp  *app,
                 GPtrArray  *paths)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;
  JsonArray *array;
  gboolean handled = FALSE;
  gsize bytes = 16;
  guint not_utf8 = 0;

  g_signal_emit (app, signals[KIND_OPEN_FILES], 0, (char **) paths->pdata, &handled);
  if (handled)
    return;

  array = json_array_sized_new (paths->len);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);

      /* JSON holds text: a path that is not UTF-8 cannot reach the page as
       * what it is, and one spelt otherwise would name another file. */
      if (!g_utf8_validate (path, -1, NULL))
        {
          not_utf8++;
          continue;
        }
      json_array_add_string_element (array, path);
      bytes += strlen (path) + 4;
    }
  if (not_utf8 > 0)
    _atrium_log_page (G_LOG_LEVEL_MESSAGE,
                      "%u of the files opened left out of atrium:app.open-files: their paths "
                      "are not UTF-8 (C's AtriumApp::open-files has them)", not_utf8);
  if (json_array_get_length (array) == 0)
    {
      json_array_unref (array);
      return;
    }
  object = json_object_new ();
  json_object_set_array_member (object, "paths", array);
  data = json_node_init_object (json_node_alloc (), object);
  to_pages (app, KIND_OPEN_FILES, data, bytes);
}

static void
tell_opened (AtriumApp *app,
             Opened    *opened)
{
  if (opened->urls_left_out > 0)
    _atrium_log_page (G_LOG_LEVEL_MESSAGE,
                      "%u URLs of one launch left out: it may open %d at most",
                      opened->urls_left_out, ATRIUM_APP_PENDING_MAX);
  if (opened->paths_left_out > 0)
    _atrium_log_page (G_LOG_LEVEL_MESSAGE,
                      "%u files of one launch left out: it may open %d (%d bytes of paths) "
                      "at most", opened->paths_left_out, ATRIUM_APP_ITEMS_MAX,
                      ATRIUM_APP_EVENT_BYTES_MAX);

  for (guint i = 0; i < opened->urls->len; i++)
    tell_open_url (app, g_ptr_array_index (opened->urls, i));
  if (opened->paths->len > 0)
    tell_open_files (app, opened->paths);
}

/* @args: the arguments after the program's name, any bytes. */
static void
tell_second_instance (AtriumApp          *app,
                      const char * const *args,
                      guint               n_args,
                      const char         *cwd)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;
  JsonArray *array;
  gboolean handled = FALSE;
  gsize bytes = 32;
  guint left_out = 0, not_utf8 = 0;

  g_signal_emit (app, signals[KIND_SECOND_INSTANCE], 0, args, cwd, &handled);
  if (handled)
    return;

  array = json_array_sized_new (MIN (n_args, ATRIUM_APP_ITEMS_MAX));
  for (guint i = 0; i < n_args; i++)
    {
      gsize length = strlen (args[i]);

      if (length > ATRIUM_APP_ARG_MAX || json_array_get_length (array) >= ATRIUM_APP_ITEMS_MAX
          || bytes + length > ATRIUM_APP_EVENT_BYTES_MAX)
        {
          left_out++;
          continue;
        }
      if (g_utf8_validate (args[i], length, NULL))
        {
          json_array_add_string_element (array, args[i]);
        }
      else
        {
          g_autofree char *valid = g_utf8_make_valid (args[i], length);

          not_utf8++;
          json_array_add_string_element (array, valid);
        }
      bytes += length + 4;
    }
  if (left_out > 0)
    _atrium_log_page (G_LOG_LEVEL_MESSAGE,
                      "%u arguments of a second launch left out of atrium:app.second-instance: "
                      "it carries %d arguments of %d bytes each, %d bytes in all, at most",
                      left_out, ATRIUM_APP_ITEMS_MAX, ATRIUM_APP_ARG_MAX,
                      ATRIUM_APP_EVENT_BYTES_MAX);
  if (not_utf8 > 0)
    _atrium_log_page (G_LOG_LEVEL_MESSAGE,
                      "%u arguments of a second launch are not UTF-8: the pages get them with "
                      "U+FFFD in place of the bad bytes (C's AtriumApp::second-instance has them "
                      "as they were)", not_utf8);

  object = json_object_new ();
  json_object_set_array_member (object, "args", array);
  if (cwd == NULL || strlen (cwd) > ATRIUM_APP_PATH_MAX)
    json_object_set_null_member (object, "cwd");
  else if (g_utf8_validate (cwd, -1, NULL))
    json_object_set_string_member (object, "cwd", cwd);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (cwd, -1);

      json_object_set_string_member (object, "cwd", valid);
    }
  bytes += cwd != NULL ? strlen (cwd) : 0;
  data = json_node_init_object (json_node_alloc (), object);
  to_pages (app, KIND_SECOND_INSTANCE, data, bytes);
}

/* The window to the front, or the app's first window if it has none. */
static void
show_app (AtriumApp *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window != NULL)
    gtk_window_present (window);
  else
    g_application_activate (G_APPLICATION (app));
}

/* GApplication::command-line: this launch's own (local) or a second one's
 * (remote, over D-Bus, with its working directory). Its return value is
 * the exit status of that launch. */
static int
atrium_app_command_line (GApplication            *application,
                         GApplicationCommandLine *command_line)
{
  AtriumApp *app = ATRIUM_APP (application);
  g_auto(GStrv) argv = NULL;
  const char *cwd = g_application_command_line_get_cwd (command_line);
  const char * const *args;
  int argc = 0;
  guint n_args;
  Opened opened;

  argv = g_application_command_line_get_arguments (command_line, &argc);
  args = argc > 0 ? (const char * const *) argv + 1 : (const char * const *) argv;
  n_args = argc > 0 ? (guint) argc - 1 : 0;

  if (g_application_command_line_get_is_remote (command_line))
    {
      g_debug ("A second launch with %u arguments", n_args);
      tell_second_instance (app, args, n_args, cwd);
    }

  opened_init (&opened);
  for (guint i = 0; i < n_args; i++)
    add_argument (app, &opened, args[i], cwd);
  tell_opened (app, &opened);
  opened_clear (&opened);

  show_app (app);
  return 0;
}

/* GApplication::open: files and URIs the desktop (or a launch, for an app
 * that is not single-instance) opens with the app. */
static void
atrium_app_open (GApplication  *application,
                 GFile        **files,
                 int            n_files,
                 const char    *hint)
{
  AtriumApp *app = ATRIUM_APP (application);
  Opened opened;

  opened_init (&opened);
  for (int i = 0; i < n_files; i++)
    add_file (app, &opened, files[i], TRUE);
  tell_opened (app, &opened);
  opened_clear (&opened);

  show_app (app);
}

void
_atrium_app_instance_class_init (GApplicationClass *app_class)
{
  GType type = G_TYPE_FROM_CLASS (app_class);

  app_class->command_line = atrium_app_command_line;
  app_class->open = atrium_app_open;

  /**
   * AtriumApp::second-instance:
   * @args: (array zero-terminated=1) (element-type filename): the arguments
   *   of the second launch after the program's name, as it was given them
   * @cwd: (type filename) (nullable): its working directory
   *
   * A second launch of a single-instance app (atrium_app_set_single_instance())
   * handed over its arguments; it exits with status 0 once this returns.
   * Asked before the pages hear of it as `atrium:app.second-instance`
   * `{args, cwd}` (arguments that are not UTF-8 with U+FFFD in place of
   * their bad bytes). The URLs and files among @args follow as
   * #AtriumApp::open-url and #AtriumApp::open-files, and the app's window
   * comes to the front.
   *
   * Returns: %TRUE to keep the event from the pages, %FALSE to let it go on
   */
  signals[KIND_SECOND_INSTANCE] =
    g_signal_new ("second-instance", type, G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 2,
                  G_TYPE_STRV | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * AtriumApp::open-url:
   * @url: a URL of a scheme the app registered (atrium_app_register_url_scheme())
   *
   * A deep link was given to the app, at launch or later. Asked before the
   * pages hear of it as `atrium:app.open-url` `{url}`; one that arrives
   * before a page listens waits until one does.
   *
   * Returns: %TRUE to keep the event from the pages, %FALSE to let it go on
   */
  signals[KIND_OPEN_URL] =
    g_signal_new ("open-url", type, G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * AtriumApp::open-files:
   * @paths: (array zero-terminated=1) (element-type filename): absolute
   *   paths, resolved against the working directory of the launch that
   *   gave them
   *
   * Files were opened with the app (%G_APPLICATION_HANDLES_OPEN: the file
   * manager, a launch with file arguments, a second launch's). Asked before
   * the pages hear of it as `atrium:app.open-files` `{paths}` (paths that are
   * not UTF-8 are left out of that); one that arrives before a page listens
   * waits until one does.
   *
   * Returns: %TRUE to keep the event from the pages, %FALSE to let it go on
   */
  signals[KIND_OPEN_FILES] =
    g_signal_new ("open-files", type, G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, G_TYPE_STRV | G_SIGNAL_TYPE_STATIC_SCOPE);
}

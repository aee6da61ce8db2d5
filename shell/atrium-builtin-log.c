#include "config.h"

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Page"

#include "atrium-builtins-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-log-limit-private.h"

/* atrium.log: a page's log lines, into GLib's structured logging (so the
 * journal, or stderr, like any GNOME app's), in the domain Atrium-Page,
 * with the window's id and the page's URL as fields:
 *
 *   atrium.log.info('saved', {file: 'notes.txt', bytes: 120})
 *   → MESSAGE=saved  GLIB_DOMAIN=Atrium-Page  PRIORITY=6
 *     ATRIUM_WINDOW_ID=1  ATRIUM_PAGE_URL=app://localhost/
 *     PAGE_FILE=notes.txt  PAGE_BYTES=120
 *
 * The page is not trusted with the log: its lines share the page budget of
 * atrium-log-limit.c (20 a second), control characters in its text are
 * escaped so a line cannot pass for another, its field names are its own
 * (PAGE_…, never MESSAGE or PRIORITY), and its warnings and errors are
 * logged at G_LOG_LEVEL_MESSAGE with the journal's priority set to warning
 * (4) or error (3): under G_DEBUG=fatal-warnings (and in GLib tests) a
 * page must not be able to abort the app.
 *
 * This file also holds --log-level, which sets what the whole process
 * logs; see _atrium_log_set_level(). */

#define MESSAGE_MAX 16384
#define FIELDS_MAX 32
#define FIELD_NAME_MAX 48
#define FIELD_VALUE_MAX 4096

/* --- --log-level --- */

static const struct
{
  const char     *name;
  GLogLevelFlags  level;
} level_names[] = {
  { "error", G_LOG_LEVEL_ERROR },
  { "critical", G_LOG_LEVEL_CRITICAL },
  { "warning", G_LOG_LEVEL_WARNING },
  { "message", G_LOG_LEVEL_MESSAGE },
  { "info", G_LOG_LEVEL_INFO },
  { "debug", G_LOG_LEVEL_DEBUG },
};

/* The least severe level logged, as an index into level_names; -1 until
 * --log-level says (GLib's own rules then). Atomic. */
static int threshold = -1;

static int
level_rank (GLogLevelFlags level)
{
  for (guint i = 0; i < G_N_ELEMENTS (level_names); i++)
    if (level & level_names[i].level)
      return i;
  return G_N_ELEMENTS (level_names) - 1;
}

gboolean
_atrium_log_level_allows (GLogLevelFlags level)
{
  int limit = g_atomic_int_get (&threshold);

  return limit < 0 || level_rank (level) <= limit;
}

static GLogWriterOutput
filter_writer (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  /* The pages' lines were held to their own level already: their warnings
   * and errors come at MESSAGE level (see the top of this file), which a
   * threshold of "warning" must not hide. */
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0)
      {
        if (g_str_equal (fields[i].value, G_LOG_DOMAIN)
            || g_str_equal (fields[i].value, "Atrium-Console"))
          return g_log_writer_default (level, fields, n_fields, user_data);
        break;
      }
  if (!_atrium_log_level_allows (level))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* --log-level NAME: what the process logs, every domain alike, from
 * "error" to "debug". "debug" is G_MESSAGES_DEBUG=all and "message" is
 * GLib's default, and both are GLib's own switch; the others must hold
 * back some lines, and libatrium logs through the structured API, which
 * only a writer function can filter, so they install one over GLib's
 * default writer. A process sets its writer once (GLib aborts on a second):
 * an app with a writer of its own should not pass those levels. */
gboolean
_atrium_log_set_level (const char  *name,
                       GError     **error)
{
  static gsize writer_installed = 0;

  for (guint i = 0; i < G_N_ELEMENTS (level_names); i++)
    if (g_strcmp0 (name, level_names[i].name) == 0)
      {
        g_atomic_int_set (&threshold, (int) i);
        /* GLib's writer shows info and debug lines only where debug
         * output is on; the filter then holds back what is below. */
        g_log_set_debug_enabled (level_names[i].level >= G_LOG_LEVEL_INFO);
        if (level_names[i].level != G_LOG_LEVEL_MESSAGE && level_names[i].level != G_LOG_LEVEL_DEBUG
            && g_once_init_enter (&writer_installed))
          {
            g_log_set_writer_func (filter_writer, NULL, NULL);
            g_once_init_leave (&writer_installed, 1);
          }
        return TRUE;
      }
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "--log-level takes error, critical, warning, message, info or debug, not “%s”",
               name != NULL ? name : "");
  return FALSE;
}

/* --- atrium.log --- */

/* @text with control characters (tab aside) escaped as \n, \r or \xNN. */
static char *
escape_controls (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = *p;

      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if ((c < 0x20 && c != '\t') || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, c);
    }
  return g_string_free (out, FALSE);
}

static gboolean
field_name_is_valid (const char *name)
{
  gsize length = strlen (name);

  if (length == 0 || length > FIELD_NAME_MAX || !g_ascii_isalpha (name[0]))
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_')
      return FALSE;
  return TRUE;
}

/* A field's value as text: strings as they are, numbers, booleans and
 * null as JSON writes them; objects and arrays are refused. */
static char *
field_value (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
      }
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
    }
}

typedef struct
{
  GLogField fields[FIELDS_MAX + 8];
  gsize     n;
  GPtrArray *owned;
} Fields;

static void
add_field (Fields     *f,
           const char *key,
           char       *value)   /* owned */
{
  g_ptr_array_add (f->owned, value);
  f->fields[f->n].key = key;
  f->fields[f->n].value = value;
  f->fields[f->n].length = -1;
  f->n++;
}

static void
log_page (AtriumCall     *call,
          GLogLevelFlags  level,
          const char     *priority)
{
  AtriumWindow *caller = atrium_call_get_window (call);
  JsonNode *fields_node = atrium_call_get_arg (call, 1);
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *message = NULL;
  Fields f = { .n = 0, .owned = owned };
  const char *text;
  guint skipped;

  if (!_atrium_builtin_arg_string (call, 0, "The message", MESSAGE_MAX, &text))
    return;
  if (fields_node != NULL && !JSON_NODE_HOLDS_NULL (fields_node)
      && !JSON_NODE_HOLDS_OBJECT (fields_node))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "The fields must be an object of names and plain values");
      return;
    }

  /* Checked whole before anything is logged: a bad field logs nothing. */
  if (fields_node != NULL && JSON_NODE_HOLDS_OBJECT (fields_node))
    {
      JsonObject *object = json_node_get_object (fields_node);
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      if (json_object_get_size (object) > FIELDS_MAX)
        {
          atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                    "A log line takes at most %d fields", FIELDS_MAX);
          return;
        }
      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &value))
        {
          g_autofree char *raw = NULL;

          if (!field_name_is_valid (name))
            {
              atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                        "A field name is a letter, then letters, digits or _, "
                                        "at most %d in all", FIELD_NAME_MAX);
              return;
            }
          raw = field_value (value);
          if (raw == NULL || strlen (raw) > FIELD_VALUE_MAX)
            {
              atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                        "The field %s must be a string of at most %d bytes, "
                                        "a number, a boolean or null", name, FIELD_VALUE_MAX);
              return;
            }
          {
            char *key = g_ascii_strup (name, -1);
            char *journal_key = g_strconcat ("PAGE_", key, NULL);

            g_free (key);
            g_ptr_array_add (owned, journal_key);
            add_field (&f, journal_key, escape_controls (raw));
          }
        }
    }

  /* The call succeeds whether or not the line was left out: the page has
   * no use for knowing, and it must not retry into the budget. Debug and
   * info lines nobody would see (G_MESSAGES_DEBUG, --log-level) do not
   * spend the budget. */
  if (!_atrium_log_level_allows (level)
      || g_log_writer_default_would_drop (level, G_LOG_DOMAIN)
      || !_atrium_log_page_admit (&skipped))
    {
      _atrium_builtin_return_null (call);
      return;
    }

  message = escape_controls (text);
  if (skipped > 0)
    {
      char *with_count = g_strdup_printf ("%s (%u more lines caused by pages were left out "
                                          "before it)", message, skipped);

      g_free (message);
      message = with_count;
    }
  add_field (&f, "MESSAGE", g_strdup (message));
  add_field (&f, "PRIORITY", g_strdup (priority));
  add_field (&f, "GLIB_DOMAIN", g_strdup (G_LOG_DOMAIN));
  if (caller != NULL)
    {
      WebKitWebView *view = atrium_window_get_web_view (caller);
      const char *uri = view != NULL ? webkit_web_view_get_uri (view) : NULL;

      add_field (&f, "ATRIUM_WINDOW_ID", g_strdup_printf ("%u", atrium_window_get_id (caller)));
      if (uri != NULL)
        add_field (&f, "ATRIUM_PAGE_URL", escape_controls (uri));
    }

  /* Warnings and errors at MESSAGE level: see the top of this file. */
  g_log_structured_array (level == G_LOG_LEVEL_DEBUG || level == G_LOG_LEVEL_INFO
                          ? level : G_LOG_LEVEL_MESSAGE, f.fields, f.n);
  _atrium_builtin_return_null (call);
}

/* --log-console: each console line is also a structured line, at DEBUG
 * level in the domain Atrium-Console (so G_MESSAGES_DEBUG=Atrium-Console or
 * --log-level debug shows it, and the journal gets it with its fields),
 * with the console method as ATRIUM_CONSOLE_LEVEL. Standard output keeps
 * the plain line, as before. The page budget applies. */
void
_atrium_builtin_log_console (AtriumWindow *window,
                             const char   *level,
                             gsize         level_length,
                             const char   *line,
                             gsize         line_length)
{
  g_autofree char *raw = NULL;
  g_autofree char *message = NULL;
  g_autofree char *console_level = NULL;
  g_autofree char *id = NULL;
  g_autofree char *uri = NULL;
  GLogField fields[7];
  gsize n = 0;
  guint skipped;

  /* Lines nobody would see do not spend the pages' budget. */
  if (!_atrium_log_level_allows (G_LOG_LEVEL_DEBUG)
      || g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, "Atrium-Console")
      || !_atrium_log_page_admit (&skipped))
    return;

  raw = g_utf8_make_valid (line, line_length);
  message = escape_controls (raw);
  if (skipped > 0)
    {
      char *with_count = g_strdup_printf ("%s (%u more lines caused by pages were left out "
                                          "before it)", message, skipped);

      g_free (message);
      message = with_count;
    }
  console_level = g_utf8_make_valid (level, MIN (level_length, 16));
  fields[n++] = (GLogField) { "MESSAGE", message, -1 };
  fields[n++] = (GLogField) { "PRIORITY", "7", -1 };
  fields[n++] = (GLogField) { "GLIB_DOMAIN", "Atrium-Console", -1 };
  fields[n++] = (GLogField) { "ATRIUM_CONSOLE_LEVEL", console_level, -1 };
  if (window != NULL)
    {
      WebKitWebView *view = atrium_window_get_web_view (window);
      const char *page = view != NULL ? webkit_web_view_get_uri (view) : NULL;

      id = g_strdup_printf ("%u", atrium_window_get_id (window));
      fields[n++] = (GLogField) { "ATRIUM_WINDOW_ID", id, -1 };
      if (page != NULL)
        {
          uri = escape_controls (page);
          fields[n++] = (GLogField) { "ATRIUM_PAGE_URL", uri, -1 };
        }
    }
  g_log_structured_array (G_LOG_LEVEL_DEBUG, fields, n);
}

static void
debug_cb (AtriumCall *call,
          gpointer    user_data)
{
  log_page (call, G_LOG_LEVEL_DEBUG, "7");
}

static void
info_cb (AtriumCall *call,
         gpointer    user_data)
{
  log_page (call, G_LOG_LEVEL_INFO, "6");
}

static void
warn_cb (AtriumCall *call,
         gpointer    user_data)
{
  log_page (call, G_LOG_LEVEL_WARNING, "4");
}

static void
error_cb (AtriumCall *call,
          gpointer    user_data)
{
  log_page (call, G_LOG_LEVEL_CRITICAL, "3");
}

static const AtriumBuiltinMethod methods[] = {
  { "log.debug", debug_cb, ATRIUM_BIND_DEFAULT },
  { "log.info", info_cb, ATRIUM_BIND_DEFAULT },
  { "log.warn", warn_cb, ATRIUM_BIND_DEFAULT },
  { "log.error", error_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_log_group = {
  ATRIUM_BUILTIN_LOG, "atrium.log", "ATRIUM_BUILTIN_LOG", methods, G_N_ELEMENTS (methods),
};

#include "config.h"

#include "bench-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
load_changed_cb (WebKitWebView   *web_view,
                 WebKitLoadEvent  event,
                 gboolean        *done)
{
  if (event == WEBKIT_LOAD_FINISHED)
    *done = TRUE;
}

/* Loads @path in @window, presents it and returns once the page has loaded. */
void
bench_open_page (AtriumWindow *window,
                 const char   *path)
{
  WebKitWebView *web_view = atrium_window_get_web_view (window);
  gboolean loaded = FALSE;
  gulong id = g_signal_connect (web_view, "load-changed", G_CALLBACK (load_changed_cb), &loaded);

  atrium_window_load (window, path);
  gtk_window_present (GTK_WINDOW (window));
  while (!loaded)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (web_view, id);
}

typedef struct
{
  gboolean done;
  double   value;
  GError  *error;
} Wait;

static void
js_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *w = user_data;
  g_autoptr(JSCValue) value =
    webkit_web_view_call_async_javascript_function_finish (WEBKIT_WEB_VIEW (object), result,
                                                           &w->error);

  if (value != NULL)
    w->value = jsc_value_to_double (value);
  w->done = TRUE;
}

/* Runs @body as an async function in the page; returns the number it
 * returns. A failing script ends the benchmark. */
double
bench_run_js (WebKitWebView *web_view,
              const char    *body)
{
  Wait w = { FALSE, 0, NULL };

  webkit_web_view_call_async_javascript_function (web_view, body, -1, NULL, NULL, NULL, NULL,
                                                  js_done_cb, &w);
  while (!w.done)
    g_main_context_iteration (NULL, TRUE);
  if (w.error != NULL)
    g_error ("%s: %s", g_get_prgname (), w.error->message);
  return w.value;
}

static gboolean
bytes_floor_message_cb (WebKitUserContentManager *manager,
                        JSCValue                 *value,
                        WebKitScriptMessageReply *reply,
                        gpointer                  user_data)
{
  g_autoptr(GBytes) bytes = jsc_value_to_string_as_bytes (value);
  g_autoptr(JSCValue) answer = jsc_value_new_string_from_bytes (jsc_value_get_context (value),
                                                                bytes);

  webkit_script_message_reply_return_value (reply, answer);
  return TRUE;
}

/* The bytes floor, window.webkit.messageHandlers.bytesFloor: a bare handler
 * with reply that takes the message as UTF-8 bytes and answers with a string
 * made from those bytes. With JSON.stringify before posting and JSON.parse on
 * the answer in the page, it is the least any JSON bridge over script
 * messages can do, so payload rows compare Atrium with it. */
void
bench_add_bytes_floor (WebKitWebView *web_view)
{
  WebKitUserContentManager *manager = webkit_web_view_get_user_content_manager (web_view);

  webkit_user_content_manager_register_script_message_handler_with_reply (manager, "bytesFloor",
                                                                          NULL);
  g_signal_connect (manager, "script-message-with-reply-received::bytesFloor",
                    G_CALLBACK (bytes_floor_message_cb), NULL);
}

static gsize
status_kb (int         pid,
           const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL) || (line = strstr (status, field)) == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (field), NULL, 10);
}

/* @field ("VmRSS:", "VmHWM:") of this process, in KiB. */
gsize
bench_self_kb (const char *field)
{
  return status_kb (getpid (), field);
}

/* @field of every WebKitWebProcess below this process, summed, in KiB. */
gsize
bench_web_process_kb (const char *field)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  g_autoptr(GHashTable) parent = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) web = g_array_new (FALSE, FALSE, sizeof (int));
  const char *entry;
  gsize total = 0;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", entry, "stat", NULL);
      g_autofree char *stat = NULL;
      char *close_paren;
      int pid = atoi (entry), ppid;
      char state;

      if (pid <= 0 || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      close_paren = strrchr (stat, ')');
      if (close_paren == NULL || sscanf (close_paren + 2, "%c %d", &state, &ppid) != 2)
        continue;
      g_hash_table_insert (parent, GINT_TO_POINTER (pid), GINT_TO_POINTER (ppid));
      if (strstr (stat, "(WebKitWebProces") != NULL)
        g_array_append_val (web, pid);
    }
  for (guint i = 0; i < web->len; i++)
    {
      int pid = g_array_index (web, int, i), p = pid;

      while (p > 1 && p != getpid ())
        p = GPOINTER_TO_INT (g_hash_table_lookup (parent, GINT_TO_POINTER (p)));
      if (p == getpid ())
        total += status_kb (pid, field);
    }
  return total;
}

/* This program's own path, for a benchmark that spawns itself as a child. */
char *
bench_self_path (const char *argv0)
{
  char *self = g_file_read_link ("/proc/self/exe", NULL);

  return self != NULL ? self : g_strdup (argv0);
}

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

/* echo as JSON: over script messages a binary value stays the base64 it
 * came as, where demo_echo_cb() would decode it and encode it again. */
void
bench_echo_json_cb (AtriumCall *call,
                    gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 0);

  atrium_call_return_value (call, arg != NULL ? json_node_ref (arg) : NULL);
}

/* Every process's parent, and which are web processes. */
static void
read_processes (GHashTable *parent,
                GArray     *web)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *entry;

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
      if (web != NULL && strstr (stat, "(WebKitWebProces") != NULL)
        g_array_append_val (web, pid);
    }
}

static gboolean
is_below_self (GHashTable *parent,
               int         pid)
{
  while (pid > 1 && pid != getpid ())
    pid = GPOINTER_TO_INT (g_hash_table_lookup (parent, GINT_TO_POINTER (pid)));
  return pid == getpid ();
}

/* @field of every WebKitWebProcess below this process, summed, in KiB. */
gsize
bench_web_process_kb (const char *field)
{
  g_autoptr(GHashTable) parent = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) web = g_array_new (FALSE, FALSE, sizeof (int));
  gsize total = 0;

  read_processes (parent, web);
  for (guint i = 0; i < web->len; i++)
    if (is_below_self (parent, g_array_index (web, int, i)))
      total += status_kb (g_array_index (web, int, i), field);
  return total;
}

/**
 * bench_process_tree:
 *
 * Returns: (transfer full) (element-type int): this process and every
 *   process below it (WebKit's web, network and GPU processes), for
 *   bench_cpu_ms(); taken before a measurement, not during it
 */
GArray *
bench_process_tree (void)
{
  g_autoptr(GHashTable) parent = g_hash_table_new (NULL, NULL);
  GArray *tree = g_array_new (FALSE, FALSE, sizeof (int));
  GHashTableIter iter;
  gpointer pid;

  read_processes (parent, NULL);
  g_hash_table_iter_init (&iter, parent);
  while (g_hash_table_iter_next (&iter, &pid, NULL))
    {
      int below = GPOINTER_TO_INT (pid);

      if (is_below_self (parent, below))
        g_array_append_val (tree, below);
    }
  return tree;
}

/* The CPU time every thread of @tree has had, in ms: schedstat counts
 * nanoseconds, where /proc's stat counts ticks of 10 ms. CPU time, unlike
 * time on the clock, hardly moves when other work shares the machine. */
double
bench_cpu_ms (GArray *tree)
{
  double total = 0;

  for (guint i = 0; i < tree->len; i++)
    {
      g_autofree char *tasks = g_strdup_printf ("/proc/%d/task", g_array_index (tree, int, i));
      g_autoptr(GDir) dir = g_dir_open (tasks, 0, NULL);
      const char *task;

      while (dir != NULL && (task = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (tasks, task, "schedstat", NULL);
          g_autofree char *text = NULL;

          if (g_file_get_contents (path, &text, NULL, NULL))
            total += g_ascii_strtod (text, NULL) / 1e6;
        }
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

/* Calls on script messages, whatever web process extension is around, unless
 * ATRIUM_TRANSPORT says otherwise: the rows of bench/baseline.json for
 * bench-call, bench-load and bench-bytes were measured on that path, before
 * the extension existed. bench-transport puts both transports side by side. */
void
bench_keep_to_script_messages (void)
{
  if (g_getenv ("ATRIUM_TRANSPORT") == NULL)
    g_setenv ("ATRIUM_TRANSPORT", "script", TRUE);
}

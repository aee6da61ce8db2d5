#include <gtk/gtk.h>

/* A second X client for test-drop: a window titled "atrium-drag-source"
 * whose whole area starts a drag of the files named on the command line
 * (a GdkFileList, offered over XDND as a file manager does), or with
 * --text, of its first argument as plain text. It says on its stderr when
 * its window is ready to be pressed on, and when a drag begins and ends. It
 * stays until killed. */

static GdkContentProvider *content;

static GdkContentProvider *
prepare_cb (GtkDragSource *source,
            double         x,
            double         y,
            gpointer       user_data)
{
  return g_object_ref (content);
}

static void
drag_begin_cb (GtkDragSource *source,
               GdkDrag       *drag,
               gpointer       user_data)
{
  g_printerr ("drag-source: drag began\n");
}

static void
drag_end_cb (GtkDragSource *source,
             GdkDrag       *drag,
             gboolean       delete_data,
             gpointer       user_data)
{
  g_printerr ("drag-source: drag ended\n");
}

/* Laid out and drawn once: a press now lands on the area. Before that
 * the window can already be mapped with its child not yet given a size, and
 * GTK, which handles input before it lays out, then gives the press to the
 * window, not to the drag source: no drag ever begins. */
static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  g_printerr ("drag-source: ready\n");
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, user_data);
}

int
main (int   argc,
      char *argv[])
{
  GtkWidget *window, *area;
  GtkDragSource *source;
  gboolean text = argc > 2 && g_strcmp0 (argv[1], "--text") == 0;

  gtk_init ();
  if (argc < 2)
    return 2;
  if (text)
    content = gdk_content_provider_new_typed (G_TYPE_STRING, argv[2]);
  else
    {
      GSList *files = NULL;

      for (int i = argc - 1; i >= 1; i--)
        files = g_slist_prepend (files, g_file_new_for_path (argv[i]));
      content = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, files);
      g_slist_free_full (files, g_object_unref);
    }

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "atrium-drag-source");
  gtk_window_set_default_size (GTK_WINDOW (window), 200, 200);
  area = gtk_label_new ("drag me");
  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (prepare_cb), NULL);
  g_signal_connect (source, "drag-begin", G_CALLBACK (drag_begin_cb), NULL);
  g_signal_connect (source, "drag-end", G_CALLBACK (drag_end_cb), NULL);
  gtk_widget_add_controller (area, GTK_EVENT_CONTROLLER (source));
  gtk_window_set_child (GTK_WINDOW (window), area);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (after_paint_cb), NULL);

  while (TRUE)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}

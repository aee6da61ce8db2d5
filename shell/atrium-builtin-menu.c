#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Menu"
#include "config.h"

#include "atrium-builtins-private.h"
#include "atrium-builtin-menu-private.h"
#include "atrium-thread-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-menu-template-private.h"
#include "atrium-menu.h"
#include "atrium-window-private.h"

/* atrium.menu and atrium.shortcuts (ATRIUM_BUILTIN_MENU), and the context
 * menu policy, which holds whether the group is on or not.
 *
 * A template (atrium-menu-template.c) becomes a Menu here: a GMenu and a
 * GSimpleActionGroup of one action per item ("i7", by the item's index;
 * one per radio group, "g7" by its first item, whose state is the checked
 * item's action name). The application menu's group is inserted into every
 * window as "atrium-app-menu", a window's own as "atrium-window-menu", a
 * popup's into its popover as "atrium-popup". Each window shows its menu
 * bar (its own menu, else the app's) above the web view, in a box, and
 * handles the menus' accelerators and the page's shortcuts with shortcut
 * controllers of its own in the capture phase, so they work while the web
 * view has the focus; no key is taken that the page did not ask for, so
 * the editing keys stay the text fields'.
 *
 * All of it runs on the main thread. A window's state is its qdata, freed
 * when the window goes (_atrium_builtin_menu_detach()); the app's state is
 * the app's qdata. */

#define SHORTCUTS_MAX 64

typedef struct _Menu Menu;
typedef void (*MenuActivated) (Menu           *menu,
                               AtriumMenuItem *item,
                               gboolean        checked,
                               gpointer        data);

struct _Menu
{
  AtriumMenuTemplate *template;
  GMenu              *model;
  GSimpleActionGroup *actions;
  char               *prefix;     /* the action group's name, "atrium-app-menu" */
  GArray             *places;     /* Place per item index */
  MenuActivated       activated;
  gpointer            data;
};

typedef struct
{
  GMenu *section;   /* borrowed from the Menu's model */
  int    position;
} Place;

typedef struct
{
  AtriumContextMenuPolicy  policy;
  Menu                    *menu;      /* from the page's setApplicationMenu() */
  GMenuModel              *c_model;   /* from atrium_app_set_menu_model() */
} AppMenus;

typedef struct _Popup Popup;

typedef struct
{
  AtriumWindow       *window;     /* owns us */
  GtkWidget          *bar;        /* nullable */
  Menu               *menu;       /* from the page's setMenu() */
  GMenuModel         *c_model;
  GListStore         *accels;     /* GtkShortcut: the menus' accelerators */
  GListStore         *shortcuts;  /* GtkShortcut: atrium.shortcuts, id as "atrium-id" data */
  Popup              *popup;
  /* The context menu WebKit was last about to show, for tests. */
  GArray             *context_actions;  /* WebKitContextMenuAction left, separators out */
  guint               context_serial;
} WindowMenus;

struct _Popup
{
  WindowMenus *wm;
  AtriumCall  *call;       /* answered once, then NULL */
  Menu        *menu;
  GtkWidget   *popover;
  char        *chosen;
  guint        idle;
  gulong       cancelled_id;  /* on the call's cancellable */
};

static guint menu_clicked_signal;
static guint shortcut_signal;

static void update_bar (WindowMenus *wm);
static void focus_page (WindowMenus *wm);
static void update_accels (WindowMenus *wm);

/* --- app and window state --- */

static AppMenus *
app_menus (AtriumApp *app)
{
  return g_object_get_data (G_OBJECT (app), "atrium-menus");
}

static WindowMenus *
window_menus (AtriumWindow *window)
{
  return g_object_get_data (G_OBJECT (window), "atrium-menus");
}

/* --- menus from templates --- */

static gboolean
accel_check (const char *accelerator)
{
  guint key = 0;
  GdkModifierType mods = 0;

  return gtk_accelerator_parse (accelerator, &key, &mods) && key != 0;
}

static void
menu_free (Menu *menu)
{
  if (menu == NULL)
    return;
  g_clear_pointer (&menu->template, _atrium_menu_template_free);
  g_clear_object (&menu->model);
  g_clear_object (&menu->actions);
  g_clear_pointer (&menu->places, g_array_unref);
  g_free (menu->prefix);
  g_free (menu);
}

static char *
action_name (AtriumMenuItem *item)
{
  if (item->type == ATRIUM_MENU_ITEM_RADIO)
    return g_strdup_printf ("g%u", item->radio_first->index);
  return g_strdup_printf ("i%u", item->index);
}

static GMenuItem *
make_item (Menu           *menu,
           AtriumMenuItem *item,
           GMenuModel     *submenu)
{
  g_autofree char *name = action_name (item);
  g_autofree char *detailed = g_strconcat (menu->prefix, ".", name, NULL);
  GMenuItem *gitem = g_menu_item_new (item->label, NULL);

  if (submenu != NULL)
    g_menu_item_set_submenu (gitem, submenu);
  else if (item->type == ATRIUM_MENU_ITEM_RADIO)
    {
      g_autofree char *target = g_strdup_printf ("i%u", item->index);

      g_menu_item_set_action_and_target_value (gitem, detailed, g_variant_new_string (target));
    }
  else
    g_menu_item_set_action_and_target_value (gitem, detailed, NULL);
  if (item->accelerator != NULL)
    g_menu_item_set_attribute (gitem, "accel", "s", item->accelerator);
  return gitem;
}

static AtriumMenuItem *
item_of_action (Menu       *menu,
                const char *name)
{
  guint64 index;

  if (name == NULL || (name[0] != 'i' && name[0] != 'g')
      || !g_ascii_string_to_unsigned (name + 1, 10, 0, G_MAXUINT, &index, NULL)
      || index >= menu->template->flat->len)
    return NULL;
  return g_ptr_array_index (menu->template->flat, index);
}

static void
action_activate_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  Menu *menu = user_data;
  AtriumMenuItem *item = item_of_action (menu, g_action_get_name (G_ACTION (action)));
  gboolean checked = FALSE;

  if (item == NULL)
    return;
  if (item->type == ATRIUM_MENU_ITEM_CHECKBOX)
    {
      g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));

      checked = !g_variant_get_boolean (state);
      item->checked = checked;
      g_simple_action_set_state (action, g_variant_new_boolean (checked));
    }
  else if (item->type == ATRIUM_MENU_ITEM_RADIO)
    {
      if (parameter == NULL || !g_variant_is_of_type (parameter, G_VARIANT_TYPE_STRING))
        return;
      item = item_of_action (menu, g_variant_get_string (parameter, NULL));
      if (item == NULL || item->type != ATRIUM_MENU_ITEM_RADIO)
        return;
      for (guint i = 0; i < menu->template->flat->len; i++)
        {
          AtriumMenuItem *other = g_ptr_array_index (menu->template->flat, i);

          if (other->type == ATRIUM_MENU_ITEM_RADIO && other->radio_first == item->radio_first)
            other->checked = other == item;
        }
      checked = TRUE;
      g_simple_action_set_state (action, parameter);
    }
  menu->activated (menu, item, checked, menu->data);
}

static GMenu *
build_level (Menu      *menu,
             GPtrArray *items,
             gboolean   sections)
{
  GMenu *level = g_menu_new ();
  g_autoptr(GMenu) section = sections ? g_menu_new () : g_object_ref (level);

  if (sections)
    g_menu_append_section (level, NULL, G_MENU_MODEL (section));
  for (guint i = 0; i < items->len; i++)
    {
      AtriumMenuItem *item = g_ptr_array_index (items, i);
      g_autoptr(GMenu) submenu = NULL;
      g_autoptr(GMenuItem) gitem = NULL;
      Place *place = &g_array_index (menu->places, Place, item->index);

      if (item->type == ATRIUM_MENU_ITEM_SEPARATOR)
        {
          /* A separator starts a section; a menu bar has none. */
          if (sections && g_menu_model_get_n_items (G_MENU_MODEL (section)) > 0)
            {
              g_object_unref (section);
              section = g_menu_new ();
              g_menu_append_section (level, NULL, G_MENU_MODEL (section));
            }
          continue;
        }
      if (item->type == ATRIUM_MENU_ITEM_SUBMENU)
        submenu = build_level (menu, item->submenu, TRUE);
      gitem = make_item (menu, item, G_MENU_MODEL (submenu));
      place->section = section;
      place->position = g_menu_model_get_n_items (G_MENU_MODEL (section));
      g_menu_append_item (section, gitem);
    }
  return level;
}

static void
add_actions (Menu *menu)
{
  for (guint i = 0; i < menu->template->flat->len; i++)
    {
      AtriumMenuItem *item = g_ptr_array_index (menu->template->flat, i);
      g_autofree char *name = NULL;
      g_autoptr(GSimpleAction) action = NULL;

      if (item->type == ATRIUM_MENU_ITEM_SEPARATOR || item->type == ATRIUM_MENU_ITEM_SUBMENU
          || (item->type == ATRIUM_MENU_ITEM_RADIO && item->radio_first != item))
        continue;
      name = action_name (item);
      if (item->type == ATRIUM_MENU_ITEM_CHECKBOX)
        action = g_simple_action_new_stateful (name, NULL, g_variant_new_boolean (item->checked));
      else if (item->type == ATRIUM_MENU_ITEM_RADIO)
        {
          g_autofree char *state = NULL;

          for (guint j = i; j < menu->template->flat->len && state == NULL; j++)
            {
              AtriumMenuItem *other = g_ptr_array_index (menu->template->flat, j);

              if (other->type == ATRIUM_MENU_ITEM_RADIO && other->radio_first == item
                  && other->checked)
                state = g_strdup_printf ("i%u", other->index);
            }
          action = g_simple_action_new_stateful (name, G_VARIANT_TYPE_STRING,
                                                 g_variant_new_string (state));
        }
      else
        action = g_simple_action_new (name, NULL);
      g_simple_action_set_enabled (action, item->enabled);
      g_signal_connect (action, "activate", G_CALLBACK (action_activate_cb), menu);
      g_action_map_add_action (G_ACTION_MAP (menu->actions), G_ACTION (action));
    }
}

/* A Menu for @template, which it takes. */
static Menu *
menu_new (AtriumMenuTemplate *template,
          const char         *prefix,
          gboolean            bar,
          MenuActivated       activated,
          gpointer            data)
{
  Menu *menu = g_new0 (Menu, 1);

  menu->template = template;
  menu->prefix = g_strdup (prefix);
  menu->activated = activated;
  menu->data = data;
  menu->places = g_array_new (FALSE, TRUE, sizeof (Place));
  g_array_set_size (menu->places, template->flat->len);
  menu->actions = g_simple_action_group_new ();
  add_actions (menu);
  menu->model = build_level (menu, template->items, !bar);
  return menu;
}

static AtriumMenuTemplate *
parse_arg (AtriumCall *call,
           guint       index)
{
  g_autoptr(GError) error = NULL;
  AtriumMenuTemplate *template = _atrium_menu_template_parse (atrium_call_get_arg (call, index),
                                                              accel_check, &error);

  if (template == NULL)
    atrium_call_return_gerror (call, error);
  return template;
}

/* --- roles and clicks --- */

static void
run_role (AtriumWindow   *window,
          AtriumMenuRole  role)
{
  WebKitWebView *view = atrium_window_get_web_view (window);
  const char *command = NULL;
  double zoom;

  if (view == NULL)
    return;
  zoom = webkit_web_view_get_zoom_level (view);
  switch (role)
    {
    case ATRIUM_MENU_ROLE_NONE:
      return;
    case ATRIUM_MENU_ROLE_UNDO: command = WEBKIT_EDITING_COMMAND_UNDO; break;
    case ATRIUM_MENU_ROLE_REDO: command = WEBKIT_EDITING_COMMAND_REDO; break;
    case ATRIUM_MENU_ROLE_CUT: command = WEBKIT_EDITING_COMMAND_CUT; break;
    case ATRIUM_MENU_ROLE_COPY: command = WEBKIT_EDITING_COMMAND_COPY; break;
    case ATRIUM_MENU_ROLE_PASTE: command = WEBKIT_EDITING_COMMAND_PASTE; break;
    case ATRIUM_MENU_ROLE_SELECT_ALL: command = WEBKIT_EDITING_COMMAND_SELECT_ALL; break;
    case ATRIUM_MENU_ROLE_RELOAD:
      webkit_web_view_reload (view);
      return;
    case ATRIUM_MENU_ROLE_ZOOM_IN:
      webkit_web_view_set_zoom_level (view, MIN (zoom * 1.1, 5.0));
      return;
    case ATRIUM_MENU_ROLE_ZOOM_OUT:
      webkit_web_view_set_zoom_level (view, MAX (zoom / 1.1, 0.25));
      return;
    case ATRIUM_MENU_ROLE_ZOOM_RESET:
      webkit_web_view_set_zoom_level (view, 1.0);
      return;
    case ATRIUM_MENU_ROLE_TOGGLE_FULLSCREEN:
      if (gtk_window_is_fullscreen (GTK_WINDOW (window)))
        gtk_window_unfullscreen (GTK_WINDOW (window));
      else
        gtk_window_fullscreen (GTK_WINDOW (window));
      return;
    case ATRIUM_MENU_ROLE_TOGGLE_DEVTOOLS:
      if (webkit_settings_get_enable_developer_extras (webkit_web_view_get_settings (view)))
        {
          WebKitWebInspector *inspector = webkit_web_view_get_inspector (view);

          if (webkit_web_inspector_get_web_view (inspector) != NULL)
            webkit_web_inspector_close (inspector);
          else
            webkit_web_inspector_show (inspector);
        }
      return;
    case ATRIUM_MENU_ROLE_CLOSE:
      gtk_window_close (GTK_WINDOW (window));
      return;
    case ATRIUM_MENU_ROLE_QUIT:
      if (atrium_window_get_app (window) != NULL)
        g_application_quit (G_APPLICATION (atrium_window_get_app (window)));
      return;
    case ATRIUM_MENU_ROLE_ABOUT:
      gtk_show_about_dialog (GTK_WINDOW (window),
                             "program-name", g_get_application_name (),
                             "modal", TRUE,
                             NULL);
      return;
    }
  webkit_web_view_execute_editing_command (view, command);
}

static void
tell_clicked (AtriumWindow   *window,
              AtriumMenuItem *item,
              gboolean        checked)
{
  AtriumApp *app = atrium_window_get_app (window);
  g_autoptr(JsonNode) data = NULL;
  JsonObject *object;

  if (app == NULL || item->id == NULL)
    return;
  object = json_object_new ();
  json_object_set_string_member (object, "id", item->id);
  json_object_set_boolean_member (object, "checked", checked);
  json_object_set_int_member (object, "windowId", atrium_window_get_id (window));
  data = json_node_init_object (json_node_alloc (), object);
  g_signal_emit (app, menu_clicked_signal, 0, window, item->id, checked);
  if ((atrium_app_get_builtins (app) & ATRIUM_BUILTIN_MENU) != 0)
    _atrium_app_emit_builtin (app, atrium_window_get_id (window), 0, "atrium:menu.clicked", data);
}

static void
window_menu_activated (Menu           *menu,
                       AtriumMenuItem *item,
                       gboolean        checked,
                       gpointer        data)
{
  WindowMenus *wm = data;
  g_autoptr(AtriumWindow) window = g_object_ref (wm->window);

  focus_page (wm);
  run_role (window, item->role);
  tell_clicked (window, item, checked);
}

static void
app_menu_activated (Menu           *menu,
                    AtriumMenuItem *item,
                    gboolean        checked,
                    gpointer        data)
{
  AtriumApp *app = data;
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_autoptr(AtriumWindow) window = NULL;

  /* The menu bar clicked, or the accelerator pressed, is the active
   * window's. */
  if (!ATRIUM_IS_WINDOW (active))
    return;
  window = g_object_ref (ATRIUM_WINDOW (active));
  if (window_menus (window) != NULL)
    focus_page (window_menus (window));
  run_role (window, item->role);
  tell_clicked (window, item, checked);
}

/* --- the menu bar and accelerators of a window --- */

/* GTK leaves the keyboard focus on the bar's item once its menu is done
 * with, where the page's keys (and our shortcuts, when the item is dropped
 * with its bar) would be lost: it goes back to the page. */
static void
focus_page (WindowMenus *wm)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (wm->window));
  WebKitWebView *view = atrium_window_get_web_view (wm->window);

  if (view != NULL && wm->bar != NULL && focus != NULL
      && (focus == wm->bar || gtk_widget_is_ancestor (focus, wm->bar)))
    gtk_widget_grab_focus (GTK_WIDGET (view));
}

static GMenuModel *
bar_model (WindowMenus *wm)
{
  AtriumApp *app = atrium_window_get_app (wm->window);
  AppMenus *am = app != NULL ? app_menus (app) : NULL;

  if (wm->menu != NULL)
    return G_MENU_MODEL (wm->menu->model);
  if (wm->c_model != NULL)
    return wm->c_model;
  if (am != NULL && am->menu != NULL)
    return G_MENU_MODEL (am->menu->model);
  if (am != NULL)
    return am->c_model;
  return NULL;
}

static void
update_bar (WindowMenus *wm)
{
  GMenuModel *model = bar_model (wm);
  GtkWidget *box = gtk_window_get_child (GTK_WINDOW (wm->window));
  AtriumApp *app = atrium_window_get_app (wm->window);
  AppMenus *am = app != NULL ? app_menus (app) : NULL;

  gtk_widget_insert_action_group (GTK_WIDGET (wm->window), "atrium-app-menu",
                                  am != NULL && am->menu != NULL
                                  ? G_ACTION_GROUP (am->menu->actions) : NULL);
  gtk_widget_insert_action_group (GTK_WIDGET (wm->window), "atrium-window-menu",
                                  wm->menu != NULL ? G_ACTION_GROUP (wm->menu->actions) : NULL);
  /* A new bar for a new model: GTK 4.8's bar, handed another model after
   * one of its menus was opened, warns as it drops the old popovers and
   * then loses key presses. */
  if (wm->bar != NULL
      && gtk_popover_menu_bar_get_menu_model (GTK_POPOVER_MENU_BAR (wm->bar)) != model)
    focus_page (wm);
  if (wm->bar != NULL
      && gtk_popover_menu_bar_get_menu_model (GTK_POPOVER_MENU_BAR (wm->bar)) != model)
    gtk_box_remove (GTK_BOX (box), g_steal_pointer (&wm->bar));
  if (model != NULL && wm->bar == NULL)
    {
      wm->bar = gtk_popover_menu_bar_new_from_model (model);
      gtk_box_prepend (GTK_BOX (box), wm->bar);
    }
  update_accels (wm);
}

typedef struct
{
  GActionGroup *actions;
  char         *name;
  GVariant     *target;   /* nullable */
} AccelData;

static void
accel_data_free (gpointer data)
{
  AccelData *ad = data;

  g_object_unref (ad->actions);
  g_free (ad->name);
  g_clear_pointer (&ad->target, g_variant_unref);
  g_free (ad);
}

/* The item's action, straight from its group (which the shortcut keeps),
 * when the window's shortcut controller matches its accelerator. */
static gboolean
accel_fired_cb (GtkWidget *widget,
                GVariant  *args,
                gpointer   user_data)
{
  AccelData *ad = user_data;

  if (!g_action_group_get_action_enabled (ad->actions, ad->name))
    return FALSE;
  g_action_group_activate_action (ad->actions, ad->name, ad->target);
  return TRUE;
}

static void
add_menu_accels (WindowMenus *wm,
                 Menu        *menu)
{
  if (menu == NULL)
    return;
  for (guint i = 0; i < menu->template->flat->len; i++)
    {
      AtriumMenuItem *item = g_ptr_array_index (menu->template->flat, i);
      GtkShortcut *shortcut;
      AccelData *ad;
      guint key;
      GdkModifierType mods;

      if (item->accelerator == NULL || !gtk_accelerator_parse (item->accelerator, &key, &mods))
        continue;
      ad = g_new0 (AccelData, 1);
      ad->actions = g_object_ref (G_ACTION_GROUP (menu->actions));
      ad->name = action_name (item);
      if (item->type == ATRIUM_MENU_ITEM_RADIO)
        ad->target = g_variant_ref_sink (g_variant_new_take_string (
                                           g_strdup_printf ("i%u", item->index)));
      shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (key, mods),
                                   gtk_callback_action_new (accel_fired_cb, ad,
                                                            accel_data_free));
      g_list_store_append (wm->accels, shortcut);
      g_object_unref (shortcut);
    }
}

static void
update_accels (WindowMenus *wm)
{
  AtriumApp *app = atrium_window_get_app (wm->window);
  AppMenus *am = app != NULL ? app_menus (app) : NULL;

  g_list_store_remove_all (wm->accels);
  /* The window's own menu first: where both bind a key, it wins. */
  add_menu_accels (wm, wm->menu);
  if (am != NULL)
    add_menu_accels (wm, am->menu);
}

/* --- context menus --- */

static gboolean
keep_context_action (WebKitContextMenuAction action,
                     gboolean                devtools)
{
  switch (action)
    {
    case WEBKIT_CONTEXT_MENU_ACTION_COPY:
    case WEBKIT_CONTEXT_MENU_ACTION_CUT:
    case WEBKIT_CONTEXT_MENU_ACTION_PASTE:
    case WEBKIT_CONTEXT_MENU_ACTION_PASTE_AS_PLAIN_TEXT:
    case WEBKIT_CONTEXT_MENU_ACTION_DELETE:
    case WEBKIT_CONTEXT_MENU_ACTION_SELECT_ALL:
    case WEBKIT_CONTEXT_MENU_ACTION_INPUT_METHODS:
    case WEBKIT_CONTEXT_MENU_ACTION_UNICODE:
    case WEBKIT_CONTEXT_MENU_ACTION_INSERT_EMOJI:
    case WEBKIT_CONTEXT_MENU_ACTION_SPELLING_GUESS:
    case WEBKIT_CONTEXT_MENU_ACTION_NO_GUESSES_FOUND:
    case WEBKIT_CONTEXT_MENU_ACTION_IGNORE_SPELLING:
    case WEBKIT_CONTEXT_MENU_ACTION_LEARN_SPELLING:
    case WEBKIT_CONTEXT_MENU_ACTION_IGNORE_GRAMMAR:
    case WEBKIT_CONTEXT_MENU_ACTION_FONT_MENU:
    case WEBKIT_CONTEXT_MENU_ACTION_BOLD:
    case WEBKIT_CONTEXT_MENU_ACTION_ITALIC:
    case WEBKIT_CONTEXT_MENU_ACTION_UNDERLINE:
    case WEBKIT_CONTEXT_MENU_ACTION_OUTLINE:
      return TRUE;
    case WEBKIT_CONTEXT_MENU_ACTION_INSPECT_ELEMENT:
      return devtools;
    default:
      return FALSE;
    }
}

static gboolean
on_context_menu_cb (WebKitWebView       *view,
                    WebKitContextMenu   *context_menu,
                    WebKitHitTestResult *hit,
                    gpointer             user_data)
{
  WindowMenus *wm = user_data;
  AtriumApp *app = atrium_window_get_app (wm->window);
  AtriumContextMenuPolicy policy = app != NULL ? atrium_app_get_context_menu_policy (app)
                                               : ATRIUM_CONTEXT_MENU_NONE;
  gboolean devtools = webkit_settings_get_enable_developer_extras (
                        webkit_web_view_get_settings (view));
  g_autoptr(GList) items = NULL;
  gboolean last_separator = TRUE;
  guint kept = 0;

  wm->context_serial++;
  g_array_set_size (wm->context_actions, 0);
  if (policy == ATRIUM_CONTEXT_MENU_DEFAULT)
    {
      for (GList *l = webkit_context_menu_get_items (context_menu); l != NULL; l = l->next)
        if (!webkit_context_menu_item_is_separator (l->data))
          {
            WebKitContextMenuAction action = webkit_context_menu_item_get_stock_action (l->data);

            g_array_append_val (wm->context_actions, action);
          }
      return FALSE;
    }
  if (policy == ATRIUM_CONTEXT_MENU_NONE)
    return TRUE;

  /* A copy of the list: removing items frees them. */
  items = g_list_copy (webkit_context_menu_get_items (context_menu));
  for (GList *l = items; l != NULL; l = l->next)
    {
      WebKitContextMenuItem *item = l->data;

      if (webkit_context_menu_item_is_separator (item))
        {
          /* No separator first, last or twice. */
          if (last_separator)
            webkit_context_menu_remove (context_menu, item);
          last_separator = TRUE;
        }
      else
        {
          WebKitContextMenuAction action = webkit_context_menu_item_get_stock_action (item);

          if (keep_context_action (action, devtools))
            {
              g_array_append_val (wm->context_actions, action);
              kept++;
              last_separator = FALSE;
            }
          else
            webkit_context_menu_remove (context_menu, item);
        }
    }
  if (last_separator && webkit_context_menu_get_n_items (context_menu) > 0)
    webkit_context_menu_remove (context_menu, webkit_context_menu_last (context_menu));
  return kept == 0;
}

/* --- popups --- */

static void
popup_finish (Popup *popup)
{
  WindowMenus *wm = popup->wm;

  g_clear_handle_id (&popup->idle, g_source_remove);
  if (popup->call != NULL)
    {
      g_clear_signal_handler (&popup->cancelled_id, atrium_call_get_cancellable (popup->call));
      if (popup->chosen != NULL)
        _atrium_builtin_return_string (popup->call, popup->chosen);
      else
        _atrium_builtin_return_null (popup->call);
      popup->call = NULL;
    }
  if (wm->popup == popup)
    wm->popup = NULL;
  if (popup->popover != NULL)
    {
      g_signal_handlers_disconnect_by_data (popup->popover, popup);
      /* Down first: an open popover holds the pointer and keyboard grab. */
      gtk_popover_popdown (GTK_POPOVER (popup->popover));
      /* GTK 4.8's tooltip follows the surface the pointer's last event
       * came to, which under the grab was the popover's, and it is not
       * told when that surface goes: a tooltip delay still running (the
       * web view has tooltips) would then fire on a popover without a
       * surface (a critical seen in the soak). A query from the web view
       * puts the tooltip back on the window, whose end GTK does tell it. */
      if (popup->wm->window != NULL && atrium_window_get_web_view (popup->wm->window) != NULL)
        gtk_widget_trigger_tooltip_query (
          GTK_WIDGET (atrium_window_get_web_view (popup->wm->window)));
      gtk_widget_unparent (popup->popover);
      g_clear_object (&popup->popover);
    }
  menu_free (popup->menu);
  g_free (popup->chosen);
  g_free (popup);
}

static gboolean
popup_idle_cb (gpointer data)
{
  Popup *popup = data;

  popup->idle = 0;
  popup_finish (popup);
  return G_SOURCE_REMOVE;
}

static void
popup_closed_cb (GtkPopover *popover,
                 gpointer    data)
{
  Popup *popup = data;

  /* The item clicked may be activated just after the popover closes: the
   * answer waits for the main loop to come round. */
  if (popup->idle == 0)
    popup->idle = g_idle_add (popup_idle_cb, popup);
}

/* The page's p.cancel(), which the bridge hands over on the main thread:
 * the menu goes away as if dismissed. */
static void
popup_cancelled_cb (GCancellable *cancellable,
                    gpointer      data)
{
  Popup *popup = data;

  g_assert (_atrium_is_main_thread ());
  gtk_popover_popdown (GTK_POPOVER (popup->popover));
  if (popup->idle == 0)
    popup->idle = g_idle_add (popup_idle_cb, popup);
}

static void
popup_activated (Menu           *menu,
                 AtriumMenuItem *item,
                 gboolean        checked,
                 gpointer        data)
{
  Popup *popup = data;
  g_autoptr(AtriumWindow) window = g_object_ref (popup->wm->window);

  g_free (popup->chosen);
  popup->chosen = g_strdup (item->id != NULL ? item->id : _atrium_menu_role_to_string (item->role));
  run_role (window, item->role);
  if (popup->idle == 0)
    popup->idle = g_idle_add (popup_idle_cb, popup);
}

static void
popup_cb (AtriumCall *call,
          gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  JsonNode *options = atrium_call_get_arg (call, 1);
  g_autoptr(AtriumMenuTemplate) template = NULL;
  WebKitWebView *view;
  WindowMenus *wm;
  Popup *popup;
  double x = 0, y = 0;
  GdkRectangle rect;

  if (window == NULL || (view = atrium_window_get_web_view (window)) == NULL
      || (wm = window_menus (window)) == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  template = parse_arg (call, 0);
  if (template == NULL)
    return;
  if (template->flat->len == 0)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "A popup menu needs an item");
      return;
    }
  if (options != NULL && !JSON_NODE_HOLDS_NULL (options))
    {
      JsonObject *object;
      g_autoptr(GError) error = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (options))
        {
          atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "The options must be {x, y}");
          return;
        }
      object = json_node_get_object (options);
      if (!_atrium_builtin_node_to_number (json_object_get_member (object, "x"), "x", 0,
                                           ATRIUM_BUILTIN_SIZE_MAX, &x, &error)
          || !_atrium_builtin_node_to_number (json_object_get_member (object, "y"), "y", 0,
                                              ATRIUM_BUILTIN_SIZE_MAX, &y, &error))
        {
          atrium_call_return_gerror (call, error);
          return;
        }
    }

  /* One popup a window: a new one answers the last with null. */
  if (wm->popup != NULL)
    popup_finish (wm->popup);

  popup = g_new0 (Popup, 1);
  popup->wm = wm;
  popup->call = call;
  popup->menu = menu_new (g_steal_pointer (&template), "atrium-popup", FALSE, popup_activated,
                          popup);
  popup->popover = g_object_ref_sink (gtk_popover_menu_new_from_model (
                                        G_MENU_MODEL (popup->menu->model)));
  gtk_widget_insert_action_group (popup->popover, "atrium-popup",
                                  G_ACTION_GROUP (popup->menu->actions));
  gtk_widget_set_parent (popup->popover, GTK_WIDGET (view));
  gtk_popover_set_has_arrow (GTK_POPOVER (popup->popover), FALSE);
  gtk_widget_set_halign (popup->popover, GTK_ALIGN_START);
  gtk_popover_set_position (GTK_POPOVER (popup->popover), GTK_POS_BOTTOM);
  rect = (GdkRectangle) { (int) x, (int) y, 1, 1 };
  gtk_popover_set_pointing_to (GTK_POPOVER (popup->popover), &rect);
  g_signal_connect (popup->popover, "closed", G_CALLBACK (popup_closed_cb), popup);
  wm->popup = popup;
  if (atrium_call_get_cancellable (call) != NULL)
    popup->cancelled_id = g_signal_connect (atrium_call_get_cancellable (call), "cancelled",
                                            G_CALLBACK (popup_cancelled_cb), popup);
  gtk_popover_popup (GTK_POPOVER (popup->popover));
}

/* --- the page's menus --- */

static void
set_application_menu_cb (AtriumCall *call,
                         gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  AtriumApp *app = window != NULL ? atrium_window_get_app (window) : NULL;
  JsonNode *arg = atrium_call_get_arg (call, 0);
  AtriumMenuTemplate *template = NULL;
  AppMenus *am;

  if (app == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  if (arg != NULL && !JSON_NODE_HOLDS_NULL (arg) && (template = parse_arg (call, 0)) == NULL)
    return;
  am = app_menus (app);
  g_clear_pointer (&am->menu, menu_free);
  if (template != NULL)
    am->menu = menu_new (template, "atrium-app-menu", TRUE, app_menu_activated, app);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (ATRIUM_IS_WINDOW (l->data) && window_menus (l->data) != NULL)
      update_bar (window_menus (l->data));
  _atrium_builtin_return_null (call);
}

static void
set_window_menu_cb (AtriumCall *call,
                    gpointer    user_data)
{
  JsonNode *arg = atrium_call_get_arg (call, 1);
  AtriumMenuTemplate *template = NULL;
  AtriumWindow *window;
  WindowMenus *wm;

  if (!_atrium_builtin_arg_window (call, 0, &window))
    return;
  wm = window_menus (window);
  if (wm == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The window is closing");
      return;
    }
  if (arg != NULL && !JSON_NODE_HOLDS_NULL (arg) && (template = parse_arg (call, 1)) == NULL)
    return;
  g_clear_pointer (&wm->menu, menu_free);
  if (template != NULL)
    wm->menu = menu_new (template, "atrium-window-menu", TRUE, window_menu_activated, wm);
  update_bar (wm);
  _atrium_builtin_return_null (call);
}

/* Replaces the GMenuItem of @item where it is, with its new label. */
static void
relabel (Menu           *menu,
         AtriumMenuItem *item)
{
  Place *place = &g_array_index (menu->places, Place, item->index);
  g_autoptr(GMenuModel) submenu = NULL;
  g_autoptr(GMenuItem) gitem = NULL;

  if (place->section == NULL)
    return;
  submenu = g_menu_model_get_item_link (G_MENU_MODEL (place->section), place->position,
                                        G_MENU_LINK_SUBMENU);
  gitem = make_item (menu, item, submenu);
  g_menu_remove (place->section, place->position);
  g_menu_insert_item (place->section, place->position, gitem);
}

static void
update_cb (AtriumCall *call,
           gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  AtriumApp *app = window != NULL ? atrium_window_get_app (window) : NULL;
  JsonNode *changes = atrium_call_get_arg (call, 1);
  WindowMenus *wm = window != NULL ? window_menus (window) : NULL;
  AtriumMenuItem *item = NULL;
  Menu *menu = NULL;
  JsonObject *object;
  JsonNode *member;
  const char *id, *label = NULL;
  gboolean enabled = TRUE, checked = FALSE, set_enabled, set_checked;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  GAction *action;

  if (!_atrium_builtin_arg_string (call, 0, "The item id", ATRIUM_MENU_ID_MAX, &id))
    return;
  if (app == NULL || wm == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  if (changes == NULL || !JSON_NODE_HOLDS_OBJECT (changes))
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "The changes must be {label, enabled, checked}");
      return;
    }
  object = json_node_get_object (changes);
  if ((member = json_object_get_member (object, "label")) != NULL
      && !_atrium_builtin_node_to_string (member, "label", ATRIUM_MENU_LABEL_MAX, &label, &error))
    goto bad;
  set_enabled = (member = json_object_get_member (object, "enabled")) != NULL;
  if (set_enabled && !_atrium_builtin_node_to_bool (member, "enabled", &enabled, &error))
    goto bad;
  set_checked = (member = json_object_get_member (object, "checked")) != NULL;
  if (set_checked && !_atrium_builtin_node_to_bool (member, "checked", &checked, &error))
    goto bad;

  /* The window's own menu, then the app's. */
  if (wm->menu != NULL && (item = _atrium_menu_template_lookup (wm->menu->template, id)) != NULL)
    menu = wm->menu;
  else if (app_menus (app)->menu != NULL
           && (item = _atrium_menu_template_lookup (app_menus (app)->menu->template, id)) != NULL)
    menu = app_menus (app)->menu;
  if (item == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "No menu item has this id");
      return;
    }
  if (set_checked && item->type != ATRIUM_MENU_ITEM_CHECKBOX
      && item->type != ATRIUM_MENU_ITEM_RADIO)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "Only checkbox and radio items are checked");
      return;
    }
  if (set_checked && item->type == ATRIUM_MENU_ITEM_RADIO && !checked)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "A radio item is unchecked by checking another");
      return;
    }

  name = action_name (item);
  action = g_action_map_lookup_action (G_ACTION_MAP (menu->actions), name);
  if (label != NULL)
    {
      g_free (item->label);
      item->label = g_utf8_make_valid (label, -1);
      relabel (menu, item);
    }
  if (set_enabled && action != NULL)
    {
      item->enabled = enabled;
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
    }
  if (set_checked && action != NULL)
    {
      if (item->type == ATRIUM_MENU_ITEM_CHECKBOX)
        {
          item->checked = checked;
          g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (checked));
        }
      else
        {
          g_autofree char *target = g_strdup_printf ("i%u", item->index);

          for (guint i = 0; i < menu->template->flat->len; i++)
            {
              AtriumMenuItem *other = g_ptr_array_index (menu->template->flat, i);

              if (other->type == ATRIUM_MENU_ITEM_RADIO && other->radio_first == item->radio_first)
                other->checked = other == item;
            }
          g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (target));
        }
    }
  _atrium_builtin_return_null (call);
  return;

bad:
  atrium_call_return_gerror (call, error);
}

/* --- shortcuts --- */

typedef struct
{
  AtriumWindow *window;   /* weak: the shortcut dies with the window's controller */
  char         *id;
} ShortcutData;

static void
shortcut_data_free (gpointer data)
{
  ShortcutData *sd = data;

  g_free (sd->id);
  g_free (sd);
}

static gboolean
shortcut_fired_cb (GtkWidget *widget,
                   GVariant  *args,
                   gpointer   user_data)
{
  ShortcutData *sd = user_data;
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(AtriumWindow) window = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonNode) data = NULL;
  JsonObject *object;

  if (atrium_window_get_app (sd->window) == NULL
      || (atrium_app_get_builtins (atrium_window_get_app (sd->window)) & ATRIUM_BUILTIN_MENU) == 0)
    return FALSE;
  /* A handler may remove the shortcut (and @sd with it) or close the
   * window: what the page is told is held here first. */
  app = g_object_ref (atrium_window_get_app (sd->window));
  window = g_object_ref (sd->window);
  id = g_strdup (sd->id);
  object = json_object_new ();
  json_object_set_string_member (object, "id", id);
  data = json_node_init_object (json_node_alloc (), object);
  g_signal_emit (app, shortcut_signal, 0, window, id);
  _atrium_app_emit_builtin (app, atrium_window_get_id (window), 0, "atrium:shortcut", data);
  return TRUE;
}

static gint
find_shortcut (WindowMenus *wm,
               const char  *id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (wm->shortcuts));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (wm->shortcuts), i);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (shortcut), "atrium-id"), id) == 0)
        return i;
    }
  return -1;
}

static void
shortcut_add_cb (AtriumCall *call,
                 gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  WindowMenus *wm = window != NULL ? window_menus (window) : NULL;
  const char *accelerator, *id;
  guint key = 0, n;
  GdkModifierType mods = 0;
  ShortcutData *sd;
  GtkShortcut *shortcut;
  gint existing;

  if (!_atrium_builtin_arg_string (call, 0, "The accelerator", ATRIUM_MENU_ACCEL_MAX,
                                   &accelerator)
      || !_atrium_builtin_arg_string (call, 1, "The id", ATRIUM_MENU_ID_MAX, &id))
    return;
  if (wm == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  if (*id == '\0')
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "The id must not be empty");
      return;
    }
  if (!gtk_accelerator_parse (accelerator, &key, &mods) || key == 0)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                "Malformed accelerator (write it as '<Control>s')");
      return;
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (wm->shortcuts));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkShortcut) other = g_list_model_get_item (G_LIST_MODEL (wm->shortcuts), i);
      GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (other);

      if (gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == key
          && gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == mods
          && g_strcmp0 (g_object_get_data (G_OBJECT (other), "atrium-id"), id) != 0)
        {
          atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS,
                                    "Another shortcut has this accelerator");
          return;
        }
    }
  existing = find_shortcut (wm, id);
  if (existing < 0 && n >= SHORTCUTS_MAX)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_TOO_LARGE,
                                "A window has at most %d shortcuts", SHORTCUTS_MAX);
      return;
    }
  sd = g_new0 (ShortcutData, 1);
  sd->window = window;
  sd->id = g_strdup (id);
  shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (key, mods),
                               gtk_callback_action_new (shortcut_fired_cb, sd,
                                                        shortcut_data_free));
  g_object_set_data_full (G_OBJECT (shortcut), "atrium-id", g_strdup (id), g_free);
  if (existing >= 0)
    g_list_store_splice (wm->shortcuts, existing, 1, (gpointer *) &shortcut, 1);
  else
    g_list_store_append (wm->shortcuts, shortcut);
  g_object_unref (shortcut);
  _atrium_builtin_return_null (call);
}

static void
shortcut_remove_cb (AtriumCall *call,
                    gpointer    user_data)
{
  AtriumWindow *window = atrium_call_get_window (call);
  WindowMenus *wm = window != NULL ? window_menus (window) : NULL;
  const char *id;
  gint index;

  if (!_atrium_builtin_arg_string (call, 0, "The id", ATRIUM_MENU_ID_MAX, &id))
    return;
  if (wm == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  index = find_shortcut (wm, id);
  if (index >= 0)
    g_list_store_remove (wm->shortcuts, index);
  _atrium_builtin_return_bool (call, index >= 0);
}

static const AtriumBuiltinMethod methods[] = {
  { "menu.popup", popup_cb, ATRIUM_BIND_ASYNC },
  { "menu.set_application_menu", set_application_menu_cb, ATRIUM_BIND_DEFAULT },
  { "menu.set_window_menu", set_window_menu_cb, ATRIUM_BIND_DEFAULT },
  { "menu.update", update_cb, ATRIUM_BIND_DEFAULT },
  { "shortcuts.add", shortcut_add_cb, ATRIUM_BIND_DEFAULT },
  { "shortcuts.remove", shortcut_remove_cb, ATRIUM_BIND_DEFAULT },
};

const AtriumBuiltinGroup _atrium_builtin_menu_group = {
  ATRIUM_BUILTIN_MENU, "atrium.menu", "ATRIUM_BUILTIN_MENU", methods, G_N_ELEMENTS (methods),
};

/* --- attaching --- */

static void
app_menus_free (AppMenus *am)
{
  menu_free (am->menu);
  g_clear_object (&am->c_model);
  g_free (am);
}

void
_atrium_builtin_menu_app_init (AtriumApp *app)
{
  AppMenus *am = g_new0 (AppMenus, 1);

  am->policy = ATRIUM_CONTEXT_MENU_EDITING;
  g_object_set_data_full (G_OBJECT (app), "atrium-menus", am, (GDestroyNotify) app_menus_free);
}

void
_atrium_builtin_menu_class_init (GObjectClass *klass)
{
  /**
   * AtriumApp::menu-clicked:
   * @self: the app
   * @window: the window whose menu (or accelerator) it was
   * @id: the item's id
   * @checked: a checkbox's or radio item's state after the click
   *
   * An item with an id of a menu made from a template
   * (`atrium.menu.setApplicationMenu()`, `atrium.window.setMenu()`) was
   * clicked or its accelerator pressed. Its role, if any, has been done;
   * the page gets the event `atrium:menu.clicked` as well.
   */
  menu_clicked_signal = g_signal_new ("menu-clicked", G_TYPE_FROM_CLASS (klass),
                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                      G_TYPE_NONE, 3, ATRIUM_TYPE_WINDOW, G_TYPE_STRING,
                                      G_TYPE_BOOLEAN);
  /**
   * AtriumApp::shortcut:
   * @self: the app
   * @window: the window that had the focus
   * @id: the shortcut's id, as the page gave it to `atrium.shortcuts.add()`
   *
   * A key a page asked for with `atrium.shortcuts.add()` was pressed while
   * its window had the focus; the page gets the event `atrium:shortcut`
   * as well.
   */
  shortcut_signal = g_signal_new ("shortcut", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 2, ATRIUM_TYPE_WINDOW,
                                  G_TYPE_STRING);
}

static void
window_menus_free (WindowMenus *wm)
{
  g_assert (wm->popup == NULL);
  menu_free (wm->menu);
  g_clear_object (&wm->c_model);
  g_clear_object (&wm->accels);
  g_clear_object (&wm->shortcuts);
  g_clear_pointer (&wm->context_actions, g_array_unref);
  g_free (wm);
}

static GtkEventController *
capture_controller (GListStore *store)
{
  GtkEventController *controller =
    gtk_shortcut_controller_new_for_model (G_LIST_MODEL (store));

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  return controller;
}

/* A window that is asked to close takes its popup down first, while all
 * of it is still there (the signal's handlers run before GTK's, which
 * destroys the window): see popup_finish() for GTK's tooltip. A window
 * destroyed without being asked (gtk_window_destroy()) takes it down as
 * it is unrealized, before its children are. */
static gboolean
window_close_request_cb (GtkWindow   *window,
                         WindowMenus *wm)
{
  if (wm->popup != NULL)
    popup_finish (wm->popup);
  return FALSE;
}

static void
window_unrealize_cb (GtkWidget   *widget,
                     WindowMenus *wm)
{
  if (wm->popup != NULL)
    popup_finish (wm->popup);
}

void
_atrium_builtin_menu_attach (AtriumWindow *window)
{
  WindowMenus *wm = g_new0 (WindowMenus, 1);

  wm->window = window;
  wm->accels = g_list_store_new (GTK_TYPE_SHORTCUT);
  wm->shortcuts = g_list_store_new (GTK_TYPE_SHORTCUT);
  wm->context_actions = g_array_new (FALSE, FALSE, sizeof (WebKitContextMenuAction));
  g_object_set_data_full (G_OBJECT (window), "atrium-menus", wm,
                          (GDestroyNotify) window_menus_free);
  gtk_widget_add_controller (GTK_WIDGET (window), capture_controller (wm->accels));
  gtk_widget_add_controller (GTK_WIDGET (window), capture_controller (wm->shortcuts));
  g_signal_connect (atrium_window_get_web_view (window), "context-menu",
                    G_CALLBACK (on_context_menu_cb), wm);
  g_signal_connect (window, "close-request", G_CALLBACK (window_close_request_cb), wm);
  g_signal_connect (window, "unrealize", G_CALLBACK (window_unrealize_cb), wm);
  update_bar (wm);
}

void
_atrium_builtin_menu_detach (AtriumWindow *window)
{
  WindowMenus *wm = window_menus (window);
  WebKitWebView *view = atrium_window_get_web_view (window);

  if (wm == NULL)
    return;
  if (wm->popup != NULL)
    popup_finish (wm->popup);
  if (view != NULL)
    g_signal_handlers_disconnect_by_data (view, wm);
  g_signal_handlers_disconnect_by_func (window, window_close_request_cb, wm);
  g_signal_handlers_disconnect_by_func (window, window_unrealize_cb, wm);
  g_list_store_remove_all (wm->shortcuts);
  g_list_store_remove_all (wm->accels);
}

GArray *
_atrium_builtin_menu_get_context_actions (AtriumWindow *window,
                                          guint        *serial)
{
  WindowMenus *wm = window_menus (window);

  g_return_val_if_fail (wm != NULL, NULL);
  *serial = wm->context_serial;
  return wm->context_actions;
}

GtkWidget *
_atrium_builtin_menu_get_bar (AtriumWindow *window)
{
  WindowMenus *wm = window_menus (window);

  return wm != NULL ? wm->bar : NULL;
}

GtkWidget *
_atrium_builtin_menu_get_popover (AtriumWindow *window)
{
  WindowMenus *wm = window_menus (window);

  return wm != NULL && wm->popup != NULL ? wm->popup->popover : NULL;
}

/* --- C API --- */

/**
 * atrium_app_set_context_menu_policy:
 * @self: an app
 * @policy: what a right click on a page shows
 *
 * Chooses what is left of WebKit's context menu in the app's windows when
 * a page does not handle `contextmenu` itself. The default,
 * %ATRIUM_CONTEXT_MENU_EDITING, keeps the editing items of text fields and
 * Inspect Element while developer tools are on, and drops Back, Forward,
 * Reload and the items that open links in browser windows. A page that
 * calls `event.preventDefault()` in its `contextmenu` handler shows its own
 * (`atrium.menu.popup()`) whatever the policy.
 */
void
atrium_app_set_context_menu_policy (AtriumApp               *self,
                                    AtriumContextMenuPolicy  policy)
{
  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (policy <= ATRIUM_CONTEXT_MENU_DEFAULT);

  app_menus (self)->policy = policy;
}

/**
 * atrium_app_get_context_menu_policy:
 * @self: an app
 *
 * Returns: what a right click on a page shows
 */
AtriumContextMenuPolicy
atrium_app_get_context_menu_policy (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), ATRIUM_CONTEXT_MENU_EDITING);

  return app_menus (self)->policy;
}

/**
 * atrium_app_set_menu_model:
 * @self: an app
 * @model: (nullable): the menu bar's model, or %NULL for none
 *
 * Shows @model as the menu bar of every window of the app that has no menu
 * of its own, in place of one a page set with
 * `atrium.menu.setApplicationMenu()` (which replaces it in turn). Its
 * items' actions are the app's to add, with the `app.` or `win.` prefix as
 * in any GTK app, and their accelerators with
 * gtk_application_set_accels_for_action().
 */
void
atrium_app_set_menu_model (AtriumApp  *self,
                           GMenuModel *model)
{
  AppMenus *am;

  g_return_if_fail (ATRIUM_IS_APP (self));
  g_return_if_fail (model == NULL || G_IS_MENU_MODEL (model));

  am = app_menus (self);
  g_set_object (&am->c_model, model);
  g_clear_pointer (&am->menu, menu_free);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (ATRIUM_IS_WINDOW (l->data) && window_menus (l->data) != NULL)
      update_bar (window_menus (l->data));
}

/**
 * atrium_window_set_menu_model:
 * @self: a window
 * @model: (nullable): the window's menu bar, or %NULL for the app's
 *
 * Shows @model as @self's menu bar, in place of the app's and of one its
 * page set with `atrium.window.setMenu()` (which replaces it in turn).
 */
void
atrium_window_set_menu_model (AtriumWindow *self,
                              GMenuModel   *model)
{
  WindowMenus *wm;

  g_return_if_fail (ATRIUM_IS_WINDOW (self));
  g_return_if_fail (model == NULL || G_IS_MENU_MODEL (model));

  wm = window_menus (self);
  if (wm == NULL)
    return;
  g_set_object (&wm->c_model, model);
  g_clear_pointer (&wm->menu, menu_free);
  update_bar (wm);
}

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <gdk/x11/gdkx.h>

#include "atrium-builtin-menu-private.h"
#include "atrium-window-private.h"
#include "desktop-harness.h"
#include "test-util.h"
#include "webkit-harness.h"

/* atrium.menu, atrium.shortcuts and the context menu policy through real
 * windows under a real window manager (openbox): right clicks, menu bar
 * clicks, popups and keys come from xdotool, as a user's would. */

static AtriumApp *shared_app;

static AtriumApp *
get_app (void)
{
  if (shared_app == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumAssets) assets =
        atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);

      g_assert_no_error (error);
      shared_app = harness_app_new (assets);
    }
  return shared_app;
}

/* What the body returned, a string unquoted. */
static char *
run_js (AtriumWindow *window,
        const char   *body)
{
  g_autofree char *text = harness_run_js (window, body);
  g_autoptr(JsonNode) node = json_from_string (text, NULL);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_dup_string (node);
  return g_steal_pointer (&text);
}

static void
assert_js (AtriumWindow *window,
           const char   *body,
           const char   *expected)
{
  g_autofree char *text = run_js (window, body);

  g_test_message ("JS %s → %s", body, text);
  g_assert_cmpstr (text, ==, expected);
}

static gulong
xid_of (AtriumWindow *window)
{
  return gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window)));
}

/* A window of its own title, shown and focused, with its page loaded. */
static AtriumWindow *
open_window (const char *title)
{
  AtriumWindow *window = harness_open (get_app (), "/index.html");

  gtk_window_set_title (GTK_WINDOW (window), title);
  desktop_wait_window (title);
  desktop_focus (xid_of (window));
  return window;
}

static void
xdotool (const char * const *argv)
{
  int status = 0;
  g_autofree char *out = desktop_run_tool (argv, &status);

  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

/* Keys to whatever has the keyboard now (a popover included). */
static void
press (const char *key)
{
  const char * const argv[] = { "xdotool", "key", "--clearmodifiers", key, NULL };

  xdotool (argv);
}

/* A click of @button at @x, @y of the window's client area. */
static void
click_at (AtriumWindow *window,
          double        x,
          double        y,
          int           button)
{
  g_autofree char *id = g_strdup_printf ("%lu", xid_of (window));
  g_autofree char *sx = g_strdup_printf ("%d", (int) x);
  g_autofree char *sy = g_strdup_printf ("%d", (int) y);
  g_autofree char *sb = g_strdup_printf ("%d", button);
  const char * const move[] = { "xdotool", "mousemove", "--sync", "--window", id, sx, sy, NULL };
  const char * const click[] = { "xdotool", "click", sb, NULL };

  xdotool (move);
  xdotool (click);
}

typedef struct
{
  AtriumWindow *window;
  guint         serial;
} ContextWait;

static gboolean
context_menu_seen (gpointer data)
{
  ContextWait *wait = data;
  guint serial;

  _atrium_builtin_menu_get_context_actions (wait->window, &serial);
  return serial > wait->serial;
}

static GtkWidget *
webkit_menu (AtriumWindow *window)
{
  GtkWidget *view = GTK_WIDGET (atrium_window_get_web_view (window));

  for (GtkWidget *child = gtk_widget_get_first_child (view); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_POPOVER (child) && gtk_widget_get_mapped (child))
      return child;
  return NULL;
}

static gboolean
webkit_menu_shown (gpointer data)
{
  return webkit_menu (data) != NULL;
}

static gboolean
webkit_menu_gone (gpointer data)
{
  return webkit_menu (data) == NULL;
}

/* Right-clicks at x, y of the page, and returns the stock actions left in
 * WebKit's menu (the menu itself, if any, is closed again). */
static GArray *
right_click (AtriumWindow *window,
             double        x,
             double        y)
{
  ContextWait wait = { window, 0 };
  GArray *actions = _atrium_builtin_menu_get_context_actions (window, &wait.serial);

  click_at (window, x, y, 3);
  harness_wait_for (context_menu_seen, &wait, "WebKit to ask for its context menu");
  actions = _atrium_builtin_menu_get_context_actions (window, &wait.serial);
  /* WebKit shows what is left as a popover of the web view, after the
   * signal: closed again before the next click, which it would take. */
  if (actions->len > 0)
    {
      harness_wait_for (webkit_menu_shown, window, "WebKit's context menu to show");
      press ("Escape");
      harness_wait_for (webkit_menu_gone, window, "WebKit's context menu to close");
    }
  return g_array_copy (actions);
}

static gboolean
has_action (GArray                  *actions,
            WebKitContextMenuAction  action)
{
  for (guint i = 0; i < actions->len; i++)
    if (g_array_index (actions, WebKitContextMenuAction, i) == action)
      return TRUE;
  return FALSE;
}

static gboolean
has_navigation (GArray *actions)
{
  return has_action (actions, WEBKIT_CONTEXT_MENU_ACTION_GO_BACK)
         || has_action (actions, WEBKIT_CONTEXT_MENU_ACTION_GO_FORWARD)
         || has_action (actions, WEBKIT_CONTEXT_MENU_ACTION_RELOAD)
         || has_action (actions, WEBKIT_CONTEXT_MENU_ACTION_STOP)
         || has_action (actions, WEBKIT_CONTEXT_MENU_ACTION_OPEN_LINK_IN_NEW_WINDOW)
         || has_action (actions, WEBKIT_CONTEXT_MENU_ACTION_OPEN_LINK);
}

/* WebKit's navigation items are gone by default, and were there to go:
 * the browser's policy shows them on the same page. A text field keeps its
 * editing items; a link loses its own. */
static void
test_context_menu (void)
{
  AtriumApp *app;
  AtriumWindow *window;
  g_autoptr(GArray) plain = NULL;
  g_autoptr(GArray) browser = NULL;
  g_autoptr(GArray) field = NULL;
  g_autoptr(GArray) link = NULL;
  g_autoptr(GArray) none = NULL;
  gboolean devtools;

  if (!desktop_need_wm ())
    return;
  app = get_app ();
  window = open_window ("menus-context");
  devtools = webkit_settings_get_enable_developer_extras (
               webkit_web_view_get_settings (atrium_window_get_web_view (window)));
  assert_js (window,
             "document.body.insertAdjacentHTML('afterbegin',"
             "  '<input id=\"f\" value=\"hello\" style=\"position:fixed;left:20px;top:200px;"
             "width:200px;height:30px\">"
             "<a id=\"l\" href=\"/index.html\" style=\"position:fixed;left:20px;top:300px\">"
             "a link</a>');"
             "return 'ok';", "ok");

  g_assert_cmpint (atrium_app_get_context_menu_policy (app), ==, ATRIUM_CONTEXT_MENU_EDITING);
  plain = right_click (window, 400, 400);
  g_assert_false (has_navigation (plain));
  g_assert_cmpuint (plain->len, ==, devtools ? 1 : 0);
  g_assert_true (!devtools || has_action (plain, WEBKIT_CONTEXT_MENU_ACTION_INSPECT_ELEMENT));

  link = right_click (window, 30, 305);
  g_assert_false (has_navigation (link));
  g_assert_false (has_action (link, WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD));

  field = right_click (window, 100, 215);
  g_assert_false (has_navigation (field));
  g_assert_true (has_action (field, WEBKIT_CONTEXT_MENU_ACTION_PASTE));
  g_assert_true (has_action (field, WEBKIT_CONTEXT_MENU_ACTION_COPY));
  g_assert_true (has_action (field, WEBKIT_CONTEXT_MENU_ACTION_CUT));
  g_assert_true (has_action (field, WEBKIT_CONTEXT_MENU_ACTION_SELECT_ALL));

  atrium_app_set_context_menu_policy (app, ATRIUM_CONTEXT_MENU_DEFAULT);
  browser = right_click (window, 400, 400);
  g_assert_true (has_navigation (browser));

  atrium_app_set_context_menu_policy (app, ATRIUM_CONTEXT_MENU_NONE);
  none = right_click (window, 100, 215);
  g_assert_cmpuint (none->len, ==, 0);

  atrium_app_set_context_menu_policy (app, ATRIUM_CONTEXT_MENU_EDITING);
  harness_close (window);
}

/* An app of its own with developer tools on (@devtools) or off: a right
 * click on the page and in a text field keeps Inspect Element exactly
 * when they are on. */
static void
context_menu_devtools (gboolean devtools)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  g_autoptr(AtriumApp) app = NULL;
  g_autoptr(GArray) plain = NULL;
  g_autoptr(GArray) field = NULL;
  const char *title = devtools ? "menus-devtools-on" : "menus-devtools-off";
  AtriumWindow *window;

  if (!desktop_need_wm ())
    return;
  if (!devtools && g_getenv ("ATRIUM_DEVTOOLS") != NULL)
    {
      g_test_skip ("ATRIUM_DEVTOOLS is set, which turns developer tools on in every app");
      return;
    }
  g_assert_no_error (error);
  app = harness_app_new (assets);
  atrium_app_set_devtools (app, devtools);
  window = harness_open (app, "/index.html");
  gtk_window_set_title (GTK_WINDOW (window), title);
  desktop_wait_window (title);
  desktop_focus (xid_of (window));
  g_assert_cmpint (webkit_settings_get_enable_developer_extras (
                     webkit_web_view_get_settings (atrium_window_get_web_view (window))),
                   ==, devtools);
  assert_js (window,
             "document.body.insertAdjacentHTML('afterbegin',"
             "  '<input id=\"f\" value=\"hello\" style=\"position:fixed;left:20px;top:200px;"
             "width:200px;height:30px\">');"
             "return 'ok';", "ok");

  plain = right_click (window, 400, 400);
  g_assert_false (has_navigation (plain));
  g_assert_cmpint (has_action (plain, WEBKIT_CONTEXT_MENU_ACTION_INSPECT_ELEMENT), ==, devtools);
  g_assert_cmpuint (plain->len, ==, devtools ? 1 : 0);

  field = right_click (window, 100, 215);
  g_assert_false (has_navigation (field));
  g_assert_true (has_action (field, WEBKIT_CONTEXT_MENU_ACTION_PASTE));
  g_assert_cmpint (has_action (field, WEBKIT_CONTEXT_MENU_ACTION_INSPECT_ELEMENT), ==, devtools);
  harness_close (window);
}

static void
test_context_menu_devtools_on (void)
{
  context_menu_devtools (TRUE);
}

static void
test_context_menu_devtools_off (void)
{
  context_menu_devtools (FALSE);
}

static gboolean
popover_shown (gpointer data)
{
  GtkWidget *popover = _atrium_builtin_menu_get_popover (data);

  return popover != NULL && gtk_widget_get_mapped (popover);
}

static gboolean
popover_gone (gpointer data)
{
  return _atrium_builtin_menu_get_popover (data) == NULL;
}

static const char popup_template[] =
  "[{id: 'first', label: '_First'}, {type: 'separator'},"
  " {id: 'second', label: '_Second'}, {id: 'off', label: '_Off', enabled: false}]";

/* The page's contextmenu handler shows its own menu; the item chosen with
 * the keyboard is the answer, Escape answers null. */
static void
test_popup (void)
{
  AtriumWindow *window;
  g_autofree char *script = NULL;

  if (!desktop_need_wm ())
    return;
  window = open_window ("menus-popup");
  script = g_strdup_printf (
    "window.__answers = [];"
    "document.addEventListener('contextmenu', (e) => {"
    "  e.preventDefault();"
    "  atrium.menu.popup(%s, {x: e.clientX, y: e.clientY})"
    "    .then((v) => window.__answers.push(v), (e) => window.__answers.push('error ' + e.code));"
    "});"
    "return 'ok';", popup_template);
  assert_js (window, script, "ok");

  /* The second item, by its mnemonic (a menu's need no Alt). */
  click_at (window, 200, 150, 3);
  harness_wait_for (popover_shown, window, "the page's popup menu to show");
  press ("s");
  assert_js (window,
             "await new Promise((r) => { const t = () => window.__answers.length ? r() :"
             " setTimeout(t, 10); t(); });"
             "return JSON.stringify(window.__answers);", "[\"second\"]");
  g_assert_null (_atrium_builtin_menu_get_popover (window));

  click_at (window, 250, 200, 3);
  harness_wait_for (popover_shown, window, "the popup menu to show again");
  press ("Escape");
  assert_js (window,
             "await new Promise((r) => { const t = () => window.__answers.length > 1 ? r() :"
             " setTimeout(t, 10); t(); });"
             "return JSON.stringify(window.__answers);", "[\"second\",null]");

  /* WebKit's own menu never showed meanwhile: the page took the event. */
  {
    guint serial;

    _atrium_builtin_menu_get_context_actions (window, &serial);
    g_assert_cmpuint (serial, ==, 0);
  }

  /* p.cancel() takes the menu away. */
  assert_js (window, "window.__p = atrium.menu.popup([{id: 'x', label: 'X'}]);"
             "window.__p.then(() => window.__c = 'resolved', (e) => window.__c = e.code);"
             "return 'ok';", "ok");
  harness_wait_for (popover_shown, window, "a popup to show before it is cancelled");
  assert_js (window, "return String(window.__p.cancel());", "true");
  harness_wait_for (popover_gone, window, "the cancelled popup to go");
  assert_js (window, "return String(window.__c);", "cancelled");

  /* A window asked to close while its popup shows (the window manager's
   * close button, atrium.window.close()) takes it down first, answers
   * null and frees it. */
  assert_js (window, "window.__late = atrium.menu.popup([{id: 'x', label: 'X'}]); return 'ok';",
             "ok");
  harness_wait_for (popover_shown, window, "a popup to show before the window closes");
  g_object_ref (window);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_null (_atrium_builtin_menu_get_popover (window));
  g_assert_false (gtk_widget_get_realized (GTK_WIDGET (window)));
  harness_close (window);   /* what the close left to do */
  g_object_unref (window);
}

typedef struct
{
  guint  count;
  char  *id;
  gboolean checked;
} Clicked;

static void
menu_clicked_cb (AtriumApp    *app,
                 AtriumWindow *window,
                 const char   *id,
                 gboolean      checked,
                 Clicked      *clicked)
{
  clicked->count++;
  g_free (clicked->id);
  clicked->id = g_strdup (id);
  clicked->checked = checked;
}

static gboolean
bar_shown (gpointer data)
{
  GtkWidget *bar = _atrium_builtin_menu_get_bar (data);

  return bar != NULL && gtk_widget_get_mapped (bar) && gtk_widget_get_height (bar) > 0;
}

/* A popover (the open menu) under the bar. */
static gboolean
bar_menu_shown (gpointer data)
{
  for (GtkWidget *item = gtk_widget_get_first_child (data); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    for (GtkWidget *child = gtk_widget_get_first_child (item); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      if (GTK_IS_POPOVER (child) && gtk_widget_get_mapped (child))
        return TRUE;
  return FALSE;
}

static gboolean
clicked_reached (gpointer data)
{
  return ((Clicked *) data)->count > 0;
}

static char *
label_of_first (GtkWidget *bar)
{
  GMenuModel *model = gtk_popover_menu_bar_get_menu_model (GTK_POPOVER_MENU_BAR (bar));
  char *label = NULL;

  g_menu_model_get_item_attribute (model, 0, G_MENU_ATTRIBUTE_LABEL, "s", &label);
  return label;
}

static const char wait_clicks[] =
  "await new Promise((r) => { const t = () => window.__clicks.length >= %d ? r() :"
  " setTimeout(t, 10); t(); });"
  "return JSON.stringify(window.__clicks);";

/* The application menu: a menu bar on the window, clicked with the mouse
 * and the keyboard; accelerators; live updates; bad templates change
 * nothing. */
static void
test_menu_bar (void)
{
  AtriumApp *app;
  AtriumWindow *window;
  Clicked clicked = { 0 };
  GtkWidget *bar, *item;
  graphene_rect_t bounds;
  g_autofree char *label = NULL;
  g_autofree char *wait = NULL;
  gulong handler;
  char expected[256];

  if (!desktop_need_wm ())
    return;
  app = get_app ();
  window = open_window ("menus-bar");
  handler = g_signal_connect (app, "menu-clicked", G_CALLBACK (menu_clicked_cb), &clicked);
  g_assert_null (_atrium_builtin_menu_get_bar (window));
  assert_js (window,
             HARNESS_JS_CODE
             "window.__clicks = [];"
             "atrium.on('atrium:menu.clicked', (d) => window.__clicks.push(d));"
             "return await code(() => atrium.menu.setApplicationMenu(["
             "  {label: 'File', submenu: ["
             "    {id: 'save', label: '_Save', accelerator: '<Control>s'},"
             "    {id: 'dark', label: 'Dark', type: 'checkbox', accelerator: '<Control>d'},"
             "    {type: 'separator'}, {role: 'close'}]},"
             "  {label: 'Edit', submenu: [{role: 'copy'}, {role: 'paste'}]}]));",
             "resolved");
  harness_wait_for (bar_shown, window, "the menu bar to show");
  bar = _atrium_builtin_menu_get_bar (window);
  label = label_of_first (bar);
  g_assert_cmpstr (label, ==, "File");

  /* A window opened after the menu was set gets its bar too. */
  {
    AtriumWindow *second = open_window ("menus-bar-second");
    g_autofree char *second_label = NULL;

    harness_wait_for (bar_shown, second, "the application menu bar on a second window");
    g_assert_true (_atrium_builtin_menu_get_bar (second) != bar);
    second_label = label_of_first (_atrium_builtin_menu_get_bar (second));
    g_assert_cmpstr (second_label, ==, "File");
    harness_close (second);
    desktop_wait_window_gone ("menus-bar-second");
    desktop_focus (xid_of (window));
  }

  /* Click "File" on the bar, then its first item. */
  item = gtk_widget_get_first_child (bar);
  g_assert_nonnull (item);
  g_assert_true (gtk_widget_compute_bounds (item, GTK_WIDGET (window), &bounds));
  click_at (window, bounds.origin.x + bounds.size.width / 2,
            bounds.origin.y + bounds.size.height / 2, 1);
  harness_wait_for (bar_menu_shown, bar, "the File menu to open");
  press ("s");
  harness_wait_for (clicked_reached, &clicked, "the menu bar's Save to be activated");
  g_assert_cmpstr (clicked.id, ==, "save");
  /* The page has the keyboard again, not the bar. */
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (atrium_window_get_web_view (window))));
  g_snprintf (expected, sizeof expected,
              "[{\"id\":\"save\",\"checked\":false,\"windowId\":%u}]",
              atrium_window_get_id (window));
  wait = g_strdup_printf (wait_clicks, 1);
  assert_js (window, wait, expected);

  /* The accelerator, with the focus in the page. */
  clicked.count = 0;
  desktop_key (xid_of (window), "ctrl+d");
  harness_wait_for (clicked_reached, &clicked, "Control+D to activate Dark");
  g_assert_cmpstr (clicked.id, ==, "dark");
  g_assert_true (clicked.checked);
  g_free (wait);
  wait = g_strdup_printf (wait_clicks, 2);
  {
    g_autofree char *text = run_js (window, wait);

    g_assert_nonnull (strstr (text, "{\"id\":\"dark\",\"checked\":true"));
  }

  /* Live updates: the label on the bar, the checkbox's state. */
  assert_js (window,
             HARNESS_JS_CODE
             "return [await code(() => atrium.menu.update('dark', {checked: false,"
             "  label: 'Darker'})),"
             " await code(() => atrium.menu.update('nothing', {label: 'x'})),"
             " await code(() => atrium.menu.update('save', {checked: true})),"
             " await code(() => atrium.menu.update('save', {label: 5})),"
             " await code(() => atrium.menu.update('save', null)),"
             " await code(() => atrium.menu.update('save', {enabled: false}))].join();",
             "resolved,not-found,bad-args,bad-args,bad-args,resolved");
  {
    GMenuModel *model = gtk_popover_menu_bar_get_menu_model (GTK_POPOVER_MENU_BAR (bar));
    g_autoptr(GMenuModel) file = g_menu_model_get_item_link (model, 0, G_MENU_LINK_SUBMENU);
    g_autoptr(GMenuModel) section = g_menu_model_get_item_link (file, 0, G_MENU_LINK_SECTION);
    g_autofree char *dark = NULL;

    g_menu_model_get_item_attribute (section, 1, G_MENU_ATTRIBUTE_LABEL, "s", &dark);
    g_assert_cmpstr (dark, ==, "Darker");
  }
  clicked.count = 0;
  desktop_key (xid_of (window), "ctrl+d");
  harness_wait_for (clicked_reached, &clicked, "Control+D to activate Darker");
  g_assert_true (clicked.checked);   /* it was unchecked by update() */

  /* A disabled item's accelerator does nothing; the one after it does. */
  clicked.count = 0;
  desktop_key (xid_of (window), "ctrl+s");
  desktop_key (xid_of (window), "ctrl+d");
  harness_wait_for (clicked_reached, &clicked, "Control+D after a disabled Control+S");
  g_assert_cmpstr (clicked.id, ==, "dark");
  g_assert_cmpuint (clicked.count, ==, 1);

  /* The window's own menu wins over the app's; null goes back to it. */
  assert_js (window,
             HARNESS_JS_CODE
             "return await code(() => atrium.window.setMenu([{label: 'Mine', submenu: ["
             "  {id: 'mine', label: 'Mine', accelerator: '<Control>d'}]}]));", "resolved");
  g_free (label);
  label = label_of_first (_atrium_builtin_menu_get_bar (window));
  g_assert_cmpstr (label, ==, "Mine");
  clicked.count = 0;
  desktop_key (xid_of (window), "ctrl+d");
  harness_wait_for (clicked_reached, &clicked, "Control+D to activate the window's item");
  g_assert_cmpstr (clicked.id, ==, "mine");
  assert_js (window, HARNESS_JS_CODE "return await code(() => atrium.window.setMenu(null));",
             "resolved");
  g_free (label);
  label = label_of_first (_atrium_builtin_menu_get_bar (window));
  g_assert_cmpstr (label, ==, "File");

  /* Bad templates: bad-args, and the menu bar stays as it was. */
  assert_js (window,
             HARNESS_JS_CODE
             "const big = []; for (let i = 0; i < 10000; i++) big.push({id: 'i' + i, label: 'x'});"
             "let deep = [{id: 'leaf', label: 'Leaf'}];"
             "for (let i = 0; i < 20; i++) deep = [{label: 'M', submenu: deep}];"
             "const bad = [[{id: 'a', label: 'A', type: 'button'}],"
             "  [{id: 'a', label: 'A', role: 'format'}],"
             "  [{id: 'a', label: 'A'}, {id: 'a', label: 'B'}],"
             "  [{id: 'a', label: 'A', accelerator: '<Ctrl>+s+'}],"
             "  big, deep, 'menu', 5, {}];"
             "const out = [];"
             "for (const t of bad) out.push(await code(() => atrium.menu.setApplicationMenu(t)));"
             "for (const t of bad) out.push(await code(() => atrium.window.setMenu(t)));"
             "return out.join();",
             "bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,"
             "bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,bad-args");
  g_free (label);
  label = label_of_first (_atrium_builtin_menu_get_bar (window));
  g_assert_cmpstr (label, ==, "File");

  /* No menu at all: no bar. */
  assert_js (window,
             HARNESS_JS_CODE "return await code(() => atrium.menu.setApplicationMenu(null));",
             "resolved");
  g_assert_null (_atrium_builtin_menu_get_bar (window));

  g_signal_handler_disconnect (app, handler);
  g_free (clicked.id);
  harness_close (window);
}

typedef struct
{
  AtriumWindow *window;
  int           count;
} JsWait;

static gboolean
shortcuts_reached (gpointer data)
{
  JsWait *wait = data;
  g_autofree char *text = run_js (wait->window, "return String(window.__keys.length);");

  return atoi (text) >= wait->count;
}

static void
shortcut_cb (AtriumApp    *app,
             AtriumWindow *window,
             const char   *id,
             GPtrArray    *heard)
{
  g_ptr_array_add (heard, g_strdup_printf ("%u %s", atrium_window_get_id (window), id));
}

static gboolean
all_selected (gpointer data)
{
  g_autofree char *text = run_js (data, "const t = document.getElementById('t');"
                                        "return t.selectionStart + '-' + t.selectionEnd;");

  return g_strcmp0 (text, "0-5") == 0;
}

/* Shortcuts fire while the window has the focus and stop when removed;
 * the editing keys stay the text field's. */
static void
test_shortcuts (void)
{
  AtriumWindow *window;
  JsWait wait;
  g_autoptr(GPtrArray) heard = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *expected = NULL;
  gulong handler;

  if (!desktop_need_wm ())
    return;
  window = open_window ("menus-shortcuts");
  handler = g_signal_connect (get_app (), "shortcut", G_CALLBACK (shortcut_cb), heard);
  assert_js (window,
             HARNESS_JS_CODE
             "window.__keys = [];"
             "atrium.on('atrium:shortcut', (d) => window.__keys.push(d.id));"
             "return [await code(() => atrium.shortcuts.add('<Control>k', 'find')),"
             " await code(() => atrium.shortcuts.add('<Control>j', 'jump')),"
             " await code(() => atrium.shortcuts.add('<Control>k', 'other')),"
             " await code(() => atrium.shortcuts.add('<Contrl>k', 'bad')),"
             " await code(() => atrium.shortcuts.add('', 'bad')),"
             " await code(() => atrium.shortcuts.add('<Control>q', '')),"
             " await code(() => atrium.shortcuts.add(5, 'bad')),"
             " await code(() => atrium.shortcuts.add('<Control>q'))].join();",
             "resolved,resolved,bad-args,bad-args,bad-args,bad-args,bad-args,bad-args");

  desktop_key (xid_of (window), "ctrl+k");
  wait = (JsWait) { window, 1 };
  harness_wait_for (shortcuts_reached, &wait, "Control+K's shortcut event");
  assert_js (window, "return String(await atrium.shortcuts.remove('find'));", "true");
  assert_js (window, "return String(await atrium.shortcuts.remove('find'));", "false");
  /* Removed: Control+K does nothing now, and Control+J still fires. */
  desktop_key (xid_of (window), "ctrl+k");
  desktop_key (xid_of (window), "ctrl+j");
  wait = (JsWait) { window, 2 };
  harness_wait_for (shortcuts_reached, &wait, "Control+J's shortcut event");
  assert_js (window, "return window.__keys.join();", "find,jump");

  /* Control+A in a text field still selects its text. */
  assert_js (window,
             "document.body.insertAdjacentHTML('afterbegin', '<input id=\"t\" value=\"hello\">');"
             "const t = document.getElementById('t'); t.focus(); t.setSelectionRange(0, 0);"
             "return 'ok';", "ok");
  desktop_key (xid_of (window), "ctrl+a");
  /* The key goes to the web process on its own way: wait until the page
   * has it (the selection would stay 0-0 had a shortcut taken it). */
  harness_wait_for (all_selected, window, "Control+A to select the text field's text");
  assert_js (window, "return window.__keys.join();", "find,jump");

  /* C heard the same, with the window. */
  g_signal_handler_disconnect (get_app (), handler);
  g_assert_cmpuint (heard->len, ==, 2);
  expected = g_strdup_printf ("%u find", atrium_window_get_id (window));
  g_assert_cmpstr (g_ptr_array_index (heard, 0), ==, expected);
  g_free (expected);
  expected = g_strdup_printf ("%u jump", atrium_window_get_id (window));
  g_assert_cmpstr (g_ptr_array_index (heard, 1), ==, expected);

  harness_close (window);
}

/* Hostile pages: every argument checked, nothing left behind. */
static void
test_bad_calls (void)
{
  AtriumWindow *window;

  if (!desktop_need_wm ())
    return;
  window = open_window ("menus-bad");
  assert_js (window,
             HARNESS_JS_CODE
             "return [await code(() => atrium.menu.popup([])),"
             " await code(() => atrium.menu.popup([{id: 'a', label: 'A'}], {x: -1, y: 0})),"
             " await code(() => atrium.menu.popup([{id: 'a', label: 'A'}], {x: 'a', y: 0})),"
             " await code(() => atrium.menu.popup([{id: 'a', label: 'A'}], {x: NaN, y: 0})),"
             " await code(() => atrium.menu.popup([{id: 'a', label: 'A'}], {x: 1e9, y: 0})),"
             " await code(() => atrium.menu.popup([{id: 'a', label: 'A'}], 7)),"
             " await code(() => atrium.menu.popup({id: 'a'})),"
             " await code(() => atrium.menu.update(null, {})),"
             " await code(() => atrium.window.get(999999).setMenu([]))].join();",
             "bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,bad-args,not-found");
  g_assert_null (_atrium_builtin_menu_get_popover (window));

  /* 64 shortcuts, then too-large. */
  assert_js (window,
             HARNESS_JS_CODE
             "const mods = ['<Control><Alt>', '<Control><Shift><Alt>', '<Shift><Alt>'];"
             "const out = [];"
             "for (let i = 0; i < 65; i++)"
             "  out.push(await code(() => atrium.shortcuts.add("
             "    mods[Math.floor(i / 26)] + String.fromCharCode(97 + (i % 26)), 's' + i)));"
             "out.push(await code(() => atrium.shortcuts.add('<Control><Alt>a', 's0')));"
             "return out.slice(62).join();",
             "resolved,resolved,too-large,resolved");

  harness_close (window);
}

/* The group off: forbidden, naming the switch; the context menu policy
 * holds all the same. */
static void
test_forbidden (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);
  g_autoptr(AtriumApp) app = harness_app_new (assets);
  AtriumWindow *window;

  atrium_app_set_builtins (app, ATRIUM_BUILTIN_DEFAULT & ~ATRIUM_BUILTIN_MENU);
  window = harness_open (app, "/index.html");
  assert_js (window,
             "try { await atrium.menu.setApplicationMenu([]); return 'resolved'; }"
             "catch (e) { return e.code + ': ' + e.message; }",
             "forbidden: atrium.menu is off: call atrium_app_set_builtins (app, … | "
             "ATRIUM_BUILTIN_MENU)");
  assert_js (window,
             HARNESS_JS_CODE
             "return [await code(() => atrium.shortcuts.add('F2', 'x')),"
             " await code(() => atrium.menu.popup([{id: 'a', label: 'A'}])),"
             " await code(() => atrium.window.setMenu([]))].join();",
             "forbidden,forbidden,forbidden");
  g_assert_null (_atrium_builtin_menu_get_bar (window));
  g_assert_null (_atrium_builtin_menu_get_popover (window));
  harness_close (window);
}

static void
count_activation (GSimpleAction *action,
                  GVariant      *parameter,
                  guint         *count)
{
  (*count)++;
}

static gboolean
count_is_set (gpointer count)
{
  return *(guint *) count > 0;
}

/* A C menu model, in place of the page's. */
static void
test_c_model (void)
{
  AtriumApp *app;
  AtriumWindow *window;
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) file = g_menu_new ();
  g_autofree char *label = NULL;

  if (!desktop_need_wm ())
    return;
  app = get_app ();
  window = open_window ("menus-c");
  g_menu_append (file, "Quit", "app.quit");
  g_menu_append_submenu (menu, "Program", G_MENU_MODEL (file));
  atrium_app_set_menu_model (app, G_MENU_MODEL (menu));
  harness_wait_for (bar_shown, window, "the C menu bar to show");
  label = label_of_first (_atrium_builtin_menu_get_bar (window));
  g_assert_cmpstr (label, ==, "Program");

  /* The window's own model wins over the app's, and a click on its item
   * reaches the item's action. */
  {
    g_autoptr(GMenu) own = g_menu_new ();
    g_autoptr(GMenu) tools = g_menu_new ();
    g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
    g_autoptr(GSimpleAction) hit = g_simple_action_new ("hit", NULL);
    guint hits = 0;
    GtkWidget *bar, *item;
    graphene_rect_t bounds;

    g_signal_connect (hit, "activate", G_CALLBACK (count_activation), &hits);
    g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (hit));
    gtk_widget_insert_action_group (GTK_WIDGET (window), "test", G_ACTION_GROUP (group));
    g_menu_append (tools, "_Hit", "test.hit");
    g_menu_append_submenu (own, "Tools", G_MENU_MODEL (tools));
    atrium_window_set_menu_model (window, G_MENU_MODEL (own));
    harness_wait_for (bar_shown, window, "the window's C menu bar to show");
    bar = _atrium_builtin_menu_get_bar (window);
    g_free (label);
    label = label_of_first (bar);
    g_assert_cmpstr (label, ==, "Tools");

    item = gtk_widget_get_first_child (bar);
    g_assert_nonnull (item);
    g_assert_true (gtk_widget_compute_bounds (item, GTK_WIDGET (window), &bounds));
    click_at (window, bounds.origin.x + bounds.size.width / 2,
              bounds.origin.y + bounds.size.height / 2, 1);
    harness_wait_for (bar_menu_shown, bar, "the Tools menu to open");
    press ("h");
    harness_wait_for (count_is_set, &hits, "the window menu's Hit to reach its action");
    g_assert_cmpuint (hits, ==, 1);

    /* NULL goes back to the app's. */
    atrium_window_set_menu_model (window, NULL);
    harness_wait_for (bar_shown, window, "the app's C menu bar to show again");
    g_free (label);
    label = label_of_first (_atrium_builtin_menu_get_bar (window));
    g_assert_cmpstr (label, ==, "Program");
    gtk_widget_insert_action_group (GTK_WIDGET (window), "test", NULL);
  }

  atrium_app_set_menu_model (app, NULL);
  g_assert_null (_atrium_builtin_menu_get_bar (window));
  harness_close (window);
}

/* --- roles --- */

typedef struct
{
  GdkClipboard *clipboard;
  const char   *wanted;
  gboolean      reading;
  char         *text;
} ClipboardWait;

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  ClipboardWait *wait = data;

  g_free (wait->text);
  wait->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  wait->reading = FALSE;
}

/* Reads the clipboard again and again until it holds @wanted. */
static gboolean
clipboard_holds (gpointer data)
{
  ClipboardWait *wait = data;

  if (wait->reading)
    return FALSE;
  if (g_strcmp0 (wait->text, wait->wanted) == 0)
    return TRUE;
  wait->reading = TRUE;
  gdk_clipboard_read_text_async (wait->clipboard, NULL, clipboard_read_cb, wait);
  return FALSE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return !((ClipboardWait *) data)->reading;
}

static void
wait_clipboard (AtriumWindow *window,
                const char   *wanted,
                const char   *what)
{
  ClipboardWait wait = { gtk_widget_get_clipboard (GTK_WIDGET (window)), wanted, FALSE, NULL };

  harness_wait_for (clipboard_holds, &wait, what);
  /* No read left behind to write into this frame. */
  harness_wait_for (clipboard_read_done, &wait, "the last read of the clipboard to finish");
  g_free (wait.text);
}

static gboolean
zoomed_in (gpointer data)
{
  return webkit_web_view_get_zoom_level (atrium_window_get_web_view (data)) > 1.0;
}

static gboolean
zoom_reset (gpointer data)
{
  return webkit_web_view_get_zoom_level (atrium_window_get_web_view (data)) == 1.0;
}

/* Whether openbox has @window fullscreen (_NET_WM_STATE), as GTK heard. */
static gboolean
wm_fullscreen (AtriumWindow *window)
{
  g_autofree char *id = g_strdup_printf ("%lu", xid_of (window));
  const char * const argv[] = { "xprop", "-id", id, "_NET_WM_STATE", NULL };
  g_autofree char *out = desktop_run_tool (argv, NULL);

  return out != NULL && strstr (out, "_NET_WM_STATE_FULLSCREEN") != NULL;
}

static gboolean
is_fullscreen (gpointer data)
{
  return gtk_window_is_fullscreen (data) && wm_fullscreen (data);
}

static gboolean
is_not_fullscreen (gpointer data)
{
  return !gtk_window_is_fullscreen (data) && !wm_fullscreen (data);
}

static void
load_finished_cb (WebKitWebView   *view,
                  WebKitLoadEvent  event,
                  guint           *loads)
{
  if (event == WEBKIT_LOAD_FINISHED)
    (*loads)++;
}

static gboolean
window_gone (gpointer data)
{
  return g_list_find (gtk_application_get_windows (GTK_APPLICATION (get_app ())), data) == NULL;
}

/* Each role of an application menu does what it says in the window it
 * is pressed in (by its accelerator) or clicked on the menu bar. */
static void
test_roles (void)
{
  AtriumWindow *window;
  HarnessJsWait js = { NULL, NULL };
  GtkWidget *bar, *item;
  graphene_rect_t bounds;
  guint loads = 0;
  gulong handler;

  if (!desktop_need_wm ())
    return;
  window = open_window ("menus-roles");
  js.window = window;
  assert_js (window,
             HARNESS_JS_CODE
             "return await code(() => atrium.menu.setApplicationMenu(["
             "  {label: 'Edit', submenu: ["
             "    {role: 'undo', accelerator: '<Control><Alt>z'},"
             "    {role: 'redo', accelerator: '<Control><Alt>y'},"
             "    {role: 'cut', accelerator: '<Control><Alt>x'},"
             "    {role: 'copy', accelerator: '<Control><Alt>c'},"
             "    {role: 'paste', accelerator: '<Control><Alt>v'},"
             "    {role: 'selectAll', accelerator: '<Control><Alt>a'}]},"
             "  {label: 'View', submenu: ["
             "    {role: 'reload', accelerator: '<Control><Alt>r'},"
             "    {role: 'zoomIn', accelerator: '<Control><Alt>i'},"
             "    {role: 'zoomReset', accelerator: '<Control><Alt>0'},"
             "    {role: 'toggleFullscreen', accelerator: '<Control><Alt>f'}]},"
             "  {label: 'Window', submenu: [{role: 'close'}]}]));",
             "resolved");
  harness_wait_for (bar_shown, window, "the menu bar with the roles to show");

  /* selectAll and copy in one field, paste in another, cut, undo and redo
   * there: each runs its editing command in the field with the focus, as
   * the page's own events say. (What WebKit 2.50 copies under Xvfb never
   * reaches the GDK clipboard, the native Control+C's included, so the
   * copy is seen by its event; a paste takes what C put there.) */
  assert_js (window,
             "document.body.insertAdjacentHTML('afterbegin',"
             "  '<input id=\"a\" value=\"hello world\"><input id=\"b\" value=\"\">');"
             "window.__edits = [];"
             "for (const e of ['copy', 'cut', 'paste'])"
             "  document.addEventListener(e, (ev) => __edits.push(e + ' ' + ev.target.id + ' '"
             "    + (e === 'paste' ? ev.clipboardData.getData('text/plain')"
             "                     : String(window.getSelection()))));"
             "const a = document.getElementById('a'); a.focus(); a.setSelectionRange(0, 0);"
             "return 'ok';", "ok");
  desktop_key (xid_of (window), "ctrl+alt+a");
  js.body = "const a = document.getElementById('a');"
            "return a.selectionStart === 0 && a.selectionEnd === 11;";
  harness_wait_for (harness_js_true, &js, "selectAll to select the field's text");
  desktop_key (xid_of (window), "ctrl+alt+c");
  js.body = "return __edits.join() === 'copy a hello world';";
  harness_wait_for (harness_js_true, &js, "copy to copy the field's selection");

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (window)), "from C");
  wait_clipboard (window, "from C", "C's text on the clipboard");
  assert_js (window, "document.getElementById('b').focus(); return 'ok';", "ok");
  desktop_key (xid_of (window), "ctrl+alt+v");
  js.body = "return document.getElementById('b').value === 'from C';";
  harness_wait_for (harness_js_true, &js, "paste to put the clipboard in the second field");
  assert_js (window, "return __edits.join();", "copy a hello world,paste b from C");

  assert_js (window, "const b = document.getElementById('b'); b.select();"
             "return b.selectionStart + '-' + b.selectionEnd;", "0-6");
  desktop_key (xid_of (window), "ctrl+alt+x");
  js.body = "return document.getElementById('b').value === '';";
  harness_wait_for (harness_js_true, &js, "cut to empty the field");
  assert_js (window, "return __edits.join();",
             "copy a hello world,paste b from C,cut b from C");
  desktop_key (xid_of (window), "ctrl+alt+z");
  js.body = "return document.getElementById('b').value === 'from C';";
  harness_wait_for (harness_js_true, &js, "undo to bring the cut text back");
  desktop_key (xid_of (window), "ctrl+alt+y");
  js.body = "return document.getElementById('b').value === '';";
  harness_wait_for (harness_js_true, &js, "redo to cut it again");

  /* Zoom in, then back to 1. */
  g_assert_cmpfloat (webkit_web_view_get_zoom_level (atrium_window_get_web_view (window)), ==,
                     1.0);
  desktop_key (xid_of (window), "ctrl+alt+i");
  harness_wait_for (zoomed_in, window, "zoomIn to zoom the page in");
  desktop_key (xid_of (window), "ctrl+alt+0");
  harness_wait_for (zoom_reset, window, "zoomReset to bring the zoom back to 1");

  /* Fullscreen, as the window manager has it, and back. */
  g_assert_false (wm_fullscreen (window));
  desktop_key (xid_of (window), "ctrl+alt+f");
  harness_wait_for (is_fullscreen, window, "toggleFullscreen to make the window fullscreen");
  desktop_key (xid_of (window), "ctrl+alt+f");
  harness_wait_for (is_not_fullscreen, window, "toggleFullscreen to leave fullscreen");

  /* Reload: the page loads again, its state gone. */
  assert_js (window, "window.__marker = 'set'; return window.__marker;", "set");
  handler = g_signal_connect (atrium_window_get_web_view (window), "load-changed",
                              G_CALLBACK (load_finished_cb), &loads);
  desktop_key (xid_of (window), "ctrl+alt+r");
  harness_wait_for (count_is_set, &loads, "reload to load the page again");
  g_signal_handler_disconnect (atrium_window_get_web_view (window), handler);
  assert_js (window, "return typeof window.__marker;", "undefined");

  /* Close, clicked on the bar: Window, then _Close by its mnemonic. */
  desktop_focus (xid_of (window));
  bar = _atrium_builtin_menu_get_bar (window);
  item = gtk_widget_get_last_child (bar);
  g_assert_nonnull (item);
  g_assert_true (gtk_widget_compute_bounds (item, GTK_WIDGET (window), &bounds));
  g_object_ref (window);
  click_at (window, bounds.origin.x + bounds.size.width / 2,
            bounds.origin.y + bounds.size.height / 2, 1);
  harness_wait_for (bar_menu_shown, bar, "the Window menu to open");
  press ("c");
  harness_wait_for (window_gone, window, "close to close the window");
  desktop_wait_window_gone ("menus-roles");
  harness_close (window);
  g_object_unref (window);

  /* The app's menu goes, for the tests after. */
  atrium_app_set_menu_model (get_app (), NULL);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  desktop_wm_start ();
  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/menus/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  g_test_add_func ("/atrium/menus/context-menu", test_context_menu);
  g_test_add_func ("/atrium/menus/popup", test_popup);
  g_test_add_func ("/atrium/menus/menu-bar", test_menu_bar);
  g_test_add_func ("/atrium/menus/shortcuts", test_shortcuts);
  g_test_add_func ("/atrium/menus/bad-calls", test_bad_calls);
  g_test_add_func ("/atrium/menus/forbidden", test_forbidden);
  g_test_add_func ("/atrium/menus/c-model", test_c_model);
  g_test_add_func ("/atrium/menus/roles", test_roles);
  g_test_add_func ("/atrium/menus/context-menu-devtools-on", test_context_menu_devtools_on);
  g_test_add_func ("/atrium/menus/context-menu-devtools-off", test_context_menu_devtools_off);

  status = g_test_run ();
  g_clear_object (&shared_app);
  desktop_wm_stop ();
  return status;
}

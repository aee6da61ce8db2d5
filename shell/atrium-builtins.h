#pragma once

#include "atrium-export.h"

#if !defined(ATRIUM_INSIDE) && !defined(ATRIUM_COMPILATION)
# error "Only <atrium.h> can be included directly."
#endif

#include "atrium-app.h"

G_BEGIN_DECLS

/**
 * AtriumBuiltins:
 * @ATRIUM_BUILTIN_NONE: no built-in group: pages call the app's own methods only
 * @ATRIUM_BUILTIN_WINDOW: `atrium.window`: the page's own window and the
 *   app's other windows (title, size, state, opening and closing)
 * @ATRIUM_BUILTIN_THEME: `atrium.theme`: the desktop's light or dark preference
 * @ATRIUM_BUILTIN_DIALOG: `atrium.dialog`: file choosers and message
 *   dialogs, modal to the calling window. Off by default: a chooser's
 *   answer is an absolute path (the user's name, their folders' layout),
 *   which a browser never gives a page, and what the page may then do with
 *   a path is up to the app's own methods; an app that wants it says so
 * @ATRIUM_BUILTIN_SHELL: `atrium.shell`: URLs and files handed to the
 *   desktop (openUrl, openPath, showInFolder, trash). Off by default: it
 *   starts other programs with input of the page's choosing, and moves the
 *   user's files to the trash
 * @ATRIUM_BUILTIN_CLIPBOARD: `atrium.clipboard.writeText`: replaces what the
 *   user copied. Off by default
 * @ATRIUM_BUILTIN_CLIPBOARD_READ: `atrium.clipboard.readText`: hands the
 *   page what the user copied, elsewhere too (a password, say). Off by
 *   default, and apart from writing
 * @ATRIUM_BUILTIN_NOTIFICATION: `atrium.notification`: desktop notifications
 *   through #GNotification (atrium_app_show_notification()). Off by default:
 *   a page could make them say anything, in the app's name, outside its
 *   window. The page's own `Notification` API is not this switch: it goes
 *   by WebKit's permission request
 * @ATRIUM_BUILTIN_PRINT_TO_FILE: `atrium.print.toPdf`: the page written to
 *   a PDF file, without a dialog. Off by default: it writes a file at a
 *   path of the page's choosing
 * @ATRIUM_BUILTIN_STORE: `atrium.store`: the app's settings (atrium_app_get_store())
 * @ATRIUM_BUILTIN_PATH: `atrium.path`: the app's folders and the user's
 * @ATRIUM_BUILTIN_LOG: `atrium.log`: the page's lines into GLib's structured logging
 * @ATRIUM_BUILTIN_APP: `atrium.app`: the app's life on the desktop: the
 *   events `atrium:app.second-instance`, `atrium:app.open-url` and
 *   `atrium:app.open-files` (see atrium_app_set_single_instance() and
 *   atrium_app_register_url_scheme())
 * @ATRIUM_BUILTIN_SCREEN: `atrium.screen`: the monitors, read only
 * @ATRIUM_BUILTIN_PRINT: `atrium.print()` and the page's `window.print()`:
 *   the print dialog, where the user decides whether and where to print
 * @ATRIUM_BUILTIN_AUTOSTART: `atrium.app.setAutostart()` and
 *   `atrium.app.isAutostart()` (see atrium_app_set_autostart()). Off by
 *   default: it writes into the user's configuration, outside the app's
 *   folders, an entry that runs the program at every login
 * @ATRIUM_BUILTIN_TRAY: `atrium.tray`: icons in the desktop's panel
 *   (StatusNotifierItem). Off by default: it shows things outside the
 *   app's windows
 * @ATRIUM_BUILTIN_MENU: `atrium.menu` and `atrium.shortcuts`: the app's
 *   and a window's menu bar, popup menus in the page and keyboard shortcuts,
 *   all within the app's own windows (the context menu policy is apart:
 *   atrium_app_set_context_menu_policy())
 * @ATRIUM_BUILTIN_SECRET: `atrium.secret`: strings kept in the desktop's
 *   keyring (the Secret Service, through libsecret) under the app's id;
 *   `not-supported` where no Secret Service runs. Off by default: a page
 *   (or a script injected into one) could read back what the app stored
 * @ATRIUM_BUILTIN_DEFAULT: the safe set, on unless the app says otherwise:
 *   %ATRIUM_BUILTIN_WINDOW, %ATRIUM_BUILTIN_THEME, %ATRIUM_BUILTIN_STORE,
 *   %ATRIUM_BUILTIN_PATH, %ATRIUM_BUILTIN_LOG, %ATRIUM_BUILTIN_APP,
 *   %ATRIUM_BUILTIN_SCREEN, %ATRIUM_BUILTIN_PRINT and %ATRIUM_BUILTIN_MENU
 * @ATRIUM_BUILTIN_ALL: every group, those of later versions of libatrium included
 *
 * The groups of native API that libatrium binds for the app's pages under
 * reserved `atrium:` method names (see atrium_app_set_builtins()). A call
 * to a group that is off rejects with `forbidden`, and its message names
 * the flag that turns it on.
 */
typedef enum {
  ATRIUM_BUILTIN_NONE    = 0,
  ATRIUM_BUILTIN_WINDOW  = 1 << 0,
  ATRIUM_BUILTIN_THEME   = 1 << 1,
  ATRIUM_BUILTIN_DIALOG  = 1 << 2,
  ATRIUM_BUILTIN_SHELL   = 1 << 3,
  ATRIUM_BUILTIN_CLIPBOARD      = 1 << 4,
  ATRIUM_BUILTIN_CLIPBOARD_READ = 1 << 5,
  ATRIUM_BUILTIN_NOTIFICATION   = 1 << 6,
  ATRIUM_BUILTIN_PRINT_TO_FILE  = 1 << 7,
  /* The store, the paths and the log are safe for every app's pages:
   * the store is the app's own file (bounded, its keys and values checked),
   * the paths are names the app's own code can know anyway, and the log is
   * rate-limited and escaped. None reaches anything outside the app. */
  ATRIUM_BUILTIN_STORE   = 1 << 8,
  ATRIUM_BUILTIN_PATH    = 1 << 9,
  ATRIUM_BUILTIN_LOG     = 1 << 10,
  /* Safe too: the events carry only what the user launched the app with,
   * and only for an app that asked for them (a single instance, a URL
   * scheme, files opened with it). */
  ATRIUM_BUILTIN_APP     = 1 << 11,
  /* The screens are read only and say no more than a page's own `screen`
   * object; the print dialog is the user's to answer, as a browser's is. */
  ATRIUM_BUILTIN_SCREEN  = 1 << 12,
  ATRIUM_BUILTIN_PRINT   = 1 << 13,
  ATRIUM_BUILTIN_AUTOSTART = 1 << 14,
  ATRIUM_BUILTIN_TRAY    = 1 << 15,
  /* Menus are safe too: a menu bar, popups and keys within the app's own
   * windows, whose clicks come back to the app's own page. Their roles do
   * what the page could do already (edit, reload, zoom, close, quit). */
  ATRIUM_BUILTIN_MENU    = 1 << 16,
  ATRIUM_BUILTIN_SECRET  = 1 << 17,
  ATRIUM_BUILTIN_DEFAULT = ATRIUM_BUILTIN_WINDOW | ATRIUM_BUILTIN_THEME | ATRIUM_BUILTIN_STORE
                           | ATRIUM_BUILTIN_PATH | ATRIUM_BUILTIN_LOG | ATRIUM_BUILTIN_APP
                           | ATRIUM_BUILTIN_SCREEN | ATRIUM_BUILTIN_PRINT
                           | ATRIUM_BUILTIN_MENU,
  ATRIUM_BUILTIN_ALL     = 0x7fffffff,
} AtriumBuiltins;

ATRIUM_AVAILABLE_IN_ALL
void            atrium_app_set_builtins  (AtriumApp      *self,
                                          AtriumBuiltins  builtins);
ATRIUM_AVAILABLE_IN_ALL
AtriumBuiltins  atrium_app_get_builtins  (AtriumApp      *self);

G_END_DECLS

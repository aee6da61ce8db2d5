// Types of the Atrium runtime (window.atrium) and of atrium.mjs, which
// exports it. For the app's own methods, with an overload of call() per
// method, generate declarations with `your-app --emit-dts FILE` (every app on
// libatrium accepts it) and import that file instead.

/** The stable code of a rejected call or emit. */
export type AtriumErrorCode =
  | 'not-found' | 'bad-args' | 'failed' | 'cancelled' | 'too-large' | 'forbidden'
  | 'queue-full' | 'not-supported';

/** What a rejected call or emit rejects with. */
export declare class AtriumError extends Error {
  constructor(code: AtriumErrorCode, message: string);
  readonly code: AtriumErrorCode;
}

/** A call in flight: a Promise of the method's result that can be cancelled. */
export interface AtriumCall<T> extends Promise<T> {
  /** Rejects the call at once with code `cancelled` and tells the method;
   *  false if it had already settled. */
  cancel(): boolean;
}

/** The second argument of an event listener. */
export interface AtriumEvent {
  readonly name: string;
  /** The id of the window whose page emitted it; absent when C did. */
  readonly sender?: number;
}

export type AtriumListener<T = any> = (data: T, event: AtriumEvent) => void;

/** Binary values a page can send: C receives their bytes (atrium_call_get_bytes()).
 *  C's bytes reach the page as a Uint8Array. */
export type AtriumBytes = ArrayBuffer | ArrayBufferView | Blob;

/** A Blob a call sends as a stream (atrium.stream(blob)): C reads it as it arrives
 *  (atrium_call_get_stream()), never whole. A method that returns a stream gives a Response. */
export interface AtriumStream {
  readonly __atriumStream: true;
}

// --- built-ins ---
/** A window's content size: what the page sees, in CSS pixels at zoom 1. */
export interface AtriumSize {
  readonly width: number;
  readonly height: number;
}

/** Where a window's frame is on the screen (X11 only). */
export interface AtriumPosition {
  readonly x: number;
  readonly y: number;
}

/** One of the app's windows, as atrium.window.list() describes it. */
export interface AtriumWindowInfo {
  readonly id: number;
  readonly title: string;
  readonly focused: boolean;
  readonly visible: boolean;
}

/** What atrium.window.open() may be given (sizes are 1 to 32767). */
export interface AtriumWindowOptions {
  title?: string;
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  maxWidth?: number;
  maxHeight?: number;
  resizable?: boolean;
  /** No system title bar: the page draws its own, with data-atrium-drag regions. */
  frameless?: boolean;
  transparent?: boolean;
  /** A CSS colour, `transparent` included. */
  background?: string;
  center?: boolean;
  /** Remembers the window's size and state under this name. */
  stateKey?: string;
  hidden?: boolean;
  /** Files dropped from the desktop come as `atrium:window.files-dropped`, with their paths. */
  fileDrop?: boolean;
}

/** Data of the event `atrium:window.files-dropped` (a window opened with fileDrop):
 *  the absolute paths of the local files dropped (at most 1,024) and where, in CSS pixels. */
export interface AtriumWindowFilesDropped {
  readonly paths: string[];
  readonly x: number;
  readonly y: number;
}

/** What an onCloseRequested handler gets. */
export interface AtriumCloseEvent {
  readonly id: number;
  /** Keeps the window open. */
  preventDefault(): void;
}

/** Data of the event `atrium:window.resized`. */
export interface AtriumWindowResized {
  readonly id: number;
  readonly width: number;
  readonly height: number;
}

/** Data of the event `atrium:download.progress` (coalesced: a page that
 *  falls behind gets the latest). `total` is null when the size is unknown. */
export interface AtriumDownloadProgress {
  readonly id: number;
  readonly received: number;
  readonly total: number | null;
}

/** Data of the event `atrium:download.finished`: the file is complete at path. */
export interface AtriumDownloadFinished {
  readonly id: number;
  readonly path: string;
}

/** Data of the event `atrium:download.failed`: refused, cancelled or failed;
 *  no file is left. */
export interface AtriumDownloadFailed {
  readonly id: number;
  readonly message: string;
}

/** Data of the event `atrium:window.state`. */
export interface AtriumWindowState {
  readonly id: number;
  readonly maximized: boolean;
  readonly minimized: boolean;
  readonly fullscreen: boolean;
  readonly focused: boolean;
}

/** The methods on one window: the calling one, or a handle's. */
export interface AtriumWindowMethods {
  /** This window's id. */
  current(): AtriumCall<number>;
  setTitle(title: string): AtriumCall<null>;
  getTitle(): AtriumCall<string>;
  /** The content size, 1 to 32767 pixels each way. */
  setSize(width: number, height: number): AtriumCall<null>;
  getSize(): AtriumCall<AtriumSize>;
  setMinSize(width: number, height: number): AtriumCall<null>;
  setMaxSize(width: number, height: number): AtriumCall<null>;
  setResizable(resizable: boolean): AtriumCall<null>;
  /** X11 only; elsewhere `not-supported`. */
  center(): AtriumCall<null>;
  maximize(): AtriumCall<null>;
  unmaximize(): AtriumCall<null>;
  isMaximized(): AtriumCall<boolean>;
  minimize(): AtriumCall<null>;
  restore(): AtriumCall<null>;
  fullscreen(): AtriumCall<null>;
  unfullscreen(): AtriumCall<null>;
  isFullscreen(): AtriumCall<boolean>;
  isFocused(): AtriumCall<boolean>;
  show(): AtriumCall<null>;
  hide(): AtriumCall<null>;
  focus(): AtriumCall<null>;
  /** Asks to close, as the title bar's close button does (onCloseRequested may veto). */
  close(): AtriumCall<null>;
  /** Closes without asking. */
  destroy(): AtriumCall<null>;
  /** A CSS colour, `transparent` included. */
  setBackgroundColor(color: string): AtriumCall<null>;
  /** 0.25 to 5. */
  setZoom(zoom: number): AtriumCall<null>;
  getZoom(): AtriumCall<number>;
  /** `forbidden` unless the app turned developer tools on. */
  openDevTools(): AtriumCall<null>;
  closeDevTools(): AtriumCall<null>;
  /** X11 only; elsewhere `not-supported`. */
  setPosition(x: number, y: number): AtriumCall<null>;
  /** X11 only; elsewhere `not-supported`. */
  getPosition(): AtriumCall<AtriumPosition>;
  /** X11 only; elsewhere `not-supported`. */
  setAlwaysOnTop(alwaysOnTop: boolean): AtriumCall<null>;
  /** The window's own menu bar (atrium.menu's template); null for the app's. */
  setMenu(template: AtriumMenuItem[] | null): AtriumCall<null>;
}

/** A handle on one of the app's windows; `not-found` once it has closed. */
export interface AtriumWindowHandle extends AtriumWindowMethods {
  readonly id: number;
}

/** atrium.window: the calling window's methods, and the app's windows. */
export interface AtriumWindowGroup extends AtriumWindowMethods {
  list(): AtriumCall<AtriumWindowInfo[]>;
  /** Opens an app page (a path starting with "/"); resolves with the new window's id. */
  open(path: string, options?: AtriumWindowOptions): AtriumCall<number>;
  get(id: number): AtriumWindowHandle;
  /** Asked before this window closes; returns a function that removes the handler. */
  onCloseRequested(handler: (event: AtriumCloseEvent) => void | Promise<void>): () => void;
}

/** atrium.theme: the desktop's light or dark preference (or the app's). */
export interface AtriumThemeGroup {
  get(): AtriumCall<'light' | 'dark'>;
}

/** Data of the event `atrium:theme.changed`. */
export interface AtriumThemeChanged {
  readonly scheme: 'light' | 'dark';
}

/** Data of the event `atrium:app.second-instance`: a second launch of the
 *  single-instance app handed over its arguments (after the program's name;
 *  bytes that are not UTF-8 as U+FFFD) and its working directory. */
export interface AtriumAppSecondInstance {
  readonly args: string[];
  readonly cwd: string | null;
}

/** Data of the event `atrium:app.open-url`: a deep link of a scheme the app
 *  registered (atrium_app_register_url_scheme()). */
export interface AtriumAppOpenUrl {
  readonly url: string;
}

/** Data of the event `atrium:app.open-files`: files opened with the app, as
 *  absolute paths. */
export interface AtriumAppOpenFiles {
  readonly paths: string[];
}

/** atrium.app: the app's life on the desktop. */
export interface AtriumAppGroup {
  /** Starts the app at login (an entry in the user's XDG autostart folder), or no longer;
   *  ATRIUM_BUILTIN_AUTOSTART. `not-supported` inside Flatpak and for an app without an id. */
  setAutostart(enabled: boolean): AtriumCall<null>;
  /** Whether the app starts at login (ATRIUM_BUILTIN_AUTOSTART). */
  isAutostart(): AtriumCall<boolean>;
}

/** What atrium.tray.create() and update() take. */
export interface AtriumTrayOptions {
  /** An icon name of the desktop's theme, such as `mail-unread`, or a PNG
   *  (at most 4 MiB and 1024×1024 pixels). */
  icon?: string | ArrayBuffer | ArrayBufferView | Blob;
  /** At most 1,024 characters. */
  tooltip?: string;
  /** The item's menu, in atrium.menu's template format (roles: `quit` and
   *  `about` only); its clicks are `atrium:menu.clicked` with `trayId`.
   *  null removes it. */
  menu?: AtriumMenuItem[] | null;
}

/** Data of the event `atrium:tray.activate`: the panel's item was clicked. */
export interface AtriumTrayActivate {
  readonly id: number;
}

/** atrium.tray: icons in the desktop's panel (StatusNotifierItem) with their
 *  menus (dbusmenu); `not-supported` where no panel watches for them. At most
 *  16 per app. */
export interface AtriumTrayGroup {
  /** Resolves with the new item's id; needs an icon. */
  create(options: AtriumTrayOptions): AtriumCall<number>;
  update(id: number, options: AtriumTrayOptions): AtriumCall<null>;
  destroy(id: number): AtriumCall<null>;
}

/** atrium.secret: strings kept in the desktop's keyring (the Secret Service) under the
 *  app's id; `not-supported` where no Secret Service runs. Keys are 1 to 256 bytes,
 *  values at most 64 KiB; a page's calls act in the order it made them. */
export interface AtriumSecretGroup {
  set(key: string, value: string): AtriumCall<null>;
  /** The value, or null if there is none. */
  get(key: string): AtriumCall<string | null>;
  /** Whether there was one to delete. */
  delete(key: string): AtriumCall<boolean>;
}

/** A choice of files in a file dialog: glob patterns, MIME types or both. */
export interface AtriumFileFilter {
  name?: string;
  /** Such as `*.png`; at most 64. */
  patterns?: string[];
  /** Such as `image/png` or `image/*`; at most 64. */
  mimeTypes?: string[];
}

/** What atrium.dialog.open() may be given (at most 32 filters). */
export interface AtriumOpenDialogOptions {
  title?: string;
  multiple?: boolean;
  /** Folders, not files. */
  directory?: boolean;
  filters?: AtriumFileFilter[];
  /** An absolute path: the folder to start in, or a file to start with. */
  defaultPath?: string;
}

/** What atrium.dialog.save() may be given. */
export interface AtriumSaveDialogOptions {
  title?: string;
  filters?: AtriumFileFilter[];
  /** An absolute path: the folder to start in, or a file whose folder and name to start with. */
  defaultPath?: string;
  /** A file name, without a folder. */
  defaultName?: string;
}

/** What atrium.dialog.message() may be given (at most 8 buttons). */
export interface AtriumMessageDialogOptions {
  kind?: 'info' | 'warning' | 'error' | 'question';
  title?: string;
  message: string;
  detail?: string;
  /** The labels, in order; `_` marks the mnemonic. One "OK" without. */
  buttons?: string[];
  /** The index of the button Return presses. */
  defaultButton?: number;
  /** The index message() resolves with on Escape or close; -1 without. */
  cancelButton?: number;
}

/** What atrium.dialog.confirm() may be given. */
export interface AtriumConfirmDialogOptions {
  kind?: 'info' | 'warning' | 'error' | 'question';
  title?: string;
  detail?: string;
  okLabel?: string;
  cancelLabel?: string;
}

/** atrium.dialog: native dialogs, modal to the calling window. cancel() closes one;
 *  its window's closing rejects it with `cancelled`. */
export interface AtriumDialogGroup {
  /** The absolute paths chosen, or null if the user cancelled. */
  open(options?: AtriumOpenDialogOptions): AtriumCall<string[] | null>;
  /** The absolute path chosen, or null if the user cancelled. */
  save(options?: AtriumSaveDialogOptions): AtriumCall<string | null>;
  /** The index of the button pressed. */
  message(options: AtriumMessageDialogOptions): AtriumCall<number>;
  /** True for OK, false for Cancel, Escape or close. */
  confirm(message: string, options?: AtriumConfirmDialogOptions): AtriumCall<boolean>;
}

/** atrium.shell: URLs and files handed to the desktop. */
export interface AtriumShellGroup {
  /** http, https, mailto and the schemes C allowed; never javascript:, file: or data:. */
  openUrl(url: string): AtriumCall<null>;
  /** Opens a file with its default application; `not-found` if nothing is there. */
  openPath(path: string): AtriumCall<null>;
  /** Shows a file in the file manager. */
  showInFolder(path: string): AtriumCall<null>;
  /** Moves a file to the trash. */
  trash(path: string): AtriumCall<null>;
}

/** atrium.clipboard: the desktop's clipboard, as text or a PNG image. */
export interface AtriumClipboardGroup {
  /** Replaces what the user copied (ATRIUM_BUILTIN_CLIPBOARD). */
  writeText(text: string): AtriumCall<null>;
  /** What the user copied, or null if it is not text (ATRIUM_BUILTIN_CLIPBOARD_READ). */
  readText(): AtriumCall<string | null>;
  /** Replaces what the user copied with a PNG: at most 32 MiB and 64 megapixels (ATRIUM_BUILTIN_CLIPBOARD). */
  writeImage(png: Uint8Array | ArrayBuffer | Blob): AtriumCall<null>;
  /** What the user copied as a PNG, or null if it is not an image (ATRIUM_BUILTIN_CLIPBOARD_READ). */
  readImage(): AtriumCall<Uint8Array | null>;
}

/** A button on a notification. */
export interface AtriumNotificationAction {
  /** What atrium:notification.action reports: 1 to 64 bytes, not "default". */
  id: string;
  /** 1 to 256 bytes. */
  label: string;
}

/** What atrium.notification.show() may be given. */
export interface AtriumNotificationOptions {
  /** 1 to 256 bytes; one with the same id is replaced. Made up without. */
  id?: string;
  /** 1 to 1024 bytes. */
  title: string;
  /** At most 16 KiB. */
  body?: string;
  /** An icon name ("mail-unread"), an absolute path to an image, or a PNG
   *  as bytes or as a `data:image/png;base64,` URL (at most 256 KiB). */
  icon?: string | ArrayBuffer | ArrayBufferView | Blob;
  /** At most 8. */
  actions?: AtriumNotificationAction[];
}

/** Data of the event `atrium:notification.action`: the user clicked a
 *  button, or (action "default") the notification itself. */
export interface AtriumNotificationActionEvent {
  readonly id: string;
  readonly action: string;
}

/** atrium.notification: the desktop's notifications. The app keeps at most
 *  64 showing; a 65th withdraws the oldest. */
export interface AtriumNotificationGroup {
  /** Resolves with the notification's id. */
  show(options: AtriumNotificationOptions): AtriumCall<string>;
  /** Withdraws it; resolves with whether it was showing. */
  close(id: string): AtriumCall<boolean>;
}

/** A rectangle on the screen, in logical pixels (CSS pixels at zoom 1). */
export interface AtriumRectangle {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One monitor, as atrium.screen describes it. */
export interface AtriumScreen extends AtriumRectangle {
  /** The connector ("HDMI-1"), or the model, or "". */
  readonly name: string;
  /** What panels leave free (X11); elsewhere the whole monitor. */
  readonly workArea: AtriumRectangle;
  /** Device pixels per logical pixel. */
  readonly scale: number;
  /** X11's primary output, or the first monitor. */
  readonly primary: boolean;
}

/** Data of the event `atrium:screen.changed`. */
export interface AtriumScreensChanged {
  readonly screens: AtriumScreen[];
}

/** atrium.screen: the monitors, read only. */
export interface AtriumScreenGroup {
  list(): AtriumCall<AtriumScreen[]>;
  /** The calling window's monitor, or null before it is shown. */
  current(): AtriumCall<AtriumScreen | null>;
}

/** What atrium.print.toPdf() may be given. */
export interface AtriumPdfOptions {
  landscape?: boolean;
  /** GTK's default paper without. */
  paperSize?: 'a3' | 'a4' | 'a5' | 'b5' | 'letter' | 'legal' | 'executive';
}

/** atrium.print(): the print dialog, modal to the calling window; resolves
 *  with true once printed, false if the user cancelled. */
export interface AtriumPrintGroup {
  (): AtriumCall<boolean>;
  /** Writes the page to a PDF at an absolute path, whole or not at all, with
   *  no dialog; resolves once the file is complete. `not-found` for a folder
   *  that does not exist (ATRIUM_BUILTIN_PRINT_TO_FILE). */
  toPdf(path: string, options?: AtriumPdfOptions): AtriumCall<null>;
}

/** atrium.store: the app's settings, JSON values under string keys, kept in
 *  one file and shared by every window. Keys are 1 to 256 bytes; a value is
 *  at most 1 MiB of JSON, nested at most 64 deep; the store at most 4 MiB
 *  (`too-large` past either). */
export interface AtriumStoreGroup {
  /** The key's value, or null if the store has none. */
  get<T = unknown>(key: string): AtriumCall<T | null>;
  set(key: string, value: unknown): AtriumCall<null>;
  /** Resolves with whether the key was there. */
  delete(key: string): AtriumCall<boolean>;
  /** Every key, sorted. */
  keys(): AtriumCall<string[]>;
  clear(): AtriumCall<null>;
}

/** Data of the event `atrium:store.changed`: value null when the key was
 *  deleted; key and value null when the store was cleared. */
export interface AtriumStoreChanged {
  readonly key: string | null;
  readonly value: unknown;
}

/** atrium.path: the app's folders (made on first use) and the user's
 *  (null where the user has none). */
export interface AtriumPathGroup {
  config(): AtriumCall<string>;
  data(): AtriumCall<string>;
  cache(): AtriumCall<string>;
  state(): AtriumCall<string>;
  home(): AtriumCall<string>;
  downloads(): AtriumCall<string | null>;
  documents(): AtriumCall<string | null>;
  pictures(): AtriumCall<string | null>;
  temp(): AtriumCall<string>;
}

/** Fields of a log line: names of letters, digits and _ (a letter first),
 *  plain values; logged as PAGE_NAME. */
export type AtriumLogFields = Record<string, string | number | boolean | null>;

/** atrium.log: lines into GLib's structured logging (the journal or stderr),
 *  with the window id and the page URL; at most 20 a second from all pages. */
export interface AtriumLogGroup {
  debug(message: string, fields?: AtriumLogFields): AtriumCall<null>;
  info(message: string, fields?: AtriumLogFields): AtriumCall<null>;
  warn(message: string, fields?: AtriumLogFields): AtriumCall<null>;
  error(message: string, fields?: AtriumLogFields): AtriumCall<null>;
}

/** One item of a menu template (every menu: the menu bar, a window's, a
 *  popup). Items with an id report clicks; a role does what its name says
 *  (editing commands in the focused page, reload, zoom, fullscreen, close,
 *  quit, about) and needs no id. At most 1000 items, nested at most 16
 *  deep; a bad template is `bad-args` naming the item, and changes nothing. */
export interface AtriumMenuItem {
  id?: string;
  label?: string;
  /** Default: 'submenu' with a submenu, else 'normal'. */
  type?: 'normal' | 'checkbox' | 'radio' | 'separator' | 'submenu';
  /** GTK's format: '<Control>s', '<Control><Shift>z', 'F5'. */
  accelerator?: string;
  enabled?: boolean;
  checked?: boolean;
  /** Radio items: the group's name; one of a group is checked. */
  group?: string;
  role?: 'undo' | 'redo' | 'cut' | 'copy' | 'paste' | 'selectAll' | 'reload' | 'zoomIn' |
    'zoomOut' | 'zoomReset' | 'toggleFullscreen' | 'toggleDevTools' | 'close' | 'quit' | 'about';
  submenu?: AtriumMenuItem[];
}

/** Data of the event `atrium:menu.clicked`. */
export interface AtriumMenuClicked {
  readonly id: string;
  /** A checkbox's or radio item's state after the click; false for others. */
  readonly checked: boolean;
  /** The window whose menu it was; null for a tray item's menu. */
  readonly windowId: number | null;
  /** The tray item whose menu it was (atrium.tray.create()'s id). */
  readonly trayId?: number;
}

/** Data of the event `atrium:shortcut`. */
export interface AtriumShortcutPressed {
  readonly id: string;
}

/** atrium.menu: native menus (ATRIUM_BUILTIN_MENU). */
export interface AtriumMenuGroup {
  /** Shows a menu at x, y of the page (CSS pixels; from a `contextmenu`
   *  handler, say); the id clicked (a role item's role), or null when dismissed. */
  popup(template: AtriumMenuItem[], position?: { x: number; y: number }): AtriumCall<string | null>;
  /** The menu bar of every window without a menu of its own; null removes it. */
  setApplicationMenu(template: AtriumMenuItem[] | null): AtriumCall<null>;
  /** Changes an item of this window's menu, or else of the app's, live. */
  update(id: string, changes: { label?: string; enabled?: boolean; checked?: boolean }): AtriumCall<null>;
}

/** atrium.shortcuts: keys of this window without a menu item, active while
 *  it has the focus (at most 64); each press is the event `atrium:shortcut`. */
export interface AtriumShortcutsGroup {
  /** GTK's format: '<Control>k'. Adding an id again replaces its key. */
  add(accelerator: string, id: string): AtriumCall<null>;
  /** Whether there was a shortcut of that id. */
  remove(id: string): AtriumCall<boolean>;
}
// --- end built-ins ---

export interface AtriumRuntime {
  /** Calls the C method bound as `method` with these arguments (JSON values). */
  call<T = unknown>(method: string, ...args: unknown[]): AtriumCall<T>;
  /** What a launch hands the app: a second launch of a single instance, a
   *  deep link, files opened with it. What came before a page listened goes
   *  to the first page that listens, in order; on unless the app turned
   *  ATRIUM_BUILTIN_APP off. */
  on(name: 'atrium:app.second-instance', fn: AtriumListener<AtriumAppSecondInstance>): () => void;
  on(name: 'atrium:app.open-url', fn: AtriumListener<AtriumAppOpenUrl>): () => void;
  on(name: 'atrium:app.open-files', fn: AtriumListener<AtriumAppOpenFiles>): () => void;
  /** Files dropped on this window, if it allows it (fileDrop). */
  on(name: 'atrium:window.files-dropped', fn: AtriumListener<AtriumWindowFilesDropped>): () => void;
  on(name: 'atrium:tray.activate', fn: AtriumListener<AtriumTrayActivate>): () => void;
  on(name: 'atrium:menu.clicked', fn: AtriumListener<AtriumMenuClicked>): () => void;
  on(name: 'atrium:shortcut', fn: AtriumListener<AtriumShortcutPressed>): () => void;
  /** A notification's button or body clicked (atrium.notification). */
  on(name: 'atrium:notification.action', fn: AtriumListener<AtriumNotificationActionEvent>): () => void;
  /** A download this page started: how far it got, then done or failed. */
  on(name: 'atrium:download.progress', fn: AtriumListener<AtriumDownloadProgress>): () => void;
  on(name: 'atrium:download.finished', fn: AtriumListener<AtriumDownloadFinished>): () => void;
  on(name: 'atrium:download.failed', fn: AtriumListener<AtriumDownloadFailed>): () => void;
  /** Monitors added, removed or changed (atrium.screen). */
  on(name: 'atrium:screen.changed', fn: AtriumListener<AtriumScreensChanged>): () => void;
  /** Calls fn for every event of that name (libatrium's own, such as
   *  `atrium:window.resized`, included); returns a function that removes it. */
  on<T = any>(name: string, fn: AtriumListener<T>): () => void;
  once(name: 'atrium:app.second-instance', fn: AtriumListener<AtriumAppSecondInstance>): () => void;
  once(name: 'atrium:app.open-url', fn: AtriumListener<AtriumAppOpenUrl>): () => void;
  once(name: 'atrium:app.open-files', fn: AtriumListener<AtriumAppOpenFiles>): () => void;
  once(name: 'atrium:window.files-dropped', fn: AtriumListener<AtriumWindowFilesDropped>): () => void;
  once(name: 'atrium:tray.activate', fn: AtriumListener<AtriumTrayActivate>): () => void;
  once(name: 'atrium:menu.clicked', fn: AtriumListener<AtriumMenuClicked>): () => void;
  once(name: 'atrium:shortcut', fn: AtriumListener<AtriumShortcutPressed>): () => void;
  once(name: 'atrium:notification.action', fn: AtriumListener<AtriumNotificationActionEvent>): () => void;
  once(name: 'atrium:download.progress', fn: AtriumListener<AtriumDownloadProgress>): () => void;
  once(name: 'atrium:download.finished', fn: AtriumListener<AtriumDownloadFinished>): () => void;
  once(name: 'atrium:download.failed', fn: AtriumListener<AtriumDownloadFailed>): () => void;
  once(name: 'atrium:screen.changed', fn: AtriumListener<AtriumScreensChanged>): () => void;
  /** Calls fn for the next event of that name only. */
  once<T = any>(name: string, fn: AtriumListener<T>): () => void;
  /** Removes fn, or every listener of the name. */
  off(name: string, fn?: AtriumListener): void;
  /** Sends an event to the app's C listeners; resolves once C has it. */
  emit(name: string, data?: unknown): Promise<void>;
  /** Wraps a Blob or File for a call to send as a stream, not read whole first. */
  stream(blob: Blob): AtriumStream;
  readonly AtriumError: typeof AtriumError;
  /** The app's windows; on unless the app turned ATRIUM_BUILTIN_WINDOW off. */
  readonly window: AtriumWindowGroup;
  /** The colour scheme; on unless the app turned ATRIUM_BUILTIN_THEME off. */
  readonly theme: AtriumThemeGroup;
  /** Native dialogs; off unless the app turned ATRIUM_BUILTIN_DIALOG on. */
  readonly dialog: AtriumDialogGroup;
  /** URLs and files to the desktop; off unless the app turned ATRIUM_BUILTIN_SHELL on. */
  readonly shell: AtriumShellGroup;
  /** The clipboard; off unless the app turned ATRIUM_BUILTIN_CLIPBOARD (and _READ) on. */
  readonly clipboard: AtriumClipboardGroup;
  /** Notifications; off unless the app turned ATRIUM_BUILTIN_NOTIFICATION on. */
  readonly notification: AtriumNotificationGroup;
  /** The monitors; on unless the app turned ATRIUM_BUILTIN_SCREEN off. */
  readonly screen: AtriumScreenGroup;
  /** The print dialog (ATRIUM_BUILTIN_PRINT, on by default) and toPdf
   *  (ATRIUM_BUILTIN_PRINT_TO_FILE, off by default). */
  readonly print: AtriumPrintGroup;
  /** Tray icons; off unless the app turned ATRIUM_BUILTIN_TRAY on. */
  readonly tray: AtriumTrayGroup;
  /** The keyring; off unless the app turned ATRIUM_BUILTIN_SECRET on. */
  readonly secret: AtriumSecretGroup;
  /** The app on the desktop: autostart, off unless the app turned ATRIUM_BUILTIN_AUTOSTART on. */
  readonly app: AtriumAppGroup;
  /** The settings store; on unless the app turned ATRIUM_BUILTIN_STORE off. */
  readonly store: AtriumStoreGroup;
  /** Folders; on unless the app turned ATRIUM_BUILTIN_PATH off. */
  readonly path: AtriumPathGroup;
  /** Logging; on unless the app turned ATRIUM_BUILTIN_LOG off. */
  readonly log: AtriumLogGroup;
  /** Menus; on unless the app turned ATRIUM_BUILTIN_MENU off. */
  readonly menu: AtriumMenuGroup;
  /** Keyboard shortcuts; on unless the app turned ATRIUM_BUILTIN_MENU off. */
  readonly shortcuts: AtriumShortcutsGroup;
}

export declare const atrium: AtriumRuntime;
export declare const call: AtriumRuntime['call'];
export declare const on: AtriumRuntime['on'];
export declare const once: AtriumRuntime['once'];
export declare const off: AtriumRuntime['off'];
export declare const emit: AtriumRuntime['emit'];
export declare const stream: AtriumRuntime['stream'];
export default atrium;

declare global {
  interface Window {
    /** Injected by libatrium into the app's pages before their scripts run. */
    readonly atrium: AtriumRuntime;
    /** A page may set this; `atrium --screenshot` waits for it to settle. */
    atriumReady?: Promise<unknown>;
  }
}

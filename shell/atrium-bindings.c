#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-bindings-private.h"
#include "atrium-error.h"

#include <string.h>

#include <gio/gio.h>

/* Typed bindings: method signatures written in TypeScript's own notation,
 * checked just enough that what --emit-dts and --emit-js write is always
 * one well-formed line per method, and the two generators. */

#define EXAMPLE_SIGNATURE "(a: number, b: number) => number"

/* What a signature's `bytes` stands for in a parameter; in a result, and
 * wherever C sends bytes, the page gets a Uint8Array. The installed
 * atrium.d.ts declares the same. */
#define ATRIUM_BYTES_DTS \
  "/** Binary values a page can send: C receives their bytes (atrium_call_get_bytes()).\n" \
  " *  C's bytes reach the page as a Uint8Array. */\n" \
  "export type AtriumBytes = ArrayBuffer | ArrayBufferView | Blob;\n" \
  "\n" \
  "/** A Blob a call sends as a stream (atrium.stream(blob)): C reads it as it arrives\n" \
  " *  (atrium_call_get_stream()), never whole. A method that returns a stream gives a Response. */\n" \
  "export interface AtriumStream {\n" \
  "  readonly __atriumStream: true;\n" \
  "}\n"
#define MAX_NESTING 64

static gboolean
signature_error (GError     **error,
                 const char  *signature,
                 const char  *why)
{
  g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
               "“%s” is not a signature like “" EXAMPLE_SIGNATURE "”: %s", signature, why);
  return FALSE;
}

static AtriumSignature *
parse_error (GError     **error,
             const char  *signature,
             const char  *why)
{
  signature_error (error, signature, why);
  return NULL;
}

/* Whether @text holds a character that would end a line, or another control
 * character, in the generated files. */
static gboolean
has_line_breaks (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029)
        return TRUE;
    }
  return FALSE;
}

/* Scans [@p, @end) of @signature for @stop outside strings and brackets;
 * *@found is where it is, or @end. Fails on unbalanced brackets, an
 * unterminated string or a comment (which would swallow the rest of a
 * generated line). An arrow's ">" is not a bracket. */
static gboolean
scan (const char  *signature,
      const char  *p,
      const char  *end,
      char         stop,
      const char **found,
      GError     **error)
{
  char closers[MAX_NESTING];
  guint depth = 0;

  for (; p < end; p++)
    {
      char c = *p;

      if (c == '\'' || c == '"' || c == '`')
        {
          for (p++; p < end && *p != c; p++)
            if (*p == '\\' && p + 1 < end)
              p++;
          if (p == end)
            return signature_error (error, signature, "a string is not closed");
          continue;
        }
      if (c == '/' && p + 1 < end && (p[1] == '/' || p[1] == '*'))
        return signature_error (error, signature, "it holds a comment");
      if (depth == 0 && c == stop)
        {
          *found = p;
          return TRUE;
        }

      switch (c)
        {
        case '(': case '[': case '{': case '<':
          if (depth == MAX_NESTING)
            return signature_error (error, signature, "its brackets nest too deeply");
          closers[depth++] = c == '(' ? ')' : c == '[' ? ']' : c == '{' ? '}' : '>';
          break;
        case '>':
          if (p > signature && p[-1] == '=')
            break;
          G_GNUC_FALLTHROUGH;
        case ')': case ']': case '}':
          if (depth == 0 || closers[depth - 1] != c)
            return signature_error (error, signature, "its brackets do not match");
          depth--;
          break;
        default:
          break;
        }
    }

  if (depth != 0)
    return signature_error (error, signature, "its brackets do not match");
  *found = end;
  return TRUE;
}

static const char *
skip_spaces (const char *p,
             const char *end)
{
  while (p < end && g_ascii_isspace (*p))
    p++;
  return p;
}

static const char *
trim_end (const char *start,
          const char *end)
{
  while (end > start && g_ascii_isspace (end[-1]))
    end--;
  return end;
}

static gboolean
is_identifier_start (char c)
{
  return g_ascii_isalpha (c) || c == '_' || c == '$';
}

static gboolean
is_identifier_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '$';
}

/* One parameter: `name: type`, `name?: type` or `...name: type[]`. */
static gboolean
check_param (const char  *signature,
             const char  *p,
             const char  *end,
             GError     **error)
{
  p = skip_spaces (p, end);
  end = trim_end (p, end);
  if (p == end)
    return signature_error (error, signature, "a parameter is empty");
  if (end - p >= 3 && strncmp (p, "...", 3) == 0)
    p += 3;
  if (!is_identifier_start (*p))
    return signature_error (error, signature, "a parameter has no name");
  while (p < end && is_identifier_char (*p))
    p++;
  if (p < end && *p == '?')
    p++;
  p = skip_spaces (p, end);
  if (p == end || *p != ':')
    return signature_error (error, signature, "every parameter needs a type (“name: type”)");
  p = skip_spaces (p + 1, end);
  if (p == end)
    return signature_error (error, signature, "a parameter's type is empty");
  return TRUE;
}

/* Copies [@p, @end) with each @word written as @type: `bytes`, the
 * signature's word for binary values, or `stream`. Only where it is a type:
 * not in a string, not a name (a parameter's or a member's, which `:` or
 * `?:` follows) and not a member of something else (after a dot). */
static char *
replace_word (const char *p,
              const char *end,
              const char *the_word,
              const char *type)
{
  gsize word_length = strlen (the_word);
  GString *out = g_string_sized_new (end - p + 16);
  const char *begin = p, *start = p;

  while (p < end)
    {
      const char *word, *after, *before;
      char c = *p;

      if (c == '\'' || c == '"' || c == '`')
        {
          for (p++; p < end && *p != c; p++)
            if (*p == '\\' && p + 1 < end)
              p++;
          p = MIN (p + 1, end);
          continue;
        }
      if (!is_identifier_start (c) || (p > begin && is_identifier_char (p[-1])))
        {
          p++;
          continue;
        }

      word = p;
      while (p < end && is_identifier_char (*p))
        p++;
      if ((gsize) (p - word) != word_length || strncmp (word, the_word, word_length) != 0)
        continue;
      after = skip_spaces (p, end);
      before = word;
      while (before > begin && g_ascii_isspace (before[-1]))
        before--;
      if ((after < end && (*after == ':' || *after == '?'))
          || (before > begin && before[-1] == '.'))
        continue;

      g_string_append_len (out, start, word - start);
      g_string_append (out, type);
      start = p;
    }

  g_string_append_len (out, start, end - start);
  return g_string_free (out, FALSE);
}

/**
 * _atrium_signature_parse:
 * @signature: TypeScript's arrow notation, `(a: number, b: number) => number`
 * @doc: (nullable): one line describing the method
 *
 * Returns: (transfer full) (nullable): the signature, or %NULL with @error
 *   set to %ATRIUM_ERROR_BAD_ARGS
 */
AtriumSignature *
_atrium_signature_parse (const char  *signature,
                         const char  *doc,
                         GError     **error)
{
  g_autoptr(AtriumSignature) result = NULL;
  const char *start, *end, *close, *arrow, *p;

  if (signature == NULL || !g_utf8_validate (signature, -1, NULL))
    return parse_error (error, "", "it is not UTF-8 text");
  if (has_line_breaks (signature))
    return parse_error (error, signature, "it must be one line");
  if (doc != NULL && (!g_utf8_validate (doc, -1, NULL) || has_line_breaks (doc)))
    {
      g_set_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS,
                   "The doc of “%s” must be one line of UTF-8 text", signature);
      return NULL;
    }

  end = signature + strlen (signature);
  start = skip_spaces (signature, end);
  end = trim_end (start, end);
  if (start == end || *start != '(')
    return parse_error (error, signature, "it does not start with “(”");
  if (!scan (signature, start + 1, end, ')', &close, error))
    return NULL;
  if (close == end)
    return parse_error (error, signature, "its “(” is not closed");

  arrow = skip_spaces (close + 1, end);
  if (end - arrow < 2 || strncmp (arrow, "=>", 2) != 0)
    return parse_error (error, signature, "“=> type” does not follow the parameters");
  p = skip_spaces (arrow + 2, end);
  if (p == end)
    return parse_error (error, signature, "the result type is empty");
  if (!scan (signature, p, end, '\0', &p, error))
    return NULL;

  /* Each parameter, up to each comma outside brackets. */
  if (skip_spaces (start + 1, close) != close)
    {
      const char *param = start + 1;

      while (TRUE)
        {
          const char *comma;

          if (!scan (signature, param, close, ',', &comma, error)
              || !check_param (signature, param, comma, error))
            return NULL;
          if (comma == close)
            break;
          param = comma + 1;
        }
    }

  /* `bytes` is binary values: whatever the page may send as bytes in a
   * parameter, the Uint8Array it receives in a result. A `stream` result
   * (atrium_call_return_stream()) is a Response. */
  result = g_new0 (AtriumSignature, 1);
  p = skip_spaces (start + 1, close);
  {
    g_autofree char *bytes = replace_word (p, trim_end (p, close), "bytes", "AtriumBytes");

    result->params = replace_word (bytes, bytes + strlen (bytes), "stream",
                                   "AtriumStream | AtriumBytes");
  }
  p = skip_spaces (arrow + 2, end);
  {
    g_autofree char *bytes = replace_word (p, end, "bytes", "Uint8Array");

    result->result = replace_word (bytes, bytes + strlen (bytes), "stream", "Response");
  }
  if (doc != NULL)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (doc));

      if (stripped[0] != '\0')
        result->doc = g_steal_pointer (&stripped);
    }
  return g_steal_pointer (&result);
}

/* --- generation --- */

static gboolean
is_identifier (const char *text)
{
  if (!is_identifier_start (text[0]))
    return FALSE;
  for (const char *p = text + 1; *p != '\0'; p++)
    if (!is_identifier_char (*p))
      return FALSE;
  return TRUE;
}

/* Names that a module cannot declare with `export const`, and those the
 * generated module declares itself. */
static gboolean
is_exportable (const char *key)
{
  static const char * const taken[] = {
    "arguments", "await", "break", "case", "catch", "class", "const", "continue", "debugger",
    "default", "delete", "do", "else", "enum", "eval", "export", "extends", "false", "finally",
    "for", "function", "if", "implements", "import", "in", "instanceof", "interface", "let",
    "new", "null", "package", "private", "protected", "public", "return", "static", "super",
    "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
    /* The module's own exports. */
    "atrium", "call", "on", "once", "off", "emit", "stream", "AtriumError", "methods",
  };

  if (!is_identifier (key))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (taken); i++)
    if (strcmp (key, taken[i]) == 0)
      return FALSE;
  return TRUE;
}

/* A JavaScript (and TypeScript) string literal for any UTF-8 text. */
static void
append_string (GString    *out,
               const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", (char) c);
      else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  g_string_append_c (out, '"');
}

static void
append_key (GString    *out,
            const char *key)
{
  if (is_identifier (key))
    g_string_append (out, key);
  else
    append_string (out, key);
}

/* A doc comment; the text cannot end it early. */
static void
append_doc (GString    *out,
            guint       indent,
            const char *doc)
{
  g_autoptr(GString) text = NULL;

  if (doc == NULL)
    return;
  text = g_string_new (doc);
  g_string_replace (text, "*/", "*\\/", 0);
  g_string_append_printf (out, "%*s/** %s */\n", indent, "", text->str);
}

/* The declarations of libatrium's built-ins, the same as in the installed
 * atrium.d.ts between its "built-ins" markers (test-bindings checks). */
const char _atrium_bindings_builtins_dts[] =
  "/** A window's content size: what the page sees, in CSS pixels at zoom 1. */\n"
  "export interface AtriumSize {\n"
  "  readonly width: number;\n"
  "  readonly height: number;\n"
  "}\n"
  "\n"
  "/** Where a window's frame is on the screen (X11 only). */\n"
  "export interface AtriumPosition {\n"
  "  readonly x: number;\n"
  "  readonly y: number;\n"
  "}\n"
  "\n"
  "/** One of the app's windows, as atrium.window.list() describes it. */\n"
  "export interface AtriumWindowInfo {\n"
  "  readonly id: number;\n"
  "  readonly title: string;\n"
  "  readonly focused: boolean;\n"
  "  readonly visible: boolean;\n"
  "}\n"
  "\n"
  "/** What atrium.window.open() may be given (sizes are 1 to 32767). */\n"
  "export interface AtriumWindowOptions {\n"
  "  title?: string;\n"
  "  width?: number;\n"
  "  height?: number;\n"
  "  minWidth?: number;\n"
  "  minHeight?: number;\n"
  "  maxWidth?: number;\n"
  "  maxHeight?: number;\n"
  "  resizable?: boolean;\n"
  "  /** No system title bar: the page draws its own, with data-atrium-drag regions. */\n"
  "  frameless?: boolean;\n"
  "  transparent?: boolean;\n"
  "  /** A CSS colour, `transparent` included. */\n"
  "  background?: string;\n"
  "  center?: boolean;\n"
  "  /** Remembers the window's size and state under this name. */\n"
  "  stateKey?: string;\n"
  "  hidden?: boolean;\n"
  "  /** Files dropped from the desktop come as `atrium:window.files-dropped`, with their paths. */\n"
  "  fileDrop?: boolean;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:window.files-dropped` (a window opened with fileDrop):\n"
  " *  the absolute paths of the local files dropped (at most 1,024) and where, in CSS pixels. */\n"
  "export interface AtriumWindowFilesDropped {\n"
  "  readonly paths: string[];\n"
  "  readonly x: number;\n"
  "  readonly y: number;\n"
  "}\n"
  "\n"
  "/** What an onCloseRequested handler gets. */\n"
  "export interface AtriumCloseEvent {\n"
  "  readonly id: number;\n"
  "  /** Keeps the window open. */\n"
  "  preventDefault(): void;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:window.resized`. */\n"
  "export interface AtriumWindowResized {\n"
  "  readonly id: number;\n"
  "  readonly width: number;\n"
  "  readonly height: number;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:download.progress` (coalesced: a page that\n"
  " *  falls behind gets the latest). `total` is null when the size is unknown. */\n"
  "export interface AtriumDownloadProgress {\n"
  "  readonly id: number;\n"
  "  readonly received: number;\n"
  "  readonly total: number | null;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:download.finished`: the file is complete at path. */\n"
  "export interface AtriumDownloadFinished {\n"
  "  readonly id: number;\n"
  "  readonly path: string;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:download.failed`: refused, cancelled or failed;\n"
  " *  no file is left. */\n"
  "export interface AtriumDownloadFailed {\n"
  "  readonly id: number;\n"
  "  readonly message: string;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:window.state`. */\n"
  "export interface AtriumWindowState {\n"
  "  readonly id: number;\n"
  "  readonly maximized: boolean;\n"
  "  readonly minimized: boolean;\n"
  "  readonly fullscreen: boolean;\n"
  "  readonly focused: boolean;\n"
  "}\n"
  "\n"
  "/** The methods on one window: the calling one, or a handle's. */\n"
  "export interface AtriumWindowMethods {\n"
  "  /** This window's id. */\n"
  "  current(): AtriumCall<number>;\n"
  "  setTitle(title: string): AtriumCall<null>;\n"
  "  getTitle(): AtriumCall<string>;\n"
  "  /** The content size, 1 to 32767 pixels each way. */\n"
  "  setSize(width: number, height: number): AtriumCall<null>;\n"
  "  getSize(): AtriumCall<AtriumSize>;\n"
  "  setMinSize(width: number, height: number): AtriumCall<null>;\n"
  "  setMaxSize(width: number, height: number): AtriumCall<null>;\n"
  "  setResizable(resizable: boolean): AtriumCall<null>;\n"
  "  /** X11 only; elsewhere `not-supported`. */\n"
  "  center(): AtriumCall<null>;\n"
  "  maximize(): AtriumCall<null>;\n"
  "  unmaximize(): AtriumCall<null>;\n"
  "  isMaximized(): AtriumCall<boolean>;\n"
  "  minimize(): AtriumCall<null>;\n"
  "  restore(): AtriumCall<null>;\n"
  "  fullscreen(): AtriumCall<null>;\n"
  "  unfullscreen(): AtriumCall<null>;\n"
  "  isFullscreen(): AtriumCall<boolean>;\n"
  "  isFocused(): AtriumCall<boolean>;\n"
  "  show(): AtriumCall<null>;\n"
  "  hide(): AtriumCall<null>;\n"
  "  focus(): AtriumCall<null>;\n"
  "  /** Asks to close, as the title bar's close button does (onCloseRequested may veto). */\n"
  "  close(): AtriumCall<null>;\n"
  "  /** Closes without asking. */\n"
  "  destroy(): AtriumCall<null>;\n"
  "  /** A CSS colour, `transparent` included. */\n"
  "  setBackgroundColor(color: string): AtriumCall<null>;\n"
  "  /** 0.25 to 5. */\n"
  "  setZoom(zoom: number): AtriumCall<null>;\n"
  "  getZoom(): AtriumCall<number>;\n"
  "  /** `forbidden` unless the app turned developer tools on. */\n"
  "  openDevTools(): AtriumCall<null>;\n"
  "  closeDevTools(): AtriumCall<null>;\n"
  "  /** X11 only; elsewhere `not-supported`. */\n"
  "  setPosition(x: number, y: number): AtriumCall<null>;\n"
  "  /** X11 only; elsewhere `not-supported`. */\n"
  "  getPosition(): AtriumCall<AtriumPosition>;\n"
  "  /** X11 only; elsewhere `not-supported`. */\n"
  "  setAlwaysOnTop(alwaysOnTop: boolean): AtriumCall<null>;\n"
  "  /** The window's own menu bar (atrium.menu's template); null for the app's. */\n"
  "  setMenu(template: AtriumMenuItem[] | null): AtriumCall<null>;\n"
  "}\n"
  "\n"
  "/** A handle on one of the app's windows; `not-found` once it has closed. */\n"
  "export interface AtriumWindowHandle extends AtriumWindowMethods {\n"
  "  readonly id: number;\n"
  "}\n"
  "\n"
  "/** atrium.window: the calling window's methods, and the app's windows. */\n"
  "export interface AtriumWindowGroup extends AtriumWindowMethods {\n"
  "  list(): AtriumCall<AtriumWindowInfo[]>;\n"
  "  /** Opens an app page (a path starting with \"/\"); resolves with the new window's id. */\n"
  "  open(path: string, options?: AtriumWindowOptions): AtriumCall<number>;\n"
  "  get(id: number): AtriumWindowHandle;\n"
  "  /** Asked before this window closes; returns a function that removes the handler. */\n"
  "  onCloseRequested(handler: (event: AtriumCloseEvent) => void | Promise<void>): () => void;\n"
  "}\n"
  "\n"
  "/** atrium.theme: the desktop's light or dark preference (or the app's). */\n"
  "export interface AtriumThemeGroup {\n"
  "  get(): AtriumCall<'light' | 'dark'>;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:theme.changed`. */\n"
  "export interface AtriumThemeChanged {\n"
  "  readonly scheme: 'light' | 'dark';\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:app.second-instance`: a second launch of the\n"
  " *  single-instance app handed over its arguments (after the program's name;\n"
  " *  bytes that are not UTF-8 as U+FFFD) and its working directory. */\n"
  "export interface AtriumAppSecondInstance {\n"
  "  readonly args: string[];\n"
  "  readonly cwd: string | null;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:app.open-url`: a deep link of a scheme the app\n"
  " *  registered (atrium_app_register_url_scheme()). */\n"
  "export interface AtriumAppOpenUrl {\n"
  "  readonly url: string;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:app.open-files`: files opened with the app, as\n"
  " *  absolute paths. */\n"
  "export interface AtriumAppOpenFiles {\n"
  "  readonly paths: string[];\n"
  "}\n"
  "\n"
  "/** atrium.app: the app's life on the desktop. */\n"
  "export interface AtriumAppGroup {\n"
  "  /** Starts the app at login (an entry in the user's XDG autostart folder), or no longer;\n"
  "   *  ATRIUM_BUILTIN_AUTOSTART. `not-supported` inside Flatpak and for an app without an id. */\n"
  "  setAutostart(enabled: boolean): AtriumCall<null>;\n"
  "  /** Whether the app starts at login (ATRIUM_BUILTIN_AUTOSTART). */\n"
  "  isAutostart(): AtriumCall<boolean>;\n"
  "}\n"
  "\n"
  "/** What atrium.tray.create() and update() take. */\n"
  "export interface AtriumTrayOptions {\n"
  "  /** An icon name of the desktop's theme, such as `mail-unread`, or a PNG\n"
  "   *  (at most 4 MiB and 1024×1024 pixels). */\n"
  "  icon?: string | ArrayBuffer | ArrayBufferView | Blob;\n"
  "  /** At most 1,024 characters. */\n"
  "  tooltip?: string;\n"
  "  /** The item's menu, in atrium.menu's template format (roles: `quit` and\n"
  "   *  `about` only); its clicks are `atrium:menu.clicked` with `trayId`.\n"
  "   *  null removes it. */\n"
  "  menu?: AtriumMenuItem[] | null;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:tray.activate`: the panel's item was clicked. */\n"
  "export interface AtriumTrayActivate {\n"
  "  readonly id: number;\n"
  "}\n"
  "\n"
  "/** atrium.tray: icons in the desktop's panel (StatusNotifierItem) with their\n"
  " *  menus (dbusmenu); `not-supported` where no panel watches for them. At most\n"
  " *  16 per app. */\n"
  "export interface AtriumTrayGroup {\n"
  "  /** Resolves with the new item's id; needs an icon. */\n"
  "  create(options: AtriumTrayOptions): AtriumCall<number>;\n"
  "  update(id: number, options: AtriumTrayOptions): AtriumCall<null>;\n"
  "  destroy(id: number): AtriumCall<null>;\n"
  "}\n"
  "\n"
  "/** atrium.secret: strings kept in the desktop's keyring (the Secret Service) under the\n"
  " *  app's id; `not-supported` where no Secret Service runs. Keys are 1 to 256 bytes,\n"
  " *  values at most 64 KiB; a page's calls act in the order it made them. */\n"
  "export interface AtriumSecretGroup {\n"
  "  set(key: string, value: string): AtriumCall<null>;\n"
  "  /** The value, or null if there is none. */\n"
  "  get(key: string): AtriumCall<string | null>;\n"
  "  /** Whether there was one to delete. */\n"
  "  delete(key: string): AtriumCall<boolean>;\n"
  "}\n"
  "\n"
  "/** A choice of files in a file dialog: glob patterns, MIME types or both. */\n"
  "export interface AtriumFileFilter {\n"
  "  name?: string;\n"
  "  /** Such as `*.png`; at most 64. */\n"
  "  patterns?: string[];\n"
  "  /** Such as `image/png` or `image/*`; at most 64. */\n"
  "  mimeTypes?: string[];\n"
  "}\n"
  "\n"
  "/** What atrium.dialog.open() may be given (at most 32 filters). */\n"
  "export interface AtriumOpenDialogOptions {\n"
  "  title?: string;\n"
  "  multiple?: boolean;\n"
  "  /** Folders, not files. */\n"
  "  directory?: boolean;\n"
  "  filters?: AtriumFileFilter[];\n"
  "  /** An absolute path: the folder to start in, or a file to start with. */\n"
  "  defaultPath?: string;\n"
  "}\n"
  "\n"
  "/** What atrium.dialog.save() may be given. */\n"
  "export interface AtriumSaveDialogOptions {\n"
  "  title?: string;\n"
  "  filters?: AtriumFileFilter[];\n"
  "  /** An absolute path: the folder to start in, or a file whose folder and name to start with. */\n"
  "  defaultPath?: string;\n"
  "  /** A file name, without a folder. */\n"
  "  defaultName?: string;\n"
  "}\n"
  "\n"
  "/** What atrium.dialog.message() may be given (at most 8 buttons). */\n"
  "export interface AtriumMessageDialogOptions {\n"
  "  kind?: 'info' | 'warning' | 'error' | 'question';\n"
  "  title?: string;\n"
  "  message: string;\n"
  "  detail?: string;\n"
  "  /** The labels, in order; `_` marks the mnemonic. One \"OK\" without. */\n"
  "  buttons?: string[];\n"
  "  /** The index of the button Return presses. */\n"
  "  defaultButton?: number;\n"
  "  /** The index message() resolves with on Escape or close; -1 without. */\n"
  "  cancelButton?: number;\n"
  "}\n"
  "\n"
  "/** What atrium.dialog.confirm() may be given. */\n"
  "export interface AtriumConfirmDialogOptions {\n"
  "  kind?: 'info' | 'warning' | 'error' | 'question';\n"
  "  title?: string;\n"
  "  detail?: string;\n"
  "  okLabel?: string;\n"
  "  cancelLabel?: string;\n"
  "}\n"
  "\n"
  "/** atrium.dialog: native dialogs, modal to the calling window. cancel() closes one;\n"
  " *  its window's closing rejects it with `cancelled`. */\n"
  "export interface AtriumDialogGroup {\n"
  "  /** The absolute paths chosen, or null if the user cancelled. */\n"
  "  open(options?: AtriumOpenDialogOptions): AtriumCall<string[] | null>;\n"
  "  /** The absolute path chosen, or null if the user cancelled. */\n"
  "  save(options?: AtriumSaveDialogOptions): AtriumCall<string | null>;\n"
  "  /** The index of the button pressed. */\n"
  "  message(options: AtriumMessageDialogOptions): AtriumCall<number>;\n"
  "  /** True for OK, false for Cancel, Escape or close. */\n"
  "  confirm(message: string, options?: AtriumConfirmDialogOptions): AtriumCall<boolean>;\n"
  "}\n"
  "\n"
  "/** atrium.shell: URLs and files handed to the desktop. */\n"
  "export interface AtriumShellGroup {\n"
  "  /** http, https, mailto and the schemes C allowed; never javascript:, file: or data:. */\n"
  "  openUrl(url: string): AtriumCall<null>;\n"
  "  /** Opens a file with its default application; `not-found` if nothing is there. */\n"
  "  openPath(path: string): AtriumCall<null>;\n"
  "  /** Shows a file in the file manager. */\n"
  "  showInFolder(path: string): AtriumCall<null>;\n"
  "  /** Moves a file to the trash. */\n"
  "  trash(path: string): AtriumCall<null>;\n"
  "}\n"
  "\n"
  "/** atrium.clipboard: the desktop's clipboard, as text or a PNG image. */\n"
  "export interface AtriumClipboardGroup {\n"
  "  /** Replaces what the user copied (ATRIUM_BUILTIN_CLIPBOARD). */\n"
  "  writeText(text: string): AtriumCall<null>;\n"
  "  /** What the user copied, or null if it is not text (ATRIUM_BUILTIN_CLIPBOARD_READ). */\n"
  "  readText(): AtriumCall<string | null>;\n"
  "  /** Replaces what the user copied with a PNG: at most 32 MiB and 64 megapixels (ATRIUM_BUILTIN_CLIPBOARD). */\n"
  "  writeImage(png: Uint8Array | ArrayBuffer | Blob): AtriumCall<null>;\n"
  "  /** What the user copied as a PNG, or null if it is not an image (ATRIUM_BUILTIN_CLIPBOARD_READ). */\n"
  "  readImage(): AtriumCall<Uint8Array | null>;\n"
  "}\n"
  "\n"
  "/** A button on a notification. */\n"
  "export interface AtriumNotificationAction {\n"
  "  /** What atrium:notification.action reports: 1 to 64 bytes, not \"default\". */\n"
  "  id: string;\n"
  "  /** 1 to 256 bytes. */\n"
  "  label: string;\n"
  "}\n"
  "\n"
  "/** What atrium.notification.show() may be given. */\n"
  "export interface AtriumNotificationOptions {\n"
  "  /** 1 to 256 bytes; one with the same id is replaced. Made up without. */\n"
  "  id?: string;\n"
  "  /** 1 to 1024 bytes. */\n"
  "  title: string;\n"
  "  /** At most 16 KiB. */\n"
  "  body?: string;\n"
  "  /** An icon name (\"mail-unread\"), an absolute path to an image, or a PNG\n"
  "   *  as bytes or as a `data:image/png;base64,` URL (at most 256 KiB). */\n"
  "  icon?: string | ArrayBuffer | ArrayBufferView | Blob;\n"
  "  /** At most 8. */\n"
  "  actions?: AtriumNotificationAction[];\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:notification.action`: the user clicked a\n"
  " *  button, or (action \"default\") the notification itself. */\n"
  "export interface AtriumNotificationActionEvent {\n"
  "  readonly id: string;\n"
  "  readonly action: string;\n"
  "}\n"
  "\n"
  "/** atrium.notification: the desktop's notifications. The app keeps at most\n"
  " *  64 showing; a 65th withdraws the oldest. */\n"
  "export interface AtriumNotificationGroup {\n"
  "  /** Resolves with the notification's id. */\n"
  "  show(options: AtriumNotificationOptions): AtriumCall<string>;\n"
  "  /** Withdraws it; resolves with whether it was showing. */\n"
  "  close(id: string): AtriumCall<boolean>;\n"
  "}\n"
  "\n"
  "/** A rectangle on the screen, in logical pixels (CSS pixels at zoom 1). */\n"
  "export interface AtriumRectangle {\n"
  "  readonly x: number;\n"
  "  readonly y: number;\n"
  "  readonly width: number;\n"
  "  readonly height: number;\n"
  "}\n"
  "\n"
  "/** One monitor, as atrium.screen describes it. */\n"
  "export interface AtriumScreen extends AtriumRectangle {\n"
  "  /** The connector (\"HDMI-1\"), or the model, or \"\". */\n"
  "  readonly name: string;\n"
  "  /** What panels leave free (X11); elsewhere the whole monitor. */\n"
  "  readonly workArea: AtriumRectangle;\n"
  "  /** Device pixels per logical pixel. */\n"
  "  readonly scale: number;\n"
  "  /** X11's primary output, or the first monitor. */\n"
  "  readonly primary: boolean;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:screen.changed`. */\n"
  "export interface AtriumScreensChanged {\n"
  "  readonly screens: AtriumScreen[];\n"
  "}\n"
  "\n"
  "/** atrium.screen: the monitors, read only. */\n"
  "export interface AtriumScreenGroup {\n"
  "  list(): AtriumCall<AtriumScreen[]>;\n"
  "  /** The calling window's monitor, or null before it is shown. */\n"
  "  current(): AtriumCall<AtriumScreen | null>;\n"
  "}\n"
  "\n"
  "/** What atrium.print.toPdf() may be given. */\n"
  "export interface AtriumPdfOptions {\n"
  "  landscape?: boolean;\n"
  "  /** GTK's default paper without. */\n"
  "  paperSize?: 'a3' | 'a4' | 'a5' | 'b5' | 'letter' | 'legal' | 'executive';\n"
  "}\n"
  "\n"
  "/** atrium.print(): the print dialog, modal to the calling window; resolves\n"
  " *  with true once printed, false if the user cancelled. */\n"
  "export interface AtriumPrintGroup {\n"
  "  (): AtriumCall<boolean>;\n"
  "  /** Writes the page to a PDF at an absolute path, whole or not at all, with\n"
  "   *  no dialog; resolves once the file is complete. `not-found` for a folder\n"
  "   *  that does not exist (ATRIUM_BUILTIN_PRINT_TO_FILE). */\n"
  "  toPdf(path: string, options?: AtriumPdfOptions): AtriumCall<null>;\n"
  "}\n"
  "\n"
  "/** atrium.store: the app's settings, JSON values under string keys, kept in\n"
  " *  one file and shared by every window. Keys are 1 to 256 bytes; a value is\n"
  " *  at most 1 MiB of JSON, nested at most 64 deep; the store at most 4 MiB\n"
  " *  (`too-large` past either). */\n"
  "export interface AtriumStoreGroup {\n"
  "  /** The key's value, or null if the store has none. */\n"
  "  get<T = unknown>(key: string): AtriumCall<T | null>;\n"
  "  set(key: string, value: unknown): AtriumCall<null>;\n"
  "  /** Resolves with whether the key was there. */\n"
  "  delete(key: string): AtriumCall<boolean>;\n"
  "  /** Every key, sorted. */\n"
  "  keys(): AtriumCall<string[]>;\n"
  "  clear(): AtriumCall<null>;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:store.changed`: value null when the key was\n"
  " *  deleted; key and value null when the store was cleared. */\n"
  "export interface AtriumStoreChanged {\n"
  "  readonly key: string | null;\n"
  "  readonly value: unknown;\n"
  "}\n"
  "\n"
  "/** atrium.path: the app's folders (made on first use) and the user's\n"
  " *  (null where the user has none). */\n"
  "export interface AtriumPathGroup {\n"
  "  config(): AtriumCall<string>;\n"
  "  data(): AtriumCall<string>;\n"
  "  cache(): AtriumCall<string>;\n"
  "  state(): AtriumCall<string>;\n"
  "  home(): AtriumCall<string>;\n"
  "  downloads(): AtriumCall<string | null>;\n"
  "  documents(): AtriumCall<string | null>;\n"
  "  pictures(): AtriumCall<string | null>;\n"
  "  temp(): AtriumCall<string>;\n"
  "}\n"
  "\n"
  "/** Fields of a log line: names of letters, digits and _ (a letter first),\n"
  " *  plain values; logged as PAGE_NAME. */\n"
  "export type AtriumLogFields = Record<string, string | number | boolean | null>;\n"
  "\n"
  "/** atrium.log: lines into GLib's structured logging (the journal or stderr),\n"
  " *  with the window id and the page URL; at most 20 a second from all pages. */\n"
  "export interface AtriumLogGroup {\n"
  "  debug(message: string, fields?: AtriumLogFields): AtriumCall<null>;\n"
  "  info(message: string, fields?: AtriumLogFields): AtriumCall<null>;\n"
  "  warn(message: string, fields?: AtriumLogFields): AtriumCall<null>;\n"
  "  error(message: string, fields?: AtriumLogFields): AtriumCall<null>;\n"
  "}\n"
  "\n"
  "/** One item of a menu template (every menu: the menu bar, a window's, a\n"
  " *  popup). Items with an id report clicks; a role does what its name says\n"
  " *  (editing commands in the focused page, reload, zoom, fullscreen, close,\n"
  " *  quit, about) and needs no id. At most 1000 items, nested at most 16\n"
  " *  deep; a bad template is `bad-args` naming the item, and changes nothing. */\n"
  "export interface AtriumMenuItem {\n"
  "  id?: string;\n"
  "  label?: string;\n"
  "  /** Default: 'submenu' with a submenu, else 'normal'. */\n"
  "  type?: 'normal' | 'checkbox' | 'radio' | 'separator' | 'submenu';\n"
  "  /** GTK's format: '<Control>s', '<Control><Shift>z', 'F5'. */\n"
  "  accelerator?: string;\n"
  "  enabled?: boolean;\n"
  "  checked?: boolean;\n"
  "  /** Radio items: the group's name; one of a group is checked. */\n"
  "  group?: string;\n"
  "  role?: 'undo' | 'redo' | 'cut' | 'copy' | 'paste' | 'selectAll' | 'reload' | 'zoomIn' |\n"
  "    'zoomOut' | 'zoomReset' | 'toggleFullscreen' | 'toggleDevTools' | 'close' | 'quit' | 'about';\n"
  "  submenu?: AtriumMenuItem[];\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:menu.clicked`. */\n"
  "export interface AtriumMenuClicked {\n"
  "  readonly id: string;\n"
  "  /** A checkbox's or radio item's state after the click; false for others. */\n"
  "  readonly checked: boolean;\n"
  "  /** The window whose menu it was; null for a tray item's menu. */\n"
  "  readonly windowId: number | null;\n"
  "  /** The tray item whose menu it was (atrium.tray.create()'s id). */\n"
  "  readonly trayId?: number;\n"
  "}\n"
  "\n"
  "/** Data of the event `atrium:shortcut`. */\n"
  "export interface AtriumShortcutPressed {\n"
  "  readonly id: string;\n"
  "}\n"
  "\n"
  "/** atrium.menu: native menus (ATRIUM_BUILTIN_MENU). */\n"
  "export interface AtriumMenuGroup {\n"
  "  /** Shows a menu at x, y of the page (CSS pixels; from a `contextmenu`\n"
  "   *  handler, say); the id clicked (a role item's role), or null when dismissed. */\n"
  "  popup(template: AtriumMenuItem[], position?: { x: number; y: number }): AtriumCall<string | null>;\n"
  "  /** The menu bar of every window without a menu of its own; null removes it. */\n"
  "  setApplicationMenu(template: AtriumMenuItem[] | null): AtriumCall<null>;\n"
  "  /** Changes an item of this window's menu, or else of the app's, live. */\n"
  "  update(id: string, changes: { label?: string; enabled?: boolean; checked?: boolean }): AtriumCall<null>;\n"
  "}\n"
  "\n"
  "/** atrium.shortcuts: keys of this window without a menu item, active while\n"
  " *  it has the focus (at most 64); each press is the event `atrium:shortcut`. */\n"
  "export interface AtriumShortcutsGroup {\n"
  "  /** GTK's format: '<Control>k'. Adding an id again replaces its key. */\n"
  "  add(accelerator: string, id: string): AtriumCall<null>;\n"
  "  /** Whether there was a shortcut of that id. */\n"
  "  remove(id: string): AtriumCall<boolean>;\n"
  "}\n";

/* The methods as a tree of their dot-separated names: "math.add" is the
 * `add` of `math`. A name with an empty segment ("a..b", ".x") stays whole. */
typedef struct _Node Node;

struct _Node
{
  char            *key;
  char            *method;     /* the full name, if a method is bound here */
  AtriumSignature *signature;
  GPtrArray       *children;
};

static void
node_free (Node *node)
{
  g_free (node->key);
  g_free (node->method);
  _atrium_signature_free (node->signature);
  g_ptr_array_unref (node->children);
  g_free (node);
}

static Node *
node_new (const char *key)
{
  Node *node = g_new0 (Node, 1);

  node->key = g_strdup (key);
  node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  return node;
}

static Node *
node_child (Node       *node,
            const char *key)
{
  Node *child;

  for (guint i = 0; i < node->children->len; i++)
    {
      child = g_ptr_array_index (node->children, i);
      if (strcmp (child->key, key) == 0)
        return child;
    }
  child = node_new (key);
  g_ptr_array_add (node->children, child);
  return child;
}

static Node *
build_tree (AtriumRegistry *registry)
{
  g_auto(GStrv) names = _atrium_registry_dup_names (registry);
  Node *root = node_new ("");

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_auto(GStrv) segments = NULL;
      gboolean whole = FALSE;
      Node *node = root;

      /* libatrium's own, declared as atrium.window and the rest. */
      if (g_str_has_prefix (names[i], "atrium:"))
        continue;
      segments = g_strsplit (names[i], ".", -1);

      for (guint j = 0; segments[j] != NULL; j++)
        whole |= segments[j][0] == '\0';
      if (whole)
        node = node_child (root, names[i]);
      else
        for (guint j = 0; segments[j] != NULL; j++)
          node = node_child (node, segments[j]);

      node->method = g_strdup (names[i]);
      node->signature = _atrium_registry_dup_signature (registry, names[i]);
    }

  return root;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static void
append_header (GString    *out,
               const char *option,
               const char *app_id)
{
  g_autofree char *prgname = g_strdup (g_get_prgname () != NULL ? g_get_prgname () : "the app");

  /* The header is a line comment: keep the names in it on that line. */
  for (char *p = prgname; *p != '\0'; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  g_string_append_printf (out, "// Generated by `%s %s`", prgname, option);
  if (app_id != NULL)
    g_string_append_printf (out, " for %s", app_id);
  g_string_append (out, ". Do not edit: run it again\n"
                        "// after changing the app's methods.\n\n");
}

static void
append_js_node (GString *out,
                Node    *node,
                guint    indent)
{
  if (node->method != NULL && node->children->len == 0)
    {
      g_string_append (out, "bind(");
      append_string (out, node->method);
      g_string_append (out, ")");
      return;
    }

  if (node->method != NULL)
    {
      g_string_append (out, "Object.assign(bind(");
      append_string (out, node->method);
      g_string_append (out, "), ");
    }
  g_string_append (out, "{\n");
  for (guint i = 0; i < node->children->len; i++)
    {
      Node *child = g_ptr_array_index (node->children, i);

      g_string_append_printf (out, "%*s", indent + 2, "");
      append_key (out, child->key);
      g_string_append (out, ": ");
      append_js_node (out, child, indent + 2);
      g_string_append (out, ",\n");
    }
  g_string_append_printf (out, "%*s}", indent, "");
  if (node->method != NULL)
    g_string_append (out, ")");
}

/**
 * _atrium_bindings_generate_js:
 *
 * Returns: (transfer full): an ES module with a wrapper per bound method:
 *   `math.add(1, 2)` calls `atrium.call("math.add", 1, 2)`
 */
char *
_atrium_bindings_generate_js (AtriumRegistry *registry,
                              const char     *app_id)
{
  g_autoptr(Node) root = build_tree (registry);
  GString *out = g_string_new (NULL);

  append_header (out, "--emit-js", app_id);
  g_string_append (out,
    "const atrium = globalThis.atrium;\n"
    "if (atrium === undefined)\n"
    "  throw new Error('window.atrium is missing: this module works only in a page of an Atrium app');\n"
    "\n"
    "export { atrium };\n"
    "export const { call, on, once, off, emit, stream, AtriumError } = atrium;\n"
    "\n"
    "// Every argument is passed on as given, so optional ones stay absent.\n"
    "const bind = (name) => (...args) => atrium.call(name, ...args);\n"
    "\n"
    "export const methods = ");
  append_js_node (out, root, 0);
  g_string_append (out, ";\n");

  for (guint i = 0; i < root->children->len; i++)
    {
      Node *child = g_ptr_array_index (root->children, i);

      if (i == 0)
        g_string_append_c (out, '\n');
      if (is_exportable (child->key))
        g_string_append_printf (out, "export const %s = methods.%s;\n", child->key, child->key);
    }

  return g_string_free (out, FALSE);
}

static void
append_params (GString         *out,
               AtriumSignature *signature)
{
  g_string_append (out, signature != NULL ? signature->params : "...args: unknown[]");
}

static const char *
result_of (AtriumSignature *signature)
{
  return signature != NULL ? signature->result : "unknown";
}

static void
append_dts_node (GString *out,
                 Node    *node,
                 guint    indent)
{
  g_string_append (out, "{\n");
  if (node->method != NULL)
    {
      append_doc (out, indent + 2, node->signature != NULL ? node->signature->doc : NULL);
      g_string_append_printf (out, "%*s(", indent + 2, "");
      append_params (out, node->signature);
      g_string_append_printf (out, "): AtriumCall<%s>;\n", result_of (node->signature));
    }
  for (guint i = 0; i < node->children->len; i++)
    {
      Node *child = g_ptr_array_index (node->children, i);

      if (child->children->len == 0)
        {
          /* A method: written as one, so editors show its parameters. */
          append_doc (out, indent + 2, child->signature != NULL ? child->signature->doc : NULL);
          g_string_append_printf (out, "%*s", indent + 2, "");
          append_key (out, child->key);
          g_string_append (out, "(");
          append_params (out, child->signature);
          g_string_append_printf (out, "): AtriumCall<%s>;\n", result_of (child->signature));
          continue;
        }
      g_string_append_printf (out, "%*sreadonly ", indent + 2, "");
      append_key (out, child->key);
      g_string_append (out, ": ");
      append_dts_node (out, child, indent + 2);
      g_string_append (out, ";\n");
    }
  g_string_append_printf (out, "%*s}", indent, "");
}

static void
append_call_overloads (GString *out,
                       Node    *node)
{
  if (node->method != NULL)
    {
      append_doc (out, 2, node->signature != NULL ? node->signature->doc : NULL);
      g_string_append (out, "  call(method: ");
      append_string (out, node->method);
      if (node->signature == NULL || node->signature->params[0] != '\0')
        g_string_append (out, ", ");
      append_params (out, node->signature);
      g_string_append_printf (out, "): AtriumCall<%s>;\n", result_of (node->signature));
    }
  for (guint i = 0; i < node->children->len; i++)
    append_call_overloads (out, g_ptr_array_index (node->children, i));
}

/**
 * _atrium_bindings_generate_dts:
 *
 * Returns: (transfer full): TypeScript declarations of the runtime, with an
 *   `atrium.call` overload per bound method, and of the module that
 *   _atrium_bindings_generate_js() writes
 */
char *
_atrium_bindings_generate_dts (AtriumRegistry *registry,
                               const char     *app_id)
{
  g_autoptr(Node) root = build_tree (registry);
  GString *out = g_string_new (NULL);

  append_header (out, "--emit-dts", app_id);
  g_string_append (out,
    "/** The stable code of a rejected call or emit. */\n"
    "export type AtriumErrorCode =\n"
    "  | 'not-found' | 'bad-args' | 'failed' | 'cancelled' | 'too-large' | 'forbidden'\n"
    "  | 'queue-full' | 'not-supported';\n"
    "\n"
    "/** What a rejected call or emit rejects with. */\n"
    "export declare class AtriumError extends Error {\n"
    "  constructor(code: AtriumErrorCode, message: string);\n"
    "  readonly code: AtriumErrorCode;\n"
    "}\n"
    "\n"
    "/** A call in flight: a Promise of the method's result that can be cancelled. */\n"
    "export interface AtriumCall<T> extends Promise<T> {\n"
    "  /** Rejects the call at once with code `cancelled` and tells the method;\n"
    "   *  false if it had already settled. */\n"
    "  cancel(): boolean;\n"
    "}\n"
    "\n"
    "/** The second argument of an event listener. */\n"
    "export interface AtriumEvent {\n"
    "  readonly name: string;\n"
    "  /** The id of the window whose page emitted it; absent when C did. */\n"
    "  readonly sender?: number;\n"
    "}\n"
    "\n"
    "export type AtriumListener<T = any> = (data: T, event: AtriumEvent) => void;\n"
    "\n"
    ATRIUM_BYTES_DTS
    "\n");
  g_string_append (out, _atrium_bindings_builtins_dts);
  g_string_append (out,
    "\n"
    "export interface AtriumRuntime {\n");
  append_call_overloads (out, root);
  g_string_append (out,
    "  /** What a launch hands the app: a second launch of a single instance, a\n"
    "   *  deep link, files opened with it. What came before a page listened goes\n"
    "   *  to the first page that listens, in order; on unless the app turned\n"
    "   *  ATRIUM_BUILTIN_APP off. */\n"
    "  on(name: 'atrium:app.second-instance', fn: AtriumListener<AtriumAppSecondInstance>): () => void;\n"
    "  on(name: 'atrium:app.open-url', fn: AtriumListener<AtriumAppOpenUrl>): () => void;\n"
    "  on(name: 'atrium:app.open-files', fn: AtriumListener<AtriumAppOpenFiles>): () => void;\n"
    "  /** Files dropped on this window, if it allows it (fileDrop). */\n"
    "  on(name: 'atrium:window.files-dropped', fn: AtriumListener<AtriumWindowFilesDropped>): () => void;\n"
    "  on(name: 'atrium:tray.activate', fn: AtriumListener<AtriumTrayActivate>): () => void;\n"
    "  on(name: 'atrium:menu.clicked', fn: AtriumListener<AtriumMenuClicked>): () => void;\n"
    "  on(name: 'atrium:shortcut', fn: AtriumListener<AtriumShortcutPressed>): () => void;\n"
    "  /** A notification's button or body clicked (atrium.notification). */\n"
    "  on(name: 'atrium:notification.action', fn: AtriumListener<AtriumNotificationActionEvent>): () => void;\n"
    "  /** A download this page started: how far it got, then done or failed. */\n"
    "  on(name: 'atrium:download.progress', fn: AtriumListener<AtriumDownloadProgress>): () => void;\n"
    "  on(name: 'atrium:download.finished', fn: AtriumListener<AtriumDownloadFinished>): () => void;\n"
    "  on(name: 'atrium:download.failed', fn: AtriumListener<AtriumDownloadFailed>): () => void;\n"
    "  /** Monitors added, removed or changed (atrium.screen). */\n"
    "  on(name: 'atrium:screen.changed', fn: AtriumListener<AtriumScreensChanged>): () => void;\n"
    "  /** Calls fn for every event of that name (libatrium's own, such as\n"
    "   *  `atrium:window.resized`, included); returns a function that removes it. */\n"
    "  on<T = any>(name: string, fn: AtriumListener<T>): () => void;\n"
    "  once(name: 'atrium:app.second-instance', fn: AtriumListener<AtriumAppSecondInstance>): () => void;\n"
    "  once(name: 'atrium:app.open-url', fn: AtriumListener<AtriumAppOpenUrl>): () => void;\n"
    "  once(name: 'atrium:app.open-files', fn: AtriumListener<AtriumAppOpenFiles>): () => void;\n"
    "  once(name: 'atrium:window.files-dropped', fn: AtriumListener<AtriumWindowFilesDropped>): () => void;\n"
    "  once(name: 'atrium:tray.activate', fn: AtriumListener<AtriumTrayActivate>): () => void;\n"
    "  once(name: 'atrium:menu.clicked', fn: AtriumListener<AtriumMenuClicked>): () => void;\n"
    "  once(name: 'atrium:shortcut', fn: AtriumListener<AtriumShortcutPressed>): () => void;\n"
    "  once(name: 'atrium:notification.action', fn: AtriumListener<AtriumNotificationActionEvent>): () => void;\n"
    "  once(name: 'atrium:download.progress', fn: AtriumListener<AtriumDownloadProgress>): () => void;\n"
    "  once(name: 'atrium:download.finished', fn: AtriumListener<AtriumDownloadFinished>): () => void;\n"
    "  once(name: 'atrium:download.failed', fn: AtriumListener<AtriumDownloadFailed>): () => void;\n"
    "  once(name: 'atrium:screen.changed', fn: AtriumListener<AtriumScreensChanged>): () => void;\n"
    "  /** Calls fn for the next event of that name only. */\n"
    "  once<T = any>(name: string, fn: AtriumListener<T>): () => void;\n"
    "  /** Removes fn, or every listener of the name. */\n"
    "  off(name: string, fn?: AtriumListener): void;\n"
    "  /** Sends an event to the app's C listeners; resolves once C has it. */\n"
    "  emit(name: string, data?: unknown): Promise<void>;\n"
    "  /** Wraps a Blob or File for a call to send as a stream, not read whole first. */\n"
    "  stream(blob: Blob): AtriumStream;\n"
    "  readonly AtriumError: typeof AtriumError;\n"
    "  /** The app's windows; on unless the app turned ATRIUM_BUILTIN_WINDOW off. */\n"
    "  readonly window: AtriumWindowGroup;\n"
    "  /** The colour scheme; on unless the app turned ATRIUM_BUILTIN_THEME off. */\n"
    "  readonly theme: AtriumThemeGroup;\n"
    "  /** Native dialogs; off unless the app turned ATRIUM_BUILTIN_DIALOG on. */\n"
    "  readonly dialog: AtriumDialogGroup;\n"
    "  /** URLs and files to the desktop; off unless the app turned ATRIUM_BUILTIN_SHELL on. */\n"
    "  readonly shell: AtriumShellGroup;\n"
    "  /** The clipboard; off unless the app turned ATRIUM_BUILTIN_CLIPBOARD (and _READ) on. */\n"
    "  readonly clipboard: AtriumClipboardGroup;\n"
    "  /** Notifications; off unless the app turned ATRIUM_BUILTIN_NOTIFICATION on. */\n"
    "  readonly notification: AtriumNotificationGroup;\n"
    "  /** The monitors; on unless the app turned ATRIUM_BUILTIN_SCREEN off. */\n"
    "  readonly screen: AtriumScreenGroup;\n"
    "  /** The print dialog (ATRIUM_BUILTIN_PRINT, on by default) and toPdf\n"
    "   *  (ATRIUM_BUILTIN_PRINT_TO_FILE, off by default). */\n"
    "  readonly print: AtriumPrintGroup;\n"
    "  /** Tray icons; off unless the app turned ATRIUM_BUILTIN_TRAY on. */\n"
    "  readonly tray: AtriumTrayGroup;\n"
    "  /** The keyring; off unless the app turned ATRIUM_BUILTIN_SECRET on. */\n"
    "  readonly secret: AtriumSecretGroup;\n"
    "  /** The app on the desktop: autostart, off unless the app turned ATRIUM_BUILTIN_AUTOSTART on. */\n"
    "  readonly app: AtriumAppGroup;\n"
    "  /** The settings store; on unless the app turned ATRIUM_BUILTIN_STORE off. */\n"
    "  readonly store: AtriumStoreGroup;\n"
    "  /** Folders; on unless the app turned ATRIUM_BUILTIN_PATH off. */\n"
    "  readonly path: AtriumPathGroup;\n"
    "  /** Logging; on unless the app turned ATRIUM_BUILTIN_LOG off. */\n"
    "  readonly log: AtriumLogGroup;\n"
    "  /** Menus; on unless the app turned ATRIUM_BUILTIN_MENU off. */\n"
    "  readonly menu: AtriumMenuGroup;\n"
    "  /** Keyboard shortcuts; on unless the app turned ATRIUM_BUILTIN_MENU off. */\n"
    "  readonly shortcuts: AtriumShortcutsGroup;\n"
    "}\n"
    "\n"
    "export declare const atrium: AtriumRuntime;\n"
    "export declare const call: AtriumRuntime['call'];\n"
    "export declare const on: AtriumRuntime['on'];\n"
    "export declare const once: AtriumRuntime['once'];\n"
    "export declare const off: AtriumRuntime['off'];\n"
    "export declare const emit: AtriumRuntime['emit'];\n"
    "export declare const stream: AtriumRuntime['stream'];\n"
    "\n"
    "/** A typed wrapper per method: methods.math.add(1, 2) calls \"math.add\". */\n"
    "export declare const methods: ");
  append_dts_node (out, root, 0);
  g_string_append (out, ";\n");

  for (guint i = 0; i < root->children->len; i++)
    {
      Node *child = g_ptr_array_index (root->children, i);

      if (i == 0)
        g_string_append_c (out, '\n');
      if (is_exportable (child->key))
        g_string_append_printf (out, "export declare const %s: typeof methods.%s;\n",
                                child->key, child->key);
    }

  return g_string_free (out, FALSE);
}

static gboolean
write_file (const char  *path,
            const char  *contents,
            GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  /* GIO's message names the file and why it could not be written. */
  return g_file_replace_contents (file, contents, strlen (contents), NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

/**
 * _atrium_bindings_write:
 * @dts_path: (nullable): where to write the declarations
 * @js_path: (nullable): where to write the module
 *
 * Both files are generated before either is written.
 */
gboolean
_atrium_bindings_write (AtriumRegistry  *registry,
                        const char      *app_id,
                        const char      *dts_path,
                        const char      *js_path,
                        GError         **error)
{
  g_autofree char *dts = dts_path != NULL ? _atrium_bindings_generate_dts (registry, app_id) : NULL;
  g_autofree char *js = js_path != NULL ? _atrium_bindings_generate_js (registry, app_id) : NULL;

  return (dts_path == NULL || write_file (dts_path, dts, error))
         && (js_path == NULL || write_file (js_path, js, error));
}

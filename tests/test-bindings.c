#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "atrium.h"
#include "atrium-app-private.h"
#include "atrium-bindings-private.h"
#include "test-util.h"

/* Typed bindings: signature checking, and what --emit-dts and --emit-js
 * write for dotted names, untyped methods and awkward doc text. */

static void
noop_cb (AtriumCall *call,
         gpointer    user_data)
{
  atrium_call_return_value (call, NULL);
}

static AtriumApp *
app_with (const char * const *names)
{
  AtriumApp *app = atrium_app_new ("org.example.Bindings", G_APPLICATION_NON_UNIQUE);

  for (guint i = 0; names[i] != NULL; i++)
    atrium_app_bind (app, names[i], noop_cb, NULL, NULL, ATRIUM_BIND_DEFAULT);
  return app;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” is not in:\n%s", needle, haystack);
}

static void
test_parse_valid (void)
{
  static const struct { const char *in, *params, *result; } cases[] = {
    { "(a: number, b: number) => number", "a: number, b: number", "number" },
    { "  ()=>void  ", "", "void" },
    { "(code?: number) => null", "code?: number", "null" },
    { "(...items: string[]) => number", "...items: string[]", "number" },
    { "(cb: (x: number) => void, o: { a: 1, b: [2, 3] }) => Map<string, number>",
      "cb: (x: number) => void, o: { a: 1, b: [2, 3] }", "Map<string, number>" },
    { "(s: 'a, (b' | \"c)\") => `x`", "s: 'a, (b' | \"c)\"", "`x`" },
    { "(p: { \"ünï\": string }) => Promise<string>", "p: { \"ünï\": string }", "Promise<string>" },
    /* `bytes` is binary values: what a page may send in a parameter, a
     * Uint8Array in a result; never a name, a member or inside a string. */
    { "(data: bytes) => bytes", "data: AtriumBytes", "Uint8Array" },
    { "(bytes: number, o: { bytes?: bytes, list: bytes[] }) => { bytes: bytes | null }",
      "bytes: number, o: { bytes?: AtriumBytes, list: AtriumBytes[] }",
      "{ bytes: Uint8Array | null }" },
    { "(s: 'bytes', t: x.bytes, u: mybytes, v: bytes2) => [bytes, 'bytes']",
      "s: 'bytes', t: x.bytes, u: mybytes, v: bytes2", "[Uint8Array, 'bytes']" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumSignature) signature = _atrium_signature_parse (cases[i].in, " a doc ",
                                                                       &error);

      g_assert_no_error (error);
      g_assert_nonnull (signature);
      g_assert_cmpstr (signature->params, ==, cases[i].params);
      g_assert_cmpstr (signature->result, ==, cases[i].result);
      g_assert_cmpstr (signature->doc, ==, "a doc");
    }
}

static void
test_parse_invalid (void)
{
  static const char * const cases[] = {
    "", "number", "a: number", "(a: number)", "(a: number) =>", "(a: number) => ",
    "(a) => number", "(a: ) => number", "(: number) => number", "(1: number) => number",
    "(a: number,) => number", "(a: number, , b: string) => void", "(a: number => number",
    "(a: number)) => number", "(a: Array<number) => void", "(a: number) => {", "(a: ']) => void",
    "(a: number) => number // comment", "(a: /* x */ number) => void",
    "(a: number) =>\nnumber", "(a: number) => number\u2028", "(a: \"x\ty\") => void",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AtriumSignature) signature = _atrium_signature_parse (cases[i], NULL, &error);

      g_test_message ("%s", cases[i]);
      g_assert_null (signature);
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
    }
}

static void
test_bad_doc (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumSignature) signature =
    _atrium_signature_parse ("() => void", "two\nlines", &error);

  g_assert_null (signature);
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_assert_null (strchr (error->message, '\n'));
}

/* A rejected signature leaves the method's description as it was. */
static void
test_set_signature_bad_input (void)
{
  static const char * const names[] = { "math.add", NULL };
  g_autoptr(AtriumApp) app = app_with (names);
  g_autoptr(GError) error = NULL;
  g_autofree char *dts = NULL;

  g_assert_true (atrium_app_set_signature (app, "math.add", "(a: number, b: number) => number",
                                           "Adds.", &error));
  g_assert_no_error (error);
  g_assert_false (atrium_app_set_signature (app, "math.add", "(a number) => string", NULL,
                                            &error));
  g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_BAD_ARGS);
  g_assert_null (strchr (error->message, '\n'));

  dts = _atrium_bindings_generate_dts (_atrium_app_get_registry (app), NULL);
  assert_contains (dts, "  call(method: \"math.add\", a: number, b: number): AtriumCall<number>;\n");
  g_assert_null (strstr (dts, "a number"));

  /* NULL forgets it: the method is untyped again. */
  g_assert_true (atrium_app_set_signature (app, "math.add", NULL, NULL, NULL));
  g_free (dts);
  dts = _atrium_bindings_generate_dts (_atrium_app_get_registry (app), NULL);
  assert_contains (dts, "call(method: \"math.add\", ...args: unknown[]): AtriumCall<unknown>;");
  g_assert_finalize_object (g_steal_pointer (&app));
}

static void
test_dotted_names (void)
{
  static const char * const names[] = {
    "math.add", "math.sub", "echo", "echo.worker", "a.b.c", "default.x", "call", NULL
  };
  g_autoptr(AtriumApp) app = app_with (names);
  g_autofree char *dts = NULL;
  g_autofree char *js = NULL;

  g_assert_true (atrium_app_set_signature (app, "math.add", "(a: number, b: number) => number",
                                           "Adds two numbers.", NULL));
  /* A signature may come before the method is bound, and is kept. */
  g_assert_true (atrium_app_set_signature (app, "late", "() => string", NULL, NULL));
  atrium_app_bind (app, "late", noop_cb, NULL, NULL, ATRIUM_BIND_WORKER);

  dts = _atrium_bindings_generate_dts (_atrium_app_get_registry (app), "org.example.Bindings");
  js = _atrium_bindings_generate_js (_atrium_app_get_registry (app), "org.example.Bindings");

  assert_contains (dts, "for org.example.Bindings.");
  assert_contains (dts, "  /** Adds two numbers. */\n"
                        "  call(method: \"math.add\", a: number, b: number): AtriumCall<number>;\n");
  assert_contains (dts, "  readonly math: {\n"
                        "    /** Adds two numbers. */\n"
                        "    add(a: number, b: number): AtriumCall<number>;\n"
                        "    sub(...args: unknown[]): AtriumCall<unknown>;\n"
                        "  };\n");
  assert_contains (dts, "  readonly a: {\n    readonly b: {\n      c(...args: unknown[])");
  /* A method that is also a namespace: callable, with members. */
  assert_contains (dts, "  readonly echo: {\n    (...args: unknown[]): AtriumCall<unknown>;\n"
                        "    worker(...args: unknown[]): AtriumCall<unknown>;\n  };\n");
  assert_contains (dts, "  late(): AtriumCall<string>;\n");
  assert_contains (dts, "call(method: \"late\"): AtriumCall<string>;");
  assert_contains (dts, "export declare const math: typeof methods.math;\n");
  /* Reserved words and the module's own names are reachable through
   * methods only. */
  g_assert_null (strstr (dts, "export declare const default"));
  g_assert_null (strstr (dts, "export declare const call: typeof"));

  assert_contains (js, "  math: {\n    add: bind(\"math.add\"),\n    sub: bind(\"math.sub\"),\n  },\n");
  assert_contains (js, "  echo: Object.assign(bind(\"echo\"), {\n    worker: bind(\"echo.worker\"),\n  }),\n");
  assert_contains (js, "  call: bind(\"call\"),\n");
  assert_contains (js, "export const math = methods.math;\n");
  assert_contains (js, "export const late = methods.late;\n");
  g_assert_null (strstr (js, "export const default"));
  g_assert_null (strstr (js, "export const call = "));

  g_assert_finalize_object (g_steal_pointer (&app));
}

/* Names that are no identifiers, or hold quotes, backslashes and line
 * separators, come out as string literals that mean the same name. */
static void
test_awkward_names (void)
{
  static const char * const names[] = {
    "my-ns.do it", "q\"uote.b\\ack", "a..b", "line\u2028sep", NULL
  };
  g_autoptr(AtriumApp) app = app_with (names);
  g_autofree char *dts = _atrium_bindings_generate_dts (_atrium_app_get_registry (app), NULL);
  g_autofree char *js = _atrium_bindings_generate_js (_atrium_app_get_registry (app), NULL);

  assert_contains (js, "  \"my-ns\": {\n    \"do it\": bind(\"my-ns.do it\"),\n  },\n");
  assert_contains (js, "  \"q\\\"uote\": {\n    \"b\\\\ack\": bind(\"q\\\"uote.b\\\\ack\"),\n");
  assert_contains (js, "  \"a..b\": bind(\"a..b\"),\n");
  assert_contains (js, "  \"line\\u2028sep\": bind(\"line\\u2028sep\"),\n");
  assert_contains (dts, "call(method: \"my-ns.do it\", ...args: unknown[])");
  assert_contains (dts, "    \"do it\"(...args: unknown[]): AtriumCall<unknown>;\n");
  g_assert_null (strstr (js, "export const my"));
  g_assert_null (strstr (js, "\u2028"));
  g_assert_null (strstr (dts, "\u2028"));
  g_assert_finalize_object (g_steal_pointer (&app));
}

static void
test_doc_escaping (void)
{
  static const char * const names[] = { "x.y", NULL };
  g_autoptr(AtriumApp) app = app_with (names);
  g_autofree char *dts = NULL;

  g_assert_true (atrium_app_set_signature (app, "x.y", "() => void",
                                           "Ends */ early; @returns nothing", NULL));
  dts = _atrium_bindings_generate_dts (_atrium_app_get_registry (app), NULL);
  assert_contains (dts, "/** Ends *\\/ early; @returns nothing */\n");
  g_assert_null (strstr (dts, "Ends */"));
  g_assert_finalize_object (g_steal_pointer (&app));
}

static void
test_empty_app (void)
{
  static const char * const names[] = { NULL };
  g_autoptr(AtriumApp) app = app_with (names);
  g_autofree char *dts = _atrium_bindings_generate_dts (_atrium_app_get_registry (app), NULL);
  g_autofree char *js = _atrium_bindings_generate_js (_atrium_app_get_registry (app), NULL);

  assert_contains (dts, "export declare const methods: {\n};\n");
  assert_contains (js, "export const methods = {\n};\n");
  g_assert_finalize_object (g_steal_pointer (&app));
}

/* The options themselves, through g_application_run(): no window opens,
 * the files are written and the status says whether that worked. */
static void
test_emit_options (void)
{
  static const char * const names[] = { "math.add", NULL };
  g_autoptr(AtriumApp) app = app_with (names);
  g_autofree char *dir = g_dir_make_tmp ("atrium-bindings-XXXXXX", NULL);
  g_autofree char *dts = g_build_filename (dir, "app.d.ts", NULL);
  g_autofree char *js = g_build_filename (dir, "app.js", NULL);
  g_autofree char *contents = NULL;
  char *argv[] = { "test", "--emit-dts", dts, "--emit-js", js, NULL };

  g_assert_cmpint (g_application_run (G_APPLICATION (app), 5, argv), ==, 0);
  g_assert_true (g_file_get_contents (dts, &contents, NULL, NULL));
  assert_contains (contents, "call(method: \"math.add\"");
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (js, &contents, NULL, NULL));
  assert_contains (contents, "add: bind(\"math.add\")");
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));

  g_unlink (dts);
  g_unlink (js);
  g_rmdir (dir);
  g_assert_finalize_object (g_steal_pointer (&app));
}

static void
test_emit_unwritable (void)
{
  if (g_test_subprocess ())
    {
      static const char * const names[] = { "math.add", NULL };
      g_autoptr(AtriumApp) app = app_with (names);
      char *argv[] = { "test", "--emit-dts", "/nonexistent-atrium-dir/app.d.ts", NULL };

      exit (g_application_run (G_APPLICATION (app), 3, argv));
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*/nonexistent-atrium-dir/app.d.ts*No such file or directory*");
  g_test_trap_assert_stdout ("");
  g_assert_false (g_file_test ("/nonexistent-atrium-dir", G_FILE_TEST_EXISTS));
}

/* The generated module is JavaScript Node.js can parse, when it is here. */
static void
test_js_parses (void)
{
  static const char * const names[] = {
    "math.add", "echo", "echo.worker", "my-ns.do it", "q\"uote.b\\ack", "line\u2028sep",
    "default.x", NULL
  };
  g_autoptr(AtriumApp) app = NULL;
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *js = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (node == NULL)
    {
      g_test_skip ("Node.js is not installed: cannot check the module's syntax");
      return;
    }

  app = app_with (names);
  g_assert_true (atrium_app_set_signature (app, "math.add", "(a: number, b: number) => number",
                                           "Ends */ here", NULL));
  js = _atrium_bindings_generate_js (_atrium_app_get_registry (app), NULL);
  dir = g_dir_make_tmp ("atrium-bindings-XXXXXX", NULL);
  path = g_build_filename (dir, "bindings.mjs", NULL);
  g_assert_true (g_file_set_contents (path, js, -1, NULL));
  {
    g_autoptr(GSubprocess) check = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                     | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                                     node, "--check", path, NULL);

    g_assert_no_error (error);
    test_communicate (check, TEST_WAIT_SECONDS, "node --check to parse the generated module",
                      &out, &err);
    g_test_message ("%s", err);
    g_assert_true (g_subprocess_get_successful (check));
  }

  g_unlink (path);
  g_rmdir (dir);
  g_assert_finalize_object (g_steal_pointer (&app));
}

/* The built-ins are declared (atrium.window), never listed as the app's
 * own methods; and the installed atrium.d.ts declares the same. */
static void
test_builtins_declared (void)
{
  static const char * const names[] = { "math.add", NULL };
  static const char * const events[][2] = {
    { "atrium:app.second-instance", "AtriumAppSecondInstance" },
    { "atrium:app.open-url", "AtriumAppOpenUrl" },
    { "atrium:app.open-files", "AtriumAppOpenFiles" },
    { "atrium:window.files-dropped", "AtriumWindowFilesDropped" },
    { "atrium:tray.activate", "AtriumTrayActivate" },
    { "atrium:menu.clicked", "AtriumMenuClicked" },
    { "atrium:shortcut", "AtriumShortcutPressed" },
    { "atrium:notification.action", "AtriumNotificationActionEvent" },
    { "atrium:download.progress", "AtriumDownloadProgress" },
    { "atrium:download.finished", "AtriumDownloadFinished" },
    { "atrium:download.failed", "AtriumDownloadFailed" },
    { "atrium:screen.changed", "AtriumScreensChanged" },
  };
  g_autoptr(AtriumApp) app = app_with (names);
  g_autofree char *dts = _atrium_bindings_generate_dts (_atrium_app_get_registry (app), NULL);
  g_autofree char *js = _atrium_bindings_generate_js (_atrium_app_get_registry (app), NULL);
  g_autofree char *installed = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "assets", "runtime",
                                            "atrium.d.ts", NULL);

  assert_contains (dts, _atrium_bindings_builtins_dts);
  assert_contains (dts, "readonly window: AtriumWindowGroup;");
  assert_contains (dts, "'not-supported'");
  g_assert_null (strstr (dts, "atrium:"  "window.set_title"));
  g_assert_null (strstr (dts, "\"atrium:"));
  g_assert_null (strstr (js, "\"atrium:"));
  assert_contains (js, "add: bind(\"math.add\")");

  /* Both declare what a `bytes` parameter takes. */
  assert_contains (dts, "export type AtriumBytes = ArrayBuffer | ArrayBufferView | Blob;");

  g_assert_true (g_file_get_contents (path, &installed, NULL, NULL));
  assert_contains (installed, "export type AtriumBytes = ArrayBuffer | ArrayBufferView | Blob;");
  assert_contains (installed, _atrium_bindings_builtins_dts);
  assert_contains (installed, "readonly window: AtriumWindowGroup;");
  assert_contains (installed, "'not-supported'");

  /* libatrium's events have typed listeners, on and once, in both. */
  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    for (guint once = 0; once < 2; once++)
      {
        g_autofree char *overload =
          g_strdup_printf ("  %s(name: '%s', fn: AtriumListener<%s>): () => void;\n",
                           once ? "once" : "on", events[i][0], events[i][1]);

        assert_contains (dts, overload);
        assert_contains (installed, overload);
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/atrium/bindings/parse-valid", test_parse_valid);
  g_test_add_func ("/atrium/bindings/parse-invalid", test_parse_invalid);
  g_test_add_func ("/atrium/bindings/bad-doc", test_bad_doc);
  g_test_add_func ("/atrium/bindings/set-signature-bad-input", test_set_signature_bad_input);
  g_test_add_func ("/atrium/bindings/dotted-names", test_dotted_names);
  g_test_add_func ("/atrium/bindings/awkward-names", test_awkward_names);
  g_test_add_func ("/atrium/bindings/doc-escaping", test_doc_escaping);
  g_test_add_func ("/atrium/bindings/empty-app", test_empty_app);
  g_test_add_func ("/atrium/bindings/emit-options", test_emit_options);
  g_test_add_func ("/atrium/bindings/emit-unwritable", test_emit_unwritable);
  g_test_add_func ("/atrium/bindings/js-parses", test_js_parses);
  g_test_add_func ("/atrium/bindings/builtins-declared", test_builtins_declared);

  return g_test_run ();
}

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "atrium-error.h"
#include "atrium-runtime-private.h"

static const AtriumRuntimeValues values = {
  "0123456789abcdef0123456789abcdef", 1000, 256, TRUE, "http://127.0.0.1:9/t", "auto",
};

static char *
real_template (void)
{
  g_autoptr(GBytes) bytes =
    g_resources_lookup_data ("/dev/atrium/runtime/atrium.js", G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

  g_assert_nonnull (bytes);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
test_render (void)
{
  g_autofree char *text = real_template ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = _atrium_runtime_render (text, &values, &error);

  g_test_summary ("The shipped runtime renders: every placeholder filled, none left.");
  g_assert_no_error (error);
  g_assert_null (strchr (out, '@'));
  g_assert_nonnull (strstr (out, "const TOKEN = '0123456789abcdef0123456789abcdef';"));
  g_assert_nonnull (strstr (out, "const MAX_MESSAGE = 1000;"));
  g_assert_nonnull (strstr (out, "const UPLOAD_MIN = 256;"));
  g_assert_nonnull (strstr (out, "const LOG_CONSOLE = true;"));
  g_assert_nonnull (strstr (out, "const MEDIA_BASE = 'http://127.0.0.1:9/t';"));
  g_assert_nonnull (strstr (out, "const POLL_DEPTH = 2;"));
  g_assert_nonnull (strstr (out, "const TRANSPORT = 'auto';"));
}

static void
test_bad_templates (void)
{
  static const char * const bad[] = {
    /* unknown, unclosed, used twice, one missing */
    "@TOKEN@ @MAX_MESSAGE@ @UPLOAD_MIN@ @LOG_CONSOLE@ @MEDIA_BASE@ @STREAM_BASE@ @POLL_DEPTH@ @TRANSPORT@ @NOPE@",
    "@TOKEN@ @MAX_MESSAGE@ @UPLOAD_MIN@ @LOG_CONSOLE@ @MEDIA_BASE@ @STREAM_BASE@ @POLL_DEPTH@ @TRANSPORT@ a@b",
    "@TOKEN@ @TOKEN@ @MAX_MESSAGE@ @UPLOAD_MIN@ @LOG_CONSOLE@ @MEDIA_BASE@ @STREAM_BASE@ @POLL_DEPTH@ @TRANSPORT@",
    "@MAX_MESSAGE@ @UPLOAD_MIN@ @LOG_CONSOLE@ @MEDIA_BASE@ @STREAM_BASE@ @POLL_DEPTH@ @TRANSPORT@",
  };
  const char *good = "@TOKEN@ @MAX_MESSAGE@ @UPLOAD_MIN@ @LOG_CONSOLE@ @MEDIA_BASE@ @STREAM_BASE@ @POLL_DEPTH@ @TRANSPORT@";
  g_autofree char *out = NULL;

  g_test_summary ("A template with an unknown, unclosed, repeated or missing placeholder "
                  "is refused, with a message that names it.");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = _atrium_runtime_render (bad[i], &values, &error);

      g_assert_null (text);
      g_assert_error (error, ATRIUM_ERROR, ATRIUM_ERROR_FAILED);
    }
  out = _atrium_runtime_render (good, &values, NULL);
  g_assert_cmpstr (out, ==, "0123456789abcdef0123456789abcdef 1000 256 true "
                            "http://127.0.0.1:9/t http://127.0.0.1:9/t 2 auto");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/atrium/runtime/render", test_render);
  g_test_add_func ("/atrium/runtime/bad-templates", test_bad_templates);

  return g_test_run ();
}

#include "config.h"

#include "fuzz-common.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "atrium-error.h"
#include "atrium-http-private.h"
#include "atrium-scheme-request-private.h"

/* The app:// handler's decisions, from what a request shows before its
 * body: method, URI, path, Origin, Referer, Content-Type, Range, and
 * whether it came from an app window. An input is one byte of flags, then
 * fields separated by newlines:
 *
 *   FLAGS METHOD \n URI \n PATH \n ORIGIN \n REFERER \n CONTENT-TYPE \n RANGE \n SIZE \n DEV-ORIGIN
 *
 * Flag bits: 0 from an app window, 1 the app has assets; bits 2 to 7 make
 * METHOD, ORIGIN, REFERER, CONTENT-TYPE, RANGE and DEV-ORIGIN absent
 * (NULL). A missing field is absent too. SIZE is the file's size in
 * decimal, saturating (-1 when empty: unknown). */

enum
{
  FROM_APP_WINDOW = 1 << 0,
  HAS_ASSETS = 1 << 1,
  NO_METHOD = 1 << 2,
  NO_ORIGIN = 1 << 3,
  NO_REFERER = 1 << 4,
  NO_CONTENT_TYPE = 1 << 5,
  NO_RANGE = 1 << 6,
  NO_DEV_ORIGIN = 1 << 7,
};

enum
{
  METHOD,
  URI,
  PATH,
  ORIGIN,
  REFERER,
  CONTENT_TYPE,
  RANGE,
  SIZE,
  DEV_ORIGIN,
  N_FIELDS
};

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  return 0;
}

static gboolean
decisions_equal (const AtriumSchemeDecision *a,
                 const AtriumSchemeDecision *b)
{
  return a->action == b->action && a->status == b->status && a->message == b->message
         && a->error_code == b->error_code && a->allow == b->allow && a->head == b->head
         && a->key == b->key && a->key_length == b->key_length;
}

static void
check_decision (const AtriumSchemeRequest  *request,
                const AtriumSchemeDecision *decision)
{
  const char *method = request->method != NULL ? request->method : "GET";
  gboolean served_origin = request->uri != NULL && request->path != NULL
                           && g_str_has_prefix (request->uri, ATRIUM_ORIGIN "/");
  gboolean upload_path = request->path != NULL
                         && strcmp (request->path, ATRIUM_UPLOAD_PATH) == 0;
  AtriumSchemeDecision again;

  switch (decision->action)
    {
    case ATRIUM_SCHEME_REFUSE:
      g_assert_nonnull (decision->message);
      g_assert_true (decision->status == 400 || decision->status == 403
                     || decision->status == 404 || decision->status == 405
                     || decision->status == 415);
      /* 405 says what is allowed, and nothing else does. */
      g_assert_true ((decision->status == 405) == (decision->allow != NULL));
      /* Only a malformed upload key is an error the runtime reads. */
      g_assert_true (decision->error_code == -1
                     || (decision->error_code == ATRIUM_ERROR_BAD_ARGS
                         && decision->status == 400 && upload_path));
      break;

    case ATRIUM_SCHEME_SERVE:
      /* Reads of app://localhost/ only, never the upload path. */
      g_assert_true (served_origin);
      g_assert_false (upload_path);
      g_assert_true (request->has_assets);
      g_assert_true (strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0);
      g_assert_true (decision->head == (strcmp (method, "HEAD") == 0));
      break;

    case ATRIUM_SCHEME_UPLOAD:
      /* Only what the runtime's own fetch() looks like. */
      g_assert_true (served_origin);
      g_assert_true (upload_path);
      g_assert_true (request->from_app_window);
      g_assert_cmpstr (method, ==, "POST");
      g_assert_cmpstr (request->content_type, ==, ATRIUM_UPLOAD_CONTENT_TYPE);
      g_assert_true (request->origin == NULL || strcmp (request->origin, ATRIUM_ORIGIN) == 0);
      g_assert_true (request->referer == NULL
                     || g_str_has_prefix (request->referer, ATRIUM_ORIGIN "/"));
      /* The key is the whole query, inside the URI, and valid. */
      g_assert_true (decision->key > request->uri && decision->key[-1] == '?');
      g_assert_cmpuint (strlen (decision->key), ==, decision->key_length);
      g_assert_true (_atrium_upload_key_is_valid (decision->key, decision->key_length));
      break;

    default:
      g_assert_not_reached ();
    }

  /* Not from the app's origin, or for the upload path with any method but
   * POST: never anything but a refusal. */
  if (!served_origin || (upload_path && strcmp (method, "POST") != 0))
    g_assert_cmpint (decision->action, ==, ATRIUM_SCHEME_REFUSE);

  /* Pure: the same request, the same answer. */
  _atrium_scheme_decide (request, &again);
  g_assert_true (decisions_equal (decision, &again));
}

static void
check_range (const char *range,
             goffset     size)
{
  goffset start = -7, length = -7;
  guint status = _atrium_http_plan_range (range, size, &start, &length);

  switch (status)
    {
    case 200:
      g_assert_cmpint (start, ==, 0);
      g_assert_cmpint (length, ==, size);
      break;

    case 206:
      /* Some of the file, none of it past the end: exactly what the
       * response announces and the slice stream sends. */
      g_assert_cmpint (size, >, 0);
      g_assert_cmpint (start, >=, 0);
      g_assert_cmpint (length, >=, 1);
      g_assert_cmpint (start, <, size);
      g_assert_cmpint (length, <=, size - start);
      break;

    case 416:
      g_assert_cmpint (size, >=, 0);
      g_assert_cmpint (length, ==, 0);
      break;

    default:
      g_assert_not_reached ();
    }

  /* No Range, or a file of unknown size: the whole of it. */
  g_assert_cmpuint (_atrium_http_plan_range (NULL, size, &start, &length), ==, 200);
  if (size < 0)
    g_assert_cmpuint (status, ==, 200);
}

/* The frame guard's rules for any origin: JSON WebKit can compile, one
 * trigger that blocks app:// subresources, every exception anchored. */
static void
check_frame_rules (const char *origin)
{
  g_autofree char *rules = _atrium_scheme_frame_rules (origin);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = json_from_string (rules, &error);
  JsonObject *rule, *trigger;
  JsonArray *exceptions;

  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 1);
  rule = json_array_get_object_element (json_node_get_array (root), 0);
  trigger = json_object_get_object_member (rule, "trigger");
  g_assert_cmpstr (json_object_get_string_member (trigger, "url-filter"), ==, "^app://");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (rule, "action"),
                                                  "type"), ==, "block");
  exceptions = json_object_get_array_member (trigger, "unless-frame-url");
  /* The app's origin and its blob: documents, and the same for a dev
   * server's. */
  g_assert_cmpuint (json_array_get_length (exceptions), ==,
                    strcmp (origin, ATRIUM_ORIGIN) == 0 ? 2 : 4);
  g_assert_cmpstr (json_array_get_string_element (exceptions, 0), ==, "^app://localhost/");
  for (guint i = 0; i < json_array_get_length (exceptions); i++)
    g_assert_true (json_array_get_string_element (exceptions, i)[0] == '^');
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *field[N_FIELDS] = { NULL };
  AtriumSchemeRequest request = { NULL };
  AtriumSchemeDecision decision;
  guint8 flags;
  goffset file_size = -1;

  if (size == 0)
    return 0;
  flags = data[0];
  /* Header values and URIs are C strings: each field ends at a NUL. */
  text = g_strndup ((const char *) data + 1, size - 1);
  fields = g_strsplit (text, "\n", N_FIELDS);
  for (guint i = 0; i < N_FIELDS && fields[i] != NULL; i++)
    field[i] = fields[i];

  request.uri = field[URI];
  request.path = field[PATH];
  request.method = flags & NO_METHOD ? NULL : field[METHOD];
  request.origin = flags & NO_ORIGIN ? NULL : field[ORIGIN];
  request.referer = flags & NO_REFERER ? NULL : field[REFERER];
  request.content_type = flags & NO_CONTENT_TYPE ? NULL : field[CONTENT_TYPE];
  request.from_app_window = (flags & FROM_APP_WINDOW) != 0;
  request.has_assets = (flags & HAS_ASSETS) != 0;

  _atrium_scheme_decide (&request, &decision);
  check_decision (&request, &decision);

  if (field[SIZE] != NULL && field[SIZE][0] != '\0')
    {
      file_size = 0;
      /* Digits only, saturating, so any size up to G_MAXINT64 can come. */
      for (const char *p = field[SIZE]; *p != '\0'; p++)
        if (g_ascii_isdigit (*p))
          file_size = file_size > (G_MAXINT64 - 9) / 10 ? G_MAXINT64
                                                         : file_size * 10 + (*p - '0');
    }
  check_range (flags & NO_RANGE ? NULL : field[RANGE], file_size);

  /* A dev origin comes from GUri, so it is valid UTF-8. */
  if (flags & NO_DEV_ORIGIN || field[DEV_ORIGIN] == NULL
      || !g_utf8_validate (field[DEV_ORIGIN], -1, NULL))
    check_frame_rules (ATRIUM_ORIGIN);
  else
    check_frame_rules (field[DEV_ORIGIN]);

  return 0;
}

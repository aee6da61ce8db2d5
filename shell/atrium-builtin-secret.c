#include "config.h"

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Secret"

#include "atrium-builtins-private.h"

#include <string.h>

#include <libsecret/secret.h>

#include "atrium-app-private.h"

/* atrium.secret: strings the app keeps in the desktop's keyring (the
 * Secret Service: GNOME Keyring, KWallet, KeePassXC) through libsecret,
 * rather than in a file of its own: set(key, value), get(key), delete(key).
 *
 * Each app's secrets are items of a schema named after its application
 * id, with one attribute, `key`; libsecret matches the schema's name too,
 * so one app never reads another's. They go to the default collection
 * (the login keyring), which the desktop unlocks at login.
 *
 * Its own group, ATRIUM_BUILTIN_SECRET, off by default: a page (or a
 * script injected into one) could read back whatever the app stored.
 *
 * Where no Secret Service owns its name on the session bus, every call is
 * `not-supported`. The name is asked for (NameHasOwner, never starting a
 * service) on each call, asynchronously, like everything here: nothing
 * blocks the main thread. A Secret Service that is activatable but not
 * running is not started: on a desktop that has one, it runs from login;
 * started here, it could only ask the user to make a keyring, unasked.
 *
 * The pages' calls run one at a time per app, in the order they were made
 * (set then get sees the value, even without waiting in between), from a
 * queue of at most SECRET_QUEUE_MAX calls; past that, `queue-full`. All of
 * it on the main thread. */

#define SECRET_SERVICE_NAME "org.freedesktop.secrets"
#define SECRET_DATA "atrium-builtin-secret"
#define SECRET_KEY_MAX 256
#define SECRET_VALUE_MAX (64 * 1024)
#define SECRET_QUEUE_MAX 64

typedef enum {
  OP_SET,
  OP_GET,
  OP_DELETE,
} Op;

typedef struct
{
  AtriumCall   *call;     /* the method's reference, consumed by the answer */
  Op            op;
  char         *key;
  char         *value;    /* OP_SET: wiped when freed */
  SecretSchema *schema;
  AtriumApp    *app;      /* a reference: the app outlives its calls */
  struct _SecretData *data;
} Request;

/* Per app, as object data; main thread only. */
typedef struct _SecretData
{
  GQueue     waiting;     /* Request *, at most SECRET_QUEUE_MAX */
  Request   *running;     /* the one call talking to the service */
} SecretData;

static void run_next (SecretData *data);

static void
request_free (Request *request)
{
  if (request->value != NULL)
    {
      explicit_bzero (request->value, strlen (request->value));
      g_free (request->value);
    }
  g_free (request->key);
  g_clear_pointer (&request->schema, secret_schema_unref);
  g_object_unref (request->app);
  g_free (request);
}

/* Answers the running call with @error, or with @result, and starts the
 * next. */
static void
finish (Request  *request,
        JsonNode *result,
        GError   *error)
{
  SecretData *data = request->data;
  /* The request's reference may be the app's last: the queue is the app's. */
  g_autoptr(AtriumApp) app = g_object_ref (request->app);

  g_assert (data->running == request);
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    atrium_call_return_error (request->call, ATRIUM_ERROR_CANCELLED, "The call was cancelled");
  else if (error != NULL && error->domain == ATRIUM_ERROR)
    atrium_call_return_gerror (request->call, error);
  else if (error != NULL)
    atrium_call_return_error (request->call, ATRIUM_ERROR_FAILED,
                              "The Secret Service failed: %s", error->message);
  else
    atrium_call_return_value (request->call, result);
  data->running = NULL;
  request_free (request);
  run_next (data);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      finish (user_data, NULL, error);
      return;
    }
  finish (user_data, json_node_new (JSON_NODE_NULL), NULL);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  char *value = secret_password_lookup_finish (result, &error);
  JsonNode *node;

  if (error != NULL)
    {
      finish (user_data, NULL, error);
      return;
    }
  if (value == NULL)
    {
      finish (user_data, json_node_new (JSON_NODE_NULL), NULL);
      return;
    }
  /* Only set() writes under this schema, but another program may have. */
  if (!g_utf8_validate (value, -1, NULL))
    {
      secret_password_free (value);
      error = g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_FAILED,
                           "The stored secret is not text");
      finish (user_data, NULL, error);
      return;
    }
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, value);
  secret_password_free (value);
  finish (user_data, node, NULL);
}

static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean removed = secret_password_clear_finish (result, &error);
  JsonNode *node;

  if (error != NULL)
    {
      finish (user_data, NULL, error);
      return;
    }
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_boolean (node, removed);
  finish (user_data, node, NULL);
}

static void
has_owner_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Request *request = user_data;
  GCancellable *cancellable = atrium_call_get_cancellable (request->call);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *label = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      finish (request, NULL, error);
      return;
    }
  g_variant_get (reply, "(b)", &owned);
  if (!owned)
    {
      error = g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                           "No Secret Service (" SECRET_SERVICE_NAME ") is running on the "
                           "session bus");
      finish (request, NULL, error);
      return;
    }

  switch (request->op)
    {
    case OP_SET:
      /* What the user sees in the keyring's manager. */
      label = g_strdup_printf ("%s: %s", request->schema->name, request->key);
      secret_password_store (request->schema, SECRET_COLLECTION_DEFAULT, label, request->value,
                             cancellable, stored_cb, request, "key", request->key, NULL);
      break;
    case OP_GET:
      secret_password_lookup (request->schema, cancellable, looked_up_cb, request,
                              "key", request->key, NULL);
      break;
    case OP_DELETE:
      secret_password_clear (request->schema, cancellable, cleared_cb, request,
                             "key", request->key, NULL);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
bus_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);

  if (bus == NULL)
    {
      g_autoptr(GError) unsupported =
        g_error_new (ATRIUM_ERROR, ATRIUM_ERROR_NOT_SUPPORTED,
                     "No session bus, so no Secret Service: %s", error->message);

      finish (request, NULL, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                             ? error : unsupported);
      return;
    }
  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          g_variant_new ("(s)", SECRET_SERVICE_NAME), G_VARIANT_TYPE ("(b)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          atrium_call_get_cancellable (request->call), has_owner_cb, request);
}

static void
run_next (SecretData *data)
{
  Request *request;

  while (data->running == NULL && (request = g_queue_pop_head (&data->waiting)) != NULL)
    {
      /* Cancelled while it waited: answered without a word to the service. */
      if (g_cancellable_is_cancelled (atrium_call_get_cancellable (request->call)))
        {
          atrium_call_return_error (request->call, ATRIUM_ERROR_CANCELLED,
                                    "The call was cancelled");
          request_free (request);
          continue;
        }
      data->running = request;
      g_bus_get (G_BUS_TYPE_SESSION, atrium_call_get_cancellable (request->call), bus_cb,
                 request);
    }
}

static void
secret_data_free (gpointer pointer)
{
  SecretData *data = pointer;

  /* Each request holds a reference on the app: nothing is waiting or
   * running by now. */
  g_assert (data->running == NULL && g_queue_is_empty (&data->waiting));
  g_free (data);
}

static SecretData *
secret_data (AtriumApp *app)
{
  SecretData *data = g_object_get_data (G_OBJECT (app), SECRET_DATA);

  if (data == NULL)
    {
      data = g_new0 (SecretData, 1);
      g_queue_init (&data->waiting);
      g_object_set_data_full (G_OBJECT (app), SECRET_DATA, data, secret_data_free);
    }
  return data;
}

/* Checks the arguments and queues the call; every failure answers it. */
static void
queue_call (AtriumCall *call,
            Op          op)
{
  AtriumWindow *window = atrium_call_get_window (call);
  const char *key = NULL;
  const char *value = NULL;
  const char *id;
  AtriumApp *app;
  SecretData *data;
  Request *request;

  if (!_atrium_builtin_arg_string (call, 0, "The key", SECRET_KEY_MAX, &key))
    return;
  if (*key == '\0')
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "The key must not be empty");
      return;
    }
  if (op == OP_SET
      && !_atrium_builtin_arg_string (call, 1, "The value", SECRET_VALUE_MAX, &value))
    return;
  if (window == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  app = atrium_window_get_app (window);
  id = g_application_get_application_id (G_APPLICATION (app));
  if (id == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_SUPPORTED,
                                "The app has no application id to keep its secrets under "
                                "(atrium_app_new() with an id, or the launcher's --app-id)");
      return;
    }
  data = secret_data (app);
  if (g_queue_get_length (&data->waiting) >= SECRET_QUEUE_MAX)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_QUEUE_FULL,
                                "More than %d atrium.secret calls are waiting",
                                SECRET_QUEUE_MAX);
      return;
    }

  request = g_new0 (Request, 1);
  request->call = call;
  request->op = op;
  request->key = g_strdup (key);
  request->value = g_strdup (value);
  request->schema = secret_schema_new (id, SECRET_SCHEMA_NONE,
                                       "key", SECRET_SCHEMA_ATTRIBUTE_STRING, NULL);
  request->app = g_object_ref (app);
  request->data = data;
  g_queue_push_tail (&data->waiting, request);
  run_next (data);
}

static void
set_cb (AtriumCall *call,
        gpointer    user_data)
{
  queue_call (call, OP_SET);
}

static void
get_cb (AtriumCall *call,
        gpointer    user_data)
{
  queue_call (call, OP_GET);
}

static void
delete_cb (AtriumCall *call,
           gpointer    user_data)
{
  queue_call (call, OP_DELETE);
}

static const AtriumBuiltinMethod methods[] = {
  { "secret.set", set_cb, ATRIUM_BIND_ASYNC },
  { "secret.get", get_cb, ATRIUM_BIND_ASYNC },
  { "secret.delete", delete_cb, ATRIUM_BIND_ASYNC },
};

const AtriumBuiltinGroup _atrium_builtin_secret_group = {
  ATRIUM_BUILTIN_SECRET, "atrium.secret", "ATRIUM_BUILTIN_SECRET",
  methods, G_N_ELEMENTS (methods),
};

#include "config.h"

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Store"

#include "atrium-builtins-private.h"

#include <string.h>

#include "atrium-app-private.h"
#include "atrium-store-private.h"

/* atrium.store: the app's settings (atrium-store.c) for its pages, and
 * each change as the pages' atrium:store.changed {key, value}.
 *
 * The store lives with the app (object data, not a field of AtriumApp),
 * made on first use. The pages' calls run one after another on a thread
 * of the group's own, so a write's fsync never holds up the main thread
 * and a page's calls act in the order it made them: set('k', 1) then
 * get('k') sees 1 even if the page did not wait in between. */

#define STORE_DATA "atrium-builtin-store"

typedef struct
{
  AtriumApp   *app;     /* the app whose data this is */
  AtriumStore *store;
  GThreadPool *pool;    /* one thread: the pages' calls in order */
} StoreData;

typedef enum {
  OP_GET,
  OP_SET,
  OP_DELETE,
  OP_KEYS,
  OP_CLEAR,
} Op;

typedef struct
{
  AtriumCall  *call;
  AtriumStore *store;
  Op           op;
  char        *key;
  JsonNode    *value;
} Job;

static GMutex store_lock;   /* making an app's store, from any thread */

static void
job_free (Job *job)
{
  g_object_unref (job->store);
  g_free (job->key);
  g_clear_pointer (&job->value, json_node_unref);
  g_free (job);
}

static void
run_job_cb (gpointer data,
            gpointer user_data)
{
  Job *job = data;
  g_autoptr(GError) error = NULL;
  gboolean existed;

  switch (job->op)
    {
    case OP_GET:
      {
        JsonNode *value = atrium_store_get (job->store, job->key);

        atrium_call_return_value (job->call,
                                  value != NULL ? value : json_node_new (JSON_NODE_NULL));
        break;
      }
    case OP_SET:
      if (atrium_store_set (job->store, job->key, job->value, &error))
        _atrium_builtin_return_null (job->call);
      else
        atrium_call_return_gerror (job->call, error);
      break;
    case OP_DELETE:
      if (_atrium_store_delete_full (job->store, job->key, &existed, &error))
        _atrium_builtin_return_bool (job->call, existed);
      else
        atrium_call_return_gerror (job->call, error);
      break;
    case OP_KEYS:
      {
        g_auto(GStrv) keys = atrium_store_dup_keys (job->store);
        JsonArray *array = json_array_sized_new (g_strv_length (keys));

        for (guint i = 0; keys[i] != NULL; i++)
          json_array_add_string_element (array, keys[i]);
        atrium_call_return_value (job->call, json_node_init_array (json_node_alloc (), array));
        json_array_unref (array);
        break;
      }
    case OP_CLEAR:
      if (atrium_store_clear (job->store, &error))
        _atrium_builtin_return_null (job->call);
      else
        atrium_call_return_gerror (job->call, error);
      break;
    }
  job_free (job);
}

static void
store_data_free (gpointer data)
{
  StoreData *store_data = data;

  /* Lets the calls in line finish: their results find no window and are
   * dropped, but their writes are made. */
  if (store_data->pool != NULL)
    g_thread_pool_free (store_data->pool, FALSE, TRUE);
  /* A change announced after this would find no app. */
  g_signal_handlers_disconnect_by_data (store_data->store, store_data->app);
  g_object_unref (store_data->store);
  g_free (store_data);
}

static void
store_changed_cb (AtriumStore *store,
                  const char  *key,
                  JsonNode    *value,
                  gpointer     user_data)
{
  AtriumApp *app = user_data;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) data = NULL;

  if (!_atrium_builtins_group_check (app, &_atrium_builtin_store_group, NULL))
    return;
  object = json_object_new ();
  if (key != NULL)
    json_object_set_string_member (object, "key", key);
  else
    json_object_set_null_member (object, "key");
  json_object_set_member (object, "value",
                          value != NULL ? json_node_copy (value) : json_node_new (JSON_NODE_NULL));
  data = json_node_init_object (json_node_alloc (), object);
  _atrium_app_emit_builtin (app, 0, 0, "atrium:store.changed", data);
}

static const char *
app_folder_name (AtriumApp *app)
{
  const char *id = g_application_get_application_id (G_APPLICATION (app));
  const char *name = g_get_prgname ();

  if (id != NULL)
    return id;
  /* An app without an id still gets a folder of its own, if its program
   * name can be one. */
  if (name != NULL && *name != '\0' && *name != '.' && strchr (name, '/') == NULL)
    return name;
  return "atrium";
}

/* The folder under @base (an XDG directory) for @app's files. */
char *
_atrium_builtin_app_folder (AtriumApp  *app,
                            const char *base)
{
  return g_build_filename (base, app_folder_name (app), NULL);
}

static StoreData *
get_store_data (AtriumApp *app)
{
  StoreData *data;

  g_mutex_lock (&store_lock);
  data = g_object_get_data (G_OBJECT (app), STORE_DATA);
  if (data == NULL)
    {
      g_autofree char *path = _atrium_store_path_for_app (app_folder_name (app));

      data = g_new0 (StoreData, 1);
      data->app = app;
      data->store = _atrium_store_new (path, NULL);
      g_signal_connect (data->store, "changed", G_CALLBACK (store_changed_cb), app);
      g_object_set_data_full (G_OBJECT (app), STORE_DATA, data, store_data_free);
    }
  g_mutex_unlock (&store_lock);
  return data;
}

/**
 * atrium_app_get_store:
 *
 * The app's settings store, shared by C and the pages' `atrium.store`: one
 * file per application id, `$XDG_CONFIG_HOME/APP-ID/store.json`, read the
 * first time this is called. Its #AtriumStore::changed signal tells every
 * change, the pages' included; the pages hear C's changes as
 * `atrium:store.changed`. Any thread.
 *
 * Returns: (transfer none): the store
 */
AtriumStore *
atrium_app_get_store (AtriumApp *self)
{
  g_return_val_if_fail (ATRIUM_IS_APP (self), NULL);

  return get_store_data (self)->store;
}

/* Takes the call's key (argument 0) and queues the job; the call is
 * finished (with `bad-args`) here if the key is not one. */
static void
queue_job (AtriumCall *call,
           Op          op)
{
  AtriumWindow *caller = atrium_call_get_window (call);
  AtriumApp *app = caller != NULL ? atrium_window_get_app (caller) : NULL;
  g_autoptr(GError) error = NULL;
  StoreData *data;
  const char *key = NULL;
  Job *job;

  if (app == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_NOT_FOUND, "The calling window is closed");
      return;
    }
  if (op == OP_GET || op == OP_SET || op == OP_DELETE)
    {
      if (!_atrium_builtin_arg_string (call, 0, "The key", ATRIUM_STORE_MAX_KEY_LENGTH, &key))
        return;
      if (!_atrium_store_key_is_valid (key, &error))
        {
          atrium_call_return_gerror (call, error);
          return;
        }
    }
  if (op == OP_SET && atrium_call_get_arg (call, 1) == NULL)
    {
      atrium_call_return_error (call, ATRIUM_ERROR_BAD_ARGS, "store.set takes a key and a value");
      return;
    }

  data = get_store_data (app);
  if (data->pool == NULL)
    data->pool = g_thread_pool_new (run_job_cb, NULL, 1, FALSE, NULL);

  job = g_new0 (Job, 1);
  job->call = call;
  job->store = g_object_ref (data->store);
  job->op = op;
  job->key = g_strdup (key);
  if (op == OP_SET)
    job->value = json_node_ref (atrium_call_get_arg (call, 1));
  g_thread_pool_push (data->pool, job, NULL);
}

static void
get_cb (AtriumCall *call,
        gpointer    user_data)
{
  queue_job (call, OP_GET);
}

static void
set_cb (AtriumCall *call,
        gpointer    user_data)
{
  queue_job (call, OP_SET);
}

static void
delete_cb (AtriumCall *call,
           gpointer    user_data)
{
  queue_job (call, OP_DELETE);
}

static void
keys_cb (AtriumCall *call,
         gpointer    user_data)
{
  queue_job (call, OP_KEYS);
}

static void
clear_cb (AtriumCall *call,
          gpointer    user_data)
{
  queue_job (call, OP_CLEAR);
}

static const AtriumBuiltinMethod methods[] = {
  { "store.get", get_cb, ATRIUM_BIND_ASYNC },
  { "store.set", set_cb, ATRIUM_BIND_ASYNC },
  { "store.delete", delete_cb, ATRIUM_BIND_ASYNC },
  { "store.keys", keys_cb, ATRIUM_BIND_ASYNC },
  { "store.clear", clear_cb, ATRIUM_BIND_ASYNC },
};

const AtriumBuiltinGroup _atrium_builtin_store_group = {
  ATRIUM_BUILTIN_STORE, "atrium.store", "ATRIUM_BUILTIN_STORE", methods, G_N_ELEMENTS (methods),
};

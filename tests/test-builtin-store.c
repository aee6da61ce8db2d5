#include "config.h"

#include "webkit-harness.h"

#include <string.h>
#include <glib/gstdio.h>

#include "atrium-builtins-private.h"
#include "atrium-log-limit-private.h"
#include "atrium-store-private.h"
#include "test-util.h"

/* atrium.store, atrium.path and atrium.log from real pages: the store
 * shared by C and two windows with every change announced to each, bad
 * keys and values refused with nothing changed, the groups off, the log's
 * fields and escaping, and --log-level on the launcher. */

/* The pages' log lines (domain Atrium-Page), each a table of its fields;
 * main thread only. Everything else goes to the default writer. */
static GPtrArray *page_lines;

/* The store's warning that it kept a bad file aside (the one warning a
 * test provokes on purpose, counted instead of being fatal), with the
 * domain it came in; from whichever thread opened the store. */
static int aside_warnings;        /* atomic */
static char *aside_domain;        /* aside_lock */
G_LOCK_DEFINE_STATIC (aside_lock);

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (level & G_LOG_LEVEL_WARNING)
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0
          && strstr (fields[i].value, ".corrupt; starting empty") != NULL)
        {
          G_LOCK (aside_lock);
          for (gsize j = 0; j < n_fields; j++)
            if (g_str_equal (fields[j].key, "GLIB_DOMAIN") && fields[j].length < 0)
              {
                g_free (aside_domain);
                aside_domain = g_strdup (fields[j].value);
              }
          G_UNLOCK (aside_lock);
          g_atomic_int_inc (&aside_warnings);
          return G_LOG_WRITER_HANDLED;
        }
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0
        && (g_str_equal (fields[i].value, "Atrium-Page")
            || g_str_equal (fields[i].value, "Atrium-Console")
            || g_str_equal (fields[i].value, "Atrium-Events")))
      {
        GHashTable *line = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

        for (gsize j = 0; j < n_fields; j++)
          if (fields[j].length < 0)
            g_hash_table_insert (line, g_strdup (fields[j].key), g_strdup (fields[j].value));
        g_hash_table_insert (line, g_strdup ("(level)"), g_strdup_printf ("%d", level));
        g_ptr_array_add (page_lines, line);
        return G_LOG_WRITER_HANDLED;
      }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static AtriumApp *
new_app (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AtriumAssets) assets =
    atrium_assets_new_for_directory (g_test_get_filename (G_TEST_DIST, "pages", NULL), &error);

  g_assert_no_error (error);
  return harness_app_new (assets);
}

/* The body's result, which must be a string. */
static char *
run_js_string (AtriumWindow *window,
               const char   *body)
{
  g_autoptr(JsonNode) node = harness_run_js_json (window, body);

  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);
  return g_strdup (json_node_get_string (node));
}

static char *
run_js (AtriumWindow *window,
        const char   *body)
{
  return harness_run_js (window, body);
}

static char *
store_text (AtriumStore *store,
            const char  *key)
{
  g_autoptr(JsonNode) node = atrium_store_get (store, key);

  return node != NULL ? json_to_string (node, FALSE) : g_strdup ("(none)");
}

static void
test_round_trip (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumStore *store = atrium_app_get_store (app);
  AtriumWindow *window = harness_open (app, "/");
  g_autofree char *result = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected_path = NULL;
  g_autoptr(JsonNode) seven = json_from_string ("7", NULL);
  g_autoptr(GError) error = NULL;

  g_test_summary ("A page's store calls act in order, C sees what the page set, and the page "
                  "hears every change (C's included) as atrium:store.changed, in order");

  expected_path = g_build_filename (g_get_user_config_dir (),
                                    g_application_get_application_id (G_APPLICATION (app)),
                                    "store.json", NULL);
  g_assert_cmpstr (atrium_store_get_path (store), ==, expected_path);

  result = run_js_string (window,
    "window.seen = [];"
    "atrium.on('atrium:store.changed', (d) => window.seen.push(JSON.stringify(d)));"
    "window.fromC = new Promise((r) => atrium.on('atrium:store.changed',"
    "  (d) => { if (d.key === 'fromC') r(d.value); }));"
    /* Not awaited one by one: they still act in the order they were made. */
    "const set1 = atrium.store.set('prefs', {theme: 'dark', n: [1, 2.5, null, true]});"
    "const set2 = atrium.store.set('count', 1);"
    "const set3 = atrium.store.set('count', 2);"
    "const read = atrium.store.get('count');"
    "await Promise.all([set1, set2, set3]);"
    "const r = {"
    "  read: await read,"
    "  got: await atrium.store.get('prefs'),"
    "  missing: await atrium.store.get('nope'),"
    "  removed: await atrium.store.delete('count'),"
    "  removedAgain: await atrium.store.delete('count'),"
    "  keys: await atrium.store.keys(),"
    "};"
    "return JSON.stringify(r);");
  g_assert_cmpstr (result, ==,
                   "{\"read\":2,\"got\":{\"theme\":\"dark\",\"n\":[1,2.5,null,true]},"
                   "\"missing\":null,\"removed\":true,\"removedAgain\":false,"
                   "\"keys\":[\"prefs\"]}");

  text = store_text (store, "prefs");
  g_assert_cmpstr (text, ==, "{\"theme\":\"dark\",\"n\":[1,2.5,null,true]}");
  g_assert_true (g_file_test (expected_path, G_FILE_TEST_IS_REGULAR));

  /* C's change reaches the page. */
  g_assert_true (atrium_store_set (store, "fromC", seven, &error));
  g_assert_no_error (error);
  g_clear_pointer (&result, g_free);
  result = run_js (window, "return await window.fromC;");
  g_assert_cmpstr (result, ==, "7");

  g_clear_pointer (&result, g_free);
  result = run_js_string (window, "const cleared = new Promise((r) => atrium.on("
                           "  'atrium:store.changed', (d) => { if (d.key === null) r(); }));"
                           "await atrium.store.clear(); await cleared;"
                           "return window.seen.join(' ');");
  g_assert_cmpstr (result, ==,
                   "{\"key\":\"prefs\",\"value\":{\"theme\":\"dark\",\"n\":[1,2.5,null,true]}} "
                   "{\"key\":\"count\",\"value\":1} "
                   "{\"key\":\"count\",\"value\":2} "
                   "{\"key\":\"count\",\"value\":null} "
                   "{\"key\":\"fromC\",\"value\":7} "
                   "{\"key\":null,\"value\":null}");
  harness_close (window);
}

#define N_WRITES 60

static void
test_two_windows (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumStore *store = atrium_app_get_store (app);
  AtriumWindow *windows[2];
  g_auto(GStrv) keys = NULL;

  g_test_summary ("Two windows writing at once lose no update, and each hears the other's");

  for (guint w = 0; w < 2; w++)
    windows[w] = harness_open (app, "/");

  /* Both listen before either writes. */
  for (guint w = 0; w < 2; w++)
    {
      g_autofree char *body = g_strdup_printf (
        "window.heard = new Promise((r) => { let n = 0;"
        "  atrium.on('atrium:store.changed', (d) => {"
        "    if (d.key !== null && d.key.startsWith('w%u-') && ++n === %d) r(n); }); });"
        "return 0;", 1 - w, N_WRITES);
      g_autofree char *result = run_js (windows[w], body);

      g_assert_cmpstr (result, ==, "0");
    }
  for (guint w = 0; w < 2; w++)
    {
      g_autofree char *body = g_strdup_printf (
        "const writes = [];"
        "for (let i = 0; i < %d; i++) writes.push(atrium.store.set('w%u-' + i, {i}));"
        "window.written = Promise.all(writes);"
        "return 0;", N_WRITES, w);
      g_autofree char *result = run_js (windows[w], body);

      g_assert_cmpstr (result, ==, "0");
    }
  for (guint w = 0; w < 2; w++)
    {
      g_autofree char *written = run_js (windows[w], "await window.written; return 1;");
      g_autofree char *heard = run_js (windows[w], "return await window.heard;");
      g_autofree char *expected = g_strdup_printf ("%d", N_WRITES);

      g_assert_cmpstr (written, ==, "1");
      g_assert_cmpstr (heard, ==, expected);
    }

  keys = atrium_store_dup_keys (store);
  g_assert_cmpuint (g_strv_length (keys), ==, 2 * N_WRITES);
  for (guint w = 0; w < 2; w++)
    for (guint i = 0; i < N_WRITES; i++)
      {
        g_autofree char *key = g_strdup_printf ("w%u-%u", w, i);
        g_autofree char *text = store_text (store, key);
        g_autofree char *expected = g_strdup_printf ("{\"i\":%u}", i);

        g_assert_cmpstr (text, ==, expected);
      }
  for (guint w = 0; w < 2; w++)
    harness_close (windows[w]);
}

static void
test_corrupt_at_start (void)
{
  static const char corrupt[] = "{\"theme\": \"dark\", \"size\": ";
  g_autoptr(AtriumApp) app = new_app ();
  const char *id = g_application_get_application_id (G_APPLICATION (app));
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), id, NULL);
  g_autofree char *path = g_build_filename (dir, "store.json", NULL);
  g_autofree char *aside = g_strconcat (path, ".corrupt", NULL);
  g_autofree char *kept = NULL;
  g_autofree char *result = NULL;
  g_autofree char *text = NULL;
  g_autoptr(AtriumStore) reread = NULL;
  AtriumWindow *window;
  gsize length;

  g_test_summary ("An app whose store file is corrupt starts: its window opens on an empty "
                  "store, the file is kept aside as store.json.corrupt, whole, and the "
                  "store warns once, in its domain");

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  test_write_file (dir, "store.json", corrupt, -1);
  g_atomic_int_set (&aside_warnings, 0);
  G_LOCK (aside_lock);
  g_clear_pointer (&aside_domain, g_free);
  G_UNLOCK (aside_lock);

  window = harness_open (app, "/");
  result = run_js_string (window,
    "const before = await atrium.store.keys();"
    "const theme = await atrium.store.get('theme');"
    "await atrium.store.set('after', 1);"
    "return JSON.stringify({before, theme, after: await atrium.store.keys()});");
  g_assert_cmpstr (result, ==, "{\"before\":[],\"theme\":null,\"after\":[\"after\"]}");

  g_assert_cmpint (g_atomic_int_get (&aside_warnings), ==, 1);
  G_LOCK (aside_lock);
  g_assert_cmpstr (aside_domain, ==, "Atrium-Store");
  G_UNLOCK (aside_lock);
  g_assert_true (g_file_get_contents (aside, &kept, &length, NULL));
  g_assert_cmpmem (kept, length, corrupt, strlen (corrupt));

  /* What the page wrote after is a store again. */
  reread = _atrium_store_new (path, NULL);
  text = store_text (reread, "after");
  g_assert_cmpstr (text, ==, "1");
  g_assert_cmpint (g_atomic_int_get (&aside_warnings), ==, 1);
  harness_close (window);
}

/* A page and a C thread writing the store together. First in lockstep, so
 * the writes are interleaved whatever the timing: the thread writes
 * thread-i, the page (hearing it) writes page-i, the thread (hearing that)
 * goes on. Then both at once, as fast as they can. */
#define N_LOCKSTEP 25
#define N_BURST 60

typedef struct
{
  AtriumStore *store;
  GMutex       lock;
  GCond        cond;
  guint        page_writes;   /* page-i keys changed so far; lock */
  const char  *failed;        /* why the thread stopped early, or NULL */
} ThreadWriter;

static void
page_write_cb (AtriumStore *store,
               const char  *key,
               JsonNode    *value,
               gpointer     user_data)
{
  ThreadWriter *writer = user_data;

  if (key == NULL || !g_str_has_prefix (key, "page-"))
    return;
  g_mutex_lock (&writer->lock);
  writer->page_writes++;
  g_cond_broadcast (&writer->cond);
  g_mutex_unlock (&writer->lock);
}

static gpointer
thread_writer (gpointer data)
{
  ThreadWriter *writer = data;

  for (guint i = 0; i < N_LOCKSTEP + N_BURST; i++)
    {
      g_autofree char *key = NULL;
      g_autoptr(JsonNode) value = json_node_init_int (json_node_alloc (), i);
      g_autoptr(GError) error = NULL;

      if (i < N_LOCKSTEP)
        key = g_strdup_printf ("thread-%u", i);
      else
        key = g_strdup_printf ("burst-thread-%u", i - N_LOCKSTEP);
      if (!atrium_store_set (writer->store, key, value, &error))
        {
          writer->failed = "a write from the thread was refused";
          return NULL;
        }
      if (i < N_LOCKSTEP)
        {
          gint64 deadline = g_get_monotonic_time () + HARNESS_WAIT_SECONDS * G_TIME_SPAN_SECOND;

          /* The page answers each of the thread's writes with one of its own. */
          g_mutex_lock (&writer->lock);
          while (writer->page_writes < i + 1)
            if (!g_cond_wait_until (&writer->cond, &writer->lock, deadline))
              {
                writer->failed = "the page's answer to a thread write never came";
                g_mutex_unlock (&writer->lock);
                return NULL;
              }
          g_mutex_unlock (&writer->lock);
        }
    }
  return NULL;
}

static void
test_page_and_thread (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumStore *store = atrium_app_get_store (app);
  AtriumWindow *window = harness_open (app, "/");
  ThreadWriter writer = { store };
  g_autoptr(AtriumStore) reread = NULL;
  g_autofree char *result = NULL;
  g_autofree char *body = NULL;
  g_auto(GStrv) keys = NULL;
  TestThread *thread;
  gulong handler;

  g_test_summary ("A page and a C thread writing the store at the same time, interleaved "
                  "and then flat out: every write lands, in memory and in the file");

  g_mutex_init (&writer.lock);
  g_cond_init (&writer.cond);
  handler = g_signal_connect (store, "changed", G_CALLBACK (page_write_cb), &writer);

  /* The page listens before the thread writes anything. */
  body = g_strdup_printf (
    "const heard = new Set(); const waiting = new Map();"
    "atrium.on('atrium:store.changed', (d) => {"
    "  if (d.key === null) return;"
    "  heard.add(d.key); const w = waiting.get(d.key); if (w) w(); });"
    "const hear = (key) => heard.has(key) ? Promise.resolve()"
    "  : new Promise((r) => waiting.set(key, r));"
    "window.done = (async () => {"
    "  for (let i = 0; i < %d; i++) {"
    "    await hear('thread-' + i);"
    "    await atrium.store.set('page-' + i, {i});"
    "  }"
    "  const burst = [];"
    "  for (let i = 0; i < %d; i++) burst.push(atrium.store.set('burst-page-' + i, {i}));"
    "  await Promise.all(burst);"
    "  return 'done';"
    "})();"
    "return 'listening';", N_LOCKSTEP, N_BURST);
  result = run_js_string (window, body);
  g_assert_cmpstr (result, ==, "listening");

  thread = test_thread_new ("store-writer", thread_writer, &writer);
  g_clear_pointer (&result, g_free);
  result = run_js_string (window, "return await window.done;");
  g_assert_cmpstr (result, ==, "done");
  test_thread_join (thread, HARNESS_WAIT_SECONDS, "the thread's writes to the store");
  g_assert_null (writer.failed);
  g_signal_handler_disconnect (store, handler);

  keys = atrium_store_dup_keys (store);
  g_assert_cmpuint (g_strv_length (keys), ==, 2 * (N_LOCKSTEP + N_BURST));
  reread = _atrium_store_new (atrium_store_get_path (store), NULL);
  for (guint i = 0; i < N_LOCKSTEP + N_BURST; i++)
    {
      gboolean burst = i >= N_LOCKSTEP;
      guint n = burst ? i - N_LOCKSTEP : i;
      g_autofree char *page_key = g_strdup_printf ("%spage-%u", burst ? "burst-" : "", n);
      g_autofree char *thread_key = g_strdup_printf ("%sthread-%u", burst ? "burst-" : "", n);
      g_autofree char *page_value = g_strdup_printf ("{\"i\":%u}", n);
      g_autofree char *thread_value = g_strdup_printf ("%u", i);

      for (guint s = 0; s < 2; s++)
        {
          AtriumStore *from = s == 0 ? store : reread;
          g_autofree char *page_text = store_text (from, page_key);
          g_autofree char *thread_text = store_text (from, thread_key);

          g_assert_cmpstr (page_text, ==, page_value);
          g_assert_cmpstr (thread_text, ==, thread_value);
        }
    }
  g_mutex_clear (&writer.lock);
  g_cond_clear (&writer.cond);
  harness_close (window);
}

static void
test_hostile (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumStore *store = atrium_app_get_store (app);
  AtriumWindow *window = harness_open (app, "/");
  g_autoptr(JsonNode) codes = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *text = NULL;
  JsonArray *array;
  static const char * const expected[] = {
    "bad-args", "bad-args", "bad-args", "bad-args", "bad-args", "bad-args",
    "bad-args", "bad-args", "bad-args", "bad-args", "too-large", "bad-args", "bad-args",
    "too-large", "resolved", "bad-args", "bad-args",
  };

  g_test_summary ("Bad keys and values are refused with bad-args or too-large, and change "
                  "nothing");

  codes = harness_run_js_json (window,
    HARNESS_JS_CODE
    "const deep = (n) => { let v = 1; for (let i = 0; i < n; i++) v = [v]; return v; };"
    "const out = [];"
    "for (const f of ["
    "  () => atrium.store.get(1),"
    "  () => atrium.store.get(''),"
    "  () => atrium.store.get('k'.repeat(257)),"
    "  () => atrium.store.get(null),"
    "  () => atrium.store.get({}),"
    "  () => atrium.store.set(),"
    "  () => atrium.store.set('k'),"
    "  () => atrium.store.set('k', undefined),"
    "  () => atrium.store.delete(['a']),"
    "  () => atrium.call('atrium:store.set', 'k'),"
    "  () => atrium.store.set('big', 'x'.repeat(1024 * 1024)),"
    "  () => atrium.store.set('deep', deep(65)),"
    "  () => atrium.store.set('deeper', deep(1000)),"
    "  async () => { for (let i = 0; i < 5; i++)"
    "    await atrium.store.set('fill' + i, 'x'.repeat(1024 * 1024 - 10)); },"
    "  () => atrium.store.set('k'.repeat(256), deep(64)),"
    /* A NUL would cut the key short in C; a lone surrogate is no UTF-8. */
    "  () => atrium.store.set('k\\u0000tail', 1),"
    "  () => atrium.store.set('\\ud800', 1),"
    "]) out.push(await code(f));"
    "return out;");
  array = json_node_get_array (codes);
  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (json_array_get_string_element (array, i), ==, expected[i]);

  /* Only what was within the limits is there: the fills that fit, and the
   * longest key with the deepest value. */
  keys = atrium_store_dup_keys (store);
  g_assert_cmpuint (g_strv_length (keys), ==, 4);
  g_assert_cmpstr (keys[0], ==, "fill0");
  g_assert_cmpstr (keys[2], ==, "fill2");
  g_assert_cmpuint (strlen (keys[3]), ==, 256);
  text = store_text (store, "k");
  g_assert_cmpstr (text, ==, "(none)");
  harness_close (window);
}

static void
test_paths (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window = harness_open (app, "/");
  const char *id = g_application_get_application_id (G_APPLICATION (app));
  g_autoptr(JsonNode) paths = NULL;
  JsonObject *object;
  const struct
  {
    const char *name;
    const char *base;
  } own[] = {
    { "config", g_get_user_config_dir () },
    { "data", g_get_user_data_dir () },
    { "cache", g_get_user_cache_dir () },
    { "state", g_get_user_state_dir () },
  };

  g_test_summary ("atrium.path: the app's folders, made on first use, and the user's");

  for (guint i = 0; i < G_N_ELEMENTS (own); i++)
    {
      g_autofree char *folder = g_build_filename (own[i].base, id, NULL);

      g_assert_false (g_file_test (folder, G_FILE_TEST_EXISTS));
    }
  paths = harness_run_js_json (window,
    "const p = atrium.path, r = {};"
    "for (const name of ['config', 'data', 'cache', 'state', 'home', 'downloads',"
    "  'documents', 'pictures', 'temp']) r[name] = await p[name]();"
    "return r;");
  object = json_node_get_object (paths);
  for (guint i = 0; i < G_N_ELEMENTS (own); i++)
    {
      g_autofree char *folder = g_build_filename (own[i].base, id, NULL);
      struct stat st;

      g_assert_cmpstr (json_object_get_string_member (object, own[i].name), ==, folder);
      g_assert_cmpint (g_stat (folder, &st), ==, 0);
      g_assert_true (S_ISDIR (st.st_mode));
      g_assert_cmpint (st.st_mode & 0777, ==, 0700);
    }
  g_assert_cmpstr (json_object_get_string_member (object, "home"), ==, g_get_home_dir ());
  g_assert_cmpstr (json_object_get_string_member (object, "temp"), ==, g_get_tmp_dir ());
  g_assert_cmpstr (json_object_get_string_member_with_default (object, "downloads", NULL), ==,
                   g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD));
  g_assert_true (json_object_has_member (object, "documents"));
  g_assert_true (json_object_has_member (object, "pictures"));
  harness_close (window);
}

static void
changed_cb (AtriumStore *store,
            const char  *key,
            JsonNode    *value,
            gpointer     user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_groups_off (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window = NULL;
  g_autoptr(JsonNode) codes = NULL;
  g_autoptr(JsonNode) one = json_from_string ("1", NULL);
  g_autoptr(JsonNode) data = json_from_string ("1", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *heard = NULL;
  gboolean changed = FALSE;
  JsonArray *array;

  g_test_summary ("With the groups off, their calls are forbidden, naming the switch, and "
                  "C's store changes are not sent to pages");

  atrium_app_set_builtins (app, ATRIUM_BUILTIN_WINDOW);
  window = harness_open (app, "/");
  codes = harness_run_js_json (window,
    "const out = [];"
    "window.heard = [];"
    "atrium.on('atrium:store.changed', (d) => window.heard.push('store'));"
    "window.after = new Promise((r) => atrium.on('after', () => r(window.heard.join())));"
    "for (const f of [() => atrium.store.get('a'), () => atrium.store.set('a', 1),"
    "  () => atrium.path.home(), () => atrium.log.info('x')]) {"
    "  try { await f(); out.push('resolved'); } catch (e) { out.push(e.code + ' ' + e.message); }"
    "}"
    "return out;");
  array = json_node_get_array (codes);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==,
                   "forbidden atrium.store is off: call atrium_app_set_builtins (app, … | "
                   "ATRIUM_BUILTIN_STORE)");
  g_assert_true (g_str_has_prefix (json_array_get_string_element (array, 1), "forbidden "));
  g_assert_true (g_str_has_suffix (json_array_get_string_element (array, 2),
                                   "ATRIUM_BUILTIN_PATH)"));
  g_assert_true (g_str_has_suffix (json_array_get_string_element (array, 3),
                                   "ATRIUM_BUILTIN_LOG)"));

  /* C's store works; once its change is announced (to this handler, after
   * the group's), an event emitted then arrives with nothing before it. */
  g_signal_connect (atrium_app_get_store (app), "changed", G_CALLBACK (changed_cb), &changed);
  g_assert_true (atrium_store_set (atrium_app_get_store (app), "a", one, &error));
  g_assert_no_error (error);
  harness_wait (&changed, "the store's change to be announced");
  g_assert_true (atrium_app_emit (app, "after", data, &error));
  g_assert_no_error (error);
  heard = run_js_string (window, "return await window.after;");
  g_assert_cmpstr (heard, ==, "");
  g_signal_handlers_disconnect_by_data (atrium_app_get_store (app), &changed);
  harness_close (window);
}

static const char *
line_field (guint       index,
            const char *name)
{
  g_assert_cmpuint (index, <, page_lines->len);
  return g_hash_table_lookup (g_ptr_array_index (page_lines, index), name);
}

static void
test_log (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window = harness_open (app, "/");
  g_autofree char *id = g_strdup_printf ("%u", atrium_window_get_id (window));
  g_autoptr(JsonNode) codes = NULL;
  g_autofree char *result = NULL;
  JsonArray *array;
  guint64 suppressed;
  guint before;

  g_test_summary ("atrium.log: structured lines with the window id, the page URL and the "
                  "page's fields, escaped; bad fields refused; the page budget applies");

  g_log_set_debug_enabled (TRUE);
  g_ptr_array_set_size (page_lines, 0);
  result = run_js (window,
    "await atrium.log.info('saved\\nAtrium-WARNING **: forged', {file: 'a.txt', bytes: 120,"
    "  ok: true, none: null, tab: 'a\\tb\\u0007'});"
    "await atrium.log.warn('careful');"
    "await atrium.log.error('broken', null);"
    "await atrium.log.debug('detail');"
    "return 1;");
  g_assert_cmpstr (result, ==, "1");
  g_assert_cmpuint (page_lines->len, ==, 4);
  g_assert_cmpstr (line_field (0, "MESSAGE"), ==, "saved\\nAtrium-WARNING **: forged");
  g_assert_cmpstr (line_field (0, "PRIORITY"), ==, "6");
  g_assert_cmpstr (line_field (0, "ATRIUM_WINDOW_ID"), ==, id);
  g_assert_true (g_str_has_prefix (line_field (0, "ATRIUM_PAGE_URL"), "app://"));
  g_assert_cmpstr (line_field (0, "PAGE_FILE"), ==, "a.txt");
  g_assert_cmpstr (line_field (0, "PAGE_BYTES"), ==, "120");
  g_assert_cmpstr (line_field (0, "PAGE_OK"), ==, "true");
  g_assert_cmpstr (line_field (0, "PAGE_NONE"), ==, "null");
  g_assert_cmpstr (line_field (0, "PAGE_TAB"), ==, "a\tb\\x07");
  g_assert_cmpstr (line_field (0, "(level)"), ==, "64");   /* G_LOG_LEVEL_INFO */
  /* Warnings and errors: the journal's priority, at MESSAGE level. */
  g_assert_cmpstr (line_field (1, "PRIORITY"), ==, "4");
  g_assert_cmpstr (line_field (1, "(level)"), ==, "32");
  g_assert_cmpstr (line_field (2, "PRIORITY"), ==, "3");
  g_assert_cmpstr (line_field (2, "(level)"), ==, "32");
  g_assert_cmpstr (line_field (3, "PRIORITY"), ==, "7");

  /* Debug and info lines where debug output is off: not logged. */
  g_log_set_debug_enabled (FALSE);
  g_clear_pointer (&result, g_free);
  result = run_js (window, "await atrium.log.debug('hidden'); await atrium.log.info('hidden');"
                           "await atrium.log.warn('shown'); return 1;");
  g_assert_cmpstr (result, ==, "1");
  g_assert_cmpuint (page_lines->len, ==, 5);
  g_assert_cmpstr (line_field (4, "MESSAGE"), ==, "shown");
  g_log_set_debug_enabled (TRUE);

  before = page_lines->len;
  codes = harness_run_js_json (window,
    HARNESS_JS_CODE
    "const many = {}; for (let i = 0; i < 33; i++) many['f' + i] = i;"
    "const out = [];"
    "for (const f of ["
    "  () => atrium.log.info(),"
    "  () => atrium.log.info(42),"
    "  () => atrium.log.info('x'.repeat(16385)),"
    "  () => atrium.log.info('m', 'fields'),"
    "  () => atrium.log.info('m', [1]),"
    "  () => atrium.log.info('m', {nested: {a: 1}}),"
    "  () => atrium.log.info('m', {list: [1]}),"
    "  () => atrium.log.info('m', {'a-b': 1}),"
    "  () => atrium.log.info('m', {'1a': 1}),"
    "  () => atrium.log.info('m', {'': 1}),"
    "  () => atrium.log.info('m', {['x'.repeat(49)]: 1}),"
    "  () => atrium.log.info('m', {long: 'x'.repeat(4097)}),"
    "  () => atrium.log.info('m', many),"
    "]) out.push(await code(f));"
    "return out;");
  array = json_node_get_array (codes);
  g_assert_cmpuint (json_array_get_length (array), ==, 13);
  for (guint i = 0; i < json_array_get_length (array); i++)
    g_assert_cmpstr (json_array_get_string_element (array, i), ==, "bad-args");
  g_assert_cmpuint (page_lines->len, ==, before);

  /* A flood: every call resolves, most lines are left out. */
  suppressed = _atrium_log_page_suppressed ();
  before = page_lines->len;
  g_clear_pointer (&result, g_free);
  result = run_js (window,
    "const all = []; for (let i = 0; i < 500; i++) all.push(atrium.log.info('flood ' + i));"
    "await Promise.all(all); return all.length;");
  g_assert_cmpstr (result, ==, "500");
  g_assert_cmpuint (page_lines->len - before, <, 500);
  g_assert_cmpuint (_atrium_log_page_suppressed (), >, suppressed);
  g_log_set_debug_enabled (FALSE);
  harness_close (window);
}

static void
test_console (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  AtriumWindow *window;
  g_autofree char *id = NULL;
  g_autofree char *result = NULL;

  g_test_summary ("--log-console: the page's console lines are also structured lines, "
                  "with the window id, the page URL and the console method");

  /* Shown only where debug output is on; off, the line is not logged. */
  g_assert_true (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, "Atrium-Console"));
  g_log_set_debug_enabled (TRUE);
  atrium_app_set_log_console (app, TRUE);
  /* --log-console also prints the page's lines on stdout. */
  test_stdout_to_stderr_begin ();
  window = harness_open (app, "/");
  id = g_strdup_printf ("%u", atrium_window_get_id (window));
  g_ptr_array_set_size (page_lines, 0);
  /* A call's answer comes after the console lines posted before it. */
  result = run_js (window, "console.warn('careful\\nnow', {a: 1}); "
                           "await atrium.store.keys(); return 1;");
  g_assert_cmpstr (result, ==, "1");
  g_assert_cmpuint (page_lines->len, ==, 1);
  g_assert_cmpstr (line_field (0, "GLIB_DOMAIN"), ==, "Atrium-Console");
  g_assert_cmpstr (line_field (0, "MESSAGE"), ==, "careful\\nnow {\"a\":1}");
  g_assert_cmpstr (line_field (0, "ATRIUM_CONSOLE_LEVEL"), ==, "warn");
  g_assert_cmpstr (line_field (0, "ATRIUM_WINDOW_ID"), ==, id);
  g_assert_true (g_str_has_prefix (line_field (0, "ATRIUM_PAGE_URL"), "app://"));

  g_log_set_debug_enabled (FALSE);
  g_clear_pointer (&result, g_free);
  result = run_js (window, "console.log('unseen'); await atrium.store.keys(); return 1;");
  g_assert_cmpstr (result, ==, "1");
  g_assert_cmpuint (page_lines->len, ==, 1);
  harness_close (window);
  test_stdout_to_stderr_end ();
}

static void
test_events_domain (void)
{
  g_autoptr(AtriumApp) app = new_app ();
  g_autoptr(JsonNode) data = json_from_string ("1", NULL);
  g_autoptr(GError) error = NULL;

  g_test_summary ("The events log in their own domain, Atrium-Events, and only where "
                  "debug output is on for it");

  g_ptr_array_set_size (page_lines, 0);
  g_assert_true (atrium_app_emit (app, "quiet", data, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (page_lines->len, ==, 0);

  g_log_set_debug_enabled (TRUE);
  g_assert_true (atrium_app_emit (app, "loud", data, &error));
  g_assert_no_error (error);
  g_log_set_debug_enabled (FALSE);
  g_assert_cmpuint (page_lines->len, ==, 1);
  g_assert_cmpstr (line_field (0, "GLIB_DOMAIN"), ==, "Atrium-Events");
  g_assert_cmpstr (line_field (0, "MESSAGE"), ==, "C emitted loud to every window");
}

/* The launcher's stderr (a pipe: GLib's plain-text writer) over the log
 * page, with G_MESSAGES_DEBUG set to @domains. */
static char *
launcher_output_with_debug (const char *launcher,
                            const char *domains)
{
  g_autoptr(GSubprocessLauncher) sl =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_subprocess_launcher_setenv (sl, "G_MESSAGES_DEBUG", domains, TRUE);
  run = g_subprocess_launcher_spawn (sl, &error, launcher, "--dir",
                                     g_test_get_filename (G_TEST_DIST, "log-page", NULL), NULL);
  g_assert_no_error (error);
  test_communicate (run, HARNESS_WAIT_SECONDS, "the launcher to log and quit", &out, &err);
  g_assert_cmpint (g_subprocess_get_exit_status (run), ==, 3);
  return g_strconcat (out, err, NULL);
}

static void
test_window_domain (void)
{
  const char *launcher = g_getenv ("ATRIUM_LAUNCHER");
  g_autofree char *window_only = NULL;
  g_autofree char *page_only = NULL;

  g_test_summary ("Each part logs in its own domain: G_MESSAGES_DEBUG=Atrium-Window shows "
                  "the window's debug lines and not the page's or the events', and "
                  "Atrium-Page the other way round");

  if (launcher == NULL)
    {
      g_test_skip ("ATRIUM_LAUNCHER is not set");
      return;
    }
  window_only = launcher_output_with_debug (launcher, "Atrium-Window");
  g_assert_nonnull (strstr (window_only, "Atrium-Window-DEBUG"));
  g_assert_nonnull (strstr (window_only, "Window 1 loads app://localhost/"));
  g_assert_null (strstr (window_only, "page debug line"));
  g_assert_null (strstr (window_only, "Atrium-Events"));
  g_assert_null (strstr (window_only, "Atrium-DEBUG"));
  /* Warnings and errors show whatever G_MESSAGES_DEBUG says. */
  g_assert_nonnull (strstr (window_only, "page warn line"));

  page_only = launcher_output_with_debug (launcher, "Atrium-Page");
  g_assert_nonnull (strstr (page_only, "page debug line"));
  g_assert_null (strstr (page_only, "Atrium-Window"));
  g_assert_null (strstr (page_only, "Window 1 loads"));
}

static void
test_log_level_option (void)
{
  const char *launcher = g_getenv ("ATRIUM_LAUNCHER");
  g_autofree char *dir = NULL;
  g_autofree char *dts = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("--log-level: a bad level is one line and exit status 2; a good one runs");

  if (launcher == NULL)
    {
      g_test_skip ("ATRIUM_LAUNCHER is not set");
      return;
    }
  /* A directory of this run's own: two trees tested side by side share
   * $TMPDIR. */
  dir = g_dir_make_tmp ("atrium-log-level-XXXXXX", &error);
  g_assert_no_error (error);
  dts = g_build_filename (dir, "atrium-log-level.d.ts", NULL);
  {
    g_autoptr(GSubprocess) bad = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                   | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                                   launcher, "--log-level", "loud", NULL);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_no_error (error);
    test_communicate (bad, HARNESS_WAIT_SECONDS, "the launcher to refuse --log-level loud",
                      &out, &err);
    g_assert_cmpint (g_subprocess_get_exit_status (bad), ==, 2);
    g_assert_nonnull (strstr (err, "--log-level takes error, critical, warning, message, info "
                                   "or debug, not “loud”"));
  }
  /* What a page's lines show at each level, through the launcher (where
   * stderr is a pipe: GLib's plain-text writer). */
  for (guint i = 0; i < 4; i++)
    {
      static const struct
      {
        const char *level;
        const char *shown;    /* the first letters of the lines shown */
      } cases[] = {
        { "debug", "diwe" },
        { "info", "iwe" },
        { "warning", "we" },
        { "message", "we" },
      };
      static const char * const lines[] = {
        "page debug line", "page info line", "page warn line", "page error line",
      };
      g_autoptr(GSubprocess) run = NULL;
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *both = NULL;

      g_test_message ("--log-level %s", cases[i].level);
      run = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, launcher, "--log-level", cases[i].level, "--dir",
                              g_test_get_filename (G_TEST_DIST, "log-page", NULL), NULL);
      g_assert_no_error (error);
      test_communicate (run, HARNESS_WAIT_SECONDS, "the launcher to log and quit", &out, &err);
      g_assert_cmpint (g_subprocess_get_exit_status (run), ==, 3);
      both = g_strconcat (out, err, NULL);
      for (guint l = 0; l < G_N_ELEMENTS (lines); l++)
        g_assert_cmpint (strstr (both, lines[l]) != NULL, ==,
                         strchr (cases[i].shown, lines[l][5]) != NULL);
    }

  for (guint i = 0; i < 3; i++)
    {
      static const char * const levels[] = { "debug", "warning", "error" };
      g_autoptr(GSubprocess) good = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                      | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                                      launcher, "--log-level", levels[i],
                                                      "--emit-dts", dts, NULL);
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_no_error (error);
      test_communicate (good, HARNESS_WAIT_SECONDS, "the launcher to write its declarations",
                        &out, &err);
      g_assert_cmpint (g_subprocess_get_exit_status (good), ==, 0);
      g_assert_true (g_file_test (dts, G_FILE_TEST_IS_REGULAR));
      g_assert_cmpint (g_unlink (dts), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  /* The tests turn debug output on and off themselves. */
  g_unsetenv ("G_MESSAGES_DEBUG");
  page_lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  if (!harness_init (&argc, &argv))
    {
      g_test_add_func ("/atrium/builtin-store/no-display", harness_skip_no_display);
      return g_test_run ();
    }

  /* First, and the flood last of all: their lines must not meet a budget
   * other tests' pages spent. */
  g_test_add_func ("/atrium/builtin-store/console", test_console);
  g_test_add_func ("/atrium/builtin-store/log", test_log);
  g_test_add_func ("/atrium/builtin-store/round-trip", test_round_trip);
  g_test_add_func ("/atrium/builtin-store/two-windows", test_two_windows);
  g_test_add_func ("/atrium/builtin-store/hostile", test_hostile);
  g_test_add_func ("/atrium/builtin-store/corrupt-at-start", test_corrupt_at_start);
  g_test_add_func ("/atrium/builtin-store/page-and-thread", test_page_and_thread);
  g_test_add_func ("/atrium/builtin-store/paths", test_paths);
  g_test_add_func ("/atrium/builtin-store/groups-off", test_groups_off);
  g_test_add_func ("/atrium/builtin-store/events-domain", test_events_domain);
  g_test_add_func ("/atrium/builtin-store/log-level-option", test_log_level_option);
  g_test_add_func ("/atrium/builtin-store/window-domain", test_window_domain);

  return g_test_run ();
}

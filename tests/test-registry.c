#include "config.h"

#include "atrium-registry-private.h"
#include "test-util.h"

static void
noop_cb (AtriumCall *call,
         gpointer    user_data)
{
}

static void
other_cb (AtriumCall *call,
          gpointer    user_data)
{
}

static void
count_destroy_cb (gpointer data)
{
  (*(int *) data)++;
}

static void
test_bind_lookup (void)
{
  g_autoptr(AtriumRegistry) registry = _atrium_registry_new ();
  g_autoptr(AtriumMethod) method = NULL;

  _atrium_registry_bind (registry, "math.add", noop_cb, GINT_TO_POINTER (7), NULL,
                         ATRIUM_BIND_WORKER);
  g_assert_cmpuint (_atrium_registry_get_size (registry), ==, 1);

  method = _atrium_registry_lookup (registry, "math.add");
  g_assert_nonnull (method);
  g_assert_cmpstr (method->name, ==, "math.add");
  g_assert_true (method->func == noop_cb);
  g_assert_cmpint (GPOINTER_TO_INT (method->user_data), ==, 7);
  g_assert_cmpint (method->flags, ==, ATRIUM_BIND_WORKER);

  g_assert_null (_atrium_registry_lookup (registry, "math.sub"));
  g_assert_null (_atrium_registry_lookup (registry, "math.ad"));
  g_assert_null (_atrium_registry_lookup (registry, "MATH.ADD"));
  g_assert_null (_atrium_registry_lookup (registry, ""));

  g_assert_finalize_object (g_steal_pointer (&registry));
}

static void
test_rebind_replaces (void)
{
  g_autoptr(AtriumRegistry) registry = _atrium_registry_new ();
  g_autoptr(AtriumMethod) held = NULL;
  g_autoptr(AtriumMethod) current = NULL;
  int destroyed = 0;

  _atrium_registry_bind (registry, "x", noop_cb, &destroyed, count_destroy_cb, 0);
  held = _atrium_registry_lookup (registry, "x");

  /* A call in flight holds the old method: its data must outlive the rebind. */
  _atrium_registry_bind (registry, "x", other_cb, NULL, NULL, ATRIUM_BIND_ASYNC);
  g_assert_cmpint (destroyed, ==, 0);
  g_assert_cmpuint (_atrium_registry_get_size (registry), ==, 1);

  current = _atrium_registry_lookup (registry, "x");
  g_assert_true (current->func == other_cb);
  g_assert_true (held->func == noop_cb);

  g_clear_pointer (&held, _atrium_method_unref);
  g_assert_cmpint (destroyed, ==, 1);

  g_assert_finalize_object (g_steal_pointer (&registry));
}

static void
test_unbind (void)
{
  g_autoptr(AtriumRegistry) registry = _atrium_registry_new ();
  int destroyed = 0;

  _atrium_registry_bind (registry, "gone", noop_cb, &destroyed, count_destroy_cb, 0);
  g_assert_true (_atrium_registry_unbind (registry, "gone"));
  g_assert_cmpint (destroyed, ==, 1);
  g_assert_false (_atrium_registry_unbind (registry, "gone"));
  g_assert_null (_atrium_registry_lookup (registry, "gone"));
  g_assert_cmpuint (_atrium_registry_get_size (registry), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&registry));
}

/* An app's destroy notify may call the registry (bind or unbind another
 * method, look one up), from its own thread or another. It runs outside
 * the registry's lock: another thread's lookup from inside it finishes. */
typedef struct
{
  AtriumRegistry *registry;
  int             looked_up;
  int             destroyed;
} Reentry;

static gpointer
lookup_thread (gpointer data)
{
  Reentry *r = data;
  AtriumMethod *method = _atrium_registry_lookup (r->registry, "other");

  g_assert_nonnull (method);
  _atrium_method_unref (method);
  g_atomic_int_set (&r->looked_up, 1);
  return NULL;
}

static void
destroy_reenters_cb (gpointer data)
{
  Reentry *r = data;
  TestThread *thread;

  g_atomic_int_set (&r->looked_up, 0);
  thread = test_thread_new ("registry-lookup", lookup_thread, r);
  test_poll_for (TEST_WAIT_SECONDS, test_flag_is_set, &r->looked_up,
                 "another thread's lookup while a destroy notify ran");
  test_thread_join (thread, TEST_WAIT_SECONDS, "the lookup thread");
  r->destroyed++;
}

static void
test_destroy_unlocked (void)
{
  g_autoptr(AtriumRegistry) registry = _atrium_registry_new ();
  Reentry r = { registry, 0, 0 };

  _atrium_registry_bind (registry, "other", other_cb, NULL, NULL, 0);

  _atrium_registry_bind (registry, "x", noop_cb, &r, destroy_reenters_cb, 0);
  _atrium_registry_bind (registry, "x", other_cb, &r, destroy_reenters_cb, 0);
  g_assert_cmpint (r.destroyed, ==, 1);
  g_assert_true (_atrium_registry_unbind (registry, "x"));
  g_assert_cmpint (r.destroyed, ==, 2);
  g_assert_cmpuint (_atrium_registry_get_size (registry), ==, 1);

  g_assert_finalize_object (g_steal_pointer (&registry));
}

static void
test_finalize_destroys (void)
{
  AtriumRegistry *registry = _atrium_registry_new ();
  int destroyed = 0;

  _atrium_registry_bind (registry, "a", noop_cb, &destroyed, count_destroy_cb, 0);
  _atrium_registry_bind (registry, "b", noop_cb, &destroyed, count_destroy_cb, 0);
  g_assert_finalize_object (registry);
  g_assert_cmpint (destroyed, ==, 2);
}

static void
test_names (void)
{
  g_autofree char *longest = g_strnfill (ATRIUM_METHOD_NAME_MAX, 'a');
  g_autofree char *too_long = g_strnfill (ATRIUM_METHOD_NAME_MAX + 1, 'a');

  g_assert_true (_atrium_method_name_is_valid ("echo"));
  g_assert_true (_atrium_method_name_is_valid ("notes.save"));
  g_assert_true (_atrium_method_name_is_valid ("ünïcødé"));
  g_assert_true (_atrium_method_name_is_valid (longest));
  g_assert_false (_atrium_method_name_is_valid (too_long));
  g_assert_false (_atrium_method_name_is_valid (""));
  g_assert_false (_atrium_method_name_is_valid (NULL));
  g_assert_false (_atrium_method_name_is_valid ("bad\xff"));
}

static void
test_many (void)
{
  g_autoptr(AtriumRegistry) registry = _atrium_registry_new ();

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *name = g_strdup_printf ("method.%u", i);
      _atrium_registry_bind (registry, name, noop_cb, GUINT_TO_POINTER (i), NULL, 0);
    }
  g_assert_cmpuint (_atrium_registry_get_size (registry), ==, 1000);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *name = g_strdup_printf ("method.%u", i);
      g_autoptr(AtriumMethod) method = _atrium_registry_lookup (registry, name);

      g_assert_nonnull (method);
      g_assert_cmpuint (GPOINTER_TO_UINT (method->user_data), ==, i);
    }

  g_assert_finalize_object (g_steal_pointer (&registry));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/atrium/registry/bind-lookup", test_bind_lookup);
  g_test_add_func ("/atrium/registry/rebind-replaces", test_rebind_replaces);
  g_test_add_func ("/atrium/registry/unbind", test_unbind);
  g_test_add_func ("/atrium/registry/destroy-unlocked", test_destroy_unlocked);
  g_test_add_func ("/atrium/registry/finalize-destroys", test_finalize_destroys);
  g_test_add_func ("/atrium/registry/names", test_names);
  g_test_add_func ("/atrium/registry/many", test_many);

  return g_test_run ();
}

#undef G_LOG_DOMAIN  /* one domain per part: see shell/meson.build */
#define G_LOG_DOMAIN "Atrium-Bridge"
#include "config.h"

#include "atrium-registry-private.h"

#include <string.h>

/* The method table: name → AtriumMethod. Looked up once per call on the main
 * thread; a plain hash table is all it needs (bench-native measured an extra
 * lookup cache in front of it and found it useless). Entries are reference
 * counted so a method unbound or rebound while one of its calls is still
 * running on a worker stays alive until that call is done with it.
 *
 * Signatures live in a table of their own, by name, so that an app may
 * describe a method before or after binding it, and rebinding a method
 * keeps its description. Only --emit-dts and --emit-js read them. */
struct _AtriumRegistry
{
  GObject     parent_instance;
  GMutex      lock;
  GHashTable *methods;
  GHashTable *signatures;
};

G_DEFINE_FINAL_TYPE (AtriumRegistry, _atrium_registry, G_TYPE_OBJECT)

AtriumMethod *
_atrium_method_ref (AtriumMethod *method)
{
  g_atomic_ref_count_inc (&method->ref_count);
  return method;
}

void
_atrium_method_unref (AtriumMethod *method)
{
  if (!g_atomic_ref_count_dec (&method->ref_count))
    return;
  if (method->destroy != NULL)
    method->destroy (method->user_data);
  g_free (method);
}

gboolean
_atrium_method_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;
  len = strnlen (name, ATRIUM_METHOD_NAME_MAX + 1);
  return len > 0 && len <= ATRIUM_METHOD_NAME_MAX && g_utf8_validate (name, len, NULL);
}

static void
_atrium_registry_finalize (GObject *object)
{
  AtriumRegistry *self = ATRIUM_REGISTRY (object);

  g_clear_pointer (&self->methods, g_hash_table_unref);
  g_clear_pointer (&self->signatures, g_hash_table_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (_atrium_registry_parent_class)->finalize (object);
}

static void
_atrium_registry_class_init (AtriumRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = _atrium_registry_finalize;
}

static void
_atrium_registry_init (AtriumRegistry *self)
{
  g_mutex_init (&self->lock);
  /* The key is the name stored inside the value, so only values are freed. */
  self->methods = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) _atrium_method_unref);
  self->signatures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) _atrium_signature_free);
}

AtriumRegistry *
_atrium_registry_new (void)
{
  return g_object_new (ATRIUM_TYPE_REGISTRY, NULL);
}

void
_atrium_registry_bind (AtriumRegistry   *self,
                       const char       *name,
                       AtriumMethodFunc  func,
                       gpointer          user_data,
                       GDestroyNotify    destroy,
                       AtriumBindFlags   flags)
{
  AtriumMethod *method;
  AtriumMethod *old = NULL;
  gsize len;

  g_assert (ATRIUM_IS_REGISTRY (self));
  g_assert (_atrium_method_name_is_valid (name));
  g_assert (func != NULL);

  len = strlen (name);
  method = g_malloc0 (sizeof *method + len + 1);
  g_atomic_ref_count_init (&method->ref_count);
  method->flags = flags;
  method->func = func;
  method->user_data = user_data;
  method->destroy = destroy;
  memcpy (method->name, name, len + 1);

  g_mutex_lock (&self->lock);
  g_hash_table_steal_extended (self->methods, name, NULL, (gpointer *) &old);
  g_hash_table_insert (self->methods, method->name, method);
  g_mutex_unlock (&self->lock);

  /* The old method's last reference may run the app's destroy notify,
   * which may call the registry again: never under its lock. */
  g_clear_pointer (&old, _atrium_method_unref);
}

gboolean
_atrium_registry_unbind (AtriumRegistry *self,
                         const char     *name)
{
  AtriumMethod *old = NULL;
  gboolean removed;

  g_assert (ATRIUM_IS_REGISTRY (self));

  g_mutex_lock (&self->lock);
  removed = g_hash_table_steal_extended (self->methods, name, NULL, (gpointer *) &old);
  g_mutex_unlock (&self->lock);

  /* As in _atrium_registry_bind(): the destroy notify runs unlocked. */
  g_clear_pointer (&old, _atrium_method_unref);
  return removed;
}

/* Returns: (transfer full) (nullable): the method bound to @name. */
AtriumMethod *
_atrium_registry_lookup (AtriumRegistry *self,
                         const char     *name)
{
  AtriumMethod *method;

  g_assert (ATRIUM_IS_REGISTRY (self));

  g_mutex_lock (&self->lock);
  method = g_hash_table_lookup (self->methods, name);
  if (method != NULL)
    _atrium_method_ref (method);
  g_mutex_unlock (&self->lock);

  return method;
}

guint
_atrium_registry_get_size (AtriumRegistry *self)
{
  guint size;

  g_mutex_lock (&self->lock);
  size = g_hash_table_size (self->methods);
  g_mutex_unlock (&self->lock);

  return size;
}

AtriumSignature *
_atrium_signature_copy (const AtriumSignature *signature)
{
  AtriumSignature *copy = g_new0 (AtriumSignature, 1);

  copy->params = g_strdup (signature->params);
  copy->result = g_strdup (signature->result);
  copy->doc = g_strdup (signature->doc);
  return copy;
}

void
_atrium_signature_free (AtriumSignature *signature)
{
  if (signature == NULL)
    return;
  g_free (signature->params);
  g_free (signature->result);
  g_free (signature->doc);
  g_free (signature);
}

/* Takes @signature; %NULL forgets the one @name had. */
void
_atrium_registry_set_signature (AtriumRegistry  *self,
                                const char      *name,
                                AtriumSignature *signature)
{
  g_assert (ATRIUM_IS_REGISTRY (self));
  g_assert (_atrium_method_name_is_valid (name));

  g_mutex_lock (&self->lock);
  if (signature != NULL)
    g_hash_table_replace (self->signatures, g_strdup (name), signature);
  else
    g_hash_table_remove (self->signatures, name);
  g_mutex_unlock (&self->lock);
}

/* Returns: (transfer full) (nullable): a copy of @name's signature. */
AtriumSignature *
_atrium_registry_dup_signature (AtriumRegistry *self,
                                const char     *name)
{
  AtriumSignature *signature;

  g_assert (ATRIUM_IS_REGISTRY (self));

  g_mutex_lock (&self->lock);
  signature = g_hash_table_lookup (self->signatures, name);
  if (signature != NULL)
    signature = _atrium_signature_copy (signature);
  g_mutex_unlock (&self->lock);

  return signature;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Returns: (transfer full): the names of the bound methods, sorted
 * bytewise, so generated files do not change from run to run. */
GStrv
_atrium_registry_dup_names (AtriumRegistry *self)
{
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_assert (ATRIUM_IS_REGISTRY (self));

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->methods);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, g_strdup (key));
  g_mutex_unlock (&self->lock);

  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

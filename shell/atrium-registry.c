#include "config.h"

#include "atrium-registry-private.h"

#include <string.h>

/* The method table: name → AtriumMethod. Looked up once per call on the main
 * thread; a plain hash table is all it needs (the seed measured an extra
 * lookup cache in front of it and found it useless). Entries are reference
 * counted so a method unbound or rebound while one of its calls is still
 * running on a worker stays alive until that call is done with it. */
struct _AtriumRegistry
{
  GObject     parent_instance;
  GMutex      lock;
  GHashTable *methods;
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
  g_hash_table_replace (self->methods, method->name, method);
  g_mutex_unlock (&self->lock);
}

gboolean
_atrium_registry_unbind (AtriumRegistry *self,
                         const char     *name)
{
  gboolean removed;

  g_assert (ATRIUM_IS_REGISTRY (self));

  g_mutex_lock (&self->lock);
  removed = g_hash_table_remove (self->methods, name);
  g_mutex_unlock (&self->lock);

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

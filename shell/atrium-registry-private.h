#pragma once

#include "atrium-call.h"

G_BEGIN_DECLS

/* Longest method name a page may ask for, in bytes. */
#define ATRIUM_METHOD_NAME_MAX 256

typedef struct _AtriumMethod AtriumMethod;

struct _AtriumMethod
{
  gatomicrefcount  ref_count;
  AtriumBindFlags  flags;
  AtriumMethodFunc func;
  gpointer         user_data;
  GDestroyNotify   destroy;
  char             name[];
};

#define ATRIUM_TYPE_REGISTRY (_atrium_registry_get_type ())

G_DECLARE_FINAL_TYPE (AtriumRegistry, _atrium_registry, ATRIUM, REGISTRY, GObject)

AtriumRegistry *_atrium_registry_new          (void);
void            _atrium_registry_bind         (AtriumRegistry   *self,
                                               const char       *name,
                                               AtriumMethodFunc  func,
                                               gpointer          user_data,
                                               GDestroyNotify    destroy,
                                               AtriumBindFlags   flags);
gboolean        _atrium_registry_unbind       (AtriumRegistry   *self,
                                               const char       *name);
AtriumMethod   *_atrium_registry_lookup       (AtriumRegistry   *self,
                                               const char       *name);
guint           _atrium_registry_get_size     (AtriumRegistry   *self);
gboolean        _atrium_method_name_is_valid  (const char       *name);

AtriumMethod   *_atrium_method_ref            (AtriumMethod     *method);
void            _atrium_method_unref          (AtriumMethod     *method);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumMethod, _atrium_method_unref)

G_END_DECLS

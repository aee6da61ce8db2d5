#pragma once

#include "atrium-call.h"

G_BEGIN_DECLS

/* Longest method name a page may ask for, in bytes. */
#define ATRIUM_METHOD_NAME_MAX 256

typedef struct _AtriumMethod AtriumMethod;

/* A method's TypeScript signature, checked by _atrium_signature_parse()
 * (atrium-bindings.c): what --emit-dts and --emit-js write for it. */
typedef struct
{
  char *params;  /* between the parentheses, trimmed: "a: number, b: number" */
  char *result;  /* after the arrow, trimmed: "number" */
  char *doc;     /* one line, or NULL */
} AtriumSignature;

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
void            _atrium_registry_set_signature (AtriumRegistry  *self,
                                                const char      *name,
                                                AtriumSignature *signature);
AtriumSignature *_atrium_registry_dup_signature (AtriumRegistry *self,
                                                 const char     *name);
GStrv           _atrium_registry_dup_names    (AtriumRegistry   *self);

AtriumSignature *_atrium_signature_copy       (const AtriumSignature *signature);
void            _atrium_signature_free        (AtriumSignature  *signature);
gboolean        _atrium_method_name_is_valid  (const char       *name);

AtriumMethod   *_atrium_method_ref            (AtriumMethod     *method);
void            _atrium_method_unref          (AtriumMethod     *method);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumMethod, _atrium_method_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtriumSignature, _atrium_signature_free)

G_END_DECLS

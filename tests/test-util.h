#pragma once

#include <glib.h>

G_BEGIN_DECLS

void test_remove_tree (const char *path);
void test_write_file  (const char *dir,
                       const char *name,
                       const void *contents,
                       gssize      length);

G_END_DECLS

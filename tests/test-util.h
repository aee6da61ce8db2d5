#pragma once

#include <glib.h>

G_BEGIN_DECLS

void test_remove_tree (const char *path);
void test_write_file  (const char *dir,
                       const char *name,
                       const void *contents,
                       gssize      length);

void test_count_warnings (const char *needle,
                          int        *counter);

G_END_DECLS

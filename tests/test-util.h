#pragma once

#include <glib.h>

G_BEGIN_DECLS

void test_remove_tree (const char *path);

G_END_DECLS

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a program the example tests started did. */
typedef struct
{
  int   status;
  char *out;
  char *err;
} ExampleRun;

void        example_run_clear          (ExampleRun         *run);
void        example_run                (ExampleRun         *run,
                                        const char * const *argv,
                                        const char * const *env,
                                        const char         *cwd);
void        example_assert_screenshot  (const char         *png,
                                        int                 max_width,
                                        int                 max_height);
guint       example_count_lines        (const char         *text);
const char *examples_source_root       (void);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExampleRun, example_run_clear)

G_END_DECLS

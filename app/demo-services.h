#pragma once

#include <atrium.h>

G_BEGIN_DECLS

void          demo_services_bind             (AtriumApp *app);
/* The demo's echo, for benches that bind it on their own apps. */
void          demo_echo_cb                   (AtriumCall *call,
                                              gpointer    user_data);

/* demo.stream's stream, for tests: @n bytes, byte i being i & 255. */
GInputStream *demo_pattern_stream_new        (guint64    n);
/* How many pattern streams are open (made and not yet closed). */
guint         demo_pattern_streams_open      (void);

G_END_DECLS

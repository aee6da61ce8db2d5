#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void test_remove_tree (const char *path);
void test_write_file  (const char *dir,
                       const char *name,
                       const void *contents,
                       gssize      length);

char *test_install_recorder (const char         *dir,
                             const char         *name,
                             const char * const *types);
char *test_read_recorded    (const char         *record_path);

void test_count_warnings (const char *needle,
                          int        *counter);

char *test_npm_cache (void);

/* Waiting. A test never sleeps to synchronise: it waits for the thing it
 * needs, and every wait has a deadline past which the test fails saying
 * what it waited for, before meson's timeout would kill it without a word.
 *
 * TEST_WAIT_SECONDS is for the unit tests, which meson gives 30 s in all;
 * the WebKit tests wait through the harness (HARNESS_WAIT_SECONDS). */
#define TEST_WAIT_SECONDS 20

typedef gboolean (*TestCondition) (gpointer data);

/* Conditions for the common cases: an int (or gboolean) flag that may be
 * set by another thread, and a pointer that something fills in. */
gboolean test_flag_is_set    (gpointer flag);
gboolean test_pointer_is_set (gpointer pointer);

void     test_wait_for       (GMainContext  *context,
                              guint          seconds,
                              TestCondition  done,
                              gpointer       data,
                              const char    *what);
gboolean test_wait_for_at_most (guint        seconds,
                                TestCondition done,
                                gpointer      data);
void     test_poll_for       (guint          seconds,
                              TestCondition  done,
                              gpointer       data,
                              const char    *what);
void     test_communicate    (GSubprocess   *process,
                              guint          seconds,
                              const char    *what,
                              char         **out,
                              char         **err);
void     test_fail_if_timed_out (const GError *error,
                                 guint         seconds,
                                 const char   *what);

/* A thread whose end can be waited for with a deadline: GLib's join has
 * none, so a thread stuck on a lock would hang the test for good. */
typedef struct _TestThread TestThread;

TestThread *test_thread_new  (const char  *name,
                              GThreadFunc  func,
                              gpointer     data);
gpointer    test_thread_join (TestThread  *thread,
                              guint        seconds,
                              const char  *what);

typedef struct _TestBusService TestBusService;

TestBusService  *test_bus_service_start          (const char                 *name,
                                                  const char                 *path,
                                                  const char                 *xml,
                                                  const GDBusInterfaceVTable *vtable,
                                                  guint                       seconds);
GDBusConnection *test_bus_service_get_connection (TestBusService             *service);
void             test_bus_service_stop           (TestBusService             *service,
                                                  guint                       seconds);

/* What the code under test prints on standard output (the launcher's
 * "Saved screenshot to …", --log-console's page lines) is not TAP: between
 * these two calls it goes to stderr instead, where the test log keeps it. */
void test_stdout_to_stderr_begin (void);
void test_stdout_to_stderr_end   (void);

G_END_DECLS

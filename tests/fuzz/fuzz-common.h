#pragma once

/* Shared by every fuzz-*.c target. Each target defines both entry points;
 * libFuzzer calls them in the -Dfuzzing=true build, and replay.c does in
 * the regular one, over the committed corpus and regressions. Invariants are
 * checked with g_assert*(), which aborts: a crash to either driver. */

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

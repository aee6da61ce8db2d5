#pragma once

/* libatrium exports only its public API: everything is built with hidden
 * visibility, and the declarations in the public headers carry this. The
 * _atrium_ internals are reachable only to what links the static
 * libraries (the tests and benchmarks). */
#if defined(ATRIUM_COMPILATION) && defined(__GNUC__)
# define ATRIUM_AVAILABLE_IN_ALL __attribute__ ((visibility ("default"))) extern
#else
# define ATRIUM_AVAILABLE_IN_ALL extern
#endif

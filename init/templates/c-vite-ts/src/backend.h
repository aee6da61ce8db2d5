#pragma once

#include <atrium.h>

/* The methods the page can call, with their TypeScript signatures. */
void backend_bind (AtriumApp *app);

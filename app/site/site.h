/* site.h — the Flacon application: its routes and the hooks that plug it
 * into the framework (per-worker state, before/after every request). */
#ifndef FLACON_SITE_H
#define FLACON_SITE_H

#include "core/server.h"

/* The application: routes and pipeline hooks. */
extern const struct app site_app;
/* Per-worker start-up and per-request hooks for server_worker_loop. */
extern const struct server_hooks site_hooks;

#endif

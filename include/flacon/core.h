/* <flacon/core.h> — the request core: arena, buffers, configuration,
 * request and response, router, log, prefork server, text helpers. */
#ifndef FLACON_PUBLIC_CORE_H
#define FLACON_PUBLIC_CORE_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/server.h"
#include "core/text.h"

#endif

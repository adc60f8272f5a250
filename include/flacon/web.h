/* <flacon/web.h> — sessions, CSRF, passwords, throttling, headers, health checks. */
#ifndef FLACON_PUBLIC_WEB_H
#define FLACON_PUBLIC_WEB_H

#include "web/web.h"

#endif

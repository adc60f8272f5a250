/* <flacon.h> — the whole Flacon framework (SPEC section 12): every layer's
 * public header. An application may instead include only the layers it
 * uses: <flacon/core.h>, <flacon/db.h>, <flacon/orm.h>, <flacon/tmpl.h>,
 * <flacon/web.h>, <flacon/cli.h>, <flacon/test.h> (the in-process test
 * client). Build with
 *   cc app.c $(pkg-config --cflags --libs flacon)                       */
#ifndef FLACON_PUBLIC_H
#define FLACON_PUBLIC_H

#include "flacon/core.h"
#include "flacon/db.h"
#include "flacon/orm.h"
#include "flacon/tmpl.h"
#include "flacon/web.h"
#include "flacon/cli.h"
#include "flacon/test.h"

#endif

/* <flacon/db.h> — MariaDB connections, prepared statements, binding. */
#ifndef FLACON_PUBLIC_DB_H
#define FLACON_PUBLIC_DB_H

#include "db/db.h"

#endif

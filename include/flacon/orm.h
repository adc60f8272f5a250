/* <flacon/orm.h> — the ORM: models, registry, queries, sessions, relationships. */
#ifndef FLACON_PUBLIC_ORM_H
#define FLACON_PUBLIC_ORM_H

#include "orm/orm.h"

#endif

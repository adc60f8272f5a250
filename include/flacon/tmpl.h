/* <flacon/tmpl.h> — Mustache templates. */
#ifndef FLACON_PUBLIC_TMPL_H
#define FLACON_PUBLIC_TMPL_H

#include "tmpl/tmpl.h"

#endif

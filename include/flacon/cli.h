/* <flacon/cli.h> — flacon_main, struct flacon_app and the command line's commands. */
#ifndef FLACON_PUBLIC_CLI_H
#define FLACON_PUBLIC_CLI_H

#include "cli/cli.h"

#endif

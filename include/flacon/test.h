/* <flacon/test.h> — the in-process test client: an application's pipeline
 * driven without FastCGI or nginx, on a throw-away database. */
#ifndef FLACON_PUBLIC_TEST_H
#define FLACON_PUBLIC_TEST_H

#include "cli/testclient.h"

#endif

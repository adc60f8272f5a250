/* e2e.h — helpers shared by the end-to-end suites (real HTTP through nginx
 * to the real workers started by tests/run.sh). */
#ifndef FLACON_E2E_H
#define FLACON_E2E_H

#include <stdbool.h>
#include <sys/types.h>

#include "http_client.h"

/* Worker pids of the master $FLACON_TEST_MASTER_PID (its children named
 * flacon-worker; the health-check process is not one).
 * Returns how many were written into pids (at most max). */
int e2e_workers(pid_t *pids, int max);
/* The master's health-check process (0: none). */
pid_t e2e_health_process(void);
/* Run a shell command with scripts/stack.sh sourced; returns its status. */
int e2e_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Load: nthreads threads each sending requests to path until `seconds`
 * pass or per_thread requests are done. Counts answers by class. */
struct e2e_load {
	int ok;        /* 2xx */
	int non2xx;    /* any other status */
	int failed;    /* no HTTP answer at all */
	double max_seconds;
};
void e2e_load_run(const char *path, int nthreads, int per_thread, double seconds,
		  struct e2e_load *out);

#endif

/* procs.h — the processes of a running `flacon runserver` master, read
 * from /proc, for the suites that kill, count or watch them. */
#ifndef FLACON_TEST_PROCS_H
#define FLACON_TEST_PROCS_H

#include <stdbool.h>
#include <sys/types.h>

/* The children of master whose name (/proc/PID/comm) is comm —
 * "flacon-worker" for the workers, "flacon-health" for the health-check
 * process — or all of them when comm is NULL. Writes at most max pids;
 * returns how many. */
int test_children(pid_t master, const char *comm, pid_t *out, int max);

/* Does pid have SIGTERM pending (sent, not yet delivered or read: a busy
 * or a stopped process, or one that reads it from a signalfd)? */
bool test_sigterm_pending(pid_t pid);

#endif

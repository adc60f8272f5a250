/* ceiling.h — the prefork skeleton shared by the two libfcgi ceilings of
 * `make bench` (SPEC 9): ceiling_hello.c and ceiling_query.c. Not Flacon:
 * bare libfcgi, the programs a Flacon row is compared with.
 *
 * ceiling_run(path, procs, init, serve) opens one FastCGI listen socket
 * at path (a unix socket, mode 0666), forks procs children on it and
 * waits. Each child calls init() once (NULL: nothing) and then serves
 * requests in a FCGX_Accept_r loop, one at a time, calling serve() for
 * each; libfcgi closes every connection after its request unless nginx
 * asks to keep it (the bench's ceiling locations do not). SIGTERM or
 * SIGINT to the parent stops the children, removes the socket and exits
 * 0. A child that dies is not replaced: the bench sees its requests fail. */
#ifndef BENCH_CEILING_H
#define BENCH_CEILING_H

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CEILING_MAX_PROCS 64

static volatile sig_atomic_t ceiling_stop;

static void ceiling_on_signal(int sig)
{
	(void)sig;
	ceiling_stop = 1;
}

static int ceiling_child(int fd, int (*init)(void), void (*serve)(FCGX_Request *))
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (init && init() != 0)
		return 1;
	FCGX_Request req;
	if (FCGX_InitRequest(&req, fd, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		serve(&req);
		FCGX_Finish_r(&req);
	}
	return 0;
}

static int ceiling_run(const char *path, int procs, int (*init)(void), void (*serve)(FCGX_Request *))
{
	if (procs < 1 || procs > CEILING_MAX_PROCS) {
		fprintf(stderr, "ceiling: PROCS is 1 to %d\n", CEILING_MAX_PROCS);
		return 2;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "ceiling: FCGX_Init failed\n");
		return 1;
	}
	unlink(path);
	int fd = FCGX_OpenSocket(path, 1024);
	if (fd < 0) {
		fprintf(stderr, "ceiling: cannot listen on %s\n", path);
		return 1;
	}
	chmod(path, 0666);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ceiling_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pid_t kids[CEILING_MAX_PROCS];
	int n = 0;
	for (; n < procs; n++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("ceiling: fork");
			break;
		}
		if (pid == 0)
			_exit(ceiling_child(fd, init, serve));
		kids[n] = pid;
	}
	int alive = n;
	while (alive > 0 && !ceiling_stop) {
		pid_t pid = waitpid(-1, NULL, 0);
		if (pid > 0) {
			alive--;
			fprintf(stderr, "ceiling: process %ld exited\n", (long)pid);
		} else if (errno != EINTR) {
			break;
		}
	}
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	close(fd);
	unlink(path);
	return n == procs ? 0 : 1;
}

/* ceiling_procs(s): PROCS of the command line, or -1. */
static int ceiling_procs(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= 1 && v <= CEILING_MAX_PROCS ? (int)v : -1;
}

#endif

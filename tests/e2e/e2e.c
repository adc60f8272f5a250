/* e2e.c — helpers for the end-to-end suites. */
#include "e2e.h"
#include "procs.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int e2e_workers(pid_t *pids, int max)
{
	const char *m = getenv("FLACON_TEST_MASTER_PID");
	return m ? test_children((pid_t)atoi(m), "flacon-worker", pids, max) : 0;
}

pid_t e2e_health_process(void)
{
	const char *m = getenv("FLACON_TEST_MASTER_PID");
	pid_t p = 0;
	return m && test_children((pid_t)atoi(m), "flacon-health", &p, 1) == 1 ? p : 0;
}

int e2e_shell(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char full[2400];
	snprintf(full, sizeof full, "bash -c 'source scripts/stack.sh; %s' >/dev/null 2>&1", cmd);
	return system(full);
}

struct load_arg {
	const char *path;
	int per_thread;
	double deadline;
	struct e2e_load res;
};

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *load_thread(void *p)
{
	struct load_arg *a = p;
	for (int i = 0; i < a->per_thread && mono() < a->deadline; i++) {
		struct http_resp r;
		if (hc_get(a->path, &r) < 0 || r.status == 0)
			a->res.failed++;
		else if (r.status >= 200 && r.status < 300)
			a->res.ok++;
		else
			a->res.non2xx++;
		if (r.seconds > a->res.max_seconds)
			a->res.max_seconds = r.seconds;
		hc_free(&r);
	}
	return NULL;
}

void e2e_load_run(const char *path, int nthreads, int per_thread, double seconds,
		  struct e2e_load *out)
{
	pthread_t th[256];
	struct load_arg args[256];
	if (nthreads > 256)
		nthreads = 256;
	double deadline = mono() + seconds;
	for (int i = 0; i < nthreads; i++) {
		args[i] = (struct load_arg){path, per_thread, deadline, {0, 0, 0, 0}};
		pthread_create(&th[i], NULL, load_thread, &args[i]);
	}
	memset(out, 0, sizeof *out);
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		out->ok += args[i].res.ok;
		out->non2xx += args[i].res.non2xx;
		out->failed += args[i].res.failed;
		if (args[i].res.max_seconds > out->max_seconds)
			out->max_seconds = args[i].res.max_seconds;
	}
}

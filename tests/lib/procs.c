/* procs.c — see procs.h. */
#include "procs.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool named(pid_t pid, const char *comm)
{
	char path[64], name[32] = "";
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(name, sizeof name, f) != NULL;
	fclose(f);
	name[strcspn(name, "\n")] = '\0';
	return ok && !strcmp(name, comm);
}

int test_children(pid_t master, const char *comm, pid_t *out, int max)
{
	char path[128];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)master, (int)master);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int n = 0;
	long p;
	while (n < max && fscanf(f, "%ld", &p) == 1)
		if (!comm || named((pid_t)p, comm))
			out[n++] = (pid_t)p;
	fclose(f);
	return n;
}

bool test_sigterm_pending(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool pending = false;
	while (fgets(line, sizeof line, f)) {
		unsigned long long mask;
		if ((sscanf(line, "SigPnd: %llx", &mask) == 1 || sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
		    (mask & (1ULL << (SIGTERM - 1))))
			pending = true;
	}
	fclose(f);
	return pending;
}

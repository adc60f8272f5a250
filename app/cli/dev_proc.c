/* dev_proc.c — the child processes of `APP dev`: finding a program,
 * starting it in a process group of its own that dies with dev, waiting
 * for it and stopping it within a bound. Owns no state. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/dev.h"

static bool executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

bool dev_find_program(const char *name, char *out, size_t n)
{
	const char *path = getenv("PATH");
	char list[4096];
	snprintf(list, sizeof list, "%s:/usr/local/sbin:/usr/sbin:/sbin", path && *path ? path : "/usr/bin:/bin");
	char *save = NULL;
	for (char *dir = strtok_r(list, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (!*dir)
			continue;
		if ((size_t)snprintf(out, n, "%s/%s", dir, name) < n && executable_file(out))
			return true;
	}
	return false;
}

double dev_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void dev_nap(int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* In the child, after fork: a process group of its own, SIGTERM when dev
 * dies, default signal dispositions and mask, stdin from /dev/null, output
 * to log. Never returns on failure (exit 127). */
static void child_setup(const char *log, const int *keep, int nkeep, pid_t parent)
{
	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE, SIGQUIT};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int in = open("/dev/null", O_RDONLY);
	if (in < 0 || dup2(in, 0) < 0)
		_exit(127);
	if (in > 2)
		close(in);
	if (log) {
		int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		if (out > 2)
			close(out);
	}
	for (int i = 0; i < nkeep; i++)
		if (keep[i] >= 0) {
			int fl = fcntl(keep[i], F_GETFD);
			if (fl < 0 || fcntl(keep[i], F_SETFD, fl & ~FD_CLOEXEC) < 0)
				_exit(127);
		}
}

pid_t dev_spawn(char *const argv[], const char *log, const int *keep, int nkeep, char *err,
		size_t errlen)
{
	pid_t parent = getpid();
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start %s: fork: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		child_setup(log, keep, nkeep, parent);
		execv(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	/* Also from this side, so that a kill of the group right after the
	 * fork reaches the child. */
	setpgid(pid, pid);
	return pid;
}

bool dev_exited(pid_t pid, int *status)
{
	if (pid <= 0)
		return true;
	int st = 0;
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r == pid || (r < 0 && errno == ECHILD)) {
		if (status)
			*status = r == pid ? st : 0;
		return true;
	}
	return false;
}

int dev_stop_child(pid_t pid, int sig, double secs)
{
	int st = 0;
	if (pid <= 0 || dev_exited(pid, &st))
		return st;
	kill(pid, sig);
	double deadline = dev_now() + secs;
	while (dev_now() < deadline) {
		if (dev_exited(pid, &st))
			return st;
		dev_nap(20);
	}
	/* The whole group: nginx's workers, a stuck worker of a master. */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return st;
}

bool dev_unix_answers(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path)
		return false;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

bool dev_tcp_answers(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

void dev_tail(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char buf[1025];
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : 0;
	fseek(f, size > 1024 ? size - 1024 : 0, SEEK_SET);
	size_t n = fread(buf, 1, 1024, f);
	fclose(f);
	buf[n] = '\0';
	/* From the first whole line on. */
	char *p = size > 1024 && strchr(buf, '\n') ? strchr(buf, '\n') + 1 : buf;
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(stderr, "    %s\n", line);
}

int dev_mkdirs(const char *path)
{
	char tmp[DEV_PATH];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

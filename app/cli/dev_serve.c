/* dev_serve.c — the application's prefork masters under `APP dev`, and
 * how a rebuilt executable is taken up without a dropped request.
 *
 * dev owns the listen sockets. Each master is the application's
 * executable run again (`APP dev --serve L,H,R`) with the sockets as
 * inherited fds, so every master's workers accept on the same socket: a
 * connection waits in its backlog, never refused. When the executable
 * changes on disk (and then holds still for 300 ms), a new master starts
 * beside the serving one; each of its workers (and its health process)
 * writes one byte to a pipe once initialised; when all have, the old
 * master gets SIGTERM and its workers finish what they accepted. A new
 * build that does not get ready within 30 s is stopped and the old one
 * keeps serving. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dev.h"
#include "core/server.h"
#include "web/web.h"

#define READY_SECS 30.0
#define SETTLE_SECS 0.3
#define CHECK_SECS 0.25

static bool exe_id(const char *path, struct dev_exe_id *id)
{
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0 || access(path, X_OK) < 0)
		return false;
	*id = (struct dev_exe_id){(unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
				  (unsigned long long)st.st_size,
				  (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
	return true;
}

static bool same_id(const struct dev_exe_id *a, const struct dev_exe_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

static void describe(int status, char *out, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(out, n, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, n, "exit status %d", WEXITSTATUS(status));
}

/* Start a master of the executable as it is now beside the serving one. */
static void start_master(struct dev_serve *s)
{
	int p[2];
	char err[512];
	if (!exe_id(s->exe, &s->next_id)) {
		cli_error("dev: %s is not an executable file now\n", s->exe);
		s->restart_at = dev_now() + 2;
		return;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		cli_error("dev: pipe: %s\n", strerror(errno));
		s->restart_at = dev_now() + 2;
		return;
	}
	char fds[64];
	snprintf(fds, sizeof fds, "%d,%d,%d", s->fd, s->health_fd, p[1]);
	char *argv[8];
	int k = 0;
	argv[k++] = s->exe;
	if (s->conf_path) {
		argv[k++] = "--config";
		argv[k++] = (char *)s->conf_path;
	}
	argv[k++] = "dev";
	argv[k++] = "--serve";
	argv[k++] = fds;
	argv[k] = NULL;
	int keep[] = {s->fd, s->health_fd, p[1]};
	pid_t pid = dev_spawn(argv, NULL, keep, 3, err, sizeof err);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		cli_error("dev: %s\n", err);
		s->restart_at = dev_now() + 2;
		return;
	}
	s->next = pid;
	s->next_ready_fd = p[0];
	s->next_ready = 0;
	s->next_deadline = dev_now() + READY_SECS;
}

static void drop_next(struct dev_serve *s, bool failed)
{
	if (failed)
		s->failed_id = s->next_id;
	close(s->next_ready_fd);
	s->next_ready_fd = -1;
	s->next = 0;
	s->restart_at = dev_now() + 2;
}

/* The new master is ready: it serves, the old one drains and goes. */
static void promote(struct dev_serve *s)
{
	pid_t old = s->cur;
	s->cur = s->next;
	s->cur_id = s->next_id;
	close(s->next_ready_fd);
	s->next_ready_fd = -1;
	s->next = 0;
	if (old > 0) {
		printf("dev: %s was rebuilt: master %d serves, master %d finishes its requests\n", s->exe,
		       (int)s->cur, (int)old);
		fflush(stdout);
		dev_stop_child(old, SIGTERM, 30);
	}
}

/* Watch the starting master for up to ms milliseconds. */
static void watch_next(struct dev_serve *s, int ms)
{
	struct pollfd pfd = {.fd = s->next_ready_fd, .events = POLLIN};
	if (poll(&pfd, 1, ms) > 0) {
		char buf[64];
		ssize_t n;
		while ((n = read(s->next_ready_fd, buf, sizeof buf)) > 0)
			s->next_ready += (int)n;
	}
	char why[64];
	int st;
	if (dev_exited(s->next, &st)) {
		describe(st, why, sizeof why);
		cli_error("dev: the master of %s ended at start (%s)%s\n", s->exe, why,
			  s->cur ? "; the previous build keeps serving" : "");
		drop_next(s, true);
	} else if (s->next_ready >= s->expect) {
		promote(s);
	} else if (dev_now() > s->next_deadline) {
		cli_error("dev: the workers of %s did not start within %.0f s%s\n", s->exe, READY_SECS,
			  s->cur ? "; the previous build keeps serving" : "");
		dev_stop_child(s->next, SIGTERM, 10);
		drop_next(s, true);
	}
}

/* A rebuilt executable that has held still for SETTLE_SECS: start it. */
static void watch_exe(struct dev_serve *s)
{
	double now = dev_now();
	if (now - s->last_check < CHECK_SECS)
		return;
	s->last_check = now;
	struct dev_exe_id id;
	if (!exe_id(s->exe, &id) || same_id(&id, &s->cur_id) || same_id(&id, &s->failed_id))
		return;
	if (!same_id(&id, &s->seen_id)) {
		s->seen_id = id;
		s->seen_at = now;
	} else if (now - s->seen_at >= SETTLE_SECS) {
		start_master(s);
	}
}

void dev_serve_tick(struct dev_serve *s)
{
	if (s->next)
		watch_next(s, 100);
	else
		dev_nap(100);
	int st;
	if (s->cur && dev_exited(s->cur, &st)) {
		char why[64];
		describe(st, why, sizeof why);
		cli_error("dev: master %d ended (%s); starting another\n", (int)s->cur, why);
		s->cur = 0;
		s->restart_at = dev_now() + 1;
	}
	if (dev_stop)
		return;
	if (!s->cur && !s->next && dev_now() >= s->restart_at)
		start_master(s);
	else if (s->cur && !s->next)
		watch_exe(s);
}

/* The path of this executable, as make writes it again. */
static int self_exe(char *out, size_t n)
{
	char buf[DEV_PATH];
	ssize_t len = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	/* Replaced since it started: the path is what counts. */
	char *del = strstr(buf, " (deleted)");
	if (del && del[10] == '\0')
		*del = '\0';
	return snprintf(out, n, "%s", buf) < (int)n ? 0 : -1;
}

int dev_serve_start(struct dev_serve *s, const struct dev_dirs *d, int workers, bool health,
		    const char *conf_path)
{
	memset(s, 0, sizeof *s);
	s->fd = s->health_fd = s->next_ready_fd = -1;
	s->conf_path = conf_path;
	if (self_exe(s->exe, sizeof s->exe) < 0) {
		cli_error("dev: cannot find this program's executable: %s\n", strerror(errno));
		return -1;
	}
	char spec[DEV_PATH + 96], hspec[DEV_PATH + 96], err[512], n[16];
	snprintf(s->sock, sizeof s->sock, "%s/%s.sock", d->run, cli_prog);
	snprintf(s->health_sock, sizeof s->health_sock, "%s/%s-health.sock", d->run, cli_prog);
	snprintf(spec, sizeof spec, "unix:%s", s->sock);
	snprintf(hspec, sizeof hspec, "unix:%s", s->health_sock);
	if ((s->fd = server_listen(spec, err, sizeof err)) < 0 ||
	    (health && (s->health_fd = server_listen(hspec, err, sizeof err)) < 0)) {
		cli_error("dev: %s\n", err);
		return -1;
	}
	if (!health)
		s->health_sock[0] = '\0';
	/* What every master reads from the environment, at start and on
	 * SIGHUP (config_load). */
	snprintf(n, sizeof n, "%d", workers);
	setenv("FLACON_SERVER_LISTEN", spec, 1);
	setenv("FLACON_SERVER_HEALTH_LISTEN", health ? hspec : "off", 1);
	setenv("FLACON_SERVER_WORKERS", n, 1);
	s->expect = workers + (health ? 1 : 0);
	start_master(s);
	while (!dev_stop && !s->cur && s->next)
		watch_next(s, 100);
	return s->cur ? 0 : -1;
}

void dev_serve_reload(struct dev_serve *s)
{
	if (s->cur > 0)
		kill(s->cur, SIGHUP);
}

void dev_serve_stop(struct dev_serve *s)
{
	if (s->next) {
		dev_stop_child(s->next, SIGTERM, 30);
		drop_next(s, false);
	}
	if (s->cur) {
		/* Graceful: its workers answer what they accepted (20 s each at
		 * most in server_master), then it exits. */
		dev_stop_child(s->cur, SIGTERM, 45);
		s->cur = 0;
	}
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->sock);
	}
	if (s->health_fd >= 0) {
		close(s->health_fd);
		unlink(s->health_sock);
	}
	s->fd = s->health_fd = -1;
}

/* "L,H,R" into three fds; H and R may be -1. */
static int parse_fds(const char *s, int fd[3])
{
	char *end;
	for (int i = 0; i < 3; i++) {
		long v = strtol(s, &end, 10);
		if (end == s || v < -1 || v > 65535 || (i < 2 && *end != ',') || (i == 2 && *end))
			return -1;
		fd[i] = (int)v;
		if (v >= 0 && fcntl(fd[i], F_GETFD) < 0)
			return -1;
		s = end + 1;
	}
	return fd[0] >= 0 ? 0 : -1;
}

int dev_serve_main(struct config *cfg, const char *fds)
{
	int fd[3];
	if (parse_fds(fds, fd) < 0) {
		cli_error("dev --serve: is run by '%s dev' itself, with its sockets\n", cli_prog);
		return CLI_USAGE;
	}
	char err[512];
	if (config_check_server(cfg, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		return CLI_FAILED;
	}
	server_set_supervised(fd[2]);
	web_session_cache_open(cfg, true); /* as runserver */
	return server_master(fd[0], fd[1], cfg, cli_hooks) == 0 ? CLI_OK : CLI_FAILED;
}

/* cli suite: restarts that lose nothing on one host (SPEC 13) — systemd
 * socket activation emulated: the test holds the listening unix socket as
 * systemd does for flacon.socket and starts each `flacon runserver` with
 * it as fd 3 (LISTEN_FDS=1, LISTEN_PID its own pid). Under a FastCGI load
 * straight on the socket (no nginx to retry or hide a failure), masters
 * are stopped with SIGTERM and the next started after a pause with no
 * server at all, one of them from a new copy of the executable, and one
 * is reloaded with SIGHUP: every request sent is answered. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "procs.h"
#include "test.h"

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* GET /healthz on a new connection to path, through the framework's own
 * FastCGI client (what `flacon status` uses): true when it is a 200 with
 * the body "ok". */
static bool healthz_ok(const char *path)
{
	char spec[160], err[200];
	snprintf(spec, sizeof spec, "unix:%.140s", path);
	struct cli_fcgi_answer a;
	if (cli_fcgi_get(spec, "/healthz", 30000, &a, err, sizeof err) < 0)
		return false;
	bool ok = a.status == 200 && a.body && strstr(a.body, "ok\n");
	free(a.body);
	return ok;
}

struct load {
	const char *sock;
	volatile int stop;
	int sent, ok, failed;
};

static void *load_main(void *p)
{
	struct load *l = p;
	for (int i = 0; i < 200000 && !l->stop; i++) {
		__atomic_fetch_add(&l->sent, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(healthz_ok(l->sock) ? &l->ok : &l->failed, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Wait up to ms for n more answered requests than from. */
static bool wait_answered(struct load *l, int from, int n, int ms)
{
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000))
		if (__atomic_load_n(&l->ok, __ATOMIC_RELAXED) >= from + n)
			return true;
	return false;
}

/* ---- systemd's part ---- */

/* Bind and listen on path as systemd does for a ListenStream= socket. */
static int hold_socket(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4096) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Start `EXE runserver --listen unix:SOCK --workers 2` with lfd as fd 3,
 * LISTEN_FDS=1 and LISTEN_PID its own pid (log in LOG, appended). The
 * environment is built before the fork: the load's threads run. */
static pid_t start_activated(const char *exe, int lfd, const char *sock, const char *log)
{
	char listen_arg[300], pid_var[32] = "LISTEN_PID=";
	snprintf(listen_arg, sizeof listen_arg, "unix:%.250s", sock);
	int n = 0;
	while (environ[n])
		n++;
	char **env = calloc((size_t)n + 4, sizeof *env);
	if (!env)
		return -1;
	int k = 0;
	for (int i = 0; i < n; i++)
		if (strncmp(environ[i], "LISTEN_", 7) != 0)
			env[k++] = environ[i];
	env[k++] = "LISTEN_FDS=1";
	env[k++] = "LISTEN_FDNAMES=flacon";
	env[k++] = pid_var;
	pid_t pid = fork();
	if (pid == 0) {
		/* only async-signal-safe calls from here to exec */
		char digits[16];
		int d = 0;
		for (pid_t v = getpid(); v; v /= 10)
			digits[d++] = (char)('0' + v % 10);
		for (int i = 0; i < d; i++)
			pid_var[11 + i] = digits[d - 1 - i];
		pid_var[11 + d] = '\0';
		int lf = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (lf < 0 || dup2(lf, 2) < 0)
			_exit(126);
		/* dup2 onto itself keeps close-on-exec */
		if (lfd == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(lfd, 3) < 0)
			_exit(126);
		char *argv[] = {(char *)exe, "runserver", "--listen", listen_arg, "--workers", "2", NULL};
		execve(exe, argv, env);
		_exit(127);
	}
	free(env);
	return pid;
}

/* Wait up to ms for master to exit; its status, or -1. */
static int wait_exit(pid_t master, int ms)
{
	int status;
	for (long long end = now_ms() + ms; now_ms() < end; usleep(10 * 1000))
		if (waitpid(master, &status, WNOHANG) == master)
			return status;
	return -1;
}

/* Wait up to ms until none of the n pids is a worker of master and it has
 * want workers. */
static bool wait_replaced(pid_t master, const pid_t *old, int n, int want, int ms)
{
	for (long long end = now_ms() + ms; now_ms() < end; usleep(20 * 1000)) {
		pid_t w[16];
		int nw = test_children(master, "flacon-worker", w, 16), same = 0;
		for (int i = 0; i < nw; i++)
			for (int j = 0; j < n; j++)
				same += w[i] == old[j];
		if (nw == want && same == 0)
			return true;
	}
	return false;
}

TEST(test_restarts_reload_and_new_executable_on_a_socket_systemd_holds_fail_no_request)
{
	const char *bin = getenv("FLACON_BIN"), *tmp = getenv("FLACON_TEST_TMP");
	CHECK(bin != NULL && tmp != NULL);
	if (!bin || !tmp)
		return;
	char sock[256], log[300], newexe[300], cmd[800];
	snprintf(sock, sizeof sock, "%.200s/activated.sock", tmp);
	snprintf(log, sizeof log, "%.200s/activated.log", tmp);
	/* "the deployment of a new executable": another file, same code */
	snprintf(newexe, sizeof newexe, "%.200s/flacon-new", tmp);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", bin, newexe);
	CHECK_INT(system(cmd), 0);
	pid_t master = -1;
	int lfd = hold_socket(sock);
	REQUIRE(lfd >= 0);
	master = start_activated(bin, lfd, sock, log);
	REQUIRE(master > 0);
	struct load l = {.sock = sock};
	enum { THREADS = 8, RESTARTS = 4 };
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, load_main, &l);
	CHECK_MSG(wait_answered(&l, 0, 200, 15000), "the first master answers nothing (%s)", log);
	int clean = 0;
	for (int k = 0; k < RESTARTS; k++) {
		/* systemctl restart: SIGTERM to the master, wait for its exit,
		 * start the next; here with a pause in between, during which no
		 * process serves and connections can only wait in the socket. */
		CHECK_INT(kill(master, SIGTERM), 0);
		int st = wait_exit(master, 30000);
		clean += WIFEXITED(st) && WEXITSTATUS(st) == 0;
		struct stat sst;
		CHECK_MSG(stat(sock, &sst) == 0 && S_ISSOCK(sst.st_mode),
			  "restart %d: the master removed a socket that is systemd's", k + 1);
		usleep(300 * 1000);
		master = start_activated(k == 1 ? newexe : bin, lfd, sock, log);
		REQUIRE(master > 0);
		int from = __atomic_load_n(&l.ok, __ATOMIC_RELAXED);
		CHECK_MSG(wait_answered(&l, from, 200, 15000), "restart %d: the new master answers nothing",
			  k + 1);
	}
	CHECK_INT(clean, RESTARTS);
	/* systemctl reload: SIGHUP replaces every worker under the load. */
	pid_t before[16];
	int nb = test_children(master, "flacon-worker", before, 16);
	CHECK_INT(nb, 2);
	CHECK_INT(kill(master, SIGHUP), 0);
	CHECK_MSG(wait_replaced(master, before, nb, 2, 20000), "the reload did not replace the workers");
	CHECK(wait_answered(&l, __atomic_load_n(&l.ok, __ATOMIC_RELAXED), 200, 15000));
	l.stop = 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	fprintf(stderr, "  (%d restarts, one a new executable, and a reload under load: %d requests sent, "
			"%d answered, %d failed)\n",
		RESTARTS, l.sent, l.ok, l.failed);
	CHECK_MSG(l.failed == 0 && l.ok == l.sent, "%d of %d requests failed", l.failed, l.sent);
out:
	if (master > 0) {
		kill(master, SIGTERM);
		if (wait_exit(master, 30000) < 0) {
			kill(master, SIGKILL);
			waitpid(master, NULL, 0);
		}
	}
	if (lfd >= 0)
		close(lfd);
	unlink(sock);
	unlink(newexe);
}

TEST(test_runserver_refuses_a_passed_socket_that_is_not_server_listen)
{
	const char *bin = getenv("FLACON_BIN"), *tmp = getenv("FLACON_TEST_TMP");
	CHECK(bin != NULL && tmp != NULL);
	if (!bin || !tmp)
		return;
	char held[256], other[256], log[300];
	snprintf(held, sizeof held, "%.200s/activated-held.sock", tmp);
	snprintf(other, sizeof other, "%.200s/activated-other.sock", tmp);
	snprintf(log, sizeof log, "%.200s/activated-mismatch.log", tmp);
	unlink(log);
	int lfd = hold_socket(held);
	REQUIRE(lfd >= 0);
	/* listening on other while systemd passed held: binding other would
	 * leave held's connections unanswered; it says so and exits 1 */
	char listen_other[300];
	snprintf(listen_other, sizeof listen_other, "%s", other);
	pid_t master = start_activated(bin, lfd, listen_other, log);
	REQUIRE(master > 0);
	int st = wait_exit(master, 10000);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
	struct stat sst;
	CHECK_MSG(stat(other, &sst) != 0, "it bound %s itself", other);
	FILE *f = fopen(log, "r");
	char text[2048] = "";
	if (f) {
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	CHECK_MSG(strstr(text, "none is unix:") != NULL, "no message naming the socket: %s", text);
	if (master > 0 && st < 0) {
		kill(master, SIGKILL);
		waitpid(master, NULL, 0);
	}
out:
	if (lfd >= 0)
		close(lfd);
	unlink(held);
	unlink(other);
}

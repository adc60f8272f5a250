/* cli suite: `flacon dev` (SPEC 12, issue 23) on a copy of the bundled
 * site in a directory of its own: the embedded MariaDB, the workers and
 * nginx come up on a free port of 127.0.0.1; an edited template is served
 * on the next request; a rebuilt executable takes over under load with no
 * failed request; SIGINT leaves no process; a second run keeps the data.
 * The tests share one site directory and run in file order; each one
 * bounds its loops in count and time. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "http_client.h"
#include "procs.h"
#include "test.h"

static char site[600]; /* the copy of the site: its var/ is dev's */
static pid_t dev_pid;
static int dev_port;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void nap_ms(int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* A shell command, formatted; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A port of 127.0.0.1 nobody listens on now. */
static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	int port = 0;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int get(const char *path, struct http_resp *r)
{
	char req[512];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	return hc_raw(dev_port, req, (size_t)n, r);
}

/* GET path answers status with body containing needle (NULL: any). */
static bool get_has(const char *path, int status, const char *needle)
{
	struct http_resp r;
	bool ok = get(path, &r) == 0 && r.status == status && (!needle || (r.body && strstr(r.body, needle)));
	hc_free(&r);
	return ok;
}

static void file_path(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", site, rel);
}

static bool exists(const char *rel)
{
	char p[800];
	file_path(p, sizeof p, rel);
	return access(p, F_OK) == 0;
}

static bool file_has(const char *rel, const char *needle)
{
	char p[800];
	file_path(p, sizeof p, rel);
	FILE *f = fopen(p, "r");
	if (!f)
		return false;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static long pid_in(const char *rel)
{
	char p[800];
	file_path(p, sizeof p, rel);
	FILE *f = fopen(p, "r");
	long v = 0;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* Start `./flacon dev --port P --workers 2` in site, in a process group of
 * its own (as a shell starts a job), its output appended to site/dev.log.
 * The environment of the suite's own stack is taken away: dev starts its
 * embedded database (the default database.url) and makes its key. */
static pid_t start_dev(void)
{
	char log[800], port[16];
	file_path(log, sizeof log, "dev.log");
	snprintf(port, sizeof port, "%d", dev_port);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		/* A failed test never leaves dev running after the suite. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (chdir(site) < 0)
			_exit(126);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		const char *drop[] = {"FLACON_DATABASE_URL", "FLACON_APP_SECRET_KEY", "FLACON_APP_ENV", "FLACON_CONF",
				      "FLACON_PORT", "FLACON_SERVER_LISTEN", "FLACON_SERVER_WORKERS"};
		for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
			unsetenv(drop[i]);
		execl("./flacon", "flacon", "dev", "--port", port, "--workers", "2", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

/* Wait until dev serves /healthz through nginx (true), or it ended, or
 * secs passed (false). */
static bool wait_up(pid_t pid, double secs)
{
	double deadline = now_s() + secs;
	while (now_s() < deadline) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return false;
		if (get_has("/healthz", 200, NULL))
			return true;
		nap_ms(200);
	}
	return false;
}

/* Wait for pid (our child) to end, secs at most: its wait status, or -1. */
static int wait_end(pid_t pid, double secs)
{
	double deadline = now_s() + secs;
	int st;
	while (now_s() < deadline) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		nap_ms(100);
	}
	return -1;
}

static void show_log(void)
{
	char p[800];
	file_path(p, sizeof p, "dev.log");
	sh("echo '--- dev.log (end):' >&2; tail -40 '%s' >&2", p);
}

/* The application masters of dev: its children called flacon. */
static int masters(pid_t *out, int max)
{
	return test_children(dev_pid, "flacon", out, max);
}

TEST(test_dev_usage_errors_and_help)
{
	struct run_result r;
	CHECK_INT(cli_run(&r, "dev --help"), 0);
	CHECK(strstr(r.out, "usage: flacon dev [--port N]") != NULL);
	CHECK(strstr(r.out, "var/db/data") != NULL);
	CHECK_INT(cli_run(&r, "help dev"), 0);
	CHECK_INT(cli_run(&r, "dev --port 0"), 2);
	CHECK(strstr(r.err, "--port") != NULL);
	CHECK_INT(cli_run(&r, "dev --port 80x"), 2);
	CHECK_INT(cli_run(&r, "dev --workers"), 2);
	CHECK_INT(cli_run(&r, "dev --frobnicate"), 2);
	CHECK(strstr(r.err, "flacon help dev") != NULL);
	CHECK_INT(cli_run(&r, "--help"), 0);
	CHECK(strstr(r.out, "\n  dev ") != NULL);
}

/* dev's output when mariadbd and nginx are not installed: run in a mount
 * namespace where /usr/sbin (and /usr/local/sbin) is an empty tmpfs and
 * PATH has no sbin. extra: environment assignments. The exit status. */
static int dev_without_sbin(const char *dir, const char *extra, struct run_result *r)
{
	char out[800], err[800];
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	int st = sh("cd '%s' && env -u FLACON_DATABASE_URL %s unshare -m sh -c 'mount -t tmpfs none /usr/sbin && "
		    "{ [ ! -d /usr/local/sbin ] || mount -t tmpfs none /usr/local/sbin; } && "
		    "PATH=/usr/bin:/bin exec \"$0\" dev --port 1' '%s' >'%s' 2>'%s'",
		    dir, extra, getenv("FLACON_BIN"), out, err);
	FILE *f = fopen(err, "r");
	size_t n = f ? fread(r->err, 1, sizeof r->err - 1, f) : 0;
	r->err[n] = '\0';
	if (f)
		fclose(f);
	return st;
}

static int lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

TEST(test_dev_without_mariadb_or_nginx_names_the_package_in_one_line)
{
	const char *tmp = getenv("FLACON_TEST_TMP");
	REQUIRE(tmp && getenv("FLACON_BIN"));
	char dir[600], extra[800];
	snprintf(dir, sizeof dir, "%s/dev-nobin", tmp);
	REQUIRE(sh("mkdir -p '%s'", dir) == 0);
	CHECK_MSG(sh("unshare -m true 2>/dev/null") == 0, "this test needs unshare -m (root, CAP_SYS_ADMIN)");
	struct run_result r;
	/* The default database.url: the embedded database's server is missing. */
	CHECK_INT(dev_without_sbin(dir, "", &r), 1);
	CHECK_MSG(strstr(r.err, "apt-get install mariadb-server") && lines(r.err) == 1, "stderr: %s", r.err);
	/* A database of one's own: only nginx is needed, and missing. */
	snprintf(extra, sizeof extra, "FLACON_DATABASE_URL='%s'", cli_db_url());
	CHECK_INT(dev_without_sbin(dir, extra, &r), 1);
	CHECK_MSG(strstr(r.err, "apt-get install nginx") && lines(r.err) == 1, "stderr: %s", r.err);
out:;
}

TEST(test_dev_serves_the_site_and_healthz_through_nginx_on_its_embedded_database)
{
	const char *tmp = getenv("FLACON_TEST_TMP"), *bin = getenv("FLACON_BIN");
	REQUIRE(tmp && bin);
	snprintf(site, sizeof site, "%s/dev-site", tmp);
	/* The site as an application directory: templates, static files,
	 * migrations, its executable, a configuration without a key that
	 * says production (dev runs it in development all the same). */
	REQUIRE(sh("rm -rf '%s' && mkdir -p '%s/www' '%s/conf' && cp -R www/templates www/static '%s/www/' && "
		   "cp -R sql '%s/' && cp '%s' '%s/flacon' && "
		   "printf '[app]\\nenv = production\\n[database]\\n"
		   "url = mariadb://flacon@localhost/flacon?socket=var/run/mysqld.sock\\n' >'%s/conf/flacon.conf'",
		   site, site, site, site, site, bin, site, site) == 0);
	dev_port = free_port();
	REQUIRE(dev_port > 0);
	double t0 = now_s();
	dev_pid = start_dev();
	REQUIRE(dev_pid > 0);
	bool up = wait_up(dev_pid, 240);
	if (!up)
		show_log();
	REQUIRE(up);
	fprintf(stderr, "cli: flacon dev up in %.1f s (first run: mariadb-install-db, migrations, seed)\n",
		now_s() - t0);
	struct http_resp r;
	CHECK(get("/", &r) == 0 && r.status == 200);
	CHECK(r.body && strstr(r.body, "<h1>Flacon</h1>"));
	/* The seed ran: the newest articles are listed. */
	CHECK_MSG(r.body && strstr(r.body, "href=\"/articles/"), "no article on /: %.300s", r.body ? r.body : "");
	char v[64];
	CHECK_MSG(hc_header(&r, "X-Flacon-Queries", 0, v, sizeof v) != NULL, "not in development mode: %s",
		  r.head ? r.head : "");
	hc_free(&r);
	CHECK(get_has("/healthz", 200, NULL));
	CHECK(get_has("/static/style.css", 200, NULL));
	CHECK(get_has("/no-such-page", 404, NULL));
	/* Everything under var/: the datadir, nginx's configuration on
	 * 127.0.0.1, a key only the user reads, a database on a socket only. */
	CHECK(exists("var/db/data/mysql"));
	CHECK(exists("var/run/mysqld.sock"));
	char listen[64];
	snprintf(listen, sizeof listen, "listen 127.0.0.1:%d;", dev_port);
	CHECK(file_has("var/run/nginx.conf", listen));
	/* The workers get the framework's FastCGI params, those production's
	 * conf/nginx/flacon-fastcgi.conf sends: no more (dev would hide a
	 * variable production lacks), no fewer. */
	char conf[800];
	file_path(conf, sizeof conf, "var/run/nginx.conf");
	CHECK_MSG(sh("sed -n 's/^ *\\(fastcgi_param .*\\)/\\1/p' conf/nginx/flacon-fastcgi.conf | sort -u >'%s.want' && "
		     "sed -n 's/^ *\\(fastcgi_param .*\\)/\\1/p' '%s' | sort -u >'%s.got' && test -s '%s.want' && "
		     "diff '%s.want' '%s.got' >&2",
		     conf, conf, conf, conf, conf, conf) == 0,
		  "flacon dev's nginx.conf sends other FastCGI params than conf/nginx/flacon-fastcgi.conf");
	char key[800];
	file_path(key, sizeof key, "var/secret_key");
	struct stat st;
	CHECK(stat(key, &st) == 0 && (st.st_mode & 0777) == 0600);
	long db = pid_in("var/db/mysqld.pid");
	char cmdline[64];
	snprintf(cmdline, sizeof cmdline, "/proc/%ld/cmdline", db);
	CHECK_MSG(db > 0 && sh("tr '\\0' ' ' <%s | grep -q -- --skip-networking", cmdline) == 0,
		  "mariadbd %ld does not run with --skip-networking", db);
	pid_t m[4];
	CHECK_INT(masters(m, 4), 1);
	CHECK_INT(test_children(m[0], "flacon-worker", (pid_t[4]){0}, 4), 2);
	CHECK_INT(test_children(m[0], "flacon-health", (pid_t[4]){0}, 4), 1);
out:;
}

/* Write text into site/rel in place (the same inode: IN_MODIFY). */
static bool write_file(const char *rel, const char *text)
{
	char p[800];
	file_path(p, sizeof p, rel);
	FILE *f = fopen(p, "w");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* / has needle four times in a row (whichever worker answers). */
static bool home_has(const char *needle)
{
	bool ok = true;
	for (int i = 0; i < 4; i++)
		ok &= get_has("/", 200, needle);
	return ok;
}

TEST(test_dev_edited_template_is_served_on_the_next_request)
{
	REQUIRE(dev_pid > 0 && kill(dev_pid, 0) == 0);
	CHECK(home_has("<h1>Flacon</h1>"));
	/* sed -i: a new file renamed over the old one, as editors save. */
	REQUIRE(sh("sed -i 's|<h1>Flacon</h1>|<h1>Flacon DEV-EDIT-1</h1>|' '%s/www/templates/home.mustache'", site) == 0);
	CHECK_MSG(home_has("DEV-EDIT-1"), "the renamed template was not served on the next request");
	/* Written in place. */
	char p[800], text[8192];
	file_path(p, sizeof p, "www/templates/home.mustache");
	FILE *f = fopen(p, "r");
	REQUIRE(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	char *at = strstr(text, "DEV-EDIT-1");
	REQUIRE(at);
	at[9] = '2';
	REQUIRE(write_file("www/templates/home.mustache", text));
	CHECK_MSG(home_has("DEV-EDIT-2"), "the template written in place was not served on the next request");
	/* A new partial in a new directory is found too. */
	REQUIRE(sh("mkdir -p '%s/www/templates/devtest'", site) == 0);
	REQUIRE(write_file("www/templates/devtest/note.mustache", "DEV-PARTIAL-3"));
	at = strstr(text, "DEV-EDIT-2</h1>");
	REQUIRE(at);
	char edited[8400];
	snprintf(edited, sizeof edited, "%.*s{{>devtest/note}}%s", (int)(at - text + 15), text, at + 15);
	REQUIRE(write_file("www/templates/home.mustache", edited));
	CHECK_MSG(home_has("DEV-PARTIAL-3"), "the partial in a new directory was not served");
	/* A template that does not compile: logged, and pages answer 500 until
	 * it is mended. */
	REQUIRE(write_file("www/templates/devtest/note.mustache", "{{#unclosed}}"));
	for (int i = 0; i < 4; i++)
		CHECK(get_has("/", 500, NULL));
	CHECK(get_has("/healthz", 200, NULL));
	CHECK(file_has("dev.log", "devtest/note:1: unclosed"));
	CHECK(file_has("dev.log", "pages answer 500 until it is mended"));
	REQUIRE(write_file("www/templates/devtest/note.mustache", "DEV-PARTIAL-4"));
	CHECK(home_has("DEV-PARTIAL-4"));
out:;
}

static volatile int stop_load;

struct counts {
	int ok, bad;
	char first_bad[160]; /* what the first failure was */
};

static void *load(void *p)
{
	struct counts *c = p;
	/* The main thread's system() blocks SIGCHLD there, so the kernel
	 * wakes another thread for it: a recv with SO_RCVTIMEO would end in
	 * EINTR, a failure of this client, not of the server. */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
	const char *paths[] = {"/", "/healthz", "/articles", "/courses"};
	double deadline = now_s() + 90;
	for (int i = 0; !stop_load && i < 20000 && now_s() < deadline; i++) {
		struct http_resp r;
		errno = 0;
		int rc = get(paths[i % 4], &r);
		int e = errno;
		if (rc == 0 && r.status == 200) {
			c->ok++;
		} else {
			if (!c->bad++)
				snprintf(c->first_bad, sizeof c->first_bad, "GET %s: %s [%s] after %.3f s %.100s",
					 paths[i % 4], rc ? "no connection" : "", strerror(e), r.seconds,
					 rc ? "" : r.head ? r.head : "no answer");
		}
		hc_free(&r);
	}
	return NULL;
}

TEST(test_dev_rebuilt_executable_takes_over_under_load_with_no_failed_request)
{
	REQUIRE(dev_pid > 0 && kill(dev_pid, 0) == 0);
	pid_t before[4], after[4];
	REQUIRE(masters(before, 4) == 1);
	enum { THREADS = 4 };
	pthread_t th[THREADS];
	struct counts c[THREADS];
	memset(c, 0, sizeof c);
	stop_load = 0;
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, load, &c[i]);
	nap_ms(500);
	/* "make" in another terminal: a new file (another inode, other bytes;
	 * trailing bytes change nothing for the ELF loader) renamed over the
	 * executable. */
	CHECK(sh("cp '%s/flacon' '%s/flacon.new' && printf 'rebuilt' >>'%s/flacon.new' && mv '%s/flacon.new' '%s/flacon'",
		 site, site, site, site, site) == 0);
	double t0 = now_s();
	bool replaced = false;
	while (!replaced && now_s() - t0 < 60) {
		nap_ms(100);
		replaced = kill(before[0], 0) < 0 && masters(after, 4) == 1 && after[0] != before[0] &&
			   test_children(after[0], "flacon-worker", (pid_t[4]){0}, 4) == 2;
	}
	nap_ms(500); /* the new workers serve for a while */
	stop_load = 1;
	int ok = 0, bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ok += c[i].ok;
		bad += c[i].bad;
	}
	fprintf(stderr, "cli: flacon dev took up the rebuilt executable in %.1f s; %d requests, %d failed\n",
		now_s() - t0, ok + bad, bad);
	if (!replaced)
		show_log();
	REQUIRE(replaced);
	for (int i = 0; i < THREADS; i++)
		CHECK_MSG(c[i].bad == 0, "%d of %d requests failed while the executable was replaced; the first: %s",
			  c[i].bad, ok + bad, c[i].first_bad);
	CHECK(ok >= 100);
	/* The new workers run the new file. */
	pid_t w[4];
	int nw = test_children(after[0], "flacon-worker", w, 4);
	char exe[800], proc[64];
	file_path(exe, sizeof exe, "flacon");
	struct stat want, got;
	REQUIRE(stat(exe, &want) == 0);
	for (int i = 0; i < nw; i++) {
		snprintf(proc, sizeof proc, "/proc/%d/exe", (int)w[i]);
		CHECK_MSG(stat(proc, &got) == 0 && got.st_ino == want.st_ino, "worker %d runs another file", (int)w[i]);
	}
	CHECK(file_has("dev.log", "was rebuilt"));
out:;
}

TEST(test_dev_a_build_that_does_not_start_leaves_the_previous_one_serving)
{
	REQUIRE(dev_pid > 0 && kill(dev_pid, 0) == 0);
	pid_t before[4], after[4];
	REQUIRE(masters(before, 4) == 1);
	enum { THREADS = 2 };
	pthread_t th[THREADS];
	struct counts c[THREADS];
	memset(c, 0, sizeof c);
	stop_load = 0;
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, load, &c[i]);
	/* A "build" that exits at once, then the good one back. */
	CHECK(sh("cd '%s' && cp flacon flacon.good && printf '#!/bin/sh\\nexit 3\\n' >flacon.bad && "
		 "chmod +x flacon.bad && mv flacon.bad flacon", site) == 0);
	double t0 = now_s();
	bool said = false;
	while (!said && now_s() - t0 < 30) {
		nap_ms(100);
		said = file_has("dev.log", "(exit status 3); the previous build keeps serving");
	}
	CHECK_MSG(said, "dev did not say the new build failed");
	CHECK(kill(before[0], 0) == 0 && masters(after, 4) == 1 && after[0] == before[0]);
	CHECK(sh("cd '%s' && mv flacon.good flacon", site) == 0);
	bool replaced = false;
	while (!replaced && now_s() - t0 < 60) {
		nap_ms(100);
		replaced = kill(before[0], 0) < 0 && masters(after, 4) == 1 && after[0] != before[0];
	}
	CHECK_MSG(replaced, "the good build was not taken up again");
	stop_load = 1;
	int ok = 0, bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ok += c[i].ok;
		bad += c[i].bad;
	}
	for (int i = 0; i < THREADS; i++)
		CHECK_MSG(c[i].bad == 0, "%d of %d requests failed; the first: %s", c[i].bad, ok + bad, c[i].first_bad);
	CHECK(ok >= 50);
out:;
}

/* Every process dev started, and theirs: dev's children (mariadbd, the
 * master, nginx) and their children (workers, health, nginx's workers). */
static int family(pid_t *out, int max)
{
	int n = 0;
	out[n++] = dev_pid;
	int kids = test_children(dev_pid, NULL, out + n, max - n);
	int end = n + kids;
	for (int i = n; i < end && end < max; i++)
		end += test_children(out[i], NULL, out + end, max - end);
	return end;
}

/* SIGINT to dev's process group, as a terminal's Ctrl-C (twice: a
 * second one 50 ms later); true when dev exited 0 within 90 s and none
 * of its processes is left 5 s later. */
static bool interrupt_and_check(bool twice)
{
	pid_t pids[64];
	int n = family(pids, 64);
	CHECK(n >= 7); /* dev, mariadbd, master, 2 workers, health, nginx (+ its worker) */
	CHECK_INT(kill(-dev_pid, SIGINT), 0);
	if (twice) { /* an impatient user: changes nothing */
		nap_ms(50);
		CHECK_INT(kill(-dev_pid, SIGINT), 0);
	}
	int st = wait_end(dev_pid, 90);
	CHECK_MSG(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "dev did not exit 0 after SIGINT (%d)", st);
	bool none = false;
	double deadline = now_s() + 5;
	while (!none && now_s() < deadline) {
		none = true;
		for (int i = 1; i < n; i++)
			none &= kill(pids[i], 0) < 0 && errno == ESRCH;
		if (!none)
			nap_ms(100);
	}
	for (int i = 1; i < n; i++)
		CHECK_MSG(kill(pids[i], 0) < 0, "process %d is left after SIGINT", (int)pids[i]);
	dev_pid = 0;
	return st != -1 && none;
}

TEST(test_dev_sigint_stops_every_process_it_started)
{
	REQUIRE(dev_pid > 0 && kill(dev_pid, 0) == 0);
	CHECK(interrupt_and_check(false));
	CHECK(!exists("var/run/flacon.sock"));
	CHECK(!exists("var/run/dev.pid"));
	CHECK(!get_has("/healthz", 200, NULL));
	CHECK(file_has("dev.log", "dev: stopped"));
out:;
}

TEST(test_dev_second_run_keeps_the_data_and_does_not_seed_again)
{
	REQUIRE(site[0] && dev_pid == 0);
	REQUIRE(sh("echo '--- second run' >>'%s/dev.log'", site) == 0);
	/* A template broken before the start: dev comes up all the same, its
	 * pages answer 500 until the template is mended. */
	REQUIRE(write_file("www/templates/devtest/note.mustache", "{{^broken}}"));
	dev_pid = start_dev();
	REQUIRE(dev_pid > 0);
	bool up = wait_up(dev_pid, 120);
	if (!up)
		show_log();
	REQUIRE(up);
	CHECK(get_has("/", 500, NULL));
	REQUIRE(write_file("www/templates/devtest/note.mustache", "DEV-PARTIAL-5"));
	CHECK(home_has("DEV-PARTIAL-5"));
	CHECK(get_has("/", 200, "href=\"/articles/"));
	char p[800];
	file_path(p, sizeof p, "dev.log");
	CHECK_MSG(sh("sed -n '/^--- second run/,$p' '%s' | grep -q 'running .flacon seed'", p) != 0,
		  "the second run seeded again");
	CHECK_MSG(sh("sed -n '/^--- second run/,$p' '%s' | grep -q 'initialising the database'", p) != 0,
		  "the second run initialised the datadir again");
	CHECK(interrupt_and_check(true));
out:
	if (dev_pid > 0) {
		kill(-dev_pid, SIGINT);
		wait_end(dev_pid, 90);
	}
}

/* pid runs (exists and is not a zombie waiting for a reaper). */
static bool running(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	const char *paren = ok ? strrchr(line, ')') : NULL;
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

TEST(test_dev_killed_with_sigkill_takes_every_process_along)
{
	REQUIRE(site[0] && dev_pid == 0);
	dev_pid = start_dev();
	REQUIRE(dev_pid > 0);
	bool up = wait_up(dev_pid, 120);
	if (!up)
		show_log();
	REQUIRE(up);
	pid_t pids[64];
	int n = family(pids, 64);
	CHECK(n >= 7);
	/* No chance to stop anything: each child gets SIGTERM from the
	 * kernel (PR_SET_PDEATHSIG) and stops by itself. */
	CHECK_INT(kill(dev_pid, SIGKILL), 0);
	CHECK(wait_end(dev_pid, 10) != -1);
	dev_pid = 0;
	int left = n;
	double deadline = now_s() + 60;
	while (left > 0 && now_s() < deadline) {
		left = 0;
		for (int i = 1; i < n; i++)
			left += running(pids[i]);
		if (left)
			nap_ms(100);
	}
	for (int i = 1; i < n; i++)
		CHECK_MSG(!running(pids[i]), "process %d runs on after dev was killed", (int)pids[i]);
	/* The next run starts on what is left (a stale dev.pid, the datadir). */
	dev_pid = start_dev();
	REQUIRE(dev_pid > 0);
	up = wait_up(dev_pid, 120);
	if (!up)
		show_log();
	CHECK(up);
	CHECK(interrupt_and_check(false));
	CHECK_MSG(!file_has("dev.log", "AddressSanitizer") && !file_has("dev.log", "runtime error:") &&
		  !file_has("dev.log", "LeakSanitizer"), "sanitizer reports in dev.log");
out:
	if (dev_pid > 0) {
		kill(-dev_pid, SIGINT);
		wait_end(dev_pid, 90);
	}
}

TEST(test_dev_on_a_port_in_use_says_so_and_starts_nothing)
{
	int fd = -1;
	REQUIRE(site[0] && dev_pid == 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	REQUIRE(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 4) == 0 &&
		getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	dev_port = ntohs(sa.sin_port);
	REQUIRE(sh("echo '--- port in use' >>'%s/dev.log'", site) == 0);
	pid_t pid = start_dev();
	REQUIRE(pid > 0);
	int st = wait_end(pid, 30);
	CHECK_MSG(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 1, "dev on a port in use: status %d", st);
	char want[96], p[800];
	snprintf(want, sizeof want, "port %d of 127.0.0.1 is in use", dev_port);
	CHECK(file_has("dev.log", want));
	file_path(p, sizeof p, "dev.log");
	CHECK_MSG(sh("sed -n '/^--- port in use/,$p' '%s' | grep -q 'mariadbd\\|development mode'", p) != 0,
		  "dev started something before looking at the port");
	CHECK(!exists("var/run/dev.pid"));
out:
	if (fd >= 0)
		close(fd);
}

/* dev_mariadb.c — the embedded database of `APP dev`: a private MariaDB
 * whose datadir is var/db/data (kept between runs), on a unix socket only
 * (skip-networking), initialised by mariadb-install-db on the first run,
 * started and stopped with the command. The administrator is the system
 * user running dev (unix_socket authentication), so no password exists. */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mysql.h>

#include "cli/cli.h"
#include "cli/dev.h"
#include "db/db.h"

static const char *url_socket(const char *url)
{
	const char *q = strchr(url, '?');
	for (const char *p = q; p; p = strchr(p + 1, '&'))
		if (!strncmp(p + 1, "socket=", 7))
			return p + 8;
	return NULL;
}

bool dev_mariadb_is_embedded(const char *url)
{
	const char *s = url ? url_socket(url) : NULL;
	if (!s)
		return false;
	if (!strncmp(s, "./", 2))
		s += 2;
	return !strncmp(s, "var/", 4);
}

bool dev_mariadb_check(void)
{
	char path[DEV_PATH];
	const char *need[] = {"mariadbd", "mariadb-install-db"};
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!dev_find_program(need[i], path, sizeof path)) {
			cli_error("dev: %s not found: the embedded database needs MariaDB (apt-get install "
				  "mariadb-server), or set database.url to a server of yours\n", need[i]);
			return false;
		}
	return true;
}

/* The system user dev runs as: the embedded server's administrator. */
static const char *admin_user(void)
{
	if (getuid() == 0)
		return "root";
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "root";
}

/* A name MariaDB takes without quoting troubles. */
static bool plain_name(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* Wait for child pid to end, at most secs seconds (or until dev is asked
 * to stop). 0 when it exited with status 0. */
static int wait_child(pid_t pid, double secs)
{
	double deadline = dev_now() + secs;
	int st;
	while (!dev_exited(pid, &st)) {
		if (dev_stop || dev_now() > deadline) {
			dev_stop_child(pid, SIGTERM, 5);
			return -1;
		}
		dev_nap(50);
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* mariadb-install-db into d->db/data, once. */
static int install(const struct dev_dirs *d)
{
	char data[DEV_PATH + 32], sys[DEV_PATH + 32], log[DEV_PATH + 32], prog[DEV_PATH];
	snprintf(data, sizeof data, "%s/data", d->db);
	snprintf(sys, sizeof sys, "%s/data/mysql", d->db);
	struct stat st;
	if (stat(sys, &st) == 0)
		return 0;
	snprintf(log, sizeof log, "%s/install.log", d->db);
	if (!dev_find_program("mariadb-install-db", prog, sizeof prog))
		return -1;
	char a_data[DEV_PATH + 64], a_user[128], a_sock[160];
	snprintf(a_data, sizeof a_data, "--datadir=%s", data);
	snprintf(a_sock, sizeof a_sock, "--auth-root-socket-user=%s", admin_user());
	snprintf(a_user, sizeof a_user, "--user=%s", admin_user());
	/* --user only as root (mariadbd then runs as root, as the rest of dev). */
	char *argv[] = {prog, "--no-defaults", a_data, "--auth-root-authentication-method=socket", a_sock,
			"--skip-test-db", getuid() == 0 ? a_user : NULL, NULL};
	printf("dev: initialising the database in %s (first run)\n", data);
	char err[512];
	pid_t pid = dev_spawn(argv, log, NULL, 0, err, sizeof err);
	if (pid < 0) {
		cli_error("dev: %s\n", err);
		return -1;
	}
	if (wait_child(pid, 180) < 0) {
		if (!dev_stop) {
			cli_error("dev: mariadb-install-db failed; its output, in %s:\n", log);
			dev_tail(log);
		}
		return -1;
	}
	return 0;
}

/* The administrator's connection to the server on sock, or NULL. */
static MYSQL *admin_connect(const char *sock)
{
	MYSQL *c = mysql_init(NULL);
	if (!c)
		return NULL;
	unsigned timeout = 2;
	mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (!mysql_real_connect(c, "localhost", admin_user(), NULL, NULL, 0, sock, 0)) {
		mysql_close(c);
		return NULL;
	}
	return c;
}

/* url's database and user (socket only; a password when the URL has
 * one), with rights on DB and DB_* (db migrate's DB_autogen scratch). */
static int create_db_and_user(MYSQL *c, const struct db_url *u)
{
	if (!plain_name(u->dbname) || !plain_name(u->user)) {
		cli_error("dev: database.url: the embedded database needs a database and a user "
			  "named with letters, digits and _\n");
		return -1;
	}
	char sql[1024], pw[600] = "";
	snprintf(sql, sizeof sql,
		 "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
		 u->dbname);
	if (mysql_query(c, sql))
		goto fail;
	if (!strcmp(u->user, admin_user()))
		return 0;
	if (u->password && *u->password) {
		char esc[512];
		if (strlen(u->password) > 200) {
			cli_error("dev: database.url: the password is too long\n");
			return -1;
		}
		mysql_real_escape_string(c, esc, u->password, strlen(u->password));
		snprintf(pw, sizeof pw, " IDENTIFIED BY '%s'", esc);
	}
	snprintf(sql, sizeof sql, "CREATE USER IF NOT EXISTS '%s'@'localhost'%s", u->user, pw);
	if (mysql_query(c, sql))
		goto fail;
	snprintf(sql, sizeof sql, "GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'localhost'", u->dbname, u->user);
	if (mysql_query(c, sql))
		goto fail;
	snprintf(sql, sizeof sql, "GRANT ALL PRIVILEGES ON `%s\\_%%`.* TO '%s'@'localhost'", u->dbname,
		 u->user);
	if (mysql_query(c, sql))
		goto fail;
	return 0;
fail:
	cli_error("dev: setting up the embedded database: %s\n", mysql_error(c));
	return -1;
}

/* url with its socket's value replaced by the absolute path sock. */
static int absolute_url(const char *url, const char *sock, char *out, size_t n)
{
	const char *s = url_socket(url);
	const char *end = s + strcspn(s, "&");
	int w = snprintf(out, n, "%.*s%s%s", (int)(s - url), url, sock, end);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* Start mariadbd on m->sock and wait until the administrator gets in
 * (60 s at most). */
static int start_server(struct dev_mariadb *m, const struct dev_dirs *d)
{
	char prog[DEV_PATH];
	if (!dev_find_program("mariadbd", prog, sizeof prog))
		return -1;
	char a_data[DEV_PATH + 64], a_sock[DEV_PATH + 64], a_pid[DEV_PATH + 64], a_tmp[DEV_PATH + 64],
		a_err[DEV_PATH + 64], a_user[128], tmp[DEV_PATH + 32], errlog[DEV_PATH + 32],
		out[DEV_PATH + 32];
	snprintf(tmp, sizeof tmp, "%s/tmp", d->db);
	snprintf(errlog, sizeof errlog, "%s/mysqld.err", d->db);
	snprintf(out, sizeof out, "%s/mysqld.out", d->db);
	if (dev_mkdirs(tmp) < 0) {
		cli_error("dev: cannot create %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	snprintf(a_data, sizeof a_data, "--datadir=%s/data", d->db);
	snprintf(a_sock, sizeof a_sock, "--socket=%s", m->sock);
	snprintf(a_pid, sizeof a_pid, "--pid-file=%s/mysqld.pid", d->db);
	snprintf(a_tmp, sizeof a_tmp, "--tmpdir=%s", tmp);
	snprintf(a_err, sizeof a_err, "--log-error=%s", errlog);
	snprintf(a_user, sizeof a_user, "--user=%s", admin_user());
	char *argv[] = {prog, "--no-defaults", a_data, a_sock, a_pid, "--skip-networking", a_tmp, a_err,
			"--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
			"--innodb-buffer-pool-size=128M", "--innodb-flush-log-at-trx-commit=2",
			"--innodb-log-file-size=128M", "--skip-log-bin", "--performance-schema=OFF", NULL, NULL};
	if (getuid() == 0)
		argv[sizeof argv / sizeof argv[0] - 2] = a_user;
	char err[512];
	m->pid = dev_spawn(argv, out, NULL, 0, err, sizeof err);
	if (m->pid < 0) {
		m->pid = 0;
		cli_error("dev: %s\n", err);
		return -1;
	}
	/* For `make stop` (scripts/stack.sh's mariadb_stop). */
	char path[DEV_PATH + 32];
	snprintf(path, sizeof path, "%s/socket-path", d->db);
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s\n", m->sock);
		fclose(f);
	}
	double deadline = dev_now() + 60;
	while (!dev_stop) {
		int st;
		if (dev_exited(m->pid, &st)) {
			m->pid = 0;
			cli_error("dev: mariadbd stopped at start; the end of %s:\n", errlog);
			dev_tail(errlog);
			return -1;
		}
		MYSQL *c = dev_unix_answers(m->sock) ? admin_connect(m->sock) : NULL;
		if (c) {
			mysql_close(c);
			return 0;
		}
		if (dev_now() > deadline) {
			cli_error("dev: mariadbd did not answer within 60 s; see %s\n", errlog);
			return -1;
		}
		dev_nap(100);
	}
	return -1;
}

int dev_mariadb_start(struct dev_mariadb *m, const struct dev_dirs *d, const char *url,
		      char *abs_url, size_t abs_len)
{
	memset(m, 0, sizeof *m);
	struct db_url u;
	char err[256];
	if (db_url_parse(url, &u, err, sizeof err) < 0) {
		cli_error("dev: database.url: %s\n", err);
		return -1;
	}
	int rc = -1;
	if (snprintf(m->sock, sizeof m->sock, "%s/%s", d->root, u.socket) >= (int)sizeof m->sock - 1 ||
	    strlen(m->sock) >= 108) {
		cli_error("dev: the database socket's path %s/%s is too long for a unix socket; run dev "
			  "from a shorter directory\n", d->root, u.socket);
		goto out;
	}
	if (absolute_url(url, m->sock, abs_url, abs_len) < 0) {
		cli_error("dev: database.url is too long\n");
		goto out;
	}
	char sockdir[DEV_PATH];
	snprintf(sockdir, sizeof sockdir, "%s", m->sock);
	*strrchr(sockdir, '/') = '\0';
	if (dev_mkdirs(sockdir) < 0) {
		cli_error("dev: cannot create %s: %s\n", sockdir, strerror(errno));
		goto out;
	}
	MYSQL *c = dev_unix_answers(m->sock) ? admin_connect(m->sock) : NULL;
	if (c) {
		printf("dev: using the MariaDB already running on %s (not stopped with dev)\n", m->sock);
	} else {
		if (!dev_mariadb_check() || install(d) < 0 || start_server(m, d) < 0 ||
		    !(c = admin_connect(m->sock))) {
			if (!dev_stop && m->pid && !c)
				cli_error("dev: cannot connect to the embedded database as %s\n", admin_user());
			goto out;
		}
	}
	rc = create_db_and_user(c, &u);
	mysql_close(c);
out:
	db_url_free(&u);
	return rc;
}

void dev_mariadb_stop(struct dev_mariadb *m)
{
	if (m->pid <= 0)
		return;
	/* SIGTERM: a clean shutdown (InnoDB flushed). */
	dev_stop_child(m->pid, SIGTERM, 60);
	m->pid = 0;
}

/* dev.c — `APP dev` (SPEC section 12, the first hour): the application on
 * http://127.0.0.1:PORT/ in development mode with one command — the
 * embedded MariaDB (or database.url), the schema and demo data, the
 * prefork workers, nginx in front; templates re-read as they change, a
 * rebuilt executable taken up without a dropped request; Ctrl-C stops it
 * all. Its parts are in dev_*.c (dev.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dev.h"
#include "core/server.h"
#include "db/db.h"
#include "orm/orm.h"

#define DEV_DEFAULT_PORT 8080
/* Two, whatever server.workers says: enough to see what a second
 * process changes, few enough for a laptop. */
#define DEV_DEFAULT_WORKERS 2

volatile sig_atomic_t dev_stop, dev_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		dev_reload = 1;
	else
		dev_stop = 1;
}

/* Without SA_RESTART: a signal cuts every wait of dev short. */
static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int dirs_init(struct dev_dirs *d)
{
	if (!getcwd(d->root, sizeof d->root)) {
		cli_error("dev: getcwd: %s\n", strerror(errno));
		return -1;
	}
	/* Room for the longest name under each (…/var/run/PROG-health.sock). */
	if (strlen(d->root) > DEV_PATH - 128) {
		cli_error("dev: the current directory's path is too long\n");
		return -1;
	}
	struct {
		char *path;
		const char *sub;
	} all[] = {{d->var, "var"}, {d->run, "var/run"}, {d->log, "var/log"}, {d->tmp, "var/tmp"}, {d->db, "var/db"}};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (snprintf(all[i].path, DEV_PATH, "%s/%s", d->root, all[i].sub) >= DEV_PATH ||
		    dev_mkdirs(all[i].path) < 0) {
			cli_error("dev: cannot create %s/%s: %s\n", d->root, all[i].sub, strerror(errno));
			return -1;
		}
	return 0;
}

/* A secret key for development when the configuration has none: random,
 * kept in var/secret_key (0600) so sessions survive a restart. Set into
 * cfg and the environment (the masters read it there). 0 or -1. */
static int dev_secret_key(struct config *cfg, const struct dev_dirs *d)
{
	if (cfg->secret_key && strlen(cfg->secret_key) >= 32)
		return 0;
	char path[DEV_PATH + 16], key[80] = "";
	snprintf(path, sizeof path, "%s/secret_key", d->var);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(key, sizeof key, f))
			key[0] = '\0';
		fclose(f);
		key[strcspn(key, "\n")] = '\0';
	}
	if (strlen(key) < 32) {
		unsigned char raw[32];
		if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
			cli_error("dev: getrandom: %s\n", strerror(errno));
			return -1;
		}
		for (size_t i = 0; i < sizeof raw; i++)
			snprintf(key + 2 * i, 3, "%02x", raw[i]);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f && fd >= 0)
			close(fd);
		bool ok = f && fprintf(f, "%s\n", key) > 0;
		if (f && fclose(f) != 0)
			ok = false;
		if (!ok) {
			cli_error("dev: cannot write %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	free(cfg->secret_key);
	cfg->secret_key = strdup(key);
	setenv("FLACON_APP_SECRET_KEY", key, 1);
	return cfg->secret_key ? 0 : -1;
}

static bool has_migrations(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		found = n > 7 && !strcmp(e->d_name + n - 7, ".up.sql");
	}
	closedir(d);
	return found;
}

int cli_create_schema(struct db *db, char *err, size_t errlen);

/* 1 when no table of the application's models holds a row, 0 when one
 * does, -1 on error (said). */
static int models_empty(const struct config *cfg)
{
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return -1;
	int rc = 1;
	const struct orm_registry *r = cli_app->registry;
	for (size_t i = 0; rc == 1 && i < r->nmodels; i++) {
		char sql[300];
		snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", r->models[i]->qtable);
		MYSQL_RES *res = NULL;
		if (mysql_query(db->conn, sql) || !(res = mysql_store_result(db->conn))) {
			cli_error("dev: %s: %s\n", sql, mysql_error(db->conn));
			rc = -1;
		} else if (mysql_num_rows(res) > 0) {
			rc = 0;
		}
		if (res)
			mysql_free_result(res);
	}
	db_close(db);
	return rc;
}

/* The application's seed command: the one named "seed" among its own. */
static const struct cli_command *seed_command(void)
{
	for (size_t i = 0; cli_app->commands && cli_app->commands[i]; i++)
		if (!strcmp(cli_app->commands[i]->name, "seed"))
			return cli_app->commands[i];
	return NULL;
}

/* The schema at the migrations' head (`db upgrade`), or create-all for an
 * application without migrations; then its seed command, without
 * arguments, when every table of its models is empty. 0 or -1 (said). */
static int prepare_database(struct config *cfg)
{
	if (has_migrations(cfg->migrations_dir)) {
		char *args[] = {"upgrade", NULL};
		if (cli_db.run(cfg, 1, args) != CLI_OK)
			return -1;
	} else {
		struct db *db = cli_connect(cfg, true);
		if (!db)
			return -1;
		char err[512];
		int rc = cli_create_schema(db, err, sizeof err);
		db_close(db);
		if (rc < 0) {
			cli_error("dev: create-all: %s\n", err);
			return -1;
		}
	}
	const struct cli_command *seed = seed_command();
	if (!seed || !cli_app->registry || dev_stop)
		return 0;
	int empty = models_empty(cfg);
	if (empty <= 0)
		return empty;
	printf("dev: the database is empty: running '%s seed'\n", cli_prog);
	char *none[] = {NULL};
	return seed->run(cfg, 0, none) == CLI_OK ? 0 : -1;
}

/* var/run/dev.pid: one dev per application directory. 0, or -1 when
 * another one runs. */
static int claim_pidfile(const struct dev_dirs *d, char *path, size_t n)
{
	snprintf(path, n, "%s/dev.pid", d->run);
	FILE *f = fopen(path, "r");
	long other = 0;
	if (f) {
		if (fscanf(f, "%ld", &other) != 1)
			other = 0;
		fclose(f);
	}
	if (other > 0 && other != getpid() && kill((pid_t)other, 0) == 0) {
		cli_error("dev: already running in %s (pid %ld); Ctrl-C there, or kill %ld\n", d->root, other,
			  other);
		return -1;
	}
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	return 0;
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* dev's options into *port and *workers; *serve for the internal mode.
 * CLI_OK or CLI_USAGE (said). */
static int parse_args(int argc, char **argv, long *port, long *workers, const char **serve)
{
	const char *env = getenv("FLACON_PORT");
	if (env && *env && !parse_int(env, 1, 65535, port))
		return cli_usage_error("dev", "FLACON_PORT must be a port number, 1..65535");
	for (int i = 0; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--port")) {
			if (!parse_int(v, 1, 65535, port))
				return cli_usage_error("dev", "--port needs a port number, 1..65535");
		} else if (!strcmp(argv[i], "--workers")) {
			if (!parse_int(v, 1, 64, workers))
				return cli_usage_error("dev", "--workers needs a number, 1..64");
		} else if (!strcmp(argv[i], "--serve") && v) {
			*serve = v;
		} else {
			return cli_usage_error("dev", "unknown argument");
		}
		i++;
	}
	return CLI_OK;
}

/* Watch the children until a stop: the masters (dev_serve_tick), nginx and
 * the database, whose end ends dev. Returns CLI_OK, or CLI_FAILED when a
 * service ended by itself. */
static int run_until_stopped(struct dev_serve *s, struct dev_nginx *n, struct dev_mariadb *m,
			     const struct dev_dirs *d)
{
	while (!dev_stop) {
		if (dev_reload) {
			dev_reload = 0;
			dev_serve_reload(s);
		}
		dev_serve_tick(s);
		int st;
		if (dev_exited(n->pid, &st)) {
			n->pid = 0;
			cli_error("dev: nginx ended by itself; the end of %s/nginx-error.log:\n", d->log);
			char path[DEV_PATH + 32];
			snprintf(path, sizeof path, "%s/nginx-error.log", d->log);
			dev_tail(path);
			return CLI_FAILED;
		}
		if (m->pid && dev_exited(m->pid, &st)) {
			m->pid = 0;
			cli_error("dev: mariadbd ended by itself; see %s/mysqld.err\n", d->db);
			return CLI_FAILED;
		}
	}
	return CLI_OK;
}

static int dev_main(struct config *cfg, int argc, char **argv)
{
	long port = DEV_DEFAULT_PORT, workers = DEV_DEFAULT_WORKERS;
	const char *serve = NULL;
	int rc = parse_args(argc, argv, &port, &workers, &serve);
	if (rc != CLI_OK)
		return rc;
	if (serve)
		return dev_serve_main(cfg, serve);
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct dev_dirs d;
	char pidfile[DEV_PATH + 16], url[2048];
	if (dirs_init(&d) < 0)
		return CLI_FAILED;
	free(cfg->env);
	cfg->env = strdup("development");
	cfg->development = true;
	setenv("FLACON_APP_ENV", "development", 1);
	char err[512];
	if (!cfg->env || dev_secret_key(cfg, &d) < 0)
		return CLI_FAILED;
	if (config_check_server(cfg, err, sizeof err) < 0) {
		cli_error("%s\n", err);
		return CLI_FAILED;
	}
	bool embedded = dev_mariadb_is_embedded(cfg->database_url);
	if ((embedded && !dev_mariadb_check()) || !dev_nginx_check())
		return CLI_FAILED;
	/* Before anything starts (nginx looks again when it binds). */
	if (!dev_port_free((int)port)) {
		dev_port_taken((int)port);
		return CLI_FAILED;
	}
	if (claim_pidfile(&d, pidfile, sizeof pidfile) < 0)
		return CLI_FAILED;
	install_signals();

	struct dev_mariadb m = {0};
	struct dev_serve s = {.fd = -1, .health_fd = -1};
	struct dev_nginx n = {0};
	bool health = cli_hooks->health != NULL;
	rc = CLI_FAILED;
	printf("%s dev: development mode in %s, %ld worker%s\n", cli_prog, d.root, workers,
	       workers == 1 ? "" : "s");
	if (embedded) {
		if (dev_mariadb_start(&m, &d, cfg->database_url, url, sizeof url) < 0)
			goto stop;
		free(cfg->database_url);
		if (!(cfg->database_url = strdup(url)))
			goto stop;
		setenv("FLACON_DATABASE_URL", url, 1);
		printf("dev: database: the embedded MariaDB (data in %s/data)\n", d.db);
	} else {
		printf("dev: database: database.url (nothing started for it)\n");
	}
	if (dev_stop || prepare_database(cfg) < 0 || dev_stop)
		goto stop;
	if (dev_serve_start(&s, &d, (int)workers, health, cfg->path) < 0 ||
	    dev_nginx_start(&n, &d, (int)port, s.sock, health ? s.health_sock : NULL, cfg->max_body) < 0)
		goto stop;
	printf("\n * %s is up on http://127.0.0.1:%ld/   (Ctrl-C stops it)\n"
	       " * templates are re-read as they change; a rebuilt %s is taken up by itself\n\n",
	       cli_prog, port, cli_prog);
	rc = run_until_stopped(&s, &n, &m, &d);
stop:
	/* Interrupted at any point: everything started so far stops, in
	 * order — nginx (its requests in flight finish), the masters (their
	 * workers finish what they accepted), the database. Every wait is
	 * bounded; later signals change nothing. */
	if (dev_stop)
		rc = CLI_OK;
	printf("\ndev: stopping\n");
	dev_nginx_stop(&n);
	dev_serve_stop(&s);
	dev_mariadb_stop(&m);
	unlink(pidfile);
	printf("dev: stopped\n");
	return rc;
}

const struct cli_command cli_dev = {
	.name = "dev",
	.usage = "dev [--port N] [--workers N]",
	.help = "serve the application on 127.0.0.1 for development",
	.run = dev_main,
	.details = "options:\n"
		   "  --port N      the port on 127.0.0.1 (default: FLACON_PORT, else 8080)\n"
		   "  --workers N   worker processes, 1..64 (default: 2)\n\n"
		   "In development mode (app.env = development), from the application's\n"
		   "directory, everything under ./var/:\n"
		   "  - database: when database.url names a socket under var/ (the default,\n"
		   "    var/run/mysqld.sock), a private MariaDB with its data in var/db/data,\n"
		   "    unix socket only, started and stopped with dev; any other URL as it is.\n"
		   "    Then db upgrade (or create-all without migrations), and the\n"
		   "    application's `seed` command when its tables are all empty.\n"
		   "  - nginx on 127.0.0.1:PORT: /static/ from static/ or www/static,\n"
		   "    everything else to the workers (var/run/nginx.conf, written each start).\n"
		   "  - templates re-read when a file under them changes;\n"
		   "  - a rebuilt executable serves the next requests, none dropped.\n"
		   "Without app.secret_key, a random one is kept in var/secret_key.\n"
		   "Ctrl-C (or SIGTERM) stops all of it; SIGHUP reloads the configuration.\n",
};

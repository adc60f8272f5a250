/* testclient.c — the test client's life (testclient.h): the configuration,
 * the throw-away database and its schema (the application's migrations,
 * as `db upgrade` applies them, or create-all), the worker's state, and
 * all of it undone at close. Requests are in testclient_http.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "cli/migrate.h"
#include "cli/testclient_priv.h"
#include "core/server.h"
#include "db/db.h"
#include "orm/orm.h"
#include "web/web.h"

int cli_create_schema(struct db *db, char *err, size_t errlen);

const char *flacon_client_database(const struct flacon_client *c)
{
	return c->dbname;
}

struct db *flacon_client_db(struct flacon_client *c)
{
	return c->db;
}

const struct config *flacon_client_config(const struct flacon_client *c)
{
	return &c->cfg;
}

void flacon_client_follow_redirects(struct flacon_client *c, bool follow)
{
	c->follow = follow;
}

int flacon_client_run(struct flacon_client *c, const struct cli_command *cmd, int argc, char **argv)
{
	if (!cmd || !cmd->run)
		return CLI_USAGE;
	return cmd->run(&c->cfg, argc, argv);
}

/* url with its database name replaced by name (heap), or NULL. */
static char *url_with_db(const char *url, const char *name)
{
	const char *scheme = strstr(url, "://");
	const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
	if (!slash)
		return NULL;
	const char *rest = strchr(slash, '?');
	if (!rest)
		rest = "";
	size_t n = (size_t)(slash - url) + 1 + strlen(name) + strlen(rest) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%.*s/%s%s", (int)(slash - url), url, name, rest);
	return s;
}

static struct db *connect_to(const struct config *cfg, const char *url, char *err, size_t errlen)
{
	struct db *db = db_new(url, err, errlen);
	if (!db)
		return NULL;
	db->opt = db_options_from_config(cfg);
	db->opt.read_timeout = 0; /* a migration may take its time */
	if (db_ensure(db) < 0) {
		snprintf(err, errlen, "%s", db->err);
		db_close(db);
		return NULL;
	}
	return db;
}

/* The revisions of cfg's migrations directory applied in link order, and
 * schema_version naming their heads, as `db upgrade` leaves a database at
 * base; create-all when the directory is missing or empty. 0 or -1. */
static int build_schema(struct flacon_client *c, char *err, size_t errlen)
{
	struct migration_list l = {0};
	int *heads = NULL, rc = -1;
	struct stat st;
	const char *dir = c->cfg.migrations_dir;
	if (dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    cli_migrations_scan(dir, &l, err, errlen) < 0)
		goto out;
	if (l.n == 0) {
		rc = cli_create_schema(c->db, err, errlen);
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		char why[1024];
		if (cli_sql_run_file(c->db, l.v[i].up_path, why, sizeof why) < 0) {
			snprintf(err, errlen, "upgrade to %s failed: %s", l.v[i].rev, why);
			goto out;
		}
	}
	heads = calloc(l.n, sizeof *heads);
	if (!heads) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	size_t nh = cli_migrations_heads(&l, heads);
	if (nh > MIGRATION_HEADS_MAX) {
		snprintf(err, errlen, "the migrations have more than %d heads", MIGRATION_HEADS_MAX);
		goto out;
	}
	struct version_rows rows = {0};
	for (size_t i = 0; i < nh; i++)
		snprintf(rows.rev[rows.n++], sizeof rows.rev[0], "%s", l.v[heads[i]].rev);
	if (cli_schema_version_set(c->db, &rows) < 0) {
		snprintf(err, errlen, "schema_version: %s", c->db->err);
		goto out;
	}
	rc = 0;
out:
	free(heads);
	cli_migrations_free(&l);
	return rc;
}

/* Create the throw-away database on the configured server and point
 * c->cfg.database_url at it. 0 or -1. */
static int create_database(struct flacon_client *c, char *err, size_t errlen)
{
	const char *env = getenv("FLACON_TEST_DATABASE_URL");
	const char *url = env && *env ? env : c->cfg.database_url;
	if (!url || !*url) {
		snprintf(err, errlen, "no database: set FLACON_TEST_DATABASE_URL or database.url");
		return -1;
	}
	if (!(c->admin = connect_to(&c->cfg, url, err, errlen)))
		return -1;
	unsigned char rnd[4];
	randombytes_buf(rnd, sizeof rnd);
	snprintf(c->dbname, sizeof c->dbname, "%.48s_tc_%02x%02x%02x%02x", c->admin->url.dbname, rnd[0],
		 rnd[1], rnd[2], rnd[3]);
	char sql[160];
	snprintf(sql, sizeof sql, "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
		 c->dbname);
	if (db_exec(c->admin, sql) < 0) {
		snprintf(err, errlen, "creating the test database %s: %s", c->dbname, c->admin->err);
		return -1;
	}
	c->created = true;
	char *test_url = url_with_db(url, c->dbname);
	if (!test_url) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(c->cfg.database_url);
	c->cfg.database_url = test_url;
	return 0;
}

/* A random secret key of this client's, when the configuration has none:
 * the requests sign their cookies with it. 0 or -1. */
static int ensure_secret(struct flacon_client *c)
{
	if (c->cfg.secret_key && *c->cfg.secret_key)
		return 0;
	unsigned char rnd[32];
	randombytes_buf(rnd, sizeof rnd);
	char *key = malloc(2 * sizeof rnd + 1);
	if (!key)
		return -1;
	sodium_bin2hex(key, 2 * sizeof rnd + 1, rnd, sizeof rnd);
	free(c->cfg.secret_key);
	c->cfg.secret_key = key;
	return 0;
}

struct flacon_client *flacon_client_open(const struct flacon_app *app,
					 const struct flacon_client_opts *opts, char *err, size_t errlen)
{
	static const struct flacon_client_opts none;
	if (!opts)
		opts = &none;
	snprintf(err, errlen, "out of memory");
	if (!app || (!app->web && (!app->hooks || !app->hooks->app)) || (app->web && !app->web->routes)) {
		snprintf(err, errlen, "the test client needs an application with web (and its routes) or hooks");
		return NULL;
	}
	if (web_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return NULL;
	}
	struct flacon_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	arena_init(&c->req, 32768);
	arena_init(&c->keep, 65536);
	c->app = app;
	c->follow = opts->follow_redirects;
	/* What flacon_main sets: the cli layer's commands and create-all
	 * read the application from here. */
	c->old_app = cli_app;
	c->old_hooks = cli_hooks;
	c->old_prog = cli_prog;
	cli_app = app;
	cli_hooks = c->hooks = app->hooks ? app->hooks : web_app_hooks(app->web, cli_models_init);
	if (app->name)
		cli_prog = app->name;
	config_set_templates_default(app->templates_dir);
	if (config_load(&c->cfg, opts->config_path, err, errlen) < 0)
		goto fail;
	c->cfg_loaded = true;
	if (opts->migrations_dir) {
		char *dir = strdup(opts->migrations_dir);
		if (!dir)
			goto fail;
		free(c->cfg.migrations_dir);
		c->cfg.migrations_dir = dir;
	}
	if (ensure_secret(c) < 0)
		goto fail;
	if (create_database(c, err, errlen) < 0)
		goto fail;
	if (!(c->db = connect_to(&c->cfg, c->cfg.database_url, err, errlen)))
		goto fail;
	if (build_schema(c, err, errlen) < 0)
		goto fail;
	c->proto.cfg = &c->cfg;
	orm_deferred_set_delay(0);
	if (c->hooks->worker_init && c->hooks->worker_init(&c->cfg, &c->proto) < 0) {
		snprintf(err, errlen, "the worker's init failed (see the log above)");
		goto fail;
	}
	c->worker_up = true;
	return c;
fail:
	flacon_client_close(c);
	return NULL;
}

void flacon_client_close(struct flacon_client *c)
{
	if (!c)
		return;
	if (c->worker_up && c->hooks->worker_fini)
		c->hooks->worker_fini(&c->proto);
	orm_deferred_set_delay(ORM_DEFERRED_DELAY_MS);
	arena_free(&c->req);
	arena_free(&c->keep);
	buf_free(&c->resp.headers);
	buf_free(&c->resp.body);
	buf_free(&c->out);
	tc_jar_free(c);
	db_close(c->db);
	if (c->created) {
		char sql[160];
		snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`", c->dbname);
		if (db_exec(c->admin, sql) < 0)
			fprintf(stderr, "test client: dropping %s failed: %s\n", c->dbname, c->admin->err);
	}
	db_close(c->admin);
	if (c->cfg_loaded)
		config_free(&c->cfg);
	cli_app = c->old_app;
	cli_hooks = c->old_hooks;
	cli_prog = c->old_prog;
	free(c);
}

/* manage.c — the generic manage.py commands: create-all, drop-all,
 * session-gc, and cli_connect for every command that needs the database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"
#include "orm/orm.h"
#include "web/web.h"

int cli_create_schema(struct db *db, char *err, size_t errlen);

/* Why a connection failed, and how to point the command line elsewhere:
 * the URL tried (its password hidden), the socket as an absolute path (a
 * relative one is relative to the current directory, which is what
 * surprises), and the two ways to give another URL. One line on stderr. */
static void connect_error(const struct config *cfg, const struct db *db)
{
	const char *url = cfg->database_url;
	char shown[512];
	const char *scheme = strstr(url, "://"), *at = scheme ? strchr(scheme + 3, '@') : NULL;
	const char *colon = scheme && at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
	if (colon)
		snprintf(shown, sizeof shown, "%.*s:***%s", (int)(colon - url), url, at);
	else
		snprintf(shown, sizeof shown, "%s", url);
	char where[1200] = "";
	if (db->url.socket) {
		char cwd[1024];
		if (db->url.socket[0] != '/' && getcwd(cwd, sizeof cwd))
			snprintf(where, sizeof where, " (socket %s/%s, relative to the current directory)", cwd,
				 db->url.socket);
		else
			snprintf(where, sizeof where, " (socket %s)", db->url.socket);
	}
	fprintf(stderr,
		"%s: %s; tried %s%s; point the command line at your database with "
		"FLACON_DATABASE_URL='mariadb://USER@HOST/DB?socket=/ABSOLUTE/PATH' or database.url "
		"in the file given by --config FILE or FLACON_CONF (make run's socket: var/run/mysqld.sock "
		"in the repository)\n",
		cli_prog, db->err, shown, where);
}

struct db *cli_connect(const struct config *cfg, bool models)
{
	char err[256];
	struct db *db = db_new(cfg->database_url, err, sizeof err);
	if (!db) {
		cli_error("%s\n", err);
		return NULL;
	}
	db->opt = db_options_from_config(cfg);
	db->opt.read_timeout = 0; /* a migration may run for minutes */
	if (db_ensure(db) < 0) {
		connect_error(cfg, db);
		db_close(db);
		return NULL;
	}
	if (models && cli_models_init(err, sizeof err) < 0) {
		cli_error("models: %s\n", err);
		db_close(db);
		return NULL;
	}
	return db;
}

static int no_args(const char *name, int argc)
{
	if (argc) {
		cli_error("%s takes no arguments\n", name);
		return CLI_USAGE;
	}
	return CLI_OK;
}

static int create_all(struct config *cfg, int argc, char **argv)
{
	(void)argv;
	if (no_args("create-all", argc))
		return CLI_USAGE;
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return CLI_FAILED;
	char err[512];
	int rc = cli_create_schema(db, err, sizeof err);
	if (rc < 0)
		cli_error("create-all: %s\n", err);
	else
		printf("Tables created.\n");
	db_close(db);
	return rc < 0 ? CLI_FAILED : CLI_OK;
}

static int drop_all(struct config *cfg, int argc, char **argv)
{
	(void)argv;
	if (no_args("drop-all", argc))
		return CLI_USAGE;
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return CLI_FAILED;
	int rc = cli_app->registry ? orm_drop_all(db, cli_app->registry) : 0;
	if (rc == 0)
		rc = db_exec(db, "DROP TABLE IF EXISTS `session`");
	if (rc == 0)
		rc = db_exec(db, "DROP TABLE IF EXISTS `login_failure`");
	if (rc == 0)
		rc = db_exec(db, "DROP TABLE IF EXISTS `deferred_ledger`");
	if (rc == 0)
		rc = db_exec(db, "DROP TABLE IF EXISTS `counter`");
	if (rc < 0)
		cli_error("drop-all: %s\n", db->err);
	else
		printf("Tables dropped.\n");
	db_close(db);
	return rc < 0 ? CLI_FAILED : CLI_OK;
}

static int session_gc(struct config *cfg, int argc, char **argv)
{
	(void)argv;
	if (no_args("session-gc", argc))
		return CLI_USAGE;
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return CLI_FAILED;
	long long n = web_session_gc(db);
	long long f = n < 0 ? -1 : web_login_failure_gc(db, cfg->auth_failure_window);
	if (n < 0 || f < 0)
		cli_error("session-gc: %s\n", db->err);
	else
		printf("Deleted %lld expired session%s and %lld old failed login%s\n", n,
		       n == 1 ? "" : "s", f, f == 1 ? "" : "s");
	db_close(db);
	return n < 0 || f < 0 ? CLI_FAILED : CLI_OK;
}

const struct cli_command cli_create_all = {
	.name = "create-all", .usage = "create-all", .help = "db.create_all(): every table of the models",
	.run = create_all,
};
const struct cli_command cli_drop_all = {
	.name = "drop-all", .usage = "drop-all", .help = "db.drop_all(): drop every table of the models",
	.run = drop_all,
};
const struct cli_command cli_session_gc = {
	.name = "session-gc", .usage = "session-gc", .help = "delete expired sessions and old failed logins",
	.run = session_gc,
};

/* manage.c — the manage.py commands of `flacon`: create-all, drop-all,
 * createuser, deleteuser, createcourse, session-gc. Each opens its own
 * connection and an ORM session on a private arena. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "db/db.h"
#include "orm/orm.h"
#include "site/models.h"
#include "site/site.h"
#include "web/web.h"

int cli_create_schema(struct db *db, char *err, size_t errlen);

struct db *cli_connect(const struct config *cfg, bool models)
{
	char err[256];
	struct db *db = db_new(cfg->database_url, err, sizeof err);
	if (!db) {
		fprintf(stderr, "flacon: %s\n", err);
		return NULL;
	}
	db->opt = db_options_from_config(cfg);
	db->opt.read_timeout = 0; /* a migration may run for minutes */
	if (db_ensure(db) < 0) {
		fprintf(stderr, "flacon: %s\n", db->err);
		db_close(db);
		return NULL;
	}
	if (models && site_models_init(err, sizeof err) < 0) {
		fprintf(stderr, "flacon: models: %s\n", err);
		db_close(db);
		return NULL;
	}
	return db;
}

static int no_args(const char *name, int argc)
{
	if (argc) {
		fprintf(stderr, "flacon: %s takes no arguments\n", name);
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
		fprintf(stderr, "flacon: create-all: %s\n", err);
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
	int rc = orm_drop_all(db, &site_registry);
	if (rc == 0)
		rc = db_exec(db, "DROP TABLE IF EXISTS `session`");
	if (rc == 0)
		rc = db_exec(db, "DROP TABLE IF EXISTS `login_failure`");
	if (rc < 0)
		fprintf(stderr, "flacon: drop-all: %s\n", db->err);
	else
		printf("Tables dropped.\n");
	db_close(db);
	return rc < 0 ? CLI_FAILED : CLI_OK;
}

static int createuser(struct config *cfg, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "flacon: createuser NAME (the password is read from standard input)\n");
		return CLI_USAGE;
	}
	char pw[512];
	if (!fgets(pw, sizeof pw, stdin)) {
		fprintf(stderr, "flacon: createuser: no password on standard input\n");
		return CLI_FAILED;
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return CLI_FAILED;
	char err[256];
	long long id = 0;
	int rc = site_create_user(db, argv[0], pw, &id, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "flacon: createuser: %s\n", err);
	else
		printf("Created user %s (id %lld)\n", argv[0], id);
	db_close(db);
	return rc < 0 ? CLI_FAILED : CLI_OK;
}

static int deleteuser(struct config *cfg, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "flacon: deleteuser NAME\n");
		return CLI_USAGE;
	}
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return CLI_FAILED;
	char err[256];
	long long narticles = 0, nsessions = 0;
	int rc = site_delete_user(db, argv[0], &narticles, &nsessions, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "flacon: deleteuser: %s\n", err);
	else
		printf("Deleted user %s, %lld article%s, %lld session%s\n", argv[0], narticles,
		       narticles == 1 ? "" : "s", nsessions, nsessions == 1 ? "" : "s");
	db_close(db);
	return rc < 0 ? CLI_FAILED : CLI_OK;
}

static bool int_arg(const char *s, long min, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int createcourse(struct config *cfg, int argc, char **argv)
{
	const char *name = NULL;
	long credits = 5, capacity = 30;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--credits") && i + 1 < argc) {
			if (!int_arg(argv[++i], 0, 32767, &credits)) {
				fprintf(stderr, "flacon: createcourse: --credits must be 0..32767\n");
				return CLI_USAGE;
			}
		} else if (!strcmp(argv[i], "--capacity") && i + 1 < argc) {
			if (!int_arg(argv[++i], 0, 2147483647L, &capacity)) {
				fprintf(stderr, "flacon: createcourse: --capacity must be 0..2147483647\n");
				return CLI_USAGE;
			}
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else {
			fprintf(stderr, "flacon: createcourse NAME [--credits N] [--capacity N]\n");
			return CLI_USAGE;
		}
	}
	if (!name) {
		fprintf(stderr, "flacon: createcourse NAME [--credits N] [--capacity N]\n");
		return CLI_USAGE;
	}
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return CLI_FAILED;
	char err[256];
	long long id = 0;
	int rc = site_create_course(db, name, (int)credits, capacity, &id, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "flacon: createcourse: %s\n", err);
	else
		printf("Created course %s (id %lld, %ld credits, capacity %ld)\n", name, id, credits, capacity);
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
		fprintf(stderr, "flacon: session-gc: %s\n", db->err);
	else
		printf("Deleted %lld expired session%s and %lld old failed login%s\n", n,
		       n == 1 ? "" : "s", f, f == 1 ? "" : "s");
	db_close(db);
	return n < 0 || f < 0 ? CLI_FAILED : CLI_OK;
}

const struct cli_command cli_create_all = {"create-all", "create-all", "db.create_all()", create_all};
const struct cli_command cli_drop_all = {"drop-all", "drop-all", "db.drop_all()", drop_all};
const struct cli_command cli_createuser = {"createuser", "createuser NAME",
					   "add a user (password from standard input)", createuser};
const struct cli_command cli_deleteuser = {"deleteuser", "deleteuser NAME",
					   "logical delete of a user, their articles and sessions", deleteuser};
const struct cli_command cli_createcourse = {"createcourse", "createcourse NAME [--credits N] [--capacity N]",
					     "add a course", createcourse};
const struct cli_command cli_session_gc = {"session-gc", "session-gc", "delete expired sessions and old failed logins", session_gc};

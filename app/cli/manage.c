/* manage.c — the manage.py commands of `flacon`: create-all, drop-all,
 * createuser, deleteuser, createcourse, session-gc. Each opens its own
 * connection and an ORM session on a private arena. */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"
#include "orm/orm.h"
#include "site/models.h"
#include "site/site.h"
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
		"flacon: %s; tried %s%s; point the command line at your database with "
		"FLACON_DATABASE_URL='mariadb://USER@HOST/DB?socket=/ABSOLUTE/PATH' or database.url "
		"in the file given by --config FILE or FLACON_CONF (make run's socket: var/run/mysqld.sock "
		"in the repository)\n",
		db->err, shown, where);
}

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
		connect_error(cfg, db);
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

/* The one positional NAME of a command (createuser, deleteuser): options
 * come first and these commands have none, so an argument starting with
 * '-' is a usage error, unless it follows "--" (a username may begin with
 * '-'). NULL after printing the usage error. */
static const char *one_name(const char *cmd, int argc, char **argv)
{
	int i = 0;
	if (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "--")) {
			fprintf(stderr, "flacon: %s: unknown option %s (flacon help %s)\n", cmd, argv[0], cmd);
			return NULL;
		}
		i = 1;
	}
	if (argc - i != 1) {
		cli_usage_error(cmd, argc - i < 1 ? "NAME is missing" : "one NAME only");
		return NULL;
	}
	return argv[i];
}

/* Terminal state while a password is typed without echo, restored on a
 * signal too (Ctrl-C must not leave the terminal silent). */
static struct termios saved_tty;
static volatile sig_atomic_t tty_saved;

static void restore_tty_and_die(int sig)
{
	if (tty_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Prompt on stderr and read one line from the terminal without echo into
 * pw. 0, or -1 at end of input or on an error. */
static int read_hidden(const char *prompt, char *pw, size_t n)
{
	fputs(prompt, stderr);
	fflush(stderr);
	struct termios t;
	if (tcgetattr(STDIN_FILENO, &t) < 0)
		return -1;
	saved_tty = t;
	tty_saved = 1;
	signal(SIGINT, restore_tty_and_die);
	signal(SIGTERM, restore_tty_and_die);
	signal(SIGHUP, restore_tty_and_die);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	t.c_lflag |= ICANON;
	int rc = tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0 || !fgets(pw, (int)n, stdin) ? -1 : 0;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	tty_saved = 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	fputc('\n', stderr);
	if (rc == 0)
		pw[strcspn(pw, "\r\n")] = '\0';
	return rc;
}

/* The new user's password: on a terminal, asked twice without echo; else
 * one line of standard input. 0, or CLI_FAILED after saying why. */
static int read_new_password(char *pw, size_t n)
{
	if (!isatty(STDIN_FILENO)) {
		if (!fgets(pw, (int)n, stdin)) {
			fprintf(stderr, "flacon: createuser: no password on standard input\n");
			return CLI_FAILED;
		}
		pw[strcspn(pw, "\r\n")] = '\0';
		return 0;
	}
	char again[512];
	if (read_hidden("Password: ", pw, n) < 0 || read_hidden("Password (again): ", again, sizeof again) < 0) {
		fprintf(stderr, "flacon: createuser: no password given\n");
		return CLI_FAILED;
	}
	bool same = !strcmp(pw, again);
	sodium_memzero(again, sizeof again);
	if (!same) {
		fprintf(stderr, "flacon: createuser: the two passwords differ; nothing was created\n");
		return CLI_FAILED;
	}
	return 0;
}

static int createuser(struct config *cfg, int argc, char **argv)
{
	const char *name = one_name("createuser", argc, argv);
	if (!name)
		return CLI_USAGE;
	char pw[512];
	if (read_new_password(pw, sizeof pw) != 0)
		return CLI_FAILED;
	struct db *db = cli_connect(cfg, true);
	if (!db) {
		sodium_memzero(pw, sizeof pw);
		return CLI_FAILED;
	}
	char err[256];
	long long id = 0;
	int rc = site_create_user(db, name, pw, &id, err, sizeof err);
	sodium_memzero(pw, sizeof pw);
	if (rc < 0)
		fprintf(stderr, "flacon: createuser: %s\n", err);
	else
		printf("Created user %s (id %lld)\n", name, id);
	db_close(db);
	return rc < 0 ? CLI_FAILED : CLI_OK;
}

static int deleteuser(struct config *cfg, int argc, char **argv)
{
	const char *name = one_name("deleteuser", argc, argv);
	if (!name)
		return CLI_USAGE;
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return CLI_FAILED;
	char err[256];
	long long narticles = 0, nsessions = 0;
	int rc = site_delete_user(db, name, &narticles, &nsessions, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "flacon: deleteuser: %s\n", err);
	else
		printf("Deleted user %s, %lld article%s, %lld session%s\n", name, narticles,
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
	bool options = true;
	for (int i = 0; i < argc; i++) {
		if (options && !strcmp(argv[i], "--")) {
			options = false;
		} else if (!options && !name) {
			name = argv[i];
		} else if (!options) {
			return cli_usage_error("createcourse", "one NAME only");
		} else if (!strcmp(argv[i], "--credits") && i + 1 < argc) {
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
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "flacon: createcourse: unknown option %s (flacon help createcourse)\n", argv[i]);
			return CLI_USAGE;
		} else {
			return cli_usage_error("createcourse", "one NAME only");
		}
	}
	if (!name)
		return cli_usage_error("createcourse", "NAME is missing");
	struct db *db = cli_connect(cfg, true);
	if (!db)
		return CLI_FAILED;
	char err[256];
	long long id = 0;
	int rc = site_create_course(db, name, (int)credits, capacity, &id, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "flacon: createcourse: %s\n", err);
	else
		printf("Created course %s (id %lld, %ld credit%s, %ld seat%s)\n", name, id, credits,
		       credits == 1 ? "" : "s", capacity, capacity == 1 ? "" : "s");
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

const struct cli_command cli_create_all = {
	.name = "create-all", .usage = "create-all", .help = "db.create_all(): every table of the models",
	.run = create_all,
};
const struct cli_command cli_drop_all = {
	.name = "drop-all", .usage = "drop-all", .help = "db.drop_all(): drop every table of the models",
	.run = drop_all,
};
const struct cli_command cli_createuser = {
	.name = "createuser",
	.usage = "createuser [--] NAME",
	.help = "add a user (and their student profile)",
	.run = createuser,
	.details = "On a terminal, asks \"Password:\" twice without echo; otherwise reads one line\n"
		   "of standard input:  echo 'a-long-secret' | flacon createuser alice\n"
		   "NAME: 3-32 of A-Z a-z 0-9 _ . - ; put -- before a NAME that starts with '-'.\n",
};
const struct cli_command cli_deleteuser = {
	.name = "deleteuser",
	.usage = "deleteuser [--] NAME",
	.help = "logical delete of a user, their articles, sessions",
	.run = deleteuser,
	.details = "In one transaction; the name stays taken.\n",
};
const struct cli_command cli_createcourse = {
	.name = "createcourse",
	.usage = "createcourse [--credits N] [--capacity N] [--] NAME",
	.help = "add a course",
	.run = createcourse,
	.details = "options:\n"
		   "  --credits N    credits, 0..32767 (default 5)\n"
		   "  --capacity N   seats, 0..2147483647 (default 30)\n",
};
const struct cli_command cli_session_gc = {
	.name = "session-gc", .usage = "session-gc", .help = "delete expired sessions and old failed logins",
	.run = session_gc,
};

/* commands.c — the site's own commands, registered through flacon_main:
 * createuser, deleteuser, createcourse (seed is in seed.c); and the
 * struct flacon_app of the bundled `flacon` program. */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "db/db.h"
#include "site/models.h"
#include "site/site.h"
#include "web/web.h"

/* The one positional NAME of a command (createuser, deleteuser): options
 * come first and these commands have none, so an argument starting with
 * '-' is a usage error, unless it follows "--" (a username may begin with
 * '-'). NULL after printing the usage error. */
static const char *one_name(const char *cmd, int argc, char **argv)
{
	int i = 0;
	if (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "--")) {
			cli_error("%s: unknown option %s (%s help %s)\n", cmd, argv[0], cli_prog, cmd);
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
			cli_error("createuser: no password on standard input\n");
			return CLI_FAILED;
		}
		pw[strcspn(pw, "\r\n")] = '\0';
		return 0;
	}
	char again[512];
	if (read_hidden("Password: ", pw, n) < 0 || read_hidden("Password (again): ", again, sizeof again) < 0) {
		cli_error("createuser: no password given\n");
		return CLI_FAILED;
	}
	bool same = !strcmp(pw, again);
	sodium_memzero(again, sizeof again);
	if (!same) {
		cli_error("createuser: the two passwords differ; nothing was created\n");
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
		cli_error("createuser: %s\n", err);
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
		cli_error("deleteuser: %s\n", err);
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
				cli_error("createcourse: --credits must be 0..32767\n");
				return CLI_USAGE;
			}
		} else if (!strcmp(argv[i], "--capacity") && i + 1 < argc) {
			if (!int_arg(argv[++i], 0, 2147483647L, &capacity)) {
				cli_error("createcourse: --capacity must be 0..2147483647\n");
				return CLI_USAGE;
			}
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else if (argv[i][0] == '-') {
			cli_error("createcourse: unknown option %s (%s help createcourse)\n", argv[i], cli_prog);
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
		cli_error("createcourse: %s\n", err);
	else
		printf("Created course %s (id %lld, %ld credit%s, %ld seat%s)\n", name, id, credits,
		       credits == 1 ? "" : "s", capacity, capacity == 1 ? "" : "s");
	db_close(db);
	return rc < 0 ? CLI_FAILED : CLI_OK;
}

const struct cli_command site_cmd_createuser = {
	.name = "createuser",
	.usage = "createuser [--] NAME",
	.help = "add a user (and their student profile)",
	.run = createuser,
	.details = "On a terminal, asks \"Password:\" twice without echo; otherwise reads one line\n"
		   "of standard input:  echo 'a-long-secret' | flacon createuser alice\n"
		   "NAME: 3-32 of A-Z a-z 0-9 _ . - ; put -- before a NAME that starts with '-'.\n",
};
const struct cli_command site_cmd_deleteuser = {
	.name = "deleteuser",
	.usage = "deleteuser [--] NAME",
	.help = "logical delete of a user, their articles, sessions",
	.run = deleteuser,
	.details = "In one transaction; the name stays taken.\n",
};
const struct cli_command site_cmd_createcourse = {
	.name = "createcourse",
	.usage = "createcourse [--credits N] [--capacity N] [--] NAME",
	.help = "add a course",
	.run = createcourse,
	.details = "options:\n"
		   "  --credits N    credits, 0..32767 (default 5)\n"
		   "  --capacity N   seats, 0..2147483647 (default 30)\n",
};
static const struct cli_command *const site_commands[] = {
	&site_cmd_seed, &site_cmd_createuser, &site_cmd_deleteuser, &site_cmd_createcourse, NULL,
};

const struct flacon_app site_flacon_app = {
	.registry = &site_registry,
	.models_init = site_models_init,
	.web = &site_web,
	.templates_dir = "www/templates",
	.commands = site_commands,
};

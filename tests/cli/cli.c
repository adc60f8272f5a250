/* cli.c — helpers of the cli suite. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char mdir[512];

const char *cli_migrations_dir(void)
{
	if (!mdir[0]) {
		const char *t = getenv("FLACON_TEST_TMP");
		snprintf(mdir, sizeof mdir, "%s/cli-migrations", t ? t : "/tmp");
	}
	return mdir;
}

static void slurp(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t got = f ? fread(out, 1, n - 1, f) : 0;
	out[got] = '\0';
	if (f)
		fclose(f);
}

static const char *sock(void)
{
	static char s[512];
	const char *d = getenv("FLACON_TEST_DB_DIR");
	snprintf(s, sizeof s, "%s/mysqld.sock", d ? d : "/nonexistent");
	return s;
}

static int run_with(struct run_result *r, const char *input, const char *args);

const char *cli_db_url(void)
{
	static char u[700];
	snprintf(u, sizeof u, "mariadb://flacon@localhost/flacon_cli?socket=%s", sock());
	return u;
}

int cli_run(struct run_result *r, const char *fmt, ...)
{
	char args[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	return run_with(r, NULL, args);
}

int cli_run_input(struct run_result *r, const char *input, const char *fmt, ...)
{
	char args[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	return run_with(r, input, args);
}

static int run_with(struct run_result *r, const char *input, const char *args)
{
	const char *bin = getenv("FLACON_BIN");
	char outp[600], errp[600], inp[600], cmd[8192];
	snprintf(outp, sizeof outp, "%s.out", cli_migrations_dir());
	snprintf(errp, sizeof errp, "%s.err", cli_migrations_dir());
	snprintf(inp, sizeof inp, "%s.in", cli_migrations_dir());
	FILE *in = fopen(inp, "w");
	if (in) {
		fputs(input ? input : "", in);
		fclose(in);
	}
	snprintf(cmd, sizeof cmd,
		 "FLACON_DATABASE_URL='mariadb://flacon@localhost/flacon_cli?socket=%s' "
		 "FLACON_DATABASE_MIGRATIONS='%s' %s %s >%s 2>%s <%s",
		 sock(), cli_migrations_dir(), bin ? bin : "build/flacon", args, outp, errp, inp);
	int st = system(cmd);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	slurp(outp, r->out, sizeof r->out);
	slurp(errp, r->err, sizeof r->err);
	return r->status;
}

int cli_sql(char *out, size_t outlen, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	char path[600];
	snprintf(path, sizeof path, "%s.sql", cli_migrations_dir());
	FILE *f = fopen(path, "w");
	fputs(sql, f);
	fclose(f);
	char cmd[2048], res[600];
	snprintf(res, sizeof res, "%s.res", cli_migrations_dir());
	snprintf(cmd, sizeof cmd,
		 "mariadb --no-defaults --socket=%s -u\"$(id -un)\" -N -B flacon_cli <%s >%s 2>&1", sock(),
		 path, res);
	int st = system(cmd);
	if (out) {
		slurp(res, out, outlen);
		out[strcspn(out, "\n")] = '\0';
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void cli_fresh(void)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "mariadb --no-defaults --socket=%s -u\"$(id -un)\" -e 'DROP DATABASE IF EXISTS flacon_cli; "
		 "CREATE DATABASE flacon_cli CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci' && "
		 "rm -rf '%s' && mkdir -p '%s'",
		 sock(), cli_migrations_dir(), cli_migrations_dir());
	if (system(cmd) != 0)
		fprintf(stderr, "cli_fresh failed\n");
}

void cli_write_migration(const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", cli_migrations_dir(), name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

int cli_connect_unix(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* migrate_write.c — a new revision's two files: NNNN_<rev>_slug.up.sql and
 * .down.sql under a random id, each headed by its revision and parents. */
#include "cli/migrate.h"
#include "cli/schema.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

static void slugify(const char *msg, char *out, size_t n)
{
	size_t o = 0;
	bool sep = false;
	for (const char *p = msg; *p && o + 1 < n && o < 40; p++) {
		if (isalnum((unsigned char)*p)) {
			if (sep && o)
				out[o++] = '_';
			if (o + 1 < n)
				out[o++] = (char)tolower((unsigned char)*p);
			sep = false;
		} else {
			sep = true;
		}
	}
	if (o == 0 && n > 10)
		o = (size_t)snprintf(out, n, "migration");
	out[o] = '\0';
}


static int write_text(const char *path, const char *text, char *err, size_t errlen)
{
	FILE *f = fopen(path, "wx");
	if (!f) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	fputs(text, f);
	if (fclose(f)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		remove(path);
		return -1;
	}
	return 0;
}

/* A new revision id as Alembic makes one: the last 12 hex digits of a
 * random (version 4) UUID. */
static void new_rev(char rev[MIGRATION_REV_MAX + 1])
{
	uuid_t u;
	char text[37];
	uuid_generate_random(u);
	uuid_unparse_lower(u, text);
	snprintf(rev, MIGRATION_REV_MAX + 1, "%s", text + 24);
}

int cli_migration_write(const char *dir, const struct migration_new *m, char rev[MIGRATION_REV_MAX + 1],
		    char **up_path, char **down_path, char *err, size_t errlen)
{
	*up_path = *down_path = NULL;
	new_rev(rev);
	char slug[64];
	slugify(m->message, slug, sizeof slug);
	/* The message goes into a one-line header. */
	char *message = strdup(m->message);
	char parents[(MIGRATION_REV_MAX + 2) * MIGRATION_HEADS_MAX + 8] = "";
	size_t o = 0;
	for (size_t i = 0; i < m->nparents && i < MIGRATION_HEADS_MAX; i++)
		o += (size_t)snprintf(parents + o, sizeof parents - o, "%s%s", i ? ", " : "", m->parents[i]);
	if (!m->nparents)
		snprintf(parents, sizeof parents, "base");
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &tm);
	char *upp = NULL, *downp = NULL, *uptext = NULL, *downtext = NULL;
	int rc = -1;
	if (!message) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (char *p = message; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	upp = cli_fmt("%s/%04d_%s_%s.up.sql", dir, m->order, rev, slug);
	downp = cli_fmt("%s/%04d_%s_%s.down.sql", dir, m->order, rev, slug);
	uptext = cli_fmt("-- Revision: %s\n-- Down revision: %s\n-- Message: %s\n-- Created: %s\n%s%s\n%s", rev,
		     parents, message, stamp, m->up_note ? "\n" : "", m->up_note ? m->up_note : "", m->up);
	downtext = cli_fmt("-- Revision: %s (down)\n-- Down revision: %s\n-- Message: %s\n-- Created: %s\n%s%s\n%s",
		       rev, parents, message, stamp, m->down_note ? "\n" : "",
		       m->down_note ? m->down_note : "", m->down);
	if (!upp || !downp || !uptext || !downtext) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (write_text(upp, uptext, err, errlen) < 0)
		goto out;
	if (write_text(downp, downtext, err, errlen) < 0) {
		remove(upp);
		goto out;
	}
	*up_path = upp;
	*down_path = downp;
	upp = downp = NULL;
	rc = 0;
out:
	free(message);
	free(upp);
	free(downp);
	free(uptext);
	free(downtext);
	return rc;
}

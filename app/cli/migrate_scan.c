/* migrate_scan.c — the revision files read into a list: every up file in
 * the migrations directory, its "-- Revision:" / "-- Down revision:" /
 * "-- Message:" header or its old numbered name, and its .down.sql; their
 * links are resolved by migrate_graph.c. */
#include "cli/cli.h"
#include "cli/migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

void cli_migrations_free(struct migration_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].parents);
		free(l->v[i].file);
		free(l->v[i].slug);
		free(l->v[i].message);
		free(l->v[i].up_path);
		free(l->v[i].down_path);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The header of an up file: the comment lines at its top. */
struct header {
	char *rev;     /* "-- Revision: X", NULL when absent */
	char *down;    /* "-- Down revision: P, Q" (the text after the colon), NULL when absent */
	char *message; /* "-- Message: ..." */
};

static void header_free(struct header *h)
{
	free(h->rev);
	free(h->down);
	free(h->message);
}

/* The value of "-- key: value" at line (case-insensitive key), or NULL. */
static char *header_value(const char *line, size_t len, const char *key)
{
	size_t k = strlen(key);
	if (len < 3 + k + 1 || strncmp(line, "-- ", 3) || strncasecmp(line + 3, key, k) ||
	    line[3 + k] != ':')
		return NULL;
	const char *v = line + 3 + k + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	return strndup(v, (size_t)(end - v));
}

/* Read the header of path into h. 0, or -1 when the file cannot be read. */
static int header_read(const char *path, struct header *h)
{
	memset(h, 0, sizeof *h);
	char *text = cli_read_file(path, NULL);
	if (!text)
		return -1;
	const char *p = text;
	while (*p) {
		size_t len = strcspn(p, "\n");
		size_t blank = strspn(p, " \t\r");
		if (blank < len && strncmp(p, "--", 2))
			break; /* the first statement: the header is over */
		char *v;
		if (!h->rev && (v = header_value(p, len, "Revision")))
			h->rev = v;
		else if (!h->down && ((v = header_value(p, len, "Down revision")) ||
					(v = header_value(p, len, "Revises"))))
			h->down = v; /* "Revises:" as Alembic's docstring says it */
		else if (!h->message && (v = header_value(p, len, "Message")))
			h->message = v;
		p += len;
		if (*p)
			p++;
	}
	free(text);
	return 0;
}

static bool rev_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MIGRATION_REV_MAX || !strcmp(s, "base") || !strcmp(s, "head") ||
	    !strcmp(s, "heads"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* Parse "P, Q" (or "base", or nothing) into s. 0, or -1 with err. */
static int parse_parents(const char *text, const char *file, struct migration_scanned *s, char *err,
			 size_t errlen)
{
	const char *p = text;
	while (*p) {
		p += strspn(p, " \t,");
		if (!*p)
			break;
		size_t n = strcspn(p, " \t,");
		char name[MIGRATION_REV_MAX + 2];
		snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name - 1 ? n : sizeof name - 1), p);
		p += n;
		if (!strcmp(name, "base"))
			continue;
		if (n > MIGRATION_REV_MAX || !rev_valid(name)) {
			snprintf(err, errlen, "%s: bad down revision '%.*s'", file, (int)n, p - n);
			return -1;
		}
		void *nv = realloc(s->pnames, (s->npnames + 1) * sizeof *s->pnames);
		if (!nv) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		s->pnames = nv;
		memcpy(s->pnames[s->npnames++], name, sizeof name - 1);
	}
	return 0;
}

/* Read one up file into m (and its parents' names into s). 1 when it is a
 * migration, 0 when the file is not one (skipped), -1 with err. */
static int scan_one(const char *dir, const char *name, struct migration *m,
		    struct migration_scanned *s, char *err, size_t errlen)
{
	const char *suffix = ".up.sql";
	size_t len = strlen(name), sl = strlen(suffix);
	memset(m, 0, sizeof *m);
	memset(s, 0, sizeof *s);
	if (len <= sl || strcmp(name + len - sl, suffix))
		return 0;
	size_t digits = strspn(name, "0123456789");
	bool prefixed = digits > 0 && digits <= 9 && name[digits] == '_';
	struct header h;
	int rc = -1;
	if (asprintf(&m->up_path, "%s/%s", dir, name) < 0) {
		m->up_path = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (header_read(m->up_path, &h) < 0) {
		snprintf(err, errlen, "cannot read %s: %s", m->up_path, strerror(errno));
		return -1;
	}
	const char *rest = prefixed ? name + digits + 1 : name;
	size_t restlen = len - sl - (size_t)(rest - name);
	if (h.down) {
		if (!h.rev || !rev_valid(h.rev)) {
			snprintf(err, errlen, "%s: a '-- Down revision:' line needs a '-- Revision: ID' line (letters, digits, '_', at most %d)",
				 m->up_path, MIGRATION_REV_MAX);
			goto out;
		}
		snprintf(m->rev, sizeof m->rev, "%s", h.rev);
		if (parse_parents(h.down, m->up_path, s, err, errlen) < 0)
			goto out;
		/* NNNN_<rev>_slug: the slug is what follows the id. */
		size_t rl = strlen(m->rev);
		if (restlen > rl && !strncmp(rest, m->rev, rl) && rest[rl] == '_') {
			rest += rl + 1;
			restlen -= rl + 1;
		}
	} else {
		if (!prefixed) {
			rc = 0; /* neither linked nor numbered: not a migration */
			goto out;
		}
		m->numbered = true;
		memcpy(m->rev, name, digits);
		m->rev[digits] = '\0';
	}
	m->order = prefixed ? atoi(name) : 0;
	m->file = strdup(name);
	m->slug = strndup(rest, restlen);
	m->message = h.message ? strdup(h.message) : m->slug ? strdup(m->slug) : NULL;
	char *down = NULL;
	if (asprintf(&down, "%s/%.*s.down.sql", dir, (int)(len - sl), name) < 0)
		down = NULL;
	struct stat st;
	if (down && stat(down, &st) == 0)
		m->down_path = down;
	else
		free(down);
	if (!m->file || !m->slug || !m->message) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 1;
out:
	header_free(&h);
	return rc;
}

/* Free what scan_one left in m and s (a skipped or failed file). */
static void migration_clear(struct migration *m, struct migration_scanned *s)
{
	free(m->parents);
	free(m->file);
	free(m->slug);
	free(m->message);
	free(m->up_path);
	free(m->down_path);
	free(s->pnames);
	memset(m, 0, sizeof *m);
	memset(s, 0, sizeof *s);
}

int cli_migrations_scan(const char *dir, struct migration_list *out, char *err, size_t errlen)
{
	out->v = NULL;
	out->n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "cannot read migrations directory %s: %s (run '%s db init')",
			 dir, strerror(errno), cli_prog);
		return -1;
	}
	size_t cap = 0;
	struct migration_scanned *sc = NULL;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			struct migration *nv = realloc(out->v, cap * sizeof *nv);
			if (nv)
				out->v = nv;
			struct migration_scanned *ns = nv ? realloc(sc, cap * sizeof *ns) : NULL;
			if (ns)
				sc = ns;
			if (!nv || !ns) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
		}
		int got = scan_one(dir, e->d_name, &out->v[out->n], &sc[out->n], err, errlen);
		if (got == 1) {
			out->n++;
			continue;
		}
		migration_clear(&out->v[out->n], &sc[out->n]);
		if (got < 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	if (rc == 0)
		rc = cli_migrations_link(out, sc, err, errlen);
	for (size_t i = 0; i < out->n; i++)
		free(sc[i].pnames);
	free(sc);
	if (rc < 0)
		cli_migrations_free(out);
	return rc;
}

/* migrate.c — migration files and their links, schema_version and the SQL
 * script runner. */
#include "cli/cli.h"
#include "cli/migrate.h"
#include "cli/schema.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <uuid/uuid.h>

#include "db/db.h"

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		cap *= 2;
		char *nb = realloc(buf, cap + 1);
		if (!nb) {
			free(buf);
			buf = NULL;
		} else {
			buf = nb;
		}
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

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
	char *text = read_file(path, NULL);
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

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* The revision spelled rev: its id, or a numbered file's number in any
 * spelling. -1 when none. */
static int find_exact(const struct migration_list *l, const char *rev)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].rev, rev))
			return (int)i;
	if (all_digits(rev) && strlen(rev) <= 9)
		for (size_t i = 0; i < l->n; i++)
			if (l->v[i].numbered && atoi(l->v[i].rev) == atoi(rev))
				return (int)i;
	return -1;
}

int cli_migrations_find(const struct migration_list *l, const char *rev)
{
	int i = find_exact(l, rev);
	if (i >= 0 || !*rev)
		return i;
	size_t n = strlen(rev);
	for (size_t k = 0; k < l->n; k++) {
		if (strncmp(l->v[k].rev, rev, n))
			continue;
		if (i >= 0)
			return -1; /* ambiguous */
		i = (int)k;
	}
	return i;
}

size_t cli_migrations_heads(const struct migration_list *l, int *out)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++) {
		bool parent = false;
		for (size_t k = 0; k < l->n && !parent; k++)
			for (size_t p = 0; p < l->v[k].nparents; p++)
				parent |= l->v[k].parents[p] == (int)i;
		if (!parent)
			out[n++] = (int)i;
	}
	return n;
}

void cli_migrations_mark_ancestors(const struct migration_list *l, int i, bool *mark)
{
	/* The list is in link order: parents come before their children, so
	 * one backward pass from i reaches every ancestor. */
	mark[i] = true;
	for (int k = i; k >= 0; k--)
		if (mark[k])
			for (size_t p = 0; p < l->v[k].nparents; p++)
				mark[l->v[k].parents[p]] = true;
}

int cli_migrations_next_order(const struct migration_list *l)
{
	int max = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].order > max)
			max = l->v[i].order;
	return max + 1;
}

void cli_migrations_join(const struct migration_list *l, const int *idx, size_t n, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	if (n == 0) {
		snprintf(out, len, "base");
		return;
	}
	for (size_t i = 0; i < n && o < len; i++) {
		int w = snprintf(out + o, len - o, "%s%s", i ? ", " : "", l->v[idx[i]].rev);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* A file as read, before the links are resolved. */
struct scanned {
	char (*pnames)[MIGRATION_REV_MAX + 1]; /* parents by name (heap) */
	size_t npnames;
};

static int cmp_file_order(const struct migration *a, const struct migration *b)
{
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return strcmp(a->file, b->file);
}

/* Parse "P, Q" (or "base", or nothing) into s. 0, or -1 with err. */
static int parse_parents(const char *text, const char *file, struct scanned *s, char *err, size_t errlen)
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
static int scan_one(const char *dir, const char *name, struct migration *m, struct scanned *s,
		    char *err, size_t errlen)
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
static void migration_clear(struct migration *m, struct scanned *s)
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

/* Resolve every file's parents into indexes, then put the list in link
 * order. 0 or -1 with err. */
static int link_all(struct migration_list *l, struct scanned *sc, char *err, size_t errlen)
{
	size_t n = l->n;
	/* The numbered files: each follows the numbered file before it. */
	int prev = -1;
	for (;;) {
		int next = -1;
		for (size_t i = 0; i < n; i++) {
			if (!l->v[i].numbered || (prev >= 0 && atoi(l->v[i].rev) <= atoi(l->v[prev].rev)))
				continue;
			if (next < 0 || atoi(l->v[i].rev) < atoi(l->v[next].rev))
				next = (int)i;
		}
		if (next < 0)
			break;
		for (size_t i = 0; i < n; i++)
			if ((int)i != next && l->v[i].numbered && atoi(l->v[i].rev) == atoi(l->v[next].rev)) {
				snprintf(err, errlen,
					 "two migrations share revision %s: %s and %s (give one a '-- Down revision:' header)",
					 l->v[next].rev, l->v[next].up_path, l->v[i].up_path);
				return -1;
			}
		if (prev >= 0) {
			l->v[next].parents = malloc(sizeof(int));
			if (!l->v[next].parents) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			l->v[next].parents[0] = prev;
			l->v[next].nparents = 1;
		}
		prev = next;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (!strcmp(l->v[i].rev, l->v[k].rev)) {
				snprintf(err, errlen, "two migrations share revision %s: %s and %s",
					 l->v[i].rev, l->v[i].up_path, l->v[k].up_path);
				return -1;
			}
	for (size_t i = 0; i < n; i++) {
		if (l->v[i].numbered)
			continue;
		if (sc[i].npnames) {
			l->v[i].parents = calloc(sc[i].npnames, sizeof(int));
			if (!l->v[i].parents) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
		for (size_t p = 0; p < sc[i].npnames; p++) {
			int k = find_exact(l, sc[i].pnames[p]);
			if (k < 0) {
				snprintf(err, errlen, "%s names down revision %s, which is not in the migrations directory",
					 l->v[i].up_path, sc[i].pnames[p]);
				return -1;
			}
			l->v[i].parents[l->v[i].nparents++] = k;
		}
	}
	/* Link order (Kahn): of the files whose parents are all placed, the
	 * first in file name order goes next. */
	int *pos = malloc(n * sizeof *pos);        /* old index -> new index */
	struct migration *nv = malloc(n * sizeof *nv);
	int rc = -1;
	if (!pos || !nv) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		pos[i] = -1;
	for (size_t placed = 0; placed < n; placed++) {
		int best = -1;
		for (size_t i = 0; i < n; i++) {
			if (pos[i] >= 0)
				continue;
			bool ready = true;
			for (size_t p = 0; p < l->v[i].nparents; p++)
				ready &= pos[l->v[i].parents[p]] >= 0;
			if (ready && (best < 0 || cmp_file_order(&l->v[i], &l->v[best]) < 0))
				best = (int)i;
		}
		if (best < 0) {
			for (size_t i = 0; i < n; i++)
				if (pos[i] < 0) {
					snprintf(err, errlen, "the down revisions of %s lead back to it (a cycle)",
						 l->v[i].up_path);
					break;
				}
			goto out;
		}
		pos[best] = (int)placed;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t p = 0; p < l->v[i].nparents; p++)
			l->v[i].parents[p] = pos[l->v[i].parents[p]];
		nv[pos[i]] = l->v[i];
	}
	free(l->v);
	l->v = nv;
	nv = NULL;
	rc = 0;
out:
	free(pos);
	free(nv);
	return rc;
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
	struct scanned *sc = NULL;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			struct migration *nv = realloc(out->v, cap * sizeof *nv);
			if (nv)
				out->v = nv;
			struct scanned *ns = nv ? realloc(sc, cap * sizeof *ns) : NULL;
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
		rc = link_all(out, sc, err, errlen);
	for (size_t i = 0; i < out->n; i++)
		free(sc[i].pnames);
	free(sc);
	if (rc < 0)
		cli_migrations_free(out);
	return rc;
}

/* ---- schema_version -------------------------------------------------------- */

int cli_schema_version_exists(struct db *db)
{
	MYSQL_STMT *st = db_prepare(db, "SELECT COUNT(*) FROM information_schema.TABLES "
					"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_version'");
	if (!st || db_stmt_execute(db, st) < 0)
		return -1;
	long long count = 0;
	MYSQL_BIND b = {0};
	b.buffer_type = MYSQL_TYPE_LONGLONG;
	b.buffer = &count;
	int rc = 0;
	if (mysql_stmt_bind_result(st, &b)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		rc = -1;
	} else if (mysql_stmt_fetch(st) == 0) {
		rc = count > 0;
	}
	mysql_stmt_free_result(st);
	mysql_stmt_reset(st);
	return rc;
}

int cli_schema_version_ensure(struct db *db)
{
	return db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
			   "version_num VARCHAR(32) NOT NULL PRIMARY KEY"
			   ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

int cli_schema_version_get(struct db *db, struct version_rows *out)
{
	out->n = 0;
	if (cli_schema_version_ensure(db) < 0)
		return -1;
	MYSQL_STMT *st = db_prepare(db, "SELECT version_num FROM schema_version ORDER BY version_num");
	if (!st || db_stmt_execute(db, st) < 0)
		return -1;
	char buf[64];
	unsigned long len = 0;
	my_bool is_null = 0;
	MYSQL_BIND b = {0};
	b.buffer_type = MYSQL_TYPE_STRING;
	b.buffer = buf;
	b.buffer_length = sizeof buf;
	b.length = &len;
	b.is_null = &is_null;
	int rc = 0;
	if (mysql_stmt_bind_result(st, &b)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		rc = -1;
	} else {
		while (mysql_stmt_fetch(st) == 0) {
			if (is_null || len == 0)
				continue;
			if (out->n == MIGRATION_HEADS_MAX) {
				db_note_error(db, 0, "schema_version holds more revisions than flacon handles");
				rc = -1;
				break;
			}
			snprintf(out->rev[out->n++], sizeof out->rev[0], "%.*s",
				 (int)(len < sizeof buf ? len : sizeof buf), buf);
		}
	}
	mysql_stmt_free_result(st);
	mysql_stmt_reset(st);
	return rc;
}

int cli_schema_version_set(struct db *db, const struct version_rows *rows)
{
	if (cli_schema_version_ensure(db) < 0)
		return -1;
	if (db_exec(db, "START TRANSACTION") < 0)
		return -1;
	MYSQL_STMT *del = db_prepare(db, "DELETE FROM schema_version");
	if (!del || db_stmt_execute(db, del) < 0)
		goto fail;
	for (size_t i = 0; i < rows->n; i++) {
		MYSQL_STMT *ins = db_prepare(db, "INSERT INTO schema_version (version_num) VALUES (?)");
		if (!ins)
			goto fail;
		unsigned long len = strlen(rows->rev[i]);
		MYSQL_BIND b = {0};
		b.buffer_type = MYSQL_TYPE_STRING;
		b.buffer = (void *)rows->rev[i];
		b.buffer_length = len;
		b.length = &len;
		if (mysql_stmt_bind_param(ins, &b)) {
			db_note_error(db, mysql_stmt_errno(ins), mysql_stmt_error(ins));
			goto fail;
		}
		if (db_stmt_execute(db, ins) < 0)
			goto fail;
	}
	return db_exec(db, "COMMIT");
fail:
	if (db->conn)
		db_exec(db, "ROLLBACK");
	return -1;
}

/* ---- the SQL runner --------------------------------------------------------- */

/* Find the end of the statement starting at s (the ';' or the end), skipping
 * quoted strings, backquoted names and comments. */
static size_t statement_end(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		if (c == '\'' || c == '"' || c == '`') {
			i++;
			while (i < n && s[i] != c) {
				if (s[i] == '\\' && c != '`')
					i++;
				i++;
			}
			i++;
		} else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (c == '#') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
			i += 2;
			while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
				i++;
			i += 2;
		} else if (c == ';') {
			return i;
		} else {
			i++;
		}
	}
	return n;
}

/* Offset of the first character of s[0..n) that is neither whitespace nor
 * in a comment. */
static size_t first_code(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (isspace((unsigned char)s[i])) {
			i++;
		} else if ((s[i] == '-' && i + 1 < n && s[i + 1] == '-') || s[i] == '#') {
			while (i < n && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
			i += 2;
			while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
				i++;
			i += 2;
		} else {
			break;
		}
	}
	return i < n ? i : n;
}

/* True when s[0..n) holds only whitespace and comments. */
static bool only_comments(const char *s, size_t n)
{
	return first_code(s, n) >= n;
}

/* The statement's text on one line (whitespace runs made one space), cut
 * at 200 characters, into out. */
static void one_line(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0, shown = 0;
	bool space = false;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	for (size_t i = 0; i < n && o + 4 < outlen; i++) {
		if (isspace((unsigned char)s[i])) {
			space = true;
			continue;
		}
		if (shown == 200) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (space && o) {
			out[o++] = ' ';
			shown++;
			if (shown == 200)
				continue;
		}
		space = false;
		out[o++] = s[i];
		shown++;
	}
	out[o] = '\0';
}


static unsigned count_lines(const char *s, size_t n)
{
	unsigned k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

int cli_sql_run_script(struct db *db, const char *sql, size_t n, const char *name, char *err,
		   size_t errlen)
{
	size_t pos = 0;
	unsigned line = 1;
	int count = 0;
	while (pos < n) {
		size_t len = statement_end(sql + pos, n - pos);
		if (len > n - pos)
			len = n - pos;
		if (!only_comments(sql + pos, len)) {
			count++;
			char *stmt = strndup(sql + pos, len);
			if (!stmt) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			int rc = db_exec(db, stmt);
			if (rc < 0) {
				size_t first = first_code(stmt, len);
				unsigned at = line + count_lines(stmt, first);
				char text[220 * 4];
				one_line(stmt + first, len - first, text, sizeof text);
				snprintf(err, errlen, "statement %d at %s%s%u (%s): %s", count, name ? name : "",
					 name ? ":" : "line ", at, text, db->err);
				free(stmt);
				return -1;
			}
			free(stmt);
		}
		line += count_lines(sql + pos, len + 1 <= n - pos ? len + 1 : n - pos);
		pos += len + 1;
	}
	return 0;
}

int cli_sql_run_file(struct db *db, const char *path, char *err, size_t errlen)
{
	size_t n = 0;
	char *text = read_file(path, &n);
	if (!text) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = cli_sql_run_script(db, text, n, path, err, errlen);
	free(text);
	return rc;
}

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

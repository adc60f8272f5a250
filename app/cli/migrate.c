/* migrate.c — migration files, schema_version and the SQL script runner. */
#include "cli/migrate.h"

#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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

static int cmp_rev(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->rev, ((const struct migration *)b)->rev);
}

void migrations_free(struct migration_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].slug);
		free(l->v[i].message);
		free(l->v[i].up_path);
		free(l->v[i].down_path);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The "-- Message: ..." line of a migration header, or NULL. */
static char *header_message(const char *path)
{
	char *text = read_file(path, NULL);
	if (!text)
		return NULL;
	char *m = NULL;
	char *p = strstr(text, "-- Message: ");
	if (p) {
		p += 12;
		size_t len = strcspn(p, "\r\n");
		m = strndup(p, len);
	}
	free(text);
	return m;
}

int migrations_scan(const char *dir, struct migration_list *out, char *err, size_t errlen)
{
	out->v = NULL;
	out->n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "cannot read migrations directory %s: %s (run 'flacon db init')",
			 dir, strerror(errno));
		return -1;
	}
	size_t cap = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		size_t len = strlen(name);
		const char *suffix = ".up.sql";
		if (len < 4 + 1 + strlen(suffix) || strcmp(name + len - strlen(suffix), suffix))
			continue;
		size_t digits = 0;
		while (isdigit((unsigned char)name[digits]))
			digits++;
		if (digits == 0 || digits >= sizeof out->v[0].rev || name[digits] != '_')
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			struct migration *nv = realloc(out->v, cap * sizeof *nv);
			if (!nv) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			out->v = nv;
		}
		struct migration *m = &out->v[out->n];
		memset(m, 0, sizeof *m);
		memcpy(m->rev, name, digits);
		m->rev[digits] = '\0';
		m->slug = strndup(name + digits + 1, len - digits - 1 - strlen(suffix));
		if (asprintf(&m->up_path, "%s/%s", dir, name) < 0)
			m->up_path = NULL;
		char *down = NULL;
		if (asprintf(&down, "%s/%.*s.down.sql", dir, (int)(len - strlen(suffix)), name) < 0)
			down = NULL;
		struct stat st;
		if (down && stat(down, &st) == 0)
			m->down_path = down;
		else
			free(down);
		out->n++;
		if (!m->slug || !m->up_path) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		m->message = header_message(m->up_path);
		if (!m->message)
			m->message = strdup(m->slug);
	}
	closedir(d);
	if (rc == 0 && out->n)
		qsort(out->v, out->n, sizeof *out->v, cmp_rev);
	for (size_t i = 1; rc == 0 && i < out->n; i++) {
		if (atoi(out->v[i].rev) == atoi(out->v[i - 1].rev)) {
			snprintf(err, errlen, "two migrations share revision %s: %s and %s",
				 out->v[i].rev, out->v[i - 1].up_path, out->v[i].up_path);
			rc = -1;
		}
	}
	if (rc < 0)
		migrations_free(out);
	return rc;
}

int migrations_find(const struct migration_list *l, const char *rev)
{
	if (!*rev || strspn(rev, "0123456789") != strlen(rev) || strlen(rev) > 9)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (atoi(l->v[i].rev) == atoi(rev))
			return (int)i;
	return -1;
}

int schema_version_ensure(struct db *db)
{
	return db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
			   "version_num VARCHAR(32) NOT NULL PRIMARY KEY"
			   ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

int schema_version_get(struct db *db, char *out, size_t n)
{
	out[0] = '\0';
	if (schema_version_ensure(db) < 0)
		return -1;
	MYSQL_STMT *st = db_prepare(db, "SELECT version_num FROM schema_version LIMIT 1");
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
	} else if (mysql_stmt_fetch(st) == 0 && !is_null) {
		snprintf(out, n, "%.*s", (int)len, buf);
	}
	mysql_stmt_free_result(st);
	mysql_stmt_reset(st);
	return rc;
}

int schema_version_set(struct db *db, const char *rev)
{
	if (schema_version_ensure(db) < 0)
		return -1;
	if (db_exec(db, "START TRANSACTION") < 0)
		return -1;
	MYSQL_STMT *del = db_prepare(db, "DELETE FROM schema_version");
	if (!del || db_stmt_execute(db, del) < 0)
		goto fail;
	if (*rev) {
		MYSQL_STMT *ins = db_prepare(db, "INSERT INTO schema_version (version_num) VALUES (?)");
		if (!ins)
			goto fail;
		unsigned long len = strlen(rev);
		MYSQL_BIND b = {0};
		b.buffer_type = MYSQL_TYPE_STRING;
		b.buffer = (void *)rev;
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

/* True when s[0..n) holds only whitespace and comments. */
static bool only_comments(const char *s, size_t n)
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
			return false;
		}
	}
	return true;
}

int sql_run_script(struct db *db, const char *sql, size_t n, char *err, size_t errlen)
{
	size_t pos = 0;
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
				const char *first = stmt;
				while (*first && (isspace((unsigned char)*first) || *first == '-')) {
					if (*first == '-') /* skip a comment line */
						first += strcspn(first, "\n");
					else
						first++;
				}
				snprintf(err, errlen, "statement %d (%.*s) failed: %s", count,
					 (int)strcspn(first, "\n"), first, db->err);
				free(stmt);
				return -1;
			}
			free(stmt);
		}
		pos += len + 1;
	}
	return 0;
}

int sql_run_file(struct db *db, const char *path, char *err, size_t errlen)
{
	size_t n = 0;
	char *text = read_file(path, &n);
	if (!text) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = sql_run_script(db, text, n, err, errlen);
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
		return -1;
	}
	return 0;
}

int migration_write(const char *dir, const char *message, const char *up, const char *down,
		    char **up_path, char **down_path, char *err, size_t errlen)
{
	*up_path = *down_path = NULL;
	struct migration_list l;
	if (migrations_scan(dir, &l, err, errlen) < 0)
		return -1;
	int next = l.n ? atoi(l.v[l.n - 1].rev) + 1 : 1;
	migrations_free(&l);
	char slug[64];
	slugify(message, slug, sizeof slug);
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &tm);
	char *upp = NULL, *downp = NULL, *uptext = NULL, *downtext = NULL;
	int rc = -1;
	if (asprintf(&upp, "%s/%04d_%s.up.sql", dir, next, slug) < 0 ||
	    asprintf(&downp, "%s/%04d_%s.down.sql", dir, next, slug) < 0 ||
	    asprintf(&uptext, "-- Revision: %04d\n-- Message: %s\n-- Created: %s\n\n%s", next,
		     message, stamp, up) < 0 ||
	    asprintf(&downtext, "-- Revision: %04d (down)\n-- Message: %s\n-- Created: %s\n\n%s",
		     next, message, stamp, down) < 0) {
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
	free(upp);
	free(downp);
	free(uptext);
	free(downtext);
	return rc;
}

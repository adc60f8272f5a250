/* migrate_sql.c — the SQL script runner: a migration file's statements,
 * split on ';' outside quotes and comments, executed in order, the first
 * failure named by number, line and text. */
#include "cli/migrate.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

char *cli_read_file(const char *path, size_t *len)
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
	char *text = cli_read_file(path, &n);
	if (!text) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = cli_sql_run_script(db, text, n, path, err, errlen);
	free(text);
	return rc;
}

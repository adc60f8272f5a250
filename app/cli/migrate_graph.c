/* migrate_graph.c — the links between revisions, as Alembic draws them:
 * parents resolved into indexes, the list put in link order, and the
 * questions asked of it (find a revision, the heads, the ancestors). */
#include "cli/migrate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int cmp_file_order(const struct migration *a, const struct migration *b)
{
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return strcmp(a->file, b->file);
}

/* The numbered files: each follows the numbered file before it. 0, or -1
 * with err (two files of one number, out of memory). */
static int link_numbered(struct migration_list *l, char *err, size_t errlen)
{
	size_t n = l->n;
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
	return 0;
}

/* The linked files: their parents' names sc[i] looked up, after checking
 * that no two files share an id. 0 or -1 with err. */
static int link_named(struct migration_list *l, const struct migration_scanned *sc, char *err,
		      size_t errlen)
{
	size_t n = l->n;
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
	return 0;
}

/* Put the linked list in link order (Kahn): of the files whose parents are
 * all placed, the first in file name order goes next. 0, or -1 with err
 * (a cycle, out of memory). */
static int sort_link_order(struct migration_list *l, char *err, size_t errlen)
{
	size_t n = l->n;
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

int cli_migrations_link(struct migration_list *l, struct migration_scanned *sc, char *err,
			size_t errlen)
{
	if (link_numbered(l, err, errlen) < 0 || link_named(l, sc, err, errlen) < 0)
		return -1;
	return sort_link_order(l, err, errlen);
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

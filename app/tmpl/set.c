/* set.c — the named-template set: an open-addressing hash table of compiled
 * templates (it owns them), filled from strings or from a directory of
 * *.mustache files. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* opendir, stat, PATH_MAX outside the Makefile too */
#endif
#include "tmpl_priv.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SUFFIX ".mustache"
#define SUFFIX_LEN (sizeof SUFFIX - 1)
#define MAX_FILE (16L << 20)
#define MAX_DIR_DEPTH 16

struct tmpl_set {
	struct tmpl **slot; /* cap slots, NULL = empty; cap is a power of two */
	size_t cap, n;
};

struct tmpl_set *tmpl_set_new(void)
{
	struct tmpl_set *set = calloc(1, sizeof *set);
	if (!set)
		return NULL;
	set->cap = 16;
	set->slot = calloc(set->cap, sizeof *set->slot);
	if (!set->slot) {
		free(set);
		return NULL;
	}
	return set;
}

void tmpl_set_free(struct tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->cap; i++)
		tmpl_free(set->slot[i]);
	free(set->slot);
	free(set);
}

/* The slot holding name, or the empty slot where it would go. */
static size_t probe(struct tmpl **slot, size_t cap, const char *name, uint32_t hash)
{
	size_t i = hash & (cap - 1);
	while (slot[i] && (slot[i]->hash != hash || strcmp(slot[i]->name, name) != 0))
		i = (i + 1) & (cap - 1);
	return i;
}

const struct tmpl *tmpl_find(const struct tmpl_set *set, const char *name, uint32_t hash)
{
	return set->slot[probe(set->slot, set->cap, name, hash)];
}

int tmpl_set_has(const struct tmpl_set *set, const char *name)
{
	return tmpl_find(set, name, tmpl_hash(name, strlen(name))) != NULL;
}

static int grow(struct tmpl_set *set)
{
	size_t cap = set->cap * 2;
	struct tmpl **slot = calloc(cap, sizeof *slot);
	if (!slot)
		return TMPL_ENOMEM;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slot[i])
			slot[probe(slot, cap, set->slot[i]->name, set->slot[i]->hash)] = set->slot[i];
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
	return 0;
}

int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src, size_t n,
		 char *err, size_t errlen)
{
	struct tmpl *t;
	int rc = tmpl_compile(name, src, n, &t, err, errlen);
	if (rc < 0)
		return rc;
	if ((set->n + 1) * 4 > set->cap * 3 && grow(set) < 0) {
		tmpl_free(t);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		return TMPL_ENOMEM;
	}
	size_t i = probe(set->slot, set->cap, t->name, t->hash);
	if (set->slot[i])
		tmpl_free(set->slot[i]);
	else
		set->n++;
	set->slot[i] = t;
	return 0;
}

static int io_error(char *err, size_t errlen, const char *path, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, what);
	return TMPL_EIO;
}

/* Read the whole file at path into *out (malloc'd, NUL-terminated). */
static int read_file(const char *path, char **out, size_t *outn, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	*out = NULL;
	if (!f)
		return io_error(err, errlen, path, strerror(errno));
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			char *q = realloc(p, cap);
			if (!q) {
				rc = TMPL_ENOMEM;
				goto out;
			}
			p = q;
		}
		size_t k = fread(p + n, 1, cap - n - 1, f);
		n += k;
		if (n > MAX_FILE) {
			rc = io_error(err, errlen, path, "file too large");
			goto out;
		}
		if (k == 0) {
			if (ferror(f))
				rc = io_error(err, errlen, path, "read error");
			break;
		}
	}
	if (rc == 0) {
		p[n] = '\0';
		*out = p;
		*outn = n;
		p = NULL;
	}
out:
	fclose(f);
	free(p);
	return rc;
}

/* Load dir path (path[0..plen) in a PATH_MAX buffer); template names are
 * path + rel without the suffix. */
static int load_tree(struct tmpl_set *set, char *path, size_t plen, size_t rel, int depth,
		     char *err, size_t errlen)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		int e = errno;
		io_error(err, errlen, path, strerror(e));
		return e == ENOENT ? TMPL_ENOENT : TMPL_EIO;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat sb;
		if (de->d_name[0] == '.')
			continue;
		if (plen + 1 + len + 1 > PATH_MAX) {
			rc = io_error(err, errlen, path, "path too long");
			goto out;
		}
		path[plen] = '/';
		memcpy(path + plen + 1, de->d_name, len + 1);
		if (stat(path, &sb) < 0) {
			rc = io_error(err, errlen, path, strerror(errno));
			goto out;
		}
		if (S_ISDIR(sb.st_mode)) {
			if (depth >= MAX_DIR_DEPTH) {
				rc = io_error(err, errlen, path, "directories nested too deep");
				goto out;
			}
			rc = load_tree(set, path, plen + 1 + len, rel, depth + 1, err, errlen);
		} else if (S_ISREG(sb.st_mode) && len > SUFFIX_LEN &&
			   strcmp(de->d_name + len - SUFFIX_LEN, SUFFIX) == 0) {
			char *src = NULL;
			size_t n = 0;
			if ((rc = read_file(path, &src, &n, err, errlen)) < 0)
				goto out;
			path[plen + 1 + len - SUFFIX_LEN] = '\0';
			rc = tmpl_set_add(set, path + rel, src, n, err, errlen);
			free(src);
		}
		path[plen] = '\0';
		if (rc < 0)
			goto out;
	}
out:
	closedir(d);
	return rc;
}

int tmpl_set_load_dir(struct tmpl_set *set, const char *dir, char *err, size_t errlen)
{
	char *path = malloc(PATH_MAX);
	size_t n = strlen(dir);
	int rc;

	if (!path)
		return TMPL_ENOMEM;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n + 2 > PATH_MAX) {
		rc = io_error(err, errlen, dir, "path too long");
		goto out;
	}
	memcpy(path, dir, n);
	path[n] = '\0';
	rc = load_tree(set, path, n, n + 1, 0, err, errlen);
out:
	free(path);
	return rc;
}

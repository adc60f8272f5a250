/* tmpl.h — Mustache templates: a set of named templates compiled once (at
 * worker start or reload) into node trees, rendered per request from json-c
 * values into a struct buf. The set owns its compiled templates; it never
 * keeps or changes a render context.
 *
 * Language: the official Mustache spec (interpolation, sections, inverted
 * sections, comments, partials, set delimiters) plus ~inheritance (parents
 * {{<name}} and blocks {{$name}}), including the standalone-line and
 * indentation rules; no lambdas. Details worth knowing:
 *   - {{x}} escapes & < > " ' ; {{{x}}} and {{&x}} do not.
 *   - Dotted names may index arrays after the first part: {{#items.0}} is
 *     "items has a first element", {{items.1.name}} the second's name.
 *   - Integers print as integers, doubles in their shortest exact form
 *     (1.21 -> "1.21"); null, missing names, objects and arrays print nothing.
 *   - Falsey (sections skip, inverted sections render): missing, null, false,
 *     0, "", []. Everything else, {} included, is truthy.
 *   - Missing partials and parents render as nothing.
 *   - Block overrides are looked up dynamically through every enclosing
 *     parent, the outermost winning (as the spec's "Recursion" case needs),
 *     and they reach partials rendered inside a parent too.
 *   - Rendering is bounded: nesting of sections, partials, parents and blocks
 *     deeper than TMPL_MAX_DEPTH, more than TMPL_MAX_STEPS expansions or more
 *     than TMPL_MAX_OUTPUT bytes stop the render with an error. */
#ifndef FLACON_TMPL_H
#define FLACON_TMPL_H

#include <stddef.h>

#include "../core/buf.h"

struct json_object;

enum tmpl_err {
	TMPL_OK = 0,
	TMPL_ENOENT = -1,  /* no template by that name; directory not found */
	TMPL_ESYNTAX = -2, /* template source is not valid Mustache */
	TMPL_ENOMEM = -3,  /* out of memory */
	TMPL_EDEPTH = -4,  /* render nested deeper than TMPL_MAX_DEPTH */
	TMPL_ELIMIT = -5,  /* render exceeded TMPL_MAX_STEPS or TMPL_MAX_OUTPUT */
	TMPL_EIO = -6,     /* a template file or directory could not be read */
};

#define TMPL_MAX_DEPTH 100            /* nested sections/partials/parents/blocks */
#define TMPL_MAX_STEPS (1L << 20)     /* section iterations + expansions per render */
#define TMPL_MAX_OUTPUT (64L << 20)   /* bytes one render may append */

/* A static English description of an enum tmpl_err value. */
const char *tmpl_strerror(int err);

struct tmpl_set;

/* A new, empty set, or NULL when out of memory. Free with tmpl_set_free(). */
struct tmpl_set *tmpl_set_new(void);
/* Free the set and every template in it. NULL is allowed. */
void tmpl_set_free(struct tmpl_set *set);

/* Compile src (n bytes, NUL bytes allowed, copied) under name, replacing a
 * template of the same name. Returns 0, TMPL_ESYNTAX (the set unchanged and a
 * one-line "name:line: message" written into err) or TMPL_ENOMEM. err may be
 * NULL when errlen is 0. */
int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src, size_t n,
		 char *err, size_t errlen);

/* Add every "*.mustache" file under dir, recursively (dot files and dot
 * directories skipped), each named by its path relative to dir without the
 * extension: dir/base.mustache -> "base", dir/articles/list.mustache ->
 * "articles/list". Returns 0 or a negative enum tmpl_err with a one-line
 * message in err; on error the set may hold some of the files, so callers
 * normally discard it. */
int tmpl_set_load_dir(struct tmpl_set *set, const char *dir, char *err, size_t errlen);

/* 1 when the set holds a template called name, else 0. */
int tmpl_set_has(const struct tmpl_set *set, const char *name);

/* Render template name against ctx (any json-c value, NULL = null; borrowed,
 * not consumed, not changed), appending to out. Returns 0 or a negative enum
 * tmpl_err: TMPL_ENOENT (unknown name, nothing appended), TMPL_ENOMEM,
 * TMPL_EDEPTH, TMPL_ELIMIT; after an error out may hold part of the page.
 * Does not allocate beyond growing out, except for indentation deeper than
 * 256 bytes. Safe to call concurrently on one set. */
int tmpl_render(const struct tmpl_set *set, const char *name, struct json_object *ctx,
		struct buf *out);

#endif

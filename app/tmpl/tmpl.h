/* tmpl.h — Mustache templates: a set of named templates compiled once (at
 * worker start or reload) into node trees, rendered per request from json-c
 * values, or from any other data through a small value interface (struct
 * tmpl_value: the ORM's objects, an arena map of a page's own keys), into
 * a struct buf. The set owns its compiled templates; it never keeps or
 * changes a render context.
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core/arena.h"
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

/* ---- Render contexts other than json-c ------------------------------------
 *
 * A context value is a struct tmpl_value: a scalar held in the struct
 * itself, or a map / list read through the functions of its ops, so that
 * data is rendered where it lives (a model object through the ORM's
 * metadata: orm_tmpl_obj() in orm/orm.h), with no tree built first. The
 * engine's rules are the same for every kind of value (and for json-c,
 * which is one implementation): dotted names, the context stack, numeric
 * parts indexing lists, the falsey rules, escaping. */

enum tmpl_kind {
	TMPL_NULL = 0, /* null (also: nothing found) */
	TMPL_BOOL,     /* b: prints true / false */
	TMPL_INT,      /* i */
	TMPL_UINT,     /* u: integers above INT64_MAX */
	TMPL_DOUBLE,   /* d: shortest exact form */
	TMPL_STR,      /* s.p / s.n (NUL bytes allowed); must live as long as the render */
	TMPL_LIST,     /* ops->len / ops->at */
	TMPL_MAP,      /* ops->get */
};

struct tmpl_value;

/* How a map or a list is read. Every function may be called many times per
 * render and must not change the value. */
struct tmpl_ops {
	/* MAP: the member called name (len bytes, NUL-terminated; hash is
	 * tmpl_name_hash(name, len), computed once when the template was
	 * compiled, for maps that index their names). Returns 1 with *out (a
	 * member that is null included: the lookup stops here), 0 when the
	 * map has no such member (the lookup goes on down the context stack),
	 * or a negative enum tmpl_err (the render stops with it). */
	int (*get)(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		   struct tmpl_value *out);
	/* LIST: the number of elements, and element i (< len) into *out. */
	size_t (*len)(const struct tmpl_value *list);
	int (*at)(const struct tmpl_value *list, size_t i, struct tmpl_value *out);
	/* MAP, optional (all three or none): name resolution the renderer
	 * caches for the length of one render, so that a section over many
	 * maps of one kind (a list of objects of one model) looks each name
	 * up once, not once per element.
	 * shape: a key such that two maps of the same shape give the same
	 * answer of find for every name (an ORM object's model; a map whose
	 * names are its own, its own address), or NULL (not cached). It must
	 * not change during a render.
	 * find: as get, but 1 with *slot (where the member is, for get_slot
	 * on any map of this shape) instead of the value; 2 the same, and the
	 * value is worth remembering (computed: a section's element reads it
	 * once however many tags name it, so get_slot must give one map the
	 * same value all through a render); 0 or an error as get.
	 * get_slot: the member at slot of this map into *out: 1 (as get's 1)
	 * or a negative enum tmpl_err. */
	const void *(*shape)(const struct tmpl_value *map);
	int (*find)(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		    uintptr_t *slot);
	int (*get_slot)(const struct tmpl_value *map, uintptr_t slot, struct tmpl_value *out);
	/* MAP, optional (with the three above): get_slot of several slots at
	 * once, for a list's element whose names were found in an earlier
	 * element of its shape: for each bit k of want, slot[k] of this map
	 * into out[k], when that member is a plain one (stored, read without
	 * computing or allocating anything: what get_slot would give, with
	 * no way to fail); the others are left for get_slot. Returns the bits
	 * of want filled. One call per element, not one per tag. */
	uint32_t (*get_slots)(const struct tmpl_value *map, const uintptr_t *slot, uint32_t want,
			      struct tmpl_value *out);
};

struct tmpl_value {
	enum tmpl_kind kind;
	union {
		bool b;
		int64_t i;
		uint64_t u;
		double d;
		struct {
			const char *p;
			size_t n;
		} s;
	};
	const struct tmpl_ops *ops; /* LIST, MAP */
	const void *obj;            /* LIST, MAP: what ops read */
	const void *env;            /* LIST, MAP: more of the implementation's */
	void *aux;                  /* LIST, MAP: more of the implementation's */
};

static inline struct tmpl_value tmpl_null(void)
{
	return (struct tmpl_value){.kind = TMPL_NULL};
}
static inline struct tmpl_value tmpl_bool(bool b)
{
	return (struct tmpl_value){.kind = TMPL_BOOL, .b = b};
}
static inline struct tmpl_value tmpl_int(int64_t i)
{
	return (struct tmpl_value){.kind = TMPL_INT, .i = i};
}
static inline struct tmpl_value tmpl_double(double d)
{
	return (struct tmpl_value){.kind = TMPL_DOUBLE, .d = d};
}
/* p is not copied (static, or in an arena that outlives the render). */
static inline struct tmpl_value tmpl_strn(const char *p, size_t n)
{
	struct tmpl_value v = {.kind = TMPL_STR};
	v.s.p = p;
	v.s.n = n;
	return v;
}
/* NULL p is null. */
static inline struct tmpl_value tmpl_str(const char *p)
{
	return p ? tmpl_strn(p, strlen(p)) : tmpl_null();
}

/* The hash a map's get receives with a name (32-bit FNV-1a of its bytes). */
uint32_t tmpl_name_hash(const char *name, size_t len);

/* A json-c value as a context value (NULL = null; borrowed: it must live
 * as long as the render). */
struct tmpl_value tmpl_json(struct json_object *j);

/* A map of a page's own keys (its top-level context: {articles: <a list of
 * objects>, pagination: <json-c>, ...}), in arena a: no free; json-c
 * values given to it are released with the arena (arena_cleanup_add).
 * Lookups are linear: meant for a handful of keys. */
struct tmpl_map;
/* A new empty map, or NULL when out of memory. */
struct tmpl_map *tmpl_map_new(struct arena *a);
/* Set key (not copied: a literal or arena text) to v, replacing an equal
 * key. 0 or TMPL_ENOMEM (the map unchanged). */
int tmpl_map_set(struct tmpl_map *m, const char *key, struct tmpl_value v);
/* Set key to the json-c value j, which the map takes over (released with
 * the arena, also on failure; NULL j: TMPL_ENOMEM, as json-c's
 * constructors return NULL only then). 0 or TMPL_ENOMEM. */
int tmpl_map_set_json(struct tmpl_map *m, const char *key, struct json_object *j);
/* Shorthands of tmpl_map_set. */
int tmpl_map_set_int(struct tmpl_map *m, const char *key, int64_t i);
int tmpl_map_set_bool(struct tmpl_map *m, const char *key, bool b);
int tmpl_map_set_str(struct tmpl_map *m, const char *key, const char *s);
/* The map as a context value (NULL m: null). */
struct tmpl_value tmpl_map_value(const struct tmpl_map *m);

/* As tmpl_render, from a context value (borrowed). */
int tmpl_render_value(const struct tmpl_set *set, const char *name, const struct tmpl_value *ctx,
		      struct buf *out);
/* As tmpl_render_value with a context stack of n values, frames[0] the
 * outermost: a name not found in frames[n-1] is looked up in frames[n-2]
 * and so on, as inside nested sections (a page's own keys over the keys
 * every page gets). n may be 0 (a null context). */
int tmpl_render_stack(const struct tmpl_set *set, const char *name, const struct tmpl_value *frames,
		      size_t n, struct buf *out);

#endif

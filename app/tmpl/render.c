/* render.c — walks a compiled template (tmpl_priv.h) against a context
 * value (tmpl.h's struct tmpl_value; json-c is one kind, read here) and
 * appends the page to a struct buf. All render state lives on
 * the C stack: the context stack and the chain of enclosing parents are
 * linked frames, a section over a list keeps its plan (struct rrun: where
 * each tag's name is in the elements, what it is outside them; an
 * element's stored members read in one get_slots call), the per-render
 * name cache and indentation are local arrays. Bodies that need no frame
 * of their own (inverted sections; sections the compiler marked bare,
 * over a scalar) are walked in the same render_nodes call, and a section
 * with an inverted twin renders one of the two from one lookup; literal
 * text (the source copy is padded, TMPL_SRC_PAD) and integers go out with
 * one fixed-size copy, a short {{x}} with nothing to escape is tested and
 * copied in line, any other is escaped in place in one pass
 * (buf_html_escape). A list of a model's objects (maps with a shape) runs
 * its section's row program instead of the walk: the body flattened into
 * steps when the template was compiled (tmpl_plan, struct tprog), each tag
 * reading its run entry, the output cursor in locals; anything the
 * program does not flatten is one step handed back to the walk, and
 * tmpl_row_programs_off (a test hook) turns programs off so that tests
 * compare the two byte for byte. Also builds those programs (tmpl_plan). */
#include "tmpl_priv.h"

#include <json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

/* Values of a frame's map that its find said are worth remembering
 * (computed ones): read once per frame however many tags name them. */
#define RMEMO_N 4
struct rmemo {
	unsigned n;
	uintptr_t slot[RMEMO_N];
	struct tmpl_value v[RMEMO_N];
};

/* The plan of one run of a section over a list: for each tag of the
 * section's body (an entry per tag number, nested bodies included), where
 * its first part is in elements of the run's current shape, and what it
 * is in the frames outside the list, which are the same for every element
 * (a page's "logged_in" read in every row is looked up once per run).
 * Lives on the C stack for the run. */
#define RUN_MAX 32
#define RUN_NEST 16 /* planned runs at once, at most: a bound on the stack */
#define RUN_SAVED 3 /* shapes whose plans a run keeps besides its current one */
enum { RP_UNKNOWN, RP_SLOT, RP_MEMO, RP_ABSENT };

/* A planned section's body as a row program: its nodes, and those of the
 * bodies that render in the element's own frame (inverted sections, bare
 * sections over scalars), flattened into one array of steps, run per
 * element in one loop with no tree walk. Built once per run; it does not
 * depend on the elements' shape (a value step reads its tag's run entry,
 * which render_list keeps per shape). Anything else (partials, parents,
 * blocks, sections that take a frame of their own) is one step handed to
 * render_nodes, so a program renders exactly what the walk would. */
#define PROG_MAX 96
#define TEXT_SHORT 32 /* text of at most this many bytes: a 32-byte move */
enum {
	OP_TEXT,     /* str/len: literal text of at most TEXT_SHORT bytes */
	OP_TEXT_MID, /* str/len: at most TMPL_SRC_PAD bytes */
	OP_TEXT_LONG, /* str/len: longer literal text */
	OP_INDENT,   /* the current indentation */
	OP_END,      /* the end of an entered body */
	OP_NODE,     /* nd (and its twin: n nodes) through render_nodes */
	OP_RET,      /* the end of the program */
	/* Tags. *_K read run entry k; the others (dotted names, ".", tags
	 * beyond RUN_MAX or owned by another) the general lookup. */
	OP_ESC_K,    /* {{x}} */
	OP_RAW_K,    /* {{{x}}}, {{&x}} */
	OP_IF_K,     /* bare section: on to the body when truthy (a list's or a
			map's renders through render_section), else to jump */
	OP_IFNOT_K,  /* inverted section: the body when falsey, else to jump */
	OP_ESC,
	OP_RAW,
	OP_IF,
	OP_IFNOT,
	/* OP_x + OP_TAGS: tag OP_x after the text before it in the source,
	 * str/len, of 1 to TEXT_SHORT bytes (longer text is a step of its
	 * own, before the tag's) */
	OP_TAGS = OP_IFNOT - OP_ESC_K + 1,
	OP_COUNT = OP_ESC_K + 2 * OP_TAGS,
};
struct rstep {
	unsigned char op;
	unsigned char k;
	unsigned char n;   /* OP_NODE: nodes */
	uint32_t len;      /* str's length */
	uint32_t jump;     /* OP_IF*: the step after the body's OP_END */
	const char *str;
	const struct tnode *nd;
};
_Static_assert(RUN_MAX <= 256, "a step's run entry is a byte");

struct rplan {
	bool outer_known;
	bool outer_found;
	struct tmpl_value outer; /* outer_known: the first part outside (null
				    when outer_found is false) */
};
struct rrun {
	uint32_t base, n;  /* tag numbers base .. base + n - 1 */
	const void *shape; /* the shape state[] answers for */
	uint32_t have;     /* the current element's values read so far: bit k
			      for row[k] (a tag read twice in a row reads once) */
	uint32_t plain;    /* entries in RP_SLOT whose values the shape's ops
			      read in one get_slots call per element, before
			      its body renders (have starts with what it
			      filled) */
	unsigned char state[RUN_MAX]; /* RP_*, per tag, for maps of shape */
	unsigned char same[RUN_MAX];  /* the entry that answers for tag k: the
					 first claimed one whose tag has the
					 same first part ({{id}} three times
					 in a row: one read) */
	const struct tnode *owner[RUN_MAX]; /* the tag entry k belongs to;
					       NULL: not yet claimed (a
					       partial's tag of the same
					       number finds it taken and
					       goes the usual way) */
	uintptr_t slot[RUN_MAX];      /* RP_SLOT, RP_MEMO */
	uint32_t keep;     /* entries whose row[] holds their value outside the
			      list (RP_ABSENT, known): have starts with them
			      at every element of the shape */
	struct rplan e[RUN_MAX];
	struct tmpl_value row[RUN_MAX];
	uint32_t nprog;    /* steps of prog; 0: the body is walked as a tree */
	const struct rstep *prog; /* the section's (struct tprog) */
	/* The plans of shapes met before in this run (a list of a few kinds
	 * of maps, as a page bar's links, gaps and current page), kept when
	 * an element of another shape comes and taken back when one of
	 * theirs does (run_switch), so that each kind finds its names once. */
	unsigned nsaved, next_save;
	struct rsaved {
		const void *shape;
		uint32_t plain, keep;
		unsigned char state[RUN_MAX];
		uintptr_t slot[RUN_MAX];
	} saved[RUN_SAVED];
};

/* A section's row program and the claims of its run entries, built when
 * its template is compiled (tmpl_plan): a run starts from them. One
 * allocation, freed with the node. */
struct tprog {
	uint32_t n;                          /* run entries (<= RUN_MAX) */
	uint32_t nstep;
	const struct tnode *owner[RUN_MAX];  /* struct rrun's, claimed in body order */
	unsigned char same[RUN_MAX];
	struct rstep step[];
};

/* A program being built: the run whose entries it claims, its steps. */
struct pbuild {
	struct rrun *r;
	uint32_t n;
	struct rstep step[PROG_MAX]; /* OP_RET included */
};

struct rctx { /* context stack, innermost first */
	struct tmpl_value v;
	const struct rctx *up;
	const void *shape;   /* v's ops->shape, once per frame; NULL: none */
	struct rmemo *memo;  /* this frame's, or NULL */
	struct rrun *run;    /* an element of a planned list: its run, or NULL */
	const struct rctx *look; /* where a name's lookup starts: this frame,
				    or (a scalar's, which holds no names) the
				    one below's */
	struct rrun *lrun;   /* look's run, or NULL */
};

/* The shape of the frame's value (see struct tmpl_ops), asked once when
 * the frame is pushed, not at every lookup through it; and where lookups
 * from it start (f->up and f->run set). */
static inline void frame_shape(struct rctx *f)
{
	f->shape = f->v.kind == TMPL_MAP && f->v.ops && f->v.ops->shape ? f->v.ops->shape(&f->v)
									  : NULL;
	f->look = f->v.kind == TMPL_MAP || f->run ? f : f->up ? f->up->look : NULL;
	f->lrun = f->look ? f->look->run : NULL;
}

struct rovr { /* parents being expanded, innermost first */
	const struct tnode *parent;
	const struct rovr *up;
};

/* The per-render cache of name resolution: (node, shape of a map) -> where
 * the node's first part is in maps of that shape (tmpl_ops.find's slot),
 * or RC_ABSENT. Direct-mapped: a collision only costs a find again. */
#define RC_SIZE 256
#define RC_ABSENT UINTPTR_MAX
struct rcache {
	const struct tnode *nd;
	const void *shape;
	uintptr_t slot;
	bool memo; /* find answered 2: remember the value per frame */
};

struct rstate {
	const struct tmpl_set *set;
	struct rcache *cache; /* RC_SIZE entries */
	uint64_t cache_set[RC_SIZE / 64]; /* bit i: cache[i] written in this
					     render (the array is not
					     cleared: 8 KB a render) */
	struct buf *out;
	size_t limit;   /* out->n may not pass this */
	size_t room;    /* out->n + n < room: n bytes fit, the NUL after them
			   too, within the limit (put's test; set again
			   whenever out grows) */
	size_t troom;   /* when literal text goes out as it is (no
			   indentation): room less TMPL_SRC_PAD, so that
			   n + len < troom says a fixed-size move of
			   TMPL_SRC_PAD bytes fits; else 0 (text_room) */
	char *ind;      /* current indentation */
	size_t ind_n, ind_cap;
	bool ind_heap;
	unsigned depth;
	unsigned runs;  /* planned runs under way (render_planned) */
	unsigned lists; /* sections over lists under way (render_list) */
	long steps;
};

static int render_nodes(struct rstate *st, const struct tnodes *l, const struct rctx *c,
			const struct rovr *o);

/* n <= 32 bytes from p to d with fixed-size moves (overlapping at the
 * middle), not a call: most of a page is short text and short values. */
static inline void copy_short(char *d, const char *p, size_t n)
{
	if (n >= 8) {
		uint64_t a, b, y, z;
		memcpy(&a, p, 8);
		memcpy(&z, p + n - 8, 8);
		if (n > 16) {
			memcpy(&b, p + 8, 8);
			memcpy(&y, p + n - 16, 8);
			memcpy(d + 8, &b, 8);
			memcpy(d + n - 16, &y, 8);
		}
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &z, 8);
	} else if (n >= 4) {
		uint32_t a, z;
		memcpy(&a, p, 4);
		memcpy(&z, p + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &z, 4);
	} else if (n) {
		d[0] = p[0];
		d[n / 2] = p[n / 2];
		d[n - 1] = p[n - 1];
	}
}

/* st->troom for the current room and indentation. */
static inline void text_room(struct rstate *st)
{
	st->troom = !st->ind_n && st->room > TMPL_SRC_PAD ? st->room - TMPL_SRC_PAD : 0;
}

/* st->room for the current size of out. */
static void set_room(struct rstate *st)
{
	st->room = st->out->cap < st->limit + 1 ? st->out->cap : st->limit + 1;
	text_room(st);
}

static int put_slow(struct rstate *st, const char *p, size_t n)
{
	if (st->out->n + n > st->limit)
		return TMPL_ELIMIT;
	int rc = buf_append(st->out, p, n) < 0 ? TMPL_ENOMEM : 0;
	set_room(st);
	return rc;
}

static inline int put(struct rstate *st, const char *p, size_t n)
{
	struct buf *b = st->out;
	size_t nn = b->n + n;
	if (nn < st->room) { /* room (and for the NUL): no call; the NUL is
				written when the render ends */
		if (n <= 32)
			copy_short(b->p + b->n, p, n);
		else
			memcpy(b->p + b->n, p, n);
		b->n = nn;
		return 0;
	}
	return put_slow(st, p, n);
}

/* Literal text under an indentation: each line after the first gets it. */
static int put_lines(struct rstate *st, const char *p, size_t n)
{
	const char *end = p + n;
	int rc;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return put(st, p, (size_t)(end - p));
		if ((rc = put(st, p, (size_t)(nl + 1 - p))) < 0)
			return rc;
		p = nl + 1;
		if (p < end && (rc = put(st, st->ind, st->ind_n)) < 0)
			return rc;
	}
	return 0;
}

/* Literal text (a template's, in its source copy): each line after the
 * first gets the current indentation. Up to TMPL_SRC_PAD bytes are moved
 * with one fixed-size copy (of TEXT_SHORT bytes when they are that few),
 * which may read into the source's padding and write past the text
 * within the buffer's room (put overwrites it). */
static inline int put_text(struct rstate *st, const char *p, size_t n)
{
	struct buf *b = st->out;
	if (n <= TMPL_SRC_PAD && b->n + n < st->troom) {
		if (n <= TEXT_SHORT)
			memcpy(b->p + b->n, p, TEXT_SHORT);
		else
			memcpy(b->p + b->n, p, TMPL_SRC_PAD);
		b->n += n;
		return 0;
	}
	return st->ind_n ? put_lines(st, p, n) : put(st, p, n);
}

static int ind_push(struct rstate *st, const char *p, size_t n)
{
	if (st->ind_n + n > st->ind_cap) {
		size_t cap = st->ind_cap * 2 > st->ind_n + n ? st->ind_cap * 2 : st->ind_n + n;
		char *q = st->ind_heap ? realloc(st->ind, cap) : malloc(cap);
		if (!q)
			return TMPL_ENOMEM;
		if (!st->ind_heap)
			memcpy(q, st->ind, st->ind_n);
		st->ind = q;
		st->ind_cap = cap;
		st->ind_heap = true;
	}
	memcpy(st->ind + st->ind_n, p, n);
	st->ind_n += n;
	text_room(st);
	return 0;
}

/* ---- json-c as a context value ---- */

static int json_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		    struct tmpl_value *out);
static size_t json_len(const struct tmpl_value *list);
static int json_at(const struct tmpl_value *list, size_t i, struct tmpl_value *out);

/* No shape: a json-c object's names are its own, so the render's cache
 * (keyed by shape) would only ever answer for the one object; a list of
 * json-c objects (a page bar's links) missed it at every element. Its
 * names are read through map_get_first, with json-c's hash of the name
 * computed when the template was compiled. */
static const struct tmpl_ops json_map_ops = {.get = json_get};
static const struct tmpl_ops json_list_ops = {.len = json_len, .at = json_at};

struct tmpl_value tmpl_json(struct json_object *j)
{
	struct tmpl_value v = {.kind = TMPL_NULL};
	switch (json_object_get_type(j)) {
	case json_type_null:
		break;
	case json_type_boolean:
		v.kind = TMPL_BOOL;
		v.b = json_object_get_boolean(j);
		break;
	case json_type_int:
		v.kind = TMPL_INT;
		v.i = json_object_get_int64(j);
		if (v.i == INT64_MAX) { /* or larger: json-c clamps */
			v.kind = TMPL_UINT;
			v.u = json_object_get_uint64(j);
		}
		break;
	case json_type_double:
		v.kind = TMPL_DOUBLE;
		v.d = json_object_get_double(j);
		break;
	case json_type_string:
		v.kind = TMPL_STR;
		v.s.p = json_object_get_string(j);
		v.s.n = (size_t)json_object_get_string_len(j);
		break;
	case json_type_array:
		v.kind = TMPL_LIST;
		v.ops = &json_list_ops;
		v.obj = j;
		break;
	case json_type_object:
		v.kind = TMPL_MAP;
		v.ops = &json_map_ops;
		v.obj = j;
		break;
	}
	return v;
}

static int json_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		    struct tmpl_value *out)
{
	(void)len;
	(void)hash;
	struct json_object *v;
	if (!json_object_object_get_ex((struct json_object *)map->obj, name, &v))
		return 0;
	*out = tmpl_json(v);
	return 1;
}

static size_t json_len(const struct tmpl_value *list)
{
	return json_object_array_length(list->obj);
}

static int json_at(const struct tmpl_value *list, size_t i, struct tmpl_value *out)
{
	*out = tmpl_json(json_object_array_get_idx(list->obj, i));
	return 0;
}

/* ---- lookup ---- */

static size_t list_len(const struct tmpl_value *v)
{
	return v->ops && v->ops->len ? v->ops->len(v) : 0;
}

/* Element part (a decimal index, "0" to "999999999") of list v into *out
 * (null when there is none). 0 or an error of the value's. */
static int list_part(const struct tmpl_value *v, const char *part, struct tmpl_value *out)
{
	size_t idx = 0, k = 0;
	*out = tmpl_null();
	for (; part[k] >= '0' && part[k] <= '9' && k < 9; k++)
		idx = idx * 10 + (size_t)(part[k] - '0');
	if (k == 0 || part[k] || (part[0] == '0' && k > 1) || idx >= list_len(v))
		return 0;
	return v->ops->at(v, idx, out);
}

/* Member name of map v into *out: 1 found, 0 not, or an error. */
static int map_get(const struct tmpl_value *v, const char *name, struct tmpl_value *out)
{
	if (!v->ops || !v->ops->get)
		return 0;
	size_t len = strlen(name);
	return v->ops->get(v, name, len, tmpl_hash(name, len), out);
}

/* The first part of nd's name in map v, json-c's with the hash computed
 * at compile time. */
static inline int map_get_first(const struct tmpl_value *v, const struct tnode *nd,
				struct tmpl_value *out)
{
	if (v->ops != &json_map_ops)
		return v->ops && v->ops->get ? v->ops->get(v, nd->name, nd->plen, nd->hash, out) : 0;
	struct lh_table *t = json_object_get_object((struct json_object *)v->obj);
	struct lh_entry *e = t->hash_fn == nd->jhash_fn
		? lh_table_lookup_entry_w_hash(t, nd->name, nd->jhash)
		: lh_table_lookup_entry(t, nd->name);
	if (!e)
		return 0;
	*out = tmpl_json((struct json_object *)lh_entry_v(e));
	return 1;
}

/* Where the first part of nd's name is in maps of the shape of frame c,
 * through the render's cache: the cache entry (slot RC_ABSENT: not
 * there), or NULL with *rc an error. */
static const struct rcache *cache_find(struct rstate *st, const struct rctx *c,
				       const struct tnode *nd, int *rc)
{
	const void *shape = c->shape;
	uintptr_t k = (uintptr_t)nd ^ ((uintptr_t)shape << 1);
	uint32_t i = (uint32_t)((k * 0x9E3779B97F4A7C15u) >> 56) % RC_SIZE;
	struct rcache *e = &st->cache[i];
	uint64_t bit = UINT64_C(1) << (i % 64);
	if (!(st->cache_set[i / 64] & bit) || e->nd != nd || e->shape != shape) {
		uintptr_t slot = RC_ABSENT;
		int r = c->v.ops->find(&c->v, nd->name, nd->plen, nd->hash, &slot);
		if (r < 0) {
			*rc = r;
			return NULL;
		}
		*e = (struct rcache){nd, shape, r ? slot : RC_ABSENT, r == 2};
		st->cache_set[i / 64] |= bit;
	}
	return e;
}

/* The member at slot of frame c's map into *out, through the frame's
 * memo when memo (a computed value, read once per frame): 1 or an error. */
static int slot_get(const struct rctx *c, uintptr_t slot, bool memo, struct tmpl_value *out)
{
	const struct tmpl_value *v = &c->v;
	struct rmemo *m = memo ? c->memo : NULL;
	if (!m)
		return v->ops->get_slot(v, slot, out);
	for (unsigned i = 0; i < m->n; i++)
		if (m->slot[i] == slot) {
			*out = m->v[i];
			return 1;
		}
	int rc = v->ops->get_slot(v, slot, out);
	if (rc > 0 && m->n < RMEMO_N) {
		m->slot[m->n] = slot;
		m->v[m->n++] = *out;
	}
	return rc;
}

/* The first part of nd's name in map c->v through the render's cache,
 * for maps whose ops have a shape: 1 found, 0 not, or an error. */
static int map_get_cached(struct rstate *st, const struct rctx *c, const struct tnode *nd,
			  struct tmpl_value *out)
{
	int rc = 0;
	const struct rcache *e = cache_find(st, c, nd, &rc);
	if (!e)
		return rc;
	if (e->slot == RC_ABSENT)
		return 0;
	return slot_get(c, e->slot, e->memo, out);
}

static int first_part(struct rstate *st, const struct rctx *c, const struct tnode *nd,
		      struct tmpl_value *tmp, const struct tmpl_value **pv);

/* The first part of nd's name from frame c, an element of a planned run,
 * through the run's entry k for nd: in the element through the plan (a
 * value read once per element, kept in r->row), else outside the list,
 * looked up once per run. 1 found with *pv at the value (in the run, or
 * *tmp), 0 not, or an error. */
__attribute__((noinline)) static int run_part(struct rstate *st, const struct rctx *c,
						struct rrun *r, uint32_t k, const struct tnode *nd,
						struct tmpl_value *tmp,
						const struct tmpl_value **pv)
{
	struct rplan *p = &r->e[k];
	int rc;
	if (r->have >> k & 1) {
		*pv = &r->row[k];
		return 1;
	}
	if (c->shape) { /* the run's shape: render_list keeps them equal */
		unsigned char state = r->state[k];
		if (state == RP_UNKNOWN) {
			/* Found once per shape of the run (run_switch keeps
			 * the shapes' plans): the render's cache would not
			 * save a find, which costs about what it does. */
			uintptr_t slot = RC_ABSENT;
			if ((rc = c->v.ops->find(&c->v, nd->name, nd->plen, nd->hash, &slot)) < 0)
				return rc;
			state = rc == 0 ? RP_ABSENT : rc == 2 ? RP_MEMO : RP_SLOT;
			r->state[k] = state;
			r->slot[k] = rc ? slot : RC_ABSENT;
			if (state == RP_SLOT && c->v.ops->get_slots)
				r->plain |= UINT32_C(1) << k;
		}
		if (state != RP_ABSENT) {
			/* Memo values go through the frame's memo too: a tag of
			 * a partial that names the same member shares it. */
			rc = slot_get(c, r->slot[k], state == RP_MEMO, &r->row[k]);
			if (rc > 0) {
				r->have |= UINT32_C(1) << k;
				*pv = &r->row[k];
			}
			return rc;
		}
	} else if (c->v.kind == TMPL_MAP && (rc = map_get_first(&c->v, nd, tmp)) != 0) {
		*pv = tmp;
		return rc;
	}
	if (!p->outer_known) {
		const struct tmpl_value *ov = NULL;
		if ((rc = first_part(st, c->up, nd, &p->outer, &ov)) < 0)
			return rc;
		if (!rc)
			p->outer = tmpl_null();
		else if (ov != &p->outer)
			p->outer = *ov;
		p->outer_found = rc;
		p->outer_known = true;
	}
	*pv = &p->outer;
	return p->outer_found;
}

/* Entry k of run r for tag nd, answered by the first claimed entry whose
 * tag has nd's first part (its own when none has). */
__attribute__((always_inline)) static inline void run_claim(struct rrun *r, uint32_t k,
								const struct tnode *nd)
{
	r->owner[k] = nd;
	r->same[k] = (unsigned char)k;
	for (uint32_t j = 0; j < r->n; j++) {
		const struct tnode *t = r->owner[j];
		if (j != k && t && r->same[j] == j && t->plen == nd->plen &&
		    t->hash == nd->hash && !memcmp(t->name, nd->name, nd->plen)) {
			r->same[k] = (unsigned char)j;
			break;
		}
	}
}

/* The first part of nd's name through the context stack from c: 1 found
 * with *pv at the value (in a run's caches, or *tmp), 0 not, or an
 * error. */
static int first_part(struct rstate *st, const struct rctx *c, const struct tnode *nd,
		      struct tmpl_value *tmp, const struct tmpl_value **pv)
{
	int rc;
	for (; c; c = c->up) {
		struct rrun *r = c->run;
		uint32_t k;
		if (r && (k = nd->tid - r->base) < r->n) {
			if (!r->owner[k])
				run_claim(r, k, nd);
			if (r->owner[k] == nd)
				return run_part(st, c, r, r->same[k], nd, tmp, pv);
		}
		/* The cache pays where a tag is read again against maps of one
		 * shape: in a list's elements, in a section's frame (whose
		 * computed values it remembers). A page's own frames outside
		 * any list are read once per tag: straight from the map. */
		if (c->shape && (st->lists || c->memo))
			rc = map_get_cached(st, c, nd, tmp);
		else if (c->v.kind == TMPL_MAP)
			rc = map_get_first(&c->v, nd, tmp);
		else
			continue;
		if (rc) {
			*pv = tmp;
			return rc;
		}
	}
	return 0;
}

static const struct tmpl_value null_value = {.kind = TMPL_NULL};

/* Resolve a (dotted) name: the first part through the context stack, the
 * rest inside what it found, where a number indexes a list ("items.0").
 * *pv points at the value (null for missing and for null alike): at *tmp,
 * or at a value of the render that does not change while the current
 * element of every enclosing section stays (the caller uses it at once).
 * 0 or an error. */
static int lookup_slow(struct rstate *st, const struct rctx *c, const struct tnode *nd,
		       struct tmpl_value *tmp, const struct tmpl_value **pv)
{
	const char *name = nd->name;
	uint32_t nparts = nd->nparts;
	int rc;
	if (nparts == 0) {
		*pv = c ? &c->v : &null_value;
		return 0;
	}
	*pv = &null_value;
	if ((rc = first_part(st, c ? c->look : NULL, nd, tmp, pv)) <= 0) {
		*pv = &null_value;
		return rc;
	}
	for (uint32_t i = 1; i < nparts && (*pv)->kind != TMPL_NULL; i++) {
		struct tmpl_value v = **pv;
		name += strlen(name) + 1;
		*pv = tmp;
		if (v.kind == TMPL_LIST)
			rc = list_part(&v, name, tmp); /* 0: found or null */
		else if (v.kind == TMPL_MAP)
			rc = map_get(&v, name, tmp);
		else
			rc = 0;
		if (rc < 0)
			return rc;
		if (rc == 0 && v.kind != TMPL_LIST)
			*tmp = tmpl_null();
	}
	return 0;
}

/* Run entry k (after same[]) of nd's tag (a single name that owns the
 * entry) from frame f, an element of run r, whose value is not read yet:
 * the common cases (a slot of the shape, a known value outside the list)
 * in line, else run_part, what lookup_slow would come to. */
static inline int run_entry(struct rstate *st, const struct rctx *f, struct rrun *r, uint32_t k,
			    const struct tnode *nd,
			    struct tmpl_value *tmp, const struct tmpl_value **pv)
{
	switch (r->state[k]) { /* f->shape is r->shape: render_list */
	case RP_SLOT:
	case RP_MEMO: {
		/* A computed value (RP_MEMO) too: row[k] holds it for the
		 * element however many tags name it. */
		int rc = f->v.ops->get_slot(&f->v, r->slot[k], &r->row[k]);
		if (rc > 0) {
			r->have |= UINT32_C(1) << k;
			*pv = &r->row[k];
			return 0;
		}
		if (rc < 0)
			return rc;
		break;
	}
	case RP_ABSENT:
		if (r->e[k].outer_known) {
			/* the same for every element of the shape: kept */
			r->row[k] = r->e[k].outer;
			r->have |= UINT32_C(1) << k;
			r->keep |= UINT32_C(1) << k;
			*pv = &r->row[k];
			return 0;
		}
		break;
	}
	/* what lookup_slow would find, through the frames to f and f's run
	 * (nd, a single name, owns entry k: the caller's test) */
	int rc = run_part(st, f, r, k, nd, tmp, pv);
	if (rc <= 0)
		*pv = &null_value;
	return rc < 0 ? rc : 0;
}

/* lookup_slow, with the common cases of a planned run first, in line: a
 * single name whose place in the element's shape is known, or whose value
 * outside the list is. c is never NULL (the render's bottom frame is a
 * null one). */
static inline int lookup(struct rstate *st, const struct rctx *c, const struct tnode *nd,
			 struct tmpl_value *tmp, const struct tmpl_value **pv)
{
	struct rrun *r = c->lrun;
	uint32_t k;
	if (r && (k = nd->tid - r->base) < r->n && r->owner[k] == nd) {
		k = r->same[k]; /* (dotted names have TID_NONE) */
		if (r->have >> k & 1) {
			*pv = &r->row[k];
			return 0;
		}
		return run_entry(st, c->look, r, k, nd, tmp, pv);
	}
	return lookup_slow(st, c, nd, tmp, pv);
}

/* The spec's "!!data": false for null, false, 0, NaN, "" and []. */
static bool truthy_any(const struct tmpl_value *v)
{
	switch (v->kind) {
	case TMPL_NULL: return false;
	case TMPL_BOOL: return v->b;
	case TMPL_INT: return v->i != 0;
	case TMPL_UINT: return v->u != 0;
	case TMPL_DOUBLE: return v->d != 0 && !isnan(v->d);
	case TMPL_STR: return v->s.n > 0;
	case TMPL_LIST: return list_len(v) > 0;
	case TMPL_MAP: return true;
	}
	return false;
}

/* truthy_any, a flag (the usual section: {{#selected}}) in line. */
static inline bool truthy(const struct tmpl_value *v)
{
	return v->kind == TMPL_BOOL ? v->b : truthy_any(v);
}

/* {{x}} of any value: the core's HTML escaper, within the output limit. */
__attribute__((noinline)) static int put_html_any(struct rstate *st, const char *p, size_t n)
{
	struct buf *b = st->out;
	/* room for the longest escape (6 bytes a byte): one pass, in place */
	if (n < st->room / 8 && b->n + 6 * n < st->room) {
		b->n += buf_html_escape(b->p + b->n, p, n);
		return 0;
	}
	size_t e = buf_html_len(p, n);
	if (e == n) /* nothing to escape: the bytes as they are */
		return put(st, p, n);
	if (st->out->n + e > st->limit)
		return TMPL_ELIMIT;
	int rc = buf_append_html(st->out, p, n) < 0 ? TMPL_ENOMEM : 0;
	set_room(st);
	return rc;
}

/* {{x}}: the core's HTML escaper, within the output limit; a short value
 * with nothing to escape (most names, numbers as text, dates) is tested
 * and copied in line. */
static inline int put_html(struct rstate *st, const char *p, size_t n)
{
	struct buf *b = st->out;
	if (n - 8 <= 32 - 8 && b->n + n < st->room && buf_html_plain_short(p, n)) {
		copy_short(b->p + b->n, p, n);
		b->n += n;
		return 0;
	}
	return put_html_any(st, p, n);
}


/* A double in the shortest "%.15g"/"%.17g" form that reads back as the same
 * value (1.21 -> "1.21", 0.1 + 0.2 -> "0.30000000000000004", 1e21 ->
 * "1e+21"). Prices and scores take a fast path printing m / 10^k for the
 * smallest k (at most 6) that is exact: it gives what "%.15g" would, since
 * any decimal of 15 significant digits or fewer survives a round trip, and
 * 1e-4 <= |d| < 1e15 keeps "%g" away from exponents. -0 prints as "0".
 * Returns the length. */
static size_t format_double(char *out, size_t size, double d)
{
	static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
	double a = fabs(d);

	if (d == 0) { /* -0 too */
		memcpy(out, "0", 2);
		return 1;
	}
	if (a >= 1e-4 && a < 1e15) {
		for (int k = 0; k < 7; k++) {
			double s = a * p10[k];
			if (s >= 1e15)
				break;
			int64_t m = (int64_t)(s + 0.5);
			if ((double)m / p10[k] != a)
				continue;
			char digits[20];
			int nd = (int)text_put_u64(digits, (uint64_t)m);
			size_t n = 0;
			if (d < 0)
				out[n++] = '-';
			if (nd <= k) { /* 0.00xyz */
				out[n++] = '0';
				out[n++] = '.';
				for (int z = nd; z < k; z++)
					out[n++] = '0';
				memcpy(out + n, digits, (size_t)nd);
				n += (size_t)nd;
			} else {
				memcpy(out + n, digits, (size_t)(nd - k));
				n += (size_t)(nd - k);
				if (k) {
					out[n++] = '.';
					memcpy(out + n, digits + nd - k, (size_t)k);
					n += (size_t)k;
				}
			}
			out[n] = '\0';
			return n;
		}
	}
	int k = snprintf(out, size, "%.15g", d);
	if (strtod(out, NULL) != d)
		k = snprintf(out, size, "%.17g", d);
	return (size_t)k;
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
				  "25262728293031323334353637383940414243444546474849"
				  "50515253545556575859606162636465666768697071727374"
				  "75767778798081828384858687888990919293949596979899";

/* The digits of s (< 10000) at d, which has room for 4; their number. */
static inline size_t put_small(char *d, uint32_t s)
{
	if (s < 10) {
		d[0] = (char)('0' + s);
		return 1;
	}
	if (s < 100) {
		memcpy(d, digit_pairs + 2 * s, 2);
		return 2;
	}
	if (s < 1000) {
		d[0] = (char)('0' + s / 100);
		memcpy(d + 1, digit_pairs + 2 * (s % 100), 2);
		return 3;
	}
	memcpy(d, digit_pairs + 2 * (s / 100), 2);
	memcpy(d + 2, digit_pairs + 2 * (s % 100), 2);
	return 4;
}

/* An integer's digits, two at a time from the end; 0 to 9999 (counts,
 * scores, small ids: most of a page's numbers) straight into the buffer. */
static inline int put_int(struct rstate *st, int64_t i)
{
	struct buf *b = st->out;
	if ((uint64_t)i < 10000 && b->n + 4 < st->room) {
		b->n += put_small(b->p + b->n, (uint32_t)i);
		return 0;
	}
	/* The digits end at tmp + 21 (at most 20 characters before it), and
	 * the fixed-size move below reads 21 bytes from where they begin:
	 * up to tmp + 41. */
	char tmp[48];
	uint64_t u = i < 0 ? -(uint64_t)i : (uint64_t)i;
	char *q = tmp + 21;
	while (u >= 100) {
		q -= 2;
		memcpy(q, digit_pairs + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		q -= 2;
		memcpy(q, digit_pairs + 2 * u, 2);
	} else {
		*--q = (char)('0' + u);
	}
	if (i < 0)
		*--q = '-';
	size_t n = (size_t)(tmp + 21 - q);
	if (b->n + 21 < st->room) { /* a fixed-size move, q + 21 <= tmp + 41 */
		memcpy(b->p + b->n, q, 21);
		b->n += n;
		return 0;
	}
	return put(st, q, n);
}

/* A value as text: integers and strings, the common ones, tested first.
 * In line in the walk (render_nodes), whatever the compiler's budget. */
__attribute__((always_inline)) static inline int put_value(struct rstate *st, const struct tmpl_value *v, bool escape)
{
	char tmp[40];
	size_t n = 0;

	if (v->kind == TMPL_INT)
		return put_int(st, v->i);
	if (v->kind == TMPL_STR) /* numbers and booleans need no escaping; strings do */
		return escape ? put_html(st, v->s.p, v->s.n) : put(st, v->s.p, v->s.n);
	switch (v->kind) {
	case TMPL_NULL:
	case TMPL_MAP:
	case TMPL_LIST:
	case TMPL_INT:
	case TMPL_STR:
		return 0;
	case TMPL_BOOL:
		return v->b ? put(st, "true", 4) : put(st, "false", 5);
	case TMPL_UINT:
		n = text_put_u64(tmp, v->u);
		break;
	case TMPL_DOUBLE:
		n = format_double(tmp, sizeof tmp, v->d);
		break;
	}
	return put(st, tmp, n);
}

static int enter(struct rstate *st)
{
	if (++st->depth > TMPL_MAX_DEPTH)
		return TMPL_EDEPTH;
	if (++st->steps > TMPL_MAX_STEPS)
		return TMPL_ELIMIT;
	return 0;
}

/* Expand body (a partial, a parent, a block's content); a standalone site
 * indents every line of it by ind/ind_n more. */
static int render_sub(struct rstate *st, const struct tnodes *body, bool site,
		      const char *ind, size_t ind_n, const struct rctx *c, const struct rovr *o)
{
	size_t saved = st->ind_n;
	int rc;

	if ((rc = enter(st)) < 0)
		return rc;
	if (site) {
		if (ind_n && (rc = ind_push(st, ind, ind_n)) < 0)
			return rc;
		if (body->lead && st->ind_n && (rc = put(st, st->ind, st->ind_n)) < 0)
			return rc;
	}
	rc = render_nodes(st, body, c, o);
	st->ind_n = saved;
	text_room(st);
	st->depth--;
	return rc;
}

/* The argument for block blk from the outermost enclosing parent that
 * passes one, or NULL. */
static const struct tnode *find_arg(const struct rovr *o, const struct tnode *blk)
{
	const struct tnode *found = NULL;
	for (; o; o = o->up) {
		const struct tnodes *args = &o->parent->body;
		for (uint32_t j = 0; j < args->n; j++) {
			const struct tnode *a = &args->v[j];
			if (a->hash == blk->hash && strcmp(a->name, blk->name) == 0) {
				found = a;
				break;
			}
		}
	}
	return found;
}

static int render_section(struct rstate *st, const struct tnode *nd, const struct tmpl_value *pv,
			  const struct rctx *c, const struct rovr *o);

/* put_value out of line: a row program's values other than short
 * integers and plain short strings. */
__attribute__((noinline)) static int put_value_call(struct rstate *st, const struct tmpl_value *v,
						     bool escape)
{
	return put_value(st, v, escape);
}

/* Append body l's nodes to pb's program (struct rstep), claiming the
 * entries of pb's run for their tags, with room left for `reserve` more
 * steps (the OP_ENDs of the bodies l is in, and OP_RET). false when they
 * do not fit in PROG_MAX steps. */
static bool prog_compile(struct pbuild *pb, const struct tnodes *l, uint32_t reserve)
{
	struct rrun *r = pb->r;
	for (uint32_t j = 0; j < l->n; j++) {
		const struct tnode *nd = &l->v[j];
		/* at most three steps for a node: long text, the tag, OP_END
		 * (a section's body checks its own) */
		if (pb->n + 3 + reserve > PROG_MAX || nd->len > UINT32_MAX)
			return false;
		struct rstep *s = &pb->step[pb->n++];
		*s = (struct rstep){.nd = nd, .n = 1, .str = nd->str, .len = (uint32_t)nd->len};
		switch ((enum tnode_kind)nd->kind) {
		case TN_TEXT:
			s->op = nd->len <= TEXT_SHORT ? OP_TEXT
				: nd->len <= TMPL_SRC_PAD ? OP_TEXT_MID : OP_TEXT_LONG;
			continue;
		case TN_INDENT:
			s->op = OP_INDENT;
			continue;
		case TN_PARTIAL:
		case TN_PARENT:
		case TN_BLOCK:
			s->op = OP_NODE;
			continue;
		case TN_SECTION:
			if (!nd->bare) { /* a frame of its own: the walk's */
				s->op = OP_NODE;
				s->n = (unsigned char)(1 + nd->pair);
				j += nd->pair;
				continue;
			}
			s->op = OP_IF;
			break;
		case TN_INVERTED:
			s->op = OP_IFNOT;
			break;
		case TN_VAR:
			s->op = OP_ESC;
			break;
		case TN_RAW:
			s->op = OP_RAW;
			break;
		}
		/* A tag: the text before it, a step of its own when long. */
		if (nd->len > TEXT_SHORT) {
			unsigned char op = s->op;
			s->op = nd->len <= TMPL_SRC_PAD ? OP_TEXT_MID : OP_TEXT_LONG;
			s = &pb->step[pb->n++];
			*s = (struct rstep){.op = op, .nd = nd, .n = 1};
		}
		/* Its run entry, claimed now so that a partial's tag of the
		 * same number, met first, does not take it. */
		uint32_t k = nd->tid - r->base;
		if (k < r->n && !r->owner[k])
			run_claim(r, k, nd);
		if (k < r->n && r->owner[k] == nd) {
			s->k = r->same[k];
			s->op = (unsigned char)(s->op - OP_ESC + OP_ESC_K);
		}
		bool body = s->op == OP_IF || s->op == OP_IFNOT || s->op == OP_IF_K ||
			    s->op == OP_IFNOT_K;
		if (s->len)
			s->op = (unsigned char)(s->op + OP_TAGS);
		if (body) {
			size_t at = (size_t)(s - pb->step);
			if (!prog_compile(pb, &nd->body, reserve + 1))
				return false;
			pb->step[pb->n++] = (struct rstep){.op = OP_END, .nd = nd};
			pb->step[at].jump = pb->n;
		}
	}
	return true;
}

/* Run r's program for element frame c (its run r): what render_nodes
 * would append for the section's body, step after step. Each step's code
 * jumps straight to the next step's (its op indexes a table of labels: no
 * loop test, no switch), and each tag has two entries, with and without
 * the text before it, so neither is tested at run time. The output's
 * length and room are kept in locals (the buffer's bytes may alias
 * anything, so the struct's would be read again after every store),
 * written back (SYNC) before any call that appends and read again (LOAD)
 * after it; literal text, a read entry, a short integer and a short
 * string with nothing to escape go out in line. */
static int prog_run(struct rstate *st, struct rrun *r, const struct rctx *c, const struct rovr *o)
{
	static const void *const label[OP_COUNT] = {
		[OP_TEXT] = &&text,
		[OP_TEXT_MID] = &&text_mid,
		[OP_TEXT_LONG] = &&text_long,
		[OP_INDENT] = &&indent,
		[OP_END] = &&end,
		[OP_NODE] = &&node,
		[OP_RET] = &&ret,
		[OP_ESC_K] = &&esc_k,
		[OP_RAW_K] = &&raw_k,
		[OP_IF_K] = &&if_k,
		[OP_IFNOT_K] = &&ifnot_k,
		[OP_ESC] = &&esc_l,
		[OP_RAW] = &&raw_l,
		[OP_IF] = &&if_l,
		[OP_IFNOT] = &&ifnot_l,
		[OP_ESC_K + OP_TAGS] = &&esc_k_t,
		[OP_RAW_K + OP_TAGS] = &&raw_k_t,
		[OP_IF_K + OP_TAGS] = &&if_k_t,
		[OP_IFNOT_K + OP_TAGS] = &&ifnot_k_t,
		[OP_ESC + OP_TAGS] = &&esc_l_t,
		[OP_RAW + OP_TAGS] = &&raw_l_t,
		[OP_IF + OP_TAGS] = &&if_l_t,
		[OP_IFNOT + OP_TAGS] = &&ifnot_l_t,
	};
	const struct rstep *s = r->prog;
	struct buf *b = st->out;
	char *p;
	size_t n, room, troom;
	uint32_t have;
	int rc;
	struct tmpl_value tmp;
	const struct tmpl_value *v;
	const void *then; /* where a value read the long way goes on */
#define SYNC() (b->n = n)
#define LOAD() (p = b->p, n = b->n, room = st->room, troom = st->troom, have = r->have)
#define NEXT() goto *label[s->op]
/* Text of at most TEXT_SHORT bytes: one fixed-size move (put_text's) */
#define TEXT()                                                                  \
	do {                                                                    \
		if (n + s->len < troom) {                                       \
			memcpy(p + n, s->str, TEXT_SHORT);                      \
			n += s->len;                                            \
		} else {                                                        \
			SYNC();                                                 \
			if ((rc = put_text(st, s->str, s->len)) < 0)            \
				return rc;                                      \
			LOAD();                                                 \
		}                                                               \
	} while (0)
/* v: run entry k's value, read with the element's row or now, then on
 * to the step's use of it */
#define READ_K(use)                                  \
	do {                                         \
		if (have >> s->k & 1) {              \
			v = &r->row[s->k];           \
			goto use;                    \
		}                                    \
		then = &&use;                        \
		goto read_k;                         \
	} while (0)
#define READ(use)                  \
	do {                       \
		then = &&use;      \
		goto read_name;    \
	} while (0)

	LOAD();
	NEXT();
text:
	TEXT();
	s++;
	NEXT();
text_mid:
	if (n + s->len < troom) {
		memcpy(p + n, s->str, TMPL_SRC_PAD);
		n += s->len;
		s++;
		NEXT();
	}
text_long:
	SYNC();
	if ((rc = put_text(st, s->str, s->len)) < 0)
		return rc;
	LOAD();
	s++;
	NEXT();
indent:
	SYNC();
	if (st->ind_n && (rc = put(st, st->ind, st->ind_n)) < 0)
		return rc;
	LOAD();
	s++;
	NEXT();
end:
	st->depth--;
	s++;
	NEXT();
node: {
	struct tnodes one = {.v = (struct tnode *)s->nd, .n = s->n};
	SYNC();
	if ((rc = render_nodes(st, &one, c, o)) < 0)
		return rc;
	LOAD();
	s++;
	NEXT();
}
esc_k_t:
	TEXT();
esc_k:
	READ_K(esc);
esc_l_t:
	TEXT();
esc_l:
	READ(esc);
raw_k_t:
	TEXT();
raw_k:
	READ_K(raw);
raw_l_t:
	TEXT();
raw_l:
	READ(raw);
if_k_t:
	TEXT();
if_k:
	READ_K(if_);
if_l_t:
	TEXT();
if_l:
	READ(if_);
ifnot_k_t:
	TEXT();
ifnot_k:
	READ_K(ifnot);
ifnot_l_t:
	TEXT();
ifnot_l:
	READ(ifnot);

read_k: /* run entry k, not read yet for this element */
	SYNC();
	rc = run_entry(st, c, r, s->k, s->nd, &tmp, &v);
	goto read_done;
read_name: /* a name the run does not plan */
	SYNC();
	rc = lookup(st, c, s->nd, &tmp, &v);
read_done:
	if (rc < 0)
		return rc;
	LOAD();
	goto *then;

esc:
	if (v->kind == TMPL_INT && (uint64_t)v->i < 10000 && n + 4 < room) {
		n += put_small(p + n, (uint32_t)v->i);
	} else if (v->kind == TMPL_STR) {
		size_t vn = v->s.n;
		if (vn - 8 <= 32 - 8 && n + vn < room && buf_html_plain_short(v->s.p, vn)) {
			copy_short(p + n, v->s.p, vn);
			n += vn;
		} else {
			SYNC();
			if ((rc = put_html_any(st, v->s.p, vn)) < 0)
				return rc;
			LOAD();
		}
	} else {
		SYNC();
		if ((rc = put_value_call(st, v, true)) < 0)
			return rc;
		LOAD();
	}
	s++;
	NEXT();
raw:
	if (v->kind == TMPL_INT && (uint64_t)v->i < 10000 && n + 4 < room) {
		n += put_small(p + n, (uint32_t)v->i);
	} else {
		SYNC();
		if ((rc = put_value_call(st, v, false)) < 0)
			return rc;
		LOAD();
	}
	s++;
	NEXT();
if_:
	if (!truthy(v)) {
		s = r->prog + s->jump;
		NEXT();
	}
	if ((rc = enter(st)) < 0) {
		SYNC();
		return rc;
	}
	if (v->kind == TMPL_LIST || v->kind == TMPL_MAP) {
		SYNC();
		if ((rc = render_section(st, s->nd, v, c, o)) < 0)
			return rc;
		LOAD();
		s = r->prog + s->jump;
		NEXT();
	}
	s++;
	NEXT();
ifnot:
	if (truthy(v)) {
		s = r->prog + s->jump;
		NEXT();
	}
	if ((rc = enter(st)) < 0) {
		SYNC();
		return rc;
	}
	s++;
	NEXT();
ret:
	SYNC();
	return 0;
#undef SYNC
#undef LOAD
#undef NEXT
#undef TEXT
#undef READ_K
#undef READ
}

/* Make r's plan the one for elements of shape: the current one saved
 * (when it is a shape's), and shape's taken back when r has planned it
 * before, else a fresh one. */
static void run_switch(struct rrun *r, const void *shape)
{
	struct rsaved *sv;
	unsigned i;
	if (r->shape) {
		for (i = 0; i < r->nsaved && r->saved[i].shape != r->shape; i++)
			;
		if (i == r->nsaved) { /* a new one, or the oldest replaced */
			if (r->nsaved < RUN_SAVED)
				r->nsaved++;
			i = r->next_save;
			r->next_save = (r->next_save + 1) % RUN_SAVED;
		}
		sv = &r->saved[i];
		sv->shape = r->shape;
		sv->plain = r->plain;
		sv->keep = r->keep;
		memcpy(sv->state, r->state, r->n);
		memcpy(sv->slot, r->slot, r->n * sizeof r->slot[0]);
	}
	r->shape = shape;
	for (i = 0; shape && i < r->nsaved; i++) {
		sv = &r->saved[i];
		if (sv->shape != shape)
			continue;
		r->plain = sv->plain;
		r->keep = sv->keep;
		memcpy(r->state, sv->state, r->n);
		memcpy(r->slot, sv->slot, r->n * sizeof r->slot[0]);
		/* kept entries hold their value outside the list again (an
		 * element of another shape may have read its own into row[]) */
		for (uint32_t w = r->keep; w; w &= w - 1) {
			unsigned k = (unsigned)__builtin_ctz(w);
			r->row[k] = r->e[k].outer;
		}
		return;
	}
	memset(r->state, RP_UNKNOWN, r->n);
	r->plain = 0;
	r->keep = 0;
}

/* Section nd over list v: the body once per element, the elements sharing
 * run r's plan (NULL: none), reset whenever an element's shape differs
 * from the previous one's; through r's program when it has one. */
static int render_list(struct rstate *st, const struct tnode *nd, const struct tmpl_value *v,
		       size_t len, const struct rctx *c, const struct rovr *o, struct rrun *r)
{
	int rc = 0;
	struct rmemo memo;
	struct rctx sub = {.up = c, .memo = &memo, .run = r}; /* v, shape, look,
								 lrun: per element */
	st->lists++;
	for (size_t i = 0; i < len; i++) {
		memo.n = 0;
		if (i && ++st->steps > TMPL_MAX_STEPS) {
			rc = TMPL_ELIMIT;
			goto out;
		}
		if ((rc = v->ops->at(v, i, &sub.v)) < 0)
			goto out;
		frame_shape(&sub);
		if (r) {
			if (sub.shape != r->shape)
				run_switch(r, sub.shape);
			r->have = r->keep;
			if (r->plain && sub.v.ops->get_slots)
				/* The element's stored members its body names, in one
				 * call (an earlier element of the shape found them). */
				r->have |= sub.v.ops->get_slots(&sub.v, r->slot, r->plain, r->row);
			if (r->nprog) {
				if ((rc = prog_run(st, r, &sub, o)) < 0)
					goto out;
				continue;
			}
		}
		if ((rc = render_nodes(st, &nd->body, &sub, o)) < 0)
			goto out;
	}
out:
	st->lists--;
	return rc < 0 ? rc : 0;
}

/* Test hook (tmpl_priv.h): row programs off, the general walk only. */
bool tmpl_row_programs_off;

/* render_list with a plan of the body's tags. Not in line: the plan (some
 * 4 KB) is on the stack only for lists that have one, and at most
 * RUN_NEST of them at once. */
__attribute__((noinline)) static int render_planned(struct rstate *st, const struct tnode *nd,
						     const struct tmpl_value *v, size_t len,
						     const struct rctx *c, const struct rovr *o)
{
	struct rrun run;
	uint32_t n = nd->tid_end - nd->tid_begin;
	run.base = nd->tid_begin;
	run.n = n < RUN_MAX ? n : RUN_MAX;
	run.shape = NULL;
	run.plain = 0;
	run.keep = 0;
	run.nsaved = 0;
	run.next_save = 0;
	memset(run.state, RP_UNKNOWN, run.n);
	const struct tprog *tp = nd->prog;
	if (tp) { /* the compiler's claims (tp->n is run.n) */
		memcpy(run.owner, tp->owner, run.n * sizeof run.owner[0]);
		memcpy(run.same, tp->same, run.n);
	} else {
		for (uint32_t k = 0; k < run.n; k++)
			run.owner[k] = NULL;
	}
	for (uint32_t k = 0; k < run.n; k++)
		run.e[k].outer_known = false;
	run.nprog = 0;
	run.prog = NULL;
	/* A program pays where the run's plan answers most tags: over maps
	 * with a shape (a model's objects). Over json-c objects every name is
	 * looked up anyway, and the walk costs less. */
	struct tmpl_value first;
	if (tp && !tmpl_row_programs_off && v->ops->at(v, 0, &first) >= 0 &&
	    first.kind == TMPL_MAP && first.ops && first.ops->shape && first.ops->shape(&first)) {
		run.prog = tp->step;
		run.nprog = tp->nstep;
	}
	st->runs++;
	int rc = render_list(st, nd, v, len, c, o, &run);
	st->runs--;
	return rc;
}

/* Section nd over *pv (truthy, not a bare one's scalar: render_nodes
 * walks those itself) once enter()ed: the body over a list's elements or
 * in a frame of the value's own. Leaves the depth as it found it. */
static int render_section(struct rstate *st, const struct tnode *nd, const struct tmpl_value *pv,
			  const struct rctx *c, const struct rovr *o)
{
	struct tmpl_value v = *pv;
	int rc;
	if (v.kind == TMPL_LIST) {
		size_t len = list_len(&v);
		rc = len > 1 && nd->tid_end > nd->tid_begin && st->runs < RUN_NEST
			? render_planned(st, nd, &v, len, c, o)
			: render_list(st, nd, &v, len, c, o, NULL);
		if (rc < 0)
			return rc;
	} else {
		struct rmemo memo;
		memo.n = 0;
		struct rctx sub = {.v = v, .up = c, .memo = &memo};
		frame_shape(&sub);
		if ((rc = render_nodes(st, &nd->body, &sub, o)) < 0)
			return rc;
	}
	st->depth--;
	return 0;
}

/* Bodies render_nodes walks in the same call (inverted sections, bare
 * sections over scalars: the same frame), at most this many at once;
 * deeper ones recurse. */
#define WALK_NEST 8

static int render_nodes(struct rstate *st, const struct tnodes *l, const struct rctx *c,
			const struct rovr *o)
{
	int rc;
	const struct tnode *nd = l->v, *end = nd + l->n;
	const struct tnode *resume[WALK_NEST], *resume_end[WALK_NEST];
	unsigned sp = 0;

	for (;; nd++) {
		const struct tmpl *t;
		struct tmpl_value tmp;
		const struct tmpl_value *v;

	next:
		while (nd == end) { /* the end of a body: back to its section's */
			if (!sp)
				return 0;
			sp--;
			nd = resume[sp] + 1;
			end = resume_end[sp];
			st->depth--;
		}
		switch ((enum tnode_kind)nd->kind) {
		case TN_TEXT:
			if ((rc = put_text(st, nd->str, nd->len)) < 0)
				return rc;
			break;
		case TN_INDENT:
			if (st->ind_n && (rc = put(st, st->ind, st->ind_n)) < 0)
				return rc;
			break;
		case TN_VAR:
		case TN_RAW:
			if (nd->len && (rc = put_text(st, nd->str, nd->len)) < 0)
				return rc;
			if ((rc = lookup(st, c, nd, &tmp, &v)) < 0 ||
			    (rc = put_value(st, v, nd->kind == TN_VAR)) < 0)
				return rc;
			break;
		case TN_SECTION:
		case TN_INVERTED:
			if (nd->len && (rc = put_text(st, nd->str, nd->len)) < 0)
				return rc;
			if ((rc = lookup(st, c, nd, &tmp, &v)) < 0)
				return rc;
			if (truthy(v) != (nd->kind == TN_SECTION)) {
				if (!nd->pair)
					break; /* nothing to render */
				/* A falsey section's inverted twin, which would
				 * read the same value: its body. */
				nd++;
			}
			/* From here nd->pair: a truthy section whose twin
			 * renders nothing and is stepped over. */
			if ((rc = enter(st)) < 0)
				return rc;
			if (nd->kind == TN_SECTION &&
			    (!nd->bare || v->kind == TMPL_LIST || v->kind == TMPL_MAP)) {
				if ((rc = render_section(st, nd, v, c, o)) < 0)
					return rc;
				nd += nd->pair;
				break;
			}
			/* The body in this frame: an inverted section's, or a
			 * bare section's over a scalar, whose frame holds no
			 * names and which reads no "." (see struct tnode). */
			if (sp == WALK_NEST || !nd->body.n) { /* (an empty body may have no array) */
				if (nd->body.n && (rc = render_nodes(st, &nd->body, c, o)) < 0)
					return rc;
				st->depth--;
				nd += nd->pair;
				break;
			}
			resume[sp] = nd + nd->pair; /* (the loop's nd++ goes on after it) */
			resume_end[sp] = end;
			sp++;
			end = nd->body.v + nd->body.n;
			nd = nd->body.v;
			goto next; /* the body's first node, without the loop's nd++ */
		case TN_PARTIAL:
			if ((t = tmpl_find(st->set, nd->name, nd->hash)) &&
			    (rc = render_sub(st, &t->root, nd->site, nd->str, nd->len, c, o)) < 0)
				return rc;
			break;
		case TN_PARENT:
			if ((t = tmpl_find(st->set, nd->name, nd->hash))) {
				struct rovr sub = {nd, o};
				if ((rc = render_sub(st, &t->root, nd->site, nd->str, nd->len, c,
						     &sub)) < 0)
					return rc;
			}
			break;
		case TN_BLOCK: {
			const struct tnode *arg = find_arg(o, nd);
			if (arg)
				rc = render_sub(st, &arg->body, nd->site, nd->str, nd->len, c, o);
			else
				rc = render_sub(st, &nd->body, false, NULL, 0, c, o);
			if (rc < 0)
				return rc;
			break;
		}
		default:
			__builtin_unreachable();
		}
	}
}

/* The program of section nd (numbered tags in its body) into nd->prog,
 * or NULL when its body is too long for one. 0 or TMPL_ENOMEM. */
static int plan_section(struct tnode *nd, struct pbuild *pb)
{
	struct rrun *r = pb->r;
	uint32_t n = nd->tid_end - nd->tid_begin;
	r->base = nd->tid_begin;
	r->n = n < RUN_MAX ? n : RUN_MAX;
	for (uint32_t k = 0; k < r->n; k++)
		r->owner[k] = NULL;
	pb->n = 0;
	if (!prog_compile(pb, &nd->body, 1))
		return 0;
	pb->step[pb->n++] = (struct rstep){.op = OP_RET};
	struct tprog *tp = malloc(sizeof *tp + pb->n * sizeof tp->step[0]);
	if (!tp)
		return TMPL_ENOMEM;
	tp->n = r->n;
	tp->nstep = pb->n;
	memcpy(tp->owner, r->owner, sizeof tp->owner);
	memcpy(tp->same, r->same, sizeof tp->same);
	memcpy(tp->step, pb->step, pb->n * sizeof tp->step[0]);
	nd->prog = tp;
	return 0;
}

static int plan_nodes(struct tnodes *l, struct pbuild *pb)
{
	int rc;
	for (uint32_t i = 0; i < l->n; i++) {
		struct tnode *nd = &l->v[i];
		if (nd->kind == TN_SECTION && nd->tid_end > nd->tid_begin &&
		    (rc = plan_section(nd, pb)) < 0)
			return rc;
		if ((rc = plan_nodes(&nd->body, pb)) < 0)
			return rc;
	}
	return 0;
}

int tmpl_plan(struct tnodes *root)
{
	struct pbuild *pb = malloc(sizeof *pb);
	struct rrun *r = malloc(sizeof *r);
	int rc = TMPL_ENOMEM;
	if (pb && r) {
		memset(r, 0, sizeof *r);
		pb->r = r;
		rc = plan_nodes(root, pb);
	}
	free(pb);
	free(r);
	return rc;
}

int tmpl_render_stack(const struct tmpl_set *set, const char *name, const struct tmpl_value *frames,
		      size_t n, struct buf *out)
{
	char local[256];
	struct rcache cache[RC_SIZE]; /* entries valid by st.cache_set */
	struct rstate st = {
		.set = set,
		.cache = cache,
		.out = out,
		.limit = out->n + (size_t)TMPL_MAX_OUTPUT,
		.room = 0, /* set_room below */
		.ind = local,
		.ind_cap = sizeof local,
	};
	const struct tmpl *t = tmpl_find(set, name, tmpl_hash(name, strlen(name)));
	if (!t)
		return TMPL_ENOENT;
	set_room(&st);
	/* The frames as linked stack entries; a null context when n is 0. */
	struct rctx stack[8], *heap = NULL, *f = stack;
	struct rctx nullframe = {.v = tmpl_null()};
	const struct rctx *top = &nullframe;
	if (n > sizeof stack / sizeof stack[0] && !(f = heap = malloc(n * sizeof *heap)))
		return TMPL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		f[i].v = frames[i];
		f[i].up = i ? &f[i - 1] : NULL;
		f[i].memo = NULL;
		f[i].run = NULL;
		frame_shape(&f[i]);
		top = &f[i];
	}
	int rc = render_nodes(&st, &t->root, top, NULL);
	if (out->p && out->n < out->cap)
		out->p[out->n] = '\0'; /* put leaves it off */
	free(heap);
	if (st.ind_heap)
		free(st.ind);
	return rc;
}

int tmpl_render_value(const struct tmpl_set *set, const char *name, const struct tmpl_value *ctx,
		      struct buf *out)
{
	return tmpl_render_stack(set, name, ctx, 1, out);
}

int tmpl_render(const struct tmpl_set *set, const char *name, struct json_object *ctx,
		struct buf *out)
{
	struct tmpl_value v = tmpl_json(ctx);
	return tmpl_render_stack(set, name, &v, 1, out);
}

const char *tmpl_strerror(int err)
{
	switch (err) {
	case TMPL_OK: return "success";
	case TMPL_ENOENT: return "no such template";
	case TMPL_ESYNTAX: return "template syntax error";
	case TMPL_ENOMEM: return "out of memory";
	case TMPL_EDEPTH: return "template nesting too deep";
	case TMPL_ELIMIT: return "template output or work limit exceeded";
	case TMPL_EIO: return "cannot read template";
	}
	return "unknown template error";
}

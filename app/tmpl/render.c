/* render.c — walks a compiled template (tmpl_priv.h) against a context
 * value (tmpl.h's struct tmpl_value; json-c is one kind, read here) and
 * appends the page to a struct buf. All render state lives on
 * the C stack: the context stack and the chain of enclosing parents are
 * linked frames, indentation a small local array. */
#include "tmpl_priv.h"

#include <json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values of a frame's map that its find said are worth remembering
 * (computed ones): read once per frame however many tags name them. */
#define RMEMO_N 4
struct rmemo {
	unsigned n;
	uintptr_t slot[RMEMO_N];
	struct tmpl_value v[RMEMO_N];
};

struct rctx { /* context stack, innermost first */
	struct tmpl_value v;
	const struct rctx *up;
	const void *shape;   /* v's ops->shape, once per frame; NULL: none */
	struct rmemo *memo;  /* this frame's, or NULL */
};

/* The shape of the frame's value (see struct tmpl_ops), asked once when
 * the frame is pushed, not at every lookup through it. */
static inline void frame_shape(struct rctx *f)
{
	f->shape = f->v.kind == TMPL_MAP && f->v.ops && f->v.ops->shape ? f->v.ops->shape(&f->v)
									  : NULL;
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
	struct buf *out;
	size_t limit;   /* out->n may not pass this */
	char *ind;      /* current indentation */
	size_t ind_n, ind_cap;
	bool ind_heap;
	unsigned depth;
	long steps;
};

static int render_nodes(struct rstate *st, const struct tnodes *l, const struct rctx *c,
			const struct rovr *o);

static int put(struct rstate *st, const char *p, size_t n)
{
	struct buf *b = st->out;
	size_t nn = b->n + n;
	if (nn < b->cap && nn <= st->limit) { /* room (and for the NUL): no call;
						 the NUL is written when the render ends */
		memcpy(b->p + b->n, p, n);
		b->n = nn;
		return 0;
	}
	if (nn > st->limit)
		return TMPL_ELIMIT;
	return buf_append(b, p, n) < 0 ? TMPL_ENOMEM : 0;
}

/* Literal text: each line after the first gets the current indentation. */
static int put_text(struct rstate *st, const char *p, size_t n)
{
	if (st->ind_n == 0)
		return put(st, p, n);
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
	return 0;
}

/* ---- json-c as a context value ---- */

static int json_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		    struct tmpl_value *out);
static size_t json_len(const struct tmpl_value *list);
static int json_at(const struct tmpl_value *list, size_t i, struct tmpl_value *out);

static const void *json_shape(const struct tmpl_value *map);
static int json_find(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		     uintptr_t *slot);
static int json_get_slot(const struct tmpl_value *map, uintptr_t slot, struct tmpl_value *out);

static const struct tmpl_ops json_map_ops = {
	.get = json_get, .shape = json_shape, .find = json_find, .get_slot = json_get_slot};
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

/* A json-c object is its own shape (its names are its own); a slot is
 * its table's entry. */
static const void *json_shape(const struct tmpl_value *map)
{
	return map->obj;
}

static int json_find(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		     uintptr_t *slot)
{
	(void)len;
	(void)hash;
	struct lh_table *t = json_object_get_object((struct json_object *)map->obj);
	struct lh_entry *e = lh_table_lookup_entry(t, name);
	if (!e)
		return 0;
	*slot = (uintptr_t)e;
	return 1;
}

static int json_get_slot(const struct tmpl_value *map, uintptr_t slot, struct tmpl_value *out)
{
	(void)map;
	*out = tmpl_json((struct json_object *)lh_entry_v((struct lh_entry *)slot));
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
static int map_get_first(const struct tmpl_value *v, const struct tnode *nd, struct tmpl_value *out)
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

/* Resolve a (dotted) name into *out: the first part through the context
 * stack, the rest inside what it found, where a number indexes a list
 * ("items.0"). Null for missing and for null alike. 0 or an error. */
/* The first part of nd's name in map v through the render's cache, for
 * maps whose ops have a shape: 1 found, 0 not, or an error. */
static int map_get_cached(struct rstate *st, const struct rctx *c, const struct tnode *nd,
			  struct tmpl_value *out)
{
	const struct tmpl_value *v = &c->v;
	const void *shape = c->shape;
	uintptr_t k = (uintptr_t)nd ^ ((uintptr_t)shape << 1);
	struct rcache *e = &st->cache[(uint32_t)((k * 0x9E3779B97F4A7C15u) >> 56) % RC_SIZE];
	if (e->nd != nd || e->shape != shape) {
		uintptr_t slot = RC_ABSENT;
		int rc = v->ops->find(v, nd->name, nd->plen, nd->hash, &slot);
		if (rc < 0)
			return rc;
		*e = (struct rcache){nd, shape, rc ? slot : RC_ABSENT, rc == 2};
	}
	if (e->slot == RC_ABSENT)
		return 0;
	struct rmemo *m = e->memo ? c->memo : NULL;
	if (!m)
		return v->ops->get_slot(v, e->slot, out);
	for (unsigned i = 0; i < m->n; i++)
		if (m->slot[i] == e->slot) {
			*out = m->v[i];
			return 1;
		}
	int rc = v->ops->get_slot(v, e->slot, out);
	if (rc > 0 && m->n < RMEMO_N) {
		m->slot[m->n] = e->slot;
		m->v[m->n++] = *out;
	}
	return rc;
}

static int lookup(struct rstate *st, const struct rctx *c, const struct tnode *nd,
		  struct tmpl_value *out)
{
	const char *name = nd->name;
	uint32_t nparts = nd->nparts;
	int rc = 0;
	*out = tmpl_null();
	if (nparts == 0) {
		if (c)
			*out = c->v;
		return 0;
	}
	for (; c; c = c->up) {
		if (c->shape)
			rc = map_get_cached(st, c, nd, out);
		else if (c->v.kind == TMPL_MAP)
			rc = map_get_first(&c->v, nd, out);
		else
			continue;
		if (rc < 0)
			return rc;
		if (rc)
			break;
	}
	if (!c)
		return 0;
	for (uint32_t i = 1; i < nparts && out->kind != TMPL_NULL; i++) {
		struct tmpl_value v = *out;
		name += strlen(name) + 1;
		*out = tmpl_null();
		if (v.kind == TMPL_LIST)
			rc = list_part(&v, name, out);
		else if (v.kind == TMPL_MAP)
			rc = map_get(&v, name, out);
		else
			return 0;
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The spec's "!!data": false for null, false, 0, NaN, "" and []. */
static bool truthy(const struct tmpl_value *v)
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

/* {{x}}: the core's HTML escaper, within the output limit. */
static int put_html(struct rstate *st, const char *p, size_t n)
{
	size_t e = buf_html_len(p, n);
	if (e == n) /* nothing to escape: the bytes as they are */
		return put(st, p, n);
	if (st->out->n + e > st->limit)
		return TMPL_ELIMIT;
	return buf_append_html(st->out, p, n) < 0 ? TMPL_ENOMEM : 0;
}

/* The decimal digits of v at out (room for 20); returns their count. */
static int format_u64(char *out, uint64_t v)
{
	char tmp[20];
	int n = 0, k = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		out[k++] = tmp[--n];
	return k;
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
			int nd = format_u64(digits, (uint64_t)m);
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

static int put_value(struct rstate *st, const struct tmpl_value *v, bool escape)
{
	char tmp[40];
	size_t n = 0;

	switch (v->kind) {
	case TMPL_NULL:
	case TMPL_MAP:
	case TMPL_LIST:
		return 0;
	case TMPL_BOOL:
		return v->b ? put(st, "true", 4) : put(st, "false", 5);
	case TMPL_INT:
		if (v->i < 0) {
			tmp[0] = '-';
			n = (size_t)format_u64(tmp + 1, -(uint64_t)v->i) + 1;
		} else {
			n = (size_t)format_u64(tmp, (uint64_t)v->i);
		}
		break;
	case TMPL_UINT:
		n = (size_t)format_u64(tmp, v->u);
		break;
	case TMPL_DOUBLE:
		n = format_double(tmp, sizeof tmp, v->d);
		break;
	case TMPL_STR:
		/* numbers and booleans need no escaping; strings do */
		return escape ? put_html(st, v->s.p, v->s.n) : put(st, v->s.p, v->s.n);
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

static int render_section(struct rstate *st, const struct tnode *nd, const struct rctx *c,
			  const struct rovr *o)
{
	struct tmpl_value v;
	int rc = lookup(st, c, nd, &v);

	if (rc < 0 || !truthy(&v))
		return rc;
	if ((rc = enter(st)) < 0)
		return rc;
	if (v.kind == TMPL_LIST) {
		size_t len = list_len(&v);
		for (size_t i = 0; i < len; i++) {
			struct rmemo memo;
			memo.n = 0;
			struct rctx sub = {.up = c, .memo = &memo};
			if (i && ++st->steps > TMPL_MAX_STEPS)
				return TMPL_ELIMIT;
			if ((rc = v.ops->at(&v, i, &sub.v)) < 0)
				return rc;
			frame_shape(&sub);
			if ((rc = render_nodes(st, &nd->body, &sub, o)) < 0)
				return rc;
		}
	} else {
		struct rmemo memo;
		memo.n = 0;
		struct rctx sub = {v, c, NULL, &memo};
		frame_shape(&sub);
		if ((rc = render_nodes(st, &nd->body, &sub, o)) < 0)
			return rc;
	}
	st->depth--;
	return 0;
}

static int render_nodes(struct rstate *st, const struct tnodes *l, const struct rctx *c,
			const struct rovr *o)
{
	int rc = 0;

	for (uint32_t i = 0; i < l->n && rc == 0; i++) {
		const struct tnode *nd = &l->v[i];
		const struct tmpl *t;

		switch (nd->kind) {
		case TN_TEXT:
			rc = put_text(st, nd->str, nd->len);
			break;
		case TN_INDENT:
			if (st->ind_n)
				rc = put(st, st->ind, st->ind_n);
			break;
		case TN_VAR:
		case TN_RAW: {
			struct tmpl_value v;
			if ((rc = lookup(st, c, nd, &v)) == 0)
				rc = put_value(st, &v, nd->kind == TN_VAR);
			break;
		}
		case TN_SECTION:
			rc = render_section(st, nd, c, o);
			break;
		case TN_INVERTED: {
			struct tmpl_value v;
			if ((rc = lookup(st, c, nd, &v)) == 0 && !truthy(&v))
				rc = render_sub(st, &nd->body, false, NULL, 0, c, o);
			break;
		}
		case TN_PARTIAL:
			if ((t = tmpl_find(st->set, nd->name, nd->hash)))
				rc = render_sub(st, &t->root, nd->site, nd->str, nd->len, c, o);
			break;
		case TN_PARENT:
			if ((t = tmpl_find(st->set, nd->name, nd->hash))) {
				struct rovr sub = {nd, o};
				rc = render_sub(st, &t->root, nd->site, nd->str, nd->len, c, &sub);
			}
			break;
		case TN_BLOCK: {
			const struct tnode *arg = find_arg(o, nd);
			if (arg)
				rc = render_sub(st, &arg->body, nd->site, nd->str, nd->len, c, o);
			else
				rc = render_sub(st, &nd->body, false, NULL, 0, c, o);
			break;
		}
		}
	}
	return rc;
}

int tmpl_render_stack(const struct tmpl_set *set, const char *name, const struct tmpl_value *frames,
		      size_t n, struct buf *out)
{
	char local[256];
	struct rcache cache[RC_SIZE];
	memset(cache, 0, sizeof cache);
	struct rstate st = {
		.set = set,
		.cache = cache,
		.out = out,
		.limit = out->n + (size_t)TMPL_MAX_OUTPUT,
		.ind = local,
		.ind_cap = sizeof local,
	};
	const struct tmpl *t = tmpl_find(set, name, tmpl_hash(name, strlen(name)));
	if (!t)
		return TMPL_ENOENT;
	/* The frames as linked stack entries; a null context when n is 0. */
	struct rctx stack[8], *heap = NULL, *f = stack;
	struct rctx nullframe = {tmpl_null(), NULL, NULL, NULL};
	const struct rctx *top = &nullframe;
	if (n > sizeof stack / sizeof stack[0] && !(f = heap = malloc(n * sizeof *heap)))
		return TMPL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		f[i].v = frames[i];
		f[i].up = i ? &f[i - 1] : NULL;
		f[i].memo = NULL;
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

/* test_row_program.c — a planned list's body rendered through its row
 * program (tmpl/render.c) gives exactly what the general walk gives: many
 * generated templates over lists of shaped maps (slots, computed members,
 * plain members read in one call, as the ORM's objects are read) and of
 * json-c objects, each rendered with programs on and off
 * (tmpl_row_programs_off) and compared byte for byte. */
#include "test.h"

#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl/tmpl.h"
#include "tmpl/tmpl_priv.h"

/* ---- a shaped map: NAMES members, some absent in a shape ---- */

#define NNAMES 8
static const char *const names[NNAMES] = {"a", "b", "c", "d", "e", "f", "g", "h"};

/* A shape: which names its maps have; "c" is computed (find answers 2). */
struct fshape {
	unsigned present; /* bit i: names[i] */
};
static const struct fshape shapes[3] = {{0xFF}, {0x3F}, {0xD7}};

struct fobj {
	const struct fshape *shape;
	struct tmpl_value v[NNAMES];
};

static int fname(const char *name, size_t len)
{
	for (int i = 0; i < NNAMES; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return i;
	return -1;
}

static int f_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		 struct tmpl_value *out)
{
	(void)hash;
	const struct fobj *o = map->obj;
	int i = fname(name, len);
	if (i < 0 || !(o->shape->present >> i & 1))
		return 0;
	*out = o->v[i];
	return 1;
}

static const void *f_shape(const struct tmpl_value *map)
{
	return ((const struct fobj *)map->obj)->shape;
}

static int f_find(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		  uintptr_t *slot)
{
	(void)hash;
	const struct fobj *o = map->obj;
	int i = fname(name, len);
	if (i < 0 || !(o->shape->present >> i & 1))
		return 0;
	*slot = (uintptr_t)i;
	return i == 2 ? 2 : 1;
}

static int f_get_slot(const struct tmpl_value *map, uintptr_t slot, struct tmpl_value *out)
{
	*out = ((const struct fobj *)map->obj)->v[slot];
	return 1;
}

/* Plain: scalars other than "c"'s (as the ORM's plain columns). */
static uint32_t f_get_slots(const struct tmpl_value *map, const uintptr_t *slot, uint32_t want,
			    struct tmpl_value *out)
{
	const struct fobj *o = map->obj;
	uint32_t got = 0;
	for (unsigned k = 0; k < 32; k++) {
		if (!(want >> k & 1) || slot[k] == 2)
			continue;
		const struct tmpl_value *v = &o->v[slot[k]];
		if (v->kind == TMPL_LIST || v->kind == TMPL_MAP)
			continue;
		out[k] = *v;
		got |= UINT32_C(1) << k;
	}
	return got;
}

static const struct tmpl_ops fobj_ops = {.get = f_get,
					 .shape = f_shape,
					 .find = f_find,
					 .get_slot = f_get_slot,
					 .get_slots = f_get_slots};

struct flist {
	size_t n;
	struct fobj *items;
};

static size_t fl_len(const struct tmpl_value *v)
{
	return ((const struct flist *)v->obj)->n;
}

static int fl_at(const struct tmpl_value *v, size_t i, struct tmpl_value *out)
{
	const struct flist *l = v->obj;
	*out = (struct tmpl_value){.kind = TMPL_MAP, .ops = &fobj_ops, .obj = &l->items[i]};
	return 0;
}

static const struct tmpl_ops flist_ops = {.len = fl_len, .at = fl_at};

/* ---- generated data ---- */

static unsigned rnd(unsigned n)
{
	return (unsigned)rand() % n;
}

static const char *const strs[] = {"", "x", "<b>&\"'", "plain text of more than thirty-two bytes",
				   "an escaped <tag> & more, longer than thirty-two", "0",
				   "twelve bytes"};

/* A scalar (or, when deep allows, a small list of maps or a map). */
static struct tmpl_value gen_value(struct flist *pool, size_t *used, int deep)
{
	switch (rnd(deep ? 11 : 9)) {
	case 0: return tmpl_null();
	case 1: return tmpl_bool(true);
	case 2: return tmpl_bool(false);
	case 3: return tmpl_int(0);
	case 4: return tmpl_int((int64_t)rnd(20000) - 100);
	case 5: return tmpl_int(INT64_MIN + rnd(3));
	case 6: return tmpl_double(rnd(2) ? 1.25 : 0.0);
	case 7:
	case 8: {
		const char *s = strs[rnd(sizeof strs / sizeof strs[0])];
		return tmpl_strn(s, strlen(s));
	}
	case 9: { /* a list of 0..2 maps */
		size_t n = rnd(3);
		if (*used + n > pool->n)
			return tmpl_null();
		struct flist *l = malloc(sizeof *l);
		l->n = n;
		l->items = &pool->items[*used];
		*used += n;
		for (size_t i = 0; i < n; i++) {
			l->items[i].shape = &shapes[rnd(3)];
			for (int k = 0; k < NNAMES; k++)
				l->items[i].v[k] = gen_value(pool, used, 0);
		}
		return (struct tmpl_value){.kind = TMPL_LIST, .ops = &flist_ops, .obj = l};
	}
	default: { /* one map */
		if (*used + 1 > pool->n)
			return tmpl_null();
		struct fobj *o = &pool->items[(*used)++];
		o->shape = &shapes[rnd(3)];
		for (int k = 0; k < NNAMES; k++)
			o->v[k] = gen_value(pool, used, 0);
		return (struct tmpl_value){.kind = TMPL_MAP, .ops = &fobj_ops, .obj = o};
	}
	}
}

/* ---- generated templates ---- */

struct gen {
	char *p;
	size_t n, cap;
};

static void emit(struct gen *g, const char *s)
{
	size_t l = strlen(s);
	if (g->n + l + 1 > g->cap) {
		g->cap = (g->n + l + 1) * 2;
		g->p = realloc(g->p, g->cap);
	}
	memcpy(g->p + g->n, s, l + 1);
	g->n += l;
}

static const char *gen_name(void)
{
	static const char *const more[] = {"o1", "o2", "m.x", "m.y", "m", ".", "a.b", "list.0.a",
					   "missing", "a.a", "j.k"};
	return rnd(4) ? names[rnd(NNAMES)] : more[rnd(sizeof more / sizeof more[0])];
}

static void gen_body(struct gen *g, int depth)
{
	char tag[64];
	unsigned n = 1 + rnd(7);
	for (unsigned i = 0; i < n; i++) {
		const char *name = gen_name();
		switch (rnd(depth < 3 ? 14 : 9)) {
		case 0: emit(g, "<td>"); break;
		case 1: emit(g, "\n"); break;
		case 2: emit(g, " text that is longer than the thirty-two byte pad "); break;
		case 3:
		case 4: snprintf(tag, sizeof tag, "{{%s}}", name); emit(g, tag); break;
		case 5: snprintf(tag, sizeof tag, "{{{%s}}}", name); emit(g, tag); break;
		case 6: snprintf(tag, sizeof tag, "{{& %s}}", name); emit(g, tag); break;
		case 7: emit(g, rnd(2) ? "{{>p}}" : "\n  {{>p}}\n"); break;
		case 8: emit(g, "{{! a comment }}"); break;
		case 9:
		case 10:
		case 11: {
			const char *open = rnd(3) ? "#" : "^";
			bool standalone = rnd(3) == 0;
			if (!strcmp(name, "."))
				name = "a";
			snprintf(tag, sizeof tag, "%s{{%s%s}}%s", standalone ? "\n" : "", open, name,
				 standalone ? "\n" : "");
			emit(g, tag);
			gen_body(g, depth + 1);
			snprintf(tag, sizeof tag, "%s{{/%s}}%s", standalone ? "\n" : "", name,
				 standalone ? "\n" : "");
			emit(g, tag);
			if (open[0] == '#' && rnd(2)) { /* an inverted twin */
				snprintf(tag, sizeof tag, "{{^%s}}", name);
				emit(g, tag);
				gen_body(g, depth + 1);
				snprintf(tag, sizeof tag, "{{/%s}}", name);
				emit(g, tag);
			}
			break;
		}
		default: snprintf(tag, sizeof tag, "[{{%s}}]", name); emit(g, tag); break;
		}
	}
}

/* The template under test: a list section (over the shaped maps, or the
 * json-c list) around a generated body. */
static void gen_template(struct gen *g, bool json)
{
	g->n = 0;
	emit(g, json ? "<{{#j}}" : "<{{#list}}");
	gen_body(g, 0);
	emit(g, json ? "{{/j}}>" : "{{/list}}>");
}

/* A json-c list of objects with some of the names. */
static struct json_object *gen_json(void)
{
	struct json_object *a = json_object_new_array();
	size_t n = 2 + rnd(4);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		for (int k = 0; k < NNAMES; k++) {
			struct json_object *v;
			switch (rnd(7)) {
			case 0: continue;
			case 1: v = NULL; break;
			case 2: v = json_object_new_boolean(rnd(2)); break;
			case 3: v = json_object_new_int64((int64_t)rnd(30000) - 10); break;
			case 4: v = json_object_new_array(); break;
			default: v = json_object_new_string(strs[rnd(sizeof strs / sizeof strs[0])]); break;
			}
			json_object_object_add(o, names[k], v);
		}
		json_object_array_add(a, o);
	}
	return a;
}

/* Render "t" with programs on and off; the two must agree in code and
 * bytes. Returns false (after a CHECK) when they do not. */
static bool same_both_ways(const struct tmpl_set *set, const struct tmpl_value *frames, size_t n,
			   const char *src)
{
	struct buf on = BUF_INIT, off = BUF_INIT;
	tmpl_row_programs_off = false;
	int rc_on = tmpl_render_stack(set, "t", frames, n, &on);
	tmpl_row_programs_off = true;
	int rc_off = tmpl_render_stack(set, "t", frames, n, &off);
	tmpl_row_programs_off = false;
	bool ok = rc_on == rc_off && on.n == off.n && (!on.n || !memcmp(on.p, off.p, on.n));
	CHECK_MSG(ok, "template %s: program rc %d (%zu bytes), walk rc %d (%zu bytes):\n%.*s\n---\n%.*s",
		  src, rc_on, on.n, rc_off, off.n, (int)on.n, on.p ? on.p : "", (int)off.n,
		  off.p ? off.p : "");
	buf_free(&on);
	buf_free(&off);
	return ok;
}

TEST(test_row_programs_render_what_the_walk_renders_over_generated_templates_and_lists)
{
	srand(20261206);
	struct gen g = {0};
	struct fobj pool_items[64];
	struct flist pool = {64, pool_items};
	int failures = 0, rendered = 0;

	for (int t = 0; t < 1500 && failures < 3; t++) {
		bool json = t % 4 == 3;
		gen_template(&g, json);
		struct tmpl_set *set = tmpl_set_new();
		REQUIRE(set != NULL);
		const char *partial = rnd(2) ? "[{{a}}|{{o1}}|{{#b}}b{{/b}}]" : "  ({{c}}{{.}})\n";
		char err[256];
		REQUIRE(tmpl_set_add(set, "p", partial, strlen(partial), err, sizeof err) == 0);
		if (tmpl_set_add(set, "t", g.p, g.n, err, sizeof err) < 0) {
			tmpl_set_free(set);
			continue; /* (a generated name the grammar refuses) */
		}
		for (int round = 0; round < 3; round++) {
			size_t used = 0;
			struct flist list = {2 + rnd(6), NULL};
			struct fobj items[8];
			list.items = items;
			pool.n = 64;
			for (size_t i = 0; i < list.n; i++) {
				/* mostly one shape, as a query's rows; sometimes mixed */
				items[i].shape = &shapes[rnd(4) ? 0 : rnd(3)];
				for (int k = 0; k < NNAMES; k++)
					items[i].v[k] = gen_value(&pool, &used, 1);
			}
			struct json_object *j = gen_json();
			struct json_object *m = json_tokener_parse("{\"x\": \"<mx>\", \"y\": 3}");
			/* Outer frame: o1, o2, m, j (json), list (maps), and an
			 * "a" that the elements shadow. */
			struct fobj outer = {.shape = &shapes[0]};
			for (int k = 0; k < NNAMES; k++)
				outer.v[k] = gen_value(&pool, &used, 0);
			struct arena a;
			arena_init(&a, 4096);
			struct tmpl_map *top = tmpl_map_new(&a);
			REQUIRE(top != NULL);
			tmpl_map_set(top, "list",
				     (struct tmpl_value){.kind = TMPL_LIST, .ops = &flist_ops, .obj = &list});
			tmpl_map_set(top, "o1", gen_value(&pool, &used, 0));
			tmpl_map_set(top, "o2", tmpl_str(rnd(2) ? "<o2>" : ""));
			tmpl_map_set(top, "m", tmpl_json(m));
			tmpl_map_set(top, "j", tmpl_json(j));
			struct tmpl_value frames[2] = {
				{.kind = TMPL_MAP, .ops = &fobj_ops, .obj = &outer}, tmpl_map_value(top)};
			if (!same_both_ways(set, frames, 2, g.p))
				failures++;
			rendered++;
			arena_free(&a);
			json_object_put(j);
			json_object_put(m);
			/* free the generated nested lists */
			for (size_t i = 0; i < list.n; i++)
				for (int k = 0; k < NNAMES; k++)
					if (items[i].v[k].kind == TMPL_LIST)
						free((void *)items[i].v[k].obj);
			for (size_t i = 0; i < used; i++)
				for (int k = 0; k < NNAMES; k++)
					if (pool_items[i].v[k].kind == TMPL_LIST)
						free((void *)pool_items[i].v[k].obj);
			for (int k = 0; k < NNAMES; k++)
				if (outer.v[k].kind == TMPL_LIST)
					free((void *)outer.v[k].obj);
		}
		tmpl_set_free(set);
	}
	CHECK(failures == 0);
	CHECK(rendered > 3000);
out:
	free(g.p);
}

/* The program is what renders a planned list (the hook really switches
 * it): a list whose body reads a computed member renders it once per
 * element either way, and the spec's behaviour holds with programs off. */
TEST(test_row_program_hook_keeps_a_simple_list_page_identical)
{
	struct tmpl_set *set = tmpl_set_new();
	struct json_object *ctx = NULL;
	struct buf out = BUF_INIT;
	const char *src = "{{#j}}<tr{{#s}} class=\"sel\"{{/s}}><td>{{n}}</td><td>{{{r}}}</td>"
			  "{{^s}}{{#o}}on{{/o}}{{/s}}</tr>\n{{/j}}";
	char err[256];
	REQUIRE(tmpl_set_add(set, "t", src, strlen(src), err, sizeof err) == 0);
	ctx = json_tokener_parse(
		"{\"o\": true, \"j\": [{\"s\": true, \"n\": \"<a>\", \"r\": \"<b>\"},"
		" {\"s\": false, \"n\": 12, \"r\": null}, {\"n\": \"\"}]}");
	struct tmpl_value v = tmpl_json(ctx);
	CHECK_INT(tmpl_render_value(set, "t", &v, &out), 0);
	CHECK_STR(out.p, "<tr class=\"sel\"><td>&lt;a&gt;</td><td><b></td></tr>\n"
			 "<tr><td>12</td><td></td>on</tr>\n"
			 "<tr><td></td><td></td>on</tr>\n");
	CHECK(same_both_ways(set, &v, 1, src));
out:
	buf_free(&out);
	json_object_put(ctx);
	tmpl_set_free(set);
}

/* Bodies a program enters (sections over scalars, inverted sections) are
 * left again: a long list of them nests no deeper than one element, so
 * it renders whole, not stopped at TMPL_MAX_DEPTH. */
TEST(test_row_program_leaves_the_bodies_it_enters_over_a_long_list)
{
	struct tmpl_set *set = tmpl_set_new();
	struct json_object *ctx = json_object_new_object(), *j = json_object_new_array();
	struct buf out = BUF_INIT;
	const char *src = "{{#j}}{{#x}}x{{/x}}{{^y}}y{{/y}}{{/j}}";
	char err[256];
	REQUIRE(tmpl_set_add(set, "t", src, strlen(src), err, sizeof err) == 0);
	for (int i = 0; i < 3 * TMPL_MAX_DEPTH; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "x", json_object_new_boolean(1));
		json_object_array_add(j, o);
	}
	json_object_object_add(ctx, "j", j);
	CHECK_INT(tmpl_render(set, "t", ctx, &out), 0);
	CHECK_INT((int)out.n, 2 * 3 * TMPL_MAX_DEPTH);
out:
	buf_free(&out);
	json_object_put(ctx);
	tmpl_set_free(set);
}

/* Bodies whose programs end at or near PROG_MAX steps (render.c), with
 * sections nested around their last tags (each leaves an OP_END after
 * them) and text before tags both short and longer than the source's
 * pad: whether a program is built or the body walked, the page is the
 * walk's. */
TEST(test_row_programs_at_the_step_limit_render_what_the_walk_renders)
{
	struct gen g = {0};
	struct fobj items[3];
	struct flist list = {3, items};
	for (size_t i = 0; i < list.n; i++) {
		items[i].shape = &shapes[0];
		for (int k = 0; k < NNAMES; k++)
			items[i].v[k] = k == 1 ? tmpl_bool(true) : tmpl_int((int64_t)(10 * i) + k);
	}
	struct tmpl_value frame = {.kind = TMPL_LIST, .ops = &flist_ops, .obj = &list};
	struct arena a;
	arena_init(&a, 1024);
	struct tmpl_map *top = tmpl_map_new(&a);
	REQUIRE(top != NULL);
	REQUIRE(tmpl_map_set(top, "list", frame) == 0);
	struct tmpl_value ctx = tmpl_map_value(top);
	for (int depth = 0; depth <= 6; depth++) {
		for (int fill = 70; fill <= 100; fill++) {
			g.n = 0;
			emit(&g, "{{#list}}");
			for (int i = 0; i < fill; i++)
				emit(&g, i % 3 == 0 ? "{{a}}" : i % 3 == 1 ? "-{{c}}"
							   : " text longer than the thirty-two byte pad {{d}}");
			for (int d = 0; d < depth; d++)
				emit(&g, d % 2 ? "{{^c}}" : "{{#b}}");
			emit(&g, "<{{e}}>");
			for (int d = depth - 1; d >= 0; d--)
				emit(&g, d % 2 ? "{{/c}}" : "{{/b}}");
			emit(&g, "{{/list}}");
			struct tmpl_set *set = tmpl_set_new();
			char err[256];
			REQUIRE(set && tmpl_set_add(set, "t", g.p, g.n, err, sizeof err) == 0);
			CHECK(same_both_ways(set, &ctx, 1, g.p));
			tmpl_set_free(set);
		}
	}
	arena_free(&a);
out:
	free(g.p);
}

/* test_tmpl_unit.c — app/tmpl behaviour the Mustache spec does not pin:
 * escaping, directory loading with layouts, syntax errors, the recursion and
 * work limits, value formatting and truthiness. */
#include "test.h"

#include <json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpl/tmpl.h"

/* Render src (as template "t", after the given partials: name, source, ...,
 * NULL) with ctx parsed from JSON; returns the tmpl_render code and the
 * output in *out (caller frees). */
static int render_src(const char *src, const char *json, struct buf *out, ...)
{
	struct tmpl_set *set = tmpl_set_new();
	struct json_object *ctx = json ? json_tokener_parse(json) : NULL;
	char err[256];
	va_list ap;
	int rc = -100;

	if (!set || (json && !ctx))
		goto out;
	va_start(ap, out);
	for (const char *name; (name = va_arg(ap, const char *));) {
		const char *p = va_arg(ap, const char *);
		if (tmpl_set_add(set, name, p, strlen(p), err, sizeof err) < 0) {
			va_end(ap);
			goto out;
		}
	}
	va_end(ap);
	if ((rc = tmpl_set_add(set, "t", src, strlen(src), err, sizeof err)) < 0)
		goto out;
	rc = tmpl_render(set, "t", ctx, out);
out:
	json_object_put(ctx);
	tmpl_set_free(set);
	return rc;
}

static int add_err(const char *src, char *err, size_t errlen)
{
	struct tmpl_set *set = tmpl_set_new();
	int rc = tmpl_set_add(set, "page", src, strlen(src), err, errlen);
	if (rc < 0)
		CHECK(!tmpl_set_has(set, "page"));
	tmpl_set_free(set);
	return rc;
}

TEST(test_var_escapes_script_tag)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("<p>{{x}}</p>|{{{x}}}|{{& x}}",
			     "{\"x\": \"<script>alert(\\\"1\\\" & '2')</script>\"}", &out, NULL), 0);
	CHECK_STR(out.p, "<p>&lt;script&gt;alert(&quot;1&quot; &amp; &#39;2&#39;)&lt;/script&gt;</p>"
			 "|<script>alert(\"1\" & '2')</script>|<script>alert(\"1\" & '2')</script>");
	buf_free(&out);
}

TEST(test_var_in_section_escapes_too)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{#items}}<li>{{.}}</li>{{/items}}",
			     "{\"items\": [\"<b>\", \"a&b\"]}", &out, NULL), 0);
	CHECK_STR(out.p, "<li>&lt;b&gt;</li><li>a&amp;b</li>");
	buf_free(&out);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

TEST(test_load_dir_layout_and_child_with_blocks)
{
	char dir[] = "/tmp/flacon-tmpl-XXXXXX";
	char path[256], err[256] = "";
	struct buf out = BUF_INIT;
	struct tmpl_set *set = tmpl_set_new();
	struct json_object *ctx = json_tokener_parse(
		"{\"articles\": [{\"title\": \"One\"}, {\"title\": \"Two & Three\"}]}");

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/articles", dir);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(path, sizeof path, "%s/base.mustache", dir);
	write_file(path, "<html>\n"
			 "<head><title>{{$title}}Flacon{{/title}}</title></head>\n"
			 "<body>\n"
			 "  {{$content}}\n"
			 "  {{/content}}\n"
			 "</body>\n"
			 "</html>\n");
	snprintf(path, sizeof path, "%s/articles/list.mustache", dir);
	write_file(path, "{{<base}}\n"
			 "{{$title}}Articles{{/title}}\n"
			 "{{$content}}\n"
			 "<ul>\n"
			 "{{#articles}}\n"
			 "  <li>{{title}}</li>\n"
			 "{{/articles}}\n"
			 "</ul>\n"
			 "{{/content}}\n"
			 "{{/base}}\n");
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	write_file(path, "{{#not a template");

	CHECK_INT(tmpl_set_load_dir(set, dir, err, sizeof err), 0);
	CHECK_STR(err, "");
	CHECK(tmpl_set_has(set, "base"));
	CHECK(tmpl_set_has(set, "articles/list"));
	CHECK(!tmpl_set_has(set, "notes"));
	CHECK_INT(tmpl_render(set, "articles/list", ctx, &out), 0);
	CHECK_STR(out.p, "<html>\n"
			 "<head><title>Articles</title></head>\n"
			 "<body>\n"
			 "  <ul>\n"
			 "    <li>One</li>\n"
			 "    <li>Two &amp; Three</li>\n"
			 "  </ul>\n"
			 "</body>\n"
			 "</html>\n");
	buf_reset(&out);
	CHECK_INT(tmpl_render(set, "base", ctx, &out), 0);
	CHECK_STR(out.p, "<html>\n"
			 "<head><title>Flacon</title></head>\n"
			 "<body>\n"
			 "</body>\n"
			 "</html>\n");

	snprintf(path, sizeof path, "%s/articles/list.mustache", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/articles", dir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/base.mustache", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	unlink(path);
	rmdir(dir);
	json_object_put(ctx);
	buf_free(&out);
	tmpl_set_free(set);
}

TEST(test_load_dir_reports_syntax_error_with_file_and_line)
{
	char dir[] = "/tmp/flacon-tmpl-XXXXXX";
	char path[256], err[256] = "";
	struct tmpl_set *set = tmpl_set_new();

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/broken.mustache", dir);
	write_file(path, "<ul>\n{{#items}}\n<li>{{name}}</li>\n");
	CHECK_INT(tmpl_set_load_dir(set, dir, err, sizeof err), TMPL_ESYNTAX);
	CHECK_STR(err, "broken:2: unclosed {{#items}}");
	unlink(path);
	rmdir(dir);
	tmpl_set_free(set);
}

TEST(test_load_dir_missing_dir_is_enoent)
{
	char err[256] = "";
	struct tmpl_set *set = tmpl_set_new();
	CHECK_INT(tmpl_set_load_dir(set, "/nonexistent/flacon/templates", err, sizeof err),
		  TMPL_ENOENT);
	CHECK(strstr(err, "/nonexistent/flacon/templates") != NULL);
	tmpl_set_free(set);
}

TEST(test_unclosed_section_is_syntax_error_with_message)
{
	char err[256] = "";
	CHECK_INT(add_err("a\n{{#items}}\nx\n", err, sizeof err), TMPL_ESYNTAX);
	CHECK_STR(err, "page:2: unclosed {{#items}}");
}

TEST(test_mismatched_close_names_both_tags)
{
	char err[256] = "";
	CHECK_INT(add_err("{{#a}}\n\n{{/b}}", err, sizeof err), TMPL_ESYNTAX);
	CHECK_STR(err, "page:3: {{/b}} does not close {{#a}} of line 1");
}

TEST(test_other_syntax_errors)
{
	char err[256];
	CHECK_INT(add_err("x {{/a}}", err, sizeof err), TMPL_ESYNTAX);
	CHECK_STR(err, "page:1: {{/a}} closes nothing");
	CHECK_INT(add_err("x {{name", err, sizeof err), TMPL_ESYNTAX);
	CHECK_STR(err, "page:1: unclosed tag");
	CHECK_INT(add_err("{{{name}}", err, sizeof err), TMPL_ESYNTAX);
	CHECK_INT(add_err("{{=<% %>=}}<%x", err, sizeof err), TMPL_ESYNTAX);
	CHECK_INT(add_err("{{=<%=}}", err, sizeof err), TMPL_ESYNTAX);
	CHECK_STR(err, "page:1: invalid set-delimiter tag");
	CHECK_INT(add_err("{{}}", err, sizeof err), TMPL_ESYNTAX);
	CHECK_INT(add_err("{{a b}}", err, sizeof err), TMPL_ESYNTAX);
	CHECK_INT(add_err("{{a..b}}", err, sizeof err), TMPL_ESYNTAX);
	CHECK_INT(add_err("{{<p}}{{$a}}{{/p}}{{/a}}", err, sizeof err), TMPL_ESYNTAX);
	CHECK_INT(add_err("{{! fine }}{{a.b}}{{.}}{{=| |=}}|x|", err, sizeof err), 0);
}

TEST(test_sections_nested_too_deep_are_rejected)
{
	struct buf src = BUF_INIT;
	char err[256] = "";
	for (int i = 0; i <= TMPL_MAX_DEPTH; i++)
		buf_puts(&src, "{{#a}}");
	for (int i = 0; i <= TMPL_MAX_DEPTH; i++)
		buf_puts(&src, "{{/a}}");
	CHECK_INT(add_err(src.p, err, sizeof err), TMPL_ESYNTAX);
	CHECK(strstr(err, "nested deeper") != NULL);
	buf_free(&src);
}

TEST(test_self_recursive_partial_is_capped)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{>self}}", "{}", &out, "self", "x{{>self}}", NULL), TMPL_EDEPTH);
	CHECK_INT(out.n, TMPL_MAX_DEPTH);
	buf_free(&out);
}

TEST(test_mutually_recursive_parents_are_capped)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{<a}}{{/a}}", "{}", &out, "a", "{{<b}}{{/b}}", "b",
			     "{{<a}}{{$x}}y{{/x}}{{/a}}", NULL), TMPL_EDEPTH);
	buf_free(&out);
}

TEST(test_recursive_partial_over_deep_data_works)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf want = BUF_INIT, out = BUF_INIT;
	struct json_object *root = NULL;
	int levels = 45; /* a section and a partial per level: 90 of TMPL_MAX_DEPTH */
	const char *node = "{{n}}({{#kids}}{{>node}}{{/kids}})";

	for (int i = levels - 1; i >= 0; i--) {
		struct json_object *o = json_object_new_object(), *kids = json_object_new_array();
		if (root)
			json_object_array_add(kids, root);
		json_object_object_add(o, "n", json_object_new_int(i));
		json_object_object_add(o, "kids", kids);
		root = o;
	}
	for (int i = 0; i < levels; i++)
		buf_printf(&want, "%d(", i);
	for (int i = 0; i < levels; i++)
		buf_puts(&want, ")");
	CHECK_INT(tmpl_set_add(set, "node", node, strlen(node), NULL, 0), 0);
	CHECK_INT(tmpl_render(set, "node", root, &out), 0);
	CHECK_STR(out.p, want.p);
	json_object_put(root);
	buf_free(&want);
	buf_free(&out);
	tmpl_set_free(set);
}

TEST(test_exponential_sections_hit_the_work_limit)
{
	struct buf src = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 40; i++)
		buf_puts(&src, "{{#l}}");
	buf_puts(&src, "x");
	for (int i = 0; i < 40; i++)
		buf_puts(&src, "{{/l}}");
	CHECK_INT(render_src(src.p, "{\"l\": [1, 2, 3]}", &out, NULL), TMPL_ELIMIT);
	buf_free(&src);
	buf_free(&out);
}

TEST(test_unknown_template_is_enoent)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	CHECK_INT(tmpl_render(set, "nope", NULL, &out), TMPL_ENOENT);
	CHECK_INT(out.n, 0);
	CHECK_STR(tmpl_strerror(TMPL_ENOENT), "no such template");
	tmpl_set_free(set);
}

TEST(test_numbers_and_booleans_print_plainly)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{i}} {{neg}} {{big}} {{d}} {{e}} {{whole}} {{t}} {{f}} [{{o}}{{a}}{{z}}]",
			     "{\"i\": 42, \"neg\": -7, \"big\": 18446744073709551615, \"d\": 0.1,"
			     " \"e\": 1e21, \"whole\": 2.0, \"t\": true, \"f\": false, \"o\": {},"
			     " \"a\": [1], \"z\": null}", &out, NULL), 0);
	CHECK_STR(out.p, "42 -7 18446744073709551615 0.1 1e+21 2 true false []");
	buf_free(&out);
}

TEST(test_falsey_values_follow_the_spec_truthiness)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{#s}}s{{/s}}{{#z}}z{{/z}}{{#d}}d{{/d}}{{#a}}a{{/a}}{{#o}}o{{/o}}"
			     "{{#one}}1{{/one}}{{^s}}!s{{/s}}{{^z}}!z{{/z}}{{^o}}!o{{/o}}",
			     "{\"s\": \"\", \"z\": 0, \"d\": 0.0, \"a\": [], \"o\": {}, \"one\": \"x\"}",
			     &out, NULL), 0);
	CHECK_STR(out.p, "o1!s!z");
	buf_free(&out);
}

TEST(test_add_replaces_template_of_same_name)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char err[64];
	CHECK_INT(tmpl_set_add(set, "a", "one", 3, err, sizeof err), 0);
	CHECK_INT(tmpl_set_add(set, "a", "two", 3, err, sizeof err), 0);
	CHECK_INT(tmpl_set_add(set, "a", "{{#x}}", 6, err, sizeof err), TMPL_ESYNTAX);
	CHECK_INT(tmpl_render(set, "a", NULL, &out), 0);
	CHECK_STR(out.p, "two");
	buf_free(&out);
	tmpl_set_free(set);
}

TEST(test_many_templates_in_one_set)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char name[32], src[64];
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof name, "t%d", i);
		snprintf(src, sizeof src, "[%d{{>t%d}}]", i, i + 1);
		CHECK_INT(tmpl_set_add(set, name, src, strlen(src), NULL, 0), 0);
	}
	CHECK_INT(tmpl_render(set, "t495", NULL, &out), 0);
	CHECK_STR(out.p, "[495[496[497[498[499]]]]]");
	buf_free(&out);
	tmpl_set_free(set);
}

TEST(test_block_overrides_reach_partials_inside_a_parent)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{<layout}}{{$title}}Page{{/title}}{{/layout}}", "{}", &out,
			     "layout", "<head>{{>head}}</head>", "head",
			     "<title>{{$title}}Site{{/title}}</title>", NULL), 0);
	CHECK_STR(out.p, "<head><title>Page</title></head>");
	buf_free(&out);
}

TEST(test_nul_bytes_in_text_are_kept)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	CHECK_INT(tmpl_set_add(set, "t", "a\0b{{x}}", 8, NULL, 0), 0);
	CHECK_INT(tmpl_render(set, "t", NULL, &out), 0);
	CHECK_INT(out.n, 3);
	CHECK(out.n == 3 && memcmp(out.p, "a\0b", 3) == 0);
	buf_free(&out);
	tmpl_set_free(set);
}

TEST(test_render_appends_and_leaves_context_alone)
{
	struct tmpl_set *set = tmpl_set_new();
	struct json_object *ctx = json_tokener_parse("{\"x\": \"y\"}");
	struct buf out = BUF_INIT;
	buf_puts(&out, "head:");
	CHECK_INT(tmpl_set_add(set, "t", "{{x}}", 5, NULL, 0), 0);
	CHECK_INT(tmpl_render(set, "t", ctx, &out), 0);
	CHECK_INT(tmpl_render(set, "t", ctx, &out), 0);
	CHECK_STR(out.p, "head:yy");
	CHECK_STR(json_object_to_json_string(ctx), "{ \"x\": \"y\" }");
	json_object_put(ctx);
	buf_free(&out);
	tmpl_set_free(set);
}

/* Doubles print like "%.15g", or "%.17g" when that is needed to read back
 * the same value: checked against printf over awkward and random values. */
TEST(test_doubles_print_shortest_round_trip_form)
{
	static const double fixed[] = {
		0, -0.0, 1, -1, 0.5, 1.21, 4.5, 19.99, -19.99, 0.1, 0.2, 0.3, 0.1 + 0.2,
		1e-4, 1.5e-4, 9.99e-5, 1e-5, 0.000123, 123456.789, 999999999999999.0,
		999999999999999.9, 1e15, 1e16, 1e21, 1e300, 5e-324, 2.5e-310, 3.141592653589793,
		2.0 / 3, 1e100, -123.000001, 0.0000015, 12345678.9, 1.0 / 3 * 1e6,
	};
	struct json_object *ctx = json_object_new_object(), *l = json_object_new_array();
	struct tmpl_set *set = tmpl_set_new();
	struct buf want = BUF_INIT, out = BUF_INIT;
	uint64_t x = 88172645463325252u;
	char tmp[64];
	const char *src = "{{#l}}{{.}} {{/l}}";

	for (int i = 0; i < 6000; i++) {
		double d;
		if (i < (int)(sizeof fixed / sizeof fixed[0])) {
			d = fixed[i];
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
			if (i % 3 == 0) { /* any finite bit pattern */
				memcpy(&d, &x, sizeof d);
				if (d != d || d - d != 0)
					continue;
			} else { /* a price-like decimal */
				int scale = (int)(x % 7);
				d = (double)(int64_t)((x >> 8) % 100000000000) / (scale == 0 ? 1 : scale == 1 ? 10 : scale == 2 ? 100 : scale == 3 ? 1e3 : scale == 4 ? 1e4 : scale == 5 ? 1e5 : 1e6);
				if (x & 1)
					d = -d;
			}
		}
		json_object_array_add(l, json_object_new_double(d));
		snprintf(tmp, sizeof tmp, "%.15g", d);
		if (strtod(tmp, NULL) != d)
			snprintf(tmp, sizeof tmp, "%.17g", d);
		if (d == 0)
			snprintf(tmp, sizeof tmp, "0"); /* -0 prints as 0 */
		buf_puts(&want, tmp);
		buf_putc(&want, ' ');
	}
	json_object_object_add(ctx, "l", l);
	CHECK_INT(tmpl_set_add(set, "t", src, strlen(src), NULL, 0), 0);
	CHECK_INT(tmpl_render(set, "t", ctx, &out), 0);
	CHECK_STR(out.p, want.p);
	json_object_put(ctx);
	tmpl_set_free(set);
	buf_free(&want);
	buf_free(&out);
}

/* Inheritance whitespace beyond the spec's cases (mustache/spec#131). */
TEST(test_block_content_is_reindented_where_it_lands)
{
	struct buf out = BUF_INIT;

	CHECK_INT(render_src("{{<parent}}\n        {{$block}}\n        Hello\n        {{/block}}\n"
			     "{{/parent}}", "{}", &out,
			     "parent", "I say,\n  {{$block}}\n  Hi there!\n  {{/block}}", NULL), 0);
	CHECK_STR(out.p, "I say,\n  Hello\n");
	buf_reset(&out);

	CHECK_INT(render_src("* a\n* {{<parent}}{{$block}}\n          {{! big indent }}\n"
			     "          c{{/block}}{{/parent}}\n* d", "{}", &out,
			     "parent", "{{$block}}x{{/block}}", NULL), 0);
	CHECK_STR(out.p, "* a\n* c\n* d");
	buf_reset(&out);

	/* A standalone partial inside a block keeps its indentation relative
	 * to the block's. */
	CHECK_INT(render_src("{{<base}}{{$content}}\n  <div>\n    {{>item}}\n  </div>\n"
			     "{{/content}}{{/base}}", "{}", &out,
			     "base", "<body>\n  {{$content}}\n  {{/content}}\n</body>\n",
			     "item", "<p>x</p>\n<p>y</p>\n", NULL), 0);
	CHECK_STR(out.p, "<body>\n  <div>\n    <p>x</p>\n    <p>y</p>\n  </div>\n</body>\n");
	buf_reset(&out);

	/* An indented standalone parent indents everything it expands to. */
	CHECK_INT(render_src("<html>\n  {{<box}}{{/box}}\n</html>\n", "{\"a\": [1, 2]}", &out,
			     "box", "<div>\n  {{$body}}\n  {{#a}}\n  <b>{{.}}</b>\n  {{/a}}\n"
				    "  {{/body}}\n</div>\n", NULL), 0);
	CHECK_STR(out.p, "<html>\n  <div>\n    <b>1</b>\n    <b>2</b>\n  </div>\n</html>\n");
	buf_free(&out);
}

TEST(test_partial_in_loop_indents_each_line)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("<ul>\n{{#items}}\n  {{>item}}\n{{/items}}\n</ul>\n",
			     "{\"items\": [{\"name\": \"a\", \"note\": \"1\\n2\"}, {\"name\": \"b\"}]}",
			     &out, "item", "<li>\n  {{name}} {{note}}\n</li>\n", NULL), 0);
	/* Interpolated newlines are data: not indented. */
	CHECK_STR(out.p, "<ul>\n  <li>\n    a 1\n2\n  </li>\n  <li>\n    b \n  </li>\n</ul>\n");
	buf_free(&out);
}

TEST(test_dotted_names_index_arrays)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{#a.0}}<ul>{{#a}}<li>{{n}}</li>{{/a}}</ul>{{/a.0}}"
			     "{{^e.0}}empty{{/e.0}}|{{a.1.n}}|{{a.2.n}}|{{a.01.n}}|{{a.x}}|{{m.0.0}}",
			     "{\"a\": [{\"n\": \"x\"}, {\"n\": \"y\"}], \"e\": [], \"m\": [[7]]}",
			     &out, NULL), 0);
	CHECK_STR(out.p, "<ul><li>x</li><li>y</li></ul>empty|y||||7");
	buf_free(&out);
}

/* ---- the per-render cache of name resolution (tmpl_ops shape/find/get_slot)
 * A "record": a shape (its names, in order) and its values in that order;
 * two shapes put the same names at different places. */
struct rec_shape {
	const char *names[3];
};
struct rec {
	const struct rec_shape *shape;
	int64_t vals[3];
};

static int rec_find(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		    uintptr_t *slot)
{
	(void)hash;
	const struct rec *r = map->obj;
	for (uintptr_t i = 0; i < 3 && r->shape->names[i]; i++)
		if (strlen(r->shape->names[i]) == len && !memcmp(r->shape->names[i], name, len)) {
			*slot = i;
			return 1;
		}
	return 0;
}

static int rec_get_slot(const struct tmpl_value *map, uintptr_t slot, struct tmpl_value *out)
{
	*out = tmpl_int(((const struct rec *)map->obj)->vals[slot]);
	return 1;
}

static int rec_get(const struct tmpl_value *map, const char *name, size_t len, uint32_t hash,
		   struct tmpl_value *out)
{
	uintptr_t slot;
	int rc = rec_find(map, name, len, hash, &slot);
	return rc == 1 ? rec_get_slot(map, slot, out) : rc;
}

static const void *rec_shape_of(const struct tmpl_value *map)
{
	return ((const struct rec *)map->obj)->shape;
}

static const struct tmpl_ops rec_ops = {
	.get = rec_get, .shape = rec_shape_of, .find = rec_find, .get_slot = rec_get_slot};

struct rec_list {
	const struct tmpl_value *v;
	size_t n;
};

static size_t rl_len(const struct tmpl_value *list)
{
	return ((const struct rec_list *)list->obj)->n;
}

static int rl_at(const struct tmpl_value *list, size_t i, struct tmpl_value *out)
{
	*out = ((const struct rec_list *)list->obj)->v[i];
	return 0;
}

static const struct tmpl_ops rl_ops = {.len = rl_len, .at = rl_at};

/* Elements of two shapes that hold x and y at swapped places, one that
 * lacks y, a page map with x (own shape), a json-c object without x and
 * one with it, in one list over a frame that has x and y: each element
 * reads its own names through its own shape, a name an element lacks
 * comes from the outer frame, and elements of one shape show their own
 * values. The same list twice in one template (the cache still warm). */
TEST(test_name_cache_resolves_per_shape_and_falls_through_exactly)
{
	static const struct rec_shape xy = {{"x", "y", NULL}}, yx = {{"y", "x", NULL}},
				      xonly = {{"x", NULL, NULL}};
	struct rec a1 = {&xy, {1, 2, 0}}, b = {&yx, {3, 4, 0}}, a2 = {&xy, {5, 6, 0}},
		   c = {&xonly, {7, 0, 0}};
	struct arena ar;
	arena_init(&ar, 4096);
	struct tmpl_set *set = NULL;
	struct buf out = BUF_INIT;
	struct json_object *jy = json_tokener_parse("{\"y\": 9}"), *jx = json_tokener_parse("{\"x\": 10}");
	struct tmpl_map *m = tmpl_map_new(&ar);
	REQUIRE(m != NULL);
	CHECK_INT(tmpl_map_set_int(m, "x", 8), 0);
	REQUIRE(jy && jx);
	struct tmpl_value els[] = {
		{.kind = TMPL_MAP, .ops = &rec_ops, .obj = &a1}, {.kind = TMPL_MAP, .ops = &rec_ops, .obj = &b},
		{.kind = TMPL_MAP, .ops = &rec_ops, .obj = &a2}, {.kind = TMPL_MAP, .ops = &rec_ops, .obj = &c},
		tmpl_map_value(m), tmpl_json(jy), tmpl_json(jx), {.kind = TMPL_MAP, .ops = &rec_ops, .obj = &a1},
	};
	struct rec_list rl = {els, sizeof els / sizeof els[0]};
	struct tmpl_map *top = tmpl_map_new(&ar);
	REQUIRE(top != NULL);
	CHECK_INT(tmpl_map_set(top, "items", (struct tmpl_value){.kind = TMPL_LIST, .ops = &rl_ops, .obj = &rl}), 0);
	CHECK_INT(tmpl_map_set_str(top, "x", "X"), 0);
	CHECK_INT(tmpl_map_set_str(top, "y", "Y"), 0);
	set = tmpl_set_new();
	char err[128];
	const char *src = "{{#items}}{{x}}{{y}}{{#y}}+{{/y}};{{/items}}|{{#items}}{{y}}{{/items}}|{{x}}{{y}}";
	REQUIRE(set && tmpl_set_add(set, "t", src, strlen(src), err, sizeof err) == 0);
	struct tmpl_value tv = tmpl_map_value(top);
	CHECK_INT(tmpl_render_value(set, "t", &tv, &out), 0);
	CHECK_INT(buf_append(&out, "", 1), 0);
	CHECK_STR(out.p, "12+;43+;56+;7Y+;8Y+;X9+;10Y+;12+;|236YY9Y2|XY");
out:
	buf_free(&out);
	tmpl_set_free(set);
	json_object_put(jy);
	json_object_put(jx);
	arena_free(&ar);
}

/* The name cache lives for one render: a second render, of the same
 * template from the same place, over maps whose shape (the same object)
 * now puts its names elsewhere, finds them afresh. */
TEST(test_name_cache_starts_empty_at_every_render)
{
	struct rec_shape sh = {{"x", "y", NULL}};
	struct rec a = {&sh, {1, 2, 0}}, b = {&sh, {3, 4, 0}};
	struct tmpl_value els[] = {{.kind = TMPL_MAP, .ops = &rec_ops, .obj = &a},
				   {.kind = TMPL_MAP, .ops = &rec_ops, .obj = &b}};
	struct rec_list rl = {els, 2};
	struct tmpl_value list = {.kind = TMPL_LIST, .ops = &rl_ops, .obj = &rl};
	struct arena ar;
	arena_init(&ar, 4096);
	struct tmpl_set *set = tmpl_set_new();
	struct tmpl_map *top = tmpl_map_new(&ar);
	const char *src = "{{#items}}{{x}}{{/items}}";
	char err[128];
	REQUIRE(top && set && tmpl_set_add(set, "t", src, strlen(src), err, sizeof err) == 0);
	CHECK_INT(tmpl_map_set(top, "items", list), 0);
	struct tmpl_value tv = tmpl_map_value(top);
	const char *want[] = {"13", "24"};
	for (int round = 0; round < 2; round++) {
		struct buf out = BUF_INIT;
		if (round) { /* the same shape object, its names swapped */
			sh.names[0] = "y";
			sh.names[1] = "x";
		}
		CHECK_INT(tmpl_render_value(set, "t", &tv, &out), 0);
		CHECK_INT(buf_append(&out, "", 1), 0);
		CHECK_STR(out.p, want[round]);
		buf_free(&out);
	}
out:
	tmpl_set_free(set);
	arena_free(&ar);
}

/* ---- the plan of a section over a list (render.c's struct rrun): element
 * names by slot per shape, a value read once per element, names from
 * outside the list once per run. */

/* Elements of two shapes, one lacking y, json-c objects with and without
 * x, a scalar, in one list; the body reads x and y several times, in
 * nested sections and after them, and a dotted name from outside: each
 * element shows its own values (none left over from the element before),
 * a name an element lacks comes from the outer frame. */
TEST(test_planned_list_reads_each_element_and_the_outer_frame_exactly)
{
	static const struct rec_shape xy = {{"x", "y", NULL}}, yx = {{"y", "x", NULL}},
				      xonly = {{"x", NULL, NULL}};
	struct rec a1 = {&xy, {1, 2, 0}}, b = {&yx, {3, 4, 0}}, a2 = {&xy, {5, 6, 0}},
		   c = {&xonly, {7, 0, 0}};
	struct arena ar;
	arena_init(&ar, 4096);
	struct tmpl_set *set = NULL;
	struct buf out = BUF_INIT;
	struct json_object *jy = json_tokener_parse("{\"y\": 9}"),
			   *jxz = json_tokener_parse("{\"x\": 10, \"z\": {\"a\": \"Z\"}}");
	REQUIRE(jy && jxz);
	struct tmpl_value els[] = {
		{.kind = TMPL_MAP, .ops = &rec_ops, .obj = &a1}, {.kind = TMPL_MAP, .ops = &rec_ops, .obj = &b},
		{.kind = TMPL_MAP, .ops = &rec_ops, .obj = &c}, tmpl_json(jy),
		{.kind = TMPL_MAP, .ops = &rec_ops, .obj = &a2}, tmpl_int(42), tmpl_json(jxz),
		{.kind = TMPL_MAP, .ops = &rec_ops, .obj = &a1},
	};
	struct rec_list rl = {els, sizeof els / sizeof els[0]};
	struct tmpl_map *top = tmpl_map_new(&ar), *z = tmpl_map_new(&ar);
	REQUIRE(top && z);
	CHECK_INT(tmpl_map_set_str(z, "a", "A"), 0);
	CHECK_INT(tmpl_map_set(top, "items", (struct tmpl_value){.kind = TMPL_LIST, .ops = &rl_ops, .obj = &rl}), 0);
	CHECK_INT(tmpl_map_set_str(top, "x", "X"), 0);
	CHECK_INT(tmpl_map_set_int(top, "y", 0), 0);
	CHECK_INT(tmpl_map_set(top, "z", tmpl_map_value(z)), 0);
	set = tmpl_set_new();
	char err[128];
	const char *src = "{{#items}}{{x}}{{#y}}[{{y}}{{x}}{{z.a}}]{{/y}}{{^y}}-{{x}}{{/y}}{{x}}{{z.a}};{{/items}}"
			  "|{{x}}{{y}}";
	REQUIRE(set && tmpl_set_add(set, "t", src, strlen(src), err, sizeof err) == 0);
	struct tmpl_value tv = tmpl_map_value(top);
	CHECK_INT(tmpl_render_value(set, "t", &tv, &out), 0);
	CHECK_INT(buf_append(&out, "", 1), 0);
	CHECK_STR(out.p, "1[21A]1A;4[34A]4A;7-77A;X[9XA]XA;5[65A]5A;X-XXA;10-1010Z;1[21A]1A;|X0");
out:
	buf_free(&out);
	tmpl_set_free(set);
	json_object_put(jy);
	json_object_put(jxz);
	arena_free(&ar);
}

/* A list inside a list: the inner elements lack "name", which comes from
 * the outer element of the moment, not from the first one. */
TEST(test_planned_inner_list_reads_the_current_outer_element)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{#outer}}<{{#inner}}{{name}}{{/inner}}>{{/outer}}",
			     "{\"name\": \"top\", \"outer\": [{\"name\": \"a\", \"inner\": [{}, {}]},"
			     " {\"name\": \"b\", \"inner\": [{}, {\"name\": \"c\"}, {}]},"
			     " {\"inner\": [{}, {}]}]}",
			     &out, NULL),
		  0);
	CHECK_INT(buf_append(&out, "", 1), 0);
	CHECK_STR(out.p, "<aa><bcb><toptop>");
	buf_free(&out);
}

/* Scalars, lists and a scalar section in the elements: "." is the
 * element, names come from outside. */
TEST(test_planned_list_of_scalars_and_lists)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{#nums}}{{.}}{{sep}}{{#flag}}{{.}}{{sep}}{{/flag}}{{/nums}}|"
			     "{{#rows}}({{#.}}{{.}}{{sep}}{{/.}}){{/rows}}",
			     "{\"sep\": \",\", \"flag\": \"F\", \"nums\": [1, 2, 3],"
			     " \"rows\": [[1, 2], [], [3]]}",
			     &out, NULL),
		  0);
	CHECK_INT(buf_append(&out, "", 1), 0);
	CHECK_STR(out.p, "1,F,2,F,3,F,|(1,2,)()(3,)");
	buf_free(&out);
}

/* A partial inside the rows: its tags are numbered from 0 in its own
 * template, so their numbers fall among the section's; each reads its
 * own name all the same. */
TEST(test_planned_list_with_a_partial_whose_tag_numbers_collide)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{#items}}{{>p}}{{x}}{{y}};{{/items}}",
			     "{\"q\": \"Q\", \"x\": \"X\", \"y\": \"Y\","
			     " \"items\": [{\"x\": 1, \"y\": 2}, {\"y\": 3, \"x\": 4}, {\"x\": 7}, {}]}",
			     &out, "p", "{{q}}{{y}}{{x}}|", NULL),
		  0);
	CHECK_INT(buf_append(&out, "", 1), 0);
	CHECK_STR(out.p, "Q21|12;Q34|43;QY7|7Y;QYX|XY;");
	buf_free(&out);
}

/* Text folded into the tag after it ({{x}}, {{#t}}, {{^u}}) is still
 * literal text: inside an indented partial each of its lines after the
 * first gets the indentation. */
TEST(test_text_before_tags_in_an_indented_partial_is_indented)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("<\n  {{>p}}\n>", "{\"x\": 1, \"t\": true, \"u\": false}", &out, "p",
			     "a\nb{{x}}\nc{{#t}}[{{x}}\n]{{/t}}\nd{{^u}}-\n{{/u}}\n", NULL),
		  0);
	CHECK_INT(buf_append(&out, "", 1), 0);
	CHECK_STR(out.p, "<\n  a\n  b1\n  c[1\n  ]\n  d-\n>");
	buf_free(&out);
}

/* The expected page of test_planned_lists_nested_deeper_than_the_plans_go
 * from level i down. */
static void nested_want(struct buf *b, int i, int levels)
{
	buf_printf(b, "%d(", i);
	if (i + 1 < levels) {
		nested_want(b, i + 1, levels);
		buf_printf(b, "%d()", i);
	}
	buf_puts(b, ")");
}

/* Lists of two inside lists of two, 40 deep (more than render.c plans at
 * once: the deeper ones go without a plan): the second element of each
 * lacks "n" and reads its parent's. */
TEST(test_planned_lists_nested_deeper_than_the_plans_go)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf want = BUF_INIT, out = BUF_INIT;
	struct json_object *root = NULL;
	int levels = 40; /* a section and a partial per level: 80 of TMPL_MAX_DEPTH */
	const char *node = "{{n}}({{#kids}}{{>node}}{{/kids}})";

	for (int i = levels - 1; i >= 0; i--) {
		struct json_object *o = json_object_new_object(), *kids = json_object_new_array();
		if (root) {
			struct json_object *empty = json_object_new_object();
			json_object_object_add(empty, "kids", json_object_new_array());
			json_object_array_add(kids, root);
			json_object_array_add(kids, empty);
		}
		json_object_object_add(o, "n", json_object_new_int(i));
		json_object_object_add(o, "kids", kids);
		root = o;
	}
	nested_want(&want, 0, levels);
	CHECK_INT(tmpl_set_add(set, "node", node, strlen(node), NULL, 0), 0);
	CHECK_INT(tmpl_render(set, "node", root, &out), 0);
	CHECK_STR(out.p, want.p);
	json_object_put(root);
	buf_free(&want);
	buf_free(&out);
	tmpl_set_free(set);
}

TEST(test_section_over_a_scalar_sees_dot_and_partials_see_it_too)
{
	/* A section over a truthy scalar whose body reads no "." renders
	 * without a frame of its own; one that reads it, directly, nested or
	 * through a partial, keeps the scalar's frame. */
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{#f}}[{{.}}]{{/f}}{{#n}}<{{.}}>{{/n}}{{#s}}({{.}}){{/s}}",
			     "{\"f\": true, \"n\": 7, \"s\": \"x&y\"}", &out, NULL), 0);
	CHECK_STR(out.p, "[true]<7>(x&amp;y)");
	buf_reset(&out);
	CHECK_INT(render_src("{{#f}}{{#g}}{{.}}{{/g}}{{^h}}{{.}}{{/h}}{{/f}}|{{#f}}{{>p}}{{/f}}",
			     "{\"f\": 5, \"g\": true, \"h\": false}", &out, "p", "{{.}}!", NULL), 0);
	CHECK_STR(out.p, "true5|5!");
	buf_reset(&out);
	/* bare: names from outside the scalar, inside a list's rows too */
	CHECK_INT(render_src("{{#rows}}{{#on}}{{id}}:{{top}}{{#on}}{{id}}{{/on}};{{/on}}{{^on}}-{{/on}}{{/rows}}",
			     "{\"top\": \"T\", \"rows\": [{\"id\": 1, \"on\": true}, {\"id\": 2, \"on\": 0},"
			     " {\"id\": 3, \"on\": \"yes\"}, {\"id\": 4}]}", &out, NULL), 0);
	CHECK_STR(out.p, "1:T1;-3:T3;-");
	buf_free(&out);
}

TEST(test_text_and_numbers_of_every_short_length_across_buffer_growth)
{
	/* Text of 0..40 bytes before a tag and integers of 1..20 characters,
	 * repeated until the output has grown its buffer many times: every
	 * byte where it belongs, nothing of a copy's spare bytes left. */
	char src[4096], want[1 << 16];
	size_t s = 0, w = 0;
	static const long long nums[] = {0, 7, -7, 42, -99, 100, 12345, -1000000,
					 123456789012LL, INT64_MIN, INT64_MAX};
	s += (size_t)snprintf(src + s, sizeof src - s, "{{#rows}}");
	for (int len = 0; len <= 40; len++) {
		for (int i = 0; i < len; i++)
			src[s++] = (char)('A' + (len + i) % 26);
		s += (size_t)snprintf(src + s, sizeof src - s, "{{n%d}}", len % 11);
	}
	s += (size_t)snprintf(src + s, sizeof src - s, "|{{/rows}}");
	src[s] = '\0';
	char json[16384];
	size_t j = (size_t)snprintf(json, sizeof json, "{\"rows\": [");
	for (int r = 0; r < 20; r++) {
		j += (size_t)snprintf(json + j, sizeof json - j, "%s{", r ? "," : "");
		for (int k = 0; k < 11; k++)
			j += (size_t)snprintf(json + j, sizeof json - j, "%s\"n%d\": %lld", k ? "," : "",
					      k, nums[(k + r) % 11]);
		j += (size_t)snprintf(json + j, sizeof json - j, "}");
	}
	snprintf(json + j, sizeof json - j, "]}");
	for (int r = 0; r < 20; r++) {
		for (int len = 0; len <= 40; len++) {
			for (int i = 0; i < len; i++)
				want[w++] = (char)('A' + (len + i) % 26);
			w += (size_t)snprintf(want + w, sizeof want - w, "%lld",
					      nums[(len % 11 + r) % 11]);
		}
		want[w++] = '|';
	}
	want[w] = '\0';
	struct buf out = BUF_INIT;
	CHECK_INT(render_src(src, json, &out, NULL), 0);
	CHECK_INT(out.n, w);
	CHECK_STR(out.p, want);
	buf_free(&out);
}

TEST(test_nested_and_sibling_inverted_and_bare_sections_walked_in_place)
{
	/* Inverted sections and bare sections over scalars are walked in the
	 * caller's loop: nested deeper than its stack (then by a call), each
	 * followed by text at every level, and many siblings (the depth given
	 * back at each end: 300 of them pass TMPL_MAX_DEPTH if it were not). */
	char src[8192], want[8192];
	size_t s = 0, w = 0;
	for (int i = 0; i < 12; i++)
		s += (size_t)snprintf(src + s, sizeof src - s, "<%d>%s", i,
				      i % 3 == 1 ? "{{#t}}" : "{{^f}}");
	s += (size_t)snprintf(src + s, sizeof src - s, "{{n}}");
	for (int i = 11; i >= 0; i--)
		s += (size_t)snprintf(src + s, sizeof src - s, "%s</%d>",
				      i % 3 == 1 ? "{{/t}}" : "{{/f}}", i);
	for (int i = 0; i < 300; i++)
		s += (size_t)snprintf(src + s, sizeof src - s, "{{^f}}%c{{/f}}{{#t}}.{{/t}}",
				      'a' + i % 26);
	for (int i = 0; i < 12; i++)
		w += (size_t)snprintf(want + w, sizeof want - w, "<%d>", i);
	w += (size_t)snprintf(want + w, sizeof want - w, "7");
	for (int i = 11; i >= 0; i--)
		w += (size_t)snprintf(want + w, sizeof want - w, "</%d>", i);
	for (int i = 0; i < 300; i++)
		w += (size_t)snprintf(want + w, sizeof want - w, "%c.", 'a' + i % 26);
	struct buf out = BUF_INIT;
	CHECK_INT(render_src(src, "{\"t\": true, \"f\": false, \"n\": 7}", &out, NULL), 0);
	CHECK_STR(out.p, want);
	buf_free(&out);
}

/* Render src against json and compare, in one line. */
static void check_render(const char *src, const char *json, const char *want)
{
	struct buf out = BUF_INIT;
	CHECK_INT(render_src(src, json, &out, NULL), 0);
	CHECK_MSG(out.p && strcmp(out.p, want) == 0, "%s with %s: got \"%s\", want \"%s\"", src, json,
		  out.p ? out.p : "(null)", want);
	buf_free(&out);
}

TEST(test_a_section_and_its_inverted_twin_render_exactly_one_body)
{
	/* {{#x}}..{{/x}}{{^x}}..{{/x}} with nothing between is rendered from
	 * one lookup: the section's body when x is truthy (over a list, once
	 * per element; over a map, in its frame), else the twin's. */
	const char *pair = "{{#x}}A{{/x}}{{^x}}B{{/x}}|";
	check_render(pair, "{\"x\": true}", "A|");
	check_render(pair, "{\"x\": false}", "B|");
	check_render(pair, "{}", "B|");
	check_render(pair, "{\"x\": 0}", "B|");
	check_render(pair, "{\"x\": \"\"}", "B|");
	check_render(pair, "{\"x\": []}", "B|");
	check_render(pair, "{\"x\": [1, 2]}", "AA|");
	check_render(pair, "{\"x\": {}}", "A|");
	check_render("{{#x}}<{{.}}>{{/x}}{{^x}}none{{/x}}|", "{\"x\": \"s\"}", "<s>|");
	check_render("{{#x}}<{{.}}>{{/x}}{{^x}}none{{/x}}|", "{\"x\": [1, 2]}", "<1><2>|");
	check_render("{{#x}}{{y}}{{/x}}{{^x}}none{{/x}}|", "{\"x\": {\"y\": \"in\"}}", "in|");
	/* not twins: text between, another name, another dotted name */
	check_render("{{#x}}A{{/x}}-{{^x}}B{{/x}}", "{\"x\": false}", "-B");
	check_render("{{#x}}A{{/x}}-{{^x}}B{{/x}}", "{\"x\": true}", "A-");
	check_render("{{#x}}A{{/x}}{{^y}}B{{/y}}", "{\"x\": true}", "AB");
	check_render("{{#a.b}}A{{/a.b}}{{^a.c}}C{{/a.c}}", "{\"a\": {\"b\": 1}}", "AC");
	check_render("{{#a.b}}A{{/a.b}}{{^a.b}}B{{/a.b}}", "{\"a\": {\"b\": 1}}", "A");
	check_render("{{#a.b}}A{{/a.b}}{{^a.b}}B{{/a.b}}", "{\"a\": {\"c\": 1}}", "B");
	/* a third section after the twins is its own */
	check_render("{{#x}}1{{/x}}{{^x}}2{{/x}}{{^x}}3{{/x}}{{#x}}4{{/x}}", "{\"x\": false}", "23");
	check_render("{{#x}}1{{/x}}{{^x}}2{{/x}}{{^x}}3{{/x}}{{#x}}4{{/x}}", "{\"x\": true}", "14");
	/* in a list's elements, a name an element lacks read outside it */
	check_render("{{#items}}{{#on}}Y{{/on}}{{^on}}N{{/on}}{{/items}}",
		     "{\"on\": true, \"items\": [{\"on\": false}, {}, {\"on\": [1]}, {\"on\": 0}]}", "NYYN");
	/* twins met eight walked bodies deep (past the in-place walk's stack)
	 * and twins as a walked body's last nodes */
	char src[512];
	size_t s = 0;
	for (int i = 0; i < 8; i++)
		s += (size_t)snprintf(src + s, sizeof src - s, "{{^f}}");
	s += (size_t)snprintf(src + s, sizeof src - s,
			      "{{#t}}T{{/t}}{{^t}}F{{/t}}{{#f}}T{{/f}}{{^f}}F{{/f}}");
	for (int i = 0; i < 8; i++)
		s += (size_t)snprintf(src + s, sizeof src - s, "{{/f}}.");
	check_render(src, "{\"t\": true, \"f\": false}", "TF........");
}

/* s escaped as the spec's {{x}} does, by definition, appended at w. */
static size_t escape_ref(char *w, const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': k += (size_t)sprintf(w + k, "&amp;"); break;
		case '<': k += (size_t)sprintf(w + k, "&lt;"); break;
		case '>': k += (size_t)sprintf(w + k, "&gt;"); break;
		case '"': k += (size_t)sprintf(w + k, "&quot;"); break;
		case '\'': k += (size_t)sprintf(w + k, "&#39;"); break;
		default: w[k++] = s[i]; break;
		}
	}
	return k;
}

TEST(test_values_of_every_short_length_escape_exactly_and_integers_print_whole)
{
	/* Texts of 0..40 bytes, plain and with each of the five escaped
	 * bytes at each place (a short value nothing escapes is copied in
	 * line, any other escaped), in a list's rows, as {{v}} and {{{v}}};
	 * and integers around every digit count of the in-line printer. */
	static const char specials[] = "&<>\"'";
	static const long long nums[] = {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 9998,
					 9999, 10000, 10001, 65535, -1, -9, -10, -99, -100,
					 -9999, -10000, INT64_MIN, INT64_MAX};
	size_t cap = 1 << 22;
	char *json = malloc(cap), *want = malloc(cap);
	REQUIRE(json && want);
	size_t j = (size_t)snprintf(json, cap, "{\"rows\": [");
	size_t w = 0;
	int rows = 0;
	for (int len = 0; len <= 40; len++) {
		for (int at = -1; at < len; at++) {
			for (int sp = 0; sp < (at < 0 ? 1 : 5); sp++) {
				char v[64];
				for (int i = 0; i < len; i++)
					v[i] = (char)('a' + (len * 7 + i) % 26);
				if (at >= 0)
					v[at] = specials[sp];
				j += (size_t)snprintf(json + j, cap - j, "%s{\"v\": \"", rows ? "," : "");
				for (int i = 0; i < len; i++) {
					if (v[i] == '"')
						json[j++] = '\\';
					json[j++] = v[i];
				}
				j += (size_t)snprintf(json + j, cap - j, "\", \"n\": %lld}",
						      nums[rows % (int)(sizeof nums / sizeof nums[0])]);
				w += escape_ref(want + w, v, (size_t)len);
				want[w++] = '|';
				memcpy(want + w, v, (size_t)len);
				w += (size_t)len;
				w += (size_t)sprintf(want + w, "|%lld\n",
						     nums[rows % (int)(sizeof nums / sizeof nums[0])]);
				rows++;
			}
		}
	}
	snprintf(json + j, cap - j, "]}");
	want[w] = '\0';
	struct buf out = BUF_INIT;
	CHECK_INT(render_src("{{#rows}}{{v}}|{{{v}}}|{{n}}\n{{/rows}}", json, &out, NULL), 0);
	CHECK_INT(out.n, w);
	CHECK(out.p && strcmp(out.p, want) == 0);
	buf_free(&out);
out:
	free(json);
	free(want);
}

/* A page's map finds every key it holds and no other (its hash filter lets
 * no key it holds pass for absent), small or big, keys set again keeping
 * one entry. */
TEST(test_page_map_finds_its_keys_small_and_big)
{
	static char keys[40][16];
	struct arena ar;
	arena_init(&ar, 8192);
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char src[1024] = "", want[1024] = "";
	for (int i = 0; i < 40; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		snprintf(src + strlen(src), sizeof src - strlen(src), "{{k%d}}{{^k%d}}-{{/k%d}}", i, i, i);
	}
	strcat(src, "{{k40}}{{kk}}{{x}}|");
	REQUIRE(set && tmpl_set_add(set, "t", src, strlen(src), NULL, 0) == 0);
	for (int n = 1; n <= 40; n += 7) { /* 1, 8, ..., 36 keys */
		struct tmpl_map *m = tmpl_map_new(&ar);
		REQUIRE(m != NULL);
		for (int i = 0; i < n; i++)
			CHECK_INT(tmpl_map_set_int(m, keys[i], i + 1), 0);
		for (int i = 0; i < n; i += 3) /* again: replaced, not added */
			CHECK_INT(tmpl_map_set_int(m, keys[i], 100 + i), 0);
		want[0] = '\0';
		for (int i = 0; i < 40; i++) {
			if (i >= n)
				strcat(want, "-");
			else
				snprintf(want + strlen(want), sizeof want - strlen(want), "%d",
					 i % 3 ? i + 1 : 100 + i);
		}
		strcat(want, "|");
		struct tmpl_value v = tmpl_map_value(m);
		buf_reset(&out);
		CHECK_INT(tmpl_render_value(set, "t", &v, &out), 0);
		CHECK_INT(buf_append(&out, "", 1), 0);
		CHECK_STR(out.p, want);
	}
out:
	buf_free(&out);
	tmpl_set_free(set);
	arena_free(&ar);
}

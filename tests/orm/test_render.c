/* test_render.c — objects in templates and partial loading: a model's
 * columns by name (every type, NULL, escaping, DATETIME as ISO 8601),
 * computed fields (with the page's env), loaded relationships (and
 * nothing, without a query, for unloaded ones), lists inside a page's map
 * with names falling through to it; orm_load_only (the SELECT names only
 * those columns, a flush never writes the others, orm_get reads them),
 * orm_add_column / orm_all_with, and orm_merge_known. */
#include <ctype.h>
#include <string.h>

#include <json.h>

#include "orm_test.h"
#include "tmpl/tmpl_priv.h"

/* ---- computed fields of t_article (harness.c names this table) ---- */

static int title_upper(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	const struct t_article *ar = obj;
	(void)env;
	char *s = arena_strdup(a, ar->title ? ar->title : "");
	if (!s)
		return -1;
	for (char *p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	*out = tmpl_str(s);
	return 0;
}

/* env: the id of the article the page calls "current". */
static int is_current(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	const struct t_article *ar = obj;
	(void)a;
	*out = tmpl_bool(env && *(const int64_t *)env == ar->id);
	return 0;
}

/* A computed field shadows the column of its name. */
static int click_num_words(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	const struct t_article *ar = obj;
	(void)env;
	const char *s = arena_printf(a, "%d clicks", ar->click_num);
	if (!s)
		return -1;
	*out = tmpl_str(s);
	return 0;
}

/* How many times "counted" was read: a section's element reads a computed
 * field once per render however many tags name it. */
static int counted_calls;

static int counted(const void *obj, const void *env, struct arena *a, struct tmpl_value *out)
{
	const struct t_article *ar = obj;
	(void)env;
	(void)a;
	counted_calls++;
	*out = tmpl_str(ar->title);
	return 0;
}

const struct orm_field t_article_fields[] = {
	{"title_upper", title_upper},
	{"current", is_current},
	{"click_num", click_num_words},
	{"counted", counted},
	{NULL, NULL},
};

/* Render src (compiled as "t") from v into out (reset first). */
static int render(const char *src, struct tmpl_value v, struct buf *out)
{
	char err[128];
	struct tmpl_set *set = tmpl_set_new();
	int rc = set ? tmpl_set_add(set, "t", src, strlen(src), err, sizeof err) : TMPL_ENOMEM;
	buf_reset(out);
	if (!rc)
		rc = tmpl_render_value(set, "t", &v, out);
	if (!rc && buf_append(out, "", 1) < 0) /* NUL-terminated for CHECK_STR */
		rc = TMPL_ENOMEM;
	tmpl_set_free(set);
	return rc;
}

TEST(test_render_columns_of_every_type_by_name_datetime_iso_and_escaped_text)
{
	struct tctx t;
	struct buf out = BUF_INIT;
	if (!t_begin(&t, T_TYPES))
		goto out;
	struct t_types *o = t_types_new(&t.s);
	REQUIRE(o);
	ORM_SET(o, t_types, i, -42);
	ORM_SET(o, t_types, si, 7);
	ORM_SET(o, t_types, bi, INT64_C(9007199254740993));
	ORM_SET(o, t_types, f, 1.25);
	ORM_SET(o, t_types, num, "12.3400");
	ORM_SET(o, t_types, s, "<a href='x'>&</a>");
	ORM_SET(o, t_types, b, true);
	ORM_SET(o, t_types, d, orm_date_from_ymd(2024, 2, 29));
	ORM_SET(o, t_types, tm, -(3 * 3600 + 4 * 60 + 5));
	ORM_SET(o, t_types, dt, orm_datetime_from_parts(2024, 1, 2, 3, 4, 5));
	ORM_SET(o, t_types, color, "green");
	o->bin = (struct orm_bytes){"xy", 2};
	orm_touch(o, t_types_col_bin);
	CHECK_INT(render("{{i}}|{{si}}|{{bi}}|{{f}}|{{num}}|{{s}}|{{{s}}}|{{b}}|{{d}}|{{tm}}|{{dt}}|"
			 "{{color}}|{{bin}}|{{#b}}yes{{/b}}",
			 orm_tmpl_obj(o, NULL, &t.arena), &out),
		  0);
	CHECK_STR(out.p, "-42|7|9007199254740993|1.25|12.3400|&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;|"
			 "<a href='x'>&</a>|true|2024-02-29|-03:04:05|2024-01-02T03:04:05Z|green||yes");
out:
	buf_free(&out);
	t_end(&t);
}

TEST(test_render_null_columns_render_nothing_and_are_falsey_not_missing)
{
	struct tctx t;
	struct buf out = BUF_INIT;
	if (!t_begin(&t, T_TYPES))
		goto out;
	struct t_types *o = t_types_new(&t.s); /* every column NULL */
	REQUIRE(o);
	struct tmpl_map *m = tmpl_map_new(&t.arena);
	REQUIRE(m);
	/* "s" in the outer map must not show through a NULL column. */
	CHECK_INT(tmpl_map_set_str(m, "s", "outer"), 0);
	CHECK_INT(tmpl_map_set(m, "o", orm_tmpl_obj(o, NULL, &t.arena)), 0);
	CHECK_INT(render("{{#o}}[{{i}}][{{s}}][{{dt}}]{{^b}}no b{{/b}}{{^dt}} no dt{{/dt}}{{/o}}",
			 tmpl_map_value(m), &out),
		  0);
	CHECK_STR(out.p, "[][][]no b no dt");
out:
	buf_free(&out);
	t_end(&t);
}

TEST(test_render_computed_fields_see_the_env_and_shadow_a_column)
{
	struct tctx t;
	struct buf out = BUF_INIT;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "ann");
	mk_article(&t.s, u, "first", 1700000000);
	mk_article(&t.s, u, "second", 1700000100);
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_list l;
	REQUIRE(orm_all(orm_order_by(t_article_query(&t.s), ORM_COL(t_article, id), ORM_ASC), &l) == 0);
	REQUIRE(l.n == 2);
	int64_t current = t_article_at(&l, 1)->id;
	CHECK_INT(render("{{#a}}{{title_upper}}{{#current}}*{{/current}} {{click_num}};{{/a}}",
			 tmpl_map_value(NULL), &out),
		  0); /* a null context: nothing, no crash */
	struct tmpl_map *m = tmpl_map_new(&t.arena);
	CHECK_INT(tmpl_map_set(m, "a", orm_tmpl_list(&l, &current, &t.arena)), 0);
	CHECK_INT(render("{{#a}}{{title_upper}}{{#current}}*{{/current}} {{click_num}};{{/a}}",
			 tmpl_map_value(m), &out),
		  0);
	CHECK_STR(out.p, "FIRST 0 clicks;SECOND* 0 clicks;");
out:
	buf_free(&out);
	t_end(&t);
}

TEST(test_render_loaded_relationships_objects_and_lists_and_nothing_when_not_loaded)
{
	struct tctx t;
	struct buf out = BUF_INIT;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "bob");
	mk_article(&t.s, u, "old", 1700000000);
	mk_article(&t.s, u, "new", 1700000100);
	REQUIRE(orm_commit(&t.s) == 0);
	/* A fresh session: nothing loaded yet. */
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct t_user *u2;
	REQUIRE(t_user_get(&s2, u->id, &u2) == 0 && u2);
	unsigned long before = t.db->queries;
	CHECK_INT(render("{{username}}:{{#articles}}x{{/articles}}{{^articles}}none{{/articles}}",
			 orm_tmpl_obj(u2, NULL, &t.arena), &out),
		  0);
	CHECK_STR(out.p, "bob:none");
	CHECK_INT(t.db->queries, before); /* a template never runs a query */
	struct orm_list *arts;
	REQUIRE(t_user_load_articles(&s2, u2, &arts) == 0);
	struct t_user *back;
	REQUIRE(t_article_load_user(&s2, t_article_at(arts, 0), &back) == 0 && back == u2);
	CHECK_INT(render("{{username}}:{{#articles}}{{title}} by {{user.username}},{{/articles}}"
			 "{{articles.1.title}}",
			 orm_tmpl_obj(u2, NULL, &t.arena), &out),
		  0);
	CHECK_STR(out.p, "bob:new by bob,old by bob,old");
	orm_session_close(&s2);
out:
	buf_free(&out);
	t_end(&t);
}

TEST(test_render_names_an_object_lacks_fall_through_to_the_page_map)
{
	struct tctx t;
	struct buf out = BUF_INIT;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "cy");
	mk_article(&t.s, u, "a1", 1700000000);
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_list l;
	REQUIRE(orm_all(t_article_query(&t.s), &l) == 0);
	struct tmpl_map *m = tmpl_map_new(&t.arena);
	CHECK_INT(tmpl_map_set(m, "items", orm_tmpl_list(&l, NULL, &t.arena)), 0);
	CHECK_INT(tmpl_map_set_str(m, "token", "T<1>"), 0);
	CHECK_INT(tmpl_map_set_str(m, "title", "page title"), 0);
	CHECK_INT(tmpl_map_set_json(m, "extra", json_object_new_string("from json-c")), 0);
	CHECK_INT(render("{{title}}|{{#items}}{{title}} {{token}} {{extra}}{{/items}}|{{items.0.title}}",
			 tmpl_map_value(m), &out),
		  0);
	CHECK_STR(out.p, "page title|a1 T&lt;1&gt; from json-c|a1");
out:
	buf_free(&out);
	t_end(&t);
}

/* The renderer caches where a name is per model for one render: a list
 * mixing two models must read each element through its own model (an
 * article's title, a user's username), names the element's model lacks
 * fall through to the page map, and two articles each show their own
 * value (the place is cached, never the value). */
TEST(test_render_a_list_mixing_two_models_reads_each_element_through_its_own_model)
{
	struct tctx t;
	struct buf out = BUF_INIT;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "mixu");
	struct t_article *a1 = mk_article(&t.s, u, "first", 1700000000);
	struct t_article *a2 = mk_article(&t.s, u, "second", 1700000000);
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_obj *items[] = {(struct orm_obj *)a1, (struct orm_obj *)u, (struct orm_obj *)a2,
				   (struct orm_obj *)u};
	struct orm_list l = {items, 4, 4};
	struct tmpl_map *m = tmpl_map_new(&t.arena);
	CHECK_INT(tmpl_map_set(m, "items", orm_tmpl_list(&l, NULL, &t.arena)), 0);
	CHECK_INT(tmpl_map_set_str(m, "title", "page"), 0);
	CHECK_INT(tmpl_map_set_str(m, "username", "nobody"), 0);
	CHECK_INT(render("{{#items}}{{title}}/{{username}}/{{title_upper}};{{/items}}", tmpl_map_value(m),
			 &out),
		  0);
	CHECK_STR(out.p, "first/nobody/FIRST;page/mixu/;second/nobody/SECOND;page/mixu/;");
out:
	buf_free(&out);
	t_end(&t);
}

/* A computed field named by several tags of one element (in nested
 * sections too) is computed once per element, and each element shows its
 * own value; a tag outside any element's section computes it afresh. */
TEST(test_render_a_computed_field_is_computed_once_per_element_and_each_shows_its_own)
{
	struct tctx t;
	struct buf out = BUF_INIT;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "memo");
	mk_article(&t.s, u, "one", 1700000000);
	mk_article(&t.s, u, "two", 1700000001);
	mk_article(&t.s, u, "three", 1700000002);
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_list l;
	REQUIRE(orm_all(orm_order_by(t_article_query(&t.s), ORM_COL(t_article, id), ORM_ASC), &l) == 0);
	struct tmpl_map *m = tmpl_map_new(&t.arena);
	CHECK_INT(tmpl_map_set(m, "items", orm_tmpl_list(&l, NULL, &t.arena)), 0);
	counted_calls = 0;
	CHECK_INT(render("{{#items}}{{counted}}={{#counted}}{{counted}}{{^title}}{{/title}}{{/counted}}"
			 "{{^counted}}!{{/counted}};{{/items}}|{{items.1.counted}}{{#items.2}}{{counted}}{{/items.2}}",
			 tmpl_map_value(m), &out),
		  0);
	CHECK_STR(out.p, "one=one;two=two;three=three;|twothree");
	CHECK_INT(counted_calls, 3 + 2);
out:
	buf_free(&out);
	t_end(&t);
}

TEST(test_load_only_selects_only_those_columns_and_the_rest_render_as_nothing)
{
	struct tctx t;
	struct buf out = BUF_INIT;
	struct sql_log log = {0};
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "dee");
	mk_article(&t.s, u, "partial", 1700000000);
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	orm_session_set_sql_hook(&s2, sql_log_hook, &log);
	struct orm_query *q = orm_load_only(t_article_query(&s2), ORM_COL(t_article, title));
	struct t_article *a;
	REQUIRE(t_article_first(q, &a) == 0 && a);
	CHECK_MSG(log.n == 1 && !strstr(log.sql[0], "content") && !strstr(log.sql[0], "click_num") &&
			  strstr(log.sql[0], "`t_article`.`id`, `t_article`.`title` FROM"),
		  "SQL: %s", log.n ? log.sql[0] : "(none)");
	CHECK_STR(a->title, "partial");
	CHECK(a->content == NULL);
	CHECK(!orm_loaded(a, t_article_col_content));
	CHECK(orm_loaded(a, t_article_col_title));
	CHECK_INT(render("[{{title}}][{{content}}][{{pdatetime}}]{{^content}}-{{/content}}",
			 orm_tmpl_obj(a, NULL, &t.arena), &out),
		  0);
	CHECK_STR(out.p, "[partial][][]-");
	/* orm_load_only of another model's column is refused. */
	CHECK_INT(t_article_first(orm_load_only(t_article_query(&s2), ORM_COL(t_user, username)), &a),
		  ORM_MISUSE);
	orm_session_close(&s2);
out:
	buf_free(&out);
	t_end(&t);
}

TEST(test_flush_never_writes_an_unloaded_column)
{
	struct tctx t;
	struct sql_log log = {0};
	char buf[64];
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "eve");
	mk_article(&t.s, u, "before", 1700000000);
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct orm_query *q = orm_load_only(t_article_query(&s2), ORM_COL(t_article, title));
	struct t_article *a;
	REQUIRE(t_article_first(q, &a) == 0 && a);
	ORM_SET(a, t_article, title, "after");
	a->click_num = 99; /* unloaded, assigned without ORM_SET: not a change */
	orm_session_set_sql_hook(&s2, sql_log_hook, &log);
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_INT(sql_log_count(&log, "UPDATE"), 1);
	for (int i = 0; i < log.n; i++)
		if (!strncmp(log.sql[i], "UPDATE", 6))
			CHECK_MSG(strstr(log.sql[i], "`title` = ?") && !strstr(log.sql[i], "content") &&
					  !strstr(log.sql[i], "pdatetime") && !strstr(log.sql[i], "user_id") &&
					  !strstr(log.sql[i], "click_num"),
				  "UPDATE names only title: %s", log.sql[i]);
	CHECK_STR(t_scalar_str(t.db, "SELECT content FROM t_article", buf, sizeof buf), "body");
	CHECK_STR(t_scalar_str(t.db, "SELECT title FROM t_article", buf, sizeof buf), "after");
	CHECK_INT(t_scalar(t.db, "SELECT click_num FROM t_article"), 0);
	/* An unloaded column the caller sets explicitly is written. */
	log.n = 0;
	ORM_SET(a, t_article, content, "new body");
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_STR(t_scalar_str(t.db, "SELECT content FROM t_article", buf, sizeof buf), "new body");
	orm_session_close(&s2);
out:
	t_end(&t);
}

TEST(test_orm_get_and_a_full_query_fill_in_what_load_only_left_out)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "fay");
	struct t_article *made = mk_article(&t.s, u, "whole", 1700000000);
	REQUIRE(orm_commit(&t.s) == 0);
	int64_t id = made->id;
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct t_article *a, *b;
	REQUIRE(t_article_first(orm_load_only(t_article_query(&s2), ORM_COL(t_article, title)), &a) == 0 && a);
	CHECK(a->content == NULL);
	REQUIRE(t_article_get(&s2, id, &b) == 0);
	CHECK(b == a); /* the same object, filled in place */
	CHECK_STR(a->content, "body");
	CHECK(orm_loaded(a, t_article_col_content));
	unsigned long q0 = t.db->queries;
	CHECK_INT(orm_commit(&s2), 0); /* the fill is no change: nothing written */
	CHECK_INT(t.db->queries, q0);
	orm_session_close(&s2);
out:
	t_end(&t);
}

TEST(test_add_column_values_come_with_each_object_in_one_statement)
{
	struct tctx t;
	struct sql_log log = {0};
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "gus");
	for (int i = 0; i < 3; i++)
		mk_article(&t.s, u, "x", 1700000000 + i);
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_session *s = &t.s;
	orm_session_set_sql_hook(s, sql_log_hook, &log);
	struct orm_query *total = orm_select(t_article_query(s), orm_func(s, ORM_COUNT, NULL));
	struct orm_query *q = orm_order_by(t_article_query(s), ORM_COL(t_article, id), ORM_ASC);
	q = orm_add_column(orm_load_only(q, ORM_COL(t_article, title)), orm_scalar(s, total));
	struct orm_list l;
	struct orm_rows extra;
	CHECK_INT(orm_all_with(orm_limit(q, 2), &l, &extra), 0);
	CHECK_INT(log.n, 1);
	CHECK_INT(l.n, 2);
	CHECK_INT(extra.nrows, 2);
	CHECK_INT(extra.ncols, 1);
	if (extra.nrows == 2)
		CHECK_INT(orm_value_int(extra.v[1]), 3);
	/* orm_all refuses a query with added columns: their values would be lost. */
	CHECK_INT(orm_all(q, &l), ORM_MISUSE);
out:
	t_end(&t);
}

/* Added columns that come back as text — a SUM (exact decimal text), a
 * MAX of a string column, and one that is NULL — beside a count, on every
 * row of a result read straight from its stored rows (load.c copies such
 * text into the result's text pool itself): each row has the exact text,
 * length and kind. */
TEST(test_added_text_columns_keep_their_text_length_and_kind_on_every_row)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "ida");
	static const char *const titles[] = {"a", "second title", "zz top"};
	static const int64_t clicks[] = {1000, 234, 0};
	for (int i = 0; i < 3; i++) {
		struct t_article *a = mk_article(&t.s, u, titles[i], 1700000000 + i);
		REQUIRE(a);
		a->click_num = clicks[i];
	}
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_session *s = &t.s;
	const struct orm_expr *sum = orm_scalar(
		s, orm_select(t_article_query(s), orm_func(s, ORM_SUM, ORM_COL(t_article, click_num))));
	const struct orm_expr *max = orm_scalar(
		s, orm_select(t_article_query(s), orm_func(s, ORM_MAX, ORM_COL(t_article, title))));
	const struct orm_expr *none = orm_scalar(
		s, orm_select(orm_filter_by(t_article_query(s), "title", orm_str("no such title")),
			      orm_func(s, ORM_MAX, ORM_COL(t_article, title))));
	const struct orm_expr *count =
		orm_scalar(s, orm_select(t_article_query(s), orm_func(s, ORM_COUNT, NULL)));
	struct orm_query *q = orm_order_by(t_article_query(s), ORM_COL(t_article, id), ORM_ASC);
	q = orm_add_column(orm_add_column(orm_add_column(orm_add_column(q, sum), max), none), count);
	struct orm_list l;
	struct orm_rows extra;
	CHECK_INT(orm_all_with(q, &l, &extra), 0);
	CHECK_INT(l.n, 3);
	CHECK_INT(extra.nrows, 3);
	CHECK_INT(extra.ncols, 4);
	for (size_t r = 0; r < extra.nrows && extra.ncols == 4; r++) {
		const struct orm_value *v = &extra.v[r * 4];
		CHECK_INT(v[0].kind, ORM_V_DECIMAL);
		CHECK_INT(v[0].s.n, 4);
		CHECK(v[0].s.p && !strcmp(v[0].s.p, "1234"));
		CHECK_INT(v[1].kind, ORM_V_TEXT);
		CHECK_INT(v[1].s.n, 6);
		CHECK(v[1].s.p && !strcmp(v[1].s.p, "zz top"));
		CHECK_INT(v[2].kind, ORM_V_NULL);
		CHECK_INT(orm_value_int(v[3]), 3);
		CHECK_STR(((struct t_article *)l.items[r])->title, titles[r]);
	}
out:
	t_end(&t);
}

TEST(test_merge_known_is_a_persistent_object_without_a_query_read_in_full_by_get)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *made = mk_user(&t.s, "hal");
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	unsigned long before = t.db->queries;
	struct t_user *u = t_user_new(&s2);
	REQUIRE(u);
	u->id = made->id;
	u->username = "hal";
	struct t_user *m = orm_merge_known(&s2, u, ORM_COLBIT(t_user, username));
	CHECK(m == u);
	CHECK_INT(t.db->queries, before);
	CHECK(!orm_loaded(u, t_user_col_password));
	struct t_user *same;
	REQUIRE(t_user_get(&s2, made->id, &same) == 0);
	CHECK(same == u);
	CHECK_STR(u->password, "$argon2id$v=19$m=65536,t=2,p=1$x$y");
	/* Merging the same row again gives the mapped object. */
	struct t_user *again = t_user_new(&s2);
	again->id = made->id;
	CHECK(orm_merge_known(&s2, again, 0) == u);
	unsigned long q0 = t.db->queries;
	CHECK_INT(orm_commit(&s2), 0); /* nothing changed: nothing written */
	CHECK_INT(t.db->queries, q0);
	orm_session_close(&s2);
out:
	t_end(&t);
}

/* A list's rows after the first are read through the plan the first one
 * made (the stored columns of each row in one call, the rest one by one):
 * each row shows its own values, a NULL column in a later row renders as
 * nothing and is falsey (never the row before's value, never the page's
 * name of the same name), text is escaped, numbers of every width and
 * sign print whole, and the page's names read inside the rows (a flag,
 * a text) show in each. */
TEST(test_render_rows_of_a_list_each_show_their_own_columns_nulls_and_the_page_names)
{
	struct tctx t;
	struct buf out = BUF_INIT;
	if (!t_begin(&t, T_TYPES))
		goto out;
	struct t_types *r[4];
	for (int k = 0; k < 4; k++)
		REQUIRE((r[k] = t_types_new(&t.s)));
	/* row 0: everything set (the plan finds every column) */
	ORM_SET(r[0], t_types, i, 7);
	ORM_SET(r[0], t_types, si, -3);
	ORM_SET(r[0], t_types, bi, INT64_C(-9007199254740993));
	ORM_SET(r[0], t_types, f, 0.5);
	ORM_SET(r[0], t_types, s, "a<b");
	ORM_SET(r[0], t_types, b, true);
	ORM_SET(r[0], t_types, color, "red");
	ORM_SET(r[0], t_types, dt, orm_datetime_from_parts(2024, 1, 2, 3, 4, 5));
	/* row 1: every column NULL */
	/* row 2: zeros, an empty text, false */
	ORM_SET(r[2], t_types, i, 0);
	ORM_SET(r[2], t_types, si, 0);
	ORM_SET(r[2], t_types, bi, 0);
	ORM_SET(r[2], t_types, f, 0.0);
	ORM_SET(r[2], t_types, s, "");
	ORM_SET(r[2], t_types, b, false);
	/* row 3: large and escaped values, then NULL again where row 0 had one */
	ORM_SET(r[3], t_types, i, INT32_MIN);
	ORM_SET(r[3], t_types, si, 9999);
	ORM_SET(r[3], t_types, bi, 10000);
	ORM_SET(r[3], t_types, f, -1.25);
	ORM_SET(r[3], t_types, s, "\"'&'\"");
	ORM_SET(r[3], t_types, b, true);
	ORM_SET(r[3], t_types, color, "blue");
	ORM_SET(r[3], t_types, dt, orm_datetime_from_parts(2025, 12, 31, 23, 59, 58));
	ORM_SET_NULL(r[3], t_types, color);
	struct orm_obj *items[] = {(struct orm_obj *)r[0], (struct orm_obj *)r[1], (struct orm_obj *)r[2],
				   (struct orm_obj *)r[3]};
	struct orm_list l = {items, 4, 4};
	struct tmpl_map *m = tmpl_map_new(&t.arena);
	REQUIRE(m);
	CHECK_INT(tmpl_map_set(m, "items", orm_tmpl_list(&l, NULL, &t.arena)), 0);
	CHECK_INT(tmpl_map_set_str(m, "s", "page s"), 0);
	CHECK_INT(tmpl_map_set_str(m, "who", "<me>"), 0);
	CHECK_INT(tmpl_map_set_bool(m, "flag", true), 0);
	CHECK_INT(render("{{#items}}[{{i}}|{{si}}|{{bi}}|{{f}}|{{s}}|{{{s}}}|{{b}}|{{color}}|{{dt}}|"
			 "{{#b}}B{{/b}}{{^b}}!b{{/b}}{{#i}}I{{/i}}{{^i}}!i{{/i}}{{^s}}!s{{/s}}"
			 "{{#flag}}{{who}}{{#si}}{{si}}{{/si}}{{/flag}}{{i}}]\n{{/items}}",
			 tmpl_map_value(m), &out),
		  0);
	CHECK_STR(out.p, "[7|-3|-9007199254740993|0.5|a&lt;b|a<b|true|red|2024-01-02T03:04:05Z|"
			 "BI&lt;me&gt;-37]\n"
			 "[|||||||||!b!i!s&lt;me&gt;]\n"
			 "[0|0|0|0|||false|||!b!i!s&lt;me&gt;0]\n"
			 "[-2147483648|9999|10000|-1.25|&quot;&#39;&amp;&#39;&quot;|\"'&'\"|true||"
			 "2025-12-31T23:59:58Z|BI&lt;me&gt;9999-2147483648]\n");
out:
	buf_free(&out);
	t_end(&t);
}

/* ---- row programs against the general walk, over ORM objects ---- */

/* A generated body of tags over article columns, computed fields, an
 * unloaded relationship, names of the page and missing ones. */
static void gen_article_body(char *p, size_t cap, size_t *n, int depth)
{
	static const char *const nm[] = {"id",    "title",  "content",     "click_num", "pdatetime",
					 "title_upper", "current", "counted", "user", "missing",
					 "who",   "flag",   ".",           "user_id", "username"};
	unsigned k = 1 + (unsigned)rand() % 6;
	for (unsigned i = 0; i < k && *n + 200 < cap; i++) {
		const char *name = nm[(unsigned)rand() % (sizeof nm / sizeof nm[0])];
		int w;
		switch ((unsigned)rand() % (depth < 2 ? 8 : 5)) {
		case 0: w = snprintf(p + *n, cap - *n, "{{%s}}", name); break;
		case 1: w = snprintf(p + *n, cap - *n, "<i>{{{%s}}}</i>", name); break;
		case 2: w = snprintf(p + *n, cap - *n, "{{>p}}"); break;
		case 3: w = snprintf(p + *n, cap - *n, "\n  {{! c }}\n|"); break;
		case 4: w = snprintf(p + *n, cap - *n, " {{&%s}} ", name); break;
		default:
			if (!strcmp(name, "."))
				name = "title";
			w = snprintf(p + *n, cap - *n, "%s{{%c%s}}", rand() % 3 ? "" : "\n",
				     rand() % 3 ? '#' : '^', name);
			*n += (size_t)w;
			gen_article_body(p, cap, n, depth + 1);
			w = snprintf(p + *n, cap - *n, "{{/%s}}%s", name, rand() % 3 ? "" : "\n");
			break;
		}
		*n += (size_t)w;
	}
}

TEST(test_render_row_programs_give_what_the_walk_gives_over_objects_full_partial_and_mixed)
{
	struct tctx t;
	struct buf on = BUF_INIT, off = BUF_INIT;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "rowprog");
	mk_article(&t.s, u, "<one> & 'one'", 1700000000);
	mk_article(&t.s, u, "", 1700000001);
	mk_article(&t.s, u, "a title longer than thirty-two bytes, no escapes", 1700000002);
	REQUIRE(orm_commit(&t.s) == 0);
	struct orm_list full, part;
	REQUIRE(orm_all(orm_order_by(t_article_query(&t.s), ORM_COL(t_article, id), ORM_ASC), &full) == 0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	REQUIRE(orm_all(orm_load_only(t_article_query(&s2), ORM_COL(t_article, title)), &part) == 0);
	REQUIRE(full.n == 3 && part.n == 3);
	struct orm_obj *mixed_items[] = {full.items[0], part.items[1], (struct orm_obj *)u,
					 full.items[2], full.items[1]};
	struct orm_list mixed = {mixed_items, 5, 5};
	const struct orm_list *lists[] = {&full, &part, &mixed};
	int64_t current = ((struct t_article *)full.items[1])->id;
	srand(1206);
	int failures = 0;
	for (int round = 0; round < 400 && failures < 3; round++) {
		char src[4096];
		size_t n = (size_t)snprintf(src, sizeof src, "{{#items}}");
		gen_article_body(src, sizeof src - 32, &n, 0);
		n += (size_t)snprintf(src + n, sizeof src - n, "{{/items}}");
		struct tmpl_set *set = tmpl_set_new();
		char err[128];
		const char *partial = round % 2 ? "[{{title}}|{{who}}]" : "  <{{#flag}}{{id}}{{/flag}}>\n";
		REQUIRE(set && tmpl_set_add(set, "p", partial, strlen(partial), err, sizeof err) == 0);
		REQUIRE(tmpl_set_add(set, "t", src, n, err, sizeof err) == 0);
		struct tmpl_map *m = tmpl_map_new(&t.arena);
		REQUIRE(m);
		CHECK_INT(tmpl_map_set(m, "items", orm_tmpl_list(lists[round % 3], &current, &t.arena)), 0);
		CHECK_INT(tmpl_map_set_str(m, "who", round % 4 ? "<me>" : ""), 0);
		CHECK_INT(tmpl_map_set_bool(m, "flag", round % 5 != 0), 0);
		struct tmpl_value v = tmpl_map_value(m);
		buf_reset(&on);
		buf_reset(&off);
		tmpl_row_programs_off = false;
		int rc_on = tmpl_render_value(set, "t", &v, &on);
		tmpl_row_programs_off = true;
		int rc_off = tmpl_render_value(set, "t", &v, &off);
		tmpl_row_programs_off = false;
		bool same = rc_on == 0 && rc_off == 0 && on.n == off.n &&
			    (!on.n || !memcmp(on.p, off.p, on.n));
		CHECK_MSG(same, "%s: rc %d/%d\n%.*s\n---\n%.*s", src, rc_on, rc_off, (int)on.n,
			  on.p ? on.p : "", (int)off.n, off.p ? off.p : "");
		failures += !same;
		tmpl_set_free(set);
	}
	orm_session_close(&s2);
out:
	tmpl_row_programs_off = false;
	buf_free(&on);
	buf_free(&off);
	t_end(&t);
}

/* test_relations.c — one-to-many with backref, uselist=False, order_by on
 * the relationship, many-to-many through secondary (append / remove rows,
 * cascade of unsaved objects), explicit primaryjoin / secondaryjoin, lazy
 * loading and eager loading in one extra query (no N+1). */
#include <stdio.h>

#include "orm_test.h"

TEST(test_one_to_many_with_backref)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "writer");
	mk_user(&t.s, "other");
	mk_article(&t.s, u, "old", 1000);
	mk_article(&t.s, u, "new", 3000);
	mk_article(&t.s, u, "mid", 2000);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_session s;
	orm_session_init(&s, t.db, &t.arena);
	struct t_user *w;
	CHECK_INT(t_user_get(&s, u->id, &w), 0);
	t.db->queries = 0;
	struct orm_list *arts;
	CHECK_INT(t_user_load_articles(&s, w, &arts), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK(arts == &w->articles);
	CHECK_INT(arts->n, 3);
	/* order_by on the relationship: pdatetime DESC, id DESC */
	if (arts->n == 3) {
		CHECK_STR(t_article_at(arts, 0)->title, "new");
		CHECK_STR(t_article_at(arts, 1)->title, "mid");
		CHECK_STR(t_article_at(arts, 2)->title, "old");
		/* the backref is known without a query */
		struct t_user *back;
		CHECK_INT(t_article_load_user(&s, t_article_at(arts, 1), &back), 0);
		CHECK(back == w);
		CHECK(t_article_at(arts, 2)->user == w);
	}
	CHECK_INT(t_user_load_articles(&s, w, &arts), 0); /* loaded: no query */
	CHECK_INT(t.db->queries, 1);
	/* append sets the FK (and the backref) at flush */
	struct t_user *o;
	CHECK_INT(t_user_first(orm_filter_by(t_user_query(&s), "username", orm_str("other")), &o), 0);
	struct t_article *na = t_article_new(&s);
	na->title = "appended";
	na->content = "c";
	CHECK_INT(orm_append(&s, o, ORM_REL(t_user, articles), na), 0);
	CHECK(na->user == o);
	CHECK_INT(na->orm.state, ORM_PENDING); /* the cascade added it */
	CHECK_INT(orm_commit(&s), 0);
	CHECK_INT(na->user_id, o->id);
	/* moving an article to another user through the backref side */
	struct t_article *first = t_article_at(arts, 0);
	CHECK_INT(orm_set_related(&s, first, ORM_REL(t_article, user), o), 0);
	CHECK_INT(arts->n, 2);
	CHECK(orm_list_contains(&o->articles, first));
	CHECK_INT(orm_commit(&s), 0);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM t_article WHERE user_id = %d", o->id);
	CHECK_INT(t_scalar(t.db, sql), 2);
	orm_session_close(&s);
out:
	t_end(&t);
}

TEST(test_many_to_one_lazy_load_uses_the_identity_map)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "a");
	mk_article(&t.s, u, "1", 0);
	mk_article(&t.s, u, "2", 0);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_session s;
	orm_session_init(&s, t.db, &t.arena);
	struct orm_list l;
	CHECK_INT(orm_all(orm_order_by(t_article_query(&s), ORM_COL(t_article, id), ORM_ASC), &l), 0);
	t.db->queries = 0;
	struct t_user *u1, *u2;
	CHECK_INT(t_article_load_user(&s, t_article_at(&l, 0), &u1), 0);
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(t_article_load_user(&s, t_article_at(&l, 1), &u2), 0);
	CHECK_INT(t.db->queries, 1); /* found in the identity map */
	CHECK(u1 && u1 == u2);
	struct t_user *g;
	CHECK_INT(t_user_get(&s, u1->id, &g), 0);
	CHECK(g == u1);
	CHECK_INT(t.db->queries, 1);
	orm_session_close(&s);
out:
	t_end(&t);
}

TEST(test_uselist_false_one_to_one)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct orm_session *s = &t.s;
	struct t_user *u = mk_user(s, "learner");
	struct t_student *st = t_student_new(s);
	st->sname = "learner";
	CHECK_INT(orm_set_related(s, u, ORM_REL(t_user, student), st), 0); /* user.student = st */
	CHECK(st->user == u);
	CHECK_INT(orm_commit(s), 0);
	CHECK_INT(st->user_id, u->id);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct t_user *u2;
	struct t_student *st2;
	CHECK_INT(t_user_get(&s2, u->id, &u2), 0);
	CHECK_INT(t_user_load_student(&s2, u2, &st2), 0); /* a scalar, not a list */
	CHECK(st2 && st2->id == st->id);
	struct t_user *back;
	CHECK_INT(t_student_load_user(&s2, st2, &back), 0);
	CHECK(back == u2);
	/* a second profile replaces the first, whose FK becomes NULL */
	struct t_student *repl = t_student_new(&s2);
	repl->sname = "second";
	CHECK_INT(orm_set_related(&s2, u2, ORM_REL(t_user, student), repl), 0);
	CHECK_INT(orm_commit(&s2), 0);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT sname FROM t_student WHERE user_id = %d", u->id);
	char buf[64];
	CHECK_STR(t_scalar_str(t.db, sql, buf, sizeof buf), "second");
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_student WHERE user_id IS NULL"), 1);
	/* student.user_id is unique: two profiles for one user conflict */
	CHECK_INT(t_exec(t.db, "UPDATE t_student SET user_id = (SELECT id FROM t_user) WHERE user_id IS NULL"), 1062);
	orm_session_close(&s2);
out:
	t_end(&t);
}

static bool seed_courses(struct tctx *t, struct t_student **st, struct t_course **c)
{
	struct t_user *u = mk_user(&t->s, "stu");
	*st = t_student_new(&t->s);
	(*st)->sname = "stu";
	orm_set_related(&t->s, *st, ORM_REL(t_student, user), u);
	orm_add(&t->s, *st);
	const char *names[] = {"Algebra", "Biology", "Chemistry"};
	for (int i = 0; i < 3; i++) {
		c[i] = t_course_new(&t->s);
		c[i]->cname = names[i];
		orm_add(&t->s, c[i]);
	}
	int rc = orm_commit(&t->s);
	CHECK_MSG(rc == 0, "%s", orm_errmsg(&t->s));
	return rc == 0;
}

TEST(test_many_to_many_append_inserts_the_association_row)
{
	struct tctx t;
	struct t_student *st;
	struct t_course *c[3];
	if (!t_begin(&t, T_BLOG) || !seed_courses(&t, &st, c))
		goto out;
	struct sql_log log = {0};
	orm_session_set_sql_hook(&t.s, sql_log_hook, &log);
	CHECK_INT(orm_append(&t.s, st, ORM_REL(t_student, courses), c[2]), 0);
	CHECK_INT(orm_append(&t.s, st, ORM_REL(t_student, courses), c[0]), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(sql_log_count(&log, "INSERT INTO `t_student_course` (`stu_id`, `cou_id`) VALUES (?, ?)"), 2);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_student_course WHERE selected_at IS NOT NULL"), 2);
	/* appending what is already there is a no-op: no statement */
	t.db->queries = 0;
	CHECK_INT(orm_append(&t.s, st, ORM_REL(t_student, courses), c[0]), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t.db->queries, 0);
	/* both sides see it from a fresh session, in relationship order */
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct t_student *st2;
	struct orm_list *courses;
	CHECK_INT(t_student_get(&s2, st->id, &st2), 0);
	CHECK_INT(t_student_load_courses(&s2, st2, &courses), 0);
	CHECK_INT(courses->n, 2);
	if (courses->n == 2) {
		CHECK_STR(t_course_at(courses, 0)->cname, "Algebra");
		CHECK_STR(t_course_at(courses, 1)->cname, "Chemistry");
		struct orm_list *studs;
		CHECK_INT(t_course_load_students(&s2, t_course_at(courses, 1), &studs), 0);
		CHECK_INT(studs->n, 1);
		CHECK(studs->n == 1 && studs->items[0] == &st2->orm);
	}
	/* the other side appends too (course.students.append) */
	struct t_course *bio;
	CHECK_INT(t_course_get(&s2, c[1]->id, &bio), 0);
	CHECK_INT(orm_append(&s2, bio, ORM_REL(t_course, students), st2), 0);
	CHECK(orm_list_contains(courses, bio)); /* the loaded backref list follows */
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_student_course"), 3);
	orm_session_close(&s2);
	/* the unique (stu_id, cou_id) pair holds in the database */
	CHECK_INT(orm_err_from_errno(t_exec(t.db, "INSERT INTO t_student_course (stu_id, cou_id) "
					   "SELECT stu_id, cou_id FROM t_student_course LIMIT 1")), ORM_CONFLICT);
out:
	t_end(&t);
}

TEST(test_many_to_many_remove_deletes_the_association_row)
{
	struct tctx t;
	struct t_student *st;
	struct t_course *c[3];
	if (!t_begin(&t, T_BLOG) || !seed_courses(&t, &st, c))
		goto out;
	for (int i = 0; i < 3; i++)
		orm_append(&t.s, st, ORM_REL(t_student, courses), c[i]);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct sql_log log = {0};
	orm_session_set_sql_hook(&s2, sql_log_hook, &log);
	struct t_student *st2;
	struct t_course *bio;
	CHECK_INT(t_student_get(&s2, st->id, &st2), 0);
	CHECK_INT(t_course_get(&s2, c[1]->id, &bio), 0);
	CHECK_INT(orm_remove(&s2, st2, ORM_REL(t_student, courses), bio), 0);
	CHECK_INT(st2->courses.n, 2);
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_INT(sql_log_count(&log, "DELETE FROM `t_student_course` WHERE `t_student_course`.`stu_id` = ? AND "
				      "`t_student_course`.`cou_id` = ?"), 1);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_student_course"), 2);
	/* removing what is not there is a no-op */
	t.db->queries = 0;
	CHECK_INT(orm_remove(&s2, st2, ORM_REL(t_student, courses), bio), 0);
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_INT(t.db->queries, 0);
	/* append then remove before a flush cancels out */
	CHECK_INT(orm_append(&s2, st2, ORM_REL(t_student, courses), bio), 0);
	CHECK_INT(orm_remove(&s2, st2, ORM_REL(t_student, courses), bio), 0);
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_INT(t.db->queries, 0);
	orm_session_close(&s2);
out:
	t_end(&t);
}

TEST(test_append_of_an_unsaved_object_adds_it_to_the_session)
{
	struct tctx t;
	struct t_student *st;
	struct t_course *c[3];
	if (!t_begin(&t, T_BLOG) || !seed_courses(&t, &st, c))
		goto out;
	struct t_course *fresh = t_course_new(&t.s);
	fresh->cname = "Drama";
	CHECK_INT(fresh->orm.state, ORM_TRANSIENT);
	CHECK_INT(orm_append(&t.s, st, ORM_REL(t_student, courses), fresh), 0);
	CHECK_INT(fresh->orm.state, ORM_PENDING);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK(fresh->id > 0);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM t_student_course WHERE cou_id = %d AND stu_id = %d",
		 fresh->id, st->id);
	CHECK_INT(t_scalar(t.db, sql), 1);
	/* a brand-new student and course, neither added: all cascades */
	struct t_student *ns = t_student_new(&t.s);
	ns->sname = "new";
	struct t_course *nc = t_course_new(&t.s);
	nc->cname = "Economics";
	CHECK_INT(orm_append(&t.s, ns, ORM_REL(t_student, courses), nc), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK(ns->id > 0 && nc->id > 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_student_course"), 2);
out:
	t_end(&t);
}

TEST(test_delete_of_an_object_removes_its_association_rows)
{
	struct tctx t;
	struct t_student *st;
	struct t_course *c[3];
	if (!t_begin(&t, T_BLOG) || !seed_courses(&t, &st, c))
		goto out;
	for (int i = 0; i < 3; i++)
		orm_append(&t.s, st, ORM_REL(t_student, courses), c[i]);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(orm_delete(&t.s, c[0]), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_student_course"), 2);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_course"), 2);
out:
	t_end(&t);
}

TEST(test_explicit_primaryjoin_and_secondaryjoin)
{
	struct tctx t;
	if (!t_begin(&t, T_BOOKS))
		goto out;
	struct orm_session *s = &t.s;
	struct t_author *ann = t_author_new(s), *ed = t_author_new(s);
	ann->name = "Ann";
	ed->name = "Ed";
	orm_add(s, ann);
	orm_add(s, ed);
	const char *titles[] = {"Zebra", "Apple", "Mango"};
	struct t_book *b[3];
	for (int i = 0; i < 3; i++) {
		b[i] = t_book_new(s);
		b[i]->title = titles[i];
		orm_append(s, ann, ORM_REL(t_author, books), b[i]);
		orm_set_related(s, b[i], ORM_REL(t_book, editor), ed);
	}
	struct t_tag *tg[2];
	const char *labels[] = {"sci-fi", "classic"};
	for (int i = 0; i < 2; i++) {
		tg[i] = t_tag_new(s);
		tg[i]->label = labels[i];
		orm_append(s, b[0], ORM_REL(t_book, tags), tg[i]);
	}
	orm_append(s, tg[1], ORM_REL(t_tag, books), b[1]); /* from the other side */
	CHECK_INT(orm_commit(s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_book WHERE writer_id = 1 AND editor_id = 2"), 3);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_book_tag"), 3);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct t_author *a2, *e2;
	struct orm_list *books, *edited, *tags;
	CHECK_INT(t_author_get(&s2, ann->id, &a2), 0);
	CHECK_INT(t_author_get(&s2, ed->id, &e2), 0);
	CHECK_INT(t_author_load_books(&s2, a2, &books), 0);
	CHECK_INT(books->n, 3);
	if (books->n == 3) { /* order_by title */
		CHECK_STR(t_book_at(books, 0)->title, "Apple");
		CHECK_STR(t_book_at(books, 2)->title, "Zebra");
	}
	CHECK_INT(t_author_load_edited(&s2, a2, &edited), 0);
	CHECK_INT(edited->n, 0);
	CHECK_INT(t_author_load_edited(&s2, e2, &edited), 0);
	CHECK_INT(edited->n, 3);
	if (edited->n == 3) /* order_by id desc */
		CHECK_STR(t_book_at(edited, 0)->title, "Mango");
	struct t_book *zebra = NULL;
	for (size_t i = 0; i < books->n; i++)
		if (!strcmp(t_book_at(books, i)->title, "Zebra"))
			zebra = t_book_at(books, i);
	CHECK(zebra != NULL);
	if (zebra) {
		CHECK_INT(t_book_load_tags(&s2, zebra, &tags), 0);
		CHECK_INT(tags->n, 2);
		if (tags->n == 2) { /* order_by label */
			CHECK_STR(t_tag_at(tags, 0)->label, "classic");
			CHECK_STR(t_tag_at(tags, 1)->label, "sci-fi");
			struct orm_list *tb;
			CHECK_INT(t_tag_load_books(&s2, t_tag_at(tags, 0), &tb), 0);
			CHECK_INT(tb->n, 2);
		}
		struct t_author *w;
		CHECK_INT(t_book_load_writer(&s2, zebra, &w), 0);
		CHECK(w == a2);
	}
	orm_session_close(&s2);
out:
	t_end(&t);
}

TEST(test_lazy_selectin_relationship_loads_with_every_query)
{
	struct tctx t;
	if (!t_begin(&t, T_BOOKS))
		goto out;
	for (int i = 0; i < 5; i++) {
		struct t_author *a = t_author_new(&t.s);
		a->name = "w";
		struct t_book *b = t_book_new(&t.s);
		b->title = "b";
		b->writer = a; /* plain assignment, cascaded */
		orm_add(&t.s, b);
	}
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	t.db->queries = 0;
	struct orm_list l;
	CHECK_INT(orm_all(t_book_query(&s2), &l), 0);
	CHECK_INT(l.n, 5);
	CHECK_INT(t.db->queries, 2); /* t_book.writer is lazy="selectin" */
	for (size_t i = 0; i < l.n; i++)
		CHECK(t_book_at(&l, i)->writer && t_book_at(&l, i)->writer->id == t_book_at(&l, i)->writer_id);
	orm_session_close(&s2);
out:
	t_end(&t);
}

/* 30 users with 2 articles each. */
static bool seed_blog(struct tctx *t)
{
	for (int i = 0; i < 30; i++) {
		struct t_user *u = mk_user(&t->s, arena_printf(&t->arena, "user%02d", i));
		mk_article(&t->s, u, arena_printf(&t->arena, "a%02d", i), 1700000000 + i);
		mk_article(&t->s, u, arena_printf(&t->arena, "b%02d", i), 1700000000 + 100 + i);
	}
	int rc = orm_commit(&t->s);
	CHECK_MSG(rc == 0, "%s", orm_errmsg(&t->s));
	return rc == 0;
}

TEST(test_eager_loading_20_articles_with_authors_runs_2_statements)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t))
		goto out;
	int sizes[] = {5, 20, 50};
	for (int k = 0; k < 3; k++) {
		struct orm_session s;
		orm_session_init(&s, t.db, &t.arena);
		struct orm_query *q = orm_order_by(t_article_query(&s), ORM_COL(t_article, pdatetime), ORM_DESC);
		q = orm_eager(orm_limit(q, sizes[k]), ORM_REL(t_article, user));
		t.db->queries = 0;
		struct orm_list l;
		CHECK_INT(orm_all(q, &l), 0);
		CHECK_MSG(t.db->queries == 2, "page size %d: %lu statements", sizes[k], t.db->queries);
		CHECK_INT(l.n, sizes[k]);
		for (size_t i = 0; i < l.n; i++) {
			struct t_article *a = t_article_at(&l, i);
			CHECK(a->user && a->user->id == a->user_id);
			struct t_user *u;
			CHECK_INT(t_article_load_user(&s, a, &u), 0); /* already loaded */
		}
		CHECK_MSG(t.db->queries == 2, "page size %d: %lu statements", sizes[k], t.db->queries);
		if (k == 1)
			CHECK(strstr(orm_last_sql(&s), "WHERE `t_user`.`id` IN (?, ?") != NULL);
		/* with paginate: items, authors, total */
		struct orm_page_args pa = ORM_PAGE_ARGS_DEFAULT;
		struct orm_pagination p;
		pa.per_page = sizes[k];
		pa.page = 2;
		struct orm_session s2;
		orm_session_init(&s2, t.db, &t.arena);
		q = orm_order_by(t_article_query(&s2), ORM_COL(t_article, pdatetime), ORM_DESC);
		t.db->queries = 0;
		CHECK_INT(orm_paginate(orm_eager(q, ORM_REL(t_article, user)), &pa, &p), 0);
		CHECK_INT(t.db->queries, 3);
		CHECK_INT(p.total, 60);
		orm_session_close(&s2);
		orm_session_close(&s);
	}
	/* without eager loading the same page is N+1 */
	struct orm_session s3;
	orm_session_init(&s3, t.db, &t.arena);
	struct orm_list l;
	CHECK_INT(orm_all(orm_limit(orm_order_by(t_article_query(&s3), ORM_COL(t_article, id), ORM_ASC), 20), &l), 0);
	t.db->queries = 0;
	for (size_t i = 0; i < l.n; i++) {
		struct t_user *u;
		t_article_load_user(&s3, t_article_at(&l, i), &u);
	}
	CHECK_INT(t.db->queries, 10); /* 10 distinct authors, one query each */
	orm_session_close(&s3);
out:
	t_end(&t);
}

TEST(test_eager_one_to_many_and_many_to_many_without_n_plus_1)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t))
		goto out;
	/* students with courses: student i takes courses 0..i%4 */
	struct t_course *c[4];
	for (int i = 0; i < 4; i++) {
		c[i] = t_course_new(&t.s);
		c[i]->cname = arena_printf(&t.arena, "course%d", i);
	}
	for (int i = 0; i < 8; i++) {
		struct t_student *st = t_student_new(&t.s);
		st->sname = arena_printf(&t.arena, "s%d", i);
		orm_add(&t.s, st);
		for (int k = 0; k <= i % 4; k++)
			orm_append(&t.s, st, ORM_REL(t_student, courses), c[k]);
	}
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_session s;
	orm_session_init(&s, t.db, &t.arena);
	t.db->queries = 0;
	struct orm_list users;
	CHECK_INT(orm_all(orm_eager(orm_limit(t_user_query(&s), 10), ORM_REL(t_user, articles)), &users), 0);
	CHECK_INT(t.db->queries, 2);
	for (size_t i = 0; i < users.n; i++) {
		struct t_user *u = t_user_at(&users, i);
		CHECK_INT(u->articles.n, 2);
		if (u->articles.n == 2) { /* newest first per user */
			CHECK(t_article_at(&u->articles, 0)->title[0] == 'b');
			CHECK(t_article_at(&u->articles, 0)->user == u);
		}
	}
	t.db->queries = 0;
	struct orm_list studs;
	CHECK_INT(orm_all(orm_eager(orm_order_by(t_student_query(&s), ORM_COL(t_student, id), ORM_ASC),
				    ORM_REL(t_student, courses)), &studs), 0);
	CHECK_INT(t.db->queries, 2);
	CHECK_INT(studs.n, 8);
	for (size_t i = 0; i < studs.n; i++) {
		struct t_student *st = t_student_at(&studs, i);
		CHECK_INT(st->courses.n, i % 4 + 1);
		for (size_t k = 0; k < st->courses.n; k++) /* order_by id */
			CHECK_INT(t_course_at(&st->courses, k)->id, c[k]->id);
	}
	/* the same course object is shared by every student's list */
	if (studs.n == 8)
		CHECK(t_student_at(&studs, 0)->courses.items[0] == t_student_at(&studs, 7)->courses.items[0]);
	/* and the other way round in one more query */
	t.db->queries = 0;
	struct orm_list courses;
	CHECK_INT(orm_all(t_course_query(&s), &courses), 0);
	CHECK_INT(orm_load_rel_many(&s, &courses, ORM_REL(t_course, students)), 0);
	CHECK_INT(t.db->queries, 2);
	CHECK_INT(t_course_at(&courses, 0)->students.n, 8);
	CHECK_INT(t_course_at(&courses, 3)->students.n, 2);
	orm_session_close(&s);
out:
	t_end(&t);
}

TEST(test_with_parent_gives_a_query_to_filter_and_paginate)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !seed_blog(&t))
		goto out;
	struct t_user *u;
	CHECK_INT(t_user_first(orm_filter_by(t_user_query(&t.s), "username", orm_str("user07")), &u), 0);
	REQUIRE(u);
	for (int i = 0; i < 25; i++)
		mk_article(&t.s, u, "more", 1800000000 + i);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_exec(t.db, "UPDATE t_article SET isdelete = 1 WHERE title = 'a07'"), 0);
	struct orm_query *q = orm_with_parent(&t.s, u, ORM_REL(t_user, articles));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	struct orm_page_args a = ORM_PAGE_ARGS_DEFAULT;
	struct orm_pagination p;
	a.per_page = 10;
	a.page = 3;
	CHECK_INT(orm_paginate(q, &a, &p), 0);
	CHECK_INT(p.total, 26);
	CHECK_INT(p.pages, 3);
	CHECK_INT(p.items.n, 6);
	if (p.items.n == 6) /* the relationship's order: newest first */
		CHECK_STR(t_article_at(&p.items, 5)->title, "b07");
	/* many-to-many too */
	struct t_student *st = t_student_new(&t.s);
	st->sname = "x";
	struct t_course *c1 = t_course_new(&t.s), *c2 = t_course_new(&t.s);
	c1->cname = "one";
	c2->cname = "two";
	orm_add(&t.s, c2);
	orm_append(&t.s, st, ORM_REL(t_student, courses), c1);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_list l;
	CHECK_INT(orm_all(orm_with_parent(&t.s, st, ORM_REL(t_student, courses)), &l), 0);
	CHECK_INT(l.n, 1);
	CHECK(l.n == 1 && l.items[0] == &c1->orm);
	int64_t n;
	CHECK_INT(orm_count(orm_with_parent(&t.s, c2, ORM_REL(t_course, students)), &n), 0);
	CHECK_INT(n, 0);
out:
	t_end(&t);
}

TEST(test_rollback_expires_relationships_and_forgets_unsaved_appends)
{
	struct tctx t;
	struct t_student *st;
	struct t_course *c[3];
	if (!t_begin(&t, T_BLOG) || !seed_courses(&t, &st, c))
		goto out;
	CHECK_INT(orm_append(&t.s, st, ORM_REL(t_student, courses), c[0]), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	struct t_course *fresh = t_course_new(&t.s);
	fresh->cname = "Unsaved";
	CHECK_INT(orm_append(&t.s, st, ORM_REL(t_student, courses), fresh), 0);
	CHECK_INT(orm_append(&t.s, st, ORM_REL(t_student, courses), c[1]), 0);
	CHECK_INT(st->courses.n, 3);
	CHECK_INT(orm_rollback(&t.s), 0);
	CHECK_INT(fresh->orm.state, ORM_TRANSIENT);
	CHECK_INT(orm_commit(&t.s), 0); /* nothing left to write */
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_course WHERE cname = 'Unsaved'"), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_student_course"), 1);
	struct orm_list *l;
	t.db->queries = 0;
	CHECK_INT(t_student_load_courses(&t.s, st, &l), 0); /* expired: reloaded */
	CHECK_INT(t.db->queries, 1);
	CHECK_INT(l->n, 1);
out:
	t_end(&t);
}

/* test_alloc_fail.c — every ORM_NOMEM path of a representative workload,
 * run for real: the workload runs with the N-th arena allocation failing
 * (arena_fail_after) and again with it and every later one failing
 * (arena_fail_from), for N = 1, 2, ... until a run no longer reaches the
 * failure. Each run must end in ORM_NOMEM (never a crash, an
 * assert or a success), leave the database as some whole number of
 * commits left it, and clean up (ASan / valgrind see the leaks). The
 * workload ends with a partly loaded list rendered through a template. */
#include <stdio.h>
#include <string.h>

#include "orm_test.h"

/* The workload's own verdict on what it read: wrong data is never an
 * acceptable outcome, with or without a failed allocation. */
enum { WRONG_DATA = -100 };

/* users rendered through a page map: 0, ORM_NOMEM, or WRONG_DATA. */
static int render_users(struct orm_session *s, const struct orm_list *users, int64_t n)
{
	static const char src[] = "{{#users}}{{username}} {{rdatetime}};{{/users}}{{n}}";
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	int rc = ORM_NOMEM;
	if (!set || tmpl_set_add(set, "t", src, sizeof src - 1, NULL, 0) < 0)
		goto out;
	struct tmpl_map *m = tmpl_map_new(s->arena);
	if (tmpl_map_set(m, "users", orm_tmpl_list(users, NULL, s->arena)) < 0 ||
	    tmpl_map_set_int(m, "n", n) < 0)
		goto out;
	struct tmpl_value v = tmpl_map_value(m);
	int trc = tmpl_render_value(set, "t", &v, &out);
	if (trc == TMPL_ENOMEM)
		goto out;
	rc = trc == 0 && out.n > 4 && !memcmp(out.p, "ann ", 4) ? 0 : WRONG_DATA;
out:
	buf_free(&out);
	tmpl_set_free(set);
	return rc;
}

struct wl {
	int wrong_line; /* where WRONG_DATA was decided */
	/* fingerprints of the database after each commit (reference run) */
	char fp[8][512];
	int nfp;
	bool record;
};

#define TRY(call)                               \
	do {                                    \
		if ((rc = (call)) != 0)         \
			goto out;               \
	} while (0)
#define NEW(var, model)                         \
	do {                                    \
		if (!((var) = model##_new(s))) { \
			rc = ORM_NOMEM;         \
			goto out;               \
		}                               \
	} while (0)
#define EXPECT(cond)                            \
	do {                                    \
		if (!(cond)) {                  \
			w->wrong_line = __LINE__; \
			rc = WRONG_DATA;        \
			goto out;               \
		}                               \
	} while (0)

/* What the tables hold, without ids (they differ from run to run). Plain
 * SQL on the shared connection: no arena. */
static void fingerprint(struct db *db, char *buf, size_t n)
{
	t_scalar_str(db,
		     "SELECT CONCAT_WS('|',"
		     " COALESCE((SELECT GROUP_CONCAT(username ORDER BY username) FROM t_user), '-'),"
		     " COALESCE((SELECT GROUP_CONCAT(CONCAT(a.title, '/', u.username, '/', a.click_num)"
		     "   ORDER BY a.title) FROM t_article a JOIN t_user u ON u.id = a.user_id), '-'),"
		     " COALESCE((SELECT GROUP_CONCAT(CONCAT(st.sname, '/', u.username)) FROM t_student st"
		     "   JOIN t_user u ON u.id = st.user_id), '-'),"
		     " COALESCE((SELECT GROUP_CONCAT(cname ORDER BY cname) FROM t_course), '-'),"
		     " COALESCE((SELECT GROUP_CONCAT(CONCAT(st.sname, '-', c.cname) ORDER BY c.cname)"
		     "   FROM t_student_course sc JOIN t_student st ON st.id = sc.stu_id"
		     "   JOIN t_course c ON c.id = sc.cou_id), '-'))",
		     buf, n);
}

/* After a statement that committed (orm_commit, or a bulk UPDATE outside
 * a transaction, which is one autocommit statement). */
static int committed(struct orm_session *s, struct wl *w, int rc)
{
	if (!rc && w->record && w->nfp < 8)
		fingerprint(s->db, w->fp[w->nfp++], sizeof w->fp[0]);
	return rc;
}

static int mk_article_checked(struct orm_session *s, struct t_user *u, const char *title,
			      int64_t when, struct t_article **out)
{
	struct t_article *a = t_article_new(s);
	if (!a)
		return ORM_NOMEM;
	a->title = title;
	a->content = "body";
	a->pdatetime = when;
	*out = a;
	return orm_set_related(s, a, ORM_REL(t_article, user), u);
}

/* The unit of work of step 9, run by orm_transaction. */
static int drop_student(struct orm_session *s, void *stu)
{
	return orm_delete(s, stu);
}

/* Insert with relationships of every kind, query (filters, order, eager
 * loads), paginate, update (unit of work and bulk), delete, association
 * append / remove, lazy and dynamic loads, grouped rows, a commit refused
 * and rolled back, a retryable transaction, a bulk delete; a commit after
 * each group. 0, an orm_err, or WRONG_DATA. */
static int workload(struct orm_session *s, struct wl *w)
{
	int rc = 0;
	struct t_user *ann, *bob;
	struct t_article *a[6];
	struct t_student *stu;
	struct t_course *c[3];
	static const char *const titles[6] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"};
	static const char *const cnames[3] = {"Algebra", "Biology", "Chemistry"};

	/* 1: insert, relationships set from both sides */
	NEW(ann, t_user);
	ann->username = "ann";
	ann->password = "x";
	NEW(bob, t_user);
	bob->username = "bob";
	bob->password = "y";
	TRY(orm_add(s, ann));
	TRY(orm_add(s, bob));
	for (int i = 0; i < 6; i++) {
		if (i % 2) {
			/* one-to-many append from the parent's side */
			NEW(a[i], t_article);
			a[i]->title = titles[i];
			a[i]->content = "body";
			a[i]->pdatetime = 1700000000 + i;
			TRY(orm_append(s, bob, ORM_REL(t_user, articles), a[i]));
		} else {
			TRY(mk_article_checked(s, ann, titles[i], 1700000000 + i, &a[i]));
		}
	}
	NEW(stu, t_student);
	stu->sname = "stu";
	TRY(orm_set_related(s, ann, ORM_REL(t_user, student), stu));
	for (int i = 0; i < 3; i++) {
		NEW(c[i], t_course);
		c[i]->cname = cnames[i];
		TRY(orm_add(s, c[i]));
	}
	TRY(orm_append(s, stu, ORM_REL(t_student, courses), c[0]));
	TRY(orm_append(s, stu, ORM_REL(t_student, courses), c[1]));
	TRY(committed(s, w, orm_commit(s)));

	/* 2: queries: filter, order, eager many-to-one and many-to-many */
	struct orm_list l;
	struct orm_query *q = orm_filter(t_article_query(s),
					 orm_ge(s, ORM_COL(t_article, pdatetime), orm_int(1700000001)));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	q = orm_eager(orm_order_by(q, ORM_COL(t_article, title), ORM_DESC), ORM_REL(t_article, user));
	TRY(orm_all(q, &l));
	EXPECT(l.n == 5);
	EXPECT(!strcmp(t_article_at(&l, 0)->title, "foxtrot") && t_article_at(&l, 0)->user == bob);
	EXPECT(!strcmp(t_article_at(&l, 4)->title, "bravo") && t_article_at(&l, 4)->user == bob);
	EXPECT(t_article_at(&l, 1)->user == ann);
	struct orm_list students;
	TRY(orm_all(orm_eager(t_student_query(s), ORM_REL(t_student, courses)), &students));
	EXPECT(students.n == 1 && t_student_at(&students, 0) == stu);
	EXPECT(stu->courses.n == 2 && t_course_at(&stu->courses, 1) == c[1]);
	struct orm_list *ann_articles;
	TRY(orm_load_list(s, ann, ORM_REL(t_user, articles), &ann_articles));
	EXPECT(ann_articles->n == 3);

	/* paginate: newest first, page 2 of 2 per page, with the count */
	struct orm_page_args pa = ORM_PAGE_ARGS_DEFAULT;
	struct orm_pagination p;
	pa.page = 2;
	pa.per_page = 2;
	q = orm_order_by(t_article_query(s), ORM_COL(t_article, pdatetime), ORM_DESC);
	TRY(orm_paginate(q, &pa, &p));
	EXPECT(p.total == 6 && p.pages == 3 && p.items.n == 2);
	EXPECT(t_article_at(&p.items, 0) == a[3] && t_article_at(&p.items, 1) == a[2]);
	int64_t n = 0;
	TRY(orm_count(orm_filter_by(t_article_query(s), "user_id", orm_int(bob->id)), &n));
	EXPECT(n == 3);

	/* 3: update: a changed column, a bulk UPDATE, a moved article */
	a[0]->title = "alpha2";
	struct orm_assign inc = {ORM_COL(t_article, click_num), orm_int(5), true};
	uint64_t affected = 0;
	TRY(committed(s, w, orm_update(orm_filter_by(t_article_query(s), "user_id", orm_int(bob->id)),
					&inc, 1, &affected)));
	EXPECT(affected == 3);
	TRY(orm_set_related(s, a[4], ORM_REL(t_article, user), bob));
	TRY(committed(s, w, orm_commit(s)));

	/* 4: delete, association remove and append */
	TRY(orm_delete(s, a[1]));
	TRY(orm_remove(s, stu, ORM_REL(t_student, courses), c[0]));
	TRY(orm_append(s, stu, ORM_REL(t_student, courses), c[2]));
	TRY(committed(s, w, orm_commit(s)));

	/* 5: read back through a fresh query: the identity map answers */
	struct t_user *again = NULL;
	TRY(t_user_get(s, bob->id, &again));
	EXPECT(again == bob);
	struct orm_list *courses;
	TRY(orm_load_list(s, stu, ORM_REL(t_student, courses), &courses));
	EXPECT(courses->n == 2 && t_course_at(courses, 0) == c[1] && t_course_at(courses, 1) == c[2]);
	TRY(orm_count(t_article_query(s), &n));
	EXPECT(n == 5);

	/* 6: lazy loads, and a relationship as a query (lazy="dynamic") */
	struct orm_list by_title;
	TRY(orm_all(orm_order_by(t_article_query(s), ORM_COL(t_article, title), ORM_ASC), &by_title));
	EXPECT(by_title.n == 5 && t_article_at(&by_title, 0) == a[0]);
	struct t_user *owner = NULL;
	TRY(t_article_load_user(s, a[0], &owner));
	EXPECT(owner == ann);
	struct t_student *ann_student = NULL;
	TRY(t_user_load_student(s, ann, &ann_student));
	EXPECT(ann_student == stu);
	pa.page = 1;
	/* in the relationship's order: newest first */
	TRY(orm_paginate(orm_with_parent(s, bob, ORM_REL(t_user, articles)), &pa, &p));
	EXPECT(p.total == 3 && p.items.n == 2);
	EXPECT(t_article_at(&p.items, 0) == a[5] && t_article_at(&p.items, 1) == a[4]);

	/* 7: grouped rows: articles per user, in user order */
	struct orm_rows rows;
	q = orm_group_by(orm_order_by(t_article_query(s), ORM_COL(t_article, user_id), ORM_ASC),
			 ORM_COL(t_article, user_id));
	q = orm_select(orm_select(q, orm_colref(s, ORM_COL(t_article, user_id))),
		       orm_func(s, ORM_COUNT, NULL));
	TRY(orm_rows(q, &rows));
	EXPECT(rows.nrows == 2 && rows.ncols == 2);
	EXPECT(orm_value_int(rows.v[0]) == ann->id && orm_value_int(rows.v[1]) == 2);
	EXPECT(orm_value_int(rows.v[2]) == bob->id && orm_value_int(rows.v[3]) == 3);
	/* every column of a table, without select terms (select(table)) */
	q = orm_filter_by(t_student_course_query(s), "stu_id", orm_int(stu->id));
	TRY(orm_rows(orm_order_by(q, ORM_COL(t_student_course, cou_id), ORM_ASC), &rows));
	EXPECT(rows.nrows == 2 && rows.ncols == t_student_course_ncols);
	EXPECT(orm_value_int(orm_rows_at(&rows, 0)[t_student_course_col_cou_id]) == c[1]->id);
	EXPECT(orm_value_int(orm_rows_at(&rows, 1)[t_student_course_col_cou_id]) == c[2]->id);

	/* 8: a commit the database refuses (the unique username ignores
	 * case) rolls back; the session then re-reads what it holds */
	struct t_user *dup;
	NEW(dup, t_user);
	dup->username = "ANN";
	dup->password = "z";
	TRY(orm_add(s, dup));
	a[2]->title = "charlie2";
	rc = orm_commit(s);
	if (rc != ORM_CONFLICT) {
		EXPECT(rc != 0);
		goto out;
	}
	rc = 0;
	EXPECT(dup->orm.state == ORM_TRANSIENT && a[2]->orm.expired);
	struct t_article *reread = NULL;
	TRY(t_article_get(s, a[2]->id, &reread));
	EXPECT(reread == a[2] && !strcmp(reread->title, "charlie") && !a[2]->orm.expired);

	/* 9: a retryable transaction deletes the student (its association
	 * rows first); a bulk DELETE, one autocommit statement */
	TRY(committed(s, w, orm_transaction(s, drop_student, stu)));
	EXPECT(stu->orm.state == ORM_DETACHED);
	TRY(committed(s, w, orm_delete_where(orm_filter_by(t_article_query(s), "title",
							   orm_str("foxtrot")), &affected)));
	EXPECT(affected == 1);
	TRY(orm_count(t_student_course_query(s), &n));
	EXPECT(n == 0);

	/* 10: users read with load_only and the article count as an added
	 * column, then rendered through the objects (the map and the dates'
	 * text are arena memory) */
	TRY(orm_count(t_article_query(s), &n));
	struct orm_query *total = orm_select(t_article_query(s), orm_func(s, ORM_COUNT, NULL));
	q = orm_order_by(t_user_query(s), ORM_COL(t_user, username), ORM_ASC);
	q = orm_add_column(orm_load_only(q, ORM_COL(t_user, username)), orm_scalar(s, total));
	struct orm_list users;
	struct orm_rows extra;
	TRY(orm_all_with(q, &users, &extra));
	EXPECT(users.n == 2 && extra.nrows == 2 && orm_value_int(extra.v[1]) == n);
	TRY(render_users(s, &users, n));
out:
	return rc;
}

/* Empty the workload's tables (children first); no DDL: it is ~40 ms a
 * table, this is one statement each. */
static bool empty_tables(struct db *db)
{
	static const char *const tables[] = {"t_student_course", "t_article", "t_student",
					     "t_course", "t_user"};
	char sql[64];
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i]);
		if (t_exec(db, sql))
			return false;
	}
	return true;
}

TEST(test_orm_workload_fails_cleanly_at_every_allocation)
{
	struct tctx t;
	struct wl w;
	char empty[512], now[512];
	if (!t_begin(&t, T_BLOG))
		goto out;
	fingerprint(t.db, empty, sizeof empty);

	/* The reference run: no failure; it records each commit's result. */
	memset(&w, 0, sizeof w);
	w.record = true;
	int rc = workload(&t.s, &w);
	CHECK_MSG(rc == 0, "reference run: %d (%s) at line %d", rc, orm_errmsg(&t.s), w.wrong_line);
	CHECK_INT(w.nfp, 6);
	fingerprint(t.db, now, sizeof now);
	CHECK_STR(w.fp[3], "ann,bob|alpha2/ann/0,charlie/ann/0,delta/bob/5,echo/bob/0,"
			   "foxtrot/bob/5|stu/ann|Algebra,Biology,Chemistry|stu-Biology,stu-Chemistry");
	CHECK_STR(w.fp[5], "ann,bob|alpha2/ann/0,charlie/ann/0,delta/bob/5,echo/bob/0|-|"
			   "Algebra,Biology,Chemistry|-");
	CHECK_STR(now, w.fp[5]);
	if (rc || w.nfp != 6)
		goto out;

	/* Each N twice: only the N-th allocation fails (the code goes on
	 * with memory), and the N-th and every later one fail (cleanup and
	 * rollback run with none). */
	long tried = 0;
	bool done = false, bad = false;
	for (long fail_at = 1; !done && !bad && fail_at < 100000; fail_at++) {
		for (int sticky = 0; sticky < 2 && !done && !bad; sticky++) {
			struct arena a;
			struct orm_session s;
			if (!empty_tables(t.db)) {
				CHECK_MSG(false, "emptying the tables: %s", t.db->err);
				bad = true;
				break;
			}
			arena_init(&a, 16384);
			orm_session_init(&s, t.db, &a);
			w.record = false;
			w.wrong_line = 0;
			unsigned long before = arena_failures();
			if (sticky)
				arena_fail_from(fail_at);
			else
				arena_fail_after(fail_at);
			rc = workload(&s, &w);
			bool hit = arena_failures() != before;
			orm_session_close(&s); /* sticky: still without memory */
			arena_fail_after(0);
			arena_free(&a);
			tried += !sticky;
			fingerprint(t.db, now, sizeof now);
			if (!hit) {
				/* past the last allocation: the workload is whole */
				CHECK_MSG(rc == 0, "N=%ld, no failure: %d (%s) line %d", fail_at, rc,
					  orm_strerror(rc), w.wrong_line);
				CHECK_STR(now, w.fp[5]);
				done = true;
				break;
			}
			CHECK_MSG(rc == ORM_NOMEM, "N=%ld%s: the failed allocation gave %d (%s), line %d",
				  fail_at, sticky ? " and after" : "", rc,
				  rc == WRONG_DATA ? "wrong data" : orm_strerror(rc), w.wrong_line);
			/* commits are whole: the tables are as before a step or after it */
			bool whole = !strcmp(now, empty);
			for (int i = 0; i < w.nfp; i++)
				whole = whole || !strcmp(now, w.fp[i]);
			CHECK_MSG(whole, "N=%ld%s: the database holds a partial commit: %s", fail_at,
				  sticky ? " and after" : "", now);
			bad = rc != ORM_NOMEM || !whole; /* one report, not hundreds */
		}
	}
	CHECK_MSG(done, "the workload never completed (%ld runs)", tried);
	printf("alloc-fail: N = 1..%ld tried, each failing once and failing from N on; %s\n", tried,
	       done ? "every run that met a failure ended in ORM_NOMEM, the last one completed"
		    : "stopped at the first bad run");
	fflush(stdout); /* before a later test forks: one copy of the line */
out:
	t_end(&t);
}

/* A row deleted by a flush inside a transaction comes back on rollback,
 * into the identity map, also when memory is exhausted right then: the
 * identity map is 47/64 full, so one more entry would grow it, but the
 * object's own slot is free again. Before the fix the put failed and the
 * next get loaded a second object for the same row. */
TEST(test_rollback_without_memory_keeps_a_deleted_object_mapped)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u[47];
	for (int i = 0; i < 47; i++)
		REQUIRE((u[i] = mk_user(&t.s, arena_printf(&t.arena, "user%02d", i))));
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t.s.idmap_n, 47);
	CHECK_INT(t.s.idmap_cap, 64);
	struct t_user *gone = u[20];
	int64_t id = gone->id;
	CHECK_INT(orm_begin(&t.s), 0);
	CHECK_INT(orm_delete(&t.s, gone), 0);
	CHECK_INT(orm_flush(&t.s), 0);
	CHECK_INT(gone->orm.state, ORM_DETACHED);
	unsigned long before = arena_failures();
	arena_fail_from(1);
	int rc = orm_rollback(&t.s);
	arena_fail_after(0);
	CHECK_INT(rc, 0);
	CHECK_INT(arena_failures(), before); /* the rollback needed no memory */
	CHECK_INT(gone->orm.state, ORM_PERSISTENT);
	struct t_user *back = NULL;
	CHECK_INT(t_user_get(&t.s, id, &back), 0);
	CHECK(back == gone); /* one object per row */
	int n = 0;
	for (struct orm_obj *o = t.s.objects; o; o = o->next)
		n += o->model == &t_user_model && orm_pk(o) == id;
	CHECK_INT(n, 1);
out:
	t_end(&t);
}

/* The same when the identity map was rebuilt after the delete (no
 * tombstone left) and is 95/128 full: mapping the row again needs a bigger
 * table, there is no memory, so the restored object stays detached and the
 * next get loads one new object for its row, never two. */
TEST(test_rollback_that_cannot_remap_a_deleted_object_leaves_it_detached)
{
	struct tctx t;
	struct db *other = NULL;
	if (!t_begin(&t, T_BLOG) || !(other = t_connect()))
		goto out;
	struct t_user *u[47];
	for (int i = 0; i < 47; i++)
		REQUIRE((u[i] = mk_user(&t.s, arena_printf(&t.arena, "user%02d", i))));
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_exec(other, "INSERT INTO t_user (username, password) SELECT CONCAT('more', seq), 'x' "
				"FROM seq_0_to_48"), 0);
	struct t_user *gone = u[20];
	int64_t id = gone->id;
	CHECK_INT(orm_begin(&t.s), 0);
	CHECK_INT(orm_delete(&t.s, gone), 0);
	CHECK_INT(orm_flush(&t.s), 0);
	struct orm_list all;
	CHECK_INT(orm_all(t_user_query(&t.s), &all), 0);
	CHECK_INT(all.n, 95);
	CHECK_INT(t.s.idmap_n, 95); /* rebuilt on the way: no tombstone */
	CHECK_INT(t.s.idmap_cap, 128);
	unsigned long before = arena_failures();
	arena_fail_from(1);
	int rc = orm_rollback(&t.s);
	arena_fail_after(0);
	CHECK_INT(rc, 0);
	CHECK_INT(arena_failures() - before, 1);
	CHECK_INT(gone->orm.state, ORM_DETACHED);
	struct t_user *back = NULL;
	CHECK_INT(t_user_get(&t.s, id, &back), 0);
	CHECK(back != NULL && back != gone);
	if (back)
		CHECK_STR(back->username, "user20");
	int n = 0;
	for (struct orm_obj *o = t.s.objects; o; o = o->next)
		n += o->model == &t_user_model && orm_pk(o) == id;
	CHECK_INT(n, 1);
out:
	db_close(other);
	t_end(&t);
}

/* orm_append, orm_remove and orm_set_related do what can fail (room in a
 * list, the recorded write) before they change anything: out of memory,
 * the objects, lists and session are as before the call, and a commit
 * afterwards writes exactly what the objects say. */
TEST(test_append_remove_and_set_related_out_of_memory_change_nothing)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = mk_user(&t.s, "owner");
	struct t_student *stu = t_student_new(&t.s);
	struct t_course *c0 = t_course_new(&t.s), *c1 = t_course_new(&t.s);
	REQUIRE(u && stu && c0 && c1);
	stu->sname = "stu";
	c0->cname = "c0";
	c1->cname = "c1";
	orm_add(&t.s, c1);
	CHECK_INT(orm_append(&t.s, stu, ORM_REL(t_student, courses), c0), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_list *arts;
	CHECK_INT(t_user_load_articles(&t.s, u, &arts), 0); /* loaded, empty, no room yet */
	CHECK_INT(arts->n, 0);

	/* many-to-many append of a persistent course: the write cannot be recorded */
	unsigned long before = arena_failures();
	arena_fail_from(1);
	int rc = orm_append(&t.s, stu, ORM_REL(t_student, courses), c1);
	arena_fail_after(0);
	CHECK_INT(rc, ORM_NOMEM);
	CHECK(arena_failures() != before);
	CHECK_INT(stu->courses.n, 1);
	/* of a transient course: it does not join the session either */
	struct t_course *c2 = t_course_new(&t.s);
	REQUIRE(c2);
	c2->cname = "c2";
	arena_fail_from(1);
	rc = orm_append(&t.s, stu, ORM_REL(t_student, courses), c2);
	arena_fail_after(0);
	CHECK_INT(rc, ORM_NOMEM);
	CHECK_INT(c2->orm.state, ORM_TRANSIENT);
	CHECK_INT(stu->courses.n, 1);
	/* remove */
	arena_fail_from(1);
	rc = orm_remove(&t.s, stu, ORM_REL(t_student, courses), c0);
	arena_fail_after(0);
	CHECK_INT(rc, ORM_NOMEM);
	CHECK(stu->courses.n == 1 && stu->courses.items[0] == &c0->orm);
	/* many-to-one set whose backref list has no room */
	struct t_article *a = t_article_new(&t.s);
	REQUIRE(a);
	a->title = "t";
	a->content = "c";
	arena_fail_from(1);
	rc = orm_set_related(&t.s, a, ORM_REL(t_article, user), u);
	arena_fail_after(0);
	CHECK_INT(rc, ORM_NOMEM);
	CHECK(a->user == NULL && a->orm.state == ORM_TRANSIENT && arts->n == 0);

	/* nothing half-recorded: the commit writes nothing */
	t.db->queries = 0;
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t.db->queries, 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_student_course"), 1);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_course"), 2);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_article"), 0);
out:
	t_end(&t);
}

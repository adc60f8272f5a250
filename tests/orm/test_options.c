/* test_options.c — column options: primary_key, autoincrement (id written
 * back), unique, index, nullable, Python-side and server-side defaults,
 * foreign keys. */
#include <stdio.h>
#include <time.h>

#include "orm_test.h"

TEST(test_autoincrement_id_is_written_back_into_the_object)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *a = mk_user(&t.s, "ann"), *b = mk_user(&t.s, "bob"), *c = mk_user(&t.s, "cat");
	CHECK_INT(a->id, 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK(a->id > 0 && b->id == a->id + 1 && c->id == b->id + 1);
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT id FROM t_user WHERE username = 'cat'");
	CHECK_INT(t_scalar(t.db, sql), c->id);
	CHECK_INT(orm_pk(c), c->id);
	CHECK_INT(c->orm.state, ORM_PERSISTENT);
out:
	t_end(&t);
}

TEST(test_explicit_primary_key_is_kept)
{
	struct tctx t;
	if (!t_begin(&t, T_COUNTER | T_BLOG))
		goto out;
	struct t_counter *k = t_counter_new(&t.s);
	k->id = 42;
	orm_add(&t.s, k);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT n FROM t_counter WHERE id = 42"), 0);
	struct t_user *u = t_user_new(&t.s);
	u->id = 1000;
	u->username = "explicit";
	u->password = "x";
	orm_add(&t.s, u);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(u->id, 1000);
	CHECK_INT(t_scalar(t.db, "SELECT id FROM t_user WHERE username = 'explicit'"), 1000);
	/* a primary key taken twice is a conflict */
	struct t_counter *k2 = t_counter_new(&t.s);
	k2->id = 42;
	orm_add(&t.s, k2);
	CHECK_INT(orm_commit(&t.s), ORM_CONFLICT);
out:
	t_end(&t);
}

TEST(test_unique_username_ignores_ascii_case_and_is_a_conflict)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	mk_user(&t.s, "Alice");
	CHECK_INT(orm_commit(&t.s), 0);
	struct t_user *dup = mk_user(&t.s, "alice");
	CHECK_INT(orm_commit(&t.s), ORM_CONFLICT);
	CHECK_INT(t.s.db_errno, 1062);
	CHECK(dup->orm.state == ORM_TRANSIENT);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 1);
	char buf[64];
	CHECK_STR(t_scalar_str(t.db, "SELECT username FROM t_user", buf, sizeof buf), "Alice"); /* as registered */
	/* lookups are case-insensitive too */
	struct t_user *u;
	CHECK_INT(t_user_first(orm_filter_by(t_user_query(&t.s), "username", orm_str("ALICE")), &u), 0);
	CHECK(u && !strcmp(u->username, "Alice"));
out:
	t_end(&t);
}

TEST(test_unique_and_index_options_create_keys)
{
	struct tctx t;
	if (!t_begin(&t, T_DEFAULTS))
		goto out;
	CHECK_INT(t_scalar(t.db, "SELECT NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA "
			   "= DATABASE() AND TABLE_NAME = 't_defaults' AND INDEX_NAME = 'uq_t_defaults_code'"), 0);
	CHECK_INT(t_scalar(t.db, "SELECT NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA "
			   "= DATABASE() AND TABLE_NAME = 't_defaults' AND INDEX_NAME = 'ix_t_defaults_tag'"), 1);
	struct t_defaults *a = t_defaults_new(&t.s), *b = t_defaults_new(&t.s), *c = t_defaults_new(&t.s);
	a->code = "X1";
	a->tag = "same";
	b->code = "X2";
	b->tag = "same"; /* a plain index allows duplicates */
	orm_add(&t.s, a);
	orm_add(&t.s, b);
	CHECK_INT(orm_commit(&t.s), 0);
	c->code = "X1";
	orm_add(&t.s, c);
	CHECK_INT(orm_commit(&t.s), ORM_CONFLICT);
	/* NULLs do not collide in a unique index */
	struct t_defaults *d = t_defaults_new(&t.s), *e = t_defaults_new(&t.s);
	orm_add(&t.s, d);
	orm_add(&t.s, e);
	int rc = orm_commit(&t.s);
	CHECK_MSG(rc == 0, "%s: %s [%s]", orm_strerror(rc), orm_errmsg(&t.s), orm_last_sql(&t.s));
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_defaults WHERE code IS NULL"), 2);
out:
	t_end(&t);
}

TEST(test_not_null_column_refuses_null_as_invalid)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_user *u = t_user_new(&t.s);
	u->username = "nopass"; /* password left NULL */
	orm_add(&t.s, u);
	CHECK_INT(orm_commit(&t.s), ORM_INVALID);
	CHECK_INT(t.s.db_errno, 1048);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 0);
	/* a nullable one takes it */
	struct t_user *v = mk_user(&t.s, "withstudent");
	struct t_student *st = t_student_new(&t.s);
	st->sname = "s";
	CHECK(ORM_IS_NULL(st, t_student, age));
	orm_set_related(&t.s, st, ORM_REL(t_student, user), v);
	orm_add(&t.s, st);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_student WHERE age IS NULL"), 1);
out:
	t_end(&t);
}

TEST(test_python_side_default_is_set_by_new)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG | T_DEFAULTS))
		goto out;
	struct t_course *c = t_course_new(&t.s);
	CHECK_INT(c->score, 5);
	CHECK_INT(c->capacity, 30);
	CHECK(!ORM_IS_NULL(c, t_course, score));
	struct t_article *a = t_article_new(&t.s);
	CHECK_INT(a->click_num, 0);
	CHECK(a->isdelete == false && !ORM_IS_NULL(a, t_article, isdelete));
	struct t_defaults *d = t_defaults_new(&t.s);
	CHECK_STR(d->name, "anon");
	CHECK(d->ratio == 0.5);
	c->cname = "Math";
	orm_add(&t.s, c);
	orm_add(&t.s, d);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT score * 100 + capacity FROM t_course"), 530);
	char buf[64];
	CHECK_STR(t_scalar_str(t.db, "SELECT CONCAT(name, ratio) FROM t_defaults", buf, sizeof buf), "anon0.5");
out:
	t_end(&t);
}

TEST(test_server_default_current_timestamp_and_literal_come_back)
{
	struct tctx t;
	if (!t_begin(&t, T_DEFAULTS))
		goto out;
	struct sql_log log = {0};
	orm_session_set_sql_hook(&t.s, sql_log_hook, &log);
	struct t_defaults *d = t_defaults_new(&t.s);
	orm_add(&t.s, d);
	time_t before = time(NULL);
	t.db->queries = 0;
	CHECK_INT(orm_commit(&t.s), 0);
	time_t after = time(NULL);
	CHECK_INT(t.db->queries, 3); /* BEGIN, INSERT ... RETURNING, COMMIT */
	CHECK_INT(sql_log_count(&log, "INSERT INTO `t_defaults`"), 1);
	CHECK(strstr(log.sql[1], " RETURNING `id`, `n`, `created`, `note`") != NULL);
	CHECK(d->id > 0);
	CHECK_INT(d->n, 7);
	CHECK_STR(d->note, "hello");
	CHECK_MSG(d->created >= before - 2 && d->created <= after + 2, "created %lld, now %lld",
		  (long long)d->created, (long long)before);
	/* written explicitly, the value wins over the server default */
	struct t_defaults *e = t_defaults_new(&t.s);
	e->n = 3;
	e->note = "mine";
	e->created = orm_datetime_from_parts(2001, 2, 3, 4, 5, 6);
	orm_add(&t.s, e);
	CHECK_INT(orm_commit(&t.s), 0);
	char buf[64];
	CHECK_STR(t_scalar_str(t.db, "SELECT CONCAT(n, note, created) FROM t_defaults WHERE n = 3", buf,
			       sizeof buf), "3mine2001-02-03 04:05:06");
	/* and NULL explicitly where the column allows it */
	struct t_defaults *f = t_defaults_new(&t.s);
	ORM_SET_NULL(f, t_defaults, note);
	f->n = 4;
	orm_add(&t.s, f);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_defaults WHERE n = 4 AND note IS NULL"), 1);
out:
	t_end(&t);
}

/* docs/orm.md: a column with a server default is left out of the INSERT
 * while it is unchanged since orm_new, even when the value assigned is the
 * one it already had (0); ORM_SET marks it changed and 0 is written. */
TEST(test_unchanged_server_default_column_is_left_out_and_orm_set_writes_zero)
{
	struct tctx t;
	if (!t_begin(&t, T_DEFAULTS))
		goto out;
	struct sql_log log = {0};
	orm_session_set_sql_hook(&t.s, sql_log_hook, &log);
	struct t_defaults *d = t_defaults_new(&t.s);
	CHECK(!ORM_IS_NULL(d, t_defaults, n)); /* not NULL: the server fills it */
	CHECK(ORM_IS_NULL(d, t_defaults, note));
	d->n = 0; /* the value it had: no change */
	orm_add(&t.s, d);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_STR(log.sql[1], "INSERT INTO `t_defaults` (`name`, `ratio`, `code`, `tag`) VALUES (?, ?, ?, ?) "
			      "RETURNING `id`, `n`, `created`, `note`");
	CHECK_INT(d->n, 7);
	CHECK_STR(d->note, "hello");
	struct t_defaults *e = t_defaults_new(&t.s);
	ORM_SET(e, t_defaults, n, 0);
	orm_add(&t.s, e);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(e->n, 0);
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT n FROM t_defaults WHERE id = %lld", (long long)e->id);
	CHECK_INT(t_scalar(t.db, sql), 0);
out:
	t_end(&t);
}

TEST(test_foreign_key_violations_are_invalid_or_conflict)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct t_article *a = t_article_new(&t.s);
	a->title = "orphan";
	a->content = "c";
	a->user_id = 999; /* no such user */
	orm_add(&t.s, a);
	CHECK_INT(orm_commit(&t.s), ORM_INVALID);
	CHECK_INT(t.s.db_errno, 1452);
	struct t_user *u = mk_user(&t.s, "parent");
	mk_article(&t.s, u, "child", 0);
	CHECK_INT(orm_commit(&t.s), 0);
	/* deleting a row still referenced: a conflict, nothing deleted */
	CHECK_INT(orm_delete(&t.s, u), 0);
	CHECK_INT(orm_commit(&t.s), ORM_CONFLICT);
	CHECK_INT(t.s.db_errno, 1451);
	CHECK_INT(u->orm.state, ORM_PERSISTENT);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_user"), 1);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_article"), 1);
out:
	t_end(&t);
}

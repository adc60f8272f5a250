/* test_transaction.c — retryable transactions (orm_transaction, orm_retry)
 * and the rows a retry sees: after a rollback, orm_get and FOR UPDATE give
 * the row's current values, never those read before (SPEC 10). */
#include <stdio.h>

#include "orm_test.h"

/* A course with enrolled = 0, committed; its id. */
static int64_t mk_course(struct tctx *t, const char *name)
{
	struct t_course *c = t_course_new(&t->s);
	c->cname = name;
	orm_add(&t->s, c);
	if (orm_commit(&t->s) != 0)
		return 0;
	return c->id;
}

static unsigned set_enrolled(struct db *db, int64_t id, int n)
{
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE t_course SET enrolled = %d WHERE id = %lld", n, (long long)id);
	return t_exec(db, sql);
}

TEST(test_get_after_rollback_rereads_the_row_into_the_same_object)
{
	struct tctx t;
	struct db *other = NULL;
	if (!t_begin(&t, T_BLOG) || !(other = t_connect()))
		goto out;
	int64_t id = mk_course(&t, "Algebra");
	struct t_course *c = NULL;
	CHECK_INT(t_course_get(&t.s, id, &c), 0);
	CHECK_INT(c->enrolled, 0);
	CHECK_INT(set_enrolled(other, id, 3), 0);
	CHECK_INT(orm_begin(&t.s), 0);
	CHECK_INT(orm_rollback(&t.s), 0);
	struct t_course *again = NULL;
	CHECK_INT(t_course_get(&t.s, id, &again), 0);
	CHECK(again == c);           /* identity kept */
	CHECK_INT(again->enrolled, 3); /* the row's value now, not the one read before */
	/* refreshed: a second get is an identity-map hit (no statement) */
	struct sql_log log = {0};
	orm_session_set_sql_hook(&t.s, sql_log_hook, &log);
	CHECK_INT(t_course_get(&t.s, id, &again), 0);
	CHECK_INT(log.n, 0);
out:
	db_close(other);
	t_end(&t);
}

TEST(test_for_update_refreshes_a_mapped_unchanged_object)
{
	struct tctx t;
	struct db *other = NULL;
	if (!t_begin(&t, T_BLOG) || !(other = t_connect()))
		goto out;
	int64_t id = mk_course(&t, "Botany");
	struct t_course *c = NULL;
	CHECK_INT(t_course_get(&t.s, id, &c), 0);
	CHECK_INT(set_enrolled(other, id, 4), 0);
	CHECK_INT(orm_begin(&t.s), 0);
	struct t_course *locked = NULL;
	CHECK_INT(t_course_first(orm_for_update(orm_filter_by(t_course_query(&t.s), "id", orm_int(id))),
			       &locked), 0);
	CHECK(locked == c);
	CHECK_INT(locked->enrolled, 4);
	CHECK(!orm_changed(locked, t_course_col_enrolled)); /* a refresh is not a change */
	CHECK_INT(orm_rollback(&t.s), 0);
out:
	db_close(other);
	t_end(&t);
}

struct bump {
	struct db *other; /* holds the row lock until the second run */
	int64_t id;
	int runs;
	int seen[8]; /* enrolled as each run read it */
};

/* Read the course, add one seat. The first run waits on the other
 * connection's row lock and gets a lock wait timeout (1205); before the
 * second, the other connection commits its own change. */
static int bump_run(struct orm_session *s, void *arg)
{
	struct bump *b = arg;
	if (b->runs == 1)
		t_exec(b->other, "COMMIT");
	struct t_course *c = NULL;
	int rc = t_course_get(s, b->id, &c);
	if (rc)
		return rc;
	b->seen[b->runs++ & 7] = c->enrolled;
	struct orm_assign inc = {ORM_COL(t_course, enrolled), orm_int(1), true};
	return orm_update(orm_filter_by(t_course_query(s), "id", orm_int(b->id)), &inc, 1, NULL);
}

TEST(test_transaction_retries_a_lock_wait_timeout_on_fresh_rows)
{
	struct tctx t;
	struct db *other = NULL;
	if (!t_begin(&t, T_BLOG) || !(other = t_connect()))
		goto out;
	int64_t id = mk_course(&t, "Chemistry");
	struct t_course *c = NULL;
	CHECK_INT(t_course_get(&t.s, id, &c), 0); /* mapped before the transaction */
	CHECK_INT(t_exec(t.db, "SET SESSION innodb_lock_wait_timeout = 1"), 0);
	CHECK_INT(t_exec(other, "START TRANSACTION"), 0);
	CHECK_INT(set_enrolled(other, id, 7), 0);
	struct bump b = {.other = other, .id = id};
	CHECK_INT(orm_transaction(&t.s, bump_run, &b), 0);
	CHECK_INT(b.runs, 2);
	CHECK_INT(orm_transaction_attempts(&t.s), 2);
	CHECK_INT(b.seen[0], 0);
	CHECK_INT(b.seen[1], 7); /* the retry saw the committed 7, not the 0 read before */
	CHECK_INT(t_scalar(other, "SELECT enrolled FROM t_course"), 8);
	t_exec(t.db, "SET SESSION innodb_lock_wait_timeout = DEFAULT");
out:
	db_close(other);
	t_end(&t);
}

static int always_conflicting(struct orm_session *s, void *arg)
{
	(void)s;
	++*(int *)arg;
	return ORM_RETRY;
}

TEST(test_transaction_gives_up_after_bounded_attempts_as_unavailable)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	int runs = 0;
	CHECK_INT(orm_transaction(&t.s, always_conflicting, &runs), ORM_UNAVAILABLE);
	CHECK_INT(runs, ORM_TXN_ATTEMPTS);
	CHECK(!t.s.in_txn);
	runs = 0;
	CHECK_INT(orm_retry(&t.s, always_conflicting, &runs), ORM_UNAVAILABLE);
	CHECK_INT(runs, ORM_TXN_ATTEMPTS);
out:
	t_end(&t);
}

struct dup {
	const char *name;
	int runs;
};

static int add_course(struct orm_session *s, void *arg)
{
	struct dup *d = arg;
	d->runs++;
	struct t_course *c = t_course_new(s);
	c->cname = d->name;
	return orm_add(s, c);
}

TEST(test_transaction_commits_once_and_does_not_retry_a_conflict)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	struct dup d = {.name = "Drawing"};
	struct sql_log log = {0};
	orm_session_set_sql_hook(&t.s, sql_log_hook, &log);
	CHECK_INT(orm_transaction(&t.s, add_course, &d), 0);
	CHECK_INT(d.runs, 1);
	CHECK_INT(sql_log_count(&log, "START TRANSACTION"), 1);
	CHECK_INT(sql_log_count(&log, "COMMIT"), 1);
	d.runs = 0;
	CHECK_INT(orm_transaction(&t.s, add_course, &d), ORM_CONFLICT); /* unique cname */
	CHECK_INT(d.runs, 1);
	CHECK(!t.s.in_txn);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_course"), 1);
out:
	t_end(&t);
}

struct seat {
	int64_t id;
	uint64_t moved;
};

/* The capacity guard as courses.c writes it: one conditional UPDATE. */
static int take_seat(struct orm_session *s, void *arg)
{
	struct seat *st = arg;
	struct orm_query *q = orm_filter_by(t_course_query(s), "id", orm_int(st->id));
	q = orm_filter(q, orm_cmp_terms(s, orm_colref(s, ORM_COL(t_course, enrolled)), ORM_OP_LT,
					orm_colref(s, ORM_COL(t_course, capacity))));
	struct orm_assign inc = {ORM_COL(t_course, enrolled), orm_int(1), true};
	return orm_update(q, &inc, 1, &st->moved);
}

TEST(test_column_against_column_filter_stops_a_seat_past_capacity)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	int64_t id = mk_course(&t, "Economics");
	CHECK_INT(t_exec(t.db, "UPDATE t_course SET capacity = 2"), 0);
	struct seat st = {.id = id};
	int moved = 0;
	for (int i = 0; i < 4; i++) {
		CHECK_INT(orm_transaction(&t.s, take_seat, &st), 0);
		moved += (int)st.moved;
	}
	CHECK_INT(moved, 2);
	CHECK_INT(t_scalar(t.db, "SELECT enrolled FROM t_course"), 2);
out:
	t_end(&t);
}

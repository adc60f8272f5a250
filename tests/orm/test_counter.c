/* orm suite: maintained counters (orm_counter_*) against the real
 * MariaDB — a count is the sum of its slots, reads 0 before its first
 * add, moves with its transaction (rolled back with it), reads in the
 * page's own statement as an added column, and refuses bad names. */
#include <string.h>

#include "orm_test.h"

/* A fresh framework counter table. */
static bool fresh_counter(struct tctx *t)
{
	CHECK_INT(t_exec(t->db, "DROP TABLE IF EXISTS `counter`"), 0);
	int rc = orm_counter_create_table(t->db);
	CHECK_MSG(rc == 0, "create: %s", t->db->err);
	return rc == 0;
}

static int64_t read_count(struct tctx *t, const char *name)
{
	int64_t n = -1;
	int rc = orm_counter_read(&t->s, name, &n);
	CHECK_MSG(rc == 0, "read %s: %s", name, orm_errmsg(&t->s));
	return n;
}

TEST(test_counter_reads_zero_then_the_sum_of_its_slots)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !fresh_counter(&t))
		goto out;
	CHECK_INT(read_count(&t, "things"), 0);
	CHECK_INT(orm_counter_add(&t.s, "things", 3), 0);
	CHECK_INT(orm_counter_add(&t.s, "things", -1), 0);
	CHECK_INT(orm_counter_add(&t.s, "other", 7), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(read_count(&t, "things"), 2);
	CHECK_INT(read_count(&t, "other"), 7);
	/* One process writes one slot row per name. */
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM counter WHERE name = 'things'"), 1);
	/* Another process's slot (another worker, another host) adds to the
	 * sum; a slot may be negative. */
	CHECK_INT(t_exec(t.db, "INSERT INTO counter (name, slot, value) VALUES ('things', 99, 40), "
			       "('things', 98, -5)"),
		  0);
	CHECK_INT(read_count(&t, "things"), 37);
out:
	t_end(&t);
}

TEST(test_counter_add_is_rolled_back_with_its_transaction)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !fresh_counter(&t))
		goto out;
	CHECK_INT(orm_counter_add(&t.s, "things", 5), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(orm_begin(&t.s), 0);
	CHECK_INT(orm_counter_add(&t.s, "things", 10), 0);
	CHECK_INT(orm_rollback(&t.s), 0);
	CHECK_INT(read_count(&t, "things"), 5);
	CHECK_INT(orm_begin(&t.s), 0);
	CHECK_INT(orm_counter_add(&t.s, "things", 10), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(read_count(&t, "things"), 15);
out:
	t_end(&t);
}

TEST(test_counter_total_reads_in_the_pages_own_statement)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !fresh_counter(&t))
		goto out;
	mk_user(&t.s, "ann");
	mk_user(&t.s, "bob");
	CHECK_INT(orm_counter_add(&t.s, "users", 2), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_list users;
	struct orm_rows extra;
	unsigned long q0 = t.db->queries;
	struct orm_query *q = orm_order_by(t_user_query(&t.s), ORM_COL(t_user, id), ORM_ASC);
	int rc = orm_all_with(orm_add_column(q, orm_counter_total(&t.s, "users")), &users, &extra);
	CHECK_MSG(rc == 0, "%s", orm_errmsg(&t.s));
	CHECK_INT(t.db->queries - q0, 1);
	CHECK_INT(users.n, 2);
	CHECK(extra.nrows == 2 && extra.ncols >= 1);
	if (extra.nrows == 2 && extra.ncols >= 1)
		CHECK_INT(orm_value_int(extra.v[extra.ncols - 1]), 2);
	/* A name nobody added to reads 0 (SUM of no rows is NULL). */
	q = orm_limit(t_user_query(&t.s), 1);
	rc = orm_all_with(orm_add_column(q, orm_counter_total(&t.s, "nothing")), &users, &extra);
	CHECK_INT(rc, 0);
	if (rc == 0 && extra.nrows == 1)
		CHECK_INT(orm_value_int(extra.v[extra.ncols - 1]), 0);
out:
	t_end(&t);
}

TEST(test_counter_refuses_empty_and_overlong_names)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !fresh_counter(&t))
		goto out;
	char long_name[ORM_COUNTER_NAME_MAX + 2];
	memset(long_name, 'n', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	int64_t n;
	CHECK_INT(orm_counter_add(&t.s, "", 1), ORM_MISUSE);
	CHECK_INT(orm_counter_add(&t.s, long_name, 1), ORM_MISUSE);
	CHECK_INT(orm_counter_read(&t.s, long_name, &n), ORM_MISUSE);
	CHECK(orm_counter_total(&t.s, "") == NULL);
	/* The longest name is fine. */
	long_name[ORM_COUNTER_NAME_MAX] = '\0';
	CHECK_INT(orm_counter_add(&t.s, long_name, 4), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(read_count(&t, long_name), 4);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM counter"), 1);
out:
	t_end(&t);
}

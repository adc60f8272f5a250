/* orm suite: deferred increments (orm_deferred_*) against the real
 * MariaDB — nothing written until a batch, a batch in few statements, a
 * batch whose COMMIT answer was lost applied exactly once (the ledger),
 * deleted and missing rows skipped, the memory bound, and a database that
 * fails keeping every increment for the next attempt. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "orm_test.h"

static struct orm_deferred clicks = {.model = &t_article_model, .column = "click_num", .unless = "isdelete"};

/* Three articles (ids 1..3) with click_num 0, a ledger, nothing pending. */
static bool setup(struct tctx *t)
{
	orm_deferred_discard();
	orm_deferred_set_delay(ORM_DEFERRED_DELAY_MS);
	struct t_user *u = mk_user(&t->s, "reader");
	for (int i = 0; i < 3; i++)
		mk_article(&t->s, u, i == 0 ? "one" : i == 1 ? "two" : "three", 1700000000 + i);
	int rc = orm_commit(&t->s);
	CHECK_MSG(rc == 0, "seed: %s", orm_errmsg(&t->s));
	CHECK_INT(orm_deferred_create_table(t->db), 0);
	CHECK_INT(t_exec(t->db, "DELETE FROM deferred_ledger"), 0);
	return rc == 0;
}

static long long clicks_of(struct tctx *t, int id)
{
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT click_num FROM t_article WHERE id = %d", id);
	return t_scalar(t->db, sql);
}

static void sleep_ms(long ms)
{
	struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&d, NULL);
}

TEST(test_deferred_add_runs_no_statement_until_its_batch_and_pending_counts_it)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !setup(&t))
		goto out;
	unsigned long q0 = t.db->queries;
	CHECK_INT(orm_deferred_add(&clicks, 1, 1), 0);
	CHECK_INT(orm_deferred_add(&clicks, 1, 2), 0);
	CHECK_INT(orm_deferred_add(&clicks, 2, 5), 0);
	CHECK_INT(t.db->queries, q0);
	CHECK_INT(orm_deferred_pending(&clicks, 1), 3);
	CHECK_INT(orm_deferred_pending(&clicks, 2), 5);
	CHECK_INT(orm_deferred_pending(&clicks, 3), 0);
	CHECK_INT(orm_deferred_count(), 2);
	CHECK_INT(clicks_of(&t, 1), 0);
	CHECK_INT(orm_deferred_flush(t.db, 1000), 0);
	CHECK_INT(clicks_of(&t, 1), 3);
	CHECK_INT(clicks_of(&t, 2), 5);
	CHECK_INT(clicks_of(&t, 3), 0);
	CHECK_INT(orm_deferred_pending(&clicks, 1), 0);
	CHECK_INT(orm_deferred_count(), 0);
	/* The worker's run holds one ledger row, at its last batch. */
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM deferred_ledger"), 1);
out:
	orm_deferred_discard();
	t_end(&t);
}

TEST(test_deferred_tick_waits_the_delay_then_writes_300_keys_in_one_short_transaction)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !setup(&t))
		goto out;
	CHECK_INT(orm_deferred_tick(t.db), -1);
	CHECK_INT(orm_deferred_add(&clicks, 1, 1), 0);
	/* 299 more keys, of rows that do not exist: skipped, but written in
	 * the same batch. */
	for (int id = 1000; id < 1299; id++)
		CHECK_INT(orm_deferred_add(&clicks, id, 1), 0);
	int wait = orm_deferred_tick(t.db);
	CHECK_MSG(wait > 0 && wait <= ORM_DEFERRED_DELAY_MS, "first tick: %d", wait);
	CHECK_INT(clicks_of(&t, 1), 0);
	sleep_ms(ORM_DEFERRED_DELAY_MS + 20);
	unsigned long q0 = t.db->queries;
	CHECK_INT(orm_deferred_tick(t.db), -1);
	CHECK_INT(clicks_of(&t, 1), 1);
	/* START TRANSACTION, the ledger's claim (+ its first INSERT), three
	 * UPDATEs of at most 128 ids, COMMIT. */
	CHECK_MSG(t.db->queries - q0 <= 7, "%lu statements for one batch", t.db->queries - q0);
	CHECK_INT(orm_deferred_count(), 0);
out:
	orm_deferred_discard();
	t_end(&t);
}

TEST(test_deferred_2500_keys_go_in_bounded_batches_all_written_by_one_due_tick)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !setup(&t))
		goto out;
	CHECK_INT(orm_deferred_add(&clicks, 1, 2), 0);
	for (int id = 5000; id < 7499; id++)
		CHECK_INT(orm_deferred_add(&clicks, id, 1), 0);
	CHECK_INT(orm_deferred_add(&clicks, 3, 1), 0);
	CHECK_INT(orm_deferred_count(), 2501);
	sleep_ms(ORM_DEFERRED_DELAY_MS + 20);
	/* Three batches of at most 1024 keys, one after the other. */
	CHECK_INT(orm_deferred_tick(t.db), -1);
	CHECK_INT(orm_deferred_count(), 0);
	CHECK_INT(clicks_of(&t, 1), 2);
	CHECK_INT(clicks_of(&t, 3), 1);
out:
	orm_deferred_discard();
	t_end(&t);
}

TEST(test_deferred_batch_whose_commit_answer_was_lost_is_applied_exactly_once)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !setup(&t))
		goto out;
	/* The run's first batch (the ledger row is inserted) and a later one
	 * (the row is moved on): each commits, its answer is "lost", and the
	 * retry must find it applied. */
	for (int round = 0; round < 2; round++) {
		long long before = clicks_of(&t, 1);
		CHECK_INT(orm_deferred_add(&clicks, 1, 5), 0);
		CHECK_INT(orm_deferred_add(&clicks, 2, 1), 0);
		orm_deferred_lose_commit_acks(1);
		CHECK_INT(orm_deferred_flush(t.db, 0), ORM_UNAVAILABLE);
		/* It did commit; the worker cannot know, and keeps the batch. */
		CHECK_INT(clicks_of(&t, 1), before + 5);
		CHECK_INT(orm_deferred_pending(&clicks, 1), 5);
		/* A view meanwhile goes into the next batch. */
		CHECK_INT(orm_deferred_add(&clicks, 1, 1), 0);
		CHECK_INT(orm_deferred_pending(&clicks, 1), 6);
		CHECK_INT(orm_deferred_flush(t.db, 2000), 0);
		CHECK_MSG(clicks_of(&t, 1) == before + 6, "round %d: %lld, want %lld", round, clicks_of(&t, 1),
			  before + 6);
		CHECK_INT(orm_deferred_count(), 0);
	}
	CHECK_INT(clicks_of(&t, 2), 2);
out:
	orm_deferred_lose_commit_acks(0);
	orm_deferred_discard();
	t_end(&t);
}

TEST(test_deferred_increments_of_deleted_or_missing_rows_are_dropped_without_error)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG) || !setup(&t))
		goto out;
	CHECK_INT(orm_deferred_add(&clicks, 2, 4), 0);
	CHECK_INT(orm_deferred_add(&clicks, 3, 1), 0);
	CHECK_INT(orm_deferred_add(&clicks, 987654, 1), 0);
	/* Deleted (logically) after its views were counted. */
	CHECK_INT(t_exec(t.db, "UPDATE t_article SET isdelete = 1 WHERE id = 2"), 0);
	CHECK_INT(orm_deferred_flush(t.db, 1000), 0);
	CHECK_INT(clicks_of(&t, 2), 0);
	CHECK_INT(clicks_of(&t, 3), 1);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_article WHERE id = 987654"), 0);
	CHECK_INT(orm_deferred_count(), 0);
out:
	orm_deferred_discard();
	t_end(&t);
}

TEST(test_deferred_database_down_keeps_every_increment_for_the_next_attempt)
{
	struct tctx t;
	struct db *down = NULL;
	if (!t_begin(&t, T_BLOG) || !setup(&t))
		goto out;
	char err[256];
	down = db_new("mariadb://nobody@localhost/none?socket=/nonexistent/mysqld.sock", err, sizeof err);
	CHECK(down != NULL);
	if (!down)
		goto out;
	down->opt.connect_timeout = 1;
	CHECK_INT(orm_deferred_add(&clicks, 1, 2), 0);
	CHECK_INT(orm_deferred_flush(down, 0), ORM_UNAVAILABLE);
	CHECK_INT(orm_deferred_pending(&clicks, 1), 2);
	/* The failed batch waits its back-off (100 ms), new views add up. */
	int wait = orm_deferred_tick(down);
	CHECK_MSG(wait > 0 && wait <= 100, "tick after a failure: %d", wait);
	CHECK_INT(orm_deferred_add(&clicks, 1, 1), 0);
	CHECK_INT(orm_deferred_pending(&clicks, 1), 3);
	CHECK_INT(orm_deferred_flush(t.db, 2000), 0);
	CHECK_INT(clicks_of(&t, 1), 3);
out:
	db_close(down);
	orm_deferred_discard();
	t_end(&t);
}

TEST(test_deferred_memory_bound_refuses_new_keys_but_still_counts_known_ones)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	orm_deferred_discard();
	for (int64_t id = 1; id <= ORM_DEFERRED_MAX_KEYS; id++)
		if (orm_deferred_add(&clicks, id, 1) != 0) {
			CHECK_MSG(0, "add %lld refused below the bound", (long long)id);
			break;
		}
	CHECK_INT(orm_deferred_count(), ORM_DEFERRED_MAX_KEYS);
	CHECK_INT(orm_deferred_add(&clicks, ORM_DEFERRED_MAX_KEYS + 1, 1), ORM_UNAVAILABLE);
	CHECK_INT(orm_deferred_add(&clicks, 7, 1), 0);
	CHECK_INT(orm_deferred_pending(&clicks, 7), 2);
	orm_deferred_discard();
	CHECK_INT(orm_deferred_count(), 0);
out:
	t_end(&t);
}

TEST(test_deferred_unknown_or_non_integer_column_is_misuse)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	static struct orm_deferred nope = {.model = &t_article_model, .column = "nope"};
	static struct orm_deferred text = {.model = &t_article_model, .column = "title"};
	CHECK_INT(orm_deferred_add(&nope, 1, 1), ORM_MISUSE);
	CHECK_INT(orm_deferred_add(&text, 1, 1), ORM_MISUSE);
	CHECK_INT(orm_deferred_count(), 0);
out:
	t_end(&t);
}

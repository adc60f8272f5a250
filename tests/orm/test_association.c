/* test_association.c — a plain association Table as a many-to-many
 * secondary (SQLAlchemy's Table('ta_comment_reader', Column(...,
 * ForeignKey(...), primary_key=True), ...)): composite primary key, two
 * foreign keys, no id column. Own models, own registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/schema.h"
#include "orm_test.h"

struct ta_comment;
struct ta_reader;

#define TA_COMMENT_COLUMNS(X)                                                              \
	X(ta_comment, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                      \
	X(ta_comment, body, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL)
#define TA_COMMENT_RELS(X)                                                                 \
	X(ta_comment, readers, ORM_MANY_TO_MANY, ta_reader, .secondary = "ta_comment_reader", \
	  .back_populates = "comments", .order_by = {{"name", ORM_ASC}})
ORM_MODEL_DECLARE(ta_comment, TA_COMMENT_COLUMNS, TA_COMMENT_RELS)

#define TA_READER_COLUMNS(X)                                                               \
	X(ta_reader, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                       \
	X(ta_reader, name, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL)
#define TA_READER_RELS(X)                                                                  \
	X(ta_reader, comments, ORM_MANY_TO_MANY, ta_comment, .secondary = "ta_comment_reader", \
	  .back_populates = "readers", .order_by = {{"id", ORM_ASC}})
ORM_MODEL_DECLARE(ta_reader, TA_READER_COLUMNS, TA_READER_RELS)

/* The plain table: two foreign keys, both the primary key. */
#define TA_COMMENT_READER_COLUMNS(X)                                                       \
	X(ta_comment_reader, comment_id, ORM_INTEGER, .flags = ORM_PK, .fk = "ta_comment.id") \
	X(ta_comment_reader, reader_id, ORM_INTEGER, .flags = ORM_PK, .fk = "ta_reader.id")
ORM_TABLE_DECLARE(ta_comment_reader, TA_COMMENT_READER_COLUMNS)

ORM_MODEL_DEFINE(ta_comment, TA_COMMENT_COLUMNS, TA_COMMENT_RELS);
ORM_MODEL_DEFINE(ta_reader, TA_READER_COLUMNS, TA_READER_RELS);
ORM_TABLE_DEFINE(ta_comment_reader, TA_COMMENT_READER_COLUMNS);

/* The association table first: create_all must still order it last. */
static struct orm_model *ta_models[] = {&ta_comment_reader_model, &ta_comment_model,
					&ta_reader_model};
static struct orm_registry ta_registry = {.models = ta_models, .nmodels = 3};

__attribute__((destructor)) static void ta_cleanup(void)
{
	orm_registry_free(&ta_registry);
}

/* A session (t_begin with no shared registry) and a fresh ta_ schema. */
static bool ta_begin(struct tctx *t)
{
	char err[256];
	if (!t_begin(t, 0))
		return false;
	if (orm_registry_init(&ta_registry, err, sizeof err)) {
		test_fail(__FILE__, __LINE__, "orm_registry_init", "%s", err);
		t->ok = false;
		return false;
	}
	int rc = orm_drop_all(t->db, &ta_registry);
	if (!rc)
		rc = orm_create_all(t->db, &ta_registry);
	if (rc) {
		test_fail(__FILE__, __LINE__, "reset schema", "%s: %s", orm_strerror(rc), t->db->err);
		return false;
	}
	return true;
}

/* Two comments and three readers, committed. */
static bool ta_seed(struct tctx *t, struct ta_comment **c, struct ta_reader **r)
{
	static const char *names[] = {"carol", "alice", "bob"};
	for (int i = 0; i < 2; i++) {
		c[i] = ta_comment_new(&t->s);
		c[i]->body = i ? "second" : "first";
		orm_add(&t->s, c[i]);
	}
	for (int i = 0; i < 3; i++) {
		r[i] = ta_reader_new(&t->s);
		r[i]->name = names[i];
		orm_add(&t->s, r[i]);
	}
	int rc = orm_commit(&t->s);
	CHECK_INT(rc, 0);
	return rc == 0;
}

TEST(test_plain_table_create_all_makes_composite_pk_and_two_fks)
{
	struct tctx t;
	if (!ta_begin(&t))
		goto out;
	const struct orm_model *m = &ta_comment_reader_model;
	CHECK(m->pk == NULL);
	CHECK(ORM_REL(ta_comment, readers)->sec == &ta_comment_reader_model);
	CHECK(ORM_REL(ta_comment, readers)->sec_local == ORM_COL(ta_comment_reader, comment_id));
	CHECK(ORM_REL(ta_reader, comments)->sec_local == ORM_COL(ta_comment_reader, reader_id));
	struct buf b = BUF_INIT;
	CHECK_INT(orm_create_table_sql(m, false, &b), 0);
	CHECK(b.p && strstr(b.p, "PRIMARY KEY (`comment_id`, `reader_id`)"));
	buf_free(&b);
	char s[256];
	CHECK_STR(t_scalar_str(t.db,
			       "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) "
			       "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() "
			       "AND TABLE_NAME = 'ta_comment_reader' AND CONSTRAINT_NAME = 'PRIMARY'",
			       s, sizeof s),
		  "comment_id,reader_id");
	CHECK_STR(t_scalar_str(t.db,
			       "SELECT GROUP_CONCAT(CONCAT(COLUMN_NAME, '>', REFERENCED_TABLE_NAME, '.', "
			       "REFERENCED_COLUMN_NAME) ORDER BY COLUMN_NAME) "
			       "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() "
			       "AND TABLE_NAME = 'ta_comment_reader' AND REFERENCED_TABLE_NAME IS NOT NULL",
			       s, sizeof s),
		  "comment_id>ta_comment.id,reader_id>ta_reader.id");
	CHECK_STR(t_scalar_str(t.db,
			       "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) "
			       "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
			       "AND TABLE_NAME = 'ta_comment_reader'",
			       s, sizeof s),
		  "comment_id,reader_id");
	/* the key holds in the database: one row per pair */
	t_exec(t.db, "INSERT INTO ta_comment (id, body) VALUES (1, 'x')");
	t_exec(t.db, "INSERT INTO ta_reader (id, name) VALUES (1, 'y')");
	CHECK_INT(t_exec(t.db, "INSERT INTO ta_comment_reader VALUES (1, 1)"), 0);
	CHECK_INT(orm_err_from_errno(t_exec(t.db, "INSERT INTO ta_comment_reader VALUES (1, 1)")),
		  ORM_CONFLICT);
	CHECK_INT(orm_err_from_errno(t_exec(t.db, "INSERT INTO ta_comment_reader VALUES (1, 9)")),
		  ORM_INVALID);
out:
	t_end(&t);
}

TEST(test_plain_table_append_inserts_one_row_and_remove_deletes_it)
{
	struct tctx t;
	struct ta_comment *c[2];
	struct ta_reader *r[3];
	if (!ta_begin(&t) || !ta_seed(&t, c, r))
		goto out;
	struct sql_log log = {0};
	orm_session_set_sql_hook(&t.s, sql_log_hook, &log);
	CHECK_INT(orm_append(&t.s, c[0], ORM_REL(ta_comment, readers), r[0]), 0);
	CHECK_INT(orm_append(&t.s, c[0], ORM_REL(ta_comment, readers), r[0]), 0); /* twice */
	CHECK_INT(orm_append(&t.s, c[0], ORM_REL(ta_comment, readers), r[1]), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(sql_log_count(&log, "INSERT INTO `ta_comment_reader` (`comment_id`, `reader_id`) "
				      "VALUES (?, ?)"), 2);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM ta_comment_reader"), 2);
	/* appending what is already there, after the commit too: no statement */
	t.db->queries = 0;
	CHECK_INT(orm_append(&t.s, c[0], ORM_REL(ta_comment, readers), r[0]), 0);
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t.db->queries, 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM ta_comment_reader"), 2);
	/* remove from a fresh session deletes exactly that row */
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct sql_log log2 = {0};
	orm_session_set_sql_hook(&s2, sql_log_hook, &log2);
	struct ta_comment *c0;
	struct ta_reader *alice;
	CHECK_INT(ta_comment_get(&s2, c[0]->id, &c0), 0);
	CHECK_INT(ta_reader_get(&s2, r[1]->id, &alice), 0);
	if (c0 && alice) {
		CHECK_INT(orm_remove(&s2, c0, ORM_REL(ta_comment, readers), alice), 0);
		CHECK_INT(orm_commit(&s2), 0);
	}
	CHECK_INT(sql_log_count(&log2, "DELETE FROM `ta_comment_reader` WHERE "
				       "`ta_comment_reader`.`comment_id` = ? AND "
				       "`ta_comment_reader`.`reader_id` = ?"), 1);
	char buf[64];
	CHECK_STR(t_scalar_str(t.db, "SELECT GROUP_CONCAT(reader_id) FROM ta_comment_reader", buf,
			       sizeof buf),
		  arena_printf(&t.arena, "%d", r[0]->id));
	/* deleting a comment takes its association rows first */
	CHECK_INT(orm_append(&s2, c0, ORM_REL(ta_comment, readers), alice), 0);
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM ta_comment_reader"), 2);
	CHECK_INT(orm_delete(&s2, c0), 0);
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM ta_comment_reader"), 0);
	orm_session_close(&s2);
out:
	t_end(&t);
}

TEST(test_plain_table_loads_both_directions_lazy_and_eager)
{
	struct tctx t;
	struct ta_comment *c[2];
	struct ta_reader *r[3];
	if (!ta_begin(&t) || !ta_seed(&t, c, r))
		goto out;
	for (int i = 0; i < 3; i++) /* first: all three; second: bob only */
		orm_append(&t.s, c[0], ORM_REL(ta_comment, readers), r[i]);
	orm_append(&t.s, r[2], ORM_REL(ta_reader, comments), c[1]); /* from the other side */
	CHECK_INT(orm_commit(&t.s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM ta_comment_reader"), 4);
	/* lazy, both ways */
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct ta_comment *c0;
	struct ta_reader *bob;
	struct orm_list *l;
	CHECK_INT(ta_comment_get(&s2, c[0]->id, &c0), 0);
	if (c0) {
		CHECK_INT(ta_comment_load_readers(&s2, c0, &l), 0);
		CHECK_INT(l->n, 3);
		if (l->n == 3) { /* order_by name */
			CHECK_STR(ta_reader_at(l, 0)->name, "alice");
			CHECK_STR(ta_reader_at(l, 1)->name, "bob");
			CHECK_STR(ta_reader_at(l, 2)->name, "carol");
		}
	}
	CHECK_INT(ta_reader_get(&s2, r[2]->id, &bob), 0);
	if (bob) {
		CHECK_INT(ta_reader_load_comments(&s2, bob, &l), 0);
		CHECK_INT(l->n, 2);
		if (l->n == 2) {
			CHECK_STR(ta_comment_at(l, 0)->body, "first");
			CHECK_STR(ta_comment_at(l, 1)->body, "second");
			CHECK(l->items[0] == &c0->orm); /* the identity map's object */
		}
	}
	orm_session_close(&s2);
	/* eager (selectin), both ways: one query for the rows, one for the relation */
	struct orm_session s3;
	orm_session_init(&s3, t.db, &t.arena);
	struct orm_list all;
	t.db->queries = 0;
	CHECK_INT(orm_all(orm_eager(orm_order_by(ta_comment_query(&s3), ORM_COL(ta_comment, id), ORM_ASC),
				    ORM_REL(ta_comment, readers)), &all), 0);
	CHECK_INT(t.db->queries, 2);
	CHECK_INT(all.n, 2);
	if (all.n == 2) {
		CHECK_INT(ta_comment_at(&all, 0)->readers.n, 3);
		CHECK_INT(ta_comment_at(&all, 1)->readers.n, 1);
		if (ta_comment_at(&all, 1)->readers.n == 1)
			CHECK_STR(ta_reader_at(&ta_comment_at(&all, 1)->readers, 0)->name, "bob");
	}
	t.db->queries = 0;
	CHECK_INT(orm_all(orm_eager(orm_order_by(ta_reader_query(&s3), ORM_COL(ta_reader, name), ORM_ASC),
				    ORM_REL(ta_reader, comments)), &all), 0);
	CHECK_INT(t.db->queries, 2);
	CHECK_INT(all.n, 3);
	if (all.n == 3) {
		CHECK_INT(ta_reader_at(&all, 0)->comments.n, 1); /* alice */
		CHECK_INT(ta_reader_at(&all, 1)->comments.n, 2); /* bob */
		CHECK_INT(ta_reader_at(&all, 2)->comments.n, 1); /* carol */
	}
	/* with_parent through the plain table */
	int64_t n = -1;
	struct ta_reader *bob3;
	CHECK_INT(ta_reader_get(&s3, r[2]->id, &bob3), 0);
	CHECK_INT(orm_count(orm_with_parent(&s3, bob3, ORM_REL(ta_reader, comments)), &n), 0);
	CHECK_INT(n, 2);
	orm_session_close(&s3);
out:
	t_end(&t);
}

TEST(test_plain_table_drop_all_drops_in_a_valid_order)
{
	struct tctx t;
	struct ta_comment *c[2];
	struct ta_reader *r[3];
	if (!ta_begin(&t) || !ta_seed(&t, c, r))
		goto out;
	orm_append(&t.s, c[0], ORM_REL(ta_comment, readers), r[0]);
	CHECK_INT(orm_commit(&t.s), 0);
	const struct orm_model *order[3];
	CHECK_INT(orm_registry_fk_order(&ta_registry, order, 3), 3);
	CHECK(order[2] == &ta_comment_reader_model);
	/* foreign key checks on: a wrong order fails with 1451 */
	CHECK_INT(t_scalar(t.db, "SELECT @@foreign_key_checks"), 1);
	CHECK_INT(orm_drop_all(t.db, &ta_registry), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
				 "TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'ta\\_%'"), 0);
out:
	t_end(&t);
}

TEST(test_plain_table_is_no_mapped_class)
{
	struct tctx t;
	if (!ta_begin(&t))
		goto out;
	CHECK(orm_new(&t.s, &ta_comment_reader_model) == NULL);
	void *o = NULL;
	CHECK_INT(orm_get(&t.s, &ta_comment_reader_model, 1, &o), ORM_MISUSE);
	orm_rollback(&t.s);
	/* queryable, but rows, not objects */
	struct orm_list l;
	CHECK_INT(orm_all(ta_comment_reader_query(&t.s), &l), ORM_MISUSE);
	CHECK_MSG(strstr(orm_errmsg(&t.s), "plain table") != NULL, "%s", orm_errmsg(&t.s));
	CHECK_INT(orm_first(ta_comment_reader_query(&t.s), &o), ORM_MISUSE);
	CHECK(o == NULL);
	struct orm_pagination p;
	struct orm_page_args pa = ORM_PAGE_ARGS_DEFAULT;
	CHECK_INT(orm_paginate(ta_comment_reader_query(&t.s), &pa, &p), ORM_MISUSE);
	CHECK_INT(orm_all(orm_eager(ta_comment_reader_query(&t.s), ORM_REL(ta_comment, readers)), &l),
		  ORM_MISUSE);
	int64_t n = -1;
	CHECK_INT(orm_count(orm_filter_by(ta_comment_reader_query(&t.s), "nope", orm_int(1)), &n),
		  ORM_MISUSE);
	/* a column of a table not in the query never reaches the SQL */
	CHECK_INT(orm_count(orm_filter(ta_comment_reader_query(&t.s),
				       orm_eq(&t.s, ORM_COL(ta_reader, id), orm_int(1))), &n),
		  ORM_MISUSE);
	orm_rollback(&t.s);
out:
	t_end(&t);
}

/* Links: comment 0 ← carol, alice, bob; comment 1 ← bob. */
static bool ta_link_all(struct tctx *t, struct ta_comment **c, struct ta_reader **r)
{
	if (!ta_seed(t, c, r))
		return false;
	for (int i = 0; i < 3; i++)
		orm_append(&t->s, c[0], ORM_REL(ta_comment, readers), r[i]);
	orm_append(&t->s, c[1], ORM_REL(ta_comment, readers), r[2]);
	int rc = orm_commit(&t->s);
	CHECK_INT(rc, 0);
	CHECK_INT(t_scalar(t->db, "SELECT COUNT(*) FROM ta_comment_reader"), 4);
	return rc == 0;
}

/* db.session.query(comment_user).filter_by(user_id=1).count() */
TEST(test_plain_table_filter_by_count_counts_its_rows_with_bound_values)
{
	struct tctx t;
	struct ta_comment *c[2];
	struct ta_reader *r[3];
	if (!ta_begin(&t) || !ta_link_all(&t, c, r))
		goto out;
	struct orm_session *s = &t.s;
	struct sql_log log = {0};
	orm_session_set_sql_hook(s, sql_log_hook, &log);
	int64_t n = -1;
	CHECK_INT(orm_count(ta_comment_reader_query(s), &n), 0);
	CHECK_INT(n, 4);
	CHECK_INT(orm_count(orm_filter_by(ta_comment_reader_query(s), "reader_id", orm_int(r[2]->id)),
			    &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(orm_last_sql(s), "SELECT COUNT(*) FROM `ta_comment_reader` WHERE "
				   "`ta_comment_reader`.`reader_id` = ?");
	CHECK_INT(orm_count(orm_filter_by(ta_comment_reader_query(s), "reader_id", orm_int(r[0]->id)),
			    &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(orm_count(orm_filter_by(ta_comment_reader_query(s), "reader_id", orm_int(999)), &n),
		  0);
	CHECK_INT(n, 0);
	/* filter: and / or / in, against the table's columns */
	const struct orm_column *cid = ORM_COL(ta_comment_reader, comment_id);
	const struct orm_column *rid = ORM_COL(ta_comment_reader, reader_id);
	CHECK_INT(orm_count(orm_filter(ta_comment_reader_query(s),
				       orm_and(s, orm_eq(s, cid, orm_int(c[0]->id)),
					       orm_ne(s, rid, orm_int(r[2]->id)))), &n), 0);
	CHECK_INT(n, 2);
	struct orm_value two[] = {orm_int(r[0]->id), orm_int(r[1]->id)};
	CHECK_INT(orm_count(orm_filter(ta_comment_reader_query(s), orm_in(s, rid, two, 2)), &n), 0);
	CHECK_INT(n, 2);
	/* limited: counted through a subquery keyed on the first key column */
	CHECK_INT(orm_count(orm_limit(ta_comment_reader_query(s), 3), &n), 0);
	CHECK_INT(n, 3);
	CHECK_STR(orm_last_sql(s), "SELECT COUNT(*) FROM (SELECT `ta_comment_reader`.`comment_id` "
				   "FROM `ta_comment_reader` LIMIT ?) AS anon_1");
	/* a value is never spliced into the SQL text */
	CHECK_INT(orm_count(orm_filter_by(ta_comment_reader_query(s), "reader_id",
					  orm_str("1) OR (1 = 1")), &n), 0);
	CHECK(strstr(orm_last_sql(s), "OR") == NULL);
	for (int i = 0; i < log.n; i++)
		CHECK_MSG(strstr(log.sql[i], "999") == NULL, "%s", log.sql[i]);
out:
	t_end(&t);
}

/* select(comment_user).where(...): every column, read by its enum index. */
TEST(test_plain_table_rows_returns_every_column_in_declared_order)
{
	struct tctx t;
	struct ta_comment *c[2];
	struct ta_reader *r[3];
	if (!ta_begin(&t) || !ta_link_all(&t, c, r))
		goto out;
	struct orm_session *s = &t.s;
	struct orm_rows rows;
	struct orm_query *q = orm_order_by(orm_order_by(ta_comment_reader_query(s),
							ORM_COL(ta_comment_reader, comment_id), ORM_ASC),
					   ORM_COL(ta_comment_reader, reader_id), ORM_DESC);
	CHECK_INT(orm_rows(q, &rows), 0);
	CHECK_INT(rows.ncols, ta_comment_reader_ncols);
	CHECK_INT(rows.nrows, 4);
	if (rows.nrows == 4) {
		/* comment 0: bob, alice, carol (ids 3, 2, 1 descending); comment 1: bob */
		int64_t want[4][2] = {{c[0]->id, r[2]->id}, {c[0]->id, r[1]->id},
				      {c[0]->id, r[0]->id}, {c[1]->id, r[2]->id}};
		for (size_t i = 0; i < 4; i++) {
			const struct orm_value *row = orm_rows_at(&rows, i);
			CHECK_INT(row[ta_comment_reader_col_comment_id].kind, ORM_V_INT);
			CHECK_INT(row[ta_comment_reader_col_comment_id].i, want[i][0]);
			CHECK_INT(row[ta_comment_reader_col_reader_id].i, want[i][1]);
		}
	}
	CHECK_STR(orm_last_sql(s), "SELECT `ta_comment_reader`.`comment_id`, "
				   "`ta_comment_reader`.`reader_id` FROM `ta_comment_reader` "
				   "ORDER BY `ta_comment_reader`.`comment_id` ASC, "
				   "`ta_comment_reader`.`reader_id` DESC");
	/* filtered and limited */
	CHECK_INT(orm_rows(orm_limit(orm_filter_by(q, "reader_id", orm_int(r[2]->id)), 1), &rows), 0);
	CHECK_INT(rows.nrows, 1);
	if (rows.nrows == 1)
		CHECK_INT(orm_rows_at(&rows, 0)[ta_comment_reader_col_comment_id].i, c[0]->id);
	/* nothing matches: no rows, no error */
	CHECK_INT(orm_rows(orm_filter_by(q, "comment_id", orm_int(999)), &rows), 0);
	CHECK_INT(rows.nrows, 0);
	/* readers per comment: group_by with an aggregate */
	q = orm_select(orm_select(ta_comment_reader_query(s),
				  orm_colref(s, ORM_COL(ta_comment_reader, comment_id))),
		       orm_func(s, ORM_COUNT, NULL));
	q = orm_order_by(orm_group_by(q, ORM_COL(ta_comment_reader, comment_id)),
			 ORM_COL(ta_comment_reader, comment_id), ORM_ASC);
	CHECK_INT(orm_rows(q, &rows), 0);
	CHECK_INT(rows.nrows, 2);
	if (rows.nrows == 2) {
		CHECK_INT(orm_rows_at(&rows, 0)[1].i, 3);
		CHECK_INT(orm_rows_at(&rows, 1)[1].i, 1);
	}
	/* a model's query without select terms reads its columns the same way */
	CHECK_INT(orm_rows(orm_filter_by(ta_reader_query(s), "name", orm_str("alice")), &rows), 0);
	CHECK_INT(rows.nrows, 1);
	CHECK_INT(rows.ncols, ta_reader_ncols);
	if (rows.nrows == 1) {
		CHECK_INT(orm_rows_at(&rows, 0)[ta_reader_col_id].i, r[1]->id);
		CHECK_STR(orm_rows_at(&rows, 0)[ta_reader_col_name].s.p, "alice");
	}
out:
	t_end(&t);
}

/* comment_user.delete().where(...): a bulk DELETE with bound filters. */
TEST(test_plain_table_delete_where_deletes_only_the_matching_rows)
{
	struct tctx t;
	struct ta_comment *c[2];
	struct ta_reader *r[3];
	if (!ta_begin(&t) || !ta_link_all(&t, c, r))
		goto out;
	struct orm_session *s = &t.s;
	uint64_t affected = 0;
	CHECK_INT(orm_delete_where(orm_filter_by(ta_comment_reader_query(s), "reader_id",
						 orm_int(r[2]->id)), &affected), 0);
	CHECK_INT(affected, 2);
	CHECK_STR(orm_last_sql(s), "DELETE FROM `ta_comment_reader` WHERE "
				   "`ta_comment_reader`.`reader_id` = ?");
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM ta_comment_reader"), 2);
	CHECK_INT(t_scalar(t.db, arena_printf(&t.arena, "SELECT COUNT(*) FROM ta_comment_reader "
							"WHERE reader_id = %d", r[2]->id)), 0);
	/* two filters: both must match */
	CHECK_INT(orm_delete_where(orm_filter_by(orm_filter_by(ta_comment_reader_query(s), "comment_id",
							       orm_int(c[1]->id)),
						 "reader_id", orm_int(r[0]->id)), &affected), 0);
	CHECK_INT(affected, 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM ta_comment_reader"), 2);
	/* inside a transaction: rolled back with it */
	CHECK_INT(orm_begin(s), 0);
	CHECK_INT(orm_delete_where(ta_comment_reader_query(s), &affected), 0);
	CHECK_INT(affected, 2);
	CHECK_INT(orm_rollback(s), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM ta_comment_reader"), 2);
	/* a bulk delete takes filters, order and limit only */
	CHECK_INT(orm_delete_where(orm_group_by(ta_comment_reader_query(s),
						ORM_COL(ta_comment_reader, comment_id)), &affected),
		  ORM_MISUSE);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM ta_comment_reader"), 2);
	/* what is left is read back through the relationship */
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct ta_comment *c0;
	struct orm_list *l;
	CHECK_INT(ta_comment_get(&s2, c[0]->id, &c0), 0);
	if (c0) {
		CHECK_INT(ta_comment_load_readers(&s2, c0, &l), 0);
		CHECK_INT(l->n, 2);
		if (l->n == 2) {
			CHECK_STR(ta_reader_at(l, 0)->name, "alice");
			CHECK_STR(ta_reader_at(l, 1)->name, "carol");
		}
	}
	orm_session_close(&s2);
out:
	t_end(&t);
}

/* Declarations a plain table refuses. */
#define TB_PARENT_COLUMNS(X) X(tb_parent, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)
ORM_MODEL_DECLARE(tb_parent, TB_PARENT_COLUMNS, ORM_NO_RELS)
ORM_MODEL_DEFINE(tb_parent, TB_PARENT_COLUMNS, ORM_NO_RELS);
#define TB_LOOSE_COLUMNS(X)                                                                \
	X(tb_loose, parent_id, ORM_INTEGER, .flags = ORM_PK, .fk = "tb_parent.id")         \
	X(tb_loose, n, ORM_INTEGER, .flags = ORM_PK)
ORM_TABLE_DECLARE(tb_loose, TB_LOOSE_COLUMNS)
ORM_TABLE_DEFINE(tb_loose, TB_LOOSE_COLUMNS);
#define TB_LINK_COLUMNS(X)                                                                 \
	X(tb_link, a_id, ORM_INTEGER, .flags = ORM_PK, .fk = "tb_parent.id")               \
	X(tb_link, b_id, ORM_INTEGER, .flags = ORM_PK, .fk = "tb_child.id")
ORM_TABLE_DECLARE(tb_link, TB_LINK_COLUMNS)
ORM_TABLE_DEFINE(tb_link, TB_LINK_COLUMNS);
#define TB_CHILD_COLUMNS(X)                                                                \
	X(tb_child, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                        \
	X(tb_child, p, ORM_INTEGER, .fk = "tb_parent.id")
#define TB_CHILD_RELS(X) X(tb_child, links, ORM_ONE_TO_MANY, tb_link)
ORM_MODEL_DECLARE(tb_child, TB_CHILD_COLUMNS, TB_CHILD_RELS)
ORM_MODEL_DEFINE(tb_child, TB_CHILD_COLUMNS, TB_CHILD_RELS);

TEST(test_plain_table_declaration_errors)
{
	char err[256] = "";
	struct orm_model *loose[] = {&tb_parent_model, &tb_loose_model};
	struct orm_registry r1 = {.models = loose, .nmodels = 2};
	CHECK_INT(orm_registry_init(&r1, err, sizeof err), ORM_MISUSE);
	CHECK_MSG(strstr(err, "tb_loose.n") != NULL, "%s", err);
	orm_registry_free(&r1);
	struct orm_model *rel[] = {&tb_parent_model, &tb_child_model, &tb_link_model};
	struct orm_registry r2 = {.models = rel, .nmodels = 3};
	err[0] = '\0';
	CHECK_INT(orm_registry_init(&r2, err, sizeof err), ORM_MISUSE);
	CHECK_MSG(strstr(err, "plain table") != NULL, "%s", err);
	orm_registry_free(&r2);
}

/* `flacon db migrate` compares two schemas read back from the server
 * (autogen.c): a missing plain table is exactly its CREATE TABLE, and once
 * created, no changes. */
TEST(test_plain_table_autogen_diff_is_its_create_table_then_nothing)
{
	struct tctx t;
	struct schema want = {0}, live = {0}, again = {0};
	struct buf up = BUF_INIT, down = BUF_INIT;
	char err[256], dbname[128];
	if (!ta_begin(&t))
		goto out;
	t_scalar_str(t.db, "SELECT DATABASE()", dbname, sizeof dbname);
	CHECK_INT(cli_schema_from_db(t.db, dbname, &want, err, sizeof err), 0);
	CHECK_INT(t_exec(t.db, "DROP TABLE ta_comment_reader"), 0);
	CHECK_INT(cli_schema_from_db(t.db, dbname, &live, err, sizeof err), 0);
	int changes = -1;
	CHECK_INT(cli_schema_diff(&want, &live, &up, &down, &changes, NULL, err, sizeof err), 0);
	CHECK_INT(changes, 1);
	CHECK_MSG(up.p && !strncmp(up.p, "CREATE TABLE `ta_comment_reader`", 32) &&
			  strstr(up.p, "PRIMARY KEY (`comment_id`,`reader_id`)") &&
			  strstr(up.p, "FOREIGN KEY (`comment_id`) REFERENCES `ta_comment`") &&
			  strstr(up.p, "FOREIGN KEY (`reader_id`) REFERENCES `ta_reader`"),
		  "%s", up.p ? up.p : "(none)");
	CHECK_MSG(down.p && !strcmp(down.p, "DROP TABLE `ta_comment_reader`;\n"), "%s",
		  down.p ? down.p : "(none)");
	/* apply it, compare again: no changes */
	if (up.p) {
		char *end = strstr(up.p, ";\n");
		if (end)
			*end = '\0';
		CHECK_INT(t_exec(t.db, up.p), 0);
	}
	CHECK_INT(cli_schema_from_db(t.db, dbname, &again, err, sizeof err), 0);
	buf_reset(&up);
	buf_reset(&down);
	changes = -1;
	CHECK_INT(cli_schema_diff(&want, &again, &up, &down, &changes, NULL, err, sizeof err), 0);
	CHECK_MSG(changes == 0, "%d: %s", changes, up.p ? up.p : "");
out:
	cli_schema_free(&want);
	cli_schema_free(&live);
	cli_schema_free(&again);
	buf_free(&up);
	buf_free(&down);
	t_end(&t);
}

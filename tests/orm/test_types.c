/* test_types.c — every column type of SPEC 4 round-trips through MariaDB
 * with its edge values, and NULL for every nullable column. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "orm_test.h"

/* Insert obj, then read it back in a fresh session (no identity map). */
static struct t_types *round_trip(struct tctx *t, struct t_types *in)
{
	int rc = orm_commit(&t->s);
	CHECK_MSG(rc == 0, "commit: %s", orm_errmsg(&t->s));
	if (rc)
		return NULL;
	struct orm_session s2;
	orm_session_init(&s2, t->db, &t->arena);
	struct t_types *out = NULL;
	rc = t_types_get(&s2, in->id, &out);
	CHECK_INT(rc, 0);
	CHECK(out != NULL);
	CHECK(out != in);
	orm_session_close(&s2);
	return out;
}

TEST(test_integer_and_smallint_limits_round_trip)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	int32_t ints[] = {INT32_MIN, -1, 0, 1, INT32_MAX};
	int16_t smalls[] = {INT16_MIN, -1, 0, 1, INT16_MAX};
	for (int k = 0; k < 5; k++) {
		struct t_types *o = t_types_new(&t.s);
		/* ORM_SET: storing 0 into a column that starts NULL */
		ORM_SET(o, t_types, i, ints[k]);
		ORM_SET(o, t_types, si, smalls[k]);
		orm_add(&t.s, o);
		struct t_types *r = round_trip(&t, o);
		if (!r)
			break;
		CHECK_INT(r->i, ints[k]);
		CHECK_INT(r->si, smalls[k]);
		CHECK(!ORM_IS_NULL(r, t_types, i));
	}
out:
	t_end(&t);
}

TEST(test_bigint_limits_round_trip)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	int64_t v[] = {INT64_MIN, INT64_MIN + 1, -1, 0, INT64_MAX - 1, INT64_MAX};
	for (int k = 0; k < 6; k++) {
		struct t_types *o = t_types_new(&t.s);
		o->bi = v[k];
		orm_add(&t.s, o);
		struct t_types *r = round_trip(&t, o);
		if (!r)
			break;
		CHECK_MSG(r->bi == v[k], "%lld != %lld", (long long)r->bi, (long long)v[k]);
	}
	/* and as a filter value, beyond 2^53 where a double would round */
	struct orm_list l;
	CHECK_INT(orm_all(orm_filter(t_types_query(&t.s), orm_eq(&t.s, ORM_COL(t_types, bi),
								 orm_int(INT64_MAX - 1))), &l), 0);
	CHECK_INT(l.n, 1);
out:
	t_end(&t);
}

TEST(test_float_round_trips_as_double)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	double v[] = {0.1, -1.5e300, 2.2250738585072014e-308, 1.7976931348623157e308, 3.141592653589793};
	for (int k = 0; k < 5; k++) {
		struct t_types *o = t_types_new(&t.s);
		o->f = v[k];
		orm_add(&t.s, o);
		struct t_types *r = round_trip(&t, o);
		if (!r)
			break;
		CHECK_MSG(r->f == v[k], "%.17g != %.17g", r->f, v[k]);
	}
out:
	t_end(&t);
}

TEST(test_numeric_exact_decimal_never_through_a_double)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	const char *v[] = {"12345678901234.5678", "-99999999999999.9999", "0.0001", "0.0000"};
	for (int k = 0; k < 4; k++) {
		struct t_types *o = t_types_new(&t.s);
		o->num = v[k];
		orm_add(&t.s, o);
		struct t_types *r = round_trip(&t, o);
		if (!r)
			break;
		CHECK_STR(r->num, v[k]);
	}
	/* 12345678901234.5678 and .5679 are one double apart at most: an
	 * exact comparison tells them apart, a double one would not. */
	struct t_types *o = t_types_new(&t.s);
	o->num = "12345678901234.5679";
	orm_add(&t.s, o);
	CHECK_INT(orm_commit(&t.s), 0);
	struct orm_list l;
	CHECK_INT(orm_all(orm_filter(t_types_query(&t.s), orm_eq(&t.s, ORM_COL(t_types, num),
								 orm_dec("12345678901234.5678"))), &l), 0);
	CHECK_INT(l.n, 1);
	if (l.n == 1)
		CHECK_STR(t_types_at(&l, 0)->num, "12345678901234.5678");
	/* SUM stays exact too */
	struct orm_rows rows;
	struct orm_query *q = orm_filter(t_types_query(&t.s), orm_gt(&t.s, ORM_COL(t_types, num), orm_dec("1")));
	q = orm_select(q, orm_func(&t.s, ORM_SUM, ORM_COL(t_types, num)));
	CHECK_INT(orm_rows(q, &rows), 0);
	CHECK_INT(rows.nrows, 1);
	if (rows.nrows == 1) {
		CHECK_INT(rows.v[0].kind, ORM_V_DECIMAL);
		CHECK_STR(rows.v[0].s.p, "24691357802469.1357");
	}
out:
	t_end(&t);
}

TEST(test_string_and_text_round_trip)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	static char big[65536];
	memset(big, 'x', sizeof big - 1); /* 65535 bytes: TEXT's limit */
	struct t_types *o = t_types_new(&t.s);
	o->s = "exactly twenty chars";
	o->txt = big;
	orm_add(&t.s, o);
	struct t_types *r = round_trip(&t, o);
	if (r) {
		CHECK_STR(r->s, "exactly twenty chars");
		CHECK_INT(strlen(r->txt), 65535);
		CHECK(memcmp(r->txt, big, 65535) == 0);
	}
	o = t_types_new(&t.s);
	o->s = "";
	o->txt = "quote ' backslash \\ percent % NUL-free";
	orm_add(&t.s, o);
	r = round_trip(&t, o);
	if (r) {
		CHECK_STR(r->s, "");
		CHECK(!ORM_IS_NULL(r, t_types, s));
		CHECK_STR(r->txt, "quote ' backslash \\ percent % NUL-free");
	}
out:
	t_end(&t);
}

/* Text values of every length, short and long, come back exact, as
 * objects and as rows (two text columns side by side): around the
 * 128-byte buffer a text column is bound to (load.c's ROW_INLINE) too. */
TEST(test_text_lengths_around_the_fetch_buffer_round_trip)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	static const size_t lens[] = {0, 1, 127, 128, 129, 255, 256, 257, 511, 4000};
	enum { N = sizeof lens / sizeof lens[0] };
	static char want[N][4001];
	int64_t ids[N];
	for (size_t k = 0; k < N; k++) {
		for (size_t j = 0; j < lens[k]; j++)
			want[k][j] = (char)('a' + (j * 7 + k) % 26);
		want[k][lens[k]] = '\0';
		struct t_types *o = t_types_new(&t.s);
		o->txt = want[k];
		o->s = "s";
		orm_add(&t.s, o);
		struct t_types *r = round_trip(&t, o);
		ids[k] = o->id;
		if (r)
			CHECK_MSG(r->txt && strlen(r->txt) == lens[k] && !strcmp(r->txt, want[k]),
				  "object, %zu bytes", lens[k]);
	}
	/* The same as rows, two text columns side by side. */
	struct orm_query *q = orm_select(t_types_query(&t.s), orm_colref(&t.s, ORM_COL(t_types, txt)));
	q = orm_select(q, orm_colref(&t.s, ORM_COL(t_types, s)));
	q = orm_filter(q, orm_ge(&t.s, ORM_COL(t_types, id), orm_int(ids[0])));
	q = orm_order_by(q, ORM_COL(t_types, id), ORM_ASC);
	struct orm_rows rows;
	CHECK_INT(orm_rows(q, &rows), 0);
	CHECK_INT(rows.nrows, N);
	for (size_t k = 0; k < rows.nrows && k < N; k++) {
		const struct orm_value *v = &rows.v[k * rows.ncols];
		CHECK_MSG(v[0].s.n == lens[k] && !memcmp(v[0].s.p, want[k], lens[k]) &&
				  v[0].s.p[lens[k]] == '\0',
			  "row, %zu bytes", lens[k]);
		CHECK_STR(v[1].s.p, "s");
	}
out:
	t_end(&t);
}

TEST(test_unicode_4byte_utf8_round_trips)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	/* U+1F600 (4 bytes), U+10348 (4 bytes), U+00E9, U+4E2D: 10 code points max */
	const char *u = "\xF0\x9F\x98\x80\xF0\x90\x8D\x88\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x8E\x89" "abcde";
	const char *ut = "Emoji \xF0\x9F\x92\xA9 and \xF0\x9D\x84\x9E clef";
	struct t_types *o = t_types_new(&t.s);
	o->u = u;
	o->ut = ut;
	orm_add(&t.s, o);
	struct t_types *r = round_trip(&t, o);
	if (r) {
		CHECK_STR(r->u, u);
		CHECK_STR(r->ut, ut);
	}
	char buf[64];
	CHECK_STR(t_scalar_str(t.db, "SELECT CHAR_LENGTH(u) FROM t_types", buf, sizeof buf), "10");
out:
	t_end(&t);
}

TEST(test_boolean_round_trip)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	bool v[] = {true, false};
	for (int k = 0; k < 2; k++) {
		struct t_types *o = t_types_new(&t.s);
		ORM_SET(o, t_types, b, v[k]); /* false == 0: say it is not NULL */
		orm_add(&t.s, o);
		struct t_types *r = round_trip(&t, o);
		if (!r)
			break;
		CHECK_INT(r->b, v[k]);
		CHECK(!ORM_IS_NULL(r, t_types, b));
	}
out:
	t_end(&t);
}

TEST(test_date_time_datetime_round_trip_in_utc)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	struct {
		int32_t d, tm;
		int64_t dt;
		const char *iso;
	} v[] = {
		{orm_date_from_ymd(1000, 1, 1), -838 * 3600 - 59 * 60 - 59,
		 orm_datetime_from_parts(1000, 1, 1, 0, 0, 0), "1000-01-01T00:00:00Z"},
		{orm_date_from_ymd(2024, 2, 29), 13 * 3600 + 14 * 60 + 15,
		 orm_datetime_from_parts(2024, 2, 29, 23, 59, 59), "2024-02-29T23:59:59Z"},
		{orm_date_from_ymd(9999, 12, 31), 838 * 3600 + 59 * 60 + 59,
		 orm_datetime_from_parts(9999, 12, 31, 23, 59, 59), "9999-12-31T23:59:59Z"},
		{orm_date_from_ymd(1969, 12, 31), 0, -1, "1969-12-31T23:59:59Z"},
	};
	for (int k = 0; k < 4; k++) {
		struct t_types *o = t_types_new(&t.s);
		ORM_SET(o, t_types, d, v[k].d);
		ORM_SET(o, t_types, tm, v[k].tm);
		ORM_SET(o, t_types, dt, v[k].dt);
		orm_add(&t.s, o);
		struct t_types *r = round_trip(&t, o);
		if (!r)
			break;
		CHECK_INT(r->d, v[k].d);
		CHECK_INT(r->tm, v[k].tm);
		CHECK_INT(r->dt, v[k].dt);
		char iso[21];
		orm_datetime_iso(r->dt, iso);
		CHECK_STR(iso, v[k].iso);
	}
	/* stored as UTC wall time */
	char buf[64];
	CHECK_STR(t_scalar_str(t.db, "SELECT dt FROM t_types ORDER BY id LIMIT 1 OFFSET 1", buf, sizeof buf),
		  "2024-02-29 23:59:59");
	CHECK_STR(t_scalar_str(t.db, "SELECT d FROM t_types ORDER BY id LIMIT 1 OFFSET 1", buf, sizeof buf),
		  "2024-02-29");
	CHECK_STR(t_scalar_str(t.db, "SELECT tm FROM t_types ORDER BY id LIMIT 1", buf, sizeof buf),
		  "-838:59:59");
	int y, m, d;
	orm_date_to_ymd(v[1].d, &y, &m, &d);
	CHECK(y == 2024 && m == 2 && d == 29);
	/* a datetime filter binds as DATETIME */
	struct orm_list l;
	CHECK_INT(orm_all(orm_filter(t_types_query(&t.s), orm_ge(&t.s, ORM_COL(t_types, dt),
								 orm_int(orm_datetime_from_parts(2024, 1, 1, 0, 0, 0)))), &l), 0);
	CHECK_INT(l.n, 2);
out:
	t_end(&t);
}

TEST(test_large_binary_with_nul_bytes_round_trips)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	static const unsigned char bytes[] = {0, 1, 0, 255, 0, 0, 'a', 0, 0x80, 0};
	struct t_types *o = t_types_new(&t.s);
	o->bin = (struct orm_bytes){bytes, sizeof bytes};
	orm_add(&t.s, o);
	struct t_types *r = round_trip(&t, o);
	if (r) {
		CHECK_INT(r->bin.n, sizeof bytes);
		CHECK(r->bin.p && memcmp(r->bin.p, bytes, sizeof bytes) == 0);
	}
	CHECK_INT(t_scalar(t.db, "SELECT LENGTH(bin) FROM t_types"), sizeof bytes);
	/* an empty blob is not NULL */
	o = t_types_new(&t.s);
	o->bin = (struct orm_bytes){"", 0};
	orm_add(&t.s, o);
	r = round_trip(&t, o);
	if (r) {
		CHECK(r->bin.p != NULL);
		CHECK_INT(r->bin.n, 0);
	}
out:
	t_end(&t);
}

TEST(test_enum_round_trip_and_ddl_is_enum)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	struct t_types *o = t_types_new(&t.s);
	o->color = "green";
	orm_add(&t.s, o);
	struct t_types *r = round_trip(&t, o);
	if (r)
		CHECK_STR(r->color, "green");
	char buf[128];
	CHECK_STR(t_scalar_str(t.db, "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE "
			       "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't_types' AND COLUMN_NAME = 'color'",
			       buf, sizeof buf),
		  "enum('red','green','blue')");
out:
	t_end(&t);
}

TEST(test_enum_outsider_refused)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	/* client side: refused before any statement, nothing written */
	struct t_types *ok = t_types_new(&t.s);
	ok->color = "red";
	orm_add(&t.s, ok);
	struct t_types *o = t_types_new(&t.s);
	o->color = "purple";
	orm_add(&t.s, o);
	t.db->queries = 0;
	CHECK_INT(orm_commit(&t.s), ORM_INVALID);
	CHECK(strstr(orm_errmsg(&t.s), "purple") != NULL);
	CHECK_INT(t.db->queries, 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_types"), 0);
	/* an update to an outsider is refused too */
	struct t_types *g = t_types_new(&t.s);
	g->color = "blue";
	orm_add(&t.s, g);
	CHECK_INT(orm_commit(&t.s), 0);
	g->color = "Blue ";
	CHECK_INT(orm_commit(&t.s), ORM_INVALID);
	CHECK_STR(g->color, "blue"); /* rolled back to the stored value */
	/* server side: the ENUM column refuses it as well (strict mode) */
	unsigned e = t_exec(t.db, "INSERT INTO t_types (color) VALUES ('purple')");
	CHECK(e == 1265 || e == 1366);
	CHECK_INT(orm_err_from_errno(e), ORM_INVALID);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_types"), 1);
out:
	t_end(&t);
}

TEST(test_null_for_every_nullable_column)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	struct t_types *o = t_types_new(&t.s);
	for (unsigned c = 1; c < t_types_ncols; c++)
		CHECK_MSG(orm_field_is_null(o, c), "column %u of a new object is not NULL", c);
	orm_add(&t.s, o);
	struct t_types *r = round_trip(&t, o);
	if (r) {
		for (unsigned c = 1; c < t_types_ncols; c++)
			CHECK_MSG(orm_field_is_null(r, c), "column %s read back not NULL",
				  t_types_model.columns[c].name);
	}
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_types WHERE i IS NULL AND si IS NULL AND "
			   "bi IS NULL AND f IS NULL AND num IS NULL AND s IS NULL AND txt IS NULL AND "
			   "u IS NULL AND ut IS NULL AND b IS NULL AND d IS NULL AND tm IS NULL AND "
			   "dt IS NULL AND bin IS NULL AND color IS NULL"), 1);
	/* and back to NULL after a value */
	if (r) {
		struct orm_session s3;
		orm_session_init(&s3, t.db, &t.arena);
		struct t_types *x;
		CHECK_INT(t_types_get(&s3, r->id, &x), 0);
		x->i = 5;
		x->s = "v";
		CHECK_INT(orm_commit(&s3), 0);
		CHECK_INT(t_scalar(t.db, "SELECT i FROM t_types"), 5);
		ORM_SET_NULL(x, t_types, i);
		ORM_SET_NULL(x, t_types, s);
		CHECK_INT(orm_commit(&s3), 0);
		CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_types WHERE i IS NULL AND s IS NULL"), 1);
		orm_session_close(&s3);
	}
out:
	t_end(&t);
}

/* Rows are read straight from the connector's stored packets when every
 * column's wire type is the model's (load.c, col_kind); a narrower wire
 * integer is widened by its signedness there. Here the table's bi is an
 * INT (the model's BIGINT) and si a TINYINT UNSIGNED (the model's
 * SMALLINT): still read directly, the values as MariaDB holds them, long
 * text and bytes with NULs whole. */
TEST(test_narrower_wire_integers_widen_by_their_sign_when_read_directly)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	CHECK_INT(t_exec(t.db, "ALTER TABLE t_types MODIFY bi INT, MODIFY si TINYINT UNSIGNED"), 0);
	CHECK_INT(t_exec(t.db, "INSERT INTO t_types (id, bi, si, txt, bin) VALUES "
			       "(1, -5, 200, REPEAT('x', 5000), X'00FF0041'), "
			       "(2, 2147483647, 0, '', ''), (3, -2147483648, 255, NULL, NULL)"),
		  0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct orm_list l;
	CHECK_INT(orm_all(orm_order_by(t_types_query(&s2), ORM_COL(t_types, id), ORM_ASC), &l), 0);
	CHECK_INT(l.n, 3);
	if (l.n == 3) {
		struct t_types *a = (void *)l.items[0], *b = (void *)l.items[1], *c = (void *)l.items[2];
		CHECK_INT(a->bi, -5);
		CHECK_INT(a->si, 200);
		CHECK(a->txt && strlen(a->txt) == 5000 && a->txt[4999] == 'x');
		CHECK(a->bin.n == 4 && !memcmp(a->bin.p, "\x00\xff\x00\x41", 4));
		CHECK_INT(b->bi, 2147483647);
		CHECK_INT(b->si, 0);
		CHECK_STR(b->txt, "");
		CHECK(b->bin.p != NULL && b->bin.n == 0);
		CHECK_INT(c->bi, INT32_MIN);
		CHECK_INT(c->si, 255);
		CHECK(c->txt == NULL && c->bin.p == NULL);
		CHECK(ORM_IS_NULL(a, t_types, i) && ORM_IS_NULL(a, t_types, dt));
	}
	orm_session_close(&s2);
out:
	t_end(&t);
}

/* A wire type the model's type takes only through a conversion (a FLOAT
 * column read as double) makes the statement bind buffers and fetch with
 * mysql_stmt_fetch (load.c's slow path): every column still loads right —
 * text longer than the bound buffer (read again by
 * mysql_stmt_fetch_column), bytes with NULs, NULL, negative and big
 * integers, datetimes. */
TEST(test_a_converted_wire_type_loads_every_column_through_bound_buffers)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	CHECK_INT(t_exec(t.db, "ALTER TABLE t_types MODIFY f FLOAT"), 0);
	CHECK_INT(t_exec(t.db, "INSERT INTO t_types (id, i, si, bi, f, num, s, txt, b, d, tm, dt, bin) "
			       "VALUES (1, -2147483648, -32768, -9223372036854775807, 1.5, -12.3400, "
			       "'short', REPEAT('y', 3000), 1, '2024-02-29', '-838:59:59', "
			       "'2024-02-29 23:59:59', X'0001FF'), (2, NULL, NULL, NULL, NULL, NULL, "
			       "NULL, NULL, NULL, NULL, NULL, NULL, NULL)"),
		  0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct orm_list l;
	CHECK_INT(orm_all(orm_order_by(t_types_query(&s2), ORM_COL(t_types, id), ORM_ASC), &l), 0);
	CHECK_INT(l.n, 2);
	if (l.n == 2) {
		struct t_types *a = (void *)l.items[0], *b = (void *)l.items[1];
		CHECK_INT(a->i, INT32_MIN);
		CHECK_INT(a->si, INT16_MIN);
		CHECK(a->bi == -INT64_MAX);
		CHECK(a->f == 1.5);
		CHECK_STR(a->num, "-12.3400");
		CHECK_STR(a->s, "short");
		CHECK(a->txt && strlen(a->txt) == 3000 && a->txt[2999] == 'y');
		CHECK_INT(a->b, 1);
		CHECK_INT(a->d, orm_date_from_ymd(2024, 2, 29));
		CHECK_INT(a->tm, -838 * 3600 - 59 * 60 - 59);
		CHECK(a->dt == orm_datetime_from_parts(2024, 2, 29, 23, 59, 59));
		CHECK(a->bin.n == 3 && !memcmp(a->bin.p, "\x00\x01\xff", 3));
		CHECK(ORM_IS_NULL(b, t_types, i) && ORM_IS_NULL(b, t_types, f) &&
		      ORM_IS_NULL(b, t_types, dt) && ORM_IS_NULL(b, t_types, b));
		CHECK(b->txt == NULL && b->num == NULL && b->bin.p == NULL);
	}
	orm_session_close(&s2);
out:
	t_end(&t);
}

/* A row read directly goes into a new object first (load.c, row_into);
 * when its object is already mapped the row's values are copied where
 * they are wanted (copy_cols) and its text given back to the result's pool
 * only when nothing took it. One result mixing new rows, a partly loaded
 * object (the columns it lacked, NULL bits included, filled in) and a
 * mapped changed object (kept as it is): every text stays its own. */
TEST(test_a_result_mixing_new_partly_loaded_and_mapped_rows_keeps_each_rows_values)
{
	struct tctx t;
	if (!t_begin(&t, T_TYPES))
		goto out;
	CHECK_INT(t_exec(t.db, "INSERT INTO t_types (id, i, si, s, txt, b, dt) VALUES "
			       "(1, 10, 1, 'one', 'first text', 1, '2024-01-02 03:04:05'), "
			       "(2, NULL, 2, 'two', 'second text', NULL, NULL), "
			       "(3, 30, NULL, 'three', NULL, 0, '2000-01-01 00:00:00'), "
			       "(4, 40, 4, 'four', 'fourth text', 1, NULL), "
			       "(5, 50, 5, 'five', 'fifth text', 0, NULL)"),
		  0);
	struct orm_session s2;
	orm_session_init(&s2, t.db, &t.arena);
	struct t_types *two = NULL, *four = NULL;
	CHECK_INT(t_types_first(orm_load_only(orm_filter_by(t_types_query(&s2), "id", orm_int(2)),
					      ORM_COL(t_types, si)),
				&two),
		  0);
	CHECK_INT(t_types_get(&s2, 4, &four), 0);
	REQUIRE(two && four);
	CHECK(two->s == NULL && two->txt == NULL); /* not read yet */
	four->s = "mine";
	struct orm_list l;
	CHECK_INT(orm_all(orm_order_by(t_types_query(&s2), ORM_COL(t_types, id), ORM_ASC), &l), 0);
	REQUIRE(l.n == 5);
	struct t_types *r[5];
	for (size_t k = 0; k < 5; k++)
		r[k] = (void *)l.items[k];
	CHECK(r[1] == two && r[3] == four);
	CHECK_STR(r[0]->s, "one");
	CHECK_STR(r[0]->txt, "first text");
	CHECK_INT(r[0]->i, 10);
	CHECK_INT(r[0]->b, 1);
	CHECK(r[0]->dt == orm_datetime_from_parts(2024, 1, 2, 3, 4, 5));
	/* filled in: text, a NULL integer, a NULL boolean and datetime */
	CHECK_STR(two->s, "two");
	CHECK_STR(two->txt, "second text");
	CHECK_INT(two->si, 2);
	CHECK(ORM_IS_NULL(two, t_types, i) && ORM_IS_NULL(two, t_types, b) &&
	      ORM_IS_NULL(two, t_types, dt));
	CHECK(!ORM_IS_NULL(two, t_types, si));
	CHECK_STR(r[2]->s, "three");
	CHECK(r[2]->txt == NULL);
	CHECK(ORM_IS_NULL(r[2], t_types, si) && !ORM_IS_NULL(r[2], t_types, i));
	CHECK_INT(r[2]->b, 0);
	/* the mapped changed object keeps its value; the row after it has its own */
	CHECK_STR(four->s, "mine");
	CHECK_STR(four->txt, "fourth text");
	CHECK_STR(r[4]->s, "five");
	CHECK_STR(r[4]->txt, "fifth text");
	CHECK_INT(r[4]->i, 50);
	/* the partly loaded object is clean now: nothing to write for it */
	CHECK_INT(orm_commit(&s2), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_types WHERE id = 2 AND i IS NULL AND "
				 "s = 'two' AND txt = 'second text' AND b IS NULL"),
		  1);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM t_types WHERE id = 4 AND s = 'mine'"), 1);
	orm_session_close(&s2);
out:
	t_end(&t);
}

/* orm_datetime_format writes the common directives itself (date.c) and
 * leaves the others to strftime: golden outputs, padded and not, names,
 * "%%", a year below 1000, a time before the epoch; orm_datetime_iso. */
TEST(test_datetime_format_and_iso_golden)
{
	struct arena a;
	arena_init(&a, 4096);
	int64_t t = orm_datetime_from_parts(2024, 1, 2, 3, 4, 5);
	CHECK_STR(orm_datetime_format(&a, t, "%-d %b %Y, %H:%M UTC"), "2 Jan 2024, 03:04 UTC");
	CHECK_STR(orm_datetime_format(&a, t, "%Y-%m-%d %H:%M:%S"), "2024-01-02 03:04:05");
	CHECK_STR(orm_datetime_format(&a, t, "%-m/%-d/%-Y %-H:%-M:%-S"), "1/2/2024 3:4:5");
	CHECK_STR(orm_datetime_format(&a, t, "%B %d, %Y"), "January 02, 2024");
	CHECK_STR(orm_datetime_format(&a, t, "100%% %b"), "100% Jan");
	CHECK_STR(orm_datetime_format(&a, t, "%a %j"), "Tue 002"); /* strftime's */
	CHECK_STR(orm_datetime_format(&a, t, ""), "");
	int64_t u = orm_datetime_from_parts(1999, 12, 31, 23, 59, 59);
	CHECK_STR(orm_datetime_format(&a, u, "%-d %B %Y %H:%M:%S"), "31 December 1999 23:59:59");
	CHECK_STR(orm_datetime_format(&a, u, "%b %B"), "Dec December");
	CHECK_STR(orm_datetime_format(&a, -1, "%Y-%m-%d %H:%M:%S"), "1969-12-31 23:59:59");
	int64_t v = orm_datetime_from_parts(987, 9, 5, 10, 0, 0);
	CHECK_STR(orm_datetime_format(&a, v, "%Y %-Y %m %-m %H"), "0987 987 09 9 10");
	char iso[21];
	orm_datetime_iso(t, iso);
	CHECK_STR(iso, "2024-01-02T03:04:05Z");
	orm_datetime_iso(v, iso);
	CHECK_STR(iso, "0987-09-05T10:00:00Z");
	orm_datetime_iso(u, iso);
	CHECK_STR(iso, "1999-12-31T23:59:59Z");
	arena_free(&a);
}

/* orm_datetime_format compiles a format once per thread (a few kept) and
 * remembers the last day's calendar date: the same golden outputs when the
 * formats take turns past the plans kept, when dates of one day and of
 * others alternate, and for formats that no plan holds (strftime's
 * directives, a trailing '%' or "%-", a format longer than a plan). */
TEST(test_datetime_format_plans_and_day_memory_give_the_same_text)
{
	struct arena a;
	arena_init(&a, 4096);
	int64_t t = orm_datetime_from_parts(2024, 1, 2, 3, 4, 5);
	int64_t t2 = orm_datetime_from_parts(2024, 1, 2, 23, 0, 9);
	int64_t u = orm_datetime_from_parts(1999, 12, 31, 23, 59, 59);
	char fmt[8][32];
	for (int k = 0; k < 8; k++)
		snprintf(fmt[k], sizeof fmt[k], "%d|%%-d %%b %%Y %%H:%%M", k);
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k < 8; k++) {
			char want[64];
			snprintf(want, sizeof want, "%d|2 Jan 2024 03:04", k);
			CHECK_STR(orm_datetime_format(&a, t, fmt[k]), want);
			snprintf(want, sizeof want, "%d|31 Dec 1999 23:59", k);
			CHECK_STR(orm_datetime_format(&a, u, fmt[k]), want);
			snprintf(want, sizeof want, "%d|2 Jan 2024 23:00", k);
			CHECK_STR(orm_datetime_format(&a, t2, fmt[k]), want);
		}
		CHECK_STR(orm_datetime_format(&a, t, "%% %%%-S%%"), "% %5%");
		CHECK_STR(orm_datetime_format(&a, t, "%a %j"), "Tue 002");
		CHECK_STR(orm_datetime_format(&a, u, "%B/%-m/%d"), "December/12/31");
		/* literal runs of 7, 8, 9 and more bytes, first, between, last */
		CHECK_STR(orm_datetime_format(&a, t, "1234567%Y12345678%m123456789%d"),
			  "12345672024123456780112345678902");
		CHECK_STR(orm_datetime_format(&a, t, "a literal run: %H, then another one"),
			  "a literal run: 03, then another one");
	}
	/* not a plan's: as strftime or the character loop reads them */
	CHECK_STR(orm_datetime_format(&a, t, "%Y%"), "2024%");
	CHECK_STR(orm_datetime_format(&a, t, "x %H:%M:%S and a format longer than a plan holds %Y"),
		  "x 03:04:05 and a format longer than a plan holds 2024");
	/* 88 bytes of output before a directive is the limit, plan or not */
	char big[60];
	memset(big, 'x', 50);
	strcpy(big + 50, "%Y%Y");
	CHECK(orm_datetime_format(&a, t, big) != NULL);
	char iso[21];
	orm_datetime_iso(u, iso);
	CHECK_STR(iso, "1999-12-31T23:59:59Z");
	orm_datetime_iso(t2, iso);
	CHECK_STR(iso, "2024-01-02T23:00:09Z");
	orm_datetime_iso(t, iso);
	CHECK_STR(iso, "2024-01-02T03:04:05Z");
	arena_free(&a);
}

/* The text orm_datetime_format should make of one directive of t (d: the
 * letter, nopad: "%-"), built here from gmtime_r's fields and snprintf,
 * not from date.c: a year zero-padded to 4 digits (1 with "%-"), its sign
 * before the padding; two-digit fields; C locale month names. */
static void want_directive(char *out, size_t cap, const struct tm *tm, char d, bool nopad)
{
	static const char *const names[12] = {"January", "February", "March",	  "April",
					      "May",	 "June",     "July",	  "August",
					      "September", "October", "November", "December"};
	long long y = (long long)tm->tm_year + 1900;
	int two = nopad ? 1 : 2;
	switch (d) {
	case 'Y':
		snprintf(out, cap, "%s%0*llu", y < 0 ? "-" : "", nopad ? 1 : 4,
			 (unsigned long long)(y < 0 ? -y : y));
		break;
	case 'm': snprintf(out, cap, "%0*d", two, tm->tm_mon + 1); break;
	case 'd': snprintf(out, cap, "%0*d", two, tm->tm_mday); break;
	case 'H': snprintf(out, cap, "%0*d", two, tm->tm_hour); break;
	case 'M': snprintf(out, cap, "%0*d", two, tm->tm_min); break;
	case 'S': snprintf(out, cap, "%0*d", two, tm->tm_sec); break;
	case 'b': snprintf(out, cap, "%.3s", names[tm->tm_mon]); break;
	case 'B': snprintf(out, cap, "%s", names[tm->tm_mon]); break;
	default: snprintf(out, cap, "%%"); break;
	}
}

/* A compiled format (date.c's plans: each directive with the literal text
 * after it, written straight into the arena) gives, for every directive it
 * writes itself, padded and not, what gmtime_r says of dates around the
 * edges: year ends, leap days of 2000, 2024 and not of 1900 / 2100, the
 * epoch and just before it, year 0 and before, 999 / 1000, 9999 / 10000,
 * plus dates spread over ±3000 years. The same format made 64 bytes long
 * (too long for a plan: the character loop) gives the same, and
 * orm_datetime_format_len's length is the text's. */
TEST(test_datetime_format_plans_agree_with_gmtime_at_the_edges)
{
	struct arena a;
	arena_init(&a, 4096);
	int64_t edge[] = {
		orm_datetime_from_parts(1999, 12, 31, 23, 59, 59),
		orm_datetime_from_parts(2000, 1, 1, 0, 0, 0),
		orm_datetime_from_parts(2000, 2, 29, 12, 30, 1),
		orm_datetime_from_parts(2000, 3, 1, 0, 0, 0),
		orm_datetime_from_parts(2024, 2, 29, 23, 59, 59),
		orm_datetime_from_parts(2023, 12, 31, 9, 5, 7),
		orm_datetime_from_parts(1900, 2, 28, 1, 2, 3),
		orm_datetime_from_parts(1900, 3, 1, 0, 0, 0),
		orm_datetime_from_parts(2100, 2, 28, 23, 0, 0),
		orm_datetime_from_parts(2100, 3, 1, 0, 0, 0),
		0, -1, 1, -86400, -86401, 86399, 86400,
		orm_datetime_from_parts(0, 1, 1, 0, 0, 0),
		orm_datetime_from_parts(0, 2, 29, 10, 11, 12),
		orm_datetime_from_parts(-1, 12, 31, 23, 59, 59),
		orm_datetime_from_parts(-44, 3, 15, 12, 0, 0),
		orm_datetime_from_parts(999, 12, 31, 23, 59, 59),
		orm_datetime_from_parts(1000, 1, 1, 0, 0, 0),
		orm_datetime_from_parts(9999, 12, 31, 23, 59, 59),
		orm_datetime_from_parts(10000, 1, 1, 0, 0, 0),
		orm_datetime_from_parts(12345, 6, 7, 8, 9, 10),
	};
	/* every directive the formatter writes itself, with and without "-",
	 * each followed by literal text of another length; two formats, as a
	 * plan holds at most 88 bytes of output */
	static const char *const fmts[] = {"%Y.%m.%-m %d,%-d %b %%", "%-Y|%H:%-H:%M %-M;%S-%-S %B x"};
	uint64_t rnd = 88172645463325252u;
	for (size_t i = 0; i < sizeof edge / sizeof edge[0] + 400; i++) {
		int64_t t;
		if (i < sizeof edge / sizeof edge[0]) {
			t = edge[i];
		} else { /* xorshift: dates from about 1000 BC to 5000 AD */
			rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
			t = (int64_t)(rnd % UINT64_C(189345600000)) - INT64_C(94672800000);
		}
		time_t tt = (time_t)t;
		struct tm tm;
		CHECK(gmtime_r(&tt, &tm) != NULL);
		for (size_t k = 0; k < 2; k++) {
			const char *fmt = fmts[k];
			char want[256] = "", one[32], pad[80];
			size_t wn = 0;
			for (const char *f = fmt; *f; f++) {
				if (*f != '%') {
					want[wn++] = *f;
					continue;
				}
				bool np = f[1] == '-';
				want_directive(one, sizeof one, &tm, f[np ? 2 : 1], np);
				wn += (size_t)snprintf(want + wn, sizeof want - wn, "%s", one);
				f += np ? 2 : 1;
			}
			want[wn] = '\0';
			size_t n = 0;
			const char *got = orm_datetime_format_len(&a, t, fmt, &n);
			CHECK_MSG(got && !strcmp(got, want), "t=%lld: %s, want %s", (long long)t,
				  got ? got : "(null)", want);
			CHECK_INT(n, strlen(want));
			CHECK_STR(orm_datetime_format(&a, t, fmt), want);
			/* made 64 bytes long: too long for a plan */
			size_t np = 64 - strlen(fmt);
			memset(pad, '.', np);
			strcpy(pad + np, fmt);
			const char *slow = orm_datetime_format(&a, t, pad);
			CHECK_MSG(slow && !strncmp(slow, pad, np) && !strcmp(slow + np, want),
				  "t=%lld: %s, want ...%s", (long long)t, slow ? slow : "(null)", want);
		}
		arena_reset(&a);
	}
	/* a format that starts with text, one that starts with a directive */
	int64_t t = orm_datetime_from_parts(2024, 9, 5, 7, 8, 9);
	size_t n = 0;
	CHECK_STR(orm_datetime_format_len(&a, t, "on %B %-d", &n), "on September 5");
	CHECK_INT(n, 14);
	CHECK_STR(orm_datetime_format_len(&a, t, "%-d%b", &n), "5Sep");
	CHECK_INT(n, 4);
	CHECK_STR(orm_datetime_format_len(&a, t, "%a %Y", &n), "Thu 2024"); /* strftime's */
	CHECK_INT(n, 8);
	arena_free(&a);
}

/* DATE and DATETIME columns of a stored row are read straight into their
 * fields (load.c: date_into), not through a MYSQL_TIME: the packet's
 * shapes — a datetime at midnight (date part only), one with a time, a
 * zero date (no bytes), a time before 1970 — and NULL give the values
 * orm_time_from_mysql gives. */
TEST(test_dates_of_stored_rows_read_straight_into_their_fields)
{
	struct tctx t;
	struct db *other = NULL;
	if (!t_begin(&t, T_TYPES) || !(other = t_connect()))
		goto out;
	CHECK_INT(t_exec(other, "SET SESSION sql_mode = ''"), 0);
	CHECK_INT(t_exec(other, "INSERT INTO t_types (id, d, dt) VALUES "
				"(1, '2024-02-29', '2024-02-29 00:00:00'), "
				"(2, '1969-12-31', '1969-12-31 23:59:59'), "
				"(3, '0000-00-00', '0000-00-00 00:00:00'), "
				"(4, NULL, NULL), "
				"(5, '9999-12-31', '2038-01-19 03:14:08')"),
		  0);
	struct orm_list l;
	CHECK_INT(orm_all(orm_order_by(t_types_query(&t.s), ORM_COL(t_types, id), ORM_ASC), &l), 0);
	CHECK_INT(l.n, 5);
	if (l.n != 5)
		goto out;
	struct t_types *r[5];
	for (int k = 0; k < 5; k++)
		r[k] = (struct t_types *)l.items[k];
	CHECK_INT(r[0]->d, orm_date_from_ymd(2024, 2, 29));
	CHECK(r[0]->dt == orm_datetime_from_parts(2024, 2, 29, 0, 0, 0));
	CHECK_INT(r[1]->d, -1);
	CHECK(r[1]->dt == -1);
	/* a zero date: month and day 0 read as 1 (orm_time_from_mysql) */
	CHECK_INT(r[2]->d, orm_date_from_ymd(0, 1, 1));
	CHECK(r[2]->dt == (int64_t)orm_date_from_ymd(0, 1, 1) * 86400);
	CHECK(orm_field_is_null(r[3], t_types_col_d) && r[3]->d == 0);
	CHECK(orm_field_is_null(r[3], t_types_col_dt) && r[3]->dt == 0);
	CHECK(!orm_field_is_null(r[4], t_types_col_dt));
	CHECK_INT(r[4]->d, orm_date_from_ymd(9999, 12, 31));
	CHECK(r[4]->dt == INT64_C(2147483648));
out:
	if (other)
		db_close(other);
	t_end(&t);
}

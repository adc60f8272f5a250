/* End-to-end tests of the article total (SPEC sections 5 and 9): a count
 * split into slots, one row per (name, slot), read as their sum in the
 * page's statement. The counter rows are rearranged straight in the
 * database (prepared statements, bound values) the way many writers leave
 * them, and the total of the pages and the API must stay the number of
 * visible articles through creations, deletes and deleteuser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "client.h"
#include "test.h"

/* The first column of the first row of sql, as an integer (-1: none). */
static long long db_int(MYSQL *m, const char *sql)
{
	long long v = -1;
	if (mysql_query(m, sql)) {
		CHECK_MSG(0, "%s: %s", sql, mysql_error(m));
		return -1;
	}
	MYSQL_RES *res = mysql_store_result(m);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	if (row && row[0])
		v = atoll(row[0]);
	if (res)
		mysql_free_result(res);
	return v;
}

/* Add value to counter "articles" in slot, creating the row. */
static void add_to_slot(MYSQL *m, int slot, long long value)
{
	MYSQL_STMT *st = mysql_stmt_init(m);
	const char *sql = "INSERT INTO counter (name, slot, value) VALUES ('articles', ?, ?) "
			  "ON DUPLICATE KEY UPDATE value = value + VALUES(value)";
	MYSQL_BIND b[2];
	memset(b, 0, sizeof b);
	b[0].buffer_type = MYSQL_TYPE_LONG;
	b[0].buffer = &slot;
	b[1].buffer_type = MYSQL_TYPE_LONGLONG;
	b[1].buffer = &value;
	CHECK_MSG(st && !mysql_stmt_prepare(st, sql, strlen(sql)) && !mysql_stmt_bind_param(st, b) &&
			  !mysql_stmt_execute(st),
		  "%s", st ? mysql_stmt_error(st) : "no statement");
	if (st)
		mysql_stmt_close(st);
}

static long long visible(MYSQL *m)
{
	return db_int(m, "SELECT COUNT(*) FROM article WHERE isdelete = 0");
}

static long long api_total(void)
{
	struct http_resp r;
	cl_get("/api/articles?per_page=5", &r);
	CHECK_STATUS(r, 200);
	json_object *o = cl_json(&r);
	long long t = cl_jint(o, "total", -1);
	json_object_put(o);
	hc_free(&r);
	return t;
}

/* The total the HTML list shows ("Page 1 of P · N articles"), or -1. */
static long long page_total(void)
{
	struct http_resp r;
	cl_get("/articles", &r);
	CHECK_STATUS(r, 200);
	long long t = -1;
	const char *p = r.body ? strstr(r.body, "Page 1 of ") : NULL;
	const char *dot = p ? strstr(p, "\xc2\xb7 ") : NULL;
	if (dot)
		t = atoll(dot + 3);
	hc_free(&r);
	return t;
}

TEST(test_article_total_is_the_sum_of_the_counter_slots)
{
	MYSQL *m = cl_db_open();
	if (!m)
		return;
	cl_ensure_articles(3);
	/* The invariant holds before anything is moved. */
	long long before = visible(m);
	CHECK_INT(db_int(m, "SELECT SUM(value) FROM counter WHERE name = 'articles'"), before);
	/* Rearrange the slots, keeping the sum: no row alone holds the
	 * total any more (one holds 1000 too many, one is -1000). A total
	 * read from one row, or from slot 0, is wrong now. */
	CHECK_INT(mysql_query(m, "START TRANSACTION"), 0);
	long long sum = db_int(m, "SELECT COALESCE(SUM(value), 0) FROM counter WHERE name = 'articles' FOR UPDATE");
	CHECK_INT(mysql_query(m, "DELETE FROM counter WHERE name = 'articles'"), 0);
	add_to_slot(m, 5, sum + 1000);
	add_to_slot(m, 11, -1000);
	CHECK_INT(mysql_query(m, "COMMIT"), 0);
	CHECK_INT(db_int(m, "SELECT COUNT(*) FROM counter WHERE name = 'articles'"), 2);
	CHECK_INT(db_int(m, "SELECT COUNT(*) FROM counter WHERE name = 'articles' AND value = "
			    "(SELECT COUNT(*) FROM article WHERE isdelete = 0)"), 0);

	CHECK_INT(api_total(), before);
	CHECK_INT(page_total(), before);
	mysql_close(m);
}

TEST(test_article_total_stays_exact_through_creates_deletes_and_deleteuser)
{
	MYSQL *m = cl_db_open();
	if (!m)
		return;
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "slots");
	long long start = visible(m);
	CHECK_INT(api_total(), start);

	long long ids[4];
	for (int i = 0; i < 4; i++) {
		char t[32];
		snprintf(t, sizeof t, "Slot article %d", i);
		ids[i] = cl_api_article(&b, t, "x");
		CHECK(ids[i] > 0);
	}
	CHECK_INT(visible(m), start + 4);
	CHECK_INT(api_total(), start + 4);
	/* A logical delete through the API. */
	char path[64];
	snprintf(path, sizeof path, "/api/articles/%lld", ids[0]);
	struct http_resp r;
	br_json(&b, "DELETE", path, NULL, &r);
	CHECK_STATUS(r, 204);
	hc_free(&r);
	CHECK_INT(visible(m), start + 3);
	CHECK_INT(api_total(), start + 3);
	CHECK_INT(page_total(), start + 3);
	/* deleteuser (another process, its own slot) takes the other three. */
	char args[96];
	snprintf(args, sizeof args, "deleteuser %s", name);
	CHECK_INT(cl_flacon(args), 0);
	CHECK_INT(visible(m), start);
	CHECK_INT(api_total(), start);
	CHECK_INT(page_total(), start);
	/* Every writer wrote a slot of the range, and the rows add up. */
	CHECK_INT(db_int(m, "SELECT COUNT(*) FROM counter WHERE name = 'articles' AND (slot < 0 OR slot > 15)"), 0);
	CHECK_INT(db_int(m, "SELECT SUM(value) FROM counter WHERE name = 'articles'"), visible(m));
	mysql_close(m);
}

/* test_session.c — server-side sessions against the real MariaDB
 * (FLACON_TEST_DATABASE_URL; missing → the tests fail, never skip). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "fake.h"
#include "test.h"

#define COUNT_ROWS "SELECT COUNT(*) FROM `session`"

/* "session=VALUE" for the next request, from f's response (in keep), or
 * NULL when no live session cookie was set. */
static const char *next_cookie(struct fake *f, struct arena *keep)
{
	const char *v = fake_set_cookie_value(f, "session");
	if (!v || !*v)
		return NULL;
	return arena_printf(keep, "session=%s", v);
}

/* Log user_id in through a fresh request on db; returns the cookie header
 * for the next request (in keep). */
static const char *login_as(struct db *db, long long user_id, struct arena *keep)
{
	struct fake f;
	fake_init(&f, test_config(), db, NULL);
	CHECK_INT(web_session_login(&f.req, user_id), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *c = next_cookie(&f, keep);
	CHECK(c != NULL);
	fake_free(&f);
	return c;
}

static long long user_of(struct db *db, const char *cookie)
{
	struct fake f;
	fake_init(&f, test_config(), db, cookie);
	long long uid = web_session_user_id(&f.req);
	fake_free(&f);
	return uid;
}

TEST(test_session_database_url_is_set)
{
	struct db *db = test_db();
	CHECK_MSG(db != NULL, "the session tests need MariaDB: set FLACON_TEST_DATABASE_URL");
	db_close(db);
}

TEST(test_session_anonymous_get_touches_nothing)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	long long before = test_scalar(db, COUNT_ROWS);
	const char *headers[] = {NULL, "", "theme=dark; csrf=abc", "username=alice"};
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		struct fake f;
		fake_init(&f, test_config(), db, headers[i]);
		CHECK_INT(web_session_user_id(&f.req), 0);
		CHECK(web_session_get(&f.req, "flash") == NULL);
		CHECK(web_session_pop(&f.req, "nothing") == NULL);
		CHECK_INT(web_session_save(&f.req, &f.resp), 0);
		CHECK_INT(db->queries, 0); /* no SELECT, no INSERT */
		CHECK_INT(f.resp.headers.n, 0); /* no cookie either */
		fake_free(&f);
	}
	CHECK_INT(test_scalar(db, COUNT_ROWS), before);
	db_close(db);
}

TEST(test_session_forged_cookie_is_anonymous_and_costs_no_query)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	const char *real = login_as(db, 11, &keep) + strlen("session=");
	struct config other = *test_config();
	other.secret_key = (char *)"an-attackers-own-secret-key-0123456789-xyz";
	unsigned char token[32] = {1, 2, 3};
	const char *foreign = web_sign(&keep, &other, "session", token, sizeof token);
	char *flipped = arena_strdup(&keep, real);
	flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
	const char *forged[] = {
		arena_printf(&keep, "session=%s", foreign),
		arena_printf(&keep, "session=%s", flipped),
		arena_printf(&keep, "session=%.85s", real),
		arena_printf(&keep, "session=%sA", real),
		"session=",
		"session=%%%zz",
		"session=\"\"",
		"session=QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB",
		"session=' OR 1=1 --",
	};
	for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		struct fake f;
		fake_init(&f, test_config(), db, forged[i]);
		CHECK_INT(web_session_user_id(&f.req), 0);
		CHECK_MSG(db->queries == 0, "cookie %s cost %lu queries", forged[i], db->queries);
		CHECK_INT(web_session_save(&f.req, &f.resp), 0);
		CHECK_INT(db->queries, 0);
		/* The useless cookie is deleted (a malformed pair was never
		 * read as a cookie at all). */
		const char *line = fake_set_cookie_line(&f, "session");
		if (http_req_cookie(&f.req, "session"))
			CHECK_MSG(line && strstr(line, "Max-Age=0"), "cookie %s", forged[i]);
		else
			CHECK(!line);
		fake_free(&f);
	}
	CHECK_INT(user_of(db, arena_printf(&keep, "session=%s", real)), 11);
	arena_free(&keep);
	db_close(db);
}

TEST(test_session_shared_by_two_workers)
{
	struct db *w1 = test_db(), *w2 = test_db();
	REQUIRE(w1 && w2);
	CHECK(w1->conn != w2->conn);
	struct arena keep;
	arena_init(&keep, 4096);
	struct fake f;
	fake_init(&f, test_config(), w1, NULL);
	CHECK_INT(web_session_login(&f.req, 7), 0);
	CHECK_INT(web_session_set(&f.req, "greeting", json_object_new_string("hello")), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *cookie = next_cookie(&f, &keep);
	fake_free(&f);
	CHECK(cookie);

	/* Worker 2 sees it and adds to it. */
	fake_init(&f, test_config(), w2, cookie);
	CHECK_INT(web_session_user_id(&f.req), 7);
	json_object *g = web_session_get(&f.req, "greeting");
	CHECK_STR(g ? json_object_get_string(g) : NULL, "hello");
	CHECK_INT(web_session_set(&f.req, "n", json_object_new_int(42)), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	CHECK_INT(w2->queries, 2); /* SELECT + UPDATE */
	CHECK(fake_set_cookie_line(&f, "session") == NULL); /* same token: no new cookie */
	fake_free(&f);

	/* Worker 1 sees worker 2's write; a read-only request is one query. */
	fake_init(&f, test_config(), w1, cookie);
	json_object *n = web_session_get(&f.req, "n");
	CHECK_INT(n ? json_object_get_int(n) : -1, 42);
	CHECK_INT(web_session_user_id(&f.req), 7);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	CHECK_INT(w1->queries, 1);
	CHECK_INT(f.resp.headers.n, 0);
	fake_free(&f);
	arena_free(&keep);
out:
	db_close(w1);
	db_close(w2);
}

TEST(test_session_expired_cookie_is_anonymous)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	const char *cookie = login_as(db, 21, &keep);
	CHECK_INT(user_of(db, cookie), 21);
	CHECK_INT(test_sql(db, "UPDATE `session` SET `expires_at` = UTC_TIMESTAMP() - INTERVAL 1 "
			       "SECOND WHERE `user_id` = 21"),
		  0);
	struct fake f;
	fake_init(&f, test_config(), db, cookie);
	CHECK_INT(web_session_user_id(&f.req), 0);
	CHECK_INT(db->queries, 1);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *line = fake_set_cookie_line(&f, "session");
	CHECK(line && strstr(line, "Max-Age=0"));
	fake_free(&f);
	/* The collector removes it; live sessions stay. */
	const char *live = login_as(db, 22, &keep);
	CHECK(web_session_gc(db) >= 1);
	CHECK_INT(test_scalar(db, "SELECT COUNT(*) FROM `session` WHERE `user_id` = 21"), 0);
	CHECK_INT(test_scalar(db, "SELECT COUNT(*) FROM `session` WHERE "
				  "`expires_at` <= UTC_TIMESTAMP()"),
		  0);
	CHECK_INT(user_of(db, live), 22);
	arena_free(&keep);
	db_close(db);
}

TEST(test_session_login_rotates_the_token)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	long long before = test_scalar(db, COUNT_ROWS);

	/* An anonymous visitor who stores something gets a row and a cookie. */
	struct fake f;
	fake_init(&f, test_config(), db, NULL);
	CHECK_INT(web_session_set(&f.req, "cart", json_object_new_string("3 apples")), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *a = next_cookie(&f, &keep);
	CHECK(a);
	/* Not permanent: a browser-session cookie. */
	const char *line = fake_set_cookie_line(&f, "session");
	CHECK(line && !strstr(line, "Max-Age") && !strstr(line, "Expires"));
	fake_free(&f);
	CHECK_INT(test_scalar(db, COUNT_ROWS), before + 1);

	/* Login from it: new token, old row deleted, data carried. */
	fake_init(&f, test_config(), db, a);
	CHECK_INT(web_session_login(&f.req, 5), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *b = next_cookie(&f, &keep);
	CHECK_INT(fake_set_cookie_count(&f, "session"), 1);
	fake_free(&f);
	CHECK(b && strcmp(a, b) != 0);
	CHECK_INT(test_scalar(db, COUNT_ROWS), before + 1);
	CHECK_INT(user_of(db, a), 0);
	fake_init(&f, test_config(), db, b);
	CHECK_INT(web_session_user_id(&f.req), 5);
	json_object *cart = web_session_get(&f.req, "cart");
	CHECK_STR(cart ? json_object_get_string(cart) : NULL, "3 apples");
	fake_free(&f);

	/* Logging in again (already logged in) rotates again. */
	const char *c = NULL;
	fake_init(&f, test_config(), db, b);
	CHECK_INT(web_session_login(&f.req, 6), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	c = next_cookie(&f, &keep);
	fake_free(&f);
	CHECK(c && strcmp(b, c) != 0);
	CHECK_INT(user_of(db, b), 0);
	CHECK_INT(user_of(db, c), 6);
	CHECK_INT(test_scalar(db, COUNT_ROWS), before + 1);
	arena_free(&keep);
	db_close(db);
}

TEST(test_session_login_cookie_is_permanent_with_gmt_expires)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct config cfg = *test_config();
	cfg.session_lifetime = 86400;
	cfg.cookie_secure = true;
	struct fake f;
	fake_init(&f, &cfg, db, NULL);
	time_t t0 = time(NULL);
	CHECK_INT(web_session_login(&f.req, 31), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	time_t t1 = time(NULL);
	const char *line = fake_set_cookie_line(&f, "session");
	CHECK(line);
	if (line) {
		const char *v = fake_set_cookie_value(&f, "session");
		char d0[40], d1[40];
		http_date(t0 + 86400, d0, sizeof d0);
		http_date(t1 + 86400, d1, sizeof d1);
		char *want0 = arena_printf(&f.arena,
					   "session=%s; Expires=%s; Max-Age=86400; Path=/; Secure; "
					   "HttpOnly; SameSite=Lax", v, d0);
		char *want1 = arena_printf(&f.arena,
					   "session=%s; Expires=%s; Max-Age=86400; Path=/; Secure; "
					   "HttpOnly; SameSite=Lax", v, d1);
		CHECK_MSG(!strcmp(line, want0) || !strcmp(line, want1), "%s", line);
		CHECK_INT(strlen(v), WEB_SESSION_COOKIE_LEN);
	}
	/* The row expires when the cookie does. */
	CHECK(test_scalar(db, "SELECT MAX(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), `expires_at`)) "
			      "FROM `session` WHERE `user_id` = 31") > 86400 - 60);
	fake_free(&f);
	db_close(db);
}

TEST(test_session_logout_deletes_row_and_cookie)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	const char *cookie = login_as(db, 41, &keep);
	long long before = test_scalar(db, COUNT_ROWS);
	struct fake f;
	fake_init(&f, test_config(), db, cookie);
	CHECK_INT(web_session_user_id(&f.req), 41);
	CHECK_INT(web_session_logout(&f.req), 0);
	CHECK_INT(web_session_user_id(&f.req), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	CHECK_STR(fake_set_cookie_line(&f, "session"),
		  "session=; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; Path=/; HttpOnly; "
		  "SameSite=Lax");
	fake_free(&f);
	CHECK_INT(test_scalar(db, COUNT_ROWS), before - 1);
	CHECK_INT(user_of(db, cookie), 0);

	/* Clearing an anonymous session: a deleting cookie, no query. */
	fake_init(&f, test_config(), db, NULL);
	CHECK_INT(web_session_clear(&f.req), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	CHECK_INT(db->queries, 0);
	CHECK(strstr(fake_set_cookie_line(&f, "session"), "Max-Age=0") != NULL);
	fake_free(&f);

	/* Something stored after a logout goes to a new anonymous session. */
	const char *again = login_as(db, 42, &keep);
	fake_init(&f, test_config(), db, again);
	CHECK_INT(web_session_logout(&f.req), 0);
	CHECK_INT(web_session_set(&f.req, "flash", json_object_new_string("bye")), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	CHECK_INT(fake_set_cookie_count(&f, "session"), 1);
	const char *fresh = next_cookie(&f, &keep);
	fake_free(&f);
	CHECK(fresh && strcmp(fresh, again) != 0);
	CHECK_INT(user_of(db, again), 0);
	fake_init(&f, test_config(), db, fresh);
	CHECK_INT(web_session_user_id(&f.req), 0);
	json_object *flash = web_session_pop(&f.req, "flash");
	CHECK_STR(flash ? json_object_get_string(flash) : NULL, "bye");
	/* Emptied again: the anonymous row goes away with its cookie. */
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	CHECK(strstr(fake_set_cookie_line(&f, "session"), "Max-Age=0") != NULL);
	fake_free(&f);
	CHECK_INT(test_scalar(db, COUNT_ROWS), before - 1);
	arena_free(&keep);
	db_close(db);
}

static bool contains(const char *hay, size_t n, const void *needle, size_t k)
{
	return hay && memmem(hay, n, needle, k) != NULL;
}

TEST(test_session_table_never_holds_the_token)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	struct fake f;
	fake_init(&f, test_config(), db, NULL);
	CHECK_INT(web_session_login(&f.req, 51), 0);
	CHECK_INT(web_session_set(&f.req, "k", json_object_new_string("value")), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *cookie = fake_set_cookie_value(&f, "session");
	cookie = cookie ? arena_strdup(&keep, cookie) : NULL;
	fake_free(&f);
	REQUIRE(cookie);
	unsigned char token[32];
	CHECK_INT(web_unsign(test_config(), "session", cookie, strlen(cookie), token, 32), 0);
	char hex[65];
	sodium_bin2hex(hex, sizeof hex, token, sizeof token);
	char b64[64];
	sodium_bin2base64(b64, sizeof b64, token, sizeof token,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	CHECK_INT(mysql_query(db->conn, "SELECT *, HEX(`token_hash`), HEX(`data`) FROM `session`"),
		  0);
	MYSQL_RES *r = mysql_store_result(db->conn);
	CHECK(r);
	size_t cl = strlen(cookie);
	int rows = 0, leaks = 0;
	MYSQL_ROW row;
	while (r && (row = mysql_fetch_row(r))) {
		rows++;
		unsigned long *len = mysql_fetch_lengths(r);
		for (unsigned c = 0; c < mysql_num_fields(r); c++) {
			if (!row[c])
				continue;
			for (size_t i = 0; i + 16 <= cl; i++)
				leaks += contains(row[c], len[c], cookie + i, 16);
			leaks += contains(row[c], len[c], token, sizeof token);
			leaks += contains(row[c], len[c], token, 16);
			leaks += contains(row[c], len[c], hex, 64);
			leaks += strcasestr(row[c], hex) != NULL;
			leaks += contains(row[c], len[c], b64, 16);
		}
	}
	if (r)
		mysql_free_result(r);
	CHECK(rows >= 1);
	CHECK_INT(leaks, 0);
out:
	arena_free(&keep);
	db_close(db);
}

TEST(test_session_values_round_trip)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	const char *cookie = login_as(db, 61, &keep);
	char *big = malloc(5001);
	memset(big, 'x', 5000);
	big[5000] = '\0';
	struct fake f;
	fake_init(&f, test_config(), db, cookie);
	json_object *list = json_object_new_array();
	json_object_array_add(list, json_object_new_int64(9007199254740993LL));
	json_object_array_add(list, json_object_new_string("\xf0\x9f\x8d\xb7 'quote\" <tag>"));
	json_object_array_add(list, NULL);
	CHECK_INT(web_session_set(&f.req, "list", list), 0);
	CHECK_INT(web_session_set(&f.req, "big", json_object_new_string(big)), 0);
	CHECK_INT(web_session_set(&f.req, "flag", json_object_new_boolean(1)), 0);
	/* A replaced value stays valid until the end of the request. */
	json_object *flag = web_session_get(&f.req, "flag");
	CHECK_INT(web_session_set(&f.req, "flag", json_object_new_boolean(0)), 0);
	CHECK(json_object_get_boolean(flag));
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);

	fake_init(&f, test_config(), db, cookie);
	json_object *l = web_session_get(&f.req, "list");
	CHECK(json_object_is_type(l, json_type_array) && json_object_array_length(l) == 3);
	if (json_object_is_type(l, json_type_array) && json_object_array_length(l) == 3) {
		CHECK_INT(json_object_get_int64(json_object_array_get_idx(l, 0)), 9007199254740993LL);
		CHECK_STR(json_object_get_string(json_object_array_get_idx(l, 1)),
			  "\xf0\x9f\x8d\xb7 'quote\" <tag>");
		CHECK(json_object_array_get_idx(l, 2) == NULL);
	}
	json_object *b = web_session_get(&f.req, "big");
	CHECK_STR(b ? json_object_get_string(b) : NULL, big);
	CHECK(!json_object_get_boolean(web_session_get(&f.req, "flag")));
	/* Over 64 KiB: refused at save, the row keeps its old data. */
	char *huge = malloc(70001);
	memset(huge, 'y', 70000);
	huge[70000] = '\0';
	CHECK_INT(web_session_set(&f.req, "huge", json_object_new_string(huge)), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), -1);
	fake_free(&f);
	CHECK_INT(user_of(db, cookie), 61);
	free(huge);
	free(big);
	arena_free(&keep);
	db_close(db);
}

TEST(test_session_cookie_of_old_key_is_resigned)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	/* Logged in before the key rotation. */
	struct fake f;
	fake_init(&f, test_config_old(), db, NULL);
	CHECK_INT(web_session_login(&f.req, 71), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *old_cookie = next_cookie(&f, &keep);
	fake_free(&f);
	CHECK(old_cookie);
	/* After it: still logged in, and the cookie comes back signed anew,
	 * same token, same expiry. */
	fake_init(&f, test_config_rotated(), db, old_cookie);
	CHECK_INT(web_session_user_id(&f.req), 71);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *v = fake_set_cookie_value(&f, "session");
	const char *line = fake_set_cookie_line(&f, "session");
	CHECK(v && line && strstr(line, "; Max-Age=") && strstr(line, "; Expires="));
	unsigned char t_old[32], t_new[32];
	CHECK_INT(web_unsign(test_config_rotated(), "session", old_cookie + 8,
			     strlen(old_cookie + 8), t_old, 32),
		  1);
	CHECK_INT(v ? web_unsign(test_config_rotated(), "session", v, strlen(v), t_new, 32) : -1,
		  0);
	CHECK(memcmp(t_old, t_new, 32) == 0);
	fake_free(&f);
	/* Without the old key listed: anonymous. */
	CHECK_INT(user_of(db, old_cookie), 0);
	arena_free(&keep);
	db_close(db);
}

TEST(test_session_delete_user_removes_all_their_sessions)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	const char *a = login_as(db, 81, &keep);
	const char *b = login_as(db, 81, &keep);
	const char *other = login_as(db, 82, &keep);
	CHECK_INT(web_session_delete_user(db, 81), 2);
	CHECK_INT(user_of(db, a), 0);
	CHECK_INT(user_of(db, b), 0);
	CHECK_INT(user_of(db, other), 82);
	arena_free(&keep);
	db_close(db);
}

TEST(test_session_database_down_keeps_the_cookie)
{
	struct db *good = test_db();
	CHECK(good);
	if (!good)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	const char *cookie = login_as(good, 91, &keep);
	char err[256];
	struct db *down = db_new("mariadb://flacon@localhost/flacon_test?socket=/nonexistent.sock",
				 err, sizeof err);
	CHECK(down);
	struct fake f;
	fake_init(&f, test_config(), down, cookie);
	CHECK_INT(web_session_load(&f.req), -1);
	CHECK_INT(web_session_user_id(&f.req), 0);
	CHECK_INT(web_session_set(&f.req, "x", json_object_new_int(1)), -1);
	CHECK_INT(web_session_login(&f.req, 3), -1);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	CHECK_INT(f.resp.headers.n, 0); /* an outage logs nobody out */
	CHECK(web_csrf_token(&f.req, &f.resp) == NULL);
	fake_free(&f);
	CHECK_INT(user_of(good, cookie), 91);
	db_close(down);
	arena_free(&keep);
	db_close(good);
}

TEST(test_session_gc_tick_runs_every_n_calls)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	CHECK_INT(web_session_gc_tick(db, 0), 0);
	unsigned long q0 = db->queries;
	for (int i = 0; i < 10; i++)
		web_session_gc_tick(db, 10);
	/* Exactly one gc statement ran in those ten calls (wherever the
	 * process-wide counter started, one of them was the tenth). */
	CHECK_INT(db->queries - q0, 1);
	db_close(db);
}

TEST(test_session_no_sliding_expiry)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	const char *cookie = login_as(db, 121, &keep);
	CHECK_INT(test_sql(db, "UPDATE `session` SET `expires_at` = UTC_TIMESTAMP() + INTERVAL 100 "
			       "SECOND WHERE `user_id` = 121"),
		  0);
	/* Reading and writing the session moves neither the row's expiry
	 * nor the cookie's. */
	struct fake f;
	fake_init(&f, test_config(), db, cookie);
	CHECK_INT(web_session_set(&f.req, "seen", json_object_new_int(1)), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	CHECK_INT(f.resp.headers.n, 0);
	fake_free(&f);
	CHECK(test_scalar(db, "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), `expires_at`) FROM "
			      "`session` WHERE `user_id` = 121") <= 100);
	arena_free(&keep);
	db_close(db);
}

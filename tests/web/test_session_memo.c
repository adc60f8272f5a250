/* test_session_memo.c — the worker's memo of verified session cookies
 * (app/web/session_memo.c): a cookie is verified once per worker, and the
 * memo never accepts what a full verification would refuse — a changed
 * cookie, a cookie after its key changed — nor keeps a session alive. */
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "test.h"
#include "web/internal.h"

/* "session=VALUE" from f's response, in keep, or NULL. */
static const char *next_cookie(struct fake *f, struct arena *keep)
{
	const char *v = fake_set_cookie_value(f, "session");
	return v && *v ? arena_printf(keep, "session=%s", v) : NULL;
}

/* Log user_id in under cfg with data {"n": n}; the cookie for the next
 * request (in keep). */
static const char *login_with(const struct config *cfg, struct db *db, long long user_id, int n,
			      struct arena *keep)
{
	struct fake f;
	fake_init(&f, cfg, db, NULL);
	CHECK_INT(web_session_login(&f.req, user_id), 0);
	CHECK_INT(web_session_set(&f.req, "n", json_object_new_int(n)), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *c = next_cookie(&f, keep);
	CHECK(c != NULL);
	fake_free(&f);
	return c;
}

/* The user id cookie reads as under cfg, and the queries it cost. */
static long long user_of(const struct config *cfg, struct db *db, const char *cookie,
			 unsigned long *queries)
{
	struct fake f;
	fake_init(&f, cfg, db, cookie);
	long long uid = web_session_user_id(&f.req);
	if (queries)
		*queries = db->queries;
	fake_free(&f);
	return uid;
}

/* The "n" of cookie's session data, -1 when none. */
static int n_of(struct db *db, const char *cookie)
{
	struct fake f;
	fake_init(&f, test_config(), db, cookie);
	json_object *v = web_session_get(&f.req, "n");
	int n = json_object_is_type(v, json_type_int) ? json_object_get_int(v) : -1;
	fake_free(&f);
	return n;
}

/* The session's CSRF token under cfg (in keep), NULL when none. */
static const char *token_of(const struct config *cfg, struct db *db, const char *cookie,
			    struct arena *keep)
{
	struct fake f;
	fake_init(&f, cfg, db, cookie);
	const char *t = web_csrf_token(&f.req, &f.resp);
	t = t ? arena_strdup(keep, t) : NULL;
	fake_free(&f);
	return t;
}

static bool token_valid(const struct config *cfg, struct db *db, const char *cookie, const char *t)
{
	struct fake f;
	fake_init(&f, cfg, db, cookie);
	bool ok = web_csrf_valid(&f.req, t, strlen(t));
	fake_free(&f);
	return ok;
}

TEST(test_session_memo_verifies_a_cookie_once_per_worker)
{
	struct arena keep;
	arena_init(&keep, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	const char *c = login_with(test_config(), db, 21, 5, &keep);
	struct web_memo_counts a, b;
	web_memo_test_counts(&a);
	for (int i = 0; i < 3; i++) {
		CHECK_INT(user_of(test_config(), db, c, NULL), 21);
		CHECK_INT(n_of(db, c), 5);
	}
	web_memo_test_counts(&b);
	CHECK_INT(b.verified - a.verified, 1);
	CHECK_INT(b.found - a.found, 5);
	CHECK_INT(b.data_found - a.data_found, 5); /* parsed once, copied after */
	/* The session's CSRF token: one HMAC, then the same token. */
	const char *t1 = token_of(test_config(), db, c, &keep);
	const char *t2 = token_of(test_config(), db, c, &keep);
	web_memo_test_counts(&a);
	CHECK(t1 && t2 && !strcmp(t1, t2));
	CHECK_INT(a.csrf_found - b.csrf_found, 1);
	/* A form's POST compares with the kept token. */
	CHECK(t1 && token_valid(test_config(), db, c, t1));
	web_memo_test_counts(&b);
	CHECK_INT(b.csrf_found - a.csrf_found, 1);
	/* Another session's token is not this one's. */
	const char *other = login_with(test_config(), db, 21, 5, &keep);
	CHECK(t1 && !token_valid(test_config(), db, other, t1));
	CHECK(t1 && token_valid(test_config(), db, c, t1));
out:
	arena_free(&keep);
	if (db)
		db_close(db);
}

/* The base64url character whose value differs from c's by d (c is one). */
static char b64_shift(char c, int d)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *p = strchr(alpha, c);
	return p ? alpha[((p - alpha) + d) & 63] : c;
}

/* A changed cookie after the real one was verified: refused. Run with
 * the keyed hash and with every text in one slot under one tag, where
 * the comparison of the whole text is all that tells them apart. */
static void changed_cookies_refused(bool one_slot)
{
	struct arena keep;
	arena_init(&keep, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	web_memo_test_one_slot(one_slot);
	const char *c = login_with(test_config(), db, 22, 1, &keep);
	CHECK_INT(user_of(test_config(), db, c, NULL), 22); /* in the memo now */
	const char *v = c + strlen("session=");
	size_t n = strlen(v);
	REQUIRE(n == 86);
	char flip0[87], flip43[87], flip85[87], low85[87];
	memcpy(flip0, v, n + 1);
	flip0[0] = b64_shift(v[0], 1);
	memcpy(flip43, v, n + 1);
	flip43[43] = b64_shift(v[43], 32);
	memcpy(flip85, v, n + 1);
	flip85[85] = b64_shift(v[85], 16);
	/* The last character's low bits are not part of the 64 bytes: the
	 * same bytes under another text, refused as non-canonical. */
	memcpy(low85, v, n + 1);
	low85[85] = b64_shift(v[85], 1);
	const char *changed[] = {
		arena_printf(&keep, "session=%s", flip0),
		arena_printf(&keep, "session=%s", flip43),
		arena_printf(&keep, "session=%s", flip85),
		arena_printf(&keep, "session=%s", low85),
		arena_printf(&keep, "session=%.85s", v),
		arena_printf(&keep, "session=%.43s", v),
		arena_printf(&keep, "session=%sA", v),
		arena_printf(&keep, "session=A%s", v),
		"session=",
	};
	for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
		unsigned long q = 99;
		CHECK_MSG(user_of(test_config(), db, changed[i], &q) == 0, "cookie %s accepted", changed[i]);
		CHECK_MSG(q == 0, "cookie %s cost %lu queries", changed[i], q);
	}
	/* And again, now that each was seen once. */
	for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++)
		CHECK_MSG(user_of(test_config(), db, changed[i], NULL) == 0, "cookie %s accepted",
			  changed[i]);
	CHECK_INT(user_of(test_config(), db, c, NULL), 22);
out:
	web_memo_test_one_slot(false);
	arena_free(&keep);
	if (db)
		db_close(db);
}

TEST(test_session_memo_changed_cookie_after_a_verified_one_is_refused)
{
	changed_cookies_refused(false);
}

TEST(test_session_memo_changed_cookie_in_the_same_slot_is_refused)
{
	changed_cookies_refused(true);
}

TEST(test_session_memo_changed_secret_refuses_a_verified_cookie)
{
	struct arena keep;
	arena_init(&keep, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	/* The key changed in place, at the same address (a reload into the
	 * same buffer): its text is what counts. */
	static char secret[] = "memo-secret-0123456789-abcdefghijklmnopqrstu";
	struct config cfg = *test_config();
	cfg.secret_key = secret;
	const char *c = login_with(&cfg, db, 23, 3, &keep);
	CHECK_INT(user_of(&cfg, db, c, NULL), 23);
	const char *t = token_of(&cfg, db, c, &keep);
	CHECK(t && token_valid(&cfg, db, c, t));
	secret[0] = 'M';
	unsigned long q = 99;
	CHECK_INT(user_of(&cfg, db, c, &q), 0);
	CHECK_INT(q, 0);
	CHECK(t && !token_valid(&cfg, db, c, t));
	CHECK_INT(user_of(test_config(), db, c, NULL), 0);
	secret[0] = 'm';
	CHECK_INT(user_of(&cfg, db, c, NULL), 23);
	const char *t2 = token_of(&cfg, db, c, &keep);
	CHECK(t && t2 && !strcmp(t, t2));

	/* Signed with the old key: accepted (and re-signed) while the old
	 * key is kept, refused once it is dropped. */
	const char *o = login_with(test_config_old(), db, 24, 4, &keep);
	CHECK_INT(user_of(test_config_rotated(), db, o, NULL), 24);
	CHECK_INT(user_of(test_config(), db, o, &q), 0);
	CHECK_INT(q, 0);
	CHECK_INT(user_of(test_config_rotated(), db, o, NULL), 24);
	/* Its re-signed cookie, as the rotated configuration sends it. */
	struct fake f;
	fake_init(&f, test_config_rotated(), db, o);
	CHECK_INT(web_session_user_id(&f.req), 24);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *o2 = next_cookie(&f, &keep);
	fake_free(&f);
	CHECK(o2 && strcmp(o, o2) != 0);
	CHECK_INT(user_of(test_config_old(), db, o2, NULL), 0);
	CHECK_INT(user_of(test_config(), db, o2, NULL), 24);
out:
	arena_free(&keep);
	if (db)
		db_close(db);
}

TEST(test_session_memo_many_sessions_each_read_as_its_own)
{
	struct arena keep;
	arena_init(&keep, 16384);
	struct db *db = test_db();
	REQUIRE(db);
	enum { N = 200 }; /* more than the memo holds: entries are evicted */
	const char *c[N];
	for (int i = 0; i < N; i++)
		c[i] = login_with(test_config(), db, 1000 + i, i, &keep);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			long long uid = user_of(test_config(), db, c[i], NULL);
			int n = n_of(db, c[i]);
			CHECK_MSG(uid == 1000 + i && n == i, "round %d: session %d read as user %lld, n %d",
				  round, i, uid, n);
		}
	}
	/* Data changed by a request is read as changed. */
	struct fake f;
	fake_init(&f, test_config(), db, c[7]);
	CHECK_INT(web_session_set(&f.req, "n", json_object_new_int(77)), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);
	CHECK_INT(n_of(db, c[7]), 77);
	CHECK_INT(n_of(db, c[8]), 8);
out:
	arena_free(&keep);
	if (db)
		db_close(db);
}

TEST(test_session_memo_value_changed_in_place_is_not_kept_without_a_set)
{
	struct arena keep;
	arena_init(&keep, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	const char *c = login_with(test_config(), db, 25, 9, &keep);
	CHECK_INT(n_of(db, c), 9); /* parsed and kept */
	/* A handler that changes a borrowed value without storing it: the
	 * row keeps 9, and so must the next request. */
	struct fake f;
	fake_init(&f, test_config(), db, c);
	json_object *v = web_session_get(&f.req, "n");
	CHECK(v != NULL);
	if (v)
		json_object_set_int(v, 10);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);
	CHECK_INT(n_of(db, c), 9);
out:
	arena_free(&keep);
	if (db)
		db_close(db);
}

TEST(test_session_memo_forgets_a_logged_out_cookie)
{
	struct arena keep;
	arena_init(&keep, 4096);
	struct db *db = test_db();
	REQUIRE(db);
	const char *c = login_with(test_config(), db, 26, 6, &keep);
	CHECK_INT(user_of(test_config(), db, c, NULL), 26);
	struct fake f;
	fake_init(&f, test_config(), db, c);
	CHECK_INT(web_session_logout(&f.req), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);
	struct web_memo_counts a, b;
	web_memo_test_counts(&a);
	CHECK_INT(user_of(test_config(), db, c, NULL), 0);
	CHECK_INT(user_of(test_config(), db, c, NULL), 0);
	web_memo_test_counts(&b);
	/* Verified again each time (it names no row: nothing is kept). */
	CHECK_INT(b.verified - a.verified, 2);
	CHECK_INT(b.found - a.found, 0);
out:
	arena_free(&keep);
	if (db)
		db_close(db);
}

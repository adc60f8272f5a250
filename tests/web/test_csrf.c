/* test_csrf.c — CSRF tokens: bound to the session when there is one, to a
 * signed short-lived cookie otherwise; missing or wrong → refused. */
#include <string.h>
#include <time.h>

#include "fake.h"
#include "test.h"

/* "csrf=VALUE" from f's response, in keep (NULL when not set). */
static const char *csrf_cookie(struct fake *f, struct arena *keep)
{
	const char *v = fake_set_cookie_value(f, WEB_CSRF_COOKIE);
	return v ? arena_printf(keep, "csrf=%s", v) : NULL;
}

static bool check_with(const struct config *cfg, struct db *db, const char *cookie,
		       const char *token)
{
	struct fake f;
	fake_init(&f, cfg, db, cookie);
	char body[200] = "title=x";
	if (token)
		snprintf(body, sizeof body, "title=x&csrf_token=%s", token);
	fake_form(&f, body);
	bool ok = web_csrf_check(&f.req);
	fake_free(&f);
	return ok;
}

TEST(test_csrf_anonymous_token_is_bound_to_its_cookie)
{
	struct arena keep;
	arena_init(&keep, 4096);
	struct fake f;
	/* No session, no database: an anonymous form costs no row. */
	fake_init(&f, test_config(), NULL, NULL);
	const char *t = web_csrf_token(&f.req, &f.resp);
	CHECK(t && strlen(t) == 43);
	CHECK_STR(web_csrf_token(&f.req, &f.resp), t); /* stable within a request */
	const char *line = fake_set_cookie_line(&f, "csrf");
	CHECK(line && strstr(line, "; Max-Age=7200; Path=/; HttpOnly; SameSite=Lax"));
	CHECK_INT(fake_set_cookie_count(&f, "csrf"), 1);
	const char *cookie = csrf_cookie(&f, &keep);
	t = arena_strdup(&keep, t);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	CHECK_INT(fake_set_cookie_count(&f, "session"), 0);
	fake_free(&f);

	CHECK(check_with(test_config(), NULL, cookie, t));
	CHECK(!check_with(test_config(), NULL, NULL, t));    /* cookie missing */
	CHECK(!check_with(test_config(), NULL, cookie, NULL)); /* field missing */
	CHECK(!check_with(test_config(), NULL, cookie, ""));
	char *wrong = arena_strdup(&keep, t);
	wrong[5] = wrong[5] == 'a' ? 'b' : 'a';
	CHECK(!check_with(test_config(), NULL, cookie, wrong));
	CHECK(!check_with(test_config(), NULL, cookie, arena_printf(&keep, "%.42s", t)));
	CHECK(!check_with(test_config(), NULL, cookie, arena_printf(&keep, "%sA", t)));

	/* Another browser's cookie does not go with this token. */
	fake_init(&f, test_config(), NULL, NULL);
	const char *t2 = arena_strdup(&keep, web_csrf_token(&f.req, &f.resp));
	const char *cookie2 = csrf_cookie(&f, &keep);
	fake_free(&f);
	CHECK(strcmp(t, t2) != 0);
	CHECK(!check_with(test_config(), NULL, cookie2, t));
	CHECK(check_with(test_config(), NULL, cookie2, t2));
	arena_free(&keep);
}

/* A valid token followed by a NUL and more bytes is not the token: the
 * check compares the whole decoded value, not the bytes before a NUL. */
TEST(test_csrf_token_with_nul_and_junk_is_refused)
{
	struct arena keep;
	arena_init(&keep, 4096);
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	const char *t = arena_strdup(&keep, web_csrf_token(&f.req, &f.resp));
	const char *cookie = csrf_cookie(&f, &keep);
	fake_free(&f);
	CHECK(check_with(test_config(), NULL, cookie, t));
	CHECK(!check_with(test_config(), NULL, cookie, arena_printf(&keep, "%s%%00junk", t)));
	CHECK(!check_with(test_config(), NULL, cookie, arena_printf(&keep, "%s%%00", t)));
	CHECK(!check_with(test_config(), NULL, cookie, arena_printf(&keep, "%.42s%%00", t)));
	/* The same through web_csrf_valid with an explicit length. */
	fake_init(&f, test_config(), NULL, cookie);
	char with_nul[64];
	memcpy(with_nul, t, 43);
	memcpy(with_nul + 43, "\0junk", 5);
	CHECK(web_csrf_valid(&f.req, with_nul, 43));
	CHECK(!web_csrf_valid(&f.req, with_nul, 48));
	CHECK(!web_csrf_valid(&f.req, with_nul, 44));
	fake_free(&f);
	arena_free(&keep);
}

TEST(test_csrf_cookie_is_reused_and_must_be_signed)
{
	struct arena keep;
	arena_init(&keep, 4096);
	struct fake f;
	fake_init(&f, test_config(), NULL, NULL);
	const char *t = arena_strdup(&keep, web_csrf_token(&f.req, &f.resp));
	const char *cookie = csrf_cookie(&f, &keep);
	fake_free(&f);

	/* A second form in the same browser reuses the cookie and token. */
	fake_init(&f, test_config(), NULL, cookie);
	CHECK_STR(web_csrf_token(&f.req, &f.resp), t);
	CHECK_INT(fake_set_cookie_count(&f, "csrf"), 0);
	fake_free(&f);

	/* A cookie signed with an unknown key is replaced, and refused. */
	struct config other = *test_config();
	other.secret_key = (char *)"an-attackers-own-secret-key-0123456789-xyz";
	fake_init(&f, &other, NULL, NULL);
	const char *evil_t = arena_strdup(&keep, web_csrf_token(&f.req, &f.resp));
	const char *evil_cookie = csrf_cookie(&f, &keep);
	fake_free(&f);
	CHECK(!check_with(test_config(), NULL, evil_cookie, evil_t));
	fake_init(&f, test_config(), NULL, evil_cookie);
	CHECK(web_csrf_token(&f.req, &f.resp) != NULL);
	CHECK_INT(fake_set_cookie_count(&f, "csrf"), 1);
	fake_free(&f);
	CHECK(!check_with(test_config(), NULL, "csrf=garbage", evil_t));
	arena_free(&keep);
}

TEST(test_csrf_old_key_tokens_still_accepted_after_rotation)
{
	struct arena keep;
	arena_init(&keep, 4096);
	struct fake f;
	fake_init(&f, test_config_old(), NULL, NULL);
	const char *t = arena_strdup(&keep, web_csrf_token(&f.req, &f.resp));
	const char *cookie = csrf_cookie(&f, &keep);
	fake_free(&f);
	CHECK(check_with(test_config_rotated(), NULL, cookie, t));
	CHECK(!check_with(test_config(), NULL, cookie, t));
	arena_free(&keep);
}

static const char *login(struct db *db, long long uid, struct arena *keep)
{
	struct fake f;
	fake_init(&f, test_config(), db, NULL);
	CHECK_INT(web_session_login(&f.req, uid), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	const char *v = fake_set_cookie_value(&f, "session");
	const char *c = v ? arena_printf(keep, "session=%s", v) : NULL;
	fake_free(&f);
	return c;
}

static const char *token_for(struct db *db, const char *cookie, struct arena *keep)
{
	struct fake f;
	fake_init(&f, test_config(), db, cookie);
	const char *t = web_csrf_token(&f.req, &f.resp);
	t = t ? arena_strdup(keep, t) : NULL;
	/* A session-bound token needs no csrf cookie. */
	CHECK_INT(fake_set_cookie_count(&f, "csrf"), 0);
	fake_free(&f);
	return t;
}

TEST(test_csrf_session_token_refused_in_another_session)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct arena keep;
	arena_init(&keep, 4096);
	const char *a = login(db, 101, &keep);
	const char *b = login(db, 101, &keep); /* same user, other browser */
	const char *ta = token_for(db, a, &keep);
	const char *tb = token_for(db, b, &keep);
	CHECK(ta && tb && strcmp(ta, tb) != 0);
	CHECK(check_with(test_config(), db, a, ta));
	CHECK(check_with(test_config(), db, b, tb));
	CHECK(!check_with(test_config(), db, b, ta));
	CHECK(!check_with(test_config(), db, a, tb));
	CHECK(!check_with(test_config(), db, NULL, ta));
	CHECK(!check_with(test_config(), db, a, NULL));

	/* After logout the old session's token is worth nothing. */
	struct fake f;
	fake_init(&f, test_config(), db, a);
	CHECK_INT(web_session_logout(&f.req), 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);
	CHECK(!check_with(test_config(), db, a, ta));

	/* A login form rendered anonymously still posts after another tab
	 * logged in (bound to the browser's csrf cookie). */
	fake_init(&f, test_config(), db, NULL);
	const char *anon_t = arena_strdup(&keep, web_csrf_token(&f.req, &f.resp));
	const char *csrf = csrf_cookie(&f, &keep);
	fake_free(&f);
	CHECK(check_with(test_config(), db, arena_printf(&keep, "%s; %s", b, csrf), anon_t));
	CHECK(!check_with(test_config(), db, b, anon_t));
	arena_free(&keep);
	db_close(db);
}

TEST(test_csrf_token_changes_with_login)
{
	struct db *db = test_db();
	CHECK(db);
	if (!db)
		return;
	struct fake f;
	fake_init(&f, test_config(), db, NULL);
	const char *anon = web_csrf_token(&f.req, &f.resp);
	CHECK(anon);
	anon = anon ? arena_strdup(&f.arena, anon) : "";
	CHECK_INT(web_session_login(&f.req, 111), 0);
	const char *logged = web_csrf_token(&f.req, &f.resp);
	CHECK(logged && strcmp(anon, logged) != 0);
	CHECK_INT(web_session_save(&f.req, &f.resp), 0);
	fake_free(&f);
	db_close(db);
}

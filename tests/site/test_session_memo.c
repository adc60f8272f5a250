/* test_session_memo.c — the site's pages with the worker's memo of
 * verified session cookies (app/web/session_memo.c) in the way: a cookie
 * read many times is still the same user, a changed one is a visitor on
 * every request, and a logged-out one stays logged out although the
 * worker verified it a moment before. */
#include <string.h>

#include "site_client.h"

/* The username GET /api/me gives for the current visitor, "" when
 * anonymous. */
static const char *who(void)
{
	const struct flacon_response *r = sc_get("/api/me");
	const char *u = r->status == 200 ? sc_jstr(r->json, "username") : NULL;
	return u ? u : "";
}

TEST(test_session_memo_same_cookie_same_user_and_token_changed_cookie_a_visitor)
{
	char name[33], real[256], changed[sizeof real + 1], token[128];
	REQUIRE(sc_new_user(name, "memo") > 0);
	const char *c = flacon_client_cookie(sc(), "session");
	REQUIRE(c && strlen(c) < sizeof real);
	snprintf(real, sizeof real, "%s", c);
	for (int i = 0; i < 3; i++)
		CHECK_STR(who(), name);
	const char *t = sc_csrf("/", "/logout");
	REQUIRE(t && strlen(t) < sizeof token);
	snprintf(token, sizeof token, "%s", t);
	t = sc_csrf("/", "/logout");
	CHECK(t && !strcmp(t, token)); /* one token per session */

	/* One character changed, one cut, one added: a visitor each time,
	 * also the second time. */
	size_t n = strlen(real);
	for (int k = 0; k < 3; k++) {
		snprintf(changed, sizeof changed, "%s", real);
		if (k == 0)
			changed[n / 2] = changed[n / 2] == 'A' ? 'B' : 'A';
		else if (k == 1)
			changed[n - 1] = '\0';
		else
			snprintf(changed, sizeof changed, "%sA", real);
		CHECK_INT(flacon_client_set_cookie(sc(), "session", changed), 0);
		CHECK_STR(who(), "");
		CHECK_INT(flacon_client_set_cookie(sc(), "session", changed), 0);
		CHECK_STR(who(), "");
	}
	CHECK_INT(flacon_client_set_cookie(sc(), "session", real), 0);
	CHECK_STR(who(), name);
out:;
}

TEST(test_session_memo_logged_out_cookie_stays_logged_out)
{
	char name[33], old[512];
	REQUIRE(sc_new_user(name, "memoout") > 0);
	const char *c = flacon_client_cookie(sc(), "session");
	REQUIRE(c && strlen(c) < sizeof old);
	snprintf(old, sizeof old, "%s", c);
	CHECK_STR(who(), name);
	CHECK_STR(who(), name); /* verified by the worker, and kept */
	const char *tok = sc_csrf("/", "/logout");
	REQUIRE(tok);
	CHECK_STATUS(flacon_client_post_form(sc(), "/logout", "csrf_token", tok, NULL), 303);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(flacon_client_set_cookie(sc(), "session", old), 0);
		CHECK_STR(who(), "");
		CHECK_INT(flacon_client_set_cookie(sc(), "session", old), 0);
		const struct flacon_response *r = sc_get("/me/courses");
		CHECK_STATUS(r, 303);
	}
	/* Logged in again: a new cookie, read at once; the old one still
	 * nobody's. */
	CHECK_STATUS(sc_login_form(name, SC_PASSWORD, NULL, NULL), 303);
	CHECK_STR(who(), name);
	c = flacon_client_cookie(sc(), "session");
	CHECK(c && strcmp(c, old) != 0);
	CHECK_INT(flacon_client_set_cookie(sc(), "session", old), 0);
	CHECK_STR(who(), "");
out:;
}

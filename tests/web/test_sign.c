/* test_sign.c — signed values: the current key signs, old keys of the
 * rotation still verify, anything else is refused. */
#include <stdio.h>
#include <string.h>

#include "fake.h"
#include "test.h"

static const unsigned char payload[32] = "0123456789abcdef0123456789abcdef";

TEST(test_sign_round_trip_with_current_key)
{
	struct arena a;
	arena_init(&a, 1024);
	char *s = web_sign(&a, test_config(), "session", payload, sizeof payload);
	CHECK(s != NULL);
	CHECK_INT(strlen(s), web_signed_len(sizeof payload));
	CHECK_INT(strlen(s), WEB_SESSION_COOKIE_LEN);
	CHECK_INT(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		  strlen(s));
	unsigned char out[32] = {0};
	CHECK_INT(web_unsign(test_config(), "session", s, strlen(s), out, sizeof out), 0);
	CHECK(memcmp(out, payload, sizeof out) == 0);
	arena_free(&a);
}

TEST(test_sign_old_key_still_verifies_after_rotation)
{
	struct arena a;
	arena_init(&a, 1024);
	/* Signed before the rotation, with what is now an old key. */
	char *s = web_sign(&a, test_config_old(), "session", payload, sizeof payload);
	unsigned char out[32];
	CHECK_INT(web_unsign(test_config_rotated(), "session", s, strlen(s), out, sizeof out), 1);
	/* Without the old key listed, refused. */
	CHECK_INT(web_unsign(test_config(), "session", s, strlen(s), out, sizeof out), -1);
	/* The new key signs after the rotation. */
	char *t = web_sign(&a, test_config_rotated(), "session", payload, sizeof payload);
	CHECK(strcmp(s, t) != 0);
	CHECK_INT(web_unsign(test_config_rotated(), "session", t, strlen(t), out, sizeof out), 0);
	CHECK_INT(web_unsign(test_config_old(), "session", t, strlen(t), out, sizeof out), -1);
	arena_free(&a);
}

TEST(test_sign_unknown_key_refused)
{
	struct arena a;
	arena_init(&a, 1024);
	struct config other = *test_config();
	other.secret_key = (char *)"somebody-elses-secret-key-0123456789-xyz";
	char *s = web_sign(&a, &other, "session", payload, sizeof payload);
	unsigned char out[32];
	CHECK_INT(web_unsign(test_config_rotated(), "session", s, strlen(s), out, sizeof out), -1);
	arena_free(&a);
}

TEST(test_sign_purpose_separates_keys)
{
	struct arena a;
	arena_init(&a, 1024);
	char *s = web_sign(&a, test_config(), "csrf-cookie", payload, sizeof payload);
	unsigned char out[32];
	CHECK_INT(web_unsign(test_config(), "session", s, strlen(s), out, sizeof out), -1);
	arena_free(&a);
}

TEST(test_sign_garbled_truncated_tampered_refused)
{
	struct arena a;
	arena_init(&a, 1024);
	const struct config *cfg = test_config();
	char *s = web_sign(&a, cfg, "session", payload, sizeof payload);
	size_t n = strlen(s);
	unsigned char out[32];
	/* Truncated, extended. */
	CHECK_INT(web_unsign(cfg, "session", s, n - 1, out, sizeof out), -1);
	char *longer = arena_printf(&a, "%sA", s);
	CHECK_INT(web_unsign(cfg, "session", longer, n + 1, out, sizeof out), -1);
	/* Every single character changed, anywhere. */
	char *t = arena_strdup(&a, s);
	int accepted = 0;
	for (size_t i = 0; i < n; i++) {
		char orig = t[i];
		t[i] = orig == 'A' ? 'B' : 'A';
		if (web_unsign(cfg, "session", t, n, out, sizeof out) >= 0)
			accepted++;
		t[i] = '*'; /* not base64url */
		if (web_unsign(cfg, "session", t, n, out, sizeof out) >= 0)
			accepted++;
		t[i] = orig;
	}
	CHECK_INT(accepted, 0);
	/* The standard base64 alphabet in place of the URL-safe one: a
	 * value that holds '-' or '_' (the fixed payload's does not; one byte
	 * of it changed until it does), with those written '+' and '/'. */
	unsigned char other[sizeof payload];
	memcpy(other, payload, sizeof other);
	char *urlsafe = NULL;
	for (int k = 0; k < 256 && !urlsafe; k++) {
		other[0] = (unsigned char)k;
		char *v = web_sign(&a, cfg, "session", other, sizeof other);
		if (v && strpbrk(v, "-_"))
			urlsafe = v;
	}
	REQUIRE(urlsafe != NULL);
	CHECK_INT(web_unsign(cfg, "session", urlsafe, strlen(urlsafe), out, sizeof out), 0);
	char *std = arena_strdup(&a, urlsafe);
	for (char *p = std; *p; p++)
		if (*p == '-')
			*p = '+';
		else if (*p == '_')
			*p = '/';
	CHECK_INT(web_unsign(cfg, "session", std, strlen(std), out, sizeof out), -1);
	/* Empty, NULL. */
	CHECK_INT(web_unsign(cfg, "session", "", 0, out, sizeof out), -1);
	CHECK_INT(web_unsign(cfg, "session", NULL, 0, out, sizeof out), -1);
	/* A right-length string of garbage. */
	char junk[WEB_SESSION_COOKIE_LEN + 1];
	memset(junk, 'Q', sizeof junk - 1);
	junk[sizeof junk - 1] = '\0';
	CHECK_INT(web_unsign(cfg, "session", junk, sizeof junk - 1, out, sizeof out), -1);
	/* The payload is untouched on refusal. */
	memset(out, 7, sizeof out);
	CHECK_INT(web_unsign(cfg, "session", junk, sizeof junk - 1, out, sizeof out), -1);
	CHECK_INT(out[0], 7);
out:
	arena_free(&a);
}

TEST(test_sign_no_secret_signs_nothing)
{
	struct arena a;
	arena_init(&a, 1024);
	struct config c = *test_config();
	c.secret_key = NULL;
	CHECK(web_sign(&a, &c, "session", payload, sizeof payload) == NULL);
	char *s = web_sign(&a, test_config(), "session", payload, sizeof payload);
	unsigned char out[32];
	CHECK_INT(web_unsign(&c, "session", s, strlen(s), out, sizeof out), -1);
	arena_free(&a);
}

/* The keyed MAC states are kept per process by the texts of secret and
 * purpose, not by where they live: a secret changed in place, a purpose
 * in a reused buffer, more pairs than the cache holds, and a secret too
 * long to keep all sign and verify with the right key. */
TEST(test_sign_kept_keys_follow_the_secret_text_not_its_address)
{
	struct arena a;
	arena_init(&a, 4096);
	unsigned char out[32];
	char secret[300], purpose[40];
	struct config c = *test_config();
	c.secret_key = secret;
	snprintf(secret, sizeof secret, "first-secret-key-0123456789abcdef-0123456789");
	snprintf(purpose, sizeof purpose, "session");
	char *s1 = web_sign(&a, &c, purpose, payload, sizeof payload);
	REQUIRE(s1);
	CHECK_INT(web_unsign(&c, purpose, s1, strlen(s1), out, sizeof out), 0);
	/* The same buffers, other texts. */
	snprintf(secret, sizeof secret, "second-secret-key-0123456789abcdef-012345678");
	CHECK_INT(web_unsign(&c, purpose, s1, strlen(s1), out, sizeof out), -1);
	char *s2 = web_sign(&a, &c, purpose, payload, sizeof payload);
	REQUIRE(s2);
	CHECK(strcmp(s1, s2) != 0);
	snprintf(purpose, sizeof purpose, "csrf-cookie");
	CHECK_INT(web_unsign(&c, purpose, s2, strlen(s2), out, sizeof out), -1);
	/* More (secret, purpose) pairs than are kept: each still its own. */
	char *many[12];
	for (int i = 0; i < 12; i++) {
		snprintf(purpose, sizeof purpose, "purpose-%d", i);
		many[i] = web_sign(&a, &c, purpose, payload, sizeof payload);
		REQUIRE(many[i]);
	}
	for (int i = 0; i < 12; i++) {
		snprintf(purpose, sizeof purpose, "purpose-%d", i);
		CHECK_INT(web_unsign(&c, purpose, many[i], strlen(many[i]), out, sizeof out), 0);
		snprintf(purpose, sizeof purpose, "purpose-%d", (i + 1) % 12);
		CHECK_INT(web_unsign(&c, purpose, many[i], strlen(many[i]), out, sizeof out), -1);
	}
	/* A secret longer than what is kept: keyed every time, still right. */
	memset(secret, 'k', 290);
	secret[290] = '\0';
	char *s3 = web_sign(&a, &c, "session", payload, sizeof payload);
	REQUIRE(s3);
	CHECK_INT(web_unsign(&c, "session", s3, strlen(s3), out, sizeof out), 0);
	secret[289] = 'j';
	CHECK_INT(web_unsign(&c, "session", s3, strlen(s3), out, sizeof out), -1);
out:
	arena_free(&a);
}

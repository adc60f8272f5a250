/* test_password.c — Argon2id hashes through libsodium. */
#include <string.h>
#include <time.h>

#include "fake.h"
#include "web/internal.h"
#include "test.h"

TEST(test_password_hash_and_verify)
{
	char h[WEB_PASSWORD_HASH_BYTES];
	CHECK_INT(web_password_hash("correct horse battery", h), 0);
	CHECK(!strncmp(h, "$argon2id$", 10));
	CHECK(web_password_verify(h, "correct horse battery"));
	CHECK(!web_password_verify(h, "correct horse batterz"));
	CHECK(!web_password_verify(h, ""));
	CHECK(!web_password_needs_rehash(h));
	char h2[WEB_PASSWORD_HASH_BYTES];
	CHECK_INT(web_password_hash("correct horse battery", h2), 0);
	CHECK(strcmp(h, h2) != 0); /* salted */
}

TEST(test_password_verify_refuses_garbage_hashes)
{
	CHECK(!web_password_verify("", "x"));
	CHECK(!web_password_verify(NULL, "x"));
	CHECK(!web_password_verify("plaintext", "plaintext"));
	CHECK(!web_password_verify("$argon2id$v=19$m=19456,t=2,p=1$bad", "x"));
}

TEST(test_password_old_parameters_verify_and_need_rehash)
{
	/* A hash with other parameters still verifies; it asks for a rehash. */
	char h[WEB_PASSWORD_HASH_BYTES];
	CHECK_INT(crypto_pwhash_str_alg(h, "pw", 2, 1, 8192 * 1024, crypto_pwhash_ALG_ARGON2ID13), 0);
	CHECK(web_password_verify(h, "pw"));
	CHECK(web_password_needs_rehash(h));
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

TEST(test_password_dummy_verify_is_false_and_does_the_work)
{
	/* Not a timing test (those flake): the dummy must run a real Argon2id
	 * verify, which takes well over a millisecond, never zero work. */
	double t = now_ms();
	CHECK(!web_password_dummy_verify("whatever"));
	CHECK(now_ms() - t > 1.0);
	CHECK(!web_password_dummy_verify(""));
}

TEST(test_password_dummy_hash_uses_current_parameters)
{
	/* Else an unknown user's login would not cost what a known one's does. */
	CHECK(!web_password_needs_rehash(web_password_dummy_hash));
}

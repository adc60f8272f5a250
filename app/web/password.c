/* password.c — Argon2id password hashes through libsodium's crypto_pwhash_str
 * (SPEC section 5: user.password). Owns nothing. */
#include "web/internal.h"

#include <string.h>

_Static_assert(WEB_PASSWORD_HASH_BYTES == crypto_pwhash_STRBYTES,
	       "WEB_PASSWORD_HASH_BYTES must match libsodium");

/* t = 2 passes over m = 19 MiB, one lane: OWASP's recommended minimum for
 * Argon2id. Measured on the 2-CPU machine (libsodium 1.0.18): 20-35 ms per
 * hash or verify, inside the ~50 ms a login may spend; libsodium's
 * INTERACTIVE (t = 2, m = 64 MiB) took 100-200 ms there, and would also cost
 * each busy worker 64 MiB. Old hashes keep verifying with their own
 * parameters (they are in the encoded string); web_password_needs_rehash()
 * tells when to upgrade one. */
#define PW_OPSLIMIT 2ULL
#define PW_MEMLIMIT (19456UL * 1024UL)

/* A hash made with today's parameters of a random password nobody knows,
 * for web_password_dummy_verify(). tests/web checks it is current: remake
 * it (crypto_pwhash_str_alg of random bytes) when the parameters change. */
const char web_password_dummy_hash[WEB_PASSWORD_HASH_BYTES] =
	"$argon2id$v=19$m=19456,t=2,p=1$eRpQKtzTLzRFHsuS2wqq9A$"
	"R8aF1Vfx3tXcjsDQ8aURdKEIyTk3NgPb0SkHsC/C0zA";

int web_password_hash(const char *password, char out[WEB_PASSWORD_HASH_BYTES])
{
	if (web_init() < 0)
		return -1;
	return crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
				     crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
}

bool web_password_verify(const char *hash, const char *password)
{
	if (!hash || !*hash)
		return web_password_dummy_verify(password);
	if (web_init() < 0)
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool web_password_dummy_verify(const char *password)
{
	/* The same work as a real verify. Nobody knows that password, and it
	 * is refused all the same. */
	volatile int rc = web_init() == 0 ? crypto_pwhash_str_verify(web_password_dummy_hash, password,
								      strlen(password))
					  : -1;
	(void)rc;
	return false;
}

bool web_password_needs_rehash(const char *hash)
{
	if (web_init() < 0)
		return false;
	return crypto_pwhash_str_needs_rehash(hash, PW_OPSLIMIT, PW_MEMLIMIT) != 0;
}

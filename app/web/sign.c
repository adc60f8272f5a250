/* sign.c — signed values (base64url(payload || HMAC-SHA256)) with key
 * rotation, and the per-purpose key derivation shared by the web layer. */
#include "web/internal.h"

#include <string.h>

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define MAC_BYTES crypto_auth_hmacsha256_BYTES
#define MAX_PAYLOAD 256

int web_init(void)
{
	/* 0 = initialised now, 1 = already was, -1 = cannot work. */
	return sodium_init() < 0 ? -1 : 0;
}

const char *web_key_text(const struct config *cfg, int i)
{
	if (i < 0 || !cfg->secret_key || !*cfg->secret_key)
		return NULL;
	if (i == 0)
		return cfg->secret_key;
	if (!cfg->old_secret_keys)
		return NULL;
	for (int k = 1; cfg->old_secret_keys[k - 1]; k++)
		if (k == i)
			return cfg->old_secret_keys[k - 1];
	return NULL;
}

void web_derive_key(const char *secret, const char *purpose, unsigned char key[WEB_KEY_BYTES])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"flacon:", 7);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)purpose, strlen(purpose));
	crypto_auth_hmacsha256_final(&st, key);
	sodium_memzero(&st, sizeof st);
}

/* The keyed states made so far: a few (secret, purpose) pairs per process,
 * both texts kept to tell a reloaded or changed key apart (a cache by
 * pointer could outlive the configuration it pointed into). A longer
 * secret or purpose is keyed every time. */
#define MAC_CACHE 8
#define SECRET_MAX 256
#define PURPOSE_MAX 32
struct mac_key {
	char secret[SECRET_MAX + 1];
	char purpose[PURPOSE_MAX + 1];
	crypto_auth_hmacsha256_state st;
};
static _Thread_local struct mac_key mac_keys[MAC_CACHE];
static _Thread_local unsigned mac_used, mac_next;

void web_mac_state(const char *secret, const char *purpose, crypto_auth_hmacsha256_state *st)
{
	size_t n = strlen(secret), pn = strlen(purpose);
	bool keep = n <= SECRET_MAX && pn <= PURPOSE_MAX;
	for (unsigned i = 0; keep && i < mac_used; i++) {
		struct mac_key *k = &mac_keys[i];
		if (memcmp(k->purpose, purpose, pn + 1) == 0 && memcmp(k->secret, secret, n + 1) == 0) {
			*st = k->st;
			return;
		}
	}
	unsigned char key[WEB_KEY_BYTES];
	web_derive_key(secret, purpose, key);
	crypto_auth_hmacsha256_init(st, key, sizeof key);
	sodium_memzero(key, sizeof key);
	if (!keep)
		return;
	struct mac_key *k = &mac_keys[mac_next];
	mac_next = (mac_next + 1) % MAC_CACHE;
	if (mac_used < MAC_CACHE)
		mac_used++;
	memcpy(k->secret, secret, n + 1);
	memcpy(k->purpose, purpose, pn + 1);
	k->st = *st;
}

/* mac = HMAC(k(secret, purpose), msg). */
static void mac_of(const char *secret, const char *purpose, const unsigned char *msg, size_t n,
		   unsigned char mac[MAC_BYTES])
{
	crypto_auth_hmacsha256_state st;
	web_mac_state(secret, purpose, &st);
	crypto_auth_hmacsha256_update(&st, msg, n);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof st);
}

size_t web_signed_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n + MAC_BYTES, B64) - 1;
}

char *web_sign(struct arena *a, const struct config *cfg, const char *purpose,
	       const void *payload, size_t n)
{
	unsigned char raw[MAX_PAYLOAD + MAC_BYTES];
	const char *secret = web_key_text(cfg, 0);
	if (!secret || n > MAX_PAYLOAD || web_init() < 0)
		return NULL;
	char *out = arena_alloc(a, web_signed_len(n) + 1);
	if (!out)
		return NULL;
	memcpy(raw, payload, n);
	mac_of(secret, purpose, raw, n, raw + n);
	sodium_bin2base64(out, web_signed_len(n) + 1, raw, n + MAC_BYTES, B64);
	sodium_memzero(raw, sizeof raw);
	return out;
}

int web_unsign(const struct config *cfg, const char *purpose, const char *text, size_t len,
	       void *payload, size_t n)
{
	unsigned char raw[MAX_PAYLOAD + MAC_BYTES];
	unsigned char mac[MAC_BYTES];
	size_t raw_len = 0;
	const char *end = NULL;
	int found = -1;
	/* Everything here is cheap and local: a refused value never reaches
	 * the database. */
	if (!text || n > MAX_PAYLOAD || len != web_signed_len(n) || web_init() < 0)
		return -1;
	if (sodium_base642bin(raw, sizeof raw, text, len, NULL, &raw_len, &end, B64) != 0 ||
	    raw_len != n + MAC_BYTES || end != text + len)
		return -1;
	/* Non-canonical encodings (stray low bits in the last character)
	 * decode to the same bytes; refuse them so one token has one text. */
	char canon[sodium_base64_ENCODED_LEN(MAX_PAYLOAD + MAC_BYTES, B64)];
	sodium_bin2base64(canon, sizeof canon, raw, raw_len, B64);
	if (memcmp(canon, text, len) != 0)
		goto out;
	for (int i = 0; web_key_text(cfg, i); i++) {
		mac_of(web_key_text(cfg, i), purpose, raw, n, mac);
		/* crypto_verify_32 compares in constant time. */
		if (crypto_verify_32(mac, raw + n) == 0) {
			found = i;
			break;
		}
	}
	if (found >= 0)
		memcpy(payload, raw, n);
out:
	sodium_memzero(mac, sizeof mac);
	sodium_memzero(raw, sizeof raw);
	return found;
}

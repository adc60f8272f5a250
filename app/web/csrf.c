/* csrf.c — CSRF tokens for HTML forms (SPEC section 7): bound to the
 * session's token hash when the session has a row, else to a nonce in a
 * short-lived signed cookie, so an anonymous form needs no database row.
 * Owns nothing beyond the request's arena. */
#include "web/internal.h"

#include <string.h>

#include "core/text.h"

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define TOKEN_LEN WEB_CSRF_TOKEN_LEN
#define NONCE_BYTES 16
#define COOKIE_PAYLOAD (NONCE_BYTES + 8) /* nonce || issued at, big-endian */
#define COOKIE_PURPOSE "csrf-cookie"
#define TOKEN_PURPOSE "csrf-token"
/* A cookie older than this is replaced when a new form is rendered, so a
 * form always has at least WEB_CSRF_MAX_AGE - RENEW_AFTER seconds to live. */
#define RENEW_AFTER (WEB_CSRF_MAX_AGE / 2)

/* out = base64url(HMAC(k(secret, TOKEN_PURPOSE), kind || bytes)). */
static void make_token(const char *secret, char kind, const unsigned char *bytes, size_t n,
		       char out[TOKEN_LEN + 1])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	web_mac_state(secret, TOKEN_PURPOSE, &st);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)&kind, 1);
	crypto_auth_hmacsha256_update(&st, bytes, n);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(out, TOKEN_LEN + 1, mac, sizeof mac, B64);
	sodium_memzero(mac, sizeof mac);
	sodium_memzero(&st, sizeof st);
}

/* The request's csrf cookie, verified (any accepted key) and not older than
 * WEB_CSRF_MAX_AGE. Fills nonce and *issued; false when absent or refused. */
static bool read_cookie(struct http_request *req, unsigned char nonce[NONCE_BYTES],
			long long *issued)
{
	unsigned char payload[COOKIE_PAYLOAD];
	const char *c = http_req_cookie(req, WEB_CSRF_COOKIE);
	if (!c || web_unsign(req->cfg, COOKIE_PURPOSE, c, strnlen(c, 256), payload,
			     sizeof payload) < 0)
		return false;
	unsigned long long t = 0;
	for (int i = 0; i < 8; i++)
		t = t << 8 | payload[NONCE_BYTES + i];
	long long now = (long long)time(NULL);
	/* A minute of slack for clocks of several hosts. */
	if (t > (unsigned long long)now + 60 || (long long)t + WEB_CSRF_MAX_AGE < now)
		return false;
	memcpy(nonce, payload, NONCE_BYTES);
	*issued = (long long)t;
	return true;
}

/* Issue a fresh csrf cookie on resp; its nonce goes to nonce. 0 or -1. */
static int issue_cookie(struct http_request *req, struct http_response *resp,
			unsigned char nonce[NONCE_BYTES])
{
	unsigned char payload[COOKIE_PAYLOAD];
	randombytes_buf(payload, NONCE_BYTES);
	unsigned long long t = (unsigned long long)time(NULL);
	for (int i = 7; i >= 0; i--, t >>= 8)
		payload[NONCE_BYTES + i] = (unsigned char)(t & 0xff);
	char *value = web_sign(req->arena, req->cfg, COOKIE_PURPOSE, payload, sizeof payload);
	if (!value)
		return -1;
	struct http_cookie_opts o = {
		.max_age = WEB_CSRF_MAX_AGE,
		.path = "/",
		.secure = req->cfg->cookie_secure,
		.httponly = true,
		.samesite = "Lax",
	};
	if (http_resp_set_cookie(resp, WEB_CSRF_COOKIE, value, &o) < 0)
		return -1;
	memcpy(nonce, payload, NONCE_BYTES);
	return 0;
}

const char *web_csrf_token(struct http_request *req, struct http_response *resp)
{
	const char *secret = web_key_text(req->cfg, 0);
	if (!secret || web_session_load(req) < 0)
		return NULL;
	struct web_session *s = web_req_session(req);
	if (s->released)
		return NULL;
	/* A response carrying a token must not be kept by a cache. */
	s->no_store = true;
	if (s->csrf_token)
		return s->csrf_token;
	char token[TOKEN_LEN + 1];
	if (s->has_row) {
		/* One HMAC per session cookie and key in this worker, not one
		 * per page: the token depends on nothing else. */
		const char *kept = web_memo_csrf(s);
		if (kept) {
			s->csrf_token = arena_strndup(req->arena, kept, TOKEN_LEN);
			return s->csrf_token;
		}
		make_token(secret, 's', s->token_hash, sizeof s->token_hash, token);
		web_memo_keep_csrf(s, token);
	} else {
		unsigned char nonce[NONCE_BYTES];
		long long issued = 0;
		bool fresh = !s->csrf_rotate && read_cookie(req, nonce, &issued) &&
			     (long long)time(NULL) - issued < RENEW_AFTER;
		if (!fresh && issue_cookie(req, resp, nonce) < 0)
			return NULL;
		s->csrf_rotate = false; /* the cookie just issued is the new one */
		make_token(secret, 'a', nonce, sizeof nonce, token);
	}
	s->csrf_token = arena_strndup(req->arena, token, TOKEN_LEN);
	return s->csrf_token;
}

int web_csrf_rotate(struct http_request *req, struct http_response *resp)
{
	unsigned char nonce[NONCE_BYTES];
	int rc = issue_cookie(req, resp, nonce);
	sodium_memzero(nonce, sizeof nonce);
	return rc;
}

bool web_csrf_valid(struct http_request *req, const char *token, size_t n)
{
	/* n, not strlen: a decoded form value may hold a NUL, and a token
	 * followed by "\0junk" is not the token. */
	if (!token || n != TOKEN_LEN || web_session_load(req) < 0)
		return false;
	struct web_session *s = web_req_session(req);
	unsigned char nonce[NONCE_BYTES];
	long long issued = 0;
	bool have_cookie = read_cookie(req, nonce, &issued);
	bool ok = false;
	char expected[TOKEN_LEN + 1];
	/* The session's token, or — for a form rendered before the session got
	 * its row — the one bound to this browser's csrf cookie. Every key of
	 * the rotation is tried. */
	for (int i = 0; web_key_text(req->cfg, i); i++) {
		const char *secret = web_key_text(req->cfg, i);
		if (s->has_row && !s->released) {
			/* The current key's token as the form got it (kept by
			 * the memo, as web_csrf_token does). */
			const char *kept = i == 0 ? web_memo_csrf(s) : NULL;
			if (kept) {
				memcpy(expected, kept, TOKEN_LEN + 1);
			} else {
				make_token(secret, 's', s->token_hash, sizeof s->token_hash, expected);
				if (i == 0)
					web_memo_keep_csrf(s, expected);
			}
			ok |= text_ct_equal(expected, token, TOKEN_LEN);
		}
		if (have_cookie) {
			make_token(secret, 'a', nonce, sizeof nonce, expected);
			ok |= text_ct_equal(expected, token, TOKEN_LEN);
		}
	}
	return ok;
}

bool web_csrf_check(struct http_request *req)
{
	const struct text_param *p = text_params_get(&req->form, WEB_CSRF_FIELD);
	return p && web_csrf_valid(req, p->value, p->value_len);
}

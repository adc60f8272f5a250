/* internal.h — private to app/web: the session state behind web_worker(req)->session
 * and the key helpers shared by sessions and CSRF. Not part of the layer's
 * public face (web.h); nothing outside app/web includes it. */
#ifndef FLACON_WEB_INTERNAL_H
#define FLACON_WEB_INTERNAL_H

#include <stdbool.h>
#include <time.h>

#include <json.h>
#include <mysql.h>
#include <sodium.h>

#include "web/web.h"

/* A connection for cfg, connected when it can be; timeout_cap (seconds,
 * 0 = none) caps its connect and read timeouts. NULL (logged) when the
 * URL is unusable. */
struct db *web_worker_db(const struct config *cfg, unsigned timeout_cap);

/* The request's session state, or NULL (not loaded yet, or no worker). */
static inline struct web_session *web_req_session(const struct http_request *req)
{
	return req->worker ? web_worker(req)->session : NULL;
}

#define WEB_TOKEN_BYTES 32 /* random session token: 256 bits */
#define WEB_KEY_BYTES crypto_auth_hmacsha256_KEYBYTES

/* One request's session. Lives in the request's arena; owns data and
 * graveyard (json-c references) until web_session_release(). */
struct web_session {
	bool loaded;       /* web_session_load() ran */
	bool failed;       /* a database error hit it: never saved */
	bool released;     /* the JSON below is gone */
	bool has_row;      /* a live row backs token/token_hash */
	bool modified;     /* data differs from the row */
	bool cookie_new;   /* send the cookie for a new token at save */
	bool cookie_delete; /* send a deleting cookie at save (unless cookie_new) */
	bool resign;       /* the cookie verified with an old key: re-sign it */
	long long row_id;
	long long user_id; /* 0 = anonymous */
	time_t issued_at;  /* when cookie_new: the row's created_at */
	time_t expires_at; /* the row's expires_at */
	unsigned char token[WEB_TOKEN_BYTES];
	unsigned char token_hash[crypto_hash_sha256_BYTES];
	json_object *data;      /* the session dict (an object) */
	json_object *graveyard; /* array keeping popped/replaced values alive */
	const char *csrf_token; /* this request's CSRF token, once made */
	bool csrf_rotate;  /* login or logout: a new csrf cookie (SPEC 6) */
	bool no_store;     /* a logged-in user's or a page with a token: Cache-Control: no-store */
};

/* The request's session state (allocated on first call), or NULL when out
 * of memory. Does not load it. */
struct web_session *web_session_state(struct http_request *req);

/* Run the DELETE ... LIMIT batch sql (with one BIGINT parameter when param
 * is not NULL) until it deletes fewer than batch rows. The total, or -1. */
long long web_delete_batches(struct db *db, const char *sql, const long long *param, long long batch);

/* Issue a fresh csrf cookie on resp now (login, logout: the anonymous
 * forms' tokens of before are refused after). 0 or -1. */
int web_csrf_rotate(struct http_request *req, struct http_response *resp);

/* The i-th verification key text: 0 = app.secret_key, i >= 1 = the i-th of
 * app.old_secret_keys; NULL past the end (or when no secret is set). */
const char *web_key_text(const struct config *cfg, int i);
/* key = HMAC-SHA256(key = secret, message = "flacon:" purpose): one
 * independent key per purpose. */
void web_derive_key(const char *secret, const char *purpose, unsigned char key[WEB_KEY_BYTES]);

/* An Argon2id hash, made with today's parameters, of a password nobody
 * knows (password.c). */
extern const char web_password_dummy_hash[WEB_PASSWORD_HASH_BYTES];

#endif

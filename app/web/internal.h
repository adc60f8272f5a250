/* internal.h — private to app/web: the session state behind web_worker(req)->session
 * and the key helpers shared by sessions and CSRF. Not part of the layer's
 * public face (web.h); nothing outside app/web includes it. */
#ifndef FLACON_WEB_INTERNAL_H
#define FLACON_WEB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
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
#define WEB_CSRF_TOKEN_LEN 43 /* base64url of an HMAC-SHA256, no padding */
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
	unsigned memo_slot;  /* the memo's entry of the cookie (session_memo.c), */
	uint64_t memo_stamp; /* when memo_stamp is not 0 */
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
/* *st = an HMAC-SHA256 state keyed with web_derive_key(secret, purpose),
 * ready for update and final. The keyed states are made once per process
 * (per thread) and copied: deriving a key and keying an HMAC are six
 * SHA-256 blocks, more than the message's own MAC on every request. */
void web_mac_state(const char *secret, const char *purpose, crypto_auth_hmacsha256_state *st);

/* ---- Verified session cookies (session_memo.c) ---------------------------
 * This thread's memo of the session cookies it verified lately, with what
 * follows from each alone (the token, its hash, its CSRF token, its data
 * as last parsed). Whether the session still lives is never read from it:
 * that is the row's (the host's cache or MariaDB), on every request. */

#define WEB_SESSION_PURPOSE "session" /* the session cookie's key (web_derive_key) */

/* web_unsign(cfg, WEB_SESSION_PURPOSE, text, len) into s->token, and
 * s->token_hash = SHA-256(s->token): the key's index (>= 0) or -1
 * (refused; s->token may hold anything). A text verified lately under the
 * same keys is found by a constant-time comparison of the whole text
 * instead; s remembers its entry for the calls below. */
int web_memo_unsign(const struct config *cfg, const char *text, size_t len, struct web_session *s);
/* The CSRF token kept for s's cookie (made with key 0), or NULL. */
const char *web_memo_csrf(const struct web_session *s);
/* Keep token (WEB_CSRF_TOKEN_LEN characters) as s's cookie's CSRF token. */
void web_memo_keep_csrf(const struct web_session *s, const char *token);
/* A new object (the caller's) equal to the data parsed from text[0..len)
 * when s's entry kept that text's, else NULL. */
json_object *web_memo_data(const struct web_session *s, const char *text, size_t len);
/* Keep a copy of v, parsed from text[0..len), for s's entry. v stays the
 * caller's. */
void web_memo_keep_data(const struct web_session *s, const char *text, size_t len, json_object *v);
/* Drop s's entry (its row is gone: logout, rotation). */
void web_memo_forget(const struct web_session *s);
/* Tests: what this thread's memo did since it started: cookies verified
 * in full (web_unsign ran), cookies found, CSRF tokens and data found. */
struct web_memo_counts {
	unsigned long verified, found, csrf_found, data_found;
};
void web_memo_test_counts(struct web_memo_counts *out);
/* Tests: every text hashes to one slot with one tag (on), so that only the
 * comparison of the texts tells them apart; or back to the keyed hash. */
void web_memo_test_one_slot(bool on);

/* ---- The host's session cache (session_cache.c) -------------------------
 * Rows of the table `session` as read from MariaDB, shared by the host's
 * processes of one installation; see web_session_cache_open(). Every
 * function is a no-op (a miss) while this process has none open. */
#define WEB_SC_DATA_MAX 512 /* longer data: the row is not cached */

/* A cached row; data is not NUL-terminated. */
struct web_sc_row {
	long long row_id, user_id;
	time_t expires_at;
	size_t data_len;
	char data[WEB_SC_DATA_MAX];
};

/* Taken before a row is read or written: the global epoch, the token's
 * bucket generation and the time, to store the row afterwards only when
 * nothing was invalidated meanwhile. armed: a cache is open. */
struct web_sc_ticket {
	bool armed;
	uint64_t epoch, gen;
	int64_t read_ms;
};

int64_t web_sc_now_ms(void);
/* Open cfg's cache in this process unless it has one (once per process:
 * a worker of a master that opened none, the in-process test client);
 * what this opens is closed at exit. */
void web_sc_ensure(const struct config *cfg);
bool web_sc_attached(void);
void web_sc_begin(const unsigned char *hash, struct web_sc_ticket *t);
/* The row cached for hash when it was read less than ttl_ms ago, in the
 * current epoch, and has not expired: 1 (out filled), else 0. */
int web_sc_lookup(const unsigned char *hash, long ttl_ms, struct web_sc_row *out);
/* Store row for hash, read under t: 1 stored, 0 refused (an invalidation
 * since t, or no cache). fresh_token: the token was made by this process
 * after t (no one else could have invalidated it). */
int web_sc_store(const struct web_sc_ticket *t, const unsigned char *hash,
		 const struct web_sc_row *row, bool fresh_token);
/* After a write of hash's row (committed or failed): invalidate every
 * reader's copy, then store row (NULL: none) when nothing else was
 * invalidated in its bucket since t. 1 stored, 0 not. */
int web_sc_replace(const struct web_sc_ticket *t, const unsigned char *hash,
		   const struct web_sc_row *row);
/* Forget hash's row (and refuse stores of reads begun before). */
void web_sc_invalidate(const unsigned char *hash);
/* Every entry misses from now on (the global epoch moves). The command
 * line opens the server's cache for it (web_session_cache_use). */
void web_sc_invalidate_all(void);
/* Sessions were deleted by this process (maybe inside a transaction):
 * invalidate all now and once more at web_sc_flush_pending(), after
 * the commit. */
void web_sc_note_deleted(void);
void web_sc_flush_pending(void);
/* Tests: take hash's bucket and keep it (as a writer killed inside it
 * would). 0 or -1. */
int web_sc_test_hold_bucket(const unsigned char *hash);

/* An Argon2id hash, made with today's parameters, of a password nobody
 * knows (password.c). */
extern const char web_password_dummy_hash[WEB_PASSWORD_HASH_BYTES];

#endif

/* session_memo.c — this thread's memo of the session cookies it verified
 * lately (SPEC 6 and 9: a logged-in page costs about what an anonymous one
 * does): a cookie's text → its token, the token's SHA-256, the key that
 * verified it, the session's CSRF token and its data as last parsed.
 *
 * Each of these is a function of the cookie's text, the secret keys and
 * the row's data text alone: a signature that verified once verifies for
 * as long as the keys are the same, and neither a logout, a rotation, a
 * deleteuser nor an expiry changes any of them. Those stay checked on the
 * session's row (the host's cache or MariaDB) on every request; the memo
 * only spares the HMAC, the hashes and the JSON parser. Owns its entries,
 * their copies of tokens (wiped when dropped) and their json-c trees. */
#include "web/internal.h"

#include <string.h>

#define MEMO_SLOTS 64      /* direct-mapped by a keyed hash of the text */
#define MEMO_TEXT_MAX 128  /* a session cookie is 86 characters; two crypto_verify_64 */
#define MEMO_KEYS_MAX 1024 /* longer keys (all together): no memo */

struct memo_entry {
	uint64_t stamp; /* 0: unused; else unique in this thread */
	uint64_t tag;   /* crypto_shorthash of text under memo.sip_key */
	size_t len;
	unsigned char text[MEMO_TEXT_MAX]; /* zero after len */
	int key; /* web_unsign's answer: the index of the key that verified it */
	unsigned char token[WEB_TOKEN_BYTES];
	unsigned char token_hash[crypto_hash_sha256_BYTES];
	bool has_csrf;
	char csrf[WEB_CSRF_TOKEN_LEN + 1]; /* made with key 0 */
	json_object *data;                 /* parsed from data_text; owned */
	size_t data_len;
	char data_text[WEB_SC_DATA_MAX];
};

/* Per thread, as web_mac_state's keyed states: json-c trees are not to be
 * shared between threads, and a worker is one thread. */
static _Thread_local struct memo {
	bool ready;       /* sip_key drawn */
	int nkeys;        /* the keys the entries were made under: */
	size_t keys_len;  /* keys[0..keys_len) = each key text with its NUL */
	char keys[MEMO_KEYS_MAX];
	unsigned char sip_key[crypto_shorthash_KEYBYTES];
	uint64_t stamps;
	bool one_slot; /* web_memo_test_one_slot() */
	struct web_memo_counts counts;
	struct memo_entry e[MEMO_SLOTS];
} memo;

static void drop(struct memo_entry *e)
{
	json_object_put(e->data);
	sodium_memzero(e, sizeof *e);
}

static void drop_all(void)
{
	for (int i = 0; i < MEMO_SLOTS; i++)
		if (memo.e[i].stamp)
			drop(&memo.e[i]);
}

/* True when the entries were made under cfg's keys, the same texts in the
 * same order (a verification's answer is the index of the key); when they
 * were not, they are dropped and cfg's keys recorded. False when the memo
 * cannot be used: no key, or keys too long to record. Comparing the key
 * texts is not a leak: a request chooses none of them. */
static bool keys_current(const struct config *cfg)
{
	const char *k;
	size_t off = 0;
	int i;
	bool same = memo.ready;
	for (i = 0; (k = web_key_text(cfg, i)); i++) {
		size_t n = strlen(k) + 1;
		if (n > MEMO_KEYS_MAX - off)
			return false;
		same = same && off + n <= memo.keys_len && memcmp(memo.keys + off, k, n) == 0;
		off += n;
	}
	if (i == 0)
		return false;
	if (same && i == memo.nkeys && off == memo.keys_len)
		return true;
	drop_all();
	if (!memo.ready) {
		randombytes_buf(memo.sip_key, sizeof memo.sip_key);
		memo.ready = true;
	}
	off = 0;
	for (i = 0; (k = web_key_text(cfg, i)); i++) {
		size_t n = strlen(k) + 1;
		memcpy(memo.keys + off, k, n);
		off += n;
	}
	memo.nkeys = i;
	memo.keys_len = off;
	return true;
}

/* s's entry, when this request's load found or made it and it is still
 * there and still for s's token (NULL after a rotation). */
static struct memo_entry *entry_of(const struct web_session *s)
{
	if (!s->memo_stamp || s->memo_slot >= MEMO_SLOTS)
		return NULL;
	struct memo_entry *e = &memo.e[s->memo_slot];
	if (e->stamp != s->memo_stamp ||
	    crypto_verify_32(e->token_hash, s->token_hash) != 0)
		return NULL;
	return e;
}

int web_memo_unsign(const struct config *cfg, const char *text, size_t len, struct web_session *s)
{
	s->memo_stamp = 0;
	bool on = len <= MEMO_TEXT_MAX && keys_current(cfg);
	struct memo_entry *e = NULL;
	uint64_t tag = 0;
	if (on) {
		unsigned char h[crypto_shorthash_BYTES];
		crypto_shorthash(h, (const unsigned char *)text, len, memo.sip_key);
		memcpy(&tag, h, sizeof tag);
		if (memo.one_slot)
			tag = 0;
		s->memo_slot = (unsigned)(tag % MEMO_SLOTS);
		e = &memo.e[s->memo_slot];
		/* The whole text (zero-padded to MEMO_TEXT_MAX), in constant
		 * time, whatever the tag says: how long a refusal takes tells
		 * nothing of how close the text came to a cached one. The tag
		 * is keyed with a secret of this process, so a request cannot
		 * aim at a slot. */
		if (e->stamp && e->len == len) {
			unsigned char t[MEMO_TEXT_MAX] = {0};
			memcpy(t, text, len);
			int d = crypto_verify_64(e->text, t) | crypto_verify_64(e->text + 64, t + 64);
			if ((d == 0) & (e->tag == tag)) {
				memcpy(s->token, e->token, sizeof s->token);
				memcpy(s->token_hash, e->token_hash, sizeof s->token_hash);
				s->memo_stamp = e->stamp;
				memo.counts.found++;
				return e->key;
			}
		}
	}
	int key = web_unsign(cfg, WEB_SESSION_PURPOSE, text, len, s->token, sizeof s->token);
	memo.counts.verified++;
	if (key < 0)
		return -1; /* refusals are not kept: each one costs its HMAC */
	crypto_hash_sha256(s->token_hash, s->token, sizeof s->token);
	if (!on)
		return key;
	if (e->stamp)
		drop(e); /* evicted: the slot holds the latest text */
	e->stamp = ++memo.stamps;
	e->tag = tag;
	e->len = len;
	memcpy(e->text, text, len); /* drop() left the rest zero */
	e->key = key;
	memcpy(e->token, s->token, sizeof e->token);
	memcpy(e->token_hash, s->token_hash, sizeof e->token_hash);
	s->memo_stamp = e->stamp;
	return key;
}

const char *web_memo_csrf(const struct web_session *s)
{
	struct memo_entry *e = entry_of(s);
	if (!e || !e->has_csrf)
		return NULL;
	memo.counts.csrf_found++;
	return e->csrf;
}

void web_memo_keep_csrf(const struct web_session *s, const char *token)
{
	struct memo_entry *e = entry_of(s);
	if (!e || strlen(token) != WEB_CSRF_TOKEN_LEN)
		return;
	memcpy(e->csrf, token, WEB_CSRF_TOKEN_LEN + 1);
	e->has_csrf = true;
}

json_object *web_memo_data(const struct web_session *s, const char *text, size_t len)
{
	struct memo_entry *e = entry_of(s);
	json_object *copy = NULL;
	if (!e || !e->data || e->data_len != len || memcmp(e->data_text, text, len) != 0)
		return NULL;
	/* A copy: the request may change its data in place. */
	if (json_object_deep_copy(e->data, &copy, NULL) != 0) {
		json_object_put(copy);
		return NULL;
	}
	memo.counts.data_found++;
	return copy;
}

void web_memo_keep_data(const struct web_session *s, const char *text, size_t len, json_object *v)
{
	struct memo_entry *e = entry_of(s);
	json_object *copy = NULL;
	if (!e || len > sizeof e->data_text || json_object_deep_copy(v, &copy, NULL) != 0) {
		json_object_put(copy);
		return;
	}
	json_object_put(e->data);
	e->data = copy;
	e->data_len = len;
	memcpy(e->data_text, text, len);
}

void web_memo_forget(const struct web_session *s)
{
	struct memo_entry *e = entry_of(s);
	if (e)
		drop(e);
}

void web_memo_test_counts(struct web_memo_counts *out)
{
	*out = memo.counts;
}

void web_memo_test_one_slot(bool on)
{
	drop_all();
	memo.one_slot = on;
}

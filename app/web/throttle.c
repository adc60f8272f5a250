/* throttle.c — login and registration throttling (SPEC section 10), kept
 * in the MariaDB table `login_failure` so that every worker of every host
 * sees the same counts. An attempt reserves, before any hash, one row per
 * key it counts against — the account (the name as typed, whether it
 * exists or not), the client address's failed logins, or the address's
 * registrations — and that row stays as the failure unless the attempt
 * succeeds. Times are the database's UTC clock, the same for every host.
 *
 * Why it is atomic: a key's live rows (within auth.failure_window) sit in
 * numbered slots 0 .. limit-1, unique per key (`uq_login_failure_slot`). A
 * reservation reads the key's rows with FOR UPDATE, and takes the lowest
 * free slot in the same transaction. On one server the locks serialize
 * reservations of a key; on a Galera cluster two nodes that pick the same
 * slot conflict on the unique key at certification (1213, retried by
 * db_retry() on fresh rows). Either way no key ever holds more than limit
 * live rows, so at most limit attempts pass. Owns nothing. */
#include "web/internal.h"

#include <assert.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "db/db.h"

#define KIND_ACCOUNT 1
#define KIND_ADDRESS 2  /* failed logins from a client address */
#define KIND_REGISTER 3 /* registration attempts from a client address */
#define IDENT_CHARS 64  /* the ident column holds this many characters */
#define GC_BATCH 1000
#define STR_(x) #x
#define STR(x) STR_(x)

const char web_login_failure_table_ddl[] =
	"CREATE TABLE IF NOT EXISTS `login_failure` (\n"
	"  `id` BIGINT NOT NULL AUTO_INCREMENT,\n"
	"  `kind` TINYINT NOT NULL,\n" /* 1 account, 2 address (logins), 3 address (registrations) */
	/* Compared byte for byte: accounts are ASCII-lower-cased here. */
	"  `ident` VARCHAR(" STR(IDENT_CHARS) ") CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,\n"
	"  `slot` INT NOT NULL DEFAULT 0,\n"
	"  `failed_at` DATETIME(6) NOT NULL,\n" /* UTC */
	"  PRIMARY KEY (`id`),\n"
	"  UNIQUE KEY `uq_login_failure_slot` (`kind`,`ident`,`slot`),\n"
	"  KEY `ix_login_failure_failed_at` (`failed_at`)\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

/* A key's rows, locked: their slots and how many microseconds ago each
 * was recorded. */
static const char sql_rows[] =
	"SELECT `slot`, TIMESTAMPDIFF(MICROSECOND, `failed_at`, UTC_TIMESTAMP(6)) "
	"FROM `login_failure` WHERE `kind` = ? AND `ident` = ? FOR UPDATE";
static const char sql_drop_old[] =
	"DELETE FROM `login_failure` "
	"WHERE `kind` = ? AND `ident` = ? AND `failed_at` <= UTC_TIMESTAMP(6) - INTERVAL ? SECOND";
static const char sql_reserve[] =
	"INSERT INTO `login_failure` (`kind`, `ident`, `slot`, `failed_at`) "
	"VALUES (?, ?, ?, UTC_TIMESTAMP(6))";
static const char sql_forget_all[] = "DELETE FROM `login_failure` WHERE `kind` = ? AND `ident` = ?";
/* One reservation of a key, the newest: which one does not matter, only
 * how many there are (and it is most likely the caller's own). */
static const char sql_forget_one[] =
	"DELETE FROM `login_failure` WHERE `kind` = ? AND `ident` = ? ORDER BY `failed_at` DESC LIMIT 1";
static const char sql_gc[] = "DELETE FROM `login_failure` "
			     "WHERE `failed_at` <= UTC_TIMESTAMP(6) - INTERVAL ? SECOND LIMIT " STR(GC_BATCH);

int web_login_failure_create_table(struct db *db)
{
	return db_exec(db, web_login_failure_table_ddl);
}

struct key {
	int kind;
	const char *ident;
	size_t n;
	long limit;
	bool look_only; /* throttles, gets no reservation */
};

/* The first IDENT_CHARS characters of s (valid UTF-8) as a key, ASCII
 * letters lower-cased for an account (names compare case-insensitively,
 * like usernames). False when out of memory. */
static bool make_key(struct arena *a, int kind, const char *s, long limit, struct key *k)
{
	size_t n = 0, chars = 0;
	while (s[n]) {
		if (((unsigned char)s[n] & 0xC0) != 0x80 && ++chars > IDENT_CHARS)
			break;
		n++;
	}
	char *p = arena_strndup(a, s, n);
	if (!p)
		return false;
	if (kind == KIND_ACCOUNT)
		for (size_t i = 0; i < n; i++)
			if (p[i] >= 'A' && p[i] <= 'Z')
				p[i] = (char)(p[i] - 'A' + 'a');
	*k = (struct key){.kind = kind, .ident = p, .n = n, .limit = limit};
	return true;
}

/* The client address as nginx passed it (REMOTE_ADDR; behind a trusted
 * proxy, nginx's realip module puts the client's address there). */
static const char *client_address(struct http_request *req)
{
	const char *a = http_req_env(req, "REMOTE_ADDR");
	return a ? a : "";
}

/* What sql_rows says of one key. */
struct key_rows {
	long long window_us;
	long limit;
	long live, old;         /* rows inside and outside the window */
	long long oldest_us;    /* the age of the oldest live row */
	unsigned char *taken;   /* taken[s]: slot s < limit holds a live row */
};

static int key_row(void *ctx, const struct db_val *c, size_t nc)
{
	struct key_rows *k = ctx;
	assert(nc == 2);
	(void)nc;
	long long slot = c[0].type == DB_INT ? c[0].i : -1;
	long long age = c[1].type == DB_INT ? c[1].i : 0;
	if (age >= k->window_us) {
		k->old++;
		return 0;
	}
	k->live++;
	if (age > k->oldest_us)
		k->oldest_us = age;
	if (slot >= 0 && slot < k->limit)
		k->taken[slot] = 1;
	return 0;
}

struct reservation {
	struct arena *arena;
	long window;
	struct key keys[2];
	size_t nkeys;
	long retry_after; /* out: seconds, when throttled */
	int throttled;    /* out */
};

/* One run of the reservation transaction (db_retry() runs it again after
 * a conflict, from the start). */
static int reserve_run(struct db *db, void *arg)
{
	struct reservation *r = arg;
	r->throttled = 0;
	r->retry_after = 0;
	long long slot[2] = {0, 0};
	bool drop_old[2] = {false, false};
	for (size_t i = 0; i < r->nkeys; i++) {
		const struct key *key = &r->keys[i];
		struct key_rows k = {.window_us = (long long)r->window * 1000000, .limit = key->limit};
		k.taken = arena_calloc(r->arena, (size_t)key->limit, 1);
		if (!k.taken) {
			db->last_errno = 0;
			snprintf(db->err, sizeof db->err, "out of memory");
			return -1;
		}
		struct db_val p[2] = {db_v_int(key->kind), db_v_text(key->ident, key->n)};
		if (db_query(db, r->arena, sql_rows, p, 2, key_row, &k) < 0)
			return -1;
		if (k.live >= key->limit) {
			/* Allowed again when the oldest live row leaves the
			 * window; a refused attempt adds none. */
			long secs = (long)((k.window_us - k.oldest_us + 999999) / 1000000);
			if (secs < 1)
				secs = 1;
			if (secs > r->retry_after)
				r->retry_after = secs;
			r->throttled = 1;
			continue;
		}
		/* Fewer than limit live rows: a slot below limit is free. */
		while (k.taken[slot[i]])
			slot[i]++;
		drop_old[i] = k.old > 0 && !key->look_only;
	}
	if (r->throttled)
		return 0; /* nothing written; COMMIT just releases the locks */
	for (size_t i = 0; i < r->nkeys; i++) {
		const struct key *key = &r->keys[i];
		if (key->look_only)
			continue;
		struct db_val p[3] = {db_v_int(key->kind), db_v_text(key->ident, key->n), db_v_int(r->window)};
		/* Rows that left the window give their slots back. */
		if (drop_old[i] && db_query(db, NULL, sql_drop_old, p, 3, NULL, NULL) < 0)
			return -1;
		p[2] = db_v_int(slot[i]);
		if (db_query(db, NULL, sql_reserve, p, 3, NULL, NULL) < 0) {
			/* The slot was taken since we looked (a writer the
			 * locks did not hold back): a conflict like any
			 * other — the whole transaction runs again. */
			if (db->last_errno == ER_DUP_ENTRY)
				db->last_errno = ER_LOCK_DEADLOCK;
			return -1;
		}
	}
	return 0;
}

/* Reserve one attempt against every key of r at once, or none. */
static int reserve(struct http_request *req, struct reservation *r, long *retry_after)
{
	*retry_after = 0;
	r->arena = req->arena;
	r->window = req->cfg->auth_failure_window;
	if (db_retry(web_db(req), true, reserve_run, r) < 0)
		return -1;
	if (r->throttled)
		*retry_after = r->retry_after;
	return r->throttled;
}

int web_login_begin(struct http_request *req, const char *account, long *retry_after)
{
	const struct config *cfg = req->cfg;
	struct reservation r = {.nkeys = 0};
	if (account && !make_key(req->arena, KIND_ACCOUNT, account, cfg->auth_account_failures,
				 &r.keys[r.nkeys++]))
		return -1;
	if (!make_key(req->arena, KIND_ADDRESS, client_address(req), cfg->auth_address_failures,
		      &r.keys[r.nkeys++]))
		return -1;
	int rc = reserve(req, &r, retry_after);
	if (rc == 1)
		metrics_count(METRICS_THROTTLED_LOGINS);
	return rc;
}

/* Forget keys[0..n): every row of a key when all[i], else one. */
struct forget {
	struct key keys[2];
	bool all[2];
	size_t n;
};

static int forget_run(struct db *db, void *arg)
{
	struct forget *f = arg;
	for (size_t i = 0; i < f->n; i++) {
		struct db_val p[2] = {db_v_int(f->keys[i].kind), db_v_text(f->keys[i].ident, f->keys[i].n)};
		if (db_query(db, NULL, f->all[i] ? sql_forget_all : sql_forget_one, p, 2, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

int web_login_succeeded(struct http_request *req, const char *account)
{
	struct forget f = {.n = 0};
	if (account) {
		if (!make_key(req->arena, KIND_ACCOUNT, account, 0, &f.keys[f.n]))
			return -1;
		f.all[f.n++] = true;
	}
	/* The address's reservation was no failure. */
	if (!make_key(req->arena, KIND_ADDRESS, client_address(req), 0, &f.keys[f.n]))
		return -1;
	f.all[f.n++] = false;
	return db_retry(web_db(req), true, forget_run, &f);
}

int web_register_begin(struct http_request *req, long *retry_after)
{
	const struct config *cfg = req->cfg;
	const char *addr = client_address(req);
	/* Failed logins throttle the address's registrations too: both keys
	 * are looked at, only the registration key gets the reservation. */
	struct reservation r = {.nkeys = 2};
	if (!make_key(req->arena, KIND_REGISTER, addr, cfg->auth_address_failures, &r.keys[0]) ||
	    !make_key(req->arena, KIND_ADDRESS, addr, cfg->auth_address_failures, &r.keys[1]))
		return -1;
	r.keys[1].look_only = true;
	int rc = reserve(req, &r, retry_after);
	if (rc == 1)
		metrics_count(METRICS_THROTTLED_REGISTRATIONS);
	return rc;
}

int web_register_succeeded(struct http_request *req)
{
	struct forget f = {.n = 1};
	if (!make_key(req->arena, KIND_REGISTER, client_address(req), 0, &f.keys[0]))
		return -1;
	return db_retry(web_db(req), true, forget_run, &f);
}

long long web_login_failure_gc(struct db *db, long window)
{
	long long w = window;
	return web_delete_batches(db, sql_gc, &w, GC_BATCH);
}

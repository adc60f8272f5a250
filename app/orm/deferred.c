/* deferred.c — deferred increments (write-behind counters): a worker adds
 * to integer columns in memory and writes the sums in batches, one short
 * transaction at most every ORM_DEFERRED_DELAY_MS and at its drain, instead
 * of one durable commit per increment. Owns the process's pending sums,
 * the batch in flight and the `deferred_ledger` row that makes a batch's
 * retry apply it once. State is per process: one worker per process. */
#include <errno.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "orm/orm_impl.h"

#include "core/log.h"

const char orm_deferred_ledger_ddl[] =
	"CREATE TABLE IF NOT EXISTS `deferred_ledger` (\n"
	"  `owner` BINARY(16) NOT NULL,\n"   /* one worker's run: random */
	"  `seq` BIGINT NOT NULL,\n"         /* its last batch applied */
	"  `updated_at` DATETIME NOT NULL,\n" /* UTC */
	"  PRIMARY KEY (`owner`),\n"
	"  KEY `ix_deferred_ledger_updated_at` (`updated_at`)\n"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

int orm_deferred_create_table(struct db *db)
{
	return db_exec(db, orm_deferred_ledger_ddl);
}

/* A batch's ledger claim: the owner's row moves to seq k only while it is
 * below k. Matching no row means either no row yet (the owner's first
 * batch) or a row at k or beyond: batch k was applied already. */
static const char sql_claim[] =
	"UPDATE `deferred_ledger` SET `seq` = ?, `updated_at` = UTC_TIMESTAMP() "
	"WHERE `owner` = ? AND `seq` < ?";
static const char sql_first[] =
	"INSERT INTO `deferred_ledger` (`owner`, `seq`, `updated_at`) VALUES (?, ?, UTC_TIMESTAMP())";
/* Rows of runs that ended long ago (a live worker refreshes its row with
 * every batch). */
static const char sql_purge[] = "DELETE FROM `deferred_ledger` "
				"WHERE `updated_at` < UTC_TIMESTAMP() - INTERVAL 7 DAY LIMIT 1000";

/* Ids per UPDATE statement: IN lists are padded to a power of two up to
 * this, so that a column needs at most 8 prepared shapes. */
#define STMT_IDS 128
/* Keys per batch (one transaction). */
#define BATCH_KEYS 1024
/* Batches one tick writes before it lets the loop serve again. */
#define TICK_BATCHES 4
/* After a failed batch: 100 ms, doubling up to this. */
#define RETRY_MAX_MS 2000
/* Purge the ledger after this many batches of a process. */
#define PURGE_EVERY 1000

struct entry {
	const struct orm_deferred *d; /* NULL: free slot */
	int64_t id;
	int64_t n;
};

static struct {
	struct entry *slots; /* open addressing, linear probing */
	size_t cap, n;
	long long oldest_ms; /* when the first key of the table was added */
	struct entry *batch; /* the batch in flight (taken from the table) */
	size_t nbatch;
	uint64_t seq;        /* the batch's number for the ledger */
	bool ledger_row;     /* this run's ledger row is known to exist */
	unsigned char owner[16];
	pid_t owner_pid;
	unsigned fails;      /* consecutive failed attempts of the batch */
	long long retry_ms;  /* not before this after a failure */
	unsigned long batches;
	unsigned delay_ms;
	unsigned lose_acks;  /* test seam: successful commits to report lost */
} dq = {.delay_ms = ORM_DEFERRED_DELAY_MS};

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static size_t slot_of(const struct orm_deferred *d, int64_t id, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)d * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)id;
	h *= UINT64_C(0xBF58476D1CE4E5B9);
	h ^= h >> 31;
	return (size_t)h & (cap - 1);
}

static struct entry *find(const struct orm_deferred *d, int64_t id)
{
	if (!dq.cap)
		return NULL;
	for (size_t j = slot_of(d, id, dq.cap);; j = (j + 1) & (dq.cap - 1)) {
		struct entry *e = &dq.slots[j];
		if (!e->d || (e->d == d && e->id == id))
			return e;
	}
}

/* Put (d, id, n) into slots of cap (a power of two, never full). */
static void put(struct entry *slots, size_t cap, const struct orm_deferred *d, int64_t id, int64_t n)
{
	size_t j = slot_of(d, id, cap);
	while (slots[j].d && !(slots[j].d == d && slots[j].id == id))
		j = (j + 1) & (cap - 1);
	slots[j].d = d;
	slots[j].id = id;
	slots[j].n += n;
}

/* Move the table into one of cap slots. 0 or -1 (out of memory). */
static int rehash(size_t cap)
{
	struct entry *s = calloc(cap, sizeof *s);
	if (!s)
		return -1;
	for (size_t i = 0; i < dq.cap; i++)
		if (dq.slots[i].d)
			put(s, cap, dq.slots[i].d, dq.slots[i].id, dq.slots[i].n);
	free(dq.slots);
	dq.slots = s;
	dq.cap = cap;
	return 0;
}

static bool is_integer(const struct orm_column *c)
{
	return c && (c->type == ORM_INTEGER || c->type == ORM_SMALLINT || c->type == ORM_BIGINT ||
		     c->type == ORM_BOOLEAN);
}

/* Resolve d's column names (once). 0 or ORM_MISUSE. */
static int resolve(struct orm_deferred *d)
{
	if (d->col_)
		return 0;
	if (!d->model || !d->model->ready || !is_integer(d->model->pk) || !d->column)
		return ORM_MISUSE;
	const struct orm_column *c = orm_model_column(d->model, d->column);
	const struct orm_column *u = d->unless ? orm_model_column(d->model, d->unless) : NULL;
	if (!is_integer(c) || c->type == ORM_BOOLEAN || (d->unless && !is_integer(u)))
		return ORM_MISUSE;
	d->unless_ = u;
	d->col_ = c;
	return 0;
}

int orm_deferred_add(struct orm_deferred *d, int64_t id, int64_t n)
{
	if (!d || resolve(d) < 0)
		return ORM_MISUSE;
	struct entry *e = find(d, id);
	if (e && e->d) {
		e->n += n;
		return 0;
	}
	if (dq.n >= ORM_DEFERRED_MAX_KEYS)
		return ORM_UNAVAILABLE;
	if ((dq.n + 1) * 2 > dq.cap) {
		if (rehash(dq.cap ? dq.cap * 2 : 64) < 0)
			return ORM_NOMEM;
	}
	if (!dq.n)
		dq.oldest_ms = now_ms();
	put(dq.slots, dq.cap, d, id, n);
	dq.n++;
	return 0;
}

int64_t orm_deferred_pending(const struct orm_deferred *d, int64_t id)
{
	int64_t sum = 0;
	const struct entry *e = find(d, id);
	if (e && e->d)
		sum += e->n;
	for (size_t i = 0; i < dq.nbatch; i++)
		if (dq.batch[i].d == d && dq.batch[i].id == id)
			sum += dq.batch[i].n;
	return sum;
}

size_t orm_deferred_count(void)
{
	return dq.n + dq.nbatch;
}

void orm_deferred_set_delay(unsigned ms)
{
	dq.delay_ms = ms;
}

void orm_deferred_lose_commit_acks(unsigned n)
{
	dq.lose_acks = n;
}

void orm_deferred_discard(void)
{
	free(dq.slots);
	free(dq.batch);
	dq.slots = dq.batch = NULL;
	dq.cap = dq.n = dq.nbatch = 0;
	dq.fails = 0;
	dq.retry_ms = 0;
}

static int by_key(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->d != y->d)
		return (uintptr_t)x->d < (uintptr_t)y->d ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* A new run's ledger identity: 16 random bytes, made again in a child of
 * the process that made them. 0 or -1. */
static int owner_ready(void)
{
	if (dq.owner_pid == getpid())
		return 0;
	size_t got = 0;
	while (got < sizeof dq.owner) {
		ssize_t r = getrandom(dq.owner + got, sizeof dq.owner - got, 0);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			got += (size_t)r;
	}
	dq.owner_pid = getpid();
	dq.ledger_row = false;
	dq.seq = 0;
	return 0;
}

/* Take up to BATCH_KEYS keys out of the table into the batch in flight,
 * with the next sequence number. 0 or -1 (out of memory: nothing moved). */
static int batch_take(void)
{
	size_t want = dq.n < BATCH_KEYS ? dq.n : BATCH_KEYS;
	struct entry *b = malloc(want * sizeof *b);
	if (!b || owner_ready() < 0) {
		free(b);
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < dq.cap && k < want; i++) {
		if (!dq.slots[i].d)
			continue;
		b[k++] = dq.slots[i];
		dq.slots[i].d = NULL;
		dq.slots[i].n = 0;
	}
	dq.n -= k;
	/* Keys left behind sit where probing no longer finds them: rebuild
	 * (same size, or small again when the table emptied after a flood). */
	if (dq.n && rehash(dq.cap) < 0) {
		/* Without memory for the rebuild, put the keys back. */
		for (size_t i = 0; i < k; i++)
			put(dq.slots, dq.cap, b[i].d, b[i].id, b[i].n);
		dq.n += k;
		free(b);
		return -1;
	}
	if (!dq.n && dq.cap > 4096) {
		free(dq.slots);
		dq.slots = NULL;
		dq.cap = 0;
	}
	if (dq.n) /* keys left behind are due already: the next batch follows at once */
		dq.oldest_ms = now_ms() - dq.delay_ms;
	qsort(b, k, sizeof *b, by_key); /* one row order for every worker: fewer deadlocks */
	dq.batch = b;
	dq.nbatch = k;
	dq.seq++;
	return 0;
}

/* The UPDATE of one column for padded ids (a power of two: the caller
 * repeats the last pair, and CASE takes its first match) into sql. Only
 * identifiers of the model's metadata; every value is bound. 0 or -1. */
static int update_sql(const struct orm_deferred *d, size_t padded, struct buf *sql)
{
	const struct orm_model *m = d->model;
	int rc = buf_printf(sql, "UPDATE %s SET %s = %s + CASE %s", m->qtable, d->col_->qname, d->col_->qname,
			    m->pk->qname);
	for (size_t i = 0; i < padded && !rc; i++)
		rc = buf_puts(sql, " WHEN ? THEN ?");
	if (!rc)
		rc = buf_printf(sql, " ELSE 0 END WHERE %s IN (", m->pk->qname);
	for (size_t i = 0; i < padded && !rc; i++)
		rc = buf_puts(sql, i ? ", ?" : "?");
	if (!rc)
		rc = buf_putc(sql, ')');
	if (!rc && d->unless_)
		rc = buf_printf(sql, " AND %s = 0", d->unless_->qname);
	return rc;
}

struct batch_run {
	bool applied_before; /* the ledger says this batch committed already */
	struct buf sql;
	struct db_val *params;
};

/* One run of the batch's transaction (db_retry runs it again after a
 * conflict): claim the batch in the ledger, then one UPDATE per column
 * and STMT_IDS ids. */
static int batch_run(struct db *db, void *arg)
{
	struct batch_run *r = arg;
	r->applied_before = false;
	struct db_val claim[3] = {db_v_int((long long)dq.seq), db_v_blob(dq.owner, sizeof dq.owner),
				  db_v_int((long long)dq.seq)};
	long long got = db_query(db, NULL, sql_claim, claim, 3, NULL, NULL);
	if (got < 0)
		return -1;
	if (got == 0) {
		struct db_val first[2] = {db_v_blob(dq.owner, sizeof dq.owner), db_v_int((long long)dq.seq)};
		if (db_query(db, NULL, sql_first, first, 2, NULL, NULL) < 0) {
			if (db->last_errno != ER_DUP_ENTRY)
				return -1;
			/* The row is there at seq or beyond: applied. */
			r->applied_before = true;
			return 0;
		}
	}
	for (size_t i = 0; i < dq.nbatch;) {
		const struct orm_deferred *d = dq.batch[i].d;
		size_t n = 0;
		while (i + n < dq.nbatch && n < STMT_IDS && dq.batch[i + n].d == d)
			n++;
		size_t padded = 1;
		while (padded < n)
			padded *= 2;
		buf_reset(&r->sql);
		if (update_sql(d, padded, &r->sql) < 0) {
			snprintf(db->err, sizeof db->err, "out of memory");
			db->last_errno = 0;
			return -1;
		}
		for (size_t k = 0; k < padded; k++) {
			const struct entry *e = &dq.batch[i + (k < n ? k : n - 1)];
			r->params[2 * k] = db_v_int(e->id);
			r->params[2 * k + 1] = db_v_int(e->n);
			r->params[2 * padded + k] = db_v_int(e->id);
		}
		if (db_query(db, NULL, r->sql.p, r->params, 3 * padded, NULL, NULL) < 0)
			return -1;
		i += n;
	}
	return 0;
}

/* Write the batch in flight: 0 when it is settled (applied now, or found
 * applied before), -1 when it stays in flight (db->err says why). */
static int batch_write(struct db *db)
{
	struct batch_run r = {.sql = BUF_INIT, .params = malloc(3 * STMT_IDS * sizeof *r.params)};
	if (!r.params) {
		snprintf(db->err, sizeof db->err, "out of memory");
		return -1;
	}
	int rc = db_retry(db, true, batch_run, &r);
	buf_free(&r.sql);
	free(r.params);
	if (rc == 0 && dq.lose_acks) {
		/* Test seam: the COMMIT went through, its answer "never came". */
		dq.lose_acks--;
		db_disconnect(db);
		snprintf(db->err, sizeof db->err, "lost connection during COMMIT (simulated)");
		return -1;
	}
	if (rc < 0)
		return -1;
	dq.ledger_row = true;
	free(dq.batch);
	dq.batch = NULL;
	dq.nbatch = 0;
	dq.fails = 0;
	dq.retry_ms = 0;
	if (++dq.batches % PURGE_EVERY == 0)
		db_query(db, NULL, sql_purge, NULL, 0, NULL, NULL);
	return 0;
}

/* One batch: the one in flight, else a new one from the table. 0 (written,
 * or nothing to write) or -1 (it stays in flight; retried after back-off). */
static int flush_one(struct db *db)
{
	if (!dq.nbatch && !dq.n)
		return 0;
	if (!dq.nbatch && batch_take() < 0) {
		snprintf(db->err, sizeof db->err, "out of memory");
		return -1;
	}
	if (batch_write(db) == 0)
		return 0;
	long long wait = 100LL << (dq.fails < 5 ? dq.fails : 5);
	dq.retry_ms = now_ms() + (wait < RETRY_MAX_MS ? wait : RETRY_MAX_MS);
	if (dq.fails++ % 20 == 0)
		log_warn("deferred increments: %zu keys wait for the database: %s", orm_deferred_count(),
			 db->err);
	return -1;
}

int orm_deferred_tick(struct db *db)
{
	for (int b = 0; b < TICK_BATCHES; b++) {
		if (!dq.nbatch && !dq.n)
			return -1;
		long long now = now_ms();
		long long due = dq.nbatch ? dq.retry_ms : dq.oldest_ms + dq.delay_ms;
		if (now < due)
			return (int)(due - now);
		if (flush_one(db) < 0)
			break;
	}
	if (!dq.nbatch && !dq.n)
		return -1;
	long long due = dq.nbatch ? dq.retry_ms : dq.oldest_ms + dq.delay_ms;
	long long left = due - now_ms();
	return left > 0 ? (int)left : 0;
}

int orm_deferred_flush(struct db *db, unsigned budget_ms)
{
	long long end = now_ms() + budget_ms;
	while (dq.nbatch || dq.n) {
		if (flush_one(db) == 0)
			continue;
		long long now = now_ms();
		if (now >= end)
			break;
		long long wait = dq.retry_ms < end ? dq.retry_ms - now : end - now;
		if (wait > 0) {
			struct timespec t = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
			nanosleep(&t, NULL);
		}
	}
	if (!dq.nbatch && !dq.n)
		return 0;
	return ORM_UNAVAILABLE;
}

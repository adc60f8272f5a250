/* session_cache.c — the host's session cache (SPEC 6 and 9: a logged-in
 * read page costs one statement): a named POSIX shared-memory object that
 * every worker of an installation on this host maps, and its command line
 * opens to invalidate. It holds session rows as read from MariaDB, keyed by
 * SHA-256(token); owns this process's mapping of it (struct sc_proc).
 *
 * Layout: a header, then nbuckets buckets of SC_WAYS entries (a bucket is
 * the probe sequence of open addressing, bounded). Readers never lock:
 * each bucket is a seqlock (seq odd while a writer holds it) and a reader
 * that sees it change misses. Writers take the bucket with a CAS on seq;
 * one killed -9 inside its few hundred nanoseconds leaves it odd, and the
 * next writer that finds its owner dead takes the bucket over. Every
 * invalidation of a token bumps its bucket's generation; a reader stores
 * the row it read only when neither that generation nor the global epoch
 * moved since before its SELECT (the stale-store race). The epoch is bumped
 * by processes that delete sessions they cannot name (deleteuser): every
 * entry of an older epoch misses. */
#include "web/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"

#define SC_MAGIC UINT64_C(0x31306373636c6600) /* "\0flcsc01" */
#define SC_LAYOUT 1
#define SC_WAYS 4
#define SC_SPIN 2000       /* tries for a bucket before looking at its owner */
#define SC_READ_TRIES 4    /* a reader that keeps seeing writers misses */

struct sc_entry {
	unsigned char token_hash[crypto_hash_sha256_BYTES];
	int64_t row_id;
	int64_t user_id;    /* 0: anonymous */
	int64_t expires_at; /* unix seconds (the row's expires_at) */
	int64_t read_ms;    /* CLOCK_MONOTONIC ms before the read that filled it */
	uint64_t epoch;     /* the global epoch at that read */
	uint32_t used;
	uint32_t data_len;
	char data[WEB_SC_DATA_MAX];
};

struct sc_bucket {
	_Atomic uint32_t seq;   /* odd: a writer holds the bucket */
	_Atomic int32_t owner;  /* that writer's pid */
	_Atomic uint64_t gen;   /* bumped by every invalidation in the bucket */
	struct sc_entry e[SC_WAYS];
};

struct sc_header {
	_Atomic uint64_t magic; /* SC_MAGIC once initialised (stored last) */
	uint32_t layout, nbuckets;
	uint32_t bucket_size, pad;
	uint64_t size;           /* bytes of the whole object */
	_Atomic uint64_t epoch;
	char align[64 - 40];
};

/* This process's mapping. pid is the process that opened it: a worker
 * forked afterwards shares it and never removes the name. */
static struct sc_proc {
	struct sc_header *h;
	size_t size;
	int fd;
	pid_t pid;
	int refs;
	char name[64];
	/* web_session_cache_use(): the name a lazy open looks for. */
	char use_name[64];
	bool use_set;
	bool pending; /* sessions deleted here: invalidate again at close */
	bool warned;
} sc = {.fd = -1};

static size_t bucket_size(void)
{
	return (sizeof(struct sc_bucket) + 63) & ~(size_t)63;
}

static struct sc_bucket *bucket_at(const struct sc_header *h, uint32_t i)
{
	return (struct sc_bucket *)((char *)h + sizeof *h + (size_t)i * h->bucket_size);
}

static struct sc_bucket *bucket_of(const struct sc_header *h, const unsigned char *hash)
{
	uint32_t x;
	memcpy(&x, hash, sizeof x); /* SHA-256 output: any four bytes are uniform */
	return bucket_at(h, x % h->nbuckets);
}

int64_t web_sc_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- naming ------------------------------------------------------------ */

int web_session_cache_name(const struct config *cfg, char *out, size_t n)
{
	struct db_url u;
	char err[256];
	if (db_url_parse(cfg->database_url, &u, err, sizeof err) < 0)
		return -1;
	/* What identifies the session table: the database's hosts, socket
	 * (relative paths resolved, as the client resolves them) and name.
	 * Not server.listen: the command line must find the cache without
	 * runserver's --listen, and two servers of one database on one host
	 * share its sessions, so they share the cache. */
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	char line[4200];
	int k = snprintf(line, sizeof line, "flacon session cache %d\n", SC_LAYOUT);
	crypto_hash_sha256_update(&st, (const unsigned char *)line, (unsigned long long)k);
	for (size_t i = 0; i < u.nhosts; i++) {
		k = snprintf(line, sizeof line, "host %s:%u\n", u.hosts[i].name, u.hosts[i].port);
		crypto_hash_sha256_update(&st, (const unsigned char *)line, (unsigned long long)k);
	}
	char cwd[4096] = "";
	if (u.socket && u.socket[0] != '/' && !getcwd(cwd, sizeof cwd))
		cwd[0] = '\0';
	k = snprintf(line, sizeof line, "socket %s%s%s\ndb %s\n", cwd, cwd[0] ? "/" : "",
		     u.socket ? u.socket : "", u.dbname ? u.dbname : "");
	crypto_hash_sha256_update(&st, (const unsigned char *)line,
				  (unsigned long long)(k < (int)sizeof line ? k : (int)sizeof line - 1));
	db_url_free(&u);
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&st, d);
	char hex[25];
	sodium_bin2hex(hex, sizeof hex, d, 12);
	return snprintf(out, n, "/flacon-sc%d-%s", SC_LAYOUT, hex) < (int)n ? 0 : -1;
}

/* ---- opening and closing ------------------------------------------------ */

/* True when name still names the object open on fd (not removed and made
 * again by another process since we opened it). */
static bool still_named(const char *name, int fd)
{
	struct stat a, b;
	int fd2 = shm_open(name, O_RDONLY, 0);
	if (fd2 < 0)
		return false;
	bool same = fstat(fd, &a) == 0 && fstat(fd2, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino;
	close(fd2);
	return same;
}

static size_t object_size(uint32_t nbuckets)
{
	return sizeof(struct sc_header) + (size_t)nbuckets * bucket_size();
}

/* Initialise the object on fd (held exclusively) for nbuckets. */
static struct sc_header *init_object(int fd, uint32_t nbuckets)
{
	size_t size = object_size(nbuckets);
	if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0)
		return NULL;
	struct sc_header *h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return NULL;
	/* ftruncate gave zeroes: every bucket even and unlocked, every entry
	 * unused. */
	h->layout = SC_LAYOUT;
	h->nbuckets = nbuckets;
	h->bucket_size = (uint32_t)bucket_size();
	h->size = size;
	atomic_store(&h->epoch, 1);
	atomic_store_explicit(&h->magic, SC_MAGIC, memory_order_release);
	return h;
}

/* Map an initialised object on fd; NULL when it is not one of ours. */
static struct sc_header *map_object(int fd, size_t *size)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(struct sc_header))
		return NULL;
	struct sc_header *h = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return NULL;
	if (atomic_load_explicit(&h->magic, memory_order_acquire) != SC_MAGIC ||
	    h->layout != SC_LAYOUT || h->bucket_size != bucket_size() || !h->nbuckets ||
	    h->size != (uint64_t)st.st_size || object_size(h->nbuckets) != h->size) {
		munmap(h, (size_t)st.st_size);
		return NULL;
	}
	*size = (size_t)st.st_size;
	return h;
}

/* Open (create when create) the object name, holding a shared lock on it
 * for as long as it is open: the last holder to close removes the name.
 * 0, 1 when it does not exist (and !create), -1 on an error (errno). */
static int attach(const char *name, bool create, long entries)
{
	uint32_t nbuckets = (uint32_t)((entries + SC_WAYS - 1) / SC_WAYS);
	for (int attempt = 0; attempt < 16; attempt++) {
		int fd = shm_open(name, O_RDWR | (create ? O_CREAT : 0), 0600);
		if (fd < 0)
			return errno == ENOENT && !create ? 1 : -1;
		size_t size = 0;
		struct sc_header *h = NULL;
		/* Shared first: a live object is held shared by its server
		 * for its whole life, so an exclusive lock would wait for
		 * the server to stop. */
		if (flock(fd, LOCK_SH) == 0 && still_named(name, fd))
			h = map_object(fd, &size);
		if (!h) {
			/* New (or left half made by a process that died):
			 * made under the exclusive lock, by one process. */
			if (flock(fd, LOCK_EX) < 0 || !still_named(name, fd)) {
				close(fd);
				continue;
			}
			h = map_object(fd, &size);
			if (!h && create) {
				h = init_object(fd, nbuckets);
				size = object_size(nbuckets);
			}
			if (!h) {
				int e = create ? errno : ENOENT;
				close(fd);
				if (!create)
					return 1;
				errno = e;
				return -1;
			}
			/* Back to shared (not atomic: check the name again). */
			if (flock(fd, LOCK_SH) < 0 || !still_named(name, fd)) {
				munmap(h, size);
				close(fd);
				continue;
			}
		}
		sc.h = h;
		sc.size = size;
		sc.fd = fd;
		sc.pid = getpid();
		snprintf(sc.name, sizeof sc.name, "%s", name);
		return 0;
	}
	errno = EAGAIN;
	return -1;
}

/* Remove every other cache of this layout that no process holds: left by
 * a server killed -9 (its name was never removed). Nothing can need one:
 * with no server holding it, no worker reads it, and a command that
 * would invalidate it has nothing to invalidate. A process that is
 * opening it right now finds the name gone after its lock and makes its
 * own (attach). glibc keeps the objects in /dev/shm. */
static void sweep_orphans(const char *keep)
{
	DIR *d = opendir("/dev/shm");
	if (!d)
		return;
	char prefix[32], name[300];
	int np = snprintf(prefix, sizeof prefix, "flacon-sc%d-", SC_LAYOUT);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, (size_t)np) ||
		    snprintf(name, sizeof name, "/%s", e->d_name) >= (int)sizeof name || !strcmp(name, keep))
			continue;
		int fd = shm_open(name, O_RDONLY, 0);
		if (fd < 0)
			continue; /* another user's */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && still_named(name, fd))
			shm_unlink(name);
		close(fd);
	}
	closedir(d);
}

static void detach(void)
{
	if (!sc.h)
		return;
	/* Only the process that opened it removes the name, and only when
	 * no other process holds it (a worker forked from us shares our
	 * lock, and leaves it to us). */
	if (sc.pid == getpid() && flock(sc.fd, LOCK_EX | LOCK_NB) == 0 && still_named(sc.name, sc.fd))
		shm_unlink(sc.name);
	munmap(sc.h, sc.size);
	if (sc.pid == getpid())
		close(sc.fd);
	sc.h = NULL;
	sc.fd = -1;
	sc.refs = 0;
	sc.name[0] = '\0';
}

int web_session_cache_open(const struct config *cfg, bool create)
{
	if (cfg->session_cache_entries <= 0)
		return 0;
	if (!cfg->database_url)
		return -1;
	char name[64];
	if (web_init() < 0 || web_session_cache_name(cfg, name, sizeof name) < 0) {
		log_warn("session cache: no name for database.url: off");
		return -1;
	}
	if (sc.h && !strcmp(sc.name, name)) {
		sc.refs++;
		return 0;
	}
	if (sc.h) {
		/* Another database after a reload: this process's old mapping
		 * belongs to its parent (a worker forked from the master). */
		if (sc.pid == getpid())
			return -1;
		munmap(sc.h, sc.size);
		sc.h = NULL;
		sc.fd = -1;
	}
	if (create)
		sweep_orphans(name);
	int rc = attach(name, create, cfg->session_cache_entries);
	if (rc < 0) {
		log_warn("session cache %s: %s: off (every request reads its session from the database)",
			 name, strerror(errno));
		return -1;
	}
	if (rc == 0)
		sc.refs = 1;
	return rc == 0 ? 0 : -1; /* 1: none to open */
}

static void close_at_exit(void)
{
	if (sc.h && sc.pid == getpid())
		detach();
}

void web_sc_ensure(const struct config *cfg)
{
	/* Once per process: a worker is forked from a master that never
	 * calls this, so it looks for itself. */
	static bool done, at_exit;
	if (done || cfg->session_cache_entries <= 0)
		return;
	done = true;
	char name[64];
	if (sc.h && web_session_cache_name(cfg, name, sizeof name) == 0 && !strcmp(name, sc.name))
		return; /* the master's (runserver), or opened by the caller */
	if (web_session_cache_open(cfg, true) == 0 && sc.h && sc.pid == getpid() && !at_exit)
		at_exit = atexit(close_at_exit) == 0;
}

void web_session_cache_use(const struct config *cfg)
{
	sc.use_set = cfg->session_cache_entries > 0 && cfg->database_url && web_init() == 0 &&
		     web_session_cache_name(cfg, sc.use_name, sizeof sc.use_name) == 0;
}

void web_session_cache_close(void)
{
	web_sc_flush_pending();
	if (sc.h && --sc.refs <= 0)
		detach();
}

bool web_sc_attached(void)
{
	return sc.h != NULL;
}

/* ---- the bucket lock ---------------------------------------------------- */

/* Take b: 0, or -1 when it stays held by a live process. A bucket whose
 * holder died (killed in the middle of a write) is taken over and its
 * entries, maybe half written, dropped. */
static int bucket_lock(struct sc_bucket *b)
{
	for (int i = 0;; i++) {
		uint32_t s = atomic_load_explicit(&b->seq, memory_order_relaxed);
		if (!(s & 1) && atomic_compare_exchange_weak_explicit(&b->seq, &s, s + 1,
								      memory_order_acquire,
								      memory_order_relaxed)) {
			atomic_store_explicit(&b->owner, (int32_t)getpid(), memory_order_relaxed);
			atomic_thread_fence(memory_order_release);
			return 0;
		}
		if (i < SC_SPIN) {
			if (i > 100)
				sched_yield();
			continue;
		}
		pid_t owner = atomic_load_explicit(&b->owner, memory_order_relaxed);
		if (!(s & 1) || owner <= 0 || kill(owner, 0) == 0 || errno != ESRCH)
			return -1;
		/* seq s + 2 is odd: ours now, unless another taker won. */
		if (!atomic_compare_exchange_strong(&b->seq, &s, s + 2))
			return -1;
		atomic_store_explicit(&b->owner, (int32_t)getpid(), memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		for (int w = 0; w < SC_WAYS; w++)
			b->e[w].used = 0;
		atomic_fetch_add(&b->gen, 1);
		return 0;
	}
}

static void bucket_unlock(struct sc_bucket *b)
{
	atomic_fetch_add_explicit(&b->seq, 1, memory_order_release);
}

/* ---- reading ------------------------------------------------------------ */

void web_sc_begin(const unsigned char *hash, struct web_sc_ticket *t)
{
	memset(t, 0, sizeof *t);
	if (!sc.h)
		return;
	t->armed = true;
	t->epoch = atomic_load_explicit(&sc.h->epoch, memory_order_acquire);
	t->gen = atomic_load_explicit(&bucket_of(sc.h, hash)->gen, memory_order_acquire);
	t->read_ms = web_sc_now_ms();
}

int web_sc_lookup(const unsigned char *hash, long ttl_ms, struct web_sc_row *out)
{
	if (!sc.h || ttl_ms <= 0)
		return 0;
	struct sc_bucket *b = bucket_of(sc.h, hash);
	struct sc_entry e;
	bool found = false;
	for (int tries = 0; tries < SC_READ_TRIES && !found; tries++) {
		uint32_t s1 = atomic_load_explicit(&b->seq, memory_order_acquire);
		if (s1 & 1) {
			sched_yield();
			continue;
		}
		int w = 0;
		while (w < SC_WAYS && !(b->e[w].used &&
					!memcmp(b->e[w].token_hash, hash, crypto_hash_sha256_BYTES)))
			w++;
		if (w < SC_WAYS)
			memcpy(&e, &b->e[w], sizeof e);
		/* The copy is good only when no writer came in meanwhile
		 * (the seqlock's read side). */
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&b->seq, memory_order_relaxed) != s1)
			continue;
		if (w == SC_WAYS)
			return 0;
		found = true;
	}
	if (!found)
		return 0;
	int64_t now = web_sc_now_ms();
	if (e.epoch != atomic_load_explicit(&sc.h->epoch, memory_order_acquire) ||
	    e.read_ms > now || now - e.read_ms >= ttl_ms || e.expires_at <= (int64_t)time(NULL) ||
	    e.data_len > WEB_SC_DATA_MAX)
		return 0;
	out->row_id = e.row_id;
	out->user_id = e.user_id;
	out->expires_at = (time_t)e.expires_at;
	out->data_len = e.data_len;
	memcpy(out->data, e.data, e.data_len);
	return 1;
}

/* ---- writing ------------------------------------------------------------ */

/* Put row into b for hash (b held). */
static void put(struct sc_bucket *b, const unsigned char *hash, const struct web_sc_ticket *t,
		const struct web_sc_row *row)
{
	int w = -1, oldest = 0;
	for (int i = 0; i < SC_WAYS && w < 0; i++)
		if (b->e[i].used && !memcmp(b->e[i].token_hash, hash, crypto_hash_sha256_BYTES))
			w = i;
	for (int i = 0; i < SC_WAYS && w < 0; i++)
		if (!b->e[i].used)
			w = i;
	if (w < 0) {
		/* Full: the entry read longest ago goes. */
		for (int i = 1; i < SC_WAYS; i++)
			if (b->e[i].read_ms < b->e[oldest].read_ms)
				oldest = i;
		w = oldest;
	}
	struct sc_entry *e = &b->e[w];
	memcpy(e->token_hash, hash, crypto_hash_sha256_BYTES);
	e->row_id = row->row_id;
	e->user_id = row->user_id;
	e->expires_at = (int64_t)row->expires_at;
	e->read_ms = t->read_ms;
	e->epoch = t->epoch;
	e->data_len = (uint32_t)row->data_len;
	memcpy(e->data, row->data, row->data_len);
	e->used = 1;
}

static void drop(struct sc_bucket *b, const unsigned char *hash)
{
	for (int i = 0; i < SC_WAYS; i++)
		if (b->e[i].used && !memcmp(b->e[i].token_hash, hash, crypto_hash_sha256_BYTES))
			b->e[i].used = 0;
}

int web_sc_store(const struct web_sc_ticket *t, const unsigned char *hash, const struct web_sc_row *row,
		 bool fresh_token)
{
	if (!sc.h || !t->armed || row->data_len > WEB_SC_DATA_MAX)
		return 0;
	struct sc_bucket *b = bucket_of(sc.h, hash);
	if (bucket_lock(b) < 0)
		return 0;
	/* A token nobody else can know yet (just inserted) cannot have been
	 * invalidated in between; any other row is stored only when nothing
	 * was invalidated in its bucket since before it was read. */
	bool stale = atomic_load(&sc.h->epoch) != t->epoch ||
		     (!fresh_token && atomic_load(&b->gen) != t->gen);
	if (!stale)
		put(b, hash, t, row);
	bucket_unlock(b);
	return stale ? 0 : 1;
}

int web_sc_replace(const struct web_sc_ticket *t, const unsigned char *hash,
		   const struct web_sc_row *row)
{
	if (!sc.h)
		return 0;
	struct sc_bucket *b = bucket_of(sc.h, hash);
	if (bucket_lock(b) < 0) {
		/* It must not be served again: everything goes. */
		web_sc_invalidate_all();
		return 0;
	}
	bool stale = !t->armed || atomic_load(&sc.h->epoch) != t->epoch ||
		     atomic_load(&b->gen) != t->gen || !row || row->data_len > WEB_SC_DATA_MAX;
	/* Other readers' rows of before this write are refused from now on. */
	atomic_fetch_add(&b->gen, 1);
	drop(b, hash);
	if (!stale)
		put(b, hash, t, row);
	bucket_unlock(b);
	return stale ? 0 : 1;
}

void web_sc_invalidate(const unsigned char *hash)
{
	web_sc_replace(&(struct web_sc_ticket){.armed = false}, hash, NULL);
}

void web_sc_invalidate_all(void)
{
	if (!sc.h && sc.use_set) {
		/* The command line: the server's cache, if one runs here. */
		int rc = attach(sc.use_name, false, 0);
		if (rc < 0 && !sc.warned) {
			sc.warned = true;
			log_warn("session cache %s: %s: the sessions deleted here may be served by the "
				 "server of this host for session.cache_ttl_ms more",
				 sc.use_name, strerror(errno));
		}
		if (rc == 0)
			sc.refs = 1;
	}
	if (sc.h)
		atomic_fetch_add_explicit(&sc.h->epoch, 1, memory_order_acq_rel);
}

void web_sc_note_deleted(void)
{
	sc.pending = true;
	web_sc_invalidate_all();
}

void web_sc_flush_pending(void)
{
	if (!sc.pending)
		return;
	sc.pending = false;
	web_sc_invalidate_all();
}

int web_sc_test_hold_bucket(const unsigned char *hash)
{
	return sc.h ? bucket_lock(bucket_of(sc.h, hash)) : -1;
}

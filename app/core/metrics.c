/* metrics.c — the shared region of the server's counters, the master's
 * bookkeeping of its slots, the per-request counting and the Prometheus
 * exposition. Owns the region (one mmap, MAP_SHARED | MAP_ANONYMOUS, made
 * by the master before it forks and inherited by every child).
 *
 * Layout: a header (the master's counts, a sequence number), then
 * nslots + 1 slots of slot_size bytes each, one cache line aligned: the
 * live workers' (at most 2 * workers + 1: a reload starts the new worker
 * before it stops the old one) and, last, the master's fold of the dead
 * workers' counts. Each slot is a struct metrics_slot followed by the
 * requests by (route, method, status) and the duration histogram of each
 * route. A worker writes only its slot, with plain relaxed stores; the
 * master writes a slot only while no process owns it, and folds under the
 * header's sequence number (odd while it folds) so that a reader never
 * sees a dead worker's counts twice or not at all. */
#include "core/metrics.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Labels of bounded sets. */
static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "other"};
#define NMETHODS (sizeof methods / sizeof methods[0])
static const int statuses[] = {200, 201, 204, 301, 302, 303, 304, 400, 401, 403, 404,
			       405, 409, 413, 415, 422, 429, 500, 502, 503, 504};
#define NSTATUS_KNOWN (sizeof statuses / sizeof statuses[0])
#define NSTATUSES (NSTATUS_KNOWN + 1) /* the last: "other" */
/* Histogram bounds in seconds (Prometheus' defaults), and in ns. */
static const char *const bucket_le[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
					"0.5",   "1",    "2.5",   "5",    "10"};
static const uint64_t bucket_ns[] = {5000000,   10000000,   25000000,   50000000,
				     100000000, 250000000,  500000000,  1000000000,
				     2500000000, 5000000000, 10000000000};
#define NBUCKETS (sizeof bucket_ns / sizeof bucket_ns[0])
/* Per route: NBUCKETS + 1 counts (the last above 10 s) and the sum in µs. */
#define HIST_WORDS (NBUCKETS + 2)

static const char *const exit_causes[METRICS_NEXITS] = {"stopped", "max_requests", "error",
							"signal"};
static const char *const counter_names[METRICS_NCOUNTERS] = {
	"flacon_db_statements_total",
	"flacon_db_reconnects_total",
	"flacon_db_node_switches_total",
	"flacon_db_transaction_retries_total",
	"flacon_db_unavailable_responses_total",
	"flacon_throttled_total",
	"flacon_throttled_total",
	"flacon_sessions_created_total",
	"flacon_sessions_deleted_total",
};

const char *const metrics_families[] = {
	"flacon_build_info",
	"flacon_start_time_seconds",
	"flacon_requests_total",
	"flacon_request_duration_seconds",
	"flacon_requests_in_flight",
	"flacon_workers",
	"flacon_worker_starts_total",
	"flacon_worker_exits_total",
	"flacon_db_statements_total",
	"flacon_db_reconnects_total",
	"flacon_db_node_switches_total",
	"flacon_db_node_workers",
	"flacon_db_transaction_retries_total",
	"flacon_db_unavailable_responses_total",
	"flacon_throttled_total",
	"flacon_sessions_created_total",
	"flacon_sessions_deleted_total",
	NULL,
};

struct metrics_header {
	uint64_t seq;           /* odd while the master folds */
	uint64_t worker_starts;
	uint64_t exits[METRICS_NEXITS];
	uint64_t start_ns;      /* CLOCK_MONOTONIC at setup */
	int64_t start_unix;     /* the same instant, Unix seconds */
	int32_t master;
	int32_t nslots;         /* live slots; the fold slot is index nslots */
};

static struct {
	void *base;
	size_t size;
	const struct http_app *app; /* the counted application (its route table) */
	size_t nroutes;             /* its routes; index nroutes is "unmatched" */
	size_t slot_size;
	size_t cube;                /* words of requests by route, method, status */
	const char *version;
} region;

static struct metrics_slot dummy;
struct metrics_slot *metrics_self = &dummy;
/* This worker's counts of the route table (NULL: counting nothing). */
static uint64_t *self_cube;

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static struct metrics_header *header(void)
{
	return region.base;
}

static size_t header_size(void)
{
	return (sizeof(struct metrics_header) + 63) & ~(size_t)63;
}

static struct metrics_slot *slot_at(int i)
{
	return (struct metrics_slot *)((char *)region.base + header_size() +
				       (size_t)i * region.slot_size);
}

static uint64_t *cube_of(struct metrics_slot *s)
{
	return (uint64_t *)(s + 1);
}

static uint64_t *hist_of(struct metrics_slot *s, size_t route)
{
	return cube_of(s) + region.cube + route * HIST_WORDS;
}

static uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static int32_t load32(const int32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void store32(int32_t *p, int32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

void metrics_set_version(const char *version)
{
	region.version = version;
}

int metrics_setup(const struct http_app *app, int nworkers)
{
	if (region.base)
		munmap(region.base, region.size);
	region.base = NULL;
	region.app = app;
	region.nroutes = app ? app->nroutes : 0;
	region.cube = (region.nroutes + 1) * NMETHODS * NSTATUSES;
	size_t words = region.cube + (region.nroutes + 1) * HIST_WORDS;
	region.slot_size = (sizeof(struct metrics_slot) + words * sizeof(uint64_t) + 63) & ~(size_t)63;
	int nslots = 2 * (nworkers > 0 ? nworkers : 1) + 1;
	region.size = header_size() + (size_t)(nslots + 1) * region.slot_size;
	void *p = mmap(NULL, region.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	region.base = p; /* zero-filled */
	struct metrics_header *h = header();
	h->nslots = nslots;
	h->master = (int32_t)getpid();
	h->start_ns = now_ns();
	h->start_unix = (int64_t)time(NULL);
	return 0;
}

/* ---- the master's slots ---------------------------------------------------- */

int metrics_slot_claim(const struct http_app *app)
{
	if (!region.base || app != region.app)
		return -1;
	for (int i = 0; i < header()->nslots; i++)
		if (!slot_at(i)->pid)
			return i;
	return -1;
}

void metrics_slot_bind(int slot, pid_t pid)
{
	if (!region.base || slot < 0)
		return;
	struct metrics_slot *s = slot_at(slot);
	if (pid <= 0) {
		/* the child never ran: nothing to fold */
		store32(&s->pid, 0);
		return;
	}
	__atomic_store_n(&s->started_ns, now_ns(), __ATOMIC_RELAXED);
	store32(&s->pid, (int32_t)pid);
	struct metrics_header *h = header();
	metrics_store(&h->worker_starts, h->worker_starts + 1);
}

void metrics_slot_attach(int slot)
{
	if (!region.base || slot < 0) {
		metrics_self = &dummy;
		self_cube = NULL;
		return;
	}
	struct metrics_slot *s = slot_at(slot);
	/* The master emptied it when its last owner died; the pid may not be
	 * bound yet (the master stores it after fork returns). */
	store32(&s->pid, (int32_t)getpid());
	store32(&s->route, -1);
	metrics_self = s;
	self_cube = cube_of(s);
}

/* Add slot s's counts to the fold slot and zero s. Under the sequence
 * number: readers retry while it is odd or when it changed. */
static void fold(struct metrics_slot *s)
{
	struct metrics_header *h = header();
	struct metrics_slot *t = slot_at(h->nslots);
	uint64_t seq = h->seq;
	__atomic_store_n(&h->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	metrics_store(&t->requests, t->requests + s->requests);
	for (size_t i = 0; i < METRICS_NCOUNTERS; i++)
		metrics_store(&t->c[i], t->c[i] + s->c[i]);
	uint64_t *from = cube_of(s), *to = cube_of(t);
	size_t words = region.cube + (region.nroutes + 1) * HIST_WORDS;
	for (size_t i = 0; i < words; i++)
		if (from[i])
			metrics_store(&to[i], to[i] + from[i]);
	memset(s, 0, region.slot_size);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&h->seq, seq + 2, __ATOMIC_RELAXED);
}

void metrics_child_exited(pid_t pid, int status)
{
	if (!region.base || pid <= 0)
		return;
	struct metrics_header *h = header();
	for (int i = 0; i < h->nslots; i++) {
		struct metrics_slot *s = slot_at(i);
		if (s->pid != (int32_t)pid)
			continue;
		enum metrics_exit cause;
		if (WIFSIGNALED(status))
			cause = METRICS_EXIT_SIGNAL;
		else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
			cause = METRICS_EXIT_ERROR;
		else if (s->exit_cause == METRICS_EXIT_MAX_REQUESTS)
			cause = METRICS_EXIT_MAX_REQUESTS;
		else
			cause = METRICS_EXIT_STOPPED;
		metrics_store(&h->exits[cause], h->exits[cause] + 1);
		fold(s);
		return;
	}
}

/* ---- the request path ------------------------------------------------------ */

/* The method label's index of the request in flight. */
static size_t cur_method;

static size_t method_index(const char *m)
{
	for (size_t i = 0; i < NMETHODS - 1; i++)
		if (!strcmp(m, methods[i]))
			return i;
	return NMETHODS - 1;
}

uint64_t metrics_request_begin(const char *method)
{
	uint64_t t = now_ns();
	cur_method = method_index(method ? method : "");
	metrics_store(&metrics_self->req_start_ns, t);
	store32(&metrics_self->route, -1);
	store32(&metrics_self->busy, 1);
	return t;
}

void metrics_request_route(const struct http_app *app, const struct http_route *route)
{
	if (app == region.app && route)
		store32(&metrics_self->route, (int32_t)(route - app->routes));
}

static size_t status_index(int status)
{
	for (size_t i = 0; i < NSTATUS_KNOWN; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS_KNOWN;
}

void metrics_request_end(int status, uint64_t start)
{
	struct metrics_slot *s = metrics_self;
	uint64_t took = now_ns() - start;
	store32(&s->busy, 0);
	metrics_store(&s->requests, s->requests + 1);
	if (!self_cube)
		return;
	int32_t r = s->route;
	size_t route = r >= 0 && (size_t)r < region.nroutes ? (size_t)r : region.nroutes;
	uint64_t *c = &self_cube[(route * NMETHODS + cur_method) * NSTATUSES + status_index(status)];
	metrics_store(c, *c + 1);
	uint64_t *h = hist_of(s, route);
	size_t b = 0;
	while (b < NBUCKETS && took > bucket_ns[b])
		b++;
	metrics_store(&h[b], h[b] + 1);
	metrics_store(&h[NBUCKETS + 1], h[NBUCKETS + 1] + took / 1000);
}

void metrics_worker_retiring(void)
{
	store32(&metrics_self->exit_cause, METRICS_EXIT_MAX_REQUESTS);
}

/* ---- reading --------------------------------------------------------------- */

/* The sums of every slot (the fold slot included), read consistently with
 * the master's folds. */
struct totals {
	uint64_t requests;
	uint64_t c[METRICS_NCOUNTERS];
	uint64_t *words; /* cube and histograms */
	int busy, workers;
};

static int read_totals(struct totals *t)
{
	struct metrics_header *h = header();
	size_t words = region.cube + (region.nroutes + 1) * HIST_WORDS;
	t->words = calloc(words, sizeof(uint64_t));
	if (!t->words)
		return -1;
	for (int attempt = 0; attempt < 1000; attempt++) {
		uint64_t seq = __atomic_load_n(&h->seq, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (seq & 1) {
			sched_yield();
			continue;
		}
		memset(t->words, 0, words * sizeof(uint64_t));
		memset(t->c, 0, sizeof t->c);
		t->requests = 0;
		t->busy = t->workers = 0;
		for (int i = 0; i <= h->nslots; i++) {
			struct metrics_slot *s = slot_at(i);
			if (i < h->nslots && load32(&s->pid)) {
				t->workers++;
				t->busy += load32(&s->busy) != 0;
			}
			t->requests += load64(&s->requests);
			for (size_t k = 0; k < METRICS_NCOUNTERS; k++)
				t->c[k] += load64(&s->c[k]);
			const uint64_t *w = cube_of(s);
			for (size_t k = 0; k < words; k++)
				t->words[k] += load64(&w[k]);
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&h->seq, __ATOMIC_RELAXED) == seq)
			return 0;
	}
	return 0; /* a master folding without pause: show what was read */
}

static const char *route_name(size_t i)
{
	if (i >= region.nroutes)
		return "unmatched";
	const struct http_route *r = &region.app->routes[i];
	return r->name ? r->name : r->pattern;
}

/* A label value: backslash, double quote and newline escaped. */
static int put_label(struct buf *b, const char *v)
{
	for (; *v; v++) {
		int rc = *v == '\\' ? buf_puts(b, "\\\\")
			 : *v == '"' ? buf_puts(b, "\\\"")
			 : *v == '\n' ? buf_puts(b, "\\n")
				      : buf_putc(b, *v);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int family(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int render_requests(struct buf *b, const struct totals *t)
{
	int rc = family(b, "flacon_requests_total", "counter",
			"Requests answered by the workers, by route, method and status.");
	for (size_t r = 0; r <= region.nroutes && rc >= 0; r++)
		for (size_t m = 0; m < NMETHODS; m++)
			for (size_t s = 0; s < NSTATUSES; s++) {
				uint64_t v = t->words[(r * NMETHODS + m) * NSTATUSES + s];
				if (!v)
					continue;
				char st[16];
				if (s < NSTATUS_KNOWN)
					snprintf(st, sizeof st, "%d", statuses[s]);
				else
					snprintf(st, sizeof st, "other");
				if (buf_puts(b, "flacon_requests_total{route=\"") < 0 ||
				    put_label(b, route_name(r)) < 0 ||
				    buf_printf(b, "\",method=\"%s\",status=\"%s\"} %llu\n", methods[m], st,
					       (unsigned long long)v) < 0)
					return -1;
			}
	if (rc < 0)
		return -1;
	if (family(b, "flacon_request_duration_seconds", "histogram",
		   "Time from the request's accept to its last byte, by route.") < 0)
		return -1;
	for (size_t r = 0; r <= region.nroutes; r++) {
		const uint64_t *h = t->words + region.cube + r * HIST_WORDS;
		uint64_t count = 0;
		for (size_t k = 0; k <= NBUCKETS; k++)
			count += h[k];
		if (!count)
			continue;
		uint64_t cum = 0;
		for (size_t k = 0; k <= NBUCKETS; k++) {
			cum += h[k];
			if (buf_puts(b, "flacon_request_duration_seconds_bucket{route=\"") < 0 ||
			    put_label(b, route_name(r)) < 0 ||
			    buf_printf(b, "\",le=\"%s\"} %llu\n", k < NBUCKETS ? bucket_le[k] : "+Inf",
				       (unsigned long long)cum) < 0)
				return -1;
		}
		if (buf_puts(b, "flacon_request_duration_seconds_sum{route=\"") < 0 ||
		    put_label(b, route_name(r)) < 0 ||
		    buf_printf(b, "\"} %.6f\n", (double)h[NBUCKETS + 1] / 1e6) < 0 ||
		    buf_puts(b, "flacon_request_duration_seconds_count{route=\"") < 0 ||
		    put_label(b, route_name(r)) < 0 ||
		    buf_printf(b, "\"} %llu\n", (unsigned long long)count) < 0)
			return -1;
	}
	return 0;
}

static int render_workers(struct buf *b, const struct totals *t)
{
	struct metrics_header *h = header();
	if (family(b, "flacon_requests_in_flight", "gauge", "Requests being answered now.") < 0 ||
	    buf_printf(b, "flacon_requests_in_flight %d\n", t->busy) < 0 ||
	    family(b, "flacon_workers", "gauge", "Worker processes alive.") < 0 ||
	    buf_printf(b, "flacon_workers %d\n", t->workers) < 0 ||
	    family(b, "flacon_worker_starts_total", "counter", "Worker processes forked.") < 0 ||
	    buf_printf(b, "flacon_worker_starts_total %llu\n",
		       (unsigned long long)load64(&h->worker_starts)) < 0 ||
	    family(b, "flacon_worker_exits_total", "counter",
		   "Worker processes that ended, by cause.") < 0)
		return -1;
	for (size_t i = 0; i < METRICS_NEXITS; i++)
		if (buf_printf(b, "flacon_worker_exits_total{cause=\"%s\"} %llu\n", exit_causes[i],
			       (unsigned long long)load64(&h->exits[i])) < 0)
			return -1;
	return 0;
}

static const char *const counter_help[METRICS_NCOUNTERS] = {
	"Database statements executed.",
	"Database connections made again after a worker's first.",
	"Database connections made to another host of the list than the last.",
	"Transactions and retried writes run again after a deadlock, conflict or lost connection.",
	"Answers 503 because the database could not be used.",
	"Logins and registrations refused by throttling, by action.",
	NULL,
	"Session rows created.",
	"Session rows deleted (logout, login rotation, expiry).",
};

static int render_counters(struct buf *b, const struct totals *t,
			   const struct metrics_nodes *nodes)
{
	for (size_t i = 0; i < METRICS_NCOUNTERS; i++) {
		const char *name = counter_names[i];
		if (counter_help[i] && family(b, name, "counter", counter_help[i]) < 0)
			return -1;
		int rc;
		if (i == METRICS_THROTTLED_LOGINS)
			rc = buf_printf(b, "%s{action=\"login\"} %llu\n", name, (unsigned long long)t->c[i]);
		else if (i == METRICS_THROTTLED_REGISTRATIONS)
			rc = buf_printf(b, "%s{action=\"register\"} %llu\n", name, (unsigned long long)t->c[i]);
		else
			rc = buf_printf(b, "%s %llu\n", name, (unsigned long long)t->c[i]);
		if (rc < 0)
			return -1;
		if (i == METRICS_DB_NODE_SWITCHES) {
			/* the node in use: how many workers are connected to each host */
			if (family(b, "flacon_db_node_workers", "gauge",
				   "Workers connected to each database host.") < 0)
				return -1;
			struct metrics_header *h = header();
			for (size_t n = 0; nodes && n < nodes->n; n++) {
				int k = 0;
				for (int s = 0; s < h->nslots; s++)
					k += load32(&slot_at(s)->pid) && load32(&slot_at(s)->db_node) == (int32_t)n + 1;
				if (buf_puts(b, "flacon_db_node_workers{node=\"") < 0 ||
				    put_label(b, nodes->name[n]) < 0 || buf_printf(b, "\"} %d\n", k) < 0)
					return -1;
			}
		}
	}
	return 0;
}

int metrics_render_prometheus(struct buf *b, const struct metrics_nodes *nodes)
{
	if (!region.base)
		return -1;
	struct totals t;
	if (read_totals(&t) < 0)
		return -1;
	int rc = -1;
	struct metrics_header *h = header();
	if (family(b, "flacon_build_info", "gauge", "The running version (always 1).") < 0 ||
	    buf_puts(b, "flacon_build_info{version=\"") < 0 ||
	    put_label(b, region.version ? region.version : "unknown") < 0 || buf_puts(b, "\"} 1\n") < 0 ||
	    family(b, "flacon_start_time_seconds", "gauge", "When the master started, Unix time.") < 0 ||
	    buf_printf(b, "flacon_start_time_seconds %lld\n", (long long)h->start_unix) < 0)
		goto out;
	if (render_requests(b, &t) < 0 || render_workers(b, &t) < 0 ||
	    render_counters(b, &t, nodes) < 0)
		goto out;
	rc = 0;
out:
	free(t.words);
	return rc;
}

int metrics_read_status(struct metrics_status *st, struct metrics_worker *w, size_t max)
{
	memset(st, 0, sizeof *st);
	if (!region.base)
		return -1;
	struct metrics_header *h = header();
	uint64_t now = now_ns();
	st->master = h->master;
	st->version = region.version ? region.version : "unknown";
	st->uptime_ms = (int64_t)((now - h->start_ns) / 1000000u);
	st->started = h->start_unix;
	st->worker_starts = load64(&h->worker_starts);
	for (int i = 0; i <= h->nslots; i++)
		st->requests += load64(&slot_at(i)->requests);
	for (int i = 0; i < h->nslots && st->nworkers < max; i++) {
		struct metrics_slot *s = slot_at(i);
		pid_t pid = load32(&s->pid);
		if (!pid)
			continue;
		struct metrics_worker *x = &w[st->nworkers++];
		memset(x, 0, sizeof *x);
		x->pid = pid;
		x->busy = load32(&s->busy) != 0;
		x->requests = load64(&s->requests);
		x->db_node = (long)load32(&s->db_node) - 1;
		uint64_t started = load64(&s->started_ns);
		x->uptime_ms = started && now > started ? (int64_t)((now - started) / 1000000u) : 0;
		if (x->busy) {
			int32_t r = load32(&s->route);
			x->route = r < 0 ? "-" : route_name((size_t)r);
			uint64_t rs = load64(&s->req_start_ns);
			x->age_ms = now > rs ? (int64_t)((now - rs) / 1000000u) : 0;
		}
	}
	return 0;
}

/* metrics.h — the server's counters (SPEC 13, "Operating it"): one region
 * of shared memory made by the master before it forks, one slot per live
 * worker that only that worker writes (plain stores, no lock on the
 * request path), a master-owned slot into which a dead worker's counts are
 * folded, and the master's own counts (worker starts, exits by cause).
 * The health-check process sums the slots and renders them as the
 * Prometheus text format (/metrics) or as JSON (/status, `flacon status`). */
#ifndef FLACON_METRICS_H
#define FLACON_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "http.h"

/* The plain counters any layer bumps in its worker's slot. */
enum metrics_counter {
	METRICS_DB_STATEMENTS,      /* statements executed */
	METRICS_DB_RECONNECTS,      /* a connect after the worker's first */
	METRICS_DB_NODE_SWITCHES,   /* connected to another host of the list than before */
	METRICS_DB_TXN_RETRIES,     /* a transaction (or retried write) run again */
	METRICS_DB_UNAVAILABLE,     /* answers 503: the database could not be used */
	METRICS_THROTTLED_LOGINS,   /* logins refused by auth throttling (429) */
	METRICS_THROTTLED_REGISTRATIONS,
	METRICS_SESSIONS_CREATED,   /* session rows inserted */
	METRICS_SESSIONS_DELETED,   /* session rows deleted (logout, rotation, expiry) */
	METRICS_NCOUNTERS
};

/* A worker's slot: its fixed part (the counters of the route table follow
 * it in the region). Fields are written with relaxed atomic stores by one
 * process (the master for pid and started_ns, else the worker) and read by
 * the health process. */
struct metrics_slot {
	int32_t pid;           /* 0: free (master) */
	int32_t busy;          /* 1 while a request is being answered */
	int32_t route;         /* route index of the request (-1 before routing) */
	int32_t db_node;       /* index + 1 in the database's host list, 0: not connected */
	int32_t exit_cause;    /* what the worker said before it left (enum metrics_exit) */
	int32_t pad;
	uint64_t started_ns;   /* CLOCK_MONOTONIC when it was forked (master) */
	uint64_t req_start_ns; /* CLOCK_MONOTONIC when the current request began */
	uint64_t requests;     /* requests answered */
	uint64_t c[METRICS_NCOUNTERS];
};

/* The slot this process counts into: a private dummy until the master
 * gives a worker one, so library code (and tests, and the CLI) may count
 * without checking. */
extern struct metrics_slot *metrics_self;

static inline void metrics_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* Add n to counter c of this process's slot: one load and one store (the
 * slot has one writer). */
static inline void metrics_add(enum metrics_counter c, uint64_t n)
{
	uint64_t *p = &metrics_self->c[c];
	metrics_store(p, *p + n);
}

static inline void metrics_count(enum metrics_counter c)
{
	metrics_add(c, 1);
}

/* The database host this worker is connected to: its index in the host
 * list, or -1 when disconnected. */
static inline void metrics_db_node(long index)
{
	__atomic_store_n(&metrics_self->db_node, (int32_t)(index + 1), __ATOMIC_RELAXED);
}

/* Why a worker exited, as worker_exits_total's cause label. */
enum metrics_exit {
	METRICS_EXIT_STOPPED,      /* exit 0 after SIGTERM (stop, reload) */
	METRICS_EXIT_MAX_REQUESTS, /* exit 0 after server.max_requests */
	METRICS_EXIT_ERROR,        /* a non-zero exit status (init failed...) */
	METRICS_EXIT_SIGNAL,       /* killed by a signal (crash, SIGKILL, OOM) */
	METRICS_NEXITS
};

/* ---- the master --------------------------------------------------------- */

/* Make the region for up to nworkers live workers counting app's routes
 * (the route table stays where it is: the health process, forked from the
 * master, reads its names). Called by server_master before it forks; a
 * second call (a new master in the same process: tests) replaces the
 * first. 0, or -1 when the region cannot be mapped (the server then runs
 * without metrics). */
int metrics_setup(const struct http_app *app, int nworkers);
/* The version string of flacon_build_info (not copied; static). */
void metrics_set_version(const char *version);
/* Before forking a process that runs app: a free slot's index, or -1
 * (no region, app is not the counted one — the health process — or none
 * free). */
int metrics_slot_claim(const struct http_app *app);
/* In the master after the fork: slot (from metrics_slot_claim, may be -1)
 * now belongs to pid; pid < 0 (fork failed) frees it. */
void metrics_slot_bind(int slot, pid_t pid);
/* In the child after the fork: count into slot (-1: count nothing). */
void metrics_slot_attach(int slot);
/* The master reaped pid with wait status: fold its slot's counts into the
 * master's totals, count the exit by cause and free the slot. Unknown
 * pids (the health process) are ignored. */
void metrics_child_exited(pid_t pid, int status);

/* ---- the worker's request path ------------------------------------------ */

/* A request of method (as received: "HEAD" is its own label) begins;
 * returns its start (CLOCK_MONOTONIC ns). */
uint64_t metrics_request_begin(const char *method);
/* The pipeline routed the request to route of app (NULL: unmatched). */
void metrics_request_route(const struct http_app *app, const struct http_route *route);
/* The request ended with status: counts it by route, method and status,
 * and its duration since start in the route's histogram. */
void metrics_request_end(int status, uint64_t start);
/* The worker leaves because it served server.max_requests. */
void metrics_worker_retiring(void);

/* ---- the reader (the health process) ------------------------------------ */

/* The database hosts by index ("host:port" or the socket path), for the
 * node labels; may be empty. */
struct metrics_nodes {
	const char *const *name;
	size_t n;
};

/* Append the Prometheus text exposition (version 0.0.4) of the region to
 * out. 0, or -1 (out of memory, or no region). */
int metrics_render_prometheus(struct buf *out, const struct metrics_nodes *nodes);

/* What /status shows of one live worker. */
struct metrics_worker {
	pid_t pid;
	bool busy;
	uint64_t requests;   /* answered since it started */
	const char *route;   /* the current request's route name (busy), else NULL */
	int64_t age_ms;      /* how long the current request has run (busy) */
	int64_t uptime_ms;   /* since the worker was forked */
	long db_node;        /* index in the host list, -1: not connected */
};

struct metrics_status {
	pid_t master;
	const char *version;
	int64_t uptime_ms;   /* since metrics_setup (the master's start) */
	int64_t started;     /* the master's start, Unix seconds */
	uint64_t requests;   /* every request counted, dead workers' too */
	uint64_t worker_starts;
	size_t nworkers;     /* filled entries of the caller's array */
};

/* Fill st and w[0..max) (the live workers, by slot). 0, or -1 when there
 * is no region (not under a master). */
int metrics_read_status(struct metrics_status *st, struct metrics_worker *w, size_t max);

/* Every metric family the exposition may carry, NULL-terminated (the
 * dashboard's test compares its expressions with it). */
extern const char *const metrics_families[];

#endif

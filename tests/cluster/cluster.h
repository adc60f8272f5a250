/* cluster.h — what the cluster: suite (SPEC 11) knows of the topology
 * scripts/cluster.sh brought up under $FLACON_CLUSTER_DIR: nginx over the
 * three hosts, each host on its own port, each Galera node over its socket,
 * the fault operations, a small cookie-jar client, and a load generator
 * that keeps every answer it got. */
#ifndef FLACON_CLUSTER_SUITE_H
#define FLACON_CLUSTER_SUITE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "http_client.h"
#include "test.h"

#define CT_HOSTS 3
#define CT_NODES 3
#define CT_PASSWORD "cluster horse battery"

/* ---- The topology ----------------------------------------------------- */

/* $FLACON_CLUSTER_DIR, where scripts/cluster.sh keeps the topology. */
const char *ct_dir(void);
/* A value of $FLACON_CLUSTER_DIR/cluster.env (CL_HTTP_PORT, CL_DB_URL...),
 * or "" when absent. The string lives as long as the process. */
const char *ct_env(const char *key);
/* nginx's port (its upstream holds the three hosts). */
int ct_nginx(void);
/* The port that reaches host h (1..3) alone. */
int ct_host(int h);
/* Run `scripts/cluster.sh CMD DIR [N]` (n 0: no N); its exit status.
 * Its output goes to the suite's stderr only when it fails. */
int ct_op(const char *cmd, int n);
/* The same for a command that answers a line (joined-by): its first line
 * into out. */
int ct_op_out(const char *cmd, int n, char *out, size_t len);
/* Start whatever node or host is down and wait until the cluster is whole
 * (three synced nodes, three hosts answering /healthz 200); true when it is. */
bool ct_heal(void);
/* Seconds since the suite started (monotonic). */
double ct_now(void);

/* ---- SQL on a node (root over its socket) ------------------------------- */

/* The first column of the first row of a query run on node n (1..3) with
 * wsrep_sync_wait = 1, so that it sees every write the cluster committed
 * before it; -1 on any error (printed) or no row. */
long long ct_sql_int(int node, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, as text into out; false on error or no row. */
bool ct_sql_str(int node, char *out, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Every value of the first column (integers), malloc'd into *ids; how
 * many, or -1 on error. */
long ct_sql_ids(int node, long long **ids, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Run a statement (no result); 0 or -1. */
int ct_sql_exec(int node, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- The client --------------------------------------------------------- */

struct ct_user {
	char name[40];
	char session[512]; /* the session cookie's value, "" when none */
	long long id;
};

/* One request to 127.0.0.1:port as u (NULL: anonymous). A POST, PUT or
 * DELETE carries Content-Type: application/json (and json as its body
 * when not NULL). The session cookie the answer sets (or deletes) is kept
 * in u. Returns the status, 0 when no HTTP answer came; r (may be NULL)
 * gets the answer, to be hc_free'd (also when 0). */
int ct_call(int port, struct ct_user *u, const char *method, const char *path, const char *json,
	    struct http_resp *r);
/* A fresh unique username (tag: a few letters). */
void ct_name(char *out, size_t n, const char *tag);
/* Register u->name (fresh when empty) through port; the status (201 logs
 * u in and sets u->id). */
int ct_register(int port, struct ct_user *u, const char *tag);
/* POST /api/login through port; the status. */
int ct_login(int port, struct ct_user *u);
/* POST /api/articles through port; the new id on 201, else -status (0 when
 * no answer). */
long long ct_article(int port, struct ct_user *u, const char *title, const char *content);
/* The integer member key of a JSON body, or fallback. */
long long ct_json_int(const struct http_resp *r, const char *key, long long fallback);
/* The host (1..3) nginx passed r to last (its X-Flacon-Upstream), 0 when
 * unknown. */
int ct_upstream_host(const struct http_resp *r);
/* `flacon createcourse NAME --capacity N` with the hosts' configuration;
 * the course id (read back on node 1), -1 on failure. */
long long ct_course(const char *name, int capacity);

/* ---- Load under faults ---------------------------------------------------- */

#define CT_MAX_FAILS 4096

/* Answers that were not what a healthy cluster gives: when (ct_now), what
 * status (0: no HTTP answer) and which request. */
struct ct_fail {
	double t;
	int status;
	char what[80];
};

/* Writers create articles (titles "<tag>-<writer>-<n>") and readers read
 * pages (a GET mix, logged in), all through port, until ct_load_stop, a
 * deadline or a request cap. Every acknowledged article (201) is kept. */
struct ct_load {
	int port;
	int writers, readers;
	double pause;    /* seconds each thread waits between requests */
	char tag[24];
	/* filled in */
	atomic_int stop;
	atomic_int requests, ok;
	pthread_mutex_t mu;
	long long *acked; /* ids of the 201s */
	long nacked, capacked;
	struct ct_fail fails[CT_MAX_FAILS];
	int nfails;
	int by_host[CT_HOSTS + 1]; /* answers per host (X-Flacon-Upstream), [0] unknown */
	pthread_t th[32];
	struct ct_user users[32];
	int nthreads;
};

/* Register the load's users (through port) and start its threads; false
 * when the users could not be registered. */
bool ct_load_start(struct ct_load *l);
/* Stop the threads and wait for them. */
void ct_load_stop(struct ct_load *l);
/* Failures other than a 503 (which says "try again"): a 500, a 502 from
 * nginx, no answer at all, or a wrong answer such as a 401 for a user who
 * is logged in. */
int ct_load_not_503(const struct ct_load *l);
/* Print the failures (at most max) on stderr. */
void ct_load_print_fails(const struct ct_load *l, int max);

/* Every article id of acked present exactly once with a title starting
 * "<tag>-", and no title of the tag twice, on node n; CHECKs it and
 * returns how many ids were missing. */
long ct_check_acked(int node, const char *tag, const long long *acked, long nacked);

#endif

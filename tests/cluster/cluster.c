/* cluster.c — helpers of the cluster: suite: the topology's ports and
 * operations (scripts/cluster.sh), SQL on each node, a cookie-jar client
 * and the load generator of the fault tests. */
#include "cluster.h"

#include <ctype.h>
#include <mysql.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

/* ---- The topology ----------------------------------------------------- */

const char *ct_dir(void)
{
	const char *d = getenv("FLACON_CLUSTER_DIR");
	return d && *d ? d : "/nonexistent";
}

#define MAX_ENV 64
static struct {
	char key[32];
	char *value;
} env[MAX_ENV];
static int nenv = -1;

static void env_load(void)
{
	nenv = 0;
	char path[600];
	snprintf(path, sizeof path, "%s/cluster.env", ct_dir());
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cluster: cannot read %s\n", path);
		return;
	}
	char line[1024];
	while (nenv < MAX_ENV && fgets(line, sizeof line, f)) {
		char *eq = strchr(line, '=');
		if (!eq || eq - line >= (long)sizeof env[0].key)
			continue;
		line[strcspn(line, "\n")] = '\0';
		memcpy(env[nenv].key, line, (size_t)(eq - line));
		env[nenv].key[eq - line] = '\0';
		env[nenv].value = strdup(eq + 1);
		nenv++;
	}
	fclose(f);
}

const char *ct_env(const char *key)
{
	if (nenv < 0)
		env_load();
	for (int i = 0; i < nenv; i++)
		if (!strcmp(env[i].key, key))
			return env[i].value;
	return "";
}

int ct_nginx(void)
{
	return atoi(ct_env("CL_HTTP_PORT"));
}

int ct_host(int h)
{
	char key[32];
	snprintf(key, sizeof key, "CL_HOST_PORT_%d", h);
	return atoi(ct_env(key));
}

static int shell(const char *cmd)
{
	char log[600], full[2048];
	snprintf(log, sizeof log, "%s/op.log", ct_dir());
	snprintf(full, sizeof full, "%s >'%s' 2>&1", cmd, log);
	int rc = system(full);
	if (rc != 0) {
		fprintf(stderr, "  [%s failed with status %d:]\n", cmd, rc);
		FILE *f = fopen(log, "r");
		char line[512];
		while (f && fgets(line, sizeof line, f))
			fprintf(stderr, "  | %s", line);
		if (f)
			fclose(f);
	}
	return rc;
}

int ct_op(const char *cmd, int n)
{
	char full[1024];
	if (n)
		snprintf(full, sizeof full, "scripts/cluster.sh %s '%s' %d", cmd, ct_dir(), n);
	else
		snprintf(full, sizeof full, "scripts/cluster.sh %s '%s'", cmd, ct_dir());
	return shell(full);
}

int ct_op_out(const char *cmd, int n, char *out, size_t len)
{
	char full[1024];
	snprintf(full, sizeof full, "scripts/cluster.sh %s '%s' %d 2>&1", cmd, ct_dir(), n);
	out[0] = '\0';
	FILE *p = popen(full, "r");
	if (!p)
		return -1;
	size_t got = fread(out, 1, len - 1, p);
	out[got] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return pclose(p);
}

bool ct_heal(void)
{
	return ct_op("heal", 0) == 0;
}

double ct_now(void)
{
	static double t0;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	double now = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
	if (t0 == 0)
		t0 = now;
	return now - t0;
}

/* ---- SQL ------------------------------------------------------------------ */

static MYSQL *node_connect(int node)
{
	char sock[600];
	snprintf(sock, sizeof sock, "%s/node%d/mysqld.sock", ct_dir(), node);
	struct passwd *pw = getpwuid(getuid());
	MYSQL *m = mysql_init(NULL);
	unsigned timeout = 10;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
	if (!mysql_real_connect(m, NULL, pw ? pw->pw_name : "root", NULL, "flacon", 0, sock, 0)) {
		fprintf(stderr, "  [node %d: %s]\n", node, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	if (mysql_query(m, "SET SESSION wsrep_sync_wait = 1")) {
		fprintf(stderr, "  [node %d: %s]\n", node, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

/* Run sql on node; the result (NULL on error or for a statement). */
static MYSQL_RES *node_query(int node, const char *sql, bool *ok)
{
	*ok = false;
	MYSQL *m = node_connect(node);
	if (!m)
		return NULL;
	MYSQL_RES *res = NULL;
	if (mysql_query(m, sql)) {
		fprintf(stderr, "  [node %d: %s: %s]\n", node, sql, mysql_error(m));
	} else {
		res = mysql_store_result(m);
		*ok = res || mysql_field_count(m) == 0;
	}
	mysql_close(m);
	return res;
}

long long ct_sql_int(int node, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	bool ok;
	MYSQL_RES *res = node_query(node, sql, &ok);
	long long v = -1;
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	if (row && row[0])
		v = atoll(row[0]);
	if (res)
		mysql_free_result(res);
	return v;
}

bool ct_sql_str(int node, char *out, size_t n, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	out[0] = '\0';
	bool ok;
	MYSQL_RES *res = node_query(node, sql, &ok);
	MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
	bool got = row && row[0];
	if (got)
		snprintf(out, n, "%s", row[0]);
	if (res)
		mysql_free_result(res);
	return got;
}

long ct_sql_ids(int node, long long **ids, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	*ids = NULL;
	bool ok;
	MYSQL_RES *res = node_query(node, sql, &ok);
	if (!res)
		return -1;
	long n = (long)mysql_num_rows(res);
	*ids = malloc(sizeof **ids * (size_t)(n + 1));
	long i = 0;
	for (MYSQL_ROW row; (row = mysql_fetch_row(res));)
		(*ids)[i++] = row[0] ? atoll(row[0]) : -1;
	mysql_free_result(res);
	return i;
}

int ct_sql_exec(int node, const char *fmt, ...)
{
	char sql[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	bool ok;
	MYSQL_RES *res = node_query(node, sql, &ok);
	if (res)
		mysql_free_result(res);
	return ok ? 0 : -1;
}

/* ---- The client --------------------------------------------------------- */

/* Keep (or drop) the session cookie a Set-Cookie of r sets. */
static void keep_session(struct ct_user *u, const struct http_resp *r)
{
	char line[2048];
	for (int k = 0; hc_header(r, "Set-Cookie", k, line, sizeof line); k++) {
		if (strncmp(line, "session=", 8))
			continue;
		const char *v = line + 8;
		size_t n = strcspn(v, ";");
		bool gone = n == 0 || strcasestr(line, "Max-Age=0") != NULL;
		if (gone || n >= sizeof u->session)
			u->session[0] = '\0';
		else {
			memcpy(u->session, v, n);
			u->session[n] = '\0';
		}
	}
}

int ct_call(int port, struct ct_user *u, const char *method, const char *path, const char *json,
	    struct http_resp *r)
{
	struct http_resp own;
	if (!r)
		r = &own;
	bool body = strcmp(method, "GET") && strcmp(method, "HEAD");
	size_t jl = json ? strlen(json) : 0;
	size_t cap = strlen(path) + jl + 1024;
	char *req = malloc(cap);
	int n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
			 method, path);
	if (u && u->session[0])
		n += snprintf(req + n, cap - (size_t)n, "Cookie: session=%s\r\n", u->session);
	if (body)
		n += snprintf(req + n, cap - (size_t)n,
			      "Content-Type: application/json\r\nContent-Length: %zu\r\n", jl);
	n += snprintf(req + n, cap - (size_t)n, "\r\n");
	if (jl) {
		memcpy(req + n, json, jl);
		n += (int)jl;
	}
	int rc = hc_raw(port, req, (size_t)n, r);
	free(req);
	int status = rc == 0 ? r->status : 0;
	if (rc != 0) {
		memset(r, 0, sizeof *r);
	} else if (u) {
		keep_session(u, r);
	}
	if (r == &own)
		hc_free(r);
	return status;
}

void ct_name(char *out, size_t n, const char *tag)
{
	static atomic_int seq;
	snprintf(out, n, "%s%d_%d", tag, (int)getpid() % 100000, atomic_fetch_add(&seq, 1));
}

long long ct_json_int(const struct http_resp *r, const char *key, long long fallback)
{
	if (!r->body)
		return fallback;
	json_object *o = json_tokener_parse(r->body), *v;
	long long out = fallback;
	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
		out = json_object_get_int64(v);
	json_object_put(o);
	return out;
}

static int auth_call(int port, struct ct_user *u, const char *path)
{
	char json[256];
	snprintf(json, sizeof json, "{\"username\":\"%s\",\"password\":\"%s\"}", u->name,
		 CT_PASSWORD);
	struct http_resp r;
	int s = ct_call(port, u, "POST", path, json, &r);
	if (s == 200 || s == 201)
		u->id = ct_json_int(&r, "id", -1);
	hc_free(&r);
	return s;
}

int ct_register(int port, struct ct_user *u, const char *tag)
{
	if (!u->name[0])
		ct_name(u->name, sizeof u->name, tag);
	return auth_call(port, u, "/api/register");
}

int ct_login(int port, struct ct_user *u)
{
	return auth_call(port, u, "/api/login");
}

long long ct_article(int port, struct ct_user *u, const char *title, const char *content)
{
	char json[512];
	snprintf(json, sizeof json, "{\"title\":\"%s\",\"content\":\"%s\"}", title, content);
	struct http_resp r;
	int s = ct_call(port, u, "POST", "/api/articles", json, &r);
	long long id = -(long long)s;
	if (s == 201) {
		char loc[256];
		const char *l = hc_header(&r, "Location", 0, loc, sizeof loc);
		const char *slash = l ? strrchr(l, '/') : NULL;
		id = slash && isdigit((unsigned char)slash[1]) ? atoll(slash + 1) : -201;
	}
	hc_free(&r);
	return id;
}

int ct_upstream_host(const struct http_resp *r)
{
	char v[1024];
	if (!hc_header(r, "X-Flacon-Upstream", 0, v, sizeof v))
		return 0;
	/* "unix:A, unix:B": the last one answered. */
	const char *last = strrchr(v, ',');
	last = last ? last : v;
	const char *h = strstr(last, "/host");
	return h && h[5] >= '1' && h[5] <= '0' + CT_HOSTS ? h[5] - '0' : 0;
}

long long ct_course(const char *name, int capacity)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "scripts/cluster.sh flacon '%s' createcourse '%s' --capacity %d --credits 3",
		 ct_dir(), name, capacity);
	if (shell(cmd) != 0)
		return -1;
	return ct_sql_int(1, "SELECT id FROM course WHERE cname = '%s'", name);
}

/* ---- Load --------------------------------------------------------------- */

#define LOAD_SECONDS 180.0 /* no load runs longer, whatever happens */
#define LOAD_CAP 20000     /* requests per thread at most */

struct thread_arg {
	struct ct_load *l;
	int k; /* the thread's number: writers first */
};

static void note(struct ct_load *l, const struct http_resp *r, int status, int want,
		 const char *what)
{
	pthread_mutex_lock(&l->mu);
	if (status)
		l->by_host[ct_upstream_host(r)]++;
	if (status != want && l->nfails < CT_MAX_FAILS) {
		struct ct_fail *f = &l->fails[l->nfails++];
		f->t = ct_now();
		f->status = status;
		/* No HTTP answer: what came instead, if anything. */
		if (!status)
			snprintf(f->what, sizeof f->what, "%s [%.30s]", what, r->head ? r->head : "no connection");
		else
			snprintf(f->what, sizeof f->what, "%s", what);
	}
	pthread_mutex_unlock(&l->mu);
	atomic_fetch_add(&l->requests, 1);
	if (status == want)
		atomic_fetch_add(&l->ok, 1);
}

static void *load_thread(void *p)
{
	struct thread_arg *a = p;
	struct ct_load *l = a->l;
	struct ct_user *u = &l->users[a->k];
	/* While the main thread runs a fault operation in system(), which
	 * blocks SIGCHLD there, the child's SIGCHLD would be given to this
	 * thread and cut its recv() short (EINTR under SO_RCVTIMEO): a failed
	 * request that no server caused. */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, NULL);
	bool writer = a->k < l->writers;
	double end = ct_now() + LOAD_SECONDS;
	static const char *const reads[] = {"/api/articles?page=1", "/articles", "/api/me",
					    "/healthz", "/api/courses"};
	for (int i = 0; i < LOAD_CAP && !atomic_load(&l->stop) && ct_now() < end; i++) {
		struct http_resp r;
		int s;
		if (writer) {
			char title[64], json[160];
			snprintf(title, sizeof title, "%s-%d-%d", l->tag, a->k, i);
			snprintf(json, sizeof json, "{\"title\":\"%s\",\"content\":\"load\"}", title);
			s = ct_call(l->port, u, "POST", "/api/articles", json, &r);
			char what[80];
			snprintf(what, sizeof what, "POST %s", title);
			note(l, &r, s, 201, what);
			if (s == 201) {
				char loc[256];
				const char *h = hc_header(&r, "Location", 0, loc, sizeof loc);
				const char *slash = h ? strrchr(h, '/') : NULL;
				pthread_mutex_lock(&l->mu);
				if (l->nacked == l->capacked) {
					l->capacked = l->capacked ? l->capacked * 2 : 1024;
					l->acked = realloc(l->acked, sizeof *l->acked * (size_t)l->capacked);
				}
				l->acked[l->nacked++] = slash ? atoll(slash + 1) : -1;
				pthread_mutex_unlock(&l->mu);
			}
		} else {
			const char *path = reads[(i + a->k) % (sizeof reads / sizeof reads[0])];
			s = ct_call(l->port, u, "GET", path, NULL, &r);
			char what[80];
			snprintf(what, sizeof what, "GET %s", path);
			note(l, &r, s, 200, what);
		}
		hc_free(&r);
		if (l->pause > 0)
			usleep((useconds_t)(l->pause * 1e6));
	}
	return NULL;
}

bool ct_load_start(struct ct_load *l)
{
	static struct thread_arg args[32];
	l->nthreads = l->writers + l->readers;
	if (l->nthreads > 32)
		return false;
	pthread_mutex_init(&l->mu, NULL);
	atomic_store(&l->stop, 0);
	for (int k = 0; k < l->nthreads; k++) {
		memset(&l->users[k], 0, sizeof l->users[k]);
		int s = ct_register(l->port, &l->users[k], "load");
		if (s != 201) {
			fprintf(stderr, "  [load: registering %s: %d]\n", l->users[k].name, s);
			return false;
		}
	}
	for (int k = 0; k < l->nthreads; k++) {
		args[k] = (struct thread_arg){l, k};
		pthread_create(&l->th[k], NULL, load_thread, &args[k]);
	}
	return true;
}

void ct_load_stop(struct ct_load *l)
{
	atomic_store(&l->stop, 1);
	for (int k = 0; k < l->nthreads; k++)
		pthread_join(l->th[k], NULL);
	l->nthreads = 0;
}

int ct_load_not_503(const struct ct_load *l)
{
	int n = 0;
	for (int i = 0; i < l->nfails; i++)
		n += l->fails[i].status != 503;
	return n;
}

void ct_load_print_fails(const struct ct_load *l, int max)
{
	for (int i = 0; i < l->nfails && i < max; i++)
		fprintf(stderr, "    %.2fs %d %s\n", l->fails[i].t, l->fails[i].status,
			l->fails[i].what);
	if (l->nfails > max)
		fprintf(stderr, "    ... %d more\n", l->nfails - max);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

long ct_check_acked(int node, const char *tag, const long long *acked, long nacked)
{
	long long *rows;
	long n = ct_sql_ids(node, &rows, "SELECT id FROM article WHERE title LIKE '%s-%%'", tag);
	CHECK_MSG(n >= 0, "node %d: the articles could not be read", node);
	if (n < 0)
		return nacked;
	qsort(rows, (size_t)n, sizeof *rows, cmp_ll);
	long missing = 0;
	for (long i = 0; i < nacked; i++)
		if (!bsearch(&acked[i], rows, (size_t)n, sizeof *rows, cmp_ll))
			missing++;
	free(rows);
	CHECK_MSG(missing == 0, "node %d: %ld of %ld acknowledged articles are missing", node, missing,
		  nacked);
	long long dup = ct_sql_int(node,
				   "SELECT COUNT(*) FROM (SELECT title FROM article WHERE title LIKE "
				   "'%s-%%' GROUP BY title HAVING COUNT(*) > 1) d",
				   tag);
	CHECK_MSG(dup == 0, "node %d: %lld titles were stored twice", node, dup);
	long long *sorted = malloc(sizeof *sorted * (size_t)(nacked + 1));
	memcpy(sorted, acked, sizeof *sorted * (size_t)nacked);
	qsort(sorted, (size_t)nacked, sizeof *sorted, cmp_ll);
	int same = 0;
	for (long i = 1; i < nacked; i++)
		same += sorted[i] == sorted[i - 1];
	free(sorted);
	CHECK_MSG(same == 0, "%d ids were acknowledged twice", same);
	return missing;
}

/* What SPEC 5-10 promise, on a healthy cluster with requests spread over
 * the three hosts (each host through its own port, so that the spreading
 * is exact): capacity exact under races, every acknowledged article
 * present exactly once and the total exact, click counts exact, and a read
 * on one host right after a write on another sees it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"

static int host_port(int k)
{
	return ct_host(k % CT_HOSTS + 1);
}

/* ---- Races for the last seats -------------------------------------------- */

#define ROUNDS 10
#define RACERS 30
#define SEATS 5

struct racer {
	struct ct_user u;
	int port;
	long long course;
	pthread_barrier_t *start;
	int status;
};

static void *register_one(void *p)
{
	struct racer *r = p;
	r->status = ct_register(r->port, &r->u, "race");
	return NULL;
}

static void *enroll_one(void *p)
{
	struct racer *r = p;
	char path[96];
	snprintf(path, sizeof path, "/api/courses/%lld/enrollment", r->course);
	pthread_barrier_wait(r->start);
	r->status = ct_call(r->port, &r->u, "PUT", path, NULL, NULL);
	return NULL;
}

TEST(test_ten_races_of_thirty_users_for_five_seats_spread_over_the_hosts)
{
	static struct racer rs[RACERS];
	pthread_t th[RACERS];
	for (int i = 0; i < RACERS; i++) {
		memset(&rs[i], 0, sizeof rs[i]);
		rs[i].port = host_port(i);
		pthread_create(&th[i], NULL, register_one, &rs[i]);
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < RACERS; i++)
		CHECK_MSG(rs[i].status == 201, "registering %s: %d", rs[i].u.name, rs[i].status);

	int won[ROUNDS], full[ROUNDS], err5[ROUNDS], other[ROUNDS];
	long long rows[ROUNDS][CT_NODES + 1], enrolled[ROUNDS][CT_NODES + 1];
	for (int round = 0; round < ROUNDS; round++) {
		char cname[40];
		ct_name(cname, sizeof cname, "Race");
		long long id = ct_course(cname, SEATS);
		CHECK_MSG(id > 0, "creating course %s", cname);
		pthread_barrier_t start;
		pthread_barrier_init(&start, NULL, RACERS);
		for (int i = 0; i < RACERS; i++) {
			/* Not the host the user registered on, and another each round. */
			rs[i].port = host_port(i + round + 1);
			rs[i].course = id;
			rs[i].start = &start;
			pthread_create(&th[i], NULL, enroll_one, &rs[i]);
		}
		for (int i = 0; i < RACERS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);
		won[round] = full[round] = err5[round] = other[round] = 0;
		for (int i = 0; i < RACERS; i++) {
			int s = rs[i].status;
			if (s == 201)
				won[round]++;
			else if (s == 409)
				full[round]++;
			else if (s >= 500 || s == 0)
				err5[round]++;
			else
				other[round]++;
		}
		for (int n = 1; n <= CT_NODES; n++) {
			rows[round][n] = ct_sql_int(n, "SELECT COUNT(*) FROM student_course WHERE cou_id = %lld", id);
			enrolled[round][n] = ct_sql_int(n, "SELECT enrolled FROM course WHERE id = %lld", id);
		}
	}
	printf("cluster figures: %d races of %d users for %d seats, enrolled (rows on node 1) per round:",
	       ROUNDS, RACERS, SEATS);
	for (int round = 0; round < ROUNDS; round++)
		printf(" %lld", rows[round][1]);
	int total5 = 0, totalother = 0;
	for (int round = 0; round < ROUNDS; round++)
		total5 += err5[round], totalother += other[round];
	printf("; 5xx %d, other %d\n", total5, totalother);
	for (int round = 0; round < ROUNDS; round++) {
		CHECK_MSG(won[round] == SEATS && full[round] == RACERS - SEATS,
			  "round %d: %d got a seat (201), %d course_full (409), %d 5xx, %d other", round,
			  won[round], full[round], err5[round], other[round]);
		for (int n = 1; n <= CT_NODES; n++)
			CHECK_MSG(rows[round][n] == SEATS && enrolled[round][n] == SEATS,
				  "round %d, node %d: %lld rows, course.enrolled %lld", round, n,
				  rows[round][n], enrolled[round][n]);
	}
}

/* ---- Articles from twelve writers ---------------------------------------- */

#define WRITERS 12
#define PER_WRITER 40
#define DELETES 3

struct writer {
	struct ct_user u;
	int k;
	char tag[24];
	long long ids[PER_WRITER];
	int status[PER_WRITER];
	int del_status[DELETES];
};

static void *write_articles(void *p)
{
	struct writer *w = p;
	for (int j = 0; j < PER_WRITER; j++) {
		char title[64];
		snprintf(title, sizeof title, "%s-%d-%d", w->tag, w->k, j);
		long long id = ct_article(host_port(w->k + j), &w->u, title, "spread over the hosts");
		w->ids[j] = id > 0 ? id : -1;
		w->status[j] = id > 0 ? 201 : (int)-id;
	}
	/* A few logical deletes, through yet other hosts. */
	for (int d = 0; d < DELETES; d++) {
		w->del_status[d] = -1;
		if (w->ids[d * 7] <= 0)
			continue;
		char path[64];
		snprintf(path, sizeof path, "/api/articles/%lld", w->ids[d * 7]);
		w->del_status[d] = ct_call(host_port(w->k + d + 2), &w->u, "DELETE", path, NULL, NULL);
	}
	return NULL;
}

TEST(test_twelve_writers_of_forty_articles_spread_over_the_hosts)
{
	static struct writer ws[WRITERS];
	char tag[24];
	ct_name(tag, sizeof tag, "art");
	for (int k = 0; k < WRITERS; k++) {
		memset(&ws[k], 0, sizeof ws[k]);
		ws[k].k = k;
		snprintf(ws[k].tag, sizeof ws[k].tag, "%s", tag);
		CHECK_INT(ct_register(host_port(k), &ws[k].u, "writer"), 201);
	}
	pthread_t th[WRITERS];
	for (int k = 0; k < WRITERS; k++)
		pthread_create(&th[k], NULL, write_articles, &ws[k]);
	for (int k = 0; k < WRITERS; k++)
		pthread_join(th[k], NULL);

	long long acked[WRITERS * PER_WRITER];
	long nacked = 0;
	int created = 0, err5 = 0, other = 0, deleted = 0, del_bad = 0;
	for (int k = 0; k < WRITERS; k++) {
		for (int j = 0; j < PER_WRITER; j++) {
			int s = ws[k].status[j];
			if (s == 201) {
				created++;
				acked[nacked++] = ws[k].ids[j];
			} else if (s >= 500 || s == 0) {
				err5++;
			} else {
				other++;
			}
		}
		for (int d = 0; d < DELETES; d++) {
			if (ws[k].del_status[d] == 204)
				deleted++;
			else
				del_bad++;
		}
	}
	printf("cluster figures: %d x %d article creations over the hosts: %d x 201, %d x 5xx, %d other; "
	       "%d of %d deletes 204\n",
	       WRITERS, PER_WRITER, created, err5, other, deleted, WRITERS * DELETES);
	CHECK_MSG(err5 == 0, "%d article creations answered 5xx", err5);
	CHECK_MSG(created == WRITERS * PER_WRITER, "%d of %d creations answered 201", created,
		  WRITERS * PER_WRITER);
	CHECK_MSG(del_bad == 0, "%d deletes were not 204", del_bad);
	for (int n = 1; n <= CT_NODES; n++) {
		ct_check_acked(n, tag, acked, nacked);
		CHECK_INT(ct_sql_int(n, "SELECT COUNT(*) FROM article WHERE title LIKE '%s-%%' AND isdelete",
				     tag),
			  deleted);
	}
	/* The total every host shows is the number of visible rows. */
	long long visible = ct_sql_int(1, "SELECT COUNT(*) FROM article WHERE NOT isdelete");
	for (int h = 1; h <= CT_HOSTS; h++) {
		struct http_resp r;
		int s = ct_call(ct_host(h), NULL, "GET", "/api/articles?per_page=1", NULL, &r);
		long long total = ct_json_int(&r, "total", -1);
		hc_free(&r);
		CHECK_INT(s, 200);
		CHECK_MSG(total == visible, "host %d: total %lld, visible rows %lld", h, total, visible);
	}
}

/* ---- Clicks from every host -------------------------------------------- */

#define CLICKERS 12
#define CLICKS 50

struct clicker {
	int k;
	long long article;
	int ok, err5, other;
};

static void *click(void *p)
{
	struct clicker *c = p;
	char path[64];
	snprintf(path, sizeof path, "/articles/%lld", c->article);
	for (int i = 0; i < CLICKS; i++) {
		int s = ct_call(host_port(c->k + i), NULL, "GET", path, NULL, NULL);
		if (s == 200)
			c->ok++;
		else if (s >= 500 || s == 0)
			c->err5++;
		else
			c->other++;
	}
	return NULL;
}

TEST(test_six_hundred_clicks_from_every_host_all_count)
{
	struct ct_user u = {0};
	CHECK_INT(ct_register(ct_host(1), &u, "clicks"), 201);
	long long id = ct_article(ct_host(2), &u, "click me", "from every host");
	CHECK(id > 0);
	if (id <= 0)
		return;
	long long before = ct_sql_int(1, "SELECT click_num FROM article WHERE id = %lld", id);
	static struct clicker cs[CLICKERS];
	pthread_t th[CLICKERS];
	for (int k = 0; k < CLICKERS; k++) {
		cs[k] = (struct clicker){.k = k, .article = id};
		pthread_create(&th[k], NULL, click, &cs[k]);
	}
	int ok = 0, err5 = 0, other = 0;
	for (int k = 0; k < CLICKERS; k++) {
		pthread_join(th[k], NULL);
		ok += cs[k].ok, err5 += cs[k].err5, other += cs[k].other;
	}
	/* Views are written in batches (SPEC 7: visible to every reader
	 * within a second): each node is read until it shows them all, for
	 * up to two seconds. */
	long long after[CT_NODES + 1];
	for (int n = 1; n <= CT_NODES; n++) {
		for (int k = 0; k < 40; k++) {
			after[n] = ct_sql_int(n, "SELECT click_num FROM article WHERE id = %lld", id);
			if (after[n] - before == ok)
				break;
			usleep(50 * 1000);
		}
	}
	printf("cluster figures: %d clicks over the hosts: %d x 200, %d x 5xx, %d other; click_num +%lld\n",
	       CLICKERS * CLICKS, ok, err5, other, after[1] - before);
	CHECK_MSG(err5 == 0 && other == 0, "%d x 5xx, %d other", err5, other);
	for (int n = 1; n <= CT_NODES; n++)
		CHECK_MSG(after[n] - before == ok, "node %d: click_num grew by %lld for %d x 200", n,
			  after[n] - before, ok);
}

/* ---- Read your writes across hosts ---------------------------------------- */

#define PAIR_THREADS 10
#define PAIRS 30

struct pairer {
	int k;
	struct ct_user u;
	int stale, errors, done;
	char first[160];
};

static void *write_then_read(void *p)
{
	struct pairer *q = p;
	for (int i = 0; i < PAIRS; i++) {
		int a = (q->k + i) % CT_HOSTS + 1, b = a % CT_HOSTS + 1;
		struct http_resp r;
		int s;
		if (i % 2 == 0) {
			/* Create on host a, read it on host b at once. */
			char title[64];
			snprintf(title, sizeof title, "ryw %s %d", q->u.name, i);
			long long id = ct_article(ct_host(a), &q->u, title, "read your writes");
			if (id <= 0) {
				q->errors++;
				continue;
			}
			char path[64];
			snprintf(path, sizeof path, "/api/articles/%lld", id);
			s = ct_call(ct_host(b), &q->u, "GET", path, NULL, &r);
			bool same = s == 200 && strstr(r.body, title);
			if (s == 404 || (s == 200 && !same)) {
				q->stale++;
				if (!q->first[0])
					snprintf(q->first, sizeof q->first, "article %lld made on host %d: %d on host %d", id, a, s, b);
			} else if (s != 200) {
				q->errors++;
			}
			hc_free(&r);
		} else {
			/* Log in on host a (a new session row), use it on host b. */
			s = ct_login(ct_host(a), &q->u);
			if (s != 200) {
				q->errors++;
				continue;
			}
			s = ct_call(ct_host(b), &q->u, "GET", "/api/me", NULL, &r);
			if (s == 401) {
				q->stale++;
				if (!q->first[0])
					snprintf(q->first, sizeof q->first, "login on host %d: /api/me 401 on host %d", a, b);
			} else if (s != 200) {
				q->errors++;
			}
			hc_free(&r);
		}
		q->done++;
	}
	return NULL;
}

TEST(test_a_write_on_one_host_is_read_at_once_on_another)
{
	static struct pairer qs[PAIR_THREADS];
	pthread_t th[PAIR_THREADS];
	for (int k = 0; k < PAIR_THREADS; k++) {
		memset(&qs[k], 0, sizeof qs[k]);
		qs[k].k = k;
		CHECK_INT(ct_register(host_port(k), &qs[k].u, "ryw"), 201);
	}
	for (int k = 0; k < PAIR_THREADS; k++)
		pthread_create(&th[k], NULL, write_then_read, &qs[k]);
	int stale = 0, errors = 0, done = 0;
	const char *first = NULL;
	for (int k = 0; k < PAIR_THREADS; k++) {
		pthread_join(th[k], NULL);
		stale += qs[k].stale, errors += qs[k].errors, done += qs[k].done;
		if (!first && qs[k].first[0])
			first = qs[k].first;
	}
	printf("cluster figures: %d writes on one host read at once on another: %d stale, %d errors\n",
	       PAIR_THREADS * PAIRS, stale, errors);
	CHECK_MSG(stale == 0, "%d of %d reads were stale (first: %s)", stale, done, first ? first : "");
	CHECK_MSG(errors == 0, "%d writes or reads failed", errors);
}

static int login_status(int port, const char *name, const char *password)
{
	char body[256];
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", name, password);
	struct http_resp r;
	int s = ct_call(port, NULL, "POST", "/api/login", body, &r);
	hc_free(&r);
	return s;
}

/* SPEC 10: login throttling is shared by every worker of every host (the
 * failures are rows in the cluster): five wrong passwords spread over the
 * three hosts, and the account gets 429 on each of them, the right
 * password included. */
TEST(test_failed_logins_on_three_hosts_throttle_the_account_on_all)
{
	struct ct_user u;
	memset(&u, 0, sizeof u);
	CHECK_INT(ct_register(ct_host(1), &u, "thr"), 201);
	static const int spread[] = {1, 2, 3, 1, 2};
	for (int i = 0; i < 5; i++)
		CHECK_MSG(login_status(ct_host(spread[i]), u.name, "wrong password!") == 401,
			  "failure %d on host %d", i + 1, spread[i]);
	for (int h = 1; h <= CT_HOSTS; h++) {
		CHECK_MSG(login_status(ct_host(h), u.name, "wrong password!") == 429,
			  "host %d: a 6th wrong password not throttled", h);
		CHECK_MSG(login_status(ct_host(h), u.name, CT_PASSWORD) == 429,
			  "host %d: the right password got through the throttle", h);
	}
	CHECK_INT(ct_sql_int(2, "SELECT COUNT(*) FROM login_failure WHERE kind = 1 AND ident = '%s'",
			     u.name), 5);
}

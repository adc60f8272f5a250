/* Sessions across the hosts of the cluster (SPEC 6, issue 22): each host
 * reads logged-in sessions from its own session cache, so a logout made
 * elsewhere is seen within session.cache_ttl_ms (1 s), never later. The
 * three hosts of this topology run on one machine and so share one cache
 * (the same database): a logout through one of them is seen by the others
 * at once. The logout of a host that shares nothing with them — its DELETE
 * of the row through another Galera node — is what holds the bound. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cluster.h"

/* GET /articles/new on host h with exactly the session value: 200 logged
 * in, 303 to /login when not (the refused cookie the answer deletes is
 * put back for the next request). */
static int page_on(int h, struct ct_user *u, const char *session)
{
	snprintf(u->session, sizeof u->session, "%s", session);
	struct http_resp r;
	int s = ct_call(ct_host(h), u, "GET", "/articles/new", NULL, &r);
	hc_free(&r);
	return s;
}

static void sleep_until(double t)
{
	double wait = t - ct_now();
	if (wait <= 0)
		return;
	long long ns = (long long)(wait * 1e9) + 1000000;
	struct timespec nap = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	nanosleep(&nap, NULL);
}

TEST(test_a_logout_elsewhere_is_refused_on_every_host_within_a_second)
{
	CHECK_MSG(ct_heal(), "the cluster is not whole before the test");
	struct ct_user u;
	memset(&u, 0, sizeof u);
	CHECK_INT(ct_register(ct_host(1), &u, "sess"), 201);
	char session[sizeof u.session];
	snprintf(session, sizeof session, "%s", u.session);
	REQUIRE(session[0]);
	/* In every host's cache. */
	for (int i = 0; i < 3; i++)
		for (int h = 1; h <= CT_HOSTS; h++)
			CHECK_INT(page_on(h, &u, session), 200);
	/* Another host's logout: its DELETE, on another node. */
	double t0 = ct_now();
	CHECK_INT(ct_sql_exec(3, "DELETE FROM `session` WHERE `user_id` = %lld", u.id), 0);
	/* Every host read its copy before t0: a request that starts a second
	 * after t0 or later is refused everywhere. */
	sleep_until(t0 + 1.0);
	for (int i = 0; i < 3; i++)
		for (int h = 1; h <= CT_HOSTS; h++) {
			int s = page_on(h, &u, session);
			CHECK_MSG(s == 303, "host %d answered %d a second after the logout elsewhere", h, s);
		}

	/* A logout through host 1: the other hosts within the same second
	 * (here at once: they share host 1's cache). */
	memset(&u, 0, sizeof u);
	CHECK_INT(ct_register(ct_host(1), &u, "sess"), 201);
	snprintf(session, sizeof session, "%s", u.session);
	REQUIRE(session[0]);
	for (int h = 1; h <= CT_HOSTS; h++)
		CHECK_INT(page_on(h, &u, session), 200);
	t0 = ct_now();
	CHECK_INT(ct_call(ct_host(1), &u, "POST", "/api/logout", NULL, NULL), 204);
	sleep_until(t0 + 1.0);
	for (int h = 1; h <= CT_HOSTS; h++) {
		int s = page_on(h, &u, session);
		CHECK_MSG(s == 303, "host %d answered %d a second after the logout on host 1", h, s);
	}
out:
	return;
}

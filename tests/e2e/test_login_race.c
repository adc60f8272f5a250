/* End-to-end: login throttling holds under parallel attempts (SPEC 10).
 * Each attempt reserves its place before any hash, atomically, so of many
 * wrong logins sent at once for one account — or from one address — at
 * most the limit are answered 401 and hashed; the rest get 429. Before the
 * reservation, 30 parallel tries for one account were hashed 6 times for a
 * limit of 5. Each test speaks from its own loopback address (127.0.15.x),
 * so that its failures count against nobody else. The stack runs with the
 * defaults: 5 failures per account, 50 per address. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "test.h"

#define ACCOUNT_FAILURES 5
#define ADDRESS_FAILURES 50

struct attempt {
	pthread_barrier_t *start;
	char name[33];
	const char *password;
	int status;
	char retry_after[16];
};

static void *attempt_login(void *p)
{
	struct attempt *a = p;
	char body[256];
	snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", a->name, a->password);
	pthread_barrier_wait(a->start);
	struct http_resp r;
	a->status = cl_request("POST", "/api/login", "Content-Type: application/json\r\n", body,
			       strlen(body), &r) == 0
			    ? r.status
			    : -1;
	snprintf(a->retry_after, sizeof a->retry_after, "%s", cl_header(&r, "Retry-After"));
	hc_free(&r);
	return NULL;
}

/* Send n logins at once from addr (names[i], password); count 401 and 429
 * answers. Every 429 must carry a Retry-After. */
static void race(const char *addr, int n, struct attempt *as, const char *password, int *unauthorized,
		 int *throttled)
{
	pthread_t th[n];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, (unsigned)n);
	hc_set_source(addr);
	for (int i = 0; i < n; i++) {
		as[i].start = &start;
		as[i].password = password;
		pthread_create(&th[i], NULL, attempt_login, &as[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	hc_set_source(NULL);
	pthread_barrier_destroy(&start);
	*unauthorized = *throttled = 0;
	for (int i = 0; i < n; i++) {
		if (as[i].status == 401) {
			++*unauthorized;
		} else if (as[i].status == 429) {
			++*throttled;
			CHECK_MSG(as[i].retry_after[0] >= '1' && as[i].retry_after[0] <= '9',
				  "429 with Retry-After '%s'", as[i].retry_after);
		} else {
			CHECK_MSG(false, "attempt %d: status %d", i, as[i].status);
		}
	}
}

TEST(test_thirty_parallel_wrong_logins_for_one_account_get_at_most_five_401)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "race");
	enum { N = 30 };
	struct attempt as[N];
	memset(as, 0, sizeof as);
	for (int i = 0; i < N; i++)
		snprintf(as[i].name, sizeof as[i].name, "%s", name);
	int unauthorized, throttled;
	race("127.0.15.1", N, as, "wrong password!", &unauthorized, &throttled);
	printf("e2e figures: %d parallel wrong logins for one account: %d × 401, %d × 429\n", N,
	       unauthorized, throttled);
	CHECK_MSG(unauthorized <= ACCOUNT_FAILURES, "%d wrong logins were hashed (401) for a limit of %d",
		  unauthorized, ACCOUNT_FAILURES);
	CHECK_MSG(unauthorized >= 1, "no attempt got through at all");
	CHECK_INT(unauthorized + throttled, N);
	/* The account is throttled now, the right password included. */
	struct attempt right[1];
	memset(right, 0, sizeof right);
	snprintf(right[0].name, sizeof right[0].name, "%s", name);
	race("127.0.15.2", 1, right, CL_PASSWORD, &unauthorized, &throttled);
	CHECK_INT(right[0].status, 429);
}

TEST(test_sixty_parallel_wrong_logins_from_one_address_get_at_most_fifty_401)
{
	enum { N = 60 };
	static struct attempt as[N];
	memset(as, 0, sizeof as);
	/* Sixty names, none of which reaches its own limit. */
	for (int i = 0; i < N; i++)
		cl_unique_name(as[i].name, "spray");
	int unauthorized, throttled;
	race("127.0.15.3", N, as, "wrong password!", &unauthorized, &throttled);
	printf("e2e figures: %d parallel wrong logins from one address: %d × 401, %d × 429\n", N,
	       unauthorized, throttled);
	CHECK_MSG(unauthorized <= ADDRESS_FAILURES, "%d wrong logins were hashed (401) for a limit of %d",
		  unauthorized, ADDRESS_FAILURES);
	CHECK_MSG(unauthorized >= 1, "no attempt got through at all");
	CHECK_INT(unauthorized + throttled, N);
}

/* End-to-end tests of GET /users/NAME (SPEC section 7) and of a user
 * deleted with `flacon deleteuser` (SPEC section 5): 404 pages, failed
 * logins, the name stays taken, the sessions are gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "test.h"

static int status_of(struct browser *b, const char *path)
{
	struct http_resp r;
	br_get(b, path, &r);
	int s = r.status;
	hc_free(&r);
	return s;
}

TEST(test_user_page_shows_the_user_and_their_articles_newest_first)
{
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char na[33], nb[33];
	cl_new_user(&a, na, "upage");
	cl_new_user(&b, nb, "uother");
	char mine[3][64], theirs[64];
	for (int i = 0; i < 3; i++) {
		snprintf(mine[i], sizeof mine[i], "By %s number %d", na, i);
		cl_api_article(&a, mine[i], "x");
	}
	snprintf(theirs, sizeof theirs, "By %s only", nb);
	cl_api_article(&b, theirs, "x");
	char path[96];
	snprintf(path, sizeof path, "/users/%s", na);
	struct http_resp r;
	cl_get(path, &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	CHECK(strstr(r.body, na) != NULL);
	CHECK(strstr(r.body, theirs) == NULL);
	const char *p2 = strstr(r.body, mine[2]), *p1 = strstr(r.body, mine[1]),
		   *p0 = strstr(r.body, mine[0]);
	CHECK_MSG(p0 && p1 && p2 && p2 < p1 && p1 < p0, "articles missing or not newest first");
	hc_free(&r);
}

TEST(test_user_page_of_unknown_user_is_404)
{
	struct browser b;
	br_init(&b);
	char name[33], real[96];
	cl_new_user(&b, name, "up404");
	snprintf(real, sizeof real, "/users/%s", name);
	CHECK_INT(status_of(&b, real), 200);
	struct http_resp r;
	cl_get("/users/nobody_by_that_name", &r);
	CHECK_MSG(r.status == 404 && cl_is_html(&r), "%d", r.status);
	hc_free(&r);
}

TEST(test_deleted_user_is_gone_everywhere_but_the_name_stays_taken)
{
	struct browser a, fresh;
	br_init(&a);
	br_init(&fresh);
	char name[33];
	cl_new_user(&a, name, "udel");
	long long id = cl_api_article(&a, "Written before deletion", "x");
	char page[96], api_list[128], art[64], api_art[64], args[96];
	snprintf(page, sizeof page, "/users/%s", name);
	snprintf(api_list, sizeof api_list, "/api/users/%s/articles", name);
	snprintf(art, sizeof art, "/articles/%lld", id);
	snprintf(api_art, sizeof api_art, "/api/articles/%lld", id);
	CHECK_INT(status_of(&fresh, page), 200);
	/* The newest article: on the first page of the list until the
	 * deletion. */
	struct http_resp l;
	cl_get("/articles", &l);
	CHECK_STATUS(l, 200);
	CHECK(strstr(l.body, "Written before deletion") != NULL);
	hc_free(&l);

	snprintf(args, sizeof args, "deleteuser '%s'", name);
	CHECK_INT(cl_flacon(args), 0);

	CHECK_INT(status_of(&fresh, page), 404);
	CHECK_INT(status_of(&fresh, api_list), 404);
	CHECK_INT(status_of(&fresh, art), 404);
	CHECK_INT(status_of(&fresh, api_art), 404);
	/* Their sessions went with them: the API refuses, the pages treat the
	 * browser as a visitor (log-in link, no name, login required again). */
	CHECK_INT(status_of(&a, "/api/me"), 401);
	struct http_resp h;
	br_get(&a, "/", &h);
	CHECK_STATUS(h, 200);
	CHECK(strstr(h.body, "href=\"/login\"") != NULL);
	CHECK(strstr(h.body, page) == NULL);
	hc_free(&h);
	CHECK_INT(status_of(&a, "/me/courses"), 303);
	CHECK_INT(status_of(&a, "/articles/new"), 303);
	/* Login fails, in the API and in the form. */
	CHECK_INT(cl_api_login(&fresh, name, CL_PASSWORD, NULL), 401);
	struct http_resp r;
	cl_html_login(&fresh, name, CL_PASSWORD, NULL, NULL, &r);
	CHECK_STATUS(r, 422);
	hc_free(&r);
	/* The name stays taken. */
	CHECK_INT(cl_api_register(&fresh, name, CL_PASSWORD), 409);
	/* And their article left the lists. */
	cl_get("/articles", &l);
	CHECK_STATUS(l, 200);
	CHECK(strstr(l.body, "Written before deletion") == NULL);
	hc_free(&l);
}

TEST(test_user_page_runs_a_constant_number_of_queries)
{
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char na[33], nb[33];
	cl_new_user(&a, na, "uq1");
	cl_new_user(&b, nb, "uq8");
	cl_api_article(&a, "Only one", "x");
	for (int i = 0; i < 8; i++)
		cl_api_article(&b, "One of eight", "x");
	char pa[96], pb[96];
	snprintf(pa, sizeof pa, "/users/%s", na);
	snprintf(pb, sizeof pb, "/users/%s", nb);
	struct browser anon;
	br_init(&anon);
	struct http_resp ra, rb;
	br_get(&anon, pa, &ra);
	br_get(&anon, pb, &rb);
	CHECK_STATUS(ra, 200);
	CHECK_STATUS(rb, 200);
	int qa = cl_queries(&ra), qb = cl_queries(&rb);
	CHECK_MSG(qa > 0 && qa == qb, "1 article: %d queries, 8 articles: %d", qa, qb);
	hc_free(&ra);
	hc_free(&rb);
}

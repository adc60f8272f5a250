/* test_pages_render.c — the pages rendered from the ORM's objects: the
 * statements each read page costs beyond the session (the course list
 * with the student's selection in two), and the pages of a data set like
 * the benchmark's (a logged-in student, a page of 20 articles, 200 courses
 * of which three are selected) with the CPU time per request of /articles
 * and /courses on the in-process client (handler, template and database
 * client; no nginx, no FastCGI), printed for the record. With
 * FLACON_PAGES_DIR set, each page's body is also written there (CSRF
 * tokens blanked) to compare two builds byte for byte; FLACON_RENDER_N
 * sets the number of timed requests per page (default 300). On a busy
 * machine CPU time is noisy: instructions under callgrind are not
 * (timed_articles / timed_courses / timed_articles_anonymous, inclusive). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "site_client.h"

/* The body with every csrf_token value blanked, written to dir/file. */
static void save(const char *dir, const char *file, const struct flacon_response *r)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	CHECK_MSG(f != NULL, "cannot write %s", path);
	if (!f)
		return;
	const char *p = r->body, *end = r->body + r->body_len;
	const char *key = "name=\"csrf_token\" value=\"";
	while (p < end) {
		const char *k = strstr(p, key);
		if (!k) {
			fwrite(p, 1, (size_t)(end - p), f);
			break;
		}
		k += strlen(key);
		fwrite(p, 1, (size_t)(k - p), f);
		p = strchr(k, '"');
		if (!p)
			break;
	}
	fclose(f);
}

static double cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
}

/* CPU microseconds per GET path, over n requests (all 200). Not inlined,
 * nor its two callers below: under valgrind --tool=callgrind their
 * inclusive costs are the instructions of each page's requests. */
__attribute__((noinline)) static double per_request(const char *path, int n)
{
	int bad = 0;
	double t0 = cpu_us();
	for (int i = 0; i < n; i++)
		bad += sc_get(path)->status != 200;
	double t = (cpu_us() - t0) / n;
	CHECK_MSG(bad == 0, "%s: %d of %d answers were not 200", path, bad, n);
	return t;
}

__attribute__((noinline, noipa)) static double timed_articles(int n)
{
	return per_request("/articles", n);
}

__attribute__((noinline, noipa)) static double timed_courses(int n)
{
	return per_request("/courses", n);
}

/* /articles as a visitor with no cookie (make bench's "GET /articles"). */
__attribute__((noinline, noipa)) static double timed_articles_anonymous(int n)
{
	return per_request("/articles", n);
}

TEST(test_pages_of_a_benchmark_like_data_set_render_and_their_cpu_per_request)
{
	char name[33], sql[256], path[128];
	long long uid = sc_new_user(name, "cpu");
	REQUIRE(uid > 0);
	long long first = 0, last = 0;
	for (int i = 0; i < 25; i++) {
		char title[64];
		snprintf(title, sizeof title, "Article <%d> & \"more\"", i);
		last = sc_new_article(title, "Body\nwith <b>tags</b> & lines");
		REQUIRE(last > 0);
		if (!first)
			first = last;
	}
	/* Fixed dates: pages of two runs compare byte for byte. */
	snprintf(sql, sizeof sql,
		 "UPDATE article SET pdatetime = '2024-01-02 03:04:05' + INTERVAL (id - %lld) HOUR, "
		 "click_num = id - %lld WHERE user_id = %lld", first, first, uid);
	sc_scalar(sql);
	snprintf(sql, sizeof sql, "UPDATE user SET rdatetime = '2023-12-31 23:59:59' WHERE id = %lld", uid);
	sc_scalar(sql);
	long long courses[200]; /* as make bench has */
	for (int i = 0; i < 200; i++) {
		courses[i] = sc_new_course("Cpu course", 1 + i % 5, i == 7 ? 1 : 30);
		REQUIRE(courses[i] > 0);
	}
	const char *tok = sc_csrf("/courses", "/courses");
	REQUIRE(tok != NULL);
	char tokc[128];
	snprintf(tokc, sizeof tokc, "%s", tok);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "/courses/%lld/select", courses[i * 3]);
		CHECK_STATUS(flacon_client_post_form(sc(), path, "csrf_token", tokc, NULL), 303);
	}

	const char *dir = getenv("FLACON_PAGES_DIR");
	struct {
		const char *file;
		char path[128];
	} pages[] = {
		{"home", "/"},
		{"articles", "/articles?per_page=20"},
		{"articles-p2", "/articles?page=2&per_page=10"},
		{"article", ""},
		{"article-delete", ""},
		{"user", ""},
		{"courses", "/courses"},
		{"course", ""},
		{"me-courses", "/me/courses"},
		{"article-new", "/articles/new"},
	};
	snprintf(pages[3].path, sizeof pages[3].path, "/articles/%lld", last);
	snprintf(pages[4].path, sizeof pages[4].path, "/articles/%lld/confirm-delete", last);
	snprintf(pages[5].path, sizeof pages[5].path, "/users/%s", name);
	snprintf(pages[7].path, sizeof pages[7].path, "/courses/%lld", courses[0]);
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		const struct flacon_response *r = sc_get(pages[i].path);
		CHECK_STATUS(r, 200);
		if (dir)
			save(dir, pages[i].file, r);
	}
	const struct flacon_response *r = sc_get("/articles");
	CHECK_HAS(r, "Article &lt;24&gt; &amp; &quot;more&quot;");
	CHECK_HAS(r, "datetime=\"2024-01-03T03:04:05Z\">3 Jan 2024, 03:04 UTC</time>");
	CHECK_HAS(r, "· 25 views</span>"); /* 24 and the article page's own click */
	CHECK_HAS(r, "· 23 views</span>");
	r = sc_get("/courses");
	CHECK_MSG(sc_count(r, "class=\"selected\"") == 3, "three selected rows");
	sc_visitor();
	r = sc_get("/courses");
	CHECK_STATUS(r, 200);
	if (dir)
		save(dir, "courses-anonymous", r);
	r = sc_get("/articles");
	if (dir)
		save(dir, "articles-anonymous", r);
	r = sc_get("/login?next=/courses");
	CHECK_STATUS(r, 200);
	if (dir)
		save(dir, "login", r);
	r = sc_get("/register");
	CHECK_STATUS(r, 200);
	if (dir)
		save(dir, "register", r);
	tok = sc_csrf("/register", "/register");
	REQUIRE(tok != NULL);
	snprintf(tokc, sizeof tokc, "%s", tok);
	r = flacon_client_post_form(sc(), "/register", "csrf_token", tokc, "username", "x y", "password", "short", NULL);
	CHECK_STATUS(r, 422);
	if (dir)
		save(dir, "register-422", r);

	/* The timing, logged in again. */
	const struct flacon_response *lr = sc_login_form(name, SC_PASSWORD, NULL, NULL);
	CHECK_STATUS(lr, 303);
	int n = getenv("FLACON_RENDER_N") ? atoi(getenv("FLACON_RENDER_N")) : 300;
	if (n < 1)
		n = 1;
	per_request("/articles", 20); /* warm: statements prepared */
	per_request("/courses", 20);
	double a = timed_articles(n);
	double c = timed_courses(n);
	sc_visitor();
	per_request("/articles", 20);
	double v = timed_articles_anonymous(n);
	printf("render cpu (in-process client, %d requests each): /articles %.0f us, /courses %.0f us "
	       "(logged in); /articles %.0f us (no cookie)\n",
	       n, a, c, v);
out:;
}

/* Statements of a GET (X-Flacon-Queries: the suite runs in development
 * mode), or -1. */
static int statements(const char *path)
{
	const struct flacon_response *r = sc_get(path);
	const char *q = flacon_resp_header(r, "X-Flacon-Queries");
	CHECK_MSG(r->status == 200 && q, "%s: %d, X-Flacon-Queries %s", path, r->status, q ? q : "missing");
	return r->status == 200 && q ? atoi(q) : -1;
}

TEST(test_course_list_with_the_students_selection_is_two_statements_and_an_article_page_one)
{
	char name[33], path[64];
	REQUIRE(sc_new_user(name, "stmts") > 0);
	long long c = sc_new_course("Stmt course", 3, 30);
	REQUIRE(c > 0);
	const char *tok = sc_csrf("/courses", "/courses");
	REQUIRE(tok != NULL);
	char tokc[128];
	snprintf(tokc, sizeof tokc, "%s", tok);
	snprintf(path, sizeof path, "/courses/%lld/select", c);
	CHECK_STATUS(flacon_client_post_form(sc(), path, "csrf_token", tokc, NULL), 303);
	/* A logged-in page that reads no data: what every page costs (the
	 * session), whatever that is. */
	int base = statements("/articles/new");
	REQUIRE(base >= 0);
	const struct flacon_response *r = sc_get("/courses");
	CHECK_MSG(sc_count(r, "class=\"selected\"") == 1, "the selected course is marked");
	CHECK_INT(statements("/courses") - base, 2);
	CHECK_INT(statements("/me/courses") - base, 1);
	CHECK_INT(statements("/articles") - base, 1);
	CHECK_INT(statements("/") - base, 1);
out:;
}

/* End-to-end tests of the HTML course pages (SPEC section 7): GET
 * /courses, GET /courses/N, POST /courses/N/select and /drop, GET
 * /me/courses — buttons, no-ops, 409 "Course is full", 404s, CSRF, login
 * redirects, no N+1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "test.h"

static long long new_course(char *name, int capacity, int credits)
{
	cl_unique_letters(name, "pagecourse");
	return cl_create_course(name, capacity, credits);
}

/* POST /courses/N/ACTION with token (NULL: none); status, Location. */
static int course_action(struct browser *b, long long id, const char *action, const char *token,
			 char *loc, size_t loclen, struct http_resp *keep)
{
	char path[96];
	snprintf(path, sizeof path, "/courses/%lld/%s", id, action);
	struct http_resp r;
	if (token)
		br_post_form(b, path, &r, "csrf_token", token, NULL);
	else
		br_post_form(b, path, &r, NULL);
	if (loc)
		cl_location(&r, loc, loclen);
	int s = r.status;
	if (keep)
		*keep = r;
	else
		hc_free(&r);
	return s;
}

/* Select or drop with a token from GET /courses; returns the status. */
static int click(struct browser *b, long long id, const char *action)
{
	char tok[256], loc[256];
	CHECK_MSG(br_csrf(b, "/courses", tok, sizeof tok), "no token on /courses");
	int s = course_action(b, id, action, tok, loc, sizeof loc, NULL);
	if (s == 303)
		CHECK_STR(loc, "/courses");
	return s;
}

/* enrolled of course id per /api/courses/N, and whether b selected it. */
static long long enrolled(long long id)
{
	char path[64];
	snprintf(path, sizeof path, "/api/courses/%lld", id);
	struct http_resp r;
	cl_get(path, &r);
	json_object *o = cl_json(&r);
	long long n = cl_jint(o, "enrolled", -1);
	json_object_put(o);
	hc_free(&r);
	return n;
}

static bool selected_by(struct browser *b, long long id)
{
	struct http_resp r;
	br_get(b, "/api/me/courses", &r);
	json_object *o = cl_json(&r);
	json_object *items = cl_jget(o, "items");
	bool found = false;
	for (size_t i = 0; items && i < json_object_array_length(items); i++)
		found = found || cl_jint(json_object_array_get_idx(items, i), "id", -1) == id;
	json_object_put(o);
	hc_free(&r);
	return found;
}

/* The numbers in the text that follows needle up to the end of its row
 * (</tr> or </li>). Returns how many (at most max). */
static int row_numbers(const char *html, const char *needle, long *out, int max)
{
	const char *p = strstr(html, needle);
	if (!p)
		return 0;
	const char *e1 = strstr(p, "</tr>"), *e2 = strstr(p, "</li>");
	const char *e = e1 && (!e2 || e1 < e2) ? e1 : e2;
	size_t len = e ? (size_t)(e - p) : strlen(p);
	char *seg = strndup(p + strlen(needle), len - strlen(needle));
	char *text = cl_html_text(seg);
	int n = 0;
	for (char *q = text; *q && n < max;) {
		if (*q >= '0' && *q <= '9') {
			out[n++] = strtol(q, &q, 10);
		} else {
			q++;
		}
	}
	free(text);
	free(seg);
	return n;
}

static bool has_number(const long *v, int n, long x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

TEST(test_courses_page_lists_name_credits_capacity_and_enrolled)
{
	char cname[33];
	long long id = new_course(cname, 27, 9);
	struct browser s;
	br_init(&s);
	char name[33];
	cl_new_user(&s, name, "cplist");
	CHECK_INT(click(&s, id, "select"), 303);
	struct http_resp r;
	cl_get("/courses", &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	long nums[16];
	int n = row_numbers(r.body, cname, nums, 16);
	CHECK_MSG(has_number(nums, n, 9) && has_number(nums, n, 27) && has_number(nums, n, 1),
		  "row of %s: %d numbers", cname, n);
	/* Anonymous: no buttons. */
	CHECK(strstr(r.body, "/select\"") == NULL);
	CHECK(strstr(r.body, "/drop\"") == NULL);
	hc_free(&r);
}

TEST(test_courses_page_logged_in_has_select_or_drop_for_each_course)
{
	char cname[33], name[33];
	long long picked = new_course(cname, 10, 2), other = new_course(cname, 10, 2);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "cpbtn");
	CHECK_INT(click(&b, picked, "select"), 303);
	struct http_resp r;
	br_get(&b, "/courses", &r);
	CHECK_STATUS(r, 200);
	char sel[96], drop[96];
	snprintf(sel, sizeof sel, "action=\"/courses/%lld/select\"", other);
	snprintf(drop, sizeof drop, "action=\"/courses/%lld/drop\"", other);
	CHECK_MSG(strstr(r.body, sel) && !strstr(r.body, drop), "course %lld", other);
	snprintf(sel, sizeof sel, "action=\"/courses/%lld/select\"", picked);
	snprintf(drop, sizeof drop, "action=\"/courses/%lld/drop\"", picked);
	CHECK_MSG(strstr(r.body, drop) && !strstr(r.body, sel), "course %lld", picked);
	CHECK(strstr(r.body, "Select") != NULL);
	CHECK(strstr(r.body, "Drop") != NULL);
	/* One button per course: Select, Drop, or (full, not selected) a
	 * disabled Full. */
	struct http_resp a;
	cl_get("/api/courses", &a);
	json_object *o = cl_json(&a);
	json_object *items = cl_jget(o, "items");
	int courses = items ? (int)json_object_array_length(items) : -1;
	json_object_put(o);
	hc_free(&a);
	int buttons = cl_count(r.body, "/select\"") + cl_count(r.body, "/drop\"") +
		      cl_count(r.body, "disabled class=\"full\">Full</button>");
	CHECK_MSG(buttons == courses, "%d buttons for %d courses", buttons, courses);
	hc_free(&r);
}

TEST(test_select_is_303_to_courses_and_twice_is_a_no_op)
{
	char cname[33], name[33];
	long long id = new_course(cname, 10, 2);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "cpsel");
	CHECK_INT(click(&b, id, "select"), 303);
	CHECK_INT(enrolled(id), 1);
	CHECK(selected_by(&b, id));
	CHECK_INT(click(&b, id, "select"), 303);
	CHECK_INT(enrolled(id), 1);
}

TEST(test_select_full_course_is_409_course_is_full_page)
{
	char cname[33], n1[33], n2[33];
	long long id = new_course(cname, 1, 2);
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	cl_new_user(&a, n1, "cpfull");
	cl_new_user(&b, n2, "cpfull");
	CHECK_INT(click(&a, id, "select"), 303);
	char tok[256];
	br_csrf(&b, "/courses", tok, sizeof tok);
	struct http_resp r;
	CHECK_INT(course_action(&b, id, "select", tok, NULL, 0, &r), 409);
	CHECK(cl_is_html(&r));
	CHECK_MSG(strstr(r.body, "Course is full") != NULL, "%.300s", r.body);
	hc_free(&r);
	CHECK_INT(enrolled(id), 1);
	CHECK(!selected_by(&b, id));
	/* Already selected: a no-op even though the course is full. */
	CHECK_INT(click(&a, id, "select"), 303);
	CHECK_INT(enrolled(id), 1);
}

TEST(test_select_and_drop_of_unknown_course_are_404)
{
	struct browser b;
	br_init(&b);
	char name[33], tok[256];
	cl_new_user(&b, name, "cp404");
	br_csrf(&b, "/courses", tok, sizeof tok);
	CHECK_INT(course_action(&b, 999999999, "select", tok, NULL, 0, NULL), 404);
	CHECK_INT(course_action(&b, 999999999, "drop", tok, NULL, 0, NULL), 404);
	struct http_resp r;
	br_post_form(&b, "/courses/abc/select", &r, "csrf_token", tok, NULL);
	CHECK_STATUS(r, 404);
	hc_free(&r);
}

TEST(test_select_anonymous_goes_to_login_and_without_token_is_403)
{
	char cname[33];
	long long id = new_course(cname, 10, 2);
	struct browser anon;
	br_init(&anon);
	CHECK_INT(course_action(&anon, id, "select", NULL, NULL, 0, NULL), 403);
	char tok[256], loc[256], next[256];
	br_csrf(&anon, "/login", tok, sizeof tok);
	CHECK_INT(course_action(&anon, id, "select", tok, loc, sizeof loc, NULL), 303);
	CHECK_MSG(!strncmp(loc, "/login?", 7) && cl_query_param(loc, "next", next, sizeof next) &&
			  next[0] == '/' && next[1] != '/',
		  "Location '%s'", loc);
	CHECK_INT(course_action(&anon, id, "drop", tok, loc, sizeof loc, NULL), 303);
	CHECK_MSG(!strncmp(loc, "/login?", 7), "Location '%s'", loc);
	CHECK_INT(enrolled(id), 0);

	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "cpcsrf");
	CHECK_INT(course_action(&b, id, "select", NULL, NULL, 0, NULL), 403);
	CHECK_INT(course_action(&b, id, "select", "wrong", NULL, 0, NULL), 403);
	CHECK_INT(enrolled(id), 0);
}

TEST(test_drop_is_303_and_not_selected_is_a_no_op)
{
	char cname[33], name[33];
	long long id = new_course(cname, 10, 2);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "cpdrop");
	CHECK_INT(click(&b, id, "drop"), 303);
	CHECK_INT(enrolled(id), 0);
	CHECK_INT(click(&b, id, "select"), 303);
	CHECK_INT(enrolled(id), 1);
	/* Without a token nothing happens. */
	CHECK_INT(course_action(&b, id, "drop", NULL, NULL, 0, NULL), 403);
	CHECK_INT(enrolled(id), 1);
	CHECK_INT(click(&b, id, "drop"), 303);
	CHECK_INT(enrolled(id), 0);
	CHECK(!selected_by(&b, id));
	CHECK_INT(click(&b, id, "drop"), 303);
	CHECK_INT(enrolled(id), 0);
}

TEST(test_course_page_shows_the_course_and_its_students)
{
	char cname[33], n1[33], n2[33];
	long long id = new_course(cname, 10, 4);
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	cl_new_user(&a, n1, "cpshow");
	cl_new_user(&b, n2, "cpshow");
	CHECK_INT(click(&a, id, "select"), 303);
	char path[64];
	snprintf(path, sizeof path, "/courses/%lld", id);
	struct http_resp r;
	cl_get(path, &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	CHECK(strstr(r.body, cname) != NULL);
	CHECK(strstr(r.body, n1) != NULL);
	CHECK(strstr(r.body, n2) == NULL);
	hc_free(&r);
	const char *bad[] = {"/courses/999999999", "/courses/abc", "/courses/-1"};
	for (int i = 0; i < 3; i++) {
		cl_get(bad[i], &r);
		CHECK_MSG(r.status == 404 && cl_is_html(&r), "%s: %d", bad[i], r.status);
		hc_free(&r);
	}
}

TEST(test_my_courses_anonymous_redirects_to_login)
{
	struct http_resp r;
	cl_get("/me/courses", &r);
	CHECK_STATUS(r, 303);
	char loc[256], next[256];
	cl_location(&r, loc, sizeof loc);
	CHECK_MSG(!strncmp(loc, "/login?", 7) && cl_query_param(loc, "next", next, sizeof next) &&
			  !strcmp(next, "/me/courses"),
		  "Location '%s'", loc);
	hc_free(&r);
}

TEST(test_my_courses_lists_selected_courses_and_total_credits)
{
	char c1[33], c2[33], c3[33], name[33];
	long long id1 = new_course(c1, 10, 13), id2 = new_course(c2, 10, 29);
	new_course(c3, 10, 5);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "cpmine");
	CHECK_INT(click(&b, id1, "select"), 303);
	CHECK_INT(click(&b, id2, "select"), 303);
	struct http_resp r;
	br_get(&b, "/me/courses", &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_is_html(&r));
	CHECK(strstr(r.body, c1) != NULL);
	CHECK(strstr(r.body, c2) != NULL);
	CHECK(strstr(r.body, c3) == NULL);
	char *text = cl_html_text(r.body);
	bool total = false;
	for (const char *p = text; (p = strstr(p, "42")); p++)
		if ((p == text || p[-1] < '0' || p[-1] > '9') && (p[2] < '0' || p[2] > '9'))
			total = true;
	CHECK_MSG(total, "total credits 42 not shown");
	free(text);
	hc_free(&r);
}

static int queries(struct browser *b, const char *path)
{
	struct http_resp r;
	br_get(b, path, &r);
	CHECK_MSG(r.status == 200, "%s: %d", path, r.status);
	int q = cl_queries(&r);
	hc_free(&r);
	return q;
}

TEST(test_course_pages_run_a_constant_number_of_queries)
{
	char cname[33], name[33];
	struct browser b, anon;
	br_init(&b);
	br_init(&anon);
	cl_new_user(&b, name, "cpquery");
	long long first = new_course(cname, 30, 1);
	CHECK_INT(click(&b, first, "select"), 303);
	char show[64];
	snprintf(show, sizeof show, "/courses/%lld", first);
	int list = queries(&b, "/courses"), list_anon = queries(&anon, "/courses");
	int mine = queries(&b, "/me/courses"), detail = queries(&anon, show);
	for (int i = 0; i < 3; i++) {
		long long id = new_course(cname, 30, 1);
		CHECK_INT(click(&b, id, "select"), 303);
		struct browser s;
		br_init(&s);
		cl_new_user(&s, name, "cpquery");
		CHECK_INT(click(&s, first, "select"), 303);
	}
	CHECK_MSG(list > 0, "no X-Flacon-Queries");
	CHECK_INT(queries(&b, "/courses"), list);
	CHECK_INT(queries(&anon, "/courses"), list_anon);
	CHECK_INT(queries(&b, "/me/courses"), mine);
	CHECK_INT(queries(&anon, show), detail);
}

/* The course list's rows are reused from request to request inside a
 * worker: pages for two students and a visitor, asked in turn many times,
 * must each show only their own selections (and a visitor no buttons). */
TEST(test_courses_pages_of_different_users_in_turn_never_mix)
{
	char cname[33], na[33], nb[33];
	long long x = new_course(cname, 10, 2), y = new_course(cname, 1, 3);
	struct browser a, b, anon;
	br_init(&a);
	br_init(&b);
	br_init(&anon);
	cl_new_user(&a, na, "cpmixa");
	cl_new_user(&b, nb, "cpmixb");
	CHECK_INT(click(&a, x, "select"), 303);
	CHECK_INT(click(&b, y, "select"), 303); /* y is now full (capacity 1) */
	char ax[96], ay[96], bx[96], by[96], full[160];
	snprintf(ax, sizeof ax, "formaction=\"/courses/%lld/drop\"", x);
	snprintf(ay, sizeof ay, "formaction=\"/courses/%lld/select\"", y);
	snprintf(bx, sizeof bx, "formaction=\"/courses/%lld/select\"", x);
	snprintf(by, sizeof by, "formaction=\"/courses/%lld/drop\"", y);
	snprintf(full, sizeof full, "<a href=\"/courses/%lld\">%s</a></td><td>3</td><td>1</td><td>1 <span class=\"badge\">full</span>", y, cname);
	for (int i = 0; i < 8; i++) {
		struct http_resp r;
		br_get(&a, "/courses", &r);
		/* y is full: a gets a disabled Full button, not Select. */
		CHECK_MSG(strstr(r.body, ax) && !strstr(r.body, ay) &&
				  strstr(r.body, "<button type=\"button\" disabled class=\"full\">Full</button>"),
			  "round %d: student a's page", i);
		CHECK(strstr(r.body, full) != NULL);
		hc_free(&r);
		br_get(&b, "/courses", &r);
		CHECK_MSG(strstr(r.body, bx) && strstr(r.body, by), "round %d: student b's page", i);
		hc_free(&r);
		br_get(&anon, "/courses", &r);
		CHECK_MSG(r.status == 200 && !strstr(r.body, "formaction") && !strstr(r.body, "class=\"selected\""),
			  "round %d: the visitor's page", i);
		CHECK(strstr(r.body, full) != NULL);
		hc_free(&r);
	}
}

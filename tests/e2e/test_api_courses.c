/* End-to-end tests of the JSON API's course selection (SPEC section 7):
 * GET /api/courses, GET /api/courses/N, PUT/DELETE
 * /api/courses/N/enrollment, GET /api/me/courses. Courses are made with
 * `flacon createcourse`; their ids come from /api/courses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "test.h"

/* A new course with a unique name (copied into name, 33 bytes). */
static long long new_course(char *name, int capacity, int credits)
{
	cl_unique_letters(name, "apicourse");
	return cl_create_course(name, capacity, credits);
}

/* The item of course id in b's GET /api/courses (a new reference), or NULL. */
static json_object *course_item(struct browser *b, long long id)
{
	struct http_resp r;
	br_get(b, "/api/courses", &r);
	json_object *o = cl_json(&r), *found = NULL;
	hc_free(&r);
	json_object *items = cl_jget(o, "items");
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *c = json_object_array_get_idx(items, i);
		if (cl_jint(c, "id", -1) == id)
			found = json_object_get(c);
	}
	json_object_put(o);
	return found;
}

static int enroll(struct browser *b, const char *method, long long id, struct http_resp *r)
{
	char path[96];
	snprintf(path, sizeof path, "/api/courses/%lld/enrollment", id);
	return br_json(b, method, path, NULL, r);
}

/* PUT or DELETE the enrollment and return the status. */
static int enroll_status(struct browser *b, const char *method, long long id)
{
	struct http_resp r;
	enroll(b, method, id, &r);
	int s = r.status;
	hc_free(&r);
	return s;
}

static json_object *course_detail(long long id, int *status)
{
	char path[64];
	snprintf(path, sizeof path, "/api/courses/%lld", id);
	struct http_resp r;
	cl_get(path, &r);
	*status = r.status;
	json_object *o = cl_json(&r);
	hc_free(&r);
	return o;
}

TEST(test_api_courses_anonymous_list_is_ordered_by_id_without_selected)
{
	char name[33];
	long long id = new_course(name, 3, 4);
	struct http_resp r;
	cl_get("/api/courses", &r);
	CHECK_STATUS(r, 200);
	CHECK(strstr(cl_header(&r, "Content-Type"), "application/json") != NULL);
	json_object *o = cl_json(&r);
	json_object *items = cl_jget(o, "items");
	CHECK(items && json_object_is_type(items, json_type_array));
	long long prev = 0;
	bool seen = false;
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *c = json_object_array_get_idx(items, i);
		long long cid = cl_jint(c, "id", -1);
		CHECK_MSG(cid > prev, "ids out of order: %lld after %lld", cid, prev);
		prev = cid;
		CHECK(cl_jstr(c, "cname") != NULL);
		CHECK(cl_jint(c, "score", -1) >= 0);
		CHECK(cl_jint(c, "capacity", -1) >= 0);
		CHECK(cl_jint(c, "enrolled", -1) >= 0);
		CHECK_MSG(!cl_jhas(c, "selected"), "anonymous item has selected: %s",
			  json_object_to_json_string(c));
		if (cid == id) {
			seen = true;
			CHECK_STR(cl_jstr(c, "cname"), name);
			CHECK_INT(cl_jint(c, "score", -1), 4);
			CHECK_INT(cl_jint(c, "capacity", -1), 3);
			CHECK_INT(cl_jint(c, "enrolled", -1), 0);
		}
	}
	CHECK(seen);
	json_object_put(o);
	hc_free(&r);
}

TEST(test_api_courses_logged_in_list_says_selected)
{
	char name[33], cname[33];
	long long id = new_course(cname, 5, 2);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "sel");
	json_object *c = course_item(&b, id);
	CHECK_MSG(cl_jfalse(c, "selected"), "%s", c ? json_object_to_json_string(c) : "none");
	json_object_put(c);
	CHECK_INT(enroll_status(&b, "PUT", id), 201);
	c = course_item(&b, id);
	CHECK_MSG(cl_jtrue(c, "selected"), "%s", c ? json_object_to_json_string(c) : "none");
	CHECK_INT(cl_jint(c, "enrolled", -1), 1);
	json_object_put(c);
	/* Another user sees the seat taken but not selected by them. */
	struct browser o;
	br_init(&o);
	cl_new_user(&o, name, "sel");
	c = course_item(&o, id);
	CHECK(cl_jfalse(c, "selected"));
	CHECK_INT(cl_jint(c, "enrolled", -1), 1);
	json_object_put(c);
}

TEST(test_api_course_detail_lists_its_students)
{
	char cname[33], n1[33], n2[33];
	long long id = new_course(cname, 10, 3);
	int st;
	json_object *o = course_detail(id, &st);
	CHECK_INT(st, 200);
	CHECK_INT(cl_jint(o, "id", -1), id);
	CHECK_STR(cl_jstr(o, "cname"), cname);
	CHECK_INT(cl_jint(o, "score", -1), 3);
	CHECK_INT(cl_jint(o, "capacity", -1), 10);
	CHECK_INT(cl_jint(o, "enrolled", -1), 0);
	json_object *s = cl_jget(o, "students");
	CHECK(s && json_object_is_type(s, json_type_array) && json_object_array_length(s) == 0);
	json_object_put(o);

	struct browser a, b;
	br_init(&a);
	br_init(&b);
	cl_new_user(&a, n1, "stud");
	cl_new_user(&b, n2, "stud");
	CHECK_INT(enroll_status(&a, "PUT", id), 201);
	CHECK_INT(enroll_status(&b, "PUT", id), 201);
	o = course_detail(id, &st);
	CHECK_INT(cl_jint(o, "enrolled", -1), 2);
	s = cl_jget(o, "students");
	CHECK_INT(s ? json_object_array_length(s) : 0, 2);
	bool seen1 = false, seen2 = false;
	for (size_t i = 0; s && i < json_object_array_length(s); i++) {
		json_object *x = json_object_array_get_idx(s, i);
		CHECK(cl_jint(x, "id", -1) > 0);
		const char *sn = cl_jstr(x, "sname");
		/* Registering made the student profile with sname = username. */
		seen1 = seen1 || (sn && !strcmp(sn, n1));
		seen2 = seen2 || (sn && !strcmp(sn, n2));
	}
	CHECK(seen1 && seen2);
	json_object_put(o);
}

TEST(test_api_course_unknown_or_not_a_number_is_404)
{
	char cname[33];
	int st;
	json_object_put(course_detail(new_course(cname, 2, 2), &st));
	CHECK_MSG(st == 200, "control: an existing course is %d", st);
	const char *paths[] = {"/api/courses/999999999", "/api/courses/abc", "/api/courses/-3",
			       "/api/courses/1x"};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		struct http_resp r;
		cl_get(paths[i], &r);
		CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%s: %d", paths[i], r.status);
		hc_free(&r);
	}
}

TEST(test_api_enrollment_put_is_201_then_200_with_the_course_item)
{
	char cname[33], name[33];
	long long id = new_course(cname, 4, 6);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "enr");
	for (int round = 0; round < 2; round++) {
		struct http_resp r;
		enroll(&b, "PUT", id, &r);
		CHECK_STATUS(r, round == 0 ? 201 : 200);
		json_object *o = cl_json(&r);
		CHECK_INT(cl_jint(o, "id", -1), id);
		CHECK_STR(cl_jstr(o, "cname"), cname);
		CHECK_INT(cl_jint(o, "score", -1), 6);
		CHECK_INT(cl_jint(o, "capacity", -1), 4);
		CHECK_INT(cl_jint(o, "enrolled", -1), 1);
		CHECK_MSG(cl_jtrue(o, "selected"), "%s", r.body);
		json_object_put(o);
		hc_free(&r);
	}
}

TEST(test_api_enrollment_put_with_body_is_accepted)
{
	char cname[33], name[33];
	long long id = new_course(cname, 4, 1);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "enrbody");
	char path[96];
	snprintf(path, sizeof path, "/api/courses/%lld/enrollment", id);
	struct http_resp r;
	br_json(&b, "PUT", path, "{}", &r);
	CHECK_STATUS(r, 201);
	hc_free(&r);
	br_request(&b, "DELETE", path, "Content-Type: application/json; charset=utf-8\r\n", NULL,
		   0, &r);
	CHECK_STATUS(r, 204);
	hc_free(&r);
}

TEST(test_api_enrollment_in_full_course_is_409_course_full_but_200_when_already_in)
{
	char cname[33], n1[33], n2[33];
	long long id = new_course(cname, 1, 2);
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	cl_new_user(&a, n1, "full");
	cl_new_user(&b, n2, "full");
	CHECK_INT(enroll_status(&a, "PUT", id), 201);
	struct http_resp r;
	enroll(&b, "PUT", id, &r);
	CHECK_MSG(cl_is_error(&r, 409, "course_full"), "%d %s", r.status, r.body);
	hc_free(&r);
	CHECK_INT(enroll_status(&a, "PUT", id), 200);
	int st;
	json_object *o = course_detail(id, &st);
	CHECK_INT(cl_jint(o, "enrolled", -1), 1);
	json_object_put(o);
	json_object *c = course_item(&b, id);
	CHECK(cl_jfalse(c, "selected"));
	json_object_put(c);
	/* A freed seat can be taken. */
	CHECK_INT(enroll_status(&a, "DELETE", id), 204);
	CHECK_INT(enroll_status(&b, "PUT", id), 201);
}

TEST(test_api_enrollment_anonymous_is_401)
{
	char cname[33];
	long long id = new_course(cname, 4, 1);
	struct browser anon;
	br_init(&anon);
	const char *methods[] = {"PUT", "DELETE"};
	for (int i = 0; i < 2; i++) {
		struct http_resp r;
		enroll(&anon, methods[i], id, &r);
		CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "%s: %d %s", methods[i], r.status,
			  r.body);
		hc_free(&r);
	}
	int st;
	json_object *o = course_detail(id, &st);
	CHECK_INT(cl_jint(o, "enrolled", -1), 0);
	json_object_put(o);
}

TEST(test_api_enrollment_of_unknown_course_is_404)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "enr404");
	const char *methods[] = {"PUT", "DELETE"};
	for (int i = 0; i < 2; i++) {
		struct http_resp r;
		enroll(&b, methods[i], 999999999, &r);
		CHECK_MSG(cl_is_error(&r, 404, "not_found"), "%s: %d %s", methods[i], r.status,
			  r.body);
		hc_free(&r);
	}
}

TEST(test_api_enrollment_without_json_content_type_is_415)
{
	char cname[33], name[33];
	long long id = new_course(cname, 4, 1);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "enr415");
	char path[96];
	snprintf(path, sizeof path, "/api/courses/%lld/enrollment", id);
	const char *methods[] = {"PUT", "DELETE"};
	for (int i = 0; i < 2; i++) {
		struct http_resp r;
		br_request(&b, methods[i], path, NULL, NULL, 0, &r);
		CHECK_MSG(cl_is_error(&r, 415, "unsupported_media_type"), "%s: %d %s", methods[i],
			  r.status, r.body);
		hc_free(&r);
		br_request(&b, methods[i], path, "Content-Type: application/x-www-form-urlencoded\r\n",
			   "", 0, &r);
		CHECK_MSG(cl_is_error(&r, 415, "unsupported_media_type"), "%s form: %d", methods[i],
			  r.status);
		hc_free(&r);
	}
	int st;
	json_object *o = course_detail(id, &st);
	CHECK_INT(cl_jint(o, "enrolled", -1), 0);
	json_object_put(o);
}

TEST(test_api_enrollment_delete_is_204_also_when_not_enrolled)
{
	char cname[33], name[33];
	long long id = new_course(cname, 4, 1);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "drop");
	CHECK_INT(enroll_status(&b, "PUT", id), 201);
	struct http_resp r;
	enroll(&b, "DELETE", id, &r);
	CHECK_STATUS(r, 204);
	CHECK_INT(r.body_len, 0);
	hc_free(&r);
	json_object *c = course_item(&b, id);
	CHECK(cl_jfalse(c, "selected"));
	CHECK_INT(cl_jint(c, "enrolled", -1), 0);
	json_object_put(c);
	CHECK_INT(enroll_status(&b, "DELETE", id), 204);
	c = course_item(&b, id);
	CHECK_INT(cl_jint(c, "enrolled", -1), 0);
	json_object_put(c);
}

TEST(test_api_enrollment_get_is_405_with_allow)
{
	struct http_resp r;
	cl_get("/api/courses/1/enrollment", &r);
	CHECK_MSG(cl_is_error(&r, 405, "method_not_allowed"), "%d %s", r.status, r.body);
	const char *allow = cl_header(&r, "Allow");
	CHECK_MSG(strstr(allow, "PUT") && strstr(allow, "DELETE"), "Allow: %s", allow);
	hc_free(&r);
	cl_request("POST", "/api/courses", "Content-Type: application/json\r\n", "{}", 2, &r);
	CHECK_MSG(cl_is_error(&r, 405, "method_not_allowed"), "%d %s", r.status, r.body);
	CHECK(strstr(cl_header(&r, "Allow"), "GET") != NULL);
	hc_free(&r);
}

TEST(test_api_me_courses_lists_selected_courses_and_total_credits)
{
	struct http_resp r;
	cl_get("/api/me/courses", &r);
	CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "%d %s", r.status, r.body);
	hc_free(&r);

	char c1[33], c2[33], c3[33], name[33];
	long long id1 = new_course(c1, 5, 3), id2 = new_course(c2, 5, 5),
		  id3 = new_course(c3, 5, 7);
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "mecour");
	br_get(&b, "/api/me/courses", &r);
	CHECK_STATUS(r, 200);
	json_object *o = cl_json(&r);
	CHECK_INT(cl_jint(o, "total_credits", -1), 0);
	json_object *items = cl_jget(o, "items");
	CHECK(items && json_object_is_type(items, json_type_array) &&
	      json_object_array_length(items) == 0);
	json_object_put(o);
	hc_free(&r);

	CHECK_INT(enroll_status(&b, "PUT", id1), 201);
	CHECK_INT(enroll_status(&b, "PUT", id2), 201);
	br_get(&b, "/api/me/courses", &r);
	CHECK_STATUS(r, 200);
	o = cl_json(&r);
	CHECK_INT(cl_jint(o, "total_credits", -1), 8);
	items = cl_jget(o, "items");
	CHECK_INT(items ? json_object_array_length(items) : 0, 2);
	bool s1 = false, s2 = false;
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *c = json_object_array_get_idx(items, i);
		long long cid = cl_jint(c, "id", -1);
		CHECK(cid != id3);
		s1 = s1 || cid == id1;
		s2 = s2 || cid == id2;
		CHECK(cl_jstr(c, "cname") && cl_jint(c, "score", -1) > 0 &&
		      cl_jint(c, "capacity", -1) == 5 && cl_jint(c, "enrolled", -1) == 1);
		CHECK_MSG(cl_jtrue(c, "selected"), "%s", json_object_to_json_string(c));
	}
	CHECK(s1 && s2);
	json_object_put(o);
	hc_free(&r);

	CHECK_INT(enroll_status(&b, "DELETE", id1), 204);
	br_get(&b, "/api/me/courses", &r);
	o = cl_json(&r);
	CHECK_INT(cl_jint(o, "total_credits", -1), 5);
	items = cl_jget(o, "items");
	CHECK_INT(items ? json_object_array_length(items) : 0, 1);
	json_object_put(o);
	hc_free(&r);
}

/* X-Flacon-Queries of b's GET path (CHECKs the 200). */
static int queries_of(struct browser *b, const char *path)
{
	struct http_resp r;
	br_get(b, path, &r);
	CHECK_MSG(r.status == 200, "%s: %d", path, r.status);
	int q = cl_queries(&r);
	hc_free(&r);
	return q;
}

TEST(test_api_course_pages_run_a_constant_number_of_queries)
{
	char cname[33], name[33];
	struct browser b;
	br_init(&b);
	cl_new_user(&b, name, "cquery");
	long long first = new_course(cname, 20, 2);
	CHECK_INT(enroll_status(&b, "PUT", first), 201);
	char detail[64];
	snprintf(detail, sizeof detail, "/api/courses/%lld", first);
	int list_before = queries_of(&b, "/api/courses");
	int anon_before = queries_of(&(struct browser){0}, "/api/courses");
	int mine_before = queries_of(&b, "/api/me/courses");
	int detail_before = queries_of(&b, detail);
	/* More courses, more enrollments, more students in the first one. */
	for (int i = 0; i < 3; i++) {
		long long id = new_course(cname, 20, 2);
		CHECK_INT(enroll_status(&b, "PUT", id), 201);
		struct browser s;
		br_init(&s);
		cl_new_user(&s, name, "cquery");
		CHECK_INT(enroll_status(&s, "PUT", first), 201);
		CHECK_INT(enroll_status(&s, "PUT", id), 201);
	}
	CHECK_MSG(list_before > 0, "no X-Flacon-Queries");
	CHECK_INT(queries_of(&b, "/api/courses"), list_before);
	CHECK_INT(queries_of(&(struct browser){0}, "/api/courses"), anon_before);
	CHECK_INT(queries_of(&b, "/api/me/courses"), mine_before);
	CHECK_INT(queries_of(&b, detail), detail_before);
}

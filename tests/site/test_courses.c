/* test_courses.c — course selection on the test client (SPEC 7): the
 * course list and its buttons, select and drop (303, no-ops, 409 when
 * full, 404, the login redirect), a course's students, My courses and
 * its credits; the same through the API with its JSON shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site_client.h"

/* As the current visitor, POST /courses/ID/ACTION (select, drop) with
 * the token of the course list's form, and next (NULL: none). */
static const struct flacon_response *enroll(long long id, const char *action, const char *next)
{
	char path[64];
	snprintf(path, sizeof path, "/courses/%lld/%s", id, action);
	const char *tok = sc_csrf("/courses", "/courses");
	CHECK_MSG(tok != NULL, "GET /courses has no form with a token");
	if (!tok)
		tok = "";
	return next ? flacon_client_post_form(sc(), path, "csrf_token", tok, "next", next, NULL)
		    : flacon_client_post_form(sc(), path, "csrf_token", tok, NULL);
}

/* The course's "enrolled" per GET /api/courses/ID, or -1. */
static long long enrolled(long long id)
{
	char path[64];
	snprintf(path, sizeof path, "/api/courses/%lld", id);
	return sc_jint(sc_get(path)->json, "enrolled");
}

/* The item of course id in the "items" of a JSON answer, or NULL. */
static json_object *item(json_object *o, long long id)
{
	json_object *items = sc_j(o, "items");
	for (size_t i = 0; items && i < json_object_array_length(items); i++)
		if (sc_jint(json_object_array_get_idx(items, i), "id") == id)
			return json_object_array_get_idx(items, i);
	return NULL;
}

static const struct flacon_response *put_enrollment(long long id, const char *method)
{
	char path[64];
	snprintf(path, sizeof path, "/api/courses/%lld/enrollment", id);
	return sc_api(method, path, NULL);
}

TEST(test_courses_page_lists_credits_capacity_enrolled_and_buttons_only_when_logged_in)
{
	long long id = sc_new_course("Listed", 4, 7);
	REQUIRE(id > 0);
	REQUIRE(sc_visitor());
	const struct flacon_response *r = sc_get("/courses");
	CHECK_STATUS(r, 200);
	char row[160];
	snprintf(row, sizeof row, "<a href=\"/courses/%lld\">Listed", id);
	CHECK_HAS(r, row);
	snprintf(row, sizeof row, "</a></td><td>4</td><td>0</td><td>7</td>");
	CHECK_HAS(r, row);
	CHECK_HASNT(r, "formaction=");
	CHECK_HAS(r, "href=\"/login?next=/courses\"");
	char name[33];
	REQUIRE(sc_new_user(name, "lister") > 0);
	r = sc_get("/courses");
	snprintf(row, sizeof row, "formaction=\"/courses/%lld/select\"", id);
	CHECK_HAS(r, row);
	CHECK(flacon_client_form(sc(), r, "/courses") != NULL);
	CHECK_STATUS(enroll(id, "select", NULL), 303);
	r = sc_get("/courses");
	snprintf(row, sizeof row, "formaction=\"/courses/%lld/drop\"", id);
	CHECK_HAS(r, row);
	CHECK_HAS(r, "</a></td><td>4</td><td>1</td><td>7</td>");
out:;
}

TEST(test_select_is_303_to_courses_and_selecting_twice_is_a_no_op)
{
	long long id = sc_new_course("Twice", 3, 10);
	REQUIRE(id > 0);
	char name[33];
	REQUIRE(sc_new_user(name, "twice") > 0);
	const struct flacon_response *r = enroll(id, "select", NULL);
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/courses");
	CHECK_INT(enrolled(id), 1);
	r = enroll(id, "select", NULL);
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/courses");
	CHECK_INT(enrolled(id), 1);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM student_course WHERE cou_id = %lld", id);
	CHECK_INT(sc_scalar(sql), 1);
out:;
}

TEST(test_select_of_a_full_course_is_409_course_is_full_but_303_when_already_in)
{
	long long id = sc_new_course("Tiny", 2, 1);
	REQUIRE(id > 0);
	char first[33], late[33];
	REQUIRE(sc_new_user(first, "first") > 0);
	CHECK_STATUS(enroll(id, "select", NULL), 303);
	REQUIRE(sc_new_user(late, "late") > 0);
	const struct flacon_response *r = enroll(id, "select", NULL);
	CHECK_STATUS(r, 409);
	CHECK_HAS(r, "<h1>Course is full</h1>");
	CHECK_STR(flacon_resp_header(r, "Content-Type"), "text/html; charset=utf-8");
	CHECK_INT(enrolled(id), 1);
	/* The full course's row has no Select button for the latecomer. */
	char button[64];
	snprintf(button, sizeof button, "formaction=\"/courses/%lld/select\"", id);
	CHECK_HASNT(sc_get("/courses"), button);
	/* Who is already in selects again: a no-op, not 409. */
	CHECK_STATUS(sc_login_form(first, SC_PASSWORD, NULL, NULL), 303);
	CHECK_STATUS(enroll(id, "select", NULL), 303);
	CHECK_INT(enrolled(id), 1);
out:;
}

TEST(test_select_and_drop_of_unknown_course_are_404_and_anonymous_goes_to_login)
{
	long long id = sc_new_course("Guarded", 2, 5);
	REQUIRE(id > 0);
	char name[33];
	REQUIRE(sc_new_user(name, "unknown") > 0);
	CHECK_STATUS(enroll(999999999, "select", NULL), 404);
	CHECK_STATUS(enroll(999999999, "drop", NULL), 404);
	const char *tok = sc_csrf("/courses", "/courses");
	REQUIRE(tok);
	CHECK_STATUS(flacon_client_post_form(sc(), "/courses/abc/select", "csrf_token", tok, NULL), 404);
	REQUIRE(sc_visitor());
	const char *anon = sc_csrf("/login", "/login");
	REQUIRE(anon);
	char path[64];
	snprintf(path, sizeof path, "/courses/%lld/select", id);
	const struct flacon_response *r = flacon_client_post_form(sc(), path, "csrf_token", anon, NULL);
	CHECK_STATUS(r, 303);
	const char *loc = flacon_resp_header(r, "Location");
	CHECK_MSG(loc && !strncmp(loc, "/login?next=", 12), "Location %s", loc ? loc : "(none)");
	CHECK_INT(enrolled(id), 0);
out:;
}

TEST(test_drop_is_303_and_dropping_what_is_not_selected_is_a_no_op)
{
	long long id = sc_new_course("Dropped", 3, 5);
	REQUIRE(id > 0);
	char name[33];
	REQUIRE(sc_new_user(name, "dropper") > 0);
	const struct flacon_response *r = enroll(id, "drop", NULL);
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/courses");
	CHECK_INT(enrolled(id), 0);
	CHECK_STATUS(enroll(id, "select", NULL), 303);
	CHECK_INT(enrolled(id), 1);
	r = enroll(id, "drop", NULL);
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/courses");
	CHECK_INT(enrolled(id), 0);
	/* From My courses, next brings the browser back there; a foreign
	 * next goes to /. */
	CHECK_STATUS(enroll(id, "select", NULL), 303);
	CHECK_LOCATION(enroll(id, "drop", "/me/courses"), "/me/courses");
	CHECK_LOCATION(enroll(id, "drop", "//evil.com"), "/");
out:;
}

TEST(test_my_courses_anonymous_is_303_to_login_then_lists_the_selection_and_total_credits)
{
	REQUIRE(sc_visitor());
	const struct flacon_response *r = sc_get("/me/courses");
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/login?next=/me/courses");
	long long a = sc_new_course("Mine A", 3, 5), b = sc_new_course("Mine B", 4, 5),
		  c = sc_new_course("Not mine", 6, 5);
	REQUIRE(a > 0 && b > 0 && c > 0);
	char name[33];
	REQUIRE(sc_new_user(name, "mine") > 0);
	r = sc_get("/me/courses");
	CHECK_STATUS(r, 200);
	CHECK_HAS(r, "Total credits: <strong>0</strong>");
	CHECK_STATUS(enroll(a, "select", NULL), 303);
	CHECK_STATUS(enroll(b, "select", NULL), 303);
	r = sc_get("/me/courses");
	CHECK_HAS(r, "Total credits: <strong>7</strong>");
	CHECK_HAS(r, ">Mine A");
	CHECK_HAS(r, ">Mine B");
	CHECK_HASNT(r, ">Not mine");
	/* Each row's Drop form comes back here. */
	char action[64];
	snprintf(action, sizeof action, "/courses/%lld/drop", a);
	struct flacon_form *f = flacon_client_form(sc(), r, action);
	REQUIRE(f);
	CHECK_STR(flacon_form_get(f, "next"), "/me/courses");
	r = flacon_form_submit(sc(), f);
	CHECK_STATUS(r, 303);
	CHECK_LOCATION(r, "/me/courses");
	CHECK_HAS(sc_get("/me/courses"), "Total credits: <strong>4</strong>");
out:;
}

TEST(test_course_page_shows_its_students_and_unknown_course_is_404)
{
	long long id = sc_new_course("Attended", 2, 5);
	REQUIRE(id > 0);
	char name[33], path[64];
	REQUIRE(sc_new_user(name, "student") > 0);
	CHECK_STATUS(enroll(id, "select", NULL), 303);
	REQUIRE(sc_visitor());
	snprintf(path, sizeof path, "/courses/%lld", id);
	const struct flacon_response *r = sc_get(path);
	CHECK_STATUS(r, 200);
	CHECK_HAS(r, "<h1>Attended");
	char li[64];
	snprintf(li, sizeof li, "<li>%s</li>", name);
	CHECK_HAS(r, li);
	CHECK_STATUS(sc_get("/courses/999999999"), 404);
	CHECK_STATUS(sc_get("/courses/abc"), 404);
out:;
}

TEST(test_api_courses_are_ordered_by_id_with_selected_only_when_logged_in)
{
	long long a = sc_new_course("Api A", 5, 30), b = sc_new_course("Api B", 2, 3);
	REQUIRE(a > 0 && b > 0);
	REQUIRE(sc_visitor());
	const struct flacon_response *r = sc_get("/api/courses");
	CHECK_STATUS(r, 200);
	json_object *items = sc_j(r->json, "items");
	REQUIRE(items && json_object_array_length(items) >= 2);
	for (size_t i = 1; i < json_object_array_length(items); i++)
		CHECK(sc_jint(json_object_array_get_idx(items, i - 1), "id") <
		      sc_jint(json_object_array_get_idx(items, i), "id"));
	json_object *ib = item(r->json, b);
	REQUIRE(ib);
	CHECK(sc_jstr(ib, "cname") && !strncmp(sc_jstr(ib, "cname"), "Api B", 5));
	CHECK_INT(sc_jint(ib, "score"), 2);
	CHECK_INT(sc_jint(ib, "capacity"), 3);
	CHECK_INT(sc_jint(ib, "enrolled"), 0);
	CHECK(!json_object_object_get_ex(ib, "selected", NULL));
	char name[33];
	REQUIRE(sc_new_user(name, "apisel") > 0);
	CHECK_STATUS(put_enrollment(b, "PUT"), 201);
	r = sc_get("/api/courses");
	REQUIRE(item(r->json, a) && item(r->json, b));
	CHECK(json_object_is_type(sc_j(item(r->json, a), "selected"), json_type_boolean));
	CHECK(!json_object_get_boolean(sc_j(item(r->json, a), "selected")));
	CHECK(json_object_get_boolean(sc_j(item(r->json, b), "selected")));
	CHECK_INT(sc_jint(item(r->json, b), "enrolled"), 1);
out:;
}

TEST(test_api_course_detail_lists_its_students_and_unknown_is_404)
{
	long long id = sc_new_course("Detail", 3, 9);
	REQUIRE(id > 0);
	char name[33], path[64];
	REQUIRE(sc_new_user(name, "detail") > 0);
	CHECK_STATUS(put_enrollment(id, "PUT"), 201);
	snprintf(path, sizeof path, "/api/courses/%lld", id);
	const struct flacon_response *r = sc_get(path);
	CHECK_STATUS(r, 200);
	CHECK_INT(sc_jint(r->json, "id"), id);
	CHECK_INT(sc_jint(r->json, "score"), 3);
	CHECK_INT(sc_jint(r->json, "capacity"), 9);
	CHECK_INT(sc_jint(r->json, "enrolled"), 1);
	json_object *students = sc_j(r->json, "students");
	REQUIRE(students && json_object_array_length(students) == 1);
	CHECK_STR(sc_jstr(json_object_array_get_idx(students, 0), "sname"), name);
	CHECK(sc_jint(json_object_array_get_idx(students, 0), "id") > 0);
	const char *bad[] = {"/api/courses/999999999", "/api/courses/abc", "/api/courses/0"};
	for (int i = 0; i < 3; i++) {
		r = sc_get(bad[i]);
		CHECK_STATUS(r, 404);
		CHECK_STR(sc_jerror(r), "not_found");
	}
out:;
}

TEST(test_api_enrollment_is_201_then_200_full_is_409_and_delete_is_204)
{
	long long id = sc_new_course("Seat", 4, 1);
	REQUIRE(id > 0);
	char first[33], late[33];
	REQUIRE(sc_new_user(first, "seat") > 0);
	const struct flacon_response *r = put_enrollment(id, "PUT");
	CHECK_STATUS(r, 201);
	CHECK_INT(sc_jint(r->json, "id"), id);
	CHECK_INT(sc_jint(r->json, "enrolled"), 1);
	CHECK(json_object_get_boolean(sc_j(r->json, "selected")));
	/* Again, the course now full: 200, the same item. */
	r = put_enrollment(id, "PUT");
	CHECK_STATUS(r, 200);
	CHECK_INT(sc_jint(r->json, "enrolled"), 1);
	CHECK(json_object_get_boolean(sc_j(r->json, "selected")));
	/* A body is accepted too. */
	char path[64];
	snprintf(path, sizeof path, "/api/courses/%lld/enrollment", id);
	CHECK_STATUS(sc_api("PUT", path, "{}"), 200);
	REQUIRE(sc_new_user(late, "noseat") > 0);
	r = put_enrollment(id, "PUT");
	CHECK_STATUS(r, 409);
	CHECK_STR(sc_jerror(r), "course_full");
	CHECK_INT(enrolled(id), 1);
	/* Dropping what one does not have: 204 all the same. */
	r = put_enrollment(id, "DELETE");
	CHECK_STATUS(r, 204);
	CHECK_INT(r->body_len, 0);
	CHECK_STATUS(sc_login_form(first, SC_PASSWORD, NULL, NULL), 303);
	CHECK_STATUS(put_enrollment(id, "DELETE"), 204);
	CHECK_INT(enrolled(id), 0);
out:;
}

TEST(test_api_enrollment_anonymous_is_401_and_unknown_course_is_404)
{
	long long id = sc_new_course("Closed", 2, 5);
	REQUIRE(id > 0);
	REQUIRE(sc_visitor());
	const char *methods[] = {"PUT", "DELETE"};
	for (int i = 0; i < 2; i++) {
		const struct flacon_response *r = put_enrollment(id, methods[i]);
		CHECK_STATUS(r, 401);
		CHECK_STR(sc_jerror(r), "unauthorized");
	}
	char name[33];
	REQUIRE(sc_new_user(name, "nocourse") > 0);
	for (int i = 0; i < 2; i++) {
		const struct flacon_response *r = put_enrollment(999999999, methods[i]);
		CHECK_STATUS(r, 404);
		CHECK_STR(sc_jerror(r), "not_found");
	}
	/* Without the JSON content type: 415 before anything else. */
	struct flacon_request rq = {.method = "PUT", .path = "/api/courses/999999999/enrollment"};
	CHECK_STATUS(flacon_client_request(sc(), &rq), 415);
	CHECK_INT(enrolled(id), 0);
out:;
}

TEST(test_api_me_courses_lists_the_selection_and_total_credits_or_401)
{
	REQUIRE(sc_visitor());
	CHECK_STATUS(sc_get("/api/me/courses"), 401);
	long long a = sc_new_course("Credit A", 3, 5), b = sc_new_course("Credit B", 5, 5);
	REQUIRE(a > 0 && b > 0);
	char name[33];
	REQUIRE(sc_new_user(name, "credits") > 0);
	const struct flacon_response *r = sc_get("/api/me/courses");
	CHECK_STATUS(r, 200);
	CHECK_INT(json_object_array_length(sc_j(r->json, "items")), 0);
	CHECK_INT(sc_jint(r->json, "total_credits"), 0);
	CHECK_STATUS(put_enrollment(a, "PUT"), 201);
	CHECK_STATUS(put_enrollment(b, "PUT"), 201);
	r = sc_get("/api/me/courses");
	CHECK_STATUS(r, 200);
	CHECK_INT(json_object_array_length(sc_j(r->json, "items")), 2);
	CHECK_INT(sc_jint(r->json, "total_credits"), 8);
	json_object *ia = item(r->json, a);
	REQUIRE(ia);
	CHECK(json_object_get_boolean(sc_j(ia, "selected")));
	CHECK_INT(sc_jint(ia, "score"), 3);
out:;
}

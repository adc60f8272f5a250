/* End-to-end tests of the JSON API's accounts (SPEC sections 5, 6, 7):
 * POST /api/register, /api/login, /api/logout and GET /api/me. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "test.h"

static int api_post(struct browser *b, const char *path, const char *json, struct http_resp *r)
{
	return br_json(b, "POST", path, json, r);
}

TEST(test_api_register_is_201_with_id_and_username_and_logs_in)
{
	struct browser b;
	br_init(&b);
	char name[33], json[256];
	cl_unique_name(name, "apireg");
	snprintf(json, sizeof json, "{\"username\":\"%s\",\"password\":\"%s\"}", name, CL_PASSWORD);
	struct http_resp r;
	api_post(&b, "/api/register", json, &r);
	CHECK_STATUS(r, 201);
	CHECK(strstr(cl_header(&r, "Content-Type"), "application/json") != NULL);
	json_object *o = cl_json(&r);
	long long id = cl_jint(o, "id", -1);
	CHECK_MSG(id > 0, "%s", r.body);
	CHECK_STR(cl_jstr(o, "username"), name);
	json_object_put(o);
	cl_check_cookie(&r, "session", 2678400, true);
	hc_free(&r);

	br_get(&b, "/api/me", &r);
	CHECK_STATUS(r, 200);
	o = cl_json(&r);
	CHECK_INT(cl_jint(o, "id", -1), id);
	CHECK_STR(cl_jstr(o, "username"), name);
	json_object_put(o);
	hc_free(&r);
}

TEST(test_api_me_is_id_username_and_rdatetime_in_utc_z)
{
	struct browser b;
	br_init(&b);
	char name[33];
	time_t before = time(NULL);
	long long id = cl_new_user(&b, name, "apime");
	struct http_resp r;
	br_get(&b, "/api/me", &r);
	CHECK_STATUS(r, 200);
	json_object *o = cl_json(&r);
	CHECK_INT(cl_jint(o, "id", -1), id);
	CHECK_STR(cl_jstr(o, "username"), name);
	time_t t = 0;
	CHECK_MSG(cl_is_iso_utc(cl_jstr(o, "rdatetime"), &t), "rdatetime: %s", r.body);
	/* Stored and shown in UTC: the registration time is now, in UTC. */
	CHECK_MSG(t >= before - 300 && t <= time(NULL) + 300, "rdatetime %s is not now (UTC)",
		  cl_jstr(o, "rdatetime"));
	json_object_put(o);
	hc_free(&r);
}

TEST(test_api_me_anonymous_is_401_unauthorized)
{
	struct http_resp r;
	cl_get("/api/me", &r);
	CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "%d %s", r.status, r.body);
	hc_free(&r);
}

TEST(test_api_me_with_garbled_or_forged_session_cookie_is_anonymous)
{
	struct browser b;
	br_init(&b);
	char name[33];
	cl_new_user(&b, name, "forge");
	const char *good = br_cookie(&b, "session");
	CHECK(good != NULL);
	if (!good)
		return;
	char bad[1024];
	snprintf(bad, sizeof bad, "%s", good);
	/* Flip one character of the token part: the signature no longer fits. */
	bad[3] = bad[3] == 'A' ? 'B' : 'A';
	const char *cookies[] = {bad, "garbage", "", "\"quoted\"", "a.b.c"};
	for (size_t i = 0; i < sizeof cookies / sizeof *cookies; i++) {
		struct browser f;
		br_init(&f);
		br_put_cookie(&f, "session", cookies[i]);
		struct http_resp r;
		br_get(&f, "/api/me", &r);
		CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "cookie %s: %d", cookies[i],
			  r.status);
		hc_free(&r);
	}
	/* The genuine cookie still works. */
	struct http_resp r;
	br_get(&b, "/api/me", &r);
	CHECK_STATUS(r, 200);
	hc_free(&r);
}

TEST(test_api_register_taken_name_is_409_conflict)
{
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char name[33];
	cl_new_user(&a, name, "taken");
	char json[256];
	snprintf(json, sizeof json, "{\"username\":\"%s\",\"password\":\"another password\"}",
		 name);
	struct http_resp r;
	api_post(&b, "/api/register", json, &r);
	CHECK_MSG(cl_is_error(&r, 409, "conflict"), "%d %s", r.status, r.body);
	CHECK(br_cookie(&b, "session") == NULL);
	hc_free(&r);
}

TEST(test_api_register_same_name_other_case_is_409_and_name_kept_as_registered)
{
	struct browser a, b;
	br_init(&a);
	br_init(&b);
	char name[33], upper[33], lower[33];
	cl_unique_name(name, "CaseX");
	snprintf(upper, sizeof upper, "%s", name);
	snprintf(lower, sizeof lower, "%s", name);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	CHECK_INT(cl_api_register(&a, upper, CL_PASSWORD), 201);
	CHECK_INT(cl_api_register(&b, lower, CL_PASSWORD), 409);
	struct http_resp r;
	br_get(&a, "/api/me", &r);
	json_object *o = cl_json(&r);
	CHECK_STR(cl_jstr(o, "username"), upper);
	json_object_put(o);
	hc_free(&r);
}

TEST(test_api_register_invalid_username_is_422_validation)
{
	char too_long[40];
	memset(too_long, 'a', 33);
	too_long[33] = '\0';
	const char *names[] = {"ab", too_long, "with space", "semi;colon", "caf\xc3\xa9x",
			       "<script>", "", "a/b"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		struct browser b;
		br_init(&b);
		char *j;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "username", json_object_new_string(names[i]));
		json_object_object_add(o, "password", json_object_new_string(CL_PASSWORD));
		j = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		struct http_resp r;
		api_post(&b, "/api/register", j, &r);
		CHECK_MSG(cl_is_error(&r, 422, "validation"), "username '%s': %d %s", names[i],
			  r.status, r.body);
		CHECK(br_cookie(&b, "session") == NULL);
		hc_free(&r);
		free(j);
	}
}

TEST(test_api_register_username_of_3_and_32_characters_is_accepted)
{
	char name[33], three[4], longest[33];
	cl_unique_name(name, "");
	/* Three characters: unique enough within one run of the suite. */
	snprintf(three, sizeof three, "%c.%c", 'a' + (int)(time(NULL) % 26),
		 'a' + (int)(getpid() % 26));
	memset(longest, 'z', 32);
	longest[32] = '\0';
	memcpy(longest, name, strlen(name));
	struct browser b;
	br_init(&b);
	int s3 = cl_api_register(&b, three, CL_PASSWORD);
	/* A previous run on the same database may hold the 3-letter name. */
	CHECK_MSG(s3 == 201 || s3 == 409, "3 characters: %d", s3);
	br_init(&b);
	CHECK_INT(cl_api_register(&b, longest, CL_PASSWORD), 201);
}

TEST(test_api_register_invalid_password_is_422_and_8_and_128_are_accepted)
{
	char p7[] = "1234567", p129[130], p128[129], name[33];
	memset(p129, 'p', 129);
	p129[129] = '\0';
	memset(p128, 'q', 128);
	p128[128] = '\0';
	struct browser b;
	br_init(&b);
	cl_unique_name(name, "pw");
	CHECK_INT(cl_api_register(&b, name, p7), 422);
	CHECK_INT(cl_api_register(&b, name, p129), 422);
	CHECK_INT(cl_api_register(&b, name, ""), 422);
	CHECK(br_cookie(&b, "session") == NULL);
	CHECK_INT(cl_api_register(&b, name, "12345678"), 201);
	br_init(&b);
	cl_unique_name(name, "pw");
	CHECK_INT(cl_api_register(&b, name, p128), 201);
	br_init(&b);
	CHECK_INT(cl_api_login(&b, name, p128, NULL), 200);
}

TEST(test_api_register_missing_or_mistyped_field_is_422)
{
	char name[33];
	cl_unique_name(name, "field");
	char bodies[5][256];
	snprintf(bodies[0], 256, "{\"username\":\"%s\"}", name);
	snprintf(bodies[1], 256, "{\"password\":\"%s\"}", CL_PASSWORD);
	snprintf(bodies[2], 256, "{\"username\":12345,\"password\":\"%s\"}", CL_PASSWORD);
	snprintf(bodies[3], 256, "{\"username\":\"%s\",\"password\":12345678}", name);
	snprintf(bodies[4], 256, "{\"username\":[\"%s\"],\"password\":null}", name);
	for (int i = 0; i < 5; i++) {
		struct browser b;
		br_init(&b);
		struct http_resp r;
		api_post(&b, "/api/register", bodies[i], &r);
		CHECK_MSG(cl_is_error(&r, 422, "validation"), "%s: %d %s", bodies[i], r.status,
			  r.body);
		hc_free(&r);
	}
	/* None of them created the user. */
	struct browser b;
	br_init(&b);
	CHECK_INT(cl_api_register(&b, name, CL_PASSWORD), 201);
}

TEST(test_api_login_is_200_with_id_username_and_a_new_session_cookie)
{
	struct browser a;
	br_init(&a);
	char name[33], json[256];
	long long id = cl_new_user(&a, name, "apilog");
	char first[1024];
	snprintf(first, sizeof first, "%s", br_cookie(&a, "session") ? br_cookie(&a, "session") : "");
	snprintf(json, sizeof json, "{\"username\":\"%s\",\"password\":\"%s\"}", name, CL_PASSWORD);
	struct http_resp r;
	api_post(&a, "/api/login", json, &r);
	CHECK_STATUS(r, 200);
	json_object *o = cl_json(&r);
	CHECK_INT(cl_jint(o, "id", -1), id);
	CHECK_STR(cl_jstr(o, "username"), name);
	json_object_put(o);
	cl_check_cookie(&r, "session", 2678400, true);
	/* No session fixation: the token changes at login. */
	const char *now = br_cookie(&a, "session");
	CHECK(now && strcmp(now, first) != 0);
	CHECK(cl_set_cookie(&r, "username", json, sizeof json) == NULL);
	hc_free(&r);
	br_get(&a, "/api/me", &r);
	CHECK_STATUS(r, 200);
	hc_free(&r);
}

TEST(test_api_login_replaces_the_previous_session_token)
{
	struct browser a, old;
	br_init(&a);
	char name[33];
	cl_new_user(&a, name, "fixate");
	br_copy(&old, &a);
	CHECK_INT(cl_api_login(&a, name, CL_PASSWORD, NULL), 200);
	CHECK(strcmp(cl_nz(br_cookie(&a, "session")), cl_nz(br_cookie(&old, "session"))) != 0);
	struct http_resp r;
	br_get(&old, "/api/me", &r);
	CHECK_MSG(r.status == 401, "the token from before the login still works: %d", r.status);
	hc_free(&r);
}

TEST(test_api_login_wrong_password_or_unknown_user_is_401_without_cookie)
{
	struct browser a;
	br_init(&a);
	char name[33], json[256];
	cl_new_user(&a, name, "badpw");
	const char *cases[][2] = {{name, "wrong password!"}, {"nobody_at_all_here", CL_PASSWORD},
				  {name, ""}};
	for (int i = 0; i < 3; i++) {
		struct browser b;
		br_init(&b);
		snprintf(json, sizeof json, "{\"username\":\"%s\",\"password\":\"%s\"}",
			 cases[i][0], cases[i][1]);
		struct http_resp r;
		api_post(&b, "/api/login", json, &r);
		CHECK_MSG(cl_is_error(&r, 401, "unauthorized"), "%s: %d %s", json, r.status, r.body);
		CHECK(br_cookie(&b, "session") == NULL);
		hc_free(&r);
	}
}

TEST(test_api_login_with_remember_true_sets_username_cookie)
{
	struct browser a;
	br_init(&a);
	char name[33], json[256];
	cl_new_user(&a, name, "remem");
	struct browser b;
	br_init(&b);
	snprintf(json, sizeof json,
		 "{\"username\":\"%s\",\"password\":\"%s\",\"remember\":true}", name, CL_PASSWORD);
	struct http_resp r;
	api_post(&b, "/api/login", json, &r);
	CHECK_STATUS(r, 200);
	cl_check_cookie(&r, "username", 1209600, false);
	char line[1024], v[256];
	REQUIRE(cl_set_cookie(&r, "username", line, sizeof line));
	CHECK_STR(cl_cookie_value(line, v, sizeof v), name);
out:
	hc_free(&r);
}

TEST(test_api_login_with_remember_false_sets_no_username_cookie)
{
	struct browser a;
	br_init(&a);
	char name[33], json[256];
	cl_new_user(&a, name, "nomem");
	struct browser b;
	br_init(&b);
	snprintf(json, sizeof json,
		 "{\"username\":\"%s\",\"password\":\"%s\",\"remember\":false}", name, CL_PASSWORD);
	struct http_resp r;
	api_post(&b, "/api/login", json, &r);
	CHECK_STATUS(r, 200);
	CHECK(cl_set_cookie(&r, "username", json, sizeof json) == NULL);
	hc_free(&r);
}

TEST(test_api_logout_is_204_deletes_cookie_and_session)
{
	struct browser a, old;
	br_init(&a);
	char name[33];
	cl_new_user(&a, name, "apiout");
	br_copy(&old, &a);
	struct http_resp r;
	br_json(&a, "POST", "/api/logout", NULL, &r);
	CHECK_STATUS(r, 204);
	CHECK_INT(r.body_len, 0);
	cl_check_cookie_deleted(&r, "session");
	hc_free(&r);
	CHECK(br_cookie(&a, "session") == NULL);
	br_get(&a, "/api/me", &r);
	CHECK_STATUS(r, 401);
	hc_free(&r);
	/* The server forgot the session: the old cookie no longer logs in. */
	br_get(&old, "/api/me", &r);
	CHECK_STATUS(r, 401);
	hc_free(&r);
}

TEST(test_api_logout_anonymous_is_204)
{
	struct browser b;
	br_init(&b);
	struct http_resp r;
	br_json(&b, "POST", "/api/logout", NULL, &r);
	CHECK_STATUS(r, 204);
	hc_free(&r);
	br_json(&b, "POST", "/api/logout", "{}", &r);
	CHECK_STATUS(r, 204);
	hc_free(&r);
}

TEST(test_api_logout_get_is_405_method_not_allowed_with_allow)
{
	struct http_resp r;
	cl_get("/api/logout", &r);
	CHECK_MSG(cl_is_error(&r, 405, "method_not_allowed"), "%d %s", r.status, r.body);
	CHECK(strstr(cl_header(&r, "Allow"), "POST") != NULL);
	hc_free(&r);
}

TEST(test_api_login_anonymous_makes_no_session_cookie_on_reads)
{
	/* No session row (and so no cookie) for an anonymous visitor. */
	const char *paths[] = {"/api/articles", "/api/courses", "/api/me", "/", "/courses"};
	const int want[] = {200, 200, 401, 200, 200};
	for (int i = 0; i < 5; i++) {
		struct http_resp r;
		cl_get(paths[i], &r);
		CHECK_MSG(r.status == want[i], "%s: %d", paths[i], r.status);
		char line[1024];
		CHECK_MSG(cl_set_cookie(&r, "session", line, sizeof line) == NULL, "%s: %s",
			  paths[i], line);
		hc_free(&r);
	}
}

/* SPEC 5: names that differ in ASCII case are the same name; nothing else
 * is. The column's collation would match a trailing space, full-width
 * letters or a zero-width space to the registered name: none of them may
 * log in. */
TEST(test_api_login_matches_ascii_case_only_not_collation_lookalikes)
{
	struct browser a;
	br_init(&a);
	char name[33], upper[33], json[256];
	cl_new_user(&a, name, "look");
	snprintf(upper, sizeof upper, "%s", name);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	CHECK_INT(cl_api_login(&a, upper, CL_PASSWORD, NULL), 200);
	/* name + " ", name + U+200B, and the name in full-width letters
	 * (U+FF41.. for a-z, U+FF10.. for digits; _ . - kept). */
	char full[33 * 3 + 1];
	size_t n = 0;
	for (const char *p = name; *p; p++) {
		unsigned c = (unsigned char)*p;
		unsigned cp = c >= 'a' && c <= 'z' ? 0xFF41 + (c - 'a') : c >= '0' && c <= '9' ? 0xFF10 + (c - '0') : c;
		if (cp < 0x80) {
			full[n++] = (char)cp;
		} else {
			full[n++] = (char)(0xE0 | (cp >> 12));
			full[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			full[n++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	full[n] = '\0';
	char spaced[40], zw[40];
	snprintf(spaced, sizeof spaced, "%s ", name);
	snprintf(zw, sizeof zw, "%s\xE2\x80\x8B", name);
	const char *lookalikes[] = {spaced, zw, full};
	for (int i = 0; i < 3; i++) {
		struct browser b;
		br_init(&b);
		snprintf(json, sizeof json, "{\"username\":\"%s\",\"password\":\"%s\"}", lookalikes[i], CL_PASSWORD);
		struct http_resp r;
		api_post(&b, "/api/login", json, &r);
		CHECK_MSG(r.status == 401, "lookalike %d of %s logged in: %d", i, name, r.status);
		hc_free(&r);
	}
}

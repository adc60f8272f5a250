/* End-to-end races (SPEC sections 7 and 10): capacity is a hard limit when
 * many students race for the last seats, and concurrent registrations of
 * one username have exactly one winner. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "test.h"

#define RACERS 20
#define SEATS 5

struct racer {
	struct browser b;
	char name[33];
	long long course;
	pthread_barrier_t *start;
	int status;
	bool course_full;
};

static void *register_racer(void *p)
{
	struct racer *r = p;
	br_init(&r->b);
	cl_unique_name(r->name, "racer");
	r->status = cl_api_register(&r->b, r->name, CL_PASSWORD);
	return NULL;
}

static void *enroll_racer(void *p)
{
	struct racer *r = p;
	char path[96];
	snprintf(path, sizeof path, "/api/courses/%lld/enrollment", r->course);
	pthread_barrier_wait(r->start);
	struct http_resp resp;
	br_json(&r->b, "PUT", path, NULL, &resp);
	r->status = resp.status;
	r->course_full = cl_is_error(&resp, 409, "course_full");
	hc_free(&resp);
	return NULL;
}

TEST(test_twenty_students_racing_for_five_seats_get_exactly_five)
{
	static struct racer rs[RACERS];
	pthread_t th[RACERS];
	for (int i = 0; i < RACERS; i++)
		pthread_create(&th[i], NULL, register_racer, &rs[i]);
	for (int i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < RACERS; i++)
		CHECK_MSG(rs[i].status == 201, "registering %s: %d", rs[i].name, rs[i].status);

	char cname[33];
	cl_unique_letters(cname, "race");
	long long id = cl_create_course(cname, SEATS, 3);
	CHECK(id > 0);
	if (id <= 0)
		return;
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		rs[i].course = id;
		rs[i].start = &start;
		pthread_create(&th[i], NULL, enroll_racer, &rs[i]);
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);

	int won = 0, full = 0, other = 0;
	for (int i = 0; i < RACERS; i++) {
		if (rs[i].status == 201)
			won++;
		else if (rs[i].course_full)
			full++;
		else {
			other++;
			fprintf(stderr, "  racer %d: status %d\n", i, rs[i].status);
		}
	}
	CHECK_INT(won, SEATS);
	CHECK_INT(full, RACERS - SEATS);
	CHECK_INT(other, 0);

	char path[64];
	snprintf(path, sizeof path, "/api/courses/%lld", id);
	struct http_resp r;
	cl_get(path, &r);
	json_object *o = cl_json(&r);
	CHECK_INT(cl_jint(o, "enrolled", -1), SEATS);
	json_object *st = cl_jget(o, "students");
	CHECK_INT(st ? json_object_array_length(st) : 0, SEATS);
	json_object_put(o);
	hc_free(&r);

	/* Each winner, and only the winners, has the course. */
	for (int i = 0; i < RACERS; i++) {
		br_get(&rs[i].b, "/api/me/courses", &r);
		o = cl_json(&r);
		json_object *items = cl_jget(o, "items");
		int n = items ? (int)json_object_array_length(items) : -1;
		CHECK_MSG(n == (rs[i].status == 201 ? 1 : 0), "racer %d (status %d) has %d courses",
			  i, rs[i].status, n);
		json_object_put(o);
		hc_free(&r);
	}
}

#define REGISTRANTS 10

struct registrant {
	char name[33];
	pthread_barrier_t *start;
	int status;
	bool conflict;
};

static void *register_same(void *p)
{
	struct registrant *g = p;
	struct browser b;
	br_init(&b);
	char json[256];
	snprintf(json, sizeof json, "{\"username\":\"%s\",\"password\":\"%s\"}", g->name,
		 CL_PASSWORD);
	pthread_barrier_wait(g->start);
	struct http_resp r;
	br_json(&b, "POST", "/api/register", json, &r);
	g->status = r.status;
	g->conflict = cl_is_error(&r, 409, "conflict");
	hc_free(&r);
	return NULL;
}

TEST(test_ten_concurrent_registrations_of_one_name_have_one_winner)
{
	char name[33];
	cl_unique_name(name, "same");
	struct registrant gs[REGISTRANTS];
	pthread_t th[REGISTRANTS];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, REGISTRANTS);
	for (int i = 0; i < REGISTRANTS; i++) {
		/* Half of them in another ASCII case: still the same name. */
		snprintf(gs[i].name, sizeof gs[i].name, "%s", name);
		if (i % 2)
			gs[i].name[0] = (char)(gs[i].name[0] - 'a' + 'A');
		gs[i].start = &start;
		pthread_create(&th[i], NULL, register_same, &gs[i]);
	}
	for (int i = 0; i < REGISTRANTS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	int won = 0, conflict = 0, winner = 0;
	for (int i = 0; i < REGISTRANTS; i++) {
		if (gs[i].status == 201) {
			won++;
			winner = i;
		} else if (gs[i].conflict) {
			conflict++;
		} else {
			fprintf(stderr, "  registrant %d: status %d\n", i, gs[i].status);
		}
	}
	CHECK_INT(won, 1);
	CHECK_INT(conflict, REGISTRANTS - 1);
	/* The one account works. */
	struct browser b;
	br_init(&b);
	CHECK_INT(cl_api_login(&b, gs[winner].name, CL_PASSWORD, NULL), 200);
}

#define TABS 10

struct tab {
	struct browser b;
	const char *path;
	const char *method;
	pthread_barrier_t *start;
	int status;
};

static void *tab_main(void *p)
{
	struct tab *t = p;
	pthread_barrier_wait(t->start);
	struct http_resp r;
	br_json(&t->b, t->method, t->path, NULL, &r);
	t->status = r.status;
	hc_free(&r);
	return NULL;
}

/* Ten tabs of one student PUT, then DELETE, the same enrollment at once. */
static void race_tabs(const struct browser *b, const char *method, const char *path, struct tab *tabs)
{
	pthread_t th[TABS];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, TABS);
	for (int i = 0; i < TABS; i++) {
		br_copy(&tabs[i].b, b);
		tabs[i].path = path;
		tabs[i].method = method;
		tabs[i].start = &start;
		pthread_create(&th[i], NULL, tab_main, &tabs[i]);
	}
	for (int i = 0; i < TABS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
}

static long long enrolled_of(long long id, int *students)
{
	char path[64];
	snprintf(path, sizeof path, "/api/courses/%lld", id);
	struct http_resp r;
	cl_get(path, &r);
	json_object *o = cl_json(&r);
	long long n = cl_jint(o, "enrolled", -1);
	json_object *st = cl_jget(o, "students");
	*students = st ? (int)json_object_array_length(st) : -1;
	json_object_put(o);
	hc_free(&r);
	return n;
}

TEST(test_one_student_selecting_and_dropping_in_ten_tabs_at_once_moves_one_seat)
{
	struct browser b;
	br_init(&b);
	char name[33], cname[33];
	cl_unique_name(name, "tabs");
	CHECK_INT(cl_api_register(&b, name, CL_PASSWORD), 201);
	cl_unique_letters(cname, "tabs");
	long long id = cl_create_course(cname, 3, 3);
	CHECK(id > 0);
	if (id <= 0)
		return;
	char path[96];
	snprintf(path, sizeof path, "/api/courses/%lld/enrollment", id);
	static struct tab tabs[TABS];
	race_tabs(&b, "PUT", path, tabs);
	int created = 0, already = 0;
	for (int i = 0; i < TABS; i++) {
		created += tabs[i].status == 201;
		already += tabs[i].status == 200;
	}
	CHECK_INT(created, 1);
	CHECK_INT(already, TABS - 1);
	int students = 0;
	CHECK_INT(enrolled_of(id, &students), 1); /* enrolled = the rows, whoever lost the race */
	CHECK_INT(students, 1);
	race_tabs(&b, "DELETE", path, tabs);
	for (int i = 0; i < TABS; i++)
		CHECK_INT(tabs[i].status, 204);
	CHECK_INT(enrolled_of(id, &students), 0);
	CHECK_INT(students, 0);
}

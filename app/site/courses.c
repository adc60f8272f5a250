/* courses.c — course selection: the course pages, select / drop, the
 * student's own courses, and the course API. Capacity is a hard limit: a
 * seat is taken by a conditional UPDATE (enrolled < capacity) in the same
 * transaction as the student_course row, so it holds on one server and on
 * any cluster topology. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "site/site_priv.h"
#include "web/web.h"


/* A course as the API shows it; selected < 0 leaves "selected" out. */
static void jw_course(struct web_jw *w, int64_t id, const char *cname, int64_t score,
		      int64_t capacity, int64_t enrolled, int selected)
{
	web_jw_object(w);
	web_jw_key(w, "id");
	web_jw_int(w, id);
	web_jw_key(w, "cname");
	web_jw_str(w, cname);
	web_jw_key(w, "score");
	web_jw_int(w, score);
	web_jw_key(w, "capacity");
	web_jw_int(w, capacity);
	web_jw_key(w, "enrolled");
	web_jw_int(w, enrolled);
	if (selected >= 0) {
		web_jw_key(w, "selected");
		web_jw_bool(w, selected);
	}
	web_jw_object_end(w);
}

/* Answer one course item (the enrollment API) with status. */
static int course_answer(struct http_response *resp, int status, const struct course *c, int selected)
{
	struct web_jw w;
	web_jw_start(&w, resp);
	jw_course(&w, c->id, c->cname, c->score, c->capacity, c->enrolled, selected);
	return web_jw_finish(&w, resp, status);
}

/* A course for pages (courses/show, courses/full), with its numbers in
 * words: "1 credit", "3 of 30 seats". */
static json_object *course_item(struct http_request *req, const struct course *c)
{
	json_object *o = json_object_new_object();
	site_ctx_add(o, "credits_text", json_object_new_string(site_count(req, c->score, "credit", "credits")));
	const char *seats = arena_printf(req->arena, "%lld of %s", (long long)c->enrolled,
					 site_count(req, c->capacity, "seat", "seats"));
	site_ctx_add(o, "seats_text", json_object_new_string(seats ? seats : ""));
	site_ctx_add(o, "id", json_object_new_int64(c->id));
	site_ctx_add(o, "cname", json_object_new_string(c->cname));
	site_ctx_add(o, "score", json_object_new_int64(c->score));
	site_ctx_add(o, "capacity", json_object_new_int64(c->capacity));
	site_ctx_add(o, "enrolled", json_object_new_int64(c->enrolled));
	return o;
}

/* The columns of a course item, in this order. */
enum { CO_ID, CO_CNAME, CO_SCORE, CO_CAPACITY, CO_ENROLLED };

static struct orm_query *course_columns(struct orm_session *s, struct orm_query *q)
{
	q = orm_select(q, orm_colref(s, ORM_COL(course, id)));
	q = orm_select(q, orm_colref(s, ORM_COL(course, cname)));
	q = orm_select(q, orm_colref(s, ORM_COL(course, score)));
	q = orm_select(q, orm_colref(s, ORM_COL(course, capacity)));
	q = orm_select(q, orm_colref(s, ORM_COL(course, enrolled)));
	return orm_order_by(q, ORM_COL(course, id), ORM_ASC);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The course list: every course by id (one statement) and, for a
 * logged-in user, which ones the student selected (one statement on
 * student_course, the student id from the session). */
struct course_list {
	struct orm_rows rows;
	bool logged_in;
	int64_t *mine; /* selected course ids, ascending */
	size_t nmine;
};

static int load_course_list(struct http_request *req, struct course_list *cl)
{
	struct orm_session *s = web_orm(req);
	memset(cl, 0, sizeof *cl);
	int rc = orm_rows(course_columns(s, course_query(s)), &cl->rows);
	if (rc < 0)
		return rc;
	cl->logged_in = site_user(req) != NULL;
	int64_t sid = 0;
	if (cl->logged_in && (rc = site_student_id(req, &sid)) < 0)
		return rc;
	if (!sid)
		return 0;
	struct orm_query *q = orm_query(s, &student_course_model);
	q = orm_select(q, orm_colref(s, ORM_COL(student_course, cou_id)));
	q = orm_filter_by(q, "stu_id", orm_int(sid));
	struct orm_rows sel;
	if ((rc = orm_rows(q, &sel)) < 0)
		return rc;
	cl->mine = arena_alloc(req->arena, (sel.nrows + 1) * sizeof *cl->mine);
	if (!cl->mine)
		return ORM_NOMEM;
	for (size_t i = 0; i < sel.nrows; i++)
		cl->mine[i] = sel.v[i].i;
	cl->nmine = sel.nrows;
	qsort(cl->mine, cl->nmine, sizeof *cl->mine, cmp_id);
	return 0;
}

/* Is course id among the selected ones? Calls come in ascending id order:
 * *k walks the sorted selection once. */
static bool is_mine(const struct course_list *cl, size_t *k, int64_t id)
{
	while (*k < cl->nmine && cl->mine[*k] < id)
		(*k)++;
	return *k < cl->nmine && cl->mine[*k] == id;
}

/* The course list's row objects, kept from one request to the next and
 * overwritten from each request's rows: a page of 200 courses then builds
 * no json-c objects (some 1 600 allocations and frees a request). Only the
 * memory is kept, never a value: every field of every row used is set
 * again before rendering. The pool holds one reference to each row; the
 * page's array takes another for as long as the page lives. */
struct course_row {
	json_object *obj, *id, *cname, *score, *capacity, *enrolled, *full, *selected;
};

static struct {
	struct course_row *v;
	size_t n, cap;
} row_pool;

static json_object *row_field(json_object *obj, const char *key, json_object *val)
{
	if (val)
		site_ctx_add(obj, key, val);
	return val;
}

/* Row i of the pool, created on first use; NULL when out of memory. */
static struct course_row *pooled_row(size_t i)
{
	if (i < row_pool.n)
		return &row_pool.v[i];
	if (i >= row_pool.cap) {
		size_t cap = row_pool.cap ? row_pool.cap * 2 : 256;
		while (cap <= i)
			cap *= 2;
		struct course_row *v = realloc(row_pool.v, cap * sizeof *v);
		if (!v)
			return NULL;
		row_pool.v = v;
		row_pool.cap = cap;
	}
	for (; row_pool.n <= i; row_pool.n++) {
		struct course_row *r = &row_pool.v[row_pool.n];
		if (!(r->obj = json_object_new_object()))
			return NULL;
		r->id = row_field(r->obj, "id", json_object_new_int64(0));
		r->cname = row_field(r->obj, "cname", json_object_new_string(""));
		r->score = row_field(r->obj, "score", json_object_new_int64(0));
		r->capacity = row_field(r->obj, "capacity", json_object_new_int64(0));
		r->enrolled = row_field(r->obj, "enrolled", json_object_new_int64(0));
		r->full = row_field(r->obj, "full", json_object_new_boolean(0));
		r->selected = row_field(r->obj, "selected", json_object_new_boolean(0));
		if (!r->id || !r->cname || !r->score || !r->capacity || !r->enrolled || !r->full ||
		    !r->selected) {
			json_object_put(r->obj);
			return NULL;
		}
	}
	return &row_pool.v[i];
}

void courses_pool_free(void)
{
	for (size_t i = 0; i < row_pool.n; i++)
		json_object_put(row_pool.v[i].obj);
	free(row_pool.v);
	row_pool.v = NULL;
	row_pool.n = row_pool.cap = 0;
}

int courses_list(struct http_request *req, struct http_response *resp)
{
	struct course_list cl;
	int rc = load_course_list(req, &cl);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	json_object *arr = json_object_new_array_ext((int)cl.rows.nrows);
	if (!arr)
		return web_orm_error(req, resp, ORM_NOMEM);
	size_t k = 0;
	for (size_t i = 0; i < cl.rows.nrows; i++) {
		const struct orm_value *v = &cl.rows.v[i * cl.rows.ncols];
		struct course_row *r = pooled_row(i);
		if (!r || !json_object_set_string_len(r->cname, v[CO_CNAME].s.p, (int)v[CO_CNAME].s.n)) {
			json_object_put(arr);
			return web_orm_error(req, resp, ORM_NOMEM);
		}
		json_object_set_int64(r->id, v[CO_ID].i);
		json_object_set_int64(r->score, v[CO_SCORE].i);
		json_object_set_int64(r->capacity, v[CO_CAPACITY].i);
		json_object_set_int64(r->enrolled, v[CO_ENROLLED].i);
		json_object_set_boolean(r->full, v[CO_ENROLLED].i >= v[CO_CAPACITY].i);
		json_object_set_boolean(r->selected, cl.logged_in && is_mine(&cl, &k, v[CO_ID].i));
		json_object_array_add(arr, json_object_get(r->obj));
	}
	json_object *ctx = json_object_new_object();
	site_ctx_add(ctx, "courses", arr);
	return web_render(req, resp, 200, "courses/list", ctx);
}

int api_courses_list(struct http_request *req, struct http_response *resp)
{
	struct course_list cl;
	int rc = load_course_list(req, &cl);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	struct web_jw w;
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "items");
	web_jw_array(&w);
	size_t k = 0;
	for (size_t i = 0; i < cl.rows.nrows; i++) {
		const struct orm_value *v = &cl.rows.v[i * cl.rows.ncols];
		int selected = cl.logged_in ? is_mine(&cl, &k, v[CO_ID].i) : -1;
		jw_course(&w, v[CO_ID].i, v[CO_CNAME].s.p, v[CO_SCORE].i, v[CO_CAPACITY].i,
			  v[CO_ENROLLED].i, selected);
	}
	web_jw_array_end(&w);
	web_jw_object_end(&w);
	return web_jw_finish(&w, resp, 200);
}

/* A course (*out NULL when there is none) with its students
 * (course.students, loaded into *students). 0 or an orm_err. */
static int course_detail(struct http_request *req, int64_t id, struct course **out,
			 struct orm_list **students)
{
	*out = NULL;
	if (!id)
		return 0;
	int rc = course_get(web_orm(req), id, out);
	if (rc < 0 || !*out)
		return rc;
	return course_load_students(web_orm(req), *out, students);
}

int courses_show(struct http_request *req, struct http_response *resp)
{
	struct course *c;
	struct orm_list *students;
	int rc = course_detail(req, site_path_id(req), &c, &students);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (!c)
		return web_abort(req, resp, 404, "No such course.");
	json_object *o = course_item(req, c);
	json_object *arr = json_object_new_array_ext((int)students->n);
	for (size_t i = 0; i < students->n; i++) {
		struct student *s = student_at(students, i);
		json_object *js = json_object_new_object();
		site_ctx_add(js, "id", json_object_new_int64(s->id));
		site_ctx_add(js, "sname", json_object_new_string(s->sname));
		json_object_array_add(arr, js);
	}
	site_ctx_add(o, "students", arr);
	json_object *ctx = json_object_new_object();
	site_ctx_add(ctx, "course", o);
	return web_render(req, resp, 200, "courses/show", ctx);
}

int api_courses_show(struct http_request *req, struct http_response *resp)
{
	struct course *c;
	struct orm_list *students;
	int rc = course_detail(req, site_path_id(req), &c, &students);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (!c)
		return web_api_error(resp, 404, "not_found", "No such course");
	struct web_jw w;
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "id");
	web_jw_int(&w, c->id);
	web_jw_key(&w, "cname");
	web_jw_str(&w, c->cname);
	web_jw_key(&w, "score");
	web_jw_int(&w, c->score);
	web_jw_key(&w, "capacity");
	web_jw_int(&w, c->capacity);
	web_jw_key(&w, "enrolled");
	web_jw_int(&w, c->enrolled);
	web_jw_key(&w, "students");
	web_jw_array(&w);
	for (size_t i = 0; i < students->n; i++) {
		struct student *s = student_at(students, i);
		web_jw_object(&w);
		web_jw_key(&w, "id");
		web_jw_int(&w, s->id);
		web_jw_key(&w, "sname");
		web_jw_str(&w, s->sname);
		web_jw_object_end(&w);
	}
	web_jw_array_end(&w);
	web_jw_object_end(&w);
	return web_jw_finish(&w, resp, 200);
}

enum enroll_result { ENROLL_NEW, ENROLL_ALREADY, ENROLL_FULL, ENROLL_NO_COURSE, ENROLL_DROPPED,
		     ENROLL_NOT_SELECTED };

/* One select or drop, run by orm_transaction (retried on fresh rows). */
struct enroll_txn {
	struct http_request *req;
	int64_t course_id, student_id;
	bool drop;
	int result;           /* enum enroll_result, set by every run */
	struct course *course; /* the course with its values after the change */
};

/* The student_course row of (student, course): affected rows of a DELETE
 * when del, else whether it exists. */
static int association(struct orm_session *s, const struct enroll_txn *t, bool del, bool *hit)
{
	struct orm_query *q = orm_filter_by(orm_query(s, &student_course_model), "stu_id",
					    orm_int(t->student_id));
	q = orm_filter_by(q, "cou_id", orm_int(t->course_id));
	if (del) {
		uint64_t n = 0;
		int rc = orm_delete_where(q, &n);
		*hit = n > 0;
		return rc;
	}
	int64_t n = 0;
	int rc = orm_count(orm_limit(q, 1), &n);
	*hit = n > 0;
	return rc;
}

/* The course's seat count moves by delta in a statement that checks the
 * limit itself: UPDATE course SET enrolled = enrolled + 1 WHERE id = ? AND
 * enrolled < capacity. Its affected-row count is the answer, whatever any
 * other transaction, worker or cluster node read before: no correctness
 * rests on a lock another node cannot see (SPEC 11). */
static int move_seat(struct orm_session *s, int64_t course_id, int delta, bool *moved)
{
	struct orm_query *q = orm_filter_by(course_query(s), "id", orm_int(course_id));
	if (delta > 0)
		q = orm_filter(q, orm_cmp_terms(s, orm_colref(s, ORM_COL(course, enrolled)), ORM_OP_LT,
						orm_colref(s, ORM_COL(course, capacity))));
	else
		q = orm_filter(q, orm_gt(s, ORM_COL(course, enrolled), orm_int(0)));
	struct orm_assign set = {ORM_COL(course, enrolled), orm_int(delta), true};
	uint64_t n = 0;
	int rc = orm_update(q, &set, 1, &n);
	*moved = n > 0;
	return rc;
}

/* The course row as it is now (inside the transaction, after our change;
 * FOR UPDATE refreshes an object the session already maps). */
static int reread_course(struct orm_session *s, struct enroll_txn *t)
{
	return course_first(orm_for_update(orm_filter_by(course_query(s), "id", orm_int(t->course_id))),
			    &t->course);
}

static int enroll_run(struct orm_session *s, void *arg)
{
	struct enroll_txn *t = arg;
	t->course = NULL;
	int rc = course_get(s, t->course_id, &t->course);
	if (rc < 0)
		return rc;
	if (!t->course) {
		t->result = ENROLL_NO_COURSE;
		return orm_rollback(s);
	}
	bool hit = false;
	if (t->drop) {
		if ((rc = association(s, t, true, &hit)) < 0)
			return rc;
		if (!hit) {
			t->result = ENROLL_NOT_SELECTED;
			return orm_rollback(s);
		}
		if ((rc = move_seat(s, t->course_id, -1, &hit)) < 0)
			return rc;
		t->result = ENROLL_DROPPED;
		return reread_course(s, t);
	}
	if ((rc = association(s, t, false, &hit)) < 0)
		return rc;
	if (hit) {
		/* Already selected: a no-op, also when the course is full. */
		t->result = ENROLL_ALREADY;
		return orm_rollback(s);
	}
	if ((rc = move_seat(s, t->course_id, +1, &hit)) < 0)
		return rc;
	if (!hit) {
		t->result = ENROLL_FULL;
		orm_rollback(s);
		return reread_course(s, t);
	}
	struct student_course *sc = student_course_new(s);
	if (!sc)
		return ORM_NOMEM;
	ORM_SET(sc, student_course, stu_id, t->student_id);
	ORM_SET(sc, student_course, cou_id, t->course_id);
	if ((rc = orm_add(s, sc)) < 0 || (rc = orm_flush(s)) < 0)
		return rc;
	t->result = ENROLL_NEW;
	return reread_course(s, t);
}

static int enroll(struct http_request *req, int64_t id, bool drop, int *result, struct course **c)
{
	*c = NULL;
	if (!id) {
		*result = ENROLL_NO_COURSE;
		return 0;
	}
	struct enroll_txn t = {.req = req, .course_id = id, .drop = drop};
	int rc = site_student_id(req, &t.student_id);
	if (rc < 0)
		return rc;
	if (!t.student_id) {
		log_error("user %lld has no student profile", (long long)site_user(req)->id);
		return ORM_MISUSE;
	}
	rc = orm_transaction(web_orm(req), enroll_run, &t);
	if (rc == ORM_CONFLICT && !drop) {
		/* The same student enrolled in a parallel request: the unique
		 * (stu_id, cou_id) refused the second row, the seat went back
		 * with the rollback. */
		t.result = ENROLL_ALREADY;
		rc = course_get(web_orm(req), id, &t.course);
	}
	*result = t.result;
	*c = t.course;
	return rc;
}

static int page_enroll(struct http_request *req, struct http_response *resp, bool drop)
{
	int result;
	struct course *c;
	/* Back to the page the button was on: a local `next` (My courses
	 * sends one), validated as login's; /courses without it (SPEC 7). */
	const char *next = site_form_str(req, "next");
	const char *back = *next ? site_safe_next(req, next) : "/courses";
	int rc = enroll(req, site_path_id(req), drop, &result, &c);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	switch (result) {
	case ENROLL_NO_COURSE:
		return web_abort(req, resp, 404, "No such course.");
	case ENROLL_FULL: {
		json_object *ctx = json_object_new_object();
		json_object *jc = course_item(req, c);
		json_object_object_add(ctx, "course", jc);
		return web_render(req, resp, 409, "courses/full", ctx);
	}
	case ENROLL_NEW:
		return site_redirect(resp, back, "course_selected");
	case ENROLL_DROPPED:
		return site_redirect(resp, back, "course_dropped");
	default:
		return site_redirect(resp, back, NULL);
	}
}

int courses_select(struct http_request *req, struct http_response *resp)
{
	return page_enroll(req, resp, false);
}

int courses_drop(struct http_request *req, struct http_response *resp)
{
	return page_enroll(req, resp, true);
}

int api_enroll(struct http_request *req, struct http_response *resp)
{
	int result;
	struct course *c;
	int rc = enroll(req, site_path_id(req), false, &result, &c);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (result == ENROLL_NO_COURSE)
		return web_api_error(resp, 404, "not_found", "No such course");
	if (result == ENROLL_FULL)
		return web_api_error(resp, 409, "course_full", "Course is full");
	return course_answer(resp, result == ENROLL_NEW ? 201 : 200, c, 1);
}

int api_unenroll(struct http_request *req, struct http_response *resp)
{
	int result;
	struct course *c;
	int rc = enroll(req, site_path_id(req), true, &result, &c);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (result == ENROLL_NO_COURSE)
		return web_api_error(resp, 404, "not_found", "No such course");
	resp->status = 204;
	resp->content_type = NULL;
	return 0;
}

/* The student's courses (student.courses, ordered by id) as rows of the
 * course columns, in one statement through student_course. 0 or an
 * orm_err; no rows for a user without a student profile. */
static int my_courses(struct http_request *req, struct orm_rows *rows)
{
	struct orm_session *s = web_orm(req);
	memset(rows, 0, sizeof *rows);
	int64_t sid;
	int rc = site_student_id(req, &sid);
	if (rc < 0 || !sid)
		return rc;
	struct orm_query *q = orm_join(course_query(s), ORM_REL(course, students));
	q = orm_filter(q, orm_eq(s, ORM_COL(student_course, stu_id), orm_int(sid)));
	return orm_rows(course_columns(s, q), rows);
}

int me_courses(struct http_request *req, struct http_response *resp)
{
	struct orm_rows rows;
	int rc = my_courses(req, &rows);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	int64_t credits = 0;
	json_object *items = json_object_new_array_ext((int)rows.nrows);
	for (size_t i = 0; i < rows.nrows; i++) {
		const struct orm_value *v = &rows.v[i * rows.ncols];
		credits += v[CO_SCORE].i;
		json_object *o = json_object_new_object();
		site_ctx_add(o, "id", json_object_new_int64(v[CO_ID].i));
		site_ctx_add(o, "cname", json_object_new_string_len(v[CO_CNAME].s.p, (int)v[CO_CNAME].s.n));
		site_ctx_add(o, "score", json_object_new_int64(v[CO_SCORE].i));
		json_object_array_add(items, o);
	}
	json_object *ctx = json_object_new_object();
	site_ctx_add(ctx, "courses", items);
	site_ctx_add(ctx, "total_credits", json_object_new_int64(credits));
	return web_render(req, resp, 200, "me/courses", ctx);
}

int api_me_courses(struct http_request *req, struct http_response *resp)
{
	struct orm_rows rows;
	int rc = my_courses(req, &rows);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	int64_t credits = 0;
	struct web_jw w;
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "items");
	web_jw_array(&w);
	for (size_t i = 0; i < rows.nrows; i++) {
		const struct orm_value *v = &rows.v[i * rows.ncols];
		credits += v[CO_SCORE].i;
		jw_course(&w, v[CO_ID].i, v[CO_CNAME].s.p, v[CO_SCORE].i, v[CO_CAPACITY].i,
			  v[CO_ENROLLED].i, 1);
	}
	web_jw_array_end(&w);
	web_jw_key(&w, "total_credits");
	web_jw_int(&w, credits);
	web_jw_object_end(&w);
	return web_jw_finish(&w, resp, 200);
}

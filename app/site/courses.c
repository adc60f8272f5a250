/* courses.c — course selection: the course pages, select / drop, the
 * student's own courses, and the course API. Capacity is a hard limit: a
 * seat is taken by a conditional UPDATE (enrolled < capacity) in the same
 * transaction as the student_course row, so it holds on one server and on
 * any cluster topology. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "site/site_priv.h"
#include "web/web.h"


/* A course as the API shows it; selected < 0 leaves "selected" out. */
static void jw_course(struct web_jw *w, const struct course *c, int selected)
{
	web_jw_object(w);
	web_jw_key(w, "id");
	web_jw_int(w, c->id);
	web_jw_key(w, "cname");
	web_jw_str(w, c->cname);
	web_jw_key(w, "score");
	web_jw_int(w, c->score);
	web_jw_key(w, "capacity");
	web_jw_int(w, c->capacity);
	web_jw_key(w, "enrolled");
	web_jw_int(w, c->enrolled);
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
	jw_course(&w, c, selected);
	return web_jw_finish(&w, resp, status);
}

/* A page's context holding one course (courses/show, courses/full):
 * its columns and computed fields (site/fields.c), its loaded students.
 * NULL when out of memory. */
static struct tmpl_map *course_context(struct http_request *req, const struct course *c)
{
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set(ctx, "course", orm_tmpl_obj(c, NULL, req->arena)) < 0)
		return NULL;
	return ctx;
}

/* The logged-in user's student profile as an object of the request's
 * session, its id from the session's data (no query: orm_merge_known),
 * or *out NULL for an anonymous visitor or a user without one. 0 or an
 * orm_err. */
static int my_student(struct http_request *req, struct student **out)
{
	struct orm_session *s = web_orm(req);
	int64_t sid = 0;
	*out = NULL;
	int rc = site_student_id(req, &sid);
	if (rc < 0 || !sid)
		return rc;
	struct student *st = student_new(s);
	if (!st)
		return ORM_NOMEM;
	st->id = (int32_t)sid;
	*out = orm_merge_known(s, st, ORM_COLBIT(student, id));
	return *out ? 0 : ORM_NOMEM;
}

/* The course list: every course by id (one statement) and, for a
 * logged-in student, the courses of mine among them, as objects of that
 * list, so that a course is "selected" when it is in mine. */
struct course_list {
	struct orm_list all;
	bool logged_in;
	const struct orm_list *mine; /* NULL: anonymous or no profile */
	struct orm_objset *mine_set; /* mine as a set (the list page's
					"selected", asked once per row), or NULL */
};

/* The ids of the courses student sid chose, from student_course alone
 * (one statement on one table: the courses themselves are in the list
 * already; a join with course costs MariaDB about 30 µs more per request,
 * docs/performance.md), as the objects of all that have those ids, in
 * all's order, into *out (the request's arena). 0 or an orm_err. */
static int my_courses_in(struct http_request *req, int64_t sid, const struct orm_list *all,
			 struct orm_list **out)
{
	struct orm_session *s = web_orm(req);
	struct orm_rows ids;
	struct orm_query *q = orm_filter_by(student_course_query(s), "stu_id", orm_int(sid));
	int rc = orm_rows(orm_select(q, orm_colref(s, ORM_COL(student_course, cou_id))), &ids);
	if (rc < 0)
		return rc;
	struct orm_list *mine = arena_alloc(req->arena, sizeof *mine);
	struct orm_obj **items = arena_alloc(req->arena, (ids.nrows ? ids.nrows : 1) * sizeof *items);
	if (!mine || !items)
		return ORM_NOMEM;
	memset(mine, 0, sizeof *mine);
	mine->items = items;
	mine->cap = ids.nrows;
	/* A course created after the list was read is not on the page. */
	for (size_t i = 0; i < all->n && mine->n < ids.nrows; i++) {
		const struct course *c = course_at(all, i);
		for (size_t k = 0; k < ids.nrows; k++)
			if (orm_value_int(orm_rows_at(&ids, k)[0]) == c->id) {
				mine->items[mine->n++] = all->items[i];
				break;
			}
	}
	*out = mine;
	return 0;
}

static int load_course_list(struct http_request *req, struct course_list *cl)
{
	struct orm_session *s = web_orm(req);
	memset(cl, 0, sizeof *cl);
	int rc = orm_all(orm_order_by(course_query(s), ORM_COL(course, id), ORM_ASC), &cl->all);
	if (rc < 0)
		return rc;
	cl->logged_in = site_user(req) != NULL;
	int64_t sid = 0;
	if (!cl->logged_in || (rc = site_student_id(req, &sid)) < 0 || !sid)
		return rc;
	struct orm_list *mine;
	if ((rc = my_courses_in(req, sid, &cl->all, &mine)) < 0)
		return rc;
	cl->mine = mine;
	if (!(cl->mine_set = arena_alloc(req->arena, sizeof *cl->mine_set)))
		return ORM_NOMEM;
	return orm_objset_init(cl->mine_set, mine, req->arena);
}

int courses_list(struct http_request *req, struct http_response *resp)
{
	struct course_list cl;
	int rc = load_course_list(req, &cl);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set(ctx, "courses", orm_tmpl_list(&cl.all, cl.mine_set, req->arena)) < 0)
		return -1;
	return web_render_value(req, resp, 200, "courses/list", tmpl_map_value(ctx));
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
	for (size_t i = 0; i < cl.all.n; i++) {
		const struct course *c = course_at(&cl.all, i);
		int selected = cl.logged_in ? cl.mine && orm_list_contains(cl.mine, c) : -1;
		jw_course(&w, c, selected);
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
	return web_render_value(req, resp, 200, "courses/show", tmpl_map_value(course_context(req, c)));
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
	case ENROLL_FULL:
		return web_render_value(req, resp, 409, "courses/full",
					tmpl_map_value(course_context(req, c)));
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

/* The student's courses (student.courses, ordered by id), in one
 * statement through student_course; an empty list for a user without a
 * student profile. 0 or an orm_err. */
static int my_courses(struct http_request *req, const struct orm_list **out)
{
	static const struct orm_list none;
	struct student *me;
	struct orm_list *l;
	*out = &none;
	int rc = my_student(req, &me);
	if (rc < 0 || !me)
		return rc;
	if ((rc = student_load_courses(web_orm(req), me, &l)) < 0)
		return rc;
	*out = l;
	return 0;
}

static int64_t credits_of(const struct orm_list *courses)
{
	int64_t credits = 0;
	for (size_t i = 0; i < courses->n; i++)
		credits += course_at(courses, i)->score;
	return credits;
}

int me_courses(struct http_request *req, struct http_response *resp)
{
	const struct orm_list *courses;
	int rc = my_courses(req, &courses);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set(ctx, "courses", orm_tmpl_list(courses, NULL, req->arena)) < 0 ||
	    tmpl_map_set_int(ctx, "total_credits", credits_of(courses)) < 0)
		return -1;
	return web_render_value(req, resp, 200, "me/courses", tmpl_map_value(ctx));
}

int api_me_courses(struct http_request *req, struct http_response *resp)
{
	const struct orm_list *courses;
	int rc = my_courses(req, &courses);
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	struct web_jw w;
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "items");
	web_jw_array(&w);
	for (size_t i = 0; i < courses->n; i++)
		jw_course(&w, course_at(courses, i), 1);
	web_jw_array_end(&w);
	web_jw_key(&w, "total_credits");
	web_jw_int(&w, credits_of(courses));
	web_jw_object_end(&w);
	return web_jw_finish(&w, resp, 200);
}

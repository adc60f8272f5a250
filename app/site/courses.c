/* courses.c — course selection: the course pages, select / drop, the
 * student's own courses, and the course API. Capacity is a hard limit: an
 * enrollment locks its course row (SELECT ... FOR UPDATE) before it counts
 * the seats, so racing workers are serialized per course. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "site/site_priv.h"
#include "web/web.h"

static int64_t path_id(struct request *req)
{
	const char *a = req_arg(req, 0);
	long long v;
	if (!a || !parse_digits(a, strlen(a), 1LL << 53, &v) || v < 1)
		return 0;
	return v;
}

/* The logged-in user's student profile (NULL when none). */
static int my_student(struct request *req, struct student **out)
{
	struct site_req *sr = site_req(req);
	*out = NULL;
	struct user *me = site_user(req);
	if (!me)
		return 0;
	return student_first(orm_filter_by(student_query(&sr->orm), "user_id", orm_int(me->id)), out);
}

static json_object *course_item(struct course *c, int selected)
{
	int64_t enrolled = c->enrolled;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(c->id));
	json_object_object_add(o, "cname", json_object_new_string(c->cname));
	json_object_object_add(o, "score", json_object_new_int64(c->score));
	json_object_object_add(o, "capacity", json_object_new_int64(c->capacity));
	json_object_object_add(o, "enrolled", json_object_new_int64(enrolled));
	if (selected >= 0)
		json_object_object_add(o, "selected", json_object_new_boolean(selected));
	return o;
}

/* Every course (by id) as JSON items; selected only when logged in. With
 * page true, also the "full" flag pages use. */
static int all_courses(struct request *req, bool page, json_object **out)
{
	struct site_req *sr = site_req(req);
	struct orm_list courses = {0};
	int rc = orm_all(orm_order_by(course_query(&sr->orm), ORM_COL(course, id), ORM_ASC), &courses);
	struct student *st = NULL;
	struct orm_list *mine = NULL;
	if (rc == 0)
		rc = my_student(req, &st);
	if (rc == 0 && st)
		rc = student_load_courses(&sr->orm, st, &mine);
	if (rc < 0)
		return rc;
	bool logged_in = site_user(req) != NULL;
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < courses.n; i++) {
		struct course *c = course_at(&courses, i);
		int selected = logged_in ? (mine && orm_list_contains(mine, c)) : -1;
		json_object *item = course_item(c, selected);
		if (page)
			json_object_object_add(item, "full", json_object_new_boolean(c->enrolled >= c->capacity));
		json_object_array_add(arr, item);
	}
	*out = arr;
	return 0;
}

int courses_list(struct request *req, struct response *resp)
{
	json_object *items;
	int rc = all_courses(req, true, &items);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "courses", items);
	return site_render(req, resp, 200, "courses/list", ctx);
}

int api_courses_list(struct request *req, struct response *resp)
{
	json_object *items;
	int rc = all_courses(req, false, &items);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "items", items);
	return site_json(resp, 200, o);
}

/* A course with its students (course.students), or NULL. */
static int course_detail(struct request *req, int64_t id, json_object **out)
{
	struct site_req *sr = site_req(req);
	*out = NULL;
	struct course *c = NULL;
	if (!id)
		return 0;
	int rc = course_get(&sr->orm, id, &c);
	if (rc < 0 || !c)
		return rc;
	struct orm_list *students;
	rc = course_load_students(&sr->orm, c, &students);
	if (rc < 0)
		return rc;
	json_object *o = course_item(c, -1);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < students->n; i++) {
		struct student *s = student_at(students, i);
		json_object *js = json_object_new_object();
		json_object_object_add(js, "id", json_object_new_int64(s->id));
		json_object_object_add(js, "sname", json_object_new_string(s->sname));
		json_object_array_add(arr, js);
	}
	json_object_object_add(o, "students", arr);
	*out = o;
	return 0;
}

int courses_show(struct request *req, struct response *resp)
{
	json_object *c;
	int rc = course_detail(req, path_id(req), &c);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	if (!c)
		return site_fail(req, resp, 404, "No such course.");
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "course", c);
	return site_render(req, resp, 200, "courses/show", ctx);
}

int api_courses_show(struct request *req, struct response *resp)
{
	json_object *c;
	int rc = course_detail(req, path_id(req), &c);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	if (!c)
		return site_api_error(resp, 404, "not_found", "No such course");
	return site_json(resp, 200, c);
}

enum enroll_result { ENROLL_NEW, ENROLL_ALREADY, ENROLL_FULL, ENROLL_NO_COURSE, ENROLL_DROPPED,
		     ENROLL_NOT_SELECTED };

/* One attempt of student.courses.append(course) under the course's row
 * lock. *course_out is the course when it exists. */
static int enroll_once(struct request *req, int64_t id, bool drop, int *result, struct course **course_out)
{
	struct site_req *sr = site_req(req);
	struct orm_session *s = &sr->orm;
	int rc = orm_begin(s);
	if (rc < 0)
		return rc;
	struct course *c = NULL;
	rc = course_first(orm_for_update(orm_filter_by(course_query(s), "id", orm_int(id))), &c);
	if (rc < 0)
		goto fail;
	*course_out = c;
	if (!c) {
		*result = ENROLL_NO_COURSE;
		return orm_rollback(s);
	}
	struct student *st = NULL;
	rc = my_student(req, &st);
	if (rc < 0)
		goto fail;
	if (!st) {
		rc = ORM_MISUSE;
		orm_rollback(s);
		log_error("user %lld has no student profile", (long long)site_user(req)->id);
		return rc;
	}
	struct orm_list *mine;
	rc = student_load_courses(s, st, &mine);
	if (rc < 0)
		goto fail;
	bool selected = orm_list_contains(mine, c);
	if (drop) {
		if (!selected) {
			*result = ENROLL_NOT_SELECTED;
			return orm_rollback(s);
		}
		rc = orm_remove(s, st, ORM_REL(student, courses), c);
		if (rc == 0) {
			ORM_SET(c, course, enrolled, c->enrolled - 1);
			rc = orm_commit(s);
		}
		if (rc < 0)
			goto fail;
		*result = ENROLL_DROPPED;
		return 0;
	}
	if (selected) {
		/* Already selected: a no-op, also when the course is full. */
		*result = ENROLL_ALREADY;
		return orm_rollback(s);
	}
	if (c->enrolled >= c->capacity) {
		*result = ENROLL_FULL;
		return orm_rollback(s);
	}
	rc = orm_append(s, st, ORM_REL(student, courses), c);
	if (rc == 0) {
		ORM_SET(c, course, enrolled, c->enrolled + 1);
		rc = orm_commit(s);
	}
	if (rc == ORM_CONFLICT) {
		/* The same student enrolled in a parallel request. */
		*result = ENROLL_ALREADY;
		return 0;
	}
	if (rc < 0)
		goto fail;
	*result = ENROLL_NEW;
	return 0;
fail:
	orm_rollback(s);
	return rc;
}

static int enroll(struct request *req, int64_t id, bool drop, int *result, struct course **c)
{
	*c = NULL;
	if (!id) {
		*result = ENROLL_NO_COURSE;
		return 0;
	}
	int rc = 0;
	for (int attempt = 0; attempt < 5; attempt++) {
		rc = enroll_once(req, id, drop, result, c);
		if (rc != ORM_RETRY)
			break;
	}
	return rc;
}

static int page_enroll(struct request *req, struct response *resp, bool drop)
{
	int result;
	struct course *c;
	int rc = enroll(req, path_id(req), drop, &result, &c);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	switch (result) {
	case ENROLL_NO_COURSE:
		return site_fail(req, resp, 404, "No such course.");
	case ENROLL_FULL: {
		json_object *ctx = json_object_new_object();
		json_object *jc = course_item(c, -1);
		json_object_object_add(ctx, "course", jc);
		return site_render(req, resp, 409, "courses/full", ctx);
	}
	case ENROLL_NEW:
		return site_redirect(resp, "/courses", "course_selected");
	case ENROLL_DROPPED:
		return site_redirect(resp, "/courses", "course_dropped");
	default:
		return site_redirect(resp, "/courses", NULL);
	}
}

int courses_select(struct request *req, struct response *resp)
{
	return page_enroll(req, resp, false);
}

int courses_drop(struct request *req, struct response *resp)
{
	return page_enroll(req, resp, true);
}

int api_enroll(struct request *req, struct response *resp)
{
	int result;
	struct course *c;
	int rc = enroll(req, path_id(req), false, &result, &c);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	if (result == ENROLL_NO_COURSE)
		return site_api_error(resp, 404, "not_found", "No such course");
	if (result == ENROLL_FULL)
		return site_api_error(resp, 409, "course_full", "Course is full");
	return site_json(resp, result == ENROLL_NEW ? 201 : 200, course_item(c, 1));
}

int api_unenroll(struct request *req, struct response *resp)
{
	int result;
	struct course *c;
	int rc = enroll(req, path_id(req), true, &result, &c);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	if (result == ENROLL_NO_COURSE)
		return site_api_error(resp, 404, "not_found", "No such course");
	resp->status = 204;
	resp->content_type = NULL;
	return 0;
}

/* The student's courses (ordered by id) as items, and the credit total. */
static int my_courses(struct request *req, json_object **items, int64_t *credits)
{
	struct site_req *sr = site_req(req);
	struct student *st = NULL;
	int rc = my_student(req, &st);
	if (rc < 0)
		return rc;
	struct orm_list *mine = NULL;
	if (st && (rc = student_load_courses(&sr->orm, st, &mine)) < 0)
		return rc;
	*items = json_object_new_array();
	*credits = 0;
	for (size_t i = 0; mine && i < mine->n; i++) {
		struct course *c = course_at(mine, i);
		*credits += c->score;
		json_object_array_add(*items, course_item(c, 1));
	}
	return 0;
}

int me_courses(struct request *req, struct response *resp)
{
	json_object *items;
	int64_t credits;
	int rc = my_courses(req, &items, &credits);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "courses", items);
	json_object_object_add(ctx, "total_credits", json_object_new_int64(credits));
	return site_render(req, resp, 200, "me/courses", ctx);
}

int api_me_courses(struct request *req, struct response *resp)
{
	json_object *items;
	int64_t credits;
	int rc = my_courses(req, &items, &credits);
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "total_credits", json_object_new_int64(credits));
	return site_json(resp, 200, o);
}

/* user.c — the site's per-request state and who is logged in: the user
 * loader (the logged-in user read from the session's data, or its row),
 * the student id, and logging a user in. */
#include "site/site_priv.h"
#include "web/web.h"

struct site_req *site_req(struct http_request *req)
{
	struct site_req *sr = web_g(req, sizeof *sr);
	if (sr && !sr->init) {
		sr->init = true;
		sr->student_id = -1;
	}
	return sr;
}

/* Write who is logged in into the session data (see SITE_SESSION_*):
 * student_id -1 (not known) leaves that key out. A failure only costs the
 * query these keys save, so it is not reported. */
static void remember_user(struct http_request *req, const struct user *u, int64_t student_id)
{
	web_session_set(req, SITE_SESSION_USER_ID, json_object_new_int64(u->id));
	web_session_set(req, SITE_SESSION_USERNAME, json_object_new_string(u->username));
	if (student_id >= 0)
		web_session_set(req, SITE_SESSION_STUDENT_ID, json_object_new_int64(student_id));
	else
		web_session_pop(req, SITE_SESSION_STUDENT_ID);
}

/* The user the session's keys describe, or NULL when they do not (a
 * session from before the keys, or one they do not match): the model's
 * object with id and username, merged into the request's ORM session
 * without a query (its other columns unloaded until orm_get reads them). */
static struct user *user_from_session(struct http_request *req, long long uid)
{
	struct site_req *sr = site_req(req);
	if (!sr)
		return NULL;
	json_object *jid = web_session_get(req, SITE_SESSION_USER_ID);
	json_object *jname = web_session_get(req, SITE_SESSION_USERNAME);
	if (!json_object_is_type(jid, json_type_int) || json_object_get_int64(jid) != uid ||
	    !json_object_is_type(jname, json_type_string))
		return NULL;
	struct orm_session *s = web_orm(req);
	struct user *u = user_new(s);
	/* The session's JSON dies at save: copy the name. */
	char *name = arena_strndup(req->arena, json_object_get_string(jname),
				   (size_t)json_object_get_string_len(jname));
	if (!u || !name)
		return NULL;
	u->id = (int32_t)uid;
	u->username = name;
	u = orm_merge_known(s, u, ORM_COLBIT(user, id) | ORM_COLBIT(user, username));
	if (!u)
		return NULL;
	json_object *jst = web_session_get(req, SITE_SESSION_STUDENT_ID);
	if (json_object_is_type(jst, json_type_int) && json_object_get_int64(jst) >= 0)
		sr->student_id = json_object_get_int64(jst);
	return u;
}

int site_load_user(struct http_request *req, long long uid, void **out)
{
	struct site_req *sr = site_req(req);
	if (!sr)
		return ORM_NOMEM;
	*out = user_from_session(req, uid);
	if (*out)
		return 0;
	/* A session from before the keys: the row once, and the keys for the
	 * next requests. */
	struct user *u = NULL;
	int rc = user_get(web_orm(req), uid, &u);
	if (rc < 0)
		return rc;
	if (rc == 0 && u && !u->isdelete) {
		*out = u;
		remember_user(req, u, -1);
	}
	return 0;
}

struct user *site_user(struct http_request *req)
{
	return web_user(req);
}

struct user *site_user_row(struct http_request *req, int *err)
{
	*err = 0;
	struct user *me = site_user(req);
	if (!me)
		return NULL;
	/* The same object, its unloaded columns read (one primary key query
	 * the first time; none when it is whole). */
	struct user *u = NULL;
	int rc = user_get(web_orm(req), me->id, &u);
	if (rc < 0) {
		*err = rc;
		return NULL;
	}
	if (!u || u->isdelete)
		return NULL;
	return u;
}

int site_student_id(struct http_request *req, int64_t *out)
{
	struct site_req *sr = site_req(req);
	*out = 0;
	if (!sr)
		return ORM_NOMEM;
	struct user *me = site_user(req);
	if (!me)
		return 0;
	if (sr->student_id < 0) {
		struct student *st = NULL;
		struct orm_query *q = orm_filter_by(student_query(web_orm(req)), "user_id", orm_int(me->id));
		int rc = student_first(q, &st);
		if (rc < 0)
			return rc;
		sr->student_id = st ? st->id : 0;
		web_session_set(req, SITE_SESSION_STUDENT_ID, json_object_new_int64(sr->student_id));
	}
	*out = sr->student_id;
	return 0;
}

int site_login(struct http_request *req, struct user *u, int64_t student_id)
{
	struct site_req *sr = site_req(req);
	if (!sr)
		return -1;
	/* Before the login, so that the new row is inserted with them. */
	remember_user(req, u, student_id);
	if (web_login_user(req, u->id, u) < 0)
		return -1;
	sr->student_id = student_id;
	return 0;
}

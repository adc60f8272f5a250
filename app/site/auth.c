/* auth.c — register, log in, log out: the pages and the JSON API. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "site/site_priv.h"
#include "web/web.h"

static bool truthy(const char *v)
{
	return !strcasecmp(v, "1") || !strcasecmp(v, "on") || !strcasecmp(v, "true") ||
	       !strcasecmp(v, "yes");
}

struct account_txn {
	const char *username, *hash;
	struct user *u;
};

static int account_create_run(struct orm_session *s, void *arg)
{
	struct account_txn *t = arg;
	struct user *u = t->u = user_new(s);
	struct student *st = student_new(s);
	if (!u || !st)
		return ORM_NOMEM;
	u->username = arena_strdup(s->arena, t->username);
	u->password = arena_strdup(s->arena, t->hash);
	if (!u->username || !u->password)
		return ORM_NOMEM;
	st->sname = u->username;
	int rc = orm_add(s, u);
	if (rc == 0)
		rc = orm_set_related(s, st, ORM_REL(student, user), u);
	if (rc == 0)
		rc = orm_add(s, st);
	return rc;
}

int site_account_create(struct orm_session *s, const char *username, const char *password,
			struct user **out)
{
	/* A name already taken (in any ASCII case) costs one SELECT, not a
	 * hash: a flood of taken names does not take the CPU from the
	 * others. The unique index still decides a race. */
	struct user *taken = NULL;
	int rc = user_first(orm_filter_by(user_query(s), "username", orm_str(username)), &taken);
	if (rc < 0)
		return rc;
	if (taken)
		return ORM_CONFLICT;
	/* The hash is computed once, outside the retried transaction. */
	char hash[WEB_PASSWORD_HASH_BYTES];
	if (web_password_hash(password, hash) < 0)
		return ORM_NOMEM;
	struct account_txn t = {.username = username, .hash = hash};
	rc = orm_transaction(s, account_create_run, &t);
	if (rc < 0)
		return rc;
	*out = t.u;
	return 0;
}

static int create_account(struct http_request *req, const char *username, const char *password,
			  struct user **out)
{
	return site_account_create(web_orm(req), username, password, out);
}

/* Log in a user just registered: its student profile came with it. */
static int log_in_new(struct http_request *req, struct user *u)
{
	return site_login(req, u, u->student ? u->student->id : -1);
}

/* The user called username whose password matches, else NULL. Timing
 * does not tell whether the user exists. SPEC 5: names are the same name
 * when they differ in ASCII case only. A name that registration would
 * refuse (a trailing space, full-width letters, U+200B...) names nobody,
 * although the column's collation would match it to a registered one. */
static struct user *check_credentials(struct http_request *req, const char *username, const char *password,
				      int *err)
{
	*err = 0;
	struct user *u = NULL;
	if (!site_check_username(username)) {
		struct orm_query *q = orm_filter_by(user_query(web_orm(req)), "username", orm_str(username));
		q = orm_filter_by(q, "isdelete", orm_bool(false));
		int rc = user_first(q, &u);
		if (rc < 0) {
			*err = rc;
			return NULL;
		}
		if (u && strcasecmp(u->username, username) != 0)
			u = NULL;
	}
	if (!u) {
		web_password_dummy_verify(password);
		return NULL;
	}
	return web_password_verify(u->password, password) ? u : NULL;
}

/* A user's hash made with weaker parameters than today's is replaced by
 * one made now, while the password is at hand (the stored one changes only
 * if nobody changed it meanwhile). A failure is logged, not the login's. */
struct rehash_txn {
	struct user *u;
	const char *hash;
	uint64_t affected;
};

static int rehash_run(struct orm_session *s, void *arg)
{
	struct rehash_txn *t = arg;
	struct orm_query *q = orm_filter_by(user_query(s), "id", orm_int(t->u->id));
	q = orm_filter_by(q, "password", orm_str(t->u->password));
	struct orm_assign set = {ORM_COL(user, password), orm_str(t->hash), false};
	t->affected = 0;
	return orm_update(q, &set, 1, &t->affected);
}

static void rehash_if_weaker(struct http_request *req, struct user *u, const char *password)
{
	if (!web_password_needs_rehash(u->password))
		return;
	char hash[WEB_PASSWORD_HASH_BYTES];
	if (web_password_hash(password, hash) < 0) {
		log_error("re-hashing the password of user %lld failed", (long long)u->id);
		return;
	}
	struct rehash_txn t = {u, hash, 0};
	struct orm_session *s = web_orm(req);
	if (orm_retry(s, rehash_run, &t) < 0)
		log_warn("re-hashing the password of user %lld failed: %s", (long long)u->id,
			 orm_errmsg(s));
}

/* SPEC 10: the throttled attempt's answer gets Retry-After (set after
 * the body, which may clear the headers). rc passes through. */
static int with_retry_after(struct http_response *resp, long wait, int rc)
{
	char secs[24];
	snprintf(secs, sizeof secs, "%ld", wait);
	return rc < 0 || http_resp_header(resp, "Retry-After", secs) < 0 ? -1 : rc;
}

static const char *throttle_text(struct http_request *req, long wait)
{
	long minutes = (wait + 59) / 60;
	const char *t = arena_printf(req->arena, "Too many attempts, try again in %ld minute%s",
				     minutes, minutes == 1 ? "" : "s");
	return t ? t : "Too many attempts, try again later";
}

/* The student id of u (0: no profile), read at login so that the session
 * holds it. 0 or an orm_err. */
static int student_of(struct http_request *req, struct user *u, int64_t *out)
{
	struct student *st = NULL;
	int rc = student_first(orm_filter_by(student_query(web_orm(req)), "user_id", orm_int(u->id)), &st);
	*out = st ? st->id : 0;
	return rc;
}

/* Log out (the session row and cookie go), forgetting who was logged in. */
static int log_out(struct http_request *req)
{
	if (web_logout_user(req) < 0)
		return -1;
	struct site_req *sr = site_req(req);
	if (sr)
		sr->student_id = 0;
	return 0;
}

/* ---- the one login flow of page and API ---- */

enum login_outcome {
	LOGIN_OK,        /* logged in: a.u */
	LOGIN_THROTTLED, /* 429: a.wait seconds */
	LOGIN_INVALID,   /* wrong name or password */
	LOGIN_ORM,       /* a database error: a.err */
	LOGIN_FAILED,    /* internal error: 500 */
};

struct login_attempt {
	const char *username, *password; /* NULL: missing (API) */
	bool remember;
	long wait;
	int err;
	struct user *u;
};

/* SPEC 10 then 7: the attempt reserved against the account and the
 * address before any hash (throttled when either is at its limit: at most
 * the limit of parallel attempts ever hash); then the credentials (a
 * failure keeps its reservation), and on success the failures forgotten, a weaker hash
 * replaced, a new session carrying who is logged in, and the remember
 * cookie. */
static enum login_outcome login_run(struct http_request *req, struct http_response *resp,
				    struct login_attempt *a)
{
	int gate = web_login_begin(req, a->username, &a->wait);
	if (gate < 0)
		return LOGIN_FAILED;
	if (gate > 0)
		return LOGIN_THROTTLED;
	if (a->username && a->password)
		a->u = check_credentials(req, a->username, a->password, &a->err);
	else
		web_password_dummy_verify(a->password ? a->password : "");
	if (a->err)
		return LOGIN_ORM;
	if (!a->u)
		return LOGIN_INVALID; /* the reserved attempt stays: a failure */
	if (web_login_succeeded(req, a->username) < 0)
		return LOGIN_FAILED;
	rehash_if_weaker(req, a->u, a->password);
	int64_t sid;
	if ((a->err = student_of(req, a->u, &sid)) < 0)
		return LOGIN_ORM;
	if (site_login(req, a->u, sid) < 0)
		return LOGIN_FAILED;
	if (a->remember && web_remember_username(req, resp, a->u->username) < 0)
		return LOGIN_FAILED;
	return LOGIN_OK;
}

/* ---- pages ---- */

static int render_register(struct http_request *req, struct http_response *resp, int status,
			   const char *username, const char *uerr, const char *perr, const char *err)
{
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set_str(ctx, "username", username) < 0 ||
	    (uerr && tmpl_map_set_str(ctx, "username_error", uerr) < 0) ||
	    (perr && tmpl_map_set_str(ctx, "password_error", perr) < 0) ||
	    (err && tmpl_map_set_str(ctx, "error", err) < 0))
		return -1;
	return web_render_value(req, resp, status, "register", tmpl_map_value(ctx));
}

int auth_register_form(struct http_request *req, struct http_response *resp)
{
	return render_register(req, resp, 200, "", NULL, NULL, NULL);
}

int auth_register(struct http_request *req, struct http_response *resp)
{
	const char *username = site_form_str(req, "username");
	const char *password = site_form_str(req, "password");
	const char *uerr = site_check_username(username);
	const char *perr = site_check_password(password);
	if (uerr || perr)
		return render_register(req, resp, 422, username, uerr, perr,
				       "Please correct the fields below.");
	/* SPEC 10: an attempt reserved against the address before any hash
	 * (an address blocked by failed logins registers nobody either). */
	long wait;
	int gate = web_register_begin(req, &wait);
	if (gate)
		return gate < 0 ? -1
				: with_retry_after(resp, wait,
						   render_register(req, resp, 429, username, NULL, NULL,
								   throttle_text(req, wait)));
	struct user *u = NULL;
	int rc = create_account(req, username, password, &u);
	if (rc == ORM_CONFLICT)
		return render_register(req, resp, 422, username, "This username is already taken.", NULL,
				       "This username is already taken.");
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (web_register_succeeded(req) < 0 || log_in_new(req, u) < 0)
		return -1;
	return site_redirect(resp, "/", "registered");
}

static int render_login(struct http_request *req, struct http_response *resp, int status, const char *username,
			const char *next, bool remember, const char *err)
{
	struct tmpl_map *ctx = web_context(req);
	if (tmpl_map_set_str(ctx, "username", username) < 0 || tmpl_map_set_str(ctx, "next", next) < 0 ||
	    tmpl_map_set_bool(ctx, "remember", remember) < 0 ||
	    (err && tmpl_map_set_str(ctx, "error", err) < 0))
		return -1;
	return web_render_value(req, resp, status, "login", tmpl_map_value(ctx));
}

int auth_login_form(struct http_request *req, struct http_response *resp)
{
	const char *remembered = http_req_cookie(req, WEB_REMEMBER_COOKIE);
	const char *next = http_req_query(req, "next");
	return render_login(req, resp, 200, remembered ? remembered : "", next ? next : "",
			    remembered != NULL, NULL);
}

int auth_login(struct http_request *req, struct http_response *resp)
{
	struct login_attempt a = {
		.username = site_form_str(req, "username"),
		.password = site_form_str(req, "password"),
		.remember = truthy(site_form_str(req, "remember")),
	};
	const char *next = site_form_str(req, "next");
	switch (login_run(req, resp, &a)) {
	case LOGIN_OK:
		return site_redirect(resp, site_safe_next(req, next), "logged_in");
	case LOGIN_THROTTLED:
		return with_retry_after(resp, a.wait,
					render_login(req, resp, 429, a.username, next, a.remember,
						     throttle_text(req, a.wait)));
	case LOGIN_INVALID:
		return render_login(req, resp, 422, a.username, next, a.remember,
				    "Invalid username or password");
	case LOGIN_ORM:
		return web_orm_error(req, resp, a.err);
	default:
		return -1;
	}
}

int auth_logout(struct http_request *req, struct http_response *resp)
{
	if (log_out(req) < 0)
		return -1;
	return site_redirect(resp, "/", "logged_out");
}

/* ---- API ---- */

/* Answer {id, username[, rdatetime]} with status. */
static int user_json(struct http_response *resp, int status, struct user *u, bool with_date)
{
	struct web_jw w;
	web_jw_start(&w, resp);
	web_jw_object(&w);
	web_jw_key(&w, "id");
	web_jw_int(&w, u->id);
	web_jw_key(&w, "username");
	web_jw_str(&w, u->username);
	if (with_date) {
		web_jw_key(&w, "rdatetime");
		web_jw_datetime(&w, u->rdatetime);
	}
	web_jw_object_end(&w);
	return web_jw_finish(&w, resp, status);
}

int api_register(struct http_request *req, struct http_response *resp)
{
	const char *username = site_body_str(req, "username");
	const char *password = site_body_str(req, "password");
	if (!username || !password)
		return web_api_error(resp, 422, "validation", "username and password (strings) are required");
	const char *e = site_check_username(username);
	if (!e)
		e = site_check_password(password);
	if (e)
		return web_api_error(resp, 422, "validation", e);
	long wait;
	int gate = web_register_begin(req, &wait);
	if (gate)
		return gate < 0 ? -1
				: with_retry_after(resp, wait,
						   web_api_error(resp, 429, "too_many_requests",
								 throttle_text(req, wait)));
	struct user *u = NULL;
	int rc = create_account(req, username, password, &u);
	if (rc == ORM_CONFLICT)
		return web_api_error(resp, 409, "conflict", "This username is already taken.");
	if (rc < 0)
		return web_orm_error(req, resp, rc);
	if (web_register_succeeded(req) < 0 || log_in_new(req, u) < 0)
		return -1;
	return user_json(resp, 201, u, false);
}

int api_login(struct http_request *req, struct http_response *resp)
{
	struct login_attempt a = {
		.username = site_body_str(req, "username"),
		.password = site_body_str(req, "password"),
	};
	json_object *rem = NULL;
	if (web_json(req) && json_object_object_get_ex(web_json(req), "remember", &rem))
		a.remember = json_object_is_type(rem, json_type_boolean) && json_object_get_boolean(rem);
	switch (login_run(req, resp, &a)) {
	case LOGIN_OK:
		return user_json(resp, 200, a.u, false);
	case LOGIN_THROTTLED:
		return with_retry_after(resp, a.wait,
					web_api_error(resp, 429, "too_many_requests",
						      throttle_text(req, a.wait)));
	case LOGIN_INVALID:
		return web_api_error(resp, 401, "unauthorized", "Invalid username or password");
	case LOGIN_ORM:
		return web_orm_error(req, resp, a.err);
	default:
		return -1;
	}
}

int api_logout(struct http_request *req, struct http_response *resp)
{
	if (log_out(req) < 0)
		return -1;
	resp->status = 204;
	resp->content_type = NULL;
	return 0;
}

int api_me(struct http_request *req, struct http_response *resp)
{
	/* rdatetime is not in the session: the row. */
	int err;
	struct user *u = site_user_row(req, &err);
	if (err)
		return web_orm_error(req, resp, err);
	if (!u)
		return web_api_error(resp, 401, "unauthorized", "Log in first");
	return user_json(resp, 200, u, true);
}

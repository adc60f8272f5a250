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
	/* The hash is computed once, outside the retried transaction. */
	char hash[WEB_PASSWORD_HASH_BYTES];
	if (web_password_hash(password, hash) < 0)
		return ORM_NOMEM;
	struct account_txn t = {.username = username, .hash = hash};
	int rc = orm_transaction(s, account_create_run, &t);
	if (rc < 0)
		return rc;
	*out = t.u;
	return 0;
}

static int create_account(struct http_request *req, const char *username, const char *password,
			  struct user **out)
{
	return site_account_create(&site_req(req)->orm, username, password, out);
}

/* Log in a user just registered: its student profile came with it. */
static int log_in_new(struct http_request *req, struct user *u)
{
	return site_login(req, u, u->student ? u->student->id : -1);
}

/* The user called username (any ASCII case; not deleted) whose password
 * matches, else NULL. Timing does not tell whether the user exists. */
static struct user *check_credentials(struct http_request *req, const char *username, const char *password,
				      int *err)
{
	struct site_req *sr = site_req(req);
	*err = 0;
	struct user *u = NULL;
	if (*username && strlen(username) <= 32) {
		struct orm_query *q = orm_filter_by(user_query(&sr->orm), "username", orm_str(username));
		q = orm_filter_by(q, "isdelete", orm_bool(false));
		int rc = user_first(q, &u);
		if (rc < 0) {
			*err = rc;
			return NULL;
		}
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
	struct orm_session *s = &site_req(req)->orm;
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
	struct site_req *sr = site_req(req);
	struct student *st = NULL;
	int rc = student_first(orm_filter_by(student_query(&sr->orm), "user_id", orm_int(u->id)), &st);
	*out = st ? st->id : 0;
	return rc;
}

static void logged_out(struct http_request *req)
{
	struct site_req *sr = site_req(req);
	sr->user = sr->user_row = NULL;
	sr->student_id = 0;
	sr->user_loaded = true;
}

/* ---- pages ---- */

static int render_register(struct http_request *req, struct http_response *resp, int status,
			   const char *username, const char *uerr, const char *perr, const char *err)
{
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "username", json_object_new_string(username));
	if (uerr)
		json_object_object_add(ctx, "username_error", json_object_new_string(uerr));
	if (perr)
		json_object_object_add(ctx, "password_error", json_object_new_string(perr));
	if (err)
		json_object_object_add(ctx, "error", json_object_new_string(err));
	return site_render(req, resp, status, "register", ctx);
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
	long wait;
	int gate = web_register_begin(req, &wait);
	if (gate < 0)
		return -1;
	if (gate > 0)
		return with_retry_after(resp, wait,
					render_register(req, resp, 429, username, NULL, NULL,
							throttle_text(req, wait)));
	struct user *u = NULL;
	int rc = create_account(req, username, password, &u);
	if (rc == ORM_CONFLICT)
		return render_register(req, resp, 422, username, "This username is already taken.", NULL,
				       "This username is already taken.");
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	if (web_register_succeeded(req) < 0 || log_in_new(req, u) < 0)
		return -1;
	return site_redirect(resp, "/", "registered");
}

static int render_login(struct http_request *req, struct http_response *resp, int status, const char *username,
			const char *next, bool remember, const char *err)
{
	json_object *ctx = json_object_new_object();
	json_object_object_add(ctx, "username", json_object_new_string(username));
	json_object_object_add(ctx, "next", json_object_new_string(next));
	json_object_object_add(ctx, "remember", json_object_new_boolean(remember));
	if (err)
		json_object_object_add(ctx, "error", json_object_new_string(err));
	return site_render(req, resp, status, "login", ctx);
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
	const char *username = site_form_str(req, "username");
	const char *password = site_form_str(req, "password");
	const char *next = site_form_str(req, "next");
	bool remember = truthy(site_form_str(req, "remember"));
	/* SPEC 10: while the account or this address has too many failed
	 * logins, 429 before any hash is computed */
	long wait;
	int gate = web_login_begin(req, username, &wait);
	if (gate < 0)
		return -1;
	if (gate > 0)
		return with_retry_after(resp, wait,
					render_login(req, resp, 429, username, next, remember,
						     throttle_text(req, wait)));
	int err;
	struct user *u = check_credentials(req, username, password, &err);
	if (err)
		return site_orm_error(req, resp, err);
	if (!u)
		return render_login(req, resp, 422, username, next, remember,
				    "Invalid username or password");
	if (web_login_succeeded(req, username) < 0)
		return -1;
	rehash_if_weaker(req, u, password);
	int64_t sid;
	if ((err = student_of(req, u, &sid)) < 0)
		return site_orm_error(req, resp, err);
	if (site_login(req, u, sid) < 0)
		return -1;
	if (remember && web_remember_username(req, resp, u->username) < 0)
		return -1;
	return site_redirect(resp, site_safe_next(req, next), "logged_in");
}

int auth_logout(struct http_request *req, struct http_response *resp)
{
	if (web_session_logout(req) < 0)
		return -1;
	logged_out(req);
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
		return site_api_error(resp, 422, "validation", "username and password (strings) are required");
	const char *e = site_check_username(username);
	if (!e)
		e = site_check_password(password);
	if (e)
		return site_api_error(resp, 422, "validation", e);
	long wait;
	int gate = web_register_begin(req, &wait);
	if (gate < 0)
		return -1;
	if (gate > 0)
		return with_retry_after(resp, wait,
					site_api_error(resp, 429, "too_many_requests",
						       throttle_text(req, wait)));
	struct user *u = NULL;
	int rc = create_account(req, username, password, &u);
	if (rc == ORM_CONFLICT)
		return site_api_error(resp, 409, "conflict", "This username is already taken.");
	if (rc < 0)
		return site_orm_error(req, resp, rc);
	if (web_register_succeeded(req) < 0 || log_in_new(req, u) < 0)
		return -1;
	return user_json(resp, 201, u, false);
}

int api_login(struct http_request *req, struct http_response *resp)
{
	const char *username = site_body_str(req, "username");
	const char *password = site_body_str(req, "password");
	json_object *rem = NULL;
	bool remember = false;
	if (site_req(req)->body && json_object_object_get_ex(site_req(req)->body, "remember", &rem))
		remember = json_object_is_type(rem, json_type_boolean) && json_object_get_boolean(rem);
	long wait;
	int gate = web_login_begin(req, username, &wait);
	if (gate < 0)
		return -1;
	if (gate > 0)
		return with_retry_after(resp, wait,
					site_api_error(resp, 429, "too_many_requests",
						       throttle_text(req, wait)));
	int err = 0;
	struct user *u = username && password ? check_credentials(req, username, password, &err) : NULL;
	if (!username || !password)
		web_password_dummy_verify(password ? password : "");
	if (err)
		return site_orm_error(req, resp, err);
	if (!u)
		return site_api_error(resp, 401, "unauthorized", "Invalid username or password");
	if (web_login_succeeded(req, username) < 0)
		return -1;
	rehash_if_weaker(req, u, password);
	int64_t sid;
	if ((err = student_of(req, u, &sid)) < 0)
		return site_orm_error(req, resp, err);
	if (site_login(req, u, sid) < 0)
		return -1;
	if (remember && web_remember_username(req, resp, u->username) < 0)
		return -1;
	return user_json(resp, 200, u, false);
}

int api_logout(struct http_request *req, struct http_response *resp)
{
	if (web_session_logout(req) < 0)
		return -1;
	logged_out(req);
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
		return site_orm_error(req, resp, err);
	if (!u)
		return site_api_error(resp, 401, "unauthorized", "Log in first");
	return user_json(resp, 200, u, true);
}

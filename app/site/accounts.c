/* accounts.c — what the command line does to the application's data:
 * create and delete users, create courses (site.h). Each call runs on the
 * given connection with a session and arena of its own. */
#include <stdio.h>
#include <string.h>

#include "site/site.h"
#include "site/site_priv.h"
#include "web/web.h"

int site_create_user(struct db *db, const char *username, const char *password, long long *id,
		     char *err, size_t errlen)
{
	const char *e = site_check_username(username);
	if (!e)
		e = site_check_password(password);
	if (e) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	struct arena a;
	arena_init(&a, 8192);
	struct orm_session s;
	orm_session_init(&s, db, &a);
	struct user *u = NULL;
	int rc = site_account_create(&s, username, password, &u);
	if (rc == ORM_CONFLICT)
		snprintf(err, errlen, "the username %s is taken", username);
	else if (rc < 0)
		snprintf(err, errlen, "%s", orm_errmsg(&s));
	else
		*id = u->id;
	orm_session_close(&s);
	arena_free(&a);
	return rc < 0 ? -1 : 0;
}

int site_delete_user(struct db *db, const char *username, long long *narticles, long long *nsessions,
		     char *err, size_t errlen)
{
	struct arena a;
	arena_init(&a, 8192);
	struct orm_session s;
	orm_session_init(&s, db, &a);
	int rc = orm_begin(&s);
	struct user *u = NULL;
	if (rc == 0) {
		struct orm_query *q = orm_filter_by(user_query(&s), "username", orm_str(username));
		rc = user_first(orm_for_update(orm_filter_by(q, "isdelete", orm_bool(false))), &u);
	}
	if (rc == 0 && !u) {
		snprintf(err, errlen, "no user called %s", username);
		rc = ORM_NOT_FOUND;
		goto out;
	}
	uint64_t affected = 0;
	if (rc == 0) {
		ORM_SET(u, user, isdelete, true);
		struct orm_query *q = orm_filter_by(article_query(&s), "user_id", orm_int(u->id));
		q = orm_filter_by(q, "isdelete", orm_bool(false));
		struct orm_assign set = {ORM_COL(article, isdelete), orm_bool(true), false};
		rc = orm_update(q, &set, 1, &affected);
	}
	/* The bulk UPDATE bypassed the flush hook: adjust the count here. */
	if (rc == 0)
		rc = site_counter_add(&s, "articles", -(int64_t)affected);
	long long gone = 0;
	if (rc == 0 && (gone = web_session_delete_user(db, u->id)) < 0)
		rc = ORM_DB;
	if (rc == 0)
		rc = orm_commit(&s);
	if (rc < 0) {
		snprintf(err, errlen, "%s", orm_errmsg(&s)[0] ? orm_errmsg(&s) : db->err);
		goto out;
	}
	*narticles = (long long)affected;
	*nsessions = gone;
out:
	if (rc < 0)
		orm_rollback(&s);
	orm_session_close(&s);
	arena_free(&a);
	return rc < 0 ? -1 : 0;
}

int site_create_course(struct db *db, const char *name, int credits, long capacity, long long *id,
		       char *err, size_t errlen)
{
	size_t n = strlen(name);
	if (n < 1 || utf8_count(name, n) > 64 || !utf8_valid(name, n)) {
		snprintf(err, errlen, "a course name is 1 to 64 characters of UTF-8");
		return -1;
	}
	struct arena a;
	arena_init(&a, 4096);
	struct orm_session s;
	orm_session_init(&s, db, &a);
	struct course *c = course_new(&s);
	int rc = c ? 0 : ORM_NOMEM;
	if (rc == 0) {
		c->cname = name;
		c->score = (int16_t)credits;
		c->capacity = (int32_t)capacity;
		rc = orm_add(&s, c);
	}
	if (rc == 0)
		rc = orm_commit(&s);
	if (rc == ORM_CONFLICT)
		snprintf(err, errlen, "a course called %s exists", name);
	else if (rc < 0)
		snprintf(err, errlen, "%s", orm_errmsg(&s));
	else
		*id = c->id;
	if (rc < 0)
		orm_rollback(&s);
	orm_session_close(&s);
	arena_free(&a);
	return rc < 0 ? -1 : 0;
}

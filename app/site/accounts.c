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

struct delete_user_txn {
	const char *username;
	struct db *db;
	uint64_t articles;
	long long sessions;
	bool missing;
};

static int delete_user_run(struct orm_session *s, void *arg)
{
	struct delete_user_txn *t = arg;
	t->articles = 0;
	t->sessions = 0;
	t->missing = false;
	struct user *u = NULL;
	struct orm_query *q = orm_filter_by(user_query(s), "username", orm_str(t->username));
	int rc = user_first(orm_for_update(orm_filter_by(q, "isdelete", orm_bool(false))), &u);
	if (rc < 0)
		return rc;
	if (!u) {
		t->missing = true;
		orm_rollback(s);
		return ORM_NOT_FOUND;
	}
	ORM_SET(u, user, isdelete, true);
	q = orm_filter_by(article_query(s), "user_id", orm_int(u->id));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	struct orm_assign set = {ORM_COL(article, isdelete), orm_bool(true), false};
	if ((rc = orm_update(q, &set, 1, &t->articles)) < 0)
		return rc;
	/* The bulk UPDATE bypassed the flush hook: adjust the count here. */
	if ((rc = orm_counter_add(s, SITE_ARTICLE_COUNTER, -(int64_t)t->articles)) < 0)
		return rc;
	if ((t->sessions = web_session_delete_user(t->db, u->id)) < 0) {
		s->db_errno = t->db->last_errno;
		snprintf(s->errmsg, sizeof s->errmsg, "%s", t->db->err);
		int e = orm_err_from_errno(s->db_errno);
		return e ? e : ORM_DB;
	}
	return 0;
}

int site_delete_user(struct db *db, const char *username, long long *narticles, long long *nsessions,
		     char *err, size_t errlen)
{
	struct arena a;
	arena_init(&a, 8192);
	struct orm_session s;
	orm_session_init(&s, db, &a);
	struct delete_user_txn t = {.username = username, .db = db};
	int rc = orm_transaction(&s, delete_user_run, &t);
	if (t.missing) {
		snprintf(err, errlen, "no user called %s", username);
	} else if (rc < 0) {
		snprintf(err, errlen, "%s", orm_errmsg(&s)[0] ? orm_errmsg(&s) : db->err);
	} else {
		*narticles = (long long)t.articles;
		*nsessions = t.sessions;
	}
	orm_session_close(&s);
	arena_free(&a);
	return rc < 0 ? -1 : 0;
}

struct course_txn {
	const char *name;
	int credits;
	long capacity;
	struct course *c;
};

static int create_course_run(struct orm_session *s, void *arg)
{
	struct course_txn *t = arg;
	struct course *c = t->c = course_new(s);
	if (!c)
		return ORM_NOMEM;
	c->cname = t->name;
	c->score = (int16_t)t->credits;
	c->capacity = (int32_t)t->capacity;
	return orm_add(s, c);
}

int site_create_course(struct db *db, const char *name, int credits, long capacity, long long *id,
		       char *err, size_t errlen)
{
	size_t n = strlen(name);
	if (n < 1 || text_utf8_count(name, n) > 64 || !text_utf8_valid(name, n)) {
		snprintf(err, errlen, "a course name is 1 to 64 characters of UTF-8");
		return -1;
	}
	struct arena a;
	arena_init(&a, 4096);
	struct orm_session s;
	orm_session_init(&s, db, &a);
	struct course_txn t = {.name = name, .credits = credits, .capacity = capacity};
	int rc = orm_transaction(&s, create_course_run, &t);
	if (rc == ORM_CONFLICT)
		snprintf(err, errlen, "a course called %s exists", name);
	else if (rc < 0)
		snprintf(err, errlen, "%s", orm_errmsg(&s));
	else
		*id = t.c->id;
	orm_session_close(&s);
	arena_free(&a);
	return rc < 0 ? -1 : 0;
}

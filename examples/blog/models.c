/* models.c — the descriptors of the blog's models and the registry that
 * holds them, plus the two user operations the pages and the commands
 * share (create, find by name). */
#include "models.h"

#include <flacon/web.h>

/* The list's total is a maintained counter (orm_counter_add), kept in the
 * transaction that writes the article, instead of a COUNT(*) per page. */
static int article_after_write(struct orm_session *s, void *obj, enum orm_write what)
{
	(void)obj;
	int64_t delta = what == ORM_WRITE_INSERT ? 1 : what == ORM_WRITE_DELETE ? -1 : 0;
	return orm_counter_add(s, BLOG_ARTICLE_COUNT, delta);
}

ORM_MODEL_DEFINE(user, USER_COLUMNS, USER_RELS, .table = "user1");
ORM_MODEL_DEFINE(article, ARTICLE_COLUMNS, ARTICLE_RELS, .after_write = article_after_write);
ORM_MODEL_DEFINE(comment, COMMENT_COLUMNS, COMMENT_RELS);
ORM_TABLE_DEFINE(comment_user, COMMENT_USER_COLUMNS);

static struct orm_model *models[] = {&user_model, &article_model, &comment_model, &comment_user_model};
struct orm_registry blog_registry = {.models = models, .nmodels = sizeof models / sizeof models[0]};

int blog_models_init(char *err, size_t errlen)
{
	return orm_registry_init(&blog_registry, err, errlen) == 0 ? 0 : -1;
}

int blog_create_user(struct orm_session *s, const char *name, const char *password, struct user **out)
{
	*out = NULL;
	char hash[WEB_PASSWORD_HASH_BYTES];
	if (web_password_hash(password, hash) < 0)
		return ORM_NOMEM;
	struct user *u = user_new(s);
	char *h = arena_strdup(s->arena, hash);
	if (!u || !h)
		return ORM_NOMEM;
	u->username = name;
	u->password = h;
	int rc = orm_add(s, u);
	if (rc == 0)
		rc = orm_commit(s);
	if (rc == 0)
		*out = u;
	return rc;
}

int blog_find_user(struct orm_session *s, const char *name, struct user **out)
{
	struct orm_query *q = user_query(s);
	q = orm_filter_by(q, "username", orm_str(name));
	q = orm_filter_by(q, "isdelete", orm_bool(false));
	return user_first(q, out);
}

/* harness.c — the orm suite's database fixture and test models. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orm_test.h"

ORM_MODEL_DEFINE(t_user, T_USER_COLUMNS, T_USER_RELS);
/* An index that covers a list page (it ends with the listed columns), and
 * one whose leading column serves the foreign key on user_id. */
ORM_MODEL_DEFINE(t_article, T_ARTICLE_COLUMNS, T_ARTICLE_RELS, .fields = t_article_fields,
		 .index_defs = (const struct orm_index_def[]){
			 {.name = "ix_t_article_isdelete_pdatetime",
			  .columns = {"isdelete", "pdatetime", "id", "user_id", "click_num",
				      "author_name", "title"}},
			 {.columns = {"user_id", "isdelete", "pdatetime", "id"}},
			 {.columns = {NULL}},
		 });
ORM_MODEL_DEFINE(t_student, T_STUDENT_COLUMNS, T_STUDENT_RELS);
ORM_MODEL_DEFINE(t_course, T_COURSE_COLUMNS, T_COURSE_RELS);
ORM_MODEL_DEFINE(t_student_course, T_STUDENT_COURSE_COLUMNS, ORM_NO_RELS,
		 .index_defs = (const struct orm_index_def[]){
			 {.columns = {"stu_id", "cou_id"}, .unique = true},
			 {.columns = {NULL}},
		 });
ORM_MODEL_DEFINE(t_types, T_TYPES_COLUMNS, ORM_NO_RELS);
ORM_MODEL_DEFINE(t_defaults, T_DEFAULTS_COLUMNS, ORM_NO_RELS);
ORM_MODEL_DEFINE(t_author, T_AUTHOR_COLUMNS, T_AUTHOR_RELS);
ORM_MODEL_DEFINE(t_book, T_BOOK_COLUMNS, T_BOOK_RELS);
ORM_MODEL_DEFINE(t_tag, T_TAG_COLUMNS, T_TAG_RELS);
ORM_MODEL_DEFINE(t_book_tag, T_BOOK_TAG_COLUMNS, ORM_NO_RELS,
		 .index_defs = (const struct orm_index_def[]){
			 {.name = "uq_book_tag_pair", .columns = {"book_ref", "tag_ref"}, .unique = true},
			 {.columns = {NULL}},
		 });
ORM_MODEL_DEFINE(t_counter, T_COUNTER_COLUMNS, ORM_NO_RELS);

/* Keeps t_counter row 1 equal to the number of visible posts, inside the
 * flush's transaction: an insert of a visible post adds one, a logical
 * delete takes one away, a delete of a visible one too. */
static int post_counter_hook(struct orm_session *s, void *obj, enum orm_write what)
{
	struct t_post *p = obj;
	int delta = 0;
	if (what == ORM_WRITE_INSERT)
		delta = p->isdelete ? 0 : 1;
	else if (what == ORM_WRITE_DELETE)
		delta = p->isdelete ? 0 : -1;
	else if (orm_changed(p, t_post_col_isdelete))
		delta = p->isdelete ? -1 : 1;
	if (!delta)
		return 0;
	struct orm_assign inc = {ORM_COL(t_counter, n), orm_int(delta), true};
	uint64_t n = 0;
	struct orm_query *q = orm_filter(t_counter_query(s), orm_eq(s, ORM_COL(t_counter, id), orm_int(1)));
	int rc = orm_update(q, &inc, 1, &n);
	return rc ? rc : (n == 1 ? 0 : ORM_DB);
}

ORM_MODEL_DEFINE(t_post, T_POST_COLUMNS, ORM_NO_RELS, .after_write = post_counter_hook);

static struct orm_model *test_models[] = {
	&t_types_model, &t_defaults_model, &t_author_model, &t_book_model,
	&t_tag_model,   &t_book_tag_model, &t_counter_model, &t_post_model,
};

struct orm_registry test_registry = {
	.models = test_models,
	.nmodels = sizeof test_models / sizeof test_models[0],
};
#define REG(name, ...)                                                         \
	static struct orm_model *name##_models[] = {__VA_ARGS__};              \
	struct orm_registry name = {.models = name##_models,                   \
				    .nmodels = sizeof name##_models / sizeof name##_models[0]}
REG(reg_blog, &t_user_model, &t_article_model, &t_student_model, &t_course_model,
    &t_student_course_model);
REG(reg_types, &t_types_model);
REG(reg_defaults, &t_defaults_model);
REG(reg_books, &t_author_model, &t_book_model, &t_tag_model, &t_book_tag_model);
REG(reg_counter, &t_counter_model, &t_post_model);

static struct db *shared_db;

struct db *t_connect(void)
{
	const char *url = getenv("FLACON_TEST_DATABASE_URL");
	char err[256];
	if (!url || !*url) {
		test_fail(__FILE__, __LINE__, "FLACON_TEST_DATABASE_URL", "is not set: no database");
		return NULL;
	}
	struct db *db = db_new(url, err, sizeof err);
	if (!db) {
		test_fail(__FILE__, __LINE__, "db_new", "%s", err);
		return NULL;
	}
	if (db_ensure(db) < 0) {
		test_fail(__FILE__, __LINE__, "db_ensure", "%s", db->err);
		db_close(db);
		return NULL;
	}
	return db;
}

static void reset_registry(struct db *db, const struct orm_registry *r, bool *ok)
{
	int rc = orm_drop_all(db, r);
	if (rc) {
		/* A table of another layer (e.g. the session store) may still
		 * reference ours in a shared test database. */
		t_exec(db, "SET FOREIGN_KEY_CHECKS = 0");
		rc = orm_drop_all(db, r);
		t_exec(db, "SET FOREIGN_KEY_CHECKS = 1");
	}
	if (!rc)
		rc = orm_create_all(db, r);
	if (rc) {
		test_fail(__FILE__, __LINE__, "reset schema", "%s: %s", orm_strerror(rc), db->err);
		*ok = false;
	}
}

bool t_begin(struct tctx *t, int which)
{
	char err[256];
	memset(t, 0, sizeof *t);
	arena_init(&t->arena, 16384);
	if (orm_registry_init(&reg_blog, err, sizeof err) ||
	    orm_registry_init(&test_registry, err, sizeof err) ||
	    orm_registry_init(&reg_types, err, sizeof err) ||
	    orm_registry_init(&reg_defaults, err, sizeof err) ||
	    orm_registry_init(&reg_books, err, sizeof err) ||
	    orm_registry_init(&reg_counter, err, sizeof err)) {
		test_fail(__FILE__, __LINE__, "orm_registry_init", "%s", err);
		return false;
	}
	if (!shared_db && !(shared_db = t_connect()))
		return false;
	t->db = shared_db;
	t->ok = true;
	if (which & T_BLOG)
		reset_registry(t->db, &reg_blog, &t->ok);
	if ((which & T_TEST) == T_TEST) {
		reset_registry(t->db, &test_registry, &t->ok);
	} else {
		if (which & T_TYPES)
			reset_registry(t->db, &reg_types, &t->ok);
		if (which & T_DEFAULTS)
			reset_registry(t->db, &reg_defaults, &t->ok);
		if (which & T_BOOKS)
			reset_registry(t->db, &reg_books, &t->ok);
		if (which & T_COUNTER)
			reset_registry(t->db, &reg_counter, &t->ok);
	}
	if (which & T_COUNTER)
		t_exec(t->db, "INSERT INTO t_counter (id, n) VALUES (1, 0)");
	t->db->queries = 0;
	orm_session_init(&t->s, t->db, &t->arena);
	return t->ok;
}

void t_end(struct tctx *t)
{
	if (t->ok)
		orm_session_close(&t->s);
	arena_free(&t->arena);
}

__attribute__((destructor)) static void harness_cleanup(void)
{
	db_close(shared_db);
	shared_db = NULL;
	orm_registry_free(&reg_counter);
	orm_registry_free(&reg_books);
	orm_registry_free(&reg_defaults);
	orm_registry_free(&reg_types);
	orm_registry_free(&test_registry);
	orm_registry_free(&reg_blog);
}

unsigned t_exec(struct db *db, const char *sql)
{
	if (db_exec(db, sql) < 0)
		return db->last_errno ? db->last_errno : 1;
	return 0;
}

const char *t_scalar_str(struct db *db, const char *sql, char *buf, size_t n)
{
	buf[0] = '\0';
	if (db_ensure(db) < 0 || mysql_query(db->conn, sql))
		return buf;
	MYSQL_RES *res = mysql_store_result(db->conn);
	if (!res)
		return buf;
	MYSQL_ROW row = mysql_fetch_row(res);
	if (row)
		snprintf(buf, n, "%s", row[0] ? row[0] : "(null)");
	mysql_free_result(res);
	return buf;
}

long long t_scalar(struct db *db, const char *sql)
{
	char buf[64];
	t_scalar_str(db, sql, buf, sizeof buf);
	if (!buf[0] || !strcmp(buf, "(null)"))
		return -1;
	return strtoll(buf, NULL, 10);
}

void sql_log_hook(void *ctx, const char *sql)
{
	struct sql_log *l = ctx;
	if (l->n < 32)
		snprintf(l->sql[l->n++], sizeof l->sql[0], "%s", sql);
}

int sql_log_count(const struct sql_log *l, const char *prefix)
{
	int k = 0;
	for (int i = 0; i < l->n; i++)
		k += !strncmp(l->sql[i], prefix, strlen(prefix));
	return k;
}

struct t_user *mk_user(struct orm_session *s, const char *name)
{
	struct t_user *u = t_user_new(s);
	if (!u)
		return NULL;
	u->username = name;
	u->password = "$argon2id$v=19$m=65536,t=2,p=1$x$y";
	orm_add(s, u);
	return u;
}

struct t_article *mk_article(struct orm_session *s, struct t_user *u, const char *title, int64_t when)
{
	struct t_article *a = t_article_new(s);
	if (!a)
		return NULL;
	a->title = title;
	a->content = "body";
	if (when)
		a->pdatetime = when;
	orm_set_related(s, a, ORM_REL(t_article, user), u);
	orm_add(s, a);
	return a;
}

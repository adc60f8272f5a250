/* models.c — the descriptors of the application's models (the lists live in
 * models.h) and the registry that holds them in declaration order. */
#include "site/models.h"

/* site/counter.c: keeps counter "articles" in step with article rows. */
int site_article_after_write(struct orm_session *s, void *obj, enum orm_write what);
/* site/fields.c: what templates read beside the columns. */
extern const struct orm_field site_article_fields[], site_user_fields[], site_course_fields[];

ORM_MODEL_DEFINE(user, USER_COLUMNS, USER_RELS, .fields = site_user_fields);
/* SPEC's index on (isdelete, pdatetime), with id and every column an
 * article list shows after them: a page of the list is read from the index
 * alone, in order, without visiting the rows. */
ORM_MODEL_DEFINE(article, ARTICLE_COLUMNS, ARTICLE_RELS, .after_write = site_article_after_write,
		 .fields = site_article_fields,
		 .index_defs = (const struct orm_index_def[]){
			 {.name = "ix_article_isdelete_pdatetime",
			  .columns = {"isdelete", "pdatetime", "id", "user_id", "click_num",
				      "author_name", "title"}},
			 /* A user's visible articles newest first (user pages): read
			  * in index order, whatever their number; it also serves
			  * the foreign key on user_id. */
			 {.columns = {"user_id", "isdelete", "pdatetime", "id"}},
			 {.columns = {NULL}},
		 });
ORM_MODEL_DEFINE(student, STUDENT_COLUMNS, STUDENT_RELS);
ORM_MODEL_DEFINE(course, COURSE_COLUMNS, COURSE_RELS, .fields = site_course_fields);
ORM_MODEL_DEFINE(student_course, STUDENT_COURSE_COLUMNS, ORM_NO_RELS,
		 .index_defs = (const struct orm_index_def[]){
			 {.columns = {"stu_id", "cou_id"}, .unique = true},
			 {.columns = {NULL}},
		 });

static struct orm_model *site_models[] = {
	&user_model, &article_model, &student_model, &course_model, &student_course_model,
};

struct orm_registry site_registry = {
	.models = site_models,
	.nmodels = sizeof site_models / sizeof site_models[0],
};

int site_models_init(char *err, size_t errlen)
{
	return orm_registry_init(&site_registry, err, errlen);
}

/* models.h — the application's models (SPEC section 5), declared once with
 * the ORM's X-macros: each list gives the C struct, the table metadata
 * (types, lengths, defaults, indexes, foreign keys) and the relationships.
 * The `session` and `schema_version` tables belong to other layers. */
#ifndef FLACON_SITE_MODELS_H
#define FLACON_SITE_MODELS_H

#include "orm/orm.h"

struct user;
struct article;
struct student;
struct course;
struct student_course;

/* Usernames are unique without regard to ASCII case: the column's
 * case-insensitive collation makes the unique index enforce it. */
#define USER_COLUMNS(X)                                                                     \
	X(user, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                             \
	X(user, username, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL | ORM_UNIQUE,     \
	  .collation = "utf8mb4_unicode_ci")                                                \
	X(user, password, ORM_STRING, .length = 255, .flags = ORM_NOT_NULL)                 \
	X(user, rdatetime, ORM_DATETIME, .flags = ORM_NOT_NULL,                             \
	  .server_default = "CURRENT_TIMESTAMP")                                            \
	X(user, isdelete, ORM_BOOLEAN, .flags = ORM_NOT_NULL, .default_value = ORM_DEFAULT_INT(0), \
	  .server_default = "0")
#define USER_RELS(X)                                                                        \
	X(user, articles, ORM_ONE_TO_MANY, article, .back_populates = "user",               \
	  .order_by = {{"pdatetime", ORM_DESC}, {"id", ORM_DESC}})                          \
	X(user, student, ORM_ONE_TO_ONE, student, .back_populates = "user")
ORM_MODEL_DECLARE(user, USER_COLUMNS, USER_RELS)

#define ARTICLE_COLUMNS(X)                                                                  \
	X(article, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                          \
	X(article, title, ORM_STRING, .length = 128, .flags = ORM_NOT_NULL)                 \
	X(article, content, ORM_TEXT, .flags = ORM_NOT_NULL)                                \
	X(article, pdatetime, ORM_DATETIME, .flags = ORM_NOT_NULL,                          \
	  .server_default = "CURRENT_TIMESTAMP")                                            \
	X(article, click_num, ORM_INTEGER, .flags = ORM_NOT_NULL,                           \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")                       \
	X(article, isdelete, ORM_BOOLEAN, .flags = ORM_NOT_NULL,                            \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")                       \
	X(article, user_id, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "user.id")               \
	X(article, author_name, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL,            \
	  .server_default = "''")
#define ARTICLE_RELS(X) X(article, user, ORM_MANY_TO_ONE, user, .back_populates = "articles")
ORM_MODEL_DECLARE(article, ARTICLE_COLUMNS, ARTICLE_RELS)

#define STUDENT_COLUMNS(X)                                                                  \
	X(student, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                          \
	X(student, sname, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL)                  \
	X(student, age, ORM_SMALLINT, .flags = 0)                                           \
	X(student, user_id, ORM_INTEGER, .flags = ORM_UNIQUE, .fk = "user.id")
#define STUDENT_RELS(X)                                                                     \
	X(student, user, ORM_MANY_TO_ONE, user, .back_populates = "student")                \
	X(student, courses, ORM_MANY_TO_MANY, course, .secondary = "student_course",        \
	  .back_populates = "students", .order_by = {{"id", ORM_ASC}})
ORM_MODEL_DECLARE(student, STUDENT_COLUMNS, STUDENT_RELS)

/* enrolled is the number of student_course rows of the course, kept in
 * the transaction that adds or removes one (under the course's row lock),
 * so that the course list needs no COUNT ... GROUP BY. */
#define COURSE_COLUMNS(X)                                                                   \
	X(course, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                           \
	X(course, cname, ORM_STRING, .length = 64, .flags = ORM_NOT_NULL | ORM_UNIQUE)      \
	X(course, score, ORM_SMALLINT, .flags = ORM_NOT_NULL,                               \
	  .default_value = ORM_DEFAULT_INT(5), .server_default = "5")                       \
	X(course, capacity, ORM_INTEGER, .flags = ORM_NOT_NULL,                             \
	  .default_value = ORM_DEFAULT_INT(30), .server_default = "30")                       \
	X(course, enrolled, ORM_INTEGER, .flags = ORM_NOT_NULL,                             \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")
#define COURSE_RELS(X)                                                                      \
	X(course, students, ORM_MANY_TO_MANY, student, .secondary = "student_course",       \
	  .back_populates = "courses", .order_by = {{"id", ORM_ASC}})
ORM_MODEL_DECLARE(course, COURSE_COLUMNS, COURSE_RELS)

#define STUDENT_COURSE_COLUMNS(X)                                                           \
	X(student_course, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                   \
	X(student_course, stu_id, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "student.id")   \
	X(student_course, cou_id, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "course.id")    \
	X(student_course, selected_at, ORM_DATETIME, .flags = ORM_NOT_NULL,                 \
	  .server_default = "CURRENT_TIMESTAMP")
ORM_MODEL_DECLARE(student_course, STUDENT_COURSE_COLUMNS, ORM_NO_RELS)

/* The total of visible articles is the framework's maintained counter
 * "articles" (orm_counter_add / orm_counter_total, table `counter`), kept
 * by the article model's flush hook (site/counter.c). */

/* Every model above, for create_all / drop_all and the migration
 * autogenerator. Call site_models_init() once at start (before fork). */
extern struct orm_registry site_registry;
/* orm_registry_init(&site_registry): 0 or an orm_err with a message. */
int site_models_init(char *err, size_t errlen);

#endif

/* orm_test.h — shared by the orm suite: the test models (every column type,
 * defaults, explicit joins, a counter hook), a connection to the database
 * named by FLACON_TEST_DATABASE_URL, and a per-test fresh schema, arena and
 * session. Without the variable every test fails (never skips). */
#ifndef FLACON_ORM_TEST_H
#define FLACON_ORM_TEST_H

#include "orm/orm.h"
#include "test.h"

/* A small blog and a course catalogue, the shapes a web application has:
 * a case-insensitive unique name, server defaults, a one-to-many with a
 * backref and an order, a one-to-one, and a many-to-many whose secondary
 * is a model with its own id and a unique pair. */
struct t_user;
struct t_article;
struct t_student;
struct t_course;
struct t_student_course;

#define T_USER_COLUMNS(X)                                                                  \
	X(t_user, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                          \
	X(t_user, username, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL | ORM_UNIQUE,  \
	  .collation = "utf8mb4_unicode_ci")                                               \
	X(t_user, password, ORM_STRING, .length = 255, .flags = ORM_NOT_NULL)              \
	X(t_user, rdatetime, ORM_DATETIME, .flags = ORM_NOT_NULL,                          \
	  .server_default = "CURRENT_TIMESTAMP")                                           \
	X(t_user, isdelete, ORM_BOOLEAN, .flags = ORM_NOT_NULL,                            \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")
#define T_USER_RELS(X)                                                                     \
	X(t_user, articles, ORM_ONE_TO_MANY, t_article, .back_populates = "user",          \
	  .order_by = {{"pdatetime", ORM_DESC}, {"id", ORM_DESC}})                         \
	X(t_user, student, ORM_ONE_TO_ONE, t_student, .back_populates = "user")
ORM_MODEL_DECLARE(t_user, T_USER_COLUMNS, T_USER_RELS)

#define T_ARTICLE_COLUMNS(X)                                                               \
	X(t_article, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                       \
	X(t_article, title, ORM_STRING, .length = 128, .flags = ORM_NOT_NULL)              \
	X(t_article, content, ORM_TEXT, .flags = ORM_NOT_NULL)                             \
	X(t_article, pdatetime, ORM_DATETIME, .flags = ORM_NOT_NULL,                       \
	  .server_default = "CURRENT_TIMESTAMP")                                           \
	X(t_article, click_num, ORM_INTEGER, .flags = ORM_NOT_NULL,                        \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")                      \
	X(t_article, isdelete, ORM_BOOLEAN, .flags = ORM_NOT_NULL,                         \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")                      \
	X(t_article, user_id, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "t_user.id")       \
	X(t_article, author_name, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL,         \
	  .server_default = "''")
#define T_ARTICLE_RELS(X)                                                                  \
	X(t_article, user, ORM_MANY_TO_ONE, t_user, .back_populates = "articles")
ORM_MODEL_DECLARE(t_article, T_ARTICLE_COLUMNS, T_ARTICLE_RELS)
/* Its computed fields for templates (test_render.c). */
extern const struct orm_field t_article_fields[];

#define T_STUDENT_COLUMNS(X)                                                               \
	X(t_student, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                       \
	X(t_student, sname, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL)               \
	X(t_student, age, ORM_SMALLINT, .flags = 0)                                        \
	X(t_student, user_id, ORM_INTEGER, .flags = ORM_UNIQUE, .fk = "t_user.id")
#define T_STUDENT_RELS(X)                                                                  \
	X(t_student, user, ORM_MANY_TO_ONE, t_user, .back_populates = "student")       \
	X(t_student, courses, ORM_MANY_TO_MANY, t_course, .secondary = "t_student_course", \
	  .back_populates = "students", .order_by = {{"id", ORM_ASC}})
ORM_MODEL_DECLARE(t_student, T_STUDENT_COLUMNS, T_STUDENT_RELS)

#define T_COURSE_COLUMNS(X)                                                                \
	X(t_course, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                        \
	X(t_course, cname, ORM_STRING, .length = 64, .flags = ORM_NOT_NULL | ORM_UNIQUE)   \
	X(t_course, score, ORM_SMALLINT, .flags = ORM_NOT_NULL,                            \
	  .default_value = ORM_DEFAULT_INT(5), .server_default = "5")                      \
	X(t_course, capacity, ORM_INTEGER, .flags = ORM_NOT_NULL,                          \
	  .default_value = ORM_DEFAULT_INT(30), .server_default = "30")                    \
	X(t_course, enrolled, ORM_INTEGER, .flags = ORM_NOT_NULL,                          \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")
#define T_COURSE_RELS(X)                                                                   \
	X(t_course, students, ORM_MANY_TO_MANY, t_student, .secondary = "t_student_course", \
	  .back_populates = "courses", .order_by = {{"id", ORM_ASC}})
ORM_MODEL_DECLARE(t_course, T_COURSE_COLUMNS, T_COURSE_RELS)

#define T_STUDENT_COURSE_COLUMNS(X)                                                        \
	X(t_student_course, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                \
	X(t_student_course, stu_id, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "t_student.id") \
	X(t_student_course, cou_id, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "t_course.id")  \
	X(t_student_course, selected_at, ORM_DATETIME, .flags = ORM_NOT_NULL,              \
	  .server_default = "CURRENT_TIMESTAMP")
ORM_MODEL_DECLARE(t_student_course, T_STUDENT_COURSE_COLUMNS, ORM_NO_RELS)

struct t_types;
struct t_defaults;
struct t_author;
struct t_book;
struct t_tag;
struct t_book_tag;
struct t_counter;
struct t_post;

/* One column of every type, all nullable. */
#define T_TYPES_COLUMNS(X)                                                                 \
	X(t_types, id, ORM_BIGINT, .flags = ORM_PK | ORM_AUTOINC)                          \
	X(t_types, i, ORM_INTEGER, .flags = 0)                                             \
	X(t_types, si, ORM_SMALLINT, .flags = 0)                                           \
	X(t_types, bi, ORM_BIGINT, .flags = 0)                                             \
	X(t_types, f, ORM_FLOAT, .flags = 0)                                               \
	X(t_types, num, ORM_NUMERIC, .precision = 18, .scale = 4)                          \
	X(t_types, s, ORM_STRING, .length = 20)                                            \
	X(t_types, txt, ORM_TEXT, .flags = 0)                                              \
	X(t_types, u, ORM_UNICODE, .length = 10)                                           \
	X(t_types, ut, ORM_UNICODE_TEXT, .flags = 0)                                       \
	X(t_types, b, ORM_BOOLEAN, .flags = 0)                                             \
	X(t_types, d, ORM_DATE, .flags = 0)                                                \
	X(t_types, tm, ORM_TIME, .flags = 0)                                               \
	X(t_types, dt, ORM_DATETIME, .flags = 0)                                           \
	X(t_types, bin, ORM_BINARY, .flags = 0)                                            \
	X(t_types, color, ORM_ENUM, .enum_values = ORM_ENUM_VALUES("red", "green", "blue"))
ORM_MODEL_DECLARE(t_types, T_TYPES_COLUMNS, ORM_NO_RELS)

/* Python-side and server-side defaults, unique and index options. */
#define T_DEFAULTS_COLUMNS(X)                                                              \
	X(t_defaults, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                      \
	X(t_defaults, name, ORM_STRING, .length = 20, .flags = ORM_NOT_NULL,               \
	  .default_value = ORM_DEFAULT_STR("anon"))                                        \
	X(t_defaults, n, ORM_INTEGER, .flags = ORM_NOT_NULL, .server_default = "7")        \
	X(t_defaults, created, ORM_DATETIME, .flags = ORM_NOT_NULL,                        \
	  .server_default = "CURRENT_TIMESTAMP")                                           \
	X(t_defaults, note, ORM_STRING, .length = 20, .server_default = "'hello'")         \
	X(t_defaults, ratio, ORM_FLOAT, .default_value = ORM_DEFAULT_DBL(0.5))             \
	X(t_defaults, code, ORM_STRING, .length = 8, .flags = ORM_UNIQUE)                  \
	X(t_defaults, tag, ORM_STRING, .length = 8, .flags = ORM_INDEX)
ORM_MODEL_DECLARE(t_defaults, T_DEFAULTS_COLUMNS, ORM_NO_RELS)

/* Two foreign keys to one table: joins must be explicit. */
#define T_AUTHOR_COLUMNS(X)                                                                \
	X(t_author, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                        \
	X(t_author, name, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL)
#define T_AUTHOR_RELS(X)                                                                   \
	X(t_author, books, ORM_ONE_TO_MANY, t_book,                                        \
	  .primaryjoin = ORM_JOIN("t_author.id", "t_book.writer_id"),                      \
	  .back_populates = "writer", .order_by = {{"title", ORM_ASC}})                    \
	X(t_author, edited, ORM_ONE_TO_MANY, t_book,                                       \
	  .primaryjoin = ORM_JOIN("t_book.editor_id", "t_author.id"),                      \
	  .order_by = {{"id", ORM_DESC}})
ORM_MODEL_DECLARE(t_author, T_AUTHOR_COLUMNS, T_AUTHOR_RELS)

#define T_BOOK_COLUMNS(X)                                                                  \
	X(t_book, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                          \
	X(t_book, title, ORM_STRING, .length = 64, .flags = ORM_NOT_NULL)                  \
	X(t_book, writer_id, ORM_INTEGER, .fk = "t_author.id")                             \
	X(t_book, editor_id, ORM_INTEGER, .fk = "t_author.id")
#define T_BOOK_RELS(X)                                                                     \
	X(t_book, writer, ORM_MANY_TO_ONE, t_author,                                       \
	  .primaryjoin = ORM_JOIN("t_book.writer_id", "t_author.id"), .back_populates = "books", \
	  .lazy = ORM_LAZY_SELECTIN)                                                       \
	X(t_book, editor, ORM_MANY_TO_ONE, t_author,                                       \
	  .primaryjoin = ORM_JOIN("t_author.id", "t_book.editor_id"))                      \
	X(t_book, tags, ORM_MANY_TO_MANY, t_tag, .secondary = "t_book_tag",                \
	  .primaryjoin = ORM_JOIN("t_book.id", "t_book_tag.book_ref"),                     \
	  .secondaryjoin = ORM_JOIN("t_tag.id", "t_book_tag.tag_ref"),                     \
	  .back_populates = "books", .order_by = {{"label", ORM_ASC}})
ORM_MODEL_DECLARE(t_book, T_BOOK_COLUMNS, T_BOOK_RELS)

#define T_TAG_COLUMNS(X)                                                                   \
	X(t_tag, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                           \
	X(t_tag, label, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL | ORM_UNIQUE)
#define T_TAG_RELS(X)                                                                      \
	X(t_tag, books, ORM_MANY_TO_MANY, t_book, .secondary = "t_book_tag",               \
	  .primaryjoin = ORM_JOIN("t_tag.id", "t_book_tag.tag_ref"),                       \
	  .secondaryjoin = ORM_JOIN("t_book.id", "t_book_tag.book_ref"),                   \
	  .back_populates = "tags", .order_by = {{"id", ORM_ASC}})
ORM_MODEL_DECLARE(t_tag, T_TAG_COLUMNS, T_TAG_RELS)

#define T_BOOK_TAG_COLUMNS(X)                                                              \
	X(t_book_tag, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                      \
	X(t_book_tag, book_ref, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "t_book.id")     \
	X(t_book_tag, tag_ref, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "t_tag.id")
ORM_MODEL_DECLARE(t_book_tag, T_BOOK_TAG_COLUMNS, ORM_NO_RELS)

/* A maintained O(1) count: t_post's after_write hook keeps t_counter. */
#define T_COUNTER_COLUMNS(X)                                                               \
	X(t_counter, id, ORM_INTEGER, .flags = ORM_PK)                                     \
	X(t_counter, n, ORM_BIGINT, .flags = ORM_NOT_NULL, .server_default = "0")
ORM_MODEL_DECLARE(t_counter, T_COUNTER_COLUMNS, ORM_NO_RELS)

#define T_POST_COLUMNS(X)                                                                  \
	X(t_post, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                          \
	X(t_post, title, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL)                  \
	X(t_post, isdelete, ORM_BOOLEAN, .flags = ORM_NOT_NULL,                            \
	  .default_value = ORM_DEFAULT_INT(0))
ORM_MODEL_DECLARE(t_post, T_POST_COLUMNS, ORM_NO_RELS)

/* All test models, and small registries so that a test recreates only
 * the tables it uses (DDL costs ~40 ms a table). */
extern struct orm_registry test_registry, reg_blog, reg_types, reg_defaults, reg_books, reg_counter;

/* A test's world: the shared connection, a fresh arena and session. */
struct tctx {
	struct db *db;
	struct arena arena;
	struct orm_session s;
	bool ok;
};

enum { T_BLOG = 1, T_TYPES = 2, T_DEFAULTS = 4, T_BOOKS = 8, T_COUNTER = 16, T_TEST = 30 };
/* Connect (once), drop_all + create_all the registries in `which`, and
 * start a session. Fails the test and returns false when the database is
 * not there. */
bool t_begin(struct tctx *t, int which);
void t_end(struct tctx *t);
/* A second connection (own struct db) for checks from outside the session
 * and for races; close with db_close. NULL (test failed) on error. */
struct db *t_connect(void);
/* First column of the first row of a plain SQL query, as an integer; -1 on
 * error or no row. For checks only (the ORM never splices SQL). */
long long t_scalar(struct db *db, const char *sql);
/* The same as a string copied into buf; "" on no row, "(null)" for NULL. */
const char *t_scalar_str(struct db *db, const char *sql, char *buf, size_t n);
/* Run a plain statement; 0 or the MariaDB error number. */
unsigned t_exec(struct db *db, const char *sql);

/* Collects every statement a session runs. */
struct sql_log {
	char sql[32][512];
	int n;
};
void sql_log_hook(void *ctx, const char *sql);
/* Number of logged statements that start with prefix. */
int sql_log_count(const struct sql_log *l, const char *prefix);

/* Small makers for the blog models (added to the session, not committed). */
struct t_user *mk_user(struct orm_session *s, const char *name);
struct t_article *mk_article(struct orm_session *s, struct t_user *u, const char *title, int64_t when);

#endif

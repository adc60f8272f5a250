/* models.h — the blog's models, as the tutorial writes them with
 * Flask-SQLAlchemy:
 *
 *   class User(db.Model):            __tablename__ = "user1"
 *       id, username, password, rdatetime (default now), isdelete (False)
 *   class Article(db.Model):         id, title, content, pdatetime,
 *       user_id = ForeignKey("user1.id"), nullable=False
 *       user = relationship("User", backref="articles")
 *   comment_user = db.Table("comment_user",
 *       Column("comment_id", ForeignKey("comment.id"), primary_key=True),
 *       Column("user_id", ForeignKey("user1.id"), primary_key=True))
 *   class Comment(db.Model):         id, content, cdatetime
 *       users = relationship("User", secondary=comment_user, backref="comments")
 *
 * Each X-macro list gives the C struct, the table's metadata and the
 * typed helpers (user_new, user_get, article_query, ...). */
#ifndef BLOG_MODELS_H
#define BLOG_MODELS_H

#include <flacon/orm.h>

struct user;
struct article;
struct comment;

#define USER_COLUMNS(X)                                                                     \
	X(user, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                             \
	X(user, username, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL | ORM_UNIQUE)     \
	X(user, password, ORM_STRING, .length = 255, .flags = ORM_NOT_NULL)                 \
	X(user, rdatetime, ORM_DATETIME, .flags = ORM_NOT_NULL,                             \
	  .server_default = "CURRENT_TIMESTAMP")                                            \
	X(user, isdelete, ORM_BOOLEAN, .flags = ORM_NOT_NULL,                               \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")
#define USER_RELS(X)                                                                        \
	X(user, articles, ORM_ONE_TO_MANY, article, .back_populates = "user",               \
	  .order_by = {{"id", ORM_ASC}})                                                    \
	X(user, comments, ORM_MANY_TO_MANY, comment, .secondary = "comment_user",           \
	  .back_populates = "users", .order_by = {{"id", ORM_ASC}})
ORM_MODEL_DECLARE(user, USER_COLUMNS, USER_RELS)

#define ARTICLE_COLUMNS(X)                                                                  \
	X(article, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                          \
	X(article, title, ORM_STRING, .length = 128, .flags = ORM_NOT_NULL)                 \
	X(article, pdatetime, ORM_DATETIME, .flags = ORM_NOT_NULL,                          \
	  .server_default = "CURRENT_TIMESTAMP")                                            \
	X(article, content, ORM_TEXT, .flags = ORM_NOT_NULL)                                \
	X(article, user_id, ORM_INTEGER, .flags = ORM_NOT_NULL, .fk = "user1.id")
#define ARTICLE_RELS(X) X(article, user, ORM_MANY_TO_ONE, user, .back_populates = "articles")
ORM_MODEL_DECLARE(article, ARTICLE_COLUMNS, ARTICLE_RELS)

#define COMMENT_COLUMNS(X)                                                                  \
	X(comment, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                          \
	X(comment, content, ORM_STRING, .length = 255, .flags = ORM_NOT_NULL)               \
	X(comment, cdatetime, ORM_DATETIME, .flags = ORM_NOT_NULL,                          \
	  .server_default = "CURRENT_TIMESTAMP")
#define COMMENT_RELS(X)                                                                     \
	X(comment, users, ORM_MANY_TO_MANY, user, .secondary = "comment_user",              \
	  .back_populates = "comments", .order_by = {{"id", ORM_ASC}})
ORM_MODEL_DECLARE(comment, COMMENT_COLUMNS, COMMENT_RELS)

/* The plain association table: two foreign keys, both the primary key. */
#define COMMENT_USER_COLUMNS(X)                                                             \
	X(comment_user, comment_id, ORM_INTEGER, .flags = ORM_PK, .fk = "comment.id")       \
	X(comment_user, user_id, ORM_INTEGER, .flags = ORM_PK, .fk = "user1.id")
ORM_TABLE_DECLARE(comment_user, COMMENT_USER_COLUMNS)

/* The maintained count of articles (orm_counter_add in the article
 * model's flush hook): the list's total without a COUNT(*). */
#define BLOG_ARTICLE_COUNT "articles"

/* Every table of the blog (a MetaData), for create-all, db migrate and
 * the workers. */
extern struct orm_registry blog_registry;

/* Initialise the registry (idempotent): 0, or -1 with a message in err. */
int blog_models_init(char *err, size_t errlen);

/* Articles per page of the list. */
#define BLOG_PER_PAGE 5

/* Create user name with password (hashed with Argon2id) in s, committed.
 * *out is the new user (in s's arena). 0 or an orm_err (ORM_CONFLICT: the
 * name is taken). */
int blog_create_user(struct orm_session *s, const char *name, const char *password, struct user **out);

/* The live (not deleted) user called name, or *out = NULL. 0 or an orm_err. */
int blog_find_user(struct orm_session *s, const char *name, struct user **out);

#endif

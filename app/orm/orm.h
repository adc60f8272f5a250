/* orm.h — the ORM-like mapper (Flask-SQLAlchemy in C): model metadata
 * declared once with X-macros, DDL (create_all / drop_all), a query builder,
 * a unit-of-work session with an identity map and dirty tracking, and
 * relationships with lazy and eager (one query per relationship) loading.
 *
 * Every value travels as a bound parameter of a prepared statement (cached
 * by db_prepare); identifiers come only from model metadata. Objects, lists
 * and values a session produces live in the arena the caller gives the
 * session: one arena_reset() frees a whole request's worth.
 *
 * See docs/orm.md for the Flask-SQLAlchemy ↔ Flacon side-by-side guide. */
#ifndef FLACON_ORM_H
#define FLACON_ORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core/arena.h"
#include "../core/buf.h"
#include "../db/db.h"
#include "../tmpl/tmpl.h"

/* ------------------------------------------------------------------ */
/* Errors                                                               */

/* Result codes: 0 or one of these (negative). The web layer's
 * web_orm_error() (web/web.h) maps them to HTTP statuses; the ORM itself
 * knows nothing of HTTP. */
enum orm_err {
	ORM_OK = 0,
	ORM_NOT_FOUND = -1, /* *_or_404, paginate(error_out) */
	ORM_CONFLICT = -2,  /* duplicate key (1062), row still referenced (1451), row vanished */
	ORM_INVALID = -3,   /* not null (1048/1364), no parent row (1452), enum/check
			     * (1265/4025), too long (1406), out of range (1264), bad value */
	ORM_RETRY = -4,     /* deadlock (1213) or lock wait timeout (1205): rolled back, retry */
	ORM_DB = -5,        /* lost connection or any other database error */
	ORM_NOMEM = -6,     /* the arena is out of memory */
	ORM_MISUSE = -7,    /* a bug in the caller: unknown column, wrong model, bad state */
	ORM_UNAVAILABLE = -8, /* retries exhausted, or the database cannot be used now (503) */
};

/* A static one-word description of an orm_err ("conflict", ...). */
const char *orm_strerror(int err);
/* Map a MariaDB error number to an orm_err (0 → ORM_OK). */
int orm_err_from_errno(unsigned errnum);

/* ------------------------------------------------------------------ */
/* Column types and the C type of each                                 */

enum orm_type {
	ORM_INTEGER,      /* INT                  int32_t */
	ORM_SMALLINT,     /* SMALLINT             int16_t */
	ORM_BIGINT,       /* BIGINT               int64_t */
	ORM_FLOAT,        /* DOUBLE               double */
	ORM_NUMERIC,      /* DECIMAL(p,s)         const char * (exact decimal text) */
	ORM_STRING,       /* VARCHAR(n)           const char * */
	ORM_TEXT,         /* TEXT (or by .length) const char * */
	ORM_UNICODE,      /* VARCHAR(n) utf8mb4   const char * */
	ORM_UNICODE_TEXT, /* TEXT utf8mb4         const char * */
	ORM_BOOLEAN,      /* TINYINT(1)           bool */
	ORM_DATE,         /* DATE                 int32_t days since 1970-01-01 */
	ORM_TIME,         /* TIME                 int32_t seconds (signed) */
	ORM_DATETIME,     /* DATETIME (UTC)       int64_t seconds since the epoch */
	ORM_BINARY,       /* BLOB (LargeBinary)   struct orm_bytes */
	ORM_ENUM,         /* ENUM('a',...)        const char * (one of .enum_values) */
};

/* Bytes that may hold NUL (LargeBinary). */
struct orm_bytes {
	const void *p;
	size_t n;
};

#define ORM_CTYPE_ORM_INTEGER int32_t
#define ORM_CTYPE_ORM_SMALLINT int16_t
#define ORM_CTYPE_ORM_BIGINT int64_t
#define ORM_CTYPE_ORM_FLOAT double
#define ORM_CTYPE_ORM_NUMERIC const char *
#define ORM_CTYPE_ORM_STRING const char *
#define ORM_CTYPE_ORM_TEXT const char *
#define ORM_CTYPE_ORM_UNICODE const char *
#define ORM_CTYPE_ORM_UNICODE_TEXT const char *
#define ORM_CTYPE_ORM_BOOLEAN bool
#define ORM_CTYPE_ORM_DATE int32_t
#define ORM_CTYPE_ORM_TIME int32_t
#define ORM_CTYPE_ORM_DATETIME int64_t
#define ORM_CTYPE_ORM_BINARY struct orm_bytes
#define ORM_CTYPE_ORM_ENUM const char *

/* Column flags (.flags = ORM_PK | ORM_AUTOINC ...). Columns are nullable
 * unless ORM_NOT_NULL or ORM_PK, as in SQLAlchemy. */
enum {
	ORM_PK = 1u << 0,       /* primary key (one integer column per model;
				 * several foreign keys in a plain Table) */
	ORM_AUTOINC = 1u << 1,  /* AUTO_INCREMENT; the new id is written back */
	ORM_NOT_NULL = 1u << 2, /* nullable=False */
	ORM_UNIQUE = 1u << 3,   /* unique=True: UNIQUE KEY uq_<table>_<col> */
	ORM_INDEX = 1u << 4,    /* index=True: KEY ix_<table>_<col> */
};

/* Python-side default: a constant put into the object by orm_new(). */
struct orm_default {
	bool set;
	int64_t i;     /* integers, booleans, DATE/TIME/DATETIME */
	double d;      /* FLOAT */
	const char *s; /* strings, NUMERIC, ENUM */
};
#define ORM_DEFAULT_INT(v) {.set = true, .i = (v)}
#define ORM_DEFAULT_DBL(v) {.set = true, .d = (v)}
#define ORM_DEFAULT_STR(v) {.set = true, .s = (v)}
/* Enum values, in order: .enum_values = ORM_ENUM_VALUES("a", "b") */
#define ORM_ENUM_VALUES(...) ((const char *const[]){__VA_ARGS__, NULL})

#define ORM_MAX_COLUMNS 64  /* per model: null / dirty bitmaps are uint64_t */
#define ORM_MAX_RELS 32
#define ORM_MAX_INDEX_COLS 8
#define ORM_MAX_ORDER 4

struct orm_model;
struct orm_registry;
struct orm_session;

struct orm_column {
	/* Declared (designated initialisers in the X-macro list). */
	const char *name;
	enum orm_type type;
	size_t offset;                  /* of the field in the model's struct */
	unsigned flags;                 /* ORM_PK, ORM_AUTOINC, ... */
	unsigned length;                /* String/Unicode(n); Text/Binary size class */
	unsigned precision, scale;      /* Numeric(p, s) */
	const char *const *enum_values; /* Enum: NULL-terminated */
	const char *collation;          /* e.g. "utf8mb4_unicode_ci"; NULL = table's */
	struct orm_default default_value; /* Python-side constant (orm_new) */
	const char *server_default;     /* DDL DEFAULT, SQL text from the model
					 * author: "CURRENT_TIMESTAMP", "0", "'x'" */
	const char *fk;                 /* ForeignKey("table.column") */
	const char *fk_ondelete;        /* "CASCADE", "SET NULL"...; NULL = RESTRICT */
	/* Derived by orm_registry_init(). */
	const struct orm_model *model;
	unsigned index;                    /* position in model->columns */
	const struct orm_column *fk_target; /* the referenced column */
	const char *qname;                 /* "`table`.`column`" */
};

/* A named index or unique constraint (several columns allowed). */
struct orm_index_def {
	const char *name; /* NULL = ix_/uq_<table>_<col1>_<col2>... */
	const char *columns[ORM_MAX_INDEX_COLS];
	bool unique;
};

struct orm_index {
	const char *name;
	const struct orm_column *columns[ORM_MAX_INDEX_COLS];
	unsigned ncolumns;
	bool unique;
};

struct orm_fk {
	const char *name; /* fk_<table>_<column> */
	const struct orm_column *column;
	const struct orm_column *ref; /* referenced column (its ->model is the table) */
	const char *ondelete;         /* NULL = RESTRICT */
};

enum orm_rel_kind {
	ORM_MANY_TO_ONE,  /* scalar: article.user (FK here) */
	ORM_ONE_TO_MANY,  /* list:   user.articles (FK in the target) */
	ORM_ONE_TO_ONE,   /* scalar: user.student (one-to-many with uselist=False) */
	ORM_MANY_TO_MANY, /* list:   student.courses through .secondary */
};

/* One side of a join, both "table.column": primaryjoin = User.id ==
 * Article.user_id is ORM_JOIN("user.id", "article.user_id"). */
struct orm_join_spec {
	const char *left, *right;
};
#define ORM_JOIN(l, r) {(l), (r)}

enum orm_dir { ORM_ASC = 0, ORM_DESC = 1 };
struct orm_order_spec {
	const char *column; /* a column of the relationship's target */
	enum orm_dir dir;
};

enum orm_lazy {
	ORM_LAZY_SELECT = 0, /* lazy="select": loaded on first orm_load_* */
	ORM_LAZY_SELECTIN,   /* lazy="selectin": every query eager-loads it */
};

struct orm_relationship {
	/* Declared. */
	const char *name;
	enum orm_rel_kind kind;
	struct orm_model *target;
	size_t offset;                /* of the field in the model's struct */
	const char *secondary;        /* many-to-many: the association table */
	const char *back_populates;   /* the reverse relationship on the target */
	struct orm_join_spec primaryjoin;   /* optional; inferred from the FKs */
	struct orm_join_spec secondaryjoin; /* many-to-many: target ↔ secondary */
	struct orm_order_spec order_by[ORM_MAX_ORDER];
	enum orm_lazy lazy;
	/* Derived by orm_registry_init(). Join keys are integer columns. */
	struct orm_model *model;
	unsigned index;
	const struct orm_column *local;  /* key in model: FK (m2o) or referenced column */
	const struct orm_column *remote; /* key in target: PK (m2o), FK (o2m), PK (m2m) */
	struct orm_model *sec;           /* many-to-many association model */
	const struct orm_column *sec_local, *sec_remote; /* its columns for local / remote */
	const struct orm_relationship *backref;
	const char *order_sql; /* " ORDER BY ..." or "" */
};

/* Called after each row a flush writes (inside the transaction), before the
 * object's snapshot is updated: orm_changed() still tells what changed.
 * Non-zero return (an orm_err) fails the flush: everything is rolled back.
 * This is how a maintained O(1) count (e.g. of visible articles) is kept. */
enum orm_write { ORM_WRITE_INSERT, ORM_WRITE_UPDATE, ORM_WRITE_DELETE };
typedef int (*orm_flush_hook)(struct orm_session *s, void *obj, enum orm_write what);

/* A computed field templates may name beside the columns (SQLAlchemy's
 * hybrid property, a Jinja filter in Flask): get sets *out from obj; text
 * it makes goes into arena a; env is what the page passed to orm_tmpl_obj
 * / orm_tmpl_list (NULL when nothing), for fields that depend on the
 * request (e.g. "selected by the logged-in student"). 0, or -1 when out of
 * memory (the render fails). A model's table of them is {NULL}-terminated
 * (.fields in ORM_MODEL_DEFINE); a field shadows a column of its name. */
struct orm_field {
	const char *name;
	int (*get)(const void *obj, const void *env, struct arena *a, struct tmpl_value *out);
};

struct orm_model {
	/* Declared. */
	const char *name;  /* the model's C name */
	const char *table; /* table name (defaults to name) */
	size_t size;       /* sizeof(struct name) */
	struct orm_column *columns;
	size_t ncolumns;
	struct orm_relationship *rels;
	size_t nrels;
	const struct orm_index_def *index_defs; /* table-level; {0}-terminated */
	const char *charset;   /* default utf8mb4 */
	const char *collation; /* default utf8mb4_unicode_ci */
	orm_flush_hook after_write;
	const struct orm_field *fields; /* computed fields for templates; {NULL}-terminated */
	/* Derived by orm_registry_init(). */
	bool ready;
	unsigned rank;  /* FK depth: parents have lower ranks */
	const struct orm_column *pk; /* NULL for a plain table (composite key) */
	const struct orm_column *pk_lead; /* the first primary key column */
	struct orm_index *indexes; /* column-level and table-level, named */
	size_t nindexes;
	struct orm_fk *fks;
	size_t nfks;
	const char *qtable;      /* "`table`" */
	const char *select_list; /* "`t`.`a`, `t`.`b`, ..." */
	const char *sql_get;     /* SELECT ... WHERE pk = ? */
	const char *sql_delete;  /* DELETE ... WHERE pk = ? */
	uint64_t not_null_mask;  /* columns NOT NULL */
	void *tmpl_names;        /* names templates read (template.c), hashed */
	uint32_t tmpl_names_mask;
};

/* A set of models (a MetaData). Initialise once per process, before fork. */
struct orm_registry {
	struct orm_model **models; /* declared order */
	size_t nmodels;
	/* Derived. */
	bool ready;
	struct orm_model **sorted; /* FK order: parents first */
	struct arena arena;        /* derived metadata; freed by orm_registry_free */
};

/* Resolve names (FK targets, relationship joins, index columns), derive
 * indexes, FKs, FK order and the fixed SQL of every model. Idempotent.
 * Returns 0, or ORM_MISUSE with a message in err (unknown column, cycle...). */
int orm_registry_init(struct orm_registry *r, char *err, size_t errlen);
void orm_registry_free(struct orm_registry *r);
/* The model whose table is name, or NULL. */
struct orm_model *orm_registry_find(const struct orm_registry *r, const char *table);
/* The column called name, or NULL (linear; metadata only). */
const struct orm_column *orm_model_column(const struct orm_model *m, const char *name);
const struct orm_relationship *orm_model_rel(const struct orm_model *m, const char *name);

/* ------------------------------------------------------------------ */
/* Objects                                                              */

enum orm_state {
	ORM_TRANSIENT = 0, /* not in a session */
	ORM_PENDING,       /* added, INSERT at the next flush */
	ORM_PERSISTENT,    /* a row, in the identity map */
	ORM_DELETED,       /* DELETE at the next flush */
	ORM_DETACHED,      /* deleted and flushed, or expunged */
};

/* The header every model struct starts with (the X-macros put it there). */
struct orm_obj {
	const struct orm_model *model;
	struct orm_session *session;
	struct orm_obj *next;   /* in the session's list of objects */
	void *snapshot;         /* copy of the struct as last loaded / flushed */
	void *txn_orig;         /* copy before this transaction's first write */
	uint64_t nulls;         /* bit i: column i is NULL (scalar columns) */
	uint64_t touched;       /* bit i: orm_touch() — changed in place */
	uint64_t unloaded;      /* bit i: column i not read (orm_load_only): its
				 * field is zero, it renders as nothing and a
				 * flush never writes it (unless orm_touch'ed) */
	uint32_t rels_loaded;   /* bit r: relationship r holds its rows */
	uint8_t state;          /* enum orm_state */
	bool in_txn_log;
	bool expired;           /* values from before a rollback: reloaded by the next get or query */
};

/* A list of objects (one-to-many and many-to-many fields, query results).
 * Items and the array live in the session's arena. */
struct orm_list {
	struct orm_obj **items;
	size_t n, cap;
};

/* Is column i of obj NULL? Pointer-typed columns are NULL when the pointer
 * is; scalar ones when their null bit is set. */
bool orm_field_is_null(const void *obj, unsigned col);
/* Set column i to NULL at the next flush (a pointer column: set it NULL). */
void orm_set_null(void *obj, unsigned col);
/* Mark column i as changed (and not NULL): use after changing a string in
 * place, or to store 0 into a column that was NULL. */
void orm_touch(void *obj, unsigned col);
/* Has column i changed since the object was loaded / last flushed? An
 * unloaded column (orm_load_only) has not, unless orm_touch'ed. */
bool orm_changed(const void *obj, unsigned col);
/* Was column i read (false only for a column orm_load_only left out)? */
bool orm_loaded(const void *obj, unsigned col);
/* Assign a field and mark it changed: ORM_SET(u, user, age, 20). */
#define ORM_SET(obj, model, field, value) \
	((obj)->field = (value), orm_touch((obj), model##_col_##field))
#define ORM_IS_NULL(obj, model, field) orm_field_is_null((obj), model##_col_##field)
#define ORM_SET_NULL(obj, model, field) orm_set_null((obj), model##_col_##field)
/* The integer primary key of obj (0 while pending with AUTO_INCREMENT). */
int64_t orm_pk(const void *obj);

/* ------------------------------------------------------------------ */
/* Declaring a model (X-macros)                                         */
/*
 * models.h:
 *   #define USER_COLUMNS(X) \
 *     X(user, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC) \
 *     X(user, username, ORM_STRING, .length = 32, .flags = ORM_NOT_NULL | ORM_UNIQUE)
 *   #define USER_RELS(X) \
 *     X(user, articles, ORM_ONE_TO_MANY, article, .back_populates = "user")
 *   ORM_MODEL_DECLARE(user, USER_COLUMNS, USER_RELS)
 * models.c:
 *   ORM_MODEL_DEFINE(user, USER_COLUMNS, USER_RELS)            // or with
 *   ORM_MODEL_DEFINE(article, ..., .index_defs = ...)          // table options
 * A model without relationships passes ORM_NO_RELS.
 *
 * That yields struct user { struct orm_obj orm; int32_t id; const char
 * *username; struct orm_list articles; }, enum constants user_col_id,
 * user_col_username, user_ncols, user_rel_articles, the descriptor
 * user_model, and typed helpers: user_new, user_get, user_get_or_404,
 * user_query, user_first, user_first_or_404, user_at, user_load_articles.
 */
#define ORM_NO_RELS(X)

#define ORM_X_FIELD(m, fname, ftype, ...) ORM_CTYPE_##ftype fname;
#define ORM_X_RELFIELD(m, rname, rkind, rtarget, ...) ORM_RFIELD_##rkind(rtarget) rname;
#define ORM_RFIELD_ORM_MANY_TO_ONE(t) struct t *
#define ORM_RFIELD_ORM_ONE_TO_ONE(t) struct t *
#define ORM_RFIELD_ORM_ONE_TO_MANY(t) struct orm_list
#define ORM_RFIELD_ORM_MANY_TO_MANY(t) struct orm_list
#define ORM_X_COLENUM(m, fname, ...) m##_col_##fname,
#define ORM_X_RELENUM(m, rname, ...) m##_rel_##rname,
#define ORM_X_RELFN(m, rname, rkind, rtarget, ...) ORM_RFN_##rkind(m, rname, rtarget)
#define ORM_RFN_SCALAR(m, rname, rtarget)                                                  \
	static inline int m##_load_##rname(struct orm_session *s, struct m *o,             \
					   struct rtarget **out)                           \
	{                                                                                  \
		void *r = NULL;                                                            \
		int rc = orm_load_one(s, o, &m##_model.rels[m##_rel_##rname], &r);         \
		*out = (struct rtarget *)r;                                                \
		return rc;                                                                 \
	}
#define ORM_RFN_LIST(m, rname, rtarget)                                                    \
	static inline int m##_load_##rname(struct orm_session *s, struct m *o,             \
					   struct orm_list **out)                          \
	{                                                                                  \
		return orm_load_list(s, o, &m##_model.rels[m##_rel_##rname], out);         \
	}
#define ORM_RFN_ORM_MANY_TO_ONE(m, r, t) ORM_RFN_SCALAR(m, r, t)
#define ORM_RFN_ORM_ONE_TO_ONE(m, r, t) ORM_RFN_SCALAR(m, r, t)
#define ORM_RFN_ORM_ONE_TO_MANY(m, r, t) ORM_RFN_LIST(m, r, t)
#define ORM_RFN_ORM_MANY_TO_MANY(m, r, t) ORM_RFN_LIST(m, r, t)

#define ORM_MODEL_DECLARE(m, COLS, RELS)                                                   \
	struct m {                                                                         \
		struct orm_obj orm;                                                        \
		COLS(ORM_X_FIELD)                                                          \
		RELS(ORM_X_RELFIELD)                                                       \
	};                                                                                 \
	enum { COLS(ORM_X_COLENUM) m##_ncols };                                            \
	enum { RELS(ORM_X_RELENUM) m##_nrels };                                            \
	extern struct orm_model m##_model;                                                 \
	static inline struct m *m##_new(struct orm_session *s)                             \
	{                                                                                  \
		return (struct m *)orm_new(s, &m##_model);                                 \
	}                                                                                  \
	static inline int m##_get(struct orm_session *s, int64_t id, struct m **out)       \
	{                                                                                  \
		void *o = NULL;                                                            \
		int rc = orm_get(s, &m##_model, id, &o);                                   \
		*out = (struct m *)o;                                                      \
		return rc;                                                                 \
	}                                                                                  \
	static inline int m##_get_or_404(struct orm_session *s, int64_t id, struct m **out) \
	{                                                                                  \
		void *o = NULL;                                                            \
		int rc = orm_get_or_404(s, &m##_model, id, &o);                            \
		*out = (struct m *)o;                                                      \
		return rc;                                                                 \
	}                                                                                  \
	static inline struct orm_query *m##_query(struct orm_session *s)                   \
	{                                                                                  \
		return orm_query(s, &m##_model);                                           \
	}                                                                                  \
	static inline int m##_first(struct orm_query *q, struct m **out)                   \
	{                                                                                  \
		void *o = NULL;                                                            \
		int rc = orm_first(q, &o);                                                 \
		*out = (struct m *)o;                                                      \
		return rc;                                                                 \
	}                                                                                  \
	static inline int m##_first_or_404(struct orm_query *q, struct m **out)            \
	{                                                                                  \
		void *o = NULL;                                                            \
		int rc = orm_first_or_404(q, &o);                                          \
		*out = (struct m *)o;                                                      \
		return rc;                                                                 \
	}                                                                                  \
	static inline struct m *m##_at(const struct orm_list *l, size_t i)                 \
	{                                                                                  \
		return (struct m *)l->items[i];                                            \
	}                                                                                  \
	RELS(ORM_X_RELFN)

#define ORM_X_COLDESC(m, fname, ftype, ...) \
	{.name = #fname, .type = ftype, .offset = offsetof(struct m, fname), __VA_ARGS__},
#define ORM_X_RELDESC(m, rname, rkind, rtarget, ...)                                    \
	{.name = #rname, .kind = rkind, .target = &rtarget##_model,                     \
	 .offset = offsetof(struct m, rname), __VA_ARGS__},

/* Define the descriptor m##_model; extra arguments are orm_model fields
 * (.table, .index_defs, .after_write, .collation). */
#define ORM_MODEL_DEFINE(m, COLS, RELS, ...)                                               \
	static struct orm_column m##_columns_[] = {COLS(ORM_X_COLDESC){.name = NULL}};     \
	static struct orm_relationship m##_rels_[] = {RELS(ORM_X_RELDESC){.name = NULL}};  \
	struct orm_model m##_model = {                                                     \
		.name = #m,                                                                \
		.size = sizeof(struct m),                                                  \
		.columns = m##_columns_,                                                   \
		.ncolumns = sizeof m##_columns_ / sizeof m##_columns_[0] - 1,              \
		.rels = m##_rels_,                                                         \
		.nrels = sizeof m##_rels_ / sizeof m##_rels_[0] - 1,                       \
		__VA_ARGS__}

/* A plain Table with no mapped class — SQLAlchemy's
 *   comment_user = db.Table("comment_user",
 *       db.Column("comment_id", db.ForeignKey("comment.id"), primary_key=True),
 *       db.Column("user_id", db.ForeignKey("user.id"), primary_key=True))
 * is
 *   #define COMMENT_USER_COLUMNS(X) \
 *     X(comment_user, comment_id, ORM_INTEGER, .flags = ORM_PK, .fk = "comment.id") \
 *     X(comment_user, user_id, ORM_INTEGER, .flags = ORM_PK, .fk = "user.id")
 *   ORM_TABLE_DECLARE(comment_user, COMMENT_USER_COLUMNS)   // models.h
 *   ORM_TABLE_DEFINE(comment_user, COMMENT_USER_COLUMNS)    // models.c
 * and goes in the registry like a model. Its primary key is every ORM_PK
 * column (all foreign keys); it serves as a many-to-many .secondary. It is
 * no mapped class: orm_new and orm_get refuse it (ORM_MISUSE), and its rows
 * are written by orm_append / orm_remove. It is queryable like a model
 * (select(table), table.delete()): m##_query(s) — orm_query(s, &m##_model)
 * — takes orm_filter / orm_filter_by / order_by / limit / group_by and runs
 * with orm_count, orm_rows (no orm_select: every column, row[m##_col_x]),
 * orm_update and orm_delete_where; orm_all / orm_first / orm_paginate,
 * which make objects, answer ORM_MISUSE. */
#define ORM_TABLE_DECLARE(m, COLS)                                                         \
	struct m {                                                                         \
		struct orm_obj orm;                                                        \
		COLS(ORM_X_FIELD)                                                          \
	};                                                                                 \
	enum { COLS(ORM_X_COLENUM) m##_ncols };                                            \
	extern struct orm_model m##_model;                                                 \
	static inline struct orm_query *m##_query(struct orm_session *s)                   \
	{                                                                                  \
		return orm_query(s, &m##_model);                                           \
	}
#define ORM_TABLE_DEFINE(m, COLS, ...) ORM_MODEL_DEFINE(m, COLS, ORM_NO_RELS, __VA_ARGS__)

/* The descriptors of a column / relationship of a declared model. */
#define ORM_COL(m, fname) (&m##_model.columns[m##_col_##fname])
#define ORM_REL(m, rname) (&m##_model.rels[m##_rel_##rname])

/* ------------------------------------------------------------------ */
/* Schema                                                               */

/* Append the SQL type of c ("VARCHAR(32)", "DECIMAL(18,4)", "ENUM('a','b')"). */
int orm_column_sql_type(const struct orm_column *c, struct buf *out);
/* Append c's column definition ("`name` VARCHAR(32) COLLATE x NOT NULL DEFAULT ..."). */
int orm_column_sql(const struct orm_column *c, struct buf *out);
/* Append m's CREATE TABLE (InnoDB, utf8mb4, PK, indexes, FKs). 0 or ORM_NOMEM. */
int orm_create_table_sql(const struct orm_model *m, bool if_not_exists, struct buf *out);
/* Fill out with r's models in FK order (parents first); returns how many
 * (at most cap are written). r must be initialised. */
size_t orm_registry_fk_order(const struct orm_registry *r, const struct orm_model **out,
			     size_t cap);
/* CREATE TABLE IF NOT EXISTS for every model, parents first; DROP TABLE IF
 * EXISTS for every model, children first. 0 or an orm_err (db->err). */
int orm_create_all(struct db *db, const struct orm_registry *r);
int orm_drop_all(struct db *db, const struct orm_registry *r);

/* ------------------------------------------------------------------ */
/* Values                                                               */

enum orm_vkind {
	ORM_V_NULL,
	ORM_V_INT,     /* also booleans, DATE (days), TIME (s), DATETIME (epoch s) */
	ORM_V_DOUBLE,
	ORM_V_TEXT,
	ORM_V_DECIMAL, /* exact decimal text */
	ORM_V_BYTES,
};

struct orm_value {
	enum orm_vkind kind;
	union {
		int64_t i;
		double d;
		struct {
			const char *p;
			size_t n;
		} s;
	};
};

static inline struct orm_value orm_null(void)
{
	return (struct orm_value){.kind = ORM_V_NULL};
}
static inline struct orm_value orm_int(int64_t i)
{
	return (struct orm_value){.kind = ORM_V_INT, .i = i};
}
static inline struct orm_value orm_bool(bool b)
{
	return (struct orm_value){.kind = ORM_V_INT, .i = b};
}
static inline struct orm_value orm_dbl(double d)
{
	return (struct orm_value){.kind = ORM_V_DOUBLE, .d = d};
}
/* p is not copied: it must live as long as the query (arena or static). */
static inline struct orm_value orm_strn(const char *p, size_t n)
{
	struct orm_value v = {.kind = ORM_V_TEXT};
	v.s.p = p;
	v.s.n = n;
	return v;
}
static inline struct orm_value orm_str(const char *p)
{
	return p ? orm_strn(p, strlen(p)) : orm_null();
}
static inline struct orm_value orm_dec(const char *p)
{
	struct orm_value v = orm_str(p);
	if (p)
		v.kind = ORM_V_DECIMAL;
	return v;
}
static inline struct orm_value orm_bytes(const void *p, size_t n)
{
	struct orm_value v = {.kind = ORM_V_BYTES};
	v.s.p = (const char *)p;
	v.s.n = n;
	return v;
}
/* Numeric views of a result value (DECIMAL text is parsed). */
int64_t orm_value_int(struct orm_value v);
double orm_value_double(struct orm_value v);

/* ------------------------------------------------------------------ */
/* Session (unit of work)                                               */

typedef void (*orm_sql_hook)(void *ctx, const char *sql);

struct orm_session {
	struct db *db;
	struct arena *arena;
	struct orm_obj *objects, *objects_tail; /* every attached object */
	struct orm_obj **idmap;                 /* open addressing on (model, pk) */
	size_t idmap_cap, idmap_n;
	struct orm_uow_op *ops, *ops_tail;          /* pending link / association writes */
	struct orm_txn_entry *txn_log;          /* rollback data of the open transaction */
	bool in_txn;
	unsigned long txn_connects;             /* db->connects at BEGIN */
	bool commit_sent;                       /* the last COMMIT reached the wire */
	bool refresh_rows;                      /* fetching a FOR UPDATE: refresh mapped objects */
	unsigned txn_attempts;                  /* runs of fn in the last orm_transaction */
	int err;                                /* last orm_err */
	unsigned db_errno;                      /* last MariaDB error number */
	char errmsg[256];                       /* last error, one line */
	const char *last_sql;                   /* in the arena; "" before any */
	orm_sql_hook sql_hook;
	void *sql_hook_ctx;
};

/* Start a session on db whose objects and queries live in arena a (not
 * owned). Never fails. End it with orm_session_close() before resetting a. */
void orm_session_init(struct orm_session *s, struct db *db, struct arena *a);
/* Roll back an open transaction. The objects stay in the arena. */
void orm_session_close(struct orm_session *s);
/* Call hook(ctx, sql) before each statement the session runs. */
void orm_session_set_sql_hook(struct orm_session *s, orm_sql_hook hook, void *ctx);
/* The text of the last statement run (valid until the arena is reset). */
const char *orm_last_sql(const struct orm_session *s);
/* The message of the last error, one line. */
const char *orm_errmsg(const struct orm_session *s);

/* A transient object of model m, zeroed, with Python-side defaults and
 * NULLs set; NULL when out of memory. It lives in the session's arena. */
void *orm_new(struct orm_session *s, const struct orm_model *m);
/* session.add(obj): pending (transient) or nothing (already attached).
 * ORM_MISUSE if obj belongs to another session or was deleted. */
int orm_add(struct orm_session *s, void *obj);
/* session.merge(obj, load=False): obj (transient, from orm_new) holding its
 * primary key and the columns in known (bits: ORM_COLBIT) — values the
 * caller knows without a query, e.g. who is logged in, from the session —
 * becomes a persistent object of the session without a statement. Its
 * other columns are unloaded, as with orm_load_only: zero, rendered as
 * nothing, never written by a flush, read by the next orm_get or query
 * that meets the row; its relationships are not loaded. When the session
 * already maps the row, that object is returned instead (obj is left
 * alone). NULL: a misuse (recorded) or out of memory. */
void *orm_merge_known(struct orm_session *s, void *obj, uint64_t known);
#define ORM_COLBIT(m, field) (UINT64_C(1) << m##_col_##field)
/* session.delete(obj): DELETE at the next flush (a pending object is just
 * expunged). Association rows of its many-to-many relationships go too. */
int orm_delete(struct orm_session *s, void *obj);
/* Start a transaction now (reads in it see a consistent snapshot; needed
 * before a SELECT ... FOR UPDATE). Otherwise the first flush starts one. */
int orm_begin(struct orm_session *s);
/* Write pending changes inside the (possibly new) transaction: INSERTs in FK
 * order, UPDATEs naming only changed columns, association rows, DELETEs.
 * On error everything is rolled back (as orm_rollback) and the error is
 * returned: nothing is half-written. */
int orm_flush(struct orm_session *s);
/* Flush, then COMMIT: one transaction. No statement when nothing changed. */
int orm_commit(struct orm_session *s);
/* ROLLBACK; objects revert to their last committed values, pending ones are
 * expunged, loaded relationships are expired (reloaded on next access).
 * Every persistent object is expired, as SQLAlchemy does: its values are
 * those read before the rollback, so the next orm_get, query or FOR UPDATE
 * that meets its row refreshes it in place (same pointer, current values). */
int orm_rollback(struct orm_session *s);

/* One unit of work run as a retryable transaction (SQLAlchemy users write
 * this loop by hand): BEGIN, fn(s, arg), COMMIT. When fn or the COMMIT fails
 * with a deadlock (1213), a lock wait timeout (1205), a Galera certification
 * conflict, or a connection lost before COMMIT was sent, everything is
 * rolled back, every object expired (fn reads fresh rows next time), and fn
 * runs again after a short randomized back-off, at most ORM_TXN_ATTEMPTS
 * times in all; then ORM_UNAVAILABLE (the web layer answers 503).
 * fn returns 0 to commit, or an orm_err to roll back and return it; fn may
 * also end the transaction itself (orm_rollback for "nothing to do"), then
 * nothing more is sent. fn must be safe to run again: keep its results in
 * arg and set them on every run. A connection lost during COMMIT is never
 * retried (the commit may have happened): ORM_UNAVAILABLE. */
#define ORM_TXN_ATTEMPTS DB_RETRY_ATTEMPTS
typedef int (*orm_txn_fn)(struct orm_session *s, void *arg);
int orm_transaction(struct orm_session *s, orm_txn_fn fn, void *arg);
/* As orm_transaction for one statement that is atomic on its own (a bulk
 * UPDATE such as a click count): no BEGIN / COMMIT around it; retried on a
 * deadlock, lock wait timeout or certification conflict only. */
int orm_retry(struct orm_session *s, orm_txn_fn fn, void *arg);
/* Attempts the last orm_transaction / orm_retry of this session made. */
unsigned orm_transaction_attempts(const struct orm_session *s);

/* Query.get(): the object with primary key id from the identity map, or
 * from the database (one query); *out = NULL when there is none. */
int orm_get(struct orm_session *s, const struct orm_model *m, int64_t id, void **out);
/* As orm_get, but ORM_NOT_FOUND when there is none. */
int orm_get_or_404(struct orm_session *s, const struct orm_model *m, int64_t id, void **out);

/* ------------------------------------------------------------------ */
/* Relationships                                                        */

/* The related object of a scalar relationship (many-to-one, one-to-one),
 * loading it when not yet loaded (a many-to-one finds it in the identity
 * map first, without a query). *out = NULL when there is none. */
int orm_load_one(struct orm_session *s, void *obj, const struct orm_relationship *r, void **out);
/* The list of a one-to-many / many-to-many relationship, loading it (one
 * query) when not yet loaded. */
int orm_load_list(struct orm_session *s, void *obj, const struct orm_relationship *r,
		  struct orm_list **out);
/* Load r for every object of list in one query (WHERE key IN (...)). */
int orm_load_rel_many(struct orm_session *s, const struct orm_list *list,
		      const struct orm_relationship *r);
/* parent.rel.append(child): list relationships. Loads the list first when
 * needed; a child already in it is a no-op; a transient child is added to
 * the session; the backref side is kept in step. The row (association or
 * FK) is written at the next flush. */
int orm_append(struct orm_session *s, void *parent, const struct orm_relationship *r, void *child);
/* parent.rel.remove(child): a child not in the list is a no-op. A
 * many-to-many association row is deleted; a one-to-many child gets a NULL FK. */
int orm_remove(struct orm_session *s, void *parent, const struct orm_relationship *r, void *child);
/* obj.rel = target for a scalar relationship (target may be NULL): the FK
 * follows at the next flush, the backref list is kept in step. */
int orm_set_related(struct orm_session *s, void *obj, const struct orm_relationship *r,
		    void *target);
/* Does list hold obj? Linear in the list's length. */
bool orm_list_contains(const struct orm_list *l, const void *obj);

/* The objects of a list as a set, for membership asked many times (a
 * template's computed field, once per row: "is this course one of mine"):
 * orm_objset_has answers orm_list_contains's question in constant time.
 * The set holds the objects' addresses, not copies, and does not follow
 * later changes to the list. */
struct orm_objset {
	size_t mask;        /* slots - 1 */
	const void **slot;  /* open addressing; NULL: empty */
};
/* Fill *s with the objects of l, its table in arena a (freed with it).
 * 0, or ORM_NOMEM (*s then holds nothing: orm_objset_has is false). */
int orm_objset_init(struct orm_objset *s, const struct orm_list *l, struct arena *a);
/* The slot where obj's address is looked for first (private to the set:
 * orm_objset_init and orm_objset_has agree on it). The low bits are
 * alignment, the multiply spreads the rest. */
static inline size_t orm_objset_index_(const struct orm_objset *s, const void *obj)
{
	uint64_t h = ((uint64_t)(uintptr_t)obj >> 4) * UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(h >> 32) & s->mask;
}
/* Is obj one of the objects *s was made from? NULL obj: false. In line:
 * a list's template asks it once per row. */
static inline bool orm_objset_has(const struct orm_objset *s, const void *obj)
{
	if (!s->slot || !obj)
		return false;
	for (size_t k = orm_objset_index_(s, obj); s->slot[k]; k = (k + 1) & s->mask)
		if (s->slot[k] == obj)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Queries                                                              */

struct orm_expr;
struct orm_query;
struct orm_rows;

enum orm_op { ORM_OP_EQ, ORM_OP_NE, ORM_OP_LT, ORM_OP_LE, ORM_OP_GT, ORM_OP_GE };
enum orm_agg { ORM_COUNT, ORM_SUM, ORM_AVG, ORM_MIN, ORM_MAX };

/* Expressions live in the session's arena. A NULL argument (out of memory
 * earlier) makes the query fail with ORM_NOMEM when run. */
const struct orm_expr *orm_cmp(struct orm_session *s, const struct orm_expr *term,
			       enum orm_op op, struct orm_value v);
/* term op term, e.g. course.enrolled < course.capacity. */
const struct orm_expr *orm_cmp_terms(struct orm_session *s, const struct orm_expr *a, enum orm_op op,
				     const struct orm_expr *b);
const struct orm_expr *orm_eq(struct orm_session *s, const struct orm_column *c, struct orm_value v);
const struct orm_expr *orm_ne(struct orm_session *s, const struct orm_column *c, struct orm_value v);
const struct orm_expr *orm_lt(struct orm_session *s, const struct orm_column *c, struct orm_value v);
const struct orm_expr *orm_le(struct orm_session *s, const struct orm_column *c, struct orm_value v);
const struct orm_expr *orm_gt(struct orm_session *s, const struct orm_column *c, struct orm_value v);
const struct orm_expr *orm_ge(struct orm_session *s, const struct orm_column *c, struct orm_value v);
const struct orm_expr *orm_like(struct orm_session *s, const struct orm_column *c, const char *pattern);
/* vals is copied. An empty list matches nothing (as SQLAlchemy). */
const struct orm_expr *orm_in(struct orm_session *s, const struct orm_column *c,
			      const struct orm_value *vals, size_t n);
const struct orm_expr *orm_is_null(struct orm_session *s, const struct orm_column *c);
const struct orm_expr *orm_is_not_null(struct orm_session *s, const struct orm_column *c);
const struct orm_expr *orm_and(struct orm_session *s, const struct orm_expr *a, const struct orm_expr *b);
const struct orm_expr *orm_or(struct orm_session *s, const struct orm_expr *a, const struct orm_expr *b);
const struct orm_expr *orm_not(struct orm_session *s, const struct orm_expr *a);
/* Terms for select / group_by / having / order_by. */
const struct orm_expr *orm_colref(struct orm_session *s, const struct orm_column *c);
/* func.count(c) (c NULL: COUNT(*)), func.sum(c), avg, min, max. */
const struct orm_expr *orm_func(struct orm_session *s, enum orm_agg f, const struct orm_column *c);

/* A query of exactly one select term as a value (a scalar subquery:
 * NULL when it finds no row), e.g. a maintained total next to a page of
 * rows in the same statement. Not correlated: it may use only its own
 * tables. */
const struct orm_expr *orm_scalar(struct orm_session *s, struct orm_query *q);

/* Model.query, or select(table) for a plain table (ORM_TABLE_DEFINE: rows,
 * not objects). Every function below returns a NEW query (the argument is
 * left as it was), so a base query can be shared. */
struct orm_query *orm_query(struct orm_session *s, const struct orm_model *m);
struct orm_query *orm_filter(struct orm_query *q, const struct orm_expr *e);
/* filter_by(name=v): equality on the column called name; an unknown name
 * makes the query fail with ORM_MISUSE (it never reaches the SQL). */
struct orm_query *orm_filter_by(struct orm_query *q, const char *column, struct orm_value v);
struct orm_query *orm_limit(struct orm_query *q, int64_t n);
struct orm_query *orm_offset(struct orm_query *q, int64_t n);
/* Append an ORDER BY key (several calls: several keys, in call order). */
struct orm_query *orm_order_by(struct orm_query *q, const struct orm_column *c, enum orm_dir d);
struct orm_query *orm_order_by_term(struct orm_query *q, const struct orm_expr *term, enum orm_dir d);
struct orm_query *orm_group_by(struct orm_query *q, const struct orm_column *c);
struct orm_query *orm_having(struct orm_query *q, const struct orm_expr *e);
/* Add a result term: the query then returns rows (orm_rows), not objects. */
struct orm_query *orm_select(struct orm_query *q, const struct orm_expr *term);
/* JOIN the target of r (ON the relationship's keys) so filters and
 * order_by may use its columns. Results are still q's model. */
struct orm_query *orm_join(struct orm_query *q, const struct orm_relationship *r);
/* selectinload(r): load r for all results in one extra query. */
struct orm_query *orm_eager(struct orm_query *q, const struct orm_relationship *r);
/* joinedload(r) (SQLAlchemy's options(joinedload(Article.user))): a
 * many-to-one r loaded in the query's own statement (LEFT OUTER JOIN of
 * r's target, under an alias of its own, ON r's keys; every column of the
 * target), no extra statement. r must be a many-to-one of the query's
 * model (its foreign key in the query's model, pointing at the target's
 * primary key); anything else makes the query fail with ORM_MISUSE. After
 * orm_all / orm_all_with / orm_first / orm_paginate the objects are what
 * orm_eager would give: r loaded on every result (NULL when the key is
 * NULL or no row has it), the targets made through the identity map (an
 * object the session maps is that pointer, as it is; only an expired one
 * takes the row's values), the targets' lazy=selectin relationships
 * loaded. An object whose key was changed in memory is loaded as
 * orm_eager would (one statement). The join changes neither the rows nor
 * their number (orm_count ignores it); it may be combined with orm_join
 * of the same relationship (for filters), orm_eager, orm_load_only and
 * orm_add_column (whose values keep their places in extra). Bulk update /
 * delete refuse it. */
struct orm_query *orm_eager_join(struct orm_query *q, const struct orm_relationship *r);
/* load_only(c): objects of the query read only the columns named by
 * calls of this (and the primary key), e.g. a list that never shows an
 * article's content. The other columns are unloaded (orm_loaded() false):
 * zero, rendered as nothing, never written by a flush; an object the
 * session already maps keeps what it has, and a later query that reads a
 * column fills it in. c must be a column of the query's model. */
struct orm_query *orm_load_only(struct orm_query *q, const struct orm_column *c);
/* add_columns(term): orm_all_with returns the objects and, for each, the
 * value of each added term (a column of a joined table, an aggregate, a
 * scalar subquery such as a maintained total), in the same statement. */
struct orm_query *orm_add_column(struct orm_query *q, const struct orm_expr *term);
/* SELECT ... FOR UPDATE (inside orm_begin). */
struct orm_query *orm_for_update(struct orm_query *q);
/* The query of obj's related rows (lazy="dynamic"): e.g. a user's articles
 * to filter further or paginate. */
struct orm_query *orm_with_parent(struct orm_session *s, void *obj, const struct orm_relationship *r);

/* Executors: 0 or an orm_err (details in orm_errmsg(s)). orm_all,
 * orm_first and orm_paginate make objects: ORM_MISUSE on a plain table. */
int orm_all(struct orm_query *q, struct orm_list *out);
/* As orm_all, with the values of the orm_add_column terms: extra->v[i *
 * extra->ncols + k] is term k (in call order) of object i. */
int orm_all_with(struct orm_query *q, struct orm_list *out, struct orm_rows *extra);
/* The first result or *out = NULL when none. */
int orm_first(struct orm_query *q, void **out);
/* As orm_first, ORM_NOT_FOUND when none. */
int orm_first_or_404(struct orm_query *q, void **out);
/* SELECT COUNT(*) of the query (ORDER BY dropped; a subquery when limited,
 * grouped or distinct). */
int orm_count(struct orm_query *q, int64_t *out);

/* Rows of a query: v[r * ncols + c], one value per orm_select term, or,
 * without orm_select terms, one per column of the query's table in
 * declaration order (c = m##_col_x; a plain table's rows are read so).
 * Text values are arena copies. */
struct orm_rows {
	struct orm_value *v;
	size_t nrows, ncols;
};
int orm_rows(struct orm_query *q, struct orm_rows *out);
/* The values of row i of rows (i < rows->nrows). */
static inline const struct orm_value *orm_rows_at(const struct orm_rows *rows, size_t i)
{
	return &rows->v[i * rows->ncols];
}

/* Bulk UPDATE of the rows the query matches (no joins): SET col = v, or col
 * = col + v when increment. Loaded objects are not refreshed. *affected may
 * be NULL. Runs inside the open transaction, or on its own. */
struct orm_assign {
	const struct orm_column *col;
	struct orm_value v;
	bool increment;
};
int orm_update(struct orm_query *q, const struct orm_assign *set, size_t n, uint64_t *affected);
/* Bulk DELETE of the rows the query matches (no joins), e.g. a plain
 * table's association rows; loaded objects and relationship lists are not
 * refreshed. *affected may be NULL. */
int orm_delete_where(struct orm_query *q, uint64_t *affected);

/* ------------------------------------------------------------------ */
/* Deferred increments (write-behind counters)                          */
/*
 * A view counter written with one durable commit per view is bound by the
 * disk's flush rate. Instead a worker adds to the column in memory and
 * writes the sums of many increments in one short transaction: at most
 * ORM_DEFERRED_DELAY_MS after the first unwritten one (orm_deferred_tick,
 * which the web layer's worker loop calls), and at the worker's drain
 * (orm_deferred_flush: SIGTERM, SIGHUP reload, max_requests). A batch is
 * one UPDATE ... SET c = c + CASE id WHEN ? THEN ? ... END WHERE id IN
 * (...) per column and 128 ids, plus its claim in the framework's table
 * `deferred_ledger` (one row per worker run: the last batch applied), in
 * one transaction retried on deadlocks, lock wait timeouts and Galera
 * certification conflicts. When a COMMIT's outcome is unknown (connection
 * lost), the batch stays in flight and its next attempt finds its claim
 * and stops: never applied twice, never dropped. A worker killed with -9
 * loses what it had not written: at most its last ~100 ms of increments.
 *
 *   static struct orm_deferred article_clicks = {
 *       .model = &article_model, .column = "click_num", .unless = "isdelete"};
 *   orm_deferred_add(&article_clicks, id, 1);             // no statement
 *   shown = a->click_num + orm_deferred_pending(&article_clicks, id);
 */

/* What is counted: the integer column called column of model's row whose
 * primary key is the id given; rows where the boolean column called unless
 * (NULL: none) is true, and rows that no longer exist, are left alone —
 * their pending increments are dropped without error. Give it static
 * storage: its address is the counter's identity. */
struct orm_deferred {
	const struct orm_model *model;
	const char *column;
	const char *unless;
	/* Derived at the first orm_deferred_add. */
	const struct orm_column *col_, *unless_;
};

#define ORM_DEFERRED_DELAY_MS 80    /* + the batch's commit: within 100 ms */
#define ORM_DEFERRED_MAX_KEYS 65536 /* distinct (counter, id) pending per worker */

/* The framework's ledger table (create-all and the migrations create it). */
extern const char orm_deferred_ledger_ddl[];
/* CREATE TABLE IF NOT EXISTS deferred_ledger (...). 0 or -1 (db->err). */
int orm_deferred_create_table(struct db *db);

/* Add n to d's column of row id, in this worker's memory; runs no
 * statement. 0; ORM_UNAVAILABLE when ORM_DEFERRED_MAX_KEYS other keys wait
 * already (the database has not taken a batch for a long time: nothing is
 * counted, answer 503); ORM_NOMEM; ORM_MISUSE (a model without an integer
 * primary key, an unknown column, or a column that is not an integer). */
int orm_deferred_add(struct orm_deferred *d, int64_t id, int64_t n);
/* What this worker has added to d's row id and not yet written: the value
 * a page shows is the column as read plus this. */
int64_t orm_deferred_pending(const struct orm_deferred *d, int64_t id);
/* Keys (counter, id) this worker has not yet written. */
size_t orm_deferred_count(void);
/* Write what is due on db (never inside a transaction of the caller's):
 * returns the milliseconds until it is next due, 0 when more waits now,
 * or -1 when nothing is pending. A batch that fails stays in memory and is
 * tried again after a back-off (100 ms doubling to 2 s). */
int orm_deferred_tick(struct db *db);
/* Write everything now, trying again for up to budget_ms while the
 * database fails (a worker's drain). 0, or ORM_UNAVAILABLE with the rest
 * still pending. */
int orm_deferred_flush(struct db *db, unsigned budget_ms);
/* Wait ms (default ORM_DEFERRED_DELAY_MS) after the first unwritten
 * increment before a tick writes it; 0 writes at every tick (the test
 * client: each request's increments are written at its end). */
void orm_deferred_set_delay(unsigned ms);
/* Forget every pending increment without writing (a worker that gives up
 * at its exit; tests). */
void orm_deferred_discard(void);
/* Fault injection for tests: the next n batches that commit are reported
 * as "connection lost during COMMIT" (the connection is dropped), as when
 * the server's answer to COMMIT never arrives. */
void orm_deferred_lose_commit_acks(unsigned n);

/* ------------------------------------------------------------------ */
/* Maintained counters (O(1) totals)                                    */
/*
 * COUNT(*) over a growing table costs a scan per request (9 ms at 100 000
 * rows, 90-150 ms at 1 000 000). A maintained counter is the total kept
 * exact in the transaction that changes what it counts, read in O(1): add
 * to it in the model's flush hook (.after_write) and read it beside a
 * page (orm_counter_total as an added column: the same statement) or
 * alone (orm_counter_read), e.g.
 *
 *   static int article_after_write(struct orm_session *s, void *obj, enum orm_write w)
 *   {   // +1 for a new article, -1 for one deleted
 *       return orm_counter_add(s, "articles", w == ORM_WRITE_INSERT ? 1 : w == ORM_WRITE_DELETE ? -1 : 0);
 *   }
 *   args.total = ...; orm_counter_read(s, "articles", &args.total);
 *
 * The counts live in the framework's table `counter` (name, slot, value,
 * unique (name, slot)), made with the framework's other tables (create-all,
 * `flacon db migrate`): each process adds to its own slot row, so writers
 * seldom wait on one row (no single hot row on a cluster), and a count is
 * the SUM over at most 16 rows. A count that starts on a table with rows
 * is seeded once by its migration (INSERT INTO counter (name, slot,
 * value) SELECT 'articles', 0, COUNT(*) FROM ...). A name has 1 to
 * ORM_COUNTER_NAME_MAX bytes (else ORM_MISUSE).
 */
#define ORM_COUNTER_NAME_MAX 32
/* CREATE TABLE IF NOT EXISTS counter (...). 0 or an orm_err (db->err). */
int orm_counter_create_table(struct db *db);
/* Add delta to the count called name (made at 0 when missing), inside the
 * session's transaction when one is open (orm_commit makes it durable with
 * what it counts). 0 or an orm_err. */
int orm_counter_add(struct orm_session *s, const char *name, int64_t delta);
/* The count as a scalar subquery, to select beside a page of rows
 * (orm_add_column: page and total in one statement); it reads 0 before
 * the first add. NULL when out of memory or for a bad name (the query
 * then fails). */
const struct orm_expr *orm_counter_total(struct orm_session *s, const char *name);
/* The count now (0 before the first add), in one statement. 0 or an
 * orm_err. */
int orm_counter_read(struct orm_session *s, const char *name, int64_t *out);

/* ------------------------------------------------------------------ */
/* Pagination (Flask-SQLAlchemy 3 semantics)                            */

struct orm_page_args {
	int64_t page;         /* 1-based */
	int64_t per_page;     /* items per page */
	int64_t max_per_page; /* per_page is capped to it; 0 = no cap */
	bool error_out;       /* page < 1, per_page < 1, empty page != 1 → ORM_NOT_FOUND */
	bool count;           /* run a COUNT query for total */
	int64_t total;        /* >= 0: a known total (maintained counter), no COUNT */
	/* The name of a maintained counter (orm_counter_add) that is the
	 * total: read in the page's own statement (orm_counter_total as an
	 * added column), no COUNT and no statement of its own (one only when
	 * the page comes back empty, orm_counter_read). Ignored when total is
	 * given; NULL: none. */
	const char *counter;
};
#define ORM_PAGE_ARGS_DEFAULT \
	{.page = 1, .per_page = 20, .max_per_page = 0, .error_out = true, .count = true, .total = -1}

struct orm_pagination {
	int64_t page, per_page;
	int64_t total;          /* -1 = None (count disabled) */
	int64_t pages;          /* ceil(total / per_page); 0 when total is 0 or None */
	bool has_prev, has_next;
	int64_t prev_num, next_num; /* 0 = None */
	int64_t first, last;    /* 1-based numbers of the first / last item, 0 if none */
	struct orm_list items;
};

/* query.paginate(): items of the page (and eager loads), then the total.
 * Statements: items (+1 per orm_eager relationship; an orm_eager_join
 * adds none) (+1 COUNT unless count is
 * false, total is given or the total is a counter: with a counter, the
 * items' statement reads it too). */
int orm_paginate(struct orm_query *q, const struct orm_page_args *a, struct orm_pagination *out);
/* The pagination arithmetic, for pages fetched some other way (rows, a
 * total from the same statement): from p->page, p->per_page (both >= 1) and
 * p->total (-1 = None) and the number of items on the page, sets pages,
 * has_prev/has_next, prev_num/next_num, first and last. */
void orm_pagination_fill(struct orm_pagination *p, size_t n_items);
/* iter_pages(left_edge, left_current, right_current, right_edge): page
 * numbers with 0 for each gap (None). Writes at most cap; returns the count
 * it would write. left_edge + left_current + right_current + right_edge + 3
 * entries always suffice. */
size_t orm_iter_pages(const struct orm_pagination *p, int left_edge, int left_current,
		      int right_current, int right_edge, int64_t *out, size_t cap);
/* iter_pages() with Flask's defaults (2, 2, 4, 2); cap 13 always suffices. */
size_t orm_iter_pages_default(const struct orm_pagination *p, int64_t *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Date and time helpers (UTC, proleptic Gregorian)                     */

int32_t orm_date_from_ymd(int y, int m, int d);
void orm_date_to_ymd(int32_t days, int *y, int *m, int *d);
int64_t orm_datetime_from_parts(int y, int mo, int d, int h, int mi, int s);
/* "2024-01-02T03:04:05Z" into out (at least 21 bytes; years 0..9999). */
void orm_datetime_iso(int64_t t, char out[21]);
/* t formatted by strftime(3) in UTC with fmt (C locale names), e.g.
 * "%-d %b %Y, %H:%M UTC" -> "2 Jan 2024, 03:04 UTC", in arena a; NULL when
 * out of memory or longer than 127 bytes. */
const char *orm_datetime_format(struct arena *a, int64_t t, const char *fmt);
/* orm_datetime_format that also says the text's length (*len, when len is
 * not NULL; untouched on NULL): a caller that keeps the text with its
 * length (tmpl_strn) needs no strlen. */
const char *orm_datetime_format_len(struct arena *a, int64_t t, const char *fmt, size_t *len);

/* ------------------------------------------------------------------ */
/* Objects in templates (tmpl/tmpl.h's context values)                  */
/*
 * The documented way to show objects: orm_tmpl_obj / orm_tmpl_list give
 * the template engine a view of them that reads the fields in place
 * through the model's metadata (no tree is built per row):
 *   - a column by its name: integers as integers, BOOLEAN as true / false,
 *     FLOAT as a double, text as itself, DATETIME as ISO 8601 UTC
 *     ("2024-01-02T03:04:05Z", as the API writes it), DATE "2024-01-02",
 *     TIME "[-]HH:MM:SS"; NULL, BINARY and an unloaded column render as
 *     nothing (and are falsey);
 *   - a loaded relationship: many-to-one / one-to-one the object (or
 *     nothing), one-to-many / many-to-many a list; a relationship not
 *     loaded renders as nothing (a template never runs a query: load it
 *     first, orm_eager);
 *   - the model's computed fields (.fields), which shadow columns.
 * Anything else is not found, and the lookup goes on down the context
 * stack (Mustache's rule). Text made while rendering (dates, computed
 * fields) goes into arena a (required: the request's, or the session's);
 * env is handed to computed fields and to the objects reached from this
 * one. obj / l are borrowed: they must outlive the render. NULL obj or l
 * is a null value. */
struct tmpl_value orm_tmpl_obj(const void *obj, const void *env, struct arena *a);
struct tmpl_value orm_tmpl_list(const struct orm_list *l, const void *env, struct arena *a);

#endif

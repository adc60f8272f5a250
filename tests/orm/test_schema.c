/* test_schema.c — one declaration gives the struct and complete metadata;
 * create_all emits exact DDL that information_schema agrees with; FK order
 * for create_all / drop_all; bad declarations are refused at init. */
#include <stdio.h>
#include <stdlib.h>

#include "orm_test.h"

TEST(test_model_declaration_yields_struct_enums_and_metadata)
{
	struct tctx t;
	if (!t_begin(&t, 0))
		goto out;
	CHECK_INT(t_user_ncols, 5);
	CHECK_INT(t_article_ncols, 8);
	CHECK_INT(t_user_nrels, 2);
	CHECK_INT(t_user_model.ncolumns, 5);
	CHECK_STR(t_user_model.columns[t_user_col_username].name, "username");
	CHECK_INT(ORM_COL(t_user, username)->offset, offsetof(struct t_user, username));
	CHECK_INT(ORM_COL(t_user, username)->type, ORM_STRING);
	CHECK_INT(ORM_COL(t_user, username)->length, 32);
	CHECK(ORM_COL(t_user, username)->flags & ORM_UNIQUE);
	CHECK_STR(ORM_COL(t_user, username)->collation, "utf8mb4_unicode_ci");
	CHECK_STR(ORM_COL(t_article, pdatetime)->server_default, "CURRENT_TIMESTAMP");
	CHECK(ORM_COL(t_article, click_num)->default_value.set);
	CHECK(ORM_COL(t_article, user_id)->fk_target == ORM_COL(t_user, id));
	CHECK(t_user_model.pk == ORM_COL(t_user, id));
	CHECK(ORM_COL(t_student, age)->flags == 0); /* nullable */
	CHECK_INT(ORM_COL(t_course, score)->type, ORM_SMALLINT);
	CHECK_INT(ORM_COL(t_course, score)->default_value.i, 5);
	CHECK_INT(ORM_COL(t_course, capacity)->default_value.i, 30);
	/* relationships resolved from the foreign keys */
	const struct orm_relationship *ua = ORM_REL(t_user, articles);
	CHECK(ua->local == ORM_COL(t_user, id));
	CHECK(ua->remote == ORM_COL(t_article, user_id));
	CHECK(ua->backref == ORM_REL(t_article, user));
	CHECK(ORM_REL(t_article, user)->backref == ua);
	CHECK(ORM_REL(t_user, student)->remote == ORM_COL(t_student, user_id));
	const struct orm_relationship *sc = ORM_REL(t_student, courses);
	CHECK(sc->sec == &t_student_course_model);
	CHECK(sc->sec_local == ORM_COL(t_student_course, stu_id));
	CHECK(sc->sec_remote == ORM_COL(t_student_course, cou_id));
	CHECK(sc->remote == ORM_COL(t_course, id));
	CHECK(sc->backref == ORM_REL(t_course, students));
	/* explicit joins: two FKs to one table */
	CHECK(ORM_REL(t_author, edited)->remote == ORM_COL(t_book, editor_id));
	CHECK(ORM_REL(t_book, editor)->local == ORM_COL(t_book, editor_id));
	CHECK(ORM_REL(t_book, tags)->sec_local == ORM_COL(t_book_tag, book_ref));
	/* indexes, unique constraints, FKs, with names */
	CHECK_INT(t_article_model.nindexes, 2);
	CHECK_STR(t_article_model.indexes[0].name, "ix_t_article_isdelete_pdatetime");
	CHECK_INT(t_article_model.indexes[0].ncolumns, 7);
	CHECK(t_article_model.indexes[0].columns[1] == ORM_COL(t_article, pdatetime));
	CHECK(t_article_model.indexes[0].columns[6] == ORM_COL(t_article, title));
	/* An index that leads with the FK column serves the foreign key: no
	 * separate ix_article_user_id. */
	CHECK_STR(t_article_model.indexes[1].name, "ix_t_article_user_id_isdelete_pdatetime_id");
	CHECK_INT(t_student_course_model.nindexes, 2);
	CHECK_STR(t_student_course_model.indexes[0].name, "uq_t_student_course_stu_id_cou_id");
	CHECK(t_student_course_model.indexes[0].unique);
	CHECK_STR(t_student_course_model.indexes[1].name, "ix_t_student_course_cou_id");
	CHECK_INT(t_student_model.nindexes, 1);
	CHECK_STR(t_student_model.indexes[0].name, "uq_t_student_user_id");
	CHECK_INT(t_student_course_model.nfks, 2);
	CHECK_STR(t_student_course_model.fks[1].name, "fk_t_student_course_cou_id");
	CHECK(t_student_course_model.fks[1].ref == ORM_COL(t_course, id));
out:
	t_end(&t);
}

TEST(test_create_table_sql_renders_exact_ddl)
{
	struct tctx t;
	if (!t_begin(&t, 0))
		goto out;
	struct buf b = BUF_INIT;
	CHECK_INT(orm_create_table_sql(&t_article_model, false, &b), 0);
	CHECK_STR(b.p, "CREATE TABLE `t_article` (\n"
		       "  `id` INT NOT NULL AUTO_INCREMENT,\n"
		       "  `title` VARCHAR(128) NOT NULL,\n"
		       "  `content` TEXT NOT NULL,\n"
		       "  `pdatetime` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
		       "  `click_num` INT NOT NULL DEFAULT 0,\n"
		       "  `isdelete` TINYINT(1) NOT NULL DEFAULT 0,\n"
		       "  `user_id` INT NOT NULL,\n"
		       "  `author_name` VARCHAR(32) NOT NULL DEFAULT '',\n"
		       "  PRIMARY KEY (`id`),\n"
		       "  KEY `ix_t_article_isdelete_pdatetime` (`isdelete`, `pdatetime`, `id`, `user_id`, "
		       "`click_num`, `author_name`, `title`),\n"
		       "  KEY `ix_t_article_user_id_isdelete_pdatetime_id` (`user_id`, `isdelete`, `pdatetime`, `id`),\n"
		       "  CONSTRAINT `fk_t_article_user_id` FOREIGN KEY (`user_id`) REFERENCES `t_user` (`id`)\n"
		       ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
	buf_reset(&b);
	CHECK_INT(orm_create_table_sql(&t_user_model, true, &b), 0);
	CHECK_STR(b.p, "CREATE TABLE IF NOT EXISTS `t_user` (\n"
		       "  `id` INT NOT NULL AUTO_INCREMENT,\n"
		       "  `username` VARCHAR(32) COLLATE utf8mb4_unicode_ci NOT NULL,\n"
		       "  `password` VARCHAR(255) NOT NULL,\n"
		       "  `rdatetime` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
		       "  `isdelete` TINYINT(1) NOT NULL DEFAULT 0,\n"
		       "  PRIMARY KEY (`id`),\n"
		       "  UNIQUE KEY `uq_t_user_username` (`username`)\n"
		       ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
	buf_reset(&b);
	CHECK_INT(orm_create_table_sql(&t_types_model, false, &b), 0);
	CHECK(strstr(b.p, "`num` DECIMAL(18,4) NULL,\n") != NULL);
	CHECK(strstr(b.p, "`color` ENUM('red','green','blue') NULL,\n") != NULL);
	CHECK(strstr(b.p, "`bin` BLOB NULL,\n") != NULL);
	CHECK(strstr(b.p, "`f` DOUBLE NULL,\n") != NULL);
	CHECK(strstr(b.p, "`tm` TIME NULL,\n") != NULL);
	CHECK(strstr(b.p, "`si` SMALLINT NULL,\n") != NULL);
	CHECK(strstr(b.p, "`bi` BIGINT NULL,\n") != NULL);
	buf_free(&b);
out:
	t_end(&t);
}

/* information_schema, as the migration autogenerator will read it. */
TEST(test_create_all_matches_information_schema)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG | T_TEST))
		goto out;
	char buf[256], sql[512];
	struct {
		const char *table, *column, *type, *nullable, *def, *collation;
	} cols[] = {
		{"t_user", "id", "int(11)", "NO", "(null)", "(null)"},
		{"t_user", "username", "varchar(32)", "NO", "(null)", "utf8mb4_unicode_ci"},
		{"t_user", "password", "varchar(255)", "NO", "(null)", "utf8mb4_unicode_ci"},
		{"t_user", "rdatetime", "datetime", "NO", "current_timestamp()", "(null)"},
		{"t_user", "isdelete", "tinyint(1)", "NO", "0", "(null)"},
		{"t_article", "title", "varchar(128)", "NO", "(null)", "utf8mb4_unicode_ci"},
		{"t_article", "content", "text", "NO", "(null)", "utf8mb4_unicode_ci"},
		{"t_article", "pdatetime", "datetime", "NO", "current_timestamp()", "(null)"},
		{"t_article", "click_num", "int(11)", "NO", "0", "(null)"},
		{"t_article", "user_id", "int(11)", "NO", "(null)", "(null)"},
		{"t_student", "sname", "varchar(32)", "NO", "(null)", "utf8mb4_unicode_ci"},
		{"t_student", "age", "smallint(6)", "YES", "NULL", "(null)"},
		{"t_student", "user_id", "int(11)", "YES", "NULL", "(null)"},
		{"t_course", "cname", "varchar(64)", "NO", "(null)", "utf8mb4_unicode_ci"},
		{"t_course", "score", "smallint(6)", "NO", "5", "(null)"},
		{"t_course", "capacity", "int(11)", "NO", "30", "(null)"},
		{"t_student_course", "selected_at", "datetime", "NO", "current_timestamp()", "(null)"},
		{"t_types", "num", "decimal(18,4)", "YES", "NULL", "(null)"},
		{"t_types", "u", "varchar(10)", "YES", "NULL", "utf8mb4_unicode_ci"},
		{"t_types", "color", "enum('red','green','blue')", "YES", "NULL", "utf8mb4_unicode_ci"},
		{"t_defaults", "note", "varchar(20)", "YES", "'hello'", "utf8mb4_unicode_ci"},
		{"t_defaults", "n", "int(11)", "NO", "7", "(null)"},
	};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		snprintf(sql, sizeof sql,
			 "SELECT CONCAT_WS('|', COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '(null)'), "
			 "IFNULL(COLLATION_NAME, '(null)')) FROM information_schema.COLUMNS WHERE "
			 "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s' AND COLUMN_NAME = '%s'",
			 cols[i].table, cols[i].column);
		char want[256];
		snprintf(want, sizeof want, "%s|%s|%s|%s", cols[i].type, cols[i].nullable, cols[i].def,
			 cols[i].collation);
		CHECK_STR(t_scalar_str(t.db, sql, buf, sizeof buf), want);
	}
	/* Every model of both registries: columns, nullability, every index
	 * (name, uniqueness, columns in order) and every FK agree. */
	struct orm_registry *regs[] = {&reg_blog, &test_registry};
	for (int r = 0; r < 2; r++) {
		for (size_t k = 0; k < regs[r]->nmodels; k++) {
			const struct orm_model *m = regs[r]->models[k];
			const char *tn = m->table ? m->table : m->name;
			snprintf(sql, sizeof sql, "SELECT CONCAT(ENGINE, '|', TABLE_COLLATION) FROM "
				 "information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s'", tn);
			CHECK_STR(t_scalar_str(t.db, sql, buf, sizeof buf), "InnoDB|utf8mb4_unicode_ci");
			snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
				 "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s'", tn);
			CHECK_INT(t_scalar(t.db, sql), m->ncolumns);
			for (size_t i = 0; i < m->ncolumns; i++) {
				const struct orm_column *c = &m->columns[i];
				snprintf(sql, sizeof sql, "SELECT CONCAT(IS_NULLABLE, ORDINAL_POSITION) FROM "
					 "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
					 "TABLE_NAME = '%s' AND COLUMN_NAME = '%s'", tn, c->name);
				char want[32];
				snprintf(want, sizeof want, "%s%zu",
					 c->flags & (ORM_NOT_NULL | ORM_PK) ? "NO" : "YES", i + 1);
				CHECK_STR(t_scalar_str(t.db, sql, buf, sizeof buf), want);
			}
			snprintf(sql, sizeof sql, "SELECT COUNT(DISTINCT INDEX_NAME) FROM "
				 "information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s'", tn);
			CHECK_INT(t_scalar(t.db, sql), m->nindexes + 1); /* + PRIMARY */
			for (size_t i = 0; i < m->nindexes; i++) {
				const struct orm_index *x = &m->indexes[i];
				snprintf(sql, sizeof sql, "SELECT CONCAT(MIN(NON_UNIQUE), ':', GROUP_CONCAT("
					 "COLUMN_NAME ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS "
					 "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s' AND INDEX_NAME = '%s'",
					 tn, x->name);
				char want[256];
				int n = snprintf(want, sizeof want, "%d:", x->unique ? 0 : 1);
				for (unsigned c = 0; c < x->ncolumns; c++)
					n += snprintf(want + n, sizeof want - (size_t)n, "%s%s", c ? "," : "",
						      x->columns[c]->name);
				CHECK_STR(t_scalar_str(t.db, sql, buf, sizeof buf), want);
			}
			snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS "
				 "WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = '%s'", tn);
			CHECK_INT(t_scalar(t.db, sql), m->nfks);
			for (size_t i = 0; i < m->nfks; i++) {
				const struct orm_fk *f = &m->fks[i];
				snprintf(sql, sizeof sql, "SELECT CONCAT(COLUMN_NAME, '>', REFERENCED_TABLE_NAME, '.', "
					 "REFERENCED_COLUMN_NAME) FROM information_schema.KEY_COLUMN_USAGE WHERE "
					 "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s' AND CONSTRAINT_NAME = '%s'",
					 tn, f->name);
				char want[256];
				snprintf(want, sizeof want, "%s>%s.%s", f->column->name,
					 f->ref->model->table ? f->ref->model->table : f->ref->model->name,
					 f->ref->name);
				CHECK_STR(t_scalar_str(t.db, sql, buf, sizeof buf), want);
			}
		}
	}
out:
	t_end(&t);
}

static int pos_of(const struct orm_model **v, size_t n, const struct orm_model *m)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == m)
			return (int)i;
	return -1;
}

TEST(test_registry_lists_models_in_fk_order)
{
	struct tctx t;
	if (!t_begin(&t, 0))
		goto out;
	const struct orm_model *v[16];
	size_t n = orm_registry_fk_order(&reg_blog, v, 16);
	CHECK_INT(n, 5);
	CHECK(pos_of(v, n, &t_user_model) < pos_of(v, n, &t_article_model));
	CHECK(pos_of(v, n, &t_user_model) < pos_of(v, n, &t_student_model));
	CHECK(pos_of(v, n, &t_student_model) < pos_of(v, n, &t_student_course_model));
	CHECK(pos_of(v, n, &t_course_model) < pos_of(v, n, &t_student_course_model));
	n = orm_registry_fk_order(&test_registry, v, 16);
	CHECK_INT(n, 8);
	CHECK(pos_of(v, n, &t_author_model) < pos_of(v, n, &t_book_model));
	CHECK(pos_of(v, n, &t_book_model) < pos_of(v, n, &t_book_tag_model));
	CHECK(pos_of(v, n, &t_tag_model) < pos_of(v, n, &t_book_tag_model));
	/* a registry declared children first still creates parents first */
	static struct orm_model *rev[] = {&t_student_course_model, &t_article_model, &t_student_model,
					  &t_course_model, &t_user_model};
	struct orm_registry r = {.models = rev, .nmodels = 5};
	char err[256];
	CHECK_INT(orm_registry_init(&r, err, sizeof err), 0);
	n = orm_registry_fk_order(&r, v, 16);
	CHECK(pos_of(v, n, &t_user_model) < pos_of(v, n, &t_article_model));
	CHECK(pos_of(v, n, &t_course_model) < pos_of(v, n, &t_student_course_model));
	CHECK(pos_of(v, n, &t_student_model) < pos_of(v, n, &t_student_course_model));
	/* models belong to reg_blog's metadata: only free r's arena */
	arena_free(&r.arena);
out:
	t_end(&t);
}

TEST(test_create_all_and_drop_all_in_fk_order)
{
	struct tctx t;
	if (!t_begin(&t, T_BLOG))
		goto out;
	CHECK_INT(orm_create_all(t.db, &reg_blog), 0); /* idempotent */
	/* rows that reference each other: a wrong drop order fails with FK checks on */
	CHECK_INT(t_exec(t.db, "INSERT INTO t_user (id, username, password) VALUES (1, 'a', 'x')"), 0);
	CHECK_INT(t_exec(t.db, "INSERT INTO t_article (title, content, user_id) VALUES ('t', 'c', 1)"), 0);
	CHECK_INT(t_exec(t.db, "INSERT INTO t_student (id, sname, user_id) VALUES (1, 'a', 1)"), 0);
	CHECK_INT(t_exec(t.db, "INSERT INTO t_course (id, cname) VALUES (1, 'c')"), 0);
	CHECK_INT(t_exec(t.db, "INSERT INTO t_student_course (stu_id, cou_id) VALUES (1, 1)"), 0);
	CHECK_INT(t_scalar(t.db, "SELECT @@foreign_key_checks"), 1);
	/* dropping a parent first is refused by MariaDB... */
	CHECK(t_exec(t.db, "DROP TABLE t_user") != 0);
	/* ...so drop_all must go children first */
	CHECK_INT(orm_drop_all(t.db, &reg_blog), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
			   "DATABASE() AND TABLE_NAME IN ('t_user','t_article','t_student','t_course','t_student_course')"), 0);
	CHECK_INT(orm_create_all(t.db, &reg_blog), 0);
	CHECK_INT(t_scalar(t.db, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
			   "DATABASE() AND TABLE_NAME IN ('t_user','t_article','t_student','t_course','t_student_course')"), 5);
out:
	t_end(&t);
}

/* Declarations the registry must refuse. */
struct bad_parent;
struct bad_child;
#define BAD_PARENT_COLUMNS(X) X(bad_parent, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)
#define BAD_CHILD_COLUMNS(X)                                                   \
	X(bad_child, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)           \
	X(bad_child, a_id, ORM_INTEGER, .fk = "bad_parent.id")                 \
	X(bad_child, b_id, ORM_INTEGER, .fk = "bad_parent.id")
#define BAD_PARENT_RELS(X) X(bad_parent, kids, ORM_ONE_TO_MANY, bad_child, .lazy = ORM_LAZY_SELECT)
ORM_MODEL_DECLARE(bad_parent, BAD_PARENT_COLUMNS, BAD_PARENT_RELS)
ORM_MODEL_DECLARE(bad_child, BAD_CHILD_COLUMNS, ORM_NO_RELS)
ORM_MODEL_DEFINE(bad_parent, BAD_PARENT_COLUMNS, BAD_PARENT_RELS);
ORM_MODEL_DEFINE(bad_child, BAD_CHILD_COLUMNS, ORM_NO_RELS);

struct bad_fk;
#define BAD_FK_COLUMNS(X)                                                      \
	X(bad_fk, id, ORM_INTEGER, .flags = ORM_PK)                            \
	X(bad_fk, x, ORM_INTEGER, .fk = "nowhere.id")
ORM_MODEL_DECLARE(bad_fk, BAD_FK_COLUMNS, ORM_NO_RELS)
ORM_MODEL_DEFINE(bad_fk, BAD_FK_COLUMNS, ORM_NO_RELS);

TEST(test_registry_refuses_ambiguous_join_and_unknown_fk)
{
	char err[256] = "";
	static struct orm_model *m1[] = {&bad_parent_model, &bad_child_model};
	struct orm_registry r1 = {.models = m1, .nmodels = 2};
	CHECK_INT(orm_registry_init(&r1, err, sizeof err), ORM_MISUSE);
	CHECK_MSG(strstr(err, "primaryjoin") != NULL, "%s", err);
	CHECK(!r1.ready);
	static struct orm_model *m2[] = {&bad_fk_model};
	struct orm_registry r2 = {.models = m2, .nmodels = 1};
	CHECK_INT(orm_registry_init(&r2, err, sizeof err), ORM_MISUSE);
	CHECK_MSG(strstr(err, "nowhere.id") != NULL, "%s", err);
}

/* counter.c — maintained counts, so that a list's total costs one primary
 * key lookup instead of a COUNT(*) over the table (SPEC section 9). The
 * article model's flush hook keeps "articles" equal to the number of
 * visible (not logically deleted) articles, in the same transaction as the
 * write; bulk writes that bypass the ORM (seed, deleteuser) adjust it. */
#include <string.h>

#include "site/site_priv.h"

int site_counter_add(struct orm_session *s, const char *name, int64_t delta)
{
	if (delta == 0)
		return 0;
	struct db *db = s->db;
	MYSQL_STMT *st = db_prepare(db, "INSERT INTO `counter` (`name`, `value`) VALUES (?, ?) "
					"ON DUPLICATE KEY UPDATE `value` = `value` + VALUES(`value`)");
	if (!st)
		return orm_err_from_errno(db->last_errno) ? orm_err_from_errno(db->last_errno) : ORM_DB;
	unsigned long nlen = strlen(name);
	long long d = delta;
	MYSQL_BIND b[2];
	memset(b, 0, sizeof b);
	b[0].buffer_type = MYSQL_TYPE_STRING;
	b[0].buffer = (void *)name;
	b[0].buffer_length = nlen;
	b[0].length = &nlen;
	b[1].buffer_type = MYSQL_TYPE_LONGLONG;
	b[1].buffer = &d;
	if (mysql_stmt_bind_param(st, b)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return ORM_DB;
	}
	if (db_stmt_execute(db, st) < 0) {
		int e = orm_err_from_errno(db->last_errno);
		return e ? e : ORM_DB;
	}
	return 0;
}

int site_article_after_write(struct orm_session *s, void *obj, enum orm_write what)
{
	struct article *a = obj;
	int64_t delta = 0;
	switch (what) {
	case ORM_WRITE_INSERT:
		delta = a->isdelete ? 0 : 1;
		break;
	case ORM_WRITE_UPDATE:
		if (orm_changed(a, article_col_isdelete))
			delta = a->isdelete ? -1 : 1;
		break;
	case ORM_WRITE_DELETE:
		delta = a->isdelete ? 0 : -1;
		break;
	}
	return site_counter_add(s, "articles", delta);
}

/* counter.c — maintained counts, so that a list's total costs a bounded
 * read instead of a COUNT(*) over the table (SPEC sections 5 and 9). The
 * article model's flush hook keeps "articles" equal to the number of
 * visible (not logically deleted) articles, in the same transaction as the
 * write; bulk writes that bypass the ORM (seed, deleteuser) adjust it.
 *
 * A count is split into COUNTER_SLOTS rows (name, slot), read as their SUM
 * (site_article_total below). Each process adds to its own slot only,
 * so concurrent writers seldom wait on one row, and on a Galera cluster
 * writers on different nodes seldom certify against the same row. The
 * slot is never part of the count's meaning: any process may write any
 * slot, and a slot's value may be negative (a deleteuser run removes
 * articles other processes counted); only the sum is exact. */
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "site/site_priv.h"

/* Rows per count. Bounds the total's read (SUM over at most this many
 * rows of the unique index) and must fit counter.slot (SMALLINT). */
#define COUNTER_SLOTS 16

/* This process's slot, chosen at its first write (after the fork, so each
 * worker has its own): FNV-1a of the host name plus the pid, modulo
 * COUNTER_SLOTS. The host part sets each host's offset; the pid part puts
 * the workers a master forks in a row (consecutive pids) in different
 * slots, so one host's first 16 workers never share a row, and workers of
 * two hosts share one only when their offsets happen to overlap. A process
 * that forks gets a new slot in the child (the pid is compared). */
static int counter_slot(void)
{
	static pid_t slot_pid;
	static int slot;
	pid_t pid = getpid();
	if (pid != slot_pid) {
		char host[256] = "";
		if (gethostname(host, sizeof host - 1) != 0)
			host[0] = '\0';
		uint64_t h = 14695981039346656037u;
		for (const unsigned char *p = (const unsigned char *)host; *p; p++)
			h = (h ^ *p) * 1099511628211u;
		slot = (int)((h + (uint64_t)pid) % COUNTER_SLOTS);
		slot_pid = pid;
	}
	return slot;
}

/* The orm_err of the session's last database error, kept in the session
 * so that orm_transaction can tell a retryable failure (deadlock, lock
 * wait, lost connection) from the others. */
static int counter_fail(struct orm_session *s)
{
	s->db_errno = s->db->last_errno;
	int e = orm_err_from_errno(s->db_errno);
	return e ? e : ORM_DB;
}

/* Run one of the two statements of site_counter_add with (delta, name,
 * slot) bound; *affected gets the affected-row count. 0 or an orm_err. */
static int counter_exec(struct orm_session *s, const char *sql, long long *delta, const char *name,
			unsigned long *nlen, short *slot, uint64_t *affected)
{
	struct db *db = s->db;
	MYSQL_STMT *st = db_prepare(db, sql);
	if (!st)
		return counter_fail(s);
	MYSQL_BIND b[3];
	memset(b, 0, sizeof b);
	b[0].buffer_type = MYSQL_TYPE_LONGLONG;
	b[0].buffer = delta;
	b[1].buffer_type = MYSQL_TYPE_STRING;
	b[1].buffer = (void *)name;
	b[1].buffer_length = *nlen;
	b[1].length = nlen;
	b[2].buffer_type = MYSQL_TYPE_SHORT;
	b[2].buffer = slot;
	if (mysql_stmt_bind_param(st, b)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		return counter_fail(s);
	}
	if (db_stmt_execute(db, st) < 0)
		return counter_fail(s);
	*affected = (uint64_t)mysql_stmt_affected_rows(st);
	return 0;
}

/* An UPDATE of the existing slot row first: it locks that one index record
 * only. The INSERT runs when the row does not exist yet (once per slot and
 * name; it takes gap locks, and two processes may race to create the row,
 * which ON DUPLICATE KEY settles). */
int site_counter_add(struct orm_session *s, const char *name, int64_t delta)
{
	if (delta == 0)
		return 0;
	unsigned long nlen = strlen(name);
	long long d = delta;
	short slot = (short)counter_slot();
	uint64_t affected = 0;
	int rc = counter_exec(s,
			      "UPDATE `counter` SET `value` = `value` + ? WHERE `name` = ? AND `slot` = ?", &d,
			      name, &nlen, &slot, &affected);
	if (rc == 0 && affected == 0)
		rc = counter_exec(s,
				  "INSERT INTO `counter` (`value`, `name`, `slot`) VALUES (?, ?, ?) "
				  "ON DUPLICATE KEY UPDATE `value` = `value` + VALUES(`value`)",
				  &d, name, &nlen, &slot, &affected);
	return rc;
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

/* SUM(value) over the slots of "articles" (site/counter.c): a range of
 * the unique (name, slot) index, at most COUNTER_SLOTS rows whatever the
 * number of articles. SUM comes back as DECIMAL text, NULL without rows. */
const struct orm_expr *site_article_total(struct orm_session *s)
{
	struct orm_query *q = orm_select(counter_query(s), orm_func(s, ORM_SUM, ORM_COL(counter, value)));
	return orm_scalar(s, orm_filter_by(q, "name", orm_str("articles")));
}

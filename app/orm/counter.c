/* counter.c — maintained counters: an O(1) total (of a list's rows, say)
 * kept exact in the transaction that changes what it counts, in the
 * framework's table `counter`. A count is split into slots: the count
 * called name is the SUM of value over its rows, one row per (name,
 * slot), unique together. Each process adds to its own slot only, so
 * concurrent writers seldom wait on one row, and on a Galera cluster
 * writers on different nodes seldom certify against the same row. The
 * slot is never part of the count's meaning: any process may write any
 * slot, and a slot's value may be negative (a bulk delete removes rows
 * other processes counted); only the sum is exact. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "orm/orm.h"

#define COUNTER_COLUMNS(X)                                                                   \
	X(orm_counter_row, id, ORM_INTEGER, .flags = ORM_PK | ORM_AUTOINC)                   \
	X(orm_counter_row, name, ORM_STRING, .length = ORM_COUNTER_NAME_MAX,                 \
	  .flags = ORM_NOT_NULL)                                                             \
	X(orm_counter_row, slot, ORM_SMALLINT, .flags = ORM_NOT_NULL,                        \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")                        \
	X(orm_counter_row, value, ORM_BIGINT, .flags = ORM_NOT_NULL,                         \
	  .default_value = ORM_DEFAULT_INT(0), .server_default = "0")
ORM_MODEL_DECLARE(orm_counter_row, COUNTER_COLUMNS, ORM_NO_RELS)
ORM_MODEL_DEFINE(orm_counter_row, COUNTER_COLUMNS, ORM_NO_RELS, .table = "counter",
		 .index_defs = (const struct orm_index_def[]){
			 {.columns = {"name", "slot"}, .unique = true},
			 {.columns = {NULL}},
		 });

/* The framework's own registry: the counter model is in no application's
 * (its table is made with the framework's other tables). */
static struct orm_model *counter_models[] = {&orm_counter_row_model};
static struct orm_registry counter_registry = {.models = counter_models, .nmodels = 1};

/* Rows per count. Bounds the total's read (SUM over at most this many
 * rows of the unique index) and must fit counter.slot (SMALLINT). */
#define COUNTER_SLOTS 16

static int counter_ready(void)
{
	char err[160];
	return orm_registry_init(&counter_registry, err, sizeof err) == 0 ? 0 : ORM_MISUSE;
}

int orm_counter_create_table(struct db *db)
{
	if (counter_ready() < 0) {
		snprintf(db->err, sizeof db->err, "the counter model does not resolve");
		return ORM_MISUSE;
	}
	return orm_create_all(db, &counter_registry);
}

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

/* Run one of the two statements of orm_counter_add with (delta, name,
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

static bool counter_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n > 0 && n <= ORM_COUNTER_NAME_MAX;
}

/* An UPDATE of the existing slot row first: it locks that one index record
 * only. The INSERT runs when the row does not exist yet (once per slot and
 * name; it takes gap locks, and two processes may race to create the row,
 * which ON DUPLICATE KEY settles). */
int orm_counter_add(struct orm_session *s, const char *name, int64_t delta)
{
	if (!counter_name_ok(name))
		return ORM_MISUSE;
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

/* SUM(value) over the slots of name: a range of the unique (name, slot)
 * index, at most COUNTER_SLOTS rows whatever the count. SUM comes back as
 * DECIMAL text, NULL without rows. */
static struct orm_query *sum_query(struct orm_session *s, const char *name)
{
	if (!counter_name_ok(name) || counter_ready() < 0)
		return NULL;
	struct orm_query *q = orm_select(orm_counter_row_query(s),
					 orm_func(s, ORM_SUM, ORM_COL(orm_counter_row, value)));
	return orm_filter_by(q, "name", orm_str(name));
}

const struct orm_expr *orm_counter_total(struct orm_session *s, const char *name)
{
	struct orm_query *q = sum_query(s, name);
	return q ? orm_scalar(s, q) : NULL;
}

int orm_counter_read(struct orm_session *s, const char *name, int64_t *out)
{
	*out = 0;
	struct orm_query *q = sum_query(s, name);
	if (!q)
		return counter_name_ok(name) ? ORM_NOMEM : ORM_MISUSE;
	struct orm_rows rows;
	int rc = orm_rows(q, &rows);
	if (rc < 0)
		return rc;
	if (rows.nrows && rows.ncols)
		*out = orm_value_int(rows.v[0]);
	return 0;
}

/* migrate_version.c — the schema_version table: one row per applied head,
 * read and replaced in one transaction. */
#include "cli/migrate.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"

int cli_schema_version_exists(struct db *db)
{
	MYSQL_STMT *st = db_prepare(db, "SELECT COUNT(*) FROM information_schema.TABLES "
					"WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_version'");
	if (!st || db_stmt_execute(db, st) < 0)
		return -1;
	long long count = 0;
	MYSQL_BIND b = {0};
	b.buffer_type = MYSQL_TYPE_LONGLONG;
	b.buffer = &count;
	int rc = 0;
	if (mysql_stmt_bind_result(st, &b)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		rc = -1;
	} else if (mysql_stmt_fetch(st) == 0) {
		rc = count > 0;
	}
	mysql_stmt_free_result(st);
	mysql_stmt_reset(st);
	return rc;
}

int cli_schema_version_ensure(struct db *db)
{
	return db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
			   "version_num VARCHAR(32) NOT NULL PRIMARY KEY"
			   ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

int cli_schema_version_get(struct db *db, struct version_rows *out)
{
	out->n = 0;
	if (cli_schema_version_ensure(db) < 0)
		return -1;
	MYSQL_STMT *st = db_prepare(db, "SELECT version_num FROM schema_version ORDER BY version_num");
	if (!st || db_stmt_execute(db, st) < 0)
		return -1;
	char buf[64];
	unsigned long len = 0;
	my_bool is_null = 0;
	MYSQL_BIND b = {0};
	b.buffer_type = MYSQL_TYPE_STRING;
	b.buffer = buf;
	b.buffer_length = sizeof buf;
	b.length = &len;
	b.is_null = &is_null;
	int rc = 0;
	if (mysql_stmt_bind_result(st, &b)) {
		db_note_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		rc = -1;
	} else {
		while (mysql_stmt_fetch(st) == 0) {
			if (is_null || len == 0)
				continue;
			if (out->n == MIGRATION_HEADS_MAX) {
				db_note_error(db, 0, "schema_version holds more revisions than flacon handles");
				rc = -1;
				break;
			}
			snprintf(out->rev[out->n++], sizeof out->rev[0], "%.*s",
				 (int)(len < sizeof buf ? len : sizeof buf), buf);
		}
	}
	mysql_stmt_free_result(st);
	mysql_stmt_reset(st);
	return rc;
}

int cli_schema_version_set(struct db *db, const struct version_rows *rows)
{
	if (cli_schema_version_ensure(db) < 0)
		return -1;
	if (db_exec(db, "START TRANSACTION") < 0)
		return -1;
	MYSQL_STMT *del = db_prepare(db, "DELETE FROM schema_version");
	if (!del || db_stmt_execute(db, del) < 0)
		goto fail;
	for (size_t i = 0; i < rows->n; i++) {
		MYSQL_STMT *ins = db_prepare(db, "INSERT INTO schema_version (version_num) VALUES (?)");
		if (!ins)
			goto fail;
		unsigned long len = strlen(rows->rev[i]);
		MYSQL_BIND b = {0};
		b.buffer_type = MYSQL_TYPE_STRING;
		b.buffer = (void *)rows->rev[i];
		b.buffer_length = len;
		b.length = &len;
		if (mysql_stmt_bind_param(ins, &b)) {
			db_note_error(db, mysql_stmt_errno(ins), mysql_stmt_error(ins));
			goto fail;
		}
		if (db_stmt_execute(db, ins) < 0)
			goto fail;
	}
	return db_exec(db, "COMMIT");
fail:
	if (db->conn)
		db_exec(db, "ROLLBACK");
	return -1;
}

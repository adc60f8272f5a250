/* error.c — the ORM's result codes: their names, the mapping from MariaDB
 * error numbers, and recording an error (code and message) on a session. */
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdio.h>

#include "orm/orm_impl.h"

const char *orm_strerror(int err)
{
	switch (err) {
	case ORM_OK: return "ok";
	case ORM_NOT_FOUND: return "not found";
	case ORM_CONFLICT: return "conflict";
	case ORM_INVALID: return "invalid";
	case ORM_RETRY: return "retry";
	case ORM_DB: return "database error";
	case ORM_NOMEM: return "out of memory";
	case ORM_MISUSE: return "misuse";
	case ORM_UNAVAILABLE: return "unavailable";
	}
	return "unknown error";
}

int orm_err_from_errno(unsigned e)
{
	switch (e) {
	case 0:
		return ORM_OK;
	case ER_DUP_ENTRY:
	case ER_DUP_ENTRY_WITH_KEY_NAME:
	case ER_ROW_IS_REFERENCED:
	case ER_ROW_IS_REFERENCED_2:
		return ORM_CONFLICT;
	case ER_NO_REFERENCED_ROW:
	case ER_NO_REFERENCED_ROW_2:
	case ER_BAD_NULL_ERROR:
	case ER_NO_DEFAULT_FOR_FIELD:
	case WARN_DATA_TRUNCATED: /* 1265 */
	case ER_CONSTRAINT_FAILED:
	case ER_DATA_TOO_LONG:
	case ER_WARN_DATA_OUT_OF_RANGE:
	case ER_TRUNCATED_WRONG_VALUE:
	case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
		return ORM_INVALID;
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		return ORM_RETRY;
	}
	return ORM_DB;
}

int orm_fail(struct orm_session *s, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
	va_end(ap);
	s->err = err;
	return err;
}

int orm_fail_db(struct orm_session *s)
{
	s->db_errno = s->db->last_errno;
	int e = orm_err_from_errno(s->db_errno);
	if (e == ORM_OK)
		e = ORM_DB;
	return orm_fail(s, e, "%s", s->db->err);
}

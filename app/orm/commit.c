/* commit.c — COMMIT (flush, then one transaction's end) and the
 * retryable unit of work around it: orm_transaction / orm_retry run a
 * function again after a deadlock, lock wait timeout, certification
 * conflict or lost connection, with back-off. */
#include <string.h>

#include "orm/orm_impl.h"

#include "core/metrics.h"

int orm_commit(struct orm_session *s)
{
	int rc = orm_flush(s);
	if (rc)
		return rc;
	if (!s->in_txn)
		return 0;
	if (s->db->connects != s->txn_connects) {
		rc = orm_fail(s, ORM_DB, "connection lost inside a transaction");
		orm_txn_rollback(s);
		return rc;
	}
	s->commit_sent = true;
	if (orm_session_exec(s, "COMMIT") < 0) {
		rc = orm_fail_db(s);
		orm_txn_rollback(s);
		return rc;
	}
	s->in_txn = false;
	orm_txn_forget(s);
	return 0;
}

/* May a failed attempt run again? A deadlock, lock wait timeout or
 * certification conflict (Galera reports it as 1213) rolled everything
 * back; so did a connection lost inside a transaction before COMMIT was
 * sent. An autocommit statement is retried on the first kind only (after
 * a lost connection it may have been applied). */
static bool txn_retryable(const struct orm_session *s, bool txn, int rc)
{
	if (rc == ORM_RETRY)
		return true;
	return txn && rc == ORM_DB && db_errno_is_connection(s->db_errno) && !s->commit_sent &&
	       !s->db->unreachable;
}

/* The loop of orm_transaction (txn) and orm_retry (!txn). */
static int run_retried(struct orm_session *s, bool txn, orm_txn_fn fn, void *arg)
{
	int rc = 0;
	s->txn_attempts = 0;
	for (unsigned attempt = 0; attempt < ORM_TXN_ATTEMPTS; attempt++) {
		if (attempt) {
			db_backoff(attempt - 1);
			metrics_count(METRICS_DB_TXN_RETRIES);
		}
		s->txn_attempts++;
		s->commit_sent = false;
		rc = txn ? orm_begin(s) : 0;
		if (!rc)
			rc = fn(s, arg);
		if (!rc && txn && s->in_txn)
			rc = orm_commit(s);
		if (!rc)
			return 0;
		if (s->in_txn)
			orm_txn_rollback(s);
		if (!txn_retryable(s, txn, rc))
			return rc;
	}
	char last[sizeof s->errmsg]; /* orm_fail writes s->errmsg: not from itself */
	memcpy(last, s->errmsg, sizeof last);
	return orm_fail(s, ORM_UNAVAILABLE, "still failing after %u attempts: %.200s", s->txn_attempts,
			last);
}

int orm_transaction(struct orm_session *s, orm_txn_fn fn, void *arg)
{
	return run_retried(s, true, fn, arg);
}

int orm_retry(struct orm_session *s, orm_txn_fn fn, void *arg)
{
	return run_retried(s, false, fn, arg);
}

unsigned orm_transaction_attempts(const struct orm_session *s)
{
	return s->txn_attempts;
}

-- Revision: 0008 (down)
-- Message: deferred ledger
-- Created: 2026-12-06 18:00:00 UTC

-- Stop the workers first: a batch in flight would find no ledger.
DROP TABLE `deferred_ledger`;

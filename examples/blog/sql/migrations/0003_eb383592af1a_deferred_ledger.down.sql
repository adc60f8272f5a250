-- Revision: eb383592af1a (down)
-- Down revision: 3d9b62e0a7f1
-- Message: deferred ledger
-- Created: 2026-12-06 18:00:00 UTC

-- Stop the workers first: a batch in flight would find no ledger.
DROP TABLE `deferred_ledger`;

-- Revision: eb383592af1a
-- Down revision: 3d9b62e0a7f1
-- Message: deferred ledger
-- Created: 2026-12-06 18:00:00 UTC

-- Deferred increments (orm_deferred_add: article views) are written in
-- batches; each worker run keeps one row here, the number of its last
-- batch applied, claimed in the batch's own transaction, so that a batch
-- retried after a COMMIT whose outcome was unknown is never applied twice.
CREATE TABLE `deferred_ledger` (
  `owner` binary(16) NOT NULL,
  `seq` bigint(20) NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`owner`),
  KEY `ix_deferred_ledger_updated_at` (`updated_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

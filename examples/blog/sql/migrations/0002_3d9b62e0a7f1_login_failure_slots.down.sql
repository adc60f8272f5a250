-- Revision: 3d9b62e0a7f1 (down)
-- Down revision: 688c3166829a
-- Message: login failure slots
-- Created: 2026-12-06 15:20:00 UTC

-- The failures counted so far are forgotten: throttling starts afresh.
DELETE FROM `login_failure`;
ALTER TABLE `login_failure`
  DROP INDEX `uq_login_failure_slot`,
  DROP COLUMN `slot`,
  MODIFY `ident` varchar(64) NOT NULL,
  ADD KEY `ix_login_failure_ident` (`kind`,`ident`,`failed_at`);

-- Revision: 0007
-- Message: login failure slots
-- Created: 2026-12-06 15:20:00 UTC

-- Login throttling reserves each attempt before any hash (SPEC 10): a
-- key's rows within the window take numbered slots, unique per key, so
-- that parallel attempts on any worker or cluster node cannot pass the
-- limit. Kind 3 counts registration attempts per address. Names are
-- compared byte for byte (the code lower-cases ASCII letters). The
-- failures counted so far are forgotten: throttling starts afresh.
DELETE FROM `login_failure`;
ALTER TABLE `login_failure`
  MODIFY `ident` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  ADD COLUMN `slot` int(11) NOT NULL DEFAULT 0 AFTER `ident`,
  DROP INDEX `ix_login_failure_ident`,
  ADD UNIQUE KEY `uq_login_failure_slot` (`kind`,`ident`,`slot`);

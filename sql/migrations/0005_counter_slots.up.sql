-- Revision: 0005
-- Message: counter slots
-- Created: 2026-12-01 08:36:25 UTC

-- A count is now the sum of its rows, one per (name, slot). The row each
-- count has already goes to slot 0 (the default) with its value.
ALTER TABLE `counter` ADD COLUMN `slot` smallint(6) NOT NULL DEFAULT 0 AFTER `name`;
CREATE UNIQUE INDEX `uq_counter_name_slot` ON `counter` (`name`,`slot`);
DROP INDEX `uq_counter_name` ON `counter`;

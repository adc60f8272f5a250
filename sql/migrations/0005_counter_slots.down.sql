-- Revision: 0005 (down)
-- Message: counter slots
-- Created: 2026-12-01 08:36:25 UTC

-- Added by hand: each count's slots summed back into its slot 0 row, the
-- other slots deleted, in one transaction (every step keeps the sum), so
-- the single row per name that the unique index on name allows holds the
-- count. Stop the writers first: a process of the newer code writing
-- another slot meanwhile would make CREATE UNIQUE INDEX fail.
START TRANSACTION;
INSERT INTO `counter` (`name`, `slot`, `value`)
  SELECT `t`.`name`, 0, 0 FROM (SELECT DISTINCT `name` FROM `counter`) AS `t`
  ON DUPLICATE KEY UPDATE `counter`.`value` = `counter`.`value`;
UPDATE `counter` JOIN (SELECT `name`, SUM(`value`) AS `total` FROM `counter` GROUP BY `name`) AS `t`
  ON `t`.`name` = `counter`.`name`
  SET `counter`.`value` = IF(`counter`.`slot` = 0, `t`.`total`, 0);
DELETE FROM `counter` WHERE `slot` <> 0;
COMMIT;
CREATE UNIQUE INDEX `uq_counter_name` ON `counter` (`name`);
DROP INDEX `uq_counter_name_slot` ON `counter`;
ALTER TABLE `counter` DROP COLUMN `slot`;

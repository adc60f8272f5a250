-- Revision: 0002
-- Message: course enrolled count
-- Created: 2026-11-24 06:40:57 UTC

ALTER TABLE `course` ADD COLUMN `enrolled` int(11) NOT NULL DEFAULT 0 AFTER `capacity`;
-- Added by hand: the count of the rows that exist already.
UPDATE `course` SET `enrolled` = (SELECT COUNT(*) FROM `student_course` WHERE `student_course`.`cou_id` = `course`.`id`);

-- Revision: 0003
-- Message: article author name, list index
-- Created: 2026-11-24 09:06:35 UTC

ALTER TABLE `article` ADD COLUMN `author_name` varchar(32) NOT NULL DEFAULT '' AFTER `user_id`;
-- Added by hand: the names of the articles that exist already. Usernames
-- never change, so the copy stays right; article lists read it instead of
-- joining user.
UPDATE `article` JOIN `user` ON `user`.`id` = `article`.`user_id` SET `article`.`author_name` = `user`.`username`;
DROP INDEX `ix_article_isdelete_pdatetime` ON `article`;
CREATE INDEX `ix_article_isdelete_pdatetime` ON `article` (`isdelete`,`pdatetime`,`id`,`user_id`,`click_num`,`author_name`,`title`);

-- Revision: 0003 (down)
-- Message: article author name, list index
-- Created: 2026-11-24 09:06:35 UTC

DROP INDEX `ix_article_isdelete_pdatetime` ON `article`;
CREATE INDEX `ix_article_isdelete_pdatetime` ON `article` (`isdelete`,`pdatetime`);
ALTER TABLE `article` DROP COLUMN `author_name`;

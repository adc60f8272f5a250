-- Revision: 0004
-- Message: article user list index
-- Created: 2026-11-24 09:53:31 UTC

CREATE INDEX `ix_article_user_id_isdelete_pdatetime_id` ON `article` (`user_id`,`isdelete`,`pdatetime`,`id`);
DROP INDEX `ix_article_user_id` ON `article`;

-- Revision: 0002 (down)
-- Message: course enrolled count
-- Created: 2026-11-24 06:40:57 UTC

ALTER TABLE `course` DROP COLUMN `enrolled`;

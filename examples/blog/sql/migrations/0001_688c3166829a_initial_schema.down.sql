-- Revision: 688c3166829a (down)
-- Down revision: base
-- Message: initial schema
-- Created: 2026-12-01 13:45:27 UTC

-- This down migration drops what the up migration adds, values and all:
--   table `comment`
--   table `login_failure`
--   table `session`
--   table `user1`
--   table `article`
--   table `comment_user`

DROP TABLE `comment_user`;
DROP TABLE `article`;
DROP TABLE `user1`;
DROP TABLE `session`;
DROP TABLE `login_failure`;
DROP TABLE `comment`;

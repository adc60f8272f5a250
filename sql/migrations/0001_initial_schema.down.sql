-- Revision: 0001 (down)
-- Message: initial schema
-- Created: 2026-11-24 06:34:20 UTC

DROP TABLE `student_course`;
DROP TABLE `student`;
DROP TABLE `article`;
DROP TABLE `user`;
DROP TABLE `session`;
DROP TABLE `course`;
DROP TABLE `counter`;

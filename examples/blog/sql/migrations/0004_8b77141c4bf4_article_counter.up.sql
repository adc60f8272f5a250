-- Revision: 8b77141c4bf4
-- Down revision: eb383592af1a
-- Message: article counter
-- Created: 2026-12-06 22:20:00 UTC

-- The framework's maintained counters (orm_counter_add): the article
-- list's total is the count "articles", kept by the article model's flush
-- hook, instead of a COUNT(*) per page. Seeded here from the rows there
-- are.
CREATE TABLE `counter` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(32) NOT NULL,
  `slot` smallint(6) NOT NULL DEFAULT 0,
  `value` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uq_counter_name_slot` (`name`,`slot`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO `counter` (`name`, `slot`, `value`) SELECT 'articles', 0, COUNT(*) FROM `article`;

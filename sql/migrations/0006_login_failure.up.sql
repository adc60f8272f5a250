-- Revision: 0006
-- Message: login failure
-- Created: 2026-12-01 11:30:00 UTC

-- Login throttling (SPEC 10): one row per failed login and per key it
-- counts against (kind 1: the account name as typed, 2: the client address).
CREATE TABLE `login_failure` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `kind` tinyint(4) NOT NULL,
  `ident` varchar(64) NOT NULL,
  `failed_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `ix_login_failure_ident` (`kind`,`ident`,`failed_at`),
  KEY `ix_login_failure_failed_at` (`failed_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Revision: 0006 (down)
-- The failed logins counted so far are forgotten: throttling starts afresh.
DROP TABLE `login_failure`;

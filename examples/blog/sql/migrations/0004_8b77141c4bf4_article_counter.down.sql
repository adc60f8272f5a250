-- Revision: 8b77141c4bf4 (down)
-- Down revision: eb383592af1a
-- Message: article counter
-- Created: 2026-12-06 22:20:00 UTC

DROP TABLE `counter`;

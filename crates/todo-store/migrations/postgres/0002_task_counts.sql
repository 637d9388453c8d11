-- Intentionally empty. The SQLite dialect adds per-user task counters here, so
-- its listings need not count rows on every request; PostgreSQL counts with an
-- index-only scan and needs no such table. Kept so both dialects share version
-- numbers.
SELECT 1;

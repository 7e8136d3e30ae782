-- megaforce 1.1 -> 1.2: the hot path (uuid_v7, batch calls, runs index diet and storage), retention (prune_runs) and restore mode
--
-- What each step locks, held until the transaction commits (say it for every
-- step; avoid long ACCESS EXCLUSIVE locks on big tables):
--   step 1  ...
--
-- A fresh install at 1.2 runs every script from the base up in one
-- transaction; it is then one migration_log row (NULL -> 1.2).

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.2'" to load this file. \quit

-- Step 1: ...

WITH fresh_install AS (
    UPDATE megaforce.migration_log SET to_version = '1.2'
    WHERE from_version IS NULL AND to_version = '1.1' AND applied_at = pg_catalog.now()
    RETURNING id
)
INSERT INTO megaforce.migration_log (from_version, to_version)
SELECT '1.1', '1.2' WHERE NOT EXISTS (SELECT FROM fresh_install);

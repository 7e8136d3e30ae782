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

-- Step: retention (prune_runs) and restore mode (pre_restore, post_restore) (issue 20)
--
-- Locks: runs SHARE while runs_finished_idx is built (writers of runs wait
-- for the build: one pass over runs, see README "Retention" for its cost);
-- no other table lock.

-- prune_runs() and the scheduler read the oldest finished runs of one status
-- as one range of this index; queued and running runs are not in it, so a
-- claim never writes it and a completion writes it once.
CREATE INDEX runs_finished_idx ON megaforce.runs (status, finished_at)
    WHERE status IN ('succeeded', 'failed', 'cancelled');

CREATE FUNCTION megaforce.prune_runs(older_than interval DEFAULT '30 days', max_rows integer DEFAULT 10000)
    RETURNS integer
    LANGUAGE c VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_prune_runs';
COMMENT ON FUNCTION megaforce.prune_runs(interval, integer) IS
    'deletes the oldest finished runs that finished before now() - older_than (at most max_rows; runs a document or output references stay); returns how many';

-- SECURITY DEFINER: they set megaforce.restoring (SUSET) for the database;
-- each lets in only the database owner (or a superuser).
CREATE FUNCTION megaforce.pre_restore() RETURNS void
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_pre_restore';
COMMENT ON FUNCTION megaforce.pre_restore() IS
    'restore mode for this database: the triggers accept restored rows as they are (run before pg_restore, as the database owner)';
CREATE FUNCTION megaforce.post_restore() RETURNS TABLE (table_name text, row_id text, problem text)
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_post_restore';
COMMENT ON FUNCTION megaforce.post_restore() IS
    'ends restore mode and checks the restored rows (run invariants, workflow columns, schedules, verify_history); no rows = intact';

REVOKE ALL ON FUNCTION megaforce.prune_runs(interval, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION megaforce.pre_restore() FROM PUBLIC;
REVOKE ALL ON FUNCTION megaforce.post_restore() FROM PUBLIC;

WITH fresh_install AS (
    UPDATE megaforce.migration_log SET to_version = '1.2'
    WHERE from_version IS NULL AND to_version = '1.1' AND applied_at = pg_catalog.now()
    RETURNING id
)
INSERT INTO megaforce.migration_log (from_version, to_version)
SELECT '1.1', '1.2' WHERE NOT EXISTS (SELECT FROM fresh_install);

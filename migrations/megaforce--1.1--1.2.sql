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

-- Step: run notifications from an AFTER UPDATE trigger (issue 17)
-- A run's state change was notified by the BEFORE trigger runs_state, so a
-- later BEFORE trigger that skipped the update (returned NULL) left
-- listeners told of a change that never happened. From 1.2 the AFTER UPDATE
-- trigger runs_state_after_update notifies, once the row is written; the
-- BEFORE trigger is recreated with the argument that tells it so (1.0 and
-- 1.1 keep their trigger, without the argument, which still notifies).
-- Locks: DROP TRIGGER takes ACCESS EXCLUSIVE on megaforce.runs and CREATE
-- TRIGGER SHARE ROW EXCLUSIVE, both only for the catalog change (no rows are
-- read or rewritten), held until the upgrade commits.
DROP TRIGGER runs_state ON megaforce.runs;
CREATE TRIGGER runs_state BEFORE INSERT OR UPDATE ON megaforce.runs
    FOR EACH ROW EXECUTE FUNCTION megaforce.run_state_before('after_update_notifies');
CREATE TRIGGER runs_state_after_update AFTER UPDATE ON megaforce.runs
    FOR EACH ROW EXECUTE FUNCTION megaforce.run_state_after();

WITH fresh_install AS (
    UPDATE megaforce.migration_log SET to_version = '1.2'
    WHERE from_version IS NULL AND to_version = '1.1' AND applied_at = pg_catalog.now()
    RETURNING id
)
INSERT INTO megaforce.migration_log (from_version, to_version)
SELECT '1.1', '1.2' WHERE NOT EXISTS (SELECT FROM fresh_install);

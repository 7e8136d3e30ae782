-- megaforce 1.2 -> 1.1: undoes "the hot path (uuid_v7, batch calls, runs index diet and storage), retention (prune_runs) and restore mode", keeping every row 1.1 can hold.
--
-- What each step locks, held until the transaction commits:
--   step 1  ...

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.1'" to load this file. \quit

-- Step 1: ...

-- Step: run notifications from an AFTER UPDATE trigger (issue 17), undone
-- The BEFORE trigger notifies of state changes again, as in 1.1. No rows
-- change. Locks: DROP TRIGGER takes ACCESS EXCLUSIVE on megaforce.runs and
-- CREATE TRIGGER SHARE ROW EXCLUSIVE (catalog only), until the downgrade commits.
DROP TRIGGER runs_state_after_update ON megaforce.runs;
DROP TRIGGER runs_state ON megaforce.runs;
CREATE TRIGGER runs_state BEFORE INSERT OR UPDATE ON megaforce.runs
    FOR EACH ROW EXECUTE FUNCTION megaforce.run_state_before();

INSERT INTO megaforce.migration_log (from_version, to_version) VALUES ('1.2', '1.1');

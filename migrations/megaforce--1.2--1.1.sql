-- megaforce 1.2 -> 1.1: undoes "the hot path (uuid_v7, batch calls, runs index diet and storage), retention (prune_runs) and restore mode", keeping every row 1.1 can hold.
--
-- What each step locks, held until the transaction commits:
--   finished counters    DROP FUNCTION, DROP SEQUENCE: nothing on runs.
--   runs storage         ALTER TABLE runs RESET (...): SHARE UPDATE EXCLUSIVE.
--   runs index diet      CREATE INDEX runs_input_source_id_idx: SHARE on runs
--                        (writes wait) for the build: about 1 s per million runs.
--   batch calls, uuid_v7 DROP FUNCTION; ALTER COLUMN ... SET DEFAULT: ACCESS
--                        EXCLUSIVE on each table for a catalog change only.

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.1'" to load this file. \quit

-- Step: counters of finished runs (issue 21) ------------------------------
DROP FUNCTION megaforce.finished_runs_total();
ALTER EXTENSION megaforce DROP SEQUENCE megaforce.runs_succeeded_total;
ALTER EXTENSION megaforce DROP SEQUENCE megaforce.runs_failed_total;
ALTER EXTENSION megaforce DROP SEQUENCE megaforce.runs_cancelled_total;
DROP SEQUENCE megaforce.runs_succeeded_total, megaforce.runs_failed_total, megaforce.runs_cancelled_total;

-- Step: runs storage settings (issue 19) ----------------------------------
ALTER TABLE megaforce.runs RESET (fillfactor, autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
    autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor, autovacuum_vacuum_cost_delay);

-- Step: runs index diet (issue 19) ----------------------------------------
CREATE INDEX runs_input_source_id_idx ON megaforce.runs (input_source_id, created_at);

-- Step: batch calls (issue 19) --------------------------------------------
DROP FUNCTION megaforce.complete_runs(uuid[], uuid[], jsonb[]);
DROP FUNCTION megaforce.enqueue_runs(uuid[], uuid, integer, timestamptz, text);

-- Step: uuid_v7 and time-ordered keys (issue 19) ----------------------------
-- Rows keep the version 7 ids they were given: they are valid uuids.
ALTER TABLE megaforce.users ALTER COLUMN id SET DEFAULT pg_catalog.gen_random_uuid();
ALTER TABLE megaforce.personas ALTER COLUMN id SET DEFAULT pg_catalog.gen_random_uuid();
ALTER TABLE megaforce.input_sources ALTER COLUMN id SET DEFAULT pg_catalog.gen_random_uuid();
ALTER TABLE megaforce.runs ALTER COLUMN id SET DEFAULT pg_catalog.gen_random_uuid();
ALTER TABLE megaforce.documents ALTER COLUMN id SET DEFAULT pg_catalog.gen_random_uuid();
ALTER TABLE megaforce.output_schemas ALTER COLUMN id SET DEFAULT pg_catalog.gen_random_uuid();
DROP FUNCTION megaforce.uuid_v7();

-- Step: run notifications from an AFTER UPDATE trigger (issue 17), undone
-- The BEFORE trigger notifies of state changes again, as in 1.1. No rows
-- change. Locks: DROP TRIGGER takes ACCESS EXCLUSIVE on megaforce.runs and
-- CREATE TRIGGER SHARE ROW EXCLUSIVE (catalog only), until the downgrade commits.
DROP TRIGGER runs_state_after_update ON megaforce.runs;
DROP TRIGGER runs_state ON megaforce.runs;
CREATE TRIGGER runs_state BEFORE INSERT OR UPDATE ON megaforce.runs
    FOR EACH ROW EXECUTE FUNCTION megaforce.run_state_before();

-- Step: retention and restore mode (issue 20) go. No table lock but the
-- index drop's ACCESS EXCLUSIVE on runs (catalog only, milliseconds). No row
-- changes. A database left in restore mode leaves it.

DROP FUNCTION megaforce.post_restore();
DROP FUNCTION megaforce.pre_restore();
DROP FUNCTION megaforce.prune_runs(interval, integer);
DROP INDEX megaforce.runs_finished_idx;
DO $reset$
BEGIN
    EXECUTE pg_catalog.format('ALTER DATABASE %I RESET megaforce.restoring', pg_catalog.current_database());
END
$reset$;

INSERT INTO megaforce.migration_log (from_version, to_version) VALUES ('1.2', '1.1');

-- megaforce 1.1 -> 1.2: the hot path (uuid_v7, batch calls, runs index diet and storage), retention (prune_runs) and restore mode
--
-- What each step locks, held until the transaction commits (say it for every
-- step; avoid long ACCESS EXCLUSIVE locks on big tables):
--   uuid_v7 / defaults   ALTER TABLE ... ALTER COLUMN id SET DEFAULT: ACCESS
--                        EXCLUSIVE on each of the six tables, for a catalog
--                        change only (no rewrite, no scan): milliseconds.
--   batch calls          new functions: no table lock.
--   runs index diet      DROP INDEX runs_input_source_id_idx: ACCESS EXCLUSIVE
--                        on runs for the catalog change (no scan).
--   runs storage         ALTER TABLE runs SET (...): SHARE UPDATE EXCLUSIVE
--                        (writes go on); applies to pages written from now on.
--   finished index       CREATE INDEX runs_finished_idx: SHARE on runs (writers
--                        wait, readers go on) for one pass over runs.
--   finished counters    counts the finished runs once through that index
--                        (ACCESS SHARE); new sequences.
--   AFTER UPDATE trigger DROP/CREATE TRIGGER: ACCESS EXCLUSIVE on runs, catalog only.
--   retention, restore   new functions; no table lock.
--
-- Order: the steps that scan runs come first, the catalog-only steps that
-- take ACCESS EXCLUSIVE last, because every lock is held until commit.
--
-- A fresh install at 1.2 runs every script from the base up in one
-- transaction; it is then one migration_log row (NULL -> 1.2).

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.2'" to load this file. \quit

-- Step: the index of finished runs, for retention (issue 20) ---------------
-- First, under SHARE (writers of runs wait for the build, readers do not):
-- any later step's ACCESS EXCLUSIVE lock on runs would make readers wait for
-- the build too.
-- prune_runs() and the scheduler read the oldest finished runs of one status
-- as one range of this index; queued and running runs are not in it, so a
-- claim never writes it and a completion writes it once.
CREATE INDEX runs_finished_idx ON megaforce.runs (status, finished_at)
    WHERE status IN ('succeeded', 'failed', 'cancelled');

-- Step: counters of finished runs (issue 21) ------------------------------
-- One sequence per finished status, advanced by the runs trigger when a run
-- reaches that status; monitoring reads them without scanning runs. They
-- start at the number of runs already finished.
-- The n-th finish draws n from its sequence; a sequence never drawn from
-- reads as 0 (is_called false).
CREATE SEQUENCE megaforce.runs_succeeded_total AS bigint;
CREATE SEQUENCE megaforce.runs_failed_total AS bigint;
CREATE SEQUENCE megaforce.runs_cancelled_total AS bigint;
SELECT pg_catalog.setval('megaforce.runs_' || s.status || '_total', s.finished)
FROM (SELECT f.status, (SELECT pg_catalog.count(*) FROM megaforce.runs r WHERE r.status = f.status) AS finished
      FROM (VALUES ('succeeded'), ('failed'), ('cancelled')) AS f (status)) AS s
WHERE s.finished > 0;
SELECT pg_catalog.pg_extension_config_dump('megaforce.runs_succeeded_total', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.runs_failed_total', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.runs_cancelled_total', '');
REVOKE ALL ON SEQUENCE megaforce.runs_succeeded_total, megaforce.runs_failed_total,
    megaforce.runs_cancelled_total FROM PUBLIC;
-- SECURITY DEFINER: a monitoring role needs EXECUTE on this function only,
-- no privilege on the sequences.
CREATE FUNCTION megaforce.finished_runs_total() RETURNS TABLE (status text, total bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
        SELECT 'succeeded'::text, CASE WHEN is_called THEN last_value ELSE 0 END FROM megaforce.runs_succeeded_total
        UNION ALL
        SELECT 'failed', CASE WHEN is_called THEN last_value ELSE 0 END FROM megaforce.runs_failed_total
        UNION ALL
        SELECT 'cancelled', CASE WHEN is_called THEN last_value ELSE 0 END FROM megaforce.runs_cancelled_total
    $$;
COMMENT ON FUNCTION megaforce.finished_runs_total() IS
    'runs finished since install, by status (monotonic counters that need no scan of runs)';
REVOKE ALL ON FUNCTION megaforce.finished_runs_total() FROM PUBLIC;

-- Step: uuid_v7 and time-ordered keys (issue 19) ----------------------------
-- RFC 9562 version 7 UUIDs: new rows of a table land at the right edge of its
-- primary key instead of at random pages. Existing rows keep their ids.
CREATE FUNCTION megaforce.uuid_v7() RETURNS uuid
    LANGUAGE c VOLATILE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_uuid_v7';
COMMENT ON FUNCTION megaforce.uuid_v7() IS
    'an RFC 9562 version 7 UUID: Unix time in milliseconds, then random bits; strictly increasing within a backend';
-- It is the key default: whoever may insert a row must be able to call it,
-- as anyone could call gen_random_uuid() before.
GRANT EXECUTE ON FUNCTION megaforce.uuid_v7() TO PUBLIC;
ALTER TABLE megaforce.users ALTER COLUMN id SET DEFAULT megaforce.uuid_v7();
ALTER TABLE megaforce.personas ALTER COLUMN id SET DEFAULT megaforce.uuid_v7();
ALTER TABLE megaforce.input_sources ALTER COLUMN id SET DEFAULT megaforce.uuid_v7();
ALTER TABLE megaforce.runs ALTER COLUMN id SET DEFAULT megaforce.uuid_v7();
ALTER TABLE megaforce.documents ALTER COLUMN id SET DEFAULT megaforce.uuid_v7();
ALTER TABLE megaforce.output_schemas ALTER COLUMN id SET DEFAULT megaforce.uuid_v7();

-- Step: batch calls (issue 19) --------------------------------------------
CREATE FUNCTION megaforce.enqueue_runs(input_source_ids uuid[], actor_id uuid DEFAULT NULL,
                                       priority integer DEFAULT 0, run_after timestamptz DEFAULT now(),
                                       trigger text DEFAULT 'manual')
    RETURNS SETOF megaforce.runs LANGUAGE c VOLATILE ROWS 10 SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_enqueue_runs';
COMMENT ON FUNCTION megaforce.enqueue_runs(uuid[], uuid, integer, timestamptz, text) IS
    'enqueue_run for each distinct source, in array order, in one statement (at most 10,000)';
CREATE FUNCTION megaforce.complete_runs(run_ids uuid[], lease_tokens uuid[], results jsonb[] DEFAULT NULL)
    RETURNS SETOF megaforce.runs LANGUAGE c VOLATILE ROWS 10 SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_complete_runs';
COMMENT ON FUNCTION megaforce.complete_runs(uuid[], uuid[], jsonb[]) IS
    'complete_run for each (run, token) pair in one statement; stale pairs are skipped, not refused (at most 1,000)';
REVOKE ALL ON FUNCTION megaforce.enqueue_runs(uuid[], uuid, integer, timestamptz, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION megaforce.complete_runs(uuid[], uuid[], jsonb[]) FROM PUBLIC;

-- Step: runs index diet (issue 19) ----------------------------------------
-- Every claim and every completion changes status, which the partial indexes
-- name, so each is a non-HOT update that writes an entry into every index
-- whose predicate the new row meets. runs_input_source_id_idx was one of
-- them and served no query of the extension: the claim, the reaper and the
-- invariants read the partial indexes, and no caller deletes input sources
-- on a hot path (its foreign key check then reads runs by a scan; deactivate
-- a source instead of deleting it).
DROP INDEX megaforce.runs_input_source_id_idx;

-- Step: runs storage settings (issue 19) ----------------------------------
-- fillfactor 80 keeps room on each page for the new row version of a
-- heartbeat, so heartbeats stay HOT updates (no index writes). The queue
-- table churns: vacuum it after 2% of its rows changed (not 20%), analyze
-- after 5%, and without cost-based sleeping, so dead rows at the head of the
-- claim index go quickly.
ALTER TABLE megaforce.runs SET (fillfactor = 80,
    autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);

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
-- WHEN: an update that changes no state (a heartbeat, an operator's edit of
-- priority) queues no after-trigger event at all. The same trigger advances
-- the finished-run counters (step "counters of finished runs").
CREATE TRIGGER runs_state_after_update AFTER UPDATE ON megaforce.runs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION megaforce.run_state_after();

-- Step: retention (prune_runs) and restore mode (pre_restore, post_restore) (issue 20)
--
-- Locks: runs SHARE while runs_finished_idx is built (writers of runs wait
-- for the build: one pass over runs, see README "Retention" for its cost);
-- no other table lock.

-- runs_finished_idx is built in the first step of this script, before any
-- step takes ACCESS EXCLUSIVE on runs.

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

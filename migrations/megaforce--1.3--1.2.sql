-- megaforce 1.3 -> 1.2: undoes "cheaper statements on runs: its status and trigger CHECKs as array literals, its AFTER UPDATE trigger without a WHEN clause", keeping every row 1.2 can hold.
--
-- Both versions allow the same rows, so every row stays.
--
-- What each step locks, held until the transaction commits:
--   CHECKs   ALTER TABLE runs DROP/ADD CONSTRAINT: ACCESS EXCLUSIVE on runs
--            for one pass over runs (1M runs: 597 ms, a writer of runs
--            waited at most 553 ms; MF_UPGRADE_FROM=1.3 MF_UPGRADE_TO=1.2
--            bench/upgrade_lock.sh).
--   trigger  DROP TRIGGER: ACCESS EXCLUSIVE on runs, CREATE TRIGGER: SHARE
--            ROW EXCLUSIVE; catalog only.

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.2'" to load this file. \quit

-- Step: the CHECKs as 1.0 wrote them (IN lists) -----------------------------
ALTER TABLE megaforce.runs
    DROP CONSTRAINT runs_status_check,
    ADD CONSTRAINT runs_status_check
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    DROP CONSTRAINT runs_trigger_check,
    ADD CONSTRAINT runs_trigger_check
        CHECK (trigger IN ('manual', 'schedule', 'webhook', 'retry'));

-- Step: the AFTER UPDATE trigger with its 1.2 WHEN clause -------------------
DROP TRIGGER runs_state_after_update ON megaforce.runs;
CREATE TRIGGER runs_state_after_update AFTER UPDATE ON megaforce.runs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION megaforce.run_state_after();

INSERT INTO megaforce.migration_log (from_version, to_version) VALUES ('1.3', '1.2');

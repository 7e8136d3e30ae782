-- megaforce 1.2 -> 1.3: cheaper statements on runs: its status and trigger CHECKs as array literals, its AFTER UPDATE trigger without a WHEN clause
--
-- Why: PostgreSQL 15 reads every CHECK constraint of a table back from its
-- stored node string, and plans it, once per statement that writes the
-- table, and does the same for a trigger's WHEN clause. On runs, every
-- claim, completion and heartbeat is one such statement. An IN list is
-- stored as an ARRAY[...] of one constant node per value, folded into an
-- array on every statement; written as an array literal it is one constant,
-- half the text and nothing to fold. Counted with callgrind on one backend
-- (bench/instructions.sh), a claim + complete cycle took 939k instructions at
-- 1.2 and 853k at 1.3 (-9 %): about -59k from the two CHECKs and -28k from
-- the WHEN clause, each measured alone. A heartbeat went from 309k to 282k
-- (-9 %): the CHECKs save it 29k, and its AFTER UPDATE event, now queued and
-- fired to find the status unchanged, costs it 2k (+0.5 %). The same holds
-- for an operator's UPDATE of a non-state column over many runs: one
-- after-trigger event per row is queued and fired at the end of the
-- statement (200,000 runs: 0.3 s of 2.8 s, EXPLAIN ANALYZE), where 1.2
-- queued none. What is allowed does not change: the same values, the same
-- constraint names, and run_state_after() already returned at once for an
-- update that keeps the status.
--
-- What each step locks, held until the transaction commits (say it for every
-- step; avoid long ACCESS EXCLUSIVE locks on big tables):
--   CHECKs   ALTER TABLE runs DROP/ADD CONSTRAINT: ACCESS EXCLUSIVE on runs
--            for one pass over runs that checks its rows against the new
--            constraints; no rewrite, no index build. bench/upgrade_lock.sh
--            on the development machine, 1M runs (228 MB): the upgrade took
--            598 ms, a writer of runs waited at most 602 ms. The pass cannot
--            be split out under a weaker lock: the DROP needs ACCESS
--            EXCLUSIVE too, and every lock is held until the upgrade commits.
--   trigger  DROP TRIGGER: ACCESS EXCLUSIVE on runs, CREATE TRIGGER: SHARE
--            ROW EXCLUSIVE; catalog only.
--
-- A fresh install at 1.3 runs every script from the base up in one
-- transaction; it is then one migration_log row (NULL -> 1.3).

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.3'" to load this file. \quit

-- Step: the status and trigger CHECKs of runs as array literals ------------
-- One ALTER TABLE, so one pass over runs checks both new constraints.
ALTER TABLE megaforce.runs
    DROP CONSTRAINT runs_status_check,
    ADD CONSTRAINT runs_status_check
        CHECK (status = ANY ('{queued,running,succeeded,failed,cancelled}'::text[])),
    DROP CONSTRAINT runs_trigger_check,
    ADD CONSTRAINT runs_trigger_check
        CHECK (trigger = ANY ('{manual,schedule,webhook,retry}'::text[]));

-- Step: the AFTER UPDATE trigger of runs without a WHEN clause -------------
-- run_state_after() looks at the old and new status itself and does nothing
-- when they are equal (a heartbeat, an operator's edit of priority).
DROP TRIGGER runs_state_after_update ON megaforce.runs;
CREATE TRIGGER runs_state_after_update AFTER UPDATE ON megaforce.runs
    FOR EACH ROW EXECUTE FUNCTION megaforce.run_state_after();

WITH fresh_install AS (
    UPDATE megaforce.migration_log SET to_version = '1.3'
    WHERE from_version IS NULL AND to_version = '1.2' AND applied_at = pg_catalog.now()
    RETURNING id
)
INSERT INTO megaforce.migration_log (from_version, to_version)
SELECT '1.2', '1.3' WHERE NOT EXISTS (SELECT FROM fresh_install);

-- megaforce 1.2 -> 1.1: undoes "the hot path (uuid_v7, batch calls, runs index diet and storage), retention (prune_runs) and restore mode", keeping every row 1.1 can hold.
--
-- What each step locks, held until the transaction commits:
--   step 1  ...

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.1'" to load this file. \quit

-- Step 1: ...

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

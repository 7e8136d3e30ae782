-- megaforce 1.2 -> 1.1: undoes "the hot path (uuid_v7, batch calls, runs index diet and storage), retention (prune_runs) and restore mode", keeping every row 1.1 can hold.
--
-- What each step locks, held until the transaction commits:
--   step 1  ...

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.1'" to load this file. \quit

-- Step 1: ...

INSERT INTO megaforce.migration_log (from_version, to_version) VALUES ('1.2', '1.1');

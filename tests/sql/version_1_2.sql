-- Version 1.2: what it adds is tested in the suites of each feature
-- (runs_batch.sql, uuid_v7.sql, retention.sql, restore.sql, ...); this suite
-- checks the version itself.
BEGIN;
SELECT plan(2);
SELECT is((SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'megaforce'), '1.2',
          'a fresh install is at 1.2');
SELECT is((SELECT pg_catalog.count(*) FROM megaforce.migration_log
           WHERE from_version IS NULL AND to_version = '1.2'), 1::bigint,
          'a fresh install at 1.2 is one migration_log row (NULL -> 1.2)');
SELECT * FROM finish();
ROLLBACK;

-- The extension itself: version, schema, relocatability, install log row.
BEGIN;
SELECT plan(8);

SELECT has_extension('megaforce');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'megaforce'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'megaforce'),
          'installed at the control file''s default_version (head)');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'megaforce'),
          'megaforce', 'lives in schema megaforce');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'megaforce'), false,
          'is not relocatable');
SELECT is((SELECT count(*)::int FROM megaforce.migration_log WHERE from_version IS NULL), 1,
          'migration_log holds exactly one install row');
SELECT is((SELECT to_version FROM megaforce.migration_log ORDER BY id LIMIT 1),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'megaforce'),
          'a fresh install is one row, recording the version installed (head)');
SELECT is((SELECT applied_by FROM megaforce.migration_log ORDER BY id LIMIT 1), current_user::text,
          'the install row records who installed it');
SELECT throws_ok($$ALTER EXTENSION megaforce SET SCHEMA public$$, '0A000', NULL,
                 'the extension cannot be moved to another schema');

SELECT * FROM finish();
ROLLBACK;

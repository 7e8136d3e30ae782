-- Retention (SPEC §4 "Retention", issue 20): prune_runs() deletes the oldest
-- finished runs past the interval, keeps what documents and outputs point
-- at and every queued or running run, respects max_rows, refuses bad
-- arguments; the retention settings; who may prune.
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/sources.sql

-- Finished runs as they were (restore mode keeps the given state columns).
SET LOCAL megaforce.restoring = on;
INSERT INTO megaforce.runs (id, input_source_id, status, attempt, max_attempts, started_at, finished_at, lease_token)
VALUES
  ('a0000000-0000-0000-0000-000000000001', :srcA, 'succeeded', 1, 3, now() - interval '61 days', now() - interval '60 days', gen_random_uuid()),
  ('a0000000-0000-0000-0000-000000000002', :srcA, 'failed',    3, 3, now() - interval '51 days', now() - interval '50 days', gen_random_uuid()),
  ('a0000000-0000-0000-0000-000000000003', :srcA, 'succeeded', 1, 3, now() - interval '46 days', now() - interval '45 days', gen_random_uuid()),
  ('a0000000-0000-0000-0000-000000000004', :srcB, 'succeeded', 1, 1, now() - interval '56 days', now() - interval '55 days', gen_random_uuid()),
  ('a0000000-0000-0000-0000-000000000005', :srcB, 'succeeded', 1, 1, now() - interval '54 days', now() - interval '53 days', gen_random_uuid()),
  ('a0000000-0000-0000-0000-000000000007', :srcB, 'failed',    1, 1, now() - interval '11 days', now() - interval '10 days', gen_random_uuid()),
  ('a0000000-0000-0000-0000-000000000008', :srcA, 'succeeded', 1, 3, now() - interval '2 hours', now() - interval '1 hour', gen_random_uuid());
INSERT INTO megaforce.runs (id, input_source_id, status, attempt, max_attempts, finished_at, error)
VALUES ('a0000000-0000-0000-0000-000000000006', :srcC, 'cancelled', 0, 5, now() - interval '40 days', 'cancelled by x');
-- A queued run queued long ago, a running run started long ago.
INSERT INTO megaforce.runs (id, input_source_id, status, attempt, max_attempts, queued_at, created_at)
VALUES ('a0000000-0000-0000-0000-000000000009', :srcA, 'queued', 0, 3, now() - interval '1 year', now() - interval '1 year');
INSERT INTO megaforce.runs (id, input_source_id, status, attempt, max_attempts, started_at, lease_token, lease_expires_at, claimed_by)
VALUES ('a0000000-0000-0000-0000-00000000000a', :srcB, 'running', 1, 1, now() - interval '1 year', gen_random_uuid(),
        now() - interval '364 days', 'w');
SET LOCAL megaforce.restoring = off;
-- Provenance: a document points at run 4, an output at run 5.
INSERT INTO megaforce.documents (owner_id, kind, run_id, title, content)
VALUES (:owner, 'source_material', 'a0000000-0000-0000-0000-000000000004', 'Fetched', 'body');
SELECT megaforce.create_output(:owner, 'Generated', '{}', 'generic', 'a0000000-0000-0000-0000-000000000005');

CREATE TEMP VIEW left_runs AS
  SELECT array_agg(right(id::text, 1) ORDER BY id) AS ids FROM megaforce.runs WHERE id::text LIKE 'a0000000%';

-- Bad arguments: 22023.
SELECT throws_ok($$SELECT megaforce.prune_runs(interval '-1 day')$$, '22023', 'older_than must not be negative',
  'a negative interval is refused');
SELECT throws_ok($$SELECT megaforce.prune_runs(interval '1 month -31 days')$$, '22023', NULL,
  'an interval that is negative in total is refused');
SELECT throws_ok($$SELECT megaforce.prune_runs('30 days', 0)$$, '22023',
  'max_rows must lie between 1 and 100000, not 0', 'max_rows 0 is refused');
SELECT throws_ok($$SELECT megaforce.prune_runs('30 days', 100001)$$, '22023', NULL, 'max_rows 100001 is refused');
SELECT is(megaforce.prune_runs(NULL), NULL, 'STRICT: a null interval prunes nothing');
-- Intervals too long for 64-bit microseconds count as forever, not wrapped
-- around (7116800 months wrapped to about 18 days, 300000 years to negative).
SELECT is(megaforce.prune_runs(interval '7116800 months'), 0, 'an interval of 593066 years prunes nothing');
SELECT is(megaforce.prune_runs(interval '300000 years'), 0, 'an interval of 300000 years is not negative');

-- Oldest first, at most max_rows, referenced runs kept.
SELECT is(megaforce.prune_runs('30 days', 1), 1, 'max_rows 1: one run goes');
SELECT is((SELECT ids FROM left_runs), ARRAY['2', '3', '4', '5', '6', '7', '8', '9', 'a'],
  '... the oldest finished one (60 days)');
SELECT is(megaforce.prune_runs('30 days', 2), 2, 'max_rows 2: two more');
SELECT is((SELECT ids FROM left_runs), ARRAY['4', '5', '6', '7', '8', '9', 'a'],
  '... the next oldest unreferenced: the failed run (50 days), a succeeded one (45 days); runs 4 and 5 (55, 53 days) stay');
SELECT is(megaforce.prune_runs(), 1, 'the defaults (30 days, 10000): the cancelled run (40 days) goes');
SELECT is(megaforce.prune_runs(), 0, '... and nothing more');
SELECT is((SELECT ids FROM left_runs), ARRAY['4', '5', '7', '8', '9', 'a'],
  'the runs a document and an output reference stay, and the newer ones');
SELECT is(megaforce.prune_runs('5 days'), 1, '5 days: the failed run of 10 days ago goes');
SELECT is(megaforce.prune_runs('0'), 1, '0: every finished run goes (the one of an hour ago)');
SELECT is((SELECT ids FROM left_runs), ARRAY['4', '5', '9', 'a'],
  'queued and running runs are never pruned, however old; referenced runs stay');
SELECT is((SELECT count(*)::int FROM megaforce.approval_history), 1, 'history is never pruned');

-- Once the document and the output let go, their runs go too.
UPDATE megaforce.documents SET run_id = NULL;
UPDATE megaforce.output_schemas SET run_id = NULL;
SELECT is(megaforce.prune_runs('30 days'), 2, 'unreferenced now, runs 4 and 5 go');

-- The index a prune reads: one range of runs_finished_idx per status, in
-- finished_at order (no sort, no queued or running run in it).
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  plan text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP plan := plan || line || E'\n'; END LOOP;
  RETURN plan;
END $$;
SET LOCAL enable_seqscan = off;
SELECT ok(plan LIKE '%Index Scan using runs_finished_idx%' AND plan NOT LIKE '%Sort%',
  'the oldest succeeded runs are one ordered range of runs_finished_idx (no sort)')
FROM pg_temp.plan_of($$SELECT id FROM megaforce.runs WHERE status = 'succeeded' AND finished_at < now()
                       ORDER BY finished_at LIMIT 10$$) plan;
RESET enable_seqscan;

-- Settings: intervals, 0 keeps forever, superuser (or ALTER DATABASE) only.
SELECT is(current_setting('megaforce.run_retention'), '30 days', 'megaforce.run_retention defaults to 30 days');
SELECT is(current_setting('megaforce.failed_run_retention'), '90 days',
  'megaforce.failed_run_retention defaults to 90 days');
SELECT lives_ok($$SET LOCAL megaforce.run_retention = '1 min'$$, 'an interval is accepted');
SELECT lives_ok($$SET LOCAL megaforce.failed_run_retention = 'P2W'$$, 'an ISO 8601 interval too');
SELECT lives_ok($$SET LOCAL megaforce.run_retention = '0'$$, '0 (keep forever) too');
SELECT lives_ok($$SET LOCAL megaforce.run_retention = '300000 years'$$,
  'a retention too long for 64-bit microseconds is accepted (not wrapped to a negative one)');
SELECT throws_ok($$SET LOCAL megaforce.run_retention = '-1 day'$$, '22023', NULL, 'a negative retention is refused');
SELECT throws_ok($$SET LOCAL megaforce.failed_run_retention = 'soon'$$, '22023', NULL, 'a non-interval is refused');
SELECT is((SELECT context FROM pg_settings WHERE name = 'megaforce.run_retention'), 'superuser',
  'the retention settings are superuser (or ALTER DATABASE) settings');

-- Privileges: not PUBLIC, nor the application or worker role of docs/grants.sql.
SELECT ok(NOT has_function_privilege('public', 'megaforce.prune_runs(interval, integer)', 'EXECUTE'),
  'PUBLIC may not prune');
CREATE ROLE mf_probe_pruner;
GRANT USAGE ON SCHEMA megaforce TO mf_probe_pruner;
GRANT SELECT, DELETE ON megaforce.runs TO mf_probe_pruner;
GRANT SELECT ON megaforce.documents, megaforce.output_schemas TO mf_probe_pruner;
SET LOCAL ROLE mf_probe_pruner;
SELECT throws_ok($$SELECT megaforce.prune_runs()$$, '42501', NULL, 'a role without EXECUTE may not prune');
SELECT throws_ok($$SET megaforce.run_retention = '1 day'$$, '42501', NULL,
  'a role that is not superuser may not change the retention');
RESET ROLE;
GRANT EXECUTE ON FUNCTION megaforce.prune_runs(interval, integer) TO mf_probe_pruner;
SET LOCAL ROLE mf_probe_pruner;
SELECT lives_ok($$SELECT megaforce.prune_runs()$$, 'with EXECUTE (and DELETE on runs) it may');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

-- The batch calls (SPEC §4, release 1.2): enqueue_runs and complete_runs,
-- the rules of the single calls, each refusal with its SQLSTATE, and a stale
-- token in a batch that leaves that run alone while the others complete.
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/sources.sql

-- enqueue_runs ---------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM megaforce.enqueue_runs('{}'::uuid[])), 0, 'an empty array gives no rows');
SELECT * INTO TEMP e1 FROM megaforce.enqueue_runs(ARRAY[:srcB, :srcA, :srcB]::uuid[], :owner, 7);
SELECT is((SELECT count(*)::int FROM e1), 2, 'one row per distinct source');
SELECT results_eq($$SELECT input_source_id, status, priority, created_by, trigger FROM e1$$,
  format($$VALUES (%L::uuid, 'queued'::text, 7, %L::uuid, 'manual'::text), (%L::uuid, 'queued', 7, %L::uuid, 'manual')$$,
         :srcB, :owner, :srcA, :owner),
  'in array order: queued, with the priority, actor and trigger given');
SELECT is((SELECT max_attempts FROM e1 WHERE input_source_id = :srcB), 1, 'max_attempts from the source');
SELECT * INTO TEMP e2 FROM megaforce.enqueue_runs(ARRAY[:srcA, :srcC]::uuid[], NULL, 99);
SELECT results_eq($$SELECT id FROM e2 ORDER BY id$$,
  format($$SELECT id FROM (SELECT id FROM e1 WHERE input_source_id = %L
           UNION ALL SELECT id FROM megaforce.runs WHERE input_source_id = %L) s ORDER BY id$$, :srcA, :srcC),
  'a source with a queued run returns it; a new source gets a new run');
SELECT is((SELECT priority FROM megaforce.runs WHERE id = (SELECT id FROM e1 WHERE input_source_id = :srcA)), 7,
  '... and the queued run is unchanged');
SELECT is((SELECT count(*)::int FROM megaforce.runs WHERE status = 'queued'), 3, 'one queued run per source');

-- Refusals refuse the whole call: nothing is enqueued.
DELETE FROM megaforce.runs;
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[%L, %L]::uuid[])$$, :srcA, :nobody), 'P0002', NULL,
  'an unknown source refuses the call');
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[%L, %L]::uuid[])$$, :srcA, :srcOff), '55000', NULL,
  'an inactive source refuses the call');
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[%L]::uuid[], %L)$$, :srcA, :viewer), '42501', NULL,
  'a viewer actor refuses the call');
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[%L]::uuid[], %L)$$, :srcA, :inactive), '42501', NULL,
  'an inactive actor refuses the call');
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[%L]::uuid[], %L)$$, :srcA, :nobody), '42501', NULL,
  'an unknown actor refuses the call');
SELECT is((SELECT count(*)::int FROM megaforce.runs), 0, 'nothing was enqueued by the refused calls');
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[%L, NULL]::uuid[])$$, :srcA), '22023', NULL, 'a NULL element');
SELECT throws_ok($$SELECT megaforce.enqueue_runs(NULL)$$, '22023', NULL, 'a NULL array');
SELECT throws_ok($$SELECT megaforce.enqueue_runs(array_fill(gen_random_uuid(), ARRAY[10001]))$$, '22023', NULL,
  'more than 10,000 elements');
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[[%L]]::uuid[])$$, :srcA), '22023', NULL,
  'a two-dimensional array');
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[%L]::uuid[], NULL, 1001)$$, :srcA), '22023', NULL,
  'a priority out of range');
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[%L]::uuid[], NULL, 0, now(), 'cron')$$, :srcA), '22023', NULL,
  'a bad trigger');
SELECT throws_ok(format($$SELECT megaforce.enqueue_runs(ARRAY[%L]::uuid[], NULL, 0, 'infinity')$$, :srcA), '22023', NULL,
  'an infinite run_after');
SELECT is((SELECT count(*)::int FROM megaforce.enqueue_runs(array_fill(:srcA::uuid, ARRAY[10000]))), 1,
  '10,000 elements are allowed (one distinct source: one row)');

-- complete_runs --------------------------------------------------------------
DELETE FROM megaforce.runs;
SELECT count(*) FROM megaforce.enqueue_runs(ARRAY[:srcA, :srcB, :srcC]::uuid[]);
CREATE TEMP TABLE claimed AS SELECT * FROM megaforce.claim_runs('w1', 3);
SELECT is((SELECT count(*)::int FROM claimed), 3, 'three runs claimed');
SELECT is((SELECT count(*)::int FROM megaforce.complete_runs('{}'::uuid[], '{}'::uuid[])), 0, 'empty arrays: no rows');

-- A stale token (the run was reaped and claimed again) in the middle of a batch.
UPDATE megaforce.runs SET lease_expires_at = now() - interval '1 second' WHERE input_source_id = :srcC;
SELECT megaforce.reap_expired_runs();
CREATE TEMP TABLE reclaimed AS SELECT * FROM megaforce.claim_runs('w2', 1);
SELECT is((SELECT input_source_id FROM reclaimed), :srcC::uuid, 'the reaped run was claimed again');

SELECT * INTO TEMP done FROM megaforce.complete_runs(
  (SELECT array_agg(id ORDER BY input_source_id) FROM claimed),
  (SELECT array_agg(lease_token ORDER BY input_source_id) FROM claimed),
  ARRAY['{"n": 1}', NULL, '{"n": 3}']::jsonb[]);
SELECT results_eq($$SELECT input_source_id, status, result FROM done ORDER BY input_source_id$$,
  format($$VALUES (%L::uuid, 'succeeded'::text, '{"n": 1}'::jsonb), (%L::uuid, 'succeeded', '{}')$$, :srcA, :srcB),
  'the runs running under their token complete, with their results (a NULL result is {}); the stale one is not returned');
SELECT results_eq(format($$SELECT status, claimed_by, lease_token FROM megaforce.runs WHERE input_source_id = %L$$, :srcC),
  $$SELECT 'running'::text, 'w2'::text, lease_token FROM reclaimed$$,
  'the stale completion left the newer attempt untouched');
SELECT is((SELECT count(*)::int FROM megaforce.complete_runs(
  (SELECT array_agg(id) FROM claimed), (SELECT array_agg(lease_token) FROM claimed))), 0,
  'completing finished runs again completes nothing and refuses nothing');
SELECT is((SELECT count(*)::int FROM megaforce.complete_runs(ARRAY[gen_random_uuid()], ARRAY[gen_random_uuid()])), 0,
  'an unknown run is skipped');
-- Results default to {}; a run listed twice completes once.
SELECT * INTO TEMP twice FROM megaforce.complete_runs(
  (SELECT ARRAY[id, id] FROM reclaimed), (SELECT ARRAY[lease_token, lease_token] FROM reclaimed));
SELECT results_eq($$SELECT status, result FROM twice$$, $$VALUES ('succeeded'::text, '{}'::jsonb)$$,
  'a run listed twice completes once; results NULL means {} for every run');
-- As complete_run for each pair in array order: the first pair that holds
-- the lease completes the run, with its result; the later pairs are stale.
SELECT megaforce.enqueue_run(:srcA);
CREATE TEMP TABLE again AS SELECT * FROM megaforce.claim_runs('w3', 1);
SELECT * INTO TEMP twice_results FROM megaforce.complete_runs(
  (SELECT ARRAY[id, id, id, id] FROM again),
  (SELECT ARRAY[gen_random_uuid(), lease_token, lease_token, lease_token] FROM again),
  ARRAY['{"n": 0}', '{"n": 1}', '{"n": 2}', '{"n": 3}']::jsonb[]);
SELECT results_eq($$SELECT status, result FROM twice_results$$, $$VALUES ('succeeded'::text, '{"n": 1}'::jsonb)$$,
  'a run listed twice with different results keeps the result of its first pair that holds the lease');

SELECT throws_ok($$SELECT megaforce.complete_runs(ARRAY[gen_random_uuid()], '{}'::uuid[])$$, '22023', NULL,
  'arrays of different lengths');
SELECT throws_ok($$SELECT megaforce.complete_runs(ARRAY[gen_random_uuid()], ARRAY[gen_random_uuid()], '{}'::jsonb[])$$,
  '22023', NULL, 'results of a different length');
SELECT throws_ok($$SELECT megaforce.complete_runs(ARRAY[NULL]::uuid[], ARRAY[gen_random_uuid()])$$, '22023', NULL,
  'a NULL run id');
SELECT throws_ok($$SELECT megaforce.complete_runs(ARRAY[gen_random_uuid()], ARRAY[NULL]::uuid[])$$, '22023', NULL,
  'a NULL token');
SELECT throws_ok($$SELECT megaforce.complete_runs(NULL, ARRAY[gen_random_uuid()])$$, '22023', NULL, 'a NULL run_ids array');
SELECT throws_ok($$SELECT megaforce.complete_runs(ARRAY[gen_random_uuid()], NULL)$$, '22023', NULL, 'a NULL lease_tokens array');
SELECT throws_ok($$SELECT megaforce.complete_runs(array_fill(gen_random_uuid(), ARRAY[1001]), array_fill(gen_random_uuid(), ARRAY[1001]))$$,
  '22023', NULL, 'more than 1,000 elements');
SELECT is((SELECT count(*)::int FROM megaforce.complete_runs(array_fill(gen_random_uuid(), ARRAY[1000]),
  array_fill(gen_random_uuid(), ARRAY[1000]))), 0, '1,000 elements are allowed');

-- Each completed run sends its notification, from the run's own trigger.
SELECT is((SELECT count(*)::int FROM megaforce.runs WHERE status = 'succeeded' AND finished_at IS NOT NULL), 4,
  'the trigger kept finished_at for every completed run');

SELECT * FROM finish();
ROLLBACK;

-- The run queue (SPEC §4): every function, every refusal with its SQLSTATE,
-- ordering, serial runs per source, backoff, max attempts, the reaper.
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/sources.sql

-- enqueue_run
SELECT * INTO TEMP r1 FROM megaforce.enqueue_run(:srcA, :owner, 5);
SELECT results_eq($$SELECT status, attempt, max_attempts, priority, trigger, created_by, run_after <= now() FROM r1$$,
  $$VALUES ('queued'::text, 0, 3, 5, 'manual'::text, 'e0000000-0000-0000-0000-000000000001'::uuid, true)$$,
  'enqueue_run: queued, attempt 0, max_attempts from the source, priority, trigger, created_by, due now');
SELECT is((SELECT id FROM megaforce.enqueue_run(:srcA, NULL, 9, now() + interval '1 day', 'webhook')),
  (SELECT id FROM r1), 'a second enqueue returns the queued run');
SELECT results_eq($$SELECT priority, trigger FROM megaforce.runs WHERE id = (SELECT id FROM r1)$$,
  $$VALUES (5, 'manual'::text)$$, '... unchanged');
SELECT is((SELECT count(*)::int FROM megaforce.runs WHERE input_source_id = :srcA), 1, 'one queued run per source');
SELECT throws_ok(format($$INSERT INTO megaforce.runs (input_source_id) VALUES (%L)$$, :srcA), '23505', NULL,
  'the invariant holds for plain INSERTs too');
SELECT throws_ok(format($$SELECT megaforce.enqueue_run(%L)$$, :srcOff), '55000',
  format('input source %s is inactive', :srcOff), 'an inactive source is refused');
SELECT throws_ok(format($$INSERT INTO megaforce.runs (input_source_id) VALUES (%L)$$, :srcOff), '55000', NULL,
  'a plain INSERT for an inactive source is refused');
SELECT throws_ok(format($$SELECT megaforce.enqueue_run(%L)$$, :nobody), 'P0002', NULL, 'unknown source: P0002');
SELECT throws_ok(format($$SELECT megaforce.enqueue_run(%L, %L)$$, :srcB, :viewer), '42501', NULL, 'a viewer may not enqueue');
SELECT throws_ok(format($$SELECT megaforce.enqueue_run(%L, %L)$$, :srcB, :inactive), '42501', NULL, 'an inactive actor may not enqueue');
SELECT throws_ok(format($$SELECT megaforce.enqueue_run(%L, %L)$$, :srcB, :nobody), '42501', NULL, 'an unknown actor may not enqueue');
SELECT throws_ok(format($$SELECT megaforce.enqueue_run(%L, NULL, 0, now(), 'cron')$$, :srcB), '22023', NULL, 'a bad trigger');
SELECT throws_ok($$SELECT megaforce.enqueue_run(NULL)$$, '22023', NULL, 'a null source');
SELECT throws_ok(format($$SELECT megaforce.enqueue_run(%L, NULL, NULL)$$, :srcB), '22023', NULL, 'a null priority');
SELECT throws_ok(format($$SELECT megaforce.enqueue_run(%L, NULL, 0, 'infinity')$$, :srcB), '22023', NULL, 'an infinite run_after');
SELECT throws_ok(format($$INSERT INTO megaforce.runs (input_source_id, status) VALUES (%L, 'running')$$, :srcB),
  '55000', 'a new run starts as queued, not running', 'a plain INSERT must be queued');
INSERT INTO megaforce.runs (input_source_id, attempt, started_at, lease_token) VALUES (:srcB, 7, now(), gen_random_uuid());
SELECT results_eq(format($$SELECT attempt, started_at, lease_token, max_attempts FROM megaforce.runs WHERE input_source_id = %L$$, :srcB),
  $$VALUES (0, NULL::timestamptz, NULL::uuid, 1)$$, 'a plain INSERT: state columns are the trigger''s, max_attempts the source''s');
DELETE FROM megaforce.runs WHERE input_source_id = :srcB;

-- claim_runs: priority, then age; only due runs; lease; attempt.
DELETE FROM megaforce.runs;
SELECT megaforce.enqueue_run(:srcA, NULL, 1, now() - interval '3 minutes');
SELECT megaforce.enqueue_run(:srcB, NULL, 9, now() - interval '1 minute');
SELECT megaforce.enqueue_run(:srcC, NULL, 1, now() - interval '5 minutes');
SELECT results_eq($$SELECT input_source_id FROM megaforce.claim_runs('w1', 10)$$,
  format($$VALUES (%L::uuid), (%L::uuid), (%L::uuid)$$, :srcB, :srcC, :srcA),
  'claim_runs: highest priority first, then oldest run_after');
SELECT results_eq($$SELECT count(*)::int, count(DISTINCT lease_token)::int, min(attempt), bool_and(claimed_by = 'w1'),
                           bool_and(lease_expires_at = now() + interval '5 minutes'), bool_and(started_at = now())
                    FROM megaforce.runs$$,
  $$VALUES (3, 3, 1, true, true, true)$$, 'each claim: a fresh token, attempt 1, worker, 5-minute lease, started_at');
SELECT is((SELECT count(*)::int FROM megaforce.claim_runs('w2', 10)), 0, 'nothing left to claim');

DELETE FROM megaforce.runs;
SELECT megaforce.enqueue_run(:srcA, NULL, 0, now() + interval '1 hour');
SELECT is((SELECT count(*)::int FROM megaforce.claim_runs('w1')), 0, 'a run is not claimed before its run_after');
UPDATE megaforce.runs SET run_after = now() - interval '1 second';
SELECT is((SELECT count(*)::int FROM megaforce.claim_runs('w1', 1, '30 seconds')), 1, 'claimed once due');
SELECT is((SELECT lease_expires_at FROM megaforce.runs), now() + interval '30 seconds', 'the lease asked for');
SELECT megaforce.enqueue_run(:srcA);
SELECT is((SELECT count(*)::int FROM megaforce.claim_runs('w2', 5)), 0,
  'a source''s next run waits while one of its runs is running (serial per source)');
SELECT throws_ok($$SELECT megaforce.claim_runs('w', 0)$$, '22023', 'max_runs must be between 1 and 1000, not 0', 'max_runs < 1');
SELECT throws_ok($$SELECT megaforce.claim_runs('  ')$$, '22023', NULL, 'a blank worker');
SELECT throws_ok($$SELECT megaforce.claim_runs(NULL)$$, '22023', NULL, 'a null worker');
SELECT throws_ok($$SELECT megaforce.claim_runs('w', 1, '0 seconds')$$, '22023', NULL, 'a zero lease');
SELECT throws_ok($$SELECT megaforce.claim_runs('w', 1, '-1 minute')$$, '22023', NULL, 'a negative lease');

-- heartbeat, complete and the lease token.
SELECT id AS run, lease_token AS token FROM megaforce.runs WHERE status = 'running' \gset
SELECT is(megaforce.heartbeat_run(:'run', :'token', '10 minutes'), now() + interval '10 minutes', 'heartbeat extends the lease');
SELECT throws_ok(format($$SELECT megaforce.heartbeat_run(%L, gen_random_uuid())$$, :'run'), '42501', NULL,
  'heartbeat with a wrong token: 42501');
SELECT throws_ok(format($$SELECT megaforce.heartbeat_run(%L, %L, '0 s')$$, :'run', :'token'), '22023', NULL, 'heartbeat: a zero lease');
SELECT throws_ok(format($$SELECT megaforce.heartbeat_run(%L, %L)$$, :nobody, :'token'), 'P0002', NULL, 'heartbeat: unknown run');
SELECT throws_ok(format($$SELECT megaforce.complete_run(%L, gen_random_uuid())$$, :'run'), '42501', NULL,
  'complete with a wrong token: 42501, run untouched');
SELECT is((SELECT status FROM megaforce.runs WHERE id = :'run'), 'running', '... still running');
SELECT results_eq(format($$SELECT status, result, finished_at = now(), lease_token = %L FROM megaforce.complete_run(%L, %L, '{"n": 1}')$$,
    :'token', :'run', :'token'),
  $$VALUES ('succeeded'::text, '{"n": 1}'::jsonb, true, true)$$, 'complete_run: succeeded with result; the token stays');
SELECT throws_ok(format($$SELECT megaforce.complete_run(%L, %L)$$, :'run', :'token'), '55000',
  format('run %s is succeeded: the lease of this token is over', :'run'), 'using a finished run''s token again: 55000');
SELECT throws_ok(format($$SELECT megaforce.fail_run(%L, %L, 'late')$$, :'run', :'token'), '55000', NULL,
  'fail after complete: 55000');
SELECT throws_ok(format($$SELECT megaforce.complete_run(%L, %L)$$, :nobody, :'token'), 'P0002', NULL, 'complete: unknown run');

-- fail_run: backoff 30 s x 2^(attempt-1) while attempts remain, then failed.
DELETE FROM megaforce.runs WHERE input_source_id = :srcA AND status = 'queued';
SELECT megaforce.enqueue_run(:srcC);  -- max_attempts 5
CREATE FUNCTION pg_temp.claim_and_fail(src uuid, retry boolean DEFAULT true) RETURNS megaforce.runs LANGUAGE plpgsql AS $$
DECLARE r megaforce.runs;
BEGIN
  UPDATE megaforce.runs SET run_after = now() - interval '1 second' WHERE input_source_id = src AND status = 'queued';
  SELECT * INTO r FROM megaforce.claim_runs('w') WHERE input_source_id = src;
  SELECT * INTO r FROM megaforce.fail_run(r.id, r.lease_token, 'boom ' || r.attempt, retry);
  RETURN r;
END $$;
SELECT results_eq($$SELECT status, attempt, run_after - now(), error, lease_token IS NULL, claimed_by IS NULL
                    FROM pg_temp.claim_and_fail('30000000-0000-0000-0000-000000000003')$$,
  $$VALUES ('queued'::text, 1, interval '30 seconds', 'boom 1'::text, true, true)$$,
  'first failure: back to the queue in 30 s, token and worker cleared');
SELECT is((pg_temp.claim_and_fail(:srcC)).run_after - now(), interval '60 seconds', 'second failure: 60 s');
SELECT is((pg_temp.claim_and_fail(:srcC)).run_after - now(), interval '120 seconds', 'third failure: 120 s');
SELECT is((pg_temp.claim_and_fail(:srcC)).run_after - now(), interval '240 seconds', 'fourth failure: 240 s');
SELECT results_eq($$SELECT status, attempt, error FROM pg_temp.claim_and_fail('30000000-0000-0000-0000-000000000003')$$,
  $$VALUES ('failed'::text, 5, 'boom 5 (no attempts left: 5 of 5)'::text)$$, 'the last attempt fails for good');
SELECT megaforce.enqueue_run(:srcB);
SELECT is((pg_temp.claim_and_fail(:srcB, false)).status, 'failed', 'fail_run with retry = false fails at once');

-- A run going back to the queue while its source has a queued run fails instead.
DELETE FROM megaforce.runs WHERE input_source_id = :srcA;
SELECT megaforce.enqueue_run(:srcA);
SELECT id AS ra, lease_token AS ta FROM megaforce.claim_runs('w') \gset
SELECT megaforce.enqueue_run(:srcA);
SELECT results_eq(format($$SELECT status, error LIKE 'boom (not requeued: run %% is already queued for this source)'
                           FROM megaforce.fail_run(%L, %L, 'boom')$$, :'ra', :'ta'),
  $$VALUES ('failed'::text, true)$$, 'fail with a queued sibling: failed, with a note');
SELECT throws_ok(format($$SELECT megaforce.retry_run(%L, %L)$$, :'ra', :owner), '55000', NULL,
  'retry_run refused while the source has a queued run');

-- retry_run
DELETE FROM megaforce.runs WHERE input_source_id = :srcA AND status = 'queued';
SELECT results_eq(format($$SELECT status, attempt, trigger, result, run_after = now() FROM megaforce.retry_run(%L, %L)$$, :'ra', :owner),
  $$VALUES ('queued'::text, 0, 'retry'::text, '{}'::jsonb, true)$$, 'retry_run: queued, attempt 0, trigger retry, due now, result cleared');
SELECT throws_ok(format($$SELECT megaforce.retry_run(%L, %L)$$, :'ra', :owner), '55000',
  format('cannot retry run %s: status is queued, expected failed', :'ra'), 'retry of a queued run: 55000');
SELECT throws_ok(format($$SELECT megaforce.retry_run(%L, %L)$$, :nobody, :owner), 'P0002', NULL, 'retry: unknown run');

-- cancel_run
SELECT results_eq(format($$SELECT status, error, finished_at = now() FROM megaforce.cancel_run(%L, %L, 'not needed')$$, :'ra', :owner),
  format($$VALUES ('cancelled'::text, 'cancelled by %s: not needed'::text, true)$$, :owner), 'cancel a queued run, reason noted');
SELECT throws_ok(format($$SELECT megaforce.cancel_run(%L, %L)$$, :'ra', :owner), '55000', NULL, 'cancel a cancelled run: 55000');
SELECT megaforce.enqueue_run(:srcA);
SELECT id AS rc FROM megaforce.claim_runs('w') \gset
SELECT throws_ok(format($$SELECT megaforce.cancel_run(%L, %L)$$, :'rc', :viewer), '42501', NULL, 'a viewer may not cancel');
SELECT throws_ok(format($$SELECT megaforce.cancel_run(%L, %L)$$, :'rc', :inactive), '42501', NULL, 'an inactive actor may not cancel');
SELECT throws_ok(format($$SELECT megaforce.cancel_run(%L, NULL)$$, :'rc'), '42501', NULL, 'cancel needs an actor');
SELECT is((megaforce.cancel_run(:'rc', :owner)).error, 'cancelled by ' || :owner, 'cancel a running run');
SELECT throws_ok(format($$SELECT megaforce.cancel_run(%L, %L)$$, :nobody, :owner), 'P0002', NULL, 'cancel: unknown run');

-- reap_expired_runs
DELETE FROM megaforce.runs WHERE status IN ('queued');
SELECT megaforce.enqueue_run(:srcA);
SELECT id AS rr FROM megaforce.claim_runs('w9') \gset
SELECT is(megaforce.reap_expired_runs(), 0, 'nothing to reap while leases hold');
UPDATE megaforce.runs SET lease_expires_at = now() - interval '1 second' WHERE id = :'rr';
SELECT is(megaforce.reap_expired_runs(), 1, 'an expired lease is reaped');
SELECT results_eq(format($$SELECT status, run_after = now(), error LIKE 'lease expired at %% (worker w9)', lease_token IS NULL
                           FROM megaforce.runs WHERE id = %L$$, :'rr'),
  $$VALUES ('queued'::text, true, true, true)$$, 'reaped: back to the queue at once, no backoff, noted');
UPDATE megaforce.input_sources SET max_attempts = 1 WHERE id = :srcA;
UPDATE megaforce.runs SET max_attempts = 1 WHERE id = :'rr';
SELECT id AS rr2 FROM megaforce.claim_runs('w9') \gset
UPDATE megaforce.runs SET lease_expires_at = now() - interval '1 second' WHERE id = :'rr2';
SELECT is(megaforce.reap_expired_runs(), 1, 'reaped again');
SELECT is((SELECT status FROM megaforce.runs WHERE id = :'rr2'), 'failed', 'with no attempt left, a reaped run fails');

SELECT * FROM finish();
ROLLBACK;

-- Counters of finished runs (release 1.2): finished_runs_total() counts the
-- runs that reached each finished status, without scanning runs; the AFTER
-- UPDATE trigger advances them once per state change, also for plain UPDATEs;
-- a skipped update (a user BEFORE trigger returning NULL) counts nothing.
BEGIN;
SELECT plan(8);
\ir ../fixtures/sources.sql
CREATE TEMP TABLE before AS SELECT * FROM megaforce.finished_runs_total();
CREATE FUNCTION pg_temp.delta(s text) RETURNS bigint LANGUAGE sql AS $$
  SELECT t.total - b.total FROM megaforce.finished_runs_total() t JOIN before b USING (status) WHERE t.status = s $$;

SELECT is((SELECT array_agg(status ORDER BY status) FROM megaforce.finished_runs_total()),
  ARRAY['cancelled', 'failed', 'succeeded'], 'one counter per finished status');

SELECT count(*) FROM megaforce.enqueue_runs(ARRAY[:srcA, :srcB, :srcC]::uuid[]);
CREATE TEMP TABLE c AS SELECT * FROM megaforce.claim_runs('w', 3);
SELECT megaforce.heartbeat_run(id, lease_token) FROM c;
SELECT megaforce.complete_run(id, lease_token) FROM c WHERE input_source_id = :srcA;
SELECT megaforce.fail_run(id, lease_token, 'boom', false) FROM c WHERE input_source_id = :srcB;
SELECT megaforce.cancel_run(id, :owner) FROM c WHERE input_source_id = :srcC;
SELECT is(pg_temp.delta('succeeded'), 1::bigint, 'a completion counts as succeeded (heartbeats count nothing)');
SELECT is(pg_temp.delta('failed'), 1::bigint, 'a failure counts as failed');
SELECT is(pg_temp.delta('cancelled'), 1::bigint, 'a cancellation counts as cancelled');

-- A plain UPDATE is a state change like any other.
SELECT megaforce.retry_run(id, :owner) FROM c WHERE input_source_id = :srcB;
SELECT megaforce.claim_runs('w', 1);
UPDATE megaforce.runs SET status = 'succeeded' WHERE input_source_id = :srcB AND status = 'running';
SELECT is(pg_temp.delta('succeeded'), 2::bigint, 'a plain UPDATE to succeeded counts');

-- A user's BEFORE trigger that skips the update: nothing happened, nothing counts.
SELECT megaforce.enqueue_run(:srcA);
SELECT megaforce.claim_runs('w', 1);
CREATE FUNCTION pg_temp.skip() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER zz_skip BEFORE UPDATE ON megaforce.runs FOR EACH ROW EXECUTE FUNCTION pg_temp.skip();
UPDATE megaforce.runs SET status = 'succeeded' WHERE input_source_id = :srcA AND status = 'running';
SELECT is(pg_temp.delta('succeeded'), 2::bigint, 'an update a BEFORE trigger skipped counts nothing');
DROP TRIGGER zz_skip ON megaforce.runs;

-- A monitoring role needs nothing but EXECUTE on the function.
CREATE ROLE mf_counter_reader;
GRANT USAGE ON SCHEMA megaforce TO mf_counter_reader;
GRANT EXECUTE ON FUNCTION megaforce.finished_runs_total() TO mf_counter_reader;
SET LOCAL ROLE mf_counter_reader;
SELECT is((SELECT count(*)::int FROM megaforce.finished_runs_total()), 3, 'EXECUTE on the function is enough');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM pg_catalog.pg_class c WHERE c.relname LIKE 'runs_%_total'
           AND pg_catalog.has_sequence_privilege('public', c.oid, 'SELECT')), 0, 'PUBLIC cannot read the counters');

SELECT * FROM finish();
ROLLBACK;

-- Version 1.3: cheaper statements on runs. Its status and trigger CHECKs are
-- array literals, allowing exactly the values they allowed before; its AFTER
-- UPDATE trigger has no WHEN clause, so run_state_after() itself passes over
-- an update that keeps the status. The upgrade and downgrade paths are in
-- tests/upgrade (fresh = upgraded = restored, 1.3 -> 1.2 keeps every row).
BEGIN;
SELECT plan(21);
\ir ../fixtures/sources.sql

SELECT is((SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'megaforce'), '1.3',
          'a fresh install is at 1.3');
SELECT is((SELECT pg_catalog.count(*) FROM megaforce.migration_log
           WHERE from_version IS NULL AND to_version = '1.3'), 1::bigint,
          'a fresh install at 1.3 is one migration_log row (NULL -> 1.3)');

-- The constraints, as \d shows them.
SELECT is((SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
           WHERE conrelid = 'megaforce.runs'::regclass AND conname = 'runs_status_check'),
          'CHECK ((status = ANY (''{queued,running,succeeded,failed,cancelled}''::text[])))',
          'runs_status_check is one array literal of the five statuses');
SELECT is((SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint
           WHERE conrelid = 'megaforce.runs'::regclass AND conname = 'runs_trigger_check'),
          'CHECK ((trigger = ANY (''{manual,schedule,webhook,retry}''::text[])))',
          'runs_trigger_check is one array literal of the four triggers');
SELECT ok((SELECT pg_catalog.bool_and(convalidated) FROM pg_catalog.pg_constraint
           WHERE conrelid = 'megaforce.runs'::regclass AND contype = 'c'),
          'every CHECK of runs is validated');

-- The CHECKs alone (replica mode: the row triggers do not fire, CHECKs do):
-- every listed value is allowed, anything else refused with 23514.
SET LOCAL session_replication_role = replica;
CREATE FUNCTION pg_temp.run_row(status text, trigger text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO megaforce.runs (input_source_id, status, trigger, max_attempts)
  VALUES ('30000000-0000-0000-0000-000000000009', status, trigger, 3);
  RETURN 'stored';
END $$;
SELECT is(pg_temp.run_row(s, 'manual'), 'stored', 'status ' || s || ' passes runs_status_check')
  FROM pg_catalog.unnest(ARRAY['queued', 'running', 'succeeded', 'failed', 'cancelled']) s;
SELECT is(pg_temp.run_row('succeeded', t), 'stored', 'trigger ' || t || ' passes runs_trigger_check')
  FROM pg_catalog.unnest(ARRAY['manual', 'schedule', 'webhook', 'retry']) t;
SELECT throws_ok($$ SELECT pg_temp.run_row('paused', 'manual') $$, '23514',
  'new row for relation "runs" violates check constraint "runs_status_check"',
  'another status is refused by runs_status_check');
SELECT throws_ok($$ SELECT pg_temp.run_row('Queued', 'manual') $$, '23514', NULL,
  'the status list is case-sensitive');
SELECT throws_ok($$ SELECT pg_temp.run_row('queued', 'cron') $$, '23514',
  'new row for relation "runs" violates check constraint "runs_trigger_check"',
  'another trigger is refused by runs_trigger_check');
SELECT throws_ok($$ SELECT pg_temp.run_row(NULL, 'manual') $$, '23502', NULL,
  'a NULL status is still refused (NOT NULL)');
RESET session_replication_role;
DELETE FROM megaforce.runs WHERE input_source_id = :srcOff;

-- The AFTER UPDATE trigger: no WHEN clause; it still counts each state change
-- once, and nothing for an update that keeps the status.
SELECT is((SELECT tgqual FROM pg_catalog.pg_trigger
           WHERE tgrelid = 'megaforce.runs'::regclass AND tgname = 'runs_state_after_update'), NULL,
          'runs_state_after_update has no WHEN clause');
CREATE TEMP TABLE before AS SELECT * FROM megaforce.finished_runs_total();
CREATE FUNCTION pg_temp.delta(s text) RETURNS bigint LANGUAGE sql AS $$
  SELECT t.total - b.total FROM megaforce.finished_runs_total() t JOIN before b USING (status) WHERE t.status = s $$;
SELECT megaforce.enqueue_run(:srcA);
CREATE TEMP TABLE c AS SELECT * FROM megaforce.claim_runs('w', 1);
SELECT megaforce.complete_run(id, lease_token) FROM c;
UPDATE megaforce.runs SET error = 'an operator''s note', priority = 5 WHERE id = (SELECT id FROM c);
SELECT is(pg_temp.delta('succeeded'), 1::bigint,
          'a completion counts once; a later update of a succeeded run that keeps its status counts nothing');
SELECT is((SELECT error FROM megaforce.runs WHERE id = (SELECT id FROM c)), 'an operator''s note',
          'that update was written');

SELECT * FROM finish();
ROLLBACK;

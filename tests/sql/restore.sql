-- Restore mode (SPEC §8, issue 20): outside it, rows only a dump carries are
-- refused with a message that names megaforce and what to run; pre_restore()
-- lets the triggers keep rows as they were (constraints still checked);
-- post_restore() ends it and reports every problem it finds; who may call them.
-- (The round trip through pg_dump and pg_restore: tests/shell/dump_restore.sh.)
BEGIN;
SELECT * FROM no_plan();
SET LOCAL client_min_messages = warning;
\ir ../fixtures/sources.sql

-- Outside restore mode: the restore is named, with what to run.
SELECT throws_ok(format($$INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, started_at, finished_at)
                          VALUES (%L, 'succeeded', 1, 3, now() - interval '1 hour', now())$$, :srcA),
  '55000', 'megaforce: this looks like a restore of a megaforce database outside restore mode; run SELECT megaforce.pre_restore() before pg_restore and SELECT megaforce.post_restore() after it',
  'a finished run with its timestamps, outside restore mode: the restore message');
SELECT throws_ok(format($$INSERT INTO megaforce.output_schemas (owner_id, title, status, revision, submitted_at)
                          VALUES (%L, 'x', 'pending_review', 2, now())$$, :owner),
  '55000', 'megaforce: this looks like a restore of a megaforce database outside restore mode; run SELECT megaforce.pre_restore() before pg_restore and SELECT megaforce.post_restore() after it',
  'an output deep in the workflow, outside restore mode: the restore message');
SELECT throws_ok(format($$INSERT INTO megaforce.runs (input_source_id, status) VALUES (%L, 'running')$$, :srcA),
  '55000', 'a new run starts as queued, not running', 'a plain INSERT of a running run keeps its own message');

-- Who may switch restore mode: the database owner (or a superuser).
SELECT ok(NOT has_function_privilege('public', 'megaforce.pre_restore()', 'EXECUTE')
          AND NOT has_function_privilege('public', 'megaforce.post_restore()', 'EXECUTE'),
  'PUBLIC may not call pre_restore or post_restore');
CREATE ROLE mf_probe_not_owner;
GRANT USAGE ON SCHEMA megaforce TO mf_probe_not_owner;
GRANT EXECUTE ON FUNCTION megaforce.pre_restore(), megaforce.post_restore() TO mf_probe_not_owner;
SET LOCAL ROLE mf_probe_not_owner;
SELECT throws_ok($$SELECT megaforce.pre_restore()$$, '42501',
  'megaforce.pre_restore() is for the owner of the database', 'a role that does not own the database is refused');
SELECT throws_ok($$SET megaforce.restoring = on$$, '42501', NULL,
  'no session switches restore mode on by itself (SUSET)');
RESET ROLE;
SELECT is(current_setting('megaforce.restoring'), 'off', 'restore mode is off');

-- pre_restore(): for this database (pg_restore's sessions) and this session.
SELECT lives_ok($$SELECT megaforce.pre_restore()$$, 'pre_restore() as the database owner');
SELECT is(current_setting('megaforce.restoring'), 'on', '... restore mode is on in this session');
SELECT ok(EXISTS (SELECT FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                  WHERE d.datname = current_database() AND s.setrole = 0
                    AND 'megaforce.restoring=on' = ANY (s.setconfig)),
  '... and for the database (ALTER DATABASE ... SET)');

-- Rows as they were.
INSERT INTO megaforce.runs (id, input_source_id, status, trigger, attempt, max_attempts, claimed_by, lease_token,
                            queued_at, started_at, finished_at, result, created_at, updated_at)
VALUES ('b0000000-0000-0000-0000-000000000001', :srcA, 'succeeded', 'retry', 2, 3, 'w1',
        'c0000000-0000-0000-0000-000000000001', '2020-01-01', '2020-01-02', '2020-01-03', '{"n": 1}',
        '2020-01-01', '2020-01-03');
SELECT results_eq($$SELECT status, trigger, attempt, claimed_by, lease_token::text, started_at, finished_at, updated_at
                    FROM megaforce.runs WHERE id = 'b0000000-0000-0000-0000-000000000001'$$,
  $$VALUES ('succeeded'::text, 'retry'::text, 2, 'w1'::text, 'c0000000-0000-0000-0000-000000000001',
            '2020-01-02'::timestamptz, '2020-01-03'::timestamptz, '2020-01-03'::timestamptz)$$,
  'a restored run keeps its status and state columns');
INSERT INTO megaforce.output_schemas (id, owner_id, title, status, revision, submitted_at, created_at)
VALUES ('b0000000-0000-0000-0000-000000000002', :owner, 'Restored', 'pending_review', 2, '2020-01-02', '2020-01-01');
SELECT results_eq($$SELECT status, revision, submitted_at, created_at FROM megaforce.output_schemas
                    WHERE id = 'b0000000-0000-0000-0000-000000000002'$$,
  $$VALUES ('pending_review'::text, 2, '2020-01-02'::timestamptz, '2020-01-01'::timestamptz)$$,
  'a restored output keeps its status, revision and timestamps');
SELECT is((SELECT count(*)::int FROM megaforce.approval_history WHERE output_id = 'b0000000-0000-0000-0000-000000000002'),
  0, '... and writes no history of its own (the dump brings it)');
INSERT INTO megaforce.approval_history (id, output_id, from_status, to_status, actor_id, revision, created_at, row_hash)
OVERRIDING SYSTEM VALUE
VALUES (1000001, 'b0000000-0000-0000-0000-000000000002', NULL, 'draft', :owner, 1, '2020-01-01', '\x00'::bytea);
SELECT is((SELECT row_hash FROM megaforce.approval_history WHERE id = 1000001), '\x00'::bytea,
  'a restored history row keeps its row_hash (post_restore checks it)');
-- Constraints stay checked.
SELECT throws_ok(format($$INSERT INTO megaforce.runs (input_source_id, status, max_attempts) VALUES (%L, 'bogus', 1)$$,
                        :srcA), '23514', NULL, 'CHECK constraints stay checked');
SELECT throws_ok($$INSERT INTO megaforce.runs (input_source_id, status, max_attempts)
                   VALUES ('99999999-9999-9999-9999-999999999999', 'queued', 1)$$, '23503', NULL,
  'foreign keys stay checked');
-- A running run without its lease: restore takes it, post_restore reports it.
INSERT INTO megaforce.runs (id, input_source_id, status, attempt, max_attempts, started_at)
VALUES ('b0000000-0000-0000-0000-000000000003', :srcB, 'running', 1, 1, now());

-- post_restore(): mode off, then every problem.
SELECT * INTO TEMP problems FROM megaforce.post_restore();
SELECT is(current_setting('megaforce.restoring'), 'off', 'post_restore() ends restore mode in this session');
SELECT ok(NOT EXISTS (SELECT FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                      WHERE d.datname = current_database() AND 'megaforce.restoring=on' = ANY (s.setconfig)),
  '... and for the database');
SELECT set_eq($$SELECT table_name, row_id FROM problems$$,
  $$VALUES ('runs', 'b0000000-0000-0000-0000-000000000003'),
           ('approval_history', 'b0000000-0000-0000-0000-000000000002')$$,
  'post_restore() reports the run without its lease and the broken history chain, nothing else');
SELECT ok((SELECT bool_and(problem <> '') FROM problems), '... each with what is wrong');
SELECT throws_ok(format($$INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, started_at, finished_at)
                          VALUES (%L, 'succeeded', 1, 3, now() - interval '1 hour', now())$$, :srcC),
  '55000', NULL, 'after post_restore() the triggers check every row again');

SELECT * FROM finish();
ROLLBACK;

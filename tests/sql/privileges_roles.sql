-- The grants of docs/grants.sql are enough for an application role and a
-- worker role to use megaforce without superuser, and no more than that.
BEGIN;
SELECT * FROM no_plan();
\ir ../../docs/grants.sql
\ir ../fixtures/sources.sql

-- Application role: users, outputs, the workflow, enqueueing.
SET LOCAL ROLE megaforce_app;
SELECT megaforce.create_user('app.user@example.com', 'App User', 'editor', 'long enough') AS app_user \gset
SELECT megaforce.create_user('app.rev@example.com', 'Reviewer', 'reviewer') AS app_rev \gset
SELECT is(megaforce.authenticate('app.user@example.com', 'long enough'), :'app_user'::uuid, 'app: authenticate');
SELECT lives_ok(format($$SELECT megaforce.create_output(%L, 'Post', '{}')$$, :'app_user'), 'app: create_output');
SELECT id AS o FROM megaforce.output_schemas WHERE title = 'Post' \gset
SELECT is((megaforce.submit_output(:'o', :'app_user')).status, 'pending_review', 'app: submit_output');
SELECT is((megaforce.approve_output(:'o', :'app_rev')).status, 'approved', 'app: approve_output');
SELECT set_config('megaforce.actor_id', :'app_user', true);
SELECT lives_ok(format($$UPDATE megaforce.output_schemas SET status = 'published' WHERE id = %L$$, :'o'),
  'app: a plain UPDATE through the workflow trigger');
SELECT is((SELECT count(*)::int FROM megaforce.approval_history WHERE output_id = :'o'), 4, 'app: reads the history');
SELECT throws_ok($$SELECT password_hash FROM megaforce.users$$, '42501', NULL, 'app: password_hash is not readable');
SELECT throws_ok($$UPDATE megaforce.users SET password_hash = NULL$$, '42501', NULL, 'app: password_hash is not writable');
SELECT throws_ok($$DELETE FROM megaforce.output_schemas$$, '42501', NULL, 'app: outputs cannot be deleted');
SELECT throws_ok($$INSERT INTO megaforce.approval_history (output_id, to_status, actor_id, revision)
  SELECT id, 'draft', owner_id, 1 FROM megaforce.output_schemas LIMIT 1$$, '42501', NULL, 'app: history is not writable directly');
SELECT lives_ok(format($$SELECT 1 FROM megaforce.enqueue_run(%L, %L)$$, :srcA, :'app_user'), 'app: enqueue_run');
SELECT throws_ok($$SELECT megaforce.claim_runs('app')$$, '42501', NULL, 'app: may not claim runs');
SELECT is_empty(format('SELECT * FROM megaforce.verify_history(%L)', :'o'), 'app: verify_history');
RESET ROLE;

-- Worker role: claim, heartbeat, complete, fail, reap, schedule.
SET LOCAL ROLE megaforce_worker;
SELECT id AS run, lease_token AS token FROM megaforce.claim_runs('worker-1') \gset
SELECT isnt(:'run'::uuid, NULL, 'worker: claim_runs');
SELECT ok(megaforce.heartbeat_run(:'run', :'token') > now(), 'worker: heartbeat_run');
SELECT is((megaforce.fail_run(:'run', :'token', 'transient')).status, 'queued', 'worker: fail_run requeues');
UPDATE megaforce.runs SET run_after = now() WHERE id = :'run';
SELECT id AS run, lease_token AS token FROM megaforce.claim_runs('worker-1') \gset
SELECT is((megaforce.complete_run(:'run', :'token')).status, 'succeeded', 'worker: complete_run');
SELECT is(megaforce.reap_expired_runs(), 0, 'worker: reap_expired_runs');
SELECT is(megaforce.enqueue_due_runs(), 0, 'worker: enqueue_due_runs');
SELECT throws_ok($$SELECT * FROM megaforce.output_schemas$$, '42501', NULL, 'worker: outputs are not readable');
SELECT throws_ok($$SELECT email FROM megaforce.users$$, '42501', NULL, 'worker: users are not readable');
SELECT throws_ok($$SELECT megaforce.create_user('w@example.com', 'W')$$, '42501', NULL, 'worker: may not create users');
RESET ROLE;

-- The actor checks of the run functions read users as the caller: a role that
-- may cancel runs but not read users is refused, column grants are enough.
CREATE ROLE mf_probe_canceller;
GRANT USAGE ON SCHEMA megaforce TO mf_probe_canceller;
GRANT SELECT, UPDATE ON megaforce.runs TO mf_probe_canceller;
GRANT EXECUTE ON FUNCTION megaforce.cancel_run(uuid, uuid, text) TO mf_probe_canceller;
SELECT id AS probe_run FROM megaforce.enqueue_run(:srcC) \gset
SET LOCAL ROLE mf_probe_canceller;
SELECT throws_ok(format($$SELECT megaforce.cancel_run(%L, %L)$$, :'probe_run', :owner), '42501',
  'permission denied for table users', 'the actor check needs SELECT on users');
RESET ROLE;
GRANT SELECT (id, role, is_active) ON megaforce.users TO mf_probe_canceller;
SET LOCAL ROLE mf_probe_canceller;
SELECT is((megaforce.cancel_run(:'probe_run', :owner)).status, 'cancelled',
  'SELECT on the key and the columns read is enough');
RESET ROLE;

-- PUBLIC gets nothing but the CHECK helper and the key default.
SELECT is(array_agg(p.proname::text ORDER BY p.proname), ARRAY['is_valid_email', 'uuid_v7'],
  'the only megaforce functions executable by PUBLIC are is_valid_email (a CHECK) and uuid_v7 (a key default)')
FROM pg_proc p WHERE p.pronamespace = 'megaforce'::regnamespace
  AND has_function_privilege('public', p.oid, 'EXECUTE');
SELECT is((SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = 'megaforce'::regnamespace AND c.relkind IN ('r', 'S')
           AND (has_table_privilege('public', c.oid, 'SELECT') OR has_table_privilege('public', c.oid, 'INSERT')
                OR has_table_privilege('public', c.oid, 'UPDATE'))), 0, 'PUBLIC can read or write no table');

SELECT is((SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = 'megaforce'::regnamespace AND c.relkind IN ('r', 'S')
           AND (has_table_privilege('public', c.oid, 'DELETE') OR has_table_privilege('public', c.oid, 'TRUNCATE')
                OR has_table_privilege('public', c.oid, 'REFERENCES') OR has_table_privilege('public', c.oid, 'TRIGGER')
                OR CASE WHEN c.relkind = 'S' THEN has_sequence_privilege('public', c.oid, 'USAGE') ELSE false END)), 0,
          'PUBLIC has no other privilege on any table or sequence');
SELECT ok(NOT has_schema_privilege('public', 'megaforce', 'USAGE') AND NOT has_schema_privilege('public', 'megaforce', 'CREATE'),
          'PUBLIC may not even look into schema megaforce');
SELECT ok(NOT has_column_privilege('megaforce_app', 'megaforce.users', 'password_hash', 'SELECT')
          AND NOT has_column_privilege('megaforce_worker', 'megaforce.users', 'password_hash', 'SELECT'),
          'password_hash is readable by neither role');

-- SECURITY DEFINER only where the README says why; every function pins search_path.
SELECT is(array_agg(p.proname::text ORDER BY p.proname),
  ARRAY['authenticate', 'create_user', 'finished_runs_total', 'output_workflow_after', 'output_workflow_before',
        'post_restore', 'pre_restore', 'refuse_output_delete', 'run_state_before', 'set_history_row_hash',
        'set_password'],
  'the SECURITY DEFINER functions are exactly the documented ones')
FROM pg_proc p WHERE p.pronamespace = 'megaforce'::regnamespace AND p.prosecdef;
SELECT is(array_agg(p.proname::text ORDER BY p.proname), NULL,
  'every megaforce function sets search_path = pg_catalog, pg_temp (proconfig)')
FROM pg_proc p WHERE p.pronamespace = 'megaforce'::regnamespace AND p.prokind = 'f'
  AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false);

SELECT * FROM finish();
ROLLBACK;

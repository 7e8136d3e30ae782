-- Schema 1.0 (SPEC §2): keys, foreign keys, CHECK constraints, indexes,
-- triggers and the pg_dump registration of every table and sequence.
BEGIN;
SELECT * FROM no_plan();

-- Primary keys.
SELECT col_is_pk('megaforce'::name, t::name, 'id'::name, t || '.id is the primary key') FROM unnest(ARRAY['users', 'personas', 'input_sources', 'runs',
    'documents', 'output_schemas', 'approval_history', 'migration_log']) t;

-- Foreign keys: (table, column, referenced table).
SELECT fk_ok('megaforce'::name, tbl::name, col::name, 'megaforce'::name, ref::name, 'id'::name) FROM (VALUES
  ('personas', 'owner_id', 'users'),
  ('input_sources', 'owner_id', 'users'),
  ('input_sources', 'persona_id', 'personas'),
  ('runs', 'input_source_id', 'input_sources'),
  ('runs', 'created_by', 'users'),
  ('documents', 'owner_id', 'users'),
  ('documents', 'persona_id', 'personas'),
  ('documents', 'input_source_id', 'input_sources'),
  ('documents', 'run_id', 'runs'),
  ('output_schemas', 'owner_id', 'users'),
  ('output_schemas', 'run_id', 'runs'),
  ('output_schemas', 'persona_id', 'personas'),
  ('output_schemas', 'reviewed_by', 'users'),
  ('approval_history', 'output_id', 'output_schemas'),
  ('approval_history', 'actor_id', 'users')) f(tbl, col, ref);
SELECT is((SELECT confdeltype FROM pg_constraint WHERE conname = 'approval_history_output_id_fkey'),
          'r', 'approval_history.output_id is ON DELETE RESTRICT');

-- CHECK constraints.
SELECT has_check('megaforce'::name, t::name, t || ' has CHECK constraints')
FROM unnest(ARRAY['users', 'personas', 'input_sources', 'runs', 'documents', 'output_schemas',
    'approval_history']) t;
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE contype = 'c' AND conname = c
                  AND connamespace = 'megaforce'::regnamespace), 'CHECK ' || c)
FROM unnest(ARRAY['users_email_check', 'users_role_check', 'users_password_hash_check',
    'personas_voice_check', 'input_sources_kind_check', 'input_sources_trigger_check',
    'input_sources_schedule_check', 'input_sources_max_attempts_check', 'input_sources_config_check',
    'runs_status_check', 'runs_trigger_check', 'runs_attempt_check', 'runs_max_attempts_check',
    'documents_kind_check', 'documents_persona_required_check', 'documents_content_sha256_check',
    'output_schemas_status_check', 'output_schemas_revision_check',
    'approval_history_from_status_check', 'approval_history_to_status_check']) c;

-- Indexes, table by table.
SELECT indexes_are('megaforce', 'users', ARRAY['users_pkey', 'users_email_key']);
SELECT indexes_are('megaforce', 'personas', ARRAY['personas_pkey', 'personas_owner_id_name_key']);
SELECT indexes_are('megaforce', 'input_sources', ARRAY['input_sources_pkey', 'input_sources_owner_id_idx',
    'input_sources_persona_id_idx', 'input_sources_due_idx']);
SELECT indexes_are('megaforce', 'runs', ARRAY['runs_pkey', 'runs_one_queued_per_source',
    'runs_one_running_per_source', 'runs_claim_order_idx', 'runs_finished_idx']);
SELECT indexes_are('megaforce', 'documents', ARRAY['documents_pkey', 'documents_owner_id_idx',
    'documents_persona_id_idx', 'documents_input_source_id_idx', 'documents_run_id_idx',
    'documents_content_sha256_idx']);
SELECT indexes_are('megaforce', 'output_schemas', ARRAY['output_schemas_pkey', 'output_schemas_owner_id_idx',
    'output_schemas_run_id_idx', 'output_schemas_persona_id_idx', 'output_schemas_reviewed_by_idx',
    'output_schemas_status_idx']);
SELECT indexes_are('megaforce', 'approval_history', ARRAY['approval_history_pkey',
    'approval_history_output_id_idx', 'approval_history_actor_id_idx']);
SELECT indexes_are('megaforce', 'migration_log', ARRAY['migration_log_pkey']);
SELECT index_is_unique('megaforce', 'users', 'users_email_key');
SELECT has_index('megaforce', 'users', 'users_email_key', 'lower(email)');
SELECT index_is_unique('megaforce', 'personas', 'personas_owner_id_name_key');
SELECT index_is_unique('megaforce', 'runs', 'runs_one_queued_per_source');
SELECT index_is_unique('megaforce', 'runs', 'runs_one_running_per_source');

-- updated_at triggers.
SELECT trigger_is('megaforce'::name, t::name, (t || '_touch_updated_at')::name, 'megaforce'::name, 'touch_updated_at'::name)
FROM unnest(ARRAY['users', 'personas', 'input_sources', 'documents']) t;
SELECT trigger_is('megaforce', 'documents', 'documents_set_content_sha256', 'megaforce', 'set_content_sha256');

-- Every table and sequence is an extension configuration table: pg_dump keeps its rows.
SELECT set_eq(
  $$SELECT unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'megaforce'$$,
  ARRAY['megaforce.users', 'megaforce.personas', 'megaforce.input_sources', 'megaforce.runs',
        'megaforce.documents', 'megaforce.output_schemas', 'megaforce.approval_history',
        'megaforce.approval_history_id_seq', 'megaforce.migration_log', 'megaforce.migration_log_id_seq',
        'megaforce.runs_succeeded_total', 'megaforce.runs_failed_total', 'megaforce.runs_cancelled_total'],
  'every table and sequence is registered with pg_extension_config_dump');
SELECT set_eq(
  $$SELECT c.oid::regclass::text FROM pg_class c JOIN pg_depend d ON d.objid = c.oid
    WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'megaforce')
      AND d.deptype = 'e' AND c.relkind IN ('r', 'S')$$,
  $$SELECT unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'megaforce'$$,
  'no table or sequence of the extension is left out of pg_dump');

SELECT * FROM finish();
ROLLBACK;

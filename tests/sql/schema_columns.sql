-- Schema at head (SPEC §2; 1.1 adds approval_history.row_hash): every table, column, type, nullability and default.
BEGIN;
SELECT * FROM no_plan();

SELECT tables_are('megaforce', ARRAY['users', 'personas', 'input_sources', 'runs', 'documents',
    'output_schemas', 'approval_history', 'migration_log']);

-- (table, column, type, not null, default or null for none)
CREATE TEMP TABLE expected_columns (tbl text, col text, typ text, not_null boolean, dflt text);
INSERT INTO expected_columns VALUES
  ('users', 'id', 'uuid', true, 'megaforce.uuid_v7()'),
  ('users', 'email', 'text', true, NULL),
  ('users', 'display_name', 'text', false, NULL),
  ('users', 'role', 'text', true, '''editor''::text'),
  ('users', 'password_hash', 'text', false, NULL),
  ('users', 'is_active', 'boolean', true, 'true'),
  ('users', 'last_login_at', 'timestamp with time zone', false, NULL),
  ('users', 'created_at', 'timestamp with time zone', true, 'now()'),
  ('users', 'updated_at', 'timestamp with time zone', true, 'now()'),
  ('personas', 'id', 'uuid', true, 'megaforce.uuid_v7()'),
  ('personas', 'owner_id', 'uuid', true, NULL),
  ('personas', 'name', 'text', true, NULL),
  ('personas', 'description', 'text', false, NULL),
  ('personas', 'voice', 'jsonb', true, '''{}''::jsonb'),
  ('personas', 'is_active', 'boolean', true, 'true'),
  ('personas', 'created_at', 'timestamp with time zone', true, 'now()'),
  ('personas', 'updated_at', 'timestamp with time zone', true, 'now()'),
  ('input_sources', 'id', 'uuid', true, 'megaforce.uuid_v7()'),
  ('input_sources', 'owner_id', 'uuid', true, NULL),
  ('input_sources', 'persona_id', 'uuid', false, NULL),
  ('input_sources', 'name', 'text', true, NULL),
  ('input_sources', 'kind', 'text', true, NULL),
  ('input_sources', 'config', 'jsonb', true, '''{}''::jsonb'),
  ('input_sources', 'trigger', 'text', true, '''manual''::text'),
  ('input_sources', 'schedule', 'text', false, NULL),
  ('input_sources', 'timezone', 'text', true, '''UTC''::text'),
  ('input_sources', 'next_run_at', 'timestamp with time zone', false, NULL),
  ('input_sources', 'max_attempts', 'integer', true, '3'),
  ('input_sources', 'is_active', 'boolean', true, 'true'),
  ('input_sources', 'created_at', 'timestamp with time zone', true, 'now()'),
  ('input_sources', 'updated_at', 'timestamp with time zone', true, 'now()'),
  ('runs', 'id', 'uuid', true, 'megaforce.uuid_v7()'),
  ('runs', 'input_source_id', 'uuid', true, NULL),
  ('runs', 'status', 'text', true, '''queued''::text'),
  ('runs', 'trigger', 'text', true, '''manual''::text'),
  ('runs', 'attempt', 'integer', true, '0'),
  ('runs', 'max_attempts', 'integer', true, NULL),
  ('runs', 'priority', 'integer', true, '0'),
  ('runs', 'run_after', 'timestamp with time zone', true, 'now()'),
  ('runs', 'claimed_by', 'text', false, NULL),
  ('runs', 'lease_token', 'uuid', false, NULL),
  ('runs', 'lease_expires_at', 'timestamp with time zone', false, NULL),
  ('runs', 'queued_at', 'timestamp with time zone', true, 'now()'),
  ('runs', 'started_at', 'timestamp with time zone', false, NULL),
  ('runs', 'finished_at', 'timestamp with time zone', false, NULL),
  ('runs', 'error', 'text', false, NULL),
  ('runs', 'result', 'jsonb', true, '''{}''::jsonb'),
  ('runs', 'created_by', 'uuid', false, NULL),
  ('runs', 'created_at', 'timestamp with time zone', true, 'now()'),
  ('runs', 'updated_at', 'timestamp with time zone', true, 'now()'),
  ('documents', 'id', 'uuid', true, 'megaforce.uuid_v7()'),
  ('documents', 'owner_id', 'uuid', true, NULL),
  ('documents', 'kind', 'text', true, NULL),
  ('documents', 'persona_id', 'uuid', false, NULL),
  ('documents', 'input_source_id', 'uuid', false, NULL),
  ('documents', 'run_id', 'uuid', false, NULL),
  ('documents', 'title', 'text', false, NULL),
  ('documents', 'content', 'text', false, NULL),
  ('documents', 'source_url', 'text', false, NULL),
  ('documents', 'content_sha256', 'text', false, NULL),
  ('documents', 'metadata', 'jsonb', true, '''{}''::jsonb'),
  ('documents', 'created_at', 'timestamp with time zone', true, 'now()'),
  ('documents', 'updated_at', 'timestamp with time zone', true, 'now()'),
  ('output_schemas', 'id', 'uuid', true, 'megaforce.uuid_v7()'),
  ('output_schemas', 'owner_id', 'uuid', true, NULL),
  ('output_schemas', 'run_id', 'uuid', false, NULL),
  ('output_schemas', 'persona_id', 'uuid', false, NULL),
  ('output_schemas', 'title', 'text', true, NULL),
  ('output_schemas', 'schema_name', 'text', true, '''generic''::text'),
  ('output_schemas', 'content', 'jsonb', true, '''{}''::jsonb'),
  ('output_schemas', 'status', 'text', true, '''draft''::text'),
  ('output_schemas', 'revision', 'integer', true, '1'),
  ('output_schemas', 'submitted_at', 'timestamp with time zone', false, NULL),
  ('output_schemas', 'reviewed_by', 'uuid', false, NULL),
  ('output_schemas', 'reviewed_at', 'timestamp with time zone', false, NULL),
  ('output_schemas', 'published_at', 'timestamp with time zone', false, NULL),
  ('output_schemas', 'created_at', 'timestamp with time zone', true, 'now()'),
  ('output_schemas', 'updated_at', 'timestamp with time zone', true, 'now()'),
  ('approval_history', 'id', 'bigint', true, NULL),
  ('approval_history', 'output_id', 'uuid', true, NULL),
  ('approval_history', 'from_status', 'text', false, NULL),
  ('approval_history', 'to_status', 'text', true, NULL),
  ('approval_history', 'actor_id', 'uuid', true, NULL),
  ('approval_history', 'comment', 'text', false, NULL),
  ('approval_history', 'revision', 'integer', true, NULL),
  ('approval_history', 'created_at', 'timestamp with time zone', true, 'now()'),
  ('approval_history', 'row_hash', 'bytea', false, NULL),  -- from 1.1
  ('migration_log', 'id', 'bigint', true, NULL),
  ('migration_log', 'from_version', 'text', false, NULL),
  ('migration_log', 'to_version', 'text', true, NULL),
  ('migration_log', 'applied_at', 'timestamp with time zone', true, 'now()'),
  ('migration_log', 'applied_by', 'text', true, 'CURRENT_USER');

-- Exactly these columns, table by table.
SELECT columns_are('megaforce'::name, tbl::name, array_agg(col::name ORDER BY col))
FROM expected_columns GROUP BY tbl ORDER BY tbl;

SELECT col_type_is('megaforce'::name, tbl::name, col::name, typ, format('%s.%s is %s', tbl, col, typ)) FROM expected_columns ORDER BY tbl, col;
SELECT CASE WHEN not_null THEN col_not_null('megaforce'::name, tbl::name, col::name, format('%s.%s is NOT NULL', tbl, col))
            ELSE col_is_null('megaforce'::name, tbl::name, col::name, format('%s.%s is nullable', tbl, col)) END
FROM expected_columns ORDER BY tbl, col;
SELECT CASE WHEN dflt IS NULL THEN col_hasnt_default('megaforce'::name, tbl::name, col::name, format('%s.%s has no default', tbl, col))
            ELSE is(pg_get_expr(d.adbin, d.adrelid), dflt, format('%s.%s defaults to %s', tbl, col, dflt)) END
FROM expected_columns e
LEFT JOIN pg_attrdef d ON d.adrelid = format('megaforce.%I', e.tbl)::regclass
    AND d.adnum = (SELECT attnum FROM pg_attribute
                   WHERE attrelid = format('megaforce.%I', e.tbl)::regclass AND attname = e.col)
ORDER BY tbl, col;

-- The two append-only logs use identity keys.
SELECT is(attidentity, 'a', tbl || '.id is GENERATED ALWAYS AS IDENTITY')
FROM pg_attribute a, (VALUES ('approval_history'), ('migration_log')) t(tbl)
WHERE a.attrelid = format('megaforce.%I', t.tbl)::regclass AND a.attname = 'id';

SELECT * FROM finish();
ROLLBACK;

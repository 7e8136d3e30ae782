-- A bad row in each table is refused with a clear error, and nothing is written.
BEGIN;
SELECT * FROM no_plan();

INSERT INTO megaforce.users (id, email, display_name, role)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'ada@example.com', 'Ada', 'admin');
INSERT INTO megaforce.personas (id, owner_id, name)
VALUES ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000a1', 'Narrator');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind)
VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000a1', 'Feed', 'rss');

CREATE TEMP TABLE counts_before AS
SELECT 'users' t, count(*) n FROM megaforce.users UNION ALL
SELECT 'personas', count(*) FROM megaforce.personas UNION ALL
SELECT 'input_sources', count(*) FROM megaforce.input_sources UNION ALL
SELECT 'runs', count(*) FROM megaforce.runs UNION ALL
SELECT 'documents', count(*) FROM megaforce.documents UNION ALL
SELECT 'output_schemas', count(*) FROM megaforce.output_schemas UNION ALL
SELECT 'approval_history', count(*) FROM megaforce.approval_history;

-- users
SELECT throws_ok($$INSERT INTO megaforce.users (email) VALUES ('not-an-email')$$, '23514',
  'new row for relation "users" violates check constraint "users_email_check"', 'users: bad email');
SELECT throws_ok($$INSERT INTO megaforce.users (email) VALUES (' padded@example.com')$$, '23514', NULL,
  'users: untrimmed email');
SELECT throws_ok($$INSERT INTO megaforce.users (email) VALUES ('ADA@Example.COM')$$, '23505', NULL,
  'users: email unique case-insensitively');
SELECT throws_ok($$INSERT INTO megaforce.users (email, role) VALUES ('bob@example.com', 'owner')$$, '23514',
  'new row for relation "users" violates check constraint "users_role_check"', 'users: bad role');
SELECT throws_ok($$INSERT INTO megaforce.users (email, password_hash) VALUES ('bob@example.com', 'plaintext')$$,
  '23514', NULL, 'users: password_hash must be an argon2id PHC string');
SELECT throws_ok($$INSERT INTO megaforce.users (email) VALUES (NULL)$$, '23502', NULL, 'users: email required');

-- personas
SELECT throws_ok($$INSERT INTO megaforce.personas (owner_id, name)
  VALUES ('00000000-0000-0000-0000-0000000000ff', 'Ghost')$$, '23503', NULL, 'personas: unknown owner');
SELECT throws_ok($$INSERT INTO megaforce.personas (owner_id, name)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'NARRATOR')$$, '23505', NULL,
  'personas: name unique per owner, case-insensitively');
SELECT throws_ok($$INSERT INTO megaforce.personas (owner_id, name, voice)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'Other', '[1]')$$, '23514', NULL,
  'personas: voice must be a JSON object');

-- input_sources
SELECT throws_ok($$INSERT INTO megaforce.input_sources (owner_id, name, kind)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'X', 'ftp')$$, '23514',
  'new row for relation "input_sources" violates check constraint "input_sources_kind_check"',
  'input_sources: bad kind');
SELECT throws_ok($$INSERT INTO megaforce.input_sources (owner_id, name, kind, trigger)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'X', 'rss', 'schedule')$$, '23514', NULL,
  'input_sources: a scheduled source needs a schedule');
SELECT throws_ok($$INSERT INTO megaforce.input_sources (owner_id, name, kind, schedule)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'X', 'rss', '* * * * *')$$, '23514', NULL,
  'input_sources: a schedule only for scheduled sources');
SELECT throws_ok($$INSERT INTO megaforce.input_sources (owner_id, name, kind, max_attempts)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'X', 'rss', 0)$$, '23514', NULL,
  'input_sources: max_attempts at least 1');
SELECT throws_ok($$INSERT INTO megaforce.input_sources (owner_id, name, kind, max_attempts)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'X', 'rss', 101)$$, '23514', NULL,
  'input_sources: max_attempts at most 100');
SELECT throws_ok($$INSERT INTO megaforce.input_sources (owner_id, persona_id, name, kind)
  VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000ff', 'X', 'rss')$$,
  '23503', NULL, 'input_sources: unknown persona');

-- runs
SELECT throws_ok($$INSERT INTO megaforce.runs (input_source_id, max_attempts, status)
  VALUES ('00000000-0000-0000-0000-0000000000c1', 3, 'paused')$$, '55000', NULL, 'runs: a new run must be queued');
SELECT throws_ok($$INSERT INTO megaforce.runs (input_source_id, max_attempts, trigger)
  VALUES ('00000000-0000-0000-0000-0000000000c1', 3, 'cron')$$, '23514', NULL, 'runs: bad trigger');
SELECT throws_ok($$INSERT INTO megaforce.runs (input_source_id, max_attempts)
  VALUES ('00000000-0000-0000-0000-0000000000ff', 3)$$, '23503', NULL, 'runs: unknown source');

-- documents
SELECT throws_ok($$INSERT INTO megaforce.documents (owner_id, kind)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'essay')$$, '23514', NULL, 'documents: bad kind');
SELECT throws_ok($$INSERT INTO megaforce.documents (owner_id, kind)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'style_reference')$$, '23514',
  'new row for relation "documents" violates check constraint "documents_persona_required_check"',
  'documents: a style reference needs a persona');
SELECT throws_ok($$INSERT INTO megaforce.documents (owner_id, kind, content_sha256)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'source_material', 'abc')$$, '23514', NULL,
  'documents: content_sha256 must be 64 hex digits');
SELECT throws_ok($$INSERT INTO megaforce.documents (owner_id, kind)
  VALUES ('00000000-0000-0000-0000-0000000000ff', 'source_material')$$, '23503', NULL,
  'documents: unknown owner');

-- output_schemas
SELECT throws_ok($$INSERT INTO megaforce.output_schemas (owner_id, title, status)
  VALUES ('00000000-0000-0000-0000-0000000000a1', 'T', 'done')$$, NULL, NULL, 'output_schemas: bad status');
SELECT throws_ok($$INSERT INTO megaforce.output_schemas (owner_id, title)
  VALUES ('00000000-0000-0000-0000-0000000000ff', 'T')$$, NULL, NULL, 'output_schemas: unknown owner');

-- approval_history
SELECT throws_ok($$INSERT INTO megaforce.approval_history (output_id, to_status, actor_id, revision)
  VALUES ('00000000-0000-0000-0000-0000000000ff', 'draft', '00000000-0000-0000-0000-0000000000a1', 1)$$,
  '23503', NULL, 'approval_history: unknown output');
SELECT throws_ok($$INSERT INTO megaforce.approval_history (id, output_id, to_status, actor_id, revision)
  VALUES (1, '00000000-0000-0000-0000-0000000000ff', 'draft', '00000000-0000-0000-0000-0000000000a1', 1)$$,
  '428C9', NULL, 'approval_history: id is generated, never given');

-- migration_log
SELECT throws_ok($$INSERT INTO megaforce.migration_log (from_version) VALUES ('1.0')$$, '23502', NULL,
  'migration_log: to_version required');

-- Nothing was written by any of the refused statements.
SELECT results_eq(
  $$SELECT t, n FROM counts_before ORDER BY t$$,
  $$SELECT * FROM (
      SELECT 'users' t, count(*) n FROM megaforce.users UNION ALL
      SELECT 'personas', count(*) FROM megaforce.personas UNION ALL
      SELECT 'input_sources', count(*) FROM megaforce.input_sources UNION ALL
      SELECT 'runs', count(*) FROM megaforce.runs UNION ALL
      SELECT 'documents', count(*) FROM megaforce.documents UNION ALL
      SELECT 'output_schemas', count(*) FROM megaforce.output_schemas UNION ALL
      SELECT 'approval_history', count(*) FROM megaforce.approval_history) c ORDER BY t$$,
  'no refused row was written');

SELECT * FROM finish();
ROLLBACK;

-- approval_history is append-only; an output with history is never deleted.
BEGIN;
SELECT plan(13);
\ir ../fixtures/people.sql

SELECT pg_temp.output_in('approved') AS o \gset

SELECT throws_ok($$UPDATE megaforce.approval_history SET comment = 'rewritten'$$, '42501',
  'approval_history is append-only: rows cannot be updated', 'UPDATE of history is refused');
SELECT throws_ok($$DELETE FROM megaforce.approval_history$$, '42501',
  'approval_history is append-only: rows cannot be deleted', 'DELETE of history is refused');
SELECT throws_ok($$TRUNCATE megaforce.approval_history CASCADE$$, '42501',
  'approval_history is append-only: rows cannot be truncated', 'TRUNCATE of history is refused');

SET LOCAL session_replication_role = replica;
SELECT throws_ok($$UPDATE megaforce.approval_history SET comment = 'rewritten'$$, '42501', NULL,
  'UPDATE refused also with session_replication_role = replica');
SELECT throws_ok($$DELETE FROM megaforce.approval_history$$, '42501', NULL,
  'DELETE refused also in replica mode');
SELECT throws_ok($$TRUNCATE megaforce.approval_history CASCADE$$, '42501', NULL,
  'TRUNCATE refused also in replica mode');
SELECT throws_ok(format($$DELETE FROM megaforce.output_schemas WHERE id = %L$$, :'o'), '23503', NULL,
  'an output with history cannot be deleted, also in replica mode');
SET LOCAL session_replication_role = origin;

SELECT throws_ok(format($$DELETE FROM megaforce.output_schemas WHERE id = %L$$, :'o'), '23503',
  format('output %s has approval history and cannot be deleted', :'o'), 'delete of an output with history: 23503');
SELECT is((SELECT count(*)::int FROM megaforce.approval_history WHERE output_id = :'o'), 3, 'history intact');

-- Direct INSERTs are allowed (append-only).
SELECT lives_ok(format($$INSERT INTO megaforce.approval_history (output_id, from_status, to_status, actor_id, revision)
  VALUES (%L, 'approved', 'approved', %L, 4)$$, :'o', :admin), 'a direct INSERT into history is allowed');

SELECT is((SELECT tgenabled FROM pg_trigger WHERE tgname = 'approval_history_append_only'), 'A',
  'the append-only trigger is ENABLE ALWAYS');
SELECT is((SELECT tgenabled FROM pg_trigger WHERE tgname = 'approval_history_no_truncate'), 'A',
  'the truncate guard is ENABLE ALWAYS');
SELECT is((SELECT tgenabled FROM pg_trigger WHERE tgname = 'output_schemas_keep_history'), 'A',
  'the delete guard on outputs is ENABLE ALWAYS');

SELECT * FROM finish();
ROLLBACK;

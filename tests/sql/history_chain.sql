-- Version 1.1's tamper evidence (SPEC §3): row_hash on every history row, the
-- chain per output, verify_history() and each problem it reports.
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/people.sql

-- The expected hash of a row, recomputed from the stored previous row.
CREATE FUNCTION pg_temp.expected_hash(h megaforce.approval_history) RETURNS bytea LANGUAGE sql AS $$
  SELECT megaforce.history_row_hash(
           (SELECT p.row_hash FROM megaforce.approval_history p
            WHERE p.output_id = h.output_id AND p.id < h.id ORDER BY p.id DESC LIMIT 1),
           h.id, h.output_id, h.from_status, h.to_status, h.actor_id, h.comment, h.revision, h.created_at)
$$;

-- The canonical encoding, against the vector computed outside (tests/unit/history_chain_test.cpp).
SELECT is(encode(megaforce.history_row_hash(NULL, 1, '11111111-2222-3333-4444-555555555555', NULL, 'draft',
                 'e0000000-0000-0000-0000-000000000001', NULL, 1, '2025-11-24 00:00:00+00'), 'hex'),
          'dfcc3c23bfb7cdd14070b15bf0da2c8206e32762552496f08e62ffbf9256f6f7',
          'history_row_hash() matches the independently computed test vector');
SELECT is(encode(megaforce.history_row_hash(
                   decode('dfcc3c23bfb7cdd14070b15bf0da2c8206e32762552496f08e62ffbf9256f6f7', 'hex'),
                   2, '11111111-2222-3333-4444-555555555555', 'draft', 'pending_review',
                   'e0000000-0000-0000-0000-000000000001', 'ready ✓', 2, '2025-11-24 00:00:00.000001+00'), 'hex'),
          'ed4a5e79cebcf85ec3e2d122cef2ad6d457617104919b8b3ec17815ed71879e1',
          'the second link of the vector too');
SELECT throws_ok($$SELECT megaforce.history_row_hash('\x00'::bytea, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL)$$,
                 '22023', NULL, 'a previous hash that is not 32 bytes is a bad argument');
SELECT throws_ok($$SELECT megaforce.history_row_hash(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)$$,
                 '22023', NULL, 'a null id is a bad argument');

-- Every way history is written gets its link: creation, steps, edits.
SELECT pg_temp.output_in('published') AS pub \gset
SELECT pg_temp.output_in('changes_requested') AS cr \gset
SELECT set_config('megaforce.actor_id', :owner, true);
UPDATE megaforce.output_schemas SET title = 'edited' WHERE id = :'cr';
SELECT is((SELECT count(*)::int FROM megaforce.approval_history WHERE row_hash IS NULL), 0,
          'every history row has a row_hash');
SELECT is((SELECT count(*)::int FROM megaforce.approval_history h WHERE h.row_hash <> pg_temp.expected_hash(h)), 0,
          'every row_hash is the hash of its row after the previous row of its output');
SELECT is((SELECT count(*)::int FROM megaforce.approval_history h
           WHERE h.output_id = :'pub' AND h.from_status IS NULL
             AND h.row_hash = megaforce.history_row_hash(NULL, h.id, h.output_id, h.from_status, h.to_status,
                                                         h.actor_id, h.comment, h.revision, h.created_at)), 1,
          'a chain starts from no previous hash at the creation row');
SELECT is_empty('SELECT * FROM megaforce.verify_history()', 'verify_history() finds nothing wrong');
SELECT is_empty(format('SELECT * FROM megaforce.verify_history(%L)', :'pub'),
                'verify_history(output_id) finds nothing wrong');
SELECT throws_ok(format('SELECT * FROM megaforce.verify_history(%L)', :nobody), 'P0002', NULL,
                 'verify_history of an unknown output is P0002');

-- A direct INSERT is allowed (append-only) and gets its hash; a supplied one is replaced.
INSERT INTO megaforce.approval_history (output_id, from_status, to_status, actor_id, comment, revision, row_hash)
VALUES (:'cr', 'changes_requested', 'changes_requested', :owner, 'note by hand', 5, '\xdeadbeef');
SELECT is((SELECT row_hash = pg_temp.expected_hash(h) FROM megaforce.approval_history h
           WHERE comment = 'note by hand'), true, 'a direct INSERT gets its link; a supplied row_hash is replaced');
-- ... but a row by hand that skips the output's revision is reported as such.
SELECT results_eq(format($$SELECT history_id IS NOT NULL, problem FROM megaforce.verify_history(%L)$$, :'cr'),
  $$VALUES (true, 'output revision 4 is not its last history row''s revision 5')$$,
  'the output''s revision no longer matches its last row');

-- Tampering, with the append-only guard switched off by a superuser.
ALTER TABLE megaforce.approval_history DISABLE TRIGGER approval_history_append_only;

SELECT id AS submit_row FROM megaforce.approval_history
WHERE output_id = :'pub' AND to_status = 'pending_review' \gset
UPDATE megaforce.approval_history SET comment = 'forged' WHERE id = :submit_row;
SELECT results_eq(format('SELECT history_id, problem FROM megaforce.verify_history(%L)', :'pub'),
  format($$VALUES (%s::bigint, 'row_hash does not match the row and the previous row_hash')$$, :submit_row),
  'an altered row is reported, at that row');
-- Re-hashing the forged row moves the break to the next link, which cannot be hidden.
UPDATE megaforce.approval_history h SET row_hash = pg_temp.expected_hash(h) WHERE id = :submit_row;
SELECT results_eq(format('SELECT history_id > %s, problem FROM megaforce.verify_history(%L)', :submit_row, :'pub'),
  $$VALUES (true, 'row_hash does not match the row and the previous row_hash')$$,
  'a re-hashed forgery breaks the next link');
SELECT is((SELECT count(*)::int FROM megaforce.verify_history()), 2,
          'verify_history() of all outputs reports both damaged chains');

-- A deleted tail.
SELECT pg_temp.output_in('approved') AS appr \gset
DELETE FROM megaforce.approval_history
WHERE id = (SELECT max(id) FROM megaforce.approval_history WHERE output_id = :'appr');
SELECT results_eq(format('SELECT problem FROM megaforce.verify_history(%L)', :'appr'),
  $$VALUES ('output revision 3 is not its last history row''s revision 2 (history tail deleted)')$$,
  'a deleted tail is reported');

-- A deleted creation row.
SELECT pg_temp.output_in('pending_review') AS pend \gset
DELETE FROM megaforce.approval_history
WHERE id = (SELECT min(id) FROM megaforce.approval_history WHERE output_id = :'pend');
SELECT results_eq(format('SELECT problem FROM megaforce.verify_history(%L)', :'pend'),
  $$VALUES ('chain does not start with the creation row (from_status is draft, expected NULL)'),
           ('row_hash does not match the row and the previous row_hash')$$,
  'a chain without its creation row is reported');

-- A deleted row in the middle: a revision gap.
SELECT pg_temp.output_in('published') AS pub2 \gset
DELETE FROM megaforce.approval_history
WHERE output_id = :'pub2' AND to_status = 'approved';
SELECT results_eq(format('SELECT problem FROM megaforce.verify_history(%L)', :'pub2'),
  $$VALUES ('from_status approved does not follow the previous row''s to_status pending_review'),
           ('revision gap: revision 4 follows revision 2'),
           ('row_hash does not match the row and the previous row_hash')$$,
  'a deleted middle row is a revision gap');
ALTER TABLE megaforce.approval_history ENABLE ALWAYS TRIGGER approval_history_append_only;

-- Rows written with triggers off (replica mode): no hash, no history, no output.
SELECT pg_temp.output_in('draft') AS unhashed \gset
SET LOCAL session_replication_role = replica;
INSERT INTO megaforce.output_schemas (id, owner_id, title, content)
VALUES ('00000000-0000-0000-0000-0000000000a1', :owner, 'bare', '{}');
INSERT INTO megaforce.approval_history (output_id, from_status, to_status, actor_id, revision)
VALUES ('00000000-0000-0000-0000-0000000000a2', NULL, 'draft', :owner, 1);
INSERT INTO megaforce.approval_history (output_id, from_status, to_status, actor_id, revision)
VALUES (:'unhashed', 'draft', 'draft', :owner, 2);
SET LOCAL session_replication_role = origin;
SELECT results_eq($$SELECT history_id IS NULL, problem FROM megaforce.verify_history('00000000-0000-0000-0000-0000000000a1')$$,
  $$VALUES (true, 'output has no history rows')$$, 'an output without history is reported');
SELECT results_eq($$SELECT problem FROM megaforce.verify_history('00000000-0000-0000-0000-0000000000a2')$$,
  $$VALUES ('history rows of an output that does not exist')$$, 'history of a missing output is reported');
SELECT results_eq(format('SELECT problem FROM megaforce.verify_history(%L)', :'unhashed'),
  $$VALUES ('row_hash is missing'), ('output revision 1 is not its last history row''s revision 2')$$,
  'a row without row_hash is reported');

-- With the workflow's BEFORE trigger disabled nothing has checked the actor:
-- a step without one is refused by the AFTER trigger, which would have no
-- actor to record (issue 17: it read an empty std::optional).
SELECT pg_temp.output_in('draft') AS no_actor \gset
ALTER TABLE megaforce.output_schemas DISABLE TRIGGER output_schemas_workflow_before;
SET LOCAL megaforce.actor_id = '';
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET status = 'pending_review', revision = revision + 1
                          WHERE id = %L$$, :'no_actor'),
  '42501', NULL, 'with the BEFORE trigger disabled, a workflow step without an actor is refused');
SET LOCAL megaforce.actor_id = 'not a uuid';
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET status = 'pending_review', revision = revision + 1
                          WHERE id = %L$$, :'no_actor'),
  '42501', NULL, '... and so is one whose actor is not a uuid');
ALTER TABLE megaforce.output_schemas ENABLE TRIGGER output_schemas_workflow_before;
RESET megaforce.actor_id;

-- Privileges and declaration.
SELECT ok(NOT has_function_privilege('public', 'megaforce.verify_history(uuid)', 'EXECUTE'),
          'PUBLIC cannot run verify_history');
SELECT is((SELECT tgenabled FROM pg_trigger WHERE tgname = 'approval_history_row_hash'), 'O',
          'the hashing trigger fires in origin mode only (a replica-mode restore keeps dumped hashes)');
SELECT volatility_is('megaforce', 'history_row_hash',
                     ARRAY['bytea','bigint','uuid','text','text','uuid','text','integer','timestamp with time zone'], 'immutable',
                     'history_row_hash is IMMUTABLE');

SELECT * FROM finish();
ROLLBACK;

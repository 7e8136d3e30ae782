-- Edits of title/content, INSERT rules, the trigger's own columns (SPEC §3).
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/people.sql

-- Edits are recorded: from = to = current status, revision + 1.
SELECT pg_temp.output_in('draft') AS d \gset
SELECT set_config('megaforce.actor_id', :owner, true);
UPDATE megaforce.output_schemas SET title = 'Better title' WHERE id = :'d';
SELECT results_eq(format($$SELECT from_status, to_status, actor_id, revision FROM megaforce.approval_history
                           WHERE output_id = %L ORDER BY id DESC LIMIT 1$$, :'d'),
  $$VALUES ('draft'::text, 'draft'::text, 'e0000000-0000-0000-0000-000000000001'::uuid, 2)$$,
  'an edit of title writes one history row draft -> draft at the new revision');
UPDATE megaforce.output_schemas SET content = '{"v": 2}' WHERE id = :'d';
SELECT is((SELECT revision FROM megaforce.output_schemas WHERE id = :'d'), 3, 'an edit of content bumps revision');
UPDATE megaforce.output_schemas SET content = '{"v": 2}', title = 'Better title' WHERE id = :'d';
SELECT is((SELECT revision FROM megaforce.output_schemas WHERE id = :'d'), 3, 'writing the same values is not an edit');
UPDATE megaforce.output_schemas SET schema_name = 'blog', persona_id = NULL WHERE id = :'d';
SELECT is((SELECT revision FROM megaforce.output_schemas WHERE id = :'d'), 3,
  'schema_name, run_id, persona_id change freely without history');

-- One UPDATE that edits and changes status writes two rows, the edit first.
SELECT set_config('megaforce.comment', 'ready now', true);
UPDATE megaforce.output_schemas SET title = 'Final', status = 'pending_review' WHERE id = :'d';
SELECT set_config('megaforce.comment', '', true);
SELECT results_eq(format($$SELECT from_status, to_status, revision, comment FROM megaforce.approval_history
                           WHERE output_id = %L ORDER BY id DESC LIMIT 2$$, :'d'),
  $$VALUES ('draft'::text, 'pending_review'::text, 5, 'ready now'::text), ('draft', 'draft', 4, NULL)$$,
  'edit + status change: two rows, the edit first, the comment on the step');

-- Edits only in draft and changes_requested, by owner, editor or admin.
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET title = 'x' WHERE id = %L$$, :'d'), '55000',
  format('cannot edit output %s: status is pending_review, expected draft or changes_requested', :'d'),
  'no edit in pending_review');
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET content = '{}' WHERE id = %L$$,
  pg_temp.output_in('approved')), '55000', NULL, 'no edit in approved');
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET title = 'x' WHERE id = %L$$,
  pg_temp.output_in('published')), '55000', NULL, 'no edit in published');
SELECT pg_temp.output_in('changes_requested') AS cr \gset
SELECT set_config('megaforce.actor_id', :editor, true);
SELECT lives_ok(format($$UPDATE megaforce.output_schemas SET title = 'fixed' WHERE id = %L$$, :'cr'),
  'an editor may edit in changes_requested');
SELECT set_config('megaforce.actor_id', :reviewer, true);
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET title = 'x' WHERE id = %L$$, :'cr'), '42501', NULL,
  'a reviewer may not edit someone else''s output');
SELECT set_config('megaforce.actor_id', :viewer, true);
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET title = 'x' WHERE id = %L$$, :'cr'), '42501', NULL,
  'a viewer may not edit');
SELECT set_config('megaforce.actor_id', '', true);
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET title = 'x' WHERE id = %L$$, :'cr'), '42501', NULL,
  'an edit without an actor is refused');

-- The trigger's columns: direct writes are overridden; id and owner_id are fixed.
SELECT pg_temp.output_in('draft') AS t \gset
CREATE TEMP TABLE before_t AS SELECT * FROM megaforce.output_schemas WHERE id = :'t';
UPDATE megaforce.output_schemas SET revision = 42, created_at = '2000-01-01', submitted_at = '2000-01-01',
  reviewed_by = :admin, reviewed_at = '2000-01-01', published_at = '2000-01-01' WHERE id = :'t';
SELECT results_eq(format($$SELECT revision, created_at, submitted_at, reviewed_by, reviewed_at, published_at
                           FROM megaforce.output_schemas WHERE id = %L$$, :'t'),
  $$SELECT revision, created_at, submitted_at, reviewed_by, reviewed_at, published_at FROM before_t$$,
  'direct writes to revision, created_at and the workflow columns are overridden');
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET owner_id = %L WHERE id = %L$$, :editor, :'t'),
  '42501', NULL, 'owner_id cannot be changed');
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET id = gen_random_uuid() WHERE id = %L$$, :'t'),
  '42501', NULL, 'id cannot be changed');

-- INSERT: draft only, by an active non-viewer owner; the trigger owns the rest.
SELECT throws_ok(format($$INSERT INTO megaforce.output_schemas (owner_id, title, status) VALUES (%L, 'x', 'approved')$$,
  :owner), '55000', 'a new output starts as draft, not approved', 'INSERT must be draft');
SELECT throws_ok(format($$INSERT INTO megaforce.output_schemas (owner_id, title) VALUES (%L, 'x')$$, :viewer),
  '42501', NULL, 'INSERT by a viewer owner is refused');
SELECT throws_ok(format($$INSERT INTO megaforce.output_schemas (owner_id, title) VALUES (%L, 'x')$$, :inactive),
  '42501', NULL, 'INSERT by an inactive owner is refused');
INSERT INTO megaforce.output_schemas (owner_id, title, revision, created_at, submitted_at, reviewed_by, published_at)
VALUES (:owner, 'Forged', 7, '2000-01-01', '2000-01-01', :admin, '2000-01-01');
SELECT results_eq($$SELECT revision, created_at = now(), submitted_at, reviewed_by, published_at
                    FROM megaforce.output_schemas WHERE title = 'Forged'$$,
  $$VALUES (1, true, NULL::timestamptz, NULL::uuid, NULL::timestamptz)$$,
  'INSERT: revision, created_at and workflow columns are the trigger''s');
SELECT is((SELECT actor_id FROM megaforce.approval_history h JOIN megaforce.output_schemas o ON o.id = h.output_id
           WHERE o.title = 'Forged'), :owner::uuid, 'INSERT: the actor of the creation is the owner');

-- Rows far bigger than a memory block (not yet toasted when the BEFORE trigger
-- sees them) come through the trigger intact: its result lives in the
-- caller's memory (scripts/dev test runs the server with MALLOC_PERTURB_, so
-- a row read after it was freed would not survive).
-- Computed in the statement (a value read from a table would be a small
-- TOAST pointer).
CREATE FUNCTION pg_temp.big_content(seed int) RETURNS jsonb LANGUAGE sql AS
  $$SELECT jsonb_object_agg('k' || i, md5((i + seed)::text)) FROM generate_series(1, 5000) i$$;
SELECT id AS big FROM megaforce.create_output(:owner, 'Big', pg_temp.big_content(0)) \gset
SELECT ok((SELECT content = pg_temp.big_content(0) AND revision = 1 FROM megaforce.output_schemas WHERE id = :'big'),
  'a 200 kB output is created intact');
SELECT set_config('megaforce.actor_id', :owner, true);
UPDATE megaforce.output_schemas SET title = 'Big 2', content = pg_temp.big_content(1) WHERE id = :'big';
SELECT ok((SELECT content = pg_temp.big_content(1) AND title = 'Big 2' AND revision = 2
           FROM megaforce.output_schemas WHERE id = :'big'),
  'a 200 kB edit by plain UPDATE is stored intact');
-- Edit detection compares the stored bytes first (an untouched column keeps
-- its TOAST pointer), then the values: neither rewrite below is an edit.
UPDATE megaforce.output_schemas SET content = content, title = title WHERE id = :'big';
SELECT is((SELECT revision FROM megaforce.output_schemas WHERE id = :'big'), 2,
  'rewriting a 200 kB content with itself is not an edit');
UPDATE megaforce.output_schemas SET content = pg_temp.big_content(1) WHERE id = :'big';
SELECT is((SELECT revision FROM megaforce.output_schemas WHERE id = :'big'), 2,
  'an equal 200 kB content built anew (other bytes, same value) is not an edit');
SELECT ok((SELECT (megaforce.submit_output(:'big', :owner)).content = pg_temp.big_content(1)),
  'a transition of a 200 kB output returns it intact');
SELECT ok((SELECT content = pg_temp.big_content(1) AND status = 'pending_review' AND revision = 3
           FROM megaforce.output_schemas WHERE id = :'big'),
  'and stores it intact');

SELECT * FROM finish();
ROLLBACK;

-- Every legal transition of SPEC §3, through its named function, through
-- transition_output and through a plain UPDATE: status, revision, history,
-- workflow timestamps.
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/people.sql

-- (from, to, function, actor, comment)
CREATE TEMP TABLE legal (from_status text, to_status text, fn text, actor uuid, note text);
INSERT INTO legal VALUES
  ('draft', 'pending_review', 'submit_output', :owner, NULL),
  ('changes_requested', 'pending_review', 'submit_output', :editor, 'fixed'),
  ('pending_review', 'approved', 'approve_output', :reviewer, NULL),
  ('pending_review', 'changes_requested', 'request_changes', :reviewer, 'needs work'),
  ('pending_review', 'rejected', 'reject_output', :admin, 'off topic'),
  ('changes_requested', 'draft', 'reopen_output', :owner, NULL),
  ('rejected', 'draft', 'reopen_output', :admin, NULL),
  ('approved', 'published', 'publish_output', :editor, NULL),
  ('draft', 'archived', 'archive_output', :owner, NULL),
  ('pending_review', 'archived', 'archive_output', :admin, NULL),
  ('changes_requested', 'archived', 'archive_output', :owner, NULL),
  ('approved', 'archived', 'archive_output', :owner, NULL),
  ('rejected', 'archived', 'archive_output', :admin, NULL),
  ('published', 'archived', 'archive_output', :owner, 'retired');

SELECT is((SELECT count(*)::int FROM legal), (SELECT count(*)::int - 1 FROM megaforce.output_transitions()),
          'the suite covers every transition of output_transitions()');

-- 1. Through the named function.
CREATE FUNCTION pg_temp.check_step(via text, l legal) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  o uuid := pg_temp.output_in(l.from_status);
  before megaforce.output_schemas;
  after megaforce.output_schemas;
  h megaforce.approval_history;
  what text := format('%s -> %s via %s', l.from_status, l.to_status, via);
BEGIN
  SELECT * INTO before FROM megaforce.output_schemas WHERE id = o;
  IF via = 'function' THEN
    EXECUTE format('SELECT * FROM megaforce.%I($1, $2, $3)', l.fn) INTO after USING o, l.actor, l.note;
  ELSIF via = 'transition_output' THEN
    SELECT * INTO after FROM megaforce.transition_output(o, l.to_status, l.actor, l.note, before.revision);
  ELSE
    PERFORM set_config('megaforce.actor_id', l.actor::text, true);
    PERFORM set_config('megaforce.comment', coalesce(l.note, ''), true);
    UPDATE megaforce.output_schemas SET status = l.to_status WHERE id = o RETURNING * INTO after;
    PERFORM set_config('megaforce.actor_id', '', true);
    PERFORM set_config('megaforce.comment', '', true);
  END IF;
  RETURN NEXT is(after.status, l.to_status, what || ': returns the row in its new status');
  RETURN NEXT is(after.revision, before.revision + 1, what || ': revision + 1');
  SELECT * INTO h FROM megaforce.approval_history WHERE output_id = o ORDER BY id DESC LIMIT 1;
  RETURN NEXT ok(h.from_status = l.from_status AND h.to_status = l.to_status AND h.actor_id = l.actor
                 AND h.comment IS NOT DISTINCT FROM l.note AND h.revision = after.revision,
                 what || ': one history row with from, to, actor, comment, revision');
  RETURN NEXT is((SELECT count(*)::int FROM megaforce.approval_history WHERE output_id = o),
                 before.revision + 1, what || ': history rows = revision');
  RETURN NEXT is(after.submitted_at IS NOT NULL AND after.submitted_at = now(),
                 l.to_status = 'pending_review' OR before.submitted_at IS NOT NULL,
                 what || ': submitted_at follows submissions');
  RETURN NEXT is(after.reviewed_by, CASE WHEN l.to_status IN ('approved', 'changes_requested', 'rejected')
                                         THEN l.actor ELSE before.reviewed_by END,
                 what || ': reviewed_by is the latest reviewer');
  RETURN NEXT is(after.published_at IS NOT NULL, l.to_status = 'published' OR before.published_at IS NOT NULL,
                 what || ': published_at set by publication');
END $$;

SELECT pg_temp.check_step('function', l) FROM legal l;
SELECT pg_temp.check_step('transition_output', l) FROM legal l;
SELECT pg_temp.check_step('update', l) FROM legal l;

-- Creation: through create_output and through INSERT.
SELECT lives_ok($$SELECT megaforce.create_output('e0000000-0000-0000-0000-000000000001', 'New', '{}')$$,
                'create_output creates a draft');
SELECT results_eq($$SELECT status, revision, schema_name FROM megaforce.output_schemas WHERE title = 'New'$$,
                  $$VALUES ('draft'::text, 1, 'generic'::text)$$, 'create_output: draft, revision 1, schema generic');
SELECT results_eq($$SELECT h.from_status, h.to_status, h.actor_id, h.revision FROM megaforce.approval_history h
                    JOIN megaforce.output_schemas o ON o.id = h.output_id WHERE o.title = 'New'$$,
                  $$VALUES (NULL::text, 'draft'::text, 'e0000000-0000-0000-0000-000000000001'::uuid, 1)$$,
                  'creation writes the first history row (from null, revision 1, actor = owner)');
INSERT INTO megaforce.output_schemas (owner_id, title, schema_name) VALUES (:owner, 'Inserted', 'blog');
SELECT results_eq($$SELECT h.from_status, h.to_status, h.actor_id, h.revision FROM megaforce.approval_history h
                    JOIN megaforce.output_schemas o ON o.id = h.output_id WHERE o.title = 'Inserted'$$,
                  $$VALUES (NULL::text, 'draft'::text, 'e0000000-0000-0000-0000-000000000001'::uuid, 1)$$,
                  'a plain INSERT is the creation, recorded the same way');

-- Reopening clears nothing; submitted_at is the latest submission.
SELECT pg_temp.output_in('rejected') AS r \gset
SELECT megaforce.reopen_output(:'r', :owner);
SELECT ok(reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL AND submitted_at IS NOT NULL,
          'reopening keeps submitted_at, reviewed_by, reviewed_at')
FROM megaforce.output_schemas WHERE id = :'r';

-- The functions never leave megaforce.actor_id behind them.
SELECT is(current_setting('megaforce.actor_id'), '', 'no function leaves megaforce.actor_id set');
SELECT is(current_setting('megaforce.comment'), '', 'no function leaves megaforce.comment set');

-- A reviewer who owns an output may still submit it (owner), but not review it.
SELECT pg_temp.output_in('draft', :revowner) AS ro \gset
SELECT is((megaforce.submit_output(:'ro', :revowner)).status, 'pending_review', 'a reviewer-owner may submit');

SELECT * FROM finish();
ROLLBACK;

-- Every refusal of the approval workflow with its SQLSTATE (SPEC §3, §6),
-- and that a refused step writes nothing.
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/people.sql

CREATE TEMP TABLE statuses (s text);
INSERT INTO statuses VALUES ('draft'), ('pending_review'), ('changes_requested'), ('approved'),
  ('rejected'), ('published'), ('archived');

-- Every illegal (from, to) pair is 55000, through transition_output and a
-- plain UPDATE, even for an admin; nothing is written.
CREATE FUNCTION pg_temp.illegal(from_s text, to_s text, via text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  o uuid := pg_temp.output_in(from_s);
  rev int := (SELECT revision FROM megaforce.output_schemas WHERE id = o);
  state text;
BEGIN
  BEGIN
    IF via = 'function' THEN
      PERFORM megaforce.transition_output(o, to_s, 'a0000000-0000-0000-0000-000000000001', 'because');
    ELSE
      PERFORM set_config('megaforce.actor_id', 'a0000000-0000-0000-0000-000000000001', true);
      PERFORM set_config('megaforce.comment', 'because', true);
      UPDATE megaforce.output_schemas SET status = to_s WHERE id = o;
    END IF;
    state := 'no error';
  EXCEPTION WHEN OTHERS THEN
    state := SQLSTATE;
  END;
  PERFORM set_config('megaforce.actor_id', '', true);
  PERFORM set_config('megaforce.comment', '', true);
  RETURN is(state || '/' || (SELECT status || '/' || revision FROM megaforce.output_schemas WHERE id = o)
              || '/' || (SELECT count(*) FROM megaforce.approval_history WHERE output_id = o),
            '55000/' || from_s || '/' || rev || '/' || rev,
            format('%s -> %s via %s is illegal (55000) and writes nothing', from_s, to_s, via));
END $$;

SELECT pg_temp.illegal(f.s, t.s, via)
FROM statuses f, statuses t, (VALUES ('function'), ('update')) v(via)
WHERE NOT EXISTS (SELECT 1 FROM megaforce.output_transitions() x WHERE x.from_status = f.s AND x.to_status = t.s)
  AND (via = 'function' OR f.s <> t.s)
ORDER BY via, f.s, t.s;

-- A plain UPDATE that writes the status it already has changes nothing: no
-- step, no history, no revision.
SELECT set_config('megaforce.actor_id', :admin, true);
SELECT pg_temp.output_in('approved') AS same \gset
UPDATE megaforce.output_schemas SET status = 'approved' WHERE id = :'same';
SELECT is((SELECT revision FROM megaforce.output_schemas WHERE id = :'same'), 3,
  'UPDATE to the same status is not a step (revision unchanged)');
SELECT set_config('megaforce.actor_id', '', true);

-- The message names the output, the action and the expected state.
SELECT pg_temp.output_in('draft') AS d \gset
SELECT throws_ok(format($$SELECT megaforce.approve_output(%L, %L)$$, :'d', :reviewer), '55000',
  format('cannot approve output %s: status is draft, expected pending_review', :'d'),
  'illegal: message names output, action, current and expected status');
SELECT throws_ok(format($$SELECT megaforce.archive_output(%L, %L)$$, pg_temp.output_in('archived'), :owner),
  '55000', NULL, 'an archived output cannot be archived again');

-- Actors (42501).
SELECT pg_temp.output_in('pending_review') AS p \gset
SELECT throws_ok(format($$SELECT megaforce.approve_output(%L, %L)$$, :'p', :owner), '42501',
  format('actor %s owns output %s and may not approve it (four-eyes rule)', :owner, :'p'),
  'four-eyes: the owner may not approve');
SELECT throws_ok(format($$SELECT megaforce.request_changes(%L, %L, 'x')$$, :'p', :owner), '42501', NULL,
  'four-eyes: the owner may not request changes');
SELECT throws_ok(format($$SELECT megaforce.reject_output(%L, %L, 'x')$$, :'p', :owner), '42501', NULL,
  'four-eyes: the owner may not reject');
SELECT pg_temp.output_in('pending_review', :admin) AS pa \gset
SELECT throws_ok(format($$SELECT megaforce.approve_output(%L, %L)$$, :'pa', :admin), '42501', NULL,
  'four-eyes: an admin may not approve their own output');
SELECT pg_temp.output_in('pending_review', :revowner) AS pr \gset
SELECT throws_ok(format($$SELECT megaforce.approve_output(%L, %L)$$, :'pr', :revowner), '42501', NULL,
  'four-eyes: a reviewer may not approve their own output');
SELECT throws_ok(format($$SELECT megaforce.approve_output(%L, %L)$$, :'p', :editor), '42501',
  format('actor %s (editor) may not approve output %s', :editor, :'p'), 'an editor may not approve');
SELECT throws_ok(format($$SELECT megaforce.approve_output(%L, %L)$$, :'p', :viewer), '42501',
  format('actor %s is a viewer and may not change outputs', :viewer), 'a viewer may not approve');
SELECT throws_ok(format($$SELECT megaforce.approve_output(%L, %L)$$, :'p', :inactive), '42501',
  format('actor %s is inactive', :inactive), 'an inactive admin may not approve');
SELECT throws_ok(format($$SELECT megaforce.approve_output(%L, %L)$$, :'p', :nobody), '42501',
  format('actor %s is not a megaforce user', :nobody), 'an unknown actor is 42501, not P0002');
SELECT throws_ok(format($$SELECT megaforce.approve_output(%L, NULL)$$, :'p'), '42501', NULL,
  'a null actor is refused');
SELECT throws_ok(format($$SELECT megaforce.submit_output(%L, %L)$$, pg_temp.output_in('draft'), :reviewer),
  '42501', NULL, 'a reviewer may not submit someone else''s output');
SELECT throws_ok(format($$SELECT megaforce.publish_output(%L, %L)$$, pg_temp.output_in('approved'), :reviewer),
  '42501', NULL, 'a reviewer may not publish');
SELECT throws_ok(format($$SELECT megaforce.publish_output(%L, %L)$$, pg_temp.output_in('approved', :revowner), :revowner),
  '42501', NULL, 'owning an output does not allow publishing it');
SELECT throws_ok(format($$SELECT megaforce.reopen_output(%L, %L)$$, pg_temp.output_in('rejected'), :editor),
  '42501', NULL, 'an editor may not reopen someone else''s output');
SELECT throws_ok(format($$SELECT megaforce.archive_output(%L, %L)$$, pg_temp.output_in('draft'), :editor),
  '42501', NULL, 'an editor may not archive someone else''s output');
SELECT throws_ok(format($$SELECT megaforce.archive_output(%L, %L)$$, pg_temp.output_in('draft'), :viewer),
  '42501', NULL, 'a viewer may not archive');

-- Plain UPDATE: no actor, bad actor setting.
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET status = 'pending_review' WHERE id = %L$$,
  pg_temp.output_in('draft')), '42501', NULL, 'a plain UPDATE without megaforce.actor_id is refused');
SELECT set_config('megaforce.actor_id', 'not-a-uuid', true);
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET status = 'pending_review' WHERE id = %L$$,
  pg_temp.output_in('draft')), '42501', 'actor not-a-uuid is not a megaforce user',
  'a malformed megaforce.actor_id is refused with 42501');
SELECT set_config('megaforce.actor_id', :viewer, true);
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET status = 'archived' WHERE id = %L$$,
  pg_temp.output_in('draft')), '42501', NULL, 'a plain UPDATE by a viewer is refused');
SELECT set_config('megaforce.actor_id', '', true);

-- Comments (22023).
SELECT throws_ok(format($$SELECT megaforce.request_changes(%L, %L)$$, :'p', :reviewer), '22023',
  format('a comment is required to request changes on output %s', :'p'), 'request_changes needs a comment');
SELECT throws_ok(format($$SELECT megaforce.reject_output(%L, %L, '   ')$$, :'p', :reviewer), '22023', NULL,
  'a blank comment counts as missing');
SELECT throws_ok(format($$SELECT megaforce.transition_output(%L, 'rejected', %L, E'\t\n')$$, :'p', :reviewer),
  '22023', NULL, 'transition_output to rejected needs a comment');
SELECT set_config('megaforce.actor_id', :reviewer, true);
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET status = 'rejected' WHERE id = %L$$, :'p'),
  '22023', NULL, 'a plain UPDATE to rejected without megaforce.comment is refused');
SELECT set_config('megaforce.actor_id', '', true);

-- Unknown output, unknown status, nulls.
SELECT throws_ok(format($$SELECT megaforce.submit_output(%L, %L)$$, :nobody, :owner), 'P0002',
  format('output %s does not exist', :nobody), 'unknown output is P0002');
SELECT throws_ok(format($$SELECT megaforce.transition_output(%L, 'done', %L)$$, :'p', :admin), '22023',
  'unknown output status "done"', 'unknown target status is 22023');
SELECT throws_ok(format($$SELECT megaforce.transition_output(%L, NULL, %L)$$, :'p', :admin), '22023', NULL,
  'a null target status is 22023');
SELECT throws_ok(format($$SELECT megaforce.submit_output(NULL, %L)$$, :owner), '22023', NULL,
  'a null output id is 22023');
SELECT set_config('megaforce.actor_id', :admin, true);
SELECT throws_ok(format($$UPDATE megaforce.output_schemas SET status = 'bogus' WHERE id = %L$$, :'p'),
  '22023', NULL, 'a plain UPDATE to an unknown status is 22023');
SELECT set_config('megaforce.actor_id', '', true);
SELECT throws_ok($$SELECT megaforce.create_output(NULL, 'x', '{}')$$, '22023', NULL, 'create_output: null owner');
SELECT throws_ok(format($$SELECT megaforce.create_output(%L, NULL, '{}')$$, :owner), '22023', NULL,
  'create_output: null title');
SELECT throws_ok(format($$SELECT megaforce.create_output(%L, 't', NULL)$$, :owner), '22023', NULL,
  'create_output: null content');
SELECT throws_ok(format($$SELECT megaforce.create_output(%L, 't', '{}')$$, :viewer), '42501', NULL,
  'create_output: a viewer may not create');
SELECT throws_ok(format($$SELECT megaforce.create_output(%L, 't', '{}')$$, :inactive), '42501', NULL,
  'create_output: an inactive owner may not create');
SELECT throws_ok(format($$SELECT megaforce.create_output(%L, 't', '{}')$$, :nobody), '42501', NULL,
  'create_output: an unknown owner is refused');

-- Stale expected_revision (40001).
SELECT throws_ok(format($$SELECT megaforce.transition_output(%L, 'approved', %L, NULL, 1)$$, :'p', :reviewer),
  '40001', format('output %s was changed meanwhile: revision is 2, expected 1', :'p'),
  'a stale expected_revision is 40001');
SELECT is((megaforce.transition_output(:'p', 'approved', :reviewer, NULL, 2)).status, 'approved',
  'the current expected_revision is accepted');

-- Order of checks: P0002, 40001, 22023 (status), 55000, 42501, 22023 (comment).
SELECT throws_ok(format($$SELECT megaforce.transition_output(%L, 'bogus', %L, NULL, 99)$$, :nobody, :viewer),
  'P0002', NULL, 'order: unknown output before everything');
SELECT pg_temp.output_in('draft') AS o2 \gset
SELECT throws_ok(format($$SELECT megaforce.transition_output(%L, 'bogus', %L, NULL, 99)$$, :'o2', :viewer),
  '40001', NULL, 'order: stale revision before unknown status');
SELECT throws_ok(format($$SELECT megaforce.transition_output(%L, 'bogus', %L)$$, :'o2', :viewer),
  '22023', NULL, 'order: unknown status before actor');
SELECT throws_ok(format($$SELECT megaforce.transition_output(%L, 'approved', %L)$$, :'o2', :viewer),
  '55000', NULL, 'order: illegal transition before actor');
SELECT throws_ok(format($$SELECT megaforce.transition_output(%L, 'archived', %L)$$, :'o2', :viewer),
  '42501', NULL, 'order: actor before comment');
SELECT pg_temp.output_in('pending_review') AS o3 \gset
SELECT throws_ok(format($$SELECT megaforce.reject_output(%L, %L)$$, :'o3', :owner),
  '42501', NULL, 'order: four-eyes before missing comment');

-- Nothing refused was written: every output's revision equals its history count
-- and its status equals its last history row.
SELECT is((SELECT count(*)::int FROM megaforce.output_schemas o
           WHERE o.revision <> (SELECT count(*) FROM megaforce.approval_history h WHERE h.output_id = o.id)
              OR o.status <> (SELECT h.to_status FROM megaforce.approval_history h WHERE h.output_id = o.id
                              ORDER BY h.id DESC LIMIT 1)), 0,
  'after every refusal, status and revision agree with the history');

SELECT * FROM finish();
ROLLBACK;

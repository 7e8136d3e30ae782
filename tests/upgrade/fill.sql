-- Realistic rows in every table, written through the 1.0 API (which every
-- later version keeps): users of every role, personas, sources of every
-- trigger, runs in every status, documents of both kinds, outputs in every
-- status with their history. Run with psql -v ON_ERROR_STOP=1 against a
-- database at any released version. Ids are fixed where tests look them up.
\set ON_ERROR_STOP 1
SET megaforce.notify = off;

SELECT megaforce.create_user('admin@example.com', 'Ada Admin', 'admin') AS admin \gset
SELECT megaforce.create_user('Editor@Example.com', 'Eddie Editor', 'editor') AS editor \gset
SELECT megaforce.create_user('reviewer@example.com', 'Rita Reviewer', 'reviewer') AS reviewer \gset
SELECT megaforce.create_user('viewer@example.com', NULL, 'viewer') AS viewer \gset
SELECT megaforce.set_password(:'editor', 'correct horse battery staple');
UPDATE megaforce.users SET is_active = false, email = 'deleted-1@invalid', display_name = NULL
WHERE id = (SELECT megaforce.create_user('leaver@example.com', 'Leaver', 'editor'));

INSERT INTO megaforce.personas (id, owner_id, name, description, voice) VALUES
  ('20000000-0000-0000-0000-000000000001', :'editor', 'Tech Writer', 'Explains clearly',
   '{"tone": "friendly", "audience": "developers", "style_rules": ["short sentences"]}'),
  ('20000000-0000-0000-0000-000000000002', :'editor', 'Marketer', NULL, '{}');

INSERT INTO megaforce.input_sources (id, owner_id, persona_id, name, kind, config, trigger, schedule, timezone, max_attempts)
SELECT ('30000000-0000-0000-0000-0000000000' || lpad(n::text, 2, '0'))::uuid, :'editor',
       '20000000-0000-0000-0000-000000000001', 'Source ' || n,
       (ARRAY['rss', 'url', 'upload', 'manual', 'webhook'])[1 + n % 5],
       jsonb_build_object('url', 'https://example.com/feed/' || n),
       (ARRAY['manual', 'schedule', 'webhook'])[1 + n % 3],
       CASE WHEN n % 3 = 1 THEN (ARRAY['0 9 * * MON-FRI', '*/15 * * * *', '30 2 1 * *'])[1 + n % 3] END,
       (ARRAY['UTC', 'Europe/Berlin', 'America/New_York'])[1 + n % 3],
       1 + n % 4
FROM generate_series(1, 12) n;

-- Runs in every status: one per source, each source's run taken to a
-- different end; retries and a still-running lease among them.
DO $runs$
DECLARE
  src uuid;
  run megaforce.runs;
  n int := 0;
BEGIN
  FOR src IN SELECT id FROM megaforce.input_sources ORDER BY id LOOP
    n := n + 1;
    PERFORM megaforce.enqueue_run(src, NULL, n % 3);
  END LOOP;
  -- claim them all, then settle each by its position
  FOR run IN SELECT * FROM megaforce.claim_runs('filler', 100, '1 hour') LOOP
    CASE (SELECT count(*) FROM megaforce.runs r WHERE r.input_source_id < run.input_source_id) % 6
      WHEN 0 THEN PERFORM megaforce.complete_run(run.id, run.lease_token, '{"items": 3, "ok": true}');
      WHEN 1 THEN PERFORM megaforce.fail_run(run.id, run.lease_token, 'feed returned 503', false);
      WHEN 2 THEN PERFORM megaforce.fail_run(run.id, run.lease_token, 'timeout', true);   -- back to queued
      WHEN 3 THEN PERFORM megaforce.cancel_run(run.id, (SELECT id FROM megaforce.users WHERE role = 'admin'), 'not needed');
      WHEN 4 THEN NULL;                                                                  -- stays running
      ELSE PERFORM megaforce.complete_run(run.id, run.lease_token, NULL);
    END CASE;
  END LOOP;
END
$runs$;

INSERT INTO megaforce.documents (owner_id, kind, persona_id, input_source_id, run_id, title, content, source_url, metadata)
SELECT :'editor', 'source_material', NULL, r.input_source_id, r.id, 'Fetched ' || r.id, 'Body of ' || r.id,
       'https://example.com/a/' || r.id, '{"lang": "en"}'
FROM megaforce.runs r WHERE r.status = 'succeeded';
INSERT INTO megaforce.documents (owner_id, kind, persona_id, title, content, metadata) VALUES
  (:'editor', 'style_reference', '20000000-0000-0000-0000-000000000001', 'House style',
   'Write plainly. Ünïcødé too.', '{}'),
  (:'editor', 'source_material', NULL, 'Upload without stored content', NULL, '{"bytes": 1024}');

-- Outputs in every status, with every kind of history step, comments and edits.
DO $outputs$
DECLARE
  ed uuid := (SELECT id FROM megaforce.users WHERE lower(email) = 'editor@example.com');
  rv uuid := (SELECT id FROM megaforce.users WHERE email = 'reviewer@example.com');
  ad uuid := (SELECT id FROM megaforce.users WHERE email = 'admin@example.com');
  run uuid := (SELECT id FROM megaforce.runs WHERE status = 'succeeded' ORDER BY id LIMIT 1);
  o uuid;
  wanted text;
  round int;
BEGIN
  FOR round IN 1..3 LOOP
    FOREACH wanted IN ARRAY ARRAY['draft', 'pending_review', 'changes_requested', 'approved', 'rejected',
                                  'published', 'archived'] LOOP
      o := (megaforce.create_output(ed, format('%s post %s', wanted, round),
                                    jsonb_build_object('body', 'Hello ' || round, 'tags', jsonb_build_array(wanted)),
                                    'blog', run, '20000000-0000-0000-0000-000000000001')).id;
      PERFORM set_config('megaforce.actor_id', ed::text, true);
      UPDATE megaforce.output_schemas SET title = title || ' (edited)' WHERE id = o;
      CONTINUE WHEN wanted = 'draft';
      IF wanted = 'archived' THEN PERFORM megaforce.archive_output(o, ed, 'obsolete'); CONTINUE; END IF;
      PERFORM megaforce.submit_output(o, ed);
      CONTINUE WHEN wanted = 'pending_review';
      IF wanted = 'changes_requested' THEN
        PERFORM megaforce.request_changes(o, rv, 'tighten the intro');
        CONTINUE;
      END IF;
      IF wanted = 'rejected' THEN PERFORM megaforce.reject_output(o, rv, 'off topic'); CONTINUE; END IF;
      PERFORM megaforce.request_changes(o, rv, 'one more pass');
      PERFORM megaforce.submit_output(o, ed, 'done');
      PERFORM megaforce.approve_output(o, rv);
      CONTINUE WHEN wanted = 'approved';
      PERFORM megaforce.publish_output(o, ad);
    END LOOP;
  END LOOP;
END
$outputs$;

-- Bad input, table-driven (issue 9): every function, NULLs, empty and huge
-- strings, wrong JSON types, malformed cron, bad time zones, out-of-range
-- numbers and intervals, unknown ids, bad settings. Each case gets its SQLSTATE
-- of SPEC §6 with a message that is not an internal error, and nothing is
-- half-written: every table has the same rows afterwards.
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/people.sql
INSERT INTO megaforce.input_sources (id, owner_id, name, kind, trigger, schedule) VALUES
  ('30000000-0000-0000-0000-000000000001', :owner, 'Feed', 'rss', 'manual', NULL),
  ('30000000-0000-0000-0000-000000000002', :owner, 'Timed', 'rss', 'schedule', '0 9 * * *');
SELECT pg_temp.output_in('draft') AS draft \gset
SELECT pg_temp.output_in('pending_review') AS pending \gset
SELECT id AS run, lease_token AS token FROM megaforce.enqueue_run('30000000-0000-0000-0000-000000000001') \gset
SELECT id AS run, lease_token AS token FROM megaforce.claim_runs('w1', 1, '1 hour') \gset
\set src '''30000000-0000-0000-0000-000000000001'''
\set huge '''repeat(''x'', 1000000)'''

CREATE TEMP TABLE bad_input (n serial, what text, sql text, sqlstate text);
INSERT INTO bad_input (what, sql, sqlstate) VALUES
-- users
('create_user: NULL email', $$SELECT megaforce.create_user(NULL, 'N')$$, '22023'),
('create_user: empty email', $$SELECT megaforce.create_user('', 'N')$$, '22023'),
('create_user: blank email', $$SELECT megaforce.create_user('   ', 'N')$$, '22023'),
('create_user: no @', $$SELECT megaforce.create_user('nobody.example.com', 'N')$$, '22023'),
('create_user: two @', $$SELECT megaforce.create_user('a@b@example.com', 'N')$$, '22023'),
('create_user: no domain', $$SELECT megaforce.create_user('a@', 'N')$$, '22023'),
('create_user: huge email', $$SELECT megaforce.create_user(repeat('x', 1000000) || '@example.com', 'N')$$, '22023'),
('create_user: 255-character email', $$SELECT megaforce.create_user(repeat('x', 243) || '@example.com', 'N')$$, '22023'),
('create_user: control character', $$SELECT megaforce.create_user(E'a\nb@example.com', 'N')$$, '22023'),
('create_user: unknown role', $$SELECT megaforce.create_user('r@example.com', 'N', 'owner')$$, '22023'),
('create_user: NULL role', $$SELECT megaforce.create_user('r@example.com', 'N', NULL)$$, '22023'),
('create_user: empty role', $$SELECT megaforce.create_user('r@example.com', 'N', '')$$, '22023'),
('create_user: duplicate email, other case', $$SELECT megaforce.create_user('OWNER@example.com', 'N')$$, '23505'),
('create_user: short password', $$SELECT megaforce.create_user('p@example.com', 'N', 'editor', 'short')$$, '22023'),
('create_user: empty password', $$SELECT megaforce.create_user('p@example.com', 'N', 'editor', '')$$, '22023'),
('set_password: NULL user', $$SELECT megaforce.set_password(NULL, 'long enough password')$$, '22023'),
('set_password: NULL password', $$SELECT megaforce.set_password('e0000000-0000-0000-0000-000000000001', NULL)$$, '22023'),
('set_password: unknown user', $$SELECT megaforce.set_password('99999999-9999-9999-9999-999999999999', 'long enough password')$$, 'P0002'),
('set_password: too short', $$SELECT megaforce.set_password('e0000000-0000-0000-0000-000000000001', 'abc')$$, '22023'),
('set_password: huge', $$SELECT megaforce.set_password('e0000000-0000-0000-0000-000000000001', repeat('x', 1000000))$$, '22023'),
('set_password: NULL both', $$SELECT megaforce.set_password(NULL, NULL)$$, '22023'),
('users: bad role by INSERT', $$INSERT INTO megaforce.users (email, role) VALUES ('i@example.com', 'root')$$, '23514'),
('users: bad email by INSERT', $$INSERT INTO megaforce.users (email) VALUES ('not an email')$$, '23514'),
('users: NULL email by INSERT', $$INSERT INTO megaforce.users (email) VALUES (NULL)$$, '23502'),
-- workflow
('create_output: NULL owner', $$SELECT megaforce.create_output(NULL, 'T', '{}')$$, '22023'),
('create_output: NULL title', $$SELECT megaforce.create_output('e0000000-0000-0000-0000-000000000001', NULL, '{}')$$, '22023'),
('create_output: NULL content', $$SELECT megaforce.create_output('e0000000-0000-0000-0000-000000000001', 'T', NULL)$$, '22023'),
('create_output: NULL schema_name', $$SELECT megaforce.create_output('e0000000-0000-0000-0000-000000000001', 'T', '{}', NULL)$$, '22023'),
('create_output: unknown owner', $$SELECT megaforce.create_output('99999999-9999-9999-9999-999999999999', 'T', '{}')$$, '42501'),
('create_output: inactive owner', $$SELECT megaforce.create_output('d0000000-0000-0000-0000-000000000001', 'T', '{}')$$, '42501'),
('create_output: viewer owner', $$SELECT megaforce.create_output('f0000000-0000-0000-0000-000000000001', 'T', '{}')$$, '42501'),
('create_output: unknown run', $$SELECT megaforce.create_output('e0000000-0000-0000-0000-000000000001', 'T', '{}', 'generic', '99999999-9999-9999-9999-999999999999')$$, '23503'),
('create_output: unknown persona', $$SELECT megaforce.create_output('e0000000-0000-0000-0000-000000000001', 'T', '{}', 'generic', NULL, '99999999-9999-9999-9999-999999999999')$$, '23503'),
('submit_output: NULL output', $$SELECT megaforce.submit_output(NULL, 'e0000000-0000-0000-0000-000000000001')$$, '22023'),
('submit_output: NULL actor', format($$SELECT megaforce.submit_output(%L, NULL)$$, :'draft'), '42501'),
('submit_output: unknown output', $$SELECT megaforce.submit_output('99999999-9999-9999-9999-999999999999', 'e0000000-0000-0000-0000-000000000001')$$, 'P0002'),
('submit_output: unknown actor', format($$SELECT megaforce.submit_output(%L, '99999999-9999-9999-9999-999999999999')$$, :'draft'), '42501'),
('submit_output: inactive actor', format($$SELECT megaforce.submit_output(%L, %L)$$, :'draft', :inactive), '42501'),
('submit_output: viewer', format($$SELECT megaforce.submit_output(%L, %L)$$, :'draft', :viewer), '42501'),
('submit_output: already pending', format($$SELECT megaforce.submit_output(%L, %L)$$, :'pending', :owner), '55000'),
('approve_output: a draft', format($$SELECT megaforce.approve_output(%L, %L)$$, :'draft', :reviewer), '55000'),
('approve_output: by the owner (four eyes)', format($$SELECT megaforce.approve_output(%L, %L)$$, :'pending', :owner), '42501'),
('approve_output: by an editor', format($$SELECT megaforce.approve_output(%L, %L)$$, :'pending', :editor), '42501'),
('approve_output: NULL actor', format($$SELECT megaforce.approve_output(%L, NULL)$$, :'pending'), '42501'),
('request_changes: no comment', format($$SELECT megaforce.request_changes(%L, %L)$$, :'pending', :reviewer), '22023'),
('request_changes: blank comment', format($$SELECT megaforce.request_changes(%L, %L, '   ')$$, :'pending', :reviewer), '22023'),
('reject_output: no comment', format($$SELECT megaforce.reject_output(%L, %L)$$, :'pending', :reviewer), '22023'),
('reject_output: empty comment', format($$SELECT megaforce.reject_output(%L, %L, '')$$, :'pending', :reviewer), '22023'),
('reopen_output: a draft', format($$SELECT megaforce.reopen_output(%L, %L)$$, :'draft', :owner), '55000'),
('publish_output: a draft', format($$SELECT megaforce.publish_output(%L, %L)$$, :'draft', :admin), '55000'),
('archive_output: unknown output', $$SELECT megaforce.archive_output('99999999-9999-9999-9999-999999999999', 'a0000000-0000-0000-0000-000000000001')$$, 'P0002'),
('transition_output: unknown status', format($$SELECT megaforce.transition_output(%L, 'done', %L)$$, :'draft', :owner), '22023'),
('transition_output: NULL status', format($$SELECT megaforce.transition_output(%L, NULL, %L)$$, :'draft', :owner), '22023'),
('transition_output: empty status', format($$SELECT megaforce.transition_output(%L, '', %L)$$, :'draft', :owner), '22023'),
('transition_output: status in capitals', format($$SELECT megaforce.transition_output(%L, 'PUBLISHED', %L)$$, :'draft', :owner), '22023'),
('transition_output: to the same status', format($$SELECT megaforce.transition_output(%L, 'draft', %L)$$, :'draft', :owner), '55000'),
('transition_output: draft to published', format($$SELECT megaforce.transition_output(%L, 'published', %L)$$, :'draft', :admin), '55000'),
('transition_output: stale revision', format($$SELECT megaforce.transition_output(%L, 'pending_review', %L, NULL, 99)$$, :'draft', :owner), '40001'),
('transition_output: negative revision', format($$SELECT megaforce.transition_output(%L, 'pending_review', %L, NULL, -1)$$, :'draft', :owner), '40001'),
('transition_output: unknown output before anything', $$SELECT megaforce.transition_output('99999999-9999-9999-9999-999999999999', 'nonsense', NULL)$$, 'P0002'),
('UPDATE status without an actor', format($$UPDATE megaforce.output_schemas SET status = 'pending_review' WHERE id = %L$$, :'draft'), '42501'),
('UPDATE status with a malformed actor GUC', format($$SELECT set_config('megaforce.actor_id', 'not-a-uuid', true); UPDATE megaforce.output_schemas SET status = 'pending_review' WHERE id = %L$$, :'draft'), '42501'),
('UPDATE status to an unknown value', format($$SELECT set_config('megaforce.actor_id', %L, true); UPDATE megaforce.output_schemas SET status = 'done' WHERE id = %L$$, :owner, :'draft'), '22023'),
('UPDATE the title of a pending output', format($$SELECT set_config('megaforce.actor_id', %L, true); UPDATE megaforce.output_schemas SET title = 'x' WHERE id = %L$$, :owner, :'pending'), '55000'),
('INSERT an output as approved', $$INSERT INTO megaforce.output_schemas (owner_id, title, status) VALUES ('e0000000-0000-0000-0000-000000000001', 'x', 'approved')$$, '55000'),
('DELETE an output with history', format($$DELETE FROM megaforce.output_schemas WHERE id = %L$$, :'draft'), '23503'),
('UPDATE approval_history', $$UPDATE megaforce.approval_history SET comment = 'x'$$, '42501'),
('DELETE approval_history', $$DELETE FROM megaforce.approval_history$$, '42501'),
('TRUNCATE approval_history', $$TRUNCATE megaforce.approval_history$$, '42501'),
('verify_history: unknown output', $$SELECT * FROM megaforce.verify_history('99999999-9999-9999-9999-999999999999')$$, 'P0002'),
-- runs
('enqueue_run: NULL source', $$SELECT megaforce.enqueue_run(NULL)$$, '22023'),
('enqueue_run: unknown source', $$SELECT megaforce.enqueue_run('99999999-9999-9999-9999-999999999999')$$, 'P0002'),
('enqueue_run: unknown trigger', format($$SELECT megaforce.enqueue_run(%L, NULL, 0, now(), 'cron')$$, :src), '22023'),
('enqueue_run: NULL trigger', format($$SELECT megaforce.enqueue_run(%L, NULL, 0, now(), NULL)$$, :src), '22023'),
('enqueue_run: empty trigger', format($$SELECT megaforce.enqueue_run(%L, NULL, 0, now(), '')$$, :src), '22023'),
('enqueue_run: huge priority', format($$SELECT megaforce.enqueue_run(%L, NULL, 2147483647)$$, :src), '22023'),
('enqueue_run: huge negative priority', format($$SELECT megaforce.enqueue_run(%L, NULL, -2147483648)$$, :src), '22023'),
('enqueue_run: NULL run_after', format($$SELECT megaforce.enqueue_run(%L, NULL, 0, NULL)$$, :src), '22023'),
('enqueue_run: infinite run_after', format($$SELECT megaforce.enqueue_run(%L, NULL, 0, 'infinity')$$, :src), '22023'),
('enqueue_run: unknown actor', format($$SELECT megaforce.enqueue_run(%L, '99999999-9999-9999-9999-999999999999')$$, :src), '42501'),
('enqueue_run: viewer actor', format($$SELECT megaforce.enqueue_run(%L, %L)$$, :src, :viewer), '42501'),
('claim_runs: NULL worker', $$SELECT * FROM megaforce.claim_runs(NULL)$$, '22023'),
('claim_runs: empty worker', $$SELECT * FROM megaforce.claim_runs('')$$, '22023'),
('claim_runs: huge worker name', $$SELECT * FROM megaforce.claim_runs(repeat('w', 100000))$$, '22023'),
('claim_runs: zero runs', $$SELECT * FROM megaforce.claim_runs('w', 0)$$, '22023'),
('claim_runs: negative runs', $$SELECT * FROM megaforce.claim_runs('w', -5)$$, '22023'),
('claim_runs: too many runs', $$SELECT * FROM megaforce.claim_runs('w', 1000000)$$, '22023'),
('claim_runs: NULL lease', $$SELECT * FROM megaforce.claim_runs('w', 1, NULL)$$, '22023'),
('claim_runs: zero lease', $$SELECT * FROM megaforce.claim_runs('w', 1, '0 seconds')$$, '22023'),
('claim_runs: negative lease', $$SELECT * FROM megaforce.claim_runs('w', 1, '-5 minutes')$$, '22023'),
('claim_runs: a year-long lease', $$SELECT * FROM megaforce.claim_runs('w', 1, '1 year')$$, '22023'),
('heartbeat_run: NULL run', $$SELECT megaforce.heartbeat_run(NULL, gen_random_uuid())$$, '22023'),
('heartbeat_run: NULL token', format($$SELECT megaforce.heartbeat_run(%L, NULL)$$, :'run'), '22023'),
('heartbeat_run: wrong token', format($$SELECT megaforce.heartbeat_run(%L, gen_random_uuid())$$, :'run'), '42501'),
('heartbeat_run: unknown run', $$SELECT megaforce.heartbeat_run('99999999-9999-9999-9999-999999999999', gen_random_uuid())$$, 'P0002'),
('heartbeat_run: negative lease', format($$SELECT megaforce.heartbeat_run(%L, %L, '-1 minute')$$, :'run', :'token'), '22023'),
('complete_run: wrong token', format($$SELECT megaforce.complete_run(%L, gen_random_uuid())$$, :'run'), '42501'),
('complete_run: unknown run', $$SELECT megaforce.complete_run('99999999-9999-9999-9999-999999999999', gen_random_uuid())$$, 'P0002'),
('complete_run: NULL run', $$SELECT megaforce.complete_run(NULL, gen_random_uuid())$$, '22023'),
('fail_run: wrong token', format($$SELECT megaforce.fail_run(%L, gen_random_uuid(), 'x')$$, :'run'), '42501'),
('fail_run: NULL retry', format($$SELECT megaforce.fail_run(%L, %L, 'x', NULL)$$, :'run', :'token'), '22023'),
('cancel_run: unknown run', $$SELECT megaforce.cancel_run('99999999-9999-9999-9999-999999999999', 'a0000000-0000-0000-0000-000000000001')$$, 'P0002'),
('cancel_run: NULL actor', format($$SELECT megaforce.cancel_run(%L, NULL)$$, :'run'), '42501'),
('cancel_run: viewer', format($$SELECT megaforce.cancel_run(%L, %L)$$, :'run', :viewer), '42501'),
('retry_run: a running run', format($$SELECT megaforce.retry_run(%L, %L)$$, :'run', :admin), '55000'),
('retry_run: unknown run', $$SELECT megaforce.retry_run('99999999-9999-9999-9999-999999999999', 'a0000000-0000-0000-0000-000000000001')$$, 'P0002'),
('INSERT a run as running', format($$INSERT INTO megaforce.runs (input_source_id, status) VALUES (%L, 'running')$$, :src), '55000'),
('UPDATE a run to an unknown status', format($$UPDATE megaforce.runs SET status = 'done' WHERE id = %L$$, :'run'), '22023'),
('enqueue_due_runs: NULL at', $$SELECT megaforce.enqueue_due_runs(NULL)$$, '22023'),
('enqueue_due_runs: infinite at', $$SELECT megaforce.enqueue_due_runs('infinity')$$, '22023'),
-- schedules and time zones
('next_fire_time: four fields', $$SELECT megaforce.next_fire_time('* * * *', now())$$, '22023'),
('next_fire_time: six fields', $$SELECT megaforce.next_fire_time('* * * * * *', now())$$, '22023'),
('next_fire_time: empty', $$SELECT megaforce.next_fire_time('', now())$$, '22023'),
('next_fire_time: minute 60', $$SELECT megaforce.next_fire_time('60 * * * *', now())$$, '22023'),
('next_fire_time: hour 24', $$SELECT megaforce.next_fire_time('0 24 * * *', now())$$, '22023'),
('next_fire_time: day 0', $$SELECT megaforce.next_fire_time('0 0 0 * *', now())$$, '22023'),
('next_fire_time: month 13', $$SELECT megaforce.next_fire_time('0 0 1 13 *', now())$$, '22023'),
('next_fire_time: weekday 8', $$SELECT megaforce.next_fire_time('0 0 * * 8', now())$$, '22023'),
('next_fire_time: step 0', $$SELECT megaforce.next_fire_time('*/0 * * * *', now())$$, '22023'),
('next_fire_time: reversed range', $$SELECT megaforce.next_fire_time('30-10 * * * *', now())$$, '22023'),
('next_fire_time: unknown month name', $$SELECT megaforce.next_fire_time('0 0 1 FOO *', now())$$, '22023'),
('next_fire_time: letters', $$SELECT megaforce.next_fire_time('a b c d e', now())$$, '22023'),
('next_fire_time: never fires (Feb 30)', $$SELECT megaforce.next_fire_time('0 0 30 2 *', now())$$, '22023'),
('next_fire_time: huge expression', $$SELECT megaforce.next_fire_time(repeat('1,', 500000) || '1 * * * *', now())$$, '22023'),
('next_fire_time: seven fields of names', $$SELECT megaforce.next_fire_time('MON MON MON MON MON MON MON', now())$$, '22023'),
('next_fire_time: unknown time zone', $$SELECT megaforce.next_fire_time('0 9 * * *', now(), 'Mars/Olympus')$$, '22023'),
('next_fire_time: empty time zone', $$SELECT megaforce.next_fire_time('0 9 * * *', now(), '')$$, '22023'),
('next_fire_time: infinite after', $$SELECT megaforce.next_fire_time('0 9 * * *', 'infinity')$$, '22023'),
('input_sources: bad schedule', $$INSERT INTO megaforce.input_sources (owner_id, name, kind, trigger, schedule) VALUES ('e0000000-0000-0000-0000-000000000001', 'x', 'rss', 'schedule', '61 * * * *')$$, '22023'),
('input_sources: schedule trigger without a schedule', $$INSERT INTO megaforce.input_sources (owner_id, name, kind, trigger) VALUES ('e0000000-0000-0000-0000-000000000001', 'x', 'rss', 'schedule')$$, '23514'),
('input_sources: bad time zone', $$INSERT INTO megaforce.input_sources (owner_id, name, kind, trigger, schedule, timezone) VALUES ('e0000000-0000-0000-0000-000000000001', 'x', 'rss', 'schedule', '0 9 * * *', 'Nowhere/City')$$, '22023'),
('input_sources: unknown kind', $$INSERT INTO megaforce.input_sources (owner_id, name, kind) VALUES ('e0000000-0000-0000-0000-000000000001', 'x', 'ftp')$$, '23514'),
('input_sources: max_attempts 0', $$INSERT INTO megaforce.input_sources (owner_id, name, kind, max_attempts) VALUES ('e0000000-0000-0000-0000-000000000001', 'x', 'rss', 0)$$, '23514'),
('input_sources: max_attempts 101', $$INSERT INTO megaforce.input_sources (owner_id, name, kind, max_attempts) VALUES ('e0000000-0000-0000-0000-000000000001', 'x', 'rss', 101)$$, '23514'),
('input_sources: config not an object', $$INSERT INTO megaforce.input_sources (owner_id, name, kind, config) VALUES ('e0000000-0000-0000-0000-000000000001', 'x', 'rss', '[1, 2]')$$, '23514'),
('personas: voice not an object', $$INSERT INTO megaforce.personas (owner_id, name, voice) VALUES ('e0000000-0000-0000-0000-000000000001', 'p', '"loud"')$$, '23514'),
('documents: style_reference without persona', $$INSERT INTO megaforce.documents (owner_id, kind, title) VALUES ('e0000000-0000-0000-0000-000000000001', 'style_reference', 'x')$$, '23514'),
('documents: metadata not an object', $$INSERT INTO megaforce.documents (owner_id, kind, title, metadata) VALUES ('e0000000-0000-0000-0000-000000000001', 'source_material', 'x', '3')$$, '23514'),
-- settings
('megaforce.notify = maybe', $$SET megaforce.notify = 'maybe'$$, '22023'),
('megaforce.tick_interval in a session', $$SET megaforce.tick_interval = '5s'$$, '55P02'),
('an unknown setting in the reserved megaforce prefix', $$SET megaforce.no_such_setting = 'x'$$, '42602');
-- The bounds of megaforce.tick_interval need ALTER SYSTEM, which no
-- transaction block allows: tests/shell/settings_bounds.sh.

-- Every table's row count before ...
CREATE TEMP TABLE counts_before AS
SELECT c.relname::text AS tbl, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM megaforce.%I', c.relname), false, true, '')))[1]::text::bigint AS n
FROM pg_class c WHERE c.relnamespace = 'megaforce'::regnamespace AND c.relkind = 'r';

SELECT throws_ok(sql, sqlstate, NULL, format('%s: %s', sqlstate, what)) FROM bad_input ORDER BY n;

-- ... and after: nothing half-written.
SELECT results_eq(
  $$SELECT c.relname::text, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM megaforce.%I', c.relname), false, true, '')))[1]::text::bigint
    FROM pg_class c WHERE c.relnamespace = 'megaforce'::regnamespace AND c.relkind = 'r' ORDER BY 1$$,
  $$SELECT tbl, n FROM counts_before ORDER BY 1$$,
  'no bad input left a row behind in any table');
SELECT cmp_ok((SELECT count(*)::int FROM bad_input), '>=', 100, 'at least 100 bad inputs');

SELECT * FROM finish();
ROLLBACK;

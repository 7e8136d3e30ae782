-- Cron schedules in SQL (SPEC §4): next_fire_time with PostgreSQL's tz
-- database, validation of input_sources, next_run_at, enqueue_due_runs.
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/sources.sql

-- next_fire_time
SELECT is(megaforce.next_fire_time(s, a::timestamptz, z), w::timestamptz, format('%s after %s in %s', s, a, z))
FROM (VALUES
  ('* * * * *', '2026-01-01 12:00:00Z', 'UTC', '2026-01-01 12:01:00Z'),
  ('* * * * *', '2026-01-01 12:00:30Z', 'UTC', '2026-01-01 12:01:00Z'),
  ('0 9 * * mon-fri', '2026-06-13 00:00Z', 'UTC', '2026-06-15 09:00Z'),
  ('0 0 31 * *', '2026-04-15Z', 'UTC', '2026-05-31 00:00Z'),
  ('0 0 29 2 *', '2026-03-01Z', 'UTC', '2028-02-29 00:00Z'),
  ('0 0 13 * 5', '2026-06-15Z', 'UTC', '2026-06-19 00:00Z'),
  ('30 2 * * *', '2026-03-28 12:00Z', 'Europe/Berlin', '2026-03-29 01:00Z'),
  ('30 2 * * *', '2026-03-29 01:00Z', 'Europe/Berlin', '2026-03-30 00:30Z'),
  ('30 2 * * *', '2026-10-24 12:00Z', 'Europe/Berlin', '2026-10-25 00:30Z'),
  ('30 2 * * *', '2026-10-25 00:30Z', 'Europe/Berlin', '2026-10-26 01:30Z'),
  ('30 * * * *', '2026-10-25 00:30Z', 'Europe/Berlin', '2026-10-25 01:30Z'),
  ('30 2 * * *', '2026-03-07 12:00Z', 'America/New_York', '2026-03-08 07:00Z'),
  ('30 1 * * *', '2026-10-31 12:00Z', 'America/New_York', '2026-11-01 05:30Z'),
  ('30 1 * * *', '2026-11-01 05:30Z', 'America/New_York', '2026-11-02 06:30Z'),
  ('0 9 * * *', '2026-06-15 00:00:01Z', 'Asia/Tokyo', '2026-06-16 00:00Z'),
  ('0 0 * * *', '2026-06-15 12:00Z', 'asia/kolkata', '2026-06-15 18:30Z')) c(s, a, z, w);
SELECT is(megaforce.next_fire_time('0 12 * * *', '2026-06-15 00:00Z'), '2026-06-15 12:00Z'::timestamptz,
  'the zone defaults to UTC');
SELECT is(megaforce.next_fire_time(NULL, now()), NULL, 'STRICT: a null schedule gives null');
SELECT throws_ok(format($$SELECT megaforce.next_fire_time(%L, now())$$, s), '22023', NULL, 'refused: ' || s || ' (' || f || ')')
FROM (VALUES ('* * * *', 'fields'), ('60 * * * *', 'minute'), ('* 24 * * *', 'hour'), ('* * 32 * *', 'day-of-month'),
             ('* * * 13 *', 'month'), ('* * * * 8', 'day-of-week'), ('*/0 * * * *', 'minute'),
             ('5-1 * * * *', 'minute'), ('@daily', 'nickname'), ('0 0 30 2 *', 'day-of-month')) b(s, f);
SELECT throws_like($$SELECT megaforce.next_fire_time('* * * 13 *', now())$$, '%month field%',
  'the message names the bad field');
SELECT throws_ok($$SELECT megaforce.next_fire_time('* * * * *', now(), 'Mars/Olympus')$$, '22023',
  'unknown time zone "Mars/Olympus"', 'an unknown zone is 22023');
SELECT throws_ok($$SELECT megaforce.next_fire_time('* * * * *', 'infinity')$$, '22023', NULL, 'an infinite time');

-- input_sources: schedule and timezone validated on every write; next_run_at kept.
SELECT throws_ok(format($$INSERT INTO megaforce.input_sources (owner_id, name, kind, trigger, schedule)
  VALUES (%L, 'x', 'rss', 'schedule', '61 * * * *')$$, :owner), '22023', NULL, 'a bad schedule is refused on INSERT');
SELECT throws_ok(format($$INSERT INTO megaforce.input_sources (owner_id, name, kind, timezone)
  VALUES (%L, 'x', 'rss', 'Nowhere/City')$$, :owner), '22023', NULL, 'a bad timezone is refused, also unscheduled');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind, trigger, schedule, timezone)
VALUES ('30000000-0000-0000-0000-0000000000a1', :owner, 'Hourly', 'url', 'schedule', '0 * * * *', 'UTC');
SELECT is((SELECT next_run_at FROM megaforce.input_sources WHERE id = '30000000-0000-0000-0000-0000000000a1'),
  megaforce.next_fire_time('0 * * * *', now()), 'INSERT of a scheduled source sets the first fire after now');
SELECT throws_ok($$UPDATE megaforce.input_sources SET schedule = '0 25 * * *' WHERE id = '30000000-0000-0000-0000-0000000000a1'$$,
  '22023', NULL, 'a bad schedule is refused on UPDATE');
UPDATE megaforce.input_sources SET schedule = '0 6 * * *', timezone = 'Europe/Berlin' WHERE id = '30000000-0000-0000-0000-0000000000a1';
SELECT is((SELECT next_run_at FROM megaforce.input_sources WHERE id = '30000000-0000-0000-0000-0000000000a1'),
  megaforce.next_fire_time('0 6 * * *', now(), 'Europe/Berlin'), 'changing schedule or timezone recomputes next_run_at');
UPDATE megaforce.input_sources SET schedule = '0 7 * * *', next_run_at = '2030-01-01Z' WHERE id = '30000000-0000-0000-0000-0000000000a1';
SELECT is((SELECT next_run_at FROM megaforce.input_sources WHERE id = '30000000-0000-0000-0000-0000000000a1'),
  '2030-01-01Z'::timestamptz, 'unless the same statement sets next_run_at');
UPDATE megaforce.input_sources SET name = 'Renamed' WHERE id = '30000000-0000-0000-0000-0000000000a1';
SELECT is((SELECT next_run_at FROM megaforce.input_sources WHERE id = '30000000-0000-0000-0000-0000000000a1'),
  '2030-01-01Z'::timestamptz, 'other changes leave next_run_at');
INSERT INTO megaforce.input_sources (owner_id, name, kind, next_run_at) VALUES (:owner, 'Manual', 'manual', now());
SELECT is((SELECT next_run_at FROM megaforce.input_sources WHERE name = 'Manual'), NULL, 'unscheduled sources have no next_run_at');
UPDATE megaforce.input_sources SET trigger = 'manual', schedule = NULL WHERE id = '30000000-0000-0000-0000-0000000000a1';
SELECT is((SELECT next_run_at FROM megaforce.input_sources WHERE id = '30000000-0000-0000-0000-0000000000a1'), NULL,
  'a source that stops being scheduled loses next_run_at');

-- enqueue_due_runs
DELETE FROM megaforce.input_sources WHERE trigger = 'schedule';
INSERT INTO megaforce.input_sources (id, owner_id, name, kind, trigger, schedule, next_run_at, is_active) VALUES
  ('30000000-0000-0000-0000-0000000000b1', :owner, 'Due', 'url', 'schedule', '*/10 * * * *', now() - interval '25 minutes', true),
  ('30000000-0000-0000-0000-0000000000b2', :owner, 'Later', 'url', 'schedule', '0 0 1 1 *', now() + interval '1 day', true),
  ('30000000-0000-0000-0000-0000000000b3', :owner, 'Off', 'url', 'schedule', '* * * * *', now() - interval '1 hour', false);
SELECT is(megaforce.enqueue_due_runs(), 1, 'one due active source handled');
SELECT results_eq($$SELECT input_source_id, trigger, run_after FROM megaforce.runs WHERE trigger = 'schedule'$$,
  $$VALUES ('30000000-0000-0000-0000-0000000000b1'::uuid, 'schedule'::text, now() - interval '25 minutes')$$,
  'one run, trigger schedule, run_after = the fire time (missed fires are not replayed)');
SELECT is((SELECT next_run_at FROM megaforce.input_sources WHERE id = '30000000-0000-0000-0000-0000000000b1'),
  megaforce.next_fire_time('*/10 * * * *', now()), 'next_run_at advanced to the next fire after now');
SELECT is(megaforce.enqueue_due_runs(), 0, 'a second call finds nothing due');
SELECT is(megaforce.enqueue_due_runs(now() + interval '10 minutes'), 1, 'due again later');
SELECT is((SELECT count(*)::int FROM megaforce.runs WHERE input_source_id = '30000000-0000-0000-0000-0000000000b1'), 1,
  'the queued run absorbs the next fire (one queued run per source)');
SELECT throws_ok($$SELECT megaforce.enqueue_due_runs(NULL)$$, '22023', NULL, 'enqueue_due_runs: a null time');

-- A source that fails is logged and skipped, the others go on; the failed
-- source's subtransaction, with the nested SPI connection its item ran in,
-- is rolled back: by a C++ error (a schedule that no longer parses, as a
-- restore may bring one) and by a PostgreSQL error (a trigger refusing the
-- run). The same transaction then goes on calling it.
DELETE FROM megaforce.runs;
DELETE FROM megaforce.input_sources WHERE trigger = 'schedule';
INSERT INTO megaforce.input_sources (id, owner_id, name, kind, trigger, schedule, next_run_at) VALUES
  ('30000000-0000-0000-0000-0000000000c1', :owner, 'Good 1', 'url', 'schedule', '*/10 * * * *', now() - interval '25 minutes'),
  ('30000000-0000-0000-0000-0000000000c2', :owner, 'Bad schedule', 'url', 'schedule', '*/10 * * * *', now() - interval '20 minutes'),
  ('30000000-0000-0000-0000-0000000000c3', :owner, 'Refused', 'url', 'schedule', '*/10 * * * *', now() - interval '15 minutes'),
  ('30000000-0000-0000-0000-0000000000c4', :owner, 'Good 2', 'url', 'schedule', '*/10 * * * *', now() - interval '10 minutes');
SET LOCAL session_replication_role = replica;
UPDATE megaforce.input_sources SET schedule = '99 * * * *' WHERE id = '30000000-0000-0000-0000-0000000000c2';
SET LOCAL session_replication_role = origin;
CREATE FUNCTION public.mf_test_refuse_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.input_source_id = '30000000-0000-0000-0000-0000000000c3' THEN RAISE EXCEPTION 'refused by the test'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER mf_test_refuse_run BEFORE INSERT ON megaforce.runs
  FOR EACH ROW EXECUTE FUNCTION public.mf_test_refuse_run();
SET LOCAL client_min_messages = error;  -- the two WARNINGs naming the failed sources
SELECT is(megaforce.enqueue_due_runs(), 2, 'a failing source (C++ error, PostgreSQL error) is skipped, the others handled');
SELECT results_eq($$SELECT input_source_id FROM megaforce.runs ORDER BY input_source_id$$,
  $$VALUES ('30000000-0000-0000-0000-0000000000c1'::uuid), ('30000000-0000-0000-0000-0000000000c4'::uuid)$$,
  'runs only for the sources that did not fail');
SELECT results_eq($$SELECT id FROM megaforce.input_sources WHERE trigger = 'schedule' AND next_run_at <= now() ORDER BY id$$,
  $$VALUES ('30000000-0000-0000-0000-0000000000c2'::uuid), ('30000000-0000-0000-0000-0000000000c3'::uuid)$$,
  'the failed sources did not advance');
DROP TRIGGER mf_test_refuse_run ON megaforce.runs;
SELECT is(megaforce.enqueue_due_runs(), 1, 'the same transaction goes on: the refused source fires once the refusal is gone');
RESET client_min_messages;

SELECT * FROM finish();
ROLLBACK;

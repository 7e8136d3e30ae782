-- The run state machine through plain UPDATEs (SPEC §4): every legal step,
-- every illegal pair (55000), the trigger's state columns.
BEGIN;
SELECT * FROM no_plan();
\ir ../fixtures/sources.sql

CREATE TEMP TABLE statuses (s text);
INSERT INTO statuses VALUES ('queued'), ('running'), ('succeeded'), ('failed'), ('cancelled');
CREATE TEMP TABLE legal (f text, t text);
INSERT INTO legal VALUES ('queued', 'running'), ('running', 'succeeded'), ('running', 'failed'),
  ('running', 'queued'), ('queued', 'cancelled'), ('running', 'cancelled'), ('failed', 'queued');

-- A run of source C in status `wanted`, reached by plain UPDATEs.
CREATE FUNCTION pg_temp.run_in(wanted text) RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE r uuid;
BEGIN
  DELETE FROM megaforce.runs WHERE input_source_id = '30000000-0000-0000-0000-000000000003';
  INSERT INTO megaforce.runs (input_source_id) VALUES ('30000000-0000-0000-0000-000000000003') RETURNING id INTO r;
  IF wanted <> 'queued' THEN UPDATE megaforce.runs SET status = 'running' WHERE id = r; END IF;
  IF wanted NOT IN ('queued', 'running') THEN UPDATE megaforce.runs SET status = wanted WHERE id = r; END IF;
  RETURN r;
END $$;

CREATE FUNCTION pg_temp.step(f text, t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r uuid := pg_temp.run_in(f); state text := 'ok';
BEGIN
  BEGIN
    UPDATE megaforce.runs SET status = t WHERE id = r;
  EXCEPTION WHEN OTHERS THEN state := SQLSTATE;
  END;
  RETURN state || '/' || (SELECT status FROM megaforce.runs WHERE id = r);
END $$;

SELECT is(pg_temp.step(a.s, b.s),
          CASE WHEN EXISTS (SELECT 1 FROM legal WHERE f = a.s AND t = b.s) THEN 'ok/' || b.s ELSE '55000/' || a.s END,
          format('%s -> %s by UPDATE', a.s, b.s))
FROM statuses a, statuses b WHERE a.s <> b.s ORDER BY a.s, b.s;

SELECT throws_ok(format($$UPDATE megaforce.runs SET status = 'paused' WHERE id = %L$$, pg_temp.run_in('queued')),
  '22023', 'unknown run status "paused"', 'an unknown status is 22023');

-- The trigger keeps the state columns.
SELECT pg_temp.run_in('queued') AS q \gset
UPDATE megaforce.runs SET status = 'running', claimed_by = 'ops' WHERE id = :'q';
SELECT results_eq(format($$SELECT attempt, started_at = now(), lease_token IS NOT NULL,
                                  lease_expires_at = now() + interval '5 minutes', claimed_by
                           FROM megaforce.runs WHERE id = %L$$, :'q'),
  $$VALUES (1, true, true, true, 'ops'::text)$$,
  'running by UPDATE: attempt + 1, started_at, a fresh token, a default 5-minute lease');
UPDATE megaforce.runs SET attempt = 42, started_at = '2000-01-01', lease_token = gen_random_uuid(),
  priority = 7, run_after = '2030-01-01', lease_expires_at = now() + interval '1 hour' WHERE id = :'q';
SELECT results_eq(format($$SELECT attempt, started_at = now(), priority, run_after, lease_expires_at - now()
                           FROM megaforce.runs WHERE id = %L$$, :'q'),
  $$VALUES (1, true, 7, '2030-01-01'::timestamptz, interval '1 hour')$$,
  'without a status change, the state columns keep their values and the others change');
UPDATE megaforce.runs SET status = 'queued' WHERE id = :'q';
SELECT results_eq(format($$SELECT attempt, lease_token, lease_expires_at, claimed_by, queued_at = now()
                           FROM megaforce.runs WHERE id = %L$$, :'q'),
  $$VALUES (1, NULL::uuid, NULL::timestamptz, NULL::text, true)$$, 'back to queued: lease cleared, queued_at now');
UPDATE megaforce.runs SET status = 'running' WHERE id = :'q';
UPDATE megaforce.runs SET status = 'failed' WHERE id = :'q';
SELECT results_eq(format($$SELECT attempt, finished_at = now(), lease_token IS NOT NULL FROM megaforce.runs WHERE id = %L$$, :'q'),
  $$VALUES (2, true, true)$$, 'failed: finished_at set, the token stays');
UPDATE megaforce.runs SET status = 'queued' WHERE id = :'q';
SELECT is((SELECT attempt FROM megaforce.runs WHERE id = :'q'), 0, 'failed -> queued (a manual retry) resets attempt');

-- Serial per source holds for plain UPDATEs too.
SELECT pg_temp.run_in('running') AS r1 \gset
INSERT INTO megaforce.runs (input_source_id) VALUES (:srcC) RETURNING id AS r2 \gset
SELECT throws_ok(format($$UPDATE megaforce.runs SET status = 'running' WHERE id = %L$$, :'r2'), '23505', NULL,
  'a second running run of one source is refused');

SELECT * FROM finish();
ROLLBACK;

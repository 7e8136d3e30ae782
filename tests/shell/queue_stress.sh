#!/usr/bin/env bash
# Stress (SPEC §4): 8 concurrent workers claim and finish runs, a fixed
# number of steps each (not a time: a loaded machine makes fewer steps per
# second, never fewer steps),
# with random short leases, random failures, slow workers whose lease runs
# out, and abandoned claims; a reaper and an enqueuer run among them.
# Afterwards: no attempt of a run acted after a newer claim of it (fencing),
# every run is finished or queued/running with a lease, attempts add up to
# the claims made, every success was recorded exactly once.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
db=mf_stress
steps=${STRESS_STEPS:-300}  # per worker
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q <<'SQL'
CREATE EXTENSION megaforce;
INSERT INTO megaforce.users (id, email) VALUES ('e0000000-0000-0000-0000-000000000001', 'owner@example.com');
INSERT INTO megaforce.input_sources (owner_id, name, kind, max_attempts)
SELECT 'e0000000-0000-0000-0000-000000000001', 'source ' || i, 'rss', 4 FROM generate_series(1, 400) i;
SELECT count(*) FROM (SELECT megaforce.enqueue_run(id) FROM megaforce.input_sources) e;
-- What the workers did, each row written in the transaction that did it.
CREATE TABLE stress_log (run uuid, token uuid, action text, worker int, at timestamptz DEFAULT clock_timestamp());

CREATE PROCEDURE stress_step(w int, mode int, lease_ms int) LANGUAGE plpgsql AS $$
DECLARE r megaforce.runs;
BEGIN
  SET LOCAL megaforce.notify = off;
  IF mode = 10 THEN  -- the reaper and the enqueuer
    PERFORM megaforce.reap_expired_runs();
    PERFORM megaforce.enqueue_run(id) FROM megaforce.input_sources ORDER BY random() LIMIT 25;
    COMMIT;
    RETURN;
  END IF;
  SELECT * INTO r FROM megaforce.claim_runs('w' || w, 1, make_interval(secs => lease_ms / 1000.0));
  IF r.id IS NULL THEN COMMIT; RETURN; END IF;
  INSERT INTO stress_log (run, token, action, worker) VALUES (r.id, r.lease_token, 'claim', w);
  COMMIT;
  IF mode = 1 THEN RETURN; END IF;                       -- abandon the claim
  IF mode = 2 THEN PERFORM pg_sleep(lease_ms / 1000.0 + 0.2);  -- a slow worker: the lease runs out
  ELSE PERFORM pg_sleep(random() * 0.01); END IF;
  BEGIN
    IF mode = 3 THEN PERFORM megaforce.heartbeat_run(r.id, r.lease_token, '2 seconds'); END IF;
    IF mode <= 4 THEN
      PERFORM megaforce.fail_run(r.id, r.lease_token, 'random failure');
      INSERT INTO stress_log (run, token, action, worker) VALUES (r.id, r.lease_token, 'fail', w);
    ELSE
      PERFORM megaforce.complete_run(r.id, r.lease_token, jsonb_build_object('worker', w));
      INSERT INTO stress_log (run, token, action, worker) VALUES (r.id, r.lease_token, 'complete', w);
    END IF;
  EXCEPTION WHEN insufficient_privilege OR object_not_in_prerequisite_state THEN
    INSERT INTO stress_log (run, token, action, worker) VALUES (r.id, r.lease_token, 'fenced', w);
  END;
  COMMIT;
END $$;
SQL
cat >/tmp/mf_stress_$$.sql <<'EOF2'
\set mode random(1, 10)
\set lease random(300, 1500)
CALL stress_step(:client_id, :mode, :lease);
EOF2
pgbench -n -M simple -c 8 -j 8 -t "$steps" -f /tmp/mf_stress_$$.sql $db >/tmp/mf_stress_$$.out 2>&1
ok $? "8 workers ran $steps steps each without a client error"
grep -E 'number of (transactions|failed)' /tmp/mf_stress_$$.out | sed 's/^/# /'
rm -f /tmp/mf_stress_$$.sql /tmp/mf_stress_$$.out

diag "$(q -c "SELECT string_agg(action || ': ' || n, ', ') FROM (SELECT action, count(*) n FROM stress_log GROUP BY 1 ORDER BY 1) a")"
diag "$(q -c "SELECT string_agg(status || ': ' || n, ', ') FROM (SELECT status, count(*) n FROM megaforce.runs GROUP BY 1 ORDER BY 1) a")"
is "$(q -c "SELECT count(*) > 1000 FROM stress_log WHERE action = 'claim'")" t "thousands of claims were made"
is "$(q -c "SELECT count(*) > 0 FROM stress_log WHERE action = 'fenced'")" t "some slow workers were fenced out"

# Fencing: no fail/complete by a token after a newer claim of its run.
is "$(q -c "SELECT count(*) FROM stress_log a JOIN stress_log c ON c.run = a.run AND c.token = a.token AND c.action = 'claim'
            WHERE a.action IN ('complete', 'fail')
              AND EXISTS (SELECT 1 FROM stress_log n WHERE n.run = a.run AND n.action = 'claim'
                          AND n.token <> a.token AND n.at > c.at AND n.at < a.at)")" 0 \
  "no attempt completed or failed a run after a newer claim of it"
is "$(q -c "SELECT count(*) FROM megaforce.runs r WHERE status = 'succeeded' AND
            (SELECT count(*) FROM stress_log l WHERE l.run = r.id AND l.action = 'complete') <> 1")" 0 \
  "every succeeded run was completed exactly once"
is "$(q -c "SELECT count(*) FROM megaforce.runs r WHERE status = 'succeeded' AND lease_token <>
            (SELECT token FROM stress_log l WHERE l.run = r.id AND l.action = 'claim' ORDER BY at DESC LIMIT 1)")" 0 \
  "every success came from the run's latest claim"
is "$(q -c "SELECT count(*) FROM megaforce.runs r WHERE attempt <> (SELECT count(*) FROM stress_log l WHERE l.run = r.id AND l.action = 'claim')")" 0 \
  "attempts add up: each run's attempt equals the claims made of it"
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'running' AND (lease_token IS NULL OR lease_expires_at IS NULL)")" 0 \
  "no run is running without a lease"
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE status NOT IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')")" 0 \
  "every run is in a known state"
is "$(q -c "SELECT count(*) FROM (SELECT input_source_id FROM megaforce.runs WHERE status IN ('running') GROUP BY 1 HAVING count(*) > 1) x")" 0 \
  "runs of one source stayed serial"
is "$(q -c "SELECT count(*) FROM (SELECT input_source_id FROM megaforce.runs WHERE status IN ('queued') GROUP BY 1 HAVING count(*) > 1) x")" 0 \
  "at most one queued run per source"

# Drain: expire every lease, reap, then every run is finished or queued.
q -c "UPDATE megaforce.runs SET lease_expires_at = now() - interval '1 second' WHERE status = 'running'" -c "SELECT megaforce.reap_expired_runs()" >/dev/null
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'running'")" 0 "after reaping, every run is finished or queued"
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'failed' AND attempt < max_attempts AND error NOT LIKE '%not requeued%'")" 0 \
  "a run fails for good only when its attempts are used up (or a sibling was queued)"

q -d postgres -c "DROP DATABASE $db"
done_testing

#!/usr/bin/env bash
# The scheduler background worker (issue 8), in a cluster of its own started
# with megaforce in shared_preload_libraries: it waits for the extension,
# follows SIGHUP, fires due schedules exactly once, reaps expired leases,
# survives a failing source and being killed, and stops with the server.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
source "$here/tests/lib/cluster.sh"
dir=$(mktemp -d /tmp/megaforce-scheduler.XXXXXX)
trap 'mf_cluster_stop "$dir"; cp "$dir/server.log" /tmp/sched.log; rm -rf "$dir"' EXIT
mf_cluster_create "$dir"
# An hour between ticks at first: the SIGHUP test below shortens it.
mf_cluster_start "$dir" "shared_preload_libraries = 'megaforce'" "megaforce.databases = 'mf_sched'" \
  "megaforce.tick_interval = '1h'"
mf_cluster_env "$dir"
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d mf_sched "$@"; }
worker_pid() { q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'megaforce scheduler' AND datname = 'mf_sched'"; }

psql -X -q -d postgres -c "CREATE DATABASE mf_sched"
wait_for 15 "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'megaforce scheduler'
             AND datname = 'mf_sched' AND application_name = 'megaforce scheduler'"
ok $? "one scheduler per database, visible in pg_stat_activity as backend_type 'megaforce scheduler'"

q <<'SQL'
CREATE EXTENSION megaforce;
INSERT INTO megaforce.users (id, email) VALUES ('10000000-0000-0000-0000-000000000001', 'owner@example.com');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind, trigger, schedule) VALUES
  ('30000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'every minute', 'rss', 'schedule', '* * * * *'),
  ('30000000-0000-0000-0000-000000000002', '10000000-0000-0000-0000-000000000001', 'broken', 'rss', 'schedule', '* * * * *');
UPDATE megaforce.input_sources SET next_run_at = now() - interval '1 minute';
-- A source whose enqueue fails, as a bad configuration would make it.
CREATE FUNCTION public.refuse_broken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.input_source_id = '30000000-0000-0000-0000-000000000002' THEN
    RAISE EXCEPTION 'this source is misconfigured';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_broken BEFORE INSERT ON megaforce.runs FOR EACH ROW EXECUTE FUNCTION public.refuse_broken();
SQL
sleep 1.5
is "$(q -c "SELECT count(*) FROM megaforce.runs")" 0 "nothing fires before a tick (tick_interval = 1h)"

# SIGHUP: a shorter interval takes effect without a restart.
q -c "ALTER SYSTEM SET megaforce.tick_interval = '200ms'" -c "SELECT pg_reload_conf()" >/dev/null
wait_for 3 "SELECT count(*) = 1 FROM megaforce.runs WHERE input_source_id = '30000000-0000-0000-0000-000000000001'"
ok $? "after SIGHUP (tick_interval 200ms) the due source gets its run within two ticks"
sleep 0.6
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE input_source_id = '30000000-0000-0000-0000-000000000001' AND status = 'queued'")" 1 \
  "exactly one queued run, however many ticks pass"
is "$(q -c "SELECT next_run_at > now() FROM megaforce.input_sources WHERE id = '30000000-0000-0000-0000-000000000001'")" t \
  "its next_run_at has advanced"
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE input_source_id = '30000000-0000-0000-0000-000000000002'")" 0 \
  "the misconfigured source has no run"
grep -q 'this source is misconfigured' "$dir/server.log"
ok $? "its failure is logged"

# An expired lease is reaped within two ticks.
q -c "SELECT id FROM megaforce.claim_runs('worker-1', 1, '100 milliseconds')" >/dev/null
wait_for 3 "SELECT status = 'queued' AND attempt = 1 AND lease_token IS NULL FROM megaforce.runs
            WHERE input_source_id = '30000000-0000-0000-0000-000000000001'"
ok $? "an expired lease is reaped: the run is queued again"

# Retention (issue 20): the scheduler prunes expired finished runs on its
# ticks, in batches, per setting; referenced runs stay; a run someone holds
# is skipped, not waited for, and pruned later; nothing while restoring.
reload() { q -c "ALTER SYSTEM SET $1" -c "SELECT pg_reload_conf()" >/dev/null; sleep 0.5; }
src1=30000000-0000-0000-0000-000000000001
reload "megaforce.run_retention = '0'"
q <<SQL
SET megaforce.restoring = on;
INSERT INTO megaforce.runs (id, input_source_id, status, attempt, max_attempts, started_at, finished_at)
SELECT CASE n WHEN 1 THEN 'a0000000-0000-0000-0000-00000000000b'::uuid   -- held by a worker
              WHEN 2 THEN 'a0000000-0000-0000-0000-00000000000d'::uuid   -- a document's
              ELSE gen_random_uuid() END,
       '$src1', 'succeeded', 1, 3, now() - interval '41 days', now() - interval '40 days' - n * interval '1 second'
FROM generate_series(1, 2500) n;
INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, started_at, finished_at)
SELECT '$src1', s, 1, 3, now() - interval '41 days', now() - interval '40 days'
FROM unnest(ARRAY['failed', 'failed', 'failed']) s;
INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, started_at, finished_at)
SELECT '$src1', 'succeeded', 1, 3, now() - interval '11 days', now() - interval '10 days' FROM generate_series(1, 4);
RESET megaforce.restoring;
INSERT INTO megaforce.documents (owner_id, kind, run_id, title)
VALUES ('10000000-0000-0000-0000-000000000001', 'source_material', 'a0000000-0000-0000-0000-00000000000d', 'kept');
SQL
sleep 0.6
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE finished_at < now() - interval '30 days'")" 2503 \
  "megaforce.run_retention = 0 keeps every run"
psql -X -q -At -d mf_sched -c "BEGIN" \
  -c "SELECT 1 FROM megaforce.runs WHERE id = 'a0000000-0000-0000-0000-00000000000b' FOR UPDATE" \
  -c "SELECT pg_sleep(8)" -c "COMMIT" >/dev/null &
holder=$!
sleep 0.5
reload "megaforce.run_retention = '30 days'"
wait_for 10 "SELECT count(*) = 2 FROM megaforce.runs WHERE status = 'succeeded' AND finished_at < now() - interval '30 days'"
ok $? "with run_retention 30 days, the 2,500 expired succeeded runs go within ticks (batches of 100)"
is "$(q -c "SELECT string_agg(right(id::text, 1), ',' ORDER BY id) FROM megaforce.runs
            WHERE status = 'succeeded' AND finished_at < now() - interval '30 days'")" "b,d" \
  "the run a worker holds is skipped (not waited for); the run a document references stays"
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'succeeded' AND finished_at > now() - interval '30 days'")" 4 \
  "runs within the retention stay"
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'failed'")" 3 \
  "failed runs of 40 days stay (failed_run_retention 90 days)"
wait "$holder"
wait_for 5 "SELECT NOT EXISTS (SELECT FROM megaforce.runs WHERE id = 'a0000000-0000-0000-0000-00000000000b')"
ok $? "once released, the held run is pruned on a later tick"
reload "megaforce.failed_run_retention = '30 days'"
wait_for 5 "SELECT count(*) = 0 FROM megaforce.runs WHERE status = 'failed'"
ok $? "failed runs follow megaforce.failed_run_retention (reloaded)"
# Restore mode: the scheduler waits.
q -c "ALTER DATABASE mf_sched SET megaforce.restoring = on"
q -c "SET megaforce.restoring = on" -c "INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, started_at, finished_at)
  SELECT '$src1', 'succeeded', 1, 3, now() - interval '41 days', now() - interval '40 days' FROM generate_series(1, 5)"
sleep 1
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'succeeded' AND finished_at < now() - interval '30 days'")" 6 \
  "while the database is in restore mode the scheduler prunes nothing"
q -c "ALTER DATABASE mf_sched RESET megaforce.restoring"
wait_for 5 "SELECT count(*) = 1 FROM megaforce.runs WHERE status = 'succeeded' AND finished_at < now() - interval '30 days'"
ok $? "... and prunes again once restore mode is over"
q -c "DELETE FROM megaforce.documents" -c "DELETE FROM megaforce.runs WHERE status <> 'queued'" >/dev/null

# Killed by its pid: the postmaster starts it again.
old=$(worker_pid)
mf_as_owner kill -TERM "$old"
wait_for 15 "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'megaforce scheduler' AND pid <> $old"
ok $? "a killed scheduler is restarted"
q -c "SELECT megaforce.cancel_run(id, '10000000-0000-0000-0000-000000000001') FROM megaforce.runs" >/dev/null
q -c "UPDATE megaforce.input_sources SET next_run_at = now() - interval '1 minute' WHERE id = '30000000-0000-0000-0000-000000000001'"
wait_for 3 "SELECT count(*) = 1 FROM megaforce.runs WHERE status = 'queued'"
ok $? "the restarted scheduler keeps firing"

start=$SECONDS
mf_cluster_stop "$dir"
(( SECONDS - start < 10 )); ok $? "the server stops promptly with the scheduler running ($((SECONDS - start)) s)"
grep -Eq 'PANIC|server process .* was terminated by signal' "$dir/server.log"
(( $? != 0 )); ok $? "no crash in the server log"
done_testing

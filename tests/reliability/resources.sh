#!/usr/bin/env bash
# Resource safety (issue 9): statement_timeout and pg_cancel_backend stop
# long megaforce calls; a backend's private memory (RssAnon) stays flat over
# MF_MEMORY_CALLS (default 100,000) calls of every function, committed as an
# application would (argon2id functions: MF_ARGON2_CALLS, default 30 (90 hashes), since
# each call costs 64 MiB and tens of milliseconds by design).
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
calls=${MF_MEMORY_CALLS:-100000}
argon2_calls=${MF_ARGON2_CALLS:-30}
limit_kb=${MF_MEMORY_LIMIT_KB:-1024}
db=${MF_RESOURCES_DB:-mf_resources}
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
  -c "ALTER DATABASE $db SET megaforce.notify = off"
q <<'SQL'
CREATE EXTENSION megaforce;
SELECT 1;
INSERT INTO megaforce.users (id, email, role) VALUES
  ('10000000-0000-0000-0000-000000000001', 'owner@example.com', 'editor'),
  ('10000000-0000-0000-0000-000000000002', 'reviewer@example.com', 'reviewer'),
  ('10000000-0000-0000-0000-000000000003', 'admin@example.com', 'admin');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind) VALUES
  ('30000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'a', 'rss'),
  ('30000000-0000-0000-0000-000000000002', '10000000-0000-0000-0000-000000000001', 'b', 'rss');
SELECT megaforce.create_user('pw@example.com', 'PW', 'editor', 'a long password');
CREATE FUNCTION public.rss_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT substring(pg_read_file('/proc/self/status') FROM 'RssAnon:\s+(\d+) kB')::bigint $$;
SQL

# measure NAME N BODY: runs BODY (PL/pgSQL, loop variable i) N times after a
# warm-up, committing after each, in one backend; prints the RssAnon growth.
measure() {
  local name=$1 n=$2 body=$3 warm=$(( $2 / 20 + 1 ))
  q -c "DO \$\$ DECLARE r megaforce.runs; o uuid; outs uuid[]; BEGIN
          FOR i IN 1..$warm LOOP $body COMMIT; END LOOP;
          PERFORM set_config('mf.rss_before', public.rss_kb()::text, false);
          FOR i IN 1..$n LOOP $body COMMIT; END LOOP;
          RAISE WARNING 'RSS % %', current_setting('mf.rss_before'), public.rss_kb();
        END \$\$" 2>&1 | sed -n 's/.*RSS \([0-9]*\) \([0-9]*\).*/\1 \2/p'
}
check_flat() {  # check_flat NAME N BODY [LIMIT_KB]
  local before after growth started=$SECONDS limit=${4:-$limit_kb}
  read -r before after < <(measure "$2" "$2" "$3")
  growth=$(( ${after:-999999} - ${before:-0} ))
  (( growth < limit ))
  ok $? "$1: RssAnon ${before} kB -> ${after} kB over $2 calls (${growth} kB, limit ${limit} kB, $((SECONDS - started)) s)"
}

# PostgreSQL's own backend memory grows a little while a session writes
# many new rows (plain SQL, no megaforce: about 50 bytes per row written
# here). Functions that write rows may grow as much as that baseline doing
# the same number of row writes, not more: measure it first.
q -c "CREATE TABLE public.baseline (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), status text)"
read -r b_before b_after < <(measure baseline "$calls" "
  INSERT INTO public.baseline (status) VALUES ('queued') RETURNING id INTO o; COMMIT;
  UPDATE public.baseline SET status = 'running' WHERE id = o; COMMIT;
  UPDATE public.baseline SET status = 'done' WHERE id = o;")
baseline_kb=$(( ${b_after:-0} - ${b_before:-0} ))
diag "baseline, plain SQL: INSERT + 2 UPDATEs of new rows, $calls times: RssAnon ${b_before} kB -> ${b_after} kB (${baseline_kb} kB)"
write_limit=$(( 2 * baseline_kb + limit_kb ))

check_flat "next_fire_time" "$calls" "PERFORM megaforce.next_fire_time('*/5 * * * *', now(), 'Europe/Berlin');"
check_flat "is_valid_email" "$calls" "PERFORM megaforce.is_valid_email('someone' || i || '@example.com');"
check_flat "history_row_hash" "$calls" \
  "PERFORM megaforce.history_row_hash(NULL, i, gen_random_uuid(), 'draft', 'draft', gen_random_uuid(), 'c', 1, now());"
check_flat "output_transitions" "$calls" "PERFORM * FROM megaforce.output_transitions();"
check_flat "enqueue_run + claim_runs + heartbeat_run + complete_run" "$calls" "
  PERFORM megaforce.enqueue_run('30000000-0000-0000-0000-000000000001');
  SELECT * INTO r FROM megaforce.claim_runs('w', 1, '1 hour');
  PERFORM megaforce.heartbeat_run(r.id, r.lease_token, '2 hours');
  PERFORM megaforce.complete_run(r.id, r.lease_token, '{\"n\": 1}');" "$write_limit"
check_flat "fail_run + retry_run + cancel_run" "$calls" "
  PERFORM megaforce.enqueue_run('30000000-0000-0000-0000-000000000002');
  SELECT * INTO r FROM megaforce.claim_runs('w');
  PERFORM megaforce.fail_run(r.id, r.lease_token, 'boom', false);
  PERFORM megaforce.retry_run(r.id, '10000000-0000-0000-0000-000000000003');
  PERFORM megaforce.cancel_run(r.id, '10000000-0000-0000-0000-000000000003', 'enough');" "$write_limit"
check_flat "reap_expired_runs + enqueue_due_runs" "$calls" \
  "PERFORM megaforce.reap_expired_runs(); PERFORM megaforce.enqueue_due_runs();"
# A thousand outputs take turns: a DO block's loop keeps its backend's xmin,
# so one row updated 300,000 times there would grow a version chain that
# no application transaction ever sees.
q -c "SELECT count(megaforce.create_output('10000000-0000-0000-0000-000000000001', 'cycle', '{}'))
      FROM generate_series(1, 1000)" >/dev/null
check_flat "submit_output + request_changes + reopen_output (and the history hash)" "$calls" "
  outs := coalesce(outs, ARRAY(SELECT id FROM megaforce.output_schemas WHERE title = 'cycle' ORDER BY id));
  o := outs[1 + i % 1000];
  PERFORM megaforce.submit_output(o, '10000000-0000-0000-0000-000000000001');
  PERFORM megaforce.request_changes(o, '10000000-0000-0000-0000-000000000002', 'again');
  PERFORM megaforce.reopen_output(o, '10000000-0000-0000-0000-000000000001');" "$write_limit"
check_flat "create_output + approve_output + publish_output + archive_output + transition_output" "$calls" "
  o := (megaforce.create_output('10000000-0000-0000-0000-000000000001', 't', '{}')).id;
  PERFORM megaforce.transition_output(o, 'pending_review', '10000000-0000-0000-0000-000000000001');
  PERFORM megaforce.approve_output(o, '10000000-0000-0000-0000-000000000002');
  PERFORM megaforce.publish_output(o, '10000000-0000-0000-0000-000000000003');
  PERFORM megaforce.archive_output(o, '10000000-0000-0000-0000-000000000003');" "$write_limit"
q -c "SELECT megaforce.submit_output((megaforce.create_output('10000000-0000-0000-0000-000000000001', 'short', '{}')).id,
                                    '10000000-0000-0000-0000-000000000001')" >/dev/null
check_flat "verify_history (one output)" "$calls" "PERFORM * FROM megaforce.verify_history(o);
  o := coalesce(o, (SELECT id FROM megaforce.output_schemas WHERE title = 'short'));"
check_flat "create_user" "$calls" "PERFORM megaforce.create_user('u' || i || '-' || txid_current() || '@example.com', 'U');" "$write_limit"
check_flat "set_password + authenticate (argon2id)" "$argon2_calls" "
  PERFORM megaforce.set_password((SELECT id FROM megaforce.users WHERE email = 'pw@example.com'), 'a long password');
  PERFORM megaforce.authenticate('pw@example.com', 'a long password');
  PERFORM megaforce.authenticate('pw@example.com', 'wrong password');"

# Long calls stop when asked.
q -c "SET session_replication_role = replica;
      INSERT INTO megaforce.approval_history (output_id, from_status, to_status, actor_id, revision)
      SELECT id, NULL, 'draft', owner_id, 1 FROM megaforce.output_schemas,
             generate_series(1, (600000 / (SELECT count(*) FROM megaforce.output_schemas))::int + 1)"
rows=$(q -c "SELECT count(*) FROM megaforce.approval_history")
start=$(date +%s%N)
out=$(q -c "SET statement_timeout = '200ms'" -c "SELECT count(*) FROM megaforce.verify_history()" 2>&1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'canceling statement due to statement timeout' <<<"$out" && (( ms < 3000 ))
ok $? "statement_timeout stops verify_history over $rows history rows (${ms} ms)"
q -c "UPDATE megaforce.input_sources SET trigger = 'schedule', schedule = '* * * * *'" >/dev/null
q -c "INSERT INTO megaforce.input_sources (owner_id, name, kind, trigger, schedule)
      SELECT '10000000-0000-0000-0000-000000000001', 's' || n, 'rss', 'schedule', '* * * * *' FROM generate_series(1, 30000) n"
q -c "UPDATE megaforce.input_sources SET next_run_at = now() - interval '1 minute'"
q -c "SELECT pg_sleep(0.5)" -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
      WHERE datname = '$db' AND query LIKE '%enqueue_due_runs%' AND pid <> pg_backend_pid()" >/dev/null &
canceller=$!
start=$(date +%s%N)
out=$(q -c "SELECT megaforce.enqueue_due_runs()" 2>&1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait $canceller
grep -q 'canceling statement due to user request' <<<"$out"
ok $? "pg_cancel_backend stops enqueue_due_runs over 30,000 due sources (${ms} ms)"
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE trigger = 'schedule'")" 0 "the cancelled call left nothing behind"
psql -X -q -d postgres -c "DROP DATABASE $db"
done_testing

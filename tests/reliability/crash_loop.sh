#!/usr/bin/env bash
# Crash safety (issue 9): under an 8-client load of claims, completions,
# enqueues and approval steps, the postmaster and every backend are killed
# with SIGKILL at a random moment; after crash recovery the invariants hold:
# no running run without a lease, claims and completions exactly as
# committed (no double completion), every output's status and revision those
# of its last history row, revision = number of history rows, every hash
# chain intact. MF_CRASH_ROUNDS rounds (default 5).
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
source "$here/tests/lib/cluster.sh"
rounds=${MF_CRASH_ROUNDS:-5}
dir=$(mktemp -d /tmp/megaforce-crash.XXXXXX)
trap 'mf_cluster_stop "$dir"; rm -rf "$dir"' EXIT
mf_cluster_create "$dir"
mf_cluster_start "$dir" "max_connections = 30"
mf_cluster_env "$dir"
export PGDATABASE=mf_crash
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
psql -X -q -d postgres -c "CREATE DATABASE mf_crash"
q <<'SQL'
CREATE EXTENSION megaforce;
ALTER DATABASE mf_crash SET megaforce.notify = off;
INSERT INTO megaforce.users (id, email, role) VALUES
  ('10000000-0000-0000-0000-000000000001', 'owner@example.com', 'editor'),
  ('10000000-0000-0000-0000-000000000002', 'reviewer@example.com', 'reviewer');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind)
SELECT ('30000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, '10000000-0000-0000-0000-000000000001',
       'source ' || n, 'rss'
FROM generate_series(1, 200) n;
-- What the load committed, written in the same transactions as the work.
CREATE TABLE public.claims (run_id uuid PRIMARY KEY, token uuid NOT NULL);
CREATE TABLE public.completions (run_id uuid NOT NULL, at timestamptz DEFAULT clock_timestamp());
SQL

scripts=$dir/scripts
mkdir -p "$scripts"
cat >"$scripts/enqueue.sql" <<'SQL'
\set n random(1, 200)
SELECT megaforce.enqueue_run(('30000000-0000-0000-0000-' || lpad(:n::text, 12, '0'))::uuid);
SQL
cat >"$scripts/claim.sql" <<'SQL'
INSERT INTO public.claims (run_id, token) SELECT id, lease_token FROM megaforce.claim_runs('crash-worker', 2, '1 hour');
SQL
cat >"$scripts/complete.sql" <<'SQL'
WITH c AS (
  DELETE FROM public.claims WHERE run_id = (SELECT run_id FROM public.claims LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING run_id, token)
INSERT INTO public.completions (run_id) SELECT (megaforce.complete_run(run_id, token, '{"ok": true}')).id FROM c;
SQL
cat >"$scripts/approve.sql" <<'SQL'
SELECT megaforce.approve_output(
         (megaforce.submit_output(
            (megaforce.create_output('10000000-0000-0000-0000-000000000001', 'post', '{"body": 1}')).id,
            '10000000-0000-0000-0000-000000000001')).id,
         '10000000-0000-0000-0000-000000000002');
SQL

invariants() {
  q <<'SQL'
SELECT 'running run without a full lease: ' || count(*) FROM megaforce.runs
WHERE status = 'running' AND (lease_token IS NULL OR lease_expires_at IS NULL OR claimed_by IS NULL) HAVING count(*) > 0;
SELECT 'running runs and committed claims differ: ' || count(*) FROM (
  (SELECT id FROM megaforce.runs WHERE status = 'running' EXCEPT SELECT run_id FROM public.claims)
  UNION ALL (SELECT run_id FROM public.claims EXCEPT SELECT id FROM megaforce.runs WHERE status = 'running')) d
HAVING count(*) > 0;
SELECT 'a run completed twice: ' || run_id FROM public.completions GROUP BY run_id HAVING count(*) > 1;
SELECT 'succeeded runs and committed completions differ: ' || count(*) FROM (
  (SELECT id FROM megaforce.runs WHERE status = 'succeeded' EXCEPT SELECT run_id FROM public.completions)
  UNION ALL (SELECT run_id FROM public.completions EXCEPT SELECT id FROM megaforce.runs WHERE status = 'succeeded')) d
HAVING count(*) > 0;
SELECT 'more than one queued or running run of a source: ' || input_source_id FROM megaforce.runs
WHERE status IN ('queued', 'running') GROUP BY input_source_id, status HAVING count(*) > 1;
SELECT 'output ' || o.id || ' is ' || o.status || '/' || o.revision || ', its last history row ' ||
       coalesce(h.to_status, 'none') || '/' || coalesce(h.revision, 0) || ' of ' || h.n
FROM megaforce.output_schemas o
LEFT JOIN LATERAL (SELECT to_status, revision, (SELECT count(*) FROM megaforce.approval_history x WHERE x.output_id = o.id) AS n
                   FROM megaforce.approval_history WHERE output_id = o.id ORDER BY id DESC LIMIT 1) h ON true
WHERE h.to_status IS DISTINCT FROM o.status OR h.revision IS DISTINCT FROM o.revision OR h.n <> o.revision;
SELECT 'history chain: ' || problem FROM megaforce.verify_history();
SQL
}

total_runs=0 total_outputs=0
for ((round = 1; round <= rounds; round++)); do
  pgbench -n -c 8 -j 8 -T 60 -f "$scripts/enqueue.sql@3" -f "$scripts/claim.sql@3" -f "$scripts/complete.sql@3" \
    -f "$scripts/approve.sql@1" mf_crash >"$dir/pgbench.$round.log" 2>&1 &
  load=$!
  delay=$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1 + (r % 300) / 100 }')  # 1-4 s into the load
  sleep "$delay"
  postmaster=$(head -1 "$dir/data/postmaster.pid")
  mf_as_owner kill -9 "$postmaster" $(pgrep -P "$postmaster") 2>/dev/null
  wait $load 2>/dev/null
  # Gone, or a zombie nobody reaps (containers without an init): either way
  # dead, as after a power cut, so its pid file goes too.
  for _ in $(seq 50); do
    state=$(ps -o stat= -p "$postmaster" 2>/dev/null)
    [[ -z $state || $state == Z* ]] && break
    sleep 0.1
  done
  [[ $state == Z* ]] && rm -f "$dir/data/postmaster.pid" "$dir"/.s.PGSQL.*.lock
  mf_cluster_start "$dir" >/dev/null
  ok $? "round $round: killed -9 after ${delay}s of load; the server recovers"
  problems=$(invariants 2>&1)
  is "$problems" "" "round $round: invariants hold after recovery"
  total_runs=$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'succeeded'")
  total_outputs=$(q -c "SELECT count(*) FROM megaforce.output_schemas")
done
(( total_runs > 0 && total_outputs > 0 ))
ok $? "the load did work before the crashes ($total_runs runs completed, $total_outputs outputs approved in all)"
grep -q 'database system was interrupted\|was not properly shut down' "$dir/server.log"
ok $? "the server log shows crash recovery"
done_testing

#!/usr/bin/env bash
# `megaforce serve` on a big database (issue 21 goals): with 1M finished
# runs, 10k queued and 100k approval_history rows, the server time of a
# /metrics scrape (goal <= 20 ms) and of the status page (goal <= 100 ms),
# read from the Server-Timing header serve sends (the handler's own time:
# the database queries and the rendering, not the HTTP round trip, which is
# printed beside it). Medians and p90 of BENCH_SERVE_RUNS requests each, and
# the CPU time per request of serve plus its database backend, the figure a
# busy machine disturbs least.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
root=$(cd "$here/.." && pwd)
client=${MEGAFORCE_CLIENT:-$root/build/client/megaforce}
runs=${BENCH_SERVE_RUNS:-50}
finished=${BENCH_SERVE_FINISHED:-1000000} queued=${BENCH_SERVE_QUEUED:-10000} history=${BENCH_SERVE_HISTORY:-100000}

# BENCH_SERVE_REUSE=1: measure the database a previous run filled.
if [[ ${BENCH_SERVE_REUSE:-0} != 1 ]]; then
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" -c "CREATE DATABASE $BENCH_DB"
bench_psql -c "CREATE EXTENSION megaforce"
t0=$(date +%s)
# Written with the triggers off (replica role): the figures are about
# reading, and 1M runs through claim and complete would take most of an hour.
bench_psql <<SQL
SET session_replication_role = replica;
INSERT INTO megaforce.users (id, email, role) VALUES
  ('e0000000-0000-0000-0000-000000000001', 'owner@example.com', 'editor'),
  ('b0000000-0000-0000-0000-000000000001', 'reviewer@example.com', 'reviewer');
INSERT INTO megaforce.input_sources (owner_id, name, kind)
SELECT 'e0000000-0000-0000-0000-000000000001', 'source ' || i, 'rss' FROM generate_series(1, $queued) AS i;
CREATE TEMP TABLE sources AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM megaforce.input_sources;
-- Finished runs: 90 % succeeded, 8 % failed, 2 % cancelled, over the last 30 days.
INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, run_after, queued_at, started_at,
                            finished_at, lease_token, claimed_by, error)
SELECT s.id, CASE WHEN i % 50 = 0 THEN 'cancelled' WHEN i % 50 < 5 THEN 'failed' ELSE 'succeeded' END,
       1, 3, f - interval '1 minute', f - interval '1 minute', f - interval '10 seconds', f, gen_random_uuid(), 'w',
       CASE WHEN i % 50 BETWEEN 1 AND 4 THEN 'feed timed out after 30 s' END
FROM generate_series(1, $finished) AS i
JOIN sources s ON s.n = 1 + i % $queued
CROSS JOIN LATERAL (SELECT now() - (i * interval '2.592 seconds')) AS t(f);
-- One queued run per source, all due.
INSERT INTO megaforce.runs (input_source_id, status, max_attempts, run_after, queued_at)
SELECT id, 'queued', 3, now() - (n * interval '10 ms'), now() - (n * interval '10 ms') FROM sources;
-- Outputs (a quarter of the history count) with four history rows each.
INSERT INTO megaforce.output_schemas (owner_id, title, status, revision)
SELECT 'e0000000-0000-0000-0000-000000000001', 'post ' || i,
       (ARRAY['draft', 'pending_review', 'changes_requested', 'approved', 'rejected', 'published', 'archived'])[1 + i % 7], 4
FROM generate_series(1, $history / 4) AS i;
INSERT INTO megaforce.approval_history (output_id, from_status, to_status, actor_id, revision)
SELECT o.id, 'draft', 'pending_review', 'e0000000-0000-0000-0000-000000000001', k
FROM megaforce.output_schemas o CROSS JOIN generate_series(1, 4) AS k;
SQL
bench_psql -c "VACUUM ANALYZE"
echo "filled in $(( $(date +%s) - t0 )) s"
fi
echo "runs: $(bench_psql -c "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM megaforce.runs GROUP BY status) s"); history $(bench_psql -c "SELECT count(*) FROM megaforce.approval_history"); outputs $(bench_psql -c "SELECT count(*) FROM megaforce.output_schemas")"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
"$client" --dsn "dbname=$BENCH_DB" serve --listen "127.0.0.1:$port" >"$log" 2>&1 &
serve=$!
trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null; rm -f "$log"' EXIT
for ((i = 0; i < 100; i++)); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done

# CPU time (user + system, ms) used so far by serve and by its database
# backend: on a busy machine wall time mostly measures the wait for a CPU,
# CPU time per request does not.
backend=$(bench_psql -c "SELECT pid FROM pg_stat_activity WHERE datname = '$BENCH_DB' AND application_name = 'megaforce'")
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ s += $14 + $15 } END { printf "%.1f", s * 1000 / t }' "/proc/$serve/stat" "/proc/$backend/stat"; }

# measure PATH: "server_median server_p90 roundtrip_median cpu_per_request" in ms.
measure() {
  local path=$1 i server=() total=() line cpu0
  for ((i = 0; i < 5; i++)); do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done  # warm up
  cpu0=$(cpu_ms)
  for ((i = 0; i < runs; i++)); do
    line=$(curl -s -o /dev/null -D - -w 'total=%{time_total}\n' "http://127.0.0.1:$port$path")
    server+=("$(sed -n 's/^Server-Timing: app;dur=\([0-9.]*\).*/\1/p' <<<"$line")")
    total+=("$(sed -n 's/^total=//p' <<<"$line" | awk '{ print $1 * 1000 }')")
  done
  printf '%s %s %s %s\n' "$(printf '%s\n' "${server[@]}" | median)" \
    "$(printf '%s\n' "${server[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR * 0.9 + 0.5)] }')" \
    "$(printf '%s\n' "${total[@]}" | median)" "$(awk -v a="$cpu0" -v b="$(cpu_ms)" -v n="$runs" 'BEGIN { print (b - a) / n }')"
}

printf '%-22s %14s %11s %14s %13s %8s\n' request "server median" "server p90" "round trip" "CPU/request" goal
row() {
  local m p t c
  read -r m p t c < <(measure "$2")
  printf '%-22s %11.2f ms %8.2f ms %11.2f ms %10.2f ms %8s\n' "$1" "$m" "$p" "$t" "$c" "$3"
}
row "GET /metrics" /metrics "20 ms"
row "GET / (status page)" / "100 ms"
row "GET /health" /health "-"
echo "load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
# The status page's last failed runs are one range of an index on finished
# runs by status and finish time (runs_finished_idx, 1.2); without it they
# cost a scan of runs.
bench_psql -c "SELECT 'index for the last failed runs: ' || COALESCE((SELECT string_agg(indexrelid::regclass::text, ', ') FROM pg_index WHERE indrelid = 'megaforce.runs'::regclass AND pg_get_indexdef(indexrelid) LIKE '%finished_at%'), 'none (the status page scans runs)')"

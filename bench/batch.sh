#!/usr/bin/env bash
# The batch calls and the runs shape (issue 19's goal table), on one server
# in one run, paired rounds, medians of per-round ratios (bench/lib.sh):
#   1. claim 10 + one complete_runs  vs  the floor claiming 10 and completing
#      them in one statement (jobs/s);
#   2. megaforce (notify off)  vs  plain SQL doing the same writes on a table
#      shaped like runs (CREATE TABLE ... (LIKE megaforce.runs INCLUDING ALL):
#      its columns, indexes, CHECKs and defaults, no triggers), claiming 1 or
#      10 and completing each job in its own transaction (jobs/s);
# each at 1 and 8 clients, first CPU-bound (fsync = off, synchronous_commit
# = off), then again durable (both on) as a second table. Then, CPU-bound:
#   3. the share of heartbeats that are HOT updates: 8 clients heartbeating
#      1,000 running runs for BENCH_SECONDS, n_tup_hot_upd / n_tup_upd of
#      megaforce.runs over that phase (pg_stat_user_tables);
#   4. claim latency, 1 client, with 10k vs 1M finished runs, for claim 1 +
#      complete_run and claim 10 + complete_runs;
#   5. backend private memory over 100k claim/heartbeat/complete_runs/
#      enqueue_runs cycles in one session.
# The queues are topped up (untimed) before every timed run. The script sets
# fsync and synchronous_commit itself and gives the server its own settings
# back at the end.
# Run: scripts/dev bench, or with PGHOST/PGPORT/PGUSER (a superuser) exported:
#   BENCH_SECONDS=5 BENCH_ROUNDS=10 bash bench/batch.sh
# BENCH_SKIP_DURABLE=1 leaves out the durable table.
# Short check: BENCH_SECONDS=1 BENCH_ROUNDS=2 MEMORY_CYCLES=2000 FINISHED_RUNS=50000 bash bench/batch.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/lib-queue.sh"
# Deep enough that the floor claiming 10 and completing them in one
# statement (up to 25k jobs/s on 2 cores, CPU-bound) does not empty its
# queue within a timed run; megaforce's queue is bounded by SOURCES (one
# queued run per source), which its rate stays far below.
SOURCES=${SOURCES:-150000}
DEPTH=${DEPTH:-250000}
FINISHED_RUNS=${FINISHED_RUNS:-1000000}
MEMORY_CYCLES=${MEMORY_CYCLES:-100000}

trap 'rm -rf "$work"; bench_durability_reset' EXIT
work=$(mktemp -d)
bench_durability cpu
queue_database "$SOURCES"
queue_refill "$DEPTH"
# Every timed run starts from a topped-up, vacuumed queue on each side: a
# run's claims and completions leave as many dead rows as jobs (300k after a
# few runs), autovacuum visits once a minute, and the side measured after
# the other's run would otherwise pay for its dead rows.
export BENCH_BEFORE_RUN="bench_psql -c 'CALL refill()' -c 'VACUUM megaforce.runs, floor_jobs, runs_shape'"

for batch in 1 10; do
  mf_script $batch >"$work/mf$batch.sql"
  shape_script $batch >"$work/shape$batch.sql"
done
mf_batch_script 10 >"$work/mfc10.sql"
floor_batch_script 10 >"$work/floorc10.sql"

tables() {  # the comparisons 1 and 2 under the current settings
  echo
  echo "jobs/s, $1: ${BENCH_ROUNDS} paired rounds of ${BENCH_SECONDS}s; ratio = median of per-round ratios"
  compare_header
  for clients in 1 8; do
    compare "claim 10 + complete_runs vs floor" $clients 10 "$work/floorc10.sql" "" "$work/mfc10.sql" "-c megaforce.notify=off"
    for batch in 1 10; do
      compare "batch $batch, vs runs-shaped SQL" $clients $batch "$work/shape$batch.sql" "" "$work/mf$batch.sql" "-c megaforce.notify=off"
    done
  done
}
tables "CPU-bound (fsync = off, synchronous_commit = off)"
if [[ ${BENCH_SKIP_DURABLE:-0} != 1 ]]; then
  bench_durability durable
  tables "durable (fsync = on, synchronous_commit = on)"
  bench_durability cpu
fi

# 3. Heartbeats: 1,000 runs held by one worker, heartbeated at random.
bench_psql -c "CALL refill()" >/dev/null
bench_psql <<'SQL'
SET megaforce.notify = off;
CREATE TABLE hb AS SELECT row_number() OVER () AS n, id, lease_token FROM megaforce.claim_runs('hb', 1000);
CREATE UNIQUE INDEX ON hb (n);
SQL
cat >"$work/heartbeat.sql" <<'SQL'
\set n random(1, 1000)
SELECT megaforce.heartbeat_run(id, lease_token) FROM hb WHERE n = :n;
SQL
hot_counts() {
  bench_psql -c "SELECT pg_stat_force_next_flush()" \
    -c "SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'megaforce.runs'::regclass"
}
read -r upd0 hot0 < <(hot_counts | tail -1)
beats=$(pgbench_tps "$work/heartbeat.sql" 8 "-c megaforce.notify=off")
# The pgbench backends' statistics are flushed as they exit: wait for that.
bench_psql -c "DO \$\$ BEGIN
  WHILE EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND backend_type = 'client backend') LOOP PERFORM pg_sleep(0.1); PERFORM pg_stat_clear_snapshot(); END LOOP; END \$\$"
read -r upd1 hot1 < <(hot_counts | tail -1)
echo
printf 'heartbeats: %.0f/s at 8 clients; HOT updates: %s of %s updates of runs (%s %%)\n' "$beats" \
  $((hot1 - hot0)) $((upd1 - upd0)) "$(awk -v h=$((hot1 - hot0)) -v u=$((upd1 - upd0)) 'BEGIN { if (u) printf "%.1f", 100 * h / u; else print "nan" }')"
bench_psql -c "SELECT megaforce.complete_runs(array_agg(id), array_agg(lease_token)) FROM hb" -c "DROP TABLE hb" >/dev/null

# 4. Claim latency with few and with many finished runs.
latency_pair() {  # SCRIPT LABEL
  # From no finished runs: the timed runs above left far more than 10k
  # succeeded runs, which "10k" would otherwise read.
  bench_psql -c "DELETE FROM megaforce.runs WHERE status = 'succeeded'" -c "VACUUM ANALYZE megaforce.runs"
  finished_runs 10000 "$SOURCES"
  local l10k l1m
  l10k=$(for _ in 1 2 3; do latency_ms "$1"; done | median)
  finished_runs "$FINISHED_RUNS" "$SOURCES"
  l1m=$(for _ in 1 2 3; do latency_ms "$1"; done | median)
  printf '%s latency, 1 client: %s ms with 10k finished runs, %s ms with %s (ratio %s)\n' "$2" \
    "$l10k" "$l1m" "$FINISHED_RUNS" "$(awk -v a="$l1m" -v b="$l10k" 'BEGIN { printf "%.2f", a / b }')"
  bench_psql -c "DELETE FROM megaforce.runs WHERE status = 'succeeded'" -c "VACUUM ANALYZE megaforce.runs"
}
echo
latency_pair "$work/mf1.sql" "claim 1 + complete_run"
latency_pair "$work/mfc10.sql" "claim 10 + complete_runs"

# 5. Backend memory over many cycles of the batch calls in one session.
bench_psql <<SQL
SET megaforce.notify = off;
CREATE FUNCTION pg_temp.rss_kb() RETURNS bigint LANGUAGE sql AS
  \$\$ SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'RssAnon:\s+(\d+)'))[1]::bigint \$\$;
CREATE PROCEDURE pg_temp.cycles(n int) LANGUAGE plpgsql AS \$\$
DECLARE r megaforce.runs;
BEGIN
  FOR i IN 1..n LOOP
    SELECT * INTO r FROM megaforce.claim_runs('mem', 1);
    PERFORM megaforce.heartbeat_run(r.id, r.lease_token);
    PERFORM megaforce.complete_runs(ARRAY[r.id], ARRAY[r.lease_token], ARRAY['{"ok": true}'::jsonb]);
    PERFORM megaforce.enqueue_runs(ARRAY[r.input_source_id]);
    IF i % 1000 = 0 THEN COMMIT; END IF;
  END LOOP;
END \$\$;
CALL pg_temp.cycles(least(5000, $MEMORY_CYCLES));
SELECT pg_temp.rss_kb() AS before \gset
CALL pg_temp.cycles($MEMORY_CYCLES);
SELECT format('backend private memory (RssAnon) over %s claim/heartbeat/complete_runs/enqueue_runs cycles: %s kB -> %s kB (%s kB)',
              $MEMORY_CYCLES, :before, pg_temp.rss_kb(), pg_temp.rss_kb() - :before);
SQL

#!/usr/bin/env bash
# Queue throughput: claim + complete jobs/s, megaforce against the raw
# FOR UPDATE SKIP LOCKED floor (one table, no checks), on one server in one
# run, paired rounds (bench/lib.sh). A worker cycle claims 1 or a batch of
# 10 jobs in one transaction, then completes each job in its own transaction
# (jobs finish one by one). The queue is topped up before every timed run
# (untimed), so both sides always find work.
#   megaforce.notify = off  vs  floor
#   megaforce.notify = on   vs  floor + one pg_notify per change
# Then, for scale: plain SQL doing megaforce's writes on a table shaped like
# runs (its columns, indexes and CHECKs; no triggers, no functions) against
# the same floor, which is the most any code on the SPEC's schema can reach.
# Last: claim latency with 10k vs 1M finished runs, and backend memory over
# 100k claim/heartbeat/complete/enqueue cycles.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/lib-queue.sh"
# Deep enough that 8 clients claiming 10 at a time (13k jobs/s on the floor,
# CPU-bound, 2 cores) do not empty a queue within a timed run.
SOURCES=${SOURCES:-150000}
DEPTH=${DEPTH:-120000}

queue_database "$SOURCES"
queue_refill "$DEPTH"
# Every timed run starts from a topped-up, vacuumed queue on each side: a
# run's claims and completions leave as many dead rows as jobs (300k after a
# few runs), autovacuum visits once a minute, and the side measured after
# the other's run would otherwise pay for its dead rows.
export BENCH_BEFORE_RUN="bench_psql -c 'CALL refill()' -c 'VACUUM megaforce.runs, floor_jobs, runs_shape'"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for batch in 1 10; do
  mf_script $batch >"$work/mf$batch.sql"
  shape_script $batch >"$work/shape$batch.sql"
  floor_script $batch 0 >"$work/floor${batch}0.sql"
  floor_script $batch 1 >"$work/floor${batch}1.sql"
done

echo
echo "claim + complete jobs/s: ${BENCH_ROUNDS} paired rounds of ${BENCH_SECONDS}s; ratio = median of per-round ratios; $(bench_settings)"
compare_header
for clients in 1 8; do
  for batch in 1 10; do
    compare "batch $batch, notify off vs floor" $clients $batch "$work/floor${batch}0.sql" "" "$work/mf$batch.sql" "-c megaforce.notify=off"
    compare "batch $batch, notify on vs floor+notify" $clients $batch "$work/floor${batch}1.sql" "" "$work/mf$batch.sql" "-c megaforce.notify=on"
  done
done

echo
echo "the ceiling of the schema: plain SQL on a runs-shaped table (no triggers) vs the same floor"
compare_header
for batch in 1 10; do
  compare "batch $batch, runs-shaped table vs floor" 8 $batch "$work/floor${batch}0.sql" "" "$work/shape$batch.sql" ""
done

# Claim latency with many finished runs: the claim index holds only queued runs.
# The timed runs above finished far more than 10k runs (each completed job
# stays a succeeded run): start from none, or "10k" would read as many.
echo
bench_psql -c "DELETE FROM megaforce.runs WHERE status = 'succeeded'" -c "VACUUM ANALYZE megaforce.runs"
finished_runs 10000 "$SOURCES"
l10k=$(for r in 1 2 3; do latency_ms "$work/mf1.sql"; done | median)
finished_runs 1000000 "$SOURCES"
l1m=$(for r in 1 2 3; do latency_ms "$work/mf1.sql"; done | median)
printf 'claim + complete latency, 1 client: %s ms with 10k finished runs, %s ms with 1M (ratio %s)\n' \
  "$l10k" "$l1m" "$(awk -v a="$l1m" -v b="$l10k" 'BEGIN { printf "%.2f", a / b }')"

# Backend memory over 100k cycles in one session.
bench_psql <<'SQL'
SET megaforce.notify = off;
CREATE FUNCTION pg_temp.rss_kb() RETURNS bigint LANGUAGE sql AS
  $$ SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'RssAnon:\s+(\d+)'))[1]::bigint $$;
CREATE PROCEDURE pg_temp.cycles(n int) LANGUAGE plpgsql AS $$
DECLARE r megaforce.runs;
BEGIN
  FOR i IN 1..n LOOP
    SELECT * INTO r FROM megaforce.claim_runs('mem', 1);
    PERFORM megaforce.heartbeat_run(r.id, r.lease_token);
    PERFORM megaforce.complete_run(r.id, r.lease_token);
    PERFORM megaforce.enqueue_run(r.input_source_id);
    IF i % 1000 = 0 THEN COMMIT; END IF;
  END LOOP;
END $$;
CALL pg_temp.cycles(5000);
SELECT pg_temp.rss_kb() AS before \gset
CALL pg_temp.cycles(100000);
SELECT format('backend private memory (RssAnon) over 100k claim/heartbeat/complete/enqueue cycles: %s kB -> %s kB (%s kB)',
              :before, pg_temp.rss_kb(), pg_temp.rss_kb() - :before);
SQL

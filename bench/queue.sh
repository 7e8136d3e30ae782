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
SOURCES=${SOURCES:-60000}
DEPTH=${DEPTH:-40000}

bench_fresh_db "$SOURCES"
bench_psql <<SQL
-- The runs-shaped table: columns, indexes, CHECKs and defaults of runs.
CREATE TABLE runs_shape (LIKE megaforce.runs INCLUDING ALL);
-- Tops the queues up to $DEPTH queued jobs.
CREATE PROCEDURE refill() LANGUAGE plpgsql AS \$\$
BEGIN
  SET LOCAL megaforce.notify = off;
  INSERT INTO megaforce.runs (input_source_id)
  SELECT s.id FROM megaforce.input_sources s
  WHERE NOT EXISTS (SELECT 1 FROM megaforce.runs r WHERE r.input_source_id = s.id AND r.status IN ('queued', 'running'))
  LIMIT greatest(0, $DEPTH - (SELECT count(*) FROM megaforce.runs WHERE status = 'queued'));
  INSERT INTO floor_jobs (source)
  SELECT i FROM generate_series(1, greatest(0, $DEPTH - (SELECT count(*) FROM floor_jobs WHERE status = 'queued'))::int) i;
  INSERT INTO runs_shape (input_source_id, max_attempts)
  SELECT pg_catalog.gen_random_uuid(), 3
  FROM generate_series(1, greatest(0, $DEPTH - (SELECT count(*) FROM runs_shape WHERE status = 'queued'))::int) i;
  COMMIT;
  ANALYZE megaforce.runs;
  ANALYZE floor_jobs;
  ANALYZE runs_shape;
END \$\$;
SQL
bench_psql -c "CALL refill()" -c "VACUUM ANALYZE"
export BENCH_BEFORE_RUN="bench_psql -c 'CALL refill()'"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
notify_sql() {  # $1 = id expression, $2 = from, $3 = to
  echo "pg_notify('megaforce_runs', json_build_object('id', $1, 'from', $2, 'to', '$3')::text)"
}
for batch in 1 10; do
  {
    echo "SELECT array_agg(id) AS ids, array_agg(lease_token) AS tokens FROM megaforce.claim_runs('w' || :client_id, $batch) \\gset"
    for ((k = 1; k <= batch; k++)); do
      echo "SELECT 1 FROM megaforce.complete_run((:ids::uuid[])[$k], (:tokens::uuid[])[$k], '{\"ok\": true}');"
    done
  } >"$work/mf$batch.sql"
  {  # what claim_runs and complete_run write, as plain SQL on runs_shape
    echo "WITH c AS (SELECT r.id FROM runs_shape r WHERE r.status = 'queued' AND r.run_after <= now()"
    echo "             AND NOT EXISTS (SELECT 1 FROM runs_shape b WHERE b.input_source_id = r.input_source_id AND b.status = 'running' OFFSET 0)"
    echo "           ORDER BY r.priority DESC, r.run_after, r.queued_at, r.id LIMIT $batch FOR UPDATE OF r SKIP LOCKED),"
    echo "     u AS (UPDATE runs_shape r SET status = 'running', claimed_by = 'w' || :client_id, attempt = r.attempt + 1,"
    echo "                  lease_token = gen_random_uuid(), started_at = now(), updated_at = now(),"
    echo "                  lease_expires_at = now() + interval '5 minutes' FROM c WHERE r.id = c.id RETURNING r.*)"
    echo "SELECT array_agg(id) AS ids, array_agg(lease_token) AS tokens FROM u \\gset"
    for ((k = 1; k <= batch; k++)); do
      echo "UPDATE runs_shape SET status = 'succeeded', result = '{\"ok\": true}', finished_at = now(), updated_at = now(),"
      echo "  lease_expires_at = NULL WHERE id = (:ids::uuid[])[$k] AND lease_token = (:tokens::uuid[])[$k] AND texteq(status, 'running') RETURNING *;"
    done
  } >"$work/shape$batch.sql"
  for notify in 0 1; do
    claim_notify="" done_notify=""
    if ((notify)); then
      claim_notify=", count($(notify_sql j.id "'queued'" running)) AS notified"
      done_notify=", $(notify_sql ":id$batch" "'running'" succeeded)"
    fi
    {
      echo "WITH c AS (SELECT id FROM floor_jobs WHERE status = 'queued' AND run_after <= now()"
      echo "           ORDER BY priority DESC, run_after, id LIMIT $batch FOR UPDATE SKIP LOCKED),"
      echo "     u AS (UPDATE floor_jobs j SET status = 'running', claimed_by = 'w' || :client_id, attempt = attempt + 1,"
      echo "                  lease_expires_at = now() + interval '5 minutes' FROM c WHERE j.id = c.id RETURNING j.id)"
      echo "SELECT array_agg(j.id) AS ids $claim_notify FROM u j \\gset"
      for ((k = 1; k <= batch; k++)); do
        echo "WITH d AS (UPDATE floor_jobs SET status = 'succeeded', finished_at = now(), result = '{\"ok\": true}'"
        echo "           WHERE id = (:ids::bigint[])[$k] AND status = 'running' RETURNING id)"
        echo "SELECT 1 ${done_notify//:id$batch/d.id} FROM d;"
      done
    } >"$work/floor$batch$notify.sql"
  done
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
cp "$work/mf1.sql" "$work/latency.sql"
finished_runs() {  # fill up to $1 finished runs (loaded in replica mode, as a restore would)
  bench_psql -c "SET session_replication_role = replica;
    INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, started_at, finished_at)
    SELECT s.id, 'succeeded', 1, 3, now(), now()
    FROM generate_series(1, greatest(0, $1 - (SELECT count(*) FROM megaforce.runs WHERE status <> 'queued'))::int) g
    JOIN (SELECT id, row_number() OVER () AS n FROM megaforce.input_sources) s ON s.n = 1 + g % $SOURCES;" \
    -c "VACUUM ANALYZE megaforce.runs"
}
latency_ms() {
  bench_psql -c "CALL refill()" -c "CHECKPOINT" >/dev/null
  PGOPTIONS="-c megaforce.notify=off" pgbench -n -M prepared -T "$BENCH_SECONDS" -c 1 -f "$work/latency.sql" "$BENCH_DB" 2>&1 |
    sed -n 's/^latency average = \([0-9.]*\) ms/\1/p'
}
echo
finished_runs 10000
l10k=$(for r in 1 2 3; do latency_ms; done | median)
finished_runs 1000000
l1m=$(for r in 1 2 3; do latency_ms; done | median)
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

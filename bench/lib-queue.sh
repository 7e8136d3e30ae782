# shellcheck shell=bash
# Shared parts of the queue benchmarks (bench/queue.sh, bench/peers.sh,
# bench/batch.sh);
# source this file after bench/lib.sh. Sourced only: run as a script (as
# `scripts/dev bench` runs every bench/*.sh) it does nothing.
[[ ${BASH_SOURCE[0]} == "$0" ]] && exit 0

# The floor: a plain job table with the claim index a hand-written queue has.
FLOOR_TABLE_SQL="CREATE TABLE floor_jobs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, source int NOT NULL, status text NOT NULL DEFAULT 'queued',
  priority int NOT NULL DEFAULT 0, run_after timestamptz NOT NULL DEFAULT now(), claimed_by text,
  lease_expires_at timestamptz, attempt int NOT NULL DEFAULT 0, finished_at timestamptz,
  result jsonb NOT NULL DEFAULT '{}');
CREATE INDEX floor_claim ON floor_jobs (priority DESC, run_after, id) WHERE status = 'queued';"

# queue_database SOURCES: a fresh $BENCH_DB with megaforce, one owner, SOURCES
# input sources and the floor table.
queue_database() {
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres \
    -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
  bench_psql <<SQL
CREATE EXTENSION megaforce;
INSERT INTO megaforce.users (id, email) VALUES ('e0000000-0000-0000-0000-000000000001', 'owner@example.com');
INSERT INTO megaforce.input_sources (owner_id, name, kind)
SELECT 'e0000000-0000-0000-0000-000000000001', 'source ' || i, 'rss' FROM generate_series(1, $1) i;
$FLOOR_TABLE_SQL
SQL
}

# bench_durability cpu|durable: the server's commit settings for what
# follows. cpu: fsync = off, synchronous_commit = off (CPU-bound: no wait on
# the disk); durable: both on. bench_durability_reset (run it on EXIT)
# gives the server back its own configuration.
bench_durability() {
  local on
  case $1 in cpu) on=off ;; durable) on=on ;; *) echo "bench_durability: cpu or durable, not $1" >&2; return 1 ;; esac
  psql -X -q -d postgres -c "ALTER SYSTEM SET fsync = $on" -c "ALTER SYSTEM SET synchronous_commit = $on" \
    -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.2  # the reload reaches every backend
}
bench_durability_reset() {
  psql -X -q -d postgres -c "ALTER SYSTEM RESET fsync" -c "ALTER SYSTEM RESET synchronous_commit" \
    -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
}

# queue_refill DEPTH: creates refill(), which tops megaforce.runs, floor_jobs
# and runs_shape (a table shaped like megaforce.runs: its columns, indexes,
# CHECKs and defaults, no triggers) up to DEPTH queued jobs each.
queue_refill() {
  bench_psql <<SQL
CREATE TABLE runs_shape (LIKE megaforce.runs INCLUDING ALL);
CREATE PROCEDURE refill() LANGUAGE plpgsql AS \$\$
BEGIN
  SET LOCAL megaforce.notify = off;
  INSERT INTO megaforce.runs (input_source_id)
  SELECT s.id FROM megaforce.input_sources s
  WHERE NOT EXISTS (SELECT 1 FROM megaforce.runs r WHERE r.input_source_id = s.id AND r.status IN ('queued', 'running'))
  LIMIT greatest(0, $1 - (SELECT count(*) FROM megaforce.runs WHERE status = 'queued'));
  INSERT INTO floor_jobs (source)
  SELECT i FROM generate_series(1, greatest(0, $1 - (SELECT count(*) FROM floor_jobs WHERE status = 'queued'))::int) i;
  INSERT INTO runs_shape (input_source_id, max_attempts)
  SELECT pg_catalog.gen_random_uuid(), 3
  FROM generate_series(1, greatest(0, $1 - (SELECT count(*) FROM runs_shape WHERE status = 'queued'))::int) i;
  COMMIT;
  ANALYZE megaforce.runs;
  ANALYZE floor_jobs;
  ANALYZE runs_shape;
END \$\$;
SQL
  bench_psql -c "CALL refill()" -c "VACUUM ANALYZE"
}

# pgbench scripts, one worker cycle each: claim BATCH jobs in one
# transaction, then complete them.
#   mf_script BATCH          megaforce: claim_runs, then complete_run per run
#   mf_batch_script BATCH    megaforce: claim_runs, then one complete_runs
#   shape_script BATCH       what claim_runs and complete_run write, as plain SQL on runs_shape
#   floor_script BATCH [1]   the floor, one completion per job (1: plus one pg_notify per change)
#   floor_batch_script BATCH the floor, all completions in one statement
mf_script() {
  echo "SELECT array_agg(id) AS ids, array_agg(lease_token) AS tokens FROM megaforce.claim_runs('w' || :client_id, $1) \\gset"
  for ((k = 1; k <= $1; k++)); do
    echo "SELECT 1 FROM megaforce.complete_run((:ids::uuid[])[$k], (:tokens::uuid[])[$k], '{\"ok\": true}');"
  done
}
mf_batch_script() {
  echo "SELECT array_agg(id) AS ids, array_agg(lease_token) AS tokens FROM megaforce.claim_runs('w' || :client_id, $1) \\gset"
  echo "SELECT count(*) FROM megaforce.complete_runs(:ids::uuid[], :tokens::uuid[], array_fill('{\"ok\": true}'::jsonb, ARRAY[cardinality(:ids::uuid[])]));"
}
# The statements the jobs/s scripts and bench/instructions.sh share, so both
# measure the same SQL. WORKER is an SQL expression for claimed_by.
#   shape_claim_cte BATCH WORKER    claim_runs' writes on runs_shape: CTEs c and u (u RETURNING r.*)
#   shape_complete_sql ID TOKEN     complete_run's writes on runs_shape, without a terminator
#   floor_claim_cte BATCH WORKER    the floor's claim: CTEs c and u (u RETURNING j.id)
#   floor_complete_sql PREDICATE    the floor's completion of the jobs PREDICATE picks, without a terminator
shape_claim_cte() {
  echo "WITH c AS (SELECT r.id FROM runs_shape r WHERE r.status = 'queued' AND r.run_after <= now()"
  echo "             AND NOT EXISTS (SELECT 1 FROM runs_shape b WHERE b.input_source_id = r.input_source_id AND b.status = 'running' OFFSET 0)"
  echo "           ORDER BY r.priority DESC, r.run_after, r.queued_at, r.id LIMIT $1 FOR UPDATE OF r SKIP LOCKED),"
  echo "     u AS (UPDATE runs_shape r SET status = 'running', claimed_by = $2, attempt = r.attempt + 1,"
  echo "                  lease_token = gen_random_uuid(), started_at = now(), updated_at = now(),"
  echo "                  lease_expires_at = now() + interval '5 minutes' FROM c WHERE r.id = c.id RETURNING r.*)"
}
shape_complete_sql() {
  echo "UPDATE runs_shape SET status = 'succeeded', result = '{\"ok\": true}', finished_at = now(), updated_at = now(),"
  echo "  lease_expires_at = NULL WHERE id = $1 AND lease_token = $2 AND texteq(status, 'running')"
}
floor_claim_cte() {
  echo "WITH c AS (SELECT id FROM floor_jobs WHERE status = 'queued' AND run_after <= now()"
  echo "           ORDER BY priority DESC, run_after, id LIMIT $1 FOR UPDATE SKIP LOCKED),"
  echo "     u AS (UPDATE floor_jobs j SET status = 'running', claimed_by = $2, attempt = attempt + 1,"
  echo "                  lease_expires_at = now() + interval '5 minutes' FROM c WHERE j.id = c.id RETURNING j.id)"
}
floor_complete_sql() {
  echo "UPDATE floor_jobs SET status = 'succeeded', finished_at = now(), result = '{\"ok\": true}'"
  echo "  WHERE $1 AND status = 'running'"
}
shape_script() {
  shape_claim_cte "$1" "'w' || :client_id"
  echo "SELECT array_agg(id) AS ids, array_agg(lease_token) AS tokens FROM u \\gset"
  for ((k = 1; k <= $1; k++)); do
    echo "$(shape_complete_sql "(:ids::uuid[])[$k]" "(:tokens::uuid[])[$k]") RETURNING *;"
  done
}
floor_claim_sql() {  # BATCH [extra select list]
  floor_claim_cte "$1" "'w' || :client_id"
  echo "SELECT array_agg(j.id) AS ids ${2:-} FROM u j \\gset"
}
floor_notify_sql() {  # $1 = id expression, $2 = from, $3 = to
  echo "pg_notify('megaforce_runs', json_build_object('id', $1, 'from', $2, 'to', '$3')::text)"
}
floor_script() {
  local notify=${2:-0} claim_notify="" done_notify=""
  if ((notify)); then
    claim_notify=", count($(floor_notify_sql j.id "'queued'" running)) AS notified"
    done_notify=", $(floor_notify_sql d.id "'running'" succeeded)"
  fi
  floor_claim_sql "$1" "$claim_notify"
  for ((k = 1; k <= $1; k++)); do
    echo "WITH d AS (UPDATE floor_jobs SET status = 'succeeded', finished_at = now(), result = '{\"ok\": true}'"
    echo "           WHERE id = (:ids::bigint[])[$k] AND status = 'running' RETURNING id)"
    echo "SELECT 1 $done_notify FROM d;"
  done
}
floor_batch_script() {
  floor_claim_sql "$1"
  echo "$(floor_complete_sql "id = ANY (:ids::bigint[])");"
}

# finished_runs N SOURCES: fill megaforce.runs up to N finished runs (loaded
# in replica mode, as a restore would), spread over the first SOURCES sources.
finished_runs() {
  bench_psql -c "SET session_replication_role = replica;
    INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, started_at, finished_at)
    SELECT s.id, 'succeeded', 1, 3, now(), now()
    FROM generate_series(1, greatest(0, $1 - (SELECT count(*) FROM megaforce.runs WHERE status <> 'queued'))::int) g
    JOIN (SELECT id, row_number() OVER () AS n FROM megaforce.input_sources) s ON s.n = 1 + g % $2;" \
    -c "VACUUM ANALYZE megaforce.runs"
}

# latency_ms SCRIPT: average latency of one client running SCRIPT
# (megaforce.notify off) for BENCH_SECONDS, after a refill and a checkpoint.
latency_ms() {
  bench_psql -c "CALL refill()" -c "CHECKPOINT" >/dev/null
  PGOPTIONS="-c megaforce.notify=off" pgbench -n -M prepared -T "$BENCH_SECONDS" -c 1 -f "$1" "$BENCH_DB" 2>&1 |
    sed -n 's/^latency average = \([0-9.]*\) ms/\1/p'
}

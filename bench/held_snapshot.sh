#!/usr/bin/env bash
# What a held snapshot costs one claim (issue 18): buffers one claim touches
# (EXPLAIN (ANALYZE, BUFFERS), which counts the statements claim_runs runs)
# after N runs were claimed and completed, with and without a session idle in
# transaction holding an XID; megaforce against the floor's claim (a plain
# table, the same claim order). Buffers, not time: the figures do not depend
# on the machine's load.
#
# Every claimed run leaves an entry in the claim index (partial on queued)
# that points at its queued version. Without the held XID the first claim
# that walks over such an entry after its row is dead to everyone marks it
# dead (kill_prior_tuple), and later claims skip it cheaply; with it, no
# entry is dead to everyone, so each claim walks (and reads the heap for)
# every entry claimed since the transaction began: cost grows with N. Runs
# are queued one per millisecond, in id order, so that the claim order is
# the heap's order, as under a live producer: consecutive dead entries then
# share a heap page, and the buffers counted grow by about one per heap page
# of dead rows (the CPU for each dead entry is spent all the same).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
QUEUED=${HELD_QUEUED:-40000}
STEPS=${HELD_STEPS:-0 1000 4000 16000}

bench_fresh_db "$QUEUED"
bench_psql <<SQL
CREATE FUNCTION claim_buffers(call text) RETURNS bigint LANGUAGE plpgsql AS \$\$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || call INTO plan;
  RETURN (plan->0->'Plan'->>'Shared Hit Blocks')::bigint + (plan->0->'Plan'->>'Shared Read Blocks')::bigint;
END \$\$;
CREATE PROCEDURE fill() LANGUAGE plpgsql AS \$\$
BEGIN
  SET LOCAL megaforce.notify = off;
  DELETE FROM megaforce.runs; DELETE FROM floor_jobs;
  -- Distinct run_after (one enqueue per millisecond, as a live producer's
  -- would be), so the claim order is the order of insertion on both sides.
  INSERT INTO megaforce.runs (input_source_id, run_after, queued_at)
  SELECT id, now() - (n * interval '1 millisecond'), now() - (n * interval '1 millisecond')
  FROM (SELECT id, $QUEUED - row_number() OVER (ORDER BY id) AS n FROM megaforce.input_sources) s ORDER BY n DESC;
  INSERT INTO floor_jobs (source, run_after)
  SELECT g, now() - (($QUEUED - g) * interval '1 millisecond') FROM generate_series(1, $QUEUED) g;
END \$\$;
-- Claims and completes n runs, each step its own transaction.
CREATE PROCEDURE work(n int) LANGUAGE plpgsql AS \$\$
DECLARE r megaforce.runs; job bigint;
BEGIN
  SET megaforce.notify = off; SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off;
  FOR i IN 1..n LOOP
    SELECT * INTO r FROM megaforce.claim_runs('bench', 1);
    COMMIT;
    PERFORM megaforce.complete_run(r.id, r.lease_token);
    COMMIT;
    WITH c AS (SELECT id FROM floor_jobs WHERE status = 'queued' AND run_after <= now()
               ORDER BY priority DESC, run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    UPDATE floor_jobs j SET status = 'running' FROM c WHERE j.id = c.id RETURNING j.id INTO job;
    COMMIT;
    UPDATE floor_jobs SET status = 'succeeded' WHERE id = job;
    COMMIT;
  END LOOP;
END \$\$;
SQL

# measure HELD: prints one row per N.
measure() {
  local held=$1 holder="" done=0 n flag
  bench_psql -c "CALL fill()" -c "VACUUM ANALYZE megaforce.runs" -c "VACUUM ANALYZE floor_jobs"
  if ((held)); then
    flag=$(mktemp)  # the transaction lasts while this file exists
    { echo "BEGIN; SELECT txid_current();"; while [[ -e $flag ]]; do sleep 1; done; echo "COMMIT;"; } |
      bench_psql >/dev/null &
    holder=$!
    sleep 1
  fi
  for n in $STEPS; do
    bench_psql -c "CALL work($((n - done)))"
    done=$n
    bench_psql -F ' ' <<SQL
SET megaforce.notify = off; SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off;
BEGIN;  -- a first claim in this session: its plans and catalog caches
SELECT FROM megaforce.claim_runs('probe', 1);
ROLLBACK;
BEGIN;
SELECT claim_buffers('SELECT * FROM megaforce.claim_runs(''probe'', 1)') AS mf \gset
SELECT claim_buffers('WITH c AS (SELECT id FROM floor_jobs WHERE status = ''queued'' AND run_after <= now()
  ORDER BY priority DESC, run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED)
  UPDATE floor_jobs j SET status = ''running'' FROM c WHERE j.id = c.id') AS fl \gset
ROLLBACK;
\pset format unaligned
SELECT format('%-12s %8s %14s %14s', CASE WHEN $held = 1 THEN 'held XID' ELSE 'none' END, $n, :mf, :fl);
SQL
  done
  if [[ -n $holder ]]; then rm -f "$flag"; wait "$holder" 2>/dev/null || true; fi
}

echo
echo "buffers one claim touches after N claims+completions ($QUEUED queued at the start)"
printf '%-12s %8s %14s %14s\n' "held" N megaforce floor
measure 0
measure 1

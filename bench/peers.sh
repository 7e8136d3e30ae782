#!/usr/bin/env bash
# megaforce against its peers, graphile-worker and pg-boss, and against the
# raw FOR UPDATE SKIP LOCKED floor, on one server in one run: jobs completed
# per second by 1 and 8 workers, claiming 1 or 10 jobs at a time.
#
# The peers are npm packages that this script installs, at the versions
# pinned in bench/peers/package.json, into bench/peers/node_modules (ignored
# by git; never committed, never in CI): graphile-worker 0.16.6 and pg-boss
# 10.4.2, the newest releases that run on Node.js 20, and pg 8.13.1.
#
# How every system is driven (bench/peers/drive.js, one Node.js process per
# measurement): the queue is emptied, a pool of N connections opens, the
# jobs are enqueued in bulk (PEER_JOBS of them) and the queue table
# analyzed, then N workers start (graphile-worker's run() starts its workers
# before the enqueue; they wake on its NOTIFY); after a 1 s warm-up, completions are counted
# over BENCH_SECONDS. The worker loop is the same for all: claim 1 (or 10)
# jobs in one statement, then complete each job in its own statement (its
# own transaction), then claim again; a completion counts when its statement
# returned. Each peer runs its own SQL through its own API:
#   floor            claim: WITH c AS (SELECT id FROM floor_jobs WHERE status = 'queued' AND run_after <= now()
#                      ORDER BY priority DESC, run_after, id LIMIT $n FOR UPDATE SKIP LOCKED)
#                      UPDATE floor_jobs ... SET status = 'running', claimed_by, attempt + 1, lease_expires_at
#                    complete: UPDATE floor_jobs SET status = 'succeeded', finished_at, result WHERE id = $1 AND status = 'running'
#                    (the floor of bench/queue.sh: one table, one partial index, no checks)
#   megaforce        claim: SELECT id, lease_token FROM megaforce.claim_runs($worker, $n)
#                    complete: SELECT id FROM megaforce.complete_run($id, $token, '{"ok": true}')
#                    (megaforce.notify = off unless PEER_MF_NOTIFY=on: neither peer notifies
#                    on claim or completion); enqueued with megaforce.enqueue_runs.
#   graphile-worker  its own worker loop, run({concurrency: N}): one job per fetch (0.16 has
#                    no batch fetch, so no batch-10 cell), graphile-worker/dist/sql/getJob.js:
#                      WITH j AS (SELECT jobs.job_queue_id, jobs.priority, jobs.run_at, jobs.id
#                        FROM graphile_worker._private_jobs jobs WHERE jobs.is_available = true
#                        AND run_at <= now() AND task_id = ANY($2) AND (jobs.job_queue_id IS NULL OR
#                        jobs.job_queue_id IN (SELECT id FROM graphile_worker._private_job_queues
#                        WHERE is_available = true FOR UPDATE SKIP LOCKED))
#                        ORDER BY priority, run_at LIMIT 1 FOR UPDATE SKIP LOCKED),
#                      q AS (UPDATE graphile_worker._private_job_queues SET locked_by, locked_at FROM j ...)
#                      UPDATE graphile_worker._private_jobs SET attempts + 1, locked_by, locked_at
#                        FROM j WHERE jobs.id = j.id RETURNING *
#                    complete (dist/sql/completeJob.js, a job with no named queue):
#                      DELETE FROM graphile_worker._private_jobs WHERE id = $1
#                    prepared statements (its default); counted at its job:complete event;
#                    enqueued with its SQL function graphile_worker.add_jobs.
#   pg-boss          fetch('bench', {batchSize: n}) and complete('bench', id, {ok: true}) in this
#                    loop (supervise, schedule off), pg-boss/src/plans.js fetchNextJob:
#                      WITH next AS (SELECT id, singleton_key, policy FROM pgboss.job WHERE name = $1
#                        AND state < 'active' AND start_after < now()
#                        ORDER BY priority DESC, created_on, id LIMIT $2 FOR UPDATE SKIP LOCKED),
#                      grouped AS (... row_number() per singleton key ...)
#                      UPDATE pgboss.job j SET state = 'active', started_on = now(), retry_count ...
#                        FROM grouped WHERE name = $1 AND j.id = grouped.id AND (policy rule) RETURNING j.*
#                    complete (completeJobs): WITH results AS (UPDATE pgboss.job SET completed_on = now(),
#                      state = 'completed', output = $3 WHERE name = $1 AND id IN (SELECT unnest($2::uuid[]))
#                      AND state = 'active' RETURNING *) SELECT count(*) FROM results
#                    enqueued with insert(). Its claim index job_i5 (name, start_after)
#                    INCLUDE (priority, created_on, id) WHERE state < 'active' cannot give
#                    that order, so every fetch reads and sorts the whole backlog of the
#                    queue: with PEER_JOBS = 60000 queued it fetches tens of times a second,
#                    and it grows faster as the queue gets shallower.
# Paired rounds: every round measures every system of a cell once, the order
# rotating from round to round; printed are the mean jobs/s and the medians
# of the per-round ratios (system / floor, megaforce / system). CPU-bound:
# the script sets fsync = off and synchronous_commit = off for its run (and
# gives the server its settings back at the end).
#
# Run: scripts/dev bench   (every bench script), or against a cluster of your
# own with PGHOST/PGPORT/PGUSER exported (a superuser; megaforce installed):
#   BENCH_SECONDS=5 BENCH_ROUNDS=10 PEER_JOBS=60000 bash bench/peers.sh
# PEER_JOBS must outlast warm-up + window at the fastest system's rate; the
# driver stops with an error if a queue ran dry inside the window.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/lib-queue.sh"
PEER_JOBS=${PEER_JOBS:-60000}

peers=$here/peers
if ! (cd "$peers" && node -e 'for (const p of ["pg", "pg-boss", "graphile-worker"])
      if (require(p + "/package.json").version !== require("./package.json").dependencies[p]) process.exit(1)') 2>/dev/null; then
  echo "installing the peers into $peers/node_modules (npm)"
  (cd "$peers" && npm install --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null)
fi

trap bench_durability_reset EXIT
bench_durability cpu
queue_database "$PEER_JOBS"
bench_psql -c "VACUUM ANALYZE"

drive() {  # SYSTEM WORKERS BATCH: jobs/s
  BENCH_DB=$BENCH_DB node "$peers/drive.js" "$1" "$2" "$3" "$BENCH_SECONDS" "$PEER_JOBS"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) print a / b; else print 0 }'; }
med() { printf '%s\n' "$@" | median | awk '{ printf "%.2f", $1 }'; }

echo
echo "jobs/s, claim then one completing transaction per job; ${BENCH_ROUNDS} paired rounds of ${BENCH_SECONDS}s;"
echo "ratios are medians of per-round ratios; fsync = off, synchronous_commit = off"
printf '%7s %5s  %-16s %10s %9s %15s\n' workers batch system "jobs/s" "vs floor" "megaforce/this"
for workers in 1 8; do
  for batch in 1 10; do
    systems=(floor megaforce pg-boss)
    ((batch == 1)) && systems+=(graphile-worker)
    declare -A rate=()
    for ((r = 0; r < BENCH_ROUNDS; r++)); do
      for ((i = 0; i < ${#systems[@]}; i++)); do
        s=${systems[(i + r) % ${#systems[@]}]}
        rate[$s,$r]=$(drive "$s" "$workers" "$batch")
      done
    done
    for s in "${systems[@]}"; do
      values=() vs_floor=() mf_over=()
      for ((r = 0; r < BENCH_ROUNDS; r++)); do
        values+=("${rate[$s,$r]}")
        vs_floor+=("$(ratio "${rate[$s,$r]}" "${rate[floor,$r]}")")
        mf_over+=("$(ratio "${rate[megaforce,$r]}" "${rate[$s,$r]}")")
      done
      printf '%7s %5s  %-16s %10s %9s %15s\n' "$workers" "$batch" "$s" \
        "$(printf '%s\n' "${values[@]}" | mean)" "$(med "${vs_floor[@]}")" "$(med "${mf_over[@]}")"
    done
    unset rate
  done
done
echo "graphile-worker 0.16 fetches one job at a time: it has no batch-10 cell."

#!/usr/bin/env bash
# Live load (issue 18): the queue as production runs it. Workers connect and
# start polling while the queue is empty; then producers enqueue at a fixed
# offered rate (pgbench -R); autovacuum at PostgreSQL's defaults. Phases:
#   clean     the load alone
#   held      plus one session idle in transaction holding an XID (so no
#             dead row of the queue can be removed, and every claim walks the
#             dead entries at the head of the claim index)
#   recovery  after that transaction ends
# The same run against the floor: a hand-written FOR UPDATE SKIP LOCKED
# queue on a plain table (planned with index paths only, as megaforce's claim
# is, so that its plan cannot sort the queue either). Every INTERVAL seconds:
# completions/s, queue depth, dead tuples of the queue table (as the
# statistics report them) and claim latency p50/p99; per phase: the medians,
# completions/offered, the ratios held/clean and recovery/clean, and how long
# after the transaction ended an interval reached 0.9x clean again.
#
# Workers are pgbench clients: claim one run (a transaction), complete it (a
# transaction), sleep 10 ms when the queue was empty. Claim latency comes
# from a probe client, connected before the first enqueue like the workers,
# that claims one run 50 times a second and rolls back (pgbench's log of it;
# the live rows show what pgbench has flushed so far, the phase summary all).
#
# Options (environment): LIVE_RATE (offered runs/s, 1500), LIVE_WORKERS (8),
# LIVE_CLEAN, LIVE_HELD, LIVE_RECOVERY (phase seconds: 120, 240, 120),
# LIVE_INTERVAL (report every N seconds, 5), LIVE_SOURCES (60000),
# LIVE_PRODUCERS (pgbench clients sharing the offered rate, 4),
# LIVE_SIDES ("megaforce floor").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
RATE=${LIVE_RATE:-1500}
WORKERS=${LIVE_WORKERS:-8}
CLEAN=${LIVE_CLEAN:-120}
HELD=${LIVE_HELD:-240}
RECOVERY=${LIVE_RECOVERY:-120}
INTERVAL=${LIVE_INTERVAL:-5}
SOURCES=${LIVE_SOURCES:-60000}
PRODUCERS=${LIVE_PRODUCERS:-4}
SIDES=${LIVE_SIDES:-megaforce floor}

bench_fresh_db "$SOURCES"
bench_psql <<SQL
-- The producers pick a source at random by its number.
CREATE TABLE live_sources (n int PRIMARY KEY, id uuid NOT NULL);
INSERT INTO live_sources SELECT row_number() OVER (ORDER BY id), id FROM megaforce.input_sources;
SQL
bench_psql -c "VACUUM ANALYZE"

work=$(mktemp -d)
pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

floor_claim="WITH c AS (SELECT id FROM floor_jobs WHERE status = 'queued' AND run_after <= now()
             ORDER BY priority DESC, run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED)
  UPDATE floor_jobs j SET status = 'running', claimed_by = 'w' || :client_id, attempt = j.attempt + 1,
         lease_expires_at = now() + interval '5 minutes' FROM c WHERE j.id = c.id RETURNING j.id"
cat >"$work/megaforce_worker.sql" <<'SQL'
SELECT coalesce((array_agg(id))[1]::text, '') AS id, coalesce((array_agg(lease_token))[1]::text, '') AS tok,
       CASE WHEN count(*) = 0 THEN 10 ELSE 0 END AS nap
FROM megaforce.claim_runs('w' || :client_id, 1) \gset
SELECT megaforce.complete_run(nullif(:id, '')::uuid, nullif(:tok, '')::uuid, '{"ok": true}') WHERE :id <> '';
\sleep :nap ms
SQL
cat >"$work/floor_worker.sql" <<SQL
WITH u AS ($floor_claim)
SELECT coalesce((array_agg(id))[1], 0) AS id, CASE WHEN count(*) = 0 THEN 10 ELSE 0 END AS nap FROM u \gset
UPDATE floor_jobs SET status = 'succeeded', finished_at = now(), result = '{"ok": true}' WHERE id = :id AND status = 'running';
\sleep :nap ms
SQL
cat >"$work/megaforce_producer.sql" <<SQL
\set s random(1, $SOURCES)
SELECT megaforce.enqueue_run(id) FROM live_sources WHERE n = :s;
SQL
cat >"$work/floor_producer.sql" <<SQL
\set s random(1, $SOURCES)
INSERT INTO floor_jobs (source) VALUES (:s);
SQL
cat >"$work/megaforce_probe.sql" <<'SQL'
BEGIN;
SELECT count(*) FROM megaforce.claim_runs('probe', 1);
ROLLBACK;
SQL
cat >"$work/floor_probe.sql" <<SQL
BEGIN;
$floor_claim;
ROLLBACK;
SQL
# percentile P: of the numbers on stdin (nearest rank); empty when none.
percentile() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { if (NR) { i = int(p * NR + 0.999); if (i < 1) i = 1; printf "%.2f\n", v[i] } }'; }

# probe_ms LOG FROM TO: the probe's claim latencies (ms) that ended in (FROM, TO] (epoch seconds).
# With -R pgbench counts latency from the scheduled start; the 7th field is
# the lag behind that schedule, which is the client's, not the claim's.
probe_ms() { cat "$1".* 2>/dev/null | awk -v a="$2" -v b="$3" '{ t = $5 + $6 / 1e6; if (t > a && t <= b) print ($3 - $7) / 1000 }'; }

# One side: prints the interval rows, then the phase summary.
run_side() {
  local side=$1 table options=""
  if [[ $side == megaforce ]]; then
    table=megaforce.runs options="-c megaforce.notify=off"
  else
    table=floor_jobs options="-c enable_seqscan=off -c enable_bitmapscan=off -c enable_sort=off"
  fi
  local total=$((CLEAN + HELD + RECOVERY)) log=$work/probe_$side
  pids=()
  PGOPTIONS="$options" pgbench -n -M prepared -c "$WORKERS" -j "$WORKERS" -T $((total + 2)) \
    -f "$work/${side}_worker.sql" "$BENCH_DB" >"$work/${side}_worker.out" 2>&1 &
  pids+=($!)
  PGOPTIONS="$options" pgbench -n -M prepared -c 1 -R 50 -T $((total + 2)) -l --log-prefix="$log" \
    -f "$work/${side}_probe.sql" "$BENCH_DB" >"$work/${side}_probe.out" 2>&1 &
  pids+=($!)
  sleep 2  # the workers and the probe poll the empty queue before the first enqueue
  PGOPTIONS="$options" pgbench -n -M prepared -c "$PRODUCERS" -j "$PRODUCERS" -R "$RATE" -T "$total" \
    -f "$work/${side}_producer.sql" "$BENCH_DB" >"$work/${side}_producer.out" 2>&1 &
  pids+=($!)
  local start=$SECONDS phase held_pid="" rows=$work/rows_$side
  local figures="SELECT extract(epoch FROM clock_timestamp()), (SELECT count(*) FROM $table WHERE status = 'succeeded'),
                        (SELECT count(*) FROM $table WHERE status = 'queued'),
                        (SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = '$table'::regclass)"
  local at done depth dead at0 done0
  IFS='|' read -r at0 done0 depth dead <<<"$(bench_psql -F '|' -c "$figures")"
  printf '%-9s %6s %9s %9s %9s %10s %10s\n' phase t "done/s" depth dead "p50 ms" "p99 ms"
  while ((SECONDS - start < total)); do
    local t=$((SECONDS - start))  # an interval belongs to the phase it starts in
    if ((t < CLEAN)); then phase=clean
    elif ((t < CLEAN + HELD)); then phase=held
    else phase=recovery; fi
    if [[ $phase == held && -z $held_pid ]]; then
      # A session idle in transaction with an XID, until the held phase ends.
      { echo "BEGIN; SELECT txid_current();"; sleep "$((CLEAN + HELD - t))"; echo "COMMIT;"; } |
        bench_psql >/dev/null &
      held_pid=$!
      pids+=($held_pid)
    fi
    sleep "$INTERVAL"
    IFS='|' read -r at done depth dead <<<"$(bench_psql -F '|' -c "$figures")"
    local rate
    rate=$(awk -v d=$((done - done0)) -v a="$at" -v b="$at0" 'BEGIN { printf "%.0f", d / (a - b) }')
    printf '%-9s %6d %9s %9s %9s %10s %10s\n' $phase "$((SECONDS - start))" "$rate" "$depth" "$dead" \
      "$(probe_ms "$log" "$at0" "$at" | percentile 0.5)" "$(probe_ms "$log" "$at0" "$at" | percentile 0.99)"
    echo "$phase $rate $at0 $at $((SECONDS - start))" >>"$rows"
    at0=$at done0=$done
  done
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
  grep -h -E '^tps' "$work/${side}_producer.out" | sed 's/^/  producers offered: /'
  summarize "$side" "$rows" "$log"
}

# summarize SIDE ROWS LOG: per phase the medians, completions/offered, ratios to clean.
summarize() {
  local side=$1 rows=$2 log=$3 phase
  declare -A done_m p50 p99
  for phase in clean held recovery; do
    done_m[$phase]=$(awk -v p=$phase '$1 == p { print $2 }' "$rows" | median)
    local from to
    from=$(awk -v p=$phase '$1 == p { print $3; exit }' "$rows")
    to=$(awk -v p=$phase '$1 == p { t = $4 } END { print t }' "$rows")
    p50[$phase]=$(probe_ms "$log" "${from:-0}" "${to:-0}" | percentile 0.5)
    p99[$phase]=$(probe_ms "$log" "${from:-0}" "${to:-0}" | percentile 0.99)
  done
  local clean=${done_m[clean]:-0}
  ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
  # Recovery: seconds from the end of the held phase to the end of the first
  # interval that reaches 0.9x clean.
  local recovered
  recovered=$(awk -v c="$clean" -v h=$((CLEAN + HELD)) '$1 == "recovery" && $2 >= 0.9 * c { print $5 - h; exit }' "$rows")
  echo
  echo "$side, offered $RATE/s, $WORKERS workers: per phase, median done/s and the probe's claim latency"
  printf '  %-9s %9s %9s %10s %10s %10s\n' phase "done/s" "/offered" "p50 ms" "p99 ms" "/clean"
  for phase in clean held recovery; do
    printf '  %-9s %9.0f %9s %10s %10s %10s\n' $phase "${done_m[$phase]:-0}" "$(ratio "${done_m[$phase]}" "$RATE")" \
      "${p50[$phase]:--}" "${p99[$phase]:--}" "$(ratio "${done_m[$phase]}" "$clean")"
  done
  if [[ -n $recovered ]]; then echo "  back to >= 0.9x clean: ${recovered} s after the transaction ended"
  else echo "  back to >= 0.9x clean: not within the recovery phase"; fi
  echo
}

echo
echo "live load: $RATE runs/s offered, $WORKERS workers polling before the first enqueue;"
echo "$(bench_settings), autovacuum = $(bench_psql -c 'SHOW autovacuum')"
echo "phases: clean ${CLEAN}s, held (idle in transaction with an XID) ${HELD}s, recovery ${RECOVERY}s"
for side in $SIDES; do
  echo
  echo "== $side"
  run_side "$side"
done

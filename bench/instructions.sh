#!/usr/bin/env bash
# Instructions per queue cycle, counted by callgrind: megaforce against plain
# SQL doing the same writes on a runs-shaped table and against the raw
# FOR UPDATE SKIP LOCKED floor (bench/lib-queue.sh defines both).
#
# Throughput ratios on a small, shared machine move by ±10 % from round to
# round; an instruction count does not move at all between runs of the same
# build, so it shows a 1 % change in the server's work per cycle that jobs/s
# cannot. It counts work, not time: it leaves out cache misses, lock waits,
# the network and the kernel, which the jobs/s benches (queue.sh, batch.sh)
# measure.
#
# How: a private cluster (its own directory and socket; the server named by
# PGHOST is not used) gets the queue database of queue.sh and one PL/pgSQL
# procedure per side that runs N cycles, each step in its own transaction
# (COMMIT between claim and complete, as a worker does). The cluster stops;
# for each side a copy of its data directory is started as a single-user
# backend under callgrind, which counts only inside CALL: a first CALL of 50
# cycles warms the backend up (loads the library, the caches, the kept
# plans) and is left out; the second CALL's N cycles are counted (callgrind
# writes one part per CALL). The backend's log is checked for errors (a
# single-user backend goes on after a failed statement and exits 0), and
# each side's table for the runs it should have finished. Sides:
#   megaforce  claim_runs('w', 1), then complete_run(id, token, result)
#   shape      the same writes as plain SQL on runs_shape (a copy of runs
#              with its indexes, CHECKs and defaults, no triggers, no
#              foreign keys)
#   floor      the floor's claim, then its completion
#   heartbeat  megaforce: heartbeat_run on one claimed run, N times
#   batch      claim_runs('w', 10), then one complete_runs of the 10,
#              against the floor claiming 10 and completing them in one
#              UPDATE; N/10 cycles, counted per run
# megaforce.notify is off, as in the jobs/s comparisons.
#
# Needs valgrind (scripts/dev bench installs it). Run: scripts/dev bench, or
#   MF_PG_BINDIR=/usr/lib/postgresql/15/bin bash bench/instructions.sh
# with megaforce installed in that server. INSTRUCTION_CYCLES (default 1000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
cycles=${INSTRUCTION_CYCLES:-1000}
warmup=50

work=$(mktemp -d /tmp/mf-instructions.XXXXXX)
chmod 755 "$work"
mkdir "$work/out"  # callgrind's output, written by the backend's user
[[ $EUID -eq 0 ]] && chown postgres: "$work/out"
export MF_TEST_PORT=5432  # socket only, in $work: collides with nothing
# shellcheck source=../tests/lib/cluster.sh
source "$here/../tests/lib/cluster.sh"
trap 'mf_cluster_stop "$work/cluster" 2>/dev/null; rm -rf "$work"' EXIT
mf_cluster_create "$work/cluster"
mf_cluster_start "$work/cluster" "autovacuum = off"
# floor_procedure NAME BATCH PREDICATE: cycles_NAME(n), n floor cycles that
# claim BATCH jobs, then complete the jobs PREDICATE picks in one statement.
floor_procedure() {
  cat <<SQL
CREATE PROCEDURE cycles_$1(n int) LANGUAGE plpgsql AS \$\$
DECLARE ids bigint[];
BEGIN
  FOR i IN 1..n LOOP
$(floor_claim_cte "$2" "'w'")
    SELECT array_agg(id) INTO ids FROM u;
    COMMIT;
$(floor_complete_sql "$3");
    COMMIT;
  END LOOP;
END \$\$;
SQL
}
(
  mf_cluster_env "$work/cluster"
  export BENCH_DB=mf_instructions
  source "$here/lib.sh"
  source "$here/lib-queue.sh"
  queue_database 20000 >/dev/null
  queue_refill 15000 >/dev/null
  bench_psql <<'SQL'
-- Each side's cycle claims `batch` runs (1 or 10), then completes them: one
-- by one statement for a batch of 1, all in one statement for a batch of 10.
CREATE PROCEDURE cycles_megaforce(n int, batch int DEFAULT 1) LANGUAGE plpgsql AS $$
DECLARE ids uuid[]; tokens uuid[];
BEGIN
  FOR i IN 1..n LOOP
    SELECT array_agg(id), array_agg(lease_token) INTO ids, tokens FROM megaforce.claim_runs('w', batch);
    COMMIT;
    IF batch = 1 THEN
      PERFORM megaforce.complete_run(ids[1], tokens[1], '{"ok": true}');
    ELSE
      PERFORM count(*) FROM megaforce.complete_runs(ids, tokens,
        array_fill('{"ok": true}'::jsonb, ARRAY[cardinality(ids)]));
    END IF;
    COMMIT;
  END LOOP;
END $$;
CREATE PROCEDURE cycles_heartbeat(n int) LANGUAGE plpgsql AS $$
DECLARE r megaforce.runs;
BEGIN
  SELECT * INTO r FROM megaforce.claim_runs('heartbeat', 1);
  COMMIT;
  FOR i IN 1..n LOOP
    PERFORM megaforce.heartbeat_run(r.id, r.lease_token);
    COMMIT;
  END LOOP;
END $$;
SQL
  # The shape and the floor run the statements of the jobs/s scripts
  # (lib-queue.sh), the floor's batch size as a literal, as megaforce's kept
  # claim plans have it: with LIMIT from a variable, PL/pgSQL's generic plan
  # for the floor's claim more than doubled its count.
  bench_psql <<SQL
CREATE PROCEDURE cycles_shape(n int) LANGUAGE plpgsql AS \$\$
DECLARE ids uuid[]; tokens uuid[];
BEGIN
  FOR i IN 1..n LOOP
$(shape_claim_cte 1 "'w'")
    SELECT array_agg(id), array_agg(lease_token) INTO ids, tokens FROM u;
    COMMIT;
$(shape_complete_sql "ids[1]" "tokens[1]");
    COMMIT;
  END LOOP;
END \$\$;
$(floor_procedure floor 1 "id = ids[1]")
$(floor_procedure floor_batch 10 "id = ANY (ids)")
SQL
  bench_psql -c "VACUUM ANALYZE"
)
mf_cluster_stop "$work/cluster"

# per_cycle SIDE CHECK [BATCH]: instructions per cycle of cycles_SIDE (called
# with BATCH runs a cycle when given), on a fresh copy of the stopped cluster
# (every side starts from the same queue). CHECK is a query returning true
# when the warm-up and the counted cycles did their work; it runs after the
# CALLs, outside the count.
per_cycle() {
  local name=$1 batch_arg=
  if [[ -n ${3:-} ]]; then name=$1_batch$3 batch_arg=", $3"; fi
  local copy=$work/copy out=$work/out/callgrind.$name
  rm -rf "$copy" "$out" "$out".*
  cp -a "$work/cluster/data" "$copy"
  printf 'SET megaforce.notify = off\nCALL cycles_%s(%d%s)\nCALL cycles_%s(%d%s)\n' \
    "$1" "$warmup" "$batch_arg" "$1" "$cycles" "$batch_arg" |
    sed '$a DO $$ BEGIN IF NOT ('"$2"') THEN RAISE EXCEPTION '"'"'instructions.sh: the cycles of % did not do their work'"'"', '"'$name'"'; END IF; END $$' |
    mf_as_owner valgrind --tool=callgrind --callgrind-out-file="$out" \
      --collect-atstart=no --toggle-collect=ExecuteCallStmt --dump-after=ExecuteCallStmt \
      "$MF_PG_BINDIR/postgres" --single -D "$copy" -c autovacuum=off mf_instructions \
      >"$work/out/backend.$name.log" 2>"$work/out/valgrind.$name.log" ||
    { tail -20 "$work/out/valgrind.$name.log" >&2; return 1; }
  if grep -E '(ERROR|FATAL|PANIC):' "$work/out/valgrind.$name.log" >&2; then return 1; fi
  [[ -s $out.2 ]] || { echo "instructions.sh: no callgrind part for the counted CALL of $name" >&2; return 1; }
  callgrind_annotate "$out.2" 2>/dev/null |
    awk -v n="$cycles" '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%d", $1 / n; found = 1 } END { exit !found }'
}

# What each side leaves behind: every claimed run finished (the floor: every
# claimed job), or one running run per heartbeat CALL.
done_runs() { echo "(SELECT count(*) FROM $1 WHERE status = 'succeeded') = $2"; }
all=$((warmup + cycles))
mf=$(per_cycle megaforce "$(done_runs megaforce.runs $all)")
shape=$(per_cycle shape "$(done_runs runs_shape $all)")
floor=$(per_cycle floor "$(done_runs floor_jobs $all)")
heartbeat=$(per_cycle heartbeat "(SELECT count(*) FROM megaforce.runs WHERE status = 'running' AND claimed_by = 'heartbeat') = 2")
# A batch cycle claims and completes 10 runs: its count is per run.
batch_cycles=$((cycles / 10))
mf_batch=$(cycles=$batch_cycles per_cycle megaforce "$(done_runs megaforce.runs $((10 * (warmup + batch_cycles))))" 10)
floor_batch=$(cycles=$batch_cycles per_cycle floor_batch "$(done_runs floor_jobs $((10 * (warmup + batch_cycles))))")
mf_batch=$((mf_batch / 10)) floor_batch=$((floor_batch / 10))
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "instructions per cycle (callgrind, one single-user backend, $cycles cycles after $warmup of warm-up; batch: $batch_cycles; ratio = baseline / megaforce)"
printf '%-34s %12s %12s %7s\n' cycle baseline megaforce ratio
printf '%-34s %12s %12s %7s\n' "claim + complete vs runs-shaped SQL" "$shape" "$mf" "$(ratio "$shape" "$mf")"
printf '%-34s %12s %12s %7s\n' "claim + complete vs floor" "$floor" "$mf" "$(ratio "$floor" "$mf")"
printf '%-34s %12s %12s %7s\n' "runs-shaped SQL vs floor" "$floor" "$shape" "$(ratio "$floor" "$shape")"
printf '%-34s %12s %12s %7s\n' "claim 10 + complete_runs, per run" "$floor_batch" "$mf_batch" "$(ratio "$floor_batch" "$mf_batch")"
printf '%-34s %12s %12s %7s\n' "heartbeat_run" "" "$heartbeat" ""

#!/usr/bin/env bash
# Retention soak and backlog prune (issue 20; not in CI: it takes an hour by
# default). It starts a cluster of its own with megaforce preloaded (the
# scheduler prunes) and prints:
#
#  soak, twice: with megaforce.run_retention = RETENTION, then with retention
#    off ('0'): WORKERS pgbench clients claim and complete runs at full
#    speed (one claim_runs + complete_run per transaction) while PRODUCERS
#    clients enqueue runs for random sources. Every SAMPLE seconds: heap and
#    index size of runs, live and dead tuples, finished runs, and the p50/p99
#    latency of the claim+complete transactions of that interval. At the
#    end, the steady-state ratios of the goal: size and p99 of the last five
#    samples over those of samples 5-10 (goal: <= 1.2 with retention).
#  backlog: BACKLOG expired finished runs; claim+complete throughput for
#    BACKLOG_SECONDS with retention off, then with retention on while the
#    scheduler prunes the backlog; how long the prune took, and the longest
#    transaction of the scheduler seen by a poller (every ~10 ms).
#
# Usage: bench/soak.sh [--minutes N] [--baseline-minutes N] [--sample SECONDS] [--retention INTERVAL]
#          [--workers N] [--producers N] [--sources N] [--backlog ROWS]
#          [--backlog-seconds N] [--skip-soak] [--skip-backlog]
# Defaults: 25 minutes per soak (--baseline-minutes: the one without
# retention, default the same; its growth shows within minutes), samples every 60 s, retention '1 minute',
# 8 workers, 2 producers, 20000 sources, 1000000 backlog rows, 60 s.
# MF_PG_BINDIR names the server (default: this tree's build/pgroot, else
# pg_config's).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
MINUTES=25 BASELINE_MINUTES= SAMPLE=60 RETENTION='1 minute' WORKERS=8 PRODUCERS=2 SOURCES=20000
BACKLOG=1000000 BACKLOG_SECONDS=60 SKIP_SOAK=0 SKIP_BACKLOG=0
while (($#)); do
  case $1 in
    --minutes) MINUTES=$2; shift 2 ;;
    --baseline-minutes) BASELINE_MINUTES=$2; shift 2 ;;
    --sample) SAMPLE=$2; shift 2 ;;
    --retention) RETENTION=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --producers) PRODUCERS=$2; shift 2 ;;
    --sources) SOURCES=$2; shift 2 ;;
    --backlog) BACKLOG=$2; shift 2 ;;
    --backlog-seconds) BACKLOG_SECONDS=$2; shift 2 ;;
    --skip-soak) SKIP_SOAK=1; shift ;;
    --skip-backlog) SKIP_BACKLOG=1; shift ;;
    *) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
staged=$here/build/pgroot/usr/lib/postgresql/15/bin
[[ -z ${MF_PG_BINDIR:-} && -x $staged/postgres ]] && export MF_PG_BINDIR=$staged
source "$here/tests/lib/cluster.sh"

dir=$(mktemp -d /tmp/megaforce-soak.XXXXXX)
work=$dir/work
mkdir -p "$work"
[[ $EUID -eq 0 ]] && chown postgres: "$work"
trap 'mf_cluster_stop "$dir"; rm -rf "$dir"' EXIT
mf_cluster_create "$dir"
mf_cluster_start "$dir" "shared_preload_libraries = 'megaforce'" "megaforce.databases = 'mf_soak'" \
  "megaforce.tick_interval = '1s'" "shared_buffers = 256MB" "max_connections = 60" \
  "synchronous_commit = off" "autovacuum_naptime = 10s"
mf_cluster_env "$dir"
db=mf_soak
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
set_retention() {  # set_retention INTERVAL: both settings, reloaded
  q -c "ALTER SYSTEM SET megaforce.run_retention = '$1'" -c "ALTER SYSTEM SET megaforce.failed_run_retention = '$1'" \
    -c "SELECT pg_reload_conf()" >/dev/null
}
source_id() { echo "('00000000-0000-0000-0000-' || lpad(($1)::text, 12, '0'))::uuid"; }

fresh_database() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  q <<SQL
CREATE EXTENSION megaforce;
INSERT INTO megaforce.users (id, email) VALUES ('e0000000-0000-0000-0000-000000000001', 'owner@example.com');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind)
SELECT $(source_id i), 'e0000000-0000-0000-0000-000000000001', 'source ' || i, 'rss'
FROM generate_series(1, $SOURCES) i;
ALTER DATABASE $db SET megaforce.notify = off;
SQL
}

cat >"$work/worker.sql" <<'SQL'
SELECT 1 FROM megaforce.claim_runs('soak', 1) c, LATERAL megaforce.complete_run(c.id, c.lease_token) r;
SQL
cat >"$work/producer.sql" <<SQL
\\set s random(1, $SOURCES)
SELECT 1 FROM megaforce.enqueue_run($(source_id ":s"));
SQL

# sizes: "heap_mb index_mb live dead finished" of runs now.
sizes() {
  q -F ' ' -c "SELECT round(pg_relation_size('megaforce.runs') / 1048576.0, 1),
                      round(pg_indexes_size('megaforce.runs') / 1048576.0, 1),
                      n_live_tup, n_dead_tup,
                      (SELECT count(*) FROM megaforce.runs WHERE status IN ('succeeded', 'failed', 'cancelled'))
               FROM pg_stat_user_tables WHERE relid = 'megaforce.runs'::regclass"
}

# latency_window LOGDIR FROM TO: "count p50_ms p99_ms" of the transactions
# that ended in [FROM, TO) (epoch seconds), from pgbench's -l logs.
latency_window() {
  cat "$1"/worker_log.* 2>/dev/null |
    awk -v a="$2" -v b="$3" '$5 >= a && $5 < b { print $3 / 1000.0 }' | sort -g |
    awk '{ v[NR] = $1 } END { if (!NR) { print "0 - -"; exit }
          i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
          printf "%d %.2f %.2f\n", NR, v[i50], v[i99] }'
}

# soak LABEL RETENTION MINUTES: one soak run, a table of samples, the ratios.
soak() {
  local label=$1 retention=$2 minutes=$3 seconds=$(($3 * 60)) logs=$work/logs.$1
  mkdir -p "$logs"; [[ $EUID -eq 0 ]] && chown postgres: "$logs"
  fresh_database
  set_retention "$retention"
  echo
  echo "soak: $label (run_retention = '$retention'), $WORKERS workers, $PRODUCERS producers, $minutes min"
  printf '%6s %8s %8s %9s %9s %9s %9s %8s %8s\n' sample heap_MB index_MB live dead finished cycles p50_ms p99_ms
  (cd "$logs" && pgbench -n -M prepared -T "$seconds" -c "$PRODUCERS" -j "$PRODUCERS" -f "$work/producer.sql" \
     "$db" >"$logs/producers.out" 2>&1) &
  local producers=$!
  (cd "$logs" && pgbench -n -M prepared -T "$seconds" -c "$WORKERS" -j "$WORKERS" -l --log-prefix=worker_log \
     -f "$work/worker.sql" "$db" >"$logs/workers.out" 2>&1) &
  local workers=$!
  local start; start=$(date +%s)
  local n=0 from to
  : >"$logs/samples"
  while ((n * SAMPLE < seconds)); do
    n=$((n + 1))
    # On the minute of the load, not SAMPLE after the last sample: reading
    # the sizes takes seconds on a busy server, and samples that drift past
    # the end of the load would read a queue that is no longer worked.
    sleep "$(( start + n * SAMPLE - $(date +%s) > 0 ? start + n * SAMPLE - $(date +%s) : 0 ))"
    from=$((start + (n - 1) * SAMPLE)); to=$((start + n * SAMPLE))
    local s l
    s=$(sizes); l=$(latency_window "$logs" "$from" "$to")
    echo "$n $s $l" >>"$logs/samples"
    printf '%6s %8s %8s %9s %9s %9s %9s %8s %8s\n' $n $s $l
  done
  wait "$workers" "$producers" || true
  # Steady state: the last five samples against samples 5-10.
  awk -v label="$label" '{ heap[NR] = $2 + $3; p99[NR] = $9 }
    END { if (NR < 15) { printf "%s: %d samples; the steady-state ratios need 15 or more\n", label, NR; exit }
          for (i = 5; i <= 10; i++) { e += heap[i]; ep += p99[i] }; e /= 6; ep /= 6
          for (i = NR - 4; i <= NR; i++) { l += heap[i]; lp += p99[i] }; l /= 5; lp /= 5
          printf "%s: size (heap+indexes) last 5 / samples 5-10 = %.2f; p99 last 5 / samples 5-10 = %.2f (goal <= 1.2)\n",
                 label, (e > 0 ? l / e : 0), (ep > 0 ? lp / ep : 0) }' "$logs/samples"
}

# backlog: BACKLOG expired runs; throughput without and with the prune.
backlog() {
  fresh_database
  set_retention 0
  echo
  echo "backlog: $BACKLOG expired finished runs (restore mode inserts them as they were)"
  local t0=$SECONDS
  q -c "SET megaforce.restoring = on" -c "
    INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, started_at, finished_at)
    SELECT $(source_id "1 + i % $SOURCES"), 'succeeded', 1, 3, now() - interval '41 days',
           now() - interval '40 days' + i * interval '1 millisecond'
    FROM generate_series(1, $BACKLOG) i" -c "VACUUM ANALYZE megaforce.runs"
  echo "  inserted and vacuumed in $((SECONDS - t0)) s; runs: $(sizes | awk '{ print $1 " MB heap, " $2 " MB indexes" }')"
  # A queue for the workers, kept fed by the producers.
  local logs=$work/logs.backlog
  mkdir -p "$logs"; [[ $EUID -eq 0 ]] && chown postgres: "$logs"
  run_load() {  # run_load SECONDS: claim+complete transactions per second
    (cd "$logs" && pgbench -n -M prepared -T "$1" -c "$PRODUCERS" -j "$PRODUCERS" -f "$work/producer.sql" \
       "$db" >/dev/null 2>&1) &
    local p=$!
    (cd "$logs" && pgbench -n -M prepared -T "$1" -c "$WORKERS" -j "$WORKERS" -f "$work/worker.sql" "$db" 2>&1) |
      sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
    wait $p || true
  }
  local base with started done_at
  base=$(run_load "$BACKLOG_SECONDS")
  echo "  claim+complete/s without pruning: $base"
  # The poller: the longest transaction of the scheduler, and how long the
  # backlog takes to go.
  q -c "
    DO \$poll\$
    DECLARE longest interval := '0'; x interval; started timestamptz := clock_timestamp(); remaining bigint := 1; polls int := 0;
    BEGIN
      LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT max(clock_timestamp() - xact_start) INTO x FROM pg_stat_activity
        WHERE backend_type = 'megaforce scheduler' AND xact_start IS NOT NULL;
        longest := greatest(longest, coalesce(x, '0'));
        polls := polls + 1;
        IF polls % 50 = 0 THEN
          SELECT count(*) INTO remaining FROM (SELECT 1 FROM megaforce.runs WHERE status = 'succeeded'
                                          AND finished_at < now() - interval '30 days' LIMIT 1) s;
        END IF;
        EXIT WHEN remaining = 0 OR clock_timestamp() - started > interval '2 hours';
        -- Each poll its own transaction: a DO block's one long transaction
        -- would hold back the xmin horizon, and every claim would walk the
        -- dead entries at the head of the claim index (the held-snapshot
        -- case of bench/live.sh: 0.05x throughput, all of it the poller's).
        COMMIT;
        PERFORM pg_sleep(0.01);
      END LOOP;
      RAISE WARNING 'PRUNED % %', round(extract(epoch FROM clock_timestamp() - started)::numeric, 1),
        round((extract(epoch FROM longest) * 1000)::numeric, 1);
    END \$poll\$" 2>&1 | sed -n 's/.*PRUNED \(.*\)/\1/p' >"$work/poll" &
  local poller=$!
  set_retention '30 days'
  with=$(run_load "$BACKLOG_SECONDS")
  echo "  claim+complete/s while the scheduler prunes: $with (ratio $(awk -v a="$with" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f", a / b }'); goal >= 0.8)"
  wait $poller || true
  read -r took longest <"$work/poll" || true
  echo "  backlog pruned in ${took:-?} s; longest scheduler transaction seen: ${longest:-?} ms (goal: no lock held > 100 ms)"
  echo "  runs now: $(sizes | awk '{ print $1 " MB heap, " $2 " MB indexes, " $3 " live, " $4 " dead" }')"
}

echo "megaforce soak on $(nproc) cores; server: ${MF_PG_BINDIR:-$(pg_config --bindir)}"
if ((!SKIP_SOAK)); then
  soak retention "$RETENTION" "$MINUTES"
  soak no-retention 0 "${BASELINE_MINUTES:-$MINUTES}"
fi
((SKIP_BACKLOG)) || backlog

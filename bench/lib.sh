# Shared helpers for the benchmark scripts; source this file.
# Every figure is measured on the server named by PGHOST/PGPORT, in one run.
# `scripts/dev bench` runs every script CPU-bound first (fsync = off,
# synchronous_commit = off: the figures that compare the software with the
# floor and its peers), then durable (fsync = on, synchronous_commit = on),
# where commit latency hides CPU cost; bench_settings names the mode in each
# table's title. Commit latency on a VM disk drifts by 2x over minutes, and a
# shared machine's CPU too, so a comparison is made of pairs: baseline and
# candidate run back to back, in alternating order, and the figure reported
# is the median of the per-round ratios.

BENCH_DB=${BENCH_DB:-mf_bench}
BENCH_SECONDS=${BENCH_SECONDS:-5}
BENCH_ROUNDS=${BENCH_ROUNDS:-10}

# The durability settings of the server, for a table's title.
bench_settings() {
  psql -X -At -d postgres -c "SELECT format('fsync = %s, synchronous_commit = %s', current_setting('fsync'), current_setting('synchronous_commit'))"
}

bench_psql() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d "$BENCH_DB" "$@"; }

# bench_fresh_db SOURCES: a new $BENCH_DB with megaforce, an owner and
# SOURCES input sources, and the floor: a plain job table with the claim
# index a hand-written queue has.
bench_fresh_db() {
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
  bench_psql <<SQL
CREATE EXTENSION megaforce;
INSERT INTO megaforce.users (id, email) VALUES ('e0000000-0000-0000-0000-000000000001', 'owner@example.com');
INSERT INTO megaforce.input_sources (owner_id, name, kind)
SELECT 'e0000000-0000-0000-0000-000000000001', 'source ' || i, 'rss' FROM generate_series(1, $1) i;
CREATE TABLE floor_jobs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, source int NOT NULL, status text NOT NULL DEFAULT 'queued',
  priority int NOT NULL DEFAULT 0, run_after timestamptz NOT NULL DEFAULT now(), claimed_by text,
  lease_expires_at timestamptz, attempt int NOT NULL DEFAULT 0, finished_at timestamptz,
  result jsonb NOT NULL DEFAULT '{}');
CREATE INDEX floor_claim ON floor_jobs (priority DESC, run_after, id) WHERE status = 'queued';
SQL
}

# pgbench_tps SCRIPT CLIENTS [PGOPTIONS]: transactions (script runs) per second.
# $BENCH_BEFORE_RUN, when set, runs (untimed) before every measurement.
pgbench_tps() {
  local script=$1 clients=$2 options=${3:-}
  if [[ -n ${BENCH_BEFORE_RUN:-} ]]; then eval "$BENCH_BEFORE_RUN" >/dev/null; fi
  local out
  # A failed run (a client aborted: say the queue ran dry) stops the bench
  # with pgbench's own error, not a silent exit under pipefail.
  if ! out=$(PGOPTIONS="$options" pgbench -n -M prepared -T "$BENCH_SECONDS" -c "$clients" -j "$clients" \
      -f "$script" "$BENCH_DB" 2>&1); then
    { echo "pgbench failed on $script ($clients clients):"; grep -m 3 error <<<"$out"; } >&2
    return 1
  fi
  sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mean() { awk '{ s += $1; n++ } END { if (n) printf "%.1f\n", s / n; else print "nan" }'; }

# compare LABEL CLIENTS MULTIPLIER BASE_SCRIPT BASE_OPTS CAND_SCRIPT CAND_OPTS
# Prints: label, clients, mean base/s, mean candidate/s, median ratio.
# MULTIPLIER converts script runs into the unit reported (e.g. steps per run).
compare() {
  local label=$1 clients=$2 mult=$3 base=$4 base_opts=$5 cand=$6 cand_opts=$7
  local r b c bs=() cs=() ratios=()
  for ((r = 1; r <= BENCH_ROUNDS; r++)); do
    if ((r % 2)); then
      b=$(pgbench_tps "$base" "$clients" "$base_opts"); c=$(pgbench_tps "$cand" "$clients" "$cand_opts")
    else
      c=$(pgbench_tps "$cand" "$clients" "$cand_opts"); b=$(pgbench_tps "$base" "$clients" "$base_opts")
    fi
    bs+=("$(awk -v x="$b" -v m="$mult" 'BEGIN { print x * m }')")
    cs+=("$(awk -v x="$c" -v m="$mult" 'BEGIN { print x * m }')")
    ratios+=("$(awk -v a="$c" -v b="$b" 'BEGIN { if (b > 0) print a / b; else print 0 }')")
  done
  printf '%-34s %7s %12s %12s %8s %11s\n' "$label" "$clients" \
    "$(printf '%s\n' "${bs[@]}" | mean)" "$(printf '%s\n' "${cs[@]}" | mean)" \
    "$(printf '%s\n' "${ratios[@]}" | median | awk '{ printf "%.2f", $1 }')" \
    "$(printf '%s\n' "${ratios[@]}" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }')"
}

compare_header() {
  printf '%-34s %7s %12s %12s %8s %11s\n' comparison clients "baseline/s" "megaforce/s" "ratio" "range"
}

#!/usr/bin/env bash
# `megaforce health` wall time against `pg_isready` on the same server (issue
# 7 goal: <= 1.5x). Both connect, ask and exit; health also runs its queries
# (version, recovery, extension, queue figures). Runs alternate, the figure
# is the ratio of the medians over BENCH_HEALTH_RUNS runs of each.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
root=$(cd "$here/.." && pwd)
client=${MEGAFORCE_CLIENT:-$root/build/client/megaforce}
runs=${BENCH_HEALTH_RUNS:-200}
# The server's own binary: /usr/bin/pg_isready on Debian is a Perl wrapper that
# would add ~60 ms to every run.
isready=$(pg_config --bindir)/pg_isready

bench_psql -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB" 2>/dev/null ||
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
bench_psql -c "CREATE EXTENSION megaforce"
dsn="dbname=$BENCH_DB"

now_us() { date +%s%6N; }
health_times=() isready_times=()
for ((i = 0; i < runs; i++)); do
  t0=$(now_us); "$client" --dsn "$dsn" health >/dev/null; t1=$(now_us)
  "$isready" -q -d "$dsn"; t2=$(now_us)
  health_times+=($((t1 - t0))); isready_times+=($((t2 - t1)))
done
h=$(printf '%s\n' "${health_times[@]}" | median)
p=$(printf '%s\n' "${isready_times[@]}" | median)
printf 'health vs pg_isready (%d runs each, median wall time): megaforce health %.2f ms, pg_isready %.2f ms, ratio %.2fx\n' \
  "$runs" "$(awk -v x="$h" 'BEGIN { print x / 1000 }')" "$(awk -v x="$p" 'BEGIN { print x / 1000 }')" \
  "$(awk -v a="$h" -v b="$p" 'BEGIN { print a / b }')"

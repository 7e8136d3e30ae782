#!/usr/bin/env bash
# Cancelling the sweeps leaks nothing (issue 17): pg_cancel_backend lands on
# enqueue_due_runs and reap_expired_runs many times, inside their loops over
# a big batch and between calls, while one backend keeps calling them; that
# backend's heap in use (malloc's own count, memory contexts included) and
# its memory contexts stay flat. A cancel served by a bare
# CHECK_FOR_INTERRUPTS in a loop that holds a std::vector longjmps past the
# vector's destructor and leaks the batch every time.
# RssAnon is printed beside it but not judged: glibc keeps freed memory for
# reuse, so RssAnon follows a call's high-water mark, cancelled or not (it
# read 60 MB for 4000 sources while each item's SPI results lived until the
# call ended, see batch_memory.sh; malloc_trim(0) gave it all back).
#   MF_CANCEL_BATCH   due sources / expired runs per call (default 4000)
#   MF_CANCELS        cancels measured per function, after 5 warm-up ones (default 20)
#   MF_CANCEL_HEAP_LIMIT_KB  heap growth allowed over them (default 2048; a
#                     leaking cancel loses about 1.7 MB of a 4000-row batch,
#                     33 MB over 20 cancels before issue 17)
#   MF_BUILD_DIR      where megaforce_selftest.so is (default build)
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
source "$here/tests/lib/selftest_db.sh"
batch=${MF_CANCEL_BATCH:-4000}
cancels=${MF_CANCELS:-20}
heap_limit=${MF_CANCEL_HEAP_LIMIT_KB:-2048}
warm=5
db=${MF_CANCEL_DB:-mf_cancel_sweeps}
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
mf_selftest_db "$db"
# Heap-owning strings in every element: a zone name too long for the small
# string buffer, a note per expired run.
q <<SQL
INSERT INTO megaforce.input_sources (owner_id, name, kind, trigger, schedule, timezone)
SELECT '10000000-0000-0000-0000-000000000001', 'due ' || n, 'rss', 'schedule', '*/5 * * * *',
       'America/Argentina/Buenos_Aires'
FROM generate_series(1, $batch) n;
UPDATE megaforce.input_sources SET next_run_at = now() - interval '1 hour';
INSERT INTO megaforce.input_sources (owner_id, name, kind, max_attempts)
SELECT '10000000-0000-0000-0000-000000000001', 'leased ' || n, 'rss', 3 FROM generate_series(1, $batch) n;
INSERT INTO megaforce.runs (input_source_id)
SELECT id FROM megaforce.input_sources WHERE name LIKE 'leased %';
UPDATE megaforce.runs SET status = 'running', claimed_by = 'a worker that went away',
       lease_expires_at = now() - interval '1 hour';
CREATE FUNCTION public.rss_kb() RETURNS bigint LANGUAGE sql AS \$\$
  SELECT substring(pg_read_file('/proc/self/status') FROM 'RssAnon:\s+(\d+) kB')::bigint \$\$;
CREATE FUNCTION public.context_bytes() RETURNS bigint LANGUAGE sql AS \$\$
  SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts \$\$;
SQL

# The length of one uncancelled call, rolled back (so the batch stays due);
# the second of two, the first warms the caches.
call_ms() {
  local i
  for i in 1 2; do
    q -c "BEGIN" -c "SELECT extract(epoch FROM clock_timestamp()) * 1000" -c "SELECT $1" \
      -c "SELECT extract(epoch FROM clock_timestamp()) * 1000" -c "ROLLBACK" |
      awk 'NR == 1 { a = $1 } NR == 3 { b = $1 } END { printf "%d\n", b - a }'
  done | tail -1
}

# cancel_loop NAME CALL: one backend calls CALL (each call rolled back, each
# turn committed) with a pause of a third of a call (at least 1 s) between calls, until
# $warm + $cancels cancels have hit it; another session cancels it at random
# moments while it is inside the turn's exception block: in a call, or in
# the pause after it (application_name says which; a cancel outside the
# block would end the loop). The backend's memory is
# read after the warm-up cancels and at the end, between transactions.
cancel_loop() {
  local name=$1 call=$2 ms pause out
  ms=$(call_ms "$call")
  ms=$(( ms > 0 ? ms : 1 ))
  pause=$(awk -v ms="$ms" 'BEGIN { p = ms / 3000; printf "%.3f", p < 1 ? 1 : p }')
  diag "$name: one call over $batch rows takes $ms ms"
  PGAPPNAME=mf_cancel_idle q -c "DO \$\$
    DECLARE inside int := 0; between int := 0; completed int := 0; in_call bool;
            heap0 bigint; rss0 bigint; ctx0 bigint; started timestamptz := clock_timestamp();
    BEGIN
      -- Until enough cancels have landed in each place: on a loaded machine the
      -- canceller's view of application_name lags, and more land in the pause.
      WHILE (inside + between < $warm + $cancels OR inside < $cancels / 2 OR between < 1)
            AND clock_timestamp() < started + interval '15 minutes' LOOP
        IF rss0 IS NULL AND inside + between >= $warm THEN
          heap0 := mf_selftest.heap_in_use() / 1024; rss0 := public.rss_kb(); ctx0 := public.context_bytes();
        END IF;
        BEGIN
          -- Back to mf_cancel_idle when this block's subtransaction ends.
          PERFORM pg_catalog.set_config('application_name', 'mf_cancel_target', false);
          in_call := true;
          PERFORM $call;
          in_call := false;
          PERFORM pg_catalog.set_config('application_name', 'mf_cancel_pause', false);
          PERFORM pg_catalog.pg_sleep($pause);
          RAISE EXCEPTION 'roll back this call';
        EXCEPTION
          WHEN query_canceled THEN
            IF in_call THEN inside := inside + 1; ELSE between := between + 1; END IF;
          WHEN raise_exception THEN completed := completed + 1;
        END;
        COMMIT;
      END LOOP;
      RAISE WARNING 'RESULT % % % % % % % % %', inside, between, completed,
        heap0, mf_selftest.heap_in_use() / 1024, rss0, public.rss_kb(), ctx0, public.context_bytes();
    END \$\$" >"$tmp/out" 2>&1 &
  local target=$!
  # Two cancels of three at a random moment of a call (from a tenth to nine
  # tenths of its length after the last), the third in the pause between calls.
  local n=0 state
  while kill -0 "$target" 2>/dev/null; do
    n=$((n + 1))
    if ((n % 3)); then
      sleep "$(awk -v ms="$ms" -v r="$RANDOM" 'BEGIN { printf "%.3f", ms * (0.1 + 0.8 * r / 32768) / 1000 }')"
      state=mf_cancel_target
    else
      state=mf_cancel_pause
      for _ in $(seq 200); do
        [[ $(q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$state'") == 0 ]] || break
        kill -0 "$target" 2>/dev/null || break
        sleep 0.05
      done
    fi
    q -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
          WHERE application_name = '$state' AND datname = '$db'" >/dev/null
  done
  wait "$target"
  out=$(sed -n 's/.*RESULT \(.*\)/\1/p' "$tmp/out")
  [[ -n $out ]] || { ok 1 "$name: the cancelled backend finished its loop"; sed 's/^/#   /' "$tmp/out"; return; }
  local inside between completed heap0 heap1 rss0 rss1 ctx0 ctx1
  read -r inside between completed heap0 heap1 rss0 rss1 ctx0 ctx1 <<<"$out"
  diag "$name: $inside cancels inside the call, $between between calls, $completed calls completed"
  (( inside >= cancels / 2 && between >= 1 ))
  ok $? "$name: cancels landed inside the call ($inside) and between calls ($between)"
  diag "$name: RssAnon ${rss0} kB -> ${rss1} kB (allocator high-water, not judged)"
  (( heap1 - heap0 < heap_limit ))
  ok $? "$name: heap in use ${heap0} kB -> ${heap1} kB over $((inside + between - warm)) cancels (limit +$heap_limit kB)"
  (( ctx1 - ctx0 < 262144 ))
  ok $? "$name: memory contexts ${ctx0} -> ${ctx1} bytes (limit +256 kB)"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cancel_loop enqueue_due_runs "megaforce.enqueue_due_runs()"
cancel_loop reap_expired_runs "megaforce.reap_expired_runs()"
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE trigger = 'schedule' OR status <> 'running'")" 0 \
  "every cancelled or rolled-back call left nothing behind"
psql -X -q -d postgres -c "DROP DATABASE $db"
done_testing

#!/usr/bin/env bash
# A call over a batch holds the memory of one item, not of the whole batch:
# enqueue_due_runs, reap_expired_runs and enqueue_runs each run one statement
# after another per item, and every statement that returns rows leaves an SPI
# result table (8 kB and more) that lived until the call returned: 64 MB at
# the peak of enqueue_due_runs over 4000 sources. A row trigger on runs
# samples the backend's memory contexts while the call runs; the peak over
# a big batch may exceed that over a small one by at most MF_BATCH_PEAK_LIMIT_KB
# (default 4096; 3500 items more cost 28-56 MB before the fix).
#   MF_BUILD_DIR  where megaforce_selftest.so is (default build)
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
source "$here/tests/lib/selftest_db.sh"
small=500 big=4000
limit_kb=${MF_BATCH_PEAK_LIMIT_KB:-4096}
db=mf_batch_memory
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
mf_selftest_db "$db"
q <<SQL
-- The highest context total seen by any row written to runs in this session.
CREATE FUNCTION public.sample_memory() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  PERFORM pg_catalog.set_config('mf_test.peak', greatest(
    coalesce(nullif(pg_catalog.current_setting('mf_test.peak', true), ''), '0')::bigint,
    mf_selftest.context_bytes())::text, false);
  RETURN NULL;
END \$\$;
CREATE TRIGGER sample_memory AFTER INSERT OR UPDATE ON megaforce.runs
  FOR EACH ROW EXECUTE FUNCTION public.sample_memory();
SQL

# sources N KIND: N fresh input sources named KIND n, nothing else left over.
sources() {
  q -c "DELETE FROM megaforce.runs" -c "DELETE FROM megaforce.input_sources" \
    -c "INSERT INTO megaforce.input_sources (owner_id, name, kind, trigger, schedule, max_attempts)
        SELECT '10000000-0000-0000-0000-000000000001', '$2 ' || n, 'rss',
               CASE WHEN '$2' = 'due' THEN 'schedule' ELSE 'manual' END,
               CASE WHEN '$2' = 'due' THEN '*/5 * * * *' END, 3
        FROM generate_series(1, $1) n" >/dev/null
}
# peak_kb SETUP CALL: the peak context total (kB) while CALL runs in a fresh
# session, after SETUP (SQL) prepared its batch.
peak_kb() {
  q -c "$1" >/dev/null
  q -c "SELECT $2" -c "SELECT pg_catalog.current_setting('mf_test.peak')::bigint / 1024" | tail -1
}
# check NAME KIND SETUP CALL DONE: DONE (SQL) counts the items CALL handled.
check() {
  local name=$1 kind=$2 setup=$3 call=$4 done=$5 p_small p_big
  sources "$small" "$kind"; p_small=$(peak_kb "$setup" "$call")
  sources "$big" "$kind"; p_big=$(peak_kb "$setup" "$call")
  is "$(q -c "SELECT $done")" "$big" "$name: the call handled all $big items"
  (( p_big - p_small < limit_kb ))
  ok $? "$name: peak memory $p_small kB over $small items, $p_big kB over $big (limit +$limit_kb kB)"
}

check enqueue_due_runs due \
  "UPDATE megaforce.input_sources SET next_run_at = now() - interval '1 hour'" \
  "megaforce.enqueue_due_runs()" \
  "count(*) FROM megaforce.runs WHERE trigger = 'schedule'"
check reap_expired_runs leased \
  "INSERT INTO megaforce.runs (input_source_id) SELECT id FROM megaforce.input_sources;
   UPDATE megaforce.runs SET status = 'running', claimed_by = 'gone', lease_expires_at = now() - interval '1 hour'" \
  "megaforce.reap_expired_runs()" \
  "count(*) FROM megaforce.runs WHERE status = 'queued'"
check enqueue_runs manual "SELECT 1" \
  "count(*) FROM megaforce.enqueue_runs(ARRAY(SELECT id FROM megaforce.input_sources))" \
  "count(*) FROM megaforce.runs"
psql -X -q -d postgres -c "DROP DATABASE $db"
done_testing

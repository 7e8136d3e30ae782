#!/usr/bin/env bash
# How long one upgrade step, `ALTER EXTENSION megaforce UPDATE TO 'TO'`,
# makes writes to runs wait (issue 19 goal: < 2 s with a million runs). A
# database at FROM (MF_UPGRADE_FROM, default 1.2; MF_UPGRADE_TO, default
# 1.3) holds MF_UPGRADE_RUNS runs (default 1,000,000: 98% finished, the rest
# queued),
# then a writer session updates one queued run at a time (as an operator or
# a worker would) while the upgrade runs; printed: how long the upgrade
# took, and the longest and total time the writer's statements took while
# it ran. Uses the server named by PGHOST/PGPORT; not a test.
set -euo pipefail
runs=${MF_UPGRADE_RUNS:-1000000}
from=${MF_UPGRADE_FROM:-1.2}
to=${MF_UPGRADE_TO:-1.3}
db=mf_bench_upgrade
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q -d $db -c "CREATE EXTENSION megaforce VERSION '$from'"
q -d $db <<SQL
INSERT INTO megaforce.users (id, email, display_name) VALUES ('e0000000-0000-0000-0000-000000000001', 'o@example.com', 'o');
INSERT INTO megaforce.input_sources (owner_id, name, kind)
  SELECT 'e0000000-0000-0000-0000-000000000001', 'source ' || g, 'manual' FROM generate_series(1, 20000) g;
-- Finished runs, written as a restore would write them (the state trigger
-- off for this bulk load only).
SET session_replication_role = replica;
INSERT INTO megaforce.runs (input_source_id, status, max_attempts, attempt, started_at, finished_at, queued_at, run_after)
  SELECT s.ids[1 + g % 20000], (ARRAY['succeeded', 'failed', 'cancelled'])[1 + g % 3], 3, 1,
         now() - interval '2 days', now() - interval '1 day', now() - interval '2 days', now() - interval '2 days'
  FROM (SELECT array_agg(id) AS ids FROM megaforce.input_sources) s, generate_series(1, ($runs * 98 / 100)::int) g;
RESET session_replication_role;
INSERT INTO megaforce.runs (input_source_id)
  SELECT id FROM megaforce.input_sources LIMIT ($runs * 2 / 100)::int;
VACUUM ANALYZE megaforce.runs;
SQL
echo "runs: $(q -d $db -c "SELECT count(*) || ' rows, ' || pg_size_pretty(pg_total_relation_size('megaforce.runs')) FROM megaforce.runs")"

# The writer: one statement at a time, each timed, until the upgrade is done.
writer_log=$(mktemp)
q -d $db -c "
DO \$w\$
DECLARE t0 timestamptz; worst interval := '0'; total interval := '0'; n int := 0; v text;
BEGIN
  LOOP
    t0 := clock_timestamp();
    UPDATE megaforce.runs SET priority = (n % 10)
     WHERE id = (SELECT id FROM megaforce.runs WHERE status = 'queued' ORDER BY id OFFSET (n % 100) LIMIT 1);
    worst := greatest(worst, clock_timestamp() - t0); total := total + (clock_timestamp() - t0); n := n + 1;
    COMMIT;
    SELECT extversion INTO v FROM pg_extension WHERE extname = 'megaforce';
    EXIT WHEN v = '$to' OR n > 10000000;
  END LOOP;
  RAISE WARNING 'WRITER % % %', n, round(extract(epoch FROM worst) * 1000), round(extract(epoch FROM total) * 1000);
END \$w\$" 2>&1 | sed -n 's/.*WRITER //p' >"$writer_log" &
writer=$!
sleep 1
start=$(date +%s%N)
q -d $db -c "SET lock_timeout = 0; ALTER EXTENSION megaforce UPDATE TO '$to'"
took=$(( ($(date +%s%N) - start) / 1000000 ))
wait $writer
read -r writes worst total <"$writer_log"
printf 'ALTER EXTENSION megaforce UPDATE %s -> %s with %s runs: %s ms\n' "$from" "$to" "$runs" "$took"
printf 'writer meanwhile: %s updates of runs, longest %s ms (goal < 2000 ms), %s ms in all\n' "$writes" "$worst" "$total"
rm -f "$writer_log"
q -d postgres -c "DROP DATABASE $db"

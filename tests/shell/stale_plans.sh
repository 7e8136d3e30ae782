#!/usr/bin/env bash
# Kept plans never outlive the table they were made for (issue 18): a worker
# session that claimed, heartbeat, completed and failed once while runs was
# empty (vacuumed, so the planner saw 0 blocks) keeps working at the cost of
# a fresh session after another session enqueued thousands of runs. Measured
# as buffers touched (EXPLAIN (ANALYZE, BUFFERS) of the call, which counts the
# statements the function runs) and rows read by sequential scans of runs in
# the call's transaction, never as time; autovacuum is off for runs, so no
# ANALYZE invalidates the plans behind the test's back.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
db=mf_stale_plans
runs=${STALE_PLANS_RUNS:-4000}
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q <<SQL
CREATE EXTENSION megaforce;
ALTER TABLE megaforce.runs SET (autovacuum_enabled = off);
INSERT INTO megaforce.users (id, email) VALUES ('e0000000-0000-0000-0000-000000000001', 'owner@example.com');
INSERT INTO megaforce.input_sources (owner_id, name, kind, max_attempts)
SELECT 'e0000000-0000-0000-0000-000000000001', 'source ' || i, 'rss', 5 FROM generate_series(1, $runs) i;
-- cost(call): what one call touched: shared buffers (hit + read) and rows
-- that sequential scans of runs returned, in one transaction of its own
-- (the caller commits after it).
CREATE FUNCTION cost(call text, OUT buffers bigint, OUT seq_rows bigint) LANGUAGE plpgsql AS \$\$
DECLARE plan json; before bigint := pg_stat_get_xact_tuples_returned('megaforce.runs'::regclass);
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || call INTO plan;
  buffers := (plan->0->'Plan'->>'Shared Hit Blocks')::bigint + (plan->0->'Plan'->>'Shared Read Blocks')::bigint;
  seq_rows := pg_stat_get_xact_tuples_returned('megaforce.runs'::regclass) - before;
END \$\$;
-- A run of a source of its own claimed by worker w, then its id and token.
CREATE FUNCTION claimed(w text) RETURNS TABLE (id uuid, token uuid) LANGUAGE sql AS
  \$\$ SELECT id, lease_token FROM megaforce.runs WHERE claimed_by = w AND status = 'running' \$\$;
VACUUM ANALYZE megaforce.runs;
SQL

# The steps of a session, run twice (the second is measured): the cost of claim, heartbeat, complete and fail of
# worker :w, as psql lines 'step buffers seq_rows'.
steps=$(mktemp)
trap 'rm -f "$steps"' EXIT
cat >"$steps" <<'SQL'
SET megaforce.notify = off;
SELECT 'claim', * FROM cost(format('SELECT * FROM megaforce.claim_runs(%L, 2)', :'w'));
SELECT id AS run1, token AS token1 FROM claimed(:'w') ORDER BY id LIMIT 1 \gset
SELECT id AS run2, token AS token2 FROM claimed(:'w') ORDER BY id DESC LIMIT 1 \gset
SELECT 'heartbeat', * FROM cost(format('SELECT megaforce.heartbeat_run(%L, %L)', :'run1', :'token1'));
SELECT 'complete', * FROM cost(format('SELECT megaforce.complete_run(%L, %L)', :'run1', :'token1'));
SELECT 'fail', * FROM cost(format('SELECT megaforce.fail_run(%L, %L, %L)', :'run2', :'token2', 'boom'));
SQL

# The stale session: every step once on the empty table (refused for lack of
# a run, but planned), then the enqueues from another session, then the steps.
stale=$(q -v w=stale -v runs="$runs" -v db="$db" <<SQL
SET megaforce.notify = off;
SELECT count(*) FROM megaforce.claim_runs('stale', 2);
\\set ON_ERROR_STOP 0
SELECT megaforce.heartbeat_run(gen_random_uuid(), gen_random_uuid());
SELECT megaforce.complete_run(gen_random_uuid(), gen_random_uuid());
SELECT megaforce.fail_run(gen_random_uuid(), gen_random_uuid(), 'boom');
\\set ON_ERROR_STOP 1
\\! psql -X -q -At -d $db -c "SET megaforce.notify = off" -c "SELECT count(megaforce.enqueue_run(id)) FROM megaforce.input_sources" >/dev/null
SELECT 'queued', count(*), 0 FROM megaforce.runs WHERE status = 'queued';
\\i $steps
\i $steps
SQL
) 2>&1
fresh=$(q -v w=fresh -f "$steps" -f "$steps" 2>&1)
diag "stale session (step buffers seq_rows):" $stale
diag "fresh session:" $fresh

field() {  # field OUTPUT STEP COLUMN: of the step's last call (the first loads catalogs)
  awk -F'|' -v s="$2" -v c="$3" '$1 == s { v = $c } END { print v }' <<<"$1"
}
is "$(field "$stale" queued 2)" "$runs" "the other session enqueued $runs runs while the stale session was open"
for step in claim heartbeat complete fail; do
  s=$(field "$stale" $step 2) f=$(field "$fresh" $step 2)
  if [[ -z $s || -z $f ]]; then ok 1 "$step: measured in both sessions"; continue; fi
  # A fresh session's step touches a handful of index and heap pages; the
  # plan made for the empty table read every page of runs at least once.
  ((s <= 2 * f + 10))
  ok $? "$step in the session that planned it on an empty table touches $s buffers (fresh session: $f)"
  is "$(field "$stale" $step 3)" 0 "$step in the stale session reads no row of runs by a sequential scan"
done
done_testing

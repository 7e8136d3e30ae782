#!/usr/bin/env bash
# The claim is planned to walk its index whatever the caller's planner
# settings and whenever its plan is made: on first use, again after an
# invalidation (another session alters runs), and for a batch too large for a
# kept plan. The caller here turns index scans off (enable_indexscan = off),
# so a plan made with the caller's settings would scan runs sequentially and
# sort; megaforce sets its own (spi.cpp, PlanShape::kIndexPaths) only while
# a plan is made. The plans are read with auto_explain's nested statements.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
db=mf_plan_shapes
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q >/dev/null <<SQL
CREATE EXTENSION megaforce;
ALTER TABLE megaforce.runs SET (autovacuum_enabled = off);
INSERT INTO megaforce.users (id, email) VALUES ('e0000000-0000-0000-0000-000000000001', 'owner@example.com');
INSERT INTO megaforce.input_sources (owner_id, name, kind)
SELECT 'e0000000-0000-0000-0000-000000000001', 'source ' || i, 'rss' FROM generate_series(1, 600) i;
SET megaforce.notify = off;
SELECT count(megaforce.enqueue_run(id)) FROM megaforce.input_sources;
ANALYZE megaforce.runs;
SQL

# One session: claims with the caller's index scans off, the plans of the
# statements inside printed as notices; between the second and third claim
# another session alters runs (its storage options: the same value again), which
# invalidates the kept plan.
log=$(PGOPTIONS="-c client_min_messages=notice" psql -X -q -At -v ON_ERROR_STOP=1 -d $db 2>&1 <<SQL
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET megaforce.notify = off;
SET enable_indexscan = off;
\echo ==> first claim
SELECT count(*) FROM megaforce.claim_runs('w1', 2);
\echo ==> second claim
SELECT count(*) FROM megaforce.claim_runs('w2', 2);
\! psql -X -q -d $db -c "ALTER TABLE megaforce.runs SET (autovacuum_enabled = off)"
\echo ==> claim after an invalidation
SELECT count(*) FROM megaforce.claim_runs('w3', 2);
\echo ==> batch of 150
SELECT count(*) FROM megaforce.claim_runs('w4', 150);
SQL
)
# The plans of the claim statement (UPDATE megaforce.runs r SET status =
# 'running' ...) that each step printed.
claim_plans() {
  awk -v step="$1" '/^==> / { on = (substr($0, 5) == step); next } on' <<<"$log" |
    awk '/Query Text:/ { keep = /SET status = .running./ } keep'
}
for step in "first claim" "second claim" "claim after an invalidation" "batch of 150"; do
  plans=$(claim_plans "$step")
  grep -q "Index Scan using runs_claim_order_idx" <<<"$plans"
  ok $? "$step: the claim walks runs_claim_order_idx" || diag "$plans"
  ! grep -qE "Seq Scan on runs|Sort Key: r.priority" <<<"$plans"
  ok $? "$step: the claim neither scans runs sequentially nor sorts its queue"
done
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'running'")" 156 "every claim claimed its runs"
# Without megaforce's settings the same caller's claim would be planned otherwise.
plan=$(q -c "SET enable_indexscan = off" -c "EXPLAIN SELECT r.id FROM megaforce.runs r WHERE r.status = 'queued'
  ORDER BY r.priority DESC, r.run_after, r.queued_at, r.id LIMIT 2 FOR UPDATE SKIP LOCKED")
! grep -q "Index Scan using runs_claim_order_idx" <<<"$plan"
ok $? "with the caller's settings the claim's query would not walk the index (the test can tell)"
done_testing

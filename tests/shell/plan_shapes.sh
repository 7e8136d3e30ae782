#!/usr/bin/env bash
# The claim is planned to walk its index whatever the caller's planner
# settings and whenever its plan is made: on first use, again after an
# invalidation (another session alters runs), after waiting for another
# session's DDL on runs, with plan_cache_mode = force_custom_plan, while a new
# index is unusable for old transactions (a transient plan, made again when
# the oldest transaction goes), for each role when row-level security makes
# the plan depend on the role, and for a batch too large for a kept plan. The
# caller here turns index scans off (enable_indexscan = off), so a plan made
# with the caller's settings would scan runs sequentially and sort;
# megaforce sets its own (spi.cpp, PlanShape::kIndexPaths) only for an
# execution that makes the plan, so each of these must be seen as one. The
# plans are read with auto_explain's nested statements.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
db=mf_plan_shapes
roles="mf_shape_a mf_shape_b"
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" \
  -c "DROP ROLE IF EXISTS ${roles// /, }" -c "CREATE DATABASE $db"
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

# Other sessions, for `\! bash $aside ...` inside the claiming session:
#   ddl: a session takes runs exclusively, alters it (its storage options: the
#     same value again, which invalidates every plan reading runs) and commits
#     a second later; returns as soon as that session holds the lock.
#   begin NAME / end NAME: a transaction with an xid, open until `end`
#     terminates its session.
#   new_index: makes HOT chains in runs (an update of a column no index
#     holds) and indexes that column, so that the index cannot be used by
#     transactions older than it (pg_index.indcheckxmin): a plan made while
#     one of them runs is transient, made again when TransactionXmin moves.
aside=$(mktemp) explain=$(mktemp)
trap 'rm -f "$aside" "$explain"' EXIT
# A claiming session's first lines: the plans of the statements run inside
# functions printed as notices, and the caller's index scans off.
cat >"$explain" <<'SQL'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET megaforce.notify = off;
SET enable_indexscan = off;
SQL
explaining_session() {  # the statements on stdin, after $explain; prints what psql printed
  PGOPTIONS="-c client_min_messages=notice" psql -X -q -At -v ON_ERROR_STOP=1 -d $db -f "$explain" -f - 2>&1
}
cat >"$aside" <<SH
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -d $db "\$@"; }
case \$1 in
ddl)
  (q -c "BEGIN" -c "LOCK TABLE megaforce.runs IN ACCESS EXCLUSIVE MODE" \
     -c "ALTER TABLE megaforce.runs SET (autovacuum_enabled = off)" -c "SELECT pg_sleep(1)" -c "COMMIT" \
     >/dev/null 2>&1 &)
  until [[ \$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'relation'
            AND relation = 'megaforce.runs'::regclass AND mode = 'AccessExclusiveLock' AND granted") == 1 ]]; do
    sleep 0.05
  done ;;
begin)
  (PGAPPNAME=\$2 q -c "BEGIN" -c "SELECT txid_current()" -c "SELECT pg_sleep(300)" >/dev/null 2>&1 &)
  until [[ -n \$(q -c "SELECT backend_xid FROM pg_stat_activity WHERE application_name = '\$2'") ]]; do
    sleep 0.05
  done ;;
end)
  xid=\$(q -c "SELECT backend_xid FROM pg_stat_activity WHERE application_name = '\$2'")
  q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\$2'" >/dev/null
  # Its xid leaves the running ones before its lock on the xid goes.
  until [[ \$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND transactionid = '\$xid'") == 0 ]]; do
    sleep 0.05
  done ;;
new_index)
  q -c "VACUUM megaforce.runs" -c "SET megaforce.notify = off" \
    -c "UPDATE megaforce.runs SET error = 'hot' WHERE status = 'queued'" \
    -c "CREATE INDEX runs_error_idx ON megaforce.runs (error)" ;;
esac
SH

# One session: claims with the caller's index scans off, the plans of the
# statements inside printed as notices. Between the second and third claim
# another session alters runs, which invalidates the kept plan. After the
# batch, a claim with plan_cache_mode = force_custom_plan. A claim then
# waits for another session's ALTER TABLE: the invalidation arrives while it
# waits for its lock. Its transaction starts right after the claim before,
# within the 10 ms in which a kept plan does not compare table sizes (unless
# the machine is slow), so nothing locks runs before the claim's statement.
# Then claims while a new index is unusable for the oldest running
# transaction (as after a CREATE INDEX in an upgrade) and after that
# transaction has gone.
log=$(explaining_session <<SQL
\echo ==> first claim
SELECT count(*) FROM megaforce.claim_runs('w1', 2);
\echo ==> second claim
SELECT count(*) FROM megaforce.claim_runs('w2', 2);
\! psql -X -q -d $db -c "ALTER TABLE megaforce.runs SET (autovacuum_enabled = off)"
\echo ==> claim after an invalidation
SELECT count(*) FROM megaforce.claim_runs('w3', 2);
\echo ==> batch of 150
SELECT count(*) FROM megaforce.claim_runs('w4', 150);
SET plan_cache_mode = force_custom_plan;
\echo ==> claim with custom plans forced
SELECT count(*) FROM megaforce.claim_runs('w10', 2);
RESET plan_cache_mode;
\echo ==> claim that waited for a DDL of another session
SELECT count(*) FROM megaforce.claim_runs('w5', 2);
BEGIN;
\! bash $aside ddl
SELECT count(*) FROM megaforce.claim_runs('w6', 2);
COMMIT;
\! bash $aside begin mf_shape_old1
\! bash $aside begin mf_shape_old2
\! bash $aside new_index
\echo ==> claim planned while an index is too new for the oldest transaction
SELECT count(*) FROM megaforce.claim_runs('w11', 2);
\! bash $aside end mf_shape_old1
\echo ==> claim once the oldest transaction is gone
SELECT count(*) FROM megaforce.claim_runs('w12', 2);
\! bash $aside end mf_shape_old2
SQL
)
# The index was made unusable for the older transactions (else the claims
# above tell nothing about transient plans).
is "$(q -c "SELECT indcheckxmin FROM pg_index WHERE indexrelid = 'megaforce.runs_error_idx'::regclass")" t \
  "the new index was unusable for transactions older than it (the test can tell)"

# Row-level security on runs makes the claim's plan depend on the role: the
# plan cache makes it again for each role that runs it. A session of one
# superuser that claims as two roles by turns.
q >/dev/null <<SQL
CREATE ROLE mf_shape_a;
CREATE ROLE mf_shape_b;
GRANT USAGE ON SCHEMA megaforce TO mf_shape_a, mf_shape_b;
GRANT SELECT, UPDATE ON megaforce.runs TO mf_shape_a, mf_shape_b;
GRANT EXECUTE ON FUNCTION megaforce.claim_runs(text, integer, interval) TO mf_shape_a, mf_shape_b;
ALTER TABLE megaforce.runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY every_run ON megaforce.runs USING (true);
SQL
log_roles=$(explaining_session <<SQL
SET ROLE mf_shape_a;
\echo ==> claim as one role
SELECT count(*) FROM megaforce.claim_runs('w7', 2);
SET ROLE mf_shape_b;
\echo ==> claim as another role
SELECT count(*) FROM megaforce.claim_runs('w8', 2);
SET ROLE mf_shape_a;
\echo ==> claim as the first role again
SELECT count(*) FROM megaforce.claim_runs('w9', 2);
SQL
)

# The plans of the claim statement (UPDATE megaforce.runs r SET status =
# 'running' ...) that each step of a log printed.
claim_plans() {
  awk -v step="$2" '/^==> / { on = (substr($0, 5) == step); next } on' <<<"$1" |
    awk '/Query Text:/ { keep = /SET status = .running./ } keep'
}
check_step() {
  local plans walks=0 scans=0
  plans=$(claim_plans "$1" "$2")
  grep -q "Index Scan using runs_claim_order_idx" <<<"$plans" || walks=1
  ok $walks "$2: the claim walks runs_claim_order_idx"
  grep -qE "Seq Scan on runs|Sort Key: r.priority" <<<"$plans" && scans=1
  ok $scans "$2: the claim neither scans runs sequentially nor sorts its queue"
  if ((walks || scans)); then sed -n '/Query Text/,$p' <<<"$plans" | head -40 | sed 's/^/#   /'; fi
}
for step in "first claim" "second claim" "claim after an invalidation" "batch of 150" \
  "claim with custom plans forced" "claim that waited for a DDL of another session" \
  "claim planned while an index is too new for the oldest transaction" "claim once the oldest transaction is gone"; do
  check_step "$log" "$step"
done
for step in "claim as one role" "claim as another role" "claim as the first role again"; do
  check_step "$log_roles" "$step"
done
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'running'")" 172 "every claim claimed its runs"
# Without megaforce's settings the same caller's claim would be planned otherwise.
plan=$(q -c "SET enable_indexscan = off" -c "EXPLAIN SELECT r.id FROM megaforce.runs r WHERE r.status = 'queued'
  ORDER BY r.priority DESC, r.run_after, r.queued_at, r.id LIMIT 2 FOR UPDATE SKIP LOCKED")
! grep -q "Index Scan using runs_claim_order_idx" <<<"$plan"
ok $? "with the caller's settings the claim's query would not walk the index (the test can tell)"
PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE $db" -c "DROP ROLE ${roles// /, }"
done_testing

#!/usr/bin/env bash
# Approval transitions per second at 1 and 8 clients, megaforce against a
# plain-SQL floor doing the same writes with no checks (UPDATE + INSERT in one
# transaction), on one server in one run, rounds interleaved:
#   megaforce, megaforce.notify = off   vs  floor
#   megaforce, megaforce.notify = on    vs  floor + one pg_notify per change
# and, to show what the SPEC's own constraints cost, megaforce (notify off)
# against the same floor on tables with the SPEC's CHECKs and foreign keys.
# Each pgbench transaction is one script run = two workflow steps (submit,
# then request_changes), each step its own transaction; outputs are split
# between clients so no two clients touch one row. Figures are steps/s.
# BENCH_DURABILITY=cpu runs it CPU-bound (fsync = off, synchronous_commit =
# off for this run; issue 19's setting), =durable with both on; unset, with
# the server's own settings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/lib-queue.sh"  # bench_durability
OUTPUTS_PER_CLIENT=${OUTPUTS_PER_CLIENT:-200}
MAX_CLIENTS=8

PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
bench_psql <<SQL
CREATE EXTENSION megaforce;
INSERT INTO megaforce.users (id, email, role) VALUES
  ('e0000000-0000-0000-0000-000000000001', 'owner@example.com', 'editor'),
  ('b0000000-0000-0000-0000-000000000001', 'reviewer@example.com', 'reviewer');
-- Outputs k = 1..N with ids derived from k, all in changes_requested.
INSERT INTO megaforce.output_schemas (id, owner_id, title)
SELECT ('00000000-0000-0000-0000-' || lpad(k::text, 12, '0'))::uuid,
       'e0000000-0000-0000-0000-000000000001', 'Output ' || k
FROM generate_series(1, $OUTPUTS_PER_CLIENT * $MAX_CLIENTS) k;
DO \$\$ DECLARE o uuid; BEGIN
  FOR o IN SELECT id FROM megaforce.output_schemas LOOP
    PERFORM megaforce.submit_output(o, 'e0000000-0000-0000-0000-000000000001');
    PERFORM megaforce.request_changes(o, 'b0000000-0000-0000-0000-000000000001', 'again');
  END LOOP; END \$\$;
-- The floor: the same tables without triggers, checks or foreign keys.
CREATE TABLE floor_outputs (LIKE megaforce.output_schemas INCLUDING DEFAULTS INCLUDING INDEXES);
CREATE TABLE floor_history (LIKE megaforce.approval_history INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING IDENTITY);
INSERT INTO floor_outputs SELECT * FROM megaforce.output_schemas;
-- The constrained floor: the same again with the CHECKs and foreign keys of
-- SPEC §2 (status values, output -> owner/reviewer, history -> output/actor).
CREATE TABLE floorc_outputs (LIKE megaforce.output_schemas INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
CREATE TABLE floorc_history (LIKE megaforce.approval_history INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING IDENTITY INCLUDING CONSTRAINTS);
INSERT INTO floorc_outputs SELECT * FROM megaforce.output_schemas;
ALTER TABLE floorc_outputs ADD FOREIGN KEY (owner_id) REFERENCES megaforce.users (id),
                           ADD FOREIGN KEY (reviewed_by) REFERENCES megaforce.users (id);
ALTER TABLE floorc_history ADD FOREIGN KEY (output_id) REFERENCES floorc_outputs (id),
                           ADD FOREIGN KEY (actor_id) REFERENCES megaforce.users (id);
VACUUM ANALYZE;
SQL

work=$(mktemp -d)
trap 'rm -rf "$work"; [[ -z ${BENCH_DURABILITY:-} ]] || bench_durability_reset' EXIT
[[ -z ${BENCH_DURABILITY:-} ]] || bench_durability "$BENCH_DURABILITY"
cat >"$work/megaforce.sql" <<SQL
\\set o random(1, $OUTPUTS_PER_CLIENT) + :client_id * $OUTPUTS_PER_CLIENT
SELECT 1 FROM megaforce.submit_output(('00000000-0000-0000-0000-' || lpad(:o::text, 12, '0'))::uuid, 'e0000000-0000-0000-0000-000000000001');
SELECT 1 FROM megaforce.request_changes(('00000000-0000-0000-0000-' || lpad(:o::text, 12, '0'))::uuid, 'b0000000-0000-0000-0000-000000000001', 'again');
SQL
# The floor writes what a megaforce step writes, byte for byte where it can:
# the same columns of the output (the step's timestamp or reviewer too) and a
# history row with the same comment and a 32-byte row_hash, given as a
# constant instead of computed. No trigger, check or foreign key.
ROW_HASH="'\\x$(printf 'ab%.0s' {1..32})'::bytea"
floor_step() {  # $1 = from, $2 = to, $3 = actor, $4 = notify? (1/0), $5 = extra SET, $6 = comment
  cat <<SQL
BEGIN;
UPDATE floor_outputs SET status = '$2', revision = revision + 1, updated_at = now()$5 WHERE id = ('00000000-0000-0000-0000-' || lpad(:o::text, 12, '0'))::uuid AND status = '$1';
INSERT INTO floor_history (output_id, from_status, to_status, actor_id, comment, revision, row_hash) VALUES (('00000000-0000-0000-0000-' || lpad(:o::text, 12, '0'))::uuid, '$1', '$2', '$3', $6, 1, $ROW_HASH);
SQL
  [[ $4 == 1 ]] && echo "SELECT pg_notify('megaforce_outputs', json_build_object('id', ('00000000-0000-0000-0000-' || lpad(:o::text, 12, '0')), 'from', '$1', 'to', '$2', 'actor', '$3', 'revision', 1)::text);"
  echo "COMMIT;"
}
for notify in 0 1; do
  {
    echo "\\set o random(1, $OUTPUTS_PER_CLIENT) + :client_id * $OUTPUTS_PER_CLIENT"
    floor_step changes_requested pending_review e0000000-0000-0000-0000-000000000001 $notify \
      ", submitted_at = now()" NULL
    floor_step pending_review changes_requested b0000000-0000-0000-0000-000000000001 $notify \
      ", reviewed_by = 'b0000000-0000-0000-0000-000000000001', reviewed_at = now()" "'again'"
  } >"$work/floor$notify.sql"
done
sed -e 's/floor_outputs/floorc_outputs/' -e 's/floor_history/floorc_history/' "$work/floor0.sql" >"$work/floorc0.sql"

echo
echo "approval transitions/s: ${BENCH_ROUNDS} paired rounds of ${BENCH_SECONDS}s; ratio = median of per-round ratios; $(bench_settings)"
compare_header
for clients in 1 8; do
  compare "notify off vs plain floor" $clients 2 "$work/floor0.sql" "" "$work/megaforce.sql" "-c megaforce.notify=off"
  compare "notify on vs floor + pg_notify" $clients 2 "$work/floor1.sql" "" "$work/megaforce.sql" "-c megaforce.notify=on"
  compare "notify off vs floor + constraints" $clients 2 "$work/floorc0.sql" "" "$work/megaforce.sql" "-c megaforce.notify=off"
done
bench_psql -c "SELECT 'history rows written: ' || count(*) FROM megaforce.approval_history"

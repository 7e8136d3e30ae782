#!/usr/bin/env bash
# A database using megaforce survives pg_dump + restore: same schema, every
# row of every table with the same values (SPEC §2, §8). Needs PGHOST/PGPORT.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
src=mf_dump_src dst=mf_dump_dst
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

for db in $src $dst; do q -d postgres -c "DROP DATABASE IF EXISTS $db"; done
q -d postgres -c "CREATE DATABASE $src"
q -d $src -c "CREATE EXTENSION megaforce"
q -d $src -f "$here/tests/fixtures/one_row_per_table.sql"

pg_dump -Fc -d $src -f "$work/dump" ; ok $? "pg_dump of a database using megaforce"
q -d postgres -c "CREATE DATABASE $dst"
# Restores load the rows as they were: workflow and state-machine triggers
# would otherwise treat them as new writes (README "Backup and restore").
PGOPTIONS='-c session_replication_role=replica' pg_restore --exit-on-error -d $dst "$work/dump"
ok $? "pg_restore into a fresh database"

# Every row of every table, with every value.
tables=(users personas input_sources runs documents output_schemas approval_history)
for t in "${tables[@]}"; do
  sql="SELECT count(*) || ' rows ' || md5(coalesce(string_agg(x::text, '|' ORDER BY x.id::text), ''))
       FROM megaforce.$t x"
  is "$(q -d $dst -c "$sql")" "$(q -d $src -c "$sql")" "$t: every row survives with its values"
done
is "$(q -d $dst -c "SELECT count(*) FROM megaforce.users")" "3" "the fixture's users are there"

# migration_log: the install row is written by CREATE EXTENSION on restore;
# the log is not duplicated.
is "$(q -d $dst -c "SELECT count(*) FROM megaforce.migration_log WHERE from_version IS NULL")" "1" \
  "migration_log has one install row after restore"

# The schema (catalog) is the same.
pg_dump -s -d $src | grep -Ev '^(--|\\(un)?restrict )' >"$work/src.sql"
pg_dump -s -d $dst | grep -Ev '^(--|\\(un)?restrict )' >"$work/dst.sql"
check "pg_dump --schema-only of source and restored databases are identical" diff "$work/src.sql" "$work/dst.sql"

# The identity sequence continues after the restored rows.
q -d $dst -c "INSERT INTO megaforce.approval_history (output_id, to_status, actor_id, revision)
  SELECT output_id, 'draft', actor_id, 1 FROM megaforce.approval_history LIMIT 1" 2>/dev/null
is "$(q -d $dst -c "SELECT count(DISTINCT id) = count(*) FROM megaforce.approval_history")" "t" \
  "approval_history ids stay unique after restore (sequence restored)"

for db in $src $dst; do q -d postgres -c "DROP DATABASE IF EXISTS $db"; done
done_testing

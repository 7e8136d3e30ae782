#!/usr/bin/env bash
# A database using megaforce survives pg_dump + restore (SPEC §2, §8, issue
# 20): the database owner, who is not superuser, restores between
# megaforce.pre_restore() and megaforce.post_restore(): same schema, every row
# of every table with the same values, no problem reported. A plain
# pg_restore (superuser or owner) is refused with a message that names
# megaforce and what to run, and with --single-transaction leaves nothing.
# Needs PGHOST/PGPORT (a superuser connection).
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
source "$here/tests/lib/restore.sh"
src=mf_dump_src dst=mf_dump_dst plain=mf_dump_plain owned=mf_dump_owned owner=mf_dump_owner
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
as_owner() { PGUSER=$owner "$@"; }
drop_all() {
  for db in $src $dst $plain $owned; do q -d postgres -c "DROP DATABASE IF EXISTS $db"; done
  q -d postgres -c "DROP ROLE IF EXISTS $owner"
}
drop_all
restore_owner_role $owner
q -d postgres -c "CREATE DATABASE $src"
q -d $src -c "CREATE EXTENSION megaforce"
check "the source is filled with rows in every table and status" \
  q -d $src -o /dev/null -f "$here/tests/upgrade/fill.sql"

pg_dump -Fc -d $src -f "$work/dump"; ok $? "pg_dump of a database using megaforce"
runs_sql="SELECT count(*) || ' rows ' || md5(coalesce(string_agg(x::text, '|' ORDER BY x.id::text), '')) FROM megaforce.runs x"
runs_before=$(q -d $src -c "$runs_sql")
# The owner restores into a database where megaforce exists already (a
# superuser created it): the dump's schema, extension and extension comment
# entries are left out (README "Backup and restore").
restore_list "$work/dump" >"$work/list"

# 1. The owner restores between pre_restore() and post_restore().
owned_database $dst $owner
check "pre_restore() as the database owner (not superuser)" as_owner q -d $dst -c "SELECT megaforce.pre_restore()"
as_owner pg_restore --exit-on-error --single-transaction --no-owner -L "$work/list" -d $dst "$work/dump" 2>"$work/restore.err"
ok $? "pg_restore as the database owner"; sed 's/^/#   /' "$work/restore.err"
is "$(as_owner q -d $dst -c "SELECT count(*) FROM megaforce.post_restore()")" 0 \
  "post_restore() as the database owner reports no problem"
is "$(q -d $dst -c "SELECT count(*) FROM pg_db_role_setting WHERE 'megaforce.restoring=on' = ANY (setconfig)")" 0 \
  "restore mode is over"

# Every row of every table, with every value.
tables=(users personas input_sources runs documents output_schemas approval_history)
for t in "${tables[@]}"; do
  sql="SELECT count(*) || ' rows ' || md5(coalesce(string_agg(x::text, '|' ORDER BY x.id::text), ''))
       FROM megaforce.$t x"
  is "$(q -d $dst -c "$sql")" "$(q -d $src -c "$sql")" "$t: every row survives with its values"
done
is "$(q -d $dst -c "SELECT count(*) > 10 FROM megaforce.runs")" "t" "the filled runs are there"
is "$(q -d $dst -c "SELECT count(DISTINCT status) FROM megaforce.output_schemas")" "7" \
  "outputs in every status are there"
is "$(q -d $dst -c "SELECT count(*) FROM megaforce.verify_history()")" "0" "every history chain is intact"

# migration_log: the install row is written by CREATE EXTENSION; the log is
# not duplicated.
is "$(q -d $dst -c "SELECT count(*) FROM megaforce.migration_log WHERE from_version IS NULL")" "1" \
  "migration_log has one install row after restore"

# The schema (catalog) is the same, but for the owner's grants.
pg_dump -s -d $src | grep -Ev '^(--|\\(un)?restrict )' | cat -s >"$work/src.sql"
pg_dump -s -d $dst | grep -Ev '^(--|\\(un)?restrict )' | grep -v "TO $owner;" | cat -s >"$work/dst.sql"
check "pg_dump --schema-only of source and restored databases are identical" diff "$work/src.sql" "$work/dst.sql"

# The restored database works: the identity sequence continues, the
# workflow and the queue take new steps.
q -d $dst -c "SELECT megaforce.create_output(id, 'after restore', '{}') FROM megaforce.users
              WHERE lower(email) = 'editor@example.com'" >/dev/null
is "$(q -d $dst -c "SELECT count(DISTINCT id) = count(*) FROM megaforce.approval_history")" "t" \
  "approval_history ids stay unique after restore (sequence restored)"
claim="SELECT string_agg(id::text, ',' ORDER BY id) FROM megaforce.claim_runs('after-restore', 100)"
is "$(q -d $dst -c "$claim")" "$(q -d $src -c "$claim")" "the restored queue is claimed as the source's is"

# 2. A plain pg_restore by a superuser into a fresh database, in one
# transaction: refused with the named message, nothing left behind.
q -d postgres -c "CREATE DATABASE $plain"
pg_restore --exit-on-error --single-transaction -d $plain "$work/dump" 2>"$work/plain.err"
rc=$?
ok $((rc == 0)) "a plain pg_restore is refused"
check "... with a message that names megaforce and what to run" \
  grep -q 'megaforce: this looks like a restore.*run SELECT megaforce.pre_restore() before pg_restore and SELECT megaforce.post_restore() after it' \
  "$work/plain.err"
sed -n '1,3s/^/#   /p' "$work/plain.err"
is "$(q -d $plain -c "SELECT count(*) FROM pg_extension WHERE extname = 'megaforce'")
$(q -d $plain -c "SELECT count(*) FROM pg_namespace WHERE nspname = 'megaforce'")" "0
0" "... and with --single-transaction leaves nothing behind"

# 3. The same by the owner, into a database with the extension: refused, no row.
owned_database $owned $owner
as_owner pg_restore --exit-on-error --single-transaction --no-owner -L "$work/list" -d $owned "$work/dump" 2>"$work/owned.err"
rc=$?
ok $((rc == 0)) "a plain pg_restore by the owner is refused"
check "... with the message that names megaforce and what to run" \
  grep -q 'run SELECT megaforce.pre_restore() before pg_restore' "$work/owned.err"
rows=0
for t in "${tables[@]}"; do rows=$((rows + $(q -d $owned -c "SELECT count(*) FROM megaforce.$t"))); done
is "$rows" 0 "... and leaves no row in any megaforce table"

# 4. A superuser restoring into a fresh database sets restore mode for
# pg_restore's session itself (megaforce.restoring is a superuser setting; no
# session of an ordinary role can set it).
q -d postgres -c "DROP DATABASE $plain" -c "CREATE DATABASE $plain"
PGOPTIONS='-c megaforce.restoring=on' pg_restore --exit-on-error --single-transaction -d $plain "$work/dump"
ok $? "a superuser's pg_restore with PGOPTIONS='-c megaforce.restoring=on' into a fresh database"
is "$(q -d $plain -c "SELECT count(*) FROM megaforce.post_restore()")" 0 "... post_restore() reports no problem"
is "$(q -d $plain -c "$runs_sql")" "$runs_before" "... every run as it was"
PGUSER=$owner PGOPTIONS='-c megaforce.restoring=on' psql -X -q -At -d $owned \
  -c "SELECT megaforce.is_valid_email('a@example.com')" -c "SELECT current_setting('megaforce.restoring')" \
  >"$work/owner_set.out" 2>&1
is "$(tail -1 "$work/owner_set.out")" "off" "an ordinary role's PGOPTIONS cannot switch restore mode on"

drop_all
done_testing

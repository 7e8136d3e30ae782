# Restoring a megaforce database as its owner, who is not superuser (SPEC §8,
# README "Backup and restore"); source this file. Needs a superuser
# connection in PGHOST/PGPORT/PGUSER.

_rq() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# restore_owner_role ROLE: (re)creates ROLE, a login that is not superuser.
restore_owner_role() {
  _rq -d postgres -c "DROP ROLE IF EXISTS $1" -c "CREATE ROLE $1 LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
}

# owned_database DB ROLE: the superuser's part: DB owned by ROLE, megaforce
# installed in it, and the grants loading megaforce's tables needs.
owned_database() {
  local db=$1 role=$2
  _rq -d postgres -c "CREATE DATABASE $db OWNER $role"
  _rq -d "$db" -c "CREATE EXTENSION megaforce" \
    -c "GRANT USAGE ON SCHEMA megaforce TO $role" \
    -c "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA megaforce TO $role" \
    -c "GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA megaforce TO $role" \
    -c "GRANT EXECUTE ON FUNCTION megaforce.pre_restore(), megaforce.post_restore() TO $role"
}

# restore_list DUMP: the dump's table of contents without the entries that
# exist already where megaforce is installed (its schema, the extension and
# its comment), for pg_restore --use-list.
restore_list() {
  pg_restore -l "$1" | grep -Ev ' (SCHEMA|EXTENSION) - megaforce | COMMENT - EXTENSION megaforce'
}

# restore_as_owner DUMP DB ROLE [WORK]: the owner's part: pre_restore(),
# pg_restore in one transaction, post_restore(), whose problems go to stdout
# (nothing = intact). Fails when a step fails.
restore_as_owner() {
  local dump=$1 db=$2 role=$3 list
  list=$(mktemp)
  restore_list "$dump" >"$list"
  PGUSER=$role _rq -d "$db" -c "SELECT megaforce.pre_restore()" &&
    PGUSER=$role pg_restore --exit-on-error --single-transaction --no-owner -L "$list" -d "$db" "$dump" &&
    PGUSER=$role _rq -d "$db" -c "SELECT table_name, row_id, problem FROM megaforce.post_restore()"
  local rc=$?
  rm -f "$list"
  return $rc
}

# restore_grants_revoke DB ROLE: the superuser takes back what owned_database
# granted, once the restore is done.
restore_grants_revoke() {
  local db=$1 role=$2
  _rq -d "$db" -c "REVOKE EXECUTE ON FUNCTION megaforce.pre_restore(), megaforce.post_restore() FROM $role" \
    -c "REVOKE ALL ON ALL SEQUENCES IN SCHEMA megaforce FROM $role" \
    -c "REVOKE ALL ON ALL TABLES IN SCHEMA megaforce FROM $role" \
    -c "REVOKE USAGE ON SCHEMA megaforce FROM $role"
}

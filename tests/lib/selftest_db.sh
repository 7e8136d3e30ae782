# shellcheck shell=bash
# mf_selftest_db DB: a fresh database DB (megaforce.notify off) with
# megaforce, the boundary self-test functions of tests/pg/boundary_selftest.cpp
# (schema mf_selftest; the library is $MF_BUILD_DIR/megaforce_selftest.so,
# default build/) and one editor, 10000000-0000-0000-0000-000000000001.
# Uses the cluster named by PGHOST/PGPORT/PGUSER.
mf_selftest_db() {
  local db=$1 root lib
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  lib=$(realpath "${MF_BUILD_DIR:-$root/build}/megaforce_selftest.so")
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
    -c "ALTER DATABASE $db SET megaforce.notify = off"
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v selftest_lib="$lib" <<SQL
CREATE EXTENSION megaforce;
\\i $root/tests/pg/boundary_selftest.sql
INSERT INTO megaforce.users (id, email, role) VALUES
  ('10000000-0000-0000-0000-000000000001', 'owner@example.com', 'editor');
SQL
}

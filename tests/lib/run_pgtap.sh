#!/usr/bin/env bash
# run_pgtap.sh SELFTEST_LIB: runs every pgTAP suite (tests/sql/*.sql) with
# pg_prove in a fresh database that has pgtap, megaforce and the boundary
# self-test functions. Uses the cluster named by PGHOST/PGPORT/PGUSER.
set -euo pipefail
selftest_lib=$1
db=mf_pgtap
here=$(cd "$(dirname "$0")/../.." && pwd)

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v selftest_lib="$selftest_lib" <<SQL
CREATE EXTENSION pgtap;
CREATE EXTENSION megaforce;
\i $here/tests/pg/boundary_selftest.sql
SQL
pg_prove --timer -d "$db" "$here"/tests/sql/*.sql

#!/usr/bin/env bash
# client/catalogs/VERSION.json, built into `megaforce check`, is the catalog
# of a fresh install of VERSION, for every version the scripts define.
# When a version changes: scripts/dev catalogs.
set -uo pipefail
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/upgrade.sh"
client=${MF_BUILD_DIR:-$repo_root/build}/client/megaforce

for v in $(q -d postgres -c "SELECT version FROM pg_available_extension_versions WHERE name = 'megaforce'" | sort -V); do
  db=mf_catalog_${v//./_}
  fresh_db "$db"
  q -d "$db" -c "CREATE EXTENSION megaforce VERSION '$v'"
  check "client/catalogs/$v.json is the catalog of a fresh install of $v (else: scripts/dev catalogs)" \
    diff "$repo_root/client/catalogs/$v.json" <("$client" --dsn "dbname=$db" check --print-catalog)
  check "megaforce check: a fresh install of $v has no drift" "$client" --dsn "dbname=$db" check
  q -d postgres -c "DROP DATABASE $db"
done
done_testing

#!/usr/bin/env bash
# Upgrade-path equivalence (SPEC §8, issue 6), for every released version V:
# install V and fill it with realistic rows; upgrade to head: the catalog is
# the catalog of a fresh install at head, and every row survived; pg_dump and
# restore of the upgraded database: same catalog, same rows, verify_history
# clean; downgrade back to V: V's catalog again, the rows V can hold kept,
# and the workflow still works there; upgrade again: still intact.
set -uo pipefail
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/upgrade.sh"
source "$(dirname "$0")/../lib/restore.sh"
restorer=mf_eq_restorer
restore_owner_role "$restorer"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head=$(head_version)

# The migration_log rows written after row id $2, as "A->B A->B ...".
steps_logged() {
  q -d "$1" -c "SELECT string_agg(from_version || '->' || to_version, ' ' ORDER BY id)
                FROM megaforce.migration_log WHERE id > $2"
}
# The steps from version $1 to $2 along the released versions and head, as "A->B ...".
version_path() {
  local versions path=() prev=
  versions=$( { released_versions; echo "$head"; } | sort -uV)
  [[ $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1) == "$1" ]] || versions=$(sort -rV <<<"$versions")
  local v inside=0
  for v in $versions; do
    [[ $v == "$1" ]] && inside=1
    if ((inside)); then [[ -n $prev ]] && path+=("$prev->$v"); prev=$v; fi
    [[ $v == "$2" ]] && break
  done
  echo "${path[*]}"
}

fresh_db mf_eq_head
q -d mf_eq_head -c "CREATE EXTENSION megaforce"
catalog mf_eq_head >"$work/catalog.head"

for v in $(released_versions); do
  db=mf_eq_from_${v//./_} restored=mf_eq_restored_${v//./_} base=mf_eq_base_${v//./_}
  fresh_db "$base"
  q -d "$base" -c "CREATE EXTENSION megaforce VERSION '$v'"
  catalog "$base" >"$work/catalog.$v"

  fresh_db "$db"
  q -d "$db" -c "CREATE EXTENSION megaforce VERSION '$v'"
  check "$v: filled with rows in every table and status" q -d "$db" -o /dev/null -f "$upgrade_dir/fill.sql"
  snapshot "$db" "$work/rows.$v"

  logged=$(q -d "$db" -c "SELECT coalesce(max(id), 0) FROM megaforce.migration_log")
  check "$v -> $head: ALTER EXTENSION megaforce UPDATE" q -d "$db" -c "ALTER EXTENSION megaforce UPDATE"
  is "$(q -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'megaforce'")" "$head" \
    "$v -> $head: installed version is head"
  check "$v -> $head: catalog identical to a fresh install at head" \
    diff "$work/catalog.head" <(catalog "$db")
  check "$v -> $head: every row of every table survived with its values" same_rows "$db" "$work/rows.$v"
  if [[ $v != "$head" ]]; then
    is "$(steps_logged "$db" "$logged")" "$(version_path "$v" "$head")" "$v -> $head: migration_log records each step"
  fi
  if [[ $(q -d "$db" -c "SELECT to_regprocedure('megaforce.verify_history(uuid)') IS NOT NULL") == t ]]; then
    is "$(q -d "$db" -c "SELECT count(*) FROM megaforce.approval_history WHERE row_hash IS NULL")" 0 \
      "$v -> $head: every history row was given its row_hash"
    is "$(q -d "$db" -c "SELECT count(*) FROM megaforce.verify_history()")" 0 \
      "$v -> $head: verify_history() finds every chain intact"
  fi
  snapshot "$db" "$work/rows.upgraded.$v"

  # pg_dump + restore of the upgraded database by its owner, who is not
  # superuser, between pre_restore() and post_restore() (README "Backup and
  # restore"; tests/lib/restore.sh).
  pg_dump -Fc -d "$db" -f "$work/dump.$v"
  ok $? "$v -> $head: pg_dump"
  q -d postgres -c "DROP DATABASE IF EXISTS $restored"
  owned_database "$restored" "$restorer"
  problems=$(restore_as_owner "$work/dump.$v" "$restored" "$restorer" 2>&1)
  ok $? "$v -> $head: restored by the database owner (pre_restore, pg_restore, post_restore)"
  is "$problems" "" "$v -> $head: post_restore() reports no problem"
  restore_grants_revoke "$restored" "$restorer"
  # (the owner's grants, taken back, leave the schema's default ACL spelled out)
  check "$v -> $head: restored catalog identical to head's" diff "$work/catalog.head" \
    <(catalog "$restored" | sed -E 's/^(schema \| megaforce \|.*owner=([a-z_]+) )acl=\{\2=UC\/\2\}$/\1acl=/')
  check "$v -> $head: restored rows identical, table by table" same_rows "$restored" "$work/rows.upgraded.$v" restored
  if [[ $(q -d "$restored" -c "SELECT to_regprocedure('megaforce.verify_history(uuid)') IS NOT NULL") == t ]]; then
    is "$(q -d "$restored" -c "SELECT count(*) FROM megaforce.verify_history()")" 0 \
      "$v -> $head: verify_history() clean after restore"
  fi

  # Back down to V.
  [[ $v == "$head" ]] && continue
  logged=$(q -d "$db" -c "SELECT coalesce(max(id), 0) FROM megaforce.migration_log")
  check "$head -> $v: ALTER EXTENSION megaforce UPDATE TO '$v'" \
    q -d "$db" -c "ALTER EXTENSION megaforce UPDATE TO '$v'"
  check "$head -> $v: catalog identical to a fresh install at $v" diff "$work/catalog.$v" <(catalog "$db")
  check "$head -> $v: every row kept, in the columns $v has" same_rows "$db" "$work/rows.$v"
  is "$(steps_logged "$db" "$logged")" "$(version_path "$head" "$v")" "$head -> $v: migration_log records each step"
  check "$head -> $v: the workflow still works (a new output, submitted)" q -d "$db" -c "
    SELECT megaforce.submit_output((megaforce.create_output(id, 'after downgrade', '{}')).id, id)
    FROM megaforce.users WHERE lower(email) = 'editor@example.com'"
  check "$head -> $v -> $head: upgrading again works" q -d "$db" -c "ALTER EXTENSION megaforce UPDATE"
  check "$head -> $v -> $head: catalog identical to head's again" diff "$work/catalog.head" <(catalog "$db")
  if [[ $(q -d "$db" -c "SELECT to_regprocedure('megaforce.verify_history(uuid)') IS NOT NULL") == t ]]; then
    is "$(q -d "$db" -c "SELECT count(*) FROM megaforce.verify_history()")" 0 \
      "$head -> $v -> $head: every chain intact, rows written at $v included"
  fi
  for d in "$db" "$restored" "$base"; do q -d postgres -c "DROP DATABASE IF EXISTS $d"; done
done
q -d postgres -c "DROP DATABASE mf_eq_head" -c "DROP ROLE $restorer"
done_testing

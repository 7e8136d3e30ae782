#!/usr/bin/env bash
# The rules that keep released versions trustworthy (SPEC §8, issue 6):
# released scripts never change, every step has its way back, the scripts
# pass the lint, and the shared library exports every C symbol any script
# names, so old SQL keeps working with a new binary.
set -uo pipefail
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/upgrade.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checker=$repo_root/tests/lib/check_released.sh
lint=$repo_root/tests/lib/lint_scripts.pl

check "migrations/RELEASED: every released script unchanged, every step has its downgrade" "$checker" "$repo_root"
grep -q "^1.0 .*sql/megaforce--1.0.sql" "$repo_root/migrations/RELEASED"
ok $? "1.0 is released"

# The checker itself fails where it must, on copies of the tree.
copy() { rm -rf "$work/tree"; mkdir -p "$work/tree"; cp -r "$repo_root"/{sql,migrations,extension} "$work/tree/"; }
copy; echo "-- a change" >>"$work/tree/sql/megaforce--1.0.sql"
out=$("$checker" "$work/tree"); rc=$?
(( rc != 0 )) && grep -q 'changed since it was released' <<<"$out"
ok $? "a changed released script fails the check"
copy; rm "$work/tree/migrations/megaforce--1.1--1.0.sql"
out=$("$checker" "$work/tree"); rc=$?
(( rc != 0 )) && grep -q 'has no way back' <<<"$out"
ok $? "a step without its downgrade fails the check"
copy; sed -i "s/^default_version = .*/default_version = '0.9'/" "$work/tree/extension/megaforce.control"
"$checker" "$work/tree" >/dev/null
(( $? != 0 )); ok $? "a default_version that is not the highest version fails the check"

check "lint: the extension's scripts follow the rules" "$lint" "$repo_root"
lint_catches() {  # lint_catches DESCRIPTION FILE SQL
  copy; printf '%s\n' "$3" >>"$work/tree/$2"
  out=$("$lint" "$work/tree"); rc=$?
  (( rc != 0 )) && grep -q "$2" <<<"$out"
  ok $? "lint catches $1"
}
lint_catches "CREATE OR REPLACE in the base script" sql/megaforce--1.0.sql \
  "CREATE OR REPLACE FUNCTION megaforce.x() RETURNS int LANGUAGE sql SET search_path = pg_catalog AS 'SELECT 1';"
lint_catches "CREATE OR REPLACE of a function no script created" migrations/megaforce--1.0--1.1.sql \
  "CREATE OR REPLACE FUNCTION public.lower(text) RETURNS text LANGUAGE sql SET search_path = pg_catalog AS 'SELECT \$1';"
lint_catches "IF NOT EXISTS in an update script" migrations/megaforce--1.0--1.1.sql \
  "CREATE INDEX IF NOT EXISTS x ON megaforce.users (email);"
lint_catches "a function without SET search_path" migrations/megaforce--1.0--1.1.sql \
  "CREATE FUNCTION megaforce.y() RETURNS int LANGUAGE sql AS \$\$ SELECT 1; \$\$;"
copy; printf '%s\n' "CREATE OR REPLACE FUNCTION megaforce.verify_history(output_id uuid DEFAULT NULL) RETURNS TABLE (output_id uuid, history_id bigint, problem text) LANGUAGE c STABLE SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'megaforce_verify_history'; -- CREATE OR REPLACE in a comment" \
  >>"$work/tree/migrations/megaforce--1.0--1.1.sql"
check "lint allows CREATE OR REPLACE of a function a megaforce script created" "$lint" "$work/tree"

# Every C symbol named by any script (released or not) is exported, with its
# fmgr info record, by the installed library.
lib="${MF_PG_PKGLIBDIR:-$(pg_config --pkglibdir)}/megaforce.so"
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)
missing=()
for sym in $(cat "$repo_root"/sql/*.sql "$repo_root"/migrations/*.sql |
             grep -o "'MODULE_PATHNAME', *'[a-z_0-9]*'" | sed "s/.*'\([a-z_0-9]*\)'$/\1/" | sort -u); do
  grep -qx "$sym" <<<"$exported" && grep -qx "pg_finfo_$sym" <<<"$exported" || missing+=("$sym")
done
is "${missing[*]:-}" "" "the library exports every symbol the scripts reference ($(wc -w <<<"$exported") exported)"

done_testing

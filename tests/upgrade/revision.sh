#!/usr/bin/env bash
# `scripts/dev revision VERSION "message"` starts a version (SPEC §8): both
# scripts with headers, default_version and META.json bumped, a failing test stub; the
# result passes the version checks and the lint. Runs on a copy of the tree.
set -uo pipefail
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/upgrade.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree/tests"
cp -r "$repo_root"/{sql,migrations,extension,scripts,META.json} "$work/tree/"
cp -r "$repo_root"/tests/{sql,lib} "$work/tree/tests/"
head=$(head_version)
next=$(awk -F. '{print $1 "." $2 + 1}' <<<"$head")
dev=$work/tree/scripts/dev

check "revision $next \"add a thing\"" "$dev" revision "$next" "add a thing"
up=$work/tree/migrations/megaforce--$head--$next.sql
down=$work/tree/migrations/megaforce--$next--$head.sql
stub=$work/tree/tests/sql/version_${next//./_}.sql
[[ -f $up && -f $down && -f $stub ]]; ok $? "the upgrade, the downgrade and the test stub exist"
grep -q "^-- megaforce $head -> $next: add a thing" "$up"; ok $? "the upgrade script's header names the step and the message"
grep -q "What each step locks" "$up" && grep -q "What each step locks" "$down"
ok $? "both headers ask what each step locks"
grep -q "'$head', '$next'" "$up" && grep -q "VALUES ('$next', '$head')" "$down"
ok $? "both scripts append to migration_log"
is "$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$work/tree/extension/megaforce.control")" "$next" \
  "default_version is bumped to $next"
grep -q "SELECT fail(" "$stub"; ok $? "the test stub fails until it is written"
is "$(grep -c "\"version\": \"$next.0\"" "$work/tree/META.json")" 2 "META.json gives $next.0 as the version and as megaforce's"
check "the new tree passes the version checks" "$work/tree/tests/lib/check_released.sh" "$work/tree"
check "the new scripts pass the lint" "$work/tree/tests/lib/lint_scripts.pl" "$work/tree"
"$dev" revision "$next" "again" >/dev/null 2>&1
(( $? != 0 )); ok $? "a version that exists is refused"
"$dev" revision 0.1 "older" >/dev/null 2>&1
(( $? != 0 )); ok $? "a version below head is refused"
"$dev" revision "$next.1" >/dev/null 2>&1
is "$?" 3 "a bad invocation exits 3"
done_testing

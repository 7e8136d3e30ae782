#!/usr/bin/env bash
# check_released.sh [ROOT]: the version rules of SPEC §8, checked on a tree.
#  - every script listed in migrations/RELEASED still has its SHA-256;
#  - every step A--B in migrations/ has its way back B--A;
#  - the control file's default_version (head) is the highest version there is.
# Prints one line per problem; exit 1 when there is any.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
problems=0
problem() { echo "$*"; problems=$((problems + 1)); }

released=$root/migrations/RELEASED
[[ -f $released ]] || problem "migrations/RELEASED is missing"
while read -r version sum file _; do
  [[ -z $version || $version == \#* ]] && continue
  if [[ ! -f $root/$file ]]; then
    problem "released $version: $file is missing"
  elif [[ $(sha256sum "$root/$file" | cut -d' ' -f1) != "$sum" ]]; then
    problem "released $version: $file changed since it was released (a released script never changes: ship the change as a new version)"
  fi
done < <(cat "$released" 2>/dev/null)

versions=()
for f in "$root"/sql/megaforce--*.sql "$root"/migrations/megaforce--*--*.sql; do
  [[ -f $f ]] || continue
  name=$(basename "$f" .sql); name=${name#megaforce--}
  if [[ $name == *--* ]]; then
    from=${name%--*} to=${name#*--}
    [[ -f $root/migrations/megaforce--$to--$from.sql ]] ||
      problem "migrations/megaforce--$from--$to.sql has no way back: megaforce--$to--$from.sql is missing"
    versions+=("$from" "$to")
  else
    versions+=("$name")
  fi
done
head=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$root/extension/megaforce.control")
highest=$(printf '%s\n' "${versions[@]}" | sort -uV | tail -1)
[[ $head == "$highest" ]] ||
  problem "default_version is '$head' but the highest version with a script is '$highest'"

exit $((problems > 0))

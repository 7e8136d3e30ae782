#!/usr/bin/env bash
# The README's 60-second tour, run verbatim (the ```sql tour and ```sh tour
# blocks) against a fresh database of the test cluster, so the README cannot
# rot (issue 10).
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# MF_TOUR_DATABASE_URL: a database that has megaforce and nothing else yet
# (tests/docker/compose_stack.sh runs the tour in the image); by default a
# fresh database of the test cluster, dropped at the end.
if [[ -n ${MF_TOUR_DATABASE_URL:-} ]]; then
  export MEGAFORCE_DATABASE_URL=$MF_TOUR_DATABASE_URL
else
  db=mf_tour
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  psql -X -q -d $db -c "CREATE EXTENSION megaforce"
  export MEGAFORCE_DATABASE_URL="postgresql://${PGUSER:-postgres}@/$db?host=${PGHOST:-/tmp}&port=${PGPORT:-5432}"
fi

# block KIND: the lines of every ```KIND tour block of the README.
block() { awk -v kind="$1" '$0 == "```" kind " tour" { on = 1; next } /^```/ { on = 0 } on' "$here/README.md"; }
block sql >"$work/tour.sql"
block sh >"$work/tour.sh"
(( $(wc -l <"$work/tour.sql") > 5 && $(wc -l <"$work/tour.sh") > 1 ))
ok $? "the README has the tour's SQL and shell blocks"

out=$(psql -X -v ON_ERROR_STOP=1 "$MEGAFORCE_DATABASE_URL" -f "$work/tour.sql" 2>&1)
ok $? "the tour's SQL runs as written" || sed 's/^/#   /' <<<"$out"
grep -q 'succeeded' <<<"$out"; ok $? "the run was completed"
grep -q 'approved' <<<"$out"; ok $? "the output was approved"
is "$(psql -X -At "$MEGAFORCE_DATABASE_URL" -c "SELECT string_agg(to_status, ',' ORDER BY id) FROM megaforce.approval_history")" \
   "draft,pending_review,approved" "its history: created, submitted, approved"
is "$(psql -X -At "$MEGAFORCE_DATABASE_URL" -c "SELECT count(*) FROM megaforce.verify_history()")" 0 "no broken links"

cd "$here"
while read -r line; do
  [[ -z $line ]] && continue
  out=$(bash -c "$line" 2>&1)
  ok $? "$line" || sed 's/^/#   /' <<<"$out"
done <"$work/tour.sh"

# The claims the prose makes.
psql -X -v ON_ERROR_STOP=1 "$MEGAFORCE_DATABASE_URL" -At -c "SELECT megaforce.approve_output(id, owner_id) FROM megaforce.output_schemas" \
  >/dev/null 2>"$work/err"
grep -q 'approve' "$work/err" && ! grep -q 'XX000' "$work/err"
ok $? "Ada cannot approve her own post"
[[ -z ${MF_TOUR_DATABASE_URL:-} ]] && psql -X -q -d postgres -c "DROP DATABASE $db"
done_testing

#!/usr/bin/env bash
# The boundary rule in the source (issue 17): tests/lib/lint_boundary.pl finds
# every PostgreSQL call that may raise an error outside pg_call in
# extension/pg/ and tests/pg/. The tree passes; each kind of defect it exists
# for, planted in a copy, is found.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
lint=$here/tests/lib/lint_boundary.pl

check "the tree passes the boundary lint" perl "$lint" "$here"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# plant FILE PATTERN REPLACEMENT DESCRIPTION: the lint must name FILE.
plant() {
  local file=$1 pattern=$2 replacement=$3 desc=$4 out
  rm -rf "$tmp/tree"
  mkdir -p "$tmp/tree/extension" "$tmp/tree/tests"
  cp -r "$here/extension/pg" "$tmp/tree/extension/pg"
  cp -r "$here/tests/pg" "$tmp/tree/tests/pg"
  perl -0pi -e "s/$pattern/$replacement/" "$tmp/tree/$file"
  if cmp -s "$here/$file" "$tmp/tree/$file"; then ok 1 "$desc (the plant did not apply)"; return; fi
  out=$(perl "$lint" "$tmp/tree" 2>&1)
  [[ $? -ne 0 ]] && grep -q "^$file:" <<<"$out"
  ok $? "$desc"
  sed 's/^/#   /' <<<"$out"
}
plant extension/pg/run_sweeps.cpp 'mpg::check_interrupts\(\);' 'CHECK_FOR_INTERRUPTS();' \
  "a bare CHECK_FOR_INTERRUPTS in the enqueue_due_runs loop is found"
plant extension/pg/run_queue.cpp 'check_interrupts\(\);' 'CHECK_FOR_INTERRUPTS();' \
  "a bare CHECK_FOR_INTERRUPTS in the enqueue step is found"
plant extension/pg/run_sweeps.cpp '(\n    return count;)' '\n    elog(NOTICE, "done");\1' \
  "a bare elog beside a live vector is found"
plant extension/pg/scheduler.cpp 'pg_call\(\[&\] \{ RegisterBackgroundWorker\(&worker\); \}\);' \
  'RegisterBackgroundWorker(&worker);' "RegisterBackgroundWorker beside a vector of strings is found"
plant extension/pg/settings.cpp '(e\.what\(\)\);)' '\1 GUC_check_errdetail("%s", e.what());' \
  "a report that allocates inside a catch block is found"
plant tests/pg/boundary_selftest.cpp 'text_arg\(fcinfo, 2\)' 'text_to_cstring(PG_GETARG_TEXT_PP(2))' \
  "a detoasting call beside a live string is found"
plant extension/pg/spi.cpp '(std::string text_of\(Datum value\) \{)' '\1\n  palloc(1);' \
  "any extern function of the server headers (palloc) is found"
done_testing

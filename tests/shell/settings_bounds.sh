#!/usr/bin/env bash
# The bounds of megaforce.tick_interval (issue 17): ALTER SYSTEM, the only way
# to set it from SQL, refuses a value outside 10 ms .. 1 h with 22023 and
# writes nothing. (ALTER SYSTEM cannot run in a transaction block, so this is
# not a pgTAP test: there every value would be refused with 25001.)
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
# Each call one session that has loaded the library (else megaforce.* would
# be an unchecked placeholder).
q() { psql -X -q -At -v VERBOSITY=verbose -d postgres -c "LOAD 'megaforce'" "$@" 2>&1; }
auto_conf=$(q -c "SELECT pg_read_file('postgresql.auto.conf')")

for value in 9ms 0 -1s 3600001ms 2h; do
  out=$(q -c "ALTER SYSTEM SET megaforce.tick_interval = '$value'")
  grep -q '^ERROR:  22023: .* is outside the valid range for parameter "megaforce.tick_interval" (10 .. 3600000)' <<<"$out"
  status=$?
  ok $status "ALTER SYSTEM SET megaforce.tick_interval = '$value' is refused with 22023 (out of range)"
  ((status == 0)) || diag "$out"
done
is "$(q -c "SELECT min_val || ' .. ' || max_val || ' ' || unit FROM pg_settings WHERE name = 'megaforce.tick_interval'")" \
  "10 .. 3600000 ms" "the range is 10 ms .. 1 h, so '10ms' and '1h' are accepted"
is "$(q -c "SELECT pg_read_file('postgresql.auto.conf')")" "$auto_conf" "the refused values wrote nothing"
done_testing

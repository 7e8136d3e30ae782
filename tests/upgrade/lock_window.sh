#!/usr/bin/env bash
# How long 1.0 -> head blocks approval_history (issue 6): with a million
# history rows (MF_LOCK_ROWS), the update holds ACCESS EXCLUSIVE (which
# stops readers) for well under a second: the backfill builds a new table
# beside the old one under a SHARE lock (readers go on), and the swap is
# catalog-only. The figures are printed as diagnostics.
set -uo pipefail
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/upgrade.sh"
rows=${MF_LOCK_ROWS:-1000000}
db=mf_lock_window

fresh_db $db
q -d $db -c "CREATE EXTENSION megaforce VERSION '1.0'"
fill_history $db "$rows"
ok $? "1.0 with $rows approval_history rows"
before=$(q -d $db -c "SELECT count(*) || ' ' || pg_size_pretty(pg_total_relation_size('megaforce.approval_history'))
                      FROM megaforce.approval_history")
read -r total share exclusive polls read_max < <(measure_upgrade_locks $db)
ok $? "ALTER EXTENSION megaforce UPDATE with $rows history rows"
diag "approval_history before: $before rows/size"
diag "update took ${total} ms; SHARE (writers wait) ${share} ms;"
diag "ACCESS EXCLUSIVE (readers wait) ${exclusive} ms, seen by ${polls} polls;"
diag "longest read of approval_history meanwhile: ${read_max} ms"
after=$(q -d $db -c "SELECT count(*) || ' ' || pg_size_pretty(pg_total_relation_size('megaforce.approval_history'))
                     FROM megaforce.approval_history")
diag "approval_history after: $after rows/size"
is "${after%% *}" "${before%% *}" "every history row is still there"
awk -v ms="${exclusive:-99999}" -v r="${read_max:-99999}" 'BEGIN { exit !(ms < 1000 && r < 1000) }'
ok $? "ACCESS EXCLUSIVE on approval_history held < 1 s (${exclusive} ms; a reader waited at most ${read_max} ms)"
is "$(q -d $db -c "SELECT count(*) FROM megaforce.verify_history()")" 0 "every chain intact after the backfill"
q -d postgres -c "DROP DATABASE $db"
done_testing

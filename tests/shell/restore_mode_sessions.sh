#!/usr/bin/env bash
# Restore mode ends for every session (issue 20): a session that opened while
# the database was in restore mode took megaforce.restoring = on from the
# database's settings; once post_restore() has ended the mode, its triggers
# check rows again (a run that arrives finished is refused), though the
# session is still open. A superuser's own setting (PGOPTIONS) stays.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
db=mf_restore_sessions
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }
S=30000000-0000-0000-0000-000000000001
finished_run="INSERT INTO megaforce.runs (input_source_id, status, attempt, max_attempts, started_at, finished_at)
  VALUES ('$S', 'succeeded', 1, 3, now() - interval '1 day', now());"

PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q <<SQL
CREATE EXTENSION megaforce;
INSERT INTO megaforce.users (id, email) VALUES ('e0000000-0000-0000-0000-000000000001', 'owner@example.com');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind)
  VALUES ('$S', 'e0000000-0000-0000-0000-000000000001', 'feed', 'rss');
SELECT megaforce.pre_restore();
SQL

# Session B opens during restore mode and stays open across post_restore().
fifo=$(mktemp -u) && mkfifo "$fifo"
out=$(mktemp)
trap 'rm -f "$fifo" "$out"' EXIT
q -v ON_ERROR_STOP=0 <"$fifo" >"$out" 2>&1 &
exec 3>"$fifo"
echo "SELECT 'opened', current_setting('megaforce.restoring');" >&3
echo "$finished_run" >&3
echo "SELECT 'inserted';" >&3
for _ in $(seq 100); do grep -q '^inserted$' "$out" && break; sleep 0.1; done  # B is there, its insert done
q -c "SELECT count(*) FROM megaforce.post_restore()" >/dev/null
echo "$finished_run" >&3
echo "SELECT 'runs', count(*) FROM megaforce.runs;" >&3
exec 3>&-
wait
diag "$(cat "$out")"
grep -q '^opened|on$' "$out"
ok $? "a session opened in restore mode takes megaforce.restoring = on from the database"
is "$(grep -c 'this looks like a restore' "$out")" 1 \
  "the same session, after post_restore(): a run that arrives finished is refused again"
is "$(grep '^runs|' "$out")" "runs|1" "only the run inserted during restore mode is there"

PGOPTIONS="-c megaforce.restoring=on" psql -X -q -At -v ON_ERROR_STOP=1 -d $db -c "$finished_run" >/dev/null 2>&1
ok $? "a superuser's own megaforce.restoring (PGOPTIONS) still lets a finished run in"
done_testing

#!/usr/bin/env bash
# NOTIFY megaforce_runs is sent for what was written (issue 17): a user's
# BEFORE trigger that skips an update (returns NULL) sends nothing, since
# from version 1.2 the AFTER UPDATE trigger notifies of state changes (from
# 1.3 without a WHEN clause: the trigger function itself passes over an
# update that keeps the status, such as the note below). With
# the 1.1 schema (its BEFORE trigger notifies) the same library still sends
# every state change (and, as released, the skipped one).
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
db=mf_notify_runs
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
S=30000000-0000-0000-0000-000000000001

# setup VERSION: a database with megaforce at VERSION, one user and one source.
setup() {
  q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  q -d $db <<SQL
CREATE EXTENSION megaforce VERSION '$1';
INSERT INTO megaforce.users (id, email, role) VALUES
  ('e0000000-0000-0000-0000-000000000001', 'owner@example.com', 'editor');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind)
  VALUES ('$S', 'e0000000-0000-0000-0000-000000000001', 'feed', 'rss');
-- A user's trigger, after megaforce's runs_state: it skips every cancellation.
CREATE FUNCTION public.skip_cancel() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  IF NEW.status = 'cancelled' THEN RETURN NULL; END IF;
  RETURN NEW;
END \$\$;
CREATE TRIGGER zz_skip_cancel BEFORE UPDATE ON megaforce.runs
  FOR EACH ROW EXECUTE FUNCTION public.skip_cancel();
SQL
}

# listen: the payloads of megaforce_runs while each writer statement runs in
# its own connection and transaction (\! from the listener's session).
listen() {
  psql -X -d $db 2>&1 <<SQL | sed -n 's/^Asynchronous notification "megaforce_runs" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p'
LISTEN megaforce_runs;
\! psql -X -q -d $db -c "SELECT 1 FROM megaforce.enqueue_run('$S')"
\! psql -X -q -d $db -c "UPDATE megaforce.runs SET status = 'cancelled'"
\! psql -X -q -d $db -c "UPDATE megaforce.runs SET status = 'running'"
\! psql -X -q -d $db -c "BEGIN; UPDATE megaforce.runs SET status = 'succeeded'; ROLLBACK;"
\! psql -X -q -d $db -c "UPDATE megaforce.runs SET error = 'a note, no state change'"
\! psql -X -q -d $db -c "UPDATE megaforce.runs SET status = 'succeeded'"
SELECT 1;
SQL
}

# 1.1's BEFORE trigger still tells of the cancellation it did not see skipped.
declare -A expected=(
  [1.3]="null -> queued queued -> running running -> succeeded"
  [1.2]="null -> queued queued -> running running -> succeeded"
  [1.1]="null -> queued queued -> cancelled queued -> running running -> succeeded"
)
for version in 1.3 1.2 1.1; do
  setup $version
  payloads=$(listen)
  diag "$version received:"; sed 's/^/#   /' <<<"$payloads"
  is "$(q -d $db -c "SELECT status FROM megaforce.runs")" succeeded "$version: the skipped cancellation left the run to finish"
  is "$(sed -n 's/.*"from": \([^,]*\), "to": "\([a-z]*\)".*/\1 -> \2/p' <<<"$payloads" | tr -d '"' | paste -sd ' ')" \
    "${expected[$version]}" \
    "$version: one notification per state change$([[ $version != 1.1 ]] && echo ', none for the skipped cancellation nor for the note')"
done
q -d $db -c "ALTER EXTENSION megaforce UPDATE TO '1.2'"
is "$(q -d $db -c "SELECT tgname FROM pg_trigger WHERE tgrelid = 'megaforce.runs'::regclass AND NOT tgisinternal ORDER BY 1" | paste -sd ' ')" \
  "runs_notify_insert runs_state runs_state_after_update zz_skip_cancel" "the upgrade to 1.2 adds the AFTER UPDATE trigger"
q -d postgres -c "DROP DATABASE $db"
done_testing

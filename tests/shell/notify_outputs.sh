#!/usr/bin/env bash
# NOTIFY megaforce_outputs (SPEC §3): a second connection LISTENs; every
# committed transition (the creation included) arrives with exactly the keys
# id, from, to, actor, revision; edits, rolled-back steps and sessions with
# megaforce.notify = off (per session or per database) send nothing.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
db=mf_notify
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q -d $db <<'SQL'
CREATE EXTENSION megaforce;
INSERT INTO megaforce.users (id, email, role) VALUES
  ('e0000000-0000-0000-0000-000000000001', 'owner@example.com', 'editor'),
  ('b0000000-0000-0000-0000-000000000001', 'reviewer@example.com', 'reviewer');
SQL

O=00000000-0000-0000-0000-00000000000a
OWNER=e0000000-0000-0000-0000-000000000001
REV=b0000000-0000-0000-0000-000000000001
# The writer's statements run from the listener's session with \! so that the
# listener sees them arrive; each \! is its own connection and transaction.
out=$(psql -X -d $db 2>&1 <<SQL
LISTEN megaforce_outputs;
\! psql -X -q -d $db -c "INSERT INTO megaforce.output_schemas (id, owner_id, title) VALUES ('$O', '$OWNER', 'Post')"
\! psql -X -q -d $db -c "BEGIN; SET LOCAL megaforce.actor_id = '$OWNER'; UPDATE megaforce.output_schemas SET title = 'Edited'; COMMIT;"
\! psql -X -q -d $db -c "SELECT 1 FROM megaforce.submit_output('$O', '$OWNER', 'please')"
\! psql -X -q -d $db -c "BEGIN; SELECT 1 FROM megaforce.approve_output('$O', '$REV'); ROLLBACK;"
\! psql -X -q -d $db -c "SET megaforce.notify = off; SELECT 1 FROM megaforce.request_changes('$O', '$REV', 'quiet')"
\! psql -X -q -d $db -c "SELECT 1 FROM megaforce.submit_output('$O', '$OWNER')"
\! psql -X -q -d $db -c "ALTER DATABASE $db SET megaforce.notify = off"
\! psql -X -q -d $db -c "SELECT 1 FROM megaforce.approve_output('$O', '$REV')"
SELECT 1;
SQL
)
payloads=$(sed -n 's/^Asynchronous notification "megaforce_outputs" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p' <<<"$out")
diag "received:"; sed 's/^/#   /' <<<"$payloads"

is "$(wc -l <<<"$payloads")" 3 "three notifications: creation, first submit, second submit"
is "$(sed -n 1p <<<"$payloads")" "{\"id\": \"$O\", \"from\": null, \"to\": \"draft\", \"actor\": \"$OWNER\", \"revision\": 1}" \
  "the creation: from null to draft, actor = owner, revision 1"
is "$(sed -n 2p <<<"$payloads")" "{\"id\": \"$O\", \"from\": \"draft\", \"to\": \"pending_review\", \"actor\": \"$OWNER\", \"revision\": 3}" \
  "the submission after the edit: revision 3 (the edit sent nothing)"
is "$(sed -n 3p <<<"$payloads")" "{\"id\": \"$O\", \"from\": \"changes_requested\", \"to\": \"pending_review\", \"actor\": \"$OWNER\", \"revision\": 5}" \
  "nothing for the rolled-back approval nor the session with megaforce.notify = off"
is "$(grep -c '"to": "approved"' <<<"$payloads")" 0 "ALTER DATABASE ... SET megaforce.notify = off silences new sessions"
is "$(q -d $db -c "SELECT status || ' ' || revision FROM megaforce.output_schemas")" "approved 6" \
  "the silenced steps were still taken"

q -d postgres -c "DROP DATABASE $db"
done_testing

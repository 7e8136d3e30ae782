#!/usr/bin/env bash
# The scheduler of release 1.2 in a database whose schema is still 1.1 (not
# upgraded yet, or downgraded): it prunes nothing there, since retention
# comes with 1.2; once the schema is 1.2 it prunes.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
source "$here/tests/lib/cluster.sh"
dir=$(mktemp -d /tmp/megaforce-old-schema.XXXXXX)
trap 'mf_cluster_stop "$dir"; rm -rf "$dir"' EXIT
mf_cluster_create "$dir"
mf_cluster_start "$dir" "shared_preload_libraries = 'megaforce'" "megaforce.databases = 'mf_old'" \
  "megaforce.tick_interval = '100ms'"
mf_cluster_env "$dir"
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -d mf_old "$@"; }

psql -X -q -d postgres -c "CREATE DATABASE mf_old"
q <<'SQL'
CREATE EXTENSION megaforce VERSION '1.1';
INSERT INTO megaforce.users (id, email) VALUES ('10000000-0000-0000-0000-000000000001', 'owner@example.com');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind) VALUES
  ('30000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'feed', 'rss');
SET megaforce.restoring = on;
INSERT INTO megaforce.runs (id, input_source_id, status, attempt, max_attempts, started_at, finished_at, lease_token)
VALUES ('a0000000-0000-0000-0000-000000000001', '30000000-0000-0000-0000-000000000001', 'succeeded', 1, 3,
        now() - interval '61 days', now() - interval '60 days', gen_random_uuid());
SET megaforce.restoring = off;
INSERT INTO megaforce.runs (id, input_source_id) VALUES
  ('a0000000-0000-0000-0000-000000000002', '30000000-0000-0000-0000-000000000001');
SQL
# tick: run 2 runs under an expired lease; waits until a tick reaped it (the
# same tick then prunes, after reaping).
tick() {
  q -c "UPDATE megaforce.runs SET status = 'running', lease_token = gen_random_uuid(), claimed_by = 'w',
          lease_expires_at = now() + interval '1 day' WHERE id = 'a0000000-0000-0000-0000-000000000002'" \
    -c "UPDATE megaforce.runs SET lease_expires_at = now() - interval '1 minute'
          WHERE id = 'a0000000-0000-0000-0000-000000000002'"
  wait_for 10 "SELECT status = 'queued' FROM megaforce.runs WHERE id = 'a0000000-0000-0000-0000-000000000002'"
}
tick
ok $? "the scheduler ticks in the 1.1 database (it reaped an expired lease)"
tick  # this tick began after the one above had pruned, if it prunes
is "$(q -c "SELECT count(*) FROM megaforce.runs WHERE id = 'a0000000-0000-0000-0000-000000000001'")" 1 \
  "schema 1.1: a succeeded run of 60 days ago is kept after whole ticks (no retention before 1.2)"

q -c "ALTER EXTENSION megaforce UPDATE TO '1.2'"
wait_for 10 "SELECT count(*) = 0 FROM megaforce.runs WHERE id = 'a0000000-0000-0000-0000-000000000001'"
ok $? "schema 1.2: the same run goes (run_retention 30 days)"
done_testing

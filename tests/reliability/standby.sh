#!/usr/bin/env bash
# A real streaming standby (pg_basebackup -R) of a primary using megaforce
# (SPEC §9, issue 8): the write functions refuse there with 25006 and a clear
# message, the read-only functions and the client's read-only commands work,
# `health` reports recovery, and the scheduler idles.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
source "$here/tests/lib/cluster.sh"
client=${MF_BUILD_DIR:-$here/build}/client/megaforce
primary=$(mktemp -d /tmp/megaforce-primary.XXXXXX)
standby=$(mktemp -d /tmp/megaforce-standby.XXXXXX)
trap 'mf_cluster_stop "$standby"; mf_cluster_stop "$primary"; cp "$standby/server.log" /tmp/standby.log 2>/dev/null; rm -rf "$primary" "$standby"' EXIT
[[ $EUID -eq 0 ]] && chown postgres: "$standby"

mf_cluster_create "$primary"
mf_cluster_start "$primary" "wal_level = replica" "max_wal_senders = 4" \
  "shared_preload_libraries = 'megaforce'" "megaforce.databases = 'mf_standby'" "megaforce.tick_interval = '200ms'"
mf_cluster_env "$primary"
p() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -h "$1" -d mf_standby "${@:2}"; }
psql -X -q -d postgres -c "CREATE DATABASE mf_standby"
p "$primary" >/dev/null <<'SQL'
CREATE EXTENSION megaforce;
INSERT INTO megaforce.users (id, email, role) VALUES ('10000000-0000-0000-0000-000000000001', 'owner@example.com', 'editor');
INSERT INTO megaforce.input_sources (id, owner_id, name, kind) VALUES
  ('30000000-0000-0000-0000-000000000001', '10000000-0000-0000-0000-000000000001', 'feed', 'rss');
SELECT megaforce.enqueue_run('30000000-0000-0000-0000-000000000001');
SELECT megaforce.create_output('10000000-0000-0000-0000-000000000001', 'Post', '{}');
SQL

mf_as_owner pg_basebackup -h "$primary" -p "${MF_TEST_PORT:-5432}" -U postgres -D "$standby/data" -R -X stream -c fast \
  >"$standby/basebackup.log" 2>&1
ok $? "pg_basebackup -R of the primary"
cat >>"$standby/data/postgresql.conf" <<CONF
unix_socket_directories = '$standby'
hot_standby = on
CONF
mf_cluster_start "$standby"  # its postgresql.conf is written above
ok $? "the standby starts"
is "$(p "$standby" -c "SELECT pg_is_in_recovery()")" t "the standby is in recovery"
for _ in $(seq 100); do
  [[ $(p "$standby" -c "SELECT count(*) FROM megaforce.output_schemas" 2>/dev/null) == 1 ]] && break
  sleep 0.1
done
is "$(p "$standby" -c "SELECT count(*) FROM megaforce.runs")" 1 "the primary's rows are on the standby"

# Every write function refuses with 25006 and says why.
refuses() {  # refuses NAME SQL
  local out
  out=$(PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -h "$standby" -d mf_standby \
        -v VERBOSITY=verbose -c "$2" 2>&1)
  grep -q '25006' <<<"$out" && grep -q "megaforce.$1() cannot run on a hot standby" <<<"$out"
  ok $? "$1 on a standby: 25006, naming the function and the standby"
  [[ $? -eq 0 ]] || echo "# $out"
}
refuses enqueue_run "SELECT megaforce.enqueue_run('30000000-0000-0000-0000-000000000001')"
refuses claim_runs "SELECT * FROM megaforce.claim_runs('w')"
refuses complete_run "SELECT megaforce.complete_run(id, gen_random_uuid()) FROM megaforce.runs"
refuses reap_expired_runs "SELECT megaforce.reap_expired_runs()"
refuses enqueue_due_runs "SELECT megaforce.enqueue_due_runs()"
refuses create_user "SELECT megaforce.create_user('x@example.com', 'X')"
refuses authenticate "SELECT megaforce.authenticate('owner@example.com', 'pw')"
refuses create_output "SELECT megaforce.create_output('10000000-0000-0000-0000-000000000001', 'T', '{}')"
refuses submit_output "SELECT megaforce.submit_output(id, owner_id) FROM megaforce.output_schemas"
refuses transition_output "SELECT megaforce.transition_output(id, 'pending_review', owner_id) FROM megaforce.output_schemas"

# The read-only functions work.
is "$(p "$standby" -c "SELECT megaforce.next_fire_time('0 9 * * *', '2026-01-01 00:00+00', 'UTC')")" \
  "2026-01-01 09:00:00+00" "next_fire_time works on a standby"
is "$(p "$standby" -c "SELECT count(*) > 0 FROM megaforce.output_transitions()")" t "output_transitions works"
is "$(p "$standby" -c "SELECT count(*) FROM megaforce.verify_history()")" 0 "verify_history works"
is "$(p "$standby" -c "SELECT megaforce.is_valid_email('a@example.com')")" t "is_valid_email works"

# The client's read-only commands.
dsn="host=$standby port=${MF_TEST_PORT:-5432} user=postgres dbname=mf_standby"
out=$("$client" --dsn "$dsn" health --json); rc=$?
is "$rc" 0 "megaforce health on the standby: exit 0"
grep -A3 '"postgres:recovery"' <<<"$out" | grep -q '"observedValue": true'
ok $? "health reports recovery: true"
for command in tables current history check; do
  out=$("$client" --dsn "$dsn" $command 2>&1); rc=$?
  is "$rc" 0 "megaforce $command works on the standby"
  [[ $rc -eq 0 ]] || echo "# $out"
done

# megaforce serve against the standby: a real HTTP GET /health, 200, recovery true.
port=$(( 20000 + RANDOM % 20000 ))
"$client" --dsn "$dsn" serve --listen "127.0.0.1:$port" 2>"$standby/serve.log" &
serve=$!
response=""
for _ in $(seq 50); do
  if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    response=$(cat <&3)
    exec 3<&-
    break
  fi
  sleep 0.1
done
kill -TERM $serve; wait $serve
grep -q '^HTTP/1.[01] 200' <<<"$response" && grep -qi '^Content-Type: application/health+json' <<<"$response" &&
  grep -A3 '"postgres:recovery"' <<<"$response" | grep -q '"observedValue": true'
ok $? "GET /health from megaforce serve on the standby: 200, application/health+json, recovery true"

# The scheduler runs on the standby and idles: no errors of its own.
is "$(p "$standby" -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'megaforce scheduler'")" 1 \
  "the scheduler is up on the standby"
sleep 1
grep -E 'ERROR|FATAL' "$standby/server.log" | grep -v 'cannot run on a hot standby' |
  grep -v 'the database system is starting up' | grep -q .
(( $? != 0 )); ok $? "the standby's scheduler wrote no errors while idling"
done_testing

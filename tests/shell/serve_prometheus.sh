#!/usr/bin/env bash
# GET /metrics as Prometheus sees it (SPEC §7): `promtool check metrics`
# accepts the exposition, and a real Prometheus server (started here on a
# free loopback port, with its own config and data directory, stopped at the
# end) scrapes `megaforce serve` and answers a query for megaforce_runs with
# the database's figures, also after they change.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
source "$here/tests/lib/serve.sh"
db=mf_serve_prom
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
q -d $db -c "CREATE EXTENSION megaforce"
q -d $db -f "$here/tests/fixtures/serve_fill.sql"
mf_on_exit() { q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null; }
work=$(mf_temp_dir)

mf_serve "$work/serve.log" "dbname=$db"
ok $? "megaforce serve answers on 127.0.0.1:$MF_SERVE_PORT"
metrics=$(curl -s "http://127.0.0.1:$MF_SERVE_PORT/metrics")
diag "the exposition:"; sed 's/^/#   /' <<<"$metrics"
check "promtool check metrics accepts the exposition" promtool check metrics <<<"$metrics"
is "$(grep -c '^megaforce_runs{' <<<"$metrics")" 2 "megaforce_runs has its queued and running series"

# Prometheus: scrape every second, nothing else.
prom_port=$(mf_free_port)
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: megaforce
    static_configs:
      - targets: ['127.0.0.1:$MF_SERVE_PORT']
YAML
check "promtool check config accepts the test's config" promtool check config "$work/prometheus.yml"
mf_spawn "$work/prometheus.log" prometheus --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/data" --web.listen-address="127.0.0.1:$prom_port"
prom=http://127.0.0.1:$prom_port

# query PROMQL: the value of the first series of an instant query ("" when none).
query() {
  curl -s --max-time 5 "$prom/api/v1/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // empty'
}
# wait_for PROMQL WANT: polls until the query answers WANT (60 s at most).
wait_for() {
  local got="" i
  for ((i = 0; i < 120; i++)); do
    got=$(query "$1")
    [[ $got == "$2" ]] && break
    sleep 0.5
  done
  echo "$got"
}

want=$(q -d $db -c "SELECT count(*) FROM megaforce.runs WHERE status = 'queued'")
is "$want" 21 "the database holds 21 queued runs"
is "$(wait_for 'megaforce_runs{status="queued"}' "$want")" "$want" \
  "Prometheus answers megaforce_runs{status=\"queued\"} with the database's count"
is "$(query 'megaforce_runs{status="running"}')" 5 "and megaforce_runs{status=\"running\"} with 5"
is "$(query 'up{job="megaforce"}')" 1 "the target is up"
is "$(query 'megaforce_up')" 1 "megaforce_up is 1"
is "$(query 'megaforce_runs_expired_leases')" 2 "megaforce_runs_expired_leases is 2"
is "$(curl -s "$prom/api/v1/targets" | jq -r '.data.activeTargets[0].lastError')" "" "the scrape reported no error"

# The figures follow the queue.
q -d $db -c "SELECT count(*) FROM megaforce.claim_runs('worker-2', 4)" >/dev/null
is "$(wait_for 'megaforce_runs{status="queued"}' 17)" 17 "after 4 claims Prometheus sees 17 queued"
is "$(wait_for 'megaforce_runs{status="running"}' 9)" 9 "and 9 running"

mf_stop "$MF_SERVE_PID"
is "$(wait_for 'up{job="megaforce"}' 0)" 0 "serve stopped: Prometheus marks the target down"
done_testing

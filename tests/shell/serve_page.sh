#!/usr/bin/env bash
# GET / as a person sees it (SPEC §7): headless Chromium, driven over
# WebDriver (chromedriver), loads the status page from `megaforce serve`
# against a filled database on a cluster of this test's own, and reads the
# rendered page: the figures, the chart, the last failed runs, a hostile
# source name shown as text (no script runs), no external request; then the
# cluster stops and the page says the database is down. Screenshots of both
# go to $MF_RESULTS_DIR. Every process started here is stopped on exit.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
source "$here/tests/lib/cluster.sh"
source "$here/tests/lib/serve.sh"
results=${MF_RESULTS_DIR:-$here/build/test-results}
mkdir -p "$results"

# A cluster of our own: the test stops it half way.
cluster_root=$(mf_temp_dir)
[[ $EUID -eq 0 ]] && chown postgres: "$cluster_root"
cluster=$cluster_root/pg
mf_on_exit() { mf_cluster_stop "$cluster"; }
mf_cluster_create "$cluster" && mf_cluster_start "$cluster"
ok $? "a cluster of the test's own is up"
dsn="host=$cluster port=${MF_TEST_PORT:-5432} user=postgres dbname=postgres"
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 "$dsn" "$@"; }
q -c "CREATE EXTENSION megaforce" -f "$here/tests/fixtures/serve_fill.sql"
ok $? "filled with tests/fixtures/serve_fill.sql"

work=$(mf_temp_dir)
mf_serve "$work/serve.log" "$dsn"
ok $? "megaforce serve answers on 127.0.0.1:$MF_SERVE_PORT"
page_url=http://127.0.0.1:$MF_SERVE_PORT/

# WebDriver: chromedriver drives /usr/bin/chromium, headless.
driver_port=$(mf_free_port)
mf_spawn "$work/chromedriver.log" chromedriver --port="$driver_port"
wd=http://127.0.0.1:$driver_port
mf_wait_http "$wd/status"
ok $? "chromedriver is up"
caps='{"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium",
  "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,1500",
           "--user-data-dir='"$work"'/profile"]}}}}'
session=$(curl -s --max-time 120 -X POST "$wd/session" -H 'Content-Type: application/json' -d "$caps" | jq -r '.value.sessionId // empty')
[[ -n $session ]]
ok $? "a headless Chromium session" || sed 's/^/#   /' "$work/chromedriver.log" | tail -20
s=$wd/session/$session

# wd_post PATH JSON / js SCRIPT: WebDriver calls; js returns the script's value as JSON.
wd_post() { curl -s --max-time 60 -X POST "$s/$1" -H 'Content-Type: application/json' -d "$2"; }
js() { wd_post execute/sync "$(jq -n --arg script "$1" '{script: $script, args: []}')" | jq -c '.value'; }
load() { wd_post url "$(jq -n --arg url "$page_url" '{url: $url}')" >/dev/null; }
text_of() { js "var e = document.querySelector('$1'); return e ? e.innerText : null;" | jq -r '. // empty'; }
screenshot() { curl -s --max-time 60 "$s/screenshot" | jq -r '.value' | base64 -d >"$1"; }

load
is "$(js 'return document.title')" '"megaforce: warn"' "the page loads; its title says warn (the oldest queued run waits 10 min)"
is "$(text_of '#status')" "WARN" "the status badge reads WARN"
body=$(js 'return document.body.innerText' | jq -r .)
diag "what the page says:"; sed 's/^/#   /' <<<"$body"

# The figures, as the database has them.
want_queued=$(q -c "SELECT count(*) FROM megaforce.runs WHERE status = 'queued'")
is "$(text_of '#queued b')" "$want_queued" "queued runs: $want_queued"
is "$(text_of '#running b')" 5 "running runs: 5"
is "$(text_of '#expired-leases b')" 2 "expired leases: 2"
[[ $(text_of '#oldest-queued b') == "10 min "* ]]
ok $? "the oldest queued run has waited 10 min ($(text_of '#oldest-queued b'))"
is "$(text_of '#review-backlog b')" 2 "outputs waiting for review: 2"
is "$(js "return Array.from(document.querySelectorAll('#outputs-by-status tr')).map(r => r.innerText.replace(/\\s+/g, ' ')).join(', ')" | jq -r .)" \
  "draft 3, pending_review 2, changes_requested 0, approved 1, rejected 0, published 0, archived 0" "outputs by status"
is "$(text_of '#installed')" "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'megaforce'")" "the installed version"
[[ $(js "return document.querySelectorAll('#migrations tr').length") -ge 2 ]]
ok $? "the last migrations are listed"

# The chart: an inline SVG with one bar per status, drawn and sized by count.
is "$(js "return document.querySelectorAll('#runs-chart g.bar').length")" 5 "the chart has a bar for each of the 5 run statuses"
bar_width() { js "return document.querySelector('#runs-chart g.bar[data-status=$1] rect').getBoundingClientRect().width"; }
queued_w=$(bar_width queued) running_w=$(bar_width running)
awk -v q="$queued_w" -v r="$running_w" 'BEGIN { exit !(q > 0 && r > 0 && q / r > 3.5 && q / r < 4.9) }'
ok $? "bars are drawn to scale: queued $queued_w px vs running $running_w px (21 : 5)"
[[ $(js "return document.querySelector('#runs-chart').getBoundingClientRect().height") != 0 ]]
ok $? "the chart is visible"

# The last failed runs, with the hostile source name shown as text.
is "$(js "return document.querySelectorAll('#failed-runs tr').length")" 4 "three failed runs (and a header row)"
hostile='<script>alert("pwned")</script>'
is "$(js "return Array.from(document.querySelectorAll('#failed-runs td.source')).map(e => e.innerText).filter(t => t.startsWith('<')).join('|')" | jq -r .)" \
  "$hostile" "the hostile source name is shown as text, exactly"
is "$(js "return Array.from(document.querySelectorAll('#failed-runs td.error')).map(e => e.innerText).filter(t => t.startsWith('<')).join('|')" | jq -r .)" \
  '<img src=x onerror=alert(1)> & "quoted"' "the hostile error is shown as text, exactly"
is "$(js "return document.querySelectorAll('script, img, iframe, link, [onerror]').length")" 0 \
  "no script, image, frame or link element came out of the data"
# (/favicon.ico is the browser's own request, made for any page, sometimes in time to show here.)
is "$(js "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.endsWith('/favicon.ico')).join(' ')" | jq -r .)" "" \
  "the page fetched nothing besides itself"
grep -q 'feed timed out' <<<"$body"
ok $? "the other failed runs' errors are shown"
is "$(js "var m = document.querySelector('meta[http-equiv=refresh]'); return m ? m.content : null" | jq -r .)" 10 "it refreshes itself every 10 s"
screenshot "$results/serve_page.png"
[[ $(head -c 4 "$results/serve_page.png" | od -An -c | tr -d ' ') == '211PNG' ]]
ok $? "screenshot saved: $results/serve_page.png"

# The database goes away: the same server says so.
mf_cluster_stop "$cluster"
load
is "$(js 'return document.title')" '"megaforce: fail"' "after the cluster stops the title says fail"
[[ $(text_of '#database-down') == *"Database down"* ]]
ok $? "and the page says the database is down: $(text_of '#database-down p' | head -1)"
screenshot "$results/serve_page_down.png"
ok $? "screenshot saved: $results/serve_page_down.png"

# And back.
mf_cluster_start "$cluster"
load
is "$(text_of '#running b')" 5 "the cluster is back: serve reconnects and shows the figures again"

curl -s --max-time 30 -X DELETE "$s" >/dev/null
done_testing

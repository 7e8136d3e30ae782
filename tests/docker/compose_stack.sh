#!/usr/bin/env bash
# The image and the compose stack, end to end (issue 23): the README's
# "Docker" commands, run verbatim in a copy of this tree with rootful podman
# behind docker-compose (podman's Docker API socket):
#   - the base debian:bookworm-slim is made from Debian packages when missing
#     (docker/base.sh; its root filesystem is cached in /var/cache/megaforce),
#   - `docker-compose ... up -d --build` builds the image and starts both
#     services with the password of a generated docker/.env; both healthchecks
#     pass,
#   - the README tour runs through the published port (tests/shell/readme_tour.sh),
#     GET /health answers 200 and the in-server scheduler fires a scheduled
#     source,
#   - `down` and `up` again: every row is still there,
#   - everything is removed (containers, network, volume, the image; not the
#     base), also when a step fails.
# Needs root (rootful podman) and the network to Debian's mirrors.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
build_dir=${MF_BUILD_DIR:-$here/build}

if [[ $EUID -ne 0 ]]; then
  ok 1 "rootful podman needs root (run scripts/dev test as root)"
  done_testing; exit
fi
# What this test needs, when missing (scripts/dev's PACKAGES has them too).
missing=()
for pkg in podman runc debootstrap docker-compose golang-github-containernetworking-plugin-dnsname curl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  diag "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A name no other run or project uses: the compose project, the image, the volume.
id=mf$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
project=megaforce_test_$id
image=megaforce-test-$id
work=$(mktemp -d /tmp/megaforce-docker.XXXXXX)

# Podman as this machine runs it: runc with cgroupfs, no default ulimits
# (the container keeps the host's), events to a file (no journald).
cat >"$work/containers.conf" <<'CONF'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF=$work/containers.conf
export DOCKER_HOST=unix://$work/podman.sock
compose=(docker-compose -f docker/docker-compose.yml)

service_pid='' health_pid=''
teardown() {
  [[ -n $health_pid ]] && kill "$health_pid" 2>/dev/null
  if [[ -d $work/src/docker ]]; then
    (cd "$work/src" && "${compose[@]}" down --volumes --remove-orphans >"$work/down.log" 2>&1)
  fi
  # Whatever compose could not remove, by the project's label and names.
  podman ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r podman rm -f >/dev/null 2>&1
  podman volume ls -q --filter "label=com.docker.compose.project=$project" | xargs -r podman volume rm -f >/dev/null 2>&1
  podman network ls -q --filter "label=com.docker.compose.project=$project" | xargs -r podman network rm -f >/dev/null 2>&1
  # The image, and the build's intermediate images but those of the apt-get
  # installs (the next build reuses them while the Dockerfile keeps its lines).
  podman image exists "$image:latest" && podman rmi --no-prune -f "$image:latest" >/dev/null 2>&1
  local i
  for i in $(podman images -aq --no-trunc); do
    grep -qx "$i" "$work/images.before" 2>/dev/null && continue
    podman history --no-trunc --format '{{.CreatedBy}}' "$i" 2>/dev/null | head -1 | grep -q 'apt-get install' ||
      podman rmi --no-prune -f "$i" >/dev/null 2>&1
  done
  [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  rm -rf "$work"
}
trap teardown EXIT
trap 'exit 1' INT TERM

started=$SECONDS
podman volume ls -q >"$work/volumes.before"
# podman's Docker API, for docker-compose.
podman system service --time=0 "$DOCKER_HOST" >"$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 50); do [[ -S $work/podman.sock ]] && break; sleep 0.2; done
[[ -S $work/podman.sock ]]; ok $? "podman system service answers on $work/podman.sock"

# podman runs healthchecks from systemd timers; without systemd, this loop
# does what those timers do: run each container's own healthcheck command.
(
  while sleep 2; do
    podman ps -q --filter "label=com.docker.compose.project=$project" |
      xargs -r -n1 podman healthcheck run >/dev/null 2>&1
  done
) &
health_pid=$!

t=$SECONDS
check "the base image debian:bookworm-slim exists or is made from Debian packages (docker/base.sh)" \
  "$here/docker/base.sh"
diag "base: $((SECONDS - t)) s"
# What the teardown keeps: every image there is now, the base included.
podman images -aq --no-trunc >"$work/images.before"

# A copy of this tree as a checkout has it (tracked and new files, nothing ignored).
mkdir -p "$work/src"
(cd "$here" && git ls-files -z --cached --others --exclude-standard |
   while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
   tar --null -T - -cf -) | tar -C "$work/src" -xf -
cd "$work/src" || exit 1

# The README's commands, in order; "set POSTGRES_PASSWORD" is done here.
block() { awk -v kind="$1" '$0 == "```sh " kind { on = 1; next } /^```/ { on = 0 } on' "$here/README.md"; }
up_lines=$(block "docker up" | sed 's/ *#.*//' | grep -v '^$')
down_lines=$(block "docker down" | sed 's/ *#.*//' | grep -v '^$')
grep -q 'up -d --build' <<<"$up_lines" && [[ -n $down_lines ]]
ok $? "the README has the docker up and down blocks"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
db_port=$(free_port) http_port=$(free_port)
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
fill_env() {
  sed -i -e "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$password/" \
         -e "s/^MEGAFORCE_DB_PORT=.*/MEGAFORCE_DB_PORT=$db_port/" \
         -e "s/^MEGAFORCE_HTTP_PORT=.*/MEGAFORCE_HTTP_PORT=$http_port/" docker/.env
  printf 'COMPOSE_PROJECT_NAME=%s\nMEGAFORCE_IMAGE=%s\n' "$project" "$image" >>docker/.env
}
# run_lines LINES: each line as its own command; false when one fails.
run_lines() {
  local line
  while IFS= read -r line; do
    diag "\$ $line"
    bash -c "$line" >>"$work/compose.log" 2>&1 || { tail -30 "$work/compose.log" | sed 's/^/#   /'; return 1; }
    [[ -f docker/.env && ! -s $work/env.filled ]] && fill_env && echo yes >"$work/env.filled"
  done <<<"$1"
  return 0
}

status() { podman inspect --format '{{.State.Health.Status}}' "$(podman ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$1")" 2>/dev/null; }
wait_healthy() {
  local deadline=$((SECONDS + $1))
  while ((SECONDS < deadline)); do
    [[ $(status db) == healthy && $(status megaforce) == healthy ]] && return 0
    sleep 1
  done
  diag "db: $(status db), megaforce: $(status megaforce)"
  return 1
}

t=$SECONDS
run_lines "$up_lines"
ok $? "the README's docker up block builds the image and starts the stack"
diag "build and up: $((SECONDS - t)) s"
[[ $(grep -c PASSWORD= docker/.env) == 1 ]] && grep -q "^POSTGRES_PASSWORD=$password$" docker/.env
ok $? "docker/.env came from .env.example, with a generated password"
wait_healthy 180; ok $? "both healthchecks pass (pg_isready, GET /health)"
size=$(podman image inspect --format '{{.Size}}' "$image:latest")
diag "image $image: $((size / 1000000)) MB"

url="postgresql://megaforce:$password@127.0.0.1:$db_port/megaforce"
q() { psql -X -At "$url" "$@"; }
is "$(q -c "SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'megaforce') FROM pg_extension WHERE extname = 'megaforce'")" \
   t "the first start created megaforce at head in POSTGRES_DB"
is "$(q -c "SHOW shared_preload_libraries" -c "SHOW megaforce.databases")" $'megaforce\nmegaforce' \
   "the server preloads megaforce with megaforce.databases = POSTGRES_DB"
psql -X -At "postgresql://megaforce:wrong@127.0.0.1:$db_port/megaforce" -c 'SELECT 1' >/dev/null 2>&1
ok $((! $?)) "a wrong password is refused over the network"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/health")" 200 "GET /health answers 200"
curl -s "http://127.0.0.1:$http_port/health" | grep -q '"status": "pass"'
ok $? "and says pass"

# The README tour, through the published port.
MF_TOUR_DATABASE_URL=$url prove --verbose "$here/tests/shell/readme_tour.sh" >"$work/tour.log" 2>&1
ok $? "the README tour passes against the stack (tests/shell/readme_tour.sh)" || sed 's/^/#   /' "$work/tour.log"

# The scheduler inside the server fires a due scheduled source.
q -c "INSERT INTO megaforce.input_sources (owner_id, name, kind, trigger, schedule)
      SELECT id, 'every minute', 'rss', 'schedule', '* * * * *' FROM megaforce.users WHERE email = 'ada@example.com'" \
  -c "UPDATE megaforce.input_sources SET next_run_at = now() - interval '1 minute' WHERE name = 'every minute'" >/dev/null
fired=1
for _ in $(seq 30); do
  [[ $(q -c "SELECT count(*) FROM megaforce.runs WHERE trigger = 'schedule'") == 1 ]] && { fired=0; break; }
  sleep 1
done
ok $fired "the scheduler fired the scheduled source (one run, trigger 'schedule')"
q -c "UPDATE megaforce.input_sources SET is_active = false WHERE name = 'every minute'" >/dev/null  # no more runs

count_rows() {
  q -c "SELECT string_agg(format('%s=%s', c.relname,
          (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM megaforce.%I', c.relname), false, true, '')))[1]), ' ' ORDER BY c.relname)
        FROM pg_class c WHERE c.relnamespace = 'megaforce'::regnamespace AND c.relkind = 'r'"
}
before=$(count_rows)
[[ $before == *users=2* && $before == *runs=2* ]]
ok $? "rows before the restart: $before"

t=$SECONDS
run_lines "$down_lines"
ok $? "the README's docker down block stops the stack"
[[ -z $(podman ps -aq --filter "label=com.docker.compose.project=$project") ]] &&
  [[ $(podman volume ls -q | grep -vxFf "$work/volumes.before") == "${project}_pgdata" ]]
ok $? "no container is left; the data volume is, and no anonymous volume"
run_lines "$(grep 'up -d' <<<"$up_lines")"
ok $? "up again"
wait_healthy 120; ok $? "both healthy again"
is "$(count_rows)" "$before" "every row is still there"
is "$(q -c "SELECT count(*) FROM megaforce.verify_history()")" 0 "the history chain is intact"
diag "restart: $((SECONDS - t)) s"
diag "total: $((SECONDS - started)) s"
done_testing

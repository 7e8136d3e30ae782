# Helpers of the tests that run `megaforce serve` and something that talks
# to it (a browser, Prometheus); source this file. Every process started
# here is recorded and stopped, by its id, when the test exits — also when
# it fails half way.

MF_CLIENT=${MF_CLIENT:-${MF_BUILD_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}/client/megaforce}
_mf_pids=()
_mf_dirs=()

# A free TCP port on the loopback interface.
mf_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# mf_spawn LOG COMMAND...: starts COMMAND in its own process group (so its
# children go with it) and records it; sets MF_SPAWNED to its id.
mf_spawn() {
  local log=$1; shift
  setsid "$@" >"$log" 2>&1 &
  MF_SPAWNED=$!
  _mf_pids+=("$MF_SPAWNED")
}

# mf_stop PID: stops one recorded process group (TERM, then KILL).
mf_stop() {
  local pid=$1 i
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

mf_temp_dir() {
  local dir
  dir=$(mktemp -d /tmp/megaforce-serve-test.XXXXXX)
  _mf_dirs+=("$dir")
  echo "$dir"
}

_mf_cleanup() {
  local pid
  for pid in "${_mf_pids[@]}"; do mf_stop "$pid"; done
  if declare -F mf_on_exit >/dev/null; then mf_on_exit; fi
  [[ ${#_mf_dirs[@]} -gt 0 ]] && rm -rf "${_mf_dirs[@]}"
  return 0
}
trap _mf_cleanup EXIT

# mf_wait_http URL [SECONDS]: waits until URL answers at all (any status).
mf_wait_http() {
  local url=$1 seconds=${2:-30} i
  for ((i = 0; i < seconds * 10; i++)); do
    curl -s -o /dev/null --max-time 2 "$url" && return 0
    sleep 0.1
  done
  return 1
}

# mf_serve LOG DSN [OPTIONS...]: starts `megaforce serve` on a free port;
# sets MF_SERVE_PORT and MF_SERVE_PID and waits until it answers.
mf_serve() {
  local log=$1 dsn=$2; shift 2
  MF_SERVE_PORT=$(mf_free_port)
  mf_spawn "$log" "$MF_CLIENT" --dsn "$dsn" serve --listen "127.0.0.1:$MF_SERVE_PORT" "$@"
  MF_SERVE_PID=$MF_SPAWNED
  mf_wait_http "http://127.0.0.1:$MF_SERVE_PORT/health"
}

# Throwaway PostgreSQL clusters for tests; source this file.
# A cluster lives in one directory (data/, log, and its Unix socket) and
# listens on no TCP port unless asked, so test clusters never collide with
# the dev cluster or with each other.

MF_PG_BINDIR=${MF_PG_BINDIR:-$(pg_config --bindir)}

# Runs a command as the cluster owner: `postgres` when we are root (the
# server refuses to run as root), else ourselves.
mf_as_owner() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# mf_cluster_create DIR: initdb a fresh cluster in DIR/data (trust auth: the
# socket is private to DIR).
mf_cluster_create() {
  local dir=$1
  mkdir -p "$dir"
  [[ $EUID -eq 0 ]] && chown postgres: "$dir"
  mf_as_owner "$MF_PG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = ${MF_TEST_PORT:-5432}
fsync = off
max_connections = 100
max_prepared_transactions = 10
log_min_messages = warning
CONF
}

# mf_cluster_start DIR [extra postgresql.conf lines...]
mf_cluster_start() {
  local dir=$1
  shift
  local line
  for line in "$@"; do echo "$line" >>"$dir/data/postgresql.conf"; done
  # MF_MALLOC_PERTURB (scripts/dev test sets it): glibc fills freed memory
  # with that byte, so a value read after its memory was freed shows up.
  mf_as_owner env ${MF_MALLOC_PERTURB:+MALLOC_PERTURB_=$MF_MALLOC_PERTURB} \
    "$MF_PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
    { tail -20 "$dir/server.log" >&2; return 1; }
}

mf_cluster_stop() {
  local dir=$1
  [[ -f $dir/data/postmaster.pid ]] &&
    mf_as_owner "$MF_PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  return 0
}

# Exports the libpq variables that point at the cluster in DIR.
mf_cluster_env() {
  export PGHOST=$1 PGPORT=${MF_TEST_PORT:-5432} PGUSER=postgres PGDATABASE=postgres
  unset PGPASSWORD PGSERVICE PGSSLMODE
}

# wait_for SECONDS SQL: polls every 0.1 s, for at most SECONDS, until SQL
# returns t through the caller's q (a psql on the test's database).
wait_for() {
  local deadline=$((SECONDS + $1))
  while ((SECONDS < deadline)); do
    [[ $(q -c "$2" 2>/dev/null) == t ]] && return 0
    sleep 0.1
  done
  return 1
}

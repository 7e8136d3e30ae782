#!/usr/bin/env bash
# The megaforce image's entrypoint, for `postgres` with the environment users
# of the official postgres image expect:
#   POSTGRES_PASSWORD  the superuser's password (required)
#   POSTGRES_USER      the superuser (default postgres)
#   POSTGRES_DB        the database megaforce lives in (default POSTGRES_USER)
#   PGDATA             the data directory (default /var/lib/postgresql/data, a volume)
# On the first start of an empty data directory it runs initdb, lets clients in
# from the network with scram-sha-256 passwords, preloads megaforce with its
# scheduler working on POSTGRES_DB (megaforce.databases), creates POSTGRES_DB
# with the extension at head (the control file's default_version), and runs
# /docker-entrypoint-initdb.d/*.sql and *.sh. Later starts use what is there.
# Any other command (`megaforce serve`, bash) runs as it is.
set -Eeuo pipefail

[[ ${1:-} == -* ]] && set -- postgres "$@"
[[ ${1:-} == postgres ]] || exec "$@"

export PGDATA=${PGDATA:-/var/lib/postgresql/data}
if [[ $(id -u) == 0 ]]; then
  # Root only prepares the directories, then runs this script as postgres.
  install -d -o postgres -g postgres -m 700 "$PGDATA"
  chown -R postgres:postgres "$PGDATA"
  install -d -o postgres -g postgres -m 2775 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

say() { printf 'docker-entrypoint: %s\n' "$*" >&2; }

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  if [[ -z ${POSTGRES_PASSWORD:-} ]]; then
    say "POSTGRES_PASSWORD is not set: the database needs a superuser password (set it in docker/.env)"
    exit 1
  fi
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  say "initializing $PGDATA (superuser $user, database $db)"
  initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  # megaforce.databases takes a comma list of names: quote the value for the file.
  cat >>"$PGDATA/postgresql.conf" <<CONF

# docker-entrypoint.sh (megaforce image)
listen_addresses = '*'
shared_preload_libraries = 'megaforce'
megaforce.databases = '${db//\'/\'\'}'
CONF
  # The first setup runs on the local socket only; clients wait for the real start.
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  export PGUSER=$user PGHOST=/var/run/postgresql
  psql=(psql -X -q -v ON_ERROR_STOP=1)
  # (psql quotes the name; it does not interpolate into -c, hence stdin.)
  [[ $db == postgres ]] || "${psql[@]}" -d postgres -v db="$db" <<<'CREATE DATABASE :"db"'
  "${psql[@]}" -d "$db" -c 'CREATE EXTENSION megaforce'
  say "megaforce $("${psql[@]}" -d "$db" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'megaforce'") in $db"
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sql) say "running $f"; "${psql[@]}" -d "$db" -f "$f" ;;
      *.sh) say "running $f"; source "$f" ;;
      *) [[ -e $f ]] && say "ignoring $f" ;;
    esac
  done
  unset PGUSER PGHOST
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  say "first start done"
fi

exec "$@"

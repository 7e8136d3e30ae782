# Helpers of the upgrade-path tests (tests/upgrade); source this file after tap.sh.
# Needs PGHOST/PGPORT/PGUSER of a running cluster with megaforce installed.

upgrade_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../upgrade" && pwd)
repo_root=$(cd "$upgrade_dir/../.." && pwd)

q() { PGOPTIONS="-c client_min_messages=warning ${PGOPTIONS:-}" psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

head_version() { sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$repo_root/extension/megaforce.control"; }

# Released versions, oldest first (migrations/RELEASED: "version sha256 file").
released_versions() { awk '!/^#/ && NF {print $1}' "$repo_root/migrations/RELEASED" | sort -uV; }

fresh_db() {
  q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}

# catalog DB: the extension's catalog as sorted lines (client/schema_catalog.sql).
catalog() { PGOPTIONS="-c search_path=pg_catalog" q -d "$1" -F " | " -f "$repo_root/client/schema_catalog.sql"; }

# The tables of the extension in DB, one per line.
extension_tables() {
  q -d "$1" -c "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'megaforce'::regnamespace
                AND c.relkind = 'r' ORDER BY 1"
}

# table_rows DB TABLE [COLUMNS]: every row as text, in id order; COLUMNS
# (comma-separated) defaults to the table's current columns.
table_rows() {
  local db=$1 table=$2 columns=${3:-}
  [[ -n $columns ]] || columns=$(table_columns "$db" "$table")
  q -d "$db" -c "SELECT row($columns)::text FROM megaforce.$table ORDER BY id"
}

table_columns() {
  q -d "$1" -c "SELECT string_agg(quote_ident(attname), ',' ORDER BY attnum) FROM pg_attribute
                WHERE attrelid = 'megaforce.$2'::regclass AND attnum > 0 AND NOT attisdropped"
}

# snapshot DB DIR: the columns and rows of every table into DIR/<table>.{columns,rows}.
snapshot() {
  local db=$1 dir=$2 t
  mkdir -p "$dir"
  for t in $(extension_tables "$db"); do
    table_columns "$db" "$t" >"$dir/$t.columns"
    table_rows "$db" "$t" >"$dir/$t.rows"
  done
}

# same_rows DB DIR [restored]: every table of snapshot DIR still has every
# row it had, with the same values in the columns it had. migration_log may
# have grown: its earlier rows must be unchanged. In a restored database its
# install row is the restore's own (CREATE EXTENSION writes it; the dump
# keeps the upgrade and downgrade rows), so that row is not compared.
same_rows() {
  local db=$1 dir=$2 restored=${3:-} f t now was
  for f in "$dir"/*.rows; do
    t=$(basename "$f" .rows)
    now=$(table_rows "$db" "$t" "$(cat "$dir/$t.columns")") || return 1
    was=$(cat "$f")
    if [[ $t == migration_log ]]; then
      now=$(head -n "$(wc -l <"$f")" <<<"$now")
      if [[ -n $restored ]]; then
        now=$(grep -v '^([0-9]*,,' <<<"$now")
        was=$(grep -v '^([0-9]*,,' <<<"$was")
      fi
    fi
    if [[ $now != "$was" ]]; then
      echo "# $t differs:"; diff <(echo "$was") <(echo "$now") | head -10 | sed 's/^/#   /'
      return 1
    fi
  done
}

# fill_history DB ROWS: ROWS approval_history rows at version 1.0 (ten per
# output: the creation row and nine edits), written in replica mode so that
# it takes seconds, with consistent revisions.
fill_history() {
  local db=$1 rows=$2
  q -d "$db" <<SQL
SET session_replication_role = replica;
INSERT INTO megaforce.users (id, email, role) VALUES ('10000000-0000-0000-0000-000000000001', 'bulk@example.com', 'editor');
INSERT INTO megaforce.output_schemas (id, owner_id, title, content, revision)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(n), 12, '0'))::uuid,
       '10000000-0000-0000-0000-000000000001', 'bulk ' || n, '{"body": "x"}', 10
FROM generate_series(1, ceil($rows / 10.0)::int) n;
INSERT INTO megaforce.approval_history (output_id, from_status, to_status, actor_id, comment, revision)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(1 + (i - 1) / 10), 12, '0'))::uuid,
       CASE WHEN (i - 1) % 10 = 0 THEN NULL ELSE 'draft' END, 'draft',
       '10000000-0000-0000-0000-000000000001', CASE WHEN i % 3 = 0 THEN 'edit ' || i END, 1 + (i - 1) % 10
FROM generate_series(1, $rows) i;
VACUUM ANALYZE megaforce.approval_history;
SQL
}

# measure_upgrade_locks DB: runs ALTER EXTENSION megaforce UPDATE in DB while
# another session polls pg_locks (every ~1 ms) on the approval_history that
# exists before the update. Prints "total_ms share_ms exclusive_ms
# exclusive_polls read_max_ms": how long
# the update took, how long it held SHARE or stronger (writers wait), and
# how long ACCESS EXCLUSIVE (readers wait too) was seen, the number of polls
# that saw it, and the longest a read of approval_history by the poller took
# (the wait a reader sees).
measure_upgrade_locks() {
  local db=$1 oid start_version log
  oid=$(q -d "$db" -c "SELECT 'megaforce.approval_history'::regclass::oid")
  start_version=$(q -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'megaforce'")
  log=$(mktemp)
  q -d "$db" >"$log" 2>&1 <<SQL &
SELECT pg_sleep(0.3);  -- the poller is running by then
SELECT extract(epoch FROM clock_timestamp()) * 1000;
ALTER EXTENSION megaforce UPDATE;
SELECT extract(epoch FROM clock_timestamp()) * 1000;
SQL
  local updater=$!
  q -d "$db" -c "
    DO \$poll\$
    DECLARE
      share_first timestamptz; share_last timestamptz;
      excl_first timestamptz; excl_last timestamptz;
      modes text[];
      excl_polls int := 0;
    BEGIN
      LOOP
        SELECT array_agg(mode) INTO modes FROM pg_locks
        WHERE locktype = 'relation' AND relation = $oid AND granted AND pid <> pg_backend_pid();
        IF modes && ARRAY['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'] THEN
          share_first := coalesce(share_first, clock_timestamp()); share_last := clock_timestamp();
        END IF;
        IF 'AccessExclusiveLock' = ANY (modes) THEN
          excl_first := coalesce(excl_first, clock_timestamp()); excl_last := clock_timestamp();
          excl_polls := excl_polls + 1;
        END IF;
        EXIT WHEN (SELECT extversion FROM pg_extension WHERE extname = 'megaforce') <> '$start_version'
               OR clock_timestamp() - now() > interval '15 minutes';
        PERFORM pg_sleep(0.001);
      END LOOP;
      RAISE WARNING 'LOCKS % % %',
        round(coalesce(extract(epoch FROM share_last - share_first) * 1000, 0)::numeric, 1),
        round(coalesce(extract(epoch FROM excl_last - excl_first) * 1000, 0)::numeric, 1),
        excl_polls;
    END
    \$poll\$" 2>&1 | sed -n 's/.*LOCKS \(.*\)/\1/p' >"$log.locks" &
  local poller=$!
  # A reader: one short query after another, each its own transaction (a
  # reader inside the poller's transaction would keep its lock to the end).
  { echo '\timing on'
    while [[ ! -e $log.stop ]]; do
      echo 'SELECT 1 FROM megaforce.approval_history WHERE id = 1;'
      echo 'SELECT pg_sleep(0.001);'
    done; } | q -d "$db" 2>/dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' >"$log.reads" &
  local reader=$!
  wait $updater; local rc=$?
  wait $poller
  touch "$log.stop"; wait $reader
  if (( rc != 0 )); then cat "$log" >&2; rm -f "$log"*; return 1; fi
  local times; times=($(grep -E '^[0-9.]+$' "$log"))
  local read_max; read_max=$(awk 'NR % 2 == 1 && $1 > m { m = $1 } END { printf "%.1f", m }' "$log.reads")
  awk -v a="${times[0]}" -v b="${times[1]}" -v locks="$(cat "$log.locks")" -v r="$read_max" \
    'BEGIN { printf "%.0f %s %s\n", b - a, locks, r }'
  rm -f "$log"*
}

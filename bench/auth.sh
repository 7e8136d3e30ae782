#!/usr/bin/env bash
# authenticate() failure times (SPEC §5): a wrong password, an unknown email
# and an inactive user each verify one argon2id hash, so they take the same
# time. Prints the median of BENCH_AUTH_ROUNDS rounds of each, the three kinds
# interleaved, and the max/min ratio of the medians (expected near 1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
rounds=${BENCH_AUTH_ROUNDS:-15}

PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
bench_psql <<SQL
CREATE EXTENSION megaforce;
SELECT megaforce.create_user('ada@example.com', 'Ada', 'editor', 'correct horse');
SELECT megaforce.create_user('carol@example.com', 'Carol', 'editor', 'another secret');
UPDATE megaforce.users SET is_active = false WHERE email = 'carol@example.com';
SQL
bench_psql <<SQL
CREATE TEMP TABLE samples (what text, ms float8);
DO \$\$
DECLARE t0 timestamptz; k record;
BEGIN
  FOR i IN 1..$rounds LOOP
    FOR k IN SELECT * FROM (VALUES ('wrong password', 'ada@example.com', 'wrong horse'),
                                   ('unknown email', 'nobody@example.com', 'wrong horse'),
                                   ('inactive user', 'carol@example.com', 'another secret')) v(what, email, pw) LOOP
      t0 := clock_timestamp();
      PERFORM megaforce.authenticate(k.email, k.pw);
      INSERT INTO samples VALUES (k.what, extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
  END LOOP;
END \$\$;
WITH timing AS (
  SELECT what, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM samples GROUP BY what)
SELECT format('authenticate failures ($rounds rounds, median): %s; max/min %s',
              string_agg(format('%s %s ms', what, round(ms::numeric, 1)), ', ' ORDER BY what),
              round((max(ms) / min(ms))::numeric, 2))
FROM timing;
SQL

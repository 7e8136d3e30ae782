-- uuid_v7() (SPEC §4, release 1.2): RFC 9562 version 7, strictly increasing
-- within a backend, the current millisecond in its first 48 bits, and the
-- default of every uuid key the extension generates.
BEGIN;
SELECT plan(12);

CREATE TEMP TABLE v7 AS
  SELECT n, pg_catalog.clock_timestamp() AS before, megaforce.uuid_v7() AS id, pg_catalog.clock_timestamp() AS after
  FROM generate_series(1, 5000) n;

SELECT is((SELECT count(*)::int FROM v7 WHERE substr(id::text, 15, 1) <> '7'), 0, 'the version nibble is 7');
SELECT is((SELECT count(*)::int FROM v7 WHERE substr(id::text, 20, 1) NOT IN ('8', '9', 'a', 'b')), 0,
  'the variant bits are 10 (RFC 9562)');
SELECT is((SELECT count(*)::int FROM (SELECT id, lag(id) OVER (ORDER BY n) AS prev FROM v7) s WHERE prev >= id), 0,
  'strictly increasing within a backend: 5,000 calls, most of them inside one millisecond');
SELECT is((SELECT count(DISTINCT id)::int FROM v7), 5000, 'no duplicates');
SELECT ok((SELECT count(*) FROM v7) > (SELECT count(DISTINCT date_trunc('milliseconds', before)) FROM v7),
  'several UUIDs shared a millisecond (so the monotonic counter was exercised)');
-- The first 48 bits are the Unix time in milliseconds during the call.
SELECT is((SELECT count(*)::int FROM (
             SELECT ('x' || lpad(replace(substr(id::text, 1, 13), '-', ''), 16, '0'))::bit(64)::bigint AS ms,
                    floor(extract(epoch FROM before) * 1000)::bigint AS lo,
                    floor(extract(epoch FROM after) * 1000)::bigint AS hi FROM v7) s
           WHERE ms NOT BETWEEN lo AND hi), 0,
  'the timestamp is the millisecond of the call');
SELECT is(p.provolatile::text, 'v', 'VOLATILE') FROM pg_catalog.pg_proc p WHERE p.oid = 'megaforce.uuid_v7()'::regprocedure;
SELECT is(p.proparallel::text, 's', 'PARALLEL SAFE') FROM pg_catalog.pg_proc p WHERE p.oid = 'megaforce.uuid_v7()'::regprocedure;

-- The default of every uuid key the extension generates.
SELECT is(array_agg(c.relname::text ORDER BY c.relname),
  ARRAY['documents', 'input_sources', 'output_schemas', 'personas', 'runs', 'users'],
  'uuid_v7() is the id default of every table with a uuid key')
FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_class c ON c.oid = d.adrelid
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
WHERE c.relnamespace = 'megaforce'::regnamespace AND a.attname = 'id'
  AND pg_catalog.pg_get_expr(d.adbin, d.adrelid) = 'megaforce.uuid_v7()';
SELECT is(substr(megaforce.create_user('v7@example.com', 'V7')::text, 15, 1), '7', 'a new user gets a version 7 id');

-- Lease tokens stay random (version 4): they authorize.
\ir ../fixtures/sources.sql
SELECT megaforce.enqueue_run(:srcA);
SELECT is((SELECT substr(lease_token::text, 15, 1) FROM megaforce.claim_runs('w1')), '4',
  'a lease token is a random (version 4) uuid');
SELECT is((SELECT substr(id::text, 15, 1) FROM megaforce.runs WHERE input_source_id = :srcA), '7',
  'a new run gets a version 7 id');

SELECT * FROM finish();
ROLLBACK;

-- The guarded C++/PostgreSQL boundary (extension/pg/boundary.hpp), through
-- the test-only functions of tests/pg/boundary_selftest.cpp.
BEGIN;
SELECT plan(13);

SELECT throws_ok($$SELECT mf_selftest.throw_deep(50, '22023', 'bad thing')$$, '22023',
  'bad thing (depth reached)', 'a C++ exception thrown 50 frames deep becomes an SQL error with its SQLSTATE');
SELECT is(mf_selftest.live_objects(), 0::bigint, 'every C++ destructor ran while unwinding');

SELECT throws_ok($$SELECT mf_selftest.pg_error_deep(20)$$, '22P02',
  'invalid input syntax for type integer: "not a number"',
  'an ereport under C++ frames comes back out as the original PostgreSQL error');
SELECT is(mf_selftest.live_objects(), 0::bigint, 'no destructor was skipped by the longjmp');

SELECT throws_ok($$SELECT mf_selftest.std_exception('bad_alloc')$$, '53200', 'out of memory',
  'std::bad_alloc becomes out_of_memory');
SELECT throws_ok($$SELECT mf_selftest.std_exception('runtime_error')$$, 'XX000',
  'megaforce internal error: something broke', 'another std::exception becomes an internal error');
SELECT throws_ok($$SELECT mf_selftest.std_exception('int')$$, 'XX000',
  'megaforce internal error: unknown C++ exception', 'a non-std exception becomes an internal error');
SELECT is(mf_selftest.std_exception('none'), 'no exception: none', 'a call that does not throw returns');
SELECT is(mf_selftest.live_objects(), 0::bigint, 'no C++ object outlived its call');
SELECT is(mf_selftest.std_exception('after the errors'), 'no exception: after the errors',
  'a guarded call after the errors returns its value (its text argument read through pg_call)');

-- Memory: 10,000 failing calls (half C++ exceptions, half PostgreSQL errors)
-- must not grow the backend: neither its heap (RSS) nor its memory contexts.
CREATE FUNCTION pg_temp.backend_rss_kb() RETURNS bigint LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'RssAnon:\s+(\d+)'))[1]::bigint $$;
CREATE FUNCTION pg_temp.context_bytes() RETURNS bigint LANGUAGE sql AS $$
  SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts $$;
CREATE FUNCTION pg_temp.fail_many(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..n LOOP
    BEGIN
      IF i % 2 = 0 THEN
        PERFORM mf_selftest.throw_deep(10, 'P0001', repeat('m', 200));
      ELSE
        PERFORM mf_selftest.pg_error_deep(10);
      END IF;
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
  END LOOP;
END $$;

SELECT pg_temp.fail_many(2000);  -- warm up caches and allocator arenas
CREATE TEMP TABLE mem_before AS SELECT pg_temp.backend_rss_kb() AS rss_kb, pg_temp.context_bytes() AS ctx;
SELECT pg_temp.fail_many(10000);
CREATE TEMP TABLE mem_after AS SELECT pg_temp.backend_rss_kb() AS rss_kb, pg_temp.context_bytes() AS ctx;

SELECT is(mf_selftest.live_objects(), 0::bigint, 'no C++ object survives 10,000 failing calls');
SELECT cmp_ok((SELECT a.rss_kb - b.rss_kb FROM mem_before b, mem_after a), '<', 1024::bigint,
  'backend private memory (RssAnon) grows by less than 1 MiB over 10,000 failing calls');
SELECT cmp_ok((SELECT a.ctx - b.ctx FROM mem_before b, mem_after a), '<', 262144::bigint,
  'backend memory contexts grow by less than 256 kB over 10,000 failing calls');
SELECT diag(format('RSS delta %s kB, context delta %s bytes over 10,000 failing calls',
  (SELECT a.rss_kb - b.rss_kb FROM mem_before b, mem_after a),
  (SELECT a.ctx - b.ctx FROM mem_before b, mem_after a)));

SELECT * FROM finish();
ROLLBACK;

-- Loads the boundary self-test library (tests/pg/boundary_selftest.cpp) into
-- schema mf_selftest. psql variable :selftest_lib is its absolute path.
CREATE SCHEMA mf_selftest;
CREATE FUNCTION mf_selftest.throw_deep(depth int, sqlstate text, message text) RETURNS void
    LANGUAGE c STRICT AS :'selftest_lib', 'mf_selftest_throw';
CREATE FUNCTION mf_selftest.pg_error_deep(depth int) RETURNS int
    LANGUAGE c STRICT AS :'selftest_lib', 'mf_selftest_pg_error';
CREATE FUNCTION mf_selftest.std_exception(kind text) RETURNS text
    LANGUAGE c STRICT AS :'selftest_lib', 'mf_selftest_std_exception';
CREATE FUNCTION mf_selftest.live_objects() RETURNS bigint
    LANGUAGE c STRICT AS :'selftest_lib', 'mf_selftest_live_objects';
CREATE FUNCTION mf_selftest.heap_in_use() RETURNS bigint
    LANGUAGE c STRICT AS :'selftest_lib', 'mf_selftest_heap_in_use';
CREATE FUNCTION mf_selftest.context_bytes() RETURNS bigint
    LANGUAGE c STRICT AS :'selftest_lib', 'mf_selftest_context_bytes';

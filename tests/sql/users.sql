-- Users (SPEC §5): create_user, set_password, authenticate, password_hash privacy.
BEGIN;
SELECT * FROM no_plan();

-- create_user
SELECT megaforce.create_user('  Ada@Example.com ', 'Ada', 'admin', 'correct horse') AS ada \gset
SELECT results_eq(format($$SELECT email, display_name, role, is_active FROM megaforce.users WHERE id = %L$$, :'ada'),
  $$VALUES ('Ada@Example.com'::text, 'Ada'::text, 'admin'::text, true)$$,
  'create_user trims the email, keeps its case, stores role and display name');
SELECT matches((SELECT password_hash FROM megaforce.users WHERE id = :'ada'),
  '^\$argon2id\$v=19\$m=65536,t=2,p=1\$', 'the password is stored as an argon2id PHC string (t=2, 64 MiB)');
SELECT megaforce.create_user('bob@example.com', 'Bob') AS bob \gset
SELECT is((SELECT role FROM megaforce.users WHERE id = :'bob'), 'editor', 'the default role is editor');
SELECT is((SELECT password_hash FROM megaforce.users WHERE email = 'bob@example.com'), NULL,
  'without a password, password_hash is null (cannot log in)');
SELECT throws_ok($$SELECT megaforce.create_user('ADA@example.COM', 'Other')$$, '23505',
  'a user with email "ADA@example.COM" already exists', 'email is unique case-insensitively');
SELECT throws_ok($$SELECT megaforce.create_user('not an email', 'X')$$, '22023',
  'invalid email "not an email": email contains white space or a control character', 'bad email: white space');
SELECT throws_ok(format($$SELECT megaforce.create_user(%L, 'X')$$, bad), '22023', NULL, 'bad email: ' || why)
FROM (VALUES ('plain', 'no @'), ('a@b@example.com', 'two @'), ('@example.com', 'no local part'),
             ('ada@localhost', 'no dot in domain'), ('', 'empty'), ('   ', 'blank'),
             (repeat('a', 243) || '@example.com', '255 characters')) b(bad, why);
SELECT lives_ok(format($$SELECT megaforce.create_user(%L, 'Long')$$, repeat('a', 242) || '@example.com'),
  'an email of exactly 254 characters is accepted');
SELECT throws_ok($$SELECT megaforce.create_user(NULL, 'X')$$, '22023', NULL, 'null email');
SELECT throws_ok($$SELECT megaforce.create_user('x@example.com', 'X', 'owner')$$, '22023',
  'unknown role "owner"', 'unknown role');
SELECT throws_ok($$SELECT megaforce.create_user('x@example.com', 'X', NULL)$$, '22023', NULL, 'null role');
SELECT throws_ok($$SELECT megaforce.create_user('x@example.com', 'X', 'editor', 'short')$$, '22023',
  'password is too short: at least 8 characters are required', 'a password under 8 characters');
SELECT is((SELECT count(*)::int FROM megaforce.users WHERE email = 'x@example.com'), 0, 'refused users are not written');

-- set_password
SELECT megaforce.create_user('carol@example.com', 'Carol', 'reviewer') AS carol \gset
SELECT lives_ok(format($$SELECT megaforce.set_password(%L, 'another secret')$$, :'carol'), 'set_password');
SELECT matches((SELECT password_hash FROM megaforce.users WHERE id = :'carol'), '^\$argon2id\$',
  'set_password stores an argon2id hash');
SELECT throws_ok($$SELECT megaforce.set_password('99999999-9999-9999-9999-999999999999', 'long enough')$$,
  'P0002', 'user 99999999-9999-9999-9999-999999999999 does not exist', 'set_password: unknown user');
SELECT throws_ok(format($$SELECT megaforce.set_password(%L, '1234567')$$, :'carol'), '22023', NULL,
  'set_password: 7 characters are too short');
SELECT throws_ok(format($$SELECT megaforce.set_password(%L, NULL)$$, :'carol'), '22023', NULL,
  'set_password: null password');
SELECT throws_ok($$SELECT megaforce.set_password(NULL, 'long enough')$$, '22023', NULL, 'set_password: null user');

-- authenticate
SELECT is(megaforce.authenticate('ada@example.com', 'correct horse'), :'ada'::uuid,
  'authenticate: right password, email matched case-insensitively');
SELECT isnt((SELECT last_login_at FROM megaforce.users WHERE id = :'ada'), NULL, 'success sets last_login_at');
SELECT is(megaforce.authenticate(' ADA@EXAMPLE.COM ', 'correct horse'), :'ada'::uuid, 'the email is trimmed');
SELECT is(megaforce.authenticate('carol@example.com', 'correct horse'), NULL, 'wrong password gives null');
SELECT is((SELECT last_login_at FROM megaforce.users WHERE id = :'carol'), NULL, 'a failure leaves last_login_at');
SELECT is(megaforce.authenticate('nobody@example.com', 'correct horse'), NULL, 'unknown email gives null');
SELECT is(megaforce.authenticate('bob@example.com', 'whatever1'), NULL, 'a user without password gives null');
SELECT is(megaforce.authenticate('ada@example.com', ''), NULL, 'an empty password gives null');
SELECT is(megaforce.authenticate('ada@example.com', NULL), NULL, 'a null password gives null');
SELECT is(megaforce.authenticate(NULL, 'correct horse'), NULL, 'a null email gives null');
UPDATE megaforce.users SET is_active = false WHERE id = :'carol';
SELECT is(megaforce.authenticate('carol@example.com', 'another secret'), NULL, 'an inactive user gives null');

-- A wrong password, an unknown email and an inactive user each cost one
-- argon2id verification (the unknown email against password::dummy_hash(),
-- whose parameters tests/unit/password_test.cpp checks); the times are
-- figures of bench/auth.sh, not a test: under parallel tests they drift.

-- password_hash is readable only by roles it is granted to, never PUBLIC.
SELECT ok(NOT has_column_privilege('public', 'megaforce.users', 'password_hash', 'SELECT'),
  'PUBLIC cannot read password_hash');
CREATE ROLE mf_test_app;
GRANT USAGE ON SCHEMA megaforce TO mf_test_app;
GRANT SELECT (id, email, display_name, role, is_active, last_login_at, created_at, updated_at)
  ON megaforce.users TO mf_test_app;
GRANT EXECUTE ON FUNCTION megaforce.authenticate(text, text) TO mf_test_app;
SET LOCAL ROLE mf_test_app;
SELECT lives_ok($$SELECT id, email FROM megaforce.users$$, 'an application role reads the granted columns');
SELECT throws_ok($$SELECT password_hash FROM megaforce.users$$, '42501', NULL,
  'an application role cannot read password_hash');
SELECT is(megaforce.authenticate('ada@example.com', 'correct horse'), :'ada'::uuid,
  'an application role can authenticate without reading hashes');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;

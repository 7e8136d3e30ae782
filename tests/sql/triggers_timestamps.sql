-- updated_at is kept by the C++ trigger; documents.content_sha256 follows content.
BEGIN;
SELECT plan(9);

INSERT INTO megaforce.users (id, email, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'ada@example.com', '2001-01-01', '2001-01-01');
UPDATE megaforce.users SET display_name = 'Ada' WHERE id = '00000000-0000-0000-0000-0000000000a1';
SELECT is((SELECT updated_at FROM megaforce.users), now(), 'UPDATE sets updated_at to now()');
SELECT is((SELECT created_at FROM megaforce.users), '2001-01-01'::timestamptz, 'UPDATE leaves created_at');
UPDATE megaforce.users SET updated_at = '1999-01-01';
SELECT is((SELECT updated_at FROM megaforce.users), now(), 'a direct write to updated_at is overridden');

INSERT INTO megaforce.documents (id, owner_id, kind, content)
VALUES ('00000000-0000-0000-0000-0000000000d1', '00000000-0000-0000-0000-0000000000a1', 'source_material', 'abc');
SELECT is((SELECT content_sha256 FROM megaforce.documents),
          'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
          'INSERT computes content_sha256 from content');
UPDATE megaforce.documents SET content = 'hello';
SELECT is((SELECT content_sha256 FROM megaforce.documents), encode(sha256('hello'::bytea), 'hex'),
          'UPDATE of content recomputes content_sha256');
UPDATE megaforce.documents SET content_sha256 = repeat('0', 64);
SELECT is((SELECT content_sha256 FROM megaforce.documents), encode(sha256('hello'::bytea), 'hex'),
          'content_sha256 cannot disagree with stored content');
INSERT INTO megaforce.documents (owner_id, kind, content_sha256)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'source_material', repeat('a', 64));
SELECT is((SELECT content_sha256 FROM megaforce.documents WHERE content IS NULL), repeat('a', 64),
          'a document without content keeps the fingerprint it was given');

-- runs and output_schemas keep updated_at in their state triggers.
INSERT INTO megaforce.input_sources (id, owner_id, name, kind)
VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000a1', 'Feed', 'rss');
INSERT INTO megaforce.runs (input_source_id, updated_at) VALUES ('00000000-0000-0000-0000-0000000000c1', '2001-01-01');
UPDATE megaforce.runs SET priority = 3, updated_at = '1999-01-01';
SELECT is((SELECT updated_at FROM megaforce.runs), now(), 'runs: UPDATE keeps updated_at');
INSERT INTO megaforce.output_schemas (owner_id, title) VALUES ('00000000-0000-0000-0000-0000000000a1', 'T');
UPDATE megaforce.output_schemas SET schema_name = 'blog', updated_at = '1999-01-01';
SELECT is((SELECT updated_at FROM megaforce.output_schemas), now(), 'output_schemas: UPDATE keeps updated_at');

SELECT * FROM finish();
ROLLBACK;

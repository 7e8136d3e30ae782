-- megaforce 1.0 -> 1.1: tamper evidence for approval_history (SPEC §3, §8).
--
-- Adds approval_history.row_hash, a SHA-256 chain per output computed in C++
-- (canonical encoding: extension/core/history_chain.hpp), backfilled here for
-- every existing row; a BEFORE INSERT trigger that hashes every new row; and
-- verify_history(output_id) that walks the chains.
--
-- Adding a column and filling it with UPDATE would hold ACCESS EXCLUSIVE on
-- approval_history for the whole rewrite (every reader waits). Instead the
-- table is rebuilt beside the old one while readers go on, and swapped in by
-- catalog changes only. Every lock below is held until the transaction that
-- runs this script commits:
--   step 1  new functions                         no table lock
--   step 2  approval_history  SHARE               readers go on; writers wait
--                                                 (a workflow step appends history)
--   step 3  new table, copy, indexes, ANALYZE     locks only the new, unseen table
--   step 4  foreign keys of the new table         SHARE ROW EXCLUSIVE on
--           (one validating join each)            output_schemas and users:
--                                                 their writers wait
--   step 5  the swap                              ACCESS EXCLUSIVE on approval_history,
--                                                 catalog changes only (milliseconds)
--
-- A fresh install at 1.1 runs megaforce--1.0.sql and then this script, in one
-- transaction; the install is then one migration_log row (NULL -> 1.1).

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.1'" to load this file. \quit

-- Step 1: the hash, the trigger function, the verifier. ---------------------

CREATE FUNCTION megaforce.history_row_hash(previous bytea, id bigint, output_id uuid,
                                           from_status text, to_status text, actor_id uuid,
                                           comment text, revision integer,
                                           created_at timestamptz) RETURNS bytea
    LANGUAGE c IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_history_row_hash';
COMMENT ON FUNCTION megaforce.history_row_hash(bytea, bigint, uuid, text, text, uuid, text,
                                               integer, timestamptz) IS
    'row_hash of an approval_history row after the previous row''s hash (NULL for an output''s first row)';

-- SECURITY DEFINER: it reads the previous row and locks the output for any
-- caller allowed to append history.
CREATE FUNCTION megaforce.set_history_row_hash() RETURNS trigger
    LANGUAGE c SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_set_history_row_hash';

CREATE FUNCTION megaforce.verify_history(output_id uuid DEFAULT NULL)
    RETURNS TABLE (output_id uuid, history_id bigint, problem text)
    LANGUAGE c STABLE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_verify_history';
COMMENT ON FUNCTION megaforce.verify_history(uuid) IS
    'walks the approval_history hash chains (of one output, or of all); no rows = intact';

REVOKE ALL ON FUNCTION megaforce.history_row_hash(bytea, bigint, uuid, text, text, uuid, text,
                                                  integer, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION megaforce.set_history_row_hash() FROM PUBLIC;
REVOKE ALL ON FUNCTION megaforce.verify_history(uuid) FROM PUBLIC;

-- Step 2: no history is written while it is copied. -------------------------

LOCK TABLE megaforce.approval_history IN SHARE MODE;

-- The swap drops the old table, and with it whatever else hangs on it: refuse
-- rather than drop a view, index, trigger or policy someone else made.
DO $check$
DECLARE
    foreign_objects text;
BEGIN
    SELECT pg_catalog.string_agg(description, ', ' ORDER BY description) INTO foreign_objects
    FROM (SELECT DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS description
          FROM pg_catalog.pg_depend d
          WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND d.refobjid = 'megaforce.approval_history'::pg_catalog.regclass
            AND d.deptype IN ('n', 'a')) dependents
    -- (pg_describe_object qualifies names only when they are off the search_path)
    WHERE description !~ ('^(constraint approval_history_(pkey|output_id_fkey|actor_id_fkey|'
                          'from_status_check|to_status_check|revision_check) on table (megaforce\.)?approval_history'
                          '|default value for column created_at of table (megaforce\.)?approval_history'
                          '|index (megaforce\.)?approval_history_(output_id|actor_id)_idx'
                          '|trigger approval_history_(append_only|no_truncate) on table (megaforce\.)?approval_history)$');
    IF foreign_objects IS NOT NULL THEN
        RAISE EXCEPTION 'cannot update megaforce to 1.1: objects outside the extension depend on megaforce.approval_history: %',
            foreign_objects
            USING ERRCODE = '55000',
                  HINT = 'The update rebuilds approval_history. Drop these objects, update, then create them again.';
    END IF;
    IF (SELECT relrowsecurity OR relforcerowsecurity FROM pg_catalog.pg_class
        WHERE oid = 'megaforce.approval_history'::pg_catalog.regclass) THEN
        RAISE EXCEPTION 'cannot update megaforce to 1.1: row level security is enabled on megaforce.approval_history'
            USING ERRCODE = '55000',
                  HINT = 'Disable it, update, then enable it again.';
    END IF;
END
$check$;

-- Step 3: the new table, filled with every row and its hash. -----------------

CREATE TABLE megaforce.approval_history_v11 (
    id          bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
    output_id   uuid        NOT NULL,
    from_status text,
    to_status   text        NOT NULL,
    actor_id    uuid        NOT NULL,
    comment     text,
    revision    integer     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    row_hash    bytea,
    CONSTRAINT approval_history_v11_pkey PRIMARY KEY (id),
    CONSTRAINT approval_history_from_status_check CHECK (from_status IN ('draft', 'pending_review',
        'changes_requested', 'approved', 'rejected', 'published', 'archived')),
    CONSTRAINT approval_history_to_status_check CHECK (to_status IN ('draft', 'pending_review',
        'changes_requested', 'approved', 'rejected', 'published', 'archived')),
    CONSTRAINT approval_history_revision_check CHECK (revision >= 1)
);
COMMENT ON COLUMN megaforce.approval_history_v11.row_hash IS
    'SHA-256 over the previous row_hash of the same output and this row (see verify_history)';

-- The chain in one pass: a running aggregate whose state is the previous hash.
CREATE AGGREGATE megaforce.history_chain_backfill(bigint, uuid, text, text, uuid, text, integer,
                                                  timestamptz) (
    SFUNC = megaforce.history_row_hash,
    STYPE = bytea
);
INSERT INTO megaforce.approval_history_v11
    (id, output_id, from_status, to_status, actor_id, comment, revision, created_at, row_hash)
OVERRIDING SYSTEM VALUE
SELECT h.id, h.output_id, h.from_status, h.to_status, h.actor_id, h.comment, h.revision,
       h.created_at,
       megaforce.history_chain_backfill(h.id, h.output_id, h.from_status, h.to_status,
                                        h.actor_id, h.comment, h.revision, h.created_at)
           OVER (PARTITION BY h.output_id ORDER BY h.id)
FROM megaforce.approval_history h;
DROP AGGREGATE megaforce.history_chain_backfill(bigint, uuid, text, text, uuid, text, integer,
                                                timestamptz);

SELECT pg_catalog.setval('megaforce.approval_history_v11_id_seq', s.last_value, s.is_called)
FROM megaforce.approval_history_id_seq s;

CREATE INDEX approval_history_v11_output_id_idx ON megaforce.approval_history_v11 (output_id, id);
CREATE INDEX approval_history_v11_actor_id_idx ON megaforce.approval_history_v11 (actor_id);

CREATE TRIGGER approval_history_append_only BEFORE UPDATE OR DELETE ON megaforce.approval_history_v11
    FOR EACH ROW EXECUTE FUNCTION megaforce.refuse_history_change();
CREATE TRIGGER approval_history_no_truncate BEFORE TRUNCATE ON megaforce.approval_history_v11
    FOR EACH STATEMENT EXECUTE FUNCTION megaforce.refuse_history_change();
ALTER TABLE megaforce.approval_history_v11 ENABLE ALWAYS TRIGGER approval_history_append_only;
ALTER TABLE megaforce.approval_history_v11 ENABLE ALWAYS TRIGGER approval_history_no_truncate;
-- Not ENABLE ALWAYS: a restore in replica mode keeps the dumped hashes.
CREATE TRIGGER approval_history_row_hash BEFORE INSERT ON megaforce.approval_history_v11
    FOR EACH ROW EXECUTE FUNCTION megaforce.set_history_row_hash();

-- Privileges as they were: nothing for PUBLIC, and every grant made on the
-- old table and its sequence (to an application role, say) made again.
REVOKE ALL ON TABLE megaforce.approval_history_v11 FROM PUBLIC;
REVOKE ALL ON SEQUENCE megaforce.approval_history_v11_id_seq FROM PUBLIC;
DO $grants$
DECLARE
    g record;
BEGIN
    FOR g IN
        SELECT pg_catalog.format('GRANT %s%s ON %s %s TO %s%s', a.privilege_type,
                                 CASE WHEN att.attname IS NULL THEN ''
                                      ELSE pg_catalog.format(' (%I)', att.attname) END,
                                 kind, target,
                                 CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                      ELSE pg_catalog.quote_ident(r.rolname) END,
                                 CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS sql
        FROM (SELECT c.oid, c.relowner, c.relacl AS acl, NULL::pg_catalog.int2 AS attnum,
                     CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind,
                     CASE c.relkind WHEN 'S' THEN 'megaforce.approval_history_v11_id_seq'
                                    ELSE 'megaforce.approval_history_v11' END AS target
              FROM pg_catalog.pg_class c
              WHERE c.oid IN ('megaforce.approval_history'::pg_catalog.regclass,
                              'megaforce.approval_history_id_seq'::pg_catalog.regclass)
              UNION ALL
              SELECT c.oid, c.relowner, at.attacl, at.attnum, 'TABLE', 'megaforce.approval_history_v11'
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_attribute at ON at.attrelid = c.oid
              WHERE c.oid = 'megaforce.approval_history'::pg_catalog.regclass
                AND at.attnum > 0 AND NOT at.attisdropped AND at.attacl IS NOT NULL) acls
        CROSS JOIN LATERAL pg_catalog.aclexplode(acls.acl) a
        LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantee
        LEFT JOIN pg_catalog.pg_attribute att ON att.attrelid = acls.oid AND att.attnum = acls.attnum
        WHERE a.grantee <> acls.relowner
    LOOP
        EXECUTE g.sql;
    END LOOP;
END
$grants$;

-- Storage parameters a DBA set (fillfactor, autovacuum_*) carry over.
DO $options$
DECLARE
    options text;
BEGIN
    SELECT pg_catalog.array_to_string(reloptions, ', ') INTO options
    FROM pg_catalog.pg_class WHERE oid = 'megaforce.approval_history'::pg_catalog.regclass;
    IF options IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER TABLE megaforce.approval_history_v11 SET (%s)', options);
    END IF;
END
$options$;

ANALYZE megaforce.approval_history_v11;

-- Step 4: foreign keys, each validated by one join. -------------------------

ALTER TABLE megaforce.approval_history_v11
    ADD CONSTRAINT approval_history_output_id_fkey FOREIGN KEY (output_id)
        REFERENCES megaforce.output_schemas (id) ON DELETE RESTRICT;
ALTER TABLE megaforce.approval_history_v11
    ADD CONSTRAINT approval_history_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES megaforce.users (id);

-- Step 5: the swap. ACCESS EXCLUSIVE from here to commit, catalog only. -----

LOCK TABLE megaforce.approval_history IN ACCESS EXCLUSIVE MODE;
-- Leaving the extension also takes the old table out of pg_dump's list.
ALTER EXTENSION megaforce DROP TABLE megaforce.approval_history;
ALTER EXTENSION megaforce DROP SEQUENCE megaforce.approval_history_id_seq;
DROP TABLE megaforce.approval_history;
ALTER TABLE megaforce.approval_history_v11 RENAME TO approval_history;
ALTER SEQUENCE megaforce.approval_history_v11_id_seq RENAME TO approval_history_id_seq;
ALTER INDEX megaforce.approval_history_v11_pkey RENAME TO approval_history_pkey;
ALTER INDEX megaforce.approval_history_v11_output_id_idx RENAME TO approval_history_output_id_idx;
ALTER INDEX megaforce.approval_history_v11_actor_id_idx RENAME TO approval_history_actor_id_idx;
SELECT pg_catalog.pg_extension_config_dump('megaforce.approval_history', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.approval_history_id_seq', '');

-- migration_log: an install in this same transaction (CREATE EXTENSION at
-- 1.1) becomes one row NULL -> 1.1; an update appends 1.0 -> 1.1.
WITH fresh_install AS (
    UPDATE megaforce.migration_log SET to_version = '1.1'
    WHERE from_version IS NULL AND to_version = '1.0' AND applied_at = pg_catalog.now()
    RETURNING id
)
INSERT INTO megaforce.migration_log (from_version, to_version)
SELECT '1.0', '1.1' WHERE NOT EXISTS (SELECT FROM fresh_install);

-- megaforce 1.1 -> 1.0: removes the approval_history hash chain and keeps
-- every history row (only the row_hash values go: 1.0 has no place for them).
--
-- What each step locks, held until commit:
--   DROP TRIGGER / DROP COLUMN  ACCESS EXCLUSIVE on approval_history; DROP
--                               COLUMN only marks the column dropped in the
--                               catalog (no rewrite), so both take milliseconds
--   DROP FUNCTION               no table lock

\echo Use "ALTER EXTENSION megaforce UPDATE TO '1.0'" to load this file. \quit

DROP TRIGGER approval_history_row_hash ON megaforce.approval_history;
ALTER TABLE megaforce.approval_history DROP COLUMN row_hash;

DROP FUNCTION megaforce.verify_history(uuid);
DROP FUNCTION megaforce.set_history_row_hash();
DROP FUNCTION megaforce.history_row_hash(bytea, bigint, uuid, text, text, uuid, text, integer,
                                         timestamptz);

INSERT INTO megaforce.migration_log (from_version, to_version) VALUES ('1.1', '1.0');

-- megaforce 1.0: the schema of the Megaforce content platform (SPEC §2), with
-- the approval workflow (§3), the run state machine (§4) and users (§5).
--
-- Conventions of every megaforce script:
--  * every object is schema-qualified; every function SETs search_path;
--  * status and kind columns are text with CHECK constraints (an enum type
--    cannot lose a value in a downgrade);
--  * every table and sequence is registered with pg_extension_config_dump so
--    pg_dump keeps its rows.

\echo Use "CREATE EXTENSION megaforce" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Helpers the tables depend on (C++, extension/pg/).
-- ---------------------------------------------------------------------------

CREATE FUNCTION megaforce.is_valid_email(email text) RETURNS boolean
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_is_valid_email';
COMMENT ON FUNCTION megaforce.is_valid_email(text) IS
    'true when the text is an acceptable, trimmed email address (SPEC §5)';

CREATE FUNCTION megaforce.touch_updated_at() RETURNS trigger
    LANGUAGE c
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_touch_updated_at';
COMMENT ON FUNCTION megaforce.touch_updated_at() IS
    'BEFORE UPDATE trigger: sets updated_at to the transaction timestamp';

CREATE FUNCTION megaforce.set_content_sha256() RETURNS trigger
    LANGUAGE c
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_set_content_sha256';
COMMENT ON FUNCTION megaforce.set_content_sha256() IS
    'BEFORE INSERT/UPDATE trigger on documents: content_sha256 = SHA-256 of content';

-- ---------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------

CREATE TABLE megaforce.users (
    id            uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    email         text        NOT NULL,
    display_name  text,
    role          text        NOT NULL DEFAULT 'editor',
    password_hash text,
    is_active     boolean     NOT NULL DEFAULT true,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_check CHECK (megaforce.is_valid_email(email)),
    CONSTRAINT users_role_check CHECK (role IN ('admin', 'editor', 'reviewer', 'viewer')),
    CONSTRAINT users_password_hash_check CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%')
);
-- Emails are unique case-insensitively but stored as given.
CREATE UNIQUE INDEX users_email_key ON megaforce.users (pg_catalog.lower(email));
COMMENT ON TABLE megaforce.users IS
    'accounts; never deleted (deactivate with is_active = false)';
COMMENT ON COLUMN megaforce.users.password_hash IS
    'argon2id PHC string; null = cannot log in';

-- ---------------------------------------------------------------------------
-- personas
-- ---------------------------------------------------------------------------

CREATE TABLE megaforce.personas (
    id          uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    owner_id    uuid        NOT NULL,
    name        text        NOT NULL,
    description text,
    voice       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    is_active   boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT personas_pkey PRIMARY KEY (id),
    CONSTRAINT personas_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES megaforce.users (id),
    CONSTRAINT personas_name_check CHECK (pg_catalog.btrim(name) <> ''),
    CONSTRAINT personas_voice_check CHECK (pg_catalog.jsonb_typeof(voice) = 'object')
);
CREATE UNIQUE INDEX personas_owner_id_name_key
    ON megaforce.personas (owner_id, pg_catalog.lower(name));
COMMENT ON COLUMN megaforce.personas.voice IS 'tone, audience, style rules';

-- ---------------------------------------------------------------------------
-- input_sources
-- ---------------------------------------------------------------------------

CREATE TABLE megaforce.input_sources (
    id           uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    owner_id     uuid        NOT NULL,
    persona_id   uuid,
    name         text        NOT NULL,
    kind         text        NOT NULL,
    config       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    trigger      text        NOT NULL DEFAULT 'manual',
    schedule     text,
    timezone     text        NOT NULL DEFAULT 'UTC',
    next_run_at  timestamptz,
    max_attempts integer     NOT NULL DEFAULT 3,
    is_active    boolean     NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT input_sources_pkey PRIMARY KEY (id),
    CONSTRAINT input_sources_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES megaforce.users (id),
    CONSTRAINT input_sources_persona_id_fkey FOREIGN KEY (persona_id) REFERENCES megaforce.personas (id),
    CONSTRAINT input_sources_name_check CHECK (pg_catalog.btrim(name) <> ''),
    CONSTRAINT input_sources_kind_check CHECK (kind IN ('rss', 'url', 'upload', 'manual', 'webhook')),
    CONSTRAINT input_sources_config_check CHECK (pg_catalog.jsonb_typeof(config) = 'object'),
    CONSTRAINT input_sources_trigger_check CHECK (trigger IN ('manual', 'schedule', 'webhook')),
    -- a schedule is required iff the source is triggered by it
    CONSTRAINT input_sources_schedule_check CHECK ((trigger = 'schedule') = (schedule IS NOT NULL)),
    CONSTRAINT input_sources_max_attempts_check CHECK (max_attempts BETWEEN 1 AND 100)
);
CREATE INDEX input_sources_owner_id_idx ON megaforce.input_sources (owner_id);
CREATE INDEX input_sources_persona_id_idx ON megaforce.input_sources (persona_id);
-- enqueue_due_runs() looks only at active scheduled sources that are due.
CREATE INDEX input_sources_due_idx ON megaforce.input_sources (next_run_at)
    WHERE trigger = 'schedule' AND is_active;

-- ---------------------------------------------------------------------------
-- runs
-- ---------------------------------------------------------------------------

CREATE TABLE megaforce.runs (
    id               uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    input_source_id  uuid        NOT NULL,
    status           text        NOT NULL DEFAULT 'queued',
    trigger          text        NOT NULL DEFAULT 'manual',
    attempt          integer     NOT NULL DEFAULT 0,
    max_attempts     integer     NOT NULL,
    priority         integer     NOT NULL DEFAULT 0,
    run_after        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    claimed_by       text,
    lease_token      uuid,
    lease_expires_at timestamptz,
    queued_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    error            text,
    result           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT runs_pkey PRIMARY KEY (id),
    CONSTRAINT runs_input_source_id_fkey FOREIGN KEY (input_source_id) REFERENCES megaforce.input_sources (id),
    CONSTRAINT runs_created_by_fkey FOREIGN KEY (created_by) REFERENCES megaforce.users (id),
    CONSTRAINT runs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    CONSTRAINT runs_trigger_check CHECK (trigger IN ('manual', 'schedule', 'webhook', 'retry')),
    CONSTRAINT runs_attempt_check CHECK (attempt >= 0),
    CONSTRAINT runs_max_attempts_check CHECK (max_attempts BETWEEN 1 AND 100)
);
-- Invariant: a source has at most one queued run (enqueue is idempotent) ...
CREATE UNIQUE INDEX runs_one_queued_per_source ON megaforce.runs (input_source_id)
    WHERE status = 'queued';
-- ... and at most one running run (runs of one source are serial).
CREATE UNIQUE INDEX runs_one_running_per_source ON megaforce.runs (input_source_id)
    WHERE status = 'running';
-- claim_runs() order: highest priority, then oldest; only queued runs are
-- indexed, so finished runs never slow a claim down.
CREATE INDEX runs_claim_order_idx ON megaforce.runs (priority DESC, run_after, queued_at, id)
    WHERE status = 'queued';
-- reap_expired_runs() and the expired-lease count read the running runs
-- through runs_one_running_per_source: they are few, and every index on this
-- hot table costs each claim and completion a write.
CREATE INDEX runs_input_source_id_idx ON megaforce.runs (input_source_id, created_at);
-- No index on runs.created_by: users are never deleted, so its foreign key
-- is never checked from the users side.

-- ---------------------------------------------------------------------------
-- documents
-- ---------------------------------------------------------------------------

CREATE TABLE megaforce.documents (
    id              uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    owner_id        uuid        NOT NULL,
    kind            text        NOT NULL,
    persona_id      uuid,
    input_source_id uuid,
    run_id          uuid,
    title           text,
    content         text,
    source_url      text,
    content_sha256  text,
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT documents_pkey PRIMARY KEY (id),
    CONSTRAINT documents_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES megaforce.users (id),
    CONSTRAINT documents_persona_id_fkey FOREIGN KEY (persona_id) REFERENCES megaforce.personas (id),
    CONSTRAINT documents_input_source_id_fkey FOREIGN KEY (input_source_id) REFERENCES megaforce.input_sources (id),
    CONSTRAINT documents_run_id_fkey FOREIGN KEY (run_id) REFERENCES megaforce.runs (id),
    CONSTRAINT documents_kind_check CHECK (kind IN ('source_material', 'style_reference')),
    -- a style reference belongs to a persona
    CONSTRAINT documents_persona_required_check CHECK (kind <> 'style_reference' OR persona_id IS NOT NULL),
    CONSTRAINT documents_content_sha256_check CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT documents_metadata_check CHECK (pg_catalog.jsonb_typeof(metadata) = 'object')
);
CREATE INDEX documents_owner_id_idx ON megaforce.documents (owner_id);
CREATE INDEX documents_persona_id_idx ON megaforce.documents (persona_id);
CREATE INDEX documents_input_source_id_idx ON megaforce.documents (input_source_id);
CREATE INDEX documents_run_id_idx ON megaforce.documents (run_id);
CREATE INDEX documents_content_sha256_idx ON megaforce.documents (content_sha256);
COMMENT ON COLUMN megaforce.documents.content_sha256 IS
    'lowercase hex SHA-256 of content';

-- ---------------------------------------------------------------------------
-- output_schemas: generated outputs and their approval workflow
-- ---------------------------------------------------------------------------

CREATE TABLE megaforce.output_schemas (
    id           uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    owner_id     uuid        NOT NULL,
    run_id       uuid,
    persona_id   uuid,
    title        text        NOT NULL,
    schema_name  text        NOT NULL DEFAULT 'generic',
    content      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status       text        NOT NULL DEFAULT 'draft',
    revision     integer     NOT NULL DEFAULT 1,
    submitted_at timestamptz,
    reviewed_by  uuid,
    reviewed_at  timestamptz,
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT output_schemas_pkey PRIMARY KEY (id),
    CONSTRAINT output_schemas_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES megaforce.users (id),
    CONSTRAINT output_schemas_run_id_fkey FOREIGN KEY (run_id) REFERENCES megaforce.runs (id),
    CONSTRAINT output_schemas_persona_id_fkey FOREIGN KEY (persona_id) REFERENCES megaforce.personas (id),
    CONSTRAINT output_schemas_reviewed_by_fkey FOREIGN KEY (reviewed_by) REFERENCES megaforce.users (id),
    CONSTRAINT output_schemas_status_check CHECK (status IN ('draft', 'pending_review', 'changes_requested',
                                                             'approved', 'rejected', 'published', 'archived')),
    CONSTRAINT output_schemas_revision_check CHECK (revision >= 1),
    CONSTRAINT output_schemas_schema_name_check CHECK (pg_catalog.btrim(schema_name) <> '')
);
CREATE INDEX output_schemas_owner_id_idx ON megaforce.output_schemas (owner_id);
CREATE INDEX output_schemas_run_id_idx ON megaforce.output_schemas (run_id);
CREATE INDEX output_schemas_persona_id_idx ON megaforce.output_schemas (persona_id);
CREATE INDEX output_schemas_reviewed_by_idx ON megaforce.output_schemas (reviewed_by);
CREATE INDEX output_schemas_status_idx ON megaforce.output_schemas (status);

-- ---------------------------------------------------------------------------
-- approval_history: append-only record of every workflow step
-- ---------------------------------------------------------------------------

CREATE TABLE megaforce.approval_history (
    id          bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
    output_id   uuid        NOT NULL,
    from_status text,
    to_status   text        NOT NULL,
    actor_id    uuid        NOT NULL,
    comment     text,
    revision    integer     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT approval_history_pkey PRIMARY KEY (id),
    CONSTRAINT approval_history_output_id_fkey FOREIGN KEY (output_id)
        REFERENCES megaforce.output_schemas (id) ON DELETE RESTRICT,
    CONSTRAINT approval_history_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES megaforce.users (id),
    CONSTRAINT approval_history_from_status_check CHECK (from_status IN ('draft', 'pending_review',
        'changes_requested', 'approved', 'rejected', 'published', 'archived')),
    CONSTRAINT approval_history_to_status_check CHECK (to_status IN ('draft', 'pending_review',
        'changes_requested', 'approved', 'rejected', 'published', 'archived')),
    CONSTRAINT approval_history_revision_check CHECK (revision >= 1)
);
CREATE INDEX approval_history_output_id_idx ON megaforce.approval_history (output_id, id);
CREATE INDEX approval_history_actor_id_idx ON megaforce.approval_history (actor_id);

-- ---------------------------------------------------------------------------
-- migration_log: one row per install, upgrade and downgrade script
-- ---------------------------------------------------------------------------

CREATE TABLE megaforce.migration_log (
    id           bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
    from_version text,
    to_version   text        NOT NULL,
    applied_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    applied_by   text        NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT migration_log_pkey PRIMARY KEY (id)
);
COMMENT ON TABLE megaforce.migration_log IS
    'one row per megaforce install/upgrade/downgrade script; from_version is null at install';

-- ---------------------------------------------------------------------------
-- updated_at, kept by the C++ trigger on every table that has one
-- ---------------------------------------------------------------------------

CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON megaforce.users
    FOR EACH ROW EXECUTE FUNCTION megaforce.touch_updated_at();
CREATE TRIGGER personas_touch_updated_at BEFORE UPDATE ON megaforce.personas
    FOR EACH ROW EXECUTE FUNCTION megaforce.touch_updated_at();
CREATE TRIGGER input_sources_touch_updated_at BEFORE UPDATE ON megaforce.input_sources
    FOR EACH ROW EXECUTE FUNCTION megaforce.touch_updated_at();
-- runs and output_schemas: updated_at is kept by their state triggers.
CREATE TRIGGER documents_touch_updated_at BEFORE UPDATE ON megaforce.documents
    FOR EACH ROW EXECUTE FUNCTION megaforce.touch_updated_at();
CREATE TRIGGER documents_set_content_sha256 BEFORE INSERT OR UPDATE OF content, content_sha256
    ON megaforce.documents
    FOR EACH ROW EXECUTE FUNCTION megaforce.set_content_sha256();

-- ---------------------------------------------------------------------------
-- Users (SPEC §5). SECURITY DEFINER: they read or write password_hash, which
-- no application role may read.
-- ---------------------------------------------------------------------------

CREATE FUNCTION megaforce.create_user(email text, display_name text, role text DEFAULT 'editor',
                                      password text DEFAULT NULL) RETURNS uuid
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_create_user';
COMMENT ON FUNCTION megaforce.create_user(text, text, text, text) IS
    'creates a user (email trimmed, validated, unique case-insensitively); returns its id';

CREATE FUNCTION megaforce.set_password(user_id uuid, password text) RETURNS void
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_set_password';
COMMENT ON FUNCTION megaforce.set_password(uuid, text) IS
    'stores an argon2id hash of the password (at least 8 characters)';

CREATE FUNCTION megaforce.authenticate(email text, password text) RETURNS uuid
    LANGUAGE c VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_authenticate';
COMMENT ON FUNCTION megaforce.authenticate(text, text) IS
    'the user id for a matching email and password, else null (same time for every failure)';

-- ---------------------------------------------------------------------------
-- Approval workflow (SPEC §3). The triggers are the one enforcement point;
-- SECURITY DEFINER so that they can read users and append history for any
-- caller allowed to write output_schemas.
-- ---------------------------------------------------------------------------

CREATE FUNCTION megaforce.output_workflow_before() RETURNS trigger
    LANGUAGE c SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_output_workflow_before';
CREATE FUNCTION megaforce.output_workflow_after() RETURNS trigger
    LANGUAGE c SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_output_workflow_after';
CREATE FUNCTION megaforce.refuse_history_change() RETURNS trigger
    LANGUAGE c
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_refuse_history_change';
CREATE FUNCTION megaforce.refuse_output_delete() RETURNS trigger
    LANGUAGE c SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_refuse_output_delete';

CREATE TRIGGER output_schemas_workflow_before BEFORE INSERT OR UPDATE ON megaforce.output_schemas
    FOR EACH ROW EXECUTE FUNCTION megaforce.output_workflow_before();
CREATE TRIGGER output_schemas_workflow_after AFTER INSERT OR UPDATE ON megaforce.output_schemas
    FOR EACH ROW EXECUTE FUNCTION megaforce.output_workflow_after();
-- An output with history is never deleted (archive it), also in replica mode,
-- where the foreign key's own triggers do not fire.
CREATE TRIGGER output_schemas_keep_history BEFORE DELETE ON megaforce.output_schemas
    FOR EACH ROW EXECUTE FUNCTION megaforce.refuse_output_delete();
ALTER TABLE megaforce.output_schemas ENABLE ALWAYS TRIGGER output_schemas_keep_history;
-- approval_history is append-only, whatever session_replication_role says.
CREATE TRIGGER approval_history_append_only BEFORE UPDATE OR DELETE ON megaforce.approval_history
    FOR EACH ROW EXECUTE FUNCTION megaforce.refuse_history_change();
CREATE TRIGGER approval_history_no_truncate BEFORE TRUNCATE ON megaforce.approval_history
    FOR EACH STATEMENT EXECUTE FUNCTION megaforce.refuse_history_change();
ALTER TABLE megaforce.approval_history ENABLE ALWAYS TRIGGER approval_history_append_only;
ALTER TABLE megaforce.approval_history ENABLE ALWAYS TRIGGER approval_history_no_truncate;

CREATE FUNCTION megaforce.create_output(owner_id uuid, title text, content jsonb,
                                        schema_name text DEFAULT 'generic', run_id uuid DEFAULT NULL,
                                        persona_id uuid DEFAULT NULL) RETURNS megaforce.output_schemas
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_create_output';
CREATE FUNCTION megaforce.transition_output(output_id uuid, to_status text, actor_id uuid,
                                            comment text DEFAULT NULL, expected_revision integer DEFAULT NULL)
    RETURNS megaforce.output_schemas
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_transition_output';
CREATE FUNCTION megaforce.submit_output(output_id uuid, actor_id uuid, comment text DEFAULT NULL)
    RETURNS megaforce.output_schemas LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_submit_output';
CREATE FUNCTION megaforce.approve_output(output_id uuid, actor_id uuid, comment text DEFAULT NULL)
    RETURNS megaforce.output_schemas LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_approve_output';
CREATE FUNCTION megaforce.request_changes(output_id uuid, actor_id uuid, comment text DEFAULT NULL)
    RETURNS megaforce.output_schemas LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_request_changes';
CREATE FUNCTION megaforce.reject_output(output_id uuid, actor_id uuid, comment text DEFAULT NULL)
    RETURNS megaforce.output_schemas LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_reject_output';
CREATE FUNCTION megaforce.reopen_output(output_id uuid, actor_id uuid, comment text DEFAULT NULL)
    RETURNS megaforce.output_schemas LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_reopen_output';
CREATE FUNCTION megaforce.publish_output(output_id uuid, actor_id uuid, comment text DEFAULT NULL)
    RETURNS megaforce.output_schemas LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_publish_output';
CREATE FUNCTION megaforce.archive_output(output_id uuid, actor_id uuid, comment text DEFAULT NULL)
    RETURNS megaforce.output_schemas LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_archive_output';
CREATE FUNCTION megaforce.output_transitions()
    RETURNS TABLE (from_status text, to_status text, action text, allowed_roles text[],
                   comment_required boolean)
    LANGUAGE c IMMUTABLE PARALLEL SAFE ROWS 15
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_output_transitions';
COMMENT ON FUNCTION megaforce.output_transitions() IS
    'the approval workflow: every legal step with its function and who may take it';

-- ---------------------------------------------------------------------------
-- Schedules and the run queue (SPEC §4). The triggers are the one
-- enforcement point of the run state machine; SECURITY DEFINER so that they
-- can read input_sources for any caller allowed to write runs.
-- ---------------------------------------------------------------------------

CREATE FUNCTION megaforce.next_fire_time(schedule text, after timestamptz, timezone text DEFAULT 'UTC')
    RETURNS timestamptz
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_next_fire_time';
COMMENT ON FUNCTION megaforce.next_fire_time(text, timestamptz, text) IS
    'the first fire of a 5-field cron schedule strictly after a time, in an IANA zone';

CREATE FUNCTION megaforce.source_schedule() RETURNS trigger
    LANGUAGE c
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_source_schedule';
CREATE TRIGGER input_sources_schedule BEFORE INSERT OR UPDATE ON megaforce.input_sources
    FOR EACH ROW EXECUTE FUNCTION megaforce.source_schedule();

CREATE FUNCTION megaforce.run_state_before() RETURNS trigger
    LANGUAGE c SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_run_state_before';
CREATE FUNCTION megaforce.run_state_after() RETURNS trigger
    LANGUAGE c
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_run_state_after';
CREATE TRIGGER runs_state BEFORE INSERT OR UPDATE ON megaforce.runs
    FOR EACH ROW EXECUTE FUNCTION megaforce.run_state_before();
CREATE TRIGGER runs_notify_insert AFTER INSERT ON megaforce.runs
    FOR EACH ROW EXECUTE FUNCTION megaforce.run_state_after();

CREATE FUNCTION megaforce.enqueue_run(input_source_id uuid, actor_id uuid DEFAULT NULL, priority integer DEFAULT 0,
                                      run_after timestamptz DEFAULT now(), trigger text DEFAULT 'manual')
    RETURNS megaforce.runs LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_enqueue_run';
CREATE FUNCTION megaforce.claim_runs(worker text, max_runs integer DEFAULT 1, lease interval DEFAULT '5 minutes')
    RETURNS SETOF megaforce.runs LANGUAGE c VOLATILE ROWS 1 SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_claim_runs';
CREATE FUNCTION megaforce.heartbeat_run(run_id uuid, lease_token uuid, lease interval DEFAULT '5 minutes')
    RETURNS timestamptz LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_heartbeat_run';
CREATE FUNCTION megaforce.complete_run(run_id uuid, lease_token uuid, result jsonb DEFAULT '{}')
    RETURNS megaforce.runs LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_complete_run';
CREATE FUNCTION megaforce.fail_run(run_id uuid, lease_token uuid, error text, retry boolean DEFAULT true)
    RETURNS megaforce.runs LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_fail_run';
CREATE FUNCTION megaforce.cancel_run(run_id uuid, actor_id uuid, reason text DEFAULT NULL)
    RETURNS megaforce.runs LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_cancel_run';
CREATE FUNCTION megaforce.retry_run(run_id uuid, actor_id uuid)
    RETURNS megaforce.runs LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_retry_run';
CREATE FUNCTION megaforce.reap_expired_runs() RETURNS integer
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_reap_expired_runs';
CREATE FUNCTION megaforce.enqueue_due_runs(at timestamptz DEFAULT now()) RETURNS integer
    LANGUAGE c VOLATILE SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'megaforce_enqueue_due_runs';

-- ---------------------------------------------------------------------------
-- pg_dump keeps every row of every table (and the identity sequences).
-- migration_log's install row is written again by CREATE EXTENSION on
-- restore, so the dump carries only the upgrade/downgrade rows.
-- ---------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('megaforce.users', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.personas', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.input_sources', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.runs', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.documents', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.output_schemas', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.approval_history', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.approval_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('megaforce.migration_log', 'WHERE from_version IS NOT NULL');
SELECT pg_catalog.pg_extension_config_dump('megaforce.migration_log_id_seq', '');

-- ---------------------------------------------------------------------------
-- Privileges: nothing is PUBLIC; see README "Privileges" for the grants an
-- application role and a worker role need.
-- ---------------------------------------------------------------------------

REVOKE ALL ON ALL TABLES IN SCHEMA megaforce FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA megaforce FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA megaforce FROM PUBLIC;
-- CHECK constraints run with the privileges of whoever writes the row.
GRANT EXECUTE ON FUNCTION megaforce.is_valid_email(text) TO PUBLIC;

INSERT INTO megaforce.migration_log (from_version, to_version) VALUES (NULL, '1.0');

-- Grants for the two kinds of megaforce callers. Run as the extension's
-- owner after CREATE EXTENSION megaforce; rename the roles as you like and
-- add LOGIN and passwords (or GRANT these roles to your login roles).
--
-- Nothing of megaforce is granted to PUBLIC except is_valid_email(), which
-- the users table's CHECK constraint calls for whoever writes a row.
-- password_hash is granted to nobody: create_user, set_password and
-- authenticate are SECURITY DEFINER and the only way to it.
-- prune_runs() (1.2) is for an operator's cron, and pre_restore() /
-- post_restore() (1.2) for the database owner restoring a dump: README
-- "Retention" and "Backup and restore" list the grants each needs.

CREATE ROLE megaforce_app NOLOGIN;     -- an API server acting for its users
CREATE ROLE megaforce_worker NOLOGIN;  -- workers executing runs, and the scheduler

GRANT USAGE ON SCHEMA megaforce TO megaforce_app, megaforce_worker;

-- megaforce_app --------------------------------------------------------------
GRANT SELECT (id, email, display_name, role, is_active, last_login_at, created_at, updated_at),
      UPDATE (email, display_name, role, is_active)
   ON megaforce.users TO megaforce_app;
GRANT SELECT, INSERT, UPDATE
   ON megaforce.personas, megaforce.input_sources, megaforce.documents, megaforce.output_schemas
   TO megaforce_app;
GRANT SELECT, INSERT, UPDATE ON megaforce.runs TO megaforce_app;  -- enqueue, cancel, retry
GRANT SELECT ON megaforce.approval_history, megaforce.migration_log TO megaforce_app;
GRANT EXECUTE ON FUNCTION
    megaforce.create_user(text, text, text, text),
    megaforce.set_password(uuid, text),
    megaforce.authenticate(text, text),
    megaforce.create_output(uuid, text, jsonb, text, uuid, uuid),
    megaforce.transition_output(uuid, text, uuid, text, integer),
    megaforce.submit_output(uuid, uuid, text),
    megaforce.approve_output(uuid, uuid, text),
    megaforce.request_changes(uuid, uuid, text),
    megaforce.reject_output(uuid, uuid, text),
    megaforce.reopen_output(uuid, uuid, text),
    megaforce.publish_output(uuid, uuid, text),
    megaforce.archive_output(uuid, uuid, text),
    megaforce.output_transitions(),
    megaforce.enqueue_run(uuid, uuid, integer, timestamptz, text),
    megaforce.cancel_run(uuid, uuid, text),
    megaforce.retry_run(uuid, uuid),
    megaforce.next_fire_time(text, timestamptz, text),
    megaforce.verify_history(uuid)                       -- from 1.1
  TO megaforce_app;

-- megaforce_worker -----------------------------------------------------------
-- Row locks (FOR SHARE / FOR NO KEY UPDATE) on input_sources need UPDATE.
GRANT SELECT, INSERT, UPDATE ON megaforce.runs TO megaforce_worker;
GRANT SELECT, UPDATE (next_run_at) ON megaforce.input_sources TO megaforce_worker;
GRANT EXECUTE ON FUNCTION
    megaforce.claim_runs(text, integer, interval),
    megaforce.heartbeat_run(uuid, uuid, interval),
    megaforce.complete_run(uuid, uuid, jsonb),
    megaforce.fail_run(uuid, uuid, text, boolean),
    megaforce.enqueue_run(uuid, uuid, integer, timestamptz, text),
    megaforce.reap_expired_runs(),
    megaforce.enqueue_due_runs(timestamptz),
    megaforce.next_fire_time(text, timestamptz, text)
  TO megaforce_worker;

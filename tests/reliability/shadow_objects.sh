#!/usr/bin/env bash
# Extension script and function hygiene against a hostile role (the
# CVE-2022-2625 / CVE-2023-39417 class): before megaforce is installed, a
# non-superuser creates functions and operators in public named like those
# megaforce uses (now, gen_random_uuid, lower, =, <, +, ...), each logging
# its call. Installing 1.0, updating to head and using every part of the API
# from a session whose search_path puts public first never calls one.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
source "$here/tests/lib/tap.sh"
db=mf_shadow
q() { PGOPTIONS="-c client_min_messages=warning ${PGOPTIONS:-}" psql -X -q -At -v ON_ERROR_STOP=1 -d $db "$@"; }

PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS mf_hostile" \
  -c "CREATE ROLE mf_hostile LOGIN" -c "CREATE DATABASE $db"
q -c "GRANT CREATE ON SCHEMA public TO mf_hostile"
PGUSER=mf_hostile q <<'SQL'
CREATE TABLE public.shadow_calls (name text, at timestamptz DEFAULT pg_catalog.clock_timestamp());
GRANT INSERT, SELECT ON public.shadow_calls TO PUBLIC;
CREATE FUNCTION public.shadow_called(name text) RETURNS void LANGUAGE sql
  AS $$ INSERT INTO public.shadow_calls (name) VALUES (name) $$;
-- Functions megaforce's code and scripts use, with exact argument types.
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('now'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION public.gen_random_uuid() RETURNS uuid LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('gen_random_uuid'); RETURN pg_catalog.gen_random_uuid(); END $$;
CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('lower'); RETURN pg_catalog.lower($1); END $$;
CREATE FUNCTION public.clock_timestamp() RETURNS timestamptz LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('clock_timestamp'); RETURN pg_catalog.clock_timestamp(); END $$;
CREATE FUNCTION public.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('jsonb_build_object'); RETURN '{}'; END $$;
CREATE FUNCTION public.pg_try_advisory_xact_lock_shared(bigint) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('pg_try_advisory_xact_lock_shared'); RETURN true; END $$;
CREATE FUNCTION public.setval(regclass, bigint, boolean) RETURNS bigint LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('setval'); RETURN pg_catalog.setval($1, $2, $3); END $$;
CREATE FUNCTION public.pg_extension_config_dump(regclass, text) RETURNS void LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('pg_extension_config_dump'); END $$;
CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('format'); RETURN ''; END $$;
CREATE FUNCTION public.to_char(timestamp, text) RETURNS text LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('to_char'); RETURN ''; END $$;
-- Operators on the types megaforce compares.
CREATE FUNCTION public.uuid_eq_shadow(uuid, uuid) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('= uuid'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = public.uuid_eq_shadow);
CREATE FUNCTION public.text_eq_shadow(text, text) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('= text'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.text_eq_shadow);
CREATE FUNCTION public.ts_lt_shadow(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('< timestamptz'); RETURN $1 OPERATOR(pg_catalog.<) $2; END $$;
CREATE OPERATOR public.< (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.ts_lt_shadow);
CREATE FUNCTION public.ts_le_shadow(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('<= timestamptz'); RETURN $1 OPERATOR(pg_catalog.<=) $2; END $$;
CREATE OPERATOR public.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.ts_le_shadow);
CREATE FUNCTION public.ts_plus_shadow(timestamptz, interval) RETURNS timestamptz LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('+ interval'); RETURN $1 OPERATOR(pg_catalog.+) $2; END $$;
CREATE OPERATOR public.+ (LEFTARG = timestamptz, RIGHTARG = interval, FUNCTION = public.ts_plus_shadow);
CREATE FUNCTION public.int_ge_shadow(integer, integer) RETURNS boolean LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.shadow_called('>= integer'); RETURN $1 OPERATOR(pg_catalog.>=) $2; END $$;
CREATE OPERATOR public.>= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.int_ge_shadow);
SQL
ok $? "a hostile role planted shadow functions and operators in public"

# The superuser installs and updates with the session's path putting public first.
export PGOPTIONS="-c search_path=public,pg_catalog"
check "CREATE EXTENSION megaforce VERSION '1.0'" q -c "CREATE EXTENSION megaforce VERSION '1.0'"
check "ALTER EXTENSION megaforce UPDATE (to head)" q -c "ALTER EXTENSION megaforce UPDATE"
# Every function, with only literals from the caller (the caller's own
# operators would resolve to the shadows: that is the caller's search_path).
q -o /dev/null <<'SQL'
\set ON_ERROR_STOP 1
SET megaforce.notify = off;
SELECT megaforce.create_user('admin@example.com', 'Admin', 'admin') AS admin \gset
SELECT megaforce.create_user('Editor@Example.com', 'Editor', 'editor', 'correct horse battery') AS editor \gset
SELECT megaforce.create_user('reviewer@example.com', 'Reviewer', 'reviewer') AS reviewer \gset
SELECT megaforce.set_password(:'reviewer', 'another long password');
SELECT megaforce.authenticate('editor@example.com', 'correct horse battery');
SELECT megaforce.authenticate('editor@example.com', 'wrong');
INSERT INTO megaforce.personas (owner_id, name) VALUES (:'editor', 'Writer') RETURNING id AS persona \gset
INSERT INTO megaforce.input_sources (owner_id, persona_id, name, kind, trigger, schedule, timezone, next_run_at)
VALUES (:'editor', :'persona', 'feed', 'rss', 'schedule', '*/5 * * * *', 'Europe/Berlin', '2000-01-01')
RETURNING id AS source \gset
INSERT INTO megaforce.documents (owner_id, kind, persona_id, title, content)
VALUES (:'editor', 'style_reference', :'persona', 'Style', 'Plain words.');
SELECT megaforce.enqueue_due_runs();
SELECT id AS run, lease_token AS token FROM megaforce.claim_runs('w1', 1, '1 hour') \gset
SELECT megaforce.heartbeat_run(:'run', :'token', '2 hours');
SELECT megaforce.complete_run(:'run', :'token', '{"ok": true}');
SELECT megaforce.enqueue_run(:'source', :'editor', 5) AS run2 \gset
SELECT id AS run2, lease_token AS token2 FROM megaforce.claim_runs('w1') \gset
SELECT megaforce.fail_run(:'run2', :'token2', 'boom', false);
SELECT megaforce.retry_run(:'run2', :'admin');
SELECT megaforce.cancel_run(:'run2', :'admin', 'not needed');
SELECT megaforce.enqueue_run(:'source') AS run3 \gset
SELECT id AS run3, lease_token AS token3 FROM megaforce.claim_runs('w2', 1, '1 millisecond') \gset
SELECT pg_catalog.pg_sleep(0.01);
SELECT megaforce.reap_expired_runs();
SELECT (megaforce.create_output(:'editor', 'Post', '{"body": "x"}')).id AS o \gset
SELECT (megaforce.create_output(:'editor', 'Other', '{}')).id AS o2 \gset
SELECT megaforce.submit_output(:'o', :'editor');
SELECT megaforce.request_changes(:'o', :'reviewer', 'shorter');
SELECT megaforce.reopen_output(:'o', :'editor', 'rewriting');
SELECT megaforce.transition_output(:'o', 'pending_review', :'editor', 'done');
SELECT megaforce.approve_output(:'o', :'reviewer');
SELECT megaforce.publish_output(:'o', :'admin');
SELECT megaforce.archive_output(:'o', :'admin', 'old');
BEGIN;
SELECT pg_catalog.set_config('megaforce.actor_id', :'editor', true);
UPDATE megaforce.output_schemas SET title = 'Edited' WHERE id OPERATOR(pg_catalog.=) :'o2';
COMMIT;
SELECT megaforce.submit_output(:'o2', :'editor');
SELECT megaforce.reject_output(:'o2', :'reviewer', 'no');
SELECT * FROM megaforce.verify_history();
SELECT * FROM megaforce.verify_history(:'o');
SELECT megaforce.next_fire_time('0 9 * * MON-FRI', '2026-03-29 00:00+00', 'Europe/Berlin');
SELECT megaforce.is_valid_email('a@example.com');
SELECT * FROM megaforce.output_transitions();
SELECT megaforce.prune_runs('1000 years');
SELECT megaforce.pre_restore();
SELECT * FROM megaforce.post_restore();
SQL
ok $? "the whole API, called with public first on the path"
check "a downgrade too" q -c "ALTER EXTENSION megaforce UPDATE TO '1.0'"
check "and the update again" q -c "ALTER EXTENSION megaforce UPDATE"
is "$(q -c "SELECT count(*) FROM megaforce.runs") $(q -c "SELECT count(*) FROM megaforce.approval_history")" \
   "3 12" "the API really ran (3 runs; 12 history rows: 8 steps of one output, 3 of another and an edit)"
calls=$(q -c "SELECT string_agg(DISTINCT name, ', ') FROM public.shadow_calls")
is "$calls" "" "no shadow function or operator was ever called"

unset PGOPTIONS
psql -X -q -d postgres -c "DROP DATABASE $db" -c "DROP ROLE mf_hostile"
done_testing

// The run queue's SQL functions (SPEC §4): enqueue_run, claim_runs,
// heartbeat_run, complete_run, fail_run, cancel_run, retry_run,
// reap_expired_runs, enqueue_due_runs. They decide which step to take; the
// runs trigger (run_trigger.cpp) checks it is legal and keeps the state
// columns, for these functions and plain UPDATEs alike.
//
// Locking: a run's row is locked before its source's row. A run goes back to
// the queue only under its source's row lock (FOR NO KEY UPDATE), which
// enqueue_run's FOR SHARE waits for, so "is a run already queued for this
// source?" is answered before either writes.
extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

#include <optional>
#include <string>
#include <vector>

#include "core/approval.hpp"
#include "core/error.hpp"
#include "core/runs.hpp"
#include "core/uuid.hpp"
#include "pg/actors.hpp"
#include "pg/args.hpp"
#include "pg/boundary.hpp"
#include "pg/standby.hpp"
#include "pg/spi.hpp"
#include "pg/subtransaction.hpp"
#include "pg/timezone.hpp"

namespace rs = megaforce::runs;
using megaforce::Error;
using megaforce::Uuid;
namespace sqlstate = megaforce::sqlstate;
namespace mpg = megaforce::pg;

namespace {

// --- statements ------------------------------------------------------------

mpg::KeptPlan g_lock_source_share{
    "SELECT is_active FROM megaforce.input_sources WHERE id = $1 FOR SHARE", 1, {UUIDOID}};
mpg::KeptPlan g_lock_source_update{
    "SELECT is_active FROM megaforce.input_sources WHERE id = $1 FOR NO KEY UPDATE", 1, {UUIDOID}};
mpg::KeptPlan g_insert_run{
    "INSERT INTO megaforce.runs AS r (input_source_id, created_by, priority, run_after, trigger) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (input_source_id) WHERE status = 'queued' DO NOTHING "
    "RETURNING r",
    5, {UUIDOID, UUIDOID, INT4OID, TIMESTAMPTZOID, TEXTOID}};
mpg::KeptPlan g_queued_run_of_source{
    "SELECT r FROM megaforce.runs r WHERE r.input_source_id = $1 AND r.status = 'queued'", 1, {UUIDOID}};
mpg::KeptPlan g_queued_id_of_source{
    "SELECT id FROM megaforce.runs WHERE input_source_id = $1 AND status = 'queued'", 1, {UUIDOID}};
// The claim, with the batch size as a literal LIMIT: with LIMIT $n the
// generic plan cannot know how many rows are wanted and the plan cache would
// re-plan this statement on every call. Sizes up to kKeptClaimSizes get a
// kept plan each; larger batches are planned per call.
constexpr int kKeptClaimSizes = 100;

// The claimed rows come back as plain columns (r.*), in the claim order; a
// single run needs no sort.
std::string claim_sql(int limit) {
  std::string update =
      "UPDATE megaforce.runs r SET status = 'running', claimed_by = $1,"
      "       lease_expires_at = pg_catalog.now() + $2"
      "  FROM candidates c WHERE r.id = c.id RETURNING r.*";
  return "WITH candidates AS ("
         "  SELECT r.id FROM megaforce.runs r"
         "  WHERE r.status = 'queued' AND r.run_after <= pg_catalog.now()"
         // OFFSET 0 keeps this a per-candidate probe of runs_one_running_per_source:
         // as an anti-join the planner would read every running run for each claim.
         "    AND NOT EXISTS (SELECT 1 FROM megaforce.runs b"
         "                    WHERE b.input_source_id = r.input_source_id AND b.status = 'running' OFFSET 0)"
         "  ORDER BY r.priority DESC, r.run_after, r.queued_at, r.id"
         "  LIMIT " + std::to_string(limit) + " FOR UPDATE OF r SKIP LOCKED)" +
         (limit == 1 ? " " + update
                     : ", claimed AS (" + update + ") SELECT * FROM claimed"
                       "  ORDER BY priority DESC, run_after, queued_at, id");
}

// Runs the claim of `max_runs` runs; returns how many were claimed (rows in SPI_tuptable).
uint64 execute_claim(int max_runs, const Datum* args) {
  static std::string kept_sql[kKeptClaimSizes + 1];
  static mpg::KeptPlan kept[kKeptClaimSizes + 1];
  if (max_runs <= kKeptClaimSizes) {
    mpg::KeptPlan& plan = kept[max_runs];
    if (plan.sql == nullptr) {
      kept_sql[max_runs] = claim_sql(max_runs);
      plan.sql = kept_sql[max_runs].c_str();
      plan.nargs = 2;
      plan.argtypes[0] = TEXTOID;
      plan.argtypes[1] = INTERVALOID;
    }
    return mpg::execute(plan, args, nullptr, false);
  }
  std::string sql = claim_sql(max_runs);
  return mpg::pg_call([&]() -> uint64 {
    Oid types[2] = {TEXTOID, INTERVALOID};
    int rc = SPI_execute_with_args(sql.c_str(), 2, types, const_cast<Datum*>(args), nullptr, false, 0);
    if (rc < 0) elog(ERROR, "megaforce: claim failed (%s)", SPI_result_code_string(rc));
    return SPI_processed;
  });
}

// The fenced steps update by the key with the fence in the WHERE clause: one
// statement, and under concurrency the re-check of a changed row (EvalPlanQual)
// applies the fence to the newest version. The status test is written as a
// function call on purpose: as `status = 'running'` it would let a generic
// plan read the partial index of all running runs instead of the key.
mpg::KeptPlan g_heartbeat{
    "UPDATE megaforce.runs r SET lease_expires_at = pg_catalog.now() + $3 "
    "WHERE r.id = $1 AND r.lease_token = $2 AND pg_catalog.texteq(r.status, 'running') "
    "RETURNING r.lease_expires_at",
    3, {UUIDOID, UUIDOID, INTERVALOID}};
mpg::KeptPlan g_complete{
    "UPDATE megaforce.runs r SET status = 'succeeded', result = $3 "
    "WHERE r.id = $1 AND r.lease_token = $2 AND pg_catalog.texteq(r.status, 'running') RETURNING r",
    3, {UUIDOID, UUIDOID, JSONBOID}};
mpg::KeptPlan g_run_for_update{
    "SELECT status, lease_token, attempt, max_attempts, input_source_id "
    "FROM megaforce.runs WHERE id = $1 FOR UPDATE",
    1, {UUIDOID}};
mpg::KeptPlan g_set_state{
    "UPDATE megaforce.runs r SET status = $2, error = $3, run_after = COALESCE($4, r.run_after) "
    "WHERE r.id = $1 RETURNING r",
    4, {UUIDOID, TEXTOID, TEXTOID, TIMESTAMPTZOID}};
mpg::KeptPlan g_retry{
    "UPDATE megaforce.runs r SET status = 'queued', run_after = pg_catalog.now(), trigger = 'retry', "
    "result = '{}' WHERE r.id = $1 RETURNING r",
    1, {UUIDOID}};
mpg::KeptPlan g_expired{
    "SELECT id, attempt, max_attempts, input_source_id, claimed_by, lease_expires_at "
    "FROM megaforce.runs WHERE status = 'running' AND lease_expires_at < pg_catalog.now() "
    "ORDER BY lease_expires_at FOR UPDATE SKIP LOCKED",
    0, {}};
mpg::KeptPlan g_due_sources{
    "SELECT id, schedule, timezone, next_run_at FROM megaforce.input_sources "
    "WHERE trigger = 'schedule' AND is_active AND next_run_at <= $1 "
    "ORDER BY next_run_at FOR UPDATE SKIP LOCKED",
    1, {TIMESTAMPTZOID}};
mpg::KeptPlan g_advance_source{
    "UPDATE megaforce.input_sources SET next_run_at = $2 WHERE id = $1", 2, {UUIDOID, TIMESTAMPTZOID}};

// --- helpers ---------------------------------------------------------------

std::string id_text(const Uuid& id) { return megaforce::to_string(id); }

int64 interval_usec(const Interval* span) {
  return span->time + static_cast<int64>(span->day) * USECS_PER_DAY +
         static_cast<int64>(span->month) * DAYS_PER_MONTH * USECS_PER_DAY;
}

Datum value(int column, bool* is_null) {
  return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, column, is_null);
}

// An actor who may enqueue, cancel or retry: an active user who is not a viewer (42501).
void require_actor(const Uuid& actor_id, const char* may_not) {
  megaforce::approval::require_active_user(mpg::lookup_actor(actor_id, std::nullopt), id_text(actor_id),
                                           "actor", may_not);
}

// Locks the source row; P0002 when there is none, 55000 when `need_active`
// and it is inactive.
void lock_source(mpg::KeptPlan& plan, const Uuid& source, bool need_active) {
  Datum args[1] = {mpg::uuid_datum(source)};
  if (mpg::execute(plan, args, nullptr, false, 1) == 0)
    throw Error(sqlstate::kNoDataFound, "input source " + id_text(source) + " does not exist");
  bool is_null = false;
  if (need_active && !DatumGetBool(value(1, &is_null)))
    throw Error(sqlstate::kObjectNotInPrerequisiteState, "input source " + id_text(source) + " is inactive");
}

std::optional<Uuid> queued_run_of(const Uuid& source) {
  Datum args[1] = {mpg::uuid_datum(source)};
  if (mpg::execute(g_queued_id_of_source, args, nullptr, false, 1) == 0) return std::nullopt;
  bool is_null = false;
  return mpg::uuid_of(value(1, &is_null));
}

struct EnqueueRequest {
  Uuid source{};
  std::optional<Uuid> actor;
  int32 priority = 0;
  TimestampTz run_after = 0;
  std::string trigger = "manual";
};

// Inside SPI: the source's queued run, new or existing, as a composite Datum.
Datum enqueue(const EnqueueRequest& request) {
  lock_source(g_lock_source_share, request.source, true);
  Datum args[5] = {mpg::uuid_datum(request.source), request.actor ? mpg::uuid_datum(*request.actor) : Datum(0),
                   Int32GetDatum(request.priority), TimestampTzGetDatum(request.run_after),
                   mpg::text_datum(request.trigger)};
  char nulls[5] = {' ', request.actor ? ' ' : 'n', ' ', ' ', ' '};
  // The queued run of a conflicting enqueue may be claimed between our
  // INSERT and SELECT; then the INSERT can succeed on the next pass.
  for (int pass = 0; pass < 5; ++pass) {
    CHECK_FOR_INTERRUPTS();
    if (mpg::execute(g_insert_run, args, nulls, false) > 0) return mpg::first_result_column();
    Datum source_arg[1] = {args[0]};
    if (mpg::execute(g_queued_run_of_source, source_arg, nullptr, false, 1) > 0) return mpg::first_result_column();
  }
  throw Error(sqlstate::kSerializationFailure,
              "could not enqueue a run for input source " + id_text(request.source) + ": it kept changing");
}

struct LockedRun {
  std::string status;
  std::optional<Uuid> token;
  int32 attempt = 0;
  int32 max_attempts = 1;
  Uuid source{};
};

std::optional<LockedRun> lock_run(const Uuid& run) {
  Datum args[1] = {mpg::uuid_datum(run)};
  if (mpg::execute(g_run_for_update, args, nullptr, false, 1) == 0) return std::nullopt;
  LockedRun locked;
  bool is_null = false;
  locked.status = mpg::text_of(value(1, &is_null));
  Datum token = value(2, &is_null);
  if (!is_null) locked.token = mpg::uuid_of(token);
  locked.attempt = DatumGetInt32(value(3, &is_null));
  locked.max_attempts = DatumGetInt32(value(4, &is_null));
  locked.source = mpg::uuid_of(value(5, &is_null));
  return locked;
}

// Locks `run` for a step fenced by `token`: the run must exist (P0002) and be
// running under this token; a finished run's own token is 55000, any other
// token (a newer claim, or none since the run was requeued) 42501.
LockedRun lock_fenced(const Uuid& run, const Uuid& token) {
  std::optional<LockedRun> locked = lock_run(run);
  if (!locked) throw Error(sqlstate::kNoDataFound, "run " + id_text(run) + " does not exist");
  bool token_matches = locked->token && *locked->token == token;
  if (token_matches && locked->status == "running") return *locked;
  if (token_matches)
    throw Error(sqlstate::kObjectNotInPrerequisiteState,
                "run " + id_text(run) + " is " + locked->status + ": the lease of this token is over");
  throw Error(sqlstate::kInsufficientPrivilege,
              "lease token does not match the current claim of run " + id_text(run), {},
              "The lease expired and the run was claimed again or requeued; drop this attempt.");
}

// Runs a fenced step (`plan`, whose first two arguments are the run and its
// token); its row is then in SPI_tuptable. When the fence holds nothing,
// lock_fenced() names the reason (P0002, 55000 or 42501). It cannot find the
// run running under this token after the UPDATE did not, since a token is
// never handed out twice.
void fenced_update(mpg::KeptPlan& plan, const Uuid& run, const Uuid& token, const Datum* args) {
  if (mpg::execute(plan, args, nullptr, false) > 0) return;
  lock_fenced(run, token);
  throw Error(sqlstate::kInternalError, "run " + id_text(run) + " is running under this token but was not updated");
}

// Sets status/error/run_after of a locked run and returns the row.
Datum set_state(const Uuid& run, const char* status, const std::optional<std::string>& error,
                std::optional<TimestampTz> run_after) {
  Datum args[4] = {mpg::uuid_datum(run), mpg::text_datum(status), error ? mpg::text_datum(*error) : Datum(0),
                   run_after ? TimestampTzGetDatum(*run_after) : Datum(0)};
  char nulls[4] = {' ', ' ', error ? ' ' : 'n', run_after ? ' ' : 'n'};
  mpg::execute(g_set_state, args, nulls, false);
  return mpg::first_result_column();
}

// A run whose attempt failed goes back to the queue at `run_after` while
// attempts remain and its source has no queued run; otherwise it fails.
Datum requeue_or_fail(const Uuid& run, const LockedRun& locked, const std::string& error,
                      TimestampTz run_after) {
  if (locked.attempt < locked.max_attempts) {
    lock_source(g_lock_source_update, locked.source, false);
    std::optional<Uuid> queued = queued_run_of(locked.source);
    if (!queued) return set_state(run, "queued", error, run_after);
    return set_state(run, "failed",
                     error + " (not requeued: run " + id_text(*queued) + " is already queued for this source)",
                     std::nullopt);
  }
  return set_state(run, "failed", error + " (no attempts left: " + std::to_string(locked.attempt) + " of " +
                                      std::to_string(locked.max_attempts) + ")",
                   std::nullopt);
}

// Copies the claimed rows (SPI_tuptable: the non-dropped columns of runs, in
// order) into the function's result, whose row type also holds any dropped
// column, as a null placeholder. Call inside pg_call.
void store_claimed_rows(ReturnSetInfo* rsinfo, uint64 claimed) {
  TupleDesc out = rsinfo->setDesc;
  Datum* values = static_cast<Datum*>(palloc(out->natts * sizeof(Datum)));
  bool* nulls = static_cast<bool*>(palloc(out->natts * sizeof(bool)));
  for (uint64 i = 0; i < claimed; ++i) {
    int source_column = 0;
    for (int k = 0; k < out->natts; ++k) {
      if (TupleDescAttr(out, k)->attisdropped) {
        values[k] = Datum(0);
        nulls[k] = true;
        continue;
      }
      values[k] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, ++source_column, &nulls[k]);
    }
    tuplestore_putvalues(rsinfo->setResult, out, values, nulls);
  }
  pfree(values);
  pfree(nulls);
}

}  // namespace

// enqueue_run(input_source_id, actor_id default null, priority default 0,
//             run_after default now(), trigger default 'manual') returns runs
MF_WRITE_FUNCTION(megaforce_enqueue_run, "enqueue_run") {
  EnqueueRequest request;
  request.source = mpg::required_uuid_arg(fcinfo, 0, "input_source_id");
  if (!PG_ARGISNULL(1)) request.actor = mpg::uuid_of(PG_GETARG_DATUM(1));
  if (PG_ARGISNULL(2)) throw megaforce::invalid_parameter("priority must not be null");
  request.priority = PG_GETARG_INT32(2);
  rs::check_priority(request.priority);
  if (PG_ARGISNULL(3)) throw megaforce::invalid_parameter("run_after must not be null");
  request.run_after = PG_GETARG_TIMESTAMPTZ(3);
  if (TIMESTAMP_NOT_FINITE(request.run_after)) throw megaforce::invalid_parameter("run_after must be finite");
  request.trigger = mpg::required_text_arg(fcinfo, 4, "trigger");
  rs::check_trigger(request.trigger);
  return mpg::with_spi([&] {
    if (request.actor) require_actor(*request.actor, "enqueue runs");
    return enqueue(request);
  });
}

// claim_runs(worker, max_runs default 1, lease default '5 minutes') returns setof runs
MF_WRITE_FUNCTION(megaforce_claim_runs, "claim_runs") {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
    throw megaforce::invalid_parameter("worker, max_runs and lease must not be null");
  std::string worker = mpg::text_of(PG_GETARG_DATUM(0));
  int32 max_runs = PG_GETARG_INT32(1);
  Interval* lease = PG_GETARG_INTERVAL_P(2);
  rs::check_claim_arguments(worker, max_runs, interval_usec(lease));

  mpg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  mpg::with_spi([&] {
    Datum args[2] = {mpg::text_datum(worker), PointerGetDatum(lease)};
    uint64 claimed = execute_claim(max_runs, args);
    mpg::pg_call([&] { store_claimed_rows(rsinfo, claimed); });
    return 0;
  });
  return Datum(0);
}

// heartbeat_run(run_id, lease_token, lease default '5 minutes') returns timestamptz
MF_WRITE_FUNCTION(megaforce_heartbeat_run, "heartbeat_run") {
  Uuid run = mpg::required_uuid_arg(fcinfo, 0, "run_id");
  Uuid token = mpg::required_uuid_arg(fcinfo, 1, "lease_token");
  if (PG_ARGISNULL(2)) throw megaforce::invalid_parameter("lease must not be null");
  Interval* lease = PG_GETARG_INTERVAL_P(2);
  rs::check_lease(interval_usec(lease));
  return mpg::with_spi([&] {
    Datum args[3] = {mpg::uuid_datum(run), mpg::uuid_datum(token), PointerGetDatum(lease)};
    fenced_update(g_heartbeat, run, token, args);
    bool is_null = false;
    return value(1, &is_null);  // a timestamptz is passed by value
  });
}

// complete_run(run_id, lease_token, result default '{}') returns runs
MF_WRITE_FUNCTION(megaforce_complete_run, "complete_run") {
  Uuid run = mpg::required_uuid_arg(fcinfo, 0, "run_id");
  Uuid token = mpg::required_uuid_arg(fcinfo, 1, "lease_token");
  Datum result = PG_ARGISNULL(2) ? mpg::pg_call([] {
    return DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
  }) : PG_GETARG_DATUM(2);
  return mpg::with_spi([&] {
    Datum args[3] = {mpg::uuid_datum(run), mpg::uuid_datum(token), result};
    fenced_update(g_complete, run, token, args);
    return mpg::first_result_column();
  });
}

// fail_run(run_id, lease_token, error, retry default true) returns runs
MF_WRITE_FUNCTION(megaforce_fail_run, "fail_run") {
  Uuid run = mpg::required_uuid_arg(fcinfo, 0, "run_id");
  Uuid token = mpg::required_uuid_arg(fcinfo, 1, "lease_token");
  std::string error = PG_ARGISNULL(2) ? std::string("failed") : mpg::text_of(PG_GETARG_DATUM(2));
  if (PG_ARGISNULL(3)) throw megaforce::invalid_parameter("retry must not be null");
  bool retry = PG_GETARG_BOOL(3);
  return mpg::with_spi([&] {
    LockedRun locked = lock_fenced(run, token);
    if (!retry) return set_state(run, "failed", error, std::nullopt);
    TimestampTz due = GetCurrentTransactionStartTimestamp() + rs::retry_backoff_seconds(locked.attempt) * USECS_PER_SEC;
    return requeue_or_fail(run, locked, error, due);
  });
}

// cancel_run(run_id, actor_id, reason default null) returns runs
MF_WRITE_FUNCTION(megaforce_cancel_run, "cancel_run") {
  Uuid run = mpg::required_uuid_arg(fcinfo, 0, "run_id");
  if (PG_ARGISNULL(1)) throw Error(sqlstate::kInsufficientPrivilege, "no actor for cancelling run " + id_text(run));
  Uuid actor = mpg::uuid_of(PG_GETARG_DATUM(1));
  std::optional<std::string> reason = mpg::optional_text_arg(fcinfo, 2);
  return mpg::with_spi([&] {
    std::optional<LockedRun> locked = lock_run(run);
    if (!locked) throw Error(sqlstate::kNoDataFound, "run " + id_text(run) + " does not exist");
    if (locked->status != "queued" && locked->status != "running")
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  "cannot cancel run " + id_text(run) + ": status is " + locked->status +
                      ", expected queued or running");
    require_actor(actor, "cancel runs");
    std::string note = "cancelled by " + id_text(actor);
    if (reason && !megaforce::approval::is_blank(*reason)) note += ": " + *reason;
    return set_state(run, "cancelled", note, std::nullopt);
  });
}

// retry_run(run_id, actor_id) returns runs: failed -> queued, attempt 0, due at once.
MF_WRITE_FUNCTION(megaforce_retry_run, "retry_run") {
  Uuid run = mpg::required_uuid_arg(fcinfo, 0, "run_id");
  if (PG_ARGISNULL(1)) throw Error(sqlstate::kInsufficientPrivilege, "no actor for retrying run " + id_text(run));
  Uuid actor = mpg::uuid_of(PG_GETARG_DATUM(1));
  return mpg::with_spi([&] {
    std::optional<LockedRun> locked = lock_run(run);
    if (!locked) throw Error(sqlstate::kNoDataFound, "run " + id_text(run) + " does not exist");
    if (locked->status != "failed")
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  "cannot retry run " + id_text(run) + ": status is " + locked->status + ", expected failed");
    require_actor(actor, "retry runs");
    lock_source(g_lock_source_update, locked->source, true);
    if (std::optional<Uuid> queued = queued_run_of(locked->source))
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  "cannot retry run " + id_text(run) + ": run " + id_text(*queued) +
                      " is already queued for its source");
    Datum args[1] = {mpg::uuid_datum(run)};
    mpg::execute(g_retry, args, nullptr, false);
    return mpg::first_result_column();
  });
}

// reap_expired_runs() returns integer: running runs whose lease expired go
// back to the queue at once (or fail when no attempt remains).
MF_WRITE_FUNCTION(megaforce_reap_expired_runs, "reap_expired_runs") {
  struct Expired {
    Uuid id;
    LockedRun run;
    std::string note;
  };
  int32 reaped = mpg::with_spi([&] {
    std::vector<Expired> expired;
    uint64 rows = mpg::execute(g_expired, nullptr, nullptr, false);
    for (uint64 i = 0; i < rows; ++i) {
      HeapTuple row = SPI_tuptable->vals[i];
      TupleDesc desc = SPI_tuptable->tupdesc;
      bool is_null = false, worker_null = false;
      Expired e;
      e.id = mpg::uuid_of(SPI_getbinval(row, desc, 1, &is_null));
      e.run.status = "running";
      e.run.attempt = DatumGetInt32(SPI_getbinval(row, desc, 2, &is_null));
      e.run.max_attempts = DatumGetInt32(SPI_getbinval(row, desc, 3, &is_null));
      e.run.source = mpg::uuid_of(SPI_getbinval(row, desc, 4, &is_null));
      Datum worker = SPI_getbinval(row, desc, 5, &worker_null);
      TimestampTz expired_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 6, &is_null));
      std::string when = mpg::pg_call([&] { return timestamptz_to_str(expired_at); });
      e.note = "lease expired at " + when + (worker_null ? "" : " (worker " + mpg::text_of(worker) + ")");
      expired.push_back(std::move(e));
    }
    for (const Expired& e : expired) {
      CHECK_FOR_INTERRUPTS();
      requeue_or_fail(e.id, e.run, e.note, GetCurrentTransactionStartTimestamp());
    }
    return static_cast<int32>(expired.size());
  });
  PG_RETURN_INT32(reaped);
}

// enqueue_due_runs(at default now()) returns integer: one run for each
// active scheduled source that is due, next_run_at advanced past `at`.
// Each source is its own subtransaction: one that fails is logged and
// skipped, the others go on.
MF_WRITE_FUNCTION(megaforce_enqueue_due_runs, "enqueue_due_runs") {
  if (PG_ARGISNULL(0)) throw megaforce::invalid_parameter("at must not be null");
  TimestampTz at = PG_GETARG_TIMESTAMPTZ(0);
  if (TIMESTAMP_NOT_FINITE(at)) throw megaforce::invalid_parameter("at must be finite");
  struct Due {
    Uuid id;
    std::string schedule;
    std::string zone;
    TimestampTz fire_at;
  };
  int32 handled = mpg::with_spi([&] {
    std::vector<Due> due;
    Datum args[1] = {TimestampTzGetDatum(at)};
    uint64 rows = mpg::execute(g_due_sources, args, nullptr, false);
    for (uint64 i = 0; i < rows; ++i) {
      HeapTuple row = SPI_tuptable->vals[i];
      TupleDesc desc = SPI_tuptable->tupdesc;
      bool is_null = false;
      Due d;
      d.id = mpg::uuid_of(SPI_getbinval(row, desc, 1, &is_null));
      d.schedule = mpg::text_of(SPI_getbinval(row, desc, 2, &is_null));
      d.zone = mpg::text_of(SPI_getbinval(row, desc, 3, &is_null));
      d.fire_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 4, &is_null));
      due.push_back(std::move(d));
    }
    int32 count = 0;
    for (const Due& d : due) {
      CHECK_FOR_INTERRUPTS();
      std::string what = "scheduling input source " + id_text(d.id);
      bool ok = mpg::pg_call([&] {
        return mpg::in_subtransaction(what.c_str(), [&] {
          EnqueueRequest request;
          request.source = d.id;
          request.run_after = d.fire_at;
          request.trigger = "schedule";
          enqueue(request);
          // Missed fires are not replayed: the next fire is the first after `at`.
          Datum next[2] = {mpg::uuid_datum(d.id), TimestampTzGetDatum(mpg::next_fire(d.schedule, at, d.zone))};
          mpg::execute(g_advance_source, next, nullptr, false);
        });
      });
      if (ok) ++count;
    }
    return count;
  });
  PG_RETURN_INT32(handled);
}

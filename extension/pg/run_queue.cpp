#include "pg/run_queue.hpp"

extern "C" {
#include "postgres.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/timestamp.h"
}

#include "core/approval.hpp"
#include "core/error.hpp"
#include "core/runs.hpp"
#include "pg/actors.hpp"
#include "pg/args.hpp"
#include "pg/boundary.hpp"

using megaforce::Error;
namespace sqlstate = megaforce::sqlstate;

namespace megaforce::pg::runq {

namespace {

KeptPlan g_lock_source_share{
    "SELECT is_active FROM megaforce.input_sources WHERE id = $1 FOR SHARE", 1, {UUIDOID}};
KeptPlan g_lock_source_update{
    "SELECT is_active FROM megaforce.input_sources WHERE id = $1 FOR NO KEY UPDATE", 1, {UUIDOID}};
KeptPlan g_insert_run{
    "INSERT INTO megaforce.runs AS r (input_source_id, created_by, priority, run_after, trigger) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (input_source_id) WHERE status = 'queued' DO NOTHING "
    "RETURNING r",
    5, {UUIDOID, UUIDOID, INT4OID, TIMESTAMPTZOID, TEXTOID}};
KeptPlan g_queued_run_of_source{
    "SELECT r FROM megaforce.runs r WHERE r.input_source_id = $1 AND r.status = 'queued'", 1, {UUIDOID}};
KeptPlan g_queued_id_of_source{
    "SELECT id FROM megaforce.runs WHERE input_source_id = $1 AND status = 'queued'", 1, {UUIDOID}};
KeptPlan g_run_for_update{
    "SELECT status, lease_token, attempt, max_attempts, input_source_id "
    "FROM megaforce.runs WHERE id = $1 FOR UPDATE",
    1, {UUIDOID}};
KeptPlan g_set_state{
    "UPDATE megaforce.runs r SET status = $2, error = $3, run_after = COALESCE($4, r.run_after) "
    "WHERE r.id = $1 RETURNING r",
    4, {UUIDOID, TEXTOID, TEXTOID, TIMESTAMPTZOID}};

}  // namespace

std::string id_text(const Uuid& id) { return megaforce::to_string(id); }

int64 interval_usec(const Interval* span) {
  // In 128 bits, then clamped: a month count near the interval type's limit
  // (7116800 months) would wrap around 64 bits to a short, positive span.
  __int128 usec = static_cast<__int128>(span->time) + static_cast<__int128>(span->day) * USECS_PER_DAY +
                  static_cast<__int128>(span->month) * DAYS_PER_MONTH * USECS_PER_DAY;
  if (usec > PG_INT64_MAX) return PG_INT64_MAX;
  if (usec < PG_INT64_MIN) return PG_INT64_MIN;
  return static_cast<int64>(usec);
}

Datum first_row_value(int column, bool* is_null) {
  return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, column, is_null);
}

void require_actor(const Uuid& actor_id, const char* may_not) {
  megaforce::approval::require_active_user(lookup_actor(actor_id, std::nullopt), id_text(actor_id), "actor",
                                           may_not);
}

void lock_source(SourceLock mode, const Uuid& source, bool need_active) {
  KeptPlan& plan = mode == SourceLock::kShare ? g_lock_source_share : g_lock_source_update;
  Datum args[1] = {uuid_datum(source)};
  if (execute(plan, args, nullptr, false, 1) == 0)
    throw Error(sqlstate::kNoDataFound, "input source " + id_text(source) + " does not exist");
  bool is_null = false;
  if (need_active && !DatumGetBool(first_row_value(1, &is_null)))
    throw Error(sqlstate::kObjectNotInPrerequisiteState, "input source " + id_text(source) + " is inactive");
}

std::optional<Uuid> queued_run_of(const Uuid& source) {
  Datum args[1] = {uuid_datum(source)};
  if (execute(g_queued_id_of_source, args, nullptr, false, 1) == 0) return std::nullopt;
  bool is_null = false;
  return uuid_of(first_row_value(1, &is_null));
}

EnqueueRequest enqueue_request_from_args(FunctionCallInfo fcinfo) {
  EnqueueRequest request;
  if (!PG_ARGISNULL(1)) request.actor = uuid_of(PG_GETARG_DATUM(1));
  if (PG_ARGISNULL(2)) throw invalid_parameter("priority must not be null");
  request.priority = PG_GETARG_INT32(2);
  runs::check_priority(request.priority);
  if (PG_ARGISNULL(3)) throw invalid_parameter("run_after must not be null");
  request.run_after = PG_GETARG_TIMESTAMPTZ(3);
  if (TIMESTAMP_NOT_FINITE(request.run_after)) throw invalid_parameter("run_after must be finite");
  request.trigger = required_text_arg(fcinfo, 4, "trigger");
  runs::check_trigger(request.trigger);
  return request;
}

Datum enqueue(const EnqueueRequest& request) {
  lock_source(SourceLock::kShare, request.source, true);
  Datum args[5] = {uuid_datum(request.source), request.actor ? uuid_datum(*request.actor) : Datum(0),
                   Int32GetDatum(request.priority), TimestampTzGetDatum(request.run_after),
                   text_datum(request.trigger)};
  char nulls[5] = {' ', request.actor ? ' ' : 'n', ' ', ' ', ' '};
  // The queued run of a conflicting enqueue may be claimed between our
  // INSERT and SELECT; then the INSERT can succeed on the next pass.
  for (int pass = 0; pass < 5; ++pass) {
    check_interrupts();
    if (execute(g_insert_run, args, nulls, false) > 0) return first_result_column();
    Datum source_arg[1] = {args[0]};
    if (execute(g_queued_run_of_source, source_arg, nullptr, false, 1) > 0) return first_result_column();
  }
  throw Error(sqlstate::kSerializationFailure,
              "could not enqueue a run for input source " + id_text(request.source) + ": it kept changing");
}

std::optional<LockedRun> lock_run(const Uuid& run) {
  Datum args[1] = {uuid_datum(run)};
  if (execute(g_run_for_update, args, nullptr, false, 1) == 0) return std::nullopt;
  LockedRun locked;
  bool is_null = false;
  locked.status = text_of(first_row_value(1, &is_null));
  Datum token = first_row_value(2, &is_null);
  if (!is_null) locked.token = uuid_of(token);
  locked.attempt = DatumGetInt32(first_row_value(3, &is_null));
  locked.max_attempts = DatumGetInt32(first_row_value(4, &is_null));
  locked.source = uuid_of(first_row_value(5, &is_null));
  return locked;
}

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

// It cannot find the run running under this token after the UPDATE did not,
// since a token is never handed out twice.
void fenced_update(KeptPlan& plan, const Uuid& run, const Uuid& token, const Datum* args) {
  if (execute(plan, args, nullptr, false) > 0) return;
  lock_fenced(run, token);
  throw Error(sqlstate::kInternalError, "run " + id_text(run) + " is running under this token but was not updated");
}

Datum set_state(const Uuid& run, const char* status, const std::optional<std::string>& error,
                std::optional<TimestampTz> run_after) {
  Datum args[4] = {uuid_datum(run), text_datum(status), error ? text_datum(*error) : Datum(0),
                   run_after ? TimestampTzGetDatum(*run_after) : Datum(0)};
  char nulls[4] = {' ', ' ', error ? ' ' : 'n', run_after ? ' ' : 'n'};
  execute(g_set_state, args, nulls, false);
  return first_result_column();
}

Datum requeue_or_fail(const Uuid& run, const LockedRun& locked, const std::string& error,
                      TimestampTz run_after) {
  if (locked.attempt < locked.max_attempts) {
    lock_source(SourceLock::kNoKeyUpdate, locked.source, false);
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

}  // namespace megaforce::pg::runq

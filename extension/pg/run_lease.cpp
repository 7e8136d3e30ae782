// The steps of a worker that holds a lease (SPEC §4): heartbeat_run,
// complete_run, fail_run, each fenced by the lease token of the current claim.
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
#include "pg/args.hpp"
#include "pg/boundary.hpp"
#include "pg/run_queue.hpp"
#include "pg/spi.hpp"
#include "pg/standby.hpp"

namespace rs = megaforce::runs;
using megaforce::Error;
using megaforce::Uuid;
namespace sqlstate = megaforce::sqlstate;
namespace mpg = megaforce::pg;
using namespace megaforce::pg::runq;

namespace {

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
}  // namespace

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
    return first_row_value(1, &is_null);  // a timestamptz is passed by value
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

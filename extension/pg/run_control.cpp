// Operator control of runs (SPEC §4): cancel_run and retry_run, by an
// active non-viewer actor.
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

mpg::KeptPlan g_retry{
    "UPDATE megaforce.runs r SET status = 'queued', run_after = pg_catalog.now(), trigger = 'retry', "
    "result = '{}' WHERE r.id = $1 RETURNING r",
    1, {UUIDOID}};

}  // namespace

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
    lock_source(SourceLock::kNoKeyUpdate, locked->source, true);
    if (std::optional<Uuid> queued = queued_run_of(locked->source))
      throw Error(sqlstate::kObjectNotInPrerequisiteState,
                  "cannot retry run " + id_text(run) + ": run " + id_text(*queued) +
                      " is already queued for its source");
    Datum args[1] = {mpg::uuid_datum(run)};
    mpg::execute(g_retry, args, nullptr, false);
    return mpg::first_result_column();
  });
}

// enqueue_run (SPEC §4): one queued run per source, idempotent; the shared
// enqueue step is in run_queue.cpp.
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

#include <string>

#include "core/error.hpp"
#include "core/runs.hpp"
#include "pg/args.hpp"
#include "pg/boundary.hpp"
#include "pg/run_queue.hpp"
#include "pg/spi.hpp"
#include "pg/standby.hpp"

namespace rs = megaforce::runs;
namespace mpg = megaforce::pg;
namespace runq = megaforce::pg::runq;

// enqueue_run(input_source_id, actor_id default null, priority default 0,
//             run_after default now(), trigger default 'manual') returns runs
MF_WRITE_FUNCTION(megaforce_enqueue_run, "enqueue_run") {
  runq::EnqueueRequest request;
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
    if (request.actor) runq::require_actor(*request.actor, "enqueue runs");
    return runq::enqueue(request);
  });
}

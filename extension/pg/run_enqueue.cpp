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
#include "core/uuid.hpp"
#include "pg/args.hpp"
#include "pg/boundary.hpp"
#include "pg/run_queue.hpp"
#include "pg/spi.hpp"
#include "pg/standby.hpp"

using megaforce::Uuid;
namespace mpg = megaforce::pg;
namespace runq = megaforce::pg::runq;

// enqueue_run(input_source_id, actor_id default null, priority default 0,
//             run_after default now(), trigger default 'manual') returns runs
MF_WRITE_FUNCTION(megaforce_enqueue_run, "enqueue_run") {
  Uuid source = mpg::required_uuid_arg(fcinfo, 0, "input_source_id");
  runq::EnqueueRequest request = runq::enqueue_request_from_args(fcinfo);
  request.source = source;
  return mpg::with_spi([&] {
    if (request.actor) runq::require_actor(*request.actor, "enqueue runs");
    return runq::enqueue(request);
  });
}

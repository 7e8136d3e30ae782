// Counters of finished runs (release 1.2), for monitoring: one sequence per
// finished status, advanced when a run reaches that status, read by
// megaforce.finished_runs_total() without scanning runs. A sequence is the
// cheapest monotonic counter PostgreSQL has (no row lock, one WAL record per
// 32 steps). Like any sequence it is not transactional: a finish that rolls
// back still counts, so the counters are exact for committed work only when
// nothing rolls back.
#pragma once

extern "C" {
#include "postgres.h"
}

#include "core/runs.hpp"

namespace megaforce::pg {

// Adds one to the counter of `status` (succeeded, failed or cancelled);
// nothing for other statuses, or where the counters do not exist (the
// schema of a version before 1.2). Call through pg_call.
void count_finished_run(runs::Status status);

}  // namespace megaforce::pg

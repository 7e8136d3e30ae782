// The scheduler's side of retention (pg/run_prune.cpp, issue 20).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace megaforce::pg {

// One batch of the scheduler's pruning, in the caller's transaction (it
// connects to SPI itself): succeeded and cancelled runs older than
// megaforce.run_retention, failed runs older than
// megaforce.failed_run_retention (0: kept), at most max_rows of each,
// oldest first, referenced runs kept. Returns how many went; *more says
// whether a class had more to prune than this batch took; *far_behind
// whether a run it deleted had finished more than one retention period
// before its cutoff (pruning is falling behind the runs that finish). Errors
// are reported with ereport (callable from the worker's PG_TRY).
int64 prune_batch(int32 max_rows, bool* more, bool* far_behind);

// Forgets where earlier batches found only kept runs (see run_prune.cpp):
// the next batch reads each status from its oldest run again.
void prune_forget();

}  // namespace megaforce::pg

// Shared steps of the run queue's SQL functions (SPEC §4): locking a run or
// its source, the fence of a lease token, enqueueing, and the state changes
// that the runs trigger (run_trigger.cpp) then checks and completes. The
// entry points live one concern a file: run_enqueue.cpp, run_claim.cpp,
// run_lease.cpp (heartbeat, complete, fail), run_control.cpp (cancel, retry),
// run_sweeps.cpp (reap, enqueue_due).
//
// Locking: a run's row is locked before its source's row. A run goes back to
// the queue only under its source's row lock (FOR NO KEY UPDATE), which
// enqueue's FOR SHARE waits for, so "is a run already queued for this
// source?" is answered before either writes.
//
// Every function here must be called inside SPI_connect; each calls
// PostgreSQL through pg_call, so callers may hold C++ objects.
#pragma once

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
}

#include <optional>
#include <string>

#include "core/uuid.hpp"
#include "pg/spi.hpp"

namespace megaforce::pg::runq {

std::string id_text(const Uuid& id);

// An interval's length in microseconds (a month counts 30 days), clamped to
// the int64 range. Plain arithmetic: safe in a GUC check hook.
int64 interval_usec(const Interval* span);

// Column `column` (1-based) of the first row of the last SPI result.
Datum first_row_value(int column, bool* is_null);

// An actor who may enqueue, cancel or retry: an active user who is not a
// viewer (42501 otherwise).
void require_actor(const Uuid& actor_id, const char* may_not);

// Locks the source row, FOR SHARE or FOR NO KEY UPDATE; P0002 when there is
// none, 55000 when `need_active` and it is inactive.
enum class SourceLock { kShare, kNoKeyUpdate };
void lock_source(SourceLock mode, const Uuid& source, bool need_active);

// The id of the source's queued run, if it has one.
std::optional<Uuid> queued_run_of(const Uuid& source);

struct EnqueueRequest {
  Uuid source{};
  std::optional<Uuid> actor;
  int32 priority = 0;
  TimestampTz run_after = 0;
  std::string trigger = "manual";
};

// The options enqueue_run and enqueue_runs share, from their arguments 2-5
// (actor_id, priority, run_after, trigger), checked; `source` is left unset.
EnqueueRequest enqueue_request_from_args(FunctionCallInfo fcinfo);

// The source's queued run, new or existing, as a composite Datum in the
// caller's memory context.
Datum enqueue(const EnqueueRequest& request);

struct LockedRun {
  std::string status;
  std::optional<Uuid> token;
  int32 attempt = 0;
  int32 max_attempts = 1;
  Uuid source{};
};

// Locks the run's row FOR UPDATE; nullopt when it does not exist.
std::optional<LockedRun> lock_run(const Uuid& run);

// Locks `run` for a step fenced by `token`: the run must exist (P0002) and be
// running under this token; a finished run's own token is 55000, any other
// token (a newer claim, or none since the run was requeued) 42501.
LockedRun lock_fenced(const Uuid& run, const Uuid& token);

// Runs a fenced step (`plan`, whose first two arguments are the run and its
// token); its row is then in SPI_tuptable. When the fence holds nothing,
// lock_fenced() names the reason (P0002, 55000 or 42501).
void fenced_update(KeptPlan& plan, const Uuid& run, const Uuid& token, const Datum* args);

// Sets status/error/run_after of a locked run and returns the row.
Datum set_state(const Uuid& run, const char* status, const std::optional<std::string>& error,
                std::optional<TimestampTz> run_after);

// A run whose attempt failed goes back to the queue at `run_after` while
// attempts remain and its source has no queued run; otherwise it fails.
Datum requeue_or_fail(const Uuid& run, const LockedRun& locked, const std::string& error,
                      TimestampTz run_after);

}  // namespace megaforce::pg::runq

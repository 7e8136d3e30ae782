// Running one unit of work in its own subtransaction, so that its failure is
// logged and rolled back without ending the caller's transaction (one bad
// source must not stop enqueue_due_runs, nor the scheduler's tick).
#pragma once

extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "utils/resowner.h"
}

#include "pg/boundary.hpp"

namespace megaforce::pg {

// Runs `work` (C++ that calls PostgreSQL only through pg_call) in a
// subtransaction; returns false after logging a WARNING naming `what` when
// it failed. Call it through pg_call() when the caller holds C++ objects.
template <typename Work>
bool in_subtransaction(const char* what, Work&& work) {
  MemoryContext caller_context = CurrentMemoryContext;
  ResourceOwner caller_owner = CurrentResourceOwner;
  volatile bool ok = true;
  BeginInternalSubTransaction(nullptr);
  MemoryContextSwitchTo(caller_context);
  PG_TRY();
  {
    guarded_call([&] { work(); });
    ReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(caller_context);
    CurrentResourceOwner = caller_owner;
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    ErrorData* error = CopyErrorData();
    FlushErrorState();
    RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(caller_context);
    CurrentResourceOwner = caller_owner;
    // A cancel (pg_cancel_backend, statement_timeout) or a shutdown request
    // is not this unit's failure: it stops the whole call.
    if (error->sqlerrcode == ERRCODE_QUERY_CANCELED || error->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
        error->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE || error->elevel >= FATAL)
      ReThrowError(error);
    ereport(WARNING, (errcode(error->sqlerrcode), errmsg("megaforce: %s failed: %s", what, error->message)));
    FreeErrorData(error);
    ok = false;
  }
  PG_END_TRY();
  return ok;
}

}  // namespace megaforce::pg

// The scheduler: one background worker per database in megaforce.databases
// (megaforce must be in shared_preload_libraries). Every
// megaforce.tick_interval it calls reap_expired_runs() and then
// enqueue_due_runs(), each in its own transaction, so schedules fire and
// expired leases come back with no external cron and no worker asking.
// Then it prunes expired finished runs (megaforce.run_retention,
// megaforce.failed_run_retention; pg/run_prune.cpp) in batches of
// kPruneBatchRows, each its own short transaction, for at most an eighth of a
// tick (a quarter when it falls far behind):
// a backlog is worked off over ticks, never in one long transaction.
// While megaforce.pre_restore() has the database in restore mode it waits.
//
//  - Errors are logged; the next tick waits longer (doubling, at most 60 s,
//    never less than the tick interval: core/tick_backoff) and a good tick
//    resets that. One bad source does not stop the others:
//    enqueue_due_runs() runs each source in a subtransaction.
//  - It waits, without noise, for the database to have the extension, and
//    skips a tick while `megaforce upgrade`/`downgrade` holds the migration
//    lock; other ALTER EXTENSION runs are waited out by their table locks.
//  - On a hot standby it does nothing (after promotion it starts working).
//  - SIGHUP rereads the configuration (tick_interval); SIGTERM stops it at
//    once, between or inside ticks; if it dies it is restarted after 5 s.
//
// The worker's loop is plain C: it holds no C++ objects, so PostgreSQL's
// longjmp-based errors are caught with PG_TRY and nothing else.
extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

PGDLLEXPORT void megaforce_scheduler_main(Datum arg);
}

#include <cstring>
#include <string>
#include <vector>

#include "core/database_list.hpp"
#include "core/migration_lock.hpp"
#include "core/tick_backoff.hpp"
#include "pg/boundary.hpp"
#include "pg/run_prune.hpp"
#include "pg/scheduler.hpp"
#include "pg/settings.hpp"

namespace {

// 100 rows: a batch of 500 held its locks on runs for 320-360 ms on a
// 2-core machine busy with 8 workers (bench/soak.sh); the goal is 100 ms.
constexpr int32 kPruneBatchRows = 100;
constexpr int kMaxPruneBatches = 500;

// A job given as C++ (run inside the job's transaction and SPI connection);
// returns whether there is more of it to do.
using NativeJob = bool (*)();

// Runs `sql` (or `native`, with `sql` its description) in its own
// transaction when the extension is there, no client migration holds the
// lock (the key the client takes, shared here) and the database is not in
// restore mode. Returns false after logging the error when it failed.
bool run_job(const char* sql, NativeJob native = nullptr, bool* more = nullptr) {
  volatile bool ok = true;
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  PG_TRY();
  {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "megaforce scheduler: SPI_connect failed");
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, sql);
    // A native job (the pruning) is of release 1.2: a schema still at 1.0
    // or 1.1 (not yet upgraded, or downgraded) has no retention.
    Oid key_type[2] = {INT8OID, BOOLOID};
    Datum key[2] = {Int64GetDatum(megaforce::kMigrationLockKey), BoolGetDatum(native != nullptr)};
    SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'megaforce' "
                          "AND NOT ($2 AND extversion IN ('1.0', '1.1')) "
                          "AND pg_catalog.pg_try_advisory_xact_lock_shared($1) "
                          "AND NOT EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s "
                          "  JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase "
                          "  WHERE d.datname = pg_catalog.current_database() AND s.setrole = 0 "
                          "  AND 'megaforce.restoring=on' = ANY (s.setconfig))",
                          2, key_type, key, nullptr, false, 1);
    if (SPI_processed == 1) {
      if (native)
        *more = native();
      else
        SPI_execute(sql, false, 0);
    } else if (native) {
      megaforce::pg::prune_forget();  // skipped: rows may arrive meanwhile (a restore)
    }
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(TopMemoryContext);
    EmitErrorReport();
    AbortCurrentTransaction();
    FlushErrorState();
    ok = false;
  }
  PG_END_TRY();
  pgstat_report_activity(STATE_IDLE, nullptr);
  pgstat_report_stat(true);
  return ok;
}

bool g_prune_far_behind = false;  // set by the last prune_job

bool prune_job() {
  bool more = false;
  megaforce::pg::prune_batch(kPruneBatchRows, &more, &g_prune_far_behind);
  return more;
}

// Prunes batch after batch while there is more, for at most an eighth of a
// tick while it keeps up, so that the queue keeps most of the server while a
// backlog goes (with a quarter, 8 workers on 2 cores kept 0.76 of their
// throughput while 1M expired runs went; with an eighth 0.84). When the runs
// it deletes finished more than one retention period before the cutoff it is
// falling behind the runs that finish, and it takes up to a quarter (an
// eighth prunes ~4,700 runs/s there, and 8 workers finish up to 10,000/s).
bool prune_expired_runs() {
  TimestampTz started = GetCurrentTimestamp();
  for (int batch = 0; batch < kMaxPruneBatches; ++batch) {
    bool more = false;
    g_prune_far_behind = false;
    if (!run_job("megaforce: pruning expired runs", prune_job, &more)) return false;
    if (!more) break;
    CHECK_FOR_INTERRUPTS();
    int64 budget_ms = megaforce::pg::tick_interval_ms() / (g_prune_far_behind ? 4 : 8);
    if (TimestampDifferenceExceeds(started, GetCurrentTimestamp(), static_cast<int>(budget_ms))) break;
  }
  return true;
}

}  // namespace

extern "C" void megaforce_scheduler_main(Datum) {
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();

  char database[BGW_EXTRALEN];
  std::memcpy(database, MyBgworkerEntry->bgw_extra, BGW_EXTRALEN);
  database[BGW_EXTRALEN - 1] = '\0';
  BackgroundWorkerInitializeConnection(database, nullptr, 0);
  pgstat_report_appname("megaforce scheduler");
  ereport(LOG, (errmsg("megaforce scheduler started for database \"%s\"", database)));

  // The latch is also set by things other than our timeout (SIGHUP, cache
  // invalidation catch-up), so a tick runs when its time has come, not
  // whenever the wait ends.
  int failures = 0;
  TimestampTz last_tick = GetCurrentTimestamp();
  for (;;) {
    int64 wait_for_ms = megaforce::tick_wait_ms(megaforce::pg::tick_interval_ms(), failures);
    TimestampTz due = TimestampTzPlusMilliseconds(last_tick, wait_for_ms);
    long wait_ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), due);
    if (wait_ms > 0) {
      (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait_ms, PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
    }
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);  // a new tick_interval counts from the last tick
      megaforce::pg::prune_forget();    // new retention settings: read every status again
    }
    if (GetCurrentTimestamp() < due) continue;
    last_tick = GetCurrentTimestamp();
    if (RecoveryInProgress()) continue;  // a standby: nothing to write
    bool reaped = run_job("SELECT megaforce.reap_expired_runs()");
    bool enqueued = run_job("SELECT megaforce.enqueue_due_runs()");
    failures = reaped && enqueued ? 0 : failures + 1;
    if (!prune_expired_runs()) ++failures;  // retention (issue 20), after the two above
  }
}

namespace megaforce::pg {

void register_scheduler_workers() {
  // _PG_init is C: guarded_call reports any error once the list is destroyed.
  guarded_call([] {
    std::vector<std::string> databases = parse_database_list(databases_setting());
    for (const std::string& database : databases) {
      BackgroundWorker worker;
      std::memset(&worker, 0, sizeof worker);
      worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
      // Consistent state: it starts on a hot standby too, idles there, and
      // works once the standby is promoted.
      worker.bgw_start_time = BgWorkerStart_ConsistentState;
      worker.bgw_restart_time = 5;
      std::snprintf(worker.bgw_library_name, BGW_MAXLEN, "megaforce");
      std::snprintf(worker.bgw_function_name, BGW_MAXLEN, "megaforce_scheduler_main");
      std::snprintf(worker.bgw_name, BGW_MAXLEN, "megaforce scheduler for %s", database.c_str());
      std::snprintf(worker.bgw_type, BGW_MAXLEN, "megaforce scheduler");
      std::snprintf(worker.bgw_extra, BGW_EXTRALEN, "%s", database.c_str());
      pg_call([&] { RegisterBackgroundWorker(&worker); });
    }
  });
}

}  // namespace megaforce::pg

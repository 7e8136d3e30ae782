// The sweeps the scheduler runs on every tick (SPEC §4): reap_expired_runs
// (expired leases back to the queue) and enqueue_due_runs (scheduled sources).
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
#include "pg/subtransaction.hpp"
#include "pg/timezone.hpp"

namespace rs = megaforce::runs;
using megaforce::Error;
using megaforce::Uuid;
namespace sqlstate = megaforce::sqlstate;
namespace mpg = megaforce::pg;
using namespace megaforce::pg::runq;

namespace {

mpg::KeptPlan g_expired{
    "SELECT id, attempt, max_attempts, input_source_id, claimed_by, lease_expires_at "
    "FROM megaforce.runs WHERE status = 'running' AND lease_expires_at < pg_catalog.now() "
    "ORDER BY lease_expires_at FOR UPDATE SKIP LOCKED",
    0, {}, mpg::PlanShape::kIndexPaths};
mpg::KeptPlan g_due_sources{
    "SELECT id, schedule, timezone, next_run_at FROM megaforce.input_sources "
    "WHERE trigger = 'schedule' AND is_active AND next_run_at <= $1 "
    "ORDER BY next_run_at FOR UPDATE SKIP LOCKED",
    1, {TIMESTAMPTZOID}, mpg::PlanShape::kIndexPaths};
mpg::KeptPlan g_advance_source{
    "UPDATE megaforce.input_sources SET next_run_at = $2 WHERE id = $1", 2, {UUIDOID, TIMESTAMPTZOID}};

}  // namespace

// reap_expired_runs() returns integer: running runs whose lease expired go
// back to the queue at once (or fail when no attempt remains).
MF_WRITE_FUNCTION(megaforce_reap_expired_runs, "reap_expired_runs") {
  struct Expired {
    Uuid id;
    LockedRun run;
    std::string note;
  };
  int32 reaped = mpg::with_spi([&] {
    std::vector<Expired> expired;
    uint64 rows = mpg::execute(g_expired, nullptr, nullptr, false);
    for (uint64 i = 0; i < rows; ++i) {
      mpg::check_interrupts();
      HeapTuple row = SPI_tuptable->vals[i];
      TupleDesc desc = SPI_tuptable->tupdesc;
      bool is_null = false, worker_null = false;
      Expired e;
      e.id = mpg::uuid_of(SPI_getbinval(row, desc, 1, &is_null));
      e.run.status = "running";
      e.run.attempt = DatumGetInt32(SPI_getbinval(row, desc, 2, &is_null));
      e.run.max_attempts = DatumGetInt32(SPI_getbinval(row, desc, 3, &is_null));
      e.run.source = mpg::uuid_of(SPI_getbinval(row, desc, 4, &is_null));
      Datum worker = SPI_getbinval(row, desc, 5, &worker_null);
      TimestampTz expired_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 6, &is_null));
      std::string when = mpg::pg_call([&] { return timestamptz_to_str(expired_at); });
      e.note = "lease expired at " + when + (worker_null ? "" : " (worker " + mpg::text_of(worker) + ")");
      expired.push_back(std::move(e));
    }
    for (const Expired& e : expired) {
      mpg::check_interrupts();
      mpg::with_item_spi([&] {
        Datum row = requeue_or_fail(e.id, e.run, e.note, GetCurrentTransactionStartTimestamp());
        mpg::pg_call([&] { pfree(DatumGetPointer(row)); });
      });
    }
    return static_cast<int32>(expired.size());
  });
  PG_RETURN_INT32(reaped);
}

// enqueue_due_runs(at default now()) returns integer: one run for each
// active scheduled source that is due, next_run_at advanced past `at`.
// Each source is its own subtransaction: one that fails is logged and
// skipped, the others go on.
MF_WRITE_FUNCTION(megaforce_enqueue_due_runs, "enqueue_due_runs") {
  if (PG_ARGISNULL(0)) throw megaforce::invalid_parameter("at must not be null");
  TimestampTz at = PG_GETARG_TIMESTAMPTZ(0);
  if (TIMESTAMP_NOT_FINITE(at)) throw megaforce::invalid_parameter("at must be finite");
  struct Due {
    Uuid id;
    std::string schedule;
    std::string zone;
    TimestampTz fire_at;
  };
  int32 handled = mpg::with_spi([&] {
    std::vector<Due> due;
    Datum args[1] = {TimestampTzGetDatum(at)};
    uint64 rows = mpg::execute(g_due_sources, args, nullptr, false);
    for (uint64 i = 0; i < rows; ++i) {
      mpg::check_interrupts();
      HeapTuple row = SPI_tuptable->vals[i];
      TupleDesc desc = SPI_tuptable->tupdesc;
      bool is_null = false;
      Due d;
      d.id = mpg::uuid_of(SPI_getbinval(row, desc, 1, &is_null));
      d.schedule = mpg::text_of(SPI_getbinval(row, desc, 2, &is_null));
      d.zone = mpg::text_of(SPI_getbinval(row, desc, 3, &is_null));
      d.fire_at = DatumGetTimestampTz(SPI_getbinval(row, desc, 4, &is_null));
      due.push_back(std::move(d));
    }
    int32 count = 0;
    for (const Due& d : due) {
      mpg::check_interrupts();
      std::string what = "scheduling input source " + id_text(d.id);
      bool ok = mpg::pg_call([&] {
        return mpg::in_subtransaction(what.c_str(), [&] {
          EnqueueRequest request;
          request.source = d.id;
          request.run_after = d.fire_at;
          request.trigger = "schedule";
          mpg::with_item_spi([&] {
            Datum row = enqueue(request);
            mpg::pg_call([&] { pfree(DatumGetPointer(row)); });
            // Missed fires are not replayed: the next fire is the first after `at`.
            Datum next[2] = {mpg::uuid_datum(d.id), TimestampTzGetDatum(mpg::next_fire(d.schedule, at, d.zone))};
            mpg::execute(g_advance_source, next, nullptr, false);
          });
        });
      });
      if (ok) ++count;
    }
    return count;
  });
  PG_RETURN_INT32(handled);
}

// claim_runs (SPEC §4): due queued runs, highest priority first, never one
// another transaction holds, never a second running run of one source.
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

// The claim, with the batch size as a literal LIMIT: with LIMIT $n the
// generic plan cannot know how many rows are wanted and the plan cache would
// re-plan this statement on every call. Sizes up to kKeptClaimSizes get a
// kept plan each; larger batches are planned per call. Either way the claim
// is planned with index paths only (PlanShape::kIndexPaths): it walks
// runs_claim_order_idx from its head and stops after max_runs claimable runs,
// whatever the statistics say (a plan made from the statistics of an empty
// queue sorted every queued run on each claim: issue 18).
constexpr int kKeptClaimSizes = 100;

// The claimed rows come back as plain columns (r.*), in the claim order; a
// single run needs no sort.
std::string claim_sql(int limit) {
  std::string update =
      "UPDATE megaforce.runs r SET status = 'running', claimed_by = $1,"
      "       lease_expires_at = pg_catalog.now() + $2"
      "  FROM candidates c WHERE r.id = c.id RETURNING r.*";
  return "WITH candidates AS ("
         "  SELECT r.id FROM megaforce.runs r"
         "  WHERE r.status = 'queued' AND r.run_after <= pg_catalog.now()"
         // OFFSET 0 keeps this a per-candidate probe of runs_one_running_per_source:
         // as an anti-join the planner would read every running run for each claim.
         "    AND NOT EXISTS (SELECT 1 FROM megaforce.runs b"
         "                    WHERE b.input_source_id = r.input_source_id AND b.status = 'running' OFFSET 0)"
         "  ORDER BY r.priority DESC, r.run_after, r.queued_at, r.id"
         "  LIMIT " + std::to_string(limit) + " FOR UPDATE OF r SKIP LOCKED)" +
         (limit == 1 ? " " + update
                     : ", claimed AS (" + update + ") SELECT * FROM claimed"
                       "  ORDER BY priority DESC, run_after, queued_at, id");
}

// Runs the claim of `max_runs` runs; returns how many were claimed (rows in SPI_tuptable).
uint64 execute_claim(int max_runs, const Datum* args) {
  static std::string kept_sql[kKeptClaimSizes + 1];
  static mpg::KeptPlan kept[kKeptClaimSizes + 1];
  if (max_runs <= kKeptClaimSizes) {
    mpg::KeptPlan& plan = kept[max_runs];
    if (plan.sql == nullptr) {
      kept_sql[max_runs] = claim_sql(max_runs);
      plan.sql = kept_sql[max_runs].c_str();
      plan.nargs = 2;
      plan.argtypes[0] = TEXTOID;
      plan.argtypes[1] = INTERVALOID;
      plan.shape = mpg::PlanShape::kIndexPaths;
    }
    return mpg::execute(plan, args, nullptr, false);
  }
  std::string sql = claim_sql(max_runs);
  return mpg::pg_call([&]() -> uint64 {
    Oid types[2] = {TEXTOID, INTERVALOID};
    int level = mpg::enter_plan_shape(mpg::PlanShape::kIndexPaths);
    int rc = SPI_execute_with_args(sql.c_str(), 2, types, const_cast<Datum*>(args), nullptr, false, 0);
    mpg::leave_plan_shape(level);
    if (rc < 0) elog(ERROR, "megaforce: claim failed (%s)", SPI_result_code_string(rc));
    return SPI_processed;
  });
}

// Copies the claimed rows (SPI_tuptable: the non-dropped columns of runs, in
// order) into the function's result, whose row type also holds any dropped
// column, as a null placeholder. Call inside pg_call.
void store_claimed_rows(ReturnSetInfo* rsinfo, uint64 claimed) {
  TupleDesc out = rsinfo->setDesc;
  Datum* values = static_cast<Datum*>(palloc(out->natts * sizeof(Datum)));
  bool* nulls = static_cast<bool*>(palloc(out->natts * sizeof(bool)));
  for (uint64 i = 0; i < claimed; ++i) {
    int source_column = 0;
    for (int k = 0; k < out->natts; ++k) {
      if (TupleDescAttr(out, k)->attisdropped) {
        values[k] = Datum(0);
        nulls[k] = true;
        continue;
      }
      values[k] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, ++source_column, &nulls[k]);
    }
    tuplestore_putvalues(rsinfo->setResult, out, values, nulls);
  }
  pfree(values);
  pfree(nulls);
}

}  // namespace

// claim_runs(worker, max_runs default 1, lease default '5 minutes') returns setof runs
MF_WRITE_FUNCTION(megaforce_claim_runs, "claim_runs") {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
    throw megaforce::invalid_parameter("worker, max_runs and lease must not be null");
  std::string worker = mpg::text_of(PG_GETARG_DATUM(0));
  int32 max_runs = PG_GETARG_INT32(1);
  Interval* lease = PG_GETARG_INTERVAL_P(2);
  rs::check_claim_arguments(worker, max_runs, interval_usec(lease));

  mpg::pg_call([&] { InitMaterializedSRF(fcinfo, 0); });
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  mpg::with_spi([&] {
    Datum args[2] = {mpg::text_datum(worker), PointerGetDatum(lease)};
    uint64 claimed = execute_claim(max_runs, args);
    mpg::pg_call([&] { store_claimed_rows(rsinfo, claimed); });
    return 0;
  });
  return Datum(0);
}
